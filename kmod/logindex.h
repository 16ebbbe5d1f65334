/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where each entry still in the log lies: index -> (lsn of its batch, end
 * of the batch before it, term).  One entry per batch, so the lsn finds
 * the entry and prev_end is where the log ends if it is truncated there.
 */
#ifndef _STOCKADE_KMOD_LOGINDEX_H
#define _STOCKADE_KMOD_LOGINDEX_H

#include <linux/types.h>

struct stockade_index_entry {
	u64 lsn;
	u64 prev_end;
	u64 term;
	u32 blocks;
};

struct stockade_log_index {
	u64 first;		/* the oldest index held */
	u64 count;
	u64 cap;
	struct stockade_index_entry *e;
};

int stockade_index_init(struct stockade_log_index *idx, u64 cap);
void stockade_index_free(struct stockade_log_index *idx);
/* Empty; the next entry appended must be @next. */
void stockade_index_reset(struct stockade_log_index *idx, u64 next);
int stockade_index_append(struct stockade_log_index *idx, u64 index,
			  const struct stockade_index_entry *entry);
const struct stockade_index_entry *
stockade_index_get(const struct stockade_log_index *idx, u64 index);
/* Forget @from and everything after it. */
void stockade_index_truncate(struct stockade_log_index *idx, u64 from);
/* Forget everything before @index (a checkpoint). */
void stockade_index_drop_before(struct stockade_log_index *idx, u64 index);

#endif /* _STOCKADE_KMOD_LOGINDEX_H */
