// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's per-peer bookkeeping (agent/peer.c): replays, the echo of
 * the clock exchange, round-trip time, the eBPF figure taking the place
 * of the agent's own round trip (and back), and the clock health verdict.
 */
#include "kselftest_harness.h"
#include "peer.h"

#define MS	1000000ULL
#define SEC	1000000000ULL

static const struct agent_peer_config cfg = {
	.heartbeat_ns = 100 * MS, .election_timeout_ns = 1000 * MS,
	.phi_threshold = 8.0, .phi_window = 100, .phi_min_stddev_ns = 10 * MS,
	.max_drift_ppm = 500, .max_offset_ns = 250 * MS,
};

static struct sockaddr_in addr(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	return a;
}

/*
 * An exchange with a peer whose clock is @offset ahead and @one_way away:
 * we sent at @t1 (our clock), it answers at once.
 */
static bool exchange(struct agent_peer *p, uint64_t seq, uint64_t t1,
		     int64_t offset, uint64_t one_way)
{
	struct stockade_pw_msg m = {
		.type = STOCKADE_PW_PROBE, .from = 2, .to = 1, .seq = seq,
		.echo_send = t1,
		.echo_recv = t1 + one_way + offset,
		.t_send = t1 + one_way + offset,
	};
	uint64_t t4 = t1 + 2 * one_way;
	struct agent_peer_rx rx = { .mono = t4, .real = t4 };

	return agent_peer_receive(p, &m, &rx, &cfg);
}

TEST(replays_change_nothing)
{
	struct agent_peer p;
	struct sockaddr_in a = addr();

	ASSERT_EQ(0, agent_peer_init(&p, 2, &a, &cfg));
	EXPECT_TRUE(exchange(&p, 5, 10 * SEC, 0, MS));
	EXPECT_FALSE(exchange(&p, 5, 11 * SEC, 0, MS));
	EXPECT_EQ(1u, p.received);
	EXPECT_EQ(1u, p.replays);
	EXPECT_EQ(10 * SEC + 2 * MS, p.heard_ns);
}

TEST(stamp_echoes_the_last_datagram)
{
	struct agent_peer p;
	struct sockaddr_in a = addr();
	struct stockade_pw_msg out = { 0 };

	ASSERT_EQ(0, agent_peer_init(&p, 2, &a, &cfg));
	exchange(&p, 1, 10 * SEC, 3 * MS, MS);
	agent_peer_stamp(&p, &out, 77, 10 * SEC + 5 * MS);
	EXPECT_EQ(10 * SEC + 4 * MS, out.echo_send);	/* its T3 */
	EXPECT_EQ(10 * SEC + 2 * MS, out.echo_recv);	/* our T4 */
	EXPECT_EQ(10 * SEC + 5 * MS, out.t_send);
	EXPECT_EQ(77u, out.mono_send);
}

TEST(round_trip_is_smoothed)
{
	struct agent_peer p;
	struct sockaddr_in a = addr();
	uint64_t i;

	ASSERT_EQ(0, agent_peer_init(&p, 2, &a, &cfg));
	for (i = 1; i <= 50; i++)
		exchange(&p, i, i * SEC, 0, 5 * MS);
	EXPECT_LE(9 * MS, p.srtt_ns);
	EXPECT_GE(11 * MS, p.srtt_ns);
	EXPECT_GT(MS, p.rttvar_ns);
}

/* 64 s of exchanges, one a second: enough points for the drift too. */
static void feed(struct agent_peer *peers, unsigned int n,
		 const int64_t *offsets)
{
	unsigned int i;
	uint64_t s;

	for (s = 1; s <= 64; s++)
		for (i = 0; i < n; i++)
			exchange(&peers[i], s, s * SEC, offsets[i], MS);
}

TEST(clock_health_follows_the_majority)
{
	struct agent_peer peers[2];
	struct sockaddr_in a = addr();
	const int64_t in_step[] = { 0, 0 };
	const int64_t one_off[] = { 0, 900 * (int64_t)MS };
	const int64_t we_are_off[] = { 900 * (int64_t)MS, 900 * (int64_t)MS };
	bool healthy = true;

	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, agent_peer_init(&peers[i], 2 + i, &a, &cfg));
	/* nothing known yet: the verdict stays */
	agent_clock_health(peers, 2, &cfg, &healthy);
	EXPECT_TRUE(healthy);
	feed(peers, 2, one_off);
	agent_clock_health(peers, 2, &cfg, &healthy);
	EXPECT_TRUE(healthy);		/* we and peer 2 agree */
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, agent_peer_init(&peers[i], 2 + i, &a, &cfg));
	feed(peers, 2, we_are_off);
	agent_clock_health(peers, 2, &cfg, &healthy);
	EXPECT_FALSE(healthy);		/* both see us 900 ms off */
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, agent_peer_init(&peers[i], 2 + i, &a, &cfg));
	feed(peers, 2, in_step);
	agent_clock_health(peers, 2, &cfg, &healthy);
	EXPECT_TRUE(healthy);
}

TEST(recovery_needs_half_the_margin)
{
	struct agent_peer peers[2];
	struct sockaddr_in a = addr();
	const int64_t near_limit[] = { 200 * (int64_t)MS, 200 * (int64_t)MS };
	bool healthy = false;

	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, agent_peer_init(&peers[i], 2 + i, &a, &cfg));
	feed(peers, 2, near_limit);
	/* within 250 ms, but not within 125 ms: still unhealthy */
	agent_clock_health(peers, 2, &cfg, &healthy);
	EXPECT_FALSE(healthy);
	healthy = true;		/* a healthy node stays healthy there */
	agent_clock_health(peers, 2, &cfg, &healthy);
	EXPECT_TRUE(healthy);
}

/*
 * With a fresh eBPF figure the detector and the timeout use it, not the
 * agent's own round trip; without one they go back to the agent's.
 */
TEST(bpf_figure_drives_the_detector_and_timeout)
{
	static struct agent_peer p;
	struct sockaddr_in a = addr();
	struct stockade_rtt_peer fig = {
		.conns = 1, .samples = 50, .rtt_ns = 100 * MS,
		.dev_ns = 30 * MS,
	};
	struct stockade_rtt_peer none = { 0 };
	struct agent_peer_config fixed = cfg;
	uint64_t rtt, dev, calm, t = 10 * SEC;
	int i;

	ASSERT_EQ(0, agent_peer_init(&p, 2, &a, &cfg));
	for (i = 0; i < 50; i++, t += 100 * MS)
		exchange(&p, i + 1, t, 0, MS / 2);
	EXPECT_FALSE(agent_peer_network(&p, &rtt, &dev));
	EXPECT_EQ(p.srtt_ns, rtt);
	calm = agent_peer_timeout_ns(&p, &cfg);
	EXPECT_GE(calm, 300 * MS);
	EXPECT_LT(calm, 400 * MS);

	agent_peer_set_bpf(&p, &fig);
	EXPECT_TRUE(agent_peer_network(&p, &rtt, &dev));
	EXPECT_EQ(100 * MS, rtt);
	EXPECT_EQ(30 * MS, dev);
	EXPECT_EQ(100 * MS, p.phi.rtt_mean_ns);
	EXPECT_EQ(30 * MS, p.phi.rtt_dev_ns);
	/* A datagram's own round trip does not overwrite the figure. */
	exchange(&p, 100, t, 0, MS / 2);
	EXPECT_EQ(100 * MS, p.phi.rtt_mean_ns);
	/* 4 * (100 + 4 * 30) + 100 = 980 ms, within the 1 s maximum. */
	EXPECT_EQ(980 * MS, agent_peer_timeout_ns(&p, &cfg));

	agent_peer_set_bpf(&p, &none);
	EXPECT_FALSE(agent_peer_network(&p, &rtt, &dev));
	EXPECT_EQ(p.srtt_ns, p.phi.rtt_mean_ns);
	EXPECT_EQ(calm, agent_peer_timeout_ns(&p, &cfg));

	/* A fixed timeout is what it says, whatever the network. */
	fixed.fixed_timeout_ns = 700 * MS;
	agent_peer_set_bpf(&p, &fig);
	EXPECT_EQ(700 * MS, agent_peer_timeout_ns(&p, &fixed));
	agent_peer_set_bpf(&p, &none);
	EXPECT_EQ(700 * MS, agent_peer_timeout_ns(&p, &fixed));
}

/*
 * The acceptance window follows the figure in use: one heartbeat of
 * pause plus half the eBPF p99 (or half the agent's own round trip),
 * never more than half the election timeout.
 */
TEST(heartbeat_window_follows_the_rtt)
{
	static struct agent_peer p;
	struct sockaddr_in a = addr();
	struct stockade_rtt_peer fig = {
		.conns = 1, .samples = 50, .rtt_ns = 20 * MS,
		.dev_ns = 2 * MS, .p50_ns = 19 * MS, .p99_ns = 60 * MS,
	};
	struct stockade_rtt_peer slow = fig;
	struct stockade_rtt_peer none = { 0 };
	uint64_t t = 10 * SEC;
	int i;

	ASSERT_EQ(0, agent_peer_init(&p, 2, &a, &cfg));
	for (i = 0; i < 20; i++, t += 100 * MS)
		exchange(&p, i + 1, t, 0, 4 * MS);
	EXPECT_EQ(100 * MS + p.srtt_ns / 2, p.phi.window_ns);
	EXPECT_GT(p.srtt_ns, 0);

	agent_peer_set_bpf(&p, &fig);
	EXPECT_EQ(130 * MS, p.phi.window_ns);

	slow.rtt_ns = 3 * SEC;
	slow.p99_ns = 4 * SEC;
	agent_peer_set_bpf(&p, &slow);
	EXPECT_EQ(500 * MS, p.phi.window_ns);

	agent_peer_set_bpf(&p, &none);
	EXPECT_EQ(100 * MS + p.srtt_ns / 2, p.phi.window_ns);
}

/*
 * A datagram sent at @sent (the peer's clock is ours here), @owd on the
 * way, read @local after it arrived: stamped at ingress, no clock echo.
 */
static void stamped(struct agent_peer *p, uint64_t seq, uint64_t sent,
		    uint64_t owd, uint64_t local)
{
	struct stockade_pw_msg m = {
		.type = STOCKADE_PW_PROBE, .from = 2, .to = 1, .seq = seq,
		.mono_send = sent,
	};
	struct agent_peer_rx rx = {
		.ingress_ns = sent + owd, .mono = sent + owd + local,
		.real = sent + owd + local, .stamp = STOCKADE_HB_STAMP_TC,
	};

	agent_peer_receive(p, &m, &rx, &cfg);
}

/*
 * The heartbeats' own path widens the window by its network tail (p99
 * of the delay beyond the fastest), and only by that: a stall of ours,
 * however long, leaves the window and the detector's intervals alone.
 */
TEST(heartbeat_window_follows_the_network_part_only)
{
	static struct agent_peer p;
	struct sockaddr_in a = addr();
	uint64_t t = 10 * SEC, seq = 1;
	u64 p99;
	int i;

	ASSERT_EQ(0, agent_peer_init(&p, 2, &a, &cfg));
	for (i = 0; i < 100; i++, t += 100 * MS)
		stamped(&p, seq++, t, 1 * MS, 50000);
	EXPECT_EQ(100 * MS, p.phi.window_ns);

	/* Our stall: 300 ms of datagrams read at its end. */
	for (i = 0; i < 3; i++, t += 100 * MS)
		stamped(&p, seq++, t, 1 * MS, (3 - i) * 100 * MS);
	EXPECT_EQ(100 * MS, p.phi.window_ns);
	EXPECT_EQ(1, p.hb.episodes);
	EXPECT_EQ(t - 100 * MS + 1 * MS, p.heard_ns);

	/* The path: 3 of 100 datagrams 40 ms slower than its fastest. */
	for (i = 0; i < 100; i++, t += 100 * MS)
		stamped(&p, seq++, t, i % 33 == 0 ? 41 * MS : 1 * MS, 50000);
	ASSERT_TRUE(stockade_hb_stats_quantile(&p.hb.net, 990, &p99));
	EXPECT_GE(p99, 30 * MS);
	EXPECT_LE(p99, 40 * MS);
	EXPECT_EQ(100 * MS + p99, p.phi.window_ns);
}

TEST_HARNESS_MAIN
