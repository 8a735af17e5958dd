#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Generated addresses and routing (issue 16): a ring of six routers, four
# FRR and two BIRD, with nothing but `addressing auto' and `routing ospf'
# in its file, deployed by trellisd and checked by `trellisd validate'.
#
#          r1 ------ r2(BIRD) ------ r3
#          |                          |
#          r6 ------ r5(BIRD) ------ r4
#
#   links /31 from 10.0.0.0/16 (and /127), loopbacks 10.255.0.N/32,
#   OSPFv2 point-to-point, hello 1 s, dead 4 s (the defaults)
#
# Checks: check accepts the file and shows the generated configurations;
# validate passes once converged (every adjacency Full, every loopback
# reaches every other, the file's expect lines); `trellisd link down
# r1:eth0' makes validate fail naming the r1-r2 adjacency while r1 still
# reaches r2 the long way; after `link up' validate passes again; a
# loopback removed by hand shows in the reachability matrix.  A BIRD
# file with `retransmit 1' on an OSPF interface is refused by check and up
# with its file, line and column, and up builds nothing.
#
# timeout: 900
# cost: 284

. "$(dirname "$0")/../lib.sh"

require_cmd vtysh birdc jq ping
[ -x /usr/lib/frr/ospfd ] || { skip "routing_auto" "FRR is not installed (scripts/deps)"; exit 0; }

S=auto-ring
DIR=$(mktemp -d)
defer rm -rf "$DIR"

cat >"$DIR/ring.topo" <<'EOF'
slice auto-ring
addressing auto
routing ospf

host r1
host r2
    routing ospf daemon bird
host r3
host r4
host r5
    routing ospf daemon bird
host r6

link r1:eth0 r2:eth0
link r2:eth1 r3:eth0
link r3:eth1 r4:eth0
link r4:eth1 r5:eth0
link r5:eth1 r6:eth0
link r6:eth1 r1:eth1

expect r1 reaches r4
expect r1 route r2 via r2
expect r4 route 10.255.0.5/32 via r5
expect r1:eth0 carries traffic
EOF

# The issue's example: BIRD refuses `retransmit 1', so must check and up.
mkdir -p "$DIR/bad"
cat >"$DIR/bad/bird.conf" <<'EOF'
router id 10.255.0.1;
protocol device {
}
protocol ospf v2 {
	ipv4;
	area 0 {
		interface "eth0" {
			type ptp;
			retransmit 1;
		};
	};
}
EOF
cat >"$DIR/bad.topo" <<'EOF'
slice auto-bad
host b1
    bird config bad/bird.conf
host b2
link b1:eth0 b2:eth0
    addr b1 10.0.0.0/31
    addr b2 10.0.0.1/31
EOF

check_error "check refuses a BIRD file with retransmit 1, at its line and column" \
	"$DIR/bad/bird.conf:9:15: Retransmit int must be greater than one (host b1, bird -p)" \
	trellisd check "$DIR/bad.topo"
check_error "up refuses it too" "routing configurations refused, nothing changed" \
	trellisd up "$DIR/bad.topo"
check "and up built nothing" test ! -e /run/trellis/auto-bad

# A daemon that exits while starting fails up, naming the host and showing
# the end of its log, and up rolls back (it used to report success while
# the daemon restarted over and over): BIRD without a router id, in a host
# with no IPv4 address, passes bird -p and then exits.
mkdir -p "$DIR/noid"
printf 'log stderr all;\nprotocol device {\n}\n' >"$DIR/noid/bird.conf"
printf 'slice auto-noid\nhost n1\n    bird config noid/bird.conf\n' >"$DIR/noid.topo"
check "check accepts BIRD without a router id" trellisd check "$DIR/noid.topo"
noid_rc=0
noid=$(trellisd up "$DIR/noid.topo" 2>&1) || noid_rc=$?
noid_says() { printf '%s\n' "$noid"; }
check "up fails when bird exits during start-up" test "$noid_rc" != 0
check_output "... naming the host and the daemon" "host n1: bird exited during start-up (exit-1)" noid_says
check_output "... with the end of its log" "<FATAL> Cannot determine router ID" noid_says
check "... and rolled back" test ! -e /run/trellis/auto-noid
check_fails "... leaving no bird running" pgrep -x bird

shown=$(trellisd check "$DIR/ring.topo" --show 2>&1)
check_output "check accepts the generated ring" "slice auto-ring: 0 nodes, 6 hosts, 6 links, 0 lans: ok" \
	echo "$shown"
check_output "check --show: r1's generated OSPF interface" "ip ospf network point-to-point" \
	echo "$shown"
check_output "check --show: r2's generated BIRD OSPF" 'interface "eth0" { type ptp; hello 1; dead 4; retransmit 2; };' \
	echo "$shown"

t0=$SECONDS
check "trellisd up (addressing auto, routing ospf)" trellisd up "$DIR/ring.topo"
defer trellisd down "$S"
echo "	up returned after $((SECONDS - t0)) s"

check_output "r1:eth0 has its /31" "10.0.0.0/31" trellisd exec "$S" r1 -- ip -4 addr show eth0
check_output "r5 has its loopback" "10.255.0.5/32" trellisd exec "$S" r5 -- ip -4 addr show lo

out=$(trellisd validate "$S" --timeout 300 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/\t/'
if [ "$rc" = 0 ] && _says "$out" "validate auto-ring: ok" && _says "$out" "adjacencies: 6 of 6 up"; then
	ok "validate: converged, 6 adjacencies, every loopback reaches every other"
else
	fail "validate: converged, 6 adjacencies, every loopback reaches every other" "status $rc"
fi
echo "	converged $((SECONDS - t0)) s after trellisd up started"

check "trellisd link down auto-ring r1:eth0" trellisd link down "$S" r1:eth0
# The ring routes around the cut: r1 (FRR) and r2 (BIRD) reach each other
# the long way, out of their eth1.
leaves_by() {	# HOST ADDRESS IF
	trellisd exec "$S" "$1" -- ip route get "$2" | grep -q " dev $3 "
}
rerouted() { leaves_by r1 10.255.0.2 eth1 && leaves_by r2 10.255.0.1 eth1; }
if wait_for 120 rerouted; then
	ok "r1-r2 cut: r1 and r2 route to each other round the ring"
else
	fail "r1-r2 cut: r1 and r2 route to each other round the ring" \
		"$(trellisd exec "$S" r1 -- ip route; trellisd exec "$S" r2 -- ip route)"
fi
# The adjacency cannot come back while the link is down: one round of
# validate (--timeout 0) names it; every loopback still reaches.
out=$(trellisd validate "$S" --timeout 0 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/\t/'
if [ "$rc" != 0 ] && _says "$out" "ospf adjacency r1:eth0 - r2:eth0 is down"; then
	ok "validate fails and names the cut adjacency r1:eth0 - r2:eth0"
else
	fail "validate fails and names the cut adjacency r1:eth0 - r2:eth0" "status $rc"
fi
if _says "$out" "adjacencies: 5 of 6 up" && ! _says "$out" "does not reach"; then
	ok "with r1-r2 cut, the other 5 adjacencies are up and every loopback still reaches"
else
	fail "with r1-r2 cut, the other 5 adjacencies are up and every loopback still reaches"
fi
check_output "expect r1 route r2 via r2 fails while the link is down" \
	"expect at line 22: r1's route to 10.255.0.2 leaves by eth1, not towards r2" echo "$out"
check_output "expect r1:eth0 carries traffic fails while the link is down" \
	"expect at line 24: r1:eth0 carries no traffic" echo "$out"

check "trellisd link up auto-ring r1:eth0" trellisd link up "$S" r1:eth0
out=$(trellisd validate "$S" --timeout 180 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/\t/'
if [ "$rc" = 0 ] && _says "$out" "adjacencies: 6 of 6 up"; then
	ok "after link up, validate passes again"
else
	fail "after link up, validate passes again" "status $rc"
fi
# A loopback that goes away is seen: r3's row and column in the matrix.
check "r3 loses its loopback address" trellisd exec "$S" r3 -- ip addr del 10.255.0.3/32 dev lo
out=$(trellisd validate "$S" --timeout 0 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/\t/'
if [ "$rc" != 0 ] && _says "$out" "r1 does not reach r3 (10.255.0.3)" &&
   _says "$out" "r3 does not reach r4 (10.255.0.4)" && _says "$out" "adjacencies: 6 of 6 up"; then
	ok "validate: r3's lost loopback fails reachability both ways, adjacencies still up"
else
	fail "validate: r3's lost loopback fails reachability both ways, adjacencies still up" "status $rc"
fi
check_error "validate of a slice that is not up" "slice nosuch is not up" trellisd validate nosuch

check "trellisd down auto-ring" trellisd down "$S"
