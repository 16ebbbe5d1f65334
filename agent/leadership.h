/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The election of one device (core/election.c), wired to the world: its
 * messages travel as agent datagrams, its votes, roles and leases go to
 * the module, and its timeout follows the failure detector.
 */
#ifndef STOCKADE_AGENT_LEADERSHIP_H
#define STOCKADE_AGENT_LEADERSHIP_H

#include <stdbool.h>
#include <stdint.h>

#include "cluster.h"
#include "devices.h"
#include "election.h"
#include "events.h"
#include "nl.h"

struct agent_leadership {
	struct stockade_elect e;
	const struct stockade_config *cfg;
	bool running;
	bool retime;			/* new timing, not applied yet */
	uint8_t last_role;		/* for the log and the events */
	uint32_t last_leader;		/* the leader last reported, 0: none */
	/* Why the state machine was driven: a leader's step down says it. */
	const char *cause;
	uint64_t transfer_until;	/* monotonic end of a transfer */
	uint64_t lease_errors;
};

/* Everything an action may need, for the duration of one call. */
struct agent_world {
	struct agent_cluster *cluster;
	struct stockade_nl *nl;
	struct agent_device *dev;
	struct agent_events *events;
	uint64_t mono, real;
};

/* Whether the election accepts @c's timing (heartbeat below the lease). */
bool agent_leadership_config_valid(const struct stockade_config *c);

/*
 * Start from the module's term, vote and log; false on a bad config.
 * @c must outlive @l: a reload changes its timing in place.
 */
bool agent_leadership_start(struct agent_leadership *l,
			    const struct stockade_config *c,
			    struct agent_world *w);

/*
 * The timing in the configuration changed: the election starts again
 * with it at the next tick when this node does not lead, or once it
 * stops leading.
 */
void agent_leadership_retime(struct agent_leadership *l);
bool agent_leadership_retime_pending(const struct agent_leadership *l);

/*
 * Each tick: new timing, eligibility (@ineligible names why this node
 * may not lead: "clock-unhealthy", "demoted"; NULL if it may), adaptive
 * timeout, then the timers.
 */
void agent_leadership_tick(struct agent_leadership *l, struct agent_world *w,
			   const char *ineligible, uint32_t rand);

/* An election datagram for this device. */
void agent_leadership_receive(struct agent_leadership *l,
			      struct agent_world *w,
			      const struct stockade_pw_msg *m);

void agent_leadership_paused(struct agent_leadership *l, uint64_t from,
			     uint64_t to);

/* Operator requests; false when the state machine refuses. */
bool agent_leadership_promote(struct agent_leadership *l,
			      struct agent_world *w);
bool agent_leadership_demote(struct agent_leadership *l,
			     struct agent_world *w);
bool agent_leadership_transfer(struct agent_leadership *l,
			       struct agent_world *w, uint32_t to);

#endif /* STOCKADE_AGENT_LEADERSHIP_H */
