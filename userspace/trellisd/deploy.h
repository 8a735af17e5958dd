/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building a slice from its topology (deploy.c): used by up, apply, down
 * and link.
 *
 * Order of work (docs/trellisd.md):
 *   1. hosts: fork every holder, then wait for all (they start in parallel)
 *   2. links: per end, a veth created from inside the end's namespace with
 *      its peer placed in the root namespace (IFLA_NET_NS_FD), the host end
 *      given an ifindex chosen by us so no lookups are needed later; one
 *      batch of requests per namespace; then, in the root namespace, the
 *      two root ends (or the root end and the tunnel, across nodes) joined
 *      by shortbridge, or by a Linux bridge when it is not loaded.  Each
 *      end's discipline is on the root-side device that transmits towards
 *      the far end, out of the slice's reach
 *   3. per host, one batch: lo up, addresses, qdiscs, routes (sysctls are
 *      written to /proc/sys from inside the namespace first)
 *   4. commands (`run')
 * Everything that outlives the namespaces (the holders, root-namespace
 * devices of cross-node links) is written to the journal before it is
 * created; undo walks the journal backwards.
 */
#ifndef TRELLIS_DEPLOY_H
#define TRELLIS_DEPLOY_H

#include <stdbool.h>

#include "host.h"
#include "nl.h"
#include "state.h"
#include "topo.h"

enum backend { BACKEND_AUTO, BACKEND_EGRE, BACKEND_GRETAP };

struct dep {
	const char *verb;	/* "up", "apply", ...: for messages */
	struct topo *t;
	int node;		/* this machine's node, -1 if the file has none */
	enum backend backend;
	bool join_bridge;	/* same-node links: a Linux bridge, not shortbridge */
	struct journal j;
	struct hrt *h;		/* per host of t */
	struct hrt sw;		/* the slice's switch namespace (lans) */
	int usernsfd;		/* the slice's user namespace (userns.h), or -1 */
	int slot;		/* its slot, -1 until known */
	int rootfd;		/* our own netns */
	struct nl root;
	struct nl genl;
	bool genl_open;
	int **ifx;		/* [link][end]: ifindex in the end's host, 0: none */
	int *brx;		/* [link]: bridge ifindex in the switch (lans) */
	struct nl_batch *hb;	/* [host]: batches, allocated as needed */
	struct nl_batch swb;
	bool swb_init;
	struct nl_batch rb;	/* the root namespace's: link disciplines */
	bool rb_init;
	int fail_at, crash_at, steps;	/* TRELLIS_FAIL_AT, TRELLIS_CRASH_AT test hooks */
	char err[1024];
};

/* Options shared by up and apply. */
struct dep_opts {
	const char *node;	/* --node NAME, or NULL: find it */
	enum backend backend;
};
int dep_parse_opts(int argc, char **argv, int first, struct dep_opts *o, const char **file);

int dep_init(struct dep *d, struct topo *t, const char *verb, const struct dep_opts *o);
void dep_fini(struct dep *d);

/* Is host i placed on this machine? */
bool dep_local(const struct dep *d, int host);

/* Records an error (the first one wins) and returns -1. */
int dep_fail(struct dep *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Admission of d->t's bandwidth reservations on this machine's node, beside
 * every deployed slice (up.c); -1 after printing why. */
struct rplan;
int dep_admit(const struct dep *d, struct rplan *rp);

/* Deploys everything of d->t placed on this machine (a fresh slice). */
int dep_up(struct dep *d);
/* Undoes a journal: deletes root devices, kills every host's processes. */
int dep_undo(const char *slice, struct journal *j, bool verbose);
/* Reconciles the deployed slice (old) to d->t. */
int dep_apply(struct dep *d, struct topo *old);

/* Runtime changes of one interface, host:ifname of the deployed slice. */
int dep_link_set(const char *slice, const char *end, const struct disc *disc);
int dep_link_updown(const char *slice, const char *end, bool up);

#endif
