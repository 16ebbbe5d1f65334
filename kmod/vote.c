// SPDX-License-Identifier: GPL-2.0
/*
 * The vote operation: the agent runs elections, but the module holds the
 * durable term and vote, so that two agents (or one restarted agent)
 * can never make this node vote twice in a term.  The rules are
 * core/vote.c's; this file persists what they decide before answering.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/netlink.h>

#include "netlink.h"
#include "stockade.h"
#include "../core/vote.h"

static enum stockade_vote_result to_result(enum stockade_vote_verdict v)
{
	switch (v) {
	case STOCKADE_VOTE_GRANTED:
		return STOCKADE_VOTE_RESULT_GRANTED;
	case STOCKADE_VOTE_STALE_TERM:
		return STOCKADE_VOTE_RESULT_STALE_TERM;
	case STOCKADE_VOTE_ALREADY_VOTED:
		return STOCKADE_VOTE_RESULT_ALREADY_VOTED;
	case STOCKADE_VOTE_LOG_BEHIND:
		return STOCKADE_VOTE_RESULT_LOG_BEHIND;
	default:
		return STOCKADE_VOTE_RESULT_BAD_REQUEST;
	}
}

/* Write the plan (FUA); a newer term fences this node even on failure. */
static int persist_plan(struct stockade_dev *dev,
			const struct stockade_vote_plan *plan)
{
	struct stockade_super sb = dev->sb;
	bool newer = plan->new_term > dev->sb.current_term;
	int err;

	sb.generation++;
	sb.current_term = plan->new_term;
	sb.voted_for = plan->voted_for;
	err = stockade_super_store(dev, &sb);
	if (err) {
		stockade_disk_error(dev, err, true);
		pr_err("stockade%d: cannot persist term %llu and vote\n",
		       dev->index, plan->new_term);
	}
	if (newer && dev->role == STOCKADE_ROLE_LEADER) {
		pr_warn("stockade%d: vote in term %llu: stepping down\n",
			dev->index, plan->new_term);
		WRITE_ONCE(dev->role, STOCKADE_ROLE_FOLLOWER);
		stockade_event(dev, STOCKADE_EVENT_STEPPED_DOWN, 0);
		wake_up_all(&dev->applied_wait);
		stockade_fence_kick(dev);
	}
	return err;
}

int stockade_dev_vote_locked(struct stockade_dev *dev,
			     const struct stockade_vote_req *req,
			     struct stockade_vote_reply *reply,
			     struct netlink_ext_ack *extack)
{
	struct stockade_vote_state st = {
		.current_term	= dev->sb.current_term,
		.voted_for	= dev->sb.voted_for,
		.last_index	= dev->last_index,
		.last_term	= dev->last_term,
		/* Leader stickiness is the agent's knowledge, not ours. */
		.leader_alive	= false,
	};
	struct stockade_vote_plan plan;
	enum stockade_vote_verdict v;
	int err = 0;

	lockdep_assert_held(&dev->lock);
	/* A node that may have lost writes must not help elect anyone. */
	if (READ_ONCE(dev->disk_failed)) {
		NL_SET_ERR_MSG(extack, "the backing device failed: this node does not vote");
		return -EIO;
	}
	/*
	 * Nor may one whose log is empty or being replaced: it would vote
	 * as if it had never acknowledged the entries it did.
	 */
	if (stockade_resync_needed(dev)) {
		NL_SET_ERR_MSG(extack, "NEEDS_RESYNC: a full resync must end before it votes");
		return -EIO;
	}
	v = stockade_vote(&st, req, &plan);
	if (plan.persist)
		err = persist_plan(dev, &plan);
	if (!err) {
		reply->result = to_result(v);
		reply->term = dev->sb.current_term;
		reply->voted_for = dev->sb.voted_for;
	}
	return err;
}
