// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the frr and bird host statements (parse.c, daemon.c's
 * input): every error path with the message it must give, the parsed
 * model, and the routing examples of topo/.
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

/* Relative config paths resolve against TOPDIR/topo. */
#define DIR TOPDIR "/topo"
#define S "slice s\nhost r1\n"
#define CONF "ospf-ring/r1/frr.conf"
#define BCONF "bgp-mixed/r2/bird.conf"

struct bad_case {
	const char *name;
	const char *text;
	const char *want;	/* a substring of the first error */
};

static const struct bad_case bad[] = {
	{ "unknown FRR daemon with hint", S "    frr zebra ospfdd config " CONF "\n",
	  "t.topo:3:15: unknown FRR daemon `ospfdd' (did you mean `ospfd'?)" },
	{ "unknown FRR daemon, no hint", S "    frr quagga config " CONF "\n",
	  "t.topo:3:9: unknown FRR daemon `quagga' (expected zebra, bgpd, ospfd" },
	{ "FRR daemon named twice", S "    frr bgpd bgpd config " CONF "\n",
	  "t.topo:3:14: FRR daemon `bgpd' is named twice" },
	{ "frr without daemons", S "    frr config " CONF "\n",
	  "t.topo:3:9: expected FRR daemon names after `frr'" },
	{ "frr without config", S "    frr zebra ospfd\n",
	  "t.topo:3:20: `frr' needs `config FILE'" },
	{ "frr config without file", S "    frr zebra config\n",
	  "t.topo:3:21: expected a file name after `config'" },
	{ "frr missing config file", S "    frr zebra config nosuch/frr.conf\n",
	  "t.topo:3:22: cannot read `nosuch/frr.conf': No such file or directory" },
	{ "frr config is a directory", S "    frr zebra config ospf-ring\n",
	  "cannot read `ospf-ring': not a regular file" },
	{ "frr two configs", S "    frr zebra config " CONF " config " CONF "\n",
	  "a second `config' for `frr'" },
	{ "frr bad restart policy", S "    frr zebra config " CONF " restart sometimes\n",
	  "bad restart policy `sometimes' (expected always, on-failure or never)" },
	{ "frr restart policy hint", S "    frr zebra config " CONF " restart allways\n",
	  "(did you mean `always'?)" },
	{ "frr restart without policy", S "    frr zebra config " CONF " restart\n",
	  "expected always, on-failure or never after `restart'" },
	{ "second frr", S "    frr zebra config " CONF "\n    frr ospfd config " CONF "\n",
	  "t.topo:4:5: a second `frr' statement for host `r1' (the first is at line 3)" },
	{ "bird without config", S "    bird\n", "t.topo:3:9: `bird' needs `config FILE'" },
	{ "bird unknown option", S "    bird confg " BCONF "\n",
	  "t.topo:3:10: unknown bird option `confg' (did you mean `config'?)" },
	{ "bird missing config file", S "    bird config nosuch.conf\n",
	  "cannot read `nosuch.conf': No such file or directory" },
	{ "second bird", S "    bird config " BCONF "\n    bird config " BCONF "\n",
	  "a second `bird' statement for host `r1'" },
	{ "misspelt statement", S "    birb config " BCONF "\n",
	  "unknown host statement `birb' (did you mean `bird'?)" },
	{ "frr outside a host", "slice s\nfrr zebra config " CONF "\n",
	  "unknown statement `frr' (sub-statements are indented" },
};

static void test_bad(void **state)
{
	const struct bad_case *c = *state;
	struct diag d = { 0 };
	struct topo t;

	assert_int_equal(topo_parse_text(&t, c->text, "t.topo", DIR, &d), -1);
	assert_true(d.n > 0);
	if (!strstr(d.msgs[0], c->want)) {
		print_error("first error: %s\nwanted: %s\n", d.msgs[0], c->want);
		fail();
	}
	diag_free(&d);
}

static int daemon_bit(const char *name)
{
	for (int d = 0; topo_frr_daemons[d]; d++)
		if (!strcmp(topo_frr_daemons[d], name))
			return 1 << d;
	return 0;
}

static void test_model(void **state)
{
	struct diag d = { 0 };
	struct topo t;

	(void)state;
	if (topo_parse_text(&t,
		"slice s\n"
		"host r1\n"
		"    frr ospfd bgpd config " CONF "\n"
		"host r2\n"
		"    bird config " BCONF " restart always\n"
		"host r3\n"
		"    frr zebra isisd config " TOPDIR "/topo/isis/r1/frr.conf restart never\n"
		"    bird config " BCONF " restart on-failure\n"
		"host r4\n",
		"t.topo", DIR, &d)) {
		diag_print(&d);
		fail();
	}
	assert_string_equal(topo_frr_daemons[0], "zebra");
	/* zebra is always added */
	assert_true(t.hosts[0].frr.set);
	assert_int_equal(t.hosts[0].frr.daemons,
			 daemon_bit("zebra") | daemon_bit("ospfd") | daemon_bit("bgpd"));
	assert_string_equal(t.hosts[0].frr.config, DIR "/" CONF);
	assert_int_equal(t.hosts[0].frr.restart, RESTART_ON_FAILURE);
	assert_false(t.hosts[0].bird.set);
	assert_int_equal(t.hosts[0].frr.loc.line, 3);

	assert_false(t.hosts[1].frr.set);
	assert_true(t.hosts[1].bird.set);
	assert_string_equal(t.hosts[1].bird.config, DIR "/" BCONF);
	assert_int_equal(t.hosts[1].bird.restart, RESTART_ALWAYS);

	/* absolute paths are kept; FRR and BIRD on one host */
	assert_string_equal(t.hosts[2].frr.config, TOPDIR "/topo/isis/r1/frr.conf");
	assert_int_equal(t.hosts[2].frr.restart, RESTART_NEVER);
	assert_int_equal(t.hosts[2].frr.daemons, daemon_bit("zebra") | daemon_bit("isisd"));
	assert_int_equal(t.hosts[2].bird.restart, RESTART_ON_FAILURE);

	assert_false(t.hosts[3].frr.set);
	assert_false(t.hosts[3].bird.set);
	topo_free(&t);
}

/* Every FRR daemon name is accepted, each its own bit. */
static void test_all_daemons(void **state)
{
	uint32_t seen = 0;

	(void)state;
	for (int i = 0; topo_frr_daemons[i]; i++) {
		char text[512];
		struct diag d = { 0 };
		struct topo t;

		snprintf(text, sizeof(text), S "    frr %s config " CONF "\n", topo_frr_daemons[i]);
		assert_int_equal(topo_parse_text(&t, text, "t.topo", DIR, &d), 0);
		assert_true(t.hosts[0].frr.daemons & (1u << i));
		assert_false(seen & (1u << i));
		seen |= 1u << i;
		topo_free(&t);
	}
	assert_true(seen & 1);
}

/* The routing examples parse, with the daemons they are meant to run. */
static void test_examples(void **state)
{
	static const struct { const char *file; const char *host; bool frr, bird; const char *daemon; } ex[] = {
		{ "ospf-ring.topo", "r4", true, false, "ospfd" },
		{ "bgp-mixed.topo", "r1", true, false, "bgpd" },
		{ "bgp-mixed.topo", "r2", false, true, NULL },
		{ "isis.topo", "r2", true, false, "isisd" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		char path[512];
		struct diag d = { 0 };
		struct topo t;
		int h;

		snprintf(path, sizeof(path), "%s/topo/%s", TOPDIR, ex[i].file);
		if (topo_parse_file(&t, path, NULL, &d)) {
			diag_print(&d);
			fail();
		}
		h = topo_host(&t, ex[i].host);
		assert_true(h >= 0);
		assert_int_equal(t.hosts[h].frr.set, ex[i].frr);
		assert_int_equal(t.hosts[h].bird.set, ex[i].bird);
		if (ex[i].daemon)
			assert_true(t.hosts[h].frr.daemons & daemon_bit(ex[i].daemon));
		topo_free(&t);
	}
}

int main(void)
{
	size_t nbad = sizeof(bad) / sizeof(bad[0]);
	struct CMUnitTest *tests = calloc(nbad + 3, sizeof(*tests));
	size_t n = 0;

	for (size_t i = 0; i < nbad; i++) {
		tests[n].name = bad[i].name;
		tests[n].test_func = test_bad;
		tests[n].initial_state = (void *)&bad[i];
		n++;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_model);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_all_daemons);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_examples);
	return _cmocka_run_group_tests("daemon_parse", tests, n, NULL, NULL);
}
