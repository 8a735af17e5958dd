// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of `routing' (parse.c's statement, routing_gen.c's text) and of
 * confcheck.c: the generated FRR and BIRD configurations of small
 * topologies, asserted line by line; the statement's errors; the checkers'
 * messages turned into FILE:LINE:COL; and, where FRR and BIRD are
 * installed, every generated configuration accepted by `vtysh --dryrun' and
 * `bird -p' while a broken one is refused with its line.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "confcheck.h"
#include "routing_gen.h"
#include "topo.h"

/* confcheck.c reports through trellisd's printers. */
void errorf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void warnf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

#define PARSE_BAD_DIR TOPDIR "/topo"
#include "parse_helpers.h"

static const char *conf(const struct topo *t, const char *host)
{
	const struct host *h = &t->hosts[topo_host(t, host)];

	return h->frr.text ? h->frr.text : h->bird.text ? h->bird.text : "";
}

/* text has line (whole, with its indent). */
static void has(const char *text, const char *line)
{
	const char *p = text;
	size_t n = strlen(line);

	for (; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return;
	fprintf(stderr, "no line `%s' in:\n%s\n", line, text);
	fail();
}

static void hasnt(const char *text, const char *s)
{
	if (strstr(text, s)) {
		fprintf(stderr, "`%s' should not be in:\n%s\n", s, text);
		fail();
	}
}

#define TRIANGLE "host r1\nhost r2\nhost r3\n" \
	"link r1:eth0 r2:eth0\nlink r2:eth1 r3:eth0\nlink r3:eth1 r1:eth1\n"

static void test_ospf_frr(void **state)
{
	struct topo t;
	const char *c;
	int h;

	(void)state;
	parse_ok(&t, "slice s\naddressing auto pool6 none loopback6 none\n"
		 "routing ospf hello 2 dead 7 area 1\n" TRIANGLE);
	c = conf(&t, "r1");
	has(c, "hostname r1");
	has(c, "interface lo");
	has(c, " ip ospf area 1");
	has(c, " ip ospf passive");
	has(c, "interface eth0");
	has(c, " ip ospf network point-to-point");
	has(c, " ip ospf hello-interval 2");
	has(c, " ip ospf dead-interval 7");
	has(c, "router ospf");
	has(c, " ospf router-id 10.255.0.1");
	hasnt(c, "ospf6");
	hasnt(c, "bgp");
	h = topo_host(&t, "r1");
	assert_true(t.hosts[h].frr.set);
	assert_null(t.hosts[h].frr.config);
	assert_int_equal(t.hosts[h].frr.daemons, 1u | 1u << 3);	/* zebra, ospfd */
	assert_string_equal(t.hosts[h].sysctls[0].key, "net.ipv4.ip_forward");
	assert_string_equal(t.hosts[h].sysctls[0].value, "1");
	topo_free(&t);
}

/* Mixed: r2 runs BIRD; r3 keeps its hand-written FRR; defaults 1 s / 4 s. */
static void test_ospf_mixed(void **state)
{
	struct topo t;
	const char *c;
	int h;

	(void)state;
	parse_ok(&t, "slice s\naddressing auto\nrouting ospf\nrouting ospf6\n"
		 "host r1\nhost r2\n    routing ospf daemon bird\nhost r3\n"
		 "    frr zebra ospfd config " TOPDIR "/topo/ospf-ring/r3/frr.conf\n"
		 "link r1:eth0 r2:eth0\nlink r2:eth1 r3:eth0\nlink r3:eth1 r1:eth1\n");
	c = conf(&t, "r2");
	has(c, "router id 10.255.0.2;");
	has(c, "protocol ospf v2 ospf4 {");
	has(c, "protocol ospf v3 ospf6 {");
	has(c, "\t\tinterface \"lo\" { stub yes; };");
	has(c, "\t\tstubnet fd00:0:ff::2/128;");
	has(c, "\t\tinterface \"eth0\" { type ptp; hello 1; dead 4; retransmit 2; };");
	has(c, "\t\texport where source != RTS_DEVICE;");
	h = topo_host(&t, "r2");
	assert_true(t.hosts[h].bird.set && !t.hosts[h].frr.set);
	c = conf(&t, "r1");
	has(c, " ipv6 ospf6 area 0");
	has(c, " ipv6 ospf6 network point-to-point");
	has(c, " ipv6 ospf6 dead-interval 4");
	has(c, "router ospf6");
	h = topo_host(&t, "r3");
	assert_null(t.hosts[h].frr.text);
	assert_non_null(t.hosts[h].frr.config);
	topo_free(&t);
}

static void test_bgp(void **state)
{
	struct topo t;
	const char *c;

	(void)state;
	parse_ok(&t, "slice s\naddressing auto\nrouting bgp hello 1 dead 3\n"
		 "host r1\nhost r2\n    routing bgp daemon bird as 65100\nhost r3\n"
		 "host h1\n    routing none\n"
		 "link r1:eth0 r2:eth0\nlink r2:eth1 r3:eth0\nlink r3:eth1 r1:eth1\n"
		 "link r1:eth2 h1:eth0\n");
	c = conf(&t, "r1");
	has(c, "router bgp 64512");
	has(c, " timers bgp 1 3");
	has(c, " no bgp default ipv4-unicast");
	has(c, " neighbor 10.0.0.1 remote-as 65100");
	has(c, " neighbor fd00:0:1::1 remote-as 65100");
	has(c, " neighbor 10.0.0.4 remote-as 64514");
	has(c, "  network 10.255.0.1/32");
	has(c, "  network fd00:0:ff::1/128");
	has(c, "  neighbor 10.0.0.1 activate");
	has(c, "  neighbor fd00:0:1::1 activate");
	hasnt(c, "10.0.0.7");	/* h1 runs no BGP: no session to it */
	c = conf(&t, "r2");
	has(c, "\tlocal as 65100;");
	has(c, "\thold time 3;");	/* the slice's timers */
	has(c, "protocol bgp bgp_l0_e0_v4 from trellis_ebgp {");
	has(c, "\tneighbor 10.0.0.0 as 64512;");
	has(c, "\tneighbor fd00:0:1::3 as 64514;");
	has(c, "\tinterface \"lo\";");
	assert_string_equal(conf(&t, "h1"), "");
	topo_free(&t);
}

static void test_isis(void **state)
{
	struct topo t;
	const char *c;

	(void)state;
	parse_ok(&t, "slice s\naddressing auto\nrouting isis hello 1 dead 3\n"
		 "host r1\nhost r2\nlan seg r1:eth1 r2:eth1\n" "link r1:eth0 r2:eth0\n");
	c = conf(&t, "r2");
	has(c, " net 49.0001.0000.0000.0002.00");
	has(c, " ip router isis core");
	has(c, " ipv6 router isis core");
	has(c, " isis hello-multiplier 3");
	has(c, " isis passive");
	/* the lan is a broadcast circuit: one point-to-point line, for eth0 */
	assert_ptr_equal(strstr(c, " isis network point-to-point"),
			 strrchr(c, 'i') ? strstr(c, " isis network point-to-point") : NULL);
	assert_null(strstr(strstr(c, " isis network point-to-point") + 1,
			   " isis network point-to-point"));
	assert_int_equal(t.hosts[1].frr.daemons, 1u | 1u << 7);	/* zebra, isisd */
	topo_free(&t);
}

static void test_deterministic(void **state)
{
	struct topo a, b;

	(void)state;
	parse_ok(&a, "slice s\naddressing auto\nrouting ospf\nrouting bgp\n" TRIANGLE);
	parse_ok(&b, "slice s\naddressing auto\nrouting ospf\nrouting bgp\n" TRIANGLE);
	for (size_t i = 0; i < a.n_hosts; i++)
		assert_string_equal(a.hosts[i].frr.text, b.hosts[i].frr.text);
	topo_free(&a);
	topo_free(&b);
}

static void test_errors(void **state)
{
	(void)state;
	parse_bad("slice s\nrouting rip\n", "t.topo:2:9: unknown routing protocol `rip'");
	parse_bad("slice s\nrouting ospf6x\n", "(did you mean `ospf6'?)");
	parse_bad("slice s\nrouting\n", "expected a protocol after `routing'");
	parse_bad("slice s\nrouting isis daemon bird\n", "t.topo:2:21: BIRD has no IS-IS");
	parse_bad("slice s\nrouting ospf daemon quagga\n", "unknown daemon `quagga'");
	parse_bad("slice s\nrouting ospf hello 0\n", "bad hello `0'");
	parse_bad("slice s\nrouting ospf hello 3 dead 3\n", "dead (3 s) must be longer than hello (3 s)");
	parse_bad("slice s\nrouting ospf as 65000\n", "option `as' is not one of `routing ospf'");
	parse_bad("slice s\nrouting bgp area 0\n", "option `area' is not one of `routing bgp'");
	parse_bad("slice s\nrouting ospf\nrouting ospf\n",
		  "t.topo:3:9: a second `routing ospf' (the first is at line 2)");
	parse_bad("slice s\nrouting ospf hellp 1\n", "unknown routing option `hellp' (did you mean `hello'?)");
	parse_bad("slice s\nhost r1\n    routing ospf daemon frr\n    routing bgp daemon bird\n",
		  "host `r1' would run `routing ospf' with FRR and `routing bgp' with BIRD");
	parse_bad("slice s\nhost r1\n    frr zebra ospfd config ospf-ring/r1/frr.conf\n    routing ospf\n",
		  "t.topo:4:5: host `r1' has its own `frr ... config': `routing ospf' would not be used");
	parse_bad("slice s\nhost r1\nexpect r1 reaches r9\n", "t.topo:3:8: unknown host `r9' in `expect'");
	parse_bad("slice s\nhost r1\nexpect r1 goes r1\n", "expected `expect HOST reaches");
	parse_bad("slice s\nhost r1\nexpect r1 route 10.0.0.1/8 via r1\n", "has host bits set");
	parse_bad("slice s\nhost r1\nexpect r1:eth9 carries traffic\n",
		  "t.topo:3:8: host `r1' has no interface `eth9'");
	parse_bad("slice s\nhost r1\nexpect r1 carries traffic\n",
		  "t.topo:3:8: expected HOST:IF before `carries traffic', got `r1'");
}

static void test_expects(void **state)
{
	struct topo t;

	(void)state;
	parse_ok(&t, "slice s\naddressing auto\n" TRIANGLE
		 "expect r1 reaches r3\nexpect r2 route 10.255.0.0/24 via r3\nexpect r3 reaches 10.0.0.1\n"
		 "expect r2:eth1 carries traffic\n");
	assert_int_equal(t.n_expects, 4);
	assert_int_equal(t.expects[3].kind, EXPECT_CARRIES);
	assert_int_equal(t.expects[3].host, 1);
	assert_string_equal(t.expects[3].ifname, "eth1");
	assert_int_equal(t.expects[0].kind, EXPECT_REACHES);
	assert_int_equal(t.expects[0].target, 2);
	assert_int_equal(t.expects[1].kind, EXPECT_ROUTE);
	assert_int_equal(t.expects[1].host, 1);
	assert_int_equal(t.expects[1].via, 2);
	assert_int_equal(t.expects[1].addr.len, 24);
	assert_int_equal(t.expects[2].target, -1);
	topo_free(&t);
}

static void test_messages(void **state)
{
	char *m;

	(void)state;
	m = confcheck_messages("bird: /tmp/trellis-check.ab12/r3.bird.conf:9:15 Retransmit int must be greater than one\n",
			       "x.topo[r3 generated bird.conf]", "r3", true);
	assert_string_equal(m, "x.topo[r3 generated bird.conf]:9:15: Retransmit int must be greater than one (host r3, bird -p)\n");
	free(m);
	m = confcheck_messages("bird: /work/t/r1/bird.conf:12:3 syntax error, unexpected CF_SYM_UNDEFINED\n",
			       "/work/t/r1/bird.conf", "r1", true);
	assert_string_equal(m, "/work/t/r1/bird.conf:12:3: syntax error, unexpected CF_SYM_UNDEFINED (host r1, bird -p)\n");
	free(m);
	m = confcheck_messages("line 18: % Unknown command[17]:  ip ospf hello-intervl 1\n",
			       "r1/frr.conf", "r1", false);
	assert_string_equal(m, "r1/frr.conf:18:2: Unknown command: `ip ospf hello-intervl 1' (host r1, vtysh --dryrun)\n");
	free(m);
}

/* The daemons' own checkers accept what is generated. */
static void test_checkers_accept(void **state)
{
	struct topo t;

	(void)state;
	if (access("/usr/bin/vtysh", X_OK) || access("/usr/sbin/bird", X_OK))
		skip();
	parse_ok(&t, "slice s\naddressing auto\nrouting ospf\nrouting ospf6\nrouting bgp\n"
		 "host r1\nhost r2\nhost r3\nhost r4\n    routing isis\n    routing ospf\n"
		 "    routing ospf6\n    routing bgp\n"
		 "host b1\n    routing ospf daemon bird\n    routing ospf6 daemon bird\n"
		 "    routing bgp daemon bird\n"
		 "link r1:eth0 r2:eth0\nlink r2:eth1 r3:eth0\nlink r3:eth1 r1:eth1\n"
		 "link r4:eth0 r1:eth2\nlan seg r1:eth3 b1:eth0 r2:eth3\nlink b1:eth1 r3:eth2\n");
	assert_int_equal(confcheck(&t), 0);
	topo_free(&t);
}

/* ... and refuse a broken one, BIRD's `retransmit 1' (issue 16). */
static void test_checkers_refuse(void **state)
{
	char dir[] = "/tmp/test-routing-gen.XXXXXX", path[128], text[512];
	struct diag d = { 0 };
	struct topo t;
	FILE *f;

	(void)state;
	if (access("/usr/sbin/bird", X_OK))
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bird.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("router id 10.255.0.1;\nprotocol device {\n}\nprotocol ospf v2 {\n\tipv4;\n"
	      "\tarea 0 {\n\t\tinterface \"eth0\" {\n\t\t\ttype ptp;\n\t\t\tretransmit 1;\n"
	      "\t\t};\n\t};\n}\n", f);
	fclose(f);
	snprintf(text, sizeof(text), "slice s\nhost r1\n    bird config %s\nhost r2\n", path);
	assert_int_equal(topo_parse_text(&t, text, "t.topo", "/", &d), 0);
	assert_int_equal(confcheck(&t), 1);
	topo_free(&t);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ospf_frr),
		cmocka_unit_test(test_ospf_mixed),
		cmocka_unit_test(test_bgp),
		cmocka_unit_test(test_isis),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_expects),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_checkers_accept),
		cmocka_unit_test(test_checkers_refuse),
	};

	return cmocka_run_group_tests_name("routing_gen", tests, NULL, NULL);
}
