/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * shortbridge: joins exactly two Ethernet devices; every frame received on
 * one port is transmitted, unchanged, out of the other.
 *
 * Generic netlink family "shortbridge", version 1 (spec: docs/shortbridge.yaml).
 * Every command acts on the devices of the socket's network namespace; NEW
 * and DEL need CAP_NET_ADMIN in that namespace (in the user namespace that
 * owns it, for both the socket's opener and the sender), GET (like "ip -s
 * link") does not.  Each command has its own attribute policy: attributes
 * it does not take are refused, not ignored.  The kernel does not load the
 * module on a lookup of the family: "modprobe shortbridge" as root.
 *
 *   SHORTBRIDGE_CMD_NEW     join two devices
 *     SHORTBRIDGE_A_PORT_A    u32  ifindex (required)
 *     SHORTBRIDGE_A_PORT_B    u32  ifindex (required)
 *     SHORTBRIDGE_A_FLAGS     u32  SHORTBRIDGE_F_* (optional)
 *     SHORTBRIDGE_A_NETNS_FD  u32  file descriptor of the network namespace
 *                                  PORT_B lives in (optional; default: the
 *                                  socket's).  Both ports must be in one
 *                                  namespace: naming another one is refused
 *                                  with "devices are in different network
 *                                  namespaces" (use a veth pair to cross).
 *                                  The caller must have CAP_NET_ADMIN over
 *                                  that namespace too (else EPERM).
 *
 *   Refusals (errno, then the extack message; "first"/"second" name PORT_A
 *   and PORT_B, which the error's offset attribute also points at):
 *     ENODEV  no such device            EINVAL  is the loopback device
 *     EINVAL  is not an Ethernet device EINVAL  cannot join a device to itself
 *     EXDEV   devices are in different network namespaces
 *     EBUSY   is already a bridge port / bond slave / team port /
 *             Open vSwitch port / macvlan lower device / shortbridge port /
 *             already has a receive handler
 *     EOPNOTSUPP  does not allow bridging / does not support receive
 *             handlers
 *     ELOOP   the two devices are the two ends of one veth pair / joining
 *             them would close a ring of joins and veth pairs (frames
 *             would circle for ever)
 *     EINVAL  PORT_A or PORT_B missing (the error's missing-attribute
 *             field says which)
 *     EPERM   no CAP_NET_ADMIN in the socket's network namespace, or over
 *             the namespace of NETNS_FD
 *
 *   SHORTBRIDGE_CMD_DEL     remove the join holding a device
 *     SHORTBRIDGE_A_PORT_A    u32  ifindex of either port
 *   (DEL and GET refuse: ENODEV "no such device", ENOENT "device is not a
 *   shortbridge port".)
 *
 *   SHORTBRIDGE_CMD_GET     one join (doit: by SHORTBRIDGE_A_PORT_A, which
 *                           may name either port) or all of them (dump);
 *                           each reply carries:
 *     SHORTBRIDGE_A_PORT_A    u32
 *     SHORTBRIDGE_A_PORT_B    u32
 *     SHORTBRIDGE_A_FLAGS     u32
 *     SHORTBRIDGE_A_STATS_AB  nest: frames received on A, sent out of B
 *     SHORTBRIDGE_A_STATS_BA  nest: frames received on B, sent out of A
 *       SHORTBRIDGE_STATS_PACKETS    u64  frames forwarded
 *       SHORTBRIDGE_STATS_BYTES      u64  bytes forwarded
 *       SHORTBRIDGE_STATS_DROP_MTU   u64  frame longer than the egress MTU
 *       SHORTBRIDGE_STATS_DROP_DOWN  u64  egress port down or no carrier
 *       SHORTBRIDGE_STATS_DROP_XMIT  u64  egress device refused the frame
 *       SHORTBRIDGE_STATS_DIRECT     u64  of PACKETS, frames whose egress
 *                                         port is a veth and which went
 *                                         straight into the receive path
 *                                         of its peer (no qdisc, egress
 *                                         hook or packet tap on the port);
 *                                         veth's own counters do not see
 *                                         them (as with bpf_redirect_peer)
 *
 * Multicast group SHORTBRIDGE_MCGRP_EVENTS ("events"), open to all: each
 * join made and each join taken apart is announced in its namespace, with
 * the attributes of a GET reply:
 *   SHORTBRIDGE_CMD_NEW   a join was made (counters zero)
 *   SHORTBRIDGE_CMD_DEL   a join is taken apart: by DEL, or because a port
 *                         was deleted or moved to another namespace; its
 *                         counters as they were then.  (Joins taken apart
 *                         by the module's unload are not announced: the
 *                         family goes first.)
 * An event that could not be allocated shows as ENOBUFS on the listener's
 * socket: dump again to learn the state.
 *
 * Bytes count whole Ethernet frames (header included, FCS not).  A frame
 * may exceed the egress MTU by its Ethernet header (and a VLAN tag, which
 * the receive path has already taken out of the frame).
 *
 * SHORTBRIDGE_F_CARRIER_FOLLOW: when one port is not operationally up
 * (administratively down, or its driver reports no carrier), the other
 * port, if it is a veth device, loses its carrier on both ends of its veth
 * pair, so that whatever sits at the far end (a virtual host's namespace)
 * sees NO-CARRIER.  Carriers of other drivers (tunnels, NICs) belong to
 * their drivers and are only read, never set.  See docs/shortbridge.md.
 */
#ifndef _UAPI_LINUX_SHORTBRIDGE_H
#define _UAPI_LINUX_SHORTBRIDGE_H

#define SHORTBRIDGE_GENL_NAME		"shortbridge"
#define SHORTBRIDGE_GENL_VERSION	1
#define SHORTBRIDGE_MCGRP_EVENTS	"events"

/* Each port's carrier follows the other port's operational state. */
#define SHORTBRIDGE_F_CARRIER_FOLLOW	(1U << 0)

enum shortbridge_cmd {
	SHORTBRIDGE_CMD_UNSPEC,
	SHORTBRIDGE_CMD_NEW,
	SHORTBRIDGE_CMD_DEL,
	SHORTBRIDGE_CMD_GET,
	__SHORTBRIDGE_CMD_MAX,
};
#define SHORTBRIDGE_CMD_MAX (__SHORTBRIDGE_CMD_MAX - 1)

enum shortbridge_attr {
	SHORTBRIDGE_A_UNSPEC,
	SHORTBRIDGE_A_PORT_A,
	SHORTBRIDGE_A_PORT_B,
	SHORTBRIDGE_A_FLAGS,
	SHORTBRIDGE_A_STATS_AB,
	SHORTBRIDGE_A_STATS_BA,
	SHORTBRIDGE_A_NETNS_FD,
	__SHORTBRIDGE_A_MAX,
};
#define SHORTBRIDGE_A_MAX (__SHORTBRIDGE_A_MAX - 1)

enum shortbridge_stats_attr {
	SHORTBRIDGE_STATS_UNSPEC,
	SHORTBRIDGE_STATS_PACKETS,
	SHORTBRIDGE_STATS_BYTES,
	SHORTBRIDGE_STATS_DROP_MTU,
	SHORTBRIDGE_STATS_DROP_DOWN,
	SHORTBRIDGE_STATS_DROP_XMIT,
	SHORTBRIDGE_STATS_PAD,
	SHORTBRIDGE_STATS_DIRECT,
	__SHORTBRIDGE_STATS_MAX,
};
#define SHORTBRIDGE_STATS_MAX (__SHORTBRIDGE_STATS_MAX - 1)

#endif /* _UAPI_LINUX_SHORTBRIDGE_H */
