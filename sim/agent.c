// SPDX-License-Identifier: GPL-2.0
/*
 * The agent (see agent.h), following agent/leadership.c: actions run in
 * the order the state machine emits them, a vote's answer feeds back in
 * at once and its own actions run before the rest.
 */
#include "../core/netrtt.h"
#include "agent.h"
#include "module.h"

static void perform(struct sim_world *w, struct sim_node *nd,
		    const struct stockade_elect_out *out);

static u64 now_local(struct sim_world *w, struct sim_node *nd)
{
	return sim_local(w, nd);
}

static void send_elect(struct sim_world *w, struct sim_node *nd,
		       const struct stockade_elect_msg *e)
{
	struct sim_msg m = {
		.kind = SIM_MSG_ELECT, .from = nd->id, .to = (u8)e->to,
		.term = e->term,
	};

	m.u.elect = *e;
	sim_send(w, &m);
}

/* PERSIST_VOTE: the module decides durably; its answer goes back in. */
static void persist_vote(struct sim_world *w, struct sim_node *nd,
			 const struct stockade_vote_req *req)
{
	struct stockade_elect_vote_answer ans = { .req = *req };
	struct stockade_elect_out out;

	ans.ok = !sim_mod_vote(w, nd, req, &ans.granted, &ans.term,
			       &ans.voted_for);
	stockade_elect_vote_done(&nd->agent.e, &ans, now_local(w, nd), &out);
	perform(w, nd, &out);
}

static void set_role(struct sim_world *w, struct sim_node *nd, u8 role,
		     u64 term)
{
	struct stockade_elect_out out;

	if (!sim_mod_set_role(w, nd, role, term) || role != SIM_LEADER)
		return;
	stockade_elect_step_down(&nd->agent.e, now_local(w, nd), &out);
	perform(w, nd, &out);
}

static void perform(struct sim_world *w, struct sim_node *nd,
		    const struct stockade_elect_out *out)
{
	const struct stockade_elect_action *a;
	u32 i;

	if (out->overflow)
		sim_check_fail(&w->chk, w->now, "node %u: the election state machine dropped an action",
			       nd->id);
	for (i = 0; i < out->n && nd->up; i++) {
		a = &out->a[i];
		switch (a->kind) {
		case STOCKADE_ELECT_ACT_SEND:
			send_elect(w, nd, &a->msg);
			break;
		case STOCKADE_ELECT_ACT_PERSIST_VOTE:
			persist_vote(w, nd, &a->vote);
			break;
		case STOCKADE_ELECT_ACT_PERSIST_TERM:
		case STOCKADE_ELECT_ACT_BECOME_FOLLOWER:
			set_role(w, nd, SIM_FOLLOWER, a->term);
			break;
		case STOCKADE_ELECT_ACT_BECOME_LEADER:
			sim_trace_line(&w->trace, w->now, "n%u agent leads term %llu",
				       nd->id, (unsigned long long)a->term);
			set_role(w, nd, SIM_LEADER, a->term);
			break;
		case STOCKADE_ELECT_ACT_GRANT_LEASE:
			/* ETIME and ESTALE: the next grant counts. */
			sim_mod_grant(w, nd, a->term, a->start_ns,
				      a->duration_ns);
			break;
		}
	}
}

/* Tick at the machine's deadline, and at least once a heartbeat. */
static void schedule_tick(struct sim_world *w, struct sim_node *nd)
{
	struct sim_agent *ag = &nd->agent;
	u64 now = now_local(w, nd), next, at;

	next = stockade_elect_next_deadline(&ag->e);
	if (next > now + SIM_HEARTBEAT_NS)
		next = now + SIM_HEARTBEAT_NS;
	at = sim_timer_at(w, nd, next, SIM_HEARTBEAT_NS);
	if (at < w->now + 1000)
		at = w->now + 1000;
	if (ag->tick_at && ag->tick_at <= at)
		return;
	ag->tick_gen++;
	ag->tick_at = at;
	sim_schedule(w, at, SIM_EV_AGENT_TICK, nd->id, ag->tick_gen);
}

bool sim_agent_start(struct sim_world *w, struct sim_node *nd)
{
	struct sim_agent *ag = &nd->agent;
	struct stockade_elect_config ec = {
		.self = nd->id, .n_peers = w->n - 1,
		.heartbeat_ns = SIM_HEARTBEAT_NS,
		.election_base_ns = SIM_ELECTION_NS,
		.lease_ns = SIM_LEASE_NS,
	};
	struct stockade_phi_config pc;
	u32 gen = ag->tick_gen, i;

	for (i = 0; i < ec.n_peers; i++)
		ec.peers[i] = sim_slot_peer(nd->id, i);
	stockade_phi_config_default(&pc, SIM_HEARTBEAT_NS, SIM_ELECTION_NS);
	ag->paused_until = 0;
	ag->tick_at = 0;
	ag->tick_gen = gen + 1;	/* ticks of the last boot are void */
	for (i = 0; i < ec.n_peers; i++)
		if (stockade_phi_init(&ag->phi[i], &pc) != STOCKADE_PHI_CFG_OK)
			return false;
	if (!stockade_elect_init(&ag->e, &ec, nd->mod.term, nd->mod.voted_for,
				 nd->mod.last_index, nd->mod.last_term,
				 now_local(w, nd)))
		return false;
	schedule_tick(w, nd);
	return true;
}

/*
 * The timeout follows the leader we follow, as agent_peer_timeout_ns():
 * its phi detector, within 3 heartbeats and the election timeout.  The
 * simulation has no RTT measurement: the network terms are 0.
 */
static void adapt_timeout(struct sim_world *w, struct sim_node *nd)
{
	struct sim_agent *ag = &nd->agent;
	int slot = sim_peer_slot(nd->id, stockade_elect_leader(&ag->e), w->n);
	struct stockade_timeout_config tc = {
		.min_ns = 3 * SIM_HEARTBEAT_NS, .max_ns = SIM_ELECTION_NS,
		.heartbeat_ns = SIM_HEARTBEAT_NS,
		.k = STOCKADE_TIMEOUT_DEFAULT_K,
	};

	if (slot < 0)
		return;
	stockade_elect_set_election_base(&ag->e,
		stockade_adaptive_timeout_ns(&tc,
			stockade_phi_timeout_ns(&ag->phi[slot], 0), 0, 0));
}

static void tick(struct sim_world *w, struct sim_node *nd)
{
	struct sim_agent *ag = &nd->agent;
	struct stockade_elect_out out;
	u64 now = now_local(w, nd);

	stockade_elect_set_log(&ag->e, nd->mod.last_index, nd->mod.last_term);
	if (nd->mod.term > stockade_elect_term(&ag->e)) {
		stockade_elect_term_seen(&ag->e, nd->mod.term, now, &out);
		perform(w, nd, &out);
	}
	adapt_timeout(w, nd);
	stockade_elect_tick(&ag->e, now, (u32)sim_rng_next(&w->rng), &out);
	perform(w, nd, &out);
}

void sim_agent_tick(struct sim_world *w, struct sim_node *nd, u32 gen)
{
	struct sim_agent *ag = &nd->agent;

	if (!nd->up || gen != ag->tick_gen)
		return;
	ag->tick_at = 0;
	if (ag->paused_until)
		return;		/* sim_agent_resume() ticks */
	tick(w, nd);
	schedule_tick(w, nd);
}

void sim_agent_receive(struct sim_world *w, struct sim_node *nd,
		       const struct sim_msg *m)
{
	struct sim_agent *ag = &nd->agent;
	struct stockade_elect_out out;
	int slot = sim_peer_slot(nd->id, m->from, w->n);

	if (ag->paused_until) {
		/* It waits in the socket until the process runs again. */
		sim_schedule_delivery(w, ag->paused_until, m);
		return;
	}
	if (slot >= 0 && m->u.elect.type == STOCKADE_ELECT_MSG_HEARTBEAT)
		stockade_phi_heartbeat(&ag->phi[slot], now_local(w, nd));
	stockade_elect_receive(&ag->e, &m->u.elect, now_local(w, nd), &out);
	perform(w, nd, &out);
	schedule_tick(w, nd);
}

void sim_agent_pause(struct sim_world *w, struct sim_node *nd, u64 ns)
{
	struct sim_agent *ag = &nd->agent;

	if (ag->paused_until)
		return;
	ag->paused_until = w->now + ns;
	ag->pause_from = now_local(w, nd);
	sim_schedule(w, ag->paused_until, SIM_EV_RESUME, nd->id, nd->boot);
}

void sim_agent_resume(struct sim_world *w, struct sim_node *nd)
{
	struct sim_agent *ag = &nd->agent;
	u64 now = now_local(w, nd);
	u32 i;

	if (!ag->paused_until)
		return;
	ag->paused_until = 0;
	/* The agent notices the gap by its late tick, as stockaded does. */
	stockade_elect_paused(&ag->e, ag->pause_from, now);
	for (i = 0; i + 1 < w->n; i++)
		stockade_phi_pause(&ag->phi[i], ag->pause_from, now);
	tick(w, nd);
	schedule_tick(w, nd);
}

bool sim_agent_transfer(struct sim_world *w, struct sim_node *nd)
{
	struct stockade_elect_out out;
	u32 to = sim_slot_peer(nd->id, (u32)sim_rng_below(&w->rng, w->n - 1));
	bool ok;

	if (nd->agent.paused_until)
		return false;
	ok = stockade_elect_transfer(&nd->agent.e, to, now_local(w, nd), &out);
	perform(w, nd, &out);
	schedule_tick(w, nd);
	return ok;
}

bool sim_agent_promote(struct sim_world *w, struct sim_node *nd)
{
	struct stockade_elect_out out;
	bool ok;

	if (nd->agent.paused_until)
		return false;
	ok = stockade_elect_campaign(&nd->agent.e, now_local(w, nd), true,
				     &out);
	perform(w, nd, &out);
	schedule_tick(w, nd);
	return ok;
}
