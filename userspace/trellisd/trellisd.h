/* SPDX-License-Identifier: GPL-2.0 */
/* trellisd: the subcommands, one file each, dispatched from main.c. */
#ifndef TRELLISD_H
#define TRELLISD_H

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);	/* argv[0] is the subcommand */
	const char *usage;
};

/* Print "trellisd: [warning: ]" and the message to stderr. */
void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
