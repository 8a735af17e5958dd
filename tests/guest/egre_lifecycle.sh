#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# egre under churn: module unload with devices and traffic (4 times; 100
# with TRELLIS_FULL=1, or EGRE_LIFECYCLE_ROUNDS), changelink (24 times; 80),
# namespace deletion, device deletion, underlay removal and changelink, all
# while a flood runs.  The harness fails the run on any oops/BUG/WARN.
#
#  +--- $hostA ----------------+           +--- $hostB ----------------+
#  | e   203.0.113.1/24 key 1  |  <=====>  | e   203.0.113.2/24 key 1  |
#  |     (ping -f from B)      |           |                           |
#  | ul 192.0.2.1/24 ===================== ul 192.0.2.2/24  (veth)     |
#  +---------------------------+           +---------------------------+
#  Later steps add $hostC/$hostD (deleted under traffic) and a second
#  underlay ul2 (198.51.100.0/24) that is deleted under its tunnel.
# timeout: 1500
# cost: 517
source "$(dirname "$0")/../lib.sh"

KO=$TOP/kernel/egre/egre.ko
if [ -n "${TRELLIS_FULL:-}" ]; then
	ROUNDS=${EGRE_LIFECYCLE_ROUNDS:-100} TOGGLES=40
else
	ROUNDS=${EGRE_LIFECYCLE_ROUNDS:-4} TOGGLES=12
fi

ns_add hostA egre-lifeA
ns_add hostB egre-lifeB
veth_link "$hostA" ul "$hostB" ul 192.0.2.1/24 192.0.2.2/24

insmod_built egre || { fail "egre loads" "insmod failed"; exit 1; }
defer rmmod egre

pair_up() {	# name key addr-suffix-A addr-suffix-B subnet [options...]
	local name=$1 key=$2 sa=$3 sb=$4 net=$5
	shift 5
	ip netns exec "$hostA" trellisd egre add "$name" local 192.0.2.1 remote 192.0.2.2 key "$key" "$@" &&
	ip netns exec "$hostB" trellisd egre add "$name" local 192.0.2.2 remote 192.0.2.1 key "$key" "$@" &&
	ip -n "$hostA" addr add "$net.$sa/24" dev "$name" &&
	ip -n "$hostB" addr add "$net.$sb/24" dev "$name" &&
	ip -n "$hostA" link set "$name" up &&
	ip -n "$hostB" link set "$name" up
}
rx_of() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }
rx_above() { [ "$(rx_of "$1" "$2")" -gt "$3" ]; }	# netns dev count
# flowing NS DEV: packets keep arriving on DEV (the flood is running).
flowing() {
	local rx0
	rx0=$(rx_of "$1" "$2") && wait_for 120 rx_above "$1" "$2" "$rx0"
}

# A flood that outlives every device: ping -f keeps going through send
# errors, and is restarted if it ever stops.
flood() {	# netns destination
	(
		trap 'kill $p 2>/dev/null; exit 0' TERM
		while :; do
			ip netns exec "$1" ping -f -q -w 3600 "$2" >/dev/null 2>&1 &
			p=$!
			wait $p || sleep 0.2
		done
	) &
	FLOOD_PID=$!
	defer kill "$FLOOD_PID"
}

# --- 1. Unload with devices and traffic, $ROUNDS times ---------------------
check "tunnel e up" pair_up e 1 1 2 203.0.113
check "ping over e" wait_for 120 ip netns exec "$hostB" ping -c 1 -W 1 203.0.113.1
flood "$hostB" 203.0.113.1
flood_pid1=$FLOOD_PID

bad=
for ((round = 1; round <= ROUNDS; round++)); do
	if ! lsmod | grep -q '^egre '; then
		insmod "$KO" || { bad="round $round: insmod failed"; break; }
		pair_up e 1 1 2 203.0.113 || { bad="round $round: tunnel setup failed"; break; }
	fi
	# Show the flood really goes through the tunnel before each unload.
	if ! flowing "$hostA" e; then
		bad="round $round: no traffic through e"
		break
	fi
	rmmod egre || { bad="round $round: rmmod failed"; break; }
done
if [ -z "$bad" ]; then
	ok "unload with devices and traffic, $ROUNDS times"
else
	fail "unload with devices and traffic, $ROUNDS times" "$bad"
fi
check_fails "no egre device is left after unload" bash -c "ip -n $hostA link show e || ip -n $hostB link show e"
check "reload" insmod "$KO"
check "tunnel e up again" pair_up e 1 1 2 203.0.113
check "ping over e after all that" wait_for 120 ip netns exec "$hostB" ping -c 1 -W 1 203.0.113.1

# --- 2. changelink under traffic --------------------------------------------
toggle() {
	local i
	for ((i = 0; i < TOGGLES; i++)); do	# a multiple of 4: ends on case 3
		for h in "$hostA" "$hostB"; do
			case $((i % 4)) in
			0) ip netns exec "$h" trellisd egre set e csum seq ttl 17 tos 0x20 ;;
			1) ip netns exec "$h" trellisd egre set e nocsum ttl inherit tos inherit ;;
			2) ip netns exec "$h" trellisd egre set e noseq nopmtudisc csum ;;
			3) ip netns exec "$h" trellisd egre set e nocsum noseq pmtudisc ttl 64 tos 0 ;;
			esac || return 1
		done
	done
}
check "changelink $((TOGGLES * 2)) times under the flood" toggle
check_output "settings are the last ones set" "ttl 64 tos 0 pmtudisc nocsum noseq mtu 1458" \
	ip netns exec "$hostA" trellisd egre show e
check "ping over e after the changes" wait_for 120 ip netns exec "$hostB" ping -c 1 -W 1 203.0.113.1

# --- 3. device deletion under traffic ---------------------------------------
check "tunnel f up" pair_up f 2 1 2 198.51.100
flood "$hostA" 198.51.100.2
check "the flood runs through f" flowing "$hostB" f
check "delete f under the flood" ip netns exec "$hostB" trellisd egre del f
check "delete f at the other end" ip netns exec "$hostA" trellisd egre del f

# --- 4. underlay removal ----------------------------------------------------
veth_link "$hostA" ul2 "$hostB" ul2 192.0.2.65/26 192.0.2.66/26
check "tunnel g bound to underlay ul2" bash -c "
	ip netns exec $hostA trellisd egre add g local 192.0.2.65 remote 192.0.2.66 key 3 dev ul2 &&
	ip netns exec $hostB trellisd egre add g local 192.0.2.66 remote 192.0.2.65 key 3 dev ul2 &&
	ip -n $hostA addr add 203.0.113.129/25 dev g && ip -n $hostB addr add 203.0.113.130/25 dev g &&
	ip -n $hostA link set g up && ip -n $hostB link set g up"
check "ping over g" wait_for 120 ip netns exec "$hostA" ping -c 1 -W 1 203.0.113.130
check_output "g follows its underlay down (no carrier)" "no-carrier" \
	bash -c "ip -n $hostA link set ul2 down; ip netns exec $hostA trellisd egre show g"
check "and up again" bash -c "ip -n $hostA link set ul2 up; ip netns exec $hostA trellisd egre show g | grep -v no-carrier | grep -q '^g:'"
flood "$hostA" 203.0.113.130
check "the flood runs through g" flowing "$hostB" g
check "delete the underlay ul2 under the flood" ip -n "$hostA" link del ul2
check_output "g stays, unbound and without carrier" "dev any" \
	ip netns exec "$hostA" trellisd egre show g
check_output "g has no carrier" "no-carrier" ip netns exec "$hostA" trellisd egre show g
check "g can be deleted" ip netns exec "$hostA" trellisd egre del g

# --- 5. namespace deletion under traffic --------------------------------------
ns_add hostC egre-lifeC
ns_add hostD egre-lifeD
netns_pair() {
	veth_link "$hostC" ul "$hostD" ul 192.0.2.1/24 192.0.2.2/24 || return 1
	local i
	for ((i = 0; i < 8; i++)); do
		ip netns exec "$hostC" trellisd egre add "c$i" local 192.0.2.1 remote 192.0.2.2 key "$i" &&
		ip netns exec "$hostD" trellisd egre add "c$i" local 192.0.2.2 remote 192.0.2.1 key "$i" &&
		ip -n "$hostC" addr add "198.51.100.$((i * 8 + 1))/29" dev "c$i" &&
		ip -n "$hostD" addr add "198.51.100.$((i * 8 + 2))/29" dev "c$i" &&
		ip -n "$hostC" link set "c$i" up && ip -n "$hostD" link set "c$i" up || return 1
	done
}
check "two more namespaces with 8 tunnels each (same addresses as A/B)" netns_pair
check "ping in the new namespaces" wait_for 120 ip netns exec "$hostC" ping -c 1 -W 1 198.51.100.58
flood "$hostC" 198.51.100.2
flood "$hostD" 198.51.100.9
check "the flood reaches the doomed namespace" flowing "$hostD" c0
check "and comes back from it" flowing "$hostC" c1
check "delete a namespace under the flood" ip netns del "$hostD"
check "delete the other one" ip netns del "$hostC"
check "A and B's tunnel is untouched" wait_for 120 ip netns exec "$hostB" ping -c 1 -W 1 203.0.113.1

# --- 6. coexistence with gre.ko ---------------------------------------------
kill "$flood_pid1" 2>/dev/null
check "unload with everything still configured" rmmod egre
if modprobe gre 2>/dev/null; then
	dmesg -C
	check_fails "egre refuses to load while gre.ko holds protocol 47" insmod "$KO"
	check_output "and says why" "modprobe -r ip_gre gre" dmesg
	modprobe -r gre
else
	skip "egre refuses to load while gre.ko holds protocol 47" "gre.ko is not available"
fi
check "egre loads again once gre.ko is gone" insmod "$KO"
check_fails "ip_gre cannot load while egre holds protocol 47" modprobe ip_gre
