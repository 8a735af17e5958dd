#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# BGP between FRR and BIRD: three autonomous systems in a triangle,
# deployed by trellisd from topo/bgp-mixed.topo.  r1 and r3 run FRR
# (zebra, bgpd), r2 runs BIRD, each in its own namespaces with its own /etc
# and /run, so vtysh and birdc work through `trellisd exec' with their
# default paths.
#
#               r2  BIRD, AS 65002, lo 10.255.0.2
#           eth0 .2        eth1 .1
#   10.0.12.0/30 /            \ 10.0.23.0/30
#           eth0 .1            eth0 .2
#   FRR, AS 65001  r1 ---------- r3  FRR, AS 65003
#   lo 10.255.0.1  eth1 .1   .2 eth1  lo 10.255.0.3
#                  10.0.13.0/30
#
# Checks: every session is Established on both sides (FRR JSON, birdc);
# each router has the two other loopbacks from BGP; FRR learns r3's
# loopback through BIRD too (AS path 65002 65003), and BIRD installs what
# FRR announces; pings between loopbacks; with r1-r3 down (trellisd link
# down) r1 reaches r3 through BIRD; a killed bird is restarted; logs;
# after `trellisd down' no daemon is left.
#
# timeout: 900
# cost: 221

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../routing.sh"

require_cmd vtysh birdc bird jq ping
[ -x /usr/lib/frr/bgpd ] || { skip "routing_bgp" "FRR is not installed (scripts/deps)"; exit 0; }

S=bgp-mixed
DAEMONS='zebra|bgpd|bird|vtysh|trellis-sup'
check "no routing daemon before the test" sh -c "! pgrep -x '$DAEMONS'"

t0=$SECONDS
check "trellisd up topo/bgp-mixed.topo" trellisd up "$TOP/topo/bgp-mixed.topo"
defer trellisd down "$S"

frr_established() {	# host peer
	on "$1" vtysh -c 'show ip bgp summary json' |
		jq -e --arg p "$2" '.ipv4Unicast.peers[$p].state == "Established"' >/dev/null
}
bird_established() {	# host protocol
	on "$1" birdc show protocols "$2" | grep -qw Established
}
frr_bgp_route() {	# host prefix
	on "$1" vtysh -c "show ip route $2 json" |
		jq -e --arg p "$2" '.[$p][] | select(.protocol == "bgp" and .selected == true)' >/dev/null
}
all_up() {
	frr_established r1 10.0.12.2 && frr_established r1 10.0.13.2 &&
	frr_established r3 10.0.23.1 && frr_established r3 10.0.13.1 &&
	bird_established r2 r1 && bird_established r2 r3
}

if wait_for 180 all_up; then
	ok "all six BGP session ends are Established (FRR and BIRD)"
	echo "	$((SECONDS - t0)) s after trellisd up started"
else
	fail "all six BGP session ends are Established (FRR and BIRD)" \
		"$(on r1 vtysh -c 'show ip bgp summary'; on r2 birdc show protocols)"
fi
check_output "birdc reaches r2's own BIRD (default socket)" "Established" on r2 birdc show protocols r1
check "FRR r1 <- BIRD r2: 10.255.0.2/32 installed from BGP" wait_for 60 frr_bgp_route r1 10.255.0.2/32
check "FRR r3 <- BIRD r2: 10.255.0.2/32 installed from BGP" wait_for 60 frr_bgp_route r3 10.255.0.2/32
check "FRR r1 <- FRR r3: 10.255.0.3/32 installed from BGP" wait_for 60 frr_bgp_route r1 10.255.0.3/32
check_output "BIRD r2 <- FRR r1: 10.255.0.1/32 with AS path 65001" "BGP.as_path: 65001" \
	on r2 birdc show route 10.255.0.1/32 all
check_output "BIRD r2 installed 10.255.0.3/32 in its kernel table" "10.255.0.3" \
	on r2 ip route show proto bird
frr_transit() {
	on r1 vtysh -c 'show ip bgp 10.255.0.3/32 json' |
		jq -e '[.paths[].aspath.string] | index("65002 65003") != null' >/dev/null
}
check "FRR r1 also learns r3 through BIRD (AS path 65002 65003)" wait_for 60 frr_transit
check "ping r1 -> r2 loopbacks (FRR to BIRD), every reply" all_answered on r1 ping -c 2 -W 2 -I 10.255.0.1 10.255.0.2
check "ping r2 -> r3 loopbacks (BIRD to FRR), every reply" all_answered on r2 ping -c 2 -W 2 -I 10.255.0.2 10.255.0.3

# Fail r1-r3: r1 reaches r3 through BIRD.
check "trellisd link down bgp-mixed r1:eth1" trellisd link down "$S" r1:eth1
via_r2() {
	on r1 vtysh -c 'show ip route 10.255.0.3/32 json' |
		jq -e '.["10.255.0.3/32"][] | select(.selected == true) | .nexthops[] | select(.ip == "10.0.12.2")' >/dev/null
}
check "r1-r3 down: r1 reaches r3's loopback through BIRD r2" wait_for 60 via_r2
check "r1-r3 down: ping r1 -> r3 loopbacks, every reply" all_answered on r1 ping -c 2 -W 2 -I 10.255.0.1 10.255.0.3
check "trellisd link up bgp-mixed r1:eth1" trellisd link up "$S" r1:eth1
direct() { frr_established r1 10.0.13.2; }
check "r1-r3 back up: the r1-r3 session is Established again" wait_for 60 direct

# BIRD killed: the supervisor restarts it and the sessions come back.
pid=$(awk '$1 == "r2" && $2 == "bird" { print $3 }' /run/trellis/$S/daemons/status)
if [ -n "$pid" ] && [ "$pid" != 0 ] && kill -9 "$pid"; then
	back() {
		local now
		now=$(awk '$1 == "r2" && $2 == "bird" { print $3 }' /run/trellis/$S/daemons/status)
		[ "$now" != "$pid" ] && [ "$now" != 0 ] && bird_established r2 r1 && bird_established r2 r3
	}
	check "killed bird is restarted and both its sessions come back" wait_for 120 back
	check_output "trellisd logs reports the restart" "restarted 1 time" trellisd logs "$S" r2
else
	fail "killed bird is restarted and both its sessions come back" "no bird pid for r2 in the status file"
fi

check_output "trellisd logs SLICE r1 bgpd: bgpd's neighbour changes" "in vrf default Up" trellisd logs "$S" r1 bgpd
check_output "trellisd logs SLICE r2 bird: BIRD's session states" "r1: State changed to up" trellisd logs "$S" r2 bird

check "trellisd down bgp-mixed" trellisd down "$S"
procs=$(ps -eo pid=,comm= | awk -v re="^($DAEMONS)\$" '$2 ~ re')
if [ -z "$procs" ]; then
	ok "after down, no zebra, bgpd, bird, vtysh or supervisor process is left"
else
	fail "after down, no zebra, bgpd, bird, vtysh or supervisor process is left" "$procs"
fi
