// SPDX-License-Identifier: GPL-2.0
/* A link discipline written as the language writes it, and compared. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "disc.h"
#include "reserve.h"

void disc_format(const struct disc *d, char *buf, size_t len)
{
	FILE *m = fmemopen(buf, len, "w");
	char r[32];

	if (!len)
		return;
	buf[0] = '\0';
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
		fprintf(m, " rate %s", resv_rate_str(d->rate_bps, r, sizeof(r)));
	fclose(m);
	/* Each option was written after a space: drop the first. */
	if (buf[0] == ' ')
		memmove(buf, buf + 1, strlen(buf));
}

bool disc_equal(const struct disc *a, const struct disc *b)
{
	return a->set == b->set && a->delay_ns == b->delay_ns && a->jitter_ns == b->jitter_ns &&
	       a->loss == b->loss && a->duplicate == b->duplicate &&
	       a->reorder == b->reorder && a->corrupt == b->corrupt &&
	       a->rate_bps == b->rate_bps && a->limit == b->limit;
}
