#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# trellisd import and trellisd graph, on the host (no guest):
#
#   tests/data/import/*.graphml, *.gml   one quirk each (see each file's
#                                        comment); expected/NAME.topo is
#                                        what import must write, exactly
#   gen-graph.py 750                     a generated 750-router graph:
#                                        imported, checked, timed, and
#                                        placed on 2 nodes (balance, cut)
#   graph                                SVG, DOT and PNG of topo/*.topo
#                                        and of an imported slice
. "$(dirname "$0")/../lib.sh"

data=tests/data/import
work=$TOP/build/tests/import
rm -rf "$work"
mkdir -p "$work"
cd "$TOP" || exit 1	# expected outputs name their source as $data/FILE

# do_import FILE [OPTIONS...]: imports $data/FILE to $work/NAME.topo, where
# NAME is FILE's name less its extension.
do_import()
{
	local f=$1 name
	name=$(basename "${f%.*}")
	shift
	"$TRELLISD" import "$data/$f" "$@" -o "$work/$name.topo"
}

# Each quirk: exactly the expected text, and `check' accepts it.
for f in basic.graphml multi.gml nocoords.graphml labels.gml isolated.graphml selfloop.gml; do
	name=${f%.*}
	check "import $f" do_import "$f"
	check "import $f: output as expected ($data/expected/$name.topo)" \
		diff -u "$data/expected/$name.topo" "$work/$name.topo"
	check "import $f: trellisd check accepts the output" "$TRELLISD" check "$work/$name.topo"
done
check "import eurolab.graphml --nodes 2 --underlay 198.51.100.1 --km-delay 4.9 --routing ospf --daemon mixed" \
	do_import eurolab.graphml --nodes 2 --underlay 198.51.100.1 --km-delay 4.9 --routing ospf --daemon mixed
check "import eurolab.graphml: output as expected" \
	diff -u "$data/expected/eurolab.topo" "$work/eurolab.topo"
check "import eurolab.graphml: trellisd check accepts the output" "$TRELLISD" check "$work/eurolab.topo"

# Addresses come from `addressing auto', in the order of the edges.
check_output "basic.graphml: paris:eth0 gets 10.0.0.0/31 (check --show)" "10.0.0.0/31" \
	bash -c "'$TRELLISD' check '$work/basic.topo' --show | grep -A3 '^host paris' | grep eth0"
check_output "basic.graphml: amsterdam, the 3rd node, has loopback 10.255.0.3" "10.255.0.3/32" \
	bash -c "'$TRELLISD' check '$work/basic.topo' --show | grep -A1 '^host amsterdam'"

# What each quirk is about, said once more in words, so that a failing
# comparison above also says which rule broke.
links_between()	# FILE HOST HOST: links joining the two hosts
{
	grep -cE "^link ($2:[^ ]+ $3|$3:[^ ]+ $2):" "$1"
}
check_value "multi.gml: three edges Geneva-Milan are three links" 3 \
	links_between "$work/multi.topo" geneva milan
check_value "multi.gml: each with interfaces of its own" "geneva:eth0 geneva:eth1 geneva:eth2" \
	bash -c "grep '^link' '$work/multi.topo' | grep -o 'geneva:eth[0-9]*' | sort -u | xargs"
check_value "nocoords.graphml: only Berlin-Prague has a delay (280 km at 5 us/km)" \
	"    discipline both delay 1399us" grep -h discipline "$work/nocoords.topo"
check_output "nocoords.graphml: a link without delay says why" \
	"no delay: customer-pop has no coordinates" cat "$work/nocoords.topo"
for h in zurich sao-paulo new-york-ny-nyc-1 zurich-2 zurich-3 n5 n6 lodz-krakow-gdansk-wroclaw-pozn \
	 zurich-2-2 n9 very-long-point-of-presence-num very-long-point-of-presence-n-2; do
	check_output "labels.gml: host $h" "host $h" cat "$work/labels.topo"
done
check_output "labels.gml: the original label is kept in a comment" \
	'# "São Paulo" id 1' cat "$work/labels.topo"
check_value "labels.gml: host names are unique" "" \
	bash -c "awk '/^host /{ print \$2 }' '$work/labels.topo' | sort | uniq -d"
check_output "isolated.graphml: a warning names the isolated node" \
	"node \`reykjavik' has no links: kept, isolated" \
	"$TRELLISD" import "$data/isolated.graphml" -o /dev/null
check_output "isolated.graphml: the isolated host is kept" "host reykjavik" cat "$work/isolated.topo"
check_value "eurolab.graphml --daemon mixed: BIRD on every other host (14 of 28)" 14 \
	grep -c '^    routing ospf daemon bird$' "$work/eurolab.topo"
check_output "eurolab.graphml --routing ospf: the slice runs OSPF, FRR by default" \
	"routing ospf daemon frr" cat "$work/eurolab.topo"
for r in ospf ospf6 isis bgp; do
	for d in frr bird mixed; do
		[ $r = isis ] && [ $d != frr ] && continue
		check "import basic.graphml --routing $r --daemon $d, and check accepts it" \
			bash -c "'$TRELLISD' import $data/basic.graphml --routing $r --daemon $d -o '$work/basic-$r-$d.topo' &&
				 '$TRELLISD' check '$work/basic-$r-$d.topo'"
	done
done
check_output "selfloop.gml: the edge to itself is skipped, in a comment" \
	"# skipped: the edge at line 8 from naples to itself" cat "$work/selfloop.topo"

# Errors: file:line, and nothing written.
errors=(
	"missing.gml|$data/missing.gml:8: edge target \`7' is not a node of the graph"
	"missing.graphml|$data/missing.graphml:9: edge source \`c' is not a node of the graph"
	"hyperedge.graphml|$data/hyperedge.graphml:9: <hyperedge>: only edges between two nodes can be imported"
	"hyperedge.gml|$data/hyperedge.gml:7: hyperedge with 3 ends: only edges between two nodes can be imported"
	"broken.gml|$data/broken.gml:6: a key or \`]' expected, got the end of the file"
	"broken.graphml|$data/broken.graphml:7: Opening and ending tag mismatch: node line 5 and graph"
)
for e in "${errors[@]}"; do
	f=${e%%|*}
	check_error "import $f fails: ${e#*|}" "${e#*|}" do_import "$f"
	check_fails "import $f wrote nothing" test -e "$work/${f%.*}.topo"
done
check_error "import --routing rip is refused" "bad value \`rip' for --routing" \
	"$TRELLISD" import "$data/basic.graphml" --routing rip
check_error "import --routing isis --daemon bird is refused" "BIRD has no IS-IS" \
	"$TRELLISD" import "$data/basic.graphml" --routing isis --daemon bird
check_error "import --daemon frr without --routing is refused" "needs --routing" \
	"$TRELLISD" import "$data/basic.graphml" --daemon frr
check_error "import --nodes 4 of a 3-node graph is refused" "the graph has only 3 nodes" \
	"$TRELLISD" import "$data/basic.graphml" --nodes 4 -o "$work/none.topo"
check_error "import --km-delay -1 is refused" "a number from 0" \
	"$TRELLISD" import "$data/basic.graphml" --km-delay -1
check_error "import of a file that is not there" "No such file or directory" \
	"$TRELLISD" import "$data/none.graphml"

# A 750-router graph: imported and checked (times printed, not asserted),
# then placed on 2 nodes: balanced within METIS's 3%, and the cut it
# reports is the number of links between hosts of different nodes.
check "gen-graph.py writes a 750-node graph" \
	bash -c "python3 $data/gen-graph.py 750 > '$work/g750.graphml'"
t0=$(date +%s.%N)
check "import of 750 nodes" "$TRELLISD" import "$work/g750.graphml" -o "$work/g750.topo"
t1=$(date +%s.%N)
check_output "check of the 750-host import" "750 hosts" "$TRELLISD" check "$work/g750.topo"
t2=$(date +%s.%N)
printf '\timport of 750 nodes, %s edges: %.3f s; check: %.3f s\n' \
	"$(grep -c '<edge' "$work/g750.graphml")" "$(awk "BEGIN { print $t1 - $t0 }")" "$(awk "BEGIN { print $t2 - $t1 }")"

check "import of 750 nodes --nodes 2" \
	bash -c "'$TRELLISD' import '$work/g750.graphml' --nodes 2 -o '$work/g750-2.topo' 2> '$work/g750-2.log'"
check "check of the 750 hosts on 2 nodes" "$TRELLISD" check "$work/g750-2.topo"
read -r n1 n2 < <(awk '/^host / { n[$4]++ } END { print n["node1"] + 0, n["node2"] + 0 }' "$work/g750-2.topo")
reported=$(sed -n 's/.*edge cut \([0-9]*\);.*/\1/p' "$work/g750-2.log")
counted=$(awk '/^host / { node[$2] = $4 }
	/^link / { split($2, a, ":"); split($3, b, ":"); cut += node[a[1]] != node[b[1]] }
	END { print cut + 0 }' "$work/g750-2.topo")
printf '\t--nodes 2: %s + %s hosts, edge cut %s of %s links\n' "$n1" "$n2" "$reported" \
	"$(grep -c '^link ' "$work/g750-2.topo")"
check "--nodes 2: every host placed ($n1 + $n2 = 750)" test $((n1 + n2)) -eq 750
check "--nodes 2: balanced within 3% of 375 ($n1, $n2 <= 386)" test "$n1" -le 386 -a "$n2" -le 386
check "--nodes 2: the edge cut reported ($reported) is the links across nodes ($counted)" \
	test "${reported:-x}" = "$counted"
check "--nodes 2: few links cross (cut $counted < 5% of the links)" \
	test "$counted" -lt $(($(grep -c '^link ' "$work/g750-2.topo") / 20))

# More links than addressing auto's default pool (10.0.0.0/16, 32768 /31s):
# a chain of 33001 hosts gets a larger pool, beside the loopbacks'.
check "a chain of 33000 edges imports" bash -c "awk 'BEGIN { print \"graph [\"
	for (i = 0; i <= 33000; i++) print \"node [ id \" i \" ]\"
	for (i = 0; i < 33000; i++) print \"edge [ source \" i \" target \" i + 1 \" ]\"
	print \"]\" }' > '$work/chain.gml' && '$TRELLISD' import '$work/chain.gml' -o '$work/chain.topo'"
check_output "the chain's links have a larger pool" "addressing auto pool4 10.0.0.0/9" cat "$work/chain.topo"
check_output "check accepts the chain" "33001 hosts, 33000 links" "$TRELLISD" check "$work/chain.topo"

# Small graphs too: every node gets hosts (METIS's k-way left a node of a
# triangle's two, and two of its three, empty).
for n in 2 3; do
	check "import basic.graphml --nodes $n" \
		"$TRELLISD" import "$data/basic.graphml" --nodes "$n" -o "$work/basic-$n.topo"
	check_value "--nodes $n of a triangle: no node empty" "$n" \
		bash -c "awk '/^host / { print \$4 }' '$work/basic-$n.topo' | sort -u | wc -l"
done

# graph: valid SVG with one node per host (and lan), DOT that dot accepts.
svg_nodes()	# SVG: the number of Graphviz nodes drawn
{
	python3 -c 'import sys, xml.etree.ElementTree as ET
print(sum(1 for e in ET.parse(sys.argv[1]).iter() if e.get("class") == "node"))' "$1"
}
for t in ring two-node ospf-two-node lan; do
	f=topo/$t.topo
	want=$(grep -cE '^(host|lan) ' "$f")
	check "graph $f -o SVG" "$TRELLISD" graph "$f" -o "$work/$t.svg"
	check_value "graph $f: the SVG is XML with one node per host and lan" "$want" svg_nodes "$work/$t.svg"
	check "graph $f -o DOT" "$TRELLISD" graph "$f" -o "$work/$t.dot"
	check "graph $f: dot -Tsvg accepts the DOT" dot -Tsvg -o /dev/null "$work/$t.dot"
done
check_output "graph two-node.topo: the tunnel is marked with its GRE key" "GRE key 0x916b94e5" \
	cat "$work/two-node.dot"
check_output "graph two-node.topo: hosts grouped by node" "subgraph cluster_beta" \
	cat "$work/two-node.dot"
check "graph drawn.topo -o DOT" "$TRELLISD" graph "$data/drawn.topo" -o "$work/drawn.dot"
for want in '"delay 10ms loss 0.1% rate 100mbit"' \
	    '"GRE key 0xf903018b\nh2: delay 5ms\nreserve min 10mbit max 200mbit"' \
	    '"lan office"' '"eth2\n198.51.100.18/28"'; do
	check_output "graph drawn.topo: a label says $want" "$want" cat "$work/drawn.dot"
done
check "graph of the imported eurolab (2 nodes) -o PNG" \
	"$TRELLISD" graph "$work/eurolab.topo" -o "$work/eurolab.png"
check_output "graph eurolab: a PNG" "PNG image data" file "$work/eurolab.png"
check "graph of the imported eurolab -o SVG" "$TRELLISD" graph "$work/eurolab.topo" -o "$work/eurolab.svg"
check_value "graph eurolab: 28 hosts drawn" 28 svg_nodes "$work/eurolab.svg"
check_value "graph eurolab: the 5 links across nodes carry their keys" 5 \
	bash -c "'$TRELLISD' graph '$work/eurolab.topo' -o '$work/eurolab.dot' && grep -c 'label=\"GRE key' '$work/eurolab.dot'"
check_output "graph eurolab: a link labelled with its delay" "delay 1.749ms" cat "$work/eurolab.dot"
check "graph of the 750 hosts on 2 nodes -o SVG" \
	"$TRELLISD" graph "$work/g750-2.topo" -o "$work/g750-2.svg"
check_value "graph of the 750 hosts: 750 drawn" 750 svg_nodes "$work/g750-2.svg"
# The same hosts split at 15 degrees east: with this placement Debian 12's
# Graphviz frees a block twice when a dot layout is freed (clusters and
# edge labels), which aborted trellisd graph while it freed the layout.
awk 'BEGIN { print "node west underlay 192.0.2.1"; print "node east underlay 192.0.2.2" }
	/^host / { split($0, c, ", "); split(c[2], ll, " ")
		   $0 = "host " $2 " node " (ll[2] + 0 < 15 ? "west" : "east") }
	{ print }' "$work/g750.topo" > "$work/g750-15e.topo"
check "graph of the 750 hosts split at 15E -o SVG (a Graphviz double free)" \
	"$TRELLISD" graph "$work/g750-15e.topo" -o "$work/g750-15e.svg"
check_value "graph of the 750 hosts split at 15E: 750 drawn" 750 svg_nodes "$work/g750-15e.svg"
check_error "graph -o x.jpg is refused" "must end in .svg, .png or .dot" \
	"$TRELLISD" graph topo/ring.topo -o "$work/x.jpg"
check_error "graph -o into a missing directory fails" "No such file or directory" \
	"$TRELLISD" graph topo/ring.topo -o "$work/none/x.svg"
check_error "graph --layout bogus fails" "layout \`bogus' failed" \
	"$TRELLISD" graph topo/ring.topo -o "$work/bogus.svg" --layout bogus
check_fails "graph --layout bogus wrote nothing" test -e "$work/bogus.svg"
check_error "graph of a slice that is not deployed" "neither a file nor a deployed slice" \
	env TRELLIS_RUNDIR="$work/run" "$TRELLISD" graph no-such-slice -o "$work/x.svg"
# Live state of a deployed slice, in a guest of its own (trellisd up needs
# namespaces and root; TRELLIS_IMPORT_GUEST=0 leaves it out).
if [ "${TRELLIS_IMPORT_GUEST:-1}" = 0 ]; then
	skip "graph of a deployed slice (in a guest)" "TRELLIS_IMPORT_GUEST=0"
elif ! command -v qemu-system-x86_64 >/dev/null; then
	skip "graph of a deployed slice (in a guest)" "qemu-system-x86_64 is not installed"
else
	live=$("$TOP/scripts/vm" --timeout 600 -- "$TOP/$data/graph-live.sh" 2>&1)
	rc=$?
	printf '%s\n' "$live" | grep -aP '^TEST: |^\t'
	# A failed check inside has its line; a guest that never ran them does not.
	if [ "$rc" != 0 ] && ! printf '%s\n' "$live" | grep -aq '^TEST: .*\[FAIL\]$'; then
		fail "graph of a deployed slice: the guest ran" "$(printf '%s\n' "$live" | tail -n 15)"
	fi
	[ "$rc" = 0 ] || TESTS_FAILED=$((TESTS_FAILED + 1))
fi
exit "$TESTS_FAILED"
