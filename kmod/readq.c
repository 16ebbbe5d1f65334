// SPDX-License-Identifier: GPL-2.0
/*
 * read = quorum: a read is served only after a majority has confirmed,
 * in a round that started after the read arrived, that this node still
 * leads its term.  Unlike the lease, this needs no assumption about
 * clocks: a leader that was frozen and thawed cannot get a round
 * confirmed once a majority has moved on.  Reads that arrive while a
 * round is in flight ride the next one together.  The round logic is
 * core/readround.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>

#include "stockade.h"

#define RESEND_MS	100	/* a probe lost with its connection */

static void fail_all(struct stockade_dev *dev, struct bio_list *list)
{
	struct bio *bio;

	while ((bio = bio_list_pop(list))) {
		stockade_fence_count(dev, bio);
		bio_io_error(bio);
	}
}

static void serve_all(struct stockade_dev *dev, struct bio_list *list)
{
	struct bio *bio;

	while ((bio = bio_list_pop(list)))
		stockade_serve_read(dev, bio);
}

static void send_probes(struct stockade_dev *dev, u64 term, u64 round)
{
	struct stockade_wire_read_round body = {
		.round = cpu_to_le64(round),
	};
	struct stockade_net *net = dev->net;
	u32 i;

	for (i = 0; net && i < net->n_peers; i++)
		stockade_peer_send(&net->peers[i], STOCKADE_MSG_READ_PROBE, term,
				   &body, sizeof(body));
}

/* What the work decided, done outside the spinlock. */
struct readq_step {
	struct bio_list fail, serve;
	u64 probe;		/* round to send, 0: none */
};

static void plan_locked(struct stockade_readq *rq, bool leader, u64 term,
			u32 n_peers, struct readq_step *s)
{
	u64 round;

	if (!leader || term != rq->term || n_peers != rq->rounds.n_peers) {
		/* Reads of another term or cluster shape start over. */
		bio_list_merge(&s->fail, &rq->riding);
		bio_list_init(&rq->riding);
		stockade_rounds_reset(&rq->rounds, n_peers);
		rq->term = term;
	}
	if (!leader) {
		bio_list_merge(&s->fail, &rq->waiting);
		bio_list_init(&rq->waiting);
		return;
	}
	s->probe = stockade_rounds_in_flight(&rq->rounds);
	if (s->probe || bio_list_empty(&rq->waiting))
		return;
	bio_list_merge(&rq->riding, &rq->waiting);
	bio_list_init(&rq->waiting);
	round = stockade_rounds_start(&rq->rounds);
	if (rq->rounds.confirmed >= round) {
		bio_list_merge(&s->serve, &rq->riding);
		bio_list_init(&rq->riding);
	} else {
		s->probe = round;
	}
}

static void readq_work_fn(struct work_struct *work)
{
	struct stockade_dev *dev = container_of(to_delayed_work(work),
						 struct stockade_dev,
						 readq.work);
	struct stockade_readq *rq = &dev->readq;
	struct readq_step s = { .probe = 0 };
	bool leader;
	u32 n_peers;
	u64 term;

	bio_list_init(&s.fail);
	bio_list_init(&s.serve);
	mutex_lock(&dev->lock);
	/* A lease that ran out fails the riders too, under io-error. */
	leader = dev->role == STOCKADE_ROLE_LEADER && !dev->stopping &&
		 stockade_fence_check(dev, ktime_get_ns()) != STOCKADE_IO_FAIL;
	term = dev->sb.current_term;
	n_peers = dev->net ? dev->net->n_peers : 0;
	spin_lock_irq(&rq->lock);
	plan_locked(rq, leader, term, n_peers, &s);
	spin_unlock_irq(&rq->lock);
	if (s.probe)
		send_probes(dev, term, s.probe);
	mutex_unlock(&dev->lock);

	fail_all(dev, &s.fail);
	serve_all(dev, &s.serve);
	if (s.probe)
		mod_delayed_work(system_wq, &rq->work,
				 msecs_to_jiffies(RESEND_MS));
}

void stockade_readq_kick(struct stockade_dev *dev)
{
	mod_delayed_work(system_wq, &dev->readq.work, 0);
}

void stockade_readq_submit(struct stockade_dev *dev, struct bio *bio)
{
	struct stockade_readq *rq = &dev->readq;
	unsigned long flags;

	spin_lock_irqsave(&rq->lock, flags);
	bio_list_add(&rq->waiting, bio);
	spin_unlock_irqrestore(&rq->lock, flags);
	stockade_readq_kick(dev);
}

/* Follower: answer a probe with our term (a newer one deposes). */
int stockade_readq_on_probe(struct stockade_peer *peer,
			    const struct stockade_wire_msg *msg,
			    const void *body)
{
	struct stockade_dev *dev = peer->net->dev;
	int err = stockade_dev_observe_term(dev, msg->term, true);

	stockade_peer_send(peer, STOCKADE_MSG_READ_ACK,
			   READ_ONCE(dev->sb.current_term), body,
			   sizeof(struct stockade_wire_read_round));
	return err;
}

/* Leader: count the answer; serve the riders of a confirmed round. */
int stockade_readq_on_ack(struct stockade_peer *peer,
			  const struct stockade_wire_msg *msg,
			  const void *body)
{
	const struct stockade_wire_read_round *r = body;
	struct stockade_dev *dev = peer->net->dev;
	struct stockade_readq *rq = &dev->readq;
	struct bio_list serve;
	bool confirmed = false;

	if (msg->term > READ_ONCE(dev->sb.current_term)) {
		stockade_dev_observe_term(dev, msg->term, false);
		stockade_readq_kick(dev);
		return 0;
	}
	bio_list_init(&serve);
	spin_lock_irq(&rq->lock);
	if (msg->term == rq->term &&
	    READ_ONCE(dev->role) == STOCKADE_ROLE_LEADER)
		confirmed = stockade_rounds_ack(&rq->rounds,
						peer - peer->net->peers,
						le64_to_cpu(r->round));
	if (confirmed) {
		bio_list_merge(&serve, &rq->riding);
		bio_list_init(&rq->riding);
	}
	spin_unlock_irq(&rq->lock);
	serve_all(dev, &serve);
	if (confirmed)
		stockade_readq_kick(dev);	/* the next riders */
	return 0;
}

void stockade_readq_init(struct stockade_dev *dev)
{
	struct stockade_readq *rq = &dev->readq;

	spin_lock_init(&rq->lock);
	bio_list_init(&rq->waiting);
	bio_list_init(&rq->riding);
	INIT_DELAYED_WORK(&rq->work, readq_work_fn);
}

void stockade_readq_stop(struct stockade_dev *dev)
{
	struct stockade_readq *rq = &dev->readq;
	struct bio_list list;

	cancel_delayed_work_sync(&rq->work);
	bio_list_init(&list);
	spin_lock_irq(&rq->lock);
	bio_list_merge(&list, &rq->waiting);
	bio_list_merge(&list, &rq->riding);
	bio_list_init(&rq->waiting);
	bio_list_init(&rq->riding);
	spin_unlock_irq(&rq->lock);
	fail_all(dev, &list);
}
