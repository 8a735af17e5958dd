// SPDX-License-Identifier: GPL-2.0
/*
 * FRR and BIRD inside virtual hosts, and the per-slice supervisor that
 * starts, watches, restarts and stops them (daemon.h, docs/routing.md).
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
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "daemon.h"
#include "deploy.h"
#include "host.h"
#include "state.h"
#include "trellisd.h"
#include "userns.h"

#define FRR_DIR		"/usr/lib/frr"
#define VTY_WAIT_S	180	/* first start of FRR over 9p, under emulation */
#define START_WAIT_S	VTY_WAIT_S	/* for every daemon's control socket */
#define LOG_TAIL	4	/* log lines shown when a daemon fails to start */
#define STOP_SIGNALS	((1ul << SIGTERM) | (1ul << SIGINT) | (1ul << SIGHUP))
#define STOP_WAIT_S	10	/* from SIGTERM to SIGKILL */
#define MAX_BACKOFF_S	30
#define MAX_QUICK_FAILS	10	/* exits within QUICK_S in a row: give up */
#define QUICK_S		10
#define HOLDER_WAITS	60	/* seconds to wait for a host being rebuilt */

enum pkind { P_DAEMON, P_TASK };
enum pstate { S_RUNNING, S_WAITING, S_EXITED, S_FAILED, S_DONE };
static const char *const state_names[] = { "running", "restarting", "exited", "failed", "done" };

/* One supervised process: a daemon, or a one-shot task (vtysh -b). */
struct proc {
	int host;
	char name[32];		/* zebra, ospfd, bird, vtysh */
	enum pkind kind;
	enum restart_policy policy;
	bool frr;
	char *argv[12];
	pid_t pid;
	enum pstate state;
	double started, due;	/* monotonic seconds */
	int restarts, quick_fails;
	int waits;		/* restart attempts while the host had no holder */
	bool follow;		/* stopped because zebra restarts: start again */
	char last[64];		/* how it last ended */
};

struct sup {
	const struct topo *t;
	struct proc *p;
	size_t n;
	char dir[1024];		/* daemon_dir(slice) */
	FILE *log;
	int sfd;
	pid_t *prepared;	/* per host: the holder its config was installed in */
	int reload_token;	/* of the last SIGUSR1 (daemon_reload()) */
	struct topo *own_t;	/* t, when a reload read it */
};

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *daemon_dir(const char *slice)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "%s/daemons", slice_dir(slice));
	return buf;
}

bool daemon_wanted(const struct topo *t)
{
	for (size_t i = 0; i < t->n_hosts; i++)
		if (t->hosts[i].frr.set || t->hosts[i].bird.set)
			return true;
	return false;
}

static void slog(struct sup *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void slog(struct sup *s, const char *fmt, ...)
{
	char stamp[32];
	time_t now = time(NULL);
	va_list ap;

	if (!s->log)
		return;
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", gmtime(&now));
	fprintf(s->log, "%s ", stamp);
	va_start(ap, fmt);
	vfprintf(s->log, fmt, ap);
	va_end(ap);
	fputc('\n', s->log);
	fflush(s->log);
}

/* The running holder of a host, from the journal (read afresh: apply may
 * have restarted the host).  0 if there is none. */
static pid_t holder_of(const char *slice, const char *host)
{
	struct journal j;
	pid_t pid = 0;

	if (journal_load(slice, &j))
		return 0;
	for (size_t i = 0; i < j.n; i++)
		if (!strcmp(j.e[i].kind, "host") && !strcmp(j.e[i].name, host) &&
		    host_alive(&j.e[i]))
			pid = j.e[i].pid;
	journal_free(&j);
	return pid;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = src_fopen(path);	/* as the slice's owner */
	char *buf = NULL;
	size_t size = 0;

	if (!f)
		return NULL;
	{
		FILE *m = open_memstream(&buf, &size);
		char chunk[8192];
		size_t n;

		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			fwrite(chunk, 1, n, m);
		fclose(m);
	}
	fclose(f);
	*len = size;
	return buf;
}

/* A `routing' line's generated text (routing_gen.c), else the file. */
static char *conf_text(const struct routing *r, size_t *len)
{
	if (!r->text)
		return slurp(r->config, len);
	*len = strlen(r->text);
	return strdup(r->text);
}

static int put_file(const char *path, const char *data, size_t len, mode_t mode,
		    uid_t uid, gid_t gid)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0)
		return -1;
	if (write(fd, data, len) != (ssize_t)len || fchown(fd, uid, gid) ||
	    fchmod(fd, mode)) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int make_dir(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	if (mkdir(path, mode) && errno != EEXIST)
		return -1;
	if (chown(path, uid, gid) || chmod(path, mode))
		return -1;
	return 0;
}

/* What a host's /etc and /run need, prepared outside and written inside. */
struct prep {
	char *frr_conf, *bird_conf, daemons[1024];
	size_t frr_len, bird_len;
	uid_t root, frr_uid;	/* the machine's ids of the host's root and frr */
	gid_t frr_gid;
	char err[256];
};

/* Runs inside the host's mount namespace (in a child). */
static int prep_inside(const struct host *h, const struct prep *pp, char *err, size_t len)
{
	static const char vtysh_conf[] = "service integrated-vtysh-config\n";

#define TRY(what, expr) do {						\
		if (expr) {						\
			snprintf(err, len, "%s: %s", what, strerror(errno));	\
			return -1;					\
		}							\
	} while (0)
	if (h->frr.set) {
		TRY("/etc/frr", make_dir("/etc/frr", 0755, pp->root, pp->frr_gid));
		TRY("/etc/frr/frr.conf", put_file("/etc/frr/frr.conf", pp->frr_conf, pp->frr_len,
						   0640, pp->frr_uid, pp->frr_gid));
		TRY("/etc/frr/daemons", put_file("/etc/frr/daemons", pp->daemons,
						  strlen(pp->daemons), 0640, pp->frr_uid, pp->frr_gid));
		TRY("/etc/frr/vtysh.conf", put_file("/etc/frr/vtysh.conf", vtysh_conf,
						     sizeof(vtysh_conf) - 1, 0640, pp->frr_uid,
						     pp->frr_gid));
		TRY("/run/frr", make_dir("/run/frr", 0755, pp->frr_uid, pp->frr_gid));
		/* Stale sockets of a daemon that died before a restart. */
	}
	if (h->bird.set) {
		TRY("/etc/bird", make_dir("/etc/bird", 0755, pp->root, pp->root));
		TRY("/etc/bird/bird.conf", put_file("/etc/bird/bird.conf", pp->bird_conf,
						     pp->bird_len, 0640, pp->root, pp->root));
		TRY("/run/bird", make_dir("/run/bird", 0755, pp->root, pp->root));
	}
#undef TRY
	return 0;
}

/* Installs host hi's configuration inside its namespaces. */
static int prep_host(struct sup *s, int hi, char *err, size_t len)
{
	const struct host *h = &s->t->hosts[hi];
	pid_t holder = holder_of(s->t->slice, h->name), pid;
	int slot = userns_slot(s->t->slice);
	struct prep pp = { .root = slot >= 0 ? userns_id(slot, 0) : 0 };
	int p[2], status, ret = -1;
	ssize_t n;

	if (!holder) {
		snprintf(err, len, "host %s is not running", h->name);
		return -1;
	}
	if (h->frr.set) {
		struct passwd *pw = getpwnam("frr");
		struct group *gr = getgrnam("frr");
		size_t used = 0;

		if (!pw || !gr || access(FRR_DIR "/zebra", X_OK)) {
			snprintf(err, len, "host %s: FRR is not installed (no user frr or no %s/zebra)",
				 h->name, FRR_DIR);
			return -1;
		}
		/* frr's ids inside the host are the machine's: the same
		 * /etc/passwd. */
		pp.frr_uid = pp.root + pw->pw_uid;
		pp.frr_gid = pp.root + gr->gr_gid;
		pp.frr_conf = conf_text(&h->frr, &pp.frr_len);
		if (!pp.frr_conf) {
			snprintf(err, len, "host %s: cannot read %s: %s", h->name, h->frr.config,
				 strerror(errno));
			return -1;
		}
		/* The daemons file of /etc/frr, as FRR's own scripts read it. */
		for (int d = 0; topo_frr_daemons[d]; d++)
			used += (size_t)snprintf(pp.daemons + used, sizeof(pp.daemons) - used,
						 "%s=%s\n", topo_frr_daemons[d],
						 h->frr.daemons & (1u << d) ? "yes" : "no");
		snprintf(pp.daemons + used, sizeof(pp.daemons) - used, "vtysh_enable=yes\n");
	}
	if (h->bird.set) {
		pp.bird_conf = conf_text(&h->bird, &pp.bird_len);
		if (!pp.bird_conf) {
			snprintf(err, len, "host %s: cannot read %s: %s", h->name, h->bird.config,
				 strerror(errno));
			free(pp.frr_conf);
			return -1;
		}
	}
	if (pipe2(p, O_CLOEXEC)) {
		snprintf(err, len, "pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid == 0) {
		char msg[256] = "";
		int err;

		close(p[0]);
		/* As root of the machine, to give the files to the slice's ids. */
		err = host_enter_as(holder, false);
		if (err)
			snprintf(msg, sizeof(msg), "entering its namespaces: %s", strerror(-err));
		else
			prep_inside(h, &pp, msg, sizeof(msg));
		if (write(p[1], msg, strlen(msg)) < 0)
			_exit(2);
		_exit(msg[0] ? 1 : 0);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		snprintf(err, len, "fork: %s", strerror(errno));
		goto out;
	}
	n = read(p[0], pp.err, sizeof(pp.err) - 1);
	close(p[0]);
	pp.err[n > 0 ? n : 0] = '\0';
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		s->prepared[hi] = holder;
		ret = 0;
	} else {
		snprintf(err, len, "host %s: installing its configuration: %s", h->name,
			 pp.err[0] ? pp.err : "failed");
	}
out:
	free(pp.frr_conf);
	free(pp.bird_conf);
	return ret;
}

static struct proc *add_proc(struct sup *s, int hi, const char *name, enum pkind kind,
			     enum restart_policy policy, bool frr)
{
	struct proc *p;

	s->p = realloc(s->p, (s->n + 1) * sizeof(*s->p));
	if (!s->p)
		abort();
	p = &s->p[s->n++];
	memset(p, 0, sizeof(*p));
	p->host = hi;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->kind = kind;
	p->policy = policy;
	p->frr = frr;
	p->state = S_DONE;
	return p;
}

/* The daemons of every host, FRR's in the order of topo_frr_daemons
 * (zebra first). */
static void plan(struct sup *s, const bool *local)
{
	const struct topo *t = s->t;

	for (size_t i = 0; i < t->n_hosts; i++) {
		const struct host *h = &t->hosts[i];

		if (local && !local[i])
			continue;
		for (int d = 0; h->frr.set && topo_frr_daemons[d]; d++) {
			struct proc *p;
			char *path;

			if (!(h->frr.daemons & (1u << d)))
				continue;
			p = add_proc(s, (int)i, topo_frr_daemons[d], P_DAEMON, h->frr.restart, true);
			if (asprintf(&path, FRR_DIR "/%s", topo_frr_daemons[d]) < 0)
				abort();
			p->argv[0] = path;
			p->argv[1] = "--log";
			p->argv[2] = "stdout";
			p->argv[3] = "-A";
			p->argv[4] = "127.0.0.1";
			p->argv[5] = NULL;
		}
		if (h->bird.set) {
			struct proc *p = add_proc(s, (int)i, "bird", P_DAEMON, h->bird.restart, false);

			p->argv[0] = "/usr/sbin/bird";
			p->argv[1] = "-f";
			p->argv[2] = NULL;
		}
	}
}

static void proc_log_path(const struct sup *s, const struct proc *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%s.log", s->dir, s->t->hosts[p->host].name, p->name);
}

/* A connection to a daemon's unix socket, or -1.  (A socket file alone may
 * be left over from a daemon that was killed.) */
static int connect_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool listening(const char *path)
{
	int fd = connect_unix(path);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* Does BIRD greet ("0001 BIRD ... ready.") on its control socket?  It
 * listens before it applies its configuration, and greets only once its
 * main loop runs, after the configuration was taken. */
static bool bird_greets(const char *path)
{
	struct pollfd pfd = { .fd = connect_unix(path), .events = POLLIN };
	char buf[16] = "";
	bool ok;

	if (pfd.fd < 0)
		return false;
	ok = poll(&pfd, 1, 200) == 1 && read(pfd.fd, buf, sizeof(buf) - 1) > 4 &&
	     !strncmp(buf, "0001 ", 5);
	close(pfd.fd);
	return ok;
}

/*
 * In the child: waits until the vty socket of every FRR daemon of the host
 * (or of `only') exists, so that `vtysh -b' reaches them all.
 */
static void wait_vty(const struct sup *s, int hi, const char *only)
{
	double end = mono() + VTY_WAIT_S;
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	while (mono() < end) {
		bool all = true;

		for (int d = 0; topo_frr_daemons[d]; d++) {
			char path[128];

			if (!(s->t->hosts[hi].frr.daemons & (1u << d)))
				continue;
			if (only && strcmp(only, topo_frr_daemons[d]))
				continue;
			snprintf(path, sizeof(path), "/run/frr/%s.vty", topo_frr_daemons[d]);
			if (!listening(path))
				all = false;
		}
		if (all)
			return;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "trellisd: FRR daemons not ready after %d s, applying frr.conf anyway\n",
		VTY_WAIT_S);
}

/* Forks p inside its host; returns 0 or -errno. */
static int spawn(struct sup *s, struct proc *p, const char *vty_only)
{
	const char *host = s->t->hosts[p->host].name;
	pid_t holder = holder_of(s->t->slice, host), pid;
	char log[PATH_MAX];

	if (!holder)
		return -ESRCH;
	proc_log_path(s, p, log, sizeof(log));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (out >= 0) {
			dup2(out, 1);
			dup2(out, 2);
		}
		if (null >= 0)
			dup2(null, 0);
		if (host_enter(holder)) {
			fprintf(stderr, "trellisd: cannot enter host %s: %s\n", host, strerror(errno));
			_exit(127);
		}
		setsid();
		if (chdir("/")) {
			/* stay */
		}
		close_range(3, ~0U, 0);
		if (p->kind == P_TASK) {
			wait_vty(s, p->host, vty_only);
		} else if (p->frr) {
			char vty[128];

			/* What a killed predecessor left behind. */
			snprintf(vty, sizeof(vty), "/run/frr/%s.vty", p->name);
			unlink(vty);
		}
		execv(p->argv[0], p->argv);
		fprintf(stderr, "trellisd: cannot run %s: %s\n", p->argv[0], strerror(errno));
		_exit(127);
	}
	p->pid = pid;
	p->state = S_RUNNING;
	p->started = mono();
	return 0;
}

/* `vtysh -b' for a host (all its FRR daemons, or just one after a restart). */
static void apply_frr_conf(struct sup *s, int hi, const char *daemon)
{
	static char only_buf[32];
	const char *only = NULL;
	struct proc *p = NULL;

	/* A copy: add_proc() may move the array daemon points into. */
	if (daemon) {
		snprintf(only_buf, sizeof(only_buf), "%s", daemon);
		only = only_buf;
	}

	for (size_t i = 0; i < s->n; i++)
		if (s->p[i].host == hi && s->p[i].kind == P_TASK && s->p[i].state != S_RUNNING)
			p = &s->p[i];
	if (!p) {
		p = add_proc(s, hi, "vtysh", P_TASK, RESTART_NEVER, true);
		p->argv[0] = "/usr/bin/vtysh";
	}
	p->argv[1] = "-b";
	p->argv[2] = only ? "-d" : NULL;
	p->argv[3] = only ? (char *)only : NULL;
	p->argv[4] = NULL;
	if (spawn(s, p, only))
		slog(s, "%s: cannot run vtysh -b", s->t->hosts[hi].name);
	else
		slog(s, "%s: applying frr.conf with vtysh -b%s%s (pid %d)", s->t->hosts[hi].name,
		     only ? " -d " : "", only ? only : "", (int)p->pid);
}

static void write_status(struct sup *s)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;

	snprintf(path, sizeof(path), "%s/status", s->dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return;
	for (size_t i = 0; i < s->n; i++) {
		const struct proc *p = &s->p[i];

		if (p->kind != P_DAEMON)
			continue;
		fprintf(f, "%s %s %d %s %d %s\n", s->t->hosts[p->host].name, p->name,
			p->state == S_RUNNING ? (int)p->pid : 0, state_names[p->state],
			p->restarts, p->last[0] ? p->last : "-");
	}
	fclose(f);
	rename(tmp, path);
}

static void describe(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit-%d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "signal-%s", sigabbrev_np(WTERMSIG(status)) ?: "?");
	else
		snprintf(buf, len, "status-%d", status);
}

static const struct proc *zebra_of(const struct sup *s, int hi)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->p[i].host == hi && s->p[i].frr && s->p[i].kind == P_DAEMON &&
		    !strcmp(s->p[i].name, "zebra"))
			return &s->p[i];
	return NULL;
}

static void on_exit_of(struct sup *s, struct proc *p, int status, bool stopping)
{
	const char *host = s->t->hosts[p->host].name;
	bool failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0, again;
	double ran = mono() - p->started;

	describe(status, p->last, sizeof(p->last));
	p->pid = 0;
	if (p->kind == P_TASK) {
		p->state = S_DONE;
		slog(s, "%s: vtysh -b finished (%s)", host, p->last);
		return;
	}
	slog(s, "%s: %s exited (%s) after %.1f s", host, p->name, p->last, ran);
	if (stopping) {
		p->state = S_EXITED;
		return;
	}
	if (p->follow) {
		const struct proc *z = zebra_of(s, p->host);

		p->follow = false;
		p->state = S_WAITING;
		p->due = (z && z->state == S_WAITING ? z->due : mono()) + 0.5;
		slog(s, "%s: restarting %s after zebra", host, p->name);
		return;
	}
	again = p->policy == RESTART_ALWAYS || (p->policy == RESTART_ON_FAILURE && failed);
	if (!again) {
		p->state = failed ? S_FAILED : S_EXITED;
		slog(s, "%s: %s not restarted (policy %s)", host, p->name,
		     p->policy == RESTART_NEVER ? "never" : "on-failure");
		return;
	}
	p->quick_fails = ran < QUICK_S ? p->quick_fails + 1 : 0;
	if (p->quick_fails >= MAX_QUICK_FAILS) {
		p->state = S_FAILED;
		slog(s, "%s: %s failed %d times in a row within %d s of starting: giving up",
		     host, p->name, p->quick_fails, QUICK_S);
		return;
	}
	{
		int delay = p->quick_fails ? 1 << (p->quick_fails - 1) : 1;

		if (delay > MAX_BACKOFF_S)
			delay = MAX_BACKOFF_S;
		p->state = S_WAITING;
		p->due = mono() + delay;
		slog(s, "%s: restarting %s in %d s", host, p->name, delay);
	}
	/* FRR's daemons do not get their state back into a new zebra
	 * reliably: restart them with it, as watchfrr does. */
	if (p->frr && !strcmp(p->name, "zebra")) {
		for (size_t i = 0; i < s->n; i++) {
			struct proc *q = &s->p[i];

			if (q == p || q->host != p->host || !q->frr || q->kind != P_DAEMON ||
			    q->state != S_RUNNING)
				continue;
			q->follow = true;
			kill(q->pid, SIGTERM);
			slog(s, "%s: stopping %s to restart it with zebra", host, q->name);
		}
	}
}

static void restart_due(struct sup *s)
{
	double now = mono();

	for (size_t i = 0; i < s->n; i++) {
		struct proc *p = &s->p[i];
		const char *host = s->t->hosts[p->host].name;
		char msg[512];
		pid_t holder;
		int err;

		if (p->state != S_WAITING || p->due > now)
			continue;
		/* `apply' may be rebuilding the host: wait for its new holder,
		 * and install the config in its fresh /etc and /run. */
		holder = holder_of(s->t->slice, host);
		if (!holder && ++p->waits < HOLDER_WAITS) {
			p->due = now + 1;
			continue;
		}
		p->waits = 0;
		if (holder && holder != s->prepared[p->host] &&
		    prep_host(s, p->host, msg, sizeof(msg))) {
			p->state = S_FAILED;
			snprintf(p->last, sizeof(p->last), "config");
			slog(s, "%s: cannot restart %s: %s", host, p->name, msg);
			continue;
		}
		p->restarts++;
		err = spawn(s, p, NULL);
		if (err) {
			p->state = S_FAILED;
			snprintf(p->last, sizeof(p->last), "spawn-%s", strerrorname_np(-err) ?: "error");
			slog(s, "%s: cannot restart %s: %s", s->t->hosts[p->host].name, p->name,
			     strerror(-err));
			continue;
		}
		slog(s, "%s: %s restarted (pid %d, restart %d)", s->t->hosts[p->host].name,
		     p->name, (int)p->pid, p->restarts);
		if (p->frr)
			apply_frr_conf(s, p->host, p->name);	/* may move s->p */
	}
}

static struct proc *find_pid(struct sup *s, pid_t pid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->p[i].pid == pid && s->p[i].state == S_RUNNING)
			return &s->p[i];
	return NULL;
}

static void reap(struct sup *s, bool stopping)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct proc *p = find_pid(s, pid);

		if (p)
			on_exit_of(s, p, status, stopping);
	}
}

static size_t running(const struct sup *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->p[i].state == S_RUNNING;
	return n;
}

/* Waits up to secs for signals; returns the set seen (bit per signal). */
static unsigned long wait_signals(struct sup *s, int timeout_ms)
{
	struct pollfd pfd = { .fd = s->sfd, .events = POLLIN };
	struct signalfd_siginfo si;
	unsigned long seen = 0;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	while (read(s->sfd, &si, sizeof(si)) == sizeof(si)) {
		seen |= 1ul << si.ssi_signo;
		if (si.ssi_signo == SIGUSR1)
			s->reload_token = si.ssi_int;
	}
	return seen;
}

/* SIGTERM to every running process (and its process group), SIGKILL to
 * what is left after STOP_WAIT_S. */
static void stop_all(struct sup *s)
{
	double end = mono() + STOP_WAIT_S;

	for (size_t i = 0; i < s->n; i++)
		if (s->p[i].state == S_RUNNING) {
			kill(-s->p[i].pid, SIGTERM);
			kill(s->p[i].pid, SIGTERM);
		}
	for (size_t i = 0; i < s->n; i++)
		if (s->p[i].state == S_WAITING)
			s->p[i].state = S_EXITED;
	while (running(s) && mono() < end) {
		wait_signals(s, 100);
		reap(s, true);
	}
	for (size_t i = 0; i < s->n; i++)
		if (s->p[i].state == S_RUNNING) {
			slog(s, "%s: %s (pid %d) ignores SIGTERM: SIGKILL", s->t->hosts[s->p[i].host].name,
			     s->p[i].name, (int)s->p[i].pid);
			kill(-s->p[i].pid, SIGKILL);
			kill(s->p[i].pid, SIGKILL);
		}
	while (running(s)) {
		wait_signals(s, 100);
		reap(s, true);
	}
}

/* Is p up: does it answer on its control socket (FRR's vty socket, BIRD's
 * bird.ctl), seen through its holder's root? */
static bool daemon_ready(const struct sup *s, const struct proc *p)
{
	pid_t holder = s->prepared[p->host];
	char path[128];

	if (holder <= 0)
		return false;
	if (!p->frr) {
		snprintf(path, sizeof(path), "/proc/%d/root/run/bird/bird.ctl", (int)holder);
		return bird_greets(path);
	}
	snprintf(path, sizeof(path), "/proc/%d/root/run/frr/%s.vty", (int)holder, p->name);
	return listening(path);
}

/* The last LOG_TAIL lines of p's log, each on a line of its own after
 * "  | ", appended to buf. */
static void log_tail(const struct sup *s, const struct proc *p, char *buf, size_t len)
{
	char path[PATH_MAX], *text, *from;
	size_t n, used = strlen(buf);
	int lines = 0;

	proc_log_path(s, p, path, sizeof(path));
	text = slurp(path, &n);
	if (!text)
		return;
	while (n && text[n - 1] == '\n')
		text[--n] = '\0';
	for (from = text + n; from > text; from--)
		if (from[-1] == '\n' && ++lines == LOG_TAIL)
			break;
	for (char *line = strtok(from, "\n"); line && used < len; line = strtok(NULL, "\n"))
		used += snprintf(buf + used, len - used, "\n  | %.160s", line);
	free(text);
}

/*
 * Start-up: waits until every daemon listens on its control socket.  One
 * that exits first fails the start (`up' reports it and rolls back), with
 * the end of its log in err, rather than being restarted over and over.
 * One still starting after START_WAIT_S is left to the supervisor.
 */
static int settle(struct sup *s, size_t from, char *err, size_t len)
{
	double end = mono() + START_WAIT_S;
	bool *ready = calloc(s->n + 1, sizeof(*ready));
	size_t waiting;

	if (!ready)
		abort();
	for (;;) {
		reap(s, false);
		waiting = 0;
		for (size_t i = from; i < s->n; i++) {
			struct proc *p = &s->p[i];

			if (p->kind != P_DAEMON || ready[i])
				continue;
			if (p->state != S_RUNNING) {
				snprintf(err, len, "host %s: %s exited during start-up (%s); its log ends:",
					 s->t->hosts[p->host].name, p->name, p->last);
				log_tail(s, p, err, len);
				free(ready);
				return -1;
			}
			ready[i] = daemon_ready(s, p);
			waiting += !ready[i];
		}
		if (!waiting || mono() >= end)
			break;
		if (wait_signals(s, 200) & STOP_SIGNALS) {
			snprintf(err, len, "stopped while the daemons were starting");
			free(ready);
			return -1;
		}
	}
	if (waiting)
		slog(s, "%zu daemon%s not listening after %d s: left to start", waiting,
		     waiting == 1 ? "" : "s", START_WAIT_S);
	free(ready);
	return 0;
}

/* Stops what started, tells trellisd why (on fd) and exits. */
static __attribute__((noreturn)) void start_failed(struct sup *s, int fd, const char *err,
						    const char *pid_path)
{
	slog(s, "%s", err);
	stop_all(s);
	if (write(fd, err, strlen(err)) < 0) {
		/* trellisd is gone: nobody to tell */
	}
	unlink(pid_path);
	_exit(1);
}

static void reload(struct sup *s);

static __attribute__((noreturn)) void supervise(struct sup *s)
{
	for (;;) {
		double next = -1, now = mono();
		unsigned long seen;
		int timeout;

		for (size_t i = 0; i < s->n; i++)
			if (s->p[i].state == S_WAITING && (next < 0 || s->p[i].due < next))
				next = s->p[i].due;
		/* Wake up every few seconds anyway, to notice a vanished slice. */
		timeout = next < 0 ? 5000 : (int)((next - now) * 1000) + 1;
		if (timeout > 5000)
			timeout = 5000;
		seen = wait_signals(s, timeout);
		if (seen & (1ul << SIGCHLD))
			reap(s, false);
		if (seen & (1ul << SIGUSR1))
			reload(s);
		if (seen & STOP_SIGNALS ||
		    !slice_exists(s->t->slice)) {
			slog(s, "stopping %zu process%s", running(s), running(s) == 1 ? "" : "es");
			stop_all(s);
			write_status(s);
			slog(s, "supervisor exits");
			_exit(0);
		}
		reap(s, false);
		restart_due(s);
		write_status(s);
	}
}

/*
 * Installs the configuration of the hosts in mask (NULL: all) and starts
 * their daemons, then waits for them (settle()).  0, or -1 with why in err.
 */
static int start_daemons(struct sup *s, const bool *mask, char *err, size_t len)
{
	const struct topo *t = s->t;
	size_t from = s->n;

	plan(s, mask);
	for (size_t i = 0; i < t->n_hosts; i++) {
		char hdir[PATH_MAX];

		if ((mask && !mask[i]) || (!t->hosts[i].frr.set && !t->hosts[i].bird.set))
			continue;
		snprintf(hdir, sizeof(hdir), "%s/%s", s->dir, t->hosts[i].name);
		mkdir_p(hdir, 0755);
		if (prep_host(s, (int)i, err, len))
			return -1;
	}
	for (size_t i = from; i < s->n; i++) {
		int e = spawn(s, &s->p[i], NULL);

		if (e) {
			snprintf(err, len, "host %s: cannot start %s: %s", t->hosts[s->p[i].host].name,
				 s->p[i].name, strerror(-e));
			return -1;
		}
		slog(s, "%s: %s started (pid %d)", t->hosts[s->p[i].host].name, s->p[i].name,
		     (int)s->p[i].pid);
	}
	/* Config paths may be relative to where trellisd ran: read above. */
	if (chdir("/")) {
		/* stay */
	}
	/* FRR: apply each host's frr.conf once its daemons listen. */
	for (size_t i = 0; i < t->n_hosts; i++)
		if ((!mask || mask[i]) && t->hosts[i].frr.set)
			apply_frr_conf(s, (int)i, NULL);
	return settle(s, from, err, len);
}

/*
 * Keeps the processes of the hosts running here under the slice's new
 * topology nt (their host indices renumbered), and ends those of hosts
 * that left (apply ended their holders: what is left of them goes).  Sets
 * arrived[h] for the hosts with daemons that have none yet.
 */
static void rebase(struct sup *s, struct topo *nt, bool *arrived)
{
	pid_t *prepared = calloc(nt->n_hosts + 1, sizeof(*prepared));
	size_t n = 0;

	if (!prepared)
		abort();
	for (size_t i = 0; i < s->n; i++) {
		struct proc p = s->p[i];
		const char *name = s->t->hosts[p.host].name;
		int h = topo_host(nt, name);

		if (h < 0 || !holder_of(nt->slice, name)) {
			if (p.state == S_RUNNING) {
				kill(-p.pid, SIGKILL);
				kill(p.pid, SIGKILL);
			}
			if (p.kind == P_DAEMON)
				slog(s, "%s: %s dropped: the host is no longer here", name, p.name);
			continue;
		}
		prepared[h] = s->prepared[p.host];
		p.host = h;
		s->p[n++] = p;
	}
	s->n = n;
	for (size_t h = 0; h < nt->n_hosts; h++)
		arrived[h] = (nt->hosts[h].frr.set || nt->hosts[h].bird.set) &&
			     holder_of(nt->slice, nt->hosts[h].name);
	for (size_t i = 0; i < s->n; i++)
		arrived[s->p[i].host] = false;
	free(s->prepared);
	s->prepared = prepared;
	if (s->own_t)
		topo_free(s->own_t);
	free(s->own_t);
	s->t = s->own_t = nt;
}

/*
 * SIGUSR1 from `apply' (daemon_reload()): hosts with daemons arrived on
 * this node or left it.  The daemons of the hosts that stay run on
 * untouched; those of the hosts that arrived start.  The outcome goes to
 * daemons/reload, after the token apply sent.
 */
static void reload(struct sup *s)
{
	struct topo *nt = calloc(1, sizeof(*nt));
	char path[PATH_MAX], err[1024] = "", *line = NULL;
	struct diag dg = { 0 };
	bool *arrived = NULL;

	if (!nt)
		abort();
	if (state_topo(s->t->slice, nt, &dg)) {
		snprintf(err, sizeof(err), "the supervisor cannot read the deployed topology%s%s",
			 dg.n ? ": " : "", dg.n ? dg.msgs[0] : "");
		free(nt);
	} else {
		arrived = calloc(nt->n_hosts + 1, sizeof(*arrived));
		if (!arrived)
			abort();
		rebase(s, nt, arrived);
		slog(s, "reload: %zu process%s kept", s->n, s->n == 1 ? "" : "es");
		start_daemons(s, arrived, err, sizeof(err));
	}
	if (err[0])
		slog(s, "reload: %s", err);
	diag_free(&dg);
	free(arrived);
	write_status(s);
	snprintf(path, sizeof(path), "%s/reload", s->dir);
	if (asprintf(&line, "%d\n%s", s->reload_token, err) > 0)
		write_file(path, line);
	free(line);
}

/* The supervisor itself: prepares, spawns, reports on fd, supervises. */
static __attribute__((noreturn)) void sup_main(const struct topo *t, const bool *local, int fd)
{
	struct sup s = { .t = t, .sfd = -1 };
	char path[PATH_MAX], err[1024] = "";
	sigset_t set;
	int null;

	setsid();
	prctl(PR_SET_NAME, "trellis-sup");
	/* Keep only the report pipe: trellisd's netlink sockets and namespace
	 * descriptors must not live on in here. */
	if (fd != 3) {
		dup2(fd, 3);
		close(fd);
		fd = 3;
	}
	close_range(4, ~0U, 0);
	nofile_restore();	/* once trellisd's descriptors are closed */
	null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	if (null > 2)
		close(null);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	s.sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);

	snprintf(s.dir, sizeof(s.dir), "%s", daemon_dir(t->slice));
	mkdir_p(s.dir, 0755);
	snprintf(path, sizeof(path), "%s/supervisor.log", s.dir);
	s.log = fopen(path, "ae");
	snprintf(path, sizeof(path), "%s/supervisor.pid", s.dir);
	{
		char line[64];

		snprintf(line, sizeof(line), "%d %llu\n", (int)getpid(), proc_start(getpid()));
		write_file(path, line);
	}
	slog(&s, "supervisor of slice %s starts (pid %d)", t->slice, (int)getpid());

	s.prepared = calloc(t->n_hosts + 1, sizeof(*s.prepared));
	if (!s.prepared)
		abort();
	if (start_daemons(&s, local, err, sizeof(err)))
		start_failed(&s, fd, err, path);
	write_status(&s);
	if (write(fd, "", 1) < 0) {
		/* trellisd is gone: go on anyway */
	}
	close(fd);
	supervise(&s);
}

int daemon_up(struct dep *d)
{
	const struct topo *t = d->t;
	char buf[1024];
	int p[2], status, cg;
	bool *local;
	pid_t pid;
	ssize_t n;

	if (!daemon_wanted(t))
		return 0;
	local = calloc(t->n_hosts + 1, sizeof(*local));
	if (!local)
		abort();
	for (size_t i = 0; i < t->n_hosts; i++)
		local[i] = dep_local(d, (int)i);
	cg = cgroup_open(t->slice, NULL);
	if (cg < 0 || pipe2(p, O_CLOEXEC)) {
		int err = cg < 0 ? -cg : errno;

		if (cg >= 0)
			close(cg);
		free(local);
		return dep_fail(d, "cannot start the daemon supervisor: %s", strerror(err));
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		close(cg);
		free(local);
		return dep_fail(d, "cannot start the daemon supervisor: fork: %s", strerror(errno));
	}
	if (pid == 0) {
		/* Detach twice: the supervisor is reparented to init and
		 * outlives trellisd; in the slice's cgroup from the start. */
		close(p[0]);
		if (cgroup_enter(cg)) {
			static const char msg[] = "the daemon supervisor cannot join the slice's cgroup";

			if (write(p[1], msg, sizeof(msg) - 1) < 0) {
				/* we exit anyway */
			}
			_exit(1);
		}
		setsid();
		pid = fork();
		if (pid == 0)
			sup_main(t, local, p[1]);
		_exit(pid < 0 ? 1 : 0);
	}
	close(p[1]);
	close(cg);
	free(local);
	waitpid(pid, &status, 0);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	if (n == 1 && buf[0] == '\0')
		return 0;
	buf[n > 0 ? n : 0] = '\0';
	return dep_fail(d, "%s", n > 0 ? buf : "the daemon supervisor died while starting");
}

/* The slice's running supervisor (and its start time), or 0. */
static pid_t sup_pid(const char *slice, unsigned long long *start)
{
	char path[PATH_MAX], *text;
	size_t len;
	int pid;

	snprintf(path, sizeof(path), "%s/supervisor.pid", daemon_dir(slice));
	text = slurp(path, &len);
	if (!text)
		return 0;
	if (sscanf(text, "%d %llu", &pid, start) != 2 || pid <= 0 || proc_start(pid) != *start)
		pid = 0;	/* not running any more */
	free(text);
	return pid;
}

int daemon_reload(struct dep *d)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	const char *slice = d->t->slice;
	union sigval v = { .sival_int = (int)(getpid() ^ time(NULL)) & 0x7fffffff };
	unsigned long long start;
	char path[PATH_MAX];
	pid_t pid = sup_pid(slice, &start);

	if (!pid)
		return daemon_up(d);
	snprintf(path, sizeof(path), "%s/reload", daemon_dir(slice));
	unlink(path);
	if (sigqueue(pid, SIGUSR1, v))
		return dep_fail(d, "cannot signal the daemon supervisor (pid %d): %s", (int)pid,
				strerror(errno));
	/* It answers once the daemons of the hosts that arrived listen. */
	for (int i = 0; i < (START_WAIT_S + 30) * 10; i++) {
		size_t len;
		char *text = slurp(path, &len), *msg;

		if (text && (msg = strchr(text, '\n')) && atoi(text) == v.sival_int) {
			int ret = msg[1] ? dep_fail(d, "%s", msg + 1) : 0;

			free(text);
			return ret;
		}
		free(text);
		if (proc_start(pid) != start)
			return dep_fail(d, "the daemon supervisor (pid %d) exited", (int)pid);
		nanosleep(&ts, NULL);
	}
	return dep_fail(d, "the daemon supervisor (pid %d) did not answer in %d s", (int)pid,
			START_WAIT_S + 30);
}

int daemon_down(const char *slice)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	unsigned long long start;
	pid_t pid = sup_pid(slice, &start);

	if (!pid)
		return 0;
	kill(pid, SIGTERM);
	/* It gives its daemons STOP_WAIT_S to go, then kills them. */
	for (int i = 0; i < (STOP_WAIT_S + 5) * 20; i++) {
		if (proc_start(pid) != start)
			return 0;
		nanosleep(&ts, NULL);
	}
	errorf("%s: the daemon supervisor (pid %d) did not stop: killing it", slice, pid);
	kill(pid, SIGKILL);
	return -1;
}
