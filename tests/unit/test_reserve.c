// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of bandwidth reservations: the language (parse.c), the
 * admission computation (reserve.c), with Table II of seed 003 (HIPerNET)
 * reproduced exactly, and the shaper's conversion of a virtual link's rate
 * into the underlay's (shape.h).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>

#include "reserve.h"
#include "shape.h"
#include "topo.h"

#define MBIT 1000000ull

/* --- the language ---------------------------------------------------- */

#define NODES "slice s\nnode alpha underlay 192.0.2.1 reservable 2gbit\n" \
	"node beta underlay 192.0.2.2 reservable 2gbit\nhost a node alpha\nhost b node beta\n" \
	"host c node alpha\n"

struct bad_case {
	const char *name;
	const char *text;
	const char *want;	/* the first error, or a part of it */
};

static const struct bad_case bad[] = {
	{ "max below min", NODES "link a:e0 b:e0\n    reserve min 100mbit max 50mbit\n",
	  "t.topo:8:29: max 50mbit is below min 100mbit" },
	{ "max below min, max first", NODES "link a:e0 b:e0\n    reserve max 50mbit min 100mbit\n",
	  "t.topo:8:17: max 50mbit is below min 100mbit" },
	{ "slice default max below min", NODES "reserve min 2mbit max 1mbit\n",
	  "t.topo:7:23: max 1mbit is below min 2mbit" },
	{ "static with max", NODES "link a:e0 b:e0\n    reserve static 1mbit max 2mbit\n",
	  "t.topo:8:26: `max' after `static'" },
	{ "min with static", NODES "link a:e0 b:e0\n    reserve min 1mbit static 2mbit\n",
	  "t.topo:8:23: `static' is both a minimum and a maximum" },
	{ "min twice", NODES "link a:e0 b:e0\n    reserve min 1mbit min 2mbit\n",
	  "t.topo:8:23: option `min' is given twice" },
	{ "unknown option with hint", NODES "link a:e0 b:e0\n    reserve mni 1mbit\n",
	  "t.topo:8:13: unknown reserve option `mni' (did you mean `min'?)" },
	{ "no options", NODES "link a:e0 b:e0\n    reserve\n", "expected `min RATE'" },
	{ "missing rate", NODES "link a:e0 b:e0\n    reserve min\n",
	  "t.topo:8:16: expected a rate after `min'" },
	{ "bad rate", NODES "link a:e0 b:e0\n    reserve min 10furlongs\n",
	  "t.topo:8:17: bad min rate `10furlongs'" },
	{ "second reserve", NODES "link a:e0 b:e0\n    reserve min 1mbit\n    reserve max 2mbit\n",
	  "t.topo:9:5: a second `reserve' for this link (the first is at line 8)" },
	{ "second default", NODES "reserve min 1mbit\nreserve max 2mbit\n",
	  "t.topo:8:1: a second slice-wide `reserve'" },
	{ "bad reservable", "slice s\nnode n underlay 192.0.2.1 reservable fast\n",
	  "t.topo:2:38: bad reservable rate `fast'" },
	{ "same node link", NODES "link a:e0 c:e0\n    reserve min 1mbit\n",
	  "t.topo:8:5: link a:e0-c:e0 does not cross nodes" },
	{ "no nodes at all", "slice s\nhost a\nhost b\nlink a:e0 b:e0\n    reserve min 1mbit\n",
	  "does not cross nodes" },
	{ "lan", NODES "lan l a:e0 c:e0\n    reserve min 1mbit\n", "lan l does not cross nodes" },
	{ "node without reservable",
	  "slice s\nnode alpha underlay 192.0.2.1 reservable 1gbit\nnode beta underlay 192.0.2.2\n"
	  "host a node alpha\nhost b node beta\nlink a:e0 b:e0\n    reserve min 1mbit\n",
	  "t.topo:7:5: link a:e0-b:e0 reserves bandwidth but node `beta' declares no `reservable' rate" },
	{ "default, node without reservable",
	  "slice s\nnode alpha underlay 192.0.2.1 reservable 1gbit\nnode beta underlay 192.0.2.2\n"
	  "reserve min 1mbit\nhost a node alpha\nhost b node beta\nlink a:e0 b:e0\n",
	  "t.topo:4:1: link a:e0-b:e0 reserves bandwidth but node `beta'" },
	{ "min above reservable", NODES "link a:e0 b:e0\n    reserve min 3gbit\n",
	  "asks for min 3000 mbit, more than node `alpha' may reserve (2000 mbit)" },
	{ "max above reservable", NODES "link a:e0 b:e0\n    reserve max 2001mbit\n",
	  "asks for max 2001 mbit" },
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct diag d = { 0 };
		struct topo t;
		int r = topo_parse_text(&t, bad[i].text, "t.topo", "/", &d);

		if (r == 0 || d.n == 0 || !strstr(d.msgs[0], bad[i].want)) {
			print_error("case `%s': got %s\n", bad[i].name, r == 0 ? "no error" :
				    d.n ? d.msgs[0] : "?");
			fail();
		}
		diag_free(&d);
	}
}

static struct topo parse_ok(const char *text)
{
	struct diag d = { 0 };
	struct topo t;

	if (topo_parse_text(&t, text, "t.topo", "/", &d)) {
		print_error("%s\n", d.n ? d.msgs[0] : "?");
		fail();
	}
	return t;
}

static void test_language(void **state)
{
	struct topo t = parse_ok(NODES "reserve min 100mbit max 500mbit\n"
				 "link a:e0 b:e0\n"
				 "link c:e1 b:e1\n    reserve static 300mbit\n"
				 "link a:e2 b:e2\n    reserve max 1gbit\n"
				 "link a:e3 c:e3\n");
	const struct resv *r;

	(void)state;
	assert_int_equal(t.nodes[0].reservable_bps, 2000 * MBIT);
	r = topo_link_resv(&t, 0);	/* the slice's default */
	assert_non_null(r);
	assert_int_equal(r->min_bps, 100 * MBIT);
	assert_int_equal(r->max_bps, 500 * MBIT);
	r = topo_link_resv(&t, 1);
	assert_int_equal(r->min_bps, 300 * MBIT);
	assert_int_equal(r->max_bps, 300 * MBIT);
	r = topo_link_resv(&t, 2);	/* max only: no minimum */
	assert_int_equal(r->min_bps, 0);
	assert_int_equal(r->max_bps, 1000 * MBIT);
	assert_null(topo_link_resv(&t, 3));	/* within one node: never reserved */
	topo_free(&t);

	t = parse_ok(NODES "link a:e0 b:e0\n    reserve min 100mbit\n");
	r = topo_link_resv(&t, 0);	/* min only: max 0, up to the capacity */
	assert_int_equal(r->min_bps, 100 * MBIT);
	assert_int_equal(r->max_bps, 0);
	topo_free(&t);
}

/* --- admission -------------------------------------------------------- */

static void demand(struct rdemand *d, uint64_t min, uint64_t max)
{
	memset(d, 0, sizeof(*d));
	d->min_bps = min * MBIT;
	d->max_bps = max * MBIT;
}

/* Seed 003, Table II: C = 2000 Mb/s. */
static void test_table2(void **state)
{
	struct rdemand v[3];
	uint64_t sum;

	(void)state;
	demand(&v[0], 100, 500);	/* VPXI 1 */
	demand(&v[1], 800, 1500);	/* VPXI 2 */
	demand(&v[2], 300, 300);	/* VPXI 3, static */
	assert_int_equal(resv_allocate(2000 * MBIT, v, 3, &sum), 0);
	assert_int_equal(sum, 1200 * MBIT);
	assert_int_equal(v[0].alloc_bps, 500 * MBIT);
	assert_int_equal(v[1].alloc_bps, 1200 * MBIT);
	assert_int_equal(v[2].alloc_bps, 300 * MBIT);
	/* t_2: VPXI 3 leaves. */
	assert_int_equal(resv_allocate(2000 * MBIT, v, 2, &sum), 0);
	assert_int_equal(v[0].alloc_bps, 500 * MBIT);
	assert_int_equal(v[1].alloc_bps, 1500 * MBIT);
}

/* Every constraint of the rule holds, and the total is the optimum. */
static void check_rule(uint64_t cap, const struct rdemand *v, size_t n, uint64_t want_total)
{
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += v[i].alloc_bps;
	for (size_t i = 0; i < n; i++) {
		uint64_t max = v[i].max_bps ? v[i].max_bps : cap;

		assert_true(v[i].alloc_bps >= v[i].min_bps);
		assert_true(v[i].alloc_bps <= max);
		assert_true(v[i].min_bps + (total - v[i].alloc_bps) <= cap);
	}
	assert_int_equal(total, want_total);
}

static void test_edges(void **state)
{
	struct rdemand v[3];
	uint64_t sum;

	(void)state;
	/* Minima summing exactly to the capacity: admitted, nobody above its minimum. */
	demand(&v[0], 1200, 1500);
	demand(&v[1], 800, 0);
	assert_int_equal(resv_allocate(2000 * MBIT, v, 2, &sum), 0);
	assert_int_equal(sum, 2000 * MBIT);
	assert_int_equal(v[0].alloc_bps, 1200 * MBIT);
	assert_int_equal(v[1].alloc_bps, 800 * MBIT);
	/* One Mb/s over: refused, the sum asked for reported. */
	demand(&v[1], 801, 0);
	assert_int_equal(resv_allocate(2000 * MBIT, v, 2, &sum), -1);
	assert_int_equal(sum, 2001 * MBIT);
	/* No reservations at all. */
	assert_int_equal(resv_allocate(2000 * MBIT, v, 0, &sum), 0);
	assert_int_equal(sum, 0);
	/* One link, min only: everything up to the capacity. */
	demand(&v[0], 100, 0);
	assert_int_equal(resv_allocate(2000 * MBIT, v, 1, &sum), 0);
	assert_int_equal(v[0].alloc_bps, 2000 * MBIT);
	/* Two max-only links (m = 0): each may take the whole capacity. */
	demand(&v[0], 0, 0);
	demand(&v[1], 0, 0);
	assert_int_equal(resv_allocate(2000 * MBIT, v, 2, &sum), 0);
	check_rule(2000 * MBIT, v, 2, 4000 * MBIT);
	/* Three links, no static: the optimum exceeds C, the rule still holds. */
	demand(&v[0], 100, 500);
	demand(&v[1], 800, 1500);
	demand(&v[2], 300, 2000);
	assert_int_equal(resv_allocate(2000 * MBIT, v, 3, &sum), 0);
	/* R = 800, H = 400, 700, 1700: best = min(2800, 800 + min(400, 400)) = 1200 above the minima */
	check_rule(2000 * MBIT, v, 3, 2400 * MBIT);
	/* A max above the capacity counts as the capacity. */
	demand(&v[0], 0, 5000);
	assert_int_equal(resv_allocate(2000 * MBIT, v, 1, &sum), 0);
	assert_int_equal(v[0].alloc_bps, 2000 * MBIT);
}

/* Admission over slices read from files, the message naming everything. */
static void test_admit(void **state)
{
	struct topo t1 = parse_ok(NODES "link a:e0 b:e0\n    reserve min 1500mbit\n");
	struct topo t2 = parse_ok("slice s2\nnode alpha underlay 192.0.2.1 reservable 2gbit\n"
				  "node beta underlay 192.0.2.2 reservable 2gbit\n"
				  "host x node alpha\nhost y node beta\nlink x:e0 y:e0\n"
				  "    reserve min 501mbit max 600mbit\n");
	const struct topo *both[] = { &t1, &t2 };
	struct rplan p = { 0 };
	char err[256] = "";

	(void)state;
	inet_pton(AF_INET, "192.0.2.1", &p.underlay);
	assert_int_equal(resv_admit(&p, "alpha", both, 2, err, sizeof(err)), -1);
	assert_string_equal(err, "node alpha, underlay 192.0.2.1: the minima of 2 reserved links ask for "
			    "2001mbit, more than its reservable 2gbit");
	resv_free(&p);
	/* Alone, each fits; s1's link gets everything up to the capacity. */
	assert_int_equal(resv_admit(&p, "alpha", both, 1, err, sizeof(err)), 0);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.v[0].alloc_bps, 2000 * MBIT);
	assert_int_equal(p.v[0].key, t1.links[0].key);
	assert_int_equal(p.v[0].remote.s_addr, t1.nodes[1].underlay.addr.v4.s_addr);
	resv_free(&p);
	topo_free(&t1);
	topo_free(&t2);
	/* Two files disagreeing on the node's reservable rate. */
	t1 = parse_ok(NODES);
	t2 = parse_ok("slice s2\nnode alpha underlay 192.0.2.1 reservable 1gbit\n");
	p.cap_bps = 0;
	assert_int_equal(resv_admit(&p, "alpha", both, 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "slice s2 declares reservable 1gbit, another deployed slice 2gbit"));
	resv_free(&p);
	topo_free(&t1);
	topo_free(&t2);
}

/* --- the shaper's conversion (shape.h) --------------------------------- */

static void test_wire(void **state)
{
	struct topo t = parse_ok(NODES "reserve static 1mbit\nlink a:e0 b:e0\n"
				 "link a:e1 b:e1 mtu 9000\n");
	const struct topo *one[] = { &t };
	struct rplan p = { 0 };
	char err[256] = "";

	(void)state;
	/* The default link MTU across nodes, 1458: frames of 1472 bytes, 1514
	 * on the underlay (+ outer IPv4 20, GRE with key 8, outer Ethernet 14). */
	assert_int_equal(SHAPE_OUTER, 42);
	assert_int_equal(shape_frame(0), 1472);
	assert_int_equal(shape_frame(1458), 1472);
	assert_int_equal(shape_frame(9000), 9014);
	assert_int_equal(shape_wire(1472, 0), 1514);
	assert_int_equal(shape_wire(14720, 1458), 15140);
	assert_int_equal(shape_wire(9014, 9000), 9056);
	/* Rounded up: the class never allows less than the reservation. */
	assert_int_equal(shape_wire(0, 0), 0);
	assert_int_equal(shape_wire(1, 0), 2);
	/* The pair test's classes, in bytes/s: 300, 500, 1200, 1500 kbit/s and
	 * the reservable 2 Mb/s; 150000 * 1514 / 1472 = 154279.9. */
	assert_int_equal(shape_wire(37500, 0), 38570);
	assert_int_equal(shape_wire(62500, 0), 64284);
	assert_int_equal(shape_wire(150000, 0), 154280);
	assert_int_equal(shape_wire(187500, 0), 192850);
	assert_int_equal(shape_wire(250000, 0), 257134);
	/* Table II's C = 2000 Mb/s: 250e6 * 1514 / 1472 = 257133152.2. */
	assert_int_equal(shape_wire(250000000, 0), 257133153);
	/* No overflow near the top of the range: 2^62 / 1472 * 1514 exactly. */
	assert_int_equal(shape_wire(1472ull << 52, 0), 1514ull << 52);
	/* The demands carry their link's MTU to the shaper. */
	inet_pton(AF_INET, "192.0.2.1", &p.underlay);
	assert_int_equal(resv_admit(&p, "alpha", one, 1, err, sizeof(err)), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.v[0].mtu, 0);
	assert_int_equal(p.v[1].mtu, 9000);
	assert_int_equal(shape_wire(p.v[1].alloc_bps / 8, p.v[1].mtu), 125583);	/* 125000 * 9056 / 9014 = 125582.4 */
	resv_free(&p);
	topo_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_language),
		cmocka_unit_test(test_table2),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_admit),
		cmocka_unit_test(test_wire),
	};

	return cmocka_run_group_tests_name("reserve", tests, NULL, NULL);
}
