// SPDX-License-Identifier: GPL-2.0
/* trellisd status [--json] [SLICE]: what is deployed, checked against the
 * kernel. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if.h>

#include "deploy.h"
#include "names.h"
#include "rtnl.h"
#include "shape.h"
#include "trellisd.h"

static const char *const operstates[] = {
	"unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up",
};

static int count_procs(unsigned long netino)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[300];
		struct stat st;

		if (atoi(de->d_name) <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", de->d_name);
		if (!stat(path, &st) && st.st_ino == netino)
			n++;
	}
	closedir(d);
	return n;
}

static void disc_text(const struct disc *d, char *buf, size_t len)
{
	FILE *m = fmemopen(buf, len, "w");

	if (!m)
		return;
	if (d->delay_ns)
		fprintf(m, " delay %gms", (double)d->delay_ns / 1e6);
	if (d->jitter_ns)
		fprintf(m, " jitter %gms", (double)d->jitter_ns / 1e6);
	if (d->loss > 0)
		fprintf(m, " loss %g%%", d->loss);
	if (d->duplicate > 0)
		fprintf(m, " duplicate %g%%", d->duplicate);
	if (d->reorder > 0)
		fprintf(m, " reorder %g%%", d->reorder);
	if (d->corrupt > 0)
		fprintf(m, " corrupt %g%%", d->corrupt);
	if (d->rate_bps)
		fprintf(m, " rate %gmbit", (double)d->rate_bps / 1e6);
	fputc('\0', m);
	fclose(m);
}

/* This machine's node: the node of the hosts it runs (-1: none). */
static int local_node(const struct topo *t, const struct journal *j)
{
	for (size_t i = 0; i < j->n; i++) {
		int hi = topo_host(t, j->e[i].name);

		if (!strcmp(j->e[i].kind, "host") && hi >= 0)
			return t->hosts[hi].node;
	}
	return -1;
}

/* The remote peers of this node and, per peer, each cross-node link's
 * tunnel with its key and counters.  In JSON, closes the hosts array and
 * leaves the peers array open. */
/* Reservations on node's underlay, and the rate each class sends at. */
static void resv_load(const struct topo *t, int node, struct rplan *p, double **bps)
{
	char err[512];

	p->underlay = t->nodes[node].underlay;
	if (shape_admit(p, t->nodes[node].name, NULL, NULL, err, sizeof(err)))
		resv_free(p);
	*bps = calloc(p->n + 1, sizeof(**bps));
	if (!*bps)
		abort();
	if (p->n)
		shape_measure(p, 500, *bps);
}

static void show_peers(const struct topo *t, int node, bool json)
{
	struct rplan rp = { 0 };
	bool pfirst = true, nlok;
	double *bps = NULL;
	struct nl nl;

	if (json) {
		if (node >= 0)
			printf("],\"node\":\"%s\",\"underlay\":\"%s\",\"peers\":[", t->nodes[node].name,
			       inet_ntoa(t->nodes[node].underlay));
		else
			printf("],\"node\":null,\"peers\":[");
	}
	if (node < 0)
		return;
	nlok = !nl_open(&nl, NETLINK_ROUTE);
	resv_load(t, node, &rp, &bps);
	for (size_t n = 0; n < t->n_nodes; n++) {
		bool tfirst = true;
		size_t count = 0;

		if ((int)n == node)
			continue;
		for (size_t l = 0; l < t->n_links; l++) {
			const struct link *k = &t->links[l];
			int n0, n1, oper = 0, err = -1;
			unsigned int flags = 0;
			uint64_t rx = 0, tx = 0;
			char tun[IFNAMSIZ], rs[256];

			if (k->kind != LINK_P2P || k->n_ends != 2)
				continue;
			n0 = t->hosts[k->ends[0].host].node;
			n1 = t->hosts[k->ends[1].host].node;
			if (!((n0 == node && n1 == (int)n) || (n1 == node && n0 == (int)n)))
				continue;
			if (!count++) {
				if (json)
					printf("%s{\"node\":\"%s\",\"underlay\":\"%s\",\"tunnels\":[",
					       pfirst ? "" : ",", t->nodes[n].name, inet_ntoa(t->nodes[n].underlay));
				else
					printf("  peer %-12s underlay %s\n", t->nodes[n].name,
					       inet_ntoa(t->nodes[n].underlay));
				pfirst = false;
			}
			snprintf(tun, sizeof(tun), "tg%08x", k->key);	/* deploy.c's cross_names() */
			if (nlok)
				err = rtnl_link_state(&nl, tun, &flags, &oper, &rx, &tx);
			if (oper < 0 || oper > 6)
				oper = 0;
			shape_status(&rp, bps, t->slice, k->name, json, rs, sizeof(rs));
			if (json)
				printf("%s{\"name\":\"%s\",\"link\":\"%s\",\"key\":%u,\"present\":%s,\"operstate\":\"%s\",\"rx_packets\":%llu,\"tx_packets\":%llu%s}",
				       tfirst ? "" : ",", tun, k->name, k->key, err ? "false" : "true",
				       operstates[oper], (unsigned long long)rx, (unsigned long long)tx, rs);
			else
				printf("    tunnel %-10s key 0x%08x %-22s %-8s rx %-8llu tx %llu%s\n", tun, k->key,
				       k->name, err ? "MISSING" : operstates[oper], (unsigned long long)rx,
				       (unsigned long long)tx, rs);
			tfirst = false;
		}
		if (count && json)
			printf("]}");
	}
	if (nlok)
		nl_close(&nl);
	resv_free(&rp);
	free(bps);
}

static int show_slice(const char *slice, bool json, bool first)
{
	struct diag dg = { 0 };
	struct journal j;
	struct topo t;
	int rootfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	bool complete = state_complete(slice), hfirst = true;

	journal_load(slice, &j);
	if (state_topo(slice, &t, &dg)) {
		diag_free(&dg);
		memset(&t, 0, sizeof(t));
	}
	if (json)
		printf("%s{\"slice\":\"%s\",\"complete\":%s,\"hosts\":[", first ? "" : ",", slice,
		       complete ? "true" : "false");
	else if (local_node(&t, &j) >= 0)
		printf("slice %s on node %s (underlay %s)%s\n", slice, t.nodes[local_node(&t, &j)].name,
		       inet_ntoa(t.nodes[local_node(&t, &j)].underlay),
		       complete ? "" : " (incomplete: being changed, or interrupted)");
	else
		printf("slice %s%s\n", slice, complete ? "" : " (incomplete: being changed, or interrupted)");

	for (size_t i = 0; i < j.n; i++) {
		struct jentry *e = &j.e[i];
		bool alive = host_alive(e), ifirst = true;
		int hi = topo_host(&t, e->name);
		struct hrt r = { .netfd = -1 };

		if (strcmp(e->kind, "host"))
			continue;
		if (json)
			printf("%s{\"name\":\"%s\",\"pid\":%d,\"running\":%s,\"processes\":%d,\"interfaces\":[",
			       hfirst ? "" : ",", e->name, (int)e->pid, alive ? "true" : "false",
			       alive ? count_procs(e->netino) : 0);
		else
			printf("  host %-12s pid %-7d %-8s %d process%s\n", e->name, (int)e->pid,
			       alive ? "running" : "GONE", alive ? count_procs(e->netino) : 0,
			       alive && count_procs(e->netino) == 1 ? "" : "es");
		hfirst = false;
		if (alive && hi >= 0 && rootfd >= 0 && !host_attach(&r, e->pid, rootfd)) {
			for (size_t l = 0; l < t.n_links; l++) {
				for (size_t en = 0; en < t.links[l].n_ends; en++) {
					struct endpoint *ep = &t.links[l].ends[en];
					unsigned int flags = 0;
					int oper = 0, err;
					uint64_t rx = 0, tx = 0;
					char dtext[200] = "";

					if (ep->host != hi)
						continue;
					err = rtnl_link_state(r.nl, ep->ifname, &flags, &oper, &rx, &tx);
					disc_text(&ep->disc, dtext, sizeof(dtext));
					if (oper < 0 || oper > 6)
						oper = 0;
					if (json)
						printf("%s{\"name\":\"%s\",\"link\":\"%s\",\"present\":%s,\"admin_up\":%s,\"operstate\":\"%s\",\"rx_packets\":%llu,\"tx_packets\":%llu,\"discipline\":\"%s\"}",
						       ifirst ? "" : ",", ep->ifname, t.links[l].name,
						       err ? "false" : "true", flags & IFF_UP ? "true" : "false",
						       operstates[oper], (unsigned long long)rx,
						       (unsigned long long)tx, dtext[0] ? dtext + 1 : "");
					else
						printf("    %-10s %-8s %-22s rx %-8llu tx %-8llu%s\n", ep->ifname,
						       err ? "MISSING" : flags & IFF_UP ? operstates[oper] : "admin-down",
						       t.links[l].name, (unsigned long long)rx,
						       (unsigned long long)tx, dtext);
					ifirst = false;
				}
			}
			host_detach(&r);
		}
		if (json)
			printf("]}");
	}
	show_peers(&t, local_node(&t, &j), json);
	if (json)
		printf("],\"root_devices\":[");
	{
		struct nl nl;
		bool rfirst = true;

		if (!nl_open(&nl, NETLINK_ROUTE)) {
			for (size_t i = 0; i < j.n; i++) {
				unsigned int flags = 0;
				int oper = 0, err;
				uint64_t rx = 0, tx = 0;

				if (strcmp(j.e[i].kind, "rlink"))
					continue;
				err = rtnl_link_state(&nl, j.e[i].name, &flags, &oper, &rx, &tx);
				if (oper < 0 || oper > 6)
					oper = 0;
				if (json)
					printf("%s{\"name\":\"%s\",\"present\":%s,\"operstate\":\"%s\",\"rx_packets\":%llu,\"tx_packets\":%llu}",
					       rfirst ? "" : ",", j.e[i].name, err ? "false" : "true",
					       operstates[oper], (unsigned long long)rx, (unsigned long long)tx);
				else
					printf("  root %-12s %-8s rx %-8llu tx %llu\n", j.e[i].name,
					       err ? "MISSING" : operstates[oper], (unsigned long long)rx,
					       (unsigned long long)tx);
				rfirst = false;
			}
			nl_close(&nl);
		}
	}
	if (json)
		printf("]}");
	journal_free(&j);
	topo_free(&t);
	if (rootfd >= 0)
		close(rootfd);
	return 0;
}

int cmd_status(int argc, char **argv)
{
	bool json = false;
	const char *only = NULL;
	char **slices;
	bool first = true;
	int ret = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!only && argv[i][0] != '-')
			only = argv[i];
		else {
			fprintf(stderr, "usage: trellisd status [--json] [SLICE]\n");
			return 2;
		}
	}
	if (only && !name_arg_ok(NAME_SLICE, only))
		return 2;
	if (only && !slice_exists(only)) {
		errorf("status: slice %s is not up", only);
		return 1;
	}
	slices = state_slices();
	if (json)
		printf("[");
	for (char **s = slices; *s; s++) {
		if (!only || !strcmp(*s, only)) {
			show_slice(*s, json, first);
			first = false;
		}
		free(*s);
	}
	free(slices);
	if (json)
		printf("]\n");
	else if (first)
		printf("no slices are up\n");
	return ret;
}
