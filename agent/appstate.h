/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A device's application on the node that leads it: what to run next,
 * decided from whether the device serves, how the steps went, and the
 * time.  Plain deterministic C, like core/election.c: time and results
 * come in, "run this step" or "kill it" goes out.  agent/app.c performs
 * it with agent/apprun.c.
 *
 * Starting runs the configured steps in order (fsck, mount, the systemd
 * units, the start command), each once the device serves I/O.  Stopping
 * undoes, in reverse, every step that was begun (a failed or killed step
 * may have done part of its work): the stop command, the units, the
 * unmount.  A failed start step is retried with exponential backoff;
 * after cfg.retries failures the machine stops what it started and gives
 * up: the node stands aside from leadership for cfg.hold_ns.
 */
#ifndef STOCKADE_AGENT_APPSTATE_H
#define STOCKADE_AGENT_APPSTATE_H

#include <stdbool.h>
#include <stdint.h>

/* Start steps 0..3; the undo of start step s (MOUNT..START) is 7 - s. */
enum stockade_app_step {
	STOCKADE_APP_FSCK,
	STOCKADE_APP_MOUNT,
	STOCKADE_APP_UNITS,
	STOCKADE_APP_START,
	STOCKADE_APP_STOP,
	STOCKADE_APP_UNITS_STOP,
	STOCKADE_APP_UMOUNT,
	STOCKADE_APP_STEPS
};

#define STOCKADE_APP_START_STEPS	4
#define STOCKADE_APP_UNDO(s)		(7 - (s))
/* The unmount step exits with this when only a lazy unmount worked. */
#define STOCKADE_APP_LAZY_EXIT		10

enum stockade_app_state {
	STOCKADE_APP_STOPPED,
	STOCKADE_APP_STARTING,
	STOCKADE_APP_RUNNING,
	STOCKADE_APP_FAILED,		/* a start step failed; retry later */
	STOCKADE_APP_STOPPING,
	STOCKADE_APP_GAVE_UP,		/* standing aside until hold_until */
};

/* Where this node stands with the device. */
enum stockade_app_lead {
	STOCKADE_APP_NOT_LEADING,
	STOCKADE_APP_LEADING_FENCED,	/* leader, but no I/O: clock wait, lease */
	STOCKADE_APP_SERVING,
};

struct stockade_app_config {
	unsigned int steps;		/* bit per configured start step */
	uint64_t timeout_ns;		/* per step */
	uint32_t retries;		/* failed attempts before giving up; 0: never */
	uint64_t backoff_ns;		/* after the first failure, doubling */
	uint64_t backoff_max_ns;
	/* A leader fenced this long has lost its lease: stop. */
	uint64_t grace_ns;
	uint64_t hold_ns;		/* how long a node that gave up stands aside */
};

/* How a step's process ended. */
struct stockade_app_result {
	bool exited;			/* else killed by signo */
	int code;			/* exit status */
	int signo;
};

enum stockade_app_act_kind {
	STOCKADE_APP_ACT_NONE,
	STOCKADE_APP_ACT_RUN,		/* start step's process, by deadline */
	STOCKADE_APP_ACT_KILL,		/* kill the running step */
};

struct stockade_app_act {
	uint8_t kind;
	uint8_t step;
	uint64_t term;
};

/* What stockade_app_done() made of a result. */
enum stockade_app_outcome {
	STOCKADE_APP_OK,
	STOCKADE_APP_OK_LAZY,		/* unmounted, but only lazily */
	STOCKADE_APP_FAILED_STEP,	/* exit status or signal */
	STOCKADE_APP_TIMED_OUT,
	STOCKADE_APP_ABORTED,		/* killed: leadership was lost */
};

struct stockade_app {
	struct stockade_app_config cfg;
	uint8_t state;
	uint8_t step;			/* running, or the next to run */
	bool child;			/* a step's process is alive */
	uint8_t kill_why;		/* 0, or the outcome a kill will mean */
	uint64_t deadline;		/* of the running step */
	unsigned int begun;		/* start steps begun and not undone */
	uint32_t failures;		/* failed start attempts in this run */
	uint64_t retry_at;
	uint64_t fenced_since;		/* 0: not fenced */
	uint64_t term;			/* the term the application runs for */
	bool giving_up;			/* the stop under way ends in GAVE_UP */
	uint64_t hold_until;
	/* The last failure, for the status. */
	uint8_t fail_step;
	uint8_t fail_outcome;		/* 0: none yet */
	struct stockade_app_result fail;
	uint32_t stop_errors;		/* stop steps that failed, all runs */
};

void stockade_app_init(struct stockade_app *a,
		       const struct stockade_app_config *c);
/* New steps or limits (a reload); only when stockade_app_idle(). */
void stockade_app_configure(struct stockade_app *a,
			    const struct stockade_app_config *c);

/*
 * Each tick, and after each stockade_app_done(): the next action given
 * where this node stands with the device in @term.  At most one action;
 * call again after performing one.
 */
void stockade_app_update(struct stockade_app *a, uint8_t lead, uint64_t term,
			 uint64_t now, struct stockade_app_act *act);

/* The running step's process ended. */
enum stockade_app_outcome stockade_app_done(struct stockade_app *a,
					    const struct stockade_app_result *r,
					    uint64_t now);

/* False while the node stands aside after giving up. */
bool stockade_app_eligible(const struct stockade_app *a);
/* Nothing runs and nothing needs undoing: STOPPED or GAVE_UP. */
bool stockade_app_idle(const struct stockade_app *a);
/* The operator promoted the node: a give-up is over. */
void stockade_app_promoted(struct stockade_app *a);
/* Failed attempts left before giving up; UINT32_MAX: forever. */
uint32_t stockade_app_retries_left(const struct stockade_app *a);

const char *stockade_app_state_name(uint8_t state);
const char *stockade_app_step_name(uint8_t step);

#endif /* STOCKADE_AGENT_APPSTATE_H */
