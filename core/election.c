// SPDX-License-Identifier: GPL-2.0
/*
 * The election and lease-renewal state machine (see election.h).
 */
#include "election.h"
#include "lease.h"
#include "quorum.h"

static u64 elapsed(u64 now, u64 since)
{
	return now > since ? now - since : 0;
}

static u64 add_saturating(u64 a, u64 b)
{
	return a > U64_MAX - b ? U64_MAX : a + b;
}

static u64 max_u64(u64 a, u64 b)
{
	return a > b ? a : b;
}

static u64 min_u64(u64 a, u64 b)
{
	return a < b ? a : b;
}

static unsigned int n_nodes(const struct stockade_elect *e)
{
	return e->cfg.n_peers + 1;
}

/* Index of peer @id in cfg.peers, or -1. */
static int peer_slot(const struct stockade_elect *e, u32 id)
{
	u32 i;

	for (i = 0; i < e->cfg.n_peers; i++)
		if (e->cfg.peers[i] == id)
			return i;
	return -1;
}

bool stockade_elect_config_valid(const struct stockade_elect_config *c)
{
	u32 i, j;

	if (c->self == 0 || c->self > STOCKADE_ELECT_MAX_NODE_ID)
		return false;
	if (c->n_peers > STOCKADE_ELECT_MAX_PEERS)
		return false;
	if (c->heartbeat_ns == 0 || c->heartbeat_ns >= c->election_base_ns ||
	    c->heartbeat_ns >= c->lease_ns)
		return false;
	if (c->election_base_ns > STOCKADE_ELECT_MAX_NS ||
	    c->lease_ns > STOCKADE_LEASE_MAX_NS)
		return false;
	for (i = 0; i < c->n_peers; i++) {
		u32 id = c->peers[i];

		if (id == 0 || id > STOCKADE_ELECT_MAX_NODE_ID || id == c->self)
			return false;
		for (j = 0; j < i; j++)
			if (c->peers[j] == id)
				return false;
	}
	return true;
}

/* Outputs */

static struct stockade_elect_action *add_action(struct stockade_elect_out *out,
						u8 kind)
{
	struct stockade_elect_action *a;

	if (out->n >= STOCKADE_ELECT_MAX_ACTIONS) {
		out->overflow = true;
		return NULL;
	}
	a = &out->a[out->n++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	return a;
}

static void add_term_action(struct stockade_elect_out *out, u8 kind, u64 term)
{
	struct stockade_elect_action *a = add_action(out, kind);

	if (a)
		a->term = term;
}

/* A message from this node in its current term, or NULL if out is full. */
static struct stockade_elect_msg *add_send(const struct stockade_elect *e,
					   struct stockade_elect_out *out,
					   u8 type, u32 to)
{
	struct stockade_elect_action *a;

	a = add_action(out, STOCKADE_ELECT_ACT_SEND);
	if (!a)
		return NULL;
	a->msg.type = type;
	a->msg.from = e->cfg.self;
	a->msg.to = to;
	a->msg.term = e->term;
	return &a->msg;
}

static void reset_out(struct stockade_elect_out *out)
{
	out->n = 0;
	out->overflow = false;
}

/* Timers */

static void reset_timer(struct stockade_elect *e, u64 now)
{
	e->timer_start_ns = now;
	e->need_rand = true;
}

/* base + base * rand / 2^32, in [base, 2 * base), without overflow. */
static u64 draw_timeout(u64 base, u32 rand)
{
	u64 hi = (base >> 32) * rand;
	u64 lo = ((base & 0xffffffffULL) * rand) >> 32;

	return base + hi + lo;
}

/* State changes */

static void clear_round(struct stockade_elect *e)
{
	u32 i;

	for (i = 0; i < e->cfg.n_peers; i++) {
		e->peer[i].pre_granted = false;
		e->peer[i].granted = false;
	}
	e->self_granted = false;
}

/*
 * Follow in @term if newer, else in the current term; leave leadership or
 * a campaign.  @persist: a newer term is to be persisted (PERSIST_TERM);
 * false when the module itself reported it or a PERSIST_VOTE will.
 */
static void become_follower(struct stockade_elect *e, u64 term, bool persist,
			    u64 now, struct stockade_elect_out *out)
{
	bool newer = term > e->term;

	if (e->role == STOCKADE_ELECT_LEADER) {
		add_term_action(out, STOCKADE_ELECT_ACT_BECOME_FOLLOWER,
				max_u64(term, e->term));
		e->leader = 0;
	}
	if (newer) {
		e->term = term;
		e->voted_for = 0;
		e->pending_vote = 0;
		e->leader = 0;
		if (persist)
			add_term_action(out, STOCKADE_ELECT_ACT_PERSIST_TERM,
					term);
	}
	if (e->role != STOCKADE_ELECT_FOLLOWER)
		clear_round(e);
	e->role = STOCKADE_ELECT_FOLLOWER;
	e->transfer = false;
	e->transfer_to = 0;
	reset_timer(e, now);
}

/* Whether this node, as a voter, believes a leader is alive. */
static bool leader_alive(const struct stockade_elect *e, u64 now)
{
	if (e->role == STOCKADE_ELECT_LEADER)
		return true;
	return e->role == STOCKADE_ELECT_FOLLOWER && e->leader &&
	       elapsed(now, e->leader_heard_ns) < e->cfg.election_base_ns;
}

static unsigned int count_votes(const struct stockade_elect *e, bool pre)
{
	unsigned int n;
	u32 i;

	n = pre || e->self_granted ? 1 : 0;
	for (i = 0; i < e->cfg.n_peers; i++)
		if (pre ? e->peer[i].pre_granted : e->peer[i].granted)
			n++;
	return n;
}

static u64 quorum_start(const struct stockade_elect *e, u64 now)
{
	u64 acked[STOCKADE_MAX_NODES];
	u32 i;

	acked[0] = now;
	for (i = 0; i < e->cfg.n_peers; i++)
		acked[i + 1] = e->peer[i].acked_ns;
	return stockade_lease_quorum_start(acked, n_nodes(e));
}

/* Grant a lease if the majority's send time moved forward. */
static void update_lease(struct stockade_elect *e, u64 now,
			 struct stockade_elect_out *out)
{
	struct stockade_elect_action *a;
	u64 start = quorum_start(e, now);

	if (start == 0 || start <= e->lease_start_ns || e->transfer_to)
		return;
	a = add_action(out, STOCKADE_ELECT_ACT_GRANT_LEASE);
	if (!a)
		return;
	a->term = e->term;
	a->start_ns = start;
	a->duration_ns = e->cfg.lease_ns;
	e->lease_start_ns = start;
}

static void send_heartbeats(struct stockade_elect *e, u64 now,
			    struct stockade_elect_out *out)
{
	struct stockade_elect_msg *m;
	u32 i;

	for (i = 0; i < e->cfg.n_peers; i++) {
		m = add_send(e, out, STOCKADE_ELECT_MSG_HEARTBEAT,
			     e->cfg.peers[i]);
		if (m)
			m->sent_ns = now;
	}
	e->next_heartbeat_ns = add_saturating(now, e->cfg.heartbeat_ns);
	/* Alone, the leader's own now is the majority's. */
	update_lease(e, now, out);
}

static void become_leader(struct stockade_elect *e, u64 now,
			  struct stockade_elect_out *out)
{
	u32 i;

	e->role = STOCKADE_ELECT_LEADER;
	e->leader = e->cfg.self;
	e->leader_since_ns = now;
	e->grace_ns = now;
	e->lease_start_ns = 0;
	e->transfer = false;
	e->transfer_to = 0;
	for (i = 0; i < e->cfg.n_peers; i++)
		e->peer[i].acked_ns = 0;
	add_term_action(out, STOCKADE_ELECT_ACT_BECOME_LEADER, e->term);
	send_heartbeats(e, now, out);
}

static void send_vote_requests(struct stockade_elect *e, bool pre,
			       struct stockade_elect_out *out)
{
	struct stockade_elect_msg *m;
	u32 i;

	for (i = 0; i < e->cfg.n_peers; i++) {
		m = add_send(e, out, STOCKADE_ELECT_MSG_VOTE, e->cfg.peers[i]);
		if (!m)
			continue;
		m->pre_vote = pre;
		m->transfer = !pre && e->transfer;
		m->term = pre ? e->term + 1 : e->term;
		m->last_index = e->last_index;
		m->last_term = e->last_term;
	}
}

/* Term + 1, own vote to be persisted; requests go out once it is. */
static void start_candidacy(struct stockade_elect *e, bool transfer, u64 now,
			    struct stockade_elect_out *out)
{
	struct stockade_elect_action *a;

	if (e->term == U64_MAX)
		return;
	e->role = STOCKADE_ELECT_CANDIDATE;
	e->term++;
	e->voted_for = 0;
	e->pending_vote = e->cfg.self;
	e->leader = 0;
	e->transfer = transfer;
	e->transfer_to = 0;
	clear_round(e);
	reset_timer(e, now);
	a = add_action(out, STOCKADE_ELECT_ACT_PERSIST_VOTE);
	if (!a)
		return;
	a->term = e->term;
	a->vote.term = e->term;
	a->vote.candidate = e->cfg.self;
	a->vote.last_index = e->last_index;
	a->vote.last_term = e->last_term;
}

static void start_pre_vote(struct stockade_elect *e, u64 now,
			   struct stockade_elect_out *out)
{
	if (e->term == U64_MAX)
		return;
	e->role = STOCKADE_ELECT_PRE_CANDIDATE;
	e->leader = 0;
	e->transfer = false;
	clear_round(e);
	reset_timer(e, now);
	send_vote_requests(e, true, out);
	if (count_votes(e, true) >= stockade_majority(n_nodes(e)))
		start_candidacy(e, false, now, out);
}

static void maybe_win(struct stockade_elect *e, u64 now,
		      struct stockade_elect_out *out)
{
	if (e->role == STOCKADE_ELECT_CANDIDATE && e->self_granted &&
	    count_votes(e, false) >= stockade_majority(n_nodes(e)))
		become_leader(e, now, out);
}

/* Entry points */

bool stockade_elect_init(struct stockade_elect *e,
			 const struct stockade_elect_config *c, u64 term,
			 u32 voted_for, u64 last_index, u64 last_term,
			 u64 now)
{
	memset(e, 0, sizeof(*e));
	if (!stockade_elect_config_valid(c))
		return false;
	e->cfg = *c;
	e->role = STOCKADE_ELECT_FOLLOWER;
	e->eligible = true;
	e->term = term;
	e->voted_for = voted_for;
	e->last_index = last_index;
	e->last_term = last_term;
	e->timeout_ns = c->election_base_ns;
	reset_timer(e, now);
	return true;
}

static void leader_tick(struct stockade_elect *e, u64 now,
			struct stockade_elect_out *out)
{
	u64 since;

	if (!e->eligible) {
		become_follower(e, e->term, false, now, out);
		return;
	}
	if (e->transfer_to && now >= e->transfer_deadline_ns)
		e->transfer_to = 0;
	/* Check-quorum: no majority has acked for a whole lease. */
	since = max_u64(quorum_start(e, now), e->grace_ns);
	if (elapsed(now, since) >= e->cfg.lease_ns) {
		become_follower(e, e->term, false, now, out);
		return;
	}
	if (now >= e->next_heartbeat_ns)
		send_heartbeats(e, now, out);
}

void stockade_elect_tick(struct stockade_elect *e, u64 now, u32 rand,
			 struct stockade_elect_out *out)
{
	reset_out(out);
	if (e->need_rand) {
		e->timeout_ns = draw_timeout(e->cfg.election_base_ns, rand);
		e->need_rand = false;
	}
	if (e->role == STOCKADE_ELECT_LEADER) {
		leader_tick(e, now, out);
		return;
	}
	if (!e->eligible && e->role != STOCKADE_ELECT_FOLLOWER) {
		become_follower(e, e->term, false, now, out);
		return;
	}
	if (elapsed(now, e->timer_start_ns) < e->timeout_ns)
		return;
	if (e->eligible)
		start_pre_vote(e, now, out);
	else
		reset_timer(e, now);
}

static void reply_vote(const struct stockade_elect *e,
		       struct stockade_elect_out *out, u32 to, bool pre,
		       enum stockade_vote_verdict v, u64 req_term)
{
	struct stockade_elect_msg *m;

	m = add_send(e, out, STOCKADE_ELECT_MSG_VOTE_REPLY, to);
	if (!m)
		return;
	m->pre_vote = pre;
	m->granted = v == STOCKADE_VOTE_GRANTED;
	m->verdict = v;
	if (m->granted)
		m->term = req_term;
}

static void vote_state(const struct stockade_elect *e, u64 now,
		       struct stockade_vote_state *st)
{
	st->current_term = e->term;
	st->voted_for = e->pending_vote ? e->pending_vote : e->voted_for;
	st->last_index = e->last_index;
	st->last_term = e->last_term;
	st->leader_alive = leader_alive(e, now);
}

static void on_vote(struct stockade_elect *e,
		    const struct stockade_elect_msg *m, u64 now,
		    struct stockade_elect_out *out)
{
	struct stockade_vote_req req = {
		.term = m->term, .candidate = m->from,
		.last_index = m->last_index, .last_term = m->last_term,
		.pre_vote = m->pre_vote,
	};
	struct stockade_elect_action *a;
	struct stockade_vote_state st;
	struct stockade_vote_plan plan;
	enum stockade_vote_verdict v;
	bool raised = false;

	if (!m->pre_vote && m->term > e->term) {
		/* Stickiness: neither adopt the term nor answer. */
		if (leader_alive(e, now) && !m->transfer)
			return;
		become_follower(e, m->term, false, now, out);
		raised = true;
	}
	vote_state(e, now, &st);
	v = stockade_vote(&st, &req, &plan);
	if (m->pre_vote || v != STOCKADE_VOTE_GRANTED) {
		if (raised)
			add_term_action(out, STOCKADE_ELECT_ACT_PERSIST_TERM,
					e->term);
		reply_vote(e, out, m->from, m->pre_vote, v, m->term);
		return;
	}
	/* Granted, by the module's earlier answer: durable already. */
	if (e->voted_for == m->from) {
		reply_vote(e, out, m->from, false, v, m->term);
		return;
	}
	if (e->pending_vote == m->from)
		return;		/* the reply goes out with the answer */
	e->pending_vote = m->from;
	a = add_action(out, STOCKADE_ELECT_ACT_PERSIST_VOTE);
	if (!a)
		return;
	a->term = req.term;
	a->vote = req;
}

static void on_vote_reply(struct stockade_elect *e,
			  const struct stockade_elect_msg *m, u64 now,
			  struct stockade_elect_out *out)
{
	int slot = peer_slot(e, m->from);

	if (m->pre_vote && m->granted) {
		if (e->role != STOCKADE_ELECT_PRE_CANDIDATE ||
		    m->term != e->term + 1)
			return;
		e->peer[slot].pre_granted = true;
		if (count_votes(e, true) >= stockade_majority(n_nodes(e)))
			start_candidacy(e, false, now, out);
		return;
	}
	if (m->term > e->term) {
		become_follower(e, m->term, true, now, out);
		return;
	}
	if (m->pre_vote || !m->granted || m->term < e->term ||
	    e->role != STOCKADE_ELECT_CANDIDATE)
		return;
	e->peer[slot].granted = true;
	maybe_win(e, now, out);
}

static void on_heartbeat(struct stockade_elect *e,
			 const struct stockade_elect_msg *m, u64 now,
			 struct stockade_elect_out *out)
{
	struct stockade_elect_msg *ack;

	if (m->term > e->term) {
		become_follower(e, m->term, true, now, out);
	} else if (m->term == e->term) {
		/* Two leaders in one term cannot be: ignore it. */
		if (e->role == STOCKADE_ELECT_LEADER)
			return;
		if (e->role != STOCKADE_ELECT_FOLLOWER)
			become_follower(e, e->term, false, now, out);
	}
	if (m->term == e->term) {
		e->leader = m->from;
		e->leader_heard_ns = now;
		reset_timer(e, now);
	}
	/* In our term: accepted; in a newer one: the sender steps down. */
	ack = add_send(e, out, STOCKADE_ELECT_MSG_HEARTBEAT_ACK, m->from);
	if (ack)
		ack->sent_ns = m->sent_ns;
}

static void on_heartbeat_ack(struct stockade_elect *e,
			     const struct stockade_elect_msg *m, u64 now,
			     struct stockade_elect_out *out)
{
	int slot = peer_slot(e, m->from);

	if (m->term > e->term) {
		become_follower(e, m->term, true, now, out);
		return;
	}
	if (m->term < e->term || e->role != STOCKADE_ELECT_LEADER)
		return;
	/* Only heartbeats this leadership sent, and none from the future. */
	if (m->sent_ns < e->leader_since_ns || m->sent_ns > now)
		return;
	if (m->sent_ns > e->peer[slot].acked_ns)
		e->peer[slot].acked_ns = m->sent_ns;
	update_lease(e, now, out);
}

static void on_timeout_now(struct stockade_elect *e,
			   const struct stockade_elect_msg *m, u64 now,
			   struct stockade_elect_out *out)
{
	if (m->term > e->term)
		become_follower(e, m->term, true, now, out);
	if (m->term < e->term || e->role == STOCKADE_ELECT_LEADER ||
	    !e->eligible)
		return;
	start_candidacy(e, true, now, out);
}

void stockade_elect_receive(struct stockade_elect *e,
			    const struct stockade_elect_msg *m, u64 now,
			    struct stockade_elect_out *out)
{
	reset_out(out);
	if (m->to != e->cfg.self || peer_slot(e, m->from) < 0)
		return;
	switch (m->type) {
	case STOCKADE_ELECT_MSG_HEARTBEAT:
		on_heartbeat(e, m, now, out);
		break;
	case STOCKADE_ELECT_MSG_HEARTBEAT_ACK:
		on_heartbeat_ack(e, m, now, out);
		break;
	case STOCKADE_ELECT_MSG_VOTE:
		on_vote(e, m, now, out);
		break;
	case STOCKADE_ELECT_MSG_VOTE_REPLY:
		on_vote_reply(e, m, now, out);
		break;
	case STOCKADE_ELECT_MSG_TIMEOUT_NOW:
		on_timeout_now(e, m, now, out);
		break;
	default:
		break;
	}
}

/* Why the module refused, as far as its answer tells. */
static enum stockade_vote_verdict
refusal(const struct stockade_elect_vote_answer *ans)
{
	if (ans->term > ans->req.term)
		return STOCKADE_VOTE_STALE_TERM;
	if (ans->voted_for && ans->voted_for != ans->req.candidate)
		return STOCKADE_VOTE_ALREADY_VOTED;
	return STOCKADE_VOTE_LOG_BEHIND;
}

static void own_vote_done(struct stockade_elect *e, bool granted, u64 now,
			  struct stockade_elect_out *out)
{
	if (e->role != STOCKADE_ELECT_CANDIDATE)
		return;
	if (!granted) {
		become_follower(e, e->term, false, now, out);
		return;
	}
	if (e->self_granted)
		return;
	e->self_granted = true;
	send_vote_requests(e, false, out);
	maybe_win(e, now, out);
}

void stockade_elect_vote_done(struct stockade_elect *e,
			      const struct stockade_elect_vote_answer *ans,
			      u64 now, struct stockade_elect_out *out)
{
	const struct stockade_vote_req *req = &ans->req;
	bool own = req->candidate == e->cfg.self;
	bool current = req->term == e->term;
	bool granted;

	reset_out(out);
	if (current && e->pending_vote == req->candidate)
		e->pending_vote = 0;
	if (!ans->ok) {
		/* Unknown outcome: no reply; the candidate times out. */
		if (own && current)
			own_vote_done(e, false, now, out);
		return;
	}
	if (ans->term > e->term) {
		become_follower(e, ans->term, false, now, out);
		e->voted_for = ans->voted_for;
	} else if (ans->term == e->term) {
		e->voted_for = ans->voted_for;
	}
	granted = ans->granted && ans->term == req->term &&
		  ans->voted_for == req->candidate;
	if (own) {
		if (req->term == e->term)
			own_vote_done(e, granted, now, out);
		return;
	}
	/* A durable grant is worth sending even if the term moved on. */
	reply_vote(e, out, req->candidate, false,
		   granted ? STOCKADE_VOTE_GRANTED : refusal(ans), req->term);
	if (granted && req->term == e->term &&
	    e->role == STOCKADE_ELECT_FOLLOWER)
		reset_timer(e, now);
}

void stockade_elect_set_log(struct stockade_elect *e, u64 last_index,
			    u64 last_term)
{
	e->last_index = last_index;
	e->last_term = last_term;
}

void stockade_elect_set_eligible(struct stockade_elect *e, bool eligible,
				 u64 now, struct stockade_elect_out *out)
{
	reset_out(out);
	e->eligible = eligible;
	if (!eligible && e->role != STOCKADE_ELECT_FOLLOWER)
		become_follower(e, e->term, false, now, out);
}

bool stockade_elect_set_election_base(struct stockade_elect *e, u64 base_ns)
{
	if (base_ns <= e->cfg.heartbeat_ns || base_ns > STOCKADE_ELECT_MAX_NS)
		return false;
	e->cfg.election_base_ns = base_ns;
	return true;
}

void stockade_elect_paused(struct stockade_elect *e, u64 from_ns, u64 to_ns)
{
	if (to_ns <= from_ns)
		return;
	if (e->role == STOCKADE_ELECT_LEADER)
		e->grace_ns = max_u64(e->grace_ns, to_ns);
	else
		e->timer_start_ns = max_u64(e->timer_start_ns, to_ns);
}

bool stockade_elect_campaign(struct stockade_elect *e, u64 now, bool force,
			     struct stockade_elect_out *out)
{
	reset_out(out);
	if (!e->eligible || e->role == STOCKADE_ELECT_LEADER)
		return false;
	if (force)
		start_candidacy(e, true, now, out);
	else
		start_pre_vote(e, now, out);
	return true;
}

bool stockade_elect_transfer(struct stockade_elect *e, u32 to, u64 now,
			     struct stockade_elect_out *out)
{
	reset_out(out);
	if (e->role != STOCKADE_ELECT_LEADER || peer_slot(e, to) < 0)
		return false;
	e->transfer_to = to;
	e->transfer_deadline_ns = add_saturating(now, e->cfg.election_base_ns);
	add_send(e, out, STOCKADE_ELECT_MSG_TIMEOUT_NOW, to);
	return true;
}

void stockade_elect_term_seen(struct stockade_elect *e, u64 term, u64 now,
			      struct stockade_elect_out *out)
{
	reset_out(out);
	if (term > e->term)
		become_follower(e, term, false, now, out);
}

void stockade_elect_step_down(struct stockade_elect *e, u64 now,
			      struct stockade_elect_out *out)
{
	reset_out(out);
	if (e->role != STOCKADE_ELECT_FOLLOWER)
		become_follower(e, e->term, false, now, out);
}

u64 stockade_elect_next_deadline(const struct stockade_elect *e)
{
	u64 d, since;

	if (e->role != STOCKADE_ELECT_LEADER)
		return add_saturating(e->timer_start_ns,
				      e->need_rand ? e->cfg.election_base_ns :
						     e->timeout_ns);
	/* The leader's own entry is the largest: any value above all do. */
	since = max_u64(quorum_start(e, U64_MAX), e->grace_ns);
	d = min_u64(e->next_heartbeat_ns,
		    add_saturating(since, e->cfg.lease_ns));
	if (e->transfer_to)
		d = min_u64(d, e->transfer_deadline_ns);
	return d;
}

const char *stockade_elect_role_name(enum stockade_elect_role r)
{
	switch (r) {
	case STOCKADE_ELECT_FOLLOWER:
		return "follower";
	case STOCKADE_ELECT_PRE_CANDIDATE:
		return "pre-candidate";
	case STOCKADE_ELECT_CANDIDATE:
		return "candidate";
	case STOCKADE_ELECT_LEADER:
		return "leader";
	}
	return "unknown";
}

const char *stockade_elect_msg_name(enum stockade_elect_msg_type t)
{
	switch (t) {
	case STOCKADE_ELECT_MSG_NONE:
		return "none";
	case STOCKADE_ELECT_MSG_HEARTBEAT:
		return "heartbeat";
	case STOCKADE_ELECT_MSG_HEARTBEAT_ACK:
		return "heartbeat-ack";
	case STOCKADE_ELECT_MSG_VOTE:
		return "vote";
	case STOCKADE_ELECT_MSG_VOTE_REPLY:
		return "vote-reply";
	case STOCKADE_ELECT_MSG_TIMEOUT_NOW:
		return "timeout-now";
	}
	return "unknown";
}

const char *stockade_elect_action_name(enum stockade_elect_action_kind k)
{
	switch (k) {
	case STOCKADE_ELECT_ACT_NONE:
		return "none";
	case STOCKADE_ELECT_ACT_SEND:
		return "send";
	case STOCKADE_ELECT_ACT_PERSIST_VOTE:
		return "persist-vote";
	case STOCKADE_ELECT_ACT_PERSIST_TERM:
		return "persist-term";
	case STOCKADE_ELECT_ACT_BECOME_LEADER:
		return "become-leader";
	case STOCKADE_ELECT_ACT_BECOME_FOLLOWER:
		return "become-follower";
	case STOCKADE_ELECT_ACT_GRANT_LEASE:
		return "grant-lease";
	}
	return "unknown";
}
