// SPDX-License-Identifier: GPL-2.0
/*
 * The module (see module.h).  Each function follows its counterpart in
 * kmod/: vote.c, blockdev.c (set_role, adopt_term), fence.c, replication.c
 * and net.c (keepalives).  Where the kernel holds the device lock across
 * a synchronous log write (a follower's APPEND), the simulation defers the
 * module messages that arrive meanwhile until the write is durable.
 */
#include <errno.h>

#include "../core/logentry.h"
#include "../core/quorum.h"
#include "../core/replica.h"
#include "../core/vote.h"
#include "module.h"

static u32 drift_ppm(const struct sim_world *w)
{
	return w->cfg.bug == SIM_BUG_NO_DRIFT_MARGIN ? 0 : w->max_drift_ppm;
}

static void persist(struct sim_node *nd, u64 term, u32 voted_for, u32 epoch)
{
	struct sim_mod *m = &nd->mod;

	sim_disk_store_super(&nd->disk, term, voted_for, epoch);
	m->term = term;
	m->voted_for = voted_for;
	m->epoch = epoch;
}

void sim_mod_fail_writes(struct sim_world *w, struct sim_node *nd)
{
	struct sim_mod *m = &nd->mod;
	u32 i;

	for (i = 0; i < m->n_pending; i++)
		sim_client_done(w, m->pending[i].client, false);
	m->n_pending = 0;
}

/* Writes waiting for their commit fail: the fence no longer passes them. */
static void step_down(struct sim_world *w, struct sim_node *nd)
{
	struct sim_mod *m = &nd->mod;

	if (m->role == SIM_LEADER)
		sim_trace_line(&w->trace, w->now, "n%u mod steps down in term %llu",
			       nd->id, (unsigned long long)m->term);
	m->role = SIM_FOLLOWER;
	sim_mod_fail_writes(w, nd);
}

static void adopt_term(struct sim_world *w, struct sim_node *nd, u64 term)
{
	persist(nd, term, 0, nd->mod.epoch);
	step_down(w, nd);
}

/* Hand what is not yet on its way to the disk, as one FUA write. */
static void kick_disk(struct sim_world *w, struct sim_node *nd)
{
	struct sim_mod *m = &nd->mod;
	u64 n = m->last_index - m->submitted;

	if (nd->disk.busy || !n)
		return;
	if (n > SIM_DISK_MAX_WRITE)
		n = SIM_DISK_MAX_WRITE;
	if (!sim_disk_submit(&nd->disk, m->submitted + 1,
			     &m->log[m->submitted + 1], (u32)n))
		return;
	m->submitted += n;
	m->disk_gen++;
	sim_schedule(w, w->now + sim_rng_range(&w->rng, w->disk_min_ns,
					       w->disk_max_ns),
		     SIM_EV_DISK_DONE, nd->id, m->disk_gen);
}

bool sim_mod_boot(struct sim_world *w, struct sim_node *nd)
{
	struct sim_mod *m = &nd->mod;
	struct stockade_log_entry *log = m->log;
	u32 gen = m->disk_gen;

	if (sim_disk_read_fails(&nd->disk, &w->rng))
		return false;
	memset(m, 0, sizeof(*m));
	m->log = log;
	m->disk_gen = gen;	/* a write of the last boot is not this one's */
	m->term = nd->disk.term;
	m->voted_for = nd->disk.voted_for;
	m->epoch = nd->disk.epoch;
	m->last_index = sim_disk_recover(&nd->disk, log);
	m->last_term = sim_term_at(m, m->last_index);
	m->submitted = m->durable = m->last_index;
	return true;
}

int sim_mod_vote(struct sim_world *w, struct sim_node *nd,
		 const struct stockade_vote_req *req, bool *granted,
		 u64 *term, u32 *voted_for)
{
	struct sim_mod *m = &nd->mod;
	struct stockade_vote_state st = {
		.current_term = m->term, .voted_for = m->voted_for,
		.last_index = m->last_index, .last_term = m->last_term,
		.leader_alive = false,
	};
	struct stockade_vote_plan plan;
	enum stockade_vote_verdict v;

	if (w->cfg.bug == SIM_BUG_VOTE_ANY)
		st.last_index = st.last_term = 0;
	v = stockade_vote(&st, req, &plan);
	if (plan.persist) {
		bool newer = plan.new_term > m->term;

		persist(nd, plan.new_term, plan.voted_for, m->epoch);
		if (newer)
			step_down(w, nd);
	}
	*granted = v == STOCKADE_VOTE_GRANTED;
	*term = m->term;
	*voted_for = m->voted_for;
	return 0;
}

static bool append_local(struct sim_world *w, struct sim_node *nd, u32 flags,
			 u64 value)
{
	struct sim_mod *m = &nd->mod;
	struct stockade_log_entry *e;

	/*
	 * No checkpoint frees the log here: client writes leave room for
	 * the barriers of the elections still to come.
	 */
	if (m->last_index + (flags & STOCKADE_ENTRY_FLUSH ? 1 : 1024) >=
	    nd->disk.cap)
		return false;
	e = &m->log[++m->last_index];
	memset(e, 0, sizeof(*e));
	e->term = cpu_to_le64(m->term);
	e->index = cpu_to_le64(m->last_index);
	e->flags = cpu_to_le32(flags);
	if (!(flags & STOCKADE_ENTRY_FLUSH)) {
		e->len = cpu_to_le32(STOCKADE_BLOCK_SIZE);
		e->sector = cpu_to_le64(value * 8);
	}
	stockade_entry_seal(e, NULL);
	m->last_term = m->term;
	sim_check_entry(&w->chk, e, w->now);
	kick_disk(w, nd);
	return true;
}

static u32 n_peers(const struct sim_world *w)
{
	return w->n - 1;
}

/* kmod/blockdev.c become_leader(): barrier, progress, clock-bound wait. */
static int become_leader(struct sim_world *w, struct sim_node *nd)
{
	struct sim_mod *m = &nd->mod;
	u32 i;

	sim_check_new_leader(&w->chk, nd, m->term, w->now);
	m->role = SIM_LEADER;
	if (!append_local(w, nd, STOCKADE_ENTRY_FLUSH, 0)) {
		m->role = SIM_FOLLOWER;
		return -ENOSPC;
	}
	for (i = 0; i < n_peers(w); i++)
		stockade_progress_reset(&m->prog[i], m->last_index);
	m->serve_after_ns = stockade_lease_wait_until(sim_local(w, nd),
						      SIM_LEASE_NS,
						      drift_ppm(w));
	w->stats.elections++;
	sim_trace_line(&w->trace, w->now, "n%u mod leads term %llu, serves after %llu (local)",
		       nd->id, (unsigned long long)m->term,
		       (unsigned long long)m->serve_after_ns);
	return 0;
}

int sim_mod_set_role(struct sim_world *w, struct sim_node *nd, u8 role,
		     u64 term)
{
	struct sim_mod *m = &nd->mod;

	if (term < m->term)
		return -ESTALE;
	if (term > m->term)
		persist(nd, term, 0, m->epoch);
	if (role == SIM_LEADER && m->role != SIM_LEADER)
		return become_leader(w, nd);
	if (role != SIM_LEADER)
		step_down(w, nd);
	return 0;
}

int sim_mod_grant(struct sim_world *w, struct sim_node *nd, u64 term,
		  u64 start_ns, u64 duration_ns)
{
	struct sim_mod *m = &nd->mod;
	enum stockade_lease_verdict v;

	if (term < m->term)
		return -ESTALE;
	if (term > m->term || duration_ns > SIM_LEASE_NS)
		return -EINVAL;
	v = stockade_lease_grant(&m->lease, term, start_ns, duration_ns,
				 drift_ppm(w), sim_local(w, nd));
	if (v == STOCKADE_LEASE_ALREADY_OVER)
		return -ETIME;
	return v == STOCKADE_LEASE_OK ? 0 : -EINVAL;
}

static enum stockade_io_decision fence(const struct sim_world *w,
				       const struct sim_node *nd)
{
	const struct sim_mod *m = &nd->mod;
	struct stockade_fence_input in = {
		.leader = m->role == SIM_LEADER,
		.term = m->term,
		.lease = &m->lease,
		.serve_after_ns = m->serve_after_ns,
		.policy = STOCKADE_POLICY_IO_ERROR,
	};
	u64 now = sim_local(w, nd);

	return stockade_fence_decide(&in, now, now, NULL);
}

bool sim_mod_client_write(struct sim_world *w, struct sim_node *nd,
			  u64 value, u32 client)
{
	struct sim_mod *m = &nd->mod;

	if (fence(w, nd) != STOCKADE_IO_SERVE ||
	    m->n_pending == SIM_MAX_PENDING ||
	    !append_local(w, nd, STOCKADE_ENTRY_WRITE_ZEROES, value))
		return false;
	m->pending[m->n_pending++] =
		(struct sim_pending_write){ m->last_index, value, client };
	return true;
}

/* Complete the writes now committed: acknowledged if the fence passes. */
static void complete_writes(struct sim_world *w, struct sim_node *nd)
{
	struct sim_mod *m = &nd->mod;
	u64 done = w->cfg.bug == SIM_BUG_ACK_EARLY ? m->durable :
		   m->commit_index;
	u32 i, keep = 0;
	bool serve;

	if (!m->n_pending)
		return;
	serve = fence(w, nd) == STOCKADE_IO_SERVE;
	for (i = 0; i < m->n_pending; i++) {
		struct sim_pending_write *p = &m->pending[i];

		if (p->index > done) {
			m->pending[keep++] = *p;
			continue;
		}
		sim_client_done(w, p->client, serve);
		if (!serve)
			continue;	/* failed: the client saw an error */
		sim_trace_line(&w->trace, w->now, "n%u ack write %llu at index %llu",
			       nd->id, (unsigned long long)p->value,
			       (unsigned long long)p->index);
		w->stats.acked++;
		sim_check_ack(&w->chk, nd, p->index, w->node, w->n, w->now);
	}
	m->n_pending = keep;
}

static void set_commit(struct sim_world *w, struct sim_node *nd, u64 commit)
{
	struct sim_mod *m = &nd->mod;

	if (commit <= m->commit_index)
		return;
	sim_check_commit(&w->chk, nd, m->commit_index, commit, w->now);
	m->commit_index = commit;
}

static void update_commit(struct sim_world *w, struct sim_node *nd)
{
	struct sim_mod *m = &nd->mod;
	u64 match[SIM_MAX_NODES];
	u32 i;

	if (m->role != SIM_LEADER)
		return;
	match[0] = m->durable;
	for (i = 0; i < n_peers(w); i++)
		match[i + 1] = m->prog[i].match_index;
	set_commit(w, nd, stockade_quorum_commit(match, w->n, m->commit_index,
						 m->term, sim_term_at, m));
	complete_writes(w, nd);
}

static void replicate(struct sim_world *w, struct sim_node *nd, u32 slot)
{
	struct sim_mod *m = &nd->mod;
	struct sim_msg msg = { .kind = SIM_MSG_APPEND, .from = nd->id };
	struct sim_append *a = &msg.u.append;
	u64 first;
	u32 count;

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
	a->prev_index = first - 1;
	a->prev_term = sim_term_at(m, first - 1);
	a->leader_commit = m->commit_index;
	a->n = count;
	memcpy(a->e, &m->log[first], count * sizeof(a->e[0]));
	m->sent_last[slot] = first + count - 1;
	m->sent_at[slot] = sim_local(w, nd);
	sim_send(w, &msg);
}

static void replicate_all(struct sim_world *w, struct sim_node *nd)
{
	u32 i;

	for (i = 0; i < n_peers(w); i++)
		replicate(w, nd, i);
}

static void reply(struct sim_world *w, struct sim_node *nd, u32 to, u64 term,
		  enum stockade_append_verdict v, u64 match, u64 sent_last)
{
	struct sim_msg msg = {
		.kind = SIM_MSG_APPEND_REPLY, .from = nd->id, .to = (u8)to,
		.term = term,
	};

	msg.u.reply.verdict = v;
	msg.u.reply.match = match;
	msg.u.reply.last_index = nd->mod.last_index;
	msg.u.reply.sent_last = sent_last;
	sim_send(w, &msg);
}

/* kmod/replication.c follower_commit(): never past what matches. */
static void follower_commit(struct sim_world *w, struct sim_node *nd,
			    u64 leader_commit)
{
	struct sim_mod *m = &nd->mod;
	u64 commit = leader_commit < m->leader_match ? leader_commit :
		     m->leader_match;

	if (m->leader_match_term == m->term)
		set_commit(w, nd, commit);
}

static void finish_follower_write(struct sim_world *w, struct sim_node *nd)
{
	struct sim_mod *m = &nd->mod;
	struct sim_follower_write *fw = &m->fw;

	fw->active = false;
	if (m->leader_match_term != fw->term)
		m->leader_match = 0;
	m->leader_match_term = fw->term;
	if (fw->match > m->leader_match)
		m->leader_match = fw->match;
	follower_commit(w, nd, fw->commit);
	reply(w, nd, fw->to, fw->term, STOCKADE_APPEND_OK, fw->match,
	      fw->sent_last);
}

/* What kmod checks of each entry (core/wire.c and the WAL) before use. */
static bool entries_sane(const struct sim_append *a)
{
	u32 i;

	for (i = 0; i < a->n; i++)
		if (!stockade_entry_header_valid(&a->e[i], 0) ||
		    !stockade_entry_intact(&a->e[i], NULL) ||
		    le64_to_cpu(a->e[i].index) != a->prev_index + 1 + i)
			return false;
	return true;
}

static bool truncate_log(struct sim_node *nd, u64 from)
{
	struct sim_mod *m = &nd->mod;

	if (from <= m->commit_index || from > m->last_index)
		return false;
	persist(nd, m->term, m->voted_for, m->epoch + 1);
	m->last_index = from - 1;
	m->last_term = sim_term_at(m, m->last_index);
	if (m->submitted > m->last_index)
		m->submitted = m->last_index;
	if (m->durable > m->last_index)
		m->durable = m->last_index;
	return true;
}

static void write_entries(struct sim_world *w, struct sim_node *nd,
			  const struct sim_append *a,
			  const struct stockade_append_plan *plan)
{
	struct sim_mod *m = &nd->mod;
	u64 i;

	for (i = plan->first_new; i <= plan->last_new; i++) {
		m->log[i] = a->e[i - a->prev_index - 1];
		sim_check_entry(&w->chk, &m->log[i], w->now);
	}
	m->last_index = plan->last_new;
	m->last_term = sim_term_at(m, m->last_index);
	kick_disk(w, nd);
}

static enum stockade_append_verdict
follower_append(struct sim_world *w, struct sim_node *nd,
		const struct sim_msg *msg)
{
	struct sim_mod *m = &nd->mod;
	const struct sim_append *a = &msg->u.append;
	u64 terms[SIM_APPEND_MAX];
	struct stockade_replica_state st = {
		.current_term = m->term, .last_index = m->last_index,
		.commit_index = m->commit_index, .term_at = sim_term_at,
		.log = m,
	};
	struct stockade_append_req req = {
		.term = msg->term, .prev_index = a->prev_index,
		.prev_term = a->prev_term, .leader_commit = a->leader_commit,
		.n_entries = a->n, .entry_terms = terms,
	};
	struct stockade_append_plan plan;
	enum stockade_append_verdict v;
	u32 i;

	if (a->n > SIM_APPEND_MAX || !entries_sane(a) ||
	    a->prev_index + a->n >= nd->disk.cap)
		return STOCKADE_APPEND_BAD_REQUEST;
	for (i = 0; i < a->n; i++)
		terms[i] = sim_entry_term(&a->e[i]);
	if (w->cfg.bug == SIM_BUG_STALE_TERM && msg->term < st.current_term)
		st.current_term = msg->term;
	v = stockade_replica_append(&st, &req, &plan);
	if (v == STOCKADE_APPEND_STALE_TERM) {
		w->stats.stale_refused++;
		return v;
	}
	if (plan.persist_term && plan.new_term > m->term)
		adopt_term(w, nd, plan.new_term);
	if (v != STOCKADE_APPEND_OK)
		return v;
	if (m->role == SIM_LEADER)
		return STOCKADE_APPEND_BAD_REQUEST;
	sim_check_accept(&w->chk, nd, msg->term, w->now);
	if (plan.truncate_from && !truncate_log(nd, plan.truncate_from))
		return STOCKADE_APPEND_BAD_REQUEST;
	w->stats.truncations += plan.truncate_from != 0;
	if (plan.first_new)
		write_entries(w, nd, a, &plan);
	m->fw = (struct sim_follower_write){
		.active = true, .to = msg->from, .term = m->term,
		.match = plan.match_index, .commit = plan.commit_index,
		.sent_last = a->prev_index + a->n,
	};
	if (!nd->disk.busy)
		finish_follower_write(w, nd);
	return v;
}

static void on_append(struct sim_world *w, struct sim_node *nd,
		      const struct sim_msg *msg)
{
	enum stockade_append_verdict v = follower_append(w, nd, msg);

	/* A reply for OK goes out once the entries are durable. */
	if (v != STOCKADE_APPEND_OK)
		reply(w, nd, msg->from, nd->mod.term, v, 0,
		      msg->u.append.prev_index + msg->u.append.n);
}

static void on_reply(struct sim_world *w, struct sim_node *nd,
		     const struct sim_msg *msg)
{
	struct sim_mod *m = &nd->mod;
	const struct sim_append_reply *r = &msg->u.reply;
	int slot = sim_peer_slot(nd->id, msg->from, w->n);

	if (msg->term > m->term) {
		adopt_term(w, nd, msg->term);
		return;
	}
	if (m->role != SIM_LEADER || msg->term != m->term || slot < 0)
		return;
	/* A reply that cannot be right drops the connection: start over. */
	if (!stockade_progress_on_reply(&m->prog[slot], r->verdict, r->match,
					r->last_index, r->sent_last))
		stockade_progress_reset(&m->prog[slot], m->last_index);
	update_commit(w, nd);
	replicate(w, nd, (u32)slot);
}

/* kmod/net.c on_keepalive(): a newer term fences; a leader's commits. */
static void on_keepalive(struct sim_world *w, struct sim_node *nd,
			 const struct sim_msg *msg)
{
	struct sim_mod *m = &nd->mod;

	if (msg->term > m->term)
		adopt_term(w, nd, msg->term);
	if (msg->u.ka.role == SIM_LEADER && msg->term == m->term &&
	    m->role != SIM_LEADER)
		follower_commit(w, nd, msg->u.ka.commit);
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
		on_append(w, nd, msg);
		break;
	case SIM_MSG_APPEND_REPLY:
		on_reply(w, nd, msg);
		break;
	case SIM_MSG_KEEPALIVE:
		on_keepalive(w, nd, msg);
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
	kick_disk(w, nd);
	if (m->fw.active && !nd->disk.busy)
		finish_follower_write(w, nd);
	update_commit(w, nd);
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
	for (i = 0; i < n_peers(w); i++) {
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
