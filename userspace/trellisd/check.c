// SPDX-License-Identifier: GPL-2.0
/* trellisd check FILE [--show]: validate a topology without touching anything. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "confcheck.h"
#include "state.h"
#include "topo.h"
#include "trellisd.h"

static void show_prefixes(const char *what, const struct prefix *a, size_t n)
{
	char buf[64];

	printf("  %-15s", what);
	for (size_t i = 0; i < n; i++)
		printf(" %s", prefix_str(&a[i], buf, sizeof(buf)));
	printf("\n");
}

/* Each host's addresses and generated configuration, as deployed. */
static void show(const struct topo *t)
{
	for (size_t hi = 0; hi < t->n_hosts; hi++) {
		const struct host *h = &t->hosts[hi];

		printf("host %s\n", h->name);
		show_prefixes("lo", h->loopbacks, h->n_loopbacks);
		for (size_t li = 0; li < t->n_links; li++)
			for (size_t ei = 0; ei < t->links[li].n_ends; ei++) {
				const struct endpoint *e = &t->links[li].ends[ei];

				if (e->host == (int)hi)
					show_prefixes(e->ifname, e->addrs, e->n_addrs);
			}
		if (h->frr.text)
			printf("--- %s: generated /etc/frr/frr.conf\n%s--- end\n", h->name, h->frr.text);
		if (h->bird.text)
			printf("--- %s: generated /etc/bird/bird.conf\n%s--- end\n", h->name, h->bird.text);
	}
}

int cmd_check(int argc, char **argv)
{
	bool do_show = argc == 3 && !strcmp(argv[2], "--show");
	struct diag d = { 0 };
	struct topo t;
	size_t lans = 0;
	int ret = 0, bad;

	if (argc != 2 && !do_show) {
		fprintf(stderr, "usage: trellisd check FILE [--show]\n");
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
	/* Each routing daemon's configuration, by the daemon's own checker. */
	bad = confcheck(&t);
	if (bad) {
		if (bad > 0)
			fprintf(stderr, "trellisd: %s: %d routing configuration%s refused\n", argv[1],
				bad, bad == 1 ? "" : "s");
		ret = 1;
	}
	if (do_show)
		show(&t);
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
