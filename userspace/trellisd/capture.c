// SPDX-License-Identifier: GPL-2.0
/*
 * trellisd capture SLICE HOST:IF [-w FILE|-] [-c COUNT] [--tunnel]: a pcap
 * of one link end, written as it comes.
 *
 * Without --tunnel, a packet socket is opened inside HOST's network
 * namespace (in_netns(), the socket stays there) and bound to IF: both
 * directions, as tcpdump -i IF in the host would see them.  With --tunnel,
 * the link must cross nodes: the socket is opened in this machine's own
 * namespace, bound to the underlay interface that holds this node's
 * address, with a classic BPF filter that keeps only IPv4 GRE packets
 * carrying the link's key, so nothing else is copied to us.
 *
 * The pcap (microsecond timestamps, LINKTYPE_ETHERNET) is written by hand:
 * a 24-byte file header, then a 16-byte header before each packet, one
 * write() per packet so that a reader at the end of a pipe sees it at
 * once (tshark -r -, Wireshark over ssh).  No libpcap: what it would add
 * here is its filter compiler, and the one filter needed is a dozen
 * instructions.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "host.h"
#include "names.h"
#include "state.h"
#include "topo.h"
#include "trellisd.h"

#define SNAPLEN		262144
#define PCAP_MAGIC	0xa1b2c3d4u
#define LINKTYPE_ETHERNET 1

struct cap_args {
	const char *slice;
	char host[TOPO_NAME_LEN];
	const char *ifname;
	const char *out;	/* "-": stdout */
	unsigned long count;	/* 0: until interrupted */
	bool tunnel;
};

struct cap_sock {
	const char *ifname;	/* in the host's namespace */
	int ifindex;
	int fd;
	struct sock_fprog *filter;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: trellisd capture SLICE HOST:IF [-w FILE|-] [-c COUNT] [--tunnel]\n");
	return 2;
}

static int parse_count(const char *s, unsigned long *n)
{
	char *end;

	errno = 0;
	*n = strtoul(s, &end, 10);
	if (!*s || *end || errno || *n == 0 || *n > INT_MAX || s[0] == '-') {
		errorf("capture: -c wants a packet count from 1 to %d, not `%.32s'", INT_MAX, s);
		return -1;
	}
	return 0;
}

static int parse_end(const char *s, struct cap_args *a)
{
	const char *colon = strchr(s, ':');

	if (!colon || colon == s || !colon[1] ||
	    (size_t)(colon - s) >= sizeof(a->host)) {
		errorf("capture: `%.64s' is not HOST:IF", s);
		return -1;
	}
	snprintf(a->host, sizeof(a->host), "%.*s", (int)(colon - s), s);
	a->ifname = colon + 1;
	if (!name_arg_ok(NAME_HOST, a->host) || !name_arg_ok(NAME_IFNAME, a->ifname))
		return -1;
	return 0;
}

static int parse_args(int argc, char **argv, struct cap_args *a)
{
	int pos = 0;

	a->out = "-";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--tunnel")) {
			a->tunnel = true;
		} else if (!strcmp(argv[i], "-w") || !strcmp(argv[i], "-c")) {
			if (i + 1 >= argc) {
				errorf("capture: %s wants a value", argv[i]);
				return -1;
			}
			if (argv[i][1] == 'w')
				a->out = argv[++i];
			else if (parse_count(argv[++i], &a->count))
				return -1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			errorf("capture: unknown option `%.32s'", argv[i]);
			return -1;
		} else if (pos == 0) {
			a->slice = argv[i];
			pos++;
		} else if (pos == 1) {
			if (parse_end(argv[i], a))
				return -1;
			pos++;
		} else {
			errorf("capture: one link end only (`%.64s' is one too many)", argv[i]);
			return -1;
		}
	}
	if (pos < 2)
		return usage();
	if (!*a->out) {
		errorf("capture: -w wants a file name, or - for standard output");
		return -1;
	}
	return name_arg_ok(NAME_SLICE, a->slice) ? 0 : -1;
}

/* ----- the sockets ----- */

static int open_packet(void *arg)
{
	struct cap_sock *cs = arg;
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
	};
	int on = 1;

	cs->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (cs->fd < 0)
		return -errno;
	if (cs->filter &&
	    setsockopt(cs->fd, SOL_SOCKET, SO_ATTACH_FILTER, cs->filter, sizeof(*cs->filter)))
		goto fail;
	sll.sll_ifindex = cs->ifindex;
	if (setsockopt(cs->fd, SOL_SOCKET, SO_TIMESTAMP, &on, sizeof(on)) ||
	    bind(cs->fd, (struct sockaddr *)&sll, sizeof(sll)))
		goto fail;
	return 0;
fail:
	on = -errno;
	close(cs->fd);
	cs->fd = -1;
	return on;
}

static int if_is_ether(void *arg)
{
	struct cap_sock *cs = arg;
	struct ifreq ifr = { 0 };
	int fd, ret = -EPROTONOSUPPORT;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (!if_indextoname(cs->ifindex, ifr.ifr_name) || ioctl(fd, SIOCGIFHWADDR, &ifr))
		ret = -errno;
	else if (ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER)
		ret = 0;
	close(fd);
	return ret;
}

/* Finds the ifindex of name in the host's namespace. */
static int lookup_if(void *arg)
{
	struct cap_sock *cs = arg;

	cs->ifindex = (int)if_nametoindex(cs->ifname);
	return cs->ifindex ? if_is_ether(cs) : -ENODEV;
}

static int host_socket(const struct cap_args *a, pid_t pid, struct cap_sock *cs)
{
	char path[64];
	int netfd, rootfd, err;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	netfd = open(path, O_RDONLY | O_CLOEXEC);
	rootfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (netfd < 0 || rootfd < 0) {
		err = -errno;
		goto out;
	}
	cs->ifname = a->ifname;
	err = in_netns(netfd, rootfd, lookup_if, cs);
	if (err == -ENODEV)
		errorf("capture: host %s has no interface %s", a->host, a->ifname);
	else if (err == -EPROTONOSUPPORT)
		errorf("capture: %s:%s is not an Ethernet interface", a->host, a->ifname);
	else if (!err)
		err = in_netns(netfd, rootfd, open_packet, cs);
	if (err && err != -ENODEV && err != -EPROTONOSUPPORT)
		errorf("capture: cannot open a packet socket in %s: %s", a->host, strerror(-err));
out:
	if (netfd >= 0)
		close(netfd);
	if (rootfd >= 0)
		close(rootfd);
	return err ? -1 : 0;
}

/*
 * IPv4 GRE with the K bit and this key, on Ethernet: the key follows the
 * 4-byte base header, after the checksum word if C is set.  Later
 * fragments of a fragmented packet carry no GRE header and are not kept.
 */
static struct sock_fprog *gre_key_filter(uint32_t key)
{
	static struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),			/* ethertype */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 13),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),			/* protocol */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_GRE, 0, 11),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),			/* fragment offset */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 9, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),		/* X = IP header length */
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 14),			/* GRE flags */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x2000, 0, 6),	/* K */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x8000, 0, 2),	/* C */
		BPF_STMT(BPF_LD | BPF_W | BPF_IND, 22),
		BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_IND, 18),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),		/* the key, set below */
		BPF_STMT(BPF_RET | BPF_K, SNAPLEN),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	static struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	f[13].k = key;
	return &prog;
}

/* This machine's end of a cross-node link: the interface holding the
 * underlay address of one of the link's two nodes. */
static int underlay_if(const struct topo *t, const struct link *l, char *ifname)
{
	struct ifaddrs *ifa, *i;
	int ret = -1;

	if (getifaddrs(&ifa))
		return -1;
	for (i = ifa; i && ret < 0; i = i->ifa_next) {
		const struct sockaddr_in *sin = (const void *)i->ifa_addr;

		if (!sin || sin->sin_family != AF_INET)
			continue;
		for (size_t e = 0; e < 2 && ret < 0; e++) {
			int node = t->hosts[l->ends[e].host].node;

			if (node >= 0 && t->nodes[node].underlay.family == AF_INET &&
			    t->nodes[node].underlay.addr.v4.s_addr == sin->sin_addr.s_addr) {
				snprintf(ifname, IFNAMSIZ, "%s", i->ifa_name);
				ret = 0;
			}
		}
	}
	freeifaddrs(ifa);
	return ret;
}

static int tunnel_socket(const struct topo *t, const struct link *l,
			 struct cap_sock *cs)
{
	char ifname[IFNAMSIZ];
	int err;

	if (l->kind != LINK_P2P || l->n_ends != 2 ||
	    t->hosts[l->ends[0].host].node == t->hosts[l->ends[1].host].node) {
		errorf("capture: --tunnel: link %s stays on one node, it has no tunnel",
		       l->name);
		return -1;
	}
	if (underlay_if(t, l, ifname)) {
		errorf("capture: --tunnel: no interface here holds the underlay address of either end of %s",
		       l->name);
		return -1;
	}
	cs->ifindex = (int)if_nametoindex(ifname);
	if (!cs->ifindex || if_is_ether(cs)) {
		errorf("capture: --tunnel: underlay %s is not an Ethernet interface", ifname);
		return -1;
	}
	cs->filter = gre_key_filter(l->key);
	err = open_packet(cs);
	if (err) {
		errorf("capture: cannot open a packet socket on %s: %s", ifname, strerror(-err));
		return -1;
	}
	fprintf(stderr, "trellisd: capture: GRE key 0x%08x of %s on %s\n", l->key, l->name, ifname);
	return 0;
}

/* ----- where the link end is ----- */

static pid_t find_holder(const struct cap_args *a)
{
	struct journal j;
	pid_t pid = 0;

	if (journal_load(a->slice, &j)) {
		errorf("capture: cannot read the journal of %s", a->slice);
		return -1;
	}
	for (size_t i = 0; i < j.n; i++)
		if (!strcmp(j.e[i].kind, "host") && !strcmp(j.e[i].name, a->host)) {
			pid = host_alive(&j.e[i]) ? j.e[i].pid : -1;
			if (pid < 0)
				errorf("capture: host %s of %s is not running (its holder, pid %d, is gone)",
				       a->host, a->slice, (int)j.e[i].pid);
		}
	journal_free(&j);
	if (!pid)
		errorf("capture: host %s of %s does not run on this node", a->host, a->slice);
	return pid ? pid : -1;
}

static int open_socket(const struct cap_args *a, struct cap_sock *cs)
{
	struct diag d = { 0 };
	struct topo t;
	size_t end;
	int hi, li, ret = -1;
	pid_t pid;

	if (!slice_exists(a->slice)) {
		errorf("capture: slice %s is not up", a->slice);
		return -1;
	}
	if (state_topo(a->slice, &t, &d)) {
		diag_print(&d);
		diag_free(&d);
		errorf("capture: cannot read the topology of %s", a->slice);
		return -1;
	}
	hi = topo_host(&t, a->host);
	li = hi < 0 ? -1 : topo_find_end(&t, hi, a->ifname, &end);
	if (hi < 0)
		errorf("capture: slice %s has no host %s", a->slice, a->host);
	else if (li < 0)
		errorf("capture: no link of %s ends at %s:%s", a->slice, a->host, a->ifname);
	else if (a->tunnel)
		ret = tunnel_socket(&t, &t.links[li], cs);
	else if ((pid = find_holder(a)) > 0)
		ret = host_socket(a, pid, cs);
	topo_free(&t);
	return ret;
}

/* ----- the file ----- */

static int open_out(const char *out)
{
	int fd;

	if (!strcmp(out, "-")) {
		if (isatty(STDOUT_FILENO)) {
			errorf("capture: standard output is a terminal: give -w FILE, or pipe it (-w - | tshark -r -)");
			return -1;
		}
		return STDOUT_FILENO;
	}
	fd = src_open ? src_open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC)
		      : open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		errorf("capture: %s: %m", out);
	return fd;
}

static int write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= w;
		}
	}
	return 0;
}

static int write_header(int fd)
{
	uint32_t h[6] = { PCAP_MAGIC, 2 | (4u << 16), 0, 0, SNAPLEN, LINKTYPE_ETHERNET };
	struct iovec iov = { h, sizeof(h) };

	return write_all(fd, &iov, 1);
}

/* One packet: 1 written, 0 nothing (interrupted), -1 error. */
static int copy_one(int sfd, int out, unsigned char *buf)
{
	union {
		char b[CMSG_SPACE(sizeof(struct timeval))];
		struct cmsghdr align;
	} ctl;
	struct iovec in = { buf, SNAPLEN }, rec[2];
	struct msghdr mh = {
		.msg_iov = &in, .msg_iovlen = 1,
		.msg_control = ctl.b, .msg_controllen = sizeof(ctl.b),
	};
	struct timeval tv = { 0 };
	uint32_t hdr[4];
	ssize_t n;

	n = recvmsg(sfd, &mh, MSG_TRUNC);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMP)
			memcpy(&tv, CMSG_DATA(c), sizeof(tv));
	hdr[0] = (uint32_t)tv.tv_sec;
	hdr[1] = (uint32_t)tv.tv_usec;
	hdr[2] = n > SNAPLEN ? SNAPLEN : (uint32_t)n;
	hdr[3] = (uint32_t)n;
	rec[0] = (struct iovec){ hdr, sizeof(hdr) };
	rec[1] = (struct iovec){ buf, hdr[2] };
	return write_all(out, rec, 2) ? -2 : 1;
}

static int capture_loop(int sfd, int out, unsigned long count, unsigned long *got)
{
	unsigned char *buf = malloc(SNAPLEN);
	int ret = 0;

	if (!buf)
		return -1;
	while (!stopping && (!count || *got < count)) {
		int r = copy_one(sfd, out, buf);

		if (r == -2 && errno == EPIPE)
			break;		/* the reader is done */
		if (r < 0) {
			errorf("capture: %s: %m", r == -1 ? "receive" : "write");
			ret = -1;
			break;
		}
		*got += (unsigned long)r;
	}
	free(buf);
	return ret;
}

int cmd_capture(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART */
	struct cap_sock cs = { .fd = -1 };
	struct cap_args a = { 0 };
	unsigned long got = 0;
	int out, ret;

	ret = parse_args(argc, argv, &a);
	if (ret)
		return ret > 0 ? ret : 2;
	if (open_socket(&a, &cs))
		return 1;
	out = open_out(a.out);
	if (out < 0 || write_header(out)) {
		if (out >= 0)
			errorf("capture: write: %m");
		close(cs.fd);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	ret = capture_loop(cs.fd, out, a.count, &got);
	fprintf(stderr, "trellisd: capture: %lu packet%s\n", got, got == 1 ? "" : "s");
	close(cs.fd);
	if (out != STDOUT_FILENO)
		close(out);
	return ret ? 1 : 0;
}
