/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The devices an agent serves: bringing each up in the module (attach,
 * peers, policies) and keeping its module state at hand.  The election
 * of each device is driven from here.
 */
#ifndef STOCKADE_AGENT_DEVICES_H
#define STOCKADE_AGENT_DEVICES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "modctl.h"
#include "nl.h"

struct agent_device {
	const struct stockade_device_config *cfg;
	uint32_t index;			/* /dev/stockadeN the module gave */
	bool ready;			/* attached, peers and policies set */
	bool announced;			/* the current trouble is logged */
	struct stockade_mod_state st;	/* the last GET_DEVICE */
};

/*
 * Bring @d up in the module if it is not yet: 0 when ready, or a
 * negative errno with the reason in @why.  A device that is already
 * attached (the agent restarted) is taken over as it is.
 */
int agent_device_setup(struct agent_device *d, struct stockade_nl *nl,
		       const struct stockade_config *c, const uint8_t *secret,
		       size_t secret_len, char *why, size_t why_size);

/* Refresh d->st from the module. */
int agent_device_refresh(struct agent_device *d, struct stockade_nl *nl);

/* Why the module fences it, as of d->st: "none", "no-lease"... */
const char *agent_device_fence_name(const struct agent_device *d);

/* JSON: an object left open, for the caller's keys and its '}'. */
void agent_device_status(const struct agent_device *d, bool json, FILE *out);

#endif /* STOCKADE_AGENT_DEVICES_H */
