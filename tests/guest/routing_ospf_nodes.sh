#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The OSPF ring of topo/ospf-ring.topo spread over two physical nodes,
# played by two namespaces joined by an underlay veth: each runs
# `trellisd up --node NAME' with its own state directory, and the two
# links that cross carry the virtual hosts' Ethernet in egre tunnels (or
# gretap if the modules cannot be loaded).  Routing converges across
# them, and around a failed cross-node link.
#
#      namespace "alpha" (192.0.2.1)       namespace "beta" (192.0.2.2)
#   +------------------------------+     +------------------------------+
#   |  r1 eth0 --------- eth1 r2   |     |  r3 eth0 --------- eth1 r4   |
#   |  eth1               eth0     |     |  eth1               eth0     |
#   +---|------------------|-------+     +---|------------------|-------+
#       |                  +=== egre r2-r3 ==+                  |
#       +=============== egre r4-r1 (crosses back) =============+
#                     underlay veth u1 <-> u2, 192.0.2.0/24
#
# timeout: 900

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../routing.sh"

require_cmd vtysh jq ping
[ -x /usr/lib/frr/ospfd ] || { skip "routing_ospf_nodes" "FRR is not installed (scripts/deps)"; exit 0; }

S=ospf-ring
DAEMONS='zebra|ospfd|vtysh|trellis-sup'
WORK=$(mktemp -d /tmp/routing-nodes.XXXXXX)
defer rm -rf "$WORK"

backend=egre
if insmod_built egre && insmod_built shortbridge; then
	defer rmmod egre
	defer rmmod shortbridge
else
	backend=gretap
	skip "cross-node links over egre" "the modules did not load: using gretap + bridge"
fi

ns_add M1 alpha
ns_add M2 beta
veth_link "$M1" u1 "$M2" u2 192.0.2.1/24 192.0.2.2/24
check "the underlay works" ip netns exec "$M1" ping -c 1 -W 2 192.0.2.2

# The example with two nodes, r1 and r2 on alpha, r3 and r4 on beta.
{
	echo "node alpha underlay 192.0.2.1"
	echo "node beta underlay 192.0.2.2"
	sed -e "s|config ospf-ring/|config $TOP/topo/ospf-ring/|" \
	    -e 's/^host r\([12]\)$/host r\1 node alpha/' \
	    -e 's/^host r\([34]\)$/host r\1 node beta/' "$TOP/topo/ospf-ring.topo"
} > "$WORK/ring.topo"
check "the two-node copy of the ring is valid" trellisd check "$WORK/ring.topo"

at() {	# alpha|beta CMD...: trellisd on that machine
	local m=$1 ns
	shift
	[ "$m" = alpha ] && ns=$M1 || ns=$M2
	ip netns exec "$ns" env TRELLIS_RUNDIR=/run/trellis-$m "$@"
}
on() {	# HOST CMD...
	local h=$1 m=alpha
	shift
	case $h in r3|r4) m=beta ;; esac
	TRELLIS_RUNDIR=/run/trellis-$m trellisd exec "$S" "$h" -- "$@"
}

t0=$SECONDS
check "alpha: trellisd up --node alpha" at alpha trellisd up "$WORK/ring.topo" --node alpha --backend "$backend"
defer at alpha trellisd down "$S"
check "beta: trellisd up --node beta" at beta trellisd up "$WORK/ring.topo" --node beta --backend "$backend"
defer at beta trellisd down "$S"
if [ "$backend" = egre ]; then
	check_output "alpha carries its cross-node links in egre tunnels" "egre" \
		ip -n "$M1" -d link show
fi

if wait_for 180 all_loopbacks; then
	ok "every router has every loopback from OSPF, across the two nodes"
	echo "	converged $((SECONDS - t0)) s after the first trellisd up"
else
	fail "every router has every loopback from OSPF, across the two nodes" \
		"$(on r2 vtysh -c 'show ip ospf neighbor'; on r2 vtysh -c 'show ip route')"
fi
check "ping r2 -> r3 loopbacks (one egre hop)" on r2 ping -c 2 -W 2 -I 10.255.0.2 10.255.0.3
check "ping r1 -> r3 loopbacks" on r1 ping -c 2 -W 2 -I 10.255.0.1 10.255.0.3
check "full-size packets cross (DF, 1458-byte link MTU)" \
	on r2 ping -c 1 -W 2 -M do -s 1430 10.0.23.2

check "alpha: trellisd link down r2:eth0 (the r2-r3 tunnel)" at alpha trellisd link down "$S" r2:eth0
t0=$SECONDS
if wait_for 60 has_route r2 10.255.0.3/32 eth1; then
	ok "r2-r3 down: r2 reaches r3 the long way, over the other tunnel"
	echo "	rerouted in $((SECONDS - t0)) s"
else
	fail "r2-r3 down: r2 reaches r3 the long way, over the other tunnel" "$(on r2 vtysh -c 'show ip route')"
fi
wait_for 30 has_route r3 10.255.0.2/32 eth0
check "r2-r3 down: ping r2 -> r3 loopbacks still reaches" on r2 ping -c 2 -W 2 -I 10.255.0.2 10.255.0.3
check "alpha: trellisd link up r2:eth0" at alpha trellisd link up "$S" r2:eth0
check "r2-r3 back up: r2 reaches r3 directly again" wait_for 60 has_route r2 10.255.0.3/32 eth0

check "alpha: trellisd down" at alpha trellisd down "$S"
check "beta: trellisd down" at beta trellisd down "$S"
procs=$(ps -eo pid=,comm= | awk -v re="^($DAEMONS)\$" '$2 ~ re')
if [ -z "$procs" ]; then
	ok "after down on both nodes, no daemon or supervisor process is left"
else
	fail "after down on both nodes, no daemon or supervisor process is left" "$procs"
fi
check_fails "after down, no tunnel is left on alpha" sh -c "ip -n '$M1' -d link show | grep -E 'egre|gretap'"
