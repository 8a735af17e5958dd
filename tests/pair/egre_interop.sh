#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# egre interoperates with Linux's own gretap: egre on guest a, gretap on
# guest b (egre and ip_gre cannot share one kernel), same keys.
#
#   +---- guest a -------------------+            +---- guest b -------------------+
#   |  eg   (egre)   203.0.113.1/26  |  key 77    |  gt   (gretap) 203.0.113.2/26  |
#   |  eg2  (egre)   203.0.113.65/26 |  key 78    |  gt2  (gretap) 203.0.113.66/26 |
#   |       csum seq                 |  csum seq  |       csum seq                 |
#   |  eth0 192.0.2.1/24 ------------- wire ------- eth0 192.0.2.2/24              |
#   |  dumpcap on eth0               |            |  iperf3 server                 |
#   +--------------------------------+            +--------------------------------+
#
# Pings both ways on both tunnels, iperf3 both ways on the first; a captures
# the wire (during the pings) with dumpcap and decodes it afterwards with tshark: GRE carrying
# Transparent Ethernet bridging with key 77 in both directions.  When b is
# done it adds 192.0.2.102 to its wire; a waits for that before leaving, and
# b waits for a to leave.
# timeout: 1500
# cost: 56
source "$(dirname "$0")/../lib.sh"
require_cmd iperf3 jq ethtool

check "wire up" wait_for 300 ping -c 1 -W 1 "$TRELLIS_REMOTE"

if [ "$TRELLIS_NODE" = a ]; then
	require_cmd dumpcap tshark
	check "load egre" insmod_built egre
	defer rmmod egre
	check "egre eg (key 77)" trellisd egre add eg local 192.0.2.1 remote 192.0.2.2 key 77
	check "egre eg2 (key 78, csum, seq)" trellisd egre add eg2 local 192.0.2.1 remote 192.0.2.2 key 78 csum seq
	ip addr add 203.0.113.1/26 dev eg
	ip addr add 203.0.113.65/26 dev eg2
	ip link set eg up
	ip link set eg2 up
	me=203.0.113.1 peer=203.0.113.2 me2=203.0.113.65 peer2=203.0.113.66
	dev=eg dev2=eg2

	cap=$(mktemp -d)
	dumpcap -i eth0 -f "ip proto 47" -s 160 -w "$cap/wire.pcapng" >"$cap/log" 2>&1 &
	cap_pid=$!
	defer kill "$cap_pid"
	check "dumpcap captures the wire" wait_for 120 grep -q "Capturing on" "$cap/log"
else
	check "load ip_gre" modprobe ip_gre
	check "gretap gt (key 77)" ip link add gt type gretap local 192.0.2.2 remote 192.0.2.1 key 77 ttl 64
	defer ip link del gt
	check "gretap gt2 (key 78, csum, seq)" ip link add gt2 type gretap local 192.0.2.2 remote 192.0.2.1 \
		key 78 ttl 64 csum seq
	defer ip link del gt2
	ip addr add 203.0.113.2/26 dev gt
	ip addr add 203.0.113.66/26 dev gt2
	ip link set gt up
	ip link set gt2 up
	me=203.0.113.2 peer=203.0.113.1 me2=203.0.113.66 peer2=203.0.113.65
	dev=gt dev2=gt2
	iperf3 -s -B "$me" -D -I /tmp/egre-iperf3.pid >/dev/null 2>&1
	defer bash -c 'kill $(cat /tmp/egre-iperf3.pid)'
fi
check_value "$dev MTU is 1458" 1458 link_attr "" "$dev" mtu

# The peer may still be setting up: poll first, then demand every reply.
check "$TRELLIS_NODE: ping $peer over key 77" wait_for 300 ping -c 1 -W 1 "$peer"
check "$TRELLIS_NODE: 10 of 10 echo replies over key 77" all_answered ping -c 10 -i 0.2 -W 2 "$peer"
check "$TRELLIS_NODE: full-size DF ping over key 77, 3 of 3 replies" \
	all_answered ping -c 3 -i 0.2 -W 2 -M do -s 1430 "$peer"
check "$TRELLIS_NODE: ping $peer2 over key 78 (csum, seq)" wait_for 120 ping -c 1 -W 1 "$peer2"
check "$TRELLIS_NODE: 10 of 10 echo replies over key 78" all_answered ping -c 10 -i 0.2 -W 2 "$peer2"

if [ "$TRELLIS_NODE" = a ]; then
	# The capture holds the pings only: decoding tens of thousands of
	# iperf3 frames takes tshark minutes in a guest.
	kill "$cap_pid"
	wait "$cap_pid" 2>/dev/null

	# iperf3's server refuses a client that reaches it while it is still
	# closing the previous test ("the server is busy"); that and its
	# start-up are retried, three tries in all, and every error is shown.
	# Before each try, this side's connections of the last test are
	# closed (only TIME-WAIT may remain).
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
	iperf "iperf3 TCP egre -> gretap"
	iperf "iperf3 TCP gretap -> egre" -R

	# One tshark pass: outer source, GRE protocol, key, flags, inner ICMP.
	tshark -r "$cap/wire.pcapng" -T fields -E separator=/t -e ip.src -e gre.proto -e gre.key \
		-e gre.flags.checksum -e gre.flags.sequence_number -e icmp.type > "$cap/fields" 2>/dev/null
	count() {	# outer-src key want-csum-seq(0|1)
		python3 - "$cap/fields" "$@" <<'PY'
import sys
path, src, key, flags = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
n = 0
for line in open(path):
    f = (line.rstrip("\n").split("\t") + [""] * 6)[:6]
    if not f[2] or f[0].split(",")[0] != src:
        continue
    if f[1] == "0x6558" and int(f[2], 0) == key and f[5] and f[3] == flags and f[4] == flags:
        n += 1
print(n)
PY
	}
	for dir in "192.0.2.1 egre -> gretap" "192.0.2.2 gretap -> egre"; do
		read -r src name <<< "$dir"
		n=$(count "$src" 77 0)
		if [ "${n:-0}" -gt 0 ]; then
			ok "tshark: $name is GRE / Transparent Ethernet bridging, key 77 ($n ICMP frames)"
		else
			fail "tshark: $name is GRE / Transparent Ethernet bridging, key 77" "$(head -n 5 "$cap/fields")"
		fi
		n=$(count "$src" 78 1)
		if [ "${n:-0}" -gt 0 ]; then
			ok "tshark: $name key 78 carries checksum and sequence number ($n frames)"
		else
			fail "tshark: $name key 78 carries checksum and sequence number" "$(head -n 5 "$cap/fields")"
		fi
	done
	check_output "tshark names the payload" "Transparent Ethernet bridging" \
		bash -c "tshark -r $cap/wire.pcapng -V -c 5 2>&1"
	other_keys() {
		python3 -c 'import sys; print(sum(1 for l in open(sys.argv[1]) if (l.split("\t") + ["", "", ""])[2] not in ("", "0x0000004d", "0x0000004e")))' "$cap/fields"
	}
	n=$(other_keys)
	if [ "$n" = 0 ]; then ok "no frame with another key on the wire"; else fail "no frame with another key on the wire" "$n"; fi
	# Every receive check: the namespace's malformed-GRE reasons, and each
	# tunnel's checksum, sequence and runt drops (what key 78's csum and
	# seq exercise).  unknown_key and rx_drop_down are left out: b's first
	# frames may arrive before eg exists or is up.
	drops() {
		awk '$1 ~ /^(truncated|bad_version|bad_flags|no_key|bad_proto)$/ { print "net", $1, $2 }' /proc/net/egre
		for d in eg eg2; do
			ethtool -S "$d" | awk -v d="$d" '$1 ~ /^rx_drop_(bad_csum|out_of_seq|runt):$/ { print d, $1, $2 }'
		done
	}
	no_drops() {
		local out
		out=$(drops)
		# 5 namespace reasons, 3 per tunnel: all present, all zero.
		[ "$(wc -l <<< "$out")" = 11 ] && ! awk '$3 != 0 { bad = 1 } END { exit !bad }' <<< "$out" ||
			{ echo "$out"; return 1; }
	}
	check "gretap's frames pass every egre check (no malformed-GRE, csum, seq or runt drops)" no_drops
	# Stay until b has finished its own checks.
	wait_for 900 ping -c 1 -W 1 192.0.2.102 || true
else
	ip addr add 192.0.2.102/24 dev eth0
	# Stay until a has finished (its iperf3 runs need our server): a is
	# gone when three echo requests in a row go unanswered.
	wait_for 1300 bash -c "! ping -c 3 -i 1 -W 2 $TRELLIS_REMOTE" || true
fi
