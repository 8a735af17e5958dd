#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shortbridge announces its joins on the "events" multicast group, and
# "trellisd sb monitor" prints them: "new" when a join is made, "del" with
# the last counters when it is taken apart (by DEL, by a port's deletion or
# by a port's move to another namespace).  A refused request announces
# nothing; events stay in the join's namespace; a listener without
# CAP_NET_ADMIN hears them too.  When the module is unloaded, the monitor
# says so and stops.
#
#   +-- h1 -----------+   +-- sw ----------------------------+   +-- h2 -----------+
#   | v1 10.0.0.1/24  +---+ s1 ==shortbridge== s2            +---+ v2 10.0.0.2/24  |
#   +-----------------+   | monitors: root user, user nobody |   +-----------------+
#                         +----------------------------------+
#   root namespace: its own monitor, and a join r1 == r2 of its own
#
# IPv6 is off and the neighbours are static: the pings are the only frames
# that cross the join, so its counters are known exactly.
#
# timeout: 300
# cost: 198

. "$(dirname "$0")/../lib.sh"

require_cmd ip setpriv
insmod_built shortbridge || { fail "load shortbridge.ko" "insmod failed"; exit 1; }
defer rmmod shortbridge

ns_add h1 sbe-h1
ns_add h2 sbe-h2
ns_add sw sbe-sw
for ns in "$h1" "$h2" "$sw"; do ipv6_off "$ns"; done
mk_wire() {	# (re)creates h1:v1 -- sw:s1 and h2:v2 -- sw:s2 as needed
	local h i
	for i in 1 2; do
		h=h$i
		ip -n "$sw" link show "s$i" >/dev/null 2>&1 && continue
		veth_link "${!h}" "v$i" "$sw" "s$i"
		ip -n "${!h}" addr add "10.0.0.$i/24" dev "v$i"
	done
	neigh_pin "$h1" v1 10.0.0.2 "$h2" v2
	neigh_pin "$h2" v2 10.0.0.1 "$h1" v1
}
mk_wire

sb() {	# in sw
	ip netns exec "$sw" "$TRELLISD" sb "$@"
}

# The monitors: root and nobody in sw, root in the root namespace.  nobody
# runs a copy of trellisd from a directory it can read.
mon=$(mktemp -d)
chmod 755 "$mon"
defer rm -rf "$mon"
cp "$TRELLISD" "$mon/trellisd"
ip netns exec "$sw" "$mon/trellisd" sb monitor > "$mon/sw" 2>&1 &
pid_sw=$!
ip netns exec "$sw" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$mon/trellisd" sb monitor > "$mon/nobody" 2>&1 &
pid_nobody=$!
"$mon/trellisd" sb monitor > "$mon/root" 2>&1 &
pid_root=$!
defer kill "$pid_sw" "$pid_nobody" "$pid_root"
for m in sw nobody root; do
	check "monitor ($m) is listening" wait_for 60 grep -q "^EVENT" "$mon/$m"
done

events() {	# monitor-file: its event rows
	grep -E '^(new|del) ' "$1"
}
# wait_rows FILE N: until FILE has N event rows (two per event).
wait_rows() {
	local n
	wait_for 60 sh -c 'n=$(grep -cE "^(new|del) " "$1"); [ "$n" -ge "$2" ]' sh "$1" "$2"
	n=$(events "$1" | wc -l)
	[ "$n" -eq "$2" ] || { echo "$n event rows in $1, expected $2"; events "$1"; return 1; }
}
# row FILE EVENT IN OUT: the fields of that event row (the last one).
row() {
	events "$1" | awk -v e="$2" -v i="$3" -v o="$4" '$1 == e && $2 == i && $3 == o' | tail -n 1
}
check_row() {	# name file event in out want-packets want-bytes want-flags
	local r p b f
	r=$(row "$2" "$3" "$4" "$5")
	# event in out packets bytes drop-mtu drop-down drop-xmit direct flags
	read -r _ _ _ p b _ _ _ _ f <<< "$r"
	if [ -n "$r" ] && [ "$p" = "$6" ] && [ "$b" = "$7" ] && [ "$f" = "$8" ]; then
		ok "$1"
	else
		fail "$1" "expected $3 $4 -> $5: packets $6, bytes $7, flags $8; got: ${r:-no such row}"
	fi
}

# --- made, used, taken apart by DEL -------------------------------------------
check "join s1 and s2 (carrier-follow)" sb add s1 s2 carrier-follow
check "monitor: one new event, a row per direction" wait_rows "$mon/sw" 2
check_row "monitor: new s1 -> s2, counters zero" "$mon/sw" new s1 s2 0 0 carrier-follow
check_row "monitor: new s2 -> s1, counters zero" "$mon/sw" new s2 s1 0 0 carrier-follow

check "5 pings cross the join, every one answered" \
	all_answered ip netns exec "$h1" ping -c 5 -i 0.2 -W 2 10.0.0.2
check "DEL s1" sb del s1
check "monitor: the del event" wait_rows "$mon/sw" 4
# 5 echo requests and 5 replies of 98 bytes each (56 data + ICMP, IP and
# Ethernet headers).
check_row "monitor: del s1 -> s2 with its last counters (5 frames, 490 bytes)" \
	"$mon/sw" del s1 s2 5 490 carrier-follow
check_row "monitor: del s2 -> s1 with its last counters (5 frames, 490 bytes)" \
	"$mon/sw" del s2 s1 5 490 carrier-follow

# --- refused requests announce nothing --------------------------------------
check_fails "a device cannot join itself" sb add s1 s1
check_fails "DEL of a device that is no port" sb del s1
check "the refusals announced nothing" wait_rows "$mon/sw" 4

# --- a port deleted -------------------------------------------------------------
check "join s1 and s2 (no flags)" sb add s1 s2
check "monitor: new, no flags" wait_rows "$mon/sw" 6
check_row "monitor: new s1 -> s2 shows no flags" "$mon/sw" new s1 s2 0 0 -
ifindex_s2=$(link_attr "$sw" s2 ifindex)
check "delete port s2" ip -n "$sw" link del s2
check "monitor: del when a port is deleted" wait_rows "$mon/sw" 8
check_row "monitor: the deleted port shows as if$ifindex_s2" "$mon/sw" del s1 "if$ifindex_s2" 0 0 -
mk_wire

# --- a port moved to another namespace -------------------------------------------
check "join s1 and s2 again" sb add s1 s2
check "move port s2 to h2" ip -n "$sw" link set s2 netns "$h2"
check "monitor: del when a port leaves the namespace" wait_rows "$mon/sw" 12
ip -n "$h2" link del s2
mk_wire

# --- events stay in their namespace -------------------------------------------
# Two veth pairs: the two ends of one pair would be a loop, refused.
ip link add r1 type veth peer name r1x
ip link add r2 type veth peer name r2x
defer ip link del r1
defer ip link del r2
check "join r1 and r2 in the root namespace" "$TRELLISD" sb add r1 r2
check "root monitor: new r1 -> r2" wait_rows "$mon/root" 2
check_row "root monitor: new r1 -> r2 is the join it made" "$mon/root" new r1 r2 0 0 -
ip link del r1
check "root monitor: del when r1 is deleted" wait_rows "$mon/root" 4
check "sw's monitor heard nothing of the root namespace" wait_rows "$mon/sw" 12
check_value "root's monitor heard nothing of sw's joins" 0 \
	awk '/^(new|del) +s[12] / { n++ } END { print n + 0 }' "$mon/root"

# --- a listener without CAP_NET_ADMIN --------------------------------------------
if cmp -s "$mon/sw" "$mon/nobody"; then
	ok "user nobody's monitor heard exactly what root's did"
else
	fail "user nobody's monitor heard exactly what root's did" "$(diff "$mon/sw" "$mon/nobody" | head -n 10)"
fi

# --- module unload ----------------------------------------------------------------
check "join s1 and s2 before unloading" sb add s1 s2
check "monitor: new" wait_rows "$mon/sw" 14
check "unload shortbridge with the join present" rmmod shortbridge
for m in sw nobody root; do
	pid=pid_$m
	if wait_for 60 sh -c "! kill -0 ${!pid} 2>/dev/null"; then
		wait "${!pid}"
		rc=$?
		if [ "$rc" = 1 ] && grep -q "the shortbridge module was unloaded" "$mon/$m"; then
			ok "monitor ($m) says the module was unloaded, exits 1"
		else
			fail "monitor ($m) says the module was unloaded, exits 1" \
				"exit status $rc; $(tail -n 2 "$mon/$m")"
		fi
	else
		fail "monitor ($m) stops when the module is unloaded" "still running after 60 s"
	fi
done
check "the unload announced no del (the family goes first)" wait_rows "$mon/sw" 14
