// SPDX-License-Identifier: GPL-2.0
/*
 * The clock offset and drift estimator (core/clockskew.c), against
 * simulated peers with a known offset and drift, exchanging over links
 * with random asymmetric delays (a seeded LCG, so every run is the same):
 * the offset within its error bound, the drift within 5 ppm, delay spikes
 * that move neither, rejected exchanges and the leadership verdicts.
 */
#include <math.h>

#include "kselftest_harness.h"
#include "clockskew.h"

#define US	1000LL
#define MS	1000000LL
#define S	1000000000LL

#define EXPECT_NEAR(expected, seen, tol) do { \
	double e_ = (expected), s_ = (seen); \
	EXPECT_TRUE(fabs(e_ - s_) <= (tol)) \
		TH_LOG("expected %.9g, got %.9g", e_, s_); \
} while (0)

static u64 lcg_state;

/* Knuth's MMIX LCG; the high bits are the good ones. */
static u32 lcg(void)
{
	lcg_state = lcg_state * 6364136223846793005ULL +
		1442695040888963407ULL;
	return (u32)(lcg_state >> 33);
}

/* Uniform in [lo, hi). */
static s64 uniform(s64 lo, s64 hi)
{
	return lo + (s64)((double)lcg() / 2147483648.0 * (double)(hi - lo));
}

/* A peer's clock: offset0 at our time t0, drifting by ppm. */
struct peer {
	s64 offset0_ns;
	double ppm;
	s64 t0;
};

/* The peer's clock minus ours, at our time @t: the truth. */
static double true_offset(const struct peer *p, double t)
{
	return (double)p->offset0_ns + p->ppm * 1e-6 * (t - (double)p->t0);
}

struct exchange {
	s64 t1, t2, t3, t4;
};

/*
 * One exchange sent at our @t1: @fwd on the way there, @proc of the
 * peer's time in between, @back on the way back.
 */
static struct exchange exchange(const struct peer *p, s64 t1, s64 fwd,
				s64 proc, s64 back)
{
	struct exchange x;
	double r = (double)t1 + (double)fwd;	/* our time, at the peer */
	double s = r + (double)proc / (1 + p->ppm * 1e-6);

	x.t1 = t1;
	x.t2 = (s64)llround(r + true_offset(p, r));
	x.t3 = x.t2 + proc;
	x.t4 = (s64)llround(s + (double)back);
	return x;
}

/* A LAN: 50 us each way plus up to 400 us of queueing, independently. */
static struct exchange lan_exchange(const struct peer *p, s64 t1)
{
	s64 fwd = uniform(50 * US, 450 * US);
	s64 proc = uniform(10 * US, 100 * US);

	return exchange(p, t1, fwd, proc, uniform(50 * US, 450 * US));
}

static void defaults(struct stockade_skew_config *cfg)
{
	stockade_skew_config_default(cfg);
}

static enum stockade_skew_verdict add(struct stockade_skew *est,
				      const struct exchange *x)
{
	return stockade_skew_add_sample(est, x->t1, x->t2, x->t3, x->t4);
}

TEST(one_exchange_gives_theta_and_half_delta)
{
	struct stockade_skew_config cfg;
	struct stockade_skew est;
	s64 off, err;

	defaults(&cfg);
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&est, &cfg));
	EXPECT_FALSE(stockade_skew_offset_ns(&est, &off, &err));
	/* 500 ns each way, 100 ns at the peer, the peer 7000 ns ahead */
	ASSERT_EQ(STOCKADE_SKEW_ACCEPTED,
		  stockade_skew_add_sample(&est, 1000, 8500, 8600, 2100));
	ASSERT_TRUE(stockade_skew_offset_ns(&est, &off, &err));
	EXPECT_EQ(7000, off);
	EXPECT_EQ(500, err);
	EXPECT_EQ(1550, est.recent[0].mid_ns);
	EXPECT_EQ(1000, est.recent[0].delay_ns);
	/* all the delay one way: theta is off by delta / 2, no more */
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&est, &cfg));
	ASSERT_EQ(STOCKADE_SKEW_ACCEPTED,
		  stockade_skew_add_sample(&est, 1000, 9000, 9100, 2100));
	ASSERT_TRUE(stockade_skew_offset_ns(&est, &off, &err));
	EXPECT_EQ(7500, off);
	EXPECT_EQ(500, err);
}

TEST(the_filter_takes_the_tightest_bound)
{
	struct stockade_skew_config cfg;
	struct stockade_skew est;
	s64 off, err;

	defaults(&cfg);
	cfg.max_drift_ppm = 0;		/* pure least delay */
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&est, &cfg));
	/* offsets 3000 (delay 3000), 1000 (delay 1000), 2000 (2000) */
	add(&est, &(struct exchange){ 0, 4500, 4500, 3000 });
	add(&est, &(struct exchange){ S, S + 1500, S + 1500, S + 1000 });
	add(&est, &(struct exchange){ 2 * S, 2 * S + 3000, 2 * S + 3000,
				      2 * S + 2000 });
	ASSERT_TRUE(stockade_skew_offset_ns(&est, &off, &err));
	EXPECT_EQ(1000, off);
	EXPECT_EQ(500, err);

	/*
	 * With 500 ppm assumed, the 1000 ns sample ages by 500 ns per
	 * second: one second old it still beats a 1.5 ms exchange, two
	 * seconds old it does not.
	 */
	cfg.max_drift_ppm = 500;
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&est, &cfg));
	add(&est, &(struct exchange){ 0, 1500, 1500, 1000 });
	add(&est, &(struct exchange){ S - 750 * US, S + 7000, S + 7000,
				      S + 750 * US });
	ASSERT_TRUE(stockade_skew_offset_ns(&est, &off, &err));
	EXPECT_EQ(1000, off);
	EXPECT_EQ(500 + 500 * US, err);
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&est, &cfg));
	add(&est, &(struct exchange){ 0, 1500, 1500, 1000 });
	add(&est, &(struct exchange){ 2 * S - 750 * US, 2 * S + 7000,
				      2 * S + 7000, 2 * S + 750 * US });
	ASSERT_TRUE(stockade_skew_offset_ns(&est, &off, &err));
	EXPECT_EQ(7000, off);
	EXPECT_EQ(750 * US, err);
}

TEST(offset_within_half_the_least_delay)
{
	struct peer p = { .offset0_ns = 3 * MS, .ppm = 0, .t0 = 0 };
	struct stockade_skew_config cfg;
	struct stockade_skew est;
	struct exchange x;
	s64 off, err, min_delay, t = 5000 * S;
	unsigned int i, j;

	lcg_state = 1;
	defaults(&cfg);
	cfg.max_drift_ppm = 0;
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&est, &cfg));
	for (i = 0; i < 300; i++, t += 100 * MS) {
		x = lan_exchange(&p, t);
		ASSERT_EQ(STOCKADE_SKEW_ACCEPTED, add(&est, &x));
		ASSERT_TRUE(stockade_skew_offset_ns(&est, &off, &err));
		min_delay = S64_MAX;
		for (j = 0; j < est.recent_count; j++)
			if (est.recent[j].delay_ns < min_delay)
				min_delay = est.recent[j].delay_ns;
		EXPECT_EQ((min_delay + 1) / 2, err);
		EXPECT_GE(err + 1, llabs(off - 3 * MS));
		/* 100 us at least each way: never better than that */
		EXPECT_LE(100 * US, min_delay);
	}
	EXPECT_EQ(300u, est.accepted);
}

TEST(drift_of_200_ppm_within_5_ppm)
{
	/* monotonic clocks: the peer booted three days before us */
	struct peer p = { .offset0_ns = 3 * 86400 * S, .ppm = 200,
			  .t0 = 0 };
	struct stockade_skew_config cfg;
	struct stockade_skew est;
	struct exchange x;
	s64 off, err, t = 20 * S;
	double ppm, mid;
	unsigned int i;

	lcg_state = 2;
	defaults(&cfg);
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&est, &cfg));
	for (i = 0; i < 600; i++, t += 100 * MS) {
		x = lan_exchange(&p, t);
		ASSERT_EQ(STOCKADE_SKEW_ACCEPTED, add(&est, &x));
		/* not before 4 points spanning 10 s: 13 blocks of 8 */
		if (i < 100)
			EXPECT_FALSE(stockade_skew_drift_ppm(&est, &ppm));
		/* the offset, drifting, stays within its bound */
		ASSERT_TRUE(stockade_skew_offset_ns(&est, &off, &err));
		mid = (double)x.t1 + (double)(x.t4 - x.t1) / 2;
		EXPECT_GE((double)err + 2, fabs((double)off -
						true_offset(&p, mid)));
		EXPECT_GT(500 * US, err);
	}
	ASSERT_TRUE(stockade_skew_drift_ppm(&est, &ppm));
	EXPECT_NEAR(200, ppm, 5);
	EXPECT_EQ(64u, est.points_count);

	/* and the other way, a peer running slow */
	p.ppm = -150;
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&est, &cfg));
	for (i = 0; i < 600; i++, t += 100 * MS) {
		x = lan_exchange(&p, t);
		ASSERT_EQ(STOCKADE_SKEW_ACCEPTED, add(&est, &x));
	}
	ASSERT_TRUE(stockade_skew_drift_ppm(&est, &ppm));
	EXPECT_NEAR(-150, ppm, 5);
}

TEST(delay_spikes_move_neither_offset_nor_drift)
{
	struct peer p = { .offset0_ns = -2 * MS, .ppm = 200, .t0 = 0 };
	struct stockade_skew_config cfg;
	struct stockade_skew clean, spiky;
	struct exchange x, y;
	s64 off, err, t = 100 * S, fwd, proc, back, spike;
	double clean_ppm, spiky_ppm, mid, theta;
	unsigned int i, spikes = 0;

	lcg_state = 3;
	defaults(&cfg);
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&clean, &cfg));
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&spiky, &cfg));
	for (i = 0; i < 800; i++, t += 100 * MS) {
		fwd = uniform(50 * US, 450 * US);
		proc = uniform(10 * US, 100 * US);
		back = uniform(50 * US, 450 * US);
		x = exchange(&p, t, fwd, proc, back);
		ASSERT_EQ(STOCKADE_SKEW_ACCEPTED, add(&clean, &x));
		/*
		 * One exchange in four, at random, queues 10 to 60 ms on
		 * the way out: spikes of random size, so that they would
		 * not just shift every point alike.
		 */
		y = x;
		spike = uniform(10 * MS, 60 * MS);
		if (i >= 8 && lcg() % 4 == 0) {
			y = exchange(&p, t, fwd + spike, proc, back);
			theta = ((double)(y.t2 - y.t1) +
				 (double)(y.t3 - y.t4)) / 2;
			mid = (double)y.t1 + (double)(y.t4 - y.t1) / 2;
			EXPECT_LT((double)spike / 2 - 0.5e6,
				  fabs(theta - true_offset(&p, mid)));
			spikes++;
		}
		ASSERT_EQ(STOCKADE_SKEW_ACCEPTED, add(&spiky, &y));
		mid = (double)y.t1 + (double)(y.t4 - y.t1) / 2;
		ASSERT_TRUE(stockade_skew_offset_ns(&spiky, &off, &err));
		EXPECT_GT(1 * MS, err);
		EXPECT_GE((double)err + 2, fabs((double)off -
						true_offset(&p, mid)));
	}
	EXPECT_LT(150u, spikes);
	ASSERT_TRUE(stockade_skew_drift_ppm(&clean, &clean_ppm));
	ASSERT_TRUE(stockade_skew_drift_ppm(&spiky, &spiky_ppm));
	EXPECT_NEAR(200, spiky_ppm, 5);
	EXPECT_NEAR(clean_ppm, spiky_ppm, 1);
}

TEST(bad_exchanges_are_rejected_and_counted)
{
	struct stockade_skew_config cfg;
	struct stockade_skew est;
	s64 off, err;

	defaults(&cfg);
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&est, &cfg));
	/* the peer claims 900 ns inside a 500 ns round trip */
	EXPECT_EQ(STOCKADE_SKEW_NEGATIVE_DELAY,
		  stockade_skew_add_sample(&est, 0, 100, 1000, 500));
	/* 200 ms round trip */
	EXPECT_EQ(STOCKADE_SKEW_DELAY_TOO_LARGE,
		  stockade_skew_add_sample(&est, 0, 100 * MS, 100 * MS,
					   200 * MS));
	/* clocks running backwards within the exchange */
	EXPECT_EQ(STOCKADE_SKEW_BAD_TIMESTAMPS,
		  stockade_skew_add_sample(&est, 1000, 5000, 5100, 900));
	EXPECT_EQ(STOCKADE_SKEW_BAD_TIMESTAMPS,
		  stockade_skew_add_sample(&est, 1000, 5100, 5000, 3000));
	/* differences that do not fit in 64 bits */
	EXPECT_EQ(STOCKADE_SKEW_BAD_TIMESTAMPS,
		  stockade_skew_add_sample(&est, INT64_MIN, 0, 0, INT64_MAX));
	EXPECT_EQ(STOCKADE_SKEW_BAD_TIMESTAMPS,
		  stockade_skew_add_sample(&est, INT64_MIN + 10, INT64_MAX - 10,
					   INT64_MAX - 5, INT64_MIN + 20));
	EXPECT_EQ(STOCKADE_SKEW_BAD_TIMESTAMPS,
		  stockade_skew_add_sample(&est, INT64_MAX - 20, INT64_MIN + 5,
					   INT64_MIN + 10, INT64_MAX - 10));
	EXPECT_EQ(1u, est.rejected_negative_delay);
	EXPECT_EQ(1u, est.rejected_delay_too_large);
	EXPECT_EQ(5u, est.rejected_bad_timestamps);
	EXPECT_EQ(0u, est.accepted);
	EXPECT_FALSE(stockade_skew_offset_ns(&est, &off, &err));
	EXPECT_EQ(0u, est.block_fill);

	/*
	 * Exactly the maximum delay is fine, and so is the far past; after
	 * the first sample, it is off the line and held as a possible step.
	 */
	EXPECT_EQ(STOCKADE_SKEW_ACCEPTED,
		  stockade_skew_add_sample(&est, 0, 50 * MS, 50 * MS,
					   100 * MS));
	EXPECT_EQ(STOCKADE_SKEW_ACCEPTED,
		  stockade_skew_add_sample(&est, 0, INT64_MIN + 5,
					   INT64_MIN + 5, 10));
	EXPECT_EQ(1u, est.held_count);
	ASSERT_TRUE(stockade_skew_offset_ns(&est, &off, &err));
	EXPECT_EQ(0, off);
	stockade_skew_reset(&est);
	EXPECT_EQ(STOCKADE_SKEW_ACCEPTED,
		  stockade_skew_add_sample(&est, 0, INT64_MIN + 5,
					   INT64_MIN + 5, 10));
	ASSERT_TRUE(stockade_skew_offset_ns(&est, &off, &err));
	EXPECT_EQ(INT64_MIN, off);
	EXPECT_EQ(5, err);
	EXPECT_EQ(3u, est.accepted);
}

TEST(every_verdict_has_a_name)
{
	int v;

	for (v = STOCKADE_SKEW_ACCEPTED; v <= STOCKADE_SKEW_BAD_TIMESTAMPS; v++)
		EXPECT_STRNE("unknown", stockade_skew_verdict_name(v));
	for (v = STOCKADE_CLOCK_OK; v <= STOCKADE_CLOCK_UNKNOWN; v++)
		EXPECT_STRNE("unknown", stockade_clock_verdict_name(v));
	for (v = STOCKADE_SKEW_CFG_OK; v <= STOCKADE_SKEW_CFG_BAD_MAX_DRIFT;
	     v++)
		EXPECT_STRNE("unknown", stockade_skew_cfg_verdict_name(v));
}

/* @n LAN exchanges, 100 ms apart, from @t on; returns the next t. */
static s64 run(struct stockade_skew *est, const struct peer *p, s64 t,
	       unsigned int n)
{
	struct exchange x;

	while (n--) {
		x = lan_exchange(p, t);
		add(est, &x);
		t += 100 * MS;
	}
	return t;
}

TEST(clock_verdicts)
{
	struct peer wall = { .offset0_ns = 50 * MS, .ppm = 20, .t0 = 0 };
	struct peer fast = { .offset0_ns = 3 * 86400 * S, .ppm = 1000,
			     .t0 = 0 };
	struct stockade_skew_config cfg;
	struct stockade_skew est;
	s64 off, err;

	lcg_state = 4;
	defaults(&cfg);
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&est, &cfg));
	EXPECT_EQ(STOCKADE_CLOCK_UNKNOWN,
		  stockade_clock_ok(&est, 10 * MS, 500));

	/* a wall clock 50 ms ahead: too far even before the drift is known */
	run(&est, &wall, 0, 10);
	EXPECT_EQ(STOCKADE_CLOCK_OFFSET_TOO_LARGE,
		  stockade_clock_ok(&est, 10 * MS, 500));
	EXPECT_EQ(STOCKADE_CLOCK_UNKNOWN,
		  stockade_clock_ok(&est, 100 * MS, 500));
	run(&est, &wall, 1 * S, 200);
	EXPECT_EQ(STOCKADE_CLOCK_OFFSET_TOO_LARGE,
		  stockade_clock_ok(&est, 10 * MS, 500));
	EXPECT_EQ(STOCKADE_CLOCK_OK, stockade_clock_ok(&est, 100 * MS, 500));
	EXPECT_EQ(STOCKADE_CLOCK_DRIFT_TOO_LARGE,
		  stockade_clock_ok(&est, 100 * MS, 10));
	/* a limit inside the error bound: cannot tell */
	ASSERT_TRUE(stockade_skew_offset_ns(&est, &off, &err));
	EXPECT_EQ(STOCKADE_CLOCK_UNKNOWN,
		  stockade_clock_ok(&est, off, 500));
	EXPECT_EQ(STOCKADE_CLOCK_OK, stockade_clock_ok(&est, off + err, 500));
	EXPECT_EQ(STOCKADE_CLOCK_OFFSET_TOO_LARGE,
		  stockade_clock_ok(&est, off - err - 1, 500));

	/* monotonic clocks: a huge offset that means nothing, fast drift */
	stockade_skew_reset(&est);
	EXPECT_FALSE(stockade_skew_offset_ns(&est, &off, &err));
	EXPECT_EQ(STOCKADE_CLOCK_UNKNOWN,
		  stockade_clock_ok(&est, S64_MAX, 500));
	run(&est, &fast, 0, 200);
	EXPECT_EQ(STOCKADE_CLOCK_DRIFT_TOO_LARGE,
		  stockade_clock_ok(&est, S64_MAX, 500));
	EXPECT_EQ(STOCKADE_CLOCK_OK, stockade_clock_ok(&est, S64_MAX, 2000));
	EXPECT_EQ(STOCKADE_CLOCK_OFFSET_TOO_LARGE,
		  stockade_clock_ok(&est, 10 * MS, 2000));
	/* a NaN limit never passes */
	EXPECT_EQ(STOCKADE_CLOCK_DRIFT_TOO_LARGE,
		  stockade_clock_ok(&est, S64_MAX, NAN));

	/* the most negative offset there is, without overflow */
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&est, &cfg));
	ASSERT_EQ(STOCKADE_SKEW_ACCEPTED,
		  stockade_skew_add_sample(&est, 0, INT64_MIN + 5,
					   INT64_MIN + 5, 10));
	EXPECT_EQ(STOCKADE_CLOCK_UNKNOWN,
		  stockade_clock_ok(&est, S64_MAX, 500));
	EXPECT_EQ(STOCKADE_CLOCK_OFFSET_TOO_LARGE,
		  stockade_clock_ok(&est, 1000, 500));
	EXPECT_EQ(STOCKADE_CLOCK_OFFSET_TOO_LARGE,
		  stockade_clock_ok(&est, -1, 500));
}

TEST(reset_forgets_samples_and_keeps_counters)
{
	struct peer p = { .offset0_ns = 1 * MS, .ppm = 100, .t0 = 0 };
	struct stockade_skew_config cfg;
	struct stockade_skew est;
	double ppm;
	s64 t;

	lcg_state = 5;
	defaults(&cfg);
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&est, &cfg));
	t = run(&est, &p, 0, 200);
	ASSERT_TRUE(stockade_skew_drift_ppm(&est, &ppm));
	stockade_skew_reset(&est);
	EXPECT_FALSE(stockade_skew_drift_ppm(&est, &ppm));
	EXPECT_EQ(200u, est.accepted);
	/* the peer rebooted: its clock starts over, no spurious drift */
	p.offset0_ns = -5000 * S;
	run(&est, &p, t, 200);
	ASSERT_TRUE(stockade_skew_drift_ppm(&est, &ppm));
	EXPECT_NEAR(100, ppm, 5);
}

TEST(invalid_configs_are_rejected)
{
	struct stockade_skew_config cfg;
	struct stockade_skew est;

	defaults(&cfg);
	EXPECT_EQ(8u, cfg.filter);
	EXPECT_EQ(STOCKADE_SKEW_MAX_POINTS, cfg.points);
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&est, &cfg));

	cfg.filter = 0;
	EXPECT_EQ(STOCKADE_SKEW_CFG_BAD_FILTER, stockade_skew_init(&est, &cfg));
	cfg.filter = STOCKADE_SKEW_MAX_FILTER + 1;
	EXPECT_EQ(STOCKADE_SKEW_CFG_BAD_FILTER, stockade_skew_init(&est, &cfg));
	cfg.filter = 1;
	EXPECT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&est, &cfg));

	defaults(&cfg);
	cfg.points = 1;
	EXPECT_EQ(STOCKADE_SKEW_CFG_BAD_POINTS, stockade_skew_init(&est, &cfg));
	cfg.points = STOCKADE_SKEW_MAX_POINTS + 1;
	EXPECT_EQ(STOCKADE_SKEW_CFG_BAD_POINTS, stockade_skew_init(&est, &cfg));
	cfg.points = 8;
	cfg.min_points = 9;
	EXPECT_EQ(STOCKADE_SKEW_CFG_BAD_POINTS, stockade_skew_init(&est, &cfg));
	cfg.min_points = 1;
	EXPECT_EQ(STOCKADE_SKEW_CFG_BAD_POINTS, stockade_skew_init(&est, &cfg));

	defaults(&cfg);
	cfg.min_span_ns = 0;
	EXPECT_EQ(STOCKADE_SKEW_CFG_BAD_MIN_SPAN,
		  stockade_skew_init(&est, &cfg));
	cfg.min_span_ns = -S;
	EXPECT_EQ(STOCKADE_SKEW_CFG_BAD_MIN_SPAN,
		  stockade_skew_init(&est, &cfg));

	defaults(&cfg);
	cfg.max_delay_ns = 0;
	EXPECT_EQ(STOCKADE_SKEW_CFG_BAD_MAX_DELAY,
		  stockade_skew_init(&est, &cfg));
	cfg.max_delay_ns = -MS;
	EXPECT_EQ(STOCKADE_SKEW_CFG_BAD_MAX_DELAY,
		  stockade_skew_init(&est, &cfg));

	defaults(&cfg);
	cfg.max_drift_ppm = -1;
	EXPECT_EQ(STOCKADE_SKEW_CFG_BAD_MAX_DRIFT,
		  stockade_skew_init(&est, &cfg));
	cfg.max_drift_ppm = NAN;
	EXPECT_EQ(STOCKADE_SKEW_CFG_BAD_MAX_DRIFT,
		  stockade_skew_init(&est, &cfg));
	cfg.max_drift_ppm = 2e6;
	EXPECT_EQ(STOCKADE_SKEW_CFG_BAD_MAX_DRIFT,
		  stockade_skew_init(&est, &cfg));
}

TEST(a_filter_of_one_and_two_points)
{
	struct peer p = { .offset0_ns = 0, .ppm = 50, .t0 = 0 };
	struct stockade_skew_config cfg;
	struct stockade_skew est;
	double ppm;

	/* the smallest configuration still works: every sample a point */
	lcg_state = 6;
	defaults(&cfg);
	cfg.filter = 1;
	cfg.points = 2;
	cfg.min_points = 2;
	cfg.min_span_ns = 100 * MS;
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&est, &cfg));
	run(&est, &p, 0, 1);
	EXPECT_FALSE(stockade_skew_drift_ppm(&est, &ppm));
	run(&est, &p, 0, 1);	/* the same time: no span */
	EXPECT_FALSE(stockade_skew_drift_ppm(&est, &ppm));
	run(&est, &p, 3600 * S, 1);
	ASSERT_TRUE(stockade_skew_drift_ppm(&est, &ppm));
	EXPECT_NEAR(50, ppm, 1);
}

/* Our clock stepped by @by: our two timestamps carry it, the peer's not. */
static struct exchange our_step(struct exchange x, s64 by)
{
	x.t1 += by;
	x.t4 += by;
	return x;
}

/*
 * LAN exchanges 100 ms apart from @t, with our clock stepped by @by, until
 * the verdict is @want (at most @max); returns how many it took, or
 * @max + 1, and moves *@t on.
 */
static unsigned int until(struct stockade_skew *est, const struct peer *p,
			  s64 *t, s64 by, enum stockade_clock_verdict want,
			  unsigned int max)
{
	struct exchange x;
	unsigned int n;

	for (n = 1; n <= max; n++, *t += 100 * MS) {
		x = our_step(lan_exchange(p, *t), by);
		add(est, &x);
		if (stockade_clock_ok(est, 250 * MS, 500) == want) {
			*t += 100 * MS;
			return n;
		}
	}
	return n;
}

/* @n more exchanges; how many of them left the verdict at @want. */
static unsigned int hold(struct stockade_skew *est, const struct peer *p,
			 s64 *t, s64 by, enum stockade_clock_verdict want,
			 unsigned int n)
{
	struct exchange x;
	unsigned int kept = 0;

	for (; n; n--, *t += 100 * MS) {
		x = our_step(lan_exchange(p, *t), by);
		add(est, &x);
		kept += stockade_clock_ok(est, 250 * MS, 500) == want;
	}
	return kept;
}

TEST(a_step_put_back_is_healthy_within_a_few_samples)
{
	struct peer p = { .offset0_ns = 5 * MS, .ppm = 20, .t0 = 0 };
	struct stockade_skew_config cfg;
	struct stockade_skew est;
	unsigned int n;
	double ppm;
	s64 t = 0;

	lcg_state = 7;
	defaults(&cfg);
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&est, &cfg));
	t = run(&est, &p, t, 150);
	EXPECT_EQ(300u, hold(&est, &p, &t, 0, STOCKADE_CLOCK_OK, 300));

	/* the peer's wall clock stepped 2 s ahead: unhealthy at once */
	p.offset0_ns += 2 * S;
	n = until(&est, &p, &t, 0, STOCKADE_CLOCK_OFFSET_TOO_LARGE, 50);
	TH_LOG("peer stepped +2 s: offset too large after %u samples", n);
	EXPECT_GE(STOCKADE_SKEW_STEP_CONFIRM, n);
	EXPECT_EQ(300u, hold(&est, &p, &t, 0,
			     STOCKADE_CLOCK_OFFSET_TOO_LARGE, 300));
	/* put back: healthy again as soon as the step is confirmed ... */
	p.offset0_ns -= 2 * S;
	n = until(&est, &p, &t, 0, STOCKADE_CLOCK_OK, 1000);
	TH_LOG("peer put back: healthy after %u samples", n);
	EXPECT_GE(STOCKADE_SKEW_STEP_CONFIRM + 1, n);
	/* ... and it stays so: neither step shows as drift */
	EXPECT_EQ(700u, hold(&est, &p, &t, 0, STOCKADE_CLOCK_OK, 700));
	ASSERT_TRUE(stockade_skew_drift_ppm(&est, &ppm));
	EXPECT_NEAR(20, ppm, 5);
	EXPECT_EQ(2u, est.steps);

	/* our own clock stepped 2 s back, then put right: the same */
	n = until(&est, &p, &t, -2 * S, STOCKADE_CLOCK_OFFSET_TOO_LARGE, 50);
	EXPECT_GE(STOCKADE_SKEW_STEP_CONFIRM, n);
	EXPECT_EQ(300u, hold(&est, &p, &t, -2 * S,
			     STOCKADE_CLOCK_OFFSET_TOO_LARGE, 300));
	n = until(&est, &p, &t, 0, STOCKADE_CLOCK_OK, 1000);
	TH_LOG("our clock put back: healthy after %u samples", n);
	EXPECT_GE(STOCKADE_SKEW_STEP_CONFIRM + 1, n);
	EXPECT_EQ(700u, hold(&est, &p, &t, 0, STOCKADE_CLOCK_OK, 700));
	EXPECT_EQ(4u, est.steps);
	EXPECT_EQ(0u, est.glitches);
}

TEST(a_step_that_stays_is_an_offset_not_a_drift)
{
	struct peer p = { .offset0_ns = 0, .ppm = -30, .t0 = 0 };
	struct stockade_skew_config cfg;
	struct stockade_skew est;
	s64 t = 0, off, err;
	unsigned int n;
	double ppm;

	lcg_state = 8;
	defaults(&cfg);
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&est, &cfg));
	t = run(&est, &p, t, 300);
	ASSERT_EQ(STOCKADE_CLOCK_OK, stockade_clock_ok(&est, 250 * MS, 500));

	/* 300 ms behind, for good: too large for as long as it stays */
	p.offset0_ns = -300 * MS;
	n = until(&est, &p, &t, 0, STOCKADE_CLOCK_OFFSET_TOO_LARGE, 50);
	EXPECT_GE(STOCKADE_SKEW_STEP_CONFIRM, n);
	EXPECT_EQ(1200u, hold(&est, &p, &t, 0,
			      STOCKADE_CLOCK_OFFSET_TOO_LARGE, 1200));
	ASSERT_TRUE(stockade_skew_offset_ns(&est, &off, &err));
	EXPECT_GE(err + 2, llabs(off - llround(true_offset(&p, t))));

	/* a step within the bound is an offset too: healthy, right drift */
	p.offset0_ns = 100 * MS;
	n = until(&est, &p, &t, 0, STOCKADE_CLOCK_OK, 1000);
	EXPECT_GE(STOCKADE_SKEW_STEP_CONFIRM, n);
	ASSERT_TRUE(stockade_skew_drift_ppm(&est, &ppm));
	EXPECT_NEAR(-30, ppm, 5);
	EXPECT_EQ(600u, hold(&est, &p, &t, 0, STOCKADE_CLOCK_OK, 600));
	EXPECT_EQ(2u, est.steps);
}

TEST(a_drift_beyond_the_bound_is_no_step)
{
	struct peer p = { .offset0_ns = 2 * MS, .ppm = 20, .t0 = 0 };
	struct stockade_skew_config cfg;
	struct stockade_skew est;
	unsigned int n;
	double ppm;
	s64 t = 0;

	lcg_state = 9;
	defaults(&cfg);
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&est, &cfg));
	t = run(&est, &p, t, 300);
	ASSERT_EQ(STOCKADE_CLOCK_OK, stockade_clock_ok(&est, 250 * MS, 500));

	/*
	 * From now on the peer runs 1000 ppm fast: slowly, 100 us a
	 * sample, never a jump, and within the offset bound for 4 min.
	 */
	p.offset0_ns = llround(true_offset(&p, t));
	p.t0 = t;
	p.ppm = 1000;
	n = until(&est, &p, &t, 0, STOCKADE_CLOCK_DRIFT_TOO_LARGE, 600);
	TH_LOG("1000 ppm from a healthy start: drift too large after %u samples",
	       n);
	EXPECT_GE(600u, n);
	EXPECT_EQ(1200u, hold(&est, &p, &t, 0,
			      STOCKADE_CLOCK_DRIFT_TOO_LARGE, 1200));
	ASSERT_TRUE(stockade_skew_drift_ppm(&est, &ppm));
	EXPECT_NEAR(1000, ppm, 5);
	EXPECT_EQ(0u, est.steps);
	EXPECT_EQ(0u, est.glitches);

	/* 5% fast, the test bed's clock-rate: 5 ms a sample */
	lcg_state = 10;
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&est, &cfg));
	p.offset0_ns = 0;
	p.ppm = 20;
	t = run(&est, &p, 0, 300);
	p.offset0_ns = llround(true_offset(&p, t));
	p.t0 = t;
	p.ppm = 50000;
	n = until(&est, &p, &t, 0, STOCKADE_CLOCK_OFFSET_TOO_LARGE, 100);
	EXPECT_GE(60u, n);
	EXPECT_EQ(0u, hold(&est, &p, &t, 0, STOCKADE_CLOCK_OK, 600));
	ASSERT_TRUE(stockade_skew_drift_ppm(&est, &ppm));
	EXPECT_NEAR(50000, ppm, 50);
	EXPECT_EQ(0u, est.steps);
}

TEST(noise_and_glitches_make_no_step)
{
	struct peer p = { .offset0_ns = -7 * MS, .ppm = 400, .t0 = 0 };
	struct stockade_skew_config cfg;
	struct stockade_skew est;
	struct exchange x;
	unsigned int i, ok = 0;
	s64 t = 0;

	lcg_state = 11;
	defaults(&cfg);
	ASSERT_EQ(STOCKADE_SKEW_CFG_OK, stockade_skew_init(&est, &cfg));
	/*
	 * 10 min over a jittery link, TCG's: 0.2 to 20 ms each way, one
	 * exchange in four queued 10 to 60 ms more on one side.
	 */
	for (i = 0; i < 6000; i++, t += 100 * MS) {
		s64 fwd = uniform(200 * US, 20 * MS);
		s64 back = uniform(200 * US, 20 * MS);

		if (lcg() % 4 == 0)
			fwd += uniform(10 * MS, 60 * MS);
		x = exchange(&p, t, fwd, uniform(10 * US, 100 * MS), back);
		add(&est, &x);
		ok += i >= 200 &&
		      stockade_clock_ok(&est, 250 * MS, 500) == STOCKADE_CLOCK_OK;
	}
	EXPECT_EQ(5800u, ok);
	EXPECT_EQ(0u, est.steps);
	EXPECT_EQ(0u, est.glitches);
	EXPECT_EQ(0u, est.held_count);

	/* one exchange 2 s off, a peer's bad stamp: dropped, no step */
	x = our_step(lan_exchange(&p, t), 2 * S);
	add(&est, &x);
	EXPECT_EQ(1u, est.held_count);
	t += 100 * MS;
	EXPECT_EQ(100u, hold(&est, &p, &t, 0, STOCKADE_CLOCK_OK, 100));
	EXPECT_EQ(0u, est.steps);
	EXPECT_EQ(1u, est.glitches);
}

/*
 * A link with @jitter of queueing each way, one exchange in four queued
 * up to 50 ms more on the way out, and up to 100 ms at the peer between
 * T2 and T3, as between agents (their answer waits for the next
 * heartbeat).
 */
static struct exchange jittery_exchange(const struct peer *p, s64 t1,
					s64 jitter)
{
	s64 fwd = uniform(50 * US, 50 * US + jitter);
	s64 back = uniform(50 * US, 50 * US + jitter);

	if (lcg() % 4 == 0)
		fwd += uniform(0, 50 * MS);
	return exchange(p, t1, fwd, uniform(0, 100 * MS), back);
}

TEST(steps_and_noise_over_seeds_and_links)
{
	static const s64 jitters[] = { 10 * US, 400 * US, 5 * MS, 20 * MS };
	static const s64 steps[] = { 2 * S, -2 * S, 300 * MS };
	static const double ppms[] = { 0, 400, -450 };
	struct stockade_skew_config cfg;
	unsigned int j, k, seed, i, n, worst = 0, false_steps = 0;
	struct stockade_skew est;
	struct exchange x;
	struct peer p;

	defaults(&cfg);
	/* stepped for 30 s, then put back: healthy within 4 samples */
	for (j = 0; j < 4; j++)
		for (k = 0; k < 3; k++)
			for (seed = 1; seed <= 5; seed++) {
				lcg_state = 100 * seed + 10 * j + k;
				p = (struct peer){ .offset0_ns = MS, .ppm = 100 };
				ASSERT_EQ(STOCKADE_SKEW_CFG_OK,
					  stockade_skew_init(&est, &cfg));
				for (i = 0; i < 700; i++) {
					if (i == 400)
						p.offset0_ns += steps[k];
					x = jittery_exchange(&p, i * 100 * MS,
							     jitters[j]);
					add(&est, &x);
				}
				p.offset0_ns -= steps[k];
				for (n = 1; n < 600; n++, i++) {
					x = jittery_exchange(&p, i * 100 * MS,
							     jitters[j]);
					add(&est, &x);
					if (stockade_clock_ok(&est, 250 * MS, 500) ==
					    STOCKADE_CLOCK_OK)
						break;
				}
				worst = n > worst ? n : worst;
				EXPECT_EQ(2u, est.steps);
			}
	TH_LOG("2 s and 300 ms steps put back, 0.01 to 20 ms jitter: healthy within %u samples",
	       worst);
	EXPECT_GE(4u, worst);

	/* drifts within the bound, every link: never a step */
	for (j = 0; j < 4; j++)
		for (k = 0; k < 3; k++)
			for (seed = 1; seed <= 3; seed++) {
				lcg_state = 1000 * seed + 10 * j + k;
				p = (struct peer){ .offset0_ns = MS,
						   .ppm = ppms[k] };
				ASSERT_EQ(STOCKADE_SKEW_CFG_OK,
					  stockade_skew_init(&est, &cfg));
				for (i = 0; i < 3000; i++) {
					x = jittery_exchange(&p, i * 100 * MS,
							     jitters[j]);
					add(&est, &x);
				}
				false_steps += est.steps + est.glitches;
			}
	EXPECT_EQ(0u, false_steps);
}

TEST_HARNESS_MAIN
