// SPDX-License-Identifier: GPL-2.0
/*
 * The commit index, as kmod/replication.c keeps it: the leader's from
 * what each node holds durably (core/quorum.c), a follower's from what its
 * leader says, never past what matches that leader; and the end of the
 * client writes it commits, acknowledged only if the fence passes.
 */
#include "../core/quorum.h"
#include "modint.h"

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
	serve = sim_mod_serves(w, nd);
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

void sim_mod_update_commit(struct sim_world *w, struct sim_node *nd)
{
	struct sim_mod *m = &nd->mod;
	u64 match[SIM_MAX_NODES];
	u32 i;

	if (m->role != SIM_LEADER)
		return;
	match[0] = m->durable;
	for (i = 0; i < sim_n_peers(w); i++)
		match[i + 1] = m->prog[i].match_index;
	set_commit(w, nd, stockade_quorum_commit(match, w->n, m->commit_index,
						 m->term, sim_term_at, m));
	complete_writes(w, nd);
}

/* kmod/replication.c follower_commit(): never past what matches. */
void sim_mod_follower_commit(struct sim_world *w, struct sim_node *nd,
			    u64 leader_commit)
{
	struct sim_mod *m = &nd->mod;
	u64 commit = leader_commit < m->leader_match ? leader_commit :
		     m->leader_match;

	if (m->leader_match_term == m->term)
		set_commit(w, nd, commit);
}
