#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The gretap fallback across machines, and moving a host between machines
# without restarting the others (issue 18 parts 5 and 6):
# topo/ospf-two-node.topo, the OSPF ring of four FRR routers, r1 and r2 on
# node alpha (guest a), r3 and r4 on node beta (guest b).
#
#  +---- guest a = node alpha, gretap + bridges --+   +---- guest b = node beta, egre + shortbridge -+
#  |  r1 eth0 ---------- eth1 r2                  |   |  r3 eth0 ---------- eth1 r4                  |
#  |  eth1                   eth0                 |   |  eth1                   eth0                 |
#  |   +- [tb] tg<r4-r1>      +- [tb] tg<r2-r3>   |   |   +- [sb] tg<r2-r3>      +- [sb] tg<r4-r1>   |
#  |  eth0 192.0.2.1   (ip_gre: gretap)           |   |  eth0 192.0.2.2   (egre)                     |
#  +-----------|----------------------------------+   +-----------|----------------------------------+
#              +-------------------------- wire ------------------+
#
# 1. a runs `up --backend gretap' (ip_gre, no egre), b `up' with egre: the
#    two backends are the same GRE on the wire; OSPF converges across.
# 2. r2 moves to beta: `apply' on both.  Every daemon of r1 (a), r3 and r4
#    (b) keeps its PID; r2's daemons stop on a and run on b; the ring
#    converges again.
# 3. `down' on both leaves nothing.
# 4. With TRELLIS_FULL=1 (make check-full) only: b too on the fallback
#    (egre and shortbridge unloaded, ip_gre): both `up --backend gretap',
#    OSPF converges, `down' leaves nothing.
#
# The two guests wait for each other at each phase: a side that has passed
# phase N adds 192.0.2.(100 + 10 N + 1|2)/32 to its eth0, the other pings it.
# timeout: 2400
# cost: 100
source "$(dirname "$0")/../lib.sh"
require_cmd vtysh jq ping
[ -x /usr/lib/frr/ospfd ] || { skip "gretap_fallback" "FRR is not installed (scripts/deps)"; exit 0; }

S=ospf-two-node
FILE=$TOP/topo/$S.topo
WORK=$(mktemp -d /tmp/gretap_fallback.XXXXXX)
defer rm -rf "$WORK"
if [ "$TRELLIS_NODE" = a ]; then
	me=alpha peer=beta idx=1 pidx=2 mine="r1 r2"
else
	me=beta peer=alpha idx=2 pidx=1 mine="r3 r4"
fi

on() {	# HOST CMD...
	local h=$1
	shift
	trellisd exec "$S" "$h" -- "$@"
}
key_of() {	# LINK: its GRE key, FNV-1a of "SLICE/LINK"
	python3 -c 'import sys
h = 2166136261
for c in (sys.argv[1] + "/" + sys.argv[2]).encode():
    h = ((h ^ c) * 16777619) & 0xffffffff
print(h or 1)' "$S" "$1"
}
kind_of() { ip -d -j link show "$1" | jq -r '.[0].linkinfo.info_kind'; }
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
diagnose() {	# HOST...
	local h
	for h in "$@"; do
		has_loopbacks "$h" && continue
		echo "== $h"
		on "$h" vtysh -c 'show ip ospf neighbor'
		trellisd logs "$S" "$h" 2>&1 | tail -n 10
	done
}
check_converged() {	# WHAT HOST...
	local what=$1
	shift
	if wait_for 400 converged "$@"; then
		ok "$me: $what: OSPF: $* have every loopback"
	else
		fail "$me: $what: OSPF: $* have every loopback" "$(diagnose "$@")"
	fi
}
# The daemons the supervisor runs for HOST: "name=pid ..." (running only).
daemons_of() {
	awk -v h="$1" '$1 == h && $4 == "running" { print $2 "=" $3 }' \
		"/run/trellis/$S/daemons/status" | sort | xargs
}
# The routing daemons running in HOST's cgroup (its holder's leaf, where
# the supervisor starts them), by name: "ospfd zebra", or nothing.
host_daemons() {
	local d p
	d=$(find /sys/fs/cgroup -type d -path "*/$S/host-$1" 2>/dev/null | head -n 1)
	[ -n "$d" ] || return 0
	for p in $(cat "$d/cgroup.procs"); do cat "/proc/$p/comm" 2>/dev/null; done |
		grep -xE 'zebra|ospfd' | sort | xargs
}
same() { [ "$1" = "$2" ] || { echo "got \`$1', want \`$2'"; return 1; }; }
nothing_left() {	# prints what is left, fails if anything is
	local left=""
	[ -z "$(ls -A /run/trellis 2>/dev/null)" ] || left+="state: $(ls -A /run/trellis) "
	# Ours: egre and gretap devices (not ip_gre's own gretap0), tvKEY, tgKEY...
	left+=$(ip -o -d link show | grep -E 'egre|gretap|^[0-9]+: t[vgbxy][0-9a-f]{8}' |
		grep -v '^[0-9]*: gretap0@' | cut -c1-80 | tr '\n' ' ')
	left+=$(ip netns list | tr '\n' ' ')
	left+=$(ps -eo pid=,comm= | awk '$2 ~ /^(zebra|ospfd|vtysh|trellis-sup)$/' | tr '\n' ' ')
	local root other
	root=$(readlink /proc/1/ns/net)
	other=$(find /proc/[0-9]*/ns/net -maxdepth 0 -printf '%h %l\n' 2>/dev/null |
		awk -v r="$root" '$2 != r { split($1, p, "/"); printf "%s ", p[3] }')
	[ -z "$other" ] || left+="processes in other network namespaces: $other"
	left+=$(grep -E 'trellis|/etc/frr|/run/frr' /proc/self/mounts | tr '\n' ' ')
	[ -z "$left" ] || { echo "left: $left"; return 1; }
}
r23=tg$(printf %08x "$(key_of r2:eth0-r3:eth1)")

check "$me: the wire is up" wait_for 300 ping -c 1 -W 1 "$TRELLIS_REMOTE"
sed -e "s|config $S/|config $TOP/topo/$S/|" "$FILE" > "$WORK/ring.topo"

# --- 1. a on gretap, b on egre --------------------------------------------
if [ "$TRELLIS_NODE" = a ]; then
	check "a: ip_gre loads (no egre)" modprobe ip_gre
	check "a: trellisd up --backend gretap" trellisd up "$WORK/ring.topo" --backend gretap
	check_value "a: the r2-r3 tunnel $r23 is gretap" gretap kind_of "$r23"
	check_value "a: joined to its veth by a Linux bridge" bridge \
		eval "ip -d -j link show tb${r23#tg} | jq -r '.[0].linkinfo.info_kind'"
else
	check "b: egre loads" insmod_built egre
	check "b: shortbridge loads" insmod_built shortbridge
	check "b: trellisd up (egre)" trellisd up "$WORK/ring.topo"
	check_value "b: the r2-r3 tunnel $r23 is egre" egre kind_of "$r23"
fi
defer trellisd down "$S"
t0=$SECONDS
# shellcheck disable=SC2086
check_converged "gretap against egre" $mine
echo "	converged $((SECONDS - t0)) s after up"
signal 1
check "$me: $peer has converged" await 1 900

# --- 2. r2 moves to beta: only r2's daemons restart -----------------------
sed -e 's/^host r2 node alpha$/host r2 node beta/' "$WORK/ring.topo" > "$WORK/moved.topo"
declare -A before
for h in r1 r2 r3 r4; do before[$h]=$(daemons_of $h); done
for h in $mine; do echo "	$h daemons before the move: ${before[$h]}"; done
backend=()
[ "$TRELLIS_NODE" = a ] && backend=(--backend gretap)
t0=$SECONDS
check "$me: trellisd apply (r2 moves to beta)" trellisd apply "$WORK/moved.topo" "${backend[@]}"
if [ "$TRELLIS_NODE" = a ]; then
	check "a: r1's daemons kept their PIDs (${before[r1]})" same "$(daemons_of r1)" "${before[r1]}"
	check_value "a: and they run, in r1's cgroup" "ospfd zebra" host_daemons r1
	check_value "a: r2 is gone from the supervisor's status" "" daemons_of r2
	check_value "a: r2's daemons ended here" "" host_daemons r2
	mine="r1"
else
	for h in r3 r4; do
		check "b: $h's daemons kept their PIDs (${before[$h]})" same "$(daemons_of $h)" "${before[$h]}"
		check_value "b: and they run, in $h's cgroup" "ospfd zebra" host_daemons $h
	done
	check_value "b: r2 runs here now (zebra and ospfd)" "ospfd zebra" \
		eval 'daemons_of r2 | tr " " "\n" | sed "s/=.*//" | xargs'
	check_value "b: and they run, in r2's cgroup" "ospfd zebra" host_daemons r2
	mine="r2 r3 r4"
fi
# shellcheck disable=SC2086
check_converged "after the move" $mine
echo "	converged $((SECONDS - t0)) s after apply"
signal 2
check "$me: $peer has converged after the move" await 2 900

# --- 3. down leaves nothing -----------------------------------------------
check "$me: trellisd down $S" trellisd down "$S"
check "$me: nothing is left" wait_for 60 nothing_left
signal 3
check "$me: $peer is down" await 3 900

# --- 4. both on the fallback ----------------------------------------------
if [ "${TRELLIS_FULL:-0}" != 1 ]; then
	skip "$me: both on gretap" "make check-full only (TRELLIS_FULL=1): one more FRR start and convergence"
	exit 0
fi
if [ "$TRELLIS_NODE" = b ]; then
	check "b: egre and shortbridge unloaded, ip_gre loaded" \
		eval 'rmmod egre shortbridge && modprobe ip_gre'
fi
t0=$SECONDS
check "$me: trellisd up --backend gretap" trellisd up "$WORK/ring.topo" --backend gretap
check_value "$me: the r2-r3 tunnel is gretap" gretap kind_of "$r23"
[ "$TRELLIS_NODE" = a ] && mine="r1 r2"
[ "$TRELLIS_NODE" = b ] && mine="r3 r4"
# shellcheck disable=SC2086
check_converged "gretap on both" $mine
echo "	converged $((SECONDS - t0)) s after up"
signal 4
check "$me: $peer has converged on gretap" await 4 900
check "$me: trellisd down $S" trellisd down "$S"
check "$me: nothing is left" wait_for 60 nothing_left
signal 5
wait_for 300 bash -c "ping -c 1 -W 2 192.0.2.$((150 + pidx)) || ! ping -c 3 -i 1 -W 2 $TRELLIS_REMOTE" >/dev/null || true
