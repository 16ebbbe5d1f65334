/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The events one batch of the election's actions makes (leadership.c):
 * each answer this node sends to a vote or pre-vote request, granted or
 * refused and why, and each round of requests it sends, which is an
 * election started.  Lines out through a callback and nothing else, so
 * that the unit test can drive it with the real state machine.
 */
#ifndef STOCKADE_AGENT_VOTEEVENTS_H
#define STOCKADE_AGENT_VOTEEVENTS_H

#include <stdint.h>

#include "election.h"

typedef void (*agent_vote_event_fn)(void *ctx, const char *line);

/*
 * For @out, the actions for /dev/stockade@device: per VOTE_REPLY sent,
 * "stockadeN vote-granted kind=KIND term=T candidate=ID" or
 * "stockadeN vote-refused kind=KIND term=T candidate=ID why=WHY" (KIND:
 * pre-vote or vote; a grant's term is the one granted, a refusal's this
 * node's), and "stockadeN election kind=KIND term=T transfer=yes|no"
 * once for the VOTE requests of the batch.
 */
void agent_vote_events(const struct stockade_elect_out *out, uint32_t device,
		       agent_vote_event_fn emit, void *ctx);

/* Why a vote was given or refused, as one word: "log-behind"... */
const char *agent_vote_verdict_word(uint8_t verdict);

#endif /* STOCKADE_AGENT_VOTEEVENTS_H */
