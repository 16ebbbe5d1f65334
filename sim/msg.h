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
#include <stockade/wire_format.h>

/* Entries one APPEND carries. */
#define SIM_APPEND_MAX	16

enum sim_msg_kind {
	SIM_MSG_ELECT,
	SIM_MSG_APPEND,
	SIM_MSG_APPEND_REPLY,
	SIM_MSG_KEEPALIVE,
};

/* Room for an APPEND body (struct stockade_wire_append) of the most entries. */
#define SIM_APPEND_BODY	(sizeof(struct stockade_wire_append) +		\
			 SIM_APPEND_MAX * sizeof(struct stockade_log_entry))

/* An APPEND as it goes over the wire: sealed by core/wire.c. */
struct sim_append {
	struct stockade_wire_hdr hdr;
	u8 body[SIM_APPEND_BODY] __attribute__((aligned(8)));
};

/* An APPEND_REPLY: its body as on the wire, checked by core/wire.c. */
struct sim_append_reply {
	struct stockade_wire_append_reply body;
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
