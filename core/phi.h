/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The phi-accrual failure detector (Hayashibara et al., 2004), as Akka and
 * Cassandra use it, for one peer.  Instead of a yes/no timeout it keeps the
 * recent heartbeat inter-arrival intervals and says how unlikely it is,
 * under their distribution, that the next heartbeat is still to come:
 *
 *	phi(t) = -log10(P(next interval > t))
 *
 * with t the time since the last heartbeat.  phi = 1 means a 10% chance of
 * being wrong in suspecting the peer, phi = 8 one in 10^8.  A jittery link
 * thus waits longer before suspecting than a regular one with the same
 * mean interval.
 *
 * Userspace only (the agent and the simulator, never stockade.ko): this
 * file uses double and <math.h>.  Like the rest of core/ it makes no clock
 * calls and allocates nothing; times are monotonic nanoseconds passed in.
 *
 * The interval distribution is taken as normal, with (all in ns)
 *
 *	mean   = mean of the samples + acceptable_pause + rtt_mean / 2
 *		 (or + the window given to stockade_phi_set_window())
 *	stddev = max(stddev of the samples, min_stddev, rtt_dev)
 *
 * (population stddev; until two samples exist, the samples' mean is
 * first_interval and their stddev first_interval / 4, Akka's bootstrap).
 * Its tail is Akka's logistic approximation of the normal CDF:
 *
 *	y = (t - mean) / stddev
 *	z = y * (1.5976 + 0.070566 * y^2)
 *	P(later) = 1 / (1 + e^z),  so  phi = log10(1 + e^z)
 *
 * computed without overflow, so phi is finite for any t (it is also capped
 * at STOCKADE_PHI_CAP).  It is 0.30 at t = mean and rises steeply after.
 *
 * The network terms come from the eBPF RTT measurement of the peer's
 * connection (stockade_phi_set_network()).  Each arrival is late against
 * the sender's schedule by its one-way delay minus the previous one's, so
 * by at most its own one-way delay: rtt_mean / 2 is granted as extra
 * pause.  With independent delays both ways, the spread of an interval
 * (two one-way delays) is that of an RTT: rtt_dev floors the stddev, so
 * that the detector never believes arrivals more regular than the path.
 */
#ifndef _STOCKADE_CORE_PHI_H
#define _STOCKADE_CORE_PHI_H

#include "compat.h"

/* Intervals one detector can keep; Akka's default history size. */
#define STOCKADE_PHI_MAX_WINDOW		1000
#define STOCKADE_PHI_DEFAULT_WINDOW	100
#define STOCKADE_PHI_DEFAULT_THRESHOLD	8.0
/* Highest threshold accepted: 10^-100 is already beyond any use. */
#define STOCKADE_PHI_MAX_THRESHOLD	100.0
/* phi never exceeds this, so callers never see inf or NaN. */
#define STOCKADE_PHI_CAP		1000.0
/*
 * No duration in the configuration may exceed an hour.  Beyond catching
 * nonsense, this rejects a negative value that was converted to u64.
 */
#define STOCKADE_PHI_MAX_NS		(3600ULL * 1000000000ULL)

struct stockade_phi_config {
	u32 window;		/* intervals kept, 2..STOCKADE_PHI_MAX_WINDOW */
	double threshold;	/* suspect at phi >= threshold, > 0 */
	u64 min_stddev_ns;	/* floor of the stddev, > 0 */
	u64 acceptable_pause_ns; /* added to the mean */
	u64 first_interval_ns;	/* bootstrap mean, > 0 */
	/*
	 * Bounds on when the peer is suspected, in time since its last
	 * heartbeat: never before min_timeout_ns, always at max_timeout_ns.
	 * An interval longer than max_timeout_ns is an outage, not a
	 * sample: the peer was suspected during it whatever the history
	 * said, and learning it would blunt detection of the next one.
	 */
	u64 min_timeout_ns;
	u64 max_timeout_ns;	/* > 0, >= min_timeout_ns */
};

enum stockade_phi_cfg_verdict {
	STOCKADE_PHI_CFG_OK,
	STOCKADE_PHI_CFG_BAD_WINDOW,
	STOCKADE_PHI_CFG_BAD_THRESHOLD,
	STOCKADE_PHI_CFG_BAD_MIN_STDDEV,
	STOCKADE_PHI_CFG_BAD_PAUSE,
	STOCKADE_PHI_CFG_BAD_FIRST_INTERVAL,
	STOCKADE_PHI_CFG_BAD_TIMEOUTS,
};

struct stockade_phi {
	struct stockade_phi_config cfg;
	u64 intervals[STOCKADE_PHI_MAX_WINDOW];	/* ring, oldest overwritten */
	u32 next;		/* slot the next sample goes to */
	u32 count;		/* samples held, <= cfg.window */
	bool have_last;		/* a heartbeat has arrived */
	/* The running interval spans a local pause: do not sample it. */
	bool skip_next;
	/* The newest sample is the interval prev_ns..last_ns. */
	bool last_sampled;
	/* Last arrival, moved forward by the local pauses since. */
	u64 last_ns;
	u64 prev_ns;		/* the arrival before it */
	double mean_ns;		/* of the samples, or the bootstrap */
	double stddev_ns;
	u64 rtt_mean_ns;	/* stockade_phi_set_network() */
	u64 rtt_dev_ns;
	u64 window_ns;		/* stockade_phi_set_window(), or 0 */
	double y_threshold;	/* y at which phi = threshold */
	/* Intervals not sampled, for the agent's statistics. */
	u64 dropped_outages;	/* longer than max_timeout_ns */
	u64 dropped_paused;	/* spanned a local pause */
};

/*
 * Defaults for a peer that sends a heartbeat every @heartbeat_ns and
 * whose silence for @election_timeout_ns starts an election:
 *
 *	window		100 intervals (10 s at 100 ms)
 *	threshold	8
 *	min_stddev	heartbeat / 4: on a regular link phi reaches 8
 *			about 5.2 stddevs past the mean, i.e. 1.3 heartbeats
 *	acceptable_pause one heartbeat: one late or lost heartbeat alone
 *			does not make the peer suspect
 *	first_interval	heartbeat
 *	min_timeout	3 heartbeats (the agent's lower bound on the election
 *			timeout): a lucky-looking history never suspects
 *			a peer that missed only two
 *	max_timeout	the election timeout: a silent peer is suspected in
 *			bounded time, however jittery its history
 *
 * So on a regular link a peer is suspected 3.3 heartbeats after the last
 * one it sent.  The timeout decides when a follower asks for (pre-)votes;
 * it is not what keeps an old leader's lease safe.
 */
void stockade_phi_config_default(struct stockade_phi_config *cfg,
				 u64 heartbeat_ns, u64 election_timeout_ns);

/* Checks @cfg; @det is usable only if this returns STOCKADE_PHI_CFG_OK. */
enum stockade_phi_cfg_verdict
stockade_phi_init(struct stockade_phi *det,
		  const struct stockade_phi_config *cfg);

/*
 * A heartbeat from the peer was received at @now_ns.  The interval since
 * the previous one becomes a sample unless it spans a reported local
 * pause, is longer than max_timeout_ns or is zero.  Give the heartbeats
 * read in one pass of the loop that pass's single clock reading: a burst
 * that queued while the loop was busy then adds no near-zero intervals.
 */
void stockade_phi_heartbeat(struct stockade_phi *det, u64 now_ns);

/*
 * The agent's own loop did not run from @gap_start_ns to @gap_end_ns
 * (it noticed a tick far later than scheduled, or came back from a
 * suspend).  Heartbeats that arrived meanwhile waited in the socket, so
 * the peer is not to blame: the interval spanning the gap is not sampled,
 * and the last arrival moves forward by the part of the gap after it, so
 * that the gap does not count toward phi either.  Report the gap before
 * feeding the detector the heartbeats that queued during it; reported
 * after them, it still removes the sample they made.  An empty or
 * inverted range is ignored.
 */
void stockade_phi_pause(struct stockade_phi *det, u64 gap_start_ns,
			u64 gap_end_ns);

/*
 * The RTT of the peer's connection, as measured by the eBPF programs;
 * both 0 (the initial state) to ignore the network.  Values above
 * STOCKADE_PHI_MAX_NS are taken as STOCKADE_PHI_MAX_NS.
 */
void stockade_phi_set_network(struct stockade_phi *det, u64 rtt_mean_ns,
			      u64 rtt_dev_ns);

/*
 * Replace acceptable_pause + rtt_mean / 2 in the mean by @window_ns, the
 * caller's heartbeat acceptance window (stockade_heartbeat_window_ns() in
 * netrtt.h, which starts from the same two terms); 0 goes back to them.
 * Values above STOCKADE_PHI_MAX_NS are taken as STOCKADE_PHI_MAX_NS.
 */
void stockade_phi_set_window(struct stockade_phi *det, u64 window_ns);

/* The distribution phi is computed against, for tests and statistics. */
void stockade_phi_estimate(const struct stockade_phi *det, double *mean_ns,
			   double *stddev_ns);

/* 0 before the first heartbeat: a peer never heard is not suspected. */
double stockade_phi(const struct stockade_phi *det, u64 now_ns);

/*
 * Whether the peer is suspect at @now_ns: it has been silent for at least
 * min_timeout_ns and either phi >= threshold or it has been silent for
 * max_timeout_ns.  False before the first heartbeat.
 */
bool stockade_phi_suspect(const struct stockade_phi *det, u64 now_ns);

/*
 * The election timeout, in ns after det->last_ns (the last arrival, moved
 * past local pauses: re-arm from it after each heartbeat and each
 * stockade_phi_pause()).  The base is the time at which phi reaches the
 * threshold, clamped to [min_timeout_ns, max_timeout_ns], so that
 * stockade_phi_suspect() turns true exactly there.  Raft's randomization,
 * to keep followers from standing for election together, adds
 * base / 2 * @rand_u32 / 2^32: the result is in [base, 1.5 * base).  The
 * caller supplies the random number; core/ has no randomness of its own.
 * Before the first heartbeat it is computed from the bootstrap, and the
 * agent counts it from its own start.
 */
u64 stockade_phi_timeout_ns(const struct stockade_phi *det, u32 rand_u32);

const char *stockade_phi_cfg_verdict_name(enum stockade_phi_cfg_verdict v);

#endif /* _STOCKADE_CORE_PHI_H */
