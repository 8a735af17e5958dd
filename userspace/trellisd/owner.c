// SPDX-License-Identifier: GPL-2.0
/*
 * What the daemon keeps beside a slice's state (owner.h): its owner and
 * its cgroup's limits; policy.conf read from disk, and every deployed
 * slice's use of what it limits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "owner.h"
#include "state.h"

static void owner_path(const char *slice, char *buf, size_t len)
{
	snprintf(buf, len, "%s/owner", slice_dir(slice));
}

/* The slice's owner; root if it has no record (deployed without the
 * daemon). */
uid_t slice_owner(const char *slice)
{
	char path[PATH_MAX];
	unsigned int uid = 0;
	FILE *f;

	owner_path(slice, path, sizeof(path));
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%u", &uid) != 1)
			uid = 0;
		fclose(f);
	}
	return (uid_t)uid;
}

int record_write(const char *path, const char *text)
{
	char tmp[PATH_MAX];
	int err;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	err = write_file(tmp, text);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int slice_set_owner(const char *slice, uid_t uid)
{
	char path[PATH_MAX], text[32];

	owner_path(slice, path, sizeof(path));
	snprintf(text, sizeof(text), "%u\n", (unsigned int)uid);
	return record_write(path, text);
}

static int lookup_user(const char *name, unsigned int *id)
{
	struct passwd *pw = getpwnam(name);

	if (!pw)
		return -1;
	*id = pw->pw_uid;
	return 0;
}

static int lookup_group(const char *name, unsigned int *id)
{
	struct group *gr = getgrnam(name);

	if (!gr)
		return -1;
	*id = gr->gr_gid;
	return 0;
}

/* Loads policy.conf: 0 (an absent default file is an empty policy), or
 * -1 with the message in msg. */
int policy_load(struct policy *p, const char *path, bool must_exist, char *msg, size_t len)
{
	struct diag d = { 0 };
	char *text = NULL;
	size_t size = 0, n;
	char buf[8192];
	FILE *f, *m;
	int err;

	f = fopen(path, "re");
	if (!f && errno == ENOENT && !must_exist)
		return policy_parse(p, "", path, &d);
	if (!f) {
		snprintf(msg, len, "%s: %m", path);
		return -1;
	}
	m = open_memstream(&text, &size);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, m);
	fclose(m);
	fclose(f);
	err = policy_parse(p, text, path, &d) || policy_resolve(p, lookup_user, lookup_group, &d);
	free(text);
	if (err) {
		for (size_t i = 0, o = 0; i < d.n && o + 1 < len; i++)
			o += (size_t)snprintf(msg + o, len - o, "%s%s", i ? "\n" : "", d.msgs[i]);
		diag_free(&d);
		policy_free(p);
		return -1;
	}
	return 0;
}

/* Every deployed slice's use, and self's index in it (-1: not deployed). */
void slice_uses_load(const struct policy *p, const char *self, struct slice_uses *us, int *self_i)
{
	char **slices = state_slices();
	size_t n = 0;

	while (slices[n])
		n++;
	us->u = calloc(n + 1, sizeof(*us->u));
	us->gids = calloc(n + 1, sizeof(*us->gids));
	if (!us->u || !us->gids)
		abort();
	*self_i = -1;
	for (size_t i = 0; i < n; i++) {
		struct slice_use *u = &us->u[us->n];
		struct diag d = { 0 };
		struct passwd *pw;
		struct topo t;
		int ng = OWNER_MAX_GROUPS;

		u->owner = slice_owner(slices[i]);
		pw = getpwuid(u->owner);
		if (!pw || getgrouplist(pw->pw_name, pw->pw_gid, us->gids[us->n], &ng) < 0)
			ng = 0;
		u->gids = us->gids[us->n];
		u->n_gids = (size_t)ng;
		if (state_topo(slices[i], &t, &d)) {
			diag_free(&d);
			policy_use(p, 0, 0, u);
		} else {
			policy_use(p, t.n_hosts, t.n_links, u);
			topo_free(&t);
		}
		if (!strcmp(slices[i], self))
			*self_i = (int)us->n;
		us->n++;
		free(slices[i]);
	}
	free(slices);
}

void slice_uses_free(struct slice_uses *us)
{
	free(us->u);
	free(us->gids);
	memset(us, 0, sizeof(*us));
}

/* The limits a slice's cgroup gets (cgroup.c): while a request deploys it,
 * from policy; otherwise as recorded in its state. */
static struct slice_limits req_limits;
static char req_limits_slice[TOPO_NAME_LEN];

void slice_limits_pending(const char *slice, const struct slice_limits *l)
{
	snprintf(req_limits_slice, sizeof(req_limits_slice), "%s", slice);
	req_limits = *l;
}

int slice_limits_get(const char *slice, struct slice_limits *l)
{
	char path[PATH_MAX];
	FILE *f;
	int ok;

	if (req_limits_slice[0] && !strcmp(slice, req_limits_slice)) {
		*l = req_limits;
		return 0;
	}
	snprintf(path, sizeof(path), "%s/limits", slice_dir(slice));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ok = fscanf(f, "memory_bytes %lld pids %ld", &l->memory_bytes, &l->pids) == 2;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

int slice_limits_record(const char *slice)
{
	char path[PATH_MAX], text[96];

	snprintf(path, sizeof(path), "%s/limits", slice_dir(slice));
	snprintf(text, sizeof(text), "memory_bytes %lld pids %ld\n", req_limits.memory_bytes,
		 req_limits.pids);
	return record_write(path, text);
}

#define DEFAULT_PIDS_BASE	256
#define DEFAULT_PIDS_PER_HOST	64	/* a holder, an init, daemons and their threads */
#define DEFAULT_MEMORY_SHARE	4	/* a quarter of the node's RAM */

/*
 * A share of the node's RAM, not a size per host: a size fit for a small
 * node lets a few large slices take a big node's memory, and one fit for
 * a big node lets one slice take a small node's.  A quarter leaves the
 * node (and, with a few slices, the others) room whatever the node.  In
 * whole pages, as memory.max keeps it.
 */
long long slice_default_memory(void)
{
	long page = sysconf(_SC_PAGESIZE), pages = sysconf(_SC_PHYS_PAGES);

	if (page <= 0 || pages <= 0)
		return 0;
	return (long long)(pages / DEFAULT_MEMORY_SHARE) * page;
}

int slice_limits_apply(const char *slice, size_t n_hosts, char *err, size_t len)
{
	struct slice_limits l = { 0 };
	int e;

	if (slice_limits_get(slice, &l))
		memset(&l, 0, sizeof(l));
	if (!l.pids)
		l.pids = DEFAULT_PIDS_BASE + DEFAULT_PIDS_PER_HOST * (long)n_hosts;
	if (!l.memory_bytes)
		l.memory_bytes = slice_default_memory();
	e = cgroup_set_limits(slice, &l);
	if (e)
		snprintf(err, len, "cannot set the limits of %s: %s", cgroup_dir(slice), strerror(-e));
	return e ? -1 : 0;
}
