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

static u64 back_off(const struct stockade_progress *p, u64 follower_last)
{
	u64 next = p->next_index > 1 ? p->next_index - 1 : 1;

	/* Never below what is known matched, nor above its log's end + 1. */
	if (follower_last + 1 < next)
		next = follower_last + 1;
	return next > p->match_index ? next : p->match_index + 1;
}

bool stockade_progress_on_reply(struct stockade_progress *p,
				enum stockade_append_verdict verdict,
				u64 match, u64 follower_last, u64 sent_last)
{
	p->inflight = false;
	switch (verdict) {
	case STOCKADE_APPEND_OK:
		if (match > sent_last)
			return false;
		if (match > p->match_index)
			p->match_index = match;
		p->next_index = p->match_index + 1;
		return true;
	case STOCKADE_APPEND_GAP:
	case STOCKADE_APPEND_MISMATCH:
		p->next_index = back_off(p, follower_last);
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
