// SPDX-License-Identifier: GPL-2.0
/*
 * A GML reader, for the Internet Topology Zoo's .gml files (and what
 * networkx writes).  GML is a list of KEY VALUE pairs; a value is a
 * number, a "string" (no escapes but HTML entities such as &#252;) or a
 * [ list ].  Lines starting with `#' are comments.  What is read:
 *
 *   graph [ directed 1  label "..."  Network "..."
 *           node [ id 0  label "Zürich"  Latitude 47.37  Longitude 8.55  hyperedge 1 ]
 *           edge [ source 0  target 1 ] ]
 *
 * Everything else is skipped, whatever its shape.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "netgraph.h"

#define GML_MAX_DEPTH 64

enum tok { T_EOF, T_KEY, T_NUM, T_STR, T_OPEN, T_CLOSE, T_ERR };

struct lexer {
	FILE *f;
	struct netgraph *g;
	int line;
	enum tok tok;
	int tok_line;
	char *text;		/* the token's text (strings decoded) */
	size_t len, cap;
};

static int put(struct lexer *lx, char c)
{
	if (lx->len + 1 >= lx->cap) {
		size_t ncap = lx->cap ? lx->cap * 2 : 256;
		char *p = realloc(lx->text, ncap);

		if (!p)
			return -1;
		lx->text = p;
		lx->cap = ncap;
	}
	lx->text[lx->len++] = c;
	lx->text[lx->len] = '\0';
	return 0;
}

static int put_utf8(struct lexer *lx, unsigned long cp)
{
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return put(lx, '?');
	if (cp < 0x80)
		return put(lx, (char)cp);
	if (cp < 0x800)
		return put(lx, (char)(0xc0 | cp >> 6)) | put(lx, (char)(0x80 | (cp & 0x3f)));
	if (cp < 0x10000)
		return put(lx, (char)(0xe0 | cp >> 12)) | put(lx, (char)(0x80 | ((cp >> 6) & 0x3f))) |
		       put(lx, (char)(0x80 | (cp & 0x3f)));
	return put(lx, (char)(0xf0 | cp >> 18)) | put(lx, (char)(0x80 | ((cp >> 12) & 0x3f))) |
	       put(lx, (char)(0x80 | ((cp >> 6) & 0x3f))) | put(lx, (char)(0x80 | (cp & 0x3f)));
}

/* An entity after `&' in a string: &#252; &#xfc; &amp; &quot; &lt; &gt;
 * &apos;.  Anything else is kept as written. */
static int entity(struct lexer *lx)
{
	static const struct { const char *name; char c; } named[] = {
		{ "amp", '&' }, { "quot", '"' }, { "lt", '<' }, { "gt", '>' }, { "apos", '\'' },
	};
	char name[16];
	size_t n = 0;
	int c;

	while ((c = getc(lx->f)) != EOF && c != ';' && c != '"' && n < sizeof(name) - 1 &&
	       (isalnum(c) || c == '#'))
		name[n++] = (char)c;
	name[n] = '\0';
	if (c == ';') {
		if (name[0] == '#') {
			char *end;
			unsigned long cp = name[1] == 'x' || name[1] == 'X' ?
				strtoul(name + 2, &end, 16) : strtoul(name + 1, &end, 10);

			if (!*end && end != name + 1)
				return put_utf8(lx, cp);
		}
		for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
			if (!strcmp(name, named[i].name))
				return put(lx, named[i].c);
	}
	if (put(lx, '&'))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (put(lx, name[i]))
			return -1;
	if (c != EOF && c != ';')
		ungetc(c, lx->f);
	else if (c == ';')
		return put(lx, ';');
	return 0;
}

static enum tok lex_string(struct lexer *lx)
{
	int c;

	while ((c = getc(lx->f)) != '"') {
		if (c == EOF) {
			ng_error(lx->g, lx->tok_line, "string not closed before the end of the file");
			return T_ERR;
		}
		if (c == '\n')
			lx->line++;
		if ((c == '&' ? entity(lx) : put(lx, (char)c)))
			return T_ERR;
	}
	return T_STR;
}

/* A key ([A-Za-z_][A-Za-z0-9_]*) or a number, from its first character. */
static enum tok lex_word(struct lexer *lx, int c)
{
	bool key = isalpha(c) || c == '_';

	do {
		if (put(lx, (char)c))
			return T_ERR;
		c = getc(lx->f);
	} while (c != EOF && !isspace(c) && c != '[' && c != ']' && c != '"');
	if (c != EOF)
		ungetc(c, lx->f);
	if (key) {
		for (const char *s = lx->text; *s; s++)
			if (!isalnum((unsigned char)*s) && *s != '_')
				goto bad;
		return T_KEY;
	}
	{
		char *end;

		errno = 0;
		strtod(lx->text, &end);
		if (!*end && !errno)
			return T_NUM;
	}
bad:
	ng_error(lx->g, lx->tok_line, "unexpected `%s'", lx->text);
	return T_ERR;
}

static enum tok next(struct lexer *lx)
{
	int c;

	lx->len = 0;
	if (lx->text)
		lx->text[0] = '\0';
	for (;;) {
		c = getc(lx->f);
		if (c == '#')	/* a comment, to the end of the line */
			while ((c = getc(lx->f)) != EOF && c != '\n')
				;
		if (c == '\n') {
			lx->line++;
			continue;
		}
		if (c == EOF || !isspace(c))
			break;
	}
	lx->tok_line = lx->line;
	if (c == EOF)
		lx->tok = T_EOF;
	else if (c == '[')
		lx->tok = T_OPEN;
	else if (c == ']')
		lx->tok = T_CLOSE;
	else if (c == '"')
		lx->tok = lex_string(lx);
	else
		lx->tok = lex_word(lx, c);
	return lx->tok;
}

/* Skips the value whose first token is current. */
static int skip_value(struct lexer *lx, int depth)
{
	if (lx->tok != T_OPEN)
		return lx->tok == T_NUM || lx->tok == T_STR ? 0 : -1;
	if (depth >= GML_MAX_DEPTH) {
		ng_error(lx->g, lx->tok_line, "lists nested more than %d deep", GML_MAX_DEPTH);
		return -1;
	}
	while (next(lx) == T_KEY)
		if (next(lx) == T_EOF || skip_value(lx, depth + 1))
			return -1;
	return lx->tok == T_CLOSE ? 0 : -1;
}

static int expect_error(struct lexer *lx, const char *what)
{
	if (lx->tok == T_ERR)
		return -1;
	if (lx->tok == T_EOF)
		ng_error(lx->g, lx->tok_line, "%s expected, got the end of the file", what);
	else
		ng_error(lx->g, lx->tok_line, "%s expected, got `%s'", what,
			 lx->tok == T_OPEN ? "[" : lx->tok == T_CLOSE ? "]" : lx->text);
	return -1;
}

/* A number, or a string that holds one. */
static int number(struct lexer *lx, const char *key, double *v, bool *set)
{
	char *end;

	if (lx->tok == T_NUM || lx->tok == T_STR) {
		errno = 0;
		*v = strtod(lx->text, &end);
		if (lx->len && !*end && !errno) {
			*set = true;
			return 0;
		}
	}
	if (lx->tok == T_ERR)
		return -1;
	ng_error(lx->g, lx->tok_line, "`%s' is not a number", key);
	return -1;
}

/* A scalar as text: an id or a label. */
static int scalar(struct lexer *lx, const char *key, char **out)
{
	if (lx->tok != T_NUM && lx->tok != T_STR)
		return expect_error(lx, key);
	if (*out) {
		ng_error(lx->g, lx->tok_line, "`%s' given twice", key);
		return -1;
	}
	*out = strdup(lx->text);
	return *out ? 0 : -1;
}

static int node_item(struct lexer *lx, struct ng_node *n, const char *key)
{
	bool set = false;
	double v;

	if (!strcmp(key, "id"))
		return scalar(lx, key, &n->id);
	if (!strcmp(key, "label"))
		return scalar(lx, key, &n->label);
	if (!strcasecmp(key, "latitude"))
		return number(lx, key, &n->lat, &n->has_lat);
	if (!strcasecmp(key, "longitude"))
		return number(lx, key, &n->lon, &n->has_lon);
	if (!strcmp(key, "hyperedge")) {
		if (number(lx, key, &v, &set))
			return -1;
		n->hyperedge = v != 0;
		return 0;
	}
	return skip_value(lx, 2);
}

static int edge_item(struct lexer *lx, struct ng_edge *e, const char *key)
{
	bool src = !strcmp(key, "source");

	if (!src && strcmp(key, "target"))
		return skip_value(lx, 2);
	if (lx->tok != T_NUM && lx->tok != T_STR)
		return expect_error(lx, key);
	e->n_ends++;
	if (src ? e->src : e->dst)
		return 0;	/* one end too many: ng_resolve() says so */
	*(src ? &e->src_line : &e->dst_line) = lx->tok_line;
	return scalar(lx, key, src ? &e->src : &e->dst);
}

/* node [ ... ] or edge [ ... ], after its key. */
static int element(struct lexer *lx, bool is_node)
{
	struct ng_edge *e = NULL;
	struct ng_node *n = NULL;
	char *key;
	int ret = 0;

	if (lx->tok != T_OPEN)
		return expect_error(lx, is_node ? "`[' after node" : "`[' after edge");
	if (is_node ? !(n = ng_add_node(lx->g, lx->tok_line)) : !(e = ng_add_edge(lx->g, lx->tok_line)))
		return -1;
	while (!ret && next(lx) == T_KEY) {
		key = strdup(lx->text);
		if (!key)
			return -1;
		next(lx);
		/* the arrays may move: take the element again */
		ret = is_node ? node_item(lx, &lx->g->nodes[lx->g->n_nodes - 1], key) :
				edge_item(lx, &lx->g->edges[lx->g->n_edges - 1], key);
		free(key);
	}
	if (ret || lx->tok == T_CLOSE)
		return ret;
	return expect_error(lx, "a key or `]'");
}

static int graph_item(struct lexer *lx, const char *key)
{
	bool set = false;
	double v;

	if (!strcmp(key, "node") || !strcmp(key, "edge"))
		return element(lx, key[0] == 'n');
	if (!strcmp(key, "directed")) {
		if (number(lx, key, &v, &set))
			return -1;
		lx->g->directed = v != 0;
		return 0;
	}
	if ((!strcmp(key, "label") || !strcmp(key, "Network")) && lx->tok == T_STR && !lx->g->name) {
		lx->g->name = strdup(lx->text);
		return lx->g->name ? 0 : -1;
	}
	return skip_value(lx, 1);
}

static int graph(struct lexer *lx)
{
	char *key;
	int ret = 0;

	if (lx->tok != T_OPEN)
		return expect_error(lx, "`[' after graph");
	while (!ret && next(lx) == T_KEY) {
		key = strdup(lx->text);
		if (!key)
			return -1;
		next(lx);
		ret = graph_item(lx, key);
		free(key);
	}
	if (ret || lx->tok == T_CLOSE)
		return ret;
	return expect_error(lx, "a key or `]'");
}

static int top_level(struct lexer *lx)
{
	bool seen = false;

	while (next(lx) == T_KEY) {
		bool is_graph = !strcmp(lx->text, "graph");

		next(lx);
		if (is_graph && seen) {
			ng_error(lx->g, lx->tok_line, "a second graph: one graph per file");
			return -1;
		}
		if (is_graph ? graph(lx) : skip_value(lx, 0))
			return -1;
		seen |= is_graph;
	}
	if (lx->tok != T_EOF)
		return expect_error(lx, "a key");
	if (!seen)
		ng_error(lx->g, lx->line, "no `graph [ ... ]' in the file");
	return seen ? 0 : -1;
}

int gml_read(struct netgraph *g, const char *path)
{
	struct lexer lx = { .g = g, .line = 1 };
	int ret;

	g->path = path;
	lx.f = fopen(path, "r");
	if (!lx.f) {
		fprintf(stderr, "trellisd: import: %s: %s\n", path, strerror(errno));
		return -1;
	}
	ret = top_level(&lx);
	if (ret && !g->errors)
		ng_error(g, lx.tok_line, "%s", errno == ENOMEM ? strerror(ENOMEM) : "cannot read the file");
	fclose(lx.f);
	free(lx.text);
	return ret || g->errors ? -1 : ng_resolve(g);
}
