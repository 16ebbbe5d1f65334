/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The voter's rules, for pre-votes and votes.  A node grants at most one
 * vote per term, only to a candidate whose log is at least as up to date
 * as its own, and persists term and vote (FUA) before the grant is sent.
 * A pre-vote changes nothing; it tells a candidate whether a real election
 * could succeed, so that a node cut off from the cluster cannot disrupt it
 * with ever higher terms when it comes back.
 */
#ifndef _STOCKADE_CORE_VOTE_H
#define _STOCKADE_CORE_VOTE_H

#include "compat.h"

struct stockade_vote_state {
	u64 current_term;	/* persisted */
	u32 voted_for;		/* persisted, for current_term; 0 = none */
	u64 last_index;		/* the voter's log */
	u64 last_term;
	/* The voter heard from a leader within the election timeout. */
	bool leader_alive;
};

struct stockade_vote_req {
	u64 term;		/* the term the candidate runs for */
	u32 candidate;		/* node id, never 0 */
	u64 last_index;		/* the candidate's log */
	u64 last_term;
	bool pre_vote;
};

enum stockade_vote_verdict {
	STOCKADE_VOTE_GRANTED,
	STOCKADE_VOTE_STALE_TERM,
	STOCKADE_VOTE_ALREADY_VOTED,
	STOCKADE_VOTE_LOG_BEHIND,
	STOCKADE_VOTE_LEADER_ALIVE,	/* pre-vote only */
	STOCKADE_VOTE_BAD_REQUEST,
};

/* What a real vote must persist, in one FUA write, before answering. */
struct stockade_vote_plan {
	bool persist;
	u64 new_term;
	u32 voted_for;		/* 0: none in new_term */
};

enum stockade_vote_verdict
stockade_vote(const struct stockade_vote_state *st,
	      const struct stockade_vote_req *req,
	      struct stockade_vote_plan *plan);

/* Raft's "at least as up to date": compare last terms, then lengths. */
bool stockade_log_up_to_date(u64 cand_last_term, u64 cand_last_index,
			     u64 own_last_term, u64 own_last_index);

const char *stockade_vote_verdict_name(enum stockade_vote_verdict v);

#endif /* _STOCKADE_CORE_VOTE_H */
