// SPDX-License-Identifier: GPL-2.0
/*
 * trellisd serve [--socket PATH] [--group NAME] [--policy FILE]: the daemon.
 *
 * It accepts connections on its socket (its own, or systemd's through
 * LISTEN_FDS) and forks a worker for each (request.c).  Changes are
 * serialized by the state lock, which the worker's command takes; reads
 * run beside them.  A worker outlives a killed daemon and finishes its
 * change; a change whose process died too is completed or rolled back
 * when the daemon starts again.  Nothing else is decided here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api.h"
#include "cgroup.h"
#include "owner.h"
#include "policy.h"
#include "state.h"
#include "trellisd.h"

struct serve_opts {
	const char *socket, *group, *policy;
	bool policy_given;
};

/* A user's connections at once (root's are not counted): more would let
 * one user take every worker and descriptor of the daemon. */
#define CONN_PER_USER 16

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Only wakes poll(): the loop reaps, knowing whose worker ended. */
static void on_child(int sig)
{
	(void)sig;
}

/* The workers serving a connection, and whose. */
static struct worker {
	pid_t pid;
	uid_t uid;
} *workers;
static size_t n_workers;

static void reap(void)
{
	pid_t pid;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		for (size_t i = 0; i < n_workers; i++)
			if (workers[i].pid == pid) {
				workers[i] = workers[--n_workers];
				break;
			}
}

static size_t conns_of(uid_t uid)
{
	size_t n = 0;

	for (size_t i = 0; i < n_workers; i++)
		n += workers[i].uid == uid;
	return n;
}

static void add_worker(pid_t pid, uid_t uid)
{
	workers = realloc(workers, (n_workers + 1) * sizeof(*workers));
	if (!workers)
		abort();
	workers[n_workers++] = (struct worker){ .pid = pid, .uid = uid };
}

/*
 * Refuses a connection over CONN_PER_USER, here, without a worker: one
 * short line into an empty socket buffer does not block.  Returns true
 * if it did.
 */
static bool over_cap(int fd, uid_t *uid)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	struct json_object *r;
	struct passwd *pw;
	const char *line;
	char who[64];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len))
		return true;
	*uid = uc.uid;
	if (uc.uid == 0 || conns_of(uc.uid) < CONN_PER_USER)
		return false;
	pw = getpwuid(uc.uid);
	snprintf(who, sizeof(who), "%s", pw ? pw->pw_name : "this user");
	r = api_error(API_QUOTA, 2, "%s has %d connections open to the daemon (at most %d at once per user); nothing changed",
		      who, CONN_PER_USER, CONN_PER_USER);
	line = json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN);
	if (send(fd, line, strlen(line), MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ||
	    send(fd, "\n", 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* the client went: nothing to tell */
	}
	fprintf(stderr, "trellisd: serve: refused %s (uid %u) connection: quota: %s\n", who,
		(unsigned int)uc.uid, api_str(json_object_object_get(r, "error"), "reason"));
	json_object_put(r);
	return true;
}

/* systemd's socket (sd_listen_fds(3), read directly: one variable pair
 * does not need libsystemd). */
static int listen_fd_systemd(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (!pid || !fds || atol(pid) != (long)getpid() || atoi(fds) < 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	fcntl(3, F_SETFD, FD_CLOEXEC);
	return 3;
}

/* Is a daemon answering on path? */
static bool answering(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool yes;

	if (fd < 0)
		return false;
	yes = !connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	return yes;
}

static int listen_fd_own(const struct serve_opts *o, bool *own)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[PATH_MAX];
	struct group *gr;
	int fd, err;

	if (strlen(o->socket) >= sizeof(sa.sun_path)) {
		errorf("serve: socket path %s is too long", o->socket);
		return -1;
	}
	gr = getgrnam(o->group);
	if (!gr) {
		errorf("serve: no group `%s' (groupadd %s, or --group NAME)", o->group, o->group);
		return -1;
	}
	strcpy(sa.sun_path, o->socket);
	snprintf(dir, sizeof(dir), "%s", o->socket);
	err = mkdir_p(dirname(dir), RUNDIR_MODE);
	if (err) {
		errorf("serve: cannot create %s: %s", dir, strerror(-err));
		return -1;
	}
	if (answering(&sa)) {
		errorf("serve: a daemon already answers on %s", o->socket);
		return -1;
	}
	unlink(o->socket);	/* a dead daemon's */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chown(o->socket, 0, gr->gr_gid) || chmod(o->socket, 0660) || listen(fd, 64)) {
		errorf("serve: cannot listen on %s: %m", o->socket);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*own = true;
	return fd;
}

static const char *pid_path(void)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/.serve.pid", run_dir());
	return path;
}

/* "start", saying whether the last daemon exited or was killed. */
static void event_start(void)
{
	struct json_object *ev = json_object_new_object();
	char text[32];
	FILE *f = fopen(pid_path(), "re");
	long last = 0;

	if (f) {
		if (fscanf(f, "%ld", &last) != 1)
			last = 0;
		fclose(f);
	}
	json_object_object_add(ev, "event", json_object_new_string("daemon"));
	json_object_object_add(ev, "state", json_object_new_string("start"));
	json_object_object_add(ev, "pid", json_object_new_int64(getpid()));
	json_object_object_add(ev, "after", json_object_new_string(last ? "crash" : "exit"));
	api_event(ev);
	snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	write_file(pid_path(), text);
}

static void event_exit(void)
{
	struct json_object *ev = json_object_new_object();

	json_object_object_add(ev, "event", json_object_new_string("daemon"));
	json_object_object_add(ev, "state", json_object_new_string("exit"));
	json_object_object_add(ev, "pid", json_object_new_int64(getpid()));
	api_event(ev);
	unlink(pid_path());
}

static int serve_opts(int argc, char **argv, struct serve_opts *o)
{
	o->socket = api_socket_path();
	o->group = API_GROUP;
	o->policy = POLICY_FILE;
	for (int i = 1; i < argc; i++) {
		const char **val = !strcmp(argv[i], "--socket") ? &o->socket :
				   !strcmp(argv[i], "--group") ? &o->group :
				   !strcmp(argv[i], "--policy") ? &o->policy : NULL;

		if (!val || i + 1 >= argc || !argv[i + 1][0])
			return -1;
		*val = argv[++i];
		o->policy_given |= val == &o->policy;
	}
	return 0;
}

static void loop(int lfd, const char *policy)
{
	while (!stopping) {
		struct pollfd pf = { .fd = lfd, .events = POLLIN };
		uid_t uid = 0;
		pid_t pid;
		int fd;

		reap();
		if (poll(&pf, 1, -1) < 0)
			continue;	/* EINTR: a child, or a stop */
		reap();
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if (over_cap(fd, &uid)) {
			close(fd);
			continue;
		}
		pid = fork();
		if (pid == 0) {
			close(lfd);
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			signal(SIGCHLD, SIG_DFL);
			request_serve(fd, policy);
		}
		if (pid < 0)
			errorf("serve: fork: %m");
		else
			add_worker(pid, uid);
		close(fd);
	}
}

int cmd_serve(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct serve_opts o = { 0 };
	struct policy p;
	char msg[4096];
	bool own = false;
	int lfd, err;

	if (serve_opts(argc, argv, &o)) {
		fprintf(stderr, "usage: trellisd serve [--socket PATH] [--group NAME] [--policy FILE]\n");
		return 2;
	}
	if (geteuid() != 0) {
		errorf("serve: the daemon runs as root");
		return 1;
	}
	if (policy_load(&p, o.policy, o.policy_given, msg, sizeof(msg))) {
		fprintf(stderr, "%s\n", msg);
		errorf("serve: cannot use policy %s", o.policy);
		return 1;
	}
	policy_free(&p);
	if (cgroup_delegate(msg, sizeof(msg)) < 0) {
		errorf("serve: its delegated cgroup: %s", msg);
		return 1;
	}
	err = state_private();
	if (err)
		warnf("serve: cannot make the slices' state private: %s", strerror(-err));
	lfd = listen_fd_systemd();
	if (lfd < 0)
		lfd = listen_fd_own(&o, &own);
	if (lfd < 0)
		return 1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	event_start();
	request_recover(o.policy);	/* before the reaper: it waits for its child */
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	fprintf(stderr, "trellisd: serve: listening on %s\n", own ? o.socket : "systemd's socket");
	loop(lfd, o.policy);
	event_exit();
	if (own)
		unlink(o.socket);
	return 0;
}
