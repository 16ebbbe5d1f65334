/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an agent knows of each other agent: the replay window of its
 * datagrams, a phi-accrual detector over their arrivals, its clock's
 * offset and drift from the timestamps they carry, and the round-trip
 * time.  Every datagram between two agents, whatever its type, is a
 * heartbeat for the detector and a sample for the clock estimator.
 * No sockets or clocks here: times come in as arguments.
 */
#ifndef STOCKADE_AGENT_PEER_H
#define STOCKADE_AGENT_PEER_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "clockskew.h"
#include "hbdelay.h"
#include "netrtt.h"
#include "peerwire.h"
#include "phi.h"

struct agent_peer_config {
	uint64_t heartbeat_ns, election_timeout_ns;
	uint64_t fixed_timeout_ns;	/* 0: adaptive */
	double phi_threshold;
	uint32_t phi_window;
	uint64_t phi_min_stddev_ns, acceptable_pause_ns;
	double max_drift_ppm;
	int64_t max_offset_ns;
};

struct agent_peer {
	uint32_t id;
	struct sockaddr_in addr;	/* its agent's UDP address */
	struct stockade_pw_window window;
	struct stockade_phi phi;
	struct stockade_skew skew;
	/* The last datagram from it, to echo in ours (the NTP exchange). */
	uint64_t echo_send, echo_recv;
	uint64_t heard_ns;		/* its last arrival, monotonic */
	/* RFC 6298 smoothing of the exchanges' round trips. */
	uint64_t srtt_ns, rttvar_ns;
	/*
	 * The kernel's figure for its replication connections, from the
	 * eBPF map (bpfrtt.h); bpf.conns == 0 when there is none fresh.
	 * When there is, it is what the detector is given, not srtt_ns:
	 * it is measured where the packets are, without our scheduling.
	 */
	struct stockade_rtt_peer bpf;
	/*
	 * Its datagrams' delays, split into network and ours (hbdelay.h),
	 * and how long ours to it waited between stamp and wire (egress).
	 */
	struct stockade_hbdelay hb;
	uint64_t tx_stamped, tx_local_last_ns, tx_local_max_ns;
	enum stockade_clock_verdict clock;
	uint64_t received, replays;
	bool suspected;			/* as last reported in an event */
};

/* 0, or -1 if the detector or estimator refuse the configuration. */
int agent_peer_init(struct agent_peer *p, uint32_t id,
		    const struct sockaddr_in *addr,
		    const struct agent_peer_config *cfg);

/* 0 if the failure detector accepts @cfg, or -1. */
int agent_peer_config_check(const struct agent_peer_config *cfg);

/*
 * New detector settings (a reload): the detector learns again from
 * scratch, keeping the peer's last arrival.  0, or -1 (nothing changed)
 * if the detector refuses them.
 */
int agent_peer_reconfigure(struct agent_peer *p,
			   const struct agent_peer_config *cfg);

/* When a datagram was read, and when the kernel had it. */
struct agent_peer_rx {
	uint64_t mono, real;	/* read: CLOCK_MONOTONIC, CLOCK_REALTIME */
	uint64_t ingress_ns;	/* CLOCK_MONOTONIC at ingress, if stamp */
	enum stockade_hb_stamp stamp;
};

/*
 * A datagram from this peer that passed its MAC.  False for a replay,
 * which changes nothing else.  The detector and the clock exchange take
 * its ingress time, when there is one, as its arrival: the time it then
 * waited for us is ours (hbdelay.h), not the peer's or the path's.
 */
bool agent_peer_receive(struct agent_peer *p, const struct stockade_pw_msg *m,
			const struct agent_peer_rx *rx,
			const struct agent_peer_config *cfg);

/* Ours to it, stamped at @mono_send, left the host at @egress_ns. */
void agent_peer_sent(struct agent_peer *p, uint64_t mono_send,
		     uint64_t egress_ns);

/* A new eBPF figure for this peer (conns == 0: none, use ours). */
void agent_peer_set_bpf(struct agent_peer *p,
			const struct stockade_rtt_peer *fig);

/*
 * The RTT and deviation the detector uses: the eBPF figure if there is
 * one (true), else the agent's own (false).
 */
bool agent_peer_network(const struct agent_peer *p, uint64_t *rtt_ns,
			uint64_t *dev_ns);

/*
 * The election timeout this peer's silence gets, as a leader we follow:
 * stockade_adaptive_timeout_ns() over its phi detector and its RTT,
 * within 3 heartbeats and the configured election timeout; or the fixed
 * timeout, if one is configured.
 */
uint64_t agent_peer_timeout_ns(const struct agent_peer *p,
			       const struct agent_peer_config *cfg);

/* Our own loop stood still from @from to @to (monotonic). */
void agent_peer_paused(struct agent_peer *p, uint64_t from, uint64_t to);

/* The clock fields of a datagram to this peer, sent at @mono, @real. */
void agent_peer_stamp(const struct agent_peer *p, struct stockade_pw_msg *m,
		      uint64_t mono, uint64_t real);

/*
 * Whether this node's clock agrees with a majority of the cluster: itself
 * and each peer whose estimate says OK count; a peer whose clock cannot
 * be judged yet counts for neither.  Hysteresis: a node that was
 * unhealthy becomes healthy again only once a majority agrees with half
 * the margin (*@healthy is updated).
 */
void agent_clock_health(const struct agent_peer *peers, unsigned int n,
			const struct agent_peer_config *cfg, bool *healthy);

#endif /* STOCKADE_AGENT_PEER_H */
