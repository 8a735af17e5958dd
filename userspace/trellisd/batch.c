// SPDX-License-Identifier: GPL-2.0
/*
 * trellisd batch FILE|-: runs one device command (egre, sb or link) per
 * line in one process, as `ip -batch' does, so that building hundreds of
 * tunnels or joins does not start hundreds of processes.  Words are
 * separated by blanks (no quoting); empty lines and lines starting with #
 * are skipped.  The first failing line stops the batch and is named.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trellisd.h"
#include "egre.h"
#include "sb.h"

#define BATCH_MAX_WORDS 64

static const struct command batch_commands[] = {
	{ "egre",	cmd_egre,	NULL },
	{ "sb",		cmd_sb,		NULL },
	{ "link",	cmd_link,	NULL },
};

/* Splits @line in place; returns the number of words, or -1 if too many. */
static int batch_split(char *line, char **argv)
{
	char *save, *w;
	int argc = 0;

	for (w = strtok_r(line, " \t\r\n", &save); w;
	     w = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == BATCH_MAX_WORDS)
			return -1;
		argv[argc++] = w;
	}
	argv[argc] = NULL;
	return argc;
}

static int batch_line(const char *file, unsigned int lineno, char *line)
{
	char *argv[BATCH_MAX_WORDS + 1];
	int argc = batch_split(line, argv);

	if (argc < 0) {
		errorf("%s:%u: more than %d words", file, lineno, BATCH_MAX_WORDS);
		return 2;
	}
	if (argc == 0 || argv[0][0] == '#')
		return 0;
	for (size_t i = 0; i < sizeof(batch_commands) / sizeof(batch_commands[0]); i++)
		if (!strcmp(argv[0], batch_commands[i].name))
			return batch_commands[i].fn(argc, argv);
	errorf("%s:%u: `%s' cannot be batched (only egre, sb and link)",
	       file, lineno, argv[0]);
	return 2;
}

int cmd_batch(int argc, char **argv)
{
	unsigned int lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;
	FILE *f;

	if (argc != 2) {
		errorf("usage: trellisd batch FILE|-");
		return 2;
	}
	f = strcmp(argv[1], "-") ? fopen(argv[1], "r") : stdin;
	if (!f) {
		errorf("cannot open %s: %s", argv[1], strerror(errno));
		return 1;
	}
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		rc = batch_line(argv[1], lineno, line);
		if (rc) {
			errorf("%s:%u: stopped at this line", argv[1], lineno);
			break;
		}
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return rc;
}
