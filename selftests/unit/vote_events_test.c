// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's vote and election events (agent/voteevents.c), from the
 * actions of the real election state machine (core/election.c): each
 * pre-vote and vote answer this node sends, granted or refused and why,
 * and one election event per round of requests it sends.  The agents on
 * the host run without the module, so they never elect: this is where
 * the events are checked line by line.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "election.h"
#include "events.h"
#include "voteevents.h"

#define MS	1000000ULL
#define SEC	1000000000ULL

struct lines {
	char line[8][AGENT_EVENT_LINE_MAX];
	unsigned int n;
};

static void collect(void *ctx, const char *line)
{
	struct lines *l = ctx;

	if (l->n < 8)
		strcpy(l->line[l->n], line);
	l->n++;
}

/* The events of @out, for /dev/stockade0. */
static struct lines events(const struct stockade_elect_out *out)
{
	struct lines l = { .n = 0 };

	agent_vote_events(out, 0, collect, &l);
	return l;
}

static struct stockade_elect_msg request(u32 from, u64 term, bool pre,
					 u64 last_index)
{
	return (struct stockade_elect_msg) {
		.type = STOCKADE_ELECT_MSG_VOTE, .pre_vote = pre,
		.from = from, .to = 1, .term = term,
		.last_index = last_index, .last_term = 3,
	};
}

/* @out made exactly the event @want. */
#define EXPECT_ONE(out, want) do { \
	struct lines l_ = events(out); \
	ASSERT_EQ(1u, l_.n); \
	EXPECT_STREQ(want, l_.line[0]); \
} while (0)

/* Node 1 of 3, in term 3 with its log at index 10 of term 3. */
static bool start(struct stockade_elect *e, u64 now)
{
	struct stockade_elect_config c = {
		.self = 1, .peers = { 2, 3 }, .n_peers = 2,
		.heartbeat_ns = 20 * MS, .election_base_ns = 150 * MS,
		.lease_ns = 100 * MS,
	};

	return stockade_elect_init(e, &c, 3, 0, 10, 3, now);
}

/* The module persisted (or refused) the vote of @out's PERSIST_VOTE. */
static void persist(struct stockade_elect *e, const struct stockade_elect_out *in,
		    bool granted, u64 now, struct stockade_elect_out *out)
{
	struct stockade_elect_vote_answer ans = { .ok = true };
	u32 i;

	for (i = 0; i < in->n; i++)
		if (in->a[i].kind == STOCKADE_ELECT_ACT_PERSIST_VOTE)
			ans.req = in->a[i].vote;
	ans.granted = granted;
	ans.term = ans.req.term;
	ans.voted_for = granted ? ans.req.candidate : 0;
	stockade_elect_vote_done(e, &ans, now, out);
}

TEST(answers_to_votes_say_who_what_and_why)
{
	struct stockade_elect_out out, out2;
	struct stockade_elect_msg m;
	struct stockade_elect e;
	u64 now = 5 * SEC;

	ASSERT_TRUE(start(&e, now));
	m = request(2, 4, true, 10);
	stockade_elect_receive(&e, &m, now, &out);
	EXPECT_ONE(&out, "stockade0 vote-granted kind=pre-vote term=4 candidate=2");

	/* a real vote from a log that is behind: refused, term adopted */
	m = request(3, 4, false, 5);
	stockade_elect_receive(&e, &m, now, &out);
	EXPECT_ONE(&out, "stockade0 vote-refused kind=vote term=4 candidate=3 why=log-behind");

	/* a grant waits for the module: no event before its answer */
	m = request(2, 4, false, 10);
	stockade_elect_receive(&e, &m, now, &out);
	EXPECT_EQ(0u, events(&out).n);
	persist(&e, &out, true, now, &out2);
	EXPECT_ONE(&out2, "stockade0 vote-granted kind=vote term=4 candidate=2");

	m = request(3, 4, false, 10);
	stockade_elect_receive(&e, &m, now, &out);
	EXPECT_ONE(&out, "stockade0 vote-refused kind=vote term=4 candidate=3 why=already-voted");

	/* node 2 leads term 4 and is heard: pre-votes are refused */
	m = (struct stockade_elect_msg) {
		.type = STOCKADE_ELECT_MSG_HEARTBEAT, .from = 2, .to = 1,
		.term = 4, .sent_ns = 1,
	};
	stockade_elect_receive(&e, &m, now, &out);
	EXPECT_EQ(0u, events(&out).n);
	m = request(3, 5, true, 10);
	stockade_elect_receive(&e, &m, now + 10 * MS, &out);
	EXPECT_ONE(&out, "stockade0 vote-refused kind=pre-vote term=4 candidate=3 why=leader-alive");

	/* a log newer than the term asked for cannot be */
	m = request(3, 2, false, 10);
	stockade_elect_receive(&e, &m, now + 10 * MS, &out);
	EXPECT_ONE(&out, "stockade0 vote-refused kind=vote term=4 candidate=3 why=bad-request");

	/* an old term: refused with ours */
	m.last_term = 2;
	stockade_elect_receive(&e, &m, now + 10 * MS, &out);
	EXPECT_ONE(&out, "stockade0 vote-refused kind=vote term=4 candidate=3 why=stale-term");
}

TEST(an_election_is_one_event_per_round)
{
	struct stockade_elect_out out, out2;
	struct stockade_elect_msg m;
	struct stockade_elect e;
	u64 now = 5 * SEC;

	ASSERT_TRUE(start(&e, now));
	/* no leader for 10 election timeouts: a pre-vote round */
	stockade_elect_tick(&e, now + 2 * SEC, 0, &out);
	EXPECT_ONE(&out, "stockade0 election kind=pre-vote term=4 transfer=no");

	/* a pre-vote granted: candidate, own vote first, then the round */
	m = (struct stockade_elect_msg) {
		.type = STOCKADE_ELECT_MSG_VOTE_REPLY, .pre_vote = true,
		.granted = true, .from = 2, .to = 1, .term = 4,
	};
	stockade_elect_receive(&e, &m, now + 2 * SEC, &out);
	ASSERT_EQ(STOCKADE_ELECT_CANDIDATE, stockade_elect_role(&e));
	EXPECT_EQ(0u, events(&out).n);
	persist(&e, &out, true, now + 2 * SEC, &out2);
	EXPECT_ONE(&out2, "stockade0 election kind=vote term=4 transfer=no");

	/* the operator's promote: no pre-vote, marked transfer */
	ASSERT_TRUE(start(&e, now));
	ASSERT_TRUE(stockade_elect_campaign(&e, now, true, &out));
	EXPECT_EQ(0u, events(&out).n);
	persist(&e, &out, true, now, &out2);
	EXPECT_ONE(&out2, "stockade0 election kind=vote term=4 transfer=yes");
}

TEST(every_verdict_is_one_word)
{
	int v;

	for (v = STOCKADE_VOTE_GRANTED; v <= STOCKADE_VOTE_BAD_REQUEST; v++) {
		EXPECT_STRNE("unknown", agent_vote_verdict_word(v));
		EXPECT_EQ(NULL, strchr(agent_vote_verdict_word(v), ' '));
	}
	EXPECT_STREQ("unknown", agent_vote_verdict_word(200));
}

TEST_HARNESS_MAIN
