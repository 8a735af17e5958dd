#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shortbridge's counters match what was sent: pktgen sends exact numbers of
# frames, and each direction's packets, bytes and drops (MTU, down, xmit)
# must come out exactly, the bytes agreeing with the receiving veth's.
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

. "$(dirname "$0")/../lib.sh"

require_cmd ip jq
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
for l in "$h1 v1" "$h2 v2" "$sw s1" "$sw s2"; do
	set -- $l
	ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	ip -n "$1" link set "$2" up
done

# pktgen_send NS DEV COUNT PKT_SIZE: prints how many frames pktgen sent.
pktgen_send() {
	ip netns exec "$1" sh -c '
		t=/proc/net/pktgen/kpktgend_0 pg=/proc/net/pktgen/$1
		echo rem_device_all > $t && echo "add_device $1" > $t &&
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
	esac
	ip netns exec "$sw" "$TRELLISD" sb show s1 | awk -v d="$1" -v c="$col" '$1 == d { print $c }'
}

rx() {	# ns dev packets|bytes
	ip -n "$1" -s -j link show "$2" | jq ".[0].stats64.rx.$3"
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
rx0=$(rx "$h2" v2 packets) rxb0=$(rx "$h2" v2 bytes)
sent=$(pktgen_send "$h1" v1 $N 200)
expect "pktgen sent $N frames h1 -> h2" "$sent" $N
expect "s1 -> s2 packets = $N" "$(sb_stat s1 packets)" $N
expect "v2 received $N frames" "$(($(rx "$h2" v2 packets) - rx0))" $N
rxb=$(($(rx "$h2" v2 bytes) - rxb0))
expect "s1 -> s2 bytes = bytes v2 received ($rxb)" "$(sb_stat s1 bytes)" $rxb
expect "s2 -> s1 packets = 0 (nothing came back)" "$(sb_stat s2 packets)" 0
# Length of a pktgen frame of pkt_size 200 as the stack sees it (no FCS).
flen=$((rxb / N))
off=$((200 - flen))
echo "	pktgen pkt_size 200 makes $flen-byte frames"

M=357
sent=$(pktgen_send "$h2" v2 $M 100)
expect "pktgen sent $M frames h2 -> h1" "$sent" $M
expect "s2 -> s1 packets = $M" "$(sb_stat s2 packets)" $M
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
N=$((N + 10))

# --- egress port down, or without carrier -------------------------------
ip -n "$sw" link set s2 down
pktgen_send "$h1" v1 5 200 >/dev/null
expect "5 frames to an administratively down port: drop_down = 5" "$(sb_stat s1 down)" 5
ip -n "$sw" link set s2 up
ip -n "$h2" link set v2 down
wait_for 10 sh -c "ip -n '$sw' link show s2 | grep -q NO-CARRIER"
pktgen_send "$h1" v1 3 200 >/dev/null
expect "3 more to a port without carrier: drop_down = 8" "$(sb_stat s1 down)" 8
ip -n "$h2" link set v2 up
wait_for 10 sh -c "ip -n '$sw' link show s2 | grep -q LOWER_UP"
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

# --- the dump reports the same as the single get -------------------------
check_output "the dump agrees with the get" \
	"$(ip netns exec "$sw" "$TRELLISD" sb show s1 | sed -n 2p)" \
	ip netns exec "$sw" "$TRELLISD" sb show
