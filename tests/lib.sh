# SPDX-License-Identifier: GPL-2.0
# Sourced by every in-guest test (tests/guest/*.sh, tests/pair/*.sh).
#
#   check "name" CMD...        TEST line: [ OK ] if CMD succeeds, else [FAIL]
#                              with the tail of CMD's output as the reason
#   check_fails "name" CMD...  the same, for a command that must fail
#   check_output "name" "want" CMD...
#                              CMD must succeed and print "want" as whole
#                              words ("0" does not match "10", "Up" not
#                              "Update")
#   check_error "name" "message" CMD...
#                              CMD must fail and say "message" (refusals),
#                              also matched as whole words
#   check_value "name" "want" CMD...
#                              CMD must succeed and print exactly "want"
#                              (one value: a count, an MTU, a field)
#   ok / fail "name" "reason" / skip "name" "reason"
#   defer CMD...               register a cleanup step beside its setup step;
#                              cleanups run in reverse order at exit
#   ns_add VAR prefix          create a uniquely named netns, store its name
#                              in VAR, and defer its deletion
#   veth_link NS1 DEV1 NS2 DEV2 [ADDR1 ADDR2]
#                              a veth pair between two namespaces, up,
#                              with an address on each end if given
#   egre_up NS NAME LOCAL REMOTE KEY ADDR [OPTIONS...]
#                              an egre tunnel with an address, up (OPTIONS
#                              as for trellisd egre add, e.g. dev ul)
#   ethtool_stat NS DEV NAME   one of DEV's ethtool -S statistics
#   link_stat NS DEV NAME...   DEV's /sys/class/net statistics (rx_packets,
#                              tx_bytes...), one a line, read in one go;
#                              NS "" is the current namespace
#   link_attr NS DEV NAME      one of DEV's /sys/class/net attributes (mtu)
#   ip_some [ip options] OBJECT show ...
#                              `ip -j' lists at least one object: for the
#                              filters that exit 0 when nothing matches
#                              (ip link show DEV up, ip addr show to ADDR)
#   link_flag NS DEV FLAG      DEV's flags include FLAG (UP, LOWER_UP,
#                              NO-CARRIER...)
#   all_answered CMD...        CMD is a ping with -c N: every one of the
#                              N echo requests must be answered
#   check_grew "name" BEFORE AFTER
#                              [ OK ] if the counter went up
#   insmod_built egre|shortbridge
#                              (re)load the module from this build tree
#   wait_for SECONDS CMD...    poll CMD until it succeeds (no fixed sleeps);
#                              on timeout it says what it waited for and
#                              shows CMD's last output
#   require_cmd CMD...         skip the whole script if a tool is missing
#   take_snapshot / same_as_before
#                              record everything a slice could leave behind
#                              (netns, links, qdiscs, namespaces of processes,
#                              trellis holders, mounts, /run/trellis), then
#                              diff the present against it
#
# A script ends with a non-zero status if any check failed.

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TRELLISD=$TOP/userspace/trellisd/trellisd
PATH=$TOP/userspace/trellisd:$PATH

TESTS_FAILED=0
_DEFERRED=()

# TRELLIS_PROFILE=1: each result is preceded by "# +N s", the seconds since
# the one before it, to find where a slow test spends its time.
_LAST_REPORT=$SECONDS
_report()
{
	if [ -n "${TRELLIS_PROFILE:-}" ]; then
		printf '# +%d s\n' $((SECONDS - _LAST_REPORT))
		_LAST_REPORT=$SECONDS
	fi
	printf 'TEST: %-64s [%s]\n' "$1" "$2"
}

ok()
{
	_report "$1" " OK "
}

fail()
{
	_report "$1" "FAIL"
	[ -n "${2:-}" ] && printf '\t%s\n' "$2" | sed '2,$s/^/\t/'
	TESTS_FAILED=$((TESTS_FAILED + 1))
	return 0
}

skip()
{
	_report "$1" "SKIP"
	printf '\t%s\n' "${2:-no reason given}"
}

check()
{
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		fail "$name" "$(printf '%s\n' "\$ $*" "$out" | tail -n 12)"
	fi
}

check_fails()
{
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		fail "$name" "$(printf '%s\n' "\$ $* (expected to fail)" "$out" | tail -n 12)"
	else
		ok "$name"
	fi
}

# Whole words: "want" neither starts nor ends inside a longer word (an end
# that is punctuation, as in "file.topo:", may touch anything).
_says()
{
	local re='\Q'"$2"'\E'
	[[ $2 =~ ^[[:alnum:]_] ]] && re='(?<!\w)'$re
	[[ $2 =~ [[:alnum:]_]$ ]] && re=$re'(?!\w)'
	printf '%s\n' "$1" | grep -qP -- "$re"
}

check_output()
{
	local name=$1 want=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" != 0 ]; then
		fail "$name" "$(printf '%s\n' "\$ $* (failed with status $rc)" "$out" | tail -n 12)"
	elif _says "$out" "$want"; then
		ok "$name"
	else
		fail "$name" "$(printf '%s\n' "\$ $*" "expected output containing the words: $want" "got:" "$out" | tail -n 12)"
	fi
}

check_value()
{
	local name=$1 want=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" = 0 ] && [ "$out" = "$want" ]; then
		ok "$name"
	else
		fail "$name" "$(printf '%s\n' "\$ $* (status $rc)" "expected exactly: $want" "got:" "$out" | tail -n 12)"
	fi
}

check_error()
{
	local name=$1 want=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		fail "$name" "$(printf '%s\n' "\$ $* (expected to fail with: $want)" "$out" | tail -n 12)"
	elif ! _says "$out" "$want"; then
		fail "$name" "$(printf '%s\n' "\$ $*" "expected an error containing: $want" "got:" "$out" | tail -n 12)"
	else
		ok "$name"
	fi
}

defer()
{
	local cmd=
	printf -v cmd '%q ' "$@"
	_DEFERRED+=("$cmd")
}

run_deferred()
{
	local i
	for ((i = ${#_DEFERRED[@]} - 1; i >= 0; i--)); do
		eval "${_DEFERRED[i]}" >/dev/null 2>&1
	done
	_DEFERRED=()
}

_exit_handler()
{
	run_deferred
	[ "$TESTS_FAILED" -eq 0 ] || exit 1
}
trap _exit_handler EXIT

ns_add()
{
	local -n _var=$1
	_var=$2-$$-$RANDOM
	ip netns add "$_var" || return 1
	defer ip netns del "$_var"
	ip -n "$_var" link set lo up
}

# veth_link NS1 DEV1 NS2 DEV2 [ADDR1 ADDR2]: a veth pair between two
# namespaces, both ends up, each with its address (CIDR) when given.
veth_link()
{
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" || return 1
	if [ $# -ge 6 ]; then
		ip -n "$1" addr add "$5" dev "$2" || return 1
		ip -n "$3" addr add "$6" dev "$4" || return 1
	fi
	ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

# ipv6_off NS: devices created in NS from now on have no IPv6, so no
# router solicitation, MLD or DAD frame disturbs traffic being counted.
ipv6_off()
{
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
}

# mac_of NS DEV: DEV's MAC address.
mac_of()
{
	ip -n "$1" -br link show dev "$2" | awk '{ print $3 }'
}

# neigh_pin NS DEV ADDR PEER_NS PEER_DEV: a permanent neighbour entry in NS
# on DEV, ADDR at PEER_DEV's MAC address, so no ARP crosses the link.
neigh_pin()
{
	ip -n "$1" neigh replace "$3" lladdr "$(mac_of "$4" "$5")" dev "$2" nud permanent
}

# egre_up NS NAME LOCAL REMOTE KEY ADDR [OPTIONS...]: an egre tunnel in NS with the
# address ADDR (CIDR), up.
egre_up()
{
	local ns=$1 name=$2 local=$3 remote=$4 key=$5 addr=$6
	shift 6
	ip netns exec "$ns" "$TRELLISD" egre add "$name" local "$local" remote "$remote" key "$key" "$@" &&
		ip -n "$ns" addr add "$addr" dev "$name" && ip -n "$ns" link set "$name" up
}

# ethtool_stat NS DEV NAME: the value of one of DEV's ethtool statistics.
ethtool_stat()
{
	ip netns exec "$1" ethtool -S "$2" | awk -v k="$3:" '$1 == k { print $2 }'
}

# link_stat NS DEV NAME...: DEV's statistics (rx_packets, tx_bytes, ...)
# from /sys/class/net, one a line, read by a single process ("" for NS: the
# current namespace).  Prints nothing and fails if DEV is not there.
link_stat()
{
	local ns=$1 dev=$2 n files=()
	shift 2
	for n; do files+=("/sys/class/net/$dev/statistics/$n"); done
	if [ -n "$ns" ]; then
		ip netns exec "$ns" cat "${files[@]}"
	else
		cat "${files[@]}"
	fi
}

# link_attr NS DEV NAME: one of DEV's /sys/class/net attributes (mtu, ...).
link_attr()
{
	if [ -n "$1" ]; then
		ip netns exec "$1" cat "/sys/class/net/$2/$3"
	else
		cat "/sys/class/net/$2/$3"
	fi
}

# ip_some ARGS...: `ip -j ARGS' lists at least one object.  `ip link show
# DEV up' and `ip addr show ... to ADDR' exit 0 when nothing matches.
ip_some()
{
	local out
	out=$(ip -j "$@") || return 1
	jq -e 'length > 0' <<< "$out" >/dev/null || { echo "nothing matches: ip $*"; return 1; }
}

# link_flag NS DEV FLAG: DEV's flags include FLAG ("" for NS: here).
link_flag()
{
	local out
	out=$(ip ${1:+-n "$1"} -j link show dev "$2") || return 1
	jq -e --arg f "$3" '.[0].flags | index($f) != null' <<< "$out" >/dev/null ||
		{ echo "$2 has no flag $3: $(jq -c '.[0].flags' <<< "$out")"; return 1; }
}

# all_answered CMD...: CMD runs ping with -c N; every one of the N echo
# requests must have been answered (ping itself succeeds on one of N).
all_answered()
{
	local out sent got
	out=$("$@" 2>&1)
	printf '%s\n' "$out" | tail -n 3
	read -r sent got < <(printf '%s\n' "$out" |
		sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) \(packets \)\{0,1\}received.*/\1 \2/p')
	[ -n "$sent" ] && [ "$sent" -gt 0 ] && [ "$got" = "$sent" ]
}

# check_grew "name" BEFORE AFTER: [ OK ] if a counter went up.
check_grew()
{
	if [ "${3:-0}" -gt "${2:-0}" ]; then
		ok "$1 ($2 -> $3)"
	else
		fail "$1" "counter $2 -> $3"
	fi
}

insmod_built()
{
	local mod=$1 ko=$TOP/kernel/$1/$1.ko dep
	[ -f "$ko" ] || { echo "$ko is not built: run make" >&2; return 1; }
	# The debug kernel's guests see build/debug-modules/kernel here (scripts/vm).
	[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$(uname -r)" ] ||
		{ echo "$ko is not built for $(uname -r)" >&2; return 1; }
	if [ -d "/sys/module/$mod" ]; then
		rmmod "$mod" || return 1
	fi
	for dep in $(modinfo -F depends "$ko" | tr , ' '); do
		modprobe "$dep" || return 1
	done
	insmod "$ko"
}

wait_for()
{
	local secs=$1 deadline=$((SECONDS + $1)) out
	shift
	until out=$("$@" 2>&1); do
		if [ "$SECONDS" -ge "$deadline" ]; then
			printf '%s\n' "$out" | tail -n 8
			echo "wait_for: gave up after $secs s waiting for: $*"
			return 1
		fi
		sleep 0.2
	done
}

require_cmd()
{
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			skip "$(basename "$0")" "$c is not installed (scripts/deps installs it)"
			exit 0
		fi
	done
}

_SNAPSHOT=

snapshot()
{
	echo "# netns"; ip netns list
	echo "# links"; ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort
	echo "# qdiscs"; tc qdisc show | sed 's/ refcnt [0-9]*//' | sort
	echo "# namespaces of processes"
	# One find for every process (a readlink each took seconds in TCG).
	find /proc/[0-9]*/ns/net /proc/[0-9]*/ns/mnt /proc/[0-9]*/ns/uts \
		-maxdepth 0 -printf '%l\n' 2>/dev/null | sort -u
	echo "# holder processes"; pgrep -l '^trellis:' | sort
	echo "# mounts"; awk '{ print $5, $9 }' /proc/self/mountinfo | sort
	echo "# state"; ls -A /run/trellis 2>/dev/null
}

take_snapshot()
{
	if [ -z "$_SNAPSHOT" ]; then
		_SNAPSHOT=$(mktemp /tmp/trellis-snapshot.XXXXXX)
		defer rm -f "$_SNAPSHOT"
	fi
	snapshot > "$_SNAPSHOT"
}

same_as_before()
{
	diff -u "$_SNAPSHOT" <(snapshot)
}

# Two-guest tests (scripts/vm-pair) step in phases: a guest that has passed
# phase N adds 192.0.2.(100 + 10 N + 1 on a, + 2 on b)/32 to its eth0, and
# the other waits until that address answers.
_pair_index() { [ "$TRELLIS_NODE" = a ] && echo 1 || echo 2; }
signal() {	# PHASE: this guest has passed it
	ip addr add "192.0.2.$((100 + 10 * $1 + $(_pair_index)))/32" dev eth0
}
await() {	# PHASE SECONDS: until the peer has passed PHASE
	wait_for "$2" ping -c 1 -W 1 "192.0.2.$((100 + 10 * $1 + 3 - $(_pair_index)))"
}
