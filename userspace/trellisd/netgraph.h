/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A graph read from a GraphML or GML file (the Internet Topology Zoo's
 * formats), before it becomes a topology: nodes with their attributes as
 * written, edges between them.  Readers add nodes and edges by the ids the
 * file uses; ng_resolve() then turns every edge's ids into node indices.
 */
#ifndef TRELLIS_NETGRAPH_H
#define TRELLIS_NETGRAPH_H

#include <stdbool.h>
#include <stddef.h>

struct ng_node {
	char *id;		/* as written in the file */
	char *label;		/* NULL: none */
	bool has_lat, has_lon;
	double lat, lon;	/* degrees */
	bool hyperedge;		/* the Zoo's `hyperedge 1': a shared medium */
	int line;
};

struct ng_edge {
	char *src, *dst;	/* ids as written; NULL: missing */
	int a, b;		/* node indices, after ng_resolve() */
	int n_ends;		/* more than 2: a hyperedge */
	int line;
	int src_line, dst_line;	/* where each end was given (0: at line) */
};

struct netgraph {
	const char *path;
	char *name;		/* the graph's own label or Network, if any */
	bool directed;
	struct ng_node *nodes;
	size_t n_nodes, cap_nodes;
	struct ng_edge *edges;
	size_t n_edges, cap_edges;
	size_t *idx;		/* open addressing: node index + 1, 0 empty */
	size_t n_idx;
	int errors;
};

/* The node that starts or the edge at line; NULL if out of memory. */
struct ng_node *ng_add_node(struct netgraph *g, int line);
struct ng_edge *ng_add_edge(struct netgraph *g, int line);
/* Reports "path:line: message" on stderr and counts the error. */
void ng_error(struct netgraph *g, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Checks ids (present, unique) and resolves edges; errors are reported.
 * Returns 0 or -1. */
int ng_resolve(struct netgraph *g);
/* Does the node have both coordinates, in range? */
bool ng_has_coords(const struct ng_node *n);
void ng_free(struct netgraph *g);

/* Readers: fill g from path; 0, or -1 with every error reported. */
int gml_read(struct netgraph *g, const char *path);
int graphml_read(struct netgraph *g, const char *path);

#endif
