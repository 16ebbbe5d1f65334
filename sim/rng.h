/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulator's only source of randomness: xoshiro256** seeded through
 * splitmix64.  Everything a run does follows from its seed, so a seed
 * replays exactly.
 */
#ifndef _STOCKADE_SIM_RNG_H
#define _STOCKADE_SIM_RNG_H

#include <stdbool.h>
#include <stdint.h>

struct sim_rng {
	uint64_t s[4];
};

void sim_rng_seed(struct sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(struct sim_rng *r);

/* Uniform in [0, n); 0 when n is 0. */
uint64_t sim_rng_below(struct sim_rng *r, uint64_t n);

/* Uniform in [lo, hi]. */
uint64_t sim_rng_range(struct sim_rng *r, uint64_t lo, uint64_t hi);

/* True with probability ppm / 1e6. */
bool sim_rng_ppm(struct sim_rng *r, uint32_t ppm);

#endif /* _STOCKADE_SIM_RNG_H */
