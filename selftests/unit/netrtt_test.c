// SPDX-License-Identifier: GPL-2.0
/*
 * core/netrtt.c: one RTT figure per peer from the eBPF map's connections
 * (the smallest fresh srtt wins, with its own deviation and its
 * histogram's p50 and p99; stale, young and empty entries are ignored),
 * the adaptive timeout formula and its bounds, and the whole loop with
 * the phi detector: a calm link keeps the timeout low, jitter raises it,
 * and calm again brings it back down.
 */
#include "kselftest_harness.h"
#include "netrtt.h"
#include "phi.h"

#define US	1000ULL
#define MS	1000000ULL
#define SEC	1000000000ULL
#define T0	(1000 * SEC)

static struct stockade_rtt_conn conn(u64 samples, u32 srtt_us, u32 mdev_us,
				     u64 updated_ns)
{
	return (struct stockade_rtt_conn) {
		.samples = samples, .srtt_us8 = srtt_us * 8,
		.mdev_us4 = mdev_us * 4, .updated_ns = updated_ns,
	};
}

TEST(no_connection_no_figure)
{
	struct stockade_rtt_peer p;

	stockade_rtt_peer_reset(&p);
	EXPECT_EQ(0, p.conns);
	EXPECT_EQ(0, p.rtt_ns);
}

TEST(units_are_converted)
{
	struct stockade_rtt_peer p;
	struct stockade_rtt_conn c = {
		.samples = 10, .srtt_us8 = 161, .mdev_us4 = 9,
		.updated_ns = T0,
	};

	stockade_rtt_peer_reset(&p);
	stockade_rtt_peer_add(&p, &c, T0, STOCKADE_RTT_MAX_AGE_NS);
	EXPECT_EQ(1, p.conns);
	EXPECT_EQ(20125, p.rtt_ns);	/* 161 / 8 us */
	EXPECT_EQ(2250, p.dev_ns);	/* 9 / 4 us */
	EXPECT_EQ(10, p.samples);
}

/* The delayed-ACK side must not hide the path's RTT, in either order. */
TEST(smallest_srtt_wins_with_its_deviation)
{
	struct stockade_rtt_conn a = conn(100, 900, 300, T0);
	struct stockade_rtt_conn b = conn(50, 120, 15, T0);
	struct stockade_rtt_peer p;

	stockade_rtt_peer_reset(&p);
	stockade_rtt_peer_add(&p, &a, T0, STOCKADE_RTT_MAX_AGE_NS);
	stockade_rtt_peer_add(&p, &b, T0, STOCKADE_RTT_MAX_AGE_NS);
	EXPECT_EQ(2, p.conns);
	EXPECT_EQ(120 * US, p.rtt_ns);
	EXPECT_EQ(15 * US, p.dev_ns);
	EXPECT_EQ(50, p.samples);

	stockade_rtt_peer_reset(&p);
	stockade_rtt_peer_add(&p, &b, T0, STOCKADE_RTT_MAX_AGE_NS);
	stockade_rtt_peer_add(&p, &a, T0, STOCKADE_RTT_MAX_AGE_NS);
	EXPECT_EQ(2, p.conns);
	EXPECT_EQ(120 * US, p.rtt_ns);
	EXPECT_EQ(15 * US, p.dev_ns);
}

TEST(stale_and_young_connections_are_ignored)
{
	struct stockade_rtt_conn stale = conn(100, 50, 5, T0 - 11 * SEC);
	struct stockade_rtt_conn edge = conn(100, 70, 5, T0 - 10 * SEC);
	struct stockade_rtt_conn young = conn(3, 40, 5, T0);
	struct stockade_rtt_conn empty = conn(100, 0, 0, T0);
	struct stockade_rtt_conn ahead = conn(4, 90, 6, T0 + 1 * MS);
	struct stockade_rtt_peer p;

	stockade_rtt_peer_reset(&p);
	stockade_rtt_peer_add(&p, &stale, T0, 10 * SEC);
	stockade_rtt_peer_add(&p, &young, T0, 10 * SEC);
	stockade_rtt_peer_add(&p, &empty, T0, 10 * SEC);
	EXPECT_EQ(0, p.conns);
	/* A sample stamped just after our clock reading is fresh. */
	stockade_rtt_peer_add(&p, &ahead, T0, 10 * SEC);
	EXPECT_EQ(1, p.conns);
	EXPECT_EQ(90 * US, p.rtt_ns);
	stockade_rtt_peer_add(&p, &edge, T0, 10 * SEC);
	EXPECT_EQ(2, p.conns);
	EXPECT_EQ(70 * US, p.rtt_ns);
}

/*
 * p50 and p99 are the chosen connection's, not a mix: the slow side's
 * histogram is ignored, and one without a histogram clears them.
 */
TEST(quantiles_follow_the_chosen_connection)
{
	u32 fast_hist[STOCKADE_RTT_HIST_BUCKETS] = { [5] = 98, [8] = 2 };
	u32 slow_hist[STOCKADE_RTT_HIST_BUCKETS] = { [12] = 100 };
	struct stockade_rtt_conn slow = conn(100, 3000, 100, T0);
	struct stockade_rtt_conn fast = conn(100, 20, 5, T0);
	struct stockade_rtt_conn bare = conn(100, 10, 5, T0);
	struct stockade_rtt_peer p;

	slow.hist = slow_hist;
	fast.hist = fast_hist;
	stockade_rtt_peer_reset(&p);
	stockade_rtt_peer_add(&p, &fast, T0, STOCKADE_RTT_MAX_AGE_NS);
	stockade_rtt_peer_add(&p, &slow, T0, STOCKADE_RTT_MAX_AGE_NS);
	EXPECT_EQ(16 * US + 16 * US * 50 / 98, p.p50_ns);
	EXPECT_EQ(192 * US, p.p99_ns);	/* 128 + 128 / 2 */

	stockade_rtt_peer_add(&p, &bare, T0, STOCKADE_RTT_MAX_AGE_NS);
	EXPECT_EQ(10 * US, p.rtt_ns);
	EXPECT_EQ(0, p.p50_ns);
	EXPECT_EQ(0, p.p99_ns);
}

static const struct stockade_window_config wcfg = {
	.pause_ns = 100 * MS, .max_ns = 500 * MS,
};

/* pause + max(rtt, p99) / 2, never below pause nor above the maximum. */
TEST(heartbeat_window_formula)
{
	struct stockade_window_config low = { .pause_ns = 100 * MS,
					      .max_ns = 50 * MS };
	struct stockade_window_config huge = { .pause_ns = U64_MAX - 1,
					       .max_ns = U64_MAX };

	EXPECT_EQ(100 * MS, stockade_heartbeat_window_ns(&wcfg, 0, 0));
	EXPECT_EQ(110 * MS, stockade_heartbeat_window_ns(&wcfg, 20 * MS, 0));
	/* The tail, not the mean, once there is a histogram. */
	EXPECT_EQ(130 * MS, stockade_heartbeat_window_ns(&wcfg, 20 * MS,
							 60 * MS));
	/* A p99 under the mean (a bucket's error): the mean bounds it. */
	EXPECT_EQ(110 * MS, stockade_heartbeat_window_ns(&wcfg, 20 * MS,
							 12 * MS));
	EXPECT_EQ(100 * MS + 1, stockade_heartbeat_window_ns(&wcfg, 0, 3));
	EXPECT_EQ(500 * MS, stockade_heartbeat_window_ns(&wcfg, 2 * SEC,
							 3 * SEC));
	/* A maximum below the pause never takes the pause away. */
	EXPECT_EQ(100 * MS, stockade_heartbeat_window_ns(&low, 20 * MS, 0));
	EXPECT_EQ(U64_MAX, stockade_heartbeat_window_ns(&huge, U64_MAX,
							U64_MAX));
}

static const struct stockade_timeout_config tcfg = {
	.min_ns = 150 * MS, .max_ns = 1000 * MS, .heartbeat_ns = 50 * MS,
	.k = STOCKADE_TIMEOUT_DEFAULT_K,
};

TEST(floor_formula)
{
	/* 4 * (20 + 4 * 5) + 50 = 210 ms */
	EXPECT_EQ(210 * MS, stockade_rtt_floor_ns(&tcfg, 20 * MS, 5 * MS));
	/* No measurement: one heartbeat. */
	EXPECT_EQ(50 * MS, stockade_rtt_floor_ns(&tcfg, 0, 0));
	EXPECT_EQ(U64_MAX, stockade_rtt_floor_ns(&tcfg, U64_MAX / 2, 1));
}

TEST(timeout_bounds_and_phi)
{
	/* Calm LAN: the floor is below the minimum, phi too. */
	EXPECT_EQ(150 * MS,
		  stockade_adaptive_timeout_ns(&tcfg, 100 * MS, 200 * US,
					       20 * US));
	/* phi above the floor: phi decides. */
	EXPECT_EQ(300 * MS,
		  stockade_adaptive_timeout_ns(&tcfg, 300 * MS, 20 * MS,
					       5 * MS));
	/* The floor above phi: the RTT decides. */
	EXPECT_EQ(210 * MS,
		  stockade_adaptive_timeout_ns(&tcfg, 160 * MS, 20 * MS,
					       5 * MS));
	/* Never past the maximum, however bad the path. */
	EXPECT_EQ(1000 * MS,
		  stockade_adaptive_timeout_ns(&tcfg, 100 * MS, 2 * SEC,
					       SEC));
	EXPECT_EQ(1000 * MS,
		  stockade_adaptive_timeout_ns(&tcfg, U64_MAX, 0, 0));
}

/*
 * The loop as the agent runs it: a kernel-like RFC 6298 estimator (srtt
 * x8, mdev x4, as tcp_rtt_estimator() keeps them) fed with RTT samples,
 * its entry aggregated, and the phi detector fed with heartbeats whose
 * arrival carries the same one-way jitter.
 */
struct sim {
	struct stockade_phi phi;
	struct stockade_rtt_conn c;
	u64 now, sent;
	u32 rng;
};

static u32 rnd(struct sim *s, u32 range)
{
	s->rng = s->rng * 1103515245 + 12345;
	return (s->rng >> 8) % range;
}

static void kernel_estimator(struct stockade_rtt_conn *c, u32 sample_us)
{
	s64 m = sample_us;

	if (!c->srtt_us8) {
		c->srtt_us8 = sample_us * 8;
		c->mdev_us4 = sample_us * 2;
	} else {
		m -= c->srtt_us8 >> 3;
		c->srtt_us8 += m;
		if (m < 0)
			m = -m;
		c->mdev_us4 += m - (c->mdev_us4 >> 2);
	}
	c->samples++;
}

/*
 * @n heartbeats 50 ms apart over a path of RTT @rtt_us +- @jit_us
 * (uniform), four RTT samples per heartbeat; the timeout after the last.
 */
static u64 run(struct sim *s, int n, u32 rtt_us, u32 jit_us)
{
	struct stockade_rtt_peer p;
	u64 phi_ns;
	int i, j;

	for (i = 0; i < n; i++) {
		s->sent += 50 * MS;
		for (j = 0; j < 4; j++)
			kernel_estimator(&s->c, rtt_us - jit_us +
					 rnd(s, 2 * jit_us + 1));
		s->now = s->sent + (rtt_us - jit_us +
				    rnd(s, 2 * jit_us + 1)) * US / 2;
		s->c.updated_ns = s->now;
		stockade_phi_heartbeat(&s->phi, s->now);
		stockade_rtt_peer_reset(&p);
		stockade_rtt_peer_add(&p, &s->c, s->now,
				      STOCKADE_RTT_MAX_AGE_NS);
		if (p.conns)
			stockade_phi_set_network(&s->phi, p.rtt_ns, p.dev_ns);
	}
	phi_ns = stockade_phi_timeout_ns(&s->phi, 0);
	return stockade_adaptive_timeout_ns(&tcfg, phi_ns, p.rtt_ns, p.dev_ns);
}

TEST(calm_jitter_calm)
{
	static struct sim s;
	struct stockade_phi_config pc;
	u64 calm, jittery, again;

	stockade_phi_config_default(&pc, 50 * MS, 1000 * MS);
	pc.min_timeout_ns = tcfg.min_ns;
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&s.phi, &pc));
	s.sent = T0;
	s.rng = 1;

	calm = run(&s, 200, 200, 20);
	jittery = run(&s, 200, 20000, 10000);
	again = run(&s, 200, 200, 20);
	TH_LOG("timeout: calm %llu ms, jitter %llu ms, calm again %llu ms",
	       calm / MS, jittery / MS, again / MS);
	/* Calm: phi's 3.3 heartbeats, well under the maximum. */
	EXPECT_LT(calm, 200 * MS);
	EXPECT_GE(calm, tcfg.min_ns);
	/* 20 +- 10 ms: the RTT floor, 4 * (20 + 4 * ~5) + 50, takes over. */
	EXPECT_GT(jittery, calm + 40 * MS);
	EXPECT_LT(jittery, tcfg.max_ns);
	/* Back to calm once the estimator and the window forget. */
	EXPECT_LE(again, calm + 2 * MS);
	EXPECT_GE(again + 2 * MS, calm);
}

TEST_HARNESS_MAIN
