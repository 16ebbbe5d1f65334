/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Full resync: a follower whose log no longer overlaps the leader's (or
 * whose disk is new) gets a copy of the leader's data region, in chunks,
 * while writes go on; then its log restarts at the leader's applied index
 * from when the copy began, and normal replication replays what came
 * after (docs/design.md, "Full resync").
 *
 * Pure logic, shared by the module and the tests: the leader's side of
 * one copy (what to send next, how to take an answer, the pacing) and the
 * follower's checks of what it receives.  Time is an argument, in ns.
 */
#ifndef _STOCKADE_CORE_RESYNC_H
#define _STOCKADE_CORE_RESYNC_H

#include "compat.h"
#include "superblock.h"
#include <stockade/wire_format.h>

/* Blocks per chunk the leader sends: 256 KiB. */
#define STOCKADE_RESYNC_CHUNK_BLOCKS	64
/* The follower persists how far it got every this many blocks (4 MiB). */
#define STOCKADE_RESYNC_PERSIST_BLOCKS	1024
/* Default rate limit, KiB/s: 100 MiB/s.  0 means unlimited. */
#define STOCKADE_RESYNC_DEFAULT_KBPS	102400U
/*
 * How late a timer may wake the sender without the rate falling short:
 * the pacer keeps the schedule that far back.  It is also the largest
 * burst above the rate (at the start of a copy).
 */
#define STOCKADE_RESYNC_PACE_SLACK_NS	(20ULL * 1000000ULL)

/* --- the leader's side of one follower's copy ---------------------------- */

enum stockade_resync_phase {
	STOCKADE_RSRC_NONE,		/* no copy */
	STOCKADE_RSRC_STARTING,		/* RESYNC_START to send or answer */
	STOCKADE_RSRC_COPYING,		/* chunks */
	STOCKADE_RSRC_FINISHING,	/* RESYNC_DONE to send or answer */
	STOCKADE_RSRC_CATCHING_UP,	/* copy done; appends bring the rest */
	STOCKADE_RSRC_DONE,		/* the last copy completed */
};

struct stockade_resync_src {
	enum stockade_resync_phase phase;
	u64 term;		/* the leader's term the copy belongs to */
	u64 session;
	u64 snap_index, snap_term;
	u64 data_blocks;
	u64 next_block;		/* the follower has every block below */
	u64 sent_end;		/* end of the chunk in flight */
	u64 catch_up_index;	/* sent in RESYNC_DONE */
	bool inflight;		/* a message awaits its RESYNC_ACK */
	u64 retry_ns;		/* after a refusal, no new copy before */
};

/* The rate limit, shared by every copy of one device. */
struct stockade_resync_pacer {
	u64 next_ns;		/* no chunk (nor the end) before this */
};

/* Still copying: the leader must keep its log from snap_index on. */
bool stockade_resync_src_copying(const struct stockade_resync_src *s);

/*
 * The oldest index the leader's log must keep for this follower, or
 * U64_MAX: snap_index while copying, then the follower's match until it
 * has reached catch_up_index (so that it never needs a second copy just
 * because the log moved on while it replayed).
 */
u64 stockade_resync_src_pin(const struct stockade_resync_src *s,
			    u64 match_index);

/* A new copy in @term; nothing to send before the follower answers. */
void stockade_resync_src_begin(struct stockade_resync_src *s, u64 term,
			       u64 session, u64 snap_index, u64 snap_term,
			       u64 data_blocks);

/* A new connection: ask again where the follower stands. */
void stockade_resync_src_reconnect(struct stockade_resync_src *s);

/* Give the copy up (log overflow, refusal); no new one before @retry_ns. */
void stockade_resync_src_abort(struct stockade_resync_src *s, u64 retry_ns);

/*
 * The follower accepted an APPEND while a copy was under way: its end was
 * answered on a connection that broke.  Returns true if that ended it.
 */
bool stockade_resync_src_append_ok(struct stockade_resync_src *s);

/* The follower's match reached what it had to replay: the pin goes. */
bool stockade_resync_src_caught_up(struct stockade_resync_src *s,
				   u64 match_index);

enum stockade_resync_action {
	STOCKADE_RSRC_IDLE,		/* nothing to send now */
	STOCKADE_RSRC_WAIT,		/* the rate limit: try again at .until */
	STOCKADE_RSRC_SEND_START,
	STOCKADE_RSRC_SEND_CHUNK,	/* blocks [.offset, .offset + .n) */
	STOCKADE_RSRC_SEND_DONE,
};

struct stockade_resync_step {
	u64 offset;
	u32 n;
	u64 until;
};

/*
 * What to send next, one message in flight at a time.  A chunk or the
 * final RESYNC_DONE waits for the pacer; the caller charges a chunk with
 * stockade_resync_pace() when it sends it.
 */
enum stockade_resync_action
stockade_resync_src_next(struct stockade_resync_src *s,
			 const struct stockade_resync_pacer *p, u64 now,
			 u32 max_blocks, struct stockade_resync_step *step);

/* A chunk of @bytes leaves at @now: the next one waits its share. */
void stockade_resync_pace(struct stockade_resync_pacer *p, u64 bytes,
			  u32 rate_kbps, u64 now);

enum stockade_resync_ack_result {
	STOCKADE_RSRC_ACK_IGNORED,	/* another session, or nothing asked */
	STOCKADE_RSRC_ACK_PROGRESS,	/* send on from next_block */
	STOCKADE_RSRC_ACK_COMPLETED,	/* the follower's log is reset */
	STOCKADE_RSRC_ACK_RESTART,	/* it lost the session: START again */
	STOCKADE_RSRC_ACK_REFUSED,	/* it cannot take a copy */
	STOCKADE_RSRC_ACK_INVALID,	/* cannot be right: malformed */
};

enum stockade_resync_ack_result
stockade_resync_src_on_ack(struct stockade_resync_src *s, u64 session,
			   u64 next_block, u32 status);

/* --- the follower's side -------------------------------------------------- */

/*
 * The follower's resync state: the superblock's record (persisted), and
 * how far the copy really got (at or beyond the persisted next_block).
 */
struct stockade_resync_dst {
	bool needed;		/* STOCKADE_SUPER_NEEDS_RESYNC */
	struct stockade_super_resync rec;
	u64 next_block;
	u64 data_blocks;	/* of this replica */
};

/* Copying (or waiting for a copy): the log must not be used. */
bool stockade_resync_dst_copying(const struct stockade_resync_dst *d);

enum stockade_resync_verdict {
	STOCKADE_RDST_NEW,		/* persist the new record, then ack 0 */
	STOCKADE_RDST_RESUME,		/* ack OK with next_block */
	STOCKADE_RDST_WRITE,		/* write the chunk, then ack */
	STOCKADE_RDST_FINISH,		/* reset the log, then ack DONE */
	STOCKADE_RDST_ALREADY_DONE,	/* ack DONE */
	STOCKADE_RDST_UNKNOWN_SESSION,	/* ack UNKNOWN_SESSION */
	STOCKADE_RDST_REFUSE,		/* ack REFUSED */
	STOCKADE_RDST_INVALID,		/* malformed: drop the connection */
};

struct stockade_resync_start_req {
	u64 term;		/* of the message */
	u64 session, snap_index, snap_term, data_blocks;
};

/* RESYNC_START.  For NEW, *rec is the record to persist. */
enum stockade_resync_verdict
stockade_resync_dst_start(const struct stockade_resync_dst *d,
			  const struct stockade_resync_start_req *req,
			  struct stockade_super_resync *rec);

/* RESYNC_CHUNK of [offset, offset + n) (already checked by the parser). */
enum stockade_resync_verdict
stockade_resync_dst_chunk(const struct stockade_resync_dst *d, u64 session,
			  u64 offset, u32 n);

/* After a chunk: whether to persist next_block now. */
bool stockade_resync_dst_persist_due(const struct stockade_resync_dst *d);

/* RESYNC_DONE. */
enum stockade_resync_verdict
stockade_resync_dst_done(const struct stockade_resync_dst *d,
			 const struct stockade_wire_resync_done *done);

/* Catching up, and @applied has reached the target: clear the flag. */
bool stockade_resync_dst_caught_up(const struct stockade_resync_dst *d,
				   u64 applied);

#endif /* _STOCKADE_CORE_RESYNC_H */
