#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# BGP between FRR and BIRD: three autonomous systems in a triangle, built by
# hand with the configs of topo/bgp-mixed/ and run the way trellisd runs
# them (own mount and UTS namespaces per host, private /etc and /run, so
# vtysh and birdc work with their default paths; foreground daemons
# logging to files outside the host).
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
# loopback through BIRD too (AS path 65002 65003), and BIRD passes FRR's
# routes on; pings between loopbacks; no daemon is left after stopping.
#
# timeout: 900

. "$(dirname "$0")/../lib.sh"

require_cmd ip vtysh birdc bird jq nsenter unshare
[ -x /usr/lib/frr/bgpd ] || { skip "routing_bgp" "FRR is not installed (scripts/deps)"; exit 0; }
CONF=$TOP/topo/bgp-mixed

WORK=$(mktemp -d /tmp/routing.XXXXXX)
defer rm -rf "$WORK"
declare -A NS HOLDER

# vhost NAME: a namespace plus a holder process in its own mount and UTS
# namespaces, with /etc/frr, /etc/bird and /run private to it (what
# trellisd gives every virtual host).
vhost() {
	local h=$1 ns
	ns_add ns "$h"
	NS[$h]=$ns
	mkdir -p "$WORK/$h/etc-frr" "$WORK/$h/etc-bird" "$WORK/$h/log"
	ip netns exec "$ns" unshare --mount --uts --propagation private sh -c "
		mount --bind $WORK/$h/etc-frr /etc/frr &&
		mount --bind $WORK/$h/etc-bird /etc/bird &&
		mount -t tmpfs -o mode=0755 tmpfs /run &&
		install -d -o frr -g frr -m 0755 /run/frr &&
		install -d -m 0755 /run/bird &&
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

# frr_start HOST CONF DAEMON...: installs CONF as the host's frr.conf with a
# daemons file, starts each daemon in the foreground (zebra first), logging
# to a file outside the host, waits for its vty socket, then applies the
# integrated config with `vtysh -b'.
frr_start() {
	local h=$1 conf=$2 d pid
	shift 2
	install -m 0640 -g frr "$conf" "$WORK/$h/etc-frr/frr.conf"
	printf 'service integrated-vtysh-config\n' > "$WORK/$h/etc-frr/vtysh.conf"
	for d in "$@"; do echo "$d=yes"; done > "$WORK/$h/etc-frr/daemons"
	for d in "$@"; do
		on "$h" /usr/lib/frr/"$d" --log stdout -A 127.0.0.1 \
			> "$WORK/$h/log/$d.log" 2>&1 &
		pid=$!
		defer kill "$pid"
		wait_for 120 test -S "/proc/${HOLDER[$h]}/root/run/frr/$d.vty" || return 1
	done
	on "$h" vtysh -b >> "$WORK/$h/log/vtysh.log" 2>&1
}

# bird_start HOST CONF: BIRD in the foreground with the default paths
# (/etc/bird/bird.conf, /run/bird/bird.ctl).
bird_start() {
	local h=$1 pid
	install -m 0644 "$2" "$WORK/$h/etc-bird/bird.conf"
	on "$h" bird -f > "$WORK/$h/log/bird.log" 2>&1 &
	pid=$!
	defer kill "$pid"
	wait_for 60 test -S "/proc/${HOLDER[$h]}/root/run/bird/bird.ctl"
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

router() {	# name n: a host with loopback 10.255.0.n/32, forwarding on
	vhost "$1" || { fail "create host $1" "its holder did not start"; exit 1; }
	ip -n "${NS[$1]}" addr add "10.255.0.$2/32" dev lo
	ip netns exec "${NS[$1]}" sysctl -qw net.ipv4.ip_forward=1
}

# After stopping: no process of these names is left anywhere in the guest.
check_none_left() {	# name pattern
	if wait_for 30 sh -c "! pgrep -x '$2' >/dev/null"; then
		ok "$1"
	else
		fail "$1" "$(ps -o pid,args -p "$(pgrep -d, -x "$2")")"
	fi
}

stop_all() {	# pattern: SIGTERM to the daemons we started
	local p
	for p in $(pgrep -x "$1"); do kill "$p"; done
}

router r1 1
router r2 2
router r3 3
link r1 eth0 10.0.12.1/30 r2 eth0 10.0.12.2/30
link r2 eth1 10.0.23.1/30 r3 eth0 10.0.23.2/30
link r1 eth1 10.0.13.1/30 r3 eth1 10.0.13.2/30

t0=$SECONDS
check "r1: zebra and bgpd start with frr.conf" frr_start r1 "$CONF/r1/frr.conf" zebra bgpd
check "r2: bird starts with bird.conf" bird_start r2 "$CONF/r2/bird.conf"
check "r3: zebra and bgpd start with frr.conf" frr_start r3 "$CONF/r3/frr.conf" zebra bgpd
echo "	all daemons started in $((SECONDS - t0)) s"
t0=$SECONDS

frr_established() {	# host peer
	on "$1" vtysh -c 'show ip bgp summary json' |
		jq -e --arg p "$2" '.ipv4Unicast.peers[$p].state == "Established"' >/dev/null
}
bird_established() {	# host protocol
	on "$1" birdc show protocols "$2" | grep -q Established
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

if wait_for 120 all_up; then
	ok "all six BGP session ends are Established (FRR and BIRD)"
	echo "	in $((SECONDS - t0)) s after the last daemon started"
else
	fail "all six BGP session ends are Established (FRR and BIRD)" \
		"$(on r1 vtysh -c 'show ip bgp summary'; on r2 birdc show protocols)"
fi
check "FRR r1 <- BIRD r2: 10.255.0.2/32 installed from BGP" wait_for 60 frr_bgp_route r1 10.255.0.2/32
check "FRR r3 <- BIRD r2: 10.255.0.2/32 installed from BGP" wait_for 60 frr_bgp_route r3 10.255.0.2/32
check "FRR r1 <- FRR r3: 10.255.0.3/32 installed from BGP" wait_for 60 frr_bgp_route r1 10.255.0.3/32
check_output "BIRD r2 <- FRR r1: 10.255.0.1/32 with AS path 65001" "65001" \
	on r2 birdc show route 10.255.0.1/32 all
check_output "BIRD r2 installed 10.255.0.3/32 in its kernel table" "10.255.0.3" \
	on r2 ip route show proto bird
frr_transit() {
	on r1 vtysh -c 'show ip bgp 10.255.0.3/32 json' |
		jq -e '[.paths[].aspath.string] | index("65002 65003") != null' >/dev/null
}
check "FRR r1 also learns r3 through BIRD (AS path 65002 65003)" wait_for 60 frr_transit
check "ping r1 -> r2 loopbacks (FRR to BIRD)" on r1 ping -c 2 -W 2 -I 10.255.0.1 10.255.0.2
check "ping r2 -> r3 loopbacks (BIRD to FRR)" on r2 ping -c 2 -W 2 -I 10.255.0.2 10.255.0.3

# Fail r1-r3: r1 reaches r3 through BIRD.
ip -n "${NS[r1]}" link set eth1 down
via_r2() {
	on r1 vtysh -c 'show ip route 10.255.0.3/32 json' |
		jq -e '.["10.255.0.3/32"][] | select(.selected == true) | .nexthops[] | select(.ip == "10.0.12.2")' >/dev/null
}
check "r1-r3 down: r1 reaches r3's loopback through BIRD r2" wait_for 60 via_r2
check "r1-r3 down: ping r1 -> r3 loopbacks" on r1 ping -c 2 -W 2 -I 10.255.0.1 10.255.0.3
ip -n "${NS[r1]}" link set eth1 up

check "bgpd logged its neighbour changes to its own log file" \
	grep -q 'Up\|Established' "$WORK/r1/log/bgpd.log"
check "bird logged its sessions to its own log file" grep -q 'r1: .*Established' "$WORK/r2/log/bird.log"

stop_all 'zebra|bgpd|bird'
check_none_left "after stopping, no zebra, bgpd or bird process is left" 'zebra|bgpd|bird'
