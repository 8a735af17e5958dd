/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policy: who may do what, and quotas (/etc/trellis/policy.conf).  Pure:
 * parsing takes text, admission takes the request and the other slices'
 * use; nothing here reads the system.
 *
 *   # comment
 *   per-host processes 64 memory 256M   what each host of a slice is given
 *   user alice slices 2 hosts 8         alice's slices together
 *   user * slices 1                     each user without a line of their own
 *   group trellis hosts 40 memory 8G    the slices of all members together
 *
 * Limits: slices, hosts, links, processes, memory (bytes; K, M, G, T are
 * powers of 1024).  A slice's processes and memory are its hosts times
 * the per-host values: the limits its cgroup gets (struct slice_limits).
 * Root is never limited.
 */
#ifndef TRELLIS_POLICY_H
#define TRELLIS_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgroup.h"	/* struct slice_limits */
#include "topo.h"

#define POLICY_FILE "/etc/trellis/policy.conf"

enum res { RES_SLICES, RES_HOSTS, RES_LINKS, RES_PROCS, RES_MEMORY, N_RES };

struct prule {
	char name[64];
	bool group, any;	/* group NAME; user * */
	unsigned int id;	/* uid or gid, once resolved */
	long long lim[N_RES];	/* -1: no limit */
	int line, col[N_RES];
};

struct policy {
	char *path;
	struct prule *r;
	size_t n;
	long long per_host[N_RES];	/* RES_PROCS and RES_MEMORY; 0: none */
	int per_host_line;
};

/* A slice's use of each resource (RES_SLICES is 1), and its owner. */
struct slice_use {
	uid_t owner;
	const gid_t *gids;	/* the owner's groups */
	size_t n_gids;
	long long v[N_RES];
};

struct principal {
	uid_t uid;
	const char *name;
	const gid_t *gids;
	size_t n_gids;
};

const char *res_str(enum res r);

/* Parses policy text; errors are "path:line:col: message" in d. */
int policy_parse(struct policy *p, const char *text, const char *path, struct diag *d);
/* Gives each rule its uid or gid through the lookups (0, or -1 with the
 * message in d: an unknown user or group). */
int policy_resolve(struct policy *p, int (*user)(const char *, unsigned int *),
		   int (*group)(const char *, unsigned int *), struct diag *d);
void policy_free(struct policy *p);

/* The use of a slice of hosts hosts and links links under p. */
void policy_use(const struct policy *p, size_t hosts, size_t links, struct slice_use *u);
void policy_slice_limits(const struct policy *p, size_t hosts, struct slice_limits *l);

/*
 * May who add ask (a new slice, or the growth of one) to the slices in
 * use[n] (theirs and everyone's)?  0, or -1 with the message naming the
 * limit and the numbers in msg.
 */
int policy_admit(const struct policy *p, const struct principal *who,
		 const struct slice_use *use, size_t n, const struct slice_use *ask,
		 char *msg, size_t len);

#endif
