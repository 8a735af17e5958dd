/* SPDX-License-Identifier: GPL-2.0 */
/* trellisd egre: create, change, delete and show egre tunnel devices. */
#ifndef TRELLISD_EGRE_H
#define TRELLISD_EGRE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/netlink.h>

struct egre_cfg {
	struct in_addr local, remote;
	uint32_t key;
	int link;		/* underlay ifindex, 0 = any */
	int ttl;		/* 1..255, 0 = inherit from the inner packet */
	int tos;		/* 0..255 */
	bool tos_inherit, pmtudisc, csum, seq;
};

/* Defaults: ttl 64, pmtudisc on, the rest off. */
void egre_cfg_init(struct egre_cfg *cfg);

/* Appends IFLA_LINKINFO { IFLA_INFO_KIND "egre", IFLA_INFO_DATA {...} } to
 * an RTM_NEWLINK request being built. */
void egre_put_linkinfo(struct nlmsghdr *nlh, const struct egre_cfg *cfg);

/* trellisd egre add|del|set|show ... */
int cmd_egre(int argc, char **argv);

#endif
