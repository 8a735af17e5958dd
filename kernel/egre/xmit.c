// SPDX-License-Identifier: GPL-2.0
/*
 * egre: transmit.  Lockless (NETIF_F_LLTX): the only state written here is
 * per-CPU (tstats, dst_cache) or atomic (the sequence number, drop counters).
 */
#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_vlan.h>
#include <net/dst_metadata.h>
#include <net/gre.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ip6_tunnel.h>
#include <net/ip_tunnels.h>
#include <net/route.h>

#include "egre.h"

/* Sequence numbers must be consecutive on the wire, so GSO (which would
 * copy one GRE header to many segments) is turned off while they are on;
 * the stack then segments before egre_xmit. */
netdev_features_t egre_features_check(struct sk_buff *skb,
				      struct net_device *dev,
				      netdev_features_t features)
{
	const struct egre_tunnel *t = netdev_priv(dev);

	features = vlan_features_check(skb, features);
	if (READ_ONCE(t->cfg) & EGRE_CFG_SEQ)
		features &= ~NETIF_F_GSO_MASK;
	return features;
}

/* Sends the looped-back ICMP error that skb_tunnel_check_pmtu() built in
 * place of @skb, as if it had arrived from the tunnel. */
static void egre_reply_icmp(struct sk_buff *skb, struct net_device *dev)
{
	skb->dev = dev;
	skb->protocol = eth_type_trans(skb, dev);
	dev_sw_netstats_rx_add(dev, skb->len);
	netif_rx(skb);
}

/* The frame does not fit in the path MTU and must not be fragmented: tell
 * the sender.  A packet the host itself routed into the tunnel still has its
 * route, and icmp_ndo_send() answers it; a bridged frame has none, so the
 * answer is built as an Ethernet frame and looped back through the device.
 * Returns true if @skb was consumed. */
static bool egre_too_big(struct sk_buff *skb, struct net_device *dev,
			 struct dst_entry *dst, int headroom)
{
	int mtu = dst_mtu(dst) - headroom;

	if (skb_is_gso(skb) ? skb_gso_validate_network_len(skb, mtu) :
			      skb->len - skb_network_offset(skb) <= mtu)
		return false;

	egre_dev_drop(netdev_priv(dev), EGRE_DROP_TOO_BIG);
	if (skb_valid_dst(skb)) {
		skb_dst_update_pmtu_no_confirm(skb, mtu);
		if (skb->protocol == htons(ETH_P_IP)) {
			memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
			icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
				      htonl(mtu));
		}
#if IS_ENABLED(CONFIG_IPV6)
		else if (skb->protocol == htons(ETH_P_IPV6) &&
			 mtu >= IPV6_MIN_MTU) {
			memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
			icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
		}
#endif
	} else if (skb_tunnel_check_pmtu(skb, dst, headroom, true) > 0) {
		egre_reply_icmp(skb, dev);
		return true;
	}
	kfree_skb(skb);
	return true;
}

static void egre_push_gre(struct sk_buff *skb, struct egre_tunnel *t, u32 cfg)
{
	__be16 flags = TUNNEL_KEY;

	if (cfg & EGRE_CFG_CSUM)
		flags |= TUNNEL_CSUM;
	if (cfg & EGRE_CFG_SEQ)
		flags |= TUNNEL_SEQ;
	gre_build_header(skb, egre_gre_hlen(cfg), flags, htons(ETH_P_TEB),
			 htonl(t->key),
			 cfg & EGRE_CFG_SEQ ?
			 htonl(atomic_fetch_inc(&t->o_seq)) : 0);
}

/* The route to the IPv6 remote end, from the per-CPU cache unless the
 * traffic class comes from the packet.  An ERR_PTR if there is none. */
static struct dst_entry *egre_route6(struct egre_tunnel *t, struct flowi6 *fl6,
				     u8 tclass, bool use_cache)
{
	struct dst_entry *dst;

	memset(fl6, 0, sizeof(*fl6));
	fl6->daddr = t->remote6;
	fl6->saddr = t->local6;
	fl6->flowi6_oif = READ_ONCE(t->link);
	fl6->flowi6_proto = IPPROTO_GRE;
	fl6->flowlabel = ip6_make_flowinfo(tclass, 0);
	fl6->fl6_gre_key = htonl(t->key);

	dst = use_cache ? dst_cache_get_ip6(&t->dst_cache, &fl6->saddr) : NULL;
	if (dst)
		return dst;
	dst = ip6_route_output(t->net, NULL, fl6);
	if (dst->error) {
		dst_release(dst);
		return ERR_PTR(-ENETUNREACH);
	}
	dst = xfrm_lookup(t->net, dst, flowi6_to_flowi(fl6), NULL, 0);
	if (IS_ERR(dst))
		return dst;
	if (use_cache)
		dst_cache_set_ip6(&t->dst_cache, dst, &fl6->saddr);
	return dst;
}

/* Transmit over an IPv6 underlay: as ip6gretap with "encaplimit none" (no
 * encapsulation limit option), hop limit and traffic class as configured,
 * the flow label hashed from the inner flow as ip6_tnl does.  The outer
 * packet is never fragmented: too big for the path MTU is dropped and
 * answered as on IPv4 with DF. */
static netdev_tx_t egre_xmit6(struct sk_buff *skb, struct net_device *dev,
			      u32 cfg)
{
	struct egre_tunnel *t = netdev_priv(dev);
	int headroom = egre_encap_len(cfg);
	bool use_cache = true;
	struct ipv6hdr *ip6h;
	struct dst_entry *dst;
	struct flowi6 fl6;
	u8 tclass, hop;

	/* The flow label is hashed from the inner flow: dissect it while the
	 * headers are the inner ones. */
	skb_get_hash(skb);
	tclass = egre_cfg_tos(cfg);
	if (cfg & EGRE_CFG_TOS_INHERIT) {
		tclass = ip_tunnel_get_dsfield(ip_hdr(skb), skb);
		use_cache = false;
	}
	dst = egre_route6(t, &fl6, tclass, use_cache);
	if (IS_ERR(dst)) {
		egre_dev_drop(t, EGRE_DROP_NO_ROUTE);
		DEV_STATS_INC(dev, tx_carrier_errors);
		goto tx_error;
	}
	if (unlikely(dst->dev == dev)) {
		DEV_STATS_INC(dev, collisions);
		goto tx_error_dst;
	}
	if (egre_too_big(skb, dev, dst, headroom)) {
		dst_release(dst);
		DEV_STATS_INC(dev, tx_dropped);
		return NETDEV_TX_OK;
	}

	hop = egre_cfg_ttl(cfg);
	if (!hop) {
		if (skb->protocol == htons(ETH_P_IP))
			hop = ip_hdr(skb)->ttl;
		else if (skb->protocol == htons(ETH_P_IPV6))
			hop = ipv6_hdr(skb)->hop_limit;
		else
			hop = ip6_dst_hoplimit(dst);
	}
	tclass = ip_tunnel_ecn_encap(tclass, ip_hdr(skb), skb);

	if (iptunnel_handle_offloads(skb, cfg & EGRE_CFG_CSUM ?
				     SKB_GSO_GRE_CSUM : SKB_GSO_GRE))
		goto tx_error_dst;
	skb_scrub_packet(skb, false);
	if (skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) + dst->header_len +
			 sizeof(*ip6h) + egre_gre_hlen(cfg)))
		goto tx_error_dst;
	skb_dst_set(skb, dst);
	egre_push_gre(skb, t, cfg);

	skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6h = ipv6_hdr(skb);
	ip6_flow_hdr(ip6h, tclass, ip6_make_flowlabel(t->net, skb, 0, true,
						      &fl6));
	ip6h->hop_limit = hop;
	ip6h->nexthdr = IPPROTO_GRE;
	ip6h->saddr = fl6.saddr;
	ip6h->daddr = fl6.daddr;
	ip6tunnel_xmit(NULL, skb, dev);
	return NETDEV_TX_OK;

tx_error_dst:
	dst_release(dst);
tx_error:
	DEV_STATS_INC(dev, tx_errors);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

netdev_tx_t egre_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct egre_tunnel *t = netdev_priv(dev);
	u32 cfg = READ_ONCE(t->cfg);
	int gre_hlen = egre_gre_hlen(cfg);
	const struct iphdr *inner;
	bool use_cache = true;
	struct flowi4 fl4;
	struct rtable *rt;
	__be16 df;
	u8 tos, ttl;

	if (unlikely(!netif_carrier_ok(dev)))
		goto tx_error;
	if (!pskb_inet_may_pull(skb))
		goto tx_error;
	if (cfg & EGRE_CFG_V6)
		return egre_xmit6(skb, dev, cfg);
	inner = ip_hdr(skb);

	tos = egre_cfg_tos(cfg);
	if (cfg & EGRE_CFG_TOS_INHERIT) {
		tos = ip_tunnel_get_dsfield(inner, skb);
		use_cache = false;	/* the route depends on the packet */
	}

	memset(&fl4, 0, sizeof(fl4));
	fl4.daddr = t->remote;
	fl4.saddr = t->local;
	fl4.flowi4_oif = READ_ONCE(t->link);
	fl4.flowi4_proto = IPPROTO_GRE;
	fl4.flowi4_tos = RT_TOS(tos);
	fl4.fl4_gre_key = htonl(t->key);

	rt = use_cache ? dst_cache_get_ip4(&t->dst_cache, &fl4.saddr) : NULL;
	if (!rt) {
		rt = ip_route_output_key(t->net, &fl4);
		if (IS_ERR(rt)) {
			egre_dev_drop(t, EGRE_DROP_NO_ROUTE);
			DEV_STATS_INC(dev, tx_carrier_errors);
			goto tx_error;
		}
		if (use_cache)
			dst_cache_set_ip4(&t->dst_cache, &rt->dst, fl4.saddr);
	}
	if (unlikely(rt->dst.dev == dev)) {
		/* The route to the remote end goes through the tunnel. */
		DEV_STATS_INC(dev, collisions);
		goto tx_error_rt;
	}

	/* DF follows the inner packet: an IPv4 packet that may be fragmented
	 * is fragmented outside; anything else is never fragmented. */
	df = 0;
	if (cfg & EGRE_CFG_PMTUDISC) {
		df = htons(IP_DF);
		if (skb->protocol == htons(ETH_P_IP) &&
		    !(inner->frag_off & htons(IP_DF)))
			df = 0;
	}
	if (df && egre_too_big(skb, dev, &rt->dst, sizeof(struct iphdr) +
			       gre_hlen + ETH_HLEN)) {
		ip_rt_put(rt);
		DEV_STATS_INC(dev, tx_dropped);
		return NETDEV_TX_OK;
	}

	ttl = egre_cfg_ttl(cfg);
	if (!ttl) {
		if (skb->protocol == htons(ETH_P_IP))
			ttl = inner->ttl;
		else if (skb->protocol == htons(ETH_P_IPV6))
			ttl = ((const struct ipv6hdr *)inner)->hop_limit;
		else
			ttl = ip4_dst_hoplimit(&rt->dst);
	}
	tos = ip_tunnel_ecn_encap(tos, inner, skb);

	if (iptunnel_handle_offloads(skb, cfg & EGRE_CFG_CSUM ?
				     SKB_GSO_GRE_CSUM : SKB_GSO_GRE))
		goto tx_error_rt;
	if (skb_cow_head(skb, LL_RESERVED_SPACE(rt->dst.dev) +
			 rt->dst.header_len + sizeof(struct iphdr) + gre_hlen))
		goto tx_error_rt;

	egre_push_gre(skb, t, cfg);

	iptunnel_xmit(NULL, rt, skb, fl4.saddr, fl4.daddr, IPPROTO_GRE, tos,
		      ttl, df, false);
	return NETDEV_TX_OK;

tx_error_rt:
	ip_rt_put(rt);
tx_error:
	DEV_STATS_INC(dev, tx_errors);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}
