/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The network: every message is delayed independently (so messages
 * overtake each other), may be lost or duplicated, and is dropped when
 * its link is cut, at sending or at delivery.  Links are one-way, so a
 * partition may be asymmetric.  An APPEND, which goes over the wire in
 * its sealed form, may have a bit flipped.
 */
#ifndef _STOCKADE_SIM_NET_H
#define _STOCKADE_SIM_NET_H

#include "../core/limits.h"
#include "queue.h"
#include "rng.h"

struct sim_net {
	u32 loss_ppm;
	u32 dup_ppm;
	u32 spike_ppm;		/* a delay far beyond the usual */
	u32 corrupt_ppm;	/* a bit flipped in an APPEND */
	u64 delay_min_ns, delay_max_ns;
	u64 spike_max_ns;
	bool cut[STOCKADE_MAX_NODES + 1][STOCKADE_MAX_NODES + 1]; /* from, to */
	/* counts */
	u64 sent, lost, duplicated, cut_drops, spikes, corrupted;
};

/* Schedule the delivery of @m (and maybe a copy) from @now. */
void sim_net_send(struct sim_net *net, struct sim_queue *q,
		  struct sim_rng *r, u64 now, const struct sim_msg *m);

/* At delivery: whether the link is still up (counts a drop if not). */
bool sim_net_deliverable(struct sim_net *net, const struct sim_msg *m);

void sim_net_heal(struct sim_net *net);

#endif /* _STOCKADE_SIM_NET_H */
