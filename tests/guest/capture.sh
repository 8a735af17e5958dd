#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# trellisd capture (issue 16): a pcap of one link end, read by tshark.
#
#   topo/ring.topo     r1 eth0 .1 ---- .2 eth1 r2      198.51.100.0/30
#                      |                    |
#                      r4 ---------------- r3
#
# Checks: a capture of r1:eth0 stopped by SIGINT holds exactly the test's
# 5 echo requests (198.51.100.1 -> .2, 321 bytes of data) and their 5
# replies; -c 4 writes exactly 4 records; `-w - | tshark -r - -c 2' gets
# its packets while the capture still runs (written per packet), and the
# capture then ends on its own (EPIPE) with status 0; bad arguments are
# refused with the reason, and create no file.
#
# timeout: 600
# cost: 207

. "$(dirname "$0")/../lib.sh"

require_cmd tshark ping
S=ring
DIR=$(mktemp -d)
defer rm -rf "$DIR"

check "trellisd up topo/ring.topo" trellisd up "$TOP/topo/ring.topo"
defer trellisd down "$S"

has_header()	# file: the capture has its socket and wrote the pcap header
{
	[ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -ge 24 ]
}

count()	# file filter
{
	tshark -r "$1" -Y "$2" -T fields -e frame.number 2>/dev/null | wc -l
}

# 1. until interrupted
trellisd capture "$S" r1:eth0 -w "$DIR/a.pcap" 2>"$DIR/a.err" &
cap=$!
wait_for 60 has_header "$DIR/a.pcap" || fail "capture started" "no pcap header in 60 s: $(cat "$DIR/a.err")"
check "r1 pings r2 five times" trellisd exec "$S" r1 -- ping -c 5 -i 0.2 -s 321 198.51.100.2
kill -INT "$cap"
wait "$cap"; rc=$?
check_value "capture stops on SIGINT with status 0" 0 echo "$rc"
check_output "it says how many packets" "packets" cat "$DIR/a.err"
check_value "the 5 echo requests, 198.51.100.1 -> .2, 321 bytes" 5 \
	count "$DIR/a.pcap" "icmp.type == 8 && ip.src == 198.51.100.1 && ip.dst == 198.51.100.2 && ip.len == 349"
check_value "and their 5 replies" 5 \
	count "$DIR/a.pcap" "icmp.type == 0 && ip.src == 198.51.100.2 && ip.dst == 198.51.100.1 && ip.len == 349"
check_value "tshark reads it as Ethernet" "Ethernet" \
	sh -c "capinfos -E '$DIR/a.pcap' 2>/dev/null | sed -n 's/^File encapsulation: *//p'"

# 2. -c, and a pipe
trellisd exec "$S" r1 -- ping -c 200 -i 0.2 198.51.100.2 >/dev/null 2>&1 &
pinger=$!
defer kill "$pinger"
check "capture -c 4 ends by itself" trellisd capture "$S" r2:eth1 -w "$DIR/c.pcap" -c 4
check_value "-c 4 wrote 4 records" 4 count "$DIR/c.pcap" "frame"

( trellisd capture "$S" r1:eth0 -w - 2>/dev/null; echo $? >"$DIR/pipe.rc" ) |
	tshark -r - -c 2 -Y icmp -T fields -e ip.src >"$DIR/pipe.out" 2>/dev/null &
wait_for 120 test -s "$DIR/pipe.rc" ||
	fail "-w - | tshark -r - -c 2: tshark got 2 packets while capturing" "the pipeline did not end"
check_value "-w - | tshark -r -: the capture ends when tshark has its packets, status 0" 0 cat "$DIR/pipe.rc"
check_value "tshark read 2 ICMP packets of r1:eth0 live" 2 sh -c "wc -l <'$DIR/pipe.out'"
kill "$pinger" 2>/dev/null

# 3. bad arguments
bad()	# name reason args...
{
	local name=$1 why=$2
	shift 2
	check_error "refused: $name" "$why" trellisd capture "$@" -w "$DIR/bad.pcap"
}
bad "no HOST:IF" "usage: trellisd capture" "$S"
bad "HOST without :IF" "\`r1' is not HOST:IF" "$S" r1
bad "-c 0" "-c wants a packet count" "$S" r1:eth0 -c 0
bad "-c abc" "-c wants a packet count" "$S" r1:eth0 -c abc
bad "an unknown option" "unknown option \`--tunel'" "$S" r1:eth0 --tunel
bad "two link ends" "one link end only" "$S" r1:eth0 r2:eth1
bad "a slice that is not up" "slice nosuch is not up" nosuch r1:eth0
bad "a host not in the slice" "slice ring has no host r9" "$S" r9:eth0
bad "an interface with no link" "no link of ring ends at r1:eth7" "$S" r1:eth7
bad "--tunnel on a one-node link" "link r1:eth0-r2:eth1 stays on one node" "$S" r1:eth0 --tunnel
check "no file created by a refusal" test ! -e "$DIR/bad.pcap"
command -v script >/dev/null && check_error "refused: pcap to a terminal" "standard output is a terminal" \
	script -qec "trellisd capture $S r1:eth0" /dev/null
