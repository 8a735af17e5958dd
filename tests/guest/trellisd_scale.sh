#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# trellisd deploys and removes a generated chain of N hosts, every host
# reachable, and leaves nothing behind.  With TRELLIS_FULL=1: N = 50 and 100,
# best of TRELLIS_SCALE_ROUNDS (default 2) interleaved runs, each timed beside
# an ip -batch script that builds the same network, and the growth in N
# (reported, not judged: scripts/bench is where speed is measured).  Without
# it: one run at N = 100, untimed.  Wall-clock time, not --icount, whose
# clock warps forward whenever the guest waits for 9p I/O.
#
#   h1 eth1 --- eth0 h2 eth1 --- eth0 h3 ... hN
#   link i: 198.51.100.(2i-2)/31 <-> .(2i-1)/31 (i <= 127), 2001:db8:i::1/64 <-> ::2
#   loopback 203.0.113.i/32 per host, forwarding on; routes: 2001:db8::/32
#   to the right (the last host: to the left), the prefixes of the pinging
#   hosts' links (left_links) to the left
#
# What the ip script does (the same kernel objects, minus what ip cannot
# make: mount and UTS namespaces, /etc overlays, holder processes):
#   ip -batch: netns add (each a bind mount), link add veth ... netns A peer
#   ... netns B; then per host ip -n HOST -batch: lo up, links up, addresses,
#   route.  trellisd: one process, batched netlink, plus the per-host
#   namespaces and holders.
#
# Then, large slices under a small open-files limit (issue 18 part 7):
#
#   ring: h1 eth1 --- eth0 h2 eth1 --- eth0 h3 ... hN eth1 --- eth0 h1
#         link i: 198.18.x.y/31 pairs (RFC 2544's range, 2i-2 and 2i-1)
#   lans: h1..h100 on seg0, h101..h200 on seg1, h201..h300 on seg2
#         (198.18.0.1/24 on h299, .2 on h300)
#
# 300 hosts with soft and hard limits of 256: trellisd holds no descriptor
# per host for the whole deploy.  300 hosts on lans with a soft limit of
# 256 and a hard one of 524288: a lan member's namespace is held until its
# batch is sent, so trellisd raises its soft limit to the hard one, and
# what it starts (holders, run) gets 256 back.  With TRELLIS_FULL=1, rings
# of 1000 and 4096 hosts at Debian's defaults (soft 1024, hard 524288):
# check, up and down times, and memory per host (the kernel's from
# /proc/meminfo, the slice's processes' Pss, trellisd's peak RSS).
#
# timeout: 3600
# mem: 8192
# cost: 58

. "$(dirname "$0")/../lib.sh"

require_cmd ip awk

T=$TRELLISD
tmp=$(mktemp -d /tmp/trellisd-scale.XXXXXX)
defer rm -rf "$tmp"

# Replies leave with the devices' hop limit, 64: the chain is covered by two
# pings of at most 60 hops, from h1 to link far_link and from h(N - far) to
# link N-1.
far_link()	# n
{
	echo $(($1 - 1 < 60 ? $1 - 1 : 60))
}

# The links whose prefix is routed to the left (everything else goes right):
# those of the two pinging hosts' sources.
left_links()	# n
{
	local back=$(($1 - $(far_link "$1")))
	echo 1
	[ "$back" -gt 1 ] && echo "$back"
}

gen_topo()	# n
{
	local n=$1 i l
	echo "slice scale$n"
	for ((i = 1; i <= n; i++)); do
		echo "host h$i"
		echo "    sysctl net.ipv6.conf.all.forwarding=1"
		echo "    loopback 203.0.113.$i/32"
		if [ "$i" -lt "$n" ]; then
			echo "    route 2001:db8::/32 via 2001:db8:$i::2"
		else
			echo "    route 2001:db8::/32 via 2001:db8:$((i - 1))::1"
		fi
		for l in $(left_links "$n"); do
			[ "$i" -gt $((l + 1)) ] && echo "    route 2001:db8:$l::/64 via 2001:db8:$((i - 1))::1"
		done
	done
	for ((i = 1; i < n; i++)); do
		echo "link h$i:eth1 h$((i + 1)):eth0"
		echo "    addr h$i 198.51.100.$((2 * i - 2))/31 2001:db8:$i::1/64"
		echo "    addr h$((i + 1)) 198.51.100.$((2 * i - 1))/31 2001:db8:$i::2/64"
	done
}

gen_ip()	# n dir: dir/root.batch and dir/hN.batch
{
	local n=$1 d=$2 i l
	mkdir -p "$d"
	{
		for ((i = 1; i <= n; i++)); do
			echo "netns add ipb$n-h$i"
		done
		for ((i = 1; i < n; i++)); do
			echo "link add eth1 netns ipb$n-h$i type veth peer name eth0 netns ipb$n-h$((i + 1))"
		done
	} > "$d/root.batch"
	for ((i = 1; i <= n; i++)); do
		{
			echo "link set lo up"
			echo "address add 203.0.113.$i/32 dev lo"
			if [ "$i" -lt "$n" ]; then
				echo "link set eth1 up"
				echo "address add 198.51.100.$((2 * i - 2))/31 dev eth1"
				echo "address add 2001:db8:$i::1/64 dev eth1 nodad"
			fi
			if [ "$i" -gt 1 ]; then
				echo "link set eth0 up"
				echo "address add 198.51.100.$((2 * i - 3))/31 dev eth0"
				echo "address add 2001:db8:$((i - 1))::2/64 dev eth0 nodad"
			fi
			if [ "$i" -lt "$n" ]; then
				echo "route add 2001:db8::/32 via 2001:db8:$i::2"
			else
				echo "route add 2001:db8::/32 via 2001:db8:$((i - 1))::1"
			fi
			for l in $(left_links "$n"); do
				[ "$i" -gt $((l + 1)) ] && echo "route add 2001:db8:$l::/64 via 2001:db8:$((i - 1))::1"
			done

		} > "$d/h$i.batch"
	done
	{
		echo "#!/bin/sh"
		echo "ip -batch $d/root.batch || exit 1"
		for ((i = 1; i <= n; i++)); do
			echo "ip netns exec ipb$n-h$i sysctl -qw net.ipv6.conf.all.forwarding=1 || exit 1"
			echo "ip -n ipb$n-h$i -batch $d/h$i.batch || exit 1"
		done
	} > "$d/run.sh"
	chmod +x "$d/run.sh"
}

now() { date +%s.%N; }

if [ -n "${TRELLIS_FULL:-}" ]; then
	rounds=${TRELLIS_SCALE_ROUNDS:-2} sizes="50 100" compare=1
else
	rounds=1 sizes=100 compare=
fi
declare -A t_td t_ip

elapsed()	# start end
{
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'
}

min()	# a b: the smaller, "" counting as infinite
{
	if [ -z "$1" ]; then echo "$2"; elif [ -z "$2" ]; then echo "$1"
	else awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; fi
}

take_snapshot
for n in $sizes; do
	gen_topo $n > "$tmp/scale$n.topo"
	gen_ip $n "$tmp/ip$n"
	for ((i = 1; i <= n; i++)); do echo "netns del ipb$n-h$i"; done > "$tmp/del$n.batch"
	check "scale$n: check" "$T" check "$tmp/scale$n.topo"
	# Warm the page cache (9p) for every program timed.
	"$T" help >/dev/null; ip -V >/dev/null; sysctl -a >/dev/null 2>&1

	for ((r = 1; r <= rounds; r++)); do
		start=$(now)
		out=$("$T" up "$tmp/scale$n.topo" 2>&1)
		status=$?
		end=$(now)
		if [ $status -ne 0 ]; then
			fail "scale$n: trellisd up (round $r)" "$out"
			"$T" down scale$n >/dev/null 2>&1
			continue
		fi
		t=$(elapsed "$start" "$end")
		echo "	round $r: trellisd up $t s"
		t_td[$n]=$(min "${t_td[$n]:-}" "$t")
		if [ "$r" -eq 1 ]; then
			far=$(far_link "$n")
			check "scale$n: h1 reaches link $far" \
				wait_for 60 "$T" exec scale$n h1 -- ping -6 -c 1 -W 2 "2001:db8:$far::2"
			check "scale$n: h$((n - far)) reaches link $((n - 1))" \
				wait_for 60 "$T" exec scale$n h$((n - far)) -- ping -6 -c 1 -W 2 "2001:db8:$((n - 1))::2"
		fi
		start=$(now)
		out=$("$T" down scale$n 2>&1) || fail "scale$n: trellisd down (round $r)" "$out"
		echo "	round $r: trellisd down $(elapsed "$start" "$(now)") s"

		[ -n "$compare" ] || continue
		start=$(now)
		out=$("$tmp/ip$n/run.sh" 2>&1)
		status=$?
		end=$(now)
		if [ $status -ne 0 ]; then
			fail "scale$n: ip -batch script (round $r)" "$out"
		else
			t=$(elapsed "$start" "$end")
			echo "	round $r: ip script $t s"
			t_ip[$n]=$(min "${t_ip[$n]:-}" "$t")
			if [ "$r" -eq 1 ]; then
				check "scale$n: (ip) h1 reaches link $far" \
					wait_for 60 ip netns exec ipb$n-h1 ping -6 -c 1 -W 2 "2001:db8:$far::2"
			fi
		fi
		ip -batch "$tmp/del$n.batch" >/dev/null 2>&1

		# For reference, what one ip process does alone: the namespaces
		# and veths only, no addresses, routes or sysctls.
		start=$(now)
		ip -batch "$tmp/ip$n/root.batch" >/dev/null 2>&1
		echo "	round $r: (reference) ip -batch of namespaces and veths only $(elapsed "$start" "$(now)") s"
		ip -batch "$tmp/del$n.batch" >/dev/null 2>&1
	done
	if [ -z "$compare" ]; then
		echo "	scale$n: trellisd up ${t_td[$n]:-(failed)} s"
		continue
	fi
	if [ -z "${t_td[$n]:-}" ] || [ -z "${t_ip[$n]:-}" ]; then
		fail "scale$n: timings" "a run failed"
		continue
	fi
	# Reported, not judged: timings belong to benchmarks (scripts/bench
	# measures deploy times side by side); this test checks that it works.
	ratio=$(awk -v a="${t_td[$n]}" -v b="${t_ip[$n]}" 'BEGIN { printf "%.2f", a / b }')
	echo "	scale$n: trellisd ${t_td[$n]} s / ip -batch ${t_ip[$n]} s = $ratio (target: at most 1.5)"
done

if [ -n "${t_td[50]:-}" ] && [ -n "${t_td[100]:-}" ]; then
	lin=$(awk -v a="${t_td[50]}" -v b="${t_td[100]}" 'BEGIN { printf "%.2f", b / a }')
	echo "	linearity: 100 hosts take $lin times as long as 50 (linear: about 2)"
fi

if wait_for 60 same_as_before; then
	ok "nothing is left behind"
else
	fail "nothing is left behind" "$(same_as_before | head -20)"
fi

# --- large slices under a small open-files limit ---------------------------

gen_ring()	# n slice
{
	local n=$1 i a
	echo "slice $2"
	for ((i = 1; i <= n; i++)); do
		echo "host h$i"
	done
	for ((i = 1; i <= n; i++)); do
		a=$((2 * i - 2))
		echo "link h$i:eth1 h$((i % n + 1)):eth0"
		echo "    addr h$i 198.18.$((a / 256)).$((a % 256))/31"
		echo "    addr h$((i % n + 1)) 198.18.$((a / 256)).$((a % 256 + 1))/31"
	done
}

gen_lans()	# n slice: lans of 100 hosts; h1 logs its open-files limits
{
	local n=$1 i
	echo "slice $2"
	echo "host h1"
	echo "    run ulimit -Sn; ulimit -Hn"
	for ((i = 2; i <= n; i++)); do
		echo "host h$i"
	done
	for ((i = 1; i <= n; i++)); do
		((i % 100 == 1)) && printf 'lan seg%d' $((i / 100))
		printf ' h%d:eth0' "$i"
		((i % 100 == 0 || i == n)) && printf '\n'
	done
	printf '    addr h%d 198.18.0.1/24\n    addr h%d 198.18.0.2/24\n' $((n - 1)) "$n"
}

# The address of link i's end on host h(i % n + 1) is .. + 1: h1 reaches
# h2 over link 1 and hN over link N, which closes the ring.
ring_addr()	# i end(0|1)
{
	local a=$((2 * $1 - 2 + $2))
	echo "198.18.$((a / 256)).$((a % 256))"
}

# CMD with the open-files limits soft and hard (set in this order or the
# other, whichever the current hard limit allows).
with_nofile()	# soft hard cmd...
{
	local soft=$1 hard=$2
	shift 2
	(
		ulimit -Sn "$soft" 2>/dev/null
		ulimit -Hn "$hard" && ulimit -Sn "$soft" || exit 125
		exec "$@"
	)
}

# A limit of /proc/PID/limits: "soft hard".
proc_nofile()	# pid
{
	awk '/^Max open files/ { print $4, $5 }' "/proc/$1/limits"
}

echo "	this guest's open-files limits: soft $(ulimit -Sn), hard $(ulimit -Hn)"
gen_ring 300 ring300 > "$tmp/ring300.topo"
check "ring300: up with soft and hard limits of 256" \
	with_nofile 256 256 "$T" up "$tmp/ring300.topo"
check "ring300: h1 reaches h2 (link 1)" \
	wait_for 60 "$T" exec ring300 h1 -- ping -c 1 -W 2 "$(ring_addr 1 1)"
check "ring300: h1 reaches h300 (link 300)" \
	wait_for 60 "$T" exec ring300 h1 -- ping -c 1 -W 2 "$(ring_addr 300 0)"
check "ring300: down with soft and hard limits of 256" \
	with_nofile 256 256 "$T" down ring300
if wait_for 60 same_as_before; then
	ok "ring300: nothing is left behind"
else
	fail "ring300: nothing is left behind" "$(same_as_before | head -20)"
fi

gen_lans 300 lans300 > "$tmp/lans300.topo"
log=/run/trellis/lans300/hosts/h1/log
check "lans300: up with a soft limit of 256, hard 524288" \
	with_nofile 256 524288 "$T" up "$tmp/lans300.topo"
check "lans300: h299 reaches h300 on seg2" \
	wait_for 60 "$T" exec lans300 h299 -- ping -c 1 -W 2 198.18.0.2
check "lans300: h1's run command has logged its limits" \
	wait_for 60 awk 'END { exit NR < 2 }' "$log"
check_value "lans300: h1's run command got the soft limit back" "256 524288" \
	paste -sd ' ' "$log"
holder=$(pgrep -x trellis:h1 | head -n 1)
check_value "lans300: h1's holder got the soft limit back" "256 524288" \
	proc_nofile "${holder:-0}"
check "lans300: down" with_nofile 256 524288 "$T" down lans300
if wait_for 60 same_as_before; then
	ok "lans300: nothing is left behind"
else
	fail "lans300: nothing is left behind" "$(same_as_before | head -20)"
fi

[ -n "${TRELLIS_FULL:-}" ] || exit 0

meminfo()	# FIELD: its kB
{
	awk -v f="$1:" '$1 == f { print $2 }' /proc/meminfo
}

# kB: the Pss of every process in the slice's cgroup (holders, inits).
slice_pss()	# slice
{
	cat /sys/fs/cgroup/trellis/"$1"/*/cgroup.procs 2>/dev/null |
		while read -r p; do
			awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null
		done | awk '{ s += $1 } END { print s + 0 }'
}

per_host()	# kB-before kB-after n: KB per host, one decimal
{
	awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.1f", (b - a) / n }'
}

# Links joined as on a real node: by shortbridge (a Linux bridge each
# without it, which up warns about).
if insmod_built shortbridge >/dev/null 2>&1; then
	echo "	rings joined by shortbridge"
else
	echo "	rings joined by Linux bridges (shortbridge does not load)"
fi
fields="Slab SUnreclaim Percpu KernelStack PageTables"
for n in 1000 4096; do
	s=ring$n
	gen_ring $n $s > "$tmp/$s.topo"
	start=$(now)
	check "$s: check" "$T" check "$tmp/$s.topo"
	echo "	$s: check $(elapsed "$start" "$(now)") s"
	declare -A m0=()
	for f in $fields MemAvailable; do m0[$f]=$(meminfo $f); done
	start=$(now)
	if ! out=$(with_nofile 1024 524288 /usr/bin/time -f "maxrss %M" "$T" up "$tmp/$s.topo" 2>&1); then
		fail "$s: up at soft 1024, hard 524288" "$(echo "$out" | tail -5)"
		with_nofile 1024 524288 "$T" down $s >/dev/null 2>&1
		continue
	fi
	ok "$s: up at soft 1024, hard 524288"
	echo "	$s: up $(elapsed "$start" "$(now)") s; trellisd's peak RSS $(echo "$out" | awk '/^maxrss/ { print $2 }') kB"
	check "$s: h1 reaches h2" \
		wait_for 120 "$T" exec $s h1 -- ping -c 1 -W 2 "$(ring_addr 1 1)"
	check "$s: h1 reaches h$n" \
		wait_for 120 "$T" exec $s h1 -- ping -c 1 -W 2 "$(ring_addr $n 0)"
	line=""
	for f in $fields; do
		line="$line $f $(per_host "${m0[$f]}" "$(meminfo $f)" $n)"
	done
	echo "	$s: kernel memory per host (kB):$line"
	echo "	$s: MemAvailable fell by $(per_host "$(meminfo MemAvailable)" "${m0[MemAvailable]}" $n) kB per host;" \
		"the slice's processes' Pss $(per_host 0 "$(slice_pss $s)" $n) kB per host"
	start=$(now)
	check "$s: down at soft 1024, hard 524288" with_nofile 1024 524288 "$T" down $s
	echo "	$s: down $(elapsed "$start" "$(now)") s"
	if wait_for 600 same_as_before; then
		ok "$s: nothing is left behind"
	else
		fail "$s: nothing is left behind" "$(same_as_before | head -20)"
	fi
done
