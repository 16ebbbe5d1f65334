// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's peers and socket (cluster.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-daemon.h>

#include "cluster.h"

#define MS	UINT64_C(1000000)

/* The shared secret: the whole file, 16 to 64 bytes. */
static int read_secret(struct agent_cluster *c, const char *path, char *err,
		       size_t err_size)
{
	FILE *f = fopen(path, "r");
	uint8_t extra;

	if (!f) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return -1;
	}
	c->secret_len = fread(c->secret, 1, sizeof(c->secret), f);
	if (fread(&extra, 1, 1, f) == 1 ||
	    c->secret_len < STOCKADE_PW_SECRET_MIN) {
		snprintf(err, err_size, "%s: the secret must be %d to %d bytes",
			 path, STOCKADE_PW_SECRET_MIN, STOCKADE_PW_SECRET_MAX);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static void peer_config(struct agent_peer_config *pc,
			const struct stockade_config *cfg)
{
	*pc = (struct agent_peer_config) {
		.heartbeat_ns = cfg->heartbeat_ms * MS,
		.election_timeout_ns = cfg->election_timeout_ms * MS,
		.fixed_timeout_ns = cfg->fixed_timeout_ms * MS,
		.phi_threshold = cfg->phi_threshold,
		.phi_window = cfg->phi_window,
		.phi_min_stddev_ns = cfg->phi_min_stddev_ms * MS,
		.acceptable_pause_ns = cfg->acceptable_pause_ms * MS,
		.max_drift_ppm = cfg->max_drift_ppm,
		.max_offset_ns = (int64_t)cfg->max_clock_offset_ms * (int64_t)MS,
	};
}

static struct sockaddr_in sockaddr_of(const struct stockade_endpoint *ep)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_addr = ep->addr,
		.sin_port = htons(ep->port),
	};

	return sa;
}

/* Sequence numbers start at the wall clock, so they grow over restarts. */
static uint64_t first_seq(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int agent_cluster_open(struct agent_cluster *c,
		       const struct stockade_config *cfg, char *err,
		       size_t err_size)
{
	struct sockaddr_in sa = sockaddr_of(&cfg->listen);
	unsigned int i;
	int rc;

	memset(c, 0, sizeof(*c));
	c->udp.fd = -1;
	c->cfg = cfg;
	c->clock_healthy = true;	/* until measured otherwise */
	c->reported_healthy = true;
	peer_config(&c->peer_cfg, cfg);
	if (read_secret(c, cfg->secret_file, err, err_size))
		return -EINVAL;
	for (i = 0; i < cfg->n_peers; i++) {
		struct sockaddr_in pa = sockaddr_of(&cfg->peers[i].ep);

		if (agent_peer_init(&c->peers[i], cfg->peers[i].id, &pa,
				    &c->peer_cfg)) {
			snprintf(err, err_size, "the failure detector or clock estimator refuses the configuration");
			return -EINVAL;
		}
	}
	c->n_peers = cfg->n_peers;
	rc = agent_udp_open(&c->udp, &sa, cfg->node_id, c->secret,
			    c->secret_len, first_seq());
	if (rc)
		snprintf(err, err_size, "cannot bind UDP %s:%u: %s",
			 inet_ntoa(cfg->listen.addr), cfg->listen.port,
			 strerror(-rc));
	return rc;
}

int agent_cluster_config_check(const struct stockade_config *cfg)
{
	struct agent_peer_config pc;

	peer_config(&pc, cfg);
	return agent_peer_config_check(&pc);
}

/* Whether the detectors must start over: their settings changed. */
static bool detector_changed(const struct agent_peer_config *a,
			     const struct agent_peer_config *b)
{
	return a->heartbeat_ns != b->heartbeat_ns ||
	       a->election_timeout_ns != b->election_timeout_ns ||
	       a->phi_threshold != b->phi_threshold ||
	       a->phi_window != b->phi_window ||
	       a->phi_min_stddev_ns != b->phi_min_stddev_ns ||
	       a->acceptable_pause_ns != b->acceptable_pause_ns;
}

int agent_cluster_reconfigure(struct agent_cluster *c)
{
	struct agent_peer_config pc;
	bool restart;
	unsigned int i, j;

	peer_config(&pc, c->cfg);
	if (agent_peer_config_check(&pc))
		return -EINVAL;
	restart = detector_changed(&c->peer_cfg, &pc);
	c->peer_cfg = pc;
	for (i = 0; i < c->n_peers; i++) {
		for (j = 0; j < c->cfg->n_peers; j++)
			if (c->cfg->peers[j].id == c->peers[i].id)
				c->peers[i].addr =
					sockaddr_of(&c->cfg->peers[j].ep);
		if (restart)
			agent_peer_reconfigure(&c->peers[i], &c->peer_cfg);
	}
	/* The next probe goes out at the new period. */
	c->next_probe = 0;
	return 0;
}

void agent_cluster_report(struct agent_cluster *c, uint64_t mono,
			  struct agent_events *ev)
{
	struct agent_peer *p;
	unsigned int i;
	bool suspect;

	for (i = 0; i < c->n_peers; i++) {
		p = &c->peers[i];
		suspect = stockade_phi_suspect(&p->phi, mono);
		if (suspect == p->suspected)
			continue;
		p->suspected = suspect;
		fprintf(stderr, "%speer %u %s (phi %.2f, silent %" PRIu64 " ms)\n",
			suspect ? SD_WARNING : SD_INFO, p->id,
			suspect ? "suspected" : "trusted again",
			stockade_phi(&p->phi, mono), (mono - p->heard_ns) / MS);
		agent_events_emit(ev, "agent %s peer=%u phi=%.2f silent_ms=%" PRIu64,
				  suspect ? "peer-suspected" : "peer-recovered",
				  p->id, stockade_phi(&p->phi, mono),
				  (mono - p->heard_ns) / MS);
	}
	if (c->clock_healthy == c->reported_healthy)
		return;
	c->reported_healthy = c->clock_healthy;
	fprintf(stderr, "%sthis node's clock is %s\n",
		c->clock_healthy ? SD_INFO : SD_WARNING,
		c->clock_healthy ? "healthy again: it may lead" :
		"unhealthy (it disagrees with a majority): it will not lead");
	agent_events_emit(ev, "agent %s", c->clock_healthy ? "clock-healthy" :
			  "clock-unhealthy");
}

void agent_cluster_close(struct agent_cluster *c)
{
	agent_udp_close(&c->udp);
	memset(c->secret, 0, sizeof(c->secret));
}

struct agent_peer *agent_cluster_peer(struct agent_cluster *c, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < c->n_peers; i++)
		if (c->peers[i].id == id)
			return &c->peers[i];
	return NULL;
}

int agent_cluster_send(struct agent_cluster *c, struct stockade_pw_msg *m,
		       uint32_t to, uint64_t mono, uint64_t real)
{
	struct agent_peer *p = agent_cluster_peer(c, to);
	uint64_t egress;
	int err;

	if (!p)
		return -ENOENT;
	m->to = to;
	agent_peer_stamp(p, m, mono, real);
	err = agent_udp_send(&c->udp, m, &p->addr);
	if (err)
		c->send_errors++;
	else if (c->hbts && agent_hbts_take(c->hbts, true, &p->addr, m->seq,
					    &egress))
		agent_peer_sent(p, mono, egress);
	return err;
}

bool agent_cluster_tick(struct agent_cluster *c, uint64_t mono,
			uint64_t real, uint64_t max_gap)
{
	bool paused = c->last_tick && mono - c->last_tick > max_gap;
	unsigned int i;

	for (i = 0; paused && i < c->n_peers; i++)
		agent_peer_paused(&c->peers[i], c->last_tick, mono);
	if (paused)
		c->pauses++;
	c->last_tick = mono;
	/* One probe per peer per heartbeat period, whatever the tick. */
	for (i = 0; mono >= c->next_probe && i < c->n_peers; i++) {
		struct stockade_pw_msg m = { .type = STOCKADE_PW_PROBE };

		agent_cluster_send(c, &m, c->peers[i].id, mono, real);
	}
	if (mono >= c->next_probe)
		c->next_probe = mono + c->peer_cfg.heartbeat_ns;
	agent_clock_health(c->peers, c->n_peers, &c->peer_cfg,
			   &c->clock_healthy);
	return paused;
}

/*
 * When the kernel had the datagram: the tc ingress stamp if the programs
 * run and caught it, else the socket's (SO_TIMESTAMPNS), else unknown.
 */
static struct agent_peer_rx rx_times(struct agent_cluster *c,
				     const struct stockade_pw_msg *m,
				     const struct agent_udp_rx *urx,
				     uint64_t mono, uint64_t real)
{
	struct agent_peer_rx rx = { .mono = mono, .real = real };

	if (c->hbts && agent_hbts_take(c->hbts, false, &urx->from, m->seq,
				       &rx.ingress_ns)) {
		rx.stamp = STOCKADE_HB_STAMP_TC;
	} else if (urx->stamp_real) {
		rx.ingress_ns = stockade_hb_socket_ingress(mono, real,
							   urx->stamp_real);
		rx.stamp = STOCKADE_HB_STAMP_SOCKET;
	}
	return rx;
}

/*
 * A datagram that waited in our socket longer than a heartbeat: we stood
 * still.  The datagrams of all peers read after one stall count once.
 */
static void note_held(struct agent_cluster *c, const struct agent_peer *p,
		      uint64_t episodes, const struct agent_peer_rx *rx)
{
	if (p->hb.episodes == episodes || rx->ingress_ns < c->held_until)
		return;
	c->held_pauses++;
	c->held_until = rx->mono;
	fprintf(stderr, SD_WARNING "this agent stood still: a datagram of peer %u waited %" PRIu64
		" ms in its socket (the delay is ours, not the network's)\n",
		p->id, (rx->mono - rx->ingress_ns) / MS);
}

int agent_cluster_receive(struct agent_cluster *c, struct stockade_pw_msg *m,
			  uint64_t mono, uint64_t real)
{
	struct agent_udp_rx urx;
	struct agent_peer_rx rx;
	struct agent_peer *p;
	uint64_t episodes;
	int rc;

	for (;;) {
		rc = agent_udp_recv(&c->udp, m, &urx);
		if (rc <= 0)
			return rc;
		p = agent_cluster_peer(c, m->from);
		if (!p) {
			c->udp.misaddressed++;
			continue;
		}
		rx = rx_times(c, m, &urx, mono, real);
		episodes = p->hb.episodes;
		if (!agent_peer_receive(p, m, &rx, &c->peer_cfg))
			continue;
		note_held(c, p, episodes, &rx);
		if (m->type != STOCKADE_PW_PROBE &&
		    m->type != STOCKADE_PW_PROBE_REPLY)
			return 1;
	}
}

static const char *clock_name(enum stockade_clock_verdict v)
{
	switch (v) {
	case STOCKADE_CLOCK_OK:
		return "ok";
	case STOCKADE_CLOCK_OFFSET_TOO_LARGE:
		return "offset-too-large";
	case STOCKADE_CLOCK_DRIFT_TOO_LARGE:
		return "drift-too-large";
	default:
		return "unknown";
	}
}

/*
 * What the detector is given for the path (the eBPF figure, or the
 * agent's own round trips) and the election timeout it comes to.
 */
static void net_status(const struct agent_cluster *c,
		       const struct agent_peer *p, bool json, FILE *out)
{
	uint64_t rtt, dev, timeout = agent_peer_timeout_ns(p, &c->peer_cfg);
	bool bpf = agent_peer_network(p, &rtt, &dev);

	fprintf(out, json ?
		",\"net_source\":\"%s\",\"net_rtt_us\":%" PRIu64
		",\"net_dev_us\":%" PRIu64 ",\"bpf_rtt_us\":%" PRIu64
		",\"bpf_dev_us\":%" PRIu64 ",\"bpf_p50_us\":%" PRIu64
		",\"bpf_p99_us\":%" PRIu64 ",\"bpf_samples\":%" PRIu64
		",\"bpf_conns\":%u,\"window_us\":%" PRIu64
		",\"timeout_ms\":%" PRIu64 :
		"    network (%s): rtt %" PRIu64 " us, dev %" PRIu64
		" us; bpf rtt %" PRIu64 " us, dev %" PRIu64 " us, p50 %" PRIu64
		" us, p99 %" PRIu64 " us, %" PRIu64
		" samples, %u connection(s); heartbeat window %" PRIu64
		" us, election timeout %" PRIu64 " ms\n",
		bpf ? "bpf" : "agent", rtt / 1000, dev / 1000,
		(uint64_t)p->bpf.rtt_ns / 1000, (uint64_t)p->bpf.dev_ns / 1000,
		(uint64_t)p->bpf.p50_ns / 1000, (uint64_t)p->bpf.p99_ns / 1000,
		(uint64_t)p->bpf.samples,
		p->bpf.conns, (uint64_t)p->phi.window_ns / 1000, timeout / MS);
}

/* A delay's last, p99 and largest, in us. */
static void hb_figures(const struct stockade_hb_stats *s, uint64_t us[3])
{
	u64 p99 = 0;

	stockade_hb_stats_quantile(s, 990, &p99);
	us[0] = s->last_ns / 1000;
	us[1] = (uint64_t)p99 / 1000;
	us[2] = s->max_ns / 1000;
}

/*
 * How the peer's datagrams' delays split (core/hbdelay.h): network, and
 * ours (local); where the ingress times come from; the stalls of ours
 * that held them; and our own send path (egress stamp - stamp time).
 */
static void hb_status(const struct agent_peer *p, bool json, FILE *out)
{
	const struct stockade_hbdelay *d = &p->hb;
	uint64_t net[3], loc[3];
	uint64_t split = d->split, unsplit = d->unsplit, held = d->held;
	uint64_t stalls = d->episodes;

	hb_figures(&p->hb.net, net);
	hb_figures(&p->hb.local, loc);
	if (json) {
		fprintf(out, ",\"hb_stamps\":\"%s\",\"hb_split\":%" PRIu64
			",\"hb_unsplit\":%" PRIu64 ",\"hb_net_us\":%" PRIu64
			",\"hb_net_p99_us\":%" PRIu64 ",\"hb_net_max_us\":%" PRIu64
			",\"hb_local_us\":%" PRIu64 ",\"hb_local_p99_us\":%" PRIu64
			",\"hb_local_max_us\":%" PRIu64 ",\"hb_held\":%" PRIu64
			",\"hb_held_stalls\":%" PRIu64 ",\"hb_tx_stamped\":%" PRIu64
			",\"hb_tx_local_us\":%" PRIu64
			",\"hb_tx_local_max_us\":%" PRIu64,
			stockade_hb_stamp_name(d->stamp), split, unsplit,
			net[0], net[1], net[2], loc[0], loc[1], loc[2], held,
			stalls, p->tx_stamped,
			p->tx_local_last_ns / 1000, p->tx_local_max_ns / 1000);
		return;
	}
	if (!split) {
		fprintf(out, "    heartbeat delay: split unknown (no kernel timestamps), %" PRIu64
			" datagrams\n", unsplit);
		return;
	}
	fprintf(out, "    heartbeat delay (%s stamps): network %" PRIu64
		" us (p99 %" PRIu64 ", max %" PRIu64 "), local %" PRIu64
		" us (p99 %" PRIu64 ", max %" PRIu64 "); %" PRIu64
		" split, %" PRIu64 " unknown; %" PRIu64
		" held by %" PRIu64 " stall(s) of ours; send path %" PRIu64
		" us (max %" PRIu64 ", %" PRIu64 " stamped)\n",
		stockade_hb_stamp_name(d->stamp), net[0], net[1], net[2],
		loc[0], loc[1], loc[2], split, unsplit, held, stalls,
		p->tx_local_last_ns / 1000,
		p->tx_local_max_ns / 1000, p->tx_stamped);
}

static void peer_status(const struct agent_cluster *c,
			const struct agent_peer *p, uint64_t mono, bool json,
			FILE *out)
{
	s64 offset = 0, error = 0;
	double drift = 0;
	bool have_offset = stockade_skew_offset_ns(&p->skew, &offset, &error);
	bool have_drift = stockade_skew_drift_ppm(&p->skew, &drift);
	double phi = stockade_phi(&p->phi, mono);

	fprintf(out, json ?
		"{\"id\":%u,\"address\":\"%s:%u\",\"phi\":%.2f,\"suspect\":%s,\"silent_ms\":%" PRIu64
		",\"rtt_us\":%" PRIu64 ",\"rttvar_us\":%" PRIu64
		",\"offset_us\":%s%" PRId64 ",\"drift_ppm\":%.1f"
		",\"clock\":\"%s\",\"clock_steps\":%" PRIu64
		",\"received\":%" PRIu64 ",\"replays\":%" PRIu64 :
		"  peer %u (%s:%u): phi %.2f%s, silent %" PRIu64 " ms, rtt %" PRIu64
		" us (var %" PRIu64 "), offset %s%" PRId64 " us, drift %.1f ppm,"
		" clock %s (%" PRIu64 " steps), %" PRIu64 " received, %" PRIu64
		" replays\n",
		p->id, inet_ntoa(p->addr.sin_addr), ntohs(p->addr.sin_port),
		phi, json ? (stockade_phi_suspect(&p->phi, mono) ?
				    "true" : "false") :
		(stockade_phi_suspect(&p->phi, mono) ? " (suspect)" : ""),
		(uint64_t)(p->heard_ns ? (mono - p->heard_ns) / MS : 0),
		p->srtt_ns / 1000, p->rttvar_ns / 1000,
		have_offset ? "" : (json ? "" : "~"), (int64_t)(offset / 1000),
		have_drift ? drift : 0.0, clock_name(p->clock),
		(uint64_t)p->skew.steps, p->received, p->replays);
	net_status(c, p, json, out);
	hb_status(p, json, out);
	if (json)
		fputc('}', out);
}

void agent_cluster_status(const struct agent_cluster *c, uint64_t mono,
			  bool json, FILE *out)
{
	unsigned int i;

	fprintf(out, json ? "\"clock_healthy\":%s,\"pauses\":%" PRIu64
		",\"held_pauses\":%" PRIu64
		",\"bad_mac\":%" PRIu64 ",\"malformed\":%" PRIu64 ",\"peers\":[" :
		"clock: %s, own pauses %" PRIu64 " (ticks late) and %" PRIu64
		" (heartbeats held), datagrams refused: %" PRIu64
		" bad MAC, %" PRIu64 " malformed\n",
		json ? (c->clock_healthy ? "true" : "false") :
		(c->clock_healthy ? "healthy" : "UNHEALTHY"),
		c->pauses, c->held_pauses, c->udp.bad_mac, c->udp.malformed);
	for (i = 0; i < c->n_peers; i++) {
		if (json && i)
			fputc(',', out);
		peer_status(c, &c->peers[i], mono, json, out);
	}
	if (json)
		fputc(']', out);
}
