// SPDX-License-Identifier: GPL-2.0
/* trellisd exec SLICE HOST [--] CMD...: run a command inside a host. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "names.h"
#include "state.h"
#include "trellisd.h"

int cmd_exec(int argc, char **argv)
{
	const struct jentry *e = NULL;
	struct journal j;
	int first = 3, err;

	if (argc < 3) {
		fprintf(stderr, "usage: trellisd exec SLICE HOST [--] CMD [ARGS...]\n");
		return 2;
	}
	if (!name_arg_ok(NAME_SLICE, argv[1]) || !name_arg_ok(NAME_HOST, argv[2]))
		return 2;
	if (!slice_exists(argv[1])) {
		errorf("exec: slice %s is not up", argv[1]);
		return 1;
	}
	if (journal_load(argv[1], &j)) {
		errorf("exec: cannot read the journal of %s", argv[1]);
		return 1;
	}
	for (size_t i = 0; i < j.n; i++)
		if (!strcmp(j.e[i].kind, "host") && !strcmp(j.e[i].name, argv[2]))
			e = &j.e[i];
	if (!e) {
		errorf("exec: slice %s has no host %s here", argv[1], argv[2]);
		return 1;
	}
	if (!host_alive(e)) {
		errorf("exec: host %s of %s is not running (its holder, pid %d, is gone)",
		       argv[2], argv[1], (int)e->pid);
		return 1;
	}
	err = host_enter(e->pid);
	if (err) {
		errorf("exec: cannot enter host %s: %s", argv[2], strerror(-err));
		return 1;
	}
	setenv("TRELLIS_SLICE", argv[1], 1);
	setenv("TRELLIS_HOST", argv[2], 1);
	if (first < argc && !strcmp(argv[first], "--"))
		first++;
	if (first >= argc) {
		const char *sh = getenv("SHELL");

		execl(sh ? sh : "/bin/sh", sh ? sh : "/bin/sh", (char *)NULL);
	} else {
		execvp(argv[first], argv + first);
	}
	errorf("exec: %s: %m", first < argc ? argv[first] : "shell");
	return 127;
}
