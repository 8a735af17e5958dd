#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# egre over IPv6 interoperates with Linux's ip6gretap: egre on guest a,
# ip6gretap on guest b (egre and ip6_gre cannot share one kernel), same
# keys, over an IPv6 underlay given to the wire here.
#
#   +---- guest a ---------------------+            +---- guest b -----------------------+
#   |  eg   (egre, dev eth0) .1/26     |  key 77    |  gt  (ip6gretap encaplimit none)   |
#   |  eg2  (egre) csum seq  .65/26    |  key 78    |  gt2 (ip6gretap encaplimit none)   |
#   |  eg3  (egre)           .129/26   |  key 79    |  gt3 (ip6gretap, encaplimit 4:     |
#   |                                  |            |       a destination option)        |
#   |  eth0 2001:db8::1/64 --------------- wire ------ eth0 2001:db8::2/64               |
#   |  dumpcap on eth0                 |            |  iperf3 server                     |
#   +----------------------------------+            +------------------------------------+
#   (inner addresses 203.0.113.x; b has .2, .66, .130)
#
# Pings both ways on every tunnel, iperf3 both ways on the first; a captures
# the wire during the pings and tshark decodes it afterwards: GRE over IPv6
# carrying Transparent Ethernet bridging with the right key both ways, and
# egre's outer headers the same as ip6gretap's (next header, hop limit,
# traffic class, GRE flags, a flow label).  ip6gretap's default
# encapsulation limit option is accepted.  When b is done it adds
# 192.0.2.102 to its wire; a waits for that before leaving, and b waits for
# a to leave.
# timeout: 1500
# cost: 70
source "$(dirname "$0")/../lib.sh"
require_cmd iperf3 jq ethtool

check "wire up" wait_for 300 ping -c 1 -W 1 "$TRELLIS_REMOTE"
if [ "$TRELLIS_NODE" = a ]; then me6=2001:db8::1 peer6=2001:db8::2; else me6=2001:db8::2 peer6=2001:db8::1; fi
check "IPv6 on the wire" ip addr add "$me6/64" dev eth0 nodad
check "IPv6 wire up" wait_for 300 ping -6 -c 1 -W 1 "$peer6"

if [ "$TRELLIS_NODE" = a ]; then
	require_cmd dumpcap tshark
	check "load egre" insmod_built egre
	defer rmmod egre
	check "egre eg (key 77, bound to eth0)" trellisd egre add eg local $me6 remote $peer6 key 77 dev eth0
	check "egre eg2 (key 78, csum, seq)" trellisd egre add eg2 local $me6 remote $peer6 key 78 csum seq
	check "egre eg3 (key 79)" trellisd egre add eg3 local $me6 remote $peer6 key 79
	dev=eg dev2=eg2 dev3=eg3
	n=1
	cap=$(mktemp -d)
	dumpcap -i eth0 -f "ip6" -s 200 -w "$cap/wire.pcapng" >"$cap/log" 2>&1 &
	cap_pid=$!
	defer kill "$cap_pid"
	check "dumpcap captures the wire" wait_for 120 grep -q "Capturing on" "$cap/log"
else
	check "load ip6_gre" modprobe ip6_gre
	check "ip6gretap gt (key 77, encaplimit none)" ip link add gt type ip6gretap \
		local $me6 remote $peer6 key 77 hoplimit 64 encaplimit none
	defer ip link del gt
	check "ip6gretap gt2 (key 78, csum, seq, encaplimit none)" ip link add gt2 type ip6gretap \
		local $me6 remote $peer6 key 78 hoplimit 64 csum seq encaplimit none
	defer ip link del gt2
	check "ip6gretap gt3 (key 79, default encaplimit)" ip link add gt3 type ip6gretap \
		local $me6 remote $peer6 key 79
	defer ip link del gt3
	dev=gt dev2=gt2 dev3=gt3
	n=2
fi
ip addr add 203.0.113.$n/26 dev $dev
ip addr add 203.0.113.$((64 + n))/26 dev $dev2
ip addr add 203.0.113.$((128 + n))/26 dev $dev3
ip link set $dev up
ip link set $dev2 up
ip link set $dev3 up
peer=203.0.113.$((3 - n)) peer2=203.0.113.$((67 - n)) peer3=203.0.113.$((131 - n))
if [ "$TRELLIS_NODE" = b ]; then
	iperf3 -s -B 203.0.113.2 -D -I /tmp/egre6-iperf3.pid >/dev/null 2>&1
	defer bash -c 'kill $(cat /tmp/egre6-iperf3.pid)'
fi
check_value "$dev MTU is 1438 (1500 - 40 - 8 - 14)" 1438 link_attr "" "$dev" mtu

check "$TRELLIS_NODE: ping $peer over key 77" wait_for 300 ping -c 1 -W 1 "$peer"
check "$TRELLIS_NODE: 10 of 10 echo replies over key 77" all_answered ping -c 10 -i 0.2 -W 2 "$peer"
check "$TRELLIS_NODE: full-size DF ping over key 77, 3 of 3 replies" \
	all_answered ping -c 3 -i 0.2 -W 2 -M do -s 1410 "$peer"
check "$TRELLIS_NODE: ping $peer2 over key 78 (csum, seq)" wait_for 120 ping -c 1 -W 1 "$peer2"
check "$TRELLIS_NODE: 10 of 10 echo replies over key 78" all_answered ping -c 10 -i 0.2 -W 2 "$peer2"
check "$TRELLIS_NODE: ping $peer3 over key 79 (encaplimit option from b)" wait_for 120 ping -c 1 -W 1 "$peer3"
check "$TRELLIS_NODE: 10 of 10 echo replies over key 79" all_answered ping -c 10 -i 0.2 -W 2 "$peer3"

if [ "$TRELLIS_NODE" = a ]; then
	kill "$cap_pid"
	wait "$cap_pid" 2>/dev/null

	closed() { [ -z "$(ss -Htn state connected exclude time-wait dst 203.0.113.2)" ]; }
	iperf() {	# name args...
		local name=$1 out bps errs= try
		shift
		for try in 1 2 3; do
			wait_for 120 closed
			out=$(iperf3 -c 203.0.113.2 -t 3 -J "$@" 2>&1)
			bps=$(jq -r '.end.sum_received.bits_per_second | floor' <<< "$out" 2>/dev/null)
			[ -n "$bps" ] && [ "$bps" -gt 0 ] 2>/dev/null && break
			bps=
			errs+="try $try: $(jq -r '.error // "no result"' <<< "$out" 2>/dev/null || printf '%s' "$out" | tail -n 3)"$'\n'
		done
		if [ -n "$bps" ] && [ "$bps" -gt 0 ]; then
			ok "$name: $((bps / 1000000)) Mbit/s"
			printf '%s' "$errs" | sed 's/^/\t/'
		else
			fail "$name" "$errs"
		fi
	}
	early() { ethtool -S eg | awk '$1 == "rx_early:" { print $2 }'; }
	e0=$(early)
	iperf "iperf3 TCP egre -> ip6gretap"
	iperf "iperf3 TCP ip6gretap -> egre" -R
	e1=$(early)
	if [ "$((e1 - e0))" -gt 0 ]; then
		ok "eg (bound) took ip6gretap's packets early ($e0 -> $e1)"
	elif [ -n "$(ss -A packet -H 2>/dev/null)" ]; then
		skip "eg (bound) took ip6gretap's packets early" "a packet socket is open in this guest: $(ss -A packet -Hp | head -n 2)"
	else
		fail "eg (bound) took ip6gretap's packets early" "rx_early $e0 -> $e1"
	fi

	# One tshark pass over the GRE frames: outer source, next header, hop
	# limit, traffic class, flow label, GRE protocol, key, flags, inner ICMP.
	tshark -r "$cap/wire.pcapng" -Y gre -T fields -E separator=/t -e ipv6.src -e ipv6.nxt \
		-e ipv6.hlim -e ipv6.tclass -e ipv6.flow -e gre.proto -e gre.key \
		-e gre.flags.checksum -e gre.flags.sequence_number -e icmp.type > "$cap/fields" 2>/dev/null
	# shape SRC KEY: the distinct outer shapes of SRC's ICMP frames of KEY
	# ("nxt hlim tclass flow-set proto csum seq"), or nothing.
	shape() {
		python3 - "$cap/fields" "$@" <<'PY'
import sys
path, src, key = sys.argv[1], sys.argv[2], int(sys.argv[3])
shapes = set()
for line in open(path):
    f = (line.rstrip("\n").split("\t") + [""] * 10)[:10]
    if not f[6] or not f[9] or f[0] != src or int(f[6], 0) != key:
        continue
    flow = "flow" if int(f[4] or "0", 0) else "noflow"
    shapes.add(" ".join([f[1].split(",")[0], f[2], str(int(f[3] or "0", 0)), flow, f[5], f[7], f[8]]))
print("; ".join(sorted(shapes)))
PY
	}
	for k in "77 47 64 0 flow 0x6558 0 0" "78 47 64 0 flow 0x6558 1 1"; do
		read -r key want <<< "$k"
		ea=$(shape 2001:db8::1 "$key")
		gb=$(shape 2001:db8::2 "$key")
		if [ "$ea" = "$want" ]; then
			ok "tshark: egre -> ip6gretap key $key: GRE / TEB over IPv6 ($want)"
		else
			fail "tshark: egre -> ip6gretap key $key: GRE / TEB over IPv6" "want: $want"$'\n'"got: $ea"
		fi
		if [ "$ea" = "$gb" ]; then
			ok "tshark: key $key: egre's outer headers are ip6gretap's"
		else
			fail "tshark: key $key: egre's outer headers are ip6gretap's" "egre: $ea"$'\n'"ip6gretap: $gb"
		fi
	done
	gb=$(shape 2001:db8::2 79)
	if [[ "$gb" == 60\ * ]]; then
		ok "tshark: ip6gretap's key 79 carries its destination option (next header 60), and egre answered"
	else
		fail "tshark: ip6gretap's key 79 carries its destination option" "got: $gb"
	fi
	check_output "tshark names the payload" "Transparent Ethernet bridging" \
		bash -c "tshark -r $cap/wire.pcapng -Y gre -V -c 3 2>&1"
	drops() {
		awk '$1 ~ /^(truncated|bad_version|bad_flags|no_key|bad_proto)$/ { print "net", $1, $2 }' /proc/net/egre
		for d in eg eg2 eg3; do
			ethtool -S "$d" | awk -v d="$d" '$1 ~ /^rx_drop_(bad_csum|out_of_seq|runt):$/ { print d, $1, $2 }'
		done
	}
	no_drops() {
		local out
		out=$(drops)
		[ "$(wc -l <<< "$out")" = 14 ] && ! awk '$3 != 0 { bad = 1 } END { exit !bad }' <<< "$out" ||
			{ echo "$out"; return 1; }
	}
	check "ip6gretap's frames pass every egre check (no malformed-GRE, csum, seq or runt drops)" no_drops
	wait_for 900 ping -c 1 -W 1 192.0.2.102 || true
else
	ip addr add 192.0.2.102/24 dev eth0
	wait_for 1300 bash -c "! ping -c 3 -i 1 -W 2 $TRELLIS_REMOTE" || true
fi
