#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Netlink fuzzer: tests/fuzz/nl_fuzz sends random and mutated requests to the
# shortbridge generic netlink family and to the egre link kind (RTM_NEWLINK,
# SETLINK, DELLINK, GETLINK with IFLA_LINKINFO "egre" and random
# IFLA_INFO_DATA), three times:
#
#   root                in $fz, a namespace with four veth pairs
#   userns root         unshare -Ur in $fz: a namespace it does not own, so
#                       every change must be refused
#   userns root, netns  unshare -Urn: its own namespace, own veth pairs
#
# After each: every egre device and join it made is gone, nothing else in the
# namespace changed, and no request went unanswered.  Then the modules still
# work (a tunnel and a join carry a ping) and both unload.  The harness
# fails the run on any kernel splat.  Refusals without an extack message are
# listed (the requests that lack one), not failed.
#
#  +--- $fz ---------------------+
#  | fzv0a-fzv0b ... fzv3a-fzv3b |  the devices the requests name
#  | fze0..fze11: egre devices   |  created and deleted by the fuzzer
#  +-----------------------------+
#
# TRELLIS_FUZZ_SEED=N reproduces a run; TRELLIS_FUZZ_REQUESTS (default 2000,
# 20000 with TRELLIS_FULL=1) requests to each family in each run.
# timeout: 900
# cost: 177
source "$(dirname "$0")/../lib.sh"
require_cmd unshare ethtool

count=${TRELLIS_FUZZ_REQUESTS:-2000}
[ -n "${TRELLIS_FULL:-}" ] && count=${TRELLIS_FUZZ_REQUESTS:-20000}
seed=${TRELLIS_FUZZ_SEED:-$((RANDOM * 32768 + RANDOM))}
fuzz=$TOP/tests/fuzz/nl_fuzz
if [ ! -x "$fuzz" ]; then
	make -s -C "$TOP/tests/fuzz" >/dev/null 2>&1 ||
		{ fail "tests/fuzz/nl_fuzz is built" "run make (needs libmnl-dev)"; exit 1; }
fi

insmod_built egre || { fail "egre loads" "insmod failed"; exit 1; }
insmod_built shortbridge || { fail "shortbridge loads" "insmod failed"; exit 1; }

veths()	# make four veth pairs in the current namespace
{
	local i
	for i in 0 1 2 3; do
		ip link add fzv${i}a type veth peer name fzv${i}b || return 1
		ip link set fzv${i}a up && ip link set fzv${i}b up || return 1
	done
}
export -f veths

ns_add fz nl-fuzz
check "four veth pairs in the fuzz namespace" ip netns exec "$fz" bash -c veths
links() { ip -n "$fz" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort; }
links_before=$(links)
same_links() { diff -u <(printf '%s\n' "$links_before") <(links); }

summary()	# output key: the value of key in its SUMMARY line
{
	sed -n 's/^SUMMARY .*\b'"$2"'=\([0-9]*\).*/\1/p' <<< "$1"
}

# run_fuzz NAME CMD...: runs the fuzzer, prints its report, checks what every
# run must leave behind; the output stays in $last for more checks.
last=
run_fuzz()
{
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed "s/^/[$name] /"
	last=$out
	if [ "$rc" != 0 ] || ! grep -q '^SUMMARY ' <<< "$out"; then
		fail "$name: the fuzzer runs to its summary" "exit status $rc, seed $seed"
		return 1
	fi
	local sb=$(summary "$out" sb_sent) rt=$(summary "$out" rt_sent)
	ok "$name: $sb requests to shortbridge, $rt to egre (seed $(summary "$out" seed))"
	local un=$(( $(summary "$out" sb_unanswered) + $(summary "$out" rt_unanswered) ))
	if [ "$un" = 0 ]; then ok "$name: every request answered"; else fail "$name: every request answered" "$un unanswered"; fi
	local le=$(summary "$out" left_egre) lj=$(summary "$out" left_joins)
	if [ "$le" = 0 ] && [ "$lj" = 0 ]; then
		ok "$name: no egre device or join left after cleanup"
	else
		fail "$name: no egre device or join left after cleanup" "$le egre devices, $lj joins left (seed $seed)"
	fi
}

accepted_both()	# name: both families accepted some requests (the fuzz reached the code)
{
	local a=$(summary "$last" sb_accepted_mutations) b=$(summary "$last" rt_accepted_mutations)
	if [ "${a:-0}" -gt 0 ] && [ "${b:-0}" -gt 0 ]; then
		ok "$1: changes accepted too (shortbridge $a, egre $b)"
	else
		fail "$1: changes accepted too" "shortbridge $a, egre $b: the fuzz never got past the checks"
	fi
}

run_fuzz root ip netns exec "$fz" "$fuzz" -s "$seed" -n "$count" && accepted_both root
check "root: the namespace's devices are as before" same_links

run_fuzz "userns root in a namespace it does not own" \
	ip netns exec "$fz" unshare -Ur "$fuzz" -s "$((seed + 1))" -n "$count"
a=$(summary "$last" sb_accepted_mutations) b=$(summary "$last" rt_accepted_mutations)
if [ "$a" = 0 ] && [ "$b" = 0 ]; then
	ok "userns root: every change refused"
else
	fail "userns root: every change refused" "accepted: shortbridge $a, egre $b (seed $((seed + 1)))"
fi
check "userns root: the namespace's devices are as before" same_links

# In its own user and network namespace; the namespace goes away with it.
run_fuzz "userns root with its own netns" unshare -Urn bash -c '
	ip link set lo up && veths || exit 1
	"$0" -s "$1" -n "$2" || exit 1
	echo "egre devices at the end: $(ip -d -o link show | grep -cw egre)"' \
	"$fuzz" "$((seed + 2))" "$count" && accepted_both "userns root with its own netns"
if grep -q '^egre devices at the end: 0$' <<< "$last"; then
	ok "userns root with its own netns: ip link lists no egre device"
else
	fail "userns root with its own netns: ip link lists no egre device" "$(grep '^egre devices' <<< "$last")"
fi

# Root's namespace is clean by the tools' own account too.
no_egre() { ! ip -n "$fz" -d -o link show | grep -w egre; }
check "no egre device in the fuzz namespace (ip -d link)" no_egre
no_joins()
{
	local out
	out=$(ip netns exec "$fz" "$TRELLISD" sb show) || return 1
	# A header line, then a line per direction of each join.
	! grep -v -e '^IN ' -e '^$' <<< "$out"
}
check "no join in the fuzz namespace (trellisd sb show)" no_joins

# Positive control: a tunnel and a join carry a ping.
#   $hostA: eg 10.9.0.1 (key 9) -- ul == ul -- $hostB: eg <sb> hv == $hostC: eth0 10.9.0.2
ns_add hostA nlfz-A
ns_add hostB nlfz-B
ns_add hostC nlfz-C
veth_link "$hostA" ul "$hostB" ul 192.0.2.1/24 192.0.2.2/24
veth_link "$hostB" hv "$hostC" eth0
ip -n "$hostC" addr add 10.9.0.2/24 dev eth0
check "after: tunnel at A" egre_up "$hostA" eg 192.0.2.1 192.0.2.2 9 10.9.0.1/24
check "after: tunnel at B" ip netns exec "$hostB" "$TRELLISD" egre add eg local 192.0.2.2 remote 192.0.2.1 key 9
ip -n "$hostB" link set eg up
check "after: join the tunnel to a veth at B" ip netns exec "$hostB" "$TRELLISD" sb add eg hv
check "after: ping through the tunnel and the join" \
	wait_for 30 ip netns exec "$hostA" ping -c 1 -W 2 10.9.0.2
check "after: delete the join and the tunnels" sh -c "ip netns exec $hostB $TRELLISD sb del eg &&
	ip -n $hostB link del eg && ip -n $hostA link del eg"

# Nothing holds the modules: both unload (a leaked device or reference would
# make rmmod fail or hang).
run_deferred
check "shortbridge unloads" timeout 120 rmmod shortbridge
check "egre unloads" timeout 120 rmmod egre
