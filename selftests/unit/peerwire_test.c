// SPDX-License-Identifier: GPL-2.0
/*
 * The agents' datagrams (agent/peerwire.c): round trip, forgery, bad
 * fields, and the replay window.
 */
#include "kselftest_harness.h"
#include "peerwire.h"

static const uint8_t secret[] = "a-cluster-secret-0123456789";
static const uint8_t other[] = "another-secret-9876543210abc";

static struct stockade_pw_msg sample(void)
{
	return (struct stockade_pw_msg) {
		.type = STOCKADE_PW_HEARTBEAT, .flags = STOCKADE_PW_TRANSFER,
		.verdict = 2, .device = 3,
		.from = 1, .to = 2, .seq = 1000001, .term = 7,
		.last_index = 42, .last_term = 6, .lease_sent = 123456789,
		.t_send = 1795000000000000001ULL, .echo_send = 11,
		.echo_recv = 12, .mono_send = 13, .commit_index = 40,
	};
}

TEST(round_trip_keeps_every_field)
{
	struct stockade_pw_msg m = sample(), got;
	uint8_t buf[STOCKADE_PW_LEN];

	ASSERT_EQ(0, stockade_pw_init());
	stockade_pw_seal(&m, secret, sizeof(secret), buf);
	ASSERT_EQ(STOCKADE_PW_OK,
		  stockade_pw_open(buf, sizeof(buf), secret, sizeof(secret),
				   &got));
	EXPECT_EQ(0, memcmp(&m, &got, sizeof(m)));
}

TEST(forged_or_foreign_datagrams_are_refused)
{
	struct stockade_pw_msg m = sample(), got;
	uint8_t buf[STOCKADE_PW_LEN];

	ASSERT_EQ(0, stockade_pw_init());
	stockade_pw_seal(&m, secret, sizeof(secret), buf);
	EXPECT_EQ(STOCKADE_PW_BAD_MAC,
		  stockade_pw_open(buf, sizeof(buf), other, sizeof(other),
				   &got));
	buf[40] ^= 1;		/* a changed log index */
	EXPECT_EQ(STOCKADE_PW_BAD_MAC,
		  stockade_pw_open(buf, sizeof(buf), secret, sizeof(secret),
				   &got));
	EXPECT_EQ(STOCKADE_PW_BAD_LENGTH,
		  stockade_pw_open(buf, sizeof(buf) - 1, secret,
				   sizeof(secret), &got));
}

/* A field the MAC covers but the checks refuse: a buggy or newer peer. */
static enum stockade_pw_error open_with(struct stockade_pw_msg m)
{
	struct stockade_pw_msg got;
	uint8_t buf[STOCKADE_PW_LEN];

	stockade_pw_seal(&m, secret, sizeof(secret), buf);
	return stockade_pw_open(buf, sizeof(buf), secret, sizeof(secret),
				&got);
}

TEST(invalid_fields_are_refused)
{
	struct stockade_pw_msg m = sample();

	ASSERT_EQ(0, stockade_pw_init());
	m.type = 0;
	EXPECT_EQ(STOCKADE_PW_BAD_FIELD, open_with(m));
	m.type = __STOCKADE_PW_TYPE_MAX;
	EXPECT_EQ(STOCKADE_PW_BAD_FIELD, open_with(m));
	m = sample();
	m.flags = 0x80;
	EXPECT_EQ(STOCKADE_PW_BAD_FIELD, open_with(m));
	m = sample();
	m.verdict = STOCKADE_PW_VERDICT_MAX + 1;
	EXPECT_EQ(STOCKADE_PW_BAD_FIELD, open_with(m));
	m = sample();
	m.from = 0;
	EXPECT_EQ(STOCKADE_PW_BAD_FIELD, open_with(m));
	m.from = 256;
	EXPECT_EQ(STOCKADE_PW_BAD_FIELD, open_with(m));
	m.from = 2;		/* to itself */
	EXPECT_EQ(STOCKADE_PW_BAD_FIELD, open_with(m));
	m = sample();
	EXPECT_EQ(STOCKADE_PW_OK, open_with(m));
}

TEST(magic_and_version_are_checked_after_the_mac)
{
	struct stockade_pw_msg m = sample(), got;
	uint8_t buf[STOCKADE_PW_LEN];

	ASSERT_EQ(0, stockade_pw_init());
	stockade_pw_seal(&m, secret, sizeof(secret), buf);
	buf[4] = STOCKADE_PW_VERSION + 1;
	/* unsigned: the MAC fails first, so nothing is learnt from it */
	EXPECT_EQ(STOCKADE_PW_BAD_MAC,
		  stockade_pw_open(buf, sizeof(buf), secret, sizeof(secret),
				   &got));
}

TEST(window_accepts_each_number_once)
{
	struct stockade_pw_window w = { 0 };

	EXPECT_TRUE(stockade_pw_window_accept(&w, 100));
	EXPECT_FALSE(stockade_pw_window_accept(&w, 100));
	EXPECT_TRUE(stockade_pw_window_accept(&w, 102));
	EXPECT_TRUE(stockade_pw_window_accept(&w, 101));	/* reordered */
	EXPECT_FALSE(stockade_pw_window_accept(&w, 101));
	EXPECT_TRUE(stockade_pw_window_accept(&w, 200));
	EXPECT_TRUE(stockade_pw_window_accept(&w, 137));	/* 63 back */
	EXPECT_FALSE(stockade_pw_window_accept(&w, 136));	/* 64 back */
	EXPECT_FALSE(stockade_pw_window_accept(&w, 102));
	EXPECT_EQ(200u, w.highest);
}

TEST(window_survives_a_long_jump)
{
	struct stockade_pw_window w = { 0 };

	EXPECT_TRUE(stockade_pw_window_accept(&w, 5));
	EXPECT_TRUE(stockade_pw_window_accept(&w, 5 + 1000));
	EXPECT_FALSE(stockade_pw_window_accept(&w, 5));
	EXPECT_TRUE(stockade_pw_window_accept(&w, 1004));
	EXPECT_FALSE(stockade_pw_window_accept(&w, 1005));
}

TEST_HARNESS_MAIN
