#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shortbridge forwards frames between its two ports, unchanged, in both
# directions: over a veth <-> veth join, and over veth <-> tunnel joins with
# the in-tree gretap and with our egre between two namespaces standing for
# two machines.
#
# 1. veth <-> shortbridge <-> veth
#
#   +-- h1 -----------+   +-- sw ---------------------+   +-- h2 -----------+
#   | v1              |   |  s1 ==shortbridge==  s2   |   |              v2 |
#   | 192.0.2.1/24    +---+ (veth)            (veth)  +---+ 192.0.2.2/24    |
#   | 2001:db8::1/64  |   |                           |   | 2001:db8::2/64  |
#   | v1.100          |   +---------------------------+   | v2.100          |
#   | 203.0.113.1/24  |                                   | 203.0.113.2/24  |
#   +-----------------+                                   +-----------------+
#
# 2. veth <-> shortbridge <-> gretap (3. the same with egre)
#
#   +-- h1 ---------+  +-- m1 -------------------+  +-- m2 -------------------+  +-- h2 ---------+
#   | v1            |  | s1 =sb= t1 (gretap)     |  |     (gretap) t2 =sb= s2 |  |            v2 |
#   | 198.51.100.1  +--+         u1 192.0.2.1 ---+--+--- 192.0.2.2 u2         +--+ 198.51.100.2  |
#   +---------------+  +-------------------------+  +-------------------------+  +---------------+
#                          underlay veth u1 <-> u2, tunnel key 42
#
# timeout: 600
# cost: 166

. "$(dirname "$0")/../lib.sh"

require_cmd ip ping python3 jq
# Each part starts from a freshly loaded module and cleans up after itself.
load_sb() {
	insmod_built shortbridge || { fail "load shortbridge.ko" "insmod failed"; exit 1; }
	defer rmmod shortbridge
}
load_sb

# Packets forwarded in one direction of the join holding $2, in namespace $1.
sb_packets() {	# ns in-dev
	ip netns exec "$1" "$TRELLISD" sb show "$2" |
		awk -v d="$2" '$1 == d { print $3 }'
}

# TCP through the join: 1 MiB from $1 to $3 (listener in $2), complete and
# unchanged (the listener's SHA-256 of what it got, against the sender's).
# A fixed amount, not a rate: how fast it goes depends on the machine.
tcp_listen() {	# addr: prints "bytes sha256" of one connection's data
	python3 -c '
import hashlib, socket, sys
s = socket.create_server((sys.argv[1], 5201))
c, _ = s.accept()
h, n = hashlib.sha256(), 0
while (b := c.recv(65536)):
	h.update(b); n += len(b)
print(n, h.hexdigest())' "$1"
}
tcp_send() {	# addr: sends 1 MiB, prints its sha256
	python3 -c '
import hashlib, socket, sys
data = bytes(range(256)) * 4096
socket.create_connection((sys.argv[1], 5201), timeout=60).sendall(data)
print(hashlib.sha256(data).hexdigest())' "$1"
}
check_tcp() {	# name client-ns server-ns server-addr
	local got sent out
	out=$(mktemp)
	ip netns exec "$3" timeout 120 bash -c "$(declare -f tcp_listen); tcp_listen $4" > "$out" 2>&1 &
	if wait_for 60 ip netns exec "$3" sh -c "ss -ltn | grep -q '$4:5201'"; then
		sent=$(ip netns exec "$2" timeout 120 bash -c "$(declare -f tcp_send); tcp_send $4" 2>&1)
	fi
	wait
	got=$(cat "$out"); rm -f "$out"
	if [ -n "$sent" ] && [ "$got" = "1048576 $sent" ]; then
		ok "$1"
	else
		fail "$1" "sent 1048576 bytes, sha256 ${sent:-none}; the listener got: ${got:-nothing}"
	fi
}

# --- 1. veth <-> veth --------------------------------------------------------
ns_add h1 sb-h1
ns_add h2 sb-h2
ns_add sw sb-sw
ip link add v1 netns "$h1" type veth peer name s1 netns "$sw"
ip link add v2 netns "$h2" type veth peer name s2 netns "$sw"
ip -n "$h1" addr add 192.0.2.1/24 dev v1
ip -n "$h2" addr add 192.0.2.2/24 dev v2
ip -n "$h1" addr add 2001:db8::1/64 dev v1 nodad
ip -n "$h2" addr add 2001:db8::2/64 dev v2 nodad
ip -n "$h1" link add link v1 name v1.100 type vlan id 100
ip -n "$h2" link add link v2 name v2.100 type vlan id 100
ip -n "$h1" addr add 203.0.113.1/24 dev v1.100
ip -n "$h2" addr add 203.0.113.2/24 dev v2.100
for l in "$h1 v1" "$h1 v1.100" "$h2 v2" "$h2 v2.100" "$sw s1" "$sw s2"; do
	set -- $l
	ip -n "$1" link set "$2" up
done

check_fails "veth-veth: no path before the join" \
	ip netns exec "$h1" ping -c 1 -W 1 192.0.2.2
check "veth-veth: join s1 and s2" \
	ip netns exec "$sw" "$TRELLISD" sb add s1 s2
check "veth-veth: IPv4 ping" \
	wait_for 60 ip netns exec "$h1" ping -c 1 -W 1 192.0.2.2
check "veth-veth: IPv6 ping, 3 of 3 replies" \
	all_answered ip netns exec "$h1" ping -c 3 -i 0.2 -W 2 2001:db8::2
check "veth-veth: VLAN-tagged ping, 3 of 3 replies" \
	all_answered ip netns exec "$h1" ping -c 3 -i 0.2 -W 2 203.0.113.2
check "veth-veth: 1500-byte ping (full MTU, DF set), 3 of 3 replies" \
	all_answered ip netns exec "$h1" ping -c 3 -i 0.2 -W 2 -M do -s 1472 192.0.2.2
before=$(sb_packets "$sw" s1)
check_tcp "veth-veth: 1 MiB over TCP, complete and unchanged" "$h1" "$h2" 192.0.2.2
after=$(sb_packets "$sw" s1)
# 1 MiB needs at least 16 frames, even as 64 KiB GSO super-frames.
if [ $((after - before)) -ge 16 ]; then
	ok "veth-veth: the TCP frames went through the join"
else
	fail "veth-veth: the TCP frames went through the join" \
		"s1 -> s2 packets: $before before, $after after"
fi
check "veth-veth: unjoin" ip netns exec "$sw" "$TRELLISD" sb del s2
check_fails "veth-veth: no path after the unjoin" \
	ip netns exec "$h1" ping -c 1 -W 1 192.0.2.2
run_deferred
load_sb

# --- 2. and 3. veth <-> tunnel, two "machines" -----------------------------
# $1: gretap or egre. Builds the topology above with tunnel devices t1, t2.
tunnel_topology() {
	local kind=$1
	ns_add h1 sb-h1
	ns_add h2 sb-h2
	ns_add m1 sb-m1
	ns_add m2 sb-m2
	veth_link "$m1" u1 "$m2" u2 192.0.2.1/24 192.0.2.2/24 || return 1
	if [ "$kind" = gretap ]; then
		ip -n "$m1" link add t1 type gretap local 192.0.2.1 remote 192.0.2.2 key 42 || return 1
		ip -n "$m2" link add t2 type gretap local 192.0.2.2 remote 192.0.2.1 key 42 || return 1
	else
		ip netns exec "$m1" "$TRELLISD" egre add t1 local 192.0.2.1 remote 192.0.2.2 key 42 || return 1
		ip netns exec "$m2" "$TRELLISD" egre add t2 local 192.0.2.2 remote 192.0.2.1 key 42 || return 1
	fi
	ip link add v1 netns "$h1" type veth peer name s1 netns "$m1"
	ip link add v2 netns "$h2" type veth peer name s2 netns "$m2"
	# The virtual hosts' MTU is the tunnel's (GUEST-NOTES: or TCP stalls).
	local mtu
	mtu=$(ip -n "$m1" -j link show t1 | jq '.[0].mtu')
	ip -n "$h1" link set v1 mtu "$mtu"
	ip -n "$h2" link set v2 mtu "$mtu"
	ip -n "$m1" link set s1 mtu "$mtu"
	ip -n "$m2" link set s2 mtu "$mtu"
	ip -n "$h1" addr add 198.51.100.1/24 dev v1
	ip -n "$h2" addr add 198.51.100.2/24 dev v2
	for l in "$h1 v1" "$h2 v2" "$m1 s1" "$m1 t1" "$m2 s2" "$m2 t2"; do
		set -- $l
		ip -n "$1" link set "$2" up
	done
	TUN_MTU=$mtu
}

tunnel_checks() {	# kind
	local kind=$1
	check "veth-$kind: join on machine 1" \
		ip netns exec "$m1" "$TRELLISD" sb add s1 t1
	check "veth-$kind: join on machine 2" \
		ip netns exec "$m2" "$TRELLISD" sb add t2 s2
	check "veth-$kind: ping across the tunnel" \
		wait_for 60 ip netns exec "$h1" ping -c 1 -W 1 198.51.100.2
	check "veth-$kind: full-size ping (MTU $TUN_MTU, DF set), 3 of 3 replies" \
		all_answered ip netns exec "$h1" ping -c 3 -i 0.2 -W 2 -M do -s $((TUN_MTU - 28)) 198.51.100.2
	check_tcp "veth-$kind: 1 MiB over TCP, complete and unchanged" "$h1" "$h2" 198.51.100.2
	local fwd
	fwd=$(sb_packets "$m2" t2)
	if [ "${fwd:-0}" -ge 16 ]; then	# 1 MiB in 64 KiB frames at least
		ok "veth-$kind: machine 2 forwarded tunnel -> veth ($fwd frames)"
	else
		fail "veth-$kind: machine 2 forwarded tunnel -> veth" "t2 -> s2 packets: ${fwd:-none}"
	fi
}

modprobe ip_gre 2>/dev/null
if tunnel_topology gretap; then
	tunnel_checks gretap
else
	fail "veth-gretap: topology" "could not create gretap devices"
fi
run_deferred
load_sb

# egre: ip_gre and egre both want GRE (the gre demultiplexer takes one
# handler per GRE version), so ip_gre goes first.
rmmod ip_gre gre 2>/dev/null
if ! insmod_built egre; then
	fail "veth-egre: load egre.ko" "insmod failed"
else
	defer rmmod egre
	if tunnel_topology egre; then
		tunnel_checks egre
	else
		fail "veth-egre: topology" "could not create egre devices"
	fi
fi
