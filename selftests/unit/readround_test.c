// SPDX-License-Identifier: GPL-2.0
/*
 * Leadership-confirmation rounds for read = quorum (core/readround.c).
 */
#include "kselftest_harness.h"
#include "readround.h"

TEST(alone_a_round_is_confirmed_at_once)
{
	struct stockade_read_rounds r = { 0 };
	u64 round;

	stockade_rounds_reset(&r, 0);
	round = stockade_rounds_start(&r);
	EXPECT_EQ(1u, round);
	EXPECT_EQ(1u, r.confirmed);
	EXPECT_EQ(0u, stockade_rounds_in_flight(&r));
}

TEST(three_nodes_need_one_peer)
{
	struct stockade_read_rounds r = { 0 };

	stockade_rounds_reset(&r, 2);
	EXPECT_EQ(1u, stockade_rounds_start(&r));
	EXPECT_EQ(0u, r.confirmed);
	EXPECT_EQ(1u, stockade_rounds_in_flight(&r));
	EXPECT_TRUE(stockade_rounds_ack(&r, 1, 1));
	EXPECT_EQ(1u, r.confirmed);
	/* the other peer's late ack changes nothing */
	EXPECT_FALSE(stockade_rounds_ack(&r, 0, 1));
	EXPECT_EQ(1u, r.confirmed);
}

TEST(five_nodes_need_two_peers)
{
	struct stockade_read_rounds r = { 0 };

	stockade_rounds_reset(&r, 4);
	stockade_rounds_start(&r);
	EXPECT_FALSE(stockade_rounds_ack(&r, 0, 1));
	EXPECT_FALSE(stockade_rounds_ack(&r, 0, 1));	/* twice is once */
	EXPECT_EQ(0u, r.confirmed);
	EXPECT_TRUE(stockade_rounds_ack(&r, 3, 1));
	EXPECT_EQ(1u, r.confirmed);
}

TEST(a_round_in_flight_is_shared)
{
	struct stockade_read_rounds r = { 0 };

	stockade_rounds_reset(&r, 2);
	EXPECT_EQ(1u, stockade_rounds_start(&r));
	EXPECT_EQ(0u, stockade_rounds_start(&r));	/* wait for round 1 */
	EXPECT_TRUE(stockade_rounds_ack(&r, 0, 1));
	EXPECT_EQ(2u, stockade_rounds_start(&r));
}

TEST(an_ack_of_an_older_round_confirms_nothing_newer)
{
	struct stockade_read_rounds r = { 0 };

	stockade_rounds_reset(&r, 2);
	stockade_rounds_start(&r);
	EXPECT_TRUE(stockade_rounds_ack(&r, 0, 1));
	stockade_rounds_start(&r);			/* round 2 */
	EXPECT_FALSE(stockade_rounds_ack(&r, 1, 1));	/* peer 1, round 1 */
	EXPECT_EQ(1u, r.confirmed);
	EXPECT_EQ(2u, stockade_rounds_in_flight(&r));
}

TEST(future_and_unknown_acks_are_ignored)
{
	struct stockade_read_rounds r = { 0 };

	stockade_rounds_reset(&r, 2);
	stockade_rounds_start(&r);
	EXPECT_FALSE(stockade_rounds_ack(&r, 0, 7));	/* never sent */
	EXPECT_FALSE(stockade_rounds_ack(&r, 2, 1));	/* no such peer */
	EXPECT_FALSE(stockade_rounds_ack(&r, 6, 1));
	EXPECT_EQ(0u, r.confirmed);
	EXPECT_EQ(0u, r.acked[0]);
}

TEST(reset_forgets_acks_but_not_numbers)
{
	struct stockade_read_rounds r = { 0 };

	stockade_rounds_reset(&r, 2);
	stockade_rounds_start(&r);
	stockade_rounds_ack(&r, 0, 1);
	stockade_rounds_start(&r);			/* 2, in flight */
	stockade_rounds_reset(&r, 2);			/* a new term */
	EXPECT_EQ(0u, stockade_rounds_in_flight(&r));
	EXPECT_EQ(0u, r.acked[0]);
	/* an ack of a round of the old term cannot confirm a new one */
	EXPECT_EQ(3u, stockade_rounds_start(&r));
	EXPECT_FALSE(stockade_rounds_ack(&r, 0, 2));
	EXPECT_EQ(2u, r.confirmed);
	EXPECT_TRUE(stockade_rounds_ack(&r, 0, 3));
}

TEST(peer_count_is_capped)
{
	struct stockade_read_rounds r = { 0 };

	stockade_rounds_reset(&r, 100);
	EXPECT_EQ(STOCKADE_MAX_NODES - 1, r.n_peers);
}

TEST_HARNESS_MAIN
