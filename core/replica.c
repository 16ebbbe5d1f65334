// SPDX-License-Identifier: GPL-2.0
/*
 * A replica's append rules (docs/design.md, invariant 2).  The term check
 * comes first and is unconditional: an append from an older term changes
 * nothing, not even the commit index, whatever else it carries.
 */
#include "replica.h"

static bool prev_entry_matches(const struct stockade_replica_state *st,
			       u64 prev_index, u64 prev_term)
{
	/* Index 0 is the empty prefix every log shares. */
	if (prev_index == 0)
		return true;
	/* Committed entries are identical everywhere (log matching). */
	if (prev_index <= st->commit_index)
		return true;
	return st->term_at(st->log, prev_index) == prev_term;
}

/* Entry terms never decrease along a log, and none exceeds the leader's. */
static bool request_is_consistent(const struct stockade_append_req *req)
{
	u64 prev = req->prev_term;
	u32 i;

	if (req->prev_term > req->term)
		return false;
	if (req->n_entries && !req->entry_terms)
		return false;
	if (req->prev_index + req->n_entries < req->prev_index)
		return false;
	for (i = 0; i < req->n_entries; i++) {
		if (req->entry_terms[i] < prev ||
		    req->entry_terms[i] > req->term)
			return false;
		prev = req->entry_terms[i];
	}
	return true;
}

/*
 * Skip the carried entries we already hold (a retransmit), and find the
 * first one that differs: everything of ours from there on is divergent.
 */
static void plan_entries(const struct stockade_replica_state *st,
			 const struct stockade_append_req *req,
			 struct stockade_append_plan *plan)
{
	u64 index;
	u32 i;

	for (i = 0; i < req->n_entries; i++) {
		index = req->prev_index + 1 + i;
		if (index > st->last_index)
			break;
		if (index <= st->commit_index)
			continue;
		if (st->term_at(st->log, index) != req->entry_terms[i]) {
			plan->truncate_from = index;
			break;
		}
	}
	if (i < req->n_entries) {
		plan->first_new = req->prev_index + 1 + i;
		plan->last_new = req->prev_index + req->n_entries;
	}
}

/*
 * The first index of the run of @term that ends at @prev_index, searched
 * above the commit index only (committed entries match the leader's
 * anyway).  Our terms never decrease along the log, so the run is found
 * by bisection: a long divergent suffix costs a few lookups, not a scan.
 */
static u64 first_of_run(const struct stockade_replica_state *st, u64 term,
			u64 prev_index)
{
	u64 lo = st->commit_index + 1, hi = prev_index, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (st->term_at(st->log, mid) < term)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void plan_hint(const struct stockade_replica_state *st,
		      u64 prev_index, struct stockade_append_hint *hint)
{
	u64 term = st->term_at(st->log, prev_index);

	/* A log that cannot name the term gives no hint, never a wrong one. */
	if (!term)
		return;
	hint->term = term;
	hint->index = first_of_run(st, term, prev_index);
}

static u64 max_u64(u64 a, u64 b)
{
	return a > b ? a : b;
}

static u64 min_u64(u64 a, u64 b)
{
	return a < b ? a : b;
}

enum stockade_append_verdict
stockade_replica_append(const struct stockade_replica_state *st,
			const struct stockade_append_req *req,
			struct stockade_append_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
	if (req->term < st->current_term)
		return STOCKADE_APPEND_STALE_TERM;
	if (!request_is_consistent(req))
		return STOCKADE_APPEND_BAD_REQUEST;
	if (req->term > st->current_term) {
		plan->persist_term = true;
		plan->new_term = req->term;
	}
	if (req->prev_index > st->last_index)
		return STOCKADE_APPEND_GAP;
	if (!prev_entry_matches(st, req->prev_index, req->prev_term)) {
		/* prev_index is above our commit index, and in our log. */
		plan_hint(st, req->prev_index, &plan->hint);
		return STOCKADE_APPEND_MISMATCH;
	}

	plan_entries(st, req, plan);
	plan->match_index = req->prev_index + req->n_entries;
	plan->held_match = plan->first_new ? plan->first_new - 1 :
					     plan->match_index;
	/*
	 * Only entries known equal to the leader's may become committed
	 * here: a longer tail of ours may still be divergent.
	 */
	plan->commit_index = max_u64(st->commit_index,
				     min_u64(req->leader_commit,
					     plan->match_index));
	return STOCKADE_APPEND_OK;
}

const char *stockade_append_verdict_name(enum stockade_append_verdict v)
{
	switch (v) {
	case STOCKADE_APPEND_OK:
		return "ok";
	case STOCKADE_APPEND_STALE_TERM:
		return "stale term";
	case STOCKADE_APPEND_GAP:
		return "gap before the entries";
	case STOCKADE_APPEND_MISMATCH:
		return "previous entry mismatch";
	case STOCKADE_APPEND_BAD_REQUEST:
		return "inconsistent request";
	case STOCKADE_APPEND_NEEDS_RESYNC:
		return "needs a full resync";
	}
	return "unknown";
}
