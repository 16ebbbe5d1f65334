// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <string.h>

#include "trace.h"

#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

void sim_trace_reset(struct sim_trace *t, int mode)
{
	t->hash = FNV_OFFSET;
	t->mode = mode;
	t->next = 0;
	t->count = 0;
}

void sim_trace_mix(struct sim_trace *t, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++) {
		t->hash ^= (v >> (8 * i)) & 0xff;
		t->hash *= FNV_PRIME;
	}
}

void sim_trace_line(struct sim_trace *t, uint64_t now, const char *fmt, ...)
{
	char *line;
	va_list ap;
	int n;

	if (t->mode == SIM_TRACE_OFF)
		return;
	line = t->ring[t->next];
	n = snprintf(line, SIM_TRACE_LINE, "%llu.%06llu ",
		     (unsigned long long)(now / 1000000000ULL),
		     (unsigned long long)(now / 1000 % 1000000));
	va_start(ap, fmt);
	vsnprintf(line + n, SIM_TRACE_LINE - n, fmt, ap);
	va_end(ap);
	if (t->mode == SIM_TRACE_PRINT) {
		puts(line);
		return;
	}
	t->next = (t->next + 1) % SIM_TRACE_KEEP;
	if (t->count < SIM_TRACE_KEEP)
		t->count++;
}

void sim_trace_dump(const struct sim_trace *t, FILE *f)
{
	uint32_t i, at = (t->next + SIM_TRACE_KEEP - t->count) % SIM_TRACE_KEEP;

	for (i = 0; i < t->count; i++)
		fprintf(f, "%s\n", t->ring[(at + i) % SIM_TRACE_KEEP]);
}
