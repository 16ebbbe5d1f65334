// SPDX-License-Identifier: GPL-2.0
/*
 * stockadectl: the admin CLI.  Each command is a short function over the
 * netlink client (nl.c); output is text for people or one JSON object per
 * command with --json.  Exit status: 0 ok, 1 failed, 2 usage, 3 module not
 * loaded, 4 permission denied.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <signal.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <stockade/version.h>

#include "control.h"
#include "ctl.h"
#include "format.h"
#include "uuid.h"

bool json;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: stockadectl [--json] COMMAND [ARGS]\n"
		"  version                        tool and module versions\n"
		"  status                         node status\n"
		"  create DEV [--cluster UUID] [--device UUID] [--node N]\n"
		"         [--log-blocks N] [--force] [--join] [--no-zero]\n"
		"                                 format a backing device; --join: it\n"
		"                                 replaces a replica (full resync)\n"
		"  attach DEV --cluster UUID --device UUID\n"
		"                                 present DEV as /dev/stockadeN\n"
		"  detach N                       remove /dev/stockadeN\n"
		"  role N leader|follower --term T   set the role by hand\n"
		"  show N                         state of /dev/stockadeN\n"
		"  peers N --node ID --listen IP:PORT --peer ID=IP:PORT...\n"
		"        --secret-file FILE       connect the device to its peers\n"
		"  lease N --term T --duration D [--hold] | --revoke\n"
		"                                 grant (and keep renewing) a lease\n"
		"  policy N [--io error|suspend] [--read lease|quorum]\n"
		"         [--suspend-timeout D] [--max-lease D] [--max-drift PPM]\n"
		"         [--revoke-on-close yes|no] [--disk-error detach|pass-on]\n"
		"         [--resync-rate KIBPS|20M|0]\n"
		"                                 what the fence does; how fast a full\n"
		"                                 resync copies (0: no limit)\n"
		"  promote N | demote N           ask the agent to lead, or to stand down\n"
		"  transfer-leadership N --to ID  hand leadership to node ID\n"
		"  monitor [--agent] [--count N]  print the module's events as they\n"
		"                                 happen; --agent: the agent's\n"
		"  events                         both, in one stream\n");
}

static int exit_for(int err)
{
	if (err == -ENOENT)
		return EXIT_NO_MODULE;
	if (err == -EPERM)
		return EXIT_PERM;
	return EXIT_FAILED;
}

static int open_module(struct stockade_nl *nl)
{
	int err = stockade_nl_open(nl);

	if (err == -ENOENT)
		fprintf(stderr, "stockadectl: stockade kernel module is not loaded (generic netlink family '%s' not found); try 'modprobe stockade'\n",
			STOCKADE_GENL_NAME);
	else if (err)
		fprintf(stderr, "stockadectl: cannot open generic netlink: %s\n",
			strerror(-err));
	return err;
}

static int report(struct stockade_nl *nl, const char *what, int err)
{
	/* Every genl op needs CAP_NET_ADMIN: say so, not just "EPERM". */
	if (err == -EPERM)
		fprintf(stderr, "stockadectl: permission denied: stockadectl needs CAP_NET_ADMIN (run as root)\n");
	else
		fprintf(stderr, "stockadectl: %s: %s\n", what,
			stockade_nl_strerror(nl, err));
	return exit_for(err);
}

/* @s as a JSON string: paths and the module's version are not trusted. */
static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Open the module, send @cmd, close on error; 0 or an exit status. */
int request(struct stockade_nl *nl, const char *what, uint8_t cmd,
	    stockade_nl_build_fn build, const void *ctx, struct nlattr **tb)
{
	int err = open_module(nl);

	if (err)
		return exit_for(err);
	err = stockade_nl_request(nl, cmd, build, ctx, tb);
	if (err) {
		err = report(nl, what, err);
		stockade_nl_close(nl);
	}
	return err;
}

uint32_t get_u32(struct nlattr **tb, int attr)
{
	return tb[attr] ? nla_get_u32(tb[attr]) : 0;
}

uint64_t get_u64(struct nlattr **tb, int attr)
{
	return tb[attr] ? nla_get_u64(tb[attr]) : 0;
}

static void print_version(struct nlattr **tb)
{
	const char *mod = tb[STOCKADE_A_VERSION] ?
			  nla_get_string(tb[STOCKADE_A_VERSION]) : "?";

	if (json) {
		printf("{\"tool\":\"%s\",\"module\":", STOCKADE_RELEASE);
		json_string(mod);
		printf(",\"genl\":%u,\"wire\":%u,\"disk\":%u}\n",
		       get_u32(tb, STOCKADE_A_GENL_VERSION),
		       get_u32(tb, STOCKADE_A_WIRE_VERSION),
		       get_u32(tb, STOCKADE_A_DISK_VERSION));
		return;
	}
	printf("module %s (genl %u, wire %u, disk %u)\n", mod,
	       get_u32(tb, STOCKADE_A_GENL_VERSION),
	       get_u32(tb, STOCKADE_A_WIRE_VERSION),
	       get_u32(tb, STOCKADE_A_DISK_VERSION));
}

/* The tool's own version is printed even when the module cannot answer. */
static int cmd_version(int argc, char **argv)
{
	struct nlattr *tb[STOCKADE_A_MAX + 1] = { 0 };
	struct stockade_nl nl;
	int rc;

	if (argc != 1)
		return EXIT_USAGE;
	(void)argv;
	if (!json)
		printf("stockadectl %s\n", STOCKADE_RELEASE);
	fflush(stdout);
	rc = request(&nl, "version", STOCKADE_CMD_GET_VERSION, NULL, NULL, tb);
	if (rc) {
		if (json)
			printf("{\"tool\":\"%s\",\"module\":null}\n",
			       STOCKADE_RELEASE);
		return rc;
	}
	print_version(tb);
	stockade_nl_close(&nl);
	return 0;
}

/* The agent's part, from its control socket, if it runs. */
static void show_agent(void)
{
	const char *path = getenv("STOCKADE_CONTROL");

	fflush(stdout);
	if (agent_control_ask(path ? path : STOCKADE_CONTROL_PATH,
			      json ? "status json" : "status", stdout))
		printf(json ? "null" : "agent: not running\n");
	if (json)
		printf("}\n");
}

/* promote N | demote N | transfer-leadership N --to ID: to the agent. */
static int cmd_operator(int argc, char **argv)
{
	const char *path = getenv("STOCKADE_CONTROL");
	char request[64], answer[64] = "";
	uint32_t index;
	uint64_t to = 0;
	FILE *out;
	int err;

	if (argc < 2 || parse_index(argv[1], &index))
		return EXIT_USAGE;
	if (!strcmp(argv[0], "transfer-leadership") &&
	    (argc != 4 || strcmp(argv[2], "--to") ||
	     parse_u64("node id", argv[3], 1, 255, &to)))
		return EXIT_USAGE;
	if (strcmp(argv[0], "transfer-leadership") && argc != 2)
		return EXIT_USAGE;
	snprintf(request, sizeof(request), "%s %u %u",
		 to ? "transfer" : argv[0], index, (unsigned int)to);
	out = fmemopen(answer, sizeof(answer) - 1, "w");
	if (!out)
		return EXIT_FAILED;
	err = agent_control_ask(path ? path : STOCKADE_CONTROL_PATH, request,
				out);
	fclose(out);
	if (err) {
		fprintf(stderr, "stockadectl: %s: the agent does not answer: %s\n",
			argv[0], strerror(-err));
		return EXIT_FAILED;
	}
	printf("%s", answer);
	return strncmp(answer, "ok", 2) ? EXIT_FAILED : 0;
}

static int cmd_status(int argc, char **argv)
{
	struct nlattr *tb[STOCKADE_A_MAX + 1] = { 0 };
	struct stockade_nl nl;
	int rc;

	if (argc != 1)
		return EXIT_USAGE;
	(void)argv;
	rc = request(&nl, "status", STOCKADE_CMD_GET_STATUS, NULL, NULL, tb);
	if (rc)
		return rc;
	if (json)
		printf("{\"node_id\":%u,\"devices\":%u,\"agent\":",
		       get_u32(tb, STOCKADE_A_NODE_ID),
		       get_u32(tb, STOCKADE_A_DEVICE_COUNT));
	else
		printf("node id: %u%s\ndevices: %u\n",
		       get_u32(tb, STOCKADE_A_NODE_ID),
		       get_u32(tb, STOCKADE_A_NODE_ID) ? "" : " (not set)",
		       get_u32(tb, STOCKADE_A_DEVICE_COUNT));
	stockade_nl_close(&nl);
	show_agent();
	return 0;
}

/* A number in [min, max] from @s, or -1 with a message. */
int parse_u64(const char *what, const char *s, uint64_t min,
	      uint64_t max, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || *out < min ||
	    *out > max) {
		fprintf(stderr, "stockadectl: bad %s '%s' (%" PRIu64 " to %" PRIu64 ")\n",
			what, s, min, max);
		return -1;
	}
	return 0;
}

static int parse_uuid(const char *what, const char *s, uint8_t uuid[16])
{
	if (stockade_uuid_parse(s, uuid) == 0)
		return 0;
	fprintf(stderr, "stockadectl: bad %s UUID '%s'\n", what, s);
	return -1;
}

enum { OPT_CLUSTER = 256, OPT_DEVICE, OPT_NODE, OPT_LOG_BLOCKS, OPT_FORCE,
       OPT_TERM, OPT_JOIN, OPT_NO_ZERO };

static const struct option long_opts[] = {
	{ "cluster", required_argument, NULL, OPT_CLUSTER },
	{ "device", required_argument, NULL, OPT_DEVICE },
	{ "node", required_argument, NULL, OPT_NODE },
	{ "log-blocks", required_argument, NULL, OPT_LOG_BLOCKS },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "term", required_argument, NULL, OPT_TERM },
	{ "join", no_argument, NULL, OPT_JOIN },
	{ "no-zero", no_argument, NULL, OPT_NO_ZERO },
	{ NULL, 0, NULL, 0 },
};

struct cmd_args {
	struct stockade_format_args fmt;
	bool have_cluster, have_device, have_term;
	uint64_t term;
};

static int parse_option(int opt, struct cmd_args *a)
{
	uint64_t v;

	switch (opt) {
	case OPT_CLUSTER:
		a->have_cluster = true;
		return parse_uuid("cluster", optarg, a->fmt.cluster_uuid);
	case OPT_DEVICE:
		a->have_device = true;
		return parse_uuid("device", optarg, a->fmt.device_uuid);
	case OPT_NODE:
		if (parse_u64("node id", optarg, 1, 255, &v))
			return -1;
		a->fmt.node_id = (uint32_t)v;
		return 0;
	case OPT_LOG_BLOCKS:
		return parse_u64("log size in blocks", optarg, 64, 1u << 30,
				 &a->fmt.log_blocks);
	case OPT_FORCE:
		a->fmt.force = true;
		return 0;
	case OPT_TERM:
		a->have_term = true;
		return parse_u64("term", optarg, 0, INT64_MAX, &a->term);
	case OPT_JOIN:
		a->fmt.join = true;
		return 0;
	case OPT_NO_ZERO:
		a->fmt.no_zero = true;
		return 0;
	}
	return -1;
}

/* Options after the command; the positional arguments stay in argv. */
static int parse_options(int argc, char **argv, struct cmd_args *a)
{
	int opt;

	memset(a, 0, sizeof(*a));
	a->fmt.node_id = 1;
	a->fmt.log_blocks = 32768;	/* 128 MiB */
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1)
		if (parse_option(opt, a))
			return -1;
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	char why[256], cluster[STOCKADE_UUID_STR_LEN], device[STOCKADE_UUID_STR_LEN];
	struct cmd_args a;
	int err;

	if (parse_options(argc, argv, &a) || optind != argc - 1)
		return EXIT_USAGE;
	a.fmt.path = argv[optind];
	if ((!a.have_cluster && stockade_uuid_generate(a.fmt.cluster_uuid)) ||
	    (!a.have_device && stockade_uuid_generate(a.fmt.device_uuid)))
		return EXIT_FAILED;
	err = stockade_format(&a.fmt, why, sizeof(why));
	if (err) {
		fprintf(stderr, "stockadectl: create %s: %s\n", a.fmt.path, why);
		return EXIT_FAILED;
	}
	stockade_uuid_format(a.fmt.cluster_uuid, cluster);
	stockade_uuid_format(a.fmt.device_uuid, device);
	if (json) {
		printf("{\"path\":");
		json_string(a.fmt.path);
		printf(",\"cluster\":\"%s\",\"device\":\"%s\",\"node\":%u,\"join\":%s}\n",
		       cluster, device, a.fmt.node_id,
		       a.fmt.join ? "true" : "false");
	} else {
		printf("formatted %s\ncluster %s\ndevice %s\nnode %u\n",
		       a.fmt.path, cluster, device, a.fmt.node_id);
		if (a.fmt.join)
			printf("joins by a full resync from the leader; it votes and leads only after it\n");
	}
	return 0;
}

static int build_attach(struct nl_msg *msg, const void *ctx)
{
	const struct stockade_format_args *f = ctx;

	if (nla_put_string(msg, STOCKADE_A_BACKING_PATH, f->path) ||
	    nla_put(msg, STOCKADE_A_CLUSTER_UUID, 16, f->cluster_uuid) ||
	    nla_put(msg, STOCKADE_A_DEVICE_UUID, 16, f->device_uuid))
		return -EMSGSIZE;
	return 0;
}

static int cmd_attach(int argc, char **argv)
{
	struct nlattr *tb[STOCKADE_A_MAX + 1] = { 0 };
	struct stockade_nl nl;
	struct cmd_args a;
	int rc;

	if (parse_options(argc, argv, &a) || optind != argc - 1 ||
	    !a.have_cluster || !a.have_device)
		return EXIT_USAGE;
	a.fmt.path = argv[optind];
	rc = request(&nl, "attach", STOCKADE_CMD_ATTACH, build_attach, &a.fmt,
		     tb);
	if (rc)
		return rc;
	if (json)
		printf("{\"index\":%u,\"device\":\"/dev/stockade%u\"}\n",
		       get_u32(tb, STOCKADE_A_DEVICE_INDEX),
		       get_u32(tb, STOCKADE_A_DEVICE_INDEX));
	else
		printf("/dev/stockade%u\n", get_u32(tb, STOCKADE_A_DEVICE_INDEX));
	stockade_nl_close(&nl);
	return 0;
}

struct index_role {
	uint32_t index;
	uint8_t role;
	uint64_t term;
	bool with_role;
};

static int build_index(struct nl_msg *msg, const void *ctx)
{
	const struct index_role *ir = ctx;

	if (nla_put_u32(msg, STOCKADE_A_DEVICE_INDEX, ir->index))
		return -EMSGSIZE;
	if (ir->with_role &&
	    (nla_put_u8(msg, STOCKADE_A_ROLE, ir->role) ||
	     nla_put_u64(msg, STOCKADE_A_TERM, ir->term)))
		return -EMSGSIZE;
	return 0;
}

int parse_index(const char *s, uint32_t *index)
{
	uint64_t v;

	if (parse_u64("device index", s, 0, 15, &v))
		return -1;
	*index = (uint32_t)v;
	return 0;
}

static int cmd_detach(int argc, char **argv)
{
	struct index_role ir = { 0 };
	struct stockade_nl nl;
	int rc;

	if (argc != 2 || parse_index(argv[1], &ir.index))
		return EXIT_USAGE;
	rc = request(&nl, "detach", STOCKADE_CMD_DETACH, build_index, &ir,
		     NULL);
	if (!rc)
		stockade_nl_close(&nl);
	return rc;
}

static int cmd_role(int argc, char **argv)
{
	struct index_role ir = { .with_role = true };
	struct stockade_nl nl;
	struct cmd_args a;
	int rc;

	if (parse_options(argc, argv, &a) || optind != argc - 2 ||
	    !a.have_term || parse_index(argv[optind], &ir.index))
		return EXIT_USAGE;
	if (!strcmp(argv[optind + 1], "leader"))
		ir.role = STOCKADE_ROLE_LEADER;
	else if (!strcmp(argv[optind + 1], "follower"))
		ir.role = STOCKADE_ROLE_FOLLOWER;
	else
		return EXIT_USAGE;
	ir.term = a.term;
	rc = request(&nl, "role", STOCKADE_CMD_SET_ROLE, build_index, &ir,
		     NULL);
	if (!rc)
		stockade_nl_close(&nl);
	return rc;
}

struct peers_args {
	uint32_t index, node_id;
	struct stockade_peer_arg {
		uint32_t id;
		struct in_addr addr;
		uint16_t port;
	} listen, peers[6];
	unsigned int n_peers;
	uint8_t secret[64];
	size_t secret_len;
};

/* "IP:PORT" */
static int parse_endpoint(const char *s, struct stockade_peer_arg *p)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	uint64_t port;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		goto bad;
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	if (inet_pton(AF_INET, host, &p->addr) != 1 ||
	    parse_u64("port", colon + 1, 1, 65535, &port))
		goto bad;
	p->port = (uint16_t)port;
	return 0;
bad:
	fprintf(stderr, "stockadectl: bad address '%s' (IPV4:PORT)\n", s);
	return -1;
}

/* "ID=IP:PORT" */
static int parse_peer_arg(const char *s, struct stockade_peer_arg *p)
{
	char id[8];
	const char *eq = strchr(s, '=');
	uint64_t v;

	if (!eq || (size_t)(eq - s) >= sizeof(id)) {
		fprintf(stderr, "stockadectl: bad peer '%s' (ID=IPV4:PORT)\n", s);
		return -1;
	}
	memcpy(id, s, eq - s);
	id[eq - s] = '\0';
	if (parse_u64("peer id", id, 1, 255, &v))
		return -1;
	p->id = (uint32_t)v;
	return parse_endpoint(eq + 1, p);
}

/* The shared secret from a file: 16 to 64 bytes, kept off the command line. */
static int read_secret(const char *path, struct peers_args *a)
{
	FILE *f = fopen(path, "r");
	uint8_t extra;

	if (!f) {
		fprintf(stderr, "stockadectl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	a->secret_len = fread(a->secret, 1, sizeof(a->secret), f);
	if (fread(&extra, 1, 1, f) == 1 || a->secret_len < 16) {
		fprintf(stderr, "stockadectl: %s: the secret must be 16 to 64 bytes\n",
			path);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static int put_peer(struct nl_msg *msg, int type,
		    const struct stockade_peer_arg *p)
{
	struct nlattr *nest = nla_nest_start(msg, type);

	if (!nest || (p->id && nla_put_u32(msg, STOCKADE_PEER_A_ID, p->id)) ||
	    nla_put_u32(msg, STOCKADE_PEER_A_ADDR, p->addr.s_addr) ||
	    nla_put_u16(msg, STOCKADE_PEER_A_PORT, p->port))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int build_peers(struct nl_msg *msg, const void *ctx)
{
	const struct peers_args *a = ctx;
	struct nlattr *nest;
	unsigned int i;

	if (nla_put_u32(msg, STOCKADE_A_DEVICE_INDEX, a->index) ||
	    nla_put_u32(msg, STOCKADE_A_NODE_ID, a->node_id) ||
	    nla_put(msg, STOCKADE_A_SECRET, (int)a->secret_len, a->secret) ||
	    put_peer(msg, STOCKADE_A_LISTEN, &a->listen))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, STOCKADE_A_PEERS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < a->n_peers; i++)
		if (put_peer(msg, STOCKADE_A_PEER, &a->peers[i]))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int parse_peers_opts(int argc, char **argv, struct peers_args *a)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "listen", required_argument, NULL, 'l' },
		{ "peer", required_argument, NULL, 'p' },
		{ "secret-file", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_listen = false, have_secret = false;
	uint64_t v;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'n' && !parse_u64("node id", optarg, 1, 255, &v))
			a->node_id = (uint32_t)v;
		else if (opt == 'l' && !parse_endpoint(optarg, &a->listen))
			have_listen = true;
		else if (opt == 'p' && a->n_peers < 6 &&
			 !parse_peer_arg(optarg, &a->peers[a->n_peers]))
			a->n_peers++;
		else if (opt == 's' && !read_secret(optarg, a))
			have_secret = true;
		else
			return -1;
	}
	if (optind != argc - 1 || !a->node_id || !have_listen ||
	    !have_secret || !a->n_peers)
		return -1;
	return parse_index(argv[optind], &a->index);
}

static int cmd_peers(int argc, char **argv)
{
	struct peers_args a = { 0 };
	struct stockade_nl nl;
	int rc;

	if (parse_peers_opts(argc, argv, &a))
		return EXIT_USAGE;
	rc = request(&nl, "peers", STOCKADE_CMD_SET_PEERS, build_peers, &a,
		     NULL);
	memset(a.secret, 0, sizeof(a.secret));
	if (!rc)
		stockade_nl_close(&nl);
	return rc;
}

static const char *role_name(uint8_t role)
{
	return role == STOCKADE_ROLE_LEADER ? "leader" : "follower";
}

static const char *const peer_states[] = { "down", "handshake", "up" };

static const char *const counter_names[] = {
	[STOCKADE_COUNTER_FENCED_IOS]		= "fenced_ios",
	[STOCKADE_COUNTER_IO_ERRORS]		= "io_errors",
	[STOCKADE_COUNTER_HANDSHAKE_FAILURES]	= "handshake_failures",
	[STOCKADE_COUNTER_MALFORMED_MSGS]	= "malformed_msgs",
	[STOCKADE_COUNTER_STALE_TERM_MSGS]	= "stale_term_msgs",
	[STOCKADE_COUNTER_FENCED_READS]		= "fenced_reads",
	[STOCKADE_COUNTER_FENCED_WRITES]	= "fenced_writes",
	[STOCKADE_COUNTER_LEASE_EXPIRIES]	= "lease_expiries",
	[STOCKADE_COUNTER_RESYNC_BLOCKS_SENT]	= "resync_blocks_sent",
	[STOCKADE_COUNTER_RESYNC_BLOCKS_RECEIVED] = "resync_blocks_received",
	[STOCKADE_COUNTER_RESYNC_ABORTS]	= "resync_aborts",
	[STOCKADE_COUNTER_LOG_ENTRIES]		= "log_entries",
	[STOCKADE_COUNTER_LOG_WRITES]		= "log_writes",
};

static void show_fields(struct nlattr **tb, uint32_t index)
{
	printf(json ? "{\"index\":%u,\"role\":\"%s\",\"term\":%" PRIu64
	       ",\"voted_for\":%u,\"last_index\":%" PRIu64
	       ",\"last_term\":%" PRIu64 ",\"commit_index\":%" PRIu64
	       ",\"applied_index\":%" PRIu64 ",\"size_bytes\":%" PRIu64
	       ",\"node_id\":%u" :
	       "stockade%u\n  role: %s\n  term: %" PRIu64
	       "\n  voted for: %u\n  last index: %" PRIu64
	       "\n  last term: %" PRIu64 "\n  commit index: %" PRIu64
	       "\n  applied index: %" PRIu64 "\n  size: %" PRIu64 " bytes"
	       "\n  node id: %u\n",
	       index, role_name(tb[STOCKADE_A_ROLE] ?
				nla_get_u8(tb[STOCKADE_A_ROLE]) : 0),
	       get_u64(tb, STOCKADE_A_TERM), get_u32(tb, STOCKADE_A_VOTED_FOR),
	       get_u64(tb, STOCKADE_A_LAST_INDEX),
	       get_u64(tb, STOCKADE_A_LAST_TERM),
	       get_u64(tb, STOCKADE_A_COMMIT_INDEX),
	       get_u64(tb, STOCKADE_A_APPLIED_INDEX),
	       get_u64(tb, STOCKADE_A_SIZE_BYTES),
	       get_u32(tb, STOCKADE_A_NODE_ID));
}

static void show_counters(struct nlattr *nest)
{
	struct nlattr *a;
	int rem, n = 0;

	printf(json ? ",\"counters\":{" : "  counters:\n");
	nla_for_each_nested(a, nest, rem) {
		int type = nla_type(a);

		if (type <= 0 || type == STOCKADE_COUNTER_PAD ||
		    type > STOCKADE_COUNTER_MAX || !counter_names[type] ||
		    nla_len(a) != sizeof(uint64_t))
			continue;
		printf(json ? "%s\"%s\":%" PRIu64 : "    %s%s: %" PRIu64 "\n",
		       json && n++ ? "," : "", counter_names[type],
		       nla_get_u64(a));
	}
	printf(json ? "}" : "");
}

static const char *const resync_states[] = {
	[STOCKADE_RESYNC_NONE]		= "none",
	[STOCKADE_RESYNC_WAITING]	= "waiting",
	[STOCKADE_RESYNC_COPYING]	= "copying",
	[STOCKADE_RESYNC_FINISHING]	= "finishing",
	[STOCKADE_RESYNC_CATCHING_UP]	= "catching-up",
	[STOCKADE_RESYNC_DONE]		= "done",
};

static const char *resync_name(unsigned int state)
{
	return state < __STOCKADE_RESYNC_STATE_MAX ? resync_states[state] :
						     "unknown";
}

static uint64_t nest_u64(struct nlattr **tb, int attr)
{
	return tb[attr] && nla_len(tb[attr]) == sizeof(uint64_t) ?
	       nla_get_u64(tb[attr]) : 0;
}

/* Per cent of @total, for people; 0 when there is nothing to copy. */
static unsigned int percent(uint64_t done, uint64_t total)
{
	return total ? (unsigned int)(done * 100 / total) : 0;
}

/* Our full resync of one peer, after its connection state. */
static void show_peer_resync(struct nlattr **tb)
{
	unsigned int state = tb[STOCKADE_PEER_A_RESYNC_STATE] ?
			     nla_get_u8(tb[STOCKADE_PEER_A_RESYNC_STATE]) : 0;
	uint64_t done = nest_u64(tb, STOCKADE_PEER_A_RESYNC_DONE_BLOCKS);
	uint64_t total = nest_u64(tb, STOCKADE_PEER_A_RESYNC_TOTAL_BLOCKS);

	if (json) {
		printf(",\"resync\":\"%s\",\"resync_done_blocks\":%" PRIu64
		       ",\"resync_total_blocks\":%" PRIu64, resync_name(state),
		       done, total);
		return;
	}
	if (state != STOCKADE_RESYNC_NONE)
		printf(", resync %s %" PRIu64 "/%" PRIu64 " blocks (%u%%)",
		       resync_name(state), done, total, percent(done, total));
}

static void show_peer(struct nlattr *nest, int *n)
{
	struct nlattr *tb[STOCKADE_PEER_A_MAX + 1];
	char addr[INET_ADDRSTRLEN] = "?";
	struct in_addr in;
	uint8_t state;

	if (nla_parse_nested(tb, STOCKADE_PEER_A_MAX, nest, NULL) ||
	    !tb[STOCKADE_PEER_A_ID] || !tb[STOCKADE_PEER_A_ADDR] ||
	    !tb[STOCKADE_PEER_A_PORT] || !tb[STOCKADE_PEER_A_STATE])
		return;
	in.s_addr = nla_get_u32(tb[STOCKADE_PEER_A_ADDR]);
	inet_ntop(AF_INET, &in, addr, sizeof(addr));
	state = nla_get_u8(tb[STOCKADE_PEER_A_STATE]);
	printf(json ? "%s{\"id\":%u,\"address\":\"%s:%u\",\"state\":\"%s\"" :
	       "%s    peer %u %s:%u %s", json && (*n)++ ? "," : "",
	       nla_get_u32(tb[STOCKADE_PEER_A_ID]), addr,
	       nla_get_u16(tb[STOCKADE_PEER_A_PORT]),
	       state < 3 ? peer_states[state] : "?");
	show_peer_resync(tb);
	printf(json ? "}" : "\n");
}

/* This replica's own full resync, and the rate limit it copies at. */
static void show_resync(struct nlattr **tb)
{
	unsigned int state = tb[STOCKADE_A_RESYNC_STATE] ?
			     nla_get_u8(tb[STOCKADE_A_RESYNC_STATE]) : 0;
	uint64_t done = get_u64(tb, STOCKADE_A_RESYNC_DONE_BLOCKS);
	uint64_t total = get_u64(tb, STOCKADE_A_RESYNC_TOTAL_BLOCKS);
	uint64_t target = get_u64(tb, STOCKADE_A_RESYNC_CATCH_UP_INDEX);

	if (json) {
		printf(",\"resync\":{\"state\":\"%s\",\"received_blocks\":%" PRIu64
		       ",\"total_blocks\":%" PRIu64 ",\"catch_up_index\":%" PRIu64
		       ",\"rate_kbps\":%u}", resync_name(state), done, total,
		       target, get_u32(tb, STOCKADE_A_RESYNC_RATE_KBPS));
		return;
	}
	printf("  resync: %s", resync_name(state));
	if (state == STOCKADE_RESYNC_WAITING || state == STOCKADE_RESYNC_COPYING)
		printf(" %" PRIu64 "/%" PRIu64 " blocks (%u%%)", done, total,
		       percent(done, total));
	else if (state == STOCKADE_RESYNC_CATCHING_UP)
		printf(" (votes and leads from index %" PRIu64 ")", target);
	printf("\n");
	show_resync_rate(tb);
}

static void show_peers(struct nlattr *nest)
{
	struct nlattr *a;
	int rem, n = 0;

	printf(json ? ",\"peers\":[" : "  peers:\n");
	nla_for_each_nested(a, nest, rem)
		show_peer(a, &n);
	printf(json ? "]" : "");
}

static int cmd_show(int argc, char **argv)
{
	struct nlattr *tb[STOCKADE_A_MAX + 1] = { 0 };
	struct index_role ir = { 0 };
	struct stockade_nl nl;
	int rc;

	if (argc != 2 || parse_index(argv[1], &ir.index))
		return EXIT_USAGE;
	rc = request(&nl, "show", STOCKADE_CMD_GET_DEVICE, build_index, &ir,
		     tb);
	if (rc)
		return rc;
	show_fields(tb, ir.index);
	show_fence(tb);
	show_resync(tb);
	if (tb[STOCKADE_A_COUNTERS])
		show_counters(tb[STOCKADE_A_COUNTERS]);
	if (tb[STOCKADE_A_PEERS])
		show_peers(tb[STOCKADE_A_PEERS]);
	printf(json ? "}\n" : "");
	stockade_nl_close(&nl);
	return 0;
}

static const char *const event_names[] = {
	[STOCKADE_EVENT_ROLE]		= "role",
	[STOCKADE_EVENT_STEPPED_DOWN]	= "stepped-down",
	[STOCKADE_EVENT_PEER_UP]	= "peer-up",
	[STOCKADE_EVENT_PEER_DOWN]	= "peer-down",
	[STOCKADE_EVENT_IO_ERROR]	= "io-error",
	[STOCKADE_EVENT_LEASE_GRANTED]	= "lease-granted",
	[STOCKADE_EVENT_LEASE_LATE]	= "lease-late",
	[STOCKADE_EVENT_LEASE_EXPIRED]	= "lease-expired",
	[STOCKADE_EVENT_FENCED]		= "fenced",
	[STOCKADE_EVENT_DISK_FAILED]	= "disk-failed",
	[STOCKADE_EVENT_RESYNC_START]	= "resync-start",
	[STOCKADE_EVENT_RESYNC_END]	= "resync-end",
	[STOCKADE_EVENT_RESYNC_ABORTED]	= "resync-aborted",
	[STOCKADE_EVENT_SERVING]	= "serving",
};

/* One line per event; stop after the count asked for. */
static int print_event(struct nlattr **tb, void *ctx)
{
	uint64_t *left = ctx;
	uint8_t ev = tb[STOCKADE_A_EVENT] ? nla_get_u8(tb[STOCKADE_A_EVENT]) : 0;
	const char *name = ev && ev < __STOCKADE_EVENT_MAX ? event_names[ev] :
							     "unknown";

	printf(json ? "{\"device\":%u,\"event\":\"%s\",\"role\":\"%s\",\"term\":%" PRIu64 ",\"peer\":%u,\"fenced\":\"%s\"}\n" :
	       "stockade%u %s role=%s term=%" PRIu64 " peer=%u fenced=%s\n",
	       get_u32(tb, STOCKADE_A_DEVICE_INDEX), name,
	       role_name(tb[STOCKADE_A_ROLE] ? nla_get_u8(tb[STOCKADE_A_ROLE]) : 0),
	       get_u64(tb, STOCKADE_A_TERM), get_u32(tb, STOCKADE_A_NODE_ID),
	       fence_name(tb));
	fflush(stdout);
	return *left && !--*left;
}

/* monitor [--agent] [--count N]: the module's events, or the agent's. */
/* The module's events until @left of them (0: forever) or an error. */
static int monitor_module(uint64_t left)
{
	struct stockade_nl nl;
	int err;

	err = open_module(&nl);
	if (err)
		return exit_for(err);
	err = stockade_nl_monitor(&nl, print_event, &left);
	if (err)
		err = report(&nl, "monitor", err);
	stockade_nl_close(&nl);
	return err;
}

static int cmd_monitor(int argc, char **argv)
{
	uint64_t left = 0;
	bool agent = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--agent"))
			agent = true;
		else if (!strcmp(argv[i], "--count") && i + 1 < argc &&
			 !parse_u64("count", argv[i + 1], 1, UINT32_MAX, &left))
			i++;
		else
			return EXIT_USAGE;
	}
	if (agent)
		return ctl_monitor_agent(left);
	return monitor_module(left);
}

/*
 * events: the module's events and the agent's in one stream.  The agent's
 * watch runs in a child that dies with us; every line is written whole
 * and flushed (shorter than PIPE_BUF), so the two never mix within one.
 */
static int cmd_events(int argc, char **argv)
{
	pid_t child;
	int rc;

	(void)argv;
	if (argc != 1)
		return EXIT_USAGE;
	fflush(stdout);
	child = fork();
	if (child < 0) {
		perror("stockadectl: events: fork");
		return EXIT_FAILED;
	}
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		_exit(ctl_monitor_agent(0));
	}
	rc = monitor_module(0);
	kill(child, SIGTERM);
	waitpid(child, NULL, 0);
	return rc;
}

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "version", cmd_version },
	{ "status", cmd_status },
	{ "create", cmd_create },
	{ "attach", cmd_attach },
	{ "detach", cmd_detach },
	{ "role", cmd_role },
	{ "show", cmd_show },
	{ "peers", cmd_peers },
	{ "monitor", cmd_monitor },
	{ "events", cmd_events },
	{ "lease", cmd_lease },
	{ "promote", cmd_operator },
	{ "demote", cmd_operator },
	{ "transfer-leadership", cmd_operator },
	{ "policy", cmd_policy },
};

int main(int argc, char **argv)
{
	size_t i;
	int rc;

	if (argc > 1 && !strcmp(argv[1], "--json")) {
		json = true;
		argc--;
		argv++;
	}
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		rc = commands[i].fn(argc - 1, argv + 1);
		if (rc == EXIT_USAGE)
			usage(stderr);
		return rc;
	}
	fprintf(stderr, "stockadectl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
