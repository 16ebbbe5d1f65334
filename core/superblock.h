/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading, checking and writing the superblock (include/stockade/
 * disk_format.h).  Nothing read from a disk is trusted before
 * stockade_super_decode() has accepted it.
 */
#ifndef _STOCKADE_CORE_SUPERBLOCK_H
#define _STOCKADE_CORE_SUPERBLOCK_H

#include "compat.h"
#include <stockade/disk_format.h>

/* The resync record (struct stockade_disk_resync) in CPU byte order. */
struct stockade_super_resync {
	u64 session;
	u64 snap_index, snap_term;
	u64 next_block;
	u64 catch_up_index;
};

/* The superblock in CPU byte order. */
struct stockade_super {
	u64 generation;
	u8 cluster_uuid[16];
	u8 device_uuid[16];
	u32 node_id;
	u32 flags;
	u64 log_start, log_blocks;
	u64 data_start, data_blocks;
	u64 current_term;
	u32 voted_for;
	u32 log_epoch;
	u64 checkpoint_index, checkpoint_term, checkpoint_lsn;
	u64 log_id;
	/* Meaningful, and written, only with STOCKADE_SUPER_NEEDS_RESYNC. */
	struct stockade_super_resync resync;
};

enum stockade_super_error {
	STOCKADE_SUPER_OK,
	STOCKADE_SUPER_NOT_FORMATTED,	/* no magic: not a stockade device */
	STOCKADE_SUPER_NEWER_VERSION,	/* formatted by a newer release */
	STOCKADE_SUPER_OLDER_VERSION,
	STOCKADE_SUPER_BAD_SIZE,
	STOCKADE_SUPER_BAD_CHECKSUM,
	STOCKADE_SUPER_BAD_GEOMETRY,	/* regions overlap or exceed the disk */
	STOCKADE_SUPER_BAD_FIELD,	/* unknown flags, vote without term,
					 * a resync record that does not add up
					 */
	STOCKADE_SUPER_OTHER_CLUSTER,
	STOCKADE_SUPER_OTHER_DEVICE,
};

/* Smallest log and data regions a device may have, in blocks. */
#define STOCKADE_MIN_LOG_BLOCKS		64
#define STOCKADE_MIN_DATA_BLOCKS	1

/*
 * Lay out a fresh device of @disk_blocks blocks with a log of @log_blocks.
 * Fills geometry only; the caller sets the identity and terms.
 */
enum stockade_super_error stockade_super_layout(struct stockade_super *sb,
						u64 disk_blocks,
						u64 log_blocks);

/*
 * A fresh superblock for a new device: geometry, identity, term 0, an
 * empty log.  The caller writes it to slot A (generation 0), zeroes slot B
 * and the first log block, and picks @log_id at random.
 */
enum stockade_super_error
stockade_super_format(struct stockade_super *sb, u64 disk_blocks,
		      u64 log_blocks, const u8 cluster_uuid[16],
		      const u8 device_uuid[16], u32 node_id, u64 log_id);

/* Check @raw (one slot as read from a disk of @disk_blocks) into @sb. */
enum stockade_super_error
stockade_super_decode(const struct stockade_disk_super *raw, u64 disk_blocks,
		      struct stockade_super *sb);

/* Fill @raw, checksum included, ready to be written to slot gen % 2. */
void stockade_super_encode(const struct stockade_super *sb,
			   struct stockade_disk_super *raw);

/*
 * Of the two slots, the one to trust: the valid slot with the higher
 * generation.  Returns its index (0 or 1), or -1 with *err set to the
 * error of slot A when neither is valid.
 */
int stockade_super_pick(const struct stockade_disk_super raw[2],
			u64 disk_blocks, struct stockade_super *sb,
			enum stockade_super_error *err);

/* Refuse a device of another cluster, or another device's replica. */
enum stockade_super_error
stockade_super_match(const struct stockade_super *sb,
		     const u8 cluster_uuid[16], const u8 device_uuid[16]);

const char *stockade_super_error_name(enum stockade_super_error err);

#endif /* _STOCKADE_CORE_SUPERBLOCK_H */
