/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One node's CLOCK_MONOTONIC as a function of the simulation's true time:
 * piecewise linear, local = l0 + (t - t0) * (1e6 + ppm) / 1e6.  Within the
 * safety model every rate lies in [1, 1 + max_drift_ppm / 1e6] of true
 * time, so any two clocks differ in rate by a factor of at most
 * 1 + max_drift_ppm / 1e6, which is what core/lease.c's drift bound
 * assumes.  A rate step moves the rate within that range.  Beyond the
 * model (opt-in): slower rates, frozen clocks and forward jumps.
 */
#ifndef _STOCKADE_SIM_CLOCK_H
#define _STOCKADE_SIM_CLOCK_H

#include <stdint.h>

struct sim_clock {
	uint64_t t0;		/* true time of the last change */
	uint64_t l0;		/* local time then */
	int32_t ppm;		/* rate - 1, in ppm; -1e6 is frozen */
};

#define SIM_CLOCK_FROZEN	(-1000000)

void sim_clock_init(struct sim_clock *c, uint64_t t, uint64_t local,
		    int32_t ppm);

/* Local time at true time @t (t >= c->t0). */
uint64_t sim_clock_local(const struct sim_clock *c, uint64_t t);

/*
 * The first true time >= @now at which the local clock reads @local or
 * more; UINT64_MAX if it never will (a frozen clock).
 */
uint64_t sim_clock_true_at(const struct sim_clock *c, uint64_t now,
			   uint64_t local);

/* From true time @t on, run at @ppm. */
void sim_clock_set_rate(struct sim_clock *c, uint64_t t, int32_t ppm);

/* At true time @t, jump forward by @delta (beyond the model). */
void sim_clock_jump(struct sim_clock *c, uint64_t t, uint64_t delta);

#endif /* _STOCKADE_SIM_CLOCK_H */
