#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# carrier-follow: when one port of a join is not up, a virtual host behind
# the other (a veth port) sees NO-CARRIER on its end of the veth pair, and
# sees its carrier again when the port comes back.  Without the flag,
# nothing of the sort happens.  A tunnel's carrier belongs to its driver
# and is never touched.
#
#   +-- h1 ----------+   +-- sw -------------------------+   +-- h2 ----------+
#   | v1 192.0.2.1   +---+ s1 ==shortbridge== s2         +---+ v2 192.0.2.2   |
#   +----------------+   |                               |   +----------------+
#   +-- h3 ----------+   |                               |
#   | v3             +---+ s3 ==shortbridge== t3 (gretap |
#   +----------------+   |        192.0.2.1 -> 192.0.2.2)|
#                        +-------------------------------+
#
# timeout: 300
# cost: 118

. "$(dirname "$0")/../lib.sh"

require_cmd ip ping jq
insmod_built shortbridge || { fail "load shortbridge.ko" "insmod failed"; exit 1; }
defer rmmod shortbridge

ns_add h1 sb-h1
ns_add h2 sb-h2
ns_add h3 sb-h3
ns_add sw sb-sw
veth_link "$h1" v1 "$sw" s1
veth_link "$h2" v2 "$sw" s2
veth_link "$h3" v3 "$sw" s3
ip -n "$h1" addr add 192.0.2.1/24 dev v1
ip -n "$h2" addr add 192.0.2.2/24 dev v2

sb() {
	ip netns exec "$sw" "$TRELLISD" sb "$@"
}

has_carrier() {	# ns dev
	link_flag "$1" "$2" LOWER_UP
}

no_carrier() {	# ns dev
	link_flag "$1" "$2" NO-CARRIER
}

# --- veth <-> veth ------------------------------------------------------------
check "join s1 and s2 with carrier-follow" sb add s1 s2 carrier-follow
both_carrier() { has_carrier "$h1" v1 && has_carrier "$h2" v2; }
check "both hosts have carrier" both_carrier
check "ping h1 -> h2" wait_for 60 ip netns exec "$h1" ping -c 1 -W 1 192.0.2.2

ip -n "$h2" link set v2 down
check "h2 takes its link down: h1 sees NO-CARRIER" wait_for 60 no_carrier "$h1" v1
check "... and so does s1, the port h1 is attached to" no_carrier "$sw" s1
ip -n "$h2" link set v2 up
check "h2 brings its link up: h1 has carrier again" wait_for 60 has_carrier "$h1" v1
check "... and reaches h2" wait_for 60 ip netns exec "$h1" ping -c 1 -W 1 192.0.2.2

ip -n "$sw" link set s2 down
check "port s2 taken down: h1 sees NO-CARRIER" wait_for 60 no_carrier "$h1" v1
ip -n "$sw" link set s2 up
check "port s2 up again: h1 has carrier" wait_for 60 has_carrier "$h1" v1
check "... and h2 too" wait_for 60 has_carrier "$h2" v2

# veth_open() on the far end turns both ends' carrier on; the notifier must
# turn it off again while the other side is still down.
ip -n "$h2" link set v2 down
wait_for 60 no_carrier "$h1" v1
ip -n "$h1" link set v1 down
ip -n "$h1" link set v1 up
check "h1 bounces its link while h2's is down: still NO-CARRIER" \
	wait_for 60 no_carrier "$h1" v1
ip -n "$h2" link set v2 up
check "h2 up: h1 has carrier" wait_for 60 has_carrier "$h1" v1

ip -n "$h2" link set v2 down
wait_for 60 no_carrier "$h1" v1
check "unjoin while h2 is down" sb del s1
check "unjoin gives h1 back the carrier veth would give it" \
	wait_for 60 has_carrier "$h1" v1
ip -n "$h2" link set v2 up

# --- without the flag -----------------------------------------------------------
check "join s1 and s2 without carrier-follow" sb add s1 s2
ip -n "$h2" link set v2 down
wait_for 60 no_carrier "$sw" s2
check "without carrier-follow, h2 down leaves h1's carrier alone" has_carrier "$h1" v1
ip -n "$h2" link set v2 up
sb del s1

# --- veth <-> gretap --------------------------------------------------------------
if modprobe ip_gre 2>/dev/null &&
   ip -n "$sw" link add t3 type gretap local 192.0.2.1 remote 192.0.2.2 key 7; then
	ip -n "$sw" link set t3 up
	check "join s3 and gretap t3 with carrier-follow" sb add s3 t3 carrier-follow
	check "tunnel up: h3 has carrier" wait_for 60 has_carrier "$h3" v3
	ip -n "$sw" link set t3 down
	check "tunnel down: h3 sees NO-CARRIER" wait_for 60 no_carrier "$h3" v3
	ip -n "$sw" link set t3 up
	check "tunnel up again: h3 has carrier" wait_for 60 has_carrier "$h3" v3
	ip -n "$h3" link set v3 down
	wait_for 60 no_carrier "$sw" s3
	check "h3 down: the tunnel's carrier is left to its driver" has_carrier "$sw" t3
	ip -n "$h3" link set v3 up
else
	skip "veth <-> gretap carrier-follow" "cannot make a gretap device"
fi
