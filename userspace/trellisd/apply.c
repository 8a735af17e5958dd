// SPDX-License-Identifier: GPL-2.0
/* trellisd apply FILE: change a deployed slice to match an edited file. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "owner.h"
#include "daemon.h"
#include "deploy.h"
#include "names.h"
#include "shape.h"
#include "trellisd.h"

/* Did a host with routing daemons arrive on this node or leave it (moved,
 * added or removed)?  Then the supervisor must start or drop its daemons. */
static bool daemons_moved(const struct dep *d, const struct topo *old)
{
	const struct topo *t = d->t;
	const char *me = d->node >= 0 ? t->nodes[d->node].name : NULL;

	for (size_t i = 0; i < old->n_hosts; i++) {
		const struct host *h = &old->hosts[i];
		int n = topo_host(t, h->name);
		bool was = me ? h->node >= 0 && !strcmp(old->nodes[h->node].name, me) : h->node < 0;

		if ((h->frr.set || h->bird.set) && was && (n < 0 || !dep_local(d, n)))
			return true;
	}
	for (size_t i = 0; i < t->n_hosts; i++) {
		const struct host *h = &t->hosts[i];
		int o = topo_host(old, h->name);
		bool was = o >= 0 && (me ? old->hosts[o].node >= 0 &&
				      !strcmp(old->nodes[old->hosts[o].node].name, me) :
				      old->hosts[o].node < 0);

		if ((h->frr.set || h->bird.set) && dep_local(d, (int)i) && !was)
			return true;
	}
	return false;
}


int cmd_apply(int argc, char **argv)
{
	struct rplan rp = { 0 };
	struct diag dg = { 0 };
	struct topo t, old;
	struct dep_opts o;
	const char *file;
	struct dep d;
	int ret = 1;

	if (dep_parse_opts(argc, argv, 1, &o, &file)) {
		fprintf(stderr, "usage: trellisd apply FILE [--node NAME] [--backend egre|gretap|auto]\n");
		return 2;
	}
	if (o.node && !name_arg_ok(NAME_NODE, o.node))
		return 2;
	if (topo_parse_file(&t, file, NULL, &dg)) {
		diag_print(&dg);
		errorf("apply %s: %zu error%s, nothing changed", file, dg.n, dg.n == 1 ? "" : "s");
		diag_free(&dg);
		return 1;
	}
	if (state_lock("apply")) {
		topo_free(&t);
		return 1;
	}
	if (!slice_exists(t.slice)) {
		errorf("apply %s: the slice is not up (use `trellisd up %s')", t.slice, file);
		topo_free(&t);
		return 1;
	}
	if (state_check_keys(&t, true)) {
		errorf("apply %s: nothing changed", t.slice);
		topo_free(&t);
		return 1;
	}
	if (state_topo(t.slice, &old, &dg)) {
		diag_print(&dg);
		diag_free(&dg);
		errorf("apply %s: cannot read the deployed topology", t.slice);
		topo_free(&t);
		return 1;
	}
	if (dep_init(&d, &t, "apply", &o)) {
		errorf("apply %s: %s", t.slice, d.err);
		goto out;
	}
	if (dep_admit(&d, &rp))
		goto out;
	if (cgroup_create(t.slice, d.err, sizeof(d.err)) ||
	    slice_limits_apply(t.slice, t.n_hosts, d.err, sizeof(d.err))) {
		errorf("apply %s: %s; nothing changed", t.slice, d.err);
		goto out;
	}
	state_mark_complete(t.slice, false);
	if (dep_apply(&d, &old)) {
		errorf("apply %s: %s", t.slice, d.err);
		errorf("apply %s: the slice is partly changed; fix the file and apply again, or take it down",
		       t.slice);
		goto out;
	}
	{
		char path[PATH_MAX];
		int err;

		snprintf(path, sizeof(path), "%s/topology", slice_dir(t.slice));
		err = copy_file(file, path);
		if (!err)
			err = state_write_keys(&t);
		if (err) {
			errorf("apply %s: cannot save the new topology: %s", t.slice, strerror(-err));
			goto out;
		}
	}
	if (d.node >= 0 && shape_apply(&rp, d.err, sizeof(d.err))) {
		errorf("apply %s: %s", t.slice, d.err);
		goto out;
	}
	/* Only the daemons of the hosts that moved start or stop. */
	if (daemons_moved(&d, &old) && daemon_reload(&d)) {
		errorf("apply %s: %s", t.slice, d.err);
		goto out;
	}
	state_mark_complete(t.slice, true);
	ret = 0;
out:
	resv_free(&rp);
	dep_fini(&d);
	topo_free(&old);
	topo_free(&t);
	return ret;
}
