#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check-full only
# (make check runs lan_three, the same lan over three guests.)
# A lan across two physical machines (issue 18 part 4): topo/lan-two-node.topo,
# h1 and h2 on node alpha (guest a), h3 and h4 on node beta (guest b), all
# four on lan seg.  Each guest runs `trellisd up' with the same file: the
# lan's bridge in the switch namespace with its local members, and a port
# (isolated: split horizon) joined to the tunnel to the other node, whose key
# both derive from "lan-two-node/seg/alpha-beta".
#
#  +---- guest a = node alpha ---------------+   +---- guest b = node beta ----------------+
#  |  h1 eth0 --+                            |   |                            +-- eth0 h3  |
#  |            [b<seg>]-lt<k> == tv<k> [sb] |   | [sb] tv<k> == lt<k>-[b<seg>]            |
#  |  h2 eth0 --+  (switch ns)     tg<k>     |   |     tg<k>     (switch ns)  +-- eth0 h4  |
#  |  eth0 192.0.2.1                 |       |   |       |        eth0 192.0.2.2           |
#  +---------------------------------|-------+   +-------|---------------------------------+
#                                    +------ wire -------+  GRE key k, TEB
#
# Checks, on each side: the tunnel (egre, the derived key, MTU 1458), the
# isolated tunnel port, h4's discipline; every member pings every other;
# no frame loops: with the lan idle (IPv6 off everywhere, neighbour tables
# flushed), one broadcast ARP request from h1 for h3 crosses the tunnel
# exactly once and its reply exactly once back, each member on the far side
# sees it exactly once; `down' leaves nothing.  Then the same lan with a on
# the gretap fallback (ip_gre, Linux bridges) and b still on egre: the
# members reach each other across, and `down' leaves nothing.
#
# The two guests wait for each other at each phase: a side that has passed
# phase N adds 192.0.2.(100 + 10 N + 1|2)/32 to its eth0, the other pings it.
# timeout: 1500
# cost: 100
source "$(dirname "$0")/../lib.sh"
require_cmd jq python3 bridge nsenter

S=lan-two-node
FILE=$TOP/topo/$S.topo
if [ "$TRELLIS_NODE" = a ]; then
	me=alpha peer=beta idx=1 pidx=2 mine="h1 h2"
else
	me=beta peer=alpha idx=2 pidx=1 mine="h3 h4"
fi

on() {	# HOST CMD...
	local h=$1
	shift
	trellisd exec "$S" "$h" -- "$@"
}
key=$(python3 -c 'h = 2166136261
for c in b"lan-two-node/seg/alpha-beta":
    h = ((h ^ c) * 16777619) & 0xffffffff
print(h or 1)')
tun=tg$(printf %08x "$key") port=lt$(printf %08x "$key")
switch_pid() { awk '$1 == "host" && $2 == "%switch" { p = $3 } END { print p }' "/run/trellis/$S/journal"; }
in_switch() { nsenter -t "$(switch_pid)" -n "$@"; }
kind_of() { ip -d -j link show "$1" | jq -r '.[0].linkinfo.info_kind'; }
nothing_left() {	# prints what is left, fails if anything is
	local left=""
	[ -z "$(ls -A /run/trellis 2>/dev/null)" ] || left+="state: $(ls -A /run/trellis) "
	# Ours: egre and gretap devices (not ip_gre's own gretap0), tvKEY, tgKEY...
	left+=$(ip -o -d link show | grep -E 'egre|gretap|^[0-9]+: t[vgbxy][0-9a-f]{8}' |
		grep -v '^[0-9]*: gretap0@' | cut -c1-80 | tr '\n' ' ')
	left+=$(ip netns list | tr '\n' ' ')
	local root other
	root=$(readlink /proc/1/ns/net)
	other=$(find /proc/[0-9]*/ns/net -maxdepth 0 -printf '%h %l\n' 2>/dev/null |
		awk -v r="$root" '$2 != r { split($1, p, "/"); printf "%s ", p[3] }')
	[ -z "$other" ] || left+="processes in other network namespaces: $other"
	[ -z "$left" ] || { echo "left: $left"; return 1; }
}
reach_all() {	# every local member pings every other member, 3 of 3
	local h n
	for h in $mine; do
		for n in 1 2 3 4; do
			[ "$h" = "h$n" ] && continue
			wait_for 120 on "$h" ping -c 1 -W 2 "10.0.0.$n" >/dev/null
			check "$me: $1: $h reaches h$n (10.0.0.$n), 3 of 3 replies" \
				wait_for 60 all_answered on "$h" ping -c 3 -i 0.3 -W 2 "10.0.0.$n"
		done
	done
}
counters() {	# tunnel tx, rx; then each local member's eth0 rx
	local h
	cat "/sys/class/net/$tun/statistics/tx_packets" "/sys/class/net/$tun/statistics/rx_packets"
	for h in $mine; do on "$h" cat /sys/class/net/eth0/statistics/rx_packets; done
}
delta() {	# BEFORE AFTER: the differences, space-separated
	paste -d' ' <(printf '%s\n' $1) <(printf '%s\n' $2) | awk '{ printf "%s%d", (NR > 1 ? " " : ""), $2 - $1 }'
}
# One broadcast ARP request from h1's eth0 for 10.0.0.3, through a packet
# socket (the kernel's neighbour table stays out of it); waits for the reply.
arp_once() {
	on h1 python3 - <<-'EOF'
	import socket, struct, sys, time
	s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
	s.bind(("eth0", 0))
	mac = s.getsockname()[4]
	arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, socket.inet_aton("10.0.0.1"),
	                  b"\0" * 6, socket.inet_aton("10.0.0.3"))
	s.send(b"\xff" * 6 + mac + b"\x08\x06" + arp)
	s.settimeout(1)
	end = time.time() + 120
	while time.time() < end:
	    try:
	        f = s.recv(100)
	    except socket.timeout:
	        continue
	    if f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x02" and f[28:32] == socket.inet_aton("10.0.0.3"):
	        print("reply from", f[22:28].hex(":"))
	        sys.exit(0)
	sys.exit("no ARP reply from 10.0.0.3")
	EOF
}

check "$me: the wire is up" wait_for 300 ping -c 1 -W 1 "$TRELLIS_REMOTE"
check "$me: egre loads" insmod_built egre
check "$me: shortbridge loads" insmod_built shortbridge
defer rmmod egre
defer rmmod shortbridge
# A quiet lan: no IPv6 (router solicitations go on for ever, with backoff)
# from the hosts (sysctls in a copy of the file) or the root's tunnel
# devices, so that only what the test sends crosses.  (trellisd keeps the
# switch namespace's bridges and ports quiet itself: checked below.)
WORK=$(mktemp -d /tmp/lan_multi.XXXXXX)
defer rm -rf "$WORK"
sed -e 's/^host h[0-9] node .*$/&\n    sysctl net.ipv6.conf.all.disable_ipv6=1\n    sysctl net.ipv6.conf.default.disable_ipv6=1/' \
	"$FILE" > "$WORK/$S.topo"
FILE=$WORK/$S.topo
check "$me: IPv6 off in the root namespace" sysctl -qw \
	net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1

# --- 1. up with egre --------------------------------------------------------
check "$me: trellisd up $S" trellisd up "$FILE"
defer trellisd down "$S"
check_value "$me: the lan's plumbing says nothing: IPv6 off on $port in the switch namespace" 1 \
	in_switch cat "/proc/sys/net/ipv6/conf/$port/disable_ipv6"
check_value "$me: the lan's tunnel $tun (key $key) is egre" egre kind_of "$tun"
check_value "$me: its MTU is 1458" 1458 link_attr "" "$tun" mtu
check_value "$me: status lists it under peer $peer, with its key" "$key" \
	eval 'trellisd status --json "$S" | jq -r ".[0].peers[] | select(.node == \"$peer\") | .tunnels[] | select(.link == \"seg\") | .key"'
check_value "$me: ${mine%% *}:eth0 has MTU 1458" 1458 on "${mine%% *}" cat /sys/class/net/eth0/mtu
check_value "$me: the tunnel's port $port on the lan's bridge is isolated" true \
	eval 'in_switch bridge -j -d link show dev "$port" | jq ".[0].isolated"'
check_value "$me: the members' ports are not isolated" false \
	eval 'in_switch bridge -j -d link show | jq "[.[] | select(.ifname | startswith(\"l\") and (startswith(\"lt\") | not)) | .isolated] | unique | .[]"'
if [ "$TRELLIS_NODE" = b ]; then
	check_output "b: h4's discipline is on its lan interface (netem delay 5ms)" "delay 5ms" \
		on h4 tc qdisc show dev eth0
fi
signal 1
check "$me: $peer is up" await 1 600
reach_all egre
signal 2
check "$me: $peer has pinged every member" await 2 600

# --- 2. no loops: one broadcast crosses once ---------------------------------
for h in $mine; do on "$h" ip neigh flush all; done
signal 3
check "$me: $peer is idle" await 3 600
if [ "$TRELLIS_NODE" = b ]; then
	before=$(counters)
	signal 4
	check "b: a has sent its broadcast and had the reply" await 5 600
	# h4 sees the broadcast (h3 too, and answers it).
	wait_for 60 eval '[ "$(delta "$before" "$(counters)" | cut -d" " -f4)" -ge 1 ]'
	check_value "b: tunnel tx, rx, h3 rx, h4 rx rose by 1 1 1 1" "1 1 1 1" \
		eval 'delta "$before" "$(counters)"'
	signal 6
else
	check "a: b has its counters" await 4 600
	before=$(counters)
	check "a: h1's broadcast ARP request for h3 is answered" arp_once
	wait_for 60 eval '[ "$(delta "$before" "$(counters)" | cut -d" " -f4)" -ge 1 ]'
	check_value "a: tunnel tx, rx, h1 rx, h2 rx rose by 1 1 1 1" "1 1 1 1" \
		eval 'delta "$before" "$(counters)"'
	signal 5
	check "a: b has checked its counters" await 6 600
fi

check "$me: trellisd down $S" trellisd down "$S"
check "$me: nothing is left" wait_for 30 nothing_left
signal 7
check "$me: $peer is down too" await 7 600

# --- 3. a on the gretap fallback, b on egre ----------------------------------
if [ "$TRELLIS_NODE" = a ]; then
	check "a: egre unloaded, ip_gre loaded" eval 'rmmod egre shortbridge && modprobe ip_gre'
	check "a: trellisd up --backend gretap" trellisd up "$FILE" --backend gretap
	check_value "a: the lan's tunnel $tun is gretap" gretap kind_of "$tun"
else
	check "b: trellisd up (egre)" trellisd up "$FILE"
	check_value "b: the lan's tunnel $tun is egre" egre kind_of "$tun"
fi
signal 8
check "$me: $peer is up again" await 8 600
reach_all "$([ "$TRELLIS_NODE" = a ] && echo gretap || echo egre) to $([ "$TRELLIS_NODE" = a ] && echo egre || echo gretap)"
signal 9
check "$me: $peer has pinged every member" await 9 600
check "$me: trellisd down $S" trellisd down "$S"
check "$me: nothing is left" wait_for 30 nothing_left
signal 10
# Stay until the peer is done too, or gone.
wait_for 300 bash -c "ping -c 1 -W 2 192.0.2.$((200 + pidx)) || ! ping -c 3 -i 1 -W 2 $TRELLIS_REMOTE" >/dev/null || true
