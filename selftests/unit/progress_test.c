// SPDX-License-Identifier: GPL-2.0
/*
 * The leader's per-follower progress (core/progress.c): in-sync sending,
 * one APPEND in flight, backing off on refusals (fast, to the follower's
 * end), never below the known match, resync when the log moved on or the
 * follower says it needs one, appending again after it, and replies that
 * cannot be right.
 */
#include "kselftest_harness.h"
#include "progress.h"

TEST(in_sync_follower_gets_the_new_entries)
{
	struct stockade_progress p;
	u64 first;
	u32 count;

	stockade_progress_reset(&p, 10);
	/* a (re)connected follower is probed with the last entry */
	ASSERT_TRUE(stockade_progress_next(&p, 1, 10, 8, &first, &count));
	EXPECT_EQ(10u, first);
	EXPECT_EQ(1u, count);
	ASSERT_TRUE(stockade_progress_on_reply(&p, STOCKADE_APPEND_OK, 10, 10,
					       10));
	EXPECT_FALSE(stockade_progress_next(&p, 1, 10, 8, &first, &count));
	ASSERT_TRUE(stockade_progress_next(&p, 1, 12, 8, &first, &count));
	EXPECT_EQ(11u, first);
	EXPECT_EQ(2u, count);
	/* one in flight at a time */
	EXPECT_FALSE(stockade_progress_next(&p, 1, 13, 8, &first, &count));
	ASSERT_TRUE(stockade_progress_on_reply(&p, STOCKADE_APPEND_OK, 12, 12,
					       12));
	EXPECT_EQ(12u, p.match_index);
	ASSERT_TRUE(stockade_progress_next(&p, 1, 13, 8, &first, &count));
	EXPECT_EQ(13u, first);
	EXPECT_EQ(1u, count);
}

TEST(batches_are_capped)
{
	struct stockade_progress p;
	u64 first;
	u32 count;

	stockade_progress_reset(&p, 0);
	ASSERT_TRUE(stockade_progress_next(&p, 1, 100, 8, &first, &count));
	EXPECT_EQ(1u, first);
	EXPECT_EQ(8u, count);
}

TEST(mismatch_backs_off_one_at_a_time)
{
	struct stockade_progress p;
	u64 first;
	u32 count;

	stockade_progress_reset(&p, 11);	/* probes 11 */
	ASSERT_TRUE(stockade_progress_next(&p, 1, 11, 8, &first, &count));
	ASSERT_TRUE(stockade_progress_on_reply(&p, STOCKADE_APPEND_MISMATCH, 0,
					       20, 11));
	EXPECT_EQ(10u, p.next_index);
	ASSERT_TRUE(stockade_progress_next(&p, 1, 11, 8, &first, &count));
	EXPECT_EQ(10u, first);
	EXPECT_EQ(2u, count);
}

TEST(short_follower_jumps_to_its_end)
{
	struct stockade_progress p;
	u64 first;
	u32 count;

	stockade_progress_reset(&p, 101);
	ASSERT_TRUE(stockade_progress_next(&p, 1, 101, 8, &first, &count));
	ASSERT_TRUE(stockade_progress_on_reply(&p, STOCKADE_APPEND_GAP, 0, 40,
					       101));
	EXPECT_EQ(41u, p.next_index);
}

TEST(never_backs_off_below_the_match)
{
	struct stockade_progress p;
	u64 first;
	u32 count;

	stockade_progress_reset(&p, 0);
	ASSERT_TRUE(stockade_progress_next(&p, 1, 5, 8, &first, &count));
	ASSERT_TRUE(stockade_progress_on_reply(&p, STOCKADE_APPEND_OK, 5, 5, 5));
	ASSERT_TRUE(stockade_progress_next(&p, 1, 6, 8, &first, &count));
	ASSERT_TRUE(stockade_progress_on_reply(&p, STOCKADE_APPEND_MISMATCH, 0,
					       2, 6));
	EXPECT_EQ(6u, p.next_index);
	EXPECT_EQ(5u, p.match_index);
}

TEST(checkpointed_entries_mean_resync)
{
	struct stockade_progress p;
	u64 first;
	u32 count;

	stockade_progress_reset(&p, 101);
	ASSERT_TRUE(stockade_progress_next(&p, 50, 101, 8, &first, &count));
	ASSERT_TRUE(stockade_progress_on_reply(&p, STOCKADE_APPEND_GAP, 0, 10,
					       101));
	EXPECT_FALSE(stockade_progress_next(&p, 50, 101, 8, &first, &count));
	EXPECT_TRUE(p.needs_resync);
}

TEST(a_follower_being_copied_asks_for_a_resync)
{
	struct stockade_progress p;
	u64 first;
	u32 count;

	stockade_progress_reset(&p, 101);
	ASSERT_TRUE(stockade_progress_next(&p, 50, 101, 8, &first, &count));
	/* its log is there, but its data region is being replaced */
	ASSERT_TRUE(stockade_progress_on_reply(&p, STOCKADE_APPEND_NEEDS_RESYNC,
					       0, 120, 101));
	EXPECT_TRUE(p.needs_resync);
	EXPECT_FALSE(p.inflight);
	EXPECT_EQ(0u, p.match_index);
	/* nothing is appended until the copy is over */
	EXPECT_FALSE(stockade_progress_next(&p, 50, 130, 8, &first, &count));
}

TEST(after_a_resync_appends_go_on_from_the_snapshot)
{
	struct stockade_progress p;
	u64 first;
	u32 count;

	stockade_progress_reset(&p, 101);
	ASSERT_TRUE(stockade_progress_next(&p, 50, 101, 8, &first, &count));
	ASSERT_TRUE(stockade_progress_on_reply(&p, STOCKADE_APPEND_GAP, 0, 10,
					       101));
	EXPECT_FALSE(stockade_progress_next(&p, 50, 101, 8, &first, &count));
	ASSERT_TRUE(p.needs_resync);
	/* copied as of index 60: the log still holds 61.. (it was pinned) */
	stockade_progress_resynced(&p, 60);
	EXPECT_FALSE(p.needs_resync);
	EXPECT_EQ(60u, p.match_index);
	ASSERT_TRUE(stockade_progress_next(&p, 50, 101, 8, &first, &count));
	EXPECT_EQ(61u, first);
	EXPECT_EQ(8u, count);
	ASSERT_TRUE(stockade_progress_on_reply(&p, STOCKADE_APPEND_OK, 68, 68,
					       68));
	EXPECT_EQ(68u, p.match_index);
}

TEST(impossible_match_is_refused)
{
	struct stockade_progress p;
	u64 first;
	u32 count;

	stockade_progress_reset(&p, 0);
	ASSERT_TRUE(stockade_progress_next(&p, 1, 3, 8, &first, &count));
	EXPECT_FALSE(stockade_progress_on_reply(&p, STOCKADE_APPEND_OK, 9, 9,
						3));
	EXPECT_EQ(0u, p.match_index);
	EXPECT_FALSE(stockade_progress_on_reply(&p, 42, 0, 0, 3));
}

TEST_HARNESS_MAIN
