// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the topology parser (userspace/trellisd/parse.c): every
 * error path with the message it must give, and the valid examples.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "topo.h"

struct bad_case {
	const char *name;
	const char *text;
	const char *want;	/* a substring of the first error */
};

#define S "slice s\n"
#define H2 "host a\nhost b\n"

static const struct bad_case bad[] = {
	/* statements */
	{ "unknown statement with hint", S "hots a\n", "t.topo:2:1: unknown statement `hots' (did you mean `host'?)" },
	{ "unknown statement, no hint", S "frobnicate\n", "unknown statement `frobnicate'" },
	{ "sub-statement not indented", S "host a\nsysctl net.ipv4.ip_forward=1\n", "sub-statements are indented" },
	{ "indented line outside", S "  addr a 192.0.2.1/24\n", "t.topo:2:3: indented line `addr' does not continue" },
	{ "no slice", "host a\n", "no `slice NAME' statement" },
	{ "two slices", S "slice t\n", "a second `slice' statement" },
	{ "slice without name", "slice\n", "expected a slice name" },
	{ "bad slice name", "slice a/b\n", "invalid slice name `a/b'" },
	{ "slice trailing word", "slice a b\n", "unexpected `b' after the slice name" },
	{ "too many tokens", S "host a" " x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x"
	  " x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x"
	  " x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x"
	  " x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x\n", "too many words" },
	/* nodes */
	{ "node without name", S "node\n", "expected a node name" },
	{ "bad node name", S "node a.b underlay 192.0.2.1\n", "invalid node name `a.b'" },
	{ "node unknown option", S "node n undrlay 192.0.2.1\n", "unknown node option `undrlay' (did you mean `underlay'?)" },
	{ "node missing underlay value", S "node n underlay\n", "t.topo:2:16: expected an IPv4 or IPv6 address after `underlay'" },
	{ "node bad underlay", S "node n underlay 192.0.2.300\n", "bad underlay address `192.0.2.300'" },
	{ "node bad IPv6 underlay", S "node n underlay 2001:db8::g\n", "t.topo:2:17: bad underlay address `2001:db8::g' (expected an IPv4 or IPv6 address)" },
	{ "node underlay not an address", S "node n underlay alpha\n", "bad underlay address `alpha' (expected an IPv4 or IPv6 address)" },
	{ "underlays of two families", S "node n underlay 192.0.2.1\nnode m underlay 2001:db8::2\n",
	  "t.topo:3:17: node `m' has an IPv6 underlay, node `n' (line 2) an IPv4 one: all nodes of a slice use one address family" },
	{ "underlays of two families, v6 first", S "node n underlay 2001:db8::1\nnode m underlay 2001:db8::2\nnode o underlay 192.0.2.3\n",
	  "t.topo:4:17: node `o' has an IPv4 underlay, node `n' (line 2) an IPv6 one: all nodes of a slice use one address family" },
	{ "duplicate IPv6 underlay", S "node n underlay 2001:db8::1\nnode m underlay 2001:DB8:0::1\n", "t.topo:3:6: nodes `n' and `m' have the same underlay address" },
	{ "IPv6 underlay reservable", S "node n underlay 2001:db8::1 reservable 10mbit\n", "t.topo:2:6: node `n': `reservable' needs an IPv4 underlay" },
	{ "node ssh without target", S "node n underlay 192.0.2.1 ssh\n", "t.topo:2:30: expected [USER@]HOST[:PORT] after `ssh'" },
	{ "node ssh twice", S "node n underlay 192.0.2.1 ssh a ssh b\n", "option `ssh' is given twice" },
	{ "node ssh bad user", S "node n underlay 192.0.2.1 ssh -oProxyCommand=x@h\n", "t.topo:2:31: bad ssh target `-oProxyCommand=x@h': bad user" },
	{ "node ssh option as host", S "node n underlay 192.0.2.1 ssh -oProxyCommand=x\n", "bad ssh target `-oProxyCommand=x': bad host" },
	{ "node ssh shell in host", S "node n underlay 192.0.2.1 ssh root@b;reboot\n", "bad ssh target `root@b;reboot': bad host" },
	{ "node ssh empty user", S "node n underlay 192.0.2.1 ssh @beta\n", "bad ssh target `@beta': bad user" },
	{ "node ssh two users", S "node n underlay 192.0.2.1 ssh a@b@c\n", "bad ssh target `a@b@c': bad host" },
	{ "node ssh bad port", S "node n underlay 192.0.2.1 ssh root@beta:65536\n", "bad ssh target `root@beta:65536': bad port `65536' (1 to 65535)" },
	{ "node ssh port zero", S "node n underlay 192.0.2.1 ssh beta:0\n", "bad port `0'" },
	{ "node ssh empty port", S "node n underlay 192.0.2.1 ssh beta:\n", "bad port `'" },
	{ "node ssh bad IPv6", S "node n underlay 192.0.2.1 ssh root@[2001:db8::g]\n", "bad ssh target `root@[2001:db8::g]': bad [IPv6 address]" },
	{ "node ssh IPv6 unclosed", S "node n underlay 192.0.2.1 ssh [2001:db8::1\n", "bad [IPv6 address]" },
	{ "node ssh IPv6 junk after", S "node n underlay 192.0.2.1 ssh [2001:db8::1]x\n", "bad [IPv6 address]" },
	{ "node ssh bare IPv6", S "node n underlay 192.0.2.1 ssh 2001:db8::1\n", "bad port `db8::1'" },
	{ "node no underlay", S "node n capacity 3\n", "node `n' needs `underlay ADDRESS'" },
	{ "node bad capacity", S "node n underlay 192.0.2.1 capacity -1\n", "bad capacity `-1'" },
	{ "node zero capacity", S "node n underlay 192.0.2.1 capacity 0\n", "bad capacity `0'" },
	{ "duplicate node", S "node n underlay 192.0.2.1\nnode n underlay 192.0.2.2\n", "duplicate node `n' (first defined at line 2)" },
	{ "duplicate underlay", S "node n underlay 192.0.2.1\nnode m underlay 192.0.2.1\n", "nodes `n' and `m' have the same underlay address" },
	{ "over capacity", S "node n underlay 192.0.2.1 capacity 1\n" H2, "node `n' has capacity 1 but 2 hosts are placed on it" },
	/* hosts */
	{ "host without name", S "host\n", "expected a host name after `host'" },
	{ "bad host name", S "host r#1\n", "invalid host name `r#1'" },
	{ "bad host name chars", S "host r.1\n", "invalid host name `r.1'" },
	{ "host name too long", S "host abcdefghijabcdefghijabcdefghij12\n", "invalid host name" },
	{ "duplicate host", S "host a\nhost a\n", "t.topo:3:6: duplicate host `a' (first defined at line 2)" },
	{ "host unknown option", S "host a nod n\n", "unknown host option `nod' (did you mean `node'?)" },
	{ "host option without value", S "host a hostname\n", "expected a hostname after `hostname'" },
	{ "bad hostname", S "host a hostname -bad-\n", "invalid hostname `-bad-'" },
	{ "bad hostname dots", S "host a hostname a..b\n", "invalid hostname `a..b'" },
	{ "unknown node", S "node alpha underlay 192.0.2.1\nhost a node alpah\n", "t.topo:3:13: unknown node `alpah' (did you mean `alpha'?)" },
	{ "node given, none declared", S "host a node n\n", "unknown node `n'" },
	{ "unknown host statement", S "host a\n  sysctll net.ipv4.ip_forward=1\n", "unknown host statement `sysctll' (did you mean `sysctl'?)" },
	/* sysctl */
	{ "sysctl without value", S "host a\n  sysctl\n", "expected KEY=VALUE after `sysctl'" },
	{ "sysctl without =", S "host a\n  sysctl net.ipv4.ip_forward\n", "expected KEY=VALUE, got `net.ipv4.ip_forward'" },
	{ "sysctl not net", S "host a\n  sysctl kernel.panic=1\n", "sysctl `kernel.panic' is not per network namespace" },
	{ "sysctl bad key", S "host a\n  sysctl net.ipv4/../x=1\n", "invalid sysctl key `net.ipv4/../x'" },
	{ "sysctl too long", S "host a\n  sysctl net.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1\n", "is too long" },
	{ "sysctl two", S "host a\n  sysctl net.ipv4.ip_forward=1 net.x=2\n", "one KEY=VALUE per sysctl line" },
	/* loopback */
	{ "loopback empty", S "host a\n  loopback\n", "expected one or more addresses after `loopback'" },
	{ "loopback bad address", S "host a\n  loopback 203.0.113.256/32\n", "t.topo:3:12: bad address `203.0.113.256/32'" },
	{ "loopback prefix out of range", S "host a\n  loopback 203.0.113.1/33\n", "prefix length out of range in `203.0.113.1/33'" },
	{ "loopback v6 prefix out of range", S "host a\n  loopback 2001:db8::1/129\n", "prefix length out of range" },
	{ "loopback bad prefix length", S "host a\n  loopback 203.0.113.1/x\n", "bad prefix length in `203.0.113.1/x'" },
	{ "loopback twice", S "host a\n  loopback 203.0.113.1 203.0.113.1/32\n", "address 203.0.113.1 is given twice to `a'" },
	/* route */
	{ "route empty", S "host a\n  route\n", "expected a destination prefix or `default'" },
	{ "route bad destination", S "host a\n  route 10.0.0.0 via 10.0.0.1\n", "`10.0.0.0' needs a prefix length" },
	{ "route host bits", S "host a\n  route 10.0.0.1/8 via 10.0.0.2\n", "route destination `10.0.0.1/8' has host bits set" },
	{ "route unknown option", S "host a\n  route 10.0.0.0/8 vai 10.1.0.2\n", "unknown route option `vai' (did you mean `via'?)" },
	{ "route missing gateway", S "host a\n  route 10.0.0.0/8 via\n", "expected a gateway address after `via'" },
	{ "route bad gateway", S "host a\n  route 10.0.0.0/8 via 10.1.0\n", "bad gateway address `10.1.0'" },
	{ "route gateway with length", S "host a\n  route 10.0.0.0/8 via 10.1.0.1/30\n", "bad gateway address" },
	{ "route family mismatch", S "host a\n  route 10.0.0.0/8 via 2001:db8::1\n", "gateway `2001:db8::1' is not an IPv4 address" },
	{ "route neither via nor dev", S "host a\n  route 10.0.0.0/8 metric 5\n", "a route needs `via GATEWAY' or `dev INTERFACE'" },
	{ "route bad metric", S "host a\n  route 10.0.0.0/8 via 10.0.0.1 metric x\n", "bad metric `x'" },
	{ "route bad dev", S "host a\n  route 10.0.0.0/8 dev a:b\n", "invalid interface name `a:b'" },
	{ "route unknown dev", S "host a\n  route 10.0.0.0/8 dev eth9\n", "route via dev `eth9': host `a' has no such interface" },
	/* run and file */
	{ "run empty", S "host a\n  run\n", "expected a command after `run'" },
	{ "file arguments", S "host a\n  file /etc/x\n", "expected `file DEST SOURCE'" },
	{ "file outside etc", S "host a\n  file /usr/x parse.c\n", "file destination `/usr/x' must be a normal path under /etc/" },
	{ "file escaping etc", S "host a\n  file /etc/../x parse.c\n", "must be a normal path under /etc/" },
	{ "file missing", S "host a\n  file /etc/x no-such-file.conf\n", "t.topo:3:15: cannot read `no-such-file.conf': No such file or directory" },
	{ "file not regular", S "host a\n  file /etc/x .\n", "cannot read `.': not a regular file" },
	/* links */
	{ "link without ends", S H2 "link a:eth0\n", "expected two ends" },
	{ "link end without colon", S H2 "link a b:eth0\n", "expected HOST:INTERFACE, got `a'" },
	{ "link end empty host", S H2 "link :eth0 b:eth0\n", "bad host name in `:eth0'" },
	{ "link bad ifname", S H2 "link a:eth0 b:abcdefghijklmnop\n", "t.topo:4:15: invalid interface name `abcdefghijklmnop'" },
	{ "link lo", S H2 "link a:lo b:eth0\n", "invalid interface name `lo'" },
	{ "link unknown host", S H2 "link a:eth0 c:eth0\n", "t.topo:4:13: unknown host `c'" },
	{ "link unknown host hint", S "host alpha\nhost b\nlink alpah:eth0 b:eth0\n", "unknown host `alpah' (did you mean `alpha'?)" },
	{ "link interface twice", S H2 "host c\nlink a:eth0 b:eth0\nlink a:eth0 c:eth0\n", "interface a:eth0 is used twice (also at line 5)" },
	{ "link to itself", S H2 "link a:eth0 a:eth0\n", "interface a:eth0 is used twice" },
	{ "link unknown option", S H2 "link a:eth0 b:eth0 mut 1400\n", "unknown link option `mut' (did you mean `mtu'?)" },
	{ "link mtu missing", S H2 "link a:eth0 b:eth0 mtu\n", "expected a number after `mtu'" },
	{ "link mtu too small", S H2 "link a:eth0 b:eth0 mtu 67\n", "bad MTU `67' (expected 68 to 65535)" },
	{ "link mtu too big", S H2 "link a:eth0 b:eth0 mtu 65536\n", "bad MTU `65536'" },
	{ "link bad key", S H2 "link a:eth0 b:eth0 key 0\n", "bad GRE key `0'" },
	{ "link key collision", S H2 "link a:eth0 b:eth0 key 7\nlink a:eth1 b:eth1 key 7\n", "GRE key 7 of link `a:eth1-b:eth1' collides with link `a:eth0-b:eth0' at line 4" },
	{ "unknown link statement", S H2 "link a:eth0 b:eth0\n  adr a 10.0.0.1/24\n", "unknown link statement `adr' (did you mean `addr'?)" },
	/* addr */
	{ "addr without host", S H2 "link a:eth0 b:eth0\n  addr\n", "expected a host name after `addr'" },
	{ "addr not an end", S H2 "host c\nlink a:eth0 b:eth0\n  addr c 10.0.0.1/24\n", "`c' is not an end of this link" },
	{ "addr without address", S H2 "link a:eth0 b:eth0\n  addr a\n", "expected one or more ADDRESS/LENGTH after `a'" },
	{ "addr without length", S H2 "link a:eth0 b:eth0\n  addr a 10.0.0.1\n", "`10.0.0.1' needs a prefix length (ADDRESS/LENGTH)" },
	{ "addr prefix out of range", S H2 "link a:eth0 b:eth0\n  addr a 10.0.0.1/40\n", "prefix length out of range in `10.0.0.1/40'" },
	{ "addr bad address", S H2 "link a:eth0 b:eth0\n  addr a 10.0.0.x/24\n", "bad address `10.0.0.x/24'" },
	{ "addr network address", S H2 "link a:eth0 b:eth0\n  addr a 10.0.0.0/24\n", "`10.0.0.0/24' is the network address of its subnet" },
	{ "addr broadcast address", S H2 "link a:eth0 b:eth0\n  addr a 10.0.0.3/30\n", "`10.0.0.3/30' is the broadcast address of its subnet" },
	{ "addr ambiguous host", S "host a\nlink a:eth0 a:eth1\n  addr a 10.0.0.1/24\n", "host `a' has two ends here: write HOST:INTERFACE" },
	{ "addr mismatched subnet", S H2 "link a:eth0 b:eth0\n  addr a 10.1.0.1/30\n  addr b 10.1.0.5/30\n", "t.topo:6:10: 10.1.0.5/30 on b is not in the subnet of 10.1.0.1/30 on a" },
	{ "addr mismatched length", S H2 "link a:eth0 b:eth0\n  addr a 10.1.0.1/30\n  addr b 10.1.0.2/24\n", "10.1.0.2/24 on b is not in the subnet of 10.1.0.1/30 on a" },
	{ "addr mismatched v6 subnet", S H2 "link a:eth0 b:eth0\n  addr a 2001:db8:1::1/64\n  addr b 2001:db8:2::2/64\n", "2001:db8:2::2/64 on b is not in the subnet of 2001:db8:1::1/64 on a" },
	{ "addr duplicate", S H2 "host c\nlink a:eth0 b:eth0\n  addr a 10.1.0.1/24\nlink a:eth1 c:eth0\n  addr c 10.1.0.1/24\n", "address 10.1.0.1 on c:eth0 is already on a:eth0" },
	{ "addr is a loopback", S "host a\n  loopback 10.9.9.9/32\nhost b\nlink a:eth0 b:eth0\n  addr b 10.9.9.9/24\n", "address 10.9.9.9 on b:eth0 is a loopback address of `a'" },
	/* discipline */
	{ "discipline without direction", S H2 "link a:eth0 b:eth0\n  discipline\n", "expected `both' or a host name after `discipline'" },
	{ "discipline without options", S H2 "link a:eth0 b:eth0\n  discipline both\n", "expected discipline options" },
	{ "discipline unknown option", S H2 "link a:eth0 b:eth0\n  discipline both dleay 10ms\n", "t.topo:5:19: unknown discipline option `dleay' (did you mean `delay'?)" },
	{ "discipline missing value", S H2 "link a:eth0 b:eth0\n  discipline both delay\n", "expected a value after `delay'" },
	{ "discipline time without unit", S H2 "link a:eth0 b:eth0\n  discipline both delay 10\n", "bad delay `10' (expected a time such as 10ms" },
	{ "discipline bad time unit", S H2 "link a:eth0 b:eth0\n  discipline both delay 10min\n", "bad delay `10min'" },
	{ "discipline bad loss", S H2 "link a:eth0 b:eth0\n  discipline both loss 0.1\n", "bad loss `0.1' (expected a percentage" },
	{ "discipline loss over 100", S H2 "link a:eth0 b:eth0\n  discipline both loss 101%\n", "bad loss `101%'" },
	{ "discipline bad rate", S H2 "link a:eth0 b:eth0\n  discipline both rate 100mb\n", "bad rate `100mb' (expected a rate such as 100mbit" },
	{ "discipline rate too small", S H2 "link a:eth0 b:eth0\n  discipline both rate 1bit\n", "bad rate `1bit'" },
	{ "discipline bad limit", S H2 "link a:eth0 b:eth0\n  discipline both limit 0\n", "bad limit `0' (expected a number of packets)" },
	{ "discipline bad duplicate", S H2 "link a:eth0 b:eth0\n  discipline both duplicate x\n", "bad duplicate `x'" },
	{ "discipline jitter without delay", S H2 "link a:eth0 b:eth0\n  discipline both jitter 1ms\n", "jitter needs a delay" },
	{ "discipline jitter over delay", S H2 "link a:eth0 b:eth0\n  discipline both delay 1ms jitter 2ms\n", "jitter is larger than the delay" },
	{ "discipline reorder without delay", S H2 "link a:eth0 b:eth0\n  discipline both reorder 25%\n", "reorder needs a delay" },
	{ "discipline not an end", S H2 "host c\nlink a:eth0 b:eth0\n  discipline c delay 1ms\n", "`c' is not an end of this link" },
	{ "discipline twice", S H2 "link a:eth0 b:eth0\n  discipline a delay 1ms\n  discipline a delay 2ms\n", "a second discipline for traffic leaving `a' (the first is at line 5)" },
	/* frr and bird (docs/routing.md) */
	{ "frr twice", S "host a\n  frr zebra config parse.c\n  frr ospfd config parse.c\n", "a second `frr' statement for host `a' (the first is at line 3)" },
	{ "frr config twice", S "host a\n  frr zebra config parse.c config parse.c\n", "a second `config' for `frr'" },
	{ "frr config without file", S "host a\n  frr zebra config\n", "expected a file name after `config'" },
	{ "frr bad restart", S "host a\n  frr zebra config parse.c restart sometimes\n", "bad restart policy `sometimes' (expected always, on-failure or never)" },
	{ "frr restart hint", S "host a\n  frr zebra config parse.c restart alwasy\n", "(did you mean `always'?)" },
	{ "bird unknown option", S "host a\n  bird confg parse.c\n", "unknown bird option `confg' (did you mean `config'?)" },
	{ "frr unknown daemon", S "host a\n  frr zebra ospdf config parse.c\n", "unknown FRR daemon `ospdf' (did you mean `ospfd'?)" },
	{ "frr unknown daemon, no hint", S "host a\n  frr quagga config parse.c\n", "unknown FRR daemon `quagga' (expected zebra" },
	{ "frr daemon twice", S "host a\n  frr ospfd ospfd config parse.c\n", "FRR daemon `ospfd' is named twice" },
	{ "frr without daemons", S "host a\n  frr config parse.c\n", "expected FRR daemon names after `frr'" },
	{ "bird without config", S "host a\n  bird\n", "`bird' needs `config FILE'" },
	{ "frr missing config", S "host a\n  frr zebra config nope.conf\n", "cannot read `nope.conf': No such file or directory" },
	{ "bird config a directory", S "host a\n  bird config .\n", "cannot read `.': not a regular file" },
	/* lans */
	{ "lan without name", S "lan\n", "expected a lan name after `lan'" },
	{ "lan bad name", S "lan a:b\n", "invalid lan name `a:b'" },
	{ "lan one member", S H2 "lan l a:eth0\n", "a lan needs at least two members" },
	{ "lan bad member", S H2 "lan l a:eth0 b:\n", "invalid interface name `'" },
	{ "lan unknown option", S H2 "lan l a:eth0 b:eth0 mtuu 1000\n", "unknown lan option `mtuu' (did you mean `mtu'?)" },
	{ "duplicate lan", S H2 "lan l a:eth0 b:eth0\nlan l a:eth1 b:eth1\n", "duplicate lan `l' (first defined at line 4)" },
	{ "lan mismatched subnet", S H2 "host c\nlan l a:eth0 b:eth0 c:eth0\n  addr a 10.0.0.1/24\n  addr c 10.0.1.3/24\n", "10.0.1.3/24 on c is not in the subnet of 10.0.0.1/24 on a" },
	{ "lan tunnel key collides", S "node n underlay 192.0.2.1\nnode m underlay 192.0.2.2\nnode o underlay 192.0.2.3\nhost a node n\nhost b node m\nhost c node o\nlan l a:eth0 b:eth0 c:eth0 key 7\nlink a:eth1 b:eth1 key 8\n", "t.topo:8:32: GRE key 8 of lan `l''s tunnel n-o collides with link `a:eth1-b:eth1' at line 9" },
	{ "unknown lan statement", S H2 "lan l a:eth0 b:eth0\n  discipine a delay 1ms\n", "unknown lan statement `discipine' (did you mean `discipline'?)" },
	/* names: one validator for every kind */
	{ "host node name invalid", S "host a node a.b\n", "t.topo:2:13: invalid node name `a.b'" },
	{ "node name too long", S "node abcdefghijabcdefghijabcdefghij12 underlay 192.0.2.1\n", "invalid node name `abcdefghijabcdefghijabcdefghij12'" },
	{ "host option node too long", S "host a node abcdefghijabcdefghijabcdefghij12\n", "invalid node name `abcdefghijabcdefghijabcdefghij12'" },
	{ "link end bad host name", S H2 "link a.b:eth0 b:eth0\n", "t.topo:4:6: bad host name in `a.b:eth0'" },
	{ "link end host name too long", S H2 "link abcdefghijabcdefghijabcdefghij12:e b:e\n", "bad host name in" },
	/* hostnames: RFC 1123 */
	{ "host name not a hostname", S "host a_b\n", "t.topo:2:6: host name `a_b' is not a valid hostname (RFC 1123" },
	{ "host name ends in -", S "host a-\n", "host name `a-' is not a valid hostname" },
	{ "hostname with _", S "host a hostname a_b\n", "t.topo:2:17: invalid hostname `a_b' (RFC 1123" },
	{ "hostname label ends in -", S "host a hostname a-.b\n", "invalid hostname `a-.b'" },
	{ "hostname label starts with -", S "host a hostname a.-b\n", "invalid hostname `a.-b'" },
	{ "hostname trailing dot", S "host a hostname a.b.\n", "invalid hostname `a.b.'" },
	{ "hostname label of 64", S "host a hostname a.abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234\n", "invalid hostname" },
	{ "hostname of 65", S "host a hostname abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij.abc\n", "invalid hostname" },
	/* an option twice on one line: the last would silently win */
	{ "node underlay twice", S "node n underlay 192.0.2.1 underlay 192.0.2.2\n", "t.topo:2:27: option `underlay' is given twice" },
	{ "node capacity twice", S "node n underlay 192.0.2.1 capacity 2 capacity 3\n", "option `capacity' is given twice" },
	{ "host node twice", S "node n underlay 192.0.2.1\nhost a node n node n\n", "t.topo:3:15: option `node' is given twice" },
	{ "host hostname twice", S "host a hostname x hostname y\n", "option `hostname' is given twice" },
	{ "link mtu twice", S H2 "link a:e b:e mtu 1400 mtu 1500\n", "t.topo:4:23: option `mtu' is given twice" },
	{ "link key twice", S H2 "link a:e b:e key 1 key 2\n", "option `key' is given twice" },
	{ "lan mtu twice", S H2 "lan l a:e b:e mtu 1400 mtu 1400\n", "option `mtu' is given twice" },
	{ "route via twice", S "host a\n  route 10.0.0.0/8 via 10.1.0.1 via 10.1.0.2\n", "t.topo:3:33: option `via' is given twice" },
	{ "route dev twice", S H2 "link a:e b:e\nhost c\n  route 10.0.0.0/8 dev e dev e\n", "option `dev' is given twice" },
	{ "route metric twice", S "host a\n  route 10.0.0.0/8 via 10.1.0.1 metric 1 metric 2\n", "option `metric' is given twice" },
	{ "discipline delay twice", S H2 "link a:e b:e\n  discipline both delay 1ms delay 2ms\n", "t.topo:5:29: option `delay' is given twice" },
	{ "discipline rate twice", S H2 "link a:e b:e\n  discipline a rate 1mbit loss 1% rate 2mbit\n", "option `rate' is given twice" },
	{ "frr restart twice", S "host a\n  frr zebra config parse.c restart never restart always\n", "option `restart' is given twice" },
	/* sysctl keys */
	{ "sysctl key net.", S "host a\n  sysctl net.=1\n", "t.topo:3:10: invalid sysctl key `net.'" },
	{ "sysctl key empty component", S "host a\n  sysctl net..ipv4=1\n", "invalid sysctl key `net..ipv4'" },
	{ "sysctl key leading dot", S "host a\n  sysctl .net.ipv4=1\n", "invalid sysctl key `.net.ipv4'" },
	{ "sysctl key with slash", S "host a\n  sysctl net.ipv4.conf.eth0/1.x=1\n", "invalid sysctl key" },
	{ "sysctl key net alone", S "host a\n  sysctl net=1\n", "sysctl `net' is not per network namespace" },
	{ "sysctl without value", S "host a\n  sysctl net.ipv4.ip_forward=\n", "t.topo:3:10: sysctl `net.ipv4.ip_forward' has no value (KEY=VALUE)" },
	{ "sysctl twice", S "host a\n  sysctl net.ipv4.ip_forward=1\n  sysctl net.ipv4.ip_forward=0\n", "t.topo:4:10: sysctl `net.ipv4.ip_forward' is set twice on `a' (the first is at line 3)" },
	/* loopbacks */
	{ "loopback on two hosts", S "host a\n  loopback 10.9.9.9\nhost b\n  loopback 10.9.9.9/32\n", "t.topo:4:6: loopback address 10.9.9.9 of `b' is already a loopback address of `a'" },
	{ "loopback v6 on two hosts", S "host a\n  loopback 2001:db8::1\nhost b\n  loopback 2001:db8::1/64\n", "loopback address 2001:db8::1 of `b' is already a loopback address of `a'" },
	{ "loopback length 0", S "host a\n  loopback 10.9.9.9/0\n", "`10.9.9.9/0' has a prefix length of 0" },
	{ "loopback multicast", S "host a\n  loopback 224.0.0.1\n", "`224.0.0.1' is a multicast address" },
	{ "loopback unspecified v6", S "host a\n  loopback ::\n", "`::' is the unspecified address" },
	/* routes: the kernel refuses a second with one destination and metric */
	{ "route twice", S "host a\n  route 10.0.0.0/8 via 10.1.0.1\n  route 10.0.0.0/8 via 10.1.0.2\n", "t.topo:4:9: a second route to 10.0.0.0/8 with metric 0 on `a' (the first is at line 3)" },
	{ "route default and 0/0", S "host a\n  route default via 10.1.0.1\n  route 0.0.0.0/0 via 10.1.0.2\n", "t.topo:4:9: a second route to 0.0.0.0/0 with metric 0 on `a' (the first is at line 3)" },
	{ "route 0/0 and default", S "host a\n  route 0.0.0.0/0 via 10.1.0.1 metric 7\n  route default via 10.1.0.2 metric 7\n", "a second route to 0.0.0.0/0 with metric 7" },
	{ "route default6 and ::/0", S "host a\n  route default6 via 2001:db8::1\n  route ::/0 via 2001:db8::2\n", "a second route to ::/0 with metric 0 on `a' (the first is at line 3)" },
	{ "route dev twice over", S H2 "link a:e b:e\nhost c\n  route 10.0.0.0/8 dev lo\n  route 10.0.0.0/8 dev lo\n", "a second route to 10.0.0.0/8" },
	{ "route prefix length not digits", S "host a\n  route 10.0.0.0/+8 via 10.1.0.1\n", "bad prefix length in `10.0.0.0/+8'" },
	/* files: normal paths under /etc, one file at each */
	{ "file /etc/..", S "host a\n  file /etc/.. parse.c\n", "t.topo:3:8: file destination `/etc/..' must be a normal path under /etc/" },
	{ "file /etc/.", S "host a\n  file /etc/. parse.c\n", "file destination `/etc/.' must be a normal path" },
	{ "file inner ..", S "host a\n  file /etc/a/../b parse.c\n", "file destination `/etc/a/../b' must be a normal path" },
	{ "file inner .", S "host a\n  file /etc/a/./b parse.c\n", "file destination `/etc/a/./b' must be a normal path" },
	{ "file double slash", S "host a\n  file /etc//a parse.c\n", "file destination `/etc//a' must be a normal path" },
	{ "file trailing slash", S "host a\n  file /etc/a/ parse.c\n", "file destination `/etc/a/' must be a normal path" },
	{ "file /etc/ itself", S "host a\n  file /etc/ parse.c\n", "file destination `/etc/' must be a normal path" },
	{ "file relative", S "host a\n  file etc/a parse.c\n", "file destination `etc/a' must be a normal path" },
	{ "file /etcx", S "host a\n  file /etcx/a parse.c\n", "must be a normal path" },
	{ "file twice", S "host a\n  file /etc/a parse.c\n  file /etc/a topo.h\n", "t.topo:4:8: `/etc/a' of `a' is already installed by the `file' statement at line 3" },
	{ "file under a file", S "host a\n  file /etc/a parse.c\n  file /etc/a/b topo.h\n", "t.topo:4:8: `/etc/a/b' of `a' cannot be installed: `/etc/a' is a file (the `file' statement at line 3)" },
	{ "file over frr's config", S "host a\n  file /etc/frr/frr.conf parse.c\n  frr zebra config parse.c\n", "t.topo:3:8: `/etc/frr/frr.conf' of `a' is already installed by the `frr' statement at line 4" },
	{ "file over frr's directory", S "host a\n  frr zebra config parse.c\n  file /etc/frr parse.c\n", "`/etc/frr/frr.conf' of `a' cannot be installed: `/etc/frr' is a file (the `file' statement at line 4)" },
	{ "file over bird's config", S "host a\n  bird config parse.c\n  file /etc/bird/bird.conf parse.c\n", "already installed by the `bird' statement at line 3" },
	/* underlays */
	{ "underlay unspecified", S "node n underlay 0.0.0.0\n", "t.topo:2:17: bad underlay address `0.0.0.0': the unspecified address" },
	{ "underlay loopback", S "node n underlay 127.0.0.1\n", "bad underlay address `127.0.0.1': a loopback address" },
	{ "underlay other loopback", S "node n underlay 127.8.9.10\n", "bad underlay address `127.8.9.10': a loopback address" },
	{ "underlay broadcast", S "node n underlay 255.255.255.255\n", "bad underlay address `255.255.255.255': the broadcast address" },
	{ "underlay multicast", S "node n underlay 224.0.0.1\n", "bad underlay address `224.0.0.1': a multicast address" },
	{ "underlay multicast top", S "node n underlay 239.255.255.255\n", "a multicast address" },
	{ "underlay IPv6 unspecified", S "node n underlay ::\n", "t.topo:2:17: bad underlay address `::': the unspecified address" },
	{ "underlay IPv6 loopback", S "node n underlay ::1\n", "bad underlay address `::1': a loopback address" },
	{ "underlay IPv6 multicast", S "node n underlay ff02::2\n", "bad underlay address `ff02::2': a multicast address" },
	{ "underlay IPv6 link-local", S "node n underlay fe80::1\n", "bad underlay address `fe80::1': a link-local address" },
	{ "underlay IPv4-mapped", S "node n underlay ::ffff:192.0.2.1\n", "bad underlay address `::ffff:192.0.2.1': an IPv4-mapped address (write the IPv4 address)" },
	/* link addresses */
	{ "addr length 0", S H2 "link a:e b:e\n  addr a 10.0.0.1/0\n", "t.topo:5:10: `10.0.0.1/0' has a prefix length of 0" },
	{ "addr v6 length 0", S H2 "link a:e b:e\n  addr a 2001:db8::1/0\n", "`2001:db8::1/0' has a prefix length of 0" },
	{ "addr loopback", S H2 "link a:e b:e\n  addr a 127.0.0.1/8\n", "`127.0.0.1/8' is a loopback address" },
	{ "addr v6 loopback", S H2 "link a:e b:e\n  addr a ::1/128\n", "`::1/128' is a loopback address" },
	{ "addr multicast", S H2 "link a:e b:e\n  addr a 224.0.0.5/24\n", "`224.0.0.5/24' is a multicast address" },
	{ "addr v6 multicast", S H2 "link a:e b:e\n  addr a ff02::5/64\n", "`ff02::5/64' is a multicast address" },
	{ "addr unspecified", S H2 "link a:e b:e\n  addr a 0.0.0.0/31\n", "`0.0.0.0/31' is the unspecified address" },
	{ "addr broadcast", S H2 "link a:e b:e\n  addr a 255.255.255.255/32\n", "`255.255.255.255/32' is the broadcast address" },
	/* what a message quotes is escaped */
	{ "control characters escaped", S "host a\x07\x1b[2J\n", "t.topo:2:6: invalid host name `a\\x07\\x1b[2J'" },
	{ "bytes past ASCII escaped", S "hos\xc3\xa9 a\n", "unknown statement `hos\\xc3\\xa9'" },
};

static void test_bad(void **state)
{
	const struct bad_case *c = *state;
	struct diag d = { 0 };
	struct topo t;
	int ret;

	ret = topo_parse_text(&t, c->text, "t.topo", SRCDIR, &d);
	assert_int_equal(ret, -1);
	assert_true(d.n > 0);
	if (!strstr(d.msgs[0], c->want)) {
		print_error("first error: %s\nwanted: %s\n", d.msgs[0], c->want);
		fail();
	}
	diag_free(&d);
}

/* The refused statement does not cascade: one error per bad line. */
static void test_errors_collected(void **state)
{
	struct diag d = { 0 };
	struct topo t;

	(void)state;
	assert_int_equal(topo_parse_text(&t, S H2 "hots c\nlink a:eth0 b:eth0 mut 1\n  addr a 10.0.0.1/24\nlink a:eth1 z:eth0\n",
					 "t.topo", ".", &d), -1);
	assert_int_equal(d.n, 3);
	assert_non_null(strstr(d.msgs[0], ":4:1: unknown statement `hots'"));
	assert_non_null(strstr(d.msgs[1], ":5:20: unknown link option `mut'"));
	assert_non_null(strstr(d.msgs[2], ":7:13: unknown host `z'"));
	diag_free(&d);
}

static void test_valid_model(void **state)
{
	struct diag d = { 0 };
	struct topo t;
	char buf[64];

	(void)state;
	assert_int_equal(topo_parse_text(&t,
		"# comment\n"
		"node alpha underlay 192.0.2.1 capacity 4\n"
		"node beta underlay 192.0.2.2\n"
		"slice s1\n"
		"host r1 hostname r1.s1.example   # trailing comment\n"
		"    sysctl net.ipv4.ip_forward=1\n"
		"    loopback 203.0.113.1/32 2001:db8:ff::1\n"
		"    route 198.51.100.64/26 via 198.51.100.2 metric 20\n"
		"    route default6 via 2001:db8:1::2\n"
		"    route 10.0.0.0/8 dev eth0\n"
		"    run sleep 1000\n"
		"\n"
		"host r2 node beta\n"
		"link r1:eth0 r2:eth0 mtu 1400\n"
		"\taddr r1 198.51.100.1/30 2001:db8:1::1/64\n"
		"\taddr r2:eth0 198.51.100.2/30 2001:db8:1::2/64\n"
		"\tdiscipline both delay 10ms jitter 1ms loss 0.1% rate 100mbit\n"
		"\tdiscipline r1 delay 5ms duplicate 1% reorder 25% corrupt 0.5% limit 500 rate 8kbps\n",
		"t.topo", ".", &d) ? -(int)d.n : 0, 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(t.slice, "s1");
	assert_int_equal(t.n_nodes, 2);
	assert_int_equal(t.nodes[0].capacity, 4);
	assert_int_equal(t.n_hosts, 2);
	assert_string_equal(t.hosts[0].hostname, "r1.s1.example");
	assert_string_equal(t.hosts[1].hostname, "r2");
	assert_int_equal(t.hosts[0].node, 0);	/* first node by default */
	assert_int_equal(t.hosts[1].node, 1);
	assert_string_equal(t.hosts[0].sysctls[0].key, "net.ipv4.ip_forward");
	assert_string_equal(t.hosts[0].sysctls[0].value, "1");
	assert_int_equal(t.hosts[0].n_loopbacks, 2);
	assert_int_equal(t.hosts[0].loopbacks[1].len, 128);
	assert_int_equal(t.hosts[0].n_routes, 3);
	assert_int_equal(t.hosts[0].routes[0].metric, 20);
	assert_int_equal(t.hosts[0].routes[1].dst.family, AF_INET6);
	assert_int_equal(t.hosts[0].routes[1].dst.len, 0);
	assert_string_equal(t.hosts[0].routes[2].dev, "eth0");
	assert_string_equal(t.hosts[0].runs[0].cmd, "sleep 1000");
	assert_int_equal(t.n_links, 1);
	assert_int_equal(t.links[0].mtu, 1400);
	assert_string_equal(t.links[0].name, "r1:eth0-r2:eth0");
	assert_int_equal(t.links[0].key, topo_link_key("s1", "r1:eth0-r2:eth0"));
	assert_int_equal(t.links[0].ends[1].n_addrs, 2);
	assert_string_equal(prefix_str(&t.links[0].ends[1].addrs[1], buf, sizeof(buf)), "2001:db8:1::2/64");
	/* r1's own line replaces `both' for its direction */
	assert_int_equal(t.links[0].ends[0].disc.delay_ns, 5000000);
	assert_int_equal(t.links[0].ends[0].disc.rate_bps, 64000);
	assert_int_equal(t.links[0].ends[0].disc.limit, 500);
	assert_true(t.links[0].ends[0].disc.reorder == 25.0);
	assert_int_equal(t.links[0].ends[1].disc.delay_ns, 10000000);
	assert_int_equal(t.links[0].ends[1].disc.jitter_ns, 1000000);
	assert_int_equal(t.links[0].ends[1].disc.rate_bps, 100000000);
	assert_true(t.links[0].ends[1].disc.loss > 0.0999 && t.links[0].ends[1].disc.loss < 0.1001);
	topo_free(&t);
}

/* Keys are pinned: every node derives them from the file alone, so the
 * derivation may never change (values computed apart, FNV-1a 32 of
 * "SLICE/LINK"). */
static void test_key_pinned(void **state)
{
	(void)state;
	assert_int_equal(topo_link_key("s", "a:eth0-b:eth0"), 3690920865u);
	assert_int_equal(topo_link_key("t", "a:eth0-b:eth0"), 1216087304u);
	assert_int_equal(topo_link_key("lan", "seg0"), 1280040042u);
}

/* Valid inputs near the edges of the rules: each must parse. */
static const char *const good[] = {
	S "host a\n  route 10.0.0.0/8 via 10.1.0.1 metric 1\n  route 10.0.0.0/8 via 10.1.0.2 metric 2\n",
	S "host a\n  route default via 10.1.0.1\n  route default6 via 2001:db8::1\n",
	S "host a hostname abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123\n",
	S "host a hostname a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f\n",
	S "host a1-b hostname 1.2.3.4\n",
	S "host a_b hostname a-b\n",
	S "host a\n  sysctl net.ipv4.conf.eth-0_1.rp_filter=0\nhost b\n  sysctl net.ipv4.conf.eth-0_1.rp_filter=0\n",
	S "host a\n  file /etc/a.b/c-d_e+f@g parse.c\n  file /etc/a.b/..x parse.c\n  file /etc/...\t" "parse.c\n",
	S "host a\n  loopback 10.9.9.9 10.9.9.10/32 2001:db8::1\nhost b\n  loopback 10.9.9.11\n",
	S "node n underlay 192.0.2.1\nnode m underlay 223.255.255.254\nhost a node m\n",
	S "node n underlay 2001:db8::1\nnode m underlay 2001:db8:ffff::ffff capacity 2\nhost a node m\n",
	S H2 "link a:e b:e\n  addr a 10.0.0.0/31 fe80::1/64\n  addr b 10.0.0.1/31 fe80::2/64\n",
};

static void test_good(void **state)
{
	struct diag d = { 0 };
	struct topo t;

	if (topo_parse_text(&t, *state, "t.topo", SRCDIR, &d)) {
		diag_print(&d);
		fail();
	}
	topo_free(&t);
}

/*
 * A lan across nodes: a tunnel per pair of its nodes, each key derived from
 * "SLICE/LAN/A-B" (node names in strcmp order, so both ends agree; values
 * computed apart) or, with `key N', N + the pair's index in the order the
 * nodes are declared.
 */
static void test_lan_across_nodes(void **state)
{
	static const char nodes[] = S "node n underlay 192.0.2.1\nnode m underlay 192.0.2.2\n"
		"node o underlay 192.0.2.3\nnode p underlay 192.0.2.4\n"
		"host a node n\nhost b node m\nhost c node o\nhost d node n\n";
	struct diag d = { 0 };
	char *text;
	struct topo t;

	(void)state;
	if (asprintf(&text, "%slan l a:e b:e c:e d:e\n", nodes) < 0)
		fail();
	assert_int_equal(topo_parse_text(&t, text, "t.topo", ".", &d), 0);
	free(text);
	assert_true(topo_lan_on(&t, &t.links[0], 0) && topo_lan_on(&t, &t.links[0], 2));
	assert_false(topo_lan_on(&t, &t.links[0], 3));
	assert_int_equal(t.links[0].key, 3784759777u);	/* "s/l": names its bridge */
	assert_int_equal(topo_lan_key(&t, 0, 0, 1), 3761476098u);	/* "s/l/m-n" */
	assert_int_equal(topo_lan_key(&t, 0, 1, 0), 3761476098u);
	assert_int_equal(topo_lan_key(&t, 0, 1, 2), 3778253717u);	/* "s/l/m-o" */
	assert_int_equal(topo_lan_key(&t, 0, 2, 0), 2589827380u);	/* "s/l/n-o" */
	topo_free(&t);

	if (asprintf(&text, "%slan l a:e b:e c:e d:e key 7\n", nodes) < 0)
		fail();
	assert_int_equal(topo_parse_text(&t, text, "t.topo", ".", &d), 0);
	free(text);
	assert_int_equal(topo_lan_key(&t, 0, 0, 1), 7);
	assert_int_equal(topo_lan_key(&t, 0, 0, 2), 8);
	assert_int_equal(topo_lan_key(&t, 0, 2, 1), 9);
	topo_free(&t);

	/* Two nodes: the pair's key is the lan's own, which is no collision. */
	assert_int_equal(topo_parse_text(&t, S "node n underlay 192.0.2.1\nnode m underlay 192.0.2.2\n"
					 "host a node n\nhost b node m\nlan l a:e b:e key 7\n",
					 "t.topo", ".", &d), 0);
	assert_int_equal(topo_lan_key(&t, 0, 0, 1), 7);
	topo_free(&t);
}

/* IPv6 underlays: the address and its family in the model, and the tunnel
 * overhead of 62 bytes (outer IPv6 40, GRE with key 8, Ethernet 14) against
 * IPv4's 42. */
static void test_underlay_v6(void **state)
{
	struct prefix want = { .family = AF_INET6, .len = 128 };
	struct diag d = { 0 };
	struct topo t;

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::2", &want.addr.v6), 1);
	assert_int_equal(topo_parse_text(&t, S "node n underlay 2001:db8::1\n"
					 "node m   underlay 2001:db8:0::2\nhost a node m\n",
					 "t.topo", ".", &d), 0);
	assert_int_equal(t.nodes[1].underlay.family, AF_INET6);
	assert_int_equal(t.nodes[1].underlay.len, 128);
	assert_memory_equal(&t.nodes[1].underlay.addr.v6, &want.addr.v6, 16);
	assert_int_equal(t.nodes[1].underlay_loc.line, 3);
	assert_int_equal(t.nodes[1].underlay_loc.col, 19);
	assert_int_equal(topo_tunnel_overhead(&t), 62);
	topo_free(&t);

	assert_int_equal(topo_parse_text(&t, S "node n underlay 192.0.2.1\n", "t.topo", ".", &d), 0);
	assert_int_equal(t.nodes[0].underlay.family, AF_INET);
	assert_int_equal(t.nodes[0].underlay.addr.v4.s_addr, htonl(0xc0000201));
	assert_int_equal(topo_tunnel_overhead(&t), 42);
	topo_free(&t);
}

/* `ssh [USER@]HOST[:PORT]' on a node: kept as written; absent, "". */
static void test_node_ssh(void **state)
{
	static const char *const ok[] = { "root@beta", "beta", "trellis@192.0.2.2:2222",
		"a.b_c-d@beta.example.org", "[2001:db8::2]", "root@[2001:db8::2]:22", NULL };
	struct diag d = { 0 };
	struct topo t;
	char text[256];

	(void)state;
	for (size_t i = 0; ok[i]; i++) {
		snprintf(text, sizeof(text), S "node n underlay 192.0.2.1 ssh %s capacity 3\nnode m underlay 192.0.2.2\n",
			 ok[i]);
		assert_int_equal(topo_parse_text(&t, text, "t.topo", ".", &d), 0);
		assert_string_equal(t.nodes[0].ssh, ok[i]);
		assert_string_equal(t.nodes[1].ssh, "");
		assert_int_equal(t.nodes[0].capacity, 3);
		topo_free(&t);
	}
	assert_int_equal(topo_ssh_check("beta", text, sizeof(text)), 0);
	assert_int_equal(topo_ssh_check("be ta", text, sizeof(text)), -1);
	memset(text, 'a', 200);
	text[200] = '\0';
	assert_int_equal(topo_ssh_check(text, text + 201, 50), -1);
	assert_string_equal(text + 201, "longer than 127 characters");
}

/* A lan member on an unknown node: that error, and no message built from
 * a node that does not exist (it read nodes[-1]). */
static void test_lan_unknown_node(void **state)
{
	struct diag d = { 0 };
	struct topo t;

	(void)state;
	assert_int_equal(topo_parse_text(&t, S "node n underlay 192.0.2.1\n" H2 "host c node zz\n"
					 "lan l a:e c:e b:e\n", "t.topo", ".", &d), -1);
	for (size_t i = 0; d.n != 1 && i < d.n; i++)
		print_error("%s\n", d.msgs[i]);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msgs[0], "t.topo:5:13: unknown node `zz'");
	diag_free(&d);
}

/* Errors are reported once each, at most 50, then "too many errors": 3,000
 * copies of one link used to give one message per pair, millions. */
static void test_error_cap(void **state)
{
	char *text = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&text, &size);
	struct diag d = { 0 };
	struct topo t;

	(void)state;
	fprintf(m, S H2);
	for (int i = 0; i < 3000; i++)
		fprintf(m, "link a:e b:e\n");
	fclose(m);
	assert_int_equal(topo_parse_text(&t, text, "t.topo", ".", &d), -1);
	assert_int_equal(d.n, 51);
	assert_string_equal(d.msgs[0], "t.topo:5:6: interface a:e is used twice (also at line 4)");
	assert_string_equal(d.msgs[49], "t.topo:29:10: interface b:e is used twice (also at line 4)");
	assert_string_equal(d.msgs[50], "t.topo:30:6: too many errors, stopping");
	assert_true(d.capped);
	diag_free(&d);
	free(text);
}

/* Only unknown ends: one message each, not one per pair either. */
static void test_errors_linear(void **state)
{
	char *text = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&text, &size);
	struct diag d = { 0 };
	struct topo t;

	(void)state;
	fprintf(m, S "host a\n  loopback 10.0.0.1\nhost b\n  loopback 10.0.0.1\n"
		   "host c\n  loopback 10.0.0.1\n");
	fclose(m);
	assert_int_equal(topo_parse_text(&t, text, "t.topo", ".", &d), -1);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.msgs[0], "t.topo:4:6: loopback address 10.0.0.1 of `b' is already a loopback address of `a'");
	assert_string_equal(d.msgs[1], "t.topo:6:6: loopback address 10.0.0.1 of `c' is already a loopback address of `a'");
	diag_free(&d);
	free(text);
}

/* A NUL byte used to end the file silently. */
static void test_nul(void **state)
{
	static const char text[] = S "host a\nhost b\0host c\n";
	struct diag d = { 0 };
	struct topo t;

	(void)state;
	assert_int_equal(topo_parse_buf(&t, text, sizeof(text) - 1, "t.topo", ".", &d), -1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msgs[0], "t.topo:3:7: a NUL byte (a topology is text; the rest of the line is ignored)");
	diag_free(&d);
	assert_int_equal(topo_parse_buf(&t, text, 15, "t.topo", ".", &d), 0);
	assert_int_equal(t.n_hosts, 1);
	topo_free(&t);
}

/* Paths named in a topology are absolute once read: a process that then
 * changes its directory still finds them. */
static void test_paths_absolute(void **state)
{
	char cwd[4096], *rel;
	struct diag d = { 0 };
	struct topo t;
	struct stat st;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(TOPDIR "/userspace"), 0);
	assert_int_equal(topo_parse_text(&t, S "host a\n  file /etc/x trellisd/../trellisd/parse.c\n"
					 "  frr zebra config ./trellisd/topo.h\n", "t.topo", ".", &d), 0);
	assert_int_equal(chdir("/"), 0);
	assert_string_equal(t.dir, TOPDIR "/userspace");
	assert_string_equal(t.hosts[0].files[0].src, SRCDIR "/parse.c");
	assert_string_equal(t.hosts[0].frr.config, SRCDIR "/topo.h");
	assert_int_equal(stat(t.hosts[0].files[0].src, &st), 0);
	topo_free(&t);
	/* and the directory of a file named by a relative path */
	assert_int_equal(chdir(TOPDIR), 0);
	assert_int_equal(asprintf(&rel, "topo/ospf-ring.topo"), 19);
	assert_int_equal(topo_parse_file(&t, rel, NULL, &d), 0);
	assert_int_equal(chdir("/"), 0);
	assert_string_equal(t.dir, TOPDIR "/topo");
	assert_string_equal(t.hosts[0].frr.config, TOPDIR "/topo/ospf-ring/r1/frr.conf");
	topo_free(&t);
	free(rel);
	assert_int_equal(chdir(cwd), 0);
}

/* A chain of 10,000 hosts, with loopbacks, routes and links: every check
 * is linear, so this takes a fraction of a second (it took minutes).  The
 * time is printed, not asserted. */
static void test_large(void **state)
{
	char *text = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&text, &size);
	struct diag d = { 0 };
	struct timespec a, b;
	struct topo t;
	int n = 10000;

	(void)state;
	fprintf(m, "slice big\n");
	for (int i = 1; i <= n; i++)
		fprintf(m, "host h%d\n  loopback 10.%d.%d.%d 2001:db8:ffff::%x\n"
			"  route 192.0.2.0/24 dev eth0\n  route default6 via 2001:db8:%x::1\n",
			i, 100 + i / 65536, i / 256 % 256, i % 256, i, i);
	for (int i = 1; i < n; i++)
		fprintf(m, "link h%d:eth1 h%d:eth0\n  addr h%d 10.%d.%d.%d/30 2001:db8:%x::1/64\n"
			"  addr h%d 10.%d.%d.%d/30 2001:db8:%x::2/64\n", i, i + 1,
			i, 4 * i / 65536, 4 * i / 256 % 256, 4 * i % 256 + 1, i + 1,
			i + 1, 4 * i / 65536, 4 * i / 256 % 256, 4 * i % 256 + 2, i + 1);
	fprintf(m, "link h%d:eth1 h1:eth0\n", n);
	fclose(m);
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (topo_parse_text(&t, text, "big.topo", ".", &d)) {
		for (size_t i = 0; i < d.n && i < 5; i++)
			print_error("%s\n", d.msgs[i]);
		fail();
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	print_message("# 10,000 hosts parsed and checked in %.3f s\n",
		      (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	assert_int_equal(t.n_hosts, n);
	assert_int_equal(t.n_links, n);
	topo_free(&t);
	free(text);
}

/* trellisd link set: the options of one discipline, and nothing more. */
static void test_disc_args(void **state)
{
	char *good[] = { "delay", "10ms", "loss", "1%" };
	char *inject[] = { "delay", "1ms\nhost c", "loss", "1%" };
	char *comment[] = { "delay", "1ms", "#", "x" };
	char *twice[] = { "delay", "1ms", "delay", "2ms" };
	struct diag d = { 0 };
	struct disc disc;

	(void)state;
	assert_int_equal(disc_parse_args(4, good, &disc, &d), 0);
	assert_int_equal(disc.delay_ns, 10000000);
	assert_true(disc.loss == 1.0);
	assert_int_equal(disc_parse_args(4, inject, &disc, &d), -1);
	assert_string_equal(d.msgs[0], "discipline: bad argument `1ms\\x0ahost c' (a line break or `#')");
	diag_free(&d);
	assert_int_equal(disc_parse_args(4, comment, &disc, &d), -1);
	diag_free(&d);
	assert_int_equal(disc_parse_args(4, twice, &disc, &d), -1);
	assert_non_null(strstr(d.msgs[0], "option `delay' is given twice"));
	diag_free(&d);
}

static void test_closest_word(void **state)
{
	static const char *const words[] = { "delay", "jitter", "loss", NULL };

	(void)state;
	assert_string_equal(closest_word("dleay", words), "delay");
	assert_string_equal(closest_word("los", words), "loss");
	assert_null(closest_word("bandwidth", words));
}

static void test_example(void **state)
{
	const char *path = *state;
	struct diag d = { 0 };
	struct topo t;
	int ret = topo_parse_file(&t, path, NULL, &d);

	for (size_t i = 0; i < d.n; i++)
		print_error("%s\n", d.msgs[i]);
	assert_int_equal(ret, 0);
	assert_true(t.n_hosts >= 2);
	topo_free(&t);
}

static void test_missing_file(void **state)
{
	struct diag d = { 0 };
	struct topo t;

	(void)state;
	assert_int_equal(topo_parse_file(&t, "no/such.topo", NULL, &d), -1);
	assert_string_equal(d.msgs[0], "no/such.topo: No such file or directory");
	diag_free(&d);
}

int main(void)
{
	size_t nbad = sizeof(bad) / sizeof(bad[0]), ngood = sizeof(good) / sizeof(good[0]);
	static char *good_names[sizeof(good) / sizeof(good[0])];
	/* Every example in topo/ must be valid. */
	static char *examples[256];
	size_t nex = 0;
	struct dirent *de;
	DIR *dir = opendir(TOPDIR "/topo");
	struct CMUnitTest *tests;
	size_t n = 0;

	while (dir && (de = readdir(dir)) && nex < 256) {
		size_t len = strlen(de->d_name);

		if (len > 5 && !strcmp(de->d_name + len - 5, ".topo") &&
		    asprintf(&examples[nex], "%s/topo/%s", TOPDIR, de->d_name) > 0)
			nex++;
	}
	if (dir)
		closedir(dir);
	tests = calloc(nbad + nex + ngood + 13, sizeof(*tests));
	for (size_t i = 0; i < ngood; i++)
		if (asprintf(&good_names[i], "valid input %zu", i + 1) < 0)
			return 1;

	for (size_t i = 0; i < nbad; i++) {
		tests[n].name = bad[i].name;
		tests[n].test_func = test_bad;
		tests[n].initial_state = (void *)&bad[i];
		n++;
	}
	for (size_t i = 0; i < nex; i++) {
		tests[n].name = examples[i] + strlen(TOPDIR) + 1;
		tests[n].test_func = test_example;
		tests[n].initial_state = (void *)examples[i];
		n++;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_errors_collected);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_valid_model);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_key_pinned);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_disc_args);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lan_unknown_node);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_underlay_v6);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_node_ssh);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lan_across_nodes);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_error_cap);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_errors_linear);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_nul);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_paths_absolute);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_large);
	for (size_t i = 0; i < ngood; i++) {
		tests[n].name = good_names[i];
		tests[n].test_func = test_good;
		tests[n].initial_state = (void *)good[i];
		n++;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_closest_word);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_missing_file);
	return _cmocka_run_group_tests("parse", tests, n, NULL, NULL);
}
