/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trellisd's API (docs/api.md): one JSON object per line over the
 * daemon's Unix stream socket, encoded with json-c.  A request may carry
 * the client's stdin, stdout and stderr (SCM_RIGHTS, with its first
 * bytes); the reply says how the command ended, and an error's kind and
 * reason.
 */
#ifndef TRELLIS_API_H
#define TRELLIS_API_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <json-c/json.h>

#define API_VERSION		1
#define API_SOCKET		"/run/trellis/trellisd.sock"
#define API_GROUP		"trellis"
#define API_MAX_MESSAGE		(16 << 20)	/* a topology text fits */

enum api_kind {
	API_OK,
	API_INVALID,	/* malformed request, bad name or arguments */
	API_DENIED,	/* not the owner, not in the group, root only */
	API_QUOTA,	/* over a limit of policy.conf */
	API_FAILED,	/* the command ran and failed */
	API_VERSION_KIND,	/* a protocol version this daemon does not speak */
};

const char *api_kind_str(enum api_kind kind);

/* $TRELLIS_SOCKET, or API_SOCKET. */
const char *api_socket_path(void);

/* A buffered reader of one connection. */
struct api_conn {
	int fd;
	char *buf;
	size_t len, cap;
	int fds[3];		/* received with the first bytes, -1 if none */
	int nfds;
};

void api_conn_init(struct api_conn *c, int fd);
void api_conn_free(struct api_conn *c);	/* closes received fds, not c->fd */

/* Writes msg and "\n", with nfds descriptors attached.  0 or -errno. */
int api_send(int fd, struct json_object *msg, const int *fds, int nfds);
/* The next message, or NULL at EOF or on an error (errno: EPROTO for a
 * line that is not a JSON object, EMSGSIZE for one too long). */
struct json_object *api_recv(struct api_conn *c);

/* {"version":1,"ok":false,"status":status,"error":{"kind":..,"reason":..}} */
struct json_object *api_error(enum api_kind kind, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* {"version":1,"ok":true,"status":0} */
struct json_object *api_ok(void);

/* The string member key of o, or NULL. */
const char *api_str(struct json_object *o, const char *key);

/* Events: one object a line appended to $rundir/.events, which
 * subscribers follow.  ev gets "version", "time" and is released. */
void api_event(struct json_object *ev);
void api_event_slice(const char *slice, const char *state, long owner);
const char *api_events_path(void);

/* The commands' side of the daemon (serve.c, request.c, client.c). */
int cmd_serve(int argc, char **argv);
int cmd_events(int argc, char **argv);
/* 0 and *status if a daemon answered the command; -1 if none runs. */
int client_run(int argc, char **argv, int *status);
/* Is name a command the daemon serves?  (Others, such as help and
 * import, touch nothing of the node and always run in the client.) */
bool request_known(const char *name);
/* Serves one accepted connection (in a forked worker); never returns. */
void request_serve(int fd, const char *policy_path) __attribute__((noreturn));
/* Replies to a subscriber once it is subscribed, then sends it every
 * event from then on (events.c); never returns. */
void events_follow(int fd, uid_t uid) __attribute__((noreturn));
/* Completes or rolls back a change the last daemon left unfinished. */
void request_recover(const char *policy_path);

#endif
