// SPDX-License-Identifier: GPL-2.0
/* Userspace only: floating point and libm (see phi.h). */
#include <math.h>

#include "phi.h"

/* Akka's logistic approximation of the normal CDF (see phi.h). */
#define LOGISTIC_A	1.5976
#define LOGISTIC_B	0.070566
/* ln(10), spelled out: M_LN10 is not C11. */
#define LN10		2.30258509299404568402

void stockade_phi_config_default(struct stockade_phi_config *cfg,
				 u64 heartbeat_ns, u64 election_timeout_ns)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->window = STOCKADE_PHI_DEFAULT_WINDOW;
	cfg->threshold = STOCKADE_PHI_DEFAULT_THRESHOLD;
	cfg->min_stddev_ns = heartbeat_ns / 4;
	cfg->acceptable_pause_ns = heartbeat_ns;
	cfg->first_interval_ns = heartbeat_ns;
	cfg->min_timeout_ns = 3 * heartbeat_ns;
	cfg->max_timeout_ns = election_timeout_ns;
}

static enum stockade_phi_cfg_verdict
check_config(const struct stockade_phi_config *cfg)
{
	if (cfg->window < 2 || cfg->window > STOCKADE_PHI_MAX_WINDOW)
		return STOCKADE_PHI_CFG_BAD_WINDOW;
	/* Written this way round, a NaN fails too. */
	if (!(cfg->threshold > 0 &&
	      cfg->threshold <= STOCKADE_PHI_MAX_THRESHOLD))
		return STOCKADE_PHI_CFG_BAD_THRESHOLD;
	/* Zero would divide by zero on a perfectly regular history. */
	if (!cfg->min_stddev_ns || cfg->min_stddev_ns > STOCKADE_PHI_MAX_NS)
		return STOCKADE_PHI_CFG_BAD_MIN_STDDEV;
	if (cfg->acceptable_pause_ns > STOCKADE_PHI_MAX_NS)
		return STOCKADE_PHI_CFG_BAD_PAUSE;
	if (!cfg->first_interval_ns ||
	    cfg->first_interval_ns > STOCKADE_PHI_MAX_NS)
		return STOCKADE_PHI_CFG_BAD_FIRST_INTERVAL;
	if (!cfg->max_timeout_ns || cfg->max_timeout_ns > STOCKADE_PHI_MAX_NS ||
	    cfg->min_timeout_ns > cfg->max_timeout_ns)
		return STOCKADE_PHI_CFG_BAD_TIMEOUTS;
	return STOCKADE_PHI_CFG_OK;
}

/*
 * The y at which phi reaches @threshold: log10(1 + e^z) = threshold gives
 * z = ln(10^threshold - 1), and z = y * (A + B * y^2) is the depressed
 * cubic y^3 + p * y + q = 0 with p = A / B > 0, q = -z / B.  With p > 0 it
 * has one real root, which the hyperbolic form gives without the
 * cancellation of Cardano's formula near y = 0.
 */
static double solve_y(double threshold)
{
	double z = log(expm1(threshold * LN10));
	double p = LOGISTIC_A / LOGISTIC_B;
	double q = -z / LOGISTIC_B;

	return -2 * sqrt(p / 3) *
		sinh(asinh(3 * q / (2 * p) * sqrt(3 / p)) / 3);
}

/* Mean and stddev of the samples, or the bootstrap until there are two. */
static void update_stats(struct stockade_phi *det)
{
	u32 w = det->cfg.window;
	u64 sum = 0;
	double var = 0, d;
	u32 i;

	if (det->count < 2) {
		det->mean_ns = (double)det->cfg.first_interval_ns;
		det->stddev_ns = det->mean_ns / 4;
		return;
	}
	/* Exact: at most 1000 samples of at most an hour each. */
	for (i = 0; i < det->count; i++)
		sum += det->intervals[(det->next + w - 1 - i) % w];
	det->mean_ns = (double)sum / det->count;
	for (i = 0; i < det->count; i++) {
		d = (double)det->intervals[(det->next + w - 1 - i) % w] -
			det->mean_ns;
		var += d * d;
	}
	det->stddev_ns = sqrt(var / det->count);
}

enum stockade_phi_cfg_verdict
stockade_phi_init(struct stockade_phi *det,
		  const struct stockade_phi_config *cfg)
{
	enum stockade_phi_cfg_verdict v = check_config(cfg);

	memset(det, 0, sizeof(*det));
	if (v != STOCKADE_PHI_CFG_OK)
		return v;
	det->cfg = *cfg;
	det->y_threshold = solve_y(cfg->threshold);
	update_stats(det);
	return v;
}

static void push_sample(struct stockade_phi *det, u64 interval)
{
	det->intervals[det->next] = interval;
	det->next = (det->next + 1) % det->cfg.window;
	if (det->count < det->cfg.window)
		det->count++;
	det->last_sampled = true;
	update_stats(det);
}

static void pop_sample(struct stockade_phi *det)
{
	det->next = (det->next + det->cfg.window - 1) % det->cfg.window;
	det->count--;
	det->last_sampled = false;
	update_stats(det);
}

void stockade_phi_heartbeat(struct stockade_phi *det, u64 now_ns)
{
	u64 interval;

	if (!det->have_last) {
		det->have_last = true;
		det->last_ns = now_ns;
		det->skip_next = false;
		det->last_sampled = false;
		return;
	}
	/*
	 * At or before the last arrival: it was moved forward past a local
	 * pause and this heartbeat was queued during it.  There is no
	 * interval to measure; the next one starts at the pause's end.
	 */
	if (now_ns <= det->last_ns) {
		det->prev_ns = det->last_ns;
		det->skip_next = false;
		det->last_sampled = false;
		return;
	}
	interval = now_ns - det->last_ns;
	det->prev_ns = det->last_ns;
	det->last_ns = now_ns;
	if (det->skip_next) {
		det->skip_next = false;
		det->last_sampled = false;
		det->dropped_paused++;
	} else if (interval > det->cfg.max_timeout_ns) {
		det->last_sampled = false;
		det->dropped_outages++;
	} else {
		push_sample(det, interval);
	}
}

void stockade_phi_pause(struct stockade_phi *det, u64 gap_start_ns,
			u64 gap_end_ns)
{
	if (gap_end_ns <= gap_start_ns || !det->have_last)
		return;
	/* Reported late: the newest sample overlaps the gap. */
	if (det->last_sampled && det->prev_ns < gap_end_ns &&
	    det->last_ns > gap_start_ns) {
		pop_sample(det);
		det->dropped_paused++;
	}
	/* The running interval overlaps it: skip it, and the gap. */
	if (det->last_ns < gap_end_ns) {
		det->last_ns += gap_end_ns -
			(det->last_ns > gap_start_ns ? det->last_ns :
			 gap_start_ns);
		det->skip_next = true;
	}
}

void stockade_phi_set_network(struct stockade_phi *det, u64 rtt_mean_ns,
			      u64 rtt_dev_ns)
{
	det->rtt_mean_ns = rtt_mean_ns < STOCKADE_PHI_MAX_NS ?
		rtt_mean_ns : STOCKADE_PHI_MAX_NS;
	det->rtt_dev_ns = rtt_dev_ns < STOCKADE_PHI_MAX_NS ?
		rtt_dev_ns : STOCKADE_PHI_MAX_NS;
}

void stockade_phi_set_window(struct stockade_phi *det, u64 window_ns)
{
	det->window_ns = window_ns < STOCKADE_PHI_MAX_NS ?
		window_ns : STOCKADE_PHI_MAX_NS;
}

void stockade_phi_estimate(const struct stockade_phi *det, double *mean_ns,
			   double *stddev_ns)
{
	double sd = det->stddev_ns;

	*mean_ns = det->mean_ns + (det->window_ns ? (double)det->window_ns :
		(double)det->cfg.acceptable_pause_ns +
		(double)det->rtt_mean_ns / 2);
	if (sd < (double)det->cfg.min_stddev_ns)
		sd = (double)det->cfg.min_stddev_ns;
	if (sd < (double)det->rtt_dev_ns)
		sd = (double)det->rtt_dev_ns;
	*stddev_ns = sd;
}

static u64 elapsed_ns(const struct stockade_phi *det, u64 now_ns)
{
	return now_ns > det->last_ns ? now_ns - det->last_ns : 0;
}

double stockade_phi(const struct stockade_phi *det, u64 now_ns)
{
	double mean, sd, y, z, phi;

	if (!det->have_last)
		return 0;
	stockade_phi_estimate(det, &mean, &sd);
	y = ((double)elapsed_ns(det, now_ns) - mean) / sd;
	z = y * (LOGISTIC_A + LOGISTIC_B * y * y);
	/*
	 * log10(1 + e^z) without overflow for large z: Akka's two branches
	 * are the same value, and log10(e / (1 + e)) with e = e^-z
	 * underflows to log10(0) once the peer has been silent long enough.
	 */
	if (z > 0)
		phi = (z + log1p(exp(-z))) / LN10;
	else
		phi = log1p(exp(z)) / LN10;
	return phi < STOCKADE_PHI_CAP ? phi : STOCKADE_PHI_CAP;
}

/* When phi reaches the threshold, clamped; stockade_phi_suspect() agrees. */
static u64 base_timeout_ns(const struct stockade_phi *det)
{
	double mean, sd, t;

	stockade_phi_estimate(det, &mean, &sd);
	/* Rounded up: phi has reached the threshold at the returned time. */
	t = ceil(mean + det->y_threshold * sd);
	if (t <= (double)det->cfg.min_timeout_ns)
		return det->cfg.min_timeout_ns;
	if (t >= (double)det->cfg.max_timeout_ns)
		return det->cfg.max_timeout_ns;
	return (u64)t;
}

bool stockade_phi_suspect(const struct stockade_phi *det, u64 now_ns)
{
	/*
	 * Compared as times rather than as phi against the threshold, so
	 * that rounding can never make this disagree with the timeout.
	 */
	return det->have_last &&
		elapsed_ns(det, now_ns) >= base_timeout_ns(det);
}

u64 stockade_phi_timeout_ns(const struct stockade_phi *det, u32 rand_u32)
{
	u64 base = base_timeout_ns(det);
	u64 half = base / 2;

	/* half * rand / 2^32, exactly: half < 2^41, so neither overflows. */
	return base + (half >> 32) * rand_u32 +
		(((half & U32_MAX) * rand_u32) >> 32);
}

const char *stockade_phi_cfg_verdict_name(enum stockade_phi_cfg_verdict v)
{
	switch (v) {
	case STOCKADE_PHI_CFG_OK:
		return "ok";
	case STOCKADE_PHI_CFG_BAD_WINDOW:
		return "window out of range";
	case STOCKADE_PHI_CFG_BAD_THRESHOLD:
		return "threshold out of range";
	case STOCKADE_PHI_CFG_BAD_MIN_STDDEV:
		return "minimum stddev out of range";
	case STOCKADE_PHI_CFG_BAD_PAUSE:
		return "acceptable pause out of range";
	case STOCKADE_PHI_CFG_BAD_FIRST_INTERVAL:
		return "first interval estimate out of range";
	case STOCKADE_PHI_CFG_BAD_TIMEOUTS:
		return "timeout bounds out of range";
	}
	return "unknown";
}
