// SPDX-License-Identifier: GPL-2.0
#include "superblock.h"
#include "crc32c.h"
#include <stockade/version.h>

/*
 * The superblock covers the resync record only while a resync is needed,
 * so that a replica in sync keeps the format older modules read.
 */
static u32 super_size(u32 flags)
{
	return flags & STOCKADE_SUPER_NEEDS_RESYNC ? STOCKADE_SUPER_SIZE_RESYNC :
						     STOCKADE_SUPER_SIZE_PLAIN;
}

static u32 super_crc(const struct stockade_disk_super *raw, u32 size)
{
	struct stockade_disk_super copy = *raw;

	copy.crc = 0;
	return stockade_crc32c(0, &copy, size);
}

/* Bytes past @size (up to the end of the struct) must be zero. */
static bool tail_is_zero(const struct stockade_disk_super *raw, u32 size)
{
	const u8 *p = (const u8 *)raw;
	u32 i;

	for (i = size; i < sizeof(*raw); i++)
		if (p[i])
			return false;
	return true;
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

/* A resync record: within the data region, terms not from the future. */
static bool resync_valid(const struct stockade_super *sb)
{
	const struct stockade_super_resync *r = &sb->resync;

	if (!(sb->flags & STOCKADE_SUPER_NEEDS_RESYNC))
		return !r->session && !r->snap_index && !r->snap_term &&
		       !r->next_block && !r->catch_up_index;
	if (r->next_block > sb->data_blocks ||
	    r->snap_term > sb->current_term ||
	    (!r->snap_index && r->snap_term))
		return false;
	/* A disk formatted to join has no session, nor anything copied. */
	return r->session || (!r->snap_index && !r->next_block &&
			      !r->catch_up_index);
}

static bool fields_valid(const struct stockade_super *sb)
{
	if (sb->flags & ~STOCKADE_SUPER_FLAGS_KNOWN)
		return false;
	if (sb->voted_for && !sb->current_term)
		return false;
	if (!resync_valid(sb))
		return false;
	return sb->checkpoint_term <= sb->current_term &&
	       (sb->checkpoint_index || !sb->checkpoint_term);
}

static void decode_resync(const struct stockade_disk_resync *raw,
			  struct stockade_super_resync *r)
{
	r->session = le64_to_cpu(raw->session);
	r->snap_index = le64_to_cpu(raw->snap_index);
	r->snap_term = le64_to_cpu(raw->snap_term);
	r->next_block = le64_to_cpu(raw->next_block);
	r->catch_up_index = le64_to_cpu(raw->catch_up_index);
}

static void encode_resync(const struct stockade_super_resync *r,
			  struct stockade_disk_resync *raw)
{
	raw->session = cpu_to_le64(r->session);
	raw->snap_index = cpu_to_le64(r->snap_index);
	raw->snap_term = cpu_to_le64(r->snap_term);
	raw->next_block = cpu_to_le64(r->next_block);
	raw->catch_up_index = cpu_to_le64(r->catch_up_index);
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
	memset(&sb->resync, 0, sizeof(sb->resync));
	if (sb->flags & STOCKADE_SUPER_NEEDS_RESYNC)
		decode_resync(&raw->resync, &sb->resync);
}

enum stockade_super_error
stockade_super_decode(const struct stockade_disk_super *raw, u64 disk_blocks,
		      struct stockade_super *sb)
{
	u32 version, size;

	if (le64_to_cpu(raw->magic) != STOCKADE_SUPER_MAGIC)
		return STOCKADE_SUPER_NOT_FORMATTED;
	/* The version is checked first: a newer layout may move the crc. */
	version = le32_to_cpu(raw->version);
	if (version > STOCKADE_DISK_VERSION)
		return STOCKADE_SUPER_NEWER_VERSION;
	if (version < STOCKADE_DISK_VERSION)
		return STOCKADE_SUPER_OLDER_VERSION;
	size = le32_to_cpu(raw->size);
	if (size != STOCKADE_SUPER_SIZE_PLAIN &&
	    size != STOCKADE_SUPER_SIZE_RESYNC)
		return STOCKADE_SUPER_BAD_SIZE;
	if (le32_to_cpu(raw->crc) != super_crc(raw, size))
		return STOCKADE_SUPER_BAD_CHECKSUM;
	/* The size says whether there is a resync record; the flag agrees. */
	if (size != super_size(le32_to_cpu(raw->flags)) ||
	    !tail_is_zero(raw, size))
		return STOCKADE_SUPER_BAD_FIELD;
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
	u32 size = super_size(sb->flags);

	memset(raw, 0, sizeof(*raw));
	raw->magic = cpu_to_le64(STOCKADE_SUPER_MAGIC);
	raw->version = cpu_to_le32(STOCKADE_DISK_VERSION);
	raw->size = cpu_to_le32(size);
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
	if (sb->flags & STOCKADE_SUPER_NEEDS_RESYNC)
		encode_resync(&sb->resync, &raw->resync);
	raw->crc = cpu_to_le32(super_crc(raw, size));
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
