// SPDX-License-Identifier: GPL-2.0
/*
 * A GraphML reader (libxml2), for the Internet Topology Zoo's .graphml
 * files.  Attributes are declared by <key id="d29" for="node"
 * attr.name="Latitude"/> and given by <data key="d29">47.37</data>; what is
 * read: node ids and their label, Latitude, Longitude and hyperedge; edge
 * source and target; the graph's label or Network and edgedefault.
 * <hyperedge> elements and nested graphs are refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "netgraph.h"

/* What a <key> stands for, among those read. */
enum attr { A_OTHER, A_LABEL, A_LAT, A_LON, A_HYPER, A_NETWORK };

struct gkey {
	char *id;
	enum attr attr;
};

struct reader {
	struct netgraph *g;
	struct gkey *keys;
	size_t n_keys;
};

static bool named(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static char *prop(const xmlNode *n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

static int line_of(const xmlNode *n)
{
	return (int)xmlGetLineNo(n);
}

static enum attr attr_kind(const char *name, const char *for_)
{
	bool graph = for_ && !strcmp(for_, "graph");

	if (!name)
		return A_OTHER;
	if (graph)
		return !strcmp(name, "label") || !strcmp(name, "Network") ? A_NETWORK : A_OTHER;
	if (!strcmp(name, "label"))
		return A_LABEL;
	if (!strcasecmp(name, "latitude"))
		return A_LAT;
	if (!strcasecmp(name, "longitude"))
		return A_LON;
	return strcmp(name, "hyperedge") ? A_OTHER : A_HYPER;
}

static int add_key(struct reader *r, const xmlNode *n)
{
	char *name = prop(n, "attr.name"), *for_ = prop(n, "for");
	struct gkey *k = reallocarray(r->keys, r->n_keys + 1, sizeof(*k));
	int ret = -1;

	if (!k)
		goto out;
	r->keys = k;
	k[r->n_keys].id = prop(n, "id");
	if (!k[r->n_keys].id) {
		ng_error(r->g, line_of(n), "<key> without an id");
		ret = 0;
		goto out;
	}
	k[r->n_keys++].attr = attr_kind(name, for_);
	ret = 0;
out:
	xmlFree(name);
	xmlFree(for_);
	return ret;
}

static enum attr data_attr(const struct reader *r, const xmlNode *d)
{
	char *key = prop(d, "key");
	enum attr a = A_OTHER;

	for (size_t i = 0; key && i < r->n_keys; i++)
		if (!strcmp(r->keys[i].id, key))
			a = r->keys[i].attr;
	xmlFree(key);
	return a;
}

static bool number(struct reader *r, const xmlNode *d, const char *text, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(text, &end);
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	if (end != text && !*end && !errno)
		return true;
	ng_error(r->g, line_of(d), "`%s' is not a number", text);
	return false;
}

static void node_data(struct reader *r, struct ng_node *n, const xmlNode *d, char *text)
{
	double v;

	switch (data_attr(r, d)) {
	case A_LABEL:
		free(n->label);
		n->label = strdup(text);
		break;
	case A_LAT:
		n->has_lat = number(r, d, text, &n->lat);
		break;
	case A_LON:
		n->has_lon = number(r, d, text, &n->lon);
		break;
	case A_HYPER:
		n->hyperedge = number(r, d, text, &v) && v != 0;
		break;
	default:
		break;
	}
}

static void read_node(struct reader *r, const xmlNode *x)
{
	struct ng_node *n = ng_add_node(r->g, line_of(x));

	if (!n) {
		ng_error(r->g, line_of(x), "%s", strerror(ENOMEM));
		return;
	}
	n->id = prop(x, "id");
	for (const xmlNode *c = x->children; c; c = c->next) {
		char *text;

		if (named(c, "graph"))
			ng_error(r->g, line_of(c), "a graph nested in node `%s': not supported",
				 n->id ? n->id : "?");
		if (!named(c, "data"))
			continue;
		text = (char *)xmlNodeGetContent(c);
		if (text)
			node_data(r, n, c, text);
		xmlFree(text);
	}
}

static void read_edge(struct reader *r, const xmlNode *x)
{
	struct ng_edge *e = ng_add_edge(r->g, line_of(x));

	if (!e) {
		ng_error(r->g, line_of(x), "%s", strerror(ENOMEM));
		return;
	}
	e->src = prop(x, "source");
	e->dst = prop(x, "target");
	e->n_ends = 2;
}

static void graph_data(struct reader *r, const xmlNode *d)
{
	char *text;

	if (r->g->name || data_attr(r, d) != A_NETWORK)
		return;
	text = (char *)xmlNodeGetContent(d);
	r->g->name = text ? strdup(text) : NULL;
	xmlFree(text);
}

static void read_graph(struct reader *r, const xmlNode *x)
{
	char *dir = prop(x, "edgedefault");

	r->g->directed = dir && !strcmp(dir, "directed");
	xmlFree(dir);
	for (const xmlNode *c = x->children; c; c = c->next) {
		if (named(c, "node"))
			read_node(r, c);
		else if (named(c, "edge"))
			read_edge(r, c);
		else if (named(c, "data"))
			graph_data(r, c);
		else if (named(c, "hyperedge"))
			ng_error(r->g, line_of(c), "<hyperedge>: only edges between two nodes can be imported");
	}
}

static void read_root(struct reader *r, const xmlNode *root)
{
	int graphs = 0;

	if (!root || !named(root, "graphml")) {
		ng_error(r->g, root ? line_of(root) : 1, "not GraphML: the root element is not <graphml>");
		return;
	}
	for (const xmlNode *c = root->children; c; c = c->next)
		if (named(c, "key") && add_key(r, c))
			ng_error(r->g, line_of(c), "%s", strerror(ENOMEM));
	for (const xmlNode *c = root->children; c; c = c->next) {
		if (!named(c, "graph"))
			continue;
		if (graphs++)
			ng_error(r->g, line_of(c), "a second <graph>: one graph per file");
		else
			read_graph(r, c);
	}
	if (!graphs)
		ng_error(r->g, line_of(root), "no <graph> in the file");
}

/* libxml2's messages, one line each, as ours: "file:line: message". */
static void xml_error(void *ctx, xmlErrorPtr err)
{
	struct netgraph *g = ctx;
	size_t n = err->message ? strlen(err->message) : 0;

	while (n && err->message[n - 1] == '\n')
		n--;
	ng_error(g, err->line, "%.*s", (int)n, err->message ? err->message : "XML error");
}

int graphml_read(struct netgraph *g, const char *path)
{
	struct reader r = { .g = g };
	xmlDoc *doc;

	g->path = path;
	xmlSetStructuredErrorFunc(g, xml_error);
	/* No network, no entity expansion, no DTD loading. */
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_BIG_LINES);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (!doc) {
		if (!g->errors)
			fprintf(stderr, "trellisd: import: %s: cannot read it\n", path);
		return -1;
	}
	read_root(&r, xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	for (size_t i = 0; i < r.n_keys; i++)
		xmlFree(r.keys[i].id);
	free(r.keys);
	return g->errors ? -1 : ng_resolve(g);
}
