// SPDX-License-Identifier: GPL-2.0
/*
 * The replica's append rules (core/replica.c) against a log held in an
 * array of terms: fencing on the term, log matching, truncation of a
 * divergent suffix, idempotent retransmits, commit-index bounds, and the
 * conflict term hint that goes with a mismatch (and only with it).
 */
#include "kselftest_harness.h"
#include "replica.h"

struct fake_log {
	u64 terms[64];		/* terms[i] is the term of index i; [0] unused */
	u64 last;
};

static u64 fake_term_at(const void *log, u64 index)
{
	const struct fake_log *l = log;

	return index <= l->last ? l->terms[index] : 0;
}

/* A replica with @n entries of the given terms, at @term, commit @commit. */
static struct stockade_replica_state replica(struct fake_log *l, u64 term,
					     u64 commit, const u64 *terms,
					     u64 n)
{
	struct stockade_replica_state st = {
		.current_term = term,
		.last_index = n,
		.commit_index = commit,
		.term_at = fake_term_at,
		.log = l,
	};

	for (u64 i = 0; i < n; i++)
		l->terms[i + 1] = terms[i];
	l->last = n;
	return st;
}

TEST(stale_term_is_rejected_and_changes_nothing)
{
	struct fake_log l;
	u64 have[] = { 3, 3, 5 }, send[] = { 4 };
	struct stockade_replica_state st = replica(&l, 5, 1, have, 3);
	struct stockade_append_req req = {
		.term = 4, .prev_index = 3, .prev_term = 5,
		.leader_commit = 4, .n_entries = 1, .entry_terms = send,
	};
	struct stockade_append_plan plan;

	EXPECT_EQ(STOCKADE_APPEND_STALE_TERM,
		  stockade_replica_append(&st, &req, &plan));
	EXPECT_FALSE(plan.persist_term);
	EXPECT_EQ(0u, plan.first_new);
	EXPECT_EQ(0u, plan.commit_index);
	EXPECT_EQ(0u, plan.truncate_from);
}

TEST(newer_term_is_persisted_first)
{
	struct fake_log l;
	u64 have[] = { 1, 1 }, send[] = { 2 };
	struct stockade_replica_state st = replica(&l, 1, 0, have, 2);
	struct stockade_append_req req = {
		.term = 2, .prev_index = 2, .prev_term = 1,
		.n_entries = 1, .entry_terms = send,
	};
	struct stockade_append_plan plan;

	ASSERT_EQ(STOCKADE_APPEND_OK, stockade_replica_append(&st, &req, &plan));
	EXPECT_TRUE(plan.persist_term);
	EXPECT_EQ(2u, plan.new_term);
	EXPECT_EQ(3u, plan.first_new);
	EXPECT_EQ(3u, plan.last_new);
	EXPECT_EQ(3u, plan.match_index);
}

TEST(newer_term_is_persisted_even_on_mismatch)
{
	struct fake_log l;
	u64 have[] = { 1, 1 };
	struct stockade_replica_state st = replica(&l, 1, 0, have, 2);
	struct stockade_append_req req = {
		.term = 3, .prev_index = 2, .prev_term = 2,
	};
	struct stockade_append_plan plan;

	EXPECT_EQ(STOCKADE_APPEND_MISMATCH,
		  stockade_replica_append(&st, &req, &plan));
	EXPECT_TRUE(plan.persist_term);
	EXPECT_EQ(3u, plan.new_term);
	EXPECT_EQ(0u, plan.first_new);
}

TEST(mismatch_names_the_run_of_the_conflicting_term)
{
	struct fake_log l;
	u64 have[] = { 1, 1, 2, 2, 2, 2, 4, 4, 4 };
	struct stockade_replica_state st = replica(&l, 4, 1, have, 9);
	struct stockade_append_req req = {
		.term = 5, .prev_index = 6, .prev_term = 3,
	};
	struct stockade_append_plan plan;

	ASSERT_EQ(STOCKADE_APPEND_MISMATCH,
		  stockade_replica_append(&st, &req, &plan));
	EXPECT_EQ(2u, plan.hint.term);
	EXPECT_EQ(3u, plan.hint.index);
	/* the refused entry may be the run's first, or its last */
	req.prev_index = 7;
	req.prev_term = 5;
	ASSERT_EQ(STOCKADE_APPEND_MISMATCH,
		  stockade_replica_append(&st, &req, &plan));
	EXPECT_EQ(4u, plan.hint.term);
	EXPECT_EQ(7u, plan.hint.index);
	req.prev_index = 9;
	ASSERT_EQ(STOCKADE_APPEND_MISMATCH,
		  stockade_replica_append(&st, &req, &plan));
	EXPECT_EQ(7u, plan.hint.index);
}

TEST(hint_starts_above_the_commit_index)
{
	struct fake_log l;
	u64 have[] = { 2, 2, 2, 2, 2, 2 };
	struct stockade_replica_state st = replica(&l, 2, 3, have, 6);
	struct stockade_append_req req = {
		.term = 3, .prev_index = 6, .prev_term = 3,
	};
	struct stockade_append_plan plan;

	ASSERT_EQ(STOCKADE_APPEND_MISMATCH,
		  stockade_replica_append(&st, &req, &plan));
	EXPECT_EQ(2u, plan.hint.term);
	EXPECT_EQ(4u, plan.hint.index);
}

TEST(no_hint_but_with_a_mismatch)
{
	struct fake_log l;
	u64 have[] = { 1, 2, 2 }, send[] = { 3 };
	struct stockade_replica_state st = replica(&l, 2, 1, have, 3);
	struct stockade_append_req req = {
		.term = 3, .prev_index = 5, .prev_term = 2,
		.n_entries = 1, .entry_terms = send,
	};
	struct stockade_append_plan plan;

	EXPECT_EQ(STOCKADE_APPEND_GAP, stockade_replica_append(&st, &req, &plan));
	EXPECT_EQ(0u, plan.hint.term);
	EXPECT_EQ(0u, plan.hint.index);
	req.prev_index = 3;
	ASSERT_EQ(STOCKADE_APPEND_OK, stockade_replica_append(&st, &req, &plan));
	EXPECT_EQ(0u, plan.hint.term);
	EXPECT_EQ(0u, plan.hint.index);
	req.term = 1;
	EXPECT_EQ(STOCKADE_APPEND_STALE_TERM,
		  stockade_replica_append(&st, &req, &plan));
	EXPECT_EQ(0u, plan.hint.term);
}

TEST(gap_is_refused)
{
	struct fake_log l;
	u64 have[] = { 1 }, send[] = { 1 };
	struct stockade_replica_state st = replica(&l, 1, 0, have, 1);
	struct stockade_append_req req = {
		.term = 1, .prev_index = 3, .prev_term = 1,
		.n_entries = 1, .entry_terms = send,
	};
	struct stockade_append_plan plan;

	EXPECT_EQ(STOCKADE_APPEND_GAP, stockade_replica_append(&st, &req, &plan));
	EXPECT_EQ(0u, plan.first_new);
}

TEST(retransmit_is_idempotent)
{
	struct fake_log l;
	u64 have[] = { 1, 2, 2 }, send[] = { 2, 2 };
	struct stockade_replica_state st = replica(&l, 2, 1, have, 3);
	struct stockade_append_req req = {
		.term = 2, .prev_index = 1, .prev_term = 1,
		.leader_commit = 3, .n_entries = 2, .entry_terms = send,
	};
	struct stockade_append_plan plan;

	ASSERT_EQ(STOCKADE_APPEND_OK, stockade_replica_append(&st, &req, &plan));
	EXPECT_EQ(0u, plan.first_new);
	EXPECT_EQ(0u, plan.truncate_from);
	EXPECT_FALSE(plan.persist_term);
	EXPECT_EQ(3u, plan.match_index);
	EXPECT_EQ(3u, plan.commit_index);
}

TEST(divergent_suffix_is_truncated)
{
	struct fake_log l;
	/* entries 3..5 come from a deposed leader of term 2 */
	u64 have[] = { 1, 1, 2, 2, 2 }, send[] = { 3, 3 };
	struct stockade_replica_state st = replica(&l, 2, 2, have, 5);
	struct stockade_append_req req = {
		.term = 3, .prev_index = 2, .prev_term = 1,
		.leader_commit = 2, .n_entries = 2, .entry_terms = send,
	};
	struct stockade_append_plan plan;

	ASSERT_EQ(STOCKADE_APPEND_OK, stockade_replica_append(&st, &req, &plan));
	EXPECT_EQ(3u, plan.truncate_from);
	EXPECT_EQ(3u, plan.first_new);
	EXPECT_EQ(4u, plan.last_new);
	EXPECT_EQ(4u, plan.match_index);
}

TEST(matching_longer_log_is_not_truncated)
{
	struct fake_log l;
	u64 have[] = { 1, 1, 1, 1 }, send[] = { 1 };
	struct stockade_replica_state st = replica(&l, 1, 0, have, 4);
	struct stockade_append_req req = {
		.term = 1, .prev_index = 1, .prev_term = 1,
		.leader_commit = 4, .n_entries = 1, .entry_terms = send,
	};
	struct stockade_append_plan plan;

	ASSERT_EQ(STOCKADE_APPEND_OK, stockade_replica_append(&st, &req, &plan));
	EXPECT_EQ(0u, plan.truncate_from);
	EXPECT_EQ(0u, plan.first_new);
	EXPECT_EQ(2u, plan.match_index);
	/* index 3 and 4 are not known to match yet: not committed */
	EXPECT_EQ(2u, plan.commit_index);
}

TEST(commit_index_never_decreases)
{
	struct fake_log l;
	u64 have[] = { 1, 1, 1 };
	struct stockade_replica_state st = replica(&l, 1, 3, have, 3);
	struct stockade_append_req req = {
		.term = 1, .prev_index = 1, .prev_term = 1, .leader_commit = 1,
	};
	struct stockade_append_plan plan;

	ASSERT_EQ(STOCKADE_APPEND_OK, stockade_replica_append(&st, &req, &plan));
	EXPECT_EQ(3u, plan.commit_index);
}

TEST(committed_entries_are_never_truncated)
{
	struct fake_log l;
	u64 have[] = { 1, 1, 1 }, send[] = { 2, 2 };
	struct stockade_replica_state st = replica(&l, 2, 3, have, 3);
	struct stockade_append_req req = {
		.term = 2, .prev_index = 1, .prev_term = 1,
		.n_entries = 2, .entry_terms = send,
	};
	struct stockade_append_plan plan;

	/* A leader can't legitimately send this; the replica still keeps
	 * its committed prefix and only appends past it.
	 */
	ASSERT_EQ(STOCKADE_APPEND_OK, stockade_replica_append(&st, &req, &plan));
	EXPECT_EQ(0u, plan.truncate_from);
	EXPECT_EQ(0u, plan.first_new);
}

TEST(inconsistent_requests_are_refused)
{
	struct fake_log l;
	u64 have[] = { 1 }, newer[] = { 5 }, falling[] = { 2, 1 };
	struct stockade_replica_state st = replica(&l, 1, 0, have, 1);
	struct stockade_append_req req = {
		.term = 2, .prev_index = 1, .prev_term = 1,
		.n_entries = 1, .entry_terms = newer,
	};
	struct stockade_append_plan plan;

	EXPECT_EQ(STOCKADE_APPEND_BAD_REQUEST,
		  stockade_replica_append(&st, &req, &plan));
	req.entry_terms = falling;
	req.n_entries = 2;
	EXPECT_EQ(STOCKADE_APPEND_BAD_REQUEST,
		  stockade_replica_append(&st, &req, &plan));
	req.entry_terms = NULL;
	EXPECT_EQ(STOCKADE_APPEND_BAD_REQUEST,
		  stockade_replica_append(&st, &req, &plan));
	req.entry_terms = falling;
	req.prev_index = UINT64_MAX;
	EXPECT_EQ(STOCKADE_APPEND_BAD_REQUEST,
		  stockade_replica_append(&st, &req, &plan));
	req.n_entries = 0;
	req.prev_index = 1;
	req.prev_term = 3;	/* newer than the request's term */
	EXPECT_EQ(STOCKADE_APPEND_BAD_REQUEST,
		  stockade_replica_append(&st, &req, &plan));
	EXPECT_FALSE(plan.persist_term);
}

TEST(empty_log_accepts_first_entries)
{
	struct fake_log l;
	u64 send[] = { 1, 1, 1 };
	struct stockade_replica_state st = replica(&l, 0, 0, NULL, 0);
	struct stockade_append_req req = {
		.term = 1, .leader_commit = 2, .n_entries = 3,
		.entry_terms = send,
	};
	struct stockade_append_plan plan;

	ASSERT_EQ(STOCKADE_APPEND_OK, stockade_replica_append(&st, &req, &plan));
	EXPECT_EQ(1u, plan.first_new);
	EXPECT_EQ(3u, plan.last_new);
	EXPECT_EQ(2u, plan.commit_index);
}

/*
 * A follower restarted with its log full: commit index back at the
 * checkpoint (0 here), every entry after it unapplied.  The leader's
 * append of new entries names a commit index that covers what the
 * follower holds; the plan must let it apply those before it writes, or
 * its log never has room for the new entries.
 */
TEST(held_entries_may_be_applied_before_new_ones_are_written)
{
	struct fake_log l;
	u64 have[] = { 1, 1, 1, 1 }, send[] = { 1, 2 };
	struct stockade_replica_state st = replica(&l, 2, 0, have, 4);
	struct stockade_append_req req = {
		.term = 2, .prev_index = 4, .prev_term = 1,
		.leader_commit = 6, .n_entries = 2, .entry_terms = send,
	};
	struct stockade_append_plan plan;

	ASSERT_EQ(STOCKADE_APPEND_OK, stockade_replica_append(&st, &req, &plan));
	EXPECT_EQ(5u, plan.first_new);
	EXPECT_EQ(4u, plan.held_match);
	EXPECT_EQ(6u, plan.match_index);

	/* A retransmit of entries partly held: the held ones count. */
	req.prev_index = 2;
	req.entry_terms = have;
	req.n_entries = 4;
	ASSERT_EQ(STOCKADE_APPEND_OK, stockade_replica_append(&st, &req, &plan));
	EXPECT_EQ(5u, plan.first_new);
	EXPECT_EQ(4u, plan.held_match);

	/* Everything held: all of it matches before any write. */
	req.n_entries = 2;
	ASSERT_EQ(STOCKADE_APPEND_OK, stockade_replica_append(&st, &req, &plan));
	EXPECT_EQ(0u, plan.first_new);
	EXPECT_EQ(4u, plan.held_match);
	EXPECT_EQ(4u, plan.commit_index);
}

/* What a truncation drops is never counted as matching. */
TEST(held_match_stops_before_a_divergent_suffix)
{
	struct fake_log l;
	u64 have[] = { 1, 1, 2, 2, 2 }, send[] = { 3, 3 };
	struct stockade_replica_state st = replica(&l, 2, 1, have, 5);
	struct stockade_append_req req = {
		.term = 3, .prev_index = 2, .prev_term = 1,
		.leader_commit = 4, .n_entries = 2, .entry_terms = send,
	};
	struct stockade_append_plan plan;

	ASSERT_EQ(STOCKADE_APPEND_OK, stockade_replica_append(&st, &req, &plan));
	EXPECT_EQ(3u, plan.truncate_from);
	EXPECT_EQ(2u, plan.held_match);
}

TEST_HARNESS_MAIN
