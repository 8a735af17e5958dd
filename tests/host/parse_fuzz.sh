#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The topology parser under libFuzzer, ASan and UBSan
# (tests/fuzz/parse_fuzz.c), from a seed corpus of the examples in topo/:
# a bounded run must end without a crash, a leak, undefined behaviour, a
# slow input or a broken promise of the parser.
#
#   TRELLIS_FUZZ_RUNS   inputs to try (default 30000; TRELLIS_FULL=1: 2000000)
#   TRELLIS_FUZZ_TIME   at most this many seconds (default 300; 0: no bound)
#   CLANG               the compiler (default clang)
#
# A crashing input is kept in build/tests/parse_fuzz/ to replay with
# build/parse_fuzz FILE.
. "$(dirname "$0")/../lib.sh"

runs=${TRELLIS_FUZZ_RUNS:-$([ -n "${TRELLIS_FULL:-}" ] && echo 2000000 || echo 30000)}
secs=${TRELLIS_FUZZ_TIME:-300}

clang=${CLANG:-clang}
if ! command -v "$clang" >/dev/null; then
	skip "parser fuzzing" "$clang is not installed (scripts/deps installs clang)"
	exit 0
fi
out=$TOP/build/tests/parse_fuzz
rm -rf "$out"
mkdir -p "$out/corpus"
if ! build=$(make -s -C "$TOP/tests/unit" CLANG="$clang" fuzz 2>&1); then
	fail "parser fuzzer builds (clang -fsanitize=fuzzer,address,undefined)" "$build"
	exit 1
fi
ok "parser fuzzer builds (clang -fsanitize=fuzzer,address,undefined)"

cp "$TOP"/topo/*.topo "$out/corpus/"
# -timeout: an input that takes seconds is a check gone quadratic again.
"$TOP/build/parse_fuzz" -runs="$runs" -max_total_time="$secs" -max_len=4096 -timeout=10 \
	-dict="$TOP/tests/fuzz/parse_fuzz.dict" -artifact_prefix="$out/" \
	-print_final_stats=1 "$out/corpus" > "$out/log" 2>&1
status=$?
done_runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$out/log")
if [ $status -eq 0 ] && [ -n "$done_runs" ]; then
	ok "parser fuzzing: $done_runs, no crash"
else
	fail "parser fuzzing: no crash in $runs runs (status $status)" \
		"$(grep -a -m 1 -A 12 'ERROR\|broken promise\|runtime error\|timeout' "$out/log" || tail -n 20 "$out/log")
input kept in: $(ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-* 2>/dev/null | head -n 3)"
fi
exit "$TESTS_FAILED"
