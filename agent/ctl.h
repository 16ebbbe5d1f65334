/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the commands of stockadectl share: exit statuses, the request
 * helper that reports errors for a human, and argument parsing.
 */
#ifndef STOCKADE_AGENT_CTL_H
#define STOCKADE_AGENT_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "nl.h"

enum {
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_NO_MODULE = 3,
	EXIT_PERM = 4,
};

extern bool json;	/* --json: one JSON object per command */

/* Open the module, send @cmd, close on error; 0 or an exit status. */
int request(struct stockade_nl *nl, const char *what, uint8_t cmd,
	    stockade_nl_build_fn build, const void *ctx, struct nlattr **tb);
uint32_t get_u32(struct nlattr **tb, int attr);
uint64_t get_u64(struct nlattr **tb, int attr);
/* A number in [min, max] from @s, or -1 with a message. */
int parse_u64(const char *what, const char *s, uint64_t min, uint64_t max,
	      uint64_t *out);
int parse_index(const char *s, uint32_t *index);
/* "250ms", "2s", "1500" (ms) into nanoseconds, or -1 with a message. */
int parse_duration(const char *what, const char *s, uint64_t *ns);

/* ctl_fence.c */
int cmd_lease(int argc, char **argv);
int cmd_policy(int argc, char **argv);
void show_fence(struct nlattr **tb);
/* The full resync rate limit of a GET_DEVICE reply, one text line. */
void show_resync_rate(struct nlattr **tb);
/* FENCE_REASON of a reply or an event, as a short stable word. */
const char *fence_name(struct nlattr **tb);

/* ctl_agent.c: monitor --agent, @count events (0: until stopped). */
int ctl_monitor_agent(uint64_t count);

#endif /* STOCKADE_AGENT_CTL_H */
