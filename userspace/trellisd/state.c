// SPDX-License-Identifier: GPL-2.0
/* The on-disk state of deployed slices (state.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"
#include "trellisd.h"

const char *run_dir(void)
{
	const char *d = getenv("TRELLIS_RUNDIR");

	return d && *d ? d : "/run/trellis";
}

/* buf = rundir/slice/name */
static void spath(char *buf, size_t len, const char *slice, const char *name)
{
	snprintf(buf, len, "%s/%s/%s", run_dir(), slice, name);
}

const char *slice_dir(const char *slice)
{
	static char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s/%s", run_dir(), slice);
	return buf;
}

bool slice_exists(const char *slice)
{
	struct stat st;

	return !stat(slice_dir(slice), &st) && S_ISDIR(st.st_mode);
}

int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX], *c;

	snprintf(buf, sizeof(buf), "%s", path);
	for (c = buf + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*c = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

int rm_rf(const char *path)
{
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) ? -errno : 0;
	chmod(path, 0700);	/* overlayfs leaves work/work with mode 0 */
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char sub[PATH_MAX];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		rm_rf(sub);
	}
	closedir(d);
	return rmdir(path) ? -errno : 0;
}

int copy_file(const char *from, const char *to)
{
	int in, out, err = 0;
	char buf[65536];
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			err = -EIO;
			break;
		}
	if (n < 0)
		err = -errno;
	close(in);
	if (close(out) && !err)
		err = -errno;
	return err;
}

int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), err = 0;
	size_t len = strlen(text);

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		err = -errno ? -errno : -EIO;
	close(fd);
	return err;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t size = 0;
	FILE *m;
	char buf[8192];
	size_t n;

	if (!f)
		return NULL;
	m = open_memstream(&text, &size);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, m);
	fclose(m);
	fclose(f);
	return text;
}

int state_create(const struct topo *t, const char *text_path)
{
	char path[PATH_MAX], dir[PATH_MAX], src[2 * PATH_MAX + 2];
	int err;

	err = mkdir_p(run_dir(), 0755);
	if (err)
		return err;
	if (mkdir(slice_dir(t->slice), 0755))
		return -errno;
	spath(path, sizeof(path), t->slice, "topology");
	err = copy_file(text_path, path);
	if (err)
		return err;
	if (!realpath(t->dir, dir))
		snprintf(dir, sizeof(dir), "%s", t->dir);
	snprintf(src, sizeof(src), "%s\n%s\n", t->path, dir);
	spath(path, sizeof(path), t->slice, "source");
	err = write_file(path, src);
	if (err)
		return err;
	return state_write_keys(t);
}

int state_write_keys(const struct topo *t)
{
	char path[PATH_MAX], *text = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&text, &size);
	int err;

	for (size_t i = 0; i < t->n_links; i++)
		fprintf(m, "%u %s\n", t->links[i].key, t->links[i].name);
	fclose(m);
	spath(path, sizeof(path), t->slice, "keys");
	err = write_file(path, text);
	free(text);
	return err;
}

int state_mark_complete(const char *slice, bool complete)
{
	char path[PATH_MAX];

	spath(path, sizeof(path), slice, "complete");
	if (!complete)
		return unlink(path) && errno != ENOENT ? -errno : 0;
	return write_file(path, "");
}

bool state_complete(const char *slice)
{
	char path[PATH_MAX];

	spath(path, sizeof(path), slice, "complete");
	return !access(path, F_OK);
}

char **state_slices(void)
{
	DIR *d = opendir(run_dir());
	char **names = calloc(1, sizeof(char *));
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return names;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !slice_exists(de->d_name))
			continue;
		names = realloc(names, (n + 2) * sizeof(char *));
		names[n++] = strdup(de->d_name);
		names[n] = NULL;
	}
	closedir(d);
	return names;
}

int state_check_keys(const struct topo *t, bool report)
{
	char **slices = state_slices();
	int ret = 0;

	for (char **s = slices; *s; s++) {
		char path[PATH_MAX], line[256];
		FILE *f;

		if (!strcmp(*s, t->slice))
			continue;
		spath(path, sizeof(path), *s, "keys");
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			char name[200];
			unsigned int key;

			if (sscanf(line, "%u %199s", &key, name) != 2)
				continue;
			for (size_t i = 0; i < t->n_links; i++) {
				if (t->links[i].key != key)
					continue;
				if (report)
					fprintf(stderr, "%s:%d:%d: GRE key %u of `%s' is already used by `%s' of the deployed slice `%s' (set another with `key N')\n",
						t->path, t->links[i].loc.line, t->links[i].loc.col,
						key, t->links[i].name, name, *s);
				ret = -1;
			}
		}
		fclose(f);
	}
	for (char **s = slices; *s; s++)
		free(*s);
	free(slices);
	return ret;
}

static void jentry_format(const struct jentry *e, char *buf, size_t len)
{
	if (!strcmp(e->kind, "host"))
		snprintf(buf, len, "host %s %d %llu %lu %lu\n", e->name, (int)e->pid, e->start,
			 e->netino, e->mntino);
	else
		snprintf(buf, len, "%s %s\n", e->kind, e->name);
}

int journal_add(const char *slice, struct journal *j, const struct jentry *e)
{
	char path[PATH_MAX], line[256];
	ssize_t len;
	size_t i;
	int fd;

	for (i = 0; i < j->n; i++)
		if (!strcmp(j->e[i].kind, e->kind) && !strcmp(j->e[i].name, e->name))
			break;
	if (i == j->n) {
		j->e = realloc(j->e, (j->n + 1) * sizeof(*j->e));
		j->n++;
	}
	j->e[i] = *e;
	spath(path, sizeof(path), slice, "journal");
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	jentry_format(e, line, sizeof(line));
	len = (ssize_t)strlen(line);
	if (write(fd, line, (size_t)len) != len) {
		close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

int journal_load(const char *slice, struct journal *j)
{
	char path[PATH_MAX], line[256];
	FILE *f;

	memset(j, 0, sizeof(*j));
	spath(path, sizeof(path), slice, "journal");
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		struct jentry e = { 0 };
		int pid;

		if (sscanf(line, "host %63s %d %llu %lu %lu", e.name, &pid, &e.start,
			   &e.netino, &e.mntino) == 5) {
			strcpy(e.kind, "host");
			e.pid = pid;
		} else if (sscanf(line, "rlink %63s", e.name) == 1) {
			strcpy(e.kind, "rlink");
		} else {
			continue;	/* a line cut short by a crash */
		}
		/* A host's second line (its namespaces, once ready) replaces
		 * the first. */
		for (size_t i = 0; i < j->n; i++) {
			if (!strcmp(j->e[i].kind, e.kind) && !strcmp(j->e[i].name, e.name)) {
				j->e[i] = e;
				goto next;
			}
		}
		j->e = realloc(j->e, (j->n + 1) * sizeof(*j->e));
		j->e[j->n++] = e;
next:;
	}
	fclose(f);
	return 0;
}

int journal_save(const char *slice, const struct journal *j)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;

	spath(path, sizeof(path), slice, "journal");
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	for (size_t i = 0; i < j->n; i++) {
		char line[256];

		jentry_format(&j->e[i], line, sizeof(line));
		fputs(line, f);
	}
	if (fclose(f))
		return -errno;
	return rename(tmp, path) ? -errno : 0;
}

void journal_free(struct journal *j)
{
	free(j->e);
	j->e = NULL;
	j->n = 0;
}

int state_topo(const char *slice, struct topo *t, struct diag *d)
{
	char path[PATH_MAX], *src, *dir;
	int ret;

	spath(path, sizeof(path), slice, "source");
	src = read_all(path);
	if (!src) {
		memset(t, 0, sizeof(*t));
		return -1;
	}
	dir = strchr(src, '\n');
	if (dir) {
		*dir++ = '\0';
		dir[strcspn(dir, "\n")] = '\0';
	}
	spath(path, sizeof(path), slice, "topology");
	ret = topo_parse_file(t, path, dir && *dir ? dir : ".", d);
	free(src);
	return ret;
}
