// SPDX-License-Identifier: GPL-2.0
#include "agent.h"
#include "module.h"
#include "nemesis.h"

static struct sim_node *random_up(struct sim_world *w)
{
	u32 i, start = (u32)sim_rng_below(&w->rng, w->n);

	for (i = 0; i < w->n; i++)
		if (w->node[(start + i) % w->n].up)
			return &w->node[(start + i) % w->n];
	return NULL;
}

bool sim_nemesis_start(struct sim_world *w, struct sim_node *nd)
{
	if (!sim_mod_boot(w, nd))
		return false;
	nd->up = true;
	if (!sim_agent_start(w, nd)) {
		sim_check_fail(&w->chk, w->now, "node %u: the agent refused its configuration",
			       nd->id);
		return false;
	}
	sim_schedule_mod_tick(w, nd);
	return true;
}

void sim_nemesis_restart(struct sim_world *w, struct sim_node *nd)
{
	u32 i;

	if (nd->up)
		return;
	/* A reboot: CLOCK_MONOTONIC starts again, near zero. */
	sim_clock_init(&nd->clock, w->now,
		       sim_rng_range(&w->rng, SEC, 30 * SEC), nd->clock.ppm);
	if (sim_nemesis_start(w, nd)) {
		/* Its peers' connections to it are new: kmod's peer_up. */
		for (i = 0; i < w->n; i++)
			if (w->node[i].up && &w->node[i] != nd)
				sim_mod_peer_up(w, &w->node[i], nd->id);
		sim_trace_line(&w->trace, w->now, "n%u restarts: term %llu, log %llu",
			       nd->id, (unsigned long long)nd->mod.term,
			       (unsigned long long)nd->mod.last_index);
		return;
	}
	sim_trace_line(&w->trace, w->now, "n%u restart: read error", nd->id);
	sim_schedule(w, w->now + 200 * MS, SIM_EV_RESTART, nd->id, 0);
}

static void crash(struct sim_world *w)
{
	struct sim_node *nd = random_up(w);

	if (!nd)
		return;
	sim_trace_line(&w->trace, w->now, "n%u crashes", nd->id);
	sim_mod_fail_writes(w, nd);
	nd->up = false;
	nd->boot++;
	sim_disk_crash(&nd->disk, &w->rng);
	sim_schedule(w, w->now + sim_rng_range(&w->rng, 50 * MS, 3 * SEC),
		     SIM_EV_RESTART, nd->id, 0);
}

static void cut(struct sim_world *w, u32 a, u32 b)
{
	w->net.cut[a][b] = true;
}

static void heal_later(struct sim_world *w)
{
	sim_schedule(w, w->now + sim_rng_range(&w->rng, 100 * MS, 4 * SEC),
		     SIM_EV_HEAL, 0, 0);
}

static void partition(struct sim_world *w)
{
	u32 kind = (u32)sim_rng_below(&w->rng, 3), i, j;
	u32 x = (u32)sim_rng_range(&w->rng, 1, w->n);
	u32 y = (u32)sim_rng_range(&w->rng, 1, w->n);
	u32 side = (u32)sim_rng_next(&w->rng);

	for (i = 1; i <= w->n; i++) {
		for (j = 1; j <= w->n; j++) {
			if (i == j)
				continue;
			if (kind == 0 && (i == x || j == x))
				cut(w, i, j);	/* isolate x */
			if (kind == 1 && ((side >> i) & 1) != ((side >> j) & 1))
				cut(w, i, j);	/* two random sides */
		}
	}
	if (kind == 2 && x != y)
		cut(w, x, y);		/* one way only */
	sim_trace_line(&w->trace, w->now, "partition kind %u (%u, %u, %#x)",
		       kind, x, y, side);
	heal_later(w);
}

void sim_nemesis_heal(struct sim_world *w)
{
	sim_trace_line(&w->trace, w->now, "partition healed");
	sim_net_heal(&w->net);
}

/* Beyond the bound: slow, fast, frozen, or a jump forward. */
static void clock_beyond(struct sim_world *w, struct sim_node *nd)
{
	switch (sim_rng_below(&w->rng, 4)) {
	case 0:
		sim_clock_set_rate(&nd->clock, w->now, SIM_CLOCK_FROZEN);
		break;
	case 1:
		sim_clock_jump(&nd->clock, w->now,
			       sim_rng_range(&w->rng, 10 * MS, 2 * SEC));
		break;
	default:
		sim_clock_set_rate(&nd->clock, w->now,
				   (s32)sim_rng_range(&w->rng, 0, 1000000) -
				   500000);
		break;
	}
}

static void clock_step(struct sim_world *w)
{
	struct sim_node *nd = &w->node[sim_rng_below(&w->rng, w->n)];

	if (w->cfg.beyond_drift && sim_rng_below(&w->rng, 2))
		clock_beyond(w, nd);
	else
		sim_clock_set_rate(&nd->clock, w->now,
				   (s32)sim_rng_range(&w->rng, 0,
						      w->max_drift_ppm));
	sim_trace_line(&w->trace, w->now, "n%u clock rate %+d ppm, reads %llu",
		       nd->id, nd->clock.ppm,
		       (unsigned long long)sim_local(w, nd));
	sim_check_clock(&w->chk, nd, w->now);
}

static void pause_agent(struct sim_world *w)
{
	struct sim_node *nd = random_up(w);
	u64 ns = sim_rng_range(&w->rng, 10 * MS, 2 * SEC);

	if (!nd)
		return;
	sim_trace_line(&w->trace, w->now, "n%u agent paused for %llu ms",
		       nd->id, (unsigned long long)(ns / MS));
	sim_agent_pause(w, nd, ns);
}

static struct sim_node *leader(struct sim_world *w)
{
	u32 i;

	for (i = 0; i < w->n; i++)
		if (w->node[i].up && sim_agent_leads(&w->node[i]))
			return &w->node[i];
	return NULL;
}

static void transfer(struct sim_world *w)
{
	struct sim_node *nd = leader(w);

	if (!nd)
		return;
	sim_trace_line(&w->trace, w->now, "n%u operator: transfer", nd->id);
	sim_agent_transfer(w, nd);
}

static void promote(struct sim_world *w, struct sim_node *nd)
{
	if (!nd)
		return;
	sim_trace_line(&w->trace, w->now, "n%u operator: promote", nd->id);
	sim_agent_promote(w, nd);
}

/*
 * The leader drops off the network and the operator promotes another
 * node at once: the new leader's clock-bound wait is all that keeps the
 * old lease and the new one apart.
 */
static void depose(struct sim_world *w)
{
	struct sim_node *old = leader(w), *nd = random_up(w);
	u32 i;

	if (!old || !nd || nd == old)
		return;
	for (i = 1; i <= w->n; i++) {
		if (i == old->id)
			continue;
		cut(w, old->id, i);
		cut(w, i, old->id);
	}
	sim_trace_line(&w->trace, w->now, "n%u isolated", old->id);
	heal_later(w);
	promote(w, nd);
}

void sim_nemesis_fault(struct sim_world *w)
{
	/* Weights out of 100, in enum sim_fault order. */
	static const u32 weight[SIM_FAULT_KINDS] = {
		20, 15, 20, 10, 10, 10, 15,
	};
	u32 pick = (u32)sim_rng_below(&w->rng, 100), k = 0;

	if (w->settling)
		return;
	while (k + 1 < SIM_FAULT_KINDS && pick >= weight[k])
		pick -= weight[k++];
	w->stats.faults[k]++;
	switch (k) {
	case SIM_FAULT_CRASH:
		crash(w);
		break;
	case SIM_FAULT_PARTITION:
		partition(w);
		break;
	case SIM_FAULT_CLOCK:
		clock_step(w);
		break;
	case SIM_FAULT_PAUSE:
		pause_agent(w);
		break;
	case SIM_FAULT_TRANSFER:
		transfer(w);
		break;
	case SIM_FAULT_PROMOTE:
		promote(w, random_up(w));
		break;
	case SIM_FAULT_DEPOSE:
		depose(w);
		break;
	}
	sim_schedule(w, w->now + sim_rng_range(&w->rng, 1, 2 * w->fault_mean_ns),
		     SIM_EV_FAULT, 0, 0);
}

void sim_nemesis_calm(struct sim_world *w)
{
	struct sim_node *nd;
	u32 i;

	w->settling = true;
	sim_trace_line(&w->trace, w->now, "calm: faults end, everything heals");
	sim_net_heal(&w->net);
	w->net.loss_ppm = w->net.dup_ppm = w->net.spike_ppm = 0;
	w->net.corrupt_ppm = 0;
	for (i = 0; i < w->n; i++) {
		nd = &w->node[i];
		nd->disk.read_err_ppm = 0;
		if (nd->clock.ppm < 0 || (u32)nd->clock.ppm > w->max_drift_ppm)
			sim_clock_set_rate(&nd->clock, w->now, 0);
		if (!nd->up)
			sim_nemesis_restart(w, nd);
		else
			sim_agent_resume(w, nd);
	}
}
