// SPDX-License-Identifier: GPL-2.0
/*
 * trellisd graph FILE|SLICE -o OUT.svg|.png|.dot: draws a slice with
 * Graphviz's libraries (cgraph builds the graph, gvc lays it out and
 * renders it; no `dot' process, and errors come back as return values).
 * Hosts are grouped by physical node (clusters), links labelled with
 * their ends' addresses, disciplines and reservations, links across nodes
 * drawn bold with their GRE key.  For a deployed SLICE, the interfaces of
 * the hosts on this machine and its tunnels are looked up: an end that is
 * down or missing turns its link red, and the counters join the labels.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include "disc.h"
#include "host.h"
#include "names.h"
#include "reserve.h"
#include "rtnl.h"
#include "state.h"
#include "topo.h"
#include "trellisd.h"
#include "tools.h"

#define OPER_UP 6	/* IF_OPER_UP */
#define OPER_UNKNOWN 0	/* tunnels that are up say unknown */

static const char usage[] =
	"usage: trellisd graph FILE|SLICE -o OUT.svg|OUT.png|OUT.dot [--layout dot|neato|fdp|sfdp|circo]\n";

/* What was found of one link end (or tunnel) on this machine. */
struct live {
	bool known;		/* looked up: the host runs here */
	bool present, up;
	uint64_t rx, tx;
};

struct drawing {
	const struct topo *t;
	Agraph_t *g;
	Agraph_t **clusters;	/* per node; NULL: no nodes */
	Agnode_t **hosts;
	struct live **ends;	/* per link, per end; NULL: static drawing */
	struct live *tunnels;	/* per link */
	bool laid_out;		/* not to be closed: see render() */
};

static void set(void *obj, const char *attr, const char *value)
{
	agsafeset(obj, (char *)attr, (char *)value, "");
}

/* A discipline as the language writes it. */
static void disc_str(const struct disc *d, FILE *m)
{
	char buf[256];

	disc_format(d, buf, sizeof(buf));
	fputs(buf, m);
}

static void resv_str(const struct resv *r, FILE *m)
{
	char a[32], b[32];

	resv_rate_str(r->min_bps, a, sizeof(a));
	resv_rate_str(r->max_bps, b, sizeof(b));
	if (r->min_bps && r->min_bps == r->max_bps)
		fprintf(m, "\\nreserve static %s", a);
	else if (r->min_bps && r->max_bps)
		fprintf(m, "\\nreserve min %s max %s", a, b);
	else if (r->min_bps)
		fprintf(m, "\\nreserve min %s", a);
	else if (r->max_bps)
		fprintf(m, "\\nreserve max %s", b);
}

static bool crosses(const struct topo *t, const struct link *l)
{
	return l->kind == LINK_P2P && l->n_ends == 2 &&
	       t->hosts[l->ends[0].host].node != t->hosts[l->ends[1].host].node;
}

/* The label of an end: interface, addresses, live counters. */
static void end_label(const struct drawing *dr, size_t li, size_t e, char *buf, size_t len)
{
	const struct endpoint *ep = &dr->t->links[li].ends[e];
	FILE *m = fmemopen(buf, len, "w");
	char a[64];

	if (!m)
		return;
	fprintf(m, "%s", ep->ifname);
	for (size_t i = 0; i < ep->n_addrs; i++)
		fprintf(m, "\\n%s", prefix_str(&ep->addrs[i], a, sizeof(a)));
	if (dr->ends && dr->ends[li][e].known) {
		const struct live *lv = &dr->ends[li][e];

		if (!lv->present)
			fputs("\\nMISSING", m);
		else
			fprintf(m, "\\n%srx %llu tx %llu", lv->up ? "" : "DOWN ",
				(unsigned long long)lv->rx, (unsigned long long)lv->tx);
	}
	fputc('\0', m);
	fclose(m);
}

/* The label in the middle: disciplines, reservation, tunnel key. */
static void link_label(const struct drawing *dr, size_t li, char *buf, size_t len)
{
	const struct link *l = &dr->t->links[li];
	const struct resv *r = topo_link_resv(dr->t, li);
	FILE *m = fmemopen(buf, len, "w");

	if (!m)
		return;
	if (crosses(dr->t, l)) {
		fprintf(m, "GRE key 0x%08x", l->key);
		if (dr->tunnels && dr->tunnels[li].known) {
			const struct live *tv = &dr->tunnels[li];

			if (!tv->present)
				fputs("\\ntunnel MISSING", m);
			else
				fprintf(m, "\\ntunnel %srx %llu tx %llu", tv->up ? "" : "DOWN ",
					(unsigned long long)tv->rx, (unsigned long long)tv->tx);
		}
	}
	if (l->n_ends == 2 && disc_equal(&l->ends[0].disc, &l->ends[1].disc) &&
	    l->ends[0].disc.set) {
		fputs("\\n", m);
		disc_str(&l->ends[0].disc, m);
	} else {
		for (size_t e = 0; e < l->n_ends && l->kind == LINK_P2P; e++) {
			if (!l->ends[e].disc.set)
				continue;
			fprintf(m, "\\n%s: ", l->ends[e].hname);
			disc_str(&l->ends[e].disc, m);
		}
	}
	if (r)
		resv_str(r, m);
	fputc('\0', m);
	fclose(m);
	if (!strncmp(buf, "\\n", 2))	/* Graphviz's line break */
		memmove(buf, buf + 2, strlen(buf + 1));
}

/* Is any end of link li known to be down, missing, or its tunnel gone? */
static bool link_down(const struct drawing *dr, size_t li)
{
	const struct link *l = &dr->t->links[li];

	if (dr->tunnels && dr->tunnels[li].known &&
	    (!dr->tunnels[li].present || !dr->tunnels[li].up))
		return true;
	for (size_t e = 0; dr->ends && e < l->n_ends; e++)
		if (dr->ends[li][e].known && (!dr->ends[li][e].present || !dr->ends[li][e].up))
			return true;
	return false;
}

static void draw_p2p(struct drawing *dr, size_t li)
{
	const struct link *l = &dr->t->links[li];
	char label[512], tail[256], head[256];
	Agedge_t *e;

	e = agedge(dr->g, dr->hosts[l->ends[0].host], dr->hosts[l->ends[1].host],
		   (char *)l->name, 1);
	if (!e)
		return;
	link_label(dr, li, label, sizeof(label));
	end_label(dr, li, 0, tail, sizeof(tail));
	end_label(dr, li, 1, head, sizeof(head));
	set(e, "label", label);
	set(e, "taillabel", tail);
	set(e, "headlabel", head);
	if (crosses(dr->t, l)) {
		set(e, "style", "bold");
		set(e, "color", "blue");
	}
	if (link_down(dr, li)) {
		set(e, "color", "red");
		set(e, "fontcolor", "red");
	}
}

/* A lan: a small node of its own, an edge to each member. */
static void draw_lan(struct drawing *dr, size_t li)
{
	const struct link *l = &dr->t->links[li];
	char name[640], label[512], end[256];
	Agnode_t *ln;

	snprintf(name, sizeof(name), "lan %s", l->name);
	ln = agnode(dr->g, name, 1);
	if (!ln)
		return;
	link_label(dr, li, label, sizeof(label));
	snprintf(name, sizeof(name), "lan %s%s%s", l->name, label[0] ? "\\n" : "", label);
	set(ln, "label", name);
	set(ln, "shape", "ellipse");
	set(ln, "style", link_down(dr, li) ? "dashed" : "solid");
	for (size_t e = 0; e < l->n_ends; e++) {
		Agedge_t *ed = agedge(dr->g, dr->hosts[l->ends[e].host], ln, NULL, 1);

		if (!ed)
			continue;
		end_label(dr, li, e, end, sizeof(end));
		set(ed, "taillabel", end);
		if (dr->ends && dr->ends[li][e].known &&
		    (!dr->ends[li][e].present || !dr->ends[li][e].up))
			set(ed, "color", "red");
	}
}

static void draw_hosts(struct drawing *dr)
{
	const struct topo *t = dr->t;
	char label[512], a[64];

	for (size_t k = 0; k < t->n_nodes; k++) {
		char name[64];

		snprintf(name, sizeof(name), "cluster_%s", t->nodes[k].name);
		dr->clusters[k] = agsubg(dr->g, name, 1);
		snprintf(label, sizeof(label), "node %s (%s)", t->nodes[k].name,
			 addr_str(&t->nodes[k].underlay, a, sizeof(a)));
		set(dr->clusters[k], "label", label);
		set(dr->clusters[k], "style", "rounded");
	}
	for (size_t h = 0; h < t->n_hosts; h++) {
		const struct host *ho = &t->hosts[h];
		Agraph_t *in = ho->node >= 0 && dr->clusters ? dr->clusters[ho->node] : dr->g;
		FILE *m = fmemopen(label, sizeof(label), "w");

		dr->hosts[h] = agnode(in, (char *)ho->name, 1);
		if (!m || !dr->hosts[h])
			continue;
		fputs(ho->name, m);
		for (size_t i = 0; i < ho->n_loopbacks; i++)
			fprintf(m, "\\n%s", prefix_str(&ho->loopbacks[i], a, sizeof(a)));
		if (ho->frr.set)
			fputs("\\nfrr", m);
		if (ho->bird.set)
			fputs("\\nbird", m);
		fputc('\0', m);
		fclose(m);
		set(dr->hosts[h], "label", label);
	}
}

static int build(struct drawing *dr)
{
	char title[128];

	dr->g = agopen((char *)dr->t->slice, Agundirected, NULL);
	dr->hosts = calloc(dr->t->n_hosts + 1, sizeof(*dr->hosts));
	dr->clusters = dr->t->n_nodes ? calloc(dr->t->n_nodes, sizeof(*dr->clusters)) : NULL;
	if (!dr->g || !dr->hosts || (dr->t->n_nodes && !dr->clusters))
		return -1;
	snprintf(title, sizeof(title), "slice %s", dr->t->slice);
	set(dr->g, "label", title);
	set(dr->g, "labelloc", "t");
	set(dr->g, "fontname", "Helvetica");
	agattr(dr->g, AGNODE, "shape", "box");
	agattr(dr->g, AGNODE, "fontname", "Helvetica");
	agattr(dr->g, AGEDGE, "fontname", "Helvetica");
	agattr(dr->g, AGEDGE, "fontsize", "9");
	draw_hosts(dr);
	for (size_t li = 0; li < dr->t->n_links; li++) {
		if (dr->t->links[li].kind == LINK_LAN)
			draw_lan(dr, li);
		else if (dr->t->links[li].n_ends == 2)
			draw_p2p(dr, li);
	}
	return 0;
}

static void look_up(struct nl *nl, const char *dev, struct live *lv)
{
	unsigned int flags = 0;
	int oper = 0;

	lv->known = true;
	lv->present = !rtnl_link_state(nl, dev, &flags, &oper, &lv->rx, &lv->tx);
	lv->up = (flags & IFF_UP) && (oper == OPER_UP || oper == OPER_UNKNOWN);
}

/* The ends of the links of one running host. */
static void live_host(struct drawing *dr, const struct jentry *je, int rootfd)
{
	int hi = topo_host(dr->t, je->name);
	struct hrt r = { .netfd = -1 };

	if (hi < 0 || !host_alive(je) || host_attach(&r, je->pid, rootfd))
		return;
	for (size_t li = 0; li < dr->t->n_links; li++)
		for (size_t e = 0; e < dr->t->links[li].n_ends; e++)
			if (dr->t->links[li].ends[e].host == hi)
				look_up(r.nl, dr->t->links[li].ends[e].ifname, &dr->ends[li][e]);
	host_detach(&r);
}

/* The tunnels of this machine's cross-node links (deploy.c names them
 * tgKEY); a link neither of whose hosts runs here is left unknown. */
static void live_tunnels(struct drawing *dr)
{
	struct nl nl;

	if (nl_open(&nl, NETLINK_ROUTE))
		return;
	for (size_t li = 0; li < dr->t->n_links; li++) {
		const struct link *l = &dr->t->links[li];
		char dev[IFNAMSIZ];

		if (!crosses(dr->t, l) || !(dr->ends[li][0].known || dr->ends[li][1].known))
			continue;
		snprintf(dev, sizeof(dev), "tg%08x", l->key);
		look_up(&nl, dev, &dr->tunnels[li]);
	}
	nl_close(&nl);
}

static void live_free(struct drawing *dr)
{
	if (dr->ends)
		for (size_t li = 0; li < dr->t->n_links; li++)
			free(dr->ends[li]);
	free(dr->ends);
	free(dr->tunnels);
	dr->ends = NULL;
	dr->tunnels = NULL;
}

static int live_alloc(struct drawing *dr)
{
	dr->ends = calloc(dr->t->n_links + 1, sizeof(*dr->ends));
	dr->tunnels = calloc(dr->t->n_links + 1, sizeof(*dr->tunnels));
	if (!dr->ends || !dr->tunnels)
		return -1;
	for (size_t li = 0; li < dr->t->n_links; li++) {
		dr->ends[li] = calloc(dr->t->links[li].n_ends, sizeof(**dr->ends));
		if (!dr->ends[li])
			return -1;
	}
	return 0;
}

/* Failing, it leaves the drawing static. */
static int live_state(struct drawing *dr, const char *slice)
{
	int rootfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	struct journal j = { 0 };

	if (rootfd < 0 || live_alloc(dr)) {
		if (rootfd >= 0)
			close(rootfd);
		live_free(dr);
		return -1;
	}
	if (!journal_load(slice, &j)) {
		for (size_t i = 0; i < j.n; i++)
			if (!strcmp(j.e[i].kind, "host"))
				live_host(dr, &j.e[i], rootfd);
		journal_free(&j);
	}
	close(rootfd);
	live_tunnels(dr);
	return 0;
}

static void drawing_free(struct drawing *dr)
{
	live_free(dr);
	free(dr->hosts);
	free(dr->clusters);
	if (dr->g && !dr->laid_out)
		agclose(dr->g);
}

/* svg, png or dot from the name's extension; NULL if none of them. */
static const char *out_format(const char *out)
{
	const char *dot = strrchr(out, '.');

	if (!dot)
		return NULL;
	if (!strcasecmp(dot, ".svg"))
		return "svg";
	if (!strcasecmp(dot, ".png"))
		return "png";
	if (!strcasecmp(dot, ".dot") || !strcasecmp(dot, ".gv"))
		return "dot";
	return NULL;
}

/* Through the daemon, as its client (src_open): the picture is the
 * client's file, where the client may write. */
static FILE *open_out(const char *out)
{
	int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
	int fd = src_open ? src_open(out, flags) : open(out, flags, 0644);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");

	if (!f)
		errorf("graph: %s: %s", out, strerror(errno));
	if (!f && fd >= 0)
		close(fd);
	return f;
}

static int close_out(FILE *f, const char *out, int ret)
{
	if (fclose(f) && !ret) {
		errorf("graph: %s: %s", out, strerror(errno));
		ret = -1;
	}
	return ret;
}

/* DOT is written as built (no positions), for the reader to lay out; SVG
 * and PNG are laid out first, so a bad layout leaves no file behind. */
static int render(struct drawing *dr, const char *format, const char *layout, const char *out)
{
	GVC_t *gvc;
	FILE *f;
	int ret;

	if (!strcmp(format, "dot")) {
		f = open_out(out);
		if (!f)
			return -1;
		ret = agwrite(dr->g, f) ? -1 : 0;
		if (ret)
			errorf("graph: %s: cannot write DOT", out);
		return close_out(f, out, ret);
	}
	gvc = gvContext();
	if (!gvc)
		return -1;
	ret = gvLayout(gvc, dr->g, layout);
	if (ret) {
		errorf("graph: %s: layout `%s' failed", out, layout);
	} else {
		/*
		 * No gvFreeLayout(): Debian 12's dot layout frees a block twice
		 * in dot_cleanup() for some graphs with clusters and edge labels
		 * (750 hosts on 2 nodes; valgrind: invalid free under
		 * gvFreeLayout), a known Graphviz bug.  The command ends here,
		 * so the layout and the graph are left for the exit to reclaim.
		 */
		dr->laid_out = true;
		f = open_out(out);
		ret = f ? gvRender(gvc, dr->g, format, f) : -1;
		if (f && ret)
			errorf("graph: %s: cannot render %s", out, format);
		if (f)
			ret = close_out(f, out, ret);
	}
	gvFreeContext(gvc);
	return ret ? -1 : 0;
}

/* A file if there is one by that name, else a deployed slice. */
static int load(const char *arg, struct topo *t, bool *deployed)
{
	struct diag d = { 0 };
	int ret;

	*deployed = access(arg, F_OK) && !strchr(arg, '/');
	if (*deployed) {
		if (!name_arg_ok(NAME_SLICE, arg))
			return -1;
		if (!slice_exists(arg)) {
			errorf("graph: `%s' is neither a file nor a deployed slice", arg);
			return -1;
		}
		ret = state_topo(arg, t, &d);
	} else {
		ret = topo_parse_file(t, arg, NULL, &d);
	}
	if (ret) {
		diag_print(&d);
		diag_free(&d);
	}
	return ret ? -1 : 0;
}

static int parse_args(int argc, char **argv, const char **in, const char **out,
		      const char **layout)
{
	for (int i = 1; i < argc; i++) {
		bool valued = !strcmp(argv[i], "-o") || !strcmp(argv[i], "--layout");

		if (valued && i + 1 < argc) {
			*(argv[i][1] == 'o' ? out : layout) = argv[i + 1];
			i++;
		} else if (argv[i][0] != '-' && !*in) {
			*in = argv[i];
		} else {
			return -1;
		}
	}
	return *in && *out ? 0 : -1;
}

int tools_graph(int argc, char **argv)
{
	const char *in = NULL, *out = NULL, *layout = "dot", *format;
	struct drawing dr = { 0 };
	bool deployed;
	struct topo t;
	int ret = 1;

	if (parse_args(argc, argv, &in, &out, &layout)) {
		fputs(usage, stderr);
		return 2;
	}
	format = out_format(out);
	if (!format) {
		errorf("graph: %s: the name must end in .svg, .png or .dot (or .gv)", out);
		return 2;
	}
	if (load(in, &t, &deployed))
		return 1;
	dr.t = &t;
	if (deployed && live_state(&dr, in))
		warnf("graph %s: live state unavailable: %s", in, strerror(errno));
	if (build(&dr))
		errorf("graph: %s", strerror(ENOMEM));
	else if (!render(&dr, format, layout, out))
		ret = 0;
	drawing_free(&dr);
	topo_free(&t);
	return ret;
}
