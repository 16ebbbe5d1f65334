// SPDX-License-Identifier: GPL-2.0
/*
 * The write-ahead log.  Every entry is its own batch, written with FUA:
 * a leader appends the writes it receives, a follower the entries its
 * leader sends.  Entries are applied to the data region only once
 * committed (durable on a majority), in index order, read back from the
 * log; a write bio completes only once its entry is applied.  Recovery
 * rebuilds the index of the log and applies nothing: what is committed is
 * learned again from a leader (docs/design.md).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/highmem.h>
#include <linux/vmalloc.h>

#include "netlink.h"
#include "stockade.h"
#include "../core/crc32c.h"
#include "../core/logentry.h"

#define BLOCK		STOCKADE_BLOCK_SIZE
#define BLOCK_SECTORS	(BLOCK >> SECTOR_SHIFT)

void stockade_batch_free(struct stockade_batch *b)
{
	while (b->n)
		__free_page(b->pages[--b->n]);
	kfree(b);
}

/* A header block and @payload_blocks zeroed pages; NULL without memory. */
struct stockade_batch *stockade_batch_alloc(u32 payload_blocks)
{
	struct stockade_batch *b = kzalloc(sizeof(*b), GFP_NOIO);

	if (!b || payload_blocks >= STOCKADE_BATCH_MAX_BLOCKS)
		goto fail;
	while (b->n < payload_blocks + 1) {
		b->pages[b->n] = alloc_page(GFP_NOIO | __GFP_ZERO);
		if (!b->pages[b->n])
			goto fail;
		b->n++;
	}
	return b;
fail:
	if (b)
		stockade_batch_free(b);
	return NULL;
}

struct stockade_log_entry *stockade_batch_entry(struct stockade_batch *b)
{
	struct stockade_log_batch *hdr = page_address(b->pages[0]);

	return &hdr->entries[0];
}

void stockade_batch_copy_in(struct stockade_batch *b, const u8 *payload)
{
	u32 i;

	for (i = 1; i < b->n; i++)
		memcpy_to_page(b->pages[i], 0, payload + (size_t)(i - 1) * BLOCK,
			       BLOCK);
}

static void copy_bio(struct bio *bio, struct stockade_batch *b)
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

static u32 payload_crc(struct stockade_log_entry *e, struct stockade_batch *b)
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

u64 stockade_wal_term_at(const struct stockade_dev *dev, u64 index)
{
	const struct stockade_index_entry *e;

	if (index == 0)
		return 0;
	if (index == dev->sb.checkpoint_index)
		return dev->sb.checkpoint_term;
	e = stockade_index_get(&dev->idx, index);
	return e ? e->term : 0;
}

/* Where the log ends if everything after @index is cut off. */
static u64 end_after(const struct stockade_dev *dev, u64 index)
{
	const struct stockade_index_entry *e;

	e = stockade_index_get(&dev->idx, index + 1);
	return e ? e->prev_end : dev->log_end;
}

/*
 * Everything applied so far is made durable (the superblock write's
 * PREFLUSH covers the data writes before it) and leaves the log, except
 * what a full resync still needs: the entries after its snapshot.
 */
int stockade_wal_checkpoint(struct stockade_dev *dev)
{
	struct stockade_super sb = dev->sb;
	u64 upto = min(dev->applied_index, stockade_resync_pin(dev));
	int err;

	lockdep_assert_held(&dev->lock);
	/* A checkpoint never goes back. */
	upto = max(upto, dev->sb.checkpoint_index);
	sb.generation++;
	sb.checkpoint_index = upto;
	sb.checkpoint_term = stockade_wal_term_at(dev, upto);
	sb.checkpoint_lsn = end_after(dev, upto);
	err = stockade_super_store(dev, &sb);
	if (!err)
		stockade_index_drop_before(&dev->idx, upto + 1);
	return err;
}

static bool fits(struct stockade_dev *dev, u32 n)
{
	return stockade_log_fits(&dev->geom, dev->sb.checkpoint_lsn,
				 dev->log_end, n);
}

static int make_room(struct stockade_dev *dev, u32 n)
{
	int err;

	if (fits(dev, n))
		return 0;
	err = stockade_wal_checkpoint(dev);
	if (err || fits(dev, n))
		return err;
	/* A resync pins the log: writes win, the copy starts over later. */
	if (!stockade_resync_unpin(dev))
		return -ENOSPC;	/* uncommitted entries fill the log */
	err = stockade_wal_checkpoint(dev);
	if (err || fits(dev, n))
		return err;
	return -ENOSPC;
}

/*
 * One FUA write carries at most this many log blocks, so that a group is
 * one bio; a single larger batch still goes alone.
 */
#define GROUP_MAX_BLOCKS	BIO_MAX_VECS

static u64 batch_index(struct stockade_batch *b)
{
	return le64_to_cpu(stockade_batch_entry(b)->index);
}

/* Seal @b as the batch at @lsn, written after @prev_end. */
static void place_batch(struct stockade_dev *dev, struct stockade_batch *b,
			u64 lsn, u64 prev_end)
{
	struct stockade_log_batch *hdr = page_address(b->pages[0]);

	hdr->lsn = cpu_to_le64(lsn);
	hdr->prev_end = cpu_to_le64(prev_end);
	hdr->log_id = cpu_to_le64(dev->sb.log_id);
	hdr->epoch = cpu_to_le32(dev->sb.log_epoch);
	hdr->n_entries = cpu_to_le32(1);
	hdr->blocks = cpu_to_le32(b->n);
	stockade_batch_seal(hdr);
}

/* The batch at @lsn is durable: index it and move the log's end. */
static int index_batch(struct stockade_dev *dev, struct stockade_batch *b,
		       u64 lsn)
{
	struct stockade_index_entry ie = {
		.lsn = lsn,
		.prev_end = dev->log_end,
		.term = le64_to_cpu(stockade_batch_entry(b)->term),
		.blocks = b->n,
	};
	int err;

	err = stockade_index_append(&dev->idx, batch_index(b), &ie);
	if (err)
		return err;
	dev->log_end = lsn + b->n;
	dev->last_index = batch_index(b);
	dev->last_term = ie.term;
	return 0;
}

/*
 * A log write that failed or was cut off may have left whole batches
 * after the log's end: a device writes the blocks of one write in any
 * order.  Once a batch is written at the end again, a stale one after it
 * would follow on by position and index if it were of the same epoch.
 * So the epoch is raised first, as for a truncation.
 *
 * And the first batch of a new epoch goes down alone (plan_group()).
 * After a truncation, the batch it dropped at the same place is whole
 * and of the epoch before, which the scan accepts after the batches
 * before it.  Were the new one lost in a group write while later ones
 * landed, the dropped batch would show through in its place and chain
 * on to them.  Once a batch of the new epoch is durable there, a stale
 * batch in a hole after it is of an older epoch than it, and refused.
 */
static int new_log_epoch(struct stockade_dev *dev)
{
	struct stockade_super sb = dev->sb;

	sb.generation++;
	sb.log_epoch++;
	return stockade_super_store(dev, &sb);
}

/*
 * Place as many of @bs as lie back to back after the log's end in one
 * pass, fit, and fill one bio; returns how many, all sealed, or an error.
 */
static int plan_group(struct stockade_dev *dev, struct stockade_batch **bs,
		      u32 n, u64 *first_lsn, u32 *blocks)
{
	u64 end = dev->log_end, lsn;
	u32 k;
	int err;

	if (dev->log_epoch_stale) {
		err = new_log_epoch(dev);
		if (err) {
			stockade_disk_error(dev, err, false);
			return err;
		}
		dev->log_epoch_stale = false;
	}
	err = make_room(dev, bs[0]->n);
	if (err)
		return err;
	*blocks = 0;
	for (k = 0; k < n; k++) {
		lsn = stockade_log_place(&dev->geom, end, bs[k]->n);
		if (k && (!stockade_log_joins_group(&dev->geom, *first_lsn,
						    end, bs[k]->n) ||
			  dev->log_epoch_written != dev->sb.log_epoch ||
			  *blocks + bs[k]->n > GROUP_MAX_BLOCKS ||
			  batch_index(bs[k]) != batch_index(bs[0]) + k ||
			  !stockade_log_fits(&dev->geom,
					     dev->sb.checkpoint_lsn, end,
					     bs[k]->n)))
			break;
		if (!k)
			*first_lsn = lsn;
		place_batch(dev, bs[k], lsn, end);
		end = lsn + bs[k]->n;
		*blocks += bs[k]->n;
	}
	return k;
}

/* Write @k planned batches, @blocks in all, with one FUA write. */
static int write_group(struct stockade_dev *dev, struct stockade_batch **bs,
		       u32 k, u64 lsn, u32 blocks)
{
	struct page **pages = bs[0]->pages;
	u32 i, at = 0;
	int err;

	if (k > 1) {
		pages = kmalloc_array(blocks, sizeof(*pages), GFP_NOIO);
		if (!pages)
			return -ENOMEM;
		for (i = 0; i < k; at += bs[i]->n, i++)
			memcpy(pages + at, bs[i]->pages,
			       bs[i]->n * sizeof(*pages));
	}
	err = stockade_backing_rw_pages(dev, REQ_OP_WRITE | REQ_FUA,
					stockade_log_block(&dev->geom, lsn),
					pages, blocks);
	if (pages != bs[0]->pages)
		kfree(pages);
	if (!err) {
		dev->log_epoch_written = dev->sb.log_epoch;
		atomic64_inc(&dev->log_writes);
		return 0;
	}
	stockade_disk_error(dev, err, false);
	/*
	 * Under pass-on the log goes on, and no part of this write may
	 * count: the next log write raises the epoch first.  Not now: the
	 * disk that failed this write most likely fails that one too, and
	 * pass-on keeps a node whose disk comes back.
	 */
	dev->log_epoch_stale = true;
	return err;
}

/*
 * Append the entries in @bs (headers filled in, consecutive indexes after
 * the last) each as its own batch.  Batches that lie back to back in the
 * log share one FUA write: many writers in flight cost few flushes.  On
 * an error, a prefix may have been appended (dev->last_index says).
 */
int stockade_wal_append_many(struct stockade_dev *dev,
			     struct stockade_batch **bs, u32 n)
{
	u32 done = 0, blocks, i;
	u64 lsn;
	int k, err;

	lockdep_assert_held(&dev->lock);
	while (done < n) {
		if (batch_index(bs[done]) != dev->last_index + 1)
			return -EINVAL;
		k = plan_group(dev, bs + done, n - done, &lsn, &blocks);
		if (k < 0)
			return k;
		err = write_group(dev, bs + done, k, lsn, blocks);
		for (i = 0; !err && i < k; i++) {
			err = index_batch(dev, bs[done + i], lsn);
			lsn += bs[done + i]->n;
		}
		if (err)
			return err;
		atomic64_add(k, &dev->log_entries);
		done += k;
	}
	return 0;
}

int stockade_wal_append(struct stockade_dev *dev, struct stockade_batch *b)
{
	return stockade_wal_append_many(dev, &b, 1);
}

/* A leader's new entry: @index, this term, sealed. */
static void leader_entry(struct stockade_dev *dev, struct stockade_batch *b,
			 u64 index, u64 sector, u32 len, u32 flags)
{
	struct stockade_log_entry *e = stockade_batch_entry(b);

	e->term = cpu_to_le64(dev->sb.current_term);
	e->index = cpu_to_le64(index);
	e->sector = cpu_to_le64(sector);
	e->len = cpu_to_le32(len);
	e->flags = cpu_to_le32(flags);
	e->crc = cpu_to_le32(payload_crc(e, b));
}

/*
 * A new leader's first entry: once it commits, so has everything before
 * it (a leader commits older terms' entries only under one of its own).
 */
int stockade_wal_append_barrier(struct stockade_dev *dev)
{
	struct stockade_batch *b = stockade_batch_alloc(0);
	int err;

	if (!b)
		return -ENOMEM;
	leader_entry(dev, b, dev->last_index + 1, 0, 0, STOCKADE_ENTRY_FLUSH);
	err = stockade_wal_append(dev, b);
	stockade_batch_free(b);
	if (!err)
		dev->read_barrier = dev->last_index;
	return err;
}

/*
 * A discard is applied as zeroes, like write-zeroes: what a read returns
 * after it must be the same on every replica, and a discard leaves that
 * to each backing device.
 */
static int write_zeroes(struct stockade_dev *dev,
			const struct stockade_log_entry *e)
{
	u64 sector = le64_to_cpu(e->sector);
	u32 len = le32_to_cpu(e->len);

	if (sector % BLOCK_SECTORS || len % BLOCK)
		return -EUCLEAN;
	return blkdev_issue_zeroout(dev->backing,
				    dev->sb.data_start * BLOCK_SECTORS + sector,
				    len >> SECTOR_SHIFT, GFP_NOIO, 0);
}

static int write_payload(struct stockade_dev *dev,
			 const struct stockade_log_entry *e, const u8 *payload)
{
	u64 sector = le64_to_cpu(e->sector);
	u32 len = stockade_entry_payload_len(e);

	if (le32_to_cpu(e->flags) &
	    (STOCKADE_ENTRY_DISCARD | STOCKADE_ENTRY_WRITE_ZEROES))
		return write_zeroes(dev, e);
	if (!len)
		return 0;	/* a flush or barrier: nothing to write */
	/* Only whole blocks are ever logged; anything else is not ours. */
	if (sector % BLOCK_SECTORS || len % BLOCK)
		return -EUCLEAN;
	return stockade_backing_rw(dev, REQ_OP_WRITE,
				   dev->sb.data_start + sector / BLOCK_SECTORS,
				   len / BLOCK, (void *)payload);
}

/* Read entry @index back from the log, check it, and hand it to @fn. */
int stockade_wal_read_entry(struct stockade_dev *dev, u64 index,
			    int (*fn)(struct stockade_dev *dev,
				      const struct stockade_log_entry *e,
				      const u8 *payload, void *ctx),
			    void *ctx)
{
	const struct stockade_index_entry *ie;
	struct stockade_batch_want want;
	struct stockade_log_batch *hdr = dev->io_buf;
	int err;

	ie = stockade_index_get(&dev->idx, index);
	if (!ie)
		return -ENOENT;
	err = stockade_backing_rw(dev, REQ_OP_READ,
				  stockade_log_block(&dev->geom, ie->lsn),
				  ie->blocks, dev->io_buf);
	if (err)
		return err;
	want = (struct stockade_batch_want) {
		.lsn = ie->lsn, .prev_end = ie->prev_end,
		.log_id = dev->sb.log_id, .max_epoch = dev->sb.log_epoch,
		.first_index = index,
		.data_sectors = dev->sb.data_blocks * BLOCK_SECTORS,
	};
	if (stockade_batch_check(hdr, &want) ||
	    !stockade_entry_intact(&hdr->entries[0], (u8 *)hdr + BLOCK))
		return -EUCLEAN;
	return fn(dev, &hdr->entries[0], (u8 *)hdr + BLOCK, ctx);
}

static int apply_entry(struct stockade_dev *dev,
		       const struct stockade_log_entry *e, const u8 *payload,
		       void *ctx)
{
	return write_payload(dev, e, payload);
}

/* Apply committed entries in order; wakes the writers waiting on them. */
int stockade_wal_apply(struct stockade_dev *dev)
{
	int err = 0;

	lockdep_assert_held(&dev->lock);
	while (dev->applied_index < dev->commit_index) {
		err = stockade_wal_read_entry(dev, dev->applied_index + 1,
					      apply_entry, NULL);
		if (err) {
			stockade_disk_error(dev, err, true);
			pr_err_ratelimited("stockade%d: cannot apply entry %llu: %d\n",
					   dev->index, dev->applied_index + 1,
					   err);
			break;
		}
		dev->applied_index++;
	}
	wake_up_all(&dev->applied_wait);
	return err;
}

/* --- the leader's write path ------------------------------------------- */

static bool leader_of(struct stockade_dev *dev, u64 term)
{
	return READ_ONCE(dev->role) == STOCKADE_ROLE_LEADER &&
	       READ_ONCE(dev->sb.current_term) == term;
}

/* Until the entry is applied, or this node can no longer commit it. */
static void wait_applied(struct stockade_dev *dev, u64 index, u64 term)
{
	wait_event(dev->applied_wait,
		   READ_ONCE(dev->applied_index) >= index ||
		   !leader_of(dev, term) || READ_ONCE(dev->stopping));
}

/* The entry at @index is ours (@term) and applied: the write is done. */
static bool write_done(struct stockade_dev *dev, u64 index, u64 term)
{
	bool done;

	mutex_lock(&dev->lock);
	done = dev->applied_index >= index &&
	       (dev->sb.current_term == term ||
		stockade_wal_term_at(dev, index) == term);
	mutex_unlock(&dev->lock);
	return done;
}

/* One bio of a round of the writer, between appending and completing. */
struct pending_io {
	struct bio *bio;
	struct stockade_batch *batch;	/* a write's, until it is logged */
	u64 index, term;	/* its entry, for a write */
	blk_status_t status;	/* known before waiting, or BLK_STS_OK */
};

/* The entry flags of a write, discard or write-zeroes bio. */
static u32 entry_flags(struct bio *bio)
{
	switch (bio_op(bio)) {
	case REQ_OP_DISCARD:
		return STOCKADE_ENTRY_DISCARD;
	case REQ_OP_WRITE_ZEROES:
		return STOCKADE_ENTRY_WRITE_ZEROES;
	default:
		return bio->bi_opf & REQ_FUA ? STOCKADE_ENTRY_FUA : 0;
	}
}

/* A bio that becomes a log entry of its own (a flush does not). */
static bool is_write(struct bio *bio)
{
	switch (bio_op(bio)) {
	case REQ_OP_WRITE:
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		return bio_sectors(bio);
	default:
		return false;
	}
}

/* Copy a write bio into an entry of its own; false with io->status set. */
static bool prepare_write(struct pending_io *io)
{
	struct bio *bio = io->bio;
	u32 n = bio_sectors(bio) / BLOCK_SECTORS;
	bool data = bio_op(bio) == REQ_OP_WRITE;

	if ((bio->bi_iter.bi_sector | bio_sectors(bio)) % BLOCK_SECTORS) {
		io->status = BLK_STS_IOERR;
		return false;
	}
	io->batch = stockade_batch_alloc(data ? n : 0);
	if (!io->batch) {
		io->status = BLK_STS_RESOURCE;
		return false;
	}
	if (data)
		copy_bio(bio, io->batch);
	return true;
}

/* Entries logged together: at most this many, so that @bs fits the stack. */
#define LOG_GROUP_MAX	32

/* Log the entries of @group, in order; the wait for commit comes later. */
static void log_group(struct stockade_dev *dev, struct pending_io **group,
		      u32 k)
{
	struct stockade_batch *bs[LOG_GROUP_MAX];
	struct pending_io *io;
	u64 first;
	int err = -EIO;
	u32 i;

	mutex_lock(&dev->lock);
	first = dev->last_index + 1;
	if (dev->role == STOCKADE_ROLE_LEADER) {
		for (i = 0; i < k; i++) {
			io = group[i];
			bs[i] = io->batch;
			leader_entry(dev, bs[i], first + i,
				     io->bio->bi_iter.bi_sector,
				     bio_sectors(io->bio) << SECTOR_SHIFT,
				     entry_flags(io->bio));
		}
		err = stockade_wal_append_many(dev, bs, k);
		if (dev->last_index >= first)
			stockade_repl_update_commit(dev);
	} else {
		atomic64_add(k, &dev->fenced_ios);
	}
	for (i = 0; i < k; i++) {
		io = group[i];
		io->index = first + i;
		io->term = dev->sb.current_term;
		io->status = io->index <= dev->last_index ? BLK_STS_OK :
			     errno_to_blk_status(err);
		stockade_batch_free(io->batch);
		io->batch = NULL;
	}
	mutex_unlock(&dev->lock);
}

/* Log the round's writes in groups, each group with as few writes as can be. */
static void log_round(struct stockade_dev *dev, struct pending_io *ios,
		      unsigned int n)
{
	struct pending_io *group[LOG_GROUP_MAX];
	u32 k = 0, blocks = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!is_write(ios[i].bio) || !prepare_write(&ios[i]))
			continue;
		group[k++] = &ios[i];
		blocks += ios[i].batch->n;
		if (k == LOG_GROUP_MAX || blocks >= GROUP_MAX_BLOCKS) {
			log_group(dev, group, k);
			k = 0;
			blocks = 0;
		}
	}
	if (k)
		log_group(dev, group, k);
}

static blk_status_t finish_write(struct stockade_dev *dev,
				 struct pending_io *io)
{
	if (io->status != BLK_STS_OK)
		return io->status;
	wait_applied(dev, io->index, io->term);
	return write_done(dev, io->index, io->term) ? BLK_STS_OK :
						       BLK_STS_IOERR;
}

/* A read, or a flush, waits until the new leader's barrier is applied. */
static blk_status_t leader_barrier(struct stockade_dev *dev)
{
	u64 term = READ_ONCE(dev->sb.current_term);

	wait_applied(dev, READ_ONCE(dev->read_barrier), term);
	if (leader_of(dev, term) &&
	    READ_ONCE(dev->applied_index) >= READ_ONCE(dev->read_barrier))
		return BLK_STS_OK;
	atomic64_inc(&dev->fenced_ios);
	return BLK_STS_IOERR;
}

static void finish_bio(struct stockade_dev *dev, struct pending_io *io)
{
	struct bio *bio = io->bio;
	blk_status_t st;

	if (is_write(bio))
		st = finish_write(dev, io);
	else	/* a flush: every completed write is durable on a majority */
		st = leader_barrier(dev);
	/* The lease may have run out while the entry was committing. */
	if (st == BLK_STS_OK &&
	    !stockade_fence_may_complete(dev, ktime_get_ns())) {
		stockade_fence_count(dev, bio);
		st = BLK_STS_IOERR;
	}
	if (st == BLK_STS_OK && bio_op(bio) == REQ_OP_READ) {
		stockade_remap_read(dev, bio);
		return;
	}
	bio->bi_status = st;
	bio_endio(bio);
}

/*
 * A round: log every queued write first, send them all, then wait for
 * each in order.  Writers in flight together share the network round
 * trips instead of queueing behind each other's.
 */
static void run_round(struct stockade_dev *dev, struct bio_list *list)
{
	unsigned int n = bio_list_size(list), i = 0;
	struct pending_io *ios;
	struct bio *bio;

	ios = kvcalloc(n, sizeof(*ios), GFP_NOIO);
	if (!ios) {
		while ((bio = bio_list_pop(list))) {
			bio->bi_status = BLK_STS_RESOURCE;
			bio_endio(bio);
		}
		return;
	}
	while ((bio = bio_list_pop(list)))
		ios[i++].bio = bio;
	log_round(dev, ios, n);
	stockade_repl_kick(dev);
	for (i = 0; i < n; i++)
		finish_bio(dev, &ios[i]);
	kvfree(ios);
}

void stockade_wal_write_work(struct work_struct *work)
{
	struct stockade_dev *dev = container_of(work, struct stockade_dev,
						 write_work);
	struct bio_list list;

	for (;;) {
		spin_lock_irq(&dev->pending_lock);
		list = dev->pending;
		bio_list_init(&dev->pending);
		spin_unlock_irq(&dev->pending_lock);
		if (bio_list_empty(&list))
			return;
		run_round(dev, &list);
	}
}

/* --- recovery ------------------------------------------------------------ */

struct recovery {
	struct stockade_dev *dev;
	int err;
};

static int recovery_read(void *ctx, u64 block, u32 n, void *buf)
{
	struct recovery *r = ctx;

	return stockade_backing_rw(r->dev, REQ_OP_READ, block, n, buf);
}

static void recovery_batch(void *ctx, u64 lsn,
			   const struct stockade_log_batch *b,
			   const u8 *payload)
{
	struct recovery *r = ctx;
	struct stockade_index_entry ie = {
		.lsn = lsn,
		.prev_end = le64_to_cpu(b->prev_end),
		.term = le64_to_cpu(b->entries[0].term),
		.blocks = le32_to_cpu(b->blocks),
	};

	/* This module writes one entry per batch; anything else is not ours. */
	if (!r->err && le32_to_cpu(b->n_entries) != 1)
		r->err = -EUCLEAN;
	if (!r->err)
		r->err = stockade_index_append(&r->dev->idx,
					       le64_to_cpu(b->entries[0].index),
					       &ie);
}

/*
 * Index the log from the checkpoint on.  Nothing is applied: whether the
 * entries after the checkpoint are committed is for a leader to say.
 */
int stockade_wal_recover(struct stockade_dev *dev)
{
	struct recovery r = { .dev = dev };
	struct stockade_log_scan s = {
		.geom = dev->geom,
		.start_lsn = dev->sb.checkpoint_lsn,
		.first_index = dev->sb.checkpoint_index + 1,
		.log_id = dev->sb.log_id,
		.max_epoch = dev->sb.log_epoch,
		.data_sectors = dev->sb.data_blocks * BLOCK_SECTORS,
		.read = recovery_read,
		.batch = recovery_batch,
		.ctx = &r,
		.buf = dev->io_buf,
	};
	int err;

	stockade_index_reset(&dev->idx, dev->sb.checkpoint_index + 1);
	err = stockade_log_scan(&s);
	if (err || r.err)
		return err ? err : r.err;
	/* The log may end at a group write that a crash cut off. */
	err = new_log_epoch(dev);
	if (err)
		return err;
	dev->log_end = s.end_lsn;
	dev->last_index = s.batches ? s.last_index : dev->sb.checkpoint_index;
	dev->last_term = s.batches ? s.last_term : dev->sb.checkpoint_term;
	dev->commit_index = dev->sb.checkpoint_index;
	dev->applied_index = dev->sb.checkpoint_index;
	pr_info("stockade%d: recovered %llu log entries after the checkpoint at %llu (log ends: %s)\n",
		dev->index, s.batches, dev->sb.checkpoint_index,
		stockade_batch_error_name(s.stop));
	return 0;
}
