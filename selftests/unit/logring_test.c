// SPDX-License-Identifier: GPL-2.0
/*
 * The circular log (core/logring.c) on an in-memory disk: placement and
 * space accounting, and the recovery scan after clean runs, torn headers,
 * torn payloads, wrap-around jumps, stale passes, read errors and random
 * damage.  The scan must return exactly a prefix of what was written.
 */
#include <errno.h>
#include <stdlib.h>

#include "kselftest_harness.h"
#include "logring.h"
#include "logentry.h"

#define BLOCK		STOCKADE_BLOCK_SIZE
#define LOG_START	2
#define LOG_BLOCKS	64
#define DISK_BLOCKS	(LOG_START + LOG_BLOCKS)
#define DATA_SECTORS	(1 << 20)
#define LOG_ID		0x5eed5eed12345678ULL

struct disk {
	u8 blocks[DISK_BLOCKS][BLOCK];
	u64 fail_block;		/* reads of this block fail; 0 = none */
	/* what the writer wrote, to compare the scan against */
	u64 written_lsn[256];
	u64 written_last_index[256];
	int n_written;
	/* what the scan reported */
	u64 scanned_lsn[256];
	u8 scanned_first_byte[256];
	int n_scanned;
	u64 head, prev_end, next_index;
	u32 epoch, max_epoch;
	struct stockade_log_geom geom;
	u8 buf[STOCKADE_BATCH_MAX_BLOCKS][BLOCK];
};

static int disk_read(void *ctx, u64 block, u32 n, void *buf)
{
	struct disk *d = ctx;

	if (block + n > DISK_BLOCKS)
		return -EIO;
	if (d->fail_block && d->fail_block >= block && d->fail_block < block + n)
		return -EIO;
	memcpy(buf, d->blocks[block], (size_t)n * BLOCK);
	return 0;
}

static void on_batch(void *ctx, u64 lsn, const struct stockade_log_batch *b,
		     const u8 *payloads)
{
	struct disk *d = ctx;

	d->scanned_lsn[d->n_scanned] = lsn;
	d->scanned_first_byte[d->n_scanned] = le32_to_cpu(b->blocks) > 1 ?
					      payloads[0] : 0;
	d->n_scanned++;
}

static void disk_init(struct disk *d)
{
	memset(d, 0, sizeof(*d));
	d->geom.start = LOG_START;
	d->geom.blocks = LOG_BLOCKS;
	d->next_index = 1;
}

/* Append a batch of @n_writes 4 KiB writes (0: one flush); false if full. */
static bool disk_append(struct disk *d, u32 n_writes, u64 term)
{
	struct stockade_log_batch *b = (void *)d->buf[0];
	u32 n_blocks = 1 + n_writes, i;
	u64 lsn;

	if (!stockade_log_fits(&d->geom, d->head, d->prev_end, n_blocks))
		return false;
	lsn = stockade_log_place(&d->geom, d->prev_end, n_blocks);
	memset(d->buf, 0, (size_t)n_blocks * BLOCK);
	b->lsn = cpu_to_le64(lsn);
	b->prev_end = cpu_to_le64(d->prev_end);
	b->log_id = cpu_to_le64(LOG_ID);
	b->epoch = cpu_to_le32(d->epoch);
	b->n_entries = cpu_to_le32(n_writes ? n_writes : 1);
	b->blocks = cpu_to_le32(n_blocks);
	for (i = 0; i < (n_writes ? n_writes : 1); i++) {
		struct stockade_log_entry *e = &b->entries[i];

		e->term = cpu_to_le64(term);
		e->index = cpu_to_le64(d->next_index++);
		if (!n_writes) {
			e->flags = cpu_to_le32(STOCKADE_ENTRY_FLUSH);
			stockade_entry_seal(e, NULL);
			break;
		}
		e->sector = cpu_to_le64(8 * (lsn + i));
		e->len = cpu_to_le32(BLOCK);
		memset(d->buf[1 + i], (int)(lsn & 0xff), BLOCK);
		stockade_entry_seal(e, d->buf[1 + i]);
	}
	stockade_batch_seal(b);
	for (i = 0; i < n_blocks; i++)
		memcpy(d->blocks[stockade_log_block(&d->geom, lsn + i)],
		       d->buf[i], BLOCK);
	d->written_lsn[d->n_written] = lsn;
	d->written_last_index[d->n_written] = d->next_index - 1;
	d->n_written++;
	d->prev_end = lsn + n_blocks;
	return true;
}

static int disk_scan(struct disk *d, struct stockade_log_scan *s, u64 from)
{
	memset(s, 0, sizeof(*s));
	s->geom = d->geom;
	s->start_lsn = from;
	s->data_sectors = DATA_SECTORS;
	s->log_id = LOG_ID;
	s->max_epoch = d->max_epoch;
	s->read = disk_read;
	s->batch = on_batch;
	s->ctx = d;
	s->buf = d->buf;
	d->n_scanned = 0;
	return stockade_log_scan(s);
}

static struct disk *new_disk(void)
{
	struct disk *d = malloc(sizeof(*d));

	if (d)
		disk_init(d);
	return d;
}

FIXTURE(log)
{
	struct disk *d;
	struct stockade_log_scan s;
};

FIXTURE_SETUP(log)
{
	self->d = new_disk();
	ASSERT_NE(NULL, self->d);
}

FIXTURE_TEARDOWN(log)
{
	free(self->d);
}

/* Append @n batches of @writes writes each in @term. */
static void append_n(struct __test_metadata *_metadata, struct disk *d,
		     int n, u32 writes, u64 term)
{
	for (int i = 0; i < n; i++)
		ASSERT_TRUE(disk_append(d, writes, term));
}

TEST(placement_and_space)
{
	struct stockade_log_geom g = { .start = 2, .blocks = 64 };

	EXPECT_EQ(10u, stockade_log_place(&g, 10, 5));
	EXPECT_EQ(60u, stockade_log_place(&g, 60, 4));
	EXPECT_EQ(64u, stockade_log_place(&g, 61, 4));	/* jumps */
	EXPECT_EQ(128u, stockade_log_place(&g, 127, 2));
	EXPECT_EQ(2u + 3, stockade_log_block(&g, 67));
	EXPECT_TRUE(stockade_log_fits(&g, 0, 60, 4));
	EXPECT_FALSE(stockade_log_fits(&g, 0, 61, 4));	/* would reach head */
	EXPECT_TRUE(stockade_log_fits(&g, 10, 61, 4));
	EXPECT_FALSE(stockade_log_fits(&g, 0, 0, 65));
	EXPECT_FALSE(stockade_log_fits(&g, 0, 0, 0));
}

/*
 * Group commit writes a group's blocks with one I/O from the first
 * batch's block on.  A group whose batch ends exactly at the end of the
 * region must stop there: the next batch belongs at the region's start.
 */
TEST(group_stops_at_the_end_of_the_region)
{
	struct stockade_log_geom g = { .start = 2, .blocks = 64 };

	EXPECT_TRUE(stockade_log_joins_group(&g, 58, 60, 2));
	EXPECT_TRUE(stockade_log_joins_group(&g, 58, 62, 2));	/* ends at 64 */
	EXPECT_FALSE(stockade_log_joins_group(&g, 58, 64, 2));	/* next pass */
	EXPECT_FALSE(stockade_log_joins_group(&g, 60, 63, 2));	/* jumps */
	EXPECT_TRUE(stockade_log_joins_group(&g, 64, 66, 3));
	EXPECT_TRUE(stockade_log_joins_group(&g, 127, 127, 1));
	EXPECT_FALSE(stockade_log_joins_group(&g, 120, 128, 1));
}

/* Every group, written as one run of blocks, puts each batch at its lsn. */
TEST(groups_land_where_their_batches_belong)
{
	struct stockade_log_geom g = { .start = 2, .blocks = 64 };
	u64 end = 1, group = 0, block = 0;
	u32 i, n;

	for (i = 0; i < 1000; i++) {
		n = 1 + i % 3;	/* 1, 2 and 3 blocks: every parity */
		if (i % 7 && stockade_log_joins_group(&g, group, end, n)) {
			/* the group's write runs on from its first block */
			ASSERT_EQ(stockade_log_block(&g, end),
				  block + (end - group));
		} else {
			end = stockade_log_place(&g, end, n);
			group = end;
			block = stockade_log_block(&g, end);
		}
		ASSERT_LE(stockade_log_block(&g, end) + n, g.start + g.blocks);
		end += n;
	}
}

TEST_F(log, empty_log)
{
	struct disk *d = self->d;

	EXPECT_EQ(0, disk_scan(d, &self->s, 0));
	EXPECT_EQ(0u, self->s.batches);
	EXPECT_EQ(0u, self->s.end_lsn);
	EXPECT_EQ(STOCKADE_BATCH_NO_MAGIC, self->s.stop);
}

TEST_F(log, clean_log_scans_whole)
{
	struct disk *d = self->d;
	int i;

	for (i = 0; i < 10; i++)
		ASSERT_TRUE(disk_append(d, i % 3, 7));
	EXPECT_EQ(0, disk_scan(d, &self->s, 0));
	EXPECT_EQ(10u, self->s.batches);
	EXPECT_EQ(d->prev_end, self->s.end_lsn);
	EXPECT_EQ(d->next_index - 1, self->s.last_index);
	EXPECT_EQ(7u, self->s.last_term);
	for (i = 0; i < 10; i++)
		EXPECT_EQ(d->written_lsn[i], d->scanned_lsn[i]);
}

TEST_F(log, torn_header_ends_the_log)
{
	struct disk *d = self->d;
	append_n(_metadata, d, 8, 2, 1);
	/* batch 5's header block half written */
	memset(d->blocks[stockade_log_block(&d->geom, d->written_lsn[5])] +
	       BLOCK / 2, 0xa5, BLOCK / 2);
	EXPECT_EQ(0, disk_scan(d, &self->s, 0));
	EXPECT_EQ(5u, self->s.batches);
	EXPECT_EQ(d->written_last_index[4], self->s.last_index);
	EXPECT_EQ(STOCKADE_BATCH_BAD_CHECKSUM, self->s.stop);
}

TEST_F(log, torn_payload_ends_the_log)
{
	struct disk *d = self->d;
	append_n(_metadata, d, 8, 2, 1);
	d->blocks[stockade_log_block(&d->geom, d->written_lsn[3] + 2)][100] ^= 1;
	EXPECT_EQ(0, disk_scan(d, &self->s, 0));
	EXPECT_EQ(3u, self->s.batches);
	EXPECT_EQ(STOCKADE_BATCH_PAYLOAD_CORRUPT, self->s.stop);
}

TEST_F(log, wraps_around_and_ignores_stale_pass)
{
	struct disk *d = self->d;
	int i, first;

	/* fill, then keep appending while the head follows (checkpoints) */
	for (i = 0; i < 60; i++) {
		while (!disk_append(d, 1 + i % 4, 1 + i / 20)) {
			u64 old = d->head;

			/* checkpoint past the oldest batch still needed */
			for (int k = 0; k < d->n_written; k++)
				if (d->written_lsn[k] > old) {
					d->head = d->written_lsn[k];
					break;
				}
			ASSERT_LT(old, d->head);
		}
	}
	ASSERT_LT((u64)LOG_BLOCKS * 2, d->prev_end);
	for (first = 0; d->written_lsn[first] < d->head; first++)
		;
	EXPECT_EQ(0, disk_scan(d, &self->s, d->head));
	EXPECT_EQ((u64)(d->n_written - first), self->s.batches);
	EXPECT_EQ(d->prev_end, self->s.end_lsn);
	EXPECT_EQ(d->next_index - 1, self->s.last_index);
	for (i = first; i < d->n_written; i++)
		EXPECT_EQ(d->written_lsn[i], d->scanned_lsn[i - first]);
}

TEST_F(log, torn_batch_before_a_jump_is_not_skipped)
{
	struct disk *d = self->d;

	/* 60 blocks used; the next batch of 4 goes to the next pass */
	while (d->prev_end < 60)
		ASSERT_TRUE(disk_append(d, 4, 1));
	d->head = d->prev_end - 5;
	ASSERT_TRUE(disk_append(d, 1, 1));	/* 2 blocks, fits at 60 */
	ASSERT_TRUE(disk_append(d, 4, 1));	/* jumps to 64 */
	EXPECT_EQ(64u, d->written_lsn[d->n_written - 1]);
	/* the 2-block batch at 60 is torn: the one at 64 must not count */
	memset(d->blocks[stockade_log_block(&d->geom, 60)], 0, BLOCK);
	EXPECT_EQ(0, disk_scan(d, &self->s, d->head));
	EXPECT_EQ(60u, self->s.end_lsn);
}

/*
 * A follower truncates a divergent suffix and writes the leader's entry
 * in its place, of the same size: the old entry after it still chains on
 * by position and index, and only the epoch tells it is stale.
 */
TEST_F(log, truncated_suffix_is_not_replayed)
{
	struct disk *d = self->d;

	append_n(_metadata, d, 3, 1, 2);	/* indexes 1..3, term 2 */
	d->prev_end = d->written_lsn[0] + 2;	/* truncate from index 2 */
	d->next_index = 2;
	d->epoch = d->max_epoch = 1;		/* persisted first */
	ASSERT_TRUE(disk_append(d, 1, 3));	/* index 2, term 3 */
	EXPECT_EQ(0, disk_scan(d, &self->s, 0));
	EXPECT_EQ(2u, self->s.batches);
	EXPECT_EQ(2u, self->s.last_index);
	EXPECT_EQ(3u, self->s.last_term);
	EXPECT_EQ(STOCKADE_BATCH_STALE, self->s.stop);
}

/*
 * A group write (batches at indexes 2 and 3, of term @t2, in one FUA
 * write after index 1, of term @t1) is cut off: the device wrote the
 * second batch but not the first, as it may, in any order.  Recovery
 * ends before index 2, and the writer goes on from there, at index 2.
 * Returns where recovery ended.
 */
static u64 cut_off_group(struct __test_metadata *_metadata, struct disk *d,
			 struct stockade_log_scan *s, u64 t1, u64 t2)
{
	append_n(_metadata, d, 1, 1, t1);
	append_n(_metadata, d, 2, 1, t2);
	memset(d->blocks[stockade_log_block(&d->geom, d->written_lsn[1])], 0,
	       BLOCK);
	EXPECT_EQ(0, disk_scan(d, s, 0));
	EXPECT_EQ(1u, s->batches);
	EXPECT_EQ(STOCKADE_BATCH_NO_MAGIC, s->stop);
	d->prev_end = s->end_lsn;
	d->next_index = 2;
	return s->end_lsn;
}

/*
 * Index 2 is written again after the cut, by a newer leader, of the same
 * size: the old batch at index 3 follows on by position, index and
 * epoch.  Its term is older than the entry before it, so it is no entry
 * of this log.
 */
TEST_F(log, torn_group_batch_with_an_older_term_is_not_replayed)
{
	struct disk *d = self->d;

	cut_off_group(_metadata, d, &self->s, 1, 1);
	ASSERT_TRUE(disk_append(d, 1, 2));	/* index 2, term 2 */
	EXPECT_EQ(0, disk_scan(d, &self->s, 0));
	EXPECT_EQ(2u, self->s.batches);
	EXPECT_EQ(2u, self->s.last_index);
	EXPECT_EQ(2u, self->s.last_term);
	EXPECT_EQ(STOCKADE_BATCH_BAD_SEQUENCE, self->s.stop);
}

/*
 * The same, but index 2 comes back with a term no newer than the stale
 * batch's (a leader sends an older term's entries too): only the epoch
 * tells them apart, which is why attach raises the log epoch before the
 * log takes anything new (kmod/wal.c).
 */
TEST_F(log, torn_group_batch_is_not_replayed_after_the_epoch_is_raised)
{
	struct disk *d = self->d;
	u64 end = cut_off_group(_metadata, d, &self->s, 1, 3);

	/* in the same epoch, the stale batch would follow on */
	ASSERT_TRUE(disk_append(d, 1, 2));	/* index 2, term 2 */
	EXPECT_EQ(0, disk_scan(d, &self->s, 0));
	EXPECT_EQ(3u, self->s.batches);
	/* so attach raises it first */
	d->prev_end = end;
	d->next_index = 2;
	d->epoch = d->max_epoch = 1;
	ASSERT_TRUE(disk_append(d, 1, 2));	/* index 2, term 2 */
	EXPECT_EQ(0, disk_scan(d, &self->s, 0));
	EXPECT_EQ(2u, self->s.batches);
	EXPECT_EQ(2u, self->s.last_index);
	EXPECT_EQ(2u, self->s.last_term);
	EXPECT_EQ(STOCKADE_BATCH_STALE, self->s.stop);
}

TEST_F(log, batch_from_an_unpersisted_epoch_is_refused)
{
	struct disk *d = self->d;

	append_n(_metadata, d, 2, 1, 1);
	d->epoch = 1;		/* the superblock still says 0 */
	append_n(_metadata, d, 1, 1, 1);
	EXPECT_EQ(0, disk_scan(d, &self->s, 0));
	EXPECT_EQ(2u, self->s.batches);
}

TEST_F(log, read_error_is_reported)
{
	struct disk *d = self->d;
	append_n(_metadata, d, 4, 1, 1);
	d->fail_block = stockade_log_block(&d->geom, d->written_lsn[2] + 1);
	EXPECT_EQ(-EIO, disk_scan(d, &self->s, 0));
	EXPECT_EQ(2u, self->s.batches);
}

TEST_F(log, random_damage_yields_a_prefix)
{
	struct disk *d = self->d;
	unsigned int seed = 42;
	int round, i;

	for (round = 0; round < 300; round++) {
		disk_init(d);
		for (i = 0; i < 12; i++)
			ASSERT_TRUE(disk_append(d, rand_r(&seed) % 4, 3));
		for (i = 0; i < 1 + rand_r(&seed) % 3; i++)
			d->blocks[LOG_START + rand_r(&seed) % LOG_BLOCKS]
				 [rand_r(&seed) % BLOCK] ^= 1 + rand_r(&seed) % 255;
		EXPECT_EQ(0, disk_scan(d, &self->s, 0));
		ASSERT_LE(self->s.batches, 12u);
		for (i = 0; i < (int)self->s.batches; i++) {
			EXPECT_EQ(d->written_lsn[i], d->scanned_lsn[i]);
			if (d->scanned_first_byte[i])
				EXPECT_EQ(d->written_lsn[i] & 0xff,
					  d->scanned_first_byte[i]);
		}
		if (self->s.batches)
			EXPECT_EQ(d->written_last_index[self->s.batches - 1],
				  self->s.last_index);
	}
}

static enum stockade_batch_error check(const void *b, u64 lsn, u64 log_id,
				      u64 first_index, u64 data_sectors)
{
	struct stockade_batch_want w = {
		.lsn = lsn, .prev_end = 0, .log_id = log_id,
		.first_index = first_index, .data_sectors = data_sectors,
	};

	return stockade_batch_check(b, &w);
}

TEST_F(log, batch_checks)
{
	struct disk *d = self->d;
	struct stockade_log_batch *b;

	ASSERT_TRUE(disk_append(d, 2, 5));
	b = (void *)d->blocks[LOG_START];
	EXPECT_EQ(STOCKADE_BATCH_OK, check(b, 0, LOG_ID, 1, DATA_SECTORS));
	EXPECT_EQ(STOCKADE_BATCH_STALE, check(b, 64, LOG_ID, 1, DATA_SECTORS));
	/* the same batch written before the device was formatted again */
	EXPECT_EQ(STOCKADE_BATCH_STALE, check(b, 0, LOG_ID + 1, 1,
					      DATA_SECTORS));
	EXPECT_EQ(STOCKADE_BATCH_BAD_SEQUENCE,
		  check(b, 0, LOG_ID, 2, DATA_SECTORS));
	EXPECT_EQ(STOCKADE_BATCH_BAD_ENTRY, check(b, 0, LOG_ID, 1, 8));
	b->n_entries = cpu_to_le32(STOCKADE_BATCH_MAX_ENTRIES + 1);
	stockade_batch_seal(b);
	EXPECT_EQ(STOCKADE_BATCH_BAD_SHAPE,
		  check(b, 0, LOG_ID, 1, DATA_SECTORS));
	b->n_entries = cpu_to_le32(2);
	b->blocks = cpu_to_le32(2);
	stockade_batch_seal(b);
	EXPECT_EQ(STOCKADE_BATCH_BAD_SHAPE,
		  check(b, 0, LOG_ID, 1, DATA_SECTORS));
}

TEST_HARNESS_MAIN
