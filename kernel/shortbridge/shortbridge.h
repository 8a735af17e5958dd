/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shortbridge: the structures shared by main.c (module, notifier),
 * port.c (joining and unjoining), fwd.c (the receive path) and genl.c
 * (the generic netlink family).
 *
 * Locking: the list of joins and every field of a join other than the
 * peer pointers and the counters are changed only under RTNL.  The receive
 * path runs under rcu_read_lock() (the core holds it around rx handlers):
 * it finds its port through dev->rx_handler_data and the other device
 * through port->peer, and writes only this CPU's counters.
 */
#ifndef _SHORTBRIDGE_H
#define _SHORTBRIDGE_H

#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/u64_stats_sync.h>

/* Counters of one direction, per CPU: frames received on one port. */
struct sbr_pcpu_stats {
	u64_stats_t		packets;
	u64_stats_t		bytes;
	u64_stats_t		drop_mtu;
	u64_stats_t		drop_down;
	u64_stats_t		drop_xmit;
	u64_stats_t		direct;
	struct u64_stats_sync	syncp;
};

/* The same, summed over all CPUs. */
struct sbr_stats {
	u64 packets;
	u64 bytes;
	u64 drop_mtu;
	u64 drop_down;
	u64 drop_xmit;
	u64 direct;
};

struct sbr_port {
	struct net_device		*dev;
	struct sbr_join			*join;
	/* The other port's device; NULL once the join is being taken apart. */
	struct net_device __rcu		*peer;
	/* Frames received on this port (A: the A->B direction). */
	struct sbr_pcpu_stats __percpu	*stats;
	/* The other port is a veth: frames may go straight to its peer. */
	bool				peer_is_veth;
	netdevice_tracker		dev_tracker;
};

struct sbr_join {
	struct sbr_port		port[2];	/* [0] is A, [1] is B */
	u32			flags;		/* SHORTBRIDGE_F_* */
	struct list_head	list;		/* in sbr_joins, under RTNL */
	struct rcu_head		rcu;
};

/* port.c */
extern struct list_head sbr_joins;
struct sbr_join *sbr_join_get_rtnl(const struct net_device *dev);
int sbr_join_new(struct net_device *a, struct net_device *b, u32 flags,
		 const struct nlattr *attr_a, const struct nlattr *attr_b,
		 struct netlink_ext_ack *extack);
void sbr_unjoin(struct sbr_join *join);
void sbr_unjoin_all(void);
void sbr_carrier_sync(struct sbr_join *join);

/* fwd.c */
rx_handler_result_t sbr_handle_frame(struct sk_buff **pskb);
void sbr_stats_read(const struct sbr_port *port, struct sbr_stats *sum);

/* genl.c */
int sbr_genl_init(void);
void sbr_genl_exit(void);
void sbr_genl_notify(const struct sbr_join *join, u8 cmd);

#endif /* _SHORTBRIDGE_H */
