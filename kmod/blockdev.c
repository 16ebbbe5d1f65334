// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/stockadeN: the device table, attach and detach, roles, and the
 * entry point of every bio.  The fencing check is the first thing a bio
 * meets: a node that is not the leader completes no I/O at all.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include "netlink.h"
#include "stockade.h"

#define BLOCK_SECTORS	(STOCKADE_BLOCK_SIZE >> SECTOR_SHIFT)
/* One bio is one log entry: 1 MiB of payload at most. */
#define MAX_IO_SECTORS	((STOCKADE_BATCH_MAX_BLOCKS - 1) * BLOCK_SECTORS)

static DEFINE_IDR(stockade_devs);
/* Guards the table; netlink requests are also serialised by genl. */
static DEFINE_MUTEX(stockade_devs_lock);
static int stockade_major;

void stockade_remap_read(struct stockade_dev *dev, struct bio *bio)
{
	bio_set_dev(bio, dev->backing);
	bio->bi_iter.bi_sector += dev->sb.data_start * BLOCK_SECTORS;
	submit_bio_noacct(bio);
}

static void queue_write(struct stockade_dev *dev, struct bio *bio)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->pending_lock, flags);
	bio_list_add(&dev->pending, bio);
	spin_unlock_irqrestore(&dev->pending_lock, flags);
	queue_work(dev->wq, &dev->write_work);
}

void stockade_serve_read(struct stockade_dev *dev, struct bio *bio)
{
	/* A new leader's reads wait for the entries before it. */
	if (READ_ONCE(dev->applied_index) >= READ_ONCE(dev->read_barrier))
		stockade_remap_read(dev, bio);
	else
		queue_write(dev, bio);
}

void stockade_dispatch_bio(struct stockade_dev *dev, struct bio *bio)
{
	switch (bio_op(bio)) {
	case REQ_OP_READ:
		if (READ_ONCE(dev->fence.read_policy) == STOCKADE_READ_QUORUM)
			stockade_readq_submit(dev, bio);
		else
			stockade_serve_read(dev, bio);
		break;
	case REQ_OP_WRITE:
	case REQ_OP_FLUSH:
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		queue_write(dev, bio);
		break;
	default:
		bio->bi_status = BLK_STS_NOTSUPP;
		bio_endio(bio);
	}
}

static void stockade_submit_bio(struct bio *bio)
{
	struct stockade_dev *dev = bio->bi_bdev->bd_disk->private_data;

	bio = bio_split_to_limits(bio);
	if (bio && stockade_fence_admit(dev, bio))
		stockade_dispatch_bio(dev, bio);
}

static int stockade_open(struct block_device *bdev, fmode_t mode)
{
	struct stockade_dev *dev = bdev->bd_disk->private_data;

	if ((mode & FMODE_WRITE) &&
	    READ_ONCE(dev->role) != STOCKADE_ROLE_LEADER) {
		pr_warn_ratelimited("stockade%d: not the leader: refusing to open for writing\n",
				    dev->index);
		return -EROFS;
	}
	return 0;
}

static const struct block_device_operations stockade_fops = {
	.owner		= THIS_MODULE,
	.submit_bio	= stockade_submit_bio,
	.open		= stockade_open,
};

static int create_disk(struct stockade_dev *dev)
{
	struct gendisk *disk;
	int err;

	disk = blk_alloc_disk(NUMA_NO_NODE);
	if (!disk)
		return -ENOMEM;
	disk->major = stockade_major;
	disk->first_minor = dev->index;
	disk->minors = 1;
	/* Nothing partitions a replicated volume; no scan on a fenced disk. */
	disk->flags |= GENHD_FL_NO_PART;
	disk->fops = &stockade_fops;
	disk->private_data = dev;
	snprintf(disk->disk_name, DISK_NAME_LEN, "stockade%d", dev->index);
	set_capacity(disk, dev->sb.data_blocks * BLOCK_SECTORS);
	blk_queue_logical_block_size(disk->queue, STOCKADE_BLOCK_SIZE);
	blk_queue_physical_block_size(disk->queue, STOCKADE_BLOCK_SIZE);
	blk_queue_max_hw_sectors(disk->queue, MAX_IO_SECTORS);
	/*
	 * The payload is copied into the log batch, so a bio's pages cost
	 * nothing: without this, a 1 MiB write from scattered pages split
	 * at the default 128 segments and became two entries or not,
	 * depending on the memory layout.
	 */
	blk_queue_max_segments(disk->queue, USHRT_MAX);
	blk_queue_write_cache(disk->queue, true, true);
	/* Logged like writes, one entry of at most 1 MiB each. */
	blk_queue_max_discard_sectors(disk->queue, MAX_IO_SECTORS);
	blk_queue_max_write_zeroes_sectors(disk->queue, MAX_IO_SECTORS);
	disk->queue->limits.discard_granularity = STOCKADE_BLOCK_SIZE;
	err = device_add_disk(NULL, disk, stockade_attr_groups);
	if (err) {
		put_disk(disk);
		return err;
	}
	dev->disk = disk;
	return 0;
}

static struct stockade_dev *dev_alloc(void)
{
	struct stockade_dev *dev = kzalloc(sizeof(*dev), GFP_KERNEL);

	if (!dev)
		return NULL;
	mutex_init(&dev->lock);
	spin_lock_init(&dev->pending_lock);
	bio_list_init(&dev->pending);
	INIT_WORK(&dev->write_work, stockade_wal_write_work);
	INIT_WORK(&dev->repl_work, stockade_repl_work);
	init_waitqueue_head(&dev->applied_wait);
	stockade_fence_init(dev);
	stockade_readq_init(dev);
	stockade_resync_init(dev);
	dev->role = STOCKADE_ROLE_FOLLOWER;
	dev->io_buf = vmalloc(STOCKADE_BATCH_MAX_BLOCKS * STOCKADE_BLOCK_SIZE);
	if (!dev->io_buf) {
		kfree(dev);
		return NULL;
	}
	return dev;
}

static void dev_free(struct stockade_dev *dev)
{
	if (dev->wq)
		destroy_workqueue(dev->wq);
	stockade_backing_close(dev);
	stockade_index_free(&dev->idx);
	stockade_resync_free(dev);
	vfree(dev->io_buf);
	kfree(dev);
}

/* Read and check the superblock; the message says what is wrong. */
static int check_backing(struct stockade_dev *dev, const u8 *cluster_uuid,
			 const u8 *device_uuid, struct netlink_ext_ack *extack)
{
	enum stockade_super_error why = STOCKADE_SUPER_OK;
	int err;

	err = stockade_super_load(dev, &why);
	if (!err)
		why = stockade_super_match(&dev->sb, cluster_uuid, device_uuid);
	if (why != STOCKADE_SUPER_OK) {
		/* The names are static strings, as extack requires. */
		if (extack)
			extack->_msg = stockade_super_error_name(why);
		pr_warn("refusing %s: %s\n", dev->backing_path,
			stockade_super_error_name(why));
		return -EINVAL;
	}
	if (err)
		NL_SET_ERR_MSG(extack, "cannot read the superblock");
	return err;
}

static int dev_start(struct stockade_dev *dev, const char *path,
		     const u8 *cluster_uuid, const u8 *device_uuid,
		     struct netlink_ext_ack *extack)
{
	int err;

	err = stockade_backing_open(dev, path);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot open the backing device exclusively");
		return err;
	}
	err = check_backing(dev, cluster_uuid, device_uuid, extack);
	if (err)
		return err;
	/* A copy that a restart interrupted goes on from what is durable. */
	dev->resync_next = dev->sb.resync.next_block;
	dev->geom.start = dev->sb.log_start;
	dev->geom.blocks = dev->sb.log_blocks;
	err = stockade_index_init(&dev->idx, dev->sb.log_blocks);
	if (err)
		return err;
	err = stockade_wal_recover(dev);
	if (err) {
		NL_SET_ERR_MSG(extack, "log recovery failed");
		return err;
	}
	dev->wq = alloc_ordered_workqueue("stockade%d", WQ_MEM_RECLAIM,
					  dev->index);
	if (!dev->wq)
		return -ENOMEM;
	return create_disk(dev);
}

int stockade_dev_attach(const char *path, const u8 *cluster_uuid,
			const u8 *device_uuid, struct netlink_ext_ack *extack)
{
	struct stockade_dev *dev = dev_alloc();
	int index, err;

	if (!dev)
		return -ENOMEM;
	mutex_lock(&stockade_devs_lock);
	index = idr_alloc(&stockade_devs, NULL, 0, STOCKADE_MAX_DEVICES,
			  GFP_KERNEL);
	mutex_unlock(&stockade_devs_lock);
	if (index < 0) {
		NL_SET_ERR_MSG(extack, "too many stockade devices");
		kfree(dev);
		return index;
	}
	dev->index = index;
	err = dev_start(dev, path, cluster_uuid, device_uuid, extack);
	mutex_lock(&stockade_devs_lock);
	if (err)
		idr_remove(&stockade_devs, index);
	else
		idr_replace(&stockade_devs, dev, index);
	mutex_unlock(&stockade_devs_lock);
	if (err) {
		dev_free(dev);
		return err;
	}
	pr_info("stockade%d: attached %s (%llu data blocks, term %llu)\n",
		index, path, dev->sb.data_blocks, dev->sb.current_term);
	return index;
}

static void cancel_net_works(struct stockade_dev *dev)
{
	/* Each may queue the other: the replication work once more. */
	cancel_work_sync(&dev->repl_work);
	cancel_delayed_work_sync(&dev->resync_work);
	cancel_work_sync(&dev->repl_work);
}

/*
 * Stop the connections and the work that uses them.  The peers' state is
 * freed only once no work can reach it: works already queued find
 * dev->net still valid, and any queued after it is gone find nothing.
 */
static void dev_stop_net(struct stockade_dev *dev)
{
	struct stockade_net *net = dev->net;

	if (!net)
		return;
	stockade_net_shutdown(net);
	cancel_net_works(dev);
	mutex_lock(&dev->lock);
	dev->net = NULL;
	mutex_unlock(&dev->lock);
	cancel_net_works(dev);
	stockade_net_free(net);
}

static void dev_stop(struct stockade_dev *dev)
{
	WRITE_ONCE(dev->stopping, true);
	wake_up_all(&dev->applied_wait);
	stockade_fence_stop(dev);
	stockade_readq_stop(dev);
	dev_stop_net(dev);
	del_gendisk(dev->disk);
	flush_workqueue(dev->wq);
	mutex_lock(&dev->lock);
	if (stockade_wal_checkpoint(dev))
		pr_warn("stockade%d: final checkpoint failed; the log will be replayed\n",
			dev->index);
	mutex_unlock(&dev->lock);
	put_disk(dev->disk);
	dev_free(dev);
}

int stockade_dev_detach(int index, struct netlink_ext_ack *extack)
{
	struct stockade_dev *dev;

	mutex_lock(&stockade_devs_lock);
	dev = idr_find(&stockade_devs, index);
	if (dev && disk_openers(dev->disk)) {
		mutex_unlock(&stockade_devs_lock);
		NL_SET_ERR_MSG(extack, "device is open");
		return -EBUSY;
	}
	if (dev)
		idr_remove(&stockade_devs, index);
	mutex_unlock(&stockade_devs_lock);
	if (!dev) {
		NL_SET_ERR_MSG(extack, "no such device");
		return -ENODEV;
	}
	dev_stop(dev);
	return 0;
}

/* Leading starts with a barrier entry; its commit commits all before it. */
static int become_leader(struct stockade_dev *dev)
{
	struct stockade_net *net = dev->net;
	int err;
	u32 i;

	WRITE_ONCE(dev->role, STOCKADE_ROLE_LEADER);
	err = stockade_wal_append_barrier(dev);
	if (err) {
		WRITE_ONCE(dev->role, STOCKADE_ROLE_FOLLOWER);
		return err;
	}
	for (i = 0; net && i < net->n_peers; i++)
		stockade_progress_reset(&net->peers[i].progress,
					dev->last_index);
	stockade_resync_leader_reset(dev);
	stockade_fence_new_leader(dev, !net || !net->n_peers);
	stockade_repl_update_commit(dev);
	return 0;
}

/* Persist a newer term before acting in it; never go back. */
int stockade_dev_set_role(int index, enum stockade_role role, u64 term,
			  struct netlink_ext_ack *extack)
{
	struct stockade_dev *dev;
	struct stockade_super sb;
	int err = 0;

	mutex_lock(&stockade_devs_lock);
	dev = idr_find(&stockade_devs, index);
	if (!dev) {
		mutex_unlock(&stockade_devs_lock);
		NL_SET_ERR_MSG(extack, "no such device");
		return -ENODEV;
	}
	mutex_lock(&dev->lock);
	if (term < dev->sb.current_term) {
		NL_SET_ERR_MSG(extack, "term is older than the persisted term");
		err = -ESTALE;
	} else if (role == STOCKADE_ROLE_LEADER && dev->disk_failed) {
		NL_SET_ERR_MSG(extack, "the backing device failed: detach and replace it");
		err = -EIO;
	} else if (role == STOCKADE_ROLE_LEADER &&
		   stockade_resync_needed(dev)) {
		NL_SET_ERR_MSG(extack, "NEEDS_RESYNC: a full resync must end before it leads");
		err = -EIO;
	} else if (term > dev->sb.current_term) {
		sb = dev->sb;
		sb.generation++;
		sb.current_term = term;
		sb.voted_for = 0;
		err = stockade_super_store(dev, &sb);
		if (err)
			stockade_disk_error(dev, err, true);
	}
	if (!err && role == STOCKADE_ROLE_LEADER &&
	    dev->role != STOCKADE_ROLE_LEADER) {
		err = become_leader(dev);
		if (err)
			NL_SET_ERR_MSG(extack, "cannot append the leader's first entry");
	} else if (!err) {
		WRITE_ONCE(dev->role, role);
	}
	if (!err)
		stockade_event(dev, STOCKADE_EVENT_ROLE, 0);
	mutex_unlock(&dev->lock);
	mutex_unlock(&stockade_devs_lock);
	wake_up_all(&dev->applied_wait);
	stockade_fence_kick(dev);
	stockade_repl_kick(dev);
	return err;
}

struct stockade_dev *stockade_dev_get_locked(int index)
{
	struct stockade_dev *dev;

	mutex_lock(&stockade_devs_lock);
	dev = idr_find(&stockade_devs, index);
	if (!dev) {
		mutex_unlock(&stockade_devs_lock);
		return NULL;
	}
	mutex_lock(&dev->lock);
	return dev;
}

void stockade_dev_put_locked(struct stockade_dev *dev)
{
	mutex_unlock(&dev->lock);
	mutex_unlock(&stockade_devs_lock);
}

void stockade_visit_devs(stockade_dev_fn fn, void *ctx)
{
	struct stockade_dev *dev;
	int index;

	mutex_lock(&stockade_devs_lock);
	/* A device being attached is reserved as NULL. */
	idr_for_each_entry(&stockade_devs, dev, index)
		if (dev)
			fn(dev, ctx);
	mutex_unlock(&stockade_devs_lock);
}

int stockade_dev_vote(int index, const struct stockade_vote_req *req,
		      struct stockade_vote_reply *reply,
		      struct netlink_ext_ack *extack)
{
	struct stockade_dev *dev;
	int err = -ENODEV;

	mutex_lock(&stockade_devs_lock);
	dev = idr_find(&stockade_devs, index);
	if (dev) {
		mutex_lock(&dev->lock);
		err = stockade_dev_vote_locked(dev, req, reply, extack);
		mutex_unlock(&dev->lock);
	}
	mutex_unlock(&stockade_devs_lock);
	return err;
}

int stockade_dev_adopt_term(struct stockade_dev *dev, u64 term)
{
	struct stockade_super sb = dev->sb;
	int err;

	lockdep_assert_held(&dev->lock);
	sb.generation++;
	sb.current_term = term;
	sb.voted_for = 0;
	err = stockade_super_store(dev, &sb);
	if (err) {
		stockade_disk_error(dev, err, true);
		pr_err("stockade%d: cannot persist term %llu\n", dev->index,
		       term);
	}
	/* Fence at once, even if the term could not be written. */
	if (dev->role == STOCKADE_ROLE_LEADER)
		pr_warn("stockade%d: a peer has term %llu: stepping down\n",
			dev->index, term);
	WRITE_ONCE(dev->role, STOCKADE_ROLE_FOLLOWER);
	stockade_event(dev, STOCKADE_EVENT_STEPPED_DOWN, 0);
	wake_up_all(&dev->applied_wait);
	stockade_fence_kick(dev);
	return err;
}

int stockade_dev_observe_term(struct stockade_dev *dev, u64 term,
			      bool from_leader)
{
	int ret = 0;

	mutex_lock(&dev->lock);
	if (term > dev->sb.current_term)
		stockade_dev_adopt_term(dev, term);
	else if (term < dev->sb.current_term && from_leader)
		ret = -ESTALE;
	mutex_unlock(&dev->lock);
	return ret;
}

static void net_status(struct stockade_net *net, struct stockade_dev_status *st)
{
	u32 i;

	st->node_id = net->node_id;
	st->n_peers = net->n_peers;
	for (i = 0; i < net->n_peers; i++) {
		st->peers[i].id = net->peers[i].id;
		st->peers[i].addr = net->peers[i].addr;
		st->peers[i].state = READ_ONCE(net->peers[i].state);
	}
	st->counters[STOCKADE_COUNTER_HANDSHAKE_FAILURES] =
		atomic64_read(&net->handshake_failures);
	st->counters[STOCKADE_COUNTER_MALFORMED_MSGS] =
		atomic64_read(&net->malformed_msgs);
	st->counters[STOCKADE_COUNTER_STALE_TERM_MSGS] =
		atomic64_read(&net->stale_term_msgs);
}

static void dev_status(struct stockade_dev *dev, struct stockade_dev_status *st)
{
	memset(st, 0, sizeof(*st));
	st->index = dev->index;
	mutex_lock(&dev->lock);
	st->role = dev->role;
	st->term = dev->sb.current_term;
	st->last_index = dev->last_index;
	st->last_term = dev->last_term;
	st->voted_for = dev->sb.voted_for;
	st->commit_index = dev->commit_index;
	st->applied_index = dev->applied_index;
	st->size_bytes = dev->sb.data_blocks * STOCKADE_BLOCK_SIZE;
	stockade_resync_status(dev, st);
	mutex_unlock(&dev->lock);
	st->counters[STOCKADE_COUNTER_FENCED_IOS] =
		atomic64_read(&dev->fenced_ios);
	st->counters[STOCKADE_COUNTER_IO_ERRORS] =
		atomic64_read(&dev->io_errors);
	st->counters[STOCKADE_COUNTER_LOG_ENTRIES] =
		atomic64_read(&dev->log_entries);
	st->counters[STOCKADE_COUNTER_LOG_WRITES] =
		atomic64_read(&dev->log_writes);
	stockade_fence_status(dev, st);
	if (dev->net)
		net_status(dev->net, st);
}

int stockade_dev_status(int index, struct stockade_dev_status *st)
{
	struct stockade_dev *dev;

	mutex_lock(&stockade_devs_lock);
	dev = idr_find(&stockade_devs, index);
	if (dev)
		dev_status(dev, st);
	mutex_unlock(&stockade_devs_lock);
	return dev ? 0 : -ENODEV;
}

int stockade_dev_set_peers(int index, const struct stockade_net_config *cfg,
			   struct netlink_ext_ack *extack)
{
	struct stockade_net *net;
	struct stockade_dev *dev;
	int err = 0;

	mutex_lock(&stockade_devs_lock);
	dev = idr_find(&stockade_devs, index);
	if (!dev) {
		NL_SET_ERR_MSG(extack, "no such device");
		err = -ENODEV;
		goto out;
	}
	/* The old connections go first: the new listener takes the port. */
	dev_stop_net(dev);
	net = stockade_net_start(dev, cfg);
	if (IS_ERR(net)) {
		NL_SET_ERR_MSG(extack, "cannot listen on the address, or no hmac(sha256)");
		err = PTR_ERR(net);
		goto out;
	}
	mutex_lock(&dev->lock);
	dev->net = net;
	mutex_unlock(&dev->lock);
	stockade_repl_kick(dev);
	pr_info("stockade%d: node %u, listening on %pISpc, %u peers\n", index,
		cfg->node_id, &cfg->listen_addr, cfg->n_peers);
out:
	mutex_unlock(&stockade_devs_lock);
	return err;
}

int stockade_dev_count(void)
{
	struct stockade_dev *dev;
	int id, n = 0;

	mutex_lock(&stockade_devs_lock);
	idr_for_each_entry(&stockade_devs, dev, id)
		if (dev)
			n++;
	mutex_unlock(&stockade_devs_lock);
	return n;
}

int __init stockade_blockdev_init(void)
{
	stockade_major = register_blkdev(0, "stockade");
	return stockade_major < 0 ? stockade_major : 0;
}

void stockade_blockdev_exit(void)
{
	struct stockade_dev *dev;
	int id;

	mutex_lock(&stockade_devs_lock);
	idr_for_each_entry(&stockade_devs, dev, id) {
		idr_remove(&stockade_devs, id);
		if (dev)
			dev_stop(dev);
	}
	mutex_unlock(&stockade_devs_lock);
	idr_destroy(&stockade_devs);
	unregister_blkdev(stockade_major, "stockade");
}
