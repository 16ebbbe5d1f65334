// SPDX-License-Identifier: GPL-2.0
/*
 * stockaded: the node agent.  This is its skeleton: it validates the
 * configuration, waits for the module, tells systemd it is ready once the
 * module answers, pets the watchdog, keeps its status line current and
 * stops cleanly.  Election,
 * heartbeats, failure detection and leases (docs/design.md) are built on
 * this loop in later steps.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include <stockade/version.h>

#include "config.h"
#include "nl.h"

#define DEFAULT_CONFIG	"/etc/stockade/stockade.conf"
/* Often enough to notice the module soon; shortened for the watchdog. */
#define TICK_USEC	500000ULL

struct agent {
	struct stockade_config cfg;
	struct stockade_nl nl;
	bool module_up;		/* the netlink socket is open */
	bool healthy;		/* the last request was answered */
	bool announced;		/* the current trouble is logged */
	bool ready;		/* READY=1 sent */
	int64_t devices;	/* in the status line; -1: none yet */
	uint64_t watchdog_usec;	/* 0: no watchdog */
	int timer_fd, signal_fd;
};

/*
 * One line per message, in one write, with the "<N>" level prefix that
 * journald turns into the entry's priority.
 */
static void __attribute__((format(printf, 2, 3)))
log_at(const char *level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s%s\n", level, msg);
}

#define log_info(...)	log_at(SD_INFO, __VA_ARGS__)
#define log_warn(...)	log_at(SD_WARNING, __VA_ARGS__)
#define log_err(...)	log_at(SD_ERR, __VA_ARGS__)

static void usage(FILE *out)
{
	fprintf(out, "usage: stockaded [-c CONFIG] [--check-config]\n"
		"  -c, --config FILE   configuration (default %s)\n"
		"      --check-config  validate the configuration and exit\n",
		DEFAULT_CONFIG);
}

/* The tick: TICK_USEC, or less so that the watchdog hears twice a period. */
static struct itimerspec tick_interval(const struct agent *a)
{
	uint64_t usec = TICK_USEC;
	struct itimerspec tick = { .it_value = { .tv_nsec = 1 } };

	if (a->watchdog_usec && a->watchdog_usec / 2 < usec)
		usec = a->watchdog_usec / 2;
	if (!usec)
		usec = 1;
	tick.it_interval.tv_sec = usec / 1000000;
	tick.it_interval.tv_nsec = (long)(usec % 1000000) * 1000;
	return tick;
}

/* Signals arrive as reads from a signalfd, so the loop has one wait. */
static int open_fds(struct agent *a)
{
	struct itimerspec tick = tick_interval(a);
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	a->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (a->signal_fd < 0)
		return -errno;
	a->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (a->timer_fd < 0)
		return -errno;
	if (timerfd_settime(a->timer_fd, 0, &tick, NULL))
		return -errno;
	return 0;
}

static void close_fds(struct agent *a)
{
	if (a->signal_fd >= 0)
		close(a->signal_fd);
	if (a->timer_fd >= 0)
		close(a->timer_fd);
}

/*
 * Trouble with the module is logged once when it starts and once when it
 * ends, not every tick: a module that is missing or refuses us for a
 * minute must not flood the journal.
 */
static void trouble(struct agent *a, const char *what, const char *why)
{
	a->healthy = false;
	a->devices = -1;
	if (a->announced)
		return;
	a->announced = true;
	log_warn("%s: %s", what, why);
	sd_notifyf(0, "STATUS=%s", what);
}

static int connect_module(struct agent *a)
{
	int err = stockade_nl_open(&a->nl);

	if (err) {
		trouble(a, "waiting for the stockade module", err == -ENOENT ?
			"not loaded (generic netlink family 'stockade' not found); try 'modprobe stockade'" :
			strerror(-err));
		return err;
	}
	a->module_up = true;
	return 0;
}

/* Ready means the module answers: units ordered after us can use it. */
static void announce_ready(struct agent *a)
{
	if (!a->healthy)
		log_info("the stockade module answers");
	a->healthy = true;
	a->announced = false;
	if (a->ready)
		return;
	a->ready = true;
	sd_notify(0, "READY=1");
	log_info("stockaded %s ready: node %u, %u peers", STOCKADE_RELEASE,
		 a->cfg.node_id, a->cfg.n_peers);
}

static void update_status(struct agent *a, struct nlattr **tb)
{
	uint32_t devices = tb[STOCKADE_A_DEVICE_COUNT] ?
			   nla_get_u32(tb[STOCKADE_A_DEVICE_COUNT]) : 0;

	if (a->devices == devices)
		return;
	a->devices = devices;
	sd_notifyf(0, "STATUS=node %u, %u peers, %u devices", a->cfg.node_id,
		   a->cfg.n_peers, devices);
}

/*
 * Connect to the module if needed, then ask how it is.  -EPERM is the
 * one fatal answer: waiting cannot grant a capability.
 */
static int check_module(struct agent *a)
{
	struct nlattr *tb[STOCKADE_A_MAX + 1] = { 0 };
	int err;

	if (!a->module_up && connect_module(a))
		return 0;
	err = stockade_nl_request(&a->nl, STOCKADE_CMD_GET_STATUS, NULL, NULL,
				  tb);
	if (err == -EPERM) {
		log_err("permission denied: stockaded needs CAP_NET_ADMIN (run as root)");
		return err;
	}
	if (err) {
		trouble(a, "the stockade module does not answer",
			stockade_nl_strerror(&a->nl, err));
		stockade_nl_close(&a->nl);
		a->module_up = false;
		return 0;
	}
	announce_ready(a);
	update_status(a, tb);
	return 0;
}

static int on_tick(struct agent *a)
{
	uint64_t expirations;

	if (read(a->timer_fd, &expirations, sizeof(expirations)) < 0)
		return 0;
	if (check_module(a))
		return -1;
	/* The watchdog proves the loop runs, whatever the module does. */
	if (a->watchdog_usec)
		sd_notify(0, "WATCHDOG=1");
	return 0;
}

/* 0 on SIGTERM or SIGINT, 1 on a fatal error. */
static int run(struct agent *a)
{
	struct pollfd fds[2] = {
		{ .fd = a->signal_fd, .events = POLLIN },
		{ .fd = a->timer_fd, .events = POLLIN },
	};
	struct signalfd_siginfo si;

	log_info("stockaded %s started: node %u, %u peers", STOCKADE_RELEASE,
		 a->cfg.node_id, a->cfg.n_peers);
	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			return 1;
		}
		if (fds[0].revents & POLLIN) {
			if (read(a->signal_fd, &si, sizeof(si)) == sizeof(si))
				log_info("stopping on signal %u", si.ssi_signo);
			sd_notify(0, "STOPPING=1");
			return 0;
		}
		if ((fds[1].revents & POLLIN) && on_tick(a))
			return 1;
	}
}

/* The watchdog period systemd asked for, if it asked for one. */
static void setup_watchdog(struct agent *a)
{
	uint64_t usec = 0;
	int r = sd_watchdog_enabled(0, &usec);

	if (r < 0)
		log_warn("ignoring a bad watchdog setting: %s", strerror(-r));
	a->watchdog_usec = r > 0 ? usec : 0;
}

struct options {
	const char *config;
	bool check_only;
};

/* -1 to go on, or the exit status for --help and usage errors. */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			o->config = optarg;
			break;
		case 'C':
			o->check_only = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc)
		return -1;
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct options o = { .config = DEFAULT_CONFIG };
	struct agent a = { .signal_fd = -1, .timer_fd = -1, .devices = -1 };
	char err[320];
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	/* Nothing is opened or changed before the whole file is valid. */
	if (stockade_config_load(o.config, &a.cfg, err, sizeof(err))) {
		log_err("%s", err);
		return 1;
	}
	if (o.check_only) {
		printf("%s: ok (node %u, %u peers)\n", o.config, a.cfg.node_id,
		       a.cfg.n_peers);
		return 0;
	}
	setup_watchdog(&a);
	rc = open_fds(&a);
	if (rc) {
		log_err("cannot set up timers and signals: %s", strerror(-rc));
		close_fds(&a);
		return 1;
	}
	rc = run(&a);
	if (a.module_up)
		stockade_nl_close(&a.nl);
	close_fds(&a);
	return rc;
}
