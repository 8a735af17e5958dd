/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one validator of names, for the topology parser, the command line
 * and the API alike.  A name that passes is safe as one path component
 * under the run directory and the slice's cgroup: never empty, `.', `..',
 * nor holding `/', control characters or bytes outside ASCII.
 */
#ifndef TRELLIS_NAMES_H
#define TRELLIS_NAMES_H

#include <stdbool.h>
#include <stddef.h>

enum name_kind {
	NAME_SLICE,
	NAME_HOST,
	NAME_NODE,
	NAME_LAN,
	NAME_IFNAME,	/* an interface: what dev_valid_name() takes, no ':' */
	NAME_DAEMON,	/* a daemon or log name: zebra, bgpd, bird, run, ... */
	NAME_HOSTNAME,	/* RFC 1123 */
};

/* Where a name may not have one of its extra characters. */
enum name_edges { EDGE_ANY, EDGE_FIRST, EDGE_BOTH };

/* "slice", "host", ... */
const char *name_kind_str(enum name_kind kind);

/* Are the n bytes at s a valid name of kind? */
bool name_valid(enum name_kind kind, const char *s, size_t n);
/* 0 if s is a valid name of kind; otherwise -1, and why (a phrase such as
 * "`/' is not allowed (letters, digits, `-' and `_')") in why[len]. */
int name_check(enum name_kind kind, const char *s, char *why, size_t len);

/* name_check() that prints "trellisd: invalid KIND name 'S': WHY" (S
 * quoted with name_quote()) and returns false on a bad name. */
bool name_arg_ok(enum name_kind kind, const char *s);

/* s for a message: printable ASCII as is, other bytes as \xHH, at most
 * about 64 characters ("..." after). */
const char *name_quote(const char *s, char *buf, size_t len);

/* The n bytes at s are 1 to max - 1 letters, digits or characters of
 * extra; with EDGE_FIRST the first, with EDGE_BOTH the first and the last,
 * a letter or digit. */
bool name_ok(const char *s, size_t n, size_t max, const char *extra, enum name_edges edges);
/* The n bytes at s are names joined by sep, each valid as name_ok() says. */
bool names_ok(const char *s, size_t n, char sep, size_t max, const char *extra,
	      enum name_edges edges);

#endif
