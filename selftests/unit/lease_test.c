// SPDX-License-Identifier: GPL-2.0
/*
 * Leader leases and I/O fencing (core/lease.c): drift arithmetic, grant and
 * renewal rules, the majority's send time, the clock-bound wait and what
 * the block device does with a bio.
 */
#include "kselftest_harness.h"
#include "lease.h"

#define SEC	1000000000ULL

TEST(shorten_without_drift_is_identity)
{
	EXPECT_EQ(1ULL, stockade_lease_shorten(1, 0));
	EXPECT_EQ(SEC, stockade_lease_shorten(SEC, 0));
	EXPECT_EQ(STOCKADE_LEASE_MAX_NS,
		  stockade_lease_shorten(STOCKADE_LEASE_MAX_NS, 0));
}

TEST(shorten_100_ppm_rounds_down)
{
	/* 1e15 / 1000100 = 999900009.999... */
	EXPECT_EQ(999900009ULL, stockade_lease_shorten(SEC, 100));
	EXPECT_EQ(1000000ULL, stockade_lease_shorten(1000100, 100));
	EXPECT_EQ(999999ULL, stockade_lease_shorten(1000099, 100));
	/* 60e15 / 1000100 = 59994000599.94... */
	EXPECT_EQ(59994000599ULL,
		  stockade_lease_shorten(STOCKADE_LEASE_MAX_NS, 100));
}

TEST(shorten_max_drift)
{
	u32 ppm = STOCKADE_DRIFT_PPM_MAX;

	EXPECT_EQ(2 * SEC, stockade_lease_shorten(3 * SEC, ppm));
	EXPECT_EQ(40 * SEC, stockade_lease_shorten(STOCKADE_LEASE_MAX_NS, ppm));
	/* 666666666.67 rounds down, never up */
	EXPECT_EQ(666666666ULL, stockade_lease_shorten(SEC, ppm));
	EXPECT_EQ(0ULL, stockade_lease_shorten(1, ppm));
	EXPECT_EQ(1ULL, stockade_lease_shorten(2, ppm));
}

TEST(shorten_is_exact_beyond_the_lease_limit)
{
	/* d * 1e6 would overflow 64 bits; the result must not. */
	EXPECT_EQ(U64_MAX, stockade_lease_shorten(U64_MAX, 0));
	EXPECT_EQ(12297829382473034410ULL,
		  stockade_lease_shorten(U64_MAX, STOCKADE_DRIFT_PPM_MAX));
	EXPECT_GT(U64_MAX, stockade_lease_shorten(U64_MAX, 1));
}

static struct stockade_lease granted(u64 term, u64 start, u64 duration,
				     u64 now)
{
	struct stockade_lease l = { 0 };

	stockade_lease_grant(&l, term, start, duration, 0, now);
	return l;
}

TEST(fresh_grant_counts_from_start)
{
	struct stockade_lease l = { 0 };

	ASSERT_EQ(STOCKADE_LEASE_OK,
		  stockade_lease_grant(&l, 3, 1000, SEC, 0, 5000));
	EXPECT_TRUE(l.held);
	EXPECT_EQ(3ULL, l.term);
	EXPECT_EQ(SEC + 1000, l.expires_ns);
	/* counted from start, not from now */
	EXPECT_EQ(SEC - 4000, stockade_lease_remaining_ns(&l, 5000));
}

TEST(grant_applies_drift)
{
	struct stockade_lease l = { 0 };

	ASSERT_EQ(STOCKADE_LEASE_OK,
		  stockade_lease_grant(&l, 1, 10, SEC, 100, 10));
	EXPECT_EQ(10 + 999900009ULL, l.expires_ns);
}

TEST(expiry_instant_is_not_live)
{
	struct stockade_lease l = granted(3, 1000, SEC, 1000);
	u64 e = SEC + 1000;

	EXPECT_TRUE(stockade_lease_live(&l, 3, e - 1));
	EXPECT_EQ(1ULL, stockade_lease_remaining_ns(&l, e - 1));
	EXPECT_FALSE(stockade_lease_live(&l, 3, e));
	EXPECT_EQ(0ULL, stockade_lease_remaining_ns(&l, e));
	EXPECT_FALSE(stockade_lease_live(&l, 3, e + 1));
	EXPECT_EQ(0ULL, stockade_lease_remaining_ns(&l, e + 1));
}

TEST(live_only_for_its_own_term)
{
	struct stockade_lease l = granted(3, 1000, SEC, 1000);

	EXPECT_TRUE(stockade_lease_live(&l, 3, 2000));
	EXPECT_FALSE(stockade_lease_live(&l, 2, 2000));
	EXPECT_FALSE(stockade_lease_live(&l, 4, 2000));
}

TEST(late_renewal_never_shortens)
{
	struct stockade_lease l = granted(3, 1000, SEC, 1000);

	/* an older heartbeat is acknowledged after a newer one */
	EXPECT_EQ(STOCKADE_LEASE_OK,
		  stockade_lease_grant(&l, 3, 500, SEC, 0, 3000));
	EXPECT_EQ(SEC + 1000, l.expires_ns);
	EXPECT_TRUE(l.held);
	/* a newer one extends */
	EXPECT_EQ(STOCKADE_LEASE_OK,
		  stockade_lease_grant(&l, 3, 2000, SEC, 0, 3000));
	EXPECT_EQ(SEC + 2000, l.expires_ns);
}

TEST(renewal_after_expiry_that_is_already_over)
{
	struct stockade_lease l = granted(3, 1000, SEC, 1000);
	u64 e = SEC + 1000, now = e + 10;

	ASSERT_FALSE(stockade_lease_live(&l, 3, now));
	/* sent before expiry, but its own expiry is already behind us */
	EXPECT_EQ(STOCKADE_LEASE_ALREADY_OVER,
		  stockade_lease_grant(&l, 3, e - 100, 50, 0, now));
	EXPECT_EQ(e, l.expires_ns);
	EXPECT_FALSE(stockade_lease_live(&l, 3, now));
	/* exactly at now is over as well */
	EXPECT_EQ(STOCKADE_LEASE_ALREADY_OVER,
		  stockade_lease_grant(&l, 3, e - 100, 110, 0, now));
	EXPECT_EQ(e, l.expires_ns);
	EXPECT_FALSE(stockade_lease_live(&l, 3, now));
	/* one ns later than now is a real renewal */
	EXPECT_EQ(STOCKADE_LEASE_OK,
		  stockade_lease_grant(&l, 3, e - 100, 111, 0, now));
	EXPECT_EQ(now + 1, l.expires_ns);
	EXPECT_TRUE(stockade_lease_live(&l, 3, now));
}

TEST(already_over_leaves_a_live_lease_alone)
{
	struct stockade_lease l = granted(3, 1000, SEC, 1000);

	EXPECT_EQ(STOCKADE_LEASE_ALREADY_OVER,
		  stockade_lease_grant(&l, 3, 10, 20, 0, 5000));
	EXPECT_EQ(SEC + 1000, l.expires_ns);
	/* nor does it move the term forward */
	EXPECT_EQ(STOCKADE_LEASE_ALREADY_OVER,
		  stockade_lease_grant(&l, 4, 10, 20, 0, 5000));
	EXPECT_EQ(3ULL, l.term);
	EXPECT_TRUE(stockade_lease_live(&l, 3, 5000));
}

TEST(newer_term_replaces_even_when_earlier)
{
	struct stockade_lease l = granted(3, 1000, 10 * SEC, 1000);

	EXPECT_EQ(STOCKADE_LEASE_OK,
		  stockade_lease_grant(&l, 4, 2000, SEC, 0, 3000));
	EXPECT_EQ(4ULL, l.term);
	EXPECT_EQ(SEC + 2000, l.expires_ns);
	EXPECT_TRUE(stockade_lease_live(&l, 4, 3000));
	EXPECT_FALSE(stockade_lease_live(&l, 3, 3000));
}

TEST(stale_term_refused_and_unchanged)
{
	struct stockade_lease l = granted(5, 1000, SEC, 1000);

	EXPECT_EQ(STOCKADE_LEASE_STALE_TERM,
		  stockade_lease_grant(&l, 4, 2000, 10 * SEC, 0, 3000));
	EXPECT_EQ(5ULL, l.term);
	EXPECT_EQ(SEC + 1000, l.expires_ns);
	EXPECT_TRUE(l.held);
	/* the term never goes backwards, held or not */
	stockade_lease_revoke(&l);
	EXPECT_EQ(STOCKADE_LEASE_STALE_TERM,
		  stockade_lease_grant(&l, 4, 2000, 10 * SEC, 0, 3000));
	EXPECT_EQ(5ULL, l.term);
	EXPECT_FALSE(l.held);
}

TEST(revoke_keeps_term_and_stops_the_lease)
{
	struct stockade_lease l = granted(5, 1000, 10 * SEC, 1000);

	stockade_lease_revoke(&l);
	EXPECT_FALSE(l.held);
	EXPECT_EQ(5ULL, l.term);
	EXPECT_FALSE(stockade_lease_live(&l, 5, 2000));
	EXPECT_EQ(0ULL, stockade_lease_remaining_ns(&l, 2000));
	/* a new grant in the same term starts afresh: no old expiry back */
	EXPECT_EQ(STOCKADE_LEASE_OK,
		  stockade_lease_grant(&l, 5, 2000, SEC, 0, 3000));
	EXPECT_TRUE(l.held);
	EXPECT_EQ(SEC + 2000, l.expires_ns);
}

TEST(bad_durations_refused)
{
	struct stockade_lease l = granted(3, 1000, SEC, 1000);
	struct stockade_lease before = l;

	EXPECT_EQ(STOCKADE_LEASE_BAD_DURATION,
		  stockade_lease_grant(&l, 4, 2000, 0, 0, 3000));
	EXPECT_EQ(STOCKADE_LEASE_BAD_DURATION,
		  stockade_lease_grant(&l, 4, 2000, STOCKADE_LEASE_MAX_NS + 1,
				       0, 3000));
	EXPECT_EQ(before.term, l.term);
	EXPECT_EQ(before.expires_ns, l.expires_ns);
	EXPECT_EQ(STOCKADE_LEASE_OK,
		  stockade_lease_grant(&l, 4, 2000, STOCKADE_LEASE_MAX_NS, 0,
				       3000));
	EXPECT_EQ(STOCKADE_LEASE_MAX_NS + 2000, l.expires_ns);
}

TEST(excess_drift_refused)
{
	struct stockade_lease l = granted(3, 1000, SEC, 1000);

	EXPECT_EQ(STOCKADE_LEASE_BAD_DRIFT,
		  stockade_lease_grant(&l, 4, 2000, SEC,
				       STOCKADE_DRIFT_PPM_MAX + 1, 3000));
	EXPECT_EQ(STOCKADE_LEASE_BAD_DRIFT,
		  stockade_lease_grant(&l, 4, 2000, SEC, U32_MAX, 3000));
	EXPECT_EQ(3ULL, l.term);
	EXPECT_EQ(SEC + 1000, l.expires_ns);
	EXPECT_EQ(STOCKADE_LEASE_OK,
		  stockade_lease_grant(&l, 4, 2000, 3 * SEC,
				       STOCKADE_DRIFT_PPM_MAX, 3000));
	EXPECT_EQ(2 * SEC + 2000, l.expires_ns);
}

TEST(start_in_the_future_refused)
{
	struct stockade_lease l = { 0 };

	EXPECT_EQ(STOCKADE_LEASE_FROM_FUTURE,
		  stockade_lease_grant(&l, 1, 3001, SEC, 0, 3000));
	EXPECT_FALSE(l.held);
	EXPECT_EQ(0ULL, l.term);
	EXPECT_EQ(STOCKADE_LEASE_OK,
		  stockade_lease_grant(&l, 1, 3000, SEC, 0, 3000));
	EXPECT_EQ(SEC + 3000, l.expires_ns);
}

TEST(expiry_saturates_near_the_end_of_time)
{
	struct stockade_lease l = { 0 };
	u64 start = U64_MAX - 5;

	ASSERT_EQ(STOCKADE_LEASE_OK,
		  stockade_lease_grant(&l, 1, start, SEC, 0, start));
	EXPECT_EQ(U64_MAX, l.expires_ns);
	EXPECT_TRUE(stockade_lease_live(&l, 1, U64_MAX - 1));
	EXPECT_EQ(1ULL, stockade_lease_remaining_ns(&l, U64_MAX - 1));
	EXPECT_FALSE(stockade_lease_live(&l, 1, U64_MAX));
	/* a wrapped sum would land near 0 and be over */
	EXPECT_EQ(STOCKADE_LEASE_OK,
		  stockade_lease_grant(&l, 2, start, 6, 0, start));
	EXPECT_EQ(U64_MAX, l.expires_ns);
	EXPECT_EQ(STOCKADE_LEASE_ALREADY_OVER,
		  stockade_lease_grant(&l, 3, start, SEC, 0, U64_MAX));
	EXPECT_EQ(2ULL, l.term);
}

TEST(quorum_start_single_node)
{
	u64 never[] = { 0 }, acked[] = { 7 };

	EXPECT_EQ(0ULL, stockade_lease_quorum_start(never, 1));
	EXPECT_EQ(7ULL, stockade_lease_quorum_start(acked, 1));
}

TEST(quorum_start_three_nodes)
{
	u64 one[] = { 0, 9, 0 }, two[] = { 9, 0, 5 }, all[] = { 3, 9, 5 };

	EXPECT_EQ(0ULL, stockade_lease_quorum_start(one, 3));
	EXPECT_EQ(5ULL, stockade_lease_quorum_start(two, 3));
	EXPECT_EQ(5ULL, stockade_lease_quorum_start(all, 3));
}

TEST(quorum_start_five_nodes_unsorted_and_untouched)
{
	u64 three[] = { 10, 0, 30, 0, 20 }, two[] = { 10, 0, 30, 0, 0 };
	u64 all[] = { 50, 10, 40, 20, 30 };
	const u64 all_before[] = { 50, 10, 40, 20, 30 };
	const u64 three_before[] = { 10, 0, 30, 0, 20 };

	EXPECT_EQ(10ULL, stockade_lease_quorum_start(three, 5));
	EXPECT_EQ(0ULL, stockade_lease_quorum_start(two, 5));
	EXPECT_EQ(30ULL, stockade_lease_quorum_start(all, 5));
	EXPECT_EQ(0, memcmp(all, all_before, sizeof(all)));
	EXPECT_EQ(0, memcmp(three, three_before, sizeof(three)));
}

TEST(quorum_start_even_and_largest_counts)
{
	u64 two[] = { 9, 5 }, four[] = { 4, 1, 3, 2 }, sixteen[17];
	unsigned int i;

	for (i = 0; i < 17; i++)
		sixteen[i] = i + 1;
	EXPECT_EQ(5ULL, stockade_lease_quorum_start(two, 2));
	EXPECT_EQ(2ULL, stockade_lease_quorum_start(four, 4));
	/* 9 of 1..16: the 9th largest is 8 */
	EXPECT_EQ(8ULL, stockade_lease_quorum_start(sixteen, 16));
	EXPECT_EQ(0ULL, stockade_lease_quorum_start(sixteen, 17));
	EXPECT_EQ(0ULL, stockade_lease_quorum_start(sixteen, 0));
}

TEST(wait_until_stretches_and_rounds_up)
{
	EXPECT_EQ(100 + SEC, stockade_lease_wait_until(100, SEC, 0));
	EXPECT_EQ(1000100000ULL, stockade_lease_wait_until(0, SEC, 100));
	EXPECT_EQ(7 + 15 * SEC, stockade_lease_wait_until(7, 10 * SEC,
							  STOCKADE_DRIFT_PPM_MAX));
	/* 1.0001 -> 2; 4.5 -> 5; 999999.999999 -> 1000000 */
	EXPECT_EQ(2ULL, stockade_lease_wait_until(0, 1, 100));
	EXPECT_EQ(5ULL, stockade_lease_wait_until(0, 3,
						  STOCKADE_DRIFT_PPM_MAX));
	EXPECT_EQ(1000000ULL, stockade_lease_wait_until(0, 999999, 1));
	EXPECT_EQ(1000001ULL, stockade_lease_wait_until(0, 1000000, 1));
}

TEST(wait_until_saturates)
{
	EXPECT_EQ(U64_MAX, stockade_lease_wait_until(U64_MAX - 10, SEC, 0));
	EXPECT_EQ(U64_MAX, stockade_lease_wait_until(U64_MAX - 10, SEC, 100));
	EXPECT_EQ(U64_MAX, stockade_lease_wait_until(U64_MAX, 1, 0));
	/* exact up to the last representable instant */
	EXPECT_EQ(U64_MAX, stockade_lease_wait_until(U64_MAX - 1000, 1000, 0));
	EXPECT_EQ(U64_MAX - 1,
		  stockade_lease_wait_until(U64_MAX - 1001, 1000, 0));
	/* the stretched duration alone overflows */
	EXPECT_EQ(U64_MAX, stockade_lease_wait_until(0, U64_MAX, 1));
	/* 2/3 of U64_MAX stretched by 50 % is U64_MAX, exactly */
	EXPECT_EQ(U64_MAX - 3,
		  stockade_lease_wait_until(0, U64_MAX / 3 * 2 - 2,
					    STOCKADE_DRIFT_PPM_MAX));
	EXPECT_EQ(U64_MAX, stockade_lease_wait_until(0, U64_MAX / 3 * 2,
						     STOCKADE_DRIFT_PPM_MAX));
	EXPECT_EQ(U64_MAX, stockade_lease_wait_until(0, U64_MAX / 3 * 2 + 1,
						     STOCKADE_DRIFT_PPM_MAX));
	EXPECT_EQ(U64_MAX, stockade_lease_wait_until(4, U64_MAX / 3 * 2 - 2,
						     STOCKADE_DRIFT_PPM_MAX));
	/* large but fitting: (2^63 - 1) * 1.5 = ...710.5, rounded up */
	EXPECT_EQ(13835058055282163716ULL,
		  stockade_lease_wait_until(5, U64_MAX / 2,
					    STOCKADE_DRIFT_PPM_MAX));
}

TEST(verdict_and_reason_names)
{
	EXPECT_STREQ("ok", stockade_lease_verdict_name(STOCKADE_LEASE_OK));
	EXPECT_STREQ("stale term",
		     stockade_lease_verdict_name(STOCKADE_LEASE_STALE_TERM));
	EXPECT_STREQ("already over",
		     stockade_lease_verdict_name(STOCKADE_LEASE_ALREADY_OVER));
	EXPECT_STREQ("unknown",
		     stockade_lease_verdict_name((enum stockade_lease_verdict)99));
	EXPECT_STREQ("none", stockade_fence_reason_name(STOCKADE_FENCE_NONE));
	EXPECT_STREQ("not-leader",
		     stockade_fence_reason_name(STOCKADE_FENCE_NOT_LEADER));
	EXPECT_STREQ("no-lease",
		     stockade_fence_reason_name(STOCKADE_FENCE_NO_LEASE));
	EXPECT_STREQ("lease-expired",
		     stockade_fence_reason_name(STOCKADE_FENCE_LEASE_EXPIRED));
	EXPECT_STREQ("clock-wait",
		     stockade_fence_reason_name(STOCKADE_FENCE_CLOCK_WAIT));
	EXPECT_STREQ("unknown",
		     stockade_fence_reason_name((enum stockade_fence_reason)99));
}

/* The lease of every fence case, unless it says otherwise. */
#define TERM		4
#define EXPIRES		1000
#define TIMEOUT		100

enum lease_kind { LIVE_LEASE, REVOKED, OLD_TERM, NO_LEASE_AT_ALL };

struct fence_case {
	const char *what;
	bool leader;
	enum lease_kind lease;
	u64 serve_after;
	enum stockade_io_policy policy;
	u64 arrived, now;
	enum stockade_io_decision decision;
	enum stockade_fence_reason reason;
};

#define ERR	STOCKADE_POLICY_IO_ERROR
#define SUSP	STOCKADE_POLICY_SUSPEND

static const struct fence_case fence_cases[] = {
	{ "leader, live lease", true, LIVE_LEASE, 0, ERR, 10, 20,
	  STOCKADE_IO_SERVE, STOCKADE_FENCE_NONE },
	{ "leader, live lease, suspend", true, LIVE_LEASE, 0, SUSP, 10, 20,
	  STOCKADE_IO_SERVE, STOCKADE_FENCE_NONE },
	{ "last live ns", true, LIVE_LEASE, 0, ERR, 10, EXPIRES - 1,
	  STOCKADE_IO_SERVE, STOCKADE_FENCE_NONE },
	{ "not leader", false, LIVE_LEASE, 0, ERR, 10, 20,
	  STOCKADE_IO_FAIL, STOCKADE_FENCE_NOT_LEADER },
	{ "not leader, suspend", false, LIVE_LEASE, 0, SUSP, 20, 20,
	  STOCKADE_IO_FAIL, STOCKADE_FENCE_NOT_LEADER },
	{ "not leader, no lease", false, NO_LEASE_AT_ALL, 0, SUSP, 20, 20,
	  STOCKADE_IO_FAIL, STOCKADE_FENCE_NOT_LEADER },
	{ "revoked", true, REVOKED, 0, ERR, 20, 20,
	  STOCKADE_IO_FAIL, STOCKADE_FENCE_NO_LEASE },
	{ "revoked, suspend", true, REVOKED, 0, SUSP, 20, 20,
	  STOCKADE_IO_WAIT, STOCKADE_FENCE_NO_LEASE },
	{ "old term", true, OLD_TERM, 0, ERR, 20, 20,
	  STOCKADE_IO_FAIL, STOCKADE_FENCE_NO_LEASE },
	{ "old term, suspend", true, OLD_TERM, 0, SUSP, 20, 20,
	  STOCKADE_IO_WAIT, STOCKADE_FENCE_NO_LEASE },
	{ "no lease", true, NO_LEASE_AT_ALL, 0, ERR, 20, 20,
	  STOCKADE_IO_FAIL, STOCKADE_FENCE_NO_LEASE },
	{ "no lease, suspend", true, NO_LEASE_AT_ALL, 0, SUSP, 20, 20,
	  STOCKADE_IO_WAIT, STOCKADE_FENCE_NO_LEASE },
	{ "expired", true, LIVE_LEASE, 0, ERR, EXPIRES, EXPIRES,
	  STOCKADE_IO_FAIL, STOCKADE_FENCE_LEASE_EXPIRED },
	{ "expired, suspend", true, LIVE_LEASE, 0, SUSP, 950, EXPIRES,
	  STOCKADE_IO_WAIT, STOCKADE_FENCE_LEASE_EXPIRED },
	{ "expired, suspend, 1 ns left", true, LIVE_LEASE, 0, SUSP,
	  EXPIRES + 1, EXPIRES + TIMEOUT,
	  STOCKADE_IO_WAIT, STOCKADE_FENCE_LEASE_EXPIRED },
	{ "expired, suspend, timed out", true, LIVE_LEASE, 0, SUSP,
	  EXPIRES, EXPIRES + TIMEOUT,
	  STOCKADE_IO_FAIL, STOCKADE_FENCE_LEASE_EXPIRED },
	{ "revoked, suspend, timed out", true, REVOKED, 0, SUSP,
	  20, 20 + TIMEOUT,
	  STOCKADE_IO_FAIL, STOCKADE_FENCE_NO_LEASE },
	{ "revoked, suspend, stamped after now", true, REVOKED, 0, SUSP,
	  500, 20,
	  STOCKADE_IO_WAIT, STOCKADE_FENCE_NO_LEASE },
	{ "clock wait", true, LIVE_LEASE, 500, ERR, 10, 499,
	  STOCKADE_IO_WAIT, STOCKADE_FENCE_CLOCK_WAIT },
	{ "clock wait, suspend", true, LIVE_LEASE, 500, SUSP, 10, 499,
	  STOCKADE_IO_WAIT, STOCKADE_FENCE_CLOCK_WAIT },
	{ "clock wait, long after arrival", true, LIVE_LEASE, 500, SUSP,
	  0, 499,
	  STOCKADE_IO_WAIT, STOCKADE_FENCE_CLOCK_WAIT },
	{ "clock wait over", true, LIVE_LEASE, 500, ERR, 10, 500,
	  STOCKADE_IO_SERVE, STOCKADE_FENCE_NONE },
	{ "clock wait beyond expiry", true, LIVE_LEASE, 2000, SUSP,
	  EXPIRES, EXPIRES,
	  STOCKADE_IO_WAIT, STOCKADE_FENCE_LEASE_EXPIRED },
	{ "clock wait beyond expiry, error", true, LIVE_LEASE, 2000, ERR,
	  EXPIRES, EXPIRES,
	  STOCKADE_IO_FAIL, STOCKADE_FENCE_LEASE_EXPIRED },
};

TEST(fence_decide_table)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fence_cases); i++) {
		const struct fence_case *c = &fence_cases[i];
		struct stockade_lease l = {
			.term = TERM, .expires_ns = EXPIRES, .held = true,
		};
		struct stockade_fence_input in = {
			.leader = c->leader, .term = TERM, .lease = &l,
			.serve_after_ns = c->serve_after, .policy = c->policy,
			.suspend_timeout_ns = TIMEOUT,
		};
		enum stockade_fence_reason reason = 99;

		if (c->lease == REVOKED)
			l.held = false;
		else if (c->lease == OLD_TERM)
			l.term = TERM - 1;
		else if (c->lease == NO_LEASE_AT_ALL)
			in.lease = NULL;
		EXPECT_EQ(c->decision,
			  stockade_fence_decide(&in, c->arrived, c->now,
						&reason))
			TH_LOG("case %u: %s", i, c->what);
		EXPECT_EQ(c->reason, reason)
			TH_LOG("case %u: %s", i, c->what);
	}
}

TEST(fence_decide_without_reason_and_zero_timeout)
{
	struct stockade_lease l = { .term = TERM, .expires_ns = EXPIRES };
	struct stockade_fence_input in = {
		.leader = true, .term = TERM, .lease = &l,
		.policy = STOCKADE_POLICY_SUSPEND, .suspend_timeout_ns = 0,
	};

	/* a zero timeout does not hold a bio at all */
	EXPECT_EQ(STOCKADE_IO_FAIL, stockade_fence_decide(&in, 20, 20, NULL));
	l.held = true;
	EXPECT_EQ(STOCKADE_IO_SERVE, stockade_fence_decide(&in, 20, 20, NULL));
}

TEST(failed_disk_fails_everything_even_a_live_leader)
{
	struct stockade_lease l = { .term = TERM, .expires_ns = 1000,
				    .held = true };
	struct stockade_fence_input in = {
		.leader = true, .disk_failed = true, .term = TERM,
		.lease = &l, .policy = STOCKADE_POLICY_SUSPEND,
		.suspend_timeout_ns = 500,
	};
	enum stockade_fence_reason reason = STOCKADE_FENCE_NONE;

	EXPECT_EQ(STOCKADE_IO_FAIL, stockade_fence_decide(&in, 20, 20, &reason));
	EXPECT_EQ(STOCKADE_FENCE_DISK_FAILED, reason);
	EXPECT_STREQ("disk-failed", stockade_fence_reason_name(reason));
	in.disk_failed = false;
	EXPECT_EQ(STOCKADE_IO_SERVE, stockade_fence_decide(&in, 20, 20, &reason));
}

TEST_HARNESS_MAIN
