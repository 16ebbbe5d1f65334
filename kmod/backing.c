// SPDX-License-Identifier: GPL-2.0
/*
 * Synchronous I/O on the backing device: the superblock, the log and the
 * data region.  Everything here waits for completion; the callers decide
 * what may run concurrently.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "stockade.h"

#define BLOCK_SECTORS	(STOCKADE_BLOCK_SIZE >> SECTOR_SHIFT)
#define BACKING_MODE	(FMODE_READ | FMODE_WRITE | FMODE_EXCL)

int stockade_backing_open(struct stockade_dev *dev, const char *path)
{
	struct block_device *bdev;

	bdev = blkdev_get_by_path(path, BACKING_MODE, dev);
	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	if (bdev_logical_block_size(bdev) > STOCKADE_BLOCK_SIZE) {
		blkdev_put(bdev, BACKING_MODE);
		return -EINVAL;
	}
	dev->backing = bdev;
	dev->disk_blocks = bdev_nr_bytes(bdev) >> ilog2(STOCKADE_BLOCK_SIZE);
	strscpy(dev->backing_path, path, sizeof(dev->backing_path));
	return 0;
}

void stockade_backing_close(struct stockade_dev *dev)
{
	if (dev->backing)
		blkdev_put(dev->backing, BACKING_MODE);
	dev->backing = NULL;
}

/* One bio over up to BIO_MAX_VECS pages, waited for. */
static int rw_chunk(struct stockade_dev *dev, blk_opf_t opf, u64 block,
		    struct page **pages, u32 n)
{
	struct bio *bio;
	u32 i;
	int err;

	bio = bio_alloc(dev->backing, n, opf, GFP_NOIO);
	bio->bi_iter.bi_sector = block * BLOCK_SECTORS;
	for (i = 0; i < n; i++) {
		if (!bio_add_page(bio, pages[i], STOCKADE_BLOCK_SIZE, 0)) {
			bio_put(bio);
			return -EIO;
		}
	}
	err = submit_bio_wait(bio);
	bio_put(bio);
	return err;
}

int stockade_backing_rw_pages(struct stockade_dev *dev, blk_opf_t opf,
			      u64 block, struct page **pages, u32 n)
{
	u32 done, chunk;
	int err;

	if (block > dev->disk_blocks || n > dev->disk_blocks - block)
		return -EINVAL;
	for (done = 0; done < n; done += chunk) {
		chunk = min_t(u32, n - done, BIO_MAX_VECS);
		err = rw_chunk(dev, opf, block + done, pages + done, chunk);
		if (err)
			return err;
	}
	return 0;
}

static struct page *buf_page(void *buf)
{
	return is_vmalloc_addr(buf) ? vmalloc_to_page(buf) : virt_to_page(buf);
}

/* @buf: kmalloc'ed or vmalloc'ed, block aligned, n blocks long. */
int stockade_backing_rw(struct stockade_dev *dev, blk_opf_t opf, u64 block,
			u32 n, void *buf)
{
	struct page **pages;
	bool vmapped = is_vmalloc_addr(buf);
	u32 i;
	int err;

	pages = kvmalloc_array(n, sizeof(*pages), GFP_NOIO);
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		pages[i] = buf_page(buf + (size_t)i * STOCKADE_BLOCK_SIZE);
	if (vmapped && op_is_write(opf))
		flush_kernel_vmap_range(buf, n * STOCKADE_BLOCK_SIZE);
	err = stockade_backing_rw_pages(dev, opf, block, pages, n);
	if (vmapped && !op_is_write(opf))
		invalidate_kernel_vmap_range(buf, n * STOCKADE_BLOCK_SIZE);
	kvfree(pages);
	return err;
}

int stockade_super_load(struct stockade_dev *dev,
			enum stockade_super_error *why)
{
	struct stockade_disk_super *slots;
	int ret;

	slots = kmalloc(STOCKADE_SUPER_SLOTS * STOCKADE_BLOCK_SIZE, GFP_KERNEL);
	if (!slots)
		return -ENOMEM;
	ret = stockade_backing_rw(dev, REQ_OP_READ, 0, STOCKADE_SUPER_SLOTS,
				  slots);
	if (ret)
		goto out;
	/* Slot B starts one block after slot A. */
	memmove((u8 *)slots + sizeof(*slots),
		(u8 *)slots + STOCKADE_BLOCK_SIZE, sizeof(*slots));
	ret = stockade_super_pick(slots, dev->disk_blocks, &dev->sb, why);
	ret = ret < 0 ? -EINVAL : 0;
out:
	kfree(slots);
	return ret;
}

/*
 * Write @sb to its slot.  PREFLUSH first: the superblock vouches for data
 * applied before it (the checkpoint), so that data must be durable first;
 * FUA so the new term or vote is durable before the caller acts on it.
 */
int stockade_super_store(struct stockade_dev *dev,
			 const struct stockade_super *sb)
{
	void *block;
	int ret;

	block = kzalloc(STOCKADE_BLOCK_SIZE, GFP_KERNEL);
	if (!block)
		return -ENOMEM;
	stockade_super_encode(sb, block);
	ret = stockade_backing_rw(dev, REQ_OP_WRITE | REQ_PREFLUSH | REQ_FUA,
				  sb->generation % STOCKADE_SUPER_SLOTS, 1,
				  block);
	kfree(block);
	if (!ret)
		dev->sb = *sb;
	return ret;
}
