/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's half of a node, as agent/leadership.c drives the election
 * state machine (core/election.c): it ticks at the machine's deadlines,
 * performs its actions in order against the module (vote, role, lease)
 * and the network, feeds the phi detector (core/phi.c) with heartbeats,
 * and sets the election timeout from it (core/netrtt.c).  It also takes
 * the operator's transfer and promote, and comes back from a pause.
 */
#ifndef _STOCKADE_SIM_AGENT_H
#define _STOCKADE_SIM_AGENT_H

#include "world.h"

/* Start from the module's durable state (after sim_mod_boot()). */
bool sim_agent_start(struct sim_world *w, struct sim_node *nd);

void sim_agent_tick(struct sim_world *w, struct sim_node *nd, u32 gen);
void sim_agent_receive(struct sim_world *w, struct sim_node *nd,
		       const struct sim_msg *m);

/* The agent's process stops for @ns of true time; the module runs on. */
void sim_agent_pause(struct sim_world *w, struct sim_node *nd, u64 ns);
void sim_agent_resume(struct sim_world *w, struct sim_node *nd);

/* stockadectl transfer-leadership (to a random peer) and promote. */
bool sim_agent_transfer(struct sim_world *w, struct sim_node *nd);
bool sim_agent_promote(struct sim_world *w, struct sim_node *nd);

static inline bool sim_agent_leads(const struct sim_node *nd)
{
	return stockade_elect_role(&nd->agent.e) == STOCKADE_ELECT_LEADER;
}

#endif /* _STOCKADE_SIM_AGENT_H */
