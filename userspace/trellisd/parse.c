// SPDX-License-Identifier: GPL-2.0
/*
 * The topology language parser (docs/topology.md).
 *
 * Two passes: the first reads statement by statement, checking each token
 * where it stands (names, addresses, numbers, options); the second resolves
 * cross references and checks the topology as a whole (unknown hosts and
 * nodes, interfaces used twice, subnets, duplicate addresses, routes and
 * files, GRE keys, capacities).  Every error is collected, with
 * file:line:col and the offending token, so one run of `trellisd check'
 * shows them all (up to MAX_ERRORS).
 *
 * Files come from many users: every check is linear in the size of the
 * file (hash tables keyed by name, address, interface or GRE key), each
 * error is reported once, not once per pair, and what a message quotes
 * from the file is escaped.
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
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addressing.h"
#include "names.h"
#include "routing_gen.h"
#include "topo.h"

#define MAX_TOKENS 128
#define MAX_ERRORS 50		/* per file; then "too many errors, stopping" */

struct tok {
	const char *s;
	int col;
};

enum ctx { CTX_NONE, CTX_HOST, CTX_LINK, CTX_SKIP };

/* Byte-string keys to indices: open addressing, linear probing, at most
 * half full.  Keys are copied. */
struct htab {
	struct hent {
		char *key;	/* NULL: a free slot */
		size_t len;
		size_t val;
	} *e;
	size_t cap, n;
};

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
	int nerr;
	bool stop;			/* MAX_ERRORS reached */
	struct htab hosts, nodes, lans;	/* name -> index */
};

static const char *const statements[] = { "node", "slice", "host", "link", "lan", "reserve",
	"addressing", "routing", "expect", NULL };
static const char *const host_subs[] = { "sysctl", "loopback", "route", "run", "file", "frr",
	"bird", "routing", NULL };
static const char *const link_subs[] = { "addr", "discipline", "reserve", NULL };
static const char *const host_opts[] = { "node", "hostname", NULL };
static const char *const link_opts[] = { "mtu", "key", NULL };
static const char *const node_opts[] = { "underlay", "capacity", "reservable", "ssh", NULL };
static const char *const resv_opts[] = { "min", "max", "static", NULL };
static const char *const route_opts[] = { "via", "dev", "metric", NULL };
static const char *const disc_opts[] = { "delay", "jitter", "loss", "duplicate",
	"reorder", "corrupt", "rate", "limit", NULL };

/* Appends a zeroed element to arr (n elements so far).  The room doubles
 * at each power of two, so n appends cost O(n). */
#define PUSH(arr, n) ({							\
	if (((n) & ((n) - 1)) == 0) {					\
		void *_p = realloc((arr), ((n) ? 2 * (n) : 1) * sizeof(*(arr))); \
									\
		if (!_p)						\
			abort();					\
		(arr) = _p;						\
	}								\
	memset(&(arr)[(n)], 0, sizeof(*(arr)));				\
	&(arr)[(n)++];							\
})

/* --- hash tables ------------------------------------------------------ */

static uint64_t hash_seed;

/* FNV-1a from a random start, then a 64-bit finaliser: a file cannot be
 * written to make every key land in one chain. */
static uint64_t hash_bytes(const void *key, size_t len)
{
	const unsigned char *c = key;
	uint64_t h = hash_seed ^ 14695981039346656037ull;

	for (size_t i = 0; i < len; i++) {
		h ^= c[i];
		h *= 1099511628211ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static struct hent *ht_slot(const struct htab *h, const void *key, size_t len)
{
	size_t i = hash_bytes(key, len) & (h->cap - 1);

	for (;; i = (i + 1) & (h->cap - 1)) {
		struct hent *e = &h->e[i];

		if (!e->key || (e->len == len && !memcmp(e->key, key, len)))
			return e;
	}
}

static void ht_grow(struct htab *h)
{
	struct htab n = { .cap = h->cap ? 2 * h->cap : 64, .n = h->n };

	n.e = calloc(n.cap, sizeof(*n.e));
	if (!n.e)
		abort();
	for (size_t i = 0; i < h->cap; i++)
		if (h->e[i].key)
			*ht_slot(&n, h->e[i].key, h->e[i].len) = h->e[i];
	free(h->e);
	*h = n;
}

/* Adds key with val and returns true; or, if key is there already, returns
 * false with its value in *first. */
static bool ht_add(struct htab *h, const void *key, size_t len, size_t val, size_t *first)
{
	struct hent *e;

	if (2 * (h->n + 1) > h->cap)
		ht_grow(h);
	e = ht_slot(h, key, len);
	if (e->key) {
		*first = e->val;
		return false;
	}
	e->key = malloc(len + 1);
	if (!e->key)
		abort();
	memcpy(e->key, key, len);
	e->len = len;
	e->val = val;
	h->n++;
	return true;
}

static bool ht_get(const struct htab *h, const void *key, size_t len, size_t *val)
{
	struct hent *e;

	if (!h->cap)
		return false;
	e = ht_slot(h, key, len);
	if (e->key)
		*val = e->val;
	return e->key;
}

static bool ht_get_str(const struct htab *h, const char *key, size_t *val)
{
	return ht_get(h, key, strlen(key), val);
}

static void ht_free(struct htab *h)
{
	for (size_t i = 0; i < h->cap; i++)
		free(h->e[i].key);
	free(h->e);
	memset(h, 0, sizeof(*h));
}

/* --- errors ----------------------------------------------------------- */

static bool quoted_raw(unsigned char c)
{
	return c < 0x20 || c >= 0x7f;
}

/* A message quotes what the file says: control characters and bytes past
 * ASCII are shown as \xNN, so that they cannot drive a terminal. */
static char *escape(char *m)
{
	size_t extra = 0;
	char *out, *o;

	for (const char *c = m; *c; c++)
		extra += quoted_raw((unsigned char)*c) ? 3 : 0;
	if (!extra)
		return m;
	out = malloc(strlen(m) + extra + 1);
	if (!out)
		abort();
	o = out;
	for (const char *c = m; *c; c++) {
		if (quoted_raw((unsigned char)*c))
			o += sprintf(o, "\\x%02x", (unsigned char)*c);
		else
			*o++ = *c;
	}
	*o = '\0';
	free(m);
	return out;
}

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
	*(char **)PUSH(d->msgs, d->n) = escape(m);
}

static void errat(struct parser *p, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void errat(struct parser *p, struct loc loc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (p->stop)
		return;
	if (p->nerr++ == MAX_ERRORS) {
		diag_add(p->d, "%s:%d:%d: too many errors, stopping", p->path, loc.line, loc.col);
		p->stop = true;
		p->d->capped = true;
		return;
	}
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

/* Slices, hosts, nodes and lans: one rule (names.c). */
static bool valid_name(const char *s, size_t n)
{
	return name_valid(NAME_SLICE, s, n);
}

static bool valid_ifname(const char *s)
{
	return name_valid(NAME_IFNAME, s, strlen(s));
}

static bool valid_hostname(const char *s)
{
	return name_valid(NAME_HOSTNAME, s, strlen(s));
}

/* sysctl keys: names of letters, digits, `-' and `_' joined by dots. */
static bool valid_sysctl_key(const char *s, size_t n)
{
	return names_ok(s, n, '.', SIZE_MAX, "-_", EDGE_ANY);
}

/* A file's place in a host's /etc: an absolute, normal path under /etc/
 * (no `.', `..' or empty components, no trailing `/'), of names as files
 * are commonly named. */
static bool valid_etc_path(const char *s)
{
	const char *c = s + 5;

	if (strncmp(s, "/etc/", 5) || strlen(s) >= sizeof(((struct file_ent *)0)->dest))
		return false;
	for (;;) {
		size_t n = strcspn(c, "/");

		/* strncmp(c, "..", n) is 0 for `.' and `..' alone */
		if (!name_ok(c, n, NAME_MAX + 1, "-_.+@=,:~", EDGE_ANY) || !strncmp(c, "..", n))
			return false;
		if (!c[n])
			return true;
		c += n + 1;
	}
}

int prefix_parse(const char *s, struct prefix *p, bool need_len)
{
	char buf[64], *slash;
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
	if (!slash[1] || strlen(slash + 1) > 3 || strspn(slash + 1, "0123456789") != strlen(slash + 1))
		return -3;
	len = strtol(slash + 1, NULL, 10);
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

/* Why an address cannot be a host's own, or NULL if it can. */
static const char *unusable(const struct prefix *p)
{
	static const uint8_t zero[16], loop6[16] = { [15] = 1 };
	const uint8_t *b = p->addr.bytes;

	if (p->family == AF_INET6)
		return !memcmp(b, zero, 16) ? "the unspecified address" :
		       !memcmp(b, loop6, 16) ? "a loopback address" :
		       b[0] == 0xff ? "a multicast address" : NULL;
	return !memcmp(b, zero, 4) ? "the unspecified address" :
	       b[0] == 127 ? "a loopback address" :
	       (b[0] & 0xf0) == 224 ? "a multicast address" :
	       !memcmp(b, "\xff\xff\xff\xff", 4) ? "the broadcast address" : NULL;
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

/* Each option once per line: false, after saying so, if token i is one of
 * opts already marked in *seen. */
static bool opt_once(struct parser *p, int i, const char *const *opts, uint32_t *seen)
{
	for (int k = 0; opts[k]; k++) {
		if (strcmp(p->tok[i].s, opts[k]))
			continue;
		if (*seen & (1u << k)) {
			err(p, i, "option `%s' is given twice", opts[k]);
			return false;
		}
		*seen |= 1u << k;
	}
	return true;
}

/* The NAME after a `node', `host' or `lan' keyword: present and valid.
 * Returns it, or NULL after reporting what is wrong. */
static const char *stmt_name(struct parser *p, const char *what)
{
	if (p->ntok < 2) {
		err(p, 1, "expected a %s name after `%s'", what, what);
		return NULL;
	}
	if (!valid_name(p->tok[1].s, strlen(p->tok[1].s))) {
		err(p, 1, "invalid %s name `%s' (letters, digits, `-' and `_', at most %d characters)",
		    what, p->tok[1].s, TOPO_NAME_LEN - 1);
		return NULL;
	}
	return p->tok[1].s;
}

/* `underlay ADDRESS' of node n, at token i: IPv4 or IPv6. */
static bool node_underlay(struct parser *p, int i, struct tnode *n)
{
	const char *v = p->tok[i + 1].s, *why;
	struct prefix a = { .family = AF_INET, .len = 32 };

	if (inet_pton(AF_INET, v, &a.addr.v4) != 1) {
		a.family = AF_INET6;
		a.len = 128;
		if (!strchr(v, ':') || inet_pton(AF_INET6, v, &a.addr.v6) != 1) {
			err(p, i + 1, "bad underlay address `%s' (expected an IPv4 or IPv6 address)", v);
			return false;
		}
	}
	why = unusable(&a);
	if (!why && a.family == AF_INET6)
		why = IN6_IS_ADDR_LINKLOCAL(&a.addr.v6) ? "a link-local address" :
		      IN6_IS_ADDR_V4MAPPED(&a.addr.v6) ? "an IPv4-mapped address (write the IPv4 address)" :
		      NULL;
	if (why) {
		err(p, i + 1, "bad underlay address `%s': %s (expected a unicast address of the node)",
		    v, why);
		return false;
	}
	n->underlay = a;
	n->underlay_loc = tloc(p, i + 1);
	return true;
}

/* A port: 1 to 65535, digits only, no leading zero. */
static bool ssh_port_ok(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n && n <= 5 && !s[n] && s[0] != '0' && atoi(s) <= 65535;
}

int topo_ssh_check(const char *s, char *why, size_t len)
{
	const char *at = strchr(s, '@'), *host = at ? at + 1 : s, *colon;
	char h[TOPO_SSH_LEN];
	struct in6_addr a6;
	size_t hn;

	if (strlen(s) >= TOPO_SSH_LEN) {
		snprintf(why, len, "longer than %d characters", TOPO_SSH_LEN - 1);
		return -1;
	}
	if (at && !name_ok(s, at - s, TOPO_NAME_LEN, "-_.", EDGE_FIRST)) {
		snprintf(why, len, "bad user (letters, digits, `-', `_' and `.', at most %d)",
			 TOPO_NAME_LEN - 1);
		return -1;
	}
	if (host[0] == '[') {
		hn = strcspn(host + 1, "]");
		colon = host[hn + 1] ? host + hn + 2 : NULL;
		snprintf(h, sizeof(h), "%.*s", (int)hn, host + 1);
		if (!colon || (*colon && *colon != ':') || inet_pton(AF_INET6, h, &a6) != 1) {
			snprintf(why, len, "bad [IPv6 address]");
			return -1;
		}
		colon = *colon ? colon : NULL;
	} else {
		colon = strchr(host, ':');
		hn = colon ? (size_t)(colon - host) : strlen(host);
		if (!name_valid(NAME_HOSTNAME, host, hn)) {
			snprintf(why, len, "bad host (a hostname, an IPv4 address or [an IPv6 address])");
			return -1;
		}
	}
	if (colon && !ssh_port_ok(colon + 1)) {
		snprintf(why, len, "bad port `%s' (1 to 65535)", colon + 1);
		return -1;
	}
	return 0;
}

static void st_node(struct parser *p)
{
	bool have_underlay = false;
	uint32_t seen = 0;
	struct tnode *n;
	size_t first;

	if (!stmt_name(p, "node"))
		return;
	if (!ht_add(&p->nodes, p->tok[1].s, strlen(p->tok[1].s), p->t->n_nodes, &first)) {
		err(p, 1, "duplicate node `%s' (first defined at line %d)", p->tok[1].s,
		    p->t->nodes[first].loc.line);
		return;
	}
	n = PUSH(p->t->nodes, p->t->n_nodes);
	snprintf(n->name, sizeof(n->name), "%s", p->tok[1].s);
	n->loc = tloc(p, 1);
	for (int i = 2; i < p->ntok; i += 2) {
		const char *o = p->tok[i].s, *v;
		unsigned long cap;

		if (!in_list(o, node_opts)) {
			err(p, i, "unknown node option `%s'%s", o, hint(o, node_opts));
			return;
		}
		if (!opt_once(p, i, node_opts, &seen) ||
		    !(v = arg(p, i, !strcmp(o, "underlay") ? "an IPv4 or IPv6 address" :
			      !strcmp(o, "capacity") ? "a number of hosts" :
			      !strcmp(o, "ssh") ? "[USER@]HOST[:PORT]" : "a rate")))
			return;
		if (!strcmp(o, "ssh")) {
			char why[128];

			if (topo_ssh_check(v, why, sizeof(why))) {
				err(p, i + 1, "bad ssh target `%s': %s", v, why);
				return;
			}
			snprintf(n->ssh, sizeof(n->ssh), "%s", v);
		} else if (!strcmp(o, "underlay")) {
			if (!node_underlay(p, i, n))
				return;
			have_underlay = true;
		} else if (!strcmp(o, "reservable")) {
			if (!parse_rate(v, &n->reservable_bps)) {
				err(p, i + 1, "bad reservable rate `%s' (expected a rate such as 20mbit or 2gbit)", v);
				return;
			}
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
	if (!valid_name(p->tok[1].s, strlen(p->tok[1].s))) {
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

/* `node NODE' and `hostname HOSTNAME' after `host NAME'. */
static void host_options(struct parser *p, struct host *h)
{
	bool named = false;
	uint32_t seen = 0;

	for (int i = 2; i < p->ntok; i += 2) {
		const char *o = p->tok[i].s, *v;

		if (!in_list(o, host_opts)) {
			err(p, i, "unknown host option `%s'%s", o, hint(o, host_opts));
			return;
		}
		if (!opt_once(p, i, host_opts, &seen) ||
		    !(v = arg(p, i, !strcmp(o, "node") ? "a node name" : "a hostname")))
			return;
		if (!strcmp(o, "node")) {
			if (!valid_name(v, strlen(v))) {
				err(p, i + 1, "invalid node name `%s'", v);
				return;
			}
			snprintf(h->node_name, sizeof(h->node_name), "%s", v);
			h->node_loc = tloc(p, i + 1);
		} else if (!valid_hostname(v)) {
			err(p, i + 1, "invalid hostname `%s' (RFC 1123: dot-separated labels of letters, digits and inner `-')",
			    v);
			return;
		} else {
			snprintf(h->hostname, sizeof(h->hostname), "%s", v);
			named = true;
		}
	}
	if (!named && !valid_hostname(h->name))
		err(p, 1, "host name `%s' is not a valid hostname (RFC 1123: letters, digits and inner `-'); give one with `hostname NAME'",
		    h->name);
}

static void st_host(struct parser *p)
{
	struct host *h;
	size_t first;

	p->ctx = CTX_SKIP;
	if (!stmt_name(p, "host"))
		return;
	if (!ht_add(&p->hosts, p->tok[1].s, strlen(p->tok[1].s), p->t->n_hosts, &first)) {
		err(p, 1, "duplicate host `%s' (first defined at line %d)", p->tok[1].s,
		    p->t->hosts[first].loc.line);
		return;
	}
	h = PUSH(p->t->hosts, p->t->n_hosts);
	snprintf(h->name, sizeof(h->name), "%s", p->tok[1].s);
	snprintf(h->hostname, sizeof(h->hostname), "%s", p->tok[1].s);
	h->node = -1;
	h->loc = tloc(p, 1);
	p->ctx = CTX_HOST;
	p->idx = p->t->n_hosts - 1;
	host_options(p, h);
}

/* Parses "host:ifname" at token i into e. */
static bool parse_end(struct parser *p, int i, struct endpoint *e)
{
	const char *s = p->tok[i].s, *colon = strchr(s, ':');

	if (!colon) {
		err(p, i, "expected HOST:INTERFACE, got `%s'", s);
		return false;
	}
	if (!valid_name(s, (size_t)(colon - s))) {
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
	uint32_t seen = 0;

	for (; i < p->ntok; i += 2) {
		const char *o = p->tok[i].s, *v;
		unsigned long n;

		if (!in_list(o, link_opts)) {
			err(p, i, "unknown %s option `%s'%s", l->kind == LINK_LAN ? "lan" : "link",
			    o, hint(o, link_opts));
			return;
		}
		if (!opt_once(p, i, link_opts, &seen) || !(v = arg(p, i, "a number")))
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

/* Takes back the link or lan being read (after an error in its ends). */
static void drop_link(struct parser *p)
{
	free(p->t->links[--p->t->n_links].ends);
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
			drop_link(p);
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
	size_t first;
	int i;

	p->ctx = CTX_SKIP;
	if (!stmt_name(p, "lan"))
		return;
	if (ht_get_str(&p->lans, p->tok[1].s, &first)) {
		err(p, 1, "duplicate lan `%s' (first defined at line %d)", p->tok[1].s,
		    p->t->links[first].loc.line);
		return;
	}
	l = PUSH(p->t->links, p->t->n_links);
	l->kind = LINK_LAN;
	snprintf(l->name, sizeof(l->name), "%s", p->tok[1].s);
	l->loc = tloc(p, 1);
	for (i = 2; i < p->ntok && strchr(p->tok[i].s, ':'); i++) {
		struct endpoint e = { 0 };

		if (!parse_end(p, i, &e)) {
			drop_link(p);
			return;
		}
		*PUSH(l->ends, l->n_ends) = e;
	}
	if (l->n_ends < 2) {
		err(p, i, "a lan needs at least two members, HOST:INTERFACE ...");
		drop_link(p);
		return;
	}
	ht_add(&p->lans, l->name, strlen(l->name), p->t->n_links - 1, &first);
	p->ctx = CTX_LINK;
	p->idx = p->t->n_links - 1;
	link_options(p, l, i);
}

static void sub_sysctl(struct parser *p, struct host *h)
{
	const char *s, *eq;
	struct sysctl *sc;
	int klen;

	if (!(s = arg(p, 0, "KEY=VALUE")))
		return;
	eq = strchr(s, '=');
	if (!eq || eq == s) {
		err(p, 1, "expected KEY=VALUE, got `%s'", s);
		return;
	}
	klen = (int)(eq - s);
	if ((size_t)klen >= sizeof(sc->key) || strlen(eq + 1) >= sizeof(sc->value)) {
		err(p, 1, "sysctl `%s' is too long", s);
		return;
	}
	if (!valid_sysctl_key(s, (size_t)klen)) {
		err(p, 1, "invalid sysctl key `%.*s' (names of letters, digits, `-' and `_' joined by dots)",
		    klen, s);
		return;
	}
	if (strncmp(s, "net.", 4)) {
		err(p, 1, "sysctl `%.*s' is not per network namespace (only net.* keys can be set)",
		    klen, s);
		return;
	}
	if (!eq[1]) {
		err(p, 1, "sysctl `%.*s' has no value (KEY=VALUE)", klen, s);
		return;
	}
	if (p->ntok > 2) {
		err(p, 2, "unexpected `%s' (one KEY=VALUE per sysctl line)", p->tok[2].s);
		return;
	}
	sc = PUSH(h->sysctls, h->n_sysctls);
	memcpy(sc->key, s, (size_t)klen);
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

/* Token i as an address of a host's own (on lo or on an interface):
 * false after reporting why it cannot be one. */
static bool own_address(struct parser *p, int i, struct prefix *pf, bool need_len)
{
	const char *why;
	int r = prefix_parse(p->tok[i].s, pf, need_len);

	if (r) {
		bad_prefix(p, i, r);
		return false;
	}
	if (!pf->len) {
		err(p, i, "`%s' has a prefix length of 0 (an address needs a subnet)", p->tok[i].s);
		return false;
	}
	if ((why = unusable(pf))) {
		err(p, i, "`%s' is %s, not a host's own", p->tok[i].s, why);
		return false;
	}
	return true;
}

static void sub_loopback(struct parser *p, struct host *h)
{
	if (p->ntok < 2) {
		err(p, 1, "expected one or more addresses after `loopback'");
		return;
	}
	for (int i = 1; i < p->ntok; i++) {
		struct prefix pf;

		if (!own_address(p, i, &pf, false))
			return;
		*PUSH(h->loopbacks, h->n_loopbacks) = pf;
	}
}

/* `via', `dev' or `metric' at token i, with its value v, into rt. */
static bool route_option(struct parser *p, int i, const char *v, struct route *rt)
{
	const char *o = p->tok[i].s;
	unsigned long n;

	if (!strcmp(o, "via")) {
		if (prefix_parse(v, &rt->via, false) || strchr(v, '/')) {
			err(p, i + 1, "bad gateway address `%s'", v);
			return false;
		}
		if (rt->via.family != rt->dst.family) {
			err(p, i + 1, "gateway `%s' is not an %s address like the destination",
			    v, rt->dst.family == AF_INET ? "IPv4" : "IPv6");
			return false;
		}
	} else if (!strcmp(o, "dev")) {
		if (!valid_ifname(v)) {
			err(p, i + 1, "invalid interface name `%s'", v);
			return false;
		}
		snprintf(rt->dev, sizeof(rt->dev), "%s", v);
	} else {
		if (!parse_uint(v, UINT32_MAX, &n)) {
			err(p, i + 1, "bad metric `%s'", v);
			return false;
		}
		rt->metric = (uint32_t)n;
	}
	return true;
}

static void sub_route(struct parser *p, struct host *h)
{
	struct route rt = { 0 };
	uint32_t seen = 0;
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

		if (!in_list(o, route_opts)) {
			err(p, i, "unknown route option `%s'%s", o, hint(o, route_opts));
			return;
		}
		if (!opt_once(p, i, route_opts, &seen) ||
		    !(v = arg(p, i, !strcmp(o, "via") ? "a gateway address" :
			      !strcmp(o, "dev") ? "an interface name" : "a number")) ||
		    !route_option(p, i, v, &rt))
			return;
	}
	if (!rt.via.family && !rt.dev[0]) {
		err(p, p->ntok, "a route needs `via GATEWAY' or `dev INTERFACE'");
		return;
	}
	*PUSH(h->routes, h->n_routes) = rt;
}

static void sub_run(struct parser *p, struct host *h)
{
	size_t len = 0;
	struct run *r;
	char *c;

	if (p->ntok < 2) {
		err(p, 1, "expected a command after `run'");
		return;
	}
	/* The rest of the line, its words joined by single spaces. */
	for (int i = 1; i < p->ntok; i++)
		len += strlen(p->tok[i].s) + 1;
	r = PUSH(h->runs, h->n_runs);
	r->cmd = c = malloc(len);
	if (!c)
		abort();
	for (int i = 1; i < p->ntok; i++) {
		if (i > 1)
			*c++ = ' ';
		c = stpcpy(c, p->tok[i].s);
	}
	r->loc = tloc(p, 1);
}

/* The file that token i names (relative to the topology's directory):
 * its absolute path, resolved now so that it still holds after a chdir;
 * or NULL after reporting why it cannot be read. */
static char *source_file(struct parser *p, int i)
{
	const char *name = p->tok[i].s;
	char *joined, *abs = NULL;
	struct stat st;

	if (name[0] == '/')
		joined = strdup(name);
	else if (asprintf(&joined, "%s/%s", p->t->dir, name) < 0)
		abort();
	if (!joined)
		abort();
	if (stat(joined, &st) || !S_ISREG(st.st_mode))
		err(p, i, "cannot read `%s': %s", name,
		    access(joined, F_OK) ? strerror(errno) : "not a regular file");
	else if (!(abs = realpath(joined, NULL)))
		err(p, i, "cannot read `%s': %s", name, strerror(errno));
	free(joined);
	return abs;
}

static void sub_file(struct parser *p, struct host *h)
{
	struct file_ent *f;
	char *src;

	if (p->ntok != 3) {
		err(p, p->ntok < 3 ? p->ntok : 3, "expected `file DEST SOURCE' (DEST under /etc)");
		return;
	}
	if (!valid_etc_path(p->tok[1].s)) {
		err(p, 1, "file destination `%s' must be a normal path under /etc/ (absolute; no `.', `..', `//' or trailing `/')",
		    p->tok[1].s);
		return;
	}
	if (!(src = source_file(p, 2)))
		return;
	f = PUSH(h->files, h->n_files);
	snprintf(f->dest, sizeof(f->dest), "%s", p->tok[1].s);
	f->src = src;
	f->loc = tloc(p, 1);
}

/* FRR 8's daemons (zebra first: the others connect to it). */
const char *const topo_frr_daemons[] = { "zebra", "staticd", "bgpd", "ospfd", "ospf6d",
	"ripd", "ripngd", "isisd", "fabricd", "pimd", "ldpd", "nhrpd", "eigrpd", "babeld",
	"pbrd", "bfdd", "vrrpd", "pathd", NULL };
static const char *const routing_opts[] = { "config", "restart", NULL };
static const char *const restart_words[] = { "always", "on-failure", "never", NULL };

/* FRR daemon w (token i) into *daemons: false after reporting an unknown
 * or repeated one. */
static bool frr_daemon(struct parser *p, int i, uint32_t *daemons)
{
	const char *w = p->tok[i].s;
	int d;

	for (d = 0; topo_frr_daemons[d]; d++)
		if (!strcmp(w, topo_frr_daemons[d]))
			break;
	if (!topo_frr_daemons[d]) {
		const char *hn = hint(w, topo_frr_daemons);

		err(p, i, "unknown FRR daemon `%s'%s", w,
		    *hn ? hn : " (expected zebra, bgpd, ospfd, ospf6d, isisd, ripd, ...)");
		return false;
	}
	if (*daemons & (1u << d)) {
		err(p, i, "FRR daemon `%s' is named twice", w);
		return false;
	}
	*daemons |= 1u << d;
	return true;
}

/* `restart POLICY' at token i. */
static bool restart_policy(struct parser *p, int i, const char *v, enum restart_policy *r)
{
	if (!strcmp(v, "always"))
		*r = RESTART_ALWAYS;
	else if (!strcmp(v, "on-failure"))
		*r = RESTART_ON_FAILURE;
	else if (!strcmp(v, "never"))
		*r = RESTART_NEVER;
	else {
		err(p, i + 1, "bad restart policy `%s' (expected always, on-failure or never)%s",
		    v, hint(v, restart_words));
		return false;
	}
	return true;
}

/* The words after `frr' or `bird': daemons, `config FILE' (its token in
 * *cfg_tok), `restart POLICY'. */
static bool routing_words(struct parser *p, bool frr, struct routing *nr, int *cfg_tok)
{
	const char *what = frr ? "frr" : "bird";
	bool restart = false;

	for (int i = 1; i < p->ntok; i++) {
		const char *w = p->tok[i].s, *v;

		if (!in_list(w, routing_opts)) {
			if (!frr) {
				err(p, i, "unknown bird option `%s'%s", w, hint(w, routing_opts));
				return false;
			}
			if (!frr_daemon(p, i, &nr->daemons))
				return false;
			continue;
		}
		if (!(v = arg(p, i, !strcmp(w, "config") ? "a file name" : "always, on-failure or never")))
			return false;
		if (!strcmp(w, "config")) {
			if (*cfg_tok) {
				err(p, i, "a second `config' for `%s'", what);
				return false;
			}
			*cfg_tok = i + 1;
		} else if (restart) {
			err(p, i, "option `restart' is given twice");
			return false;
		} else if (!restart_policy(p, i, v, &nr->restart)) {
			return false;
		}
		restart |= !strcmp(w, "restart");
		i++;
	}
	return true;
}

/* `frr DAEMON... config FILE [restart POLICY]' and
 * `bird config FILE [restart POLICY]' (docs/routing.md). */
static void sub_routing(struct parser *p, struct host *h, bool frr)
{
	struct routing *r = frr ? &h->frr : &h->bird;
	struct routing nr = { .set = true, .loc = tloc(p, 0) };
	const char *what = frr ? "frr" : "bird";
	int cfg_tok = 0;

	if (r->set) {
		err(p, 0, "a second `%s' statement for host `%s' (the first is at line %d)",
		    what, h->name, r->loc.line);
		return;
	}
	if (!routing_words(p, frr, &nr, &cfg_tok))
		return;
	if (frr && !nr.daemons) {
		err(p, 1, "expected FRR daemon names after `frr' (zebra, bgpd, ospfd, isisd, ...)");
		return;
	}
	if (!cfg_tok) {
		err(p, p->ntok, "`%s' needs `config FILE' (relative to the topology file)", what);
		return;
	}
	if (!(nr.config = source_file(p, cfg_tok)))
		return;
	nr.daemons |= frr ? 1u : 0;	/* zebra: every other FRR daemon needs it */
	*r = nr;
}

/* The end of link l that `addr' or `discipline' names (HOST or HOST:IF),
 * or NULL after reporting why none. */
static struct endpoint *named_end(struct parser *p, struct link *l, const char *who)
{
	struct endpoint *e = NULL;

	for (size_t i = 0; i < l->n_ends; i++) {
		char full[TOPO_NAME_LEN + TOPO_IFNAME_LEN + 1];

		snprintf(full, sizeof(full), "%s:%s", l->ends[i].hname, l->ends[i].ifname);
		if (!strcmp(who, full) || !strcmp(who, l->ends[i].hname)) {
			if (e && !strchr(who, ':')) {
				err(p, 1, "host `%s' has two ends here: write HOST:INTERFACE", who);
				return NULL;
			}
			e = &l->ends[i];
		}
	}
	if (!e)
		err(p, 1, "`%s' is not an end of this %s", who, l->kind == LINK_LAN ? "lan" : "link");
	return e;
}

/* `addr HOST[:IF] PREFIX...' under a link or lan. */
static void sub_addr(struct parser *p, struct link *l)
{
	struct endpoint *e;
	const char *who;

	if (!(who = arg(p, 0, "a host name")) || !(e = named_end(p, l, who)))
		return;
	if (p->ntok < 3) {
		err(p, 2, "expected one or more ADDRESS/LENGTH after `%s'", who);
		return;
	}
	if (!e->addr_loc.line)
		e->addr_loc = tloc(p, 2);
	for (int i = 2; i < p->ntok; i++) {
		struct prefix pf;
		int special;

		if (!own_address(p, i, &pf, true))
			return;
		if ((special = v4_special(&pf))) {
			err(p, i, "`%s' is the %s address of its subnet", p->tok[i].s,
			    special == 1 ? "network" : "broadcast");
			return;
		}
		*PUSH(e->addrs, e->n_addrs) = pf;
	}
}

/* Option o with value v into d; false if v is not a value of o. */
static bool disc_option(const char *o, const char *v, struct disc *d)
{
	unsigned long n = 0;
	bool ok;

	if (!strcmp(o, "delay"))
		return parse_time(v, &d->delay_ns);
	if (!strcmp(o, "jitter"))
		return parse_time(v, &d->jitter_ns);
	if (!strcmp(o, "loss"))
		return parse_percent(v, &d->loss);
	if (!strcmp(o, "duplicate"))
		return parse_percent(v, &d->duplicate);
	if (!strcmp(o, "reorder"))
		return parse_percent(v, &d->reorder);
	if (!strcmp(o, "corrupt"))
		return parse_percent(v, &d->corrupt);
	if (!strcmp(o, "rate"))
		return parse_rate(v, &d->rate_bps);
	ok = parse_uint(v, UINT32_MAX, &n) && n > 0;
	d->limit = (uint32_t)n;
	return ok;
}

/* The options of a discipline line, from token 2, into d. */
static bool disc_options(struct parser *p, struct disc *d)
{
	uint32_t seen = 0;

	for (int i = 2; i < p->ntok; i += 2) {
		const char *o = p->tok[i].s, *v;

		if (!in_list(o, disc_opts)) {
			err(p, i, "unknown %s option `%s'%s", "discipline", o, hint(o, disc_opts));
			return false;
		}
		if (!opt_once(p, i, disc_opts, &seen) || !(v = arg(p, i, "a value")))
			return false;
		if (!disc_option(o, v, d)) {
			const char *want = !strcmp(o, "delay") || !strcmp(o, "jitter") ?
				"a time such as 10ms, 500us or 1s" :
				!strcmp(o, "rate") ? "a rate such as 100mbit, 10kbit or 1gbit" :
				!strcmp(o, "limit") ? "a number of packets" : "a percentage such as 0.1%";

			err(p, i + 1, "bad %s `%s' (expected %s)", o, v, want);
			return false;
		}
	}
	if (d->jitter_ns && !d->delay_ns)
		err(p, 1, "jitter needs a delay");
	else if (d->jitter_ns > d->delay_ns)
		err(p, 1, "jitter is larger than the delay");
	else if (d->reorder > 0 && !d->delay_ns)
		err(p, 1, "reorder needs a delay (packets are reordered by sending some without it)");
	else
		return true;
	return false;
}

/* `discipline both|HOST[:IF] OPTION VALUE ...' */
static void sub_discipline(struct parser *p, struct link *l)
{
	struct disc d = { .set = true };
	bool found = false, both;
	const char *who;

	if (!(who = arg(p, 0, "`both' or a host name")))
		return;
	d.loc = tloc(p, 1);
	if (p->ntok < 3) {
		err(p, 2, "expected discipline options (delay, jitter, loss, duplicate, reorder, corrupt, rate, limit)");
		return;
	}
	if (!disc_options(p, &d))
		return;
	both = !strcmp(who, "both");
	for (size_t i = 0; i < l->n_ends; i++) {
		char full[TOPO_NAME_LEN + TOPO_IFNAME_LEN + 1];
		struct endpoint *e = &l->ends[i];

		snprintf(full, sizeof(full), "%s:%s", e->hname, e->ifname);
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

/* `reserve min RATE [max RATE] | max RATE | static RATE', options from
 * token 1, into r. */
static void reserve_options(struct parser *p, struct resv *r)
{
	struct resv n = { .set = true, .loc = tloc(p, 0) };
	int min_tok = 0, max_tok = 0;
	uint32_t seen = 0;

	if (p->ntok < 2) {
		err(p, 1, "expected `min RATE', `max RATE' or `static RATE' after `reserve'");
		return;
	}
	for (int i = 1; i < p->ntok; i += 2) {
		const char *o = p->tok[i].s, *v;
		uint64_t bps;

		if (!in_list(o, resv_opts)) {
			err(p, i, "unknown reserve option `%s'%s", o, hint(o, resv_opts));
			return;
		}
		if (!opt_once(p, i, resv_opts, &seen) || !(v = arg(p, i, "a rate")))
			return;
		if (!parse_rate(v, &bps)) {
			err(p, i + 1, "bad %s rate `%s' (expected a rate such as 100mbit or 1gbit)", o, v);
			return;
		}
		if (!strcmp(o, "static") && (seen & 3)) {
			err(p, i, "`static' is both a minimum and a maximum: not with `min' or `max'");
			return;
		}
		if ((seen & 4) && strcmp(o, "static")) {
			err(p, i, "`%s' after `static' (a static reservation is both a minimum and a maximum)", o);
			return;
		}
		if (o[1] == 'i' || o[0] == 's')
			n.min_bps = bps;
		if (o[1] == 'a' || o[0] == 's')
			n.max_bps = bps;
		if (o[1] == 'i')
			min_tok = i + 1;
		else if (o[1] == 'a')
			max_tok = i + 1;
	}
	if (min_tok && max_tok && n.max_bps < n.min_bps) {
		err(p, max_tok, "max %s is below min %s", p->tok[max_tok].s, p->tok[min_tok].s);
		return;
	}
	*r = n;
}

static void sub_reserve(struct parser *p, struct link *l)
{
	if (l->resv.set) {
		err(p, 0, "a second `reserve' for this %s (the first is at line %d)",
		    l->kind == LINK_LAN ? "lan" : "link", l->resv.loc.line);
		return;
	}
	reserve_options(p, &l->resv);
}

/* Top level: the slice's default for its links across nodes. */
static void st_reserve(struct parser *p)
{
	if (p->t->resv.set) {
		err(p, 0, "a second slice-wide `reserve' (the first is at line %d)",
		    p->t->resv.loc.line);
		return;
	}
	reserve_options(p, &p->t->resv);
}

/* --- addressing, routing and expect (addressing.c, routing_gen.c) ------ */

const char *const topo_rprotos[] = { "ospf", "ospf6", "isis", "bgp", NULL };
static const char *const addressing_opts[] = { "pool4", "pool6", "loopback4", "loopback6",
	NULL };
static const char *const autoroute_opts[] = { "daemon", "hello", "dead", "area", "as", NULL };

/* Two prefixes of one family share an address. */
static bool overlap(const struct prefix *a, const struct prefix *b)
{
	int n = a->len < b->len ? a->len : b->len;

	if (!a->family || a->family != b->family)
		return false;
	for (int i = 0; i < n; i++)
		if (bit(a, i) != bit(b, i))
			return false;
	return true;
}

/* `pool4 PREFIX' (or `none') at token i into *dst. */
static bool addressing_pool(struct parser *p, int i, struct prefix *dst)
{
	const char *o = p->tok[i].s, *v = p->tok[i + 1].s, *why;
	int family = o[strlen(o) - 1] == '4' ? AF_INET : AF_INET6, r;
	struct prefix pf;

	if (!strcmp(v, "none")) {
		memset(dst, 0, sizeof(*dst));
		return true;
	}
	if ((r = prefix_parse(v, &pf, true))) {
		bad_prefix(p, i + 1, r);
		return false;
	}
	if (pf.family != family || pf.len < 1 || pf.len >= addr_bytes(&pf) * 8) {
		err(p, i + 1, "`%s' takes an IPv%c prefix of length 1 to %d, or `none'", o,
		    family == AF_INET ? '4' : '6', family == AF_INET ? 31 : 127);
		return false;
	}
	if (!is_network(&pf)) {
		err(p, i + 1, "`%s' has host bits set (a pool is a network prefix)", v);
		return false;
	}
	if ((why = unusable(&pf))) {
		err(p, i + 1, "`%s' starts at %s", v, why);
		return false;
	}
	*dst = pf;
	return true;
}

/* `addressing auto [pool4 P] [pool6 P] [loopback4 P] [loopback6 P]'. */
static void st_addressing(struct parser *p)
{
	struct addressing *a = &p->t->addressing, na = { 0 };
	uint32_t seen = 0;

	if (a->set) {
		err(p, 0, "a second `addressing' statement (the first is at line %d)", a->loc.line);
		return;
	}
	if (p->ntok < 2 || strcmp(p->tok[1].s, "auto")) {
		err(p, 1, "expected `auto' after `addressing'");
		return;
	}
	addressing_defaults(&na);
	na.loc = tloc(p, 0);
	for (int i = 2; i < p->ntok; i += 2) {
		const char *o = p->tok[i].s;

		if (!in_list(o, addressing_opts)) {
			err(p, i, "unknown addressing option `%s'%s", o, hint(o, addressing_opts));
			return;
		}
		if (!opt_once(p, i, addressing_opts, &seen) || !arg(p, i, "a prefix or `none'") ||
		    !addressing_pool(p, i, !strcmp(o, "pool4") ? &na.pool4 : !strcmp(o, "pool6") ?
				     &na.pool6 : !strcmp(o, "loopback4") ? &na.lo4 : &na.lo6))
			return;
	}
	if (overlap(&na.pool4, &na.lo4) || overlap(&na.pool6, &na.lo6)) {
		err(p, 0, "the link pool and the loopback pool of one family overlap");
		return;
	}
	*a = na;
}

/* One option of a `routing' line at token i, value v. */
static bool autoroute_option(struct parser *p, int i, const char *v, int proto,
			     struct autoroute *r)
{
	const char *o = p->tok[i].s;
	unsigned long n;

	if (!strcmp(o, "daemon")) {
		if (strcmp(v, "frr") && strcmp(v, "bird")) {
			err(p, i + 1, "unknown daemon `%s' (expected frr or bird)", v);
			return false;
		}
		r->daemon = v[0] == 'f' ? RD_FRR : RD_BIRD;
		if (r->daemon == RD_BIRD && proto == RP_ISIS) {
			err(p, i + 1, "BIRD has no IS-IS (use `daemon frr')");
			return false;
		}
		return true;
	}
	if ((!strcmp(o, "area") && proto != RP_OSPF && proto != RP_OSPF6) ||
	    (!strcmp(o, "as") && proto != RP_BGP)) {
		err(p, i, "option `%s' is not one of `routing %s'", o, topo_rprotos[proto]);
		return false;
	}
	if (!parse_uint(v, !strcmp(o, "hello") || !strcmp(o, "dead") ? 65535 : 4294967295UL, &n) ||
	    (n == 0 && strcmp(o, "area"))) {
		err(p, i + 1, "bad %s `%s' (expected %s)", o, v,
		    !strcmp(o, "area") ? "an area number" : !strcmp(o, "as") ?
		    "an AS number, 1 to 4294967295" : "a whole number of seconds, 1 to 65535");
		return false;
	}
	*(!strcmp(o, "hello") ? &r->hello : !strcmp(o, "dead") ? &r->dead :
	  !strcmp(o, "area") ? &r->area : &r->as) = (uint32_t)n;
	return true;
}

/* `routing PROTOCOL [OPTION VALUE]...' into set (the slice's or a host's);
 * `routing none' on a host. */
static void autoroute_line(struct parser *p, struct autoroute *set, struct host *h)
{
	struct autoroute nr = { .set = true, .loc = tloc(p, 0) };
	uint32_t seen = 0;
	int proto;

	if (p->ntok < 2) {
		err(p, 1, "expected a protocol after `routing' (ospf, ospf6, isis or bgp%s)",
		    h ? ", or none" : "");
		return;
	}
	if (h && !strcmp(p->tok[1].s, "none") && p->ntok == 2) {
		h->routing_none = true;
		h->routing_none_loc = tloc(p, 1);
		return;
	}
	for (proto = 0; topo_rprotos[proto]; proto++)
		if (!strcmp(p->tok[1].s, topo_rprotos[proto]))
			break;
	if (!topo_rprotos[proto]) {
		err(p, 1, "unknown routing protocol `%s'%s", p->tok[1].s, hint(p->tok[1].s, topo_rprotos));
		return;
	}
	if (set[proto].set) {
		err(p, 1, "a second `routing %s' (the first is at line %d)", topo_rprotos[proto],
		    set[proto].loc.line);
		return;
	}
	for (int i = 2; i < p->ntok; i += 2) {
		const char *o = p->tok[i].s, *v;

		if (!in_list(o, autoroute_opts)) {
			err(p, i, "unknown routing option `%s'%s", o, hint(o, autoroute_opts));
			return;
		}
		if (!opt_once(p, i, autoroute_opts, &seen) || !(v = arg(p, i, "a value")) ||
		    !autoroute_option(p, i, v, proto, &nr))
			return;
	}
	if (nr.hello && nr.dead && nr.dead <= nr.hello) {
		err(p, 0, "dead (%u s) must be longer than hello (%u s)", nr.dead, nr.hello);
		return;
	}
	set[proto] = nr;
}

/* `expect HOST:IF carries traffic'. */
static void expect_carries(struct parser *p, struct expect *ex)
{
	const char *w = p->tok[1].s, *colon = strchr(w, ':');

	if (!colon || !valid_name(w, (size_t)(colon - w)) || !valid_ifname(colon + 1)) {
		err(p, 1, "expected HOST:IF before `carries traffic', got `%s'", w);
		return;
	}
	ex->kind = EXPECT_CARRIES;
	snprintf(ex->hname, sizeof(ex->hname), "%.*s", (int)(colon - w), w);
	snprintf(ex->ifname, sizeof(ex->ifname), "%s", colon + 1);
	*PUSH(p->t->expects, p->t->n_expects) = *ex;
}

/* `expect HOST reaches ADDRESS|HOST', `expect HOST route PREFIX|HOST via
 * HOST', `expect HOST:IF carries traffic'. */
static void st_expect(struct parser *p)
{
	struct expect ex = { .host = -1, .via = -1, .target = -1, .loc = tloc(p, 1) };
	bool route = p->ntok == 6 && !strcmp(p->tok[2].s, "route") && !strcmp(p->tok[4].s, "via");
	const char *tg;

	if (p->ntok == 4 && !strcmp(p->tok[2].s, "carries") && !strcmp(p->tok[3].s, "traffic")) {
		expect_carries(p, &ex);
		return;
	}
	if (!route && !(p->ntok == 4 && !strcmp(p->tok[2].s, "reaches"))) {
		err(p, p->ntok > 1 ? 1 : 0, "expected `expect HOST reaches ADDRESS|HOST', `expect HOST route PREFIX|HOST via HOST' or `expect HOST:IF carries traffic'");
		return;
	}
	ex.kind = route ? EXPECT_ROUTE : EXPECT_REACHES;
	snprintf(ex.hname, sizeof(ex.hname), "%s", p->tok[1].s);
	tg = p->tok[3].s;
	if (!prefix_parse(tg, &ex.addr, false)) {
		if (route && !is_network(&ex.addr)) {
			err(p, 3, "`%s' has host bits set (a route's destination is a prefix)", tg);
			return;
		}
	} else if (valid_name(tg, strlen(tg))) {
		snprintf(ex.tname, sizeof(ex.tname), "%s", tg);
	} else {
		err(p, 3, "`%s' is neither an address nor a host name", tg);
		return;
	}
	if (route)
		snprintf(ex.vname, sizeof(ex.vname), "%s", p->tok[5].s);
	*PUSH(p->t->expects, p->t->n_expects) = ex;
}

/* Host name s of an expect statement: its index, or -1 after saying so. */
static int expect_host(struct parser *p, const struct expect *ex, const char *s)
{
	size_t hi;

	if (ht_get_str(&p->hosts, s, &hi))
		return (int)hi;
	errat(p, ex->loc, "unknown host `%s' in `expect'", s);
	return -1;
}

/* A host's routing lines: none of them beside its own frr or bird config;
 * one daemon for all its protocols. */
static void check_host_routing(struct parser *p, const struct host *h)
{
	const struct topo *t = p->t;
	enum rdaemon daemon = RD_DEFAULT;
	int first = -1;

	for (int pr = 0; pr < RP_N; pr++) {
		const struct autoroute *r = h->autoroute[pr].set ? &h->autoroute[pr] : &t->autoroute[pr];

		if (h->autoroute[pr].set && (h->frr.set || h->bird.set))
			errat(p, h->autoroute[pr].loc, "host `%s' has its own `%s ... config': `routing %s' would not be used",
			      h->name, h->frr.set ? "frr" : "bird", topo_rprotos[pr]);
		if (!r->set || !r->daemon || h->routing_none)
			continue;
		if (daemon && r->daemon != daemon)
			errat(p, r->loc, "host `%s' would run `routing %s' with %s and `routing %s' with %s (one daemon per host)",
			      h->name, topo_rprotos[first], daemon == RD_FRR ? "FRR" : "BIRD",
			      topo_rprotos[pr], r->daemon == RD_FRR ? "FRR" : "BIRD");
		daemon = r->daemon;
		if (first < 0)
			first = pr;
	}
	if (h->routing_none && (h->frr.set || h->bird.set))
		errat(p, h->routing_none_loc, "`routing none' beside the host's own `%s ... config'",
		      h->frr.set ? "frr" : "bird");
}

/* A host's `routing' line takes what it does not say from the slice's line
 * for that protocol (but for `as', which on a host is its own AS): the
 * timers of the two ends of a link must agree. */
static void inherit_routing(struct parser *p, struct host *h)
{
	for (int pr = 0; pr < RP_N; pr++) {
		struct autoroute *r = &h->autoroute[pr];
		const struct autoroute *s = &p->t->autoroute[pr];

		if (!r->set || !s->set)
			continue;
		if (!r->daemon)
			r->daemon = s->daemon;
		if (!r->hello && !r->dead) {
			r->hello = s->hello;
			r->dead = s->dead;
		}
		if (!r->area)
			r->area = s->area;
	}
}

static void check_autoconf(struct parser *p)
{
	struct topo *t = p->t;

	for (size_t hi = 0; hi < t->n_hosts; hi++) {
		inherit_routing(p, &t->hosts[hi]);
		check_host_routing(p, &t->hosts[hi]);
	}
	for (size_t i = 0; i < t->n_expects; i++) {
		struct expect *ex = &t->expects[i];

		ex->host = expect_host(p, ex, ex->hname);
		if (ex->tname[0])
			ex->target = expect_host(p, ex, ex->tname);
		if (ex->kind == EXPECT_ROUTE)
			ex->via = expect_host(p, ex, ex->vname);
		if (ex->kind == EXPECT_CARRIES && ex->host >= 0 &&
		    topo_find_end(t, ex->host, ex->ifname, &(size_t){ 0 }) < 0)
			errat(p, ex->loc, "host `%s' has no interface `%s'", ex->hname, ex->ifname);
	}
}

/* After every check passed: addresses, then each router's configuration. */
static void autoconf(struct parser *p)
{
	char msg[256];

	if (addressing_apply(p->t, msg, sizeof(msg))) {
		errat(p, p->t->addressing.loc, "%s", msg);
		return;
	}
	routing_generate(p->t);
}

static void host_statement(struct parser *p, const char *kw)
{
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
	else if (!strcmp(kw, "routing"))
		autoroute_line(p, h->autoroute, h);
	else
		err(p, 0, "unknown host statement `%s'%s", kw, hint(kw, host_subs));
}

static void link_statement(struct parser *p, const char *kw)
{
	struct link *l = &p->t->links[p->idx];

	if (!strcmp(kw, "addr"))
		sub_addr(p, l);
	else if (!strcmp(kw, "discipline"))
		sub_discipline(p, l);
	else if (!strcmp(kw, "reserve"))
		sub_reserve(p, l);
	else
		err(p, 0, "unknown %s statement `%s'%s",
		    l->kind == LINK_LAN ? "lan" : "link", kw, hint(kw, link_subs));
}

/* Its indented lines are skipped: errors enough. */
static void unknown_statement(struct parser *p, const char *kw)
{
	const char *h = hint(kw, statements);

	if (!*h && (closest_word(kw, host_subs) || closest_word(kw, link_subs)))
		err(p, 0, "unknown statement `%s' (sub-statements are indented under their host, link or lan)", kw);
	else
		err(p, 0, "unknown statement `%s'%s", kw, h);
	p->ctx = CTX_SKIP;
}

static void statement(struct parser *p, bool indented)
{
	const char *kw = p->tok[0].s;

	if (indented && p->ctx == CTX_HOST)
		host_statement(p, kw);
	else if (indented && p->ctx == CTX_LINK)
		link_statement(p, kw);
	else if (indented && p->ctx == CTX_NONE)
		err(p, 0, "indented line `%s' does not continue a host, link or lan", kw);
	if (indented)
		return;	/* after CTX_SKIP: the statement above was refused, errors enough */
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
	else if (!strcmp(kw, "reserve"))
		st_reserve(p);
	else if (!strcmp(kw, "addressing"))
		st_addressing(p);
	else if (!strcmp(kw, "routing"))
		autoroute_line(p, p->t->autoroute, NULL);
	else if (!strcmp(kw, "expect"))
		st_expect(p);
	else
		unknown_statement(p, kw);
}
/* --- whole-topology checks ------------------------------------------- */

/* In the table of links' ends, keyed "host:ifname": link << END_BITS | end. */
#define END_BITS 8
_Static_assert(MAX_TOKENS <= 1 << END_BITS, "a lan's ends fit in END_BITS");

static struct endpoint *end_at(const struct topo *t, size_t v)
{
	return &t->links[v >> END_BITS].ends[v & ((1u << END_BITS) - 1)];
}

static const char *family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

/*
 * Underlay addresses: distinct, and all of one family (a tunnel joins two of
 * them).  Reservations are enforced on IPv4 GRE headers only (shape.c), so a
 * node with an IPv6 underlay declares no `reservable' rate.
 */
static void check_underlays(struct parser *p)
{
	const struct topo *t = p->t;
	const struct tnode *f = NULL;
	struct htab seen = { 0 };
	size_t first;

	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct tnode *n = &t->nodes[i];

		if (!n->underlay.family)
			continue;	/* reported already */
		if (!f)
			f = n;
		if (n->underlay.family != f->underlay.family)
			errat(p, n->underlay_loc, "node `%s' has an %s underlay, node `%s' (line %d) an %s one: all nodes of a slice use one address family",
			      n->name, family_name(n->underlay.family), f->name, f->loc.line,
			      family_name(f->underlay.family));
		else if (!ht_add(&seen, &n->underlay.addr, sizeof(n->underlay.addr), i, &first))
			errat(p, n->loc, "nodes `%s' and `%s' have the same underlay address",
			      t->nodes[first].name, n->name);
		if (n->reservable_bps && n->underlay.family == AF_INET6)
			errat(p, n->loc, "node `%s': `reservable' needs an IPv4 underlay (reservations are not enforced over IPv6 yet)",
			      n->name);
	}
	ht_free(&seen);
}

/* Placement: the named node, else the first node, else this machine.  A
 * host on an unknown node keeps node -1. */
static void place_hosts(struct parser *p)
{
	const char *names[64] = { 0 };
	struct topo *t = p->t;

	for (size_t n = 0; n < t->n_nodes && n < 63; n++)
		names[n] = t->nodes[n].name;
	for (size_t i = 0; i < t->n_hosts; i++) {
		struct host *h = &t->hosts[i];
		size_t n;

		if (!h->node_name[0])
			h->node = t->n_nodes ? 0 : -1;
		else if (ht_get_str(&p->nodes, h->node_name, &n))
			h->node = (int)n;
		else if (!p->stop)
			errat(p, h->node_loc, "unknown node `%s'%s", h->node_name,
			      hint(h->node_name, names));
	}
}

static void check_capacities(struct parser *p)
{
	const struct topo *t = p->t;
	size_t *count = calloc(t->n_nodes + 1, sizeof(*count));

	if (!count)
		abort();
	for (size_t i = 0; i < t->n_hosts; i++)
		if (t->hosts[i].node >= 0)
			count[t->hosts[i].node]++;
	for (size_t n = 0; n < t->n_nodes; n++)
		if (t->nodes[n].capacity && count[n] > (size_t)t->nodes[n].capacity)
			errat(p, t->nodes[n].loc, "node `%s' has capacity %d but %zu hosts are placed on it",
			      t->nodes[n].name, t->nodes[n].capacity, count[n]);
	free(count);
}

static void unknown_host(struct parser *p, const struct endpoint *e)
{
	const char *names[256] = { 0 };

	if (p->stop)
		return;
	for (size_t n = 0; n < p->t->n_hosts && n < 255; n++)
		names[n] = p->t->hosts[n].name;
	errat(p, e->loc, "unknown host `%s'%s", e->hname, hint(e->hname, names));
}

/* Each end's host, and each interface in one link or lan only. */
static void resolve_ends(struct parser *p, struct htab *ends)
{
	const struct topo *t = p->t;

	for (size_t li = 0; li < t->n_links; li++) {
		for (size_t ei = 0; ei < t->links[li].n_ends; ei++) {
			char key[TOPO_NAME_LEN + TOPO_IFNAME_LEN + 1];
			struct endpoint *e = &t->links[li].ends[ei];
			size_t h, first;
			int n;

			if (!ht_get_str(&p->hosts, e->hname, &h)) {
				unknown_host(p, e);
				continue;
			}
			e->host = (int)h;
			n = snprintf(key, sizeof(key), "%s:%s", e->hname, e->ifname);
			if (!ht_add(ends, key, (size_t)n, li << END_BITS | ei, &first))
				errat(p, e->loc, "interface %s:%s is used twice (also at line %d)",
				      e->hname, e->ifname, end_at(t, first)->loc.line);
		}
	}
}

static bool link_resolved(const struct link *l)
{
	for (size_t ei = 0; ei < l->n_ends; ei++)
		if (l->ends[ei].host < 0)
			return false;
	return true;
}

/* The first address of each family on every end shares the subnet of the
 * first end that has one. */
static void check_subnets(struct parser *p, const struct link *l)
{
	char a[64], b[64];

	for (int fam = 0; fam < 2; fam++) {
		int family = fam ? AF_INET6 : AF_INET;
		const struct endpoint *fe = NULL;
		const struct prefix *first = NULL;

		for (size_t ei = 0; ei < l->n_ends; ei++) {
			const struct endpoint *e = &l->ends[ei];

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
}

/*
 * A lan across nodes has a tunnel per pair of its nodes (docs/multinode.md),
 * each with a key of its own (topo_lan_key()): none may collide with another
 * link's, lan's or tunnel's key.  Called by check_keys() with every link's
 * key in keys.
 */
static void check_lan_nodes(struct parser *p, size_t li, struct htab *keys)
{
	const struct topo *t = p->t;
	const struct link *l = &t->links[li];
	size_t first;

	if (l->kind != LINK_LAN)
		return;
	for (int a = 0; a < (int)t->n_nodes; a++)
		for (int b = a + 1; b < (int)t->n_nodes && topo_lan_on(t, l, a); b++) {
			uint32_t key;

			if (!topo_lan_on(t, l, b))
				continue;
			key = topo_lan_key(t, li, a, b);
			/* Its own key, on two nodes with `key N', names other devices. */
			if (!ht_add(keys, &key, sizeof(key), li, &first) &&
			    !(first == li && key == l->key))
				errat(p, l->key_set ? l->key_loc : l->loc,
				      "GRE key %u of lan `%s''s tunnel %s-%s collides with %s `%s' at line %d (set another with `key N')",
				      key, l->name, t->nodes[a].name, t->nodes[b].name,
				      t->links[first].kind == LINK_LAN ? "lan" : "link",
				      t->links[first].name, t->links[first].loc.line);
		}
}

/* GRE keys: derived where not given (every node computes the same from
 * the file alone), and different for every link and lan. */
static void check_keys(struct parser *p)
{
	const struct topo *t = p->t;
	struct htab keys = { 0 };
	size_t first;

	for (size_t li = 0; li < t->n_links; li++) {
		struct link *l = &t->links[li];

		if (!l->key_set)
			l->key = topo_link_key(t->slice, l->name);
		if (!ht_add(&keys, &l->key, sizeof(l->key), li, &first))
			errat(p, l->key_set ? l->key_loc : l->loc,
			      "GRE key %u of %s `%s' collides with %s `%s' at line %d (set another with `key N')",
			      l->key, l->kind == LINK_LAN ? "lan" : "link", l->name,
			      t->links[first].kind == LINK_LAN ? "lan" : "link", t->links[first].name,
			      t->links[first].loc.line);
	}
	for (size_t li = 0; li < t->n_links; li++)
		check_lan_nodes(p, li, &keys);
	ht_free(&keys);
}

/* In the table of addresses: the loopbacks of host h, or the addresses of
 * an end (its place in the table of ends). */
static size_t owner_lo(size_t h)
{
	return h << 1;
}

static size_t owner_end(size_t li, size_t ei)
{
	return (li << END_BITS | ei) << 1 | 1;
}

#define ADDR_KEY_LEN 17

static const uint8_t *addr_key(const struct prefix *a, uint8_t key[ADDR_KEY_LEN])
{
	key[0] = (uint8_t)a->family;
	memcpy(key + 1, a->addr.bytes, 16);
	return key;
}

static void loopback_addresses(struct parser *p, struct htab *seen)
{
	const struct topo *t = p->t;
	char a[INET6_ADDRSTRLEN];
	uint8_t key[ADDR_KEY_LEN];
	size_t first;

	for (size_t hi = 0; hi < t->n_hosts; hi++) {
		const struct host *h = &t->hosts[hi];

		for (size_t k = 0; k < h->n_loopbacks; k++) {
			if (ht_add(seen, addr_key(&h->loopbacks[k], key), ADDR_KEY_LEN, owner_lo(hi), &first))
				continue;
			addr_str(&h->loopbacks[k], a, sizeof(a));
			if (first >> 1 == hi)
				errat(p, h->loc, "address %s is given twice to `%s'", a, h->name);
			else
				errat(p, h->loc, "loopback address %s of `%s' is already a loopback address of `%s'",
				      a, h->name, t->hosts[first >> 1].name);
		}
	}
}

static void end_addresses(struct parser *p, struct htab *seen)
{
	const struct topo *t = p->t;
	char a[INET6_ADDRSTRLEN];
	uint8_t key[ADDR_KEY_LEN];
	size_t first;

	for (size_t li = 0; li < t->n_links; li++) {
		for (size_t ei = 0; ei < t->links[li].n_ends; ei++) {
			const struct endpoint *e = &t->links[li].ends[ei], *o;

			for (size_t k = 0; k < e->n_addrs; k++) {
				if (ht_add(seen, addr_key(&e->addrs[k], key), ADDR_KEY_LEN,
					   owner_end(li, ei), &first))
					continue;
				addr_str(&e->addrs[k], a, sizeof(a));
				if (!(first & 1)) {
					errat(p, e->addr_loc, "address %s on %s:%s is a loopback address of `%s'",
					      a, e->hname, e->ifname, t->hosts[first >> 1].name);
					continue;
				}
				o = end_at(t, first >> 1);
				errat(p, e->addr_loc, "address %s on %s:%s is already on %s:%s",
				      a, e->hname, e->ifname, o->hname, o->ifname);
			}
		}
	}
}

/* Every address once in the slice, loopbacks and links' alike. */
static void check_addresses(struct parser *p)
{
	struct htab seen = { 0 };

	loopback_addresses(p, &seen);
	end_addresses(p, &seen);
	ht_free(&seen);
}

/* Route devices are interfaces of their host; no two routes of a host to
 * one destination with one metric (the kernel refuses the second; `default'
 * is 0.0.0.0/0 and `default6' ::/0). */
static void check_routes(struct parser *p, const struct htab *ends)
{
	const struct topo *t = p->t;
	struct htab seen = { 0 };
	char a[64];

	for (size_t hi = 0; hi < t->n_hosts; hi++) {
		const struct host *h = &t->hosts[hi];

		for (size_t r = 0; r < h->n_routes; r++) {
			const struct route *rt = &h->routes[r];
			uint8_t key[sizeof(hi) + ADDR_KEY_LEN + 1 + sizeof(rt->metric)];
			char dev[TOPO_NAME_LEN + TOPO_IFNAME_LEN + 1];
			size_t first;

			snprintf(dev, sizeof(dev), "%s:%s", h->name, rt->dev);
			if (rt->dev[0] && strcmp(rt->dev, "lo") && !ht_get_str(ends, dev, &first))
				errat(p, rt->loc, "route via dev `%s': host `%s' has no such interface",
				      rt->dev, h->name);
			memcpy(key, &hi, sizeof(hi));
			addr_key(&rt->dst, key + sizeof(hi));
			key[sizeof(hi) + ADDR_KEY_LEN] = rt->dst.len;
			memcpy(key + sizeof(hi) + ADDR_KEY_LEN + 1, &rt->metric, sizeof(rt->metric));
			if (!ht_add(&seen, key, sizeof(key), r, &first))
				errat(p, rt->loc, "a second route to %s with metric %u on `%s' (the first is at line %d)",
				      prefix_str(&rt->dst, a, sizeof(a)), rt->metric, h->name,
				      h->routes[first].loc.line);
		}
	}
	ht_free(&seen);
}

/* Each sysctl once per host: a second would silently win over the first. */
static void check_sysctls(struct parser *p)
{
	const struct topo *t = p->t;
	struct htab seen = { 0 };
	size_t first;

	for (size_t hi = 0; hi < t->n_hosts; hi++) {
		const struct host *h = &t->hosts[hi];

		for (size_t k = 0; k < h->n_sysctls; k++) {
			char key[sizeof(hi) + sizeof(h->sysctls[k].key)];
			size_t n = strlen(h->sysctls[k].key);

			memcpy(key, &hi, sizeof(hi));
			memcpy(key + sizeof(hi), h->sysctls[k].key, n);
			if (!ht_add(&seen, key, sizeof(hi) + n, k, &first))
				errat(p, h->sysctls[k].loc, "sysctl `%s' is set twice on `%s' (the first is at line %d)",
				      h->sysctls[k].key, h->name, h->sysctls[first].loc.line);
		}
	}
	ht_free(&seen);
}

/* What a host's /etc receives: its `file' statements and the files that
 * its frr and bird statements install (daemon.c). */
struct etc_file {
	const char *path;
	const char *by;		/* the statement */
	struct loc loc;
};

static const char *const frr_files[] = { "/etc/frr/frr.conf", "/etc/frr/daemons",
	"/etc/frr/vtysh.conf", NULL };
static const char *const bird_files[] = { "/etc/bird/bird.conf", NULL };

static size_t etc_files(const struct host *h, struct etc_file **out)
{
	struct etc_file *f = NULL;
	size_t n = 0;

	for (int i = 0; h->frr.set && frr_files[i]; i++)
		*PUSH(f, n) = (struct etc_file){ frr_files[i], "frr", h->frr.loc };
	for (int i = 0; h->bird.set && bird_files[i]; i++)
		*PUSH(f, n) = (struct etc_file){ bird_files[i], "bird", h->bird.loc };
	for (size_t i = 0; i < h->n_files; i++)
		*PUSH(f, n) = (struct etc_file){ h->files[i].dest, "file", h->files[i].loc };
	*out = f;
	return n;
}

/* One file at each path of a host's /etc, and none under another file. */
static void check_host_files(struct parser *p, const struct host *h)
{
	struct htab seen = { 0 };
	struct etc_file *f;
	size_t n, first;

	if (!h->n_files || !(n = etc_files(h, &f)))
		return;
	for (size_t i = 0; i < n; i++)
		if (!ht_add(&seen, f[i].path, strlen(f[i].path), i, &first))
			errat(p, f[i].loc, "`%s' of `%s' is already installed by the `%s' statement at line %d",
			      f[i].path, h->name, f[first].by, f[first].loc.line);
	for (size_t i = 0; i < n; i++) {
		for (const char *c = f[i].path + 5; (c = strchr(c, '/')); c++) {
			size_t len = (size_t)(c - f[i].path);

			if (ht_get(&seen, f[i].path, len, &first))
				errat(p, f[i].loc, "`%s' of `%s' cannot be installed: `%.*s' is a file (the `%s' statement at line %d)",
				      f[i].path, h->name, (int)len, f[i].path, f[first].by,
				      f[first].loc.line);
		}
	}
	ht_free(&seen);
	free(f);
}

static bool link_crosses(const struct topo *t, const struct link *l)
{
	int n0, n1;

	if (l->kind != LINK_P2P || l->ends[0].host < 0 || l->ends[1].host < 0)
		return false;
	n0 = t->hosts[l->ends[0].host].node;
	n1 = t->hosts[l->ends[1].host].node;
	return n0 >= 0 && n1 >= 0 && n0 != n1;
}

const struct resv *topo_link_resv(const struct topo *t, size_t li)
{
	const struct link *l = &t->links[li];

	if (!link_crosses(t, l))
		return NULL;
	if (l->resv.set)
		return &l->resv;
	return t->resv.set ? &t->resv : NULL;
}

/* Each end's node of a reserved link declares `reservable' and the rates
 * fit in it. */
static void check_resv_nodes(struct parser *p, const struct link *l, const struct resv *r)
{
	const struct topo *t = p->t;

	for (size_t e = 0; e < 2; e++) {
		const struct tnode *n = &t->nodes[t->hosts[l->ends[e].host].node];
		uint64_t c = n->reservable_bps;

		if (!c)
			errat(p, r->loc, "link %s reserves bandwidth but node `%s' declares no `reservable' rate",
			      l->name, n->name);
		else if (r->min_bps > c || r->max_bps > c)
			errat(p, r->loc, "link %s asks for %s %g mbit, more than node `%s' may reserve (%g mbit)",
			      l->name, r->max_bps > c ? "max" : "min",
			      (double)(r->max_bps > c ? r->max_bps : r->min_bps) / 1e6, n->name, (double)c / 1e6);
		else
			continue;
		return;
	}
}

static bool placed(const struct topo *t, const struct link *l)
{
	for (size_t e = 0; e < l->n_ends; e++)
		if (t->hosts[l->ends[e].host].node < 0)
			return false;
	return true;
}

static void check_reservations(struct parser *p)
{
	const struct topo *t = p->t;

	for (size_t li = 0; li < t->n_links; li++) {
		const struct link *l = &t->links[li];
		const struct resv *r;

		if (!link_resolved(l) || (t->n_nodes && !placed(t, l)))
			continue;	/* reported already */
		if (l->resv.set && !link_crosses(t, l)) {
			errat(p, l->resv.loc, "%s %s does not cross nodes: only links between nodes reserve bandwidth (on their underlay)",
			      l->kind == LINK_LAN ? "lan" : "link", l->name);
			continue;
		}
		if ((r = topo_link_resv(t, li)))
			check_resv_nodes(p, l, r);
	}
}

static void check_topology(struct parser *p)
{
	const struct topo *t = p->t;
	struct htab ends = { 0 };

	if (!t->slice[0])
		errat(p, (struct loc){ 1, 1 }, "no `slice NAME' statement (every topology names its slice)");
	check_underlays(p);
	place_hosts(p);
	check_capacities(p);
	resolve_ends(p, &ends);
	for (size_t li = 0; li < t->n_links; li++) {
		if (!link_resolved(&t->links[li]))
			continue;
		check_subnets(p, &t->links[li]);
	}
	check_keys(p);
	check_reservations(p);
	check_addresses(p);
	check_routes(p, &ends);
	check_sysctls(p);
	for (size_t hi = 0; hi < t->n_hosts; hi++)
		check_host_files(p, &t->hosts[hi]);
	check_autoconf(p);
	ht_free(&ends);
}

/* --- entry points ------------------------------------------------------ */

/* The directory relative paths start from, made absolute so that they
 * resolve the same after a chdir(). */
static char *abs_dir(const char *path, const char *dir)
{
	char *copy = strdup(path), *abs, cwd[PATH_MAX];
	const char *d;

	if (!copy)
		abort();
	d = dir ? dir : dirname(copy);
	abs = realpath(d, NULL);
	if (!abs && (d[0] == '/' || !getcwd(cwd, sizeof(cwd))))
		abs = strdup(d);
	else if (!abs && asprintf(&abs, "%s/%s", cwd, d) < 0)
		abort();
	free(copy);
	if (!abs)
		abort();
	return abs;
}

/* One line of len bytes at c (without its newline). */
static void parse_line(struct parser *p, const char *c, size_t len, bool indented)
{
	const char *nul = memchr(c, '\0', len);
	char *work;

	p->line++;
	p->raw = strndup(c, len);	/* up to a NUL byte, if any */
	if (!p->raw)
		abort();
	if (nul)
		errat(p, (struct loc){ p->line, (int)(nul - c) + 1 },
		      "a NUL byte (a topology is text; the rest of the line is ignored)");
	len = strlen(p->raw);
	if (len && p->raw[len - 1] == '\r')
		p->raw[len - 1] = '\0';
	work = strdup(p->raw);
	if (!work)
		abort();
	tokenize(p, work);
	if (p->ntok)
		statement(p, indented);
	free(work);
	free(p->raw);
	p->raw = NULL;
}

int topo_parse_buf(struct topo *t, const char *text, size_t len, const char *path,
		   const char *dir, struct diag *d)
{
	struct parser p = { .t = t, .d = d, .path = path };
	const char *c = text, *end = text + len;

	memset(t, 0, sizeof(*t));
	if (!hash_seed && getrandom(&hash_seed, sizeof(hash_seed), GRND_NONBLOCK) != sizeof(hash_seed))
		hash_seed = 1;
	t->path = strdup(path);
	t->dir = abs_dir(path, dir);
	while (c < end && !p.stop) {
		const char *nl = memchr(c, '\n', (size_t)(end - c));
		size_t n = nl ? (size_t)(nl - c) : (size_t)(end - c);

		parse_line(&p, c, n, n && (c[0] == ' ' || c[0] == '\t'));
		c += n + (nl != NULL);
	}
	p.raw = "";
	p.ntok = 0;
	if (!p.stop)
		check_topology(&p);
	if (!p.nerr)
		autoconf(&p);
	ht_free(&p.hosts);
	ht_free(&p.nodes);
	ht_free(&p.lans);
	if (p.nerr) {
		topo_free(t);
		return -1;
	}
	return 0;
}

int topo_parse_text(struct topo *t, const char *text, const char *path,
		    const char *dir, struct diag *d)
{
	return topo_parse_buf(t, text, strlen(text), path, dir, d);
}

/* The daemon reads a client's files as the client (request.c). */
FILE *src_fopen(const char *path) __attribute__((weak));

int topo_parse_file(struct topo *t, const char *path, const char *dir, struct diag *d)
{
	FILE *f = src_fopen ? src_fopen(path) : fopen(path, "r"), *m;
	char *text = NULL, buf[8192];
	size_t size = 0, n;
	int ret, e;

	memset(t, 0, sizeof(*t));
	if (!f) {
		diag_add(d, "%s: %s", path, strerror(errno));
		return -1;
	}
	m = open_memstream(&text, &size);
	if (!m)
		abort();
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, m);
	e = ferror(f) ? errno : 0;
	fclose(m);
	fclose(f);
	if (e) {
		diag_add(d, "%s: %s", path, strerror(e));
		free(text);
		return -1;
	}
	ret = topo_parse_buf(t, text ? text : "", size, path, dir, d);
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
		free(h->frr.text);
		free(h->bird.text);
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
	free(t->expects);
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

bool topo_lan_on(const struct topo *t, const struct link *l, int node)
{
	for (size_t e = 0; e < l->n_ends; e++)
		if (l->ends[e].host >= 0 && t->hosts[l->ends[e].host].node == node)
			return true;
	return false;
}

uint32_t topo_lan_key(const struct topo *t, size_t li, int a, int b)
{
	const struct link *l = &t->links[li];
	char name[sizeof(l->name) + 2 * TOPO_NAME_LEN + 2];
	uint32_t k = 0;
	int x;

	if (a > b) {
		x = a;
		a = b;
		b = x;
	}
	for (int i = 0; l->key_set && i < (int)t->n_nodes; i++)
		for (int j = i + 1; j < (int)t->n_nodes && topo_lan_on(t, l, i); j++) {
			if (!topo_lan_on(t, l, j))
				continue;
			if (i == a && j == b)
				return l->key + k ? l->key + k : 1;
			k++;
		}
	if (strcmp(t->nodes[a].name, t->nodes[b].name) > 0) {
		x = a;
		a = b;
		b = x;
	}
	snprintf(name, sizeof(name), "%s/%s-%s", l->name, t->nodes[a].name, t->nodes[b].name);
	return topo_link_key(t->slice, name);
}

int disc_parse_args(int argc, char **argv, struct disc *d, struct diag *dg)
{
	char *text = NULL;
	size_t size = 0;
	struct topo t;
	FILE *m;
	int ret;

	/* The same checks and messages as in a file: parse a tiny one, whose
	 * last line is the discipline (and nothing else). */
	for (int i = 0; i < argc; i++) {
		if (strpbrk(argv[i], "\n\r#")) {
			diag_add(dg, "discipline: bad argument `%s' (a line break or `#')", argv[i]);
			return -1;
		}
	}
	m = open_memstream(&text, &size);
	if (!m)
		abort();
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
