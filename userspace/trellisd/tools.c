// SPDX-License-Identifier: GPL-2.0
/*
 * `import' and `graph' run from trellisd-tools.so, loaded when one of them
 * is asked for.  Linking libxml2 (with ICU), METIS and Graphviz into
 * trellisd itself made every command load them: 3 ms natively, but about
 * half a second per command in the test guests' emulated CPU, where
 * thousands of commands run.  The plugin calls back into trellisd's own
 * functions, which the executable exports (-Wl,--export-dynamic).
 */
#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "trellisd.h"

/* Next to the executable (the build tree), else in ../lib/trellis from it
 * (make install). */
static void *tools_open(void)
{
	static const char *const where[] = { "%s/trellisd-tools.so",
					     "%s/../lib/trellis/trellisd-tools.so" };
	char exe[PATH_MAX], path[PATH_MAX + 64];
	const char *dir;
	ssize_t n;
	void *h;
	size_t i;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0) {
		errorf("cannot find trellisd's own path: %m");
		return NULL;
	}
	exe[n] = '\0';
	dir = dirname(exe);
	for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		snprintf(path, sizeof(path), where[i], dir);
		if (access(path, R_OK) != 0)
			continue;
		h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		if (!h)
			errorf("cannot load %s: %s", path, dlerror());
		return h;
	}
	errorf("trellisd-tools.so (import and graph) is not installed beside trellisd in %s", dir);
	return NULL;
}

static int tools_run(const char *name, int argc, char **argv)
{
	static void *h;
	int (*fn)(int, char **);

	if (!h && !(h = tools_open()))
		return 1;
	*(void **)&fn = dlsym(h, name);
	if (!fn) {
		errorf("trellisd-tools.so has no %s: %s", name, dlerror());
		return 1;
	}
	return fn(argc, argv);
}

int cmd_import(int argc, char **argv)
{
	return tools_run("tools_import", argc, argv);
}

int cmd_graph(int argc, char **argv)
{
	return tools_run("tools_graph", argc, argv);
}
