// SPDX-License-Identifier: GPL-2.0
/*
 * The module's durable state and the agent's calls into it (see
 * module.h), each after its counterpart in kmod/: vote.c, blockdev.c
 * (set_role, adopt_term), fence.c; and the log writes, one at a time.
 */
#include <errno.h>

#include "../core/logentry.h"
#include "../core/vote.h"
#include "modint.h"

static u32 drift_ppm(const struct sim_world *w)
{
	return w->cfg.bug == SIM_BUG_NO_DRIFT_MARGIN ? 0 : w->max_drift_ppm;
}

void sim_mod_persist(struct sim_node *nd, u64 term, u32 voted_for, u32 epoch)
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

void sim_mod_adopt_term(struct sim_world *w, struct sim_node *nd, u64 term)
{
	sim_mod_persist(nd, term, 0, nd->mod.epoch);
	step_down(w, nd);
}

/* Hand what is not yet on its way to the disk, as one FUA write. */
void sim_mod_kick_disk(struct sim_world *w, struct sim_node *nd)
{
	struct sim_mod *m = &nd->mod;
	u64 n = m->last_index - m->submitted;

	if (nd->disk.busy || !n)
		return;
	if (n > SIM_DISK_MAX_WRITE)
		n = SIM_DISK_MAX_WRITE;
	/*
	 * The first entry of a new epoch goes alone (kmod/wal.c): were it
	 * lost while later ones land, an entry a truncation dropped would
	 * show through in its place, of the epoch before, and chain on.
	 */
	if (m->written_epoch != m->epoch && w->cfg.bug != SIM_BUG_GROUP_FIRST)
		n = 1;
	if (!sim_disk_submit(&nd->disk, m->submitted + 1,
			     &m->log[m->submitted + 1], (u32)n))
		return;
	m->submitted += n;
	m->written_epoch = m->epoch;
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
	/*
	 * Entries of a write a crash cut off may lie after the end found:
	 * what is written there next must not let them follow on
	 * (kmod/wal.c, stockade_wal_recover()).
	 */
	sim_mod_persist(nd, m->term, m->voted_for, m->epoch + 1);
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

		sim_mod_persist(nd, plan.new_term, plan.voted_for, m->epoch);
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
	sim_mod_kick_disk(w, nd);
	return true;
}

/* Another node still holds a live lease: only the wait keeps them apart. */
static void count_live_leases(struct sim_world *w, const struct sim_node *nd)
{
	u64 from, to;
	u32 i;

	for (i = 0; i < w->n; i++)
		if (&w->node[i] != nd &&
		    sim_serving_window(&w->node[i], w->now, &from, &to) &&
		    to > w->now)
			w->stats.waits_needed++;
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
	for (i = 0; i < sim_n_peers(w); i++) {
		stockade_progress_reset(&m->prog[i], m->last_index);
		m->refused_run[i] = 0;
	}
	m->serve_after_ns = stockade_lease_wait_until(sim_local(w, nd),
						      SIM_LEASE_NS,
						      drift_ppm(w));
	w->stats.elections++;
	count_live_leases(w, nd);
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
		sim_mod_persist(nd, term, 0, m->epoch);
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

bool sim_mod_serves(const struct sim_world *w, const struct sim_node *nd)
{
	return fence(w, nd) == STOCKADE_IO_SERVE;
}

bool sim_mod_client_write(struct sim_world *w, struct sim_node *nd,
			  u64 value, u32 client)
{
	struct sim_mod *m = &nd->mod;

	if (!sim_mod_serves(w, nd) ||
	    m->n_pending == SIM_MAX_PENDING ||
	    !append_local(w, nd, STOCKADE_ENTRY_WRITE_ZEROES, value))
		return false;
	m->pending[m->n_pending++] =
		(struct sim_pending_write){ m->last_index, value, client };
	return true;
}
