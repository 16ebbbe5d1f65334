// SPDX-License-Identifier: GPL-2.0
/*
 * Full resync rules (core/resync.h).  The follower is the authority on
 * what it holds: the leader sends from wherever the follower's last
 * answer says, never beyond what it sent, so a lost or repeated message
 * costs a resend, never a hole.
 */
#include "resync.h"

#define NSEC_PER_S	1000000000ULL

/* --- leader --------------------------------------------------------------- */

static bool in_flight_phase(enum stockade_resync_phase ph)
{
	return ph == STOCKADE_RSRC_STARTING || ph == STOCKADE_RSRC_COPYING ||
	       ph == STOCKADE_RSRC_FINISHING;
}

bool stockade_resync_src_copying(const struct stockade_resync_src *s)
{
	return in_flight_phase(s->phase);
}

u64 stockade_resync_src_pin(const struct stockade_resync_src *s,
			    u64 match_index)
{
	if (in_flight_phase(s->phase))
		return s->snap_index;
	if (s->phase == STOCKADE_RSRC_CATCHING_UP)
		return match_index > s->snap_index ? match_index :
						     s->snap_index;
	return U64_MAX;
}

void stockade_resync_src_begin(struct stockade_resync_src *s, u64 term,
			       u64 session, u64 snap_index, u64 snap_term,
			       u64 data_blocks)
{
	memset(s, 0, sizeof(*s));
	s->phase = STOCKADE_RSRC_STARTING;
	s->term = term;
	s->session = session;
	s->snap_index = snap_index;
	s->snap_term = snap_term;
	s->data_blocks = data_blocks;
}

void stockade_resync_src_reconnect(struct stockade_resync_src *s)
{
	s->inflight = false;
	/* The follower may have finished, or lost blocks not yet durable. */
	if (s->phase == STOCKADE_RSRC_COPYING ||
	    s->phase == STOCKADE_RSRC_FINISHING)
		s->phase = STOCKADE_RSRC_STARTING;
}

void stockade_resync_src_abort(struct stockade_resync_src *s, u64 retry_ns)
{
	s->phase = STOCKADE_RSRC_NONE;
	s->inflight = false;
	s->retry_ns = retry_ns;
}

bool stockade_resync_src_append_ok(struct stockade_resync_src *s)
{
	if (!in_flight_phase(s->phase))
		return false;
	s->phase = STOCKADE_RSRC_CATCHING_UP;
	s->next_block = s->data_blocks;
	s->inflight = false;
	if (s->catch_up_index < s->snap_index)
		s->catch_up_index = s->snap_index;
	return true;
}

bool stockade_resync_src_caught_up(struct stockade_resync_src *s,
				   u64 match_index)
{
	if (s->phase != STOCKADE_RSRC_CATCHING_UP ||
	    match_index < s->catch_up_index)
		return false;
	s->phase = STOCKADE_RSRC_DONE;
	return true;
}

enum stockade_resync_action
stockade_resync_src_next(struct stockade_resync_src *s,
			 const struct stockade_resync_pacer *p, u64 now,
			 u32 max_blocks, struct stockade_resync_step *step)
{
	u64 left;

	if (s->inflight || !in_flight_phase(s->phase) || !max_blocks)
		return STOCKADE_RSRC_IDLE;
	if (s->phase == STOCKADE_RSRC_STARTING) {
		s->inflight = true;
		return STOCKADE_RSRC_SEND_START;
	}
	if (now < p->next_ns) {
		step->until = p->next_ns;
		return STOCKADE_RSRC_WAIT;
	}
	s->inflight = true;
	/* The end is paced too, so a copy never beats the rate limit. */
	if (s->next_block >= s->data_blocks) {
		s->phase = STOCKADE_RSRC_FINISHING;
		return STOCKADE_RSRC_SEND_DONE;
	}
	left = s->data_blocks - s->next_block;
	step->offset = s->next_block;
	step->n = left < max_blocks ? (u32)left : max_blocks;
	s->sent_end = step->offset + step->n;
	return STOCKADE_RSRC_SEND_CHUNK;
}

void stockade_resync_pace(struct stockade_resync_pacer *p, u64 bytes,
			  u32 rate_kbps, u64 now)
{
	u64 floor = now > STOCKADE_RESYNC_PACE_SLACK_NS ?
		    now - STOCKADE_RESYNC_PACE_SLACK_NS : 0;
	u64 from = p->next_ns > floor ? p->next_ns : floor;

	if (!rate_kbps) {
		p->next_ns = 0;
		return;
	}
	/*
	 * Each chunk is charged its time at the rate, after the end of the
	 * previous charge: the schedule holds however late the sender wakes
	 * (up to the slack), and idle time is not saved up for a burst
	 * beyond the slack.
	 */
	p->next_ns = from + bytes * NSEC_PER_S / ((u64)rate_kbps * 1024);
}

static enum stockade_resync_ack_result
take_ok(struct stockade_resync_src *s, u64 next_block)
{
	/* Never past the end, nor past what was sent. */
	if (next_block > s->data_blocks)
		return STOCKADE_RSRC_ACK_INVALID;
	switch (s->phase) {
	case STOCKADE_RSRC_STARTING:
		s->phase = STOCKADE_RSRC_COPYING;
		break;
	case STOCKADE_RSRC_COPYING:
		if (next_block > s->sent_end)
			return STOCKADE_RSRC_ACK_INVALID;
		break;
	default:
		/* The copy was not finished after all: send what is missing. */
		if (next_block >= s->data_blocks)
			return STOCKADE_RSRC_ACK_INVALID;
		s->phase = STOCKADE_RSRC_COPYING;
		break;
	}
	s->next_block = next_block;
	s->inflight = false;
	return STOCKADE_RSRC_ACK_PROGRESS;
}

enum stockade_resync_ack_result
stockade_resync_src_on_ack(struct stockade_resync_src *s, u64 session,
			   u64 next_block, u32 status)
{
	if (!in_flight_phase(s->phase) || session != s->session)
		return STOCKADE_RSRC_ACK_IGNORED;
	switch (status) {
	case STOCKADE_RESYNC_ACK_OK:
		/* An answer to a message sent on an earlier connection. */
		if (!s->inflight)
			return STOCKADE_RSRC_ACK_IGNORED;
		return take_ok(s, next_block);
	case STOCKADE_RESYNC_ACK_DONE:
		/* Only the end, or a START for a copy already ended, says so. */
		if (s->phase == STOCKADE_RSRC_COPYING)
			return STOCKADE_RSRC_ACK_INVALID;
		s->phase = STOCKADE_RSRC_CATCHING_UP;
		s->next_block = s->data_blocks;
		s->inflight = false;
		return STOCKADE_RSRC_ACK_COMPLETED;
	case STOCKADE_RESYNC_ACK_UNKNOWN_SESSION:
		s->phase = STOCKADE_RSRC_STARTING;
		s->inflight = false;
		return STOCKADE_RSRC_ACK_RESTART;
	case STOCKADE_RESYNC_ACK_REFUSED:
		return STOCKADE_RSRC_ACK_REFUSED;
	}
	return STOCKADE_RSRC_ACK_INVALID;
}

/* --- follower ------------------------------------------------------------- */

bool stockade_resync_dst_copying(const struct stockade_resync_dst *d)
{
	return d->needed && !d->rec.catch_up_index;
}

static bool same_session(const struct stockade_resync_dst *d, u64 session)
{
	return d->needed && d->rec.session && d->rec.session == session;
}

enum stockade_resync_verdict
stockade_resync_dst_start(const struct stockade_resync_dst *d,
			  const struct stockade_resync_start_req *req,
			  struct stockade_super_resync *rec)
{
	if (!req->session || req->snap_term > req->term ||
	    (!req->snap_index && req->snap_term))
		return STOCKADE_RDST_INVALID;
	if (req->data_blocks != d->data_blocks)
		return STOCKADE_RDST_REFUSE;
	if (same_session(d, req->session)) {
		/* One session is one snapshot: anything else is a lie. */
		if (req->snap_index != d->rec.snap_index ||
		    req->snap_term != d->rec.snap_term)
			return STOCKADE_RDST_INVALID;
		return d->rec.catch_up_index ? STOCKADE_RDST_ALREADY_DONE :
					       STOCKADE_RDST_RESUME;
	}
	/*
	 * Another session, from another leader or the same one later: the
	 * blocks already copied may show an earlier moment than this
	 * snapshot, so the copy starts over.
	 */
	memset(rec, 0, sizeof(*rec));
	rec->session = req->session;
	rec->snap_index = req->snap_index;
	rec->snap_term = req->snap_term;
	return STOCKADE_RDST_NEW;
}

enum stockade_resync_verdict
stockade_resync_dst_chunk(const struct stockade_resync_dst *d, u64 session,
			  u64 offset, u32 n)
{
	if (!stockade_resync_dst_copying(d) || !same_session(d, session))
		return STOCKADE_RDST_UNKNOWN_SESSION;
	if (!n || offset > d->data_blocks || n > d->data_blocks - offset)
		return STOCKADE_RDST_INVALID;
	/* In order only: next_block then means "all below are here". */
	if (offset != d->next_block)
		return STOCKADE_RDST_RESUME;
	return STOCKADE_RDST_WRITE;
}

bool stockade_resync_dst_persist_due(const struct stockade_resync_dst *d)
{
	return d->next_block >= d->data_blocks ||
	       d->next_block - d->rec.next_block >=
	       STOCKADE_RESYNC_PERSIST_BLOCKS;
}

enum stockade_resync_verdict
stockade_resync_dst_done(const struct stockade_resync_dst *d,
			 const struct stockade_wire_resync_done *done)
{
	u64 session = le64_to_cpu(done->session);

	if (!same_session(d, session))
		return STOCKADE_RDST_UNKNOWN_SESSION;
	if (le64_to_cpu(done->snap_index) != d->rec.snap_index ||
	    le64_to_cpu(done->snap_term) != d->rec.snap_term ||
	    le64_to_cpu(done->catch_up_index) < d->rec.snap_index)
		return STOCKADE_RDST_INVALID;
	if (d->rec.catch_up_index)
		return STOCKADE_RDST_ALREADY_DONE;
	/* Not everything is here (a restart lost the tail): say where. */
	if (d->next_block < d->data_blocks)
		return STOCKADE_RDST_RESUME;
	return STOCKADE_RDST_FINISH;
}

bool stockade_resync_dst_caught_up(const struct stockade_resync_dst *d,
				   u64 applied)
{
	return d->needed && d->rec.catch_up_index &&
	       applied >= d->rec.catch_up_index;
}
