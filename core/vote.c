// SPDX-License-Identifier: GPL-2.0
#include "vote.h"

bool stockade_log_up_to_date(u64 cand_last_term, u64 cand_last_index,
			     u64 own_last_term, u64 own_last_index)
{
	if (cand_last_term != own_last_term)
		return cand_last_term > own_last_term;
	return cand_last_index >= own_last_index;
}

static enum stockade_vote_verdict
pre_vote(const struct stockade_vote_state *st,
	 const struct stockade_vote_req *req)
{
	/* A candidate proposes a term above the one it has seen. */
	if (req->term <= st->current_term)
		return STOCKADE_VOTE_STALE_TERM;
	if (st->leader_alive)
		return STOCKADE_VOTE_LEADER_ALIVE;
	if (!stockade_log_up_to_date(req->last_term, req->last_index,
				     st->last_term, st->last_index))
		return STOCKADE_VOTE_LOG_BEHIND;
	return STOCKADE_VOTE_GRANTED;
}

static enum stockade_vote_verdict
real_vote(const struct stockade_vote_state *st,
	  const struct stockade_vote_req *req,
	  struct stockade_vote_plan *plan)
{
	u32 voted_for = st->voted_for;

	if (req->term < st->current_term)
		return STOCKADE_VOTE_STALE_TERM;
	if (req->term > st->current_term) {
		/* A newer term is adopted even if the vote is refused. */
		plan->persist = true;
		plan->new_term = req->term;
		voted_for = 0;
	} else {
		plan->new_term = st->current_term;
	}
	if (voted_for && voted_for != req->candidate)
		return STOCKADE_VOTE_ALREADY_VOTED;
	if (!stockade_log_up_to_date(req->last_term, req->last_index,
				     st->last_term, st->last_index))
		return STOCKADE_VOTE_LOG_BEHIND;
	if (voted_for != req->candidate) {
		plan->persist = true;
		plan->voted_for = req->candidate;
	} else {
		plan->voted_for = voted_for;
	}
	return STOCKADE_VOTE_GRANTED;
}

enum stockade_vote_verdict
stockade_vote(const struct stockade_vote_state *st,
	      const struct stockade_vote_req *req,
	      struct stockade_vote_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
	if (req->candidate == 0 || req->last_term > req->term)
		return STOCKADE_VOTE_BAD_REQUEST;
	if (req->pre_vote)
		return pre_vote(st, req);
	return real_vote(st, req, plan);
}

const char *stockade_vote_verdict_name(enum stockade_vote_verdict v)
{
	switch (v) {
	case STOCKADE_VOTE_GRANTED:
		return "granted";
	case STOCKADE_VOTE_STALE_TERM:
		return "stale term";
	case STOCKADE_VOTE_ALREADY_VOTED:
		return "already voted in this term";
	case STOCKADE_VOTE_LOG_BEHIND:
		return "candidate log behind";
	case STOCKADE_VOTE_LEADER_ALIVE:
		return "a leader is alive";
	case STOCKADE_VOTE_BAD_REQUEST:
		return "inconsistent request";
	}
	return "unknown";
}
