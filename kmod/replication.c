// SPDX-License-Identifier: GPL-2.0
/*
 * Replication of the log: the leader sends each follower the entries it
 * lacks (one APPEND in flight per follower, core/progress.c), counts
 * acknowledgements into the commit index (core/quorum.c), and applies what
 * is committed.  A follower checks every APPEND with the replica rules
 * (core/replica.c) before it touches its log: an older term is refused and
 * counted, a newer one persisted first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>

#include "stockade.h"
#include "../core/logentry.h"
#include "../core/quorum.h"
#include "../core/replica.h"

#define BLOCK	STOCKADE_BLOCK_SIZE
/* Entries per APPEND: enough for a queue of writers, few for a laggard. */
#define MAX_APPEND_ENTRIES	32

static u64 term_at(const void *log, u64 index)
{
	return stockade_wal_term_at(log, index);
}

/* The leader's commit index from what each node has durable. */
void stockade_repl_update_commit(struct stockade_dev *dev)
{
	struct stockade_net *net = dev->net;
	u64 match[STOCKADE_MAX_NODES];
	unsigned int n = 0, i;
	u64 commit;

	lockdep_assert_held(&dev->lock);
	if (dev->role != STOCKADE_ROLE_LEADER)
		return;
	match[n++] = dev->last_index;
	for (i = 0; net && i < net->n_peers; i++)
		match[n++] = net->peers[i].progress.match_index;
	commit = stockade_quorum_commit(match, n, dev->commit_index,
					dev->sb.current_term, term_at, dev);
	if (commit > dev->commit_index) {
		dev->commit_index = commit;
		stockade_wal_apply(dev);
	}
}

void stockade_repl_kick(struct stockade_dev *dev)
{
	if (dev->net)
		queue_work(system_unbound_wq, &dev->repl_work);
}

struct append_msg {
	struct stockade_wire_append *body;
	u32 len;
};

struct append_fill {
	struct append_msg *m;
	u32 n;			/* entries copied so far */
	u32 payload_off;	/* where the next payload goes */
};

/* Copy one entry, as read back from the log, into its place. */
static int put_entry(struct stockade_dev *dev,
		     const struct stockade_log_entry *e, const u8 *payload,
		     void *ctx)
{
	struct append_fill *f = ctx;
	u32 len = stockade_entry_payload_len(e);

	if (f->payload_off + len > f->m->len)
		return -EUCLEAN;
	f->m->body->entries[f->n++] = *e;
	memcpy((u8 *)f->m->body + f->payload_off, payload, len);
	f->payload_off += len;
	return 0;
}

/*
 * Entries first.. (at most @count, and about 4 MiB of payload), sized
 * from the index: one entry per batch, so its payload is the batch less
 * its header block.
 */
static int build_append(struct stockade_dev *dev, u64 first, u32 count,
			struct append_msg *m, u64 *last)
{
	const struct stockade_index_entry *ie;
	struct append_fill f = { .m = m };
	u64 payload = 0;
	u32 n, i;
	int err;

	for (n = 0; n < count; n++) {
		ie = stockade_index_get(&dev->idx, first + n);
		if (!ie || (n && payload + (ie->blocks - 1) * BLOCK > SZ_4M))
			break;
		payload += (u64)(ie->blocks - 1) * BLOCK;
	}
	if (!n)
		return -ENOENT;
	f.payload_off = sizeof(*m->body) + n * sizeof(m->body->entries[0]);
	m->len = f.payload_off + payload;
	m->body = kvzalloc(m->len, GFP_KERNEL);
	if (!m->body)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		err = stockade_wal_read_entry(dev, first + i, put_entry, &f);
		if (err)
			return err;
	}
	*last = first + n - 1;
	m->body->prev_index = cpu_to_le64(first - 1);
	m->body->prev_term = cpu_to_le64(stockade_wal_term_at(dev, first - 1));
	m->body->leader_commit = cpu_to_le64(dev->commit_index);
	m->body->n_entries = cpu_to_le32(n);
	return 0;
}

static void send_next(struct stockade_dev *dev, struct stockade_peer *peer)
{
	struct append_msg m = { 0 };
	u64 first, term;
	u32 count;
	bool resync;
	int err;

	if (READ_ONCE(peer->state) != STOCKADE_PEER_UP)
		return;
	mutex_lock(&dev->lock);
	if (dev->role != STOCKADE_ROLE_LEADER ||
	    !stockade_progress_next(&peer->progress, dev->idx.first,
				    dev->last_index, MAX_APPEND_ENTRIES,
				    &first, &count)) {
		/* Behind the log, or being copied: the resync work's turn. */
		resync = stockade_resync_wanted(dev, peer);
		mutex_unlock(&dev->lock);
		if (resync)
			stockade_resync_kick(dev);
		return;
	}
	err = build_append(dev, first, count, &m, &peer->sent_last);
	term = dev->sb.current_term;
	if (err)
		peer->progress.inflight = false;
	mutex_unlock(&dev->lock);
	if (!err)
		err = stockade_peer_send(peer, STOCKADE_MSG_APPEND, term, m.body,
					 m.len);
	kvfree(m.body);
	if (err) {
		mutex_lock(&dev->lock);
		peer->progress.inflight = false;
		mutex_unlock(&dev->lock);
	}
}

void stockade_repl_work(struct work_struct *work)
{
	struct stockade_dev *dev = container_of(work, struct stockade_dev,
						 repl_work);
	struct stockade_net *net = dev->net;
	u32 i;

	for (i = 0; net && i < net->n_peers; i++)
		send_next(dev, &net->peers[i]);
}

/* A peer connected: assume it is in sync; its answers will say. */
void stockade_repl_peer_up(struct stockade_peer *peer)
{
	struct stockade_dev *dev = peer->net->dev;

	mutex_lock(&dev->lock);
	stockade_progress_reset(&peer->progress, dev->last_index);
	stockade_resync_peer_up(peer);
	mutex_unlock(&dev->lock);
	stockade_repl_kick(dev);
}

/* A reply in our term, while we lead: progress, then the commit index. */
static int take_reply(struct stockade_dev *dev, struct stockade_peer *peer,
		      const struct stockade_wire_append_reply_view *r)
{
	const struct stockade_append_answer a = {
		.verdict = r->verdict, .match = r->match_index,
		.follower_last = r->last_index, .sent_last = peer->sent_last,
		.hint = r->hint,
	};
	/* The checkpoint's term is kept: the oldest index with one. */
	const struct stockade_leader_log log = {
		.term = dev->sb.current_term,
		.first = max_t(u64, dev->sb.checkpoint_index, 1),
		.term_at = term_at, .log = dev,
	};

	if (!stockade_progress_on_reply(&peer->progress, &a, &log))
		return -EBADMSG;
	if (a.verdict == STOCKADE_APPEND_GAP ||
	    a.verdict == STOCKADE_APPEND_MISMATCH)
		atomic64_inc(&dev->append_refusals);
	stockade_resync_after_reply(dev, peer, r->verdict);
	stockade_repl_update_commit(dev);
	return 0;
}

int stockade_repl_on_append_reply(struct stockade_peer *peer,
				  const struct stockade_wire_msg *msg,
				  const void *body)
{
	struct stockade_wire_append_reply_view r;
	struct stockade_dev *dev = peer->net->dev;
	int err = 0;

	if (stockade_wire_parse_append_reply(msg, body, &r))
		return -EBADMSG;
	mutex_lock(&dev->lock);
	if (msg->term > dev->sb.current_term)
		stockade_dev_adopt_term(dev, msg->term);
	else if (dev->role == STOCKADE_ROLE_LEADER &&
		 msg->term == dev->sb.current_term)
		err = take_reply(dev, peer, &r);
	/* Anything else answers an older term of ours: nothing to learn. */
	mutex_unlock(&dev->lock);
	if (!err)
		stockade_repl_kick(dev);
	return err;
}

/*
 * The follower's commit index: never past what matches this leader.
 * Nothing is applied while the data region is being copied: the log is
 * about to be replaced.
 */
static void follower_commit(struct stockade_dev *dev, u64 leader_commit)
{
	u64 commit = min(leader_commit, dev->leader_match);

	if (dev->leader_match_term != dev->sb.current_term ||
	    stockade_resync_copying(dev))
		return;
	if (commit > dev->commit_index) {
		dev->commit_index = commit;
		stockade_wal_apply(dev);
		stockade_resync_applied(dev);
	}
}

/* Our log equals this term's leader's through @index. */
static void note_leader_match(struct stockade_dev *dev, u64 index)
{
	if (dev->leader_match_term != dev->sb.current_term)
		dev->leader_match = 0;
	dev->leader_match_term = dev->sb.current_term;
	dev->leader_match = max(dev->leader_match, index);
}

void stockade_repl_on_leader_keepalive(struct stockade_dev *dev, u64 term,
				       u64 leader_commit)
{
	mutex_lock(&dev->lock);
	if (term == dev->sb.current_term && dev->role != STOCKADE_ROLE_LEADER)
		follower_commit(dev, leader_commit);
	mutex_unlock(&dev->lock);
}

/* Cut the log back to just before @from, after raising the epoch. */
static int truncate_log(struct stockade_dev *dev, u64 from)
{
	const struct stockade_index_entry *e;
	struct stockade_super sb = dev->sb;
	int err;

	e = stockade_index_get(&dev->idx, from);
	if (!e || from <= dev->commit_index)
		return -EINVAL;
	sb.generation++;
	sb.log_epoch++;
	err = stockade_super_store(dev, &sb);
	if (err)
		return err;
	dev->log_end = e->prev_end;
	stockade_index_truncate(&dev->idx, from);
	dev->last_index = from - 1;
	dev->last_term = stockade_wal_term_at(dev, from - 1);
	return 0;
}

static void free_batches(struct stockade_batch **bs, u32 n)
{
	while (n)
		stockade_batch_free(bs[--n]);
	kfree(bs);
}

/*
 * Write the new entries the plan names, each as its own batch, in as few
 * log writes as their layout allows.
 */
static int write_entries(struct stockade_dev *dev,
			 const struct stockade_wire_append_view *v,
			 const struct stockade_append_plan *plan)
{
	const u8 *payload = v->payloads;
	struct stockade_batch **bs;
	u32 i, len, n = 0;
	u64 index;
	int err = 0;

	bs = kcalloc(v->n_entries, sizeof(*bs), GFP_NOIO);
	if (!bs)
		return -ENOMEM;
	for (i = 0; i < v->n_entries && !err; i++) {
		index = v->prev_index + 1 + i;
		len = stockade_entry_payload_len(&v->entries[i]);
		if (len % BLOCK) {
			err = -EBADMSG;
		} else if (plan->first_new && index >= plan->first_new) {
			bs[n] = stockade_batch_alloc(len / BLOCK);
			if (!bs[n]) {
				err = -ENOMEM;
				break;
			}
			*stockade_batch_entry(bs[n]) = v->entries[i];
			stockade_batch_copy_in(bs[n++], payload);
		}
		payload += len;
	}
	if (!err && n)
		err = stockade_wal_append_many(dev, bs, n);
	free_batches(bs, n);
	return err;
}

static enum stockade_append_verdict
follower_append(struct stockade_dev *dev, const struct stockade_wire_msg *msg,
		const struct stockade_wire_append_view *v, u64 *match,
		struct stockade_append_hint *hint)
{
	u64 terms[STOCKADE_BATCH_MAX_ENTRIES];
	struct stockade_replica_state st = {
		.current_term = dev->sb.current_term,
		.last_index = dev->last_index,
		.commit_index = dev->commit_index,
		.term_at = term_at,
		.log = dev,
	};
	struct stockade_append_req req = {
		.term = msg->term, .prev_index = v->prev_index,
		.prev_term = v->prev_term, .leader_commit = v->leader_commit,
		.n_entries = v->n_entries, .entry_terms = terms,
	};
	struct stockade_append_plan plan;
	enum stockade_append_verdict verdict;
	u32 i;
	int err;

	for (i = 0; i < v->n_entries; i++)
		terms[i] = le64_to_cpu(v->entries[i].term);
	verdict = stockade_replica_append(&st, &req, &plan);
	*hint = plan.hint;
	if (verdict == STOCKADE_APPEND_STALE_TERM)
		return verdict;
	/* A newer term is durable before anything is acknowledged in it. */
	if (plan.persist_term && stockade_dev_adopt_term(dev, plan.new_term))
		return STOCKADE_APPEND_BAD_REQUEST;
	/* The data region is being copied: the leader must go on with that. */
	if (verdict != STOCKADE_APPEND_BAD_REQUEST &&
	    stockade_resync_copying(dev))
		return STOCKADE_APPEND_NEEDS_RESYNC;
	if (verdict != STOCKADE_APPEND_OK)
		return verdict;
	if (dev->role == STOCKADE_ROLE_LEADER) {
		pr_warn_ratelimited("stockade%d: node %u also leads term %llu\n",
				    dev->index, msg->from_node, msg->term);
		return STOCKADE_APPEND_BAD_REQUEST;
	}
	if (plan.truncate_from && truncate_log(dev, plan.truncate_from))
		return STOCKADE_APPEND_BAD_REQUEST;
	/*
	 * Apply what we hold and the leader has committed before writing:
	 * a log full of unapplied entries (after a restart, all of them)
	 * has room for new ones only once a checkpoint can drop those, and
	 * nothing else tells this follower its commit index until an
	 * APPEND succeeds.
	 */
	note_leader_match(dev, plan.held_match);
	follower_commit(dev, plan.commit_index);
	err = write_entries(dev, v, &plan);
	if (err) {
		/*
		 * The log is full even so: acknowledge what it holds (all of
		 * it equals the leader's), so that the leader can count it
		 * toward a commit index that lets a checkpoint make room.
		 * follower_commit() keeps the commit index within it.
		 */
		if (err != -ENOSPC || READ_ONCE(dev->disk_failed))
			return STOCKADE_APPEND_BAD_REQUEST;
		plan.match_index = dev->last_index;
	}
	note_leader_match(dev, plan.match_index);
	follower_commit(dev, plan.commit_index);
	*match = plan.match_index;
	return STOCKADE_APPEND_OK;
}

int stockade_repl_on_append(struct stockade_peer *peer,
			    const struct stockade_wire_msg *msg,
			    const void *body)
{
	struct stockade_dev *dev = peer->net->dev;
	struct stockade_wire_append_reply reply = { 0 };
	struct stockade_wire_append_view view;
	enum stockade_append_verdict verdict;
	struct stockade_append_hint hint = { 0 };
	u64 match = 0, term;

	if (stockade_wire_parse_append(body, msg->body_len, &view))
		return -EBADMSG;
	/* Without a disk this node holds nothing: it must not count. */
	if (READ_ONCE(dev->disk_failed))
		return 0;
	mutex_lock(&dev->lock);
	verdict = follower_append(dev, msg, &view, &match, &hint);
	reply.match_index = cpu_to_le64(match);
	reply.last_index = cpu_to_le64(dev->last_index);
	reply.verdict = cpu_to_le32(verdict);
	/* The plan's hint goes with the mismatch it explains, and only it. */
	if (verdict == STOCKADE_APPEND_MISMATCH) {
		reply.conflict_term = cpu_to_le64(hint.term);
		reply.conflict_index = cpu_to_le64(hint.index);
	}
	term = dev->sb.current_term;
	mutex_unlock(&dev->lock);
	if (verdict == STOCKADE_APPEND_STALE_TERM)
		atomic64_inc(&peer->net->stale_term_msgs);
	stockade_peer_send(peer, STOCKADE_MSG_APPEND_REPLY, term, &reply,
			   sizeof(reply));
	return 0;
}
