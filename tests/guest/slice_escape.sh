#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A slice cannot reach the node, the underlay or another slice (issue 14,
# point 4).  Two slices: ospf-ring (topo/ospf-ring.topo, FRR, OSPF
# converged) and esc, whose root in host a1 (`trellisd exec esc a1') tries
# every escape below while r1 pings r3 across ospf-ring.  Each escape is a
# check that fails if the escape works; the count is printed at the end.
#
#  node (root namespace, 192.0.2.1 on ul0) ............................
#  :                                                                  :
#  :  slice esc (its own user namespace: root = uid 0x1000xxxx)       :
#  :  +------+ eth0   tx..  [sb]  ty..(netem 40ms)   eth0 +------+    :
#  :  |  a1  |-----------o----------o-----------------------|  a2  |  :
#  :  |      | eth1   tv.. [sb] tg.. (egre key K) --ul0--> far ns    :
#  :  |      | eth2 ---- %switch (bridge, the node's namespace) - a2  :
#  :  +------+                                            +------+    :
#  :                                                                  :
#  :  slice ospf-ring: r1 - r2 - r3 - r4 - r1, its own user namespace :
#  :....................................................................
#   far: a network namespace holding 192.0.2.2 (node beta's underlay)
#
# Before that: with shortbridge not loaded, a link within the node is
# joined by a Linux bridge (up says so), and --backend egre is refused.
#
# timeout: 1800
# cost: 327

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../routing.sh"

require_cmd vtysh jq ping python3 tc nsenter modprobe
[ -x /usr/lib/frr/ospfd ] || { skip "slice_escape" "FRR is not installed (scripts/deps)"; exit 0; }
T=$TRELLISD
tmp=$(mktemp -d)
chmod 755 "$tmp"	# the slices' roots read the helpers below
defer rm -rf "$tmp"

# --- without shortbridge: a Linux bridge joins links within the node -------
[ -d /sys/module/shortbridge ] && rmmod shortbridge
cat > "$tmp/fb.topo" <<'EOF'
slice fb
host f1
host f2
link f1:eth0 f2:eth0
    addr f1 198.51.100.1/24
    addr f2 198.51.100.2/24
EOF
sed 's/^slice fb/slice fb2/' "$tmp/fb.topo" > "$tmp/fb2.topo"
check_output "no shortbridge: up says a Linux bridge joins the link" "Linux bridge" \
	"$T" up "$tmp/fb.topo"
defer "$T" down fb
check "no shortbridge: f1 pings f2 through the bridge" \
	wait_for 60 "$T" exec fb f1 -- ping -c 1 -W 1 198.51.100.2
check_output "no shortbridge: the bridge is in the root namespace" "bridge" \
	sh -c "ip -d -o link show | grep -E '^[0-9]+: tb[0-9a-f]{8}:'"
check_error "no shortbridge: --backend egre is refused" "shortbridge module is not loaded" \
	"$T" up --backend egre "$tmp/fb2.topo"
check_fails "no shortbridge: the refused slice left nothing" "$T" status fb2
check "no shortbridge: down" "$T" down fb

check "shortbridge loads" insmod_built shortbridge
check "egre loads" insmod_built egre

# --- the underlay: ul0 here, ul1 in $far (node beta) ------------------------
ns_add far far
ip link add ul0 type veth peer name ul1 netns "$far"
defer ip link del ul0
ip addr add 192.0.2.1/24 dev ul0 && ip link set ul0 up
ip -n "$far" addr add 192.0.2.2/24 dev ul1 && ip -n "$far" link set ul1 up

# --- the victim: OSPF converged ---------------------------------------------
S=ospf-ring
check "ospf-ring: up" "$T" up "$TOP/topo/ospf-ring.topo"
defer "$T" down "$S"
if wait_for 300 all_loopbacks; then
	ok "ospf-ring: OSPF converged (every router has every loopback)"
else
	fail "ospf-ring: OSPF converged" "$(on r1 vtysh -c 'show ip ospf neighbor')"
fi

# --- the attacker ------------------------------------------------------------
cat > "$tmp/esc.topo" <<'EOF'
slice esc
node alpha underlay 192.0.2.1
node beta underlay 192.0.2.2
host a1 node alpha
host a2 node alpha
host b1 node beta
link a1:eth0 a2:eth0
    addr a1 198.51.100.1/24
    addr a2 198.51.100.2/24
    discipline a1 delay 40ms
link a1:eth1 b1:eth0
    addr a1 203.0.113.1/24
    addr b1 203.0.113.2/24
lan seg a1:eth2 a2:eth2
    addr a1 100.64.0.1/24
    addr a2 100.64.0.2/24
EOF
check "esc: up" "$T" up "$tmp/esc.topo"
defer "$T" down esc

X() { "$T" exec esc a1 -- "$@"; }
holder() { awk -v h="$2" '$1 == "host" && $2 == h { print $3 }' "/run/trellis/$1/journal" | tail -n 1; }
rootdev() { "$T" status esc | awk -v p="$1" '$1 == "root" && index($2, p) == 1 { print $2 }'; }
tx=$(rootdev tx); ty=$(rootdev ty); tv=$(rootdev tv); tg=$(rootdev tg)
check "esc: its root sides $tx $ty $tv and tunnel $tg are in the root namespace" \
	ip link show dev "$tg"
check_output "esc: a1's delay is a netem on $ty, in the root namespace" "netem" \
	tc qdisc show dev "$ty"

rtt() {	# minimum RTT in ms from a1 to a2
	X ping -c 4 -i 0.3 -W 2 198.51.100.2 | sed -n 's/^rtt [^=]*= \([0-9]*\)\..*/\1/p'
}
delay_kept() { local ms; ms=$(rtt); echo "RTT ${ms:-?} ms"; [ -n "$ms" ] && [ "$ms" -ge 38 ]; }
check "esc: a1 -> a2 is delayed 40 ms" wait_for 60 delay_kept

a1_uidmap=$(X cat /proc/self/uid_map | awk '{ print $2 }')
r1_uidmap=$(on r1 cat /proc/self/uid_map | awk '{ print $2 }')
if [ -n "$a1_uidmap" ] && [ -n "$r1_uidmap" ] && [ "$a1_uidmap" != "$r1_uidmap" ] &&
   [ "$a1_uidmap" != 0 ] && [ "$r1_uidmap" != 0 ]; then
	ok "each slice's root is its own range of the node's ids ($a1_uidmap, $r1_uidmap)"
else
	fail "each slice's root is its own range of the node's ids" "esc: ${a1_uidmap:-?}, ospf-ring: ${r1_uidmap:-?}"
fi

# The victim pings across its ring for as long as the attacks last.
"$T" exec "$S" r1 -- ping -i 0.5 -W 2 -I 10.255.0.1 10.255.0.3 > "$tmp/vping" 2>&1 &
vping=$!
defer kill "$vping"

# Descriptors no slice could open, handed to a1 to try the kernel's own
# checks: the node's network and user namespaces, r1's network namespace,
# esc's own switch namespace.
exec 5</proc/1/ns/net 6</proc/"$(holder ospf-ring r1)"/ns/net
exec 7</proc/"$(holder esc %switch)"/ns/net 8</proc/1/ns/user

tried=0
refused=0
escape() {	# NAME CMD...: CMD succeeds only if the escape was refused
	local name=$1 out
	shift
	tried=$((tried + 1))
	if out=$("$@" 2>&1); then
		refused=$((refused + 1))
		ok "refused: $name"
	else
		fail "refused: $name" "$(printf '%s\n' "\$ $*" "$out" | tail -n 12)"
	fi
}
says() {	# WANT CMD...: CMD fails, saying WANT
	local want=$1 out
	shift
	if out=$("$@" 2>&1); then
		printf '%s\n(it succeeded)\n' "$out"
		return 1
	fi
	_says "$out" "$want" || { printf '%s\n(expected: %s)\n' "$out" "$want"; return 1; }
}

cat > "$tmp/genl.py" <<'EOF'
# genl.py new IFINDEX_A IFINDEX_B [NETNS_FD] | del IFINDEX: one shortbridge
# request; prints "ok" or the errno's name, exits 0 only on success.
import errno, socket, struct, sys

def nla(t, d):
    n = 4 + len(d)
    return struct.pack('=HH', n, t) + d + b'\0' * (-n % 4)

seq = 0

def talk(s, typ, cmd, attrs):
    # REQUEST | ACK; the answer to this request is the first message with
    # its sequence number (its data, or the ACK or error).
    global seq
    seq += 1
    body = struct.pack('=BBH', cmd, 1, 0) + attrs
    s.send(struct.pack('=IHHII', 16 + len(body), typ, 5, seq, 0) + body)
    while True:
        r = s.recv(65536)
        if struct.unpack('=I', r[8:12])[0] != seq:
            continue
        if struct.unpack('=H', r[4:6])[0] == 2:
            return -struct.unpack('=i', r[16:20])[0], r
        return 0, r

s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
err, r = talk(s, 0x10, 3, nla(2, b'shortbridge\0'))
fam, off, end = None, 20, struct.unpack('=I', r[0:4])[0]
while not err and off < end:
    n, t = struct.unpack('=HH', r[off:off + 4])
    if t == 1:
        fam = struct.unpack('=H', r[off + 4:off + 6])[0]
    off += (n + 3) & ~3
if fam is None:
    print('no shortbridge family:', errno.errorcode.get(err, err))
    sys.exit(2)
u32 = lambda v: struct.pack('=I', int(v))
if sys.argv[1] == 'new':
    attrs = nla(1, u32(sys.argv[2])) + nla(2, u32(sys.argv[3]))
    if len(sys.argv) > 4:
        attrs += nla(6, u32(sys.argv[4]))
    err, _ = talk(s, fam, 1, attrs)
else:
    err, _ = talk(s, fam, 2, nla(1, u32(sys.argv[2])))
print('ok' if not err else errno.errorcode.get(err, str(err)))
sys.exit(1 if err else 0)
EOF

cat > "$tmp/sniff.py" <<'EOF'
# sniff.py SECONDS OWN-PREFIXES READY-FILE: every frame on every device of
# the namespace for SECONDS once READY-FILE is written (the socket is
# open); prints own=N foreign=N gre=N (IPv4 and ARP frames whose addresses
# are all in OWN-PREFIXES; the others; IPv4 GRE packets).
import ipaddress, socket, struct, sys, time

own = [ipaddress.ip_network(p) for p in sys.argv[2].split(',')]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.settimeout(0.2)
open(sys.argv[3], 'w').close()
n = {'own': 0, 'foreign': 0, 'gre': 0}
end = time.time() + float(sys.argv[1])
while time.time() < end:
    try:
        f = s.recv(65535)
    except socket.timeout:
        continue
    et = struct.unpack('!H', f[12:14])[0]
    if et == 0x0806 and len(f) >= 42:
        ips = [f[28:32], f[38:42]]
    elif et == 0x0800 and len(f) >= 34:
        ips = [f[26:30], f[30:34]]
        n['gre'] += f[23] == 47
    else:
        continue
    ips = [ipaddress.ip_address(a) for a in ips]
    mine = all(any(a in p for p in own) for a in ips)
    n['own' if mine else 'foreign'] += 1
print(' '.join('%s=%d' % kv for kv in n.items()))
EOF

# --- 1. its link: discipline, key, peer --------------------------------------
escape "a1 cannot see the root side carrying its discipline ($ty)" \
	says "does not exist" X ip link show dev "$ty"
escape "a1 cannot change that discipline (tc on $ty)" \
	says "Cannot find device" X tc qdisc replace dev "$ty" root pfifo
undo_delay() {
	X tc qdisc del dev eth0 root
	X tc qdisc replace dev eth0 root pfifo
	X tc qdisc del dev eth0 root
	delay_kept
}
escape "a1's tc on its own end leaves its link's 40 ms delay" undo_delay
escape "a1 cannot delete or change its tunnel $tg (key, peer)" \
	says "Cannot find device" X ip link set dev "$tg" down
escape "a1 cannot move its end of the link to the node" \
	says "Operation not permitted" X ip link set dev eth1 netns /proc/self/fd/5
escape "a1 cannot move its end of the link into another slice" \
	says "Operation not permitted" X ip link set dev eth0 netns /proc/self/fd/6

# --- 2. the underlay ----------------------------------------------------------
own_devices() { [ "$(X ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort | xargs)" = "eth0 eth1 eth2 lo" ]; }
escape "a1 sees no device but its own (no underlay, root side or other slice's)" own_devices
escape "a1's /sys shows no device but its own" \
	sh -c '[ "$("$1" exec esc a1 -- ls /sys/class/net | sort | xargs)" = "eth0 eth1 eth2 lo" ]' sh "$T"
escape "a1 cannot send to the node's underlay address" \
	says "Network is unreachable" X ping -c 1 -W 1 192.0.2.1
escape "a1's raw socket cannot send GRE to node beta's underlay" \
	says "Network is unreachable" X python3 -c \
	'import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, 47).sendto(b"\0\0\x65\x58", ("192.0.2.2", 0))'

# A packet socket on every device of a1 while a1 sends over its tunnel and
# ospf-ring carries OSPF and pings: a1 sees its own frames only, node beta's
# side sees the GRE packets they became.
X ip neigh replace 203.0.113.2 lladdr 02:00:00:00:00:b1 dev eth1
mkdir -m 1777 "$tmp/ready"
ip netns exec "$far" python3 "$tmp/sniff.py" 20 192.0.2.0/24 "$tmp/ready/far" > "$tmp/far.cap" 2>&1 &
farcap=$!
X python3 "$tmp/sniff.py" 20 198.51.100.0/24,203.0.113.0/24,100.64.0.0/24,224.0.0.0/4,0.0.0.0/32 \
	"$tmp/ready/a1" > "$tmp/a1.cap" 2>&1 &
a1cap=$!
wait_for 60 test -e "$tmp/ready/far" -a -e "$tmp/ready/a1"
X ping -c 8 -i 0.4 -W 1 203.0.113.2 >/dev/null 2>&1
wait "$farcap" "$a1cap"
echo "	a1 saw: $(cat "$tmp/a1.cap"); beta's underlay saw: $(cat "$tmp/far.cap")"
capture_ok() {
	local own foreign gre fgre
	own=$(sed -n 's/.*own=\([0-9]*\).*/\1/p' "$tmp/a1.cap")
	foreign=$(sed -n 's/.*foreign=\([0-9]*\).*/\1/p' "$tmp/a1.cap")
	gre=$(sed -n 's/.*gre=\([0-9]*\).*/\1/p' "$tmp/a1.cap")
	fgre=$(sed -n 's/.*gre=\([0-9]*\).*/\1/p' "$tmp/far.cap")
	[ "${own:-0}" -ge 8 ] && [ "${foreign:-1}" = 0 ] && [ "${gre:-1}" = 0 ] && [ "${fgre:-0}" -ge 8 ]
}
escape "a1's packet socket sees only its own frames, no GRE and none of ospf-ring's" capture_ok

# --- 3. other slices and the node's processes -----------------------------------
# A host has its own PID namespace: the node's pids mean nothing inside.
zebra=$(pgrep -x zebra | head -n 1)
survives() {	# PID: a1's SIGKILL to the node's PID does not reach it
	X kill -9 "$1"
	sleep 1	# a delivered SIGKILL has taken effect by then
	kill -0 "$1"
}
escape "a1 cannot kill another slice's zebra (pid $zebra)" survives "$zebra"
escape "a1 cannot kill its own host's holder (root of the node)" survives "$(holder esc a1)"
escape "a1 sees no process but its host's own" \
	sh -c '[ -z "$("$1" exec esc a1 -- pgrep -x "zebra|ospfd|trellis-sup|sshd|trellis:.*")" ]' sh "$T"
escape "a1 cannot open another slice's namespaces" \
	says "cannot open" X nsenter -t "$(holder ospf-ring r1)" -n true

# --- 4. joins and tunnels outside its namespace --------------------------------
txi=$(cat "/sys/class/net/$tx/ifindex")
tyi=$(cat "/sys/class/net/$ty/ifindex")
a1eth0=$(X cat /sys/class/net/eth0/ifindex)
escape "a1 cannot join its eth0 to a device of the node (shortbridge, NETNS_FD)" \
	says "EPERM" X python3 "$tmp/genl.py" new "$a1eth0" "$txi" 5
escape "a1 cannot join devices of another slice (shortbridge, NETNS_FD)" \
	says "EPERM" X python3 "$tmp/genl.py" new "$a1eth0" 1 6
sb_kept() {
	X python3 "$tmp/genl.py" del "$txi"
	X python3 "$tmp/genl.py" del "$tyi"
	"$T" sb show "$tx" | grep -q "$ty"
}
escape "a1 cannot take its link's join ($tx-$ty) apart" sb_kept
# Linux 6.1's veth puts its peer into the namespace of any pid or fd it
# is given, with no check of the caller's rights there: a host must be
# unable to name one (its own PID namespace; /proc/PID/ns of others).
peer_nowhere() {	# TARGET: a1's veth with its peer in `netns TARGET' puts nothing in the node or r1
	local bad=0
	X ip link add esc0 type veth peer name esc1 netns "$1"
	ip link show dev esc1 >/dev/null 2>&1 && bad=1
	"$T" exec ospf-ring r1 -- ip link show dev esc1 >/dev/null 2>&1 && bad=1
	X ip link del esc0 2>/dev/null
	ip link del esc1 2>/dev/null
	[ "$bad" = 0 ]
}
escape "a1 cannot create a device in the node's namespace (veth peer, netns 1)" peer_nowhere 1
r1net=$(pgrep -x zebra | while read -r p; do [ "$(readlink /proc/$p/ns/net)" = "$(readlink /proc/"$(holder ospf-ring r1)"/ns/net)" ] && echo "$p"; done | head -n 1)
escape "a1 cannot create a device in another slice's host (veth peer, netns PID of r1's zebra)" \
	peer_nowhere "$r1net"
tried=$((tried + 1))
if out=$(X ip link add esc8 type veth peer name esc9 netns /proc/self/fd/5 2>&1); then
	ip link del esc9 2>/dev/null
	skip "refused: a1, handed the node's namespace, cannot put a veth peer in it" \
		"this kernel's veth_newlink() does not check CAP_NET_ADMIN over the peer's namespace: no slice can get such a descriptor (checked here), but one handed over would do"
else
	refused=$((refused + 1))
	ok "refused: a1, handed the node's namespace, cannot put a veth peer in it"
fi
escape "a1 cannot create a device in the node's namespace (IFLA_NET_NS_FD)" \
	says "Operation not permitted" X ip link add esc4 netns /proc/self/fd/5 type veth peer name esc5

# --- 5. namespaces, mounts, modules, the node's sysctls ------------------------
escape "a1 cannot reach the node's pid 1 (its pid 1 is its host's init)" \
	sh -c '[ "$("$1" exec esc a1 -- cat /proc/1/comm)" = trellis-init ]' sh "$T"
escape "a1 cannot setns into the node's network namespace, even holding it" \
	says "Operation not permitted" X nsenter --net=/proc/self/fd/5 true
escape "a1 cannot setns into another slice's network namespace, even holding it" \
	says "Operation not permitted" X nsenter --net=/proc/self/fd/6 true
escape "a1 cannot setns into its own slice's switch namespace (the node's)" \
	says "Operation not permitted" X nsenter --net=/proc/self/fd/7 true
escape "a1 cannot setns into the node's user namespace" \
	says "Operation not permitted" X nsenter --user=/proc/self/fd/8 true
escape "a1 cannot mount" says "permission denied" X mount -t tmpfs none /mnt
escape "a1 cannot unmount its /etc overlay" \
	sh -c '! "$1" exec esc a1 -- umount /etc 2>&1 &&
		"$1" exec esc a1 -- awk "\$2 == \"/etc\" && \$3 == \"overlay\" { f = 1 } END { exit !f }" /proc/self/mounts' sh "$T"
if [ -d /sys/module/nlmon ]; then
	skip "refused: a1 cannot load a module" "nlmon is loaded already"
else
	escape "a1 cannot load a module (modprobe nlmon)" \
		sh -c '! "$1" exec esc a1 -- modprobe nlmon 2>&1 && [ ! -d /sys/module/nlmon ]' sh "$T"
fi
escape "a1 cannot load a module (insmod egre.ko)" \
	says "Operation not permitted" X insmod "$TOP/kernel/egre/egre.ko"
sysrq=$(cat /proc/sys/kernel/sysrq)
escape "a1 cannot write the node's kernel.sysrq" \
	sh -c '! "$1" exec esc a1 -- sh -c "echo 0 > /proc/sys/kernel/sysrq" 2>&1; [ "$(cat /proc/sys/kernel/sysrq)" = "$2" ]' sh "$T" "$sysrq"
rmem=$(cat /proc/sys/net/core/rmem_max)
escape "a1 cannot write the node's net.core.rmem_max" \
	sh -c '! "$1" exec esc a1 -- sh -c "echo 4096 > /proc/sys/net/core/rmem_max" 2>&1; [ "$(cat /proc/sys/net/core/rmem_max)" = "$2" ]' sh "$T" "$rmem"
fwd=$(cat /proc/sys/net/ipv4/ip_forward)
escape "a1's own ip_forward is not the node's" \
	sh -c '"$1" exec esc a1 -- sh -c "echo $((1 - $2)) > /proc/sys/net/ipv4/ip_forward" && [ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$2" ]' sh "$T" "$fwd"

# --- 6. a fork bomb and a memory hog ------------------------------------------------
# No policy.conf: esc has trellisd's default limits, which nothing here
# changes: pids.max 256 + 64 per host, memory.max a quarter of the node's
# RAM (in whole pages), no swap.
cg=/sys/fs/cgroup/trellis/esc
pids_max=$((256 + 64 * 3))
mem_max=$(( $(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo) / 4 / 4 * 4096 ))
if [ ! -f "$cg/pids.max" ] || [ ! -f "$cg/memory.max" ]; then
	skip "refused: a1's fork bomb and memory hog" "no cgroup with pids and memory limits for the slice ($cg)"
else
	check_value "esc's pids.max is the default, 256 + 3 x 64" "$pids_max" cat "$cg/pids.max"
	check_value "esc's memory.max is the default, a quarter of the node's RAM" "$mem_max" \
		cat "$cg/memory.max"
	X python3 -c '
import os
while True:
    try:
        os.fork()
    except OSError:
        pass' >/dev/null 2>&1 &
	bomb_hit() { [ "$(awk '$1 == "max" { print $2 }' "$cg/pids.events")" -gt 0 ]; }
	escape "a1's fork bomb stops at the slice's pids.max" wait_for 120 bomb_hit
	echo "	esc holds $(cat "$cg/pids.current") processes (pids.max $pids_max)"
	escape "the node still starts processes during the fork bomb" \
		sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true || exit 1; done'
	escape "ospf-ring forwards during the fork bomb" \
		all_answered "$T" exec "$S" r1 -- ping -c 5 -i 0.5 -W 2 -I 10.255.0.1 10.255.0.3
	echo 1 > "$cg/host-a1/cgroup.kill"
	check "the fork bomb is gone with a1's cgroup" \
		wait_for 120 sh -c '! grep -q . "$1/host-a1/cgroup.procs" 2>/dev/null' sh "$cg"
	"$T" exec esc a2 -- python3 -c '
a = []
while True:
    a.append(bytearray(1 << 20))' >/dev/null 2>&1
	escape "a2's memory hog is killed at the slice's memory.max" \
		sh -c '[ "$(awk '"'"'$1 == "oom_kill" { print $2 }'"'"' "$1/memory.events")" -gt 0 ]' sh "$cg"
	echo "	esc's memory peaked at $(( $(cat "$cg/memory.peak" 2>/dev/null || echo 0) >> 20 )) MiB (memory.max $((mem_max >> 20)) MiB)"
	escape "the node still starts processes after the memory hog" \
		sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true || exit 1; done'
	escape "ospf-ring forwards after the memory hog" \
		all_answered "$T" exec "$S" r1 -- ping -c 5 -i 0.5 -W 2 -I 10.255.0.1 10.255.0.3
fi

# --- the victim, throughout -----------------------------------------------------
if wait_for 60 all_loopbacks; then
	ok "ospf-ring: still converged after the attacks"
else
	fail "ospf-ring: still converged after the attacks" "$(on r1 vtysh -c 'show ip ospf neighbor')"
fi
kill -INT "$vping"
wait "$vping"
read -r sent got < <(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$tmp/vping")
if [ -n "$sent" ] && [ "$sent" -ge 10 ] && [ $((got * 100)) -ge $((sent * 95)) ]; then
	ok "ospf-ring: r1 -> r3 forwarded throughout ($got of $sent pings answered)"
else
	fail "ospf-ring: r1 -> r3 forwarded throughout" "$(tail -n 3 "$tmp/vping")"
fi

echo "	escapes tried: $tried, refused: $refused"
