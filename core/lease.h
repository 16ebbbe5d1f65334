/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Leader leases, so that a deposed leader stops serving I/O before a new
 * one can start.  A lease counts from when the heartbeat a majority
 * acknowledged was sent, is shortened by the worst clock drift the cluster
 * allows, and a new leader waits out the longest lease an old one could
 * still hold, stretched by the same drift, before it serves.  All times are
 * nanoseconds on the local monotonic clock; nothing here wraps: sums that
 * would overflow saturate at U64_MAX, whichever way is the safe one.
 */
#ifndef _STOCKADE_CORE_LEASE_H
#define _STOCKADE_CORE_LEASE_H

#include "compat.h"

#define STOCKADE_LEASE_MAX_NS	(60ULL * 1000000000ULL)	/* longest accepted */
#define STOCKADE_DRIFT_PPM_MAX	500000U			/* 50 % */
#define STOCKADE_LEASE_MAX_VOTERS	16	/* for quorum_start() */

struct stockade_lease {
	u64 term;		/* term the lease is for */
	u64 expires_ns;		/* first instant at which it is not live */
	bool held;
};

enum stockade_lease_verdict {
	STOCKADE_LEASE_OK,
	STOCKADE_LEASE_STALE_TERM,	/* older than the lease's term */
	STOCKADE_LEASE_BAD_DURATION,	/* 0 or > STOCKADE_LEASE_MAX_NS */
	STOCKADE_LEASE_BAD_DRIFT,	/* > STOCKADE_DRIFT_PPM_MAX */
	STOCKADE_LEASE_FROM_FUTURE,	/* start_ns > now_ns */
	STOCKADE_LEASE_ALREADY_OVER,	/* expiry <= now_ns: nothing changed */
};

const char *stockade_lease_verdict_name(enum stockade_lease_verdict v);

/*
 * @duration_ns as the local clock must count it if it may run up to
 * @max_drift_ppm faster than the clocks of the nodes that granted it:
 * duration * 1e6 / (1e6 + ppm), rounded down.  Exact for any input.
 */
u64 stockade_lease_shorten(u64 duration_ns, u32 max_drift_ppm);

/*
 * Grant or renew.  @start_ns is when the grant's basis was sent (the send
 * time of the heartbeat a majority acknowledged), so the lease counts from
 * then: expiry = start_ns + shorten(duration_ns), saturating.  The term
 * never goes backwards; within a term a held lease is only ever extended;
 * a newer term replaces it.  Anything but STOCKADE_LEASE_OK leaves @l as it
 * was.
 */
enum stockade_lease_verdict
stockade_lease_grant(struct stockade_lease *l, u64 term, u64 start_ns,
		     u64 duration_ns, u32 max_drift_ppm, u64 now_ns);

/* Stop serving under the lease; its term is kept. */
void stockade_lease_revoke(struct stockade_lease *l);

/* Held, for @term, and @now_ns before its expiry. */
bool stockade_lease_live(const struct stockade_lease *l, u64 term,
			 u64 now_ns);

/* Time left on a held lease, whatever its term; 0 when not live. */
u64 stockade_lease_remaining_ns(const struct stockade_lease *l, u64 now_ns);

/*
 * The send time from which a majority of @n voting nodes has acknowledged:
 * the majority-th largest of their latest acknowledged heartbeat send
 * times (the leader's own entry is its now; 0 = never acknowledged).
 * Returns 0 if fewer than a majority ever acknowledged, or if @n is 0 or
 * above STOCKADE_LEASE_MAX_VOTERS.  @acked_send_ns is not modified.
 */
u64 stockade_lease_quorum_start(const u64 *acked_send_ns, unsigned int n);

/*
 * The clock-bound wait: a new leader may serve no earlier than
 * from_ns + max_lease_ns * (1e6 + ppm) / 1e6, rounded up, saturating at
 * U64_MAX.  @from_ns is the moment after which no old lease could have
 * been granted (when this node persisted its new term).
 */
u64 stockade_lease_wait_until(u64 from_ns, u64 max_lease_ns,
			      u32 max_drift_ppm);

/* What the block device does with a bio when it may not serve it. */
enum stockade_io_policy {
	STOCKADE_POLICY_IO_ERROR,
	STOCKADE_POLICY_SUSPEND,
};

enum stockade_io_decision {
	STOCKADE_IO_SERVE,
	STOCKADE_IO_WAIT,
	STOCKADE_IO_FAIL,
};

enum stockade_fence_reason {
	STOCKADE_FENCE_NONE,		/* serving */
	STOCKADE_FENCE_NOT_LEADER,
	STOCKADE_FENCE_NO_LEASE,	/* none for this term, or revoked */
	STOCKADE_FENCE_LEASE_EXPIRED,
	STOCKADE_FENCE_CLOCK_WAIT,	/* lease live, clock-bound wait on */
	STOCKADE_FENCE_DISK_FAILED,	/* the backing device was detached */
};

/* Short, stable strings for logs and sysfs: "none", "not-leader", ... */
const char *stockade_fence_reason_name(enum stockade_fence_reason r);

struct stockade_fence_input {
	bool leader;
	bool disk_failed;		/* fails everything, leader or not */
	u64 term;			/* current term */
	const struct stockade_lease *lease;	/* NULL: none */
	u64 serve_after_ns;		/* end of the clock-bound wait; 0: none */
	enum stockade_io_policy policy;
	u64 suspend_timeout_ns;		/* SUSPEND: longest a bio is held */
};

/*
 * Decide, at @now_ns, for a bio that arrived at @arrived_ns.  A bio is
 * served only by a leader whose lease for the current term is live and
 * whose clock-bound wait is over.  Without a live lease, IO_ERROR fails it
 * and SUSPEND holds it until suspend_timeout_ns after its arrival, then
 * fails it; the clock-bound wait is always waited out.  @reason, if not
 * NULL, says why.
 */
enum stockade_io_decision
stockade_fence_decide(const struct stockade_fence_input *in, u64 arrived_ns,
		      u64 now_ns, enum stockade_fence_reason *reason);

#endif /* _STOCKADE_CORE_LEASE_H */
