// SPDX-License-Identifier: GPL-2.0
/* Host names from node labels (labels.h). */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"

/* Latin-1 Supplement and Latin Extended-A letters, U+00C0 to U+017F, in
 * ASCII (their decomposition without the accents; æ, ß, ø, ł, œ, þ by
 * their usual spelling); "" for × and ÷. */
static const char *const latin[] = {
	"a", "a", "a", "a", "a", "a", "ae", "c",	/* U+00C0 */
	"e", "e", "e", "e", "i", "i", "i", "i",		/* U+00C8 */
	"d", "n", "o", "o", "o", "o", "o", "",		/* U+00D0 */
	"o", "u", "u", "u", "u", "y", "th", "ss",	/* U+00D8 */
	"a", "a", "a", "a", "a", "a", "ae", "c",	/* U+00E0 */
	"e", "e", "e", "e", "i", "i", "i", "i",		/* U+00E8 */
	"d", "n", "o", "o", "o", "o", "o", "",		/* U+00F0 */
	"o", "u", "u", "u", "u", "y", "th", "y",	/* U+00F8 */
	"a", "a", "a", "a", "a", "a", "c", "c",		/* U+0100 */
	"c", "c", "c", "c", "c", "c", "d", "d",		/* U+0108 */
	"d", "d", "e", "e", "e", "e", "e", "e",		/* U+0110 */
	"e", "e", "e", "e", "g", "g", "g", "g",		/* U+0118 */
	"g", "g", "g", "g", "h", "h", "h", "h",		/* U+0120 */
	"i", "i", "i", "i", "i", "i", "i", "i",		/* U+0128 */
	"i", "i", "ij", "ij", "j", "j", "k", "k",	/* U+0130 */
	"k", "l", "l", "l", "l", "l", "l", "l",		/* U+0138 */
	"l", "l", "l", "n", "n", "n", "n", "n",		/* U+0140 */
	"n", "n", "n", "n", "o", "o", "o", "o",		/* U+0148 */
	"o", "o", "oe", "oe", "r", "r", "r", "r",	/* U+0150 */
	"r", "r", "s", "s", "s", "s", "s", "s",		/* U+0158 */
	"s", "s", "t", "t", "t", "t", "t", "t",		/* U+0160 */
	"u", "u", "u", "u", "u", "u", "u", "u",		/* U+0168 */
	"u", "u", "u", "u", "w", "w", "y", "y",		/* U+0170 */
	"y", "z", "z", "z", "z", "z", "z", "s",		/* U+0178 */
};

/* One code point from s (advanced past it); invalid bytes give 0xfffd. */
static uint32_t utf8_next(const unsigned char **s)
{
	const unsigned char *p = *s;
	uint32_t cp;
	int n;

	if (p[0] < 0x80) {
		*s = p + 1;
		return p[0];
	}
	n = p[0] >= 0xf0 && p[0] < 0xf5 ? 3 : p[0] >= 0xe0 ? 2 : p[0] >= 0xc2 ? 1 : 0;
	if (p[0] >= 0xf5)
		n = 0;
	cp = p[0] & (0x3f >> n);
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*s = p + i;
			return 0xfffd;
		}
		cp = cp << 6 | (p[i] & 0x3f);
	}
	*s = p + n + 1;
	return n ? cp : 0xfffd;
}

/* The ASCII spelling of one code point: "" for a separator. */
static const char *ascii_of(uint32_t cp, char buf[2])
{
	if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
		buf[0] = (char)cp;
		return buf;
	}
	if (cp >= 'A' && cp <= 'Z') {
		buf[0] = (char)(cp - 'A' + 'a');
		return buf;
	}
	if (cp >= 0xc0 && cp < 0x180)
		return latin[cp - 0xc0];
	if (cp >= 0x218 && cp <= 0x21b)	/* Romanian ș ț with comma below */
		return cp < 0x21a ? "s" : "t";
	return "";
}

void label_ascii(const char *utf8, char *out, size_t len)
{
	const unsigned char *s = (const unsigned char *)utf8;
	bool sep = false;
	size_t n = 0;

	while (*s && len) {
		char one[2] = { 0, 0 };
		const char *a = ascii_of(utf8_next(&s), one);
		size_t alen = strlen(a);

		if (!alen) {
			sep = n > 0;
			continue;
		}
		if (n + sep + alen > len - 1)
			break;
		if (sep)
			out[n++] = '-';
		memcpy(out + n, a, alen);
		n += alen;
		sep = false;
	}
	if (len)
		out[n] = '\0';
}

struct nameset {
	char (*names)[TOPO_NAME_LEN];
	size_t *slots;		/* index + 1; 0: empty */
	size_t mask;
};

static size_t hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return (size_t)h;
}

/* Adds names[i] if it is not taken; false if it is. */
static bool take(struct nameset *ns, size_t i)
{
	size_t s = hash(ns->names[i]) & ns->mask;

	for (; ns->slots[s]; s = (s + 1) & ns->mask)
		if (!strcmp(ns->names[ns->slots[s] - 1], ns->names[i]))
			return false;
	ns->slots[s] = i + 1;
	return true;
}

static void base_name(const struct ng_node *n, char *out)
{
	char id[TOPO_NAME_LEN - 1];

	out[0] = '\0';
	if (n->label)
		label_ascii(n->label, out, TOPO_NAME_LEN);
	if (out[0])
		return;
	label_ascii(n->id ? n->id : "", id, sizeof(id));
	snprintf(out, TOPO_NAME_LEN, "n%s", id);
}

int label_names(const struct netgraph *g, char (*names)[TOPO_NAME_LEN])
{
	struct nameset ns = { .names = names, .mask = 15 };

	while (ns.mask + 1 < 2 * g->n_nodes)
		ns.mask = ns.mask * 2 + 1;
	ns.slots = calloc(ns.mask + 1, sizeof(*ns.slots));
	if (!ns.slots)
		return -1;
	for (size_t i = 0; i < g->n_nodes; i++) {
		char base[TOPO_NAME_LEN];

		base_name(&g->nodes[i], base);
		snprintf(names[i], TOPO_NAME_LEN, "%s", base);
		for (unsigned int k = 2; !take(&ns, i); k++) {
			char suffix[16];
			int bl = (int)(TOPO_NAME_LEN - 1 - (size_t)snprintf(suffix, sizeof(suffix), "-%u", k));

			if (bl > (int)strlen(base))
				bl = (int)strlen(base);
			while (bl > 0 && base[bl - 1] == '-')	/* never "a--2" */
				bl--;
			snprintf(names[i], TOPO_NAME_LEN, "%.*s%s", bl, base, suffix);
		}
	}
	free(ns.slots);
	return 0;
}
