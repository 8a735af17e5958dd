/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtual hosts: namespaces held by a holder process.
 *
 * Each virtual host is a small process ("trellis:NAME") forked from
 * trellisd that gets a network and UTS namespace owned by its slice's user
 * namespace (userns.h) and a mount namespace of its own, sets its
 * hostname, mounts an overlay over /etc (upper directory under
 * /run/trellis/SLICE/hosts/NAME/), a fresh sysfs on /sys and a tmpfs on
 * /run, and then sleeps, reaping orphans.  The namespaces live as long as
 * the holder or any process inside them; /proc/PID/ns/ reaches them.
 * The journal records its pid, start time and namespace inodes, so a later
 * trellisd finds it again and can tell a reused pid from it; its cgroup,
 * not these, says which processes are the host's (cgroup.h).
 */
#ifndef TRELLIS_HOST_H
#define TRELLIS_HOST_H

#include <stdbool.h>
#include <sys/types.h>

#include "nl.h"
#include "state.h"

/*
 * A running host as trellisd works on it.  Nothing here holds a descriptor
 * for long: nl opens its socket inside the host when it is first used and
 * closes it again once HOST_NL_OPEN other hosts' sockets were opened after
 * it, so that a slice of thousands of hosts deploys under a small limit of
 * open files.
 */
#define HOST_NL_OPEN 64

struct hrt {
	bool running;
	pid_t pid;
	unsigned long long start;
	unsigned long netino, mntino;
	int netfd;		/* /proc/PID/ns/net once host_netfd() asked, or -1 */
	int rootfd;		/* our own netns, to come back to (the caller's) */
	struct nl *nl;		/* NETLINK_ROUTE inside, lazy (nl_lazy()); NULL if not attached */
	int next_index;		/* the ifindex to give its next interface */
};

/* Forks the holder of a host named name (etc_upper: NULL for no /etc
 * overlay), which joins the cgroup cgfd (cgroup_open()) before anything
 * else.  usernsfd: the slice's user namespace, to own the host's network
 * and UTS namespaces (-1: the machine's); idbase: the machine's id of root
 * inside it (0 without), the owner of /run.  Returns its pid, and the read end of a pipe on which it reports ""
 * when ready or an error message. */
pid_t host_fork(const char *name, const char *hostname, const char *hostdir,
		bool overlay, int cgfd, int usernsfd, uid_t idbase, int *ready_fd);
/* Waits for the holder's report; 0 or -1 with the message in err. */
int host_wait(int ready_fd, char *err, size_t len);
/* Fills r for the running holder pid: namespace inodes, a netlink socket
 * inside its netns opened when first used (rootfd: our own netns, to come
 * back to; it must stay open while r is attached). */
int host_attach(struct hrt *r, pid_t pid, int rootfd);
void host_detach(struct hrt *r);
/* The host's network namespace, opened on first call and kept until
 * host_detach() (for requests queued with it, such as a veth peer's
 * IFLA_NET_NS_FD), or -errno. */
int host_netfd(struct hrt *r);
/* Runs fn inside the host's network namespace and comes back. */
int host_in_netns(struct hrt *r, int (*fn)(void *), void *arg);

/*
 * The open-files limit.  up, apply and serve raise trellisd's soft limit to
 * the hard one (nofile_raise()); every process trellisd leaves behind or
 * starts a program in (holders, the supervisor, daemons, run and exec) gets
 * the limit trellisd was started with back (nofile_restore()): programs
 * that use select() or size tables by the limit break above 1024.
 */
void nofile_raise(void);
/* Weak: code linked without host.c (unit tests) has nothing to restore. */
void nofile_restore(void) __attribute__((weak));

/* Start time of a process (clock ticks since boot), 0 if it is gone. */
unsigned long long proc_start(pid_t pid);
/* Is the journal entry's holder still the process it names? */
bool host_alive(const struct jentry *e);

/* Joins the holder's cgroup, then setns() into its net, uts and mount
 * namespaces (for exec and run).  A host's processes are ended through its
 * cgroup (cgroup.h). */
int host_enter(pid_t pid);
/* The same, and then into the user namespace that owns the holder's
 * network namespace (the slice's, if not ours), as root inside: host_enter()
 * does that.  as_slice false stays root of the machine, for trellisd's own
 * work inside, such as installing files owned by the slice's ids. */
int host_enter_as(pid_t pid, bool as_slice);
/* Starts cmd with /bin/sh -c inside the host, output appended to log. */
pid_t host_run(pid_t holder, const char *cmd, const char *log);

/* Runs fn inside netfd's network namespace and comes back to rootfd. */
int in_netns(int netfd, int rootfd, int (*fn)(void *), void *arg);

#endif
