// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "shortbridge" (include/uapi/linux/shortbridge.h,
 * docs/shortbridge.yaml): NEW, DEL, GET (doit and a per-namespace dump),
 * and the "events" multicast group that announces joins made and taken
 * apart.
 */
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <linux/shortbridge.h>

#include "shortbridge.h"

/* A policy per command: an attribute a command does not take is refused
 * ("Unsupported attribute"), not ignored. */
static struct netlink_range_validation sbr_fd_range = {
	.max	= INT_MAX,
};

static const struct nla_policy sbr_new_policy[SHORTBRIDGE_A_NETNS_FD + 1] = {
	[SHORTBRIDGE_A_PORT_A]		= NLA_POLICY_MIN(NLA_U32, 1),
	[SHORTBRIDGE_A_PORT_B]		= NLA_POLICY_MIN(NLA_U32, 1),
	[SHORTBRIDGE_A_FLAGS]		=
		NLA_POLICY_MASK(NLA_U32, SHORTBRIDGE_F_CARRIER_FOLLOW),
	[SHORTBRIDGE_A_NETNS_FD]	=
		NLA_POLICY_FULL_RANGE(NLA_U32, &sbr_fd_range),
};

/* DEL and GET: one port. */
static const struct nla_policy sbr_port_policy[SHORTBRIDGE_A_PORT_A + 1] = {
	[SHORTBRIDGE_A_PORT_A]		= NLA_POLICY_MIN(NLA_U32, 1),
};

static struct genl_family sbr_genl_family;

/* Set under RTNL before the family goes: a join taken apart after that
 * (at module unload) is not announced, and no event can name a multicast
 * group the family no longer owns. */
static bool sbr_genl_closing;

enum sbr_mcgrp {
	SBR_MCGRP_EVENTS,
};

static const struct genl_multicast_group sbr_mcgrps[] = {
	/* Open to all, like GET. */
	[SBR_MCGRP_EVENTS] = { .name = SHORTBRIDGE_MCGRP_EVENTS },
};

static int sbr_put_stats(struct sk_buff *skb, int type,
			 const struct sbr_port *port)
{
	struct sbr_stats st;
	struct nlattr *nest;

	sbr_stats_read(port, &st);
	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, SHORTBRIDGE_STATS_PACKETS, st.packets,
			      SHORTBRIDGE_STATS_PAD) ||
	    nla_put_u64_64bit(skb, SHORTBRIDGE_STATS_BYTES, st.bytes,
			      SHORTBRIDGE_STATS_PAD) ||
	    nla_put_u64_64bit(skb, SHORTBRIDGE_STATS_DROP_MTU, st.drop_mtu,
			      SHORTBRIDGE_STATS_PAD) ||
	    nla_put_u64_64bit(skb, SHORTBRIDGE_STATS_DROP_DOWN, st.drop_down,
			      SHORTBRIDGE_STATS_PAD) ||
	    nla_put_u64_64bit(skb, SHORTBRIDGE_STATS_DROP_XMIT, st.drop_xmit,
			      SHORTBRIDGE_STATS_PAD) ||
	    nla_put_u64_64bit(skb, SHORTBRIDGE_STATS_DIRECT, st.direct,
			      SHORTBRIDGE_STATS_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* One join as a GET reply, dump entry or event (cmd).  RTNL held. */
static int sbr_fill_join(struct sk_buff *skb, const struct sbr_join *join,
			 u8 cmd, u32 portid, u32 seq, int flags)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &sbr_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, SHORTBRIDGE_A_PORT_A, join->port[0].dev->ifindex) ||
	    nla_put_u32(skb, SHORTBRIDGE_A_PORT_B, join->port[1].dev->ifindex) ||
	    nla_put_u32(skb, SHORTBRIDGE_A_FLAGS, join->flags) ||
	    sbr_put_stats(skb, SHORTBRIDGE_A_STATS_AB, &join->port[0]) ||
	    sbr_put_stats(skb, SHORTBRIDGE_A_STATS_BA, &join->port[1])) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* The join holding the device named by PORT_A.  RTNL held. */
static struct sbr_join *sbr_lookup(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[SHORTBRIDGE_A_PORT_A];
	struct net_device *dev;
	struct sbr_join *join;

	dev = __dev_get_by_index(genl_info_net(info), nla_get_u32(attr));
	if (!dev) {
		NL_SET_BAD_ATTR(info->extack, attr);
		NL_SET_ERR_MSG_MOD(info->extack, "no such device");
		return ERR_PTR(-ENODEV);
	}
	join = sbr_join_get_rtnl(dev);
	if (!join) {
		NL_SET_BAD_ATTR(info->extack, attr);
		NL_SET_ERR_MSG_MOD(info->extack,
				   "device is not a shortbridge port");
		return ERR_PTR(-ENOENT);
	}
	return join;
}

/*
 * Refuse a PORT_B namespace other than the socket's.  The caller must be
 * admin over the namespace it names before it learns anything about it,
 * whatever we do with it: a root of its own user namespace must not reach
 * the devices of a namespace it does not own, such as the initial one.
 */
static int sbr_check_netns(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[SHORTBRIDGE_A_NETNS_FD];
	struct net *net;
	bool same;

	if (!attr)
		return 0;
	net = get_net_ns_by_fd(nla_get_u32(attr));
	if (IS_ERR(net)) {
		NL_SET_BAD_ATTR(info->extack, attr);
		NL_SET_ERR_MSG_MOD(info->extack,
				   "not a network namespace file descriptor");
		return PTR_ERR(net);
	}
	if (!netlink_ns_capable(skb, net->user_ns, CAP_NET_ADMIN)) {
		put_net(net);
		NL_SET_BAD_ATTR(info->extack, attr);
		NL_SET_ERR_MSG_MOD(info->extack,
				   "no CAP_NET_ADMIN over the network namespace of NETNS_FD");
		return -EPERM;
	}
	same = net_eq(net, genl_info_net(info));
	put_net(net);
	if (!same) {
		NL_SET_BAD_ATTR(info->extack, attr);
		NL_SET_ERR_MSG_MOD(info->extack,
				   "devices are in different network namespaces");
		return -EXDEV;
	}
	return 0;
}

static int sbr_nl_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr_a = info->attrs[SHORTBRIDGE_A_PORT_A];
	struct nlattr *attr_b = info->attrs[SHORTBRIDGE_A_PORT_B];
	struct net *net = genl_info_net(info);
	struct net_device *a, *b;
	u32 flags = 0;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, SHORTBRIDGE_A_PORT_A)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "the first device (PORT_A) is missing");
		return -EINVAL;
	}
	if (GENL_REQ_ATTR_CHECK(info, SHORTBRIDGE_A_PORT_B)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "the second device (PORT_B) is missing");
		return -EINVAL;
	}
	if (info->attrs[SHORTBRIDGE_A_FLAGS])
		flags = nla_get_u32(info->attrs[SHORTBRIDGE_A_FLAGS]);
	err = sbr_check_netns(skb, info);
	if (err)
		return err;

	rtnl_lock();
	a = __dev_get_by_index(net, nla_get_u32(attr_a));
	b = __dev_get_by_index(net, nla_get_u32(attr_b));
	if (!a || !b) {
		NL_SET_BAD_ATTR(info->extack, a ? attr_b : attr_a);
		if (!a)
			NL_SET_ERR_MSG_MOD(info->extack,
					   "first device: no such device");
		else
			NL_SET_ERR_MSG_MOD(info->extack,
					   "second device: no such device");
		err = -ENODEV;
		goto out;
	}
	err = sbr_join_new(a, b, flags, attr_a, attr_b, info->extack);
out:
	rtnl_unlock();
	return err;
}

static int sbr_nl_del(struct sk_buff *skb, struct genl_info *info)
{
	struct sbr_join *join;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, SHORTBRIDGE_A_PORT_A)) {
		NL_SET_ERR_MSG_MOD(info->extack, "the device (PORT_A) is missing");
		return -EINVAL;
	}

	rtnl_lock();
	join = sbr_lookup(info);
	if (IS_ERR(join))
		err = PTR_ERR(join);
	else
		sbr_unjoin(join);
	rtnl_unlock();
	return err;
}

static int sbr_nl_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sbr_join *join;
	struct sk_buff *msg;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, SHORTBRIDGE_A_PORT_A)) {
		NL_SET_ERR_MSG_MOD(info->extack, "the device (PORT_A) is missing");
		return -EINVAL;
	}

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rtnl_lock();
	join = sbr_lookup(info);
	if (IS_ERR(join))
		err = PTR_ERR(join);
	else
		err = sbr_fill_join(msg, join, SHORTBRIDGE_CMD_GET,
				    info->snd_portid, info->snd_seq, 0);
	rtnl_unlock();

	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* cb->args[0]: how many of this namespace's joins were sent already. */
static int sbr_nl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	long skip = cb->args[0], n = 0;
	struct sbr_join *join;
	int err = 0;

	rtnl_lock();
	list_for_each_entry(join, &sbr_joins, list) {
		if (!net_eq(dev_net(join->port[0].dev), net))
			continue;
		if (n++ < skip)
			continue;
		err = sbr_fill_join(skb, join, SHORTBRIDGE_CMD_GET,
				    NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (err) {
			n--;
			break;
		}
	}
	rtnl_unlock();

	cb->args[0] = n;
	/* A full message ends this part of the dump; the next part starts
	 * where it stopped.  (A join deleted in between shifts the rest by
	 * one: a dump is no snapshot, as with rtnetlink.) */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ? err : skb->len;
}

/*
 * Tells the "events" group of the join's namespace that the join was made
 * (cmd NEW) or is being taken apart (cmd DEL, with its counters).  RTNL
 * held, so events reach listeners in the order the changes happened; a
 * message that cannot be allocated is reported to them as ENOBUFS, as
 * rtnetlink does, so that they know to dump again.
 */
void sbr_genl_notify(const struct sbr_join *join, u8 cmd)
{
	struct net *net = dev_net(join->port[0].dev);
	struct sk_buff *msg;

	ASSERT_RTNL();
	if (sbr_genl_closing ||
	    !genl_has_listeners(&sbr_genl_family, net, SBR_MCGRP_EVENTS))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		goto err;
	if (sbr_fill_join(msg, join, cmd, 0, 0, 0)) {
		nlmsg_free(msg);
		goto err;
	}
	genlmsg_multicast_netns(&sbr_genl_family, net, msg, 0, SBR_MCGRP_EVENTS,
				GFP_KERNEL);
	return;
err:
	genl_set_err(&sbr_genl_family, net, 0, SBR_MCGRP_EVENTS, -ENOBUFS);
}

/*
 * NEW and DEL need CAP_NET_ADMIN over the socket's namespace, both in the
 * socket opener's and in the sender's credentials (netlink_ns_capable()):
 * a join is of one namespace, like a bridge, which a user namespace's root
 * may also make in its own network namespace.  They act on that namespace
 * only; NETNS_FD, if given, needs the same over its namespace too.
 */
static const struct genl_ops sbr_genl_ops[] = {
	{
		.cmd	 = SHORTBRIDGE_CMD_NEW,
		.flags	 = GENL_UNS_ADMIN_PERM,
		.doit	 = sbr_nl_new,
		.policy	 = sbr_new_policy,
		.maxattr = ARRAY_SIZE(sbr_new_policy) - 1,
	},
	{
		.cmd	 = SHORTBRIDGE_CMD_DEL,
		.flags	 = GENL_UNS_ADMIN_PERM,
		.doit	 = sbr_nl_del,
		.policy	 = sbr_port_policy,
		.maxattr = ARRAY_SIZE(sbr_port_policy) - 1,
	},
	{
		/* Reading joins and counters is open to all, like
		 * "ip -s link". */
		.cmd	 = SHORTBRIDGE_CMD_GET,
		.doit	 = sbr_nl_get,
		.dumpit	 = sbr_nl_dump,
		.policy	 = sbr_port_policy,
		.maxattr = ARRAY_SIZE(sbr_port_policy) - 1,
	},
};

static struct genl_family sbr_genl_family __ro_after_init = {
	.name		= SHORTBRIDGE_GENL_NAME,
	.version	= SHORTBRIDGE_GENL_VERSION,
	.maxattr	= SHORTBRIDGE_A_MAX,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.ops		= sbr_genl_ops,
	.n_ops		= ARRAY_SIZE(sbr_genl_ops),
	.mcgrps		= sbr_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(sbr_mcgrps),
};

int __init sbr_genl_init(void)
{
	return genl_register_family(&sbr_genl_family);
}

void sbr_genl_exit(void)
{
	rtnl_lock();
	sbr_genl_closing = true;
	rtnl_unlock();
	genl_unregister_family(&sbr_genl_family);
}
