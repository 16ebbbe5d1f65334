/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The leader's commit rule: an index is committed once a majority of the
 * nodes hold it durably and it belongs to the leader's own term (entries
 * of older terms are committed only under one of the current term).
 */
#ifndef _STOCKADE_CORE_QUORUM_H
#define _STOCKADE_CORE_QUORUM_H

#include "compat.h"
#include "limits.h"

static inline unsigned int stockade_majority(unsigned int n_nodes)
{
	return n_nodes / 2 + 1;
}

/*
 * @match holds, for each of @n_nodes nodes (the leader's own durable last
 * index included), the highest index known durable there.  Returns the new
 * commit index, never lower than @commit_index; @commit_index itself when
 * @n_nodes is out of range.
 */
u64 stockade_quorum_commit(const u64 *match, unsigned int n_nodes,
			   u64 commit_index, u64 current_term,
			   u64 (*term_at)(const void *log, u64 index),
			   const void *log);

#endif /* _STOCKADE_CORE_QUORUM_H */
