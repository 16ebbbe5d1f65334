// SPDX-License-Identifier: GPL-2.0
#include "quorum.h"

/* The k-th largest (k >= 1) of the first n values; n <= MAX_NODES. */
static u64 kth_largest(const u64 *values, unsigned int n, unsigned int k)
{
	u64 sorted[STOCKADE_MAX_NODES];
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		u64 v = values[i];

		for (j = i; j > 0 && sorted[j - 1] < v; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = v;
	}
	return sorted[k - 1];
}

u64 stockade_quorum_commit(const u64 *match, unsigned int n_nodes,
			   u64 commit_index, u64 current_term,
			   u64 (*term_at)(const void *log, u64 index),
			   const void *log)
{
	u64 candidate;

	if (n_nodes == 0 || n_nodes > STOCKADE_MAX_NODES)
		return commit_index;
	candidate = kth_largest(match, n_nodes, stockade_majority(n_nodes));
	if (candidate <= commit_index)
		return commit_index;
	if (term_at(log, candidate) != current_term)
		return commit_index;
	return candidate;
}
