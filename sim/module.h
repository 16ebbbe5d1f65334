/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's half of a node, as kmod/ composes the core: the durable
 * term and vote (core/vote.c), the replica rules (core/replica.c) on each
 * APPEND, the leader's replication (core/progress.c) and commit index
 * (core/quorum.c), and the fence (core/lease.c): the lease, the
 * clock-bound wait of a new leader, and the decision on each write.
 * The agent reaches it only through the calls below, as through netlink.
 */
#ifndef _STOCKADE_SIM_MODULE_H
#define _STOCKADE_SIM_MODULE_H

#include "world.h"

/* Attach after a (re)start: recover from the disk; false on a read error. */
bool sim_mod_boot(struct sim_world *w, struct sim_node *nd);

/*
 * STOCKADE_CMD_VOTE; 0 (kmod's -EIO for a failed or resyncing disk has
 * no counterpart here: read errors are transient).
 */
int sim_mod_vote(struct sim_world *w, struct sim_node *nd,
		 const struct stockade_vote_req *req, bool *granted,
		 u64 *term, u32 *voted_for);

/* STOCKADE_CMD_SET_ROLE; 0 or -ESTALE. */
int sim_mod_set_role(struct sim_world *w, struct sim_node *nd, u8 role,
		     u64 term);

/* STOCKADE_CMD_SET_LEASE; 0 or -errno. */
int sim_mod_grant(struct sim_world *w, struct sim_node *nd, u64 term,
		  u64 start_ns, u64 duration_ns);

/*
 * Client @client writes @value; false if it fails at once, else its end
 * goes to sim_client_done().
 */
bool sim_mod_client_write(struct sim_world *w, struct sim_node *nd,
			  u64 value, u32 client);

/* A crash: the writes waiting for their commit fail. */
void sim_mod_fail_writes(struct sim_world *w, struct sim_node *nd);

void sim_mod_receive(struct sim_world *w, struct sim_node *nd,
		     const struct sim_msg *m);
void sim_mod_disk_done(struct sim_world *w, struct sim_node *nd, u32 gen);
/* Peer @id connected again (it restarted): probe it from the last entry. */
void sim_mod_peer_up(struct sim_world *w, struct sim_node *nd, u32 id);

void sim_mod_tick(struct sim_world *w, struct sim_node *nd);

#endif /* _STOCKADE_SIM_MODULE_H */
