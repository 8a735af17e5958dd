#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# trellisd's entry points (issue 14, point 5), each bug listed at the top of
# the issue reproduced and shown fixed:
#   - bad names ('', '.', '..', '../x', 'a/b', 200 characters, control and
#     non-ASCII bytes) given to down, exec, logs, status, link and apply are
#     refused with exit status 2 and change nothing (down '' removed the run
#     directory, down .. its parent);
#   - a journal whose holder is gone and whose namespace inodes now belong
#     to an unrelated process: down leaves that process alone (processes are
#     found through the slice's cgroup, never by inode);
#   - a journal line cut short by a crash is ignored: it never names a
#     device to delete;
#   - a `file' of mode 0600 is installed 0600;
#   - `up topo/x.topo' with a relative bird config, then `apply' rebuilding
#     that host: bird runs again;
#   - one lock: a second trellisd waits for it (or gives up after a bound),
#     two concurrent ups of one slice or of two slices with one GRE key:
#     one wins, the state stays consistent;
#   - every process of a slice is in its cgroup and goes at down; no cgroup
#     v2 mounted: up refuses clearly.
#
#   Every slice here is two hosts on one link:  X1 eth0 ---- eth0 X2
#
# timeout: 1800
# cost: 69

. "$(dirname "$0")/../lib.sh"

require_cmd ip awk stat python3 unshare

T=$TRELLISD
CG=/sys/fs/cgroup/trellis
tmp=$(mktemp -d /tmp/trellisd-entry.XXXXXX)
defer rm -rf "$tmp"

take_snapshot

topo()	# slice [lines for host 1] [link options]: a two-host slice to stdout
{
	printf 'slice %s\nhost %s1\n%bhost %s2\nlink %s1:eth0 %s2:eth0 %s\n' \
		"$1" "$1" "${2:-}" "$1" "$1" "$1" "${3:-}"
}

# Exit status 2, an error containing want, and nothing under the scratch
# run directory changed.
refused()	# name want cmd...
{
	local name=$1 want=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" != 2 ]; then
		fail "$name" "$(printf '%s\n' "\$ $* (status $rc, expected 2)" "$out" | tail -n 8)"
	elif ! _says "$out" "$want"; then
		fail "$name" "$(printf '%s\n' "\$ $*" "expected: $want" "got: $out" | tail -n 8)"
	elif [ "$(scratch_state)" != "$scratch_before" ]; then
		fail "$name" "$(diff <(echo "$scratch_before") <(scratch_state) | head -n 8)"
	else
		ok "$name"
	fi
}

alive()	# pid: running, not a zombie
{
	[ -e /proc/"$1"/status ] && ! grep -q '^State:[[:space:]]*Z' /proc/"$1"/status
}
dead() { ! alive "$1"; }

# --- bad names, on a scratch run directory --------------------------------
R=$tmp/scratch/trellis
TR() { TRELLIS_RUNDIR=$R "$T" "$@"; }
scratch_state() { find "$tmp/scratch" -printf '%p %s\n' | sort; }
topo nm > "$tmp/nm.topo"
mkdir -p "$tmp/scratch" && echo canary > "$tmp/scratch/canary"
check "names: a slice up in a scratch run directory" TR up "$tmp/nm.topo"
defer env TRELLIS_RUNDIR="$R" "$T" down nm
scratch_before=$(scratch_state)

long=$(printf 'a%.0s' {1..200})
refused "names: down .. is refused" "invalid slice name '..'" TR down ..
refused "names: down '' is refused" "invalid slice name '': it is empty" TR down ''
refused "names: down . is refused" "invalid slice name '.'" TR down .
refused "names: down ../x is refused" "invalid slice name '../x'" TR down ../x
refused "names: down a/b is refused" "invalid slice name 'a/b'" TR down a/b
refused "names: down of 200 characters is refused" "it has 200 characters, more than 31" \
	TR down "$long"
refused "names: down of a control character is refused" "invalid slice name 'a\\x1b[2Jb'" \
	TR down $'a\e[2Jb'
refused "names: down of a non-ASCII name is refused" "invalid slice name 'r\\xc3\\xa9seau'" \
	TR down $'r\xc3\xa9seau'
refused "names: exec '' is refused" "invalid slice name ''" TR exec '' nm1 -- true
refused "names: exec .. is refused" "invalid slice name '..'" TR exec .. nm1 -- true
refused "names: exec of host ../x is refused" "invalid host name '../x'" TR exec nm ../x -- true
refused "names: logs .. is refused" "invalid slice name '..'" TR logs .. nm1
refused "names: logs of host ../../etc is refused" "invalid host name '../../etc'" \
	TR logs nm ../../etc
refused "names: logs of daemon ../../../etc/shadow is refused" \
	"invalid daemon name '../../../etc/shadow'" TR logs nm nm1 ../../../etc/shadow
refused "names: status .. is refused" "invalid slice name '..'" TR status ..
refused "names: status '' is refused" "invalid slice name ''" TR status ''
refused "names: link set of host ../x is refused" "invalid host name '../x'" \
	TR link set nm ../x:eth0 none
refused "names: link down of interface .. is refused" "invalid interface name '..'" \
	TR link down nm nm1:..
refused "names: apply --node ../x is refused" "invalid node name '../x'" \
	TR apply "$tmp/nm.topo" --node ../x
check "names: the slice still runs" TR exec nm nm1 -- true
check_output "names: down of the slice by its file still works" "nm: down" \
	TR down "$tmp/nm.topo"
check "names: the scratch directory's canary is still there" test -e "$tmp/scratch/canary"

# --- every process of a slice in its cgroup ----------------------------------
topo cg > "$tmp/cg.topo"
check "cgroup: up" "$T" up "$tmp/cg.topo"
check "cgroup: the slice has a cgroup with memory, pids and cpu" \
	test -e $CG/cg/memory.max -a -e $CG/cg/pids.max -a -e $CG/cg/cpu.weight
# No policy.conf: a default bound on processes, 256 + 64 per host.
check_value "cgroup: by default, at most 256 + 2 x 64 processes" 384 cat $CG/cg/pids.max
holder=$(awk '$1 == "host" && $2 == "cg1" { p = $3 } END { print p }' /run/trellis/cg/journal)
per_host=$(wc -l < $CG/cg/host-cg1/cgroup.procs)	# a host's processes, deployed alone
check_value "cgroup: a holder is in its host's cgroup" "0::/trellis/cg/host-cg1" \
	cat /proc/"$holder"/cgroup
# exec, of a process that leaves the host's namespaces behind (looked at
# from outside: inside, the host may have cgroup and PID namespaces).
"$T" exec cg cg2 -- unshare -n -m sleep 100000 &
stray=$!
check "cgroup: exec, even leaving the host's namespaces, stays in its cgroup" \
	wait_for 30 grep -qx "$stray" $CG/cg/host-cg2/cgroup.procs
check "cgroup: down" "$T" down cg
check "cgroup: down killed the stray process" wait_for 60 dead "$stray"
kill -9 "$stray" 2>/dev/null
wait "$stray" 2>/dev/null
check "cgroup: down removed the slice's cgroup" test ! -e $CG/cg

# --- a journal naming a gone holder and an unrelated process's inodes ------
topo jr > "$tmp/jr.topo"
check "inodes: up" "$T" up "$tmp/jr.topo"
unshare -n -m sleep 100000 &
other=$!
defer kill -9 "$other"
wait_for 20 test "$(readlink /proc/$other/ns/net)" != "$(readlink /proc/self/ns/net)"
neti=$(stat -L -c %i /proc/$other/ns/net)
mnti=$(stat -L -c %i /proc/$other/ns/mnt)
holder=$(awk '$1 == "host" && $2 == "jr1" { p = $3 } END { print p }' /run/trellis/jr/journal)
kill -9 "$holder"
check "inodes: the holder is gone" wait_for 20 test ! -e /proc/"$holder"
# As if the kernel had reused the gone namespaces' inode numbers.
awk -v n="$neti" -v m="$mnti" '$1 == "host" && $2 == "jr1" { $5 = n; $6 = m } { print }' \
	/run/trellis/jr/journal > "$tmp/journal" && cat "$tmp/journal" > /run/trellis/jr/journal
check "inodes: down" "$T" down jr
check "inodes: the unrelated process survives down" alive "$other"
kill -9 "$other"

# --- a torn journal line -----------------------------------------------------
topo tj > "$tmp/tj.topo"
check "torn: up" "$T" up "$tmp/tj.topo"
ip link add tv0000 type dummy
defer ip link del tv0000
printf 'rlink tv0000' >> /run/trellis/tj/journal	# a crash cut "tv00001234"
check "torn: down" "$T" down tj
check "torn: the device a torn line half names is left alone" ip link show tv0000
ip link del tv0000

# --- file modes ----------------------------------------------------------------
echo secret > "$tmp/secret" && chmod 0600 "$tmp/secret"
echo public > "$tmp/public" && chmod 0644 "$tmp/public"
topo fm "    file /etc/trellis-secret $tmp/secret\n    file /etc/trellis-public $tmp/public\n" \
	> "$tmp/fm.topo"
check "modes: up" "$T" up "$tmp/fm.topo"
check_value "modes: a 0600 file is installed 0600" 600 \
	"$T" exec fm fm1 -- stat -c %a /etc/trellis-secret
check_value "modes: a 0644 file is installed 0644" 644 \
	"$T" exec fm fm1 -- stat -c %a /etc/trellis-public
check_value "modes: its copy in the run directory is 0600 too" 600 \
	stat -c %a /run/trellis/fm/hosts/fm1/etc/trellis-secret
check "modes: down" "$T" down fm

# --- a relative config, and apply rebuilding its host --------------------------
bird_state()	# host: "PID STATE" of its bird
{
	awk -v h="$1" '$1 == h && $2 == "bird" { print $3, $4 }' /run/trellis/rel/daemons/status
}
bird_runs_anew()	# host old-pid
{
	local s
	s=$(bird_state "$1")
	[ "${s#* }" = running ] && [ "${s% *}" != "$2" ] && [ "${s% *}" != 0 ]
}
if command -v bird >/dev/null; then
	mkdir -p "$tmp/rel/topo"
	printf 'router id 192.0.2.1;\nprotocol device { }\n' > "$tmp/rel/topo/bird.conf"
	topo rel "    bird config bird.conf\n" > "$tmp/rel/topo/x.topo"
	check "relative: up topo/x.topo from its parent" \
		bash -c "cd '$tmp/rel' && '$T' up topo/x.topo"
	check "relative: bird runs" wait_for 300 bird_runs_anew rel1 0
	pid=$(bird_state rel1)
	pid=${pid% *}
	sup=$(awk '{ print $1 }' /run/trellis/rel/daemons/supervisor.pid)
	check_value "relative: the supervisor is in the slice's cgroup" \
		"0::/trellis/rel/supervisor" cat /proc/"$sup"/cgroup
	check_value "relative: bird is in its host's cgroup" "0::/trellis/rel/host-rel1" \
		cat /proc/"$pid"/cgroup
	# A new hostname: apply rebuilds the host, bird must start again.
	sed -i 's/^host rel1$/host rel1 hostname rel1-new/' "$tmp/rel/topo/x.topo"
	check "relative: apply topo/x.topo rebuilds the host" \
		bash -c "cd '$tmp/rel' && '$T' apply topo/x.topo"
	check_value "relative: the host is new" rel1-new "$T" exec rel rel1 -- hostname
	check "relative: bird runs again in the new host" wait_for 300 bird_runs_anew rel1 "$pid"
	check_fails "relative: bird is not marked failed" \
		grep -q '^rel1 bird .* failed' /run/trellis/rel/daemons/status
	check "relative: down" "$T" down rel
else
	skip "relative: a bird config, then apply" "bird is not installed"
fi

# --- one lock --------------------------------------------------------------------
topo lk > "$tmp/lk.topo"
mkdir -p /run/trellis
python3 -c '
import fcntl, os, sys, time
fd = os.open("/run/trellis/.lock", os.O_RDWR | os.O_CREAT, 0o600)
fcntl.lockf(fd, fcntl.LOCK_EX)
open(sys.argv[1], "w").close()
while not os.path.exists(sys.argv[2]):
	time.sleep(0.05)
' "$tmp/locked" "$tmp/release" &
locker=$!
wait_for 30 test -e "$tmp/locked"
check_error "lock: a second trellisd gives up after TRELLIS_LOCK_WAIT" \
	"another trellisd still holds /run/trellis/.lock after 1 s; nothing changed" \
	env TRELLIS_LOCK_WAIT=1 "$T" up "$tmp/lk.topo"
check_fails "lock: ... and nothing of the slice was made" test -e /run/trellis/lk
"$T" up "$tmp/lk.topo" > "$tmp/lk.out" 2>&1 &
waiter=$!
check "lock: another waits for the lock" \
	wait_for 60 grep -q "waiting for the lock, held by pid $locker" "$tmp/lk.out"
check_fails "lock: ... and has made nothing meanwhile" test -e /run/trellis/lk
touch "$tmp/release"
wait "$locker"
rc=0
wait "$waiter" || rc=$?
check_value "lock: it goes on once the lock is free" "0 lk: up" \
	echo "$rc $(grep -o 'lk: up' "$tmp/lk.out")"
check "lock: down" "$T" down lk

# Two ups of one slice at once: one wins, the other says it is up.
topo same > "$tmp/same.topo"
"$T" up "$tmp/same.topo" > "$tmp/same1.out" 2>&1 & p1=$!
"$T" up "$tmp/same.topo" > "$tmp/same2.out" 2>&1 & p2=$!
r1=0 r2=0
wait $p1 || r1=$?
wait $p2 || r2=$?
check_value "same slice at once: exactly one up succeeds" "0 1" \
	echo "$(printf '%s\n' $r1 $r2 | sort -n | tr '\n' ' ' | sed 's/ $//')"
check "same slice at once: the other says it is already up" \
	grep -q "the slice is already up" "$tmp/same1.out" "$tmp/same2.out"
check_value "same slice at once: each host has the processes of one" "$per_host $per_host" \
	echo "$(wc -l < $CG/same/host-same1/cgroup.procs) $(wc -l < $CG/same/host-same2/cgroup.procs)"
check_value "same slice at once: two hosts in the journal" 2 \
	awk '$1 == "host" { h[$2] = 1 } END { print length(h) }' /run/trellis/same/journal
check "same slice at once: the link is there" "$T" exec same same1 -- ip link show eth0
check "same slice at once: down" "$T" down same

# Two slices with one GRE key at once: the second sees the first's key.
topo ka "" "key 4242" > "$tmp/ka.topo"
topo kb "" "key 4242" > "$tmp/kb.topo"
"$T" up "$tmp/ka.topo" > "$tmp/ka.out" 2>&1 & p1=$!
"$T" up "$tmp/kb.topo" > "$tmp/kb.out" 2>&1 & p2=$!
r1=0 r2=0
wait $p1 || r1=$?
wait $p2 || r2=$?
check_value "one key at once: exactly one up succeeds" "0 1" \
	echo "$(printf '%s\n' $r1 $r2 | sort -n | tr '\n' ' ' | sed 's/ $//')"
check "one key at once: the other names the key" \
	grep -q "GRE key 4242 .* is already used" "$tmp/ka.out" "$tmp/kb.out"
"$T" down ka >/dev/null 2>&1
"$T" down kb >/dev/null 2>&1

# Two slices at once: both up.
topo pa > "$tmp/pa.topo"
topo pb > "$tmp/pb.topo"
"$T" up "$tmp/pa.topo" > "$tmp/pa.out" 2>&1 & p1=$!
"$T" up "$tmp/pb.topo" > "$tmp/pb.out" 2>&1 & p2=$!
r1=0 r2=0
wait $p1 || r1=$?
wait $p2 || r2=$?
check_value "two slices at once: both up" "0 0" echo "$r1 $r2"
check_output "two slices at once: status shows pa" "pa" "$T" status pa
check_output "two slices at once: status shows pb" "pb" "$T" status pb
check "two slices at once: down pa" "$T" down pa
check "two slices at once: down pb" "$T" down pb

# --- no cgroup v2 -----------------------------------------------------------------
topo ncg > "$tmp/ncg.topo"
check_error "no cgroup: up refuses clearly" \
	"cgroup v2 is not mounted at /sys/fs/cgroup" \
	unshare -m bash -c "umount -l /sys/fs/cgroup && exec '$T' up '$tmp/ncg.topo'"
check_fails "no cgroup: nothing of the slice was made" test -e /run/trellis/ncg

# --- nothing left ---------------------------------------------------------------
if wait_for 30 same_as_before; then
	ok "nothing left behind"
else
	fail "nothing left behind" "$(same_as_before | head -30)"
fi
check "no slice cgroup left" test ! -e $CG
