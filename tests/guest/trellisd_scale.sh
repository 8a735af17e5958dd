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
# timeout: 1800
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
