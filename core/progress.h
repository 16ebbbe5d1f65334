/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The leader's view of one follower: which entry to send next, what is
 * known replicated there, and how to react to its answers.  One APPEND is
 * in flight per follower; a refusal moves next_index back, jumping to
 * just after the follower's last entry when it is that far behind.
 */
#ifndef _STOCKADE_CORE_PROGRESS_H
#define _STOCKADE_CORE_PROGRESS_H

#include "compat.h"
#include "replica.h"

struct stockade_progress {
	u64 next_index;		/* the next entry to send */
	u64 match_index;	/* highest index known durable there */
	bool inflight;		/* an APPEND awaits its reply */
	bool needs_resync;	/* it needs entries the log no longer has */
};

/* A (re)connected follower: probe with the last entry, learn from that. */
void stockade_progress_reset(struct stockade_progress *p, u64 last_index);

/*
 * Whether to send now, and which entries: [*first, *first + *count).
 * @log_first is the oldest entry the leader's log still holds.
 */
bool stockade_progress_next(struct stockade_progress *p, u64 log_first,
			    u64 last_index, u32 max_entries, u64 *first,
			    u32 *count);

/*
 * A full resync left the follower's log at @snap_index (the leader's log
 * still holds every entry after it): append from there.
 */
void stockade_progress_resynced(struct stockade_progress *p, u64 snap_index);

/*
 * The follower answered the APPEND that ended at @sent_last.  @match and
 * @follower_last come from the reply.  Returns false for an answer that
 * cannot be right (a match beyond what was sent), which the caller treats
 * as a malformed message.  STOCKADE_APPEND_NEEDS_RESYNC sets needs_resync:
 * nothing more is sent until the caller has resynced the follower.
 */
bool stockade_progress_on_reply(struct stockade_progress *p,
				enum stockade_append_verdict verdict,
				u64 match, u64 follower_last, u64 sent_last);

#endif /* _STOCKADE_CORE_PROGRESS_H */
