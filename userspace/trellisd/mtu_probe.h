/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Path MTU probe of an underlay (mtu_probe.c): can the path from this
 * node's underlay address to a peer's carry a tunnel's whole packets
 * without fragmentation?
 *
 * Probes are ICMP (ICMPv6) echo requests that may not be fragmented, sized
 * as the whole IP packet: a peer's kernel answers them without any program
 * running there, and echo replies are not rate-limited as ICMP errors are.
 * Each size is tried MTU_PROBE_TRIES times, waiting longer each time, so a
 * slow or loaded machine is not taken for a small MTU; a size that fails
 * locally (EMSGSIZE: larger than our own device's MTU) or is answered by a
 * router's "fragmentation needed" / "packet too big" fails at once.
 */
#ifndef TRELLIS_MTU_PROBE_H
#define TRELLIS_MTU_PROBE_H

#include <stddef.h>

#include "topo.h"

#define MTU_PROBE_TRIES 3
#define MTU_PROBE_WAIT_MS 500	/* the first wait; doubled at each try */

struct mtu_probe {
	int largest;		/* the largest size answered; 0: none */
	int probes;		/* echo requests sent, for messages */
};

/*
 * Probes the path from local to remote with packets of size bytes (the IP
 * packet, header included).  Returns 1 if they pass; 0 if not, with
 * r->largest the largest size that passed (found by bisection down to the
 * smallest echo request; 0 if not even that was answered: the peer is
 * silent); -1 with a message in err if no probe could be sent at all.
 */
int mtu_probe(const struct prefix *local, const struct prefix *remote, int size,
	      struct mtu_probe *r, char *err, size_t len);

#endif
