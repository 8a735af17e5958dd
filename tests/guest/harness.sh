#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test guest itself: writable paths, modules, namespaces, and our build.
#
#   +-------------------- guest (scripts/vm) --------------------+
#   |  / host root, read-only (9p)     /tmp /run  tmpfs           |
#   |  /etc /var  overlays             repository, writable (9p)  |
#   |                                                             |
#   |  +---------+  veth  +---------+                             |
#   |  | h1-NS   |--------| h2-NS   |   198.51.100.1 <-> .2       |
#   |  +---------+        +---------+                             |
#   +-------------------------------------------------------------+
source "$(dirname "$0")/../lib.sh"

writable() { local f=$1/.trellis-w.$$; touch "$f" && rm -f "$f"; }
for d in /tmp /run /var /etc "$TOP"; do
	check "guest: $d is writable" writable "$d"
done
check_fails "guest: the host root is read-only" touch /usr/.trellis-w.$$
check "guest: modprobe loads a module of the guest kernel" modprobe dummy
defer rmmod dummy

ns_add h1 h1
ns_add h2 h2
check "guest: veth between two namespaces" \
	veth_link "$h1" veth0 "$h2" veth0 198.51.100.1/24 198.51.100.2/24
check "guest: ping across the veth" ip netns exec "$h1" ping -c 1 -W 5 198.51.100.2

# The module the kernel runs is the one in the build tree: same GNU build ID.
build_id_matches() {	# module
	local want got
	want=$(readelf -n "$TOP/kernel/$1/$1.ko" | sed -n 's/.*Build ID: //p')
	got=$(od -An -tx1 "/sys/module/$1/notes/.note.gnu.build-id" | tr -d ' \n')
	[ -n "$want" ] && [ "${got%"$want"}" != "$got" ]
}

# Our own modules: one that is not built or does not load is a failure.
for m in egre shortbridge; do
	check "guest: the freshly built $m.ko loads" insmod_built "$m"
	check "guest: $m runs from the build tree (same build ID)" build_id_matches "$m"
	check "guest: $m unloads" rmmod "$m"
done
