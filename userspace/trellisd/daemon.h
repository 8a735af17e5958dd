/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Routing software inside virtual hosts: FRR and BIRD (daemon.c), and the
 * per-slice supervisor that runs them.  Design in docs/routing.md.
 *
 * `up' forks one supervisor per slice once the network is built.  It
 * detaches (its own session, reparented to init), installs each host's
 * configuration inside the host's mount namespace (/etc/frr/frr.conf,
 * daemons, vtysh.conf; /etc/bird/bird.conf; /run/frr owned by frr, and
 * /run/bird), then spawns every daemon in the foreground inside the host's
 * network, UTS and mount namespaces, output appended to a log file.  It
 * waits for them, restarts them per policy, and writes what it does to
 * its own log and to a status file:
 *
 *   /run/trellis/SLICE/daemons/supervisor.pid   "PID STARTTIME"
 *   /run/trellis/SLICE/daemons/supervisor.log   starts, exits, restarts
 *   /run/trellis/SLICE/daemons/status           HOST NAME PID STATE RESTARTS LAST
 *   /run/trellis/SLICE/daemons/HOST/NAME.log    a daemon's stdout and stderr
 *
 * `down' stops the supervisor first (SIGTERM: it terminates its daemons,
 * waits, kills what is left), then the deploy code ends every process left
 * in the slice's cgroup (cgroup.h).
 */
#ifndef TRELLIS_DAEMON_H
#define TRELLIS_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

#include "deploy.h"
#include "topo.h"

/* Does any host of t run FRR or BIRD (so that a supervisor is needed)? */
bool daemon_wanted(const struct topo *t);

/*
 * Starts the supervisor of d's slice for the hosts placed on this machine,
 * after the hosts are up.  Returns once every host's configuration is
 * installed and every daemon spawned: 0, or -1 with the reason recorded
 * in d (dep_fail; the supervisor is then gone, its daemons stopped).
 */
int daemon_up(struct dep *d);

/*
 * After `apply' moved hosts onto this node or off it: the slice's
 * supervisor (SIGUSR1) re-reads the deployed topology, keeps the daemons of
 * the hosts that stay as they run, drops those of the hosts that left and
 * starts those of the hosts that arrived; returns once they listen.  With
 * no supervisor running, starts one (daemon_up()).  0, or -1 (dep_fail).
 */
int daemon_reload(struct dep *d);

/* Stops the slice's supervisor and its daemons, if it runs.  0, or -1 if
 * it had to be killed. */
int daemon_down(const char *slice);

/* "/run/trellis/SLICE/daemons" (static buffer). */
const char *daemon_dir(const char *slice);


#endif
