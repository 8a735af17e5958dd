// SPDX-License-Identifier: GPL-2.0
/* Quotas from policy.conf, and admission against them (policy.h). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static const char *const res_names[N_RES] = {
	[RES_SLICES] = "slices",
	[RES_HOSTS] = "hosts",
	[RES_LINKS] = "links",
	[RES_PROCS] = "processes",
	[RES_MEMORY] = "memory",
};

const char *res_str(enum res r)
{
	return res_names[r];
}

struct pparse {
	struct policy *p;
	struct diag *d;
	int line, nerr;
};

static void perr(struct pparse *pp, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void perr(struct pparse *pp, int col, const char *fmt, ...)
{
	char msg[512], **m;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	m = realloc(pp->d->msgs, (pp->d->n + 1) * sizeof(*m));
	if (!m || asprintf(&m[pp->d->n], "%s:%d:%d: %s", pp->p->path, pp->line, col, msg) < 0)
		abort();
	pp->d->msgs = m;
	pp->d->n++;
	pp->nerr++;
}

/* A count, or a size with K, M, G or T (powers of 1024) if size; -1 if bad. */
static long long pvalue(const char *s, bool size)
{
	unsigned long long v = 0;
	const char *c = s;
	int shift = 0;

	if (!isdigit((unsigned char)*c))
		return -1;
	for (; isdigit((unsigned char)*c); c++) {
		if (v > (unsigned long long)(1LL << 50))
			return -1;
		v = v * 10 + (unsigned long long)(*c - '0');
	}
	if (size && *c) {
		const char *u = strchr("KMGT", toupper((unsigned char)*c));

		if (!u || c[1])
			return -1;
		shift = 10 * (int)(u - "KMGT" + 1);
		c++;
	}
	if (*c || (shift && v > (1ULL << (62 - shift))))
		return -1;
	return (long long)(v << shift);
}

static int res_lookup(const char *w)
{
	for (int r = 0; r < N_RES; r++)
		if (!strcmp(w, res_names[r]))
			return r;
	return -1;
}

struct tok {
	const char *s;
	int col;
};

/* LIMIT VALUE pairs from tok[from] on; lim/col per resource. */
static void plimits(struct pparse *pp, const struct tok *tok, int n, int from, long long *lim,
		    int *col, bool only_share)
{
	for (int i = from; i < n; i += 2) {
		int r = res_lookup(tok[i].s);
		long long v;

		if (r < 0 || (only_share && r != RES_PROCS && r != RES_MEMORY)) {
			perr(pp, tok[i].col, "unknown limit `%s' (%s)", tok[i].s,
			     only_share ? "processes, memory" : "slices, hosts, links, processes, memory");
			continue;
		}
		if (col[r]) {
			perr(pp, tok[i].col, "%s given twice on this line (first at column %d)",
			     res_names[r], col[r]);
			continue;
		}
		if (i + 1 >= n) {
			perr(pp, tok[i].col, "%s needs a value", res_names[r]);
			return;
		}
		v = pvalue(tok[i + 1].s, r == RES_MEMORY);
		if (v < 0) {
			perr(pp, tok[i + 1].col, "bad %s value `%s' (%s)", res_names[r], tok[i + 1].s,
			     r == RES_MEMORY ? "bytes, or a number with K, M, G or T" :
			     "a whole number");
			continue;
		}
		lim[r] = v;
		col[r] = tok[i].col;
	}
}

static int ptokens(char *line, struct tok *tok, int max)
{
	int n = 0;

	for (char *c = line; *c && n < max;) {
		while (*c == ' ' || *c == '\t')
			c++;
		if (!*c || *c == '#')
			break;
		tok[n].s = c;
		tok[n].col = (int)(c - line) + 1;
		n++;
		while (*c && *c != ' ' && *c != '\t')
			c++;
		if (*c)
			*c++ = '\0';
	}
	return n;
}

static void pline_rule(struct pparse *pp, const struct tok *tok, int n)
{
	struct policy *p = pp->p;
	bool group = !strcmp(tok[0].s, "group");
	struct prule r = { .group = group, .line = pp->line };

	if (n < 2) {
		perr(pp, tok[0].col, "`%s' needs a name", tok[0].s);
		return;
	}
	if (strlen(tok[1].s) >= sizeof(r.name) || (group && !strcmp(tok[1].s, "*"))) {
		perr(pp, tok[1].col, "bad %s name `%.64s'", tok[0].s, tok[1].s);
		return;
	}
	snprintf(r.name, sizeof(r.name), "%s", tok[1].s);
	r.any = !group && !strcmp(r.name, "*");
	for (size_t i = 0; i < p->n; i++)
		if (p->r[i].group == group && !strcmp(p->r[i].name, r.name)) {
			perr(pp, tok[1].col, "%s %s already has a line (line %d)", tok[0].s, r.name,
			     p->r[i].line);
			return;
		}
	for (int k = 0; k < N_RES; k++)
		r.lim[k] = -1;
	plimits(pp, tok, n, 2, r.lim, r.col, false);
	p->r = realloc(p->r, (p->n + 1) * sizeof(*p->r));
	if (!p->r)
		abort();
	p->r[p->n++] = r;
}

static void pline(struct pparse *pp, char *line)
{
	struct tok tok[32];
	int n = ptokens(line, tok, 32);

	if (!n)
		return;
	if (n == 32) {
		perr(pp, tok[31].col, "too many words on one line");
		return;
	}
	if (!strcmp(tok[0].s, "user") || !strcmp(tok[0].s, "group")) {
		pline_rule(pp, tok, n);
	} else if (!strcmp(tok[0].s, "per-host")) {
		long long lim[N_RES] = { 0 };
		int col[N_RES] = { 0 };

		if (pp->p->per_host_line) {
			perr(pp, tok[0].col, "per-host given twice (first on line %d)",
			     pp->p->per_host_line);
			return;
		}
		plimits(pp, tok, n, 1, lim, col, true);
		pp->p->per_host[RES_PROCS] = lim[RES_PROCS];
		pp->p->per_host[RES_MEMORY] = lim[RES_MEMORY];
		pp->p->per_host_line = pp->line;
	} else {
		perr(pp, tok[0].col, "unknown statement `%s' (user, group, per-host)", tok[0].s);
	}
}

/* A processes or memory quota means nothing without the per-host share. */
static void pcheck_shares(struct pparse *pp)
{
	for (size_t i = 0; i < pp->p->n; i++) {
		const struct prule *r = &pp->p->r[i];

		for (int k = RES_PROCS; k <= RES_MEMORY; k++) {
			if (r->lim[k] < 0 || pp->p->per_host[k])
				continue;
			pp->line = r->line;
			perr(pp, r->col[k], "a %s quota needs a `per-host %s' line", res_names[k],
			     res_names[k]);
		}
	}
}

int policy_parse(struct policy *p, const char *text, const char *path, struct diag *d)
{
	struct pparse pp = { .p = p, .d = d };
	const char *c = text;

	memset(p, 0, sizeof(*p));
	p->path = strdup(path);
	if (!p->path)
		abort();
	while (*c) {
		const char *end = strchrnul(c, '\n');
		char *line = strndup(c, (size_t)(end - c));

		if (!line)
			abort();
		pp.line++;
		for (char *b = line; *b; b++)
			if ((unsigned char)*b < 0x20 && *b != '\t') {
				perr(&pp, (int)(b - line) + 1, "control character 0x%02x", *b);
				*b = '\0';
				break;
			}
		pline(&pp, line);
		free(line);
		c = *end ? end + 1 : end;
	}
	pcheck_shares(&pp);
	if (pp.nerr) {
		policy_free(p);
		return -1;
	}
	return 0;
}

int policy_resolve(struct policy *p, int (*user)(const char *, unsigned int *),
		   int (*group)(const char *, unsigned int *), struct diag *d)
{
	struct pparse pp = { .p = p, .d = d };

	for (size_t i = 0; i < p->n; i++) {
		struct prule *r = &p->r[i];

		if (r->any || !(r->group ? group : user)(r->name, &r->id))
			continue;
		pp.line = r->line;
		perr(&pp, 1, "no %s `%s' on this system", r->group ? "group" : "user", r->name);
	}
	return pp.nerr ? -1 : 0;
}

void policy_free(struct policy *p)
{
	free(p->path);
	free(p->r);
	memset(p, 0, sizeof(*p));
}

void policy_use(const struct policy *p, size_t hosts, size_t links, struct slice_use *u)
{
	u->v[RES_SLICES] = 1;
	u->v[RES_HOSTS] = (long long)hosts;
	u->v[RES_LINKS] = (long long)links;
	u->v[RES_PROCS] = (long long)hosts * p->per_host[RES_PROCS];
	u->v[RES_MEMORY] = (long long)hosts * p->per_host[RES_MEMORY];
}

void policy_slice_limits(const struct policy *p, size_t hosts, struct slice_limits *l)
{
	l->pids = (long)((long long)hosts * p->per_host[RES_PROCS]);
	l->memory_bytes = (long long)hosts * p->per_host[RES_MEMORY];
}

static bool in_groups(gid_t g, const gid_t *gids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (gids[i] == g)
			return true;
	return false;
}

/* The rule that limits who's own slices: theirs, else `user *'. */
static const struct prule *user_rule(const struct policy *p, uid_t uid)
{
	const struct prule *any = NULL;

	for (size_t i = 0; i < p->n; i++) {
		if (p->r[i].group)
			continue;
		if (p->r[i].any)
			any = &p->r[i];
		else if (p->r[i].id == uid)
			return &p->r[i];
	}
	return any;
}

static void amount(enum res k, long long v, char *buf, size_t len)
{
	if (k == RES_MEMORY)
		snprintf(buf, len, "%lld bytes (%.1f MiB)", v, (double)v / (1 << 20));
	else
		snprintf(buf, len, "%lld", v);
}

/* Does r allow ask on top of the use of the slices it covers? */
static int rule_admit(const struct policy *p, const struct prule *r, const struct principal *who,
		      const struct slice_use *use, size_t n, const struct slice_use *ask,
		      char *msg, size_t len)
{
	for (int k = 0; k < N_RES; k++) {
		char lim[64], have[64], more[64];
		long long sum = 0;

		if (r->lim[k] < 0 || ask->v[k] <= 0)
			continue;
		for (size_t i = 0; i < n; i++)
			if (r->group ? in_groups(r->id, use[i].gids, use[i].n_gids) :
			    use[i].owner == who->uid)
				sum += use[i].v[k];
		if (sum + ask->v[k] <= r->lim[k])
			continue;
		amount(k, r->lim[k], lim, sizeof(lim));
		amount(k, sum, have, sizeof(have));
		amount(k, ask->v[k], more, sizeof(more));
		if (r->group)
			snprintf(msg, len, "quota: group %s may have %s %s (%s:%d); its members have %s and %s asked for %s more",
				 r->name, lim, res_names[k], p->path, r->line, have, who->name, more);
		else
			snprintf(msg, len, "quota: user %s may have %s %s (%s:%d); %s has %s and asked for %s more",
				 who->name, lim, res_names[k], p->path, r->line, who->name, have, more);
		return -1;
	}
	return 0;
}

int policy_admit(const struct policy *p, const struct principal *who,
		 const struct slice_use *use, size_t n, const struct slice_use *ask,
		 char *msg, size_t len)
{
	const struct prule *u;

	if (who->uid == 0)
		return 0;
	u = user_rule(p, who->uid);
	if (u && rule_admit(p, u, who, use, n, ask, msg, len))
		return -1;
	for (size_t i = 0; i < p->n; i++)
		if (p->r[i].group && in_groups(p->r[i].id, who->gids, who->n_gids) &&
		    rule_admit(p, &p->r[i], who, use, n, ask, msg, len))
			return -1;
	return 0;
}
