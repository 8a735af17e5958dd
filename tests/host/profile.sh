#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/profile still works: a short native run under the insnprof plugin
# must account for every forwarded frame, with the functions every
# forwarded frame runs through, at a plausible cost per frame.
. "$(dirname "$0")/../lib.sh"

out=$TOP/build/tests/profile
check "scripts/profile runs (native, 5000 frames)" \
	"$TOP/scripts/profile" --configs native --count 5000 --top 60 --out "$out"
check_output "all 5000 frames reached the sink" "native 5000 5000" cat "$out/runs.txt"
check "the plugin dumped its counts around the run" test -s "$out/count.1"
for f in ip_forward veth_xmit pktgen_xmit; do
	check_output "$f is in the profile" "$f" cat "$out/profile.txt"
done
# Under -icount a native frame costs about 9,000 instructions, generator
# included; the window adds pktgen's setup, which 5000 frames share.
per_frame=$(awk '/^total in the measured window/ { print int($NF) }' "$out/profile.txt")
check "instructions per frame are plausible (${per_frame:-none}: 5,000-40,000)" \
	test "${per_frame:-0}" -ge 5000 -a "${per_frame:-0}" -le 40000
exit "$TESTS_FAILED"
