/* SPDX-License-Identifier: GPL-2.0 */
/* Balanced placement of a graph's vertices on physical nodes (METIS). */
#ifndef TRELLIS_PARTITION_H
#define TRELLIS_PARTITION_H

#include <stddef.h>

/* The imbalance allowed: no part above this times the average. */
#define PARTITION_UB 1.03

/*
 * Places the n vertices of an undirected graph on nparts parts, balanced
 * in numbers with few edges between parts: part[v] for each vertex.
 * ends[i] are the vertices of edge i; parallel edges count as many times
 * as they appear, self-loops are ignored.  Deterministic (fixed seed).
 * Returns the number of edges whose ends are on different parts, or -1
 * with the reason on stderr.
 */
long partition_graph(size_t n, const int (*ends)[2], size_t n_edges, int nparts, int *part);

#endif
