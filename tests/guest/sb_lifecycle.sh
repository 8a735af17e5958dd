#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A join goes away cleanly while full-rate traffic crosses it in both
# directions: when a port is deleted (either, in check-full), when a port moves to another
# namespace, when the namespace holding the join is deleted, and when the
# module is unloaded with joins present.  No oops (the harness checks the
# kernel log), no device left waiting for a reference we leaked (a
# deletion that has not finished after 120 s is one), the join gone from
# the dump, the surviving port no longer promiscuous and free to join again.
# Before each deletion the traffic is seen crossing the join, both ways.
#
#   +- h1 -----+   +- wire --------------------+   +- sw ------------------+
#   | v1       +---+ w1 --tc mirred--> y1      +---+ s1                    |
#   | (pktgen) |   |                           |   |   ==shortbridge==     |
#   +----------+   |                           |   |                       |
#   +- h2 -----+   |                           |   |                       |
#   | v2       +---+ w2 --tc mirred--> y2      +---+ s2                    |
#   | (pktgen) |   +---------------------------+   +-----------------------+
#   +----------+
#
# pktgen runs on v1 and v2; the veth ends in "wire" redirect what they
# receive towards the ports.  Deleting a port or the namespace sw thus never
# deletes a device pktgen is sending on (pktgen would log a WARNING).
#
# timeout: 600
# cost: 267

. "$(dirname "$0")/../lib.sh"

require_cmd ip jq
if ! modprobe pktgen 2>/dev/null; then
	skip "sb_lifecycle" "pktgen.ko cannot be loaded"
	exit 0
fi
rmmod pktgen

load_sb() {
	insmod_built shortbridge || { fail "load shortbridge.ko" "insmod failed"; exit 1; }
	defer rmmod shortbridge
}

sb() {	# in sw
	ip netns exec "$sw" "$TRELLISD" sb "$@"
}

sb_packets() {	# in-dev
	sb show "$1" 2>/dev/null | awk -v d="$1" '$1 == d { print $3 }'
}

joins_in() {	# ns: number of joins in its dump (fails if the dump does)
	local out
	out=$(ip netns exec "$1" "$TRELLISD" sb show) || return 1
	awk 'NR > 1 { n++ } END { print n / 2 }' <<< "$out"
}

promisc() {	# ns dev
	ip -n "$1" -d -j link show "$2" | jq '.[0].promiscuity'
}

# pktgen without end from DEV in NS, in the background.
traffic_start() {	# ns dev
	ip netns exec "$1" sh -c '
		t=/proc/net/pktgen/kpktgend_0 pg=/proc/net/pktgen/$1
		# rem_device_all only asks the thread: wait until it has acted.
		echo rem_device_all > $t && n=0 &&
		while grep -Eq "^(Running|Stopped): [^ ]" $t && [ $n -lt 1200 ]; do
			sleep 0.1; n=$((n + 1))
		done && echo "add_device $1" > $t &&
		echo "count 0" > $pg && echo "pkt_size 64" > $pg &&
		echo "delay 0" > $pg && echo "clone_skb 0" > $pg &&
		echo "dst_mac 02:00:00:00:00:09" > $pg &&
		echo start > /proc/net/pktgen/pgctrl' sh "$2" >>/tmp/sb-pktgen.log 2>&1 &
}

traffic_stop() {	# ns...
	local ns
	for ns in "$@"; do
		ip netns exec "$ns" sh -c 'echo stop > /proc/net/pktgen/pgctrl' 2>/dev/null
	done
	wait
}

both_flow() {	# [above1 above2]: both directions have forwarded more
	local a b
	a=$(sb_packets s1) && b=$(sb_packets s2) &&
		[ "${a:-0}" -gt "${1:-1000}" ] && [ "${b:-0}" -gt "${2:-1000}" ]
}

# still_flowing: both directions forward 1000 more frames from now on.
still_flowing() {
	local a b
	a=$(sb_packets s1) && b=$(sb_packets s2) && [ -n "$a" ] && [ -n "$b" ] ||
		{ echo "no join to read"; return 1; }
	wait_for 120 both_flow $((a + 1000)) $((b + 1000))
}

refcnt_zero() { [ "$(cat /sys/module/shortbridge/refcnt)" = 0 ]; }

# The topology, joined, with traffic both ways that the join forwards.
setup() {	# carrier-follow?
	local opt=${1:-}
	# Each part cleans up with run_deferred, pktgen included.
	modprobe pktgen && defer rmmod pktgen
	ns_add h1 sb-h1
	ns_add h2 sb-h2
	ns_add wire sb-wire
	ns_add sw sb-sw
	veth_link "$h1" v1 "$wire" w1
	veth_link "$h2" v2 "$wire" w2
	veth_link "$wire" y1 "$sw" s1
	veth_link "$wire" y2 "$sw" s2
	for i in 1 2; do
		tc -n "$wire" qdisc add dev w$i ingress
		tc -n "$wire" filter add dev w$i ingress matchall \
			action mirred egress redirect dev y$i
	done
	sb add s1 s2 $opt || { echo "sb add failed"; return 1; }
	# pktgen at nice 19, or it starves the softirq thread (GUEST-NOTES).
	for p in $(pgrep kpktgend); do renice -n 19 -p "$p" >/dev/null; done
	traffic_start "$h1" v1
	traffic_start "$h2" v2
	wait_for 120 both_flow && return 0
	sb show
	ip netns exec "$h1" cat /proc/net/pktgen/kpktgend_0; cat /tmp/sb-pktgen.log
	return 1
}

# --- delete a port under traffic: the second one joined (with
# TRELLIS_FULL=1 the first one as well; the join's two ports are symmetric) --
ports=s2
[ -n "${TRELLIS_FULL:-}" ] && ports="s2 s1"
for port in $ports; do
	other=$([ $port = s1 ] && echo s2 || echo s1)
	load_sb
	if ! setup; then
		fail "delete $port under traffic: setup" "no traffic through the join"
		run_deferred
		continue
	fi
	check "delete $port under traffic: traffic flows both ways right now" still_flowing
	check "delete $port under traffic: ip link del finishes" \
		timeout 120 ip -n "$sw" link del "$port"
	check_value "delete $port under traffic: the join is gone from the dump" 0 joins_in "$sw"
	check "delete $port under traffic: $other is no longer promiscuous" \
		test "$(promisc "$sw" "$other")" = 0
	traffic_stop "$h1" "$h2"
	ip -n "$sw" link add s3 type veth peer name s3x
	check "delete $port under traffic: $other can join again" sb add "$other" s3
	run_deferred
done

# --- move a port to another namespace -----------------------------------------
load_sb
if setup; then
	ns_add away sb-away
	check "move: traffic flows both ways right now" still_flowing
	check "move s1 to another namespace under traffic" \
		timeout 120 ip -n "$sw" link set s1 netns "$away"
	check_value "move: the join is gone from the dump" 0 joins_in "$sw"
	check "move: s1 (now elsewhere) is no longer promiscuous" \
		test "$(promisc "$away" s1)" = 0
	check "move: s2 is no longer promiscuous" test "$(promisc "$sw" s2)" = 0
	traffic_stop "$h1" "$h2"
else
	fail "move a port: setup" "no traffic through the join"
fi
run_deferred

# --- delete the namespace holding the join ---------------------------------
load_sb
if setup carrier-follow; then
	# Joins in another namespace must survive the deletion.
	ns_add keep sb-keep
	# Two pairs: the two ends of one veth pair would be a loop, refused.
	ip -n "$keep" link add k1 type veth peer name k1x
	ip -n "$keep" link add k2 type veth peer name k2x
	check "delete the namespace: a join in another namespace" \
		ip netns exec "$keep" "$TRELLISD" sb add k1 k2
	check "delete the namespace: traffic flows both ways right now" still_flowing
	check "delete the namespace under traffic" timeout 120 ip netns del "$sw"
	# ip netns del returns before the namespace is dismantled: wait until
	# the ports' veth peers in "wire" are gone with them.
	check "delete the namespace: its devices go" \
		wait_for 120 sh -c "! ip -n '$wire' link show y1 && ! ip -n '$wire' link show y2"
	traffic_stop "$h1" "$h2"
	check_value "delete the namespace: the join in another namespace remains" 1 joins_in "$keep"
	check "delete the namespace: nothing holds the module" wait_for 60 refcnt_zero
else
	fail "delete the namespace: setup" "no traffic through the join"
fi
run_deferred

# --- unload the module with joins present, under traffic ----------------------
load_sb
if setup carrier-follow; then
	ip -n "$sw" link add s3 type veth peer name s3x
	ip -n "$sw" link add s4 type veth peer name s4x
	ip -n "$sw" link set s3 up
	ip -n "$sw" link set s4 up
	check "unload: a second join" sb add s3 s4
	check_value "unload: two joins present" 2 joins_in "$sw"
	check "unload: traffic flows both ways right now" still_flowing
	check "unload the module under traffic" timeout 120 rmmod shortbridge
	check "unload: the ports are no longer promiscuous" \
		test "$(promisc "$sw" s1)$(promisc "$sw" s2)$(promisc "$sw" s3)" = 000
	check "unload: the ports still exist and can be deleted" \
		timeout 120 ip -n "$sw" link del s1
	traffic_stop "$h1" "$h2"
	load_sb
	check_value "reload: the dump is empty" 0 joins_in "$sw"
	check "reload: the old ports can join again" sb add s3 s4
else
	fail "unload: setup" "no traffic through the join"
fi
run_deferred

# --- leaks ---------------------------------------------------------------------
# Memory: if this kernel has kmemleak, ask it; otherwise say so.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak
	leaks=$(grep -c "unreferenced object" /sys/kernel/debug/kmemleak)
	check "kmemleak finds no unreferenced objects" test "$leaks" = 0
else
	skip "kmemleak" "this kernel has no kmemleak (Debian's default config)"
fi
