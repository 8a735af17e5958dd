// SPDX-License-Identifier: GPL-2.0
/*
 * The shipped examples of topo/ parse to exactly what they say: every
 * node, host (sysctls, loopbacks, routes, files, daemons), link and lan
 * (ends, addresses, disciplines, MTU, GRE key), written out one line per
 * item and compared with what is pinned here.  GRE keys are pinned as
 * numbers: every node derives them from the file alone, so a change of
 * derivation would split a slice running on two versions.
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
#include <arpa/inet.h>
#include <dirent.h>

#include "topo.h"

static const char *path_rel(const char *path)
{
	size_t n = strlen(TOPDIR);

	return !strncmp(path, TOPDIR "/", n + 1) ? path + n + 1 : path;
}

static void dump_disc(FILE *m, const struct disc *d)
{
	if (!d->set) {
		fprintf(m, " disc -");
		return;
	}
	fprintf(m, " disc%s delay %llu jitter %llu loss %g duplicate %g reorder %g corrupt %g rate %llu limit %u",
		d->specific ? " (own)" : "", (unsigned long long)d->delay_ns,
		(unsigned long long)d->jitter_ns, d->loss, d->duplicate, d->reorder, d->corrupt,
		(unsigned long long)d->rate_bps, d->limit);
}

static void dump_routing(FILE *m, const char *what, const struct routing *r)
{
	static const char *const policy[] = { "on-failure", "always", "never" };

	if (!r->set)
		return;
	fprintf(m, "  %s", what);
	for (int d = 0; topo_frr_daemons[d]; d++)
		if (r->daemons & (1u << d))
			fprintf(m, " %s", topo_frr_daemons[d]);
	fprintf(m, " config %s restart %s\n", path_rel(r->config), policy[r->restart]);
}

static void dump_host(FILE *m, const struct host *h)
{
	char b[64], c[64];

	fprintf(m, "host %s hostname %s node %d\n", h->name, h->hostname, h->node);
	for (size_t i = 0; i < h->n_sysctls; i++)
		fprintf(m, "  sysctl %s=%s\n", h->sysctls[i].key, h->sysctls[i].value);
	for (size_t i = 0; i < h->n_loopbacks; i++)
		fprintf(m, "  loopback %s\n", prefix_str(&h->loopbacks[i], b, sizeof(b)));
	for (size_t i = 0; i < h->n_routes; i++) {
		const struct route *r = &h->routes[i];

		fprintf(m, "  route %s via %s dev %s metric %u\n", prefix_str(&r->dst, b, sizeof(b)),
			r->via.family ? addr_str(&r->via, c, sizeof(c)) : "-",
			r->dev[0] ? r->dev : "-", r->metric);
	}
	for (size_t i = 0; i < h->n_runs; i++)
		fprintf(m, "  run %s\n", h->runs[i].cmd);
	for (size_t i = 0; i < h->n_files; i++)
		fprintf(m, "  file %s %s\n", h->files[i].dest, path_rel(h->files[i].src));
	dump_routing(m, "frr", &h->frr);
	dump_routing(m, "bird", &h->bird);
}

static void dump_link(FILE *m, const struct link *l)
{
	char b[64];

	fprintf(m, "%s %s key %u mtu %d\n", l->kind == LINK_LAN ? "lan" : "link", l->name,
		l->key, l->mtu);
	for (size_t e = 0; e < l->n_ends; e++) {
		const struct endpoint *ep = &l->ends[e];

		fprintf(m, "  %s:%s host %d addrs", ep->hname, ep->ifname, ep->host);
		for (size_t a = 0; a < ep->n_addrs; a++)
			fprintf(m, " %s", prefix_str(&ep->addrs[a], b, sizeof(b)));
		dump_disc(m, &ep->disc);
		fprintf(m, "\n");
	}
}

/* The whole model, one line per item. */
static char *dump(const struct topo *t)
{
	char *text = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&text, &size);

	fprintf(m, "slice %s\n", t->slice);
	for (size_t i = 0; i < t->n_nodes; i++) {
		char a[64];

		fprintf(m, "node %s underlay %s capacity %d\n", t->nodes[i].name,
			addr_str(&t->nodes[i].underlay, a, sizeof(a)), t->nodes[i].capacity);
	}
	for (size_t i = 0; i < t->n_hosts; i++)
		dump_host(m, &t->hosts[i]);
	for (size_t i = 0; i < t->n_links; i++)
		dump_link(m, &t->links[i]);
	fclose(m);
	return text;
}

struct example {
	const char *file;
	const char *want;
};

/* What each example parses to (reviewed against the files; the keys
 * checked against FNV-1a computed apart). */
static const struct example examples[] = {
	{ "bgp-mixed.topo",
	  "slice bgp-mixed\n"
	  "host r1 hostname r1 node -1\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  loopback 10.255.0.1/32\n"
	  "  frr zebra bgpd config topo/bgp-mixed/r1/frr.conf restart on-failure\n"
	  "host r2 hostname r2 node -1\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  loopback 10.255.0.2/32\n"
	  "  bird config topo/bgp-mixed/r2/bird.conf restart on-failure\n"
	  "host r3 hostname r3 node -1\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  loopback 10.255.0.3/32\n"
	  "  frr zebra bgpd config topo/bgp-mixed/r3/frr.conf restart on-failure\n"
	  "link r1:eth0-r2:eth0 key 2107100485 mtu 0\n"
	  "  r1:eth0 host 0 addrs 10.0.12.1/30 disc -\n"
	  "  r2:eth0 host 1 addrs 10.0.12.2/30 disc -\n"
	  "link r2:eth1-r3:eth0 key 1913711564 mtu 0\n"
	  "  r2:eth1 host 1 addrs 10.0.23.1/30 disc -\n"
	  "  r3:eth0 host 2 addrs 10.0.23.2/30 disc -\n"
	  "link r1:eth1-r3:eth1 key 1953133168 mtu 0\n"
	  "  r1:eth1 host 0 addrs 10.0.13.1/30 disc -\n"
	  "  r3:eth1 host 2 addrs 10.0.13.2/30 disc -\n" },
	{ "isis.topo",
	  "slice isis\n"
	  "host r1 hostname r1 node -1\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  loopback 10.255.0.1/32\n"
	  "  frr zebra isisd config topo/isis/r1/frr.conf restart on-failure\n"
	  "host r2 hostname r2 node -1\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  loopback 10.255.0.2/32\n"
	  "  frr zebra isisd config topo/isis/r2/frr.conf restart on-failure\n"
	  "host r3 hostname r3 node -1\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  loopback 10.255.0.3/32\n"
	  "  frr zebra isisd config topo/isis/r3/frr.conf restart on-failure\n"
	  "link r1:eth0-r2:eth0 key 224188016 mtu 0\n"
	  "  r1:eth0 host 0 addrs 10.0.12.1/30 disc -\n"
	  "  r2:eth0 host 1 addrs 10.0.12.2/30 disc -\n"
	  "link r2:eth1-r3:eth0 key 1419805901 mtu 0\n"
	  "  r2:eth1 host 1 addrs 10.0.23.1/30 disc -\n"
	  "  r3:eth0 host 2 addrs 10.0.23.2/30 disc -\n" },
	{ "lan-two-node.topo",
	  "slice lan-two-node\n"
	  "node alpha underlay 192.0.2.1 capacity 0\n"
	  "node beta underlay 192.0.2.2 capacity 0\n"
	  "host h1 hostname h1 node 0\n"
	  "host h2 hostname h2 node 0\n"
	  "host h3 hostname h3 node 1\n"
	  "host h4 hostname h4 node 1\n"
	  "lan seg key 2671351476 mtu 0\n"
	  "  h1:eth0 host 0 addrs 10.0.0.1/24 disc -\n"
	  "  h2:eth0 host 1 addrs 10.0.0.2/24 disc -\n"
	  "  h3:eth0 host 2 addrs 10.0.0.3/24 disc -\n"
	  "  h4:eth0 host 3 addrs 10.0.0.4/24 disc (own) delay 5000000 jitter 0 loss 0 duplicate 0 reorder 0 corrupt 0 rate 0 limit 0\n" },
	{ "lan.topo",
	  "slice lan\n"
	  "host h1 hostname h1 node -1\n"
	  "  route 203.0.113.0/30 via 198.51.100.3 dev - metric 0\n"
	  "host h2 hostname h2 node -1\n"
	  "host h3 hostname h3 node -1\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "host h4 hostname h4 node -1\n"
	  "  route 0.0.0.0/0 via 203.0.113.1 dev - metric 0\n"
	  "lan seg0 key 1280040042 mtu 0\n"
	  "  h1:eth0 host 0 addrs 198.51.100.1/24 2001:db8:10::1/64 disc -\n"
	  "  h2:eth0 host 1 addrs 198.51.100.2/24 2001:db8:10::2/64 disc (own) delay 2000000 jitter 0 loss 0 duplicate 0 reorder 0 corrupt 0 rate 0 limit 0\n"
	  "  h3:eth0 host 2 addrs 198.51.100.3/24 2001:db8:10::3/64 disc -\n"
	  "link h3:eth1-h4:eth0 key 1441327474 mtu 1400\n"
	  "  h3:eth1 host 2 addrs 203.0.113.1/30 disc -\n"
	  "  h4:eth0 host 3 addrs 203.0.113.2/30 disc -\n" },
	{ "line.topo",
	  "slice line\n"
	  "host h1 hostname h1 node -1\n"
	  "host h2 hostname h2 node -1\n"
	  "link h1:eth0-h2:eth0 key 3003149870 mtu 0\n"
	  "  h1:eth0 host 0 addrs 198.51.100.1/24 2001:db8:1::1/64 disc -\n"
	  "  h2:eth0 host 1 addrs 198.51.100.2/24 2001:db8:1::2/64 disc -\n" },
	{ "ospf-ring.topo",
	  "slice ospf-ring\n"
	  "host r1 hostname r1 node -1\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  loopback 10.255.0.1/32\n"
	  "  frr zebra ospfd config topo/ospf-ring/r1/frr.conf restart on-failure\n"
	  "host r2 hostname r2 node -1\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  loopback 10.255.0.2/32\n"
	  "  frr zebra ospfd config topo/ospf-ring/r2/frr.conf restart on-failure\n"
	  "host r3 hostname r3 node -1\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  loopback 10.255.0.3/32\n"
	  "  frr zebra ospfd config topo/ospf-ring/r3/frr.conf restart on-failure\n"
	  "host r4 hostname r4 node -1\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  loopback 10.255.0.4/32\n"
	  "  frr zebra ospfd config topo/ospf-ring/r4/frr.conf restart on-failure\n"
	  "link r1:eth0-r2:eth1 key 418126048 mtu 0\n"
	  "  r1:eth0 host 0 addrs 10.0.12.1/30 disc -\n"
	  "  r2:eth1 host 1 addrs 10.0.12.2/30 disc -\n"
	  "link r2:eth0-r3:eth1 key 2179736774 mtu 0\n"
	  "  r2:eth0 host 1 addrs 10.0.23.1/30 disc -\n"
	  "  r3:eth1 host 2 addrs 10.0.23.2/30 disc -\n"
	  "link r3:eth0-r4:eth1 key 2610807052 mtu 0\n"
	  "  r3:eth0 host 2 addrs 10.0.34.1/30 disc -\n"
	  "  r4:eth1 host 3 addrs 10.0.34.2/30 disc -\n"
	  "link r4:eth0-r1:eth1 key 1770940442 mtu 0\n"
	  "  r4:eth0 host 3 addrs 10.0.41.1/30 disc -\n"
	  "  r1:eth1 host 0 addrs 10.0.41.2/30 disc -\n" },
	{ "ospf-two-node-v6.topo",
	  "slice ospf-two-node-v6\n"
	  "node alpha underlay 2001:db8::1 capacity 0\n"
	  "node beta underlay 2001:db8::2 capacity 0\n"
	  "host r1 hostname r1 node 0\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  loopback 10.255.0.1/32\n"
	  "  frr zebra ospfd config topo/ospf-two-node/r1/frr.conf restart on-failure\n"
	  "host r2 hostname r2 node 0\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  loopback 10.255.0.2/32\n"
	  "  frr zebra ospfd config topo/ospf-two-node/r2/frr.conf restart on-failure\n"
	  "host r3 hostname r3 node 1\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  loopback 10.255.0.3/32\n"
	  "  frr zebra ospfd config topo/ospf-two-node/r3/frr.conf restart on-failure\n"
	  "host r4 hostname r4 node 1\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  loopback 10.255.0.4/32\n"
	  "  frr zebra ospfd config topo/ospf-two-node/r4/frr.conf restart on-failure\n"
	  "link r1:eth0-r2:eth1 key 316214634 mtu 0\n"
	  "  r1:eth0 host 0 addrs 10.0.12.1/30 disc -\n"
	  "  r2:eth1 host 1 addrs 10.0.12.2/30 disc -\n"
	  "link r2:eth0-r3:eth1 key 2295694076 mtu 0\n"
	  "  r2:eth0 host 1 addrs 10.0.23.1/30 disc -\n"
	  "  r3:eth1 host 2 addrs 10.0.23.2/30 disc -\n"
	  "link r3:eth0-r4:eth1 key 2817048798 mtu 0\n"
	  "  r3:eth0 host 2 addrs 10.0.34.1/30 disc -\n"
	  "  r4:eth1 host 3 addrs 10.0.34.2/30 disc -\n"
	  "link r4:eth0-r1:eth1 key 2867040024 mtu 0\n"
	  "  r4:eth0 host 3 addrs 10.0.41.1/30 disc -\n"
	  "  r1:eth1 host 0 addrs 10.0.41.2/30 disc -\n" },
	{ "ospf-two-node.topo",
	  "slice ospf-two-node\n"
	  "node alpha underlay 192.0.2.1 capacity 0\n"
	  "node beta underlay 192.0.2.2 capacity 0\n"
	  "host r1 hostname r1 node 0\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  loopback 10.255.0.1/32\n"
	  "  frr zebra ospfd config topo/ospf-two-node/r1/frr.conf restart on-failure\n"
	  "host r2 hostname r2 node 0\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  loopback 10.255.0.2/32\n"
	  "  frr zebra ospfd config topo/ospf-two-node/r2/frr.conf restart on-failure\n"
	  "host r3 hostname r3 node 1\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  loopback 10.255.0.3/32\n"
	  "  frr zebra ospfd config topo/ospf-two-node/r3/frr.conf restart on-failure\n"
	  "host r4 hostname r4 node 1\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  loopback 10.255.0.4/32\n"
	  "  frr zebra ospfd config topo/ospf-two-node/r4/frr.conf restart on-failure\n"
	  "link r1:eth0-r2:eth1 key 4018378359 mtu 0\n"
	  "  r1:eth0 host 0 addrs 10.0.12.1/30 disc -\n"
	  "  r2:eth1 host 1 addrs 10.0.12.2/30 disc -\n"
	  "link r2:eth0-r3:eth1 key 3595413793 mtu 0\n"
	  "  r2:eth0 host 1 addrs 10.0.23.1/30 disc -\n"
	  "  r3:eth1 host 2 addrs 10.0.23.2/30 disc -\n"
	  "link r3:eth0-r4:eth1 key 915226027 mtu 0\n"
	  "  r3:eth0 host 2 addrs 10.0.34.1/30 disc -\n"
	  "  r4:eth1 host 3 addrs 10.0.34.2/30 disc -\n"
	  "link r4:eth0-r1:eth1 key 3197331709 mtu 0\n"
	  "  r4:eth0 host 3 addrs 10.0.41.1/30 disc -\n"
	  "  r1:eth1 host 0 addrs 10.0.41.2/30 disc -\n" },
	{ "ring.topo",
	  "slice ring\n"
	  "host r1 hostname r1 node -1\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  sysctl net.ipv4.conf.all.rp_filter=0\n"
	  "  loopback 203.0.113.1/32\n"
	  "  route 203.0.113.0/24 via 198.51.100.2 dev - metric 0\n"
	  "  route 198.51.100.0/24 via 198.51.100.2 dev - metric 0\n"
	  "host r2 hostname r2 node -1\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  sysctl net.ipv4.conf.all.rp_filter=0\n"
	  "  loopback 203.0.113.2/32\n"
	  "  route 203.0.113.0/24 via 198.51.100.6 dev - metric 0\n"
	  "  route 198.51.100.0/24 via 198.51.100.6 dev - metric 0\n"
	  "host r3 hostname r3 node -1\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  sysctl net.ipv4.conf.all.rp_filter=0\n"
	  "  loopback 203.0.113.3/32\n"
	  "  route 203.0.113.0/24 via 198.51.100.10 dev - metric 0\n"
	  "  route 198.51.100.0/24 via 198.51.100.10 dev - metric 0\n"
	  "host r4 hostname r4 node -1\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  sysctl net.ipv4.conf.all.rp_filter=0\n"
	  "  loopback 203.0.113.4/32\n"
	  "  route 203.0.113.0/24 via 198.51.100.14 dev - metric 0\n"
	  "  route 198.51.100.0/24 via 198.51.100.14 dev - metric 0\n"
	  "link r1:eth0-r2:eth1 key 3086097153 mtu 0\n"
	  "  r1:eth0 host 0 addrs 198.51.100.1/30 2001:db8:1::1/64 disc -\n"
	  "  r2:eth1 host 1 addrs 198.51.100.2/30 2001:db8:1::2/64 disc -\n"
	  "link r2:eth0-r3:eth1 key 1415792511 mtu 0\n"
	  "  r2:eth0 host 1 addrs 198.51.100.5/30 2001:db8:2::1/64 disc delay 5000000 jitter 0 loss 0 duplicate 0 reorder 0 corrupt 0 rate 0 limit 0\n"
	  "  r3:eth1 host 2 addrs 198.51.100.6/30 2001:db8:2::2/64 disc delay 5000000 jitter 0 loss 0 duplicate 0 reorder 0 corrupt 0 rate 0 limit 0\n"
	  "link r3:eth0-r4:eth1 key 1274261237 mtu 0\n"
	  "  r3:eth0 host 2 addrs 198.51.100.9/30 2001:db8:3::1/64 disc -\n"
	  "  r4:eth1 host 3 addrs 198.51.100.10/30 2001:db8:3::2/64 disc -\n"
	  "link r4:eth0-r1:eth1 key 2983260635 mtu 0\n"
	  "  r4:eth0 host 3 addrs 198.51.100.13/30 2001:db8:4::1/64 disc -\n"
	  "  r1:eth1 host 0 addrs 198.51.100.14/30 2001:db8:4::2/64 disc -\n" },
	{ "two-node.topo",
	  "slice span\n"
	  "node alpha underlay 192.0.2.1 capacity 0\n"
	  "node beta underlay 192.0.2.2 capacity 0\n"
	  "host a1 hostname a1 node 0\n"
	  "  route 0.0.0.0/0 via 198.51.100.2 dev - metric 0\n"
	  "host a2 hostname a2 node 0\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  route 198.51.100.16/29 via 198.51.100.10 dev - metric 0\n"
	  "host b1 hostname b1 node 1\n"
	  "  sysctl net.ipv4.ip_forward=1\n"
	  "  route 198.51.100.0/29 via 198.51.100.9 dev - metric 0\n"
	  "host b2 hostname b2 node 1\n"
	  "  route 0.0.0.0/0 via 198.51.100.17 dev - metric 0\n"
	  "link a1:eth0-a2:eth0 key 83399068 mtu 0\n"
	  "  a1:eth0 host 0 addrs 198.51.100.1/29 disc -\n"
	  "  a2:eth0 host 1 addrs 198.51.100.2/29 disc -\n"
	  "link a2:eth1-b1:eth1 key 2439746789 mtu 0\n"
	  "  a2:eth1 host 1 addrs 198.51.100.9/29 disc -\n"
	  "  b1:eth1 host 2 addrs 198.51.100.10/29 disc -\n"
	  "link b1:eth0-b2:eth0 key 122652444 mtu 0\n"
	  "  b1:eth0 host 2 addrs 198.51.100.17/29 disc -\n"
	  "  b2:eth0 host 3 addrs 198.51.100.18/29 disc -\n" },
};

static void test_example(void **state)
{
	const struct example *ex = *state;
	struct diag d = { 0 };
	char path[512], *got;
	struct topo t;

	snprintf(path, sizeof(path), "%s/topo/%s", TOPDIR, ex->file);
	if (topo_parse_file(&t, path, NULL, &d)) {
		diag_print(&d);
		fail();
	}
	got = dump(&t);
	if (strcmp(got, ex->want)) {
		print_error("%s parses to:\n%s", ex->file, got);
		fail();
	}
	free(got);
	topo_free(&t);
}

/* An example in topo/ with no pin here. */
static void test_unpinned(void **state)
{
	print_error("topo/%s has no pin in test_examples.c (write one with --print)\n",
		    (const char *)*state);
	fail();
}

static bool pinned(const char *file)
{
	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++)
		if (!strcmp(examples[i].file, file))
			return true;
	return false;
}

/* --print FILE: what FILE parses to, for writing a pin. */
static int print(const char *file)
{
	struct diag d = { 0 };
	struct topo t;
	char *s;

	if (topo_parse_file(&t, file, NULL, &d)) {
		diag_print(&d);
		return 1;
	}
	s = dump(&t);
	fputs(s, stdout);
	free(s);
	topo_free(&t);
	return 0;
}

int main(int argc, char **argv)
{
	size_t n = 0, nex = sizeof(examples) / sizeof(examples[0]);
	DIR *dir = opendir(TOPDIR "/topo");
	struct CMUnitTest *tests;
	struct dirent *de;

	if (argc == 3 && !strcmp(argv[1], "--print"))
		return print(argv[2]);
	tests = calloc(nex + 256, sizeof(*tests));
	for (size_t i = 0; i < nex; i++) {
		tests[n].name = examples[i].file;
		tests[n].test_func = test_example;
		tests[n].initial_state = (void *)&examples[i];
		n++;
	}
	while (dir && (de = readdir(dir)) && n < nex + 256) {
		size_t len = strlen(de->d_name);

		if (len > 5 && !strcmp(de->d_name + len - 5, ".topo") && !pinned(de->d_name)) {
			tests[n].name = strdup(de->d_name);
			tests[n].test_func = test_unpinned;
			tests[n].initial_state = (void *)tests[n].name;
			n++;
		}
	}
	if (dir)
		closedir(dir);
	return _cmocka_run_group_tests("examples", tests, n, NULL, NULL);
}
