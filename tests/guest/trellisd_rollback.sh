#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# trellisd up is all or nothing: a broken file changes nothing, a failure at
# any step of a deploy rolls back to nothing, a conflicting interface is
# refused and left alone, and down cleans up after a trellisd killed
# mid-way.
#
#   topo/ring.topo (one node):  r1 -- r2 -- r3 -- r4 -- r1
#
#   topo/two-node.topo deployed as node alpha (the beta half is absent;
#   the cross-node link ends in a tunnel in the root namespace; alpha's
#   underlay 192.0.2.1/24 is on a dummy device trl-under):
#
#     a1 eth0 ---- eth0 a2 eth1 ==== veth tvKEY ==[bridge tbKEY | shortbridge]== tgKEY (gretap | egre) -> 192.0.2.2
#
# Test hooks used: TRELLIS_FAIL_AT=N (the Nth step fails) and
# TRELLIS_CRASH_AT=N (trellisd kills itself at the Nth step).
#
# timeout: 1800
# cost: 153

. "$(dirname "$0")/../lib.sh"

require_cmd ip tc awk jq

T=$TRELLISD
tmp=$(mktemp -d /tmp/trellisd-rollback.XXXXXX)
defer rm -rf "$tmp"

nothing_left()	# name
{
	if wait_for 20 same_as_before; then
		ok "$1: nothing left"
	else
		fail "$1: nothing left" "$(same_as_before | head -30)"
	fi
}

take_snapshot

# --- a broken file -------------------------------------------------------
sed 's/^link r3:eth0 r4:eth1$/link r3:eth0 r4:eth1 mut 1400/; s/^    addr r1 198.51.100.1\/30/    addr r1 198.51.100.1\/33/' \
	"$TOP/topo/ring.topo" > "$tmp/broken.topo"
check_error "broken: up names the bad option" "unknown link option \`mut' (did you mean \`mtu'?)" \
	"$T" up "$tmp/broken.topo"
check_error "broken: up names the bad prefix" "prefix length out of range in \`198.51.100.1/33'" \
	"$T" up "$tmp/broken.topo"
check_error "broken: check fails the same way" "broken.topo:" "$T" check "$tmp/broken.topo"
nothing_left "broken"

# --- a failure at every step ----------------------------------------------
n=0
while :; do
	n=$((n + 1))
	out=$(TRELLIS_FAIL_AT=$n "$T" up "$TOP/topo/ring.topo" 2>&1)
	status=$?
	if [ $status -eq 0 ]; then
		break
	fi
	if ! printf '%s' "$out" | grep -q "injected failure"; then
		fail "failure at step $n is reported" "$out"
	elif ! printf '%s' "$out" | grep -q "rolling back"; then
		fail "failure at step $n rolls back" "$out"
	elif ! wait_for 20 same_as_before; then
		fail "failure at step $n leaves nothing" "$(same_as_before | head -20)"
	else
		ok "failure at step $n: $(printf '%s' "$out" | head -1 | sed 's/.*injected failure/injected failure/')"
	fi
	[ $n -lt 50 ] || break
done
if [ $n -ge 10 ]; then
	ok "ring: $((n - 1)) steps, each rolled back; up succeeds without the hook"
else
	fail "ring: steps" "only $((n - 1)) steps before up succeeded"
fi
check "ring: works after all that" wait_for 15 "$T" exec ring r1 -- ping -c 1 -W 1 203.0.113.3
check "ring: down" "$T" down ring
nothing_left "ring"

# --- trellisd killed mid-way ---------------------------------------------
TRELLIS_CRASH_AT=7 "$T" up "$TOP/topo/ring.topo" >/dev/null 2>&1
status=$?
if [ $status -eq 137 ]; then ok "crash: trellisd killed at step 7"
else fail "crash: trellisd killed at step 7" "exit status $status"; fi
check_output "crash: status says the slice is incomplete" "incomplete" "$T" status ring
check "crash: down cleans up" "$T" down ring
nothing_left "crash"

# --- a conflicting interface ----------------------------------------------
# Node alpha's underlay address, and a route towards beta's (no beta here).
ip link add trl-under type dummy
defer ip link del trl-under
ip addr add 192.0.2.1/24 dev trl-under
ip link set trl-under up
take_snapshot

backend_test()	# backend
{
	local b=$1 key
	check "$b: up node alpha of two-node.topo" \
		"$T" up "$TOP/topo/two-node.topo" --node alpha --backend "$b"
	key=$(awk '$2 == "a2:eth1-b1:eth1" { printf "%08x", $1 }' /run/trellis/span/keys)
	check "$b: tunnel tg$key is up" link_flag "" "tg$key" UP
	check "$b: veth tv$key is up" link_flag "" "tv$key" UP
	check "$b: the local link works" wait_for 15 "$T" exec span a1 -- ping -c 1 -W 1 198.51.100.2
	check_output "$b: status lists the root devices" "tg$key" "$T" status span
	check "$b: down" "$T" down span
	nothing_left "$b"

	ip link add "tg$key" type dummy
	take_snapshot
	check_error "$b: up refuses a conflicting tg$key" "File exists" \
		"$T" up "$TOP/topo/two-node.topo" --node alpha --backend "$b"
	check "$b: the conflicting interface is left alone" ip_some link show "tg$key" type dummy
	nothing_left "$b conflict"
	ip link del "tg$key"
	take_snapshot
}

# egre first: with ip_gre loaded, egre.ko cannot register for GRE.
if [ -f "$TOP/kernel/egre/egre.ko" ] && [ -f "$TOP/kernel/shortbridge/shortbridge.ko" ]; then
	if insmod_built egre && insmod_built shortbridge; then
		take_snapshot
		backend_test egre
		# egre and ip_gre both want GRE version 0: unload before gretap.
		rmmod egre shortbridge
	else
		fail "egre backend" "cannot load egre.ko and shortbridge.ko"
	fi
else
	skip "egre backend" "kernel/egre/egre.ko or kernel/shortbridge/shortbridge.ko is not built (make modules)"
fi

if modprobe ip_gre 2>/dev/null; then
	take_snapshot	# ip_gre adds gre0, gretap0, erspan0
	backend_test gretap
else
	skip "gretap backend" "the ip_gre module cannot be loaded"
fi

# --- apply of a broken file changes nothing ---------------------------------
check "apply: up line" "$T" up "$TOP/topo/line.topo"
sed 's/198.51.100.2\/24/198.51.100.2\/25/' "$TOP/topo/line.topo" > "$tmp/line-broken.topo"
check_error "apply: refuses mismatched subnets" "is not in the subnet of" "$T" apply "$tmp/line-broken.topo"
check_output "apply: the address is unchanged" "198.51.100.2/24" "$T" exec line h2 -- ip -4 addr show dev eth0
check "apply: down" "$T" down line
nothing_left "apply"
