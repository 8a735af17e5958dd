// SPDX-License-Identifier: GPL-2.0
/*
 * `routing ospf|ospf6|isis|bgp' (docs/routing.md): each router's FRR
 * frr.conf or BIRD bird.conf, written from the model alone.  Links are
 * point-to-point circuits, lans broadcast ones; loopbacks are advertised
 * (passive in the IGPs, announced in BGP); timers are the line's.  Pure: no
 * syscalls, the same model gives the same text (tests/unit/test_routing_gen.c).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routing_gen.h"

/* The ends of one host's interfaces, in file order. */
struct ifc {
	const struct link *l;
	const struct endpoint *e;
};

struct gen {
	const struct topo *t;
	size_t hi;
	const struct host *h;
	const struct autoroute *r[RP_N];
	struct ifc *ifs;
	size_t n_ifs;
	char rid[INET_ADDRSTRLEN];
	const struct endpoint *peer_end;	/* bgp_peers: the neighbour's end */
	FILE *f;
};

void rg_bird_bgp_name(char *buf, size_t len, size_t li, size_t ei, int family)
{
	snprintf(buf, len, "bgp_l%zu_e%zu_v%d", li, ei, family == AF_INET ? 4 : 6);
}

static bool hand_written(const struct host *h)
{
	return h->frr.config || h->bird.config;
}

const struct autoroute *rg_route(const struct topo *t, size_t hi, enum rproto pr)
{
	const struct host *h = &t->hosts[hi];

	if (h->routing_none || hand_written(h))
		return NULL;
	if (h->autoroute[pr].set)
		return &h->autoroute[pr];
	return t->autoroute[pr].set ? &t->autoroute[pr] : NULL;
}

enum rdaemon rg_daemon(const struct topo *t, size_t hi)
{
	enum rdaemon d = RD_DEFAULT;
	bool any = false;

	for (int pr = 0; pr < RP_N; pr++) {
		const struct autoroute *r = rg_route(t, hi, pr);

		if (!r)
			continue;
		any = true;
		if (!d && r->daemon)
			d = r->daemon;
		if (!d && t->autoroute[pr].daemon)
			d = t->autoroute[pr].daemon;
	}
	return !any ? RD_DEFAULT : d ? d : RD_FRR;
}

uint32_t rg_as(const struct topo *t, size_t hi)
{
	const struct host *h = &t->hosts[hi];
	uint32_t base = t->autoroute[RP_BGP].as ? t->autoroute[RP_BGP].as : RG_AS_BASE;

	if (h->autoroute[RP_BGP].as)
		return h->autoroute[RP_BGP].as;
	if (base == RG_AS_BASE && hi > 65534 - RG_AS_BASE)
		return 4200000000u + (uint32_t)hi;
	return base + (uint32_t)hi;
}

uint32_t rg_hello(const struct autoroute *r)
{
	return r->hello ? r->hello : r->dead && r->dead <= RG_HELLO ? 1 : RG_HELLO;
}

uint32_t rg_dead(const struct autoroute *r)
{
	return r->dead ? r->dead : rg_hello(r) * RG_DEAD_HELLOS;
}

static const struct prefix *first_of(const struct prefix *a, size_t n, int family)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].family == family)
			return &a[i];
	return NULL;
}

const char *rg_router_id(const struct topo *t, size_t hi, char *buf, size_t len)
{
	const struct host *h = &t->hosts[hi];
	const struct prefix *p = first_of(h->loopbacks, h->n_loopbacks, AF_INET);

	for (size_t li = 0; !p && li < t->n_links; li++)
		for (size_t ei = 0; !p && ei < t->links[li].n_ends; ei++)
			if (t->links[li].ends[ei].host == (int)hi)
				p = first_of(t->links[li].ends[ei].addrs,
					     t->links[li].ends[ei].n_addrs, AF_INET);
	if (p)
		return addr_str(p, buf, len);
	snprintf(buf, len, "0.0.%zu.%zu", (hi + 1) >> 8 & 0xff, (hi + 1) & 0xff);
	return buf;
}

static void gen_init(struct gen *g, const struct topo *t, size_t hi)
{
	memset(g, 0, sizeof(*g));
	g->t = t;
	g->hi = hi;
	g->h = &t->hosts[hi];
	for (int pr = 0; pr < RP_N; pr++)
		g->r[pr] = rg_route(t, hi, pr);
	for (size_t li = 0; li < t->n_links; li++)
		for (size_t ei = 0; ei < t->links[li].n_ends; ei++) {
			if (t->links[li].ends[ei].host != (int)hi)
				continue;
			g->ifs = realloc(g->ifs, (g->n_ifs + 1) * sizeof(*g->ifs));
			if (!g->ifs)
				abort();
			g->ifs[g->n_ifs++] = (struct ifc){ &t->links[li], &t->links[li].ends[ei] };
		}
	rg_router_id(t, hi, g->rid, sizeof(g->rid));
}

static bool has_family(const struct gen *g, int family)
{
	if (first_of(g->h->loopbacks, g->h->n_loopbacks, family))
		return true;
	for (size_t i = 0; i < g->n_ifs; i++)
		if (first_of(g->ifs[i].e->addrs, g->ifs[i].e->n_addrs, family))
			return true;
	return false;
}

/* ----- FRR ----- */

static void frr_if_ospf(struct gen *g, const struct ifc *c, bool v6)
{
	const struct autoroute *r = g->r[v6 ? RP_OSPF6 : RP_OSPF];
	const char *k = v6 ? "ipv6 ospf6" : "ip ospf";

	if (!r)
		return;
	fprintf(g->f, " %s area %u\n", k, r->area);
	if (!c) {
		fprintf(g->f, " %s passive\n", k);
		return;
	}
	if (c->l->kind == LINK_P2P)
		fprintf(g->f, " %s network point-to-point\n", k);
	fprintf(g->f, " %s hello-interval %u\n %s dead-interval %u\n", k, rg_hello(r), k, rg_dead(r));
	if (!v6)
		fprintf(g->f, " %s retransmit-interval 2\n", k);
}

static void frr_if_isis(struct gen *g, const struct ifc *c)
{
	const struct autoroute *r = g->r[RP_ISIS];
	uint32_t mult;

	if (!r)
		return;
	if (has_family(g, AF_INET))
		fprintf(g->f, " ip router isis core\n");
	if (has_family(g, AF_INET6))
		fprintf(g->f, " ipv6 router isis core\n");
	if (!c) {
		fprintf(g->f, " isis passive\n");
		return;
	}
	mult = (rg_dead(r) + rg_hello(r) - 1) / rg_hello(r);
	fprintf(g->f, " isis circuit-type level-2-only\n");
	if (c->l->kind == LINK_P2P)
		fprintf(g->f, " isis network point-to-point\n");
	fprintf(g->f, " isis hello-interval %u\n isis hello-multiplier %u\n",
		rg_hello(r), mult < 2 ? 2 : mult);
}

static void frr_interface(struct gen *g, const struct ifc *c)
{
	fprintf(g->f, "interface %s\n", c ? c->e->ifname : "lo");
	frr_if_ospf(g, c, false);
	frr_if_ospf(g, c, true);
	frr_if_isis(g, c);
	fprintf(g->f, "exit\n!\n");
}

static void frr_igps(struct gen *g)
{
	char sysid[16];

	if (g->r[RP_OSPF])
		fprintf(g->f, "router ospf\n ospf router-id %s\n log-adjacency-changes\n"
			" timers throttle spf 0 50 500\n timers throttle lsa all 0\n"
			" timers lsa min-arrival 0\nexit\n!\n", g->rid);
	if (g->r[RP_OSPF6])
		fprintf(g->f, "router ospf6\n ospf6 router-id %s\n log-adjacency-changes\n"
			" timers throttle spf 0 50 500\nexit\n!\n", g->rid);
	if (!g->r[RP_ISIS])
		return;
	snprintf(sysid, sizeof(sysid), "%012zx", g->hi + 1);
	fprintf(g->f, "router isis core\n net 49.0001.%.4s.%.4s.%.4s.00\n is-type level-2-only\n"
		" log-adjacency-changes\n lsp-gen-interval 1\n spf-interval 1\nexit\n!\n",
		sysid, sysid + 4, sysid + 8);
}

/* Calls fn for each BGP neighbour of the host: an end on one of its links
 * whose host runs generated BGP, with addresses of one family in the
 * same subnet as ours. */
static void bgp_peers(struct gen *g, void (*fn)(struct gen *, const struct prefix *, size_t,
					     const struct ifc *, int))
{
	int n = 0;

	for (size_t i = 0; i < g->n_ifs; i++) {
		const struct ifc *c = &g->ifs[i];

		for (size_t ei = 0; ei < c->l->n_ends; ei++) {
			const struct endpoint *o = &c->l->ends[ei];

			if (o == c->e || o->host < 0 || !rg_route(g->t, (size_t)o->host, RP_BGP))
				continue;
			for (int fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0) {
				const struct prefix *a = first_of(o->addrs, o->n_addrs, fam);

				g->peer_end = o;
				if (a && first_of(c->e->addrs, c->e->n_addrs, fam))
					fn(g, a, (size_t)o->host, c, n++);
			}
		}
	}
}

static void frr_neighbor(struct gen *g, const struct prefix *a, size_t peer,
			 const struct ifc *c, int n)
{
	char s[INET6_ADDRSTRLEN];

	(void)c;
	(void)n;
	addr_str(a, s, sizeof(s));
	fprintf(g->f, " neighbor %s remote-as %u\n neighbor %s description %s\n"
		" neighbor %s timers connect 1\n neighbor %s advertisement-interval 0\n",
		s, rg_as(g->t, peer), s, g->t->hosts[peer].name, s, s);
}

static int af_family;

static void frr_activate(struct gen *g, const struct prefix *a, size_t peer,
			 const struct ifc *c, int n)
{
	char s[INET6_ADDRSTRLEN];

	(void)peer;
	(void)c;
	(void)n;
	if (a->family == af_family)
		fprintf(g->f, "  neighbor %s activate\n", addr_str(a, s, sizeof(s)));
}

static void frr_bgp(struct gen *g)
{
	const struct autoroute *r = g->r[RP_BGP];
	char s[64];

	if (!r)
		return;
	fprintf(g->f, "router bgp %u\n bgp router-id %s\n bgp log-neighbor-changes\n"
		" no bgp ebgp-requires-policy\n no bgp default ipv4-unicast\n"
		" no bgp network import-check\n timers bgp %u %u\n",
		rg_as(g->t, g->hi), g->rid, rg_hello(r), rg_dead(r));
	bgp_peers(g, frr_neighbor);
	for (af_family = AF_INET; af_family; af_family = af_family == AF_INET ? AF_INET6 : 0) {
		if (!has_family(g, af_family))
			continue;
		fprintf(g->f, " !\n address-family %s unicast\n", af_family == AF_INET ? "ipv4" : "ipv6");
		for (size_t k = 0; k < g->h->n_loopbacks; k++)
			if (g->h->loopbacks[k].family == af_family)
				fprintf(g->f, "  network %s\n", prefix_str(&g->h->loopbacks[k], s, sizeof(s)));
		bgp_peers(g, frr_activate);
		fprintf(g->f, " exit-address-family\n");
	}
	fprintf(g->f, "exit\n!\n");
}

static int daemon_bit(const char *name)
{
	for (int d = 0; topo_frr_daemons[d]; d++)
		if (!strcmp(topo_frr_daemons[d], name))
			return d;
	return 0;
}

static void frr_conf(struct gen *g, uint32_t *daemons)
{
	static const char *const dn[RP_N] = { "ospfd", "ospf6d", "isisd", "bgpd" };

	*daemons = 1;	/* zebra */
	for (int pr = 0; pr < RP_N; pr++)
		if (g->r[pr])
			*daemons |= 1u << daemon_bit(dn[pr]);
	fprintf(g->f, "frr version 8.4\nfrr defaults traditional\nhostname %s\n"
		"log stdout informational\nservice integrated-vtysh-config\n!\n", g->h->hostname);
	if (g->r[RP_OSPF] || g->r[RP_OSPF6] || g->r[RP_ISIS]) {
		frr_interface(g, NULL);
		for (size_t i = 0; i < g->n_ifs; i++)
			frr_interface(g, &g->ifs[i]);
	}
	frr_igps(g);
	frr_bgp(g);
	fprintf(g->f, "end\n");
}

/* ----- BIRD ----- */

static void bird_ospf(struct gen *g, bool v6)
{
	const struct autoroute *r = g->r[v6 ? RP_OSPF6 : RP_OSPF];

	if (!r)
		return;
	char buf[64];

	fprintf(g->f, "protocol ospf v%d %s {\n\t%s { import all; export none; };\n"
		"\tarea %u {\n", v6 ? 3 : 2, v6 ? "ospf6" : "ospf4", v6 ? "ipv6" : "ipv4", r->area);
	/* OSPFv3 runs on link-local addresses, which lo has none of: BIRD
	 * leaves it out, so its prefixes are announced as stub networks. */
	if (!v6)
		fprintf(g->f, "\t\tinterface \"lo\" { stub yes; };\n");
	for (size_t k = 0; v6 && k < g->h->n_loopbacks; k++)
		if (g->h->loopbacks[k].family == AF_INET6)
			fprintf(g->f, "\t\tstubnet %s;\n",
				prefix_str(&g->h->loopbacks[k], buf, sizeof(buf)));
	for (size_t i = 0; i < g->n_ifs; i++)
		fprintf(g->f, "\t\tinterface \"%s\" { type %s; hello %u; dead %u; retransmit 2; };\n",
			g->ifs[i].e->ifname, g->ifs[i].l->kind == LINK_P2P ? "ptp" : "broadcast",
			rg_hello(r), rg_dead(r));
	fprintf(g->f, "\t};\n}\n\n");
}

static void bird_peer(struct gen *g, const struct prefix *a, size_t peer,
		      const struct ifc *c, int n)
{
	const struct endpoint *o_end = g->peer_end;
	bool v6 = a->family == AF_INET6;
	char s[INET6_ADDRSTRLEN];

	char name[64];

	(void)n;
	rg_bird_bgp_name(name, sizeof(name), (size_t)(c->l - g->t->links),
			 (size_t)(o_end - c->l->ends), a->family);
	fprintf(g->f, "protocol bgp %s from trellis_ebgp {\n\tdescription \"%s %s\";\n"
		"\tneighbor %s as %u;\n\t%s {\n\t\timport all;\n"
		"\t\texport where source ~ [ RTS_BGP, RTS_DEVICE ];\n\t};\n}\n\n",
		name, g->t->hosts[peer].name, c->e->ifname, addr_str(a, s, sizeof(s)),
		rg_as(g->t, peer), v6 ? "ipv6" : "ipv4");
}

static void bird_bgp(struct gen *g)
{
	const struct autoroute *r = g->r[RP_BGP];

	if (!r)
		return;
	fprintf(g->f, "protocol direct {\n\tipv4;\n\tipv6;\n\tinterface \"lo\";\n}\n\n"
		"template bgp trellis_ebgp {\n\tlocal as %u;\n\thold time %u;\n\tkeepalive time %u;\n"
		"\tconnect delay time 1;\n\tconnect retry time 1;\n\terror wait time 1, 10;\n}\n\n",
		rg_as(g->t, g->hi), rg_dead(r) < 3 ? 3 : rg_dead(r), rg_hello(r));
	bgp_peers(g, bird_peer);
}

static void bird_conf(struct gen *g)
{
	fprintf(g->f, "log stderr all;\nrouter id %s;\n\nprotocol device {\n}\n\n", g->rid);
	for (int v6 = 0; v6 < 2; v6++)
		fprintf(g->f, "protocol kernel {\n\t%s {\n\t\timport none;\n"
			"\t\texport where source != RTS_DEVICE;\n\t};\n}\n\n", v6 ? "ipv6" : "ipv4");
	bird_ospf(g, false);
	bird_ospf(g, true);
	bird_bgp(g);
}

char *rg_config(const struct topo *t, size_t hi, uint32_t *daemons)
{
	enum rdaemon d = rg_daemon(t, hi);
	static const char *const pn[RP_N] = { "ospf", "ospf6", "isis", "bgp" };
	char *text = NULL;
	size_t size = 0;
	struct gen g;

	*daemons = 0;
	if (!d)
		return NULL;
	gen_init(&g, t, hi);
	g.f = open_memstream(&text, &size);
	if (!g.f)
		abort();
	fprintf(g.f, "%s generated by trellisd for host %s of slice %s:", d == RD_FRR ? "!" : "#",
		g.h->name, t->slice);
	for (int pr = 0; pr < RP_N; pr++)
		if (g.r[pr])
			fprintf(g.f, " routing %s", pn[pr]);
	fputc('\n', g.f);
	if (d == RD_FRR)
		frr_conf(&g, daemons);
	else
		bird_conf(&g);
	fclose(g.f);
	free(g.ifs);
	return text;
}

static bool has_sysctl(const struct host *h, const char *key)
{
	for (size_t i = 0; i < h->n_sysctls; i++)
		if (!strcmp(h->sysctls[i].key, key))
			return true;
	return false;
}

static void forwarding(struct host *h)
{
	static const char *const keys[] = { "net.ipv4.ip_forward",
		"net.ipv6.conf.all.forwarding" };

	for (size_t k = 0; k < 2; k++) {
		struct sysctl *sc;

		if (has_sysctl(h, keys[k]))
			continue;
		h->sysctls = realloc(h->sysctls, (h->n_sysctls + 1) * sizeof(*h->sysctls));
		if (!h->sysctls)
			abort();
		sc = &h->sysctls[h->n_sysctls++];
		memset(sc, 0, sizeof(*sc));
		snprintf(sc->key, sizeof(sc->key), "%s", keys[k]);
		snprintf(sc->value, sizeof(sc->value), "1");
		sc->loc = h->loc;
	}
}

void routing_generate(struct topo *t)
{
	for (size_t hi = 0; hi < t->n_hosts; hi++) {
		struct host *h = &t->hosts[hi];
		enum rdaemon d = rg_daemon(t, hi);
		struct routing *r = d == RD_FRR ? &h->frr : &h->bird;
		uint32_t daemons;

		if (!d)
			continue;
		r->text = rg_config(t, hi, &daemons);
		r->set = true;
		r->daemons = daemons;
		r->restart = RESTART_ON_FAILURE;
		r->loc = h->loc;
		for (int pr = 0; pr < RP_N; pr++)
			if (h->autoroute[pr].set)
				r->loc = h->autoroute[pr].loc;
		forwarding(h);
	}
}
