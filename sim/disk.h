/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One node's disk: a superblock (term, vote, log epoch) and a log of
 * sealed entries (core/logentry.c), one slot per index.  What is durable
 * survives a crash; a log write in flight (FUA, one at a time) does not,
 * or only partly: a prefix of its entries lands, and the next one may be
 * torn, which the entry checksum catches at recovery.  Truncation is the
 * module's: it raises the epoch in the superblock and overwrites later,
 * so a crash before the overwrite leaves the old tail on disk, where the
 * epoch tells it apart (as the batch epochs do in the real log).  Reads
 * can fail.  The superblock write is synchronous and atomic.
 */
#ifndef _STOCKADE_SIM_DISK_H
#define _STOCKADE_SIM_DISK_H

#include "../core/compat.h"
#include <stockade/disk_format.h>

#include "rng.h"

/* Most entries one log write carries (group commit or one APPEND). */
#define SIM_DISK_MAX_WRITE	32

struct sim_slot {
	struct stockade_log_entry e;
	u32 epoch;		/* the log epoch it was written in */
};

struct sim_disk {
	/* durable */
	u64 term;
	u32 voted_for;
	u32 epoch;
	struct sim_slot *slot;	/* [1, cap) */
	u32 cap;
	u64 hw;			/* no slot above was ever written */
	/* the log write in flight */
	bool busy;
	u64 first;
	u32 n;
	struct sim_slot staged[SIM_DISK_MAX_WRITE];
	u32 read_err_ppm;
	/* faults injected */
	u64 torn, lost, read_errors;
};

/* A blank disk of @cap - 1 log slots; false if out of memory. */
bool sim_disk_init(struct sim_disk *d, u32 cap);
void sim_disk_free(struct sim_disk *d);
/* Blank again, as created. */
void sim_disk_format(struct sim_disk *d);

void sim_disk_store_super(struct sim_disk *d, u64 term, u32 voted_for,
			  u32 epoch);

/* Start writing @n entries at @first (FUA); false if busy or too many. */
bool sim_disk_submit(struct sim_disk *d, u64 first,
		     const struct stockade_log_entry *e, u32 n);
/* The write in flight is durable. */
void sim_disk_complete(struct sim_disk *d);

/* Power cut: the write in flight is lost, partly written or torn. */
void sim_disk_crash(struct sim_disk *d, struct sim_rng *r);

/* Whether the next read fails (counts it). */
bool sim_disk_read_fails(struct sim_disk *d, struct sim_rng *r);

/* The durable entry at @index, or NULL if that slot holds none. */
const struct stockade_log_entry *sim_disk_durable(const struct sim_disk *d,
						  u64 index);

/*
 * Recovery: the valid log from index 1, into @log (cap entries); returns
 * its last index.  An entry is valid if its header is sane, its checksum
 * matches, its index is its slot's, its term and epoch do not go back,
 * and its epoch is not above the superblock's.
 */
u64 sim_disk_recover(const struct sim_disk *d, struct stockade_log_entry *log);

#endif /* _STOCKADE_SIM_DISK_H */
