// SPDX-License-Identifier: GPL-2.0
/*
 * Joining two devices, taking a join apart, and carrier following.
 * Everything here runs under RTNL.
 */
#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/rtnetlink.h>
#include <linux/shortbridge.h>

#include "shortbridge.h"

LIST_HEAD(sbr_joins);

/* The join a device is a port of, or NULL. */
struct sbr_join *sbr_join_get_rtnl(const struct net_device *dev)
{
	struct sbr_port *port;

	ASSERT_RTNL();
	if (rtnl_dereference(dev->rx_handler) != sbr_handle_frame)
		return NULL;
	port = rtnl_dereference(dev->rx_handler_data);
	return port->join;
}

/*
 * The messages say "first device" or "second device" (PORT_A or PORT_B):
 * extack messages must be static strings in 6.1, so they cannot carry the
 * name; the error's offset attribute points at the port's ifindex too, and
 * trellisd puts the device's name in place of the words.
 */
#define SBR_PORT_ERR(extack, i, attr, msg) do {				\
	NL_SET_BAD_ATTR(extack, attr);					\
	if (i)								\
		NL_SET_ERR_MSG_MOD(extack, "second device " msg);	\
	else								\
		NL_SET_ERR_MSG_MOD(extack, "first device " msg);	\
} while (0)

/* Why a device cannot become a port, or 0. */
static int sbr_port_check(struct net_device *dev, int i,
			  const struct nlattr *attr,
			  struct netlink_ext_ack *extack)
{
	if (dev->flags & IFF_LOOPBACK) {
		SBR_PORT_ERR(extack, i, attr, "is the loopback device");
		return -EINVAL;
	}
	if (dev->type != ARPHRD_ETHER || dev->addr_len != ETH_ALEN) {
		SBR_PORT_ERR(extack, i, attr, "is not an Ethernet device");
		return -EINVAL;
	}
	if (dev->priv_flags & IFF_DONT_BRIDGE) {
		SBR_PORT_ERR(extack, i, attr, "does not allow bridging");
		return -EOPNOTSUPP;
	}
	if (dev->priv_flags & IFF_NO_RX_HANDLER) {
		SBR_PORT_ERR(extack, i, attr, "does not support receive handlers");
		return -EOPNOTSUPP;
	}
	if (!netdev_is_rx_handler_busy(dev))
		return 0;

	/* Somebody else receives this device's frames: say who if we can. */
	if (sbr_join_get_rtnl(dev))
		SBR_PORT_ERR(extack, i, attr, "is already a shortbridge port");
	else if (netif_is_bridge_port(dev))
		SBR_PORT_ERR(extack, i, attr, "is already a bridge port");
	else if (netif_is_bond_slave(dev))
		SBR_PORT_ERR(extack, i, attr, "is already a bond slave");
	else if (netif_is_team_port(dev))
		SBR_PORT_ERR(extack, i, attr, "is already a team port");
	else if (netif_is_ovs_port(dev))
		SBR_PORT_ERR(extack, i, attr, "is already an Open vSwitch port");
	else if (netif_is_macvlan_port(dev))
		SBR_PORT_ERR(extack, i, attr,
			     "is already the lower device of a macvlan");
	else
		SBR_PORT_ERR(extack, i, attr,
			     "already has a receive handler (ipvlan, macsec, ...)");
	return -EBUSY;
}

static void sbr_join_free_rcu(struct rcu_head *head)
{
	struct sbr_join *join = container_of(head, struct sbr_join, rcu);

	free_percpu(join->port[0].stats);
	free_percpu(join->port[1].stats);
	kfree(join);
}

/* Undo what sbr_port_attach() did to one port. */
static void sbr_port_detach(struct sbr_port *port)
{
	netdev_rx_handler_unregister(port->dev);
	dev_set_promiscuity(port->dev, -1);
	netdev_put(port->dev, &port->dev_tracker);
}

static int sbr_port_attach(struct sbr_port *port)
{
	int err;

	err = dev_set_promiscuity(port->dev, 1);
	if (err)
		return err;
	/* Aggregated receive frames could not leave as they came in. */
	dev_disable_lro(port->dev);
	/* rx_handler_data is set before rx_handler (the core's order), so a
	 * reader never sees our handler without its port. */
	err = netdev_rx_handler_register(port->dev, sbr_handle_frame, port);
	if (err) {
		dev_set_promiscuity(port->dev, -1);
		return err;
	}
	netdev_hold(port->dev, &port->dev_tracker, GFP_KERNEL);
	return 0;
}

/*
 * A veth, known by its operations rather than by its name: the peer at the
 * other end of the pipe is what bpf_redirect_peer() finds through
 * ndo_get_peer_dev, and in 6.1 veth is the only driver that has one.
 */
static bool sbr_is_veth(const struct net_device *dev)
{
	return dev->netdev_ops->ndo_get_peer_dev;
}

/*
 * The other end of a veth pair, perhaps in another namespace, or NULL.
 * ndo_get_peer_dev wants RCU; what it returns stays valid while we hold
 * RTNL, since a pair comes apart (its peer pointers cleared, its devices
 * unregistered) only under RTNL.
 */
static struct net_device *sbr_veth_peer(struct net_device *dev)
{
	struct net_device *peer;

	if (!sbr_is_veth(dev))
		return NULL;
	rcu_read_lock();
	peer = dev->netdev_ops->ndo_get_peer_dev(dev);
	rcu_read_unlock();
	return peer;
}

/*
 * Whether joining a and b would close a ring, round which a frame would
 * circle for ever: what leaves a veth comes back in at the other end of
 * its pair, so a ring is a chain from b back to a of veth pairs and joins
 * (b's veth peer, the other port of that device's join, its veth peer...).
 * Every device is in at most one pair and one join, and neither a nor b is
 * in a join yet, so walking from b the chain either ends or reaches a: it
 * cannot go round without a.  The chain may cross namespaces.
 */
static bool sbr_closes_ring(struct net_device *a, struct net_device *b)
{
	struct net_device *dev = b, *peer;
	struct sbr_join *join;

	for (;;) {
		peer = sbr_veth_peer(dev);
		if (!peer)
			return false;
		if (peer == a)
			return true;
		join = sbr_join_get_rtnl(peer);
		if (!join)
			return false;
		/* On to the other port of that join. */
		dev = join->port[join->port[0].dev == peer].dev;
	}
}

/* Refuse a join that would send frames round a ring (as br_add_if()
 * refuses to make a bridge a port of itself). */
static int sbr_ring_check(struct net_device *a, struct net_device *b,
			  const struct nlattr *attr_b,
			  struct netlink_ext_ack *extack)
{
	if (!sbr_closes_ring(a, b))
		return 0;
	NL_SET_BAD_ATTR(extack, attr_b);
	if (sbr_veth_peer(b) == a)
		NL_SET_ERR_MSG_MOD(extack,
				   "the two devices are the two ends of one veth pair: frames would loop");
	else
		NL_SET_ERR_MSG_MOD(extack,
				   "joining the two devices would close a ring of joins and veth pairs: frames would loop");
	return -ELOOP;
}

int sbr_join_new(struct net_device *a, struct net_device *b, u32 flags,
		 const struct nlattr *attr_a, const struct nlattr *attr_b,
		 struct netlink_ext_ack *extack)
{
	struct net_device *dev[2] = { a, b };
	const struct nlattr *attr[2] = { attr_a, attr_b };
	struct sbr_join *join;
	int err, i;

	ASSERT_RTNL();
	if (a == b) {
		NL_SET_BAD_ATTR(extack, attr_b);
		NL_SET_ERR_MSG_MOD(extack, "cannot join a device to itself");
		return -EINVAL;
	}
	/* The callers look both devices up in one namespace; a device cannot
	 * move while we hold RTNL.  Checked anyway: a join across namespaces
	 * would carry frames between them without scrubbing them. */
	if (!net_eq(dev_net(a), dev_net(b))) {
		NL_SET_BAD_ATTR(extack, attr_b);
		NL_SET_ERR_MSG_MOD(extack,
				   "devices are in different network namespaces");
		return -EXDEV;
	}
	for (i = 0; i < 2; i++) {
		err = sbr_port_check(dev[i], i, attr[i], extack);
		if (err)
			return err;
	}
	err = sbr_ring_check(a, b, attr_b, extack);
	if (err)
		return err;

	join = kzalloc(sizeof(*join), GFP_KERNEL);
	if (!join)
		return -ENOMEM;
	join->flags = flags;
	for (i = 0; i < 2; i++) {
		join->port[i].dev = dev[i];
		join->port[i].join = join;
		join->port[i].peer_is_veth = sbr_is_veth(dev[!i]);
		join->port[i].stats = netdev_alloc_pcpu_stats(struct sbr_pcpu_stats);
		if (!join->port[i].stats) {
			err = -ENOMEM;
			goto err_free;
		}
	}

	/* Both handlers first, peers second: until both peers are set, a
	 * frame on either port is dropped (counted as "down"), never half
	 * forwarded. */
	err = sbr_port_attach(&join->port[0]);
	if (err)
		goto err_free;
	err = sbr_port_attach(&join->port[1]);
	if (err)
		goto err_detach_a;

	rcu_assign_pointer(join->port[0].peer, b);
	rcu_assign_pointer(join->port[1].peer, a);
	list_add_tail(&join->list, &sbr_joins);

	if (flags & SHORTBRIDGE_F_CARRIER_FOLLOW)
		sbr_carrier_sync(join);
	sbr_genl_notify(join, SHORTBRIDGE_CMD_NEW);
	return 0;

err_detach_a:
	sbr_port_detach(&join->port[0]);
err_free:
	NL_SET_ERR_MSG_MOD(extack, "cannot attach to the devices");
	free_percpu(join->port[0].stats);
	free_percpu(join->port[1].stats);
	kfree(join);
	return err;
}

/* ----- carrier following ----- */

/*
 * Whether a port is up on its own account, before anything we did to its
 * carrier.  A veth's carrier means only "both ends are up", which we can
 * recompute; any other driver's carrier is its own business and read as is
 * (we never change it, so it is never ours).
 */
static bool sbr_port_own_up(struct net_device *dev)
{
	struct net_device *peer;

	if (!netif_running(dev))
		return false;
	if (!sbr_is_veth(dev))
		return netif_carrier_ok(dev);
	peer = sbr_veth_peer(dev);
	return peer && netif_running(peer);
}

static void sbr_veth_set_carrier(struct net_device *dev, bool on)
{
	struct net_device *peer = sbr_veth_peer(dev);

	if (on) {
		netif_carrier_on(dev);
		if (peer)
			netif_carrier_on(peer);
	} else {
		netif_carrier_off(dev);
		if (peer)
			netif_carrier_off(peer);
	}
}

/*
 * Make each veth port's carrier (both ends of its pair) say "both this
 * port and the other port are up".  Called on joining and on every UP,
 * DOWN and CHANGE event of a port.  Our own carrier changes come back as
 * CHANGE events; they do not alter what sbr_port_own_up() computes, so the
 * second pass changes nothing and the events stop.
 */
void sbr_carrier_sync(struct sbr_join *join)
{
	bool up[2];
	int i;

	ASSERT_RTNL();
	for (i = 0; i < 2; i++)
		up[i] = sbr_port_own_up(join->port[i].dev);
	for (i = 0; i < 2; i++) {
		struct net_device *dev = join->port[i].dev;

		/* A veth that is down on its own account already has no
		 * carrier (veth_close() saw to it). */
		if (sbr_is_veth(dev) && up[i])
			sbr_veth_set_carrier(dev, up[!i]);
	}
}

/* Give a veth port back the carrier veth itself would have given it. */
static void sbr_carrier_restore(struct net_device *dev)
{
	if (dev->reg_state == NETREG_REGISTERED && sbr_is_veth(dev) &&
	    sbr_port_own_up(dev))
		sbr_veth_set_carrier(dev, true);
}

/*
 * Take a join apart.  Called for DEL, when either port is unregistered
 * (deleted, or its namespace is dismantled, or it moves to another
 * namespace), and at module unload.
 *
 * The "events" group hears of it first, with the counters as they are.
 * The peers are cleared next, so from here on a frame still arriving is
 * counted as "down" and dropped.  netdev_rx_handler_unregister() waits
 * (synchronize_net()) for every receive path that could still see our
 * handler, so when both are unregistered nothing uses the join and no
 * frame is being sent through a port any longer; our device references
 * are dropped then, before unregister_netdevice() starts waiting for them.
 * The memory itself goes after one more grace period, by habit: nothing
 * can reach it by then.
 */
void sbr_unjoin(struct sbr_join *join)
{
	int i;

	ASSERT_RTNL();
	sbr_genl_notify(join, SHORTBRIDGE_CMD_DEL);
	list_del(&join->list);
	RCU_INIT_POINTER(join->port[0].peer, NULL);
	RCU_INIT_POINTER(join->port[1].peer, NULL);
	for (i = 0; i < 2; i++) {
		struct net_device *dev = join->port[i].dev;

		if (join->flags & SHORTBRIDGE_F_CARRIER_FOLLOW)
			sbr_carrier_restore(dev);
		sbr_port_detach(&join->port[i]);
	}
	call_rcu(&join->rcu, sbr_join_free_rcu);
}

void sbr_unjoin_all(void)
{
	struct sbr_join *join, *tmp;

	ASSERT_RTNL();
	list_for_each_entry_safe(join, tmp, &sbr_joins, list)
		sbr_unjoin(join);
}
