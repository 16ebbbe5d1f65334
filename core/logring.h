/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The circular log region: where a batch goes, whether it fits, how a
 * batch header block is sealed and checked, and the recovery scan that
 * finds the valid log after a crash (docs/on-disk-format.md).  Positions
 * are LSNs: block counts since the device was created, never reused.
 */
#ifndef _STOCKADE_CORE_LOGRING_H
#define _STOCKADE_CORE_LOGRING_H

#include "compat.h"
#include <stockade/disk_format.h>

struct stockade_log_geom {
	u64 start;		/* first block of the log region */
	u64 blocks;		/* its length */
};

static inline u64 stockade_log_block(const struct stockade_log_geom *g,
				     u64 lsn)
{
	return g->start + lsn % g->blocks;
}

/*
 * Where a batch of @n blocks written after @prev_end starts: at prev_end,
 * or at the start of the next pass if it would cross the end of the region.
 */
u64 stockade_log_place(const struct stockade_log_geom *g, u64 prev_end,
		       u32 n);

/* A batch of @n blocks after @prev_end leaves @head (oldest needed) intact. */
bool stockade_log_fits(const struct stockade_log_geom *g, u64 head,
		       u64 prev_end, u32 n);

/*
 * Whether a batch of @n blocks after @prev_end may join the group that
 * starts at @group_lsn, so that both go down in one write: it must follow
 * on in the same pass.  Past the end of the region the next pass starts
 * at its first block, which a write running on from the last block would
 * not reach: it would land on whatever lies after the log.
 */
bool stockade_log_joins_group(const struct stockade_log_geom *g,
			      u64 group_lsn, u64 prev_end, u32 n);

/* Fill in magic and crc of a header block whose other fields are set. */
void stockade_batch_seal(void *block);

enum stockade_batch_error {
	STOCKADE_BATCH_OK,
	STOCKADE_BATCH_NO_MAGIC,
	STOCKADE_BATCH_BAD_CHECKSUM,
	STOCKADE_BATCH_STALE,		/* lsn or prev_end from another pass */
	STOCKADE_BATCH_BAD_SHAPE,	/* counts or sizes out of range */
	STOCKADE_BATCH_BAD_ENTRY,
	STOCKADE_BATCH_BAD_SEQUENCE,
	STOCKADE_BATCH_PAYLOAD_CORRUPT,
};

/* Where a header block was read and what it must continue. */
struct stockade_batch_want {
	u64 lsn;
	u64 prev_end;
	u64 log_id;
	u32 min_epoch;		/* the previous batch's epoch */
	u32 max_epoch;		/* the superblock's log_epoch */
	u64 first_index;	/* 0: any */
	u64 min_term;		/* the previous batch's last term; 0: any */
	u64 data_sectors;	/* entries must fit the data region */
};

enum stockade_batch_error
stockade_batch_check(const void *block, const struct stockade_batch_want *w);

/* Reads @n blocks from block number @block into @buf; 0 or -errno. */
typedef int (*stockade_log_read_fn)(void *ctx, u64 block, u32 n, void *buf);
/* Called for each valid batch in log order: header block, then payloads. */
typedef void (*stockade_log_batch_fn)(void *ctx, u64 lsn,
				      const struct stockade_log_batch *b,
				      const u8 *payloads);

struct stockade_log_scan {
	/* in */
	struct stockade_log_geom geom;
	u64 start_lsn;		/* checkpoint_lsn */
	u64 first_index;	/* index the first batch starts at; 0: any */
	u64 log_id;		/* the superblock's */
	u32 max_epoch;		/* the superblock's log_epoch */
	u64 data_sectors;
	stockade_log_read_fn read;
	stockade_log_batch_fn batch;
	void *ctx;
	void *buf;		/* STOCKADE_BATCH_MAX_BLOCKS blocks */
	/* out */
	u64 end_lsn;		/* where the next batch goes after prev_end */
	u64 last_index, last_term;
	u32 last_epoch;
	u64 batches;
	enum stockade_batch_error stop;	/* why the scan ended */
	int io_error;		/* nonzero: a read failed, scan incomplete */
};

/* Walk the log from start_lsn to its end; returns 0 or the read error. */
int stockade_log_scan(struct stockade_log_scan *s);

const char *stockade_batch_error_name(enum stockade_batch_error err);

#endif /* _STOCKADE_CORE_LOGRING_H */
