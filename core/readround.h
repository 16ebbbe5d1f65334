/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rounds that confirm leadership before reads are served (read = quorum,
 * Raft's ReadIndex without a clock).  A read may be served once a round
 * that started after it arrived has been acknowledged, in this leader's
 * term, by a majority of the nodes.  Reads that arrive while a round is
 * in flight wait for the next one, so many readers share one round trip.
 */
#ifndef _STOCKADE_CORE_READROUND_H
#define _STOCKADE_CORE_READROUND_H

#include "compat.h"
#include "limits.h"

struct stockade_read_rounds {
	u64 sent;			/* the last round started; 0: none */
	u64 confirmed;			/* the last round a majority acked */
	u32 n_peers;			/* the leader is not counted here */
	u64 acked[STOCKADE_MAX_NODES - 1];	/* per peer: last round */
};

/* Forget every round: a new leader, term or peer list starts afresh. */
void stockade_rounds_reset(struct stockade_read_rounds *r, u32 n_peers);

/*
 * Start a round unless one is in flight.  Returns the round to send to
 * every peer, or 0 when the caller must wait for the current one.  With
 * no peers, the round is confirmed at once.
 */
u64 stockade_rounds_start(struct stockade_read_rounds *r);

/* The round in flight, to send again after a reconnect; 0: none. */
u64 stockade_rounds_in_flight(const struct stockade_read_rounds *r);

/*
 * Peer @peer acknowledged @round in the leader's current term.  Returns
 * true when this confirms the round in flight.  Stale, future and
 * out-of-range acknowledgements change nothing.
 */
bool stockade_rounds_ack(struct stockade_read_rounds *r, u32 peer,
			 u64 round);

#endif /* _STOCKADE_CORE_READROUND_H */
