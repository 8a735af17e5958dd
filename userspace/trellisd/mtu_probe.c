// SPDX-License-Identifier: GPL-2.0
/*
 * Path MTU probe of an underlay (mtu_probe.h).
 *
 * Why ICMP echo and not UDP: a UDP probe is answered only by an ICMP port
 * unreachable, which the peer's kernel rate-limits (one a second by
 * default) and firewalls often drop; echo replies are neither, and need
 * nothing running on the peer.  A ping socket (SOCK_DGRAM) is used where
 * net.ipv4.ping_group_range allows it, else a raw socket (we run as root
 * to build tunnels anyway).
 *
 * Why IP_PMTUDISC_PROBE: DF is set and the kernel sends up to the device's
 * MTU, ignoring the path MTU it may have cached from earlier ICMP (from
 * other traffic, or stale): the answer is the path's, not the cache's.
 * IPv6 has no router fragmentation; IPV6_DONTFRAG keeps the kernel from
 * fragmenting at the source.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <time.h>
#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mtu_probe.h"

#ifndef ICMP_FILTER
#define ICMP_FILTER	1	/* linux/icmp.h, which clashes with netinet/ip_icmp.h */
#endif

#define ECHO_HDR	8
#define ECHO_DATA	56	/* the smallest probe: ping's default */

struct prober {
	int fd;
	bool v6;
	bool raw;		/* match the id ourselves; IPv4's header comes first */
	int iphdr;		/* 20 or 40 */
	int small;		/* the smallest probe's size */
	bool alive;		/* the peer answered a smallest probe */
	bool small_done;	/* every try sent one: !alive means silent */
	uint16_t id, seq;
	struct mtu_probe *r;
	uint8_t buf[65536];
};

static void sockaddr_of(const struct prefix *a, struct sockaddr_storage *ss, socklen_t *sl)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = a->addr.v6;
		*sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_addr = a->addr.v4;
		*sl = sizeof(*s4);
	}
}

/* DF, no local fragmentation, errors queued; a raw socket sees echo replies only. */
static int prober_opts(struct prober *p)
{
	int on = 1, probe = p->v6 ? IPV6_PMTUDISC_PROBE : IP_PMTUDISC_PROBE;

	if (p->v6)
		return setsockopt(p->fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &probe, sizeof(probe)) ||
		       setsockopt(p->fd, IPPROTO_IPV6, IPV6_DONTFRAG, &on, sizeof(on)) ||
		       setsockopt(p->fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on));
	if (setsockopt(p->fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof(probe)) ||
	    setsockopt(p->fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on)))
		return -1;
	if (p->raw) {
		uint32_t mask = ~(1u << ICMP_ECHOREPLY);

		return setsockopt(p->fd, SOL_RAW, ICMP_FILTER, &mask, sizeof(mask));
	}
	return 0;
}

static int prober_open(struct prober *p, const struct prefix *local, const struct prefix *remote,
		       char *err, size_t len)
{
	int proto = p->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, family = remote->family;
	struct sockaddr_storage ss;
	const char *what = "open";
	socklen_t sl;

	p->fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, proto);
	if (p->fd < 0 && (errno == EACCES || errno == EPERM)) {
		p->raw = true;
		p->fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, proto);
	}
	if (p->fd < 0)
		goto fail;
	if (p->raw && p->v6) {
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		if (setsockopt(p->fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f)))
			goto fail;
	}
	what = "set up";
	if (prober_opts(p))
		goto fail;
	/* From our underlay address; if this machine does not have it (up
	 * --node warned), from the address the kernel picks. */
	what = "bind";
	sockaddr_of(local, &ss, &sl);
	if (bind(p->fd, (struct sockaddr *)&ss, sl) && errno != EADDRNOTAVAIL)
		goto fail;
	what = "connect";
	sockaddr_of(remote, &ss, &sl);
	if (connect(p->fd, (struct sockaddr *)&ss, sl))
		goto fail;
	return 0;
fail:
	snprintf(err, len, "cannot %s an %s socket for the path MTU probe: %s", what,
		 p->v6 ? "ICMPv6" : "ICMP", strerror(errno));
	return -1;
}

static uint16_t csum(const uint8_t *b, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)(b[n - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* One echo request of size bytes (IP header included); 0 or -errno. */
static int send_echo(struct prober *p, int size)
{
	size_t n = (size_t)(size - p->iphdr);
	uint8_t *b = p->buf;

	memset(b, 0, ECHO_HDR);
	for (size_t i = ECHO_HDR; i < n; i++)
		b[i] = (uint8_t)i;
	b[0] = p->v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	b[4] = (uint8_t)(p->id >> 8);
	b[5] = (uint8_t)p->id;
	b[6] = (uint8_t)(p->seq >> 8);
	b[7] = (uint8_t)p->seq;
	if (p->raw && !p->v6) {		/* the kernel sums ICMPv6 and ping sockets */
		uint16_t c = csum(b, n);

		b[2] = (uint8_t)(c >> 8);
		b[3] = (uint8_t)c;
	}
	p->r->probes++;
	return send(p->fd, b, n, 0) < 0 ? -errno : 0;
}

/* Is seq one of this size's tries (first .. p->seq)? */
static bool ours(const struct prober *p, const uint8_t *icmp, uint16_t first)
{
	uint16_t seq = (uint16_t)(icmp[6] << 8 | icmp[7]);

	return (uint16_t)(seq - first) <= (uint16_t)(p->seq - first);
}

/* Reads the error queue; true if it held "too big" for one of our tries
 * (a router's fragmentation needed or packet too big).  The queued data
 * starts with our own echo request's header. */
static bool too_big_queued(struct prober *p, uint16_t first)
{
	char ctl[512];
	bool big = false;

	for (;;) {
		struct iovec iov = { p->buf, 64 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
		ssize_t n = recvmsg(p->fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);

		if (n < 0)
			return big;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			const struct sock_extended_err *ee = (const void *)CMSG_DATA(c);

			if ((c->cmsg_type == IP_RECVERR || c->cmsg_type == IPV6_RECVERR) &&
			    ee->ee_errno == EMSGSIZE && ee->ee_origin != SO_EE_ORIGIN_LOCAL &&
			    n >= ECHO_HDR && ours(p, p->buf, first))
				big = true;
		}
	}
}

/* The size of the echo reply in p->buf to one of our tries since first,
 * or 0. */
static int reply_size(const struct prober *p, ssize_t got, uint16_t first)
{
	const uint8_t *b = p->buf;

	if (p->raw && !p->v6) {
		ssize_t hl = got > 0 ? (b[0] & 0xf) * 4 : 0;

		b += hl;
		got -= hl;
	}
	if (got < ECHO_HDR)
		return 0;
	if (b[0] != (p->v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY) ||
	    (p->raw && (b[4] << 8 | b[5]) != p->id) || !ours(p, b, first))
		return 0;
	return (int)got + p->iphdr;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits up to ms for a reply to one of this size's tries: 1 answered, 0
 * not, -EMSGSIZE a router said it is too big.  A reply of the smallest
 * size on the way sets p->alive. */
static int wait_reply(struct prober *p, int size, uint16_t first, int ms)
{
	long end = now_ms() + ms;

	for (;;) {
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		long left = end - now_ms();
		ssize_t got;

		if (left <= 0)
			return 0;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return 0;
		if (pfd.revents & POLLERR) {
			int e;
			socklen_t el = sizeof(e);

			if (too_big_queued(p, first))
				return -EMSGSIZE;
			/* Anything else (unreachable...): wait on; clear it so
			 * that poll does not report it again. */
			getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e, &el);
		}
		if (!(pfd.revents & POLLIN))
			continue;
		got = recv(p->fd, p->buf, sizeof(p->buf), MSG_DONTWAIT);
		got = reply_size(p, got, first);
		if (got == size)
			return 1;
		p->alive |= got == p->small;
	}
}

/* 1: size passes; 0: it does not.  With small, each try also sends a
 * smallest probe: a silent peer then costs one round of tries, not two. */
static int try_size(struct prober *p, int size, bool small)
{
	uint16_t first = (uint16_t)(p->seq + 1);
	int wait = MTU_PROBE_WAIT_MS;

	too_big_queued(p, first);	/* what earlier sizes left */
	for (int t = 0; t < MTU_PROBE_TRIES; t++, wait *= 2) {
		int rc;

		p->seq++;
		rc = send_echo(p, size);
		if (rc == -EMSGSIZE)
			return 0;	/* bigger than our own device's MTU */
		if (small) {
			p->seq++;
			send_echo(p, p->small);
		}
		rc = wait_reply(p, size, first, wait);
		if (rc)
			return rc > 0;
	}
	p->small_done = small;
	return 0;
}

/* The largest size in (ok, bad) that passes, by bisection. */
static int bisect(struct prober *p, int ok, int bad)
{
	while (bad - ok > 1) {
		int mid = ok + (bad - ok) / 2;

		if (try_size(p, mid, false))
			ok = mid;
		else
			bad = mid;
	}
	return ok;
}

int mtu_probe(const struct prefix *local, const struct prefix *remote, int size,
	      struct mtu_probe *r, char *err, size_t len)
{
	struct prober *p = calloc(1, sizeof(*p));
	int ret = 0;

	if (!p)
		abort();
	memset(r, 0, sizeof(*r));
	p->r = r;
	p->fd = -1;
	p->v6 = remote->family == AF_INET6;
	p->iphdr = p->v6 ? 40 : 20;
	p->id = (uint16_t)(getpid() ^ now_ms());
	p->small = p->iphdr + ECHO_HDR + ECHO_DATA;
	if (size < p->small || size > 65535) {
		snprintf(err, len, "cannot probe %d-byte packets (%d to 65535)", size, p->small);
		ret = -1;
	} else if (prober_open(p, local, remote, err, len)) {
		ret = -1;
	} else if (try_size(p, size, size > p->small)) {
		r->largest = size;
		ret = 1;
	} else if (p->alive || (!p->small_done && try_size(p, p->small, false))) {
		r->largest = bisect(p, p->small, size);
	}
	if (p->fd >= 0)
		close(p->fd);
	free(p);
	return ret;
}
