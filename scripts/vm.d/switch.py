#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# The Ethernet switch between the guests of scripts/vm-net: one UDP socket on
# loopback, each guest's QEMU "dgram" netdev sending its frames to it from a
# port of its own. A learning switch: a frame goes to the port its
# destination MAC was last seen on, otherwise (broadcast, multicast,
# unknown) to every guest but the sender; never back to the sender, unlike a
# multicast socket hub, which would echo every guest's own frames to it.
#
#   switch.py N PORTFILE
#
# Picks its own port and N free ports for the guests, writes "SWITCH P1 ..
# PN" to PORTFILE (atomically), then forwards until killed.
import os
import socket
import sys


def free_ports(n):
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def main():
    n, portfile = int(sys.argv[1]), sys.argv[2]
    sw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sw.bind(("127.0.0.1", 0))
    sw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    guests = free_ports(n)
    with open(portfile + ".tmp", "w") as f:
        print(sw.getsockname()[1], *guests, file=f)
    os.rename(portfile + ".tmp", portfile)

    members = {("127.0.0.1", p) for p in guests}
    table = {}
    while True:
        frame, src = sw.recvfrom(65536)
        if src not in members or len(frame) < 14:
            continue
        if not frame[6] & 1:
            table[frame[6:12]] = src
        dst = table.get(frame[0:6]) if not frame[0] & 1 else None
        for out in [dst] if dst else members:
            if out != src:
                try:
                    sw.sendto(frame, out)
                except OSError:
                    pass    # that guest is not up yet, or gone


if __name__ == "__main__":
    main()
