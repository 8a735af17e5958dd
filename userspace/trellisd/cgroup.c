// SPDX-License-Identifier: GPL-2.0
/* A slice's processes in its cgroup v2 (cgroup.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup.h"
#include "state.h"

#define CG_MOUNT	"/sys/fs/cgroup"
#define CG_HAND_TOP	CG_MOUNT "/trellis"	/* run by hand */
#define CG_SERVE	"serve"			/* the daemon's own, when delegated */
#define CG_KILL_WAIT_MS	30000

static const char *const controllers[] = { "memory", "pids", "cpu", NULL };

/* base/trellis holds the slices: base is CG_MOUNT, or the cgroup systemd
 * delegated to the daemon (cgroup_delegate()). */
static char base[PATH_MAX];

static const char *record_path(void)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/.cgroup", run_dir());
	return path;
}

/* Is path a cgroup directory of ours to use: under CG_MOUNT, no "..". */
static bool cg_path_ok(const char *path)
{
	struct stat st;

	return !strncmp(path, CG_MOUNT "/", sizeof(CG_MOUNT)) && !strstr(path, "/..") &&
	       !stat(path, &st) && S_ISDIR(st.st_mode);
}

static const char *cg_base(void)
{
	char rec[PATH_MAX] = "";
	FILE *f;

	if (base[0])
		return base;
	f = fopen(record_path(), "re");
	if (f) {
		if (!fgets(rec, sizeof(rec), f))
			rec[0] = '\0';
		rec[strcspn(rec, "\n")] = '\0';
		fclose(f);
	}
	snprintf(base, sizeof(base), "%s", rec[0] && cg_path_ok(rec) ? rec : CG_MOUNT);
	return base;
}

static void cg_top(char *buf, size_t len)
{
	snprintf(buf, len, "%s/trellis", cg_base());
}

/* base/trellis/SLICE; or, if it is not there, a slice made by hand before
 * the daemon was delegated its cgroup, where it is. */
const char *cgroup_dir(const char *slice)
{
	static char buf[PATH_MAX];
	char hand[PATH_MAX];
	struct stat st;

	cg_top(buf, sizeof(buf));
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/%s", slice);
	snprintf(hand, sizeof(hand), CG_HAND_TOP "/%s", slice);
	if (strcmp(buf, hand) && stat(buf, &st) && !stat(hand, &st))
		snprintf(buf, sizeof(buf), "%s", hand);
	return buf;
}

static void leaf_path(const char *slice, const char *host, char *buf, size_t len)
{
	if (host)
		snprintf(buf, len, "%s/host-%s", cgroup_dir(slice), host);
	else
		snprintf(buf, len, "%s/supervisor", cgroup_dir(slice));
}

/* Writes s to dir/file; 0 or -errno. */
static int cg_write(const char *dir, const char *file, const char *s)
{
	char path[PATH_MAX + 32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	return 0;
}

/* The first line of dir/file in buf; 0 or -errno. */
static int cg_read(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX + 32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* Is word one of the space-separated words of list? */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *c = list; (c = strstr(c, word)); c += n)
		if ((c == list || c[-1] == ' ') && (c[n] == ' ' || c[n] == '\n' || !c[n]))
			return true;
	return false;
}

int cgroup_check(char *err, size_t len)
{
	struct statfs sf;

	if (statfs(CG_MOUNT, &sf) || sf.f_type != CGROUP2_SUPER_MAGIC) {
		snprintf(err, len, "cgroup v2 is not mounted at " CG_MOUNT
			 " (a slice's processes are kept in a cgroup: mount -t cgroup2 none " CG_MOUNT ")");
		return -1;
	}
	if (access(CG_MOUNT "/cgroup.procs", W_OK)) {
		snprintf(err, len, "cannot write to " CG_MOUNT "/cgroup.procs: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Did systemd delegate dir (Delegate=yes marks it so, since v251)? */
static bool delegated(const char *dir)
{
	char v[8];
	ssize_t n = getxattr(dir, "trusted.delegate", v, sizeof(v));

	return n == 1 && v[0] == '1';
}

/* The calling process's cgroup, as a path under CG_MOUNT; 0 or -errno. */
static int own_cgroup(char *buf, size_t len)
{
	char line[PATH_MAX - sizeof(CG_MOUNT)];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (err && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::/", 4))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(buf, len, CG_MOUNT "%s", line + 3);
		err = 0;
	}
	fclose(f);
	return err;
}

int cgroup_delegate(char *err, size_t len)
{
	char own[PATH_MAX], unit[PATH_MAX], serve[PATH_MAX + 8];
	const char *leaf;
	int e;

	e = own_cgroup(own, sizeof(own));
	if (e) {
		snprintf(err, len, "cannot read /proc/self/cgroup: %s", strerror(-e));
		return -1;
	}
	snprintf(unit, sizeof(unit), "%s", own);
	leaf = strrchr(own, '/');
	/* Started in the unit's serve/ (DelegateSubgroup=, or a restart). */
	if (leaf && !strcmp(leaf + 1, CG_SERVE) && !delegated(own))
		*strrchr(unit, '/') = '\0';
	if (!delegated(unit))
		return 0;	/* by hand: CG_MOUNT, or what a record says */
	/* No processes in an inner cgroup: the daemon leaves the unit's own. */
	snprintf(serve, sizeof(serve), "%s/" CG_SERVE, unit);
	if (strcmp(own, serve)) {
		if (mkdir(serve, 0755) && errno != EEXIST) {
			snprintf(err, len, "cannot create %s: %s", serve, strerror(errno));
			return -1;
		}
		e = cg_write(serve, "cgroup.procs", "0");
		if (e) {
			snprintf(err, len, "cannot move into %s: %s", serve, strerror(-e));
			return -1;
		}
	}
	snprintf(base, sizeof(base), "%s", unit);
	mkdir_p(run_dir(), RUNDIR_MODE);
	e = write_file(record_path(), unit);
	if (e) {
		snprintf(err, len, "cannot write %s: %s", record_path(), strerror(-e));
		return -1;
	}
	return 1;
}

/* Enables our controllers in dir's children. */
static int enable_controllers(const char *dir, char *err, size_t len)
{
	char have[512], on[512];
	int e;

	if ((e = cg_read(dir, "cgroup.controllers", have, sizeof(have))) ||
	    (e = cg_read(dir, "cgroup.subtree_control", on, sizeof(on)))) {
		snprintf(err, len, "cannot read the controllers of %s: %s", dir, strerror(-e));
		return -1;
	}
	for (int i = 0; controllers[i]; i++) {
		char plus[32];

		if (has_word(on, controllers[i]))
			continue;
		if (!has_word(have, controllers[i])) {
			snprintf(err, len, "the %s controller is not available in %s", controllers[i], dir);
			return -1;
		}
		snprintf(plus, sizeof(plus), "+%s", controllers[i]);
		e = cg_write(dir, "cgroup.subtree_control", plus);
		if (e) {
			snprintf(err, len, "cannot enable the %s controller in %s/cgroup.subtree_control: %s",
				 controllers[i], dir, strerror(-e));
			return -1;
		}
	}
	return 0;
}

int cgroup_create(const char *slice, char *err, size_t len)
{
	char top[PATH_MAX], kill[PATH_MAX + 16];

	cg_top(top, sizeof(top));
	if (cgroup_check(err, len) || enable_controllers(cg_base(), err, len))
		return -1;
	if (mkdir(top, 0755) && errno != EEXIST) {
		snprintf(err, len, "cannot create %s: %s", top, strerror(errno));
		return -1;
	}
	if (enable_controllers(top, err, len))
		return -1;
	if (mkdir(cgroup_dir(slice), 0755) && errno != EEXIST) {
		snprintf(err, len, "cannot create %s: %s", cgroup_dir(slice), strerror(errno));
		return -1;
	}
	snprintf(kill, sizeof(kill), "%s/cgroup.kill", top);
	if (access(kill, W_OK)) {
		snprintf(err, len, "no %s (Linux 5.14 or later ends a slice's processes with it)", kill);
		rmdir(cgroup_dir(slice));
		return -1;
	}
	return 0;
}

int cgroup_set_limits(const char *slice, const struct slice_limits *l)
{
	char mem[32] = "max", pids[32] = "max", cpu[32] = "100";
	const char *dir = cgroup_dir(slice);
	int err;

	if (l->memory_bytes < 0 || l->pids < 0 || l->cpu_weight < 0 || l->cpu_weight > 10000)
		return -EINVAL;
	if (l->memory_bytes)
		snprintf(mem, sizeof(mem), "%lld", l->memory_bytes);
	if (l->pids)
		snprintf(pids, sizeof(pids), "%ld", l->pids);
	if (l->cpu_weight)
		snprintf(cpu, sizeof(cpu), "%ld", l->cpu_weight);
	err = cg_write(dir, "memory.max", mem);
	/* memory.max is all the slice gets: none of the node's swap besides
	 * (no such file without swap accounting). */
	if (!err) {
		err = cg_write(dir, "memory.swap.max", l->memory_bytes ? "0" : "max");
		if (err == -ENOENT)
			err = 0;
	}
	if (!err)
		err = cg_write(dir, "pids.max", pids);
	if (!err)
		err = cg_write(dir, "cpu.weight", cpu);
	return err;
}

int cgroup_open(const char *slice, const char *host)
{
	char path[PATH_MAX];
	int fd;

	leaf_path(slice, host, path, sizeof(path));
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int cgroup_enter(int cgfd)
{
	int fd = openat(cgfd, "cgroup.procs", O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, "0", 1) != 1)
		err = -errno;
	close(fd);
	return err;
}

/* What follows base/trellis/ (or the by-hand one) in dir; NULL if dir is
 * not below it. */
static const char *below_top(const char *dir)
{
	char top[PATH_MAX];
	size_t n;

	cg_top(top, sizeof(top));
	n = strlen(top);
	if (!strncmp(dir, top, n) && dir[n] == '/')
		return dir + n + 1;
	if (!strncmp(dir, CG_HAND_TOP "/", sizeof(CG_HAND_TOP)))
		return dir + sizeof(CG_HAND_TOP);
	return NULL;
}

int cgroup_join_holder(pid_t holder)
{
	char path[64], line[PATH_MAX], dir[PATH_MAX + 16];
	const char *rel = NULL, *rest;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)holder);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!rel && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3))
			rel = line + 3;
	fclose(f);
	if (!rel)
		return -ENOENT;
	line[strcspn(line, "\n")] = '\0';
	snprintf(dir, sizeof(dir), CG_MOUNT "%s", rel);
	/* Only ever a host's leaf of a slice: trellis/SLICE/host-NAME. */
	rest = below_top(dir);
	if (!rest || strstr(dir, "/..") || !strstr(rest, "/host-"))
		return -ENOENT;
	return cg_write(dir, "cgroup.procs", "0");
}

/* The processes in dir and below, appended to *pids (may be NULL: only
 * counted).  Returns how many. */
static size_t list_in(const char *dir, pid_t **pids, size_t n)
{
	char path[PATH_MAX + 256], line[32];
	struct dirent *de;
	FILE *f;
	DIR *d;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (pids) {
				*pids = realloc(*pids, (n + 1) * sizeof(**pids));
				if (!*pids)
					abort();
				(*pids)[n] = (pid_t)atoi(line);
			}
			n++;
		}
		fclose(f);
	}
	d = opendir(dir);
	if (!d)
		return n;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = list_in(path, pids, n);
	}
	closedir(d);
	return n;
}

int cgroup_count(const char *slice, const char *host)
{
	char path[PATH_MAX];

	if (host)
		leaf_path(slice, host, path, sizeof(path));
	else
		snprintf(path, sizeof(path), "%s", cgroup_dir(slice));
	return (int)list_in(path, NULL, 0);
}

/* Waits until dir's cgroup.events says "populated 0", reaping those of
 * the npids pids that are our own children (the holders, during up), and no
 * other child: a caller may wait for its own.  0 or -errno. */
static int wait_empty(const char *dir, const pid_t *pids, size_t npids)
{
	char path[PATH_MAX + 32], buf[256];
	int fd, waited = 0;

	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLPRI };
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

		if (n < 0)
			break;
		buf[n] = '\0';
		if (strstr(buf, "populated 0")) {
			/* Our children among them have left the cgroup, so
			 * they are exiting, if not zombies already. */
			for (size_t i = 0; i < npids; i++)
				if (waitpid(pids[i], NULL, WNOHANG) == 0)
					waitpid(pids[i], NULL, 0);
			close(fd);
			return 0;
		}
		if (waited >= CG_KILL_WAIT_MS)
			break;
		/* cgroup.events signals POLLPRI when it changes; the timeout
		 * only bounds the wait. */
		poll(&p, 1, 100);
		waited += 100;
	}
	close(fd);
	return -EBUSY;
}

/* rmdir dir and the cgroups below it. */
static int remove_tree(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d) {
		while ((de = readdir(d))) {
			char sub[PATH_MAX + 256];

			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
			remove_tree(sub);
		}
		closedir(d);
	}
	return rmdir(dir) && errno != ENOENT ? -errno : 0;
}

int cgroup_kill(const char *slice, const char *host)
{
	char path[PATH_MAX];
	pid_t *pids = NULL;
	size_t n;
	int err;

	if (host)
		leaf_path(slice, host, path, sizeof(path));
	else
		snprintf(path, sizeof(path), "%s", cgroup_dir(slice));
	if (access(path, F_OK))
		return errno == ENOENT ? 0 : -errno;
	n = list_in(path, &pids, 0);
	err = cg_write(path, "cgroup.kill", "1");
	if (!err)
		err = wait_empty(path, pids, n);
	free(pids);
	if (!err)
		err = remove_tree(path);
	if (!err && !host)
		rmdir(dirname(path));	/* trellis/, only if no slice is left */
	return err ? err : (int)n;
}
