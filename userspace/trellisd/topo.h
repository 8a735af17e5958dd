/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The topology data model: what a topology file says, after parsing and
 * validation (parse.c).  The language is described in docs/topology.md.
 *
 * A file describes exactly one slice.  Everything is held in flat arrays;
 * cross references are indices (host index, node index), resolved and
 * checked before topo_parse() returns.
 */
#ifndef TRELLIS_TOPO_H
#define TRELLIS_TOPO_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOPO_NAME_LEN	32	/* slice, host, node and lan names, with NUL */
#define TOPO_IFNAME_LEN	16	/* IFNAMSIZ */
#define TOPO_HOSTNAME_LEN 65

/* Where in the file a statement or token was. */
struct loc {
	int line, col;
};

struct prefix {
	int family;		/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	} addr;
	uint8_t len;
};

struct tnode {
	char name[TOPO_NAME_LEN];
	struct in_addr underlay;
	int capacity;		/* 0: unlimited */
	uint64_t reservable_bps;	/* `reservable RATE'; 0: none declared */
	struct loc loc;
};

/*
 * A bandwidth reservation of a link across nodes (docs/reservations.md):
 * `reserve min RATE [max RATE]', `reserve max RATE', `reserve static RATE'.
 * The same rates hold in each direction, on each node's underlay.
 */
struct resv {
	bool set;
	uint64_t min_bps;	/* 0: no guaranteed minimum */
	uint64_t max_bps;	/* 0: up to the node's reservable capacity */
	struct loc loc;
};

struct sysctl {
	char key[128];		/* net.ipv4.ip_forward */
	char value[128];
	struct loc loc;
};

struct route {
	struct prefix dst;
	struct prefix via;	/* family 0: no gateway */
	char dev[TOPO_IFNAME_LEN];	/* "": none */
	uint32_t metric;
	struct loc loc;
};

struct run {
	char *cmd;		/* the rest of the line, for /bin/sh -c */
	struct loc loc;
};

struct file_ent {
	char dest[256];		/* absolute path under /etc */
	char *src;		/* resolved against the topology file's directory */
	struct loc loc;
};

/* How the supervisor treats a daemon that exits (daemon.c). */
enum restart_policy { RESTART_ON_FAILURE, RESTART_ALWAYS, RESTART_NEVER };

/* `frr DAEMON... config FILE' or `bird config FILE', with an optional
 * `restart always|on-failure|never' (default on-failure). */
struct routing {
	bool set;
	char *config;		/* resolved against the topology file's directory */
	uint32_t daemons;	/* FRR: bit d for topo_frr_daemons[d]; zebra always */
	enum restart_policy restart;
	struct loc loc;
};

/* FRR's daemons, in start order (zebra first); NULL-terminated. */
extern const char *const topo_frr_daemons[];

struct host {
	char name[TOPO_NAME_LEN];
	char hostname[TOPO_HOSTNAME_LEN];
	int node;		/* index into topo.nodes, or -1: this machine */
	char node_name[TOPO_NAME_LEN];	/* as written ("" if not given) */
	struct sysctl *sysctls;
	size_t n_sysctls;
	struct prefix *loopbacks;
	size_t n_loopbacks;
	struct route *routes;
	size_t n_routes;
	struct run *runs;
	size_t n_runs;
	struct file_ent *files;
	size_t n_files;
	struct routing frr, bird;	/* daemon.c runs them */
	struct loc loc;
	struct loc node_loc;
};

/* A link discipline, on the egress of one device (one direction). */
struct disc {
	bool set;
	bool specific;		/* given for this end, not with `both' */
	uint64_t delay_ns, jitter_ns;
	double loss, duplicate, reorder, corrupt;	/* percent */
	uint64_t rate_bps;	/* bits per second; 0: unlimited */
	uint32_t limit;		/* netem queue length in packets; 0: default */
	struct loc loc;
};

/* One end of a link or lan: a host's interface. */
struct endpoint {
	int host;
	char hname[TOPO_NAME_LEN];	/* as written, until resolved */
	char ifname[TOPO_IFNAME_LEN];
	struct prefix *addrs;
	size_t n_addrs;
	struct disc disc;	/* traffic leaving the host on this interface */
	struct loc loc;
	struct loc addr_loc;	/* the first `addr' statement for this end */
};

enum link_kind { LINK_P2P, LINK_LAN };

struct link {
	enum link_kind kind;
	char name[96];		/* lans: their name; p2p: "h1:if1-h2:if2" */
	struct endpoint *ends;
	size_t n_ends;
	int mtu;		/* 0: default (1500, less the tunnel overhead across nodes) */
	uint32_t key;		/* GRE key for cross-node parts */
	bool key_set;		/* given explicitly with `key N' */
	struct resv resv;	/* its own `reserve' line, if any */
	struct loc loc;
	struct loc key_loc;
};

struct topo {
	char *path;		/* as given */
	char *dir;		/* its directory: relative paths start here */
	char slice[TOPO_NAME_LEN];
	struct loc slice_loc;
	struct tnode *nodes;
	size_t n_nodes;
	struct host *hosts;
	size_t n_hosts;
	struct link *links;
	size_t n_links;
	struct resv resv;	/* top-level `reserve': the default of every link across nodes */
};

/* The reservation link li asks for: its own, else the slice's default if it
 * crosses nodes; NULL if none. */
const struct resv *topo_link_resv(const struct topo *t, size_t li);

/* Error list: every error found, each "file:line:col: message". */
struct diag {
	char **msgs;
	size_t n;
	bool capped;		/* stopped at the cap: more errors not shown */
};

/*
 * Parses and validates a whole topology from text.  path names it in error
 * messages; dir resolves relative file names (NULL: the directory of path);
 * t->dir and every file named (file sources, daemon configs) are made
 * absolute.  Returns 0, or -1 with every error found in d, at most 50 and
 * a last "too many errors, stopping" (the topology is then freed).
 */
int topo_parse_text(struct topo *t, const char *text, const char *path,
		    const char *dir, struct diag *d);
/* The same, from len bytes that may hold a NUL (an error at its place). */
int topo_parse_buf(struct topo *t, const char *text, size_t len, const char *path,
		   const char *dir, struct diag *d);
/* The same, reading the file. */
int topo_parse_file(struct topo *t, const char *path, const char *dir,
		    struct diag *d);
void topo_free(struct topo *t);
void diag_free(struct diag *d);
void diag_print(const struct diag *d);

/* Lookups; -1 if absent. */
int topo_host(const struct topo *t, const char *name);
int topo_node(const struct topo *t, const char *name);
int topo_link(const struct topo *t, const char *name);
/* The link and end holding host:ifname; returns the link index or -1. */
int topo_find_end(const struct topo *t, int host, const char *ifname, size_t *end);

/* The deterministic GRE key of a link (FNV-1a of the slice name and the link
 * name); never 0. */
uint32_t topo_link_key(const char *slice, const char *link);

/* Formatting helpers. */
const char *prefix_str(const struct prefix *p, char *buf, size_t len);	/* "10.0.0.1/30" */
const char *addr_str(const struct prefix *p, char *buf, size_t len);	/* "10.0.0.1" */
int prefix_parse(const char *s, struct prefix *p, bool need_len);	/* 0 or -1 */

/* Parses discipline options given as arguments (trellisd link set). */
int disc_parse_args(int argc, char **argv, struct disc *d, struct diag *dg);

/* Edit distance, for "did you mean" hints. */
const char *closest_word(const char *word, const char *const *words);

/* Link MTU over GRE: 1500 less outer IPv4 (20) + GRE with key (8) + inner
 * Ethernet (14). */
#define TUNNEL_OVERHEAD 42
#define DEFAULT_MTU 1500

#endif
