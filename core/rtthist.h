/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Quantiles of RTT samples from a log2 histogram (the eBPF map keeps one
 * per connection, bpf/rtt.h).  Bucket 0 counts samples of 0 us; bucket b
 * (1 <= b < STOCKADE_RTT_HIST_BUCKETS - 1) counts samples in
 * [2^(b-1), 2^b) us; the last bucket also takes everything above.  A
 * factor of two per bucket covers 1 us (loopback) to minutes (a broken
 * WAN) in 32 counters, at the price of knowing a sample only to within
 * its bucket.
 *
 * Within a bucket the samples are taken to be spread evenly: the k-th of
 * a bucket's n samples sits at lo + (hi - lo) * k / n, the upper edge of
 * its share of the bucket.  So a quantile never exceeds the upper bound
 * of the bucket holding it, and a larger quantile is never smaller.  The
 * rank is the nearest-rank one: the p-quantile of N samples is the
 * ceil(p * N)-th smallest.  Pure integer arithmetic; no clock, no state.
 */
#ifndef _STOCKADE_CORE_RTTHIST_H
#define _STOCKADE_CORE_RTTHIST_H

#include "compat.h"

#define STOCKADE_RTT_HIST_BUCKETS	32

/* The bucket a sample of @us microseconds goes to. */
u32 stockade_rtt_hist_bucket(u64 us);

/* Bucket @b's range in us: [*lo, *hi); the last one's hi is its lo * 2. */
void stockade_rtt_hist_range(u32 b, u64 *lo, u64 *hi);

/* Samples in @hist, saturating at U64_MAX. */
u64 stockade_rtt_hist_total(const u32 *hist);

/*
 * The @permille/1000 quantile of @hist, in ns, into *@ns; false (and 0)
 * for an empty histogram or a permille outside 1..1000.
 */
bool stockade_rtt_hist_quantile_ns(const u32 *hist, u32 permille, u64 *ns);

#endif /* _STOCKADE_CORE_RTTHIST_H */
