// SPDX-License-Identifier: GPL-2.0
/* trellisd sb: join two devices with shortbridge, take a join apart, show
 * joins and their counters, follow joins as they are made and taken apart. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/shortbridge.h>

#include "sb.h"
#include "trellisd.h"

static const char sb_usage[] =
	"usage: trellisd sb add DEV DEV [carrier-follow] [netns NAME]\n"
	"       trellisd sb del DEV\n"
	"       trellisd sb show [DEV]\n"
	"       trellisd sb monitor\n"
	"  netns NAME: the second device lives in network namespace NAME\n";

static struct nl sb_nl;	/* the socket of "trellisd sb" */

static int sb_family(struct nl *nl)
{
	int id = genl_family(nl, SHORTBRIDGE_GENL_NAME);

	/* The kernel no longer loads the module on a family lookup. */
	if (id == -ENOENT)
		snprintf(nl->err, sizeof(nl->err),
			 "the shortbridge module is not loaded: run modprobe shortbridge as root");
	return id;
}

/* A name for an ifindex: the device's name or, when it has none (it is
 * gone), unknown formatted with the ifindex. */
static const char *sb_ifname(int ifindex, const char *unknown, char *buf)
{
	if (if_indextoname((unsigned int)ifindex, buf))
		return buf;
	snprintf(buf, IF_NAMESIZE + 16, unknown, ifindex);
	return buf;
}

/*
 * The kernel's messages start "shortbridge: " and, since 6.1 cannot format
 * them, name a port as "first device" or "second device". Put the device's
 * name there: "first device is already a bridge port" becomes "eth3 is
 * already a bridge port".
 */
static void sb_fix_message(struct nl *nl, int ifindex_a, int ifindex_b)
{
	static const char prefix[] = SHORTBRIDGE_GENL_NAME ": ";
	static const char *const which[] = { "first device", "second device" };
	char msg[sizeof(nl->err)], name[IF_NAMESIZE + 16];
	const char *p = nl->err;

	if (!strncmp(p, prefix, sizeof(prefix) - 1))
		p += sizeof(prefix) - 1;
	for (int i = 0; i < 2; i++) {
		size_t n = strlen(which[i]);

		if (strncmp(p, which[i], n) || (p[n] != ' ' && p[n] != ':'))
			continue;
		sb_ifname(i ? ifindex_b : ifindex_a, "ifindex %d", name);
		snprintf(msg, sizeof(msg), "%s%s", name, p + n);
		snprintf(nl->err, sizeof(nl->err), "%s", msg);
		return;
	}
	memmove(nl->err, p, strlen(p) + 1);
}

int sb_join_netns(struct nl *nl, int ifindex_a, int ifindex_b, uint32_t flags,
		  int netns_fd)
{
	struct nlmsghdr *nlh;
	int family, err;

	family = sb_family(nl);
	if (family < 0)
		return family;
	nlh = genl_msg(nl, (uint16_t)family, SHORTBRIDGE_CMD_NEW, 0);
	mnl_attr_put_u32(nlh, SHORTBRIDGE_A_PORT_A, (uint32_t)ifindex_a);
	mnl_attr_put_u32(nlh, SHORTBRIDGE_A_PORT_B, (uint32_t)ifindex_b);
	if (flags)
		mnl_attr_put_u32(nlh, SHORTBRIDGE_A_FLAGS, flags);
	if (netns_fd >= 0)
		mnl_attr_put_u32(nlh, SHORTBRIDGE_A_NETNS_FD, (uint32_t)netns_fd);
	err = nl_talk(nl, nlh, NULL, NULL);
	if (err)
		sb_fix_message(nl, ifindex_a, ifindex_b);
	return err;
}

int sb_join(struct nl *nl, int ifindex_a, int ifindex_b, uint32_t flags)
{
	return sb_join_netns(nl, ifindex_a, ifindex_b, flags, -1);
}

int sb_unjoin(struct nl *nl, int ifindex)
{
	struct nlmsghdr *nlh;
	int family, err;

	family = sb_family(nl);
	if (family < 0)
		return family;
	nlh = genl_msg(nl, (uint16_t)family, SHORTBRIDGE_CMD_DEL, 0);
	mnl_attr_put_u32(nlh, SHORTBRIDGE_A_PORT_A, (uint32_t)ifindex);
	err = nl_talk(nl, nlh, NULL, NULL);
	if (err)
		sb_fix_message(nl, ifindex, 0);
	return err;
}

/* ----- show ----- */

struct sb_stats {
	uint64_t v[SHORTBRIDGE_STATS_MAX + 1];
};

static int sb_stats_cb(const struct nlattr *attr, void *data)
{
	struct sb_stats *st = data;
	int type = mnl_attr_get_type(attr);

	if (type > SHORTBRIDGE_STATS_UNSPEC && type <= SHORTBRIDGE_STATS_MAX &&
	    type != SHORTBRIDGE_STATS_PAD &&
	    mnl_attr_validate(attr, MNL_TYPE_U64) == 0)
		st->v[type] = mnl_attr_get_u64(attr);
	return MNL_CB_OK;
}

static int sb_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, SHORTBRIDGE_A_MAX) < 0)
		return MNL_CB_OK;	/* newer kernel: ignore */
	switch (type) {
	case SHORTBRIDGE_A_PORT_A:
	case SHORTBRIDGE_A_PORT_B:
	case SHORTBRIDGE_A_FLAGS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		break;
	case SHORTBRIDGE_A_STATS_AB:
	case SHORTBRIDGE_A_STATS_BA:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		break;
	}
	tb[type] = attr;
	return MNL_CB_OK;
}

static void sb_print_header(const char *event)
{
	if (event)
		printf("%-6s", event);
	printf("%-15s %-15s %12s %14s %9s %9s %9s %12s  %s\n", "IN", "OUT",
	       "PACKETS", "BYTES", "DROP-MTU", "DROP-DOWN", "DROP-XMIT", "DIRECT",
	       "FLAGS");
	fflush(stdout);
}

static void sb_print_dir(const char *event, const char *in, const char *out,
			 const struct sb_stats *st, const char *flags)
{
	if (event)
		printf("%-6s", event);
	printf("%-15s %-15s %12" PRIu64 " %14" PRIu64 " %9" PRIu64 " %9" PRIu64
	       " %9" PRIu64 " %12" PRIu64 "  %s\n", in, out,
	       st->v[SHORTBRIDGE_STATS_PACKETS], st->v[SHORTBRIDGE_STATS_BYTES],
	       st->v[SHORTBRIDGE_STATS_DROP_MTU], st->v[SHORTBRIDGE_STATS_DROP_DOWN],
	       st->v[SHORTBRIDGE_STATS_DROP_XMIT], st->v[SHORTBRIDGE_STATS_DIRECT],
	       flags);
}

/* A join (GET reply or event) as two rows, one per direction; event, if
 * set, starts each row. */
static int sb_print_join(const struct nlmsghdr *nlh, const char *event)
{
	const struct nlattr *tb[SHORTBRIDGE_A_MAX + 1] = { NULL };
	char a[IF_NAMESIZE + 16], b[IF_NAMESIZE + 16];
	struct sb_stats ab = { { 0 } }, ba = { { 0 } };
	const char *flags = "-";
	uint32_t f = 0;

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), sb_attr_cb, tb) < 0)
		return MNL_CB_ERROR;
	if (!tb[SHORTBRIDGE_A_PORT_A] || !tb[SHORTBRIDGE_A_PORT_B])
		return MNL_CB_OK;
	/* A port deleted since (a "del" event) shows as ifN, as in iproute2. */
	sb_ifname((int)mnl_attr_get_u32(tb[SHORTBRIDGE_A_PORT_A]), "if%d", a);
	sb_ifname((int)mnl_attr_get_u32(tb[SHORTBRIDGE_A_PORT_B]), "if%d", b);
	if (tb[SHORTBRIDGE_A_FLAGS])
		f = mnl_attr_get_u32(tb[SHORTBRIDGE_A_FLAGS]);
	if (f & SHORTBRIDGE_F_CARRIER_FOLLOW)
		flags = "carrier-follow";
	if (tb[SHORTBRIDGE_A_STATS_AB])
		mnl_attr_parse_nested(tb[SHORTBRIDGE_A_STATS_AB], sb_stats_cb, &ab);
	if (tb[SHORTBRIDGE_A_STATS_BA])
		mnl_attr_parse_nested(tb[SHORTBRIDGE_A_STATS_BA], sb_stats_cb, &ba);
	sb_print_dir(event, a, b, &ab, flags);
	sb_print_dir(event, b, a, &ba, flags);
	return MNL_CB_OK;
}

static int sb_show_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	return sb_print_join(nlh, NULL);
}

/* ----- monitor ----- */

/* A message on the "events" group, or nlctrl's: 1 once our family is gone. */
static int sb_event(const struct nlmsghdr *nlh, int family)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*genl)))
		return 0;
	if (nlh->nlmsg_type == family) {
		if (genl->cmd == SHORTBRIDGE_CMD_NEW)
			sb_print_join(nlh, "new");
		else if (genl->cmd == SHORTBRIDGE_CMD_DEL)
			sb_print_join(nlh, "del");
		return 0;
	}
	if (nlh->nlmsg_type != GENL_ID_CTRL || genl->cmd != CTRL_CMD_DELFAMILY)
		return 0;
	mnl_attr_for_each(attr, nlh, sizeof(*genl)) {
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_NAME &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0 &&
		    !strcmp(mnl_attr_get_str(attr), SHORTBRIDGE_GENL_NAME))
			return 1;
	}
	return 0;
}

static int sb_join_group(int group)
{
	return mnl_socket_setsockopt(sb_nl.sock, NETLINK_ADD_MEMBERSHIP, &group,
				     sizeof(group));
}

/*
 * Prints each join made ("new") and taken apart ("del", with its last
 * counters) in this network namespace, until the module is unloaded.
 */
static int sb_monitor(int argc, char **argv)
{
	int family, events, ctrl;
	char buf[NL_BUFSIZE];

	(void)argv;
	if (argc != 1) {
		fputs(sb_usage, stderr);
		return 2;
	}
	family = sb_family(&sb_nl);
	if (family < 0) {
		errorf("cannot monitor joins: %s", nl_strerror(&sb_nl, family));
		return 1;
	}
	events = genl_group(&sb_nl, SHORTBRIDGE_GENL_NAME, SHORTBRIDGE_MCGRP_EVENTS);
	ctrl = genl_group(&sb_nl, "nlctrl", "notify");
	if (events < 0 || ctrl < 0) {
		int err = events < 0 ? events : ctrl;

		errorf("cannot monitor joins: %s", nl_strerror(&sb_nl, err));
		return 1;
	}
	if (sb_join_group(events) < 0 || sb_join_group(ctrl) < 0) {
		errorf("cannot monitor joins: %s", strerror(errno));
		return 1;
	}
	sb_print_header("EVENT");
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(sb_nl.sock, buf, sizeof(buf));
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int rest = (int)len;

		if (len < 0 && errno == ENOBUFS) {
			/* The kernel dropped events (our buffer was full, or
			 * it could not allocate one): say so, go on. */
			errorf("events were lost; \"trellisd sb show\" has the joins as they are");
			continue;
		}
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0) {
			errorf("cannot monitor joins: %s", strerror(errno));
			return 1;
		}
		for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest)) {
			if (sb_event(nlh, family)) {
				errorf("the shortbridge module was unloaded");
				return 1;
			}
		}
		fflush(stdout);
	}
}

/* ----- the command ----- */

/* A device name, or failing that a plain ifindex. 0 if neither. */
static int sb_ifindex(const char *name)
{
	unsigned int idx = if_nametoindex(name);
	char *end;
	long n;

	if (idx)
		return (int)idx;
	errno = 0;
	n = strtol(name, &end, 10);
	if (!errno && *name && !*end && n > 0 && n <= INT_MAX)
		return (int)n;
	return 0;
}

/* The ifindex of name inside the namespace open as fd. */
static int sb_ifindex_in(int fd, const char *name)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), idx = 0;

	if (self < 0)
		return 0;
	if (setns(fd, CLONE_NEWNET) == 0) {
		idx = sb_ifindex(name);
		if (setns(self, CLONE_NEWNET) < 0) {
			errorf("cannot return to my network namespace: %s",
			       strerror(errno));
			exit(1);
		}
	}
	close(self);
	return idx;
}

static int sb_add(int argc, char **argv)
{
	const char *netns = NULL;
	int a, b, err, fd = -1;
	uint32_t flags = 0;

	if (argc < 3)
		goto usage;
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "carrier-follow"))
			flags |= SHORTBRIDGE_F_CARRIER_FOLLOW;
		else if (!strcmp(argv[i], "netns") && i + 1 < argc)
			netns = argv[++i];
		else
			goto usage;
	}
	a = sb_ifindex(argv[1]);
	if (!a) {
		errorf("cannot join %s and %s: no device %s", argv[1], argv[2], argv[1]);
		return 1;
	}
	if (netns) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s%s",
			 strchr(netns, '/') ? "" : "/run/netns/", netns);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			errorf("cannot open network namespace %s: %s", netns,
			       strerror(errno));
			return 1;
		}
		b = sb_ifindex_in(fd, argv[2]);
	} else {
		b = sb_ifindex(argv[2]);
	}
	if (!b) {
		errorf("cannot join %s and %s: no device %s", argv[1], argv[2], argv[2]);
		return 1;
	}

	err = sb_join_netns(&sb_nl, a, b, flags, fd);
	if (fd >= 0)
		close(fd);
	if (err) {
		errorf("cannot join %s and %s: %s", argv[1], argv[2],
		       nl_strerror(&sb_nl, err));
		return 1;
	}
	return 0;
usage:
	fputs(sb_usage, stderr);
	return 2;
}

static int sb_del(int argc, char **argv)
{
	int idx, err;

	if (argc != 2) {
		fputs(sb_usage, stderr);
		return 2;
	}
	idx = sb_ifindex(argv[1]);
	if (!idx) {
		errorf("cannot unjoin %s: no such device", argv[1]);
		return 1;
	}
	err = sb_unjoin(&sb_nl, idx);
	if (err) {
		errorf("cannot unjoin %s: %s", argv[1], nl_strerror(&sb_nl, err));
		return 1;
	}
	return 0;
}

static int sb_show(int argc, char **argv)
{
	struct nlmsghdr *nlh;
	int family, err, idx = 0;

	if (argc > 2) {
		fputs(sb_usage, stderr);
		return 2;
	}
	if (argc == 2) {
		idx = sb_ifindex(argv[1]);
		if (!idx) {
			errorf("cannot show %s: no such device", argv[1]);
			return 1;
		}
	}
	family = sb_family(&sb_nl);
	if (family < 0) {
		errorf("cannot show joins: %s", nl_strerror(&sb_nl, family));
		return 1;
	}
	nlh = genl_msg(&sb_nl, (uint16_t)family, SHORTBRIDGE_CMD_GET,
		       idx ? 0 : NLM_F_DUMP);
	if (idx)
		mnl_attr_put_u32(nlh, SHORTBRIDGE_A_PORT_A, (uint32_t)idx);
	sb_print_header(NULL);
	err = nl_talk(&sb_nl, nlh, sb_show_cb, NULL);
	if (err) {
		sb_fix_message(&sb_nl, idx, 0);
		errorf("cannot show %s: %s", argc == 2 ? argv[1] : "joins",
		       nl_strerror(&sb_nl, err));
		return 1;
	}
	return 0;
}

int cmd_sb(int argc, char **argv)
{
	int err, ret;

	if (argc < 2) {
		fputs(sb_usage, stderr);
		return 2;
	}
	err = nl_open(&sb_nl, NETLINK_GENERIC);
	if (err) {
		errorf("cannot open a generic netlink socket: %s", strerror(-err));
		return 1;
	}
	if (!strcmp(argv[1], "add"))
		ret = sb_add(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "del"))
		ret = sb_del(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "show"))
		ret = sb_show(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "monitor"))
		ret = sb_monitor(argc - 1, argv + 1);
	else {
		fputs(sb_usage, stderr);
		ret = 2;
	}
	nl_close(&sb_nl);
	return ret;
}
