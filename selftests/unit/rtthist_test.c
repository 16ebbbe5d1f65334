// SPDX-License-Identifier: GPL-2.0
/*
 * core/rtthist.c: which bucket a sample goes to, and quantiles from the
 * buckets: nearest rank (an off-by-one moves p99 into the next bucket in
 * the boundary cases below), evenly spread within a bucket, nothing from
 * an empty histogram, monotonic in the quantile, no overflow at the top.
 */
#include "kselftest_harness.h"
#include "rtthist.h"

#define N	STOCKADE_RTT_HIST_BUCKETS
#define US	1000ULL

static u64 q(const u32 *hist, u32 permille)
{
	u64 ns = 12345;

	if (!stockade_rtt_hist_quantile_ns(hist, permille, &ns))
		return U64_MAX;
	return ns;
}

TEST(bucket_is_the_bit_length)
{
	EXPECT_EQ(0, stockade_rtt_hist_bucket(0));
	EXPECT_EQ(1, stockade_rtt_hist_bucket(1));
	EXPECT_EQ(2, stockade_rtt_hist_bucket(2));
	EXPECT_EQ(2, stockade_rtt_hist_bucket(3));
	EXPECT_EQ(3, stockade_rtt_hist_bucket(4));
	EXPECT_EQ(7, stockade_rtt_hist_bucket(127));
	EXPECT_EQ(8, stockade_rtt_hist_bucket(128));
	EXPECT_EQ(30, stockade_rtt_hist_bucket((1ULL << 30) - 1));
	EXPECT_EQ(31, stockade_rtt_hist_bucket(1ULL << 30));
	EXPECT_EQ(31, stockade_rtt_hist_bucket(U64_MAX));
}

/* Each bucket's range holds exactly the samples sent to it. */
TEST(ranges_match_buckets)
{
	u64 lo, hi;
	u32 b;

	for (b = 0; b < N - 1; b++) {
		stockade_rtt_hist_range(b, &lo, &hi);
		EXPECT_EQ(b, stockade_rtt_hist_bucket(lo));
		EXPECT_EQ(b, stockade_rtt_hist_bucket(hi - 1));
		EXPECT_EQ(b + 1, stockade_rtt_hist_bucket(hi));
	}
	stockade_rtt_hist_range(N - 1, &lo, &hi);
	EXPECT_EQ(1ULL << 30, lo);
	EXPECT_EQ(1ULL << 31, hi);
}

TEST(empty_histogram_has_no_quantile)
{
	u32 hist[N] = { 0 };
	u64 ns = 7;

	EXPECT_FALSE(stockade_rtt_hist_quantile_ns(hist, 990, &ns));
	EXPECT_EQ(0, ns);
	EXPECT_EQ(0, stockade_rtt_hist_total(hist));
}

TEST(quantile_out_of_range_is_refused)
{
	u32 hist[N] = { [5] = 10 };

	EXPECT_EQ(U64_MAX, q(hist, 0));
	EXPECT_EQ(U64_MAX, q(hist, 1001));
	EXPECT_NE(U64_MAX, q(hist, 1000));
}

/* 100 samples in [16, 32) us, taken as spread evenly over it. */
TEST(all_samples_in_one_bucket)
{
	u32 hist[N] = { [5] = 100 };

	EXPECT_EQ(100, stockade_rtt_hist_total(hist));
	EXPECT_EQ(16 * US + 160, q(hist, 10));	/* 1st of 100 */
	EXPECT_EQ(24 * US, q(hist, 500));
	EXPECT_EQ(31840, q(hist, 990));
	EXPECT_EQ(32 * US, q(hist, 1000));
}

/* One sample: every quantile is its bucket's upper bound. */
TEST(single_sample)
{
	u32 hist[N] = { [7] = 1 };

	EXPECT_EQ(128 * US, q(hist, 1));
	EXPECT_EQ(128 * US, q(hist, 500));
	EXPECT_EQ(128 * US, q(hist, 990));
}

/* Sub-microsecond samples land in bucket 0, [0, 1) us. */
TEST(bucket_zero)
{
	u32 hist[N] = { [0] = 10 };

	EXPECT_EQ(500, q(hist, 500));
	EXPECT_EQ(1000, q(hist, 1000));
}

/*
 * p99 of 100 samples is the 99th: with 99 below 16 us it stays in that
 * bucket, with 98 it is the first of the two slow ones.
 */
TEST(p99_at_the_bucket_boundary)
{
	u32 fast99[N] = { [4] = 99, [10] = 1 };
	u32 fast98[N] = { [4] = 98, [10] = 2 };

	EXPECT_EQ(16 * US, q(fast99, 990));
	EXPECT_EQ(1024 * US, q(fast99, 1000));
	EXPECT_EQ(768 * US, q(fast98, 990));	/* 512 + 512 / 2 */
	EXPECT_EQ(8 * US + 8 * US * 50 / 98, q(fast98, 500));
}

/* p50 of 1000 samples is the 500th; the 501st is the next bucket's first. */
TEST(p50_at_the_bucket_boundary)
{
	u32 hist[N] = { [3] = 500, [6] = 500 };

	EXPECT_EQ(8 * US, q(hist, 500));
	EXPECT_EQ(32 * US + 64, q(hist, 501));	/* 32 us + 32 us / 500 */
	/* 0.1% of 1000 is the first sample, 0.2% the second. */
	EXPECT_EQ(4 * US + 8, q(hist, 1));	/* 4 us + 4 us / 500 */
	EXPECT_EQ(4 * US + 16, q(hist, 2));
}

/* Empty buckets between the ranks are skipped. */
TEST(gaps_are_skipped)
{
	u32 hist[N] = { [2] = 1, [20] = 1 };

	EXPECT_EQ(4 * US, q(hist, 500));
	EXPECT_EQ(1048576 * US, q(hist, 501));
}

TEST(quantiles_are_monotonic)
{
	u32 hist[N] = { [1] = 3, [4] = 40, [5] = 900, [6] = 51, [9] = 5,
			[17] = 1 };
	u64 prev = 0, cur;
	u32 p;

	for (p = 1; p <= 1000; p++) {
		cur = q(hist, p);
		ASSERT_NE(U64_MAX, cur);
		EXPECT_LE(prev, cur);
		prev = cur;
	}
	EXPECT_EQ(131072 * US, prev);	/* the slowest bucket's top */
}

/* Full counters in the widest bucket: no overflow, still inside it. */
TEST(no_overflow_at_the_top)
{
	u32 hist[N] = { [N - 1] = U32_MAX, [N - 2] = U32_MAX };
	u64 lo = (1ULL << 30) * US, hi = (1ULL << 31) * US, mid;

	EXPECT_EQ(2ULL * U32_MAX, stockade_rtt_hist_total(hist));
	EXPECT_EQ(hi, q(hist, 1000));
	mid = q(hist, 750);
	EXPECT_LE(lo, mid);
	EXPECT_GE(hi, mid);
	/* Three quarters overall is half way through the top bucket. */
	EXPECT_LE(lo + (hi - lo) / 2 - US, mid);
	EXPECT_GE(lo + (hi - lo) / 2 + US, mid);
}

TEST_HARNESS_MAIN
