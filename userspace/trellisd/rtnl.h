/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtnetlink requests trellisd makes: each fills a message started with
 * nl_msg() or nlb_msg() of the type named in its comment.
 */
#ifndef TRELLIS_RTNL_H
#define TRELLIS_RTNL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "nl.h"
#include "topo.h"

/* One end of a new device. index 0: the kernel picks; netns_fd -1: the
 * socket's namespace; mtu 0: default; master 0: none. */
struct ldev {
	const char *name;
	int index;
	int netns_fd;
	int mtu;
	int master;
	bool up;
};

/* RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL */
void rtnl_veth(struct nlmsghdr *nlh, const struct ldev *a, const struct ldev *b);
void rtnl_bridge(struct nlmsghdr *nlh, const struct ldev *d);
void rtnl_gretap(struct nlmsghdr *nlh, const struct ldev *d, struct in_addr local,
		 struct in_addr remote, uint32_t key);
/* gretap or, between IPv6 addresses, ip6gretap. */
void rtnl_gretap_any(struct nlmsghdr *nlh, const struct ldev *d, const struct prefix *local,
		     const struct prefix *remote, uint32_t key);
/* RTM_NEWLINK on an existing device: up/down (up < 0: leave), mtu (0:
 * leave), master (-1: leave, 0: none). */
void rtnl_setlink(struct nlmsghdr *nlh, int index, const char *name, int up, int mtu,
		  int master);
/* RTM_DELLINK by index or name. */
void rtnl_dellink(struct nlmsghdr *nlh, int index, const char *name);
/* RTM_NEWADDR / RTM_DELADDR */
void rtnl_addr(struct nlmsghdr *nlh, int index, const struct prefix *p);
/* RTM_NEWROUTE / RTM_DELROUTE; oif 0: none. */
void rtnl_route(struct nlmsghdr *nlh, const struct route *r, int oif);
/* RTM_NEWQDISC: the root qdisc of index for d (netem, tbf, or netem with a
 * tbf child: is_child selects which of the two this message adds). */
void rtnl_qdisc(struct nlmsghdr *nlh, int index, const struct disc *d, bool is_child);
/* Does d need netem / tbf? */
bool disc_netem(const struct disc *d);
bool disc_tbf(const struct disc *d);
/* RTM_DELQDISC of the root qdisc. */
void rtnl_delqdisc(struct nlmsghdr *nlh, int index);

/* Synchronous lookups on nl (a NETLINK_ROUTE socket). */
int rtnl_ifindex(struct nl *nl, const char *name);	/* > 0 or -errno */
/* The largest ifindex in the socket's namespace, or -errno. */
int rtnl_max_ifindex(struct nl *nl);
/* Does the socket's namespace hold the address a? 1, 0 or -errno. */
int rtnl_has_addr(struct nl *nl, const struct prefix *a);
int rtnl_has_addr4(struct nl *nl, struct in_addr a);
/* The device the route from src to dst leaves by: > 0, 0 when there is
 * no such device (no route, or dst is local), or -errno. */
int rtnl_route_oif(struct nl *nl, const struct prefix *dst, const struct prefix *src);
int rtnl_route_oif4(struct nl *nl, struct in_addr dst, struct in_addr src);
/* Flags (IFF_*) and operstate of a device; -errno if absent. */
int rtnl_link_state(struct nl *nl, const char *name, unsigned int *flags, int *operstate,
		    uint64_t *rx_packets, uint64_t *tx_packets);

#endif
