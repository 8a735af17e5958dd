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
 * The price: while a bound tunnel exists the underlay's rx_handler is
 * egre's, so the underlay cannot become a bridge or bond port.  If it
 * already is one, the tunnel works through IPv4 only.
 */
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/inetdevice.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/raw.h>
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

bool egre_early_valid(const struct egre_tunnel *t, const struct sk_buff *skb)
{
	long key = egre_route_key(skb->dev, rt_genid_ipv4(dev_net(skb->dev)),
				  ip_hdr(skb)->tos);

	return key >= 0 && key == READ_ONCE(t->early_key) &&
	       skb->dev->ifindex == READ_ONCE(t->link);
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
#ifdef CONFIG_XFRM
	if (!__xfrm_check_nopolicy(net, skb, XFRM_POLICY_IN))
		return false;
#endif
	if (netif_is_l3_slave(skb->dev) || skb_dst(skb))
		return false;
#ifdef CONFIG_IP_MULTIPLE_TABLES
	if (READ_ONCE(net->ipv4.fib_has_custom_rules))
		return false;
#endif
#if IS_ENABLED(CONFIG_PACKET)
	if (!hlist_empty(&net->packet.sklist))
		return false;
#endif
	if (!list_empty(&skb->dev->ptype_specific))
		return false;
	/* The bucket is shared with other protocols and namespaces: any
	 * socket there sends the packet the ordinary way. */
	return hlist_empty(&raw_v4_hashinfo.ht[raw_hashfunc(net, IPPROTO_GRE)]);
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

static rx_handler_result_t egre_underlay_rx(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct net *net = dev_net(skb->dev);
	unsigned int len, rx_len;
	const struct iphdr *iph;
	rx_handler_result_t res;
	u8 ecn;

	if (skb->protocol != htons(ETH_P_IP) ||
	    skb->pkt_type != PACKET_HOST || skb_vlan_tag_present(skb) ||
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
	struct egre_tunnel *t;
	int bkt;

	if (!egre_holds(underlay))
		return;
	hash_for_each(egre_pernet(dev_net(underlay))->tunnels, bkt, t, hash)
		if (t->link == underlay->ifindex)
			return;
	netdev_rx_handler_unregister(underlay);
}
