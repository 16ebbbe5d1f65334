// SPDX-License-Identifier: GPL-2.0
/*
 * stockaded: the node agent.  This is its skeleton: it validates the
 * configuration, waits for the module, tells systemd it is ready, pets the
 * watchdog, keeps its status line current and stops cleanly.  Election,
 * heartbeats, failure detection and leases (docs/design.md) are built on
 * this loop in later steps.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
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
#define TICK_MS		500

struct agent {
	struct stockade_config cfg;
	struct stockade_nl nl;
	bool module_up;
	bool announced_wait;
	int timer_fd, signal_fd;
};

#define log_at(level, ...)						\
	do {								\
		fprintf(stderr, level __VA_ARGS__);			\
		fputc('\n', stderr);					\
	} while (0)
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

static int open_fds(struct agent *a)
{
	struct itimerspec tick = {
		.it_interval = { .tv_nsec = TICK_MS * 1000000L },
		.it_value = { .tv_nsec = 1 },
	};
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	a->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC);
	a->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (a->signal_fd < 0 || a->timer_fd < 0 ||
	    timerfd_settime(a->timer_fd, 0, &tick, NULL))
		return -errno;
	return 0;
}

/* Connect to the module if needed, then ask how it is. */
static void check_module(struct agent *a)
{
	struct nlattr *tb[STOCKADE_A_MAX + 1] = { 0 };
	int err;

	if (!a->module_up) {
		err = stockade_nl_open(&a->nl);
		if (err) {
			if (!a->announced_wait)
				log_warn("waiting for the stockade module: %s",
					 err == -ENOENT ? "not loaded" :
					 strerror(-err));
			a->announced_wait = true;
			sd_notify(0, "STATUS=waiting for the stockade module");
			return;
		}
		a->module_up = true;
		log_info("connected to the stockade module");
	}
	err = stockade_nl_request(&a->nl, STOCKADE_CMD_GET_STATUS, NULL, NULL,
				  tb);
	if (err) {
		log_warn("the stockade module stopped answering: %s",
			 stockade_nl_strerror(&a->nl, err));
		stockade_nl_close(&a->nl);
		a->module_up = false;
		a->announced_wait = false;
		return;
	}
	sd_notifyf(0, "STATUS=node %u, %u peers, %u devices", a->cfg.node_id,
		   a->cfg.n_peers, tb[STOCKADE_A_DEVICE_COUNT] ?
		   nla_get_u32(tb[STOCKADE_A_DEVICE_COUNT]) : 0);
}

static void on_tick(struct agent *a)
{
	uint64_t expirations;

	if (read(a->timer_fd, &expirations, sizeof(expirations)) < 0)
		return;
	check_module(a);
	/* The watchdog proves the loop runs, whatever the module does. */
	sd_notify(0, "WATCHDOG=1");
}

static int run(struct agent *a)
{
	struct pollfd fds[2] = {
		{ .fd = a->signal_fd, .events = POLLIN },
		{ .fd = a->timer_fd, .events = POLLIN },
	};
	struct signalfd_siginfo si;

	sd_notify(0, "READY=1");
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
		if (fds[1].revents & POLLIN)
			on_tick(a);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = DEFAULT_CONFIG;
	struct agent a = { .signal_fd = -1, .timer_fd = -1 };
	bool check_only = false;
	char err[320];
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'C':
			check_only = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (stockade_config_load(config, &a.cfg, err, sizeof(err))) {
		log_err("%s", err);
		return 1;
	}
	if (check_only) {
		printf("%s: ok (node %u, %u peers)\n", config, a.cfg.node_id,
		       a.cfg.n_peers);
		return 0;
	}
	if (open_fds(&a)) {
		log_err("cannot set up timers and signals: %s", strerror(errno));
		return 1;
	}
	rc = run(&a);
	if (a.module_up)
		stockade_nl_close(&a.nl);
	return rc;
}
