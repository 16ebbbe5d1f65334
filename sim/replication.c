// SPDX-License-Identifier: GPL-2.0
/*
 * The leader's side of replication, as kmod/replication.c: one APPEND in
 * flight per follower (core/progress.c), answers moving the commit index,
 * a reconnect when an APPEND goes unanswered; the keepalives every node
 * sends; and the order in which module messages are taken: behind a
 * follower's log write, as behind the device lock.
 */
#include "../core/replica.h"
#include "../core/wire.h"
#include "modint.h"

static void replicate(struct sim_world *w, struct sim_node *nd, u32 slot)
{
	struct sim_mod *m = &nd->mod;
	struct sim_msg msg = { .kind = SIM_MSG_APPEND, .from = nd->id };
	struct sim_append *a = &msg.u.append;
	struct stockade_wire_append *b = (void *)a->body;
	u64 first;
	u32 count, len;

	if (m->role != SIM_LEADER ||
	    !stockade_progress_next(&m->prog[slot], 1, m->durable,
				    SIM_APPEND_MAX, &first, &count))
		return;
	if (sim_disk_read_fails(&nd->disk, &w->rng)) {
		m->prog[slot].inflight = false;	/* retried at the next tick */
		return;
	}
	msg.to = sim_slot_peer(nd->id, slot);
	msg.term = m->term;
	b->prev_index = cpu_to_le64(first - 1);
	b->prev_term = cpu_to_le64(sim_term_at(m, first - 1));
	b->leader_commit = cpu_to_le64(m->commit_index);
	b->n_entries = cpu_to_le32(count);
	memcpy(b->entries, &m->log[first], count * sizeof(b->entries[0]));
	len = sizeof(*b) + count * sizeof(b->entries[0]);
	stockade_wire_seal(&a->hdr, STOCKADE_MSG_APPEND, m->term, nd->id, b,
			   len);
	m->sent_last[slot] = first + count - 1;
	m->sent_at[slot] = sim_local(w, nd);
	sim_send(w, &msg);
}

static void replicate_all(struct sim_world *w, struct sim_node *nd)
{
	u32 i;

	for (i = 0; i < sim_n_peers(w); i++)
		replicate(w, nd, i);
}

/* Round trips that a follower refused in a row, the longest of the run. */
static void count_backoff(struct sim_world *w, struct sim_mod *m, u32 slot,
			  enum stockade_append_verdict v)
{
	if (v == STOCKADE_APPEND_OK) {
		m->refused_run[slot] = 0;
		return;
	}
	if (v != STOCKADE_APPEND_GAP && v != STOCKADE_APPEND_MISMATCH)
		return;
	w->stats.refusals++;
	if (++m->refused_run[slot] > w->stats.longest_backoff)
		w->stats.longest_backoff = m->refused_run[slot];
}

/* kmod/replication.c: the reply checked by core/wire.c, then progress. */
static bool take_reply(struct sim_world *w, struct sim_node *nd, u32 slot,
		       const struct sim_msg *msg)
{
	struct sim_mod *m = &nd->mod;
	const struct stockade_wire_msg wm = {
		.type = STOCKADE_MSG_APPEND_REPLY, .term = msg->term,
		.body_len = sizeof(msg->u.reply.body), .from_node = msg->from,
	};
	const struct stockade_leader_log log = {
		.term = m->term, .first = 1, .term_at = sim_term_at, .log = m,
	};
	struct stockade_wire_append_reply_view r;
	struct stockade_append_answer a;
	enum stockade_wire_error err;

	/* Replies are never damaged here: a refusal is the sender's fault. */
	err = stockade_wire_parse_append_reply(&wm, &msg->u.reply.body, &r);
	if (err) {
		sim_check_fail(&w->chk, w->now, "node %u sent a bad reply: %s",
			       msg->from, stockade_wire_error_name(err));
		return false;
	}
	a = (struct stockade_append_answer){
		.verdict = r.verdict, .match = r.match_index,
		.follower_last = r.last_index,
		.sent_last = msg->u.reply.sent_last, .hint = r.hint,
	};
	count_backoff(w, m, slot, a.verdict);
	return stockade_progress_on_reply(&m->prog[slot], &a,
					  w->cfg.no_hint ? NULL : &log);
}

static void on_reply(struct sim_world *w, struct sim_node *nd,
		     const struct sim_msg *msg)
{
	struct sim_mod *m = &nd->mod;
	int slot = sim_peer_slot(nd->id, msg->from, w->n);

	if (msg->term > m->term) {
		sim_mod_adopt_term(w, nd, msg->term);
		return;
	}
	if (m->role != SIM_LEADER || msg->term != m->term || slot < 0)
		return;
	/* A reply that cannot be right drops the connection: start over. */
	if (!take_reply(w, nd, (u32)slot, msg))
		stockade_progress_reset(&m->prog[slot], m->last_index);
	sim_mod_update_commit(w, nd);
	replicate(w, nd, (u32)slot);
}

static void defer(struct sim_node *nd, const struct sim_msg *msg)
{
	struct sim_mod *m = &nd->mod;

	/* A full queue drops the message, as a stalled connection would. */
	if (m->n_deferred < SIM_MAX_DEFERRED)
		m->deferred[m->n_deferred++] = *msg;
}

static void dispatch(struct sim_world *w, struct sim_node *nd,
		     const struct sim_msg *msg)
{
	switch (msg->kind) {
	case SIM_MSG_APPEND:
		sim_mod_on_append(w, nd, msg);
		break;
	case SIM_MSG_APPEND_REPLY:
		on_reply(w, nd, msg);
		break;
	case SIM_MSG_KEEPALIVE:
		sim_mod_on_keepalive(w, nd, msg);
		break;
	}
}

void sim_mod_receive(struct sim_world *w, struct sim_node *nd,
		     const struct sim_msg *msg)
{
	/* Behind a follower's write, or an APPEND while the disk is busy. */
	if (nd->mod.fw.active || nd->mod.n_deferred ||
	    (msg->kind == SIM_MSG_APPEND && nd->disk.busy)) {
		defer(nd, msg);
		return;
	}
	dispatch(w, nd, msg);
}

static void drain(struct sim_world *w, struct sim_node *nd)
{
	struct sim_mod *m = &nd->mod;
	struct sim_msg msg;
	u32 i;

	while (m->n_deferred && !m->fw.active &&
	       !(m->deferred[0].kind == SIM_MSG_APPEND && nd->disk.busy)) {
		msg = m->deferred[0];
		for (i = 1; i < m->n_deferred; i++)
			m->deferred[i - 1] = m->deferred[i];
		m->n_deferred--;
		dispatch(w, nd, &msg);
	}
}

void sim_mod_disk_done(struct sim_world *w, struct sim_node *nd, u32 gen)
{
	struct sim_mod *m = &nd->mod;

	if (gen != m->disk_gen || !nd->disk.busy)
		return;
	sim_disk_complete(&nd->disk);
	m->durable = nd->disk.first + nd->disk.n - 1;
	sim_mod_kick_disk(w, nd);
	if (m->fw.active && !nd->disk.busy)
		sim_mod_finish_follower_write(w, nd);
	sim_mod_update_commit(w, nd);
	replicate_all(w, nd);
	drain(w, nd);
}

static void send_keepalives(struct sim_world *w, struct sim_node *nd)
{
	struct sim_msg msg = { .kind = SIM_MSG_KEEPALIVE, .from = nd->id };
	u32 i;

	msg.term = nd->mod.term;
	msg.u.ka.commit = nd->mod.commit_index;
	msg.u.ka.role = nd->mod.role;
	for (i = 1; i <= w->n; i++) {
		if (i == nd->id)
			continue;
		msg.to = (u8)i;
		sim_send(w, &msg);
	}
}

void sim_mod_tick(struct sim_world *w, struct sim_node *nd)
{
	struct sim_mod *m = &nd->mod;
	u64 now = sim_local(w, nd);
	u32 i;

	send_keepalives(w, nd);
	if (m->role != SIM_LEADER)
		return;
	for (i = 0; i < sim_n_peers(w); i++) {
		/* No answer in time: the connection is re-established. */
		if (m->prog[i].inflight &&
		    now - m->sent_at[i] > SIM_REPL_TIMEOUT_NS)
			stockade_progress_reset(&m->prog[i], m->last_index);
		replicate(w, nd, i);
	}
}

void sim_mod_peer_up(struct sim_world *w, struct sim_node *nd, u32 id)
{
	int slot = sim_peer_slot(nd->id, id, w->n);

	if (slot < 0)
		return;
	stockade_progress_reset(&nd->mod.prog[slot], nd->mod.last_index);
	replicate(w, nd, (u32)slot);
}
