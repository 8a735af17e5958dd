/* SPDX-License-Identifier: GPL-2.0 */
/* A netlink socket with a request buffer, extended-ACK error messages and
 * generic netlink family lookup, on top of libmnl. */
#ifndef TRELLIS_NL_H
#define TRELLIS_NL_H

#include <libmnl/libmnl.h>
#include <stdint.h>

#define NL_BUFSIZE 65536

struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	/* A socket opened when first needed (nl_lazy()): called with sock
	 * NULL, it opens one with nl_sock_open().  0 or -errno. */
	int (*open)(struct nl *nl, void *arg);
	void *open_arg;
	char err[256];		/* the kernel's extack message of the last failure */
	char buf[NL_BUFSIZE];
};

/* libnl-3 (linked for shape.c) exports an nl_close() of its own and calls
 * it through the PLT: ours must not interpose on it. */
#define nl_close trellis_nl_close

/* bus is NETLINK_ROUTE or NETLINK_GENERIC. Returns 0 or -errno. */
int nl_open(struct nl *nl, int bus);
/* No socket yet: nl_talk() and nlb_flush() call open(nl, arg) whenever nl
 * has none, first or after nl_close() (to bound the descriptors held). */
void nl_lazy(struct nl *nl, int (*open)(struct nl *nl, void *arg), void *arg);
/* Opens a socket for nl, keeping its sequence numbers, buffer and error. */
int nl_sock_open(struct nl *nl, int bus);
void nl_close(struct nl *nl);

/* Starts a request of the given type in nl->buf; NLM_F_REQUEST | NLM_F_ACK
 * are added to flags. */
struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags);

/* Sends nlh and reads replies until its ACK (or NLMSG_DONE for a dump),
 * handing every data message to cb. Returns 0, or -errno with the kernel's
 * extack message (if any) in nl->err. */
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* "strerror(-err): extack message" for the last failure. */
const char *nl_strerror(struct nl *nl, int err);

/* Generic netlink: starts a request to family id with cmd, version 1. */
struct nlmsghdr *genl_msg(struct nl *nl, uint16_t family, uint8_t cmd, uint16_t flags);

/* Resolves a generic netlink family name. Returns its id (> 0) or -errno. */
int genl_family(struct nl *nl, const char *name);

/* The id of a family's multicast group, or -errno (-ENOENT: no such family
 * or group). */
int genl_group(struct nl *nl, const char *family, const char *group);

/*
 * Batches: many requests in one sendmsg(), every ACK collected.  The kernel
 * handles the requests of one batch in order, each with its own ACK, so a
 * failed request does not stop the later ones: nlb_flush() reports the
 * first failure, with the description given to nlb_msg().  Messages are
 * flushed automatically when the batch is full; an error found then is kept
 * and returned by the next nlb_flush().
 */
#define NLB_MAX 64		/* requests per sendmsg; their ACKs fit the socket buffer */
#define NLB_DESC 160

struct nl_batch {
	struct nl *nl;
	char *buf;
	size_t len;		/* bytes of the messages before last */
	struct nlmsghdr *last;	/* the message being built */
	int n;
	int err;		/* the first failure, sticky */
	char failed[NLB_DESC + 300];	/* "description: strerror: extack" */
	char desc[NLB_MAX][NLB_DESC];
	int ok_err[NLB_MAX];	/* an error that counts as success */
	unsigned int seqs[NLB_MAX];	/* not contiguous: nl_talk() may run between */
};

void nlb_init(struct nl_batch *b, struct nl *nl);
void nlb_free(struct nl_batch *b);
/* Starts a request; NLM_F_REQUEST | NLM_F_ACK are added to flags. desc says
 * what it does, for the error message ("cannot add address ... to r1:eth0"). */
struct nlmsghdr *nlb_msg(struct nl_batch *b, uint16_t type, uint16_t flags,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Marks the last request as allowed to fail with err (e.g. -ENOENT when
 * deleting something that may be gone). */
void nlb_may_fail(struct nl_batch *b, int err);
/* Sends what is queued and collects the ACKs. Returns 0 or the first error
 * (-errno), described in b->failed. */
int nlb_flush(struct nl_batch *b);

#endif
