// SPDX-License-Identifier: GPL-2.0
/* trellisd egre: create, change, delete and show egre tunnel devices over
 * rtnetlink (iproute2 has no parser for the "egre" kind). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/egre.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>

#include "egre.h"
#include "nl.h"
#include "trellisd.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000	/* linux/if.h, which clashes with net/if.h */
#endif

void egre_cfg_init(struct egre_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ttl = EGRE_DEFAULT_TTL;
	cfg->pmtudisc = true;
	cfg->family = AF_INET;
}

void egre_cfg_set_v6(struct egre_cfg *cfg, const struct in6_addr *local,
		     const struct in6_addr *remote)
{
	cfg->family = AF_INET6;
	cfg->local6 = *local;
	cfg->remote6 = *remote;
}

static int addr_family(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, s, buf) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, buf) == 1)
		return AF_INET6;
	return 0;
}

int egre_cfg_set_addrs(struct egre_cfg *cfg, const char *local, const char *remote)
{
	int fl = addr_family(local), fr = addr_family(remote);

	if (!fl || !fr)
		return -EINVAL;
	if (fl != fr)
		return -EAFNOSUPPORT;
	cfg->family = fl;
	if (fl == AF_INET6) {
		inet_pton(AF_INET6, local, &cfg->local6);
		inet_pton(AF_INET6, remote, &cfg->remote6);
	} else {
		inet_pton(AF_INET, local, &cfg->local);
		inet_pton(AF_INET, remote, &cfg->remote);
	}
	return 0;
}

int egre_encap_len(const struct egre_cfg *cfg)
{
	return (cfg->family == AF_INET6 ? 40 : 20) + 8 + (cfg->csum ? 4 : 0) +
	       (cfg->seq ? 4 : 0) + 14;
}

/* Which attributes a command line gave, so that `egre set` sends only
 * those. */
enum {
	HAVE_LOCAL	= 1 << IFLA_EGRE_LOCAL,
	HAVE_REMOTE	= 1 << IFLA_EGRE_REMOTE,
	HAVE_KEY	= 1 << IFLA_EGRE_KEY,
	HAVE_LINK	= 1 << IFLA_EGRE_LINK,
	HAVE_TTL	= 1 << IFLA_EGRE_TTL,
	HAVE_TOS	= 1 << IFLA_EGRE_TOS,
	HAVE_TOS_INHERIT = 1 << IFLA_EGRE_TOS_INHERIT,
	HAVE_PMTUDISC	= 1 << IFLA_EGRE_PMTUDISC,
	HAVE_CSUM	= 1 << IFLA_EGRE_CSUM,
	HAVE_SEQ	= 1 << IFLA_EGRE_SEQ,
	HAVE_ALL	= (1 << (IFLA_EGRE_SEQ + 1)) - 2,
};

static void egre_put_attrs(struct nlmsghdr *nlh, const struct egre_cfg *cfg, unsigned int have)
{
	struct nlattr *linkinfo, *data;

	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, EGRE_KIND);
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	if ((have & HAVE_LOCAL) && cfg->family == AF_INET6)
		mnl_attr_put(nlh, IFLA_EGRE_LOCAL6, sizeof(cfg->local6), &cfg->local6);
	else if (have & HAVE_LOCAL)
		mnl_attr_put(nlh, IFLA_EGRE_LOCAL, sizeof(cfg->local), &cfg->local);
	if ((have & HAVE_REMOTE) && cfg->family == AF_INET6)
		mnl_attr_put(nlh, IFLA_EGRE_REMOTE6, sizeof(cfg->remote6), &cfg->remote6);
	else if (have & HAVE_REMOTE)
		mnl_attr_put(nlh, IFLA_EGRE_REMOTE, sizeof(cfg->remote), &cfg->remote);
	if (have & HAVE_KEY)
		mnl_attr_put_u32(nlh, IFLA_EGRE_KEY, cfg->key);
	if (have & HAVE_LINK)
		mnl_attr_put_u32(nlh, IFLA_EGRE_LINK, (uint32_t)cfg->link);
	if (have & HAVE_TTL)
		mnl_attr_put_u8(nlh, IFLA_EGRE_TTL, (uint8_t)cfg->ttl);
	if (have & HAVE_TOS)
		mnl_attr_put_u8(nlh, IFLA_EGRE_TOS, (uint8_t)cfg->tos);
	if (have & HAVE_TOS_INHERIT)
		mnl_attr_put_u8(nlh, IFLA_EGRE_TOS_INHERIT, cfg->tos_inherit);
	if (have & HAVE_PMTUDISC)
		mnl_attr_put_u8(nlh, IFLA_EGRE_PMTUDISC, cfg->pmtudisc);
	if (have & HAVE_CSUM)
		mnl_attr_put_u8(nlh, IFLA_EGRE_CSUM, cfg->csum);
	if (have & HAVE_SEQ)
		mnl_attr_put_u8(nlh, IFLA_EGRE_SEQ, cfg->seq);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
}

void egre_put_linkinfo(struct nlmsghdr *nlh, const struct egre_cfg *cfg)
{
	egre_put_attrs(nlh, cfg, HAVE_ALL);
}

static int usage(void)
{
	fprintf(stderr,
		"usage: trellisd egre add NAME local ADDR remote ADDR key KEY [OPTIONS]\n"
		"       (ADDR: both IPv4 or both IPv6)\n"
		"       trellisd egre set NAME OPTIONS\n"
		"       trellisd egre del NAME\n"
		"       trellisd egre show [NAME]\n"
		"options: dev UNDERLAY | ttl N|inherit | tos N|inherit | pmtudisc | nopmtudisc |\n"
		"         csum | nocsum | seq | noseq | mtu N\n");
	return 2;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	return (errno || end == s || *end || *out > max || s[0] == '-') ? -1 : 0;
}

/* Parses the options after NAME into cfg; *have collects what was given,
 * addr[] the text of local and remote. */
static int parse_opts_1(int argc, char **argv, struct egre_cfg *cfg, unsigned int *have,
			unsigned long *mtu, const char *addr[2])
{
	for (int i = 0; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long n;

		if (!strcmp(opt, "pmtudisc") || !strcmp(opt, "nopmtudisc")) {
			cfg->pmtudisc = opt[0] == 'p';
			*have |= HAVE_PMTUDISC;
			continue;
		}
		if (!strcmp(opt, "csum") || !strcmp(opt, "nocsum")) {
			cfg->csum = opt[0] == 'c';
			*have |= HAVE_CSUM;
			continue;
		}
		if (!strcmp(opt, "seq") || !strcmp(opt, "noseq")) {
			cfg->seq = opt[0] == 's';
			*have |= HAVE_SEQ;
			continue;
		}
		if (!val) {
			errorf("egre: `%s' needs a value", opt);
			return -1;
		}
		i++;
		if (!strcmp(opt, "local") || !strcmp(opt, "remote")) {
			struct in6_addr a;

			if (inet_pton(AF_INET, val, &a) != 1 && inet_pton(AF_INET6, val, &a) != 1) {
				errorf("egre: %s `%s' is not an IPv4 or IPv6 address", opt, val);
				return -1;
			}
			addr[opt[0] == 'l' ? 0 : 1] = val;
			*have |= opt[0] == 'l' ? HAVE_LOCAL : HAVE_REMOTE;
		} else if (!strcmp(opt, "key")) {
			if (parse_uint(val, UINT32_MAX, &n)) {
				errorf("egre: key `%s' is not a number from 0 to 4294967295", val);
				return -1;
			}
			cfg->key = (uint32_t)n;
			*have |= HAVE_KEY;
		} else if (!strcmp(opt, "dev")) {
			cfg->link = (int)if_nametoindex(val);
			if (!cfg->link) {
				errorf("egre: underlay device `%s' does not exist", val);
				return -1;
			}
			*have |= HAVE_LINK;
		} else if (!strcmp(opt, "ttl")) {
			if (!strcmp(val, "inherit")) {
				n = 0;
			} else if (parse_uint(val, 255, &n) || n == 0) {
				errorf("egre: ttl `%s' is not 1-255 or `inherit'", val);
				return -1;
			}
			cfg->ttl = (int)n;
			*have |= HAVE_TTL;
		} else if (!strcmp(opt, "tos")) {
			if (!strcmp(val, "inherit")) {
				cfg->tos_inherit = true;
				*have |= HAVE_TOS_INHERIT;
				continue;
			}
			if (parse_uint(val, 255, &n)) {
				errorf("egre: tos `%s' is not 0-255 or `inherit'", val);
				return -1;
			}
			cfg->tos = (int)n;
			cfg->tos_inherit = false;
			*have |= HAVE_TOS | HAVE_TOS_INHERIT;
		} else if (!strcmp(opt, "mtu")) {
			if (parse_uint(val, 65535, &n) || n < 68) {
				errorf("egre: mtu `%s' is not 68-65535", val);
				return -1;
			}
			*mtu = n;
		} else {
			errorf("egre: unknown option `%s'", opt);
			return -1;
		}
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct egre_cfg *cfg, unsigned int *have,
		      unsigned long *mtu)
{
	const char *addr[2] = { NULL, NULL };
	const char *l, *r;
	int err;

	if (parse_opts_1(argc, argv, cfg, have, mtu, addr))
		return -1;
	if (!addr[0] && !addr[1])
		return 0;
	/* `set' may give one of them, to be compared with the tunnel's. */
	l = addr[0] ? addr[0] : addr[1];
	r = addr[1] ? addr[1] : addr[0];
	err = egre_cfg_set_addrs(cfg, l, r);
	if (err == -EAFNOSUPPORT)
		errorf("egre: local `%s' and remote `%s' are not of one family (both IPv4 or both IPv6)",
		       l, r);
	return err ? -1 : 0;
}

static struct nlmsghdr *link_msg(struct nl *nl, uint16_t type, uint16_t flags, const char *name)
{
	struct nlmsghdr *nlh = nl_msg(nl, type, flags);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

/* A device as dumped by RTM_GETLINK, with its egre settings. */
struct egre_link {
	char name[IF_NAMESIZE];
	int ifindex;
	bool is_egre, up, carrier;
	unsigned int mtu;
	struct egre_cfg cfg;
	struct rtnl_link_stats64 stats;
};

struct show_ctx {
	const char *name;	/* only this device, or NULL for all egre */
	int found;
	int (*fn)(const struct egre_link *l);
};

static int data_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= IFLA_EGRE_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static void parse_egre_data(const struct nlattr *nest, struct egre_cfg *cfg)
{
	const struct nlattr *tb[IFLA_EGRE_MAX + 1] = { 0 };

	mnl_attr_parse_nested(nest, data_attr_cb, tb);
	if (tb[IFLA_EGRE_LOCAL] && !mnl_attr_validate(tb[IFLA_EGRE_LOCAL], MNL_TYPE_U32))
		memcpy(&cfg->local, mnl_attr_get_payload(tb[IFLA_EGRE_LOCAL]), 4);
	if (tb[IFLA_EGRE_REMOTE] && !mnl_attr_validate(tb[IFLA_EGRE_REMOTE], MNL_TYPE_U32))
		memcpy(&cfg->remote, mnl_attr_get_payload(tb[IFLA_EGRE_REMOTE]), 4);
	if (tb[IFLA_EGRE_LOCAL6] && tb[IFLA_EGRE_REMOTE6] &&
	    mnl_attr_get_payload_len(tb[IFLA_EGRE_LOCAL6]) == sizeof(struct in6_addr) &&
	    mnl_attr_get_payload_len(tb[IFLA_EGRE_REMOTE6]) == sizeof(struct in6_addr))
		egre_cfg_set_v6(cfg, mnl_attr_get_payload(tb[IFLA_EGRE_LOCAL6]),
				mnl_attr_get_payload(tb[IFLA_EGRE_REMOTE6]));
	if (tb[IFLA_EGRE_KEY] && !mnl_attr_validate(tb[IFLA_EGRE_KEY], MNL_TYPE_U32))
		cfg->key = mnl_attr_get_u32(tb[IFLA_EGRE_KEY]);
	if (tb[IFLA_EGRE_LINK] && !mnl_attr_validate(tb[IFLA_EGRE_LINK], MNL_TYPE_U32))
		cfg->link = (int)mnl_attr_get_u32(tb[IFLA_EGRE_LINK]);
#define GET_U8(attr, field)                                                   \
	do {                                                                  \
		if (tb[attr] && !mnl_attr_validate(tb[attr], MNL_TYPE_U8))    \
			cfg->field = mnl_attr_get_u8(tb[attr]);               \
	} while (0)
	GET_U8(IFLA_EGRE_TTL, ttl);
	GET_U8(IFLA_EGRE_TOS, tos);
	GET_U8(IFLA_EGRE_TOS_INHERIT, tos_inherit);
	GET_U8(IFLA_EGRE_PMTUDISC, pmtudisc);
	GET_U8(IFLA_EGRE_CSUM, csum);
	GET_U8(IFLA_EGRE_SEQ, seq);
#undef GET_U8
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct show_ctx *ctx = data;
	struct egre_link l = { 0 };
	const struct nlattr *attr;

	l.cfg.family = AF_INET;
	l.ifindex = ifi->ifi_index;
	l.up = ifi->ifi_flags & IFF_UP;
	l.carrier = ifi->ifi_flags & IFF_LOWER_UP;
	mnl_attr_for_each(attr, nlh, sizeof(*ifi)) {
		switch (mnl_attr_get_type(attr)) {
		case IFLA_IFNAME:
			if (!mnl_attr_validate(attr, MNL_TYPE_NUL_STRING))
				snprintf(l.name, sizeof(l.name), "%s", mnl_attr_get_str(attr));
			break;
		case IFLA_MTU:
			if (!mnl_attr_validate(attr, MNL_TYPE_U32))
				l.mtu = mnl_attr_get_u32(attr);
			break;
		case IFLA_STATS64:
			if (mnl_attr_get_payload_len(attr) >= sizeof(l.stats))
				memcpy(&l.stats, mnl_attr_get_payload(attr), sizeof(l.stats));
			break;
		case IFLA_LINKINFO: {
			const struct nlattr *info;

			mnl_attr_for_each_nested(info, attr) {
				if (mnl_attr_get_type(info) == IFLA_INFO_KIND &&
				    !mnl_attr_validate(info, MNL_TYPE_NUL_STRING) &&
				    !strcmp(mnl_attr_get_str(info), EGRE_KIND))
					l.is_egre = true;
				else if (mnl_attr_get_type(info) == IFLA_INFO_DATA)
					parse_egre_data(info, &l.cfg);
			}
			break;
		}
		}
	}
	if (ctx->name && strcmp(ctx->name, l.name))
		return MNL_CB_OK;
	if (!l.is_egre) {
		if (ctx->name)
			ctx->found = -1;
		return MNL_CB_OK;
	}
	ctx->found++;
	if (ctx->fn && ctx->fn(&l))
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

/* Reads the egre driver's counters (drops, early receive) with the ethtool
 * ioctl. */
static void print_counters(const char *name)
{
	struct ethtool_sset_info *sset = NULL;
	struct ethtool_gstrings *strings = NULL;
	struct ethtool_stats *stats = NULL;
	struct ifreq ifr = { 0 };
	uint32_t n;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	sset = calloc(1, sizeof(*sset) + sizeof(uint32_t));
	if (!sset)
		goto out;
	sset->cmd = ETHTOOL_GSSET_INFO;
	sset->sset_mask = 1ULL << ETH_SS_STATS;
	ifr.ifr_data = (void *)sset;
	if (ioctl(fd, SIOCETHTOOL, &ifr) || !sset->sset_mask)
		goto out;
	n = sset->data[0];
	strings = calloc(1, sizeof(*strings) + n * ETH_GSTRING_LEN);
	stats = calloc(1, sizeof(*stats) + n * sizeof(uint64_t));
	if (!strings || !stats)
		goto out;
	strings->cmd = ETHTOOL_GSTRINGS;
	strings->string_set = ETH_SS_STATS;
	strings->len = n;
	ifr.ifr_data = (void *)strings;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		goto out;
	stats->cmd = ETHTOOL_GSTATS;
	stats->n_stats = n;
	ifr.ifr_data = (void *)stats;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		goto out;
	printf("    counters:");
	for (uint32_t i = 0; i < n; i++)
		printf(" %.*s %" PRIu64, ETH_GSTRING_LEN,
		       (const char *)strings->data + i * ETH_GSTRING_LEN, (uint64_t)stats->data[i]);
	printf("\n");
out:
	free(sset);
	free(strings);
	free(stats);
	close(fd);
}

/* local and remote as text, of the tunnel's family. */
static void egre_addr_str(const struct egre_cfg *c, char local[INET6_ADDRSTRLEN],
			  char remote[INET6_ADDRSTRLEN])
{
	bool v6 = c->family == AF_INET6;

	inet_ntop(c->family, v6 ? (const void *)&c->local6 : &c->local, local, INET6_ADDRSTRLEN);
	inet_ntop(c->family, v6 ? (const void *)&c->remote6 : &c->remote, remote, INET6_ADDRSTRLEN);
}

static int print_link(const struct egre_link *l)
{
	const struct egre_cfg *c = &l->cfg;
	char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN], dev[IF_NAMESIZE] = "any";

	egre_addr_str(c, local, remote);
	if (c->link && !if_indextoname((unsigned int)c->link, dev))
		snprintf(dev, sizeof(dev), "if%d", c->link);
	printf("%s: local %s remote %s key %" PRIu32 " dev %s", l->name, local, remote, c->key, dev);
	if (c->ttl)
		printf(" ttl %d", c->ttl);
	else
		printf(" ttl inherit");
	if (c->tos_inherit)
		printf(" tos inherit");
	else
		printf(" tos %d", c->tos);
	printf(" %s %s %s mtu %u %s%s\n", c->pmtudisc ? "pmtudisc" : "nopmtudisc",
	       c->csum ? "csum" : "nocsum", c->seq ? "seq" : "noseq", l->mtu,
	       l->up ? "up" : "down", l->up && !l->carrier ? " no-carrier" : "");
	printf("    rx: packets %llu bytes %llu errors %llu dropped %llu\n",
	       (unsigned long long)l->stats.rx_packets, (unsigned long long)l->stats.rx_bytes,
	       (unsigned long long)l->stats.rx_errors, (unsigned long long)l->stats.rx_dropped);
	printf("    tx: packets %llu bytes %llu errors %llu dropped %llu\n",
	       (unsigned long long)l->stats.tx_packets, (unsigned long long)l->stats.tx_bytes,
	       (unsigned long long)l->stats.tx_errors, (unsigned long long)l->stats.tx_dropped);
	print_counters(l->name);
	return 0;
}

/* Runs fn on the egre device NAME, or on all of them (name NULL). Returns
 * 0, or -ENODEV if NAME does not exist, -EMEDIUMTYPE if it is no egre. */
static int for_each_egre(struct nl *nl, const char *name, int (*fn)(const struct egre_link *))
{
	struct show_ctx ctx = { .name = name, .fn = fn };
	struct nlmsghdr *nlh;
	int err;

	if (name)
		nlh = link_msg(nl, RTM_GETLINK, 0, name);
	else
		nlh = link_msg(nl, RTM_GETLINK, NLM_F_DUMP, NULL);
	err = nl_talk(nl, nlh, link_cb, &ctx);
	if (err)
		return err;
	if (name && ctx.found == 0)
		return -ENODEV;
	if (ctx.found < 0)
		return -EMEDIUMTYPE;
	return 0;
}

static int egre_show(struct nl *nl, int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;
	int err;

	if (argc > 2)
		return usage();
	err = for_each_egre(nl, name, print_link);
	if (err == -EMEDIUMTYPE) {
		errorf("%s is not an egre device", name);
		return 1;
	}
	if (err) {
		errorf("cannot show %s: %s", name ? name : "egre devices", nl_strerror(nl, err));
		return 1;
	}
	return 0;
}

static int egre_add_set(struct nl *nl, int argc, char **argv, bool add)
{
	const char *name = argv[1];
	unsigned long mtu = 0;
	unsigned int have = 0;
	struct egre_cfg cfg;
	struct nlmsghdr *nlh;
	int err;

	if (argc < 3)
		return usage();
	if (strlen(name) >= IF_NAMESIZE) {
		errorf("egre: device name `%s' is longer than %d characters", name, IF_NAMESIZE - 1);
		return 2;
	}
	egre_cfg_init(&cfg);
	if (parse_opts(argc - 2, argv + 2, &cfg, &have, &mtu))
		return 2;
	if (add) {
		if ((have & (HAVE_LOCAL | HAVE_REMOTE | HAVE_KEY)) !=
		    (HAVE_LOCAL | HAVE_REMOTE | HAVE_KEY)) {
			errorf("egre add %s: local, remote and key are required", name);
			return 2;
		}
		nlh = link_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, name);
		egre_put_linkinfo(nlh, &cfg);
	} else {
		err = for_each_egre(nl, name, NULL);
		if (err == -EMEDIUMTYPE) {
			errorf("cannot change %s: not an egre device", name);
			return 1;
		} else if (err) {
			errorf("cannot change %s: %s", name, nl_strerror(nl, err));
			return 1;
		}
		nlh = link_msg(nl, RTM_NEWLINK, 0, name);
		egre_put_attrs(nlh, &cfg, have);
	}
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)mtu);
	err = nl_talk(nl, nlh, NULL, NULL);
	if (err == -EEXIST && add && strstr(nl->err, "already exists")) {
		char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];

		egre_addr_str(&cfg, local, remote);
		snprintf(nl->err, sizeof(nl->err), "tunnel %s -> %s key %" PRIu32 " already exists",
			 local, remote, cfg.key);
	}
	/* The module is not autoloaded (it takes GRE from the whole machine). */
	if (err == -EOPNOTSUPP && add)
		snprintf(nl->err, sizeof(nl->err), "the egre module is not loaded: run modprobe egre as root");
	if (err) {
		errorf("cannot %s %s: %s", add ? "create" : "change", name, nl_strerror(nl, err));
		return 1;
	}
	return 0;
}

static int egre_del(struct nl *nl, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	int err;

	if (argc != 2)
		return usage();
	err = for_each_egre(nl, argv[1], NULL);
	if (err == -EMEDIUMTYPE) {
		errorf("cannot delete %s: not an egre device", argv[1]);
		return 1;
	}
	if (!err) {
		nlh = link_msg(nl, RTM_DELLINK, 0, argv[1]);
		err = nl_talk(nl, nlh, NULL, NULL);
	}
	if (err) {
		errorf("cannot delete %s: %s", argv[1], nl_strerror(nl, err));
		return 1;
	}
	return 0;
}

int cmd_egre(int argc, char **argv)
{
	struct nl *nl;
	int ret;

	if (argc < 2)
		return usage();
	nl = malloc(sizeof(*nl));
	if (!nl) {
		errorf("out of memory");
		return 1;
	}
	ret = nl_open(nl, NETLINK_ROUTE);
	if (ret) {
		errorf("cannot open rtnetlink: %s", strerror(-ret));
		free(nl);
		return 1;
	}
	if (!strcmp(argv[1], "add"))
		ret = egre_add_set(nl, argc - 1, argv + 1, true);
	else if (!strcmp(argv[1], "set"))
		ret = egre_add_set(nl, argc - 1, argv + 1, false);
	else if (!strcmp(argv[1], "del") && argc >= 3)
		ret = egre_del(nl, argc - 1, argv + 1);
	else if (!strcmp(argv[1], "show"))
		ret = egre_show(nl, argc - 1, argv + 1);
	else
		ret = usage();
	nl_close(nl);
	free(nl);
	return ret;
}
