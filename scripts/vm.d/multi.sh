# SPDX-License-Identifier: GPL-2.0
# What scripts/vm-pair and scripts/vm-net share: sourced, not run.
#
#   multi_args "$@"             splits [vm options] -- SCRIPT [ARGS]: the
#                               options go to multi_opts, the rest to
#                               multi_cmd; returns 1 if there is no SCRIPT
#   multi_free_ports N          prints N free UDP ports on loopback
#   multi_guest NODE LOCAL ...  one guest (below), in the background, its
#                               pid appended to multi_pids
#   multi_wait                  waits for every guest; fails if any failed

multi_vm=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/vm
multi_opts=() multi_cmd=() multi_pids=() multi_names=()

multi_args() {
	multi_opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		multi_opts+=("$1")
		shift
	done
	[ "${1:-}" = -- ] && shift
	multi_cmd=("$@")
	[ $# -gt 0 ]
}

multi_free_ports() {	# N
	python3 - "$1" <<'EOF'
import socket, sys
s = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(int(sys.argv[1]))]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))
EOF
}

# A guest named NODE whose eth0 (with LOCAL/24) is a QEMU dgram socket on
# loopback port LPORT sending to RPORT; its output lines are prefixed
# "[NODE] ". The caller's environment (TRELLIS_*) reaches the guest. With
# multi_gone_dir set, the file gone-NODE there says the guest has stopped.
multi_gone_dir=
multi_guest() {	# node local lport rport mac [vm options] -- CMD...
	local node=$1 local=$2 wire=$3:$4 mac=$5
	shift 5
	(
		TRELLIS_NODE=$node TRELLIS_LOCAL=$local \
			"$multi_vm" "${multi_opts[@]}" --name "$node" --wire "$wire" \
			${mac:+--mac "$mac"} "$@" 2>&1 | sed -u "s/^/[$node] /"
		rc=$?
		[ -z "$multi_gone_dir" ] || touch "$multi_gone_dir/gone-$node"
		exit "$rc"
	) &
	multi_pids+=($!)
	multi_names+=("$node")
}

multi_wait() {	# prog
	local i rc fail=0
	for i in "${!multi_pids[@]}"; do
		wait "${multi_pids[$i]}"
		rc=$?
		if [ "$rc" != 0 ]; then
			echo "$1: guest ${multi_names[$i]} failed (exit $rc)" >&2
			fail=1
		fi
	done
	return "$fail"
}
