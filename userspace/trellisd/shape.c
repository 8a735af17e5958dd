// SPDX-License-Identifier: GPL-2.0
/* Enforcement of bandwidth reservations with HTB, through libnl-route-3
 * (shape.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/class.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/tc.h>

#include "nl.h"
#include "rtnl.h"
#include "shape.h"
#include "state.h"

#define H(minor)	TC_HANDLE(SHAPE_MAJOR, (minor))	/* libnl shifts the major */
#define CLS_ALL		1	/* every reservation together */
#define CLS_BEST	2	/* best effort: the default class */
#define MIN_RATE	1000	/* bytes/s: HTB needs a rate; a link with no minimum gets this */
#define QUANTUM		1514	/* equal shares of what classes borrow */
#define BURST_MIN	(10 * 1514)	/* bytes */
#define BURST_MAX	(1 << 20)
#define UNLIMITED	(100000000000ull / 8)	/* bytes/s: a device reporting no speed */

/* One device carrying reserved tunnels: the indices of its demands. */
struct sdev {
	int ifindex;
	size_t *idx;
	size_t n;
};

struct shaper {
	const struct rplan *p;
	struct nl_sock *sk;
	struct sdev *dev;
	size_t ndev;
	char *err;
	size_t len;
};

uint16_t shape_minor(uint32_t key)
{
	uint16_t m = (uint16_t)(key ^ (key >> 16));

	return m > CLS_BEST ? m : (uint16_t)(m + 3);
}

static int fail(struct shaper *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct shaper *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, s->len, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *dev_name(int ifindex, char *buf)
{
	if (!if_indextoname((unsigned int)ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "#%d", ifindex);
	return buf;
}

/* The device's speed in bytes/s, UNLIMITED if it does not say. */
static uint64_t dev_speed(int ifindex)
{
	char name[IF_NAMESIZE], path[96];
	long mbit = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/speed", dev_name(ifindex, name));
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", &mbit) != 1)
			mbit = -1;
		fclose(f);
	}
	return mbit > 0 ? (uint64_t)mbit * 1000000 / 8 : UNLIMITED;
}

static struct sdev *dev_of(struct shaper *s, int ifindex)
{
	for (size_t i = 0; i < s->ndev; i++)
		if (s->dev[i].ifindex == ifindex)
			return &s->dev[i];
	s->dev = realloc(s->dev, (s->ndev + 1) * sizeof(*s->dev));
	if (!s->dev)
		abort();
	s->dev[s->ndev] = (struct sdev){ .ifindex = ifindex };
	return &s->dev[s->ndev++];
}

/* Groups the demands by the device their tunnel's packets leave by. */
static int group(struct shaper *s)
{
	const struct rplan *p = s->p;
	struct nl *nl = malloc(sizeof(*nl));
	int ret = 0, err;

	if (!nl)
		abort();
	err = nl_open(nl, NETLINK_ROUTE);
	if (err) {
		free(nl);
		return fail(s, "cannot open a netlink socket: %s", strerror(-err));
	}
	for (size_t i = 0; i < p->n && !ret; i++) {
		int oif = rtnl_route_oif4(nl, p->v[i].remote, p->underlay);
		struct sdev *d;

		if (oif <= 0) {
			ret = fail(s, "link %s of slice %s: no route from %s to %s", p->v[i].link,
				   p->v[i].slice, inet_ntoa(p->underlay), inet_ntoa(p->v[i].remote));
			break;
		}
		d = dev_of(s, oif);
		d->idx = realloc(d->idx, (d->n + 1) * sizeof(*d->idx));
		if (!d->idx)
			abort();
		d->idx[d->n++] = i;
	}
	nl_close(nl);
	free(nl);
	return ret;
}

static int check_minors(struct shaper *s, const struct sdev *d)
{
	const struct rdemand *v = s->p->v;

	for (size_t a = 0; a < d->n; a++)
		for (size_t b = a + 1; b < d->n; b++)
			if (shape_minor(v[d->idx[a]].key) == shape_minor(v[d->idx[b]].key))
				return fail(s, "links %s (slice %s, key %u) and %s (slice %s, key %u) fold to the same shaping class %x; give one of them another `key'",
					    v[d->idx[a]].link, v[d->idx[a]].slice, v[d->idx[a]].key,
					    v[d->idx[b]].link, v[d->idx[b]].slice, v[d->idx[b]].key,
					    shape_minor(v[d->idx[a]].key));
	return 0;
}

/* Our root qdisc on ifindex: 1 present, 0 absent (the kernel's default is
 * there), -1 someone else's (err set). */
static int our_root(struct shaper *s, int ifindex)
{
	struct nl_cache *cache;
	struct rtnl_qdisc *q;
	char name[IF_NAMESIZE];
	int ret = 0;

	if (rtnl_qdisc_alloc_cache(s->sk, &cache) < 0)
		return fail(s, "cannot list the qdiscs");
	q = rtnl_qdisc_get_by_parent(cache, ifindex, TC_H_ROOT);
	if (q) {
		uint32_t h = rtnl_tc_get_handle(TC_CAST(q));
		const char *kind = rtnl_tc_get_kind(TC_CAST(q));

		if (h == H(0) && kind && !strcmp(kind, "htb"))
			ret = 1;
		else if (TC_H_MAJ(h))
			ret = fail(s, "%s has a root qdisc %s %x: that trellisd did not install; it is left alone (remove it to reserve bandwidth here)",
				   dev_name(ifindex, name), kind ? kind : "?", TC_H_MAJ(h) >> 16);
		rtnl_qdisc_put(q);
	}
	nl_cache_free(cache);
	return ret;
}

/* 500 ms of rate, 10 frames to 1 MB: HTB's default (rate / HZ + MTU) is
 * a few milliseconds at low rates, and a timer that fires later than that
 * (a busy machine, a guest) loses tokens for good, and with them the
 * guarantee; at high rates 1 MB keeps the bursts short. */
static uint32_t burst(uint64_t rate)
{
	uint64_t b = rate / 2;

	return b < BURST_MIN ? BURST_MIN : b > BURST_MAX ? BURST_MAX : (uint32_t)b;
}

static int set_class(struct shaper *s, int ifindex, uint32_t parent, uint16_t minor,
		     uint64_t rate, uint64_t ceil, uint32_t prio)
{
	struct rtnl_class *c = rtnl_class_alloc();
	char name[IF_NAMESIZE];
	int err;

	if (!c)
		abort();
	rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
	rtnl_tc_set_parent(TC_CAST(c), parent);
	rtnl_tc_set_handle(TC_CAST(c), H(minor));
	err = rtnl_tc_set_kind(TC_CAST(c), "htb");
	if (!err) {
		rate = rate > MIN_RATE ? rate : MIN_RATE;
		ceil = ceil > rate ? ceil : rate;
		rtnl_htb_set_rate64(c, rate);
		rtnl_htb_set_ceil64(c, ceil);
		rtnl_htb_set_rbuffer(c, burst(rate));
		rtnl_htb_set_cbuffer(c, burst(ceil));
		rtnl_htb_set_prio(c, prio);
		rtnl_htb_set_quantum(c, QUANTUM);
		/* Without NLM_F_EXCL an existing class is changed in place. */
		err = rtnl_class_add(s->sk, c, NLM_F_CREATE);
	}
	rtnl_class_put(c);
	if (err < 0)
		return fail(s, "cannot set class %x:%x on %s: %s", SHAPE_MAJOR, minor,
			    dev_name(ifindex, name), nl_geterror(err));
	return 0;
}

static int add_root(struct shaper *s, int ifindex)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	char name[IF_NAMESIZE];
	int err;

	if (!q)
		abort();
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), H(0));
	err = rtnl_tc_set_kind(TC_CAST(q), "htb");
	if (!err) {
		rtnl_htb_set_defcls(q, CLS_BEST);
		err = rtnl_qdisc_add(s->sk, q, NLM_F_CREATE | NLM_F_REPLACE);
	}
	rtnl_qdisc_put(q);
	if (err < 0)
		return fail(s, "cannot install the reservations' htb on %s: %s",
			    dev_name(ifindex, name), nl_geterror(err));
	return 0;
}

/* The reservable rate on d's wire, in bytes/s: scaled for the link with
 * the smallest frames, so that every link's minimum fits in it. */
static uint64_t wire_cap(const struct shaper *s, const struct sdev *d)
{
	uint64_t cap = 0;

	for (size_t i = 0; i < d->n; i++) {
		uint64_t w = shape_wire(s->p->cap_bps / 8, s->p->v[d->idx[i]].mtu);

		cap = w > cap ? w : cap;
	}
	return cap;
}

/* The root qdisc and its two fixed classes, their rates brought up to date. */
static int root(struct shaper *s, const struct sdev *d)
{
	uint64_t cap = wire_cap(s, d), speed = dev_speed(d->ifindex);
	uint64_t best = speed > cap + MIN_RATE ? speed - cap : MIN_RATE;
	int have = our_root(s, d->ifindex);

	if (have < 0 || (!have && add_root(s, d->ifindex)))
		return -1;
	if (set_class(s, d->ifindex, H(0), CLS_ALL, cap, cap, 0))
		return -1;
	return set_class(s, d->ifindex, H(0), CLS_BEST, best, best, 7);
}

static int add_filter(struct shaper *s, int ifindex, const struct rdemand *v, uint16_t minor)
{
	struct rtnl_cls *f = rtnl_cls_alloc();
	char name[IF_NAMESIZE];
	int err;

	if (!f)
		abort();
	rtnl_tc_set_ifindex(TC_CAST(f), ifindex);
	rtnl_tc_set_parent(TC_CAST(f), H(0));
	rtnl_cls_set_prio(f, minor);
	rtnl_cls_set_protocol(f, ETH_P_IP);
	err = rtnl_tc_set_kind(TC_CAST(f), "u32");
	if (!err) {
		/* IPv4 without options, protocol GRE, to the remote underlay;
		 * GRE: K set, C and S clear, Transparent Ethernet Bridging;
		 * then the key. */
		rtnl_u32_add_key_uint32(f, 0x05000000, 0x0f000000, 0, 0);
		rtnl_u32_add_key_uint32(f, 0x002f0000, 0x00ff0000, 8, 0);
		rtnl_u32_add_key_uint32(f, ntohl(v->remote.s_addr), 0xffffffff, 16, 0);
		rtnl_u32_add_key_uint32(f, 0x20006558, 0xb000ffff, 20, 0);
		rtnl_u32_add_key_uint32(f, v->key, 0xffffffff, 24, 0);
		rtnl_u32_set_classid(f, H(minor));
		rtnl_u32_set_cls_terminal(f);
		err = rtnl_cls_add(s->sk, f, NLM_F_CREATE | NLM_F_EXCL);
	}
	rtnl_cls_put(f);
	if (err < 0)
		return fail(s, "cannot add the filter of link %s (key %u) on %s: %s", v->link, v->key,
			    dev_name(ifindex, name), nl_geterror(err));
	return 0;
}

static void del_link_class(struct shaper *s, int ifindex, uint16_t minor)
{
	struct rtnl_class *c = rtnl_class_alloc();
	struct rtnl_cls *f = rtnl_cls_alloc();

	if (!c || !f)
		abort();
	rtnl_tc_set_ifindex(TC_CAST(f), ifindex);
	rtnl_tc_set_parent(TC_CAST(f), H(0));
	rtnl_cls_set_prio(f, minor);
	rtnl_cls_set_protocol(f, ETH_P_IP);
	rtnl_tc_set_kind(TC_CAST(f), "u32");
	rtnl_cls_delete(s->sk, f, 0);	/* first: no packet may reach a class that is gone */
	rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
	rtnl_tc_set_handle(TC_CAST(c), H(minor));
	rtnl_class_delete(s->sk, c);
	rtnl_cls_put(f);
	rtnl_class_put(c);
}

static bool wanted(const struct shaper *s, const struct sdev *d, uint16_t minor)
{
	for (size_t i = 0; i < d->n; i++)
		if (shape_minor(s->p->v[d->idx[i]].key) == minor)
			return true;
	return false;
}

/* One device: classes changed in place, new ones with their filter, the
 * ones no longer wanted removed. */
static int sync_dev(struct shaper *s, const struct sdev *d)
{
	struct nl_cache *cache;
	struct nl_object *o;

	if (check_minors(s, d) || root(s, d))
		return -1;
	if (rtnl_class_alloc_cache(s->sk, d->ifindex, &cache) < 0)
		return fail(s, "cannot list the classes");
	for (size_t i = 0; i < d->n; i++) {
		const struct rdemand *v = &s->p->v[d->idx[i]];
		uint16_t minor = shape_minor(v->key);
		struct rtnl_class *old = rtnl_class_get(cache, d->ifindex, H(minor));

		if (old)
			rtnl_class_put(old);
		if (set_class(s, d->ifindex, H(CLS_ALL), minor, shape_wire(v->min_bps / 8, v->mtu),
			      shape_wire(v->alloc_bps / 8, v->mtu), 0) ||
		    (!old && add_filter(s, d->ifindex, v, minor))) {
			nl_cache_free(cache);
			return -1;
		}
	}
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_class *c = (struct rtnl_class *)o;
		uint32_t h = rtnl_tc_get_handle(TC_CAST(c));

		if (rtnl_tc_get_parent(TC_CAST(c)) == H(CLS_ALL) && !wanted(s, d, TC_H_MIN(h)))
			del_link_class(s, d->ifindex, TC_H_MIN(h));
	}
	nl_cache_free(cache);
	return 0;
}

/* Our qdisc on devices that carry no reserved link any more. */
static void drop_unused(struct shaper *s)
{
	struct nl_cache *cache;
	struct nl_object *o;

	if (rtnl_qdisc_alloc_cache(s->sk, &cache) < 0)
		return;
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_qdisc *q = (struct rtnl_qdisc *)o;
		int ifindex = rtnl_tc_get_ifindex(TC_CAST(q));
		bool used = false;

		if (rtnl_tc_get_handle(TC_CAST(q)) != H(0) ||
		    rtnl_tc_get_parent(TC_CAST(q)) != TC_H_ROOT)
			continue;
		for (size_t i = 0; i < s->ndev; i++)
			used |= s->dev[i].ifindex == ifindex;
		if (!used)
			rtnl_qdisc_delete(s->sk, q);
	}
	nl_cache_free(cache);
}

int shape_apply(const struct rplan *p, char *err, size_t len)
{
	struct shaper s = { .p = p, .err = err, .len = len };
	int ret = -1;

	s.sk = nl_socket_alloc();
	if (!s.sk)
		abort();
	if (nl_connect(s.sk, NETLINK_ROUTE) < 0) {
		fail(&s, "cannot open a netlink socket");
		goto out;
	}
	if (group(&s))
		goto out;
	for (size_t i = 0; i < s.ndev; i++)
		if (sync_dev(&s, &s.dev[i]))
			goto out;
	drop_unused(&s);
	ret = 0;
out:
	for (size_t i = 0; i < s.ndev; i++)
		free(s.dev[i].idx);
	free(s.dev);
	nl_socket_free(s.sk);
	return ret;
}

int shape_admit(struct rplan *p, const char *node, const struct topo *t, const char *skip,
		char *err, size_t len)
{
	const struct topo **all = NULL;
	char **names = state_slices();
	struct topo *deployed;
	size_t n = 0, k = 0;
	int ret;

	for (char **s = names; *s; s++)
		n++;
	deployed = calloc(n + 1, sizeof(*deployed));
	all = calloc(n + 2, sizeof(*all));
	if (!deployed || !all)
		abort();
	for (size_t i = 0; i < n; i++) {
		struct diag dg = { 0 };

		if ((skip && !strcmp(names[i], skip)) || (t && !strcmp(names[i], t->slice)) ||
		    state_topo(names[i], &deployed[k], &dg)) {
			diag_free(&dg);
			continue;
		}
		all[k] = &deployed[k];
		k++;
	}
	if (t)
		all[k++] = t;
	ret = resv_admit(p, node, all, k, err, len);
	for (size_t i = 0; i < k - (t ? 1 : 0); i++)
		topo_free(&deployed[i]);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(deployed);
	free(all);
	return ret;
}

int shape_resync(struct in_addr ul, const char *node, const char *gone, char *err, size_t len)
{
	struct rplan p = { .underlay = ul };
	int ret;

	ret = shape_admit(&p, node, NULL, gone, err, len);
	if (!ret)
		ret = shape_apply(&p, err, len);
	resv_free(&p);
	return ret;
}

/* The node of t whose underlay address is on this machine, or -1. */
static int local_node(const struct topo *t)
{
	struct nl *nl = malloc(sizeof(*nl));
	int me = -1;

	if (!nl)
		abort();
	if (!nl_open(nl, NETLINK_ROUTE)) {
		for (size_t n = 0; n < t->n_nodes && me < 0; n++)
			if (rtnl_has_addr(nl, &t->nodes[n].underlay) == 1)
				me = (int)n;
		nl_close(nl);
	}
	free(nl);
	return me;
}

int shape_down(const char *slice, char *err, size_t len)
{
	struct diag dg = { 0 };
	bool reserved = false;
	struct topo t;
	int me, ret = 0;

	if (state_topo(slice, &t, &dg)) {
		diag_free(&dg);
		return 0;	/* nothing to learn from: nothing of ours to change */
	}
	for (size_t li = 0; li < t.n_links; li++)
		reserved |= topo_link_resv(&t, li) != NULL;
	me = reserved ? local_node(&t) : -1;
	if (me >= 0)
		ret = shape_resync(t.nodes[me].underlay.addr.v4, t.nodes[me].name, slice, err, len);
	topo_free(&t);
	return ret;
}

/* The bytes of the link's frames its class sent: what HTB counted, less
 * each packet's outer headers (GSO packets count one per segment). */
static long long class_bytes(struct nl_cache *cache, int ifindex, uint32_t key)
{
	struct rtnl_class *c = rtnl_class_get(cache, ifindex, H(shape_minor(key)));
	long long bytes = -1;

	if (c) {
		bytes = (long long)(rtnl_tc_get_stat(TC_CAST(c), RTNL_TC_BYTES) -
				    rtnl_tc_get_stat(TC_CAST(c), RTNL_TC_PACKETS) * SHAPE_OUTER);
		rtnl_class_put(c);
	}
	return bytes;
}

/* Every class's frame bytes in p, into bytes[] (-1: no class). */
static void sample(struct shaper *s, long long *bytes)
{
	for (size_t i = 0; i < s->ndev; i++) {
		struct nl_cache *cache;

		if (rtnl_class_alloc_cache(s->sk, s->dev[i].ifindex, &cache) < 0)
			continue;
		for (size_t k = 0; k < s->dev[i].n; k++)
			bytes[s->dev[i].idx[k]] = class_bytes(cache, s->dev[i].ifindex,
							      s->p->v[s->dev[i].idx[k]].key);
		nl_cache_free(cache);
	}
}

int shape_measure(const struct rplan *p, unsigned int ms, double *bps)
{
	long long *a = calloc(p->n + 1, sizeof(*a)), *b = calloc(p->n + 1, sizeof(*b));
	struct shaper s = { .p = p };
	char err[256];
	int ret = -1;

	s.err = err;
	s.len = sizeof(err);
	s.sk = nl_socket_alloc();
	if (!a || !b || !s.sk)
		abort();
	for (size_t i = 0; i < p->n; i++)
		bps[i] = -1;
	if (nl_connect(s.sk, NETLINK_ROUTE) >= 0 && !group(&s)) {
		sample(&s, a);
		usleep(ms * 1000);
		sample(&s, b);
		for (size_t i = 0; i < p->n; i++)
			if (a[i] >= 0 && b[i] >= a[i])
				bps[i] = (double)(b[i] - a[i]) * 8 * 1000 / ms;
		ret = 0;
	}
	for (size_t i = 0; i < s.ndev; i++)
		free(s.dev[i].idx);
	free(s.dev);
	nl_socket_free(s.sk);
	free(a);
	free(b);
	return ret;
}

const char *shape_status(const struct rplan *p, const double *bps, const char *slice,
			 const char *link, bool json, char *buf, size_t len)
{
	char a[32], b[32], c[32], d[32];

	buf[0] = '\0';
	for (size_t i = 0; p && i < p->n; i++) {
		const struct rdemand *v = &p->v[i];
		uint64_t max = v->max_bps ? v->max_bps : p->cap_bps;

		if (strcmp(v->slice, slice) || strcmp(v->link, link))
			continue;
		if (json)
			snprintf(buf, len, ",\"reservation\":{\"min_bps\":%llu,\"max_bps\":%llu,\"alloc_bps\":%llu,\"rate_bps\":%.0f}",
				 (unsigned long long)v->min_bps, (unsigned long long)max,
				 (unsigned long long)v->alloc_bps, bps[i] < 0 ? 0 : bps[i]);
		else
			snprintf(buf, len, "\n      reserved: min %s max %s allocated %s, sending %s",
				 resv_rate_str(v->min_bps, a, sizeof(a)), resv_rate_str(max, b, sizeof(b)),
				 resv_rate_str(v->alloc_bps, c, sizeof(c)),
				 bps[i] < 0 ? "?" : resv_rate_str((uint64_t)bps[i], d, sizeof(d)));
		break;
	}
	return buf;
}
