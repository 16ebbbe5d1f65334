/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the module's files (module.c, commit.c, follower.c,
 * replication.c) share with each other and nothing else.
 */
#ifndef _STOCKADE_SIM_MODINT_H
#define _STOCKADE_SIM_MODINT_H

#include "module.h"

static inline u32 sim_n_peers(const struct sim_world *w)
{
	return w->n - 1;
}

/* Write term, vote and log epoch to the superblock (FUA), and mirror them. */
void sim_mod_persist(struct sim_node *nd, u64 term, u32 voted_for,
		     u32 epoch);
/* A newer term from a peer: persist it and step down. */
void sim_mod_adopt_term(struct sim_world *w, struct sim_node *nd, u64 term);
/* Hand the log entries not yet on their way to the disk, if it is idle. */
void sim_mod_kick_disk(struct sim_world *w, struct sim_node *nd);
/* The fence passes a write now. */
bool sim_mod_serves(const struct sim_world *w, const struct sim_node *nd);

/* Leader: the commit index from the matches, then the writes it ends. */
void sim_mod_update_commit(struct sim_world *w, struct sim_node *nd);
/* Follower: the leader's commit index, within what matches it. */
void sim_mod_follower_commit(struct sim_world *w, struct sim_node *nd,
			     u64 leader_commit);

void sim_mod_on_append(struct sim_world *w, struct sim_node *nd,
		       const struct sim_msg *msg);
void sim_mod_on_keepalive(struct sim_world *w, struct sim_node *nd,
			  const struct sim_msg *msg);
/* The follower's write of an APPEND is durable: commit and reply. */
void sim_mod_finish_follower_write(struct sim_world *w, struct sim_node *nd);

#endif /* _STOCKADE_SIM_MODINT_H */
