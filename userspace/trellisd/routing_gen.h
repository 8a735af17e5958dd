/* SPDX-License-Identifier: GPL-2.0 */
/* `routing PROTOCOL': FRR and BIRD configurations from the model (routing_gen.c). */
#ifndef TRELLIS_ROUTING_GEN_H
#define TRELLIS_ROUTING_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo.h"

/* Defaults: hello 1 s, dead 4 hellos; OSPF area 0; eBGP AS 64512 + the
 * host's index in the file (4200000000 + index past 65534). */
#define RG_HELLO	1
#define RG_DEAD_HELLOS	4
#define RG_AS_BASE	64512

/* The `routing' line that applies to host hi for protocol pr: its own, else
 * the slice's; NULL if none, or if the host has `routing none' or its own
 * `frr ... config' / `bird config'. */
const struct autoroute *rg_route(const struct topo *t, size_t hi, enum rproto pr);
/* Whether host hi gets a generated configuration, and for which daemon:
 * RD_FRR, RD_BIRD, or RD_DEFAULT for none. */
enum rdaemon rg_daemon(const struct topo *t, size_t hi);
uint32_t rg_as(const struct topo *t, size_t hi);
uint32_t rg_hello(const struct autoroute *r);
uint32_t rg_dead(const struct autoroute *r);
/* Host hi's router ID: its first IPv4 loopback, else its first IPv4 link
 * address, else 0.0.N.N from its index; into buf (16 bytes). */
const char *rg_router_id(const struct topo *t, size_t hi, char *buf, size_t len);

/* The name of a generated BIRD BGP protocol: the session to end ei of link
 * li, in family (AF_INET or AF_INET6). */
void rg_bird_bgp_name(char *buf, size_t len, size_t li, size_t ei, int family);

/* Host hi's generated frr.conf or bird.conf (malloc'd), or NULL if it gets
 * none.  *daemons: the FRR daemons it needs (bit d for topo_frr_daemons[d],
 * zebra included).  Pure: the same model gives the same text. */
char *rg_config(const struct topo *t, size_t hi, uint32_t *daemons);

/* Every host that gets a configuration: its frr or bird set with the text
 * (config stays NULL), and net.ipv4.ip_forward / net.ipv6.conf.all.forwarding
 * set to 1 unless the host sets them. */
void routing_generate(struct topo *t);

#endif
