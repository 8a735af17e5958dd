// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target of the topology parser (userspace/trellisd/parse.c):
 * any bytes, as a file gives them (NUL bytes and all), through
 * topo_parse_buf(), under ASan and UBSan.  Besides crashes, leaks and
 * undefined behaviour, it aborts when the parser breaks a promise:
 *
 *   refused:  between 1 and 51 messages (50, then "too many errors"), each
 *             "fuzz.topo:LINE:COL: ..." with nothing unescaped below 0x20;
 *   accepted: no message; every cross reference in range (host's node,
 *             end's host); names, hostnames and interfaces valid; file
 *             and config paths absolute; GRE keys distinct and non-zero.
 *
 * Relative file names resolve against topo/, so that the seeds (the .topo
 * files there) find their configs.  Built by `make -C tests/unit fuzz';
 * run by tests/host/parse_fuzz.sh.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"

#define PROMISE(cond) do {							\
	if (!(cond)) {								\
		fprintf(stderr, "parse_fuzz: broken promise: %s\n", #cond);	\
		abort();							\
	}									\
} while (0)

static void check_refused(const struct diag *d)
{
	PROMISE(d->n >= 1 && d->n <= 51);
	for (size_t i = 0; i < d->n; i++) {
		int line = 0, col = 0;

		PROMISE(sscanf(d->msgs[i], "fuzz.topo:%d:%d: ", &line, &col) == 2);
		PROMISE(line >= 1 && col >= 1);
		for (const char *c = d->msgs[i]; *c; c++)
			PROMISE((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
	}
	if (d->n == 51)
		PROMISE(strstr(d->msgs[50], ": too many errors, stopping"));
}

static bool name_ok(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s);

	if (n == 0 || n >= max)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return false;
	return true;
}

static void check_host(const struct topo *t, const struct host *h)
{
	PROMISE(name_ok(h->name, TOPO_NAME_LEN, "-_"));
	PROMISE(name_ok(h->hostname, TOPO_HOSTNAME_LEN, "-."));
	PROMISE(h->node >= -1 && h->node < (int)t->n_nodes);
	PROMISE(h->node >= 0 || !t->n_nodes);
	for (size_t i = 0; i < h->n_files; i++) {
		PROMISE(!strncmp(h->files[i].dest, "/etc/", 5));
		PROMISE(!strstr(h->files[i].dest, "/./") && !strstr(h->files[i].dest, "/../") &&
			!strstr(h->files[i].dest, "//"));
		PROMISE(h->files[i].src[0] == '/');
	}
	PROMISE(!h->frr.set || h->frr.config[0] == '/');
	PROMISE(!h->bird.set || h->bird.config[0] == '/');
	for (size_t i = 0; i < h->n_sysctls; i++)
		PROMISE(!strncmp(h->sysctls[i].key, "net.", 4) && h->sysctls[i].value[0]);
	for (size_t i = 0; i < h->n_loopbacks; i++)
		PROMISE(h->loopbacks[i].len > 0);
}

static void check_accepted(const struct topo *t, const struct diag *d)
{
	PROMISE(d->n == 0);
	PROMISE(t->slice[0] && t->dir[0] == '/');
	for (size_t i = 0; i < t->n_hosts; i++)
		check_host(t, &t->hosts[i]);
	for (size_t i = 0; i < t->n_links; i++) {
		const struct link *l = &t->links[i];

		PROMISE(l->n_ends >= 2 && l->key != 0);
		for (size_t j = 0; j < i; j++)
			PROMISE(t->links[j].key != l->key);
		for (size_t e = 0; e < l->n_ends; e++) {
			PROMISE(l->ends[e].host >= 0 && l->ends[e].host < (int)t->n_hosts);
			PROMISE(name_ok(l->ends[e].ifname, TOPO_IFNAME_LEN, "-_."));
			for (size_t a = 0; a < l->ends[e].n_addrs; a++)
				PROMISE(l->ends[e].addrs[a].len > 0);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag d = { 0 };
	struct topo t;

	if (topo_parse_buf(&t, (const char *)data, size, "fuzz.topo", TOPDIR "/topo", &d)) {
		check_refused(&d);
	} else {
		check_accepted(&t, &d);
		topo_free(&t);
	}
	diag_free(&d);
	return 0;
}
