/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One device's application (appstate.h), performed: its steps run as
 * child processes (apprun.h), what happens is logged and becomes agent
 * events, and stockadectl status shows where it stands.  Nothing here
 * waits for a child: the loop calls agent_app_tick() every tick and
 * agent_app_reap() on SIGCHLD.
 */
#ifndef STOCKADE_AGENT_APP_H
#define STOCKADE_AGENT_APP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "appstate.h"
#include "config.h"
#include "events.h"

struct agent_app {
	struct stockade_app m;
	const struct stockade_device_config *cfg;
	uint32_t index;			/* /dev/stockadeN */
	bool configured;		/* some action is configured */
	pid_t pid;			/* the running step's; 0: none */
	uint8_t last_state;		/* for the log and the events */
};

/* @d must outlive @app: a reload changes its actions in place. */
void agent_app_init(struct agent_app *app, const struct stockade_config *c,
		    const struct stockade_device_config *d);
/* The device's actions changed (a reload); only when agent_app_idle(). */
void agent_app_reconfigure(struct agent_app *app,
			   const struct stockade_config *c);

/* Where this node stands with the device: run, kill, report. */
void agent_app_tick(struct agent_app *app, struct agent_events *ev,
		    uint32_t index, uint8_t lead, uint64_t term,
		    uint64_t now);
/* Reap the step's process if it ended, and go on. */
void agent_app_reap(struct agent_app *app, struct agent_events *ev,
		    uint8_t lead, uint64_t term, uint64_t now);

bool agent_app_eligible(const struct agent_app *app);
bool agent_app_idle(const struct agent_app *app);
void agent_app_promoted(struct agent_app *app);

/* The state, for status: a text line, or a JSON value. */
void agent_app_status(const struct agent_app *app, uint64_t now, bool json,
		      FILE *out);

#endif /* STOCKADE_AGENT_APP_H */
