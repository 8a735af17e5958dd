// SPDX-License-Identifier: GPL-2.0
/*
 * A subscriber's event stream (docs/api.md, "Events"): the lines of
 * $rundir/.events from the moment it subscribed, which every change
 * appends to (api_event()), and the shortbridge joins made and taken apart
 * in the root namespace, from the module's "events" multicast group
 * (joined as soon as the module is loaded).  A user other than root sees
 * the events of their own slices and the daemon's own, not other users'
 * slices or the joins (root's devices).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/shortbridge.h>

#include "api.h"
#include "nl.h"
#include "state.h"

struct joins {
	struct nl nl;
	int family, fd;		/* fd -1: no shortbridge module */
};

static void joins_open(struct joins *j)
{
	int group;

	j->fd = -1;
	if (nl_open(&j->nl, NETLINK_GENERIC))
		return;
	j->family = genl_family(&j->nl, SHORTBRIDGE_GENL_NAME);
	group = genl_group(&j->nl, SHORTBRIDGE_GENL_NAME, SHORTBRIDGE_MCGRP_EVENTS);
	if (j->family < 0 || group < 0 ||
	    mnl_socket_setsockopt(j->nl.sock, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group))) {
		nl_close(&j->nl);
		return;
	}
	j->fd = mnl_socket_get_fd(j->nl.sock);
}

static void add_port(struct json_object *ev, const char *key, const struct nlattr *a)
{
	char name[IF_NAMESIZE];
	unsigned int ifindex;

	if (!a || mnl_attr_validate(a, MNL_TYPE_U32))
		return;
	ifindex = mnl_attr_get_u32(a);
	json_object_object_add(ev, key, if_indextoname(ifindex, name) ?
			       json_object_new_string(name) : json_object_new_int64(ifindex));
}

/* One join message as an event line, sent to the subscriber. */
static int join_event(int fd, const struct nlmsghdr *nlh, int family)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *port_a = NULL, *port_b = NULL, *attr;
	struct json_object *ev;
	const char *text;
	int ret;

	if (nlh->nlmsg_type != family || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*g)) ||
	    (g->cmd != SHORTBRIDGE_CMD_NEW && g->cmd != SHORTBRIDGE_CMD_DEL))
		return 0;
	mnl_attr_for_each(attr, nlh, sizeof(*g)) {
		if (mnl_attr_get_type(attr) == SHORTBRIDGE_A_PORT_A)
			port_a = attr;
		else if (mnl_attr_get_type(attr) == SHORTBRIDGE_A_PORT_B)
			port_b = attr;
	}
	ev = json_object_new_object();
	json_object_object_add(ev, "event", json_object_new_string("join"));
	json_object_object_add(ev, "state", json_object_new_string(
				       g->cmd == SHORTBRIDGE_CMD_NEW ? "new" : "del"));
	add_port(ev, "port_a", port_a);
	add_port(ev, "port_b", port_b);
	json_object_object_add(ev, "version", json_object_new_int(API_VERSION));
	text = json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN);
	ret = send(fd, text, strlen(text), MSG_NOSIGNAL) < 0 || send(fd, "\n", 1, MSG_NOSIGNAL) < 0;
	json_object_put(ev);
	return ret ? -1 : 0;
}

static int joins_read(struct joins *j, int fd)
{
	ssize_t len = mnl_socket_recvfrom(j->nl.sock, j->nl.buf, sizeof(j->nl.buf));
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)j->nl.buf;
	int rest = (int)len;

	if (len < 0)
		return errno == ENOBUFS || errno == EINTR ? 0 : -1;
	for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest))
		if (join_event(fd, nlh, j->family))
			return -1;
	return 0;
}

/* Whether subscriber uid may see this event line: root sees all; others
 * their own slices' events (with "owner") and the daemon's. */
static bool visible(const char *line, size_t len, uid_t uid)
{
	struct json_object *ev, *v;
	bool ok = false;

	if (uid == 0)
		return true;
	ev = json_tokener_parse(strndupa(line, len));
	if (!ev)
		return false;
	if (json_object_object_get_ex(ev, "owner", &v))
		ok = json_object_get_int64(v) == (int64_t)uid;
	else if (json_object_object_get_ex(ev, "event", &v))
		ok = !strcmp(json_object_get_string(v), "daemon");
	json_object_put(ev);
	return ok;
}

/* New whole lines of the events file from *pos on, those uid may see. */
static int file_read(int ev, off_t *pos, int fd, uid_t uid)
{
	char buf[65536];
	struct stat st;
	ssize_t n;

	if (!fstat(ev, &st) && st.st_size < *pos)
		*pos = 0;	/* truncated */
	while ((n = pread(ev, buf, sizeof(buf), *pos)) > 0) {
		char *line = buf, *nl;

		while ((nl = memchr(line, '\n', (size_t)(buf + n - line)))) {
			size_t len = (size_t)(nl - line) + 1;

			if (visible(line, len - 1, uid) &&
			    send(fd, line, len, MSG_NOSIGNAL) != (ssize_t)len)
				return -1;
			line += len;
		}
		if (line == buf)
			break;	/* a line still being written, or longer than buf */
		*pos += line - buf;
	}
	return 0;
}

void events_follow(int fd, uid_t uid)
{
	int in = inotify_init1(IN_CLOEXEC), ev;
	struct json_object *ok;
	struct joins j;
	char buf[4096];
	off_t pos;

	mkdir_p(run_dir(), RUNDIR_MODE);
	ev = open(api_events_path(), O_RDONLY | O_CREAT | O_CLOEXEC, 0640);
	if (in < 0 || ev < 0 || inotify_add_watch(in, api_events_path(), IN_MODIFY) < 0)
		_exit(1);
	pos = lseek(ev, 0, SEEK_END);
	j.fd = -1;
	if (uid == 0)
		joins_open(&j);
	/* Subscribed from here on: then say so. */
	ok = api_ok();
	if (api_send(fd, ok, NULL, 0))
		_exit(0);
	json_object_put(ok);
	for (;;) {
		struct pollfd pf[3] = { { .fd = fd, .events = POLLIN },
					{ .fd = in, .events = POLLIN },
					{ .fd = j.fd, .events = POLLIN } };

		/* Without the module, look for it again now and then. */
		if (poll(pf, 3, j.fd < 0 && uid == 0 ? 2000 : -1) < 0 && errno != EINTR)
			_exit(1);
		if (j.fd < 0 && uid == 0)
			joins_open(&j);
		if (pf[0].revents)
			_exit(0);	/* the client says nothing more: it went */
		if ((pf[1].revents & POLLIN) && read(in, buf, sizeof(buf)) < 0)
			_exit(1);
		if (file_read(ev, &pos, fd, uid))
			_exit(0);
		if ((pf[2].revents & POLLIN) && joins_read(&j, fd))
			_exit(0);
	}
}
