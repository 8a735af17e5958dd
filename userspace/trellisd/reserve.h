/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Admission of bandwidth reservations (docs/reservations.md): pure
 * functions, no system calls.
 *
 * On one node's underlay, every reserved link across nodes of every slice
 * deployed there shares the node's `reservable' rate C.  HIPerNET's rule
 * (seed 003, Table II) gives each link i an allocated maximum A(i):
 *
 *   maximize sum A(i)  subject to
 *     m(i) <= A(i) <= M(i)                    (M(i) defaults to C)
 *     m(i) <= C - sum_{j != i} A(j)           (i's minimum survives the others' maxima)
 *     sum m(i) <= C                           (else the slice is refused)
 *
 * Where several A reach the optimum, the extra above the minima is shared
 * max-min fairly (water-filling), which is the paper's choice in Table II.
 * Rates are the same in both directions, so the links that leave a node's
 * underlay are those that arrive on it and one computation serves both.
 */
#ifndef TRELLIS_RESERVE_H
#define TRELLIS_RESERVE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "topo.h"

/* One reserved link on one node's underlay. */
struct rdemand {
	char slice[TOPO_NAME_LEN];
	char link[96];
	uint32_t key;		/* its GRE key: how the shaper finds its packets */
	struct in_addr remote;	/* the other node's underlay */
	int mtu;		/* the link's MTU (0: the default): for the shaper */
	uint64_t min_bps;
	uint64_t max_bps;	/* as asked; 0: up to the capacity */
	uint64_t alloc_bps;	/* the allocated maximum (resv_allocate) */
};

struct rplan {
	struct in_addr underlay;
	uint64_t cap_bps;	/* the node's reservable rate; 0: none declared */
	struct rdemand *v;
	size_t n;
};

/*
 * Allocated maxima of v[0..n) sharing capacity cap.  Returns 0, or -1 if
 * the minima do not fit (their sum in *sum_min either way).
 */
int resv_allocate(uint64_t cap, struct rdemand *v, size_t n, uint64_t *sum_min);

/*
 * Adds to p the reserved links of slice t with an end on the node whose
 * underlay is p->underlay; p->cap_bps is set from that node's `reservable'.
 * Returns 0, or -1 with a message in err if t declares another reservable
 * rate for it than p already holds.
 */
int resv_collect(struct rplan *p, const struct topo *t, char *err, size_t len);

/*
 * Admission on one node: every slice in slices (the deployed ones and the
 * new one) on the underlay in p->underlay.  Fills p with the allocation.
 * Returns 0, or -1 with a message naming the node, the underlay, the
 * capacity and the sum asked for.
 */
int resv_admit(struct rplan *p, const char *node, const struct topo *const *slices,
	       size_t n, char *err, size_t len);

void resv_free(struct rplan *p);

/* "300mbit", "1.5gbit": a rate for messages. */
const char *resv_rate_str(uint64_t bps, char *buf, size_t len);

#endif
