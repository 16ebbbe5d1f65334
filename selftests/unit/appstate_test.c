// SPDX-License-Identifier: GPL-2.0
/*
 * The application state machine (agent/appstate.c), driven by hand on a
 * manual clock: the steps start in order once the device serves, stop in
 * reverse, a failure is retried with a doubling backoff, too many make
 * the node give up (stop, then stand aside), losing leadership in the
 * middle of a start kills the step and undoes what was begun, and a step
 * that overruns its timeout is killed.
 */
#include <stdio.h>

#include "kselftest_harness.h"
#include "appstate.h"

#define MS	1000000ULL
#define ALL	0xfu		/* fsck, mount, units, start */
#define T	7		/* the term this node leads */

static const struct stockade_app_result ok = { .exited = true };
static const struct stockade_app_result fail1 = { .exited = true, .code = 1 };
static const struct stockade_app_result fail2 = { .exited = true, .code = 2 };
static const struct stockade_app_result killed = { .signo = 9 };

static void init(struct stockade_app *a, unsigned int steps, uint32_t retries)
{
	struct stockade_app_config c = {
		.steps = steps, .timeout_ns = 60000 * MS, .retries = retries,
		.backoff_ns = 1000 * MS, .backoff_max_ns = 5000 * MS,
		.grace_ns = 800 * MS, .hold_ns = 300000 * MS,
	};

	stockade_app_init(a, &c);
}

/* One update: the step it runs, -1 for a kill, -2 for nothing. */
static int next(struct stockade_app *a, uint8_t lead, uint64_t now)
{
	struct stockade_app_act act;

	stockade_app_update(a, lead, T, now, &act);
	if (act.kind == STOCKADE_APP_ACT_RUN)
		return act.step;
	return act.kind == STOCKADE_APP_ACT_KILL ? -1 : -2;
}

#define SERVING		STOCKADE_APP_SERVING
#define FENCED		STOCKADE_APP_LEADING_FENCED
#define GONE		STOCKADE_APP_NOT_LEADING

TEST(starts_in_order_only_when_serving)
{
	struct stockade_app a;

	init(&a, ALL, 3);
	EXPECT_EQ(-2, next(&a, GONE, 0));
	/* The clock-bound wait: leader, but not serving yet. */
	EXPECT_EQ(-2, next(&a, FENCED, 0));
	EXPECT_EQ(STOCKADE_APP_STOPPED, a.state);
	EXPECT_EQ(STOCKADE_APP_FSCK, next(&a, SERVING, 10));
	EXPECT_EQ(STOCKADE_APP_STARTING, a.state);
	EXPECT_EQ(T, a.term);
	/* One step at a time: nothing while it runs. */
	EXPECT_EQ(-2, next(&a, SERVING, 20));
	/* fsck -p's 1 (errors corrected) is success. */
	EXPECT_EQ(STOCKADE_APP_OK, stockade_app_done(&a, &fail1, 30));
	EXPECT_EQ(STOCKADE_APP_MOUNT, next(&a, SERVING, 30));
	EXPECT_EQ(STOCKADE_APP_OK, stockade_app_done(&a, &ok, 40));
	EXPECT_EQ(STOCKADE_APP_UNITS, next(&a, SERVING, 40));
	EXPECT_EQ(STOCKADE_APP_OK, stockade_app_done(&a, &ok, 50));
	EXPECT_EQ(STOCKADE_APP_START, next(&a, SERVING, 50));
	EXPECT_EQ(STOCKADE_APP_OK, stockade_app_done(&a, &ok, 60));
	EXPECT_EQ(-2, next(&a, SERVING, 60));
	EXPECT_EQ(STOCKADE_APP_RUNNING, a.state);
	EXPECT_FALSE(stockade_app_idle(&a));
}

TEST(only_configured_steps_run)
{
	struct stockade_app a;

	init(&a, 1u << STOCKADE_APP_MOUNT | 1u << STOCKADE_APP_START, 3);
	EXPECT_EQ(STOCKADE_APP_MOUNT, next(&a, SERVING, 0));
	stockade_app_done(&a, &ok, 1);
	EXPECT_EQ(STOCKADE_APP_START, next(&a, SERVING, 1));
	stockade_app_done(&a, &ok, 2);
	EXPECT_EQ(STOCKADE_APP_RUNNING, a.state);
	EXPECT_EQ(STOCKADE_APP_STOP, next(&a, GONE, 3));
	stockade_app_done(&a, &ok, 4);
	EXPECT_EQ(STOCKADE_APP_UMOUNT, next(&a, GONE, 4));
	stockade_app_done(&a, &ok, 5);
	EXPECT_EQ(-2, next(&a, GONE, 5));
	EXPECT_EQ(STOCKADE_APP_STOPPED, a.state);
}

/* Run every step of ALL to RUNNING. */
static void run_all(struct stockade_app *a, uint64_t now)
{
	int s;

	while ((s = next(a, SERVING, now)) >= 0)
		stockade_app_done(a, &ok, now);
}

TEST(stops_in_reverse_order_and_can_start_again)
{
	struct stockade_app a;

	init(&a, ALL, 3);
	run_all(&a, 0);
	ASSERT_EQ(STOCKADE_APP_RUNNING, a.state);
	EXPECT_EQ(STOCKADE_APP_STOP, next(&a, GONE, 100));
	EXPECT_EQ(STOCKADE_APP_STOPPING, a.state);
	/* A failed stop step is counted, and the rest still runs. */
	EXPECT_EQ(STOCKADE_APP_FAILED_STEP, stockade_app_done(&a, &fail1, 110));
	EXPECT_EQ(STOCKADE_APP_UNITS_STOP, next(&a, GONE, 110));
	stockade_app_done(&a, &ok, 120);
	EXPECT_EQ(STOCKADE_APP_UMOUNT, next(&a, GONE, 120));
	/* Only a lazy unmount worked: success, said so. */
	EXPECT_EQ(STOCKADE_APP_OK_LAZY,
		  stockade_app_done(&a, &(struct stockade_app_result) {
			.exited = true, .code = STOCKADE_APP_LAZY_EXIT }, 130));
	EXPECT_EQ(-2, next(&a, GONE, 130));
	EXPECT_EQ(STOCKADE_APP_STOPPED, a.state);
	EXPECT_EQ(1u, a.stop_errors);
	EXPECT_TRUE(stockade_app_idle(&a));
	/* Leading again: from the first step, in the new term. */
	EXPECT_EQ(STOCKADE_APP_FSCK, next(&a, SERVING, 200));
}

TEST(a_stop_runs_to_its_end_even_if_leadership_returns)
{
	struct stockade_app a;

	init(&a, 1u << STOCKADE_APP_MOUNT | 1u << STOCKADE_APP_START, 3);
	run_all(&a, 0);
	EXPECT_EQ(STOCKADE_APP_STOP, next(&a, GONE, 10));
	EXPECT_EQ(-2, next(&a, SERVING, 11));
	stockade_app_done(&a, &ok, 12);
	EXPECT_EQ(STOCKADE_APP_UMOUNT, next(&a, SERVING, 12));
	stockade_app_done(&a, &ok, 13);
	/* Stopped, then started again, mount first. */
	EXPECT_EQ(STOCKADE_APP_MOUNT, next(&a, SERVING, 13));
}

TEST(retries_back_off_exponentially_then_give_up)
{
	struct stockade_app a;

	init(&a, ALL, 4);
	EXPECT_EQ(STOCKADE_APP_FSCK, next(&a, SERVING, 0));
	stockade_app_done(&a, &ok, 0);
	EXPECT_EQ(STOCKADE_APP_MOUNT, next(&a, SERVING, 0));
	stockade_app_done(&a, &ok, 0);
	EXPECT_EQ(STOCKADE_APP_UNITS, next(&a, SERVING, 0));
	stockade_app_done(&a, &ok, 0);
	EXPECT_EQ(STOCKADE_APP_START, next(&a, SERVING, 0));
	/* Failure 1: wait 1 s, then only the failed step runs again. */
	EXPECT_EQ(STOCKADE_APP_FAILED_STEP, stockade_app_done(&a, &fail2, 0));
	EXPECT_EQ(STOCKADE_APP_FAILED, a.state);
	EXPECT_EQ(3u, stockade_app_retries_left(&a));
	EXPECT_EQ(-2, next(&a, SERVING, 999 * MS));
	EXPECT_EQ(STOCKADE_APP_START, next(&a, SERVING, 1000 * MS));
	/* Failure 2: 2 s. */
	stockade_app_done(&a, &killed, 1000 * MS);
	EXPECT_EQ(-2, next(&a, SERVING, 2999 * MS));
	EXPECT_EQ(STOCKADE_APP_START, next(&a, SERVING, 3000 * MS));
	/* Failure 3: 4 s. */
	stockade_app_done(&a, &fail1, 3000 * MS);
	EXPECT_EQ(1u, stockade_app_retries_left(&a));
	EXPECT_EQ(-2, next(&a, SERVING, 6999 * MS));
	EXPECT_EQ(STOCKADE_APP_START, next(&a, SERVING, 7000 * MS));
	EXPECT_TRUE(stockade_app_eligible(&a));
	/* Failure 4 of 4: stop everything begun, while still leading. */
	stockade_app_done(&a, &fail1, 7000 * MS);
	EXPECT_EQ(0u, stockade_app_retries_left(&a));
	EXPECT_EQ(STOCKADE_APP_STOPPING, a.state);
	EXPECT_TRUE(stockade_app_eligible(&a));
	EXPECT_EQ(STOCKADE_APP_STOP, next(&a, SERVING, 7001 * MS));
	stockade_app_done(&a, &ok, 7002 * MS);
	EXPECT_EQ(STOCKADE_APP_UNITS_STOP, next(&a, SERVING, 7002 * MS));
	stockade_app_done(&a, &ok, 7003 * MS);
	EXPECT_EQ(STOCKADE_APP_UMOUNT, next(&a, SERVING, 7003 * MS));
	stockade_app_done(&a, &ok, 7004 * MS);
	EXPECT_EQ(-2, next(&a, SERVING, 7004 * MS));
	/* Then it stands aside: not eligible, starts nothing, even leading. */
	EXPECT_EQ(STOCKADE_APP_GAVE_UP, a.state);
	EXPECT_FALSE(stockade_app_eligible(&a));
	EXPECT_TRUE(stockade_app_idle(&a));
	EXPECT_EQ(STOCKADE_APP_START, a.fail_step);
	EXPECT_EQ(-2, next(&a, SERVING, 8000 * MS));
	EXPECT_EQ(-2, next(&a, GONE, (7004 + 299999) * MS));
	EXPECT_FALSE(stockade_app_eligible(&a));
	/* The hold is over: eligible again, with its retries back. */
	EXPECT_EQ(-2, next(&a, GONE, (7004 + 300000) * MS));
	EXPECT_TRUE(stockade_app_eligible(&a));
	EXPECT_EQ(STOCKADE_APP_STOPPED, a.state);
	EXPECT_EQ(STOCKADE_APP_FSCK, next(&a, SERVING, 400000 * MS));
	EXPECT_EQ(4u, stockade_app_retries_left(&a));
}

TEST(backoff_is_capped)
{
	struct stockade_app a;
	uint64_t now = 0;
	int i;

	init(&a, 1u << STOCKADE_APP_START, 0);
	EXPECT_EQ(UINT32_MAX, stockade_app_retries_left(&a));
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(STOCKADE_APP_START, next(&a, SERVING, now));
		stockade_app_done(&a, &fail1, now);
		/* Retries forever: never gives up. */
		ASSERT_EQ(STOCKADE_APP_FAILED, a.state);
		now = a.retry_at;
	}
	/* 1, 2, 4, then 5 s (the cap) each: 7 + 7 * 5 s. */
	EXPECT_EQ(42000 * MS, now);
}

TEST(give_up_when_nothing_was_begun_but_fsck)
{
	struct stockade_app a;

	init(&a, ALL, 1);
	EXPECT_EQ(STOCKADE_APP_FSCK, next(&a, SERVING, 0));
	stockade_app_done(&a, &fail2, 5);	/* 2 is not fine for fsck */
	EXPECT_EQ(-2, next(&a, SERVING, 5));
	EXPECT_EQ(STOCKADE_APP_GAVE_UP, a.state);
	EXPECT_EQ(5 + 300000 * MS, a.hold_until);
}

TEST(demotion_in_the_middle_of_start_kills_and_undoes)
{
	struct stockade_app a;

	init(&a, ALL, 3);
	EXPECT_EQ(STOCKADE_APP_FSCK, next(&a, SERVING, 0));
	stockade_app_done(&a, &ok, 0);
	EXPECT_EQ(STOCKADE_APP_MOUNT, next(&a, SERVING, 0));
	stockade_app_done(&a, &ok, 0);
	EXPECT_EQ(STOCKADE_APP_UNITS, next(&a, SERVING, 0));
	/* Demoted while the units start: kill that step... */
	EXPECT_EQ(-1, next(&a, GONE, 10));
	EXPECT_EQ(-2, next(&a, GONE, 11));	/* one kill is enough */
	EXPECT_EQ(STOCKADE_APP_ABORTED, stockade_app_done(&a, &killed, 12));
	EXPECT_EQ(0u, a.failures);
	/* ...then undo it and the mount, in reverse; no stop command. */
	EXPECT_EQ(STOCKADE_APP_UNITS_STOP, next(&a, GONE, 12));
	stockade_app_done(&a, &ok, 13);
	EXPECT_EQ(STOCKADE_APP_UMOUNT, next(&a, GONE, 13));
	stockade_app_done(&a, &ok, 14);
	EXPECT_EQ(-2, next(&a, GONE, 14));
	EXPECT_EQ(STOCKADE_APP_STOPPED, a.state);
	EXPECT_TRUE(stockade_app_eligible(&a));
}

TEST(demotion_while_waiting_to_retry_undoes)
{
	struct stockade_app a;

	init(&a, 1u << STOCKADE_APP_MOUNT | 1u << STOCKADE_APP_START, 3);
	EXPECT_EQ(STOCKADE_APP_MOUNT, next(&a, SERVING, 0));
	stockade_app_done(&a, &ok, 0);
	EXPECT_EQ(STOCKADE_APP_START, next(&a, SERVING, 0));
	stockade_app_done(&a, &fail1, 0);
	EXPECT_EQ(STOCKADE_APP_FAILED, a.state);
	/* The failed start may have started something: stop runs too. */
	EXPECT_EQ(STOCKADE_APP_STOP, next(&a, GONE, 10));
	stockade_app_done(&a, &ok, 11);
	EXPECT_EQ(STOCKADE_APP_UMOUNT, next(&a, GONE, 11));
}

TEST(a_new_term_restarts_the_application)
{
	struct stockade_app a;
	struct stockade_app_act act;

	init(&a, 1u << STOCKADE_APP_START, 3);
	run_all(&a, 0);
	/* Serving, but in another term: it lost leadership in between. */
	stockade_app_update(&a, SERVING, T + 1, 10, &act);
	EXPECT_EQ(STOCKADE_APP_ACT_RUN, act.kind);
	EXPECT_EQ(STOCKADE_APP_STOP, act.step);
	EXPECT_EQ(T, act.term);
	stockade_app_done(&a, &ok, 11);
	/* Stopped, and at once started for the new term. */
	stockade_app_update(&a, SERVING, T + 1, 11, &act);
	EXPECT_EQ(STOCKADE_APP_ACT_RUN, act.kind);
	EXPECT_EQ(STOCKADE_APP_START, act.step);
	EXPECT_EQ(T + 1, act.term);
}

TEST(a_late_lease_is_forgiven_a_lost_one_is_not)
{
	struct stockade_app a;

	init(&a, 1u << STOCKADE_APP_START, 3);
	run_all(&a, 0);
	EXPECT_EQ(-2, next(&a, FENCED, 100 * MS));
	EXPECT_EQ(-2, next(&a, FENCED, 899 * MS));
	EXPECT_EQ(-2, next(&a, SERVING, 900 * MS));	/* renewed */
	EXPECT_EQ(-2, next(&a, FENCED, 1000 * MS));
	EXPECT_EQ(-2, next(&a, FENCED, 1799 * MS));
	EXPECT_EQ(STOCKADE_APP_RUNNING, a.state);
	/* Fenced for a whole lease: the lease is lost. */
	EXPECT_EQ(STOCKADE_APP_STOP, next(&a, FENCED, 1800 * MS));
}

TEST(a_step_that_overruns_is_killed_and_counts_as_failed)
{
	struct stockade_app a;

	init(&a, 1u << STOCKADE_APP_MOUNT | 1u << STOCKADE_APP_START, 2);
	EXPECT_EQ(STOCKADE_APP_MOUNT, next(&a, SERVING, 0));
	EXPECT_EQ(-2, next(&a, SERVING, 59999 * MS));
	EXPECT_EQ(-1, next(&a, SERVING, 60000 * MS));
	EXPECT_EQ(-2, next(&a, SERVING, 60001 * MS));
	EXPECT_EQ(STOCKADE_APP_TIMED_OUT,
		  stockade_app_done(&a, &killed, 60002 * MS));
	EXPECT_EQ(STOCKADE_APP_FAILED, a.state);
	EXPECT_EQ(STOCKADE_APP_MOUNT, a.fail_step);
	EXPECT_EQ(STOCKADE_APP_TIMED_OUT, a.fail_outcome);
	EXPECT_EQ(STOCKADE_APP_MOUNT, next(&a, SERVING, 61002 * MS));
	/* A stop step that overruns is killed too, and the stop goes on. */
	stockade_app_done(&a, &ok, 61003 * MS);
	EXPECT_EQ(STOCKADE_APP_START, next(&a, SERVING, 61003 * MS));
	stockade_app_done(&a, &ok, 61004 * MS);
	EXPECT_EQ(STOCKADE_APP_STOP, next(&a, GONE, 70000 * MS));
	EXPECT_EQ(-1, next(&a, GONE, 130000 * MS));
	EXPECT_EQ(STOCKADE_APP_TIMED_OUT,
		  stockade_app_done(&a, &killed, 130001 * MS));
	EXPECT_EQ(STOCKADE_APP_UMOUNT, next(&a, GONE, 130001 * MS));
	EXPECT_EQ(1u, a.stop_errors);
}

TEST(operator_promote_ends_a_give_up)
{
	struct stockade_app a;

	init(&a, 1u << STOCKADE_APP_START, 1);
	EXPECT_EQ(STOCKADE_APP_START, next(&a, SERVING, 0));
	stockade_app_done(&a, &fail1, 0);
	/* The failed start is undone by the stop command, then it gives up. */
	EXPECT_EQ(STOCKADE_APP_STOP, next(&a, SERVING, 0));
	stockade_app_done(&a, &ok, 0);
	EXPECT_EQ(-2, next(&a, SERVING, 0));
	EXPECT_FALSE(stockade_app_eligible(&a));
	stockade_app_promoted(&a);
	EXPECT_TRUE(stockade_app_eligible(&a));
	EXPECT_EQ(STOCKADE_APP_START, next(&a, SERVING, 1));
}

TEST(nothing_configured_runs_nothing)
{
	struct stockade_app a;

	init(&a, 0, 3);
	EXPECT_EQ(-2, next(&a, SERVING, 0));
	EXPECT_EQ(STOCKADE_APP_RUNNING, a.state);
	EXPECT_EQ(-2, next(&a, GONE, 1));
	EXPECT_EQ(STOCKADE_APP_STOPPED, a.state);
}

TEST(names)
{
	EXPECT_STREQ("gave-up", stockade_app_state_name(STOCKADE_APP_GAVE_UP));
	EXPECT_STREQ("units-stop",
		     stockade_app_step_name(STOCKADE_APP_UNITS_STOP));
	EXPECT_STREQ("none", stockade_app_step_name(STOCKADE_APP_STEPS));
}

TEST_HARNESS_MAIN
