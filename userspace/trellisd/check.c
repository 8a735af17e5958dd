// SPDX-License-Identifier: GPL-2.0
/* trellisd check FILE: validate a topology without touching anything. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "state.h"
#include "topo.h"
#include "trellisd.h"

int cmd_check(int argc, char **argv)
{
	struct diag d = { 0 };
	struct topo t;
	size_t lans = 0;
	int ret = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: trellisd check FILE\n");
		return 2;
	}
	if (topo_parse_file(&t, argv[1], NULL, &d)) {
		diag_print(&d);
		if (d.capped)
			fprintf(stderr, "trellisd: %s: more than %zu errors\n", argv[1], d.n - 1);
		else
			fprintf(stderr, "trellisd: %s: %zu error%s\n", argv[1], d.n, d.n == 1 ? "" : "s");
		diag_free(&d);
		return 1;
	}
	/* GRE keys must also differ from those of the slices already deployed
	 * on this machine. */
	if (state_check_keys(&t, true) < 0)
		ret = 1;
	for (size_t i = 0; i < t.n_links; i++)
		lans += t.links[i].kind == LINK_LAN;
	if (!ret)
		printf("%s: slice %s: %zu node%s, %zu host%s, %zu link%s, %zu lan%s: ok\n", argv[1],
		       t.slice, t.n_nodes, t.n_nodes == 1 ? "" : "s", t.n_hosts,
		       t.n_hosts == 1 ? "" : "s", t.n_links - lans, t.n_links - lans == 1 ? "" : "s",
		       lans, lans == 1 ? "" : "s");
	topo_free(&t);
	return ret;
}
