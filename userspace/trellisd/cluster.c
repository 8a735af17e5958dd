// SPDX-License-Identifier: GPL-2.0
/*
 * The --all commands (docs/multinode.md): up, down, apply, status and
 * validate on every node of a slice, from one machine.
 *
 *   up FILE --all       reach every node (remote.c), check each (version,
 *                       the slice's files copied and parsed there, modules,
 *                       underlay address, peers answering), report every
 *                       failing node, then `up' on all at once; if any
 *                       fails, `down' on those that built
 *   apply FILE --all    the same checks, then `apply' on all at once
 *   down SLICE|FILE --all, status SLICE --all [--json],
 *   validate SLICE --all [--timeout S]
 *                       on every node at once, the answers merged
 *
 * Each node's part runs in a child of its own (a worker), its output in a
 * file of the private directory, printed "[NODE] " line by line once every
 * worker has ended.  Helpers the nodes run: `version', `receive SLICE'
 * (the slice's files, a tar stream on stdin) and `precheck FILE --node N'.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "names.h"
#include "remote.h"
#include "state.h"
#include "trellisd.h"

struct cl {
	const char *verb;	/* up, down, apply, status, validate */
	struct topo t;
	bool have_t;
	const char *file;	/* as given (up, apply, or down FILE) */
	char *real;		/* its absolute path */
	const char *slice;
	const char *backend;	/* --backend's value, or NULL */
	const char *timeout;	/* validate --timeout's value, or NULL */
	bool json;
	struct remote r;
	struct rnode *nodes;
	char **rpath;		/* the topology on each node */
	int *st;		/* each worker's exit status */
	bool *built;		/* up: the nodes where it succeeded */
};

typedef int (*step_fn)(struct cl *c, size_t i, int out);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void out_path(const struct cl *c, size_t i, const char *kind, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.%s", c->r.dir, c->nodes[i].name, kind);
}

static char *slurp(const char *path)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re"), *m;
	int ch;

	if (!f)
		return strdup("");
	m = open_memstream(&s, &len);
	if (!m)
		abort();
	while ((ch = fgetc(f)) != EOF)
		fputc(ch, m);
	fclose(f);
	fclose(m);
	return s;
}

/* Runs fn for every node with which[i] (NULL: all) at once, one worker
 * each; c->st[i] gets its exit status. */
static void run_all(struct cl *c, const bool *which, step_fn fn, const char *kind)
{
	pid_t *pid = calloc(c->t.n_nodes + 1, sizeof(*pid));

	if (!pid)
		abort();
	fflush(NULL);
	for (size_t i = 0; i < c->t.n_nodes; i++) {
		char path[256];
		int fd;

		if (which && !which[i])
			continue;
		out_path(c, i, kind, path, sizeof(path));
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		pid[i] = fd < 0 ? -1 : fork();
		if (pid[i] == 0)
			_exit(fn(c, i, fd));
		if (fd >= 0)
			close(fd);
		c->st[i] = 127;
	}
	for (size_t i = 0; i < c->t.n_nodes; i++) {
		int s;

		if (pid[i] > 0 && waitpid(pid[i], &s, 0) == pid[i])
			c->st[i] = WIFEXITED(s) ? WEXITSTATUS(s) : 128 + WTERMSIG(s);
	}
	free(pid);
}

/* A worker's output, each line "[NODE] ". */
static void print_out(const struct cl *c, size_t i, const char *kind, FILE *to)
{
	char path[256], *s, *line, *save = NULL;

	out_path(c, i, kind, path, sizeof(path));
	s = slurp(path);
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		fprintf(to, "[%s] %s\n", c->nodes[i].name, line);
	free(s);
}

static const char *where(const struct rnode *n, char *buf, size_t len)
{
	if (n->local)
		snprintf(buf, len, "here");
	else
		snprintf(buf, len, "ssh %s, from %s", n->target, n->from);
	return buf;
}

/* ---- the node's side: version, receive, precheck ---- */

int cmd_version(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: trellisd version\n");
		return 2;
	}
	printf("trellisd %s (api %d)\n", TRELLIS_VERSION, API_VERSION);
	return 0;
}

static int receive_dir(const char *slice, char *buf, size_t len)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (!geteuid()) {
		snprintf(buf, len, "%s/%s", REMOTE_DIR_ROOT, slice);
		return 0;
	}
	if (!home && (pw = getpwuid(getuid())))
		home = pw->pw_dir;
	if (!home)
		return -1;
	snprintf(buf, len, "%s/.local/share/trellis/remote/%s", home, slice);
	return 0;
}

/* trellisd receive SLICE [--new|--remove]: the slice's files from stdin
 * (tar), under its directory, which is printed (--new: only if the slice
 * is not up here); --remove: that directory removed. */
int cmd_receive(int argc, char **argv)
{
	const char *targv[] = { "tar", "-C", NULL, "-xf", "-", "--no-same-owner", NULL };
	char dir[4096], tree[4200];
	int st;
	pid_t pid;

	if (argc < 2 || argc > 3 ||
	    (argc == 3 && strcmp(argv[2], "--remove") && strcmp(argv[2], "--new"))) {
		fprintf(stderr, "usage: trellisd receive SLICE [--new|--remove]\n");
		return 2;
	}
	if (!name_arg_ok(NAME_SLICE, argv[1]))
		return 2;
	if (argc == 3 && !strcmp(argv[2], "--new") && slice_exists(argv[1])) {
		/* its files stay: the deployed slice reads them */
		errorf("receive %s: the slice is already up here", argv[1]);
		return 1;
	}
	if (receive_dir(argv[1], dir, sizeof(dir))) {
		errorf("receive %s: no home directory", argv[1]);
		return 1;
	}
	rm_rf(dir);
	if (argc == 3 && !strcmp(argv[2], "--remove"))
		return 0;
	snprintf(tree, sizeof(tree), "%s/tree", dir);
	if (mkdir_p(tree, 0700)) {
		errorf("receive %s: cannot create %s: %s", argv[1], tree, strerror(errno));
		return 1;
	}
	targv[2] = tree;
	pid = fork();
	if (pid == 0) {
		execvp("tar", (char *const *)targv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		errorf("receive %s: unpacking the files failed", argv[1]);
		rm_rf(dir);
		return 1;
	}
	printf("%s\n", tree);
	return 0;
}

static uint16_t csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

static void sockaddr_of(const struct prefix *a, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_addr = a->addr.v4;
		*len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;

		s->sin6_family = AF_INET6;
		s->sin6_addr = a->addr.v6;
		*len = sizeof(*s);
	}
}

/* An echo request from src to dst; 0 once one is answered within about
 * 3 s (three tries), else an errno. */
static int echo_probe(const struct prefix *src, const struct prefix *dst)
{
	bool v6 = dst->family == AF_INET6;
	struct sockaddr_storage from, to;
	uint16_t id = (uint16_t)getpid();
	socklen_t flen, tlen;
	int fd, err = ETIMEDOUT;

	bool dgram = false;

	fd = socket(dst->family, SOCK_RAW | SOCK_CLOEXEC, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (fd < 0 && (errno == EPERM || errno == EACCES)) {
		/* not root: a ping socket, if net.ipv4.ping_group_range allows */
		dgram = true;
		fd = socket(dst->family, SOCK_DGRAM | SOCK_CLOEXEC,
			    v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	}
	if (fd < 0)
		return errno;
	sockaddr_of(src, &from, &flen);
	sockaddr_of(dst, &to, &tlen);
	if (bind(fd, (struct sockaddr *)&from, flen)) {
		err = errno;
		goto out;
	}
	for (uint16_t seq = 0; seq < 3 && err; seq++) {
		uint8_t pkt[64] = { v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO }, buf[512];
		double end = now() + 1;
		uint16_t *h = (uint16_t *)pkt;

		h[2] = htons(id);
		h[3] = htons(seq);
		if (!v6)	/* the kernel sums ICMPv6 */
			h[1] = csum(pkt, sizeof(pkt));
		if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, tlen) < 0) {
			err = errno;
			break;
		}
		while (err && now() < end) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			ssize_t n;
			size_t off;

			if (poll(&pfd, 1, (int)((end - now()) * 1000) + 1) <= 0)
				continue;
			n = recv(fd, buf, sizeof(buf), 0);
			/* a raw IPv4 socket reads the IP header first; a ping
			 * socket's id is its port, set by the kernel */
			off = v6 || dgram ? 0 : (size_t)(buf[0] & 0xf) * 4;
			if (n < (ssize_t)off + 8)
				continue;
			h = (uint16_t *)(buf + off);
			if (buf[off] == (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY) &&
			    (dgram || ntohs(h[2]) == id) && ntohs(h[3]) == seq)
				err = 0;
		}
	}
out:
	close(fd);
	return err;
}

static bool shares_link(const struct topo *t, int a, int b)
{
	for (size_t l = 0; l < t->n_links; l++) {
		const struct link *k = &t->links[l];
		bool has_a = false, has_b = false;

		for (size_t e = 0; e < k->n_ends; e++) {
			has_a |= t->hosts[k->ends[e].host].node == a;
			has_b |= t->hosts[k->ends[e].host].node == b;
		}
		if (has_a && has_b)
			return true;
	}
	return false;
}

/* The modules, unless the gretap fallback is asked for; the address; the
 * peers it has links to answering from it. */
static int precheck_node(const struct topo *t, int me, const char *backend)
{
	const struct tnode *n = &t->nodes[me];
	char a[64], b[64];
	int bad = 0;

	if (!backend || strcmp(backend, "gretap"))
		for (const char *const *m = (const char *const[]){ "egre", "shortbridge", NULL }; *m; m++) {
			char path[64];

			snprintf(path, sizeof(path), "/sys/module/%s", *m);
			if (access(path, F_OK)) {
				printf("module %s is not loaded (modprobe %s, or --backend gretap for Linux's gretap and bridge)\n",
				       *m, *m);
				bad++;
			}
		}
	addr_str(&n->underlay, a, sizeof(a));
	if (remote_addr_local(&n->underlay) != 1) {
		printf("underlay address %s is not on this machine\n", a);
		return bad + 1;
	}
	for (size_t p = 0; p < t->n_nodes; p++) {
		int err;

		if ((int)p == me || !shares_link(t, me, (int)p))
			continue;
		err = echo_probe(&n->underlay, &t->nodes[p].underlay);
		if (err == EPERM || err == EACCES) {
			printf("warning: cannot send an echo request to node %s (%s): not checked\n",
			       t->nodes[p].name, strerror(err));
		} else if (err) {
			printf("node %s's underlay %s does not answer from %s (%s)\n", t->nodes[p].name,
			       addr_str(&t->nodes[p].underlay, b, sizeof(b)), a,
			       err == ETIMEDOUT ? "no echo reply" : strerror(err));
			bad++;
		}
	}
	return bad;
}

/* trellisd precheck FILE --node NAME [--for up|apply] [--backend B]: what
 * up --all asks each node before anything is built; one line per problem. */
int cmd_precheck(int argc, char **argv)
{
	const char *file = NULL, *node = NULL, *verb = "up", *backend = NULL;
	struct diag dg = { 0 };
	struct topo t;
	int me, bad;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--node") && i + 1 < argc)
			node = argv[++i];
		else if (!strcmp(argv[i], "--for") && i + 1 < argc)
			verb = argv[++i];
		else if (!strcmp(argv[i], "--backend") && i + 1 < argc)
			backend = argv[++i];
		else if (!file && argv[i][0] != '-')
			file = argv[i];
		else
			file = node = NULL, i = argc;
	}
	if (!file || !node || !name_arg_ok(NAME_NODE, node) ||
	    (strcmp(verb, "up") && strcmp(verb, "apply"))) {
		fprintf(stderr, "usage: trellisd precheck FILE --node NAME [--for up|apply] [--backend egre|gretap|auto]\n");
		return 2;
	}
	if (topo_parse_file(&t, file, NULL, &dg)) {
		diag_print(&dg);
		diag_free(&dg);
		printf("the slice's file does not parse here\n");
		return 1;
	}
	me = topo_node(&t, node);
	if (me < 0) {
		printf("no node `%s' in %s\n", node, file);
		topo_free(&t);
		return 1;
	}
	bad = precheck_node(&t, me, backend);
	if (!strcmp(verb, "up") && slice_exists(t.slice)) {
		printf("slice %s is already up here\n", t.slice);
		bad++;
	} else if (!strcmp(verb, "apply") && !slice_exists(t.slice)) {
		printf("slice %s is not up here\n", t.slice);
		bad++;
	}
	if (!strcmp(verb, "up") && state_check_keys(&t, true))
		bad++;
	topo_free(&t);
	return bad ? 1 : 0;
}

/* ---- the caller's side ---- */

/* The files a node needs: the topology and every file it names. */
static const char **slice_files(const struct cl *c, size_t *n)
{
	const struct topo *t = &c->t;
	const char **v;
	size_t k = 0, max = 1;

	for (size_t h = 0; h < t->n_hosts; h++)
		max += 2 + t->hosts[h].n_files;
	v = calloc(max + 1, sizeof(*v));
	if (!v)
		abort();
	v[k++] = c->real;
	for (size_t h = 0; h < t->n_hosts; h++) {
		const struct host *x = &t->hosts[h];

		if (x->frr.set && x->frr.config)
			v[k++] = x->frr.config;
		if (x->bird.set && x->bird.config)
			v[k++] = x->bird.config;
		for (size_t f = 0; f < x->n_files; f++)
			v[k++] = x->files[f].src;
	}
	*n = k;
	return v;
}

/* Reach the node (its shared connection opens), compare its version. */
static int step_reach(struct cl *c, size_t i, int out)
{
	const char *argv[] = { "version", NULL };
	char want[64], path[256], *got;
	int st, fd;

	out_path(c, i, "version", path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return 127;
	st = remote_trellisd(&c->r, &c->nodes[i], argv, -1, fd, out, true);
	close(fd);
	if (st == 255) {
		dprintf(out, "unreachable over ssh (%s)\n", c->nodes[i].target);
		return st;
	}
	got = slurp(path);
	snprintf(want, sizeof(want), "trellisd %s (api %d)\n", TRELLIS_VERSION, API_VERSION);
	if (st || strcmp(got, want)) {
		dprintf(out, "runs %.*s, not trellisd %s (api %d)\n",
			(int)strcspn(st ? "no `trellisd version'" : got, "\n"),
			st ? "no `trellisd version'" : got, TRELLIS_VERSION, API_VERSION);
		free(got);
		return st ? st : 1;
	}
	free(got);
	return 0;
}

/* Copy the slice's files there; the topology's path there in rpath. */
static int step_send(struct cl *c, size_t i, int out)
{
	char path[256], *dir;
	const char **files;
	size_t n;
	int st, fd;

	if (c->nodes[i].local)
		return 0;
	out_path(c, i, "dir", path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return 127;
	files = slice_files(c, &n);
	st = remote_send(&c->r, &c->nodes[i], c->slice, !strcmp(c->verb, "up"), files, n, fd, out);
	free(files);
	close(fd);
	dir = slurp(path);
	if (!st && (dir[0] != '/' || !strchr(dir, '\n'))) {
		dprintf(out, "receive printed no directory\n");
		st = 1;
	}
	free(dir);
	return st;
}

static void load_rpath(struct cl *c, size_t i)
{
	char path[256], *dir;

	if (c->nodes[i].local) {
		c->rpath[i] = strdup(c->real);
		return;
	}
	out_path(c, i, "dir", path, sizeof(path));
	dir = slurp(path);
	dir[strcspn(dir, "\n")] = '\0';
	if (asprintf(&c->rpath[i], "%s%s", dir, c->real) < 0)
		abort();
	free(dir);
}

/* In a worker: rpath is the worker's own (run_all's caller loads it). */
static int step_check(struct cl *c, size_t i, int out)
{
	int st = step_reach(c, i, out);

	if (st || (st = step_send(c, i, out)))
		return st;
	load_rpath(c, i);
	{
		const char *argv[] = { "precheck", c->rpath[i], "--node", c->nodes[i].name,
				       "--for", c->verb, c->backend ? "--backend" : NULL,
				       c->backend, NULL };

		return remote_trellisd(&c->r, &c->nodes[i], argv, -1, out, out, false);
	}
}

static int step_build(struct cl *c, size_t i, int out)
{
	const char *argv[] = { c->verb, c->rpath[i], "--node", c->nodes[i].name,
			       c->backend ? "--backend" : NULL, c->backend, NULL };

	return remote_trellisd(&c->r, &c->nodes[i], argv, -1, out, out, false);
}

static bool received(const struct cl *c, size_t i)
{
	char path[256];
	struct stat st;

	out_path(c, i, "dir", path, sizeof(path));
	return !c->nodes[i].local && !stat(path, &st) && st.st_size > 0;
}

static int step_unsend(struct cl *c, size_t i, int out)
{
	const char *rm[] = { "receive", c->slice, "--remove", NULL };

	return remote_trellisd(&c->r, &c->nodes[i], rm, -1, out, out, false);
}

static int step_down(struct cl *c, size_t i, int out)
{
	const char *argv[] = { "down", c->slice, NULL };
	int st = remote_trellisd(&c->r, &c->nodes[i], argv, -1, out, out, false);

	if (!c->nodes[i].local && step_unsend(c, i, out))
		st = st ? st : 1;
	return st;
}

/* After a failed up: down where it built; elsewhere (its up undid itself)
 * only the copied files removed. */
static int step_rollback(struct cl *c, size_t i, int out)
{
	if (c->built[i])
		return step_down(c, i, out);
	return c->nodes[i].local ? 0 : step_unsend(c, i, out);
}

static int step_reach_down(struct cl *c, size_t i, int out)
{
	int st = step_reach(c, i, out);

	return st ? st : step_down(c, i, out);
}

static int step_status(struct cl *c, size_t i, int out)
{
	const char *argv[] = { "status", c->json ? "--json" : c->slice, c->json ? c->slice : NULL,
			       NULL };
	int st = step_reach(c, i, out);

	return st ? st : remote_trellisd(&c->r, &c->nodes[i], argv, -1, out, out, false);
}

static int step_validate(struct cl *c, size_t i, int out)
{
	const char *argv[] = { "validate", c->slice, c->timeout ? "--timeout" : NULL, c->timeout,
			       NULL };
	int st = step_reach(c, i, out);

	return st ? st : remote_trellisd(&c->r, &c->nodes[i], argv, -1, out, out, false);
}

/* Nodes whose worker failed, with their outputs; how many. */
static size_t report_failed(struct cl *c, const char *kind, const char *what)
{
	size_t bad = 0;
	char w[300];

	for (size_t i = 0; i < c->t.n_nodes; i++) {
		if (!c->st[i])
			continue;
		bad++;
		errorf("%s %s --all: node %s (%s) %s:", c->verb, c->slice, c->nodes[i].name,
		       where(&c->nodes[i], w, sizeof(w)), what);
		print_out(c, i, kind, stderr);
	}
	return bad;
}

static int cluster_up(struct cl *c)
{
	bool *built = calloc(c->t.n_nodes + 1, sizeof(*built));
	double t0 = now();
	size_t bad;

	if (!built)
		abort();
	c->built = built;
	run_all(c, NULL, step_check, "check");
	if (report_failed(c, "check", "fails the checks")) {
		errorf("%s %s --all: nothing built", c->verb, c->slice);
		if (!strcmp(c->verb, "up")) {	/* the files copied */
			for (size_t i = 0; i < c->t.n_nodes; i++)
				built[i] = received(c, i);
			run_all(c, built, step_unsend, "undo");
		}
		c->built = NULL;
		free(built);
		return 1;
	}
	for (size_t i = 0; i < c->t.n_nodes; i++)
		load_rpath(c, i);
	run_all(c, NULL, step_build, "build");
	for (size_t i = 0; i < c->t.n_nodes; i++) {
		built[i] = !c->st[i];
		if (!c->st[i])
			print_out(c, i, "build", stdout);
	}
	bad = report_failed(c, "build", "failed");
	if (bad && !strcmp(c->verb, "up")) {
		fprintf(stderr, "trellisd: up %s --all: rolling back the %zu node%s that built\n",
			c->slice, c->t.n_nodes - bad, c->t.n_nodes - bad == 1 ? "" : "s");
		run_all(c, NULL, step_rollback, "undo");
		for (size_t i = 0; i < c->t.n_nodes; i++) {
			print_out(c, i, "undo", stderr);
			if (c->st[i])
				errorf("up %s --all: node %s did not roll back (see above)", c->slice,
				       c->nodes[i].name);
		}
	} else if (bad) {
		errorf("apply %s --all: %zu of %zu nodes did not apply (each kept what it had); run it again",
		       c->slice, bad, c->t.n_nodes);
	}
	if (!bad)
		printf("trellisd: %s %s --all: %zu nodes in %.1f s\n", c->verb, c->slice,
		       c->t.n_nodes, now() - t0);
	c->built = NULL;
	free(built);
	return bad ? 1 : 0;
}

static int cluster_down(struct cl *c)
{
	size_t bad;

	run_all(c, NULL, step_reach_down, "down");
	for (size_t i = 0; i < c->t.n_nodes; i++)
		if (!c->st[i])
			print_out(c, i, "down", stdout);
	bad = report_failed(c, "down", "failed");
	return bad ? 1 : 0;
}

static int status_json(struct cl *c)
{
	struct json_object *top = json_object_new_object(), *nodes = json_object_new_object();
	char path[256];

	json_object_object_add(top, "slice", json_object_new_string(c->slice));
	for (size_t i = 0; i < c->t.n_nodes; i++) {
		struct json_object *o = NULL, *a;
		char *s;

		out_path(c, i, "status", path, sizeof(path));
		s = slurp(path);
		a = c->st[i] ? NULL : json_tokener_parse(s);
		if (a && json_object_is_type(a, json_type_array) && json_object_array_length(a))
			o = json_object_get(json_object_array_get_idx(a, 0));
		json_object_put(a);
		if (!o) {
			o = json_object_new_object();
			s[strcspn(s, "\n")] = '\0';
			json_object_object_add(o, "error", json_object_new_string(s));
		}
		json_object_object_add(nodes, c->nodes[i].name, o);
		free(s);
	}
	json_object_object_add(top, "nodes", nodes);
	printf("%s\n", json_object_to_json_string_ext(top, JSON_C_TO_STRING_PLAIN));
	json_object_put(top);
	return 0;
}

static int cluster_status(struct cl *c)
{
	char w[300];
	int ret = 0;

	run_all(c, NULL, step_status, "status");
	if (c->json)
		ret = status_json(c);
	for (size_t i = 0; !c->json && i < c->t.n_nodes; i++) {
		printf("node %s (%s):\n", c->nodes[i].name, where(&c->nodes[i], w, sizeof(w)));
		print_out(c, i, "status", stdout);
	}
	for (size_t i = 0; i < c->t.n_nodes; i++)
		if (c->st[i]) {
			errorf("status %s --all: node %s answered with status %d", c->slice,
			       c->nodes[i].name, c->st[i]);
			ret = 1;
		}
	return ret;
}

/* One node's validate output, split: matrix rows (after the column line)
 * into rows, the failures into fails; its adjacency counts added. */
static bool validate_split(char *s, FILE *rows, FILE *fails, const char *node, char **cols,
			   size_t *adj_up, size_t *adj)
{
	char *line, *save = NULL;
	int part = 0;	/* 0 before the matrix, 1 its columns, 2 rows, 3 after */
	bool ok = false;

	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t u, n;

		if (!strncmp(line, "reachability ", 13)) {
			part = 1;
		} else if (part == 1) {
			if (!*cols)
				*cols = strdup(line);
			part = 2;
		} else if (sscanf(line, "adjacencies: %zu of %zu up", &u, &n) == 2) {
			*adj_up += u;
			*adj += n;
			part = 3;
		} else if (part == 2) {
			fprintf(rows, "%s\n", line);
		} else if (part == 3 && line[0] == ' ') {
			fprintf(fails, "  [%s] %s\n", node, line + 2);
		} else if (strstr(line, "validate ") == line && strstr(line, ": ok")) {
			ok = true;
		}
	}
	return ok;
}

static int cluster_validate(struct cl *c)
{
	size_t adj = 0, adj_up = 0, len_r, len_f, bad = 0;
	char path[256], *cols = NULL, *rows, *fails;
	FILE *fr, *ff;

	run_all(c, NULL, step_validate, "validate");
	fr = open_memstream(&rows, &len_r);
	ff = open_memstream(&fails, &len_f);
	if (!fr || !ff)
		abort();
	for (size_t i = 0; i < c->t.n_nodes; i++) {
		char *s;

		out_path(c, i, "validate", path, sizeof(path));
		s = slurp(path);
		if (!validate_split(s, fr, ff, c->nodes[i].name, &cols, &adj_up, &adj) ||
		    c->st[i]) {
			bad++;
			fprintf(ff, "  [%s] validate failed there (status %d)%s\n", c->nodes[i].name,
				c->st[i], c->st[i] == 1 ? "" : ":");
			if (c->st[i] != 1)
				print_out(c, i, "validate", ff);
		}
		free(s);
	}
	fclose(fr);
	fclose(ff);
	printf("validate %s --all: %zu nodes\nreachability (row pings the column's loopback; . answered, X did not, ~ other family):\n%s\n%s",
	       c->slice, c->t.n_nodes, cols ? cols : "", rows);
	printf("adjacencies: %zu of %zu up (one across nodes counts on each)\n", adj_up, adj);
	if (bad)
		printf("failed on %zu node%s:\n%s", bad, bad == 1 ? "" : "s", fails);
	printf("validate %s --all: %s\n", c->slice, bad ? "FAILED" : "ok");
	free(cols);
	free(rows);
	free(fails);
	return bad ? 1 : 0;
}

/* The topology: FILE (up, apply, or any verb given a file), else the
 * deployed copy of SLICE on this machine. */
static int cluster_topo(struct cl *c, const char *arg)
{
	struct diag dg = { 0 };
	struct stat st;

	if (strcmp(c->verb, "up") && strcmp(c->verb, "apply") && !name_check(NAME_SLICE, arg, NULL, 0)) {
		if (!slice_exists(arg)) {
			errorf("%s %s --all: the slice is not up on this machine: give its FILE to reach its nodes",
			       c->verb, arg);
			return 1;
		}
		if (state_topo(arg, &c->t, &dg))
			goto bad;
		c->have_t = true;
		c->slice = c->t.slice;
		return 0;
	}
	if (stat(arg, &st) || !S_ISREG(st.st_mode)) {
		if (strcmp(c->verb, "up") && strcmp(c->verb, "apply"))
			name_arg_ok(NAME_SLICE, arg);
		else
			errorf("%s --all: cannot read %s: %s", c->verb, arg,
			       errno ? strerror(errno) : "not a regular file");
		return 2;
	}
	c->file = arg;
	c->real = realpath(arg, NULL);
	if (!c->real || topo_parse_file(&c->t, arg, NULL, &dg))
		goto bad;
	c->have_t = true;
	c->slice = c->t.slice;
	return 0;
bad:
	diag_print(&dg);
	if (!c->real)
		errorf("%s --all: %s: %s", c->verb, arg, strerror(errno));
	else
		errorf("%s %s --all: %zu error%s, nothing changed", c->verb, arg, dg.n,
		       dg.n == 1 ? "" : "s");
	diag_free(&dg);
	return 1;
}

static int cluster_args(struct cl *c, int argc, char **argv, const char **arg)
{
	*arg = NULL;
	for (int i = 1; i < argc; i++) {
		bool build = !strcmp(c->verb, "up") || !strcmp(c->verb, "apply");

		if (build && !strcmp(argv[i], "--backend") && i + 1 < argc &&
		    (!strcmp(argv[i + 1], "egre") || !strcmp(argv[i + 1], "gretap") ||
		     !strcmp(argv[i + 1], "auto")))
			c->backend = argv[++i];
		else if (!strcmp(c->verb, "status") && !strcmp(argv[i], "--json"))
			c->json = true;
		else if (!strcmp(c->verb, "validate") && !strcmp(argv[i], "--timeout") && i + 1 < argc)
			c->timeout = argv[++i];
		else if (!*arg && argv[i][0] != '-')
			*arg = argv[i];
		else
			return -1;
	}
	return *arg ? 0 : -1;
}

static const char *const all_usage[] = {
	"up FILE --all [--backend egre|gretap|auto]", "down SLICE|FILE --all",
	"apply FILE --all [--backend egre|gretap|auto]", "status SLICE --all [--json]",
	"validate SLICE --all [--timeout SECONDS]", NULL };

static int cluster_run(struct cl *c)
{
	char w[300];

	if (!c->t.n_nodes) {
		errorf("%s %s --all: the slice declares no nodes (`node NAME underlay ADDRESS')",
		       c->verb, c->slice);
		return 1;
	}
	c->nodes = calloc(c->t.n_nodes, sizeof(*c->nodes));
	c->rpath = calloc(c->t.n_nodes, sizeof(*c->rpath));
	c->st = calloc(c->t.n_nodes, sizeof(*c->st));
	if (!c->nodes || !c->rpath || !c->st)
		abort();
	if (remote_nodes(&c->t, c->nodes))
		return 1;
	if (!c->json)
		for (size_t i = 0; i < c->t.n_nodes; i++)
			printf("trellisd: %s %s --all: node %s: %s\n", c->verb, c->slice,
			       c->nodes[i].name, where(&c->nodes[i], w, sizeof(w)));
	if (remote_init(&c->r))
		return 1;
	if (!strcmp(c->verb, "up") || !strcmp(c->verb, "apply"))
		return cluster_up(c);
	if (!strcmp(c->verb, "down"))
		return cluster_down(c);
	if (!strcmp(c->verb, "status"))
		return cluster_status(c);
	return cluster_validate(c);
}

int cluster_main(int argc, char **argv)
{
	static const char *const verbs[] = { "up", "down", "apply", "status", "validate", NULL };
	struct cl c = { .verb = argv[0] };
	const char *arg;
	int all = 0, ret;

	for (ret = 0; verbs[ret] && strcmp(verbs[ret], argv[0]); ret++)
		;
	for (int i = 1; verbs[ret] && i < argc; i++)
		if (!strcmp(argv[i], "--all")) {
			all++;
			memmove(argv + i, argv + i + 1, (argc - i) * sizeof(*argv));
			argc--, i--;
		}
	if (!all)
		return -1;
	if (all > 1 || cluster_args(&c, argc, argv, &arg)) {
		for (size_t i = 0; all_usage[i]; i++)
			if (!strncmp(all_usage[i], c.verb, strlen(c.verb)))
				fprintf(stderr, "usage: trellisd %s\n", all_usage[i]);
		return 2;
	}
	ret = cluster_topo(&c, arg);
	if (!ret)
		ret = cluster_run(&c);
	if (c.r.dir[0])
		remote_fini(&c.r, c.nodes, c.nodes ? c.t.n_nodes : 0);
	for (size_t i = 0; c.rpath && i < c.t.n_nodes; i++)
		free(c.rpath[i]);
	free(c.rpath);
	free(c.st);
	free(c.nodes);
	free(c.real);
	if (c.have_t)
		topo_free(&c.t);
	return ret;
}
