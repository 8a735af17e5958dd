// SPDX-License-Identifier: GPL-2.0
/* trellisd: deploys and manages Trellis slice topologies. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trellisd.h"
#include "sb.h"
#include "egre.h"
#include "api.h"
#include "host.h"
#include "remote.h"

static int cmd_help(int argc, char **argv);

/* One line per subcommand; each is implemented in a file of its own name. */
static const struct command commands[] = {
	{ "help",	cmd_help,	"help" },
	{ "check",	cmd_check,	"check FILE [--show]   (--show: addresses and generated routing configurations)" },
	{ "up",		cmd_up,		"up FILE [--node NAME] [--backend egre|gretap|auto] | up FILE --all (on every node, over ssh)" },
	{ "down",	cmd_down,	"down SLICE|FILE [--all]" },
	{ "status",	cmd_status,	"status [--json] [SLICE] | status SLICE --all [--json]" },
	{ "exec",	cmd_exec,	"exec SLICE HOST [--] [CMD [ARGS...]]" },
	{ "apply",	cmd_apply,	"apply FILE [--node NAME] [--backend egre|gretap|auto] | apply FILE --all" },
	{ "logs",	cmd_logs,	"logs SLICE HOST [DAEMON]" },
	{ "link",	cmd_link,	"link set SLICE HOST:IF DISCIPLINE...|none | link up|down SLICE HOST:IF" },
	{ "sb", cmd_sb, "sb add DEV DEV [carrier-follow] | del DEV | show [DEV] | monitor" },
	{ "egre", cmd_egre, "egre add|del|show|set ..." },
	{ "batch",	cmd_batch,	"batch FILE|-   (egre, sb and link commands, one per line)" },
	{ "serve",	cmd_serve,	"serve [--socket PATH] [--group NAME] [--policy FILE]" },
	{ "events",	cmd_events,	"events   (follow the daemon's events, one JSON object a line)" },
	{ "import",	cmd_import,	"import GRAPH.graphml|GRAPH.gml [--nodes N] [--routing ospf|ospf6|isis|bgp] [--daemon frr|bird|mixed] [--km-delay US] [-o OUT.topo] ..." },
	{ "graph",	cmd_graph,	"graph FILE|SLICE -o OUT.svg|OUT.png|OUT.dot [--layout dot|neato|fdp|sfdp|circo]" },
	{ "validate",	cmd_validate,	"validate SLICE [--all] [--timeout SECONDS]   (adjacencies, loopback reachability, expect lines)" },
	{ "capture",	cmd_capture,	"capture SLICE HOST:IF [-w FILE|-] [-c COUNT] [--tunnel]   (pcap of a link end, or of its GRE packets)" },
	{ "version",	cmd_version,	"version" },
	{ "receive",	cmd_receive,	"receive SLICE [--new|--remove]   (for --all: the slice's files, tar on stdin)" },
	{ "precheck",	cmd_precheck,	"precheck FILE --node NAME [--for up|apply] [--backend B]   (for --all)" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "trellisd: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void errorf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
}

void warnf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("usage: trellisd COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		printf("  trellisd %s\n", commands[i].usage);
	return 0;
}

/*
 * A command goes to the daemon when one answers on the socket; otherwise
 * root (and anyone, for check) runs it here, through the same function.
 * sb, egre and batch always run here, as the caller: they only talk to the
 * kernel, which checks the caller's rights itself.
 */
static int dispatch(const struct command *c, int argc, char **argv)
{
	int status;

	if (!request_known(c->name) || c->fn == cmd_sb || c->fn == cmd_egre || c->fn == cmd_batch)
		return c->fn(argc, argv);
	if (!getenv("TRELLIS_NO_DAEMON") && !client_run(argc, argv, &status))
		return status;
	if (geteuid() != 0 && c->fn != cmd_check) {
		errorf("%s: no daemon answers on %s (start trellisd.socket), and only root can work without it",
		       c->name, api_socket_path());
		return 1;
	}
	/* Thousands of hosts need more descriptors than a user's default soft
	 * limit; what trellisd starts gets that limit back (host.h). */
	if (c->fn == cmd_up || c->fn == cmd_apply || c->fn == cmd_serve)
		nofile_raise();
	return c->fn(argc, argv);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		cmd_help(0, NULL);
		return 2;
	}
	{
		int rc = cluster_main(argc - 1, argv + 1);	/* --all */

		if (rc >= 0)
			return rc;
	}
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return dispatch(&commands[i], argc - 1, argv + 1);
	errorf("unknown command `%s' (try `trellisd help')", argv[1]);
	return 2;
}
