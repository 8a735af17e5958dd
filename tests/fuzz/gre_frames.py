#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Malformed Ethernet/IPv4/GRE frames for egre, each with its predicted fate.

Run by tests/guest/egre_fuzz.sh in the sending namespace: builds N frames
from a seed (frame i depends only on the seed and i, so a run is reproduced
with the same seed and count), sends them as raw frames on DEV (a veth whose
peer is the receiving namespace's underlay), and checks that the receiver's
counters account for every frame, per reason:

  dropped before IPv4      the underlay's rx_otherhost_dropped / rx_dropped
  dropped by IPv4          /proc/net/snmp and /proc/net/netstat (Ip, IpExt)
  dropped by egre          /proc/net/egre (no tunnel known yet)
  dropped by a tunnel      ethtool -S (rx_drop_*), ip -s -s link (frame errors)
  delivered on a tunnel    rx_packets and rx_bytes of the tunnel device

The prediction is a model of the receive path, read from Linux 6.1
(net/core/dev.c, net/ipv4/ip_input.c, ip_options.c, ip_fragment.c) and
kernel/egre (underlay.c, rcv.c): where a frame would go through IPv4 and
where the early path (underlay.c) would take it must make no difference.

Output: the frames per predicted outcome, then each counter expected and
measured, then lines "PASS|FAIL <TAB> name <TAB> detail" for the test.

  gre_frames.py --netns NS --dev DEV --dst-mac MAC [--seed S] [--count N]
  gre_frames.py --dump I [--seed S] [--dst-mac MAC]   show frame I and its fate
"""
import argparse
import collections
import json
import os
import random
import re
import socket
import struct
import subprocess
import sys
import time

# The receiving namespace (tests/guest/egre_fuzz.sh sets it up).
LOCAL = bytes([192, 0, 2, 2])		# its underlay address
REMOTE = bytes([192, 0, 2, 1])		# the tunnels' remote end (sender)
STRANGER = bytes([192, 0, 2, 9])	# on the link, no tunnel
NOT_LOCAL = [bytes([192, 0, 2, 77]), bytes([198, 51, 100, 9])]
SRC_MAC = bytes.fromhex("020000000001")
INNER_DST = bytes.fromhex("020000000099")	# no device has it: otherhost
# key -> (device, bound to the underlay, csum, seq, up)
TUNNELS = {
    1: ("eg1", True, False, False, True),
    2: ("eg2", False, False, False, True),
    3: ("eg3", False, True, True, True),
    4: ("eg4", False, False, False, False),
}
DEVS = [t[0] for t in TUNNELS.values()]
NET_REASONS = ["truncated", "bad_version", "bad_flags", "no_key",
               "bad_proto", "unknown_key"]
DEV_REASONS = ["rx_drop_bad_csum", "rx_drop_out_of_seq", "rx_drop_runt",
               "rx_drop_down"]

GRE_CSUM, GRE_ROUTING, GRE_KEY, GRE_SEQ = 0x8000, 0x4000, 0x2000, 0x1000
GRE_BAD = 0x4000 | 0x0800 | 0x0700 | 0x0080 | 0x0078
GRE_VERSION = 0x0007
ETH_P_IP, ETH_P_IPV6, ETH_P_TEB = 0x0800, 0x86DD, 0x6558
VLAN_TPIDS = (0x8100, 0x88A8)
# Ethertypes no protocol of the guest handles (IPv6 is off, no ARP games).
NO_HANDLER = [0x88B5, 0x88B6, 0x1234, 0x9000]
# IP options: NOP, EOL, router alert, and types Linux ignores on receive.
OPT_UNKNOWN = [25, 30, 82, 94, 158, 205]
IPOPT_RA = 148
IPTOS_RT_MASK = 0x1C

# Counters, by the name the table prints.
IP_COUNTERS = ["Ip.InReceives", "Ip.InHdrErrors", "Ip.InAddrErrors",
               "Ip.InUnknownProtos", "Ip.InDiscards", "Ip.InDelivers",
               "Ip.ReasmReqds", "Ip.ReasmOKs", "Ip.ReasmFails",
               "Ip.ReasmTimeout", "IpExt.InNoRoutes", "IpExt.InTruncatedPkts",
               "IpExt.InCsumErrors", "IpExt.InOctets", "IpExt.InNoECTPkts",
               "IpExt.InECT1Pkts", "IpExt.InECT0Pkts", "IpExt.InCEPkts",
               "IpExt.ReasmOverlaps"]
ECN_NAMES = ["IpExt.InNoECTPkts", "IpExt.InECT1Pkts", "IpExt.InECT0Pkts",
             "IpExt.InCEPkts"]
UL_COUNTERS = ["ul.rx_otherhost_dropped", "ul.rx_dropped"]


def csum16(data):
    if len(data) & 1:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def inet_csum(data):
    return (~csum16(data)) & 0xFFFF


def u16(b, o):
    return struct.unpack_from("!H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("!I", b, o)[0]


# ---------------------------------------------------------------- frames

class Frame:
    """One frame to send (or a fragment pair: two frames sent back to back)."""

    def __init__(self, idx, kind):
        self.idx = idx
        self.kind = kind
        self.frames = []	# bytes, in sending order
        self.notes = []		# what was done to it


def inner_frame(rng):
    kind = rng.choice(["ipv4", "ipv4", "ipv6", "noproto", "vlan", "short",
                       "llc", "trunc_ip"])
    src = bytes([2, 0, 0, 0, 0, rng.randrange(2, 250)])
    if kind == "ipv4" or kind == "trunc_ip":
        plen = rng.choice([0, 8, 30, 100]) if kind == "ipv4" else 0
        tos = rng.randrange(256)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + plen, rng.randrange(65536),
                         0, 64, rng.choice([1, 17, 253]), 0,
                         bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2]))
        ip = ip[:10] + struct.pack("!H", inet_csum(ip)) + ip[12:]
        body = ip + bytes(rng.randrange(256) for _ in range(plen))
        if kind == "trunc_ip":
            body = body[:rng.randrange(20)]
        return INNER_DST + src + struct.pack("!H", ETH_P_IP) + body
    if kind == "ipv6":
        n = rng.choice([10, 40, 60])
        tc = rng.randrange(256)
        hdr = struct.pack("!I", (6 << 28) | (tc << 20)) + bytes(n - 4)
        return INNER_DST + src + struct.pack("!H", ETH_P_IPV6) + hdr
    if kind == "noproto":
        return INNER_DST + src + struct.pack("!H", rng.choice(NO_HANDLER)) + bytes(rng.randrange(60))
    if kind == "vlan":
        return (INNER_DST + src + struct.pack("!HHH", 0x8100, rng.randrange(4096), ETH_P_IP)
                + bytes(rng.randrange(40)))
    if kind == "llc":
        return INNER_DST + src + struct.pack("!H", rng.randrange(0x600)) + bytes(rng.randrange(46))
    return bytes(rng.randrange(14))	# shorter than an Ethernet header


def gre_packet(rng, key, csum, seq, seqno, inner, proto=ETH_P_TEB, extra_flags=0):
    flags = GRE_KEY | (GRE_CSUM if csum else 0) | (GRE_SEQ if seq else 0) | extra_flags
    hdr = struct.pack("!HH", flags, proto)
    if csum:
        hdr += b"\0\0\0\0"
    hdr += struct.pack("!I", key)
    if seq:
        hdr += struct.pack("!I", seqno)
    pkt = hdr + inner
    if csum:
        pkt = pkt[:4] + struct.pack("!H", inet_csum(pkt)) + pkt[6:]
    return pkt


def ip_header(tos, ident, frag, proto, src, dst, payload_len, options=b""):
    ihl = 5 + len(options) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, ihl * 4 + payload_len,
                    ident, frag, 64, proto, 0, src, dst) + options
    return h[:10] + struct.pack("!H", inet_csum(h)) + h[12:]


def fix_ip_csum(ip):
    ihl = (ip[0] & 15) * 4
    if len(ip) < max(ihl, 20):
        return ip
    ip = ip[:10] + b"\0\0" + ip[12:]
    return ip[:10] + struct.pack("!H", inet_csum(ip[:ihl])) + ip[12:]


def ip_options(rng, valid):
    opts = b""
    for _ in range(rng.randrange(1, 4)):
        t = rng.choice(["nop", "ra", "unknown", "eol"])
        if t == "nop":
            opts += b"\x01"
        elif t == "ra":
            opts += bytes([IPOPT_RA, 4, 0, rng.choice([0, 1])])
        elif t == "unknown":
            n = rng.randrange(2, 7)
            opts += bytes([rng.choice(OPT_UNKNOWN), n]) + bytes(n - 2)
        else:
            opts += b"\x00" + bytes(rng.randrange(3))
    if not valid:
        bad = rng.choice(["len0", "len1", "toolong", "ra_short", "lone"])
        if bad == "len0":
            opts = bytes([rng.choice(OPT_UNKNOWN), 0, 0, 0]) + opts
        elif bad == "len1":
            opts = bytes([rng.choice(OPT_UNKNOWN), 1]) + opts
        elif bad == "ra_short":
            opts = bytes([IPOPT_RA, 3, 0]) + opts
        elif bad == "toolong":
            opts = bytes([rng.choice(OPT_UNKNOWN), 60]) + opts
        else:
            # One byte of a two-byte option at the very end.
            opts = b"\x01" * ((-len(opts) - 1) % 4) + opts + bytes([rng.choice(OPT_UNKNOWN)])
    opts += b"\x01" * (-len(opts) % 4)		# pad with NOPs
    return opts[:40]


KINDS = [
    # kind, weight
    ("valid", 12), ("gre_flags", 10), ("gre_version", 4), ("gre_proto", 5),
    ("gre_key", 6), ("gre_csum", 8), ("gre_seq", 8), ("ip_csum", 4),
    ("ip_totlen", 5), ("ip_hdr", 4), ("ip_options", 6), ("ip_dst", 3),
    ("ip_proto", 2), ("frag_pair", 4), ("frag_lone", 3), ("truncate", 8),
    ("vlan", 6), ("l2", 4), ("ecn", 4), ("inner", 4),
]
KIND_NAMES = [k for k, _ in KINDS]
KIND_WEIGHTS = [w for _, w in KINDS]


def make_frame(seed, idx, dst_mac, frag_id):
    """Frame idx of the run with this seed: a function of (seed, idx) only."""
    rng = random.Random(seed * 1000003 + idx)
    kind = rng.choices(KIND_NAMES, KIND_WEIGHTS)[0]
    f = Frame(idx, kind)
    key = rng.choice([1, 1, 2, 2, 3, 3, 4, rng.randrange(1 << 32)])
    t = TUNNELS.get(key)
    csum = t[2] if t else rng.random() < 0.3
    seq = t[3] if t else rng.random() < 0.3
    if rng.random() < 0.15:
        csum = not csum
    if rng.random() < 0.1:
        seq = not seq
    seqno = rng.choice([idx + 1, idx + 1, idx + 1, rng.randrange(1 << 32), 0x7FFFFFFF + idx,
                        0xFFFFFFFF, 0, idx // 2])
    src = STRANGER if rng.random() < 0.05 else REMOTE
    dst = LOCAL
    tos = rng.choice([0, 0, 0, 1, 2, 3, rng.randrange(256)])
    extra_flags = 0
    proto = ETH_P_TEB
    inner = inner_frame(rng) if kind == "inner" or rng.random() < 0.2 else \
        INNER_DST + SRC_MAC + struct.pack("!H", 0x88B5) + bytes(rng.randrange(4, 64))

    if kind == "gre_flags":
        extra_flags = rng.choice([GRE_ROUTING, 0x0800, 0x0100 * rng.randrange(1, 8), 0x0080,
                                  0x0008 * rng.randrange(1, 16), rng.randrange(65536) & ~GRE_KEY])
        if rng.random() < 0.2:
            extra_flags = rng.randrange(65536)
        f.notes.append("flags |= %#06x" % extra_flags)
    elif kind == "gre_version":
        extra_flags = rng.randrange(1, 8)
        f.notes.append("version %d" % extra_flags)
    elif kind == "gre_proto":
        proto = rng.choice([ETH_P_IP, ETH_P_IPV6, 0x880B, 0, rng.randrange(65536)])
        f.notes.append("proto %#06x" % proto)
    elif kind == "gre_key":
        key = rng.choice([0, 5, 0xFFFFFFFF, 1 << 24, 256, rng.randrange(1 << 32)])
        f.notes.append("key %#x" % key)
    elif kind == "gre_seq":
        key, csum, seq = 3, True, rng.random() < 0.9
        f.notes.append("seq %#x" % seqno if seq else "no seq")

    gre = gre_packet(rng, key, csum, seq, seqno, inner, proto, extra_flags & ~GRE_KEY)
    if kind == "gre_flags" and rng.random() < 0.4:
        # Flags that promise fields the packet does not have, or no key.
        flags = u16(gre, 0) ^ rng.choice([GRE_KEY, GRE_KEY, GRE_CSUM, GRE_SEQ])
        gre = struct.pack("!H", flags) + gre[2:]
        f.notes.append("flags now %#06x" % flags)
    if kind == "gre_key" and rng.random() < 0.3:
        gre = struct.pack("!H", u16(gre, 0) & ~GRE_KEY) + gre[2:]
        f.notes.append("key flag cleared")
    if kind == "gre_csum" and csum:
        off = rng.randrange(len(gre))
        gre = gre[:off] + bytes([gre[off] ^ (1 << rng.randrange(8))]) + gre[off + 1:]
        f.notes.append("bit flipped at GRE byte %d (checksummed)" % off)
    elif kind == "gre_csum":
        f.notes.append("no checksum")

    if kind == "ip_dst":
        dst = rng.choice(NOT_LOCAL)
        f.notes.append("dst %s" % socket.inet_ntoa(dst))
    ipproto = 47
    if kind == "ip_proto":
        ipproto = rng.choice([253, 254])
        f.notes.append("protocol %d" % ipproto)
    if kind == "ecn":
        tos = (rng.randrange(64) << 2) | 3
        inner = INNER_DST + SRC_MAC + struct.pack("!H", ETH_P_IP) + \
            struct.pack("!BB", 0x45, rng.randrange(256)) + bytes(40)
        gre = gre_packet(rng, key, csum, seq, seqno, inner)
        f.notes.append("outer CE, inner tos %#x" % inner[15])
    options = b""
    if kind == "ip_options":
        options = ip_options(rng, rng.random() < 0.5)
        f.notes.append("options " + options.hex())
    frag = 0x4000 if rng.random() < 0.5 else 0

    if kind in ("frag_pair", "frag_lone"):
        ident = 0x8000 | (frag_id & 0x7FFF)
        if len(gre) <= 16:	# room for two fragments
            gre = gre_packet(rng, key, csum, seq, seqno, inner + bytes(16), proto,
                             extra_flags & ~GRE_KEY)
        cut = 8 * rng.randrange(1, (len(gre) + 7) // 8)
        first = ip_header(tos, ident, 0x2000, 47, src, dst, cut) + gre[:cut]
        second = ip_header(tos, ident, cut // 8, 47, src, dst, len(gre) - cut) + gre[cut:]
        frags = [first, second]
        if kind == "frag_lone":
            frags = [rng.choice(frags)]
            f.notes.append("lone fragment, id %#x" % ident)
        elif rng.random() < 0.3:
            frags.reverse()
            f.notes.append("fragments in reverse order, id %#x" % ident)
        else:
            f.notes.append("two fragments, id %#x, split at %d" % (ident, cut))
        f.frames = [dst_mac + SRC_MAC + struct.pack("!H", ETH_P_IP) + x for x in frags]
        return f

    ip = ip_header(tos, idx & 0x7FFF, frag, ipproto, src, dst, len(gre), options) + gre
    if kind == "ip_csum":
        ip = ip[:10] + struct.pack("!H", u16(ip, 10) ^ (1 << rng.randrange(16))) + ip[12:]
        f.notes.append("IP checksum wrong")
    elif kind == "ip_totlen":
        tl = rng.choice([0, 19, 20, 21, len(ip) - 1, len(ip) + 1, len(ip) + 100,
                         rng.randrange(len(ip)), rng.randrange(65536)])
        ip = fix_ip_csum(ip[:2] + struct.pack("!H", tl) + ip[4:])
        if rng.random() < 0.5:
            ip += bytes(rng.randrange(1, 20))	# Ethernet padding
        f.notes.append("tot_len %d of %d" % (tl, len(ip)))
    elif kind == "ip_hdr":
        what = rng.choice(["ihl", "version", "ihl15"])
        if what == "ihl":
            ip = fix_ip_csum(bytes([0x40 | rng.randrange(5)]) + ip[1:])
        elif what == "version":
            ip = fix_ip_csum(bytes([(rng.choice([0, 5, 6, 15]) << 4) | 5]) + ip[1:])
        elif len(ip) < 60:
            ip = bytes([0x4F]) + ip[1:]
        else:
            what = "unchanged"
        f.notes.append("IP header: " + what)

    if kind == "truncate":
        cut = rng.randrange(0, len(ip))
        ip = ip[:cut]
        if rng.random() < 0.6 and cut >= 20:
            # Make the IP header agree, so the cut lands in GRE or beyond.
            ip = fix_ip_csum(ip[:2] + struct.pack("!H", cut) + ip[4:])
            f.notes.append("cut to %d bytes, tot_len too" % cut)
        else:
            f.notes.append("cut to %d bytes of IP" % cut)

    l2 = dst_mac
    ethertype = struct.pack("!H", ETH_P_IP)
    if kind == "vlan" and len(ip) >= 20:
        tags = b""
        for _ in range(rng.choice([1, 1, 2])):
            tpid = rng.choice(VLAN_TPIDS)
            vid = rng.choice([0, 0, rng.randrange(1, 4096)])
            tags += struct.pack("!HH", tpid, (rng.randrange(8) << 13) | vid)
            f.notes.append("VLAN %#x id %d" % (tpid, vid))
        ethertype = tags[:2]
        ip = tags[2:] + struct.pack("!H", ETH_P_IP) + ip
    elif kind == "l2":
        what = rng.choice(["mac", "bcast", "mcast", "ethertype"])
        if what == "mac":
            l2 = bytes([2, 0, 0, 0, 0x33, rng.randrange(256)])
        elif what == "bcast":
            l2 = b"\xff" * 6
        elif what == "mcast":
            l2 = bytes([1, 0, 0x5E, 0, 0, rng.randrange(1, 128)])
        else:
            ethertype = struct.pack("!H", rng.choice(NO_HANDLER))
        f.notes.append("L2: " + what)
    f.frames = [l2 + SRC_MAC + ethertype + ip]
    return f


# ---------------------------------------------------------------- the model

class Model:
    """What the receiver does with each frame, and the counters it moves."""

    def __init__(self, dst_mac):
        self.dst_mac = dst_mac
        self.c = collections.Counter()
        self.outcome = collections.Counter()	# frames per predicted fate
        self.examples = collections.defaultdict(list)
        self.i_seq = {k: None for k in TUNNELS}
        # The TOS bits of the early route key each bound tunnel learnt: the
        # test's pings before the fuzz have TOS 0.
        self.learned_tos = {k: 0 for k, t in TUNNELS.items() if t[1]}
        self.early = 0		# frames the early path takes
        self.pending = {}	# fragment id -> (first frame's fate label)

    def fate(self, label, frame_idx):
        self.outcome[label] += 1
        if len(self.examples[label]) < 5:
            self.examples[label].append(frame_idx)

    # --- egre (rcv.c): returns the fate of a GRE packet IPv4 delivered
    def egre(self, g, src, dst, tos, learn=True):
        c = self.c
        if len(g) < 4:
            return self.net("truncated")
        flags = u16(g, 0)
        if flags & GRE_VERSION:
            return self.net("bad_version")
        if flags & GRE_BAD:
            return self.net("bad_flags")
        if not flags & GRE_KEY:
            return self.net("no_key")
        hlen = 8 + (4 if flags & GRE_CSUM else 0) + (4 if flags & GRE_SEQ else 0)
        if len(g) < hlen:
            return self.net("truncated")
        if u16(g, 2) != ETH_P_TEB:
            return self.net("bad_proto")
        key = u32(g, 8 if flags & GRE_CSUM else 4)
        t = TUNNELS.get(key) if (src, dst) == (REMOTE, LOCAL) else None
        if not t:
            return self.net("unknown_key")
        dev, bound, t_csum, t_seq, up = t
        if bound and learn:
            # egre_early_learn: IPv4 delivered it from the underlay.
            self.learned_tos[key] = tos & IPTOS_RT_MASK
        if not up:
            return self.dev(dev, "rx_drop_down")
        if flags & GRE_CSUM:
            if csum16(g) != 0xFFFF:
                return self.dev(dev, "rx_drop_bad_csum")
        elif t_csum:
            return self.dev(dev, "rx_drop_bad_csum")
        if t_seq:
            if not flags & GRE_SEQ:
                return self.dev(dev, "rx_drop_out_of_seq")
            seq = u32(g, hlen - 4)
            nxt = self.i_seq[key]		# None: none seen yet
            if nxt is not None and ((seq - nxt) & 0xFFFFFFFF) >= 0x80000000:
                return self.dev(dev, "rx_drop_out_of_seq")
            self.i_seq[key] = (seq + 1) & 0xFFFFFFFF
        inner = g[hlen:]
        if len(inner) < 14:
            return self.dev(dev, "rx_drop_runt")
        et = u16(inner, 12)
        if (et == ETH_P_IP and len(inner) < 34) or (et == ETH_P_IPV6 and len(inner) < 54):
            return self.dev(dev, "rx_drop_runt")
        # IP_ECN_decapsulate reads the inner TOS where skb_protocol(skb,
        # true) says, at the network header (ETH_HLEN): through VLAN tags.
        proto = inner_protocol(inner)
        if proto == ETH_P_IP:
            inner_ecn = inner[15] & 3
        elif proto == ETH_P_IPV6:
            inner_ecn = (u16(inner, 14) >> 4) & 3
        else:
            inner_ecn = None		# not IP: nothing to decapsulate
        if inner_ecn == 0 and tos & 3 == 3:
            c[dev + ".rx_frame_errors"] += 1
            return "%s: dropped, CE outside and not-ECT inside (rx_frame_errors)" % dev
        c[dev + ".rx_packets"] += 1
        c[dev + ".rx_bytes"] += len(inner) - 14
        return "%s: delivered" % dev

    def net(self, why):
        self.c["egre." + why] += 1
        return "egre (namespace): " + why

    def dev(self, dev, why):
        self.c[dev + "." + why] += 1
        return "%s: %s" % (dev, why)

    # --- the early path (underlay.c)
    def underlay_checks(self, ip):
        """egre_underlay_rx's checks on an untagged IPv4 packet for this
        host: the total length if they pass (a padded packet is left to
        IPv4)."""
        if len(ip) < 20 or ip[0] != 0x45 or ip[9] != 47 or u16(ip, 6) & 0x3FFF:
            return None
        if csum16(ip[:20]) != 0xFFFF:
            return None
        tot = u16(ip, 2)
        if tot != len(ip) or tot < 20:
            return None
        return tot

    def early_tunnel(self, ip, tot):
        """egre_rcv_early: the packet is a bound tunnel's (egre_classify)
        and IPv4 delivered that tunnel's packets under the same route key:
        the same routing generation (constant here) and TOS bits."""
        g = ip[20:tot]
        if len(g) < 4:
            return False
        flags = u16(g, 0)
        if flags & (GRE_VERSION | GRE_BAD) or not flags & GRE_KEY:
            return False
        hlen = 8 + (4 if flags & GRE_CSUM else 0) + (4 if flags & GRE_SEQ else 0)
        if len(g) < hlen or u16(g, 2) != ETH_P_TEB:
            return False
        key = u32(g, 8 if flags & GRE_CSUM else 4)
        t = TUNNELS.get(key)
        return bool(t and t[1] and ip[12:16] == REMOTE and ip[16:20] == LOCAL and
                    self.learned_tos.get(key) == ip[1] & IPTOS_RT_MASK)

    # --- one frame through the core, IPv4 and egre
    def frame(self, fr, idx):
        c = self.c
        dst = fr[0:6]
        et = u16(fr, 12)
        p = 14
        if dst == self.dst_mac:
            host = True
        elif dst[0] & 1:
            host = False	# broadcast/multicast: IPv4 path, never early
        else:
            host = None		# otherhost
        vids = []
        if et in VLAN_TPIDS:
            vids.append(u16(fr, p) & 0xFFF)
            et = u16(fr, p + 2)
            p += 4
        if host and not vids and et == ETH_P_IP:
            ip = fr[p:]
            tot = self.underlay_checks(ip)
            if tot is not None and self.early_tunnel(ip, tot):
                self.early += 1
                c["Ip.InReceives"] += 1
                c["IpExt.InOctets"] += len(ip)
                c[ECN_NAMES[ip[1] & 3]] += 1
                c["Ip.InDelivers"] += 1
                return self.fate(self.egre(ip[20:tot], ip[12:16], ip[16:20], ip[1], False), idx)
        if vids:
            if vids[0] != 0:
                host = None
            else:
                while et in VLAN_TPIDS:
                    vid = u16(fr, p) & 0xFFF
                    et = u16(fr, p + 2)
                    p += 4
                    if vid:
                        host = None
                        break
        if et != ETH_P_IP:
            c["ul.rx_dropped"] += 1
            return self.fate("before IPv4: no protocol for the ethertype", idx)
        if host is None:
            c["ul.rx_otherhost_dropped"] += 1
            return self.fate("before IPv4: otherhost" + (" (VLAN id not 0)" if vids else
                                                          " (destination MAC)"), idx)
        return self.fate(self.ipv4(fr[p:]), idx)

    def ipv4(self, ip):
        c = self.c
        c["Ip.InReceives"] += 1
        c["IpExt.InOctets"] += len(ip)
        if len(ip) < 20:
            return self.hdr("shorter than an IP header")
        ihl = (ip[0] & 15) * 4
        if ihl < 20 or ip[0] >> 4 != 4:
            return self.hdr("bad version or header length")
        c[ECN_NAMES[ip[1] & 3]] += 1
        if len(ip) < ihl:
            return self.hdr("header longer than the packet")
        if csum16(ip[:ihl]) != 0xFFFF:
            c["IpExt.InCsumErrors"] += 1
            return self.hdr("bad header checksum")
        tot = u16(ip, 2)
        if len(ip) < tot:
            c["IpExt.InTruncatedPkts"] += 1
            return "IPv4: truncated (InTruncatedPkts)"
        if tot < ihl:
            return self.hdr("total length shorter than the header")
        ip = ip[:tot]
        if ihl > 20 and not options_ok(ip[20:ihl]):
            return self.hdr("bad options")
        if ip[16:20] != LOCAL:
            c["Ip.InAddrErrors"] += 1
            return "IPv4: not a local address (InAddrErrors)"
        fo = u16(ip, 6)
        if fo & 0x3FFF:
            return self.fragment(ip, ihl)
        return self.deliver(ip, ihl)

    def deliver(self, ip, ihl):
        c = self.c
        if ip[9] != 47:
            c["Ip.InUnknownProtos"] += 1
            return "IPv4: no such protocol (InUnknownProtos)"
        c["Ip.InDelivers"] += 1
        return self.egre(ip[ihl:], ip[12:16], ip[16:20], ip[1])

    def hdr(self, why):
        self.c["Ip.InHdrErrors"] += 1
        return "IPv4: header error, " + why

    def fragment(self, ip, ihl):
        c = self.c
        c["Ip.ReasmReqds"] += 1
        ident = u16(ip, 4)
        fo = u16(ip, 6)
        if ident not in self.pending:
            self.pending[ident] = (fo, ip)
            return None		# decided by the next fragment, or the timer
        ofo, oip = self.pending.pop(ident)
        first, second = (ip, oip) if fo & 0x1FFF == 0 else (oip, ip)
        c["Ip.ReasmOKs"] += 1
        payload = first[ihl:] + second[ihl:]
        whole = first[:2] + struct.pack("!HH", ihl + len(payload), 0) + first[6:ihl] + payload
        return self.deliver(whole, ihl)

    def expire(self):
        """Lone fragments: the reassembly timer fails each queue."""
        for ident in self.pending:
            self.c["Ip.ReasmFails"] += 1
            self.c["Ip.ReasmTimeout"] += 1
        n = len(self.pending)
        self.pending = {}
        return n


def inner_protocol(inner):
    """skb_protocol(skb, true) of the inner frame, at the time egre reads it:
    __vlan_get_protocol with skb->mac_len still the outer ETH_HLEN."""
    t = u16(inner, 12)
    if t not in VLAN_TPIDS:
        return t
    depth, left = 14 - 4, 8
    while True:
        if len(inner) < depth + 4:
            return 0
        left -= 1
        if left == 0:
            return 0
        t = u16(inner, depth + 2)
        depth += 4
        if t not in VLAN_TPIDS:
            return t


def options_ok(opts):
    """__ip_options_compile for the option types the generator emits."""
    p, left = 0, len(opts)
    while left > 0:
        t = opts[p]
        if t == 0:
            return True
        if t == 1:
            p += 1
            left -= 1
            continue
        if left < 2:
            return False
        n = opts[p + 1]
        if n < 2 or n > left:
            return False
        if t == IPOPT_RA and n < 4:
            return False
        p += n
        left -= n
    return True


def predict(model, f):
    """Feeds a Frame's wire frames to the model; returns their fates."""
    fates = []
    for fr in f.frames:
        before = sum(model.outcome.values())
        label = None
        if f.kind.startswith("frag"):
            # A fragment (the generator's are well formed): the datagram's
            # fate goes to the frame that completes it.
            label = model.ipv4(fr[14:])
            if label is None and f.kind == "frag_lone":
                label = "IPv4: lone fragment, reassembly times out (ReasmFails)"
            elif label is None:
                label = "IPv4: fragment, reassembled with the next frame"
            model.fate(label, f.idx)
        else:
            model.frame(fr, f.idx)
        assert sum(model.outcome.values()) == before + 1
        fates.append(label)
    return fates


# ---------------------------------------------------------------- counters

def read_counters(ns):
    """Every counter the model predicts, read in namespace ns."""
    script = ("cat /proc/net/snmp /proc/net/netstat /proc/net/egre; echo ===; "
              "ip -j -s -s link show; echo ===; "
              "for d in %s; do echo \"## $d\"; ethtool -S $d; done" % " ".join(DEVS))
    out = subprocess.run(["ip", "netns", "exec", ns, "sh", "-c", script],
                         capture_output=True, text=True, check=True).stdout
    proc, links, eth = out.split("===\n")
    c = {}
    lines = proc.splitlines()
    for i in range(len(lines) - 1):
        a, b = lines[i].split(), lines[i + 1].split()
        if a and b and a[0] == b[0] and a[0].endswith(":") and not b[1].isalpha():
            for k, v in zip(a[1:], b[1:]):
                c["%s.%s" % (a[0][:-1], k)] = int(v)
    for line in lines:
        m = re.match(r"^(\w+) (\d+)$", line)
        if m and m.group(1) in NET_REASONS:
            c["egre." + m.group(1)] = int(m.group(2))
    for link in json.loads(links):
        name = link["ifname"]
        rx = link.get("stats64", {}).get("rx", {})
        if name == "ul":
            c["ul.rx_otherhost_dropped"] = rx.get("otherhost", rx.get("rx_otherhost_dropped", 0))
            c["ul.rx_dropped"] = rx.get("dropped", 0)
        elif name in DEVS:
            c[name + ".rx_packets"] = rx["packets"]
            c[name + ".rx_bytes"] = rx["bytes"]
            c[name + ".rx_frame_errors"] = rx.get("frame_errors", 0)
    dev = None
    for line in eth.splitlines():
        if line.startswith("## "):
            dev = line[3:]
            continue
        m = re.match(r"^\s*(\w+):\s*(\d+)$", line)
        if m and dev:
            c[dev + "." + m.group(1)] = int(m.group(2))
    return c


def watched():
    names = IP_COUNTERS + UL_COUNTERS + ["egre." + r for r in NET_REASONS]
    for d in DEVS:
        names += ["%s.%s" % (d, r) for r in DEV_REASONS]
        names += [d + ".rx_frame_errors", d + ".rx_packets", d + ".rx_bytes"]
    return names


def diff(before, after):
    return {k: after.get(k, 0) - before.get(k, 0) for k in watched()}


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--netns", help="the receiving namespace (counters are read there)")
    ap.add_argument("--dev", default="ul", help="the sending device")
    ap.add_argument("--dst-mac", required=True, help="the receiving underlay's MAC")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--count", type=int, default=10000, help="frames (at least)")
    ap.add_argument("--batch", type=int, default=1000, help="frames between checks")
    ap.add_argument("--settle", type=float, default=30, help="seconds to wait for counters")
    ap.add_argument("--dump", type=int, default=None, help="print frame I and exit")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.SystemRandom().randrange(1 << 31)
    dst_mac = bytes.fromhex(a.dst_mac.replace(":", ""))

    if a.dump is not None:
        f = make_frame(seed, a.dump, dst_mac, a.dump)
        m = Model(dst_mac)
        fates = predict(m, f)
        print("seed %d frame %d (%s): %s" % (seed, a.dump, f.kind, "; ".join(f.notes)))
        for fr, fate in zip(f.frames, fates):
            print("  %s\n    -> %s (on a fresh receiver)" % (fr.hex(), fate or m.outcome.most_common(1)[0][0]))
        return 0

    print("egre_fuzz: seed %d (TRELLIS_FUZZ_SEED=%d reproduces this run), %d frames"
          % (seed, seed, a.count), flush=True)
    # One CPU: the frames then queue on one backlog, in the order sent,
    # which sequence numbers and fragments depend on.
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((a.dev, 0))
    model = Model(dst_mac)
    verdicts = []
    sent = idx = frag_id = 0
    kinds = collections.Counter()
    start = time.time()
    base = read_counters(a.netns)
    batch_start = model.c.copy()
    batch_base = base
    first_bad_batch = None
    while sent < a.count:
        f = make_frame(seed, idx, dst_mac, frag_id)
        if f.kind.startswith("frag"):
            frag_id += 1
        predict(model, f)
        for fr in f.frames:
            sock.send(fr)
            sent += 1
        kinds[f.kind] += len(f.frames)
        idx += 1
        if sent // a.batch != (sent - len(f.frames)) // a.batch or sent >= a.count:
            # Each batch is checked on its own (reassembly timeouts excepted),
            # so a miscount can be traced to a thousand frames.
            want = {k: model.c[k] - batch_start.get(k, 0) for k in watched()}
            skip = {"Ip.ReasmFails", "Ip.ReasmTimeout"}
            # Waits for the packet counts only: bytes follow packets.
            got = settle(a.netns, batch_base, want, skip | {"IpExt.InOctets"}, 3)
            bad = {k: (want[k], got[k]) for k in want if k not in skip and want[k] != got[k]}
            if bad and first_bad_batch is None:
                first_bad_batch = (idx, sent, bad)
            batch_start = model.c.copy()
            batch_base = {k: batch_base.get(k, 0) + got[k] for k in got}
    elapsed = time.time() - start
    lone = model.expire()
    want = {k: model.c[k] for k in watched()}
    got = settle(a.netns, base, want, set(), a.settle)
    after = read_counters(a.netns)
    early = sum(after.get(d + ".rx_early", 0) - base.get(d + ".rx_early", 0) for d in ["eg1"])
    other_early = sum(after.get(d + ".rx_early", 0) - base.get(d + ".rx_early", 0) for d in DEVS[1:])

    # The table.
    print("\nframes sent: %d (%d generator cases, %.0f s, %.0f frames/s)"
          % (sent, idx, elapsed, sent / max(elapsed, 0.001)))
    print("  by mutation: " + ", ".join("%s %d" % kv for kv in sorted(kinds.items())))
    print("\npredicted fate of each frame                                          frames")
    groups = collections.Counter()
    for label, n in sorted(model.outcome.items()):
        print("  %-68s %6d" % (label, n))
        groups[group_of(label)] += n
    print("  %-68s %6d" % ("total", sum(model.outcome.values())))
    print("\n  " + " + ".join("%s %d" % (g, groups[g]) for g in GROUPS if groups[g]) +
          " = %d frames" % sum(groups.values()))
    print("\ncounter (receiving namespace)                 expected   measured")
    mism = []
    for k in watched():
        if want[k] == 0 and got[k] == 0:
            continue
        flag = "" if want[k] == got[k] else "   <-- MISMATCH"
        print("  %-42s %9d  %9d%s" % (k, want[k], got[k], flag))
        if flag:
            mism.append(k)
    print("  %-42s %9d  %9d%s" % ("eg1.rx_early (taken before IPv4)", model.early, early,
                                  "" if early == model.early else "   <-- MISMATCH"))
    print("  (every counter not listed was expected to stay, and stayed, at its value)"
          if not mism else "")

    octets = "IpExt.InOctets"
    counts = [k for k in mism if k != octets]
    verdicts.append(("%d frames sent, every one accounted for by a counter" % sent,
                     not counts and sum(model.outcome.values()) == sent,
                     "mismatched: " + ", ".join("%s want %d got %d" % (k, want[k], got[k])
                                               for k in counts)))
    # Bytes apart: a packet counted under the right reason but with another
    # length is a different fault (and says nothing of where frames went).
    verdicts.append(("IPv4 counts the bytes that arrived (IpExt.InOctets %d)" % want[octets],
                     want[octets] == got[octets],
                     "measured %d, short by %d" % (got[octets], want[octets] - got[octets])))
    for g in GROUPS:
        ks = [k for k in watched() if counter_group(k) == g and k != octets]
        bad = [k for k in ks if want[k] != got[k]]
        verdicts.append(("%s: %d frames, its counters as predicted" % (g, groups[g]), not bad,
                         ", ".join("%s want %d got %d" % (k, want[k], got[k]) for k in bad)))
    verdicts.append(("early path took exactly the frames it should (%d)" % early,
                     early == model.early and other_early == 0,
                     "eg1 rx_early %d, expected %d; unbound tunnels %d"
                     % (early, model.early, other_early)))
    if first_bad_batch:
        i, s, bad = first_bad_batch
        print("first miscount in the batch ending at case %d (frame %d): %s" %
              (i, s, ", ".join("%s want %d got %d" % (k, w, g) for k, (w, g) in bad.items())))
        print("example frames per fate (gre_frames.py --dump I --seed %d shows one):" % seed)
        for label, ex in sorted(model.examples.items()):
            print("  %-60s %s" % (label, " ".join(map(str, ex))))
    print()
    for name, ok, detail in verdicts:
        print("%s\t%s\t%s" % ("PASS" if ok else "FAIL", name, "" if ok else detail))
    return 0


GROUPS = ["dropped before IPv4", "IPv4", "egre (namespace)", "egre (tunnels)",
          "delivered"]


def group_of(label):
    if label.startswith("before IPv4"):
        return "dropped before IPv4"
    if label.startswith("IPv4"):
        return "IPv4"
    if label.startswith("egre"):
        return "egre (namespace)"
    if label.endswith("delivered"):
        return "delivered"
    return "egre (tunnels)"


def counter_group(k):
    if k.startswith("ul."):
        return "dropped before IPv4"
    if k.startswith("Ip"):
        return "IPv4"
    if k.startswith("egre."):
        return "egre (namespace)"
    if k.endswith(".rx_packets") or k.endswith(".rx_bytes"):
        return "delivered"
    return "egre (tunnels)"


def settle(ns, base, want, skip, seconds):
    """Polls the counters until they match, or for `seconds`."""
    deadline = time.time() + seconds
    while True:
        got = diff(base, read_counters(ns))
        if all(got[k] == want[k] for k in want if k not in skip) or time.time() > deadline:
            return got
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
