/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * stockade generic netlink API, shared by stockade.ko, stockaded and
 * stockadectl.  docs/netlink.md describes every command and attribute.
 *
 * Rules that keep old tools working with new modules:
 *  - numbers are never reused or renumbered; new ones go at the end;
 *  - the kernel rejects attributes it does not know (strict validation),
 *    so a tool learns at once that the module is older than it is.
 */
#ifndef _UAPI_LINUX_STOCKADE_H
#define _UAPI_LINUX_STOCKADE_H

#define STOCKADE_GENL_NAME		"stockade"
#define STOCKADE_GENL_VERSION		1
#define STOCKADE_GENL_MCGRP_EVENTS	"events"

enum stockade_cmd {
	STOCKADE_CMD_UNSPEC,
	/* reply: VERSION, GENL_VERSION, WIRE_VERSION, DISK_VERSION */
	STOCKADE_CMD_GET_VERSION,
	/* reply: NODE_ID, DEVICE_COUNT */
	STOCKADE_CMD_GET_STATUS,
	/*
	 * request: BACKING_PATH, CLUSTER_UUID, DEVICE_UUID;
	 * reply: DEVICE_INDEX.  Validates the superblock, recovers the log,
	 * and presents /dev/stockade<DEVICE_INDEX> (as a follower).
	 */
	STOCKADE_CMD_ATTACH,
	/* request: DEVICE_INDEX.  Removes the device; fails if it is open. */
	STOCKADE_CMD_DETACH,
	/*
	 * request: DEVICE_INDEX, ROLE, TERM.  TERM is persisted first; an
	 * older TERM than the persisted one is refused with ESTALE.
	 */
	STOCKADE_CMD_SET_ROLE,
	/*
	 * request: DEVICE_INDEX; reply: DEVICE_INDEX, ROLE, TERM, indexes,
	 * NODE_ID, COUNTERS, and a PEERS nest with each peer's state.
	 */
	STOCKADE_CMD_GET_DEVICE,
	/*
	 * request: DEVICE_INDEX, NODE_ID, LISTEN (a PEER nest: ADDR, PORT),
	 * PEERS (nest of PEER nests: ID, ADDR, PORT), SECRET.  Replaces the
	 * device's peers; the node with the lower id of a pair connects.
	 */
	STOCKADE_CMD_SET_PEERS,
	/*
	 * Only sent, to the "events" group: DEVICE_INDEX, EVENT, TERM, ROLE,
	 * and NODE_ID (the peer) for peer events.
	 */
	STOCKADE_CMD_EVENT,
	/*
	 * request: DEVICE_INDEX, TERM (the candidate's), NODE_ID (the
	 * candidate), LAST_INDEX and LAST_TERM (its log), PRE_VOTE (flag);
	 * reply: DEVICE_INDEX, VOTE_RESULT, TERM and VOTED_FOR as persisted.
	 * A real vote persists a newer term and the vote (FUA) before the
	 * reply; a leader that sees a newer term steps down.  A pre-vote
	 * changes nothing.  A refused vote is a reply, not an error.
	 */
	STOCKADE_CMD_VOTE,
	/*
	 * request: DEVICE_INDEX, TERM (must be the current term),
	 * LEASE_DURATION_NS, optional LEASE_START_NS (CLOCK_MONOTONIC, the
	 * send time of what the grant rests on; default: now), or REVOKE.
	 * The module counts the lease from LEASE_START_NS, shortened by the
	 * drift bound, and serves I/O only while it is live.
	 */
	STOCKADE_CMD_SET_LEASE,
	/*
	 * request: DEVICE_INDEX and any of IO_POLICY, READ_POLICY,
	 * SUSPEND_TIMEOUT_MS, MAX_LEASE_MS, MAX_DRIFT_PPM, REVOKE_ON_CLOSE,
	 * DISK_POLICY, RESYNC_RATE_KBPS.
	 */
	STOCKADE_CMD_SET_POLICY,

	__STOCKADE_CMD_MAX,
	STOCKADE_CMD_MAX = __STOCKADE_CMD_MAX - 1
};

enum stockade_attr {
	STOCKADE_A_UNSPEC,
	STOCKADE_A_VERSION,		/* string: module release, "0.1.0" */
	STOCKADE_A_GENL_VERSION,	/* u32: STOCKADE_GENL_VERSION */
	STOCKADE_A_WIRE_VERSION,	/* u32: replication protocol version */
	STOCKADE_A_DISK_VERSION,	/* u32: on-disk log format version */
	STOCKADE_A_NODE_ID,		/* u32: this node's id, 0 = unset */
	STOCKADE_A_DEVICE_COUNT,	/* u32: number of /dev/stockadeN */
	STOCKADE_A_DEVICE_INDEX,	/* u32: N of /dev/stockadeN */
	STOCKADE_A_BACKING_PATH,	/* string: backing block device */
	STOCKADE_A_CLUSTER_UUID,	/* binary, 16 bytes */
	STOCKADE_A_DEVICE_UUID,		/* binary, 16 bytes */
	STOCKADE_A_ROLE,		/* u8: enum stockade_role */
	STOCKADE_A_TERM,		/* u64: current term */
	STOCKADE_A_LAST_INDEX,		/* u64: last log index */
	STOCKADE_A_COMMIT_INDEX,	/* u64 */
	STOCKADE_A_APPLIED_INDEX,	/* u64 */
	STOCKADE_A_SIZE_BYTES,		/* u64: size of /dev/stockadeN */
	STOCKADE_A_PAD,			/* padding for 64-bit attributes */
	STOCKADE_A_LISTEN,		/* nest: STOCKADE_PEER_A_* */
	STOCKADE_A_PEERS,		/* nest of STOCKADE_A_PEER */
	STOCKADE_A_PEER,		/* nest: STOCKADE_PEER_A_* */
	STOCKADE_A_SECRET,		/* binary, 16 to 64 bytes */
	STOCKADE_A_COUNTERS,		/* nest: STOCKADE_COUNTER_* (u64) */
	STOCKADE_A_EVENT,		/* u8: enum stockade_event */
	STOCKADE_A_LAST_TERM,		/* u64: term of the last log entry */
	STOCKADE_A_VOTED_FOR,		/* u32: vote of TERM, 0 = none */
	STOCKADE_A_PRE_VOTE,		/* flag: ask, change nothing */
	STOCKADE_A_VOTE_RESULT,		/* u8: enum stockade_vote_result */
	STOCKADE_A_LEASE_DURATION_NS,	/* u64: 1 ns to MAX_LEASE_MS */
	STOCKADE_A_LEASE_START_NS,	/* u64: CLOCK_MONOTONIC */
	STOCKADE_A_REVOKE,		/* flag: end the lease now */
	STOCKADE_A_IO_POLICY,		/* u8: enum stockade_io_policy_id */
	STOCKADE_A_READ_POLICY,		/* u8: enum stockade_read_policy */
	STOCKADE_A_SUSPEND_TIMEOUT_MS,	/* u32: suspend: longest hold */
	STOCKADE_A_MAX_LEASE_MS,	/* u32: longest lease, 1 to 60000 */
	STOCKADE_A_MAX_DRIFT_PPM,	/* u32: clock drift bound, to 500000 */
	STOCKADE_A_REVOKE_ON_CLOSE,	/* u8: 1 = revoke when the granting
					 * netlink socket closes
					 */
	STOCKADE_A_LEASE_TERM,		/* u64: term of the lease (reply) */
	STOCKADE_A_LEASE_REMAINING_NS,	/* u64: 0 = not live (reply) */
	STOCKADE_A_FENCE_REASON,	/* u8: enum stockade_fence_why */
	STOCKADE_A_CLOCK_WAIT_NS,	/* u64: clock-bound wait left */
	STOCKADE_A_DISK_POLICY,		/* u8: enum stockade_disk_policy */
	STOCKADE_A_DISK_FAILED,		/* u8: 1 = detached (reply) */
	STOCKADE_A_RESYNC_RATE_KBPS,	/* u32: full resync limit, KiB/s of
					 * data; 0 = unlimited
					 */
	STOCKADE_A_RESYNC_STATE,	/* u8: enum stockade_resync_state of
					 * this replica (reply)
					 */
	STOCKADE_A_RESYNC_DONE_BLOCKS,	/* u64: blocks copied here (reply) */
	STOCKADE_A_RESYNC_TOTAL_BLOCKS,	/* u64: blocks to copy (reply) */
	STOCKADE_A_RESYNC_CATCH_UP_INDEX,	/* u64: votes and leads again
						 * once applied here (reply)
						 */

	__STOCKADE_A_MAX,
	STOCKADE_A_MAX = __STOCKADE_A_MAX - 1
};

enum stockade_peer_attr {
	STOCKADE_PEER_A_UNSPEC,
	STOCKADE_PEER_A_ID,		/* u32: node id, 1 to 255 */
	STOCKADE_PEER_A_ADDR,		/* u32: IPv4 address, network order */
	STOCKADE_PEER_A_PORT,		/* u16: TCP port, host order */
	STOCKADE_PEER_A_STATE,		/* u8: enum stockade_peer_state, reply */
	STOCKADE_PEER_A_RESYNC_STATE,	/* u8: enum stockade_resync_state of
					 * our copy to this peer (reply)
					 */
	STOCKADE_PEER_A_RESYNC_DONE_BLOCKS,	/* u64: acknowledged (reply) */
	STOCKADE_PEER_A_RESYNC_TOTAL_BLOCKS,	/* u64 (reply) */
	STOCKADE_PEER_A_PAD,		/* padding for 64-bit attributes */
	__STOCKADE_PEER_A_MAX,
	STOCKADE_PEER_A_MAX = __STOCKADE_PEER_A_MAX - 1
};

enum stockade_peer_state {
	STOCKADE_PEER_DOWN,		/* no connection */
	STOCKADE_PEER_HANDSHAKE,	/* connected, not yet authenticated */
	STOCKADE_PEER_UP,		/* authenticated; messages flow */
};

enum stockade_counter {
	STOCKADE_COUNTER_UNSPEC,
	STOCKADE_COUNTER_FENCED_IOS,	/* I/O refused: not the leader */
	STOCKADE_COUNTER_IO_ERRORS,	/* backing device errors */
	STOCKADE_COUNTER_HANDSHAKE_FAILURES,	/* bad secret, wrong cluster */
	STOCKADE_COUNTER_MALFORMED_MSGS,	/* dropped connections */
	STOCKADE_COUNTER_STALE_TERM_MSGS,	/* older term, refused */
	STOCKADE_COUNTER_PAD,
	STOCKADE_COUNTER_FENCED_READS,	/* reads refused by the lease */
	STOCKADE_COUNTER_FENCED_WRITES,	/* writes and flushes refused */
	STOCKADE_COUNTER_LEASE_EXPIRIES,	/* a live lease ran out */
	STOCKADE_COUNTER_RESYNC_BLOCKS_SENT,	/* leader: data blocks sent */
	STOCKADE_COUNTER_RESYNC_BLOCKS_RECEIVED, /* follower: written */
	STOCKADE_COUNTER_RESYNC_ABORTS,	/* copies given up by the leader */
	STOCKADE_COUNTER_LOG_ENTRIES,	/* entries appended to the log */
	STOCKADE_COUNTER_LOG_WRITES,	/* FUA log writes that carried them */
	__STOCKADE_COUNTER_MAX,
	STOCKADE_COUNTER_MAX = __STOCKADE_COUNTER_MAX - 1
};

enum stockade_event {
	STOCKADE_EVENT_UNSPEC,
	STOCKADE_EVENT_ROLE,		/* the role was set (ROLE, TERM) */
	STOCKADE_EVENT_STEPPED_DOWN,	/* a newer term was seen (TERM) */
	STOCKADE_EVENT_PEER_UP,		/* NODE_ID connected */
	STOCKADE_EVENT_PEER_DOWN,	/* NODE_ID disconnected */
	STOCKADE_EVENT_IO_ERROR,	/* the backing device failed an I/O */
	STOCKADE_EVENT_LEASE_GRANTED,	/* a lease began (none was live) */
	STOCKADE_EVENT_LEASE_LATE,	/* renewed after it had run out */
	STOCKADE_EVENT_LEASE_EXPIRED,	/* the lease ran out (or revoked) */
	STOCKADE_EVENT_FENCED,		/* I/O stopped: FENCE_REASON says why */
	STOCKADE_EVENT_DISK_FAILED,	/* the backing device was detached */
	STOCKADE_EVENT_RESYNC_START,	/* a full resync began (NODE_ID: the
					 * peer, follower or leader)
					 */
	STOCKADE_EVENT_RESYNC_END,	/* its copy is complete (NODE_ID) */
	STOCKADE_EVENT_RESYNC_ABORTED,	/* the leader gave it up (NODE_ID) */
	STOCKADE_EVENT_SERVING,		/* the fence lifted: I/O is served */
	__STOCKADE_EVENT_MAX
};

enum stockade_vote_result {
	STOCKADE_VOTE_RESULT_GRANTED,
	STOCKADE_VOTE_RESULT_STALE_TERM,	/* TERM older than ours */
	STOCKADE_VOTE_RESULT_ALREADY_VOTED,	/* for another, this term */
	STOCKADE_VOTE_RESULT_LOG_BEHIND,	/* our log is more up to date */
	STOCKADE_VOTE_RESULT_BAD_REQUEST,	/* e.g. LAST_TERM > TERM */
	__STOCKADE_VOTE_RESULT_MAX
};

/* What a leader does with I/O while its lease is not live. */
enum stockade_io_policy_id {
	STOCKADE_IO_POLICY_ERROR,	/* fail it at once */
	STOCKADE_IO_POLICY_SUSPEND,	/* hold it, up to SUSPEND_TIMEOUT_MS */
	__STOCKADE_IO_POLICY_MAX
};

/* What a node does when its backing device fails an I/O. */
enum stockade_disk_policy {
	STOCKADE_DISK_DETACH,		/* stop using it: step down, serve and
					 * vote no more
					 */
	STOCKADE_DISK_PASS_ON,		/* fail the I/O that needed it */
	__STOCKADE_DISK_POLICY_MAX
};

enum stockade_read_policy {
	STOCKADE_READ_LEASE,		/* serve while the lease is live */
	STOCKADE_READ_QUORUM,		/* confirm with a majority first */
	__STOCKADE_READ_POLICY_MAX
};

enum stockade_fence_why {
	STOCKADE_FENCE_WHY_NONE,	/* serving */
	STOCKADE_FENCE_WHY_NOT_LEADER,
	STOCKADE_FENCE_WHY_NO_LEASE,	/* none granted for this term */
	STOCKADE_FENCE_WHY_LEASE_EXPIRED,
	STOCKADE_FENCE_WHY_CLOCK_WAIT,	/* waiting out the old lease */
	STOCKADE_FENCE_WHY_DISK_FAILED,	/* the backing device failed */
	__STOCKADE_FENCE_WHY_MAX
};

/* Where a full resync stands, on the follower or for one peer. */
enum stockade_resync_state {
	STOCKADE_RESYNC_NONE,		/* none needed, or none running */
	STOCKADE_RESYNC_WAITING,	/* needed; the copy has not begun */
	STOCKADE_RESYNC_COPYING,	/* data chunks are flowing */
	STOCKADE_RESYNC_FINISHING,	/* leader: the end was sent */
	STOCKADE_RESYNC_CATCHING_UP,	/* copied; replaying the log up to
					 * the catch-up index
					 */
	STOCKADE_RESYNC_DONE,		/* leader: the last copy completed */
	__STOCKADE_RESYNC_STATE_MAX
};

enum stockade_role {
	STOCKADE_ROLE_FOLLOWER,		/* replica: the device refuses I/O */
	STOCKADE_ROLE_LEADER,		/* serves I/O for its term */
	__STOCKADE_ROLE_MAX
};

#endif /* _UAPI_LINUX_STOCKADE_H */
