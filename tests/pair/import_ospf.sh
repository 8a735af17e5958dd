#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check-full only
# From a Topology Zoo file to a validated network across two machines
# (issue 16): tests/data/import/eurolab.graphml (28 PoPs, 43 links) is
# imported with --nodes 2 --routing ospf --daemon mixed (14 FRR, 14 BIRD),
# METIS placing 14 routers on node1 (guest a) and 14 on node2 (guest b),
# the links between them (the edge cut) in egre tunnels.
#
#  +---- guest a = node1 -------------+      +---- guest b = node2 -------------+
#  |  frankfurt geneva milan kaunas   |      |  amsterdam london paris madrid   |
#  |  poznan prague vienna ... (14)   |      |  lisbon brussels dublin ... (14) |
#  |        tg<key> per cut link      |      |        tg<key> per cut link      |
#  |  eth0 192.0.2.1                  |      |  eth0 192.0.2.2                  |
#  +-----------|----------------------+      +-----------|----------------------+
#              +------------------ wire -------------------+
#
# Both guests import the same file with the same options and deploy the
# result.  Checks: `validate' passes on both (every adjacency of its
# routers Full, every loopback reaches every other); a takes its end of
# the first link across the cut down (`trellisd link down'): validate fails
# naming that adjacency, on both; on a, `graph' of the deployed slice draws
# that link, and only it, red, and `status' shows the end admin-down; a's
# `capture --tunnel' of that link's tunnel before the cut holds only GRE
# packets with its key; after `link up' both validate again.  Deploy and
# convergence times and validate's output are printed, not asserted.
#
# The guests wait for each other as multinode_ospf.sh does: a side that
# has passed phase N adds 192.0.2.(100 + 10 N + 1|2)/32 to its eth0.
# timeout: 2400
source "$(dirname "$0")/../lib.sh"
require_cmd vtysh birdc jq tshark
[ -x /usr/lib/frr/ospfd ] || { skip "import_ospf" "FRR is not installed (scripts/deps)"; exit 0; }
# 28 routers over two TCG guests take 25 minutes and more: a soak-length
# run, for make check-full only.
if [ -z "${TRELLIS_FULL:-}" ]; then
	skip "import_ospf" "28 routers across two guests: make check-full (TRELLIS_FULL=1) runs it"
	exit 0
fi

S=eurolab
WORK=$(mktemp -d /tmp/import-ospf.XXXXXX)
defer rm -rf "$WORK"
if [ "$TRELLIS_NODE" = a ]; then me=node1 idx=1 pidx=2; else me=node2 idx=2 pidx=1; fi

validate() {	# NAME TIMEOUT WANT-STATUS(0|1) WORDS...: validate, output indented
	local name=$1 timeout=$2 want=$3 out rc w t0=$SECONDS
	shift 3
	out=$(trellisd validate "$S" --timeout "$timeout" 2>&1); rc=$?
	printf '%s\n' "$out" | sed 's/^/\t/'
	echo "	(validate took $((SECONDS - t0)) s)"
	[ "$rc" = 0 ] || rc=1
	if [ "$rc" != "$want" ]; then
		fail "$name" "validate exited $rc, want $want"
		return 1
	fi
	for w in "$@"; do
		_says "$out" "$w" || { fail "$name" "validate's output lacks: $w"; return 1; }
	done
	ok "$name"
}

check "$me: the wire is up" wait_for 300 ping -c 1 -W 1 "$TRELLIS_REMOTE"
check "$me: egre loads" insmod_built egre
check "$me: shortbridge loads" insmod_built shortbridge
defer rmmod egre
defer rmmod shortbridge

# --- 1. import, check, up ---------------------------------------------------
check "$me: import eurolab.graphml --nodes 2 --routing ospf --daemon mixed" \
	trellisd import "$TOP/tests/data/import/eurolab.graphml" --nodes 2 --routing ospf \
	--daemon mixed --underlay 192.0.2.1 -o "$WORK/eurolab.topo"
check_output "$me: check accepts it" "slice eurolab: 2 nodes, 28 hosts, 43 links" \
	trellisd check "$WORK/eurolab.topo"
# The first link across the cut, and its end on node1 (a's).
read -r cut_link near_end < <(awk '/^host /{ node[$2] = $4 }
	/^link /{ split($2, x, ":"); split($3, y, ":")
		if (node[x[1]] != node[y[1]]) {
			print $2 "-" $3, (node[x[1]] == "node1" ? $2 : $3); exit } }' "$WORK/eurolab.topo")
echo "	cut link: $cut_link, a's end $near_end"

t0=$SECONDS
check "$me: trellisd up" trellisd up "$WORK/eurolab.topo"
defer trellisd down "$S"
echo "	up on $me took $((SECONDS - t0)) s"
signal 1
check "$me: the peer has deployed its half" await 1 1200
t1=$SECONDS

# --- 2. validate on both ----------------------------------------------------
validate "$me: validate passes (adjacencies up, every loopback reaches every other)" \
	900 0 "validate eurolab: ok" &&
	echo "	converged $((SECONDS - t1)) s after both halves were up"
signal 2
check "$me: the peer validated" await 2 1200

# --- 3. the tunnel of the cut link, captured on a; the cut ------------------
# a cuts, validates and looks; b validates after that (its end of the
# adjacency has been dead for longer than OSPF's 4 s by then).
adj="ospf adjacency ${cut_link/-/ - }"
red_edges() {
	awk '/ -- / { key = "" } /key="/ { match($0, /key="[^"]*"/); key = substr($0, RSTART + 5, RLENGTH - 6) }
	     /^[ \t]*color=red/ { print key }' "$1"
}
admin_up() {
	trellisd status --json "$S" | jq -r --arg h "${near_end%%:*}" --arg i "${near_end#*:}" \
		'.[0].hosts[] | select(.name == $h) | .interfaces[] | select(.name == $i) | .admin_up'
}
if [ "$TRELLIS_NODE" = a ]; then
	check "a: capture --tunnel of $cut_link: 4 packets (OSPF hellos cross every second)" \
		timeout 120 trellisd capture "$S" "$near_end" --tunnel -c 4 -w "$WORK/tunnel.pcap"
	tun_key=$(trellisd status --json "$S" | jq -r --arg l "$cut_link" \
		'.[0].peers[].tunnels[] | select(.link == $l) | .key')
	check_value "a: all 4 are GRE with the link's key (${tun_key:-none})" 4 bash -c \
		"tshark -r '$WORK/tunnel.pcap' -Y 'gre.key == ${tun_key:-0}' -T fields -e frame.number 2>/dev/null | wc -l"
	check "a: trellisd link down $S $near_end" trellisd link down "$S" "$near_end"
	validate "a: validate fails, naming the cut $adj" 20 1 "$adj is down" "validate eurolab: FAILED"
	check "a: graph of the deployed slice" trellisd graph "$S" -o "$WORK/cut.dot"
	check_value "a: graph draws $cut_link red, and only it" "$cut_link" red_edges "$WORK/cut.dot"
	check_value "a: status shows $near_end admin-down" false admin_up
	trellisd status "$S" | grep -E "^  host ${near_end%%:*} |^    ${near_end#*:} " | sed 's/^/\t/'
	signal 3
	check "a: b saw the cut" await 4 600
	check "a: trellisd link up $S $near_end" trellisd link up "$S" "$near_end"
	signal 5
else
	check "b: a has cut $cut_link" await 3 900
	validate "b: validate fails, naming the cut $adj" 20 1 "$adj is down" "validate eurolab: FAILED"
	signal 4
	check "b: the link is up again" await 5 600
fi

# --- 4. link up: converges again ---------------------------------------------
t2=$SECONDS
validate "$me: after link up, validate passes again" 600 0 "validate eurolab: ok" &&
	echo "	converged again $((SECONDS - t2)) s after link up"
signal 6
check "$me: the peer validated again" await 6 1200
check "$me: trellisd down" trellisd down "$S"
