// SPDX-License-Identifier: GPL-2.0
/* Userspace only: floating point and libm (see clockskew.h). */
#include <math.h>

#include "clockskew.h"

void stockade_skew_config_default(struct stockade_skew_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->filter = 8;
	cfg->points = STOCKADE_SKEW_MAX_POINTS;
	cfg->min_points = 4;
	cfg->min_span_ns = 10LL * 1000000000LL;
	/*
	 * A cluster's network answers far faster; an exchange this slow is
	 * congestion, and half of it as an error bound would be useless.
	 */
	cfg->max_delay_ns = 100LL * 1000000LL;
	cfg->max_drift_ppm = 500;
}

static enum stockade_skew_cfg_verdict
check_config(const struct stockade_skew_config *cfg)
{
	if (cfg->filter < 1 || cfg->filter > STOCKADE_SKEW_MAX_FILTER)
		return STOCKADE_SKEW_CFG_BAD_FILTER;
	if (cfg->points < 2 || cfg->points > STOCKADE_SKEW_MAX_POINTS ||
	    cfg->min_points < 2 || cfg->min_points > cfg->points)
		return STOCKADE_SKEW_CFG_BAD_POINTS;
	if (cfg->min_span_ns <= 0)
		return STOCKADE_SKEW_CFG_BAD_MIN_SPAN;
	if (cfg->max_delay_ns <= 0)
		return STOCKADE_SKEW_CFG_BAD_MAX_DELAY;
	/* Written this way round, a NaN fails too; 10^6 ppm is 100%. */
	if (!(cfg->max_drift_ppm >= 0 && cfg->max_drift_ppm <= 1e6))
		return STOCKADE_SKEW_CFG_BAD_MAX_DRIFT;
	return STOCKADE_SKEW_CFG_OK;
}

enum stockade_skew_cfg_verdict
stockade_skew_init(struct stockade_skew *est,
		   const struct stockade_skew_config *cfg)
{
	enum stockade_skew_cfg_verdict v = check_config(cfg);

	memset(est, 0, sizeof(*est));
	if (v == STOCKADE_SKEW_CFG_OK)
		est->cfg = *cfg;
	return v;
}

void stockade_skew_reset(struct stockade_skew *est)
{
	est->recent_next = 0;
	est->recent_count = 0;
	est->block_fill = 0;
	est->points_next = 0;
	est->points_count = 0;
}

/* The newest sample in a ring of @size slots whose next free is @next. */
static u32 newest(u32 next, u32 size)
{
	return (next + size - 1) % size;
}

static const struct stockade_skew_sample *
least_delay(const struct stockade_skew *est)
{
	const struct stockade_skew_sample *best = &est->recent[0];
	u32 i;

	for (i = 1; i < est->recent_count; i++)
		if (est->recent[i].delay_ns < best->delay_ns)
			best = &est->recent[i];
	return best;
}

static void take_sample(struct stockade_skew *est,
			const struct stockade_skew_sample *s)
{
	est->recent[est->recent_next] = *s;
	est->recent_next = (est->recent_next + 1) % est->cfg.filter;
	if (est->recent_count < est->cfg.filter)
		est->recent_count++;
	/* The ring now holds exactly the block: its best becomes a point. */
	if (++est->block_fill < est->cfg.filter)
		return;
	est->block_fill = 0;
	est->points[est->points_next] = *least_delay(est);
	est->points_next = (est->points_next + 1) % est->cfg.points;
	if (est->points_count < est->cfg.points)
		est->points_count++;
}

enum stockade_skew_verdict
stockade_skew_add_sample(struct stockade_skew *est, s64 t1, s64 t2, s64 t3,
			 s64 t4)
{
	struct stockade_skew_sample s;
	s64 ours, theirs, out;

	/* Timestamps come off the network: no step may overflow. */
	if (__builtin_sub_overflow(t4, t1, &ours) ||
	    __builtin_sub_overflow(t3, t2, &theirs) ||
	    __builtin_sub_overflow(t2, t1, &out) || ours < 0 || theirs < 0) {
		est->rejected_bad_timestamps++;
		return STOCKADE_SKEW_BAD_TIMESTAMPS;
	}
	/* Both are >= 0, so this cannot overflow. */
	s.delay_ns = ours - theirs;
	if (s.delay_ns < 0) {
		est->rejected_negative_delay++;
		return STOCKADE_SKEW_NEGATIVE_DELAY;
	}
	if (s.delay_ns > est->cfg.max_delay_ns) {
		est->rejected_delay_too_large++;
		return STOCKADE_SKEW_DELAY_TOO_LARGE;
	}
	/*
	 * ((T2 - T1) + (T3 - T4)) / 2 = (T2 - T1) - delta / 2, which needs
	 * no sum that could overflow.
	 */
	if (__builtin_sub_overflow(out, s.delay_ns / 2, &s.offset_ns)) {
		est->rejected_bad_timestamps++;
		return STOCKADE_SKEW_BAD_TIMESTAMPS;
	}
	s.mid_ns = t1 + ours / 2;
	take_sample(est, &s);
	est->accepted++;
	return STOCKADE_SKEW_ACCEPTED;
}

/* a - b as a double, exact whenever the difference fits in an s64. */
static double diff(s64 a, s64 b)
{
	s64 d;

	if (__builtin_sub_overflow(a, b, &d))
		return (double)a - (double)b;
	return (double)d;
}

bool stockade_skew_offset_ns(const struct stockade_skew *est, s64 *offset_ns,
			     s64 *error_ns)
{
	const struct stockade_skew_sample *s, *best = NULL;
	double drift = est->cfg.max_drift_ppm / 1e6, err, best_err = 0;
	s64 now;
	u32 i;

	if (!est->recent_count)
		return false;
	now = est->recent[newest(est->recent_next, est->cfg.filter)].mid_ns;
	for (i = 0; i < est->recent_count; i++) {
		s = &est->recent[i];
		err = (double)s->delay_ns / 2 +
			fabs(diff(now, s->mid_ns)) * drift;
		if (!best || err < best_err) {
			best = s;
			best_err = err;
		}
	}
	*offset_ns = best->offset_ns;
	/* Rounded up, and delay / 2 <= 50 ms by the configuration limit. */
	*error_ns = best_err < (double)S64_MAX ? (s64)ceil(best_err) : S64_MAX;
	return true;
}

bool stockade_skew_drift_ppm(const struct stockade_skew *est, double *ppm)
{
	const struct stockade_skew_sample *p = est->points;
	u32 n = est->points_count, i;
	double x, y, mx = 0, my = 0, sxx = 0, sxy = 0, lo = 0, hi = 0;

	if (n < est->cfg.min_points)
		return false;
	/* Relative to the first point, so that no precision is lost. */
	for (i = 0; i < n; i++) {
		x = diff(p[i].mid_ns, p[0].mid_ns);
		mx += x;
		my += diff(p[i].offset_ns, p[0].offset_ns);
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
	}
	if (hi - lo < (double)est->cfg.min_span_ns)
		return false;
	mx /= n;
	my /= n;
	for (i = 0; i < n; i++) {
		x = diff(p[i].mid_ns, p[0].mid_ns) - mx;
		y = diff(p[i].offset_ns, p[0].offset_ns) - my;
		sxx += x * x;
		sxy += x * y;
	}
	/* sxx > 0: the points span at least min_span_ns > 0. */
	*ppm = sxy / sxx * 1e6;
	return true;
}

enum stockade_clock_verdict
stockade_clock_ok(const struct stockade_skew *est, s64 max_offset_ns,
		  double max_drift_ppm)
{
	bool have_offset, have_drift;
	u64 mag = 0, err = 0, max;
	s64 offset, error;
	double ppm = 0;

	have_offset = stockade_skew_offset_ns(est, &offset, &error);
	have_drift = stockade_skew_drift_ppm(est, &ppm);
	max = max_offset_ns > 0 ? (u64)max_offset_ns : 0;
	if (have_offset) {
		/* In u64: |S64_MIN| and S64_MAX + an error bound both fit. */
		mag = offset < 0 ? -(u64)offset : (u64)offset;
		err = (u64)error;
		if (mag > max + err)
			return STOCKADE_CLOCK_OFFSET_TOO_LARGE;
	}
	/* Written this way round, a NaN limit fails too. */
	if (have_drift && !(fabs(ppm) <= max_drift_ppm))
		return STOCKADE_CLOCK_DRIFT_TOO_LARGE;
	if (!have_offset || !have_drift || mag + err > max)
		return STOCKADE_CLOCK_UNKNOWN;
	return STOCKADE_CLOCK_OK;
}

const char *stockade_skew_cfg_verdict_name(enum stockade_skew_cfg_verdict v)
{
	switch (v) {
	case STOCKADE_SKEW_CFG_OK:
		return "ok";
	case STOCKADE_SKEW_CFG_BAD_FILTER:
		return "filter length out of range";
	case STOCKADE_SKEW_CFG_BAD_POINTS:
		return "drift points out of range";
	case STOCKADE_SKEW_CFG_BAD_MIN_SPAN:
		return "minimum drift span out of range";
	case STOCKADE_SKEW_CFG_BAD_MAX_DELAY:
		return "maximum delay out of range";
	case STOCKADE_SKEW_CFG_BAD_MAX_DRIFT:
		return "maximum drift out of range";
	}
	return "unknown";
}

const char *stockade_skew_verdict_name(enum stockade_skew_verdict v)
{
	switch (v) {
	case STOCKADE_SKEW_ACCEPTED:
		return "accepted";
	case STOCKADE_SKEW_NEGATIVE_DELAY:
		return "negative delay";
	case STOCKADE_SKEW_DELAY_TOO_LARGE:
		return "delay too large";
	case STOCKADE_SKEW_BAD_TIMESTAMPS:
		return "timestamps out of order or out of range";
	}
	return "unknown";
}

const char *stockade_clock_verdict_name(enum stockade_clock_verdict v)
{
	switch (v) {
	case STOCKADE_CLOCK_OK:
		return "ok";
	case STOCKADE_CLOCK_OFFSET_TOO_LARGE:
		return "offset too large";
	case STOCKADE_CLOCK_DRIFT_TOO_LARGE:
		return "drift too large";
	case STOCKADE_CLOCK_UNKNOWN:
		return "not known yet";
	}
	return "unknown";
}
