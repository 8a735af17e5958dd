/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's records beside a slice's state, each written atomically:
 *
 *   $rundir/SLICE/owner    the uid that deployed it (none: root, deployed
 *                          without the daemon)
 *   $rundir/SLICE/limits   "memory_bytes N pids N": its cgroup's limits
 *
 * and what policy needs from the system: policy.conf, and every deployed
 * slice's owner, the owner's groups and the slice's use.
 */
#ifndef TRELLIS_OWNER_H
#define TRELLIS_OWNER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "policy.h"

#define OWNER_MAX_GROUPS 256

uid_t slice_owner(const char *slice);
int slice_set_owner(const char *slice, uid_t uid);
/* Writes text to path through a temporary file and rename.  0 or -errno. */
int record_write(const char *path, const char *text);

/* Reads and resolves policy.conf: 0 (a missing file is an empty policy
 * unless must_exist), or -1 with every error in msg. */
int policy_load(struct policy *p, const char *path, bool must_exist, char *msg, size_t len);

struct slice_uses {
	struct slice_use *u;
	gid_t (*gids)[OWNER_MAX_GROUPS];
	size_t n;
};

/* Every deployed slice's use under p, and self's index in it (-1: not
 * deployed). */
void slice_uses_load(const struct policy *p, const char *self, struct slice_uses *us,
		     int *self_i);
void slice_uses_free(struct slice_uses *us);

/* The limits of a slice's cgroup (for cgroup.c): those a request in this
 * process is deploying it with (slice_limits_pending()), else as recorded.
 * 0 or -errno. */
int slice_limits_get(const char *slice, struct slice_limits *l);
void slice_limits_pending(const char *slice, const struct slice_limits *l);
/* Records the pending limits in $rundir/SLICE/limits. */
int slice_limits_record(const char *slice);
/* A quarter of the node's RAM, in whole pages (0 if unknown). */
long long slice_default_memory(void);
/* Writes the slice's limits into its cgroup, with default bounds where
 * policy.conf gives none: processes DEFAULT_PIDS_BASE +
 * DEFAULT_PIDS_PER_HOST per host, memory slice_default_memory(); so that a
 * fork bomb or a memory hog in one host cannot starve the node.  0, or -1
 * with why in err. */
int slice_limits_apply(const char *slice, size_t n_hosts, char *err, size_t len);

#endif
