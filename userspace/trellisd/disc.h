/* SPDX-License-Identifier: GPL-2.0 */
/* A link discipline (struct disc, topo.h) written and compared. */
#ifndef TRELLIS_DISC_H
#define TRELLIS_DISC_H

#include <stdbool.h>
#include <stddef.h>

#include "topo.h"

/* The discipline as the language writes it ("delay 10ms loss 0.1%"), ""
 * for none. */
void disc_format(const struct disc *d, char *buf, size_t len);
bool disc_equal(const struct disc *a, const struct disc *b);

#endif
