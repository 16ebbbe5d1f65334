/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The on-disk format of a stockade backing device (docs/on-disk-format.md).
 * All integers are little-endian; every structure carries a CRC-32C.
 * Included by the module, the agent, the tests and the simulator: fixed
 * width __leNN types only, no pointers, no implicit padding.
 *
 *   block 0, 1       superblock slots A and B (written alternately)
 *   log_start ...    circular write-ahead log, log_blocks long
 *   data_start ...   data region, data_blocks long (what /dev/stockadeN shows)
 */
#ifndef _STOCKADE_DISK_FORMAT_H
#define _STOCKADE_DISK_FORMAT_H

#include <linux/types.h>

#define STOCKADE_BLOCK_SIZE		4096
#define STOCKADE_SUPER_MAGIC		0x45444b434f545353ULL	/* "SSTOCKDE" */
#define STOCKADE_LOG_MAGIC		0x474f4c53U		/* "SLOG" */
#define STOCKADE_SUPER_SLOTS		2

/* Superblock flags */
#define STOCKADE_SUPER_CLEAN		0x1U	/* detached cleanly */
/*
 * The data region is being (or must be) copied from the leader by a full
 * resync; until it has caught up, the node votes, leads and serves
 * nothing.  Set, the superblock is the longer one: size covers the resync
 * record.
 */
#define STOCKADE_SUPER_NEEDS_RESYNC	0x2U
#define STOCKADE_SUPER_FLAGS_KNOWN	0x3U

/*
 * Where a full resync of this replica stands.  Written with the
 * superblock, and only while STOCKADE_SUPER_NEEDS_RESYNC is set.
 */
struct stockade_disk_resync {
	__le64 session;			/* the leader's id of the copy; 0: none
					 * yet (a disk formatted to join)
					 */
	__le64 snap_index;		/* the leader's applied index at start */
	__le64 snap_term;		/* and its term */
	__le64 next_block;		/* data blocks below this are copied,
					 * durably
					 */
	__le64 catch_up_index;		/* 0: copying; else the copy is done
					 * and the log must reach this index
					 */
};

/*
 * A superblock is written to the slot its generation selects (gen % 2) with
 * FUA; the valid slot with the highest generation is current, so a torn
 * write of one slot leaves the other intact.
 */
struct stockade_disk_super {
	__le64 magic;
	__le32 version;			/* STOCKADE_DISK_VERSION */
	__le32 size;			/* bytes covered by crc */
	__le64 generation;
	__u8 cluster_uuid[16];
	__u8 device_uuid[16];
	__le32 node_id;
	__le32 flags;
	__le64 log_start;		/* in blocks */
	__le64 log_blocks;
	__le64 data_start;
	__le64 data_blocks;
	/* Raft state: written durably before anything depending on it. */
	__le64 current_term;
	__le32 voted_for;		/* node id, 0 = none in current_term */
	/*
	 * Raised, durably, before a divergent suffix of the log is
	 * overwritten; batches carry it and it never falls along the log, so
	 * a batch left from before the truncation is never replayed.
	 */
	__le32 log_epoch;
	/* Everything up to here has been applied to the data region. */
	__le64 checkpoint_index;
	__le64 checkpoint_term;
	__le64 checkpoint_lsn;		/* log position after that entry */
	/*
	 * Random, chosen when the device is formatted: batches carry it, so
	 * a batch left on the disk by an earlier format is never replayed.
	 */
	__le64 log_id;
	__le32 reserved1;
	__le32 crc;			/* CRC-32C of size bytes, crc = 0 */
	/*
	 * Covered by size (and the crc) only while NEEDS_RESYNC is set;
	 * otherwise size ends before it and it is all zeroes.
	 */
	struct stockade_disk_resync resync;
};

/* Bytes the crc covers: without and with the resync record. */
#define STOCKADE_SUPER_SIZE_PLAIN					\
	((__u32)sizeof(struct stockade_disk_super) -			\
	 (__u32)sizeof(struct stockade_disk_resync))
#define STOCKADE_SUPER_SIZE_RESYNC	((__u32)sizeof(struct stockade_disk_super))

/* Entry flags: the bio operation an entry replays. */
#define STOCKADE_ENTRY_WRITE		0x0
#define STOCKADE_ENTRY_FUA		0x1U
#define STOCKADE_ENTRY_FLUSH		0x2U
#define STOCKADE_ENTRY_DISCARD		0x4U
#define STOCKADE_ENTRY_WRITE_ZEROES	0x8U
#define STOCKADE_ENTRY_FLAGS_KNOWN	0xfU

/*
 * One log entry's header.  Its payload (len bytes, for plain writes only)
 * follows in whole blocks.  crc covers this header (crc = 0) and the
 * payload, so an entry is checked before it is replayed or sent.
 */
struct stockade_log_entry {
	__le64 term;
	__le64 index;
	__le64 sector;			/* target, in 512-byte sectors */
	__le32 len;			/* bytes; a multiple of 512 */
	__le32 flags;
	__le32 crc;
	__le32 reserved;
};

/*
 * A batch: one header block, then the payload blocks of its entries in
 * order; group commit writes a whole batch with one I/O.  lsn is the
 * batch's position in the log counted from the device's creation (it only
 * grows), so on a wrapped log a fresh block is told from a stale one.
 * prev_end is where the batch before it ended: a batch that would not fit
 * before the end of the log region starts at the next pass instead, and
 * prev_end is how recovery tells that jump from a torn tail.
 */
struct stockade_log_batch {
	__le32 magic;			/* STOCKADE_LOG_MAGIC */
	__le32 crc;			/* header block, crc = 0 */
	__le64 lsn;			/* in blocks */
	__le64 prev_end;		/* in blocks */
	__le64 log_id;			/* the superblock's log_id */
	__le32 epoch;			/* the superblock's log_epoch */
	__le32 reserved;		/* 0 */
	__le32 n_entries;
	__le32 blocks;			/* header block + payload blocks */
	struct stockade_log_entry entries[];
};

/* Largest batch: one header block and 1 MiB of payload. */
#define STOCKADE_BATCH_MAX_BLOCKS	257

#define STOCKADE_BATCH_MAX_ENTRIES					\
	((STOCKADE_BLOCK_SIZE - sizeof(struct stockade_log_batch)) /	\
	 sizeof(struct stockade_log_entry))

#endif /* _STOCKADE_DISK_FORMAT_H */
