// SPDX-License-Identifier: GPL-2.0
#include "clock.h"

#define PPM_ONE	1000000ULL

void sim_clock_init(struct sim_clock *c, uint64_t t, uint64_t local,
		    int32_t ppm)
{
	c->t0 = t;
	c->l0 = local;
	c->ppm = ppm;
}

static uint64_t rate(const struct sim_clock *c)
{
	return (uint64_t)((int64_t)PPM_ONE + c->ppm);
}

/* dt * rate / 1e6 without overflow for dt up to a day. */
static uint64_t scale(uint64_t dt, uint64_t mul)
{
	return dt / PPM_ONE * mul + dt % PPM_ONE * mul / PPM_ONE;
}

uint64_t sim_clock_local(const struct sim_clock *c, uint64_t t)
{
	return c->l0 + scale(t > c->t0 ? t - c->t0 : 0, rate(c));
}

uint64_t sim_clock_true_at(const struct sim_clock *c, uint64_t now,
			   uint64_t local)
{
	uint64_t r = rate(c), dt;

	if (sim_clock_local(c, now) >= local)
		return now;
	if (r == 0)
		return UINT64_MAX;
	/* An estimate from t0, then the exact first instant around it. */
	dt = (local - c->l0) / r * PPM_ONE +
	     ((local - c->l0) % r) * PPM_ONE / r;
	while (dt > 0 && sim_clock_local(c, c->t0 + dt - 1) >= local)
		dt--;
	while (sim_clock_local(c, c->t0 + dt) < local)
		dt++;
	return c->t0 + dt > now ? c->t0 + dt : now;
}

void sim_clock_set_rate(struct sim_clock *c, uint64_t t, int32_t ppm)
{
	c->l0 = sim_clock_local(c, t);
	c->t0 = t;
	c->ppm = ppm;
}

void sim_clock_jump(struct sim_clock *c, uint64_t t, uint64_t delta)
{
	c->l0 = sim_clock_local(c, t) + delta;
	c->t0 = t;
}
