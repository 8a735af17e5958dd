#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Malformed and unwanted GRE from scapy: each case is dropped, counted under
# its own reason (and no other), and nothing reaches the tunnel device.
#
#  +--- $hostA ------------------+          +--- $hostB ----------------------+
#  | scapy: crafted GRE          |          | eg7  key 7                      |
#  |  from 192.0.2.1             |          | eg9  key 9  seq                 |
#  |                             |          | eg10 key 10 csum                |
#  |  ul 192.0.2.1/24 ===================== ul 192.0.2.2/24   (veth)         |
#  +-----------------------------+          +---------------------------------+
#
# Counters: namespace-wide reasons in /proc/net/egre, per-device ones with
# ethtool -S, deliveries as rx_packets of the device.  Positive controls
# (a good frame, a good checksum, in-order sequence numbers) are delivered,
# so the test can tell "dropped" from "never sent".
# timeout: 600
# cost: 163
source "$(dirname "$0")/../lib.sh"
require_cmd ethtool python3
if ! python3 -c 'import scapy.layers.l2' 2>/dev/null; then
	skip "egre_badinput" "python3 has no scapy (apt-get install python3-scapy)"
	exit 0
fi

insmod_built egre || { fail "egre loads" "insmod failed"; exit 1; }
defer rmmod egre

ns_add hostA egre-badA
ns_add hostB egre-badB
veth_link "$hostA" ul "$hostB" ul 192.0.2.1/24 192.0.2.2/24

tun() {	# name key [options]
	local name=$1 key=$2
	shift 2
	ip netns exec "$hostB" trellisd egre add "$name" local 192.0.2.2 remote 192.0.2.1 key "$key" "$@" &&
		ip -n "$hostB" link set "$name" up
}
check "receiving tunnel eg7 (key 7)" tun eg7 7
check "receiving tunnel eg9 (key 9, seq)" tun eg9 9 seq
check "receiving tunnel eg10 (key 10, csum)" tun eg10 10 csum
check "the underlay works" wait_for 60 ip netns exec "$hostA" ping -c 1 -W 1 192.0.2.2

# The scapy side runs once (its start-up is slow); for each case it reads
# every counter before and after, and prints one verdict line:
#   PASS|FAIL <TAB> case name <TAB> detail
# after a first line "CASES <TAB> n", and "DONE" when it has run them all.
verdicts=$(ip netns exec "$hostA" python3 - "$hostB" <<'EOF' 2>&1
import json, re, subprocess, sys, time
# Only the layers used: scapy.all takes tens of seconds under TCG.
from scapy.config import conf
from scapy.layers.inet import ICMP, IP
from scapy.layers.l2 import GRE, Ether
from scapy.packet import Raw
from scapy.sendrecv import send

conf.verb = 0
hostB = sys.argv[1]
DEVS = ["eg7", "eg9", "eg10"]

def sh(*cmd):
    return subprocess.run(["ip", "netns", "exec", hostB] + list(cmd),
                          capture_output=True, text=True, check=True).stdout

# Every counter in one command: the namespace's, then each device's
# ethtool statistics and rx_packets, after a line naming the device.
READ = """cat /proc/net/egre
for d; do
    echo "device $d"; ethtool -S "$d"
    echo "rx_packets: $(cat /sys/class/net/$d/statistics/rx_packets)"
done"""

def counters():
    c, prefix = {}, "net:"
    for line in sh("sh", "-c", READ, "sh", *DEVS).splitlines():
        f = line.replace(":", " ").split()
        if len(f) == 2 and f[0] == "device":
            prefix = f[1] + ":"
        elif len(f) == 2 and f[1].isdigit():
            c[prefix + f[0]] = int(f[1])
    return c

mac7 = json.loads(sh("ip", "-j", "link", "show", "eg7"))[0]["address"]
def inner(dst=mac7):
    return (Ether(src="02:00:00:00:00:01", dst=dst) /
            IP(src="198.51.100.1", dst="198.51.100.2") / ICMP() / Raw(b"x" * 32))

outer = IP(src="192.0.2.1", dst="192.0.2.2")
def gre(**kw):
    kw.setdefault("proto", 0x6558)
    return GRE(**kw)

# A GRE checksum that is wrong: the right one with a bit flipped.
good_csum = GRE(bytes(gre(chksum_present=1, key_present=1, key=7) / inner())).chksum
N = 3

cases = [
    # name, packets, counter that must grow by len(packets)
    ("good frame is delivered", [outer / gre(key_present=1, key=7) / inner()], "eg7:rx_packets"),
    ("good checksum is delivered", [outer / gre(chksum_present=1, key_present=1, key=7) / inner()], "eg7:rx_packets"),
    ("wrong key", [outer / gre(key_present=1, key=8) / inner()] * N, "net:unknown_key"),
    ("wrong version (1)", [outer / gre(key_present=1, key=7, version=1) / inner()] * N, "net:bad_version"),
    ("routing bit set", [outer / gre(routing_present=1, key_present=1, key=7) / inner()] * N, "net:bad_flags"),
    ("strict source route bit set", [outer / gre(strict_route_source=1, key_present=1, key=7) / inner()] * N, "net:bad_flags"),
    ("missing key", [outer / gre() / inner()] * N, "net:no_key"),
    ("truncated header (2 of 4 bytes)", [IP(src="192.0.2.1", dst="192.0.2.2", proto=47) / Raw(b"\x20\x00")] * N, "net:truncated"),
    ("truncated header (key cut short)", [IP(src="192.0.2.1", dst="192.0.2.2", proto=47) / Raw(b"\x20\x00\x65\x58\x00\x00")] * N, "net:truncated"),
    ("not Ethernet (protocol 0x0800)", [outer / gre(key_present=1, key=7, proto=0x0800) / inner()[IP]] * N, "net:bad_proto"),
    ("bad checksum", [outer / gre(chksum_present=1, chksum=good_csum ^ 0x0101, key_present=1, key=7) / inner()] * N, "eg7:rx_drop_bad_csum"),
    ("runt inner frame (8 bytes)", [outer / gre(key_present=1, key=7) / Raw(b"\0" * 8)] * N, "eg7:rx_drop_runt"),
    ("checksum missing where required", [outer / gre(key_present=1, key=10) / inner()] * N, "eg10:rx_drop_bad_csum"),
    ("sequence 100 is delivered", [outer / gre(key_present=1, key=9, seqnum_present=1, sequence_number=100) / inner()], "eg9:rx_packets"),
    ("old and repeated sequence numbers", [outer / gre(key_present=1, key=9, seqnum_present=1, sequence_number=s) / inner() for s in (50, 100, 99)], "eg9:rx_drop_out_of_seq"),
    ("sequence number missing where required", [outer / gre(key_present=1, key=9) / inner()] * N, "eg9:rx_drop_out_of_seq"),
    ("sequence 101 is delivered", [outer / gre(key_present=1, key=9, seqnum_present=1, sequence_number=101) / inner()], "eg9:rx_packets"),
]

print("CASES\t%d" % len(cases), flush=True)
for name, pkts, want in cases:
    before = counters()
    send(pkts, iface="ul")
    # A bound for a loaded machine; a passing case ends as soon as its
    # counter has grown.
    deadline = time.time() + 30
    while True:
        after = counters()
        if after.get(want, 0) - before.get(want, 0) >= len(pkts) or time.time() > deadline:
            break
        time.sleep(0.1)
    delta = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
    ok = delta == {want: len(pkts)}
    print("%s\t%s\t%s" % ("PASS" if ok else "FAIL", name,
          "%s +%d" % (want, len(pkts)) if ok else "want only %s +%d, got %s" % (want, len(pkts), delta)))
    sys.stdout.flush()
print("DONE")
EOF
)
rc=$?
n=0 cases=
while IFS=$'\t' read -r verdict name detail; do
	case $verdict in
	CASES) cases=$name ;;
	PASS) ok "$name: $detail"; n=$((n + 1)) ;;
	FAIL) fail "$name" "$detail"; n=$((n + 1)) ;;
	esac
done <<< "$verdicts"
if [ "$rc" = 0 ] && [ -n "$cases" ] && [ "$n" = "$cases" ] && [ "$(tail -n 1 <<< "$verdicts")" = DONE ]; then
	ok "scapy ran every case ($n of $cases)"
else
	fail "scapy ran every case" "exit status $rc, $n verdicts of ${cases:-?} cases; its output ends:
$(tail -n 8 <<< "$verdicts")"
fi

echo "drop counters of the namespace (/proc/net/egre):"
ip netns exec "$hostB" cat /proc/net/egre | sed 's/^/    /'
for dev in eg7 eg9 eg10; do
	echo "drop counters of $dev (ethtool -S):"
	ip netns exec "$hostB" ethtool -S "$dev" | sed -n 's/^ *\(.*\)/    \1/p' | grep -v statistics
done
