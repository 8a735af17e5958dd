/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running trellisd on the nodes of a slice (cluster.c, the --all commands):
 * over OpenSSH, the `ssh' binary, one shared connection per node
 * (ControlMaster, its socket in a private 0700 directory, ControlPersist
 * short), or as a child process for the node this command runs on.
 *
 * Nothing goes through a local shell: every command is an argv array.  The
 * remote command line that ssh hands to the node's shell is built from one,
 * each word single-quoted (remote_quote()); callers validate names first.
 */
#ifndef TRELLIS_REMOTE_H
#define TRELLIS_REMOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "topo.h"

/* trellisd's version: --all refuses nodes that run another. */
#define TRELLIS_VERSION "0.18"

/* Where `trellisd receive' keeps a slice's files on a node: root's, else
 * ~/.local/share/trellis/remote/SLICE (docs/multinode.md). */
#define REMOTE_DIR_ROOT "/var/lib/trellis/remote"

struct rnode {
	const char *name;		/* the node's name in the topology */
	char target[TOPO_SSH_LEN];	/* [USER@]HOST[:PORT]; "" if local */
	const char *from;		/* where target came from, for messages */
	bool local;			/* this machine: no ssh */
};

struct remote {
	char dir[64];			/* private: control sockets, outputs */
	char self[4096];		/* this trellisd, for the local node */
};

/* The private directory; 0 or -1 after printing why. */
int remote_init(struct remote *r);
/* Closes every node's shared connection and removes the directory. */
void remote_fini(struct remote *r, const struct rnode *nodes, size_t n);

/*
 * Runs trellisd with argv (argv[0] is the subcommand) on node n, stdin from
 * in (-1: /dev/null), stdout to out and stderr to err.  The first run on a
 * node opens its shared connection (master true).  Returns the exit status;
 * 255 if ssh itself failed (unreachable, refused), 127 if nothing ran.
 */
int remote_trellisd(const struct remote *r, const struct rnode *n, const char *const *argv,
		    int in, int out, int err, bool master);

/* Sends the files at the absolute paths to node n's `trellisd receive
 * SLICE' (a tar stream on its stdin; fresh: refused if the slice is up
 * there); its stdout (the directory they went under) to out.  Returns the
 * exit status as remote_trellisd() does. */
int remote_send(const struct remote *r, const struct rnode *n, const char *slice, bool fresh,
		const char *const *paths, size_t n_paths, int out, int err);

/* argv as one command line for a POSIX shell, each word single-quoted;
 * malloc'd. */
char *remote_quote(const char *const *argv);

/* Each node's target: the file's `ssh' clause, else the user's
 * ~/.config/trellis/nodes (`NODE ssh [USER@]HOST[:PORT]'), else its
 * underlay address; and which node is this machine (its underlay address
 * is one of ours).  0, or -1 after printing why (a bad config line). */
int remote_nodes(const struct topo *t, struct rnode *nodes);

/* The --all commands (cluster.c): argv[0] is the subcommand; -1 if argv
 * has no --all, else the exit status. */
int cluster_main(int argc, char **argv);
/* What the nodes run for them. */
int cmd_version(int argc, char **argv);
int cmd_receive(int argc, char **argv);
int cmd_precheck(int argc, char **argv);

/* Is this address one of this machine's?  1, 0, or -1 on errors. */
int remote_addr_local(const struct prefix *a);

#endif
