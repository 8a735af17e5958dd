/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One user namespace per slice (userns.c).
 *
 * Each slice is given a slot, and with it a range of 65536 of the node's
 * uids and gids: USERNS_BASE + 65536 * slot onwards.  The slice's hosts
 * run in a user namespace mapping ids 0..65535 inside onto that range, so
 * root inside a host (and FRR's user frr, uid 0..65535 like every user of
 * the machine's /etc/passwd) is an unprivileged user of the node, and two
 * slices never share an id.
 *
 * A slot is claimed by creating $rundir/.userns/SLOT (O_EXCL: two trellisd
 * runs cannot take one slot) holding the slice's name; the slice records it
 * in $rundir/SLICE/userns.  The namespace itself is held by the network
 * namespaces it owns (the hosts'); a slice whose hosts are all gone gets a
 * new one with the same mapping.
 */
#ifndef TRELLIS_USERNS_H
#define TRELLIS_USERNS_H

#include <sys/types.h>

#define USERNS_BASE	0x10000000u
#define USERNS_SIZE	65536u
#define USERNS_SLOTS	4096

/* The node's id that id inside slot's user namespace maps to. */
static inline uid_t userns_id(int slot, unsigned int id)
{
	return USERNS_BASE + USERNS_SIZE * (unsigned int)slot + id;
}

/* Claims a free slot for slice, or returns the one it holds: >= 0 or -errno. */
int userns_claim(const char *slice);
/* The slot slice holds, or -errno (-ENOENT: none). */
int userns_slot(const char *slice);
/* Gives slice's slot back. */
void userns_release(const char *slice);

/* A new user namespace mapping 0..65535 onto slot's range: an fd, or -errno. */
int userns_create(int slot);
/* The user namespace that owns the namespace open as nsfd: an fd, or -errno. */
int userns_owner(int nsfd);
/* Does the namespace open as nsfd belong to a user namespace other than
 * ours?  1, 0, or -errno. */
int userns_foreign(int nsfd);
/* Enters the user namespace usernsfd as its root: uid and gid 0 inside, no
 * supplementary groups.  0 or -errno. */
int userns_join(int usernsfd);

#endif
