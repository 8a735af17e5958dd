// SPDX-License-Identifier: GPL-2.0
/* Running trellisd on a slice's nodes over OpenSSH (remote.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "names.h"
#include "remote.h"
#include "state.h"
#include "trellisd.h"

/* How long an idle shared connection outlives its last use. */
#define CONTROL_PERSIST "60"

int remote_init(struct remote *r)
{
	ssize_t n = readlink("/proc/self/exe", r->self, sizeof(r->self) - 1);

	if (n <= 0) {
		errorf("cannot find this trellisd (/proc/self/exe): %s", strerror(errno));
		return -1;
	}
	r->self[n] = '\0';
	snprintf(r->dir, sizeof(r->dir), "/tmp/trellis-ssh.XXXXXX");
	if (!mkdtemp(r->dir)) {	/* mode 0700 */
		errorf("cannot make a private directory for ssh: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void ctl_path(const struct remote *r, const struct rnode *n, char *buf, size_t len)
{
	snprintf(buf, len, "ControlPath=%s/%s", r->dir, n->name);
}

/* ssh's arguments up to the destination, then the destination:
 * [USER@]HOST[:PORT] as -p PORT and [USER@]HOST ([v6] without brackets). */
static size_t ssh_argv(const struct remote *r, const struct rnode *n, bool master,
		       const char **argv, char *ctl, size_t ctl_len, char *dest, size_t dest_len,
		       char *port, size_t port_len)
{
	const char *at = strchr(n->target, '@'), *host = at ? at + 1 : n->target, *colon;
	size_t k = 0, user = at ? (size_t)(at - n->target + 1) : 0;

	ctl_path(r, n, ctl, ctl_len);
	argv[k++] = "ssh";
	argv[k++] = "-o";
	argv[k++] = "BatchMode=yes";
	argv[k++] = "-o";
	argv[k++] = ctl;
	argv[k++] = "-o";
	argv[k++] = master ? "ControlMaster=yes" : "ControlMaster=no";
	if (master) {
		argv[k++] = "-o";
		argv[k++] = "ControlPersist=" CONTROL_PERSIST;
	}
	argv[k++] = "-o";
	argv[k++] = "ConnectTimeout=30";
	argv[k++] = "-o";
	argv[k++] = "ServerAliveInterval=15";
	if (host[0] == '[') {
		colon = strchr(host, ']') + 1;
		snprintf(dest, dest_len, "%.*s%.*s", (int)user, n->target,
			 (int)(colon - host - 2), host + 1);
	} else {
		colon = strchr(host, ':');
		snprintf(dest, dest_len, "%.*s%.*s", (int)user, n->target,
			 (int)(colon ? (size_t)(colon - host) : strlen(host)), host);
	}
	if (colon && *colon == ':') {
		snprintf(port, port_len, "%s", colon + 1);
		argv[k++] = "-p";
		argv[k++] = port;
	}
	argv[k++] = "--";
	argv[k++] = dest;
	return k;
}

char *remote_quote(const char *const *argv)
{
	size_t len;
	char *out;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		abort();
	for (size_t i = 0; argv[i]; i++) {
		fputs(i ? " '" : "'", f);
		for (const char *c = argv[i]; *c; c++)
			if (*c == '\'')
				fputs("'\\''", f);
			else
				fputc(*c, f);
		fputc('\'', f);
	}
	fclose(f);
	return out;
}

static void child_fds(int in, int out, int err)
{
	if (in < 0)
		in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(127);
}

static int wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 127;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static pid_t spawn(const char *path, const char *const *argv, int in, int out, int err)
{
	pid_t pid = fork();

	if (pid == 0) {
		child_fds(in, out, err);
		if (strchr(path, '/'))
			execv(path, (char *const *)argv);
		else
			execvp(path, (char *const *)argv);
		dprintf(2, "trellisd: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	return pid;
}

/* The node's trellisd with argv: ssh's argv, or this trellisd's. */
static pid_t start(const struct remote *r, const struct rnode *n, const char *const *argv,
		   int in, int out, int err, bool master)
{
	const char *sargv[32], **lv;
	char ctl[128], dest[TOPO_SSH_LEN], port[8], *cmd;
	size_t k = 0, na = 0;
	pid_t pid;

	while (argv[na])
		na++;
	if (n->local) {
		lv = calloc(na + 2, sizeof(*lv));
		if (!lv)
			abort();
		lv[0] = "trellisd";
		memcpy(lv + 1, argv, na * sizeof(*lv));
		pid = spawn(r->self, lv, in, out, err);
		free(lv);
		return pid;
	}
	k = ssh_argv(r, n, master, sargv, ctl, sizeof(ctl), dest, sizeof(dest), port, sizeof(port));
	lv = calloc(na + 2, sizeof(*lv));
	if (!lv)
		abort();
	lv[0] = "trellisd";
	memcpy(lv + 1, argv, na * sizeof(*lv));
	cmd = remote_quote(lv);
	free(lv);
	sargv[k++] = cmd;
	sargv[k] = NULL;
	pid = spawn("ssh", sargv, in, out, err);
	free(cmd);
	return pid;
}

int remote_trellisd(const struct remote *r, const struct rnode *n, const char *const *argv,
		    int in, int out, int err, bool master)
{
	pid_t pid = start(r, n, argv, in, out, err, master);

	return pid < 0 ? 127 : wait_status(pid);
}

int remote_send(const struct remote *r, const struct rnode *n, const char *slice, bool fresh,
		const char *const *paths, size_t n_paths, int out, int err)
{
	const char *recv[] = { "receive", slice, fresh ? "--new" : NULL, NULL }, **targv;
	int pfd[2], st_tar, st;
	pid_t tar, rcv;

	targv = calloc(n_paths + 8, sizeof(*targv));
	if (!targv || pipe2(pfd, O_CLOEXEC))
		abort();
	targv[0] = "tar";
	targv[1] = "-C";
	targv[2] = "/";
	targv[3] = "--dereference";
	targv[4] = "-cf";
	targv[5] = "-";
	targv[6] = "--";
	for (size_t i = 0; i < n_paths; i++)
		targv[7 + i] = paths[i] + strspn(paths[i], "/");	/* relative to -C / */
	tar = spawn("tar", targv, -1, pfd[1], err);
	close(pfd[1]);
	free(targv);
	rcv = start(r, n, recv, pfd[0], out, err, false);
	close(pfd[0]);
	st = rcv < 0 ? 127 : wait_status(rcv);
	st_tar = tar < 0 ? 127 : wait_status(tar);
	if (!st && st_tar) {
		dprintf(err, "trellisd: tar of the slice's files exited with %d\n", st_tar);
		st = st_tar;
	}
	return st;
}

void remote_fini(struct remote *r, const struct rnode *nodes, size_t n)
{
	const char *argv[32];
	char ctl[128], dest[TOPO_SSH_LEN], port[8], sock[sizeof(r->dir) + TOPO_NAME_LEN + 1];
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	for (size_t i = 0; i < n && null >= 0; i++) {
		size_t k;

		snprintf(sock, sizeof(sock), "%s/%s", r->dir, nodes[i].name);
		if (nodes[i].local || access(sock, F_OK))
			continue;
		k = ssh_argv(r, &nodes[i], false, argv, ctl, sizeof(ctl), dest, sizeof(dest),
			     port, sizeof(port));
		/* -O exit goes before the destination */
		memmove(argv + k, argv + k - 2, 2 * sizeof(*argv));
		argv[k - 2] = "-O";
		argv[k - 1] = "exit";
		argv[k + 2] = NULL;
		{
			pid_t pid = spawn("ssh", argv, -1, null, null);

			if (pid > 0)
				wait_status(pid);
		}
	}
	if (null >= 0)
		close(null);
	rm_rf(r->dir);
}

int remote_addr_local(const struct prefix *a)
{
	struct ifaddrs *ifa, *i;
	int found = 0;

	if (getifaddrs(&ifa))
		return -1;
	for (i = ifa; i && !found; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != a->family)
			continue;
		if (a->family == AF_INET)
			found = !memcmp(&((struct sockaddr_in *)i->ifa_addr)->sin_addr, &a->addr.v4, 4);
		else
			found = !memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr,
					&a->addr.v6, 16);
	}
	freeifaddrs(ifa);
	return found;
}

/* ~/.config/trellis/nodes: `NODE ssh TARGET' lines, # comments.  Fills
 * the targets of t's nodes that the file gave none. */
static int user_config(const struct topo *t, struct rnode *nodes)
{
	static char path[4096];
	const char *home = getenv("HOME");
	struct passwd *pw = home ? NULL : getpwuid(getuid());
	char line[512], why[128];
	int ln = 0, ret = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/.config/trellis/nodes", home ? home : pw ? pw->pw_dir : "/");
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : (errorf("cannot read %s: %s", path, strerror(errno)), -1);
	while (fgets(line, sizeof(line), f)) {
		char name[64], kw[8], target[TOPO_SSH_LEN + 1], extra[2];
		int k, nf;

		ln++;
		line[strcspn(line, "#\n")] = '\0';
		nf = sscanf(line, "%63s %7s %128s %1s", name, kw, target, extra);
		if (nf <= 0)
			continue;
		if (nf != 3 || strcmp(kw, "ssh") || !name_valid(NAME_NODE, name, strlen(name))) {
			errorf("%s:%d: expected `NODE ssh [USER@]HOST[:PORT]'", path, ln);
			ret = -1;
			continue;
		}
		if (topo_ssh_check(target, why, sizeof(why))) {
			errorf("%s:%d: bad ssh target `%s': %s", path, ln, target, why);
			ret = -1;
			continue;
		}
		k = topo_node(t, name);
		if (k >= 0 && !t->nodes[k].ssh[0]) {
			snprintf(nodes[k].target, sizeof(nodes[k].target), "%.*s", TOPO_SSH_LEN - 1,
				 target);
			nodes[k].from = path;
		}
	}
	fclose(f);
	return ret;
}

int remote_nodes(const struct topo *t, struct rnode *nodes)
{
	bool local_seen = false;

	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct tnode *tn = &t->nodes[i];
		struct rnode *n = &nodes[i];

		memset(n, 0, sizeof(*n));
		n->name = tn->name;
		if (tn->ssh[0]) {
			snprintf(n->target, sizeof(n->target), "%s", tn->ssh);
			n->from = "the file's ssh clause";
		} else {
			addr_str(&tn->underlay, n->target, sizeof(n->target));
			if (tn->underlay.family == AF_INET6) {
				char a[64];

				snprintf(a, sizeof(a), "%s", n->target);
				snprintf(n->target, sizeof(n->target), "[%s]", a);
			}
			n->from = "its underlay address";
		}
		if (!local_seen && remote_addr_local(&tn->underlay) == 1)
			n->local = local_seen = true;
	}
	return user_config(t, nodes);
}
