#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# guests: 3
# check-full only
# The harness itself: N guests on one segment (scripts/vm-net), each
# reaching every other by ping and over ssh, as tests/net/*.sh take for
# granted. (make check skips it: multinode_all, which make check runs,
# cannot pass without all of this; `tests/run harness` runs it.)
#
#   +-- n1 --+  +-- n2 --+  +-- n3 --+
#   | eth0   |  | eth0   |  | eth0   |
#   | .1     |  | .2     |  | .3     |     192.0.2.0/24
#   +---+----+  +---+----+  +---+----+
#       +-----------+-----------+     learning switch on the host
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib/net.sh"

me=$TRELLIS_NODE
check "net: $me has 192.0.2.${me#n} on eth0" \
	ip_some addr show dev eth0 to "$TRELLIS_LOCAL/32"
net_wait_ready
for peer in $(net_nodes); do
	[ "$peer" = "$me" ] && continue
	wait_for 300 ping -c 1 -W 1 "$peer" >/dev/null
	check "net: $me gets 5 of 5 echo replies from $peer" \
		all_answered ping -c 5 -i 0.3 -W 2 "$peer"
	# The host key is checked (no prompt, no StrictHostKeyChecking=no).
	check_value "net: $me reaches $peer over ssh (its host key known)" \
		"trellis-$peer" ssh -o BatchMode=yes -o StrictHostKeyChecking=yes \
		"root@$peer" hostname
	check_value "net: $me's ssh session on $peer runs this tree's trellisd" \
		"$TOP/userspace/trellisd/trellisd" on "$peer" command -v trellisd
done
