// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of policy.conf (policy.c): the parser's messages with
 * file:line:col, and admission, exact at every limit.
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

#include "policy.h"

#define ALICE 1001
#define BOB 1002
#define CAROL 1003
#define TRELLIS 500
#define LAB 501

static int fake_user(const char *name, unsigned int *id)
{
	if (!strcmp(name, "alice"))
		*id = ALICE;
	else if (!strcmp(name, "bob"))
		*id = BOB;
	else
		return -1;
	return 0;
}

static int fake_group(const char *name, unsigned int *id)
{
	if (!strcmp(name, "trellis"))
		*id = TRELLIS;
	else if (!strcmp(name, "lab"))
		*id = LAB;
	else
		return -1;
	return 0;
}

static void dfree(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	d->msgs = NULL;
	d->n = 0;
}

static void load(struct policy *p, const char *text)
{
	struct diag d = { 0 };
	int err = policy_parse(p, text, "policy.conf", &d);

	if (!err)
		err = policy_resolve(p, fake_user, fake_group, &d);
	if (err)
		print_error("%s\n", d.msgs[0]);
	assert_int_equal(err, 0);
	dfree(&d);
}

/* --- the parser ---------------------------------------------------------- */

struct bad_case {
	const char *text;
	const char *want;	/* the first message */
};

static const struct bad_case bad[] = {
	{ "users alice slices 1\n", "policy.conf:1:1: unknown statement `users' (user, group, per-host)" },
	{ "user alice slcies 1\n", "policy.conf:1:12: unknown limit `slcies' (slices, hosts, links, processes, memory)" },
	{ "user alice slices -1\n", "policy.conf:1:19: bad slices value `-1' (a whole number)" },
	{ "user alice slices two\n", "policy.conf:1:19: bad slices value `two' (a whole number)" },
	{ "user alice slices\n", "policy.conf:1:12: slices needs a value" },
	{ "per-host memory 1X\n", "policy.conf:1:17: bad memory value `1X' (bytes, or a number with K, M, G or T)" },
	{ "per-host memory 99999999999T\n", "policy.conf:1:17: bad memory value `99999999999T'" },
	{ "per-host slices 1\n", "policy.conf:1:10: unknown limit `slices' (processes, memory)" },
	{ "user alice slices 1 hosts 2 slices 3\n", "policy.conf:1:29: slices given twice on this line (first at column 12)" },
	{ "# c\nuser alice slices 1\n\nuser alice hosts 2\n", "policy.conf:4:6: user alice already has a line (line 2)" },
	{ "user alice memory 1G\n", "policy.conf:1:12: a memory quota needs a `per-host memory' line" },
	{ "group * slices 1\n", "policy.conf:1:7: bad group name `*'" },
	{ "user\n", "policy.conf:1:1: `user' needs a name" },
	{ "user alice slices 1\x01\n", "policy.conf:1:20: control character 0x01" },
	{ "per-host processes 1\nper-host memory 1M\n", "policy.conf:2:1: per-host given twice (first on line 1)" },
};

static void test_parse_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct diag d = { 0 };
		struct policy p;

		if (policy_parse(&p, bad[i].text, "policy.conf", &d) == 0)
			fail_msg("accepted: %s", bad[i].text);
		assert_true(d.n >= 1);
		if (strncmp(d.msgs[0], bad[i].want, strlen(bad[i].want)))
			fail_msg("%s\n  got:  %s\n  want: %s", bad[i].text, d.msgs[0], bad[i].want);
		dfree(&d);
	}
}

static void test_unknown_user(void **state)
{
	struct diag d = { 0 };
	struct policy p;

	(void)state;
	assert_int_equal(policy_parse(&p, "\nuser mallory slices 1\n", "policy.conf", &d), 0);
	assert_int_equal(policy_resolve(&p, fake_user, fake_group, &d), -1);
	assert_string_equal(d.msgs[0], "policy.conf:2:1: no user `mallory' on this system");
	dfree(&d);
	policy_free(&p);
}

static void test_parse_values(void **state)
{
	struct slice_limits l;
	struct policy p;

	(void)state;
	load(&p, "# comment\n\tper-host processes 64 memory 256M  # trailing\n"
		 "user alice slices 2 memory 1g\nuser * hosts 3\ngroup trellis links 10\n");
	assert_int_equal(p.n, 3);
	assert_int_equal(p.per_host[RES_PROCS], 64);
	assert_int_equal(p.per_host[RES_MEMORY], 256LL << 20);
	assert_int_equal(p.r[0].lim[RES_SLICES], 2);
	assert_int_equal(p.r[0].lim[RES_MEMORY], 1LL << 30);
	assert_int_equal(p.r[0].lim[RES_HOSTS], -1);
	assert_int_equal(p.r[0].id, ALICE);
	assert_true(p.r[1].any);
	assert_int_equal(p.r[2].id, TRELLIS);
	policy_slice_limits(&p, 3, &l);
	assert_int_equal(l.pids, 192);
	assert_int_equal(l.memory_bytes, 3 * (256LL << 20));
	policy_free(&p);
}

/* --- admission -------------------------------------------------------------- */

static const gid_t alice_g[] = { 1001, TRELLIS };
static const gid_t bob_g[] = { 1002, TRELLIS, LAB };
static const gid_t carol_g[] = { 1003, LAB };

static const struct principal alice = { ALICE, "alice", alice_g, 2 };
static const struct principal bob = { BOB, "bob", bob_g, 3 };
static const struct principal carol = { CAROL, "carol", carol_g, 2 };

static struct slice_use use_of(const struct policy *p, const struct principal *w, size_t hosts,
			       size_t links)
{
	struct slice_use u = { .owner = w->uid, .gids = w->gids, .n_gids = w->n_gids };

	policy_use(p, hosts, links, &u);
	return u;
}

static int admit(const struct policy *p, const struct principal *who, const struct slice_use *u,
		 size_t n, size_t hosts, size_t links, char *msg)
{
	struct slice_use ask = use_of(p, who, hosts, links);

	msg[0] = '\0';
	return policy_admit(p, who, u, n, &ask, msg, 512);
}

static void test_exact_at_the_limit(void **state)
{
	struct slice_use u[3];
	struct policy p;
	char msg[512];

	(void)state;
	load(&p, "per-host processes 10\nuser alice slices 2 hosts 5 processes 50\n");
	u[0] = use_of(&p, &alice, 2, 1);
	assert_int_equal(admit(&p, &alice, u, 1, 3, 0, msg), 0);	/* 2 slices, 5 hosts: exact */
	assert_int_equal(admit(&p, &alice, u, 1, 4, 0, msg), -1);	/* 6 hosts */
	assert_string_equal(msg, "quota: user alice may have 5 hosts (policy.conf:2); alice has 2 and asked for 4 more");
	u[1] = use_of(&p, &alice, 1, 0);
	assert_int_equal(admit(&p, &alice, u, 2, 1, 0, msg), -1);	/* a third slice */
	assert_string_equal(msg, "quota: user alice may have 2 slices (policy.conf:2); alice has 2 and asked for 1 more");
	policy_free(&p);
}

static void test_others_do_not_count(void **state)
{
	struct slice_use u[2];
	struct policy p;
	char msg[512];

	(void)state;
	load(&p, "user * slices 1\n");
	u[0] = use_of(&p, &bob, 4, 4);
	assert_int_equal(admit(&p, &alice, u, 1, 1, 0, msg), 0);
	u[1] = use_of(&p, &alice, 1, 0);
	assert_int_equal(admit(&p, &alice, u, 2, 1, 0, msg), -1);
	assert_string_equal(msg, "quota: user alice may have 1 slices (policy.conf:1); alice has 1 and asked for 1 more");
	policy_free(&p);
}

static void test_own_line_over_any(void **state)
{
	struct slice_use u[1];
	struct policy p;
	char msg[512];

	(void)state;
	load(&p, "user * hosts 1\nuser alice hosts 4\n");
	u[0] = use_of(&p, &alice, 2, 0);
	assert_int_equal(admit(&p, &alice, u, 1, 2, 0, msg), 0);	/* her own line: 4 */
	assert_int_equal(admit(&p, &bob, NULL, 0, 1, 0, msg), 0);	/* `*': 1, exact */
	assert_int_equal(admit(&p, &bob, NULL, 0, 2, 0, msg), -1);
	assert_string_equal(msg, "quota: user bob may have 1 hosts (policy.conf:1); bob has 0 and asked for 2 more");
	policy_free(&p);
}

static void test_group_total(void **state)
{
	struct slice_use u[3];
	struct policy p;
	char msg[512];

	(void)state;
	load(&p, "group lab links 6\n");
	u[0] = use_of(&p, &bob, 2, 3);	/* bob: lab */
	u[1] = use_of(&p, &alice, 2, 5);	/* alice: not lab, not counted */
	assert_int_equal(admit(&p, &carol, u, 2, 2, 3, msg), 0);	/* 3 + 3: exact */
	u[2] = use_of(&p, &carol, 2, 3);
	assert_int_equal(admit(&p, &carol, u, 3, 1, 1, msg), -1);
	assert_string_equal(msg, "quota: group lab may have 6 links (policy.conf:1); its members have 6 and carol asked for 1 more");
	assert_int_equal(admit(&p, &alice, u, 3, 1, 9, msg), 0);	/* not a member */
	policy_free(&p);
}

static void test_memory_and_processes(void **state)
{
	struct slice_use u[1];
	struct policy p;
	char msg[512];

	(void)state;
	load(&p, "per-host processes 100 memory 512M\nuser alice memory 2G processes 1000\n");
	u[0] = use_of(&p, &alice, 3, 0);
	assert_int_equal(admit(&p, &alice, u, 1, 1, 0, msg), 0);	/* 4 x 512M = 2G */
	assert_int_equal(admit(&p, &alice, u, 1, 2, 0, msg), -1);
	assert_string_equal(msg, "quota: user alice may have 2147483648 bytes (2048.0 MiB) memory (policy.conf:2); alice has 1610612736 bytes (1536.0 MiB) and asked for 1073741824 bytes (1024.0 MiB) more");
	policy_free(&p);
}

static void test_root_and_shrinking(void **state)
{
	const struct principal root = { 0, "root", NULL, 0 };
	struct slice_use u[1], ask = { .owner = ALICE };
	struct policy p;
	char msg[512];

	(void)state;
	load(&p, "user * slices 0 hosts 0\n");
	assert_int_equal(admit(&p, &root, NULL, 0, 9, 9, msg), 0);
	u[0] = use_of(&p, &alice, 5, 0);	/* deployed before the policy */
	ask.v[RES_HOSTS] = -2;	/* an apply that removes hosts */
	assert_int_equal(policy_admit(&p, &alice, u, 1, &ask, msg, sizeof(msg)), 0);
	ask.v[RES_HOSTS] = 1;
	assert_int_equal(policy_admit(&p, &alice, u, 1, &ask, msg, sizeof(msg)), -1);
	policy_free(&p);
}

static void test_empty_policy(void **state)
{
	struct policy p;
	char msg[512];

	(void)state;
	load(&p, "");
	assert_int_equal(admit(&p, &alice, NULL, 0, 1000, 1000, msg), 0);
	policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_unknown_user),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_exact_at_the_limit),
		cmocka_unit_test(test_others_do_not_count),
		cmocka_unit_test(test_own_line_over_any),
		cmocka_unit_test(test_group_total),
		cmocka_unit_test(test_memory_and_processes),
		cmocka_unit_test(test_root_and_shrinking),
		cmocka_unit_test(test_empty_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
