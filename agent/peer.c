// SPDX-License-Identifier: GPL-2.0
/*
 * Per-peer bookkeeping of the agent (peer.h): replay window, failure
 * detector, clock estimator and round-trip time, fed by every datagram.
 */
#include <string.h>

#include "peer.h"

static void phi_config(struct stockade_phi_config *pc,
		       const struct agent_peer_config *cfg)
{
	stockade_phi_config_default(pc, cfg->heartbeat_ns,
				    cfg->election_timeout_ns);
	pc->threshold = cfg->phi_threshold;
	pc->window = cfg->phi_window < STOCKADE_PHI_MAX_WINDOW ?
		     cfg->phi_window : STOCKADE_PHI_MAX_WINDOW;
	pc->min_stddev_ns = cfg->phi_min_stddev_ns;
	pc->acceptable_pause_ns += cfg->acceptable_pause_ns;
}

int agent_peer_config_check(const struct agent_peer_config *cfg)
{
	/* A detector is 8 KiB: a scratch one, not on the stack. */
	static struct stockade_phi scratch;
	struct stockade_phi_config pc;

	phi_config(&pc, cfg);
	return stockade_phi_init(&scratch, &pc) == STOCKADE_PHI_CFG_OK ? 0 : -1;
}

int agent_peer_init(struct agent_peer *p, uint32_t id,
		    const struct sockaddr_in *addr,
		    const struct agent_peer_config *cfg)
{
	struct stockade_phi_config pc;
	struct stockade_skew_config sc;

	memset(p, 0, sizeof(*p));
	p->id = id;
	p->addr = *addr;
	p->clock = STOCKADE_CLOCK_UNKNOWN;
	/* Held longer than one heartbeat: we stood still. */
	stockade_hbdelay_init(&p->hb, cfg->heartbeat_ns);
	phi_config(&pc, cfg);
	if (stockade_phi_init(&p->phi, &pc) != STOCKADE_PHI_CFG_OK)
		return -1;
	stockade_skew_config_default(&sc);
	sc.max_drift_ppm = cfg->max_drift_ppm;
	return stockade_skew_init(&p->skew, &sc) == STOCKADE_SKEW_CFG_OK ?
	       0 : -1;
}

static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

bool agent_peer_network(const struct agent_peer *p, uint64_t *rtt_ns,
			uint64_t *dev_ns)
{
	if (p->bpf.conns) {
		*rtt_ns = p->bpf.rtt_ns;
		*dev_ns = p->bpf.dev_ns;
		return true;
	}
	*rtt_ns = p->srtt_ns;
	*dev_ns = p->rttvar_ns;
	return false;
}

/*
 * The detector's network terms follow whichever figure is current, and so
 * does the heartbeat acceptance window (netrtt.h): from the configured
 * pause up to half the election timeout, with the eBPF p99 if there is
 * one.  The heartbeats' own path counts too: half an RTT for the way,
 * plus the p99 of how much later than the path's fastest the peer's
 * datagrams came (hbdelay.h), as a round trip's worth of tail.  That
 * part is the network's alone: neither our stalls nor the peer's are in
 * it, so a slow path widens the window and a slow node does not.
 */
static void apply_network(struct agent_peer *p)
{
	struct stockade_window_config wc = {
		.pause_ns = p->phi.cfg.acceptable_pause_ns,
		.max_ns = p->phi.cfg.max_timeout_ns / 2,
	};
	uint64_t rtt, dev, p99;
	u64 hb_p99 = 0;
	bool bpf = agent_peer_network(p, &rtt, &dev);

	p99 = bpf ? p->bpf.p99_ns : 0;
	if (stockade_hb_stats_quantile(&p->hb.net, 990, &hb_p99) &&
	    rtt + 2 * hb_p99 > p99)
		p99 = rtt + 2 * hb_p99;
	stockade_phi_set_network(&p->phi, rtt, dev);
	stockade_phi_set_window(&p->phi, stockade_heartbeat_window_ns(&wc, rtt,
					p99));
}

void agent_peer_set_bpf(struct agent_peer *p,
			const struct stockade_rtt_peer *fig)
{
	p->bpf = *fig;
	apply_network(p);
}

uint64_t agent_peer_timeout_ns(const struct agent_peer *p,
			       const struct agent_peer_config *cfg)
{
	struct stockade_timeout_config tc = {
		.min_ns = 3 * cfg->heartbeat_ns,
		.max_ns = cfg->election_timeout_ns,
		.heartbeat_ns = cfg->heartbeat_ns,
		.k = STOCKADE_TIMEOUT_DEFAULT_K,
	};
	uint64_t rtt, dev;

	if (cfg->fixed_timeout_ns)
		return cfg->fixed_timeout_ns;
	agent_peer_network(p, &rtt, &dev);
	return stockade_adaptive_timeout_ns(&tc,
					    stockade_phi_timeout_ns(&p->phi, 0),
					    rtt, dev);
}

/* RFC 6298: srtt += (r - srtt) / 8, rttvar += (|r - srtt| - rttvar) / 4. */
static void sample_rtt(struct agent_peer *p, uint64_t rtt)
{
	if (!p->srtt_ns) {
		p->srtt_ns = rtt;
		p->rttvar_ns = rtt / 2;
		return;
	}
	p->rttvar_ns = (3 * p->rttvar_ns + absdiff(p->srtt_ns, rtt)) / 4;
	p->srtt_ns = (7 * p->srtt_ns + rtt) / 8;
}

/* T1 = our send time it echoes, T2 its receive time, T3 its send time. */
static void sample_clock(struct agent_peer *p, const struct stockade_pw_msg *m,
			 uint64_t real, const struct agent_peer_config *cfg)
{
	if (!m->echo_send || !m->echo_recv)
		return;		/* it had not heard from us yet */
	if (stockade_skew_add_sample(&p->skew, (int64_t)m->echo_send,
				     (int64_t)m->echo_recv, (int64_t)m->t_send,
				     (int64_t)real) != STOCKADE_SKEW_ACCEPTED)
		return;
	sample_rtt(p, (real - m->echo_send) - (m->t_send - m->echo_recv));
	p->clock = stockade_clock_ok(&p->skew, cfg->max_offset_ns,
				     cfg->max_drift_ppm);
}

bool agent_peer_receive(struct agent_peer *p, const struct stockade_pw_msg *m,
			const struct agent_peer_rx *rx,
			const struct agent_peer_config *cfg)
{
	struct stockade_hb_rx hb = {
		.sent_ns = m->mono_send, .ingress_ns = rx->ingress_ns,
		.user_ns = rx->mono, .stamp = rx->stamp,
	};
	struct stockade_hb_split split;
	uint64_t real;

	if (!stockade_pw_window_accept(&p->window, m->seq)) {
		p->replays++;
		return false;
	}
	p->received++;
	stockade_hbdelay_add(&p->hb, &hb, &split);
	/* The wall clock at arrival: as long before the read as on ours. */
	real = rx->real - (rx->mono - split.arrival_ns);
	p->heard_ns = split.arrival_ns;
	stockade_phi_heartbeat(&p->phi, split.arrival_ns);
	p->echo_send = m->t_send;
	p->echo_recv = real;
	sample_clock(p, m, real, cfg);
	apply_network(p);
	return true;
}

void agent_peer_sent(struct agent_peer *p, uint64_t mono_send,
		     uint64_t egress_ns)
{
	uint64_t waited = egress_ns > mono_send ? egress_ns - mono_send : 0;

	p->tx_stamped++;
	p->tx_local_last_ns = waited;
	if (waited > p->tx_local_max_ns)
		p->tx_local_max_ns = waited;
}

/*
 * The detector has no way to change its settings, so it starts over:
 * its history is forgotten, but not the peer's last arrival, so a peer
 * that was silent stays suspect and one that talks is not suspected.
 */
int agent_peer_reconfigure(struct agent_peer *p,
			   const struct agent_peer_config *cfg)
{
	struct stockade_phi_config pc;

	phi_config(&pc, cfg);
	if (stockade_phi_init(&p->phi, &pc) != STOCKADE_PHI_CFG_OK)
		return -1;
	p->hb.hold_ns = cfg->heartbeat_ns;
	if (p->heard_ns)
		stockade_phi_heartbeat(&p->phi, p->heard_ns);
	apply_network(p);
	return 0;
}

void agent_peer_paused(struct agent_peer *p, uint64_t from, uint64_t to)
{
	stockade_phi_pause(&p->phi, from, to);
}

void agent_peer_stamp(const struct agent_peer *p, struct stockade_pw_msg *m,
		      uint64_t mono, uint64_t real)
{
	m->t_send = real;
	m->mono_send = mono;
	m->echo_send = p->echo_send;
	m->echo_recv = p->echo_recv;
}

/* Peers whose offset is within @max_offset, and whether all are known. */
static unsigned int agreeing(const struct agent_peer *peers, unsigned int n,
			     int64_t max_offset, double max_drift)
{
	unsigned int i, votes = 1;	/* ourselves */

	for (i = 0; i < n; i++)
		if (stockade_clock_ok(&peers[i].skew, max_offset, max_drift) ==
		    STOCKADE_CLOCK_OK)
			votes++;
	return votes;
}

void agent_clock_health(const struct agent_peer *peers, unsigned int n,
			const struct agent_peer_config *cfg, bool *healthy)
{
	unsigned int majority = (n + 1) / 2 + 1;
	int64_t margin = *healthy ? cfg->max_offset_ns :
				    cfg->max_offset_ns / 2;
	unsigned int unknown = 0, i;

	for (i = 0; i < n; i++)
		if (stockade_clock_ok(&peers[i].skew, cfg->max_offset_ns,
				      cfg->max_drift_ppm) ==
		    STOCKADE_CLOCK_UNKNOWN)
			unknown++;
	/* Too little known to judge: keep the current verdict. */
	if (agreeing(peers, n, margin, cfg->max_drift_ppm) + unknown < majority)
		*healthy = false;
	else if (agreeing(peers, n, margin, cfg->max_drift_ppm) >= majority)
		*healthy = true;
}
