/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A peer's clock offset and drift, from NTP's four-timestamp exchange
 * between agents: we send at T1 (our clock), the peer receives at T2 and
 * answers at T3 (its clock), we receive the answer at T4 (ours).  Then
 *
 *	offset theta = ((T2 - T1) + (T3 - T4)) / 2	(peer's clock - ours)
 *	delay  delta = (T4 - T1) - (T3 - T2)		(network round trip)
 *
 * and, whatever the split of delta between the two directions, the true
 * offset at the exchange's midpoint (T1 + T4) / 2 lies within delta / 2
 * of theta.  Asymmetric delays are the error, so a short exchange is a
 * good one.
 *
 * The agents exchange CLOCK_MONOTONIC times, whose absolute values are
 * unrelated between machines: there, the offset itself means nothing, but
 * its change over time measures how fast the clocks drift apart, which is
 * what the leases depend on.  Fed CLOCK_REALTIME times, the offset is the
 * wall-clock difference and means what it says.  This file serves both;
 * only the caller knows which one it feeds.
 *
 * Offset: NTP's clock filter.  Of the last @filter accepted samples, the
 * one with the smallest error bound, delay / 2 + age * max_drift_ppm
 * (its offset may have moved since by at most the assumed drift).  With
 * samples of equal age that is the one with the least delay.
 *
 * Drift: the accepted samples are cut into consecutive blocks of @filter,
 * and each block's least-delay sample becomes one point (local midpoint,
 * offset).  The drift is the least-squares slope of offset against local
 * time over the last @points points, in parts per million: positive when
 * the peer's clock runs fast against ours.  A delay spike, however
 * asymmetric, only ever wins its block if the whole block is congested,
 * and fitting one point per block lets a fixed number of points cover
 * @filter times as long a span, which is what the slope's precision
 * depends on (error / span).
 *
 * Steps: a clock stepped (by hand, by NTP, or put back) moves the offset
 * at once, and a line fitted across the step would show it as drift
 * until it left the window.  A sample is off the line when its offset
 * differs from the reference's (the filter's best sample), carried on at
 * the fitted drift, by more than both error bounds and max_drift_ppm over
 * the time between them: no exchange and no drift within bounds explains
 * that.  Such samples are held back.  Once STOCKADE_SKEW_STEP_CONFIRM of
 * them agree with each other (a new level) and one of them disagrees
 * with the jump carried on as a drift (the offset stopped moving), it is
 * a step: the filter starts over from the held samples and the drift fit
 * starts a new segment.  A large step is clear at once; one near the
 * noise takes more held samples, up to STOCKADE_SKEW_MAX_HELD, after
 * which they count as a drift.  The fit's slope is common to all segments, each
 * around its own mean, so the drift measured before the step still counts
 * and the step itself not at all.  A held sample back on the old line
 * makes the others a glitch, dropped; a sample on neither line means a
 * drift faster than the fit knows, and the held samples go in as usual.
 * stockade_skew_reset() forgets everything, for a peer known to have
 * restarted.
 *
 * Userspace only (the agent and the simulator, never stockade.ko): this
 * file uses double and <math.h>.  No clock calls, no allocation.
 */
#ifndef _STOCKADE_CORE_CLOCKSKEW_H
#define _STOCKADE_CORE_CLOCKSKEW_H

#include "compat.h"

/* compat.h has no S64_MAX outside the kernel, and this is never in it. */
#ifndef S64_MAX
#define S64_MAX	INT64_MAX
#endif

#define STOCKADE_SKEW_MAX_FILTER	16
#define STOCKADE_SKEW_MAX_POINTS	64
/*
 * Samples off the line, agreeing with each other, that can make a step:
 * at least so many, and at most so many held before they are let in.
 */
#define STOCKADE_SKEW_STEP_CONFIRM	3
#define STOCKADE_SKEW_MAX_HELD		8

struct stockade_skew_config {
	u32 filter;		/* 1..STOCKADE_SKEW_MAX_FILTER, default 8 */
	u32 points;		/* 2..STOCKADE_SKEW_MAX_POINTS, default 64 */
	/*
	 * The drift is known once this many points, >= 2, lie in segments
	 * of two or more ...
	 */
	u32 min_points;		/* default 4 */
	/* ... whose spans add up to this much of our time, > 0. */
	s64 min_span_ns;	/* default 10 s */
	/* A longer exchange is rejected, > 0. */
	s64 max_delay_ns;	/* default 100 ms */
	/* The drift the clocks are assumed to stay within, >= 0. */
	double max_drift_ppm;	/* default 500, the agent's max_drift_ppm */
};

enum stockade_skew_cfg_verdict {
	STOCKADE_SKEW_CFG_OK,
	STOCKADE_SKEW_CFG_BAD_FILTER,
	STOCKADE_SKEW_CFG_BAD_POINTS,
	STOCKADE_SKEW_CFG_BAD_MIN_SPAN,
	STOCKADE_SKEW_CFG_BAD_MAX_DELAY,
	STOCKADE_SKEW_CFG_BAD_MAX_DRIFT,
};

enum stockade_skew_verdict {
	STOCKADE_SKEW_ACCEPTED,
	STOCKADE_SKEW_NEGATIVE_DELAY,	/* the peer took longer than we did */
	STOCKADE_SKEW_DELAY_TOO_LARGE,	/* above max_delay_ns */
	/* T4 < T1 or T3 < T2 (a clock ran backwards), or overflow. */
	STOCKADE_SKEW_BAD_TIMESTAMPS,
};

enum stockade_clock_verdict {
	STOCKADE_CLOCK_OK,
	STOCKADE_CLOCK_OFFSET_TOO_LARGE,
	STOCKADE_CLOCK_DRIFT_TOO_LARGE,
	/* Not enough samples yet, or the error bound straddles the limit. */
	STOCKADE_CLOCK_UNKNOWN,
};

/* One accepted exchange. */
struct stockade_skew_sample {
	s64 mid_ns;		/* (T1 + T4) / 2, our clock */
	s64 offset_ns;		/* theta */
	s64 delay_ns;		/* delta */
	s64 proc_ns;		/* T3 - T2, the peer's time in between */
	u32 segment;		/* steps before it, since the last reset */
};

struct stockade_skew {
	struct stockade_skew_config cfg;
	/* The last cfg.filter accepted samples, a ring. */
	struct stockade_skew_sample recent[STOCKADE_SKEW_MAX_FILTER];
	u32 recent_next;
	u32 recent_count;
	u32 block_fill;		/* accepted since the last point was taken */
	/* The last cfg.points block minima, a ring. */
	struct stockade_skew_sample points[STOCKADE_SKEW_MAX_POINTS];
	u32 points_next;
	u32 points_count;
	/* Samples off the line, held back until they make a step or not. */
	struct stockade_skew_sample held[STOCKADE_SKEW_MAX_HELD];
	u32 held_count;
	u32 segment;		/* the current one */
	/* Per verdict, for the agent's statistics; reset keeps them. */
	u64 accepted;		/* glitches included */
	u64 rejected_negative_delay;
	u64 rejected_delay_too_large;
	u64 rejected_bad_timestamps;
	u64 steps;		/* steps found */
	u64 glitches;		/* held samples dropped */
};

void stockade_skew_config_default(struct stockade_skew_config *cfg);

/* Checks @cfg; @est is usable only if this returns STOCKADE_SKEW_CFG_OK. */
enum stockade_skew_cfg_verdict
stockade_skew_init(struct stockade_skew *est,
		   const struct stockade_skew_config *cfg);

/* Forgets every sample (the peer restarted); keeps the counters. */
void stockade_skew_reset(struct stockade_skew *est);

/* One exchange; a rejected one changes nothing but its counter. */
enum stockade_skew_verdict
stockade_skew_add_sample(struct stockade_skew *est, s64 t1, s64 t2, s64 t3,
			 s64 t4);

/*
 * The filtered offset (peer - ours) and its error bound, both in ns: the
 * true offset at the newest sample lies in offset +- error, provided the
 * drift stays within cfg.max_drift_ppm.  False before the first sample.
 */
bool stockade_skew_offset_ns(const struct stockade_skew *est, s64 *offset_ns,
			     s64 *error_ns);

/*
 * The drift in ppm; false until min_points points, in segments of two or
 * more, span min_span_ns together.
 */
bool stockade_skew_drift_ppm(const struct stockade_skew *est, double *ppm);

/*
 * Whether the peer's clock may take part in leadership.  Too large only
 * when certainly so: |offset| - error > @max_offset_ns, or |drift| >
 * @max_drift_ppm.  OK only when |offset| + error <= @max_offset_ns and
 * the drift is known and within bounds; UNKNOWN otherwise.  Pass
 * S64_MAX as @max_offset_ns for monotonic clocks, whose offset means
 * nothing.
 */
enum stockade_clock_verdict
stockade_clock_ok(const struct stockade_skew *est, s64 max_offset_ns,
		  double max_drift_ppm);

const char *stockade_skew_cfg_verdict_name(enum stockade_skew_cfg_verdict v);
const char *stockade_skew_verdict_name(enum stockade_skew_verdict v);
const char *stockade_clock_verdict_name(enum stockade_clock_verdict v);

#endif /* _STOCKADE_CORE_CLOCKSKEW_H */
