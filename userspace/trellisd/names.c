// SPDX-License-Identifier: GPL-2.0
/* The one validator of names (names.h). */
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "topo.h"

struct name_rule {
	const char *kind;
	size_t max;		/* with the NUL */
	const char *extra;	/* allowed beside letters and digits */
	enum name_edges edges;
	const char *chars;	/* the rule, for messages */
};

static const struct name_rule rules[] = {
	[NAME_SLICE]	= { "slice", TOPO_NAME_LEN, "-_", EDGE_FIRST, "letters, digits, `-' and `_'" },
	[NAME_HOST]	= { "host", TOPO_NAME_LEN, "-_", EDGE_FIRST, "letters, digits, `-' and `_'" },
	[NAME_NODE]	= { "node", TOPO_NAME_LEN, "-_", EDGE_FIRST, "letters, digits, `-' and `_'" },
	[NAME_LAN]	= { "lan", TOPO_NAME_LEN, "-_", EDGE_FIRST, "letters, digits, `-' and `_'" },
	[NAME_IFNAME]	= { "interface", TOPO_IFNAME_LEN, "-_.", EDGE_ANY,
			    "letters, digits, `-', `_' and `.'" },
	[NAME_DAEMON]	= { "daemon", TOPO_NAME_LEN, "-_", EDGE_FIRST, "letters, digits, `-' and `_'" },
	[NAME_HOSTNAME]	= { "hostname", TOPO_HOSTNAME_LEN, "-.", EDGE_BOTH,
			    "dot-separated labels of letters, digits and inner `-'" },
};

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool name_ok(const char *s, size_t n, size_t max, const char *extra, enum name_edges edges)
{
	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!alnum(s[i]) && (!s[i] || !strchr(extra, s[i])))
			return false;
	if (edges != EDGE_ANY && !alnum(s[0]))
		return false;
	return edges != EDGE_BOTH || alnum(s[n - 1]);
}

bool names_ok(const char *s, size_t n, char sep, size_t max, const char *extra,
	      enum name_edges edges)
{
	const char *end = s + n;

	for (;;) {
		const char *next = memchr(s, sep, (size_t)(end - s));
		size_t len = next ? (size_t)(next - s) : (size_t)(end - s);

		if (!name_ok(s, len, max, extra, edges))
			return false;
		if (!next)
			return true;
		s = next + 1;
	}
}

const char *name_kind_str(enum name_kind kind)
{
	return rules[kind].kind;
}

bool name_valid(enum name_kind kind, const char *s, size_t n)
{
	const struct name_rule *r = &rules[kind];

	if (kind == NAME_HOSTNAME)
		return n < r->max && names_ok(s, n, '.', 64, "-", EDGE_BOTH);
	if (kind == NAME_IFNAME && n && n <= 2 && !strncmp(s, "..", n))
		return false;
	return name_ok(s, n, r->max, r->extra, r->edges);
}

/* The reason name_valid() refused s. */
static void explain(const struct name_rule *r, const char *s, size_t n, char *why, size_t len)
{
	unsigned char bad = 0;

	for (size_t i = 0; i < n && !bad; i++)
		if (!alnum(s[i]) && !strchr(r->extra, s[i]))
			bad = (unsigned char)s[i];
	if (n == 0)
		snprintf(why, len, "it is empty");
	else if (n >= r->max)
		snprintf(why, len, "it has %zu characters, more than %zu", n, r->max - 1);
	else if (bad > 0x20 && bad < 0x7f)
		snprintf(why, len, "`%c' is not allowed (%s)", bad, r->chars);
	else if (bad)
		snprintf(why, len, "byte 0x%02x is not allowed (%s)", bad, r->chars);
	else if (!strcmp(s, ".") || !strcmp(s, ".."))
		snprintf(why, len, "`.' and `..' are not names");
	else
		snprintf(why, len, "%s, %s", r->chars,
			 r->edges == EDGE_BOTH ? "beginning and ending with a letter or digit" :
			 "beginning with a letter or digit");
}

int name_check(enum name_kind kind, const char *s, char *why, size_t len)
{
	size_t n = strlen(s);

	if (name_valid(kind, s, n))
		return 0;
	explain(&rules[kind], s, n, why, len);
	return -1;
}

const char *name_quote(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s && o + 8 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (o >= 64) {
			o += (size_t)snprintf(buf + o, len - o, "...");
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	buf[o < len ? o : len - 1] = '\0';
	return buf;
}

bool name_arg_ok(enum name_kind kind, const char *s)
{
	char why[160], q[96];

	if (!name_check(kind, s, why, sizeof(why)))
		return true;
	fprintf(stderr, "trellisd: invalid %s name '%s': %s\n", name_kind_str(kind),
		name_quote(s, q, sizeof(q)), why);
	return false;
}
