/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's view of the other agents: the UDP socket, one agent_peer
 * each, this node's clock health, and the probes that keep every pair
 * measured (failure detector, round trip, clock offset and drift) even
 * when no election traffic flows.
 */
#ifndef STOCKADE_AGENT_CLUSTER_H
#define STOCKADE_AGENT_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bpfhb.h"
#include "config.h"
#include "events.h"
#include "peer.h"
#include "udp.h"

struct agent_cluster {
	const struct stockade_config *cfg;
	struct agent_peer_config peer_cfg;
	struct agent_peer peers[STOCKADE_CONFIG_MAX_PEERS];
	unsigned int n_peers;
	struct agent_udp udp;
	uint8_t secret[STOCKADE_PW_SECRET_MAX];
	size_t secret_len;
	bool clock_healthy;
	bool reported_healthy;		/* as last reported in an event */
	uint64_t last_tick;		/* monotonic, for pause detection */
	uint64_t next_probe;
	uint64_t pauses;		/* our own loop stood still */
	/*
	 * Stalls of ours seen in the local part of heartbeat delays
	 * (core/hbdelay.h): datagrams held more than a heartbeat.
	 */
	uint64_t held_pauses, held_until;
	uint64_t send_errors;
	/* The tc timestamp programs, or NULL: the socket's stamps only. */
	struct agent_hbts *hbts;
};

/* Read the secret, bind the socket, set up the peers; 0 or -errno. */
int agent_cluster_open(struct agent_cluster *c,
		       const struct stockade_config *cfg, char *err,
		       size_t err_size);
void agent_cluster_close(struct agent_cluster *c);

/* 0 if the failure detector accepts @cfg's settings, or -1. */
int agent_cluster_config_check(const struct stockade_config *cfg);

/*
 * The configuration (c->cfg) was reloaded: take the peers' new
 * addresses, the clock bound, the probe period, and the detector
 * settings (the detectors start learning again if those changed).
 * The set of peers and the secret stay as they were.
 */
int agent_cluster_reconfigure(struct agent_cluster *c);

/*
 * Peers that became suspect or were trusted again, and a change of this
 * node's clock health, since the last call: logged and emitted on @ev.
 */
void agent_cluster_report(struct agent_cluster *c, uint64_t mono,
			  struct agent_events *ev);

struct agent_peer *agent_cluster_peer(struct agent_cluster *c, uint32_t id);

/* Stamp the clock fields, then send @m to node @to. */
int agent_cluster_send(struct agent_cluster *c, struct stockade_pw_msg *m,
		       uint32_t to, uint64_t mono, uint64_t real);

/*
 * The loop's tick at @mono: a gap of more than @max_gap since the last
 * one is a pause of ours, reported to every detector (true is returned
 * so the caller tells the elections too).  Then a probe to every peer,
 * and the clock health verdict.
 */
bool agent_cluster_tick(struct agent_cluster *c, uint64_t mono,
			uint64_t real, uint64_t max_gap);

/*
 * Read the next datagram: 1 with @m from a known peer (bookkeeping done;
 * probes are answered here and not returned), 0 when there is none.
 */
int agent_cluster_receive(struct agent_cluster *c, struct stockade_pw_msg *m,
			  uint64_t mono, uint64_t real);

/* The peers' part of the status, as text or JSON. */
void agent_cluster_status(const struct agent_cluster *c, uint64_t mono,
			  bool json, FILE *out);

#endif /* STOCKADE_AGENT_CLUSTER_H */
