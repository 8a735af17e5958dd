/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State of the deployed slices, under /run/trellis (or $TRELLIS_RUNDIR):
 *
 *   /run/trellis/SLICE/topology   a copy of the deployed topology file
 *   /run/trellis/SLICE/source     its original path and directory
 *   /run/trellis/SLICE/keys       the GRE keys the slice uses, one a line
 *   /run/trellis/SLICE/journal    every object created, one a line, appended
 *                                 as it is created (see below)
 *   /run/trellis/SLICE/complete   present once `up' or `apply' finished
 *   /run/trellis/SLICE/hosts/H/   per host: etc/ and work/ (its /etc
 *                                 overlay), log (output of its commands)
 *
 * The run directory is mode RUNDIR_MODE (the daemon's socket is in it; no
 * one but root lists it), each slice's directory SLICE_MODE, root's alone:
 * its owner reads it through the daemon.
 *
 * Journal lines:
 *   host NAME PID STARTTIME NETINO MNTINO   a host's holder process and the
 *                                           inodes of its namespaces
 *   rlink IFNAME                            an interface in the root netns
 */
#ifndef TRELLIS_STATE_H
#define TRELLIS_STATE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "topo.h"

#define SWITCH_HOST "%switch"	/* the per-slice namespace holding lan bridges */

#define JOURNAL_LINE_MAX 256
#define JOURNAL_TORN " #torn\n"	/* ends a line a crash cut short */

struct jentry {
	char kind[8];		/* "host" or "rlink" */
	char name[64];
	pid_t pid;
	unsigned long long start;
	unsigned long netino, mntino;
};

struct journal {
	struct jentry *e;
	size_t n;
	/* journal_put()'s index by kind and name: positions in e + 1, 0 for
	 * none; rebuilt when n is not what it indexed (an entry dropped). */
	size_t *slot, cap, indexed;
};

#define RUNDIR_MODE 0711
#define SLICE_MODE 0700

const char *run_dir(void);
/* Gives the run directory and every slice's directory their modes (state
 * made before they were private).  0 or -errno. */
int state_private(void);
/* From now on, this process's state_slices() lists only the slices fn
 * says are visible (NULL: all): a user's `status' shows their own. */
void state_view(bool (*fn)(const char *slice));

/* Takes the one lock on all state for the rest of the process (see
 * state.c), waiting up to $TRELLIS_LOCK_WAIT seconds (600); every command
 * that changes state holds it.  0, or -1 after printing why (verb first). */
int state_lock(const char *verb);
void state_unlock(void);
/* With the lock held: once no slice is left, removes the lock file and the
 * run directory, so that nothing is left behind. */
void state_tidy(void);
/* "$rundir/slice" (static buffer) */
const char *slice_dir(const char *slice);
bool slice_exists(const char *slice);

/* Checks t's GRE keys against the other deployed slices; prints each
 * collision if report.  Returns 0 or -1. */
int state_check_keys(const struct topo *t, bool report);

int state_create(const struct topo *t, const char *text_path);
int state_write_keys(const struct topo *t);
int state_mark_complete(const char *slice, bool complete);
bool state_complete(const char *slice);

/* Appends one entry to the journal (memory and disk). */
int journal_add(const char *slice, struct journal *j, const struct jentry *e);
int journal_load(const char *slice, struct journal *j);
/* Reads a journal from f: whole lines only (a last line without its
 * newline was cut by a crash), each exactly as jentry_parse() wants. */
int journal_read(FILE *f, struct journal *j);
/* One journal line, with its newline; 0 or -1 if it is not exactly one
 * entry. */
int jentry_parse(const char *line, struct jentry *e);
/* Rewrites the journal from j (after apply removed entries). */
int journal_save(const char *slice, const struct journal *j);
void journal_free(struct journal *j);

/* Parses the deployed copy of a slice's topology. */
int state_topo(const char *slice, struct topo *t, struct diag *d);
/* The slice names deployed, NULL-terminated, malloc'd. */
char **state_slices(void);

int rm_rf(const char *path);
int mkdir_p(const char *path, mode_t mode);
int copy_file(const char *from, const char *to);
int write_file(const char *path, const char *text);

#endif
