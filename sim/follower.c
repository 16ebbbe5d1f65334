// SPDX-License-Identifier: GPL-2.0
/*
 * A replica's side of replication, as kmod/replication.c and net.c: each
 * APPEND through the replica rules (core/replica.c), a newer term made
 * durable first, a divergent suffix cut after raising the log epoch, the
 * new entries written, and the reply sent once they are durable; and the
 * keepalives, which fence on a newer term and carry the commit index.
 */
#include "../core/replica.h"
#include "../core/wire.h"
#include "modint.h"

/* @hint goes out with a mismatch only, as kmod/replication.c sends it. */
static void reply(struct sim_world *w, struct sim_node *nd, u32 to, u64 term,
		  enum stockade_append_verdict v, u64 match, u64 sent_last,
		  const struct stockade_append_hint *hint)
{
	struct sim_msg msg = {
		.kind = SIM_MSG_APPEND_REPLY, .from = nd->id, .to = (u8)to,
		.term = term,
	};
	struct stockade_wire_append_reply *b = &msg.u.reply.body;

	b->verdict = cpu_to_le32(v);
	b->match_index = cpu_to_le64(match);
	b->last_index = cpu_to_le64(nd->mod.last_index);
	if (v == STOCKADE_APPEND_MISMATCH && hint) {
		b->conflict_term = cpu_to_le64(hint->term);
		b->conflict_index = cpu_to_le64(hint->index);
	}
	msg.u.reply.sent_last = sent_last;
	sim_send(w, &msg);
}

void sim_mod_finish_follower_write(struct sim_world *w, struct sim_node *nd)
{
	struct sim_mod *m = &nd->mod;
	struct sim_follower_write *fw = &m->fw;

	fw->active = false;
	if (m->leader_match_term != fw->term)
		m->leader_match = 0;
	m->leader_match_term = fw->term;
	if (fw->match > m->leader_match)
		m->leader_match = fw->match;
	sim_mod_follower_commit(w, nd, fw->commit);
	reply(w, nd, fw->to, fw->term, STOCKADE_APPEND_OK, fw->match,
	      fw->sent_last, NULL);
}

/*
 * What kmod/net.c checks of a message before anything else (header,
 * checksum, and each entry's header, crc and sequence); a failure drops
 * the connection.
 */
static bool parse(const struct sim_msg *msg, struct stockade_wire_msg *wm,
		  struct stockade_wire_append_view *v)
{
	const struct sim_append *a = &msg->u.append;

	return stockade_wire_check_hdr(&a->hdr, wm) == STOCKADE_WIRE_OK &&
	       wm->type == STOCKADE_MSG_APPEND &&
	       wm->body_len <= sizeof(a->body) &&
	       wm->from_node == msg->from &&
	       stockade_wire_verify(&a->hdr, a->body) == STOCKADE_WIRE_OK &&
	       stockade_wire_parse_append(a->body, wm->body_len, v) ==
	       STOCKADE_WIRE_OK;
}

static bool truncate_log(struct sim_node *nd, u64 from)
{
	struct sim_mod *m = &nd->mod;

	if (from <= m->commit_index || from > m->last_index)
		return false;
	sim_mod_persist(nd, m->term, m->voted_for, m->epoch + 1);
	m->last_index = from - 1;
	m->last_term = sim_term_at(m, m->last_index);
	if (m->submitted > m->last_index)
		m->submitted = m->last_index;
	if (m->durable > m->last_index)
		m->durable = m->last_index;
	return true;
}

static void write_entries(struct sim_world *w, struct sim_node *nd,
			  const struct stockade_wire_append_view *v,
			  const struct stockade_append_plan *plan)
{
	struct sim_mod *m = &nd->mod;
	u64 i;

	for (i = plan->first_new; i <= plan->last_new; i++) {
		m->log[i] = v->entries[i - v->prev_index - 1];
		sim_check_entry(&w->chk, &m->log[i], w->now);
	}
	m->last_index = plan->last_new;
	m->last_term = sim_term_at(m, m->last_index);
	sim_mod_kick_disk(w, nd);
}

static enum stockade_append_verdict
follower_append(struct sim_world *w, struct sim_node *nd,
		const struct stockade_wire_msg *wm,
		const struct stockade_wire_append_view *a,
		struct stockade_append_hint *hint)
{
	struct sim_mod *m = &nd->mod;
	u64 terms[SIM_APPEND_MAX];
	struct stockade_replica_state st = {
		.current_term = m->term, .last_index = m->last_index,
		.commit_index = m->commit_index, .term_at = sim_term_at,
		.log = m,
	};
	struct stockade_append_req req = {
		.term = wm->term, .prev_index = a->prev_index,
		.prev_term = a->prev_term, .leader_commit = a->leader_commit,
		.n_entries = a->n_entries, .entry_terms = terms,
	};
	struct stockade_append_plan plan;
	enum stockade_append_verdict v;
	u32 i;

	if (a->n_entries > SIM_APPEND_MAX ||
	    a->prev_index + a->n_entries >= nd->disk.cap)
		return STOCKADE_APPEND_BAD_REQUEST;
	for (i = 0; i < a->n_entries; i++)
		terms[i] = sim_entry_term(&a->entries[i]);
	if (w->cfg.bug == SIM_BUG_STALE_TERM && wm->term < st.current_term)
		st.current_term = wm->term;
	v = stockade_replica_append(&st, &req, &plan);
	*hint = plan.hint;
	if (v == STOCKADE_APPEND_STALE_TERM) {
		w->stats.stale_refused++;
		return v;
	}
	if (plan.persist_term && plan.new_term > m->term)
		sim_mod_adopt_term(w, nd, plan.new_term);
	if (v != STOCKADE_APPEND_OK)
		return v;
	if (m->role == SIM_LEADER)
		return STOCKADE_APPEND_BAD_REQUEST;
	sim_check_accept(&w->chk, nd, wm->term, w->now);
	if (plan.truncate_from && !truncate_log(nd, plan.truncate_from))
		return STOCKADE_APPEND_BAD_REQUEST;
	w->stats.truncations += plan.truncate_from != 0;
	if (plan.first_new)
		write_entries(w, nd, a, &plan);
	m->fw = (struct sim_follower_write){
		.active = true, .to = (u8)wm->from_node, .term = m->term,
		.match = plan.match_index, .commit = plan.commit_index,
		.sent_last = a->prev_index + a->n_entries,
	};
	if (!nd->disk.busy)
		sim_mod_finish_follower_write(w, nd);
	return v;
}

void sim_mod_on_append(struct sim_world *w, struct sim_node *nd,
		       const struct sim_msg *msg)
{
	struct stockade_wire_append_view view;
	struct stockade_append_hint hint = { 0 };
	struct stockade_wire_msg wm;
	enum stockade_append_verdict v;

	if (!parse(msg, &wm, &view)) {
		/* The leader's APPEND goes unanswered: it reconnects. */
		w->stats.malformed++;
		return;
	}
	v = follower_append(w, nd, &wm, &view, &hint);
	/* A reply for OK goes out once the entries are durable. */
	if (v != STOCKADE_APPEND_OK)
		reply(w, nd, wm.from_node, nd->mod.term, v, 0,
		      view.prev_index + view.n_entries, &hint);
}

/* kmod/net.c on_keepalive(): a newer term fences; a leader's commits. */
void sim_mod_on_keepalive(struct sim_world *w, struct sim_node *nd,
			 const struct sim_msg *msg)
{
	struct sim_mod *m = &nd->mod;

	if (msg->term > m->term)
		sim_mod_adopt_term(w, nd, msg->term);
	if (msg->u.ka.role == SIM_LEADER && msg->term == m->term &&
	    m->role != SIM_LEADER)
		sim_mod_follower_commit(w, nd, msg->u.ka.commit);
}
