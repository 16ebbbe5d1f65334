// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>

#include "disk.h"
#include "../core/logentry.h"

bool sim_disk_init(struct sim_disk *d, u32 cap)
{
	memset(d, 0, sizeof(*d));
	d->slot = calloc(cap, sizeof(*d->slot));
	d->cap = cap;
	return d->slot != NULL;
}

void sim_disk_free(struct sim_disk *d)
{
	free(d->slot);
	d->slot = NULL;
}

void sim_disk_format(struct sim_disk *d)
{
	struct sim_slot *slot = d->slot;
	u32 cap = d->cap, err = d->read_err_ppm;

	memset(slot, 0, (size_t)(d->hw + 1) * sizeof(*slot));
	memset(d, 0, sizeof(*d));
	d->slot = slot;
	d->cap = cap;
	d->read_err_ppm = err;
}

void sim_disk_store_super(struct sim_disk *d, u64 term, u32 voted_for,
			  u32 epoch)
{
	d->term = term;
	d->voted_for = voted_for;
	d->epoch = epoch;
}

bool sim_disk_submit(struct sim_disk *d, u64 first,
		     const struct stockade_log_entry *e, u32 n)
{
	u32 i;

	if (d->busy || n == 0 || n > SIM_DISK_MAX_WRITE || first == 0 ||
	    first + n > d->cap)
		return false;
	for (i = 0; i < n; i++) {
		d->staged[i].e = e[i];
		d->staged[i].epoch = d->epoch;
	}
	d->first = first;
	d->n = n;
	d->busy = true;
	if (first + n - 1 > d->hw)
		d->hw = first + n - 1;
	return true;
}

void sim_disk_complete(struct sim_disk *d)
{
	memcpy(&d->slot[d->first], d->staged, d->n * sizeof(d->staged[0]));
	d->busy = false;
}

/* Half of the new entry over the old one: a sector boundary mid-entry. */
static void tear(struct sim_slot *dst, const struct sim_slot *src,
		 struct sim_rng *r)
{
	size_t cut = 1 + sim_rng_below(r, sizeof(dst->e) - 1);

	memcpy(&dst->e, &src->e, cut);
	dst->epoch = src->epoch;
}

/*
 * A device makes the blocks of one write durable in any order: either a
 * prefix of the entries lands and the next may be torn, or each entry
 * lands, is lost or is torn on its own, so that later entries can be on
 * disk after one that is not.
 */
void sim_disk_crash(struct sim_disk *d, struct sim_rng *r)
{
	u32 i, k;

	if (!d->busy)
		return;
	d->busy = false;
	if (d->n > 1 && sim_rng_below(r, 2)) {
		for (i = 0; i < d->n; i++) {
			switch (sim_rng_below(r, 3)) {
			case 0:
				d->slot[d->first + i] = d->staged[i];
				break;
			case 1:
				tear(&d->slot[d->first + i], &d->staged[i], r);
				d->torn++;
				break;
			default:
				d->lost++;
			}
		}
		return;
	}
	k = (u32)sim_rng_below(r, d->n + 1);
	memcpy(&d->slot[d->first], d->staged, k * sizeof(d->staged[0]));
	if (k < d->n && sim_rng_below(r, 2)) {
		tear(&d->slot[d->first + k], &d->staged[k], r);
		d->torn++;
	} else if (k < d->n) {
		d->lost++;
	}
}

bool sim_disk_read_fails(struct sim_disk *d, struct sim_rng *r)
{
	if (!d->read_err_ppm || !sim_rng_ppm(r, d->read_err_ppm))
		return false;
	d->read_errors++;
	return true;
}

const struct stockade_log_entry *sim_disk_durable(const struct sim_disk *d,
						  u64 index)
{
	const struct sim_slot *s;

	if (index == 0 || index >= d->cap)
		return NULL;
	s = &d->slot[index];
	if (le64_to_cpu(s->e.index) != index || !stockade_entry_intact(&s->e, NULL))
		return NULL;
	return &s->e;
}

u64 sim_disk_recover(const struct sim_disk *d, struct stockade_log_entry *log)
{
	u64 i, term = 0;
	u32 epoch = 0;

	for (i = 1; i < d->cap; i++) {
		const struct sim_slot *s = &d->slot[i];

		if (!stockade_entry_header_valid(&s->e, 0) ||
		    !stockade_entry_intact(&s->e, NULL) ||
		    le64_to_cpu(s->e.index) != i ||
		    le64_to_cpu(s->e.term) < term ||
		    s->epoch < epoch || s->epoch > d->epoch)
			break;
		term = le64_to_cpu(s->e.term);
		epoch = s->epoch;
		log[i] = s->e;
	}
	return i - 1;
}
