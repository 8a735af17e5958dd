// SPDX-License-Identifier: GPL-2.0
/* Admission of bandwidth reservations: HIPerNET's allocation (reserve.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reserve.h"

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static int by_headroom(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return (x[0] > y[0]) - (x[0] < y[0]);
}

/*
 * With h(i) = A(i) - m(i) <= H(i) = M(i) - m(i) and R = C - sum m, the
 * second constraint reads sum h - h(i) <= R for every i, that is
 * sum h <= R + min h.  With L = min h <= min H, and N L <= sum h, the best
 * total is min(sum H, R + min(min H, R / (N - 1))).
 */
static uint64_t best_total(uint64_t room, const uint64_t (*h)[2], size_t n)
{
	uint64_t sum = 0, low;

	for (size_t i = 0; i < n; i++)
		sum += h[i][0];
	if (n == 1)
		return sum;
	low = min_u64(h[0][0], room / (n - 1));	/* h is sorted: h[0] is the least */
	return min_u64(sum, room + low);
}

/* Water-filling of total over the headrooms h (sorted ascending): each gets
 * min(H, level), rounded down so the sum never exceeds total. */
static void fill(uint64_t total, uint64_t (*h)[2], size_t n, struct rdemand *v)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t share = total / (n - i), give = min_u64(h[i][0], share);

		v[h[i][1]].alloc_bps = v[h[i][1]].min_bps + give;
		total -= give;
	}
}

int resv_allocate(uint64_t cap, struct rdemand *v, size_t n, uint64_t *sum_min)
{
	uint64_t (*h)[2], sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += v[i].min_bps;
	*sum_min = sum;
	if (sum > cap)
		return -1;
	if (!n)
		return 0;
	h = calloc(n, sizeof(*h));
	if (!h)
		abort();
	for (size_t i = 0; i < n; i++) {
		uint64_t max = v[i].max_bps ? min_u64(v[i].max_bps, cap) : cap;

		h[i][0] = max > v[i].min_bps ? max - v[i].min_bps : 0;
		h[i][1] = i;
	}
	qsort(h, n, sizeof(*h), by_headroom);
	fill(best_total(cap - sum, (const uint64_t (*)[2])h, n), h, n, v);
	free(h);
	return 0;
}

const char *resv_rate_str(uint64_t bps, char *buf, size_t len)
{
	if (bps >= 1000000000 && bps % 1000000000 == 0)
		snprintf(buf, len, "%ggbit", (double)bps / 1e9);
	else if (bps >= 1000000)
		snprintf(buf, len, "%gmbit", (double)bps / 1e6);
	else
		snprintf(buf, len, "%gkbit", (double)bps / 1e3);
	return buf;
}

static int local_node(const struct topo *t, struct in_addr ul)
{
	for (size_t n = 0; n < t->n_nodes; n++)
		if (t->nodes[n].underlay.family == AF_INET &&
		    t->nodes[n].underlay.addr.v4.s_addr == ul.s_addr)
			return (int)n;
	return -1;
}

static void add_demand(struct rplan *p, const struct topo *t, size_t li, int me)
{
	const struct link *l = &t->links[li];
	const struct resv *r = topo_link_resv(t, li);
	int h0 = l->ends[0].host, h1 = l->ends[1].host;
	int other = t->hosts[h0].node == me ? h1 : h0;
	struct rdemand *d;

	p->v = realloc(p->v, (p->n + 1) * sizeof(*p->v));
	if (!p->v)
		abort();
	d = &p->v[p->n++];
	memset(d, 0, sizeof(*d));
	snprintf(d->slice, sizeof(d->slice), "%s", t->slice);
	snprintf(d->link, sizeof(d->link), "%s", l->name);
	d->key = l->key;
	d->mtu = l->mtu;
	d->remote = t->nodes[t->hosts[other].node].underlay.addr.v4;
	d->min_bps = r->min_bps;
	d->max_bps = r->max_bps;
}

int resv_collect(struct rplan *p, const struct topo *t, char *err, size_t len)
{
	int me = local_node(t, p->underlay);
	uint64_t cap;

	if (me < 0)
		return 0;
	cap = t->nodes[me].reservable_bps;
	if (cap && p->cap_bps && cap != p->cap_bps) {
		char a[32], b[32];

		snprintf(err, len, "node %s, underlay %s: slice %s declares reservable %s, another deployed slice %s",
			 t->nodes[me].name, inet_ntoa(p->underlay), t->slice,
			 resv_rate_str(cap, a, sizeof(a)), resv_rate_str(p->cap_bps, b, sizeof(b)));
		return -1;
	}
	if (cap)
		p->cap_bps = cap;
	for (size_t li = 0; li < t->n_links; li++) {
		const struct link *l = &t->links[li];

		if (!topo_link_resv(t, li))
			continue;
		if (t->hosts[l->ends[0].host].node == me || t->hosts[l->ends[1].host].node == me)
			add_demand(p, t, li, me);
	}
	return 0;
}

int resv_admit(struct rplan *p, const char *node, const struct topo *const *slices,
	       size_t n, char *err, size_t len)
{
	char a[32], b[32];
	uint64_t sum;

	for (size_t i = 0; i < n; i++)
		if (resv_collect(p, slices[i], err, len))
			return -1;
	if (!resv_allocate(p->cap_bps, p->v, p->n, &sum))
		return 0;
	snprintf(err, len, "node %s, underlay %s: the minima of %zu reserved link%s ask for %s, more than its reservable %s",
		 node, inet_ntoa(p->underlay), p->n, p->n == 1 ? "" : "s",
		 resv_rate_str(sum, a, sizeof(a)), resv_rate_str(p->cap_bps, b, sizeof(b)));
	return -1;
}

void resv_free(struct rplan *p)
{
	free(p->v);
	p->v = NULL;
	p->n = 0;
}
