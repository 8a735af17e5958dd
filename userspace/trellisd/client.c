// SPDX-License-Identifier: GPL-2.0
/*
 * The command line as a client of `trellisd serve': arguments -> request,
 * reply -> exit status.  The command's own output reaches the terminal
 * directly (stdin, stdout and stderr go with the request).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "api.h"
#include "trellisd.h"

/* -1: no daemon there; -errno: one is there but will not talk to us. */
static int connect_daemon(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = api_socket_path();
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fd;
	err = errno;
	close(fd);
	return err == ENOENT || err == ECONNREFUSED ? -1 : -err;
}

static char *read_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re"), *m;
	char *text = NULL, buf[8192];
	size_t n;

	if (!f)
		return NULL;
	m = open_memstream(&text, len);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, m);
	fclose(m);
	fclose(f);
	return text;
}

/* up, apply and check take a FILE; down a SLICE or a FILE.  The daemon
 * may not be able to read it, so its text goes with the request. */
static void add_topology(struct json_object *req, int argc, char **argv)
{
	static const char *const takes[] = { "up", "apply", "check", "down", NULL };
	struct json_object *to;
	struct stat st;
	size_t len = 0;
	char *text;
	int i = 1;

	for (const char *const *t = takes; *t; t++)
		if (!strcmp(argv[0], *t))
			goto found;
	return;
found:
	while (i < argc && argv[i][0] == '-')	/* --node NAME, --backend KIND, --show */
		i += !strcmp(argv[i], "--node") || !strcmp(argv[i], "--backend") ? 2 : 1;
	if (i >= argc || stat(argv[i], &st) || !S_ISREG(st.st_mode))
		return;
	text = read_text(argv[i], &len);
	if (!text)
		return;		/* the daemon says the file cannot be read */
	to = json_object_new_object();
	json_object_object_add(to, "path", json_object_new_string(argv[i]));
	json_object_object_add(to, "text", json_object_new_string_len(text, (int)len));
	json_object_object_add(req, "topology", to);
	free(text);
}

static struct json_object *request(int argc, char **argv)
{
	struct json_object *req = json_object_new_object(), *args = json_object_new_array();
	char cwd[PATH_MAX];

	json_object_object_add(req, "version", json_object_new_int(API_VERSION));
	json_object_object_add(req, "command", json_object_new_string(argv[0]));
	for (int i = 1; i < argc; i++)
		json_object_array_add(args, json_object_new_string(argv[i]));
	json_object_object_add(req, "args", args);
	if (getcwd(cwd, sizeof(cwd)))
		json_object_object_add(req, "cwd", json_object_new_string(cwd));
	add_topology(req, argc, argv);
	return req;
}

static int print_reply(struct json_object *reply)
{
	struct json_object *v, *e;
	int status = 1;

	if (json_object_object_get_ex(reply, "status", &v))
		status = json_object_get_int(v);
	if (json_object_object_get_ex(reply, "stdout", &v))
		fputs(json_object_get_string(v), stdout);
	if (json_object_object_get_ex(reply, "stderr", &v))
		fputs(json_object_get_string(v), stderr);
	/* A command that failed said why itself, unless it was killed. */
	if (json_object_object_get_ex(reply, "error", &e) && api_str(e, "reason") &&
	    (strcmp(api_str(e, "kind"), "failed") || status > 128))
		fprintf(stderr, "trellisd: %s: %s\n", api_str(e, "kind"), api_str(e, "reason"));
	return status;
}

static int unreachable(int err)
{
	errorf("cannot reach the daemon at %s: %s%s", api_socket_path(), strerror(-err),
	       err == -EACCES ? " (only root and group " API_GROUP " may use it)" : "");
	return 1;
}

/* graph FILE reads only the caller's file and writes the caller's picture:
 * it runs here, daemon or not.  graph SLICE reads the slice's state, which
 * only root reads: the daemon draws it for its owner. */
static bool graph_of_file(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--layout"))
			i++;
		else if (argv[i][0] != '-')
			return !access(argv[i], F_OK) || strchr(argv[i], '/');
	}
	return true;	/* its usage message */
}

int client_run(int argc, char **argv, int *status)
{
	static const int stdio[3] = { 0, 1, 2 };
	struct json_object *req, *reply;
	struct api_conn c;
	int fd, err;

	if (!strcmp(argv[0], "graph") && graph_of_file(argc, argv)) {
		*status = cmd_graph(argc, argv);
		return 0;
	}
	fd = connect_daemon();
	if (fd == -1)
		return -1;
	if (fd < 0) {
		*status = unreachable(fd);
		return 0;
	}
	req = request(argc, argv);
	fflush(stdout);
	err = api_send(fd, req, stdio, 3);
	json_object_put(req);
	api_conn_init(&c, fd);
	/* Even if the request could not go: a daemon that refused the
	 * connection at once (too many of ours) left its reason. */
	reply = api_recv(&c);
	if (!reply) {
		errorf("%s: the daemon did not reply (%s)", argv[0],
		       err ? strerror(-err) : errno ? strerror(errno) : "it closed the connection");
		*status = 1;
	} else {
		*status = print_reply(reply);
		json_object_put(reply);
	}
	api_conn_free(&c);
	close(fd);
	return 0;
}

int cmd_events(int argc, char **argv)
{
	struct json_object *req, *msg;
	struct api_conn c;
	int fd, status = 0;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: trellisd events\n");
		return 2;
	}
	fd = connect_daemon();
	if (fd < 0) {
		errorf("events: no daemon answers on %s", api_socket_path());
		return 1;
	}
	req = json_object_new_object();
	json_object_object_add(req, "version", json_object_new_int(API_VERSION));
	json_object_object_add(req, "command", json_object_new_string("subscribe"));
	api_send(fd, req, NULL, 0);
	json_object_put(req);
	api_conn_init(&c, fd);
	msg = api_recv(&c);
	if (!msg || !json_object_get_boolean(json_object_object_get(msg, "ok"))) {
		status = msg ? print_reply(msg) : 1;
		goto out;
	}
	json_object_put(msg);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((msg = api_recv(&c))) {
		puts(json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN));
		json_object_put(msg);
	}
out:
	if (msg)
		json_object_put(msg);
	api_conn_free(&c);
	close(fd);
	return status;
}
