#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A slice over two machines joined by IPv6 only (issue 18, part 3):
# topo/ospf-two-node-v6.topo, the OSPF ring of four FRR routers, r1 and r2
# on node alpha (guest a), r3 and r4 on node beta (guest b).  The wire has
# no IPv4 at all: eth0 holds 2001:db8::1/64 and ::2.  Each guest runs `up'
# with the same file, finds its node by its IPv6 address, and carries the
# two ring links that cross in egre tunnels over IPv6.
#
#  +---- guest a = node alpha ----------+      +---- guest b = node beta -----------+
#  |  r1 eth0 ---------- eth1 r2        |      |  r3 eth0 ---------- eth1 r4        |
#  |  eth1                   eth0       |      |  eth1                   eth0       |
#  |   |  tg<key r2-r3> [sb] -+         |      |   +- [sb] tg<key r2-r3>  |         |
#  |   +- [sb] tg<key r4-r1>            |      |      tg<key r4-r1> [sb] -+         |
#  |  eth0 2001:db8::1/64 (no IPv4)     |      |  eth0 2001:db8::2/64 (no IPv4)     |
#  +-----------|------------------------+      +-----------|------------------------+
#              +------------------ wire -------------------+
#
# Checks, on each side: a file mixing IPv4 and IPv6 underlays is refused
# with its position; an IPv6 underlay without a route is refused before
# anything is built; up finds the node by its IPv6 address; status and
# status --json show both underlays; the tunnels are egre over IPv6 bound
# to eth0 with MTU 1438 (1500 - 62) on the links; OSPF converges and every
# router's loopback reaches every other's; graph labels the nodes with
# their IPv6 addresses; down leaves nothing.  Then the gretap fallback over
# IPv6 (ip6gretap, egre unloaded: both want IPv6's GRE): up with --backend
# gretap, the tunnels ip6gretap between the two addresses, a full-size DF
# packet crosses; down leaves nothing.
#
# The guests wait for each other at each phase: a side that has passed
# phase N adds 2001:db8::1:(10 N + 1|2)/128 to its eth0, the other pings it.
# timeout: 1800
# cost: 120
source "$(dirname "$0")/../lib.sh"
require_cmd vtysh jq ping
[ -x /usr/lib/frr/ospfd ] || { skip "underlay_v6" "FRR is not installed (scripts/deps)"; exit 0; }

S=ospf-two-node-v6
FILE=$TOP/topo/$S.topo
WORK=$(mktemp -d /tmp/underlay_v6.XXXXXX)
defer rm -rf "$WORK"
if [ "$TRELLIS_NODE" = a ]; then
	me=alpha peer=beta idx=1 pidx=2 mine="r1 r2"
else
	me=beta peer=alpha idx=2 pidx=1 mine="r3 r4"
fi
LOCAL6=2001:db8::$idx REMOTE6=2001:db8::$pidx

signal() { ip addr add "2001:db8::1:$((10 * $1 + idx))/128" dev eth0 nodad; }
await() {	# PHASE SECONDS: until the peer has passed PHASE
	wait_for "$2" ping -6 -c 1 -W 1 "2001:db8::1:$((10 * $1 + pidx))"
}
on() {	# HOST CMD...
	local h=$1
	shift
	trellisd exec "$S" "$h" -- "$@"
}
key_of() {	# LINK: its GRE key, FNV-1a of "SLICE/LINK" (docs/multinode.md)
	python3 -c 'import sys
h = 2166136261
for c in (sys.argv[1] + "/" + sys.argv[2]).encode():
    h = ((h ^ c) * 16777619) & 0xffffffff
print("%08x" % (h or 1))' "$S" "$1"
}
has_loopbacks() {	# HOST: every other router's loopback, from OSPF
	local want n
	want=$(for n in 1 2 3 4; do [ "$1" = r$n ] || echo "\"10.255.0.$n/32\""; done | paste -sd,)
	on "$1" vtysh -c 'show ip route json' |
		jq -e --argjson want "[$want]" '. as $r | all($want[]; ($r[.] // []) |
			any(.[]; .protocol == "ospf" and .selected == true))' >/dev/null
}
converged() {	# HOST...
	local h
	for h in "$@"; do has_loopbacks "$h" || return 1; done
}
nothing_left() {
	local left=""
	[ -z "$(ls -A /run/trellis 2>/dev/null)" ] || left+="state: $(ls -A /run/trellis) "
	left+=$(ip -d link show | grep -E 'egre|gretap|^[0-9]+: t[vgb][0-9a-f]{8}' | tr '\n' ' ')
	left+=$(ip netns list | tr '\n' ' ')
	left+=$(ps -eo pid=,comm= | awk '$2 ~ /^(zebra|ospfd|trellis-sup|watchfrr)$/' | tr '\n' ' ')
	[ -z "$left" ] || { echo "left: $left"; return 1; }
}
info_of() {	# DEV FIELD: a field of ip -d's linkinfo (kind, or info_data's local/remote)
	ip -d -j link show "$1" | jq -r --arg f "$2" \
		'.[0].linkinfo | if $f == "kind" then .info_kind else .info_data[$f] end'
}

# --- 0. the wire carries IPv6 only ----------------------------------------
ip -4 addr flush dev eth0
ip addr add "$LOCAL6/64" dev eth0 nodad
check "$me: eth0 has no IPv4 address" bash -c '[ -z "$(ip -4 -o addr show dev eth0)" ]'
check "$me: the wire is up over IPv6 ($REMOTE6 answers)" wait_for 300 ping -6 -c 1 -W 1 "$REMOTE6"
check "$me: egre loads" insmod_built egre
check "$me: shortbridge loads" insmod_built shortbridge
defer rmmod egre
defer rmmod shortbridge

# --- 1. refusals before anything is built ---------------------------------
sed -e "s|config ospf-two-node/|config $TOP/topo/ospf-two-node/|" \
    -e "s|^node beta underlay 2001:db8::2\$|node beta underlay 192.0.2.2|" "$FILE" > "$WORK/mixed.topo"
line=$(grep -n '^node beta' "$WORK/mixed.topo" | cut -d: -f1)
check_error "$me: a file mixing IPv6 and IPv4 underlays is refused, with its position" \
	"$WORK/mixed.topo:$line:20: node \`beta' has an IPv4 underlay, node \`alpha' (line $((line - 1))) an IPv6 one: all nodes of a slice use one address family" \
	trellisd check "$WORK/mixed.topo"
sed -e "s|config ospf-two-node/|config $TOP/topo/ospf-two-node/|" \
    -e "s|^node $peer underlay $REMOTE6\$|node $peer underlay 2001:db8:ffff::$pidx|" "$FILE" > "$WORK/unrouted.topo"
check "$me: the copy with $peer at 2001:db8:ffff::$pidx is valid" trellisd check "$WORK/unrouted.topo"
check_error "$me: up refuses an IPv6 underlay without a route" \
	"node $peer: underlay 2001:db8:ffff::$pidx unreachable from $LOCAL6 (no route" \
	trellisd up "$WORK/unrouted.topo"
check "$me: the refused up left nothing" nothing_left

# --- 2. both halves come up, over IPv6 ------------------------------------
t0=$SECONDS
check "$me: trellisd up $S (node found by its IPv6 address)" trellisd up "$FILE"
defer trellisd down "$S"
check_output "$me: status names this node and its IPv6 underlay" \
	"slice $S on node $me (underlay $LOCAL6)" trellisd status "$S"
check_output "$me: status shows the peer's IPv6 underlay" "underlay $REMOTE6" trellisd status "$S"
check_value "$me: status --json: underlay and peer underlay" "$LOCAL6 $peer $REMOTE6" \
	bash -c "trellisd status --json $S | jq -r '.[0] | \"\(.underlay) \(.peers[0].node) \(.peers[0].underlay)\"'"
for l in r2:eth0-r3:eth1 r4:eth0-r1:eth1; do
	tun=tg$(key_of $l)
	check_value "$me: $l: $tun is an egre tunnel" egre info_of "$tun" kind
	check_output "$me: $l: $tun runs $LOCAL6 -> $REMOTE6, bound to eth0" \
		"local $LOCAL6 remote $REMOTE6 key $((16#${tun#tg})) dev eth0" trellisd egre show "$tun"
	check_value "$me: $l: $tun has MTU 1438 (1500 - IPv6 40 - GRE 8 - Ethernet 14)" 1438 link_attr "" "$tun" mtu
done
if [ "$TRELLIS_NODE" = a ]; then near=r2 near_if=eth0 far=10.0.23.2; else near=r3 near_if=eth1 far=10.0.23.1; fi
check_value "$me: $near:$near_if has MTU 1438" 1438 on $near cat /sys/class/net/$near_if/mtu
check "$me: the far half answers across the tunnel ($near -> $far)" wait_for 300 on $near ping -c 1 -W 1 $far
check "$me: a full-size DF packet crosses (1410 + 28 = 1438), 2 of 2" \
	all_answered on $near ping -c 2 -W 2 -M do -s 1410 $far

# --- 3. OSPF converges; every loopback reaches every other -----------------
# shellcheck disable=SC2086
if wait_for 400 converged $mine; then
	ok "$me: OSPF: $mine have every loopback, across the machines"
	echo "	converged $((SECONDS - t0)) s after up"
else
	# shellcheck disable=SC2086
	fail "$me: OSPF: $mine have every loopback, across the machines" \
		"$(for h in $mine; do echo "== $h"; on $h vtysh -c 'show ip ospf neighbor'; done)"
fi
for h in $mine; do
	for n in 1 2 3 4; do
		[ "$h" = r$n ] && continue
		check "$me: $h reaches r$n's loopback (10.255.0.${h#r} -> 10.255.0.$n), 2 of 2" \
			all_answered on "$h" ping -c 2 -i 0.3 -W 2 -I "10.255.0.${h#r}" "10.255.0.$n"
	done
done
counters_ok() {
	trellisd status --json "$S" | jq -e '[.[0].peers[].tunnels[] | select(.present and .rx_packets > 0 and .tx_packets > 0)] | length == 2' >/dev/null
}
check "$me: status shows both tunnels with traffic both ways" counters_ok
check "$me: graph labels the nodes with their IPv6 underlays" \
	bash -c "trellisd graph '$S' -o '$WORK/g.dot' && grep -q 'node $me ($LOCAL6)' '$WORK/g.dot' && grep -q 'node $peer ($REMOTE6)' '$WORK/g.dot'"
signal 1
check "$me: $peer has finished its checks" await 1 900
check "$me: trellisd down $S" trellisd down "$S"
check "$me: nothing is left" wait_for 30 nothing_left

# --- 4. the gretap fallback over IPv6: ip6gretap ---------------------------
# egre holds IPv6's GRE protocol: unloaded, so that ip6_gre can have it.
rmmod egre shortbridge
check "$me: ip6_gre loads (egre unloaded)" modprobe ip6_gre
defer modprobe -r ip6_gre ip6_tunnel
signal 2
check "$me: $peer has switched to ip6gretap too" await 2 300
check "$me: up --backend gretap" trellisd up "$FILE" --backend gretap
tun=tg$(key_of r2:eth0-r3:eth1)
check_value "$me: $tun is ip6gretap $LOCAL6 -> $REMOTE6" "ip6gretap $LOCAL6 $REMOTE6" \
	bash -c "echo \$(ip -d -j link show $tun | jq -r '.[0].linkinfo | .info_kind, .info_data.local, .info_data.remote')"
check_value "$me: $tun has MTU 1438" 1438 link_attr "" "$tun" mtu
check "$me: over ip6gretap, a full-size DF packet crosses ($near -> $far)" \
	wait_for 300 on $near ping -c 1 -W 1 -M do -s 1410 $far
signal 3
check "$me: $peer has finished with ip6gretap" await 3 600
check "$me: down (gretap)" trellisd down "$S"
check "$me: nothing is left (gretap)" wait_for 30 nothing_left
signal 4
wait_for 300 bash -c "ping -6 -c 1 -W 2 2001:db8::1:$((40 + pidx)) || ! ping -6 -c 3 -i 1 -W 2 $REMOTE6" >/dev/null || true
