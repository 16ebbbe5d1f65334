/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rules a replica applies to an append from a leader: the fencing
 * check on the term, log matching on the previous entry, truncation of a
 * divergent uncommitted suffix, and idempotent handling of retransmits.
 * Pure logic: the caller owns the log and does every I/O the verdict asks
 * for, in the order documented on struct stockade_append_plan.
 */
#ifndef _STOCKADE_CORE_REPLICA_H
#define _STOCKADE_CORE_REPLICA_H

#include "compat.h"

/* What the replica knows of its own log; filled in by the caller. */
struct stockade_replica_state {
	u64 current_term;	/* highest term persisted in the superblock */
	u64 last_index;		/* last entry in the log, 0 when empty */
	u64 commit_index;	/* highest index known committed */
	/*
	 * Term of the entry at @index, for commit_index < index <=
	 * last_index.  Committed entries are never asked for: they are
	 * the same on every replica, which is what committed means.
	 */
	u64 (*term_at)(const void *log, u64 index);
	const void *log;
};

struct stockade_append_req {
	u64 term;		/* the leader's term: the fencing token */
	u64 prev_index;		/* entry just before entry_terms[0] */
	u64 prev_term;
	u64 leader_commit;
	u32 n_entries;
	const u64 *entry_terms;	/* term of each entry carried */
};

enum stockade_append_verdict {
	STOCKADE_APPEND_OK,
	STOCKADE_APPEND_STALE_TERM,	/* older than the persisted term */
	STOCKADE_APPEND_GAP,		/* prev_index beyond our log */
	STOCKADE_APPEND_MISMATCH,	/* prev entry has another term */
	STOCKADE_APPEND_BAD_REQUEST,	/* inconsistent, e.g. terms too new */
	/*
	 * The replica's data region is being copied (or must be): its log
	 * is not to be appended to; the leader starts or resumes a full
	 * resync.  Decided by the caller, never by the rules below.
	 */
	STOCKADE_APPEND_NEEDS_RESYNC,
};

/*
 * Raft's conflict-term hint, sent with a MISMATCH: the term of our entry
 * at prev_index, and the first index above our commit index that holds
 * it.  The leader skips that whole term in one round trip instead of one
 * entry per round trip.  Zero (no hint) for every other verdict.
 */
struct stockade_append_hint {
	u64 term;
	u64 index;
};

/*
 * What to do for an append.  persist_term holds for every verdict but
 * STALE_TERM and BAD_REQUEST: a newer term is persisted even when the
 * entries are refused, so the old leader is fenced off here at once.
 * The hint only for MISMATCH.  The rest only for STOCKADE_APPEND_OK, in
 * this order:
 *  1. if persist_term: write current_term = new_term durably (FUA);
 *  2. if truncate_from: drop entries truncate_from..last_index;
 *  3. the commit index may be raised to min(leader_commit, held_match)
 *     and those entries applied: they are in the log already and equal
 *     to the leader's.  A log that is full of entries not yet applied
 *     (after a restart, every entry after the checkpoint) makes room for
 *     step 4 only so;
 *  4. write entries first_new..last_new (skipped when first_new == 0);
 *  5. after they are durable: acknowledge match_index, then raise the
 *     commit index to commit_index.
 */
struct stockade_append_plan {
	bool persist_term;
	u64 new_term;
	u64 truncate_from;	/* 0: nothing to truncate */
	u64 first_new;		/* 0: every carried entry is already held */
	u64 last_new;
	u64 match_index;	/* last index known equal to the leader's */
	u64 held_match;		/* the same, before step 4 writes anything */
	u64 commit_index;
	struct stockade_append_hint hint;	/* MISMATCH only */
};

enum stockade_append_verdict
stockade_replica_append(const struct stockade_replica_state *st,
			const struct stockade_append_req *req,
			struct stockade_append_plan *plan);

const char *stockade_append_verdict_name(enum stockade_append_verdict v);

#endif /* _STOCKADE_CORE_REPLICA_H */
