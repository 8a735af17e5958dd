#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run in a guest by tests/host/import.sh: trellisd graph of a deployed
# slice shows its live state.  topo/ring.topo is brought up; every link is
# drawn black with its ends' counters; after `link down ring r1:eth0' the
# link r1-r2 is red with both ends DOWN, and no other link is.  Then half
# of topo/two-node.topo: its tunnel's counters, and red when it is down.
. "$(dirname "$0")/../../lib.sh"

export TRELLIS_NO_DAEMON=1	# this process does the work, as root
cd "$TOP" || exit 1
work=$(mktemp -d /tmp/graph-live.XXXXXX)
defer rm -rf "$work"

# red_edges DOT: the keys of the edges drawn red, one a line.
red_edges()
{
	awk '/ -- / { key = "" } /key="/ { match($0, /key="[^"]*"/); key = substr($0, RSTART + 5, RLENGTH - 6) }
	     /^[ \t]*color=red/ { print key }' "$1"
}

check "up topo/ring.topo" "$TRELLISD" up topo/ring.topo
defer "$TRELLISD" down ring
check "graph ring (deployed) -o DOT" "$TRELLISD" graph ring -o "$work/up.dot"
check_value "graph ring: no link red while every end is up" "" red_edges "$work/up.dot"
check_value "graph ring: the 8 link ends' counters are in the labels" 8 \
	bash -c "grep -o 'rx [0-9]* tx [0-9]*' '$work/up.dot' | wc -l"
check "link down ring r1:eth0" "$TRELLISD" link down ring r1:eth0
check "graph ring -o DOT after the cut" "$TRELLISD" graph ring -o "$work/down.dot"
check_value "graph ring: the cut link r1-r2 is red, and only it" "r1:eth0-r2:eth1" \
	red_edges "$work/down.dot"
check_value "graph ring: both of its ends say DOWN" 2 grep -c 'DOWN rx' "$work/down.dot"
check "graph ring -o SVG after the cut" "$TRELLISD" graph ring -o "$work/down.svg"
check_value "graph ring: the SVG draws the 4 hosts" 4 python3 -c '
import sys, xml.etree.ElementTree as ET
print(sum(1 for e in ET.parse(sys.argv[1]).iter() if e.get("class") == "node"))' "$work/down.svg"

# Half of a slice across nodes, this machine being alpha (a dummy device
# holds its underlay address; gretap, so no module is needed): the tunnel's
# counters in the label of the link it carries, and red once it is down.
check "an underlay address for node alpha (192.0.2.1 on a dummy device)" \
	bash -c "ip link add ul-$$ type dummy && ip addr add 192.0.2.1/24 dev ul-$$ && ip link set ul-$$ up"
defer ip link del "ul-$$"
check "up topo/two-node.topo --node alpha --backend gretap" \
	"$TRELLISD" up topo/two-node.topo --node alpha --backend gretap
defer "$TRELLISD" down span
check "graph span (deployed) -o DOT" "$TRELLISD" graph span -o "$work/span.dot"
check_output "graph span: the tunnel's counters beside its key" 'GRE key 0x916b94e5\ntunnel rx' \
	cat "$work/span.dot"
check_value "graph span: no link red" "" red_edges "$work/span.dot"
check "the tunnel goes down (ip link set tg916b94e5 down)" ip link set tg916b94e5 down
check "graph span -o DOT after" "$TRELLISD" graph span -o "$work/span2.dot"
check_value "graph span: the link the tunnel carries is red" "a2:eth1-b1:eth1" red_edges "$work/span2.dot"
check_output "graph span: its label says the tunnel is down" 'GRE key 0x916b94e5\ntunnel DOWN rx' cat "$work/span2.dot"
exit "$TESTS_FAILED"
