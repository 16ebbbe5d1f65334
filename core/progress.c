// SPDX-License-Identifier: GPL-2.0
#include "progress.h"

void stockade_progress_reset(struct stockade_progress *p, u64 last_index)
{
	/*
	 * Send the last entry again: the answer says whether the follower
	 * has it, and if not where to go back to.  Otherwise a follower that
	 * is behind would hear nothing until the next write.
	 */
	p->next_index = last_index ? last_index : 1;
	p->match_index = 0;
	p->inflight = false;
	p->needs_resync = false;
}

bool stockade_progress_next(struct stockade_progress *p, u64 log_first,
			    u64 last_index, u32 max_entries, u64 *first,
			    u32 *count)
{
	u64 n;

	if (p->inflight || p->needs_resync || p->next_index > last_index ||
	    !max_entries)
		return false;
	if (p->next_index < log_first) {
		p->needs_resync = true;
		return false;
	}
	n = last_index - p->next_index + 1;
	*first = p->next_index;
	*count = n < max_entries ? (u32)n : max_entries;
	p->inflight = true;
	return true;
}

void stockade_progress_resynced(struct stockade_progress *p, u64 snap_index)
{
	p->next_index = snap_index + 1;
	p->match_index = snap_index;
	p->inflight = false;
	p->needs_resync = false;
}

/* The last index in [lo, hi] of a term at most @term; 0 if there is none. */
static u64 last_at_most(const struct stockade_leader_log *log, u64 term,
			u64 lo, u64 hi)
{
	u64 mid;

	if (lo > hi || log->term_at(log->log, lo) > term)
		return 0;
	while (lo < hi) {
		mid = hi - (hi - lo) / 2;
		if (log->term_at(log->log, mid) <= term)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/*
 * Where the hint says to probe next, or 0 to ignore it.  The follower's
 * entry at prev (the refused one) has the hint's term, as have all its
 * entries from the hint's index to prev.  If we hold entries of that term,
 * ours and its agree up to the last of them (one leader wrote them all):
 * probe after it.  If not, none of its entries of that term is ours:
 * probe where they start.
 */
static u64 hinted_next(const struct stockade_progress *p,
		       const struct stockade_append_answer *a,
		       const struct stockade_leader_log *log)
{
	const struct stockade_append_hint *h = &a->hint;
	u64 prev = p->next_index - 1;
	u64 lo = log->first ? log->first : 1;
	u64 last;

	/*
	 * An entry of our term at prev would be ours, and so would match;
	 * a run that starts after prev cannot hold it.
	 */
	if (!h->term || !h->index || h->term >= log->term || h->index > prev ||
	    h->index > a->follower_last)
		return 0;
	if (prev >= lo && log->term_at(log->log, prev) == h->term)
		return 0;
	last = last_at_most(log, h->term, lo, prev - 1);
	if (last && log->term_at(log->log, last) == h->term)
		return last + 1;
	return h->index;
}

static u64 back_off(const struct stockade_progress *p,
		    const struct stockade_append_answer *a,
		    const struct stockade_leader_log *log)
{
	u64 next = p->next_index > 1 ? p->next_index - 1 : 1;
	u64 hinted = 0;

	if (a->verdict == STOCKADE_APPEND_MISMATCH && log && p->next_index > 1)
		hinted = hinted_next(p, a, log);
	/* Each is at most prev: a refusal always moves the probe back. */
	if (hinted && hinted < next)
		next = hinted;
	/* Never above its log's end + 1, nor below what is known matched. */
	if (a->follower_last < next - 1)
		next = a->follower_last + 1;
	return next > p->match_index ? next : p->match_index + 1;
}

bool stockade_progress_on_reply(struct stockade_progress *p,
				const struct stockade_append_answer *a,
				const struct stockade_leader_log *log)
{
	p->inflight = false;
	switch (a->verdict) {
	case STOCKADE_APPEND_OK:
		if (a->match > a->sent_last)
			return false;
		if (a->match > p->match_index)
			p->match_index = a->match;
		p->next_index = p->match_index + 1;
		return true;
	case STOCKADE_APPEND_GAP:
	case STOCKADE_APPEND_MISMATCH:
		p->next_index = back_off(p, a, log);
		return true;
	case STOCKADE_APPEND_NEEDS_RESYNC:
		/* Its data region is being copied: no entry fits it now. */
		p->needs_resync = true;
		return true;
	case STOCKADE_APPEND_STALE_TERM:
	case STOCKADE_APPEND_BAD_REQUEST:
		/* The caller steps down or drops the connection. */
		return true;
	}
	return false;
}
