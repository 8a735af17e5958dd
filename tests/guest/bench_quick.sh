#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The forwarding-rate benchmark still runs (scripts/bench.d/guest --quick):
# native and egre + shortbridge at 64 bytes and a 5-host deploy; with
# TRELLIS_FULL=1, one short round of every configuration at both frame
# sizes, the scaling runs and a 10-host deploy.
# No timing assertions: each configuration must produce a non-zero rate at
# every frame size, or be reported skipped with a reason (our own modules,
# egre and shortbridge, must load: a skip for them is a failure).
#
#   native:     gen [s1] --veth-- [r0] router [r1] --veth-- [k0] sink
#                   198.51.100.2     .1          203.0.113.1        .2
#
#   tunnelled:  gen [s1]--[a1] hA [ta1]==GRE key 1==[tb1] hB [b1]--[r0] router
#               sink [k0]--[d1] hA [td1]==GRE key 2==[tc1] hB [c1]--[r1] router
#                         hA [u0] 192.0.2.1 ---veth--- 192.0.2.2 [u0] hB
#
# (each [port]--[tunnel] pair in hA/hB joined by shortbridge, a Linux
# bridge, tc mirred or Open vSwitch, per configuration)
# timeout: 1500
# cost: 111
. "$(dirname "$0")/../lib.sh"

if [ -n "${TRELLIS_FULL:-}" ]; then
	CONFIGS="native egre-sb egre-br gretap-br gretap-mirred ovs-gre"
	SIZES="64 1514"
	args=()
else
	CONFIGS="native egre-sb"
	SIZES=64
	args=(--configs "$CONFIGS" --sizes "$SIZES" --count 2000 --ping 5
	      --no-scaling --deploy 5)
fi

out=$(mktemp -d /tmp/bench-quick.XXXXXX)
defer rm -rf "$out"

log=$out/log.txt
if "$TOP/scripts/bench.d/guest" --quick "${args[@]}" --out "$out" > "$log" 2>&1; then
	ok "bench quick: the in-guest driver completes"
else
	fail "bench quick: the in-guest driver completes" "$(tail -n 12 "$log")"
fi

# rate CONFIG SIZE: the accepted rate of that measurement, if any.
rate()
{
	awk -F, -v c="$1" -v f="$2" '$3 == c && $5 == f && $12 == 1 { print $11; exit }' \
		"$out/rates.csv" 2>/dev/null
}

skipped()	# CONFIG: the reason it was skipped, if it was
{
	awk -F, -v c="$1" '$1 == c { sub(/^[^,]*,/, ""); gsub(/"/, ""); print; exit }' \
		"$out/skipped.csv" 2>/dev/null
}

for c in $CONFIGS; do
	why=$(skipped "$c")
	if [ -n "$why" ]; then
		case $c in
		native|egre-*) fail "bench quick: $c runs" "$why" ;;
		*) skip "bench quick: $c" "$why" ;;
		esac
		continue
	fi
	for s in $SIZES; do
		r=$(rate "$c" "$s")
		if [ -n "$r" ] && awk -v r="$r" 'BEGIN { exit !(r > 0) }'; then
			ok "bench quick: $c forwards $s-byte frames"
		else
			fail "bench quick: $c forwards $s-byte frames" \
				"no accepted non-zero rate in rates.csv and not skipped; log:
$(grep -E "^bench: .*($c|SKIP)" "$log" | tail -n 6)"
		fi
	done
	if awk -F, -v c="$c" '$3 == c && $6 > 0 { found = 1 } END { exit !found }' "$out/latency.csv" 2>/dev/null; then
		ok "bench quick: $c answers pings"
	else
		fail "bench quick: $c answers pings" "no replies in latency.csv"
	fi
done

for tool in trellisd ip-batch; do
	why=$(skipped deploy)
	if [ -n "$why" ]; then
		skip "bench quick: deploy with $tool" "$why"
	elif awk -F, -v t="$tool" '$4 == t && $7 == 1 { found = 1 } END { exit !found }' \
		"$out/deploy.csv" 2>/dev/null; then
		ok "bench quick: deploy with $tool"
	else
		fail "bench quick: deploy with $tool" "$(grep -E "^bench: .*($tool|deploy)" "$log" | tail -n 4)"
	fi
done

[ -n "${TRELLIS_FULL:-}" ] || exit 0

# Rows whose run was accepted, with an aggregate and the generator's rate.
scaled=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i
		if (!("accepted" in col && "aggregate_pps" in col && "generator_pps" in col)) exit
		next }
	$col["accepted"] == 1 && $col["aggregate_pps"] > 0 && $col["generator_pps"] > 0 { n++ }
	END { print n + 0 }' "$out/scaling.csv" 2>/dev/null)
if [ "${scaled:-0}" -gt 0 ]; then
	ok "bench quick: scaling runs produce rates"
else
	fail "bench quick: scaling runs produce rates" "$(grep -E '^bench: .*N=' "$log" | tail -n 4)"
fi
