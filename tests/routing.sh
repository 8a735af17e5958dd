# SPDX-License-Identifier: GPL-2.0
# Sourced by the routing tests after lib.sh.
#
#   on HOST CMD...                   run CMD in HOST of slice $S (a test may
#                                    redefine it, e.g. for two machines)
#   has_route HOST PREFIX [IF]       HOST's zebra has PREFIX from OSPF,
#                                    selected (out of IF if given)
#   all_loopbacks                    every router r1..r4 has every other
#                                    one's loopback 10.255.0.N/32

on() {	# HOST CMD...
	local h=$1
	shift
	trellisd exec "$S" "$h" -- "$@"
}

has_route() {
	on "$1" vtysh -c "show ip route $2 json" |
		jq -e --arg p "$2" --arg i "${3:-}" '.[$p][] | select(.protocol == "ospf" and .selected == true) |
			select($i == "" or any(.nexthops[]; .interfaceName == $i and .active == true))' >/dev/null
}

all_loopbacks() {
	local h n
	for h in r1 r2 r3 r4; do
		for n in 1 2 3 4; do
			[ "$h" = r$n ] && continue
			has_route "$h" 10.255.0.$n/32 || return 1
		done
	done
}
