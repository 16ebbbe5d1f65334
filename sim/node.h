/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One simulated node: a clock, a disk, the module's state (the kernel
 * half: log, term and vote, replica rules, replication, the fence) and the
 * agent's (the election state machine and a failure detector per peer).
 * Everything here but the disk and the clock is lost in a crash.
 */
#ifndef _STOCKADE_SIM_NODE_H
#define _STOCKADE_SIM_NODE_H

#include "../core/election.h"
#include "../core/lease.h"
#include "../core/phi.h"
#include "../core/progress.h"
#include "clock.h"
#include "disk.h"
#include "msg.h"

#define SIM_MAX_NODES		5
#define SIM_MAX_PENDING		256	/* client writes awaiting commit */
#define SIM_MAX_DEFERRED	64	/* module messages behind a write */

enum sim_role { SIM_FOLLOWER, SIM_LEADER };

struct sim_pending_write {
	u64 index;
	u64 value;
	u32 client;		/* who waits for it */
};

/* The reply a follower sends once its write of an APPEND is durable. */
struct sim_follower_write {
	bool active;
	u8 to;
	u64 term;		/* the module's term when it accepted */
	u64 match;
	u64 commit;		/* plan.commit_index */
	u64 sent_last;
};

struct sim_mod {
	u8 role;		/* enum sim_role */
	u64 term;		/* as persisted */
	u32 voted_for;
	u32 epoch;
	u32 written_epoch;	/* of the last log write handed to the disk */
	struct stockade_log_entry *log;	/* [1, cap) */
	u64 last_index, last_term;
	u64 submitted;		/* handed to the disk through here */
	u64 durable;		/* written through here in this boot */
	u32 disk_gen;		/* names the write in flight */
	u64 commit_index;
	u64 leader_match, leader_match_term;
	struct stockade_lease lease;
	u64 serve_after_ns;
	/* leader: per peer slot (peer ids in node order, self skipped) */
	struct stockade_progress prog[SIM_MAX_NODES];
	u64 sent_last[SIM_MAX_NODES];
	u64 sent_at[SIM_MAX_NODES];	/* local ns */
	u32 refused_run[SIM_MAX_NODES];	/* GAP or MISMATCH in a row */
	struct sim_pending_write pending[SIM_MAX_PENDING];
	u32 n_pending;
	struct sim_follower_write fw;
	struct sim_msg deferred[SIM_MAX_DEFERRED];
	u32 n_deferred;
};

struct sim_agent {
	struct stockade_elect e;
	struct stockade_phi phi[SIM_MAX_NODES];	/* per peer slot */
	u64 paused_until;	/* true ns; 0: running */
	u64 pause_from;		/* local ns when the pause began */
	u32 tick_gen;
	u64 tick_at;		/* true ns of the scheduled tick; 0: none */
};

struct sim_node {
	u8 id;			/* 1-based */
	bool up;
	u32 boot;		/* counts restarts; stale events carry older */
	struct sim_clock clock;
	struct sim_disk disk;
	struct sim_mod mod;
	struct sim_agent agent;
};

/* The slot of peer @id in @self's per-peer arrays, or -1. */
int sim_peer_slot(u32 self, u32 id, u32 n_nodes);
/* The peer id in slot @slot of @self. */
u32 sim_slot_peer(u32 self, u32 slot);

/* The client value an entry carries (0 for a barrier). */
u64 sim_entry_value(const struct stockade_log_entry *e);
static inline u64 sim_entry_term(const struct stockade_log_entry *e)
{
	return le64_to_cpu(e->term);
}

/* term_at() for the core's rules: the node's in-memory log. */
u64 sim_term_at(const void *mod, u64 index);

#endif /* _STOCKADE_SIM_NODE_H */
