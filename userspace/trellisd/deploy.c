// SPDX-License-Identifier: GPL-2.0
/* Building, changing and removing a slice (deploy.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/rtnetlink.h>

#include <linux/shortbridge.h>

#include "cgroup.h"
#include "deploy.h"
#include "disc.h"
#include "egre.h"
#include "mtu_probe.h"
#include "rtnl.h"
#include "sb.h"
#include "trellisd.h"
#include "userns.h"

int dep_fail(struct dep *d, const char *fmt, ...)
{
	va_list ap;

	if (d->err[0])
		return -1;
	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* The TRELLIS_FAIL_AT=N test hook: the Nth step fails. */
static int step(struct dep *d, const char *what)
{
	d->steps++;
	/* TRELLIS_CRASH_AT=N: die at the Nth step as if killed. */
	if (d->crash_at && d->steps == d->crash_at)
		raise(SIGKILL);
	if (d->fail_at && d->steps == d->fail_at)
		return dep_fail(d, "injected failure before %s (TRELLIS_FAIL_AT=%d)", what, d->fail_at);
	return 0;
}

bool dep_local(const struct dep *d, int host)
{
	return d->t->hosts[host].node == d->node;
}

int dep_parse_opts(int argc, char **argv, int first, struct dep_opts *o, const char **file)
{
	memset(o, 0, sizeof(*o));
	*file = NULL;
	for (int i = first; i < argc; i++) {
		if (!strcmp(argv[i], "--node") && i + 1 < argc) {
			o->node = argv[++i];
		} else if (!strcmp(argv[i], "--backend") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "egre"))
				o->backend = BACKEND_EGRE;
			else if (!strcmp(argv[i], "gretap"))
				o->backend = BACKEND_GRETAP;
			else if (!strcmp(argv[i], "auto"))
				o->backend = BACKEND_AUTO;
			else
				return -1;
		} else if (argv[i][0] == '-' || *file) {
			return -1;
		} else {
			*file = argv[i];
		}
	}
	return *file ? 0 : -1;
}

/* Does a link or lan have ends on different nodes? */
static bool has_cross_links(const struct topo *t)
{
	for (size_t l = 0; l < t->n_links; l++)
		for (size_t e = 1; e < t->links[l].n_ends; e++)
			if (t->hosts[t->links[l].ends[e].host].node !=
			    t->hosts[t->links[l].ends[0].host].node)
				return true;
	return false;
}

/* RTM_GETROUTE answer: the route's type. */
static int route_type_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type == RTM_NEWROUTE)
		*(int *)data = rtm->rtm_type;
	return MNL_CB_OK;
}

static int link_mtu(const struct dep *d, const struct link *l);

/* The largest MTU of the links (or lans) node n shares with ours; 0: none. */
static int peer_mtu(const struct dep *d, int n)
{
	const struct topo *t = d->t;
	int mtu = 0;

	for (size_t l = 0; l < t->n_links; l++) {
		const struct link *k = &t->links[l];
		bool here = false, there = false;

		for (size_t e = 0; e < k->n_ends; e++) {
			here |= t->hosts[k->ends[e].host].node == d->node;
			there |= t->hosts[k->ends[e].host].node == n;
		}
		if (here && there && link_mtu(d, k) > mtu)
			mtu = link_mtu(d, k);
	}
	return mtu;
}

/* The kernel has a unicast route to node n's underlay (RTM_GETROUTE, as
 * `ip route get' does). */
static int route_to_peer(struct dep *d, int n)
{
	const struct prefix *local = &d->t->nodes[d->node].underlay;
	const struct prefix *remote = &d->t->nodes[n].underlay;
	char from[INET6_ADDRSTRLEN], to[INET6_ADDRSTRLEN];
	struct nlmsghdr *nlh = nl_msg(&d->root, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	int err, type = -1;

	rtm->rtm_family = (unsigned char)remote->family;
	rtm->rtm_dst_len = remote->len;
	mnl_attr_put(nlh, RTA_DST, remote->len / 8, &remote->addr);
	err = nl_talk(&d->root, nlh, route_type_cb, &type);
	addr_str(local, from, sizeof(from));
	addr_str(remote, to, sizeof(to));
	if (err)
		return dep_fail(d, "node %s: underlay %s unreachable from %s (no route: %s)",
				d->t->nodes[n].name, to, from, nl_strerror(&d->root, err));
	if (type != RTN_UNICAST && type != RTN_LOCAL)
		return dep_fail(d, "node %s: underlay %s unreachable from %s (route type %d)",
				d->t->nodes[n].name, to, from, type);
	return 0;
}

/*
 * The path to node n carries the tunnels' whole packets: link MTU +
 * Ethernet (14) + GRE with key (8) + IPv4 (20) or IPv6 (40), with DF
 * (mtu_probe.h).  A path that answers smaller packets only refuses; a peer
 * that answers none is only warned about: ICMP may be filtered, or the
 * machine not up yet (nodes start in any order), and silence is no proof
 * of a small MTU.
 */
static int probe_peer(struct dep *d, int n, int mtu)
{
	const struct prefix *local = &d->t->nodes[d->node].underlay;
	const struct prefix *remote = &d->t->nodes[n].underlay;
	char from[INET6_ADDRSTRLEN], to[INET6_ADDRSTRLEN], msg[256];
	int over = topo_tunnel_overhead(d->t), need = mtu + over, rc;
	struct mtu_probe r;

	rc = mtu_probe(local, remote, need, &r, msg, sizeof(msg));
	if (rc > 0)
		return 0;
	addr_str(local, from, sizeof(from));
	addr_str(remote, to, sizeof(to));
	if (rc < 0)
		return dep_fail(d, "node %s: %s", d->t->nodes[n].name, msg);
	if (!r.largest) {
		warnf("node %s: underlay %s does not answer ICMP echo from %s (%d probes): the path MTU is not checked; its tunnels carry nothing until it does",
		      d->t->nodes[n].name, to, from, r.probes);
		return 0;
	}
	return dep_fail(d, "node %s: the path from %s to %s carries packets of at most %d bytes, the tunnels need %d (link MTU %d + %d: Ethernet 14, GRE 8, %s %d): give the links across nodes mtu %d or less, or raise the underlay's MTU",
			d->t->nodes[n].name, from, to, r.largest, need, mtu, over,
			local->family == AF_INET6 ? "IPv6" : "IPv4", over - 22, r.largest - over);
}

/* Before anything is built: every node that shares a link with ours is
 * routed to, and the path to it carries the links' MTU. */
static int check_underlay(struct dep *d)
{
	for (size_t n = 0; n < d->t->n_nodes; n++) {
		int mtu = (int)n == d->node ? 0 : peer_mtu(d, (int)n);

		if (mtu && (route_to_peer(d, (int)n) || probe_peer(d, (int)n, mtu)))
			return -1;
	}
	return 0;
}

static bool module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return !access(path, F_OK);
}

/* A link with both ends on this machine: joined in the root namespace. */
static bool node_link(const struct dep *d, const struct link *l)
{
	return l->kind == LINK_P2P && l->n_ends == 2 && dep_local(d, l->ends[0].host) &&
	       dep_local(d, l->ends[1].host);
}

/*
 * What joins the two root sides of a link within this node: shortbridge if
 * it is loaded, else a Linux bridge (slower, and it keeps link-local
 * 01:80:c2:00:00:0X frames such as STP and LACP to itself), said once.
 * --backend gretap asks for in-tree code only; --backend egre for ours.
 */
static int choose_join(struct dep *d, enum backend asked)
{
	bool any = false;

	for (size_t l = 0; l < d->t->n_links; l++)
		any |= node_link(d, &d->t->links[l]);
	if (!any)
		return 0;
	if (asked == BACKEND_GRETAP) {
		d->join_bridge = true;
		return 0;
	}
	if (module_loaded("shortbridge"))
		return 0;
	if (asked == BACKEND_EGRE)
		return dep_fail(d, "the shortbridge module is not loaded (run modprobe shortbridge as root): --backend egre needs it for the links within this node");
	warnf("the shortbridge module is not loaded: links within this node are joined by a Linux bridge in the root namespace");
	d->join_bridge = true;
	return 0;
}

int dep_init(struct dep *d, struct topo *t, const char *verb, const struct dep_opts *o)
{
	const char *fail = getenv("TRELLIS_FAIL_AT"), *crash = getenv("TRELLIS_CRASH_AT");
	char ul[INET6_ADDRSTRLEN];
	int err;

	memset(d, 0, sizeof(*d));
	d->verb = verb;
	d->t = t;
	d->node = -1;
	d->sw.netfd = -1;
	d->usernsfd = -1;
	d->slot = -1;
	d->fail_at = fail ? atoi(fail) : 0;
	d->crash_at = crash ? atoi(crash) : 0;
	d->rootfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (d->rootfd < 0)
		return dep_fail(d, "cannot open our network namespace: %s", strerror(errno));
	err = nl_open(&d->root, NETLINK_ROUTE);
	if (err)
		return dep_fail(d, "cannot open a netlink socket: %s", strerror(-err));
	d->h = calloc(t->n_hosts, sizeof(*d->h));
	d->hb = calloc(t->n_hosts, sizeof(*d->hb));
	d->ifx = calloc(t->n_links + 1, sizeof(*d->ifx));
	d->brx = calloc(t->n_links + 1, sizeof(*d->brx));
	for (size_t i = 0; i < t->n_hosts; i++)
		d->h[i].netfd = -1;
	for (size_t l = 0; l < t->n_links; l++)
		d->ifx[l] = calloc(t->links[l].n_ends, sizeof(int));

	/* Which node are we? */
	if (t->n_nodes) {
		if (o->node) {
			d->node = topo_node(t, o->node);
			if (d->node < 0)
				return dep_fail(d, "no node `%s' in %s", o->node, t->path);
		} else {
			for (size_t n = 0; n < t->n_nodes && d->node < 0; n++)
				if (rtnl_has_addr(&d->root, &t->nodes[n].underlay) == 1)
					d->node = (int)n;
			if (d->node < 0)
				return dep_fail(d, "this machine has none of the nodes' underlay addresses (use --node NAME)");
		}
		if (rtnl_has_addr(&d->root, &t->nodes[d->node].underlay) != 1 && has_cross_links(t))
			warnf("node %s: underlay address %s is not on this machine",
			      t->nodes[d->node].name,
			      addr_str(&t->nodes[d->node].underlay, ul, sizeof(ul)));
		if (check_underlay(d))
			return -1;
	}

	d->backend = o->backend;
	if (choose_join(d, o->backend))
		return -1;
	if (d->backend == BACKEND_AUTO && has_cross_links(t)) {
		if (module_loaded("egre") && module_loaded("shortbridge")) {
			d->backend = BACKEND_EGRE;
		} else {
			warnf("the egre and shortbridge modules are not loaded: cross-node links use the gretap + bridge fallback");
			d->backend = BACKEND_GRETAP;
		}
	}
	return 0;
}

void dep_fini(struct dep *d)
{
	for (size_t i = 0; d->h && i < d->t->n_hosts; i++) {
		host_detach(&d->h[i]);
		if (d->hb[i].buf)
			nlb_free(&d->hb[i]);
	}
	host_detach(&d->sw);
	if (d->swb_init)
		nlb_free(&d->swb);
	if (d->rb_init)
		nlb_free(&d->rb);
	for (size_t l = 0; d->ifx && l < d->t->n_links; l++)
		free(d->ifx[l]);
	free(d->ifx);
	free(d->brx);
	free(d->h);
	free(d->hb);
	nl_close(&d->root);
	if (d->genl_open)
		nl_close(&d->genl);
	if (d->rootfd >= 0)
		close(d->rootfd);
	if (d->usernsfd >= 0)
		close(d->usernsfd);
	journal_free(&d->j);
}

static struct nl_batch *hbatch(struct dep *d, int host)
{
	if (!d->hb[host].buf)
		nlb_init(&d->hb[host], d->h[host].nl);
	return &d->hb[host];
}

static struct nl_batch *swbatch(struct dep *d)
{
	if (!d->swb_init) {
		nlb_init(&d->swb, d->sw.nl);
		d->swb_init = true;
	}
	return &d->swb;
}

static struct nl_batch *rbatch(struct dep *d)
{
	if (!d->rb_init) {
		nlb_init(&d->rb, &d->root);
		d->rb_init = true;
	}
	return &d->rb;
}

/* Flushes every host batch (the switch's, the root's); the first error
 * wins. */
static int flush_all(struct dep *d)
{
	int ret = 0;

	if (d->rb_init && nlb_flush(&d->rb)) {
		dep_fail(d, "%s", d->rb.failed);
		ret = -1;
	}
	if (d->swb_init && nlb_flush(&d->swb)) {
		dep_fail(d, "%s", d->swb.failed);
		ret = -1;
	}
	for (size_t i = 0; i < d->t->n_hosts; i++) {
		if (d->hb[i].buf && nlb_flush(&d->hb[i])) {
			dep_fail(d, "%s", d->hb[i].failed);
			ret = -1;
		}
	}
	return ret;
}

static const char *hostdir(const char *slice, const char *host, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/hosts/%s", run_dir(), slice, host);
	return buf;
}

/* Puts a host's `file' statements into the upper directory of its /etc
 * overlay, before it is mounted. */
/* Gives path and the directories above it, up to top (excluded), to the
 * host's root: what trellisd puts in a host's /etc is the host's. */
static int chown_up_to(const char *top, const char *path, uid_t id)
{
	char buf[PATH_MAX + 300];
	size_t len = strlen(top);

	snprintf(buf, sizeof(buf), "%s", path);
	while (strlen(buf) > len && !strncmp(buf, top, len)) {
		if (lchown(buf, id, id))
			return -errno;
		*strrchr(buf, '/') = '\0';
	}
	return 0;
}

static int install_files(struct dep *d, const struct host *h, const char *dir)
{
	uid_t root = userns_id(d->slot, 0);
	char top[PATH_MAX + 8];

	snprintf(top, sizeof(top), "%s/etc", dir);
	for (size_t f = 0; f < h->n_files; f++) {
		char dest[PATH_MAX + 300], parent[PATH_MAX + 300];
		int err;

		snprintf(dest, sizeof(dest), "%s/etc/%s", dir, h->files[f].dest + 5);
		snprintf(parent, sizeof(parent), "%s", dest);
		err = mkdir_p(dirname(parent), 0755);
		if (!err)
			err = copy_file(h->files[f].src, dest);
		if (!err)
			err = chown_up_to(top, dest, root);
		if (err)
			return dep_fail(d, "cannot install %s as %s in %s: %s", h->files[f].src,
					h->files[f].dest, h->name, strerror(-err));
	}
	return 0;
}

/*
 * The slice's user namespace (userns.h): that of one of its running hosts,
 * or a new one over the slice's range of ids.
 */
static int dep_userns(struct dep *d)
{
	int fd;

	if (d->usernsfd >= 0)
		return 0;
	d->slot = userns_claim(d->t->slice);
	if (d->slot < 0)
		return dep_fail(d, "cannot give slice %s a range of user ids: %s", d->t->slice,
				d->slot == -ENOSPC ? "all are taken" : strerror(-d->slot));
	for (size_t i = 0; i < d->t->n_hosts; i++) {
		if (!d->h[i].running || userns_foreign(host_netfd(&d->h[i])) != 1)
			continue;
		fd = userns_owner(host_netfd(&d->h[i]));
		if (fd >= 0) {
			d->usernsfd = fd;
			return 0;
		}
	}
	fd = userns_create(d->slot);
	if (fd < 0)
		return dep_fail(d, "cannot create the user namespace of slice %s: %s", d->t->slice,
				strerror(-fd));
	d->usernsfd = fd;
	return 0;
}

/* Holders starting at once, each reporting on a pipe of ours: a bound on
 * the descriptors held, not on the parallelism that matters. */
#define START_WINDOW 64

/* Waits for host i's holder (started with host_fork()) and attaches to it. */
static int attach_started(struct dep *d, size_t i, pid_t pid, int *ready)
{
	bool sw = i == d->t->n_hosts;
	const char *name = sw ? SWITCH_HOST : d->t->hosts[i].name;
	struct hrt *r = sw ? &d->sw : &d->h[i];
	struct jentry e = { .kind = "host" };
	char msg[300];
	int err;

	err = host_wait(*ready, msg, sizeof(msg));
	*ready = -1;
	if (err)
		return dep_fail(d, "cannot start host %s: %s", name, msg);
	err = host_attach(r, pid, d->rootfd);
	if (err)
		return dep_fail(d, "cannot reach host %s: %s", name, strerror(-err));
	snprintf(e.name, sizeof(e.name), "%s", name);
	e.pid = r->pid;
	e.start = r->start;
	e.netino = r->netino;
	e.mntino = r->mntino;
	journal_add(d->t->slice, &d->j, &e);
	return 0;
}

/* Starts the holders of the hosts in mask (and the switch if want_switch),
 * START_WINDOW at a time, and attaches to them. */
static int start_hosts(struct dep *d, const bool *mask, bool want_switch)
{
	struct topo *t = d->t;
	size_t n = t->n_hosts + 1, next = 0, pending = 0;
	int *ready, ret = 0;
	pid_t *pids;

	for (size_t i = 0; i < t->n_hosts; i++)
		if (mask[i] && dep_userns(d))
			return -1;
	ready = calloc(n, sizeof(int));
	pids = calloc(n, sizeof(pid_t));
	for (size_t i = 0; i < n; i++)
		ready[i] = -1;

	for (size_t i = 0; i < n; i++) {
		bool sw = i == t->n_hosts;
		const char *name = sw ? SWITCH_HOST : t->hosts[i].name;
		struct jentry e = { .kind = "host" };
		char dir[PATH_MAX];
		int err, cg;

		if (sw ? !want_switch : !mask[i])
			continue;
		if (step(d, sw ? "starting the switch namespace" : "starting a host"))
			goto fail;
		hostdir(t->slice, name, dir, sizeof(dir));
		if (!sw) {
			char sub[PATH_MAX + 8];

			snprintf(sub, sizeof(sub), "%s/etc", dir);
			err = mkdir_p(sub, 0755);
			/* The upper directory's owner is the owner of /etc. */
			if (!err && chown(sub, userns_id(d->slot, 0), userns_id(d->slot, 0)))
				err = -errno;
			snprintf(sub, sizeof(sub), "%s/work", dir);
			if (!err)
				err = mkdir_p(sub, 0755);
			if (err) {
				dep_fail(d, "cannot create %s: %s", dir, strerror(-err));
				goto fail;
			}
			if (install_files(d, &t->hosts[i], dir))
				goto fail;
		}
		cg = cgroup_open(t->slice, name);
		/* The switch namespace is the machine's: no slice reaches it. */
		pids[i] = cg < 0 ? cg : host_fork(name, sw ? "switch" : t->hosts[i].hostname, dir,
						  !sw, cg, sw ? -1 : d->usernsfd,
						  sw ? 0 : userns_id(d->slot, 0), &ready[i]);
		if (cg >= 0)
			close(cg);
		if (pids[i] < 0) {
			dep_fail(d, "cannot start host %s: %s", name, strerror(-pids[i]));
			goto fail;
		}
		/* Journal at once, so even a crash now leaves a way to find it. */
		snprintf(e.name, sizeof(e.name), "%s", name);
		e.pid = pids[i];
		e.start = proc_start(pids[i]);
		journal_add(t->slice, &d->j, &e);
		for (pending++; pending > START_WINDOW; pending--) {
			while (ready[next] < 0)
				next++;
			if (attach_started(d, next, pids[next], &ready[next]))
				goto fail;
		}
	}
	for (; next < n; next++)
		if (ready[next] >= 0 && attach_started(d, next, pids[next], &ready[next]))
			goto fail;
	goto out;
fail:
	ret = -1;
	for (size_t i = 0; i < n; i++)
		if (ready[i] >= 0)
			close(ready[i]);
out:
	free(ready);
	free(pids);
	return ret;
}

/* Root-namespace device names of a cross-node link: unique per key. */
static void cross_names(const struct link *l, char *veth, char *tun, char *br)
{
	snprintf(veth, IFNAMSIZ, "tv%08x", l->key);
	snprintf(tun, IFNAMSIZ, "tg%08x", l->key);
	snprintf(br, IFNAMSIZ, "tb%08x", l->key);
}

/* Root-namespace names of a link within one node: each end's root side
 * (the veth peer of the host's end) and the bridge that joins them when
 * shortbridge is not loaded. */
static void node_names(const struct link *l, char *v0, char *v1, char *br)
{
	snprintf(v0, IFNAMSIZ, "tx%08x", l->key);
	snprintf(v1, IFNAMSIZ, "ty%08x", l->key);
	snprintf(br, IFNAMSIZ, "tb%08x", l->key);
}

/*
 * The root-namespace device that transmits end e's traffic towards the far
 * end: its discipline goes there, where the slice cannot reach it.  Within
 * one node, the root side of the other end's veth; across nodes, the
 * tunnel.
 */
static void disc_dev(const struct topo *t, const struct link *l, size_t e, char *name)
{
	char v[2][IFNAMSIZ], br[IFNAMSIZ];

	if (t->hosts[l->ends[0].host].node == t->hosts[l->ends[1].host].node) {
		node_names(l, v[0], v[1], br);
		snprintf(name, IFNAMSIZ, "%s", v[1 - e]);
	} else {
		cross_names(l, v[0], name, br);
	}
}

static int link_mtu(const struct dep *d, const struct link *l)
{
	if (l->mtu)
		return l->mtu;
	for (size_t e = 1; e < l->n_ends; e++)
		if (d->t->hosts[l->ends[e].host].node != d->t->hosts[l->ends[0].host].node)
			return DEFAULT_MTU - topo_tunnel_overhead(d->t);
	return 0;
}

static void lan_names(const struct link *l, size_t end, char *br, char *port)
{
	snprintf(br, IFNAMSIZ, "b%08x", l->key);
	snprintf(port, IFNAMSIZ, "l%08x.%u", l->key, (unsigned int)(end % 1000));
}

/* Names of a lan's tunnel with key: in the root namespace as a cross-node
 * link's (veth side, tunnel, bridge of the gretap fallback), and its port on
 * the lan's bridge in the switch namespace. */
static void lan_tunnel_names(uint32_t key, char *veth, char *tun, char *br, char *port)
{
	snprintf(veth, IFNAMSIZ, "tv%08x", key);
	snprintf(tun, IFNAMSIZ, "tg%08x", key);
	snprintf(br, IFNAMSIZ, "tb%08x", key);
	snprintf(port, IFNAMSIZ, "lt%08x", key);
}

/* Does lan l need a tunnel from node me to node n (both have members)? */
static bool lan_peer(const struct topo *t, const struct link *l, int me, int n)
{
	return me >= 0 && n != me && topo_lan_on(t, l, me) && topo_lan_on(t, l, n);
}

/* Journals a root-namespace device about to be created.  One that exists
 * already is not ours: refuse it, or undo would delete it. */
static int rlink_journal(struct dep *d, const char *name)
{
	struct jentry e = { .kind = "rlink" };

	if (rtnl_ifindex(&d->root, name) > 0)
		return dep_fail(d, "cannot create %s in the root namespace: File exists", name);

	snprintf(e.name, sizeof(e.name), "%s", name);
	return journal_add(d->t->slice, &d->j, &e);
}

/*
 * A link within this node: each end a veth from its host to the root
 * namespace, whose root sides join_node_link() joins.  Nothing that carries
 * the link, its discipline included, is inside a host.
 */
static int create_node_link(struct dep *d, size_t li, int mtu)
{
	struct link *l = &d->t->links[li];
	char rv[2][IFNAMSIZ], br[IFNAMSIZ];

	node_names(l, rv[0], rv[1], br);
	for (size_t e = 0; e < 2; e++) {
		struct ldev a = { .netns_fd = -1, .mtu = mtu, .up = true };
		struct ldev b = { .netns_fd = d->rootfd, .mtu = mtu };
		struct endpoint *ep = &l->ends[e];
		struct nlmsghdr *nlh;

		if (rlink_journal(d, rv[e]))
			return -1;
		a.name = ep->ifname;
		a.index = d->ifx[li][e] = d->h[ep->host].next_index++;
		b.name = rv[e];
		nlh = nlb_msg(hbatch(d, ep->host), RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
			      "cannot create link %s (its end %s:%s)", l->name, ep->hname, ep->ifname);
		rtnl_veth(nlh, &a, &b);
	}
	return 0;
}

/*
 * The port of lan li for its tunnel to node n: a veth from the lan's bridge
 * to the root namespace, where lan_tunnels() joins it to the tunnel.  The
 * port is isolated, so a frame that came in by one tunnel never leaves by
 * another (split horizon: docs/multinode.md).
 */
static int lan_tunnel_port(struct dep *d, size_t li, int n, int mtu)
{
	struct link *l = &d->t->links[li];
	struct ldev a = { .netns_fd = -1, .mtu = mtu, .up = true, .master = d->brx[li] };
	struct ldev p = { .netns_fd = d->rootfd, .mtu = mtu };
	char rv[IFNAMSIZ], tun[IFNAMSIZ], br[IFNAMSIZ], port[IFNAMSIZ];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	lan_tunnel_names(topo_lan_key(d->t, li, d->node, n), rv, tun, br, port);
	if (rlink_journal(d, rv))
		return -1;
	a.name = port;
	a.index = d->sw.next_index++;
	p.name = rv;
	nlh = nlb_msg(swbatch(d), RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
		      "cannot create the port of lan %s for its tunnel to node %s", l->name,
		      d->t->nodes[n].name);
	rtnl_veth(nlh, &a, &p);
	/* What `bridge link set dev PORT isolated on' sends. */
	nlh = nlb_msg(swbatch(d), RTM_SETLINK, 0, "cannot isolate %s, the port of lan %s to node %s",
		      port, l->name, d->t->nodes[n].name);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = a.index;
	nest = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
	nest->nla_type |= NLA_F_NESTED;
	mnl_attr_put_u8(nlh, IFLA_BRPORT_ISOLATED, 1);
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

/*
 * Lan li's part on this node, in the switch namespace: its bridge, a veth to
 * each member here and, across nodes, a port for the tunnel to each other
 * node with members.
 */
static int create_lan(struct dep *d, size_t li, int mtu)
{
	struct link *l = &d->t->links[li];
	struct ldev b = { .netns_fd = -1, .mtu = mtu, .up = true };
	char br[IFNAMSIZ], port[IFNAMSIZ];
	struct nlmsghdr *nlh;

	lan_names(l, 0, br, port);
	b.name = br;
	b.index = d->brx[li] = d->sw.next_index++;
	nlh = nlb_msg(swbatch(d), RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
		      "cannot create the bridge of lan %s", l->name);
	rtnl_bridge(nlh, &b);
	for (size_t e = 0; e < l->n_ends; e++) {
		struct endpoint *ep = &l->ends[e];
		struct hrt *h = &d->h[ep->host];
		struct ldev a = { .netns_fd = -1, .mtu = mtu, .up = true };
		struct ldev p = { .mtu = mtu };	/* up later: see config_link() */

		if (!dep_local(d, ep->host))
			continue;
		lan_names(l, e, br, port);
		a.name = port;
		a.index = d->sw.next_index++;
		a.master = d->brx[li];
		p.name = ep->ifname;
		p.index = d->ifx[li][e] = h->next_index++;
		p.netns_fd = host_netfd(h);	/* kept open until the batch is sent */
		if (p.netns_fd < 0)
			return dep_fail(d, "cannot reach host %s: %s", ep->hname, strerror(-p.netns_fd));
		nlh = nlb_msg(swbatch(d), RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
			      "cannot create %s:%s on lan %s", ep->hname, ep->ifname, l->name);
		rtnl_veth(nlh, &a, &p);
	}
	for (int n = 0; n < (int)d->t->n_nodes; n++)
		if (lan_peer(d->t, l, d->node, n) && lan_tunnel_port(d, li, n, mtu))
			return -1;
	return 0;
}

/* Queues the creation of link li (phase 1: devices inside namespaces). */
static int create_link(struct dep *d, size_t li)
{
	struct topo *t = d->t;
	struct link *l = &t->links[li];
	int mtu = link_mtu(d, l);
	struct nlmsghdr *nlh;

	if (step(d, "creating a link"))
		return -1;
	if (l->kind == LINK_LAN)
		return create_lan(d, li, mtu);

	{
		struct endpoint *e0 = &l->ends[0], *e1 = &l->ends[1];
		bool loc0 = dep_local(d, e0->host), loc1 = dep_local(d, e1->host);
		struct ldev a = { .netns_fd = -1, .mtu = mtu, .up = true };
		/* A veth peer cannot be created up (veth_open() finds no peer
		 * yet): config_link() and cross_link() bring it up. */
		struct ldev b = { .mtu = mtu };
		char rv[IFNAMSIZ], tun[IFNAMSIZ], br[IFNAMSIZ];
		struct endpoint *le = loc0 ? e0 : e1;
		size_t lend = loc0 ? 0 : 1;

		if (!loc0 && !loc1)
			return 0;
		if (loc0 && loc1)
			return create_node_link(d, li, mtu);
		/* Across nodes: host end here, the other end of the veth in the
		 * root namespace, where the tunnel joins it (cross_link()). */
		cross_names(l, rv, tun, br);
		if (rlink_journal(d, rv))
			return -1;
		a.name = le->ifname;
		a.index = d->ifx[li][lend] = d->h[le->host].next_index++;
		b.name = rv;
		b.netns_fd = d->rootfd;
		nlh = nlb_msg(hbatch(d, le->host), RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
			      "cannot create link %s (its local end)", l->name);
		rtnl_veth(nlh, &a, &b);
	}
	return 0;
}

/* Sets a root-namespace device up. */
static int root_up(struct dep *d, const char *name, int index)
{
	struct nlmsghdr *nlh = nl_msg(&d->root, RTM_NEWLINK, 0);
	int err;

	rtnl_setlink(nlh, index, NULL, 1, 0, -1);
	err = nl_talk(&d->root, nlh, NULL, NULL);
	if (err)
		return dep_fail(d, "cannot bring %s up: %s", name, nl_strerror(&d->root, err));
	return 0;
}

/* Joins two root-namespace devices of link l: shortbridge, or a new Linux
 * bridge br (journaled) with both as its ports. */
static int join_pair(struct dep *d, const struct link *l, const char *n0, int i0,
		     const char *n1, int i1, const char *br, bool bridge)
{
	struct ldev b = { .name = br, .netns_fd = -1, .up = true };
	struct nlmsghdr *nlh;
	int err, bidx;

	if (!bridge) {
		if (!d->genl_open) {
			err = nl_open(&d->genl, NETLINK_GENERIC);
			if (err)
				return dep_fail(d, "cannot open a generic netlink socket: %s", strerror(-err));
			d->genl_open = true;
		}
		err = sb_join(&d->genl, i0, i1, SHORTBRIDGE_F_CARRIER_FOLLOW);
		if (err)
			return dep_fail(d, "cannot join %s and %s with shortbridge for link %s: %s",
					n0, n1, l->name, nl_strerror(&d->genl, err));
		return 0;
	}
	if (rlink_journal(d, br))
		return -1;
	nlh = nl_msg(&d->root, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_bridge(nlh, &b);
	err = nl_talk(&d->root, nlh, NULL, NULL);
	if (err)
		return dep_fail(d, "cannot create bridge %s for link %s: %s", br, l->name,
				nl_strerror(&d->root, err));
	bidx = rtnl_ifindex(&d->root, br);
	for (int k = 0; k < 2 && bidx > 0; k++) {
		nlh = nl_msg(&d->root, RTM_NEWLINK, 0);
		rtnl_setlink(nlh, k ? i1 : i0, NULL, 1, 0, bidx);
		err = nl_talk(&d->root, nlh, NULL, NULL);
		if (err)
			return dep_fail(d, "cannot add %s to bridge %s: %s", k ? n1 : n0, br,
					nl_strerror(&d->root, err));
	}
	return 0;
}

/* Phase 2 of a link within this node: its two root sides up and joined. */
static int join_node_link(struct dep *d, size_t li)
{
	struct link *l = &d->t->links[li];
	char rv[2][IFNAMSIZ], br[IFNAMSIZ];
	int idx[2];

	node_names(l, rv[0], rv[1], br);
	for (int e = 0; e < 2; e++) {
		idx[e] = rtnl_ifindex(&d->root, rv[e]);
		if (idx[e] < 0)
			return dep_fail(d, "link %s: cannot find %s: %s", l->name, rv[e],
					strerror(-idx[e]));
		if (root_up(d, rv[e], idx[e]))
			return -1;
	}
	return join_pair(d, l, rv[0], idx[0], rv[1], idx[1], br, d->join_bridge);
}

/*
 * A tunnel tun with key to node peer, in the root namespace (egre, or
 * gretap), joined to rv, the root side of a veth, by shortbridge (or by a
 * Linux bridge br).  Phase 2 of a cross-node link, and of each of a lan's
 * tunnels.
 */
static int tunnel_join(struct dep *d, const struct link *l, uint32_t key, int peer,
		       const char *rv, const char *tun, const char *br)
{
	struct ldev dev = { .name = tun, .netns_fd = -1, .mtu = link_mtu(d, l), .up = true };
	const struct prefix *local = &d->t->nodes[d->node].underlay;
	const struct prefix *remote = &d->t->nodes[peer].underlay;
	bool v6 = remote->family == AF_INET6;
	int err, vidx, tidx, underlay;
	char to[INET6_ADDRSTRLEN];
	struct nlmsghdr *nlh;

	if (step(d, "creating a tunnel"))
		return -1;
	if (rlink_journal(d, tun))
		return -1;
	/* An egre tunnel is bound to the device its packets leave and arrive
	 * by: carrier follows it, and egre receives from it early. */
	underlay = rtnl_route_oif(&d->root, remote, local);
	nlh = nl_msg(&d->root, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	if (d->backend == BACKEND_EGRE) {
		struct egre_cfg cfg;
		struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

		ifi->ifi_flags = ifi->ifi_change = IFF_UP;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, tun);
		mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)dev.mtu);
		egre_cfg_init(&cfg);
		if (v6) {
			egre_cfg_set_v6(&cfg, &local->addr.v6, &remote->addr.v6);
		} else {
			cfg.local = local->addr.v4;
			cfg.remote = remote->addr.v4;
		}
		cfg.key = key;
		cfg.link = underlay > 0 ? underlay : 0;
		egre_put_linkinfo(nlh, &cfg);
	} else {
		rtnl_gretap_any(nlh, &dev, local, remote, key);
	}
	err = nl_talk(&d->root, nlh, NULL, NULL);
	if (err)
		return dep_fail(d, "cannot create the %s tunnel of %s %s (key %u to %s): %s",
				d->backend == BACKEND_EGRE ? "egre" : v6 ? "ip6gretap" : "gretap",
				l->kind == LINK_LAN ? "lan" : "link", l->name, key,
				addr_str(remote, to, sizeof(to)), nl_strerror(&d->root, err));
	vidx = rtnl_ifindex(&d->root, rv);
	tidx = rtnl_ifindex(&d->root, tun);
	if (vidx < 0 || tidx < 0)
		return dep_fail(d, "%s: cannot find %s or %s", l->name, rv, tun);
	if (root_up(d, rv, vidx))
		return -1;
	return join_pair(d, l, rv, vidx, tun, tidx, br, d->backend != BACKEND_EGRE);
}

/* Phase 2 of a cross-node link, in the root namespace: its tunnel, joined
 * to the veth. */
static int cross_link(struct dep *d, size_t li)
{
	struct topo *t = d->t;
	struct link *l = &t->links[li];
	struct endpoint *e0 = &l->ends[0], *e1 = &l->ends[1];
	char rv[IFNAMSIZ], tun[IFNAMSIZ], br[IFNAMSIZ];
	bool loc0 = dep_local(d, e0->host);

	if (node_link(d, l))
		return join_node_link(d, li);
	if (l->kind != LINK_P2P || loc0 == dep_local(d, e1->host))
		return 0;
	cross_names(l, rv, tun, br);
	return tunnel_join(d, l, l->key, t->hosts[(loc0 ? e1 : e0)->host].node, rv, tun, br);
}

/* Phase 2 of a lan across nodes: the tunnel to each other node with
 * members, joined to the veth of its port (lan_tunnel_port()). */
static int lan_tunnels(struct dep *d, size_t li)
{
	const struct link *l = &d->t->links[li];
	char rv[IFNAMSIZ], tun[IFNAMSIZ], br[IFNAMSIZ], port[IFNAMSIZ];

	for (int n = 0; n < (int)d->t->n_nodes; n++) {
		uint32_t key;

		if (!lan_peer(d->t, l, d->node, n))
			continue;
		key = topo_lan_key(d->t, li, d->node, n);
		lan_tunnel_names(key, rv, tun, br, port);
		if (tunnel_join(d, l, key, n, rv, tun, br))
			return -1;
	}
	return 0;
}

/* Writes a host's sysctls from inside its network namespace. */
struct sysctl_job {
	struct dep *d;
	const struct host *h;
};

static int write_sysctls(void *arg)
{
	struct sysctl_job *job = arg;

	for (size_t i = 0; i < job->h->n_sysctls; i++) {
		const struct sysctl *s = &job->h->sysctls[i];
		char path[256];
		ssize_t n;
		int fd;

		snprintf(path, sizeof(path), "/proc/sys/%s", s->key);
		for (char *c = path + 10; *c; c++)
			if (*c == '.')
				*c = '/';
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return dep_fail(job->d, "cannot set sysctl %s in %s: %s", s->key, job->h->name,
					strerror(errno));
		n = write(fd, s->value, strlen(s->value));
		if (n < 0) {
			close(fd);
			return dep_fail(job->d, "cannot set sysctl %s=%s in %s: %s", s->key, s->value,
					job->h->name, strerror(errno));
		}
		close(fd);
	}
	return 0;
}

static int end_ifindex(struct dep *d, int host, const char *ifname)
{
	size_t e;
	int l;

	if (!strcmp(ifname, "lo"))
		return 1;
	l = topo_find_end(d->t, host, ifname, &e);
	if (l >= 0 && d->ifx[l][e])
		return d->ifx[l][e];
	return rtnl_ifindex(d->h[host].nl, ifname);
}

static void queue_addr(struct dep *d, int host, int index, const struct prefix *p,
		       const char *ifname, bool add)
{
	char buf[64];
	struct nlmsghdr *nlh = nlb_msg(hbatch(d, host), add ? RTM_NEWADDR : RTM_DELADDR,
				       add ? NLM_F_CREATE | NLM_F_EXCL : 0,
				       "cannot %s address %s %s %s:%s", add ? "add" : "remove",
				       prefix_str(p, buf, sizeof(buf)), add ? "to" : "from",
				       d->t->hosts[host].name, ifname);

	rtnl_addr(nlh, index, p);
}

static void queue_route(struct dep *d, int host, const struct route *r, bool add)
{
	char dst[64], via[64];
	struct nlmsghdr *nlh;
	int oif = r->dev[0] ? end_ifindex(d, host, r->dev) : 0;

	if (r->dst.len || r->dst.family == 0)
		prefix_str(&r->dst, dst, sizeof(dst));
	else
		snprintf(dst, sizeof(dst), "default");
	if (r->via.family)
		addr_str(&r->via, via, sizeof(via));
	else
		snprintf(via, sizeof(via), "dev %s", r->dev);
	nlh = nlb_msg(hbatch(d, host), add ? RTM_NEWROUTE : RTM_DELROUTE,
		      add ? NLM_F_CREATE | NLM_F_EXCL : 0,
		      "cannot %s route %s via %s in %s", add ? "add" : "remove", dst, via,
		      d->t->hosts[host].name);
	rtnl_route(nlh, r, oif > 0 ? oif : 0);
	if (!add)
		nlb_may_fail(hbatch(d, host), -ESRCH);
}

/* Replaces the discipline on host's device index (or removes it). */
static void queue_disc(struct nl_batch *b, int index, const struct disc *disc,
		       const char *who, bool replace)
{
	struct nlmsghdr *nlh;

	if (replace) {
		nlh = nlb_msg(b, RTM_DELQDISC, 0, "cannot remove the discipline of %s", who);
		rtnl_delqdisc(nlh, index);
		/* Nothing to remove: EINVAL from a default qdisc, ENOENT from
		 * none at all. */
		nlb_may_fail(b, -ENOENT);
		if (!disc_netem(disc) && !disc_tbf(disc))
			return;
		/* the second kind of "nothing" answer */
	}
	if (disc_netem(disc)) {
		nlh = nlb_msg(b, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL,
			      "cannot set the discipline (netem) of %s", who);
		rtnl_qdisc(nlh, index, disc, false);
		if (disc_tbf(disc)) {
			nlh = nlb_msg(b, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL,
				      "cannot set the rate (tbf) of %s", who);
			rtnl_qdisc(nlh, index, disc, true);
		}
	} else if (disc_tbf(disc)) {
		nlh = nlb_msg(b, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL,
			      "cannot set the rate (tbf) of %s", who);
		rtnl_qdisc(nlh, index, disc, false);
	}
}

/*
 * Queues end e's discipline (replace: changes one already set).  A lan
 * member's is on its own device; a link end's on the root-side device
 * that carries its traffic on (disc_dev()).
 */
static int queue_end_disc(struct dep *d, size_t li, size_t e, int host_index, bool replace)
{
	struct link *l = &d->t->links[li];
	struct endpoint *ep = &l->ends[e];
	char who[96], dev[IFNAMSIZ];
	int idx;

	snprintf(who, sizeof(who), "%s:%s", ep->hname, ep->ifname);
	if (l->kind == LINK_LAN) {
		queue_disc(hbatch(d, ep->host), host_index, &ep->disc, who, replace);
		return 0;
	}
	if (!replace && !disc_netem(&ep->disc) && !disc_tbf(&ep->disc))
		return 0;
	disc_dev(d->t, l, e, dev);
	idx = rtnl_ifindex(&d->root, dev);
	if (idx < 0)
		return dep_fail(d, "link %s: cannot find %s, which carries the discipline of %s: %s",
				l->name, dev, who, strerror(-idx));
	snprintf(who, sizeof(who), "%s:%s (on %s)", ep->hname, ep->ifname, dev);
	queue_disc(rbatch(d), idx, &ep->disc, who, replace);
	return 0;
}

/* Addresses and discipline of a link's local ends. */
static int config_link(struct dep *d, size_t li)
{
	struct link *l = &d->t->links[li];
	struct nlmsghdr *nlh;

	for (size_t e = 0; e < l->n_ends; e++) {
		struct endpoint *ep = &l->ends[e];

		if (!dep_local(d, ep->host) || !d->ifx[li][e])
			continue;
		nlh = nlb_msg(hbatch(d, ep->host), RTM_NEWLINK, 0, "cannot bring %s:%s up",
			      ep->hname, ep->ifname);
		rtnl_setlink(nlh, d->ifx[li][e], NULL, 1, 0, -1);
		for (size_t k = 0; k < ep->n_addrs; k++)
			queue_addr(d, ep->host, d->ifx[li][e], &ep->addrs[k], ep->ifname, true);
		if (queue_end_disc(d, li, e, d->ifx[li][e], false))
			return -1;
	}
	return 0;
}

/* lo up and loopback addresses of a new host; its sysctls. */
static int config_host_early(struct dep *d, int hi)
{
	struct host *h = &d->t->hosts[hi];
	struct sysctl_job job = { d, h };
	struct nlmsghdr *nlh;

	if (step(d, "configuring a host"))
		return -1;
	nlh = nlb_msg(hbatch(d, hi), RTM_NEWLINK, 0, "cannot bring lo up in %s", h->name);
	rtnl_setlink(nlh, 1, NULL, 1, 0, -1);
	for (size_t k = 0; k < h->n_loopbacks; k++)
		queue_addr(d, hi, 1, &h->loopbacks[k], "lo", true);
	if (h->n_sysctls && host_in_netns(&d->h[hi], write_sysctls, &job))
		return -1;
	return 0;
}

static void config_routes(struct dep *d, int hi)
{
	struct host *h = &d->t->hosts[hi];

	for (size_t r = 0; r < h->n_routes; r++)
		queue_route(d, hi, &h->routes[r], true);
}

static int start_runs(struct dep *d, int hi)
{
	struct host *h = &d->t->hosts[hi];
	char log[PATH_MAX];

	hostdir(d->t->slice, h->name, log, sizeof(log) - 8);
	strcat(log, "/log");
	for (size_t r = 0; r < h->n_runs; r++) {
		pid_t pid = host_run(d->h[hi].pid, h->runs[r].cmd, log);

		if (pid < 0)
			return dep_fail(d, "cannot run `%s' in %s: %s", h->runs[r].cmd, h->name,
					strerror(-pid));
	}
	return 0;
}

/* Inside the switch namespace: IPv6 off for every device (lan_quiet()). */
static int switch_no_ipv6(void *arg)
{
	static const char *const paths[] = { "/proc/sys/net/ipv6/conf/default/disable_ipv6",
					     "/proc/sys/net/ipv6/conf/all/disable_ipv6" };
	struct dep *d = arg;

	for (int i = 0; i < 2; i++) {
		int fd = open(paths[i], O_WRONLY | O_CLOEXEC);

		if (fd < 0 && errno == ENOENT)
			return 0;	/* a kernel without IPv6 */
		if (fd < 0 || write(fd, "1", 1) != 1) {
			if (fd >= 0)
				close(fd);
			return dep_fail(d, "cannot turn IPv6 off in the switch namespace: %s",
					strerror(errno));
		}
		close(fd);
	}
	return 0;
}

/*
 * The switch namespace is plumbing: its bridges and ports must not speak
 * on the slice's lans, nor across nodes to the other members.  With IPv6
 * on, each would send router solicitations for ever (with backoff).
 */
static int lan_quiet(struct dep *d)
{
	int err = host_in_netns(&d->sw, switch_no_ipv6, d);

	if (err < 0 && !d->err[0])
		dep_fail(d, "cannot enter the switch namespace: %s", strerror(-err));
	return err ? -1 : 0;
}

/*
 * Builds the objects selected: hosts in hmask (new: started and fully
 * configured), links in lmask (created and configured).  Hosts not in hmask
 * must already be attached.
 */
static int build(struct dep *d, const bool *hmask, const bool *lmask)
{
	struct topo *t = d->t;
	bool want_switch = false;

	for (size_t l = 0; l < t->n_links; l++)
		want_switch |= lmask[l] && t->links[l].kind == LINK_LAN;
	if (start_hosts(d, hmask, want_switch && !d->sw.running))
		return -1;
	if (want_switch && lan_quiet(d))
		return -1;

	for (size_t l = 0; l < t->n_links; l++)
		if (lmask[l] && create_link(d, l))
			return -1;
	if (flush_all(d))
		return -1;
	for (size_t l = 0; l < t->n_links; l++)
		if (lmask[l] && (t->links[l].kind == LINK_LAN ? lan_tunnels(d, l) : cross_link(d, l)))
			return -1;

	for (size_t i = 0; i < t->n_hosts; i++)
		if (hmask[i] && config_host_early(d, (int)i))
			return -1;
	for (size_t l = 0; l < t->n_links; l++)
		if (lmask[l] && config_link(d, l))
			return -1;
	for (size_t i = 0; i < t->n_hosts; i++)
		if (hmask[i])
			config_routes(d, (int)i);
	if (flush_all(d))
		return -1;

	for (size_t i = 0; i < t->n_hosts; i++)
		if (hmask[i] && start_runs(d, (int)i))
			return -1;
	return 0;
}

int dep_up(struct dep *d)
{
	struct topo *t = d->t;
	bool *hmask = calloc(t->n_hosts + 1, 1), *lmask = calloc(t->n_links + 1, 1);
	int ret;

	for (size_t i = 0; i < t->n_hosts; i++)
		hmask[i] = dep_local(d, (int)i);
	for (size_t l = 0; l < t->n_links; l++)
		for (size_t e = 0; e < t->links[l].n_ends; e++)
			lmask[l] |= dep_local(d, t->links[l].ends[e].host);
	ret = build(d, hmask, lmask);
	free(hmask);
	free(lmask);
	return ret;
}

/* --- undo / down ------------------------------------------------------ */

static int del_root_link(struct nl *nl, const char *name)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_DELLINK, 0);
	int err;

	rtnl_dellink(nlh, 0, name);
	err = nl_talk(nl, nlh, NULL, NULL);
	return err == -ENODEV ? 0 : err;
}

int dep_undo(const char *slice, struct journal *j, bool verbose)
{
	struct nl nl;
	int ret = 0, err;

	err = nl_open(&nl, NETLINK_ROUTE);
	if (err) {
		errorf("%s: cannot open a netlink socket: %s", slice, strerror(-err));
		return -1;
	}
	for (size_t i = j->n; i-- > 0;) {
		struct jentry *e = &j->e[i];

		if (!strcmp(e->kind, "rlink")) {
			err = del_root_link(&nl, e->name);
			if (err) {
				errorf("%s: cannot delete %s: %s", slice, e->name, nl_strerror(&nl, err));
				ret = -1;
			} else if (verbose) {
				printf("%s: deleted %s\n", slice, e->name);
			}
		}
	}
	{
		const struct jentry **hosts = calloc(j->n + 1, sizeof(*hosts));
		size_t nh = 0;
		int n;

		for (size_t i = 0; i < j->n; i++)
			if (!strcmp(j->e[i].kind, "host"))
				hosts[nh++] = &j->e[i];
		n = cgroup_kill(slice, NULL);	/* every process of the slice */
		if (n < 0) {
			errorf("%s: cannot end the processes in %s: %s", slice, cgroup_dir(slice),
			       strerror(-n));
			ret = -1;
		} else if (verbose) {
			printf("%s: stopped %zu host%s (%d process%s)\n", slice, nh, nh == 1 ? "" : "s",
			       n, n == 1 ? "" : "es");
		}
		free(hosts);
	}
	nl_close(&nl);
	if (!ret)
		userns_release(slice);
	return ret;
}

/* --- apply ----------------------------------------------------------- */

static bool same_prefix(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       !memcmp(&a->addr, &b->addr, a->family == AF_INET ? 4 : 16);
}

static bool has_prefix(const struct prefix *list, size_t n, const struct prefix *p)
{
	for (size_t i = 0; i < n; i++)
		if (same_prefix(&list[i], p))
			return true;
	return false;
}

static bool same_route(const struct route *a, const struct route *b)
{
	return same_prefix(&a->dst, &b->dst) && a->via.family == b->via.family &&
	       (!a->via.family || same_prefix(&a->via, &b->via)) &&
	       !strcmp(a->dev, b->dev) && a->metric == b->metric;
}

/* Must host hi of the new topology be (re)started? */
static bool host_changed(const struct host *a, const struct host *b)
{
	if (strcmp(a->hostname, b->hostname) || a->n_files != b->n_files || a->n_runs != b->n_runs)
		return true;
	for (size_t i = 0; i < a->n_files; i++)
		if (strcmp(a->files[i].dest, b->files[i].dest) || strcmp(a->files[i].src, b->files[i].src))
			return true;
	for (size_t i = 0; i < a->n_runs; i++)
		if (strcmp(a->runs[i].cmd, b->runs[i].cmd))
			return true;
	return false;
}

static const struct jentry *jhost(const struct journal *j, const char *name)
{
	for (size_t i = 0; i < j->n; i++)
		if (!strcmp(j->e[i].kind, "host") && !strcmp(j->e[i].name, name))
			return &j->e[i];
	return NULL;
}

static void journal_drop(struct journal *j, const char *kind, const char *name)
{
	for (size_t i = 0; i < j->n; i++) {
		if (!strcmp(j->e[i].kind, kind) && !strcmp(j->e[i].name, name)) {
			memmove(&j->e[i], &j->e[i + 1], (j->n - i - 1) * sizeof(j->e[0]));
			j->n--;
			return;
		}
	}
}

/* Deletes a root-namespace device that the journal says is ours, and its
 * entry. */
static void drop_rlink(struct dep *d, const char *name)
{
	for (size_t i = 0; i < d->j.n; i++) {
		if (!strcmp(d->j.e[i].kind, "rlink") && !strcmp(d->j.e[i].name, name)) {
			del_root_link(&d->root, name);
			journal_drop(&d->j, "rlink", name);
			return;
		}
	}
}

/* Deletes a device of the switch namespace; gone already is fine. */
static void sw_del(struct dep *d, const char *name)
{
	struct nlmsghdr *nlh = nl_msg(d->sw.nl, RTM_DELLINK, 0);

	rtnl_dellink(nlh, 0, name);
	nl_talk(d->sw.nl, nlh, NULL, NULL);
}

/* Removes old lan o's part on node me of old: its tunnels, then its ports
 * (deleting one deletes its veth peer) and its bridge. */
static void remove_lan(struct dep *d, const struct topo *old, size_t o, int me)
{
	const struct link *ol = &old->links[o];
	char br[IFNAMSIZ], port[IFNAMSIZ], rv[IFNAMSIZ], tun[IFNAMSIZ];

	for (int n = 0; n < (int)old->n_nodes; n++) {
		if (!lan_peer(old, ol, me, n))
			continue;
		lan_tunnel_names(topo_lan_key(old, o, me, n), rv, tun, br, port);
		drop_rlink(d, br);
		drop_rlink(d, tun);
		drop_rlink(d, rv);
	}
	if (!d->sw.running)
		return;
	for (size_t e = 0; e < ol->n_ends; e++) {
		lan_names(ol, e, br, port);
		sw_del(d, port);
	}
	sw_del(d, br);
}

/* Is link ol of old the same wiring as link nl of new, host placement
 * included? */
static bool link_same(const struct topo *old, const struct link *ol, const struct topo *new,
		      const struct link *nl, const bool *hrestart)
{
	if (ol->kind != nl->kind || ol->n_ends != nl->n_ends || ol->mtu != nl->mtu ||
	    ol->key != nl->key || strcmp(ol->name, nl->name))
		return false;
	for (size_t e = 0; e < ol->n_ends; e++) {
		const struct endpoint *a = &ol->ends[e], *b = &nl->ends[e];
		int oh = a->host, nh = b->host;
		int on = old->hosts[oh].node, nn = new->hosts[nh].node;

		if (strcmp(a->hname, b->hname) || strcmp(a->ifname, b->ifname) || hrestart[nh])
			return false;
		if ((on < 0) != (nn < 0) ||
		    (on >= 0 && strcmp(old->nodes[on].name, new->nodes[nn].name)))
			return false;
	}
	return true;
}

int dep_apply(struct dep *d, struct topo *old)
{
	struct topo *t = d->t;
	bool *hnew = calloc(t->n_hosts + 1, 1), *lnew = calloc(t->n_links + 1, 1);
	int *lmatch = calloc(t->n_links + 1, sizeof(int));	/* new link -> old link */
	int *hmatch = calloc(t->n_hosts + 1, sizeof(int));	/* new host -> old host */
	bool *oldgone = calloc(old->n_hosts + 1, 1);
	int ret = -1, oldnode = -1;
	const struct jentry *sw;
	struct nlmsghdr *nlh;
	int changes = 0;

	if (journal_load(t->slice, &d->j)) {
		dep_fail(d, "cannot read the journal of %s", t->slice);
		goto out;
	}
	if (d->node >= 0 && old->n_nodes)
		oldnode = topo_node(old, t->nodes[d->node].name);

	/* Hosts: keep, restart or start. */
	for (size_t i = 0; i < t->n_hosts; i++) {
		int o = topo_host(old, t->hosts[i].name);
		const struct jentry *e;

		hmatch[i] = o;
		if (!dep_local(d, (int)i))
			continue;
		if (o < 0 || old->hosts[o].node != oldnode || host_changed(&old->hosts[o], &t->hosts[i]) ||
		    !(e = jhost(&d->j, t->hosts[i].name)) || !host_alive(e)) {
			hnew[i] = true;
			continue;
		}
		if (host_attach(&d->h[i], e->pid, d->rootfd)) {
			hnew[i] = true;
			continue;
		}
		d->h[i].next_index = rtnl_max_ifindex(d->h[i].nl) + 1;
		if (d->h[i].next_index < 100)
			d->h[i].next_index = 100;
	}
	for (size_t o = 0; o < old->n_hosts; o++) {
		int n = topo_host(t, old->hosts[o].name);

		if (old->hosts[o].node != oldnode)
			continue;
		oldgone[o] = n < 0 || hnew[n] || !dep_local(d, n);
	}
	sw = jhost(&d->j, SWITCH_HOST);
	if (sw && host_alive(sw) && !host_attach(&d->sw, sw->pid, d->rootfd)) {
		d->sw.next_index = rtnl_max_ifindex(d->sw.nl) + 1;
		if (d->sw.next_index < 100)
			d->sw.next_index = 100;
	}

	/* Links: match by name and wiring. */
	for (size_t l = 0; l < t->n_links; l++) {
		int o = topo_link(old, t->links[l].name);
		bool local = false;

		for (size_t e = 0; e < t->links[l].n_ends; e++)
			local |= dep_local(d, t->links[l].ends[e].host);
		lmatch[l] = -1;
		if (o >= 0 && link_same(old, &old->links[o], t, &t->links[l], hnew))
			lmatch[l] = o;
		else
			lnew[l] = local;
	}

	/* Remove old links that are gone or rewired, where their hosts stay. */
	for (size_t o = 0; o < old->n_links; o++) {
		char rv[IFNAMSIZ], tun[IFNAMSIZ], br[IFNAMSIZ], nv[2][IFNAMSIZ];
		struct link *ol = &old->links[o];
		bool kept = false;

		for (size_t l = 0; l < t->n_links; l++)
			kept |= lmatch[l] == (int)o;
		if (kept)
			continue;
		if (ol->kind == LINK_LAN) {
			remove_lan(d, old, o, oldnode);
			changes++;
			continue;
		}
		cross_names(ol, rv, tun, br);
		node_names(ol, nv[0], nv[1], br);
		for (int k = 0; k < 5; k++)
			drop_rlink(d, k == 0 ? br : k == 1 ? tun : k == 2 ? rv : nv[k - 3]);
		for (size_t e = 0; e < ol->n_ends; e++) {
			int n = topo_host(t, ol->ends[e].hname);

			if (n >= 0 && !hnew[n] && d->h[n].running) {
				nlh = nl_msg(d->h[n].nl, RTM_DELLINK, 0);
				rtnl_dellink(nlh, 0, ol->ends[e].ifname);
				nl_talk(d->h[n].nl, nlh, NULL, NULL);	/* gone already is fine */
				break;
			}
		}
		changes++;
	}

	/* Stop hosts that are gone or must restart. */
	for (size_t o = 0; o < old->n_hosts; o++) {
		const struct jentry *e = jhost(&d->j, old->hosts[o].name);
		char dir[PATH_MAX];

		if (!oldgone[o] || !e)
			continue;
		if (step(d, "stopping a host"))
			goto out;
		if (cgroup_kill(t->slice, old->hosts[o].name) < 0) {
			dep_fail(d, "cannot stop host %s: processes of its cgroup survive",
				 old->hosts[o].name);
			goto out;
		}
		journal_drop(&d->j, "host", old->hosts[o].name);
		rm_rf(hostdir(t->slice, old->hosts[o].name, dir, sizeof(dir)));
		changes++;
	}
	if (journal_save(t->slice, &d->j)) {
		dep_fail(d, "cannot rewrite the journal of %s", t->slice);
		goto out;
	}

	/* Changes to what stays: sysctls, loopbacks, addresses, disciplines,
	 * routes (removed ones first). */
	for (size_t i = 0; i < t->n_hosts; i++) {
		struct host *h = &t->hosts[i], *oh;
		struct sysctl_job job = { d, h };

		if (!dep_local(d, (int)i) || hnew[i])
			continue;
		oh = &old->hosts[hmatch[i]];
		for (size_t r = 0; r < oh->n_routes; r++) {
			bool keep = false;

			for (size_t r2 = 0; r2 < h->n_routes; r2++)
				keep |= same_route(&oh->routes[r], &h->routes[r2]);
			if (!keep) {
				queue_route(d, (int)i, &oh->routes[r], false);
				changes++;
			}
		}
		for (size_t k = 0; k < oh->n_loopbacks; k++)
			if (!has_prefix(h->loopbacks, h->n_loopbacks, &oh->loopbacks[k])) {
				queue_addr(d, (int)i, 1, &oh->loopbacks[k], "lo", false);
				changes++;
			}
		for (size_t k = 0; k < h->n_loopbacks; k++)
			if (!has_prefix(oh->loopbacks, oh->n_loopbacks, &h->loopbacks[k])) {
				queue_addr(d, (int)i, 1, &h->loopbacks[k], "lo", true);
				changes++;
			}
		if (h->n_sysctls) {
			bool same = h->n_sysctls == oh->n_sysctls;

			for (size_t k = 0; same && k < h->n_sysctls; k++)
				same = !strcmp(h->sysctls[k].key, oh->sysctls[k].key) &&
				       !strcmp(h->sysctls[k].value, oh->sysctls[k].value);
			if (!same) {
				if (host_in_netns(&d->h[i], write_sysctls, &job))
					goto out;
				changes++;
			}
		}
	}
	for (size_t l = 0; l < t->n_links; l++) {
		struct link *nl = &t->links[l], *ol;

		if (lmatch[l] < 0)
			continue;
		ol = &old->links[lmatch[l]];
		for (size_t e = 0; e < nl->n_ends; e++) {
			struct endpoint *ne = &nl->ends[e], *oe = &ol->ends[e];
			int idx;

			if (!dep_local(d, ne->host))
				continue;
			idx = rtnl_ifindex(d->h[ne->host].nl, ne->ifname);
			if (idx < 0) {
				dep_fail(d, "%s:%s is missing: %s", ne->hname, ne->ifname, strerror(-idx));
				goto out;
			}
			d->ifx[l][e] = idx;
			for (size_t k = 0; k < oe->n_addrs; k++)
				if (!has_prefix(ne->addrs, ne->n_addrs, &oe->addrs[k])) {
					queue_addr(d, ne->host, idx, &oe->addrs[k], ne->ifname, false);
					changes++;
				}
			for (size_t k = 0; k < ne->n_addrs; k++)
				if (!has_prefix(oe->addrs, oe->n_addrs, &ne->addrs[k])) {
					queue_addr(d, ne->host, idx, &ne->addrs[k], ne->ifname, true);
					changes++;
				}
			if (!disc_equal(&oe->disc, &ne->disc)) {
				if (queue_end_disc(d, l, e, idx, true))
					goto out;
				changes++;
			}
		}
	}
	if (flush_all(d))
		goto out;

	/* New hosts and links, as up builds them; then the routes of the
	 * hosts that stayed. */
	for (size_t i = 0; i < t->n_hosts; i++)
		changes += hnew[i];
	for (size_t l = 0; l < t->n_links; l++)
		changes += lnew[l];
	if (build(d, hnew, lnew))
		goto out;
	for (size_t i = 0; i < t->n_hosts; i++) {
		struct host *h = &t->hosts[i], *oh;

		if (!dep_local(d, (int)i) || hnew[i])
			continue;
		oh = &old->hosts[hmatch[i]];
		for (size_t r = 0; r < h->n_routes; r++) {
			bool had = false;

			for (size_t r2 = 0; r2 < oh->n_routes; r2++)
				had |= same_route(&h->routes[r], &oh->routes[r2]);
			if (!had) {
				queue_route(d, (int)i, &h->routes[r], true);
				changes++;
			}
		}
	}
	if (flush_all(d))
		goto out;
	printf("%s: %d change%s applied\n", t->slice, changes, changes == 1 ? "" : "s");
	ret = 0;
out:
	(void)nlh;
	free(hnew);
	free(lnew);
	free(lmatch);
	free(hmatch);
	free(oldgone);
	return ret;
}

/* --- runtime link changes ------------------------------------------- */

struct live {
	struct topo t;
	struct journal j;
	int host;
	size_t end;
	int link;
	int rootfd;
};

static int live_open(struct live *lv, const char *slice, const char *end)
{
	struct diag dg = { 0 };
	char hname[TOPO_NAME_LEN];
	const char *colon = strchr(end, ':');

	memset(lv, 0, sizeof(*lv));
	lv->rootfd = -1;
	if (!colon || colon - end >= TOPO_NAME_LEN) {
		errorf("expected HOST:INTERFACE, got `%s'", end);
		return -1;
	}
	if (!slice_exists(slice)) {
		errorf("slice %s is not up", slice);
		return -1;
	}
	if (state_topo(slice, &lv->t, &dg)) {
		diag_print(&dg);
		diag_free(&dg);
		errorf("%s: cannot read its deployed topology", slice);
		return -1;
	}
	memcpy(hname, end, (size_t)(colon - end));
	hname[colon - end] = '\0';
	lv->host = topo_host(&lv->t, hname);
	if (lv->host < 0) {
		errorf("%s: no host `%s'", slice, hname);
		return -1;
	}
	lv->link = topo_find_end(&lv->t, lv->host, colon + 1, &lv->end);
	if (lv->link < 0) {
		errorf("%s: host %s has no interface `%s'", slice, hname, colon + 1);
		return -1;
	}
	if (journal_load(slice, &lv->j))
		return -1;
	lv->rootfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	return 0;
}

static void live_close(struct live *lv)
{
	topo_free(&lv->t);
	journal_free(&lv->j);
	if (lv->rootfd >= 0)
		close(lv->rootfd);
}

/* Attaches to the named host of the live slice. */
static int live_host(struct live *lv, const char *name, struct hrt *r)
{
	const struct jentry *e = jhost(&lv->j, name);
	int err;

	if (!e || !host_alive(e)) {
		errorf("host %s is not running", name);
		return -1;
	}
	err = host_attach(r, e->pid, lv->rootfd);
	if (err) {
		errorf("cannot reach host %s: %s", name, strerror(-err));
		return -1;
	}
	return 0;
}

/* Where end's discipline is: a lan member's own device (in r), or a link
 * end's root-side device (disc_dev()). */
static int live_disc_dev(struct live *lv, struct hrt *r, struct nl *root, struct nl **on)
{
	const struct link *l = &lv->t.links[lv->link];
	char dev[IFNAMSIZ];
	int idx;

	if (l->kind == LINK_LAN) {
		if (live_host(lv, lv->t.hosts[lv->host].name, r))
			return -1;
		*on = r->nl;
		idx = rtnl_ifindex(r->nl, l->ends[lv->end].ifname);
		snprintf(dev, sizeof(dev), "%s", l->ends[lv->end].ifname);
	} else {
		*on = root;
		disc_dev(&lv->t, l, lv->end, dev);
		idx = rtnl_ifindex(root, dev);
	}
	if (idx < 0)
		errorf("%s: %s: %s", lv->t.slice, dev, strerror(-idx));
	return idx;
}

int dep_link_set(const char *slice, const char *end, const struct disc *disc)
{
	struct hrt r = { .netfd = -1 };
	struct nl root, *on;
	struct nl_batch b;
	int idx, ret = -1;
	struct live lv;

	if (nl_open(&root, NETLINK_ROUTE)) {
		errorf("cannot open a netlink socket: %m");
		return -1;
	}
	if (live_open(&lv, slice, end))
		goto out;
	idx = live_disc_dev(&lv, &r, &root, &on);
	if (idx < 0)
		goto out;
	nlb_init(&b, on);
	queue_disc(&b, idx, disc, end, true);
	if (nlb_flush(&b))
		errorf("link set %s %s: %s", slice, end, b.failed);
	else
		ret = 0;
	nlb_free(&b);
out:
	host_detach(&r);
	live_close(&lv);
	nl_close(&root);
	return ret;
}

static int set_updown(struct nl *nl, const char *name, bool up, const char *where)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWLINK, 0);
	int err;

	rtnl_setlink(nlh, 0, name, up, 0, -1);
	err = nl_talk(nl, nlh, NULL, NULL);
	if (err)
		errorf("cannot set %s %s in %s: %s", name, up ? "up" : "down", where,
		       nl_strerror(nl, err));
	return err ? -1 : 0;
}

int dep_link_updown(const char *slice, const char *end, bool up)
{
	struct hrt r = { .netfd = -1 }, peer = { .netfd = -1 };
	struct link *l;
	struct live lv;
	int ret = -1;

	if (live_open(&lv, slice, end))
		goto out;
	l = &lv.t.links[lv.link];
	if (live_host(&lv, lv.t.hosts[lv.host].name, &r))
		goto out;
	if (set_updown(r.nl, l->ends[lv.end].ifname, up, l->ends[lv.end].hname))
		goto out;
	/* The other side too, so neither end sees carrier. */
	if (l->kind == LINK_LAN) {
		char br[IFNAMSIZ], port[IFNAMSIZ];

		lan_names(l, lv.end, br, port);
		if (live_host(&lv, SWITCH_HOST, &peer) || set_updown(peer.nl, port, up, "the switch"))
			goto out;
	} else {
		struct endpoint *o = &l->ends[1 - lv.end];
		const struct jentry *e = jhost(&lv.j, o->hname);

		if (e && host_alive(e)) {
			if (live_host(&lv, o->hname, &peer) || set_updown(peer.nl, o->ifname, up, o->hname))
				goto out;
		} else {
			char rv[IFNAMSIZ], tun[IFNAMSIZ], br[IFNAMSIZ];
			struct nl nl;

			/* Across nodes: the root end of the veth. */
			cross_names(l, rv, tun, br);
			if (nl_open(&nl, NETLINK_ROUTE))
				goto out;
			ret = set_updown(&nl, rv, up, "the root namespace");
			nl_close(&nl);
			if (ret)
				goto out;
		}
	}
	ret = 0;
out:
	host_detach(&r);
	host_detach(&peer);
	live_close(&lv);
	return ret;
}
