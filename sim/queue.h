/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event queue: events ordered by true time, ties by the order they
 * were scheduled in, so that a run is a function of its seed alone.
 * Events live in a pool that grows; the heap holds pool indexes.
 */
#ifndef _STOCKADE_SIM_QUEUE_H
#define _STOCKADE_SIM_QUEUE_H

#include <stdint.h>

#include "msg.h"

enum sim_ev_kind {
	SIM_EV_AGENT_TICK,	/* node; gen must match */
	SIM_EV_MOD_TICK,	/* node: keepalives, replication timeouts */
	SIM_EV_DELIVER,		/* msg */
	SIM_EV_DISK_DONE,	/* node; gen must match the write */
	SIM_EV_CLIENT,		/* a client write arrives */
	SIM_EV_FAULT,		/* the nemesis picks a fault */
	SIM_EV_RESTART,		/* node */
	SIM_EV_HEAL,		/* partition over */
	SIM_EV_RESUME,		/* node's agent was paused */
	SIM_EV_CHECK_END,	/* the settle phase checks for the end */
};

struct sim_event {
	uint64_t at;
	uint64_t seq;
	uint8_t kind;
	uint8_t node;
	uint32_t gen;
	struct sim_msg msg;
};

struct sim_queue {
	struct sim_event *pool;
	uint32_t *free;		/* free pool slots */
	uint32_t n_free;
	uint32_t *heap;
	uint32_t n;
	uint32_t cap;
	uint64_t seq;
};

bool sim_queue_init(struct sim_queue *q);
void sim_queue_free(struct sim_queue *q);
void sim_queue_clear(struct sim_queue *q);

/*
 * A new event to fill in, then push before the next sim_queue_new() (the
 * pool may move); NULL if out of memory.
 */
struct sim_event *sim_queue_new(struct sim_queue *q);
void sim_queue_push(struct sim_queue *q, struct sim_event *ev);

/* Take the earliest event out, into @out; false if there is none. */
bool sim_queue_pop(struct sim_queue *q, struct sim_event *out);

#endif /* _STOCKADE_SIM_QUEUE_H */
