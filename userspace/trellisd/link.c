// SPDX-License-Identifier: GPL-2.0
/* trellisd link set|up|down: change a running link. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy.h"
#include "names.h"
#include "state.h"
#include "trellisd.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: trellisd link set SLICE HOST:IF none | DISCIPLINE...\n"
		"       trellisd link down SLICE HOST:IF\n"
		"       trellisd link up SLICE HOST:IF\n"
		"DISCIPLINE: delay TIME [jitter TIME] loss PCT duplicate PCT reorder PCT\n"
		"            corrupt PCT rate RATE limit PACKETS (as in a topology file)\n");
	return 2;
}

/* SLICE and HOST:IF, checked as names in a topology are. */
static bool args_ok(const char *slice, const char *end)
{
	const char *colon = strchr(end, ':');
	char host[TOPO_NAME_LEN];

	if (!name_arg_ok(NAME_SLICE, slice))
		return false;
	if (!colon) {
		char q[96];

		errorf("expected HOST:INTERFACE, got '%s'", name_quote(end, q, sizeof(q)));
		return false;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - end), end);
	if ((size_t)(colon - end) >= sizeof(host))
		return name_arg_ok(NAME_HOST, end);	/* says it is too long */
	return name_arg_ok(NAME_HOST, host) && name_arg_ok(NAME_IFNAME, colon + 1);
}

int cmd_link(int argc, char **argv)
{
	if (argc < 4)
		return usage();
	if (!args_ok(argv[2], argv[3]))
		return 2;
	if (state_lock("link"))
		return 1;
	if (!strcmp(argv[1], "up") || !strcmp(argv[1], "down")) {
		if (argc != 4)
			return usage();
		return dep_link_updown(argv[2], argv[3], !strcmp(argv[1], "up")) ? 1 : 0;
	}
	if (!strcmp(argv[1], "set")) {
		struct disc disc = { 0 };

		if (argc < 5)
			return usage();
		if (!(argc == 5 && !strcmp(argv[4], "none"))) {
			struct diag dg = { 0 };

			if (disc_parse_args(argc - 4, argv + 4, &disc, &dg)) {
				diag_print(&dg);
				diag_free(&dg);
				return 1;
			}
		}
		return dep_link_set(argv[2], argv[3], &disc) ? 1 : 0;
	}
	return usage();
}
