// SPDX-License-Identifier: GPL-2.0
/* One user namespace per slice (userns.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/nsfs.h>

#include "state.h"
#include "userns.h"

static void claim_path(int slot, char *buf, size_t len)
{
	snprintf(buf, len, "%s/.userns/%d", run_dir(), slot);
}

/* The slice named in slot's claim, "" if none. */
static void claim_owner(int slot, char *owner, size_t len)
{
	char path[PATH_MAX];
	ssize_t n = -1;
	int fd;

	claim_path(slot, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, owner, len - 1);
		close(fd);
	}
	owner[n > 0 ? n : 0] = '\0';
}

int userns_slot(const char *slice)
{
	char path[PATH_MAX], buf[32], owner[TOPO_NAME_LEN + 1];
	ssize_t n;
	int fd, slot;

	snprintf(path, sizeof(path), "%s/userns", slice_dir(slice));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	slot = atoi(buf);
	if (n <= 0 || slot < 0 || slot >= USERNS_SLOTS)
		return -EINVAL;
	/* Ours only if the claim says so. */
	claim_owner(slot, owner, sizeof(owner));
	return strcmp(owner, slice) ? -ENOENT : slot;
}

static int record(const char *slice, int slot)
{
	char path[PATH_MAX], text[32];

	snprintf(path, sizeof(path), "%s/userns", slice_dir(slice));
	snprintf(text, sizeof(text), "%d\n", slot);
	return write_file(path, text);
}

int userns_claim(const char *slice)
{
	char path[PATH_MAX], owner[TOPO_NAME_LEN + 1];
	int slot = userns_slot(slice);

	if (slot >= 0)
		return slot;
	snprintf(path, sizeof(path), "%s/.userns", run_dir());
	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	for (slot = 0; slot < USERNS_SLOTS; slot++) {
		int fd, err;

		claim_path(slot, path, sizeof(path));
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno == EEXIST) {
			/* A claim outlives its slice only if that slice's state
			 * was removed by hand: take it back. */
			claim_owner(slot, owner, sizeof(owner));
			if (!owner[0] || slice_exists(owner))
				continue;
			unlink(path);
			fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		}
		if (fd < 0) {
			if (errno == EEXIST)
				continue;
			return -errno;
		}
		err = write(fd, slice, strlen(slice)) == (ssize_t)strlen(slice) ? 0 : -EIO;
		if (close(fd) && !err)
			err = -errno;
		if (!err)
			err = record(slice, slot);
		if (err) {
			unlink(path);
			return err;
		}
		return slot;
	}
	return -ENOSPC;
}

void userns_release(const char *slice)
{
	char path[PATH_MAX];
	int slot = userns_slot(slice);

	if (slot < 0)
		return;
	claim_path(slot, path, sizeof(path));
	unlink(path);
	/* Nothing of ours is left behind once the last slice is down. */
	snprintf(path, sizeof(path), "%s/.userns", run_dir());
	rmdir(path);
}

static int write_map(pid_t pid, const char *which, int slot)
{
	char path[64], map[64];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, which);
	snprintf(map, sizeof(map), "0 %u %u\n", userns_id(slot, 0), USERNS_SIZE);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, map, strlen(map)) != (ssize_t)strlen(map))
		err = -errno;
	close(fd);
	return err;
}

int userns_create(int slot)
{
	char path[64];
	int p[2], fd, err;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	/* A child born in the new namespace (clone, so that it is in it from
	 * its first instruction); it waits for us to close the pipe. */
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		char c;

		close(p[1]);
		while (read(p[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(p[0]);
	if (pid < 0) {
		err = -errno;
		close(p[1]);
		return err;
	}
	err = write_map(pid, "uid_map", slot);
	if (!err)
		err = write_map(pid, "gid_map", slot);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	fd = err ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	if (!err && fd < 0)
		err = -errno;
	close(p[1]);
	waitpid(pid, NULL, 0);
	return err ? err : fd;
}

int userns_owner(int nsfd)
{
	int fd = ioctl(nsfd, NS_GET_USERNS);

	return fd < 0 ? -errno : fd;
}

int userns_foreign(int nsfd)
{
	struct stat a, b;
	int fd = userns_owner(nsfd);

	if (fd < 0)
		return fd;
	if (fstat(fd, &a) || stat("/proc/self/ns/user", &b)) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

int userns_join(int usernsfd)
{
	if (setns(usernsfd, CLONE_NEWUSER))
		return -errno;
	if (setgroups(0, NULL) || setresgid(0, 0, 0) || setresuid(0, 0, 0))
		return -errno;
	return 0;
}
