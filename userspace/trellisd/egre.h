/* SPDX-License-Identifier: GPL-2.0 */
/* trellisd egre: create, change, delete and show egre tunnel devices. */
#ifndef TRELLISD_EGRE_H
#define TRELLISD_EGRE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/netlink.h>

struct egre_cfg {
	struct in_addr local, remote;	/* underlay, when family is AF_INET */
	uint32_t key;
	int link;		/* underlay ifindex, 0 = any */
	int ttl;		/* 1..255, 0 = inherit from the inner packet */
	int tos;		/* 0..255 (IPv6: traffic class) */
	bool tos_inherit, pmtudisc, csum, seq;
	int family;		/* AF_INET (egre_cfg_init) or AF_INET6 */
	struct in6_addr local6, remote6;	/* underlay, when AF_INET6 */
};

/* Defaults: IPv4, ttl 64, pmtudisc on, the rest off. */
void egre_cfg_init(struct egre_cfg *cfg);

/* An IPv6 underlay: sets family, local6 and remote6. */
void egre_cfg_set_v6(struct egre_cfg *cfg, const struct in6_addr *local,
		     const struct in6_addr *remote);

/* Sets the underlay addresses and family from text, both IPv4 or both
 * IPv6.  Returns 0, or -EINVAL if one is not an address (nothing set), or
 * -EAFNOSUPPORT if they are of different families (nothing set). */
int egre_cfg_set_addrs(struct egre_cfg *cfg, const char *local, const char *remote);

/* What egre adds in front of an inner IP packet: outer IPv4 20 or IPv6 40,
 * GRE 8 (+4 csum, +4 seq), inner Ethernet 14.  Inner MTU = underlay MTU
 * minus this (1458 or 1438 on a 1500-byte underlay). */
int egre_encap_len(const struct egre_cfg *cfg);

/* Appends IFLA_LINKINFO { IFLA_INFO_KIND "egre", IFLA_INFO_DATA {...} } to
 * an RTM_NEWLINK request being built. */
void egre_put_linkinfo(struct nlmsghdr *nlh, const struct egre_cfg *cfg);

/* trellisd egre add|del|set|show ... */
int cmd_egre(int argc, char **argv);

#endif
