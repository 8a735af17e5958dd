#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# FRR IS-IS over Ethernet links, three routers in a line, built by hand with
# the configs of topo/isis/ and run the way trellisd runs them (own mount
# and UTS namespaces per host, private /etc/frr and /run, foreground
# daemons logging to files outside the host).
#
#   +----+ eth0    10.0.12.0/30    eth0 +----+ eth1    10.0.23.0/30    eth0 +----+
#   | r1 |------------------------------| r2 |------------------------------| r3 |
#   +----+ .1                        .2 +----+ .1                        .2 +----+
#   lo 10.255.0.1/32                    lo 10.255.0.2/32                    lo 10.255.0.3/32
#
# Checks: the IS-IS adjacencies come up; every router has every loopback
# from IS-IS (r1 learns r3's through r2); pings between loopbacks; no
# daemon is left after stopping.
#
# timeout: 900

. "$(dirname "$0")/../lib.sh"

require_cmd ip vtysh jq nsenter unshare
[ -x /usr/lib/frr/isisd ] || { skip "routing_isis" "FRR is not installed (scripts/deps)"; exit 0; }
CONF=$TOP/topo/isis

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

t0=$SECONDS
for h in r1 r2 r3; do
	check "$h: zebra and isisd start with frr.conf" frr_start $h "$CONF/$h/frr.conf" zebra isisd
done
echo "	all daemons started in $((SECONDS - t0)) s"
t0=$SECONDS

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
if wait_for 120 isis_adj_up r2 2; then
	ok "r2 has two IS-IS adjacencies Up"
	echo "	in $((SECONDS - t0)) s after the last daemon started"
else
	fail "r2 has two IS-IS adjacencies Up" "$(on r2 vtysh -c 'show isis neighbor')"
fi
ends_up() { isis_adj_up r1 1 && isis_adj_up r3 1; }
check "r1 and r3 each have their adjacency Up" wait_for 30 ends_up
if wait_for 120 all_routes; then
	ok "every router has every loopback from IS-IS"
	echo "	in $((SECONDS - t0)) s after the last daemon started"
else
	fail "every router has every loopback from IS-IS" "$(on r1 vtysh -c 'show ip route')"
fi
check "r1 learns the r2-r3 subnet from IS-IS" isis_route r1 10.0.23.0/30
check "ping r1 -> r3 loopbacks across r2" on r1 ping -c 2 -W 2 -I 10.255.0.1 10.255.0.3
check "isisd logged its adjacencies to its own log file" \
	grep -qi 'adjacency' "$WORK/r2/log/isisd.log"

stop_all 'zebra|isisd'
check_none_left "after stopping, no zebra or isisd process is left" 'zebra|isisd'
