#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# guests: 3
# timeout: 1500
# cost: 75
# A lan of four hosts across three machines (issue 18 part 4): h1 and h2 on
# n1, h3 on n2, h4 on n3, one lan seg.  Each guest runs `trellisd up' with
# the same file; the lan's bridge on each node has its members and one
# isolated port per other node, each joined to an egre tunnel: a full mesh.
#
#   +--- n1 ------------+   +--- n2 ------------+   +--- n3 ------------+
#   | h1 h2 -[b<seg>]   |   | h3 -[b<seg>]      |   | h4 -[b<seg>]      |
#   |   lt<12>  lt<13>  |   |   lt<12>  lt<23>  |   |   lt<13>  lt<23>  |
#   |   tg<12>  tg<13>  |   |   tg<12>  tg<23>  |   |   tg<13>  tg<23>  |
#   | eth0 192.0.2.1    |   | eth0 192.0.2.2    |   | eth0 192.0.2.3    |
#   +---------+---------+   +---------+---------+   +---------+---------+
#             +------------ one segment (vm-net) --------------+
#
# Checks: every member pings every other; no frame loops: with the lan idle
# (IPv6 off, neighbour tables flushed), one broadcast ARP request from h1
# for h3 leaves n1 once by each of its tunnels, is never sent on by n2 or n3
# (their n2-n3 tunnel stays at 0 both ways: without split horizon the three
# bridges would pass it round for ever), and h3's unicast reply crosses once,
# n2 to n1; `down' leaves nothing.  The guests wait for each other through
# marker files in the run's shared directory.
source "$(dirname "$0")/../lib.sh"
require_cmd jq python3 nsenter bridge

S=lan-three
me=$TRELLIS_NODE
W=$(mktemp -d /tmp/lan_three.XXXXXX)
defer rm -rf "$W"
F=$W/$S.topo
case $me in
n1) mine="h1 h2" pairs="n1-n2 n1-n3" ;;
n2) mine="h3" pairs="n1-n2 n2-n3" ;;
n3) mine="h4" pairs="n1-n3 n2-n3" ;;
*) exit 0 ;;
esac

mark() { touch "$TRELLIS_NET_DIR/lan-$1-$me"; }
all_marked() {	# PHASE: every guest has passed it
	local j
	for j in n1 n2 n3; do
		[ -e "$TRELLIS_NET_DIR/lan-$1-$j" ] || { echo "$j has not passed $1"; return 1; }
	done
}
all_marked_by() { [ -e "$TRELLIS_NET_DIR/lan-$2-$1" ] || { echo "$1 has not passed $2"; return 1; }; }
on() {	# HOST CMD...
	local h=$1
	shift
	trellisd exec "$S" "$h" -- "$@"
}
tun_of() {	# PAIR (n1-n2): its tunnel, keyed by FNV-1a of "SLICE/seg/PAIR"
	printf 'tg%08x' "$(python3 -c 'import sys
h = 2166136261
for c in sys.argv[1].encode():
    h = ((h ^ c) * 16777619) & 0xffffffff
print(h or 1)' "$S/seg/$1")"
}
kind_of() { ip -d -j link show "$1" | jq -r '.[0].linkinfo.info_kind'; }
switch_pid() { awk '$1 == "host" && $2 == "%switch" { p = $3 } END { print p }' "/run/trellis/$S/journal"; }
nothing_left() {
	local left=""
	[ -z "$(ls -A /run/trellis 2>/dev/null)" ] || left+="state: $(ls -A /run/trellis) "
	# Ours: egre and gretap devices (not ip_gre's own gretap0), tvKEY, tgKEY...
	left+=$(ip -o -d link show | grep -E 'egre|gretap|^[0-9]+: t[vgbxy][0-9a-f]{8}' |
		grep -v '^[0-9]*: gretap0@' | cut -c1-80 | tr '\n' ' ')
	left+=$(ip netns list | tr '\n' ' ')
	[ -z "$left" ] || { echo "left: $left"; return 1; }
}
counters() {	# each tunnel's tx and rx, then each local member's eth0 rx
	local p h
	for p in $pairs; do
		cat "/sys/class/net/$(tun_of "$p")/statistics/"{tx,rx}_packets
	done
	for h in $mine; do on "$h" cat /sys/class/net/eth0/statistics/rx_packets; done
}
delta() {	# BEFORE AFTER
	paste -d' ' <(printf '%s\n' $1) <(printf '%s\n' $2) | awk '{ printf "%s%d", (NR > 1 ? " " : ""), $2 - $1 }'
}
reached() {	# WANT BEFORE: each delta is at least WANT's
	local got
	got=$(delta "$2" "$(counters)")
	paste -d' ' <(printf '%s\n' $1) <(printf '%s\n' $got) | awk '$2 < $1 { exit 1 }' ||
		{ echo "deltas $got, want at least $1"; return 1; }
}
arp_once() {	# one broadcast ARP request from h1 for 10.0.0.3, answered
	on h1 python3 - <<-'EOF'
	import socket, struct, sys, time
	s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
	s.bind(("eth0", 0))
	mac = s.getsockname()[4]
	arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, socket.inet_aton("10.0.0.1"),
	                  b"\0" * 6, socket.inet_aton("10.0.0.3"))
	s.send(b"\xff" * 6 + mac + b"\x08\x06" + arp)
	s.settimeout(1)
	end = time.time() + 120
	while time.time() < end:
	    try:
	        f = s.recv(100)
	    except socket.timeout:
	        continue
	    if f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x02" and f[28:32] == socket.inet_aton("10.0.0.3"):
	        sys.exit(0)
	sys.exit("no ARP reply from 10.0.0.3")
	EOF
}

cat > "$F" <<EOF
node n1 underlay 192.0.2.1
node n2 underlay 192.0.2.2
node n3 underlay 192.0.2.3
slice $S
host h1 node n1
host h2 node n1
host h3 node n2
host h4 node n3
EOF
# Quiet hosts: no IPv6 (router solicitations go on for ever, with backoff).
sed -i 's/^host h[0-9] node .*$/&\n    sysctl net.ipv6.conf.all.disable_ipv6=1\n    sysctl net.ipv6.conf.default.disable_ipv6=1/' "$F"
cat >> "$F" <<EOF
lan seg h1:eth0 h2:eth0 h3:eth0 h4:eth0
    addr h1 10.0.0.1/24
    addr h2 10.0.0.2/24
    addr h3 10.0.0.3/24
    addr h4 10.0.0.4/24
EOF

check "$me: egre loads" insmod_built egre
check "$me: shortbridge loads" insmod_built shortbridge
# Only what the test sends crosses: no IPv6 from the tunnels' devices
# either (trellisd keeps the switch namespace quiet itself).
check "$me: IPv6 off in the root namespace" sysctl -qw \
	net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
for j in n1 n2 n3; do
	[ "$j" = "$me" ] || wait_for 300 ping -c 1 -W 1 "192.0.2.${j#n}" >/dev/null
done
check "$me: trellisd up $S" trellisd up "$F"
defer trellisd down "$S"
for p in $pairs; do
	check_value "$me: the lan's tunnel for $p is egre" egre kind_of "$(tun_of "$p")"
	port=lt$(tun_of "$p" | cut -c3-)
	check_value "$me: its port $port is isolated" true \
		eval 'nsenter -t "$(switch_pid)" -n bridge -j -d link show dev "$port" | jq ".[0].isolated"'
done
mark up
check "$me: every guest is up" wait_for 600 all_marked up
for h in $mine; do
	for n in 1 2 3 4; do
		[ "$h" = "h$n" ] && continue
		wait_for 120 on "$h" ping -c 1 -W 2 "10.0.0.$n" >/dev/null
		check "$me: $h reaches h$n, 3 of 3 replies" wait_for 60 all_answered on "$h" ping -c 3 -i 0.3 -W 2 "10.0.0.$n"
	done
done
mark pinged
check "$me: every guest has pinged" wait_for 600 all_marked pinged
for h in $mine; do on "$h" ip neigh flush all; done
mark idle
check "$me: every guest is idle" wait_for 600 all_marked idle
before=$(counters)
mark counted
case $me in
n1)
	check "n1: every guest has its counters" wait_for 600 all_marked counted
	check "n1: h1's broadcast ARP request for h3 is answered" arp_once
	mark sent
	want="1 1 1 0 1 1" ;;
n2) want="1 1 0 0 1" ;;
n3) want="0 1 0 0 1" ;;
esac
# Each guest waits until what must arrive has, then all look again: a frame
# going round would have added more by then.
check "$me: n1 has had its reply" wait_for 600 all_marked_by n1 sent
wait_for 60 reached "$want" "$before"
mark reached
check "$me: every guest has seen what it must" wait_for 600 all_marked reached
check_value "$me: tunnels ($pairs) tx rx, members ($mine) rx rose by exactly $want" "$want" \
	eval 'delta "$before" "$(counters)"'
mark checked
check "$me: every guest has checked" wait_for 600 all_marked checked
check "$me: trellisd down $S" trellisd down "$S"
check "$me: nothing is left" wait_for 30 nothing_left
mark down
wait_for 300 all_marked down >/dev/null || true
