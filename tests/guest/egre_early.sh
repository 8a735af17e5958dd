#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# egre's early receive (kernel/egre/underlay.c): a tunnel bound to its
# underlay takes its packets before IPv4 does, but only while IPv4 would
# have delivered them to it unchanged.
#
#  +--- $hostA ---------------+             +--- $hostB ---------------+
#  |  eg7 203.0.113.1 (dev ul)|  key 7      |  eg7 203.0.113.2 (dev ul)|
#  |  eg8 198.18.0.1  (any)   |  key 8      |  eg8 198.18.0.2  (any)   |
#  |   ul 192.0.2.1/24 ===================== ul 192.0.2.2/24 (veth)    |
#  +--------------------------+             +--------------------------+
#
# Checks: packets of the bound tunnel are taken early and counted in IPv4's
# statistics; the unbound tunnel's never are; a netfilter hook, a raw GRE
# socket or a routing change (the underlay address removed) sends them
# the ordinary way, with the ordinary outcome; the underlay's rx_handler is
# held while a bound tunnel exists and given back with the last one; the
# underlay deleted and the module unloaded under a flood.
# timeout: 600
# cost: 173
source "$(dirname "$0")/../lib.sh"
require_cmd ethtool nft nstat python3 jq

insmod_built egre || { fail "egre loads" "insmod failed"; exit 1; }
defer rmmod egre

ns_add hostA early-hostA
ns_add hostB early-hostB
# No IPv6 chatter (router solicitations, MLD) inside the tunnels: it would
# add GRE packets to the IPv4 counters compared below.
ipv6_off "$hostA"
ipv6_off "$hostB"
veth_link "$hostA" ul "$hostB" ul 192.0.2.1/24 192.0.2.2/24

bound_up() { egre_up "$@" dev ul; }	# ns name local remote key addr
check "bound tunnel at A" bound_up "$hostA" eg7 192.0.2.1 192.0.2.2 7 203.0.113.1/24
check "bound tunnel at B" bound_up "$hostB" eg7 192.0.2.2 192.0.2.1 7 203.0.113.2/24
check "unbound tunnel at A" egre_up "$hostA" eg8 192.0.2.1 192.0.2.2 8 198.18.0.1/24
check "unbound tunnel at B" egre_up "$hostB" eg8 192.0.2.2 192.0.2.1 8 198.18.0.2/24

early() { ethtool_stat "$hostB" "${1:-eg7}" rx_early; }
# ping_b [ADDR [COUNT]]: pings from A (exits 0 on any reply); pings_b:
# the same, every echo request answered.
ping_b() { ip netns exec "$hostA" ping -c "${2:-5}" -i 0.1 -W 2 "${1:-203.0.113.2}"; }
pings_b() { all_answered ping_b "$@"; }
snmp() { ip netns exec "$hostB" nstat -az "$1" | awk -v k="$1" '$1 == k { print $2 }'; }
# no_growth "name" BEFORE AFTER
no_growth()
{
	if [ "$2" = "$3" ]; then ok "$1 ($2)"; else fail "$1" "counter $2 -> $3"; fi
}

check "ping through the bound tunnel" wait_for 60 ping_b 203.0.113.2 1

check "ping through the unbound tunnel" wait_for 60 ping_b 198.18.0.2 1

# IPv4's counters grow by as much for 5 pings taken early as for 5 taken the
# ordinary way (through the unbound tunnel).  Permanent neighbour entries
# keep ARP out of the tunnels; anything else in the background (a timer's
# packet) is ridden out by measuring up to three times.
neigh_pin "$hostA" eg7 203.0.113.2 "$hostB" eg7
neigh_pin "$hostB" eg7 203.0.113.1 "$hostA" eg7
neigh_pin "$hostA" eg8 198.18.0.2 "$hostB" eg8
neigh_pin "$hostB" eg8 198.18.0.1 "$hostA" eg8
ipv4_growth()	# address: InReceives and InDelivers growth over 5 pings
{
	local r0 d0
	r0=$(snmp IpInReceives); d0=$(snmp IpInDelivers)
	pings_b "$1" >/dev/null || return 1
	echo "$(($(snmp IpInReceives) - r0)) $(($(snmp IpInDelivers) - d0))"
}
e0=$(early)
for try in 1 2 3; do
	slow=$(ipv4_growth 198.18.0.2)
	fast=$(ipv4_growth 203.0.113.2)
	[ -n "$slow" ] && [ "$slow" = "$fast" ] && break
done
e1=$(early)
if [ $((e1 - e0)) -ge 5 ]; then
	ok "the echo requests were taken early ($e0 -> $e1)"
else
	fail "the echo requests were taken early" "rx_early $e0 -> $e1"
fi
if [ -n "$slow" ] && [ "$slow" = "$fast" ]; then
	ok "IPv4 counts early packets as its own (InReceives, InDelivers +$fast; try $try)"
else
	fail "IPv4 counts early packets as its own" "ordinary path: +${slow:-?}, early: +${fast:-?} (3 tries)"
fi
check_value "the unbound tunnel takes nothing early" 0 early eg8

# A netfilter hook sees every GRE packet: the early path steps aside.
nft_b() { ip netns exec "$hostB" nft "$@"; }
check "a PREROUTING chain counting GRE at B" nft_b -f - <<-'NFT'
	table ip early {
		chain pre {
			type filter hook prerouting priority 0;
			ip protocol gre counter
		}
	}
NFT
gre_seen() { nft_b -j list chain ip early pre | jq '[.nftables[].rule.expr[]? | .counter.packets? // empty] | add'; }
e0=$(early)
check "5 pings with the hook in place" pings_b
e1=$(early)
no_growth "nothing taken early while the hook exists" "$e0" "$e1"
n=$(gre_seen)
if [ "${n:-0}" -ge 5 ]; then ok "the hook saw the GRE packets ($n)"; else fail "the hook saw the GRE packets" "counter ${n:-none}"; fi
nft_b delete table ip early
check "5 pings after the hook is gone" pings_b
e2=$(early)
check_grew "taken early again once the hook is gone" "$e1" "$e2"

# A raw socket for GRE gets a copy of every GRE packet.
raw_out=$(mktemp)
defer rm -f "$raw_out"
ip netns exec "$hostB" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
s.settimeout(0.2)
print("ready", flush=True)
# Open until the 5 echo requests are in (or a loaded machine gave up).
n, end = 0, time.time() + 120
while n < 5 and time.time() < end:
    try:
        s.recv(2048); n += 1
    except socket.timeout:
        pass
print(n, flush=True)' > "$raw_out" &
raw_pid=$!
wait_for 60 grep -q ready "$raw_out"
e0=$(early)
check "5 pings with a raw GRE socket open" pings_b
e1=$(early)
wait "$raw_pid"
no_growth "nothing taken early while a raw GRE socket is open" "$e0" "$e1"
n=$(tail -n 1 "$raw_out")
if [ "${n:-0}" -ge 5 ]; then ok "the raw socket received the GRE packets ($n)"; else fail "the raw socket received the GRE packets" "$(cat "$raw_out")"; fi

# The underlay address removed: IPv4 no longer delivers the tunnel's
# packets locally, and neither may the early path.
check "5 pings to relearn" pings_b
ip -n "$hostB" addr del 192.0.2.2/24 dev ul
ip -n "$hostB" neigh replace 192.0.2.1 lladdr "$(mac_of "$hostA" ul)" dev ul
ip -n "$hostA" neigh replace 192.0.2.2 lladdr "$(mac_of "$hostB" ul)" dev ul
e0=$(early)
check_fails "no ping passes once B's underlay address is gone" ping_b 203.0.113.2 3
e1=$(early)
no_growth "nothing taken early for an address that is no longer local" "$e0" "$e1"
ip -n "$hostB" addr add 192.0.2.2/24 dev ul
check "pings pass once the address is back" wait_for 60 ping_b 203.0.113.2 1
check "5 more pings" pings_b
e2=$(early)
check_grew "taken early again" "$e1" "$e2"

# The rx_handler: held while a bound tunnel exists, given back with it.
ip -n "$hostB" link add brx type bridge
check_fails "the held underlay cannot become a bridge port" \
	ip -n "$hostB" link set ul master brx
ip -n "$hostB" link del eg7
check "the underlay can become a bridge port once its bound tunnel is gone" \
	ip -n "$hostB" link set ul master brx
check "a bound tunnel over a bridge port is created (IPv4 path only)" \
	bound_up "$hostB" eg7 192.0.2.2 192.0.2.1 7 203.0.113.2/24
ip -n "$hostB" link set ul nomaster
ip -n "$hostB" link del eg7
check "bound tunnel at B again" bound_up "$hostB" eg7 192.0.2.2 192.0.2.1 7 203.0.113.2/24
neigh_pin "$hostA" eg7 203.0.113.2 "$hostB" eg7	# B's new eg7 has a new MAC address
check "ping through the re-created tunnel" wait_for 60 ping_b 203.0.113.2 1
check "5 more pings" pings_b
check_grew "the re-created tunnel takes packets early" 0 "$(early)"

# Under a flood: the underlay deleted, then the module unloaded.  The
# flood runs until killed, and is seen arriving before anything is deleted.
flood() { ip netns exec "$hostA" ping -f -q "$1" >/dev/null 2>&1 & fpid=$!; }
rx_above() { local r; r=$(link_stat "$1" "$2" rx_packets) && [ "$r" -gt "$3" ]; }
flowing() {	# ns dev: DEV receives 200 more frames
	local r0
	r0=$(link_stat "$1" "$2" rx_packets) && wait_for 120 rx_above "$1" "$2" $((r0 + 200))
}
flood 203.0.113.2
check "the flood arrives through eg7 at B" flowing "$hostB" eg7
check "the underlay deleted under a flood" ip -n "$hostB" link del ul
check "the tunnel stays, unbound" \
	bash -c "ip netns exec $hostB $TRELLISD egre show eg7 | grep -q 'dev any'"
kill "$fpid"
wait "$fpid"
veth_link "$hostA" ul "$hostB" ul 192.0.2.1/24 192.0.2.2/24
check "a new bound tunnel on the new underlay" \
	bound_up "$hostB" eg9 192.0.2.2 192.0.2.1 9 198.51.100.2/24
check "and at A" bound_up "$hostA" eg9 192.0.2.1 192.0.2.2 9 198.51.100.1/24
check "ping through it" wait_for 60 ping_b 198.51.100.2 1
flood 198.51.100.2
e0=$(early eg9)
check "the flood arrives through the bound eg9 at B" flowing "$hostB" eg9
check_grew "... taken early" "$e0" "$(early eg9)"
check "egre unloads under a flood through a bound tunnel" rmmod egre
kill "$fpid"
wait "$fpid"
check "egre loads again" insmod_built egre
