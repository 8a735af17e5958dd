// SPDX-License-Identifier: GPL-2.0
/*
 * trellisd logs SLICE HOST [DAEMON]: a virtual host's daemon logs.
 *
 * Without DAEMON: the state of each of the host's daemons (from the
 * supervisor's status file), what the supervisor did with them (starts,
 * exits, restarts), then every log of the host, each under a
 * "==> HOST/NAME <==" header: FRR's daemons, bird, vtysh (frr.conf being
 * applied), and run (the output of the host's `run' commands).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "names.h"
#include "state.h"
#include "trellisd.h"

static int cat(const char *path)
{
	char buf[8192];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	return 0;
}

/* "run" is the log of the host's `run' commands (the deploy code's). */
static void log_path(const char *slice, const char *host, const char *name, char *buf,
		     size_t len)
{
	if (!strcmp(name, "run"))
		snprintf(buf, len, "%s/hosts/%s/log", slice_dir(slice), host);
	else
		snprintf(buf, len, "%s/%s/%s.log", daemon_dir(slice), host, name);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* The names of the host's logs, NULL-terminated (malloc'd). */
static char **log_names(const char *slice, const char *host)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent **de = NULL;
	char **names;
	size_t k = 0;
	int n;

	snprintf(dir, sizeof(dir), "%s/%s", daemon_dir(slice), host);
	n = scandir(dir, &de, NULL, by_name);
	names = calloc((size_t)(n > 0 ? n : 0) + 2, sizeof(*names));
	if (!names)
		abort();
	for (int i = 0; i < n; i++) {
		size_t l = strlen(de[i]->d_name);

		if (l > 4 && !strcmp(de[i]->d_name + l - 4, ".log"))
			names[k++] = strndup(de[i]->d_name, l - 4);
		free(de[i]);
	}
	free(de);
	log_path(slice, host, "run", path, sizeof(path));
	if (!access(path, R_OK))
		names[k++] = strdup("run");
	return names;
}

static void free_names(char **names)
{
	for (size_t i = 0; names[i]; i++)
		free(names[i]);
	free(names);
}

/* The supervisor's view of the host's daemons. */
static void print_status(const char *slice, const char *host)
{
	char path[PATH_MAX], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/status", daemon_dir(slice));
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char h[64], name[64], state[32], last[64];
		int pid, restarts;

		if (sscanf(line, "%63s %63s %d %31s %d %63s", h, name, &pid, state, &restarts,
			   last) != 6 || strcmp(h, host))
			continue;
		printf("%-8s %-10s", name, state);
		if (pid)
			printf(" pid %d", pid);
		if (restarts)
			printf(", restarted %d time%s", restarts, restarts == 1 ? "" : "s");
		if (strcmp(last, "-"))
			printf(", last exit: %s", last);
		putchar('\n');
	}
	fclose(f);
}

/* What the supervisor did with this host's daemons: starts, exits,
 * restarts. */
static void print_supervisor(const char *slice, const char *host)
{
	char path[PATH_MAX], line[1024], tag[TOPO_NAME_LEN + 3];
	bool header = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/supervisor.log", daemon_dir(slice));
	snprintf(tag, sizeof(tag), " %s: ", host);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, tag))
			continue;
		if (!header)
			printf("\n==> %s/supervisor <==\n", host);
		header = true;
		fputs(line, stdout);
	}
	fclose(f);
}

int cmd_logs(int argc, char **argv)
{
	const char *slice, *host;
	char path[PATH_MAX];
	char **names;
	struct topo t;
	struct diag d = { 0 };
	int ret = 0;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: trellisd logs SLICE HOST [DAEMON]\n");
		return 2;
	}
	slice = argv[1];
	host = argv[2];
	if (!name_arg_ok(NAME_SLICE, slice) || !name_arg_ok(NAME_HOST, host) ||
	    (argc == 4 && !name_arg_ok(NAME_DAEMON, argv[3])))
		return 2;
	if (!slice_exists(slice)) {
		errorf("logs: slice `%s' is not up", slice);
		return 1;
	}
	if (state_topo(slice, &t, &d) == 0) {
		bool known = topo_host(&t, host) >= 0;

		topo_free(&t);
		if (!known) {
			errorf("logs %s: no host `%s' in the slice", slice, host);
			return 1;
		}
	}
	diag_free(&d);
	names = log_names(slice, host);
	if (argc == 4) {
		log_path(slice, host, argv[3], path, sizeof(path));
		if (cat(path)) {
			errorf("logs %s: host %s has no log for `%s'", slice, host, argv[3]);
			if (names[0]) {
				fprintf(stderr, "trellisd: logs of %s:", host);
				for (size_t i = 0; names[i]; i++)
					fprintf(stderr, " %s", names[i]);
				fputc('\n', stderr);
			}
			ret = 1;
		}
		free_names(names);
		return ret;
	}
	print_status(slice, host);
	print_supervisor(slice, host);
	for (size_t i = 0; names[i]; i++) {
		log_path(slice, host, names[i], path, sizeof(path));
		printf("\n==> %s/%s <==\n", host, names[i]);
		cat(path);
	}
	if (!names[0])
		printf("host %s has no logs\n", host);
	free_names(names);
	return 0;
}
