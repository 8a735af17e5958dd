// SPDX-License-Identifier: GPL-2.0
/*
 * egre: module init and exit, per-network-namespace state (the tunnel hash
 * table and the drop counters of packets no tunnel claimed), /proc/net/egre,
 * and the underlay device notifier.
 */
#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include <net/ipv6.h>
#include <net/protocol.h>
#include <net/rtnetlink.h>
#include <linux/egre.h>

#include "egre.h"

unsigned int egre_net_id __read_mostly;
static u32 egre_hash_seed __read_mostly;

const char egre_net_drop_names[EGRE_NET_DROP_MAX][ETH_GSTRING_LEN] = {
	[EGRE_NET_TRUNCATED]	= "truncated",
	[EGRE_NET_BAD_VERSION]	= "bad_version",
	[EGRE_NET_BAD_FLAGS]	= "bad_flags",
	[EGRE_NET_NO_KEY]	= "no_key",
	[EGRE_NET_BAD_PROTO]	= "bad_proto",
	[EGRE_NET_UNKNOWN_KEY]	= "unknown_key",
};

u32 egre_hash(__be32 remote, __be32 local, u32 key)
{
	return jhash_3words((__force u32)remote, (__force u32)local, key,
			    egre_hash_seed);
}

u32 egre_hash6(const struct in6_addr *remote, const struct in6_addr *local,
	       u32 key)
{
	return jhash2(remote->s6_addr32, 4,
		      jhash2(local->s6_addr32, 4, key ^ egre_hash_seed));
}

/* /proc/net/egre: one "name value" line per namespace-wide drop reason. */
static int egre_proc_show(struct seq_file *seq, void *v)
{
	struct egre_net *en = egre_pernet(seq_file_single_net(seq));
	unsigned long sum[EGRE_NET_DROP_MAX] = {};
	int i, cpu;

	for_each_possible_cpu(cpu)
		for (i = 0; i < EGRE_NET_DROP_MAX; i++)
			sum[i] += per_cpu_ptr(en->drops, cpu)->n[i];
	for (i = 0; i < EGRE_NET_DROP_MAX; i++)
		seq_printf(seq, "%s %lu\n", egre_net_drop_names[i], sum[i]);
	return 0;
}

static int __net_init egre_net_init(struct net *net)
{
	struct egre_net *en = egre_pernet(net);

	hash_init(en->tunnels[EGRE_V4]);
	hash_init(en->tunnels[EGRE_V6]);
	en->drops = alloc_percpu(struct egre_net_drops);
	if (!en->drops)
		return -ENOMEM;
	if (!proc_create_net_single("egre", 0444, net->proc_net,
				    egre_proc_show, NULL)) {
		free_percpu(en->drops);
		return -ENOMEM;
	}
	return 0;
}

/* A subsystem's exit runs after every device of the namespace is gone
 * (default_device_exit_batch), so no receiver can still count a drop. */
static void __net_exit egre_net_exit(struct net *net)
{
	remove_proc_entry("egre", net->proc_net);
	free_percpu(egre_pernet(net)->drops);
}

static struct pernet_operations egre_net_ops = {
	.init		= egre_net_init,
	.exit		= egre_net_exit,
	.id		= &egre_net_id,
	.size		= sizeof(struct egre_net),
};

/* Runs before the core's default_device_exit_batch, so the tunnels are gone
 * before anything they use (underlay devices, routes) is torn down. */
static void __net_exit egre_net_exit_batch(struct list_head *net_list)
{
	struct egre_tunnel *t;
	struct hlist_node *n;
	int bkt, fam;
	struct net *net;
	LIST_HEAD(list);

	rtnl_lock();
	list_for_each_entry(net, net_list, exit_list)
		for (fam = 0; fam < EGRE_FAMILIES; fam++)
			hash_for_each_safe(egre_pernet(net)->tunnels[fam], bkt,
					   n, t, hash)
				egre_link_ops.dellink(t->dev, &list);
	unregister_netdevice_many(&list);
	rtnl_unlock();
}

static struct pernet_operations egre_net_dev_ops = {
	.exit_batch	= egre_net_exit_batch,
};

/* Follow the underlay named by IFLA_EGRE_LINK: carrier follows its state,
 * and the binding is dropped when it goes away. */
static int egre_netdev_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	switch (event) {
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		egre_underlay_state(dev);
		break;
	case NETDEV_UNREGISTER:
		egre_unlink_underlay(dev);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block egre_notifier = {
	.notifier_call = egre_netdev_event,
};

static const struct net_protocol egre_protocol = {
	.handler	= egre_rcv,
	.err_handler	= egre_err,
};

/* As ip6_gre's: xfrm policy is checked before the handler. */
static const struct inet6_protocol egre_protocol6 = {
	.handler	= egre_rcv6,
	.err_handler	= egre_err6,
	.flags		= INET6_PROTO_FINAL,
};

static int __init egre_init(void)
{
	int err;

	get_random_bytes(&egre_hash_seed, sizeof(egre_hash_seed));

	err = register_pernet_subsys(&egre_net_ops);
	if (err)
		goto err_pernet;

	err = register_pernet_device(&egre_net_dev_ops);
	if (err)
		goto err_pernet_dev;

	err = register_netdevice_notifier(&egre_notifier);
	if (err)
		goto err_notifier;

	err = rtnl_link_register(&egre_link_ops);
	if (err)
		goto err_link;

	/* GRE has one receive handler per kernel.  Owning protocol 47 ourselves
	 * (rather than a version slot of gre.ko's demultiplexer) lets us see,
	 * and count, every GRE packet, including the versions gre.ko would
	 * drop silently. */
	if (inet_add_protocol(&egre_protocol, IPPROTO_GRE) < 0) {
		pr_err("IP protocol 47 (GRE) is already registered, probably by the gre module used by ip_gre; run 'modprobe -r ip_gre gre' first\n");
		err = -EBUSY;
		goto err_protocol;
	}
	/* The same for IPv6 next header 47, which ip6_gre registers itself. */
	if (inet6_add_protocol(&egre_protocol6, IPPROTO_GRE) < 0) {
		pr_err("IPv6 next header 47 (GRE) is already registered, probably by ip6_gre; run 'modprobe -r ip6_gre' first\n");
		err = -EBUSY;
		goto err_protocol6;
	}

	pr_info("Ethernet over GRE tunnels loaded\n");
	return 0;

err_protocol6:
	inet_del_protocol(&egre_protocol, IPPROTO_GRE);
err_protocol:
	rtnl_link_unregister(&egre_link_ops);
err_link:
	unregister_netdevice_notifier(&egre_notifier);
err_notifier:
	unregister_pernet_device(&egre_net_dev_ops);
err_pernet_dev:
	unregister_pernet_subsys(&egre_net_ops);
err_pernet:
	return err;
}

static void __exit egre_exit(void)
{
	/* No new packets reach egre_rcv once this returns: it waits for the
	 * receivers in flight (synchronize_net). */
	inet6_del_protocol(&egre_protocol6, IPPROTO_GRE);
	inet_del_protocol(&egre_protocol, IPPROTO_GRE);
	/* Deletes every egre device in every namespace; unregistering a device
	 * waits for its transmitters and its GRO cells to finish. */
	rtnl_link_unregister(&egre_link_ops);
	unregister_netdevice_notifier(&egre_notifier);
	unregister_pernet_device(&egre_net_dev_ops);
	unregister_pernet_subsys(&egre_net_ops);
	/* dst_cache and device frees may still be queued behind RCU. */
	rcu_barrier();
}

module_init(egre_init);
module_exit(egre_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Ethernet over GRE tunnel devices");
MODULE_AUTHOR("Trellis");
/* No MODULE_ALIAS_RTNL_LINK: root of any user namespace could then load
 * egre, which takes IP protocol 47 from every namespace.  Loading it is the
 * administrator's decision (modprobe, /etc/modules-load.d). */
