#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# FRR OSPFv2 in a ring of four virtual hosts, deployed by trellisd from
# topo/ospf-ring.topo: each host runs zebra and ospfd under the slice's
# supervisor, in its own namespaces with its own /etc/frr and /run/frr, so
# `trellisd exec SLICE HOST -- vtysh' reaches that host's daemons.
#
#                 10.0.12.0/30
#   r1 eth0 .1 ----------------- .2 eth1 r2
#   eth1 .2                            eth0 .1
#    |  10.0.41.0/30                     |  10.0.23.0/30
#   eth0 .1                            eth1 .2
#   r4 eth1 .2 ----------------- .1 eth0 r3
#                 10.0.34.0/30
#   loopbacks 10.255.0.N/32, OSPF area 0, p2p, hello 1 s, dead 3 s
#
# Checks: every router learns every loopback (polled from `show ip route
# json'); pings between loopbacks; `trellisd link down r1:eth0' makes r1
# reach r2 the other way round, `link up' brings the short path back; a
# killed ospfd is restarted with its configuration and its adjacencies
# come back, a killed zebra is restarted together with ospfd; `trellisd logs' shows the daemons' logs and the restart;
# after `trellisd down' no daemon or supervisor process is left.
#
# timeout: 900
# cost: 397

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../routing.sh"

require_cmd vtysh jq ping
[ -x /usr/lib/frr/ospfd ] || { skip "routing_ospf" "FRR is not installed (scripts/deps)"; exit 0; }

S=ospf-ring
DAEMONS='zebra|ospfd|vtysh|trellis-sup'
check "no FRR process before the test" sh -c "! pgrep -x '$DAEMONS'"

t0=$SECONDS
check "trellisd up topo/ospf-ring.topo" trellisd up "$TOP/topo/ospf-ring.topo"
defer trellisd down "$S"
echo "	up returned after $((SECONDS - t0)) s"

full_neighbours() {	# HOST: how many adjacencies are Full
	on "$1" vtysh -c 'show ip ospf neighbor json' |
		jq '[.neighbors[][] | select((.state // .nbrState // "") | startswith("Full"))] | length'
}
two_full() { [ "$(full_neighbours "$1")" = 2 ]; }

check_value "each host has its own hostname" r3 on r3 hostname
check_output "vtysh reaches the host's own zebra (default paths)" "hostname r2" \
	on r2 vtysh -c 'show running-config'
if wait_for 180 all_loopbacks; then
	ok "every router has every loopback from OSPF"
	echo "	converged $((SECONDS - t0)) s after trellisd up started"
else
	fail "every router has every loopback from OSPF" \
		"$(on r1 vtysh -c 'show ip ospf neighbor'; on r1 vtysh -c 'show ip route')"
fi
check "r1 has two Full adjacencies" two_full r1
check "ping r1 -> r3 loopbacks, every reply" all_answered on r1 ping -c 2 -W 2 -I 10.255.0.1 10.255.0.3
check "r1 reaches r2 directly (via eth0)" has_route r1 10.255.0.2/32 eth0

# Fail the r1-r2 link: OSPF routes round the ring, r1 -> r4 -> r3 -> r2.
check "trellisd link down ospf-ring r1:eth0" trellisd link down "$S" r1:eth0
t0=$SECONDS
if wait_for 60 has_route r1 10.255.0.2/32 eth1; then
	ok "r1-r2 down: r1 reaches r2 the long way (via eth1)"
	echo "	rerouted in $((SECONDS - t0)) s"
else
	fail "r1-r2 down: r1 reaches r2 the long way (via eth1)" "$(on r1 vtysh -c 'show ip route')"
fi
wait_for 120 has_route r2 10.255.0.1/32 eth0
check "r1-r2 down: ping r1 -> r2 loopbacks still reaches, every reply" \
	all_answered on r1 ping -c 2 -W 2 -I 10.255.0.1 10.255.0.2
check_output "r1-r2 down: the kernel forwards r1 -> r2 out of eth1" "dev eth1" \
	on r1 ip route get 10.255.0.2

check "trellisd link up ospf-ring r1:eth0" trellisd link up "$S" r1:eth0
t0=$SECONDS
if wait_for 60 has_route r1 10.255.0.2/32 eth0; then
	ok "r1-r2 back up: r1 reaches r2 directly again"
	echo "	restored in $((SECONDS - t0)) s"
else
	fail "r1-r2 back up: r1 reaches r2 directly again" "$(on r1 vtysh -c 'show ip route')"
fi
check "r1-r2 back up: ping r1 -> r2 loopbacks, every reply" all_answered on r1 ping -c 2 -W 2 -I 10.255.0.1 10.255.0.2

# A daemon that dies is restarted (policy on-failure) with its config.
pid=$(on r2 cat /run/frr/ospfd.pid)
if [ -n "$pid" ] && on r2 kill -9 "$pid"; then
	restarted() {
		local now
		now=$(on r2 cat /run/frr/ospfd.pid 2>/dev/null)
		[ -n "$now" ] && [ "$now" != "$pid" ] && two_full r2
	}
	if wait_for 120 restarted; then
		ok "killed ospfd on r2 is restarted and its adjacencies come back"
	else
		fail "killed ospfd on r2 is restarted and its adjacencies come back" \
			"$(trellisd logs "$S" r2 | head -n 20)"
	fi
	check "after the restart every router has every loopback" wait_for 60 all_loopbacks
	check_output "trellisd logs reports the restart" "restarted 1 time" trellisd logs "$S" r2
	check_output "the supervisor logged the exit" "ospfd exited (signal-KILL)" \
		trellisd logs "$S" r2
else
	fail "killed ospfd on r2 is restarted and its adjacencies come back" "no ospfd pid on r2"
fi
# zebra dies: the supervisor restarts it and, as watchfrr does, the
# host's other FRR daemons with it; r3's kernel gets its routes back.
kernel_routes() {	# HOST: the other three loopbacks, from OSPF, in the kernel
	[ "$(on "$1" ip -4 route show proto ospf | grep -c '^10\.255\.0\.')" = 3 ]
}
pid=$(on r3 cat /run/frr/zebra.pid)
if [ -n "$pid" ] && on r3 kill -9 "$pid"; then
	zebra_back() {
		local now
		now=$(on r3 cat /run/frr/zebra.pid 2>/dev/null)
		[ -n "$now" ] && [ "$now" != "$pid" ] && kernel_routes r3 && two_full r3
	}
	if wait_for 120 zebra_back; then
		ok "killed zebra on r3 is restarted, with ospfd; r3's kernel routes come back"
	else
		fail "killed zebra on r3 is restarted, with ospfd; r3's kernel routes come back" \
			"$(trellisd logs "$S" r3 | grep -v 'OSPF: .* \(RI\|EXT\) '; on r3 ip route)"
	fi
	check_output "the supervisor restarted ospfd with zebra" "restarting ospfd after zebra" \
		trellisd logs "$S" r3
	check "after the zebra restart every router has every loopback" wait_for 60 all_loopbacks
else
	fail "killed zebra on r3 is restarted, with ospfd; r3's kernel routes come back" "no zebra pid on r3"
fi
check_output "trellisd logs SLICE HOST DAEMON: ospfd's adjacency changes" "Full" \
	trellisd logs "$S" r1 ospfd
check_error "trellisd logs of a daemon the host does not run" "has no log for \`bgpd'" \
	trellisd logs "$S" r1 bgpd
check_error "trellisd logs of an unknown host" "no host \`r9'" trellisd logs "$S" r9

check "trellisd down ospf-ring" trellisd down "$S"
procs=$(ps -eo pid=,comm= | awk -v re="^($DAEMONS)\$" '$2 ~ re')
if [ -z "$procs" ]; then
	ok "after down, no zebra, ospfd, vtysh or supervisor process is left"
else
	fail "after down, no zebra, ospfd, vtysh or supervisor process is left" "$procs"
fi
check "after down, the slice's state directory is gone" test ! -e /run/trellis/$S
