#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bandwidth reservations (issue 15) between two machines: seed 003's
# Table II scaled down 1000 times so that TCG guests on a busy machine
# outrun it.  Node alpha (guest a) may reserve 2 Mb/s of its underlay;
# three slices each carry one link from x on alpha to y on beta:
#
#   res1  min 100kbit max 500kbit    allocated max 500kbit   (Table II: 500)
#   res2  min 800kbit max 1500kbit   allocated max 1200kbit  (1200), 1500 once res3 is down
#   res3  static 300kbit             allocated max 300kbit   (300)
#
#  +---- guest a = node alpha ----------------+      +---- guest b = node beta ----+
#  |  res1 x eth0 -- tv.. [sb] tg<key1> --+   |      |  tg<key1> [sb] -- y eth0    |
#  |  res2 x eth0 -- tv.. [sb] tg<key2> --+   |      |  tg<key2> [sb] -- y eth0    |
#  |  res3 x eth0 -- tv.. [sb] tg<key3> --+   |      |  tg<key3> [sb] -- y eth0    |
#  |                                      |   |      |        (iperf3 servers)     |
#  |  eth0 192.0.2.1: htb 7e00: <---------+   |      |  eth0 192.0.2.2             |
#  |    7e00:1 2mbit > 7e00:<key> per link    |      |                             |
#  +-----------|------------------------------+      +-----------|-----------------+
#              +------------------ wire -------------------------+
#
# A reservation is the virtual link's rate, its frames as the slice sees
# them (docs/reservations.md): each class's rate and ceil on alpha's eth0
# are scaled by (frame + 42) / frame, 1514 / 1472 for the links' MTU of
# 1458, and the test checks the classes hold exactly that.
#
# a floods the three links at once with UDP for 20 s (full-size datagrams:
# the link's MTU less IPv4 and UDP, 1430 bytes; offered at twice each
# allocation): each link's goodput, the payload bytes the iperf3 server at
# b received after the first 2 s (start-up: the clients start one after
# the other, and each class's full bucket lets out a burst), is at least
# 0.95 of its minimum and at most 1.05 of its allocated maximum.  With
# full-size frames the goodput is 1430/1472 = 0.971 of the link's rate.
# `apply' of an edited maximum changes the class in place.  A
# fourth slice whose minimum does not fit is refused, naming
# the node, the underlay, the capacity and the sum.  Root inside a slice
# cannot see, remove or widen the shaping.  res3 goes down while res1 and
# res2 flood: res2's class is changed in place (its counter keeps
# counting) to ceil 1500kbit and its rate, read from the counter every
# 0.5 s, passes the old allocation; the time it took is reported, not
# asserted.
#
# Latency: res1's pings to y, p50 and p99, alone and while alpha's root
# floods beta's root with best-effort UDP on the same underlay (reported,
# not asserted).
#
# With TRELLIS_RESV_SERIES=FILE (scripts/bench --reservations), alpha
# writes each class's byte counter every 0.5 s during the floods to FILE
# ("seconds,slice,bytes,ceil,packets" lines, bytes and packets as HTB
# counts them on the underlay; "#down,SECONDS" when res3 went down).
# timeout: 1500
# cost: 128
source "$(dirname "$0")/../lib.sh"
require_cmd iperf3 jq tc

WORK=$(mktemp -d /tmp/reservations.XXXXXX)
defer rm -rf "$WORK"
if [ "$TRELLIS_NODE" = a ]; then me=alpha idx=1 pidx=2; else me=beta idx=2 pidx=1; fi

OUTER=42	# what the underlay adds to each frame: outer IPv4 20, GRE with key 8, outer Ethernet 14
mk() {	# N RESERVE...
	local n=$1
	shift
	cat > "$WORK/res$n.topo" <<-EOF
	slice res$n
	node alpha underlay 192.0.2.1 reservable 2mbit
	node beta underlay 192.0.2.2 reservable 2mbit
	host x node alpha
	host y node beta
	link x:eth0 y:eth0
	    addr x 10.9.$n.1/24
	    addr y 10.9.$n.2/24
	    reserve $*
	EOF
}
mk 1 min 100kbit max 500kbit
mk 2 min 800kbit max 1500kbit
mk 3 static 300kbit
mk 4 min 900kbit

check "$me: the wire is up" wait_for 300 ping -c 1 -W 1 "$TRELLIS_REMOTE"
if insmod_built egre && insmod_built shortbridge; then
	defer rmmod egre
	defer rmmod shortbridge
else
	echo "	egre or shortbridge did not load: the gretap fallback carries the links"
fi

for n in 1 2 3; do
	check "$me: res$n up" trellisd up "$WORK/res$n.topo"
	defer trellisd down "res$n"
done

key_of() { trellisd status --json "res$1" | jq -r '.[0].peers[0].tunnels[0].key'; }
minor_of() {	# N: the class minor of resN's link (shape_minor())
	local k m
	k=$(key_of "$1")
	m=$(((k ^ (k >> 16)) & 0xffff))
	[ "$m" -gt 2 ] || m=$((m + 3))
	printf '%x' "$m"
}
alloc_of() { trellisd status --json "res$1" | jq -r '.[0].peers[0].tunnels[0].reservation.alloc_bps'; }
declare -A M	# class minors, known once the slices are up
ceil_of() {	# N: the ceil of resN's class on eth0, as tc prints it
	tc class show dev eth0 classid "7e00:${M[$1]}" | grep -o 'ceil [^ ]*' | cut -d' ' -f2
}
bytes_of() { tc -s class show dev eth0 classid "7e00:${M[$1]}" | sed -n 's/^ Sent \([0-9]*\) bytes.*/\1/p'; }
# The bytes of resN's frames its class sent: HTB's count less each packet's outer headers.
frames_of() {	# N
	tc -s class show dev eth0 classid "7e00:${M[$1]}" |
		sed -n "s/^ Sent \([0-9]*\) bytes \([0-9]*\) pkt.*/\1 \2/p" |
		awk -v o="$OUTER" '{ print $1 - $2 * o }'
}
tc_rate() {	# BITS: as tc prints a rate (iproute2's sprint_rate, SI units)
	local r=$1 i=0 u=("" K M G T)
	while [ "$i" -lt 4 ] && [ "$r" -ge 1000 ] && { [ $((r % 1000)) -eq 0 ] || [ "$r" -ge 1000000 ]; }; do
		r=$((r / 1000)) i=$((i + 1))
	done
	echo "$r${u[$i]}bit"
}
wire() {	# BPS: the class rate, as tc prints it, of a link rate of BPS with full-size frames of FRAME bytes
	local b=$(($1 / 8)) f=$FRAME
	tc_rate $(((b / f * (f + OUTER) + (b % f * (f + OUTER) + f - 1) / f) * 8))
}

if [ "$me" = beta ]; then
	for n in 1 2 3; do
		check "beta: iperf3 server in res$n y" trellisd exec "res$n" y -- iperf3 -s -D -J
	done
	check "beta: best-effort iperf3 server in the root namespace" \
		iperf3 -s -D -p 5300 -I "$WORK/be.pid"
	defer sh -c "kill \$(cat '$WORK/be.pid')"
	signal 1
	check "beta: alpha is done" await 2 900
	check "beta: res3 down" trellisd down res3
	signal 3
	check "beta: alpha is done with the rest" await 4 900
	exit "$TESTS_FAILED"
fi

# --- alpha: the allocation, as status shows it and tc holds it ------------
check "alpha: beta is ready" await 1 900
for n in 1 2 3; do M[$n]=$(minor_of $n); done
MTU=$(trellisd exec res1 x -- cat /sys/class/net/eth0/mtu)
FRAME=$((MTU + 14))
PAYLOAD=$((MTU - 28))	# a full-size UDP datagram's payload
echo "	the links' MTU is $MTU: frames of $FRAME bytes, $((FRAME + OUTER)) on the underlay, $PAYLOAD of UDP payload"
check_value "alpha: res1 allocated 500kbit (Table II: 500 of 2000)" 500000 alloc_of 1
check_value "alpha: res2 allocated 1200kbit (Table II: 1200 of 2000)" 1200000 alloc_of 2
check_value "alpha: res3 allocated 300kbit (static)" 300000 alloc_of 3
check_value "alpha: res2's class has ceil 1200kbit x $((FRAME + OUTER))/$FRAME = $(wire 1200000)" \
	"$(wire 1200000)" ceil_of 2
check_value "alpha: res3's class has rate 300kbit x $((FRAME + OUTER))/$FRAME = $(wire 300000)" \
	"$(wire 300000)" sh -c "tc class show dev eth0 classid 7e00:${M[3]} | grep -o 'rate [^ ]*' | cut -d' ' -f2"
check_value "alpha: all reservations (7e00:1) have ceil 2mbit x $((FRAME + OUTER))/$FRAME = $(wire 2000000)" \
	"$(wire 2000000)" sh -c "tc class show dev eth0 classid 7e00:1 | grep -o 'ceil [^ ]*' | cut -d' ' -f2"
check_output "alpha: status shows min, max, allocated" \
	"reserved: min 800kbit max 1.5mbit allocated 1.2mbit" trellisd status res2

# --- admission: a minimum that does not fit --------------------------------
check_error "alpha: res4 (min 900kbit) is refused" \
	"node alpha, underlay 192.0.2.1: the minima of 4 reserved links ask for 2.1mbit, more than its reservable 2mbit" \
	trellisd up "$WORK/res4.topo"
check_fails "alpha: the refused res4 left no state" test -e /run/trellis/res4
check_value "alpha: and changed nobody's allocation" "$(wire 1200000)" ceil_of 2

# --- out of reach of the slice ---------------------------------------------
in_x() { trellisd exec res1 x -- "$@"; }
check_fails "alpha: res1's root does not see the underlay address" \
	sh -c 'trellisd exec res1 x -- ip -o addr show | grep -q 192.0.2.1'
check_fails "alpha: res1's root cannot widen its class" \
	in_x tc class change dev eth0 parent 7e00:1 classid "7e00:${M[1]}" htb rate 2mbit ceil 2mbit
in_x tc qdisc del dev eth0 root >/dev/null 2>&1
in_x tc qdisc replace dev eth0 root pfifo >/dev/null 2>&1
check_value "alpha: after res1's root deleted and replaced its own qdiscs, its class still has ceil $(wire 500000)" \
	"$(wire 500000)" ceil_of 1

# --- three floods at once --------------------------------------------------
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }
is() { awk "BEGIN { exit !($1) }"; }
T0=$(now)
# One process samples every class (one tc a sample: a busy TCG guest
# starts processes slowly): "seconds,resN,bytes,ceil,packets" lines.
: > "$WORK/series.csv"
python3 -u -c '
import re, subprocess, sys, time
t0, names = float(sys.argv[1]), dict(a.split("=") for a in sys.argv[2:])
while True:
    out = subprocess.run(["tc", "-s", "class", "show", "dev", "eth0"],
                         capture_output=True, text=True).stdout
    t = time.time() - t0
    for m in re.finditer(r"^class htb 7e00:([0-9a-f]+) .*?ceil (\S+).*?\n Sent (\d+) bytes (\d+) pkt", out, re.M):
        if m.group(1) in names:
            print("%.3f,%s,%s,%s,%s" % (t, names[m.group(1)], m.group(3), m.group(2), m.group(4)))
    time.sleep(0.5)
' "$T0" "${M[1]}=res1" "${M[2]}=res2" "${M[3]}=res3" >> "$WORK/series.csv" 2>/dev/null &
spid=$!
defer kill "$spid"
flood() {	# N RATE SECONDS: UDP from x to y, server-side JSON in $WORK/fN.json
	# (stderr apart: iperf3 warns that the datagrams exceed the TCP MSS,
	# which is no fragmentation: 1430 + 8 + 20 is the MTU)
	trellisd exec "res$1" x -- iperf3 -c "10.9.$1.2" -u -l "$PAYLOAD" -b "$2" -t "$3" \
		--get-server-output -J > "$WORK/f$1.json" 2> "$WORK/f$1.err"
}
# Goodput: the payload the receiver got over its run after the first 2 s
# (start-up), in bits per second.
goodput() {	# N
	jq -r '[.server_output_json.intervals[] | select(.sum.start >= 2) | .sum]
		| (map(.bytes) | add) * 8 / (map(.seconds) | add) | floor' "$WORK/f$1.json"
}
share() {	# N MIN ALLOC: prints the goodput, fails outside [0.95 min, 1.05 alloc]
	local r
	r=$(goodput "$1") || return 1
	echo "res$1: goodput $r bit/s ($(calc "$r / $2") x min $2, $(calc "$r / $3") x allocated $3)"
	[ "$r" -ge $(($2 * 95 / 100)) ] && [ "$r" -le $(($3 * 105 / 100)) ]
}
declare -A b0
for n in 1 2 3; do b0[$n]=$(frames_of $n); done
tb0=$(now)
flood 1 1M 20 & p1=$!
flood 2 2400K 20 & p2=$!
flood 3 600K 20 & p3=$!
wait $p1 $p2 $p3
tb1=$(now)
for n in 1 2 3; do
	echo "	res$n: its class sent $(calc "($(frames_of $n) - ${b0[$n]}) * 8 / ($tb1 - $tb0)") bit/s of frames (alpha's counters less $OUTER bytes a packet, from the clients' start to their end, start-up and draining included)"
done
for n in 1 2 3; do
	if ! jq -e '.server_output_json.intervals | length > 4' "$WORK/f$n.json" >/dev/null; then
		fail "alpha: res$n flood ran" "$(tail -n 5 "$WORK/f$n.err" "$WORK/f$n.json")"
	fi
done
check "alpha: res1 gets between 0.95 x 100kbit and 1.05 x 500kbit" share 1 100000 500000
check "alpha: res2 gets between 0.95 x 800kbit and 1.05 x 1200kbit" share 2 800000 1200000
check "alpha: res3 gets between 0.95 x 300kbit and 1.05 x 300kbit" share 3 300000 300000
for n in 1 2 3; do echo "	res$n: goodput $(goodput "$n") bit/s (after the first 2 s)"; done

# --- apply: an edited reservation, changed in place -------------------------
sed 's/reserve min 100kbit max 500kbit/reserve min 100kbit max 400kbit/' "$WORK/res1.topo" > "$WORK/res1b.topo"
before=$(bytes_of 1)
check "alpha: apply res1 with max 400kbit" trellisd apply "$WORK/res1b.topo"
check_value "alpha: res1's class now has ceil $(wire 400000) (400kbit)" "$(wire 400000)" ceil_of 1
check_value "alpha: res2 takes what res1 left: ceil $(wire 1300000) (1300kbit)" "$(wire 1300000)" ceil_of 2
check "alpha: res1's class kept its counter ($before bytes before)" is "$(bytes_of 1) >= $before"
check "alpha: apply res1 back" trellisd apply "$WORK/res1.topo"
check_value "alpha: res1's class has ceil $(wire 500000) again" "$(wire 500000)" ceil_of 1
check_value "alpha: and res2 $(wire 1200000)" "$(wire 1200000)" ceil_of 2

# --- res3 leaves while res1 and res2 flood ---------------------------------
flood 1 1M 30 & p1=$!
flood 2 3M 30 & p2=$!
grew_past() { [ "$(bytes_of 2)" -gt "$1" ]; }
check "alpha: res2's class counts the second flood" wait_for 60 grew_past $(($(bytes_of 2) + 100000))
at_down=$(bytes_of 2)
t_down=$(now)
echo "#down,$(calc "$t_down - $T0")" >> "$WORK/series.csv"
trellisd down res3 > "$WORK/down3.out" 2>&1 & dpid=$!
if wait "$dpid"; then
	ok "alpha: res3 down during the floods"
else
	fail "alpha: res3 down during the floods" "$(cat "$WORK/down3.out")"
fi
check_value "alpha: res2's class now has ceil $(wire 1500000) (1500kbit)" "$(wire 1500000)" ceil_of 2
check_value "alpha: res2 allocated 1500kbit (Table II, t_2: 1500)" 1500000 alloc_of 2
after=$(bytes_of 2)
if [ "$after" -ge "$at_down" ]; then
	ok "alpha: res2's class was changed in place (its counter went on: $at_down -> $after bytes)"
else
	fail "alpha: res2's class was changed in place" "its counter went back from $at_down to $after bytes"
fi
wait $p1 $p2
# From the samples: when res2's ceil changed, and when its rate of frames
# (bytes less OUTER a packet) over a window of at least 1 s, all after the
# change, first passed the old allocation by 5% (a window before it may
# hold a burst's catch-up).
reach() {
	python3 - "$WORK/series.csv" "$(calc "$t_down - $T0")" "$(wire 1200000)" "$OUTER" <<-'PY'
	import sys
	rows = []
	for line in open(sys.argv[1]):
	    p = line.strip().split(",")
	    if len(p) == 5 and p[1] == "res2":
	        rows.append((float(p[0]), int(p[2]) - int(p[4]) * int(sys.argv[4]), p[3]))
	down = float(sys.argv[2])
	change = next((t for t, b, c in rows if t > down and c != sys.argv[3]), None)
	if change is None:
	    print("res2's ceil was never seen changed")
	    sys.exit(1)
	for k, (t, b, c) in enumerate(rows):
	    old = [r for r in rows[:k] if r[0] >= change and t - r[0] >= 1]
	    if old and (b - old[-1][1]) * 8 / (t - old[-1][0]) > 1260000:
	        print("res2 passed 1.26 Mb/s over a %.2f s window ending %.2f s after `down res3' started, "
	              "%.2f s after its class was first seen changed (samples every %.2f s)"
	              % (t - old[-1][0], t - down, t - change,
	                 (rows[-1][0] - rows[0][0]) / max(len(rows) - 1, 1)))
	        sys.exit(0)
	print("never passed 1.26 Mb/s; ceil changed at %s" % change)
	sys.exit(1)
	PY
}
if msg=$(reach); then
	ok "alpha: res2's class sends above its old allocation after res3 left"
	echo "	$msg"
else
	fail "alpha: res2's class sends above its old allocation after res3 left" "$msg"
fi
check "alpha: afterwards res2 stays at most 1.05 x 1500kbit" share 2 800000 1500000
echo "	res1: $(goodput 1) bit/s, res2: $(goodput 2) bit/s of goodput over the second run (res3 left during it)"
kill "$spid"

# --- latency of a reserved link beside a best-effort flood ------------------
rtts() {	# prints p50 and p99 of 200 pings from res1's x to y, in ms
	trellisd exec res1 x -- ping -n -c 200 -i 0.02 10.9.1.2 |
		sed -n 's/.* time=\([0-9.]*\) ms/\1/p' | sort -n |
		awk '{ v[NR] = $1 } END { if (NR < 100) exit 1;
			printf "p50 %s ms, p99 %s ms (%d replies)", v[int(NR * 0.5)], v[int(NR * 0.99)], NR }'
}
if idle=$(rtts); then
	ok "alpha: res1 pings y, no flood"
	echo "	$idle"
else
	fail "alpha: res1 pings y, no flood" "fewer than 100 replies"
fi
iperf3 -c "$TRELLIS_REMOTE" -p 5300 -u -b 20M -t 12 > "$WORK/be.out" 2>&1 & bpid=$!
if busy=$(rtts); then
	ok "alpha: res1 pings y beside a 20 Mb/s best-effort flood"
	echo "	$busy"
else
	fail "alpha: res1 pings y beside a 20 Mb/s best-effort flood" "fewer than 100 replies"
fi
wait "$bpid"
echo "	best effort: $(grep -E 'receiver' "$WORK/be.out" | tail -n 1)"
[ -z "${TRELLIS_RESV_SERIES:-}" ] || cp "$WORK/series.csv" "$TRELLIS_RESV_SERIES"
signal 2
check "alpha: beta took res3 down" await 3 900
signal 4
exit "$TESTS_FAILED"
