// SPDX-License-Identifier: GPL-2.0
/*
 * `addressing auto' (docs/topology.md): a pass over a parsed, checked model
 * that gives addresses to links, lans and loopbacks that the file leaves
 * without.  Blocks come from each pool in file order, aligned to their size,
 * skipping every span that an address written by hand occupies (the whole
 * subnet of a link's address, a loopback's prefix): one sorted list of
 * those spans per family and a cursor that only moves forward, so the pass
 * is linear in the size of the file after one sort.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addressing.h"

typedef unsigned __int128 u128;

struct span {
	u128 lo, hi;
};

struct pool {
	const char *name;	/* pool4, ... for messages */
	const struct prefix *pf;
	int bits;		/* 32 or 128 */
	u128 end, next;		/* last address; the cursor */
	const struct span *taken;
	size_t n_taken, at;
};

static u128 to_u128(const struct prefix *p)
{
	int n = p->family == AF_INET ? 4 : 16;
	u128 v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p->addr.bytes[i];
	return v;
}

static void from_u128(struct prefix *p, int family, u128 v, int len)
{
	int n = family == AF_INET ? 4 : 16;

	memset(p, 0, sizeof(*p));
	p->family = family;
	p->len = (uint8_t)len;
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p->addr.bytes[i] = (uint8_t)v;
}

/* The addresses of p's subnet. */
static struct span span_of(const struct prefix *p)
{
	int bits = p->family == AF_INET ? 32 : 128, host = bits - p->len;
	u128 mask = host >= 128 ? ~(u128)0 : ((u128)1 << host) - 1;
	u128 v = to_u128(p);

	return (struct span){ v & ~mask, v | mask };
}

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void add_span(struct span **s, size_t *n, const struct prefix *p, int family)
{
	if (p->family != family)
		return;
	*s = realloc(*s, (*n + 1) * sizeof(**s));
	if (!*s)
		abort();
	(*s)[(*n)++] = span_of(p);
}

/* Every span written by hand in family, sorted and merged. */
static size_t taken_spans(const struct topo *t, int family, struct span **out)
{
	struct span *s = NULL;
	size_t n = 0, m = 0;

	for (size_t hi = 0; hi < t->n_hosts; hi++)
		for (size_t k = 0; k < t->hosts[hi].n_loopbacks; k++)
			add_span(&s, &n, &t->hosts[hi].loopbacks[k], family);
	for (size_t li = 0; li < t->n_links; li++)
		for (size_t ei = 0; ei < t->links[li].n_ends; ei++)
			for (size_t k = 0; k < t->links[li].ends[ei].n_addrs; k++)
				add_span(&s, &n, &t->links[li].ends[ei].addrs[k], family);
	if (n)
		qsort(s, n, sizeof(*s), span_cmp);
	for (size_t i = 0; i < n; i++) {
		if (m && s[i].lo <= s[m - 1].hi + 1) {
			if (s[i].hi > s[m - 1].hi)
				s[m - 1].hi = s[i].hi;
			continue;
		}
		s[m++] = s[i];
	}
	*out = s;
	return m;
}

static void pool_init(struct pool *p, const char *name, const struct prefix *pf,
		      const struct span *taken, size_t n_taken, bool skip_first)
{
	struct span sp = span_of(pf);

	memset(p, 0, sizeof(*p));
	p->name = name;
	p->pf = pf;
	p->bits = pf->family == AF_INET ? 32 : 128;
	p->end = sp.hi;
	/* Loopbacks from base + 1: host N of a /16 gets x.y.0.N. */
	p->next = sp.lo + (skip_first ? 1 : 0);
	p->taken = taken;
	p->n_taken = n_taken;
}

/* The next free block of prefix length len in p; false if none is left. */
static bool pool_take(struct pool *p, int len, u128 *base)
{
	int host = p->bits - len;
	u128 size = (u128)1 << host, c = (p->next + size - 1) & ~(size - 1);

	for (;;) {
		if (c < p->next || c + (size - 1) > p->end || c + (size - 1) < c)
			return false;
		while (p->at < p->n_taken && p->taken[p->at].hi < c)
			p->at++;
		if (p->at == p->n_taken || p->taken[p->at].lo > c + (size - 1))
			break;
		c = (p->taken[p->at].hi + 1 + size - 1) & ~(size - 1);
		if (!c)
			return false;	/* wrapped past the top */
	}
	*base = c;
	p->next = c + size;
	return true;
}

static void push_addr(struct prefix **arr, size_t *n, int family, u128 v, int len)
{
	*arr = realloc(*arr, (*n + 1) * sizeof(**arr));
	if (!*arr)
		abort();
	from_u128(&(*arr)[(*n)++], family, v, len);
}

static bool has_family(const struct prefix *a, size_t n, int family)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].family == family)
			return true;
	return false;
}

/* The prefix length of a lan of n members: /64, or the IPv4 block that
 * holds n hosts besides its network and broadcast addresses, /24 at most. */
static int lan_len(int family, size_t n)
{
	int bits = 2;

	if (family == AF_INET6)
		return 64;
	while (bits < 32 && ((u128)1 << bits) < (u128)n + 2)
		bits++;
	return bits < 8 ? 24 : 32 - bits;
}

static int link_family(struct link *l, struct pool *p, int family, char *err, size_t len)
{
	int plen = l->kind == LINK_P2P ? p->bits - 1 : lan_len(family, l->n_ends);
	char buf[64];
	u128 base;

	for (size_t ei = 0; ei < l->n_ends; ei++)
		if (has_family(l->ends[ei].addrs, l->ends[ei].n_addrs, family))
			return 0;	/* addressed by hand: left as it is */
	if (!pool_take(p, plen, &base)) {
		snprintf(err, len, "%s %s has no room left for a /%d for %s %s", p->name,
			 prefix_str(p->pf, buf, sizeof(buf)), plen,
			 l->kind == LINK_LAN ? "lan" : "link", l->name);
		return -1;
	}
	for (size_t ei = 0; ei < l->n_ends; ei++) {
		struct endpoint *e = &l->ends[ei];

		push_addr(&e->addrs, &e->n_addrs, family,
			  base + (l->kind == LINK_P2P ? ei : ei + 1), plen);
	}
	return 0;
}

static int loopback_family(struct topo *t, struct pool *p, int family, char *err, size_t len)
{
	char buf[64];
	u128 v;

	for (size_t hi = 0; hi < t->n_hosts; hi++) {
		struct host *h = &t->hosts[hi];

		if (has_family(h->loopbacks, h->n_loopbacks, family))
			continue;
		if (!pool_take(p, p->bits, &v)) {
			snprintf(err, len, "%s %s has no room left for a loopback of host %s",
				 p->name, prefix_str(p->pf, buf, sizeof(buf)), h->name);
			return -1;
		}
		push_addr(&h->loopbacks, &h->n_loopbacks, family, v, p->bits);
	}
	return 0;
}

/* One family: loopbacks, then links and lans in file order. */
static int apply_family(struct topo *t, int family, char *err, size_t len)
{
	const struct addressing *a = &t->addressing;
	const struct prefix *pool = family == AF_INET ? &a->pool4 : &a->pool6;
	const struct prefix *lo = family == AF_INET ? &a->lo4 : &a->lo6;
	struct pool pl, pk;
	struct span *taken;
	size_t n_taken;
	int ret = 0;

	n_taken = taken_spans(t, family, &taken);
	if (lo->family) {
		pool_init(&pl, family == AF_INET ? "loopback4" : "loopback6", lo, taken, n_taken, true);
		ret = loopback_family(t, &pl, family, err, len);
	}
	if (!ret && pool->family) {
		pool_init(&pk, family == AF_INET ? "pool4" : "pool6", pool, taken, n_taken, false);
		for (size_t li = 0; li < t->n_links && !ret; li++)
			ret = link_family(&t->links[li], &pk, family, err, len);
	}
	free(taken);
	return ret;
}

int addressing_apply(struct topo *t, char *err, size_t len)
{
	if (!t->addressing.set)
		return 0;
	if (apply_family(t, AF_INET, err, len) || apply_family(t, AF_INET6, err, len))
		return -1;
	return 0;
}

void addressing_defaults(struct addressing *a)
{
	a->set = true;
	prefix_parse(ADDR_POOL4, &a->pool4, true);
	prefix_parse(ADDR_POOL6, &a->pool6, true);
	prefix_parse(ADDR_LO4, &a->lo4, true);
	prefix_parse(ADDR_LO6, &a->lo6, true);
}
