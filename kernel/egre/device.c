// SPDX-License-Identifier: GPL-2.0
/*
 * egre: the net_device (an Ethernet port whose wire is a GRE tunnel), its
 * ethtool statistics, and the rtnetlink link kind "egre".
 */
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/rtnetlink.h>
#include <linux/egre.h>

#include "egre.h"

const char egre_dev_drop_names[EGRE_DEV_DROP_MAX][ETH_GSTRING_LEN] = {
	[EGRE_DROP_BAD_CSUM]	= "rx_drop_bad_csum",
	[EGRE_DROP_OUT_OF_SEQ]	= "rx_drop_out_of_seq",
	[EGRE_DROP_RUNT]	= "rx_drop_runt",
	[EGRE_DROP_DOWN]	= "rx_drop_down",
	[EGRE_DROP_TOO_BIG]	= "tx_drop_too_big",
	[EGRE_DROP_NO_ROUTE]	= "tx_drop_no_route",
};

#define EGRE_FEATURES (NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HIGHDMA | \
		       NETIF_F_HW_CSUM | NETIF_F_GSO_SOFTWARE)

static int egre_dev_init(struct net_device *dev)
{
	struct egre_tunnel *t = netdev_priv(dev);
	int err, cpu;

	t->early = alloc_percpu(struct egre_early_pcpu);
	if (!t->early)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		per_cpu_ptr(t->early, cpu)->sample6 = -1;
	t->drops = alloc_percpu(struct egre_dev_drops);
	if (!t->drops) {
		err = -ENOMEM;
		goto err_drops;
	}
	err = dst_cache_init(&t->dst_cache, GFP_KERNEL);
	if (err)
		goto err_dst;
	err = gro_cells_init(&t->gro_cells, dev);
	if (err)
		goto err_gro;
	return 0;

err_gro:
	dst_cache_destroy(&t->dst_cache);
err_dst:
	free_percpu(t->drops);
err_drops:
	free_percpu(t->early);
	return err;
}

/* Called once the device is unregistered and no transmitter or receiver
 * can still be using it. */
static void egre_dev_free(struct net_device *dev)
{
	struct egre_tunnel *t = netdev_priv(dev);

	gro_cells_destroy(&t->gro_cells);
	dst_cache_destroy(&t->dst_cache);
	free_percpu(t->drops);
	free_percpu(t->early);
}

static int egre_get_iflink(const struct net_device *dev)
{
	const struct egre_tunnel *t = netdev_priv(dev);

	return READ_ONCE(t->link);
}

static const struct net_device_ops egre_netdev_ops = {
	.ndo_init		= egre_dev_init,
	.ndo_start_xmit		= egre_xmit,
	.ndo_features_check	= egre_features_check,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_get_stats64	= dev_get_tstats64,
	.ndo_get_iflink		= egre_get_iflink,
};

static void egre_get_drvinfo(struct net_device *dev,
			     struct ethtool_drvinfo *info)
{
	strscpy(info->driver, KBUILD_MODNAME, sizeof(info->driver));
}

/* ethtool -S: the drop counters, then the packets received early. */
static int egre_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? EGRE_DEV_DROP_MAX + 1 : -EOPNOTSUPP;
}

static void egre_get_strings(struct net_device *dev, u32 sset, u8 *buf)
{
	if (sset != ETH_SS_STATS)
		return;
	memcpy(buf, egre_dev_drop_names, sizeof(egre_dev_drop_names));
	strscpy(buf + sizeof(egre_dev_drop_names), "rx_early", ETH_GSTRING_LEN);
}

static void egre_get_ethtool_stats(struct net_device *dev,
				   struct ethtool_stats *stats, u64 *data)
{
	struct egre_tunnel *t = netdev_priv(dev);
	int i, cpu;

	memset(data, 0, (EGRE_DEV_DROP_MAX + 1) * sizeof(*data));
	for_each_possible_cpu(cpu) {
		for (i = 0; i < EGRE_DEV_DROP_MAX; i++)
			data[i] += per_cpu_ptr(t->drops, cpu)->n[i];
		data[i] += per_cpu_ptr(t->early, cpu)->rx;
	}
}

static const struct ethtool_ops egre_ethtool_ops = {
	.get_drvinfo		= egre_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= egre_get_sset_count,
	.get_strings		= egre_get_strings,
	.get_ethtool_stats	= egre_get_ethtool_stats,
};

static void egre_setup(struct net_device *dev)
{
	struct egre_tunnel *t = netdev_priv(dev);

	ether_setup(dev);
	dev->netdev_ops = &egre_netdev_ops;
	dev->ethtool_ops = &egre_ethtool_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = egre_dev_free;
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;

	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE;
	/* The tunnel is bound to the namespace of its underlay: a slice that
	 * is handed the device must not be able to take it along. */
	dev->features |= EGRE_FEATURES | NETIF_F_LLTX | NETIF_F_NETNS_LOCAL;
	dev->hw_features |= EGRE_FEATURES;
	dev->hw_enc_features |= EGRE_FEATURES;
	/* Outer IPv4 + the longest GRE header + the underlay's Ethernet. */
	dev->needed_headroom = sizeof(struct iphdr) + 16 + ETH_HLEN + 2;

	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = IP_MAX_MTU - EGRE_MAX_ENCAP_LEN;

	/* Keep the inner route on the skb until egre_xmit, which needs it to
	 * answer a too-big packet with ICMP. */
	netif_keep_dst(dev);
	eth_hw_addr_random(dev);
	INIT_HLIST_NODE(&t->hash);
	t->early_key = -1;
}

/* rtnetlink parses link data with the deprecated (liberal) parser:
 * strict_start_type makes it refuse attributes of the wrong length, and
 * egre_validate refuses the attribute types it does not know. */
static const struct nla_policy egre_policy[IFLA_EGRE_MAX + 1] = {
	[0]			= { .strict_start_type = IFLA_EGRE_LOCAL },
	[IFLA_EGRE_LOCAL]	= { .type = NLA_BE32 },
	[IFLA_EGRE_REMOTE]	= { .type = NLA_BE32 },
	[IFLA_EGRE_KEY]		= { .type = NLA_U32 },
	[IFLA_EGRE_LINK]	= { .type = NLA_U32 },
	[IFLA_EGRE_TTL]		= { .type = NLA_U8 },
	[IFLA_EGRE_TOS]		= { .type = NLA_U8 },
	[IFLA_EGRE_TOS_INHERIT]	= NLA_POLICY_MAX(NLA_U8, 1),
	[IFLA_EGRE_PMTUDISC]	= NLA_POLICY_MAX(NLA_U8, 1),
	[IFLA_EGRE_CSUM]	= NLA_POLICY_MAX(NLA_U8, 1),
	[IFLA_EGRE_SEQ]		= NLA_POLICY_MAX(NLA_U8, 1),
	[IFLA_EGRE_LOCAL6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[IFLA_EGRE_REMOTE6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

static bool egre_addr_ok(__be32 addr)
{
	return !ipv4_is_zeronet(addr) && !ipv4_is_multicast(addr) &&
	       !ipv4_is_lbcast(addr);
}

/* Unicast and not loopback or v4-mapped: IPv6 input drops such packets
 * before any handler sees them. */
static bool egre_addr6_ok(const struct in6_addr *addr)
{
	int type = ipv6_addr_type(addr);

	return !(type & (IPV6_ADDR_MULTICAST | IPV6_ADDR_LOOPBACK |
			 IPV6_ADDR_MAPPED)) && type != IPV6_ADDR_ANY;
}

static int egre_validate6(struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	struct in6_addr addr;

	if (data[IFLA_EGRE_LOCAL] || data[IFLA_EGRE_REMOTE]) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_EGRE_LOCAL] ?:
				    data[IFLA_EGRE_REMOTE],
				    "IPv4 and IPv6 underlay addresses cannot be mixed");
		return -EINVAL;
	}
	if (data[IFLA_EGRE_LOCAL6]) {
		addr = nla_get_in6_addr(data[IFLA_EGRE_LOCAL6]);
		if (!egre_addr6_ok(&addr)) {
			NL_SET_ERR_MSG_ATTR(extack, data[IFLA_EGRE_LOCAL6],
					    "local address must be a unicast address");
			return -EINVAL;
		}
	}
	if (data[IFLA_EGRE_REMOTE6]) {
		addr = nla_get_in6_addr(data[IFLA_EGRE_REMOTE6]);
		if (!egre_addr6_ok(&addr)) {
			NL_SET_ERR_MSG_ATTR(extack, data[IFLA_EGRE_REMOTE6],
					    "remote address must be a unicast address");
			return -EINVAL;
		}
	}
	/* ip6gretap never fragments its own packets either. */
	if (data[IFLA_EGRE_PMTUDISC] && !nla_get_u8(data[IFLA_EGRE_PMTUDISC])) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_EGRE_PMTUDISC],
				    "an IPv6 underlay always does path MTU discovery");
		return -EINVAL;
	}
	return 0;
}

static int egre_validate(struct nlattr *tb[], struct nlattr *data[],
			 struct netlink_ext_ack *extack)
{
	const struct nlattr *info;
	int err;

	if (!data)
		return 0;
	info = tb[IFLA_LINKINFO] ?
	       nla_find_nested(tb[IFLA_LINKINFO], IFLA_INFO_DATA) : NULL;
	if (info) {
		/* Sets its own message: unknown type, bad length, ... */
		err = nla_validate_nested(info, IFLA_EGRE_MAX, egre_policy,
					  extack);
		if (err)
			return err;
	}
	if (data[IFLA_EGRE_LOCAL6] || data[IFLA_EGRE_REMOTE6])
		return egre_validate6(data, extack);
	if (data[IFLA_EGRE_LOCAL] &&
	    !egre_addr_ok(nla_get_in_addr(data[IFLA_EGRE_LOCAL]))) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_EGRE_LOCAL],
				    "local address must be a unicast address");
		return -EINVAL;
	}
	if (data[IFLA_EGRE_REMOTE] &&
	    !egre_addr_ok(nla_get_in_addr(data[IFLA_EGRE_REMOTE]))) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_EGRE_REMOTE],
				    "remote address must be a unicast address");
		return -EINVAL;
	}
	return 0;
}

static u32 egre_cfg_parse(struct nlattr *data[], u32 cfg)
{
	static const struct {
		int attr;
		u32 bit;
	} flags[] = {
		{ IFLA_EGRE_TOS_INHERIT,	EGRE_CFG_TOS_INHERIT },
		{ IFLA_EGRE_PMTUDISC,		EGRE_CFG_PMTUDISC },
		{ IFLA_EGRE_CSUM,		EGRE_CFG_CSUM },
		{ IFLA_EGRE_SEQ,		EGRE_CFG_SEQ },
	};
	int i;

	if (!data)
		return cfg;
	if (data[IFLA_EGRE_TTL])
		cfg = (cfg & ~EGRE_CFG_TTL_MASK) | nla_get_u8(data[IFLA_EGRE_TTL]);
	if (data[IFLA_EGRE_TOS])
		cfg = (cfg & ~EGRE_CFG_TOS_MASK) |
		      (u32)nla_get_u8(data[IFLA_EGRE_TOS]) << EGRE_CFG_TOS_SHIFT;
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		if (!data[flags[i].attr])
			continue;
		if (nla_get_u8(data[flags[i].attr]))
			cfg |= flags[i].bit;
		else
			cfg &= ~flags[i].bit;
	}
	return cfg;
}

static int egre_underlay_mtu6(const struct egre_tunnel *t)
{
	struct flowi6 fl6 = {
		.daddr		= t->remote6,
		.saddr		= t->local6,
		.flowi6_proto	= IPPROTO_GRE,
	};
	int mtu = ETH_DATA_LEN;
	struct dst_entry *dst;

	dst = ip6_route_output(t->net, NULL, &fl6);
	if (!dst->error && dst->dev != t->dev)
		mtu = dst->dev->mtu;
	dst_release(dst);
	return mtu;
}

/* The MTU of the device the tunnel's packets leave by: the bound underlay,
 * or wherever the route to the remote end points. */
static int egre_underlay_mtu(const struct egre_tunnel *t)
{
	struct net_device *tdev = NULL;
	int mtu = ETH_DATA_LEN;
	struct flowi4 fl4 = {};
	struct rtable *rt;

	if (t->link) {
		tdev = __dev_get_by_index(t->net, t->link);
		return tdev ? tdev->mtu : mtu;
	}
	if (t->cfg & EGRE_CFG_V6)
		return egre_underlay_mtu6(t);
	fl4.daddr = t->remote;
	fl4.saddr = t->local;
	fl4.flowi4_proto = IPPROTO_GRE;
	rt = ip_route_output_key(t->net, &fl4);
	if (!IS_ERR(rt)) {
		if (rt->dst.dev != t->dev)
			mtu = rt->dst.dev->mtu;
		ip_rt_put(rt);
	}
	return mtu;
}

static int egre_default_mtu(const struct egre_tunnel *t, u32 cfg)
{
	int mtu = egre_underlay_mtu(t) - egre_encap_len(cfg);

	return clamp_t(int, mtu, ETH_MIN_MTU, t->dev->max_mtu);
}

/* Carrier follows the bound underlay: administratively up and with carrier.
 * (Not netif_oper_up(): the operstate lags behind, updated later by
 * linkwatch, and no event follows when a device that is down settles.) */
static void egre_sync_carrier(struct egre_tunnel *t, struct net_device *underlay)
{
	if (!underlay ||
	    ((underlay->flags & IFF_UP) && netif_carrier_ok(underlay)))
		netif_carrier_on(t->dev);
	else
		netif_carrier_off(t->dev);
}

static struct egre_tunnel *egre_find(struct egre_net *en, __be32 remote,
				     __be32 local, u32 key)
{
	struct egre_tunnel *t;

	ASSERT_RTNL();
	hash_for_each_possible(en->tunnels[EGRE_V4], t, hash,
			       egre_hash(remote, local, key))
		if (t->remote == remote && t->local == local && t->key == key)
			return t;
	return NULL;
}

static struct egre_tunnel *egre_find6(struct egre_net *en,
				      const struct in6_addr *remote,
				      const struct in6_addr *local, u32 key)
{
	struct egre_tunnel *t;

	ASSERT_RTNL();
	hash_for_each_possible(en->tunnels[EGRE_V6], t, hash,
			       egre_hash6(remote, local, key))
		if (ipv6_addr_equal(&t->remote6, remote) &&
		    ipv6_addr_equal(&t->local6, local) && t->key == key)
			return t;
	return NULL;
}

/* Reads the addresses of a new tunnel, and refuses a duplicate. */
static int egre_new_addrs(struct egre_tunnel *t, struct egre_net *en,
			  struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	bool dup;

	if (data[IFLA_EGRE_LOCAL6] && data[IFLA_EGRE_REMOTE6]) {
		t->local6 = nla_get_in6_addr(data[IFLA_EGRE_LOCAL6]);
		t->remote6 = nla_get_in6_addr(data[IFLA_EGRE_REMOTE6]);
		t->cfg |= EGRE_CFG_V6;
		dup = egre_find6(en, &t->remote6, &t->local6, t->key);
	} else if (data[IFLA_EGRE_LOCAL] && data[IFLA_EGRE_REMOTE]) {
		t->local = nla_get_in_addr(data[IFLA_EGRE_LOCAL]);
		t->remote = nla_get_in_addr(data[IFLA_EGRE_REMOTE]);
		dup = egre_find(en, t->remote, t->local, t->key);
	} else {
		NL_SET_ERR_MSG_MOD(extack, "local, remote and key are required");
		return -EINVAL;
	}
	if (dup) {
		NL_SET_ERR_MSG_MOD(extack,
				   "a tunnel with this local, remote and key already exists");
		return -EEXIST;
	}
	return 0;
}

static int egre_newlink(struct net *src_net, struct net_device *dev,
			struct nlattr *tb[], struct nlattr *data[],
			struct netlink_ext_ack *extack)
{
	struct egre_tunnel *t = netdev_priv(dev);
	struct net_device *underlay = NULL;
	struct net *net = dev_net(dev);
	struct egre_net *en;
	int err;

	if (!data || !data[IFLA_EGRE_KEY]) {
		NL_SET_ERR_MSG_MOD(extack, "local, remote and key are required");
		return -EINVAL;
	}

	t->dev = dev;
	t->net = net;
	t->key = nla_get_u32(data[IFLA_EGRE_KEY]);
	t->link = data[IFLA_EGRE_LINK] ? nla_get_u32(data[IFLA_EGRE_LINK]) : 0;
	t->cfg = egre_cfg_parse(data, EGRE_DEFAULT_TTL | EGRE_CFG_PMTUDISC);

	en = egre_pernet(net);
	err = egre_new_addrs(t, en, data, extack);
	if (err)
		return err;
	if (t->link) {
		underlay = __dev_get_by_index(net, t->link);
		if (!underlay) {
			NL_SET_ERR_MSG_ATTR(extack, data[IFLA_EGRE_LINK],
					    "underlay device does not exist");
			return -ENODEV;
		}
		/* Its state and deletion are not followed (egre's own
		 * events are ignored), and GRE in GRE gains nothing. */
		if (underlay->rtnl_link_ops == &egre_link_ops) {
			NL_SET_ERR_MSG_ATTR(extack, data[IFLA_EGRE_LINK],
					    "underlay cannot be an egre device");
			return -EINVAL;
		}
	}

	if (t->cfg & EGRE_CFG_V6) {
		dev->needed_headroom = EGRE_MAX_ENCAP_LEN6 + 2;
		dev->max_mtu = IP_MAX_MTU - EGRE_MAX_ENCAP_LEN6;
		/* The core checked IFLA_MTU against the IPv4 maximum. */
		if (dev->mtu > dev->max_mtu) {
			NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_MTU],
					    "MTU too large for an IPv6 underlay");
			return -EINVAL;
		}
	}
	if (!tb[IFLA_MTU])
		dev->mtu = egre_default_mtu(t, t->cfg);

	err = register_netdevice(dev);
	if (err)
		return err;

	if (t->cfg & EGRE_CFG_V6)
		hash_add_rcu(en->tunnels[EGRE_V6], &t->hash,
			     egre_hash6(&t->remote6, &t->local6, t->key));
	else
		hash_add_rcu(en->tunnels[EGRE_V4], &t->hash,
			     egre_hash(t->remote, t->local, t->key));
	egre_sync_carrier(t, underlay);
	if (underlay)
		egre_underlay_hold(underlay);
	return 0;
}

/* Whether the identity attributes of a change request, those present, are
 * the tunnel's own.  An address of the other family never is. */
static bool egre_same_identity(const struct egre_tunnel *t,
			       struct nlattr *data[])
{
	bool v6 = t->cfg & EGRE_CFG_V6;
	struct in6_addr a;

	if (data[IFLA_EGRE_LOCAL] &&
	    (v6 || nla_get_in_addr(data[IFLA_EGRE_LOCAL]) != t->local))
		return false;
	if (data[IFLA_EGRE_REMOTE] &&
	    (v6 || nla_get_in_addr(data[IFLA_EGRE_REMOTE]) != t->remote))
		return false;
	if (data[IFLA_EGRE_LOCAL6]) {
		a = nla_get_in6_addr(data[IFLA_EGRE_LOCAL6]);
		if (!v6 || !ipv6_addr_equal(&a, &t->local6))
			return false;
	}
	if (data[IFLA_EGRE_REMOTE6]) {
		a = nla_get_in6_addr(data[IFLA_EGRE_REMOTE6]);
		if (!v6 || !ipv6_addr_equal(&a, &t->remote6))
			return false;
	}
	return !(data[IFLA_EGRE_KEY] &&
		 nla_get_u32(data[IFLA_EGRE_KEY]) != t->key) &&
	       !(data[IFLA_EGRE_LINK] &&
		 nla_get_u32(data[IFLA_EGRE_LINK]) != (u32)t->link);
}

static int egre_changelink(struct net_device *dev, struct nlattr *tb[],
			   struct nlattr *data[],
			   struct netlink_ext_ack *extack)
{
	struct egre_tunnel *t = netdev_priv(dev);
	int underlay_mtu, old_len, new_len;
	u32 cfg;

	if (!data)
		return 0;
	if (!egre_same_identity(t, data)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "local, remote, key and underlay identify a tunnel and cannot change; delete and re-create it");
		return -EINVAL;
	}
	if ((t->cfg & EGRE_CFG_V6) && data[IFLA_EGRE_PMTUDISC] &&
	    !nla_get_u8(data[IFLA_EGRE_PMTUDISC])) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_EGRE_PMTUDISC],
				    "an IPv6 underlay always does path MTU discovery");
		return -EINVAL;
	}

	cfg = egre_cfg_parse(data, t->cfg);
	old_len = egre_encap_len(t->cfg);
	new_len = egre_encap_len(cfg);
	if (new_len != old_len) {
		/* A device left at its default MTU keeps the default; any MTU
		 * the new headers no longer fit under is lowered. */
		underlay_mtu = egre_underlay_mtu(t);
		if (dev->mtu == underlay_mtu - old_len ||
		    dev->mtu > underlay_mtu - new_len) {
			int err = dev_set_mtu(dev, egre_default_mtu(t, cfg));

			if (err) {
				NL_SET_ERR_MSG_MOD(extack, "cannot adjust the MTU to the new header length");
				return err;
			}
		}
	}

	if ((cfg & EGRE_CFG_SEQ) && !(t->cfg & EGRE_CFG_SEQ))
		atomic64_set(&t->i_seq, 0);
	WRITE_ONCE(t->cfg, cfg);
	/* The TOS is part of the cached route's key. */
	dst_cache_reset(&t->dst_cache);
	return 0;
}

static void egre_dellink(struct net_device *dev, struct list_head *head)
{
	struct egre_tunnel *t = netdev_priv(dev);
	struct net_device *underlay;

	/* Receivers that still see the tunnel finish before the device is
	 * freed: unregistering waits for an RCU grace period. */
	hash_del_rcu(&t->hash);
	underlay = t->link ? __dev_get_by_index(t->net, t->link) : NULL;
	if (underlay)
		egre_underlay_release(underlay);
	unregister_netdevice_queue(dev, head);
}

static size_t egre_get_size(const struct net_device *dev)
{
	/* IFLA_EGRE_LOCAL and _REMOTE, or their IPv6 counterparts */
	return 2 * nla_total_size(sizeof(struct in6_addr)) +
	       nla_total_size(4) +	/* IFLA_EGRE_KEY */
	       nla_total_size(4) +	/* IFLA_EGRE_LINK */
	       nla_total_size(1) +	/* IFLA_EGRE_TTL */
	       nla_total_size(1) +	/* IFLA_EGRE_TOS */
	       nla_total_size(1) +	/* IFLA_EGRE_TOS_INHERIT */
	       nla_total_size(1) +	/* IFLA_EGRE_PMTUDISC */
	       nla_total_size(1) +	/* IFLA_EGRE_CSUM */
	       nla_total_size(1);	/* IFLA_EGRE_SEQ */
}

static int egre_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	const struct egre_tunnel *t = netdev_priv(dev);
	u32 cfg = READ_ONCE(t->cfg);

	if (cfg & EGRE_CFG_V6) {
		if (nla_put_in6_addr(skb, IFLA_EGRE_LOCAL6, &t->local6) ||
		    nla_put_in6_addr(skb, IFLA_EGRE_REMOTE6, &t->remote6))
			goto nla_put_failure;
	} else if (nla_put_in_addr(skb, IFLA_EGRE_LOCAL, t->local) ||
		   nla_put_in_addr(skb, IFLA_EGRE_REMOTE, t->remote)) {
		goto nla_put_failure;
	}
	if (nla_put_u32(skb, IFLA_EGRE_KEY, t->key) ||
	    nla_put_u32(skb, IFLA_EGRE_LINK, READ_ONCE(t->link)) ||
	    nla_put_u8(skb, IFLA_EGRE_TTL, egre_cfg_ttl(cfg)) ||
	    nla_put_u8(skb, IFLA_EGRE_TOS, egre_cfg_tos(cfg)) ||
	    nla_put_u8(skb, IFLA_EGRE_TOS_INHERIT, !!(cfg & EGRE_CFG_TOS_INHERIT)) ||
	    nla_put_u8(skb, IFLA_EGRE_PMTUDISC, !!(cfg & EGRE_CFG_PMTUDISC)) ||
	    nla_put_u8(skb, IFLA_EGRE_CSUM, !!(cfg & EGRE_CFG_CSUM)) ||
	    nla_put_u8(skb, IFLA_EGRE_SEQ, !!(cfg & EGRE_CFG_SEQ)))
		goto nla_put_failure;
	return 0;

nla_put_failure:
	return -EMSGSIZE;
}

struct rtnl_link_ops egre_link_ops __read_mostly = {
	.kind		= EGRE_KIND,
	.maxtype	= IFLA_EGRE_MAX,
	.policy		= egre_policy,
	.priv_size	= sizeof(struct egre_tunnel),
	.setup		= egre_setup,
	.validate	= egre_validate,
	.newlink	= egre_newlink,
	.changelink	= egre_changelink,
	.dellink	= egre_dellink,
	.get_size	= egre_get_size,
	.fill_info	= egre_fill_info,
};

/* Netdevice notifier (RTNL held): the underlay of some tunnels changed
 * state.  An egre device is no tunnel's underlay (egre_newlink refuses
 * it), so its own events are skipped. */
void egre_underlay_state(struct net_device *underlay)
{
	struct egre_net *en = egre_pernet(dev_net(underlay));
	struct egre_tunnel *t;
	int bkt, fam;

	if (underlay->rtnl_link_ops == &egre_link_ops)
		return;
	egre_for_each_tunnel(en, fam, bkt, t)
		if (t->link == underlay->ifindex)
			egre_sync_carrier(t, underlay);
}

/* Netdevice notifier (RTNL held): the underlay is going away.  Its tunnels
 * stay, unbound and with carrier down, until they are deleted. */
void egre_unlink_underlay(struct net_device *underlay)
{
	struct egre_net *en = egre_pernet(dev_net(underlay));
	struct egre_tunnel *t;
	int bkt, fam;

	if (underlay->rtnl_link_ops == &egre_link_ops)
		return;
	egre_for_each_tunnel(en, fam, bkt, t) {
		if (t->link != underlay->ifindex)
			continue;
		netif_carrier_off(t->dev);
		WRITE_ONCE(t->link, 0);
		dst_cache_reset(&t->dst_cache);
	}
	egre_underlay_release(underlay);
}
