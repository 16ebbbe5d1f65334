// SPDX-License-Identifier: GPL-2.0
/* Quantiles from the RTT log2 histogram (rtthist.h). */
#include "rtthist.h"

#define NS_PER_US	1000

u32 stockade_rtt_hist_bucket(u64 us)
{
	u32 b = 0;

	/* The bit length of us: 0 -> 0, 1 -> 1, 2..3 -> 2, 4..7 -> 3... */
	while (us && b < STOCKADE_RTT_HIST_BUCKETS - 1) {
		us >>= 1;
		b++;
	}
	return b;
}

void stockade_rtt_hist_range(u32 b, u64 *lo, u64 *hi)
{
	if (!b) {
		*lo = 0;
		*hi = 1;
		return;
	}
	if (b >= STOCKADE_RTT_HIST_BUCKETS)
		b = STOCKADE_RTT_HIST_BUCKETS - 1;
	*lo = 1ULL << (b - 1);
	*hi = 1ULL << b;
}

u64 stockade_rtt_hist_total(const u32 *hist)
{
	u64 n = 0;
	u32 b;

	/* 32 buckets of u32 cannot overflow a u64. */
	for (b = 0; b < STOCKADE_RTT_HIST_BUCKETS; b++)
		n += hist[b];
	return n;
}

/*
 * width * k / n for k <= n, without the product overflowing: the width of
 * the last bucket in ns times a u32 count would not fit in a u64.
 */
static u64 share(u64 width, u64 k, u64 n)
{
	return width / n * k + width % n * k / n;
}

bool stockade_rtt_hist_quantile_ns(const u32 *hist, u32 permille, u64 *ns)
{
	u64 total = stockade_rtt_hist_total(hist);
	u64 rank, seen = 0, lo, hi;
	u32 b;

	*ns = 0;
	if (!total || !permille || permille > 1000)
		return false;
	/* Nearest rank: ceil(p * N), at least the first sample. */
	rank = (total * permille + 999) / 1000;
	for (b = 0; b < STOCKADE_RTT_HIST_BUCKETS; b++) {
		if (seen + hist[b] >= rank)
			break;
		seen += hist[b];
	}
	stockade_rtt_hist_range(b, &lo, &hi);
	*ns = lo * NS_PER_US + share((hi - lo) * NS_PER_US, rank - seen,
				     hist[b]);
	return true;
}
