// SPDX-License-Identifier: GPL-2.0
/*
 * egre: receive.  egre owns IP protocol 47, so every GRE packet for this
 * host comes here, under rcu_read_lock() (ip_local_deliver), unless the
 * early path (underlay.c) took it before IPv4 saw it.  Each is
 * checked, matched to its tunnel by (remote, local, key) in the per-netns
 * hash table without taking a lock, stripped to the inner Ethernet frame
 * and handed to GRO (or, when GRO cannot merge it, straight to the
 * device's receive path); every drop is counted under its reason.
 */
#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/if_tunnel.h>
#include <linux/icmpv6.h>
#include <net/gre.h>
#include <net/inet_ecn.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>
#include <net/route.h>

#include "egre.h"

/* Flag bits egre never accepts: routing present, strict source route,
 * recursion control, acknowledgment (version 1 only) and reserved bits. */
#define EGRE_BAD_FLAGS	(GRE_ROUTING | GRE_STRICT | GRE_REC | GRE_ACK | \
			 GRE_FLAGS)

struct egre_tunnel *egre_lookup(struct egre_net *en, __be32 remote,
				__be32 local, u32 key)
{
	struct egre_tunnel *t;

	hash_for_each_possible_rcu(en->tunnels[EGRE_V4], t, hash,
				   egre_hash(remote, local, key))
		if (t->key == key && t->remote == remote && t->local == local)
			return t;
	return NULL;
}

struct egre_tunnel *egre_lookup6(struct egre_net *en,
				 const struct in6_addr *remote,
				 const struct in6_addr *local, u32 key)
{
	struct egre_tunnel *t;

	hash_for_each_possible_rcu(en->tunnels[EGRE_V6], t, hash,
				   egre_hash6(remote, local, key))
		if (t->key == key && ipv6_addr_equal(&t->remote6, remote) &&
		    ipv6_addr_equal(&t->local6, local))
			return t;
	return NULL;
}

static int egre_hdr_len(__be16 flags)
{
	return 4 + (flags & GRE_CSUM ? 4 : 0) + (flags & GRE_KEY ? 4 : 0) +
	       (flags & GRE_SEQ ? 4 : 0);
}

/* Sequence numbers (RFC 2890): accept only numbers after the last one
 * accepted.  Several CPUs may receive for one tunnel, hence the cmpxchg.
 * "Nothing seen yet" is a bit of its own, so no number (0xffffffff's
 * successor included) can stand for it. */
static bool egre_seq_ok(struct egre_tunnel *t, u32 seq)
{
	s64 next = atomic64_read(&t->i_seq);

	do {
		if ((next & EGRE_SEQ_SEEN) && (s32)(seq - (u32)next) < 0)
			return false;
	} while (!atomic64_try_cmpxchg(&t->i_seq, &next,
				       EGRE_SEQ_SEEN | (u32)(seq + 1)));
	return true;
}

/* Whether the GRO cell can do anything for @skb: merge TCP segments, or UDP
 * ones where the device was asked to (GRO_FRAGLIST, GRO_UDP_FWD).  A frame
 * the underlay's GRO has already merged, or any other frame, only pays for
 * the cell's queue and poll. */
static bool egre_gro_helps(const struct sk_buff *skb)
{
	netdev_features_t f = skb->dev->features;
	u8 proto;

	if (!(f & NETIF_F_GRO) || skb_is_gso(skb))
		return false;
	if (skb->protocol == htons(ETH_P_IP))
		proto = ip_hdr(skb)->protocol;
	else if (skb->protocol == htons(ETH_P_IPV6))
		proto = ipv6_hdr(skb)->nexthdr;
	else
		return false;
	return proto == IPPROTO_TCP ||
	       (proto == IPPROTO_UDP &&
		(f & (NETIF_F_GRO_FRAGLIST | NETIF_F_GRO_UDP_FWD)));
}

/* Frames that skip GRO go straight into the receive path of the tunnel
 * device, from this softirq: a shortbridge or bridge port forwards them at
 * once.  A frame that is itself GRE for this host would come back here, so
 * nested frames take the cell's queue instead and the stack stays flat. */
static DEFINE_PER_CPU(bool, egre_in_rcv);

static void egre_deliver(struct egre_tunnel *t, struct sk_buff *skb)
{
	if (egre_gro_helps(skb) || __this_cpu_read(egre_in_rcv)) {
		gro_cells_receive(&t->gro_cells, skb);
		return;
	}
	__this_cpu_write(egre_in_rcv, true);
	netif_receive_skb(skb);
	__this_cpu_write(egre_in_rcv, false);
}

/* Finds the tunnel of the GRE packet at skb->data (the outer IPv4 or, if
 * @v6, IPv6 header is at skb_network_header).  Returns NULL with *why set
 * for a packet no tunnel claims; counting it is left to the caller. */
static __always_inline struct egre_tunnel *
egre_classify(struct egre_net *en, struct sk_buff *skb, int *hlen,
	      enum egre_net_drop *why, bool v6)
{
	const struct gre_base_hdr *greh;
	const struct ipv6hdr *ip6h;
	const struct iphdr *iph;
	struct egre_tunnel *t;
	__be32 *options;
	__be16 flags;

	if (!pskb_may_pull(skb, sizeof(*greh))) {
		*why = EGRE_NET_TRUNCATED;
		return NULL;
	}
	greh = (const struct gre_base_hdr *)skb->data;
	flags = greh->flags;
	if (flags & GRE_VERSION) {
		*why = EGRE_NET_BAD_VERSION;
		return NULL;
	}
	if (flags & EGRE_BAD_FLAGS) {
		*why = EGRE_NET_BAD_FLAGS;
		return NULL;
	}
	if (!(flags & GRE_KEY)) {
		*why = EGRE_NET_NO_KEY;
		return NULL;
	}
	*hlen = egre_hdr_len(flags);
	if (!pskb_may_pull(skb, *hlen)) {
		*why = EGRE_NET_TRUNCATED;
		return NULL;
	}
	greh = (const struct gre_base_hdr *)skb->data;
	if (greh->protocol != htons(ETH_P_TEB)) {
		*why = EGRE_NET_BAD_PROTO;
		return NULL;
	}

	options = (__be32 *)(greh + 1);
	if (flags & GRE_CSUM)
		options++;
	if (v6) {
		ip6h = ipv6_hdr(skb);
		t = egre_lookup6(en, &ip6h->saddr, &ip6h->daddr,
				 ntohl(*options));
	} else {
		iph = ip_hdr(skb);
		t = egre_lookup(en, iph->saddr, iph->daddr, ntohl(*options));
	}
	if (!t)
		*why = EGRE_NET_UNKNOWN_KEY;
	return t;
}

/* Checks the GRE header of a packet @t claimed and strips it (hlen bytes at
 * skb->data) down to the inner Ethernet frame, which is then on @t's
 * device.  Returns false when the packet was dropped (and counted). */
static bool egre_decap(struct egre_tunnel *t, struct sk_buff *skb, int hlen)
{
	const struct gre_base_hdr *greh;
	enum egre_dev_drop dev_why;
	const void *outer;
	__be32 *options;
	int nh, err;
	u32 cfg;

	if (unlikely(!netif_running(t->dev))) {
		egre_dev_drop(t, EGRE_DROP_DOWN);
		DEV_STATS_INC(t->dev, rx_dropped);
		kfree_skb(skb);
		return false;
	}
	cfg = READ_ONCE(t->cfg);
	greh = (const struct gre_base_hdr *)skb->data;
	options = (__be32 *)(greh + 1);

	/* A checksum is checked whenever present, and required when the
	 * tunnel is configured to use them. */
	if (greh->flags & GRE_CSUM) {
		options++;
		if (skb_checksum_simple_validate(skb)) {
			dev_why = EGRE_DROP_BAD_CSUM;
			DEV_STATS_INC(t->dev, rx_crc_errors);
			goto drop_dev;
		}
		skb_checksum_try_convert(skb, IPPROTO_GRE, null_compute_pseudo);
	} else if (cfg & EGRE_CFG_CSUM) {
		dev_why = EGRE_DROP_BAD_CSUM;
		DEV_STATS_INC(t->dev, rx_crc_errors);
		goto drop_dev;
	}

	if (cfg & EGRE_CFG_SEQ) {
		if (!(greh->flags & GRE_SEQ) ||
		    !egre_seq_ok(t, ntohl(options[1]))) {
			dev_why = EGRE_DROP_OUT_OF_SEQ;
			DEV_STATS_INC(t->dev, rx_fifo_errors);
			goto drop_dev;
		}
	}

	if (skb->len < hlen + ETH_HLEN) {
		dev_why = EGRE_DROP_RUNT;
		DEV_STATS_INC(t->dev, rx_length_errors);
		goto drop_dev;
	}

	/* Offset of the outer IP header: the pulls below may move skb->head. */
	nh = skb_network_header(skb) - skb->head;
	err = iptunnel_pull_header(skb, hlen, htons(ETH_P_TEB), false);
	if (err)
		goto drop_err;
	skb_set_network_header(skb, ETH_HLEN);
	if (!pskb_inet_may_pull(skb)) {
		dev_why = EGRE_DROP_RUNT;
		DEV_STATS_INC(t->dev, rx_length_errors);
		goto drop_dev;
	}
	outer = skb->head + nh;
	if (cfg & EGRE_CFG_V6)
		err = IP6_ECN_decapsulate(outer, skb);
	else
		err = IP_ECN_decapsulate(outer, skb);
	if (unlikely(err > 1)) {
		DEV_STATS_INC(t->dev, rx_frame_errors);
		goto drop_err;
	}

	skb->protocol = eth_type_trans(skb, t->dev);
	skb_postpull_rcsum(skb, eth_hdr(skb), ETH_HLEN);
	dev_sw_netstats_rx_add(t->dev, skb->len);
	return true;

drop_dev:
	egre_dev_drop(t, dev_why);
drop_err:
	DEV_STATS_INC(t->dev, rx_errors);
	kfree_skb(skb);
	return false;
}

/* IP protocol 47 handler. */
int egre_rcv(struct sk_buff *skb)
{
	struct egre_net *en = egre_pernet(dev_net(skb->dev));
	enum egre_net_drop why;
	struct egre_tunnel *t;
	int hlen;

	t = egre_classify(en, skb, &hlen, &why, false);
	if (!t) {
		egre_net_drop(en, why);
		kfree_skb(skb);
		return 0;
	}
	egre_early_learn(t, skb);
	if (egre_decap(t, skb, hlen))
		egre_deliver(t, skb);
	return 0;
}

/* IPv6 next header 47 handler.  Extension headers (such as ip6gretap's
 * tunnel encapsulation limit option) have been processed: skb->data is at
 * the GRE header, skb_network_header at the outer IPv6 header. */
int egre_rcv6(struct sk_buff *skb)
{
	struct egre_net *en = egre_pernet(dev_net(skb->dev));
	enum egre_net_drop why;
	struct egre_tunnel *t;
	int hlen;

	t = egre_classify(en, skb, &hlen, &why, true);
	if (!t) {
		egre_net_drop(en, why);
		kfree_skb(skb);
		return 0;
	}
	egre_early_learn6(t, skb);
	if (egre_decap(t, skb, hlen))
		egre_deliver(t, skb);
	return 0;
}

/* The early receive path: the underlay's rx_handler (underlay.c) checked
 * the outer IPv4 (@v6: IPv6) header and pulled it, so skb->data is at the
 * GRE header.  Returns PASS, with the skb unchanged past its IP header,
 * when the packet must go through IP instead. */
static __always_inline rx_handler_result_t
__egre_rcv_early(struct egre_net *en, struct sk_buff *skb, bool v6)
{
	enum egre_net_drop why;
	struct egre_tunnel *t;
	int hlen;

	t = egre_classify(en, skb, &hlen, &why, v6);
	if (!t || !(v6 ? egre_early_valid6(t, skb) : egre_early_valid(t, skb)))
		return RX_HANDLER_PASS;
	this_cpu_inc(t->early->rx);
	if (!egre_decap(t, skb, hlen))
		return RX_HANDLER_CONSUMED;
	if (egre_gro_helps(skb)) {
		gro_cells_receive(&t->gro_cells, skb);
		return RX_HANDLER_CONSUMED;
	}
	/* skb->dev is now the tunnel: the core runs its receive next, in the
	 * same loop, without another trip through the backlog. */
	return RX_HANDLER_ANOTHER;
}

rx_handler_result_t egre_rcv_early(struct egre_net *en, struct sk_buff *skb)
{
	return __egre_rcv_early(en, skb, false);
}

rx_handler_result_t egre_rcv_early6(struct egre_net *en, struct sk_buff *skb)
{
	return __egre_rcv_early(en, skb, true);
}

/* ICMP about a packet we sent: skb->data is the quoted outer IPv4 header.
 * Path-MTU and redirect information is recorded on the route to the remote
 * end, where egre_xmit's next route lookup (the dst_cache entry is
 * invalidated) picks it up. */
int egre_err(struct sk_buff *skb, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	const int type = icmp_hdr(skb)->type;
	const int code = icmp_hdr(skb)->code;
	struct net *net = dev_net(skb->dev);
	const struct gre_base_hdr *greh;
	int ihl = iph->ihl * 4, hlen;
	struct egre_tunnel *t;
	__be32 *options;

	if (!pskb_may_pull(skb, ihl + sizeof(*greh)))
		return -EINVAL;
	greh = (const struct gre_base_hdr *)(skb->data + ihl);
	if ((greh->flags & (GRE_VERSION | EGRE_BAD_FLAGS)) ||
	    !(greh->flags & GRE_KEY))
		return -EINVAL;
	hlen = egre_hdr_len(greh->flags);
	if (!pskb_may_pull(skb, ihl + hlen))
		return -EINVAL;
	iph = (const struct iphdr *)skb->data;
	greh = (const struct gre_base_hdr *)(skb->data + ihl);
	options = (__be32 *)(greh + 1);
	if (greh->flags & GRE_CSUM)
		options++;

	/* We sent it: the quoted destination is our remote end. */
	t = egre_lookup(egre_pernet(net), iph->daddr, iph->saddr,
			ntohl(*options));
	if (!t)
		return -ENOENT;

	if (type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED)
		ipv4_update_pmtu(skb, net, info, READ_ONCE(t->link),
				 IPPROTO_GRE);
	else if (type == ICMP_REDIRECT)
		ipv4_redirect(skb, net, READ_ONCE(t->link), IPPROTO_GRE);
	return 0;
}

/* ICMPv6 about a packet we sent: skb->data is the quoted outer IPv6 header,
 * the GRE header at @offset.  As for IPv4, the path MTU and redirects are
 * recorded on the route to the remote end. */
int egre_err6(struct sk_buff *skb, struct inet6_skb_parm *opt, u8 type,
	      u8 code, int offset, __be32 info)
{
	struct net *net = dev_net(skb->dev);
	const struct gre_base_hdr *greh;
	const struct ipv6hdr *ip6h;
	struct egre_tunnel *t;
	__be32 *options;
	int hlen;

	if (!pskb_may_pull(skb, offset + sizeof(*greh)))
		return -EINVAL;
	greh = (const struct gre_base_hdr *)(skb->data + offset);
	if ((greh->flags & (GRE_VERSION | EGRE_BAD_FLAGS)) ||
	    !(greh->flags & GRE_KEY))
		return -EINVAL;
	hlen = egre_hdr_len(greh->flags);
	if (!pskb_may_pull(skb, offset + hlen))
		return -EINVAL;
	ip6h = (const struct ipv6hdr *)skb->data;
	greh = (const struct gre_base_hdr *)(skb->data + offset);
	options = (__be32 *)(greh + 1);
	if (greh->flags & GRE_CSUM)
		options++;

	t = egre_lookup6(egre_pernet(net), &ip6h->daddr, &ip6h->saddr,
			 ntohl(*options));
	if (!t)
		return -ENOENT;

	if (type == ICMPV6_PKT_TOOBIG)
		ip6_update_pmtu(skb, net, info, READ_ONCE(t->link), 0,
				sock_net_uid(net, NULL));
	else if (type == NDISC_REDIRECT)
		ip6_redirect(skb, net, READ_ONCE(t->link), 0,
			     sock_net_uid(net, NULL));
	return 0;
}
