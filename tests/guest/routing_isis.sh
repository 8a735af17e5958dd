#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# FRR IS-IS over Ethernet links, three routers in a line, deployed by
# trellisd from topo/isis.topo (IS-IS speaks straight over layer 2, which
# Trellis links carry).  A second run uses `restart never' on r3.
#
#   +----+ eth0    10.0.12.0/30    eth0 +----+ eth1    10.0.23.0/30    eth0 +----+
#   | r1 |------------------------------| r2 |------------------------------| r3 |
#   +----+ .1                        .2 +----+ .1                        .2 +----+
#   lo 10.255.0.1/32                    lo 10.255.0.2/32                    lo 10.255.0.3/32
#
# Checks: the IS-IS adjacencies come up; every router has every loopback
# from IS-IS (r1 learns r3's through r2); pings between loopbacks; after
# `trellisd down' no daemon is left; with `restart never' a killed isisd
# stays down and `trellisd logs' says so.
#
# timeout: 900
# cost: 257

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../routing.sh"

require_cmd vtysh jq ping
[ -x /usr/lib/frr/isisd ] || { skip "routing_isis" "FRR is not installed (scripts/deps)"; exit 0; }

S=isis
DAEMONS='zebra|isisd|vtysh|trellis-sup'
check "no FRR process before the test" sh -c "! pgrep -x '$DAEMONS'"

t0=$SECONDS
check "trellisd up topo/isis.topo" trellisd up "$TOP/topo/isis.topo"
defer trellisd down "$S"

isis_adj_up() {	# host count
	[ "$(on "$1" vtysh -c 'show isis neighbor' | grep -cw Up)" -ge "$2" ]
}
isis_route() {	# host prefix
	on "$1" vtysh -c "show ip route $2 json" |
		jq -e --arg p "$2" '.[$p][] | select(.protocol == "isis" and .selected == true)' >/dev/null
}
all_routes() {
	isis_route r1 10.255.0.2/32 && isis_route r1 10.255.0.3/32 &&
	isis_route r2 10.255.0.1/32 && isis_route r2 10.255.0.3/32 &&
	isis_route r3 10.255.0.1/32 && isis_route r3 10.255.0.2/32
}
ends_up() { isis_adj_up r1 1 && isis_adj_up r3 1; }

if wait_for 180 isis_adj_up r2 2; then
	ok "r2 has two IS-IS adjacencies Up"
	echo "	$((SECONDS - t0)) s after trellisd up started"
else
	fail "r2 has two IS-IS adjacencies Up" "$(on r2 vtysh -c 'show isis neighbor')"
fi
check "r1 and r3 each have their adjacency Up" wait_for 120 ends_up
if wait_for 120 all_routes; then
	ok "every router has every loopback from IS-IS"
	echo "	$((SECONDS - t0)) s after trellisd up started"
else
	fail "every router has every loopback from IS-IS" "$(on r1 vtysh -c 'show ip route')"
fi
check "r1 learns the r2-r3 subnet from IS-IS" isis_route r1 10.0.23.0/30
check "ping r1 -> r3 loopbacks across r2, every reply" all_answered on r1 ping -c 2 -W 2 -I 10.255.0.1 10.255.0.3
check_output "trellisd logs SLICE r2 isisd: adjacency changes" "ADJCHANGE: Adjacency to" \
	trellisd logs "$S" r2 isisd

none_left() {
	local procs
	procs=$(ps -eo pid=,comm= | awk -v re="^($DAEMONS)\$" '$2 ~ re')
	if [ -z "$procs" ]; then
		ok "$1"
	else
		fail "$1" "$procs"
	fi
}
check "trellisd down isis" trellisd down "$S"
none_left "after down, no zebra, isisd, vtysh or supervisor process is left"

# The same topology with `restart never' on r3 (config paths made
# absolute, since the copy lives elsewhere).
WORK=$(mktemp -d /tmp/routing-isis.XXXXXX)
defer rm -rf "$WORK"
sed -e "s|config isis/|config $TOP/topo/isis/|" \
    -e "s|\(config .*/r3/frr.conf\)$|\1 restart never|" \
	"$TOP/topo/isis.topo" > "$WORK/isis.topo"
check_output "the copy sets restart never on r3" "restart never" grep r3/frr.conf "$WORK/isis.topo"
check "trellisd up (r3: restart never)" trellisd up "$WORK/isis.topo"
check "r3's adjacency comes up" wait_for 180 isis_adj_up r3 1
pid=$(on r3 cat /run/frr/isisd.pid)
if [ -n "$pid" ] && on r3 kill -9 "$pid"; then
	failed() { grep -q '^r3 isisd 0 failed 0 signal-KILL$' /run/trellis/$S/daemons/status; }
	check "restart never: the killed isisd is reported failed, not restarted" wait_for 120 failed
	# The pid namespace is the machine's: look for an isisd in r3's netns.
	holder=$(awk '$1 == "host" && $2 == "r3" { print $3 }' /run/trellis/$S/journal)
	isisd_in_r3() {
		local p
		for p in $(pgrep -x isisd); do
			[ "$(readlink /proc/$p/ns/net)" = "$(readlink /proc/$holder/ns/net)" ] && return 0
		done
		return 1
	}
	check "restart never: r3's holder is known" test -n "$holder"
	check_fails "restart never: no isisd runs in r3" isisd_in_r3
	check_output "trellisd logs shows the policy" "not restarted (policy never)" trellisd logs "$S" r3
	check_output "trellisd logs shows the state" "failed" trellisd logs "$S" r3
else
	fail "restart never: the killed isisd is reported failed, not restarted" "no isisd pid on r3"
fi
check "trellisd down isis (again)" trellisd down "$S"
none_left "after the second down, no process is left"
