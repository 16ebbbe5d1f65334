// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD for agent_clock_step.sh: CLOCK_REALTIME as the program sees
 * it, stepped by the number of nanoseconds in the file $FAKECLOCK_FILE
 * (read at every call, so a test steps the clock by writing the file).
 * Nothing else changes: the monotonic clock, and the real wall clock of
 * the machine, which tests share and must never step.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long step_ns(void)
{
	const char *path = getenv("FAKECLOCK_FILE");
	long long step = 0;
	FILE *f;

	if (!path)
		return 0;
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%lld", &step) != 1)
		step = 0;
	fclose(f);
	return step;
}

int clock_gettime(clockid_t clock, struct timespec *ts)
{
	static int (*next)(clockid_t, struct timespec *);
	long long ns;
	int r;

	if (!next)
		*(void **)&next = dlsym(RTLD_NEXT, "clock_gettime");
	if (!next)
		return -1;
	r = next(clock, ts);
	if (r || clock != CLOCK_REALTIME)
		return r;
	ns = ts->tv_sec * 1000000000LL + ts->tv_nsec + step_ns();
	ts->tv_sec = ns / 1000000000LL;
	ts->tv_nsec = ns % 1000000000LL;
	return 0;
}
