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

#include <sys/stat.h>
#include <unistd.h>

#include "names.h"
#include "state.h"
#include "topo.h"

/* state.c reports through these (main.c's). */
void errorf(const char *fmt, ...)
{
	(void)fmt;
}

void warnf(const char *fmt, ...)
{
	(void)fmt;
}

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

/* --- the journal after a crash ------------------------------------------ */

static void read_text(const char *text, struct journal *j)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	assert_non_null(f);
	assert_int_equal(journal_read(f, j), 0);
	fclose(f);
}

static void test_journal_torn(void **state)
{
	struct journal j;

	(void)state;
	/* A number cut short still scans: only whole lines count. */
	read_text("host h1 100 5000 0 0\nrlink tv00000001\nhost h1 100 5000 4026532001 40265", &j);
	assert_int_equal(j.n, 2);
	assert_string_equal(j.e[0].kind, "host");
	assert_int_equal(j.e[0].netino, 0);
	assert_string_equal(j.e[1].name, "tv00000001");
	journal_free(&j);

	read_text("rlink tv0000", &j);
	assert_int_equal(j.n, 0);
	journal_free(&j);

	/* The marker the next append puts after a torn line (journal_add). */
	read_text("host h1 100 5000 4026532001 40265" JOURNAL_TORN "rlink tv0000" JOURNAL_TORN
		  "rlink tv00000002\n", &j);
	assert_int_equal(j.n, 1);
	assert_string_equal(j.e[0].name, "tv00000002");
	journal_free(&j);

	/* Junk after an entry, a bad pid, an unknown kind. */
	read_text("host h1 100 5000 1 2 3\nhost h2 -1 5000 1 2\nhost h3 0 5000 1 2\n"
		  "mount /x\nrlink a b\n", &j);
	assert_int_equal(j.n, 0);
	journal_free(&j);
}

/* journal_add() ends a torn line before appending (on a real file). */
static void test_journal_append_after_crash(void **state)
{
	char dir[] = "/tmp/test_entry.XXXXXX", path[256];
	struct journal j = { 0 };
	struct jentry e = { .kind = "rlink", .name = "tv00000003" };
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("TRELLIS_RUNDIR", dir, 1);
	snprintf(path, sizeof(path), "%s/s", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/s/journal", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("rlink tv00000001\nrlink tv0000", f);	/* the crash */
	fclose(f);
	assert_int_equal(journal_add("s", &j, &e), 0);
	journal_free(&j);
	assert_int_equal(journal_load("s", &j), 0);
	assert_int_equal(j.n, 2);
	assert_string_equal(j.e[0].name, "tv00000001");
	assert_string_equal(j.e[1].name, "tv00000003");
	journal_free(&j);
	rm_rf(dir);
}

/* --- paths resolved when the topology is read ----------------------------- */

static void test_paths_resolved(void **state)
{
	char dir[] = "/tmp/test_entry.XXXXXX", path[512], cwd[4096], want[600];
	struct diag d = { 0 };
	struct topo t;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/topo", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/topo/bird.conf", dir);
	f = fopen(path, "w");
	fputs("router id 192.0.2.1;\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/topo/motd", dir);
	f = fopen(path, "w");
	fputs("hello\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/topo/x.topo", dir);
	f = fopen(path, "w");
	fputs("slice x\nhost h1\n    bird config bird.conf\n    file /etc/motd motd\n", f);
	fclose(f);

	/* Read by a relative path, then looked at from elsewhere. */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	if (topo_parse_file(&t, "topo/x.topo", NULL, &d)) {
		diag_print(&d);
		fail();
	}
	assert_int_equal(chdir("/"), 0);
	snprintf(want, sizeof(want), "%s/topo", dir);
	assert_string_equal(t.dir, want);
	snprintf(want, sizeof(want), "%s/topo/bird.conf", dir);
	assert_string_equal(t.hosts[0].bird.config, want);
	assert_int_equal(access(t.hosts[0].bird.config, R_OK), 0);
	snprintf(want, sizeof(want), "%s/topo/motd", dir);
	assert_string_equal(t.hosts[0].files[0].src, want);

	/* Deployed from a relative path (state_create() keeps the file's
	 * directory); what apply reads back from the run directory after a
	 * chdir names the same files. */
	assert_int_equal(chdir(dir), 0);
	snprintf(path, sizeof(path), "%s/run", dir);
	setenv("TRELLIS_RUNDIR", path, 1);
	assert_int_equal(state_create(&t, "topo/x.topo"), 0);
	topo_free(&t);
	assert_int_equal(chdir("/"), 0);
	if (state_topo("x", &t, &d)) {
		diag_print(&d);
		fail();
	}
	snprintf(want, sizeof(want), "%s/topo/bird.conf", dir);
	assert_string_equal(t.hosts[0].bird.config, want);
	topo_free(&t);
	assert_int_equal(chdir(cwd), 0);
	rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_parser_same_rule),
		cmocka_unit_test(test_journal_torn),
		cmocka_unit_test(test_journal_append_after_crash),
		cmocka_unit_test(test_paths_resolved),
	};

	return cmocka_run_group_tests_name("entry", tests, NULL, NULL);
}
