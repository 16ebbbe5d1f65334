// SPDX-License-Identifier: GPL-2.0
/*
 * core/hbdelay.c: a heartbeat's delay split into network and local from
 * the kernel's ingress time; the base one-way delay over epochs, with the
 * peer's clock at any offset, drifting or started again; stalls of ours
 * counted once; socket timestamps turned monotonic; and, with the phi
 * detector, that a stall of ours leaves the peer's phi alone when the
 * detector is given the ingress times.
 */
#include "kselftest_harness.h"
#include "hbdelay.h"
#include "phi.h"

#define US	1000ULL
#define MS	1000000ULL
#define SEC	1000000000ULL
#define T0	(1000 * SEC)
#define HB	(50 * MS)

/* The peer's clock: ours minus 700 s (any offset cancels out). */
static u64 peer_clock(u64 ours)
{
	return ours - 700 * SEC;
}

/* A datagram sent at @sent (our clock), @owd on the way, read @local later. */
static struct stockade_hb_rx rx_at(u64 sent, u64 owd, u64 local)
{
	return (struct stockade_hb_rx) {
		.sent_ns = peer_clock(sent), .ingress_ns = sent + owd,
		.user_ns = sent + owd + local, .stamp = STOCKADE_HB_STAMP_TC,
	};
}

static void add(struct stockade_hbdelay *d, struct stockade_hb_rx rx,
		struct stockade_hb_split *out)
{
	stockade_hbdelay_add(d, &rx, out);
}

TEST(no_stamp_no_split)
{
	struct stockade_hbdelay d;
	struct stockade_hb_split s;
	struct stockade_hb_rx rx = rx_at(T0, 100 * US, 20 * US);

	stockade_hbdelay_init(&d, HB);
	rx.stamp = STOCKADE_HB_STAMP_NONE;
	stockade_hbdelay_add(&d, &rx, &s);
	EXPECT_FALSE(s.known);
	EXPECT_EQ(rx.user_ns, s.arrival_ns);
	EXPECT_EQ(1, d.unsplit);
	EXPECT_EQ(0, d.split);
	EXPECT_EQ(STOCKADE_HB_STAMP_NONE, d.stamp);
	EXPECT_STREQ("none", stockade_hb_stamp_name(d.stamp));
}

/* A calm path: no network delay beyond the base, local as measured. */
TEST(calm_path_local_measured)
{
	struct stockade_hbdelay d;
	struct stockade_hb_split s;
	int i;

	stockade_hbdelay_init(&d, HB);
	for (i = 0; i < 20; i++) {
		add(&d, rx_at(T0 + i * HB, 100 * US, (u64)(20 + i) * US), &s);
		ASSERT_TRUE(s.known);
		EXPECT_EQ(T0 + i * HB + 100 * US, s.arrival_ns);
		EXPECT_EQ((u64)(20 + i) * US, s.local_ns);
		EXPECT_EQ(0, s.net_ns);
		EXPECT_FALSE(s.held);
	}
	EXPECT_EQ(20, d.split);
	EXPECT_EQ(39 * US, d.local.last_ns);
	EXPECT_EQ(39 * US, d.local.max_ns);
	EXPECT_EQ(0, d.episodes);
}

/* A slow datagram is the network's: local stays what it was. */
TEST(network_delay_is_the_networks)
{
	struct stockade_hbdelay d;
	struct stockade_hb_split s;
	u64 p99;
	int i;

	stockade_hbdelay_init(&d, HB);
	for (i = 0; i < 10; i++)
		add(&d, rx_at(T0 + i * HB, 200 * US, 30 * US), &s);
	add(&d, rx_at(T0 + 10 * HB, 200 * US + 30 * MS, 30 * US), &s);
	EXPECT_EQ(30 * MS, s.net_ns);
	EXPECT_EQ(30 * US, s.local_ns);
	EXPECT_FALSE(s.held);
	/* The detector hears it when it came: 30 ms late, the network's. */
	EXPECT_EQ(T0 + 10 * HB + 200 * US + 30 * MS, s.arrival_ns);
	ASSERT_TRUE(stockade_hb_stats_quantile(&d.net, 999, &p99));
	/* 30 ms is in [16.4, 32.8) ms; never above the largest seen. */
	EXPECT_EQ(30 * MS, p99);
	ASSERT_TRUE(stockade_hb_stats_quantile(&d.local, 999, &p99));
	EXPECT_LE(p99, 33 * US);
}

/*
 * We stood still for 300 ms: six datagrams came in on time and were all
 * read at its end.  All local, none network, one stall.
 */
TEST(our_stall_is_local_and_counted_once)
{
	struct stockade_hbdelay d;
	struct stockade_hb_split s;
	u64 resume = T0 + 10 * HB + 300 * MS;
	struct stockade_hb_rx rx;
	int i, held = 0, first = 0;

	stockade_hbdelay_init(&d, HB);
	for (i = 0; i < 10; i++)
		add(&d, rx_at(T0 + i * HB, 100 * US, 10 * US), &s);
	for (i = 0; i < 6; i++) {
		rx = rx_at(T0 + (10 + i) * HB, 100 * US, 0);
		rx.user_ns = resume + (u64)i * US;
		add(&d, rx, &s);
		EXPECT_EQ(rx.ingress_ns, s.arrival_ns);
		EXPECT_EQ(0, s.net_ns);
		EXPECT_EQ(rx.user_ns - rx.ingress_ns, s.local_ns);
		held += s.held;
		first += s.new_episode;
	}
	/* The last one came 50 ms before the end: no more than a heartbeat. */
	EXPECT_EQ(5, held);
	EXPECT_EQ(1, first);
	EXPECT_EQ(1, d.episodes);
	EXPECT_EQ(5, d.held);
	EXPECT_GE(d.local.max_ns, 299 * MS);
	/* A second stall later is a second episode. */
	rx = rx_at(resume + 10 * HB, 100 * US, 80 * MS);
	add(&d, rx, &s);
	EXPECT_TRUE(s.held);
	EXPECT_TRUE(s.new_episode);
	EXPECT_EQ(2, d.episodes);
}

/*
 * The same stall seen by the phi detector: given the ingress times, its
 * intervals stay at one heartbeat and the peer is not suspected when we
 * resume.  Given the read times (no stamp), it learns a 300 ms interval
 * and near-zero ones.
 */
TEST(stall_leaves_the_peers_phi_alone)
{
	struct stockade_phi_config pc;
	static struct stockade_phi with, without;
	struct stockade_hbdelay d;
	struct stockade_hb_split s;
	struct stockade_hb_rx rx;
	u64 resume = T0 + 40 * HB + 300 * MS, read;
	double mean_with, mean_without, sd_with, sd_without;
	int i;

	stockade_phi_config_default(&pc, HB, 1000 * MS);
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&with, &pc));
	ASSERT_EQ(STOCKADE_PHI_CFG_OK, stockade_phi_init(&without, &pc));
	stockade_hbdelay_init(&d, HB);
	for (i = 0; i < 46; i++) {
		rx = rx_at(T0 + i * HB, 100 * US, 10 * US);
		if (i >= 40)
			rx.user_ns = resume;
		read = rx.user_ns;
		add(&d, rx, &s);
		stockade_phi_heartbeat(&with, s.arrival_ns);
		stockade_phi_heartbeat(&without, read);
	}
	stockade_phi_estimate(&with, &mean_with, &sd_with);
	stockade_phi_estimate(&without, &mean_without, &sd_without);
	/* mean includes one heartbeat of acceptable pause */
	EXPECT_LT(mean_with, 2 * HB + 1 * MS);
	EXPECT_LT(sd_with, (double)HB / 4 + 1);
	EXPECT_GT(sd_without, 3 * sd_with);
	EXPECT_LT(stockade_phi(&with, resume), 1.0);
	EXPECT_FALSE(stockade_phi_suspect(&with, resume));
	EXPECT_EQ(1, d.episodes);
}

/* The base follows a drifting offset within two epochs; old minima expire. */
TEST(base_follows_drift_over_epochs)
{
	struct stockade_hbdelay d;
	struct stockade_hb_split s;
	u64 t;

	stockade_hbdelay_init(&d, HB);
	for (t = 0; t < 5 * SEC; t += HB)
		add(&d, rx_at(T0 + t, 100 * US, 0), &s);
	/* The peer's clock now runs 2 ms behind where it was: owd + 2 ms. */
	add(&d, rx_at(T0 + 5 * SEC, 2100 * US, 0), &s);
	EXPECT_EQ(2 * MS, s.net_ns);
	for (t = 5 * SEC; t < 31 * SEC; t += HB)
		add(&d, rx_at(T0 + t, 2100 * US, 0), &s);
	EXPECT_EQ(0, s.net_ns);
	EXPECT_EQ(0, d.resets);
}

/* A peer ahead of us (negative owd) and a peer that rebooted. */
TEST(any_offset_and_peer_restart)
{
	struct stockade_hbdelay d;
	struct stockade_hb_split s;
	struct stockade_hb_rx rx;
	int i;

	stockade_hbdelay_init(&d, HB);
	for (i = 0; i < 5; i++) {
		rx = rx_at(T0 + i * HB, 100 * US, 0);
		rx.sent_ns = T0 + i * HB + 900 * SEC;	/* ahead of us */
		add(&d, rx, &s);
	}
	rx.sent_ns -= 3 * MS;
	rx.ingress_ns += HB;
	rx.user_ns += HB;
	add(&d, rx, &s);
	EXPECT_EQ(HB + 3 * MS, s.net_ns);
	/* Rebooted: its clock starts near 0, owd jumps by ~ T0. */
	rx.sent_ns = 5 * SEC;
	rx.ingress_ns += HB;
	rx.user_ns += HB;
	add(&d, rx, &s);
	EXPECT_EQ(0, s.net_ns);
	EXPECT_EQ(1, d.resets);
	rx.sent_ns += HB;
	rx.ingress_ns += HB + 1 * MS;
	rx.user_ns += HB + 1 * MS;
	add(&d, rx, &s);
	EXPECT_EQ(1 * MS, s.net_ns);
}

/* A stamp after the read (another clock's error) is clamped: local 0. */
TEST(stamp_after_read_is_clamped)
{
	struct stockade_hbdelay d;
	struct stockade_hb_split s;
	struct stockade_hb_rx rx = rx_at(T0, 100 * US, 0);

	stockade_hbdelay_init(&d, HB);
	rx.ingress_ns = rx.user_ns + 5 * US;
	stockade_hbdelay_add(&d, &rx, &s);
	EXPECT_TRUE(s.known);
	EXPECT_EQ(0, s.local_ns);
	EXPECT_EQ(rx.user_ns, s.arrival_ns);
}

TEST(socket_stamp_to_monotonic)
{
	/* Waited 250 us on the wall clock: as long on the monotonic one. */
	EXPECT_EQ(T0 - 250 * US,
		  stockade_hb_socket_ingress(T0, 1700 * SEC, 1700 * SEC - 250 * US));
	/* The wall clock stepped back in between: it waited 0. */
	EXPECT_EQ(T0, stockade_hb_socket_ingress(T0, 1700 * SEC, 1700 * SEC + 1));
	/* Never below 0. */
	EXPECT_EQ(0, stockade_hb_socket_ingress(5 * SEC, 1700 * SEC, 1 * SEC));
}

/* The histograms age like the BPF one: about the last thousand. */
TEST(histogram_ages)
{
	struct stockade_hbdelay d;
	struct stockade_hb_split s;
	u64 p;
	int i;

	stockade_hbdelay_init(&d, HB);
	for (i = 0; i < 3000; i++)
		add(&d, rx_at(T0 + i * HB, 100 * US, i < 100 ? 40 * MS : 10 * US),
		    &s);
	EXPECT_LE(d.local.total, STOCKADE_HB_HIST_AGE_AT);
	EXPECT_EQ(40 * MS, d.local.max_ns);
	/* The early slow ones have aged below the 99th percentile. */
	ASSERT_TRUE(stockade_hb_stats_quantile(&d.local, 990, &p));
	EXPECT_LT(p, 20 * US);
}

TEST_HARNESS_MAIN
