// SPDX-License-Identifier: GPL-2.0
#include "node.h"

int sim_peer_slot(u32 self, u32 id, u32 n_nodes)
{
	if (id == 0 || id > n_nodes || id == self)
		return -1;
	return (int)(id < self ? id - 1 : id - 2);
}

u32 sim_slot_peer(u32 self, u32 slot)
{
	return slot + 1 < self ? slot + 1 : slot + 2;
}

u64 sim_entry_value(const struct stockade_log_entry *e)
{
	if (le32_to_cpu(e->flags) & STOCKADE_ENTRY_FLUSH)
		return 0;
	return le64_to_cpu(e->sector) / 8;
}

u64 sim_term_at(const void *mod, u64 index)
{
	const struct sim_mod *m = mod;

	if (index == 0 || index > m->last_index)
		return 0;
	return le64_to_cpu(m->log[index].term);
}
