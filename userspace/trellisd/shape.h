/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Enforcement of bandwidth reservations (docs/reservations.md), in the
 * root namespace, out of reach of the slices: on each device that carries
 * reserved tunnels, an HTB qdisc (handle 7e00:) with
 *
 *   7e00:1   every reservation together: rate = ceil = the node's reservable rate
 *   7e00:M   one per reserved link, under 7e00:1: rate = min, ceil = allocated max;
 *            M is folded from the link's GRE key (shape_minor())
 *   7e00:2   everything else (the default class): best effort, up to the
 *            device's speed less the reservable rate (unlimited if the
 *            device reports no speed)
 *
 * and a u32 filter per link (priority M) matching the outer IPv4 + GRE
 * header: protocol 47, no options, the remote underlay, GRE flags with the
 * key and neither checksum nor sequence (what egre and the gretap fallback
 * send), protocol 0x6558, the key.  Allocations that change are applied as
 * class changes, never by deleting a class.
 *
 * Every rate of a reservation (min, max, reservable) is a virtual link's
 * rate: its Ethernet frames as the slice sees them.  HTB on the underlay
 * counts each frame with SHAPE_OUTER more bytes, so the classes' rates are
 * scaled by (frame + SHAPE_OUTER) / frame for full-size frames of the
 * link's MTU (shape_wire()); 7e00:1 by the largest such factor of the
 * device's links, so that every minimum fits in it.
 */
#ifndef TRELLIS_SHAPE_H
#define TRELLIS_SHAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "reserve.h"
#include "topo.h"

#define SHAPE_MAJOR 0x7e00u

/*
 * What the underlay adds to each frame of a tunnel: outer IPv4 (20), GRE
 * with a key and neither checksum nor sequence (8: the only GRE header the
 * filter matches, and the one egre and the gretap fallback send for a
 * trellisd link), outer Ethernet (14).
 */
#define SHAPE_OUTER (20 + 8 + 14)

/* A full-size frame of a link of MTU mtu (0: the default across nodes). */
static inline uint64_t shape_frame(int mtu)
{
	return (uint64_t)(mtu > 0 ? mtu : DEFAULT_MTU - TUNNEL_OVERHEAD) + 14;
}

/*
 * The rate HTB must allow on the underlay (any unit) for a link of MTU mtu
 * to carry rate of its frames when they are full size, rounded up.
 */
static inline uint64_t shape_wire(uint64_t rate, int mtu)
{
	uint64_t f = shape_frame(mtu);

	return rate / f * (f + SHAPE_OUTER) + (rate % f * (f + SHAPE_OUTER) + f - 1) / f;
}

/* The class minor of a link's GRE key (never 0, 1 or 2). */
uint16_t shape_minor(uint32_t key);

/*
 * Admission on this machine's node `node' of t: t (NULL: none) together
 * with every deployed slice but `skip' (NULL: none).  p->underlay must be
 * set.  Returns 0, or -1 with the reason in err.
 */
int shape_admit(struct rplan *p, const char *node, const struct topo *t, const char *skip,
		char *err, size_t len);

/* Makes the devices' shaping match p (no reserved link left: removes it).
 * Returns 0, or -1 with the reason in err. */
int shape_apply(const struct rplan *p, char *err, size_t len);

/*
 * After slice `gone' left (or failed to come up): admission and shaping
 * again for the slices still deployed on the node of underlay ul.
 */
int shape_resync(struct in_addr ul, const char *node, const char *gone, char *err, size_t len);

/* Before slice's directory is removed by `down': shaping again for the
 * others on this machine's node, if slice had reservations. */
int shape_down(const char *slice, char *err, size_t len);

/* The rate each link of p sends at, its frames as the slice sees them:
 * from its class's byte and packet counters (less SHAPE_OUTER a packet)
 * over ms milliseconds, into bps[p->n] (-1: no class).  Returns 0 or -1. */
int shape_measure(const struct rplan *p, unsigned int ms, double *bps);

/* What status shows of link of slice, from p and bps ("" if not reserved). */
const char *shape_status(const struct rplan *p, const double *bps, const char *slice,
			 const char *link, bool json, char *buf, size_t len);

#endif
