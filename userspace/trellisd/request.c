// SPDX-License-Identifier: GPL-2.0
/*
 * One request, in a worker forked by `trellisd serve' (serve.c).
 *
 * The worker reads the request and forks the command's process, which
 * checks who asks (the socket's peer credentials), validates every name,
 * takes the state lock for a change, admits it against policy.conf, then
 * runs the very command function the command line runs, with the client's
 * stdin, stdout and stderr (or, without them, pipes whose text goes back in
 * the reply).  The worker waits for it and replies with its exit status,
 * or with the refusal it reported.  Files a topology names are read with
 * the client's credentials (src_open()).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api.h"
#include "cgroup.h"
#include "names.h"
#include "owner.h"
#include "policy.h"
#include "state.h"
#include "trellisd.h"
#include "sb.h"
#include "egre.h"

#define MAX_GROUPS 256

enum {
	R_MUTATES = 1 << 0,	/* takes the state lock */
	R_ROOT = 1 << 1,	/* root only */
	R_OWNED = 1 << 2,	/* acts on an existing slice: its owner or root */
	R_TOPO = 1 << 3,	/* takes a topology file */
};

struct rcmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	unsigned int flags;
	int slice_arg;		/* argv index of the slice name, 0: none, -1: the
				 * first argument that is not an option */
};

static const struct rcmd rcmds[] = {
	{ "check",  cmd_check,  R_TOPO, 0 },
	{ "up",     cmd_up,     R_TOPO | R_MUTATES, 0 },
	{ "apply",  cmd_apply,  R_TOPO | R_MUTATES | R_OWNED, 0 },
	{ "down",   cmd_down,   R_MUTATES | R_OWNED, 1 },
	{ "status", cmd_status, R_OWNED, -1 },	/* without SLICE: the caller's slices */
	{ "exec",   cmd_exec,   R_OWNED, 1 },
	{ "logs",   cmd_logs,   R_OWNED, 1 },
	{ "validate", cmd_validate, R_OWNED, 1 },
	{ "capture", cmd_capture, R_OWNED, 1 },
	{ "graph",  cmd_graph,  R_OWNED, -1 },	/* a slice: its picture as the client's file */
	{ "link",   cmd_link,   R_MUTATES | R_OWNED, 2 },
	{ "sb",     cmd_sb,     R_ROOT | R_MUTATES, 0 },
	{ "egre",   cmd_egre,   R_ROOT | R_MUTATES, 0 },
	{ "batch",  cmd_batch,  R_ROOT | R_MUTATES, 0 },
};

static const struct rcmd *find_cmd(const char *name)
{
	for (size_t i = 0; name && i < sizeof(rcmds) / sizeof(rcmds[0]); i++)
		if (!strcmp(name, rcmds[i].name))
			return &rcmds[i];
	return NULL;
}

bool request_known(const char *name)
{
	return find_cmd(name) != NULL;
}

/* Who asks, and what. */
struct req {
	struct api_conn conn;
	struct json_object *msg;
	const struct rcmd *cmd;
	int argc;
	char **argv;		/* argv[0] is the command */
	const char *cwd;
	uid_t uid;
	gid_t gid;
	char user[64];
	gid_t gids[MAX_GROUPS];
	int n_gids;
	char slice[TOPO_NAME_LEN];
	uid_t owner;		/* the slice's, before the command ran */
	struct topo t;		/* the request's topology, if any */
	bool have_t;
};

/* A refusal, written by the command's process for the worker's reply. */
static int refuse_fd = -1;

static int refuse(enum api_kind kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int refuse(enum api_kind kind, const char *fmt, ...)
{
	struct json_object *r;
	char reason[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	r = api_error(kind, kind == API_FAILED ? 1 : 2, "%s", reason);
	if (refuse_fd >= 0) {
		const char *s = json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN);
		ssize_t n = write(refuse_fd, s, strlen(s));

		(void)n;
	}
	json_object_put(r);
	return kind == API_FAILED ? 1 : 2;
}

/* ----- reading the client's files as the client ----- */

static struct {
	bool set;
	uid_t uid;
	gid_t gid;
	const gid_t *gids;
	int n_gids;
	const char *topo_path, *topo_text;
	size_t topo_len;
} src;

static int text_fd(const char *text, size_t len)
{
	int fd = memfd_create("topology", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fchmod(fd, 0644) || write(fd, text, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET)) {
		close(fd);
		errno = EIO;
		return -1;
	}
	return fd;
}

struct saved_creds {
	gid_t gids[MAX_GROUPS];
	int n;
};

/* Permission checks as the client from here on: the filesystem
 * capabilities go with fsuid 0, the others stay. */
static int client_creds(struct saved_creds *s)
{
	s->n = getgroups(MAX_GROUPS, s->gids);
	if (s->n < 0 || setgroups((size_t)src.n_gids, src.gids))
		return -1;
	setfsgid(src.gid);
	setfsuid(src.uid);
	return 0;
}

static void root_creds(const struct saved_creds *s)
{
	setfsuid(0);
	setfsgid(0);
	if (setgroups((size_t)s->n, s->gids))
		abort();	/* never keep the client's groups */
}

/* A client's file must stay a regular file: a FIFO swapped in after the
 * checks would block the change, and the lock, for ever.  Closes fd if
 * not; else gives it back its blocking mode. */
static int not_regular(int fd, int flags)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if (!(flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return 0;
}

int src_open(const char *path, int flags)
{
	struct saved_creds s;
	int fd, err;

	if (src.topo_path && !strcmp(path, src.topo_path))
		return text_fd(src.topo_text, src.topo_len);
	if (!src.set)
		return open(path, flags, 0644);	/* capture -w creates */
	if (client_creds(&s))
		return -1;
	fd = open(path, flags | O_NONBLOCK, 0644);
	err = errno;
	root_creds(&s);
	if (fd >= 0 && !(flags & O_DIRECTORY) && not_regular(fd, flags))
		return -1;
	errno = err;
	return fd;
}

FILE *src_fopen(const char *path)
{
	int fd = src_open(path, O_RDONLY | O_CLOEXEC);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "re");
	if (!f)
		close(fd);
	return f;
}

static void src_as(const struct req *r, bool on)
{
	src.set = on && r->uid != 0;
	src.uid = r->uid;
	src.gid = r->gid;
	src.gids = r->gids;
	src.n_gids = r->n_gids;
}

/* ----- who asks ----- */

static int peer(struct req *r, int fd)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	struct passwd *pw;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len))
		return -1;
	r->uid = uc.uid;
	r->gid = uc.gid;
	pw = getpwuid(uc.uid);
	if (pw) {
		snprintf(r->user, sizeof(r->user), "%s", pw->pw_name);
		r->n_gids = MAX_GROUPS;
		if (getgrouplist(pw->pw_name, pw->pw_gid, r->gids, &r->n_gids) < 0)
			r->n_gids = 0;
	} else {
		snprintf(r->user, sizeof(r->user), "uid %u", (unsigned int)uc.uid);
		r->gids[0] = uc.gid;
		r->n_gids = 1;
	}
	return 0;
}

static bool member(const struct req *r, const char *group)
{
	struct group *gr = getgrnam(group);

	if (!gr)
		return false;
	for (int i = 0; i < r->n_gids; i++)
		if (r->gids[i] == gr->gr_gid)
			return true;
	return false;
}

/* ----- the request's fields ----- */

static int parse_args(struct req *r)
{
	struct json_object *args, *v;
	const char *cmd = api_str(r->msg, "command");
	size_t n;

	if (!json_object_object_get_ex(r->msg, "version", &v) ||
	    json_object_get_int(v) != API_VERSION)
		return refuse(API_VERSION_KIND, "this daemon speaks version %d of the API", API_VERSION);
	if (!cmd)
		return refuse(API_INVALID, "the request has no \"command\"");
	r->cmd = find_cmd(cmd);
	if (!r->cmd)
		return refuse(API_INVALID, "unknown command `%.64s'", cmd);
	if (json_object_object_get_ex(r->msg, "args", &args) &&
	    !json_object_is_type(args, json_type_array))
		return refuse(API_INVALID, "\"args\" must be an array of strings");
	n = args ? json_object_array_length(args) : 0;
	if (n > 4096)
		return refuse(API_INVALID, "too many arguments");
	r->argv = calloc(n + 2, sizeof(*r->argv));
	if (!r->argv)
		abort();
	r->argv[0] = (char *)r->cmd->name;
	for (size_t i = 0; i < n; i++) {
		v = json_object_array_get_idx(args, i);
		if (!json_object_is_type(v, json_type_string) ||
		    strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
			return refuse(API_INVALID, "argument %zu is not a string without NUL bytes", i + 1);
		r->argv[i + 1] = (char *)json_object_get_string(v);
	}
	r->argc = (int)n + 1;
	r->cwd = api_str(r->msg, "cwd");
	return 0;
}

static int check_name(enum name_kind kind, const char *s)
{
	char why[256], q[128];

	if (!name_check(kind, s, why, sizeof(why)))
		return 0;
	return refuse(API_INVALID, "invalid %s name '%s': %s", name_kind_str(kind),
		      name_quote(s, q, sizeof(q)), why);
}

/* The names a command takes besides its slice: exec's and logs' HOST and
 * DAEMON, link's HOST:IF. */
static int check_names(const struct req *r)
{
	const char *c = r->cmd->name;

	if (!strcmp(c, "status"))
		for (int i = 1; i < r->argc; i++)
			if (r->argv[i][0] != '-' && check_name(NAME_SLICE, r->argv[i]))
				return 2;
	if ((!strcmp(c, "exec") || !strcmp(c, "logs")) && r->argc > 2 &&
	    check_name(NAME_HOST, r->argv[2]))
		return 2;
	if (!strcmp(c, "logs") && r->argc > 3 && check_name(NAME_DAEMON, r->argv[3]))
		return 2;
	if ((!strcmp(c, "link") && r->argc > 3) || (!strcmp(c, "capture") && r->argc > 2)) {
		const char *end = r->argv[c[0] == 'l' ? 3 : 2];
		const char *colon = strchr(end, ':');
		char host[TOPO_NAME_LEN];

		if (!colon || (size_t)(colon - end) >= sizeof(host))
			return refuse(API_INVALID, "`%.64s' is not HOST:IF", end);
		snprintf(host, sizeof(host), "%.*s", (int)(colon - end), end);
		if (check_name(NAME_HOST, host) || check_name(NAME_IFNAME, colon + 1))
			return 2;
	}
	return 0;
}

static int join_diag(const struct diag *d, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < d->n && o + 1 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "\n" : "", d->msgs[i]);
	return 0;
}

/* The topology the client sent (its path and text), parsed as the client. */
static int load_topology(struct req *r)
{
	struct json_object *to, *text;
	struct diag d = { 0 };
	char msg[8192];
	int err;

	if (!json_object_object_get_ex(r->msg, "topology", &to))
		return (r->cmd->flags & R_TOPO) ?
			refuse(API_INVALID, "%s needs the topology's \"path\" and \"text\"",
			       r->cmd->name) : 0;
	src.topo_path = api_str(to, "path");
	if (!src.topo_path || !json_object_object_get_ex(to, "text", &text) ||
	    !json_object_is_type(text, json_type_string))
		return refuse(API_INVALID, "\"topology\" needs \"path\" and \"text\" strings");
	src.topo_text = json_object_get_string(text);
	src.topo_len = (size_t)json_object_get_string_len(text);
	{
		struct saved_creds s;
		bool as = src.set;

		/* The parser looks at the files it names (stat, realpath) as
		 * the client too. */
		if (as && client_creds(&s))
			return refuse(API_FAILED, "cannot take %s's credentials: %m", r->user);
		src.set = false;
		err = topo_parse_file(&r->t, src.topo_path, NULL, &d);
		src.set = as;
		if (as)
			root_creds(&s);
	}
	if (err) {
		join_diag(&d, msg, sizeof(msg));
		diag_free(&d);
		return refuse(API_INVALID, "%s", msg);
	}
	r->have_t = true;
	snprintf(r->slice, sizeof(r->slice), "%s", r->t.slice);
	return 0;
}

/* Every file the topology names, opened as the client before anything is
 * built (deploy opens them again, the same way). */
static int check_sources(const struct req *r)
{
	for (size_t i = 0; i < r->t.n_hosts; i++) {
		const struct host *h = &r->t.hosts[i];
		const char *paths[64];
		size_t n = 0;

		for (size_t f = 0; f < h->n_files && n < 62; f++)
			paths[n++] = h->files[f].src;
		if (h->frr.set && h->frr.config)	/* not generated */
			paths[n++] = h->frr.config;
		if (h->bird.set && h->bird.config)
			paths[n++] = h->bird.config;
		for (size_t k = 0; k < n; k++) {
			int fd = src_open(paths[k], O_RDONLY | O_CLOEXEC);

			if (fd < 0 && errno == EINVAL)
				return refuse(API_INVALID, "host %s: %s is not a regular file",
					      h->name, paths[k]);
			if (fd < 0)
				return refuse(API_DENIED, "host %s: cannot read %s as %s: %m",
					      h->name, paths[k], r->user);
			close(fd);
		}
	}
	return 0;
}

static int authorize(struct req *r)
{
	const char *c = r->cmd->name;

	if (r->uid == 0)
		return 0;
	if (!member(r, API_GROUP))
		return refuse(API_DENIED, "%s is not in group %s", r->user, API_GROUP);
	if (r->cmd->flags & R_ROOT)
		return refuse(API_DENIED, "%s is for root only", c);
	if (!(r->cmd->flags & R_OWNED) || !r->slice[0] || !slice_exists(r->slice))
		return 0;	/* the command says the slice is not up */
	if (slice_owner(r->slice) != r->uid)
		return refuse(API_DENIED, "slice %s belongs to %s, not to %s", r->slice,
			      getpwuid(slice_owner(r->slice)) ?
			      getpwuid(slice_owner(r->slice))->pw_name : "another user", r->user);
	return 0;
}

/* ----- quotas ----- */

static int admit(const struct req *r, const char *policy_path)
{
	struct principal who = { .uid = r->uid, .name = r->user, .gids = r->gids,
				 .n_gids = (size_t)r->n_gids };
	struct slice_use ask = { .owner = r->uid };
	struct slice_uses us = { 0 };
	struct policy p;
	char msg[1024];
	int self, ret = 0;

	if (r->uid == 0 || !r->have_t)
		return 0;
	if (policy_load(&p, policy_path, false, msg, sizeof(msg)))
		return refuse(API_FAILED, "policy: %s", msg);
	slice_uses_load(&p, r->slice, &us, &self);
	policy_use(&p, r->t.n_hosts, r->t.n_links, &ask);
	if (self >= 0)
		for (int k = 0; k < N_RES; k++)
			ask.v[k] -= us.u[self].v[k];	/* apply: only the growth */
	if (policy_admit(&p, &who, us.u, us.n, &ask, msg, sizeof(msg)))
		ret = refuse(API_QUOTA, "%s; nothing changed", msg);
	slice_uses_free(&us);
	policy_free(&p);
	return ret;
}

/* The slice's cgroup with its limits, before up or apply starts anything
 * in it (they find it made).  Root's slices get no limits. */
static int set_limits(const struct req *r, const char *policy_path)
{
	struct slice_limits l = { 0 };
	char msg[1024];
	struct policy p;
	int err;

	if (!r->have_t || r->uid == 0 || strcmp(r->cmd->name, "check") == 0 ||
	    policy_load(&p, policy_path, false, msg, sizeof(msg)))
		return 0;
	policy_slice_limits(&p, r->t.n_hosts, &l);
	policy_free(&p);
	slice_limits_pending(r->slice, &l);
	if (!l.memory_bytes && !l.pids)
		return 0;
	if (cgroup_create(r->slice, msg, sizeof(msg)))
		return refuse(API_FAILED, "%s %s: %s; nothing changed", r->cmd->name, r->slice, msg);
	err = cgroup_set_limits(r->slice, &l);
	if (err)
		return refuse(API_FAILED, "%s %s: cannot set its cgroup's limits: %s; nothing changed",
			      r->cmd->name, r->slice, strerror(-err));
	return 0;
}

/* ----- changes in flight: what a killed daemon left ----- */

static const char *inflight_path(void)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/.inflight", run_dir());
	return path;
}

static void inflight_begin(const struct req *r)
{
	char text[TOPO_NAME_LEN + 64];

	snprintf(text, sizeof(text), "%s %s %u\n", r->cmd->name, r->slice[0] ? r->slice : "-",
		 (unsigned int)r->uid);
	record_write(inflight_path(), text);
}

static void event_link(const struct req *r)
{
	struct json_object *ev = json_object_new_object();

	json_object_object_add(ev, "event", json_object_new_string("link"));
	json_object_object_add(ev, "slice", json_object_new_string(r->argv[2]));
	json_object_object_add(ev, "end", json_object_new_string(r->argv[3]));
	json_object_object_add(ev, "state", json_object_new_string(r->argv[1]));
	json_object_object_add(ev, "owner", json_object_new_int64(slice_owner(r->argv[2])));
	api_event(ev);
}

/* After a change succeeded, with the lock still held. */
static void changed(const struct req *r)
{
	const char *c = r->cmd->name;

	if (!strcmp(c, "up")) {
		slice_set_owner(r->slice, r->uid);
		slice_limits_record(r->slice);
		api_event_slice(r->slice, "up", (long)r->uid);
	} else if (!strcmp(c, "apply")) {
		slice_limits_record(r->slice);
		api_event_slice(r->slice, "changed", (long)slice_owner(r->slice));
	} else if (!strcmp(c, "down")) {
		api_event_slice(r->slice, "down", (long)r->owner);
	} else if (!strcmp(c, "link") && r->argc == 4 && strcmp(r->argv[1], "set")) {
		event_link(r);
	}
}

/* ----- running it ----- */

/* The index of the slice's name in argv (0: none). */
static int slice_index(const struct req *r)
{
	if (r->cmd->slice_arg >= 0)
		return r->cmd->slice_arg;
	for (int i = 1; i < r->argc; i++) {
		if (!strcmp(r->argv[i], "-o") || !strcmp(r->argv[i], "--layout"))
			i++;	/* graph's: their values are no slice */
		else if (r->argv[i][0] != '-')
			return i;
	}
	return 0;
}

static int slice_of(struct req *r)
{
	int i = slice_index(r);

	if (r->have_t) {
		if (!strcmp(r->cmd->name, "down"))
			r->argv[1] = r->slice;	/* down FILE: its slice */
		return 0;
	}
	if (!i || i >= r->argc)
		return 0;
	if (!strcmp(r->cmd->name, "link") && strcmp(r->argv[1], "set") &&
	    strcmp(r->argv[1], "up") && strcmp(r->argv[1], "down"))
		return 0;	/* the command's usage message */
	if (check_name(NAME_SLICE, r->argv[i]))
		return 2;
	snprintf(r->slice, sizeof(r->slice), "%s", r->argv[i]);
	return 0;
}

static int enter_cwd(const struct req *r)
{
	int err = 0;

	if (!r->cwd)
		return 0;
	src_as(r, true);
	{
		int fd = src_open(r->cwd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0 || fchdir(fd))
			err = refuse(API_INVALID, "cannot enter %s as %s: %m", r->cwd, r->user);
		if (fd >= 0)
			close(fd);
	}
	src_as(r, false);
	return err;
}

static uid_t client_uid;

static bool owned_by_client(const char *slice)
{
	return slice_owner(slice) == client_uid;
}

/* The command's process: every check, then the command itself. */
static int handle(struct req *r, const char *policy_path)
{
	int ret;

	ret = parse_args(r);
	if (!ret && !strcmp(r->cmd->name, "sb") && r->argc > 1 && !strcmp(r->argv[1], "monitor"))
		ret = refuse(API_INVALID, "sb monitor: subscribe to events instead");
	if (!ret)
		ret = enter_cwd(r);
	if (!ret && (r->uid != 0 && !member(r, API_GROUP)))
		ret = refuse(API_DENIED, "%s is not in group %s", r->user, API_GROUP);
	if (!ret) {
		src_as(r, true);
		ret = load_topology(r);
		src_as(r, false);
	}
	if (!ret)
		ret = slice_of(r) ? 2 : check_names(r);
	if (ret)
		return ret;
	if ((r->cmd->flags & R_MUTATES) && state_lock(r->cmd->name))
		return refuse(API_FAILED, "%s: cannot take the state lock", r->cmd->name);
	if (!strcmp(r->cmd->name, "up") && r->slice[0] && slice_exists(r->slice))
		return refuse(API_INVALID, "up %s: the slice is already up (apply changes it)", r->slice);
	ret = authorize(r);
	if (!ret && r->have_t && (r->cmd->flags & R_MUTATES)) {
		src_as(r, true);
		ret = check_sources(r);
		src_as(r, false);
	}
	if (!ret && (r->cmd->flags & R_MUTATES))
		ret = admit(r, policy_path);
	if (ret)
		return ret;
	if ((r->cmd->flags & R_MUTATES) && set_limits(r, policy_path))
		return 1;
	if (r->cmd->flags & R_MUTATES)
		inflight_begin(r);
	r->owner = r->slice[0] && slice_exists(r->slice) ? slice_owner(r->slice) : r->uid;
	if (!strcmp(r->cmd->name, "status") && r->uid != 0) {
		client_uid = r->uid;
		state_view(owned_by_client);	/* others' slices are private */
	}
	src_as(r, true);
	ret = r->cmd->fn(r->argc, r->argv);
	fflush(stdout);
	fflush(stderr);
	src_as(r, false);
	if (ret && !strcmp(r->cmd->name, "up") && !slice_exists(r->slice))
		cgroup_kill(r->slice, NULL);	/* refused: no empty cgroup left */
	if (!ret && (r->cmd->flags & R_MUTATES))
		changed(r);
	if (r->cmd->flags & R_MUTATES)
		unlink(inflight_path());
	return ret;
}

/* stdin, stdout, stderr: the client's, or /dev/null and two memfds. */
static int stdio_setup(struct api_conn *c, int cap[2])
{
	int fds[3];

	cap[0] = cap[1] = -1;
	if (c->nfds == 3) {
		for (int i = 0; i < 3; i++)
			fds[i] = c->fds[i];
	} else {
		fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		fds[1] = cap[0] = memfd_create("stdout", MFD_CLOEXEC);
		fds[2] = cap[1] = memfd_create("stderr", MFD_CLOEXEC);
		if (fds[0] < 0 || cap[0] < 0 || cap[1] < 0)
			return -1;
	}
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			return -1;
	if (c->nfds != 3)
		close(fds[0]);
	return 0;
}

static void add_captured(struct json_object *reply, const char *key, int fd)
{
	char *text = NULL;
	size_t size = 0, n;
	char buf[8192];
	FILE *m;

	if (fd < 0 || lseek(fd, 0, SEEK_SET))
		return;
	m = open_memstream(&text, &size);
	while ((n = (size_t)read(fd, buf, sizeof(buf))) > 0 && n <= sizeof(buf))
		fwrite(buf, 1, n, m);
	fclose(m);
	json_object_object_add(reply, key, json_object_new_string_len(text, (int)size));
	free(text);
}

static struct json_object *read_refusal(int fd)
{
	char buf[4096];
	ssize_t n, used = 0;

	while (used < (ssize_t)sizeof(buf) - 1 &&
	       (n = read(fd, buf + used, sizeof(buf) - 1 - (size_t)used)) > 0)
		used += n;
	buf[used] = '\0';
	return used ? json_tokener_parse(buf) : NULL;
}

/*
 * Waits for the command's process.  A read (exec, logs, status) gets
 * SIGHUP when its client goes, as a terminal's command would; a change
 * always runs to its end.  Returns the exit status, 128 + N for signal N.
 */
static int wait_command(pid_t pid, int conn, bool hangup)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0), status;

	while (hangup && pfd >= 0) {
		struct pollfd pf[2] = { { .fd = pfd, .events = POLLIN },
					{ .fd = conn, .events = POLLRDHUP } };

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[0].revents)
			break;
		if (pf[1].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
			kill(pid, SIGHUP);
			hangup = false;
		}
	}
	if (pfd >= 0)
		close(pfd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static struct json_object *run_command(struct req *r, const char *policy_path)
{
	struct json_object *reply;
	const struct rcmd *cmd;
	int p[2], cap[2], status;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) || stdio_setup(&r->conn, cap))
		return api_error(API_FAILED, 1, "cannot start the command: %m");
	pid = fork();
	if (pid < 0)
		return api_error(API_FAILED, 1, "cannot start the command: fork: %m");
	if (pid == 0) {
		close(p[0]);
		refuse_fd = p[1];
		signal(SIGPIPE, SIG_DFL);
		_exit(handle(r, policy_path));
	}
	close(p[1]);
	cmd = find_cmd(api_str(r->msg, "command"));
	status = wait_command(pid, r->conn.fd, cmd && !(cmd->flags & R_MUTATES));
	/* After the exit, and without waiting: the holders and the
	 * supervisor the command forked may still hold the pipe. */
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	reply = read_refusal(p[0]);
	close(p[0]);
	if (reply)
		json_object_object_add(reply, "status", json_object_new_int(status));
	else if (status > 128)
		reply = api_error(API_FAILED, status, "%s was killed by signal %d",
				  api_str(r->msg, "command"), status - 128);
	else if (status)
		reply = api_error(API_FAILED, status, "%s failed (exit status %d)%s",
				  api_str(r->msg, "command"), status,
				  cap[1] < 0 ? "; its messages went to your stderr" : "");
	else
		reply = api_ok();
	add_captured(reply, "stdout", cap[0]);
	add_captured(reply, "stderr", cap[1]);
	return reply;
}

/* The daemon's own stderr, kept before the client's takes its place. */
static int log_fd = 2;

/* A refusal goes to the daemon's log (stderr: the journal under systemd)
 * too, with who asked: the node's administrator sees what users try. */
static void log_refusal(const struct req *r, struct json_object *reply)
{
	struct json_object *e, *kind, *reason;
	const char *cmd = r->msg ? api_str(r->msg, "command") : NULL;

	if (!json_object_object_get_ex(reply, "error", &e) ||
	    !json_object_object_get_ex(e, "kind", &kind) ||
	    !strcmp(json_object_get_string(kind), "failed"))
		return;
	json_object_object_get_ex(e, "reason", &reason);
	dprintf(log_fd, "trellisd: serve: refused %s (uid %u) %s: %s: %s\n", r->user,
		(unsigned)r->uid, cmd ? cmd : "(no command)", json_object_get_string(kind),
		reason ? json_object_get_string(reason) : "");
}

void request_serve(int fd, const char *policy_path)
{
	struct timeval tv = { .tv_sec = 60 };
	struct json_object *reply;
	struct req r = { 0 };

	signal(SIGPIPE, SIG_IGN);
	log_fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
	api_conn_init(&r.conn, fd);
	if (peer(&r, fd) || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		_exit(1);
	r.msg = api_recv(&r.conn);	/* a client that says nothing is let go */
	tv.tv_sec = 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (!r.msg) {
		reply = api_error(API_INVALID, 2, "malformed request: %s",
				  errno == EMSGSIZE ? "longer than 16 MiB" :
				  "not one JSON object on one line");
	} else if (api_str(r.msg, "command") && !strcmp(api_str(r.msg, "command"), "subscribe")) {
		if (r.uid != 0 && !member(&r, API_GROUP)) {
			reply = api_error(API_DENIED, 2, "%s is not in group %s", r.user, API_GROUP);
		} else {
			events_follow(fd, r.uid);	/* replies once subscribed */
		}
	} else {
		reply = run_command(&r, policy_path);
	}
	log_refusal(&r, reply);
	api_send(fd, reply, NULL, 0);
	_exit(0);
}

/* ----- recovery ----- */

static int run_in_child(int (*fn)(int, char **), const char *verb, const char *slice)
{
	char *argv[] = { (char *)verb, (char *)slice, NULL };
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(fn(2, argv));
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void request_recover(const char *policy_path)
{
	char verb[16], slice[TOPO_NAME_LEN];
	unsigned int uid;
	FILE *f;

	(void)policy_path;
	if (state_lock("serve"))
		return;
	f = fopen(inflight_path(), "re");
	if (!f)
		goto out;
	if (fscanf(f, "%15s %63s %u", verb, slice, &uid) != 3 || !name_valid(NAME_SLICE, slice, strlen(slice))) {
		fclose(f);
		goto done;
	}
	fclose(f);
	fprintf(stderr, "trellisd: serve: the last daemon left `%s %s' unfinished\n", verb, slice);
	if (!strcmp(verb, "up") && slice_exists(slice) && !state_complete(slice)) {
		/* cmd_down takes the lock itself, so it runs apart. */
		state_unlock();
		if (!run_in_child(cmd_down, "down", slice))
			api_event_slice(slice, "rolled-back", (long)uid);
		if (state_lock("serve"))
			return;
	} else if (!strcmp(verb, "up") && slice_exists(slice)) {
		if (access(slice_dir(slice), F_OK) == 0 && slice_owner(slice) == 0)
			slice_set_owner(slice, (uid_t)uid);
		api_event_slice(slice, "up", (long)uid);
	} else if (!strcmp(verb, "down") && slice_exists(slice)) {
		state_unlock();
		if (!run_in_child(cmd_down, "down", slice))
			api_event_slice(slice, "down", (long)uid);
		if (state_lock("serve"))
			return;
	} else if (slice_exists(slice) && !state_complete(slice)) {
		api_event_slice(slice, "incomplete", (long)slice_owner(slice));
	}
done:
	unlink(inflight_path());
out:
	state_unlock();
}
