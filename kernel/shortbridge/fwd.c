// SPDX-License-Identifier: GPL-2.0
/*
 * The fast path: every frame received on one port leaves, unchanged, out of
 * the other.  No learning, no flooding, no STP, no netfilter.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/sch_generic.h>

#include "shortbridge.h"

enum sbr_drop {
	SBR_DROP_DOWN,
	SBR_DROP_MTU,
	SBR_DROP_XMIT,
};

static void sbr_count_drop(struct sbr_port *port, enum sbr_drop why)
{
	struct sbr_pcpu_stats *s = this_cpu_ptr(port->stats);

	u64_stats_update_begin(&s->syncp);
	switch (why) {
	case SBR_DROP_DOWN:
		u64_stats_inc(&s->drop_down);
		break;
	case SBR_DROP_MTU:
		u64_stats_inc(&s->drop_mtu);
		break;
	case SBR_DROP_XMIT:
		u64_stats_inc(&s->drop_xmit);
		break;
	}
	u64_stats_update_end(&s->syncp);
}

/*
 * skb->len counts the Ethernet header here.  A VLAN tag, if any, was taken
 * out of the frame into skb->vlan_tci before the rx handler ran and is
 * allowed on top, as the bridge does.  A GSO frame (from GRO on the
 * receiving device) is fine if each of its segments fits.
 */
static bool sbr_fits(const struct net_device *out, const struct sk_buff *skb)
{
	unsigned int max = READ_ONCE(out->mtu) + ETH_HLEN;

	if (skb->len <= max)
		return true;
	return skb_is_gso(skb) && skb_gso_validate_mac_len(skb, max);
}

/*
 * The way out is a veth whose transmit side nothing watches: no qdisc, no
 * tc or netfilter egress hook, no packet tap.  All veth would do is put the
 * frame in its peer's backlog, to be received there on a later pass of the
 * softirq.  The frame is received there now instead, as bpf_redirect_peer()
 * does it: skb->dev becomes the peer and the rx handler asks the core for
 * another round.  Not when the peer receives through its own NAPI (XDP or
 * GRO on it), nor when the peer has an rx handler: each round must end in
 * the protocol stack, or a ring of joins would spin here for ever.
 * Returns the peer, or NULL to transmit as usual.
 */
static struct net_device *sbr_direct_dev(const struct sbr_port *port,
					 struct net_device *out)
{
	struct net_device *peer;
	unsigned int i;

	if (!port->peer_is_veth || dev_nit_active(out))
		return NULL;
#ifdef CONFIG_NET_CLS_ACT
	if (rcu_access_pointer(out->miniq_egress))
		return NULL;
#endif
#ifdef CONFIG_NETFILTER_EGRESS
	if (rcu_access_pointer(out->nf_hooks_egress))
		return NULL;
#endif
	for (i = 0; i < out->real_num_tx_queues; i++)
		if (rcu_dereference(netdev_get_tx_queue(out, i)->qdisc)->enqueue)
			return NULL;

	peer = out->netdev_ops->ndo_get_peer_dev(out);
	if (!peer || rcu_access_pointer(peer->rx_handler) ||
	    READ_ONCE(peer->wanted_features) & NETIF_F_GRO ||
	    dev_xdp_prog_count(peer))
		return NULL;
	return peer;
}

/*
 * Called by __netif_receive_skb_core() under rcu_read_lock(), with skb->data
 * just past the Ethernet header.  The rx handler is registered before the
 * peer pointer is set and unregistered (with synchronize_net()) only after
 * it is cleared, so port and peer device stay valid for this whole call.
 */
rx_handler_result_t sbr_handle_frame(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct net_device *out, *direct;
	struct sbr_pcpu_stats *s;
	rx_handler_result_t res;
	ktime_t rx_tstamp;
	struct sbr_port *port;
	unsigned int len;
	int ret;

	/* Our own frames looped back by the stack: not received from a wire. */
	if (unlikely(skb->pkt_type == PACKET_LOOPBACK))
		return RX_HANDLER_PASS;

	port = rcu_dereference(skb->dev->rx_handler_data);
	out = rcu_dereference(port->peer);
	if (unlikely(!out || !netif_running(out) || !netif_carrier_ok(out))) {
		sbr_count_drop(port, SBR_DROP_DOWN);
		kfree_skb_reason(skb, SKB_DROP_REASON_DEV_READY);
		return RX_HANDLER_CONSUMED;
	}

	/* A packet tap may hold a reference: take our own copy to change. */
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb)) {
		sbr_count_drop(port, SBR_DROP_XMIT);
		return RX_HANDLER_CONSUMED;
	}

	skb_push(skb, ETH_HLEN);
	if (unlikely(!sbr_fits(out, skb))) {
		sbr_count_drop(port, SBR_DROP_MTU);
		kfree_skb_reason(skb, SKB_DROP_REASON_PKT_TOO_BIG);
		return RX_HANDLER_CONSUMED;
	}

	/* Forwarded, not received: the receive checksum and time stamp mean
	 * nothing on the way out. */
	rx_tstamp = skb_tstamp(skb);
	skb_forward_csum(skb);
	skb_clear_tstamp(skb);
	skb->dev = out;
	len = skb->len;

	direct = sbr_direct_dev(port, out);
	if (direct) {
		/* What veth_xmit() does, short of queueing and of counting:
		 * veth's counters are veth's own (their layout changed within
		 * 6.1), so, as with bpf_redirect_peer(), the port's tx (and
		 * so its peer's rx) counters do not see the frame; our
		 * "direct" counter does. */
		if (unlikely(__dev_forward_skb(direct, skb))) {
			sbr_count_drop(port, SBR_DROP_XMIT);
			return RX_HANDLER_CONSUMED;
		}
		/* netif_rx() would stamp it for the peer, if any socket wants
		 * time stamps; then it has one from its arrival here. */
		if (rx_tstamp)
			skb->tstamp = rx_tstamp;
		*pskb = skb;
		res = RX_HANDLER_ANOTHER;
	} else {
		ret = dev_queue_xmit(skb);
		if (unlikely(net_xmit_eval(ret))) {
			sbr_count_drop(port, SBR_DROP_XMIT);
			return RX_HANDLER_CONSUMED;
		}
		res = RX_HANDLER_CONSUMED;
	}

	s = this_cpu_ptr(port->stats);
	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->packets);
	u64_stats_add(&s->bytes, len);
	if (direct)
		u64_stats_inc(&s->direct);
	u64_stats_update_end(&s->syncp);
	return res;
}

void sbr_stats_read(const struct sbr_port *port, struct sbr_stats *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct sbr_pcpu_stats *s = per_cpu_ptr(port->stats, cpu);
		u64 packets, bytes, drop_mtu, drop_down, drop_xmit, direct;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			packets = u64_stats_read(&s->packets);
			bytes = u64_stats_read(&s->bytes);
			drop_mtu = u64_stats_read(&s->drop_mtu);
			drop_down = u64_stats_read(&s->drop_down);
			drop_xmit = u64_stats_read(&s->drop_xmit);
			direct = u64_stats_read(&s->direct);
		} while (u64_stats_fetch_retry(&s->syncp, start));

		sum->packets += packets;
		sum->bytes += bytes;
		sum->drop_mtu += drop_mtu;
		sum->drop_down += drop_down;
		sum->drop_xmit += drop_xmit;
		sum->direct += direct;
	}
}
