#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Packet fuzzer: malformed Ethernet/IPv4/GRE frames at three tunnels (and a
# fourth that is down), each frame's fate predicted by tests/fuzz/gre_frames.py
# and every one accounted for by a counter of the receiver, per reason.
#
#  +--- $hostA (sender) -------------+        +--- $hostB (receiver) -------------+
#  | gre_frames.py: raw frames       |        | eg1 key 1 dev ul  (early receive) |
#  |  (AF_PACKET on ul)              |        | eg2 key 2         (IPv4 path)     |
#  | eg1..eg3 for the controls       |        | eg3 key 3 csum seq                |
#  |                                 |        | eg4 key 4, down                   |
#  |  ul 192.0.2.1/24 ========================= ul 192.0.2.2/24   (veth)         |
#  +---------------------------------+        +-----------------------------------+
#
# Tunnels eg1..eg3 carry 10.N.0.1 <-> 10.N.0.2.  The frames: random GRE
# flags, versions, protocols, keys (known and unknown), checksums (good and
# bad), sequence numbers, IP options, fragments (pairs and lone ones), cuts at
# every layer, VLAN tags, MAC addresses, bad IP header checksums and wrong IP
# total lengths.  Counters: the underlay's drops (otherhost, no protocol),
# IPv4's MIB (/proc/net/snmp, netstat), /proc/net/egre, ethtool -S of each
# tunnel, and rx_packets/rx_bytes/rx_frame_errors of each tunnel.  Then the
# positive control: valid traffic still crosses every tunnel.
#
# TRELLIS_FUZZ_SEED=N reproduces a run (the seed is printed); the frame count
# is 10000, or 50000 with TRELLIS_FULL=1 (TRELLIS_FUZZ_FRAMES overrides).
# tests/fuzz/gre_frames.py --dump I --seed N --dst-mac MAC shows frame I.
# timeout: 900
# cost: 226
source "$(dirname "$0")/../lib.sh"
require_cmd ethtool python3

frames=${TRELLIS_FUZZ_FRAMES:-10000}
[ -n "${TRELLIS_FULL:-}" ] && frames=${TRELLIS_FUZZ_FRAMES:-50000}
seed=${TRELLIS_FUZZ_SEED:-$((RANDOM * 32768 + RANDOM))}

insmod_built egre || { fail "egre loads" "insmod failed"; exit 1; }
defer rmmod egre

ns_add hostA fuzz-A
ns_add hostB fuzz-B
# Nothing but the fuzzer's frames may reach B's counters: no IPv6 chatter.
ipv6_off "$hostA"
ipv6_off "$hostB"
veth_link "$hostA" ul "$hostB" ul 192.0.2.1/24 192.0.2.2/24
# Lone fragments are given up after a second, not thirty.
ip netns exec "$hostB" sysctl -qw net.ipv4.ipfrag_time=1

tun()	# ns name local remote key addr [options]
{
	local ns=$1 name=$2 local=$3 remote=$4 key=$5 addr=$6
	shift 6
	ip netns exec "$ns" "$TRELLISD" egre add "$name" local "$local" remote "$remote" \
		key "$key" "$@" && ip -n "$ns" addr add "$addr" dev "$name" &&
		ip -n "$ns" link set "$name" up
}
for side in A B; do
	if [ $side = A ]; then ns=$hostA l=192.0.2.1 r=192.0.2.2 h=1; else ns=$hostB l=192.0.2.2 r=192.0.2.1 h=2; fi
	check "$side: eg1 key 1, bound to ul" tun "$ns" eg1 $l $r 1 10.1.0.$h/24 dev ul
	check "$side: eg2 key 2" tun "$ns" eg2 $l $r 2 10.2.0.$h/24
	check "$side: eg3 key 3, csum and seq" tun "$ns" eg3 $l $r 3 10.3.0.$h/24 csum seq
done
check "B: eg4 key 4, left down" ip netns exec "$hostB" "$TRELLISD" egre add eg4 \
	local 192.0.2.2 remote 192.0.2.1 key 4
# Permanent neighbours inside the tunnels: no ARP probe (one comes seconds
# after a ping) may cross them while the counters are compared, nor move
# eg3's sequence number.
for n in 1 2 3; do
	neigh_pin "$hostA" eg$n 10.$n.0.2 "$hostB" eg$n
	neigh_pin "$hostB" eg$n 10.$n.0.1 "$hostA" eg$n
done

ping_a() { ip netns exec "$hostA" ping -c "${2:-1}" -i 0.2 -W 2 "$1"; }
rx_packets() { ip -n "$hostB" -j -s link show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'; }
early() { ethtool_stat "$hostB" eg1 rx_early; }

# Before: each tunnel works, and eg1's packets are taken early (IPv4 has
# delivered one, so the early path has learnt the route).
for n in 1 2 3; do
	check "before: ping through eg$n" wait_for 20 ping_a 10.$n.0.2
done
# The pings left eg3 at B expecting A's next sequence number; the model
# starts from "none seen yet", so restart it (a changelink that turns seq
# on does).  That changes eg3's MTU, hence the routing generation, so eg1
# learns its route again from the pings after it.
restart_seq() { ip netns exec "$hostB" "$TRELLISD" egre set eg3 noseq &&
	ip netns exec "$hostB" "$TRELLISD" egre set eg3 seq; }
check "before: restart eg3's receive sequence (noseq, seq)" restart_seq
e0=$(early)
check "before: 3 pings through eg1" ping_a 10.1.0.2 3
check_grew "before: eg1 takes its packets early" "$e0" "$(early)"

# The fuzzer: sends, predicts, reads the counters, prints the table and
# one verdict per line.
mac=$(mac_of "$hostB" ul)
out=$(mktemp)
defer rm -f "$out"
ip netns exec "$hostA" python3 "$TOP/tests/fuzz/gre_frames.py" --netns "$hostB" \
	--dev ul --dst-mac "$mac" --seed "$seed" --count "$frames" > "$out" 2>&1
rc=$?
grep -v -P '^(PASS|FAIL)\t' "$out"
n=0
while IFS=$'\t' read -r verdict name detail; do
	case $verdict in
	PASS) ok "$name"; n=$((n + 1)) ;;
	FAIL) fail "$name" "seed $seed: $detail"; n=$((n + 1)) ;;
	esac
done < "$out"
[ "$n" -gt 0 ] && [ "$rc" = 0 ] || fail "gre_frames.py runs to its verdicts" "exit status $rc, seed $seed"
echo "reproduce: TRELLIS_FUZZ_SEED=$seed TRELLIS_FUZZ_FRAMES=$frames tests/run egre_fuzz"

# After: valid traffic still crosses every tunnel.  The fuzz moved eg3's
# expected sequence number anywhere in 32 bits (RFC 2890 then drops A's
# low numbers as old, as it should): turning seq off and on restarts it.
check "after: restart eg3's receive sequence (noseq, seq)" restart_seq
for n in 1 2 3; do
	r0=$(rx_packets eg$n)
	check "after: ping through eg$n" wait_for 20 ping_a 10.$n.0.2
	check_grew "after: eg$n received" "$r0" "$(rx_packets eg$n)"
done
e0=$(early)
check "after: 3 pings through eg1" ping_a 10.1.0.2 3
check_grew "after: eg1 still takes its packets early" "$e0" "$(early)"
