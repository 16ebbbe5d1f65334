// SPDX-License-Identifier: GPL-2.0
/*
 * The leader's commit rule (core/quorum.c) and the voter's rules
 * (core/vote.c).
 */
#include "kselftest_harness.h"
#include "quorum.h"
#include "vote.h"

static const u64 log_terms[] = { 0, 1, 1, 2, 3, 3 };	/* index 1..5 */

static u64 term_at(const void *log, u64 index)
{
	const u64 *t = log;

	return index < 6 ? t[index] : 0;
}

TEST(majority_sizes)
{
	EXPECT_EQ(1u, stockade_majority(1));
	EXPECT_EQ(2u, stockade_majority(2));
	EXPECT_EQ(2u, stockade_majority(3));
	EXPECT_EQ(3u, stockade_majority(4));
	EXPECT_EQ(3u, stockade_majority(5));
}

TEST(commit_needs_a_majority)
{
	u64 match[] = { 5, 4, 1 };

	EXPECT_EQ(4u, stockade_quorum_commit(match, 3, 0, 3, term_at,
					     log_terms));
	match[1] = 1;
	EXPECT_EQ(1u, stockade_quorum_commit(match, 3, 1, 3, term_at,
					     log_terms));
}

TEST(commit_only_entries_of_the_current_term)
{
	u64 match[] = { 5, 3, 3 };

	/* index 3 is of term 2: a term-3 leader cannot commit it by count */
	EXPECT_EQ(2u, stockade_quorum_commit(match, 3, 2, 3, term_at,
					     log_terms));
	match[1] = 5;
	EXPECT_EQ(5u, stockade_quorum_commit(match, 3, 2, 3, term_at,
					     log_terms));
}

TEST(commit_never_decreases)
{
	u64 match[] = { 5, 1, 1, 1, 5 };

	EXPECT_EQ(4u, stockade_quorum_commit(match, 5, 4, 3, term_at,
					     log_terms));
}

TEST(commit_five_nodes_order_independent)
{
	u64 a[] = { 1, 5, 4, 2, 4 }, b[] = { 4, 4, 5, 2, 1 };

	EXPECT_EQ(4u, stockade_quorum_commit(a, 5, 0, 3, term_at, log_terms));
	EXPECT_EQ(4u, stockade_quorum_commit(b, 5, 0, 3, term_at, log_terms));
}

TEST(commit_rejects_bad_node_counts)
{
	u64 match[8] = { 5, 5, 5, 5, 5, 5, 5, 5 };

	EXPECT_EQ(2u, stockade_quorum_commit(match, 0, 2, 3, term_at,
					     log_terms));
	EXPECT_EQ(2u, stockade_quorum_commit(match, 8, 2, 3, term_at,
					     log_terms));
}

static struct stockade_vote_state voter(void)
{
	struct stockade_vote_state st = {
		.current_term = 5, .voted_for = 0,
		.last_index = 10, .last_term = 4,
	};
	return st;
}

TEST(vote_granted_and_persisted)
{
	struct stockade_vote_state st = voter();
	struct stockade_vote_req req = {
		.term = 6, .candidate = 2, .last_index = 10, .last_term = 4,
	};
	struct stockade_vote_plan plan;

	ASSERT_EQ(STOCKADE_VOTE_GRANTED, stockade_vote(&st, &req, &plan));
	EXPECT_TRUE(plan.persist);
	EXPECT_EQ(6u, plan.new_term);
	EXPECT_EQ(2u, plan.voted_for);
}

TEST(one_vote_per_term)
{
	struct stockade_vote_state st = voter();
	struct stockade_vote_req req = {
		.term = 5, .candidate = 3, .last_index = 10, .last_term = 4,
	};
	struct stockade_vote_plan plan;

	st.voted_for = 2;
	EXPECT_EQ(STOCKADE_VOTE_ALREADY_VOTED, stockade_vote(&st, &req, &plan));
	EXPECT_FALSE(plan.persist);
	/* the same candidate asking again gets the same answer */
	req.candidate = 2;
	EXPECT_EQ(STOCKADE_VOTE_GRANTED, stockade_vote(&st, &req, &plan));
	EXPECT_FALSE(plan.persist);
}

TEST(stale_candidate_is_refused)
{
	struct stockade_vote_state st = voter();
	struct stockade_vote_req req = {
		.term = 4, .candidate = 2, .last_index = 20, .last_term = 4,
	};
	struct stockade_vote_plan plan;

	EXPECT_EQ(STOCKADE_VOTE_STALE_TERM, stockade_vote(&st, &req, &plan));
	EXPECT_FALSE(plan.persist);
}

TEST(candidate_with_older_log_is_refused_but_term_adopted)
{
	struct stockade_vote_state st = voter();
	struct stockade_vote_req req = {
		.term = 7, .candidate = 2, .last_index = 50, .last_term = 3,
	};
	struct stockade_vote_plan plan;

	EXPECT_EQ(STOCKADE_VOTE_LOG_BEHIND, stockade_vote(&st, &req, &plan));
	EXPECT_TRUE(plan.persist);
	EXPECT_EQ(7u, plan.new_term);
	EXPECT_EQ(0u, plan.voted_for);
	req.last_term = 4;
	req.last_index = 9;	/* same last term, shorter */
	EXPECT_EQ(STOCKADE_VOTE_LOG_BEHIND, stockade_vote(&st, &req, &plan));
}

TEST(pre_vote_changes_nothing)
{
	struct stockade_vote_state st = voter();
	struct stockade_vote_req req = {
		.term = 6, .candidate = 2, .last_index = 10, .last_term = 4,
		.pre_vote = true,
	};
	struct stockade_vote_plan plan;

	EXPECT_EQ(STOCKADE_VOTE_GRANTED, stockade_vote(&st, &req, &plan));
	EXPECT_FALSE(plan.persist);
	st.leader_alive = true;
	EXPECT_EQ(STOCKADE_VOTE_LEADER_ALIVE, stockade_vote(&st, &req, &plan));
	st.leader_alive = false;
	req.term = 5;
	EXPECT_EQ(STOCKADE_VOTE_STALE_TERM, stockade_vote(&st, &req, &plan));
	EXPECT_FALSE(plan.persist);
}

TEST(bad_vote_requests)
{
	struct stockade_vote_state st = voter();
	struct stockade_vote_req req = {
		.term = 6, .candidate = 0, .last_index = 10, .last_term = 4,
	};
	struct stockade_vote_plan plan;

	EXPECT_EQ(STOCKADE_VOTE_BAD_REQUEST, stockade_vote(&st, &req, &plan));
	req.candidate = 2;
	req.last_term = 7;
	EXPECT_EQ(STOCKADE_VOTE_BAD_REQUEST, stockade_vote(&st, &req, &plan));
	EXPECT_FALSE(plan.persist);
}

TEST_HARNESS_MAIN
