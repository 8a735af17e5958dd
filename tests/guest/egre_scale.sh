#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 256 tunnels on one address pair, told apart only by their keys: each
# reaches its own far end and no other.
#
#  +--- $hostA ---------------------+         +--- $hostB ---------------------+
#  | t0   2001:db8:1:0::1/64  key 1000 ...... key 1000  t0   2001:db8:1:0::2/64 |
#  | t1   2001:db8:1:1::1/64  key 1001 ...... key 1001  t1   2001:db8:1:1::2/64 |
#  |  ...                            |         |  ...                           |
#  | t255 2001:db8:1:ff::1/64 key 1255 ...... key 1255  t255 2001:db8:1:ff::2/64 |
#  |  ul 192.0.2.1/24 ======================== ul 192.0.2.2/24   (veth)         |
#  +---------------------------------+         +--------------------------------+
#
# Positive: a sample of tunnels (first, last, spread between) reach their far
# address, and only the matching far device counts the packets.  Negative: a
# host route sends tunnel j's far address into tunnel i; the packets land
# on the far end of i, which does not have the address: nothing answers.
# timeout: 900
# cost: 140
source "$(dirname "$0")/../lib.sh"

N=256
insmod_built egre || { fail "egre loads" "insmod failed"; exit 1; }
defer rmmod egre

ns_add hostA egre-scaleA
ns_add hostB egre-scaleB
# No IPv6 chatter once the tunnels are up: no DAD, no router solicitation,
# and each MLD report (with its repeats) sent at once when a device joins a
# group, not at a random moment of the next seconds, when it would land on
# a far device that must count nothing but the test's pings.
for h in "$hostA" "$hostB"; do
	ip netns exec "$h" sysctl -qw net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.default.accept_ra=0 \
		net.ipv6.conf.default.mldv1_unsolicited_report_interval=0 \
		net.ipv6.conf.default.mldv2_unsolicited_report_interval=0
done
veth_link "$hostA" ul "$hostB" ul 192.0.2.1/24 192.0.2.2/24

# One trellisd and one ip process per host: under emulation every process
# start costs a good fraction of a second.
make_tunnels() {	# host local remote host-part
	local host=$1 local=$2 remote=$3 me=$4 i
	for ((i = 0; i < N; i++)); do
		echo "egre add t$i local $local remote $remote key $((1000 + i))" >&3
		printf 'addr add 2001:db8:1:%x::%s/64 dev t%d nodad\nlink set t%d up\n' \
			"$i" "$me" "$i" "$i" >&4
	done 3> "$tmp/$host.td" 4> "$tmp/$host.ip"
	ip netns exec "$host" trellisd batch "$tmp/$host.td" && ip -n "$host" -b "$tmp/$host.ip"
}
tmp=$(mktemp -d)
defer rm -rf "$tmp"
check "$N tunnels on $hostA" make_tunnels "$hostA" 192.0.2.1 192.0.2.2 1
check "$N tunnels on $hostB" make_tunnels "$hostB" 192.0.2.2 192.0.2.1 2
count_egre() { ip netns exec "$1" trellisd egre show | grep -c '^t[0-9]*: local'; }
lists_all() { [ "$(count_egre "$1")" -eq "$N" ]; }
check "trellisd egre show lists all $N" lists_all "$hostA"

# counts NS DEV: "RX-packets TX-packets" of DEV, from one ip process.
counts() {
	local seg i rx= tx=
	IFS='\' read -ra seg <<< "$(ip -n "$1" -s -o link show dev "$2")"
	for ((i = 0; i < ${#seg[@]}; i++)); do
		case ${seg[i]} in *RX:*) read -r _ rx _ <<< "${seg[i + 1]}" ;;
				  *TX:*) read -r _ tx _ <<< "${seg[i + 1]}" ;; esac
	done
	echo "$rx $tx"
}
rx_of() { local c; c=$(counts "$1" "$2") && echo "${c% *}"; }
tx_of() { local c; c=$(counts "$1" "$2") && echo "${c#* }"; }

# Until hostB had all its tunnels, hostA's announcements (MLD, ND) arrived
# there with keys it did not know yet; from now on, none may.
unknown_keys() { ip netns exec "$hostB" awk '$1 == "unknown_key" { print $2 }' /proc/net/egre; }
unknown0=$(unknown_keys)

# Positive sample: the far end answers, and its own device saw the packets
# while a neighbouring tunnel's far device did not.
for i in 0 1 37 100 128 200 254 255; do
	far=$(printf '2001:db8:1:%x::2' "$i")
	other=$(( (i + 1) % N ))
	rx_mine0=$(rx_of "$hostB" "t$i") rx_other0=$(rx_of "$hostB" "t$other")
	if ! wait_for 20 ip netns exec "$hostA" ping -6 -c 1 -W 1 "$far"; then
		fail "tunnel $i (key $((1000 + i))) reaches $far" "no answer"
		continue
	fi
	rx_mine1=$(rx_of "$hostB" "t$i") rx_other1=$(rx_of "$hostB" "t$other")
	if [ "$rx_mine1" -gt "$rx_mine0" ] && [ "$rx_other1" -eq "$rx_other0" ]; then
		ok "tunnel $i (key $((1000 + i))) reaches $far, on t$i only"
	else
		fail "tunnel $i (key $((1000 + i))) reaches $far, on t$i only" \
			"far t$i rx $rx_mine0 -> $rx_mine1, far t$other rx $rx_other0 -> $rx_other1"
	fi
done

# Negative sample: tunnel i carries packets for j's far address; they
# arrive at the far end of i (the key chose the device), where nobody has
# that address, so nothing answers.
for pair in "0 255" "5 6" "128 7" "255 0"; do
	read -r i j <<< "$pair"
	far=$(printf '2001:db8:1:%x::2' "$j")
	ip -n "$hostA" -6 route add "$far/128" dev "t$i"
	tx0=$(tx_of "$hostA" "t$i") rxi0=$(rx_of "$hostB" "t$i")
	if ip netns exec "$hostA" ping -6 -c 2 -W 1 "$far" >/dev/null 2>&1; then
		fail "tunnel $i cannot reach tunnel $j's far end ($far)" "it answered"
	else
		tx1=$(tx_of "$hostA" "t$i") rxi1=$(rx_of "$hostB" "t$i")
		if [ "$tx1" -gt "$tx0" ] && [ "$rxi1" -gt "$rxi0" ]; then
			ok "tunnel $i cannot reach tunnel $j's far end (sent $((tx1 - tx0)), landed on far t$i)"
		else
			fail "tunnel $i cannot reach tunnel $j's far end" \
				"t$i tx $tx0 -> $tx1, far t$i rx $rxi0 -> $rxi1 (both must grow)"
		fi
	fi
	ip -n "$hostA" -6 route del "$far/128" dev "t$i"
done

unknown1=$(unknown_keys)
if [ -n "$unknown0" ] && [ "$unknown1" = "$unknown0" ]; then
	ok "no packet arrived with an unknown key once both ends were up"
else
	fail "no packet arrived with an unknown key once both ends were up" \
		"unknown_key $unknown0 -> $unknown1"
fi
