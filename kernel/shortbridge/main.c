// SPDX-License-Identifier: GPL-2.0
/*
 * shortbridge: joins exactly two Ethernet devices; every frame received on
 * one is transmitted, unchanged, out of the other.  Module init and exit,
 * and the netdevice notifier that follows the ports' life and link state.
 */
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <linux/shortbridge.h>

#include "shortbridge.h"

static int sbr_netdev_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct sbr_join *join;

	/* Notifiers run under RTNL, as do all changes to joins. */
	join = sbr_join_get_rtnl(dev);
	if (!join)
		return NOTIFY_DONE;

	switch (event) {
	case NETDEV_UNREGISTER:
		/* Deleted, its namespace dismantled, or moved to another
		 * namespace: the join goes, the other port stays. */
		sbr_unjoin(join);
		break;
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		if (join->flags & SHORTBRIDGE_F_CARRIER_FOLLOW)
			sbr_carrier_sync(join);
		break;
	case NETDEV_PRE_TYPE_CHANGE:
		/* A bond turning a port into a non-Ethernet device. */
		return notifier_from_errno(-EBUSY);
	}
	return NOTIFY_DONE;
}

static struct notifier_block sbr_notifier = {
	.notifier_call = sbr_netdev_event,
};

static int __init sbr_init(void)
{
	int err;

	/* The notifier first: a join can exist only once the family is
	 * registered, and must never exist without the notifier. */
	err = register_netdevice_notifier(&sbr_notifier);
	if (err)
		goto err_notifier;
	err = sbr_genl_init();
	if (err)
		goto err_genl;
	return 0;

err_genl:
	unregister_netdevice_notifier(&sbr_notifier);
err_notifier:
	return err;
}

/*
 * Unloading with joins present.  The order matters:
 * 1. the family goes first, so no request can make a new join (unregistering
 *    waits for requests being handled; a dump in progress holds a module
 *    reference and so prevents the unload altogether), and no join taken
 *    apart from then on is announced;
 * 2. every join is taken apart under RTNL: this unregisters our rx handlers,
 *    each with synchronize_net(), so no CPU is in sbr_handle_frame() after;
 *    the notifier is still there and, holding RTNL too, cannot race with us;
 * 3. the notifier goes: with no joins, it has nothing left to do;
 * 4. rcu_barrier() waits for the join frees queued with call_rcu(), whose
 *    callback is code of this module.
 */
static void __exit sbr_exit(void)
{
	sbr_genl_exit();
	rtnl_lock();
	sbr_unjoin_all();
	rtnl_unlock();
	unregister_netdevice_notifier(&sbr_notifier);
	rcu_barrier();
}

module_init(sbr_init);
module_exit(sbr_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("shortbridge: a two-port software bridge");
MODULE_AUTHOR("Trellis");
/* No MODULE_ALIAS_GENL_FAMILY: any user's lookup of the family name would
 * load us.  Loading is the administrator's decision (modprobe). */
