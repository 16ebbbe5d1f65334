/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's typed calls to the module, one per netlink operation it
 * uses.  Each returns 0 or a negative errno; the module's reason, if it
 * gave one, is in nl->errmsg.
 */
#ifndef STOCKADE_AGENT_MODCTL_H
#define STOCKADE_AGENT_MODCTL_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "nl.h"

/* What the agent needs to know of a device, from GET_DEVICE. */
struct stockade_mod_state {
	uint8_t role;			/* enum stockade_role */
	uint8_t fenced;			/* enum stockade_fence_why */
	uint64_t term;
	uint32_t voted_for;
	uint64_t last_index, last_term, commit_index;
	uint64_t lease_left_ns;
	bool disk_failed;
};

struct stockade_mod_vote {
	uint64_t term;
	uint32_t candidate;
	uint64_t last_index, last_term;
	bool pre_vote;
};

/* Attach @d's backing device; *index is the /dev/stockadeN it got. */
int stockade_mod_attach(struct stockade_nl *nl, const struct stockade_config *c,
			const struct stockade_device_config *d,
			uint32_t *index);
/* Its peers: the agents' addresses, on the device's replication port. */
int stockade_mod_set_peers(struct stockade_nl *nl,
			   const struct stockade_config *c,
			   const struct stockade_device_config *d,
			   uint32_t index, const uint8_t *secret,
			   size_t secret_len);
/* Policies from the configuration; the lease is revoked on our exit. */
int stockade_mod_set_policy(struct stockade_nl *nl,
			    const struct stockade_config *c,
			    const struct stockade_device_config *d,
			    uint32_t index);
int stockade_mod_state(struct stockade_nl *nl, uint32_t index,
		       struct stockade_mod_state *st);
/* *result: enum stockade_vote_result; *term, *voted_for as persisted. */
int stockade_mod_vote(struct stockade_nl *nl, uint32_t index,
		      const struct stockade_mod_vote *v, uint8_t *result,
		      uint64_t *term, uint32_t *voted_for);
int stockade_mod_set_role(struct stockade_nl *nl, uint32_t index,
			  uint8_t role, uint64_t term);
int stockade_mod_grant(struct stockade_nl *nl, uint32_t index, uint64_t term,
		       uint64_t start_ns, uint64_t duration_ns);
int stockade_mod_revoke(struct stockade_nl *nl, uint32_t index);

#endif /* STOCKADE_AGENT_MODCTL_H */
