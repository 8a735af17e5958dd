// SPDX-License-Identifier: GPL-2.0
/*
 * nl_fuzz: random and mutated netlink requests to the shortbridge generic
 * netlink family and to the egre rtnetlink link kind, in the caller's network
 * namespace; counts what was accepted and what was refused, by errno, and
 * which refusals came without an extack message.
 *
 *   nl_fuzz [-s SEED] [-n COUNT] [-q]
 *
 * COUNT requests to each family (default 3000).  The devices of the
 * namespace (veth pairs set up by tests/guest/nl_fuzz.sh) are the pool the
 * requests name; egre devices the fuzzer creates join the pool.  At the end
 * it deletes every join and every egre device (what it may delete), and
 * prints one line per fact for the test:
 *
 *   SUMMARY key=value ...
 *
 * The same seed gives the same requests, as long as the kernel answers the
 * same way (the pool grows with the devices that were accepted).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/egre.h>
#include <linux/shortbridge.h>

#define BUF_SIZE	8192
#define MAX_POOL	256
#define MAX_GROUPS	256

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(int percent)
{
	return below(100) < (uint32_t)percent;
}

/* ------------------------------------------------------------ the pool */

struct dev {
	uint32_t ifindex;
	bool egre;
};

static struct dev pool[MAX_POOL];
static int npool;
static int netns_fd = -1, init_netns_fd = -1;

static uint32_t pool_any(void)
{
	return npool ? pool[below(npool)].ifindex : 1;
}

static uint32_t pool_egre(void)
{
	int idx[MAX_POOL], n = 0, i;

	for (i = 0; i < npool; i++)
		if (pool[i].egre)
			idx[n++] = i;
	return n ? pool[idx[below(n)]].ifindex : 0;
}

static uint32_t pool_plain(void)
{
	int idx[MAX_POOL], n = 0, i;

	for (i = 0; i < npool; i++)
		if (!pool[i].egre && pool[i].ifindex != 1)
			idx[n++] = i;
	return n ? pool[idx[below(n)]].ifindex : 1;
}

static bool is_egre(uint32_t ifindex)
{
	int i;

	for (i = 0; i < npool; i++)
		if (pool[i].ifindex == ifindex)
			return pool[i].egre;
	return false;
}

/* An ifindex to name: mostly one that exists. */
static uint32_t some_ifindex(void)
{
	switch (below(10)) {
	case 0:
		return (uint32_t[]){ 0, 0xffffffff, 0x7fffffff, 9999, 1 }[below(5)];
	case 1:
	case 2:
		return pool_egre() ?: pool_any();
	default:
		return pool_any();
	}
}

/* ------------------------------------------------------------ statistics */

struct group {
	int family;		/* 0 sb, 1 rtnl */
	int cmd;
	int err;		/* 0 accepted, else -errno */
	long n, no_msg, no_offs;
	unsigned char example[128];
	int example_len;
};

static struct group groups[MAX_GROUPS];
static int ngroups;
static long sent[2], accepted[2], refused[2], no_reply[2], ignored[2];
static long accepted_mutations[2], no_msg_total[2];

static const char *family_name[] = { "shortbridge", "rtnl egre" };

static const char *cmd_name(int family, int cmd)
{
	static char buf[32];

	if (family == 0) {
		switch (cmd) {
		case SHORTBRIDGE_CMD_NEW: return "NEW";
		case SHORTBRIDGE_CMD_DEL: return "DEL";
		case SHORTBRIDGE_CMD_GET: return "GET";
		case SHORTBRIDGE_CMD_GET | 0x100: return "GET (dump)";
		}
	} else {
		switch (cmd) {
		case RTM_NEWLINK: return "RTM_NEWLINK";
		case RTM_SETLINK: return "RTM_SETLINK";
		case RTM_DELLINK: return "RTM_DELLINK";
		case RTM_GETLINK: return "RTM_GETLINK";
		}
	}
	snprintf(buf, sizeof(buf), "cmd %d", cmd & 0xff);
	return buf;
}

static void count(int family, int cmd, int err, bool has_msg, bool has_offs,
		  const struct nlmsghdr *req)
{
	struct group *g = NULL;
	int i;

	for (i = 0; i < ngroups; i++)
		if (groups[i].family == family && groups[i].cmd == cmd &&
		    groups[i].err == err)
			g = &groups[i];
	if (!g && ngroups < MAX_GROUPS) {
		g = &groups[ngroups++];
		g->family = family;
		g->cmd = cmd;
		g->err = err;
	}
	if (!g)
		return;
	g->n++;
	if (err && !has_msg) {
		g->no_msg++;
		no_msg_total[family]++;
		if (!g->example_len) {
			g->example_len = req->nlmsg_len < sizeof(g->example) ?
					 req->nlmsg_len : sizeof(g->example);
			memcpy(g->example, req, g->example_len);
		}
	}
	if (err && !has_offs)
		g->no_offs++;
}

/* ------------------------------------------------------------ sockets */

struct nl {
	struct mnl_socket *sock;
	uint32_t seq, portid;
};

static struct nl sb_nl, rt_nl;
static uint16_t sb_family;

static int nl_open(struct nl *nl, int bus)
{
	struct timeval tv = { .tv_sec = 5 };
	int one = 1;

	nl->sock = mnl_socket_open(bus);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("mnl_socket");
		return -1;
	}
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = 1000;
	return 0;
}

struct reply {
	int err;		/* 0 ack, -errno, 1 no reply */
	bool has_msg, has_offs;
	char msg[256];
	mnl_cb_t data_cb;	/* replies carrying data, e.g. dumps */
	void *data;
};

static int ext_ack_cb(const struct nlattr *attr, void *data)
{
	struct reply *r = data;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		r->has_msg = true;
		snprintf(r->msg, sizeof(r->msg), "%.*s",
			 (int)mnl_attr_get_payload_len(attr),
			 (const char *)mnl_attr_get_payload(attr));
		break;
	case NLMSGERR_ATTR_OFFS:
	case NLMSGERR_ATTR_MISS_TYPE:
		r->has_offs = true;
		break;
	}
	return MNL_CB_OK;
}

/* Sends @nlh and reads until its ack, error or end of dump. */
static void transact(struct nl *nl, struct nlmsghdr *nlh, struct reply *r)
{
	char buf[BUF_SIZE * 4];
	int len;

	memset(r->msg, 0, sizeof(r->msg));
	r->err = 1;
	r->has_msg = r->has_offs = false;
	nlh->nlmsg_seq = ++nl->seq;
	nlh->nlmsg_pid = 0;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		r->err = -errno;
		return;
	}
	/* A request without NLM_F_ACK gets no ack when it succeeds, nor one
	 * without NLM_F_REQUEST: a GET ping after it says when it is done. */
	for (;;) {
		struct nlmsghdr *h;

		len = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (len < 0) {
			if (errno == ENOBUFS)
				continue;
			return;		/* timeout: no reply */
		}
		for (h = (struct nlmsghdr *)buf; mnl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_seq != nl->seq)
				continue;	/* a late reply to an earlier one */
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

				r->err = e->error;
				if (h->nlmsg_flags & NLM_F_ACK_TLVS)
					mnl_attr_parse(h, sizeof(*e), ext_ack_cb, r);
				return;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				const int *e = mnl_nlmsg_get_payload(h);

				r->err = h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) ? *e : 0;
				if (h->nlmsg_flags & NLM_F_ACK_TLVS)
					mnl_attr_parse(h, sizeof(int), ext_ack_cb, r);
				return;
			}
			if (r->data_cb)
				r->data_cb(h, r->data);
		}
	}
}

/* ------------------------------------------------------------ the pool, read back */

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct nlattr *attr, *info;
	bool egre = false;

	(void)data;
	if (nlh->nlmsg_type != RTM_NEWLINK || npool >= MAX_POOL)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(attr) != IFLA_LINKINFO)
			continue;
		mnl_attr_for_each_nested(info, attr)
			if (mnl_attr_get_type(info) == IFLA_INFO_KIND &&
			    !strcmp(mnl_attr_get_str(info), EGRE_KIND))
				egre = true;
	}
	pool[npool].ifindex = ifi->ifi_index;
	pool[npool].egre = egre;
	npool++;
	return MNL_CB_OK;
}

static void pool_refresh(void)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct reply r = { .data_cb = (mnl_cb_t)link_cb };

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	npool = 0;
	transact(&rt_nl, nlh, &r);
}

static int count_egre(void)
{
	int i, n = 0;

	pool_refresh();
	for (i = 0; i < npool; i++)
		n += pool[i].egre;
	return n;
}

struct joins {
	uint32_t port[MAX_POOL];
	int n;
};

static int join_cb(const struct nlmsghdr *nlh, void *data)
{
	struct joins *j = data;
	struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(attr) == SHORTBRIDGE_A_PORT_A &&
		    j->n < MAX_POOL)
			j->port[j->n++] = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static struct nlmsghdr *sb_header(char *buf, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = sb_family;
	nlh->nlmsg_flags = flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = SHORTBRIDGE_GENL_VERSION;
	return nlh;
}

static void list_joins(struct joins *j)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh = sb_header(buf, SHORTBRIDGE_CMD_GET,
					 NLM_F_REQUEST | NLM_F_DUMP);
	struct reply r = { .data_cb = join_cb, .data = j };

	j->n = 0;
	transact(&sb_nl, nlh, &r);
}

/* Deletes every join and every egre device (where allowed); returns how
 * many of each are left. */
static void cleanup(int *left_egre, int *left_joins)
{
	struct joins j;
	char buf[BUF_SIZE];
	struct reply r = {};
	int i;

	list_joins(&j);
	for (i = 0; i < j.n; i++) {
		struct nlmsghdr *nlh = sb_header(buf, SHORTBRIDGE_CMD_DEL,
						 NLM_F_REQUEST | NLM_F_ACK);

		mnl_attr_put_u32(nlh, SHORTBRIDGE_A_PORT_A, j.port[i]);
		transact(&sb_nl, nlh, &r);
	}
	pool_refresh();
	for (i = 0; i < npool; i++) {
		struct nlmsghdr *nlh;
		struct ifinfomsg *ifi;

		if (!pool[i].egre)
			continue;
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_DELLINK;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_index = pool[i].ifindex;
		transact(&rt_nl, nlh, &r);
	}
	list_joins(&j);
	*left_joins = j.n;
	*left_egre = count_egre();
}

/* ------------------------------------------------------------ attributes */

/* An attribute with any declared length and any payload. */
static void put_raw(struct nlmsghdr *nlh, uint16_t type, uint16_t nla_len,
		    const void *data, size_t len)
{
	struct nlattr *attr = mnl_nlmsg_get_payload_tail(nlh);

	if (nlh->nlmsg_len + MNL_ALIGN(sizeof(*attr) + len) > BUF_SIZE)
		return;
	attr->nla_type = type;
	attr->nla_len = nla_len;
	memcpy(mnl_attr_get_payload(attr), data, len);
	memset((char *)mnl_attr_get_payload(attr) + len, 0,
	       MNL_ALIGN(len) - len);
	nlh->nlmsg_len += MNL_ALIGN(sizeof(*attr) + len);
}

/* A value of @len bytes: often a plausible one. */
static void some_value(unsigned char *v, size_t len)
{
	static const uint32_t addrs[] = { 0xc0000201, 0xc0000202, 0, 0xe0000001,
					  0xffffffff, 0x7f000001, 0xc6336401 };
	uint32_t x;
	size_t i;

	switch (below(6)) {
	case 0:
		x = some_ifindex();
		break;
	case 1:
		x = (uint32_t[]){ 0, 1, 2, 0xff, 0xffffffff, 0x80000000 }[below(6)];
		break;
	case 2:	/* an IPv4 address, in network byte order */
		x = htonl(addrs[below(7)]);
		break;
	default:
		x = rnd();
	}
	for (i = 0; i < len; i++)
		v[i] = i < 4 ? ((unsigned char *)&x)[i] : rnd();
}

/* A random attribute of a type below @maxtype (or any type). */
static void put_random_attr(struct nlmsghdr *nlh, int maxtype, int depth)
{
	static const size_t lens[] = { 0, 1, 2, 3, 4, 4, 4, 8, 16, 5 };
	uint16_t type = chance(90) ? below(maxtype + 2) : rnd();
	unsigned char v[64];
	size_t len = lens[below(10)];

	if (chance(5))
		type |= NLA_F_NET_BYTEORDER;
	if (depth < 2 && chance(10)) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, type);
		int i, n = below(4);

		for (i = 0; i < n; i++)
			put_random_attr(nlh, maxtype, depth + 1);
		mnl_attr_nest_end(nlh, nest);
		if (chance(50))
			nest->nla_type |= NLA_F_NESTED;
		return;
	}
	if (chance(5))
		len = below(sizeof(v));
	some_value(v, len);
	if (chance(5))	/* a length that lies */
		put_raw(nlh, type, chance(50) ? below(4) : sizeof(struct nlattr) + len + 1 + below(64),
			v, len);
	else
		put_raw(nlh, type, sizeof(struct nlattr) + len, v, len);
}

/* Byte-level damage to a built message, keeping nlmsg_len the bytes sent. */
static void mutate(struct nlmsghdr *nlh, size_t hdr)
{
	unsigned char *p = (unsigned char *)nlh;
	int i, n = 1 + below(3);

	for (i = 0; i < n && nlh->nlmsg_len > hdr; i++) {
		size_t off = hdr + below(nlh->nlmsg_len - hdr);

		switch (below(4)) {
		case 0:
			p[off] ^= 1 << below(8);
			break;
		case 1:
			p[off] = rnd();
			break;
		case 2:	/* cut the message short */
			nlh->nlmsg_len = off;
			break;
		case 3:	/* garbage at the end */
			if (nlh->nlmsg_len + 8 <= BUF_SIZE) {
				some_value(p + nlh->nlmsg_len, 8);
				nlh->nlmsg_len += 4 * (1 + below(2));
			}
			break;
		}
	}
}

static uint16_t some_flags(void)
{
	uint16_t f = NLM_F_REQUEST | NLM_F_ACK;

	if (chance(3))
		f |= rnd() & 0x0ffe;
	if (chance(2))
		f &= ~NLM_F_REQUEST;
	return f;
}

/* ------------------------------------------------------------ shortbridge */

static int sb_one(char *buf)
{
	static const uint8_t cmds[] = {
		SHORTBRIDGE_CMD_NEW, SHORTBRIDGE_CMD_NEW, SHORTBRIDGE_CMD_NEW,
		SHORTBRIDGE_CMD_DEL, SHORTBRIDGE_CMD_DEL, SHORTBRIDGE_CMD_GET,
		SHORTBRIDGE_CMD_UNSPEC, 4, 5, 255,
	};
	uint8_t cmd = cmds[below(sizeof(cmds))];
	struct nlmsghdr *nlh = sb_header(buf, cmd, some_flags());
	struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	int i, n, mode = below(10);

	if (cmd == SHORTBRIDGE_CMD_GET && chance(30))
		nlh->nlmsg_flags |= NLM_F_DUMP;
	if (chance(5))
		g->version = rnd();
	if (chance(3))
		g->reserved = rnd();

	if (mode < 5) {
		/* Near-valid: the attributes the command takes. */
		mnl_attr_put_u32(nlh, SHORTBRIDGE_A_PORT_A, some_ifindex());
		if (cmd == SHORTBRIDGE_CMD_NEW || chance(10))
			mnl_attr_put_u32(nlh, SHORTBRIDGE_A_PORT_B, some_ifindex());
		if (chance(30))
			mnl_attr_put_u32(nlh, SHORTBRIDGE_A_FLAGS,
					 chance(70) ? below(2) : rnd());
		if (chance(15)) {
			int fds[] = { netns_fd, init_netns_fd, 0, 2, 999, -1 };

			mnl_attr_put_u32(nlh, SHORTBRIDGE_A_NETNS_FD, fds[below(6)]);
		}
		if (chance(5))
			put_random_attr(nlh, SHORTBRIDGE_A_MAX, 0);
		if (mode == 4)
			mutate(nlh, MNL_NLMSG_HDRLEN + GENL_HDRLEN);
	} else {
		n = below(6);
		for (i = 0; i < n; i++)
			put_random_attr(nlh, SHORTBRIDGE_A_MAX, 0);
	}
	return cmd | (nlh->nlmsg_flags & NLM_F_DUMP && cmd == SHORTBRIDGE_CMD_GET ? 0x100 : 0);
}

/* ------------------------------------------------------------ egre */

static void put_egre_data(struct nlmsghdr *nlh)
{
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	uint32_t locals[] = { 0xc0000201, 0xc0000202, 0xc6336401, 0, 0xe0000001,
			      0xffffffff, 0x7f000001 };
	int i;

	if (chance(85)) {
		mnl_attr_put_u32(nlh, IFLA_EGRE_LOCAL, htonl(locals[below(chance(80) ? 3 : 7)]));
		mnl_attr_put_u32(nlh, IFLA_EGRE_REMOTE, htonl(locals[below(chance(80) ? 3 : 7)]));
	}
	if (chance(85))
		mnl_attr_put_u32(nlh, IFLA_EGRE_KEY, chance(80) ? below(8) : rnd());
	if (chance(20))
		mnl_attr_put_u32(nlh, IFLA_EGRE_LINK, chance(80) ? pool_plain() : some_ifindex());
	for (i = IFLA_EGRE_TTL; i <= IFLA_EGRE_SEQ; i++)
		if (chance(15))
			mnl_attr_put_u8(nlh, i, chance(70) ? below(2) : rnd());
	if (chance(20))
		put_random_attr(nlh, IFLA_EGRE_MAX, 0);
	mnl_attr_nest_end(nlh, data);
}

static void put_linkinfo(struct nlmsghdr *nlh)
{
	struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);

	switch (below(20)) {
	case 0:
		break;			/* no kind */
	case 1:
		put_raw(nlh, IFLA_INFO_KIND, sizeof(struct nlattr) + 4, "egre", 4);	/* no NUL */
		break;
	case 2:
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "egr");
		break;
	default:
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, EGRE_KIND);
	}
	if (chance(90))
		put_egre_data(nlh);
	else if (chance(50))
		put_random_attr(nlh, IFLA_INFO_MAX, 0);
	mnl_attr_nest_end(nlh, li);
}

static int rt_one(char *buf)
{
	static const uint16_t types[] = {
		RTM_NEWLINK, RTM_NEWLINK, RTM_NEWLINK, RTM_NEWLINK, RTM_NEWLINK,
		RTM_NEWLINK, RTM_SETLINK, RTM_DELLINK, RTM_DELLINK, RTM_GETLINK,
	};
	/* Top-level attributes that touch only the device named: none that
	 * moves it to another namespace or enslaves it. */
	static const uint16_t safe_top[] = {
		IFLA_ADDRESS, IFLA_BROADCAST, IFLA_MTU, IFLA_TXQLEN, IFLA_GROUP,
		IFLA_LINK, IFLA_IFALIAS, IFLA_UNSPEC, 255,
	};
	uint16_t type = types[below(sizeof(types) / sizeof(types[0]))];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	char name[IFNAMSIZ + 8];
	bool plain = false;
	int i, n;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = some_flags();
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = chance(95) ? AF_UNSPEC : below(50);
	if (chance(20)) {
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = chance(50) ? IFF_UP : 0;
	}

	switch (type) {
	case RTM_NEWLINK:
		if (chance(80))
			nlh->nlmsg_flags |= NLM_F_CREATE;
		if (chance(50))
			nlh->nlmsg_flags |= NLM_F_EXCL;
		if (chance(3))
			nlh->nlmsg_flags |= NLM_F_REPLACE;
		/* Create (by a name from a small set, so names collide and the
		 * devices stay few), or change an egre device, or ask a device
		 * of another kind to be changed as egre (refused). */
		switch (below(10)) {
		case 0:
			ifi->ifi_index = pool_egre();
			break;
		case 1:
			ifi->ifi_index = pool_plain();
			plain = true;
			break;
		case 2:
			ifi->ifi_index = some_ifindex();
			plain = !is_egre(ifi->ifi_index);
			break;
		}
		if (plain) {
			/* Not an egre device: only as an egre change (refused),
			 * never renamed. */
			put_linkinfo(nlh);
			break;
		}
		if (chance(85)) {
			snprintf(name, sizeof(name), "fze%u", below(12));
			mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
		} else if (chance(30)) {
			mnl_attr_put_strz(nlh, IFLA_IFNAME, "a-name-far-too-long-for-ifnamsiz");
		}
		if (chance(95))
			put_linkinfo(nlh);
		break;
	case RTM_SETLINK:
	case RTM_DELLINK:
		ifi->ifi_index = chance(80) ? pool_egre() : (chance(50) ? 9999 : 0);
		if (!ifi->ifi_index || chance(10)) {
			snprintf(name, sizeof(name), "fze%u", below(12));
			mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
		}
		if (type == RTM_SETLINK && chance(30))
			put_linkinfo(nlh);
		break;
	case RTM_GETLINK:
		ifi->ifi_index = some_ifindex();
		if (chance(20))
			nlh->nlmsg_flags |= NLM_F_DUMP;
		if (chance(30))
			put_linkinfo(nlh);
		break;
	}
	if (type != RTM_DELLINK) {
		n = below(3);
		for (i = 0; i < n; i++) {
			uint16_t t = safe_top[below(sizeof(safe_top) / sizeof(safe_top[0]))];
			unsigned char v[8];
			size_t len = (size_t[]){ 0, 1, 4, 6, 8 }[below(5)];

			some_value(v, len);
			if (t == IFLA_MTU && chance(50))
				*(uint32_t *)v = 68 + below(9000);
			put_raw(nlh, t, sizeof(struct nlattr) + len, v, len);
		}
	}
	if (chance(10))
		mutate(nlh, MNL_NLMSG_HDRLEN + sizeof(*ifi));
	return type;
}

/* ------------------------------------------------------------ main */

static int resolve_family(const char *name)
{
	char buf[BUF_SIZE], rbuf[BUF_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	struct nlattr *attr;
	ssize_t len;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++sb_nl.seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	if (mnl_socket_sendto(sb_nl.sock, nlh, nlh->nlmsg_len) < 0)
		return -1;
	len = mnl_socket_recvfrom(sb_nl.sock, rbuf, sizeof(rbuf));
	nlh = (struct nlmsghdr *)rbuf;
	if (len <= 0 || nlh->nlmsg_type == NLMSG_ERROR)
		return -1;
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID)
			return mnl_attr_get_u16(attr);
	return -1;
}

static const char *errname(int err)
{
	static char buf[32];

	switch (-err) {
	case 0: return "accepted";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case EEXIST: return "EEXIST";
	case EBUSY: return "EBUSY";
	case EXDEV: return "EXDEV";
	case ERANGE: return "ERANGE";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EMSGSIZE: return "EMSGSIZE";
	case ENOMEM: return "ENOMEM";
	case ELOOP: return "ELOOP";
	case ENFILE: return "ENFILE";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case 524: return "ENOTSUPP (kernel-internal 524)";
	}
	snprintf(buf, sizeof(buf), "errno %d", -err);
	return buf;
}

static void report(void)
{
	int f, i, j;

	for (f = 0; f < 2; f++) {
		printf("\n%s: %ld requests: %ld accepted, %ld refused, %ld ignored (no NLM_F_REQUEST), %ld unanswered\n",
		       family_name[f], sent[f], accepted[f], refused[f], ignored[f], no_reply[f]);
		printf("  %-14s %-12s %7s %12s %12s\n", "request", "outcome", "count",
		       "no message", "no attr ptr");
		for (i = 0; i < ngroups; i++) {
			struct group *g = &groups[i];

			if (g->family != f)
				continue;
			printf("  %-14s %-12s %7ld", cmd_name(f, g->cmd),
			       g->err == 1 ? "no reply" : errname(g->err), g->n);
			if (g->err && g->err != 1)
				printf(" %12ld %12ld", g->no_msg, g->no_offs);
			printf("\n");
		}
	}
	printf("\nrefusals without an extack message (one example request each, hex):\n");
	for (i = 0, j = 0; i < ngroups; i++) {
		struct group *g = &groups[i];
		int k;

		if (!g->no_msg)
			continue;
		j++;
		printf("  %s %s %s: %ld of %ld\n    ", family_name[g->family],
		       cmd_name(g->family, g->cmd), errname(g->err), g->no_msg, g->n);
		for (k = 0; k < g->example_len; k++)
			printf("%02x", g->example[k]);
		printf("\n");
	}
	if (!j)
		printf("  none\n");
}

int main(int argc, char **argv)
{
	uint64_t seed = 0;
	long n = 3000, i;
	int opt, left_egre, left_joins, f, egre_before;
	struct timespec start, end;
	bool have_seed = false;
	char buf[BUF_SIZE];

	while ((opt = getopt(argc, argv, "s:n:")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			have_seed = true;
			break;
		case 'n':
			n = strtol(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: nl_fuzz [-s SEED] [-n COUNT]\n");
			return 2;
		}
	}
	if (!have_seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (ts.tv_nsec ^ ts.tv_sec ^ getpid()) & 0x7fffffff;
	}
	rng_state = seed;
	printf("nl_fuzz: seed %" PRIu64 ", %ld requests to each family\n", seed, n);

	if (nl_open(&sb_nl, NETLINK_GENERIC) || nl_open(&rt_nl, NETLINK_ROUTE))
		return 1;
	f = resolve_family(SHORTBRIDGE_GENL_NAME);
	if (f < 0) {
		fprintf(stderr, "nl_fuzz: no generic netlink family %s\n",
			SHORTBRIDGE_GENL_NAME);
		return 1;
	}
	sb_family = f;
	netns_fd = open("/proc/self/ns/net", O_RDONLY);
	init_netns_fd = open("/proc/1/ns/net", O_RDONLY);
	egre_before = count_egre();
	clock_gettime(CLOCK_MONOTONIC, &start);

	for (i = 0; i < 2 * n; i++) {
		int fam = i & 1, cmd, mutating;
		struct reply r = {};
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

		if (i % 64 == 0)
			pool_refresh();
		if (i % 1000 == 999) {
			/* Keep the namespace small: take everything down. */
			cleanup(&left_egre, &left_joins);
		}
		memset(buf, 0, sizeof(buf));
		cmd = fam ? rt_one(buf) : sb_one(buf);
		mutating = fam ? cmd != RTM_GETLINK : (cmd & 0xff) != SHORTBRIDGE_CMD_GET;
		transact(fam ? &rt_nl : &sb_nl, nlh, &r);
		sent[fam]++;
		if (!(nlh->nlmsg_flags & NLM_F_REQUEST)) {
			ignored[fam]++;
			continue;
		}
		if (r.err == 1) {
			no_reply[fam]++;
		} else if (r.err == 0) {
			accepted[fam]++;
			accepted_mutations[fam] += mutating;
		} else {
			refused[fam]++;
		}
		count(fam, cmd, r.err, r.has_msg, r.has_offs, nlh);
	}

	cleanup(&left_egre, &left_joins);
	clock_gettime(CLOCK_MONOTONIC, &end);
	printf("\n%ld requests in %.1f s\n", 2 * n,
	       end.tv_sec - start.tv_sec + (end.tv_nsec - start.tv_nsec) / 1e9);
	report();
	printf("\nSUMMARY seed=%" PRIu64 " sb_sent=%ld sb_accepted=%ld sb_accepted_mutations=%ld sb_refused=%ld sb_no_msg=%ld sb_unanswered=%ld"
	       " rt_sent=%ld rt_accepted=%ld rt_accepted_mutations=%ld rt_refused=%ld rt_no_msg=%ld rt_unanswered=%ld"
	       " egre_before=%d left_egre=%d left_joins=%d\n",
	       seed, sent[0], accepted[0], accepted_mutations[0], refused[0], no_msg_total[0], no_reply[0],
	       sent[1], accepted[1], accepted_mutations[1], refused[1], no_msg_total[1], no_reply[1],
	       egre_before, left_egre, left_joins);
	return 0;
}
