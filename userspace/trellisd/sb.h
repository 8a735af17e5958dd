/* SPDX-License-Identifier: GPL-2.0 */
/* shortbridge joins (kernel/shortbridge) over generic netlink, and the
 * "trellisd sb" subcommand. */
#ifndef TRELLIS_SB_H
#define TRELLIS_SB_H

#include <stdint.h>

#include "nl.h"

/* nl: an open NETLINK_GENERIC socket (nl.h). Return 0 or -errno; on failure
 * nl->err holds the kernel's message, with the device's name in place of
 * "first device" / "second device". */
int sb_join(struct nl *nl, int ifindex_a, int ifindex_b, uint32_t flags);
int sb_unjoin(struct nl *nl, int ifindex);

/* sb_join, with port B in the network namespace open as netns_fd (-1: the
 * socket's). The kernel refuses joins across namespaces. */
int sb_join_netns(struct nl *nl, int ifindex_a, int ifindex_b, uint32_t flags,
		  int netns_fd);

/* trellisd sb add DEV DEV [carrier-follow] [netns NAME] | del DEV | show [DEV]
 * | monitor */
int cmd_sb(int argc, char **argv);

#endif
