// SPDX-License-Identifier: GPL-2.0
/*
 * A device's application, performed (app.h).
 */
#include <inttypes.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "app.h"
#include "apprun.h"

#define MS		1000000ULL
/* Retries wait 1 s, then twice as long each time, at most a minute. */
#define BACKOFF_NS	(1000 * MS)
#define BACKOFF_MAX_NS	(60000 * MS)
/* Transitions in one go: a step that needs no process goes straight on. */
#define MAX_ACTS	16

static void machine_config(const struct stockade_config *c,
			   const struct stockade_device_config *d,
			   struct stockade_app_config *mc)
{
	*mc = (struct stockade_app_config) {
		.steps = agent_apprun_steps(&d->actions),
		.timeout_ns = d->actions.timeout_ms * MS,
		.retries = d->actions.retries,
		.backoff_ns = BACKOFF_NS,
		.backoff_max_ns = BACKOFF_MAX_NS,
		/* Past a lease without renewal the lease is lost, not late. */
		.grace_ns = c->lease_ms * MS,
		.hold_ns = d->actions.give_up_hold_ms * MS,
	};
}

void agent_app_init(struct agent_app *app, const struct stockade_config *c,
		    const struct stockade_device_config *d)
{
	struct stockade_app_config mc;

	memset(app, 0, sizeof(*app));
	app->cfg = d;
	app->index = d->minor;
	machine_config(c, d, &mc);
	app->configured = mc.steps != 0;
	stockade_app_init(&app->m, &mc);
	app->last_state = app->m.state;
}

void agent_app_reconfigure(struct agent_app *app,
			   const struct stockade_config *c)
{
	struct stockade_app_config mc;

	machine_config(c, app->cfg, &mc);
	app->configured = mc.steps != 0;
	stockade_app_configure(&app->m, &mc);
}

static void result_name(uint8_t outcome, const struct stockade_app_result *r,
			char *buf, size_t size)
{
	if (outcome == STOCKADE_APP_TIMED_OUT)
		snprintf(buf, size, "timeout");
	else if (outcome == STOCKADE_APP_ABORTED)
		snprintf(buf, size, "aborted");
	else if (r->exited)
		snprintf(buf, size, "exit:%d", r->code);
	else
		snprintf(buf, size, "signal:%d", r->signo);
}

static void report_failure(struct agent_app *app, struct agent_events *ev,
			   uint8_t step, enum stockade_app_outcome o,
			   const struct stockade_app_result *r)
{
	uint32_t left = stockade_app_retries_left(&app->m);
	char res[32], retries[16];

	result_name(o, r, res, sizeof(res));
	if (step >= STOCKADE_APP_START_STEPS || o == STOCKADE_APP_ABORTED)
		snprintf(retries, sizeof(retries), "none");
	else if (left == UINT32_MAX)
		snprintf(retries, sizeof(retries), "forever");
	else
		snprintf(retries, sizeof(retries), "%" PRIu32, left);
	fprintf(stderr, SD_WARNING "stockade%u: application: %s failed (%s)%s%s\n",
		app->index, stockade_app_step_name(step), res,
		o == STOCKADE_APP_ABORTED ? ": killed, this node no longer leads" :
		step >= STOCKADE_APP_START_STEPS ? ", going on with the stop" : "",
		step < STOCKADE_APP_START_STEPS && o != STOCKADE_APP_ABORTED ?
		(left ? ", will retry" : ", giving up") : "");
	agent_events_emit(ev, "stockade%u app-step-failed step=%s result=%s retries_left=%s",
			  app->index, stockade_app_step_name(step), res,
			  retries);
}

/* What the end of the step's process means, said. */
static void report(struct agent_app *app, struct agent_events *ev,
		   uint8_t step, enum stockade_app_outcome o,
		   const struct stockade_app_result *r)
{
	switch (o) {
	case STOCKADE_APP_OK:
		fprintf(stderr, SD_INFO "stockade%u: application: %s done\n",
			app->index, stockade_app_step_name(step));
		break;
	case STOCKADE_APP_OK_LAZY:
		fprintf(stderr, SD_WARNING "stockade%u: application: %s was still in use: unmounted lazily\n",
			app->index, app->cfg->actions.mount_point);
		agent_events_emit(ev, "stockade%u app-lazy-unmount mount_point=%s",
				  app->index, app->cfg->actions.mount_point);
		break;
	default:
		report_failure(app, ev, step, o, r);
		break;
	}
}

static void finish(struct agent_app *app, struct agent_events *ev,
		   const struct stockade_app_result *r, uint64_t now)
{
	uint8_t step = app->m.step;

	app->pid = 0;
	report(app, ev, step, stockade_app_done(&app->m, r, now), r);
}

static void run_step(struct agent_app *app, struct agent_events *ev,
		     const struct stockade_app_act *act, uint64_t now)
{
	static const struct stockade_app_result ok = { .exited = true },
		cannot = { .exited = true, .code = 127 };
	int r = agent_apprun_start(&app->cfg->actions, app->index, act->term,
				   act->step, &app->pid);

	if (r == 1) {
		fprintf(stderr, SD_INFO "stockade%u: application: %s: nothing to run\n",
			app->index, stockade_app_step_name(act->step));
		finish(app, ev, &ok, now);
		return;
	}
	if (r < 0) {
		fprintf(stderr, SD_ERR "stockade%u: application: cannot start %s: %s\n",
			app->index, stockade_app_step_name(act->step),
			strerror(-r));
		app->pid = 0;
		finish(app, ev, &cannot, now);
		return;
	}
	fprintf(stderr, SD_INFO "stockade%u: application: %s (pid %d, term %" PRIu64 ")\n",
		app->index, stockade_app_step_name(act->step), (int)app->pid,
		act->term);
	agent_events_emit(ev, "stockade%u app-step step=%s term=%" PRIu64,
			  app->index, stockade_app_step_name(act->step),
			  act->term);
}

static void kill_step(struct agent_app *app)
{
	fprintf(stderr, SD_WARNING "stockade%u: application: killing %s (pid %d): %s\n",
		app->index, stockade_app_step_name(app->m.step), (int)app->pid,
		app->m.kill_why == STOCKADE_APP_TIMED_OUT ?
		"it timed out" : "this node no longer leads");
	agent_apprun_kill(app->pid);
}

static void note_state(struct agent_app *app, struct agent_events *ev)
{
	const struct stockade_app *m = &app->m;

	if (m->state == app->last_state)
		return;
	app->last_state = m->state;
	if (m->state == STOCKADE_APP_GAVE_UP)
		fprintf(stderr, SD_WARNING "stockade%u: application: gave up after %" PRIu32 " failed attempts: this node stands aside from leadership for %" PRIu32 " ms\n",
			app->index, m->failures,
			app->cfg->actions.give_up_hold_ms);
	else
		fprintf(stderr, SD_INFO "stockade%u: application %s (term %" PRIu64 ")\n",
			app->index, stockade_app_state_name(m->state), m->term);
	agent_events_emit(ev, "stockade%u app state=%s term=%" PRIu64,
			  app->index, stockade_app_state_name(m->state),
			  m->term);
}

void agent_app_tick(struct agent_app *app, struct agent_events *ev,
		    uint32_t index, uint8_t lead, uint64_t term,
		    uint64_t now)
{
	struct stockade_app_act act;
	unsigned int i;

	if (!app->configured && stockade_app_idle(&app->m))
		return;
	app->index = index;
	for (i = 0; i < MAX_ACTS; i++) {
		stockade_app_update(&app->m, lead, term, now, &act);
		if (act.kind == STOCKADE_APP_ACT_NONE)
			break;
		note_state(app, ev);
		if (act.kind == STOCKADE_APP_ACT_KILL)
			kill_step(app);
		else
			run_step(app, ev, &act, now);
	}
	note_state(app, ev);
}

void agent_app_reap(struct agent_app *app, struct agent_events *ev,
		    uint8_t lead, uint64_t term, uint64_t now)
{
	struct stockade_app_result r = { .exited = true, .code = 127 };
	int got;

	if (!app->pid)
		return;
	got = agent_apprun_reap(app->pid, &r);
	if (!got)
		return;
	if (got < 0)	/* not ours any more: nothing else can be done */
		fprintf(stderr, SD_ERR "stockade%u: application: pid %d: %s\n",
			app->index, (int)app->pid, strerror(-got));
	finish(app, ev, &r, now);
	agent_app_tick(app, ev, app->index, lead, term, now);
}

bool agent_app_eligible(const struct agent_app *app)
{
	return stockade_app_eligible(&app->m);
}

bool agent_app_idle(const struct agent_app *app)
{
	return stockade_app_idle(&app->m);
}

void agent_app_promoted(struct agent_app *app)
{
	stockade_app_promoted(&app->m);
}

static uint64_t left_ms(uint64_t until, uint64_t now)
{
	return until > now ? (until - now) / MS : 0;
}

static void status_json(const struct agent_app *app, uint64_t now, FILE *out)
{
	const struct stockade_app *m = &app->m;
	uint32_t left = stockade_app_retries_left(m);
	char res[32];

	result_name(m->fail_outcome, &m->fail, res, sizeof(res));
	fprintf(out, "{\"state\":\"%s\",\"step\":\"%s\",\"term\":%" PRIu64
		",\"failures\":%" PRIu32 ",\"retries_left\":%" PRId64
		",\"retry_in_ms\":%" PRIu64 ",\"hold_left_ms\":%" PRIu64
		",\"stop_errors\":%" PRIu32 ",\"last_failure\":",
		stockade_app_state_name(m->state),
		m->state == STOCKADE_APP_STARTING ||
		m->state == STOCKADE_APP_STOPPING ||
		m->state == STOCKADE_APP_FAILED ?
		stockade_app_step_name(m->step) : "none",
		m->term, m->failures,
		left == UINT32_MAX ? (int64_t)-1 : (int64_t)left,
		m->state == STOCKADE_APP_FAILED ? left_ms(m->retry_at, now) : 0,
		m->state == STOCKADE_APP_GAVE_UP ? left_ms(m->hold_until, now) : 0,
		m->stop_errors);
	if (m->fail_outcome)
		fprintf(out, "\"%s %s\"}", stockade_app_step_name(m->fail_step),
			res);
	else
		fputs("null}", out);
}

static void status_text(const struct agent_app *app, uint64_t now, FILE *out)
{
	const struct stockade_app *m = &app->m;
	uint32_t left = stockade_app_retries_left(m);
	char res[32];

	fprintf(out, "  application: %s", stockade_app_state_name(m->state));
	if (m->state == STOCKADE_APP_STARTING ||
	    m->state == STOCKADE_APP_STOPPING)
		fprintf(out, " (%s)", stockade_app_step_name(m->step));
	if (m->state != STOCKADE_APP_STOPPED)
		fprintf(out, ", term %" PRIu64, m->term);
	if (m->fail_outcome) {
		result_name(m->fail_outcome, &m->fail, res, sizeof(res));
		fprintf(out, "; last failure: %s %s",
			stockade_app_step_name(m->fail_step), res);
	}
	if (m->state == STOCKADE_APP_FAILED) {
		if (left == UINT32_MAX)
			fprintf(out, "; retrying forever");
		else
			fprintf(out, "; %" PRIu32 " retries left", left);
		fprintf(out, ", next in %" PRIu64 " ms",
			left_ms(m->retry_at, now));
	}
	if (m->state == STOCKADE_APP_GAVE_UP)
		fprintf(out, "; stands aside from leadership for %" PRIu64 " ms more",
			left_ms(m->hold_until, now));
	if (m->stop_errors)
		fprintf(out, "; %" PRIu32 " stop steps failed", m->stop_errors);
	fputc('\n', out);
}

void agent_app_status(const struct agent_app *app, uint64_t now, bool json,
		      FILE *out)
{
	if (!app->configured && stockade_app_idle(&app->m))
		fputs(json ? "null" : "  application: none configured\n", out);
	else if (json)
		status_json(app, now, out);
	else
		status_text(app, now, out);
}
