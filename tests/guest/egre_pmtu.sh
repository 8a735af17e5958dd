#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Path MTU learnt from the underlay: a router between the two machines has a
# narrower link than either machine's own, so only its ICMP
# fragmentation-needed tells egre (egre_err) that the path is narrower.
#
#  hostA ul 192.0.2.1/24 --- 192.0.2.254 m1 mid m2 198.18.0.254 --- 198.18.0.2/24 ul hostB
#        MTU 1500                 MTU 1500         MTU 1400              MTU 1400
#
#  eg (key 5): 203.0.113.1/24 in hostA, 203.0.113.2/24 in hostB (routed)
#
# A DF packet that fits eg (MTU 1458) but not the path is lost once, at
# mid, which reports MTU 1400 to hostA; egre records it on its route to
# hostB, and from then on answers DF packets of more than 1400 - 42 = 1358
# bytes itself with fragmentation-needed, mtu 1358; IPv6 packets of that
# size get packet-too-big.
# timeout: 300
# cost: 87
source "$(dirname "$0")/../lib.sh"
require_cmd ethtool

insmod_built egre || { fail "egre loads" "insmod failed"; exit 1; }
defer rmmod egre

ns_add hostA egre-pmtuA
ns_add hostB egre-pmtuB
ns_add mid egre-pmtuM
veth_link "$hostA" ul "$mid" m1 192.0.2.1/24 192.0.2.254/24
veth_link "$mid" m2 "$hostB" ul 198.18.0.254/24 198.18.0.2/24
ip -n "$mid" link set m2 mtu 1400
ip -n "$hostB" link set ul mtu 1400	# a veth drops what exceeds its peer's MTU
ip netns exec "$mid" sysctl -qw net.ipv4.ip_forward=1
ip -n "$hostA" route add default via 192.0.2.254
ip -n "$hostB" route add default via 198.18.0.254

check "the machines reach each other through mid" \
	wait_for 60 ip netns exec "$hostA" ping -c 1 -W 1 198.18.0.2

check "tunnel eg at A" egre_up "$hostA" eg 192.0.2.1 198.18.0.2 5 203.0.113.1/24
check "and at B" egre_up "$hostB" eg 198.18.0.2 192.0.2.1 5 203.0.113.2/24
check "ping through the tunnel" \
	wait_for 60 ip netns exec "$hostA" ping -c 1 -W 1 203.0.113.2

big0=$(ethtool_stat "$hostA" eg tx_drop_too_big)
# The first too-big packet dies at mid; the ICMP error it causes reaches
# egre_err. The next ones are answered by egre.
ip netns exec "$hostA" ping -c 1 -W 1 -M do -s 1400 203.0.113.2 >/dev/null 2>&1
check_error "mid's report reached the tunnel: it now says mtu 1358" "1358" \
	ip netns exec "$hostA" ping -c 2 -W 1 -M do -s 1400 203.0.113.2
big1=$(ethtool_stat "$hostA" eg tx_drop_too_big)
check_grew "too-big packets counted on eg (tx_drop_too_big)" "$big0" "$big1"
check_output "the underlay route to hostB carries the learnt MTU" "mtu 1400" \
	ip -n "$hostA" route get 198.18.0.2
check "a DF packet of 1358 bytes fits the path" \
	ip netns exec "$hostA" ping -c 1 -W 2 -M do -s 1330 203.0.113.2
check "a non-DF packet too big for the path is fragmented outside" \
	ip netns exec "$hostA" ping -c 1 -W 2 -M dont -s 1400 203.0.113.2

# IPv6 inside the tunnel. IPv6 packets are never fragmented on the way,
# so egre answers one too big for the path (1400 - 42 = 1358 bytes) with
# packet-too-big and records the MTU on the sender's route (egre_too_big,
# icmpv6_ndo_send); from then on the sender fragments at the source.
ip -n "$hostA" addr add 2001:db8:5::1/64 dev eg nodad
ip -n "$hostB" addr add 2001:db8:5::2/64 dev eg nodad
check "IPv6 through the tunnel" \
	wait_for 60 ip netns exec "$hostA" ping -6 -c 1 -W 1 2001:db8:5::2
big0=$(ethtool_stat "$hostA" eg tx_drop_too_big)
ip netns exec "$hostA" ping -6 -c 1 -W 1 -s 1400 2001:db8:5::2 >/dev/null 2>&1
check_output "a 1448-byte IPv6 packet: packet-too-big, the route now says mtu 1358" \
	"mtu 1358" ip -n "$hostA" -6 route get 2001:db8:5::2
big1=$(ethtool_stat "$hostA" eg tx_drop_too_big)
check_grew "... counted in tx_drop_too_big" "$big0" "$big1"
check "the same ping now passes, fragmented at the source" \
	ip netns exec "$hostA" ping -6 -c 1 -W 2 -s 1400 2001:db8:5::2
