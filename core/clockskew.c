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
	est->held_count = 0;
	est->segment = 0;
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
	est->recent[est->recent_next].segment = est->segment;
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

/* a - b as a double, exact whenever the difference fits in an s64. */
static double diff(s64 a, s64 b)
{
	s64 d;

	if (__builtin_sub_overflow(a, b, &d))
		return (double)a - (double)b;
	return (double)d;
}

/*
 * The filter's choice: of the recent samples, the one with the smallest
 * error bound (*@err), which ages at max_drift_ppm.  NULL if none.
 */
static const struct stockade_skew_sample *
best_sample(const struct stockade_skew *est, double *err)
{
	const struct stockade_skew_sample *s, *best = NULL;
	double drift = est->cfg.max_drift_ppm / 1e6, e;
	s64 now;
	u32 i;

	if (!est->recent_count)
		return NULL;
	now = est->recent[newest(est->recent_next, est->cfg.filter)].mid_ns;
	for (i = 0; i < est->recent_count; i++) {
		s = &est->recent[i];
		e = (double)s->delay_ns / 2 + fabs(diff(now, s->mid_ns)) * drift;
		if (!best || e < *err) {
			best = s;
			*err = e;
		}
	}
	return best;
}

/*
 * A sample's error bound if the clocks' rates differ by up to @rate (a
 * fraction): delta / 2, but the peer's T3 - T2 was measured at its rate,
 * so delta may be short by rate * (T3 - T2); 1 ns for the rounding.
 */
static double bound(const struct stockade_skew_sample *s, double rate)
{
	return ((double)s->delay_ns + rate * (double)s->proc_ns) / 2 + 1;
}

/*
 * Whether @b can lie on the line through @a at @rate (a fraction, not
 * ppm): both error bounds, and max_drift_ppm for the rate's own error.
 */
static bool on_line(const struct stockade_skew *est,
		    const struct stockade_skew_sample *a,
		    const struct stockade_skew_sample *b, double rate)
{
	double dt = diff(b->mid_ns, a->mid_ns);
	double off = diff(b->offset_ns, a->offset_ns) - rate * dt;
	double slack = est->cfg.max_drift_ppm / 1e6, r = fabs(rate) + slack;

	return fabs(off) <= bound(a, r) + bound(b, r) + fabs(dt) * slack;
}

/*
 * Whether one rate, whatever it is, carries @ref through @first to
 * @last: the rates each pair allows overlap.  A jump in no time is no
 * rate; samples at one time allow any.
 */
static bool one_rate(const struct stockade_skew *est,
		     const struct stockade_skew_sample *ref,
		     const struct stockade_skew_sample *first,
		     const struct stockade_skew_sample *last)
{
	double dt0 = diff(first->mid_ns, ref->mid_ns);
	double dt1 = diff(last->mid_ns, first->mid_ns);
	double r0, r1, r;

	if (dt0 <= 0)
		return false;
	if (dt1 <= 0)
		return true;
	r0 = diff(first->offset_ns, ref->offset_ns) / dt0;
	r1 = diff(last->offset_ns, first->offset_ns) / dt1;
	/*
	 * The bounds at the rate such a drift would have: the smaller of
	 * the two, since a step's jump would make any bound absurdly wide.
	 */
	r = fmin(fabs(r0), fabs(r1)) + est->cfg.max_drift_ppm / 1e6;
	return fabs(r0 - r1) <= (bound(ref, r) + bound(first, r)) / dt0 +
				(bound(first, r) + bound(last, r)) / dt1;
}

/* The held samples go to the filter after all. */
static void release_held(struct stockade_skew *est)
{
	u32 i;

	for (i = 0; i < est->held_count; i++)
		take_sample(est, &est->held[i]);
	est->held_count = 0;
}

/* A step: the filter starts over from the held samples, the fit too. */
static void start_segment(struct stockade_skew *est)
{
	est->segment++;
	est->steps++;
	est->recent_next = 0;
	est->recent_count = 0;
	/* The unfinished block straddles the step: it makes no point. */
	est->block_fill = 0;
	release_held(est);
}

/* The fitted drift as a fraction, or 0 while it is not known. */
static double known_rate(const struct stockade_skew *est)
{
	double ppm;

	return stockade_skew_drift_ppm(est, &ppm) ? ppm / 1e6 : 0;
}

/* Whether one rate carries the reference through every held sample. */
static bool a_drift(const struct stockade_skew *est,
		    const struct stockade_skew_sample *ref)
{
	u32 i;

	for (i = 1; i < est->held_count; i++)
		if (!one_rate(est, ref, &est->held[0], &est->held[i]))
			return false;
	return true;
}

/* An accepted sample: to the filter, held back, or it makes a step. */
static void place_sample(struct stockade_skew *est,
			 const struct stockade_skew_sample *s)
{
	const struct stockade_skew_sample *ref;
	double rate, err;

	ref = best_sample(est, &err);
	if (!ref) {
		take_sample(est, s);
		return;
	}
	rate = known_rate(est);
	if (!est->held_count) {
		if (on_line(est, ref, s, rate))
			take_sample(est, s);
		else
			est->held[est->held_count++] = *s;
		return;
	}
	if (!on_line(est, &est->held[0], s, rate)) {
		if (on_line(est, ref, s, rate)) {
			/* Back on the line, off theirs: they were a glitch. */
			est->glitches += est->held_count;
			est->held_count = 0;
		}
		/* Else on neither: a drift faster than the fit knows. */
		release_held(est);
		take_sample(est, s);
		return;
	}
	/* On their line (on both, if the bounds are wide): held too. */
	est->held[est->held_count++] = *s;
	if (est->held_count < STOCKADE_SKEW_STEP_CONFIRM)
		return;
	if (!a_drift(est, ref))
		start_segment(est);
	else if (est->held_count == STOCKADE_SKEW_MAX_HELD)
		release_held(est);	/* moving as it jumped: a drift */
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
	s.proc_ns = theirs;
	s.segment = 0;
	place_sample(est, &s);
	est->accepted++;
	return STOCKADE_SKEW_ACCEPTED;
}

bool stockade_skew_offset_ns(const struct stockade_skew *est, s64 *offset_ns,
			     s64 *error_ns)
{
	const struct stockade_skew_sample *best;
	double err;

	best = best_sample(est, &err);
	if (!best)
		return false;
	*offset_ns = best->offset_ns;
	/* Rounded up, and delay / 2 <= 50 ms by the configuration limit. */
	*error_ns = err < (double)S64_MAX ? (s64)ceil(err) : S64_MAX;
	return true;
}

/* The @k-th oldest point. */
static const struct stockade_skew_sample *
point(const struct stockade_skew *est, u32 k)
{
	u32 size = est->cfg.points;

	return &est->points[(est->points_next + size - est->points_count + k) %
			    size];
}

/* Least-squares sums over the segments, each around its own mean. */
struct fit {
	double sxx, sxy, span;
	u32 n;		/* points in segments of two or more */
};

static void fit_segment(const struct stockade_skew *est, u32 first, u32 len,
			struct fit *f)
{
	const struct stockade_skew_sample *p0 = point(est, first), *p;
	double x, y, mx = 0, my = 0, lo = 0, hi = 0;
	u32 i;

	/* Relative to its first point, so that no precision is lost. */
	for (i = 0; i < len; i++) {
		p = point(est, first + i);
		x = diff(p->mid_ns, p0->mid_ns);
		mx += x;
		my += diff(p->offset_ns, p0->offset_ns);
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
	}
	mx /= len;
	my /= len;
	for (i = 0; i < len; i++) {
		p = point(est, first + i);
		x = diff(p->mid_ns, p0->mid_ns) - mx;
		y = diff(p->offset_ns, p0->offset_ns) - my;
		f->sxx += x * x;
		f->sxy += x * y;
	}
	if (len < 2)
		return;
	f->n += len;
	f->span += hi - lo;
}

bool stockade_skew_drift_ppm(const struct stockade_skew *est, double *ppm)
{
	struct fit f = { 0 };
	u32 n = est->points_count, start = 0, i;

	/* The ring is in time order, so a segment's points are adjacent. */
	for (i = 1; i <= n; i++) {
		if (i < n && point(est, i)->segment == point(est, start)->segment)
			continue;
		fit_segment(est, start, i - start, &f);
		start = i;
	}
	if (f.n < est->cfg.min_points || f.span < (double)est->cfg.min_span_ns)
		return false;
	/* sxx > 0: the segments span at least min_span_ns > 0. */
	*ppm = f.sxy / f.sxx * 1e6;
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
