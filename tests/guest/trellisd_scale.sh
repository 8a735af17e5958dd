#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# trellisd's deploy time: a generated chain of N hosts (N = 50 and 100)
# against an ip -batch script that builds the same network, and linearity
# in N.  Best run with deterministic time: scripts/vm --icount -- ...
#
#   h1 eth1 --- eth0 h2 eth1 --- eth0 h3 ... hN
#   link i: 198.51.100.(2i-2)/31 <-> .(2i-1)/31 (i <= 127), 2001:db8:i::1/64 <-> ::2
#   loopback 203.0.113.i/32 per host, one IPv6 route per host, forwarding on
#
# What the ip script does (the same kernel objects, minus what ip cannot
# make: mount and UTS namespaces, /etc overlays, holder processes):
#   ip -batch: netns add (each a bind mount), link add veth ... netns A peer
#   ... netns B; then per host ip -n HOST -batch: lo up, links up, addresses,
#   route.  trellisd: one process, batched netlink, plus the per-host
#   namespaces and holders.
#
# timeout: 1800

. "$(dirname "$0")/../lib.sh"

require_cmd ip awk

T=$TRELLISD
tmp=$(mktemp -d /tmp/trellisd-scale.XXXXXX)
defer rm -rf "$tmp"

gen_topo()	# n
{
	local n=$1 i
	echo "slice scale$n"
	for ((i = 1; i <= n; i++)); do
		echo "host h$i"
		echo "    sysctl net.ipv6.conf.all.forwarding=1"
		echo "    loopback 203.0.113.$i/32"
		if [ "$i" -lt "$n" ]; then
			echo "    route 2001:db8:ff00::/40 via 2001:db8:$i::2"
		else
			echo "    route 2001:db8:ff00::/40 via 2001:db8:$((i - 1))::1"
		fi
	done
	for ((i = 1; i < n; i++)); do
		echo "link h$i:eth1 h$((i + 1)):eth0"
		echo "    addr h$i 198.51.100.$((2 * i - 2))/31 2001:db8:$i::1/64"
		echo "    addr h$((i + 1)) 198.51.100.$((2 * i - 1))/31 2001:db8:$i::2/64"
	done
}

gen_ip()	# n dir: dir/root.batch and dir/hN.batch
{
	local n=$1 d=$2 i
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
				echo "route add 2001:db8:ff00::/40 via 2001:db8:$i::2"
			else
				echo "route add 2001:db8:ff00::/40 via 2001:db8:$((i - 1))::1"
			fi
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

declare -A t_td t_ip
for n in 50 100; do
	gen_topo $n > "$tmp/scale$n.topo"
	gen_ip $n "$tmp/ip$n"
	check "scale$n: check" "$T" check "$tmp/scale$n.topo"

	# Warm the page cache (9p) for both programs before timing them.
	"$T" help >/dev/null; ip -V >/dev/null; sysctl -V >/dev/null 2>&1

	start=$(now)
	out=$("$T" up "$tmp/scale$n.topo" 2>&1)
	status=$?
	end=$(now)
	t_td[$n]=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
	if [ $status -eq 0 ]; then ok "scale$n: trellisd up ${t_td[$n]} s"
	else fail "scale$n: trellisd up" "$out"; fi
	check "scale$n: h1 reaches h$n's link over $((n - 1)) hops" \
		wait_for 30 "$T" exec scale$n h1 -- ping -6 -c 1 -W 2 "2001:db8:$((n - 1))::2"
	start=$(now)
	check "scale$n: trellisd down" "$T" down scale$n
	end=$(now)
	echo "	trellisd down: $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }') s"

	start=$(now)
	out=$("$tmp/ip$n/run.sh" 2>&1)
	status=$?
	end=$(now)
	t_ip[$n]=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
	if [ $status -eq 0 ]; then ok "scale$n: ip -batch script ${t_ip[$n]} s"
	else fail "scale$n: ip -batch script" "$out"; fi
	check "scale$n: (ip) h1 reaches h$n's link" \
		wait_for 30 ip netns exec ipb$n-h1 ping -6 -c 1 -W 2 "2001:db8:$((n - 1))::2"
	for ((i = 1; i <= n; i++)); do echo "netns del ipb$n-h$i"; done > "$tmp/del$n.batch"
	ip -batch "$tmp/del$n.batch" >/dev/null 2>&1

	ratio=$(awk -v a="${t_td[$n]}" -v b="${t_ip[$n]}" 'BEGIN { printf "%.2f", a / b }')
	if awk -v r="$ratio" 'BEGIN { exit !(r <= 1.5) }'; then
		ok "scale$n: trellisd / ip -batch = $ratio (target 1.5 at most)"
	else
		fail "scale$n: trellisd / ip -batch = $ratio" "trellisd ${t_td[$n]} s, ip ${t_ip[$n]} s: over the 1.5 target"
	fi
done

lin=$(awk -v a="${t_td[50]}" -v b="${t_td[100]}" 'BEGIN { printf "%.2f", b / a }')
if awk -v r="$lin" 'BEGIN { exit !(r <= 2.6) }'; then
	ok "linear: 100 hosts take $lin times as long as 50"
else
	fail "linear: 100 hosts take $lin times as long as 50" "expected about 2 (at most 2.6)"
fi
