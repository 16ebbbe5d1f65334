// SPDX-License-Identifier: GPL-2.0
/*
 * The application state machine (appstate.h).
 */
#include <string.h>

#include "appstate.h"

#define BIT(s)	(1u << (s))

void stockade_app_init(struct stockade_app *a,
		       const struct stockade_app_config *c)
{
	memset(a, 0, sizeof(*a));
	a->cfg = *c;
	a->state = STOCKADE_APP_STOPPED;
}

void stockade_app_configure(struct stockade_app *a,
			    const struct stockade_app_config *c)
{
	a->cfg = *c;
}

/* The first configured start step from @from on, or STOCKADE_APP_STEPS. */
static uint8_t next_start_step(const struct stockade_app *a, unsigned int from)
{
	unsigned int s;

	for (s = from; s < STOCKADE_APP_START_STEPS; s++)
		if (a->cfg.steps & BIT(s))
			return (uint8_t)s;
	return STOCKADE_APP_STEPS;
}

static void run(struct stockade_app *a, uint8_t step, uint64_t now,
		struct stockade_app_act *act)
{
	a->step = step;
	a->child = true;
	a->kill_why = 0;
	a->deadline = now + a->cfg.timeout_ns;
	if (step < STOCKADE_APP_START_STEPS)
		a->begun |= BIT(step);
	*act = (struct stockade_app_act) {
		.kind = STOCKADE_APP_ACT_RUN, .step = step, .term = a->term,
	};
}

static void finish_stop(struct stockade_app *a, uint64_t now)
{
	a->step = STOCKADE_APP_STEPS;
	if (a->giving_up) {
		a->state = STOCKADE_APP_GAVE_UP;
		a->hold_until = now + a->cfg.hold_ns;
	} else {
		a->state = STOCKADE_APP_STOPPED;
	}
	a->giving_up = false;
}

/* An fsck has nothing to undo; the rest is undone from the last on. */
static void begin_stop(struct stockade_app *a)
{
	a->state = STOCKADE_APP_STOPPING;
	a->begun &= ~BIT(STOCKADE_APP_FSCK);
	a->step = STOCKADE_APP_STEPS;
}

/* The next undo step, latest start step first. */
static void stop_next(struct stockade_app *a, uint64_t now,
		      struct stockade_app_act *act)
{
	int s;

	for (s = STOCKADE_APP_START; s > STOCKADE_APP_FSCK; s--) {
		if (a->begun & BIT(s)) {
			a->begun &= ~BIT(s);
			run(a, (uint8_t)STOCKADE_APP_UNDO(s), now, act);
			return;
		}
	}
	finish_stop(a, now);
}

/*
 * Whether the application must come down: this node no longer leads the
 * term it runs for, or it has been fenced for longer than a lease (a
 * lease lost for good; a late renewal within it is forgiven).
 */
static bool lost(struct stockade_app *a, uint8_t lead, uint64_t term,
		 uint64_t now)
{
	if (lead != STOCKADE_APP_LEADING_FENCED)
		a->fenced_since = 0;
	else if (!a->fenced_since)
		a->fenced_since = now;
	if (lead == STOCKADE_APP_NOT_LEADING || term != a->term)
		return true;
	return a->fenced_since && now - a->fenced_since >= a->cfg.grace_ns;
}

/* With a step's process alive: kill it on timeout, or when it is moot. */
static void watch_child(struct stockade_app *a, bool gone, uint64_t now,
			struct stockade_app_act *act)
{
	if (a->kill_why)
		return;
	if (gone && a->step < STOCKADE_APP_START_STEPS)
		a->kill_why = STOCKADE_APP_ABORTED;
	else if (now >= a->deadline)
		a->kill_why = STOCKADE_APP_TIMED_OUT;
	else
		return;
	*act = (struct stockade_app_act) {
		.kind = STOCKADE_APP_ACT_KILL, .step = a->step, .term = a->term,
	};
}

static void start(struct stockade_app *a, uint64_t term, uint64_t now,
		  struct stockade_app_act *act)
{
	uint8_t first = next_start_step(a, 0);

	a->term = term;
	a->begun = 0;
	a->failures = 0;
	a->fenced_since = 0;
	if (first == STOCKADE_APP_STEPS) {
		a->state = STOCKADE_APP_RUNNING;
		return;
	}
	a->state = STOCKADE_APP_STARTING;
	run(a, first, now, act);
}

void stockade_app_update(struct stockade_app *a, uint8_t lead, uint64_t term,
			 uint64_t now, struct stockade_app_act *act)
{
	bool gone = lost(a, lead, term, now);

	*act = (struct stockade_app_act) { .kind = STOCKADE_APP_ACT_NONE };
	if (a->child) {
		watch_child(a, gone && a->state == STOCKADE_APP_STARTING, now,
			    act);
		return;
	}
	switch (a->state) {
	case STOCKADE_APP_GAVE_UP:
		if (now < a->hold_until)
			return;
		a->state = STOCKADE_APP_STOPPED;
		/* fall through */
	case STOCKADE_APP_STOPPED:
		if (lead == STOCKADE_APP_SERVING)
			start(a, term, now, act);
		return;
	case STOCKADE_APP_STARTING:
	case STOCKADE_APP_RUNNING:
	case STOCKADE_APP_FAILED:
		if (gone) {
			begin_stop(a);
			stop_next(a, now, act);
		} else if (lead == STOCKADE_APP_SERVING &&
			   (a->state == STOCKADE_APP_STARTING ||
			    (a->state == STOCKADE_APP_FAILED &&
			     now >= a->retry_at))) {
			a->state = STOCKADE_APP_STARTING;
			run(a, a->step, now, act);
		}
		return;
	case STOCKADE_APP_STOPPING:
		stop_next(a, now, act);
		/* Stopped while leading again (a new term): start over. */
		if (act->kind == STOCKADE_APP_ACT_NONE &&
		    a->state == STOCKADE_APP_STOPPED &&
		    lead == STOCKADE_APP_SERVING)
			start(a, term, now, act);
		return;
	}
}

static bool result_ok(uint8_t step, const struct stockade_app_result *r)
{
	if (!r->exited)
		return false;
	if (r->code == 0)
		return true;
	/* fsck -p: 1 means errors were corrected. */
	if (step == STOCKADE_APP_FSCK)
		return r->code == 1;
	return step == STOCKADE_APP_UMOUNT && r->code == STOCKADE_APP_LAZY_EXIT;
}

static uint64_t backoff(const struct stockade_app *a)
{
	uint64_t d = a->cfg.backoff_ns;
	uint32_t i;

	for (i = 1; i < a->failures && d < a->cfg.backoff_max_ns; i++)
		d *= 2;
	return d < a->cfg.backoff_max_ns ? d : a->cfg.backoff_max_ns;
}

static void start_failed(struct stockade_app *a, uint64_t now)
{
	a->failures++;
	if (a->cfg.retries && a->failures >= a->cfg.retries) {
		a->giving_up = true;
		begin_stop(a);
		return;
	}
	a->state = STOCKADE_APP_FAILED;
	a->retry_at = now + backoff(a);
}

enum stockade_app_outcome stockade_app_done(struct stockade_app *a,
					    const struct stockade_app_result *r,
					    uint64_t now)
{
	enum stockade_app_outcome o;

	if (!a->child)
		return STOCKADE_APP_OK;
	a->child = false;
	if (a->kill_why)
		o = a->kill_why;
	else if (!result_ok(a->step, r))
		o = STOCKADE_APP_FAILED_STEP;
	else if (a->step == STOCKADE_APP_UMOUNT && r->exited && r->code)
		o = STOCKADE_APP_OK_LAZY;
	else
		o = STOCKADE_APP_OK;
	a->kill_why = 0;
	if (o == STOCKADE_APP_FAILED_STEP || o == STOCKADE_APP_TIMED_OUT) {
		a->fail_step = a->step;
		a->fail_outcome = (uint8_t)o;
		a->fail = *r;
	}
	if (a->state == STOCKADE_APP_STOPPING) {
		if (o != STOCKADE_APP_OK && o != STOCKADE_APP_OK_LAZY)
			a->stop_errors++;
		return o;	/* the next undo step runs regardless */
	}
	if (o == STOCKADE_APP_ABORTED) {
		begin_stop(a);
	} else if (o != STOCKADE_APP_OK) {
		start_failed(a, now);
	} else {
		a->step = next_start_step(a, a->step + 1u);
		if (a->step == STOCKADE_APP_STEPS) {
			a->state = STOCKADE_APP_RUNNING;
			a->failures = 0;
		}
	}
	return o;
}

bool stockade_app_eligible(const struct stockade_app *a)
{
	return a->state != STOCKADE_APP_GAVE_UP;
}

bool stockade_app_idle(const struct stockade_app *a)
{
	return !a->child && (a->state == STOCKADE_APP_STOPPED ||
			     a->state == STOCKADE_APP_GAVE_UP);
}

void stockade_app_promoted(struct stockade_app *a)
{
	if (a->state == STOCKADE_APP_GAVE_UP)
		a->state = STOCKADE_APP_STOPPED;
}

uint32_t stockade_app_retries_left(const struct stockade_app *a)
{
	if (!a->cfg.retries)
		return UINT32_MAX;
	return a->failures < a->cfg.retries ? a->cfg.retries - a->failures : 0;
}

const char *stockade_app_state_name(uint8_t state)
{
	static const char *const names[] = {
		"stopped", "starting", "running", "failed", "stopping",
		"gave-up",
	};

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

const char *stockade_app_step_name(uint8_t step)
{
	static const char *const names[] = {
		"fsck", "mount", "units", "start", "stop", "units-stop",
		"umount",
	};

	return step < sizeof(names) / sizeof(names[0]) ? names[step] : "none";
}
