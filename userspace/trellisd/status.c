// SPDX-License-Identifier: GPL-2.0
/*
 * trellisd status [--json] [SLICE]: what is deployed, checked against the
 * kernel.  Both forms print one json-c tree (status_json()), the schema of
 * the API's status reply (docs/api.md): --json as it is, the text form
 * read from it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if.h>
#include <json-c/json.h>

#include "api.h"
#include "owner.h"
#include "cgroup.h"
#include "deploy.h"
#include "disc.h"
#include "names.h"
#include "reserve.h"
#include "rtnl.h"
#include "shape.h"
#include "trellisd.h"

static const char *const operstates[] = {
	"unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up",
};

#define JADD(o, k, v) json_object_object_add((o), (k), (v))
#define JSTR(s) json_object_new_string(s)
#define JINT(i) json_object_new_int64((int64_t)(i))
#define JU64(u) json_object_new_uint64((uint64_t)(u))
#define JBOOL(b) json_object_new_boolean(b)

/* A host's processes: its cgroup's, else those in its network namespace
 * (a slice deployed before cgroups). */
static int count_procs(const char *slice, const struct jentry *e)
{
	int n = cgroup_count(slice, e->name);
	struct dirent *de;
	DIR *d;

	if (n > 0)
		return n;
	d = opendir("/proc");
	n = 0;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[300];
		struct stat st;

		if (atoi(de->d_name) <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", de->d_name);
		if (!stat(path, &st) && st.st_ino == e->netino)
			n++;
	}
	closedir(d);
	return n;
}

/* This machine's node: the node of the hosts it runs (-1: none). */
static int local_node(const struct topo *t, const struct journal *j)
{
	for (size_t i = 0; i < j->n; i++) {
		int hi = topo_host(t, j->e[i].name);

		if (!strcmp(j->e[i].kind, "host") && hi >= 0)
			return t->hosts[hi].node;
	}
	return -1;
}

/* name, present, operstate and counters of a device, in o. */
static void dev_state(struct nl *nl, const char *name, struct json_object *o, unsigned int *flags)
{
	uint64_t rx = 0, tx = 0;
	int oper = 0, err = -1;

	*flags = 0;
	if (nl)
		err = rtnl_link_state(nl, name, flags, &oper, &rx, &tx);
	if (oper < 0 || oper > 6)
		oper = 0;
	JADD(o, "name", JSTR(name));
	JADD(o, "present", JBOOL(!err));
	JADD(o, "operstate", JSTR(operstates[oper]));
	JADD(o, "rx_packets", JU64(rx));
	JADD(o, "tx_packets", JU64(tx));
}

/* Reservations on node's underlay, and the rate each class sends at. */
static void resv_load(const struct topo *t, int node, struct rplan *p, double **bps)
{
	char err[512];

	p->underlay = t->nodes[node].underlay.addr.v4;	/* IPv4 only (parse.c) */
	if (shape_admit(p, t->nodes[node].name, NULL, NULL, err, sizeof(err)))
		resv_free(p);
	*bps = calloc(p->n + 1, sizeof(**bps));
	if (!*bps)
		abort();
	if (p->n)
		shape_measure(p, 500, *bps);
}

/* shape_status()'s JSON member, as an object. */
static void add_resv(struct json_object *o, const struct rplan *rp, const double *bps,
		     const char *slice, const char *link)
{
	struct json_object *r;
	char rs[512], obj[520];

	shape_status(rp, bps, slice, link, true, rs, sizeof(rs));
	if (!rs[0])
		return;
	snprintf(obj, sizeof(obj), "{%s}", rs + 1);
	r = json_tokener_parse(obj);
	if (r && json_object_object_get_ex(r, "reservation", NULL))
		JADD(o, "reservation", json_object_get(json_object_object_get(r, "reservation")));
	json_object_put(r);
}

/* The tunnels of the cross-node links between node and peer. */
static struct json_object *peer_tunnels(const struct topo *t, int node, int peer, struct nl *nl,
					const struct rplan *rp, const double *bps)
{
	struct json_object *tuns = json_object_new_array();

	for (size_t l = 0; l < t->n_links; l++) {
		const struct link *k = &t->links[l];
		struct json_object *o;
		char tun[IFNAMSIZ];
		unsigned int flags;
		uint32_t key = k->key;
		int n0, n1;

		if (k->kind == LINK_LAN) {
			/* A lan across nodes: its tunnel to peer (deploy.c). */
			if (node < 0 || !topo_lan_on(t, k, node) || !topo_lan_on(t, k, peer))
				continue;
			key = topo_lan_key(t, l, node, peer);
		} else {
			n0 = t->hosts[k->ends[0].host].node;
			n1 = t->hosts[k->ends[1].host].node;
			if (!((n0 == node && n1 == peer) || (n1 == node && n0 == peer)))
				continue;
		}
		snprintf(tun, sizeof(tun), "tg%08x", key);	/* deploy.c's cross_names() */
		o = json_object_new_object();
		dev_state(nl, tun, o, &flags);
		JADD(o, "link", JSTR(k->name));
		JADD(o, "key", JU64(key));
		add_resv(o, rp, bps, t->slice, k->name);
		json_object_array_add(tuns, o);
	}
	return tuns;
}

/* node, underlay and peers (the remote nodes and, per peer, each
 * cross-node link's tunnel with its key and counters). */
static void add_peers(struct json_object *s, const struct topo *t, int node)
{
	struct json_object *peers = json_object_new_array();
	char a[INET6_ADDRSTRLEN];
	struct rplan rp = { 0 };
	double *bps = NULL;
	struct nl nl;
	bool nlok;

	JADD(s, "node", node >= 0 ? JSTR(t->nodes[node].name) : NULL);
	if (node >= 0)
		JADD(s, "underlay", JSTR(addr_str(&t->nodes[node].underlay, a, sizeof(a))));
	JADD(s, "peers", peers);
	if (node < 0)
		return;
	nlok = !nl_open(&nl, NETLINK_ROUTE);
	resv_load(t, node, &rp, &bps);
	for (size_t n = 0; n < t->n_nodes; n++) {
		struct json_object *p, *tuns;

		if ((int)n == node)
			continue;
		tuns = peer_tunnels(t, node, (int)n, nlok ? &nl : NULL, &rp, bps);
		if (!json_object_array_length(tuns)) {
			json_object_put(tuns);
			continue;
		}
		p = json_object_new_object();
		JADD(p, "node", JSTR(t->nodes[n].name));
		JADD(p, "underlay", JSTR(addr_str(&t->nodes[n].underlay, a, sizeof(a))));
		JADD(p, "tunnels", tuns);
		json_object_array_add(peers, p);
	}
	if (nlok)
		nl_close(&nl);
	resv_free(&rp);
	free(bps);
}

/* The interfaces of host hi, seen from inside it. */
static struct json_object *host_ifaces(const struct topo *t, int hi, struct nl *nl)
{
	struct json_object *ifs = json_object_new_array();

	for (size_t l = 0; l < t->n_links; l++) {
		for (size_t en = 0; en < t->links[l].n_ends; en++) {
			const struct endpoint *ep = &t->links[l].ends[en];
			struct json_object *o;
			char dtext[200] = "";
			unsigned int flags;

			if (ep->host != hi)
				continue;
			o = json_object_new_object();
			dev_state(nl, ep->ifname, o, &flags);
			JADD(o, "link", JSTR(t->links[l].name));
			JADD(o, "admin_up", JBOOL(flags & IFF_UP));
			disc_format(&ep->disc, dtext, sizeof(dtext));
			JADD(o, "discipline", JSTR(dtext));
			json_object_array_add(ifs, o);
		}
	}
	return ifs;
}

static struct json_object *host_obj(const char *slice, const struct topo *t, const struct jentry *e,
				    int rootfd)
{
	struct json_object *h = json_object_new_object(), *ifs = NULL;
	struct hrt r = { .netfd = -1 };
	int hi = topo_host(t, e->name);
	bool alive = host_alive(e);

	JADD(h, "name", JSTR(e->name));
	JADD(h, "pid", JINT(e->pid));
	JADD(h, "running", JBOOL(alive));
	JADD(h, "processes", JINT(alive ? count_procs(slice, e) : 0));
	if (alive && hi >= 0 && rootfd >= 0 && !host_attach(&r, e->pid, rootfd)) {
		ifs = host_ifaces(t, hi, r.nl);
		host_detach(&r);
	}
	JADD(h, "interfaces", ifs ? ifs : json_object_new_array());
	return h;
}

static struct json_object *root_devices(const struct journal *j)
{
	struct json_object *devs = json_object_new_array();
	struct nl nl;

	if (nl_open(&nl, NETLINK_ROUTE))
		return devs;
	for (size_t i = 0; i < j->n; i++) {
		struct json_object *o;
		unsigned int flags;

		if (strcmp(j->e[i].kind, "rlink"))
			continue;
		o = json_object_new_object();
		dev_state(&nl, j->e[i].name, o, &flags);
		json_object_array_add(devs, o);
	}
	nl_close(&nl);
	return devs;
}

static struct json_object *slice_obj(const char *slice)
{
	struct json_object *s = json_object_new_object(), *hosts = json_object_new_array();
	int rootfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	uid_t owner = slice_owner(slice);
	struct passwd *pw = getpwuid(owner);
	struct diag dg = { 0 };
	struct journal j;
	struct topo t;

	journal_load(slice, &j);
	if (state_topo(slice, &t, &dg)) {
		diag_free(&dg);
		memset(&t, 0, sizeof(t));
	}
	JADD(s, "slice", JSTR(slice));
	JADD(s, "complete", JBOOL(state_complete(slice)));
	JADD(s, "owner", JINT(owner));
	JADD(s, "owner_name", pw ? JSTR(pw->pw_name) : NULL);
	for (size_t i = 0; i < j.n; i++)
		if (!strcmp(j.e[i].kind, "host"))
			json_object_array_add(hosts, host_obj(slice, &t, &j.e[i], rootfd));
	JADD(s, "hosts", hosts);
	add_peers(s, &t, local_node(&t, &j));
	JADD(s, "root_devices", root_devices(&j));
	journal_free(&j);
	topo_free(&t);
	if (rootfd >= 0)
		close(rootfd);
	return s;
}

struct json_object *status_json(const char *only)
{
	struct json_object *a = json_object_new_array();
	char **slices = state_slices();

	for (char **s = slices; *s; s++) {
		if (!only || !strcmp(*s, only))
			json_object_array_add(a, slice_obj(*s));
		free(*s);
	}
	free(slices);
	return a;
}

/* ----- the text form, read from the tree ----- */

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : "";
}

static long long jint(struct json_object *o, const char *k)
{
	return json_object_get_int64(json_object_object_get(o, k));
}

static unsigned long long juint(struct json_object *o, const char *k)
{
	return (unsigned long long)json_object_get_uint64(json_object_object_get(o, k));
}

static bool jbool(struct json_object *o, const char *k)
{
	return json_object_get_boolean(json_object_object_get(o, k));
}

static struct json_object *jat(struct json_object *o, const char *k, size_t i)
{
	return json_object_array_get_idx(json_object_object_get(o, k), i);
}

static size_t jlen(struct json_object *o, const char *k)
{
	struct json_object *a = json_object_object_get(o, k);

	return a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

static const char *dev_word(struct json_object *d, bool admin)
{
	if (!jbool(d, "present"))
		return "MISSING";
	if (admin && !jbool(d, "admin_up"))
		return "admin-down";
	return jstr(d, "operstate");
}

static void print_resv(struct json_object *t)
{
	struct json_object *r = json_object_object_get(t, "reservation");
	char a[32], b[32], c[32], d[32];

	if (!r)
		return;
	printf("\n      reserved: min %s max %s allocated %s, sending %s",
	       resv_rate_str(juint(r, "min_bps"), a, sizeof(a)),
	       resv_rate_str(juint(r, "max_bps"), b, sizeof(b)),
	       resv_rate_str(juint(r, "alloc_bps"), c, sizeof(c)),
	       resv_rate_str((uint64_t)json_object_get_double(json_object_object_get(r, "rate_bps")),
			     d, sizeof(d)));
}

static void print_slice(struct json_object *s)
{
	const char *inc = jbool(s, "complete") ? "" : " (incomplete: being changed, or interrupted)";

	if (json_object_object_get(s, "node"))
		printf("slice %s on node %s (underlay %s)%s\n", jstr(s, "slice"), jstr(s, "node"),
		       jstr(s, "underlay"), inc);
	else
		printf("slice %s%s\n", jstr(s, "slice"), inc);
	for (size_t i = 0; i < jlen(s, "hosts"); i++) {
		struct json_object *h = jat(s, "hosts", i);
		long long np = jint(h, "processes");

		printf("  host %-12s pid %-7lld %-8s %lld process%s\n", jstr(h, "name"), jint(h, "pid"),
		       jbool(h, "running") ? "running" : "GONE", np, np == 1 ? "" : "es");
		for (size_t k = 0; k < jlen(h, "interfaces"); k++) {
			struct json_object *f = jat(h, "interfaces", k);

			printf("    %-10s %-8s %-22s rx %-8llu tx %-8llu%s%s\n", jstr(f, "name"),
			       dev_word(f, true), jstr(f, "link"), juint(f, "rx_packets"),
			       juint(f, "tx_packets"), jstr(f, "discipline")[0] ? " " : "",
			       jstr(f, "discipline"));
		}
	}
	for (size_t p = 0; p < jlen(s, "peers"); p++) {
		struct json_object *pe = jat(s, "peers", p);

		printf("  peer %-12s underlay %s\n", jstr(pe, "node"), jstr(pe, "underlay"));
		for (size_t k = 0; k < jlen(pe, "tunnels"); k++) {
			struct json_object *t = jat(pe, "tunnels", k);

			printf("    tunnel %-10s key 0x%08llx %-22s %-8s rx %-8llu tx %llu", jstr(t, "name"),
			       juint(t, "key"), jstr(t, "link"), dev_word(t, false), juint(t, "rx_packets"),
			       juint(t, "tx_packets"));
			print_resv(t);
			putchar('\n');
		}
	}
	for (size_t i = 0; i < jlen(s, "root_devices"); i++) {
		struct json_object *d = jat(s, "root_devices", i);

		printf("  root %-12s %-8s rx %-8llu tx %llu\n", jstr(d, "name"), dev_word(d, false),
		       juint(d, "rx_packets"), juint(d, "tx_packets"));
	}
}

int cmd_status(int argc, char **argv)
{
	struct json_object *a;
	const char *only = NULL;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!only && argv[i][0] != '-')
			only = argv[i];
		else {
			fprintf(stderr, "usage: trellisd status [--json] [SLICE]\n");
			return 2;
		}
	}
	if (only && !name_arg_ok(NAME_SLICE, only))
		return 2;
	if (only && !slice_exists(only)) {
		errorf("status: slice %s is not up", only);
		return 1;
	}
	a = status_json(only);
	if (json)
		printf("%s\n", json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN));
	else if (!json_object_array_length(a))
		printf("no slices are up\n");
	for (size_t i = 0; !json && i < json_object_array_length(a); i++)
		print_slice(json_object_array_get_idx(a, i));
	json_object_put(a);
	return 0;
}
