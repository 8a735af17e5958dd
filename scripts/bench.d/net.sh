# SPDX-License-Identifier: GPL-2.0
# Sourced by scripts/bench.d/guest: builds and tears down the benchmark
# networks. Every network I of a configuration is
#
#   native:
#     gen [sI] ---veth--- [r0] rI [r1] ---veth--- [k0] kI
#     198.51.100.2        .1      203.0.113.1         .2
#
#   tunnelled (two "machines" hA and hB; the underlay is a veth pair
#   u0--u0, 192.0.2.1 -- 192.0.2.2, MTU 9000 like a jumbo-frame fabric, so
#   the tunnels carry 1500-byte inner packets). The source's link is a
#   tunnel between them (key 2I-1), the sink's a veth as in native:
#
#     gen [sI]--veth--[aI] hA [taI]=====GRE key 2I-1=====[tbI] hB [bI]--veth--[r0] rI
#
#   With TUNNEL_LINKS=2, the sink's link is a tunnel too (key 2I):
#
#     kI  [k0]--veth--[dI] hA [tdI]=====GRE key 2I  =====[tcI] hB [cI]--veth--[r1] rI
#
#   where each "[port]=[tunnel]" pair inside a machine is joined by the
#   configuration's switch: shortbridge, a Linux bridge, tc mirred
#   (ingress redirect both ways) or an Open vSwitch bridge.
#
#   veth-sb (a link within one node as trellisd builds it: each end a veth
#   to the node's namespace hA, the two root sides joined by shortbridge):
#     gen [sI]--veth--[aI] hA [bI]--veth--[r0] rI   (aI and bI joined)
#
#   gen (scaling only: what the generator costs, with no router between):
#     gen [sI] ---veth--- [k0] kI
#
# gen is also the traffic generator's namespace: one pktgen thread drives the
# source interfaces of all networks, so that every network starts and stops
# together (see docs/bench.md). Routers and sinks are per network. The sink
# drops the UDP load at tc ingress and answers pings.
#
# All addresses and MACs are fixed and neighbours permanent: no ARP during a
# measurement. Every interface is set "addrgenmode none" before it comes up:
# no IPv6 link-local address, so no DAD, router solicitations or MLD that
# would reach a sink and be counted (new namespaces do not inherit
# default.disable_ipv6 from init, whatever devconf_inherit_init_net says).
# The two machines, whose tunnels come up as they are made, have IPv6
# disabled outright.

NS=bx			# namespace prefix
TUNNEL_LINKS=${TUNNEL_LINKS:-1}	# links of a network that are tunnels: 1 or 2
NS_GEN=$NS-gen NS_A=$NS-hA NS_B=$NS-hB
OVS_RUN=/tmp/bench-ovs
declare -a HOLDERS=()	# one sleeping process per sink namespace

mac()	# role index -> a locally administered MAC
{
	printf '02:%02x:00:00:%02x:%02x' "$1" $(($2 >> 8)) $(($2 & 255))
}

is_tunnel()
{
	[ "$1" != native ] && [ "$1" != gen ] && [ "$1" != veth-sb ]
}

tunnel_kind()	# config -> egre | gretap | ovs
{
	case $1 in
	egre-*) echo egre ;;
	gretap-*) echo gretap ;;
	ovs-*) echo ovs ;;
	esac
}

# --- Open vSwitch: one ovsdb-server + ovs-vswitchd per machine namespace ---

ovs_env()	# machine -> exports for ovs-* tools of that machine
{
	local d=$OVS_RUN/$1
	export OVS_RUNDIR=$d OVS_LOGDIR=$d OVS_DBDIR=$d OVS_SYSCONFDIR=$d OVS_PKGDATADIR=/usr/share/openvswitch
}

ovs_start()	# machine namespace
{
	local m=$1 d=$OVS_RUN/$1
	rm -rf "$d" && mkdir -p "$d" || return 1
	ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema || return 1
	(ovs_env "$m"
	 ip netns exec "$m" ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" \
		--pidfile="$d/ovsdb-server.pid" --unixctl="$d/ovsdb-server.ctl" \
		--log-file="$d/ovsdb-server.log" --detach &&
	 ovs-vsctl --db="unix:$d/db.sock" --no-wait init &&
	 ip netns exec "$m" ovs-vswitchd "unix:$d/db.sock" \
		--pidfile="$d/ovs-vswitchd.pid" --unixctl="$d/ovs-vswitchd.ctl" \
		--log-file="$d/ovs-vswitchd.log" --detach) >"$d/start.log" 2>&1 ||
		{ tail -n 5 "$d/start.log" "$d"/*.log >&2; return 1; }
}

ovs_stop()	# machine namespace
{
	local d=$OVS_RUN/$1 p pid
	for p in ovs-vswitchd ovsdb-server; do
		pid=$(cat "$d/$p.pid" 2>/dev/null) || continue
		kill "$pid" 2>/dev/null
		wait_gone "$pid"
	done
	rm -rf "$d"
}

vsctl()	# machine args...
{
	local d=$OVS_RUN/$1
	shift
	# No --timeout (none by default): under -icount the guest clock can
	# jump by minutes while a program is first read over 9p (scripts/vm
	# bounds the whole run).
	ovs-vsctl --db="unix:$d/db.sock" "$@"
}

wait_gone()	# pid: poll until the process has exited
{
	local i
	for ((i = 0; i < 200; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

# --- building ---

# net_build CONFIG N: builds networks 1..N. Prints the reason and returns 1
# if something failed (the caller tears down what was built).
net_build()
{
	local cfg=$1 n=$2 i kind b m
	kind=$(tunnel_kind "$cfg")
	b=$(mktemp -d /tmp/bench-build.XXXXXX)

	{
		echo "netns add $NS_GEN"
		for ((i = 1; i <= n; i++)); do
			[ "$cfg" = gen ] || echo "netns add $NS-r$i"
			echo "netns add $NS-k$i"
		done
		if is_tunnel "$cfg"; then
			echo "netns add $NS_A"
			echo "netns add $NS_B"
		fi
		[ "$cfg" = veth-sb ] && echo "netns add $NS_A"
	} > "$b/netns"
	ip -b "$b/netns" || { echo "ip netns add failed"; return 1; }
	# Tunnels made by trellisd or Open vSwitch come up before we could
	# set their addrgenmode: no IPv6 at all in the machines.
	if is_tunnel "$cfg"; then
		for m in $NS_A $NS_B; do
			ip netns exec "$m" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
				net.ipv6.conf.default.disable_ipv6=1 ||
				{ echo "$m: cannot disable IPv6"; return 1; }
		done
	fi

	# Every veth is created straight into its namespaces.
	{
		for ((i = 1; i <= n; i++)); do
			if [ "$cfg" = gen ]; then
				echo "link add s$i netns $NS_GEN address $(mac 1 $i) type veth peer name k0 netns $NS-k$i address $(mac 2 $i)"
				continue
			fi
			if is_tunnel "$cfg"; then
				echo "link add s$i netns $NS_GEN address $(mac 1 $i) type veth peer name a$i netns $NS_A"
				echo "link add r0 netns $NS-r$i address $(mac 2 $i) type veth peer name b$i netns $NS_B"
			elif [ "$cfg" = veth-sb ]; then
				echo "link add s$i netns $NS_GEN address $(mac 1 $i) type veth peer name a$i netns $NS_A"
				echo "link add r0 netns $NS-r$i address $(mac 2 $i) type veth peer name b$i netns $NS_A"
			else
				echo "link add s$i netns $NS_GEN address $(mac 1 $i) type veth peer name r0 netns $NS-r$i address $(mac 2 $i)"
			fi
			if is_tunnel "$cfg" && [ "$TUNNEL_LINKS" = 2 ]; then
				echo "link add r1 netns $NS-r$i address $(mac 3 $i) type veth peer name c$i netns $NS_B"
				echo "link add k0 netns $NS-k$i address $(mac 4 $i) type veth peer name d$i netns $NS_A"
			else
				echo "link add r1 netns $NS-r$i address $(mac 3 $i) type veth peer name k0 netns $NS-k$i address $(mac 4 $i)"
			fi
		done
		if is_tunnel "$cfg"; then
			echo "link add u0 netns $NS_A mtu 9000 address $(mac 5 1) type veth peer name u0 netns $NS_B mtu 9000 address $(mac 5 2)"
		fi
	} > "$b/links"
	ip -b "$b/links" || { echo "creating veth pairs failed"; return 1; }

	{
		echo "link set lo up"
		for ((i = 1; i <= n; i++)); do
			echo "link set s$i addrgenmode none up"
		done
		# Only network 1 has a source address: it is the one pinged.
		echo "addr add 198.51.100.2/24 dev s1"
		echo "route add 203.0.113.0/24 via 198.51.100.1 dev s1"
		echo "neigh add 198.51.100.1 lladdr $(mac 2 1) dev s1 nud permanent"
	} > "$b/gen"
	ip -n "$NS_GEN" -b "$b/gen" || { echo "configuring $NS_GEN failed"; return 1; }

	for ((i = 1; i <= n; i++)); do
		[ "$cfg" = gen ] ||
		ip -n "$NS-r$i" -b - <<-EOF || { echo "configuring router $i failed"; return 1; }
		link set lo up
		addr add 198.51.100.1/24 dev r0
		addr add 203.0.113.1/24 dev r1
		link set r0 addrgenmode none up
		link set r1 addrgenmode none up
		neigh add 198.51.100.2 lladdr $(mac 1 $i) dev r0 nud permanent
		neigh add 203.0.113.2 lladdr $(mac 4 $i) dev r1 nud permanent
		EOF
		ip -n "$NS-k$i" -b - <<-EOF || { echo "configuring sink $i failed"; return 1; }
		link set lo up
		addr add 203.0.113.2/24 dev k0
		link set k0 addrgenmode none up
		route add default via 203.0.113.1
		neigh add 203.0.113.1 lladdr $(mac 3 $i) dev k0 nud permanent
		EOF
		tc -n "$NS-k$i" -b - <<-EOF || { echo "sink $i: tc drop filter failed"; return 1; }
		qdisc add dev k0 clsact
		filter add dev k0 ingress pref 1 protocol ip u32 match ip protocol 17 0xff action drop
		EOF
	done

	if is_tunnel "$cfg"; then
		net_build_tunnels "$cfg" "$kind" "$n" "$b" || return 1
	fi
	if [ "$cfg" = veth-sb ]; then
		net_build_node_joins "$n" "$b" || return 1
	fi
	rm -rf "$b"
}

# veth-sb: the root sides aI and bI in hA, up and joined by shortbridge.
net_build_node_joins()
{
	local n=$1 b=$2 i
	{
		echo "link set lo up"
		for ((i = 1; i <= n; i++)); do
			echo "link set a$i addrgenmode none up"
			echo "link set b$i addrgenmode none up"
		done
	} > "$b/joins.up"
	ip -n "$NS_A" -b "$b/joins.up" || { echo "$NS_A: ports up failed"; return 1; }
	ip netns exec "$NS_A" bash -c '
		for ((i = 1; i <= $1; i++)); do
			trellisd sb add "a$i" "b$i" || exit 1
		done' - "$n" || { echo "$NS_A: trellisd sb add failed"; return 1; }
}

# The machines, their tunnels, and the switch joining each veth root end to
# its tunnel.
net_build_tunnels()
{
	local cfg=$1 kind=$2 n=$3 b=$4 i m
	local -A local_ip=([$NS_A]=192.0.2.1 [$NS_B]=192.0.2.2)
	local -A remote_ip=([$NS_A]=192.0.2.2 [$NS_B]=192.0.2.1)
	local -A remote_mac=([$NS_A]=$(mac 5 2) [$NS_B]=$(mac 5 1))

	for m in $NS_A $NS_B; do
		ip -n "$m" -b - <<-EOF || { echo "$m: underlay failed"; return 1; }
		link set lo up
		addr add ${local_ip[$m]}/24 dev u0
		link set u0 addrgenmode none up
		neigh add ${remote_ip[$m]} lladdr ${remote_mac[$m]} dev u0 nud permanent
		EOF
	done

	# port tunnel key, per machine
	: > "$b/$NS_A.joins"
	: > "$b/$NS_B.joins"
	for ((i = 1; i <= n; i++)); do
		echo "a$i ta$i $((2 * i - 1))" >> "$b/$NS_A.joins"
		echo "b$i tb$i $((2 * i - 1))" >> "$b/$NS_B.joins"
		[ "$TUNNEL_LINKS" = 2 ] || continue
		echo "d$i td$i $((2 * i))" >> "$b/$NS_A.joins"
		echo "c$i tc$i $((2 * i))" >> "$b/$NS_B.joins"
	done

	for m in $NS_A $NS_B; do
		case $kind in
		egre)
			# trellisd has no batch mode: one process per tunnel.
			ip netns exec "$m" bash -c '
				while read -r port tun key; do
					trellisd egre add "$tun" local "$1" remote "$2" key "$key" dev u0 || exit 1
				done < "$3"' - "${local_ip[$m]}" "${remote_ip[$m]}" "$b/$m.joins" ||
				{ echo "$m: trellisd egre add failed"; return 1; }
			;;
		gretap)
			while read -r port tun key; do
				echo "link add $tun type gretap local ${local_ip[$m]} remote ${remote_ip[$m]} key $key"
			done < "$b/$m.joins" > "$b/$m.tun"
			ip -n "$m" -b "$b/$m.tun" || { echo "$m: creating gretap devices failed"; return 1; }
			;;
		ovs)
			ovs_start "$m" || { echo "$m: Open vSwitch did not start"; return 1; }
			;;
		esac

		if [ "$kind" != ovs ]; then
			while read -r port tun key; do
				echo "link set $tun mtu 1500 addrgenmode none up"
				echo "link set $port addrgenmode none up"
			done < "$b/$m.joins" > "$b/$m.up"
			ip -n "$m" -b "$b/$m.up" || { echo "$m: tunnel MTU/up failed"; return 1; }
		fi

		case $cfg in
		egre-sb)
			ip netns exec "$m" bash -c '
				while read -r port tun key; do
					trellisd sb add "$port" "$tun" || exit 1
				done < "$1"' - "$b/$m.joins" ||
				{ echo "$m: trellisd sb add failed"; return 1; }
			;;
		*-br)
			while read -r port tun key; do
				echo "link add x$key type bridge"
				echo "link set x$key addrgenmode none"
				echo "link set $port master x$key"
				echo "link set $tun master x$key"
				echo "link set x$key up"
			done < "$b/$m.joins" > "$b/$m.br"
			ip -n "$m" -b "$b/$m.br" || { echo "$m: Linux bridges failed"; return 1; }
			;;
		*-mirred)
			while read -r port tun key; do
				echo "qdisc add dev $port clsact"
				echo "qdisc add dev $tun clsact"
				echo "filter add dev $port ingress matchall action mirred egress redirect dev $tun"
				echo "filter add dev $tun ingress matchall action mirred egress redirect dev $port"
			done < "$b/$m.joins" > "$b/$m.tc"
			tc -n "$m" -b "$b/$m.tc" || { echo "$m: tc mirred failed"; return 1; }
			;;
		ovs-gre)
			local args=() flows
			while read -r port tun key; do
				args+=(-- add-br "x$key" -- set bridge "x$key" fail-mode=secure
				       -- add-port "x$key" "$port"
				       -- add-port "x$key" "g$key" -- set interface "g$key" type=gre
				       "options:local_ip=${local_ip[$m]}" "options:remote_ip=${remote_ip[$m]}"
				       "options:key=$key")
			done < "$b/$m.joins"
			vsctl "$m" "${args[@]}" || { echo "$m: ovs-vsctl failed"; return 1; }
			while read -r port tun key; do
				flows="in_port=$port,actions=output:g$key
in_port=g$key,actions=output:$port"
				ovs-ofctl add-flows "unix:$OVS_RUN/$m/x$key.mgmt" - <<< "$flows" ||
					{ echo "$m: ovs-ofctl add-flows x$key failed"; return 1; }
				echo "link set $port addrgenmode none up"
			done < "$b/$m.joins" > "$b/$m.up"
			ip -n "$m" -b "$b/$m.up" || { echo "$m: ports up failed"; return 1; }
			;;
		esac
	done
}

# net_hold N: one sleeping process in each sink namespace, so that the
# sinks' counters are read from /proc/PID/net/dev without a process start
# per namespace.
net_hold()
{
	local n=$1 i
	HOLDERS=()
	for ((i = 1; i <= n; i++)); do
		ip netns exec "$NS-k$i" sleep 1000000 &
		HOLDERS+=($!)
	done
	# ip netns exec has exec'd sleep once /proc/PID/net is the sink's.
	for ((i = 0; i < n; i++)); do
		until [ "$(readlink "/proc/${HOLDERS[i]}/exe" 2>/dev/null)" = /usr/bin/sleep ]; do
			sleep 0.01
		done
	done
}

# sink_counts: prints rx_packets of k0 for each sink, one per line, in order.
sink_counts()
{
	local i files=()
	for ((i = 0; i < ${#HOLDERS[@]}; i++)); do
		files+=("/proc/${HOLDERS[i]}/net/dev")
	done
	awk '$1 == "k0:" { print $3 }' "${files[@]}"
}

# net_destroy: removes every benchmark namespace and waits until the kernel
# has finished dismantling them (netns cleanup runs in a workqueue and would
# otherwise steal cycles from the next measurement).
net_destroy()
{
	local p m
	for p in "${HOLDERS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${HOLDERS[@]}"; do
		wait "$p" 2>/dev/null
	done
	HOLDERS=()
	for m in $NS_A $NS_B; do
		[ -d "$OVS_RUN/$m" ] && ovs_stop "$m"
	done
	ip netns list | awk -v p="$NS-" 'index($1, p) == 1 { print "netns del " $1 }' > /tmp/bench-netns-del
	[ -s /tmp/bench-netns-del ] && ip -b /tmp/bench-netns-del
	rm -f /tmp/bench-netns-del
	netns_settled
}

# Namespace cleanup is done by a kernel worker of the "netns" workqueue,
# asynchronously, and takes long (every device unregistered waits for RCU
# grace periods): the next build or measurement must not compete with it.
# A worker running a work item shows it in its name ("kworker/u2:1+netns"):
# settled = no such worker in three looks 100 ms apart. (Neither CPU
# accounting nor guest time can tell: under -icount, /proc/stat counts no
# busy ticks and idle time is skipped.) Only shell builtins in the loop.
netns_settled()
{
	local i quiet=0 fd
	exec {fd}<> <(:)	# read -t on it: a sleep without a process
	for ((i = 0; i < 1200 && quiet < 3; i++)); do
		read -r -t 0.1 -u "$fd"
		if netns_worker_busy; then
			quiet=0
		else
			quiet=$((quiet + 1))
		fi
	done
	exec {fd}<&-
	[ "$quiet" -ge 3 ] || echo "bench: warning: namespace cleanup still running after 120 s" >&2
}

netns_worker_busy()
{
	local f c
	for f in /proc/[0-9]*/comm; do
		read -r c 2>/dev/null < "$f" || continue
		[[ $c == kworker/*netns* ]] && return 0
	done
	return 1
}
