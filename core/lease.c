// SPDX-License-Identifier: GPL-2.0
/*
 * Leader leases (see lease.h).  The arithmetic splits each product into a
 * quotient and a remainder part so that it stays exact without a 128-bit
 * type, and every sum saturates instead of wrapping.
 */
#include "lease.h"

#define PPM_ONE	1000000ULL

static u64 add_saturating(u64 a, u64 b)
{
	return a > U64_MAX - b ? U64_MAX : a + b;
}

u64 stockade_lease_shorten(u64 duration_ns, u32 max_drift_ppm)
{
	u64 den = PPM_ONE + max_drift_ppm;
	u64 q = duration_ns / den, r = duration_ns % den;

	/*
	 * d * 1e6 / den == q * 1e6 + r * 1e6 / den, rounded down alike.
	 * q * 1e6 <= d since den >= 1e6; r * 1e6 < 2^33 * 1e6.
	 */
	return q * PPM_ONE + r * PPM_ONE / den;
}

/* ceil(d * (1e6 + ppm) / 1e6), or U64_MAX if it does not fit. */
static u64 stretch(u64 duration_ns, u32 max_drift_ppm)
{
	u64 mul = PPM_ONE + max_drift_ppm;
	u64 q = duration_ns / PPM_ONE, r = duration_ns % PPM_ONE;
	u64 rest;

	if (q > U64_MAX / mul)
		return U64_MAX;
	/* r * mul < 1e6 * 2^33: no overflow */
	rest = (r * mul + PPM_ONE - 1) / PPM_ONE;
	return add_saturating(q * mul, rest);
}

u64 stockade_lease_wait_until(u64 from_ns, u64 max_lease_ns,
			      u32 max_drift_ppm)
{
	return add_saturating(from_ns, stretch(max_lease_ns, max_drift_ppm));
}

static enum stockade_lease_verdict
check_grant(const struct stockade_lease *l, u64 term, u64 start_ns,
	    u64 duration_ns, u32 max_drift_ppm, u64 now_ns)
{
	if (duration_ns == 0 || duration_ns > STOCKADE_LEASE_MAX_NS)
		return STOCKADE_LEASE_BAD_DURATION;
	if (max_drift_ppm > STOCKADE_DRIFT_PPM_MAX)
		return STOCKADE_LEASE_BAD_DRIFT;
	if (start_ns > now_ns)
		return STOCKADE_LEASE_FROM_FUTURE;
	if (term < l->term)
		return STOCKADE_LEASE_STALE_TERM;
	return STOCKADE_LEASE_OK;
}

enum stockade_lease_verdict
stockade_lease_grant(struct stockade_lease *l, u64 term, u64 start_ns,
		     u64 duration_ns, u32 max_drift_ppm, u64 now_ns)
{
	enum stockade_lease_verdict v;
	u64 expires;

	v = check_grant(l, term, start_ns, duration_ns, max_drift_ppm, now_ns);
	if (v != STOCKADE_LEASE_OK)
		return v;
	expires = add_saturating(start_ns,
				 stockade_lease_shorten(duration_ns,
							max_drift_ppm));
	if (expires <= now_ns)
		return STOCKADE_LEASE_ALREADY_OVER;
	/* A late renewal never shortens a lease held in the same term. */
	if (l->held && term == l->term && l->expires_ns > expires)
		expires = l->expires_ns;
	l->term = term;
	l->expires_ns = expires;
	l->held = true;
	return STOCKADE_LEASE_OK;
}

void stockade_lease_revoke(struct stockade_lease *l)
{
	l->held = false;
}

bool stockade_lease_live(const struct stockade_lease *l, u64 term,
			 u64 now_ns)
{
	return l->held && l->term == term && now_ns < l->expires_ns;
}

u64 stockade_lease_remaining_ns(const struct stockade_lease *l, u64 now_ns)
{
	if (!l->held || now_ns >= l->expires_ns)
		return 0;
	return l->expires_ns - now_ns;
}

u64 stockade_lease_quorum_start(const u64 *acked_send_ns, unsigned int n)
{
	u64 sorted[STOCKADE_LEASE_MAX_VOTERS];
	unsigned int i, j;

	if (n == 0 || n > STOCKADE_LEASE_MAX_VOTERS)
		return 0;
	/* Insertion sort, largest first, into a copy. */
	for (i = 0; i < n; i++) {
		u64 v = acked_send_ns[i];

		for (j = i; j > 0 && sorted[j - 1] < v; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = v;
	}
	/* 0 there means fewer than a majority ever acknowledged. */
	return sorted[n / 2];
}

static enum stockade_fence_reason
fence_reason(const struct stockade_fence_input *in, u64 now_ns)
{
	const struct stockade_lease *l = in->lease;

	if (in->disk_failed)
		return STOCKADE_FENCE_DISK_FAILED;
	if (!in->leader)
		return STOCKADE_FENCE_NOT_LEADER;
	if (!l || !l->held || l->term != in->term)
		return STOCKADE_FENCE_NO_LEASE;
	if (!stockade_lease_live(l, in->term, now_ns))
		return STOCKADE_FENCE_LEASE_EXPIRED;
	if (now_ns < in->serve_after_ns)
		return STOCKADE_FENCE_CLOCK_WAIT;
	return STOCKADE_FENCE_NONE;
}

/* Without a lease: SUSPEND holds a bio for a bounded time, then fails it. */
static enum stockade_io_decision
unleased_decision(const struct stockade_fence_input *in, u64 arrived_ns,
		  u64 now_ns)
{
	/* A bio stamped after now (should not happen) has waited 0. */
	u64 waited = now_ns > arrived_ns ? now_ns - arrived_ns : 0;

	if (in->policy == STOCKADE_POLICY_SUSPEND &&
	    waited < in->suspend_timeout_ns)
		return STOCKADE_IO_WAIT;
	return STOCKADE_IO_FAIL;
}

enum stockade_io_decision
stockade_fence_decide(const struct stockade_fence_input *in, u64 arrived_ns,
		      u64 now_ns, enum stockade_fence_reason *reason)
{
	enum stockade_fence_reason r = fence_reason(in, now_ns);
	enum stockade_io_decision d;

	switch (r) {
	case STOCKADE_FENCE_NONE:
		d = STOCKADE_IO_SERVE;
		break;
	case STOCKADE_FENCE_CLOCK_WAIT:
		d = STOCKADE_IO_WAIT;	/* bounded by its own end */
		break;
	case STOCKADE_FENCE_NO_LEASE:
	case STOCKADE_FENCE_LEASE_EXPIRED:
		d = unleased_decision(in, arrived_ns, now_ns);
		break;
	default:
		d = STOCKADE_IO_FAIL;
		break;
	}
	if (reason)
		*reason = r;
	return d;
}

const char *stockade_lease_verdict_name(enum stockade_lease_verdict v)
{
	switch (v) {
	case STOCKADE_LEASE_OK:
		return "ok";
	case STOCKADE_LEASE_STALE_TERM:
		return "stale term";
	case STOCKADE_LEASE_BAD_DURATION:
		return "duration out of range";
	case STOCKADE_LEASE_BAD_DRIFT:
		return "clock drift out of range";
	case STOCKADE_LEASE_FROM_FUTURE:
		return "start in the future";
	case STOCKADE_LEASE_ALREADY_OVER:
		return "already over";
	}
	return "unknown";
}

const char *stockade_fence_reason_name(enum stockade_fence_reason r)
{
	switch (r) {
	case STOCKADE_FENCE_NONE:
		return "none";
	case STOCKADE_FENCE_NOT_LEADER:
		return "not-leader";
	case STOCKADE_FENCE_DISK_FAILED:
		return "disk-failed";
	case STOCKADE_FENCE_NO_LEASE:
		return "no-lease";
	case STOCKADE_FENCE_LEASE_EXPIRED:
		return "lease-expired";
	case STOCKADE_FENCE_CLOCK_WAIT:
		return "clock-wait";
	}
	return "unknown";
}
