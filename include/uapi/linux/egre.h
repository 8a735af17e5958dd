/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * egre: Ethernet-over-GRE tunnel devices (RFC 2784 + RFC 2890, GRE
 * version 0, protocol 0x6558 Transparent Ethernet Bridging, key always
 * present).
 *
 * Configured over rtnetlink as link kind "egre":
 *
 *   ip link add NAME type egre ...      (iproute2 has no parser; use
 *                                        "trellisd egre add")
 *
 * The module is not autoloaded by such a request (it takes IP protocol 47
 * from every namespace): load it with modprobe first.  The attributes are
 * validated strictly: a wrong length or an unknown type is refused.
 *
 *   IFLA_LINKINFO
 *     IFLA_INFO_KIND      "egre"
 *     IFLA_INFO_DATA
 *       IFLA_EGRE_LOCAL     __be32  local underlay IPv4 address
 *       IFLA_EGRE_REMOTE    __be32  remote underlay IPv4 address
 *       IFLA_EGRE_LOCAL6    struct in6_addr  local underlay IPv6 address
 *       IFLA_EGRE_REMOTE6   struct in6_addr  remote underlay IPv6 address
 *       IFLA_EGRE_KEY       u32     GRE key, host byte order (required)
 *       IFLA_EGRE_LINK      u32     underlay ifindex; 0 = route freely;
 *                                   not an egre device
 *       IFLA_EGRE_TTL       u8      outer TTL (IPv6: hop limit); 0 = inherit
 *                                   from the inner IP packet; default 64
 *       IFLA_EGRE_TOS       u8      outer TOS (IPv6: traffic class); default 0
 *       IFLA_EGRE_TOS_INHERIT u8    1 = copy TOS from the inner IP packet
 *       IFLA_EGRE_PMTUDISC  u8      1 = set DF, do path-MTU discovery
 *                                   (default); 0 = never set DF (IPv4
 *                                   only: an IPv6 tunnel refuses 0)
 *       IFLA_EGRE_CSUM      u8      1 = send and require GRE checksums
 *       IFLA_EGRE_SEQ       u8      1 = send sequence numbers and drop
 *                                   received frames that are out of order
 *
 * A tunnel has either an IPv4 underlay (LOCAL and REMOTE) or an IPv6 one
 * (LOCAL6 and REMOTE6), together with KEY: required when it is created.
 * A request that mixes the two families is refused.  On the wire an IPv6
 * tunnel is Linux's ip6gretap with the same key and "encaplimit none" (no
 * tunnel encapsulation limit option); it accepts packets with that option.
 *
 * LOCAL, REMOTE (or LOCAL6, REMOTE6), KEY and LINK identify the tunnel; the others can be changed
 * on a running device.  (LOCAL, REMOTE, KEY) is unique per network
 * namespace; a duplicate is refused with EEXIST.  The address attributes of
 * the tunnel's own family are dumped, never the other family's.
 *
 * Drop counters.  Per device, as ethtool statistics (ethtool -S):
 *   rx_drop_bad_csum      GRE checksum wrong, or missing when CSUM is set
 *   rx_drop_out_of_seq    sequence number old, repeated, or missing when
 *                         SEQ is set
 *   rx_drop_runt          inner frame shorter than an Ethernet header
 *   rx_drop_down          received while the device is down
 *   tx_drop_too_big       frame too big for the path MTU (the sender gets
 *                         ICMP fragmentation-needed / packet-too-big)
 *   tx_drop_no_route      no route to REMOTE
 * Per network namespace, in /proc/net/egre ("name value" lines), for GRE
 * packets no tunnel claimed:
 *   truncated             shorter than its GRE header
 *   bad_version           GRE version is not 0
 *   bad_flags             routing, strict route, recursion, ack or reserved
 *                         bits set
 *   no_key                no key
 *   bad_proto             protocol is not 0x6558
 *   unknown_key           no tunnel for (remote, local, key)
 * The same counters count IPv4 and IPv6 underlay packets alike.
 */
#ifndef _UAPI_LINUX_EGRE_H
#define _UAPI_LINUX_EGRE_H

#include <linux/types.h>

#define EGRE_KIND "egre"

enum {
	IFLA_EGRE_UNSPEC,
	IFLA_EGRE_LOCAL,
	IFLA_EGRE_REMOTE,
	IFLA_EGRE_KEY,
	IFLA_EGRE_LINK,
	IFLA_EGRE_TTL,
	IFLA_EGRE_TOS,
	IFLA_EGRE_TOS_INHERIT,
	IFLA_EGRE_PMTUDISC,
	IFLA_EGRE_CSUM,
	IFLA_EGRE_SEQ,
	IFLA_EGRE_LOCAL6,
	IFLA_EGRE_REMOTE6,
	__IFLA_EGRE_MAX,
};
#define IFLA_EGRE_MAX (__IFLA_EGRE_MAX - 1)

#define EGRE_DEFAULT_TTL 64

#endif /* _UAPI_LINUX_EGRE_H */
