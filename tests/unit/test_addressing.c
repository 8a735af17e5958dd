// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of `addressing auto' (addressing.c, and its statement in
 * parse.c): what each link, lan and loopback gets, that addresses written
 * by hand win and are never reused, determinism, pools, and the errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "topo.h"

#include "parse_helpers.h"

/* The addresses of host:if (lo for loopbacks), space-separated. */
static const char *addrs(const struct topo *t, const char *host, const char *ifname)
{
	static char buf[512];
	const struct prefix *a;
	size_t n, used = 0, e;
	int hi = topo_host(t, host), li;
	char p[64];

	assert_true(hi >= 0);
	if (!strcmp(ifname, "lo")) {
		a = t->hosts[hi].loopbacks;
		n = t->hosts[hi].n_loopbacks;
	} else {
		li = topo_find_end(t, hi, ifname, &e);
		assert_true(li >= 0);
		a = t->links[li].ends[e].addrs;
		n = t->links[li].ends[e].n_addrs;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? " " : "",
					 prefix_str(&a[i], p, sizeof(p)));
	return buf;
}

#define RING "host r1\nhost r2\nhost r3\n" \
	"link r1:eth0 r2:eth0\nlink r2:eth1 r3:eth0\nlink r3:eth1 r1:eth1\n"

static void test_defaults(void **state)
{
	struct topo t;

	(void)state;
	parse_ok(&t, "slice s\naddressing auto\n" RING);
	assert_string_equal(addrs(&t, "r1", "lo"), "10.255.0.1/32 fd00:0:ff::1/128");
	assert_string_equal(addrs(&t, "r3", "lo"), "10.255.0.3/32 fd00:0:ff::3/128");
	assert_string_equal(addrs(&t, "r1", "eth0"), "10.0.0.0/31 fd00:0:1::/127");
	assert_string_equal(addrs(&t, "r2", "eth0"), "10.0.0.1/31 fd00:0:1::1/127");
	assert_string_equal(addrs(&t, "r2", "eth1"), "10.0.0.2/31 fd00:0:1::2/127");
	assert_string_equal(addrs(&t, "r1", "eth1"), "10.0.0.5/31 fd00:0:1::5/127");
	topo_free(&t);
}

static void test_without_statement(void **state)
{
	struct topo t;

	(void)state;
	parse_ok(&t, "slice s\n" RING);
	assert_string_equal(addrs(&t, "r1", "lo"), "");
	assert_string_equal(addrs(&t, "r1", "eth0"), "");
	topo_free(&t);
}

/* A hand-written address wins for its link and family, and what it
 * occupies is skipped: 10.0.0.0/30 by hand, so the first /31 given is
 * 10.0.0.4; 10.255.0.1 by hand on r2, so r1 gets .2, r2 keeps .1. */
static void test_hand_written_wins(void **state)
{
	struct topo t;

	(void)state;
	parse_ok(&t, "slice s\naddressing auto\n"
		 "host r1\nhost r2\n    loopback 10.255.0.1/32\nhost r3\n"
		 "link r1:eth0 r2:eth0\n    addr r1 10.0.0.1/30\n    addr r2 10.0.0.2/30\n"
		 "link r2:eth1 r3:eth0\nlink r3:eth1 r1:eth1\n");
	assert_string_equal(addrs(&t, "r1", "eth0"), "10.0.0.1/30 fd00:0:1::/127");
	assert_string_equal(addrs(&t, "r2", "eth0"), "10.0.0.2/30 fd00:0:1::1/127");
	assert_string_equal(addrs(&t, "r2", "eth1"), "10.0.0.4/31 fd00:0:1::2/127");
	assert_string_equal(addrs(&t, "r3", "eth0"), "10.0.0.5/31 fd00:0:1::3/127");
	assert_string_equal(addrs(&t, "r2", "lo"), "10.255.0.1/32 fd00:0:ff::2/128");
	assert_string_equal(addrs(&t, "r1", "lo"), "10.255.0.2/32 fd00:0:ff::1/128");
	assert_string_equal(addrs(&t, "r3", "lo"), "10.255.0.3/32 fd00:0:ff::3/128");
	topo_free(&t);
}

/* One end addressed by hand: the link gets nothing more of that family. */
static void test_one_end_by_hand(void **state)
{
	struct topo t;

	(void)state;
	parse_ok(&t, "slice s\naddressing auto pool6 none loopback6 none\n"
		 "host r1\nhost r2\nlink r1:eth0 r2:eth0\n    addr r1 192.0.2.1/24\n");
	assert_string_equal(addrs(&t, "r1", "eth0"), "192.0.2.1/24");
	assert_string_equal(addrs(&t, "r2", "eth0"), "");
	assert_string_equal(addrs(&t, "r2", "lo"), "10.255.0.2/32");
	topo_free(&t);
}

static void test_lans(void **state)
{
	struct topo t;

	(void)state;
	parse_ok(&t, "slice s\naddressing auto\nhost a\nhost b\nhost c\n"
		 "link a:eth1 b:eth1\nlan seg a:eth0 b:eth0 c:eth0\nlink b:eth2 c:eth2\n");
	assert_string_equal(addrs(&t, "a", "eth1"), "10.0.0.0/31 fd00:0:1::/127");
	assert_string_equal(addrs(&t, "a", "eth0"), "10.0.1.1/24 fd00:0:1:1::1/64");
	assert_string_equal(addrs(&t, "c", "eth0"), "10.0.1.3/24 fd00:0:1:1::3/64");
	assert_string_equal(addrs(&t, "b", "eth2"), "10.0.2.0/31 fd00:0:1:2::/127");
	topo_free(&t);
}

static void test_pools(void **state)
{
	struct topo t;

	(void)state;
	parse_ok(&t, "slice s\naddressing auto pool4 198.51.100.0/24 loopback4 203.0.113.0/24 "
		 "pool6 2001:db8:1::/48 loopback6 none\n" RING);
	assert_string_equal(addrs(&t, "r1", "eth0"), "198.51.100.0/31 2001:db8:1::/127");
	assert_string_equal(addrs(&t, "r3", "eth1"), "198.51.100.4/31 2001:db8:1::4/127");
	assert_string_equal(addrs(&t, "r2", "lo"), "203.0.113.2/32");
	topo_free(&t);
}

/* The same file gives the same addresses; a link added at the end moves
 * none of the others. */
static void test_deterministic(void **state)
{
	struct topo a, b;

	(void)state;
	parse_ok(&a, "slice s\naddressing auto\n" RING);
	parse_ok(&b, "slice s\naddressing auto\n" RING "host r4\nlink r4:eth0 r1:eth2\n");
	for (size_t li = 0; li < a.n_links; li++)
		for (size_t e = 0; e < 2; e++)
			for (size_t k = 0; k < a.links[li].ends[e].n_addrs; k++)
				assert_memory_equal(&a.links[li].ends[e].addrs[k],
						    &b.links[li].ends[e].addrs[k], sizeof(struct prefix));
	assert_string_equal(addrs(&b, "r4", "eth0"), "10.0.0.6/31 fd00:0:1::6/127");
	assert_string_equal(addrs(&b, "r4", "lo"), "10.255.0.4/32 fd00:0:ff::4/128");
	topo_free(&a);
	topo_free(&b);
}

/* Auto addresses never collide with hand-written ones: a /31 pool of 4
 * addresses with one taken by hand has room for exactly one more link. */
static void test_exhausted(void **state)
{
	struct topo t;

	(void)state;
	parse_ok(&t, "slice s\naddressing auto pool4 10.9.0.0/30 pool6 none loopback6 none\n"
		 "host r1\nhost r2\nhost r3\nlink r1:eth0 r2:eth0\n    addr r1 10.9.0.1/32\n"
		 "link r2:eth1 r3:eth0\n");
	assert_string_equal(addrs(&t, "r2", "eth1"), "10.9.0.2/31");
	topo_free(&t);
	parse_bad("slice s\naddressing auto pool4 10.9.0.0/30 pool6 none loopback6 none\n"
		  "host r1\nhost r2\nhost r3\nlink r1:eth0 r2:eth0\n    addr r1 10.9.0.1/32\n"
		  "link r2:eth1 r3:eth0\nlink r3:eth1 r1:eth1\n",
		  "t.topo:2:1: pool4 10.9.0.0/30 has no room left for a /31 for link r3:eth1-r1:eth1");
}

static void test_errors(void **state)
{
	(void)state;
	parse_bad("slice s\naddressing\n", "t.topo:2:11: expected `auto' after `addressing'");
	parse_bad("slice s\naddressing auto\naddressing auto\n",
		  "t.topo:3:1: a second `addressing' statement (the first is at line 2)");
	parse_bad("slice s\naddressing auto pool 10.0.0.0/8\n",
		  "t.topo:2:17: unknown addressing option `pool'");
	parse_bad("slice s\naddressing auto pool4 10.0.0.1/8\n",
		  "t.topo:2:23: `10.0.0.1/8' has host bits set");
	parse_bad("slice s\naddressing auto pool4 fd00::/48\n",
		  "t.topo:2:23: `pool4' takes an IPv4 prefix of length 1 to 31, or `none'");
	parse_bad("slice s\naddressing auto pool4 10.0.0.0/8 pool4 11.0.0.0/8\n",
		  "option `pool4' is given twice");
	parse_bad("slice s\naddressing auto pool4 127.0.0.0/8\n", "starts at a loopback address");
	parse_bad("slice s\naddressing auto pool4 10.0.0.0/8\n",
		  "the link pool and the loopback pool of one family overlap");
	parse_bad("slice s\naddressing auto loopback6\n", "expected a prefix or `none' after `loopback6'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_without_statement),
		cmocka_unit_test(test_hand_written_wins),
		cmocka_unit_test(test_one_end_by_hand),
		cmocka_unit_test(test_lans),
		cmocka_unit_test(test_pools),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_exhausted),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests_name("addressing", tests, NULL, NULL);
}
