// SPDX-License-Identifier: GPL-2.0
/*
 * A leader catching up a follower whose log holds a divergent suffix, with
 * the core's own pieces end to end: the leader's progress
 * (core/progress.c) picks each APPEND, the follower's rules
 * (core/replica.c) judge it and name the conflict term, and the answer
 * goes through the wire checks (core/wire.c) on its way back.  Counts the
 * round trips until the follower first accepts an APPEND: with the hint,
 * at most one per distinct term of its divergent suffix, plus one for the
 * accepted APPEND and one for a follower shorter than the first probe;
 * without it, one per divergent entry.  Either way the follower ends up
 * with the leader's log.
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "progress.h"
#include "replica.h"
#include "wire.h"

#define MAX_INDEX	4096
#define PER_APPEND	32

struct log {
	u64 terms[MAX_INDEX + 1];	/* [0] is 0: the empty prefix */
	u64 last;
	u64 commit;
};

static u64 term_at(const void *log, u64 index)
{
	const struct log *l = log;

	return index <= l->last ? l->terms[index] : 0;
}

/* Append @n entries of @term. */
static void run(struct log *l, u64 n, u64 term)
{
	while (n--)
		l->terms[++l->last] = term;
}

struct result {
	u32 to_match;		/* round trips until the first accepted */
	u32 total;		/* until the follower holds the whole log */
};

/* The follower's side of one APPEND: the plan carried out, the answer. */
static void follow(struct log *f, const struct stockade_append_req *req,
		   struct stockade_wire_append_reply *r)
{
	struct stockade_replica_state st = {
		.current_term = req->term, .last_index = f->last,
		.commit_index = f->commit, .term_at = term_at, .log = f,
	};
	struct stockade_append_plan plan;
	enum stockade_append_verdict v;
	u64 i;

	v = stockade_replica_append(&st, req, &plan);
	memset(r, 0, sizeof(*r));
	r->verdict = cpu_to_le32(v);
	if (v == STOCKADE_APPEND_MISMATCH) {
		r->conflict_term = cpu_to_le64(plan.hint.term);
		r->conflict_index = cpu_to_le64(plan.hint.index);
	}
	if (v == STOCKADE_APPEND_OK) {
		if (plan.truncate_from)
			f->last = plan.truncate_from - 1;
		for (i = plan.first_new; plan.first_new && i <= plan.last_new;
		     i++)
			f->terms[i] = req->entry_terms[i - req->prev_index - 1];
		if (plan.first_new)
			f->last = plan.last_new;
		f->commit = plan.commit_index;
		r->match_index = cpu_to_le64(plan.match_index);
	}
	r->last_index = cpu_to_le64(f->last);
}

/* One APPEND and its answer; false if the answer failed a check. */
static bool round_trip(struct stockade_progress *p, const struct log *l,
		       u64 term, struct log *f, bool hints, bool *accepted)
{
	const struct stockade_leader_log view = {
		.term = term, .first = 1, .term_at = term_at, .log = l,
	};
	const struct stockade_wire_msg msg = {
		.type = STOCKADE_MSG_APPEND_REPLY,
		.body_len = sizeof(struct stockade_wire_append_reply),
		.term = term, .from_node = 2,
	};
	struct stockade_wire_append_reply_view rv;
	struct stockade_wire_append_reply r;
	struct stockade_append_answer a;
	struct stockade_append_req req;
	u64 first;
	u32 count;

	if (!stockade_progress_next(p, 1, l->last, PER_APPEND, &first, &count))
		return false;
	req = (struct stockade_append_req){
		.term = term, .prev_index = first - 1,
		.prev_term = term_at(l, first - 1), .leader_commit = l->commit,
		.n_entries = count, .entry_terms = &l->terms[first],
	};
	follow(f, &req, &r);
	if (stockade_wire_parse_append_reply(&msg, &r, &rv))
		return false;
	a = (struct stockade_append_answer){
		.verdict = rv.verdict, .match = rv.match_index,
		.follower_last = rv.last_index, .sent_last = first + count - 1,
		.hint = rv.hint,
	};
	*accepted = a.verdict == STOCKADE_APPEND_OK;
	return stockade_progress_on_reply(p, &a, hints ? &view : NULL);
}

/* Catch @f up with @l, the leader's log in @term; 0 rounds on failure. */
static struct result catch_up(const struct log *l, u64 term, struct log *f,
			      bool hints)
{
	struct stockade_progress p;
	struct result res = { 0 };
	bool accepted;
	u32 rounds;

	stockade_progress_reset(&p, l->last);
	for (rounds = 1; rounds <= 2 * MAX_INDEX; rounds++) {
		if (!round_trip(&p, l, term, f, hints, &accepted))
			break;
		if (accepted && !res.to_match)
			res.to_match = rounds;
		if (p.match_index == l->last) {
			res.total = rounds;
			return res;
		}
	}
	return (struct result){ 0 };
}

/* Distinct terms among @f's entries that @l lacks. */
static u32 divergent_terms(const struct log *l, const struct log *f)
{
	u64 i = 1, prev = 0;
	u32 n = 0;

	while (i <= f->last && i <= l->last && f->terms[i] == l->terms[i])
		i++;
	for (; i <= f->last; i++) {
		n += f->terms[i] != prev;
		prev = f->terms[i];
	}
	return n;
}

/* The follower's log is the leader's, entry by entry. */
static bool same_log(const struct log *l, const struct log *f)
{
	return l->last == f->last &&
	       !memcmp(l->terms, f->terms, (l->last + 1) * sizeof(u64));
}

static struct log leader, follower, copy;

/* The bound above: per divergent term, the accepted one, a gap. */
static u32 bound(const struct log *l, const struct log *f)
{
	return divergent_terms(l, f) + 1 + (f->last + 1 < l->last);
}

TEST(one_long_divergent_term)
{
	struct result with, without;

	/*
	 * The old leader of term 2 logged 1000 entries that never reached
	 * a majority; the leader of term 3 logged 1000 others after 1..10.
	 */
	memset(&leader, 0, sizeof(leader));
	run(&leader, 10, 1);
	run(&leader, 1000, 3);
	leader.commit = 10;
	memset(&follower, 0, sizeof(follower));
	run(&follower, 10, 1);
	run(&follower, 1000, 2);
	follower.commit = 10;
	copy = follower;

	with = catch_up(&leader, 3, &follower, true);
	without = catch_up(&leader, 3, &copy, false);
	TH_LOG("1000 divergent entries of one term: %u round trips to match with the hint (%u in all), %u without (%u in all)",
	       with.to_match, with.total, without.to_match, without.total);
	EXPECT_EQ(2u, with.to_match);
	EXPECT_EQ(1000u, without.to_match);
	EXPECT_TRUE(same_log(&leader, &follower));
	EXPECT_TRUE(same_log(&leader, &copy));
}

TEST(several_terms_some_of_them_the_leaders)
{
	struct result with, without;

	/*
	 * Term 2's leader logged 11..600, and only 11..300 reached the
	 * leader of term 6; terms 3 and 5 never reached it at all.
	 */
	memset(&leader, 0, sizeof(leader));
	run(&leader, 10, 1);
	run(&leader, 290, 2);
	run(&leader, 1200, 6);
	leader.commit = 10;
	memset(&follower, 0, sizeof(follower));
	run(&follower, 10, 1);
	run(&follower, 590, 2);
	run(&follower, 300, 3);
	run(&follower, 500, 5);
	follower.commit = 10;
	copy = follower;
	ASSERT_EQ(3u, divergent_terms(&leader, &follower));

	with = catch_up(&leader, 6, &follower, true);
	without = catch_up(&leader, 6, &copy, false);
	TH_LOG("1100 divergent entries of 3 terms, follower 100 short: %u round trips to match with the hint (%u in all), %u without (%u in all)",
	       with.to_match, with.total, without.to_match, without.total);
	/* a gap, terms 5, 3 and 2, then the match after 300 */
	EXPECT_EQ(5u, with.to_match);
	EXPECT_EQ(1102u, without.to_match);
	EXPECT_TRUE(same_log(&leader, &follower));
	EXPECT_TRUE(same_log(&leader, &copy));
}

/*
 * Random histories that keep Raft's log matching: a shared prefix, then
 * suffixes that never hold the same term at the same index.  One of them
 * may go on with the prefix's last term; otherwise the leader's terms are
 * even and the follower's odd, each rising in runs.
 */
static void random_suffix(struct log *l, unsigned int *seed, u64 from_term,
			  u32 parity, u64 max_len)
{
	u64 term = from_term, len = rand_r(seed) % (max_len + 1), n;

	while (len) {
		term += 1 + rand_r(seed) % 3;
		if (term % 2 != parity)
			term++;
		n = 1 + rand_r(seed) % (len < 200 ? len : 200);
		run(l, n, term);
		len -= n;
	}
}

static u64 random_pair(unsigned int *seed)
{
	u64 prefix = rand_r(seed) % 60, t0, term;

	memset(&leader, 0, sizeof(leader));
	memset(&follower, 0, sizeof(follower));
	for (u64 i = 0; i < prefix; i++)
		run(&leader, 1, 1 + i / 8);
	follower = leader;
	t0 = term_at(&leader, leader.last);
	follower.commit = prefix ? rand_r(seed) % (prefix + 1) : 0;
	leader.commit = prefix;
	switch (rand_r(seed) % 3) {
	case 0:
		run(&follower, 1 + rand_r(seed) % 100, t0 ? t0 : 1);
		break;
	case 1:
		run(&leader, 1 + rand_r(seed) % 100, t0 ? t0 : 1);
		break;
	}
	random_suffix(&leader, seed, t0 + 1, 0, 1500);
	random_suffix(&follower, seed, t0 + 1, 1, 1500);
	/* the leader's barrier, in a term newer than any */
	term = term_at(&leader, leader.last);
	if (term_at(&follower, follower.last) > term)
		term = term_at(&follower, follower.last);
	run(&leader, 1, term + 1);
	return term + 1;
}

TEST(random_histories_stay_within_the_bound)
{
	unsigned int seed = 20261123, round;
	u32 most, most_with = 0, most_without = 0;
	struct result with, without;
	u64 term;

	for (round = 0; round < 300; round++) {
		term = random_pair(&seed);
		copy = follower;
		ASSERT_LE(leader.last, MAX_INDEX);
		ASSERT_LE(follower.last, MAX_INDEX);
		most = bound(&leader, &follower);
		with = catch_up(&leader, term, &follower, true);
		without = catch_up(&leader, term, &copy, false);
		ASSERT_LT(0u, with.to_match);
		ASSERT_LE(with.to_match, most);
		ASSERT_LE(with.to_match, without.to_match);
		ASSERT_TRUE(same_log(&leader, &follower));
		ASSERT_TRUE(same_log(&leader, &copy));
		if (with.to_match > most_with)
			most_with = with.to_match;
		if (without.to_match > most_without)
			most_without = without.to_match;
	}
	TH_LOG("300 random histories: at most %u round trips to match with the hint, %u without",
	       most_with, most_without);
}

TEST_HARNESS_MAIN
