/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The invariants, checked as the run goes, from the outside: the checker
 * looks at the nodes' state, their disks and the true time, never at
 * what a node believes of the others.
 *  - leases: at no true instant may two nodes serve (leader, lease live
 *    and the clock-bound wait over, by the core's own fence predicate);
 *    the clocks' rates stay within the drift bound;
 *  - one leader per term;
 *  - no stale term: a replica never accepts an APPEND whose term is
 *    older than the term on its disk;
 *  - logs match: an (index, term) names one entry everywhere, and every
 *    index that any node commits holds the same entry on all of them;
 *  - acknowledged writes: acknowledged only by a serving leader, once a
 *    majority of disks hold the entry; every new leader's log holds all
 *    of them; after the heal, the final leader has committed them all.
 * The first violation is kept, with the true time it happened at.
 */
#ifndef _STOCKADE_SIM_CHECKER_H
#define _STOCKADE_SIM_CHECKER_H

#include "node.h"

struct sim_committed {
	u64 term, value;
	bool set;
};

struct sim_entry_key {
	u64 index, term, value;
	u32 gen;
};

struct sim_acked {
	u64 index, term, value;
};

struct sim_checker {
	bool failed;
	u64 failed_at;
	char why[320];
	u8 *leader_of_term;	/* 0: none yet */
	u64 terms;		/* allocated */
	struct sim_committed *committed;
	u64 committed_cap, committed_hw;
	struct sim_entry_key *keys;
	u32 n_keys, keys_gen, keys_used;
	struct sim_acked *acked;
	u32 n_acked, acked_cap;
	u32 max_drift_ppm;
	bool drift_unbounded;	/* clocks may go beyond: no drift check */
};

bool sim_check_init(struct sim_checker *c, u64 log_cap);
void sim_check_free(struct sim_checker *c);
void sim_check_reset(struct sim_checker *c, u32 max_drift_ppm,
		     bool drift_unbounded);

void sim_check_fail(struct sim_checker *c, u64 now, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The nodes' state held from @from to @to (true ns): no two served at
 * one instant.  Also checks that the fence predicate agrees with the
 * window at @from.
 */
void sim_check_leases(struct sim_checker *c, const struct sim_node *nodes,
		      u32 n, u64 from, u64 to);

/* A clock's rate was set. */
void sim_check_clock(struct sim_checker *c, const struct sim_node *nd,
		     u64 now);

/* @nd's module became leader of @term (its log as it is now). */
void sim_check_new_leader(struct sim_checker *c, const struct sim_node *nd,
			  u64 term, u64 now);

/* An entry was put in a log at @index. */
void sim_check_entry(struct sim_checker *c, const struct stockade_log_entry *e,
		     u64 now);

/* @nd accepts an APPEND of @term (before it persists anything). */
void sim_check_accept(struct sim_checker *c, const struct sim_node *nd,
		      u64 term, u64 now);

/* @nd's commit index moved from @from to @to. */
void sim_check_commit(struct sim_checker *c, const struct sim_node *nd,
		      u64 from, u64 to, u64 now);

/* @nd acknowledges the client write at @index. */
void sim_check_ack(struct sim_checker *c, const struct sim_node *nd,
		   u64 index, const struct sim_node *nodes, u32 n, u64 now);

/* After the heal: @leader holds and has committed every acked write. */
void sim_check_final(struct sim_checker *c, const struct sim_node *leader,
		     const struct sim_node *nodes, u32 n, u64 now);

/* Whether @nd may serve at true @now, and the true window it may serve in. */
bool sim_serving_window(const struct sim_node *nd, u64 now, u64 *from,
			u64 *to);

#endif /* _STOCKADE_SIM_CHECKER_H */
