// SPDX-License-Identifier: GPL-2.0
/* Virtual hosts: holder processes and their namespaces (host.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "host.h"
#include "userns.h"

static void child_fail(int fd, const char *what)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s: %s", what, strerror(errno));
	if (write(fd, msg, strlen(msg))) {
		/* nothing more to do */
	}
	_exit(1);
}

static void on_sigchld(int sig)
{
	(void)sig;
}

static int join_ns_of(pid_t pid, const char *ns, int type)
{
	char path[64];
	int fd, ret;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = setns(fd, type);
	close(fd);
	return ret;
}

/*
 * Enters a new network and UTS namespace owned by the user namespace
 * usernsfd, staying root of the machine: a child makes them inside the
 * user namespace and we join them.  0, or -1 with errno set.
 */
static int slice_net_uts(int usernsfd)
{
	int ready[2], hold[2], ret = -1, err = EIO;
	pid_t pid;
	char c;

	if (pipe2(ready, O_CLOEXEC))
		return -1;
	if (pipe2(hold, O_CLOEXEC)) {
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(hold[1]);
		c = 0;
		if (setns(usernsfd, CLONE_NEWUSER) || unshare(CLONE_NEWNET | CLONE_NEWUTS))
			c = (char)errno;
		if (write(ready[1], &c, 1) != 1 || c)
			_exit(1);
		while (read(hold[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	if (pid < 0)
		err = errno;
	else if (read(ready[0], &c, 1) == 1 && c)
		err = c;
	else if (join_ns_of(pid, "net", CLONE_NEWNET) || join_ns_of(pid, "uts", CLONE_NEWUTS))
		err = errno;
	else
		ret = 0;
	close(hold[1]);
	close(ready[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	errno = err;
	return ret;
}

/*
 * Detaches from trellisd (stdio on /dev/null, no other descriptor) and
 * reaps children for ever; returns (exits) only if the child must_live
 * (> 0) ends.
 */
static __attribute__((noreturn)) void reap_forever(pid_t must_live)
{
	struct sigaction sa = { .sa_handler = on_sigchld };
	int null = open("/dev/null", O_RDWR);
	sigset_t block, empty;
	pid_t pid;

	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	close_range(3, ~0U, 0);
	nofile_restore();	/* only once trellisd's descriptors are closed */
	if (chdir("/")) {
		/* stay where we are */
	}
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&empty);
	for (;;) {
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			if (pid == must_live)
				_exit(1);
		sigsuspend(&empty);
	}
}

/*
 * The host's own PID namespace, owned by the machine's user namespace.  Its
 * init, forked here, mounts the host's /proc and reaps orphans; if it dies,
 * so does the holder, and with it the host.  Nothing inside can name a
 * process outside: Linux 6.1's veth takes its peer's namespace from a pid
 * (IFLA_NET_NS_PID) without checking any right over that namespace, so a
 * host's root seeing the machine's pids could put a device into the
 * machine's namespace or another slice's.  Returns init's pid, or -1 with
 * errno set.
 */
static pid_t host_pidns(void)
{
	int p[2], err = EIO;
	pid_t pid;
	char c;

	if (unshare(CLONE_NEWPID) || pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		prctl(PR_SET_NAME, "trellis-init");
		c = 0;
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
			c = (char)errno;
		if (write(p[1], &c, 1) != 1 || c)
			_exit(1);
		reap_forever(0);
	}
	close(p[1]);
	if (pid < 0)
		err = errno;
	else if (read(p[0], &c, 1) == 1)
		err = c;
	close(p[0]);
	if (err) {
		errno = err;
		return -1;
	}
	return pid;
}

/*
 * The holder stays root of the machine, in the machine's user namespace:
 * the slice's root can neither signal nor trace it.  With a user namespace
 * (usernsfd >= 0), its network and UTS namespaces are owned by it, so root
 * inside administers the host's network and hostname; the mount namespace
 * stays owned by the machine's, so nothing inside can mount or unmount
 * there (the /etc overlay, /sys and /run stay as trellisd made them).
 */
static __attribute__((noreturn)) void holder_main(const char *name, const char *hostname,
						  const char *hostdir, bool overlay, int cgfd,
						  int usernsfd, uid_t idbase, int fd)
{
	int flags = CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWUTS;
	char comm[16], opts[3 * 4096];
	pid_t init;

	/* First of all, so that nothing the host does is outside it. */
	if (cgroup_enter(cgfd))
		child_fail(fd, "joining the slice's cgroup");
	setsid();
	if (usernsfd >= 0) {
		if (slice_net_uts(usernsfd))
			child_fail(fd, "making its network and UTS namespaces in the slice's user namespace");
		flags = CLONE_NEWNS;
	}
	if (unshare(flags))
		child_fail(fd, "unshare");
	/* Our mounts stay ours; unmounts in the machine's namespace (ip netns
	 * del, say) still reach us. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL))
		child_fail(fd, "making / a slave mount");
	if (sethostname(hostname, strlen(hostname)))
		child_fail(fd, "sethostname");
	if (overlay) {
		snprintf(opts, sizeof(opts), "lowerdir=/etc,upperdir=%s/etc,workdir=%s/work",
			 hostdir, hostdir);
		if (mount("overlay", "/etc", "overlay", 0, opts))
			child_fail(fd, "mounting the /etc overlay");
	}
	/* sysfs shows the devices of the netns that mounts it. */
	umount2("/sys", MNT_DETACH);
	if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		child_fail(fd, "mounting /sys");
	/* /run belongs to the host's root. */
	snprintf(opts, sizeof(opts), "mode=0755,uid=%u,gid=%u", (unsigned int)idbase,
		 (unsigned int)idbase);
	if (mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, opts))
		child_fail(fd, "mounting a tmpfs on /run");
	init = usernsfd >= 0 ? host_pidns() : 0;
	if (init < 0)
		child_fail(fd, "starting the host's PID namespace");
	snprintf(comm, sizeof(comm), "trellis:%s", name);
	prctl(PR_SET_NAME, comm);
	if (write(fd, "", 1) != 1)
		_exit(1);
	reap_forever(init);
}

pid_t host_fork(const char *name, const char *hostname, const char *hostdir,
		bool overlay, int cgfd, int usernsfd, uid_t idbase, int *ready_fd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(p[0]);
		close(p[1]);
		return err;
	}
	if (pid == 0) {
		close(p[0]);
		holder_main(name, hostname, hostdir, overlay, cgfd, usernsfd, idbase, p[1]);
	}
	close(p[1]);
	*ready_fd = p[0];
	return pid;
}

int host_wait(int fd, char *err, size_t len)
{
	char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	close(fd);
	if (n == 1 && buf[0] == '\0')
		return 0;
	if (n <= 0)
		snprintf(err, len, "the host's holder process died while starting");
	else
		snprintf(err, len, "%.*s", (int)n, buf);
	return -1;
}

unsigned long long proc_start(pid_t pid)
{
	char path[64], buf[1024], *c;
	unsigned long long start = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return 0;
	}
	fclose(f);
	/* The command name may hold spaces and parentheses: skip past the
	 * last ')'; start time is field 22, the 20th after it. */
	c = strrchr(buf, ')');
	if (!c)
		return 0;
	c += 2;
	if (c[0] == 'Z' || c[0] == 'X')
		return 0;	/* a zombie holds no namespaces */
	for (int field = 3; field < 22 && c; field++) {
		c = strchr(c, ' ');
		if (c)
			c++;
	}
	if (c)
		start = strtoull(c, NULL, 10);
	return start;
}

static unsigned long ns_inode(pid_t pid, const char *ns)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	return stat(path, &st) ? 0 : (unsigned long)st.st_ino;
}

/* The holder's network namespace, if the holder is still the process r
 * names: opened first and checked after, so a pid reused in between fails
 * the check.  An fd, or -errno. */
static int holder_netns(const struct hrt *r)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)r->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	if (proc_start(r->pid) != r->start) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

/* The hosts whose sockets are open, oldest first from nl_ring_next. */
static struct hrt *nl_ring[HOST_NL_OPEN];
static unsigned int nl_ring_next;

static void nl_ring_forget(const struct hrt *r)
{
	for (unsigned int i = 0; i < HOST_NL_OPEN; i++)
		if (nl_ring[i] == r)
			nl_ring[i] = NULL;
}

/* nl's open(): a socket inside the host, in place of the oldest one open. */
static int host_nl_open(struct nl *nl, void *arg)
{
	struct hrt *r = arg, *old = nl_ring[nl_ring_next];
	int fd = r->netfd, err;

	if (old) {
		nl_close(old->nl);
		nl_ring[nl_ring_next] = NULL;
	}
	if (fd < 0)
		fd = holder_netns(r);
	if (fd < 0)
		return fd;
	err = setns(fd, CLONE_NEWNET) ? -errno : nl_sock_open(nl, NETLINK_ROUTE);
	if (setns(r->rootfd, CLONE_NEWNET))
		abort();	/* we would go on working in the wrong namespace */
	if (fd != r->netfd)
		close(fd);
	if (err)
		return err;
	nl_ring[nl_ring_next] = r;
	nl_ring_next = (nl_ring_next + 1) % HOST_NL_OPEN;
	return 0;
}

int host_attach(struct hrt *r, pid_t pid, int rootfd)
{
	memset(r, 0, sizeof(*r));
	r->netfd = -1;
	r->rootfd = rootfd;
	r->pid = pid;
	r->start = proc_start(pid);
	r->netino = ns_inode(pid, "net");
	r->mntino = ns_inode(pid, "mnt");
	if (!r->start || !r->netino)
		return -ESRCH;
	r->nl = malloc(sizeof(*r->nl));
	if (!r->nl)
		return -ENOMEM;
	nl_lazy(r->nl, host_nl_open, r);
	r->running = true;
	r->next_index = 100;
	return 0;
}

void host_detach(struct hrt *r)
{
	if (r->nl) {
		nl_ring_forget(r);
		nl_close(r->nl);
		free(r->nl);
	}
	if (r->netfd >= 0)
		close(r->netfd);
	r->nl = NULL;
	r->netfd = -1;
	r->running = false;
}

int host_netfd(struct hrt *r)
{
	if (r->netfd < 0)
		r->netfd = holder_netns(r);
	return r->netfd;
}

int host_in_netns(struct hrt *r, int (*fn)(void *), void *arg)
{
	int fd = r->netfd >= 0 ? r->netfd : holder_netns(r), ret;

	if (fd < 0)
		return fd;
	ret = in_netns(fd, r->rootfd, fn, arg);
	if (fd != r->netfd)
		close(fd);
	return ret;
}

static struct rlimit nofile_orig;
static bool nofile_raised;

void nofile_raise(void)
{
	struct rlimit rl;

	if (nofile_raised || getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= rl.rlim_max)
		return;
	nofile_orig = rl;
	rl.rlim_cur = rl.rlim_max;
	/* Refused only if the hard limit is above fs.nr_open: keep ours. */
	nofile_raised = !setrlimit(RLIMIT_NOFILE, &rl);
}

void nofile_restore(void)
{
	if (nofile_raised && !setrlimit(RLIMIT_NOFILE, &nofile_orig))
		nofile_raised = false;
}

bool host_alive(const struct jentry *e)
{
	return e->pid > 0 && proc_start(e->pid) == e->start;
}

/* The user namespace owning netfd if it is not ours (a slice's): an fd,
 * -1 if it is ours, or -errno. */
static int slice_userns(int netfd)
{
	int foreign = userns_foreign(netfd);

	if (foreign <= 0)
		return foreign < 0 ? foreign : -1;
	return userns_owner(netfd);
}

int host_enter(pid_t pid)
{
	return host_enter_as(pid, true);
}

/*
 * After setns() into a PID namespace only our children are in it: fork one
 * that goes on (returns 0), and wait for it here, passing signals on (to
 * its process group once it has one) and ending as it ends.
 */
static int pidns_fork(void)
{
	sigset_t all, old;
	pid_t child;
	int status, sig;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	signal(SIGCHLD, SIG_DFL);
	child = fork();
	if (child <= 0) {
		if (child == 0)
			prctl(PR_SET_PDEATHSIG, SIGKILL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return child < 0 ? -errno : 0;
	}
	for (;;) {
		sig = sigwaitinfo(&all, NULL);
		if (sig != SIGCHLD) {
			if (sig > 0 && kill(-child, sig))
				kill(child, sig);
			continue;
		}
		if (waitpid(child, &status, WNOHANG) != child)
			continue;
		if (WIFEXITED(status))
			_exit(WEXITSTATUS(status));
		sig = WTERMSIG(status);
		signal(sig, SIG_DFL);
		sigemptyset(&all);
		sigaddset(&all, sig);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		kill(getpid(), sig);
		_exit(128 + sig);
	}
}

int host_enter_as(pid_t pid, bool as_slice)
{
	static const struct { const char *name; int type; } ns[] = {
		{ "net", CLONE_NEWNET }, { "uts", CLONE_NEWUTS }, { "mnt", CLONE_NEWNS },
	};
	int fds[3], user = -1, pidns = -1, err;

	err = cgroup_join_holder(pid);
	if (err)
		return err;
	/* Open all first: after entering the mount namespace /proc may differ. */
	for (int i = 0; i < 3; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns[i].name);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			int err = -errno;

			while (i--)
				close(fds[i]);
			return err;
		}
	}
	if (as_slice) {
		char path[64];

		user = slice_userns(fds[0]);
		if (user < -1) {
			for (int i = 0; i < 3; i++)
				close(fds[i]);
			return user;
		}
		/* A slice's host has a PID namespace of its own. */
		snprintf(path, sizeof(path), "/proc/%d/ns/pid_for_children", (int)pid);
		if (user >= 0)
			pidns = open(path, O_RDONLY | O_CLOEXEC);
	}
	/* The mount namespace is the machine's to own: enter it while we
	 * are still root of the machine, the user namespace last. */
	for (int i = 0; i < 3; i++) {
		if (setns(fds[i], ns[i].type)) {
			err = -errno;
			for (int j = i; j < 3; j++)
				close(fds[j]);
			if (user >= 0)
				close(user);
			if (pidns >= 0)
				close(pidns);
			return err;
		}
		close(fds[i]);
	}
	/* The PID namespace is the machine's too. */
	if (pidns >= 0) {
		err = setns(pidns, CLONE_NEWPID) ? -errno : 0;
		close(pidns);
		if (err) {
			if (user >= 0)
				close(user);
			return err;
		}
	}
	if (user >= 0) {
		err = userns_join(user);
		close(user);
		if (err)
			return err;
	}
	if (pidns >= 0) {
		err = pidns_fork();
		if (err)
			return err;
	}
	/* What runs inside is not trellisd.  Not before: the soft limit may be
	 * below descriptors trellisd holds, and opening one more would fail. */
	nofile_restore();
	return chdir("/") ? -errno : 0;
}

pid_t host_run(pid_t holder, const char *cmd, const char *log)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid != 0)
		return pid < 0 ? -errno : pid;
	{
		int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (host_enter(holder))
			_exit(127);
		setsid();
		if (null >= 0)
			dup2(null, 0);
		if (out >= 0) {
			dup2(out, 1);
			dup2(out, 2);
		}
		/* Leave trellisd's netlink sockets behind. */
		close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
}

int in_netns(int netfd, int rootfd, int (*fn)(void *), void *arg)
{
	int ret;

	if (setns(netfd, CLONE_NEWNET))
		return -errno;
	ret = fn(arg);
	if (setns(rootfd, CLONE_NEWNET))
		abort();
	return ret;
}
