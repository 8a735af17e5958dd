#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# FRR OSPFv2 in a ring of four virtual hosts, built by hand with the configs
# of topo/ospf-ring/ and run the way trellisd runs them: each host has its
# own network, mount and UTS namespaces with a private /etc/frr and /run,
# and the daemons run in the foreground under a supervisor (here, this
# script), logging to files outside the host.
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
# Checks: every router learns every loopback (polled from
# `show ip route json'); pings between loopbacks; failing r1-r2 makes r1
# reach r2 the other way round; restoring it brings the short path back;
# stopping leaves no daemon process.
#
# timeout: 900

. "$(dirname "$0")/../lib.sh"

require_cmd ip vtysh jq nsenter unshare
[ -x /usr/lib/frr/zebra ] || { skip "routing_ospf" "FRR is not installed (scripts/deps)"; exit 0; }

WORK=$(mktemp -d /tmp/routing-ospf.XXXXXX)
defer rm -rf "$WORK"
CONF=$TOP/topo/ospf-ring
declare -A NS HOLDER

# vhost NAME: a namespace plus a holder process in its own mount and UTS
# namespaces, with /etc/frr and /run private to it.
vhost() {
	local h=$1 ns
	ns_add ns "$h"
	NS[$h]=$ns
	mkdir -p "$WORK/$h/etc-frr" "$WORK/$h/log"
	ip netns exec "$ns" unshare --mount --uts --propagation private sh -c "
		mount --bind $WORK/$h/etc-frr /etc/frr &&
		mount -t tmpfs -o mode=0755 tmpfs /run &&
		install -d -o frr -g frr -m 0755 /run/frr &&
		hostname $h && exec sleep infinity" &
	HOLDER[$h]=$!
	defer kill "${HOLDER[$h]}"
	wait_for 30 grep -q sleep "/proc/${HOLDER[$h]}/comm"
}

# on HOST CMD...: runs CMD in the host's namespaces.
on() {
	local h=$1
	shift
	nsenter -t "${HOLDER[$h]}" -n -m -u -- "$@"
}

# frr_start HOST DAEMON...: installs the host's frr.conf and daemons file,
# starts each daemon in the foreground (zebra first), waits for its vty
# socket, then applies the integrated config with `vtysh -b'.
frr_start() {
	local h=$1 d pid
	shift
	install -m 0640 -g frr "$CONF/$h/frr.conf" "$WORK/$h/etc-frr/frr.conf"
	printf 'service integrated-vtysh-config\n' > "$WORK/$h/etc-frr/vtysh.conf"
	{
		for d in "$@"; do echo "$d=yes"; done
	} > "$WORK/$h/etc-frr/daemons"
	for d in "$@"; do
		on "$h" /usr/lib/frr/"$d" --log stdout -A 127.0.0.1 \
			> "$WORK/$h/log/$d.log" 2>&1 &
		pid=$!
		defer kill "$pid"
		wait_for 120 test -S "/proc/${HOLDER[$h]}/root/run/frr/$d.vty" || return 1
	done
	on "$h" vtysh -b >> "$WORK/$h/log/vtysh.log" 2>&1
}

link() {	# h1 if1 addr1 h2 if2 addr2
	ip link add "$2-$1" type veth peer name "$5-$4" || return 1
	ip link set "$2-$1" netns "${NS[$1]}" name "$2"
	ip link set "$5-$4" netns "${NS[$4]}" name "$5"
	ip -n "${NS[$1]}" addr add "$3" dev "$2"
	ip -n "${NS[$4]}" addr add "$6" dev "$5"
	ip -n "${NS[$1]}" link set "$2" up
	ip -n "${NS[$4]}" link set "$5" up
}

for n in 1 2 3 4; do
	vhost r$n || { fail "create host r$n" "holder did not start"; exit 1; }
	ip -n "${NS[r$n]}" addr add 10.255.0.$n/32 dev lo
	ip netns exec "${NS[r$n]}" sysctl -qw net.ipv4.ip_forward=1
done
link r1 eth0 10.0.12.1/30 r2 eth1 10.0.12.2/30
link r2 eth0 10.0.23.1/30 r3 eth1 10.0.23.2/30
link r3 eth0 10.0.34.1/30 r4 eth1 10.0.34.2/30
link r4 eth0 10.0.41.1/30 r1 eth1 10.0.41.2/30

check "host r1 sees its own hostname" test "$(on r1 hostname)" = r1
check "host r1 sees its own /etc/frr" on r1 test ! -e /etc/frr/support_bundle_commands.conf

t0=$SECONDS
for n in 1 2 3 4; do
	check "r$n: zebra and ospfd start, vtysh -b applies frr.conf" frr_start r$n zebra ospfd
done
echo "	all daemons started in $((SECONDS - t0)) s"
t0=$SECONDS

# has_route HOST PREFIX [NEXTHOP-IF]: the FIB of HOST holds PREFIX from
# OSPF (out of NEXTHOP-IF if given).
has_route() {
	on "$1" vtysh -c "show ip route $2 json" |
		jq -e --arg p "$2" --arg i "${3:-}" '.[$p][] | select(.protocol == "ospf" and .selected == true) |
			select($i == "" or any(.nexthops[]; .interfaceName == $i and .active == true))' >/dev/null
}

all_loopbacks() {
	local h n
	for h in r1 r2 r3 r4; do
		for n in 1 2 3 4; do
			[ "$h" = r$n ] && continue
			has_route "$h" 10.255.0.$n/32 || return 1
		done
	done
}

if wait_for 120 all_loopbacks; then
	ok "every router has every loopback from OSPF"
	echo "	converged $((SECONDS - t0)) s after the last config was applied"
else
	fail "every router has every loopback from OSPF" \
		"$(on r1 vtysh -c 'show ip ospf neighbor'; on r1 vtysh -c 'show ip route')"
fi
check_output "r1 has two full OSPF neighbours" "2" \
	sh -c "nsenter -t ${HOLDER[r1]} -n -m -- vtysh -c 'show ip ospf neighbor json' |
		jq '[.neighbors[][] | select((.state // .nbrState // \"\") | startswith(\"Full\"))] | length'"
check "r1 reaches r3's loopback from its own" on r1 ping -c 2 -W 2 -I 10.255.0.1 10.255.0.3
check "r1 reaches r2 directly (via eth0)" has_route r1 10.255.0.2/32 eth0

# Fail the r1-r2 link: OSPF routes round the ring, r1 -> r4 -> r3 -> r2.
ip -n "${NS[r1]}" link set eth0 down
t0=$SECONDS
if wait_for 60 has_route r1 10.255.0.2/32 eth1; then
	ok "r1-r2 down: r1 reaches r2 the long way (via eth1)"
	echo "	rerouted in $((SECONDS - t0)) s"
else
	fail "r1-r2 down: r1 reaches r2 the long way (via eth1)" "$(on r1 vtysh -c 'show ip route')"
fi
wait_for 30 has_route r2 10.255.0.1/32 eth0
check "r1-r2 down: ping r1 -> r2 loopbacks still reaches" \
	on r1 ping -c 2 -W 2 -I 10.255.0.1 10.255.0.2
check_output "r1-r2 down: the kernel forwards r1 -> r2 out of eth1" "dev eth1" \
	on r1 ip route get 10.255.0.2

ip -n "${NS[r1]}" link set eth0 up
t0=$SECONDS
if wait_for 60 has_route r1 10.255.0.2/32 eth0; then
	ok "r1-r2 back up: r1 reaches r2 directly again"
	echo "	restored in $((SECONDS - t0)) s"
else
	fail "r1-r2 back up: r1 reaches r2 directly again" "$(on r1 vtysh -c 'show ip route')"
fi
check "r1-r2 back up: ping r1 -> r2 loopbacks" on r1 ping -c 2 -W 2 -I 10.255.0.1 10.255.0.2
check "ospfd logged its adjacencies to its own log file" \
	grep -q 'Full' "$WORK/r1/log/ospfd.log"

# Stop: SIGTERM every daemon, then nothing of FRR may remain.
frr_pids() {
	local p
	for p in $(pgrep -x 'zebra|ospfd'); do
		case $(readlink "/proc/$p/ns/net") in
		"$(readlink /proc/${HOLDER[r1]}/ns/net)"|"$(readlink /proc/${HOLDER[r2]}/ns/net)"|\
		"$(readlink /proc/${HOLDER[r3]}/ns/net)"|"$(readlink /proc/${HOLDER[r4]}/ns/net)") echo "$p" ;;
		esac
	done
}
pkill_ours() { local p; for p in $(frr_pids); do kill "$p"; done; }
pkill_ours
if wait_for 30 sh -c "[ -z \"\$(pgrep -x 'zebra|ospfd')\" ]"; then
	ok "after stopping, no zebra or ospfd process is left"
else
	fail "after stopping, no zebra or ospfd process is left" "$(ps -o pid,comm,args -C zebra,ospfd)"
fi
