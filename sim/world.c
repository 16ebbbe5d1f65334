// SPDX-License-Identifier: GPL-2.0
/*
 * The run of one seed: set the cluster up from the seed, take events in
 * true-time order, check the leases over every interval between two
 * events and the other invariants as they happen, then calm everything
 * and wait for a leader that has committed every acknowledged write.
 */
#include <stdlib.h>

#include "agent.h"
#include "module.h"
#include "nemesis.h"
#include "world.h"

#define CHECK_END_NS	(100 * MS)

bool sim_world_init(struct sim_world *w)
{
	u32 i;

	memset(w, 0, sizeof(*w));
	if (!sim_queue_init(&w->q) || !sim_check_init(&w->chk, SIM_LOG_CAP))
		return false;
	for (i = 0; i < SIM_MAX_NODES; i++) {
		w->node[i].mod.log = calloc(SIM_LOG_CAP,
					    sizeof(*w->node[i].mod.log));
		if (!w->node[i].mod.log ||
		    !sim_disk_init(&w->node[i].disk, SIM_LOG_CAP))
			return false;
	}
	return true;
}

void sim_world_free(struct sim_world *w)
{
	u32 i;

	for (i = 0; i < SIM_MAX_NODES; i++) {
		free(w->node[i].mod.log);
		sim_disk_free(&w->node[i].disk);
	}
	sim_queue_free(&w->q);
	sim_check_free(&w->chk);
}

/* A new event, to push at once; NULL (and the run fails) without memory. */
static struct sim_event *new_event(struct sim_world *w, u64 at, u8 kind,
				   u32 id)
{
	struct sim_event *ev = sim_queue_new(&w->q);

	if (!ev) {
		sim_check_fail(&w->chk, w->now, "simulator: out of memory");
		return NULL;
	}
	ev->at = at;
	ev->kind = kind;
	ev->node = (u8)id;
	return ev;
}

void sim_schedule(struct sim_world *w, u64 at, u8 kind, u32 id, u32 gen)
{
	struct sim_event *ev = new_event(w, at, kind, id);

	if (!ev)
		return;
	ev->gen = gen;
	sim_queue_push(&w->q, ev);
}

void sim_schedule_delivery(struct sim_world *w, u64 at,
			   const struct sim_msg *m)
{
	struct sim_event *ev = new_event(w, at, SIM_EV_DELIVER, m->to);

	if (!ev)
		return;
	ev->msg = *m;
	sim_queue_push(&w->q, ev);
}

u64 sim_timer_at(const struct sim_world *w, const struct sim_node *nd,
		 u64 local, u64 longest)
{
	u64 at = sim_clock_true_at(&nd->clock, w->now, local);

	return at - w->now > longest ? w->now + longest : at;
}

void sim_schedule_mod_tick(struct sim_world *w, struct sim_node *nd)
{
	sim_schedule(w, sim_timer_at(w, nd, sim_local(w, nd) + SIM_MOD_TICK_NS,
				     SIM_MOD_TICK_NS),
		     SIM_EV_MOD_TICK, nd->id, nd->boot);
}

void sim_send(struct sim_world *w, const struct sim_msg *m)
{
	sim_net_send(&w->net, &w->q, &w->rng, w->now, m);
}

/* The cluster's conditions, drawn from the seed. */
static void draw_conditions(struct sim_world *w)
{
	static const u32 drift[] = { 500, 20000, 100000, 200000 };
	struct sim_net *net = &w->net;

	w->max_drift_ppm = drift[sim_rng_below(&w->rng, 4)];
	if (w->cfg.max_drift_ppm)
		w->max_drift_ppm = w->cfg.max_drift_ppm;
	memset(net, 0, sizeof(*net));
	net->delay_min_ns = sim_rng_range(&w->rng, 50000, 500000);
	net->delay_max_ns = net->delay_min_ns +
			    sim_rng_range(&w->rng, 500000, 20 * MS);
	net->loss_ppm = (u32)sim_rng_below(&w->rng, 50000);
	net->dup_ppm = (u32)sim_rng_below(&w->rng, 30000);
	net->spike_ppm = (u32)sim_rng_below(&w->rng, 20000);
	net->spike_max_ns = sim_rng_range(&w->rng, 100 * MS, 1500 * MS);
	net->corrupt_ppm = (u32)sim_rng_below(&w->rng, 5000);
	w->disk_min_ns = sim_rng_range(&w->rng, 20000, 200000);
	w->disk_max_ns = w->disk_min_ns + sim_rng_range(&w->rng, 100000,
							5 * MS);
	w->fault_mean_ns = sim_rng_range(&w->rng, 100 * MS, SEC);
	w->client_mean_ns = sim_rng_range(&w->rng, 1 * MS, 50 * MS);
	w->clients = (u32)sim_rng_range(&w->rng, 1, 32);
}

static bool setup(struct sim_world *w, const struct sim_config *cfg)
{
	struct sim_node *nd;
	u32 i;

	w->cfg = *cfg;
	w->n = cfg->nodes;
	w->now = 0;
	w->settling = w->done = false;
	w->next_value = 1;
	memset(&w->stats, 0, sizeof(w->stats));
	sim_rng_seed(&w->rng, cfg->seed);
	sim_queue_clear(&w->q);
	sim_trace_reset(&w->trace, cfg->trace);
	draw_conditions(w);
	sim_check_reset(&w->chk, w->max_drift_ppm, cfg->beyond_drift);
	for (i = 0; i < w->n; i++) {
		nd = &w->node[i];
		nd->id = (u8)(i + 1);
		nd->up = false;
		nd->boot = 0;
		sim_disk_format(&nd->disk);
		memset(&nd->agent, 0, sizeof(nd->agent));
		nd->mod.disk_gen = 0;
		nd->disk.read_err_ppm = 0;
		sim_clock_init(&nd->clock, 0,
			       sim_rng_range(&w->rng, SEC, 1000 * SEC),
			       (s32)sim_rng_range(&w->rng, 0, w->max_drift_ppm));
		if (!sim_nemesis_start(w, nd))
			return false;
		nd->disk.read_err_ppm = (u32)sim_rng_below(&w->rng, 3000);
	}
	sim_schedule(w, sim_rng_range(&w->rng, 1, w->fault_mean_ns),
		     SIM_EV_FAULT, 0, 0);
	for (i = 0; i < w->clients; i++)
		sim_schedule(w, SEC + sim_rng_below(&w->rng, 10 * MS),
			     SIM_EV_CLIENT, 0, i);
	return true;
}

void sim_client_done(struct sim_world *w, u32 client, bool acked)
{
	(void)acked;
	sim_schedule(w, w->now + sim_rng_range(&w->rng, 1,
					       2 * w->client_mean_ns),
		     SIM_EV_CLIENT, 0, client);
}

/*
 * A client writes to the node it believes leads, or to any, and waits
 * for the outcome: a closed loop, as a database with a bounded number of
 * writers.
 */
static void client_write(struct sim_world *w, u32 client)
{
	struct sim_node *nd = &w->node[sim_rng_below(&w->rng, w->n)];
	u32 i;

	if (w->settling)
		return;
	for (i = 0; i < w->n && sim_rng_below(&w->rng, 5); i++)
		if (w->node[i].up && w->node[i].mod.role == SIM_LEADER)
			nd = &w->node[i];
	w->stats.client_writes++;
	if (!nd->up || !sim_mod_client_write(w, nd, w->next_value++, client))
		sim_client_done(w, client, false);
}

/* A leader serving, everything committed and every replica caught up. */
static struct sim_node *settled(struct sim_world *w)
{
	struct sim_node *l = NULL;
	u64 a, b;
	u32 i;

	for (i = 0; i < w->n; i++)
		if (w->node[i].up && w->node[i].mod.role == SIM_LEADER &&
		    sim_serving_window(&w->node[i], w->now, &a, &b) &&
		    a <= w->now)
			l = &w->node[i];
	if (!l || l->mod.commit_index != l->mod.last_index)
		return NULL;
	for (i = 0; i < w->n; i++)
		if (!w->node[i].up ||
		    w->node[i].mod.commit_index != l->mod.commit_index ||
		    w->node[i].mod.last_index != l->mod.last_index)
			return NULL;
	return l;
}

static void check_end(struct sim_world *w, u64 calm_since)
{
	struct sim_node *l = settled(w);

	if (l) {
		sim_check_final(&w->chk, l, w->node, w->n, w->now);
		w->done = true;
		return;
	}
	if (w->now - calm_since > SIM_SETTLE_NS) {
		sim_check_fail(&w->chk, w->now, "no serving leader with every replica caught up %llu s after the heal",
			       (unsigned long long)(SIM_SETTLE_NS / SEC));
		return;
	}
	sim_schedule(w, w->now + CHECK_END_NS, SIM_EV_CHECK_END, 0, 0);
}

static void deliver(struct sim_world *w, const struct sim_event *ev)
{
	struct sim_node *nd = sim_node(w, ev->node);

	if (!sim_net_deliverable(&w->net, &ev->msg) || !nd->up)
		return;
	if (ev->msg.kind == SIM_MSG_ELECT)
		sim_agent_receive(w, nd, &ev->msg);
	else
		sim_mod_receive(w, nd, &ev->msg);
}

static void mod_tick(struct sim_world *w, struct sim_node *nd, u32 gen)
{
	if (!nd->up || gen != nd->boot)
		return;
	sim_mod_tick(w, nd);
	sim_schedule_mod_tick(w, nd);
}

static void dispatch(struct sim_world *w, const struct sim_event *ev,
		     u64 *calm_since)
{
	struct sim_node *nd = ev->node ? sim_node(w, ev->node) : NULL;

	switch (ev->kind) {
	case SIM_EV_AGENT_TICK:
		sim_agent_tick(w, nd, ev->gen);
		break;
	case SIM_EV_MOD_TICK:
		mod_tick(w, nd, ev->gen);
		break;
	case SIM_EV_DELIVER:
		deliver(w, ev);
		break;
	case SIM_EV_DISK_DONE:
		if (nd->up)
			sim_mod_disk_done(w, nd, ev->gen);
		break;
	case SIM_EV_CLIENT:
		client_write(w, ev->gen);
		break;
	case SIM_EV_FAULT:
		sim_nemesis_fault(w);
		break;
	case SIM_EV_RESTART:
		sim_nemesis_restart(w, nd);
		break;
	case SIM_EV_HEAL:
		if (!w->settling)
			sim_nemesis_heal(w);
		break;
	case SIM_EV_RESUME:
		if (nd->up && ev->gen == nd->boot)
			sim_agent_resume(w, nd);
		break;
	case SIM_EV_CHECK_END:
		check_end(w, *calm_since);
		break;
	}
}

static void final_hash(struct sim_world *w)
{
	u32 i;

	for (i = 0; i < w->n; i++) {
		sim_trace_mix(&w->trace, w->node[i].mod.term);
		sim_trace_mix(&w->trace, w->node[i].mod.last_index);
		sim_trace_mix(&w->trace, w->node[i].mod.commit_index);
	}
	sim_trace_mix(&w->trace, w->stats.acked);
}

bool sim_world_run(struct sim_world *w, const struct sim_config *cfg)
{
	struct sim_event ev;
	u64 calm_since = 0;

	if (!setup(w, cfg)) {
		sim_check_fail(&w->chk, 0, "simulator: the cluster did not start");
		return false;
	}
	while (!w->done && !w->chk.failed && sim_queue_pop(&w->q, &ev)) {
		sim_check_leases(&w->chk, w->node, w->n, w->now, ev.at);
		w->now = ev.at;
		w->stats.steps++;
		sim_trace_event(w, &ev);
		dispatch(w, &ev, &calm_since);
		if (!w->settling && w->stats.steps >= cfg->steps) {
			sim_nemesis_calm(w);
			calm_since = w->now;
			sim_schedule(w, w->now + CHECK_END_NS,
				     SIM_EV_CHECK_END, 0, 0);
		}
	}
	w->stats.sim_ns = w->now;
	final_hash(w);
	if (!w->done && !w->chk.failed)
		sim_check_fail(&w->chk, w->now, "simulator: ran out of events");
	return !w->chk.failed;
}
