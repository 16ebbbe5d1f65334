/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What travels between simulated nodes: the agents' election messages
 * (core/election.h, UDP in the real system) and the modules' replication
 * messages (TCP there: APPEND, its reply, and the leader's keepalive).
 */
#ifndef _STOCKADE_SIM_MSG_H
#define _STOCKADE_SIM_MSG_H

#include "../core/election.h"
#include <stockade/disk_format.h>

/* Entries one APPEND carries. */
#define SIM_APPEND_MAX	16

enum sim_msg_kind {
	SIM_MSG_ELECT,
	SIM_MSG_APPEND,
	SIM_MSG_APPEND_REPLY,
	SIM_MSG_KEEPALIVE,
};

struct sim_append {
	u64 prev_index;
	u64 prev_term;
	u64 leader_commit;
	u32 n;
	struct stockade_log_entry e[SIM_APPEND_MAX];
};

struct sim_append_reply {
	u32 verdict;		/* enum stockade_append_verdict */
	u64 match;
	u64 last_index;
	/*
	 * The last index of the APPEND answered.  TCP pairs a reply with
	 * its request by order; this network may reorder, so the pairing
	 * travels with the reply.
	 */
	u64 sent_last;
};

struct sim_msg {
	u8 kind;		/* enum sim_msg_kind */
	u8 from, to;		/* node ids, 1-based */
	u64 term;		/* the module's; elect messages carry their own */
	union {
		struct stockade_elect_msg elect;
		struct sim_append append;
		struct sim_append_reply reply;
		struct {
			u64 commit;
			u8 role;	/* enum sim_role */
		} ka;		/* KEEPALIVE: every node, every tick */
	} u;
};

#endif /* _STOCKADE_SIM_MSG_H */
