// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nl.h"

int nl_sock_open(struct nl *nl, int bus)
{
	int one = 1;

	nl->sock = mnl_socket_open(bus);
	if (!nl->sock)
		return -errno;
	/* Ask for the kernel's reason along with each error, and no echo of our
	 * request in it. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return err;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	return 0;
}

int nl_open(struct nl *nl, int bus)
{
	memset(nl, 0, sizeof(*nl));
	nl->seq = (unsigned int)time(NULL);
	return nl_sock_open(nl, bus);
}

void nl_lazy(struct nl *nl, int (*open)(struct nl *nl, void *arg), void *arg)
{
	nl->sock = NULL;
	nl->portid = 0;
	nl->seq = (unsigned int)time(NULL);
	nl->open = open;
	nl->open_arg = arg;
	nl->err[0] = '\0';
}

/* A socket to talk on: nl's own, or a lazy one opened now. */
static int nl_ready(struct nl *nl)
{
	if (nl->sock)
		return 0;
	return nl->open ? nl->open(nl, nl->open_arg) : -EBADF;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

struct nlmsghdr *genl_msg(struct nl *nl, uint16_t family, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = nl_msg(nl, family, flags);
	struct genlmsghdr *genl;

	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = 1;
	return nlh;
}

/* Copies the NLMSGERR_ATTR_MSG of an error message into nl->err. */
static void nl_save_extack(struct nl *nl, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	unsigned int off = sizeof(*e);
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* Without NLM_F_CAPPED the original request follows the header. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	mnl_attr_for_each(attr, nlh, off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
			snprintf(nl->err, sizeof(nl->err), "%s", mnl_attr_get_str(attr));
			return;
		}
	}
}

int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	unsigned int seq = nlh->nlmsg_seq;
	char rbuf[NL_BUFSIZE];
	int err;

	nl->err[0] = '\0';
	err = nl_ready(nl);
	if (err)
		return err;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	for (;;) {
		ssize_t len = mnl_socket_recvfrom(nl->sock, rbuf, sizeof(rbuf));
		const struct nlmsghdr *r = (const struct nlmsghdr *)rbuf;
		int rest = (int)len;

		if (len < 0)
			return -errno;
		for (; mnl_nlmsg_ok(r, rest); r = mnl_nlmsg_next(r, &rest)) {
			if (r->nlmsg_seq != seq || r->nlmsg_pid != nl->portid)
				continue;	/* stale reply to an earlier request */
			if (r->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(r);

				if (e->error)
					nl_save_extack(nl, r);
				return e->error;
			}
			if (r->nlmsg_type == NLMSG_DONE)
				return 0;
			errno = 0;
			if (cb && cb(r, data) < MNL_CB_OK)
				return errno ? -errno : -EINVAL;
		}
	}
}

const char *nl_strerror(struct nl *nl, int err)
{
	static char msg[sizeof(nl->err) + 64];

	if (nl->err[0])
		snprintf(msg, sizeof(msg), "%s: %s", strerror(-err), nl->err);
	else
		snprintf(msg, sizeof(msg), "%s", strerror(-err));
	return msg;
}

/* What a CTRL_CMD_GETFAMILY reply is searched for: the family's id, and
 * the id of one of its multicast groups if group is set. */
struct genl_lookup {
	const char *group;
	int id;
	int group_id;
};

static void genl_group_scan(const struct nlattr *groups, struct genl_lookup *l)
{
	const struct nlattr *grp, *attr;

	mnl_attr_for_each_nested(grp, groups) {
		const char *name = NULL;
		int id = -1;

		mnl_attr_for_each_nested(attr, grp) {
			if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GRP_NAME &&
			    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
				name = mnl_attr_get_str(attr);
			else if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GRP_ID &&
				 mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				id = (int)mnl_attr_get_u32(attr);
		}
		if (name && id >= 0 && !strcmp(name, l->group))
			l->group_id = id;
	}
}

static int genl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct genl_lookup *l = data;
	struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
			l->id = mnl_attr_get_u16(attr);
		else if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GROUPS && l->group &&
			 mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0)
			genl_group_scan(attr, l);
	}
	return MNL_CB_OK;
}

static int genl_lookup(struct nl *nl, const char *name, struct genl_lookup *l)
{
	struct nlmsghdr *nlh = genl_msg(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	return nl_talk(nl, nlh, genl_family_cb, l);
}

int genl_family(struct nl *nl, const char *name)
{
	struct genl_lookup l = { .id = -ENOENT };
	int err = genl_lookup(nl, name, &l);

	return err ? err : l.id;
}

int genl_group(struct nl *nl, const char *family, const char *group)
{
	struct genl_lookup l = { .group = group, .group_id = -ENOENT };
	int err = genl_lookup(nl, family, &l);

	return err ? err : l.group_id;
}

void nlb_init(struct nl_batch *b, struct nl *nl)
{
	memset(b, 0, sizeof(*b));
	b->nl = nl;
	b->buf = malloc(NLB_MAX * 1024);
	if (!b->buf)
		abort();
}

void nlb_free(struct nl_batch *b)
{
	free(b->buf);
	b->buf = NULL;
}

/* The bytes queued, the message being built included. */
static size_t nlb_bytes(const struct nl_batch *b)
{
	return b->len + (b->last ? NLMSG_ALIGN(b->last->nlmsg_len) : 0);
}

struct nlmsghdr *nlb_msg(struct nl_batch *b, uint16_t type, uint16_t flags,
			 const char *fmt, ...)
{
	struct nlmsghdr *nlh;
	va_list ap;

	/* Each message stays well under 1024 bytes (no request here carries
	 * more than a few attributes). */
	if (b->n == NLB_MAX)
		nlb_flush(b);
	b->len = nlb_bytes(b);
	nlh = mnl_nlmsg_put_header(b->buf + b->len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++b->nl->seq;
	b->seqs[b->n] = nlh->nlmsg_seq;
	va_start(ap, fmt);
	vsnprintf(b->desc[b->n], NLB_DESC, fmt, ap);
	va_end(ap);
	b->ok_err[b->n] = 0;
	b->n++;
	b->last = nlh;
	return nlh;
}

void nlb_may_fail(struct nl_batch *b, int err)
{
	if (b->n)
		b->ok_err[b->n - 1] = err;
}

int nlb_flush(struct nl_batch *b)
{
	static char rbuf[NL_BUFSIZE];
	struct nl *nl = b->nl;
	int acked = 0, err = 0;
	size_t len = nlb_bytes(b);

	if (!b->n)
		return b->err;
	err = nl_ready(nl);
	if (!err && mnl_socket_sendto(nl->sock, b->buf, len) < 0)
		err = -errno;
	if (err) {
		if (!b->err) {
			b->err = err;
			snprintf(b->failed, sizeof(b->failed), "%s: %s", b->desc[0], strerror(-err));
		}
		goto out;
	}
	while (acked < b->n) {
		ssize_t rlen = mnl_socket_recvfrom(nl->sock, rbuf, sizeof(rbuf));
		const struct nlmsghdr *r = (const struct nlmsghdr *)rbuf;
		int rest = (int)rlen;

		if (rlen < 0) {
			err = -errno;
			if (!b->err) {
				b->err = err;
				snprintf(b->failed, sizeof(b->failed), "reading replies: %s",
					 strerror(-err));
			}
			goto out;
		}
		for (; mnl_nlmsg_ok(r, rest); r = mnl_nlmsg_next(r, &rest)) {
			const struct nlmsgerr *e;
			int i;

			if (r->nlmsg_type != NLMSG_ERROR || r->nlmsg_pid != nl->portid)
				continue;
			for (i = 0; i < b->n && b->seqs[i] != r->nlmsg_seq; i++)
				;
			if (i == b->n)
				continue;	/* stale */
			acked++;
			e = mnl_nlmsg_get_payload(r);
			if (!e->error || e->error == b->ok_err[i] || b->err)
				continue;
			nl->err[0] = '\0';
			nl_save_extack(nl, r);
			b->err = e->error;
			snprintf(b->failed, sizeof(b->failed), "%s: %s", b->desc[i],
				 nl_strerror(nl, e->error));
		}
	}
out:
	b->n = 0;
	b->len = 0;
	b->last = NULL;
	return b->err;
}
