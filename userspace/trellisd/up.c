// SPDX-License-Identifier: GPL-2.0
/* trellisd up FILE: deploy a slice, all or nothing. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "owner.h"
#include "confcheck.h"
#include "daemon.h"
#include "deploy.h"
#include "names.h"
#include "shape.h"
#include "trellisd.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bandwidth reservations: admission before anything is built (up and
 * apply). */
int dep_admit(const struct dep *d, struct rplan *rp)
{
	char msg[512];

	if (d->node < 0)
		return 0;
	rp->underlay = d->t->nodes[d->node].underlay.addr.v4;	/* IPv4 only (parse.c) */
	if (!shape_admit(rp, d->t->nodes[d->node].name, d->t, NULL, msg, sizeof(msg)))
		return 0;
	errorf("%s %s: %s; nothing changed", d->verb, d->t->slice, msg);
	return -1;
}

static int up_shape(struct dep *d, const struct rplan *rp)
{
	if (!rp->n || !shape_apply(rp, d->err, sizeof(d->err)))
		return 0;
	return -1;
}

/* The slice's cgroup, before anything is built.  One left by a run that
 * died before it wrote any state holds nothing else: end what it holds. */
static int up_cgroup(struct dep *d)
{
	const char *slice = d->t->slice;
	int n;

	if (cgroup_check(d->err, sizeof(d->err)))
		goto fail;
	n = cgroup_count(slice, NULL);
	if (n > 0) {
		warnf("up %s: ending %d process%s left in %s", slice, n, n == 1 ? "" : "es",
		      cgroup_dir(slice));
		if (cgroup_kill(slice, NULL) < 0) {
			snprintf(d->err, sizeof(d->err), "cannot empty %s", cgroup_dir(slice));
			goto fail;
		}
	}
	if (!cgroup_create(slice, d->err, sizeof(d->err)) &&
	    !slice_limits_apply(slice, d->t->n_hosts, d->err, sizeof(d->err)))
		return 0;
fail:
	errorf("up %s: %s; nothing changed", slice, d->err);
	return -1;
}

int cmd_up(int argc, char **argv)
{
	struct rplan rp = { 0 };
	struct diag dg = { 0 };
	struct dep_opts o;
	const char *file;
	double t0 = now();
	struct topo t;
	struct dep d;
	size_t nh = 0, nl = 0;
	int ret = 1;

	if (dep_parse_opts(argc, argv, 1, &o, &file)) {
		fprintf(stderr, "usage: trellisd up FILE [--node NAME] [--backend egre|gretap|auto]\n");
		return 2;
	}
	if (o.node && !name_arg_ok(NAME_NODE, o.node))
		return 2;
	if (topo_parse_file(&t, file, NULL, &dg)) {
		diag_print(&dg);
		errorf("up %s: %zu error%s, nothing changed", file, dg.n, dg.n == 1 ? "" : "s");
		diag_free(&dg);
		return 1;
	}
	if (confcheck(&t) > 0) {	/* each daemon's own checker */
		errorf("up %s: routing configurations refused, nothing changed", t.slice);
		goto out_topo;
	}
	if (state_lock("up"))
		goto out_topo;
	if (state_check_keys(&t, true)) {
		errorf("up %s: nothing changed", t.slice);
		goto out_topo;
	}
	if (slice_exists(t.slice)) {
		errorf("up %s: the slice is already up (use `trellisd apply %s' or `trellisd down %s')",
		       t.slice, file, t.slice);
		goto out_topo;
	}
	if (dep_init(&d, &t, "up", &o)) {
		errorf("up %s: %s", t.slice, d.err);
		goto out_dep;
	}
	if (dep_admit(&d, &rp) || up_cgroup(&d))
		goto out_dep;
	{
		int err = state_create(&t, file);

		if (err) {
			errorf("up %s: cannot create %s: %s", t.slice, slice_dir(t.slice), strerror(-err));
			cgroup_kill(t.slice, NULL);
			goto out_dep;
		}
	}
	if (dep_up(&d) || daemon_up(&d) || up_shape(&d, &rp)) {
		char msg[512];

		errorf("up %s: %s", t.slice, d.err);
		fprintf(stderr, "trellisd: up %s: rolling back\n", t.slice);
		dep_fini(&d);
		{
			struct journal j;

			journal_load(t.slice, &j);
			dep_undo(t.slice, &j, false);
			journal_free(&j);
		}
		if (rp.n && shape_resync(rp.underlay, t.nodes[d.node].name, t.slice, msg, sizeof(msg)))
			warnf("up %s: %s", t.slice, msg);
		resv_free(&rp);
		rm_rf(slice_dir(t.slice));
		state_tidy();
		topo_free(&t);
		return 1;
	}
	state_mark_complete(t.slice, true);
	for (size_t i = 0; i < t.n_hosts; i++)
		nh += dep_local(&d, (int)i);
	for (size_t l = 0; l < t.n_links; l++)
		for (size_t e = 0; e < t.links[l].n_ends; e++)
			if (dep_local(&d, t.links[l].ends[e].host)) {
				nl++;
				break;
			}
	printf("%s: up: %zu host%s, %zu link%s%s%s in %.3f s\n", t.slice, nh, nh == 1 ? "" : "s",
	       nl, nl == 1 ? "" : "s", d.node >= 0 ? " on node " : "",
	       d.node >= 0 ? t.nodes[d.node].name : "", now() - t0);
	ret = 0;
out_dep:
	resv_free(&rp);
	dep_fini(&d);
out_topo:
	topo_free(&t);
	return ret;
}
