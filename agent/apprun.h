/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The processes of a device's application steps (appstate.h): each step
 * is one child process in its own process group, started here and never
 * waited for.  The agent's loop reaps it (agent_apprun_reap, on SIGCHLD
 * and every tick) and kills its whole group when the state machine says
 * so.
 *
 * A step's process gets STOCKADE_DEVICE=N and STOCKADE_TERM=T in its
 * environment, /dev/null as its input and the agent's standard error
 * (the journal) as its output.
 */
#ifndef STOCKADE_AGENT_APPRUN_H
#define STOCKADE_AGENT_APPRUN_H

#include <stdint.h>
#include <sys/types.h>

#include "appstate.h"
#include "config.h"

/* The start steps that @act configures, as appstate's step bits. */
unsigned int agent_apprun_steps(const struct stockade_actions *act);

/*
 * Start @step for /dev/stockade@index in @term: 0 and its pid in *pid;
 * 1 when there is nothing to run (no fsck for the file system type is
 * installed), which counts as success; or a negative errno.
 */
int agent_apprun_start(const struct stockade_actions *act, uint32_t index,
		       uint64_t term, uint8_t step, pid_t *pid);

/* SIGKILL to the step's process group: its children go too. */
void agent_apprun_kill(pid_t pid);

/* 1 with *r if @pid has ended (reaped), 0 if it runs, or -errno. */
int agent_apprun_reap(pid_t pid, struct stockade_app_result *r);

#endif /* STOCKADE_AGENT_APPRUN_H */
