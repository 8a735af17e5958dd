#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# egre between two namespaces standing for two physical machines.
#
#  +--- $inA ---------+                                 +--- $inB ---------+
#  | vin 198.51.100.1 |                                 | vin 198.51.100.2 |
#  +-------|----------+                                 +----------|-------+
#  +--- $hostA -------|---------+             +--- $hostB ---------|-------+
#  |      vout --- br0 --- eg7  |  key 7      |   eg7 --- br0 --- vout     |
#  |  eg8 203.0.113.1/24        |  key 8      |   eg8 203.0.113.2/24       |
#  |   ul 192.0.2.1/24 ===================== ul 192.0.2.2/24 (veth)      |
#  +----------------------------+             +----------------------------+
#
# eg7 is bridged (frames reach it with no route attached), eg8 is routed
# (the host's own packets).  Checks: ping and an iperf3 TCP flow (GSO kept),
# default MTU 1458, path-MTU errors on both paths, changelink, the settings
# read back through fill_info by `trellisd egre show`, refusals.
# timeout: 600
# cost: 156
source "$(dirname "$0")/../lib.sh"
require_cmd iperf3 ethtool jq

insmod_built egre || { fail "egre loads" "insmod failed"; exit 1; }
defer rmmod egre

ns_add hostA egre-hostA
ns_add hostB egre-hostB
ns_add inA egre-inA
ns_add inB egre-inB
# No IPv6 chatter: the counters compared below see only the test's frames.
for ns in "$hostA" "$hostB" "$inA" "$inB"; do ipv6_off "$ns"; done

veth_link "$hostA" ul "$hostB" ul 192.0.2.1/24 192.0.2.2/24

# Both ends: the bridged tunnel (key 7) and the routed one (key 8).
setup_host() {	# host in local remote eg8-address
	local host=$1 in=$2 local=$3 remote=$4 addr=$5
	ip netns exec "$host" trellisd egre add eg7 local "$local" remote "$remote" key 7 || return 1
	ip netns exec "$host" trellisd egre add eg8 local "$local" remote "$remote" key 8 || return 1
	ip -n "$host" link add br0 type bridge || return 1
	ip -n "$host" link add vout type veth peer name vin netns "$in" || return 1
	ip -n "$host" link set eg7 master br0 || return 1
	ip -n "$host" link set vout master br0 || return 1
	ip -n "$host" link set vout mtu 1458 || return 1
	ip -n "$in" link set vin mtu 1458 || return 1
	ip -n "$host" addr add "$addr"/24 dev eg8 || return 1
	for dev in eg7 eg8 br0 vout; do
		ip -n "$host" link set "$dev" up || return 1
	done
	ip -n "$in" link set vin up
}
check "egre devices created on both hosts" setup_host "$hostA" "$inA" 192.0.2.1 192.0.2.2 203.0.113.1
check "egre devices created on the other host" setup_host "$hostB" "$inB" 192.0.2.2 192.0.2.1 203.0.113.2
ip -n "$inA" addr add 198.51.100.1/24 dev vin
ip -n "$inB" addr add 198.51.100.2/24 dev vin
# No ARP on the routed tunnel either (a probe could land in the window in
# which eg8's counter must stay still, below).
neigh_pin "$hostA" eg8 203.0.113.2 "$hostB" eg8
neigh_pin "$hostB" eg8 203.0.113.1 "$hostA" eg8

check_value "default MTU is 1458 on a 1500 underlay" 1458 link_attr "$hostA" eg7 mtu

check "ping through the bridged tunnel (key 7)" \
	wait_for 60 ip netns exec "$inA" ping -c 1 -W 1 198.51.100.2
check "ping through the routed tunnel (key 8)" \
	wait_for 60 ip netns exec "$hostA" ping -c 1 -W 1 203.0.113.2
check "full-size DF ping (1458-byte packets) through the tunnel, every reply" \
	all_answered ip netns exec "$inA" ping -c 2 -W 2 -M do -s 1430 198.51.100.2

# Each tunnel delivers only its own key.  inA gets a route to the routed
# tunnel's subnet and a neighbour entry for 203.0.113.2 at B's eg8 MAC
# address, and B a route back to 198.51.100.0/24 through its bridge: were
# a key-7 frame handed to eg8, the echo request would be answered.  So the
# ping fails only if egre keeps the keys apart; the frames are seen to
# arrive on B's eg7 (and not one on eg8).
ip -n "$inA" route add 203.0.113.0/24 dev vin
neigh_pin "$inA" vin 203.0.113.2 "$hostB" eg8
ip -n "$hostB" route add 198.51.100.0/24 dev br0
{ read -r r7; read -r r8; } < <(link_stat "$hostB" eg7 rx_packets; link_stat "$hostB" eg8 rx_packets)
check_fails "a frame for the routed tunnel (key 8) sent on the bridged one (key 7) is not delivered" \
	ip netns exec "$inA" ping -c 3 -i 0.2 -W 1 203.0.113.2
{ read -r s7; read -r s8; } < <(link_stat "$hostB" eg7 rx_packets; link_stat "$hostB" eg8 rx_packets)
if [ -n "$s7" ] && [ "$((s7 - r7))" -ge 3 ] && [ "$s8" = "$r8" ]; then
	ok "... they arrived on B's eg7 (+$((s7 - r7))), none on eg8"
else
	fail "... they arrived on B's eg7, none on eg8" "eg7 rx_packets $r7 -> $s7, eg8 $r8 -> $s8"
fi
ip -n "$inA" route del 203.0.113.0/24 dev vin
ip -n "$inA" neigh del 203.0.113.2 dev vin
ip -n "$hostB" route del 198.51.100.0/24 dev br0

# A tunnel inside a tunnel: egn (key 9) runs over eg8's subnet.  The outer
# frame is delivered from the GRE handler straight to eg8, and the inner
# GRE packet, arriving while that delivery is under way, takes eg8's GRO
# cell instead of nesting deeper.
check "a tunnel over the routed tunnel at A" \
	egre_up "$hostA" egn 203.0.113.1 203.0.113.2 9 198.18.0.1/24
check "and at B" egre_up "$hostB" egn 203.0.113.2 203.0.113.1 9 198.18.0.2/24
check "ping through a tunnel in a tunnel" \
	wait_for 60 ip netns exec "$hostA" ping -c 1 -W 1 198.18.0.2
check "... 3 of 3 echo replies" \
	all_answered ip netns exec "$hostA" ping -c 3 -i 0.2 -W 2 198.18.0.2
ip -n "$hostA" link del egn
ip -n "$hostB" link del egn

# A tunnel that is down at the receiving end takes nothing in: its frames
# are dropped and counted, not delivered.
ip -n "$hostB" link set eg7 down
down0=$(ethtool_stat "$hostB" eg7 rx_drop_down)
check_fails "nothing passes the bridged tunnel while it is down at B" \
	ip netns exec "$inA" ping -c 2 -i 0.2 -W 1 198.51.100.2
down1=$(ethtool_stat "$hostB" eg7 rx_drop_down)
check_grew "frames for the down tunnel counted at B (rx_drop_down)" "$down0" "$down1"
ip -n "$hostB" link set eg7 up
check "the bridged tunnel passes again once up" \
	wait_for 60 ip netns exec "$inA" ping -c 1 -W 1 198.51.100.2

# iperf3: TCP over the tunnel, GSO super-packets kept whole until the
# underlay (average transmitted "packet" on eg7 larger than the MTU).
tx_of() { link_stat "$1" "$2" tx_packets tx_bytes | paste -sd ' '; }
pidfile=$(mktemp)
ip netns exec "$inB" iperf3 -s -1 -D -B 198.51.100.2 -p 5201 -I "$pidfile" >/dev/null 2>&1
defer bash -c "kill \$(cat $pidfile); rm -f $pidfile"
listening() { ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q .; }
wait_for 60 listening "$inB" 5201
read -r p0 b0 < <(tx_of "$hostA" eg7)
out=$(ip netns exec "$inA" iperf3 -c 198.51.100.2 -p 5201 -t 3 -J 2>&1)
bps=$(jq -r '.end.sum_received.bits_per_second | floor' <<< "$out" 2>/dev/null)
if [ -n "$bps" ] && [ "$bps" -gt 0 ] 2>/dev/null; then
	ok "iperf3 TCP through egre: $((bps / 1000000)) Mbit/s"
else
	fail "iperf3 TCP through egre" "$(printf '%s' "$out" | tail -n 5)"
fi
read -r p1 b1 < <(tx_of "$hostA" eg7)
avg=$(( (b1 - b0) / (p1 - p0 > 0 ? p1 - p0 : 1) ))
if [ "$avg" -gt 1500 ]; then
	ok "TCP is sent as GSO super-packets (average $avg bytes per transmit)"
else
	fail "TCP is sent as GSO super-packets" "average $avg bytes per transmit on eg7 ($((p1 - p0)) packets)"
fi

# fill_info round trip: every setting reads back as given.
check "add a tunnel with every option set" \
	ip netns exec "$hostA" trellisd egre add eg9 local 192.0.2.1 remote 192.0.2.2 key 4000000000 \
	dev ul ttl 200 tos 0x10 nopmtudisc csum seq
check_output "show reads every option back" \
	"eg9: local 192.0.2.1 remote 192.0.2.2 key 4000000000 dev ul ttl 200 tos 16 nopmtudisc csum seq mtu 1450" \
	ip netns exec "$hostA" trellisd egre show eg9
check "set ttl inherit, tos inherit, pmtudisc, nocsum, noseq" \
	ip netns exec "$hostA" trellisd egre set eg9 ttl inherit tos inherit pmtudisc nocsum noseq
check_output "show reads the changes back (MTU back to the default)" \
	"eg9: local 192.0.2.1 remote 192.0.2.2 key 4000000000 dev ul ttl inherit tos inherit pmtudisc nocsum noseq mtu 1458" \
	ip netns exec "$hostA" trellisd egre show eg9
check "delete it" ip netns exec "$hostA" trellisd egre del eg9
check_error "it is gone" "does not exist" ip -n "$hostA" link show eg9

# Refusals, with the kernel's reason.
check_error "a duplicate (local, remote, key) is refused" \
	"File exists: tunnel 192.0.2.1 -> 192.0.2.2 key 7 already exists" \
	ip netns exec "$hostA" trellisd egre add egx local 192.0.2.1 remote 192.0.2.2 key 7
check_error "changing the key of a running tunnel is refused" \
	"cannot change" ip netns exec "$hostA" trellisd egre set eg7 key 9
check_error "a multicast remote is refused" \
	"remote address must be a unicast address" \
	ip netns exec "$hostA" trellisd egre add egx local 192.0.2.1 remote 224.0.0.5 key 1
check_error "missing key is refused" "required" \
	ip netns exec "$hostA" trellisd egre add egx local 192.0.2.1 remote 192.0.2.2

# changelink live: checksums and sequence numbers on both ends, traffic
# still flows, and the MTU follows the longer header.
check "turn on csum and seq at both ends" bash -c "
	ip netns exec $hostA trellisd egre set eg7 csum seq ttl 9 &&
	ip netns exec $hostB trellisd egre set eg7 csum seq ttl 9"
check_value "MTU follows the longer header (1450)" 1450 link_attr "$hostA" eg7 mtu
check_output "show reflects the change" "ttl 9 tos 0 pmtudisc csum seq mtu 1450" \
	ip netns exec "$hostA" trellisd egre show eg7
check "ping with checksums and sequence numbers" \
	wait_for 60 ip netns exec "$inA" ping -c 1 -W 1 -s 1000 198.51.100.2
check "back to nocsum noseq" bash -c "
	ip netns exec $hostA trellisd egre set eg7 nocsum noseq &&
	ip netns exec $hostB trellisd egre set eg7 nocsum noseq"
check_value "MTU back to 1458" 1458 link_attr "$hostA" eg7 mtu

# Path MTU: the underlay shrinks to 1400, so at most 1400 - 42 = 1358 bytes
# of inner IP fit; a DF packet gets ICMP fragmentation-needed back.
ip -n "$hostA" link set ul mtu 1400
ip -n "$hostB" link set ul mtu 1400
big0=$(ethtool_stat "$hostA" eg7 tx_drop_too_big)
check_error "bridged sender gets fragmentation-needed (mtu 1358)" "mtu = 1358" \
	ip netns exec "$inA" ping -c 1 -W 2 -M do -s 1400 198.51.100.2
big1=$(ethtool_stat "$hostA" eg7 tx_drop_too_big)
check_grew "too-big frame counted on eg7 (tx_drop_too_big)" "$big0" "$big1"
check_error "routed sender gets fragmentation-needed (mtu 1358)" "1358" \
	ip netns exec "$hostA" ping -c 2 -W 2 -M do -s 1400 203.0.113.2
check "a packet that fits still passes" \
	ip netns exec "$inA" ping -c 1 -W 2 -M do -s 1300 198.51.100.2
check "a non-DF packet too big for the path is fragmented outside" \
	ip netns exec "$inA" ping -c 1 -W 2 -M dont -s 1400 198.51.100.2

check_output "ethtool -S lists the drop counters" "rx_drop_bad_csum" \
	ip netns exec "$hostA" ethtool -S eg7
check_output "/proc/net/egre lists the namespace's drop counters" "unknown_key" \
	ip netns exec "$hostA" cat /proc/net/egre
