/* SPDX-License-Identifier: GPL-2.0 */
/*
 * egre: Ethernet-over-GRE tunnel devices.  Shared structures of main.c
 * (module and per-netns state), device.c (net_device and rtnl_link_ops),
 * xmit.c and rcv.c (the packet paths) and underlay.c (early receive).
 *
 * Locking: tunnels are added to and removed from the per-netns hash table
 * under RTNL; the receive path looks them up under RCU only.  The settings a
 * running device may change (ttl, tos, pmtudisc, csum, seq) are packed into
 * one word, egre_tunnel.cfg, written under RTNL with WRITE_ONCE and read once
 * per packet with READ_ONCE, so a packet always sees one consistent set.
 *
 * A tunnel's underlay is IPv4 or IPv6 for its whole life (EGRE_CFG_V6 in
 * cfg, set at creation): the IPv4 paths test that bit in the word they read
 * anyway, and the IPv6 tunnels have a hash table of their own, so an IPv4
 * packet pays for IPv6 with one predictable branch at most.
 */
#ifndef _EGRE_H
#define _EGRE_H

#include <linux/ethtool.h>
#include <linux/hashtable.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <net/dst_cache.h>
#include <net/gro_cells.h>
#include <net/netns/generic.h>

/* Drops counted per device, shown by ethtool -S. */
enum egre_dev_drop {
	EGRE_DROP_BAD_CSUM,	/* GRE checksum wrong, or missing when required */
	EGRE_DROP_OUT_OF_SEQ,	/* sequence number old, repeated or missing */
	EGRE_DROP_RUNT,		/* inner frame shorter than an Ethernet header */
	EGRE_DROP_DOWN,		/* receive: the tunnel device is down */
	EGRE_DROP_TOO_BIG,	/* transmit: frame too big for the path MTU */
	EGRE_DROP_NO_ROUTE,	/* transmit: no route to the remote end */
	EGRE_DEV_DROP_MAX,
};

/* Drops counted per network namespace (no device is known yet), shown in
 * /proc/net/egre. */
enum egre_net_drop {
	EGRE_NET_TRUNCATED,	/* packet shorter than its GRE header */
	EGRE_NET_BAD_VERSION,	/* GRE version is not 0 */
	EGRE_NET_BAD_FLAGS,	/* routing, strict source route, recursion,
				 * ack or reserved flag bits set */
	EGRE_NET_NO_KEY,	/* no key in the GRE header */
	EGRE_NET_BAD_PROTO,	/* protocol is not 0x6558 (Ethernet) */
	EGRE_NET_UNKNOWN_KEY,	/* no tunnel for (remote, local, key) */
	EGRE_NET_DROP_MAX,
};

extern const char egre_dev_drop_names[EGRE_DEV_DROP_MAX][ETH_GSTRING_LEN];
extern const char egre_net_drop_names[EGRE_NET_DROP_MAX][ETH_GSTRING_LEN];

/* egre_tunnel.cfg: the live-changeable settings in one word. */
#define EGRE_CFG_TTL_MASK	0x000000ffU	/* 0 = inherit */
#define EGRE_CFG_TOS_SHIFT	8
#define EGRE_CFG_TOS_MASK	0x0000ff00U
#define EGRE_CFG_TOS_INHERIT	BIT(16)
#define EGRE_CFG_PMTUDISC	BIT(17)
#define EGRE_CFG_CSUM		BIT(18)
#define EGRE_CFG_SEQ		BIT(19)
#define EGRE_CFG_V6		BIT(20)	/* IPv6 underlay; fixed */

static inline u8 egre_cfg_ttl(u32 cfg)
{
	return cfg & EGRE_CFG_TTL_MASK;
}

static inline u8 egre_cfg_tos(u32 cfg)
{
	return (cfg & EGRE_CFG_TOS_MASK) >> EGRE_CFG_TOS_SHIFT;
}

/* GRE header length: base 4, key 4, checksum 4, sequence number 4. */
static inline int egre_gre_hlen(u32 cfg)
{
	return 8 + (cfg & EGRE_CFG_CSUM ? 4 : 0) + (cfg & EGRE_CFG_SEQ ? 4 : 0);
}

static inline int egre_ip_hlen(u32 cfg)
{
	return cfg & EGRE_CFG_V6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
}

/* Everything egre adds in front of the inner IP packet: outer IPv4 or IPv6,
 * GRE and the inner Ethernet header.  The default MTU is the underlay MTU
 * minus this. */
static inline int egre_encap_len(u32 cfg)
{
	return egre_ip_hlen(cfg) + egre_gre_hlen(cfg) + ETH_HLEN;
}

#define EGRE_MAX_ENCAP_LEN	(sizeof(struct iphdr) + 16 + ETH_HLEN)
#define EGRE_MAX_ENCAP_LEN6	(sizeof(struct ipv6hdr) + 16 + ETH_HLEN)

/* Drop counters are per CPU: a flood of bad packets received on several
 * CPUs would otherwise bounce one cache line between them. */
struct egre_dev_drops {
	unsigned long n[EGRE_DEV_DROP_MAX];
};

struct egre_net_drops {
	unsigned long n[EGRE_NET_DROP_MAX];
};

/* Early receive, per CPU: packets taken early, and (IPv6) the routing
 * generation sampled when this CPU last sent one of the tunnel's packets
 * from the underlay through IPv6 (underlay.c). */
struct egre_early_pcpu {
	unsigned long rx;
	long sample6;
};

/* egre_tunnel.i_seq: a sequence number has been received. */
#define EGRE_SEQ_SEEN	BIT_ULL(32)

struct egre_tunnel {
	struct hlist_node hash;		/* egre_net.tunnels; RTNL, RCU readers */
	struct net_device *dev;
	struct net *net;		/* == dev_net(dev): devices stay put */

	/* Identity: fixed for the life of the device (IPv4 underlay; both 0
	 * for IPv6, whose addresses are at the end). */
	__be32 local;
	__be32 remote;
	u32 key;
	int link;			/* underlay ifindex, 0 = any; RTNL */

	u32 cfg;			/* EGRE_CFG_*; READ_ONCE/WRITE_ONCE */

	atomic_t o_seq;			/* next sequence number to send */
	atomic64_t i_seq;		/* EGRE_SEQ_SEEN | next expected, or 0
					 * while none has been seen */

	/* Early receive (underlay.c): the route key under which IPv4 (IPv6)
	 * last delivered this tunnel's packets from its underlay, -1 = none. */
	long early_key;
	struct egre_early_pcpu __percpu *early;

	struct dst_cache dst_cache;
	struct gro_cells gro_cells;
	struct egre_dev_drops __percpu *drops;

	/* IPv6 underlay (cfg & EGRE_CFG_V6): identity, fixed. */
	struct in6_addr local6;
	struct in6_addr remote6;
};

#define EGRE_HASH_BITS 8

enum { EGRE_V4, EGRE_V6, EGRE_FAMILIES };

struct egre_net {
	/* [EGRE_V4] by (remote, local, key), [EGRE_V6] by (remote6, ...) */
	struct hlist_head tunnels[EGRE_FAMILIES][1 << EGRE_HASH_BITS];
	struct egre_net_drops __percpu *drops;
};

/* RTNL: every tunnel of @en, the IPv4 ones first. */
#define egre_for_each_tunnel(en, fam, bkt, t)				\
	for (fam = 0; fam < EGRE_FAMILIES; fam++)			\
		hash_for_each((en)->tunnels[fam], bkt, t, hash)

extern unsigned int egre_net_id;

static inline struct egre_net *egre_pernet(const struct net *net)
{
	return net_generic(net, egre_net_id);
}

static inline void egre_dev_drop(struct egre_tunnel *t, enum egre_dev_drop why)
{
	this_cpu_inc(t->drops->n[why]);
}

static inline void egre_net_drop(struct egre_net *en, enum egre_net_drop why)
{
	this_cpu_inc(en->drops->n[why]);
}

/* main.c */
u32 egre_hash(__be32 remote, __be32 local, u32 key);
u32 egre_hash6(const struct in6_addr *remote, const struct in6_addr *local,
	       u32 key);

/* device.c */
extern struct rtnl_link_ops egre_link_ops;
void egre_unlink_underlay(struct net_device *underlay);
void egre_underlay_state(struct net_device *underlay);

/* xmit.c */
netdev_tx_t egre_xmit(struct sk_buff *skb, struct net_device *dev);
netdev_features_t egre_features_check(struct sk_buff *skb,
				      struct net_device *dev,
				      netdev_features_t features);

/* rcv.c */
struct egre_tunnel *egre_lookup(struct egre_net *en, __be32 remote,
				__be32 local, u32 key);
struct egre_tunnel *egre_lookup6(struct egre_net *en,
				 const struct in6_addr *remote,
				 const struct in6_addr *local, u32 key);
int egre_rcv(struct sk_buff *skb);
int egre_rcv6(struct sk_buff *skb);
rx_handler_result_t egre_rcv_early(struct egre_net *en, struct sk_buff *skb);
rx_handler_result_t egre_rcv_early6(struct egre_net *en, struct sk_buff *skb);
int egre_err(struct sk_buff *skb, u32 info);
int egre_err6(struct sk_buff *skb, struct inet6_skb_parm *opt, u8 type,
	      u8 code, int offset, __be32 info);

/* underlay.c */
void egre_early_learn(struct egre_tunnel *t, const struct sk_buff *skb);
void egre_early_learn6(struct egre_tunnel *t, const struct sk_buff *skb);
bool egre_early_valid(const struct egre_tunnel *t, const struct sk_buff *skb);
bool egre_early_valid6(struct egre_tunnel *t, const struct sk_buff *skb);
void egre_underlay_hold(struct net_device *underlay);
void egre_underlay_release(struct net_device *underlay);

#endif /* _EGRE_H */
