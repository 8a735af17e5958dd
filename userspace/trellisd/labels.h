/* SPDX-License-Identifier: GPL-2.0 */
/* Names for imported nodes, from their labels (labels.c). */
#ifndef TRELLIS_LABELS_H
#define TRELLIS_LABELS_H

#include <stddef.h>

#include "netgraph.h"
#include "topo.h"

/*
 * The UTF-8 text as a name: lower-case ASCII letters and digits, runs of
 * anything else as one inner `-', accented Latin letters transliterated
 * ("São Paulo" -> "sao-paulo", "Zürich" -> "zurich"), at most len - 1
 * bytes, never ending in `-'.  May be empty (a label of only symbols or of
 * another script).
 */
void label_ascii(const char *utf8, char *out, size_t len);

/* A unique host name for every node of g (names[i] for node i): its
 * label's label_ascii(), else "n" and its id; a name taken already gets
 * "-2", "-3", ...  Returns 0 or -1 (out of memory). */
int label_names(const struct netgraph *g, char (*names)[TOPO_NAME_LEN]);

#endif
