// SPDX-License-Identifier: GPL-2.0
#include "readround.h"
#include "quorum.h"

void stockade_rounds_reset(struct stockade_read_rounds *r, u32 n_peers)
{
	u64 last = r->sent;

	memset(r, 0, sizeof(*r));
	/* Numbers keep growing, so a late ack of an old round is stale. */
	r->sent = last;
	r->confirmed = last;
	r->n_peers = n_peers < STOCKADE_MAX_NODES ? n_peers :
						    STOCKADE_MAX_NODES - 1;
}

u64 stockade_rounds_in_flight(const struct stockade_read_rounds *r)
{
	return r->sent != r->confirmed ? r->sent : 0;
}

static bool majority_acked(const struct stockade_read_rounds *r)
{
	unsigned int votes = 1;		/* the leader itself */
	u32 i;

	for (i = 0; i < r->n_peers; i++)
		if (r->acked[i] >= r->sent)
			votes++;
	return votes >= stockade_majority(r->n_peers + 1);
}

u64 stockade_rounds_start(struct stockade_read_rounds *r)
{
	if (stockade_rounds_in_flight(r))
		return 0;
	r->sent++;
	if (majority_acked(r))
		r->confirmed = r->sent;
	return r->sent;
}

bool stockade_rounds_ack(struct stockade_read_rounds *r, u32 peer,
			 u64 round)
{
	if (peer >= r->n_peers || round > r->sent ||
	    round <= r->acked[peer])
		return false;
	r->acked[peer] = round;
	if (!stockade_rounds_in_flight(r) || !majority_acked(r))
		return false;
	r->confirmed = r->sent;
	return true;
}
