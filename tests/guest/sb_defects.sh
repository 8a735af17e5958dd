#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shortbridge's known defects, one section each, each check failing on the
# code before its fix unless it says otherwise.
#
# 1. The direct path (into a veth's peer) counts frames in shortbridge's own
#    counters and never writes veth's: the port's tx counters (and so its
#    peer's rx counters, which veth reads from them) do not see them, as with
#    bpf_redirect_peer().  (The old write into veth's per-CPU stats corrupted
#    memory only on kernels whose veth has no tstats; Debian's 6.1.0-57 has
#    them, so what is tested is that the counters are ours alone.)
#
#   +-- h1 -------------+   +-- sw --------------------+   +-- h2 -------------+
#   | v1 198.51.100.1   +---+ s1 ==shortbridge==  s2   +---+ v2 198.51.100.2   |
#   +-------------------+   +--------------------------+   +-------------------+
#
# 2. Rings: the two ends of one veth pair, or a chain of joins and veth
#    pairs closing on itself (here across two namespaces), are refused with
#    ELOOP and change nothing.
#
#   +-- sw -----------------------+       +-- far --------------------------+
#   |  a0 ~~~ a1  (one veth pair) |       |                                  |
#   |  b0 ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~ b1                            |
#   |  || join                    |       |   join? b1=c1: a ring of 2 pairs |
#   |  c0 ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~ c1 ==join== d0 ~~~ d1         |
#   +-----------------------------+       |   join? d1=b1: a ring of 3 pairs |
#                                         +----------------------------------+
#
# 3. No autoload: an unprivileged user's lookup of the family does not load
#    the module (kernel.modprobe points at a wrapper that records what the
#    kernel asks for and runs modprobe on a module tree in /tmp holding our
#    shortbridge.ko, so that the old alias would have worked).
#
# 4. Counters shared by all CPUs: none (all are per CPU); nothing to test.
#
# 6. The family: a policy per command (attributes a command does not take,
#    unknown flags, wrong lengths refused with the attribute pointed at), and
#    the root of an unprivileged user + network namespace can neither make
#    nor take apart joins in the initial namespace, by an old socket or by
#    NETNS_FD, while it may in its own.
#
#   +-- initial netns (the guest's) --------+   +-- userns + netns (nobody) --+
#   |  i0 ==shortbridge== i1 (made by root) |   |  u0 ==join== u1 (allowed)   |
#   |  i2, i3 (free)                        |   |  u0x, u1x                   |
#   +---------------------------------------+   +-----------------------------+
#
# timeout: 600
# cost: 187

. "$(dirname "$0")/../lib.sh"

require_cmd ip jq python3 setpriv unshare depmod
KO=$TOP/kernel/shortbridge/shortbridge.ko
tmp=$(mktemp -d)
defer rm -rf "$tmp"
chmod a+rx "$tmp"	# the helper below also runs as nobody

# --- a raw generic netlink client: one request per argument group ----------
# sbnl.py [--userns] [--veth NAME ...] REQ [\; REQ ...]
#   REQ: new|del|get [sock=init|own] [a=IFX] [b=IFX] [flags=N]
#        [netns=init|self] [netnsfd=N] [stats_ab] [u16_a=N]
#   IFX: a number, or @NAME (the ifindex of NAME in the current namespace)
#   --userns: open a socket ("init") and the namespace here, then become
#   root of a new user namespace with a new network namespace ("own"), and
#   make the --veth pairs NAME/NAMEx in it.
# Prints one line per request: "ok", or "ERRNO-TEXT: message (bad attribute
# K)", K counting the request's attributes from 1 as given.
# Exits 1 if any request failed.
cat > "$tmp/sbnl.py" <<'EOF'
import ctypes, os, socket, struct, subprocess, sys

SOL_NETLINK, NETLINK_EXT_ACK, GENL_ID_CTRL = 270, 11, 16
CMDS = {"new": 1, "del": 2, "get": 3}

class Genl:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
        self.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.s.bind((0, 0))
        self.seq = 0

    def talk(self, family, cmd, body, flags=5):
        self.seq += 1
        payload = struct.pack("BBH", cmd, 1, 0) + body
        self.s.send(struct.pack("IHHII", 16 + len(payload), family, flags,
                                self.seq, 0) + payload)
        data = None
        while True:
            buf = self.s.recv(65536)
            while len(buf) >= 16:
                n, t, fl, _, _ = struct.unpack_from("IHHII", buf)
                msg, buf = buf[:n], buf[(n + 3) & ~3:]
                if t != 2:
                    data = attrs(msg[20:])
                    continue
                err = struct.unpack_from("i", msg, 16)[0]
                if err == 0:
                    return 0, data, {}
                inner = struct.unpack_from("I", msg, 20)[0]
                tlv = attrs(msg[20 + inner:]) if fl & 0x200 else {}
                return err, data, tlv

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

def family(g):
    err, data, tlv = g.talk(GENL_ID_CTRL, 3, attr(2, b"shortbridge\0"))
    if err:
        sys.exit("no shortbridge family: " + os.strerror(-err))
    return struct.unpack("H", data[1][:2])[0]

def ifx(v):
    return socket.if_nametoindex(v[1:]) if v.startswith("@") else int(v)

def become_root_of_new_userns():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x10000000 | 0x40000000):   # CLONE_NEWUSER | CLONE_NEWNET
        sys.exit("unshare: " + os.strerror(ctypes.get_errno()))
    uid, gid = os.getuid(), os.getgid()
    open("/proc/self/setgroups", "w").write("deny")
    open("/proc/self/uid_map", "w").write(f"0 {uid} 1")
    open("/proc/self/gid_map", "w").write(f"0 {gid} 1")

args = sys.argv[1:]
socks, fds = {}, {}
if args and args[0] == "--userns":
    args.pop(0)
    socks["init"] = Genl()
    fds["init"] = os.open("/proc/self/ns/net", os.O_RDONLY)
    become_root_of_new_userns()
    while args and args[0] == "--veth":
        n = args[1]
        subprocess.run(["ip", "link", "add", n, "type", "veth", "peer",
                        "name", n + "x"], check=True)
        args = args[2:]
socks["own"] = Genl()
fds["self"] = os.open("/proc/self/ns/net", os.O_RDONLY)

reqs, cur = [], []
for a in args:
    if a == ";":
        reqs.append(cur)
        cur = []
    else:
        cur.append(a)
reqs.append(cur)

failed = False
for r in reqs:
    cmd, body, sock, offs = CMDS[r[0]], b"", "own", []
    for kv in r[1:]:
        offs.append(20 + len(body))     # nlmsghdr + genlmsghdr + before
        k, _, v = kv.partition("=")
        if k == "sock":
            sock = v
        elif k in ("a", "b"):
            body += attr(1 if k == "a" else 2, struct.pack("I", ifx(v)))
        elif k == "flags":
            body += attr(3, struct.pack("I", int(v)))
        elif k == "netns":
            body += attr(6, struct.pack("I", fds[v]))
        elif k == "netnsfd":
            body += attr(6, struct.pack("I", int(v)))
        elif k == "stats_ab":
            body += attr(4 | 0x8000, b"")
        elif k == "u16_a":
            body += attr(1, struct.pack("H", int(v)))
    g = socks[sock]
    err, _, tlv = g.talk(family(g), cmd, body)
    if not err:
        print("ok")
        continue
    failed = True
    msg = tlv.get(1, b"").rstrip(b"\0").decode()
    bad = ""
    if 2 in tlv:
        off = struct.unpack("I", tlv[2])[0]
        bad = f" (bad attribute {offs.index(off) + 1})" if off in offs \
            else f" (bad offset {off})"
    print(f"{os.strerror(-err)}: {msg}{bad}")
sys.exit(1 if failed else 0)
EOF
sbnl() { python3 "$tmp/sbnl.py" "$@"; }

# An ordinary user (its capability bounding set left full, as a login's is:
# the root of a user namespace it makes has every capability there).
nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"
}

# A join's count of the direction received on IN (trellisd sb show columns).
sb_stat() {	# ns in packets|bytes|direct
	local col
	case $3 in packets) col=3 ;; bytes) col=4 ;; direct) col=8 ;; esac
	ip netns exec "$1" "$TRELLISD" sb show "$2" |
		awk -v d="$2" -v c="$col" '$1 == d { print $c }'
}

joins_in() {	# ns ("" for here): how many joins trellisd sb show lists
	${1:+ip netns exec "$1"} "$TRELLISD" sb show |
		awk 'NR > 1 { n++ } END { print n / 2 }'
}

insmod_built shortbridge || { fail "load shortbridge.ko" "insmod failed"; exit 1; }
defer sh -c 'rmmod shortbridge 2>/dev/null || true'

# ===== 1. the direct path counts in our counters only =========================
ns_add h1 sbd-h1
ns_add h2 sbd-h2
ns_add sw sbd-sw
for n in "$h1" "$h2" "$sw"; do ipv6_off "$n"; done
veth_link "$h1" v1 "$sw" s1
veth_link "$h2" v2 "$sw" s2
ip -n "$h1" addr add 198.51.100.1/24 dev v1
ip -n "$h2" addr add 198.51.100.2/24 dev v2
check "join s1 and s2" ip netns exec "$sw" "$TRELLISD" sb add s1 s2

# N frames of a local experimental EtherType (0x88b5) to a MAC nobody has:
# nothing answers them.  A packet socket on v2 (the peer, in h2) counts what
# arrives; a tap on v2 does not stop the direct path (one on s2 would).
N=50
ip netns exec "$h2" python3 -c '
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))
s.bind(("v2", 0x88b5))
s.settimeout(30)
print("ready", flush=True)
n = 0
try:
    while n < int(sys.argv[1]):
        s.recv(2048)
        n += 1
except socket.timeout:
    pass
print(n, flush=True)' $N > "$tmp/tap" &
tap_pid=$!
wait_for 30 grep -q ready "$tmp/tap"
read -r tx0 txb0 < <(link_stat "$sw" s2 tx_packets tx_bytes | paste -sd ' ')
rx0=$(link_stat "$h2" v2 rx_packets)
ip netns exec "$h1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("v1", 0))
frame = bytes.fromhex("020000000009") + bytes.fromhex("020000000001") + \
	bytes.fromhex("88b5") + bytes(100)
for _ in range(int(sys.argv[1])):
    s.send(frame)' $N
wait "$tap_pid"
check_value "1: v2 received all $N frames" "$N" sed -n 2p "$tmp/tap"
check_value "1: s1 -> s2 packets = $N (shortbridge's counter)" "$N" sb_stat "$sw" s1 packets
check_value "1: all $N went straight to v2 (direct = $N)" "$N" sb_stat "$sw" s1 direct
check_value "1: bytes = $N x 114" "$((N * 114))" sb_stat "$sw" s1 bytes
read -r tx1 txb1 < <(link_stat "$sw" s2 tx_packets tx_bytes | paste -sd ' ')
check_value "1: veth's own tx counters of s2 are not written (packets)" 0 echo $((tx1 - tx0))
check_value "1: ... nor its bytes" 0 echo $((txb1 - txb0))
check_value "1: ... so v2's rx (read from s2's tx) does not see them" 0 \
	echo $(($(link_stat "$h2" v2 rx_packets) - rx0))
# Nothing else breaks: IP both ways (ARP and replies cross the join too).
check "1: ping h1 -> h2 across the join" all_answered \
	ip netns exec "$h1" ping -c 5 -i 0.2 -W 2 198.51.100.2
check_grew "1: ... the replies went direct too (s2 -> s1 direct)" 0 \
	"$(sb_stat "$sw" s2 direct)"
# The ordinary path still moves veth's counters (veth itself counts there).
tc -n "$sw" qdisc add dev s2 root pfifo limit 1000
tx0=$(link_stat "$sw" s2 tx_packets)
d0=$(sb_stat "$sw" s1 direct)
check "1: ping with a qdisc on s2 (ordinary path)" all_answered \
	ip netns exec "$h1" ping -c 3 -i 0.2 -W 2 198.51.100.2
check_grew "1: ... veth counts what it transmits itself" "$tx0" \
	"$(link_stat "$sw" s2 tx_packets)"
check_value "1: ... and nothing went direct" "$d0" sb_stat "$sw" s1 direct
tc -n "$sw" qdisc del dev s2 root

# ===== 2. rings ===============================================================
ns_add far sbd-far
ipv6_off "$far"
ip -n "$sw" link add a0 type veth peer name a1
ip -n "$sw" link add b0 type veth peer name b1 netns "$far"
ip -n "$sw" link add c0 type veth peer name c1 netns "$far"
ip -n "$far" link add d0 type veth peer name d1
for d in a0 a1 b0 c0; do ip -n "$sw" link set "$d" up; done
for d in b1 c1 d0 d1; do ip -n "$far" link set "$d" up; done
eloop="Too many levels of symbolic links"

check_error "2: the two ends of one veth pair are refused" \
	"$eloop: the two devices are the two ends of one veth pair: frames would loop" \
	ip netns exec "$sw" "$TRELLISD" sb add a0 a1
check_error "2: ... in either order" \
	"$eloop: the two devices are the two ends of one veth pair" \
	ip netns exec "$sw" "$TRELLISD" sb add a1 a0
check_value "2: ... no join was made (sw has only s1-s2)" 1 joins_in "$sw"
check_value "2: ... a0 is not promiscuous" 0 \
	sh -c "ip -n '$sw' -d -j link show a0 | jq '.[0].promiscuity'"
check_error "2: ... the error points at the second device (raw netlink)" \
	"(bad attribute 2)" ip netns exec "$sw" python3 "$tmp/sbnl.py" new a=@a0 b=@a1
check "2: a0 can still be joined to something else (c0)" \
	ip netns exec "$sw" "$TRELLISD" sb add a0 c0
check "2: ... and unjoined" ip netns exec "$sw" "$TRELLISD" sb del a0

# b1 ~ b0 = c0 ~ c1 = d0 ~ d1: joining b1 and c1, or d1 and b1, closes it.
check "2: join b0 and c0 in sw" ip netns exec "$sw" "$TRELLISD" sb add b0 c0
check_error "2: joining their veth peers b1 and c1 in far (a ring of 2 pairs)" \
	"$eloop: joining the two devices would close a ring of joins and veth pairs: frames would loop" \
	ip netns exec "$far" "$TRELLISD" sb add b1 c1
check_value "2: ... no join in far" 0 joins_in "$far"
check "2: c1 and d0 (no ring) join" ip netns exec "$far" "$TRELLISD" sb add c1 d0
check_error "2: d1 and b1 would close a ring of 3 pairs: refused" \
	"$eloop: joining the two devices would close a ring" \
	ip netns exec "$far" "$TRELLISD" sb add d1 b1
check_value "2: ... far still has its one join" 1 joins_in "$far"
ip netns exec "$far" "$TRELLISD" sb del c1
ip netns exec "$sw" "$TRELLISD" sb del b0

# ===== 3. no autoload ==========================================================
kver=$(uname -r)
mr=$tmp/modroot
mkdir -p "$mr/lib/modules/$kver/extra"
cp "$KO" "$mr/lib/modules/$kver/extra/"
depmod -b "$mr" "$kver" 2>/dev/null
cat > "$tmp/modprobe" <<EOF
#!/bin/sh
echo "\$*" >> $tmp/modprobe.log
exec /sbin/modprobe -d $mr "\$@"
EOF
chmod +x "$tmp/modprobe"
: > "$tmp/modprobe.log"
old_modprobe=$(cat /proc/sys/kernel/modprobe)
defer sh -c "echo '$old_modprobe' > /proc/sys/kernel/modprobe"
echo "$tmp/modprobe" > /proc/sys/kernel/modprobe

ip netns exec "$sw" "$TRELLISD" sb del s1 >/dev/null 2>&1
rmmod shortbridge
check "3: (setup) modprobe on the tree in /tmp loads shortbridge by name" \
	sh -c "'$tmp/modprobe' shortbridge && test -d /sys/module/shortbridge && rmmod shortbridge"

if ! nobody unshare -Urn true 2>/dev/null; then
	skip "3: unprivileged lookup" "unprivileged user namespaces are not allowed here"
else
	nobody unshare -Urn genl ctrl get name shortbridge >/dev/null 2>&1
	check "3: (setup) the lookup reached request_module()" \
		grep -q "net-pf-16-proto-16-family-shortbridge" "$tmp/modprobe.log"
	check_fails "3: an unprivileged genl lookup did not load shortbridge" \
		test -d /sys/module/shortbridge
	rmmod shortbridge 2>/dev/null
	nobody unshare -Urn "$TRELLISD" sb show >/dev/null 2>&1
	check_fails "3: nor did an unprivileged trellisd sb show" \
		test -d /sys/module/shortbridge
	rmmod shortbridge 2>/dev/null
fi
check_error "3: trellisd says how to load it" \
	"the shortbridge module is not loaded: run modprobe shortbridge as root" \
	"$TRELLISD" sb show
# (With the module loaded, monitor would wait for events: bounded.)
check_error "3: ... also for sb monitor" \
	"run modprobe shortbridge as root" timeout 30 "$TRELLISD" sb monitor
check_fails "3: ... and root's trellisd did not load it either" \
	test -d /sys/module/shortbridge
echo "$old_modprobe" > /proc/sys/kernel/modprobe

# ===== 6. the generic netlink family ===========================================
insmod_built shortbridge || { fail "reload shortbridge.ko" "insmod failed"; exit 1; }
for d in i0 i1 i2 i3; do
	ip link add "sbd-$d" type veth peer name "sbd-${d}x"
	defer ip link del "sbd-$d"
	ip link set "sbd-$d" up
done
check "6: root joins sbd-i0 and sbd-i1 in the initial namespace" \
	"$TRELLISD" sb add sbd-i0 sbd-i1
i0=$(cat /sys/class/net/sbd-i0/ifindex) i1=$(cat /sys/class/net/sbd-i1/ifindex)
i2=$(cat /sys/class/net/sbd-i2/ifindex) i3=$(cat /sys/class/net/sbd-i3/ifindex)

check_error "6: DEL with an attribute DEL does not take (PORT_B)" \
	"Invalid argument: Unknown attribute type (bad attribute 2)" \
	sbnl del a=$i0 b=$i1
check_error "6: NEW with a reply-only attribute (STATS_AB)" \
	"Invalid argument: Unsupported attribute (bad attribute 3)" \
	sbnl new a=$i2 b=$i3 stats_ab
check_error "6: NEW with an unknown flag" \
	"Invalid argument: reserved bit set (bad attribute 3)" \
	sbnl new a=$i2 b=$i3 flags=2
check_error "6: NEW with a 16-bit PORT_A" \
	"Invalid argument: invalid attribute length (bad attribute 1)" \
	sbnl new u16_a=$i2 b=$i3
check_error "6: NEW with NETNS_FD not a namespace" \
	"not a network namespace file descriptor (bad attribute 3)" \
	sh -c "python3 '$tmp/sbnl.py' new a=$i2 b=$i3 netnsfd=9 9</dev/null"
check_value "6: ... the join is still there, no other was made" 1 joins_in ""

if ! nobody unshare -Urn true 2>/dev/null; then
	skip "6: user namespace root" "unprivileged user namespaces are not allowed here"
else
	check_error "6: userns root, socket of the initial netns: NEW refused" \
		"Operation not permitted" \
		nobody python3 "$tmp/sbnl.py" --userns new sock=init a=$i2 b=$i3
	check_error "6: userns root, socket of the initial netns: DEL refused" \
		"Operation not permitted" \
		nobody python3 "$tmp/sbnl.py" --userns del sock=init a=$i0
	check_error "6: userns root, NETNS_FD of the initial netns: NEW refused" \
		"Operation not permitted: shortbridge: no CAP_NET_ADMIN over the network namespace of NETNS_FD (bad attribute 3)" \
		nobody python3 "$tmp/sbnl.py" --userns new a=$i2 b=$i3 netns=init
	check "6: userns root joins and unjoins in its own netns (NETNS_FD its own)" \
		nobody python3 "$tmp/sbnl.py" --userns --veth u0 --veth u1 \
		new a=@u0 b=@u1 netns=self \; get a=@u1 \; del a=@u0
	check_value "6: the initial netns still has exactly its one join" 1 joins_in ""
	check_output "6: ... sbd-i0 and sbd-i1" "sbd-i1" "$TRELLISD" sb show sbd-i0
fi
