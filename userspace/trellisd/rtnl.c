// SPDX-License-Identifier: GPL-2.0
/* rtnetlink request builders and lookups (rtnl.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/ip6_tunnel.h>
#include <linux/if_tunnel.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "rtnl.h"

static struct ifinfomsg *put_ifinfo(struct nlmsghdr *nlh, const struct ldev *d)
{
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = d->index;
	if (d->up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	return ifi;
}

static void put_ldev_attrs(struct nlmsghdr *nlh, const struct ldev *d)
{
	if (d->name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, d->name);
	if (d->netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)d->netns_fd);
	if (d->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)d->mtu);
	if (d->master)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)d->master);
}

/* Appends raw bytes to the message (netem's TCA_OPTIONS starts with a bare
 * struct, its attributes follow). */
static void put_raw(struct nlmsghdr *nlh, const void *data, size_t len)
{
	memcpy(mnl_nlmsg_get_payload_tail(nlh), data, len);
	nlh->nlmsg_len += MNL_ALIGN(len);
}

void rtnl_veth(struct nlmsghdr *nlh, const struct ldev *a, const struct ldev *b)
{
	struct nlattr *linkinfo, *data, *peer;

	put_ifinfo(nlh, a);
	put_ldev_attrs(nlh, a);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	{
		/* The peer's attributes follow an ifinfomsg of its own. */
		struct ifinfomsg ifi = {
			.ifi_family = AF_UNSPEC,
			.ifi_index = b->index,
			.ifi_flags = b->up ? IFF_UP : 0,
			.ifi_change = b->up ? IFF_UP : 0,
		};

		put_raw(nlh, &ifi, sizeof(ifi));
	}
	put_ldev_attrs(nlh, b);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
}

void rtnl_bridge(struct nlmsghdr *nlh, const struct ldev *d)
{
	struct nlattr *linkinfo;

	put_ifinfo(nlh, d);
	put_ldev_attrs(nlh, d);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, linkinfo);
}

/* gretap, or ip6gretap when the addresses are IPv6: keyed both ways, hop
 * limit 64; ip6gretap without its encapsulation-limit option, so that its
 * header is the 40 bytes egre's is. */
void rtnl_gretap_any(struct nlmsghdr *nlh, const struct ldev *d, const struct prefix *local,
		     const struct prefix *remote, uint32_t key)
{
	bool v6 = local->family == AF_INET6;
	size_t len = v6 ? 16 : 4;
	struct nlattr *linkinfo, *data;

	put_ifinfo(nlh, d);
	put_ldev_attrs(nlh, d);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, v6 ? "ip6gretap" : "gretap");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put(nlh, IFLA_GRE_LOCAL, len, &local->addr);
	mnl_attr_put(nlh, IFLA_GRE_REMOTE, len, &remote->addr);
	mnl_attr_put_u32(nlh, IFLA_GRE_IKEY, htonl(key));
	mnl_attr_put_u32(nlh, IFLA_GRE_OKEY, htonl(key));
	/* GRE_KEY is big-endian already (linux/if_tunnel.h). */
	mnl_attr_put_u16(nlh, IFLA_GRE_IFLAGS, GRE_KEY);
	mnl_attr_put_u16(nlh, IFLA_GRE_OFLAGS, GRE_KEY);
	mnl_attr_put_u8(nlh, IFLA_GRE_TTL, 64);
	if (v6)
		mnl_attr_put_u32(nlh, IFLA_GRE_FLAGS, IP6_TNL_F_IGN_ENCAP_LIMIT);
	else
		mnl_attr_put_u8(nlh, IFLA_GRE_PMTUDISC, 1);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
}

void rtnl_gretap(struct nlmsghdr *nlh, const struct ldev *d, struct in_addr local,
		 struct in_addr remote, uint32_t key)
{
	struct prefix l = { .family = AF_INET, .addr.v4 = local, .len = 32 };
	struct prefix r = { .family = AF_INET, .addr.v4 = remote, .len = 32 };

	rtnl_gretap_any(nlh, d, &l, &r, key);
}

void rtnl_setlink(struct nlmsghdr *nlh, int index, const char *name, int up, int mtu,
		  int master)
{
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	if (!index && name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (up >= 0) {
		ifi->ifi_flags = up ? IFF_UP : 0;
		ifi->ifi_change = IFF_UP;
	}
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)mtu);
	if (master >= 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
}

void rtnl_dellink(struct nlmsghdr *nlh, int index, const char *name)
{
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	if (!index)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
}

void rtnl_addr(struct nlmsghdr *nlh, int index, const struct prefix *p)
{
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	size_t alen = p->family == AF_INET ? 4 : 16;

	ifa->ifa_family = (uint8_t)p->family;
	ifa->ifa_prefixlen = p->len;
	ifa->ifa_index = (uint32_t)index;
	/* An emulated network wants its addresses usable at once: no DAD. */
	if (p->family == AF_INET6) {
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	if (p->family == AF_INET)
		mnl_attr_put(nlh, IFA_LOCAL, alen, &p->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, &p->addr);
}

void rtnl_route(struct nlmsghdr *nlh, const struct route *r, int oif)
{
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	size_t alen = r->dst.family == AF_INET ? 4 : 16;

	rtm->rtm_family = (uint8_t)r->dst.family;
	rtm->rtm_dst_len = r->dst.len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = r->via.family ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (r->dst.len)
		mnl_attr_put(nlh, RTA_DST, alen, &r->dst.addr);
	if (r->via.family)
		mnl_attr_put(nlh, RTA_GATEWAY, alen, &r->via.addr);
	if (oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	if (r->metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
}

bool disc_netem(const struct disc *d)
{
	return d->set && (d->delay_ns || d->loss > 0 || d->duplicate > 0 ||
			  d->reorder > 0 || d->corrupt > 0 || d->limit);
}

bool disc_tbf(const struct disc *d)
{
	return d->set && d->rate_bps;
}

static uint32_t prob(double pct)
{
	double v = pct / 100.0 * 4294967295.0;

	return v >= 4294967295.0 ? UINT32_MAX : (uint32_t)llround(v);
}

void rtnl_qdisc(struct nlmsghdr *nlh, int index, const struct disc *d, bool is_child)
{
	struct tcmsg *tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	bool netem = disc_netem(d) && !is_child;
	struct nlattr *opts;

	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = index;
	if (is_child) {
		tcm->tcm_parent = TC_H_MAKE(1U << 16, 1);	/* 1:1, netem's class */
		tcm->tcm_handle = 10U << 16;			/* 10: */
	} else {
		tcm->tcm_parent = TC_H_ROOT;
		tcm->tcm_handle = 1U << 16;			/* 1: */
	}
	mnl_attr_put_strz(nlh, TCA_KIND, netem ? "netem" : "tbf");
	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	if (netem) {
		struct tc_netem_qopt q = {
			.limit = d->limit ? d->limit : 1000,
			.loss = prob(d->loss),
			.duplicate = prob(d->duplicate),
		};

		if (d->reorder > 0) {
			struct tc_netem_reorder r = { .probability = prob(d->reorder) };

			q.gap = 1;	/* as tc does: reorder needs a gap */
			put_raw(nlh, &q, sizeof(q));
			mnl_attr_put(nlh, TCA_NETEM_REORDER, sizeof(r), &r);
		} else {
			put_raw(nlh, &q, sizeof(q));
		}
		if (d->corrupt > 0) {
			struct tc_netem_corrupt c = { .probability = prob(d->corrupt) };

			mnl_attr_put(nlh, TCA_NETEM_CORRUPT, sizeof(c), &c);
		}
		/* Nanoseconds, no psched ticks (Linux 4.15 and later). */
		mnl_attr_put_u64(nlh, TCA_NETEM_LATENCY64, d->delay_ns);
		mnl_attr_put_u64(nlh, TCA_NETEM_JITTER64, d->jitter_ns);
	} else {
		uint64_t Bps = d->rate_bps / 8;
		struct tc_tbf_qopt q = { 0 };
		uint32_t burst;
		uint64_t limit;

		/* Tokens for 100 ms at the rate, at least 32 KB.  While the
		 * bucket refills tbf sleeps on a timer, and TCP refills the
		 * queue from a softirq; both run late under load or emulation
		 * (tens of ms in a TCG guest), the bucket overflows while the
		 * queue is empty, and with 5 to 25 ms of burst TCP got 80-85%
		 * of the rate in the guest; with 100 ms it gets 91-94% (95.6% is
		 * the most TCP can carry: 1448 of every 1514 bytes). */
		burst = (uint32_t)(Bps / 10 > 32768 ? (Bps / 10 > UINT32_MAX ? UINT32_MAX : Bps / 10) : 32768);
		/* Queue 200 ms beyond the burst, at least 128 KB: drops make
		 * TCP back off below the rate. */
		limit = Bps / 5 + burst;
		if (limit < 131072)
			limit = 131072;
		q.rate.rate = Bps >= UINT32_MAX ? UINT32_MAX : (uint32_t)Bps;
		/* Known link layer: the kernel computes times itself, no rate
		 * table needed. */
		q.rate.linklayer = TC_LINKLAYER_ETHERNET;
		q.limit = limit > UINT32_MAX ? UINT32_MAX : (uint32_t)limit;
		mnl_attr_put(nlh, TCA_TBF_PARMS, sizeof(q), &q);
		if (Bps >= UINT32_MAX)
			mnl_attr_put_u64(nlh, TCA_TBF_RATE64, Bps);
		mnl_attr_put_u32(nlh, TCA_TBF_BURST, burst);
	}
	mnl_attr_nest_end(nlh, opts);
}

void rtnl_delqdisc(struct nlmsghdr *nlh, int index)
{
	struct tcmsg *tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));

	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = index;
	tcm->tcm_parent = TC_H_ROOT;
}

struct link_info {
	int index;
	unsigned int flags;
	int operstate;
	uint64_t rx, tx;
};

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	struct link_info *li = data;

	switch (mnl_attr_get_type(attr)) {
	case IFLA_OPERSTATE:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0)
			li->operstate = mnl_attr_get_u8(attr);
		break;
	case IFLA_STATS64:
		if (mnl_attr_get_payload_len(attr) >= sizeof(struct rtnl_link_stats64)) {
			struct rtnl_link_stats64 st;

			memcpy(&st, mnl_attr_get_payload(attr), sizeof(st));
			li->rx = st.rx_packets;
			li->tx = st.tx_packets;
		}
		break;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct link_info *li = data;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	li->index = ifi->ifi_index;
	li->flags = ifi->ifi_flags;
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, li);
	return MNL_CB_OK;
}

static int get_link(struct nl *nl, const char *name, struct link_info *li)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	int err;

	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	memset(li, 0, sizeof(*li));
	err = nl_talk(nl, nlh, link_cb, li);
	return err ? err : li->index ? 0 : -ENODEV;
}

int rtnl_ifindex(struct nl *nl, const char *name)
{
	struct link_info li;
	int err = get_link(nl, name, &li);

	return err ? err : li.index;
}

int rtnl_link_state(struct nl *nl, const char *name, unsigned int *flags, int *operstate,
		    uint64_t *rx_packets, uint64_t *tx_packets)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct link_info li = { 0 };
	int err;

	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	err = nl_talk(nl, nlh, link_cb, &li);
	if (err)
		return err;
	*flags = li.flags;
	*operstate = li.operstate;
	*rx_packets = li.rx;
	*tx_packets = li.tx;
	return 0;
}

static int max_index_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type == RTM_NEWLINK && ifi->ifi_index > *(int *)data)
		*(int *)data = ifi->ifi_index;
	return MNL_CB_OK;
}

int rtnl_max_ifindex(struct nl *nl)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETLINK, NLM_F_DUMP);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	int max = 0, err;

	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	err = nl_talk(nl, nlh, max_index_cb, &max);
	return err ? err : max;
}

struct has_addr {
	const struct prefix *a;
	int found;
};

/* IPv4 addresses are matched on IFA_LOCAL, IPv6 ones on IFA_ADDRESS (IPv6
 * has no IFA_LOCAL but on point-to-point devices). */
static int addr_attr_cb(const struct nlattr *attr, void *data)
{
	struct has_addr *h = data;
	size_t len = h->a->family == AF_INET6 ? 16 : 4;
	int type = mnl_attr_get_type(attr);

	if ((type == IFA_LOCAL || (type == IFA_ADDRESS && len == 16)) &&
	    mnl_attr_get_payload_len(attr) == len &&
	    !memcmp(mnl_attr_get_payload(attr), &h->a->addr, len))
		h->found = 1;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWADDR)
		mnl_attr_parse(nlh, sizeof(struct ifaddrmsg), addr_attr_cb, data);
	return MNL_CB_OK;
}

int rtnl_has_addr(struct nl *nl, const struct prefix *a)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct has_addr h = { .a = a };
	int err;

	ifa->ifa_family = (unsigned char)a->family;
	err = nl_talk(nl, nlh, addr_cb, &h);
	return err ? err : h.found;
}

int rtnl_has_addr4(struct nl *nl, struct in_addr a)
{
	struct prefix p = { .family = AF_INET, .addr.v4 = a, .len = 32 };

	return rtnl_has_addr(nl, &p);
}

struct route_oif {
	int oif;
	bool unicast;
};

static int route_attr_cb(const struct nlattr *attr, void *data)
{
	struct route_oif *r = data;

	if (mnl_attr_get_type(attr) == RTA_OIF &&
	    !mnl_attr_validate(attr, MNL_TYPE_U32))
		r->oif = (int)mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_oif *r = data;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	r->unicast = rtm->rtm_type == RTN_UNICAST;
	mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, data);
	return MNL_CB_OK;
}

int rtnl_route_oif(struct nl *nl, const struct prefix *dst, const struct prefix *src)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	size_t len = dst->family == AF_INET6 ? 16 : 4;
	struct route_oif r = { 0 };
	int err;

	rtm->rtm_family = (unsigned char)dst->family;
	mnl_attr_put(nlh, RTA_DST, len, &dst->addr);
	mnl_attr_put(nlh, RTA_SRC, len, &src->addr);
	err = nl_talk(nl, nlh, route_cb, &r);
	if (err)
		return err;
	return r.unicast && r.oif > 0 ? r.oif : 0;
}

int rtnl_route_oif4(struct nl *nl, struct in_addr dst, struct in_addr src)
{
	struct prefix d = { .family = AF_INET, .addr.v4 = dst, .len = 32 };
	struct prefix s = { .family = AF_INET, .addr.v4 = src, .len = 32 };

	return rtnl_route_oif(nl, &d, &s);
}
