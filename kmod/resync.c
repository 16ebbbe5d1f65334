// SPDX-License-Identifier: GPL-2.0
/*
 * Full resync (docs/design.md, "Full resync").  The leader copies its
 * data region to a follower whose log no longer overlaps its own: chunk
 * by chunk, each read under the device lock so that it shows one applied
 * state, one chunk in flight, paced by a delayed work, while its log
 * keeps every entry after the snapshot index.  The follower writes the
 * chunks straight into its data region, persists every few MiB how far it
 * got (so a copy resumes after a disconnection or a restart), and at the
 * end restarts its log at the snapshot: appends replay the rest.  Until it
 * has caught up it neither votes nor leads.  The rules are core/resync.c's;
 * this file does the I/O and the messages.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/random.h>
#include <linux/vmalloc.h>

#include "netlink.h"
#include "stockade.h"
#include "../core/crc32c.h"

#define BLOCK		STOCKADE_BLOCK_SIZE
/* After a refusal or a failed read, no new copy to that peer before. */
#define RETRY_NS	(5ULL * NSEC_PER_SEC)
/* The leader's chunk message: the data starts block aligned, header first. */
#define CHUNK_HDR	sizeof(struct stockade_wire_resync_chunk)
#define MSG_DATA_OFF	BLOCK
#define MSG_BYTES	(MSG_DATA_OFF + STOCKADE_RESYNC_CHUNK_BLOCKS * BLOCK)

static void resync_work_fn(struct work_struct *work);

void stockade_resync_init(struct stockade_dev *dev)
{
	INIT_DELAYED_WORK(&dev->resync_work, resync_work_fn);
	dev->resync_rate_kbps = STOCKADE_RESYNC_DEFAULT_KBPS;
}

void stockade_resync_free(struct stockade_dev *dev)
{
	vfree(dev->resync_buf);
	dev->resync_buf = NULL;
}

void stockade_resync_kick(struct stockade_dev *dev)
{
	if (READ_ONCE(dev->net))
		mod_delayed_work(system_unbound_wq, &dev->resync_work, 0);
}

/* --- the leader ----------------------------------------------------------- */

static bool leading(const struct stockade_dev *dev)
{
	return dev->role == STOCKADE_ROLE_LEADER && !dev->disk_failed;
}

/* A copy of this leadership's; one of an earlier term is dead. */
static bool live(const struct stockade_dev *dev,
		 const struct stockade_resync_src *s)
{
	return leading(dev) && s->phase != STOCKADE_RSRC_NONE &&
	       s->term == dev->sb.current_term;
}

/* How far back the log must reach for @peer's copy, or U64_MAX. */
static u64 peer_pin(const struct stockade_dev *dev,
		    const struct stockade_peer *peer)
{
	if (!live(dev, &peer->resync))
		return U64_MAX;
	return stockade_resync_src_pin(&peer->resync,
				       peer->progress.match_index);
}

u64 stockade_resync_pin(struct stockade_dev *dev)
{
	struct stockade_net *net = dev->net;
	u64 pin = U64_MAX;
	u32 i;

	lockdep_assert_held(&dev->lock);
	for (i = 0; net && i < net->n_peers; i++)
		pin = min(pin, peer_pin(dev, &net->peers[i]));
	return pin;
}

static void give_up(struct stockade_dev *dev, struct stockade_peer *peer,
		    const char *why)
{
	stockade_resync_src_abort(&peer->resync, ktime_get_ns() + RETRY_NS);
	atomic64_inc(&dev->resync_aborts);
	pr_warn_ratelimited("stockade%d: full resync of peer %u given up: %s\n",
			    dev->index, peer->id, why);
	stockade_event(dev, STOCKADE_EVENT_RESYNC_ABORTED, peer->id);
}

/*
 * The log is full and copies keep it from being checkpointed: writes
 * win, the copies that hold the checkpoint back are given up (they start
 * over later).
 */
bool stockade_resync_unpin(struct stockade_dev *dev)
{
	struct stockade_net *net = dev->net;
	struct stockade_peer *peer;
	bool any = false;
	u32 i;

	lockdep_assert_held(&dev->lock);
	for (i = 0; net && i < net->n_peers; i++) {
		peer = &net->peers[i];
		if (peer_pin(dev, peer) >= dev->applied_index)
			continue;
		give_up(dev, peer, "the log filled up behind it");
		any = true;
	}
	return any;
}

/* A new leadership: copies of an earlier one are void. */
void stockade_resync_leader_reset(struct stockade_dev *dev)
{
	struct stockade_net *net = dev->net;
	u32 i;

	lockdep_assert_held(&dev->lock);
	for (i = 0; net && i < net->n_peers; i++)
		memset(&net->peers[i].resync, 0, sizeof(net->peers[i].resync));
}

void stockade_resync_peer_up(struct stockade_peer *peer)
{
	lockdep_assert_held(&peer->net->dev->lock);
	stockade_resync_src_reconnect(&peer->resync);
}

/* Whether the resync work has something to start or send for @peer. */
bool stockade_resync_wanted(struct stockade_dev *dev,
			    struct stockade_peer *peer)
{
	lockdep_assert_held(&dev->lock);
	return leading(dev) && peer->progress.needs_resync;
}

void stockade_resync_peer_free(struct stockade_peer *peer)
{
	vfree(peer->resync_msg);
	peer->resync_msg = NULL;
}

static void copy_complete(struct stockade_dev *dev, struct stockade_peer *peer)
{
	struct stockade_resync_src *s = &peer->resync;

	stockade_progress_resynced(&peer->progress, s->snap_index);
	pr_info("stockade%d: peer %u has its full copy (snapshot at index %llu); it replays the log to %llu\n",
		dev->index, peer->id, s->snap_index, s->catch_up_index);
	stockade_event(dev, STOCKADE_EVENT_RESYNC_END, peer->id);
	stockade_resync_src_caught_up(s, peer->progress.match_index);
}

void stockade_resync_after_reply(struct stockade_dev *dev,
				 struct stockade_peer *peer,
				 enum stockade_append_verdict verdict)
{
	struct stockade_resync_src *s = &peer->resync;

	if (!live(dev, s))
		return;
	/* Its log takes ours: the copy ended and its answer was lost. */
	if (verdict == STOCKADE_APPEND_OK && stockade_resync_src_append_ok(s))
		stockade_event(dev, STOCKADE_EVENT_RESYNC_END, peer->id);
	if (stockade_resync_src_caught_up(s, peer->progress.match_index))
		pr_info("stockade%d: peer %u caught up after its full resync\n",
			dev->index, peer->id);
}

/* One message for a peer, planned under the lock, sent outside it. */
struct resync_out {
	u8 type;		/* 0: nothing */
	u64 term;
	const void *body;
	u32 len;
	u32 blocks;		/* data blocks of a chunk */
	union {
		struct stockade_wire_resync_start start;
		struct stockade_wire_resync_done done;
	} small;
};

static int begin_copy(struct stockade_dev *dev, struct stockade_peer *peer)
{
	u64 snap = dev->applied_index;

	if (!peer->resync_msg) {
		peer->resync_msg = vmalloc(MSG_BYTES);
		if (!peer->resync_msg)
			return -ENOMEM;
	}
	stockade_resync_src_begin(&peer->resync, dev->sb.current_term,
				  get_random_u64() | 1, snap,
				  stockade_wal_term_at(dev, snap),
				  dev->sb.data_blocks);
	pr_info("stockade%d: full resync of peer %u: %llu blocks, snapshot at index %llu\n",
		dev->index, peer->id, dev->sb.data_blocks, snap);
	stockade_event(dev, STOCKADE_EVENT_RESYNC_START, peer->id);
	return 0;
}

static void fill_start(struct stockade_resync_src *s, struct resync_out *out)
{
	out->small.start = (struct stockade_wire_resync_start) {
		.session = cpu_to_le64(s->session),
		.snap_index = cpu_to_le64(s->snap_index),
		.snap_term = cpu_to_le64(s->snap_term),
		.data_blocks = cpu_to_le64(s->data_blocks),
	};
	out->type = STOCKADE_MSG_RESYNC_START;
	out->body = &out->small.start;
	out->len = sizeof(out->small.start);
}

/* Everything this leader has logged by now must reach the follower. */
static void fill_done(struct stockade_dev *dev, struct stockade_resync_src *s,
		      struct resync_out *out)
{
	s->catch_up_index = dev->last_index;
	out->small.done = (struct stockade_wire_resync_done) {
		.session = cpu_to_le64(s->session),
		.snap_index = cpu_to_le64(s->snap_index),
		.snap_term = cpu_to_le64(s->snap_term),
		.catch_up_index = cpu_to_le64(s->catch_up_index),
	};
	out->type = STOCKADE_MSG_RESYNC_DONE;
	out->body = &out->small.done;
	out->len = sizeof(out->small.done);
}

/*
 * Read the chunk under the lock: no entry is being applied, so it shows
 * the data region as of one applied index, at or after the snapshot.
 */
static void fill_chunk(struct stockade_dev *dev, struct stockade_peer *peer,
		       const struct stockade_resync_step *step, u64 now,
		       struct resync_out *out)
{
	struct stockade_wire_resync_chunk *c;
	u8 *data = peer->resync_msg + MSG_DATA_OFF;
	int err;

	err = stockade_backing_rw(dev, REQ_OP_READ,
				  dev->sb.data_start + step->offset, step->n,
				  data);
	if (err) {
		stockade_disk_error(dev, err, false);
		give_up(dev, peer, "cannot read the data region");
		return;
	}
	c = (void *)(data - CHUNK_HDR);
	c->session = cpu_to_le64(peer->resync.session);
	c->offset_block = cpu_to_le64(step->offset);
	c->n_blocks = cpu_to_le32(step->n);
	out->type = STOCKADE_MSG_RESYNC_CHUNK;
	out->body = c;
	out->len = CHUNK_HDR + step->n * BLOCK;
	out->blocks = step->n;
	stockade_resync_pace(&dev->resync_pacer, (u64)step->n * BLOCK,
			     READ_ONCE(dev->resync_rate_kbps), now);
}

/* Under the lock: what to send @peer now; *wait: when to look again. */
static void plan(struct stockade_dev *dev, struct stockade_peer *peer,
		 u64 now, struct resync_out *out, u64 *wait)
{
	struct stockade_resync_src *s = &peer->resync;
	struct stockade_resync_step step;

	if (!stockade_resync_wanted(dev, peer))
		return;
	if (!live(dev, s) || !stockade_resync_src_copying(s)) {
		if (s->retry_ns > now) {
			*wait = min(*wait, s->retry_ns);
			return;
		}
		if (begin_copy(dev, peer))
			return;
	}
	switch (stockade_resync_src_next(s, &dev->resync_pacer, now,
					 STOCKADE_RESYNC_CHUNK_BLOCKS, &step)) {
	case STOCKADE_RSRC_WAIT:
		*wait = min(*wait, step.until);
		return;
	case STOCKADE_RSRC_SEND_START:
		fill_start(s, out);
		break;
	case STOCKADE_RSRC_SEND_CHUNK:
		fill_chunk(dev, peer, &step, now, out);
		break;
	case STOCKADE_RSRC_SEND_DONE:
		fill_done(dev, s, out);
		break;
	default:
		return;
	}
	out->term = dev->sb.current_term;
}

static void send_out(struct stockade_dev *dev, struct stockade_peer *peer,
		     struct resync_out *out)
{
	struct stockade_wire_resync_chunk *c = (void *)out->body;
	int err;

	/* Outside the lock: the buffer is this work's alone. */
	if (out->blocks)
		c->data_crc = cpu_to_le32(stockade_crc32c(0, c + 1,
							  out->len - CHUNK_HDR));
	err = stockade_peer_send(peer, out->type, out->term, out->body,
				 out->len);
	if (!err) {
		atomic64_add(out->blocks, &dev->resync_sent);
		return;
	}
	/* Lost with its connection: the next one asks the follower again. */
	mutex_lock(&dev->lock);
	peer->resync.inflight = false;
	mutex_unlock(&dev->lock);
}

static void step_peer(struct stockade_dev *dev, struct stockade_peer *peer,
		      u64 *wait)
{
	struct resync_out out = { .type = 0 };

	if (READ_ONCE(peer->state) != STOCKADE_PEER_UP)
		return;
	mutex_lock(&dev->lock);
	plan(dev, peer, ktime_get_ns(), &out, wait);
	mutex_unlock(&dev->lock);
	if (out.type)
		send_out(dev, peer, &out);
}

/* Sends what each copy needs next; runs again when the pacer allows. */
static void resync_work_fn(struct work_struct *work)
{
	struct stockade_dev *dev = container_of(to_delayed_work(work),
						 struct stockade_dev,
						 resync_work);
	struct stockade_net *net = READ_ONCE(dev->net);
	u64 wait = U64_MAX, now;
	u32 i;

	for (i = 0; net && i < net->n_peers; i++)
		step_peer(dev, &net->peers[i], &wait);
	if (wait == U64_MAX)
		return;
	now = ktime_get_ns();
	/* Never early; a tick late is made up by the pacer's allowance. */
	queue_delayed_work(system_unbound_wq, &dev->resync_work,
			   wait > now ? nsecs_to_jiffies(wait - now) + 1 : 0);
}

static int take_ack(struct stockade_dev *dev, struct stockade_peer *peer,
		    const struct stockade_wire_resync_ack *a)
{
	bool asked = peer->resync.phase == STOCKADE_RSRC_STARTING;

	switch (stockade_resync_src_on_ack(&peer->resync,
					   le64_to_cpu(a->session),
					   le64_to_cpu(a->next_block),
					   le32_to_cpu(a->status))) {
	case STOCKADE_RSRC_ACK_INVALID:
		return -EBADMSG;
	case STOCKADE_RSRC_ACK_PROGRESS:
		if (asked && peer->resync.next_block)
			pr_info("stockade%d: full resync of peer %u resumes at block %llu\n",
				dev->index, peer->id, peer->resync.next_block);
		break;
	case STOCKADE_RSRC_ACK_COMPLETED:
		copy_complete(dev, peer);
		break;
	case STOCKADE_RSRC_ACK_REFUSED:
		give_up(dev, peer, "the follower refused it (see its log)");
		break;
	default:
		break;
	}
	return 0;
}

/* Leader: a follower's answer to RESYNC_START, _CHUNK or _DONE. */
int stockade_resync_on_ack(struct stockade_peer *peer,
			   const struct stockade_wire_msg *msg,
			   const void *body)
{
	const struct stockade_wire_resync_ack *a = body;
	struct stockade_dev *dev = peer->net->dev;
	int err = 0;

	if (a->reserved || le32_to_cpu(a->status) >= __STOCKADE_RESYNC_ACK_MAX)
		return -EBADMSG;
	mutex_lock(&dev->lock);
	if (msg->term > dev->sb.current_term)
		stockade_dev_adopt_term(dev, msg->term);
	else if (msg->term == dev->sb.current_term && live(dev, &peer->resync))
		err = take_ack(dev, peer, a);
	mutex_unlock(&dev->lock);
	if (!err) {
		stockade_resync_kick(dev);
		stockade_repl_kick(dev);
	}
	return err;
}

/* --- the follower --------------------------------------------------------- */

static void dst_of(const struct stockade_dev *dev, struct stockade_resync_dst *d)
{
	d->needed = dev->sb.flags & STOCKADE_SUPER_NEEDS_RESYNC;
	d->rec = dev->sb.resync;
	d->next_block = dev->resync_next;
	d->data_blocks = dev->sb.data_blocks;
}

bool stockade_resync_needed(const struct stockade_dev *dev)
{
	return dev->sb.flags & STOCKADE_SUPER_NEEDS_RESYNC;
}

bool stockade_resync_copying(const struct stockade_dev *dev)
{
	struct stockade_resync_dst d;

	dst_of(dev, &d);
	return stockade_resync_dst_copying(&d);
}

/*
 * The flag goes.  A disk formatted to join lost the votes it had cast:
 * this term's goes to the leader that caught it up, which already won it,
 * so that it never helps a second candidate win the same term.
 */
static void clear_need(struct stockade_dev *dev, struct stockade_super *sb)
{
	sb->flags &= ~STOCKADE_SUPER_NEEDS_RESYNC;
	memset(&sb->resync, 0, sizeof(sb->resync));
	if (!sb->voted_for && dev->resync_leader &&
	    dev->resync_leader_term == sb->current_term)
		sb->voted_for = dev->resync_leader;
}

/* Follower, under lock, after applying: caught up, it votes and leads. */
void stockade_resync_applied(struct stockade_dev *dev)
{
	struct stockade_resync_dst d;
	struct stockade_super sb;
	int err;

	lockdep_assert_held(&dev->lock);
	dst_of(dev, &d);
	if (!stockade_resync_dst_caught_up(&d, dev->applied_index))
		return;
	sb = dev->sb;
	sb.generation++;
	clear_need(dev, &sb);
	err = stockade_super_store(dev, &sb);
	if (err) {
		stockade_disk_error(dev, err, true);
		return;
	}
	pr_info("stockade%d: caught up after the full resync (index %llu): votes and may lead again\n",
		dev->index, dev->applied_index);
}

/* Under the lock: the message's term against ours, as for an APPEND. */
static int leader_term_ok(struct stockade_dev *dev,
			  const struct stockade_wire_msg *msg)
{
	if (msg->term > dev->sb.current_term &&
	    stockade_dev_adopt_term(dev, msg->term))
		return -EIO;
	if (msg->term < dev->sb.current_term)
		return -ESTALE;
	if (dev->role == STOCKADE_ROLE_LEADER) {
		pr_warn_ratelimited("stockade%d: node %u also leads term %llu\n",
				    dev->index, msg->from_node, msg->term);
		return -EPERM;
	}
	return READ_ONCE(dev->disk_failed) ? -EIO : 0;
}

static void set_ack(struct stockade_wire_resync_ack *a, u32 status, u64 next)
{
	a->status = cpu_to_le32(status);
	a->next_block = cpu_to_le64(next);
}

/*
 * Answer unless the message was malformed (the connection goes).  An
 * older term is answered too, with ours, which deposes the sender.
 */
static int answer(struct stockade_peer *peer, u64 term,
		  const struct stockade_wire_resync_ack *a, int err)
{
	if (err == -EBADMSG)
		return err;
	stockade_peer_send(peer, STOCKADE_MSG_RESYNC_ACK, term, a, sizeof(*a));
	return err == -ESTALE ? err : 0;
}

/* A new copy: the flag and the session are durable before any chunk. */
static void begin_copy_here(struct stockade_dev *dev, u32 leader,
			    const struct stockade_super_resync *rec,
			    struct stockade_wire_resync_ack *a)
{
	struct stockade_super sb = dev->sb;
	int err;

	sb.generation++;
	sb.flags |= STOCKADE_SUPER_NEEDS_RESYNC;
	sb.resync = *rec;
	err = stockade_super_store(dev, &sb);
	if (err) {
		stockade_disk_error(dev, err, true);
		return;
	}
	dev->resync_next = 0;
	/* The log is not to be trusted from here on. */
	dev->leader_match = 0;
	pr_info("stockade%d: full resync from node %u begins (snapshot at index %llu)\n",
		dev->index, leader, rec->snap_index);
	stockade_event(dev, STOCKADE_EVENT_RESYNC_START, leader);
	set_ack(a, STOCKADE_RESYNC_ACK_OK, 0);
}

static int follower_start(struct stockade_dev *dev, u32 leader, u64 term,
			  const struct stockade_wire_resync_start *b,
			  struct stockade_wire_resync_ack *a)
{
	struct stockade_resync_start_req req = {
		.term = term,
		.session = le64_to_cpu(b->session),
		.snap_index = le64_to_cpu(b->snap_index),
		.snap_term = le64_to_cpu(b->snap_term),
		.data_blocks = le64_to_cpu(b->data_blocks),
	};
	struct stockade_super_resync rec;
	struct stockade_resync_dst d;

	dst_of(dev, &d);
	switch (stockade_resync_dst_start(&d, &req, &rec)) {
	case STOCKADE_RDST_NEW:
		begin_copy_here(dev, leader, &rec, a);
		return 0;
	case STOCKADE_RDST_RESUME:
		pr_info("stockade%d: full resync from node %u resumes at block %llu\n",
			dev->index, leader, dev->resync_next);
		set_ack(a, STOCKADE_RESYNC_ACK_OK, dev->resync_next);
		return 0;
	case STOCKADE_RDST_ALREADY_DONE:
		set_ack(a, STOCKADE_RESYNC_ACK_DONE, dev->sb.data_blocks);
		return 0;
	case STOCKADE_RDST_REFUSE:
		pr_warn_ratelimited("stockade%d: refusing a full resync from node %u: its data region has %llu blocks, ours %llu\n",
				    dev->index, leader, req.data_blocks,
				    dev->sb.data_blocks);
		return 0;
	default:
		return -EBADMSG;
	}
}

int stockade_resync_on_start(struct stockade_peer *peer,
			     const struct stockade_wire_msg *msg,
			     const void *body)
{
	const struct stockade_wire_resync_start *b = body;
	struct stockade_dev *dev = peer->net->dev;
	struct stockade_wire_resync_ack a = {
		.session = b->session,
		.status = cpu_to_le32(STOCKADE_RESYNC_ACK_REFUSED),
	};
	u64 term;
	int err;

	mutex_lock(&dev->lock);
	err = leader_term_ok(dev, msg);
	if (!err)
		err = follower_start(dev, peer->id, msg->term, b, &a);
	term = dev->sb.current_term;
	mutex_unlock(&dev->lock);
	return answer(peer, term, &a, err);
}

/* Copy to a block aligned buffer (the message's is not) and write it. */
static int write_chunk(struct stockade_dev *dev,
		       const struct stockade_wire_chunk_view *v)
{
	if (!dev->resync_buf) {
		dev->resync_buf = vmalloc(STOCKADE_RESYNC_MAX_CHUNK_BLOCKS *
					  BLOCK);
		if (!dev->resync_buf)
			return -ENOMEM;
	}
	memcpy(dev->resync_buf, v->data, (size_t)v->n_blocks * BLOCK);
	return stockade_backing_rw(dev, REQ_OP_WRITE,
				   dev->sb.data_start + v->offset_block,
				   v->n_blocks, dev->resync_buf);
}

/* Persist how far the copy got; PREFLUSH makes those blocks durable first. */
static int persist_next(struct stockade_dev *dev)
{
	struct stockade_super sb = dev->sb;

	sb.generation++;
	sb.resync.next_block = dev->resync_next;
	return stockade_super_store(dev, &sb);
}

static int take_chunk(struct stockade_dev *dev,
		      const struct stockade_wire_chunk_view *v)
{
	struct stockade_resync_dst d;
	int err;

	err = write_chunk(dev, v);
	if (err)
		return err;
	dev->resync_next += v->n_blocks;
	atomic64_add(v->n_blocks, &dev->resync_received);
	dst_of(dev, &d);
	return stockade_resync_dst_persist_due(&d) ? persist_next(dev) : 0;
}

static int follower_chunk(struct stockade_dev *dev,
			  const struct stockade_wire_chunk_view *v,
			  struct stockade_wire_resync_ack *a)
{
	struct stockade_resync_dst d;
	int err;

	dst_of(dev, &d);
	switch (stockade_resync_dst_chunk(&d, v->session, v->offset_block,
					  v->n_blocks)) {
	case STOCKADE_RDST_UNKNOWN_SESSION:
		set_ack(a, STOCKADE_RESYNC_ACK_UNKNOWN_SESSION, 0);
		return 0;
	case STOCKADE_RDST_RESUME:
		set_ack(a, STOCKADE_RESYNC_ACK_OK, dev->resync_next);
		return 0;
	case STOCKADE_RDST_WRITE:
		break;
	default:
		return -EBADMSG;
	}
	err = take_chunk(dev, v);
	if (err) {
		/* Out of memory is not the disk's fault; the leader retries. */
		if (err != -ENOMEM)
			stockade_disk_error(dev, err, true);
		return 0;
	}
	set_ack(a, STOCKADE_RESYNC_ACK_OK, dev->resync_next);
	return 0;
}

int stockade_resync_on_chunk(struct stockade_peer *peer,
			     const struct stockade_wire_msg *msg,
			     const void *body)
{
	struct stockade_dev *dev = peer->net->dev;
	struct stockade_wire_resync_ack a = {
		.status = cpu_to_le32(STOCKADE_RESYNC_ACK_REFUSED),
	};
	struct stockade_wire_chunk_view v;
	u64 term;
	int err;

	if (stockade_wire_parse_resync_chunk(body, msg->body_len, &v))
		return -EBADMSG;
	a.session = cpu_to_le64(v.session);
	mutex_lock(&dev->lock);
	err = leader_term_ok(dev, msg);
	if (!err)
		err = follower_chunk(dev, &v, &a);
	term = dev->sb.current_term;
	mutex_unlock(&dev->lock);
	return answer(peer, term, &a, err);
}

/* The log restarts, empty, at the snapshot; the index follows. */
static void reset_log(struct stockade_dev *dev, u64 snap, u64 snap_term)
{
	stockade_index_reset(&dev->idx, snap + 1);
	dev->last_index = snap;
	dev->last_term = snap_term;
	dev->commit_index = snap;
	dev->applied_index = snap;
	dev->leader_match = snap;
	dev->leader_match_term = dev->sb.current_term;
}

/*
 * All copied.  The superblock's PREFLUSH makes every block durable before
 * it says so.  The log restarts empty after the snapshot under a new log
 * id, so that no batch of the old log can ever be read as part of the new
 * one; the epoch is raised as for a truncation.
 */
static int finish_copy(struct stockade_dev *dev, u32 leader, u64 catch_up)
{
	struct stockade_super sb = dev->sb;
	u64 snap = sb.resync.snap_index, snap_term = sb.resync.snap_term;
	int err;

	dev->resync_leader = leader;
	dev->resync_leader_term = dev->sb.current_term;
	sb.generation++;
	sb.checkpoint_index = snap;
	sb.checkpoint_term = snap_term;
	sb.checkpoint_lsn = dev->log_end;
	sb.log_epoch++;
	sb.log_id = get_random_u64();
	if (catch_up > snap)
		sb.resync.catch_up_index = catch_up;
	else
		clear_need(dev, &sb);
	err = stockade_super_store(dev, &sb);
	if (err) {
		stockade_disk_error(dev, err, true);
		return err;
	}
	reset_log(dev, snap, snap_term);
	stockade_resync_free(dev);
	pr_info("stockade%d: full resync from node %u complete: log restarts at index %llu, votes again from index %llu\n",
		dev->index, leader, snap, max(catch_up, snap));
	stockade_event(dev, STOCKADE_EVENT_RESYNC_END, leader);
	return 0;
}

static int follower_done(struct stockade_dev *dev, u32 leader,
			 const struct stockade_wire_resync_done *b,
			 struct stockade_wire_resync_ack *a)
{
	struct stockade_resync_dst d;

	dst_of(dev, &d);
	switch (stockade_resync_dst_done(&d, b)) {
	case STOCKADE_RDST_UNKNOWN_SESSION:
		set_ack(a, STOCKADE_RESYNC_ACK_UNKNOWN_SESSION, 0);
		return 0;
	case STOCKADE_RDST_RESUME:
		set_ack(a, STOCKADE_RESYNC_ACK_OK, dev->resync_next);
		return 0;
	case STOCKADE_RDST_ALREADY_DONE:
		set_ack(a, STOCKADE_RESYNC_ACK_DONE, dev->sb.data_blocks);
		return 0;
	case STOCKADE_RDST_FINISH:
		if (!finish_copy(dev, leader, le64_to_cpu(b->catch_up_index)))
			set_ack(a, STOCKADE_RESYNC_ACK_DONE,
				dev->sb.data_blocks);
		return 0;
	default:
		return -EBADMSG;
	}
}

int stockade_resync_on_done(struct stockade_peer *peer,
			    const struct stockade_wire_msg *msg,
			    const void *body)
{
	const struct stockade_wire_resync_done *b = body;
	struct stockade_dev *dev = peer->net->dev;
	struct stockade_wire_resync_ack a = {
		.session = b->session,
		.status = cpu_to_le32(STOCKADE_RESYNC_ACK_REFUSED),
	};
	u64 term;
	int err;

	mutex_lock(&dev->lock);
	err = leader_term_ok(dev, msg);
	if (!err)
		err = follower_done(dev, peer->id, b, &a);
	term = dev->sb.current_term;
	mutex_unlock(&dev->lock);
	return answer(peer, term, &a, err);
}

/* --- status --------------------------------------------------------------- */

static u8 own_state(const struct stockade_dev *dev)
{
	if (!stockade_resync_needed(dev))
		return STOCKADE_RESYNC_NONE;
	if (dev->sb.resync.catch_up_index)
		return STOCKADE_RESYNC_CATCHING_UP;
	return dev->sb.resync.session ? STOCKADE_RESYNC_COPYING :
					STOCKADE_RESYNC_WAITING;
}

static u8 peer_state(const struct stockade_dev *dev,
		     const struct stockade_resync_src *s)
{
	static const u8 names[] = {
		[STOCKADE_RSRC_NONE]		= STOCKADE_RESYNC_NONE,
		[STOCKADE_RSRC_STARTING]	= STOCKADE_RESYNC_WAITING,
		[STOCKADE_RSRC_COPYING]		= STOCKADE_RESYNC_COPYING,
		[STOCKADE_RSRC_FINISHING]	= STOCKADE_RESYNC_FINISHING,
		[STOCKADE_RSRC_CATCHING_UP]	= STOCKADE_RESYNC_CATCHING_UP,
		[STOCKADE_RSRC_DONE]		= STOCKADE_RESYNC_DONE,
	};

	if (!live(dev, s) || s->phase >= ARRAY_SIZE(names))
		return STOCKADE_RESYNC_NONE;
	return names[s->phase];
}

/* Under the lock; peers by the same index as net_status() fills them. */
void stockade_resync_status(struct stockade_dev *dev,
			    struct stockade_dev_status *st)
{
	struct stockade_net *net = dev->net;
	u32 i;

	lockdep_assert_held(&dev->lock);
	st->resync_state = own_state(dev);
	st->resync_done = stockade_resync_needed(dev) ? dev->resync_next : 0;
	if (own_state(dev) == STOCKADE_RESYNC_CATCHING_UP)
		st->resync_done = dev->sb.data_blocks;
	st->resync_total = dev->sb.data_blocks;
	st->resync_catch_up = dev->sb.resync.catch_up_index;
	st->resync_rate_kbps = READ_ONCE(dev->resync_rate_kbps);
	st->counters[STOCKADE_COUNTER_RESYNC_BLOCKS_SENT] =
		atomic64_read(&dev->resync_sent);
	st->counters[STOCKADE_COUNTER_RESYNC_BLOCKS_RECEIVED] =
		atomic64_read(&dev->resync_received);
	st->counters[STOCKADE_COUNTER_RESYNC_ABORTS] =
		atomic64_read(&dev->resync_aborts);
	for (i = 0; net && i < net->n_peers; i++) {
		const struct stockade_resync_src *s = &net->peers[i].resync;

		st->peers[i].resync_state = peer_state(dev, s);
		st->peers[i].resync_done = s->next_block;
		st->peers[i].resync_total = s->data_blocks;
	}
}
