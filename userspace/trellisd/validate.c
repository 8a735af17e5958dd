// SPDX-License-Identifier: GPL-2.0
/*
 * trellisd validate SLICE [--timeout S] (docs/routing.md): waits until the
 * slice's routing has converged, or the timeout, then prints a
 * reachability matrix and what failed.
 *
 * Each round asks every local router, all at once (one child per host,
 * inside its namespaces, its output in a file): its daemons' neighbour
 * tables (FRR's JSON, birdc's tables) and an echo request to each other
 * router's loopback, all of a host's from one raw socket in the child that
 * enters it (no ping process per pair).  Adjacencies are those the
 * topology implies: the ends of a link or lan that run the same protocol
 * from a `routing' line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host.h"
#include "names.h"
#include "routing_gen.h"
#include "state.h"
#include "trellisd.h"

#define SEP "@@trellis@@"
/* Two echoes, either answer counts: one lost under load is no failure. */
#define PING "-c 2 -i 0.5 -W 3"

struct vhost {
	pid_t holder;		/* 0: not on this machine */
	bool router;		/* runs FRR or BIRD */
	const struct prefix *lo;	/* the loopback pinged and pinged from */
	char *out;		/* this round's answers */
	char *sections[2 + RP_N + 1];	/* out split at SEP: pings, expects, protocols */
};

struct val {
	const struct topo *t;
	const char *slice;
	struct vhost *h;
	char dir[64];
	FILE *fails;		/* this round's failures */
	char *fail_text, *report;
	size_t fail_len, n_fail, n_adj, n_adj_up;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The loopback that host hi is pinged at: IPv4 first, unless its only
 * generated protocol is OSPFv3, which routes IPv6 alone. */
static const struct prefix *router_lo(const struct topo *t, size_t hi)
{
	bool v6_only = rg_route(t, hi, RP_OSPF6);
	const struct host *h = &t->hosts[hi];

	for (int pr = 0; pr < RP_N; pr++)
		if (pr != RP_OSPF6 && rg_route(t, hi, pr))
			v6_only = false;
	for (int fam = v6_only ? AF_INET6 : AF_INET; fam;
	     fam = fam == AF_INET && !v6_only ? AF_INET6 : 0)
		for (size_t k = 0; k < h->n_loopbacks; k++)
			if (h->loopbacks[k].family == fam)
				return &h->loopbacks[k];
	return NULL;
}

static const struct prefix *first_lo(const struct host *h)
{
	for (int fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0)
		for (size_t k = 0; k < h->n_loopbacks; k++)
			if (h->loopbacks[k].family == fam)
				return &h->loopbacks[k];
	return NULL;
}

static int load_holders(struct val *v)
{
	struct journal j;

	if (journal_load(v->slice, &j)) {
		errorf("validate: cannot read the journal of %s", v->slice);
		return -1;
	}
	for (size_t i = 0; i < j.n; i++) {
		int hi = topo_host(v->t, j.e[i].name);

		if (!strcmp(j.e[i].kind, "host") && hi >= 0 && host_alive(&j.e[i]))
			v->h[hi].holder = j.e[i].pid;
	}
	journal_free(&j);
	return 0;
}

/* ----- what each host is asked ----- */

/* Echo requests from src to every other router's loopback of its family,
 * twice (those unanswered again after PING_WAIT1 ms), from one raw socket:
 * one process per host, not one per pair.  Prints `ok N' or `no N' for each
 * host N pinged.  Runs inside the host. */
#define PING_WAIT1	1500
#define PING_WAIT2	3000

struct ptarget {
	size_t host;
	struct sockaddr_storage sa;
	socklen_t len;
	bool ok;
};

static uint16_t csum(const void *data, size_t len)
{
	const uint8_t *b = data;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void echo_send(int fd, bool v6, uint16_t id, struct ptarget *tg, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t pkt[16] = { v6 ? 128 : 8, 0 };
		uint16_t seq = htons((uint16_t)i), nid = htons(id), c;

		if (tg[i].ok)
			continue;
		memcpy(pkt + 4, &nid, 2);
		memcpy(pkt + 6, &seq, 2);
		if (!v6) {	/* the kernel sums ICMPv6 itself */
			c = csum(pkt, sizeof(pkt));
			memcpy(pkt + 2, &c, 2);
		}
		sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&tg[i].sa, tg[i].len);
	}
}

/* Replies until every target answered or ms passed. */
static void echo_recv(int fd, bool v6, uint16_t id, struct ptarget *tg, size_t n, int ms)
{
	double end = now() + ms / 1000.0;
	size_t left = 0;

	for (size_t i = 0; i < n; i++)
		left += !tg[i].ok;
	while (left && now() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint8_t buf[1500], *icmp = buf;
		uint16_t rid, seq;
		ssize_t len;

		if (poll(&pfd, 1, (int)((end - now()) * 1000) + 1) <= 0)
			continue;
		len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (!v6 && len > 0) {	/* IPv4 raw sockets keep the IP header */
			icmp = buf + (buf[0] & 0xf) * 4;
			len -= icmp - buf;
		}
		if (len < 8 || icmp[0] != (v6 ? 129 : 0))
			continue;
		memcpy(&rid, icmp + 4, 2);
		memcpy(&seq, icmp + 6, 2);
		if (ntohs(rid) != id || ntohs(seq) >= n || tg[ntohs(seq)].ok)
			continue;
		tg[ntohs(seq)].ok = true;
		left--;
	}
}

static size_t ping_targets(const struct val *v, size_t hi, struct ptarget **out)
{
	const struct prefix *src = v->h[hi].lo;
	struct ptarget *tg = calloc(v->t->n_hosts + 1, sizeof(*tg));
	size_t n = 0;

	if (!tg)
		abort();
	for (size_t o = 0; o < v->t->n_hosts; o++) {
		const struct prefix *d = v->h[o].lo;

		if (o == hi || !v->h[o].router || !d || d->family != src->family)
			continue;
		tg[n].host = o;
		if (d->family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&tg[n].sa;

			sin->sin_family = AF_INET;
			sin->sin_addr = d->addr.v4;
			tg[n].len = sizeof(*sin);
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&tg[n].sa;

			sin6->sin6_family = AF_INET6;
			sin6->sin6_addr = d->addr.v6;
			tg[n].len = sizeof(*sin6);
		}
		n++;
	}
	*out = tg;
	return n;
}

static void ping_all(const struct val *v, size_t hi)
{
	const struct prefix *src = v->h[hi].lo;
	bool v6 = src->family == AF_INET6;
	uint16_t id = (uint16_t)getpid();
	struct sockaddr_storage ss = { 0 };
	struct ptarget *tg;
	size_t n = ping_targets(v, hi, &tg);
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC,
			v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);

	ss.ss_family = (sa_family_t)src->family;
	if (v6)
		((struct sockaddr_in6 *)&ss)->sin6_addr = src->addr.v6;
	else
		((struct sockaddr_in *)&ss)->sin_addr = src->addr.v4;
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&ss, v6 ? sizeof(struct sockaddr_in6) :
			     sizeof(struct sockaddr_in))) {
		echo_send(fd, v6, id, tg, n);
		echo_recv(fd, v6, id, tg, n, PING_WAIT1);
		echo_send(fd, v6, id, tg, n);
		echo_recv(fd, v6, id, tg, n, PING_WAIT2);
	}
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < n; i++)
		printf("%s %zu\n", tg[i].ok ? "ok" : "no", tg[i].host);
	printf(SEP "\n");
	fflush(stdout);
	free(tg);
}

/* The address an expect statement is about. */
static const struct prefix *expect_addr(const struct val *v, const struct expect *ex)
{
	return ex->target >= 0 ? first_lo(&v->t->hosts[ex->target]) : &ex->addr;
}

/* `uses I DEV DEV...': the interfaces by which host hi's routes to every
 * other router's loopback leave. */
static void carries_cmd(struct val *v, size_t hi, size_t i, FILE *f)
{
	char a[64];

	fprintf(f, "echo \"uses %zu $(for a in", i);
	for (size_t o = 0; o < v->t->n_hosts; o++)
		if (o != hi && v->h[o].router && v->h[o].lo)
			fprintf(f, " %s", addr_str(v->h[o].lo, a, sizeof(a)));
	fprintf(f, "; do ip route get $a 2>/dev/null | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p' | head -n 1; done | tr '\\n' ' ')\"; ");
}

static void expect_cmd(struct val *v, size_t hi, FILE *f)
{
	char a[64];

	for (size_t i = 0; i < v->t->n_expects; i++) {
		const struct expect *ex = &v->t->expects[i];
		const struct prefix *p = expect_addr(v, ex);

		if (ex->host != (int)hi || !p)
			continue;
		if (ex->kind == EXPECT_CARRIES) {
			carries_cmd(v, hi, i, f);
			continue;
		}
		addr_str(p, a, sizeof(a));
		if (ex->kind == EXPECT_REACHES)
			fprintf(f, "(ping " PING " %s >/dev/null 2>&1 && echo 'ok %zu' || echo 'no %zu') & ",
				a, i, i);
		else
			fprintf(f, "echo \"dev %zu $(ip route get %s 2>&1 | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p' | head -n 1)\"; ",
				i, a);
	}
	fprintf(f, "wait; echo " SEP "; ");
}

static void proto_cmd(struct val *v, size_t hi, FILE *f)
{
	static const char *const frr[RP_N] = { "show ip ospf neighbor json",
		"show ipv6 ospf6 neighbor json", "show isis neighbor", "show bgp neighbors json" };
	static const char *const bird[RP_N] = { "show ospf neighbors ospf4",
		"show ospf neighbors ospf6", "", "show protocols" };
	bool is_bird = v->t->hosts[hi].bird.text != NULL;

	for (int pr = 0; pr < RP_N; pr++) {
		if (rg_route(v->t, hi, pr) && is_bird)
			fprintf(f, "birdc %s 2>&1; ", bird[pr]);	/* words, not -c */
		else if (rg_route(v->t, hi, pr) && v->t->hosts[hi].frr.text)
			fprintf(f, "vtysh -c '%s' 2>&1; ", frr[pr]);
		fprintf(f, "echo " SEP "; ");
	}
}

static char *host_script(struct val *v, size_t hi)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	if (!f)
		abort();
	expect_cmd(v, hi, f);
	proto_cmd(v, hi, f);
	fclose(f);
	return s;
}

static pid_t spawn_in_host(const struct val *v, size_t hi, const char *script, const char *out)
{
	pid_t holder = v->h[hi].holder;
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd < 0 || null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		if (host_enter(holder))
			_exit(125);
		if (v->h[hi].router && v->h[hi].lo)
			ping_all(v, hi);
		else
			printf(SEP "\n");
		fflush(stdout);
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = NULL, buf[4096];
	size_t size = 0, n;
	FILE *m = open_memstream(&text, &size);

	if (!m)
		abort();
	while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, m);
	if (f)
		fclose(f);
	fclose(m);
	return text;
}

/* Asks every local host at once; splits each answer into its sections. */
static void ask_all(struct val *v)
{
	const struct topo *t = v->t;
	pid_t *pids = calloc(t->n_hosts, sizeof(*pids));

	if (!pids)
		abort();
	fflush(stdout);
	for (size_t hi = 0; hi < t->n_hosts; hi++) {
		char out[128], *script;

		if (!v->h[hi].holder)
			continue;
		snprintf(out, sizeof(out), "%s/%zu", v->dir, hi);
		script = host_script(v, hi);
		pids[hi] = spawn_in_host(v, hi, script, out);
		free(script);
	}
	for (size_t hi = 0; hi < t->n_hosts; hi++) {
		char out[128], *c;
		size_t k = 0;

		if (pids[hi] <= 0)
			continue;
		while (waitpid(pids[hi], NULL, 0) < 0 && errno == EINTR)
			;
		snprintf(out, sizeof(out), "%s/%zu", v->dir, hi);
		free(v->h[hi].out);
		v->h[hi].out = read_file(out);
		unlink(out);
		memset(v->h[hi].sections, 0, sizeof(v->h[hi].sections));
		for (c = v->h[hi].out; c && k < 2 + RP_N; k++) {
			char *sep = strstr(c, SEP "\n");

			v->h[hi].sections[k] = c;
			if (!sep)
				break;
			*sep = '\0';
			c = sep + strlen(SEP "\n");
		}
	}
	free(pids);
}

/* ----- judging the answers ----- */

static void failf(struct val *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void failf(struct val *v, const char *fmt, ...)
{
	va_list ap;

	fputs("  ", v->fails);
	va_start(ap, fmt);
	vfprintf(v->fails, fmt, ap);
	va_end(ap);
	fputc('\n', v->fails);
	v->n_fail++;
}

/* Whether host hi's answer for section (2 + pr) holds a neighbour up on
 * ifname, at peer address addr (BGP) or as BIRD protocol bname. */
static bool frr_ospf_up(const char *json, const char *ifname, bool v6, bool lan)
{
	struct json_object *root = json_tokener_parse(json), *nb;
	bool up = false;

	if (!root || !json_object_object_get_ex(root, "neighbors", &nb)) {
		json_object_put(root);
		return false;
	}
	if (v6 && json_object_is_type(nb, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(nb) && !up; i++) {
			struct json_object *n = json_object_array_get_idx(nb, i), *s, *in;

			if (json_object_object_get_ex(n, "state", &s) &&
			    json_object_object_get_ex(n, "interfaceName", &in) &&
			    !strcmp(json_object_get_string(in), ifname))
				up = !strncmp(json_object_get_string(s), "Full", 4) ||
				     (lan && !strncmp(json_object_get_string(s), "TwoWay", 6));
		}
	} else if (json_object_is_type(nb, json_type_object)) {
		json_object_object_foreach(nb, key, arr) {
			(void)key;
			for (size_t i = 0; i < json_object_array_length(arr) && !up; i++) {
				struct json_object *n = json_object_array_get_idx(arr, i), *s, *in;
				const char *st, *ifn;

				if (!json_object_object_get_ex(n, "ifaceName", &in) ||
				    (!json_object_object_get_ex(n, "nbrState", &s) &&
				     !json_object_object_get_ex(n, "state", &s)))
					continue;
				st = json_object_get_string(s);
				ifn = json_object_get_string(in);
				if (!strncmp(ifn, ifname, strlen(ifname)) &&
				    (ifn[strlen(ifname)] == ':' || !ifn[strlen(ifname)]))
					up = !strncmp(st, "Full", 4) || (lan && !strncmp(st, "2-Way", 5));
			}
		}
	}
	json_object_put(root);
	return up;
}

static bool frr_bgp_up(const char *json, const char *peer)
{
	struct json_object *root = json_tokener_parse(json), *n, *s;
	bool up = root && json_object_object_get_ex(root, peer, &n) &&
		  json_object_object_get_ex(n, "bgpState", &s) &&
		  !strcmp(json_object_get_string(s), "Established");

	json_object_put(root);
	return up;
}

/* A line of a text table naming word (an interface or a protocol) and
 * one of the states. */
static bool table_up(const char *text, const char *word, const char *const *states)
{
	const char *line = text;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[512], *save = NULL;
		bool named = false, good = false;

		snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
		for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
			named |= !strcmp(w, word);
			for (int k = 0; states[k]; k++)
				good |= !strncmp(w, states[k], strlen(states[k]));
		}
		if (named && good)
			return true;
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

/* One end's view of its adjacency to end o over link li. */
static bool end_up(struct val *v, size_t li, const struct endpoint *e, const struct endpoint *o,
		   int pr)
{
	static const char *const full[] = { "Full", NULL }, *const lan_ok[] = { "Full", "2-Way",
		"TwoWay", NULL }, *const isis_up[] = { "Up", NULL }, *const est[] = { "Established",
		NULL };
	const struct host *h = &v->t->hosts[e->host];
	const char *ans = v->h[e->host].sections[2 + pr];
	bool lan = v->t->links[li].kind == LINK_LAN;
	char a[64], name[64];

	if (!ans)
		return false;
	if (pr == RP_ISIS)
		return table_up(ans, e->ifname, isis_up);
	if (pr != RP_BGP)
		return h->frr.text ? frr_ospf_up(ans, e->ifname, pr == RP_OSPF6, lan) :
		       table_up(ans, e->ifname, lan ? lan_ok : full);
	for (int fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0) {
		const struct prefix *pa = NULL, *mine = NULL;

		for (size_t k = 0; k < o->n_addrs && !pa; k++)
			pa = o->addrs[k].family == fam ? &o->addrs[k] : NULL;
		for (size_t k = 0; k < e->n_addrs && !mine; k++)
			mine = e->addrs[k].family == fam ? &e->addrs[k] : NULL;
		if (!pa || !mine)
			continue;
		rg_bird_bgp_name(name, sizeof(name), li, (size_t)(o - v->t->links[li].ends), fam);
		if (!(h->frr.text ? frr_bgp_up(ans, addr_str(pa, a, sizeof(a))) :
		      table_up(ans, name, est)))
			return false;
	}
	return true;
}

static void check_adjacencies(struct val *v)
{
	const struct topo *t = v->t;

	for (size_t li = 0; li < t->n_links; li++) {
		const struct link *l = &t->links[li];

		for (size_t a = 0; a < l->n_ends; a++)
			for (size_t b = a + 1; b < l->n_ends; b++)
				for (int pr = 0; pr < RP_N; pr++) {
					const struct endpoint *x = &l->ends[a], *y = &l->ends[b];
					bool xu, yu;

					if (!rg_route(t, x->host, pr) || !rg_route(t, y->host, pr) ||
					    (!v->h[x->host].holder && !v->h[y->host].holder))
						continue;
					v->n_adj++;
					xu = !v->h[x->host].holder || end_up(v, li, x, y, pr);
					yu = !v->h[y->host].holder || end_up(v, li, y, x, pr);
					if (xu && yu) {
						v->n_adj_up++;
						continue;
					}
					failf(v, "%s adjacency %s:%s - %s:%s is down (%s%s%s)",
					      topo_rprotos[pr], x->hname, x->ifname, y->hname, y->ifname,
					      xu ? "" : x->hname, !xu && !yu ? " and " : "",
					      yu ? "" : y->hname);
					fprintf(v->fails, "    (%s sees no neighbour up on %s)\n",
						xu ? y->hname : x->hname, xu ? y->ifname : x->ifname);
				}
	}
}

/* s has the line `line' (with its newline). */
static bool has_line(const char *s, const char *line)
{
	for (const char *p = s; p && (p = strstr(p, line)); p++)
		if (p == s || p[-1] == '\n')
			return true;
	return false;
}

/* Did host hi's ping to host o answer this round? */
static bool pinged(const struct val *v, size_t hi, size_t o)
{
	char want[32];

	snprintf(want, sizeof(want), "ok %zu\n", o);
	return v->h[hi].sections[0] && has_line(v->h[hi].sections[0], want);
}

static void check_carries(struct val *v, const struct expect *ex, size_t i, const char *s)
{
	char want[32], line[1024] = " ", dev[TOPO_IFNAME_LEN + 2];
	const char *q;

	snprintf(want, sizeof(want), "uses %zu ", i);
	for (q = s; q && (q = strstr(q, want)); q++)
		if (q == s || q[-1] == '\n')
			break;
	if (q)
		snprintf(line + 1, sizeof(line) - 2, "%.*s ", (int)strcspn(q + strlen(want), "\n"),
			 q + strlen(want));
	snprintf(dev, sizeof(dev), " %s ", ex->ifname);
	if (!strstr(line, dev))
		failf(v, "expect at line %d: %s:%s carries no traffic (no route to another router's loopback leaves by it)",
		      ex->loc.line, ex->hname, ex->ifname);
}

static void check_expects(struct val *v)
{
	const struct topo *t = v->t;
	char a[64], want[48];

	for (size_t i = 0; i < t->n_expects; i++) {
		const struct expect *ex = &t->expects[i];
		const char *s = v->h[ex->host].sections[1];
		const struct prefix *p = expect_addr(v, ex);

		if (!v->h[ex->host].holder)
			continue;
		if (ex->kind == EXPECT_CARRIES) {
			check_carries(v, ex, i, s);
			continue;
		}
		if (!p) {
			failf(v, "expect at line %d: %s has no loopback", ex->loc.line, ex->tname);
			continue;
		}
		addr_str(p, a, sizeof(a));
		if (ex->kind == EXPECT_REACHES) {
			snprintf(want, sizeof(want), "ok %zu\n", i);
			if (!s || !has_line(s, want))
				failf(v, "expect at line %d: %s does not reach %s", ex->loc.line,
				      ex->hname, a);
			continue;
		}
		{
			bool good = false;
			char got[64] = "";

			snprintf(want, sizeof(want), "dev %zu ", i);
			if (s && strstr(s, want))
				sscanf(strstr(s, want) + strlen(want), "%63s", got);
			for (size_t li = 0; li < t->n_links && !good; li++) {
				size_t me, via;

				for (me = 0; me < t->links[li].n_ends; me++)
					if (t->links[li].ends[me].host == ex->host)
						break;
				for (via = 0; via < t->links[li].n_ends; via++)
					if (t->links[li].ends[via].host == ex->via)
						break;
				good = me < t->links[li].n_ends && via < t->links[li].n_ends &&
				       !strcmp(got, t->links[li].ends[me].ifname);
			}
			if (!good)
				failf(v, "expect at line %d: %s's route to %s leaves by %s, not towards %s",
				      ex->loc.line, ex->hname, a, got[0] ? got : "nothing", ex->vname);
		}
	}
}

/* The matrix: row pings column; `.' answered, `X' not, `-' itself. */
static void check_reach(struct val *v, FILE *out)
{
	const struct topo *t = v->t;
	char a[64];

	fprintf(out, "reachability (row pings the column's loopback; . answered, X did not, ~ other family):\n%-12s", "");
	for (size_t o = 0; o < t->n_hosts; o++)
		if (v->h[o].router && v->h[o].lo)
			fprintf(out, " %s", t->hosts[o].name);
	fputc('\n', out);
	for (size_t hi = 0; hi < t->n_hosts; hi++) {
		if (!v->h[hi].holder || !v->h[hi].router || !v->h[hi].lo)
			continue;
		fprintf(out, "%-12s", t->hosts[hi].name);
		for (size_t o = 0; o < t->n_hosts; o++) {
			bool ok;

			if (!v->h[o].router || !v->h[o].lo)
				continue;
			if (v->h[o].lo->family != v->h[hi].lo->family) {
				fprintf(out, " %*s", (int)strlen(t->hosts[o].name), "~");
				continue;	/* not pinged: another family */
			}
			ok = o == hi || pinged(v, hi, o);
			fprintf(out, " %*s", (int)strlen(t->hosts[o].name), o == hi ? "-" : ok ? "." : "X");
			if (!ok)
				failf(v, "%s does not reach %s (%s)", t->hosts[hi].name, t->hosts[o].name,
				      addr_str(v->h[o].lo, a, sizeof(a)));
		}
		fputc('\n', out);
	}
}

/* One round: how many checks failed; its matrix in v->report. */
static size_t round_once(struct val *v)
{
	size_t len;
	FILE *out;

	ask_all(v);
	free(v->fail_text);
	free(v->report);
	v->fail_text = v->report = NULL;
	v->n_fail = v->n_adj = v->n_adj_up = 0;
	v->fails = open_memstream(&v->fail_text, &v->fail_len);
	out = open_memstream(&v->report, &len);
	if (!v->fails || !out)
		abort();
	check_reach(v, out);
	check_adjacencies(v);
	check_expects(v);
	fprintf(out, "adjacencies: %zu of %zu up\n", v->n_adj_up, v->n_adj);
	fclose(out);
	fclose(v->fails);
	return v->n_fail;
}

static size_t n_routers(const struct val *v)
{
	size_t n = 0;

	for (size_t hi = 0; hi < v->t->n_hosts; hi++)
		n += v->h[hi].router;
	return n;
}

static int parse_args(int argc, char **argv, double *timeout)
{
	if (argc != 2 && !(argc == 4 && !strcmp(argv[2], "--timeout")))
		return -1;
	if (argc == 4) {
		char *end;

		*timeout = strtod(argv[3], &end);
		if (*end || end == argv[3] || *timeout < 0 || *timeout > 86400)
			return -1;
	}
	return name_arg_ok(NAME_SLICE, argv[1]) ? 0 : -1;
}

int cmd_validate(int argc, char **argv)
{
	double timeout = 120, t0 = now();
	struct diag d = { 0 };
	struct val v = { 0 };
	struct topo t;
	size_t fails;

	if (parse_args(argc, argv, &timeout)) {
		fprintf(stderr, "usage: trellisd validate SLICE [--timeout SECONDS]\n");
		return 2;
	}
	if (!slice_exists(argv[1])) {
		errorf("validate: slice %s is not up", argv[1]);
		return 1;
	}
	if (state_topo(argv[1], &t, &d)) {
		diag_print(&d);
		diag_free(&d);
		errorf("validate: cannot read the topology of %s", argv[1]);
		return 1;
	}
	v.t = &t;
	v.slice = argv[1];
	v.h = calloc(t.n_hosts + 1, sizeof(*v.h));
	snprintf(v.dir, sizeof(v.dir), "/tmp/trellis-validate.XXXXXX");
	if (!v.h || !mkdtemp(v.dir) || load_holders(&v)) {
		errorf("validate: %s", v.h ? strerror(errno) : "out of memory");
		topo_free(&t);
		free(v.h);
		return 1;
	}
	for (size_t hi = 0; hi < t.n_hosts; hi++) {
		v.h[hi].router = t.hosts[hi].frr.set || t.hosts[hi].bird.set;
		v.h[hi].lo = router_lo(&t, hi);
	}
	while ((fails = round_once(&v)) && now() - t0 < timeout)
		sleep(1);
	printf("validate %s: %zu router%s, after %.0f s\n%s", argv[1], n_routers(&v),
	       n_routers(&v) == 1 ? "" : "s", now() - t0, v.report);
	if (fails)
		printf("failed (%zu):\n%s", fails, v.fail_text);
	printf("validate %s: %s\n", argv[1], fails ? "FAILED" : "ok");
	for (size_t hi = 0; hi < t.n_hosts; hi++)
		free(v.h[hi].out);
	free(v.fail_text);
	free(v.report);
	free(v.h);
	rmdir(v.dir);
	topo_free(&t);
	return fails ? 1 : 0;
}
