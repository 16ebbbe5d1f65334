/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one-line STATUS= the agent gives systemd (sd_notify): per device
 * its role in the election, the term, the leader, and whether the
 * module lets it serve ("lease live") or why it fences it.  Sent only
 * when the line changes, so that systemctl status shows the node's part
 * in the cluster without a notification every heartbeat.
 */
#ifndef STOCKADE_AGENT_ROLESTATUS_H
#define STOCKADE_AGENT_ROLESTATUS_H

#include <stdbool.h>
#include <stdint.h>

#define AGENT_ROLE_STATUS_MAX	512

/* One device as the line shows it. */
struct agent_role_view {
	bool electing;		/* set up in the module, election running */
	uint32_t index;		/* /dev/stockadeN; the minor if not set up */
	const char *role;	/* stockade_elect_role_name() */
	uint64_t term;
	uint32_t leader;	/* 0: not known */
	const char *fenced;	/* the module's reason, "none": lease live */
};

/*
 * Write the line for @n devices into @buf (AGENT_ROLE_STATUS_MAX bytes,
 * a string).  True if it differs from what @buf held, which it replaces.
 */
bool agent_role_status(char *buf, uint32_t node, bool clock_healthy,
		       const struct agent_role_view *v, unsigned int n);

#endif /* STOCKADE_AGENT_ROLESTATUS_H */
