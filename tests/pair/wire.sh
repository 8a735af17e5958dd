#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Two guests standing for two physical machines, joined by a virtual wire.
#
#   +---- guest a ----+            +---- guest b ----+
#   |  eth0           |    wire    |  eth0           |
#   |  192.0.2.1/24   |------------|  192.0.2.2/24   |
#   +-----------------+            +-----------------+
#
# Every pair test starts by waiting until the other guest answers; this one
# checks only what they take for granted: the underlay address is on eth0
# and the wire loses nothing.  A side that is done adds 192.0.2.10N (N: 1 on
# a, 2 on b) and leaves once the other's is there, or the other is gone.
source "$(dirname "$0")/../lib.sh"

check "wire: $TRELLIS_NODE has its underlay address on eth0" \
	ip_some addr show dev eth0 to "$TRELLIS_LOCAL/32"
# The other guest may still be booting.
wait_for 300 ping -c 1 -W 1 "$TRELLIS_REMOTE"
check "wire: $TRELLIS_NODE gets 5 of 5 echo replies" \
	all_answered ping -c 5 -i 0.3 -W 2 "$TRELLIS_REMOTE"

if [ "$TRELLIS_NODE" = a ]; then me=101 peer=102; else me=102 peer=101; fi
ip addr add "192.0.2.$me/32" dev eth0
wait_for 300 bash -c "ping -c 1 -W 2 192.0.2.$peer || ! ping -c 3 -i 1 -W 2 $TRELLIS_REMOTE" >/dev/null || true
