// SPDX-License-Identifier: GPL-2.0
/*
 * The election and lease-renewal state machine (core/election.c).
 *
 * Single transitions are checked by driving one machine by hand.  Whole
 * clusters of 3 and 5 machines run in an in-memory network with losses,
 * delays, cut links, crashes and pauses, on one manual clock (each node
 * sees it with its own offset: no clock value may cross nodes except as
 * an echo).  Each node has a fake module that holds the durable term and
 * vote and applies core/vote.c to them, as stockade.ko does, and may be
 * told to fail its writes.  The harness checks, at every action:
 *
 *  - at most one leader per term, and the leader voted for itself;
 *  - a granted VOTE_REPLY is sent only for a vote the module persisted;
 *  - a lease starts no later than a send time a majority acknowledged
 *    (by the harness's own count of delivered acks), never in the future
 *    and moves only forward;
 *  - a new leader holds every entry a majority held in its leader's term
 *    (the logs are modelled: leaders append, heartbeats replicate);
 *  - no call overflows its output.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kselftest_harness.h"
#include "election.h"
#include "lease.h"
#include "quorum.h"
#include "vote.h"

#define MS		1000000ULL
#define SEC		1000000000ULL
#define HB		(20 * MS)
#define BASE		(150 * MS)
#define LEASE		(100 * MS)
#define STEP		(1 * MS)

#define MAXN		STOCKADE_MAX_NODES
#define MAX_TERMS	4096
#define QCAP		16384
#define ACAP		256

/* Harness */

struct fnode {
	struct stockade_elect e;
	struct stockade_elect_config cfg;
	u64 offset;		/* node clock = global clock + offset */
	bool up;		/* false: crashed */
	bool paused;		/* its loop does not run */
	u64 paused_at;		/* node clock */
	bool fail_persist;	/* the fake module's writes fail */
	bool lagging;		/* takes no entries from the leader */
	bool fixed_rand;
	u32 rand;
	/* The fake module. */
	u64 mod_term;
	u32 mod_voted_for;
	bool mod_leader;
	u64 last_index;
	u64 last_term;
	u32 voted[MAX_TERMS];	/* durable votes, by term */
	/* Observations of this node as leader. */
	u64 acked[MAXN + 1];	/* delivered acks in its term, by peer */
	u64 lead_since;		/* node clock */
	u64 lease_start;
	u32 grants;
	/* Counters. */
	u32 pre_rounds;		/* pre-vote rounds started */
	u32 became_candidate;
	u32 became_leader;
	u32 stepped_down;
	u64 stepped_down_at;	/* global clock */
};

struct inflight {
	struct stockade_elect_msg m;
	u64 at;			/* global clock */
	u64 log_index;		/* HEARTBEAT: the leader's log when sent */
	u64 log_term;
};

struct answer {
	u32 node;
	u64 at;
	struct stockade_elect_vote_answer ans;
};

struct cluster {
	struct fnode n[MAXN + 1];	/* 1..count */
	u32 count;
	u64 now;			/* global clock */
	u64 rng;
	u32 drop_pct;
	u64 min_delay;
	u64 max_delay;
	u64 persist_delay;		/* answers of the fake module */
	bool cut[MAXN + 1][MAXN + 1];	/* from, to */
	struct inflight q[QCAP];
	u32 nq;
	struct answer ans[ACAP];
	u32 nans;
	u32 leader_of[MAX_TERMS];
	/* By term: the last entry of it a majority held under its leader. */
	u64 committed[MAX_TERMS];
	u32 grants_sent;		/* granted real votes sent */
	u32 violations;
	char why[256];
};

static u64 rnd(struct cluster *c)
{
	/* splitmix64 */
	u64 z = (c->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 rnd_range(struct cluster *c, u64 lo, u64 hi)
{
	return hi <= lo ? lo : lo + rnd(c) % (hi - lo + 1);
}

static void violation(struct cluster *c, const char *what, u32 node, u64 v)
{
	if (!c->violations)
		snprintf(c->why, sizeof(c->why),
			 "t=%llu ms node %u: %s (%llu)",
			 (unsigned long long)(c->now / MS), node, what,
			 (unsigned long long)v);
	c->violations++;
}

static u64 nnow(const struct cluster *c, u32 i)
{
	return c->now + c->n[i].offset;
}

static struct cluster *cl_new(u32 count, u64 seed)
{
	struct cluster *c = calloc(1, sizeof(*c));
	u32 i, j;

	c->count = count;
	c->rng = seed;
	c->min_delay = 1 * MS;
	c->max_delay = 5 * MS;
	c->now = 1 * SEC;
	for (i = 1; i <= count; i++) {
		struct fnode *n = &c->n[i];

		n->offset = (u64)i * 1000 * SEC + rnd(c) % SEC;
		n->cfg.self = i;
		for (j = 1; j <= count; j++)
			if (j != i)
				n->cfg.peers[n->cfg.n_peers++] = j;
		n->cfg.heartbeat_ns = HB;
		n->cfg.election_base_ns = BASE;
		n->cfg.lease_ns = LEASE;
		n->up = true;
		if (!stockade_elect_init(&n->e, &n->cfg, 0, 0, 0, 0,
					 nnow(c, i)))
			violation(c, "init", i, 0);
	}
	return c;
}

static void cl_set_log(struct cluster *c, u32 i, u64 index, u64 term)
{
	c->n[i].last_index = index;
	c->n[i].last_term = term;
	stockade_elect_set_log(&c->n[i].e, index, term);
}

static void restart(struct cluster *c, u32 i);

/* Node @i starts over from this log and a module in @term. */
static void cl_boot(struct cluster *c, u32 i, u64 index, u64 log_term,
		    u64 term)
{
	cl_set_log(c, i, index, log_term);
	c->n[i].mod_term = term;
	restart(c, i);
}

static void apply(struct cluster *c, u32 i, struct stockade_elect_out *out);

static void enqueue(struct cluster *c, u32 i, const struct stockade_elect_msg *m)
{
	struct inflight *f;

	if (m->from != i || m->to < 1 || m->to > c->count || m->to == i) {
		violation(c, "bad addresses", i, m->to);
		return;
	}
	if (m->type == STOCKADE_ELECT_MSG_VOTE_REPLY && m->granted &&
	    !m->pre_vote) {
		c->grants_sent++;
		if (m->term >= MAX_TERMS || c->n[i].voted[m->term] != m->to)
			violation(c, "vote granted before it was persisted",
				  i, m->term);
	}
	if (c->cut[i][m->to] || rnd(c) % 100 < c->drop_pct)
		return;
	if (c->nq == QCAP) {
		violation(c, "network queue full", i, 0);
		return;
	}
	f = &c->q[c->nq++];
	f->m = *m;
	f->at = c->now + rnd_range(c, c->min_delay, c->max_delay);
	f->log_index = c->n[i].last_index;
	f->log_term = c->n[i].last_term;
}

static void fake_module_vote(struct cluster *c, u32 i,
			     const struct stockade_vote_req *req)
{
	struct fnode *n = &c->n[i];
	struct stockade_vote_state st = {
		.current_term = n->mod_term, .voted_for = n->mod_voted_for,
		.last_index = n->last_index, .last_term = n->last_term,
	};
	struct stockade_vote_plan plan;
	enum stockade_vote_verdict v;
	struct answer *a;

	if (c->nans == ACAP) {
		violation(c, "answer queue full", i, 0);
		return;
	}
	a = &c->ans[c->nans++];
	memset(a, 0, sizeof(*a));
	a->node = i;
	a->at = c->now + c->persist_delay;
	a->ans.req = *req;
	v = stockade_vote(&st, req, &plan);
	if (plan.persist && n->fail_persist)
		return;		/* ok = false */
	if (plan.persist) {
		if (plan.new_term > n->mod_term)
			n->mod_leader = false;
		n->mod_term = plan.new_term;
		n->mod_voted_for = plan.voted_for;
		if (plan.new_term >= MAX_TERMS)
			violation(c, "term too high", i, plan.new_term);
		else if (plan.voted_for)
			n->voted[plan.new_term] = plan.voted_for;
	}
	a->ans.ok = true;
	a->ans.granted = v == STOCKADE_VOTE_GRANTED;
	a->ans.term = n->mod_term;
	a->ans.voted_for = n->mod_voted_for;
}

static void deliver_answer(struct cluster *c, const struct answer *a)
{
	struct stockade_elect_out out;
	struct fnode *n = &c->n[a->node];

	if (!n->up)
		return;
	stockade_elect_vote_done(&n->e, &a->ans, nnow(c, a->node), &out);
	apply(c, a->node, &out);
}

static void become_leader(struct cluster *c, u32 i, u64 term)
{
	struct fnode *n = &c->n[i];
	u64 t;

	n->became_leader++;
	if (term >= MAX_TERMS) {
		violation(c, "term too high", i, term);
		return;
	}
	if (c->leader_of[term] && c->leader_of[term] != i)
		violation(c, "two leaders in one term", i, term);
	c->leader_of[term] = i;
	if (n->mod_term != term || n->mod_voted_for != i)
		violation(c, "leads without its own persisted vote", i, term);
	/*
	 * Leader completeness: it holds what was committed in earlier terms
	 * (the latest such commit contains all before it).  A leader of an
	 * old term may come late (its votes were delayed) and need not hold
	 * what a later term committed.
	 */
	for (t = term - 1; t > 0; t--) {
		if (!c->committed[t])
			continue;
		if (!stockade_log_up_to_date(n->last_term, n->last_index,
					     t, c->committed[t]))
			violation(c, "leader lacks a committed entry", i, t);
		break;
	}
	n->mod_leader = true;
	n->lead_since = nnow(c, i);
	n->lease_start = 0;
	memset(n->acked, 0, sizeof(n->acked));
}

static void grant_lease(struct cluster *c, u32 i,
			const struct stockade_elect_action *a)
{
	struct fnode *n = &c->n[i];
	u32 p, acks = 1;

	n->grants++;
	if (!n->mod_leader || n->e.role != STOCKADE_ELECT_LEADER ||
	    a->term != n->e.term || a->term != n->mod_term)
		violation(c, "lease granted by a non-leader", i, a->term);
	if (a->start_ns > nnow(c, i))
		violation(c, "lease starts in the future", i, a->start_ns);
	if (a->start_ns < n->lead_since || a->start_ns <= n->lease_start)
		violation(c, "lease start went back", i, a->start_ns);
	if (a->duration_ns != LEASE)
		violation(c, "lease duration", i, a->duration_ns);
	for (p = 1; p <= c->count; p++)
		if (p != i && n->acked[p] >= a->start_ns)
			acks++;
	if (acks < stockade_majority(c->count))
		violation(c, "lease start not acked by a majority", i, acks);
	n->lease_start = a->start_ns;
}

static void apply(struct cluster *c, u32 i, struct stockade_elect_out *out)
{
	struct fnode *n = &c->n[i];
	bool pre_round = false;
	u32 k;

	if (out->overflow || out->n > STOCKADE_ELECT_MAX_ACTIONS)
		violation(c, "output overflow", i, out->n);
	for (k = 0; k < out->n && k < STOCKADE_ELECT_MAX_ACTIONS; k++) {
		const struct stockade_elect_action *a = &out->a[k];

		switch (a->kind) {
		case STOCKADE_ELECT_ACT_SEND:
			if (a->msg.type == STOCKADE_ELECT_MSG_VOTE &&
			    a->msg.pre_vote)
				pre_round = true;
			enqueue(c, i, &a->msg);
			break;
		case STOCKADE_ELECT_ACT_PERSIST_VOTE:
			if (a->vote.candidate == i)
				n->became_candidate++;
			fake_module_vote(c, i, &a->vote);
			break;
		case STOCKADE_ELECT_ACT_PERSIST_TERM:
			if (!n->fail_persist && a->term > n->mod_term) {
				n->mod_term = a->term;
				n->mod_voted_for = 0;
				n->mod_leader = false;
			}
			break;
		case STOCKADE_ELECT_ACT_BECOME_LEADER:
			become_leader(c, i, a->term);
			break;
		case STOCKADE_ELECT_ACT_BECOME_FOLLOWER:
			n->mod_leader = false;
			n->stepped_down++;
			n->stepped_down_at = c->now;
			break;
		case STOCKADE_ELECT_ACT_GRANT_LEASE:
			grant_lease(c, i, a);
			break;
		default:
			violation(c, "unknown action", i, a->kind);
		}
	}
	n->pre_rounds += pre_round;
	/* Answers due now (no delay) are delivered at once, in order. */
	while (c->persist_delay == 0 && c->nans) {
		struct answer a = c->ans[0];

		memmove(&c->ans[0], &c->ans[1],
			--c->nans * sizeof(c->ans[0]));
		deliver_answer(c, &a);
	}
}

/* A majority holds the leader's last entry of its own term: committed. */
static void track_commit(struct cluster *c)
{
	u32 i, j, held;

	for (i = 1; i <= c->count; i++) {
		const struct fnode *l = &c->n[i];

		if (l->e.role != STOCKADE_ELECT_LEADER ||
		    l->last_term != l->e.term)
			continue;
		held = 0;
		for (j = 1; j <= c->count; j++)
			if (c->n[j].last_term == l->last_term &&
			    c->n[j].last_index >= l->last_index)
				held++;
		if (held >= stockade_majority(c->count) &&
		    l->last_term < MAX_TERMS &&
		    l->last_index > c->committed[l->last_term])
			c->committed[l->last_term] = l->last_index;
	}
}

static void deliver(struct cluster *c, const struct inflight *f)
{
	const struct stockade_elect_msg *m = &f->m;
	struct fnode *n = &c->n[m->to];
	struct stockade_elect_out out;

	if (m->type == STOCKADE_ELECT_MSG_HEARTBEAT_ACK &&
	    n->e.role == STOCKADE_ELECT_LEADER && m->term == n->e.term &&
	    m->sent_ns > n->acked[m->from])
		n->acked[m->from] = m->sent_ns;
	stockade_elect_receive(&n->e, m, nnow(c, m->to), &out);
	/* Replication: a follower of the sender takes its log. */
	if (m->type == STOCKADE_ELECT_MSG_HEARTBEAT && !n->fail_persist &&
	    !n->lagging &&
	    n->e.role == STOCKADE_ELECT_FOLLOWER && n->e.term == m->term &&
	    n->e.leader == m->from &&
	    stockade_log_up_to_date(f->log_term, f->log_index,
				    n->last_term, n->last_index)) {
		/* The module persists the leader's term with its entries. */
		if (m->term > n->mod_term) {
			n->mod_term = m->term;
			n->mod_voted_for = 0;
		}
		cl_set_log(c, m->to, f->log_index, f->log_term);
	}
	apply(c, m->to, &out);
}

static void tick_node(struct cluster *c, u32 i)
{
	struct fnode *n = &c->n[i];
	struct stockade_elect_out out;

	stockade_elect_tick(&n->e, nnow(c, i),
			    n->fixed_rand ? n->rand : (u32)rnd(c), &out);
	apply(c, i, &out);
}

static void step(struct cluster *c, u64 dt)
{
	u32 i, k, kept;

	c->now += dt;
	for (k = 0, kept = 0; k < c->nans; k++) {
		struct answer a = c->ans[k];

		if (a.at <= c->now)
			deliver_answer(c, &a);
		else
			c->ans[kept++] = a;
	}
	c->nans = kept;
	/* Deliveries may enqueue; new messages are never due this step. */
	for (k = 0, kept = 0; k < c->nq; k++) {
		struct inflight f = c->q[k];
		struct fnode *to = &c->n[f.m.to];

		if (f.at > c->now || (to->up && to->paused)) {
			c->q[kept++] = f;
			continue;
		}
		if (to->up && !c->cut[f.m.from][f.m.to])
			deliver(c, &f);
	}
	memmove(&c->q[kept], &c->q[k], (c->nq - k) * sizeof(c->q[0]));
	c->nq = kept + (c->nq - k);
	for (i = 1; i <= c->count; i++)
		if (c->n[i].up && !c->n[i].paused)
			tick_node(c, i);
	track_commit(c);
}

static void run(struct cluster *c, u64 duration)
{
	u64 end = c->now + duration;

	while (c->now < end)
		step(c, STEP);
}

/* Run until some node leads in a term above @above; 0 on timeout. */
static u32 run_until_leader(struct cluster *c, u64 above, u64 limit)
{
	u64 end = c->now + limit;
	u32 i;

	while (c->now < end) {
		step(c, STEP);
		for (i = 1; i <= c->count; i++)
			if (c->n[i].up &&
			    c->n[i].e.role == STOCKADE_ELECT_LEADER &&
			    c->n[i].e.term > above)
				return i;
	}
	return 0;
}

static u32 count_leaders(const struct cluster *c)
{
	u32 i, n = 0;

	for (i = 1; i <= c->count; i++)
		if (c->n[i].up && c->n[i].e.role == STOCKADE_ELECT_LEADER)
			n++;
	return n;
}

/* The only leader, if every up node follows it in its term; else 0. */
static u32 agreed_leader(const struct cluster *c)
{
	u32 i, l = 0;

	for (i = 1; i <= c->count; i++)
		if (c->n[i].up && c->n[i].e.role == STOCKADE_ELECT_LEADER)
			l = l ? MAXN + 1 : i;
	if (!l || l > MAXN)
		return 0;
	for (i = 1; i <= c->count; i++)
		if (c->n[i].up && (c->n[i].e.term != c->n[l].e.term ||
				   c->n[i].e.leader != l))
			return 0;
	return l;
}

static void isolate(struct cluster *c, u32 i, bool cut)
{
	u32 j;

	for (j = 1; j <= c->count; j++) {
		c->cut[i][j] = cut;
		c->cut[j][i] = cut;
	}
}

static void heal(struct cluster *c)
{
	memset(c->cut, 0, sizeof(c->cut));
}

static void pause_node(struct cluster *c, u32 i)
{
	c->n[i].paused = true;
	c->n[i].paused_at = nnow(c, i);
}

static void resume_node(struct cluster *c, u32 i, bool report)
{
	c->n[i].paused = false;
	if (report)
		stockade_elect_paused(&c->n[i].e, c->n[i].paused_at,
				      nnow(c, i));
}

static void crash(struct cluster *c, u32 i)
{
	c->n[i].up = false;
	c->n[i].paused = false;
	c->n[i].mod_leader = false;
}

static void restart(struct cluster *c, u32 i)
{
	struct fnode *n = &c->n[i];

	n->up = true;
	if (!stockade_elect_init(&n->e, &n->cfg, n->mod_term,
				 n->mod_voted_for, n->last_index,
				 n->last_term, nnow(c, i)))
		violation(c, "restart", i, 0);
}

static void set_eligible(struct cluster *c, u32 i, bool eligible)
{
	struct stockade_elect_out out;

	stockade_elect_set_eligible(&c->n[i].e, eligible, nnow(c, i), &out);
	apply(c, i, &out);
}

static void campaign(struct cluster *c, u32 i, bool force)
{
	struct stockade_elect_out out;

	stockade_elect_campaign(&c->n[i].e, nnow(c, i), force, &out);
	apply(c, i, &out);
}

static u32 elect(struct cluster *c)
{
	u32 l = run_until_leader(c, 0, 5 * SEC);

	run(c, 200 * MS);
	return agreed_leader(c) == l ? l : 0;
}

/* Single machines */

static struct stockade_elect_config config3(u32 self)
{
	struct stockade_elect_config cfg = {
		.self = self, .heartbeat_ns = HB, .election_base_ns = BASE,
		.lease_ns = LEASE,
	};
	u32 p;

	for (p = 1; p <= 3; p++)
		if (p != self)
			cfg.peers[cfg.n_peers++] = p;
	return cfg;
}

static const struct stockade_elect_action *
find(const struct stockade_elect_out *out, u8 kind, u8 msg_type)
{
	u32 k;

	for (k = 0; k < out->n; k++)
		if (out->a[k].kind == kind &&
		    (kind != STOCKADE_ELECT_ACT_SEND ||
		     out->a[k].msg.type == msg_type))
			return &out->a[k];
	return NULL;
}

static u32 count_kind(const struct stockade_elect_out *out, u8 kind)
{
	u32 k, n = 0;

	for (k = 0; k < out->n; k++)
		if (out->a[k].kind == kind)
			n++;
	return n;
}

static struct stockade_elect_msg msg(u8 type, u32 from, u32 to, u64 term)
{
	struct stockade_elect_msg m = {
		.type = type, .from = from, .to = to, .term = term,
	};
	return m;
}

static struct stockade_elect_vote_answer
answer(const struct stockade_elect_action *a, bool granted, u64 term,
       u32 voted_for)
{
	struct stockade_elect_vote_answer ans = {
		.req = a->vote, .ok = true, .granted = granted,
		.term = term, .voted_for = voted_for,
	};
	return ans;
}

/* Node 1 of 3, elected in term 1 at @t with node 2's vote. */
static void lead3(struct stockade_elect *e, u64 t,
		  struct stockade_elect_out *out)
{
	struct stockade_elect_config cfg = config3(1);
	struct stockade_elect_vote_answer ans;
	struct stockade_elect_msg m;

	stockade_elect_init(e, &cfg, 0, 0, 0, 0, t);
	stockade_elect_campaign(e, t, true, out);
	ans = answer(find(out, STOCKADE_ELECT_ACT_PERSIST_VOTE, 0), true, 1, 1);
	stockade_elect_vote_done(e, &ans, t, out);
	m = msg(STOCKADE_ELECT_MSG_VOTE_REPLY, 2, 1, 1);
	m.granted = true;
	stockade_elect_receive(e, &m, t, out);
}

TEST(config_is_checked)
{
	struct stockade_elect_config cfg = config3(1);
	struct stockade_elect e;

	EXPECT_TRUE(stockade_elect_config_valid(&cfg));
	cfg.peers[1] = 2;		/* duplicate */
	EXPECT_FALSE(stockade_elect_config_valid(&cfg));
	cfg = config3(1);
	cfg.peers[0] = 1;		/* self */
	EXPECT_FALSE(stockade_elect_config_valid(&cfg));
	cfg = config3(1);
	cfg.peers[0] = 256;
	EXPECT_FALSE(stockade_elect_config_valid(&cfg));
	cfg = config3(1);
	cfg.n_peers = STOCKADE_ELECT_MAX_PEERS + 1;
	EXPECT_FALSE(stockade_elect_config_valid(&cfg));
	cfg = config3(1);
	cfg.heartbeat_ns = LEASE;	/* check-quorum would fire */
	EXPECT_FALSE(stockade_elect_config_valid(&cfg));
	cfg = config3(1);
	cfg.lease_ns = STOCKADE_LEASE_MAX_NS + 1;
	EXPECT_FALSE(stockade_elect_config_valid(&cfg));
	cfg = config3(0);
	EXPECT_FALSE(stockade_elect_init(&e, &cfg, 0, 0, 0, 0, 0));
	cfg = config3(3);
	EXPECT_TRUE(stockade_elect_init(&e, &cfg, 7, 2, 10, 7, 0));
	EXPECT_EQ(7u, stockade_elect_term(&e));
	EXPECT_EQ(STOCKADE_ELECT_FOLLOWER, stockade_elect_role(&e));
	EXPECT_STREQ("pre-candidate",
		     stockade_elect_role_name(STOCKADE_ELECT_PRE_CANDIDATE));
}

TEST(timeout_is_drawn_from_rand_in_base_to_twice_base)
{
	struct stockade_elect_config cfg = config3(1);
	struct stockade_elect_out out;
	struct stockade_elect e;
	const u64 t = 1000 * SEC;

	/* rand 0: exactly base */
	stockade_elect_init(&e, &cfg, 0, 0, 0, 0, t);
	stockade_elect_tick(&e, t + BASE - 1, 0, &out);
	EXPECT_EQ(STOCKADE_ELECT_FOLLOWER, stockade_elect_role(&e));
	EXPECT_EQ(t + BASE, stockade_elect_next_deadline(&e));
	stockade_elect_tick(&e, t + BASE, 0, &out);
	EXPECT_EQ(STOCKADE_ELECT_PRE_CANDIDATE, stockade_elect_role(&e));
	/* the pre-vote asks for term + 1 and changes nothing */
	EXPECT_EQ(0u, stockade_elect_term(&e));
	ASSERT_EQ(2u, out.n);
	EXPECT_EQ(STOCKADE_ELECT_MSG_VOTE, out.a[0].msg.type);
	EXPECT_TRUE(out.a[0].msg.pre_vote);
	EXPECT_EQ(1u, out.a[0].msg.term);
	EXPECT_EQ(2u, out.a[0].msg.to);
	EXPECT_EQ(3u, out.a[1].msg.to);

	/* rand max: base + base * (2^32 - 1) / 2^32, rounded down */
	stockade_elect_init(&e, &cfg, 0, 0, 0, 0, t);
	stockade_elect_tick(&e, t, U32_MAX, &out);
	EXPECT_EQ(t + 2 * BASE - 1, stockade_elect_next_deadline(&e));
	stockade_elect_tick(&e, t + 2 * BASE - 2, 0, &out);
	EXPECT_EQ(STOCKADE_ELECT_FOLLOWER, stockade_elect_role(&e));
	stockade_elect_tick(&e, t + 2 * BASE - 1, 0, &out);
	EXPECT_EQ(STOCKADE_ELECT_PRE_CANDIDATE, stockade_elect_role(&e));
}

TEST(pre_vote_majority_then_persisted_own_vote_then_leader)
{
	struct stockade_elect_config cfg = config3(1);
	struct stockade_elect_vote_answer ans;
	const struct stockade_elect_action *a;
	struct stockade_elect_out out;
	struct stockade_elect_msg m;
	struct stockade_elect e;
	const u64 t = 5 * SEC;

	stockade_elect_init(&e, &cfg, 4, 0, 9, 4, t);
	stockade_elect_tick(&e, t + 2 * BASE, 0, &out);
	ASSERT_EQ(STOCKADE_ELECT_PRE_CANDIDATE, stockade_elect_role(&e));
	/* a refused pre-vote in our term changes nothing */
	m = msg(STOCKADE_ELECT_MSG_VOTE_REPLY, 3, 1, 4);
	m.pre_vote = true;
	stockade_elect_receive(&e, &m, t + 2 * BASE, &out);
	EXPECT_EQ(0u, out.n);
	EXPECT_EQ(STOCKADE_ELECT_PRE_CANDIDATE, stockade_elect_role(&e));
	m = msg(STOCKADE_ELECT_MSG_VOTE_REPLY, 2, 1, 5);
	m.pre_vote = true;
	m.granted = true;
	stockade_elect_receive(&e, &m, t + 2 * BASE, &out);
	EXPECT_EQ(STOCKADE_ELECT_CANDIDATE, stockade_elect_role(&e));
	EXPECT_EQ(5u, stockade_elect_term(&e));
	/* only the own vote is asked for; no request before it is durable */
	ASSERT_EQ(1u, out.n);
	a = &out.a[0];
	ASSERT_EQ(STOCKADE_ELECT_ACT_PERSIST_VOTE, a->kind);
	EXPECT_EQ(5u, a->vote.term);
	EXPECT_EQ(1u, a->vote.candidate);
	EXPECT_EQ(9u, a->vote.last_index);
	EXPECT_EQ(4u, a->vote.last_term);
	EXPECT_FALSE(a->vote.pre_vote);
	/* a grant that arrives before the own vote is persisted is kept */
	ans = answer(a, true, 5, 1);
	m = msg(STOCKADE_ELECT_MSG_VOTE_REPLY, 2, 1, 5);
	m.granted = true;
	stockade_elect_receive(&e, &m, t + 2 * BASE, &out);
	EXPECT_EQ(0u, count_kind(&out, STOCKADE_ELECT_ACT_BECOME_LEADER));
	EXPECT_EQ(STOCKADE_ELECT_CANDIDATE, stockade_elect_role(&e));
	stockade_elect_vote_done(&e, &ans, t + 2 * BASE + 1, &out);
	/* requests to both peers, then the majority is there: leader */
	EXPECT_EQ(STOCKADE_ELECT_LEADER, stockade_elect_role(&e));
	a = find(&out, STOCKADE_ELECT_ACT_SEND, STOCKADE_ELECT_MSG_VOTE);
	ASSERT_NE(NULL, a);
	EXPECT_FALSE(a->msg.pre_vote);
	EXPECT_EQ(5u, a->msg.term);
	a = find(&out, STOCKADE_ELECT_ACT_BECOME_LEADER, 0);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(5u, a->term);
	a = find(&out, STOCKADE_ELECT_ACT_SEND, STOCKADE_ELECT_MSG_HEARTBEAT);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(t + 2 * BASE + 1, a->msg.sent_ns);
	EXPECT_EQ(0u, count_kind(&out, STOCKADE_ELECT_ACT_GRANT_LEASE));
	EXPECT_EQ(1u, stockade_elect_leader(&e));
}

TEST(only_answers_for_the_current_round_count)
{
	struct stockade_elect_config cfg = config3(1);
	struct stockade_elect_vote_answer ans;
	struct stockade_elect_out out;
	struct stockade_elect_msg m;
	struct stockade_elect e;

	stockade_elect_init(&e, &cfg, 4, 0, 0, 0, 0);
	stockade_elect_campaign(&e, 10, false, &out);
	ASSERT_EQ(STOCKADE_ELECT_PRE_CANDIDATE, stockade_elect_role(&e));
	/* pre-vote grants for another term than 5 are not for this round */
	m = msg(STOCKADE_ELECT_MSG_VOTE_REPLY, 2, 1, 4);
	m.pre_vote = true;
	m.granted = true;
	stockade_elect_receive(&e, &m, 11, &out);
	m.term = 6;
	stockade_elect_receive(&e, &m, 11, &out);
	EXPECT_EQ(STOCKADE_ELECT_PRE_CANDIDATE, stockade_elect_role(&e));
	m.term = 5;
	stockade_elect_receive(&e, &m, 11, &out);
	ASSERT_EQ(STOCKADE_ELECT_CANDIDATE, stockade_elect_role(&e));
	ans = answer(&out.a[0], true, 5, 1);
	stockade_elect_vote_done(&e, &ans, 12, &out);
	/* a grant of an older term, or a pre-vote grant, elects nobody */
	m = msg(STOCKADE_ELECT_MSG_VOTE_REPLY, 3, 1, 4);
	m.granted = true;
	stockade_elect_receive(&e, &m, 13, &out);
	m.term = 5;
	m.pre_vote = true;
	stockade_elect_receive(&e, &m, 13, &out);
	EXPECT_EQ(STOCKADE_ELECT_CANDIDATE, stockade_elect_role(&e));
	/* nor a refusal */
	m.pre_vote = false;
	m.granted = false;
	stockade_elect_receive(&e, &m, 13, &out);
	EXPECT_EQ(STOCKADE_ELECT_CANDIDATE, stockade_elect_role(&e));
	m.granted = true;
	stockade_elect_receive(&e, &m, 13, &out);
	EXPECT_EQ(STOCKADE_ELECT_LEADER, stockade_elect_role(&e));
	EXPECT_EQ(5u, stockade_elect_term(&e));
}

TEST(refused_own_vote_goes_back_to_follower)
{
	struct stockade_elect_config cfg = config3(2);
	struct stockade_elect_vote_answer ans;
	struct stockade_elect_out out;
	struct stockade_elect e;

	stockade_elect_init(&e, &cfg, 3, 0, 0, 0, 0);
	stockade_elect_campaign(&e, 10, true, &out);
	ASSERT_EQ(STOCKADE_ELECT_CANDIDATE, stockade_elect_role(&e));
	/* the module had already seen term 6 (e.g. from an append) */
	ans = answer(&out.a[0], false, 6, 3);
	stockade_elect_vote_done(&e, &ans, 20, &out);
	EXPECT_EQ(STOCKADE_ELECT_FOLLOWER, stockade_elect_role(&e));
	EXPECT_EQ(6u, stockade_elect_term(&e));
	EXPECT_EQ(0u, count_kind(&out, STOCKADE_ELECT_ACT_SEND));
	/* a failed write: no requests either */
	stockade_elect_campaign(&e, 30, true, &out);
	ans = answer(&out.a[0], true, 7, 2);
	ans.ok = false;
	stockade_elect_vote_done(&e, &ans, 40, &out);
	EXPECT_EQ(STOCKADE_ELECT_FOLLOWER, stockade_elect_role(&e));
	EXPECT_EQ(0u, out.n);
}

TEST(vote_is_sent_only_once_persisted)
{
	struct stockade_elect_config cfg = config3(2);
	struct stockade_elect_vote_answer ans;
	const struct stockade_elect_action *a;
	struct stockade_elect_out out;
	struct stockade_elect_msg m;
	struct stockade_elect e;

	stockade_elect_init(&e, &cfg, 1, 0, 5, 1, 0);
	m = msg(STOCKADE_ELECT_MSG_VOTE, 1, 2, 2);
	m.last_index = 5;
	m.last_term = 1;
	stockade_elect_receive(&e, &m, 10, &out);
	ASSERT_EQ(1u, out.n);
	a = &out.a[0];
	ASSERT_EQ(STOCKADE_ELECT_ACT_PERSIST_VOTE, a->kind);
	EXPECT_EQ(2u, a->vote.term);
	EXPECT_EQ(1u, a->vote.candidate);
	EXPECT_EQ(2u, stockade_elect_term(&e));
	ans = answer(a, true, 2, 1);
	/* the same request again while the write is on: nothing more */
	stockade_elect_receive(&e, &m, 11, &out);
	EXPECT_EQ(0u, out.n);
	/* another candidate meanwhile: refused, the vote is promised */
	m.from = 3;
	stockade_elect_receive(&e, &m, 11, &out);
	ASSERT_EQ(1u, out.n);
	EXPECT_EQ(STOCKADE_ELECT_ACT_SEND, out.a[0].kind);
	EXPECT_FALSE(out.a[0].msg.granted);
	EXPECT_EQ(STOCKADE_VOTE_ALREADY_VOTED, out.a[0].msg.verdict);
	m.from = 1;
	/* the write failed: no grant goes out */
	ans.ok = false;
	stockade_elect_vote_done(&e, &ans, 12, &out);
	EXPECT_EQ(0u, out.n);
	/* asked again: persisted this time, then granted */
	stockade_elect_receive(&e, &m, 13, &out);
	a = find(&out, STOCKADE_ELECT_ACT_PERSIST_VOTE, 0);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(0u, count_kind(&out, STOCKADE_ELECT_ACT_SEND));
	ans = answer(a, true, 2, 1);
	stockade_elect_vote_done(&e, &ans, 14, &out);
	a = find(&out, STOCKADE_ELECT_ACT_SEND, STOCKADE_ELECT_MSG_VOTE_REPLY);
	ASSERT_NE(NULL, a);
	EXPECT_TRUE(a->msg.granted);
	EXPECT_FALSE(a->msg.pre_vote);
	EXPECT_EQ(2u, a->msg.term);
	EXPECT_EQ(1u, a->msg.to);
	/* a duplicate request: granted at once, the vote being durable */
	stockade_elect_receive(&e, &m, 15, &out);
	ASSERT_EQ(1u, out.n);
	EXPECT_EQ(STOCKADE_ELECT_ACT_SEND, out.a[0].kind);
	EXPECT_TRUE(out.a[0].msg.granted);
	/* another candidate in the same term: refused, nothing persisted */
	m.from = 3;
	stockade_elect_receive(&e, &m, 16, &out);
	ASSERT_EQ(1u, out.n);
	EXPECT_FALSE(out.a[0].msg.granted);
	EXPECT_EQ(STOCKADE_VOTE_ALREADY_VOTED, out.a[0].msg.verdict);
}

TEST(module_refusal_is_passed_on)
{
	struct stockade_elect_config cfg = config3(2);
	struct stockade_elect_vote_answer ans;
	struct stockade_elect_out out;
	struct stockade_elect_msg m;
	struct stockade_elect e;

	stockade_elect_init(&e, &cfg, 1, 0, 0, 0, 0);
	m = msg(STOCKADE_ELECT_MSG_VOTE, 1, 2, 2);
	stockade_elect_receive(&e, &m, 10, &out);
	ASSERT_EQ(STOCKADE_ELECT_ACT_PERSIST_VOTE, out.a[0].kind);
	/* the module knows a longer log than the agent did */
	ans = answer(&out.a[0], false, 2, 0);
	stockade_elect_vote_done(&e, &ans, 11, &out);
	ASSERT_EQ(1u, out.n);
	EXPECT_FALSE(out.a[0].msg.granted);
	EXPECT_EQ(STOCKADE_VOTE_LOG_BEHIND, out.a[0].msg.verdict);
	EXPECT_EQ(2u, out.a[0].msg.term);
}

TEST(log_behind_is_refused_and_term_persisted)
{
	struct stockade_elect_config cfg = config3(3);
	struct stockade_elect_out out;
	struct stockade_elect_msg m;
	struct stockade_elect e;
	const struct stockade_elect_action *a;

	stockade_elect_init(&e, &cfg, 4, 0, 20, 4, 0);
	m = msg(STOCKADE_ELECT_MSG_VOTE, 1, 3, 5);
	m.last_index = 30;
	m.last_term = 3;
	stockade_elect_receive(&e, &m, 10, &out);
	EXPECT_EQ(0u, count_kind(&out, STOCKADE_ELECT_ACT_PERSIST_VOTE));
	a = find(&out, STOCKADE_ELECT_ACT_PERSIST_TERM, 0);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(5u, a->term);
	a = find(&out, STOCKADE_ELECT_ACT_SEND, STOCKADE_ELECT_MSG_VOTE_REPLY);
	ASSERT_NE(NULL, a);
	EXPECT_FALSE(a->msg.granted);
	EXPECT_EQ(STOCKADE_VOTE_LOG_BEHIND, a->msg.verdict);
	EXPECT_EQ(5u, stockade_elect_term(&e));
	/* a pre-vote with a shorter log is refused too */
	m.pre_vote = true;
	m.term = 6;
	stockade_elect_receive(&e, &m, 20, &out);
	ASSERT_EQ(1u, out.n);
	EXPECT_FALSE(out.a[0].msg.granted);
	EXPECT_EQ(5u, stockade_elect_term(&e));
}

TEST(sticky_follower_ignores_newer_term_unless_transfer)
{
	struct stockade_elect_config cfg = config3(2);
	struct stockade_elect_out out;
	struct stockade_elect_msg m;
	struct stockade_elect e;
	const u64 t = 100 * SEC;

	stockade_elect_init(&e, &cfg, 3, 1, 0, 0, t);
	m = msg(STOCKADE_ELECT_MSG_HEARTBEAT, 1, 2, 3);
	m.sent_ns = 777;
	stockade_elect_receive(&e, &m, t, &out);
	ASSERT_EQ(1u, out.n);
	EXPECT_EQ(STOCKADE_ELECT_MSG_HEARTBEAT_ACK, out.a[0].msg.type);
	EXPECT_EQ(777u, out.a[0].msg.sent_ns);
	EXPECT_EQ(3u, out.a[0].msg.term);
	EXPECT_EQ(1u, stockade_elect_leader(&e));

	/* a disruptive candidate: neither term adopted nor answer sent */
	m = msg(STOCKADE_ELECT_MSG_VOTE, 3, 2, 9);
	stockade_elect_receive(&e, &m, t + BASE - 1, &out);
	EXPECT_EQ(0u, out.n);
	EXPECT_EQ(3u, stockade_elect_term(&e));
	m.pre_vote = true;
	stockade_elect_receive(&e, &m, t + BASE - 1, &out);
	ASSERT_EQ(1u, out.n);
	EXPECT_FALSE(out.a[0].msg.granted);
	EXPECT_EQ(STOCKADE_VOTE_LEADER_ALIVE, out.a[0].msg.verdict);
	EXPECT_EQ(3u, out.a[0].msg.term);
	EXPECT_EQ(3u, stockade_elect_term(&e));

	/* once the leader is silent for the minimum timeout: granted */
	stockade_elect_receive(&e, &m, t + BASE, &out);
	ASSERT_EQ(1u, out.n);
	EXPECT_TRUE(out.a[0].msg.granted);
	EXPECT_EQ(9u, out.a[0].msg.term);
	EXPECT_EQ(3u, stockade_elect_term(&e));

	/* a transfer is not held back by a live leader */
	m = msg(STOCKADE_ELECT_MSG_HEARTBEAT, 1, 2, 3);
	stockade_elect_receive(&e, &m, t + BASE, &out);
	m = msg(STOCKADE_ELECT_MSG_VOTE, 3, 2, 4);
	m.transfer = true;
	stockade_elect_receive(&e, &m, t + BASE + 1, &out);
	EXPECT_EQ(4u, stockade_elect_term(&e));
	ASSERT_NE(NULL, find(&out, STOCKADE_ELECT_ACT_PERSIST_VOTE, 0));
}

TEST(leader_refuses_pre_votes_and_ignores_votes)
{
	struct stockade_elect_out out;
	struct stockade_elect_msg m;
	struct stockade_elect e;

	lead3(&e, SEC, &out);
	ASSERT_EQ(STOCKADE_ELECT_LEADER, stockade_elect_role(&e));
	m = msg(STOCKADE_ELECT_MSG_VOTE, 3, 1, 2);
	m.pre_vote = true;
	stockade_elect_receive(&e, &m, SEC + 1, &out);
	ASSERT_EQ(1u, out.n);
	EXPECT_FALSE(out.a[0].msg.granted);
	m.pre_vote = false;
	stockade_elect_receive(&e, &m, SEC + 1, &out);
	EXPECT_EQ(0u, out.n);
	EXPECT_EQ(STOCKADE_ELECT_LEADER, stockade_elect_role(&e));
	EXPECT_EQ(1u, stockade_elect_term(&e));
}

TEST(older_terms_are_answered_newer_adopted)
{
	const struct stockade_elect_action *a;
	struct stockade_elect_out out;
	struct stockade_elect_msg m;
	struct stockade_elect e;

	lead3(&e, SEC, &out);
	/* a stale candidate is told our term */
	m = msg(STOCKADE_ELECT_MSG_VOTE, 3, 1, 0);
	stockade_elect_receive(&e, &m, SEC, &out);
	ASSERT_EQ(1u, out.n);
	EXPECT_FALSE(out.a[0].msg.granted);
	EXPECT_EQ(STOCKADE_VOTE_STALE_TERM, out.a[0].msg.verdict);
	EXPECT_EQ(1u, out.a[0].msg.term);
	/* stale replies are ignored */
	m = msg(STOCKADE_ELECT_MSG_HEARTBEAT_ACK, 2, 1, 0);
	m.sent_ns = SEC;
	stockade_elect_receive(&e, &m, SEC, &out);
	EXPECT_EQ(0u, out.n);
	/* an ack from a newer term: step down and persist it */
	m = msg(STOCKADE_ELECT_MSG_HEARTBEAT_ACK, 2, 1, 5);
	m.sent_ns = SEC;
	stockade_elect_receive(&e, &m, SEC, &out);
	EXPECT_EQ(STOCKADE_ELECT_FOLLOWER, stockade_elect_role(&e));
	EXPECT_EQ(5u, stockade_elect_term(&e));
	EXPECT_EQ(0u, stockade_elect_leader(&e));
	a = find(&out, STOCKADE_ELECT_ACT_BECOME_FOLLOWER, 0);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(5u, a->term);
	a = find(&out, STOCKADE_ELECT_ACT_PERSIST_TERM, 0);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(5u, a->term);
	/* a stale leader's heartbeat: acked in our term, not followed */
	m = msg(STOCKADE_ELECT_MSG_HEARTBEAT, 3, 1, 4);
	m.sent_ns = 42;
	stockade_elect_receive(&e, &m, SEC + 1, &out);
	ASSERT_EQ(1u, out.n);
	EXPECT_EQ(STOCKADE_ELECT_MSG_HEARTBEAT_ACK, out.a[0].msg.type);
	EXPECT_EQ(5u, out.a[0].msg.term);
	EXPECT_EQ(42u, out.a[0].msg.sent_ns);
	EXPECT_EQ(0u, stockade_elect_leader(&e));
	/* a newer leader's heartbeat: followed */
	m = msg(STOCKADE_ELECT_MSG_HEARTBEAT, 3, 1, 6);
	stockade_elect_receive(&e, &m, SEC + 2, &out);
	EXPECT_EQ(6u, stockade_elect_term(&e));
	EXPECT_EQ(3u, stockade_elect_leader(&e));
	EXPECT_NE(NULL, find(&out, STOCKADE_ELECT_ACT_PERSIST_TERM, 0));
	/* messages not for us, or from strangers, are ignored */
	m = msg(STOCKADE_ELECT_MSG_HEARTBEAT, 4, 1, 9);
	stockade_elect_receive(&e, &m, SEC + 3, &out);
	EXPECT_EQ(0u, out.n);
	m = msg(STOCKADE_ELECT_MSG_HEARTBEAT, 3, 2, 9);
	stockade_elect_receive(&e, &m, SEC + 3, &out);
	EXPECT_EQ(0u, out.n);
	EXPECT_EQ(6u, stockade_elect_term(&e));
}

TEST(lease_start_is_the_majority_ack_send_time)
{
	const struct stockade_elect_action *a;
	struct stockade_elect_out out;
	struct stockade_elect_msg m;
	struct stockade_elect e;
	const u64 t = 50 * SEC;

	lead3(&e, t, &out);
	ASSERT_EQ(STOCKADE_ELECT_LEADER, stockade_elect_role(&e));
	/* an ack of a heartbeat from before this leadership: not counted */
	m = msg(STOCKADE_ELECT_MSG_HEARTBEAT_ACK, 2, 1, 1);
	m.sent_ns = t - 1;
	stockade_elect_receive(&e, &m, t + 3 * MS, &out);
	EXPECT_EQ(0u, out.n);
	/* an echo from the future (a lying peer): not counted */
	m.sent_ns = t + 4 * MS;
	stockade_elect_receive(&e, &m, t + 3 * MS, &out);
	EXPECT_EQ(0u, out.n);
	m.sent_ns = t;
	stockade_elect_receive(&e, &m, t + 3 * MS, &out);
	ASSERT_EQ(1u, out.n);
	a = &out.a[0];
	EXPECT_EQ(STOCKADE_ELECT_ACT_GRANT_LEASE, a->kind);
	EXPECT_EQ(1u, a->term);
	EXPECT_EQ(t, a->start_ns);
	EXPECT_EQ(LEASE, a->duration_ns);
	/* the second ack of the same heartbeat moves nothing */
	m.from = 3;
	stockade_elect_receive(&e, &m, t + 4 * MS, &out);
	EXPECT_EQ(0u, out.n);
	/* next heartbeat round, acked by 3 only: the start moves to it */
	stockade_elect_tick(&e, t + HB, 0, &out);
	EXPECT_EQ(2u, count_kind(&out, STOCKADE_ELECT_ACT_SEND));
	m.sent_ns = t + HB;
	stockade_elect_receive(&e, &m, t + HB + 2 * MS, &out);
	ASSERT_EQ(1u, out.n);
	EXPECT_EQ(t + HB, out.a[0].start_ns);
	/* a late ack of the old round changes nothing */
	m.from = 2;
	m.sent_ns = t;
	stockade_elect_receive(&e, &m, t + HB + 3 * MS, &out);
	EXPECT_EQ(0u, out.n);
}

TEST(check_quorum_steps_down_after_one_lease)
{
	struct stockade_elect_out out;
	struct stockade_elect_msg m;
	struct stockade_elect e;
	const u64 t = 50 * SEC;
	u64 now;

	lead3(&e, t, &out);
	/* no ack at all: the lease counts from the start of leadership */
	for (now = t; now < t + LEASE; now += HB / 2) {
		stockade_elect_tick(&e, now, 0, &out);
		ASSERT_EQ(STOCKADE_ELECT_LEADER, stockade_elect_role(&e));
	}
	/* one ack in the middle keeps it going for a lease from its send */
	m = msg(STOCKADE_ELECT_MSG_HEARTBEAT_ACK, 3, 1, 1);
	m.sent_ns = t + 4 * HB;
	stockade_elect_receive(&e, &m, t + LEASE - 1, &out);
	EXPECT_EQ(t + LEASE, stockade_elect_next_deadline(&e));
	for (now = t + LEASE; now < t + 4 * HB + LEASE; now += HB / 2) {
		stockade_elect_tick(&e, now, 0, &out);
		ASSERT_EQ(STOCKADE_ELECT_LEADER, stockade_elect_role(&e));
	}
	EXPECT_GE(t + 4 * HB + LEASE, stockade_elect_next_deadline(&e));
	stockade_elect_tick(&e, t + 4 * HB + LEASE, 0, &out);
	EXPECT_EQ(STOCKADE_ELECT_FOLLOWER, stockade_elect_role(&e));
	ASSERT_EQ(1u, out.n);
	EXPECT_EQ(STOCKADE_ELECT_ACT_BECOME_FOLLOWER, out.a[0].kind);
	EXPECT_EQ(1u, out.a[0].term);
	EXPECT_EQ(1u, stockade_elect_term(&e));
}

TEST(single_node_leads_and_renews_alone)
{
	struct stockade_elect_config cfg = {
		.self = 9, .heartbeat_ns = HB, .election_base_ns = BASE,
		.lease_ns = LEASE,
	};
	struct stockade_elect_vote_answer ans;
	const struct stockade_elect_action *a;
	struct stockade_elect_out out;
	struct stockade_elect e;

	ASSERT_TRUE(stockade_elect_init(&e, &cfg, 2, 0, 0, 0, 0));
	stockade_elect_tick(&e, 2 * BASE, 0, &out);
	a = find(&out, STOCKADE_ELECT_ACT_PERSIST_VOTE, 0);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(3u, a->vote.term);
	ans = answer(a, true, 3, 9);
	stockade_elect_vote_done(&e, &ans, 2 * BASE, &out);
	EXPECT_EQ(STOCKADE_ELECT_LEADER, stockade_elect_role(&e));
	a = find(&out, STOCKADE_ELECT_ACT_GRANT_LEASE, 0);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(2 * BASE, a->start_ns);
	stockade_elect_tick(&e, 2 * BASE + HB - 1, 0, &out);
	EXPECT_EQ(0u, out.n);
	stockade_elect_tick(&e, 2 * BASE + HB, 0, &out);
	a = find(&out, STOCKADE_ELECT_ACT_GRANT_LEASE, 0);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(2 * BASE + HB, a->start_ns);
	stockade_elect_tick(&e, 10 * SEC, 0, &out);
	EXPECT_EQ(STOCKADE_ELECT_LEADER, stockade_elect_role(&e));
}

TEST(election_base_can_be_adapted)
{
	struct stockade_elect_config cfg = config3(2);
	struct stockade_elect_out out;
	struct stockade_elect_msg m;
	struct stockade_elect e;

	stockade_elect_init(&e, &cfg, 1, 0, 0, 0, 0);
	EXPECT_FALSE(stockade_elect_set_election_base(&e, HB));
	EXPECT_FALSE(stockade_elect_set_election_base(&e,
						      STOCKADE_ELECT_MAX_NS + 1));
	ASSERT_TRUE(stockade_elect_set_election_base(&e, 3 * BASE));
	m = msg(STOCKADE_ELECT_MSG_HEARTBEAT, 1, 2, 1);
	stockade_elect_receive(&e, &m, 0, &out);
	/* stickiness follows the new base too */
	m = msg(STOCKADE_ELECT_MSG_VOTE, 3, 2, 2);
	m.pre_vote = true;
	stockade_elect_receive(&e, &m, 2 * BASE, &out);
	ASSERT_EQ(1u, out.n);
	EXPECT_EQ(STOCKADE_VOTE_LEADER_ALIVE, out.a[0].msg.verdict);
	stockade_elect_tick(&e, 3 * BASE - 1, 0, &out);
	EXPECT_EQ(STOCKADE_ELECT_FOLLOWER, stockade_elect_role(&e));
	stockade_elect_tick(&e, 3 * BASE, 0, &out);
	EXPECT_EQ(STOCKADE_ELECT_PRE_CANDIDATE, stockade_elect_role(&e));
}

TEST(module_term_and_step_down)
{
	struct stockade_elect_out out;
	struct stockade_elect e;

	lead3(&e, SEC, &out);
	/* the module saw a newer term: follow it, nothing to persist */
	stockade_elect_term_seen(&e, 1, SEC, &out);
	EXPECT_EQ(0u, out.n);
	EXPECT_EQ(STOCKADE_ELECT_LEADER, stockade_elect_role(&e));
	stockade_elect_term_seen(&e, 4, SEC, &out);
	EXPECT_EQ(STOCKADE_ELECT_FOLLOWER, stockade_elect_role(&e));
	EXPECT_EQ(4u, stockade_elect_term(&e));
	ASSERT_EQ(1u, out.n);
	EXPECT_EQ(STOCKADE_ELECT_ACT_BECOME_FOLLOWER, out.a[0].kind);
	EXPECT_EQ(4u, out.a[0].term);
	/* the module refused BECOME_LEADER: step down in the same term */
	lead3(&e, SEC, &out);
	stockade_elect_step_down(&e, SEC, &out);
	EXPECT_EQ(STOCKADE_ELECT_FOLLOWER, stockade_elect_role(&e));
	EXPECT_EQ(1u, stockade_elect_term(&e));
	ASSERT_EQ(1u, out.n);
	EXPECT_EQ(STOCKADE_ELECT_ACT_BECOME_FOLLOWER, out.a[0].kind);
	stockade_elect_step_down(&e, SEC, &out);
	EXPECT_EQ(0u, out.n);
	EXPECT_STREQ("grant-lease",
		     stockade_elect_action_name(STOCKADE_ELECT_ACT_GRANT_LEASE));
	EXPECT_STREQ("timeout-now",
		     stockade_elect_msg_name(STOCKADE_ELECT_MSG_TIMEOUT_NOW));
}

TEST(pause_restarts_the_election_timer)
{
	struct stockade_elect_config cfg = config3(2);
	struct stockade_elect_out out;
	struct stockade_elect_msg m;
	struct stockade_elect e;
	const u64 t = 10 * SEC;

	/* without the report, the gap alone starts an election */
	stockade_elect_init(&e, &cfg, 1, 0, 0, 0, t);
	m = msg(STOCKADE_ELECT_MSG_HEARTBEAT, 1, 2, 1);
	stockade_elect_receive(&e, &m, t, &out);
	stockade_elect_tick(&e, t + MS, 0, &out);
	stockade_elect_tick(&e, t + 5 * SEC, 0, &out);
	EXPECT_EQ(STOCKADE_ELECT_PRE_CANDIDATE, stockade_elect_role(&e));

	/* with it, the timer counts from the end of the pause */
	stockade_elect_init(&e, &cfg, 1, 0, 0, 0, t);
	stockade_elect_receive(&e, &m, t, &out);
	stockade_elect_tick(&e, t + MS, 0, &out);
	stockade_elect_paused(&e, t + 2 * MS, t + 5 * SEC);
	stockade_elect_tick(&e, t + 5 * SEC, 0, &out);
	EXPECT_EQ(STOCKADE_ELECT_FOLLOWER, stockade_elect_role(&e));
	EXPECT_EQ(0u, out.n);
	EXPECT_EQ(t + 5 * SEC + BASE, stockade_elect_next_deadline(&e));
	stockade_elect_tick(&e, t + 5 * SEC + BASE - 1, 0, &out);
	EXPECT_EQ(STOCKADE_ELECT_FOLLOWER, stockade_elect_role(&e));
	/* the leader is heard meanwhile: no election at all */
	stockade_elect_receive(&e, &m, t + 5 * SEC + 10 * MS, &out);
	stockade_elect_tick(&e, t + 5 * SEC + BASE, 0, &out);
	EXPECT_EQ(STOCKADE_ELECT_FOLLOWER, stockade_elect_role(&e));
	/* an inverted range is ignored */
	stockade_elect_paused(&e, t + 20 * SEC, t + 6 * SEC);
	stockade_elect_tick(&e, t + 5 * SEC + 10 * MS + BASE, 0, &out);
	EXPECT_EQ(STOCKADE_ELECT_PRE_CANDIDATE, stockade_elect_role(&e));
}

TEST(paused_leader_gets_a_lease_of_grace)
{
	struct stockade_elect_out out;
	struct stockade_elect e;
	const u64 t = 50 * SEC;

	lead3(&e, t, &out);
	stockade_elect_paused(&e, t + MS, t + 3 * SEC);
	stockade_elect_tick(&e, t + 3 * SEC, 0, &out);
	EXPECT_EQ(STOCKADE_ELECT_LEADER, stockade_elect_role(&e));
	/* heartbeats at once */
	EXPECT_EQ(2u, count_kind(&out, STOCKADE_ELECT_ACT_SEND));
	stockade_elect_tick(&e, t + 3 * SEC + LEASE, 0, &out);
	EXPECT_EQ(STOCKADE_ELECT_FOLLOWER, stockade_elect_role(&e));
}

TEST(ineligible_never_campaigns_and_a_leader_steps_down)
{
	struct stockade_elect_config cfg = config3(2);
	struct stockade_elect_out out;
	struct stockade_elect_msg m;
	struct stockade_elect e;
	u64 now;

	stockade_elect_init(&e, &cfg, 1, 0, 0, 0, 0);
	stockade_elect_set_eligible(&e, false, 0, &out);
	EXPECT_EQ(0u, out.n);
	for (now = 0; now < 10 * SEC; now += 10 * MS) {
		stockade_elect_tick(&e, now, (u32)now, &out);
		ASSERT_EQ(0u, out.n);
	}
	EXPECT_FALSE(stockade_elect_campaign(&e, now, true, &out));
	m = msg(STOCKADE_ELECT_MSG_TIMEOUT_NOW, 1, 2, 1);
	stockade_elect_receive(&e, &m, now, &out);
	EXPECT_EQ(0u, out.n);
	EXPECT_EQ(STOCKADE_ELECT_FOLLOWER, stockade_elect_role(&e));
	/* it still votes */
	m = msg(STOCKADE_ELECT_MSG_VOTE, 1, 2, 2);
	stockade_elect_receive(&e, &m, now, &out);
	EXPECT_NE(NULL, find(&out, STOCKADE_ELECT_ACT_PERSIST_VOTE, 0));
	/* eligible again: campaigns after a timeout */
	stockade_elect_set_eligible(&e, true, now, &out);
	stockade_elect_tick(&e, now + 2 * BASE, 0, &out);
	EXPECT_EQ(STOCKADE_ELECT_PRE_CANDIDATE, stockade_elect_role(&e));
	/* a campaign is abandoned when the node turns ineligible */
	stockade_elect_set_eligible(&e, false, now + 2 * BASE, &out);
	EXPECT_EQ(STOCKADE_ELECT_FOLLOWER, stockade_elect_role(&e));

	lead3(&e, SEC, &out);
	ASSERT_EQ(STOCKADE_ELECT_LEADER, stockade_elect_role(&e));
	stockade_elect_set_eligible(&e, false, SEC + 1, &out);
	EXPECT_EQ(STOCKADE_ELECT_FOLLOWER, stockade_elect_role(&e));
	ASSERT_EQ(1u, out.n);
	EXPECT_EQ(STOCKADE_ELECT_ACT_BECOME_FOLLOWER, out.a[0].kind);
}

TEST(transfer_sends_timeout_now_and_stops_renewing)
{
	struct stockade_elect_config cfg = config3(3);
	struct stockade_elect_vote_answer ans;
	const struct stockade_elect_action *a;
	struct stockade_elect_out out;
	struct stockade_elect_msg m;
	struct stockade_elect e, x;
	const u64 t = 50 * SEC;

	lead3(&e, t, &out);
	EXPECT_FALSE(stockade_elect_transfer(&e, 7, t, &out));
	ASSERT_TRUE(stockade_elect_transfer(&e, 3, t, &out));
	ASSERT_EQ(1u, out.n);
	EXPECT_EQ(STOCKADE_ELECT_MSG_TIMEOUT_NOW, out.a[0].msg.type);
	EXPECT_EQ(3u, out.a[0].msg.to);
	/* acks no longer renew the lease */
	m = msg(STOCKADE_ELECT_MSG_HEARTBEAT_ACK, 2, 1, 1);
	m.sent_ns = t;
	stockade_elect_receive(&e, &m, t + MS, &out);
	EXPECT_EQ(0u, count_kind(&out, STOCKADE_ELECT_ACT_GRANT_LEASE));
	m.from = 3;
	m.sent_ns = t + BASE - 10 * MS;
	stockade_elect_receive(&e, &m, t + BASE - 5 * MS, &out);
	EXPECT_EQ(0u, out.n);
	/* abandoned after the minimum election timeout: renewing again */
	stockade_elect_tick(&e, t + BASE, 0, &out);
	EXPECT_EQ(STOCKADE_ELECT_LEADER, stockade_elect_role(&e));
	a = find(&out, STOCKADE_ELECT_ACT_GRANT_LEASE, 0);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(t + BASE - 10 * MS, a->start_ns);

	/* the transferee campaigns at once, without pre-vote */
	stockade_elect_init(&x, &cfg, 1, 1, 0, 0, t);
	m = msg(STOCKADE_ELECT_MSG_HEARTBEAT, 1, 3, 1);
	stockade_elect_receive(&x, &m, t, &out);
	m = msg(STOCKADE_ELECT_MSG_TIMEOUT_NOW, 1, 3, 1);
	stockade_elect_receive(&x, &m, t + 1, &out);
	EXPECT_EQ(STOCKADE_ELECT_CANDIDATE, stockade_elect_role(&x));
	EXPECT_EQ(2u, stockade_elect_term(&x));
	a = find(&out, STOCKADE_ELECT_ACT_PERSIST_VOTE, 0);
	ASSERT_NE(NULL, a);
	ans = answer(a, true, 2, 3);
	stockade_elect_vote_done(&x, &ans, t + 2, &out);
	a = find(&out, STOCKADE_ELECT_ACT_SEND, STOCKADE_ELECT_MSG_VOTE);
	ASSERT_NE(NULL, a);
	EXPECT_TRUE(a->msg.transfer);
	EXPECT_FALSE(a->msg.pre_vote);
}

/* Clusters */

TEST(three_nodes_elect_exactly_one_leader)
{
	struct cluster *c = cl_new(3, 1);
	u32 l, i;
	u64 term;

	l = elect(c);
	ASSERT_NE(0u, l);
	term = c->n[l].e.term;
	EXPECT_GE(3u, term);
	EXPECT_EQ(l, c->leader_of[term]);
	for (i = 1; i <= 3; i++)
		EXPECT_EQ(i == l, c->n[i].mod_leader);
	/* a healthy cluster keeps its leader */
	run(c, 5 * SEC);
	EXPECT_EQ(l, agreed_leader(c));
	EXPECT_EQ(term, c->n[l].e.term);
	EXPECT_EQ(1u, count_leaders(c));
	EXPECT_LT(200u, c->n[l].grants);
	EXPECT_EQ(0u, c->violations) TH_LOG("%s", c->why);
	free(c);
}

TEST(five_nodes_elect_exactly_one_leader)
{
	struct cluster *c = cl_new(5, 2);
	u32 l;
	u64 term;

	c->max_delay = 10 * MS;
	l = elect(c);
	ASSERT_NE(0u, l);
	term = c->n[l].e.term;
	run(c, 5 * SEC);
	EXPECT_EQ(l, agreed_leader(c));
	EXPECT_EQ(term, c->n[l].e.term);
	EXPECT_EQ(0u, c->violations) TH_LOG("%s", c->why);
	free(c);
}

TEST(seven_nodes_elect_and_survive_a_minority_down)
{
	struct cluster *c = cl_new(7, 12);
	u32 l, i, k = 0;
	u64 term;

	c->drop_pct = 5;
	l = elect(c);
	ASSERT_NE(0u, l);
	term = c->n[l].e.term;
	/* three of seven down, the leader among them */
	crash(c, l);
	for (i = 1; i <= 7 && k < 2; i++)
		if (i != l) {
			crash(c, i);
			k++;
		}
	ASSERT_NE(0u, run_until_leader(c, term, 3 * SEC));
	run(c, SEC);
	EXPECT_NE(0u, agreed_leader(c));
	EXPECT_EQ(0u, c->violations) TH_LOG("%s", c->why);
	free(c);
}

TEST(lease_start_advances_with_acks)
{
	struct cluster *c = cl_new(3, 3);
	u32 l, grants;
	u64 start;

	l = elect(c);
	ASSERT_NE(0u, l);
	grants = c->n[l].grants;
	run(c, SEC);
	/* about one grant per heartbeat, each recent */
	EXPECT_LE(grants + SEC / HB - 2, c->n[l].grants);
	start = c->n[l].lease_start;
	EXPECT_LE(nnow(c, l) - HB - 2 * c->max_delay - 2 * STEP, start);
	/* cut off: no more grants, the start stays where it was */
	isolate(c, l, true);
	run(c, 2 * c->max_delay + STEP);
	grants = c->n[l].grants;
	start = c->n[l].lease_start;
	run(c, LEASE / 2);
	EXPECT_EQ(grants, c->n[l].grants);
	EXPECT_EQ(start, c->n[l].lease_start);
	EXPECT_EQ(0u, c->violations) TH_LOG("%s", c->why);
	free(c);
}

TEST(isolated_leader_steps_down_and_a_new_one_is_elected)
{
	struct cluster *c = cl_new(3, 4);
	u32 l, l2, i;
	u64 term, cut_at;

	l = elect(c);
	ASSERT_NE(0u, l);
	term = c->n[l].e.term;
	isolate(c, l, true);
	cut_at = c->now;
	while (c->n[l].e.role == STOCKADE_ELECT_LEADER &&
	       c->now < cut_at + 2 * SEC)
		step(c, STEP);
	ASSERT_EQ(STOCKADE_ELECT_FOLLOWER, c->n[l].e.role);
	/* the last ack was sent at most a heartbeat and a delay before */
	EXPECT_LE(cut_at + LEASE - HB - 2 * c->max_delay - STEP,
		  c->n[l].stepped_down_at);
	EXPECT_GE(cut_at + LEASE + STEP, c->n[l].stepped_down_at);
	EXPECT_EQ(term, c->n[l].e.term);
	l2 = run_until_leader(c, term, 3 * SEC);
	ASSERT_NE(0u, l2);
	EXPECT_NE(l, l2);
	/* healed: the old leader follows the new term */
	isolate(c, l, false);
	run(c, SEC);
	EXPECT_EQ(l2, agreed_leader(c));
	for (i = 1; i <= 3; i++)
		EXPECT_EQ(c->n[l2].e.term, c->n[i].e.term);
	EXPECT_EQ(0u, c->violations) TH_LOG("%s", c->why);
	free(c);
}

TEST(returning_follower_does_not_disrupt_the_leader)
{
	struct cluster *c = cl_new(3, 5);
	u32 l, f;
	u64 term;

	l = elect(c);
	ASSERT_NE(0u, l);
	term = c->n[l].e.term;
	f = l % 3 + 1;
	isolate(c, f, true);
	run(c, 3 * SEC);
	/* it kept asking for pre-votes, but its term never moved */
	EXPECT_LE(3u, c->n[f].pre_rounds);
	EXPECT_EQ(0u, c->n[f].became_candidate);
	EXPECT_EQ(term, c->n[f].e.term);
	isolate(c, f, false);
	run(c, 2 * SEC);
	EXPECT_EQ(l, agreed_leader(c));
	EXPECT_EQ(term, c->n[l].e.term);
	/* one-way loss from the leader alone does not disrupt it either */
	c->cut[l][f] = true;
	run(c, 3 * SEC);
	c->cut[l][f] = false;
	run(c, SEC);
	EXPECT_EQ(l, agreed_leader(c));
	EXPECT_EQ(term, c->n[l].e.term);
	EXPECT_EQ(0u, c->violations) TH_LOG("%s", c->why);
	free(c);
}

TEST(shorter_log_does_not_win)
{
	struct cluster *c = cl_new(3, 6);
	u32 l, i, t;

	/* node 1 is the quickest to time out but its log is behind */
	c->n[1].lagging = true;
	cl_boot(c, 1, 9, 1, 2);
	cl_boot(c, 2, 4, 2, 2);
	cl_boot(c, 3, 4, 2, 2);
	for (i = 1; i <= 3; i++) {
		c->n[i].fixed_rand = true;
		c->n[i].rand = i == 1 ? 0 : (i == 2 ? 1U << 31 : U32_MAX);
	}
	l = elect(c);
	ASSERT_NE(0u, l);
	EXPECT_NE(1u, l);
	EXPECT_LE(1u, c->n[1].pre_rounds);
	/* even forcing a real election cannot make it win */
	campaign(c, 1, true);
	EXPECT_EQ(STOCKADE_ELECT_CANDIDATE, c->n[1].e.role);
	run(c, 3 * SEC);
	EXPECT_NE(0u, agreed_leader(c));
	for (t = 0; t < MAX_TERMS; t++)
		EXPECT_NE(1u, c->leader_of[t]);
	EXPECT_EQ(0u, c->violations) TH_LOG("%s", c->why);
	free(c);
}

TEST(two_short_logs_of_five_never_win)
{
	u64 seed;

	for (seed = 100; seed < 120; seed++) {
		struct cluster *c = cl_new(5, seed);
		u32 l;

		c->drop_pct = 10;
		cl_boot(c, 1, 3, 1, 2);
		cl_boot(c, 2, 50, 1, 2);
		cl_boot(c, 3, 2, 2, 2);
		cl_boot(c, 4, 2, 2, 2);
		cl_boot(c, 5, 2, 2, 2);
		l = run_until_leader(c, 0, 5 * SEC);
		EXPECT_LE(3u, l);
		EXPECT_EQ(0u, c->violations) TH_LOG("%s", c->why);
		free(c);
	}
}

TEST(failed_persists_send_no_grants)
{
	struct cluster *c = cl_new(3, 7);
	u32 i, t;

	/* node 1 stands, but its voters' modules cannot write */
	c->n[2].fail_persist = true;
	c->n[3].fail_persist = true;
	run(c, 3 * SEC);
	EXPECT_LE(1u, c->n[1].became_candidate);
	EXPECT_EQ(0u, c->grants_sent);
	EXPECT_EQ(0u, count_leaders(c));
	for (t = 0; t < MAX_TERMS; t++)
		ASSERT_EQ(0u, c->leader_of[t]);
	for (i = 1; i <= 3; i++)
		c->n[i].fail_persist = false;
	EXPECT_NE(0u, elect(c));
	EXPECT_LT(0u, c->grants_sent);
	EXPECT_EQ(0u, c->violations) TH_LOG("%s", c->why);
	free(c);
}

TEST(ineligible_node_never_stands)
{
	struct cluster *c = cl_new(3, 8);
	u32 l;

	/* alone with its peers down, an eligible node keeps trying */
	crash(c, 2);
	crash(c, 3);
	run(c, 2 * SEC);
	EXPECT_LE(2u, c->n[1].pre_rounds);
	c->n[1].pre_rounds = 0;
	set_eligible(c, 1, false);
	run(c, 3 * SEC);
	EXPECT_EQ(0u, c->n[1].pre_rounds);
	EXPECT_EQ(STOCKADE_ELECT_FOLLOWER, c->n[1].e.role);
	/* with its peers back, it is never the leader */
	restart(c, 2);
	restart(c, 3);
	c->n[1].fixed_rand = true;
	c->n[1].rand = 0;
	l = elect(c);
	ASSERT_NE(0u, l);
	EXPECT_NE(1u, l);
	EXPECT_EQ(0u, c->n[1].pre_rounds);
	/* a leader made ineligible steps down at once; another leads */
	set_eligible(c, l, false);
	EXPECT_EQ(STOCKADE_ELECT_FOLLOWER, c->n[l].e.role);
	EXPECT_FALSE(c->n[l].mod_leader);
	set_eligible(c, 1, true);
	run(c, 2 * SEC);
	EXPECT_NE(0u, agreed_leader(c));
	EXPECT_NE(l, agreed_leader(c));
	EXPECT_EQ(1u, c->n[l].became_leader);
	EXPECT_EQ(0u, c->violations) TH_LOG("%s", c->why);
	free(c);
}

TEST(reported_pause_does_not_disrupt)
{
	struct cluster *c = cl_new(3, 9);
	u32 l, f;
	u64 term;

	l = elect(c);
	ASSERT_NE(0u, l);
	term = c->n[l].e.term;
	f = l % 3 + 1;
	/* the loop wakes up and ticks before it reads the socket */
	pause_node(c, f);
	run(c, 2 * SEC);
	resume_node(c, f, true);
	tick_node(c, f);
	EXPECT_EQ(STOCKADE_ELECT_FOLLOWER, c->n[f].e.role);
	run(c, SEC);
	EXPECT_EQ(0u, c->n[f].pre_rounds);
	EXPECT_EQ(l, agreed_leader(c));
	EXPECT_EQ(term, c->n[l].e.term);
	/* unreported, the gap alone makes it ask for pre-votes */
	pause_node(c, f);
	run(c, 2 * SEC);
	resume_node(c, f, false);
	tick_node(c, f);
	EXPECT_EQ(STOCKADE_ELECT_PRE_CANDIDATE, c->n[f].e.role);
	EXPECT_EQ(1u, c->n[f].pre_rounds);
	/* still harmless: pre-vote and stickiness */
	run(c, SEC);
	EXPECT_EQ(l, agreed_leader(c));
	EXPECT_EQ(term, c->n[l].e.term);
	EXPECT_EQ(0u, c->violations) TH_LOG("%s", c->why);
	free(c);
}

TEST(split_vote_resolves)
{
	struct cluster *c = cl_new(3, 10);
	u32 l;

	crash(c, 3);
	campaign(c, 1, true);
	campaign(c, 2, true);
	ASSERT_EQ(STOCKADE_ELECT_CANDIDATE, c->n[1].e.role);
	ASSERT_EQ(STOCKADE_ELECT_CANDIDATE, c->n[2].e.role);
	ASSERT_EQ(1u, c->n[1].e.term);
	ASSERT_EQ(1u, c->n[2].e.term);
	l = run_until_leader(c, 0, 5 * SEC);
	ASSERT_NE(0u, l);
	EXPECT_EQ(0u, c->leader_of[1]);
	EXPECT_LE(2u, c->n[l].e.term);
	restart(c, 3);
	run(c, SEC);
	EXPECT_EQ(l, agreed_leader(c));
	EXPECT_EQ(0u, c->violations) TH_LOG("%s", c->why);
	free(c);
}

TEST(leadership_transfer_in_a_cluster)
{
	struct cluster *c = cl_new(5, 11);
	struct stockade_elect_out out;
	u32 l, x, grants;
	u64 term;

	l = elect(c);
	ASSERT_NE(0u, l);
	term = c->n[l].e.term;
	x = l % 5 + 1;
	ASSERT_TRUE(stockade_elect_transfer(&c->n[l].e, x, nnow(c, l), &out));
	apply(c, l, &out);
	grants = c->n[l].grants;
	ASSERT_EQ(x, run_until_leader(c, term, 100 * MS));
	EXPECT_EQ(term + 1, c->n[x].e.term);
	EXPECT_EQ(grants, c->n[l].grants);
	run(c, SEC);
	EXPECT_EQ(x, agreed_leader(c));
	EXPECT_EQ(0u, c->violations) TH_LOG("%s", c->why);
	free(c);
}

/* Random faults: safety always, and a leader once they stop. */
static void chaos(struct cluster *c)
{
	u32 i = rnd_range(c, 1, c->count), j, k, down = 0;

	for (k = 1; k <= c->count; k++)
		down += !c->n[k].up;
	switch (rnd(c) % 12) {
	case 0:
		heal(c);
		break;
	case 1:
		isolate(c, i, true);
		break;
	case 2:
		j = rnd_range(c, 1, c->count);
		if (j != i)
			c->cut[i][j] = true;
		break;
	case 3:
		if (c->n[i].up && down + 1 < stockade_majority(c->count))
			crash(c, i);
		break;
	case 4:
		for (k = 1; k <= c->count; k++)
			if (!c->n[k].up)
				restart(c, k);
		break;
	case 5:
		if (c->n[i].up && !c->n[i].paused)
			pause_node(c, i);
		break;
	case 6:
		for (k = 1; k <= c->count; k++)
			if (c->n[k].paused)
				resume_node(c, k, rnd(c) % 2);
		break;
	case 7:
		if (c->n[i].up)
			set_eligible(c, i, !c->n[i].e.eligible);
		break;
	case 8:
		if (c->n[i].up && !c->n[i].paused)
			campaign(c, i, rnd(c) % 2);
		break;
	case 9:
		if (c->n[i].up && c->n[i].e.role == STOCKADE_ELECT_LEADER) {
			struct stockade_elect_out out;

			j = rnd_range(c, 1, c->count);
			stockade_elect_transfer(&c->n[i].e, j, nnow(c, i),
						&out);
			apply(c, i, &out);
		}
		break;
	case 10:
		c->n[i].fail_persist = !c->n[i].fail_persist;
		break;
	default:
		c->drop_pct = rnd(c) % 40;
		break;
	}
}

static void calm(struct cluster *c)
{
	u32 k;

	heal(c);
	c->drop_pct = 0;
	for (k = 1; k <= c->count; k++) {
		if (!c->n[k].up)
			restart(c, k);
		if (c->n[k].paused)
			resume_node(c, k, true);
		c->n[k].fail_persist = false;
		set_eligible(c, k, true);
	}
}

TEST(at_most_one_leader_per_term_under_random_faults)
{
	u32 seeds = 200, elected = 0, converged = 0, max_term = 0;
	u32 committed = 0;
	u64 seed;

	for (seed = 1; seed <= seeds; seed++) {
		struct cluster *c = cl_new(3 + 2 * (seed % 3), seed * 7919);
		u64 end;
		u32 k;

		c->drop_pct = rnd(c) % 40;
		c->max_delay = rnd_range(c, 1, 30) * MS;
		c->persist_delay = rnd(c) % 3 ? 0 : rnd_range(c, 1, 5) * MS;
		for (k = 1; k <= c->count; k++)
			cl_boot(c, k, rnd(c) % 4, rnd(c) % 2, 1);
		end = c->now + 6 * SEC;
		while (c->now < end && !c->violations) {
			u32 l;

			if (rnd(c) % 100 == 0)
				chaos(c);
			/* leaders append now and then */
			for (l = 1; l <= c->count; l++)
				if (c->n[l].up &&
				    c->n[l].e.role == STOCKADE_ELECT_LEADER &&
				    rnd(c) % 50 == 0)
					cl_set_log(c, l, c->n[l].last_index + 1,
						   c->n[l].e.term);
			step(c, STEP);
		}
		calm(c);
		run(c, 4 * SEC);
		for (k = 1; k <= c->count; k++)
			elected += c->n[k].became_leader;
		if (agreed_leader(c))
			converged++;
		else
			TH_LOG("seed %llu: no agreed leader after calm",
			       (unsigned long long)seed);
		for (k = 1; k <= c->count; k++)
			if (c->n[k].e.term > max_term)
				max_term = c->n[k].e.term;
		ASSERT_EQ(0u, c->violations)
			TH_LOG("seed %llu: %s", (unsigned long long)seed,
			       c->why);
		for (k = 0; k < MAX_TERMS; k++)
			if (c->committed[k]) {
				committed++;
				break;
			}
		free(c);
	}
	EXPECT_EQ(seeds, converged);
	/* the faults did force elections beyond the first */
	EXPECT_LT(2 * seeds, elected);
	/* and leaders did commit, which later leaders had to hold */
	EXPECT_LT(seeds / 2, committed);
	TH_LOG("%u elections, highest term %u, %u runs committed", elected,
	       max_term, committed);
}

TEST_HARNESS_MAIN
