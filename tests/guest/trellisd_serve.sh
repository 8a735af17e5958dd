#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# trellisd serve: the daemon owns the slices, users in group trellis act on
# their own slices only, a slice's state is private to root and read by its
# owner through the daemon, policy.conf quotas are exact, a user's
# connections are capped, a topology's files are read as its user, the API
# refuses bad names, events are published, and a daemon killed in the
# middle of a deploy leaves a slice completed or rolled back.
#
#   root:   trellisd serve --policy $tmp/policy.conf   (/run/trellis/trellisd.sock,
#           group trellis, mode 0660), started as systemd starts it with
#           Delegate=yes: in $UNIT, a cgroup marked trusted.delegate (after
#           a restart, in $UNIT/serve, as DelegateSubgroup=serve does)
#   alice (trellis)  slice sa:  a1 eth0 ---- eth0 a2   (198.51.100.0/24)
#   bob   (trellis)  slice sb:  b1 eth0 ---- eth0 b2   (192.0.2.0/24)
#   carol (not in trellis)
#
# timeout: 1500
# cost: 147

. "$(dirname "$0")/../lib.sh"

require_cmd runuser useradd groupadd python3 jq

SOCK=/run/trellis/trellisd.sock
tmp=$(mktemp -d /tmp/trellisd-serve.XXXXXX)
chmod 755 "$tmp"
defer rm -rf "$tmp"
# A copy: the shared tree's binary may be rebuilt while the daemon runs.
# Its plugin (import, graph) goes beside it, where trellisd looks for it.
T=$tmp/trellisd
cp "$TRELLISD" "$T"
cp "$(dirname "$TRELLISD")/trellisd-tools.so" "$tmp/"

groupadd trellis
for u in alice bob carol; do
	useradd -M -d "$tmp/$u" "$u"
	mkdir "$tmp/$u"
	chown "$u:" "$tmp/$u"
done
usermod -aG trellis alice
usermod -aG trellis bob

as()	# user cmd...
{
	local u=$1
	shift
	(cd "$tmp/$u" && runuser -u "$u" -- "$@")
}

line()	# user slice prefix hosts...: a slice of one link, or hosts alone
{
	local u=$1 s=$2 p=$3 f="$tmp/$1/$2.topo"
	shift 3
	{
		echo "slice $s"
		for h in "$@"; do echo "host $h"; done
		if [ $# -eq 2 ]; then
			echo "link $1:eth0 $2:eth0"
			echo "    addr $1 $p.1/24"
			echo "    addr $2 $p.2/24"
		fi
	} > "$f"
	chown "$u:" "$f"
}

cat > "$tmp/policy.conf" <<'EOF'
# trellisd_serve's policy
per-host processes 200 memory 256M
user alice slices 1 hosts 4
user * slices 3 hosts 3
group trellis links 10
EOF

answers()
{
	python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$SOCK"
}
# The cgroup systemd would delegate to trellisd.service.
UNIT=/sys/fs/cgroup/trl-serve.service
delegated=
# systemd enables the controllers a Delegate=yes unit is given.
echo "+memory +pids +cpu" > /sys/fs/cgroup/cgroup.subtree_control
mkdir "$UNIT"
defer rm -f /run/trellis/.cgroup
defer rmdir "$UNIT"
defer rmdir "$UNIT/serve"
if python3 -c 'import os, sys; os.setxattr(sys.argv[1], "trusted.delegate", b"1")' "$UNIT"; then
	delegated=1
	CGT=$UNIT/trellis
else
	CGT=/sys/fs/cgroup/trellis
fi
serve_pid=
start_serve()	# (environment: the daemon's)
{
	local cg=/sys/fs/cgroup

	if [ -n "$delegated" ]; then
		cg=$UNIT
		[ -d "$UNIT/serve" ] && cg=$UNIT/serve
	fi
	(echo "$BASHPID" > "$cg/cgroup.procs" && exec "$T" serve --policy "$tmp/policy.conf") \
		>> "$tmp/serve.log" 2>&1 &
	serve_pid=$!
	wait_for 60 answers
}
stop_serve()
{
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
	serve_pid=
}

take_snapshot
start_serve
defer stop_serve
check_value "socket: group trellis, mode 0660" "srw-rw---- root trellis" \
	stat -c '%A %U %G' "$SOCK"

# Root's subscription sees every event; bob's only his own slices' and
# the daemon's.
"$T" events > "$tmp/events" 2>&1 &
events_pid=$!
defer kill $events_pid
as bob "$T" events > "$tmp/events.bob" 2>&1 &
defer kill $!

line alice sa 198.51.100 a1 a2
line bob sb 192.0.2 b1 b2

# --- two users deploy at the same time -------------------------------------
as alice "$T" up sa.topo > "$tmp/alice.up" 2>&1 &
pa=$!
as bob "$T" up sb.topo > "$tmp/bob.up" 2>&1 &
pb=$!
if wait $pa; then ok "alice: up sa beside bob's up"; else fail "alice: up sa beside bob's up" "$(cat "$tmp/alice.up")"; fi
if wait $pb; then ok "bob: up sb beside alice's up"; else fail "bob: up sb beside alice's up" "$(cat "$tmp/bob.up")"; fi
check_value "sa belongs to alice" "$(id -u alice)" cat /run/trellis/sa/owner
check_value "sb belongs to bob" "$(id -u bob)" cat /run/trellis/sb/owner
if [ -n "$delegated" ]; then
	check_value "delegated cgroup: the daemon moved into UNIT/serve" "0::/trl-serve.service/serve" \
		cat "/proc/$serve_pid/cgroup"
	check "delegated cgroup: sa's hosts are in UNIT/trellis/sa" test -d "$UNIT/trellis/sa/host-a1"
	check_fails "delegated cgroup: nothing in /sys/fs/cgroup/trellis" test -e /sys/fs/cgroup/trellis
	check_value "delegated cgroup: UNIT's children have memory, pids and cpu" "cpu memory pids" \
		bash -c "tr ' ' '\n' < $UNIT/cgroup.subtree_control | grep -xE 'cpu|memory|pids' | sort | xargs"
	check_value "delegated cgroup: recorded for root's commands by hand" "$UNIT" cat /run/trellis/.cgroup
else
	skip "delegated cgroup" "cannot set trusted.delegate on $UNIT"
fi
check_value "sa's cgroup: memory.max from policy (2 x 256M)" 536870912 cat "$CGT/sa/memory.max"
check_value "sa's cgroup: no swap beside it" 0 cat "$CGT/sa/memory.swap.max"

# --- a slice's state is root's; its owner reads it through the daemon --------
check_value "state: /run/trellis is 0711, sa's directory 0700" "711 700" \
	bash -c "stat -c %a /run/trellis /run/trellis/sa | xargs"
for f in topology source journal keys owner limits; do
	check "state: bob cannot read sa/$f" \
		bash -c "test -s /run/trellis/sa/$f && ! runuser -u bob -- cat /run/trellis/sa/$f"
done
check_fails "state: alice reads sa's files through the daemon only" as alice cat /run/trellis/sa/topology
check_fails "state: bob cannot list the slices" as bob ls /run/trellis
check_error "bob: status of sa refused" "slice sa belongs to alice, not to bob" as bob "$T" status sa
check_value "bob: status lists his slices only" "sb" \
	bash -c "cd $tmp/bob && runuser -u bob -- $T status --json | jq -r '.[].slice' | xargs"
check_value "alice: status lists her slices only" "sa" \
	bash -c "cd $tmp/alice && runuser -u alice -- $T status --json | jq -r '.[].slice' | xargs"
check_error "bob: graph of sa refused" "slice sa belongs to alice, not to bob" \
	as bob "$T" graph sa -o sa.svg
check_fails "bob: no picture of sa" test -e "$tmp/bob/sa.svg"
check "alice: graph of her slice through the daemon" as alice "$T" graph sa -o sa.svg
check_value "alice: the picture is hers, with her slice's hosts" "alice 2" \
	bash -c "echo \$(stat -c %U $tmp/alice/sa.svg) \$(grep -c '<title>a[12]</title>' $tmp/alice/sa.svg)"
check_error "alice: graph cannot write where she cannot" "Permission denied" \
	as alice "$T" graph sa -o /etc/trellis-sa.svg
check_fails "alice: no picture in /etc" test -e /etc/trellis-sa.svg
check "alice: exec into her slice" as alice "$T" exec sa a1 -- ping -c 1 -W 5 198.51.100.2
check "bob: exec into his slice" as bob "$T" exec sb b1 -- ping -c 1 -W 5 192.0.2.2
check_value "exec: the command's exit status comes back" 7 \
	bash -c "cd $tmp/alice && runuser -u alice -- $T exec sa a1 -- sh -c 'exit 7'; echo \$?"
check_output "exec: stdin reaches the command" "hello-from-alice" \
	bash -c "echo hello-from-alice | (cd $tmp/alice && runuser -u alice -- $T exec sa a1 -- cat)"
check_output "logs: alice reads her host's logs" "a1" as alice "$T" logs sa a1
{ as alice "$T" exec sa a1 -- sleep 1000 & } 2>/dev/null
wait_for 60 pgrep -f '^sleep 1000$' > /dev/null
client=$(pgrep -n -u alice -f "exec sa a1 -- sleep 1000")
kill "$client"
check "exec: the command gets SIGHUP when its client goes" \
	wait_for 60 bash -c "! pgrep -f '^sleep 1000\$'"

# --- each acts on their own slice only ---------------------------------------
before=$(ls -l --time-style=+%s.%N /run/trellis/sa; cat /run/trellis/sa/journal)
check_error "bob: down sa refused" "slice sa belongs to alice, not to bob" as bob "$T" down sa
check_error "bob: exec into sa refused" "slice sa belongs to alice, not to bob" \
	as bob "$T" exec sa a1 -- true
check_error "bob: logs of sa refused" "slice sa belongs to alice, not to bob" as bob "$T" logs sa a1
check_error "bob: link down on sa refused" "slice sa belongs to alice, not to bob" \
	as bob "$T" link down sa a1:eth0
check_error "bob: link set on sa refused" "slice sa belongs to alice, not to bob" \
	as bob "$T" link set sa a1:eth0 delay 10ms
cp "$tmp/alice/sa.topo" "$tmp/bob/sa.topo"
echo "host a3" >> "$tmp/bob/sa.topo"
chown bob: "$tmp/bob/sa.topo"
check_error "bob: apply to sa refused" "slice sa belongs to alice, not to bob" \
	as bob "$T" apply sa.topo
check_error "bob: up of a slice named sa refused" "the slice is already up" as bob "$T" up sa.topo
check_value "sa: nothing changed by bob's requests" "$before" \
	bash -c "ls -l --time-style=+%s.%N /run/trellis/sa; cat /run/trellis/sa/journal"
check "sa: still forwarding" as alice "$T" exec sa a1 -- ping -c 1 -W 5 198.51.100.2
check_value "sa: no qdisc from bob's link set" "" \
	bash -c "$T exec sa a1 -- tc qdisc show dev eth0 | grep -w netem; true"

# --- at most 16 connections of one user at once ------------------------------
# bob holds 16 connections that say nothing (each keeps a worker for up to
# 60 s); his 17th is refused at once, alice is served meanwhile.
runuser -u bob -- python3 -c 'import os, signal, socket, sys
held = []
for i in range(16):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); held.append(s)
print("held", os.getpid(), flush=True)
signal.pause()' "$SOCK" > "$tmp/held16" 2>&1 &
wait_for 30 grep -q held "$tmp/held16"
holder16=$(awk '{ print $2 }' "$tmp/held16")
check_error "bob: a 17th connection refused" \
	"quota: bob has 16 connections open to the daemon (at most 16 at once per user)" \
	as bob "$T" status
check "alice: served while bob is at his cap" as alice "$T" status sa
kill "$holder16"
check "bob: served again once his connections closed" wait_for 60 as bob "$T" status sb
check "the daemon logs the refused connection" grep -q \
	"^trellisd: serve: refused bob (uid $(id -u bob)) connection: quota: bob has 16 connections open" \
	"$tmp/serve.log"

check_error "carol (not in trellis): up refused" "Permission denied" as carol "$T" status
check_error "carol: no in-process fallback" "cannot reach the daemon" as carol "$T" down sa
raw()	# one request as JSON: the reply
{
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.argv[2].encode() + b"\n")
print(s.makefile().readline(), end="")' "$SOCK" "$1"
}
# sb, egre and batch: the daemon serves them to root only (the command
# line runs them in the caller's own process, where the kernel checks the
# caller's rights: sb_refuse).
for c in sb egre batch; do
	check_output "alice: $c through the daemon is root only" "$c is for root only" \
		as alice bash -c "$(declare -f raw); SOCK=$SOCK; raw '{\"version\":1,\"command\":\"$c\",\"args\":[\"show\"]}' | jq -r .error.reason"
done

check "alice: link down on her slice" as alice "$T" link down sa a1:eth0
check "alice: link up on her slice" as alice "$T" link up sa a1:eth0

# --- changes one at a time, reads beside them ------------------------------------
python3 -c 'import fcntl, sys, time
f = open("/run/trellis/.lock", "a"); fcntl.lockf(f, fcntl.LOCK_EX)
print("locked", flush=True); time.sleep(600)' > "$tmp/locker" &
locker=$!
wait_for 30 grep -q locked "$tmp/locker"
as alice "$T" link down sa a2:eth0 > "$tmp/held.out" 2>&1 &
held=$!
check "status answers while a change waits for the lock" "$T" status sa
check "the change waits for the lock" kill -0 $held
check_value "the waiting change has not acted yet" true \
	bash -c "$T status --json sa | jq '.[0].hosts[] | select(.name == \"a2\") | .interfaces[0].admin_up'"
kill $locker
if wait $held; then
	ok "the change ran once the lock was free"
else
	fail "the change ran once the lock was free" "$(cat "$tmp/held.out")"
fi
check_value "a2:eth0 down now" false \
	bash -c "$T status --json sa | jq '.[0].hosts[] | select(.name == \"a2\") | .interfaces[0].admin_up'"
check "alice: link up again" as alice "$T" link up sa a2:eth0

if insmod_built shortbridge 2>/dev/null; then
	ip link add trl-ja type dummy && ip link add trl-jb type dummy
	# A subscriber from now on: once it has a slice event, it has joins too.
	"$T" events > "$tmp/events2" 2>&1 &
	defer kill $!
	relink()
	{
		as alice "$T" link up sa a1:eth0 > /dev/null 2>&1
		grep -q '"event":"link","slice":"sa","end":"a1:eth0","state":"up"' "$tmp/events2"
	}
	check "events: a new subscriber is subscribed" wait_for 60 relink
	check "root: sb add through the daemon" "$T" sb add trl-ja trl-jb
	check "root: sb del through the daemon" "$T" sb del trl-ja
	check "events: shortbridge join made" wait_for 30 \
		grep -q '"event":"join","state":"new","port_a":"trl-ja","port_b":"trl-jb"' "$tmp/events2"
	check "events: shortbridge join taken apart" wait_for 30 \
		grep -q '"event":"join","state":"del","port_a":"trl-ja","port_b":"trl-jb"' "$tmp/events2"
	ip link del trl-ja
	ip link del trl-jb
else
	skip "events: shortbridge joins" "the shortbridge module does not load"
fi

# --- a topology's files are read as its user ---------------------------------
line alice steal 203.0.113 s1
echo "    file /etc/stolen /etc/shadow" >> "$tmp/alice/steal.topo"
check_error "alice: a file she cannot read is refused" "cannot read /etc/shadow as alice" \
	as alice "$T" up steal.topo
check_fails "steal: nothing built" test -e /run/trellis/steal
echo secret > "$tmp/root-only"
chmod 600 "$tmp/root-only"
line bob steal2 203.0.113 s1
echo "    frr zebra config $tmp/root-only" >> "$tmp/bob/steal2.topo"
check_error "bob: a daemon config he cannot read is refused" "cannot read $tmp/root-only as bob" \
	as bob "$T" up steal2.topo
check_fails "steal2: nothing built" test -e /run/trellis/steal2

# --- quotas, exact at the limit ----------------------------------------------
line alice sa2 203.0.113 x1
check_error "alice: a second slice over 'slices 1'" \
	"quota: user alice may have 1 slices ($tmp/policy.conf:3); alice has 1 and asked for 1 more" \
	as alice "$T" up sa2.topo
check_fails "sa2: nothing built" test -e /run/trellis/sa2
line bob sb2 203.0.113 y1
check "bob: a third host, exactly 'hosts 3'" as bob "$T" up sb2.topo
line bob sb3 203.0.112 z1
check_error "bob: a fourth host over 'hosts 3'" \
	"quota: user bob may have 3 hosts ($tmp/policy.conf:4); bob has 3 and asked for 1 more" \
	as bob "$T" up sb3.topo
check_fails "sb3: nothing built" test -e /run/trellis/sb3
printf 'slice sa\nhost a1\nhost a2\nhost a3\nhost a4\nhost a5\n' > "$tmp/alice/sa5.topo"
chown alice: "$tmp/alice/sa5.topo"
check_error "alice: apply growing sa to 5 hosts over 'hosts 4'" \
	"quota: user alice may have 4 hosts ($tmp/policy.conf:3); alice has 2 and asked for 3 more" \
	as alice "$T" apply sa5.topo
check_value "sa: still 2 hosts after the refused apply" 2 \
	bash -c "$T status --json sa | jq '.[0].hosts | length'"
check_value "sa's cgroup limits recorded" "memory_bytes 536870912 pids 400" cat /run/trellis/sa/limits
check "bob: down sb2" as bob "$T" down sb2

# --- names the API refuses -----------------------------------------------------
long=$(printf 'x%.0s' $(seq 200))
for n in '' . .. ../x a/b "$long" 'sé'; do
	check_error "API: slice name '${n:0:20}' refused" "invalid slice name" as alice "$T" down "$n"
done
check_error "API: host name '../x' refused" "invalid host name" as alice "$T" exec sa ../x -- true
check_error "API: daemon name 'a/b' refused" "invalid daemon name" as alice "$T" logs sa a1 a/b
check_value "API: raw request, bad name: kind invalid" invalid \
	bash -c "$(declare -f raw); SOCK=$SOCK; raw '{\"version\":1,\"command\":\"down\",\"args\":[\"..\"]}' | jq -r .error.kind"
check_value "API: unknown version refused" version \
	bash -c "$(declare -f raw); SOCK=$SOCK; raw '{\"version\":9,\"command\":\"status\"}' | jq -r .error.kind"
check_value "API: output returned in the reply without descriptors" sa \
	bash -c "$(declare -f raw); SOCK=$SOCK; raw '{\"version\":1,\"command\":\"status\",\"args\":[\"--json\"]}' | jq -r '.stdout | fromjson | .[] | .slice' | grep -x sa"
check_value "status --json: the API's status schema" "sa true 2" \
	bash -c "$T status --json sa | jq -r '.[0] | \"\(.slice) \(.complete) \(.hosts | length)\"'"

# --- the daemon killed in the middle of a deploy --------------------------------
check "alice: down sa" as alice "$T" down sa
check "bob: down sb" as bob "$T" down sb

# 30 hosts in a chain: long enough a deploy to be killed in the middle.
chain=$tmp/chain.topo
{
	echo "slice chain"
	for i in $(seq 30); do echo "host c$i"; done
	for i in $(seq 29); do echo "link c$i:east c$((i + 1)):west"; done
} > "$chain"

after_restart()	# what: the slice is completed or rolled back, and down works
{
	check "crash ($1): the daemon starts again" answers
	if test -e /run/trellis/chain/complete; then
		ok "crash ($1): chain completed"
		check "crash ($1): chain's hosts run" "$T" exec chain c30 -- true
		check "crash ($1): down works" "$T" down chain
	elif test -e /run/trellis/chain; then
		fail "crash ($1): chain completed or rolled back" "$(ls -A /run/trellis/chain; tail "$tmp/serve.log")"
		"$T" down chain
	else
		ok "crash ($1): chain rolled back"
		check_fails "crash ($1): no holder left" pgrep '^trellis:c'
		check "crash ($1): up works again" "$T" up "$chain"
		check "crash ($1): down works" "$T" down chain
	fi
}

# The daemon alone, killed as soon as the deploy has begun: its worker
# finishes the change and replies.
crash_serve()
{
	local up_pid state=building deadline=$((SECONDS + 120))

	"$T" up "$chain" > "$tmp/chain.up" 2>&1 &
	up_pid=$!
	# No sleep and no lookups here: the deploy must not end before the kill.
	until [ -d /run/trellis/chain ] || [ $SECONDS -ge $deadline ]; do :; done
	[ -e /run/trellis/chain/complete ] && state="already complete"
	kill -9 "$serve_pid"
	wait "$serve_pid" 2>/dev/null
	if [ "$state" = building ]; then
		ok "crash (serve): daemon killed while chain was being built"
	else
		fail "crash (serve): daemon killed while chain was being built" "state: $state"
	fi
	if wait $up_pid; then
		ok "crash (serve): the client gets its reply: up succeeded"
	else
		fail "crash (serve): the client gets its reply: up succeeded" "$(cat "$tmp/chain.up")"
	fi
	start_serve
	after_restart serve
}

# The deploy's own process killed at its 20th step (TRELLIS_CRASH_AT),
# then the daemon: nobody finishes the change.
crash_all()
{
	local journal

	stop_serve
	TRELLIS_CRASH_AT=20 start_serve
	check_error "crash (all): the deploy's process is killed mid-way" "up was killed by signal 9" \
		"$T" up "$chain"
	journal=$(grep -c '^host' /run/trellis/chain/journal 2>/dev/null)
	check_fails "crash (all): chain left incomplete (${journal:-0} hosts journaled)" \
		test -e /run/trellis/chain/complete
	kill -9 "$serve_pid"
	wait "$serve_pid" 2>/dev/null
	start_serve
	after_restart all
}
crash_serve
crash_all

# --- what the daemon costs with many slices: 25 (100 with TRELLIS_FULL=1) ---
M=25
[ -n "${TRELLIS_FULL:-}" ] && M=100
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$serve_pid/status"; }
rss0=$(rss)
n=0
for i in $(seq "$M"); do
	printf 'slice m%d\nhost h\n' "$i" > "$tmp/m$i.topo"
	"$T" up "$tmp/m$i.topo" > /dev/null 2>&1 && n=$((n + 1))
done
check_value "$M one-host slices up through the daemon" "$M" echo "$n"
# Root's slices have no limits from policy.conf: the defaults.
check_value "m1 (root's): memory.max by default, a quarter of the node's RAM" \
	$(( $(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo) / 4 / 4 * 4096 )) \
	cat "$CGT/m1/memory.max"
check_value "m1: pids.max by default, 256 + 64" 320 cat "$CGT/m1/pids.max"
echo "# daemon VmRSS: $rss0 kB with no slice, $(rss) kB with $n slices"
n=0
for i in $(seq "$M"); do "$T" down "m$i" > /dev/null 2>&1 && n=$((n + 1)); done
check_value "$M slices down through the daemon" "$M" echo "$n"

stop_serve
check "events: slice up" grep -q '"event":"slice","slice":"sa","state":"up"' "$tmp/events"
check "events: link down" grep -q '"event":"link","slice":"sa","end":"a1:eth0","state":"down"' "$tmp/events"
check "events: slice down" grep -q '"event":"slice","slice":"sb","state":"down"' "$tmp/events"
check "events: the daemon's exit" grep -q '"event":"daemon","state":"exit"' "$tmp/events"
check "events: the interrupted up rolled back" \
	grep -q '"event":"slice","slice":"chain","state":"rolled-back"' "$tmp/events"
check "events: a start after a crash" grep -q '"state":"start","pid":[0-9]*,"after":"crash"' "$tmp/events"
check "events: bob sees his slice's" grep -q '"event":"slice","slice":"sb","state":"down"' "$tmp/events.bob"
check "events: bob sees the daemon's" grep -q '"event":"daemon","state":"exit"' "$tmp/events.bob"
check_fails "events: bob sees nothing of alice's slice sa" grep -q '"slice":"sa"' "$tmp/events.bob"
check_fails "events: bob sees no shortbridge join" grep -q '"event":"join"' "$tmp/events.bob"
kill $events_pid 2>/dev/null

left_nothing()	# but the daemon's socket and events under /run/trellis
{
	diff <(sed '/^# state/,$d' "$_SNAPSHOT") <(snapshot | sed '/^# state/,$d')
}
check "nothing left" wait_for 30 left_nothing
check "the daemon logs a refusal with who asked" \
	grep -q "^trellisd: serve: refused bob (uid $(id -u bob)) down: denied: slice sa belongs to alice, not to bob" \
	"$tmp/serve.log"
echo "# refusals logged by the daemon, by kind:" \
	$(sed -n 's/^trellisd: serve: refused .*) [^:]*: \([a-z]*\): .*/\1/p' "$tmp/serve.log" | sort | uniq -c)
grep -i "error\|warning" "$tmp/serve.log" | head -20
exit $TESTS_FAILED
