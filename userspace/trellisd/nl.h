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
	char err[256];		/* the kernel's extack message of the last failure */
	char buf[NL_BUFSIZE];
};

/* bus is NETLINK_ROUTE or NETLINK_GENERIC. Returns 0 or -errno. */
int nl_open(struct nl *nl, int bus);
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

#endif
