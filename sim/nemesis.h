/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The faults: crashes (power cuts, with what the disk does then) and
 * restarts, partitions and their heal, clock rate steps, agent pauses,
 * and the operator's transfer and promote.  Clock faults stay within the
 * drift bound unless the run asks to go beyond it.
 */
#ifndef _STOCKADE_SIM_NEMESIS_H
#define _STOCKADE_SIM_NEMESIS_H

#include "world.h"

/* Pick one fault at random and inject it; schedules the next. */
void sim_nemesis_fault(struct sim_world *w);

/* Start @nd (again): recover, then start the agent; false on a read error. */
bool sim_nemesis_start(struct sim_world *w, struct sim_node *nd);

/* A scheduled restart of a crashed node (retried after a read error). */
void sim_nemesis_restart(struct sim_world *w, struct sim_node *nd);

/* Every link up again. */
void sim_nemesis_heal(struct sim_world *w);

/* The end of the faults: heal, restart and resume everything, calm. */
void sim_nemesis_calm(struct sim_world *w);

#endif /* _STOCKADE_SIM_NEMESIS_H */
