// SPDX-License-Identifier: GPL-2.0
#include "wire.h"
#include "crc32c.h"
#include "logentry.h"
#include <stockade/version.h>

/* Exact body length of each fixed-size type; 0 for variable ones. */
static u32 fixed_body_len(u8 type)
{
	switch (type) {
	case STOCKADE_MSG_HELLO:
	case STOCKADE_MSG_HELLO_REPLY:
	case STOCKADE_MSG_HELLO_DONE:
		return sizeof(struct stockade_wire_hello);
	case STOCKADE_MSG_APPEND_REPLY:
		return sizeof(struct stockade_wire_append_reply);
	case STOCKADE_MSG_KEEPALIVE:
		return sizeof(struct stockade_wire_keepalive);
	case STOCKADE_MSG_VOTE:
		return sizeof(struct stockade_wire_vote);
	case STOCKADE_MSG_VOTE_REPLY:
		return sizeof(struct stockade_wire_vote_reply);
	case STOCKADE_MSG_READ_PROBE:
	case STOCKADE_MSG_READ_ACK:
		return sizeof(struct stockade_wire_read_round);
	case STOCKADE_MSG_RESYNC_START:
		return sizeof(struct stockade_wire_resync_start);
	case STOCKADE_MSG_RESYNC_ACK:
		return sizeof(struct stockade_wire_resync_ack);
	case STOCKADE_MSG_RESYNC_DONE:
		return sizeof(struct stockade_wire_resync_done);
	}
	return 0;
}

/* Whether @len is a possible body length for @type. */
static bool length_ok(u8 type, u32 len)
{
	u32 fixed = fixed_body_len(type);

	if (fixed)
		return len == fixed;
	if (type == STOCKADE_MSG_RESYNC_CHUNK)
		return len >= sizeof(struct stockade_wire_resync_chunk) +
			      STOCKADE_BLOCK_SIZE &&
		       len <= sizeof(struct stockade_wire_resync_chunk) +
			      STOCKADE_RESYNC_MAX_CHUNK_BLOCKS *
			      STOCKADE_BLOCK_SIZE;
	return len >= sizeof(struct stockade_wire_append) &&
	       len <= STOCKADE_WIRE_MAX_BODY;
}

enum stockade_wire_error
stockade_wire_check_hdr(const struct stockade_wire_hdr *hdr,
			struct stockade_wire_msg *msg)
{
	u32 len = le32_to_cpu(hdr->body_len);

	if (le32_to_cpu(hdr->magic) != STOCKADE_WIRE_MAGIC)
		return STOCKADE_WIRE_BAD_MAGIC;
	if (hdr->version != STOCKADE_WIRE_VERSION)
		return STOCKADE_WIRE_BAD_VERSION;
	if (hdr->type == 0 || hdr->type >= __STOCKADE_MSG_MAX)
		return STOCKADE_WIRE_UNKNOWN_TYPE;
	if (hdr->flags || hdr->reserved)
		return STOCKADE_WIRE_RESERVED_SET;
	if (!length_ok(hdr->type, len))
		return STOCKADE_WIRE_BAD_LENGTH;
	msg->type = hdr->type;
	msg->body_len = len;
	msg->term = le64_to_cpu(hdr->term);
	msg->from_node = le32_to_cpu(hdr->from_node);
	return STOCKADE_WIRE_OK;
}

static u32 wire_crc(const struct stockade_wire_hdr *hdr, const void *body)
{
	struct stockade_wire_hdr copy = *hdr;
	u32 crc;

	copy.crc = 0;
	crc = stockade_crc32c(0, &copy, sizeof(copy));
	return stockade_crc32c(crc, body, le32_to_cpu(hdr->body_len));
}

enum stockade_wire_error
stockade_wire_verify(const struct stockade_wire_hdr *hdr, const void *body)
{
	if (le32_to_cpu(hdr->crc) != wire_crc(hdr, body))
		return STOCKADE_WIRE_BAD_CHECKSUM;
	return STOCKADE_WIRE_OK;
}

void stockade_wire_seal(struct stockade_wire_hdr *hdr, u8 type, u64 term,
			u32 from_node, const void *body, u32 body_len)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->magic = cpu_to_le32(STOCKADE_WIRE_MAGIC);
	hdr->version = STOCKADE_WIRE_VERSION;
	hdr->type = type;
	hdr->body_len = cpu_to_le32(body_len);
	hdr->term = cpu_to_le64(term);
	hdr->from_node = cpu_to_le32(from_node);
	hdr->crc = cpu_to_le32(wire_crc(hdr, body));
}

/* Entry i's header is sane and continues the sequence before it. */
static enum stockade_wire_error
check_entry(const struct stockade_log_entry *e, u64 want_index,
	    u64 *prev_term)
{
	u64 term = le64_to_cpu(e->term);

	if (!stockade_entry_header_valid(e, 0))
		return STOCKADE_WIRE_BAD_ENTRY;
	if (le64_to_cpu(e->index) != want_index || term < *prev_term)
		return STOCKADE_WIRE_BAD_SEQUENCE;
	*prev_term = term;
	return STOCKADE_WIRE_OK;
}

/* Check every entry, then that the payloads fill the body exactly. */
static enum stockade_wire_error
check_entries(const struct stockade_wire_append_view *v, u32 payload_room)
{
	const u8 *payload = v->payloads;
	u64 prev_term = v->prev_term;
	enum stockade_wire_error err;
	u32 i, len;

	for (i = 0; i < v->n_entries; i++) {
		err = check_entry(&v->entries[i], v->prev_index + 1 + i,
				  &prev_term);
		if (err)
			return err;
		len = stockade_entry_payload_len(&v->entries[i]);
		if (len > payload_room)
			return STOCKADE_WIRE_BAD_LENGTH;
		if (!stockade_entry_intact(&v->entries[i], payload))
			return STOCKADE_WIRE_ENTRY_CORRUPT;
		payload += len;
		payload_room -= len;
	}
	return payload_room ? STOCKADE_WIRE_BAD_LENGTH : STOCKADE_WIRE_OK;
}

enum stockade_wire_error
stockade_wire_parse_append(const void *body, u32 body_len,
			   struct stockade_wire_append_view *view)
{
	const struct stockade_wire_append *a = body;
	u64 headers;

	if (body_len < sizeof(*a) || body_len > STOCKADE_WIRE_MAX_BODY)
		return STOCKADE_WIRE_BAD_LENGTH;
	if (a->reserved)
		return STOCKADE_WIRE_RESERVED_SET;
	view->prev_index = le64_to_cpu(a->prev_index);
	view->prev_term = le64_to_cpu(a->prev_term);
	view->leader_commit = le64_to_cpu(a->leader_commit);
	view->n_entries = le32_to_cpu(a->n_entries);
	if (view->n_entries > STOCKADE_BATCH_MAX_ENTRIES ||
	    view->prev_index > U64_MAX - view->n_entries)
		return STOCKADE_WIRE_BAD_LENGTH;
	headers = sizeof(*a) + (u64)view->n_entries * sizeof(a->entries[0]);
	if (headers > body_len)
		return STOCKADE_WIRE_BAD_LENGTH;
	view->entries = a->entries;
	view->payloads = (const u8 *)body + headers;
	return check_entries(view, body_len - (u32)headers);
}

static bool hint_ok(const struct stockade_wire_msg *msg,
		    const struct stockade_wire_append_reply_view *v)
{
	const struct stockade_append_hint *h = &v->hint;

	if (v->verdict != STOCKADE_APPEND_MISMATCH || !h->term)
		return !h->term && !h->index;
	return h->index && h->index <= v->last_index && h->term <= msg->term;
}

enum stockade_wire_error
stockade_wire_parse_append_reply(const struct stockade_wire_msg *msg,
				 const void *body,
				 struct stockade_wire_append_reply_view *view)
{
	const struct stockade_wire_append_reply *r = body;
	u32 verdict = le32_to_cpu(r->verdict);

	if (msg->body_len != sizeof(*r))
		return STOCKADE_WIRE_BAD_LENGTH;
	if (r->reserved)
		return STOCKADE_WIRE_RESERVED_SET;
	if (verdict > STOCKADE_APPEND_NEEDS_RESYNC)
		return STOCKADE_WIRE_BAD_VERDICT;
	view->verdict = verdict;
	view->match_index = le64_to_cpu(r->match_index);
	view->last_index = le64_to_cpu(r->last_index);
	view->hint.term = le64_to_cpu(r->conflict_term);
	view->hint.index = le64_to_cpu(r->conflict_index);
	return hint_ok(msg, view) ? STOCKADE_WIRE_OK : STOCKADE_WIRE_BAD_HINT;
}

enum stockade_wire_error
stockade_wire_parse_resync_chunk(const void *body, u32 body_len,
				 struct stockade_wire_chunk_view *view)
{
	const struct stockade_wire_resync_chunk *c = body;
	u32 n;

	if (body_len < sizeof(*c))
		return STOCKADE_WIRE_BAD_LENGTH;
	n = le32_to_cpu(c->n_blocks);
	/* The count must say exactly what the length says. */
	if (n < 1 || n > STOCKADE_RESYNC_MAX_CHUNK_BLOCKS ||
	    body_len != sizeof(*c) + n * STOCKADE_BLOCK_SIZE)
		return STOCKADE_WIRE_BAD_LENGTH;
	view->session = le64_to_cpu(c->session);
	view->offset_block = le64_to_cpu(c->offset_block);
	view->n_blocks = n;
	view->data = (const u8 *)body + sizeof(*c);
	if (view->offset_block > U64_MAX - n)
		return STOCKADE_WIRE_BAD_LENGTH;
	if (stockade_crc32c(0, view->data, (size_t)n * STOCKADE_BLOCK_SIZE) !=
	    le32_to_cpu(c->data_crc))
		return STOCKADE_WIRE_DATA_CORRUPT;
	return STOCKADE_WIRE_OK;
}

const char *stockade_wire_error_name(enum stockade_wire_error err)
{
	switch (err) {
	case STOCKADE_WIRE_OK:
		return "ok";
	case STOCKADE_WIRE_BAD_MAGIC:
		return "bad magic";
	case STOCKADE_WIRE_BAD_VERSION:
		return "unsupported protocol version";
	case STOCKADE_WIRE_UNKNOWN_TYPE:
		return "unknown message type";
	case STOCKADE_WIRE_BAD_LENGTH:
		return "bad length";
	case STOCKADE_WIRE_RESERVED_SET:
		return "reserved field set";
	case STOCKADE_WIRE_BAD_CHECKSUM:
		return "checksum mismatch";
	case STOCKADE_WIRE_BAD_ENTRY:
		return "malformed log entry";
	case STOCKADE_WIRE_ENTRY_CORRUPT:
		return "log entry checksum mismatch";
	case STOCKADE_WIRE_BAD_SEQUENCE:
		return "log entries out of sequence";
	case STOCKADE_WIRE_DATA_CORRUPT:
		return "resync data checksum mismatch";
	case STOCKADE_WIRE_BAD_VERDICT:
		return "unknown append verdict";
	case STOCKADE_WIRE_BAD_HINT:
		return "malformed conflict term hint";
	}
	return "unknown error";
}
