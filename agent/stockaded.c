// SPDX-License-Identifier: GPL-2.0
/*
 * stockaded: the node agent.  It validates the configuration, waits for
 * the module, brings the configured devices up in it, exchanges
 * authenticated datagrams with the other agents (failure detection, round
 * trip, clock offset and drift), answers stockadectl on its control
 * socket and streams its events to watchers there, runs each device's
 * application on the node that leads it (app.h), tells systemd it is
 * ready, pets the watchdog, reloads its configuration on SIGHUP and stops
 * cleanly, applications first.  One loop, one thread: everything below is driven by poll().
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include <stockade/version.h>

#include "app.h"
#include "bpfhb.h"
#include "bpfrtt.h"
#include "cluster.h"
#include "config.h"
#include "control.h"
#include "devices.h"
#include "events.h"
#include "leadership.h"
#include "nl.h"
#include "reload.h"
#include "rolestatus.h"

#define DEFAULT_CONFIG	"/etc/stockade/stockade.conf"
/* Often enough to notice the module soon; shortened for the watchdog. */
#define TICK_USEC	500000ULL

struct agent {
	struct stockade_config cfg;
	struct stockade_nl nl;
	struct agent_cluster cluster;
	bool cluster_up;		/* [cluster] configured and bound */
	struct agent_bpf bpf;		/* the kernel's RTT, if it can */
	struct agent_hbts hbts;		/* heartbeat stamps at tc, if it can */
	struct agent_device devs[STOCKADE_CONFIG_MAX_DEVICES];
	struct agent_leadership lead[STOCKADE_CONFIG_MAX_DEVICES];
	/* Operator demote: the device's node stands for nothing. */
	bool standby[STOCKADE_CONFIG_MAX_DEVICES];
	struct agent_app apps[STOCKADE_CONFIG_MAX_DEVICES];
	/* SIGTERM while an application runs: stop it first, then exit. */
	bool shutting_down;
	const char *config_path;
	const char *control_path;
	int control_fd;
	struct agent_events events;	/* the control socket's watchers */
	uint64_t reloads, reloads_refused;
	bool module_up;		/* the netlink socket is open */
	bool healthy;		/* the last request was answered */
	bool announced;		/* the current trouble is logged */
	bool ready;		/* READY=1 sent */
	int64_t devices;	/* in the status line; -1: none yet */
	/* The roles in the last STATUS=; empty: send it at the next tick. */
	char role_status[AGENT_ROLE_STATUS_MAX];
	uint64_t watchdog_usec;	/* 0: no watchdog */
	uint64_t watchdog_sent;	/* monotonic ns of the last ping */
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
	fprintf(out, "usage: stockaded [-c CONFIG] [--check-config] [--control SOCKET]\n"
		"  -c, --config FILE   configuration (default %s)\n"
		"      --check-config  validate the configuration and exit\n"
		"      --control PATH  control socket (default %s)\n",
		DEFAULT_CONFIG, STOCKADE_CONTROL_PATH);
}

/* The tick: TICK_USEC, or less so that the watchdog hears twice a period. */
static struct itimerspec tick_interval(const struct agent *a)
{
	/* Twice a heartbeat: election deadlines are met within half one. */
	uint64_t usec = a->cluster_up ? a->cfg.heartbeat_ms * 500ULL :
					TICK_USEC;
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
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);	/* application steps ended */
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

/* The peers' socket (with [cluster]) and the control socket. */
static int open_sockets(struct agent *a)
{
	char err[320];
	unsigned int i;
	int rc;

	for (i = 0; i < a->cfg.n_devices; i++) {
		a->devs[i].cfg = &a->cfg.devices[i];
		agent_app_init(&a->apps[i], &a->cfg, &a->cfg.devices[i]);
	}
	if (a->cfg.secret_file[0]) {
		rc = agent_cluster_open(&a->cluster, &a->cfg, err, sizeof(err));
		if (rc) {
			log_err("%s", err);
			return rc;
		}
		a->cluster_up = true;
		agent_bpf_open(&a->bpf, &a->cfg);
		if (agent_hbts_open(&a->hbts, &a->cfg))
			a->cluster.hbts = &a->hbts;
	} else {
		snprintf(a->bpf.why, sizeof(a->bpf.why),
			 "no [cluster] configured");
		snprintf(a->hbts.why, sizeof(a->hbts.why),
			 "no [cluster] configured");
	}
	mkdir("/run/stockade", 0700);
	a->control_fd = agent_control_open(a->control_path);
	if (a->control_fd < 0) {
		log_err("control socket %s: %s", a->control_path,
			strerror(-a->control_fd));
		return a->control_fd;
	}
	return 0;
}

static void close_fds(struct agent *a)
{
	agent_events_close(&a->events);
	agent_bpf_close(&a->bpf);
	a->cluster.hbts = NULL;
	agent_hbts_close(&a->hbts);
	if (a->cluster_up)
		agent_cluster_close(&a->cluster);
	if (a->control_fd >= 0) {
		close(a->control_fd);
		unlink(a->control_path);
	}
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
	a->role_status[0] = '\0';
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
	a->role_status[0] = '\0';
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

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Bring every configured device up; trouble is logged once each. */
static void setup_devices(struct agent *a)
{
	struct agent_device *d;
	char why[256];
	unsigned int i;

	for (i = 0; i < a->cfg.n_devices; i++) {
		d = &a->devs[i];
		if (d->ready) {
			agent_device_refresh(d, &a->nl);
			continue;
		}
		if (agent_device_setup(d, &a->nl, &a->cfg, a->cluster.secret,
				       a->cluster.secret_len, why,
				       sizeof(why))) {
			if (!d->announced)
				log_warn("%s", why);
			d->announced = true;
			continue;
		}
		d->announced = false;
		log_info("stockade%u: %s attached, peers and policies set",
			 d->index, d->cfg->backing);
		agent_leadership_start(&a->lead[i], &a->cfg,
				       &(struct agent_world) {
					.cluster = &a->cluster, .nl = &a->nl,
					.dev = d, .events = &a->events,
					.mono = now_ns(CLOCK_MONOTONIC),
					.real = now_ns(CLOCK_REALTIME) });
	}
}

static struct agent_world world(struct agent *a, unsigned int i)
{
	return (struct agent_world) {
		.cluster = &a->cluster, .nl = &a->nl, .dev = &a->devs[i],
		.events = &a->events, .mono = now_ns(CLOCK_MONOTONIC),
		.real = now_ns(CLOCK_REALTIME),
	};
}

static void tick_elections(struct agent *a)
{
	struct agent_world w;
	unsigned int i;

	for (i = 0; i < a->cfg.n_devices; i++) {
		if (!a->devs[i].ready)
			continue;
		w = world(a, i);
		agent_leadership_tick(&a->lead[i], &w,
				      !a->cluster.clock_healthy ?
				      "clock-unhealthy" :
				      a->standby[i] ? "demoted" :
				      !agent_app_eligible(&a->apps[i]) ?
				      "gave-up" : NULL,
				      (uint32_t)random());
	}
}

/* systemd's STATUS= follows the roles, sent when they change. */
static void notify_roles(struct agent *a)
{
	struct agent_role_view v[STOCKADE_CONFIG_MAX_DEVICES];
	const struct agent_leadership *l;
	unsigned int i;

	for (i = 0; i < a->cfg.n_devices; i++) {
		l = &a->lead[i];
		v[i] = (struct agent_role_view) {
			.electing = a->devs[i].ready && l->running,
			.index = a->devs[i].ready ? a->devs[i].index :
				 a->devs[i].cfg->minor,
			.role = stockade_elect_role_name(stockade_elect_role(&l->e)),
			.term = stockade_elect_term(&l->e),
			.leader = stockade_elect_leader(&l->e),
			.fenced = agent_device_fence_name(&a->devs[i]),
		};
	}
	if (agent_role_status(a->role_status, a->cfg.node_id,
			      a->cluster.clock_healthy, v, a->cfg.n_devices))
		sd_notifyf(0, "STATUS=%s", a->role_status);
}

/*
 * Where this node stands with device @i, for its application: serving
 * means that both the election and the module say it leads the same
 * term, and the module serves I/O (its clock-bound wait is over and the
 * lease is live).  Shutting down counts as not leading: the application
 * stops while the lease still lets its unmount write.
 */
static uint8_t app_lead(const struct agent *a, unsigned int i, uint64_t *term)
{
	const struct agent_device *d = &a->devs[i];
	const struct agent_leadership *l = &a->lead[i];

	*term = d->st.term;
	if (a->shutting_down || !a->module_up || !d->ready || !l->running ||
	    stockade_elect_role(&l->e) != STOCKADE_ELECT_LEADER ||
	    d->st.role != STOCKADE_ROLE_LEADER ||
	    d->st.term != stockade_elect_term(&l->e))
		return STOCKADE_APP_NOT_LEADING;
	return d->st.fenced == STOCKADE_FENCE_WHY_NONE ?
	       STOCKADE_APP_SERVING : STOCKADE_APP_LEADING_FENCED;
}

static void tick_apps(struct agent *a)
{
	uint64_t term, now = now_ns(CLOCK_MONOTONIC);
	unsigned int i;
	uint8_t lead;

	for (i = 0; i < a->cfg.n_devices; i++) {
		lead = app_lead(a, i, &term);
		agent_app_reap(&a->apps[i], &a->events, lead, term, now);
		agent_app_tick(&a->apps[i], &a->events,
			       a->devs[i].ready ? a->devs[i].index :
			       a->devs[i].cfg->minor, lead, term, now);
	}
}

static bool apps_idle(const struct agent *a)
{
	unsigned int i;

	for (i = 0; i < a->cfg.n_devices; i++)
		if (!agent_app_idle(&a->apps[i]))
			return false;
	return true;
}

/* The device a datagram is about, or -1. */
static int device_of(struct agent *a, const struct stockade_pw_msg *m)
{
	unsigned int i;

	for (i = 0; i < a->cfg.n_devices; i++)
		if (a->devs[i].ready && a->devs[i].cfg->minor == m->device)
			return (int)i;
	return -1;
}

/* Datagrams from the other agents, until none is waiting. */
static void on_datagrams(struct agent *a)
{
	struct stockade_pw_msg m;

	struct agent_world w;
	int i;

	while (agent_cluster_receive(&a->cluster, &m, now_ns(CLOCK_MONOTONIC),
				     now_ns(CLOCK_REALTIME)) > 0) {
		i = device_of(a, &m);
		if (i < 0)
			continue;
		w = world(a, (unsigned int)i);
		agent_leadership_receive(&a->lead[i], &w, &m);
	}
}

static int on_tick(struct agent *a)
{
	uint64_t expirations, tick_ns = a->cfg.heartbeat_ms * 1000000ULL;

	if (read(a->timer_fd, &expirations, sizeof(expirations)) < 0)
		return 0;
	if (check_module(a))
		return -1;
	if (a->cluster_up) {
		uint64_t before = a->cluster.last_tick;
		uint64_t mono = now_ns(CLOCK_MONOTONIC);
		unsigned int i;

		if (agent_cluster_tick(&a->cluster, mono, now_ns(CLOCK_REALTIME),
				       3 * tick_ns)) {
			log_warn("this agent stood still for %llu ms: its peers' silence during it is not held against them",
				 (unsigned long long)(mono - before) / 1000000);
			agent_events_emit(&a->events, "agent paused ms=%llu",
					  (unsigned long long)(mono - before) /
					  1000000);
			for (i = 0; i < a->cfg.n_devices; i++)
				agent_leadership_paused(&a->lead[i], before, mono);
		}
		/*
		 * Read what waited in the socket before judging anyone: after
		 * a stall of ours too short for the tick to call it a pause,
		 * the peers' datagrams are there, and arrived (for the
		 * detector) when the kernel got them (core/hbdelay.h).
		 */
		on_datagrams(a);
		agent_bpf_refresh(&a->bpf, a->cluster.peers,
				  a->cluster.n_peers, mono);
		agent_cluster_report(&a->cluster, mono, &a->events);
		if (a->module_up) {
			setup_devices(a);
			tick_elections(a);
			notify_roles(a);
		}
	}
	tick_apps(a);
	/* The watchdog proves the loop runs, whatever the module does. */
	if (a->watchdog_usec &&
	    now_ns(CLOCK_MONOTONIC) - a->watchdog_sent >=
	    a->watchdog_usec * 1000 / 2) {
		sd_notify(0, "WATCHDOG=1");
		a->watchdog_sent = now_ns(CLOCK_MONOTONIC);
	}
	return 0;
}

/* The configured device behind /dev/stockade@index, or -1. */
static int device_at(struct agent *a, unsigned int index)
{
	unsigned int i;

	for (i = 0; i < a->cfg.n_devices; i++)
		if (a->devs[i].ready && a->devs[i].index == index)
			return (int)i;
	return -1;
}

/*
 * "promote N", "demote N", "transfer N TO": operator overrides.  Promote
 * also ends a demotion; demote keeps the node out of elections until
 * promoted (or the agent restarts).
 */
static int operator_request(struct agent *a, const char *request, FILE *out)
{
	unsigned int index, to = 0;
	char verb[16];
	struct agent_world w;
	bool ok = false;
	int i;

	if (sscanf(request, "%15s %u %u", verb, &index, &to) < 2 ||
	    (i = device_at(a, index)) < 0)
		return -1;
	w = world(a, (unsigned int)i);
	if (!strcmp(verb, "promote")) {
		a->standby[i] = false;
		agent_app_promoted(&a->apps[i]);
		ok = agent_leadership_promote(&a->lead[i], &w);
	} else if (!strcmp(verb, "demote")) {
		a->standby[i] = true;
		ok = agent_leadership_demote(&a->lead[i], &w);
	} else if (!strcmp(verb, "transfer") && to) {
		ok = agent_leadership_transfer(&a->lead[i], &w, to);
	} else {
		return -1;
	}
	log_info("operator: %s", request);
	fprintf(out, ok ? "ok\n" : "refused\n");
	return 0;
}

/* Whether some election still runs with the timing before a reload. */
static bool timing_pending(const struct agent *a)
{
	unsigned int i;

	for (i = 0; i < a->cfg.n_devices; i++)
		if (agent_leadership_retime_pending(&a->lead[i]))
			return true;
	return false;
}

/* The timeouts in force: the election's, and whether it adapts. */
static void status_timeouts(const struct stockade_config *c, bool json,
			    FILE *out)
{
	if (json)
		fprintf(out, "\"config\":{\"heartbeat_ms\":%u,"
			"\"election_timeout_ms\":%u,\"fixed_timeout_ms\":%u,",
			c->heartbeat_ms, c->election_timeout_ms,
			c->fixed_timeout_ms);
	else if (c->fixed_timeout_ms)
		fprintf(out, "config: heartbeat %u ms, election timeout fixed at %u ms, ",
			c->heartbeat_ms, c->fixed_timeout_ms);
	else
		fprintf(out, "config: heartbeat %u ms, election timeout adaptive up to %u ms, ",
			c->heartbeat_ms, c->election_timeout_ms);
}

/* The settings in force, which a reload may have changed. */
static void status_config(const struct agent *a, bool json, FILE *out)
{
	const struct stockade_config *c = &a->cfg;

	status_timeouts(c, json, out);
	fprintf(out, json ?
		"\"lease_ms\":%u,\"max_clock_offset_ms\":%u,"
		"\"phi_threshold\":%.2f,\"phi_window\":%u,"
		"\"min_stddev_ms\":%u,\"acceptable_pause_ms\":%u,"
		"\"reloads\":%" PRIu64 ",\"reloads_refused\":%" PRIu64 ","
		"\"timing_pending\":%s},\"watchers\":%u," :
		"lease %u ms, "
		"max clock offset %u ms; phi threshold %.2f, window %u, "
		"min stddev %u ms, acceptable pause %u ms; %" PRIu64
		" reloads, %" PRIu64 " refused%s\nevent watchers: %u\n",
		c->lease_ms, c->max_clock_offset_ms, c->phi_threshold,
		c->phi_window, c->phi_min_stddev_ms, c->acceptable_pause_ms,
		a->reloads, a->reloads_refused, json ?
		(timing_pending(a) ? "true" : "false") :
		(timing_pending(a) ? "; a leader keeps the old timing until it steps down" : ""),
		a->events.n);
}

/* The control socket's answers. */
static int answer(const char *request, FILE *out, void *ctx)
{
	struct agent *a = ctx;
	bool json = !strcmp(request, "status json");
	unsigned int i;

	if (!json && strcmp(request, "status"))
		return operator_request(a, request, out);
	fprintf(out, json ? "{\"node\":%u," : "node %u\n", a->cfg.node_id);
	status_config(a, json, out);
	fputs(json ? "\"devices\":[" : "", out);
	for (i = 0; i < a->cfg.n_devices; i++) {
		if (json && i)
			fputc(',', out);
		agent_device_status(&a->devs[i], json, out);
		fputs(json ? ",\"app\":" : "", out);
		agent_app_status(&a->apps[i], now_ns(CLOCK_MONOTONIC), json,
				 out);
		fputs(json ? "}" : "", out);
	}
	fputs(json ? "]," : "", out);
	agent_bpf_status(&a->bpf, json, out);
	agent_hbts_status(&a->hbts, json, out);
	if (a->cluster_up)
		agent_cluster_status(&a->cluster, now_ns(CLOCK_MONOTONIC), json,
				     out);
	else
		fputs(json ? "\"peers\":[]" : "no [cluster] configured\n", out);
	fputs(json ? "}\n" : "", out);
	return 0;
}

/*
 * A new watcher first gets the state as it is, as events, then "agent
 * synced": whatever follows happened after it was watching.
 */
static void start_watch(struct agent *a, int fd)
{
	const struct agent_peer *p;
	const struct stockade_elect *e;
	int err = agent_events_add(&a->events, fd);
	unsigned int i;
	bool ok;

	if (err) {
		if (err == -ENOSPC)
			dprintf(fd, "error: too many watchers (at most %d)\n",
				AGENT_EVENTS_MAX_WATCHERS);
		else
			dprintf(fd, "error: %s\n", strerror(-err));
		close(fd);
		return;
	}
	ok = agent_events_send_to(&a->events, fd, "agent watching node=%u clock=%s",
				  a->cfg.node_id,
				  !a->cluster_up || a->cluster.clock_healthy ?
				  "healthy" : "unhealthy");
	for (i = 0; ok && i < a->cfg.n_devices; i++) {
		e = &a->lead[i].e;
		if (a->devs[i].ready && a->lead[i].running)
			ok = agent_events_send_to(&a->events, fd,
				"stockade%u role role=%s term=%llu leader=%u",
				a->devs[i].index,
				stockade_elect_role_name(stockade_elect_role(e)),
				(unsigned long long)stockade_elect_term(e),
				stockade_elect_leader(e));
	}
	for (i = 0; ok && i < a->cfg.n_devices; i++)
		if (a->apps[i].configured)
			ok = agent_events_send_to(&a->events, fd,
				"stockade%u app state=%s term=%llu",
				a->apps[i].index,
				stockade_app_state_name(a->apps[i].m.state),
				(unsigned long long)a->apps[i].m.term);
	for (i = 0; ok && a->cluster_up && i < a->cluster.n_peers; i++) {
		p = &a->cluster.peers[i];
		if (p->suspected)
			ok = agent_events_send_to(&a->events, fd,
						  "agent peer-suspected peer=%u",
						  p->id);
	}
	if (ok)
		agent_events_send_to(&a->events, fd, "agent synced");
}

static void serve_control(struct agent *a)
{
	int fd = agent_control_serve(a->control_fd, answer, a);

	if (fd >= 0)
		start_watch(a, fd);
}

/* A reload refused: the running configuration stays as it was. */
static void refuse_reload(struct agent *a, const char *why, const char *what)
{
	a->reloads_refused++;
	log_err("reload refused, the running configuration is unchanged: %s",
		what);
	agent_events_emit(&a->events, "agent reload-refused why=%s", why);
}

/* The new settings, from the running configuration, into effect. */
static void apply_reload(struct agent *a, unsigned int changed)
{
	struct itimerspec tick = tick_interval(a);
	unsigned int i;
	int err;

	if (a->cluster_up &&
	    (changed & ~(AGENT_RELOAD_POLICIES | AGENT_RELOAD_ACTIONS)))
		agent_cluster_reconfigure(&a->cluster);
	agent_bpf_set_ports(&a->bpf, &a->cfg);
	if ((changed & AGENT_RELOAD_TIMING) &&
	    timerfd_settime(a->timer_fd, 0, &tick, NULL))
		log_warn("cannot re-arm the tick: %s", strerror(errno));
	for (i = 0; i < a->cfg.n_devices; i++) {
		if (changed & AGENT_RELOAD_TIMING)
			agent_leadership_retime(&a->lead[i]);
		/* Idle: actions_busy() refused the reload otherwise. */
		if (changed & AGENT_RELOAD_ACTIONS)
			agent_app_reconfigure(&a->apps[i], &a->cfg);
		if (!a->devs[i].ready || !a->module_up)
			continue;	/* set when the device comes up */
		err = 0;
		if (changed & AGENT_RELOAD_POLICIES)
			err = stockade_mod_set_policy(&a->nl, &a->cfg,
						      a->devs[i].cfg,
						      a->devs[i].index);
		/* New addresses: the module reconnects the replication. */
		if (!err && (changed & AGENT_RELOAD_PEERS))
			err = stockade_mod_set_peers(&a->nl, &a->cfg,
						     a->devs[i].cfg,
						     a->devs[i].index,
						     a->cluster.secret,
						     a->cluster.secret_len);
		if (err)
			log_warn("stockade%u: reloaded settings: %s",
				 a->devs[i].index,
				 stockade_nl_strerror(&a->nl, err));
	}
}

/*
 * A device whose actions would change while its application runs (or
 * is being stopped), or NULL: stopping half of one set of steps with
 * another would undo what was never done.
 */
static const struct agent_app *actions_busy(const struct agent *a,
					    const struct stockade_config *next)
{
	const struct stockade_device_config *n;
	unsigned int i;

	for (i = 0; i < a->cfg.n_devices; i++) {
		n = agent_config_device(next, a->cfg.devices[i].minor);
		if (n && !agent_config_actions_equal(&a->cfg.devices[i].actions,
						     &n->actions) &&
		    !agent_app_idle(&a->apps[i]))
			return &a->apps[i];
	}
	return NULL;
}

/*
 * SIGHUP: read the file again.  It is checked whole, then against what
 * cannot change while running (reload.h); only then is anything applied.
 */
static void reload(struct agent *a)
{
	static struct stockade_config next;
	char err[320], what[64], names[64];
	const struct agent_app *busy;
	unsigned int changed;

	if (stockade_config_load(a->config_path, &next, err, sizeof(err))) {
		refuse_reload(a, "invalid", err);
		return;
	}
	if (agent_config_fixed_diff(&a->cfg, &next, what, sizeof(what))) {
		snprintf(err, sizeof(err), "%s cannot change while stockaded runs: restart it",
			 what);
		refuse_reload(a, what, err);
		return;
	}
	busy = actions_busy(a, &next);
	if (busy) {
		snprintf(what, sizeof(what), "device.%u.actions",
			 busy->cfg->minor);
		snprintf(err, sizeof(err), "the actions of device %u cannot change while its application is %s: demote the node or wait",
			 busy->cfg->minor, stockade_app_state_name(busy->m.state));
		refuse_reload(a, what, err);
		return;
	}
	if (!agent_leadership_config_valid(&next) ||
	    agent_cluster_config_check(&next)) {
		refuse_reload(a, "timing",
			      "the election or the failure detector refuses the timing (heartbeat_ms must be below lease_ms)");
		return;
	}
	changed = agent_config_apply(&a->cfg, &next);
	apply_reload(a, changed);
	a->reloads++;
	agent_reload_names(changed, names, sizeof(names));
	log_info("reloaded %s: changed %s", a->config_path, names);
	if (timing_pending(a))
		log_info("a leading device keeps its old timing until it steps down");
	agent_events_emit(&a->events, "agent reloaded changed=%s", names);
}

/* true to stop: SIGTERM or SIGINT. */
static bool on_signal(struct agent *a)
{
	struct signalfd_siginfo si;

	if (read(a->signal_fd, &si, sizeof(si)) != sizeof(si))
		return false;
	if (si.ssi_signo == SIGHUP) {
		reload(a);
		return false;
	}
	if (si.ssi_signo == SIGCHLD) {
		tick_apps(a);
		return false;
	}
	sd_notify(0, "STOPPING=1");
	/* A second signal does not wait for the applications. */
	if (a->shutting_down || apps_idle(a)) {
		log_info("stopping on signal %u", si.ssi_signo);
		return true;
	}
	log_info("signal %u: stopping the applications first (again to stop at once)",
		 si.ssi_signo);
	a->shutting_down = true;
	tick_apps(a);
	return false;
}

enum { FD_SIGNAL, FD_TIMER, FD_UDP, FD_CONTROL, FD_WATCHERS };

/* 0 on SIGTERM or SIGINT, 1 on a fatal error. */
static int run(struct agent *a)
{
	struct pollfd fds[FD_WATCHERS + AGENT_EVENTS_MAX_WATCHERS] = {
		[FD_SIGNAL] = { .fd = a->signal_fd, .events = POLLIN },
		[FD_TIMER] = { .fd = a->timer_fd, .events = POLLIN },
		[FD_UDP] = { .fd = a->cluster_up ? a->cluster.udp.fd : -1,
			     .events = POLLIN },
		[FD_CONTROL] = { .fd = a->control_fd, .events = POLLIN },
	};
	unsigned int watchers;

	log_info("stockaded %s started: node %u, %u peers", STOCKADE_RELEASE,
		 a->cfg.node_id, a->cfg.n_peers);
	for (;;) {
		watchers = agent_events_pollfds(&a->events, fds + FD_WATCHERS);
		if (poll(fds, FD_WATCHERS + watchers, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			return 1;
		}
		/* First, while the fds polled are still the watchers'. */
		agent_events_check(&a->events, fds + FD_WATCHERS, watchers);
		if ((fds[FD_SIGNAL].revents & POLLIN) && on_signal(a))
			return 0;
		if ((fds[FD_TIMER].revents & POLLIN) && on_tick(a))
			return 1;
		if (fds[FD_UDP].revents & POLLIN)
			on_datagrams(a);
		if (fds[FD_CONTROL].revents & POLLIN)
			serve_control(a);
		if (a->shutting_down && apps_idle(a)) {
			log_info("applications stopped: stopping");
			return 0;
		}
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
	const char *control;
	bool check_only;
};

/* -1 to go on, or the exit status for --help and usage errors. */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "control", required_argument, NULL, 'S' },
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
		case 'S':
			o->control = optarg;
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
	struct options o = { .config = DEFAULT_CONFIG,
			     .control = STOCKADE_CONTROL_PATH };
	struct agent a = { .signal_fd = -1, .timer_fd = -1, .devices = -1,
			   .control_fd = -1 };
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
	a.config_path = o.config;
	a.control_path = o.control;
	agent_events_init(&a.events);
	setup_watchdog(&a);
	if (stockade_pw_init()) {
		log_err("cannot initialise libsodium");
		return 1;
	}
	if (open_sockets(&a)) {
		close_fds(&a);
		return 1;
	}
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
