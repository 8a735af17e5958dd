#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shortbridge refuses every join it cannot make, and says why: devices that
# already have a receive handler (bridge, bond, team, Open vSwitch, macvlan,
# ipvlan, shortbridge itself), loopback, the same device twice, devices in
# different namespaces, non-Ethernet devices, unknown devices, a request
# without a device, a caller without CAP_NET_ADMIN.
#
#   +-- sw ------------------------------------------------------------+
#   |  p1 -[br0]   p2 -[bond0]   p3 -[team0]   p4 -[ovs dp sbdp]         |
#   |  p5 <- mv0 (macvlan)       p6 <- ipv0 (ipvlan)                   |
#   |  q1 ==shortbridge== q2     q3, q4 (free)    ip0 (ipip)   lo      |
#   +------------------------------------------------------------------+
#   +-- other ----+
#   |  r1 (free)  |    every p*, q*, r* is one end of a veth pair whose
#   +-------------+    other end sits in the same namespace (*x)
#
# timeout: 300
# cost: 124

. "$(dirname "$0")/../lib.sh"

require_cmd ip setpriv
insmod_built shortbridge || { fail "load shortbridge.ko" "insmod failed"; exit 1; }
defer rmmod shortbridge

ns_add sw sb-sw
ns_add other sb-other
for d in p1 p2 p3 p4 p5 p6 q1 q2 q3 q4; do
	ip -n "$sw" link add "$d" type veth peer name "${d}x"
	ip -n "$sw" link set "$d" up
	ip -n "$sw" link set "${d}x" up
done
ip -n "$other" link add r1 type veth peer name r1x

sb() {	# in sw: trellisd sb ...
	ip netns exec "$sw" "$TRELLISD" sb "$@"
}

busy="Device or resource busy"
inval="Invalid argument"

# --- devices another driver already receives from --------------------------
ip -n "$sw" link add br0 type bridge
ip -n "$sw" link set p1 master br0
check_error "bridge port" "$busy: p1 is already a bridge port" sb add p1 q3

if modprobe bonding 2>/dev/null && ip -n "$sw" link add bond0 type bond &&
   ip -n "$sw" link set p2 down && ip -n "$sw" link set p2 master bond0; then
	check_error "bond slave" "$busy: p2 is already a bond slave" sb add q3 p2
else
	skip "bond slave" "cannot make a bond in this guest"
fi

if modprobe team 2>/dev/null && ip -n "$sw" link add team0 type team 2>/dev/null &&
   ip -n "$sw" link set p3 down && ip -n "$sw" link set p3 master team0 2>/dev/null; then
	check_error "team port" "$busy: p3 is already a team port" sb add p3 q3
else
	skip "team port" "cannot make a team device (team.ko) in this guest"
fi

if command -v ovs-dpctl >/dev/null && modprobe openvswitch 2>/dev/null &&
   ip netns exec "$sw" ovs-dpctl add-dp sbdp 2>/dev/null &&
   ip netns exec "$sw" ovs-dpctl add-if sbdp p4 2>/dev/null; then
	defer ip netns exec "$sw" ovs-dpctl del-dp sbdp
	check_error "Open vSwitch port" "$busy: p4 is already an Open vSwitch port" sb add p4 q3
else
	skip "Open vSwitch port" "cannot make an Open vSwitch datapath (ovs-dpctl, openvswitch.ko)"
fi

ip -n "$sw" link add mv0 link p5 type macvlan
check_error "macvlan lower device" "$busy: p5 is already the lower device of a macvlan" sb add p5 q3

if ip -n "$sw" link add ipv0 link p6 type ipvlan 2>/dev/null; then
	check_error "other receive handler (ipvlan lower device)" \
		"$busy: p6 already has a receive handler" sb add q3 p6
else
	skip "other receive handler (ipvlan lower device)" "cannot make an ipvlan device"
fi

check "join q1 and q2" sb add q1 q2
check_error "shortbridge port (first device)" "$busy: q1 is already a shortbridge port" sb add q1 q3
check_error "shortbridge port (second device)" "$busy: q2 is already a shortbridge port" sb add q3 q2

# --- devices that can never be ports ---------------------------------------
check_error "loopback" "$inval: lo is the loopback device" sb add lo q3
check_error "the same device twice" "$inval: cannot join a device to itself" sb add q3 q3
if modprobe ipip 2>/dev/null &&
   ip -n "$sw" link add ip0 type ipip local 192.0.2.1 remote 192.0.2.2; then
	check_error "non-Ethernet device (ipip)" "$inval: ip0 is not an Ethernet device" sb add q3 ip0
else
	skip "non-Ethernet device (ipip)" "cannot make an ipip device"
fi
check_error "devices in different network namespaces" \
	"Invalid cross-device link: devices are in different network namespaces" \
	sb add q3 r1 netns "$other"
check "a second device in our own namespace, named by netns, is fine" \
	sb add q3 q4 netns "$sw"
check "... and goes again" sb del q4
check_error "unknown ifindex" "No such device: ifindex 99999: no such device" sb add 99999 q3
check_error "unknown ifindex (second device)" "No such device: ifindex 99999: no such device" sb add q3 99999
check_error "del of a device that is not a port" \
	"No such file or directory: device is not a shortbridge port" sb del q3
check_error "show of a device that is not a port" \
	"device is not a shortbridge port" sb show q3

# A request with no second device: trellisd never sends one, so raw netlink.
genl_new_port_a_only() {	# ifindex
	ip netns exec "$sw" /usr/bin/python3 - "$1" <<'EOF'
import os, socket, struct, sys
SOL_NETLINK, NETLINK_EXT_ACK, GENL_ID_CTRL = 270, 11, 16
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)  # NETLINK_GENERIC
s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
s.bind((0, 0))
seq = 0

def attr(t, data):
    n = 4 + len(data)
    return struct.pack("HH", n, t) + data + b"\0" * (-n % 4)

def attrs(buf):
    out = {}
    while len(buf) >= 4:
        n, t = struct.unpack_from("HH", buf)
        if n < 4:
            break
        out[t & 0x3fff] = buf[4:n]
        buf = buf[(n + 3) & ~3:]
    return out

def talk(family, cmd, body):
    global seq
    seq += 1
    payload = struct.pack("BBH", cmd, 1, 0) + body
    s.send(struct.pack("IHHII", 16 + len(payload), family, 5, seq, 0) + payload)
    data = None
    while True:
        buf = s.recv(65536)
        while len(buf) >= 16:
            n, t, flags, _, _ = struct.unpack_from("IHHII", buf)
            msg, buf = buf[:n], buf[(n + 3) & ~3:]
            if t != 2:              # not NLMSG_ERROR: a data reply
                data = attrs(msg[20:])
                continue
            err = struct.unpack_from("i", msg, 16)[0]
            if err == 0:
                return 0, data, {}
            inner = struct.unpack_from("I", msg, 20)[0]
            return err, data, attrs(msg[20 + inner:]) if flags & 0x200 else {}

err, data, _ = talk(GENL_ID_CTRL, 3, attr(2, b"shortbridge\0"))
family = struct.unpack("H", data[1][:2])[0]
err, _, tlv = talk(family, 1, attr(1, struct.pack("I", int(sys.argv[1]))))
if not err:
    sys.exit("accepted")
msg = tlv.get(1, b"").rstrip(b"\0").decode()
miss = struct.unpack("I", tlv[5])[0] if 5 in tlv else None
print(f"{os.strerror(-err)}: {msg} (missing attribute {miss})")
sys.exit(1)
EOF
}
q3=$(ip -n "$sw" -j link show q3 | sed -n 's/.*"ifindex":\([0-9]*\).*/\1/p')
check_error "a request without the second device (raw netlink)" \
	"Invalid argument: shortbridge: the second device (PORT_B) is missing (missing attribute 2)" \
	genl_new_port_a_only "$q3"

# --- permissions -------------------------------------------------------------
nobody() {
	ip netns exec "$sw" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all "$@"
}
check_error "join without CAP_NET_ADMIN" "Operation not permitted" \
	nobody "$TRELLISD" sb add q3 q4
check_error "del without CAP_NET_ADMIN" "Operation not permitted" \
	nobody "$TRELLISD" sb del q1
check_output "show without CAP_NET_ADMIN is allowed" "q1" \
	nobody "$TRELLISD" sb show

# --- refusals leave nothing behind -----------------------------------------
check "after all refusals, q3 and q4 still join" sb add q3 q4
joins() {	# in sw: the number of joins in the dump (fails if the dump does)
	local out
	out=$(sb show) || return 1
	awk 'NR > 1 { n++ } END { print n / 2 }' <<< "$out"
}
check_value "the dump shows exactly the two joins" 2 joins
promisc=$(ip -n "$sw" -d -j link show q3 | sed -n 's/.*"promiscuity":\([0-9]*\).*/\1/p')
check "a port is promiscuous while joined" test "$promisc" = 1
check "unjoin q3" sb del q3
promisc=$(ip -n "$sw" -d -j link show q3 | sed -n 's/.*"promiscuity":\([0-9]*\).*/\1/p')
check "... and it is no longer promiscuous" test "$promisc" = 0
