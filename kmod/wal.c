// SPDX-License-Identifier: GPL-2.0
/*
 * The write-ahead log: every write becomes a log entry written with FUA
 * before it is applied to the data region and completed, so an
 * acknowledged write survives a power cut; recovery replays the log from
 * the checkpoint.  One writer (an ordered work item) appends batches.
 *
 * This node is the only voter for now, so an entry is committed once it
 * is durable here; replication to peers (docs/design.md) raises that bar
 * to a majority without changing the on-disk log.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/highmem.h>
#include <linux/vmalloc.h>

#include "stockade.h"
#include "../core/crc32c.h"
#include "../core/logentry.h"

#define BLOCK		STOCKADE_BLOCK_SIZE
#define BLOCK_SECTORS	(BLOCK >> SECTOR_SHIFT)

struct wal_batch {
	struct page *pages[STOCKADE_BATCH_MAX_BLOCKS];	/* header, payload */
	u32 n;
};

static void batch_free(struct wal_batch *b)
{
	while (b->n)
		__free_page(b->pages[--b->n]);
}

static int batch_alloc(struct wal_batch *b, u32 n)
{
	b->n = 0;
	while (b->n < n) {
		b->pages[b->n] = alloc_page(GFP_NOIO | __GFP_ZERO);
		if (!b->pages[b->n]) {
			batch_free(b);
			return -ENOMEM;
		}
		b->n++;
	}
	return 0;
}

/* Copy the bio's data into the payload pages (pages[1..]). */
static void copy_bio(struct bio *bio, struct wal_batch *b)
{
	struct bvec_iter iter;
	struct bio_vec bv;
	size_t off = 0;

	bio_for_each_segment(bv, bio, iter) {
		u8 *src = bvec_kmap_local(&bv);
		u32 done = 0;

		while (done < bv.bv_len) {
			u32 in_page = off % BLOCK;
			u32 len = min_t(u32, bv.bv_len - done, BLOCK - in_page);

			memcpy_to_page(b->pages[1 + off / BLOCK], in_page,
				       src + done, len);
			done += len;
			off += len;
		}
		kunmap_local(src);
	}
}

static u32 payload_crc(struct stockade_log_entry *e, struct wal_batch *b)
{
	u32 crc = stockade_entry_crc_header(e);
	u32 i;

	for (i = 1; i < b->n; i++) {
		void *p = kmap_local_page(b->pages[i]);

		crc = stockade_crc32c(crc, p, BLOCK);
		kunmap_local(p);
	}
	return crc;
}

/* Fill the header block for one write entry at @lsn. */
static void build_header(struct stockade_dev *dev, struct bio *bio,
			 struct wal_batch *b, u64 lsn)
{
	struct stockade_log_batch *hdr = page_address(b->pages[0]);
	struct stockade_log_entry *e = &hdr->entries[0];

	hdr->lsn = cpu_to_le64(lsn);
	hdr->prev_end = cpu_to_le64(dev->log_end);
	hdr->log_id = cpu_to_le64(dev->sb.log_id);
	hdr->epoch = cpu_to_le32(dev->sb.log_epoch);
	hdr->n_entries = cpu_to_le32(1);
	hdr->blocks = cpu_to_le32(b->n);
	e->term = cpu_to_le64(dev->sb.current_term);
	e->index = cpu_to_le64(dev->last_index + 1);
	e->sector = cpu_to_le64(bio->bi_iter.bi_sector);
	e->len = cpu_to_le32(bio->bi_iter.bi_size);
	e->flags = cpu_to_le32(bio->bi_opf & REQ_FUA ? STOCKADE_ENTRY_FUA : 0);
	e->crc = cpu_to_le32(payload_crc(e, b));
	stockade_batch_seal(hdr);
}

/*
 * Everything applied so far is made durable and the log emptied: the
 * superblock's PREFLUSH covers the data writes before it.
 */
int stockade_wal_checkpoint(struct stockade_dev *dev)
{
	struct stockade_super sb = dev->sb;

	lockdep_assert_held(&dev->lock);
	sb.generation++;
	sb.checkpoint_index = dev->applied_index;
	sb.checkpoint_term = dev->applied_index ? dev->last_term : 0;
	sb.checkpoint_lsn = dev->log_end;
	return stockade_super_store(dev, &sb);
}

static int make_room(struct stockade_dev *dev, u32 n)
{
	if (stockade_log_fits(&dev->geom, dev->sb.checkpoint_lsn,
			      dev->log_end, n))
		return 0;
	return stockade_wal_checkpoint(dev);
}

static int apply(struct stockade_dev *dev, u64 sector, struct page **pages,
		 u32 n)
{
	return stockade_backing_rw_pages(dev, REQ_OP_WRITE,
					 dev->sb.data_start +
					 sector / BLOCK_SECTORS, pages, n);
}

static blk_status_t log_write(struct stockade_dev *dev, struct bio *bio)
{
	u32 n = bio_sectors(bio) / BLOCK_SECTORS;
	struct wal_batch *b;
	u64 lsn;
	int err;

	if ((bio->bi_iter.bi_sector | bio_sectors(bio)) % BLOCK_SECTORS ||
	    n + 1 > STOCKADE_BATCH_MAX_BLOCKS)
		return BLK_STS_IOERR;
	b = kmalloc(sizeof(*b), GFP_NOIO);
	if (!b || batch_alloc(b, n + 1)) {
		kfree(b);
		return BLK_STS_RESOURCE;
	}
	err = make_room(dev, b->n);
	if (err)
		goto out;
	lsn = stockade_log_place(&dev->geom, dev->log_end, b->n);
	copy_bio(bio, b);
	build_header(dev, bio, b, lsn);
	err = stockade_backing_rw_pages(dev, REQ_OP_WRITE | REQ_FUA,
					stockade_log_block(&dev->geom, lsn),
					b->pages, b->n);
	if (err)
		goto out;
	dev->log_end = lsn + b->n;
	dev->last_index++;
	dev->last_term = dev->sb.current_term;
	dev->commit_index = dev->last_index;
	err = apply(dev, bio->bi_iter.bi_sector, b->pages + 1, n);
	if (!err)
		dev->applied_index = dev->last_index;
out:
	batch_free(b);
	kfree(b);
	if (err)
		atomic64_inc(&dev->io_errors);
	return errno_to_blk_status(err);
}

static blk_status_t wal_handle(struct stockade_dev *dev, struct bio *bio)
{
	lockdep_assert_held(&dev->lock);
	if (dev->role != STOCKADE_ROLE_LEADER) {
		atomic64_inc(&dev->fenced_ios);
		return BLK_STS_IOERR;
	}
	/*
	 * A flush has nothing to do: every completed write is already in
	 * the log, written with FUA.
	 */
	if (!bio_sectors(bio))
		return BLK_STS_OK;
	return log_write(dev, bio);
}

void stockade_wal_write_work(struct work_struct *work)
{
	struct stockade_dev *dev = container_of(work, struct stockade_dev,
						 write_work);
	struct bio_list list;
	struct bio *bio;

	for (;;) {
		spin_lock_irq(&dev->pending_lock);
		list = dev->pending;
		bio_list_init(&dev->pending);
		spin_unlock_irq(&dev->pending_lock);
		if (bio_list_empty(&list))
			return;
		mutex_lock(&dev->lock);
		while ((bio = bio_list_pop(&list))) {
			bio->bi_status = wal_handle(dev, bio);
			bio_endio(bio);
		}
		mutex_unlock(&dev->lock);
	}
}

/* --- recovery ------------------------------------------------------------ */

struct replay {
	struct stockade_dev *dev;
	int err;
};

static int replay_read(void *ctx, u64 block, u32 n, void *buf)
{
	struct replay *r = ctx;

	return stockade_backing_rw(r->dev, REQ_OP_READ, block, n, buf);
}

static int replay_entry(struct stockade_dev *dev,
			const struct stockade_log_entry *e, const u8 *payload)
{
	u64 sector = le64_to_cpu(e->sector);
	u32 len = stockade_entry_payload_len(e);

	if (!len)
		return 0;	/* flush: nothing to replay */
	/* Only whole blocks are ever logged; anything else is not ours. */
	if (sector % BLOCK_SECTORS || len % BLOCK)
		return -EUCLEAN;
	return stockade_backing_rw(dev, REQ_OP_WRITE,
				   dev->sb.data_start + sector / BLOCK_SECTORS,
				   len / BLOCK, (void *)payload);
}

static void replay_batch(void *ctx, u64 lsn,
			 const struct stockade_log_batch *b, const u8 *payload)
{
	struct replay *r = ctx;
	u32 i, n = le32_to_cpu(b->n_entries);

	for (i = 0; i < n && !r->err; i++) {
		const struct stockade_log_entry *e = &b->entries[i];

		if (le64_to_cpu(e->index) > r->dev->sb.checkpoint_index)
			r->err = replay_entry(r->dev, e, payload);
		payload += stockade_entry_payload_len(e);
	}
}

/* Replay the log from the checkpoint and checkpoint at its end. */
int stockade_wal_recover(struct stockade_dev *dev)
{
	struct replay r = { .dev = dev };
	struct stockade_log_scan s = {
		.geom = dev->geom,
		.start_lsn = dev->sb.checkpoint_lsn,
		.first_index = dev->sb.checkpoint_index + 1,
		.log_id = dev->sb.log_id,
		.max_epoch = dev->sb.log_epoch,
		.data_sectors = dev->sb.data_blocks * BLOCK_SECTORS,
		.read = replay_read,
		.batch = replay_batch,
		.ctx = &r,
	};
	int err;

	s.buf = vmalloc(STOCKADE_BATCH_MAX_BLOCKS * BLOCK);
	if (!s.buf)
		return -ENOMEM;
	err = stockade_log_scan(&s);
	vfree(s.buf);
	if (err || r.err)
		return err ? err : r.err;
	dev->log_end = s.end_lsn;
	dev->last_index = s.batches ? s.last_index : dev->sb.checkpoint_index;
	dev->last_term = s.batches ? s.last_term : dev->sb.checkpoint_term;
	dev->commit_index = dev->last_index;
	dev->applied_index = dev->last_index;
	pr_info("stockade%d: replayed %llu batches, log ends at index %llu (%s)\n",
		dev->index, s.batches, dev->last_index,
		stockade_batch_error_name(s.stop));
	mutex_lock(&dev->lock);
	err = stockade_wal_checkpoint(dev);
	mutex_unlock(&dev->lock);
	return err;
}
