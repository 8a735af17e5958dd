// SPDX-License-Identifier: GPL-2.0
/*
 * The topology language parser (docs/topology.md).
 *
 * Two passes: the first reads statement by statement, checking each token
 * where it stands (names, addresses, numbers, options); the second resolves
 * cross references and checks the topology as a whole (unknown hosts and
 * nodes, interfaces used twice, subnets, duplicate addresses, GRE keys,
 * capacities).  Every error is collected, with file:line:col and the
 * offending token, so one run of `trellisd check' shows them all.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "topo.h"

#define MAX_TOKENS 128

struct tok {
	const char *s;
	int col;
};

enum ctx { CTX_NONE, CTX_HOST, CTX_LINK, CTX_SKIP };

struct parser {
	struct topo *t;
	struct diag *d;
	const char *path;
	int line;
	char *raw;			/* the current line, as read */
	struct tok tok[MAX_TOKENS];
	int ntok;
	enum ctx ctx;
	size_t idx;			/* the host or link being continued */
};

static const char *const statements[] = { "node", "slice", "host", "link", "lan", NULL };
static const char *const host_subs[] = { "sysctl", "loopback", "route", "run", "file", "frr",
	"bird", NULL };
static const char *const link_subs[] = { "addr", "discipline", NULL };
static const char *const host_opts[] = { "node", "hostname", NULL };
static const char *const link_opts[] = { "mtu", "key", NULL };
static const char *const node_opts[] = { "underlay", "capacity", NULL };
static const char *const route_opts[] = { "via", "dev", "metric", NULL };
static const char *const disc_opts[] = { "delay", "jitter", "loss", "duplicate",
	"reorder", "corrupt", "rate", "limit", NULL };

#define PUSH(arr, n) ({							\
	void *_p = realloc((arr), ((n) + 1) * sizeof(*(arr)));		\
	if (!_p)							\
		abort();						\
	(arr) = _p;							\
	memset(&(arr)[(n)], 0, sizeof(*(arr)));				\
	&(arr)[(n)++];							\
})

static void diag_add(struct diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void diag_add(struct diag *d, const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		abort();
	va_end(ap);
	*(char **)PUSH(d->msgs, d->n) = m;
}

static void errat(struct parser *p, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void errat(struct parser *p, struct loc loc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(p->d, "%s:%d:%d: %s", p->path, loc.line, loc.col, msg);
}

static struct loc tloc(const struct parser *p, int i)
{
	struct loc l = { p->line, i < p->ntok ? p->tok[i].col : (int)strlen(p->raw) + 1 };

	return l;
}

#define err(p, i, ...) errat((p), tloc((p), (i)), __VA_ARGS__)

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	d->msgs = NULL;
	d->n = 0;
}

void diag_print(const struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", d->msgs[i]);
}

/* --- small helpers --------------------------------------------------- */

/* Optimal string alignment distance: insertions, deletions, substitutions
 * and transpositions of two neighbours (`dleay') each count one. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[64][64];

	if (la >= 63 || lb >= 63)
		return 64;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < c)
				c = d[i - 2][j - 2] + 1;
			d[i][j] = c;
		}
	}
	return d[la][lb];
}

const char *closest_word(const char *word, const char *const *words)
{
	size_t best = SIZE_MAX, limit = strlen(word) <= 3 ? 1 : 2;
	const char *w = NULL;

	for (; *words; words++) {
		size_t dist = edit_distance(word, *words);

		if (dist < best) {
			best = dist;
			w = *words;
		}
	}
	return best <= limit ? w : NULL;
}

static bool in_list(const char *word, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(word, *words))
			return true;
	return false;
}

/* " (did you mean `x'?)" or "" */
static const char *hint(const char *word, const char *const *words)
{
	static char buf[96];
	const char *w = closest_word(word, words);

	if (!w)
		return "";
	snprintf(buf, sizeof(buf), " (did you mean `%s'?)", w);
	return buf;
}

static bool valid_name(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n >= max || !isalnum((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

/* Interface names: what the kernel accepts (dev_valid_name), and no ':'
 * which separates host from interface here. */
static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= TOPO_IFNAME_LEN || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

static bool valid_hostname(const char *s)
{
	size_t n = strlen(s), label = 0;

	if (n == 0 || n >= TOPO_HOSTNAME_LEN)
		return false;
	for (const char *c = s; *c; c++) {
		if (*c == '.') {
			if (label == 0 || c[-1] == '-')
				return false;
			label = 0;
		} else if (isalnum((unsigned char)*c) || (*c == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label > 0 && s[n - 1] != '-';
}

int prefix_parse(const char *s, struct prefix *p, bool need_len)
{
	char buf[64], *slash, *end;
	long len;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	memset(p, 0, sizeof(*p));
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, &p->addr.v4) == 1)
		p->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, &p->addr.v6) == 1)
		p->family = AF_INET6;
	else
		return -1;
	if (!slash) {
		if (need_len)
			return -2;
		p->len = p->family == AF_INET ? 32 : 128;
		return 0;
	}
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || errno)
		return -3;
	if (len < 0 || len > (p->family == AF_INET ? 32 : 128))
		return -4;
	p->len = (uint8_t)len;
	return 0;
}

const char *addr_str(const struct prefix *p, char *buf, size_t len)
{
	inet_ntop(p->family, &p->addr, buf, (socklen_t)len);
	return buf;
}

const char *prefix_str(const struct prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", addr_str(p, a, sizeof(a)), p->len);
	return buf;
}

static int addr_bytes(const struct prefix *p)
{
	return p->family == AF_INET ? 4 : 16;
}

static bool bit(const struct prefix *p, int i)
{
	return p->addr.bytes[i / 8] & (0x80 >> (i % 8));
}

/* Same network: same family and length, equal in the first len bits. */
static bool same_subnet(const struct prefix *a, const struct prefix *b)
{
	if (a->family != b->family || a->len != b->len)
		return false;
	for (int i = 0; i < a->len; i++)
		if (bit(a, i) != bit(b, i))
			return false;
	return true;
}

static bool same_addr(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family &&
	       !memcmp(&a->addr, &b->addr, (size_t)addr_bytes(a));
}

/* For IPv4 subnets of 4 addresses or more: is the host part all zeros or
 * all ones?  (The network and broadcast addresses.) */
static int v4_special(const struct prefix *p)
{
	bool zeros = true, ones = true;

	if (p->family != AF_INET || p->len > 30)
		return 0;
	for (int i = p->len; i < 32; i++) {
		if (bit(p, i))
			zeros = false;
		else
			ones = false;
	}
	return zeros ? 1 : ones ? 2 : 0;
}

/* A prefix is a route destination: no host bits set. */
static bool is_network(const struct prefix *p)
{
	for (int i = p->len; i < addr_bytes(p) * 8; i++)
		if (bit(p, i))
			return false;
	return true;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return !*end && !errno && *v <= max;
}

/* "10ms" -> nanoseconds. */
static bool parse_time(const char *s, uint64_t *ns)
{
	static const struct { const char *unit; double mult; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { NULL, 0 },
	};
	char *end;
	double v;

	if (!isdigit((unsigned char)*s))
		return false;
	v = strtod(s, &end);
	for (int i = 0; units[i].unit; i++) {
		if (!strcmp(end, units[i].unit)) {
			v *= units[i].mult;
			if (v > 3600e9)
				return false;
			*ns = (uint64_t)llround(v);
			return true;
		}
	}
	return false;
}

static bool parse_percent(const char *s, double *pct)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	*pct = strtod(s, &end);
	return !strcmp(end, "%") && *pct <= 100.0;
}

/* tc's units: bit, kbit, mbit, gbit, tbit (powers of 1000 bits per second)
 * and bps, kbps, mbps, gbps (bytes per second). */
static bool parse_rate(const char *s, uint64_t *bps)
{
	static const struct { const char *unit; double mult; } units[] = {
		{ "bit", 1 }, { "kbit", 1e3 }, { "mbit", 1e6 }, { "gbit", 1e9 },
		{ "tbit", 1e12 }, { "bps", 8 }, { "kbps", 8e3 }, { "mbps", 8e6 },
		{ "gbps", 8e9 }, { NULL, 0 },
	};
	char *end;
	double v;

	if (!isdigit((unsigned char)*s))
		return false;
	v = strtod(s, &end);
	for (int i = 0; units[i].unit; i++) {
		if (!strcasecmp(end, units[i].unit)) {
			v *= units[i].mult;
			if (v < 8 || v > 1e13)
				return false;
			*bps = (uint64_t)llround(v);
			return true;
		}
	}
	return false;
}

/* --- tokenizer -------------------------------------------------------- */

/* Splits p->raw into tokens (in place); `#' at the start of a token starts
 * a comment. */
static void tokenize(struct parser *p, char *line)
{
	char *c = line;

	p->ntok = 0;
	for (;;) {
		while (*c == ' ' || *c == '\t')
			c++;
		if (!*c || *c == '#')
			break;
		if (p->ntok == MAX_TOKENS) {
			errat(p, (struct loc){ p->line, (int)(c - line) + 1 },
			      "too many words on one line (at most %d)", MAX_TOKENS);
			break;
		}
		p->tok[p->ntok].s = c;
		p->tok[p->ntok].col = (int)(c - line) + 1;
		p->ntok++;
		while (*c && *c != ' ' && *c != '\t')
			c++;
		if (!*c)
			break;
		*c++ = '\0';
	}
}

/* --- statements -------------------------------------------------------- */

/* The argument after token i, or an error "expected WHAT after `tok'". */
static const char *arg(struct parser *p, int i, const char *what)
{
	if (i + 1 < p->ntok)
		return p->tok[i + 1].s;
	err(p, i + 1, "expected %s after `%s'", what, p->tok[i].s);
	return NULL;
}

/* The NAME after a `node', `host' or `lan' keyword: present and valid.
 * Returns it, or NULL after reporting what is wrong. */
static const char *stmt_name(struct parser *p, const char *what)
{
	if (p->ntok < 2) {
		err(p, 1, "expected a %s name after `%s'", what, what);
		return NULL;
	}
	if (!valid_name(p->tok[1].s, TOPO_NAME_LEN)) {
		err(p, 1, "invalid %s name `%s' (letters, digits, `-' and `_', at most %d characters)",
		    what, p->tok[1].s, TOPO_NAME_LEN - 1);
		return NULL;
	}
	return p->tok[1].s;
}

static void st_node(struct parser *p)
{
	struct tnode *n;
	bool have_underlay = false;

	if (!stmt_name(p, "node"))
		return;
	n = PUSH(p->t->nodes, p->t->n_nodes);
	snprintf(n->name, sizeof(n->name), "%s", p->tok[1].s);
	n->loc = tloc(p, 1);
	for (int i = 2; i < p->ntok; i += 2) {
		const char *o = p->tok[i].s, *v;
		unsigned long cap;

		if (strcmp(o, "underlay") && strcmp(o, "capacity")) {
			err(p, i, "unknown node option `%s'%s", o, hint(o, node_opts));
			return;
		}
		if (!(v = arg(p, i, !strcmp(o, "underlay") ? "an IPv4 address" : "a number of hosts")))
			return;
		if (!strcmp(o, "underlay")) {
			if (inet_pton(AF_INET, v, &n->underlay) != 1) {
				err(p, i + 1, "bad underlay address `%s' (expected an IPv4 address)", v);
				return;
			}
			have_underlay = true;
		} else {
			if (!parse_uint(v, 1000000, &cap) || cap == 0) {
				err(p, i + 1, "bad capacity `%s' (expected a positive number of hosts)", v);
				return;
			}
			n->capacity = (int)cap;
		}
	}
	if (!have_underlay)
		err(p, p->ntok, "node `%s' needs `underlay ADDRESS'", n->name);
}

static void st_slice(struct parser *p)
{
	if (p->ntok < 2) {
		err(p, 1, "expected a slice name after `slice'");
		return;
	}
	if (p->t->slice[0]) {
		err(p, 0, "a second `slice' statement (one slice per file; the first is `%s' at line %d)",
		    p->t->slice, p->t->slice_loc.line);
		return;
	}
	if (!valid_name(p->tok[1].s, TOPO_NAME_LEN)) {
		err(p, 1, "invalid slice name `%s' (letters, digits, `-' and `_', at most %d characters)",
		    p->tok[1].s, TOPO_NAME_LEN - 1);
		return;
	}
	if (p->ntok > 2) {
		err(p, 2, "unexpected `%s' after the slice name", p->tok[2].s);
		return;
	}
	snprintf(p->t->slice, sizeof(p->t->slice), "%s", p->tok[1].s);
	p->t->slice_loc = tloc(p, 1);
}

static void st_host(struct parser *p)
{
	struct host *h;

	p->ctx = CTX_SKIP;
	if (!stmt_name(p, "host"))
		return;
	if (topo_host(p->t, p->tok[1].s) >= 0) {
		err(p, 1, "duplicate host `%s' (first defined at line %d)", p->tok[1].s,
		    p->t->hosts[topo_host(p->t, p->tok[1].s)].loc.line);
		return;
	}
	h = PUSH(p->t->hosts, p->t->n_hosts);
	snprintf(h->name, sizeof(h->name), "%s", p->tok[1].s);
	snprintf(h->hostname, sizeof(h->hostname), "%s", p->tok[1].s);
	h->node = -1;
	h->loc = tloc(p, 1);
	p->ctx = CTX_HOST;
	p->idx = p->t->n_hosts - 1;
	for (int i = 2; i < p->ntok; i += 2) {
		const char *o = p->tok[i].s, *v;

		if (strcmp(o, "node") && strcmp(o, "hostname")) {
			err(p, i, "unknown host option `%s'%s", o, hint(o, host_opts));
			return;
		}
		if (!(v = arg(p, i, !strcmp(o, "node") ? "a node name" : "a hostname")))
			return;
		if (!strcmp(o, "node")) {
			snprintf(h->node_name, sizeof(h->node_name), "%s", v);
			h->node_loc = tloc(p, i + 1);
		} else if (!valid_hostname(v)) {
			err(p, i + 1, "invalid hostname `%s'", v);
			return;
		} else {
			snprintf(h->hostname, sizeof(h->hostname), "%s", v);
		}
	}
}

/* Parses "host:ifname" at token i into e. */
static bool parse_end(struct parser *p, int i, struct endpoint *e)
{
	const char *s = p->tok[i].s, *colon = strchr(s, ':');

	if (!colon) {
		err(p, i, "expected HOST:INTERFACE, got `%s'", s);
		return false;
	}
	if (colon - s >= TOPO_NAME_LEN || colon == s) {
		err(p, i, "bad host name in `%s'", s);
		return false;
	}
	memcpy(e->hname, s, (size_t)(colon - s));
	e->hname[colon - s] = '\0';
	if (!valid_ifname(colon + 1) || !strcmp(colon + 1, "lo")) {
		struct loc l = tloc(p, i);

		l.col += (int)(colon - s) + 1;
		errat(p, l, "invalid interface name `%s' (1 to %d letters, digits, `-', `_' or `.'; not `lo')",
		      colon + 1, TOPO_IFNAME_LEN - 1);
		return false;
	}
	snprintf(e->ifname, sizeof(e->ifname), "%s", colon + 1);
	e->host = -1;
	e->loc = tloc(p, i);
	return true;
}

/* Options after the ends of a link or lan, from token i. */
static void link_options(struct parser *p, struct link *l, int i)
{
	for (; i < p->ntok; i += 2) {
		const char *o = p->tok[i].s, *v;
		unsigned long n;

		if (strcmp(o, "mtu") && strcmp(o, "key")) {
			err(p, i, "unknown %s option `%s'%s", l->kind == LINK_LAN ? "lan" : "link",
			    o, hint(o, link_opts));
			return;
		}
		if (!(v = arg(p, i, "a number")))
			return;
		if (!strcmp(o, "mtu")) {
			if (!parse_uint(v, 65535, &n) || n < 68) {
				err(p, i + 1, "bad MTU `%s' (expected 68 to 65535)", v);
				return;
			}
			l->mtu = (int)n;
		} else {
			if (!parse_uint(v, UINT32_MAX, &n) || n == 0) {
				err(p, i + 1, "bad GRE key `%s' (expected 1 to 4294967295)", v);
				return;
			}
			l->key = (uint32_t)n;
			l->key_set = true;
			l->key_loc = tloc(p, i + 1);
		}
	}
}

static void st_link(struct parser *p)
{
	struct link *l;

	p->ctx = CTX_SKIP;
	if (p->ntok < 3) {
		err(p, p->ntok, "expected two ends, HOST:INTERFACE HOST:INTERFACE, after `link'");
		return;
	}
	l = PUSH(p->t->links, p->t->n_links);
	l->kind = LINK_P2P;
	l->loc = tloc(p, 0);
	for (int i = 1; i <= 2; i++) {
		struct endpoint e = { 0 };

		if (!parse_end(p, i, &e)) {
			free(p->t->links[--p->t->n_links].ends);
			return;
		}
		*PUSH(l->ends, l->n_ends) = e;
	}
	snprintf(l->name, sizeof(l->name), "%s:%s-%s:%s", l->ends[0].hname, l->ends[0].ifname,
		 l->ends[1].hname, l->ends[1].ifname);
	p->ctx = CTX_LINK;
	p->idx = p->t->n_links - 1;
	link_options(p, l, 3);
}

static void st_lan(struct parser *p)
{
	struct link *l;
	int i;

	p->ctx = CTX_SKIP;
	if (!stmt_name(p, "lan"))
		return;
	if (topo_link(p->t, p->tok[1].s) >= 0) {
		err(p, 1, "duplicate lan `%s' (first defined at line %d)", p->tok[1].s,
		    p->t->links[topo_link(p->t, p->tok[1].s)].loc.line);
		return;
	}
	l = PUSH(p->t->links, p->t->n_links);
	l->kind = LINK_LAN;
	snprintf(l->name, sizeof(l->name), "%s", p->tok[1].s);
	l->loc = tloc(p, 1);
	for (i = 2; i < p->ntok && strchr(p->tok[i].s, ':'); i++) {
		struct endpoint e = { 0 };

		if (!parse_end(p, i, &e)) {
			free(p->t->links[--p->t->n_links].ends);
			return;
		}
		*PUSH(l->ends, l->n_ends) = e;
	}
	if (l->n_ends < 2) {
		err(p, i, "a lan needs at least two members, HOST:INTERFACE ...");
		free(p->t->links[--p->t->n_links].ends);
		return;
	}
	p->ctx = CTX_LINK;
	p->idx = p->t->n_links - 1;
	link_options(p, l, i);
}

static void sub_sysctl(struct parser *p, struct host *h)
{
	const char *s, *eq;
	struct sysctl *sc;

	if (!(s = arg(p, 0, "KEY=VALUE")))
		return;
	eq = strchr(s, '=');
	if (!eq || eq == s) {
		err(p, 1, "expected KEY=VALUE, got `%s'", s);
		return;
	}
	if (strncmp(s, "net.", 4)) {
		err(p, 1, "sysctl `%.*s' is not per network namespace (only net.* keys can be set)",
		    (int)(eq - s), s);
		return;
	}
	for (const char *c = s; c < eq; c++) {
		if (!isalnum((unsigned char)*c) && !strchr("._-", *c)) {
			err(p, 1, "invalid sysctl key `%.*s'", (int)(eq - s), s);
			return;
		}
	}
	if ((size_t)(eq - s) >= sizeof(sc->key) || strlen(eq + 1) >= sizeof(sc->value)) {
		err(p, 1, "sysctl `%s' is too long", s);
		return;
	}
	if (p->ntok > 2) {
		err(p, 2, "unexpected `%s' (one KEY=VALUE per sysctl line)", p->tok[2].s);
		return;
	}
	sc = PUSH(h->sysctls, h->n_sysctls);
	memcpy(sc->key, s, (size_t)(eq - s));
	snprintf(sc->value, sizeof(sc->value), "%s", eq + 1);
	sc->loc = tloc(p, 1);
}

/* Reports a prefix_parse() failure of token i. */
static void bad_prefix(struct parser *p, int i, int r)
{
	const char *s = p->tok[i].s;

	if (r == -2)
		err(p, i, "`%s' needs a prefix length (ADDRESS/LENGTH)", s);
	else if (r == -4)
		err(p, i, "prefix length out of range in `%s' (IPv4: 0 to 32, IPv6: 0 to 128)", s);
	else if (r == -3)
		err(p, i, "bad prefix length in `%s'", s);
	else
		err(p, i, "bad address `%s'", s);
}

static void sub_loopback(struct parser *p, struct host *h)
{
	if (p->ntok < 2) {
		err(p, 1, "expected one or more addresses after `loopback'");
		return;
	}
	for (int i = 1; i < p->ntok; i++) {
		struct prefix pf;
		int r = prefix_parse(p->tok[i].s, &pf, false);

		if (r) {
			bad_prefix(p, i, r);
			return;
		}
		*PUSH(h->loopbacks, h->n_loopbacks) = pf;
	}
}

static void sub_route(struct parser *p, struct host *h)
{
	struct route rt = { 0 };
	const char *v;
	int r;

	if (!(v = arg(p, 0, "a destination prefix or `default'")))
		return;
	rt.loc = tloc(p, 1);
	if (!strcmp(v, "default") || !strcmp(v, "default6")) {
		rt.dst.family = v[7] ? AF_INET6 : AF_INET;
	} else if ((r = prefix_parse(v, &rt.dst, true))) {
		bad_prefix(p, 1, r);
		return;
	} else if (!is_network(&rt.dst)) {
		err(p, 1, "route destination `%s' has host bits set", v);
		return;
	}
	for (int i = 2; i < p->ntok; i += 2) {
		const char *o = p->tok[i].s;
		unsigned long n;

		if (strcmp(o, "via") && strcmp(o, "dev") && strcmp(o, "metric")) {
			err(p, i, "unknown route option `%s'%s", o, hint(o, route_opts));
			return;
		}
		if (!(v = arg(p, i, !strcmp(o, "via") ? "a gateway address" :
			      !strcmp(o, "dev") ? "an interface name" : "a number")))
			return;
		if (!strcmp(o, "via")) {
			if (prefix_parse(v, &rt.via, false) || strchr(v, '/')) {
				err(p, i + 1, "bad gateway address `%s'", v);
				return;
			}
			if (rt.via.family != rt.dst.family) {
				err(p, i + 1, "gateway `%s' is not an %s address like the destination",
				    v, rt.dst.family == AF_INET ? "IPv4" : "IPv6");
				return;
			}
		} else if (!strcmp(o, "dev")) {
			if (!valid_ifname(v)) {
				err(p, i + 1, "invalid interface name `%s'", v);
				return;
			}
			snprintf(rt.dev, sizeof(rt.dev), "%s", v);
		} else {
			if (!parse_uint(v, UINT32_MAX, &n)) {
				err(p, i + 1, "bad metric `%s'", v);
				return;
			}
			rt.metric = (uint32_t)n;
		}
	}
	if (!rt.via.family && !rt.dev[0]) {
		err(p, p->ntok, "a route needs `via GATEWAY' or `dev INTERFACE'");
		return;
	}
	*PUSH(h->routes, h->n_routes) = rt;
}

static void sub_run(struct parser *p, struct host *h)
{
	struct run *r;

	if (p->ntok < 2) {
		err(p, 1, "expected a command after `run'");
		return;
	}
	r = PUSH(h->runs, h->n_runs);
	/* The rest of the line, as written (the tokenizer cut it up). */
	r->cmd = strdup(p->tok[1].s);
	for (int i = 2; i < p->ntok; i++) {
		char *c;

		if (asprintf(&c, "%s %s", r->cmd, p->tok[i].s) < 0)
			abort();
		free(r->cmd);
		r->cmd = c;
	}
	r->loc = tloc(p, 1);
}

static void sub_file(struct parser *p, struct host *h)
{
	struct file_ent *f;
	struct stat st;
	const char *src;
	char *path;

	if (p->ntok != 3) {
		err(p, p->ntok < 3 ? p->ntok : 3, "expected `file DEST SOURCE' (DEST under /etc)");
		return;
	}
	if (strncmp(p->tok[1].s, "/etc/", 5) || strstr(p->tok[1].s, "/../") ||
	    strlen(p->tok[1].s) >= sizeof(f->dest) || p->tok[1].s[5] == '\0') {
		err(p, 1, "file destination `%s' must be a path under /etc/", p->tok[1].s);
		return;
	}
	src = p->tok[2].s;
	if (src[0] == '/')
		path = strdup(src);
	else if (asprintf(&path, "%s/%s", p->t->dir, src) < 0)
		abort();
	if (stat(path, &st) || !S_ISREG(st.st_mode)) {
		err(p, 2, "cannot read `%s': %s", src,
		    access(path, F_OK) ? strerror(errno) : "not a regular file");
		free(path);
		return;
	}
	f = PUSH(h->files, h->n_files);
	snprintf(f->dest, sizeof(f->dest), "%s", p->tok[1].s);
	f->src = path;
	f->loc = tloc(p, 1);
}

/* FRR 8's daemons (zebra first: the others connect to it). */
const char *const topo_frr_daemons[] = { "zebra", "staticd", "bgpd", "ospfd", "ospf6d",
	"ripd", "ripngd", "isisd", "fabricd", "pimd", "ldpd", "nhrpd", "eigrpd", "babeld",
	"pbrd", "bfdd", "vrrpd", "pathd", NULL };
static const char *const routing_opts[] = { "config", "restart", NULL };
static const char *const restart_words[] = { "always", "on-failure", "never", NULL };

/* `frr DAEMON... config FILE [restart POLICY]' and
 * `bird config FILE [restart POLICY]' (docs/routing.md). */
static void sub_routing(struct parser *p, struct host *h, bool frr)
{
	struct routing *r = frr ? &h->frr : &h->bird;
	const char *what = frr ? "frr" : "bird";
	struct routing nr = { .set = true, .loc = tloc(p, 0) };
	struct stat st;
	int cfg_tok = 0;

	if (r->set) {
		err(p, 0, "a second `%s' statement for host `%s' (the first is at line %d)",
		    what, h->name, r->loc.line);
		return;
	}
	for (int i = 1; i < p->ntok; i++) {
		const char *w = p->tok[i].s, *v;

		if (!strcmp(w, "config") || !strcmp(w, "restart")) {
			if (!(v = arg(p, i, !strcmp(w, "config") ? "a file name" : "always, on-failure or never")))
				goto fail;
			if (!strcmp(w, "config")) {
				if (nr.config) {
					err(p, i, "a second `config' for `%s'", what);
					goto fail;
				}
				if (v[0] == '/')
					nr.config = strdup(v);
				else if (asprintf(&nr.config, "%s/%s", p->t->dir, v) < 0)
					abort();
				cfg_tok = i + 1;
			} else if (!strcmp(v, "always")) {
				nr.restart = RESTART_ALWAYS;
			} else if (!strcmp(v, "on-failure")) {
				nr.restart = RESTART_ON_FAILURE;
			} else if (!strcmp(v, "never")) {
				nr.restart = RESTART_NEVER;
			} else {
				err(p, i + 1, "bad restart policy `%s' (expected always, on-failure or never)%s",
				    v, hint(v, restart_words));
				goto fail;
			}
			i++;
			continue;
		}
		if (!frr) {
			err(p, i, "unknown bird option `%s'%s", w, hint(w, routing_opts));
			goto fail;
		}
		{
			int d;

			for (d = 0; topo_frr_daemons[d]; d++)
				if (!strcmp(w, topo_frr_daemons[d]))
					break;
			if (!topo_frr_daemons[d]) {
				const char *hn = hint(w, topo_frr_daemons);

				err(p, i, "unknown FRR daemon `%s'%s", w,
				    *hn ? hn : " (expected zebra, bgpd, ospfd, ospf6d, isisd, ripd, ...)");
				goto fail;
			}
			if (nr.daemons & (1u << d)) {
				err(p, i, "FRR daemon `%s' is named twice", w);
				goto fail;
			}
			nr.daemons |= 1u << d;
		}
	}
	if (frr && !nr.daemons) {
		err(p, 1, "expected FRR daemon names after `frr' (zebra, bgpd, ospfd, isisd, ...)");
		goto fail;
	}
	if (!nr.config) {
		err(p, p->ntok, "`%s' needs `config FILE' (relative to the topology file)", what);
		goto fail;
	}
	if (stat(nr.config, &st) || !S_ISREG(st.st_mode)) {
		err(p, cfg_tok, "cannot read `%s': %s", p->tok[cfg_tok].s,
		    access(nr.config, F_OK) ? strerror(errno) : "not a regular file");
		goto fail;
	}
	nr.daemons |= frr ? 1u : 0;	/* zebra: every other FRR daemon needs it */
	*r = nr;
	return;
fail:
	free(nr.config);
}

/* `addr HOST[:IF] PREFIX...' under a link or lan. */
static void sub_addr(struct parser *p, struct link *l)
{
	struct endpoint *e = NULL;
	const char *who;

	if (!(who = arg(p, 0, "a host name")))
		return;
	for (size_t i = 0; i < l->n_ends; i++) {
		char full[TOPO_NAME_LEN + TOPO_IFNAME_LEN + 1];

		snprintf(full, sizeof(full), "%s:%s", l->ends[i].hname, l->ends[i].ifname);
		if (!strcmp(who, full) || !strcmp(who, l->ends[i].hname)) {
			if (e && !strchr(who, ':')) {
				err(p, 1, "host `%s' has two ends here: write HOST:INTERFACE", who);
				return;
			}
			e = &l->ends[i];
		}
	}
	if (!e) {
		err(p, 1, "`%s' is not an end of this %s", who, l->kind == LINK_LAN ? "lan" : "link");
		return;
	}
	if (p->ntok < 3) {
		err(p, 2, "expected one or more ADDRESS/LENGTH after `%s'", who);
		return;
	}
	if (!e->addr_loc.line)
		e->addr_loc = tloc(p, 2);
	for (int i = 2; i < p->ntok; i++) {
		struct prefix pf;
		int r = prefix_parse(p->tok[i].s, &pf, true), special;

		if (r) {
			bad_prefix(p, i, r);
			return;
		}
		if ((special = v4_special(&pf))) {
			err(p, i, "`%s' is the %s address of its subnet", p->tok[i].s,
			    special == 1 ? "network" : "broadcast");
			return;
		}
		*PUSH(e->addrs, e->n_addrs) = pf;
	}
}

/* `discipline both|HOST[:IF] OPTION VALUE ...' */
static void sub_discipline(struct parser *p, struct link *l)
{
	struct disc d = { .set = true };
	const char *who;
	bool found = false;

	if (!(who = arg(p, 0, "`both' or a host name")))
		return;
	d.loc = tloc(p, 1);
	if (p->ntok < 3) {
		err(p, 2, "expected discipline options (delay, jitter, loss, duplicate, reorder, corrupt, rate, limit)");
		return;
	}
	for (int i = 2; i < p->ntok; i += 2) {
		const char *o = p->tok[i].s, *v;
		unsigned long n = 0;
		bool ok;

		if (!in_list(o, disc_opts)) {
			err(p, i, "unknown %s option `%s'%s", "discipline", o, hint(o, disc_opts));
			return;
		}
		if (!(v = arg(p, i, "a value")))
			return;
		if (!strcmp(o, "delay"))
			ok = parse_time(v, &d.delay_ns);
		else if (!strcmp(o, "jitter"))
			ok = parse_time(v, &d.jitter_ns);
		else if (!strcmp(o, "loss"))
			ok = parse_percent(v, &d.loss);
		else if (!strcmp(o, "duplicate"))
			ok = parse_percent(v, &d.duplicate);
		else if (!strcmp(o, "reorder"))
			ok = parse_percent(v, &d.reorder);
		else if (!strcmp(o, "corrupt"))
			ok = parse_percent(v, &d.corrupt);
		else if (!strcmp(o, "rate"))
			ok = parse_rate(v, &d.rate_bps);
		else {
			ok = parse_uint(v, UINT32_MAX, &n) && n > 0;
			d.limit = (uint32_t)n;
		}
		if (!ok) {
			const char *want = !strcmp(o, "delay") || !strcmp(o, "jitter") ?
				"a time such as 10ms, 500us or 1s" :
				!strcmp(o, "rate") ? "a rate such as 100mbit, 10kbit or 1gbit" :
				!strcmp(o, "limit") ? "a number of packets" : "a percentage such as 0.1%";
			err(p, i + 1, "bad %s `%s' (expected %s)", o, v, want);
			return;
		}
	}
	if (d.jitter_ns && !d.delay_ns) {
		err(p, 1, "jitter needs a delay");
		return;
	}
	if (d.jitter_ns > d.delay_ns) {
		err(p, 1, "jitter is larger than the delay");
		return;
	}
	if (d.reorder > 0 && !d.delay_ns) {
		err(p, 1, "reorder needs a delay (packets are reordered by sending some without it)");
		return;
	}
	for (size_t i = 0; i < l->n_ends; i++) {
		char full[TOPO_NAME_LEN + TOPO_IFNAME_LEN + 1];
		struct endpoint *e = &l->ends[i];

		snprintf(full, sizeof(full), "%s:%s", e->hname, e->ifname);
		bool both = !strcmp(who, "both");

		if (!both && strcmp(who, e->hname) && strcmp(who, full))
			continue;
		found = true;
		/* A line for one end overrides `both', in either order. */
		if (e->disc.set && e->disc.specific && both)
			continue;
		if (e->disc.set && e->disc.specific) {
			err(p, 1, "a second discipline for traffic leaving `%s' (the first is at line %d)",
			    who, e->disc.loc.line);
			return;
		}
		e->disc = d;
		e->disc.specific = !both;
	}
	if (!found)
		err(p, 1, "`%s' is not an end of this %s (use `both' or a host name)", who,
		    l->kind == LINK_LAN ? "lan" : "link");
}

static void statement(struct parser *p, bool indented)
{
	const char *kw = p->tok[0].s;

	if (indented) {
		if (p->ctx == CTX_SKIP)
			return;	/* the statement above was refused: errors enough */
		if (p->ctx == CTX_NONE) {
			err(p, 0, "indented line `%s' does not continue a host, link or lan", kw);
			return;
		}
		if (p->ctx == CTX_HOST) {
			struct host *h = &p->t->hosts[p->idx];

			if (!strcmp(kw, "sysctl"))
				sub_sysctl(p, h);
			else if (!strcmp(kw, "loopback"))
				sub_loopback(p, h);
			else if (!strcmp(kw, "route"))
				sub_route(p, h);
			else if (!strcmp(kw, "run"))
				sub_run(p, h);
			else if (!strcmp(kw, "file"))
				sub_file(p, h);
			else if (!strcmp(kw, "frr") || !strcmp(kw, "bird"))
				sub_routing(p, h, kw[0] == 'f');
			else
				err(p, 0, "unknown host statement `%s'%s", kw, hint(kw, host_subs));
		} else {
			struct link *l = &p->t->links[p->idx];

			if (!strcmp(kw, "addr"))
				sub_addr(p, l);
			else if (!strcmp(kw, "discipline"))
				sub_discipline(p, l);
			else
				err(p, 0, "unknown %s statement `%s'%s",
				    l->kind == LINK_LAN ? "lan" : "link", kw, hint(kw, link_subs));
		}
		return;
	}
	p->ctx = CTX_NONE;
	if (!strcmp(kw, "node"))
		st_node(p);
	else if (!strcmp(kw, "slice"))
		st_slice(p);
	else if (!strcmp(kw, "host"))
		st_host(p);
	else if (!strcmp(kw, "link"))
		st_link(p);
	else if (!strcmp(kw, "lan"))
		st_lan(p);
	else {
		const char *h = hint(kw, statements);

		if (!*h && (closest_word(kw, host_subs) || closest_word(kw, link_subs)))
			err(p, 0, "unknown statement `%s' (sub-statements are indented under their host, link or lan)", kw);
		else
			err(p, 0, "unknown statement `%s'%s", kw, h);
		p->ctx = CTX_SKIP;
	}
}

/* --- whole-topology checks ------------------------------------------- */

static int node_of(const struct topo *t, int host)
{
	return t->hosts[host].node;
}

static void check_topology(struct parser *p)
{
	struct topo *t = p->t;
	char a[64], b[64];

	if (!t->slice[0])
		errat(p, (struct loc){ 1, 1 }, "no `slice NAME' statement (every topology names its slice)");

	for (size_t i = 0; i < t->n_nodes; i++) {
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(t->nodes[i].name, t->nodes[j].name))
				errat(p, t->nodes[i].loc, "duplicate node `%s' (first defined at line %d)",
				     t->nodes[i].name, t->nodes[j].loc.line);
			else if (t->nodes[i].underlay.s_addr &&
				 t->nodes[i].underlay.s_addr == t->nodes[j].underlay.s_addr)
				errat(p, t->nodes[i].loc, "nodes `%s' and `%s' have the same underlay address",
				     t->nodes[j].name, t->nodes[i].name);
		}
	}

	/* Placement: the named node, else the first node, else this machine. */
	for (size_t i = 0; i < t->n_hosts; i++) {
		struct host *h = &t->hosts[i];

		if (h->node_name[0]) {
			h->node = topo_node(t, h->node_name);
			if (h->node < 0) {
				const char *names[64] = { 0 };

				for (size_t n = 0; n < t->n_nodes && n < 63; n++)
					names[n] = t->nodes[n].name;
				errat(p, h->node_loc, "unknown node `%s'%s", h->node_name,
				     hint(h->node_name, names));
			}
		} else {
			h->node = t->n_nodes ? 0 : -1;
		}
	}
	for (size_t n = 0; n < t->n_nodes; n++) {
		int count = 0;

		for (size_t i = 0; i < t->n_hosts; i++)
			count += t->hosts[i].node == (int)n;
		if (t->nodes[n].capacity && count > t->nodes[n].capacity)
			errat(p, t->nodes[n].loc, "node `%s' has capacity %d but %d hosts are placed on it",
			     t->nodes[n].name, t->nodes[n].capacity, count);
	}

	for (size_t li = 0; li < t->n_links; li++) {
		struct link *l = &t->links[li];
		bool resolved = true;

		for (size_t ei = 0; ei < l->n_ends; ei++) {
			struct endpoint *e = &l->ends[ei];

			e->host = topo_host(t, e->hname);
			if (e->host < 0) {
				const char *names[256] = { 0 };

				for (size_t n = 0; n < t->n_hosts && n < 255; n++)
					names[n] = t->hosts[n].name;
				errat(p, e->loc, "unknown host `%s'%s", e->hname, hint(e->hname, names));
				resolved = false;
				continue;
			}
			/* An interface belongs to one link only. */
			for (size_t lj = 0; lj <= li; lj++) {
				for (size_t ej = 0; ej < t->links[lj].n_ends; ej++) {
					struct endpoint *o = &t->links[lj].ends[ej];

					if (lj == li && ej >= ei)
						break;
					if (!strcmp(o->hname, e->hname) && !strcmp(o->ifname, e->ifname))
						errat(p, e->loc, "interface %s:%s is used twice (also at line %d)",
						     e->hname, e->ifname, o->loc.line);
				}
			}
		}
		if (!resolved)
			continue;

		/* Subnets: the first address of each family on every end shares
		 * the subnet of the first end that has one. */
		for (int fam = 0; fam < 2; fam++) {
			int family = fam ? AF_INET6 : AF_INET;
			struct prefix *first = NULL;
			struct endpoint *fe = NULL;

			for (size_t ei = 0; ei < l->n_ends; ei++) {
				struct endpoint *e = &l->ends[ei];

				for (size_t k = 0; k < e->n_addrs; k++) {
					if (e->addrs[k].family != family)
						continue;
					if (!first) {
						first = &e->addrs[k];
						fe = e;
					} else if (e != fe && !same_subnet(first, &e->addrs[k])) {
						errat(p, e->addr_loc, "%s on %s is not in the subnet of %s on %s",
						     prefix_str(&e->addrs[k], a, sizeof(a)), e->hname,
						     prefix_str(first, b, sizeof(b)), fe->hname);
					}
					break;
				}
			}
		}

		/* Placement across nodes. */
		if (l->kind == LINK_LAN) {
			for (size_t ei = 1; ei < l->n_ends; ei++)
				if (node_of(t, l->ends[ei].host) != node_of(t, l->ends[0].host))
					errat(p, l->loc, "lan `%s' spans nodes `%s' and `%s': lans across nodes are not supported yet",
					     l->name, t->nodes[node_of(t, l->ends[0].host)].name,
					     t->nodes[node_of(t, l->ends[ei].host)].name);
		}
		if (!l->key_set) {
			char kname[160];

			/* Both nodes compute this from the file alone. */
			snprintf(kname, sizeof(kname), "%s", l->name);
			l->key = topo_link_key(t->slice, kname);
		}
		for (size_t lj = 0; lj < li; lj++)
			if (t->links[lj].key == l->key)
				errat(p, l->key_set ? l->key_loc : l->loc,
				     "GRE key %u of %s `%s' collides with %s `%s' at line %d (set another with `key N')",
				     l->key, l->kind == LINK_LAN ? "lan" : "link", l->name,
				     t->links[lj].kind == LINK_LAN ? "lan" : "link", t->links[lj].name,
				     t->links[lj].loc.line);
	}

	/* Every address once in the slice. */
	for (size_t hi = 0; hi < t->n_hosts; hi++) {
		struct host *h = &t->hosts[hi];

		for (size_t k = 0; k < h->n_loopbacks; k++)
			for (size_t k2 = 0; k2 < k; k2++)
				if (same_addr(&h->loopbacks[k], &h->loopbacks[k2]))
					errat(p, h->loc, "address %s is given twice to `%s'",
					     addr_str(&h->loopbacks[k], a, sizeof(a)), h->name);
	}
	for (size_t li = 0; li < t->n_links; li++) {
		for (size_t ei = 0; ei < t->links[li].n_ends; ei++) {
			struct endpoint *e = &t->links[li].ends[ei];

			for (size_t k = 0; k < e->n_addrs; k++) {
				bool dup = false;

				for (size_t lj = 0; lj <= li && !dup; lj++) {
					for (size_t ej = 0; ej < t->links[lj].n_ends && !dup; ej++) {
						struct endpoint *o = &t->links[lj].ends[ej];

						for (size_t k2 = 0; k2 < o->n_addrs; k2++) {
							if (o == e && k2 >= k)
								break;
							if (lj == li && ej > ei)
								break;
							if (same_addr(&o->addrs[k2], &e->addrs[k])) {
								errat(p, e->addr_loc, "address %s on %s:%s is already on %s:%s",
								     addr_str(&e->addrs[k], a, sizeof(a)),
								     e->hname, e->ifname, o->hname, o->ifname);
								dup = true;
								break;
							}
						}
					}
				}
				for (size_t hi = 0; hi < t->n_hosts && !dup; hi++)
					for (size_t k2 = 0; k2 < t->hosts[hi].n_loopbacks; k2++)
						if (same_addr(&t->hosts[hi].loopbacks[k2], &e->addrs[k])) {
							errat(p, e->addr_loc, "address %s on %s:%s is a loopback address of `%s'",
							     addr_str(&e->addrs[k], a, sizeof(a)),
							     e->hname, e->ifname, t->hosts[hi].name);
							dup = true;
							break;
						}
			}
		}
	}

	/* Route devices are interfaces of their host. */
	for (size_t hi = 0; hi < t->n_hosts; hi++) {
		struct host *h = &t->hosts[hi];

		for (size_t r = 0; r < h->n_routes; r++) {
			size_t end;

			if (h->routes[r].dev[0] && strcmp(h->routes[r].dev, "lo") &&
			    topo_find_end(t, (int)hi, h->routes[r].dev, &end) < 0)
				errat(p, h->routes[r].loc, "route via dev `%s': host `%s' has no such interface",
				     h->routes[r].dev, h->name);
		}
	}
}

/* --- entry points ------------------------------------------------------ */

int topo_parse_text(struct topo *t, const char *text, const char *path,
		    const char *dir, struct diag *d)
{
	struct parser p = { .t = t, .d = d, .path = path };
	const char *c = text;
	char *pathcopy;

	memset(t, 0, sizeof(*t));
	t->path = strdup(path);
	if (dir) {
		t->dir = strdup(dir);
	} else {
		pathcopy = strdup(path);
		t->dir = strdup(dirname(pathcopy));
		free(pathcopy);
	}
	while (*c) {
		const char *nl = strchr(c, '\n');
		size_t len = nl ? (size_t)(nl - c) : strlen(c);
		bool indented = len && (c[0] == ' ' || c[0] == '\t');

		p.line++;
		p.raw = strndup(c, len);
		if (len && p.raw[len - 1] == '\r')
			p.raw[len - 1] = '\0';
		{
			char *work = strdup(p.raw);

			tokenize(&p, work);
			if (p.ntok)
				statement(&p, indented);
			free(work);
		}
		free(p.raw);
		p.raw = NULL;
		c += len + (nl != NULL);
	}
	p.raw = "";
	check_topology(&p);
	if (d->n) {
		topo_free(t);
		return -1;
	}
	return 0;
}

int topo_parse_file(struct topo *t, const char *path, const char *dir, struct diag *d)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t size = 0;
	int ret;

	memset(t, 0, sizeof(*t));
	if (!f) {
		diag_add(d, "%s: %s", path, strerror(errno));
		return -1;
	}
	{
		FILE *m = open_memstream(&text, &size);
		char buf[8192];
		size_t n;

		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, m);
		fclose(m);
	}
	fclose(f);
	ret = topo_parse_text(t, text, path, dir, d);
	free(text);
	return ret;
}

void topo_free(struct topo *t)
{
	for (size_t i = 0; i < t->n_hosts; i++) {
		struct host *h = &t->hosts[i];

		for (size_t r = 0; r < h->n_runs; r++)
			free(h->runs[r].cmd);
		for (size_t f = 0; f < h->n_files; f++)
			free(h->files[f].src);
		free(h->frr.config);
		free(h->bird.config);
		free(h->sysctls);
		free(h->loopbacks);
		free(h->routes);
		free(h->runs);
		free(h->files);
	}
	for (size_t i = 0; i < t->n_links; i++) {
		for (size_t e = 0; e < t->links[i].n_ends; e++)
			free(t->links[i].ends[e].addrs);
		free(t->links[i].ends);
	}
	free(t->hosts);
	free(t->links);
	free(t->nodes);
	free(t->path);
	free(t->dir);
	memset(t, 0, sizeof(*t));
}

int topo_host(const struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->n_hosts; i++)
		if (!strcmp(t->hosts[i].name, name))
			return (int)i;
	return -1;
}

int topo_node(const struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->n_nodes; i++)
		if (!strcmp(t->nodes[i].name, name))
			return (int)i;
	return -1;
}

int topo_link(const struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->n_links; i++)
		if (!strcmp(t->links[i].name, name))
			return (int)i;
	return -1;
}

int topo_find_end(const struct topo *t, int host, const char *ifname, size_t *end)
{
	for (size_t i = 0; i < t->n_links; i++)
		for (size_t e = 0; e < t->links[i].n_ends; e++)
			if (t->links[i].ends[e].host == host &&
			    !strcmp(t->links[i].ends[e].ifname, ifname)) {
				*end = e;
				return (int)i;
			}
	return -1;
}

uint32_t topo_link_key(const char *slice, const char *link)
{
	uint32_t h = 2166136261u;
	const char *parts[] = { slice, "/", link };

	for (int i = 0; i < 3; i++)
		for (const char *c = parts[i]; *c; c++) {
			h ^= (uint8_t)*c;
			h *= 16777619u;
		}
	return h ? h : 1;
}

int disc_parse_args(int argc, char **argv, struct disc *d, struct diag *dg)
{
	char *text = NULL;
	size_t size = 0;
	struct topo t;
	FILE *m = open_memstream(&text, &size);
	int ret;

	/* The same checks and messages as in a file: parse a tiny one. */
	fprintf(m, "slice x\nhost a\nhost b\nlink a:e b:e\n discipline a");
	for (int i = 0; i < argc; i++)
		fprintf(m, " %s", argv[i]);
	fprintf(m, "\n");
	fclose(m);
	ret = topo_parse_text(&t, text, "discipline", ".", dg);
	free(text);
	if (ret)
		return -1;
	*d = t.links[0].ends[0].disc;
	topo_free(&t);
	return 0;
}
