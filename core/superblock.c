// SPDX-License-Identifier: GPL-2.0
#include "superblock.h"
#include "crc32c.h"
#include <stockade/version.h>

#define SUPER_SIZE	sizeof(struct stockade_disk_super)

static u32 super_crc(const struct stockade_disk_super *raw)
{
	struct stockade_disk_super copy = *raw;

	copy.crc = 0;
	return stockade_crc32c(0, &copy, SUPER_SIZE);
}

enum stockade_super_error stockade_super_layout(struct stockade_super *sb,
						u64 disk_blocks,
						u64 log_blocks)
{
	u64 first = STOCKADE_SUPER_SLOTS;

	if (log_blocks < STOCKADE_MIN_LOG_BLOCKS ||
	    disk_blocks < first + STOCKADE_MIN_DATA_BLOCKS ||
	    log_blocks > disk_blocks - first - STOCKADE_MIN_DATA_BLOCKS)
		return STOCKADE_SUPER_BAD_GEOMETRY;
	sb->log_start = first;
	sb->log_blocks = log_blocks;
	sb->data_start = first + log_blocks;
	sb->data_blocks = disk_blocks - sb->data_start;
	return STOCKADE_SUPER_OK;
}

enum stockade_super_error
stockade_super_format(struct stockade_super *sb, u64 disk_blocks,
		      u64 log_blocks, const u8 cluster_uuid[16],
		      const u8 device_uuid[16], u32 node_id, u64 log_id)
{
	memset(sb, 0, sizeof(*sb));
	sb->generation = 0;	/* slot A */
	memcpy(sb->cluster_uuid, cluster_uuid, 16);
	memcpy(sb->device_uuid, device_uuid, 16);
	sb->node_id = node_id;
	sb->log_id = log_id;
	return stockade_super_layout(sb, disk_blocks, log_blocks);
}

/* Regions in order, not overlapping, all inside the disk. */
static bool geometry_valid(const struct stockade_super *sb, u64 disk_blocks)
{
	if (sb->log_start < STOCKADE_SUPER_SLOTS ||
	    sb->log_blocks < STOCKADE_MIN_LOG_BLOCKS ||
	    sb->data_blocks < STOCKADE_MIN_DATA_BLOCKS)
		return false;
	if (sb->log_blocks > disk_blocks ||
	    sb->log_start > disk_blocks - sb->log_blocks ||
	    sb->data_start < sb->log_start + sb->log_blocks)
		return false;
	return sb->data_start <= disk_blocks &&
	       sb->data_blocks <= disk_blocks - sb->data_start;
}

static bool fields_valid(const struct stockade_super *sb)
{
	if (sb->flags & ~STOCKADE_SUPER_CLEAN)
		return false;
	if (sb->voted_for && !sb->current_term)
		return false;
	return sb->checkpoint_term <= sb->current_term &&
	       (sb->checkpoint_index || !sb->checkpoint_term);
}

static void decode_fields(const struct stockade_disk_super *raw,
			  struct stockade_super *sb)
{
	sb->generation = le64_to_cpu(raw->generation);
	memcpy(sb->cluster_uuid, raw->cluster_uuid, 16);
	memcpy(sb->device_uuid, raw->device_uuid, 16);
	sb->node_id = le32_to_cpu(raw->node_id);
	sb->flags = le32_to_cpu(raw->flags);
	sb->log_start = le64_to_cpu(raw->log_start);
	sb->log_blocks = le64_to_cpu(raw->log_blocks);
	sb->data_start = le64_to_cpu(raw->data_start);
	sb->data_blocks = le64_to_cpu(raw->data_blocks);
	sb->current_term = le64_to_cpu(raw->current_term);
	sb->voted_for = le32_to_cpu(raw->voted_for);
	sb->log_epoch = le32_to_cpu(raw->log_epoch);
	sb->checkpoint_index = le64_to_cpu(raw->checkpoint_index);
	sb->checkpoint_term = le64_to_cpu(raw->checkpoint_term);
	sb->checkpoint_lsn = le64_to_cpu(raw->checkpoint_lsn);
	sb->log_id = le64_to_cpu(raw->log_id);
}

enum stockade_super_error
stockade_super_decode(const struct stockade_disk_super *raw, u64 disk_blocks,
		      struct stockade_super *sb)
{
	u32 version;

	if (le64_to_cpu(raw->magic) != STOCKADE_SUPER_MAGIC)
		return STOCKADE_SUPER_NOT_FORMATTED;
	/* The version is checked first: a newer layout may move the crc. */
	version = le32_to_cpu(raw->version);
	if (version > STOCKADE_DISK_VERSION)
		return STOCKADE_SUPER_NEWER_VERSION;
	if (version < STOCKADE_DISK_VERSION)
		return STOCKADE_SUPER_OLDER_VERSION;
	if (le32_to_cpu(raw->size) != SUPER_SIZE)
		return STOCKADE_SUPER_BAD_SIZE;
	if (le32_to_cpu(raw->crc) != super_crc(raw))
		return STOCKADE_SUPER_BAD_CHECKSUM;
	decode_fields(raw, sb);
	if (!geometry_valid(sb, disk_blocks))
		return STOCKADE_SUPER_BAD_GEOMETRY;
	if (!fields_valid(sb))
		return STOCKADE_SUPER_BAD_FIELD;
	return STOCKADE_SUPER_OK;
}

void stockade_super_encode(const struct stockade_super *sb,
			   struct stockade_disk_super *raw)
{
	memset(raw, 0, SUPER_SIZE);
	raw->magic = cpu_to_le64(STOCKADE_SUPER_MAGIC);
	raw->version = cpu_to_le32(STOCKADE_DISK_VERSION);
	raw->size = cpu_to_le32(SUPER_SIZE);
	raw->generation = cpu_to_le64(sb->generation);
	memcpy(raw->cluster_uuid, sb->cluster_uuid, 16);
	memcpy(raw->device_uuid, sb->device_uuid, 16);
	raw->node_id = cpu_to_le32(sb->node_id);
	raw->flags = cpu_to_le32(sb->flags);
	raw->log_start = cpu_to_le64(sb->log_start);
	raw->log_blocks = cpu_to_le64(sb->log_blocks);
	raw->data_start = cpu_to_le64(sb->data_start);
	raw->data_blocks = cpu_to_le64(sb->data_blocks);
	raw->current_term = cpu_to_le64(sb->current_term);
	raw->voted_for = cpu_to_le32(sb->voted_for);
	raw->log_epoch = cpu_to_le32(sb->log_epoch);
	raw->checkpoint_index = cpu_to_le64(sb->checkpoint_index);
	raw->checkpoint_term = cpu_to_le64(sb->checkpoint_term);
	raw->checkpoint_lsn = cpu_to_le64(sb->checkpoint_lsn);
	raw->log_id = cpu_to_le64(sb->log_id);
	raw->crc = cpu_to_le32(super_crc(raw));
}

int stockade_super_pick(const struct stockade_disk_super raw[2],
			u64 disk_blocks, struct stockade_super *sb,
			enum stockade_super_error *err)
{
	struct stockade_super slot[2];
	enum stockade_super_error e[2];

	e[0] = stockade_super_decode(&raw[0], disk_blocks, &slot[0]);
	e[1] = stockade_super_decode(&raw[1], disk_blocks, &slot[1]);
	if (e[0] != STOCKADE_SUPER_OK && e[1] != STOCKADE_SUPER_OK) {
		*err = e[0];
		return -1;
	}
	*err = STOCKADE_SUPER_OK;
	if (e[1] != STOCKADE_SUPER_OK ||
	    (e[0] == STOCKADE_SUPER_OK &&
	     slot[0].generation >= slot[1].generation)) {
		*sb = slot[0];
		return 0;
	}
	*sb = slot[1];
	return 1;
}

enum stockade_super_error
stockade_super_match(const struct stockade_super *sb,
		     const u8 cluster_uuid[16], const u8 device_uuid[16])
{
	if (memcmp(sb->cluster_uuid, cluster_uuid, 16))
		return STOCKADE_SUPER_OTHER_CLUSTER;
	if (memcmp(sb->device_uuid, device_uuid, 16))
		return STOCKADE_SUPER_OTHER_DEVICE;
	return STOCKADE_SUPER_OK;
}

const char *stockade_super_error_name(enum stockade_super_error err)
{
	switch (err) {
	case STOCKADE_SUPER_OK:
		return "ok";
	case STOCKADE_SUPER_NOT_FORMATTED:
		return "not a stockade device (no superblock magic)";
	case STOCKADE_SUPER_NEWER_VERSION:
		return "formatted by a newer stockade (on-disk version too new)";
	case STOCKADE_SUPER_OLDER_VERSION:
		return "formatted by an older stockade (on-disk version too old)";
	case STOCKADE_SUPER_BAD_SIZE:
		return "superblock size does not match its version";
	case STOCKADE_SUPER_BAD_CHECKSUM:
		return "superblock checksum mismatch";
	case STOCKADE_SUPER_BAD_GEOMETRY:
		return "log and data regions do not fit the device";
	case STOCKADE_SUPER_BAD_FIELD:
		return "superblock has inconsistent fields";
	case STOCKADE_SUPER_OTHER_CLUSTER:
		return "device belongs to another cluster";
	case STOCKADE_SUPER_OTHER_DEVICE:
		return "device is a replica of another stockade device";
	}
	return "unknown error";
}
