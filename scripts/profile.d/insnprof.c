// SPDX-License-Identifier: GPL-2.0
/*
 * insnprof: a QEMU TCG plugin that counts every instruction the guest runs,
 * by address.  Each translated block gets a counter, bumped inline every
 * time the block runs.  When the guest executes the marker instruction
 * (nopl 0x12345678(%rax), see mark.c), the counts so far are written to
 * OUT.N (N = 0, 1, ...): one "address count" line per kernel instruction
 * that ran, and one "user count" line for everything below the kernel.
 * Two dumps taken around a measurement give its exact instruction counts.
 *
 *   qemu-system-x86_64 -icount shift=0 ... -plugin insnprof.so,out=PREFIX
 *
 * QEMU's plugin header is not packaged in Debian; the few declarations of
 * its stable API (version 1, QEMU 7.2) that this uses are below.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct {
	const char *target_name;
	struct { int min, cur; } version;
	bool system_emulation;
	union { struct { int smp_vcpus, max_vcpus; } system; };
} qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
		void (*cb)(qemu_plugin_id_t, struct qemu_plugin_tb *));
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
		enum qemu_plugin_op op, void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
		void (*cb)(unsigned int, void *), enum qemu_plugin_cb_flags flags,
		void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);

#define EXPORT __attribute__((visibility("default")))

EXPORT int qemu_plugin_version = 1;

/* One translated block: how often it ran, and its instructions' addresses.
 * Blocks are never freed: a retranslated block gets a new record, and the
 * records of one address add up. */
struct block {
	uint64_t runs;
	uint32_t n;
	uint64_t pc[];
};

static struct block **blocks;
static size_t nblocks, cap;
static const char *out_prefix = "insnprof";
static int dumps;
static const unsigned char marker[] = { 0x0f, 0x1f, 0x80, 0x78, 0x56, 0x34, 0x12 };

/* Under -icount there is one vCPU, so nothing else touches the counters. */
static void dump(unsigned int vcpu, void *udata)
{
	char path[4096];
	uint64_t user = 0;
	FILE *f;

	(void)vcpu;
	(void)udata;
	snprintf(path, sizeof(path), "%s.%d", out_prefix, dumps++);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return;
	}
	for (size_t i = 0; i < nblocks; i++) {
		const struct block *b = blocks[i];

		if (!b->runs)
			continue;
		for (uint32_t j = 0; j < b->n; j++) {
			if (b->pc[j] >> 63)	/* kernel half */
				fprintf(f, "%llx %llu\n", (unsigned long long)b->pc[j],
					(unsigned long long)b->runs);
			else
				user += b->runs;
		}
	}
	fprintf(f, "user %llu\n", (unsigned long long)user);
	fclose(f);
}

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	struct block *b = calloc(1, sizeof(*b) + n * sizeof(b->pc[0]));

	(void)id;
	if (!b || (nblocks == cap && !(blocks = realloc(blocks,
					(cap = cap ? 2 * cap : 65536) * sizeof(*blocks))))) {
		fprintf(stderr, "insnprof: out of memory\n");
		exit(1);
	}
	b->n = n;
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		b->pc[i] = qemu_plugin_insn_vaddr(insn);
		if (qemu_plugin_insn_size(insn) == sizeof(marker) &&
		    !memcmp(qemu_plugin_insn_data(insn), marker, sizeof(marker)))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, dump,
							       QEMU_PLUGIN_CB_NO_REGS, NULL);
	}
	blocks[nblocks++] = b;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &b->runs, 1);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			       int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			out_prefix = argv[i] + 4;
	qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
	return 0;
}
