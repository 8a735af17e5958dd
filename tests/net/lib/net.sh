# SPDX-License-Identifier: GPL-2.0
# Sourced by tests/net/*.sh after tests/lib.sh: helpers for scripts run in
# N guests by scripts/vm-net (see its header for what each guest has).
#
#   net_nodes                  n1 .. nN, one a line
#   net_addr nI                nI's underlay address, 192.0.2.I
#   net_wait_ready             wait until every guest's sshd listens
#   on NODE CMD...             run CMD on guest NODE over ssh (here if
#                              NODE is this guest); arguments are quoted
#                              for the remote shell

net_nodes() { seq -f 'n%.0f' "$TRELLIS_NET_N"; }
net_addr() { echo "192.0.2.${1#n}"; }

net_ready() {
	local j
	for j in $(net_nodes); do
		[ -e "$TRELLIS_NET_DIR/ready-$j" ] || { echo "no sshd yet on $j"; return 1; }
	done
}
net_wait_ready() { wait_for 600 net_ready; }

on() {	# node cmd...
	local node=$1
	shift
	if [ "$node" = "$TRELLIS_NODE" ]; then
		"$@"
	else
		ssh -o BatchMode=yes -o ConnectTimeout=60 "root@$node" "${@@Q}"
	fi
}
