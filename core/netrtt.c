// SPDX-License-Identifier: GPL-2.0
/* Per-peer RTT from the eBPF map, and the adaptive timeout (netrtt.h). */
#include "netrtt.h"

/* The map's fixed-point units (bpf/rtt.h), in ns. */
#define NS_PER_US8	125	/* 1000 / 8 */
#define NS_PER_US4	250	/* 1000 / 4 */

void stockade_rtt_peer_reset(struct stockade_rtt_peer *p)
{
	memset(p, 0, sizeof(*p));
}

static bool conn_fresh(const struct stockade_rtt_conn *c, u64 now_ns,
		       u64 max_age_ns)
{
	if (c->samples < STOCKADE_RTT_MIN_SAMPLES || !c->srtt_us8)
		return false;
	/* A sample stamped after now: the two clock readings raced. */
	return c->updated_ns >= now_ns || now_ns - c->updated_ns <= max_age_ns;
}

void stockade_rtt_peer_add(struct stockade_rtt_peer *p,
			   const struct stockade_rtt_conn *c, u64 now_ns,
			   u64 max_age_ns)
{
	u64 rtt = (u64)c->srtt_us8 * NS_PER_US8;

	if (!conn_fresh(c, now_ns, max_age_ns))
		return;
	p->conns++;
	/* The smallest srtt is the path's (netrtt.h); the first one wins ties. */
	if (p->conns > 1 && rtt >= p->rtt_ns)
		return;
	p->rtt_ns = rtt;
	p->dev_ns = (u64)c->mdev_us4 * NS_PER_US4;
	p->samples = c->samples;
	p->p50_ns = 0;
	p->p99_ns = 0;
	if (c->hist) {
		stockade_rtt_hist_quantile_ns(c->hist, 500, &p->p50_ns);
		stockade_rtt_hist_quantile_ns(c->hist, 990, &p->p99_ns);
	}
}

static u64 sat_add(u64 a, u64 b)
{
	return a > U64_MAX - b ? U64_MAX : a + b;
}

static u64 sat_mul(u64 a, u64 b)
{
	return b && a > U64_MAX / b ? U64_MAX : a * b;
}

u64 stockade_rtt_floor_ns(const struct stockade_timeout_config *cfg,
			  u64 rtt_ns, u64 dev_ns)
{
	u64 rto = sat_add(rtt_ns, sat_mul(4, dev_ns));

	return sat_add(sat_mul(cfg->k, rto), cfg->heartbeat_ns);
}

u64 stockade_heartbeat_window_ns(const struct stockade_window_config *cfg,
				 u64 rtt_ns, u64 p99_ns)
{
	u64 late = (rtt_ns > p99_ns ? rtt_ns : p99_ns) / 2;
	u64 max = cfg->max_ns > cfg->pause_ns ? cfg->max_ns : cfg->pause_ns;
	u64 w = sat_add(cfg->pause_ns, late);

	return w < max ? w : max;
}

u64 stockade_adaptive_timeout_ns(const struct stockade_timeout_config *cfg,
				 u64 phi_ns, u64 rtt_ns, u64 dev_ns)
{
	u64 floor = stockade_rtt_floor_ns(cfg, rtt_ns, dev_ns);
	u64 t = phi_ns > floor ? phi_ns : floor;

	if (t < cfg->min_ns)
		t = cfg->min_ns;
	if (t > cfg->max_ns)
		t = cfg->max_ns;
	return t;
}
