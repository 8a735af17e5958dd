// SPDX-License-Identifier: GPL-2.0
/* trellisd down SLICE|FILE: remove everything of a slice. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "deploy.h"
#include "names.h"
#include "shape.h"
#include "trellisd.h"

/*
 * A slice name, or the slice of a topology file.  A valid slice name is
 * always a name (it holds no `/' or `.'; write ./ring for a file named
 * ring); anything else must be a regular file, or it is refused as a name.
 * NULL after printing why: *rc is 2 for a bad argument, 1 for a bad file.
 */
static const char *down_target(const char *arg, char *buf, size_t len, int *rc)
{
	struct diag dg = { 0 };
	struct stat st;
	struct topo t;

	if (!name_check(NAME_SLICE, arg, NULL, 0))
		return arg;
	*rc = 2;
	if (stat(arg, &st) || !S_ISREG(st.st_mode)) {
		name_arg_ok(NAME_SLICE, arg);
		return NULL;
	}
	*rc = 1;
	if (topo_parse_file(&t, arg, NULL, &dg)) {
		diag_print(&dg);
		diag_free(&dg);
		return NULL;
	}
	snprintf(buf, len, "%s", t.slice);
	topo_free(&t);
	return buf;
}

const char *slice_arg(const char *arg, char *buf, size_t len)
{
	int rc;

	return down_target(arg, buf, len, &rc);
}

int cmd_down(int argc, char **argv)
{
	char name[TOPO_NAME_LEN];
	const char *slice;
	struct journal j;
	int ret = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: trellisd down SLICE|FILE\n");
		return 2;
	}
	slice = down_target(argv[1], name, sizeof(name), &ret);
	if (!slice)
		return ret;
	ret = 0;
	if (state_lock("down"))
		return 1;
	if (!slice_exists(slice)) {
		errorf("down %s: the slice is not up", slice);
		return 1;
	}
	if (journal_load(slice, &j)) {
		errorf("down %s: cannot read its journal", slice);
		return 1;
	}
	daemon_down(slice);	/* first: it stops its daemons gracefully */
	if (dep_undo(slice, &j, getenv("TRELLIS_VERBOSE") != NULL))
		ret = 1;
	journal_free(&j);
	if (!ret) {
		char msg[512];

		if (shape_down(slice, msg, sizeof(msg)))
			warnf("down %s: the other slices' reservations: %s", slice, msg);
	}
	if (!ret) {
		int err = rm_rf(slice_dir(slice));

		if (err) {
			errorf("down %s: cannot remove %s: %s", slice, slice_dir(slice), strerror(-err));
			ret = 1;
		}
		state_tidy();
	}
	if (!ret)
		printf("%s: down\n", slice);
	return ret;
}
