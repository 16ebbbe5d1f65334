// SPDX-License-Identifier: GPL-2.0
/*
 * One device's election, performed (leadership.h).  Actions run in the
 * order the state machine emits them; a module answer to a vote feeds
 * back in at once, and its own actions run before the rest.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/stockade.h>
#include <systemd/sd-daemon.h>

#include "leadership.h"
#include "modctl.h"
#include "voteevents.h"

#define MS	1000000ULL

static void perform(struct agent_leadership *l, struct agent_world *w,
		    const struct stockade_elect_out *out);

static const uint8_t to_pw[] = {
	[STOCKADE_ELECT_MSG_HEARTBEAT]		= STOCKADE_PW_HEARTBEAT,
	[STOCKADE_ELECT_MSG_HEARTBEAT_ACK]	= STOCKADE_PW_HEARTBEAT_ACK,
	[STOCKADE_ELECT_MSG_VOTE]		= STOCKADE_PW_VOTE,
	[STOCKADE_ELECT_MSG_VOTE_REPLY]		= STOCKADE_PW_VOTE_REPLY,
	[STOCKADE_ELECT_MSG_TIMEOUT_NOW]	= STOCKADE_PW_TIMEOUT_NOW,
};

static void emit_line(void *ctx, const char *line)
{
	agent_events_emit(ctx, "%s", line);
}

static void send_msg(struct agent_world *w, const struct stockade_elect_msg *e)
{
	struct stockade_pw_msg m = {
		.type = e->type < sizeof(to_pw) ? to_pw[e->type] : 0,
		.flags = (e->granted ? STOCKADE_PW_GRANTED : 0) |
			 (e->transfer ? STOCKADE_PW_TRANSFER : 0),
		.verdict = e->verdict <= STOCKADE_PW_VERDICT_MAX ? e->verdict : 0,
		.device = (uint16_t)w->dev->cfg->minor,
		.term = e->term, .last_index = e->last_index,
		.last_term = e->last_term, .lease_sent = e->sent_ns,
		.commit_index = w->dev->st.commit_index,
	};

	if (!m.type)
		return;
	if (e->pre_vote && m.type == STOCKADE_PW_VOTE)
		m.type = STOCKADE_PW_PRE_VOTE;
	if (e->pre_vote && m.type == STOCKADE_PW_VOTE_REPLY)
		m.type = STOCKADE_PW_PRE_VOTE_REPLY;
	agent_cluster_send(w->cluster, &m, e->to, w->mono, w->real);
}

static bool from_pw(const struct stockade_pw_msg *m,
		    struct stockade_elect_msg *e)
{
	static const uint8_t types[] = {
		[STOCKADE_PW_HEARTBEAT]		= STOCKADE_ELECT_MSG_HEARTBEAT,
		[STOCKADE_PW_HEARTBEAT_ACK]	= STOCKADE_ELECT_MSG_HEARTBEAT_ACK,
		[STOCKADE_PW_PRE_VOTE]		= STOCKADE_ELECT_MSG_VOTE,
		[STOCKADE_PW_PRE_VOTE_REPLY]	= STOCKADE_ELECT_MSG_VOTE_REPLY,
		[STOCKADE_PW_VOTE]		= STOCKADE_ELECT_MSG_VOTE,
		[STOCKADE_PW_VOTE_REPLY]	= STOCKADE_ELECT_MSG_VOTE_REPLY,
		[STOCKADE_PW_TIMEOUT_NOW]	= STOCKADE_ELECT_MSG_TIMEOUT_NOW,
	};

	if (m->type >= sizeof(types) || !types[m->type])
		return false;
	*e = (struct stockade_elect_msg) {
		.type = types[m->type],
		.verdict = m->verdict,
		.pre_vote = m->type == STOCKADE_PW_PRE_VOTE ||
			    m->type == STOCKADE_PW_PRE_VOTE_REPLY,
		.granted = m->flags & STOCKADE_PW_GRANTED,
		.transfer = m->flags & STOCKADE_PW_TRANSFER,
		.from = m->from, .to = m->to, .term = m->term,
		.last_index = m->last_index, .last_term = m->last_term,
		.sent_ns = m->lease_sent,
	};
	return true;
}

/* PERSIST_VOTE: the module decides durably; its answer goes back in. */
static void persist_vote(struct agent_leadership *l, struct agent_world *w,
			 const struct stockade_vote_req *req)
{
	struct stockade_mod_vote v = {
		.term = req->term, .candidate = req->candidate,
		.last_index = req->last_index, .last_term = req->last_term,
	};
	struct stockade_elect_vote_answer ans = { .req = *req };
	struct stockade_elect_out out;
	uint64_t term = 0;
	uint8_t result;

	ans.ok = !stockade_mod_vote(w->nl, w->dev->index, &v, &result, &term,
				    &ans.voted_for);
	ans.term = term;
	ans.granted = ans.ok && result == STOCKADE_VOTE_RESULT_GRANTED;
	if (!ans.ok)
		fprintf(stderr, SD_WARNING "stockade%u: vote for %u in term %llu: %s\n",
			w->dev->index, req->candidate,
			(unsigned long long)req->term, w->nl->errmsg[0] ?
			w->nl->errmsg : "the module did not answer");
	stockade_elect_vote_done(&l->e, &ans, w->mono, &out);
	perform(l, w, &out);
}

static void set_role(struct agent_leadership *l, struct agent_world *w,
		     uint8_t role, uint64_t term)
{
	struct stockade_elect_out out;
	int err = stockade_mod_set_role(w->nl, w->dev->index, role, term);

	if (!err || role != STOCKADE_ROLE_LEADER)
		return;
	fprintf(stderr, SD_WARNING "stockade%u: cannot lead term %llu: %s\n",
		w->dev->index, (unsigned long long)term,
		stockade_nl_strerror(w->nl, err));
	l->cause = "module-refused";
	stockade_elect_step_down(&l->e, w->mono, &out);
	perform(l, w, &out);
}

static void grant(struct agent_leadership *l, struct agent_world *w,
		  const struct stockade_elect_action *a)
{
	int err = stockade_mod_grant(w->nl, w->dev->index, a->term,
				     a->start_ns, a->duration_ns);

	/* ETIME: already over by the time it arrived; the next one counts. */
	if (err && err != -ETIME && !l->lease_errors++)
		fprintf(stderr, SD_WARNING "stockade%u: lease for term %llu: %s\n",
			w->dev->index, (unsigned long long)a->term,
			stockade_nl_strerror(w->nl, err));
}

static void perform(struct agent_leadership *l, struct agent_world *w,
		    const struct stockade_elect_out *out)
{
	const struct stockade_elect_action *a;
	uint32_t i;

	/* Not logged: a node cut off from a majority asks every timeout. */
	agent_vote_events(out, w->dev->index, emit_line, w->events);
	for (i = 0; i < out->n; i++) {
		a = &out->a[i];
		switch (a->kind) {
		case STOCKADE_ELECT_ACT_SEND:
			send_msg(w, &a->msg);
			break;
		case STOCKADE_ELECT_ACT_PERSIST_VOTE:
			persist_vote(l, w, &a->vote);
			break;
		case STOCKADE_ELECT_ACT_PERSIST_TERM:
		case STOCKADE_ELECT_ACT_BECOME_FOLLOWER:
			set_role(l, w, STOCKADE_ROLE_FOLLOWER, a->term);
			break;
		case STOCKADE_ELECT_ACT_BECOME_LEADER:
			set_role(l, w, STOCKADE_ROLE_LEADER, a->term);
			break;
		case STOCKADE_ELECT_ACT_GRANT_LEASE:
			grant(l, w, a);
			break;
		}
	}
}

/*
 * A change of role, or a new leader heard of, is logged and becomes an
 * event; a leader that stops leading says why (l->cause, set by whoever
 * drove the state machine).
 */
static void note_role(struct agent_leadership *l, struct agent_world *w)
{
	uint8_t role = stockade_elect_role(&l->e);
	unsigned long long term = stockade_elect_term(&l->e);
	uint32_t leader = stockade_elect_leader(&l->e);

	if (role == l->last_role && (!leader || leader == l->last_leader))
		return;
	l->last_leader = leader;
	if (role != l->last_role && l->last_role == STOCKADE_ELECT_LEADER) {
		if (!strcmp(l->cause, "newer-term") && w->mono < l->transfer_until)
			l->cause = "transferred";
		fprintf(stderr, SD_INFO "stockade%u: stepped down in term %llu: %s\n",
			w->dev->index, term, l->cause);
		agent_events_emit(w->events, "stockade%u stepped-down term=%llu why=%s",
				  w->dev->index, term, l->cause);
	}
	l->last_role = role;
	fprintf(stderr, SD_INFO "stockade%u: %s in term %llu (leader %u)\n",
		w->dev->index, stockade_elect_role_name(role), term,
		stockade_elect_leader(&l->e));
	agent_events_emit(w->events, "stockade%u role role=%s term=%llu leader=%u",
			  w->dev->index, stockade_elect_role_name(role), term,
			  stockade_elect_leader(&l->e));
}

/* Perform what one call of the state machine asked for, caused by @why. */
static void run_out(struct agent_leadership *l, struct agent_world *w,
		    const char *why, const struct stockade_elect_out *out)
{
	l->cause = why;
	perform(l, w, out);
	note_role(l, w);
}

static void elect_config(const struct stockade_config *c,
			 struct stockade_elect_config *ec)
{
	unsigned int i;

	*ec = (struct stockade_elect_config) {
		.self = c->node_id,
		.n_peers = c->n_peers,
		.heartbeat_ns = c->heartbeat_ms * MS,
		.election_base_ns = (c->fixed_timeout_ms ? c->fixed_timeout_ms :
				     c->election_timeout_ms) * MS,
		.lease_ns = c->lease_ms * MS,
	};
	for (i = 0; i < c->n_peers; i++)
		ec->peers[i] = c->peers[i].id;
}

bool agent_leadership_config_valid(const struct stockade_config *c)
{
	struct stockade_elect_config ec;

	elect_config(c, &ec);
	return stockade_elect_config_valid(&ec);
}

bool agent_leadership_start(struct agent_leadership *l,
			    const struct stockade_config *c,
			    struct agent_world *w)
{
	struct stockade_elect_config ec;
	const struct stockade_mod_state *st = &w->dev->st;

	elect_config(c, &ec);
	memset(l, 0, sizeof(*l));
	l->cfg = c;
	l->cause = "none";
	l->running = stockade_elect_init(&l->e, &ec, st->term, st->voted_for,
					 st->last_index, st->last_term, w->mono);
	if (!l->running)
		fprintf(stderr, SD_ERR "stockade%u: the election refuses the timing (heartbeat_ms must be below lease_ms)\n",
			w->dev->index);
	return l->running;
}

void agent_leadership_retime(struct agent_leadership *l)
{
	l->retime = l->running;
}

bool agent_leadership_retime_pending(const struct agent_leadership *l)
{
	return l->retime;
}

/*
 * New timing takes effect by starting the election again from the
 * module's durable term, vote and log, as an agent restart would.  A
 * leader keeps its timing until it stops leading, so that a reload
 * never costs the cluster its leader.
 */
static void apply_retime(struct agent_leadership *l, struct agent_world *w)
{
	uint8_t role = l->last_role;

	if (!l->retime || stockade_elect_role(&l->e) == STOCKADE_ELECT_LEADER)
		return;
	if (!agent_leadership_start(l, l->cfg, w))
		return;
	fprintf(stderr, SD_INFO "stockade%u: election restarted with heartbeat %u ms, election timeout %u ms\n",
		w->dev->index, l->cfg->heartbeat_ms,
		l->cfg->election_timeout_ms);
	/* Starting over as a follower is a change of role worth reporting. */
	l->last_role = role;
	note_role(l, w);
}

/*
 * The election timeout follows the leader we follow: its phi detector
 * and the measured RTT of the path to it (agent_peer_timeout_ns(),
 * core/netrtt.h), within 3 heartbeats and election_timeout_ms.
 */
static void adapt_timeout(struct agent_leadership *l, struct agent_world *w)
{
	struct agent_peer *p = agent_cluster_peer(w->cluster,
						  stockade_elect_leader(&l->e));

	if (!p)
		return;
	stockade_elect_set_election_base(&l->e,
		agent_peer_timeout_ns(p, &w->cluster->peer_cfg));
}

void agent_leadership_tick(struct agent_leadership *l, struct agent_world *w,
			   const char *ineligible, uint32_t rand)
{
	struct stockade_elect_out out;

	if (!l->running)
		return;
	apply_retime(l, w);
	stockade_elect_set_log(&l->e, w->dev->st.last_index,
			       w->dev->st.last_term);
	if (w->dev->st.term > stockade_elect_term(&l->e)) {
		stockade_elect_term_seen(&l->e, w->dev->st.term, w->mono, &out);
		run_out(l, w, "newer-term", &out);
	}
	if (w->dev->st.disk_failed)
		ineligible = "disk-failed";
	stockade_elect_set_eligible(&l->e, !ineligible, w->mono, &out);
	run_out(l, w, ineligible ? ineligible : "none", &out);
	adapt_timeout(l, w);
	stockade_elect_tick(&l->e, w->mono, rand, &out);
	run_out(l, w, "check-quorum", &out);
}

void agent_leadership_receive(struct agent_leadership *l,
			      struct agent_world *w,
			      const struct stockade_pw_msg *m)
{
	struct stockade_elect_out out;
	struct stockade_elect_msg e;

	if (!l->running || !from_pw(m, &e))
		return;
	stockade_elect_receive(&l->e, &e, w->mono, &out);
	run_out(l, w, "newer-term", &out);
}

void agent_leadership_paused(struct agent_leadership *l, uint64_t from,
			     uint64_t to)
{
	if (l->running)
		stockade_elect_paused(&l->e, from, to);
}

bool agent_leadership_promote(struct agent_leadership *l,
			      struct agent_world *w)
{
	struct stockade_elect_out out;
	bool ok;

	if (!l->running)
		return false;
	/* The operator overrides a demotion; the clock check still holds. */
	stockade_elect_set_eligible(&l->e, w->cluster->clock_healthy, w->mono,
				    &out);
	run_out(l, w, "clock-unhealthy", &out);
	ok = stockade_elect_campaign(&l->e, w->mono, true, &out);
	run_out(l, w, "promoted", &out);
	return ok;
}

/* Step down now; the caller keeps the node ineligible from here on. */
bool agent_leadership_demote(struct agent_leadership *l,
			     struct agent_world *w)
{
	struct stockade_elect_out out;

	if (!l->running)
		return false;
	stockade_elect_set_eligible(&l->e, false, w->mono, &out);
	run_out(l, w, "demoted", &out);
	return true;
}

bool agent_leadership_transfer(struct agent_leadership *l,
			       struct agent_world *w, uint32_t to)
{
	struct stockade_elect_out out;
	bool ok;

	if (!l->running)
		return false;
	ok = stockade_elect_transfer(&l->e, to, w->mono, &out);
	/* A newer term within the transfer's time is the transferee's. */
	if (ok)
		l->transfer_until = w->mono + l->cfg->election_timeout_ms * MS;
	run_out(l, w, "transferred", &out);
	return ok;
}
