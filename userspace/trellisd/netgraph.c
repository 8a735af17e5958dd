// SPDX-License-Identifier: GPL-2.0
/* The graph an import reads (netgraph.h): nodes, edges, ids resolved. */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netgraph.h"

static void *grow(void *arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap = *cap ? *cap * 2 : 64;
	void *p;

	if (n < *cap)
		return arr;
	p = reallocarray(arr, ncap, size);
	if (!p)
		return NULL;
	memset((char *)p + *cap * size, 0, (ncap - *cap) * size);
	*cap = ncap;
	return p;
}

struct ng_node *ng_add_node(struct netgraph *g, int line)
{
	struct ng_node *nodes = grow(g->nodes, &g->cap_nodes, g->n_nodes, sizeof(*nodes));

	if (!nodes)
		return NULL;
	g->nodes = nodes;
	nodes[g->n_nodes].line = line;
	return &nodes[g->n_nodes++];
}

struct ng_edge *ng_add_edge(struct netgraph *g, int line)
{
	struct ng_edge *edges = grow(g->edges, &g->cap_edges, g->n_edges, sizeof(*edges));

	if (!edges)
		return NULL;
	g->edges = edges;
	edges[g->n_edges].line = line;
	edges[g->n_edges].a = edges[g->n_edges].b = -1;
	return &edges[g->n_edges++];
}

void ng_error(struct netgraph *g, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", g->path, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	g->errors++;
}

/* FNV-1a, as topo_link_key() */
static size_t hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return (size_t)h;
}

/* The slot of id: holding its node, or the empty one where it goes. */
static size_t *slot(const struct netgraph *g, const char *id)
{
	size_t i = hash_str(id) & (g->n_idx - 1);

	while (g->idx[i] && strcmp(g->nodes[g->idx[i] - 1].id, id))
		i = (i + 1) & (g->n_idx - 1);
	return &g->idx[i];
}

static int index_ids(struct netgraph *g)
{
	g->n_idx = 16;
	while (g->n_idx < 2 * g->n_nodes)
		g->n_idx *= 2;
	g->idx = calloc(g->n_idx, sizeof(*g->idx));
	if (!g->idx)
		return -1;
	for (size_t i = 0; i < g->n_nodes; i++) {
		struct ng_node *n = &g->nodes[i];
		size_t *s;

		if (!n->id) {
			ng_error(g, n->line, "node without an id");
			continue;
		}
		s = slot(g, n->id);
		if (*s)
			ng_error(g, n->line, "duplicate node id `%s' (first at line %d)", n->id,
				 g->nodes[*s - 1].line);
		else
			*s = i + 1;
	}
	return 0;
}

static int end_index(struct netgraph *g, const struct ng_edge *e, const char *id,
		     int line, const char *what)
{
	size_t *s;

	if (!id) {
		ng_error(g, e->line, "edge without a %s", what);
		return -1;
	}
	s = slot(g, id);
	if (!*s) {
		ng_error(g, line ? line : e->line, "edge %s `%s' is not a node of the graph", what, id);
		return -1;
	}
	return (int)(*s - 1);
}

int ng_resolve(struct netgraph *g)
{
	if (index_ids(g))
		return -1;
	for (size_t i = 0; i < g->n_edges; i++) {
		struct ng_edge *e = &g->edges[i];

		if (e->n_ends > 2) {
			ng_error(g, e->line, "hyperedge with %d ends: only edges between two nodes can be imported",
				 e->n_ends);
			continue;
		}
		e->a = end_index(g, e, e->src, e->src_line, "source");
		e->b = end_index(g, e, e->dst, e->dst_line, "target");
	}
	for (size_t i = 0; i < g->n_nodes; i++)
		if (g->nodes[i].hyperedge)
			ng_error(g, g->nodes[i].line,
				 "node `%s' is a hyperedge (a shared medium): only edges between two nodes can be imported",
				 g->nodes[i].id ? g->nodes[i].id : "?");
	return g->errors ? -1 : 0;
}

bool ng_has_coords(const struct ng_node *n)
{
	return n->has_lat && n->has_lon && isfinite(n->lat) && isfinite(n->lon) &&
	       fabs(n->lat) <= 90 && fabs(n->lon) <= 180;
}

void ng_free(struct netgraph *g)
{
	for (size_t i = 0; i < g->n_nodes; i++) {
		free(g->nodes[i].id);
		free(g->nodes[i].label);
	}
	for (size_t i = 0; i < g->n_edges; i++) {
		free(g->edges[i].src);
		free(g->edges[i].dst);
	}
	free(g->nodes);
	free(g->edges);
	free(g->idx);
	free(g->name);
	memset(g, 0, sizeof(*g));
}
