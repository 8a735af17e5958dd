#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The underlay check before building (issue 18, part 2): trellisd probes
# the path to each node it shares a link with, using ICMP echo requests
# that may not be fragmented, as big as the tunnel's packets (link MTU +
# Ethernet 14 + GRE 8 + IPv4 20), and refuses, naming the pair and the
# largest size that passed, if the path cannot carry them.
# topo/two-node.topo: a1, a2 on node alpha (guest a), b1, b2 on beta (b);
# the a2-b1 link crosses, by default with MTU 1458: 1500-byte packets.
#
#  +---- guest a = node alpha -----------+       +---- guest b = node beta ----+
#  |  a1 -- a2 ===== tunnel a2-b1 =======|=======|====== b1 -- b2             |
#  |  eth0 192.0.2.1, MTU 1400           | wire  |  eth0 192.0.2.2, MTU 1500   |
#  |  nft: IPv4 longer than 1450 bytes   |-------|                             |
#  |       dropped on input (no ICMP)    |       |                             |
#  +-------------------------------------+       +-----------------------------+
#
# a's own device is the bottleneck of a -> b (the kernel says so at once:
# EMSGSIZE); b -> a meets a black hole at 1450 (nothing comes back: found
# by timeouts and bisection).  Checks: both `up's refused with both sizes
# and the mtu to use, leaving nothing; a peer that does not answer at all
# only warns (nodes start in any order; silence is no proof of a small
# MTU); the file with the link at the MTU each message suggests (1358, the
# smaller) comes up on both and carries 1358-byte DF packets; down.
#
# The guests wait for each other at each phase: a side that has passed
# phase N adds 192.0.2.(100 + 10 N + 1|2)/32 to its eth0, the other pings it.
# cost: 70
source "$(dirname "$0")/../lib.sh"
require_cmd nft ping jq

S=span
WORK=$(mktemp -d /tmp/mtu_probe.XXXXXX)
defer rm -rf "$WORK"
if [ "$TRELLIS_NODE" = a ]; then
	me=alpha peer=beta idx=1 pidx=2
else
	me=beta peer=alpha idx=2 pidx=1
fi
nothing_left() {
	local left=""
	[ -z "$(ls -A /run/trellis 2>/dev/null)" ] || left+="state: $(ls -A /run/trellis) "
	left+=$(ip -d link show | grep -E 'egre|gretap|^[0-9]+: t[vgb][0-9a-f]{8}' | tr '\n' ' ')
	left+=$(ip netns list | tr '\n' ' ')
	[ -z "$left" ] || { echo "left: $left"; return 1; }
}

check "$me: the wire is up" wait_for 300 ping -c 1 -W 1 "$TRELLIS_REMOTE"
check "$me: egre loads" insmod_built egre
check "$me: shortbridge loads" insmod_built shortbridge
defer rmmod egre
defer rmmod shortbridge

# --- 1. a small path MTU, each way ----------------------------------------
if [ "$TRELLIS_NODE" = a ]; then
	check "a: eth0 takes MTU 1400" ip link set eth0 mtu 1400
	defer ip link set eth0 mtu 1500
	nft -f - <<-'EOF'
	table ip mtu_probe_test {
		chain in {
			type filter hook input priority 0;
			meta length > 1450 drop
		}
	}
	EOF
	check "a: nft drops IPv4 packets longer than 1450 bytes on input" \
		bash -c "nft list table ip mtu_probe_test | grep -q 'meta length > 1450 drop'"
	defer nft delete table ip mtu_probe_test
fi
signal 1
check "$me: $peer has set up its side" await 1 600

if [ "$TRELLIS_NODE" = a ]; then
	check_error "a: up refused: a -> b carries 1400 bytes, the link needs 1500" \
		"node beta: the path from 192.0.2.1 to 192.0.2.2 carries packets of at most 1400 bytes, the tunnels need 1500 (link MTU 1458 + 42: Ethernet 14, GRE 8, IPv4 20): give the links across nodes mtu 1358 or less" \
		trellisd up "$TOP/topo/two-node.topo"
else
	t0=$SECONDS
	check_error "b: up refused: b -> a carries 1450 bytes (a black hole above), the link needs 1500" \
		"node alpha: the path from 192.0.2.2 to 192.0.2.1 carries packets of at most 1450 bytes, the tunnels need 1500 (link MTU 1458 + 42: Ethernet 14, GRE 8, IPv4 20): give the links across nodes mtu 1408 or less" \
		trellisd up "$TOP/topo/two-node.topo"
	echo "	the black hole took $((SECONDS - t0)) s to measure"
fi
check "$me: the refused up left nothing" nothing_left

# --- 2. a peer that does not answer is warned about, not refused ----------
# Node beta at 192.0.2.99, on the wire's subnet where nobody has it.
if [ "$TRELLIS_NODE" = a ]; then
	sed -e 's/^node beta underlay 192.0.2.2$/node beta underlay 192.0.2.99/' \
	    -e 's/^link a2:eth1 b1:eth1$/link a2:eth1 b1:eth1 mtu 1358/' \
		"$TOP/topo/two-node.topo" > "$WORK/silent.topo"
	check "a: the copy with beta at 192.0.2.99 is valid" trellisd check "$WORK/silent.topo"
	check_output "a: up warns that 192.0.2.99 does not answer, and builds" \
		"warning: node beta: underlay 192.0.2.99 does not answer ICMP echo from 192.0.2.1" \
		trellisd up "$WORK/silent.topo"
	check "a: the silent peer's slice is up (a1 reaches a2)" \
		wait_for 30 trellisd exec "$S" a1 -- ping -c 1 -W 1 198.51.100.2
	check "a: down" trellisd down "$S"
	check "a: nothing left" nothing_left
fi

# --- 3. the link at the suggested MTU comes up on both --------------------
sed -e 's/^link a2:eth1 b1:eth1$/link a2:eth1 b1:eth1 mtu 1358/' \
	"$TOP/topo/two-node.topo" > "$WORK/fits.topo"
check "$me: up of the file with the link at mtu 1358 (1400-byte packets)" trellisd up "$WORK/fits.topo"
defer trellisd down "$S"
if [ "$TRELLIS_NODE" = a ]; then near=a2 near_if=eth1 far=198.51.100.10; else near=b1 near_if=eth1 far=198.51.100.9; fi
check_value "$me: $near:$near_if has MTU 1358" 1358 trellisd exec "$S" $near -- cat /sys/class/net/$near_if/mtu
signal 2
check "$me: $peer is up too" await 2 600
check "$me: a 1358-byte DF packet crosses ($near -> $far, 1330 + 28)" \
	wait_for 120 trellisd exec "$S" $near -- ping -c 1 -W 2 -M do -s 1330 $far
check "$me: 3 of 3 more" all_answered trellisd exec "$S" $near -- ping -c 3 -i 0.3 -W 2 -M do -s 1330 $far
signal 3
check "$me: $peer has finished its pings" await 3 600
check "$me: down" trellisd down "$S"
check "$me: nothing left" nothing_left
signal 4
wait_for 300 bash -c "ping -c 1 -W 2 192.0.2.$((140 + pidx)) || ! ping -c 3 -i 1 -W 2 $TRELLIS_REMOTE" >/dev/null || true
