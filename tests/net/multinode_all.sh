#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# guests: 3
# timeout: 2400
# One slice over three machines, driven from one: `trellisd up FILE --all'
# and the other --all commands (docs/multinode.md), from guest n1 only; n2
# and n3 just run sshd (scripts/vm-net) until n1 is done.
#
#   +--- n1 (node1) ---+  +--- n2 (node2) ---+  +--- n3 (node3) ---+
#   | trellisd ... --all  |                  |  |                  |
#   | routers (BIRD)   |  | routers (BIRD)   |  | routers (BIRD)   |
#   | eth0 192.0.2.1   |  | eth0 192.0.2.2   |  | eth0 192.0.2.3   |
#   +--------+---------+  +--------+---------+  +--------+---------+
#            +----------- ssh, egre tunnels -------------+
#
# A generated OSPF network (tests/data/import/gen-graph.py, imported with
# --nodes 3: 9 routers; 60 with TRELLIS_FULL=1) placed on the three
# guests by METIS. Checks: the pre-check refuses while n3 lacks the
# modules, naming n3 and building nothing anywhere; `up --all' builds it
# on all three; `status --all' (text and --json) shows the three nodes;
# `validate --all' passes; `down --all' leaves each guest as it was; a
# failure injected on n3 (a device with the name of one of its tunnels)
# fails `up' there and rolls back n1 and n2, each checked as it was. The
# time of `up --all' is printed, and with TRELLIS_FULL=1 (or
# TRELLIS_NET_TIMING=1) that of `up' run on each guest one after the other
# by hand; neither is asserted.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib/net.sh"

[ "$TRELLIS_NODE" = n1 ] || exit 0	# n1 drives; net-guest keeps this one up
require_cmd bird jq
net_wait_ready

n_routers=9
[ "${TRELLIS_FULL:-0}" = 1 ] && n_routers=60
S=mall
W=$(mktemp -d /tmp/mall.XXXXXX)
defer rm -rf "$W"
F=$W/$S.topo

modules() {	# node: egre and shortbridge from this tree
	on "$1" bash -c ". $TOP/tests/lib.sh; insmod_built egre && insmod_built shortbridge"
}
snap() {	# node: what a slice could leave behind there (a process that ends
	# while snapshot reads /proc leaves an empty line: not a namespace)
	on "$1" bash -c ". $TOP/tests/lib.sh; snapshot; echo '# egre'; ip -o link show type egre; echo '# files'; ls -A /var/lib/trellis/remote 2>/dev/null" |
		grep -v '^$'
}
same_on() {	# node: as it was before the slice
	diff -u "$W/before-$1" <(snap "$1")
}
timed() {	# VAR CMD...: run CMD, its wall time in VAR
	local t0=$EPOCHREALTIME rc
	"${@:2}"
	rc=$?
	printf -v "$1" '%s' "$(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $t0 }")"
	return "$rc"
}

check "import: $n_routers routers, OSPF with BIRD, on 3 nodes" \
	bash -c "python3 $TOP/tests/data/import/gen-graph.py $n_routers > $W/g.graphml &&
		trellisd import $W/g.graphml --nodes 3 --underlay 192.0.2.1 --slice $S \
			--routing ospf --daemon bird -o $F"
check "egre and shortbridge on n1" modules n1
check "egre and shortbridge on n2 (not on n3 yet)" modules n2
for n in n1 n2 n3; do
	snap "$n" > "$W/before-$n"
done

# --- the pre-check ----------------------------------------------------------
check_error "up --all: refused before building, n3 lacks egre" \
	"node node3" trellisd up "$F" --all
out=$(trellisd up "$F" --all 2>&1)
check_output "up --all: the refusal says why (n3: module egre is not loaded)" \
	"module egre is not loaded" echo "$out"
check_output "up --all: the refusal says nothing was built" "nothing built" echo "$out"
for n in n1 n2 n3; do
	check "up --all refused: $n is as it was" same_on "$n"
done
check "egre and shortbridge on n3" modules n3

# --- up, status, validate, down ---------------------------------------------
timed t_all check "up --all: $n_routers routers on 3 nodes" trellisd up "$F" --all
for n in n1 n2 n3; do
	check_value "up --all: $n has its 3rd of the routers" \
		"$(grep -c "^host .* node node${n#n}" "$F")" \
		on "$n" bash -c "pgrep -c -x bird"
done
check_output "status --all: every node, by name" "node1 node2 node3" \
	bash -c "trellisd status $S --all | sed -n 's/^node \([^ ]*\) (.*/\1/p' | xargs"
trellisd status "$S" --all --json > "$W/status.json"
check_value "status --all --json: one object per node under the slice" "node1 node2 node3" \
	bash -c "jq -r '.slice + \" \" + (.nodes | keys | join(\" \"))' $W/status.json | cut -d' ' -f2-"
check_value "status --all --json: each node lists its own hosts" "$n_routers" \
	jq '[.nodes[].hosts | length] | add' "$W/status.json"
tunnel=$(jq -r '[.nodes.node3.peers[].tunnels[].name] | first' "$W/status.json")
check "validate --all: every adjacency and loopback, from the nodes where hosts live" \
	trellisd validate "$S" --all --timeout 900
out=$(trellisd validate "$S" --all --timeout 60 2>&1)
check_output "validate --all: one matrix, rows from every node" "validate $S --all: ok" echo "$out"
printf '%s\n' "$out" | sed 's/^/\t/' | head -n $((n_routers + 8))
check "apply --all: the same file again (nothing to change on any node)" \
	trellisd apply "$F" --all
check_output "apply --all: every node's routers still run" "$n_routers" \
	bash -c "trellisd status $S --all --json | jq '[.nodes[].hosts[] | select(.running)] | length'"
check "down --all" trellisd down "$S" --all
for n in n1 n2 n3; do
	check "down --all: $n is as it was" same_on "$n"
done

# --- by hand, for the note: up on each guest one after the other ---------
hand() {
	local n
	for n in n1 n2 n3; do
		on "$n" mkdir -p /tmp/by-hand &&
		ssh "root@$n" "cat > /tmp/by-hand/$S.topo" < "$F" &&
		on "$n" trellisd up "/tmp/by-hand/$S.topo" >/dev/null || return 1
	done
}
if [ "${TRELLIS_FULL:-0}" = 1 ] || [ "${TRELLIS_NET_TIMING:-0}" = 1 ]; then
	timed t_hand check "by hand: up on n1, then n2, then n3" hand
	for n in n1 n2 n3; do
		on "$n" trellisd down "$S" >/dev/null
	done
	echo "	up --all: $t_all s; up on each guest by hand, one after the other: $t_hand s ($n_routers routers)"
else
	echo "	up --all: $t_all s ($n_routers routers; TRELLIS_NET_TIMING=1 also times up by hand)"
fi

# --- a failure on n3 rolls back n1 and n2 -------------------------------------
if [ -n "$tunnel" ] && [ "$tunnel" != null ]; then
	on n3 ip link add "$tunnel" type dummy
	check_error "up --all: fails on n3 (its tunnel's name is taken) and rolls back" \
		"node node3" trellisd up "$F" --all
	on n3 ip link del "$tunnel"
	for n in n1 n2 n3; do
		check "after the rollback: $n is as it was" same_on "$n"
	done
else
	fail "a tunnel of node3 to take its name" "status --json listed none"
fi
