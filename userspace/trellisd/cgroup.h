/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A slice's processes, found through its cgroup (cgroup v2), under
 * /sys/fs/cgroup or, for a daemon systemd delegated its cgroup to, under
 * that cgroup (cgroup_delegate()):
 *
 *   /sys/fs/cgroup/trellis/                  memory, pids and cpu enabled
 *   /sys/fs/cgroup/trellis/SLICE/            the slice's limits
 *   /sys/fs/cgroup/trellis/SLICE/host-NAME/  a host's holder and everything
 *                                            that enters the host: daemons,
 *                                            `run' commands, `trellisd exec'
 *   /sys/fs/cgroup/trellis/SLICE/supervisor/ the daemon supervisor
 *
 * Processes live only in the leaves.  A process joins its leaf before it
 * does anything else (the holder and the supervisor right after fork, the
 * others before they enter the host's namespaces), so none escapes; `down'
 * and `apply' end them with cgroup.kill and wait for "populated 0".
 * Nothing is ever killed by pid or namespace inode taken from the journal.
 */
#ifndef TRELLIS_CGROUP_H
#define TRELLIS_CGROUP_H

#include <stddef.h>
#include <sys/types.h>

/* A slice's limits, for the whole of its cgroup; 0: none (the default). */
struct slice_limits {
	long long memory_bytes;	/* memory.max */
	long pids;		/* pids.max */
	long cpu_weight;	/* cpu.weight, 1 to 10000 (100 is the default) */
};

/* "BASE/trellis/SLICE" (static buffer): BASE is /sys/fs/cgroup, or the
 * daemon's delegated cgroup (cgroup_delegate()). */
const char *cgroup_dir(const char *slice);

/*
 * For `trellisd serve': if systemd delegated the daemon's cgroup
 * (Delegate=yes; it runs there or, with DelegateSubgroup=serve, in its
 * serve/), the slices go in UNIT/trellis/ and the daemon in UNIT/serve/
 * (it moves there: an inner cgroup holds no process); $rundir/.cgroup
 * records UNIT for the commands root runs by hand.  1 if delegated, 0 if
 * not (slices in /sys/fs/cgroup/trellis), -1 with why in err.
 */
int cgroup_delegate(char *err, size_t len);

/* Is cgroup v2 mounted at /sys/fs/cgroup?  0, or -1 with why in err. */
int cgroup_check(char *err, size_t len);

/* Enables the memory, pids and cpu controllers down to trellis/ and makes
 * the slice's cgroup (it may exist); needs cgroup.kill (Linux 5.14).  0, or
 * -1 with why in err. */
int cgroup_create(const char *slice, char *err, size_t len);

/* Writes l into the slice's cgroup.  0 or -errno. */
int cgroup_set_limits(const char *slice, const struct slice_limits *l);

/* The leaf of host (NULL: the supervisor's), made if needed, as an
 * O_DIRECTORY fd for cgroup_enter(); or -errno. */
int cgroup_open(const char *slice, const char *host);

/* Moves the calling process into the cgroup of fd (cgroup_open()).
 * 0 or -errno. */
int cgroup_enter(int cgfd);

/* Moves the calling process into the cgroup of the host whose holder is
 * pid, before entering the host: 0, or -errno (-ENOENT if the holder is
 * not in a slice's cgroup). */
int cgroup_join_holder(pid_t holder);

/* Ends every process of host's leaf (NULL: of the whole slice) with
 * cgroup.kill, waits until it is empty and removes it (and below it).
 * Returns how many processes it held, or -errno; 0 if it does not exist. */
int cgroup_kill(const char *slice, const char *host);

/* How many processes the slice's cgroup holds (host NULL: all of it). */
int cgroup_count(const char *slice, const char *host);

#endif
