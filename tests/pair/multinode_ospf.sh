#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A slice over two physical machines (issue 7): topo/ospf-two-node.topo, the
# OSPF ring of four FRR routers, r1 and r2 on node alpha (guest a), r3 and
# r4 on node beta (guest b).  Each guest runs `trellisd up' with the same
# file and builds its half; the two ring links that cross the machines ride
# in egre tunnels whose GRE keys both derive from the file.
#
#  +---- guest a = node alpha ----------+      +---- guest b = node beta -----------+
#  |  r1 eth0 ---------- eth1 r2        |      |  r3 eth0 ---------- eth1 r4        |
#  |  eth1                   eth0       |      |  eth1                   eth0       |
#  |   |                      |         |      |   |                      |         |
#  |   |  tg<key r2-r3> [sb] -+         |      |   +- [sb] tg<key r2-r3>  |         |
#  |   +- [sb] tg<key r4-r1>            |      |      tg<key r4-r1> [sb] -+         |
#  |  eth0 192.0.2.1   (dumpcap)        |      |  eth0 192.0.2.2                    |
#  +-----------|------------------------+      +-----------|------------------------+
#              +------------------ wire -------------------+
#
# Checks, on each side: `up' refuses a copy whose peer's underlay has no
# route (and leaves nothing); both halves come up; status shows the local
# hosts, the peer and each tunnel's key (the FNV-1a keys computed here) and
# counters; OSPF converges across the machines; loopback-to-loopback pings
# cross; a's capture of the wire holds only GRE / Transparent Ethernet
# bridging with exactly the derived keys, both ways (so b derived the same
# keys); a's end of the r2-r3 tunnel taken down with `trellisd link down'
# makes r2 reach r3 round the ring over the other tunnel, and directly again
# once it is up; r2 moves to beta with `apply' on both sides and the pings
# still cross; a 1542-byte underlay carries a link of MTU 1500; `down'
# leaves nothing.
#
# The two guests wait for each other at each phase: a side that has passed
# phase N adds 192.0.2.(100 + 10 N + 1|2)/32 to its eth0, the other pings it.
# timeout: 2400
# cost: 155
source "$(dirname "$0")/../lib.sh"
require_cmd vtysh jq ping python3 dumpcap tshark
[ -x /usr/lib/frr/ospfd ] || { skip "multinode_ospf" "FRR is not installed (scripts/deps)"; exit 0; }

S=ospf-two-node
FILE=$TOP/topo/$S.topo
WORK=$(mktemp -d /tmp/multinode.XXXXXX)
defer rm -rf "$WORK"
if [ "$TRELLIS_NODE" = a ]; then
	me=alpha peer=beta idx=1 pidx=2 mine="r1 r2" theirs="r3 r4"
else
	me=beta peer=alpha idx=2 pidx=1 mine="r3 r4" theirs="r1 r2"
fi

on() {	# HOST CMD...
	local h=$1
	shift
	trellisd exec "$S" "$h" -- "$@"
}
# The deterministic GRE key of a link, as trellisd derives it: FNV-1a of
# "SLICE/LINK", 0 mapped to 1.
key_of() {
	python3 -c 'import sys
h = 2166136261
for c in (sys.argv[1] + "/" + sys.argv[2]).encode():
    h = ((h ^ c) * 16777619) & 0xffffffff
print(h or 1)' "$S" "$1"
}
status_keys() { trellisd status --json "$S" | jq -r '.[0].peers[].tunnels[].key' | sort -n | xargs; }
same() { [ "$1" = "$2" ] || { echo "got \`$1', want \`$2'"; return 1; }; }
status_hosts() { trellisd status --json "$S" | jq -r '.[0].hosts[].name' | sort | xargs; }
# Every loopback but the router's own is in its routing table, from OSPF.
has_loopbacks() {	# HOST
	local want n
	want=$(for n in 1 2 3 4; do [ "$1" = r$n ] || echo "\"10.255.0.$n/32\""; done | paste -sd,)
	on "$1" vtysh -c 'show ip route json' |
		jq -e --argjson want "[$want]" '. as $r | all($want[]; ($r[.] // []) |
			any(.[]; .protocol == "ospf" and .selected == true))' >/dev/null
}
diagnose() {	# HOST...: OSPF neighbours and routes, the supervisor's lines
	local h
	for h in "$@"; do
		has_loopbacks "$h" && continue
		echo "== $h"
		on "$h" vtysh -c 'show ip ospf neighbor'
		on "$h" vtysh -c 'show ip route ospf'
		trellisd logs "$S" "$h" 2>&1 | tail -n 15
	done
}
converged() {	# HOST...: each has every loopback
	local h
	for h in "$@"; do has_loopbacks "$h" || return 1; done
}
nothing_left() {	# prints what is left, fails if anything is
	local left=""
	[ -z "$(ls -A /run/trellis 2>/dev/null)" ] || left+="state: $(ls -A /run/trellis) "
	left+=$(ip -d link show | grep -E 'egre|gretap|^[0-9]+: t[vgb][0-9a-f]{8}' | tr '\n' ' ')
	left+=$(ip netns list | tr '\n' ' ')
	left+=$(ps -eo pid=,comm= | awk '$2 ~ /^(zebra|ospfd|vtysh|trellis-sup|watchfrr)$/' | tr '\n' ' ')
	local root other
	root=$(readlink /proc/1/ns/net)
	# One find for every process, not a readlink each.
	other=$(find /proc/[0-9]*/ns/net -maxdepth 0 -printf '%h %l\n' 2>/dev/null |
		awk -v r="$root" '$2 != r { split($1, p, "/"); printf "%s ", p[3] }')
	[ -z "$other" ] || left+="processes in other network namespaces: $other"
	left+=$(grep -E 'trellis|/etc/frr|/run/frr' /proc/self/mounts | tr '\n' ' ')
	[ -z "$left" ] || { echo "left: $left"; return 1; }
}

check "$me: the wire is up" wait_for 300 ping -c 1 -W 1 "$TRELLIS_REMOTE"
check "$me: egre loads" insmod_built egre
check "$me: shortbridge loads" insmod_built shortbridge
defer rmmod egre
defer rmmod shortbridge

# --- 1. underlay reachability is checked before anything is built -------
remote_addr=$TRELLIS_REMOTE
sed -e "s|config $S/|config $TOP/topo/$S/|" \
    -e "s|^node $peer underlay $remote_addr\$|node $peer underlay 198.18.0.2|" "$FILE" > "$WORK/unreachable.topo"
check "$me: the copy with $peer at 198.18.0.2 is valid" trellisd check "$WORK/unreachable.topo"
check_error "$me: up refuses a peer whose underlay has no route" \
	"node $peer: underlay 198.18.0.2 unreachable from $TRELLIS_LOCAL" trellisd up "$WORK/unreachable.topo"
check "$me: the refused up left nothing" nothing_left

# --- 2. both halves come up ----------------------------------------------
t0=$SECONDS
check "$me: trellisd up $S (node found by its address)" trellisd up "$FILE"
defer trellisd down "$S"
check_output "$me: status names this node" "slice $S on node $me (underlay $TRELLIS_LOCAL)" trellisd status "$S"
check_output "$me: status shows the peer" "peer $peer" trellisd status "$S"
check "$me: status shows the local hosts ($mine)" same "$(status_hosts)" "$mine"
cross_links="r2:eth0-r3:eth1 r4:eth0-r1:eth1"
want_keys=$(for l in $cross_links; do key_of "$l"; done | sort -n | xargs)
echo "	keys derived from the file: $(for l in $cross_links; do printf '%s=%s ' "$l" "$(key_of "$l")"; done)"
check "$me: status shows the two tunnels with the derived keys ($want_keys)" same "$(status_keys)" "$want_keys"
kind_of() { ip -d -j link show "$1" | jq -r '.[0].linkinfo.info_kind'; }
check_value "$me: cross-node links are egre tunnels" egre kind_of "tg$(printf %08x "$(key_of r2:eth0-r3:eth1)")"
# The r2-r3 link: its end here, and the address of the far end.
if [ "$TRELLIS_NODE" = a ]; then near=r2 near_if=eth0 far=10.0.23.2; else near=r3 near_if=eth1 far=10.0.23.1; fi
check_value "$me: the cross-node link's MTU is 1458 ($near:$near_if)" 1458 on $near cat /sys/class/net/$near_if/mtu
check "$me: the far half answers across the tunnel ($near -> $far)" wait_for 300 on $near ping -c 1 -W 1 $far

# --- 3. OSPF converges across the machines --------------------------------
# shellcheck disable=SC2086
if wait_for 400 converged $mine; then
	ok "$me: OSPF: $mine have every loopback, across the machines"
	echo "	converged $((SECONDS - t0)) s after up"
else
	fail "$me: OSPF: $mine have every loopback, across the machines" \
		"$(diagnose $mine)"
fi

# --- 4. pings cross, captured on a ---------------------------------------
if [ "$TRELLIS_NODE" = a ]; then
	cap=$WORK/wire.pcapng
	dumpcap -i eth0 -s 200 -w "$cap" >"$WORK/dumpcap.log" 2>&1 &
	cap_pid=$!
	defer kill "$cap_pid"
	check "a: dumpcap captures the wire" wait_for 180 grep -q "Capturing on" "$WORK/dumpcap.log"
fi
for h in $mine; do
	n=${h#r}
	for t in $theirs; do
		check "$me: ping $h -> $t loopbacks (10.255.0.$n -> 10.255.0.${t#r}), 3 of 3 replies" \
			all_answered on "$h" ping -c 3 -i 0.3 -W 2 -I "10.255.0.$n" "10.255.0.${t#r}"
	done
done
check "$me: full-size DF ping across the tunnel (1430 + 28 = 1458), 2 of 2 replies" \
	all_answered on $near ping -c 2 -W 2 -M 'do' -s 1430 $far
counters_ok() {
	trellisd status --json "$S" | jq -e '[.[0].peers[].tunnels[] | select(.present and (.operstate == "up" or .operstate == "unknown") and .rx_packets > 0 and .tx_packets > 0)] | length == 2' >/dev/null
}
check "$me: status shows both tunnels up, with traffic both ways" counters_ok
# Each tunnel is bound to eth0, the device the route to the peer leaves
# by, and so takes its packets early (kernel/egre/underlay.c).
for k in $want_keys; do
	tun=tg$(printf %08x "$k")
	check_output "$me: $tun is bound to eth0" "dev eth0" trellisd egre show "$tun"
	early=$(ethtool -S "$tun" | awk '$1 == "rx_early:" { print $2 }')
	check_grew "$me: $tun takes packets from eth0 early" 0 "$early"
done
trellisd status "$S"

if [ "$TRELLIS_NODE" = a ]; then
	kill "$cap_pid"
	wait "$cap_pid" 2>/dev/null
	tshark -r "$cap" -T fields -E occurrence=f -e frame.protocols -e ip.src -e ip.dst -e ip.proto \
		-e gre.proto -e gre.key > "$WORK/wire.txt" 2>/dev/null
	wire_check() {	# keys: what was on the wire
		python3 - "$WORK/wire.txt" "$@" <<-'EOF'
		import sys
		want = {int(k) for k in sys.argv[2:]}
		seen = {}
		bad, other, sync = [], {}, 0
		for line in open(sys.argv[1]):
		    f = (line.rstrip("\n").split("\t") + [""] * 6)[:6]
		    protos, src, dst, proto, gproto, key = f
		    if not src:
		        kind = protos.split(":")[2] if protos.count(":") >= 2 else protos
		        other[kind] = other.get(kind, 0) + 1
		        continue
		    if any(a.startswith("192.0.2.1") and len(a) == 11 for a in (src, dst)):
		        sync += 1	# phase markers 192.0.2.1NN, not trellis traffic
		        continue
		    ok = (proto == "47" and gproto and int(gproto, 0) == 0x6558 and key
		          and int(key, 0) in want and {src, dst} == {"192.0.2.1", "192.0.2.2"})
		    if not ok:
		        bad.append(line.strip())
		        continue
		    seen.setdefault((src, int(key, 0)), 0)
		    seen[(src, int(key, 0))] += 1
		total = sum(seen.values())
		print("%d GRE/TEB frames: %s; not IPv4: %s; phase-marker pings: %d" % (
		    total, ", ".join("%s key %d: %d" % (s, k, n) for (s, k), n in sorted(seen.items())),
		    other or "none", sync))
		missing = [(s, k) for s in ("192.0.2.1", "192.0.2.2") for k in want if (s, k) not in seen]
		if bad:
		    print("other IPv4 on the wire:", *bad[:5], sep="\n  ")
		if missing:
		    print("no frame from", missing)
		sys.exit(1 if bad or missing or not total else 0)
		EOF
	}
	# shellcheck disable=SC2086
	out=$(wire_check $want_keys)
	if [ $? = 0 ]; then
		ok "a: the wire carries only GRE / TEB (0x6558) with keys $want_keys, both ways"
		echo "	$out"
	else
		fail "a: the wire carries only GRE / TEB (0x6558) with keys $want_keys, both ways" "$out"
	fi
	check_output "a: tshark names the payload Transparent Ethernet bridging" "Transparent Ethernet bridging" \
		bash -c "tshark -r '$cap' -V -c 20 -Y gre 2>&1 | grep -m 1 'Transparent Ethernet bridging'"
fi
signal 1
check "$me: $peer has finished its first checks" await 1 900

# --- 4b. a cross-node link fails: OSPF goes round the other tunnel --------
# a takes r2's end of the r2-r3 tunnel down; r2 then reaches r3 over r1
# and the r4-r1 tunnel, and directly again once the link is up.  b waits.
via_link() {	# HOST PREFIX IF: HOST's OSPF route to PREFIX leaves by IF
	on "$1" vtysh -c "show ip route $2 json" |
		jq -e --arg p "$2" --arg i "$3" '.[$p][] | select(.protocol == "ospf" and .selected == true) |
			select(any(.nexthops[]; .interfaceName == $i and .active == true))' >/dev/null
}
if [ "$TRELLIS_NODE" = a ]; then
	check "a: trellisd link down $S r2:eth0 (the r2-r3 tunnel)" trellisd link down "$S" r2:eth0
	check "a: r2-r3 down: r2 reaches r3's loopback the long way (eth1)" \
		wait_for 300 via_link r2 10.255.0.3/32 eth1
	check "a: r2-r3 down: ping r2 -> r3 loopbacks still reaches" \
		wait_for 120 on r2 ping -c 1 -W 2 -I 10.255.0.2 10.255.0.3
	check "a: r2-r3 down: 3 of 3 echo replies the long way" \
		all_answered on r2 ping -c 3 -i 0.3 -W 2 -I 10.255.0.2 10.255.0.3
	check "a: trellisd link up $S r2:eth0" trellisd link up "$S" r2:eth0
	check "a: r2-r3 back up: r2 reaches r3 directly again (eth0)" \
		wait_for 300 via_link r2 10.255.0.3/32 eth0
fi
signal 5
check "$me: $peer has finished the link failure" await 5 900

# --- 5. r2 moves to beta: apply on both machines ------------------------
sed -e "s|config $S/|config $TOP/topo/$S/|" -e 's/^host r2 node alpha$/host r2 node beta/' "$FILE" > "$WORK/moved.topo"
check "$me: the copy with r2 on beta is valid" trellisd check "$WORK/moved.topo"
t0=$SECONDS
check "$me: trellisd apply (r2 moves to beta)" trellisd apply "$WORK/moved.topo"
if [ "$TRELLIS_NODE" = a ]; then mine="r1" theirs="r2 r3 r4"; else mine="r2 r3 r4" theirs="r1"; fi
check "$me: status shows the local hosts now ($mine)" same "$(status_hosts)" "$mine"
cross_links="r1:eth0-r2:eth1 r4:eth0-r1:eth1"
want_keys=$(for l in $cross_links; do key_of "$l"; done | sort -n | xargs)
check "$me: status shows the new tunnels ($want_keys)" same "$(status_keys)" "$want_keys"
# shellcheck disable=SC2086
if wait_for 400 converged $mine; then
	ok "$me: after the move, OSPF: $mine have every loopback"
	echo "	converged $((SECONDS - t0)) s after apply"
else
	fail "$me: after the move, OSPF: $mine have every loopback" \
		"$(diagnose $mine)"
fi
for h in $mine; do
	for t in $theirs; do
		check "$me: after the move, ping $h -> $t loopbacks" \
			wait_for 60 on "$h" ping -c 1 -W 2 -I "10.255.0.${h#r}" "10.255.0.${t#r}"
	done
done
check "$me: status shows both tunnels up, with traffic both ways" counters_ok
trellisd status "$S"
signal 2
check "$me: $peer has finished its checks after the move" await 2 900

# --- 6. a jumbo underlay (1542) carries 1500-byte inner frames ----------
# The r4-r1 link gets `mtu 1500'; both machines raise their wire to 1542.
sed -e 's/^link r4:eth0 r1:eth1$/link r4:eth0 r1:eth1 mtu 1500/' "$WORK/moved.topo" > "$WORK/jumbo.topo"
check "$me: the wire takes MTU 1542" ip link set eth0 mtu 1542
check "$me: trellisd apply (r4-r1 gets mtu 1500)" trellisd apply "$WORK/jumbo.topo"
if [ "$TRELLIS_NODE" = a ]; then near=r1 near_if=eth1 far=10.0.41.1; else near=r4 near_if=eth0 far=10.0.41.2; fi
check_value "$me: $near:$near_if has MTU 1500" 1500 on $near cat /sys/class/net/$near_if/mtu
check_value "$me: its tunnel has MTU 1500" 1500 link_attr "" "tg$(printf %08x "$(key_of r4:eth0-r1:eth1)")" mtu
check "$me: a 1500-byte DF packet crosses ($near -> $far, 1472 + 28)" \
	wait_for 120 on $near ping -c 1 -W 2 -M 'do' -s 1472 $far
check_error "$me: a 1501-byte DF packet does not leave $near (message too long)" "message too long" \
	on $near ping -c 1 -W 2 -M 'do' -s 1473 $far
# OSPF forms its adjacency again on the re-created link: the route to the
# far router's loopback leaves by it (one hop, against three the other way).
if [ "$TRELLIS_NODE" = a ]; then lo=10.255.0.4/32; else lo=10.255.0.1/32; fi
if wait_for 300 via_link $near $lo $near_if; then
	ok "$me: OSPF routes $near -> $lo over the re-created link again"
else
	fail "$me: OSPF routes $near -> $lo over the re-created link again" \
		"$(on $near vtysh -c 'show ip ospf neighbor'; on $near vtysh -c "show ip route $lo"; on $near ip link show $near_if; trellisd logs "$S" $near 2>&1 | tail -n 15)"
fi
signal 3
check "$me: $peer has finished its jumbo checks" await 3 900

# --- 7. down leaves nothing ----------------------------------------------
check "$me: trellisd down $S" trellisd down "$S"
check "$me: nothing is left (state, links, netns, processes, mounts)" wait_for 30 nothing_left
signal 4
# Stay until the peer is done too, or gone (three echo requests in a row
# unanswered).
wait_for 300 bash -c "ping -c 1 -W 2 192.0.2.$((140 + pidx)) || ! ping -c 3 -i 1 -W 2 $TRELLIS_REMOTE" >/dev/null || true
