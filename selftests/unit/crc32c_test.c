// SPDX-License-Identifier: GPL-2.0
/*
 * CRC-32C against the check values of RFC 3720 appendix B.4 and the
 * standard "123456789" check, plus the chaining property the log relies
 * on: checksumming a record in pieces equals checksumming it whole.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "crc32c.h"

TEST(check_string)
{
	EXPECT_EQ(0xe3069283u, stockade_crc32c(0, "123456789", 9));
}

TEST(rfc3720_zeros)
{
	u8 buf[32];

	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(0x8a9136aau, stockade_crc32c(0, buf, sizeof(buf)));
}

TEST(rfc3720_ones)
{
	u8 buf[32];

	memset(buf, 0xff, sizeof(buf));
	EXPECT_EQ(0x62a8ab43u, stockade_crc32c(0, buf, sizeof(buf)));
}

TEST(rfc3720_incrementing)
{
	u8 up[32], down[32];
	int i;

	for (i = 0; i < 32; i++) {
		up[i] = i;
		down[i] = 31 - i;
	}
	EXPECT_EQ(0x46dd794eu, stockade_crc32c(0, up, sizeof(up)));
	EXPECT_EQ(0x113fdb5cu, stockade_crc32c(0, down, sizeof(down)));
}

TEST(empty_buffer_keeps_crc)
{
	EXPECT_EQ(0u, stockade_crc32c(0, NULL, 0));
	EXPECT_EQ(0x12345678u, stockade_crc32c(0x12345678, "", 0));
}

TEST(chaining_equals_whole)
{
	u8 buf[4096];
	u32 whole, split;
	size_t cut;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (u8)(i * 7 + 3);
	whole = stockade_crc32c(0, buf, sizeof(buf));
	for (cut = 0; cut <= sizeof(buf); cut += 511) {
		split = stockade_crc32c(0, buf, cut);
		split = stockade_crc32c(split, buf + cut, sizeof(buf) - cut);
		EXPECT_EQ(whole, split);
	}
}

TEST(single_bit_flip_detected)
{
	u8 buf[512] = { 0 };
	u32 good = stockade_crc32c(0, buf, sizeof(buf));

	for (size_t bit = 0; bit < sizeof(buf) * 8; bit += 37) {
		buf[bit / 8] ^= 1u << (bit % 8);
		EXPECT_NE(good, stockade_crc32c(0, buf, sizeof(buf)));
		buf[bit / 8] ^= 1u << (bit % 8);
	}
}

TEST_HARNESS_MAIN
