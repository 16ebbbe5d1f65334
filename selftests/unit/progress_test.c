// SPDX-License-Identifier: GPL-2.0
/*
 * The leader's per-follower progress (core/progress.c): in-sync sending,
 * one APPEND in flight, backing off on refusals (fast, to the follower's
 * end), never below the known match, resync when the log moved on or the
 * follower says it needs one, appending again after it, and replies that
 * cannot be right.  The conflict term hint: over a term the leader lacks,
 * to just after the last entry of a term it holds, never below the match
 * or forward; a hint that cannot be right (zero, too new, beyond the
 * refused entry or the follower's log, wrapping) is ignored.
 */
#include "kselftest_harness.h"
#include "progress.h"

/* An answer without a hint, as every answer but a hinted mismatch. */
static bool reply(struct stockade_progress *p, enum stockade_append_verdict v,
		  u64 match, u64 follower_last, u64 sent_last)
{
	const struct stockade_append_answer a = {
		.verdict = v, .match = match, .follower_last = follower_last,
		.sent_last = sent_last,
	};

	return stockade_progress_on_reply(p, &a, NULL);
}

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
	ASSERT_TRUE(reply(&p, STOCKADE_APPEND_OK, 10, 10, 10));
	EXPECT_FALSE(stockade_progress_next(&p, 1, 10, 8, &first, &count));
	ASSERT_TRUE(stockade_progress_next(&p, 1, 12, 8, &first, &count));
	EXPECT_EQ(11u, first);
	EXPECT_EQ(2u, count);
	/* one in flight at a time */
	EXPECT_FALSE(stockade_progress_next(&p, 1, 13, 8, &first, &count));
	ASSERT_TRUE(reply(&p, STOCKADE_APPEND_OK, 12, 12, 12));
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
	ASSERT_TRUE(reply(&p, STOCKADE_APPEND_MISMATCH, 0, 20, 11));
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
	ASSERT_TRUE(reply(&p, STOCKADE_APPEND_GAP, 0, 40, 101));
	EXPECT_EQ(41u, p.next_index);
}

TEST(never_backs_off_below_the_match)
{
	struct stockade_progress p;
	u64 first;
	u32 count;

	stockade_progress_reset(&p, 0);
	ASSERT_TRUE(stockade_progress_next(&p, 1, 5, 8, &first, &count));
	ASSERT_TRUE(reply(&p, STOCKADE_APPEND_OK, 5, 5, 5));
	ASSERT_TRUE(stockade_progress_next(&p, 1, 6, 8, &first, &count));
	ASSERT_TRUE(reply(&p, STOCKADE_APPEND_MISMATCH, 0, 2, 6));
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
	ASSERT_TRUE(reply(&p, STOCKADE_APPEND_GAP, 0, 10, 101));
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
	ASSERT_TRUE(reply(&p, STOCKADE_APPEND_NEEDS_RESYNC, 0, 120, 101));
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
	ASSERT_TRUE(reply(&p, STOCKADE_APPEND_GAP, 0, 10, 101));
	EXPECT_FALSE(stockade_progress_next(&p, 50, 101, 8, &first, &count));
	ASSERT_TRUE(p.needs_resync);
	/* copied as of index 60: the log still holds 61.. (it was pinned) */
	stockade_progress_resynced(&p, 60);
	EXPECT_FALSE(p.needs_resync);
	EXPECT_EQ(60u, p.match_index);
	ASSERT_TRUE(stockade_progress_next(&p, 50, 101, 8, &first, &count));
	EXPECT_EQ(61u, first);
	EXPECT_EQ(8u, count);
	ASSERT_TRUE(reply(&p, STOCKADE_APPEND_OK, 68, 68, 68));
	EXPECT_EQ(68u, p.match_index);
}

TEST(impossible_match_is_refused)
{
	struct stockade_progress p;
	u64 first;
	u32 count;

	stockade_progress_reset(&p, 0);
	ASSERT_TRUE(stockade_progress_next(&p, 1, 3, 8, &first, &count));
	EXPECT_FALSE(reply(&p, STOCKADE_APPEND_OK, 9, 9, 3));
	EXPECT_EQ(0u, p.match_index);
	EXPECT_FALSE(reply(&p, 42, 0, 0, 3));
}

/* The leader's log: terms[i] for first <= i <= last, in runs of a term. */
struct leader {
	u64 terms[128];
	u64 first, last;
};

static u64 leader_term_at(const void *log, u64 index)
{
	const struct leader *l = log;

	return index >= l->first && index <= l->last ? l->terms[index] : 0;
}

/* Indexes from..to hold @term. */
static void run(struct leader *l, u64 from, u64 to, u64 term)
{
	for (u64 i = from; i <= to; i++)
		l->terms[i] = term;
	if (to > l->last)
		l->last = to;
}

static struct stockade_leader_log view(const struct leader *l, u64 term)
{
	return (struct stockade_leader_log){
		.term = term, .first = l->first, .term_at = leader_term_at,
		.log = l,
	};
}

/*
 * The leader (term 5, log 1..last) probed @probe and the follower (last
 * index @flast) refused it, naming (hterm, hindex).  Where next?
 */
static u64 after_hint(const struct leader *l, u64 match, u64 probe,
		      u64 flast, u64 hterm, u64 hindex)
{
	struct stockade_progress p = {
		.next_index = probe, .match_index = match, .inflight = true,
	};
	const struct stockade_append_answer a = {
		.verdict = STOCKADE_APPEND_MISMATCH, .follower_last = flast,
		.sent_last = probe, .hint = { .term = hterm, .index = hindex },
	};
	const struct stockade_leader_log log = view(l, 5);

	if (!stockade_progress_on_reply(&p, &a, &log) || p.inflight)
		return 0;
	return p.next_index;
}

/* 1..10 of term 1, 11..15 of term 2, 16..60 of term 4. */
static void three_terms(struct leader *l)
{
	memset(l, 0, sizeof(*l));
	l->first = 1;
	run(l, 1, 10, 1);
	run(l, 11, 15, 2);
	run(l, 16, 60, 4);
}

TEST(hint_skips_a_term_the_leader_lacks)
{
	struct leader l;

	three_terms(&l);
	/* its entries 20..58 are of term 3, which never reached us */
	EXPECT_EQ(20u, after_hint(&l, 0, 59, 80, 3, 20));
}

TEST(hint_of_a_term_the_leader_holds_skips_to_after_its_last)
{
	struct leader l;

	three_terms(&l);
	/* its term 2 runs from 11 to 58, ours ends at 15: 11..15 agree */
	EXPECT_EQ(16u, after_hint(&l, 0, 59, 80, 2, 11));
	/* its term 1 from 8: ours ends at 10 */
	EXPECT_EQ(11u, after_hint(&l, 0, 59, 80, 1, 8));
}

TEST(hint_never_goes_below_the_match)
{
	struct leader l;

	three_terms(&l);
	EXPECT_EQ(31u, after_hint(&l, 30, 59, 80, 3, 20));
	EXPECT_EQ(31u, after_hint(&l, 30, 59, 80, 2, 11));
}

TEST(hint_never_moves_forward)
{
	struct leader l;

	three_terms(&l);
	/* the run cannot start after the entry it was refused at */
	EXPECT_EQ(58u, after_hint(&l, 0, 59, 80, 3, 59));
	EXPECT_EQ(58u, after_hint(&l, 0, 59, 80, 3, 200));
	/* nor beyond the follower's own log */
	EXPECT_EQ(58u, after_hint(&l, 0, 59, 70, 3, 71));
}

TEST(hint_of_our_term_or_newer_is_ignored)
{
	struct leader l;

	three_terms(&l);
	/* an entry of our term 5 at 58 would be ours, and match */
	EXPECT_EQ(58u, after_hint(&l, 0, 59, 80, 5, 20));
	EXPECT_EQ(58u, after_hint(&l, 0, 59, 80, 9, 20));
	/* the term we hold at the refused entry itself cannot conflict */
	EXPECT_EQ(58u, after_hint(&l, 0, 59, 80, 4, 20));
}

TEST(zero_and_garbage_hints_are_ignored)
{
	struct leader l;

	three_terms(&l);
	EXPECT_EQ(58u, after_hint(&l, 0, 59, 80, 0, 0));
	EXPECT_EQ(58u, after_hint(&l, 0, 59, 80, 0, 20));
	EXPECT_EQ(58u, after_hint(&l, 0, 59, 80, 3, 0));
	/* still never below the match */
	EXPECT_EQ(59u, after_hint(&l, 58, 59, 80, 0, 0));
}

TEST(wrapping_values_are_ignored)
{
	struct leader l;
	struct stockade_progress p = { .next_index = 59 };
	const struct stockade_append_answer gap = {
		.verdict = STOCKADE_APPEND_GAP, .follower_last = U64_MAX,
		.sent_last = 59,
	};
	struct stockade_leader_log log;

	three_terms(&l);
	log = view(&l, 5);
	EXPECT_EQ(58u, after_hint(&l, 0, 59, U64_MAX, 3, U64_MAX));
	EXPECT_EQ(58u, after_hint(&l, 0, 59, U64_MAX, U64_MAX, 20));
	/* a last index of U64_MAX does not wrap to "just after 0" */
	ASSERT_TRUE(stockade_progress_on_reply(&p, &gap, &log));
	EXPECT_EQ(58u, p.next_index);
	/* the first entry refused: nowhere to go but 1 */
	EXPECT_EQ(1u, after_hint(&l, 0, 1, 80, 3, 1));
}

TEST(without_a_log_the_hint_is_ignored)
{
	struct stockade_progress p = { .next_index = 59, .inflight = true };
	const struct stockade_append_answer a = {
		.verdict = STOCKADE_APPEND_MISMATCH, .follower_last = 80,
		.sent_last = 59, .hint = { .term = 3, .index = 20 },
	};

	ASSERT_TRUE(stockade_progress_on_reply(&p, &a, NULL));
	EXPECT_EQ(58u, p.next_index);
}

TEST(hint_with_a_gap_is_not_used)
{
	struct leader l;
	struct stockade_progress p = { .next_index = 59 };
	const struct stockade_append_answer a = {
		.verdict = STOCKADE_APPEND_GAP, .follower_last = 40,
		.sent_last = 59, .hint = { .term = 3, .index = 20 },
	};
	struct stockade_leader_log log;

	three_terms(&l);
	log = view(&l, 5);
	ASSERT_TRUE(stockade_progress_on_reply(&p, &a, &log));
	EXPECT_EQ(41u, p.next_index);
}

TEST(hint_at_the_checkpoint_avoids_a_resync)
{
	struct stockade_progress p = { .next_index = 8 };
	struct leader l;
	u64 first;
	u32 count;

	/*
	 * Checkpointed through 15, the last entry of term 2: the log holds
	 * 16.., and the checkpoint's term is kept.
	 */
	three_terms(&l);
	l.first = 15;
	EXPECT_EQ(16u, after_hint(&l, 0, 59, 80, 2, 11));
	/* its term 1 ends below what we hold: only a copy can help */
	EXPECT_EQ(8u, after_hint(&l, 0, 59, 80, 1, 8));
	EXPECT_FALSE(stockade_progress_next(&p, 16, 60, 8, &first, &count));
	EXPECT_TRUE(p.needs_resync);
}

TEST_HARNESS_MAIN
