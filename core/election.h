/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's election and lease-renewal state machine for one device:
 * Raft's election with pre-vote, check-quorum and leader stickiness, and
 * the leader's lease from heartbeat acknowledgements.
 *
 * It is plain deterministic code: no I/O, no clock, no allocation, no
 * floating point.  Time (monotonic ns of this node's clock) and every
 * event come in as arguments; what is to be done goes out as a list of
 * actions in struct stockade_elect_out, which every entry point clears
 * first.  The caller performs them in order.
 *
 * The durable term and vote live in the module.  The state machine never
 * counts or announces a vote before the module has persisted it:
 *
 *  - PERSIST_VOTE: ask the module (STOCKADE_CMD_VOTE) with the action's
 *    request, then report its answer with stockade_elect_vote_done().
 *    Only then is a granted VOTE_REPLY sent, or the candidate's own vote
 *    counted and its VOTE requests sent.  The module applies the rules of
 *    core/vote.c again on its own durable state, so it has the last word.
 *  - PERSIST_TERM: a newer term was seen; persist it (SET_ROLE follower
 *    with TERM: the module stores it with no vote).  Not folded into
 *    PERSIST_VOTE, whose rules refuse candidate 0.  Nothing waits for
 *    it: the term is adopted in memory at once.  That is safe because
 *    the only promise that needs durability, the vote, always goes
 *    through PERSIST_VOTE, which persists its term with it.
 *  - BECOME_LEADER: SET_ROLE leader in the action's term.  If the module
 *    refuses, call stockade_elect_step_down().
 *  - BECOME_FOLLOWER: SET_ROLE follower (this node led and stops).  When
 *    it stops because of a newer term, BECOME_FOLLOWER carries the new
 *    term and PERSIST_TERM follows it; doing both is harmless.
 *  - GRANT_LEASE: SET_LEASE with TERM, LEASE_START_NS, LEASE_DURATION_NS
 *    (the module shortens it by the drift bound).
 *  - SEND: send the message to msg.to.  Messages may be lost, duplicated
 *    or reordered; nothing is retransmitted here, the timers do that.
 *
 * Roles.  A follower that hears no heartbeat of its term's leader for its
 * election timeout (randomized in [base, 2 * base) from the caller's
 * random number) becomes a pre-candidate: it asks for pre-votes for term
 * + 1 without changing its term.  With a majority of them (its own
 * included) it becomes a candidate: term + 1, PERSIST_VOTE for itself,
 * then VOTE requests; with a majority of persisted grants (its own
 * included) it leads.  A pre-candidate or candidate whose timeout runs
 * out starts again with a pre-vote (a split vote resolves that way).
 *
 * Voting.  Pre-votes and votes follow stockade_vote(); a voter treats a
 * leader as alive (leader stickiness) if it is the leader itself, or if
 * it is a follower that heard its term's leader within the minimum
 * election timeout (base).  Such a voter refuses pre-votes, and ignores a
 * VOTE request with a newer term altogether (it neither adopts the term
 * nor replies; Raft section 9.6, etcd's CheckQuorum), unless the request
 * is marked transfer (leadership transfer or a forced campaign).  A
 * grant is sent only with the module's answer; a vote the module has
 * already reported for the same candidate is granted again at once, and
 * while a PERSIST_VOTE is in flight the vote counts as promised (another
 * candidate of that term is refused).  A failed write (ok false) sends no
 * reply: the candidate times out.
 *
 * Terms.  A message with a newer term makes this node adopt it and
 * follow, with two exceptions: a pre-vote request (never adopted) and
 * the ignored VOTE request above.  A granted pre-vote reply carries the
 * term it was asked for, a refused one the voter's term.  Requests with
 * an older term (HEARTBEAT, VOTE, pre-vote) are answered with this
 * node's term, refused (a stale leader's heartbeat gets a HEARTBEAT_ACK
 * in the newer term, which makes it step down); replies with an older
 * term (HEARTBEAT_ACK, VOTE_REPLY) and TIMEOUT_NOW are ignored.
 *
 * Leading.  The leader sends HEARTBEAT to every peer each heartbeat
 * interval, stamped with its clock (sent_ns); a follower echoes it in
 * HEARTBEAT_ACK.  Per peer it keeps the latest sent_ns acknowledged in
 * its term; the lease start is stockade_lease_quorum_start() of those and
 * its own now, and whenever it advances GRANT_LEASE is emitted.  The
 * start is a send time of a heartbeat that a majority acknowledged, never
 * later.  Check-quorum: when the quorum start (or, before any, the moment
 * leadership began) is lease_ns old, the leader steps down.
 *
 * Inputs beyond messages: the node's log position (set_log), eligibility
 * (an ineligible node never starts an election and a leader that becomes
 * ineligible steps down; it still votes), a local pause of the caller's
 * loop (restarts the election timer from its end), an operator campaign,
 * leadership transfer, a newer term the module reports, and a step down.
 *
 * The caller must tick at least at stockade_elect_next_deadline(), and in
 * any case once per heartbeat interval.
 */
#ifndef _STOCKADE_CORE_ELECTION_H
#define _STOCKADE_CORE_ELECTION_H

#include "compat.h"
#include "limits.h"
#include "vote.h"

#define STOCKADE_ELECT_MAX_PEERS	(STOCKADE_MAX_NODES - 1)
#define STOCKADE_ELECT_MAX_NODE_ID	255
/* No timer in the configuration may exceed an hour. */
#define STOCKADE_ELECT_MAX_NS		(3600ULL * 1000000000ULL)
/*
 * The most actions one call can produce: a candidate whose own vote
 * completes a majority sends its VOTE requests, leads, heartbeats every
 * peer and grants a lease (2 * peers + 2).  Never reached in practice.
 */
#define STOCKADE_ELECT_MAX_ACTIONS	(2 * STOCKADE_MAX_NODES + 4)

enum stockade_elect_role {
	STOCKADE_ELECT_FOLLOWER,
	STOCKADE_ELECT_PRE_CANDIDATE,
	STOCKADE_ELECT_CANDIDATE,
	STOCKADE_ELECT_LEADER,
};

enum stockade_elect_msg_type {
	STOCKADE_ELECT_MSG_NONE,
	STOCKADE_ELECT_MSG_HEARTBEAT,		/* leader: sent_ns */
	STOCKADE_ELECT_MSG_HEARTBEAT_ACK,	/* echoes sent_ns */
	STOCKADE_ELECT_MSG_VOTE,		/* pre_vote, transfer, log */
	STOCKADE_ELECT_MSG_VOTE_REPLY,		/* pre_vote, granted */
	STOCKADE_ELECT_MSG_TIMEOUT_NOW,		/* to the transferee */
};

struct stockade_elect_msg {
	u8 type;		/* enum stockade_elect_msg_type */
	u8 verdict;		/* VOTE_REPLY: enum stockade_vote_verdict */
	bool pre_vote;		/* VOTE, VOTE_REPLY */
	bool granted;		/* VOTE_REPLY */
	bool transfer;		/* VOTE: ignore leader stickiness */
	u32 from;		/* node ids */
	u32 to;
	u64 term;		/* see the header comment */
	u64 last_index;		/* VOTE: the candidate's log */
	u64 last_term;
	u64 sent_ns;		/* HEARTBEAT, echoed in HEARTBEAT_ACK */
};

enum stockade_elect_action_kind {
	STOCKADE_ELECT_ACT_NONE,
	STOCKADE_ELECT_ACT_SEND,		/* msg */
	STOCKADE_ELECT_ACT_PERSIST_VOTE,	/* vote */
	STOCKADE_ELECT_ACT_PERSIST_TERM,	/* term */
	STOCKADE_ELECT_ACT_BECOME_LEADER,	/* term */
	STOCKADE_ELECT_ACT_BECOME_FOLLOWER,	/* term */
	STOCKADE_ELECT_ACT_GRANT_LEASE,		/* term, start_ns, duration */
};

struct stockade_elect_action {
	u8 kind;		/* enum stockade_elect_action_kind */
	struct stockade_elect_msg msg;
	/* What to ask the module; give it back to vote_done() as is. */
	struct stockade_vote_req vote;
	u64 term;
	u64 start_ns;
	u64 duration_ns;
};

struct stockade_elect_out {
	struct stockade_elect_action a[STOCKADE_ELECT_MAX_ACTIONS];
	u32 n;
	bool overflow;		/* an action was dropped: a bug */
};

struct stockade_elect_config {
	u32 self;		/* 1..255 */
	u32 peers[STOCKADE_ELECT_MAX_PEERS];	/* distinct, not self */
	u32 n_peers;
	u64 heartbeat_ns;	/* < election_base_ns and < lease_ns */
	u64 election_base_ns;	/* minimum election timeout */
	u64 lease_ns;		/* 1 ns to STOCKADE_LEASE_MAX_NS */
};

/* The module's answer to a PERSIST_VOTE. */
struct stockade_elect_vote_answer {
	struct stockade_vote_req req;	/* the action's vote, as emitted */
	bool ok;		/* false: no answer (an error, e.g. EIO) */
	bool granted;		/* VOTE_RESULT == GRANTED */
	u64 term;		/* TERM as persisted */
	u32 voted_for;		/* VOTED_FOR as persisted */
};

struct stockade_elect_peer {
	bool pre_granted;	/* this round, for term + 1 */
	bool granted;		/* this candidacy */
	u64 acked_ns;		/* leader: latest sent_ns acked */
};

/* Caller-allocated; read it through the accessors below. */
struct stockade_elect {
	struct stockade_elect_config cfg;
	u8 role;		/* enum stockade_elect_role */
	bool eligible;
	u64 term;		/* adopted; persisted or being persisted */
	u32 voted_for;		/* in term, as the module last reported */
	u32 pending_vote;	/* PERSIST_VOTE in flight in term; 0: none */
	u64 last_index;		/* this node's log */
	u64 last_term;
	u32 leader;		/* of term; 0: unknown */
	u64 leader_heard_ns;
	/* Election timer: started at timer_start_ns, runs timeout_ns. */
	u64 timer_start_ns;
	u64 timeout_ns;
	bool need_rand;		/* draw timeout_ns at the next tick */
	/* Candidate */
	bool self_granted;	/* own vote persisted */
	bool transfer;		/* campaign ignores leader stickiness */
	/* Leader */
	u64 leader_since_ns;
	u64 grace_ns;		/* check-quorum counts from here */
	u64 next_heartbeat_ns;
	u64 lease_start_ns;	/* last granted */
	u32 transfer_to;	/* 0: no transfer in progress */
	u64 transfer_deadline_ns;
	struct stockade_elect_peer peer[STOCKADE_ELECT_MAX_PEERS];
};

bool stockade_elect_config_valid(const struct stockade_elect_config *c);

/*
 * Start as a follower with the module's @term and @voted_for and this
 * node's log, eligible, its election timer running from @now.  Returns
 * false (and leaves @e unusable) if @c is not valid.
 */
bool stockade_elect_init(struct stockade_elect *e,
			 const struct stockade_elect_config *c, u64 term,
			 u32 voted_for, u64 last_index, u64 last_term,
			 u64 now);

/* Timers: election timeout, heartbeats, check-quorum, transfer. */
void stockade_elect_tick(struct stockade_elect *e, u64 now, u32 rand,
			 struct stockade_elect_out *out);

/* A message for this node; others (wrong to, unknown from) are ignored. */
void stockade_elect_receive(struct stockade_elect *e,
			    const struct stockade_elect_msg *m, u64 now,
			    struct stockade_elect_out *out);

/* The module answered (or failed) a PERSIST_VOTE. */
void stockade_elect_vote_done(struct stockade_elect *e,
			      const struct stockade_elect_vote_answer *ans,
			      u64 now, struct stockade_elect_out *out);

/* This node's log moved (as the module reports it). */
void stockade_elect_set_log(struct stockade_elect *e, u64 last_index,
			    u64 last_term);

/*
 * Clock health or the operator.  Ineligible: a leader steps down, a
 * campaign is abandoned, no election is started; votes are still given.
 */
void stockade_elect_set_eligible(struct stockade_elect *e, bool eligible,
				 u64 now, struct stockade_elect_out *out);

/*
 * The adaptive election timeout's base (e.g. from the failure detector),
 * > heartbeat_ns and <= STOCKADE_ELECT_MAX_NS; false if out of range.
 * Takes effect at the next draw of the timeout.
 */
bool stockade_elect_set_election_base(struct stockade_elect *e, u64 base_ns);

/*
 * The caller's loop did not run from @from_ns to @to_ns.  A non-leader
 * restarts its election timer at @to_ns, so that a pause alone never
 * starts an election; a leader's check-quorum counts from @to_ns at the
 * earliest.  An empty or inverted range is ignored.
 */
void stockade_elect_paused(struct stockade_elect *e, u64 from_ns, u64 to_ns);

/*
 * Operator "promote": start an election now.  @force skips the pre-vote
 * and marks the VOTE requests transfer, so that voters ignore a live
 * leader.  False (nothing done) if ineligible or already leading.
 */
bool stockade_elect_campaign(struct stockade_elect *e, u64 now, bool force,
			     struct stockade_elect_out *out);

/*
 * Leader: hand leadership to peer @to (whose log the caller knows to be
 * up to date): stop granting leases and send it TIMEOUT_NOW, on which it
 * campaigns at once with transfer set.  If it has not taken over within
 * the minimum election timeout, the transfer is abandoned and leases are
 * granted again.  False if not leading or @to is not a peer.
 */
bool stockade_elect_transfer(struct stockade_elect *e, u32 to, u64 now,
			     struct stockade_elect_out *out);

/* The module reports a term (a newer one is adopted; nothing persisted). */
void stockade_elect_term_seen(struct stockade_elect *e, u64 term, u64 now,
			      struct stockade_elect_out *out);

/* Stop leading or campaigning (e.g. the module refused BECOME_LEADER). */
void stockade_elect_step_down(struct stockade_elect *e, u64 now,
			      struct stockade_elect_out *out);

/* When stockade_elect_tick() is next needed (it may be called earlier). */
u64 stockade_elect_next_deadline(const struct stockade_elect *e);

static inline enum stockade_elect_role
stockade_elect_role(const struct stockade_elect *e)
{
	return e->role;
}

static inline u64 stockade_elect_term(const struct stockade_elect *e)
{
	return e->term;
}

/* The leader of the current term as far as known, self included; 0. */
static inline u32 stockade_elect_leader(const struct stockade_elect *e)
{
	return e->leader;
}

const char *stockade_elect_role_name(enum stockade_elect_role r);
const char *stockade_elect_msg_name(enum stockade_elect_msg_type t);
const char *stockade_elect_action_name(enum stockade_elect_action_kind k);

#endif /* _STOCKADE_CORE_ELECTION_H */
