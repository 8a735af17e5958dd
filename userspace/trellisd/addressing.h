/* SPDX-License-Identifier: GPL-2.0 */
/* `addressing auto': addresses for what the file leaves without (addressing.c). */
#ifndef TRELLIS_ADDRESSING_H
#define TRELLIS_ADDRESSING_H

#include <stddef.h>

#include "topo.h"

/* The defaults of `addressing auto'. */
#define ADDR_POOL4	"10.0.0.0/16"
#define ADDR_POOL6	"fd00:0:1::/48"
#define ADDR_LO4	"10.255.0.0/16"
#define ADDR_LO6	"fd00:0:ff::/64"

/*
 * Gives every point-to-point link without an address of a family a /31 or
 * /127, every lan a /24 (more if it has over 253 members) or /64, and every
 * host without a loopback of a family a /32 or /128, from t->addressing's
 * pools, in file order: the same file always gets the same addresses.
 * Nothing written by hand is changed, and no block given out overlaps an
 * address or subnet written by hand.  Pure (no syscalls).  Returns 0, or -1
 * with why in err (a pool too small).
 */
int addressing_apply(struct topo *t, char *err, size_t len);

/* Fills a with the defaults and marks it set. */
void addressing_defaults(struct addressing *a);

#endif
