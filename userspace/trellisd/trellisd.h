/* SPDX-License-Identifier: GPL-2.0 */
/* trellisd: the subcommands, one file each, dispatched from main.c. */
#ifndef TRELLISD_H
#define TRELLISD_H

#include <stddef.h>
#include <stdio.h>

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);	/* argv[0] is the subcommand */
	const char *usage;
};

int cmd_check(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_link(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_batch(int argc, char **argv);
int cmd_import(int argc, char **argv);	/* tools.c: import.c in trellisd-tools.so */
int cmd_graph(int argc, char **argv);	/* tools.c: graph.c in trellisd-tools.so */
int cmd_validate(int argc, char **argv);	/* validate.c */
int cmd_capture(int argc, char **argv);	/* capture.c */

/* A slice name, or the slice named in a topology file (NULL on errors). */
const char *slice_arg(const char *arg, char *buf, size_t len);

/* Opens a file a topology names (or the topology itself) as the client
 * whose request runs (request.c): with its fsuid, fsgid and groups, or its
 * own text; plainly outside the daemon.  Weak: code linked without
 * request.c (unit tests) opens files itself. */
int src_open(const char *path, int flags) __attribute__((weak));
FILE *src_fopen(const char *path) __attribute__((weak));

/* Print "trellisd: [warning: ]" and the message to stderr. */
void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
