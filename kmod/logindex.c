// SPDX-License-Identifier: GPL-2.0
/*
 * A ring of index entries.  Every batch takes at least one block of the
 * log, so a ring as long as the log in blocks never overflows.
 */
#include <linux/errno.h>
#include <linux/vmalloc.h>

#include "logindex.h"

int stockade_index_init(struct stockade_log_index *idx, u64 cap)
{
	idx->e = vmalloc_array(cap, sizeof(*idx->e));
	if (!idx->e)
		return -ENOMEM;
	idx->cap = cap;
	stockade_index_reset(idx, 1);
	return 0;
}

void stockade_index_free(struct stockade_log_index *idx)
{
	vfree(idx->e);
	idx->e = NULL;
}

void stockade_index_reset(struct stockade_log_index *idx, u64 next)
{
	idx->first = next;
	idx->count = 0;
}

int stockade_index_append(struct stockade_log_index *idx, u64 index,
			  const struct stockade_index_entry *entry)
{
	if (index != idx->first + idx->count || idx->count == idx->cap)
		return -EINVAL;
	idx->e[index % idx->cap] = *entry;
	idx->count++;
	return 0;
}

const struct stockade_index_entry *
stockade_index_get(const struct stockade_log_index *idx, u64 index)
{
	if (index < idx->first || index - idx->first >= idx->count)
		return NULL;
	return &idx->e[index % idx->cap];
}

void stockade_index_truncate(struct stockade_log_index *idx, u64 from)
{
	if (from < idx->first)
		from = idx->first;
	if (from - idx->first < idx->count)
		idx->count = from - idx->first;
}

void stockade_index_drop_before(struct stockade_log_index *idx, u64 index)
{
	u64 drop;

	if (index <= idx->first)
		return;
	drop = min(index - idx->first, idx->count);
	idx->first += drop;
	idx->count -= drop;
	if (!idx->count)
		idx->first = index;
}
