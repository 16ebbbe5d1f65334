/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The leader's view of one follower: which entry to send next, what is
 * known replicated there, and how to react to its answers.  One APPEND is
 * in flight per follower; a refusal moves next_index back, jumping to
 * just after the follower's last entry when it is that far behind, and
 * over a whole divergent term when the follower names it (the conflict
 * term hint): a long divergent suffix costs a round trip per term, not
 * per entry.  Only where the leader probes changes: the follower's rules
 * decide what matches.
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

/* A follower's answer to the APPEND in flight. */
struct stockade_append_answer {
	enum stockade_append_verdict verdict;
	u64 match;		/* OK: its log equals ours through here */
	u64 follower_last;	/* its last index */
	u64 sent_last;		/* the last index of the APPEND answered */
	struct stockade_append_hint hint;	/* MISMATCH; zero: none */
};

/* The leader's own log, which a hint is looked up in. */
struct stockade_leader_log {
	u64 term;		/* the leader's current term */
	u64 first;		/* the oldest index term_at() can name */
	/* Terms never decrease along the log: it is searched by bisection. */
	u64 (*term_at)(const void *log, u64 index);
	const void *log;
};

/*
 * The follower answered the APPEND in flight.  Returns false for an
 * answer that cannot be right (a match beyond what was sent), which the
 * caller treats as a malformed message.  A hint that cannot be right (a
 * term not older than ours, a run that does not reach the refused entry)
 * is ignored: the probe then steps back by one, as without a hint.  With
 * @log NULL every hint is ignored.  STOCKADE_APPEND_NEEDS_RESYNC sets
 * needs_resync: nothing more is sent until the caller has resynced the
 * follower.
 */
bool stockade_progress_on_reply(struct stockade_progress *p,
				const struct stockade_append_answer *a,
				const struct stockade_leader_log *log);

#endif /* _STOCKADE_CORE_PROGRESS_H */
