/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a reload (SIGHUP) may change in the running configuration, and
 * what it may not.  Pure functions over two parsed configurations, so
 * that the rules are tested without an agent.
 *
 * Live: [timing] heartbeat_ms, election_timeout_ms, fixed_timeout_ms,
 * max_clock_offset_ms; all of [detector]; the address of each [peer.N];
 * and the policies of each [device.N] (io_policy, read_policy,
 * suspend_timeout_ms).  A
 * device's application actions (mount_point ... give_up_hold_ms) may
 * change too, but only while that application is not running: the agent
 * checks that with agent_config_actions_equal() before it applies.
 *
 * Fixed until a restart: [node] id and address, which peers there are
 * (a change of membership is not a reload), [cluster] uuid and
 * secret_file (the secret is read once, at start), [timing] lease_ms and
 * max_drift_ppm (the module's longest lease and drift bound, which must
 * agree on every node: changed on one node at a time they would let a
 * new leader wait out less than an old leader's lease), and which
 * devices there are with their uuid, backing device and port.
 */
#ifndef STOCKADE_AGENT_RELOAD_H
#define STOCKADE_AGENT_RELOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* What a reload changed: bits of the result of agent_config_apply(). */
enum {
	AGENT_RELOAD_TIMING	= 1 << 0,	/* heartbeat, election timeout */
	AGENT_RELOAD_CLOCK	= 1 << 1,	/* max_clock_offset_ms */
	AGENT_RELOAD_DETECTOR	= 1 << 2,
	AGENT_RELOAD_PEERS	= 1 << 3,	/* an address */
	AGENT_RELOAD_POLICIES	= 1 << 4,	/* a device's policies */
	AGENT_RELOAD_ACTIONS	= 1 << 5,	/* a device's actions */
};

/* Whether two devices' application actions are the same. */
bool agent_config_actions_equal(const struct stockade_actions *a,
				const struct stockade_actions *b);

/* @minor's device in @c, or NULL. */
const struct stockade_device_config *
agent_config_device(const struct stockade_config *c, uint32_t minor);

/*
 * 0 if @next differs from @cur only in what may change live; otherwise
 * -1 and the first fixed setting that changed, as a word such as
 * "node.id", "peers" or "device.0.backing", in @what.
 */
int agent_config_fixed_diff(const struct stockade_config *cur,
			    const struct stockade_config *next, char *what,
			    size_t what_size);

/*
 * Copy the live settings of @next into @cur, in place: pointers into
 * @cur (its devices, its peers) stay valid.  Call only after
 * agent_config_fixed_diff() accepted @next.  Returns the AGENT_RELOAD_*
 * bits of what changed.
 */
unsigned int agent_config_apply(struct stockade_config *cur,
				const struct stockade_config *next);

/* "timing,peers" for the bits of agent_config_apply(); "none" for 0. */
void agent_reload_names(unsigned int changed, char *buf, size_t size);

#endif /* STOCKADE_AGENT_RELOAD_H */
