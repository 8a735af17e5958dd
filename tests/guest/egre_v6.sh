#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# egre over an IPv6 underlay, in one guest: two namespaces joined by a veth
# pair that carries IPv6 only.
#
#  +--- $hostA ------------------+            +--- $hostB ------------------+
#  |  eg7 203.0.113.1 (dev ul)   |  key 7     |  eg7 203.0.113.2 (dev ul)   |
#  |  eg8 198.18.0.1  (any)      |  key 8     |  eg8 198.18.0.2  (any)      |
#  |   ul 2001:db8::1/64 ========================= ul 2001:db8::2/64 (veth) |
#  |  scapy (bad requests)       |            |  scapy (ICMPv6 too big, VLAN)|
#  +-----------------------------+            +-----------------------------+
#
# Checks: creation and show; bad netlink requests refused with their extack
# text and nothing left behind; pings through the bound (early receive)
# and the unbound tunnel; IPv6's counters count early packets as their
# own; what sends packets the ordinary way (netfilter, a raw GRE socket, a
# packet socket, a VLAN tag, the address removed, a lightweight tunnel on
# the local route, custom rules) does, with the ordinary outcome; csum and
# seq; drop counters; path MTU from an ICMPv6 packet-too-big; deletion and
# unload under a flood.  The VLAN and lwt cases (scapy, clang: slow in a
# TCG guest) run with TRELLIS_FULL=1 only.
# timeout: 1800
# cost: 240
source "$(dirname "$0")/../lib.sh"
require_cmd ethtool nft nstat python3 jq tc
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

insmod_built egre || { fail "egre loads" "insmod failed"; exit 1; }
defer rmmod egre

ns_add hostA v6-hostA
ns_add hostB v6-hostB
ip link add ul netns "$hostA" type veth peer name ul netns "$hostB"
ip -n "$hostA" addr add 2001:db8::1/64 dev ul nodad
ip -n "$hostB" addr add 2001:db8::2/64 dev ul nodad
ip -n "$hostA" link set ul up
ip -n "$hostB" link set ul up
# The tunnels themselves carry IPv4 only: no router solicitation or MLD
# inside them disturbs the counters compared below.
ip netns exec "$hostA" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
ip netns exec "$hostB" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
ip -n "$hostA" -6 neigh replace 2001:db8::2 lladdr "$(mac_of "$hostB" ul)" dev ul nud permanent
ip -n "$hostB" -6 neigh replace 2001:db8::1 lladdr "$(mac_of "$hostA" ul)" dev ul nud permanent

bound_up() { egre_up "$@" dev ul; }	# ns name local remote key addr
check "bound tunnel at A" bound_up "$hostA" eg7 2001:db8::1 2001:db8::2 7 203.0.113.1/24
check "bound tunnel at B" bound_up "$hostB" eg7 2001:db8::2 2001:db8::1 7 203.0.113.2/24
check "unbound tunnel at A" egre_up "$hostA" eg8 2001:db8::1 2001:db8::2 8 198.18.0.1/24
check "unbound tunnel at B" egre_up "$hostB" eg8 2001:db8::2 2001:db8::1 8 198.18.0.2/24
show() { ip netns exec "$1" "$TRELLISD" egre show "$2"; }
check_output "show prints the IPv6 underlay" \
	"eg7: local 2001:db8::2 remote 2001:db8::1 key 7 dev ul ttl 64 tos 0 pmtudisc nocsum noseq mtu 1438" \
	show "$hostB" eg7
check_value "default MTU: 1500 - IPv6 40 - GRE 8 - Ethernet 14" 1438 link_attr "$hostA" eg8 mtu

# ---------------------------------------------------------------------------
# Bad requests: raw rtnetlink (python3, NETLINK_EXT_ACK), IFLA_INFO_DATA
# attributes as TYPE:PAYLOAD in hex; prints "errno<TAB>extack message".
newlink()	# name TYPE:HEX...
{
	ip netns exec "$hostA" $PY - "$@" <<-'EOF'
	import socket, struct, sys
	def attr(t, payload):
	    a = struct.pack("HH", 4 + len(payload), t) + payload
	    return a + b"\0" * (-len(a) % 4)
	name = sys.argv[1]
	data = b"".join(attr(int(t, 16), bytes.fromhex(h))
	                for t, h in (a.split(":") for a in sys.argv[2:]))
	info = attr(1, b"egre\0") + attr(2 | 0x8000, data)
	body = struct.pack("BxHiII", 0, 0, 0, 0, 0) + attr(3, name.encode() + b"\0") + attr(18 | 0x8000, info)
	msg = struct.pack("IHHII", 16 + len(body), 16, 0x1 | 0x4 | 0x200 | 0x400, 1, 0) + body
	s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
	s.setsockopt(270, 11, 1)
	s.send(msg)
	r = s.recv(65536)
	err = -struct.unpack_from("i", r, 16)[0]
	flags = struct.unpack_from("H", r, 6)[0]
	off, msgtxt = 16 + 4 + (16 if flags & 0x100 else struct.unpack_from("I", r, 20)[0]), ""
	off = (off + 3) & ~3
	while off + 4 <= len(r):
	    l, t = struct.unpack_from("HH", r, off)
	    if l < 4: break
	    if t == 1:
	        msgtxt = r[off + 4:off + l].rstrip(b"\0").decode()
	    off += (l + 3) & ~3
	print("%d\t%s" % (err, msgtxt))
	EOF
}
nl_refused()	# "name" "message" ATTRS...
{
	local name=$1 want=$2 out
	shift 2
	out=$(newlink egbad "$@" 2>&1)
	if [ "${out%%$'\t'*}" = 0 ]; then
		fail "$name" "accepted: $out"
		ip -n "$hostA" link del egbad 2>/dev/null
	elif [[ "$out" != *"$want"* ]]; then
		fail "$name" "refused without the message '$want': $out"
	else
		ok "$name: ${out#*$'\t'}"
	fi
}
# LOCAL6 0b, REMOTE6 0c; KEY 03, LOCAL 01, PMTUDISC 08
L6=0b:20010db8000000000000000000000001 R6=0c:20010db8000000000000000000000002
out=$(newlink egok $L6 $R6 03:63000000 2>&1)
if [ "${out%%$'\t'*}" = 0 ]; then ok "a well-formed IPv6 request is accepted"
else fail "a well-formed IPv6 request is accepted" "$out"; fi
ip -n "$hostA" link del egok 2>/dev/null
nl_refused "LOCAL6 of 4 bytes is refused" "binary attribute size out of range" 0b:20010db8 $R6 03:64000000
nl_refused "REMOTE6 of 17 bytes is refused" "binary attribute size out of range" $L6 0c:20010db800000000000000000000000200 03:65000000
nl_refused "IPv4 LOCAL with IPv6 addresses is refused" \
	"IPv4 and IPv6 underlay addresses cannot be mixed" 01:c0000201 $L6 $R6 03:66000000
nl_refused "LOCAL6 without REMOTE6 is refused" "local, remote and key are required" $L6 03:67000000
nl_refused "a multicast LOCAL6 is refused" "local address must be a unicast address" \
	0b:ff020000000000000000000000000001 $R6 03:68000000
nl_refused "REMOTE6 :: is refused" "remote address must be a unicast address" \
	$L6 0c:00000000000000000000000000000000 03:69000000
nl_refused "REMOTE6 ::1 is refused" "remote address must be a unicast address" \
	$L6 0c:00000000000000000000000000000001 03:6a000000
nl_refused "pmtudisc 0 on an IPv6 underlay is refused" \
	"an IPv6 underlay always does path MTU discovery" $L6 $R6 03:6b000000 08:00
check_fails "... and no device was left behind" ip -n "$hostA" link show egbad
trellisd_a() { ip netns exec "$hostA" "$TRELLISD" egre "$@"; }
check_error "trellisd refuses a mixed pair itself" "are not of one family" \
	trellisd_a add egbad local 192.0.2.1 remote 2001:db8::2 key 9
check_error "a duplicate (local6, remote6, key) is refused" \
	"tunnel 2001:db8::1 -> 2001:db8::2 key 7 already exists" \
	trellisd_a add egbad local 2001:db8::1 remote 2001:db8::2 key 7
check_error "changing the local address is refused" "cannot change" \
	trellisd_a set eg7 local 2001:db8::5
check_error "an IPv4 address for an IPv6 tunnel is refused" "cannot change" \
	trellisd_a set eg7 remote 192.0.2.2
check_error "nopmtudisc on a running IPv6 tunnel is refused" \
	"an IPv6 underlay always does path MTU discovery" trellisd_a set eg7 nopmtudisc
check_output "... and nothing changed" "pmtudisc nocsum noseq mtu 1438" show "$hostA" eg7

# ---------------------------------------------------------------------------
# Traffic.
early() { ethtool_stat "$hostB" "${1:-eg7}" rx_early; }
ping_b() { ip netns exec "$hostA" ping -c "${2:-5}" -i 0.1 -W 2 "${1:-203.0.113.2}" "${@:3}"; }
pings_b() { all_answered ping_b "$@"; }
snmp() { ip netns exec "$hostB" nstat -az "$1" | awk -v k="$1" '$1 == k { print $2 }'; }
rx_above() { local r; r=$(link_stat "$1" "$2" rx_packets) && [ "$r" -gt "$3" ]; }
no_growth()
{
	if [ "$2" = "$3" ]; then ok "$1 ($2)"; else fail "$1" "counter $2 -> $3"; fi
}

check "ping through the bound tunnel" wait_for 60 ping_b 203.0.113.2 1
check "ping through the unbound tunnel" wait_for 60 ping_b 198.18.0.2 1
neigh_pin "$hostA" eg7 203.0.113.2 "$hostB" eg7
neigh_pin "$hostB" eg7 203.0.113.1 "$hostA" eg7
neigh_pin "$hostA" eg8 198.18.0.2 "$hostB" eg8
neigh_pin "$hostB" eg8 198.18.0.1 "$hostA" eg8
ipv6_growth()	# address: Ip6InReceives and Ip6InDelivers growth over 5 pings
{
	local r0 d0
	r0=$(snmp Ip6InReceives); d0=$(snmp Ip6InDelivers)
	pings_b "$1" >/dev/null || return 1
	echo "$(($(snmp Ip6InReceives) - r0)) $(($(snmp Ip6InDelivers) - d0))"
}
e0=$(early)
for try in 1 2 3; do
	slow=$(ipv6_growth 198.18.0.2)
	fast=$(ipv6_growth 203.0.113.2)
	[ -n "$slow" ] && [ "$slow" = "$fast" ] && break
done
e1=$(early)
if [ $((e1 - e0)) -ge 5 ]; then
	ok "the echo requests were taken early ($e0 -> $e1)"
else
	fail "the echo requests were taken early" "rx_early $e0 -> $e1"
fi
if [ -n "$slow" ] && [ "$slow" = "$fast" ]; then
	ok "IPv6 counts early packets as its own (Ip6InReceives, Ip6InDelivers +$fast; try $try)"
else
	fail "IPv6 counts early packets as its own" "ordinary path: +${slow:-?}, early: +${fast:-?} (3 tries)"
fi
check_value "the unbound tunnel takes nothing early" 0 early eg8
check "iperf-sized frames: 20 pings of 1400 bytes (DF) through the bound tunnel" \
	all_answered ping_b 203.0.113.2 20 -s 1400 -M do

# A netfilter hook at IPv6 PRE_ROUTING sees every GRE packet.
nft_b() { ip netns exec "$hostB" nft "$@"; }
check "a PREROUTING chain counting GRE at B" nft_b -f - <<-'NFT'
	table ip6 early {
		chain pre {
			type filter hook prerouting priority 0;
			meta l4proto gre counter
		}
	}
NFT
gre_seen() { nft_b -j list chain ip6 early pre | jq '[.nftables[].rule.expr[]? | .counter.packets? // empty] | add'; }
e0=$(early)
check "5 pings with the hook in place" pings_b
no_growth "nothing taken early while the hook exists" "$e0" "$(early)"
n=$(gre_seen)
if [ "${n:-0}" -ge 5 ]; then ok "the hook saw the GRE packets ($n)"; else fail "the hook saw the GRE packets" "counter ${n:-none}"; fi
nft_b delete table ip6 early
e0=$(early)
check "5 pings after the hook is gone" pings_b
check "5 more" pings_b
check_grew "taken early again once the hook is gone" "$e0" "$(early)"

# A socket held open in B while 5 pings cross: raw IPv6 GRE, or AF_PACKET.
sock_case()	# "what" python-socket-expression
{
	local out pid e0 n
	out=$(mktemp)
	ip netns exec "$hostB" $PY -c '
import socket, sys, time
s = '"$2"'
s.settimeout(0.2)
print("ready", flush=True)
n, end = 0, time.time() + 120
while n < 5 and time.time() < end:
    try:
        s.recv(2048); n += 1
    except socket.timeout:
        pass
print(n, flush=True)' > "$out" &
	pid=$!
	wait_for 60 grep -q ready "$out"
	e0=$(early)
	check "5 pings with a $1 open" pings_b
	no_growth "nothing taken early while a $1 is open" "$e0" "$(early)"
	wait "$pid"
	n=$(tail -n 1 "$out")
	if [ "${n:-0}" -ge 5 ]; then ok "the $1 received the packets ($n)"; else fail "the $1 received the packets" "$(cat "$out")"; fi
	rm -f "$out"
}
sock_case "raw IPv6 GRE socket" "socket.socket(socket.AF_INET6, socket.SOCK_RAW, 47)"
sock_case "packet socket for IPv6" "socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x86dd))"
e0=$(early)
check "5 pings without sockets" pings_b
check "5 more" pings_b
check_grew "taken early again without sockets" "$e0" "$(early)"

# A VLAN-tagged copy of an echo request of eg7 (B has no VLAN 5): IPv6
# drops it, and so must the early path.
vlan_case()
{
	local macs inner gre r0 r1 e0 e1
	if ! $PY -c 'import scapy.all' 2>/dev/null; then
		skip "VLAN-tagged IPv6 GRE" "python3 has no scapy"
		return
	fi
	macs="src='$(mac_of "$hostA" ul)', dst='$(mac_of "$hostB" ul)'"
	inner="Ether(src='$(mac_of "$hostA" eg7)', dst='$(mac_of "$hostB" eg7)') / IP(src='203.0.113.1', dst='203.0.113.2') / ICMP()"
	gre="IPv6(src='2001:db8::1', dst='2001:db8::2') / GRE(key_present=1, key=7, proto=0x6558) / $inner"
	r0=$(link_stat "$hostB" eg7 rx_packets)
	e0=$(early)
	ip netns exec "$hostA" $PY -c "from scapy.all import *; sendp([Ether($macs) / Dot1Q(vlan=5) / $gre] * 5, iface='ul', verbose=0)"
	check "5 untagged copies then reach eg7 (the frame itself is right)" bash -c \
		"ip netns exec $hostA $PY -c \"from scapy.all import *; sendp([Ether($macs) / $gre] * 5, iface='ul', verbose=0)\""
	wait_for 20 rx_above "$hostB" eg7 $((r0 + 4)) >/dev/null
	r1=$(link_stat "$hostB" eg7 rx_packets)
	if [ $((r1 - r0)) = 5 ]; then ok "only the 5 untagged frames reached eg7"
	else fail "only the 5 untagged frames reached eg7" "rx_packets $r0 -> $r1"; fi
	e1=$(early)
	if [ $((e1 - e0)) -le 5 ]; then ok "no tagged frame taken early ($e0 -> $e1)"
	else fail "no tagged frame taken early" "rx_early $e0 -> $e1"; fi
}

# The underlay address removed: IPv6 no longer delivers the tunnel's
# packets locally, and neither may the early path.
check "5 pings to relearn" pings_b
ip -n "$hostB" addr del 2001:db8::2/64 dev ul
e0=$(early)
check_fails "no ping passes once B's underlay address is gone" ping_b 203.0.113.2 3
no_growth "nothing taken early for an address that is no longer local" "$e0" "$(early)"
ip -n "$hostB" addr add 2001:db8::2/64 dev ul nodad
check "pings pass once the address is back" wait_for 60 ping_b 203.0.113.2 1
check "5 more pings" pings_b
check_grew "taken early again" "$e0" "$(early)"

# A lightweight tunnel (BPF lwt_in dropping long packets) on the local
# route: IPv6 input runs it on every packet, so it must not be skipped.
# The route is deleted and added again: IPv6 takes metric 0 for its
# default, 1024, so "ip -6 route replace ... metric 0" adds a second route
# beside the kernel's (metric 0), and the lookup keeps using the kernel's.
lwt_local_route()
{
	ip -n "$hostB" -6 route del local 2001:db8::2 dev ul table local 2>/dev/null
	ip -n "$hostB" -6 route add local 2001:db8::2 dev ul table local \
		proto kernel metric 0 "$@"
}
lwt_case()
{
	local dir e0 why
	dir=$(mktemp -d /tmp/egre-v6lwt.XXXXXX)
	cat > "$dir/drop_big.c" <<'EOF'
struct __sk_buff { unsigned int len; };

__attribute__((section("lwt_in"), used))
int drop_big(struct __sk_buff *skb)
{
	return skb->len > 500 ? 2 /* BPF_DROP */ : 0 /* BPF_OK */;
}

char _license[] __attribute__((section("license"), used)) = "GPL";
EOF
	if ! why=$(clang -O2 -target bpf -c "$dir/drop_big.c" -o "$dir/drop_big.o" 2>&1); then
		skip "lwt_in program on the IPv6 local route" "clang cannot build BPF: $why"
		return
	fi
	if ! why=$(lwt_local_route encap bpf in obj "$dir/drop_big.o" section lwt_in 2>&1); then
		skip "lwt_in program on the IPv6 local route" "this kernel or ip cannot attach it: $why"
		return
	fi
	ok "lwt_in program on the IPv6 local route"
	ip -n "$hostB" -6 route show table local 2001:db8::2 | sed 's/^/\t/'
	e0=$(early)
	check "lwt: small pings delivered" ping_b 203.0.113.2 5
	check_fails "lwt: large pings dropped by the program" ping_b 203.0.113.2 5 -s 600
	no_growth "lwt: none taken early" "$e0" "$(early)"
	check "lwt: plain local route back" lwt_local_route
	check "lwt: pings delivered again" wait_for 20 ping_b 203.0.113.2 1
	rm -rf "$dir"
}
# The slower cases (scapy, clang) run in make check-full only.
if [ -n "${TRELLIS_FULL:-}" ]; then
	vlan_case
	lwt_case
else
	skip "VLAN-tagged IPv6 GRE; lwt_in on the IPv6 local route" "make check-full (TRELLIS_FULL=1) runs them"
fi

# csum and seq on the unbound tunnel, both ends: the MTU follows.
check "csum seq at A" trellisd_a set eg8 csum seq
check "csum seq at B" ip netns exec "$hostB" "$TRELLISD" egre set eg8 csum seq
check_value "MTU with csum and seq: 1430" 1430 link_attr "$hostA" eg8 mtu
check "10 of 10 pings with csum and seq" all_answered ping_b 198.18.0.2 10
check_value "no checksum drops" 0 ethtool_stat "$hostB" eg8 rx_drop_bad_csum
check_value "no sequence drops" 0 ethtool_stat "$hostB" eg8 rx_drop_out_of_seq
check "A stops sending checksums" trellisd_a set eg8 nocsum
check_fails "pings fail: B requires checksums" ping_b 198.18.0.2 3
check_grew "... counted as rx_drop_bad_csum" 0 "$(ethtool_stat "$hostB" eg8 rx_drop_bad_csum)"
check "csum and seq off at both ends" sh -c "ip netns exec '$hostA' '$TRELLISD' egre set eg8 nocsum noseq &&
	ip netns exec '$hostB' '$TRELLISD' egre set eg8 nocsum noseq"

# An unknown key: counted in B's namespace.
unknown() { ip netns exec "$hostB" awk '$1 == "unknown_key" { print $2 }' /proc/net/egre; }
u0=$(unknown)
check "a tunnel with key 9 at A only" egre_up "$hostA" eg9 2001:db8::1 2001:db8::2 9 198.51.100.1/24
neigh_pin "$hostA" eg9 198.51.100.2 "$hostA" eg9
check_fails "pings over key 9 fail" ping_b 198.51.100.2 3
u1=$(unknown)
if [ $((u1 - u0)) -ge 3 ]; then ok "unknown_key counts them ($u0 -> $u1)"
else fail "unknown_key counts them" "unknown_key $u0 -> $u1"; fi

# Path MTU: B (standing in for a router) tells A by ICMPv6 that the path to
# it carries 1300 bytes; egre_err6 records it, and A's tunnel drops what
# no longer fits, telling the sender.
if $PY -c 'import scapy.all' 2>/dev/null; then
	check "B sends ICMPv6 packet-too-big (mtu 1300) quoting eg7's GRE" bash -c \
		"ip netns exec $hostB $PY -c \"from scapy.all import *; send(IPv6(src='2001:db8::2', dst='2001:db8::1') / ICMPv6PacketTooBig(mtu=1300) / IPv6(src='2001:db8::1', dst='2001:db8::2', hlim=64) / GRE(key_present=1, key=7, proto=0x6558) / Raw(bytes(1200)), iface='ul', verbose=0)\""
	check_output "A's route to B learnt mtu 1300" "mtu 1300" \
		ip -n "$hostA" -6 route get 2001:db8::2 oif ul
	t0=$(ethtool_stat "$hostA" eg7 tx_drop_too_big)
	out=$(ping_b 203.0.113.2 2 -s 1250 -M do 2>&1)
	if [[ "$out" == *"mtu=1238"* || "$out" == *"mtu = 1238"* ]]; then
		ok "a 1278-byte DF ping is refused with mtu 1238 (1300 - 62)"
	else
		fail "a 1278-byte DF ping is refused with mtu 1238 (1300 - 62)" "$out"
	fi
	check_grew "... counted as tx_drop_too_big" "$t0" "$(ethtool_stat "$hostA" eg7 tx_drop_too_big)"
	check "1200-byte DF pings still pass" all_answered ping_b 203.0.113.2 3 -s 1200 -M do
else
	skip "path MTU from ICMPv6 packet-too-big" "python3 has no scapy"
fi

# Custom rules: from the first one on, nothing is taken early in the
# namespace; a rule catching marked GRE is obeyed.
check "B: local table moved to pref 50" sh -c "ip -n '$hostB' -6 rule add pref 50 lookup local &&
	ip -n '$hostB' -6 rule del pref 0 lookup local"
e0=$(early)
check "5 pings with custom rules" pings_b
no_growth "nothing taken early with custom rules" "$e0" "$(early)"
check "B: GRE marked 7 on ul ingress" sh -c "tc -n '$hostB' qdisc add dev ul clsact &&
	tc -n '$hostB' filter add dev ul ingress pref 1 protocol ipv6 u32 \
	match ip6 protocol 47 0xff action skbedit mark 7"
check "B: rule: marked from ul prohibited" ip -n "$hostB" -6 rule add pref 10 iif ul fwmark 7 prohibit
check_fails "pings fail: the rule catches the outer packets" ping_b 203.0.113.2 3
no_growth "... none taken early" "$e0" "$(early)"
ip -n "$hostB" -6 rule del pref 10
tc -n "$hostB" qdisc del dev ul clsact

# Under a flood: the tunnel deleted, then the module unloaded.
flood() { ip netns exec "$hostA" ping -f -q "$1" >/dev/null 2>&1 & fpid=$!; }
flowing() {
	local r0
	r0=$(link_stat "$1" "$2" rx_packets) && wait_for 120 rx_above "$1" "$2" $((r0 + 200))
}
flood 198.18.0.2
check "a flood through eg8 arrives at B" flowing "$hostB" eg8
check "B's eg8 deleted under the flood" ip -n "$hostB" link del eg8
kill "$fpid"; wait "$fpid"
check "eg8 again at B" egre_up "$hostB" eg8 2001:db8::2 2001:db8::1 8 198.18.0.2/24
neigh_pin "$hostA" eg8 198.18.0.2 "$hostB" eg8
check "ping through the new eg8" wait_for 60 ping_b 198.18.0.2 1
flood 198.18.0.2
check "the flood arrives again" flowing "$hostB" eg8
check "egre unloads under a flood through an IPv6 tunnel" rmmod egre
kill "$fpid"; wait "$fpid"
check "egre loads again" insmod_built egre
