/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checking and sealing replication messages (include/stockade/
 * wire_format.h).  A receiver calls stockade_wire_check_hdr() on the 32
 * header bytes, reads exactly body_len more, calls stockade_wire_verify(),
 * then the body parser for the type.  Any error drops the connection.
 */
#ifndef _STOCKADE_CORE_WIRE_H
#define _STOCKADE_CORE_WIRE_H

#include "compat.h"
#include "replica.h"
#include <stockade/wire_format.h>

enum stockade_wire_error {
	STOCKADE_WIRE_OK,
	STOCKADE_WIRE_BAD_MAGIC,
	STOCKADE_WIRE_BAD_VERSION,
	STOCKADE_WIRE_UNKNOWN_TYPE,
	STOCKADE_WIRE_BAD_LENGTH,	/* too long, or wrong for the type */
	STOCKADE_WIRE_RESERVED_SET,	/* flags or reserved fields nonzero */
	STOCKADE_WIRE_BAD_CHECKSUM,
	STOCKADE_WIRE_BAD_ENTRY,	/* an entry header fails its checks */
	STOCKADE_WIRE_ENTRY_CORRUPT,	/* an entry's crc does not match */
	STOCKADE_WIRE_BAD_SEQUENCE,	/* indexes not consecutive, terms fall */
	STOCKADE_WIRE_DATA_CORRUPT,	/* a resync chunk's data crc */
	STOCKADE_WIRE_BAD_VERDICT,	/* an append reply's verdict unknown */
	STOCKADE_WIRE_BAD_HINT,		/* a conflict hint that cannot be */
};

struct stockade_wire_msg {
	u8 type;
	u32 body_len;
	u64 term;
	u32 from_node;
};

enum stockade_wire_error
stockade_wire_check_hdr(const struct stockade_wire_hdr *hdr,
			struct stockade_wire_msg *msg);

/* The header's crc covers header and @body. */
enum stockade_wire_error
stockade_wire_verify(const struct stockade_wire_hdr *hdr, const void *body);

/* Fill the header (magic, version, length, crc) for @body. */
void stockade_wire_seal(struct stockade_wire_hdr *hdr, u8 type, u64 term,
			u32 from_node, const void *body, u32 body_len);

/* An APPEND body, checked; pointers into the caller's buffer. */
struct stockade_wire_append_view {
	u64 prev_index, prev_term, leader_commit;
	u32 n_entries;
	const struct stockade_log_entry *entries;
	const u8 *payloads;	/* payload of entry i follows that of i - 1 */
};

enum stockade_wire_error
stockade_wire_parse_append(const void *body, u32 body_len,
			   struct stockade_wire_append_view *view);

/* An APPEND_REPLY body, checked. */
struct stockade_wire_append_reply_view {
	enum stockade_append_verdict verdict;
	u64 match_index;
	u64 last_index;
	struct stockade_append_hint hint;	/* zero unless MISMATCH */
};

/*
 * Beyond the layout: a known verdict, and a hint only with a mismatch,
 * either both fields zero or both set, its index within the follower's
 * log and its term no newer than the follower's (the header's).
 */
enum stockade_wire_error
stockade_wire_parse_append_reply(const struct stockade_wire_msg *msg,
				 const void *body,
				 struct stockade_wire_append_reply_view *view);

/* A RESYNC_CHUNK body, checked: lengths agree, the data crc matches. */
struct stockade_wire_chunk_view {
	u64 session;
	u64 offset_block;
	u32 n_blocks;
	const u8 *data;		/* n_blocks blocks, in the caller's buffer */
};

enum stockade_wire_error
stockade_wire_parse_resync_chunk(const void *body, u32 body_len,
				 struct stockade_wire_chunk_view *view);

const char *stockade_wire_error_name(enum stockade_wire_error err);

#endif /* _STOCKADE_CORE_WIRE_H */
