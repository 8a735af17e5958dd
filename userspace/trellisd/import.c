// SPDX-License-Identifier: GPL-2.0
/*
 * trellisd import FILE: a topology file from a GraphML or GML graph, as
 * the Internet Topology Zoo writes them (docs/import.md).  Every node
 * becomes a host, every edge a link with its own interfaces and a /31;
 * coordinates give link delays; --nodes N places the hosts with METIS.
 * The text written is parsed again before it is written out: what import
 * writes, `trellisd check' accepts.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "labels.h"
#include "names.h"
#include "netgraph.h"
#include "partition.h"
#include "topo.h"
#include "trellisd.h"
#include "tools.h"

#define EARTH_RADIUS_KM 6371.0
/* `addressing auto' gives a /31 per link from 10.0.0.0/16 unless told
 * otherwise, and the Nth host 10.255.0.N/32 (docs/topology.md). */
#define DEFAULT_POOL_LINKS	32768
#define BIG_POOL		"10.0.0.0/9"	/* for more: beside 10.255.0.0/16 */
#define MAX_LINKS		(1u << 22)
#define MAX_HOSTS		65534

static const char *const protocols[] = { "ospf", "ospf6", "isis", "bgp", NULL };
static const char *const daemons[] = { "frr", "bird", "mixed", NULL };

static const char usage[] =
	"usage: trellisd import FILE [--format gml|graphml] [--slice NAME] [--nodes N]\n"
	"                       [--underlay ADDRESS] [--km-delay US]\n"
	"                       [--routing ospf|ospf6|isis|bgp] [--daemon frr|bird|mixed] [-o OUT.topo]\n";

struct import_opts {
	const char *in, *out, *slice, *format;
	const char *routing, *daemon;	/* NULL: none, the language's default */
	int nodes;		/* 0: no node statements */
	struct in_addr underlay;	/* the first node's placeholder */
	double km_delay_us;
};

struct import {
	struct import_opts o;
	struct netgraph g;
	char slice[TOPO_NAME_LEN];
	char (*names)[TOPO_NAME_LEN];
	int (*ends)[2];		/* per edge; self-loops have a == b */
	int *part;		/* node of each host; NULL without --nodes */
	int *nif;		/* next interface number of each host */
	size_t *degree;
	long cut;
	size_t n_links, n_nodelay, n_isolated, n_loops;
};

static int opt_value(int argc, char **argv, int *i, const char **v)
{
	if (*i + 1 >= argc) {
		errorf("import: %s needs a value", argv[*i]);
		return -1;
	}
	*v = argv[++*i];
	return 0;
}

static int opt_number(const char *opt, const char *v, double min, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	if (end == v || *end || errno || !(*out >= min && *out <= max)) {
		errorf("import: %s `%s': a number from %g to %g expected", opt, v, min, max);
		return -1;
	}
	return 0;
}

static int valued_opt(struct import_opts *o, const char *a, const char *v)
{
	double d;

	if (!strcmp(a, "-o")) {
		o->out = v;
	} else if (!strcmp(a, "--slice")) {
		o->slice = v;
	} else if (!strcmp(a, "--format")) {
		if (strcmp(v, "gml") && strcmp(v, "graphml"))
			goto bad;
		o->format = v;
	} else if (!strcmp(a, "--nodes")) {
		if (opt_number(a, v, 1, 4096, &d))
			return -1;
		if (d != floor(d))
			goto bad;
		o->nodes = (int)d;
	} else if (!strcmp(a, "--km-delay")) {
		if (opt_number(a, v, 0, 1e6, &d))
			return -1;
		o->km_delay_us = d;
	} else if (!strcmp(a, "--underlay")) {
		if (inet_pton(AF_INET, v, &o->underlay) != 1)
			goto bad;
	} else if (!strcmp(a, "--routing") || !strcmp(a, "--daemon")) {
		const char *const *words = a[2] == 'r' ? protocols : daemons;
		size_t i = 0;

		while (words[i] && strcmp(words[i], v))
			i++;
		if (!words[i])
			goto bad;
		*(a[2] == 'r' ? &o->routing : &o->daemon) = words[i];
	} else {
		errorf("import: unknown option `%s'", a);
		return -1;
	}
	return 0;
bad:
	errorf("import: bad value `%s' for %s", v, a);
	return -1;
}

static int one_opt(struct import_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v;

	if (strcmp(a, "-o") && strncmp(a, "--", 2)) {
		if (o->in) {
			errorf("import: unexpected `%s'", a);
			return -1;
		}
		o->in = a;
		return 0;
	}
	return opt_value(argc, argv, i, &v) || valued_opt(o, a, v) ? -1 : 0;
}

/* n addresses from first are all what a node's underlay may be. */
static bool underlay_ok(uint32_t first, uint32_t n)
{
	uint32_t last = first + n - 1;

	if (last < first || first == 0 || last >= 0xe0000000u)
		return false;
	return !(first <= 0x7fffffffu && last >= 0x7f000000u);	/* 127.0.0.0/8 */
}

static int parse_opts(struct import_opts *o, int argc, char **argv)
{
	*o = (struct import_opts){ .km_delay_us = 5 };
	inet_pton(AF_INET, "192.0.2.1", &o->underlay);
	for (int i = 1; i < argc; i++)
		if (one_opt(o, argc, argv, &i))
			return -1;
	if (!o->in) {
		errorf("import: no FILE given");
		return -1;
	}
	if (o->slice && !name_arg_ok(NAME_SLICE, o->slice))
		return -1;
	if (o->daemon && !o->routing) {
		errorf("import: --daemon %s needs --routing", o->daemon);
		return -1;
	}
	if (o->routing && !strcmp(o->routing, "isis") && o->daemon && strcmp(o->daemon, "frr")) {
		errorf("import: --routing isis --daemon %s: BIRD has no IS-IS", o->daemon);
		return -1;
	}
	if (o->nodes && !underlay_ok(ntohl(o->underlay.s_addr), (uint32_t)o->nodes)) {
		errorf("import: --underlay %s: %d unicast addresses from it expected (not 0.0.0.0, 127.0.0.0/8, 224.0.0.0/4 or 255.255.255.255)",
		       inet_ntoa(o->underlay), o->nodes);
		return -1;
	}
	return 0;
}

/* GraphML by its extension or its first character, else GML. */
static bool is_graphml(const struct import_opts *o)
{
	const char *dot = strrchr(o->in, '.');
	FILE *f;
	int c;

	if (o->format)
		return !strcmp(o->format, "graphml");
	if (dot && (!strcasecmp(dot, ".graphml") || !strcasecmp(dot, ".xml")))
		return true;
	if (dot && !strcasecmp(dot, ".gml"))
		return false;
	f = fopen(o->in, "r");
	if (!f)
		return false;
	while ((c = getc(f)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		;
	fclose(f);
	return c == '<';
}

static int read_input(struct import *im)
{
	FILE *f = fopen(im->o.in, "r");

	if (!f) {
		errorf("import: %s: %s", im->o.in, strerror(errno));
		return -1;
	}
	fclose(f);
	if (is_graphml(&im->o) ? graphml_read(&im->g, im->o.in) : gml_read(&im->g, im->o.in)) {
		if (im->g.errors)
			errorf("import: %s: %d error%s; nothing written", im->o.in, im->g.errors,
			       im->g.errors == 1 ? "" : "s");
		return -1;
	}
	if (!im->g.n_nodes) {
		errorf("import: %s: the graph has no nodes", im->o.in);
		return -1;
	}
	if (im->g.n_nodes > MAX_HOSTS || im->g.n_edges > MAX_LINKS) {
		errorf("import: %s: %zu nodes and %zu edges: at most %d hosts (10.255.0.0/16 for loopbacks) and %u links (a /31 each from %s)",
		       im->o.in, im->g.n_nodes, im->g.n_edges, MAX_HOSTS, MAX_LINKS, BIG_POOL);
		return -1;
	}
	return 0;
}

static int slice_name(struct import *im)
{
	char *copy, *base, *dot;

	if (im->o.slice) {
		snprintf(im->slice, sizeof(im->slice), "%s", im->o.slice);
		return 0;
	}
	copy = strdup(im->o.in);
	if (!copy)
		return -1;
	base = basename(copy);
	dot = strrchr(base, '.');
	if (dot && dot != base)
		*dot = '\0';
	label_ascii(base, im->slice, sizeof(im->slice));
	free(copy);
	if (!im->slice[0])
		snprintf(im->slice, sizeof(im->slice), "imported");
	return 0;
}

static void count_degrees(struct import *im)
{
	for (size_t i = 0; i < im->g.n_edges; i++) {
		const struct ng_edge *e = &im->g.edges[i];

		im->ends[i][0] = e->a;
		im->ends[i][1] = e->b;
		if (e->a == e->b) {
			im->n_loops++;
			warnf("import: %s:%d: edge from `%s' to itself skipped (a link joins two hosts)",
			      im->o.in, e->line, im->names[e->a]);
			continue;
		}
		im->degree[e->a]++;
		im->degree[e->b]++;
		im->n_links++;
	}
	for (size_t v = 0; v < im->g.n_nodes; v++) {
		if (im->degree[v])
			continue;
		im->n_isolated++;
		warnf("import: %s:%d: node `%s' has no links: kept, isolated", im->o.in,
		      im->g.nodes[v].line, im->names[v]);
	}
}

/* The number of hosts on each node (malloc'd), NULL if out of memory. */
static size_t *part_counts(const struct import *im)
{
	size_t *count = calloc((size_t)im->o.nodes, sizeof(*count));

	for (size_t v = 0; count && v < im->g.n_nodes; v++)
		count[im->part[v]]++;
	return count;
}

/* METIS balances within PARTITION_UB, but does not promise it. */
static void check_balance(const struct import *im)
{
	double bound = ceil((double)im->g.n_nodes / im->o.nodes * PARTITION_UB);
	size_t *count = part_counts(im), most = 0, fewest = SIZE_MAX;

	if (!count)
		return;
	for (int k = 0; k < im->o.nodes; k++) {
		most = count[k] > most ? count[k] : most;
		fewest = count[k] < fewest ? count[k] : fewest;
	}
	if (most > bound || !fewest)
		warnf("import: the placement is unbalanced: %zu to %zu hosts a node (at most %.0f wanted)",
		      fewest, most, bound);
	free(count);
}

static int place(struct import *im)
{
	if (!im->o.nodes)
		return 0;
	if ((size_t)im->o.nodes > im->g.n_nodes) {
		errorf("import: --nodes %d: the graph has only %zu node%s", im->o.nodes, im->g.n_nodes,
		       im->g.n_nodes == 1 ? "" : "s");
		return -1;
	}
	im->part = calloc(im->g.n_nodes, sizeof(*im->part));
	if (!im->part)
		return -1;
	im->cut = partition_graph(im->g.n_nodes, (const int (*)[2])im->ends, im->g.n_edges,
				  im->o.nodes, im->part);
	if (im->cut < 0)
		return -1;
	check_balance(im);
	return 0;
}

static int prepare(struct import *im)
{
	size_t n = im->g.n_nodes;

	im->names = calloc(n, sizeof(*im->names));
	im->ends = calloc(im->g.n_edges + 1, sizeof(*im->ends));
	im->nif = calloc(n, sizeof(*im->nif));
	im->degree = calloc(n, sizeof(*im->degree));
	if (!im->names || !im->ends || !im->nif || !im->degree || label_names(&im->g, im->names) ||
	    slice_name(im)) {
		errorf("import: %s", strerror(ENOMEM));
		return -1;
	}
	if (im->g.directed)
		warnf("import: %s: the graph is directed: each edge becomes a link of its own",
		      im->o.in);
	count_degrees(im);
	return place(im);
}

/* Text from the file for a comment: control characters as \xHH. */
static void put_comment_text(FILE *m, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '\\')
			fprintf(m, "\\x%02x", c);
		else
			fputc(c, m);
	}
}

static double haversine_km(const struct ng_node *a, const struct ng_node *b)
{
	double p1 = a->lat * M_PI / 180, p2 = b->lat * M_PI / 180;
	double dp = p2 - p1, dl = (b->lon - a->lon) * M_PI / 180;
	double h = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);

	return 2 * EARTH_RADIUS_KM * asin(fmin(1.0, sqrt(h)));
}

static void write_header(const struct import *im, FILE *m)
{
	fputs("# Imported from ", m);
	put_comment_text(m, im->o.in);
	fprintf(m, " by trellisd import\n#   options: --slice %s --km-delay %g", im->slice,
		im->o.km_delay_us);
	if (im->o.nodes)
		fprintf(m, " --nodes %d --underlay %s", im->o.nodes, inet_ntoa(im->o.underlay));
	if (im->o.routing)
		fprintf(m, " --routing %s", im->o.routing);
	if (im->o.daemon)
		fprintf(m, " --daemon %s", im->o.daemon);
	fputs("\n# Graph", m);
	if (im->g.name) {
		fputs(" \"", m);
		put_comment_text(m, im->g.name);
		fputc('"', m);
	}
	fprintf(m, "%s: %zu nodes, %zu edges.\n", im->g.directed ? " (directed)" : "",
		im->g.n_nodes, im->g.n_edges);
	fprintf(m, "# Each node is a host (its label in a comment), each edge a link with\n"
		   "# interfaces of its own.  Addresses from `addressing auto': a /31 and\n"
		   "# a /127 per link, and the Nth host's loopback 10.255.0.N.\n"
		   "# Delays: the great-circle distance between the ends' coordinates at\n"
		   "# %g us per km, on each end; a link with an end without coordinates\n"
		   "# has none.\n", im->o.km_delay_us);
	if (!im->o.routing)
		fputs("# No routing: add a `routing' line, or frr or bird lines to hosts.\n", m);
	else if (im->o.daemon && !strcmp(im->o.daemon, "mixed"))
		fprintf(m, "# Routing: %s, with FRR on the 1st, 3rd, ... host and BIRD on the\n"
			   "# 2nd, 4th, ...\n", im->o.routing);
}

/* The slice's own lines: addresses and routing. */
static void write_slice(const struct import *im, FILE *m)
{
	fprintf(m, "\nslice %s\naddressing auto", im->slice);
	if (im->n_links > DEFAULT_POOL_LINKS)
		fputs(" pool4 " BIG_POOL, m);
	fputc('\n', m);
	if (im->o.routing) {
		fprintf(m, "routing %s", im->o.routing);
		if (im->o.daemon)
			fprintf(m, " daemon %s", strcmp(im->o.daemon, "mixed") ? im->o.daemon : "frr");
		fputc('\n', m);
	}
	fputc('\n', m);
}

static void write_nodes(const struct import *im, FILE *m)
{
	uint32_t base = ntohl(im->o.underlay.s_addr);
	size_t *count;

	if (!im->o.nodes)
		return;
	count = part_counts(im);
	fprintf(m, "#\n# Placement: %d nodes by METIS (recursive bisection, imbalance %g), %ld of\n# %zu links"
		   " cross between nodes (the edge cut).  The underlay addresses are\n"
		   "# placeholders, %s and up (--underlay): put the machines' own.\n\n",
		im->o.nodes, PARTITION_UB, im->cut, im->n_links, inet_ntoa(im->o.underlay));
	for (int k = 0; k < im->o.nodes; k++) {
		struct in_addr a = { htonl(base + (uint32_t)k) };

		fprintf(m, "node node%d underlay %s\t# %zu hosts\n", k + 1, inet_ntoa(a),
			count ? count[k] : 0);
	}
	free(count);
}

static void write_host(const struct import *im, FILE *m, size_t v)
{
	const struct ng_node *n = &im->g.nodes[v];

	fprintf(m, "host %s", im->names[v]);
	if (im->part)
		fprintf(m, " node node%d", im->part[v] + 1);
	fputs("\t# ", m);
	if (n->label) {
		fputc('"', m);
		put_comment_text(m, n->label);
		fputs("\" ", m);
	}
	fputs("id ", m);
	put_comment_text(m, n->id);
	if (ng_has_coords(n))
		fprintf(m, ", %.4f %.4f", n->lat, n->lon);
	else
		fputs(", no coordinates", m);
	if (!im->degree[v])
		fputs(", isolated", m);
	fputc('\n', m);
	if (!im->o.routing)	/* routing turns forwarding on itself */
		fputs("    sysctl net.ipv4.ip_forward=1\n", m);
	else if (im->o.daemon && !strcmp(im->o.daemon, "mixed") && v % 2)
		fprintf(m, "    routing %s daemon bird\n", im->o.routing);
}

/* Keys must differ within a file: a derived key already taken moves up. */
struct keyset {
	uint32_t *k;
	size_t mask;
};

static bool key_take(struct keyset *ks, uint32_t key)
{
	size_t i = (key * 2654435761u) & ks->mask;

	for (; ks->k[i]; i = (i + 1) & ks->mask)
		if (ks->k[i] == key)
			return false;
	ks->k[i] = key;
	return true;
}

/* The comment that ends the link's line, and its delay (0: none). */
static double link_delay(const struct import *im, FILE *m, const struct ng_edge *e)
{
	const struct ng_node *a = &im->g.nodes[e->a], *b = &im->g.nodes[e->b];
	double km;

	if (!ng_has_coords(a) || !ng_has_coords(b)) {
		fprintf(m, "\t# no delay: %s has no coordinates\n",
			im->names[ng_has_coords(a) ? e->b : e->a]);
		return 0;
	}
	km = haversine_km(a, b);
	fprintf(m, "\t# %.0f km\n", km);
	return round(km * im->o.km_delay_us);
}

static void write_link(struct import *im, FILE *m, size_t i, struct keyset *ks)
{
	const struct ng_edge *e = &im->g.edges[i];
	char name[96];
	int i0 = im->nif[e->a]++, i1 = im->nif[e->b]++;
	uint32_t key;
	double us;

	snprintf(name, sizeof(name), "%s:eth%d-%s:eth%d", im->names[e->a], i0, im->names[e->b], i1);
	key = topo_link_key(im->slice, name);
	fprintf(m, "link %s:eth%d %s:eth%d", im->names[e->a], i0, im->names[e->b], i1);
	if (!key_take(ks, key)) {
		while (!key || !key_take(ks, key))
			key++;
		fprintf(m, " key %u", key);
	}
	us = link_delay(im, m, e);
	if (us > 0)
		fprintf(m, "    discipline both delay %.0fus\n", us);
}

static int write_links(struct import *im, FILE *m)
{
	struct keyset ks = { .mask = 15 };

	while (ks.mask + 1 < 2 * im->g.n_edges)
		ks.mask = ks.mask * 2 + 1;
	ks.k = calloc(ks.mask + 1, sizeof(*ks.k));
	if (!ks.k)
		return -1;
	fputc('\n', m);
	for (size_t i = 0; i < im->g.n_edges; i++) {
		if (im->ends[i][0] == im->ends[i][1])
			fprintf(m, "# skipped: the edge at line %d from %s to itself\n",
				im->g.edges[i].line, im->names[im->ends[i][0]]);
		else
			write_link(im, m, i, &ks);
	}
	free(ks.k);
	return 0;
}

/* The whole topology, in memory. */
static char *generate(struct import *im, size_t *len)
{
	char *text = NULL;
	FILE *m = open_memstream(&text, len);
	int ret;

	if (!m)
		return NULL;
	write_header(im, m);
	write_nodes(im, m);
	write_slice(im, m);
	for (size_t v = 0; v < im->g.n_nodes; v++)
		write_host(im, m, v);
	ret = write_links(im, m);
	if (fclose(m) || ret) {
		free(text);
		return NULL;
	}
	return text;
}

/* The generated text must pass the parser's checks; a failure here is a
 * bug of import. */
static int verify(const char *text, size_t len, const char *out)
{
	struct diag d = { 0 };
	struct topo t;

	if (!topo_parse_buf(&t, text, len, out, "/", &d)) {
		topo_free(&t);
		return 0;
	}
	diag_print(&d);
	errorf("import: bug: the topology generated does not pass check (%zu errors); nothing written",
	       d.n);
	diag_free(&d);
	return -1;
}

static int write_out(const char *out, const char *text, size_t len)
{
	FILE *f;

	if (out && !strcmp(out, "-"))
		out = NULL;
	f = out ? fopen(out, "w") : stdout;

	if (!f || fwrite(text, 1, len, f) != len || (out ? fclose(f) : fflush(f))) {
		errorf("import: %s: %s", out ? out : "standard output", strerror(errno));
		if (f && out)
			fclose(f);
		return -1;
	}
	return 0;
}

static void summary(const struct import *im, double secs)
{
	fprintf(stderr, "trellisd: import: %s: slice %s: %zu host%s (%zu isolated), %zu link%s (%zu without delay)",
		im->o.in, im->slice, im->g.n_nodes, im->g.n_nodes == 1 ? "" : "s", im->n_isolated,
		im->n_links, im->n_links == 1 ? "" : "s", im->n_nodelay);
	if (im->o.nodes) {
		size_t *count = part_counts(im);

		fputs("; nodes:", stderr);
		for (int k = 0; count && k < im->o.nodes; k++)
			fprintf(stderr, "%s%zu", k ? " + " : " ", count[k]);
		fprintf(stderr, " hosts, edge cut %ld", im->cut);
		free(count);
	}
	fprintf(stderr, "; %.3f s\n", secs);
}

static size_t count_nodelay(const struct import *im)
{
	size_t n = 0;

	for (size_t i = 0; i < im->g.n_edges; i++)
		n += im->ends[i][0] != im->ends[i][1] &&
		     (!ng_has_coords(&im->g.nodes[im->ends[i][0]]) ||
		      !ng_has_coords(&im->g.nodes[im->ends[i][1]]));
	return n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void import_free(struct import *im)
{
	ng_free(&im->g);
	free(im->names);
	free(im->ends);
	free(im->part);
	free(im->nif);
	free(im->degree);
}

int tools_import(int argc, char **argv)
{
	struct import im = { 0 };
	double t0 = now();
	char *text = NULL;
	size_t len = 0;
	int ret = 1;

	if (parse_opts(&im.o, argc, argv)) {
		fputs(usage, stderr);
		return 2;
	}
	if (read_input(&im) || prepare(&im))
		goto out;
	im.n_nodelay = count_nodelay(&im);
	text = generate(&im, &len);
	if (!text) {
		errorf("import: %s", strerror(ENOMEM));
		goto out;
	}
	if (verify(text, len, im.o.out ? im.o.out : "<output>") || write_out(im.o.out, text, len))
		goto out;
	summary(&im, now() - t0);
	ret = 0;
out:
	free(text);
	import_free(&im);
	return ret;
}
