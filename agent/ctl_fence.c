// SPDX-License-Identifier: GPL-2.0
/*
 * stockadectl lease and policy: drive the fence by hand.  "lease --hold"
 * is the smallest lease holder there is: it renews until it is stopped,
 * which is what tests pause, kill and freeze to show that the device
 * fences by itself.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

static const char *const fence_names[] = {
	[STOCKADE_FENCE_WHY_NONE]		= "none",
	[STOCKADE_FENCE_WHY_NOT_LEADER]		= "not-leader",
	[STOCKADE_FENCE_WHY_NO_LEASE]		= "no-lease",
	[STOCKADE_FENCE_WHY_LEASE_EXPIRED]	= "lease-expired",
	[STOCKADE_FENCE_WHY_CLOCK_WAIT]		= "clock-wait",
	[STOCKADE_FENCE_WHY_DISK_FAILED]	= "disk-failed",
};

const char *fence_name(struct nlattr **tb)
{
	unsigned int why = tb[STOCKADE_A_FENCE_REASON] ?
			   nla_get_u8(tb[STOCKADE_A_FENCE_REASON]) : 0;

	return why < __STOCKADE_FENCE_WHY_MAX ? fence_names[why] : "unknown";
}

int parse_duration(const char *what, const char *s, uint64_t *ns)
{
	static const struct { const char *suffix; uint64_t ns; } units[] = {
		{ "ms", 1000000 }, { "s", 1000000000 }, { "", 1000000 },
	};
	char num[32];
	size_t i, len = strlen(s);
	uint64_t v;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t sl = strlen(units[i].suffix);

		if (len <= sl || len - sl >= sizeof(num) ||
		    strcmp(s + len - sl, units[i].suffix))
			continue;
		memcpy(num, s, len - sl);
		num[len - sl] = '\0';
		if (parse_u64(what, num, 1, 3600000000000ULL / units[i].ns, &v))
			return -1;
		*ns = v * units[i].ns;
		return 0;
	}
	fprintf(stderr, "stockadectl: bad %s '%s' (say 250ms or 2s)\n", what, s);
	return -1;
}

struct lease_args {
	uint32_t index;
	uint64_t term, duration_ns, start_ns;
	bool have_term, hold, revoke;
};

static int build_lease(struct nl_msg *msg, const void *ctx)
{
	const struct lease_args *a = ctx;

	if (nla_put_u32(msg, STOCKADE_A_DEVICE_INDEX, a->index))
		return -EMSGSIZE;
	if (a->revoke)
		return nla_put_flag(msg, STOCKADE_A_REVOKE);
	if (nla_put_u64(msg, STOCKADE_A_TERM, a->term) ||
	    nla_put_u64(msg, STOCKADE_A_LEASE_DURATION_NS, a->duration_ns) ||
	    nla_put_u64(msg, STOCKADE_A_LEASE_START_NS, a->start_ns))
		return -EMSGSIZE;
	return 0;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000ULL,
			       .tv_nsec = ns % 1000000000ULL };

	nanosleep(&ts, NULL);
}

/*
 * Renew every quarter lease until SIGTERM or SIGINT, then revoke.  Each
 * grant counts from just before it is sent, so a holder that was paused
 * never stretches a lease: the module sees the old one run out.
 */
static int hold(struct stockade_nl *nl, struct lease_args *a)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int err = 0;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stop) {
		sleep_ns(a->duration_ns / 4);
		a->start_ns = monotonic_ns();
		err = stockade_nl_request(nl, STOCKADE_CMD_SET_LEASE,
					  build_lease, a, NULL);
		if (err == -ESTALE || err == -EINVAL || err == -ENODEV)
			break;	/* the term moved on: this holder is done */
		if (err)
			fprintf(stderr, "stockadectl: lease renewal: %s\n",
				stockade_nl_strerror(nl, err));
	}
	if (err && err != -ETIME) {
		fprintf(stderr, "stockadectl: lease: %s\n",
			stockade_nl_strerror(nl, err));
		return EXIT_FAILED;
	}
	a->revoke = true;
	stockade_nl_request(nl, STOCKADE_CMD_SET_LEASE, build_lease, a, NULL);
	return 0;
}

enum { OPT_TERM = 300, OPT_DURATION, OPT_HOLD, OPT_REVOKE };

static const struct option lease_opts[] = {
	{ "term", required_argument, NULL, OPT_TERM },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "hold", no_argument, NULL, OPT_HOLD },
	{ "revoke", no_argument, NULL, OPT_REVOKE },
	{ NULL, 0, NULL, 0 },
};

static int parse_lease_opt(int opt, struct lease_args *a)
{
	switch (opt) {
	case OPT_TERM:
		a->have_term = true;
		return parse_u64("term", optarg, 1, INT64_MAX, &a->term);
	case OPT_DURATION:
		return parse_duration("duration", optarg, &a->duration_ns);
	case OPT_HOLD:
		a->hold = true;
		return 0;
	case OPT_REVOKE:
		a->revoke = true;
		return 0;
	}
	return -1;
}

int cmd_lease(int argc, char **argv)
{
	struct lease_args a = { 0 };
	struct stockade_nl nl;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", lease_opts, NULL)) != -1)
		if (parse_lease_opt(opt, &a))
			return EXIT_USAGE;
	if (optind != argc - 1 || parse_index(argv[optind], &a.index) ||
	    (!a.revoke && (!a.have_term || !a.duration_ns)) ||
	    (a.revoke && a.hold))
		return EXIT_USAGE;
	a.start_ns = monotonic_ns();
	rc = request(&nl, "lease", STOCKADE_CMD_SET_LEASE, build_lease, &a,
		     NULL);
	if (rc)
		return rc;
	if (a.hold)
		rc = hold(&nl, &a);
	stockade_nl_close(&nl);
	return rc;
}

/* -1 in a field: leave it as it is. */
struct policy_args {
	uint32_t index;
	int io, read, revoke_on_close, disk;
	int64_t drift_ppm, resync_kbps;
	uint64_t suspend_ns, max_lease_ns;
};

static int build_policy(struct nl_msg *msg, const void *ctx)
{
	const struct policy_args *p = ctx;

	if (nla_put_u32(msg, STOCKADE_A_DEVICE_INDEX, p->index) ||
	    (p->io >= 0 && nla_put_u8(msg, STOCKADE_A_IO_POLICY, p->io)) ||
	    (p->read >= 0 && nla_put_u8(msg, STOCKADE_A_READ_POLICY, p->read)) ||
	    (p->disk >= 0 && nla_put_u8(msg, STOCKADE_A_DISK_POLICY, p->disk)) ||
	    (p->revoke_on_close >= 0 &&
	     nla_put_u8(msg, STOCKADE_A_REVOKE_ON_CLOSE, p->revoke_on_close)) ||
	    (p->drift_ppm >= 0 &&
	     nla_put_u32(msg, STOCKADE_A_MAX_DRIFT_PPM, p->drift_ppm)) ||
	    (p->suspend_ns && nla_put_u32(msg, STOCKADE_A_SUSPEND_TIMEOUT_MS,
					  p->suspend_ns / 1000000)) ||
	    (p->max_lease_ns && nla_put_u32(msg, STOCKADE_A_MAX_LEASE_MS,
					    p->max_lease_ns / 1000000)) ||
	    (p->resync_kbps >= 0 &&
	     nla_put_u32(msg, STOCKADE_A_RESYNC_RATE_KBPS,
			 (uint32_t)p->resync_kbps)))
		return -EMSGSIZE;
	return 0;
}

/*
 * A full resync rate: KiB/s, or with a K, M or G suffix (KiB/s, MiB/s,
 * GiB/s); 0 or "unlimited" lifts the limit.
 */
static int parse_rate(const char *s, int64_t *kbps)
{
	static const struct { char suffix; uint64_t kib; } units[] = {
		{ 'K', 1 }, { 'M', 1024 }, { 'G', 1024 * 1024 },
	};
	char num[32];
	size_t i, len = strlen(s);
	char last = len ? s[len - 1] : '\0';
	uint64_t v, mul = 1;

	if (!strcmp(s, "unlimited")) {
		*kbps = 0;
		return 0;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (last == units[i].suffix) {
			mul = units[i].kib;
			len--;
		}
	}
	if (!len || len >= sizeof(num)) {
		fprintf(stderr, "stockadectl: bad resync rate '%s' (say 20M)\n", s);
		return -1;
	}
	memcpy(num, s, len);
	num[len] = '\0';
	if (parse_u64("resync rate", num, 0, UINT32_MAX / mul, &v))
		return -1;
	*kbps = (int64_t)(v * mul);
	return 0;
}

/* @s as the index of one of @names, or -1 with a message. */
static int pick(const char *what, const char *s, const char *const *names,
		int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	fprintf(stderr, "stockadectl: bad %s '%s'\n", what, s);
	return -1;
}

static const char *const io_names[] = { "error", "suspend" };
static const char *const read_names[] = { "lease", "quorum" };
static const char *const yes_no[] = { "no", "yes" };
static const char *const disk_names[] = { "detach", "pass-on" };

enum { OPT_IO = 320, OPT_READ, OPT_SUSPEND, OPT_MAX_LEASE, OPT_DRIFT,
       OPT_ON_CLOSE, OPT_DISK, OPT_RESYNC_RATE };

static const struct option policy_opts[] = {
	{ "io", required_argument, NULL, OPT_IO },
	{ "read", required_argument, NULL, OPT_READ },
	{ "suspend-timeout", required_argument, NULL, OPT_SUSPEND },
	{ "max-lease", required_argument, NULL, OPT_MAX_LEASE },
	{ "max-drift", required_argument, NULL, OPT_DRIFT },
	{ "revoke-on-close", required_argument, NULL, OPT_ON_CLOSE },
	{ "disk-error", required_argument, NULL, OPT_DISK },
	{ "resync-rate", required_argument, NULL, OPT_RESYNC_RATE },
	{ NULL, 0, NULL, 0 },
};

static int parse_policy_opt(int opt, struct policy_args *p)
{
	uint64_t v;

	switch (opt) {
	case OPT_IO:
		p->io = pick("I/O policy", optarg, io_names, 2);
		return p->io < 0 ? -1 : 0;
	case OPT_READ:
		p->read = pick("read policy", optarg, read_names, 2);
		return p->read < 0 ? -1 : 0;
	case OPT_DISK:
		p->disk = pick("disk error policy", optarg, disk_names, 2);
		return p->disk < 0 ? -1 : 0;
	case OPT_ON_CLOSE:
		p->revoke_on_close = pick("yes or no", optarg, yes_no, 2);
		return p->revoke_on_close < 0 ? -1 : 0;
	case OPT_SUSPEND:
		return parse_duration("suspend timeout", optarg, &p->suspend_ns);
	case OPT_MAX_LEASE:
		return parse_duration("maximum lease", optarg,
				      &p->max_lease_ns);
	case OPT_DRIFT:
		if (parse_u64("maximum drift (ppm)", optarg, 0, 500000, &v))
			return -1;
		p->drift_ppm = (int64_t)v;
		return 0;
	case OPT_RESYNC_RATE:
		return parse_rate(optarg, &p->resync_kbps);
	}
	return -1;
}

int cmd_policy(int argc, char **argv)
{
	struct policy_args p = { .io = -1, .read = -1, .revoke_on_close = -1,
				 .disk = -1, .drift_ppm = -1, .resync_kbps = -1 };
	struct stockade_nl nl;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", policy_opts, NULL)) != -1)
		if (parse_policy_opt(opt, &p))
			return EXIT_USAGE;
	if (optind != argc - 1 || parse_index(argv[optind], &p.index))
		return EXIT_USAGE;
	rc = request(&nl, "policy", STOCKADE_CMD_SET_POLICY, build_policy, &p,
		     NULL);
	if (!rc)
		stockade_nl_close(&nl);
	return rc;
}

static const char *name_of(struct nlattr **tb, int attr,
			   const char *const *names, unsigned int n)
{
	unsigned int v = tb[attr] ? nla_get_u8(tb[attr]) : 0;

	return v < n ? names[v] : "unknown";
}

static unsigned int get_u8(struct nlattr **tb, int attr)
{
	return tb[attr] ? nla_get_u8(tb[attr]) : 0;
}

void show_fence(struct nlattr **tb)
{
	printf(json ? ",\"fence\":{\"fenced\":\"%s\",\"lease_term\":%" PRIu64
	       ",\"lease_left_ms\":%" PRIu64 ",\"clock_wait_ms\":%" PRIu64
	       ",\"io_policy\":\"%s\",\"read_policy\":\"%s\""
	       ",\"suspend_timeout_ms\":%u,\"max_lease_ms\":%u"
	       ",\"max_drift_ppm\":%u,\"revoke_on_close\":\"%s\""
	       ",\"disk\":\"%s\",\"disk_error_policy\":\"%s\"}" :
	       "  fenced: %s\n  lease term: %" PRIu64
	       "\n  lease left: %" PRIu64 " ms\n  clock-bound wait left: %"
	       PRIu64 " ms\n  I/O policy: %s\n  read policy: %s"
	       "\n  suspend timeout: %u ms\n  maximum lease: %u ms"
	       "\n  maximum drift: %u ppm\n  revoke on close: %s"
	       "\n  disk: %s\n  disk error policy: %s\n",
	       fence_name(tb), get_u64(tb, STOCKADE_A_LEASE_TERM),
	       get_u64(tb, STOCKADE_A_LEASE_REMAINING_NS) / 1000000,
	       get_u64(tb, STOCKADE_A_CLOCK_WAIT_NS) / 1000000,
	       name_of(tb, STOCKADE_A_IO_POLICY, io_names, 2),
	       name_of(tb, STOCKADE_A_READ_POLICY, read_names, 2),
	       get_u32(tb, STOCKADE_A_SUSPEND_TIMEOUT_MS),
	       get_u32(tb, STOCKADE_A_MAX_LEASE_MS),
	       get_u32(tb, STOCKADE_A_MAX_DRIFT_PPM),
	       name_of(tb, STOCKADE_A_REVOKE_ON_CLOSE, yes_no, 2),
	       get_u8(tb, STOCKADE_A_DISK_FAILED) ? "failed" : "ok",
	       name_of(tb, STOCKADE_A_DISK_POLICY, disk_names, 2));
}

void show_resync_rate(struct nlattr **tb)
{
	uint32_t kbps = get_u32(tb, STOCKADE_A_RESYNC_RATE_KBPS);

	if (kbps)
		printf("  resync rate limit: %u KiB/s\n", kbps);
	else
		printf("  resync rate limit: none\n");
}
