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
#include <time.h>
#include <unistd.h>

#include "state.h"
#include "trellisd.h"

const char *run_dir(void)
{
	const char *d = getenv("TRELLIS_RUNDIR");

	return d && *d ? d : "/run/trellis";
}

/*
 * Who may read what.  The run directory is RUNDIR_MODE: anyone may reach
 * the daemon's socket in it, no one else may list it.  A slice's directory
 * is SLICE_MODE, root's alone: its topology, journal and logs are its
 * owner's business, and the owner reads them through the daemon (logs,
 * status, graph), which reads them as root.  Nothing under it is opened
 * by path from inside a host: the /etc overlay was mounted by root, and
 * daemons and `run' commands get their logs as open descriptors.
 */
int state_private(void)
{
	char **slices = state_slices();
	int err = 0;

	if (chmod(run_dir(), RUNDIR_MODE) && errno != ENOENT)
		err = -errno;
	for (char **s = slices; *s; s++) {
		if (chmod(slice_dir(*s), SLICE_MODE) && !err)
			err = -errno;
		free(*s);
	}
	free(slices);
	return err;
}

/*
 * One lock for all state: a POSIX record lock on $rundir/.lock.  One lock,
 * not one per slice, because up and apply check a slice against all the
 * others (GRE keys, reservations, root-namespace device names), so work on
 * two slices is not independent.  A record lock, not flock(), because it
 * belongs to the process: the holders and the supervisor forked while it
 * is held do not inherit it, and it goes when trellisd exits or dies.
 */
static int lock_fd = -1;
static pid_t lock_pid;

static int lock_wait_s(void)
{
	const char *w = getenv("TRELLIS_LOCK_WAIT");

	return w && *w ? atoi(w) : 600;
}

/* Is fd no longer the file at path? */
static bool lock_gone(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) || stat(path, &b) || a.st_dev != b.st_dev || a.st_ino != b.st_ino;
}

int state_lock(const char *verb)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	char path[PATH_MAX];
	int err, waited = 0;

	if (lock_fd >= 0)
		return 0;
	err = mkdir_p(run_dir(), RUNDIR_MODE);
	snprintf(path, sizeof(path), "%s/.lock", run_dir());
	lock_fd = err ? -1 : open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock_fd < 0) {
		errorf("%s: cannot open %s: %s", verb, path, strerror(err ? -err : errno));
		return -1;
	}
again:
	for (long i = 0; fcntl(lock_fd, F_SETLK, &fl); i++) {
		struct flock who = fl;

		if (errno != EAGAIN && errno != EACCES) {
			errorf("%s: cannot lock %s: %m", verb, path);
			goto fail;
		}
		if (i * 20 >= lock_wait_s() * 1000L) {
			errorf("%s: another trellisd still holds %s after %d s; nothing changed",
			       verb, path, lock_wait_s());
			goto fail;
		}
		if (!waited && !fcntl(lock_fd, F_GETLK, &who) && who.l_type != F_UNLCK) {
			fprintf(stderr, "trellisd: %s: waiting for the lock, held by pid %d\n",
				verb, (int)who.l_pid);
			waited = 1;
		}
		nanosleep(&ts, NULL);
	}
	if (lock_gone(lock_fd, path)) {
		/* state_tidy() of the run before us removed it (and maybe
		 * the run directory). */
		close(lock_fd);
		mkdir_p(run_dir(), RUNDIR_MODE);
		lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (lock_fd >= 0)
			goto again;
		errorf("%s: cannot open %s: %m", verb, path);
		return -1;
	}
	if (lock_pid != getpid())
		atexit(state_tidy);	/* a refused command leaves no lock file */
	lock_pid = getpid();
	return 0;
fail:
	close(lock_fd);
	lock_fd = -1;
	return -1;
}

void state_tidy(void)
{
	char path[PATH_MAX];
	char **slices;
	bool none;

	if (lock_fd < 0 || getpid() != lock_pid)
		return;	/* not ours: a child forked while it was held */
	slices = state_slices();
	none = !slices[0];
	for (char **s = slices; *s; s++)
		free(*s);
	free(slices);
	if (!none)
		return;
	/* Whoever waits on the lock sees it unlinked and makes a new one. */
	snprintf(path, sizeof(path), "%s/.lock", run_dir());
	unlink(path);
	rmdir(run_dir());
}

void state_unlock(void)
{
	if (lock_fd >= 0)
		close(lock_fd);	/* releases the record lock */
	lock_fd = -1;
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

/* Makes a renamed or created entry of dir durable. */
static void sync_dir(const char *path)
{
	char dir[PATH_MAX], *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Opens a temporary file beside path for atomic_commit(); mode is applied
 * exactly (not masked by the umask). */
static int atomic_open(const char *path, mode_t mode, char *tmp, size_t len)
{
	int fd;

	snprintf(tmp, len, "%s.tmp.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode)) {
		int err = -errno;

		close(fd);
		unlink(tmp);
		return err;
	}
	return fd;
}

/* Flushes and closes fd, and renames tmp over path; or removes tmp if err
 * (or any of it fails).  Returns 0 or -errno. */
static int atomic_commit(int fd, const char *tmp, const char *path, int err)
{
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	sync_dir(path);
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int copy_file(const char *from, const char *to)
{
	char buf[65536], tmp[PATH_MAX + 16];
	int in, out, err = 0;
	struct stat st;
	ssize_t n;

	/* As the daemon's client (request.c; absent from unit tests). */
	in = src_open ? src_open(from, O_RDONLY | O_CLOEXEC) : open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	if (fstat(in, &st)) {
		err = -errno;
		close(in);
		return err;
	}
	out = atomic_open(to, st.st_mode & 07777, tmp, sizeof(tmp));
	if (out < 0) {
		close(in);
		return out;
	}
	while (!err && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		err = n < 0 ? -errno : write_all(out, buf, (size_t)n);
	}
	close(in);
	return atomic_commit(out, tmp, to, err);
}

int write_file(const char *path, const char *text)
{
	char tmp[PATH_MAX + 16];
	int fd = atomic_open(path, 0644, tmp, sizeof(tmp));

	if (fd < 0)
		return fd;
	return atomic_commit(fd, tmp, path, write_all(fd, text, strlen(text)));
}

/* The whole file, as root (plain fopen: never the client's src_fopen);
 * its length in *len if len. */
static char *read_all(const char *path, size_t *len)
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
	if (len)
		*len = size;
	return text;
}

int state_create(const struct topo *t, const char *text_path)
{
	char path[PATH_MAX], dir[PATH_MAX], src[2 * PATH_MAX + 2];
	int err;

	err = mkdir_p(run_dir(), RUNDIR_MODE);
	if (err)
		return err;
	if (mkdir(slice_dir(t->slice), SLICE_MODE))
		return -errno;
	/* Exactly, whatever the umask. */
	if (chmod(slice_dir(t->slice), SLICE_MODE))
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

/* Calls fn for each key of t: every link's and lan's, and every tunnel key
 * of a lan across nodes (named LAN/A-B). */
static void each_key(const struct topo *t, void (*fn)(uint32_t, const char *, size_t, void *),
		     void *arg)
{
	for (size_t i = 0; i < t->n_links; i++) {
		const struct link *l = &t->links[i];
		char name[sizeof(l->name) + 2 * TOPO_NAME_LEN + 2];

		fn(l->key, l->name, i, arg);
		for (int a = 0; l->kind == LINK_LAN && a < (int)t->n_nodes; a++)
			for (int b = a + 1; b < (int)t->n_nodes && topo_lan_on(t, l, a); b++) {
				if (!topo_lan_on(t, l, b))
					continue;
				snprintf(name, sizeof(name), "%s/%s-%s", l->name, t->nodes[a].name,
					 t->nodes[b].name);
				fn(topo_lan_key(t, i, a, b), name, i, arg);
			}
	}
}

static void print_key(uint32_t key, const char *name, size_t li, void *m)
{
	(void)li;
	fprintf(m, "%u %s\n", key, name);
}

int state_write_keys(const struct topo *t)
{
	char path[PATH_MAX], *text = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&text, &size);
	int err;

	each_key(t, print_key, m);
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

static bool (*visible)(const char *slice);

void state_view(bool (*fn)(const char *slice))
{
	visible = fn;
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
		if (de->d_name[0] == '.' || !slice_exists(de->d_name) ||
		    (visible && !visible(de->d_name)))
			continue;
		names = realloc(names, (n + 2) * sizeof(char *));
		names[n++] = strdup(de->d_name);
		names[n] = NULL;
	}
	closedir(d);
	return names;
}

/* The file's GRE keys, sorted: one lookup per deployed key instead of a
 * scan of the file's (a check beside deployed slices of thousands of links
 * was quadratic). */
struct fkey {
	uint32_t key;
	size_t li, seq;
	char *name;
};

struct fkeys {
	struct fkey *k;
	size_t n, cap;
};

static void collect_key(uint32_t key, const char *name, size_t li, void *arg)
{
	struct fkeys *fk = arg;

	if (fk->n == fk->cap) {
		fk->cap = fk->cap ? 2 * fk->cap : 64;
		fk->k = realloc(fk->k, fk->cap * sizeof(*fk->k));
		if (!fk->k)
			abort();
	}
	fk->k[fk->n] = (struct fkey){ .key = key, .li = li, .seq = fk->n, .name = strdup(name) };
	fk->n++;
}

static int fkey_cmp(const void *a, const void *b)
{
	const struct fkey *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The first of the file's keys equal to key, or fk->n. */
static size_t fkey_find(const struct fkeys *fk, uint32_t key)
{
	size_t lo = 0, hi = fk->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fk->k[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Reports every key of the file equal to a deployed slice's key line. */
static int check_key_line(const struct topo *t, const struct fkeys *fk, const char *slice,
			  const char *line, bool report)
{
	char other[200];
	unsigned int key;
	int ret = 0;

	if (sscanf(line, "%u %199s", &key, other) != 2)
		return 0;
	for (size_t i = fkey_find(fk, key); i < fk->n && fk->k[i].key == key; i++) {
		const struct link *l = &t->links[fk->k[i].li];

		if (report)
			fprintf(stderr, "%s:%d:%d: GRE key %u of `%s' is already used by `%s' of the deployed slice `%s' (set another with `key N')\n",
				t->path, l->loc.line, l->loc.col, key, fk->k[i].name, other, slice);
		ret = -1;
	}
	return ret;
}

int state_check_keys(const struct topo *t, bool report)
{
	char **slices = state_slices();
	struct fkeys fk = { 0 };
	int ret = 0;

	each_key(t, collect_key, &fk);
	if (fk.n)
		qsort(fk.k, fk.n, sizeof(*fk.k), fkey_cmp);
	for (char **s = slices; *s; s++) {
		char path[PATH_MAX], line[256];
		FILE *f;

		if (!strcmp(*s, t->slice))
			continue;
		spath(path, sizeof(path), *s, "keys");
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			ret |= check_key_line(t, &fk, *s, line, report);
		fclose(f);
	}
	for (char **s = slices; *s; s++)
		free(*s);
	free(slices);
	for (size_t i = 0; i < fk.n; i++)
		free(fk.k[i].name);
	free(fk.k);
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

/* Appends line to the journal at path as one write, and makes it durable
 * before the action it records.  If a crash cut the last line short, a
 * marker first ends it so that it never scans as a whole entry (a number
 * cut short would). */
static int journal_append(const char *path, const char *line)
{
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644), err;
	char buf[JOURNAL_LINE_MAX + sizeof(JOURNAL_TORN)], last = '\n';
	struct stat st;

	if (fd < 0)
		return -errno;
	if (!fstat(fd, &st) && st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)
		last = '\n';
	snprintf(buf, sizeof(buf), "%s%s", last == '\n' ? "" : JOURNAL_TORN, line);
	err = write_all(fd, buf, strlen(buf));
	if (!err && fdatasync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

static bool jentry_same(const struct jentry *a, const struct jentry *b)
{
	return !strcmp(a->kind, b->kind) && !strcmp(a->name, b->name);
}

/* The index slot of e's kind and name: theirs, or the empty one to take. */
static size_t journal_slot(const struct journal *j, const struct jentry *e)
{
	uint64_t h = 14695981039346656037ull;

	for (const char *c = e->kind; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ull;
	for (const char *c = e->name; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ull;
	for (size_t s = h & (j->cap - 1);; s = (s + 1) & (j->cap - 1))
		if (!j->slot[s] || jentry_same(&j->e[j->slot[s] - 1], e))
			return s;
}

/* Indexes every entry, with room for twice as many. */
static void journal_index(struct journal *j)
{
	size_t cap = 64;

	while (cap < 4 * (j->n + 1))
		cap *= 2;
	free(j->slot);
	j->slot = calloc(cap, sizeof(*j->slot));
	if (!j->slot)
		abort();
	j->cap = cap;
	for (size_t i = 0; i < j->n; i++)
		j->slot[journal_slot(j, &j->e[i])] = i + 1;
	j->indexed = j->n;
}

/* Puts e in j, in place of the entry of the same kind and name if any (a
 * host's second line, once its namespaces are ready, replaces the first);
 * a hash index keeps a journal of thousands of hosts linear to build. */
static void journal_put(struct journal *j, const struct jentry *e)
{
	size_t s;

	if (j->indexed != j->n || !j->slot || j->cap < 2 * (j->n + 1))
		journal_index(j);
	s = journal_slot(j, e);
	if (!j->slot[s]) {
		j->e = realloc(j->e, (j->n + 1) * sizeof(*j->e));
		if (!j->e)
			abort();
		j->slot[s] = ++j->n;
		j->indexed = j->n;
	}
	j->e[j->slot[s] - 1] = *e;
}

int journal_add(const char *slice, struct journal *j, const struct jentry *e)
{
	char path[PATH_MAX], line[JOURNAL_LINE_MAX];

	journal_put(j, e);
	spath(path, sizeof(path), slice, "journal");
	jentry_format(e, line, sizeof(line));
	return journal_append(path, line);
}

int jentry_parse(const char *line, struct jentry *e)
{
	int pid, end = 0;

	memset(e, 0, sizeof(*e));
	if (sscanf(line, "host %63s %d %llu %lu %lu\n%n", e->name, &pid, &e->start,
		   &e->netino, &e->mntino, &end) == 5 && end && !line[end] && pid > 0) {
		strcpy(e->kind, "host");
		e->pid = pid;
		return 0;
	}
	end = 0;
	if (sscanf(line, "rlink %63s\n%n", e->name, &end) == 1 && end && !line[end]) {
		strcpy(e->kind, "rlink");
		return 0;
	}
	return -1;
}

int journal_read(FILE *f, struct journal *j)
{
	char line[JOURNAL_LINE_MAX];

	memset(j, 0, sizeof(*j));
	while (fgets(line, sizeof(line), f)) {
		struct jentry e;

		/* Only whole lines: one without its newline was cut by a
		 * crash, and a number cut short would still scan. */
		if (!strchr(line, '\n') || jentry_parse(line, &e))
			continue;
		journal_put(j, &e);
	}
	return ferror(f) ? -EIO : 0;
}

int journal_load(const char *slice, struct journal *j)
{
	char path[PATH_MAX];
	FILE *f;
	int err;

	memset(j, 0, sizeof(*j));
	spath(path, sizeof(path), slice, "journal");
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	err = journal_read(f, j);
	fclose(f);
	return err;
}

int journal_save(const char *slice, const struct journal *j)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16], *text = NULL;
	size_t size = 0;
	FILE *m;
	int fd;

	m = open_memstream(&text, &size);
	if (!m)
		return -ENOMEM;
	for (size_t i = 0; i < j->n; i++) {
		char line[JOURNAL_LINE_MAX];

		jentry_format(&j->e[i], line, sizeof(line));
		fputs(line, m);
	}
	if (fclose(m))
		return -ENOMEM;
	spath(path, sizeof(path), slice, "journal");
	fd = atomic_open(path, 0644, tmp, sizeof(tmp));
	if (fd < 0) {
		free(text);
		return fd;
	}
	fd = atomic_commit(fd, tmp, path, write_all(fd, text, size));
	free(text);
	return fd;
}

void journal_free(struct journal *j)
{
	free(j->e);
	free(j->slot);
	memset(j, 0, sizeof(*j));
}

static void diag_errno(struct diag *d, const char *path)
{
	char *msg;

	if (asprintf(&msg, "%s: %s", path, strerror(errno)) < 0)
		abort();
	d->msgs = realloc(d->msgs, (d->n + 1) * sizeof(*d->msgs));
	if (!d->msgs)
		abort();
	d->msgs[d->n++] = msg;
}

/* As root, like everything under the run directory, even while a client's
 * request runs: topo_parse_file() would open it as the client (src_fopen),
 * who may not read the slice's directory. */
int state_topo(const char *slice, struct topo *t, struct diag *d)
{
	char path[PATH_MAX], *src, *dir, *text;
	size_t len;
	int ret;

	spath(path, sizeof(path), slice, "source");
	src = read_all(path, NULL);
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
	text = read_all(path, &len);
	if (!text) {
		diag_errno(d, path);
		memset(t, 0, sizeof(*t));
		free(src);
		return -1;
	}
	ret = topo_parse_buf(t, text, len, path, dir && *dir ? dir : ".", d);
	free(text);
	free(src);
	return ret;
}
