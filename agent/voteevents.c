// SPDX-License-Identifier: GPL-2.0
/* Vote and election events from the election's actions (voteevents.h). */
#include <stdbool.h>
#include <stdio.h>

#include "events.h"
#include "voteevents.h"

const char *agent_vote_verdict_word(uint8_t verdict)
{
	/* Event values hold no blanks, unlike stockade_vote_verdict_name(). */
	static const char *const words[] = {
		[STOCKADE_VOTE_GRANTED]		= "granted",
		[STOCKADE_VOTE_STALE_TERM]	= "stale-term",
		[STOCKADE_VOTE_ALREADY_VOTED]	= "already-voted",
		[STOCKADE_VOTE_LOG_BEHIND]	= "log-behind",
		[STOCKADE_VOTE_LEADER_ALIVE]	= "leader-alive",
		[STOCKADE_VOTE_BAD_REQUEST]	= "bad-request",
	};

	return verdict < sizeof(words) / sizeof(words[0]) && words[verdict] ?
	       words[verdict] : "unknown";
}

static const char *kind(const struct stockade_elect_msg *m)
{
	return m->pre_vote ? "pre-vote" : "vote";
}

void agent_vote_events(const struct stockade_elect_out *out, uint32_t device,
		       agent_vote_event_fn emit, void *ctx)
{
	char line[AGENT_EVENT_LINE_MAX];
	const struct stockade_elect_msg *m;
	bool asked = false;
	uint32_t i;

	for (i = 0; i < out->n; i++) {
		if (out->a[i].kind != STOCKADE_ELECT_ACT_SEND)
			continue;
		m = &out->a[i].msg;
		if (m->type == STOCKADE_ELECT_MSG_VOTE_REPLY) {
			snprintf(line, sizeof(line),
				 "stockade%u vote-%s kind=%s term=%llu candidate=%u%s%s",
				 device, m->granted ? "granted" : "refused",
				 kind(m), (unsigned long long)m->term, m->to,
				 m->granted ? "" : " why=",
				 m->granted ? "" :
				 agent_vote_verdict_word(m->verdict));
			emit(ctx, line);
		} else if (m->type == STOCKADE_ELECT_MSG_VOTE && !asked) {
			/* One request per peer: one election. */
			asked = true;
			snprintf(line, sizeof(line),
				 "stockade%u election kind=%s term=%llu transfer=%s",
				 device, kind(m), (unsigned long long)m->term,
				 m->transfer ? "yes" : "no");
			emit(ctx, line);
		}
	}
}
