// SPDX-License-Identifier: GPL-2.0
/*
 * egre: early receive on a bound underlay.
 *
 * A GRE packet for a tunnel normally climbs IPv4's input path: header
 * checks, netfilter, a route lookup that finds a local address, the
 * reverse-path check, IPsec policy, raw sockets, then egre_rcv.  When a
 * tunnel is bound to its underlay device (IFLA_EGRE_LINK), egre holds that
 * device's rx_handler and takes the tunnel's packets before IPv4 does,
 * but only while nothing on that path could tell the difference:
 *
 *  - no netfilter hook at IPv4 PRE_ROUTING or LOCAL_IN in the namespace,
 *    no IPsec policy or state on the packet, no raw socket that could be
 *    bound to GRE, no L3 master (VRF) above the underlay;
 *  - no packet socket in the namespace: one listening for IPv4 (bound to
 *    the underlay or not) must see the outer packet, one bound to the
 *    underlay must not see the inner frame (the core delivers the frame
 *    of RX_HANDLER_ANOTHER to orig_dev's listeners), and af_packet does
 *    not say what its sockets listen for; nor any other protocol handler
 *    bound to the underlay itself;
 *  - no custom FIB rule (fib_has_custom_rules): a rule can select on the
 *    mark (which tc ingress may set before the rx_handler), the TOS,
 *    ports or anything else, and with src_valid_mark the reverse-path
 *    check looks the mark up too.  Without custom rules, the local and
 *    main tables decide on the addresses (fixed for a tunnel), the TOS
 *    (part of what is learnt) and the input device;
 *  - no route already on the skb (tc or BPF may attach one), no VLAN tag
 *    left on it (a tag for a VLAN the machine is not on: the core marks
 *    the frame PACKET_OTHERHOST after the rx_handler and IPv4 drops it);
 *  - an unfragmented IPv4 packet without options, with a good header
 *    checksum;
 *  - and IPv4 itself has delivered this tunnel's packets from this device
 *    to ip_local_deliver through a plain local route (no lightweight
 *    tunnel), with this TOS, under the routing generation (rt_genid, which
 *    every route, rule, address and device change bumps: it is what
 *    invalidates the kernel's own cached routes) and rp_filter setting
 *    still in force.
 *
 * Everything else, including the first packet after any routing change,
 * takes the ordinary path, which learns the route again.  The early path
 * counts the IPv4 input statistics the ordinary path would have.
 *
 * A tunnel over IPv6 is taken early under the same rules, IPv6's: no
 * netfilter hook at IPv6 PRE_ROUTING or LOCAL_IN, no IPsec policy, no raw
 * IPv6 socket that could be bound to GRE, no custom IPv6 FIB rule, no
 * packet socket or VLAN tag, IPv6 enabled on the underlay, a packet whose
 * next header is GRE (no extension header: a hop-by-hop or destination
 * option must be processed) and whose payload length matches the frame,
 * and IPv6 itself has delivered the tunnel's packets from this device to
 * ip6_input through a plain local route (RTF_LOCAL, no lightweight
 * tunnel) under the IPv6 routing generation still in force
 * (fib6_sernum, which every change to the IPv6 tables bumps; address and
 * device changes change the tables).  IPv6 has no rp_filter and looks at
 * the traffic class only in rules, which are excluded.  An IPv6 route
 * does not carry its generation, so the generation is sampled when the
 * packet leaves the early path for IPv6 (before IPv6's route lookup, on
 * the same CPU) and learnt only if it has not changed by delivery.
 *
 * The price: while a bound tunnel exists the underlay's rx_handler is
 * egre's, so the underlay cannot become a bridge or bond port.  If it
 * already is one, the tunnel works through IPv4 only.
 */
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/inetdevice.h>
#include <net/inet_ecn.h>
#include <net/addrconf.h>
#include <net/ip.h>
#include <net/ip6_fib.h>
#include <net/ip6_route.h>
#include <net/raw.h>
#include <net/rawv6.h>
#include <net/route.h>
#include <net/xfrm.h>

#include "egre.h"

/* What a local delivery from @dev is decided under: the routing generation
 * @genid, the TOS bits routing looks at and the device's rp_filter mode.
 * -1 when @dev has no IPv4. */
static long egre_route_key(struct net_device *dev, int genid, u8 tos)
{
	struct in_device *in_dev = __in_dev_get_rcu(dev);

	if (!in_dev)
		return -1;
	return (long)(u32)genid | (long)(tos & IPTOS_RT_MASK) << 32 |
	       (long)IN_DEV_RPFILTER(in_dev) << 40;
}

/* IPv4 delivered @skb to @t (egre_rcv): if it came from the underlay @t is
 * bound to, the next ones may skip IPv4 until the routing changes.  The
 * generation is the route's own, so a change racing with this packet is
 * not mistaken for one it was routed under. */
void egre_early_learn(struct egre_tunnel *t, const struct sk_buff *skb)
{
	const struct rtable *rt = skb_rtable(skb);
	long key;

	if (skb->dev->ifindex != READ_ONCE(t->link) || !rt ||
	    rt->rt_type != RTN_LOCAL || rt->dst.input != ip_local_deliver ||
	    rt->dst.lwtstate)
		return;
	key = egre_route_key(skb->dev, rt->rt_genid, ip_hdr(skb)->tos);
	if (READ_ONCE(t->early_key) != key)
		WRITE_ONCE(t->early_key, key);
}

/* The IPv6 counterpart of egre_route_key: the generation only, -1 when
 * @dev has no IPv6 or has it disabled. */
static long egre_route_key6(struct net_device *dev, int genid)
{
	struct inet6_dev *idev = __in6_dev_get(dev);

	if (!idev || READ_ONCE(idev->cnf.disable_ipv6))
		return -1;
	return (long)(u32)genid;
}

/* IPv6 delivered @skb to @t (egre_rcv6).  Learn only if the generation this
 * CPU sampled before IPv6 routed the packet is still in force. */
void egre_early_learn6(struct egre_tunnel *t, const struct sk_buff *skb)
{
	const struct dst_entry *dst = skb_dst(skb);
	struct net *net = dev_net(skb->dev);
	long key;

	if (skb->dev->ifindex != READ_ONCE(t->link) || !dst ||
	    dst->input != ip6_input || dst->lwtstate ||
	    !(((const struct rt6_info *)dst)->rt6i_flags & RTF_LOCAL) ||
	    ipv6_hdr(skb)->nexthdr != IPPROTO_GRE)
		return;
	key = this_cpu_read(t->early->sample6);
	if (key < 0 || key != egre_route_key6(skb->dev, rt_genid_ipv6(net)))
		return;
	if (READ_ONCE(t->early_key) != key)
		WRITE_ONCE(t->early_key, key);
}

bool egre_early_valid(const struct egre_tunnel *t, const struct sk_buff *skb)
{
	long key = egre_route_key(skb->dev, rt_genid_ipv4(dev_net(skb->dev)),
				  ip_hdr(skb)->tos);

	return key >= 0 && key == READ_ONCE(t->early_key) &&
	       skb->dev->ifindex == READ_ONCE(t->link);
}

/* A packet that is not taken samples the generation for the IPv6 path it
 * takes instead (egre_early_learn6). */
bool egre_early_valid6(struct egre_tunnel *t, const struct sk_buff *skb)
{
	long key = egre_route_key6(skb->dev, rt_genid_ipv6(dev_net(skb->dev)));

	if (key >= 0 && key == READ_ONCE(t->early_key) &&
	    skb->dev->ifindex == READ_ONCE(t->link))
		return true;
	this_cpu_write(t->early->sample6, key);
	return false;
}

/* What either family's early receive needs: no IPsec policy, VRF, route
 * already attached, packet socket in the namespace or on the device. */
static bool egre_input_plain(struct net *net, struct sk_buff *skb)
{
#ifdef CONFIG_XFRM
	if (!__xfrm_check_nopolicy(net, skb, XFRM_POLICY_IN))
		return false;
#endif
	if (netif_is_l3_slave(skb->dev) || skb_dst(skb))
		return false;
#if IS_ENABLED(CONFIG_PACKET)
	if (!hlist_empty(&net->packet.sklist))
		return false;
#endif
	return list_empty(&skb->dev->ptype_specific);
}

/* Whether anything but the route lookup stands between this namespace's
 * IPv4 input and a GRE packet's delivery to egre. */
static bool egre_ipv4_input_plain(struct net *net, struct sk_buff *skb)
{
#ifdef CONFIG_NETFILTER
	if (rcu_access_pointer(net->nf.hooks_ipv4[NF_INET_PRE_ROUTING]) ||
	    rcu_access_pointer(net->nf.hooks_ipv4[NF_INET_LOCAL_IN]))
		return false;
#endif
#ifdef CONFIG_IP_MULTIPLE_TABLES
	if (READ_ONCE(net->ipv4.fib_has_custom_rules))
		return false;
#endif
	if (!egre_input_plain(net, skb))
		return false;
	/* The bucket is shared with other protocols and namespaces: any
	 * socket there sends the packet the ordinary way. */
	return hlist_empty(&raw_v4_hashinfo.ht[raw_hashfunc(net, IPPROTO_GRE)]);
}

/* The same for IPv6. */
static bool egre_ipv6_input_plain(struct net *net, struct sk_buff *skb)
{
#ifdef CONFIG_NETFILTER
	if (rcu_access_pointer(net->nf.hooks_ipv6[NF_INET_PRE_ROUTING]) ||
	    rcu_access_pointer(net->nf.hooks_ipv6[NF_INET_LOCAL_IN]))
		return false;
#endif
#ifdef CONFIG_IPV6_MULTIPLE_TABLES
	if (READ_ONCE(net->ipv6.fib6_has_custom_rules))
		return false;
#endif
	if (!egre_input_plain(net, skb))
		return false;
	return hlist_empty(&raw_v6_hashinfo.ht[raw_hashfunc(net, IPPROTO_GRE)]);
}

/* Whether the IPv4 header at skb->data could be the start of a packet the
 * early path takes: peeked without a pull, as the skb may be shared. */
static bool egre_maybe_early(const struct sk_buff *skb)
{
	const struct iphdr *iph;
	struct iphdr _iph;

	iph = skb_header_pointer(skb, 0, sizeof(_iph), &_iph);
	return iph && iph->ihl == 5 && iph->version == 4 &&
	       iph->protocol == IPPROTO_GRE && !ip_is_fragment(iph);
}

/* An IPv6 GRE packet without extension headers, exactly as long as its
 * payload length says (0 would be a jumbogram's hop-by-hop option). */
static bool egre_maybe_early6(const struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h;
	struct ipv6hdr _ip6h;

	ip6h = skb_header_pointer(skb, 0, sizeof(_ip6h), &_ip6h);
	return ip6h && ip6h->version == 6 && ip6h->nexthdr == IPPROTO_GRE &&
	       ip6h->payload_len &&
	       ntohs(ip6h->payload_len) + sizeof(*ip6h) == skb->len;
}

static rx_handler_result_t egre_underlay_rx6(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct net *net = dev_net(skb->dev);
	const struct ipv6hdr *ip6h;
	rx_handler_result_t res;
	struct inet6_dev *idev;
	unsigned int rx_len;
	u8 ecn;

	if (skb->pkt_type != PACKET_HOST || skb_vlan_tag_present(skb) ||
	    skb_is_gso(skb) ||
	    !egre_maybe_early6(skb) || !egre_ipv6_input_plain(net, skb))
		return RX_HANDLER_PASS;

	idev = __in6_dev_get(skb->dev);
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb) {
		__IP6_INC_STATS(net, idev, IPSTATS_MIB_INDISCARDS);
		return RX_HANDLER_CONSUMED;
	}
	*pskb = skb;
	if (!pskb_may_pull(skb, sizeof(*ip6h)))
		return RX_HANDLER_PASS;
	ip6h = ipv6_hdr(skb);
	rx_len = skb->len;
	ecn = ipv6_get_dsfield(ip6h) & INET_ECN_MASK;

	/* What ip6_rcv_core and ip6_protocol_deliver_rcu would do. */
	if (!skb_sk_is_prefetched(skb))
		skb_orphan(skb);
	__skb_pull(skb, sizeof(*ip6h));
	skb_reset_transport_header(skb);
	skb_postpull_rcsum(skb, ip6h, sizeof(*ip6h));

	res = egre_rcv_early6(egre_pernet(net), skb);
	if (res == RX_HANDLER_PASS) {
		/* The GRE header pulls may have moved the data. */
		__skb_push(skb, sizeof(*ip6h));
		skb_postpush_rcsum(skb, skb->data, sizeof(*ip6h));
		return res;
	}
	__IP6_UPD_PO_STATS(net, idev, IPSTATS_MIB_IN, rx_len);
	__IP6_ADD_STATS(net, idev, IPSTATS_MIB_NOECTPKTS + ecn, 1);
	__IP6_INC_STATS(net, idev, IPSTATS_MIB_INDELIVERS);
	return res;
}

static rx_handler_result_t egre_underlay_rx(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct net *net = dev_net(skb->dev);
	unsigned int len, rx_len;
	const struct iphdr *iph;
	rx_handler_result_t res;
	u8 ecn;

	if (skb->protocol != htons(ETH_P_IP))
		return skb->protocol == htons(ETH_P_IPV6) ?
		       egre_underlay_rx6(pskb) : RX_HANDLER_PASS;
	if (skb->pkt_type != PACKET_HOST || skb_vlan_tag_present(skb) ||
	    skb_is_gso(skb) ||
	    !egre_maybe_early(skb) || !egre_ipv4_input_plain(net, skb))
		return RX_HANDLER_PASS;

	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb) {
		__IP_INC_STATS(net, IPSTATS_MIB_INDISCARDS);
		return RX_HANDLER_CONSUMED;
	}
	*pskb = skb;
	if (!pskb_may_pull(skb, sizeof(*iph)))
		return RX_HANDLER_PASS;
	iph = ip_hdr(skb);
	if (ip_fast_csum((const u8 *)iph, 5))
		return RX_HANDLER_PASS;
	rx_len = skb->len;
	len = ntohs(iph->tot_len);
	ecn = iph->tos & INET_ECN_MASK;
	/* Padded or short: IPv4 counts the whole frame before it trims or
	 * drops it.  No packet of a tunnel is padded (its inner Ethernet
	 * frame alone is longer than the minimum), so nothing is lost. */
	if (len != skb->len || len < sizeof(*iph))
		return RX_HANDLER_PASS;

	/* What ip_rcv_core and ip_local_deliver_finish would do. */
	if (!skb_sk_is_prefetched(skb))
		skb_orphan(skb);
	__skb_pull(skb, sizeof(*iph));
	skb_reset_transport_header(skb);

	res = egre_rcv_early(egre_pernet(net), skb);
	if (res == RX_HANDLER_PASS) {
		__skb_push(skb, sizeof(*iph));
		return res;
	}
	__IP_UPD_PO_STATS(net, IPSTATS_MIB_IN, rx_len);
	__IP_INC_STATS(net, IPSTATS_MIB_NOECTPKTS + ecn);
	__IP_INC_STATS(net, IPSTATS_MIB_INDELIVERS);
	return res;
}

static bool egre_holds(const struct net_device *underlay)
{
	return rcu_access_pointer(underlay->rx_handler) == egre_underlay_rx;
}

/* RTNL: a tunnel bound to @underlay was created. */
void egre_underlay_hold(struct net_device *underlay)
{
	if (underlay->type != ARPHRD_ETHER || egre_holds(underlay) ||
	    underlay->rtnl_link_ops == &egre_link_ops)
		return;
	/* -EBUSY: a bridge, bond or macvlan has it; IPv4 path only. */
	netdev_rx_handler_register(underlay, egre_underlay_rx, NULL);
}

/* RTNL: a tunnel bound to @underlay went away, or lost its binding.  The
 * rx_handler goes with the last one; this waits for the receivers in it. */
void egre_underlay_release(struct net_device *underlay)
{
	struct egre_net *en = egre_pernet(dev_net(underlay));
	struct egre_tunnel *t;
	int bkt, fam;

	if (!egre_holds(underlay))
		return;
	egre_for_each_tunnel(en, fam, bkt, t)
		if (t->link == underlay->ifindex)
			return;
	netdev_rx_handler_unregister(underlay);
}
