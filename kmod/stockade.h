/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One stockade device: /dev/stockadeN over a backing block device that
 * holds the superblock, the log and the data region.
 */
#ifndef _STOCKADE_KMOD_H
#define _STOCKADE_KMOD_H

#include <linux/blkdev.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <uapi/linux/stockade.h>

#include "../core/superblock.h"
#include "../core/logring.h"
#include "../core/vote.h"
#include "../core/lease.h"
#include "../core/readround.h"
#include "logindex.h"
#include "net.h"

#define STOCKADE_MAX_DEVICES	16

struct netlink_ext_ack;

/* The lease and what the device does without one (fence.c). */
struct stockade_fence {
	spinlock_t lock;		/* taken from the bio path */
	struct stockade_lease lease;
	u64 serve_after_ns;		/* end of the clock-bound wait */
	enum stockade_io_policy io_policy;
	enum stockade_read_policy read_policy;
	u64 suspend_timeout_ns;
	u64 max_lease_ns;
	u32 max_drift_ppm;
	bool revoke_on_close;
	enum stockade_disk_policy disk_policy;
	u32 portid;			/* netlink socket of the last grant */
	enum stockade_fence_reason reason;	/* as last reported */
	struct bio_list held;		/* suspended bios */
	u64 held_since_ns;		/* arrival of the oldest held bio */
	struct hrtimer timer;		/* the next deadline */
	struct work_struct work;
	wait_queue_head_t wait;		/* writes waiting under suspend */
	atomic64_t fenced_reads;
	atomic64_t fenced_writes;
	atomic64_t expiries;
};

/* A change of policy; negative or zero fields are left as they are. */
struct stockade_fence_policy {
	int io_policy;
	int read_policy;
	int revoke_on_close;
	int max_drift_ppm;
	int disk_policy;
	u64 suspend_timeout_ns;
	u64 max_lease_ns;
};

/* Reads waiting for a majority to confirm leadership (readq.c). */
struct stockade_readq {
	spinlock_t lock;		/* taken from the bio path */
	struct stockade_read_rounds rounds;
	u64 term;			/* of the rounds */
	struct bio_list waiting;	/* for the next round */
	struct bio_list riding;		/* on the round in flight */
	struct delayed_work work;
};

struct stockade_dev {
	int index;			/* N of /dev/stockadeN */
	struct gendisk *disk;
	struct block_device *backing;
	char backing_path[64];
	u64 disk_blocks;		/* size of the backing device */

	/* Serialises the superblock, role changes and the log writer. */
	struct mutex lock;
	struct stockade_super sb;	/* as last written, under lock */
	struct stockade_log_geom geom;
	enum stockade_role role;

	/* The log, under lock: where the next batch goes, what is in it. */
	u64 log_end;			/* prev_end for the next batch */
	u32 log_epoch_written;		/* of the last log write */
	bool log_epoch_stale;		/* a log write failed: raise it */
	u64 last_index;
	u64 last_term;
	u64 commit_index;
	u64 applied_index;
	struct stockade_log_index idx;
	void *io_buf;			/* one batch, for reading the log */
	/* Reads wait until the entries before this leader's are applied. */
	u64 read_barrier;
	/* Follower: how far our log is known to match this term's leader. */
	u64 leader_match;
	u64 leader_match_term;
	/* Writers wait here for their entry to be applied. */
	wait_queue_head_t applied_wait;
	bool stopping;
	struct work_struct repl_work;

	/* Writes wait on this queue for the single log writer. */
	spinlock_t pending_lock;
	struct bio_list pending;
	struct work_struct write_work;
	struct workqueue_struct *wq;

	/* Peers and their connections; NULL until SET_PEERS. */
	struct stockade_net *net;

	struct stockade_fence fence;
	struct stockade_readq readq;

	/* The backing device failed and is no longer used (diskerr.c). */
	bool disk_failed;

	/* Full resync (resync.c).  Leader: the work that sends the copies. */
	struct delayed_work resync_work;
	struct stockade_resync_pacer resync_pacer;	/* under lock */
	u32 resync_rate_kbps;			/* KiB/s, 0: unlimited */
	/* Follower, under lock: how far the copy really got (>= sb's). */
	u64 resync_next;
	void *resync_buf;			/* one chunk, block aligned */
	u32 resync_leader;			/* who finished our copy, */
	u64 resync_leader_term;			/* in this term */
	atomic64_t resync_sent;
	atomic64_t resync_received;
	atomic64_t resync_aborts;

	/* Counters shown in status. */
	atomic64_t fenced_ios;
	atomic64_t log_entries;	/* appended to the log */
	atomic64_t log_writes;	/* FUA writes that carried them */
	atomic64_t io_errors;
	/* APPENDs a follower refused for a gap or a mismatch: probes back */
	atomic64_t append_refusals;
};

/* backing.c: synchronous block I/O on the backing device */
int stockade_backing_open(struct stockade_dev *dev, const char *path);
void stockade_backing_close(struct stockade_dev *dev);
int stockade_backing_rw(struct stockade_dev *dev, blk_opf_t opf, u64 block,
			u32 n, void *buf);
int stockade_backing_rw_pages(struct stockade_dev *dev, blk_opf_t opf,
			      u64 block, struct page **pages, u32 n);
int stockade_super_load(struct stockade_dev *dev,
			enum stockade_super_error *why);
int stockade_super_store(struct stockade_dev *dev,
			 const struct stockade_super *sb);

/* wal.c: the log, apply and recovery */
struct stockade_batch {
	struct page *pages[STOCKADE_BATCH_MAX_BLOCKS];	/* header, payload */
	u32 n;
};

struct stockade_batch *stockade_batch_alloc(u32 payload_blocks);
void stockade_batch_free(struct stockade_batch *b);
struct stockade_log_entry *stockade_batch_entry(struct stockade_batch *b);
void stockade_batch_copy_in(struct stockade_batch *b, const u8 *payload);
int stockade_wal_recover(struct stockade_dev *dev);
void stockade_wal_write_work(struct work_struct *work);
int stockade_wal_checkpoint(struct stockade_dev *dev);
int stockade_wal_append(struct stockade_dev *dev, struct stockade_batch *b);
int stockade_wal_append_many(struct stockade_dev *dev,
			     struct stockade_batch **bs, u32 n);
int stockade_wal_append_barrier(struct stockade_dev *dev);
int stockade_wal_apply(struct stockade_dev *dev);
u64 stockade_wal_term_at(const struct stockade_dev *dev, u64 index);
int stockade_wal_read_entry(struct stockade_dev *dev, u64 index,
			    int (*fn)(struct stockade_dev *dev,
				      const struct stockade_log_entry *e,
				      const u8 *payload, void *ctx),
			    void *ctx);

/* replication.c */
void stockade_repl_update_commit(struct stockade_dev *dev);
void stockade_repl_kick(struct stockade_dev *dev);
void stockade_repl_work(struct work_struct *work);
void stockade_repl_peer_up(struct stockade_peer *peer);
int stockade_repl_on_append(struct stockade_peer *peer,
			    const struct stockade_wire_msg *msg,
			    const void *body);
int stockade_repl_on_append_reply(struct stockade_peer *peer,
				  const struct stockade_wire_msg *msg,
				  const void *body);
void stockade_repl_on_leader_keepalive(struct stockade_dev *dev, u64 term,
				       u64 leader_commit);

/* resync.c: full resync */
void stockade_resync_init(struct stockade_dev *dev);
void stockade_resync_free(struct stockade_dev *dev);
void stockade_resync_kick(struct stockade_dev *dev);
/* Leader, under lock: */
u64 stockade_resync_pin(struct stockade_dev *dev);
bool stockade_resync_unpin(struct stockade_dev *dev);
void stockade_resync_leader_reset(struct stockade_dev *dev);
void stockade_resync_peer_up(struct stockade_peer *peer);
bool stockade_resync_wanted(struct stockade_dev *dev,
			    struct stockade_peer *peer);
void stockade_resync_after_reply(struct stockade_dev *dev,
				 struct stockade_peer *peer,
				 enum stockade_append_verdict verdict);
void stockade_resync_peer_free(struct stockade_peer *peer);
int stockade_resync_on_ack(struct stockade_peer *peer,
			   const struct stockade_wire_msg *msg,
			   const void *body);
/* Follower: */
bool stockade_resync_needed(const struct stockade_dev *dev);
bool stockade_resync_copying(const struct stockade_dev *dev);
void stockade_resync_applied(struct stockade_dev *dev);
int stockade_resync_on_start(struct stockade_peer *peer,
			     const struct stockade_wire_msg *msg,
			     const void *body);
int stockade_resync_on_chunk(struct stockade_peer *peer,
			     const struct stockade_wire_msg *msg,
			     const void *body);
int stockade_resync_on_done(struct stockade_peer *peer,
			    const struct stockade_wire_msg *msg,
			    const void *body);
struct stockade_dev_status;
void stockade_resync_status(struct stockade_dev *dev,
			    struct stockade_dev_status *st);

/* vote.c: term and vote, persisted before the answer */
struct stockade_vote_reply {
	enum stockade_vote_result result;
	u64 term;			/* as persisted after the vote */
	u32 voted_for;
};

int stockade_dev_vote_locked(struct stockade_dev *dev,
			     const struct stockade_vote_req *req,
			     struct stockade_vote_reply *reply,
			     struct netlink_ext_ack *extack);

/* fence.c */
void stockade_fence_init(struct stockade_dev *dev);
void stockade_fence_stop(struct stockade_dev *dev);
bool stockade_fence_admit(struct stockade_dev *dev, struct bio *bio);
enum stockade_io_decision stockade_fence_check(struct stockade_dev *dev,
					       u64 arrived);
bool stockade_fence_may_complete(struct stockade_dev *dev, u64 arrived);
void stockade_fence_count(struct stockade_dev *dev, struct bio *bio);
void stockade_fence_kick(struct stockade_dev *dev);
int stockade_fence_grant(struct stockade_dev *dev, u64 term, u64 start_ns,
			 u64 duration_ns, u32 portid,
			 struct netlink_ext_ack *extack);
void stockade_fence_revoke(struct stockade_dev *dev);
void stockade_fence_socket_closed(struct stockade_dev *dev, u32 portid);
void stockade_fence_new_leader(struct stockade_dev *dev, bool alone);
int stockade_fence_set_policy(struct stockade_dev *dev,
			      const struct stockade_fence_policy *p);
void stockade_fence_status(struct stockade_dev *dev,
			   struct stockade_dev_status *st);

/* diskerr.c: a failed I/O on the backing device; @fatal: detach anyway */
void stockade_disk_error(struct stockade_dev *dev, int err, bool fatal);

/* readq.c: read = quorum */
void stockade_readq_init(struct stockade_dev *dev);
void stockade_readq_stop(struct stockade_dev *dev);
void stockade_readq_submit(struct stockade_dev *dev, struct bio *bio);
void stockade_readq_kick(struct stockade_dev *dev);
int stockade_readq_on_probe(struct stockade_peer *peer,
			    const struct stockade_wire_msg *msg,
			    const void *body);
int stockade_readq_on_ack(struct stockade_peer *peer,
			  const struct stockade_wire_msg *msg,
			  const void *body);

/* sysfs.c: /sys/block/stockadeN/stockade/ */
extern const struct attribute_group *stockade_attr_groups[];

/* blockdev.c: /dev/stockadeN and the device table */
struct stockade_dev_status {
	u32 index;
	enum stockade_role role;
	u64 term;
	u64 last_index, commit_index, applied_index;
	u64 last_term;
	u32 voted_for;
	u64 size_bytes;
	u32 node_id;
	/* the fence */
	enum stockade_fence_reason fence_reason;
	u64 lease_term, lease_remaining_ns, clock_wait_ns;
	u64 suspend_timeout_ns, max_lease_ns;
	u32 max_drift_ppm;
	u8 io_policy, read_policy, disk_policy;
	bool revoke_on_close, disk_failed;
	u64 counters[__STOCKADE_COUNTER_MAX];
	/* full resync: this replica's, and the rate limit as a leader */
	u8 resync_state;
	u64 resync_done, resync_total, resync_catch_up;
	u32 resync_rate_kbps;
	u32 n_peers;
	struct {
		u32 id;
		struct sockaddr_in addr;
		enum stockade_peer_state state;
		u8 resync_state;	/* our copy to it */
		u64 resync_done, resync_total;
	} peers[STOCKADE_MAX_NODES - 1];
};

int stockade_blockdev_init(void);
void stockade_blockdev_exit(void);
/* Returns the new device's index, or a negative errno. */
int stockade_dev_attach(const char *path, const u8 *cluster_uuid,
			const u8 *device_uuid, struct netlink_ext_ack *extack);
int stockade_dev_detach(int index, struct netlink_ext_ack *extack);
int stockade_dev_set_role(int index, enum stockade_role role, u64 term,
			  struct netlink_ext_ack *extack);
int stockade_dev_status(int index, struct stockade_dev_status *st);
int stockade_dev_vote(int index, const struct stockade_vote_req *req,
		      struct stockade_vote_reply *reply,
		      struct netlink_ext_ack *extack);
int stockade_dev_set_peers(int index, const struct stockade_net_config *cfg,
			   struct netlink_ext_ack *extack);
/*
 * A peer's message carries @term.  A newer term is persisted and this node
 * steps down, whatever else the message says; -ESTALE for an older term
 * from a node that claims to lead.
 */
int stockade_dev_observe_term(struct stockade_dev *dev, u64 term,
			      bool from_leader);
/* Persist @term (newer than ours) and step down; under dev->lock. */
int stockade_dev_adopt_term(struct stockade_dev *dev, u64 term);
void stockade_remap_read(struct stockade_dev *dev, struct bio *bio);
/* A read cleared to go: to the data region, or behind the barrier. */
void stockade_serve_read(struct stockade_dev *dev, struct bio *bio);
/* A bio the fence admitted, to the read or write path. */
void stockade_dispatch_bio(struct stockade_dev *dev, struct bio *bio);
/* The device at @index with its lock held, or NULL; then _put it. */
struct stockade_dev *stockade_dev_get_locked(int index);
void stockade_dev_put_locked(struct stockade_dev *dev);
typedef void (*stockade_dev_fn)(struct stockade_dev *dev, void *ctx);
void stockade_visit_devs(stockade_dev_fn fn, void *ctx);
int stockade_dev_count(void);

#endif /* _STOCKADE_KMOD_H */
