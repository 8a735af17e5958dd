// SPDX-License-Identifier: GPL-2.0
/* The API's codec and transport (api.h, docs/api.md). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "state.h"

static const char *const kinds[] = {
	[API_OK] = "ok",
	[API_INVALID] = "invalid",
	[API_DENIED] = "denied",
	[API_QUOTA] = "quota",
	[API_FAILED] = "failed",
	[API_VERSION_KIND] = "version",
};

const char *api_kind_str(enum api_kind kind)
{
	return kinds[kind];
}

const char *api_socket_path(void)
{
	const char *p = getenv("TRELLIS_SOCKET");

	return p && *p ? p : API_SOCKET;
}

void api_conn_init(struct api_conn *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->fds[0] = c->fds[1] = c->fds[2] = -1;
}

void api_conn_free(struct api_conn *c)
{
	for (int i = 0; i < c->nfds; i++)
		if (c->fds[i] >= 0)
			close(c->fds[i]);
	c->nfds = 0;
	free(c->buf);
	c->buf = NULL;
}

int api_send(int fd, struct json_object *msg, const int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} u;
	const char *text = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN);
	struct iovec iov[2] = {
		{ .iov_base = (void *)text, .iov_len = strlen(text) },
		{ .iov_base = "\n", .iov_len = 1 },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	size_t left = iov[0].iov_len + 1;

	if (nfds > 0) {
		struct cmsghdr *cm;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
	}
	while (left) {
		ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		left -= (size_t)n;
		mh.msg_control = NULL;	/* the descriptors went with the first bytes */
		mh.msg_controllen = 0;
		while (n > 0 && mh.msg_iovlen) {
			size_t k = (size_t)n < mh.msg_iov->iov_len ? (size_t)n : mh.msg_iov->iov_len;

			mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + k;
			mh.msg_iov->iov_len -= k;
			n -= (ssize_t)k;
			if (!mh.msg_iov->iov_len) {
				mh.msg_iov++;
				mh.msg_iovlen--;
			}
		}
	}
	return 0;
}

static void take_fds(struct api_conn *c, struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t n;
		int *fd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		fd = (int *)CMSG_DATA(cm);
		for (size_t i = 0; i < n; i++) {
			if (c->nfds < 3)
				c->fds[c->nfds++] = fd[i];
			else
				close(fd[i]);	/* more than stdio: not ours to keep */
		}
	}
}

/* Reads more bytes into c->buf; 0 at EOF, -1 on errors. */
static ssize_t fill(struct api_conn *c)
{
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	ssize_t n;

	if (c->cap - c->len < 4096) {
		c->cap = c->cap ? c->cap * 2 : 65536;
		c->buf = realloc(c->buf, c->cap);
		if (!c->buf)
			abort();
	}
	iov.iov_base = c->buf + c->len;
	iov.iov_len = c->cap - c->len - 1;
	do
		n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		take_fds(c, &mh);
		c->len += (size_t)n;
	}
	return n;
}

struct json_object *api_recv(struct api_conn *c)
{
	char *nl;

	while (!(nl = c->len ? memchr(c->buf, '\n', c->len) : NULL)) {
		ssize_t n;

		if (c->len > API_MAX_MESSAGE) {
			errno = EMSGSIZE;
			return NULL;
		}
		n = fill(c);
		if (n <= 0) {
			if (!n)
				errno = c->len ? EPROTO : 0;
			return NULL;
		}
	}
	{
		struct json_tokener *tok = json_tokener_new();
		size_t line = (size_t)(nl - c->buf);
		struct json_object *o;

		if (!tok)
			abort();
		o = json_tokener_parse_ex(tok, c->buf, (int)line);
		if (o && (json_tokener_get_parse_end(tok) != line ||
			  !json_object_is_type(o, json_type_object))) {
			json_object_put(o);
			o = NULL;
		}
		json_tokener_free(tok);
		memmove(c->buf, nl + 1, c->len - line - 1);
		c->len -= line + 1;
		if (!o)
			errno = EPROTO;
		return o;
	}
}

const char *api_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *reply(bool ok, int status)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "version", json_object_new_int(API_VERSION));
	json_object_object_add(r, "ok", json_object_new_boolean(ok));
	json_object_object_add(r, "status", json_object_new_int(status));
	return r;
}

struct json_object *api_ok(void)
{
	return reply(true, 0);
}

struct json_object *api_error(enum api_kind kind, int status, const char *fmt, ...)
{
	struct json_object *r = reply(false, status), *e = json_object_new_object();
	char *reason = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&reason, fmt, ap) < 0)
		abort();
	va_end(ap);
	json_object_object_add(e, "kind", json_object_new_string(api_kind_str(kind)));
	json_object_object_add(e, "reason", json_object_new_string(reason));
	json_object_object_add(r, "error", e);
	free(reason);
	return r;
}

const char *api_events_path(void)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/.events", run_dir());
	return path;
}

void api_event(struct json_object *ev)
{
	struct timespec ts;
	const char *text;
	char *line;
	int fd;

	clock_gettime(CLOCK_REALTIME, &ts);
	json_object_object_add(ev, "version", json_object_new_int(API_VERSION));
	json_object_object_add(ev, "time",
			       json_object_new_double((double)ts.tv_sec + ts.tv_nsec / 1e9));
	text = json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN);
	if (asprintf(&line, "%s\n", text) < 0)
		abort();
	mkdir_p(run_dir(), RUNDIR_MODE);
	/* O_APPEND: each line lands whole after the others, whoever writes. */
	fd = open(api_events_path(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd >= 0) {
		ssize_t n = write(fd, line, strlen(line));

		(void)n;	/* events are best effort: the change is made */
		close(fd);
	}
	free(line);
	json_object_put(ev);
}

void api_event_slice(const char *slice, const char *state, long owner)
{
	struct json_object *ev = json_object_new_object();

	json_object_object_add(ev, "event", json_object_new_string("slice"));
	json_object_object_add(ev, "slice", json_object_new_string(slice));
	json_object_object_add(ev, "state", json_object_new_string(state));
	if (owner >= 0)
		json_object_object_add(ev, "owner", json_object_new_int64(owner));
	api_event(ev);
}
