// SPDX-License-Identifier: GPL-2.0
/*
 * The superblock codec (core/superblock.c): a formatted device reads back
 * exactly; every kind of damage or mismatch is refused with its own error;
 * a torn slot falls back to the other one.
 */
#include "kselftest_harness.h"
#include "superblock.h"
#include <stockade/version.h>

#define DISK_BLOCKS	(128 * 1024)	/* 512 MiB */

static const u8 cluster[16] = "cluster-uuid-01";
static const u8 device[16] = "device-uuid-001";

FIXTURE(super)
{
	struct stockade_super sb;
	struct stockade_disk_super raw[2];
};

FIXTURE_SETUP(super)
{
	memset(&self->sb, 0, sizeof(self->sb));
	ASSERT_EQ(STOCKADE_SUPER_OK,
		  stockade_super_layout(&self->sb, DISK_BLOCKS, 8192));
	memcpy(self->sb.cluster_uuid, cluster, 16);
	memcpy(self->sb.device_uuid, device, 16);
	self->sb.node_id = 2;
	self->sb.current_term = 33;
	self->sb.voted_for = 1;
	self->sb.checkpoint_index = 1000;
	self->sb.checkpoint_term = 32;
	self->sb.log_id = 0x0123456789abcdefULL;
	self->sb.generation = 6;
	stockade_super_encode(&self->sb, &self->raw[0]);
	self->sb.generation = 7;
	self->sb.current_term = 34;
	stockade_super_encode(&self->sb, &self->raw[1]);
}

FIXTURE_TEARDOWN(super)
{
}

static enum stockade_super_error decode(struct stockade_disk_super *raw)
{
	struct stockade_super sb;

	return stockade_super_decode(raw, DISK_BLOCKS, &sb);
}

TEST_F(super, roundtrip)
{
	struct stockade_super back;

	ASSERT_EQ(STOCKADE_SUPER_OK,
		  stockade_super_decode(&self->raw[1], DISK_BLOCKS, &back));
	EXPECT_EQ(0, memcmp(&self->sb, &back, sizeof(back)));
}

TEST_F(super, layout_geometry)
{
	EXPECT_EQ(2u, self->sb.log_start);
	EXPECT_EQ(8194u, self->sb.data_start);
	EXPECT_EQ(DISK_BLOCKS - 8194u, self->sb.data_blocks);
	/* two superblock slots + 64 log blocks + at least one data block */
	EXPECT_EQ(STOCKADE_SUPER_BAD_GEOMETRY,
		  stockade_super_layout(&self->sb, 66, 64));
	EXPECT_EQ(STOCKADE_SUPER_OK, stockade_super_layout(&self->sb, 67, 64));
	EXPECT_EQ(1u, self->sb.data_blocks);
	EXPECT_EQ(STOCKADE_SUPER_BAD_GEOMETRY,
		  stockade_super_layout(&self->sb, DISK_BLOCKS, 10));
}

TEST_F(super, unformatted_device)
{
	struct stockade_disk_super zero;

	memset(&zero, 0, sizeof(zero));
	EXPECT_EQ(STOCKADE_SUPER_NOT_FORMATTED, decode(&zero));
}

TEST_F(super, every_flipped_bit_is_caught)
{
	unsigned char *p = (unsigned char *)&self->raw[0];

	for (size_t bit = 0; bit < sizeof(self->raw[0]) * 8; bit++) {
		p[bit / 8] ^= 1u << (bit % 8);
		EXPECT_NE(STOCKADE_SUPER_OK, decode(&self->raw[0]));
		p[bit / 8] ^= 1u << (bit % 8);
	}
	EXPECT_EQ(STOCKADE_SUPER_OK, decode(&self->raw[0]));
}

TEST_F(super, newer_version_refused_before_checksum)
{
	self->raw[0].version = cpu_to_le32(STOCKADE_DISK_VERSION + 1);
	EXPECT_EQ(STOCKADE_SUPER_NEWER_VERSION, decode(&self->raw[0]));
}

TEST_F(super, geometry_beyond_disk_refused)
{
	struct stockade_super sb;

	EXPECT_EQ(STOCKADE_SUPER_BAD_GEOMETRY,
		  stockade_super_decode(&self->raw[0], DISK_BLOCKS / 2, &sb));
}

TEST_F(super, overlapping_regions_refused)
{
	self->sb.data_start = self->sb.log_start + 1;
	stockade_super_encode(&self->sb, &self->raw[0]);
	EXPECT_EQ(STOCKADE_SUPER_BAD_GEOMETRY, decode(&self->raw[0]));
}

TEST_F(super, inconsistent_fields_refused)
{
	self->sb.checkpoint_term = self->sb.current_term + 1;
	stockade_super_encode(&self->sb, &self->raw[0]);
	EXPECT_EQ(STOCKADE_SUPER_BAD_FIELD, decode(&self->raw[0]));
	self->sb.checkpoint_term = 1;
	self->sb.flags = 0x80;
	stockade_super_encode(&self->sb, &self->raw[0]);
	EXPECT_EQ(STOCKADE_SUPER_BAD_FIELD, decode(&self->raw[0]));
}

TEST_F(super, pick_highest_generation)
{
	struct stockade_super sb;
	enum stockade_super_error err;

	EXPECT_EQ(1, stockade_super_pick(self->raw, DISK_BLOCKS, &sb, &err));
	EXPECT_EQ(34u, sb.current_term);
}

TEST_F(super, torn_slot_falls_back)
{
	struct stockade_super sb;
	enum stockade_super_error err;

	/* a write of slot B torn halfway: its tail is from an old write */
	memset((unsigned char *)&self->raw[1] + 64, 0xa5,
	       sizeof(self->raw[1]) - 64);
	EXPECT_EQ(0, stockade_super_pick(self->raw, DISK_BLOCKS, &sb, &err));
	EXPECT_EQ(33u, sb.current_term);
	memset(&self->raw[0], 0, sizeof(self->raw[0]));
	EXPECT_EQ(-1, stockade_super_pick(self->raw, DISK_BLOCKS, &sb, &err));
	EXPECT_EQ(STOCKADE_SUPER_NOT_FORMATTED, err);
}

TEST_F(super, identity_mismatch)
{
	u8 other[16] = "another-uuid-00";

	EXPECT_EQ(STOCKADE_SUPER_OK,
		  stockade_super_match(&self->sb, cluster, device));
	EXPECT_EQ(STOCKADE_SUPER_OTHER_CLUSTER,
		  stockade_super_match(&self->sb, other, device));
	EXPECT_EQ(STOCKADE_SUPER_OTHER_DEVICE,
		  stockade_super_match(&self->sb, cluster, other));
}

TEST_F(super, error_names_are_distinct)
{
	int a, b;

	for (a = STOCKADE_SUPER_OK; a <= STOCKADE_SUPER_OTHER_DEVICE; a++)
		for (b = a + 1; b <= STOCKADE_SUPER_OTHER_DEVICE; b++)
			EXPECT_STRNE(stockade_super_error_name(a),
				     stockade_super_error_name(b));
}

TEST_HARNESS_MAIN
