// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "../core/quorum.h"
#include "checker.h"

#define KEYS	(1U << 15)

bool sim_check_init(struct sim_checker *c, u64 log_cap)
{
	memset(c, 0, sizeof(*c));
	c->committed = calloc(log_cap, sizeof(*c->committed));
	c->committed_cap = log_cap;
	c->keys = calloc(KEYS, sizeof(*c->keys));
	c->n_keys = KEYS;
	return c->committed && c->keys;
}

void sim_check_free(struct sim_checker *c)
{
	free(c->leader_of_term);
	free(c->committed);
	free(c->keys);
	free(c->acked);
}

void sim_check_reset(struct sim_checker *c, u32 max_drift_ppm,
		     bool drift_unbounded)
{
	if (c->terms)
		memset(c->leader_of_term, 0, c->terms);
	memset(c->committed, 0, (c->committed_hw + 1) * sizeof(*c->committed));
	c->committed_hw = 0;
	c->keys_gen++;		/* forgets every key without a pass over them */
	c->keys_used = 0;
	c->n_acked = 0;
	c->failed = false;
	c->why[0] = 0;
	c->max_drift_ppm = max_drift_ppm;
	c->drift_unbounded = drift_unbounded;
}

void sim_check_fail(struct sim_checker *c, u64 now, const char *fmt, ...)
{
	va_list ap;

	if (c->failed)
		return;
	c->failed = true;
	c->failed_at = now;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
}

bool sim_serving_window(const struct sim_node *nd, u64 now, u64 *from,
			u64 *to)
{
	const struct sim_mod *m = &nd->mod;
	u64 local, start;

	if (!nd->up || m->role != SIM_LEADER || !m->lease.held ||
	    m->lease.term != m->term)
		return false;
	local = sim_clock_local(&nd->clock, now);
	start = m->serve_after_ns > local ? m->serve_after_ns : local;
	if (start >= m->lease.expires_ns)
		return false;
	*from = sim_clock_true_at(&nd->clock, now, start);
	*to = sim_clock_true_at(&nd->clock, now, m->lease.expires_ns);
	return *from < *to;
}

/* The core's own predicate at @now must agree with the window. */
static void check_predicate(struct sim_checker *c, const struct sim_node *nd,
			    u64 now)
{
	const struct sim_mod *m = &nd->mod;
	struct stockade_fence_input in = {
		.leader = nd->up && m->role == SIM_LEADER,
		.term = m->term,
		.lease = &m->lease,
		.serve_after_ns = m->serve_after_ns,
		.policy = STOCKADE_POLICY_IO_ERROR,
	};
	u64 local = sim_clock_local(&nd->clock, now), from, to;
	bool in_window = sim_serving_window(nd, now, &from, &to) &&
			 from <= now && now < to;
	bool serve = nd->up &&
		     stockade_fence_decide(&in, local, local, NULL) ==
		     STOCKADE_IO_SERVE;

	if (serve != in_window)
		sim_check_fail(c, now, "node %u: the fence predicate says %s but the lease window says %s",
			       nd->id, serve ? "serve" : "fence",
			       in_window ? "serve" : "fence");
}

void sim_check_leases(struct sim_checker *c, const struct sim_node *nodes,
		      u32 n, u64 from, u64 to)
{
	u64 a[SIM_MAX_NODES], b[SIM_MAX_NODES], s, e;
	bool on[SIM_MAX_NODES];
	u32 i, j;

	for (i = 0; i < n; i++) {
		check_predicate(c, &nodes[i], from);
		on[i] = sim_serving_window(&nodes[i], from, &a[i], &b[i]);
		if (!on[i])
			continue;
		a[i] = a[i] > from ? a[i] : from;
		b[i] = b[i] < to ? b[i] : to;
		on[i] = a[i] < b[i];
	}
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++) {
			if (!on[i] || !on[j])
				continue;
			s = a[i] > a[j] ? a[i] : a[j];
			e = b[i] < b[j] ? b[i] : b[j];
			if (s < e)
				sim_check_fail(c, s, "two nodes serve at once: node %u (term %llu) and node %u (term %llu) both hold a live lease at true time %llu ns",
					       nodes[i].id,
					       (unsigned long long)nodes[i].mod.term,
					       nodes[j].id,
					       (unsigned long long)nodes[j].mod.term,
					       (unsigned long long)s);
		}
	}
}

void sim_check_clock(struct sim_checker *c, const struct sim_node *nd,
		     u64 now)
{
	if (c->drift_unbounded)
		return;
	if (nd->clock.ppm < 0 || (u32)nd->clock.ppm > c->max_drift_ppm)
		sim_check_fail(c, now, "node %u: clock rate %+d ppm outside [0, %u]: beyond the drift bound",
			       nd->id, nd->clock.ppm, c->max_drift_ppm);
}

static bool grow_terms(struct sim_checker *c, u64 term)
{
	u64 n = c->terms ? c->terms : 64;
	u8 *p;

	while (n <= term)
		n *= 2;
	p = realloc(c->leader_of_term, n);
	if (!p)
		return false;
	memset(p + c->terms, 0, n - c->terms);
	c->leader_of_term = p;
	c->terms = n;
	return true;
}

/* The first acknowledged write that @m does not hold at or below @upto. */
static const struct sim_acked *first_missing(const struct sim_checker *c,
					     const struct sim_mod *m, u64 upto)
{
	const struct sim_acked *a;
	u32 i;

	for (i = 0; i < c->n_acked; i++) {
		a = &c->acked[i];
		if (a->index > upto ||
		    sim_entry_term(&m->log[a->index]) != a->term ||
		    sim_entry_value(&m->log[a->index]) != a->value)
			return a;
	}
	return NULL;
}

void sim_check_new_leader(struct sim_checker *c, const struct sim_node *nd,
			  u64 term, u64 now)
{
	const struct sim_mod *m = &nd->mod;
	const struct sim_acked *a;

	if (term >= c->terms && !grow_terms(c, term)) {
		sim_check_fail(c, now, "checker: out of memory");
		return;
	}
	if (c->leader_of_term[term] && c->leader_of_term[term] != nd->id)
		sim_check_fail(c, now, "two leaders in term %llu: node %u and node %u",
			       (unsigned long long)term,
			       c->leader_of_term[term], nd->id);
	c->leader_of_term[term] = nd->id;
	a = first_missing(c, m, m->last_index);
	if (a)
		sim_check_fail(c, now, "acknowledged write lost: node %u leads term %llu without write %llu (index %llu, term %llu); its log ends at %llu",
			       nd->id, (unsigned long long)term,
			       (unsigned long long)a->value,
			       (unsigned long long)a->index,
			       (unsigned long long)a->term,
			       (unsigned long long)m->last_index);
}

static u32 key_slot(const struct sim_checker *c, u64 index, u64 term)
{
	u64 h = index * 0x9e3779b97f4a7c15ULL ^ term * 0xc2b2ae3d27d4eb4fULL;

	return (u32)(h >> 40) & (c->n_keys - 1);
}

void sim_check_entry(struct sim_checker *c, const struct stockade_log_entry *e,
		     u64 now)
{
	u64 index = le64_to_cpu(e->index), term = sim_entry_term(e);
	u64 value = sim_entry_value(e);
	struct sim_entry_key *k;
	u32 s = key_slot(c, index, term);

	for (;; s = (s + 1) & (c->n_keys - 1)) {
		k = &c->keys[s];
		if (k->gen != c->keys_gen)
			break;
		if (k->index == index && k->term == term) {
			if (k->value != value)
				sim_check_fail(c, now, "logs do not match: index %llu term %llu holds write %llu and write %llu",
					       (unsigned long long)index,
					       (unsigned long long)term,
					       (unsigned long long)k->value,
					       (unsigned long long)value);
			return;
		}
	}
	/* Keep the table at most half full; beyond that, stop learning. */
	if (c->keys_used >= c->n_keys / 2)
		return;
	c->keys_used++;
	*k = (struct sim_entry_key){ index, term, value, c->keys_gen };
}

void sim_check_accept(struct sim_checker *c, const struct sim_node *nd,
		      u64 term, u64 now)
{
	if (term < nd->disk.term)
		sim_check_fail(c, now, "stale term accepted: node %u took an APPEND of term %llu with term %llu on its disk",
			       nd->id, (unsigned long long)term,
			       (unsigned long long)nd->disk.term);
}

void sim_check_commit(struct sim_checker *c, const struct sim_node *nd,
		      u64 from, u64 to, u64 now)
{
	const struct stockade_log_entry *e;
	struct sim_committed *k;
	u64 i;

	if (to > nd->mod.last_index || to >= c->committed_cap) {
		sim_check_fail(c, now, "node %u commits index %llu beyond its log (%llu)",
			       nd->id, (unsigned long long)to,
			       (unsigned long long)nd->mod.last_index);
		return;
	}
	for (i = from + 1; i <= to; i++) {
		e = &nd->mod.log[i];
		k = &c->committed[i];
		if (!k->set) {
			*k = (struct sim_committed){ sim_entry_term(e),
						     sim_entry_value(e), true };
			if (i > c->committed_hw)
				c->committed_hw = i;
		} else if (k->term != sim_entry_term(e) ||
			   k->value != sim_entry_value(e)) {
			sim_check_fail(c, now, "committed entries differ: node %u commits index %llu as term %llu write %llu, before it was term %llu write %llu",
				       nd->id, (unsigned long long)i,
				       (unsigned long long)sim_entry_term(e),
				       (unsigned long long)sim_entry_value(e),
				       (unsigned long long)k->term,
				       (unsigned long long)k->value);
			return;
		}
	}
}

static bool durable_at(const struct sim_node *nd, u64 index, u64 term,
		       u64 value)
{
	const struct stockade_log_entry *e = sim_disk_durable(&nd->disk, index);

	return e && sim_entry_term(e) == term && sim_entry_value(e) == value;
}

static bool add_acked(struct sim_checker *c, u64 index, u64 term, u64 value)
{
	struct sim_acked *p;
	u32 cap;

	if (c->n_acked == c->acked_cap) {
		cap = c->acked_cap ? 2 * c->acked_cap : 1024;
		p = realloc(c->acked, cap * sizeof(*p));
		if (!p)
			return false;
		c->acked = p;
		c->acked_cap = cap;
	}
	c->acked[c->n_acked++] = (struct sim_acked){ index, term, value };
	return true;
}

void sim_check_ack(struct sim_checker *c, const struct sim_node *nd,
		   u64 index, const struct sim_node *nodes, u32 n, u64 now)
{
	const struct stockade_log_entry *e = &nd->mod.log[index];
	u64 term = sim_entry_term(e), value = sim_entry_value(e), a, b;
	u32 i, held = 0;

	for (i = 0; i < n; i++)
		held += durable_at(&nodes[i], index, term, value);
	if (held < stockade_majority(n))
		sim_check_fail(c, now, "write %llu acknowledged by node %u with only %u of %u disks holding it (index %llu, term %llu)",
			       (unsigned long long)value, nd->id, held, n,
			       (unsigned long long)index,
			       (unsigned long long)term);
	if (!sim_serving_window(nd, now, &a, &b) || now < a || now >= b)
		sim_check_fail(c, now, "write %llu acknowledged by node %u without a live lease",
			       (unsigned long long)value, nd->id);
	if (!add_acked(c, index, term, value))
		sim_check_fail(c, now, "checker: out of memory");
}

static void check_match(struct sim_checker *c, const struct sim_node *x,
			const struct sim_node *y, u64 now)
{
	u64 i = x->mod.last_index < y->mod.last_index ? x->mod.last_index :
		y->mod.last_index;
	const struct stockade_log_entry *ex, *ey;

	/* The highest index where the terms agree; all below must agree. */
	while (i && sim_entry_term(&x->mod.log[i]) != sim_entry_term(&y->mod.log[i]))
		i--;
	for (; i; i--) {
		ex = &x->mod.log[i];
		ey = &y->mod.log[i];
		if (sim_entry_term(ex) != sim_entry_term(ey) ||
		    sim_entry_value(ex) != sim_entry_value(ey)) {
			sim_check_fail(c, now, "logs do not match: nodes %u and %u differ at index %llu below a common entry",
				       x->id, y->id, (unsigned long long)i);
			return;
		}
	}
}

void sim_check_final(struct sim_checker *c, const struct sim_node *leader,
		     const struct sim_node *nodes, u32 n, u64 now)
{
	const struct sim_acked *a = first_missing(c, &leader->mod,
						  leader->mod.commit_index);
	u32 i, j;

	if (a) {
		sim_check_fail(c, now, "acknowledged write lost: the final leader, node %u, has not committed write %llu (index %llu, term %llu)",
			       leader->id, (unsigned long long)a->value,
			       (unsigned long long)a->index,
			       (unsigned long long)a->term);
		return;
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			check_match(c, &nodes[i], &nodes[j], now);
}
