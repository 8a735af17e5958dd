/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Topology text that must parse, and text that must be refused, for the
 * unit tests.  Include after cmocka.h; PARSE_BAD_DIR (default "/") is the
 * directory a refused file's relative names resolve against.
 */
#ifndef TRELLIS_PARSE_HELPERS_H
#define TRELLIS_PARSE_HELPERS_H

#include <stdio.h>
#include <string.h>

#include "topo.h"

#ifndef PARSE_BAD_DIR
#define PARSE_BAD_DIR "/"
#endif

static void parse_ok(struct topo *t, const char *text)
{
	struct diag d = { 0 };

	if (topo_parse_text(t, text, "t.topo", "/", &d)) {
		diag_print(&d);
		fail();
	}
	diag_free(&d);
}

/* The first error of a file that must be refused contains want. */
static void parse_bad(const char *text, const char *want)
{
	struct diag d = { 0 };
	struct topo t;

	assert_int_equal(topo_parse_text(&t, text, "t.topo", PARSE_BAD_DIR, &d), -1);
	assert_true(d.n >= 1);
	if (!strstr(d.msgs[0], want)) {
		fprintf(stderr, "got: %s\nwant: %s\n", d.msgs[0], want);
		fail();
	}
	diag_free(&d);
}

#endif
