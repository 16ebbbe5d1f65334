// SPDX-License-Identifier: GPL-2.0
/*
 * stockade-rtt: load the sock_ops RTT program, attach it to a cgroup and
 * print the per-peer RTT statistics it collects.
 *
 *   stockade-rtt --cgroup PATH [--port P]... [--once | --interval MS]
 *                [--duration S] [--verbose]
 *
 * The program stays attached only while this process runs (the attachment
 * is a bpf_link owned by us), so a crashed reader never leaves a stale
 * program behind in the cgroup.
 *
 * Output, one line per peer and a "# dump" header per dump:
 *   peer=IP:PORT lport=P samples=N srtt_us=.. mean_us=.. min_us=..
 *   max_us=.. jitter_us=.. mdev_us=.. sample_us=N hist_n=N p50_us=..
 *   p99_us=..
 * (one line; microseconds with three decimals, see rtt.h for the units).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rtt.h"
#include "rtt.skel.h"
#include "rtthist.h"

_Static_assert(RTT_HIST_BUCKETS == STOCKADE_RTT_HIST_BUCKETS,
	       "bpf/rtt.h and core/rtthist.h must agree");

#define PROG		"stockade-rtt"
#define VMLINUX_BTF	"/sys/kernel/btf/vmlinux"
#define DEFAULT_INTERVAL_MS	1000

struct opts {
	const char *cgroup;
	__u32 ports[RTT_MAX_PORTS];
	int nports;
	bool once;
	bool interval_set;
	long interval_ms;
	long duration_s;	/* < 0: until a signal */
	bool verbose;
};

/* volatile sig_atomic_t: the only type C11 lets a handler write. */
static volatile sig_atomic_t stop;
static bool verbose;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " --cgroup PATH [--port P]... [--once | --interval MS]\n"
		"                    [--duration S] [--verbose]\n"
		"  --cgroup PATH   cgroup v2 directory whose TCP sockets are measured\n"
		"  --port P        track only connections with local or remote port P\n"
		"                  (up to %d times; default: all ports)\n"
		"  --interval MS   print the table every MS milliseconds (default %d)\n"
		"  --once          print the table only once, when stopping\n"
		"  --duration S    stop after S seconds (default: on SIGINT/SIGTERM)\n"
		"  --verbose       show libbpf debug output\n",
		RTT_MAX_PORTS, DEFAULT_INTERVAL_MS);
}

static void err(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Parse a decimal in [min, max]; anything else is a usage error. */
static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int add_port(struct opts *o, const char *arg)
{
	long port;

	if (parse_long(arg, 1, 65535, &port)) {
		err("invalid port '%s' (1-65535)", arg);
		return -1;
	}
	if (o->nports == RTT_MAX_PORTS) {
		err("at most %d --port options", RTT_MAX_PORTS);
		return -1;
	}
	o->ports[o->nports++] = port;
	return 0;
}

static int parse_opt(struct opts *o, int c, const char *arg)
{
	switch (c) {
	case 'c':
		o->cgroup = arg;
		return 0;
	case 'p':
		return add_port(o, arg);
	case 'o':
		o->once = true;
		return 0;
	case 'i':
		o->interval_set = true;
		if (!parse_long(arg, 1, 86400000, &o->interval_ms))
			return 0;
		err("invalid interval '%s' (1-86400000 ms)", arg);
		return -1;
	case 'd':
		if (!parse_long(arg, 0, 31536000, &o->duration_s))
			return 0;
		err("invalid duration '%s' (0-31536000 s)", arg);
		return -1;
	case 'v':
		o->verbose = true;
		return 0;
	default:
		return -1;
	}
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "cgroup", required_argument, NULL, 'c' },
		{ "port", required_argument, NULL, 'p' },
		{ "once", no_argument, NULL, 'o' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'h') {
			print_usage(stdout);
			exit(0);
		}
		if (parse_opt(o, c, optarg))
			return -1;
	}
	if (optind < argc) {
		err("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (!o->cgroup) {
		err("--cgroup PATH is required");
		return -1;
	}
	if (o->once && o->interval_set) {
		err("--once and --interval exclude each other");
		return -1;
	}
	return 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* CO-RE needs the running kernel's BTF; say so instead of a libbpf trace. */
static int check_btf(void)
{
	if (!access(VMLINUX_BTF, R_OK))
		return 0;
	err("kernel BTF not available at %s (%s): the kernel needs CONFIG_DEBUG_INFO_BTF=y",
	    VMLINUX_BTF, strerror(errno));
	return -1;
}

/*
 * Loading needs CAP_BPF (or CAP_SYS_ADMIN) and attaching to a cgroup needs
 * CAP_NET_ADMIN.  Checked up front because libbpf's own report of EPERM
 * blames RLIMIT_MEMLOCK, which misleads.  If /proc is unreadable we let the
 * kernel decide and fall back to load_error().
 */
#define CAP_NET_ADMIN_BIT	12
#define CAP_SYS_ADMIN_BIT	21
#define CAP_BPF_BIT		39

static int check_caps(void)
{
	unsigned long long eff = 0;
	bool found = false;
	char line[256];
	FILE *f;

	f = fopen("/proc/self/status", "re");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "CapEff: %llx", &eff) == 1;
	fclose(f);
	if (!found)
		return 0;
	if ((eff & (1ULL << CAP_NET_ADMIN_BIT)) &&
	    (eff & ((1ULL << CAP_BPF_BIT) | (1ULL << CAP_SYS_ADMIN_BIT))))
		return 0;
	err("permission denied: need root (CAP_BPF or CAP_SYS_ADMIN, and CAP_NET_ADMIN)");
	return -1;
}

static void cgroup_open_error(const char *path, int e)
{
	if (e == ENOENT)
		err("cgroup path '%s' does not exist", path);
	else if (e == ENOTDIR)
		err("cgroup path '%s' is not a directory", path);
	else if (e == EACCES || e == EPERM)
		err("cgroup path '%s': permission denied", path);
	else
		err("cannot open cgroup path '%s': %s", path, strerror(e));
}

/* Open PATH and make sure it is a cgroup v2 directory. */
static int open_cgroup(const char *path)
{
	struct statfs sfs;
	int fd;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		cgroup_open_error(path, errno);
		return -1;
	}
	if (fstatfs(fd, &sfs)) {
		err("statfs '%s': %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (sfs.f_type != CGROUP2_SUPER_MAGIC) {
		err("'%s' is not in a cgroup v2 hierarchy (see findmnt -t cgroup2)",
		    path);
		close(fd);
		return -1;
	}
	return fd;
}

static void load_error(const char *what, int e)
{
	if (e == EPERM || e == EACCES)
		err("%s: permission denied: run as root (CAP_BPF, CAP_NET_ADMIN)",
		    what);
	else
		err("%s: %s", what, strerror(e));
}

static struct rtt_bpf *load_skel(void)
{
	struct rtt_bpf *skel;
	int ret;

	skel = rtt_bpf__open();
	if (!skel) {
		load_error("opening BPF object", errno);
		return NULL;
	}
	ret = rtt_bpf__load(skel);
	if (ret) {
		load_error("loading BPF program", -ret);
		rtt_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static int set_ports(struct rtt_bpf *skel, const struct opts *o)
{
	__u32 i;
	int ret;

	for (i = 0; i < (__u32)o->nports; i++) {
		ret = bpf_map__update_elem(skel->maps.rtt_ports, &i, sizeof(i),
					   &o->ports[i], sizeof(o->ports[i]),
					   BPF_ANY);
		if (ret) {
			err("setting port filter: %s", strerror(-ret));
			return -1;
		}
	}
	return 0;
}

static void print_ports(const struct opts *o)
{
	int i;

	if (!o->nports) {
		fputs("all", stderr);
		return;
	}
	for (i = 0; i < o->nports; i++)
		fprintf(stderr, "%s%u", i ? "," : "", o->ports[i]);
}

static int attach(struct rtt_bpf *skel, int cgfd, const struct opts *o)
{
	struct bpf_link *link;

	link = bpf_program__attach_cgroup(skel->progs.stockade_rtt, cgfd);
	if (!link) {
		load_error("attaching to cgroup", errno);
		return -1;
	}
	skel->links.stockade_rtt = link;
	fprintf(stderr, PROG ": attached to cgroup %s (ports: ", o->cgroup);
	print_ports(o);
	fputs(")\n", stderr);
	return 0;
}

/* VALUE in units of 1/PER_US us, as "us.mmm" (PER_US divides 1000 * 2^k). */
static void fmt_us(char *buf, size_t len, __u64 value, unsigned int per_us)
{
	snprintf(buf, len, "%llu.%03llu",
		 (unsigned long long)(value / per_us),
		 (unsigned long long)(value % per_us * 1000 / per_us));
}

/* The raw samples: the latest, how many the histogram holds, p50, p99. */
static void print_hist(const struct rtt_stats *s)
{
	char p50[32] = "-", p99[32] = "-";
	__u64 ns;

	if (stockade_rtt_hist_quantile_ns(s->hist, 500, &ns))
		fmt_us(p50, sizeof(p50), ns, 1000);
	if (stockade_rtt_hist_quantile_ns(s->hist, 990, &ns))
		fmt_us(p99, sizeof(p99), ns, 1000);
	printf(" sample_us=%u hist_n=%llu p50_us=%s p99_us=%s", s->sample_us,
	       (unsigned long long)stockade_rtt_hist_total(s->hist), p50, p99);
}

/* IPv4 (mapped in the key) as a.b.c.d, IPv6 as [addr] before a port. */
static void format_addr(const struct rtt_key *k, char *buf, size_t len)
{
	char v6[INET6_ADDRSTRLEN];
	__u32 v4;

	if (rtt_key_ipv4(k, &v4)) {
		inet_ntop(AF_INET, &v4, buf, len);
		return;
	}
	if (inet_ntop(AF_INET6, k->raddr, v6, sizeof(v6)))
		snprintf(buf, len, "[%s]", v6);
}

static void print_entry(const struct rtt_key *k, const struct rtt_stats *s)
{
	char ip[INET6_ADDRSTRLEN + 2] = "?";
	char last[32], mean[32], min[32], max[32], jit[32], mdev[32];

	format_addr(k, ip, sizeof(ip));
	fmt_us(last, sizeof(last), s->last_us8, RTT_US8_PER_US);
	fmt_us(mean, sizeof(mean), s->mean_us8, RTT_US8_PER_US);
	fmt_us(min, sizeof(min), s->min_us8, RTT_US8_PER_US);
	fmt_us(max, sizeof(max), s->max_us8, RTT_US8_PER_US);
	fmt_us(jit, sizeof(jit), s->jitter_x16, RTT_JITTER_PER_US);
	fmt_us(mdev, sizeof(mdev), s->mdev_us4, RTT_MDEV_PER_US);
	printf("peer=%s:%u lport=%u samples=%llu ", ip, k->rport, k->lport,
	       (unsigned long long)s->samples);
	printf("srtt_us=%s mean_us=%s min_us=%s max_us=%s jitter_us=%s mdev_us=%s",
	       last, mean, min, max, jit, mdev);
	print_hist(s);
	putchar('\n');
}

/*
 * Walk the map.  Entries may be added or evicted while we walk; the kernel
 * then restarts or skips, which at worst prints an entry twice or misses
 * one in this dump.  That is fine for a monitor.
 */
static int dump_map(struct rtt_bpf *skel, unsigned long seq)
{
	struct bpf_map *map = skel->maps.rtt_stats;
	struct rtt_key key, next;
	struct rtt_stats s;
	void *prev = NULL;
	int ret;

	printf("# dump seq=%lu\n", seq);
	while (!(ret = bpf_map__get_next_key(map, prev, &next, sizeof(next)))) {
		key = next;
		prev = &key;
		ret = bpf_map__lookup_elem(map, &key, sizeof(key), &s,
					   sizeof(s), 0);
		if (ret == -ENOENT)
			continue;	/* evicted since get_next_key */
		if (ret)
			break;
		print_entry(&key, &s);
	}
	fflush(stdout);
	if (ret != -ENOENT) {
		err("reading RTT map: %s", strerror(-ret));
		return -1;
	}
	return 0;
}

static int install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the signal must cut our sleep short. */
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL)) {
		err("sigaction: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void sleep_ms(long long ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000,
	};

	nanosleep(&ts, NULL);	/* EINTR is how a signal wakes us */
}

/*
 * Print every interval (unless --once) until stopped, then once more so
 * that a short run or a --once run always ends with the final numbers.
 */
static int run(struct rtt_bpf *skel, const struct opts *o)
{
	long long end = o->duration_s < 0 ? -1 :
			now_ms() + o->duration_s * 1000LL;
	long long next = now_ms() + o->interval_ms;
	unsigned long seq = 0;
	long long t;

	while (!stop) {
		t = now_ms();
		if (end >= 0 && t >= end)
			break;
		if (!o->once && t >= next) {
			if (dump_map(skel, ++seq))
				return -1;
			next += o->interval_ms;
			continue;
		}
		if (o->once)
			next = end >= 0 ? end : t + 1000;
		else if (end >= 0 && end < next)
			next = end;
		sleep_ms(next - t);
	}
	return dump_map(skel, ++seq);
}

int main(int argc, char **argv)
{
	struct opts o = {
		.interval_ms = DEFAULT_INTERVAL_MS,
		.duration_s = -1,
	};
	struct rtt_bpf *skel;
	int cgfd, ret = 1;

	if (parse_args(argc, argv, &o)) {
		print_usage(stderr);
		return 2;
	}
	verbose = o.verbose;
	libbpf_set_print(libbpf_print);
	if (install_signals() || check_btf() || check_caps())
		return 1;
	cgfd = open_cgroup(o.cgroup);
	if (cgfd < 0)
		return 1;
	skel = load_skel();
	if (!skel)
		goto out_cg;
	if (set_ports(skel, &o) || attach(skel, cgfd, &o))
		goto out_skel;
	if (!run(skel, &o))
		ret = 0;
out_skel:
	rtt_bpf__destroy(skel);
out_cg:
	close(cgfd);
	return ret;
}
