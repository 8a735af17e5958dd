#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Two guests standing for two physical machines, joined by a virtual wire.
#
#   +---- guest a ----+            +---- guest b ----+
#   |  eth0           |    wire    |  eth0           |
#   |  192.0.2.1/24   |------------|  192.0.2.2/24   |
#   +-----------------+            +-----------------+
source "$(dirname "$0")/../lib.sh"

check "wire: $TRELLIS_NODE has its underlay address" \
	ip addr show dev eth0 to "$TRELLIS_LOCAL/32"
# The other guest may still be booting: poll, then both sides must answer.
check "wire: $TRELLIS_NODE reaches $TRELLIS_REMOTE" wait_for 120 ping -c 1 -W 1 "$TRELLIS_REMOTE"
check "wire: $TRELLIS_NODE gets 5 of 5 echo replies" ping -c 5 -i 0.3 -W 2 "$TRELLIS_REMOTE"
# Stay up until the peer has finished its own pings.
wait_for 60 bash -c "! ping -c 1 -W 1 $TRELLIS_REMOTE" || true
