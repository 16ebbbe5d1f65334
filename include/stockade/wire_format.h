/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The replication protocol between peers (docs/wire-format.md).  Every
 * message is a fixed header followed by a typed body; little-endian; the
 * header's CRC-32C covers header and body.  A receiver checks the header
 * before it reads the body (so a bad length can't make it read too much)
 * and the CRC before it acts on anything.
 */
#ifndef _STOCKADE_WIRE_FORMAT_H
#define _STOCKADE_WIRE_FORMAT_H

#include <linux/types.h>
#include <stockade/disk_format.h>

#define STOCKADE_WIRE_MAGIC		0x574b5453U	/* "STKW" */
/* A cap on what a length field can make a receiver read: 8 writes of 1 MiB. */
#define STOCKADE_WIRE_MAX_BODY		0x800000U	/* 8 MiB */
#define STOCKADE_WIRE_MAX_ENTRY_LEN	0x100000U	/* 1 MiB */
#define STOCKADE_WIRE_NONCE_LEN		32
#define STOCKADE_WIRE_MAC_LEN		32	/* HMAC-SHA256 */

enum stockade_wire_type {
	STOCKADE_MSG_HELLO = 1,		/* connect: identity + challenge */
	STOCKADE_MSG_HELLO_REPLY,	/* answer + counter-challenge */
	STOCKADE_MSG_HELLO_DONE,	/* answer to the counter-challenge */
	STOCKADE_MSG_APPEND,		/* leader -> follower: entries */
	STOCKADE_MSG_APPEND_REPLY,
	STOCKADE_MSG_KEEPALIVE,		/* idle leader: term + commit index */
	STOCKADE_MSG_VOTE,
	STOCKADE_MSG_VOTE_REPLY,
	STOCKADE_MSG_READ_PROBE,	/* leader -> follower: am I leader? */
	STOCKADE_MSG_READ_ACK,		/* follower: yes, in the header's term */
	STOCKADE_MSG_RESYNC_START,	/* leader -> follower: a full copy */
	STOCKADE_MSG_RESYNC_CHUNK,	/* leader -> follower: data blocks */
	STOCKADE_MSG_RESYNC_ACK,	/* follower: where it stands */
	STOCKADE_MSG_RESYNC_DONE,	/* leader: all copied, reset the log */
	__STOCKADE_MSG_MAX
};

struct stockade_wire_hdr {
	__le32 magic;
	__u8 version;			/* STOCKADE_WIRE_VERSION */
	__u8 type;
	__le16 flags;			/* none defined: must be 0 */
	__le32 body_len;
	__le32 crc;			/* header (crc = 0) + body */
	__le64 term;			/* sender's current term */
	__le32 from_node;
	__le32 reserved;		/* must be 0 */
};

struct stockade_wire_hello {
	__u8 cluster_uuid[16];
	__u8 device_uuid[16];
	__u8 nonce[STOCKADE_WIRE_NONCE_LEN];
	/* HELLO_REPLY and HELLO_DONE: HMAC of the peer's nonce */
	__u8 mac[STOCKADE_WIRE_MAC_LEN];
};

/* APPEND body: this, then n_entries log entries, then their payloads. */
struct stockade_wire_append {
	__le64 prev_index;
	__le64 prev_term;
	__le64 leader_commit;
	__le32 n_entries;
	__le32 reserved;
	struct stockade_log_entry entries[];
};

struct stockade_wire_append_reply {
	__le64 match_index;		/* valid when verdict == 0 */
	__le64 last_index;		/* helps the leader skip back fast */
	__le32 verdict;			/* enum stockade_append_verdict */
	__le32 reserved;
	/*
	 * With a mismatch (verdict 3), the conflict term hint: the term of
	 * the follower's entry at prev_index and the first index above its
	 * commit index holding that term, so that the leader skips a whole
	 * divergent term at once.  Both 0 for no hint, and for every other
	 * verdict.  Since wire version 2.
	 */
	__le64 conflict_term;
	__le64 conflict_index;
};

/* Both directions, every heartbeat: the sender's view of the log. */
struct stockade_wire_keepalive {
	__le64 commit_index;
	__le64 last_index;
	__le32 role;			/* enum stockade_role of the sender */
	__le32 reserved;
};

struct stockade_wire_vote {
	__le64 last_index;
	__le64 last_term;
	__le32 pre_vote;
	__le32 reserved;
};

struct stockade_wire_vote_reply {
	__le32 verdict;			/* enum stockade_vote_verdict */
	__le32 reserved;
};

/*
 * READ_PROBE and READ_ACK: one round of leadership confirmation for
 * read = quorum.  The follower echoes the round with its own term.
 */
struct stockade_wire_read_round {
	__le64 round;
};

/*
 * Full resync (docs/design.md): the leader copies its data region in
 * chunks, then the follower resets its log to (snap_index, snap_term) and
 * replication goes on from snap_index + 1.  A session id names one copy
 * by one leader, so that a follower resumes only a copy it can finish.
 */
struct stockade_wire_resync_start {
	__le64 session;			/* nonzero */
	__le64 snap_index;		/* the leader's applied index at start */
	__le64 snap_term;		/* term of that entry */
	__le64 data_blocks;		/* must equal the follower's */
};

/* RESYNC_CHUNK body: this, then n_blocks blocks of data. */
struct stockade_wire_resync_chunk {
	__le64 session;
	__le64 offset_block;		/* in the data region */
	__le32 n_blocks;		/* 1 to STOCKADE_RESYNC_MAX_CHUNK_BLOCKS */
	__le32 data_crc;		/* CRC-32C of the data */
};

/* A chunk carries at most 1 MiB of data. */
#define STOCKADE_RESYNC_MAX_CHUNK_BLOCKS	256

enum stockade_resync_status {
	STOCKADE_RESYNC_ACK_OK,		/* next_block is the next one wanted */
	STOCKADE_RESYNC_ACK_DONE,	/* the copy is finished, log reset */
	STOCKADE_RESYNC_ACK_UNKNOWN_SESSION,	/* send RESYNC_START again */
	STOCKADE_RESYNC_ACK_REFUSED,	/* cannot take it (geometry, disk) */
	__STOCKADE_RESYNC_ACK_MAX
};

struct stockade_wire_resync_ack {
	__le64 session;
	__le64 next_block;		/* the follower has every block below */
	__le32 status;			/* enum stockade_resync_status */
	__le32 reserved;
};

struct stockade_wire_resync_done {
	__le64 session;
	__le64 snap_index;		/* as in RESYNC_START */
	__le64 snap_term;
	/*
	 * The leader's last index when it sent this: the follower votes and
	 * leads again only once it has applied up to here, so that its log
	 * holds every entry committed before the copy and its data region
	 * is no longer a mix of moments.
	 */
	__le64 catch_up_index;
};

#endif /* _STOCKADE_WIRE_FORMAT_H */
