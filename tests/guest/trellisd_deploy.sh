#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# trellisd deploys the one-node example topologies, every link carries
# pings, disciplines take effect (and change at runtime), apply reconciles
# an edited file, and down leaves nothing behind.
#
#   topo/line.topo     h1 eth0 ---------------- eth0 h2
#
#   topo/ring.topo     r1 ---- r2               (static routes clockwise,
#                      |        |  5 ms          loopbacks 203.0.113.N)
#                      r4 ---- r3
#
#   topo/lan.topo      h1, h2, h3 on lan seg0 (bridge in the switch netns),
#                      h3 ---- h4
#
#   shape (written here):
#                      s1 eth0 ---- 50 ms each way ---- eth0 s2
#                      s1 eth1 ---- 20 mbit s1->s2 ---- eth1 s2
#
# timeout: 1800
# cost: 138

. "$(dirname "$0")/../lib.sh"

require_cmd ip tc ping iperf3 jq awk

T=$TRELLISD
tmp=$(mktemp -d /tmp/trellisd-deploy.XXXXXX)
defer rm -rf "$tmp"

take_snapshot

# Pings, for every link and lan of a topology file, from its first end to
# every other end's first IPv4 and IPv6 address (read from the file).
ping_links()	# slice file
{
	local slice=$1 file=$2 n host v4 v6 cur=0 src=
	while read -r n host v4 v6; do
		if [ "$n" != "$cur" ]; then
			cur=$n src=$host
			continue
		fi
		[ "$v4" = - ] || check "$slice: link $n: $src pings $host at $v4" \
			wait_for 60 "$T" exec "$slice" "$src" -- ping -c 1 -W 1 "$v4"
		[ "$v6" = - ] || check "$slice: link $n: $src pings $host at $v6" \
			wait_for 60 "$T" exec "$slice" "$src" -- ping -6 -c 1 -W 1 "$v6"
	done < <(awk '
		/^(link|lan)[ \t]/ { n++ }
		/^[a-z]/ && !/^(link|lan)[ \t]/ { inlink = 0 }
		/^(link|lan)[ \t]/ { inlink = 1 }
		/^[ \t]+addr[ \t]/ && inlink {
			v4 = "-"; v6 = "-"
			for (i = 3; i <= NF; i++) {
				a = $i; sub(/\/.*/, "", a)
				if (a ~ /:/) { if (v6 == "-") v6 = a } else if (v4 == "-") v4 = a
			}
			h = $2; sub(/:.*/, "", h)
			print n, h, v4, v6
		}' "$file")
}

# Minimum ping RTT in ms from host $2 of slice $1 to $3: the delay's floor,
# which a loaded machine raises far less than the average.
rtt()
{
	"$T" exec "$1" "$2" -- ping -c 5 -i 0.2 -W 2 "$3" |
		awk -F/ '/^rtt/ { sub(/.*= /, "", $4); printf "%d\n", $4 }'
}

in_range()	# value min max
{
	[ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -lt "$3" ]
}

holder_pid()	# slice host
{
	"$T" status --json "$1" | jq -r --arg h "$2" '.[0].hosts[] | select(.name == $h) | .pid'
}

hosts_of()	# slice: its hosts' names, sorted (fails if status does)
{
	local out
	out=$("$T" status --json "$1") || return 1
	jq -r '.[0].hosts[].name' <<< "$out" | sort | xargs
}

# --- the examples ------------------------------------------------------
for topo in line ring lan; do
	file=$TOP/topo/$topo.topo
	check "$topo: check" "$T" check "$file"
	check "$topo: up" "$T" up "$file"
	defer "$T" down "$topo"
	check "$topo: status shows every host running" \
		sh -c "'$T' status --json $topo | jq -e 'all(.[0].hosts[]; .running)'"
	ping_links "$topo" "$file"
done

check "ring: r1 reaches r3's loopback over two hops" \
	wait_for 60 "$T" exec ring r1 -- ping -c 1 -W 1 203.0.113.3
check "lan: h1 reaches h4 through h3" \
	wait_for 60 "$T" exec lan h1 -- ping -c 1 -W 1 203.0.113.2

# Per-host namespaces: hostname, /etc and /run are the host's own.
check_value "line: h1's hostname" h1 "$T" exec line h1 -- hostname
check "line: h1 writes its own /etc" "$T" exec line h1 -- sh -c 'echo h1 > /etc/trellis-test'
check "line: the machine's /etc is untouched" test ! -e /etc/trellis-test
check_fails "line: h2 does not see h1's /etc file" "$T" exec line h2 -- test -e /etc/trellis-test
check_fails "line: h1's /run is its own" "$T" exec line h1 -- test -e /run/trellis
check_output "line: h1's /sys shows its own devices" "eth0" "$T" exec line h1 -- ls /sys/class/net
check_error "exec into an unknown host" "has no host" "$T" exec line nosuch -- true
check_error "up of a slice already up" "already up" "$T" up "$TOP/topo/line.topo"

# --- disciplines -------------------------------------------------------
cat > "$tmp/shape.topo" <<'EOF'
slice shape
host s1
host s2
link s1:eth0 s2:eth0
    addr s1 198.51.100.1/24
    addr s2 198.51.100.2/24
    discipline both delay 50ms
link s1:eth1 s2:eth1
    addr s1 203.0.113.1/24
    addr s2 203.0.113.2/24
    discipline s1 rate 20mbit
EOF
check "shape: up" "$T" up "$tmp/shape.topo"
defer "$T" down shape
check "shape: link up" wait_for 60 "$T" exec shape s1 -- ping -c 1 -W 1 198.51.100.2
ms=$(rtt shape s1 198.51.100.2)
if in_range "$ms" 100 150; then ok "shape: RTT with 50 ms each way is ${ms} ms"
else fail "shape: RTT with 50 ms each way" "minimum ${ms:-?} ms, expected 100 to 150"; fi
ms=$(rtt shape s1 203.0.113.2)
if in_range "$ms" 0 50; then ok "shape: RTT without delay is ${ms} ms"
else fail "shape: RTT without delay" "minimum ${ms:-?} ms, expected under 50"; fi
# Disciplines are on the root sides (tx*, ty*) of the links, out of the hosts' reach.
root_sides() { ip -o link | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -E '^t[xy]' |
	while read -r dev; do tc qdisc show dev "$dev"; done; }
check_output "shape: netem on a root side of s1:eth0's link" "netem" root_sides
check_output "shape: tbf on a root side of s1:eth1's link" "tbf" root_sides
check_fails "shape: no netem inside s1" sh -c '"$1" exec shape s1 -- tc qdisc show | grep -q netem' sh "$T"

"$T" exec shape s2 -- iperf3 -s -D -B 203.0.113.2 -I /run/iperf3.pid
"$T" exec shape s2 -- iperf3 -s -D -B 198.51.100.2 -p 5202 -I /run/iperf3-eth0.pid
check "shape: iperf3 servers start" wait_for 60 "$T" exec shape s2 -- test -s /run/iperf3.pid -a -s /run/iperf3-eth0.pid
# UDP, offered faster than the limit: the sender is held back by the full
# queue, the receiver counts what got through (payload bits).
udp_rate()	# address [iperf3 options]: bit/s received of a 30 Mbit/s offer
{
	local addr=$1
	shift
	"$T" exec shape s1 -- iperf3 -c "$addr" "$@" -u -b 30M -l 1400 -t 6 -O 1 -J 2>/dev/null |
		jq -r '.end.sum | (.packets - .lost_packets) * 1400 * 8 / .seconds | floor'
}
bps=$(udp_rate 203.0.113.2)
if [ -n "$bps" ] && [ "$bps" -ge 18000000 ] && [ "$bps" -le 22000000 ]; then
	ok "shape: iperf3 through 20 mbit: $((bps / 1000)) kbit/s received"
elif [ -n "$bps" ] && [ "$bps" -gt 22000000 ]; then
	fail "shape: iperf3 through 20 mbit" "received $bps bit/s: more than the limit"
else
	# Less than the limit: the limit, or a machine too busy to offer
	# that much?  The same offer over the link without a rate says.
	free=$(udp_rate 198.51.100.2 -p 5202)
	if [ -n "$bps" ] && [ -n "$free" ] && [ "$free" -lt 25000000 ]; then
		skip "shape: iperf3 through 20 mbit" "this machine carries only $free bit/s of UDP without a rate limit (and $bps with it): too busy to check a 20 mbit limit"
	else
		fail "shape: iperf3 through 20 mbit" "received ${bps:-nothing} bit/s, expected 18000000 to 22000000 (${free:-?} without the limit)"
	fi
fi
tcp=$("$T" exec shape s1 -- iperf3 -c 203.0.113.2 -t 6 -O 1 -J 2>/dev/null |
	jq -r '.end.sum_received.bits_per_second | floor')
echo "	(TCP through the same limit: ${tcp:-?} bit/s)"

check "shape: link set changes the delay" "$T" link set shape s1:eth0 delay 10ms
ms=$(rtt shape s1 198.51.100.2)
if in_range "$ms" 60 100; then ok "shape: RTT after link set is ${ms} ms"
else fail "shape: RTT after link set" "minimum ${ms:-?} ms, expected 60 to 100 (10 + 50)"; fi
check_error "shape: link set refuses a typo" "did you mean \`delay'" "$T" link set shape s1:eth0 dleay 1ms
check "shape: link down" "$T" link down shape s1:eth0
check_fails "shape: no ping over a downed link" "$T" exec shape s1 -- ping -c 1 -W 1 198.51.100.2
check "shape: link up" "$T" link up shape s1:eth0
check "shape: pings again after link up" wait_for 60 "$T" exec shape s1 -- ping -c 1 -W 1 198.51.100.2
check "shape: down" "$T" down shape

# --- apply -------------------------------------------------------------
cp "$TOP/topo/line.topo" "$tmp/line.topo"
cat > "$tmp/line2.topo" <<'EOF'
slice line
host h1
    route 203.0.113.0/24 via 198.51.100.2
host h2
    sysctl net.ipv4.ip_forward=1
host h3
    route default via 203.0.113.1
link h1:eth0 h2:eth0
    addr h1 198.51.100.11/24 2001:db8:1::1/64
    addr h2 198.51.100.2/24 2001:db8:1::2/64
    discipline both delay 20ms
link h2:eth1 h3:eth0
    addr h2 203.0.113.1/24
    addr h3 203.0.113.2/24
EOF
pid1=$(holder_pid line h1) pid2=$(holder_pid line h2)
check "apply: adds a host, a link, a route, a sysctl, an address, a discipline" \
	"$T" apply "$tmp/line2.topo"
if [ -n "$pid1" ] && [ "$(holder_pid line h1)" = "$pid1" ] && [ "$(holder_pid line h2)" = "$pid2" ]; then
	ok "apply: h1 and h2 kept running (pids $pid1 $pid2)"
else
	fail "apply: h1 and h2 kept running" "pids before: $pid1 $pid2, after: $(holder_pid line h1) $(holder_pid line h2)"
fi
check_output "apply: h1 has its new address" "198.51.100.11/24" "$T" exec line h1 -- ip -4 addr show dev eth0
old_addr_gone() {	# h1 lists its addresses, and the old one is not among them
	local out
	out=$("$T" exec line h1 -- ip -4 -o addr show dev eth0) || return 1
	[ -n "$out" ] && ! grep -qwF 198.51.100.1/24 <<< "$out"
}
check "apply: h1's old address is gone" old_addr_gone
check "apply: h1 reaches the new host h3 through h2" \
	wait_for 60 "$T" exec line h1 -- ping -c 1 -W 1 203.0.113.2
ms=$(rtt line h1 198.51.100.2)
if in_range "$ms" 40 80; then ok "apply: the new discipline gives ${ms} ms"
else fail "apply: the new discipline" "minimum ${ms:-?} ms, expected 40 to 80"; fi
check_output "apply: an unchanged file changes nothing" "0 changes" "$T" apply "$tmp/line2.topo"
check "apply: back to the original" "$T" apply "$tmp/line.topo"
check_value "apply: h3 is gone (hosts h1 h2)" "h1 h2" hosts_of line
check "apply: h1 reaches h2 at the original address" \
	wait_for 60 "$T" exec line h2 -- ping -c 1 -W 1 198.51.100.1
ms=$(rtt line h1 198.51.100.2)
if in_range "$ms" 0 40; then ok "apply: the discipline is removed (${ms} ms)"
else fail "apply: the discipline is removed" "minimum ${ms:-?} ms, expected under 40"; fi

# --- down leaves nothing -------------------------------------------------
# A process started in a host dies with it.
"$T" exec ring r1 -- sh -c 'sleep 1000 & sleep 1000 &'
for topo in line ring lan; do
	check "$topo: down" "$T" down "$TOP/topo/$topo.topo"
done
check_error "down of a slice that is not up" "not up" "$T" down line
if wait_for 60 same_as_before; then
	ok "down: no namespace, link, qdisc, process, mount or state left"
else
	fail "down: no namespace, link, qdisc, process, mount or state left" "$(same_as_before | head -30)"
fi
