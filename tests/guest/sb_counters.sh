#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shortbridge's counters match what was sent: pktgen sends exact numbers of
# frames, and each direction's packets, bytes and drops (MTU, down, xmit)
# must come out exactly (pktgen's frames are pkt_size bytes long).
# Frames leaving through a veth go straight to its peer (the "direct"
# counter) unless a packet tap, qdisc, tc egress filter, GRO or an rx handler
# on the peer needs the ordinary transmit path, which then carries them.
# Direct frames are in shortbridge's counters only, not in veth's
# (docs/shortbridge.md); that they reached the peer's stack is seen in the
# core's count of frames dropped as meant for another host (pktgen's
# destination MAC address is nobody's), rx_otherhost_dropped.
#
#   +-- h1 ---------+   +-- sw ---------------------+   +-- h2 ---------+
#   | v1 (pktgen)   +---+ s1 ==shortbridge==  s2    +---+ v2 (pktgen)   |
#   +---------------+   +---------------------------+   +---------------+
#
# No addresses, IPv6 off on every device: nothing but pktgen's frames
# crosses the join.  pktgen's frames go to 02:00:00:00:00:09, a MAC nobody
# has, so no host answers them either.
#
# timeout: 300
# cost: 178

. "$(dirname "$0")/../lib.sh"

require_cmd ip jq ethtool python3
insmod_built shortbridge || { fail "load shortbridge.ko" "insmod failed"; exit 1; }
defer rmmod shortbridge
if ! modprobe pktgen 2>/dev/null; then
	skip "sb_counters" "pktgen.ko cannot be loaded"
	exit 0
fi
defer rmmod pktgen
# On a small guest pktgen must not starve the softirq thread (GUEST-NOTES).
for p in $(pgrep kpktgend); do renice -n 19 -p "$p" >/dev/null; done

ns_add h1 sb-h1
ns_add h2 sb-h2
ns_add sw sb-sw
ip link add v1 netns "$h1" type veth peer name s1 netns "$sw"
ip link add v2 netns "$h2" type veth peer name s2 netns "$sw"
# An MTU below 1280 takes IPv6 off a device, and raising it again brings
# IPv6 back with default settings: disable it again after every change.
no_ipv6() {	# ns dev
	ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
}
for l in "$h1 v1" "$h2 v2" "$sw s1" "$sw s2"; do
	set -- $l
	no_ipv6 "$1" "$2"
	ip -n "$1" link set "$2" up
done

# pktgen_send NS DEV COUNT PKT_SIZE: prints how many frames pktgen sent.
pktgen_send() {
	ip netns exec "$1" sh -c '
		t=/proc/net/pktgen/kpktgend_0 pg=/proc/net/pktgen/$1
		# rem_device_all only asks the thread: wait until it has acted.
		echo rem_device_all > $t && n=0 &&
		while grep -Eq "^(Running|Stopped): [^ ]" $t && [ $n -lt 1200 ]; do
			sleep 0.1; n=$((n + 1))
		done && echo "add_device $1" > $t &&
		echo "count $2" > $pg && echo "pkt_size $3" > $pg &&
		echo "delay 0" > $pg && echo "clone_skb 0" > $pg &&
		echo "dst_mac 02:00:00:00:00:09" > $pg &&
		echo "dst 198.51.100.9" > $pg &&
		echo start > /proc/net/pktgen/pgctrl &&
		sed -n "s/.*pkts-sofar: \([0-9]*\).*/\1/p" $pg' sh "$2" "$3" "$4"
}

# sb_stat IN COLUMN: a counter of the direction received on IN.
sb_stat() {
	local col
	case $2 in
	packets) col=3 ;; bytes) col=4 ;; mtu) col=5 ;; down) col=6 ;; xmit) col=7 ;;
	direct) col=8 ;;
	esac
	ip netns exec "$sw" "$TRELLISD" sb show s1 | awk -v d="$1" -v c="$col" '$1 == d { print $c }'
}

rx() {	# ns dev packets|bytes|dropped
	link_stat "$1" "$2" "rx_$3"
}

tx() {	# ns dev packets|bytes
	link_stat "$1" "$2" "tx_$3"
}

otherhost() {	# ns dev: rx_otherhost_dropped (ip leaves it out while 0)
	local out
	out=$(ip -n "$1" -s -s -j link show "$2") || return 1
	jq '[.[0].stats64.rx | to_entries[] | select(.key | test("otherhost")) | .value] | add // 0' <<< "$out"
}

expect() {	# name got want
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		fail "$1" "got ${2:-nothing}, want $3"
	fi
}

check "join s1 and s2" ip netns exec "$sw" "$TRELLISD" sb add s1 s2

# --- forwarded frames, each direction --------------------------------------
N=1000
oh0=$(otherhost "$h2" v2) tx0=$(tx "$sw" s2 packets)
sent=$(pktgen_send "$h1" v1 $N 200)
expect "pktgen sent $N frames h1 -> h2" "$sent" $N
expect "s1 -> s2 packets = $N" "$(sb_stat s1 packets)" $N
expect "v2's stack received all $N (rx_otherhost_dropped + $N)" "$(($(otherhost "$h2" v2) - oh0))" $N
expect "all $N went straight to v2: direct = $N" "$(sb_stat s1 direct)" $N
expect "s2's transmit counters do not count direct frames" "$(($(tx "$sw" s2 packets) - tx0))" 0
expect "s1 -> s2 bytes = $N x 200" "$(sb_stat s1 bytes)" $((N * 200))
expect "s2 -> s1 packets = 0 (nothing came back)" "$(sb_stat s2 packets)" 0
# pktgen's pkt_size is the frame's length as the stack sees it (no FCS).
off=0

M=357
sent=$(pktgen_send "$h2" v2 $M 100)
expect "pktgen sent $M frames h2 -> h1" "$sent" $M
expect "s2 -> s1 packets = $M" "$(sb_stat s2 packets)" $M
expect "s2 -> s1 direct = $M" "$(sb_stat s2 direct)" $M
expect "s2 -> s1 bytes = $M x $((100 - off))" "$(sb_stat s2 bytes)" $((M * (100 - off)))
expect "s1 -> s2 packets unchanged" "$(sb_stat s1 packets)" $N

# --- MTU: a frame may be MTU + 14 bytes, not one more -----------------------
ip -n "$sw" link set s2 mtu 1000
sent=$(pktgen_send "$h1" v1 10 $((1014 + off)))
expect "10 frames of 1014 bytes (MTU 1000 + header) pass" "$(sb_stat s1 packets)" $((N + 10))
sent=$(pktgen_send "$h1" v1 7 $((1015 + off)))
expect "7 frames of 1015 bytes counted as MTU drops" "$(sb_stat s1 mtu)" 7
expect "... and not forwarded" "$(sb_stat s1 packets)" $((N + 10))
ip -n "$sw" link set s2 mtu 1500
no_ipv6 "$sw" s2
N=$((N + 10))

# --- egress port down, or without carrier -------------------------------
ip -n "$sw" link set s2 down
pktgen_send "$h1" v1 5 200 >/dev/null
expect "5 frames to an administratively down port: drop_down = 5" "$(sb_stat s1 down)" 5
ip -n "$sw" link set s2 up
ip -n "$h2" link set v2 down
wait_for 60 link_flag "$sw" s2 NO-CARRIER
pktgen_send "$h1" v1 3 200 >/dev/null
expect "3 more to a port without carrier: drop_down = 8" "$(sb_stat s1 down)" 8
ip -n "$h2" link set v2 up
wait_for 60 link_flag "$sw" s2 LOWER_UP
expect "none of them forwarded" "$(sb_stat s1 packets)" $N

# --- the egress device refuses the frame --------------------------------
# A pfifo of length 0 takes nothing (and cannot be bypassed).
if tc -n "$sw" qdisc replace dev s2 root pfifo limit 0; then
	pktgen_send "$h1" v1 4 200 >/dev/null
	expect "4 frames the egress qdisc refuses: drop_xmit = 4" "$(sb_stat s1 xmit)" 4
	tc -n "$sw" qdisc del dev s2 root
else
	skip "drop_xmit" "cannot set a pfifo qdisc"
fi
expect "still $N forwarded" "$(sb_stat s1 packets)" $N
expect "the other direction has no drops" \
	"$(sb_stat s2 mtu)/$(sb_stat s2 down)/$(sb_stat s2 xmit)" 0/0/0

# --- when frames must take veth's own transmit path ------------------------
D=$(sb_stat s1 direct)
X=$(sb_stat s1 xmit)
expect "so far every forwarded frame went direct" "$D" "$N"

# sent_through "name" COUNT: COUNT frames h1 -> h2 arrive at v2 and are
# forwarded, but not directly.
sent_through() {
	local r0 p0
	r0=$(rx "$h2" v2 packets) p0=$(sb_stat s1 packets)
	pktgen_send "$h1" v1 "$2" 200 >/dev/null
	expect "$1: v2 received $2" "$(($(rx "$h2" v2 packets) - r0))" "$2"
	expect "$1: forwarded $2, none directly" \
		"$(($(sb_stat s1 packets) - p0))/$(sb_stat s1 direct)" "$2/$D"
}

# A packet socket on s2 sees its transmitted frames.
tap=$(mktemp)
ip netns exec "$sw" python3 -c '
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((sys.argv[1], 0))
s.settimeout(120)
print("ready", flush=True)
n = 0
try:
    while n < int(sys.argv[2]):
        s.recv(65535)
        n += 1
except socket.timeout:
    pass
print(n, flush=True)' s2 6 > "$tap" &
tap_pid=$!
wait_for 60 grep -q ready "$tap"
sent_through "a packet tap on s2" 6
wait "$tap_pid"
expect "the tap saw all 6" "$(sed -n 2p "$tap")" 6
rm -f "$tap"

if tc -n "$sw" qdisc add dev s2 clsact &&
   tc -n "$sw" filter add dev s2 egress matchall action drop; then
	r0=$(rx "$h2" v2 packets)
	pktgen_send "$h1" v1 5 200 >/dev/null
	expect "a tc egress filter on s2 dropping all: v2 received none" \
		"$(($(rx "$h2" v2 packets) - r0))" 0
	expect "... 5 refused by s2: drop_xmit + 5" "$(sb_stat s1 xmit)" $((X + 5))
	X=$((X + 5))
	tc -n "$sw" qdisc del dev s2 clsact
else
	fail "tc egress filter on s2" "cannot add clsact/matchall"
fi

if ip netns exec "$h2" ethtool -K v2 gro on >/dev/null; then
	sent_through "GRO on v2 (veth receives through NAPI)" 4
	ip netns exec "$h2" ethtool -K v2 gro off >/dev/null
else
	fail "GRO on v2" "ethtool -K v2 gro on failed"
fi

ip -n "$h2" link add br0 type bridge
ip -n "$h2" link set v2 master br0
sent_through "v2 a bridge port (has an rx handler)" 3
ip -n "$h2" link del br0

# The peer's own MTU: veth would drop what does not fit; so do we.
ip -n "$h2" link set v2 mtu 500
d0=$(rx "$h2" v2 dropped)
pktgen_send "$h1" v1 2 800 >/dev/null
expect "2 frames longer than v2's MTU 500: drop_xmit + 2" "$(sb_stat s1 xmit)" $((X + 2))
expect "... counted dropped at v2" "$(($(rx "$h2" v2 dropped) - d0))" 2
expect "... none directly" "$(sb_stat s1 direct)" "$D"
ip -n "$h2" link set v2 mtu 1500
no_ipv6 "$h2" v2

pktgen_send "$h1" v1 10 200 >/dev/null
expect "nothing in the way again: direct + 10" "$(sb_stat s1 direct)" $((D + 10))

# --- the dump reports the same as the single get -------------------------
get=$(ip netns exec "$sw" "$TRELLISD" sb show s1 | sed -n 2p)
if [ -z "$get" ]; then
	fail "the dump agrees with the get" "sb show s1 printed no row"
else
	check_output "the dump agrees with the get" "$get" ip netns exec "$sw" "$TRELLISD" sb show
fi
