// SPDX-License-Identifier: GPL-2.0
/*
 * The phi-accrual failure detector (core/phi.c): phi rises with silence
 * and is low right after a heartbeat, a jittery history waits longer than
 * a regular one, the stddev floors (configured and from the RTT), the
 * bootstrap, local pauses that must not make a peer suspect, outages that
 * are not samples, and the randomized election timeout, which agrees with
 * phi and stays in its bounds.
 */
#include <math.h>

#include "kselftest_harness.h"
#include "phi.h"

#define MS	1000000ULL
#define T0	(1000 * MS)	/* monotonic clocks do not start at 0 */

#define EXPECT_NEAR(expected, seen, tol) do { \
	double e_ = (expected), s_ = (seen); \
	EXPECT_TRUE(fabs(e_ - s_) <= (tol)) \
		TH_LOG("expected %.9g, got %.9g", e_, s_); \
} while (0)

/* phi by the formula in phi.h, for checking the implementation. */
static double ref_phi(double t, double mean, double sd)
{
	double y = (t - mean) / sd;
	double z = y * (1.5976 + 0.070566 * y * y);

	return log10(1 + exp(z));
}

/* A configuration that leaves phi alone: no pause, wide bounds. */
static void plain_config(struct stockade_phi_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->window = 100;
	cfg->threshold = 8;
	cfg->min_stddev_ns = 10 * MS;
	cfg->acceptable_pause_ns = 0;
	cfg->first_interval_ns = 100 * MS;
	cfg->min_timeout_ns = 0;
	cfg->max_timeout_ns = 10000 * MS;
}

/* Heartbeats at @t, then after each of @n intervals; the last arrival. */
static u64 feed(struct stockade_phi *det, u64 t, const u64 *intervals,
		unsigned int n, unsigned int rounds)
{
	unsigned int r, i;

	stockade_phi_heartbeat(det, t);
	for (r = 0; r < rounds; r++)
		for (i = 0; i < n; i++) {
			t += intervals[i];
			stockade_phi_heartbeat(det, t);
		}
	return t;
}

static const u64 regular[] = { 100 * MS };
static const u64 jittery[] = { 50 * MS, 150 * MS };

/* The first time after @last, in 100 us steps, at which phi >= @phi. */
static u64 crossing(const struct stockade_phi *det, u64 last, double phi)
{
	u64 t;

	for (t = 0; t < 20000 * MS; t += MS / 10)
		if (stockade_phi(det, last + t) >= phi)
			return t;
	return U64_MAX;
}

TEST(defaults_are_valid_and_suspect_after_3_3_heartbeats)
{
	struct stockade_phi_config cfg;
	struct stockade_phi det;
	u64 last, base;

	stockade_phi_config_default(&cfg, 100 * MS, 1000 * MS);
	EXPECT_EQ(100u, cfg.window);
	EXPECT_EQ(25 * MS, cfg.min_stddev_ns);
	EXPECT_EQ(100 * MS, cfg.acceptable_pause_ns);
	EXPECT_EQ(300 * MS, cfg.min_timeout_ns);
	EXPECT_EQ(1000 * MS, cfg.max_timeout_ns);
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));
	last = feed(&det, T0, regular, 1, 50);
	/* mean 100 + pause 100 + 5.22 * 25 ms */
	base = stockade_phi_timeout_ns(&det, 0);
	EXPECT_LE(325 * MS, base);
	EXPECT_GE(335 * MS, base);
	EXPECT_FALSE(stockade_phi_suspect(&det, last + 300 * MS));
	EXPECT_TRUE(stockade_phi_suspect(&det, last + 340 * MS));
}

TEST(invalid_configs_are_rejected)
{
	struct stockade_phi_config cfg;
	struct stockade_phi det;
	int v;

	plain_config(&cfg);
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));

	cfg.window = 0;
	EXPECT_EQ(STOCKADE_PHI_CFG_BAD_WINDOW, stockade_phi_init(&det, &cfg));
	cfg.window = 1;		/* no stddev from one sample */
	EXPECT_EQ(STOCKADE_PHI_CFG_BAD_WINDOW, stockade_phi_init(&det, &cfg));
	cfg.window = STOCKADE_PHI_MAX_WINDOW + 1;
	EXPECT_EQ(STOCKADE_PHI_CFG_BAD_WINDOW, stockade_phi_init(&det, &cfg));
	cfg.window = 2;
	EXPECT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));
	cfg.window = STOCKADE_PHI_MAX_WINDOW;
	EXPECT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));

	plain_config(&cfg);
	cfg.threshold = 0;
	EXPECT_EQ(STOCKADE_PHI_CFG_BAD_THRESHOLD,
		  stockade_phi_init(&det, &cfg));
	cfg.threshold = -1;
	EXPECT_EQ(STOCKADE_PHI_CFG_BAD_THRESHOLD,
		  stockade_phi_init(&det, &cfg));
	cfg.threshold = NAN;
	EXPECT_EQ(STOCKADE_PHI_CFG_BAD_THRESHOLD,
		  stockade_phi_init(&det, &cfg));
	cfg.threshold = STOCKADE_PHI_MAX_THRESHOLD + 1;
	EXPECT_EQ(STOCKADE_PHI_CFG_BAD_THRESHOLD,
		  stockade_phi_init(&det, &cfg));

	plain_config(&cfg);
	cfg.min_stddev_ns = 0;
	EXPECT_EQ(STOCKADE_PHI_CFG_BAD_MIN_STDDEV,
		  stockade_phi_init(&det, &cfg));
	cfg.min_stddev_ns = (u64)-10;	/* a negative value, converted */
	EXPECT_EQ(STOCKADE_PHI_CFG_BAD_MIN_STDDEV,
		  stockade_phi_init(&det, &cfg));

	plain_config(&cfg);
	cfg.acceptable_pause_ns = (u64)-1;
	EXPECT_EQ(STOCKADE_PHI_CFG_BAD_PAUSE, stockade_phi_init(&det, &cfg));

	plain_config(&cfg);
	cfg.first_interval_ns = 0;
	EXPECT_EQ(STOCKADE_PHI_CFG_BAD_FIRST_INTERVAL,
		  stockade_phi_init(&det, &cfg));
	cfg.first_interval_ns = (u64)-100;
	EXPECT_EQ(STOCKADE_PHI_CFG_BAD_FIRST_INTERVAL,
		  stockade_phi_init(&det, &cfg));

	plain_config(&cfg);
	cfg.max_timeout_ns = 0;
	EXPECT_EQ(STOCKADE_PHI_CFG_BAD_TIMEOUTS,
		  stockade_phi_init(&det, &cfg));
	cfg.max_timeout_ns = STOCKADE_PHI_MAX_NS + 1;
	EXPECT_EQ(STOCKADE_PHI_CFG_BAD_TIMEOUTS,
		  stockade_phi_init(&det, &cfg));
	cfg.min_timeout_ns = 2 * MS;
	cfg.max_timeout_ns = 1 * MS;
	EXPECT_EQ(STOCKADE_PHI_CFG_BAD_TIMEOUTS,
		  stockade_phi_init(&det, &cfg));

	for (v = STOCKADE_PHI_CFG_OK; v <= STOCKADE_PHI_CFG_BAD_TIMEOUTS; v++)
		EXPECT_STRNE("unknown", stockade_phi_cfg_verdict_name(v));
}

TEST(nothing_is_suspected_before_the_first_heartbeat)
{
	struct stockade_phi_config cfg;
	struct stockade_phi det;

	plain_config(&cfg);
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));
	EXPECT_EQ(0, stockade_phi(&det, T0 + 100000 * MS));
	EXPECT_FALSE(stockade_phi_suspect(&det, T0 + 100000 * MS));
	/* a pause with nothing running changes nothing */
	stockade_phi_pause(&det, T0, T0 + 10 * MS);
	EXPECT_FALSE(det.have_last);
}

TEST(phi_is_low_after_a_heartbeat_and_rises_with_silence)
{
	struct stockade_phi_config cfg;
	struct stockade_phi det;
	double prev = -1, phi;
	u64 last, t;

	plain_config(&cfg);
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));
	last = feed(&det, T0, regular, 1, 50);
	EXPECT_GT(0.01, stockade_phi(&det, last));
	/* at the mean, P(later) = 1/2 */
	EXPECT_NEAR(log10(2), stockade_phi(&det, last + 100 * MS), 1e-12);
	EXPECT_LT(8, stockade_phi(&det, last + 200 * MS));
	for (t = 0; t <= 500 * MS; t += MS) {
		phi = stockade_phi(&det, last + t);
		EXPECT_LE(prev, phi);
		prev = phi;
	}
	/* and back to low with the next heartbeat */
	stockade_phi_heartbeat(&det, last + 100 * MS);
	EXPECT_GT(0.01, stockade_phi(&det, last + 100 * MS));
}

TEST(jittery_history_crosses_later_than_a_regular_one)
{
	struct stockade_phi_config cfg;
	struct stockade_phi reg, jit;
	double mean, sd;
	u64 last_reg, last_jit;

	plain_config(&cfg);
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&reg, &cfg));
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&jit, &cfg));
	last_reg = feed(&reg, T0, regular, 1, 100);
	last_jit = feed(&jit, T0, jittery, 2, 50);

	/* the same mean, different spreads */
	stockade_phi_estimate(&reg, &mean, &sd);
	EXPECT_NEAR(100e6, mean, 1);
	EXPECT_NEAR(10e6, sd, 1);	/* the floor */
	stockade_phi_estimate(&jit, &mean, &sd);
	EXPECT_NEAR(100e6, mean, 1);
	EXPECT_NEAR(50e6, sd, 1);

	EXPECT_LT(stockade_phi(&jit, last_jit + 150 * MS),
		  stockade_phi(&reg, last_reg + 150 * MS));
	EXPECT_LT(crossing(&reg, last_reg, 8), crossing(&jit, last_jit, 8));
	EXPECT_LT(stockade_phi_timeout_ns(&reg, 0),
		  stockade_phi_timeout_ns(&jit, 0));
	EXPECT_TRUE(stockade_phi_suspect(&reg, last_reg + 200 * MS));
	EXPECT_FALSE(stockade_phi_suspect(&jit, last_jit + 200 * MS));
}

TEST(the_minimum_stddev_is_respected)
{
	struct stockade_phi_config cfg;
	struct stockade_phi det;
	double mean, sd, tight;
	u64 last;

	plain_config(&cfg);
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));
	last = feed(&det, T0, regular, 1, 100);
	/* a perfectly regular history: stddev 0, floored */
	stockade_phi_estimate(&det, &mean, &sd);
	EXPECT_NEAR(10e6, sd, 0);
	EXPECT_NEAR(ref_phi(120e6, 100e6, 10e6),
		    stockade_phi(&det, last + 120 * MS), 1e-9);
	tight = stockade_phi(&det, last + 120 * MS);

	cfg.min_stddev_ns = 30 * MS;
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));
	last = feed(&det, T0, regular, 1, 100);
	stockade_phi_estimate(&det, &mean, &sd);
	EXPECT_NEAR(30e6, sd, 0);
	EXPECT_NEAR(ref_phi(120e6, 100e6, 30e6),
		    stockade_phi(&det, last + 120 * MS), 1e-9);
	EXPECT_LT(stockade_phi(&det, last + 120 * MS), tight);
}

TEST(bootstrap_until_two_intervals)
{
	struct stockade_phi_config cfg;
	struct stockade_phi det;
	double mean, sd;

	plain_config(&cfg);
	cfg.first_interval_ns = 200 * MS;
	cfg.min_stddev_ns = 1 * MS;
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));
	stockade_phi_heartbeat(&det, T0);
	stockade_phi_estimate(&det, &mean, &sd);
	EXPECT_NEAR(200e6, mean, 0);
	EXPECT_NEAR(50e6, sd, 0);
	EXPECT_NEAR(ref_phi(300e6, 200e6, 50e6),
		    stockade_phi(&det, T0 + 300 * MS), 1e-9);
	stockade_phi_heartbeat(&det, T0 + 100 * MS);	/* one sample */
	stockade_phi_estimate(&det, &mean, &sd);
	EXPECT_NEAR(200e6, mean, 0);
	stockade_phi_heartbeat(&det, T0 + 220 * MS);	/* two */
	stockade_phi_estimate(&det, &mean, &sd);
	EXPECT_NEAR(110e6, mean, 1);
	EXPECT_NEAR(10e6, sd, 1);
}

TEST(the_window_forgets_old_intervals)
{
	struct stockade_phi_config cfg;
	struct stockade_phi det;
	static const u64 slow[] = { 200 * MS };
	double mean, sd;
	u64 last;

	plain_config(&cfg);
	cfg.window = 10;
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));
	last = feed(&det, T0, regular, 1, 10);
	feed(&det, last + 200 * MS, slow, 1, 9);
	EXPECT_EQ(10u, det.count);
	stockade_phi_estimate(&det, &mean, &sd);
	EXPECT_NEAR(200e6, mean, 1);
}

TEST(a_local_pause_does_not_make_the_peer_suspect)
{
	struct stockade_phi_config cfg;
	struct stockade_phi det, ctl;
	double mean, sd;
	u64 last;

	plain_config(&cfg);
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&ctl, &cfg));
	last = feed(&det, T0, regular, 1, 50);
	feed(&ctl, T0, regular, 1, 50);

	/* our loop stalls 50 ms after the last heartbeat, for 2 s */
	stockade_phi_pause(&det, last + 50 * MS, last + 2050 * MS);
	EXPECT_EQ(last + 2000 * MS, det.last_ns);
	/* 70 ms of time we were there for: as after 70 ms */
	EXPECT_NEAR(stockade_phi(&ctl, last + 70 * MS),
		    stockade_phi(&det, last + 2070 * MS), 1e-12);
	EXPECT_FALSE(stockade_phi_suspect(&det, last + 2070 * MS));
	/* without being told, the detector would suspect the peer */
	EXPECT_TRUE(stockade_phi_suspect(&ctl, last + 2070 * MS));

	/*
	 * The heartbeat that queued during the gap, read as the loop came
	 * back, and a second one read in the same pass: neither interval
	 * is a sample.
	 */
	stockade_phi_heartbeat(&det, last + 2050 * MS);
	stockade_phi_heartbeat(&det, last + 2050 * MS);
	EXPECT_EQ(50u, det.count);
	EXPECT_EQ(1u, det.dropped_paused);
	stockade_phi_heartbeat(&det, last + 2150 * MS);
	EXPECT_EQ(51u, det.count);
	stockade_phi_estimate(&det, &mean, &sd);
	EXPECT_NEAR(100e6, mean, 1);
	EXPECT_NEAR(10e6, sd, 1);
	EXPECT_FALSE(stockade_phi_suspect(&det, last + 2200 * MS));
}

TEST(a_pause_reported_late_removes_its_sample)
{
	struct stockade_phi_config cfg;
	struct stockade_phi det;
	double mean, sd;
	u64 last;

	plain_config(&cfg);
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));
	last = feed(&det, T0, regular, 1, 50);
	/* the queued heartbeat went in first: a 2.1 s sample */
	stockade_phi_heartbeat(&det, last + 2100 * MS);
	EXPECT_EQ(51u, det.count);
	stockade_phi_estimate(&det, &mean, &sd);
	EXPECT_LT(130e6, mean);
	stockade_phi_pause(&det, last + 50 * MS, last + 2050 * MS);
	EXPECT_EQ(50u, det.count);
	EXPECT_EQ(1u, det.dropped_paused);
	EXPECT_EQ(last + 2100 * MS, det.last_ns);
	stockade_phi_estimate(&det, &mean, &sd);
	EXPECT_NEAR(100e6, mean, 1);
	EXPECT_NEAR(10e6, sd, 1);
	/* reported twice, it removes nothing more */
	stockade_phi_pause(&det, last + 50 * MS, last + 2050 * MS);
	EXPECT_EQ(50u, det.count);
	/* a pause entirely before the last interval touches nothing */
	stockade_phi_heartbeat(&det, last + 2200 * MS);
	stockade_phi_pause(&det, last + 10 * MS, last + 20 * MS);
	EXPECT_EQ(51u, det.count);
	EXPECT_EQ(last + 2200 * MS, det.last_ns);
	/* nor does an empty or inverted one */
	stockade_phi_pause(&det, last + 2300 * MS, last + 2300 * MS);
	stockade_phi_pause(&det, last + 2400 * MS, last + 2300 * MS);
	EXPECT_EQ(last + 2200 * MS, det.last_ns);
	EXPECT_FALSE(det.skip_next);
}

TEST(an_outage_is_not_a_sample)
{
	struct stockade_phi_config cfg;
	struct stockade_phi det;
	double mean, sd;
	u64 last;

	plain_config(&cfg);
	cfg.max_timeout_ns = 1000 * MS;
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));
	last = feed(&det, T0, regular, 1, 20);
	EXPECT_TRUE(stockade_phi_suspect(&det, last + 1000 * MS));
	stockade_phi_heartbeat(&det, last + 60000 * MS);
	EXPECT_EQ(20u, det.count);
	EXPECT_EQ(1u, det.dropped_outages);
	stockade_phi_estimate(&det, &mean, &sd);
	EXPECT_NEAR(100e6, mean, 1);
	EXPECT_FALSE(stockade_phi_suspect(&det, last + 60100 * MS));
}

TEST(network_terms_and_window_raise_mean_and_stddev)
{
	struct stockade_phi_config cfg;
	struct stockade_phi det;
	double mean, sd, quiet;
	u64 last;

	plain_config(&cfg);
	cfg.acceptable_pause_ns = 5 * MS;
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));
	last = feed(&det, T0, regular, 1, 50);
	quiet = stockade_phi(&det, last + 150 * MS);
	stockade_phi_estimate(&det, &mean, &sd);
	EXPECT_NEAR(105e6, mean, 1);

	stockade_phi_set_network(&det, 20 * MS, 30 * MS);
	stockade_phi_estimate(&det, &mean, &sd);
	EXPECT_NEAR(115e6, mean, 1);	/* + rtt / 2 */
	EXPECT_NEAR(30e6, sd, 1);	/* the path's jitter */
	EXPECT_LT(stockade_phi(&det, last + 150 * MS), quiet);
	/* a smaller RTT deviation than the floor changes nothing */
	stockade_phi_set_network(&det, 0, 1 * MS);
	stockade_phi_estimate(&det, &mean, &sd);
	EXPECT_NEAR(10e6, sd, 1);
	stockade_phi_set_network(&det, 0, 0);
	EXPECT_NEAR(quiet, stockade_phi(&det, last + 150 * MS), 0);
	/* A window replaces pause + rtt / 2 in the mean; 0 brings them back. */
	stockade_phi_set_network(&det, 20 * MS, 0);
	stockade_phi_set_window(&det, 40 * MS);
	stockade_phi_estimate(&det, &mean, &sd);
	EXPECT_NEAR(140e6, mean, 1);	/* 100 + 40, not 100 + 5 + 10 */
	EXPECT_LT(stockade_phi(&det, last + 150 * MS), quiet);
	stockade_phi_set_window(&det, 0);
	stockade_phi_estimate(&det, &mean, &sd);
	EXPECT_NEAR(115e6, mean, 1);
	/* absurd values are clamped, and phi stays a number */
	stockade_phi_set_network(&det, U64_MAX, U64_MAX);
	stockade_phi_set_window(&det, U64_MAX);
	EXPECT_EQ(STOCKADE_PHI_MAX_NS, det.window_ns);
	EXPECT_TRUE(isfinite(stockade_phi(&det, last + 150 * MS)));
}

TEST(the_timeout_agrees_with_phi)
{
	struct stockade_phi_config cfg;
	struct stockade_phi det;
	u64 last, base;

	plain_config(&cfg);
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));
	last = feed(&det, T0, jittery, 2, 50);
	base = stockade_phi_timeout_ns(&det, 0);
	/* unclamped here */
	EXPECT_LT(cfg.min_timeout_ns, base);
	EXPECT_GT(cfg.max_timeout_ns, base);
	EXPECT_NEAR(8, stockade_phi(&det, last + base), 1e-6);
	EXPECT_LE(8, stockade_phi(&det, last + base));
	EXPECT_GT(8, stockade_phi(&det, last + base - 1000));
	EXPECT_TRUE(stockade_phi_suspect(&det, last + base));
	EXPECT_FALSE(stockade_phi_suspect(&det, last + base - 1));
	/* mean + y * stddev, with y = 5.2 for phi = 8 */
	EXPECT_LT(355 * MS, base);
	EXPECT_GT(365 * MS, base);

	/* another threshold, another crossing */
	cfg.threshold = 2;
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));
	last = feed(&det, T0, jittery, 2, 50);
	base = stockade_phi_timeout_ns(&det, 0);
	EXPECT_NEAR(2, stockade_phi(&det, last + base), 1e-6);
	/* below log10(2), the crossing is before the mean */
	cfg.threshold = 0.1;
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));
	last = feed(&det, T0, jittery, 2, 50);
	base = stockade_phi_timeout_ns(&det, 0);
	EXPECT_GT(100 * MS, base);
	EXPECT_NEAR(0.1, stockade_phi(&det, last + base), 1e-6);
}

TEST(the_timeout_is_bounded_and_randomized)
{
	static const u32 rands[] = { 0, 1, 12345, 1u << 31, 3000000000u,
				     U32_MAX };
	static const u64 wild[] = { 20 * MS, 180 * MS };
	struct stockade_phi_config cfg;
	struct stockade_phi det;
	u64 base, t, prev = 0, lo = U64_MAX, hi = 0;
	u32 r = 42;
	unsigned int i;

	plain_config(&cfg);
	cfg.min_timeout_ns = 300 * MS;
	cfg.max_timeout_ns = 400 * MS;
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));
	/* regular: phi says 152 ms, the bound says 300 */
	feed(&det, T0, regular, 1, 50);
	EXPECT_EQ(300 * MS, stockade_phi_timeout_ns(&det, 0));

	/* very jittery: phi says 518 ms, the bound says 400 */
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));
	feed(&det, T0, wild, 2, 50);
	base = stockade_phi_timeout_ns(&det, 0);
	EXPECT_EQ(400 * MS, base);

	/* increasing in the random number, within [base, 1.5 base) */
	for (i = 0; i < ARRAY_SIZE(rands); i++) {
		t = stockade_phi_timeout_ns(&det, rands[i]);
		EXPECT_LE(base, t);
		EXPECT_GT(base + base / 2, t);
		EXPECT_LE(prev, t);
		prev = t;
	}
	EXPECT_EQ(base + base / 4, stockade_phi_timeout_ns(&det, 1u << 31));
	EXPECT_LT(base + base / 2 - 1000,
		  stockade_phi_timeout_ns(&det, U32_MAX));
	/* a spread of values, all in range */
	for (i = 0; i < 1000; i++) {
		r = r * 1664525u + 1013904223u;
		t = stockade_phi_timeout_ns(&det, r);
		EXPECT_LE(400 * MS, t);
		EXPECT_GT(600 * MS, t);
		lo = t < lo ? t : lo;
		hi = t > hi ? t : hi;
	}
	EXPECT_GT(420 * MS, lo);
	EXPECT_LT(580 * MS, hi);

	/* the largest configuration does not overflow */
	cfg.min_timeout_ns = STOCKADE_PHI_MAX_NS;
	cfg.max_timeout_ns = STOCKADE_PHI_MAX_NS;
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));
	base = STOCKADE_PHI_MAX_NS;
	EXPECT_EQ(base, stockade_phi_timeout_ns(&det, 0));
	EXPECT_EQ(base + base / 4, stockade_phi_timeout_ns(&det, 1u << 31));
	t = stockade_phi_timeout_ns(&det, U32_MAX);
	EXPECT_LT(base + base / 2 - 1000, t);
	EXPECT_GT(base + base / 2, t);
}

TEST(long_silence_gives_a_finite_phi)
{
	struct stockade_phi_config cfg;
	struct stockade_phi det;
	double phi;
	u64 last;

	plain_config(&cfg);
	cfg.min_stddev_ns = 1;
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&det, &cfg));
	last = feed(&det, T0, regular, 1, 50);
	/* a bare log10(e / (1 + e)) is log10(0) = -inf by here */
	phi = stockade_phi(&det, last + 10000 * MS);
	EXPECT_TRUE(isfinite(phi));
	EXPECT_LE(8, phi);
	phi = stockade_phi(&det, U64_MAX);
	EXPECT_TRUE(isfinite(phi));
	EXPECT_NEAR(STOCKADE_PHI_CAP, phi, 0);
	/* and a time before the last arrival is no silence at all */
	EXPECT_GT(0.01, stockade_phi(&det, last - 10 * MS));
}

TEST_HARNESS_MAIN
