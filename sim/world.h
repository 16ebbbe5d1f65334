/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One simulated cluster and the run of one seed: the nodes, the network,
 * the event queue, the true time, the checker and the figures.
 */
#ifndef _STOCKADE_SIM_WORLD_H
#define _STOCKADE_SIM_WORLD_H

#include <stdio.h>

#include "checker.h"
#include "net.h"
#include "node.h"
#include "queue.h"
#include "rng.h"
#include "trace.h"

#define MS	1000000ULL
#define SEC	1000000000ULL

/* The agents' timing (stockade.conf), scaled for short runs. */
#define SIM_HEARTBEAT_NS	(50 * MS)
#define SIM_ELECTION_NS		(600 * MS)	/* election_timeout_ms */
#define SIM_LEASE_NS		(400 * MS)	/* lease_ms = max lease */
#define SIM_MOD_TICK_NS		(100 * MS)	/* module keepalives */
#define SIM_REPL_TIMEOUT_NS	(300 * MS)	/* APPEND unanswered: reconnect */
#define SIM_LOG_CAP		16384		/* log slots per node */
#define SIM_SETTLE_NS		(120 * SEC)	/* longest heal phase */

/* Known bugs the harness can put into the module, to test the checker. */
enum sim_bug {
	SIM_BUG_NONE,
	SIM_BUG_STALE_TERM,	/* the replica rule takes older terms */
	SIM_BUG_NO_DRIFT_MARGIN,/* leases and the wait ignore drift */
	SIM_BUG_ACK_EARLY,	/* acknowledge once the leader's own disk has it */
	SIM_BUG_VOTE_ANY,	/* the voter ignores how long its log is */
	SIM_BUG_GROUP_FIRST,	/* a new epoch's first entry joins a group */
	SIM_BUG_LAST = SIM_BUG_GROUP_FIRST,
};

struct sim_config {
	u64 seed;
	u32 nodes;		/* 3 or 5 */
	u64 steps;		/* events with faults, before the heal */
	u32 bug;		/* enum sim_bug */
	bool beyond_drift;	/* clock faults beyond the drift bound */
	u32 max_drift_ppm;	/* the configured bound; 0: drawn per seed */
	bool no_hint;		/* leaders ignore conflict term hints */
	int trace;		/* enum sim_trace_mode */
};

enum sim_fault {
	SIM_FAULT_CRASH,
	SIM_FAULT_PARTITION,
	SIM_FAULT_CLOCK,
	SIM_FAULT_PAUSE,
	SIM_FAULT_TRANSFER,
	SIM_FAULT_PROMOTE,
	SIM_FAULT_DEPOSE,	/* isolate the leader, promote another */
	SIM_FAULT_KINDS,
};

struct sim_stats {
	u64 steps;
	u64 elections;		/* a module became leader */
	u64 client_writes;
	u64 acked;
	u64 truncations;	/* a replica cut a divergent suffix */
	u64 stale_refused;	/* APPENDs refused for an older term */
	u64 waits_needed;	/* a new leader while an old lease was live */
	u64 malformed;		/* APPENDs the wire checks refused */
	u64 refusals;		/* GAP or MISMATCH answers to a leader */
	u64 longest_backoff;	/* most of them in a row, one follower */
	u64 faults[SIM_FAULT_KINDS];
	u64 sim_ns;		/* true time simulated */
};

struct sim_world {
	struct sim_config cfg;
	struct sim_rng rng;
	struct sim_queue q;
	struct sim_net net;
	struct sim_node node[SIM_MAX_NODES];	/* node id i at [i - 1] */
	u32 n;
	u64 now;		/* true ns */
	u32 max_drift_ppm;	/* configured: leases and waits use it */
	u64 disk_min_ns, disk_max_ns;
	u64 fault_mean_ns;
	u64 client_mean_ns;	/* think time between a client's writes */
	u32 clients;		/* each with one write outstanding */
	bool settling;
	bool done;
	u64 next_value;
	struct sim_checker chk;
	struct sim_trace trace;
	struct sim_stats stats;
};

static inline struct sim_node *sim_node(struct sim_world *w, u32 id)
{
	return &w->node[id - 1];
}

static inline u64 sim_local(const struct sim_world *w,
			    const struct sim_node *nd)
{
	return sim_clock_local(&nd->clock, w->now);
}

/* Allocate once; false if out of memory. */
bool sim_world_init(struct sim_world *w);
void sim_world_free(struct sim_world *w);

/* Run one seed from scratch; returns false if an invariant broke. */
bool sim_world_run(struct sim_world *w, const struct sim_config *cfg);

/* Schedule an event for node @id at true time @at. */
void sim_schedule(struct sim_world *w, u64 at, u8 kind, u32 id, u32 gen);
/*
 * The true time at which @nd's clock reads @local, but no later than
 * @longest from now: a frozen clock (beyond the model) still has its
 * timers looked at.
 */
u64 sim_timer_at(const struct sim_world *w, const struct sim_node *nd,
		 u64 local, u64 longest);
/* The module's next tick, one SIM_MOD_TICK_NS on its clock from now. */
void sim_schedule_mod_tick(struct sim_world *w, struct sim_node *nd);
/* Deliver @m to its node at @at, past the network's faults. */
void sim_schedule_delivery(struct sim_world *w, u64 at,
			   const struct sim_msg *m);
/* Send a message through the network. */
void sim_send(struct sim_world *w, const struct sim_msg *m);

/*
 * Client @client's write ended (acknowledged or failed): it writes again
 * after a while.
 */
void sim_client_done(struct sim_world *w, u32 client, bool acked);

/* Mix @ev into the trace hash; a line for it, if tracing. */
void sim_trace_event(struct sim_world *w, const struct sim_event *ev);

/* Each node's state, one line each, for a failure report. */
void sim_world_dump(const struct sim_world *w, FILE *f);

const char *sim_bug_name(enum sim_bug b);
const char *sim_fault_name(enum sim_fault f);

#endif /* _STOCKADE_SIM_WORLD_H */
