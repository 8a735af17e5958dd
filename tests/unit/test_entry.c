// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of trellisd's entry points (issue 14, point 5): the one name
 * validator (names.c) as the command line and the API use it, the journal
 * read back after a crash that cut its last line (state.c), and paths in a
 * topology resolved when it is read (parse.c).
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

#include "names.h"
#include "topo.h"

/* --- names ---------------------------------------------------------- */

struct name_case {
	enum name_kind kind;
	const char *s;
	const char *why;	/* NULL: valid; else a part of the reason */
};

static char long_name[201];

static const struct name_case names[] = {
	{ NAME_SLICE, "ring", NULL },
	{ NAME_SLICE, "r-1_x", NULL },
	{ NAME_SLICE, "a234567890123456789012345678901", NULL },	/* 31 */
	{ NAME_SLICE, "a2345678901234567890123456789012", "more than 31" },
	{ NAME_SLICE, "", "empty" },
	{ NAME_SLICE, ".", "`.' is not allowed" },
	{ NAME_SLICE, "..", "`.' is not allowed" },
	{ NAME_SLICE, "../x", "`.' is not allowed" },
	{ NAME_SLICE, "a/b", "`/' is not allowed" },
	{ NAME_SLICE, "-x", "beginning with a letter or digit" },
	{ NAME_SLICE, "a\nb", "byte 0x0a" },
	{ NAME_SLICE, "a\x1b[2Jb", "byte 0x1b" },
	{ NAME_SLICE, "r\xc3\xa9seau", "byte 0xc3" },
	{ NAME_SLICE, "a b", "byte 0x20" },
	{ NAME_HOST, "r1", NULL },
	{ NAME_HOST, "%switch", "`%' is not allowed" },
	{ NAME_IFNAME, "eth0.10", NULL },
	{ NAME_IFNAME, ".", "not names" },
	{ NAME_IFNAME, "..", "not names" },
	{ NAME_IFNAME, "eth0:1", "`:' is not allowed" },
	{ NAME_IFNAME, "abcdefghijklmnop", "more than 15" },
	{ NAME_DAEMON, "zebra", NULL },
	{ NAME_DAEMON, "run", NULL },
	{ NAME_DAEMON, "../../../etc/shadow", "`.' is not allowed" },
	{ NAME_HOSTNAME, "r1.example", NULL },
	{ NAME_HOSTNAME, "r1-", "ending with a letter or digit" },
};

static void test_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct name_case *c = &names[i];
		char why[160] = "";
		int r = name_check(c->kind, c->s, why, sizeof(why));

		if (!c->why) {
			if (r)
				fail_msg("%s `%s' refused: %s", name_kind_str(c->kind), c->s, why);
			continue;
		}
		if (!r)
			fail_msg("%s `%s' accepted", name_kind_str(c->kind), c->s);
		if (!strstr(why, c->why))
			fail_msg("%s `%s': `%s' does not say `%s'", name_kind_str(c->kind), c->s,
				 why, c->why);
	}
	{
		char why[160] = "";

		memset(long_name, 'a', 200);
		assert_int_equal(name_check(NAME_SLICE, long_name, why, sizeof(why)), -1);
		assert_non_null(strstr(why, "200 characters"));
	}
}

static void test_quote(void **state)
{
	char buf[96];

	(void)state;
	assert_string_equal(name_quote("a\nb\xc3\\", buf, sizeof(buf)), "a\\x0ab\\xc3\\x5c");
	memset(long_name, 'a', 200);
	long_name[200] = '\0';
	name_quote(long_name, buf, sizeof(buf));
	assert_true(strlen(buf) < sizeof(buf));
	assert_non_null(strstr(buf, "..."));
	/* A tiny buffer is never overrun. */
	assert_string_equal(name_quote("\x01\x02", buf, 9), "\\x01");
}

/* The parser applies the same rule. */
static void test_parser_same_rule(void **state)
{
	struct diag d = { 0 };
	struct topo t;

	(void)state;
	assert_int_not_equal(topo_parse_text(&t, "slice a.b\nhost h\n", "t.topo", "/", &d), 0);
	assert_true(d.n >= 1);
	assert_non_null(strstr(d.msgs[0], "invalid slice name"));
	diag_free(&d);
	topo_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_parser_same_rule),
	};

	return cmocka_run_group_tests_name("entry", tests, NULL, NULL);
}
