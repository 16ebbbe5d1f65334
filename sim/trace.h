/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a run did: a hash over every event (two runs of one seed must give
 * the same), and, when tracing, the events as text: all of them printed
 * as they happen, or the last ones kept for a failure report.
 */
#ifndef _STOCKADE_SIM_TRACE_H
#define _STOCKADE_SIM_TRACE_H

#include <stdint.h>
#include <stdio.h>

#define SIM_TRACE_KEEP	400
#define SIM_TRACE_LINE	200

struct sim_trace {
	uint64_t hash;
	int mode;		/* enum sim_trace_mode */
	char ring[SIM_TRACE_KEEP][SIM_TRACE_LINE];
	uint32_t next, count;
};

enum sim_trace_mode {
	SIM_TRACE_OFF,
	SIM_TRACE_PRINT,	/* every line to stdout */
	SIM_TRACE_KEEP_LAST,	/* the last SIM_TRACE_KEEP lines */
};

void sim_trace_reset(struct sim_trace *t, int mode);
void sim_trace_mix(struct sim_trace *t, uint64_t v);

/* A line, if tracing; the time is true ns. */
void sim_trace_line(struct sim_trace *t, uint64_t now, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The kept lines, oldest first. */
void sim_trace_dump(const struct sim_trace *t, FILE *f);

#endif /* _STOCKADE_SIM_TRACE_H */
