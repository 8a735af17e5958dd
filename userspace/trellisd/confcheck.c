// SPDX-License-Identifier: GPL-2.0
/*
 * Configurations checked by their own daemons before anything is built
 * (issue 16): a BIRD file that BIRD refuses would otherwise make `up'
 * succeed and the supervisor restart BIRD forever.
 *
 * FRR 8.4 checks an integrated frr.conf without any daemon running with
 * `vtysh --dryrun -f FILE' (exit status non-zero, "line N: % MESSAGE[RC]:
 * TEXT" for each refused line); the daemons' own `-C' reads only their part
 * and exits 0 whatever it found.  BIRD 2 has `bird -p -c FILE' ("bird:
 * FILE:LINE:COL MESSAGE", status 1).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "confcheck.h"
#include "host.h"
#include "trellisd.h"

#define VTYSH	"/usr/bin/vtysh"
#define BIRD	"/usr/sbin/bird"
#define PARALLEL 4

struct job {
	size_t host;
	bool bird;
	char *file;		/* what the checker reads */
	char *name;		/* what messages call it */
	char out[64];		/* the checker's output */
	pid_t pid;
	int status;
};

static void add_line(FILE *m, const char *name, long line, long col, const char *msg,
		     const char *host, bool bird)
{
	fprintf(m, "%s:%ld", name, line);
	if (col > 0)
		fprintf(m, ":%ld", col);
	fprintf(m, ": %s (host %s, %s)\n", msg, host, bird ? "bird -p" : "vtysh --dryrun");
}

/* "line N: % MESSAGE[RC]:  TEXT" */
static bool vtysh_line(FILE *m, const char *s, const char *name, const char *host)
{
	const char *msg, *rb, *text;
	char *end, buf[512];
	long line;

	if (strncmp(s, "line ", 5))
		return false;
	line = strtol(s + 5, &end, 10);
	if (end == s + 5 || strncmp(end, ": ", 2))
		return false;
	msg = end + 2;
	if (*msg == '%')
		msg += 1 + (msg[1] == ' ');
	rb = strchr(msg, '[');
	text = rb ? strstr(rb, "]: ") : NULL;
	if (!rb || !text) {
		add_line(m, name, line, 0, msg, host, false);
		return true;
	}
	text += 3;	/* "]: ", then the line as written */
	snprintf(buf, sizeof(buf), "%.*s: `%s'", (int)(rb - msg), msg, text + strspn(text, " \t"));
	add_line(m, name, line, (long)strspn(text, " \t") + 1, buf, host, false);
	return true;
}

/* "bird: FILE:LINE:COL MESSAGE" */
static bool bird_line(FILE *m, const char *s, const char *name, const char *host)
{
	const char *c;

	if (!strncmp(s, "bird: ", 6))
		s += 6;
	for (c = strchr(s, ':'); c; c = strchr(c + 1, ':')) {
		char *e1, *e2;
		long line, col;

		line = strtol(c + 1, &e1, 10);
		if (e1 == c + 1 || *e1 != ':')
			continue;
		col = strtol(e1 + 1, &e2, 10);
		if (e2 == e1 + 1 || *e2 != ' ')
			continue;
		if (strncmp(s, "/tmp/trellis-check.", 19)) {	/* an included file */
			char fname[256];

			snprintf(fname, sizeof(fname), "%.*s", (int)(c - s), s);
			add_line(m, fname, line, col, e2 + 1, host, true);
		} else {
			add_line(m, name, line, col, e2 + 1, host, true);
		}
		return true;
	}
	return false;
}

char *confcheck_messages(const char *out, const char *name, const char *host, bool bird)
{
	char *text = NULL, *copy = strdup(out), *save = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&text, &size);

	if (!m || !copy)
		abort();
	for (char *s = strtok_r(copy, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s || (!bird && strstr(s, "/etc/frr/vtysh.conf")))
			continue;	/* vtysh run by a user who cannot read it */
		if (bird ? bird_line(m, s, name, host) : vtysh_line(m, s, name, host))
			continue;
		fprintf(m, "%s: %s (host %s, %s)\n", name, s, host, bird ? "bird -p" : "vtysh --dryrun");
	}
	fclose(m);
	free(copy);
	return text;
}

static char *slurp_fd(int fd)
{
	char *text = NULL, buf[4096];
	size_t size = 0;
	FILE *m = open_memstream(&text, &size);
	ssize_t n;

	if (!m)
		abort();
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, m);
	fclose(m);
	return text;
}

static pid_t spawn(struct job *j)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(j->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd < 0 || null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		if (nofile_restore)
			nofile_restore();
		if (j->bird)
			execl(BIRD, "bird", "-p", "-c", j->file, (char *)NULL);
		else
			execl(VTYSH, "vtysh", "--dryrun", "-f", j->file, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Runs every job, PARALLEL at a time, waiting for each by its pid (oldest
 * first): no other child of the caller is reaped. */
static void run_jobs(struct job *jobs, size_t n)
{
	size_t next = 0, done = 0;

	while (done < n) {
		while (next < n && next - done < PARALLEL) {
			jobs[next].pid = jobs[next].file ? spawn(&jobs[next]) : -1;
			if (jobs[next].pid < 0)
				jobs[next].status = -1;
			next++;
		}
		if (jobs[done].pid > 0)
			while (waitpid(jobs[done].pid, &jobs[done].status, 0) < 0 && errno == EINTR)
				;
		done++;
	}
}

static char *write_generated(const char *dir, const struct host *h, const struct routing *r,
			     bool bird)
{
	char *path;
	FILE *f;

	if (asprintf(&path, "%s/%s.%s", dir, h->name, bird ? "bird.conf" : "frr.conf") < 0)
		abort();
	f = fopen(path, "we");
	if (!f || fputs(r->text, f) < 0 || fclose(f)) {
		free(path);
		return NULL;
	}
	return path;
}

static size_t add_jobs(const struct topo *t, const char *dir, struct job *jobs)
{
	size_t n = 0;

	for (size_t hi = 0; hi < t->n_hosts; hi++) {
		const struct host *h = &t->hosts[hi];

		for (int b = 0; b < 2; b++) {
			const struct routing *r = b ? &h->bird : &h->frr;
			struct job *j = &jobs[n];

			if (!r->set)
				continue;
			memset(j, 0, sizeof(*j));
			j->host = hi;
			j->bird = b;
			if (r->text) {
				j->file = write_generated(dir, h, r, b);
				if (asprintf(&j->name, "%s[%s generated %s]", t->path, h->name,
					     b ? "bird.conf" : "frr.conf") < 0)
					abort();
			} else {
				j->file = strdup(r->config);
				j->name = strdup(r->config);
			}
			snprintf(j->out, sizeof(j->out), "%s/%zu.%d.out", dir, hi, b);
			if (!j->file || !j->name)
				abort();
			n++;
		}
	}
	return n;
}

/* One job's verdict: 0 accepted, 1 refused (messages printed). */
static int report(const struct topo *t, struct job *j)
{
	const char *host = t->hosts[j->host].name;
	int fd = open(j->out, O_RDONLY | O_CLOEXEC);
	char *out = fd >= 0 ? slurp_fd(fd) : strdup(""), *msgs;

	if (fd >= 0)
		close(fd);
	if (WIFEXITED(j->status) && WEXITSTATUS(j->status) == 0) {
		free(out);
		return 0;
	}
	if (WIFEXITED(j->status) && WEXITSTATUS(j->status) == 127) {
		warnf("%s is not installed: %s of host %s not checked", j->bird ? BIRD : VTYSH,
		      j->name, host);
		free(out);
		return 0;
	}
	msgs = confcheck_messages(out, j->name, host, j->bird);
	if (*msgs)
		fputs(msgs, stderr);
	else
		fprintf(stderr, "%s: refused by %s (status %d) (host %s)\n", j->name,
			j->bird ? "bird -p" : "vtysh --dryrun", WIFEXITED(j->status) ?
			WEXITSTATUS(j->status) : -1, host);
	free(msgs);
	free(out);
	return 1;
}

int confcheck(const struct topo *t)
{
	char dir[] = "/tmp/trellis-check.XXXXXX";
	struct job *jobs;
	size_t n;
	int bad = 0;

	if (!mkdtemp(dir)) {
		errorf("check: cannot make a temporary directory: %s", strerror(errno));
		return -1;
	}
	jobs = calloc(2 * t->n_hosts + 1, sizeof(*jobs));
	if (!jobs)
		abort();
	n = add_jobs(t, dir, jobs);
	run_jobs(jobs, n);
	for (size_t i = 0; i < n; i++) {
		bad += jobs[i].file ? report(t, &jobs[i]) : 1;
		if (!jobs[i].file)
			fprintf(stderr, "%s: cannot write it to %s\n", jobs[i].name, dir);
		unlink(jobs[i].out);
		if (jobs[i].file && !strncmp(jobs[i].file, dir, strlen(dir)))
			unlink(jobs[i].file);
		free(jobs[i].file);
		free(jobs[i].name);
	}
	rmdir(dir);
	free(jobs);
	return bad;
}
