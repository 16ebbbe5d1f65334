// SPDX-License-Identifier: GPL-2.0
/*
 * Replication messages (core/wire.c, core/logentry.c): a sealed message
 * passes every check; every header field out of range, every flipped bit,
 * every lie in a length is refused; random garbage never gets through or
 * makes the parser read out of bounds (ASan watches).  An APPEND_REPLY
 * carries a conflict term hint only with a mismatch, and only one that
 * can be right.
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "wire.h"
#include "logentry.h"
#include <stockade/version.h>

#define N_ENTRIES	3
#define PAYLOAD		4096

struct append_msg {
	struct stockade_wire_hdr hdr;
	u8 body[sizeof(struct stockade_wire_append) +
		N_ENTRIES * sizeof(struct stockade_log_entry) +
		2 * PAYLOAD];
	u32 body_len;
};

/* APPEND of entries 11..13 (term 5): write, flush, write. */
static void build_append(struct append_msg *m)
{
	struct stockade_wire_append *a = (void *)m->body;
	u8 *payload = m->body + sizeof(*a) + N_ENTRIES * sizeof(a->entries[0]);
	u32 i;

	memset(m, 0, sizeof(*m));
	a->prev_index = cpu_to_le64(10);
	a->prev_term = cpu_to_le64(4);
	a->leader_commit = cpu_to_le64(9);
	a->n_entries = cpu_to_le32(N_ENTRIES);
	for (i = 0; i < N_ENTRIES; i++) {
		struct stockade_log_entry *e = &a->entries[i];

		e->term = cpu_to_le64(5);
		e->index = cpu_to_le64(11 + i);
		if (i == 1) {
			e->flags = cpu_to_le32(STOCKADE_ENTRY_FLUSH);
			stockade_entry_seal(e, NULL);
			continue;
		}
		e->sector = cpu_to_le64(8 * i);
		e->len = cpu_to_le32(PAYLOAD);
		memset(payload, 'a' + i, PAYLOAD);
		stockade_entry_seal(e, payload);
		payload += PAYLOAD;
	}
	m->body_len = payload - m->body;
	stockade_wire_seal(&m->hdr, STOCKADE_MSG_APPEND, 5, 1, m->body,
			   m->body_len);
}

static enum stockade_wire_error receive(struct append_msg *m)
{
	struct stockade_wire_append_view view;
	struct stockade_wire_msg msg;
	enum stockade_wire_error err;

	err = stockade_wire_check_hdr(&m->hdr, &msg);
	if (err)
		return err;
	if (msg.body_len > sizeof(m->body))
		return STOCKADE_WIRE_BAD_LENGTH;
	err = stockade_wire_verify(&m->hdr, m->body);
	if (err)
		return err;
	return stockade_wire_parse_append(m->body, msg.body_len, &view);
}

TEST(sealed_append_is_accepted)
{
	struct stockade_wire_append_view view;
	struct stockade_wire_msg msg;
	struct append_msg m;

	build_append(&m);
	ASSERT_EQ(STOCKADE_WIRE_OK, stockade_wire_check_hdr(&m.hdr, &msg));
	EXPECT_EQ(STOCKADE_MSG_APPEND, msg.type);
	EXPECT_EQ(5u, msg.term);
	EXPECT_EQ(1u, msg.from_node);
	ASSERT_EQ(STOCKADE_WIRE_OK, stockade_wire_verify(&m.hdr, m.body));
	ASSERT_EQ(STOCKADE_WIRE_OK,
		  stockade_wire_parse_append(m.body, m.body_len, &view));
	EXPECT_EQ(10u, view.prev_index);
	EXPECT_EQ(3u, view.n_entries);
	EXPECT_EQ('a', view.payloads[0]);
	EXPECT_EQ('c', view.payloads[PAYLOAD]);
}

TEST(header_fields_checked)
{
	struct stockade_wire_msg msg;
	struct append_msg m;

	build_append(&m);
	m.hdr.magic ^= 1;
	EXPECT_EQ(STOCKADE_WIRE_BAD_MAGIC, stockade_wire_check_hdr(&m.hdr, &msg));
	build_append(&m);
	m.hdr.version = STOCKADE_WIRE_VERSION + 1;
	EXPECT_EQ(STOCKADE_WIRE_BAD_VERSION,
		  stockade_wire_check_hdr(&m.hdr, &msg));
	build_append(&m);
	m.hdr.type = __STOCKADE_MSG_MAX;
	EXPECT_EQ(STOCKADE_WIRE_UNKNOWN_TYPE,
		  stockade_wire_check_hdr(&m.hdr, &msg));
	m.hdr.type = 0;
	EXPECT_EQ(STOCKADE_WIRE_UNKNOWN_TYPE,
		  stockade_wire_check_hdr(&m.hdr, &msg));
	build_append(&m);
	m.hdr.flags = cpu_to_le16(1);
	EXPECT_EQ(STOCKADE_WIRE_RESERVED_SET,
		  stockade_wire_check_hdr(&m.hdr, &msg));
	build_append(&m);
	m.hdr.body_len = cpu_to_le32(STOCKADE_WIRE_MAX_BODY + 1);
	EXPECT_EQ(STOCKADE_WIRE_BAD_LENGTH,
		  stockade_wire_check_hdr(&m.hdr, &msg));
}

TEST(fixed_size_types_need_exact_length)
{
	struct stockade_wire_keepalive ka = { 0 };
	struct stockade_wire_hdr hdr;
	struct stockade_wire_msg msg;

	stockade_wire_seal(&hdr, STOCKADE_MSG_KEEPALIVE, 3, 2, &ka, sizeof(ka));
	EXPECT_EQ(STOCKADE_WIRE_OK, stockade_wire_check_hdr(&hdr, &msg));
	EXPECT_EQ(STOCKADE_WIRE_OK, stockade_wire_verify(&hdr, &ka));
	stockade_wire_seal(&hdr, STOCKADE_MSG_KEEPALIVE, 3, 2, &ka,
			   sizeof(ka) - 1);
	EXPECT_EQ(STOCKADE_WIRE_BAD_LENGTH, stockade_wire_check_hdr(&hdr, &msg));
}

TEST(every_flipped_bit_is_refused)
{
	struct append_msg m;
	u8 *p;
	size_t bit, total;

	build_append(&m);
	p = (u8 *)&m;
	total = (sizeof(m.hdr) + m.body_len) * 8;
	for (bit = 0; bit < total; bit += 3) {
		p[bit / 8] ^= 1u << (bit % 8);
		EXPECT_NE(STOCKADE_WIRE_OK, receive(&m));
		p[bit / 8] ^= 1u << (bit % 8);
	}
	EXPECT_EQ(STOCKADE_WIRE_OK, receive(&m));
}

/* Re-seal after tampering, as a buggy or hostile peer would. */
static enum stockade_wire_error tamper_and_parse(struct append_msg *m)
{
	struct stockade_wire_append_view view;

	return stockade_wire_parse_append(m->body, m->body_len, &view);
}

TEST(lying_lengths_are_refused)
{
	struct stockade_wire_append *a;
	struct append_msg m;

	build_append(&m);
	a = (void *)m.body;
	a->n_entries = cpu_to_le32(4);	/* more headers than sent */
	EXPECT_NE(STOCKADE_WIRE_OK, tamper_and_parse(&m));
	a->n_entries = cpu_to_le32(1000000);
	EXPECT_EQ(STOCKADE_WIRE_BAD_LENGTH, tamper_and_parse(&m));
	build_append(&m);
	m.body_len -= 1;		/* payload cut short */
	EXPECT_EQ(STOCKADE_WIRE_BAD_LENGTH, tamper_and_parse(&m));
	build_append(&m);
	a = (void *)m.body;
	a->n_entries = cpu_to_le32(2);	/* the last entry's bytes left over */
	EXPECT_NE(STOCKADE_WIRE_OK, tamper_and_parse(&m));
}

TEST(entry_rules)
{
	struct stockade_wire_append *a;
	struct append_msg m;

	build_append(&m);
	a = (void *)m.body;
	a->entries[1].index = cpu_to_le64(13);	/* skips 12 */
	stockade_entry_seal(&a->entries[1], NULL);
	EXPECT_EQ(STOCKADE_WIRE_BAD_SEQUENCE, tamper_and_parse(&m));

	build_append(&m);
	a->entries[0].term = cpu_to_le64(3);	/* older than prev_term */
	EXPECT_EQ(STOCKADE_WIRE_BAD_SEQUENCE, tamper_and_parse(&m));

	build_append(&m);
	a->entries[0].len = cpu_to_le32(100);	/* not whole sectors */
	EXPECT_EQ(STOCKADE_WIRE_BAD_ENTRY, tamper_and_parse(&m));

	build_append(&m);
	a->entries[0].flags = cpu_to_le32(0x100);
	EXPECT_EQ(STOCKADE_WIRE_BAD_ENTRY, tamper_and_parse(&m));

	build_append(&m);
	a->entries[0].flags = cpu_to_le32(STOCKADE_ENTRY_DISCARD |
					  STOCKADE_ENTRY_WRITE_ZEROES);
	EXPECT_EQ(STOCKADE_WIRE_BAD_ENTRY, tamper_and_parse(&m));

	build_append(&m);
	m.body[m.body_len - 1] ^= 0x40;		/* payload damaged */
	EXPECT_EQ(STOCKADE_WIRE_ENTRY_CORRUPT, tamper_and_parse(&m));
}

TEST(entry_range_must_fit_device)
{
	struct stockade_log_entry e = {
		.term = cpu_to_le64(1), .index = cpu_to_le64(1),
		.sector = cpu_to_le64(1016), .len = cpu_to_le32(4096),
	};

	EXPECT_TRUE(stockade_entry_header_valid(&e, 1024));
	EXPECT_FALSE(stockade_entry_header_valid(&e, 1023));
	e.sector = cpu_to_le64(UINT64_MAX - 3);
	EXPECT_FALSE(stockade_entry_header_valid(&e, 1024));
}

TEST(random_garbage_never_passes)
{
	struct append_msg m;
	unsigned int seed = 20261123, round;

	for (round = 0; round < 20000; round++) {
		u8 *p = (u8 *)&m;
		size_t i;

		build_append(&m);
		/* a few random bytes anywhere, random body length */
		for (i = 0; i < 1 + rand_r(&seed) % 8; i++)
			p[rand_r(&seed) % (sizeof(m.hdr) + m.body_len)] =
				rand_r(&seed);
		if (rand_r(&seed) % 4 == 0)
			m.body_len = rand_r(&seed) % sizeof(m.body);
		/* parse may succeed only if nothing changed */
		if (tamper_and_parse(&m) == STOCKADE_WIRE_OK &&
		    receive(&m) == STOCKADE_WIRE_OK) {
			struct append_msg good;

			build_append(&good);
			EXPECT_EQ(0, memcmp(&good.hdr, &m.hdr, sizeof(m.hdr)));
			EXPECT_EQ(0, memcmp(good.body, m.body, good.body_len));
		}
	}
}

/* A mismatch at 30 of a follower in term 7 whose log ends at 40. */
static struct stockade_wire_append_reply hinted_reply(void)
{
	return (struct stockade_wire_append_reply){
		.last_index = cpu_to_le64(40),
		.verdict = cpu_to_le32(STOCKADE_APPEND_MISMATCH),
		.conflict_term = cpu_to_le64(5),
		.conflict_index = cpu_to_le64(22),
	};
}

static enum stockade_wire_error
parse_reply(const struct stockade_wire_append_reply *r,
	    struct stockade_wire_append_reply_view *v)
{
	const struct stockade_wire_msg msg = {
		.type = STOCKADE_MSG_APPEND_REPLY, .body_len = sizeof(*r),
		.term = 7, .from_node = 2,
	};

	return stockade_wire_parse_append_reply(&msg, r, v);
}

TEST(append_reply_carries_a_hint_with_a_mismatch)
{
	struct stockade_wire_append_reply r = hinted_reply();
	struct stockade_wire_append_reply_view v;
	struct stockade_wire_hdr hdr;
	struct stockade_wire_msg msg;

	stockade_wire_seal(&hdr, STOCKADE_MSG_APPEND_REPLY, 7, 2, &r,
			   sizeof(r));
	ASSERT_EQ(STOCKADE_WIRE_OK, stockade_wire_check_hdr(&hdr, &msg));
	ASSERT_EQ(STOCKADE_WIRE_OK, stockade_wire_verify(&hdr, &r));
	ASSERT_EQ(STOCKADE_WIRE_OK, stockade_wire_parse_append_reply(&msg, &r,
								      &v));
	EXPECT_EQ(STOCKADE_APPEND_MISMATCH, v.verdict);
	EXPECT_EQ(40u, v.last_index);
	EXPECT_EQ(5u, v.hint.term);
	EXPECT_EQ(22u, v.hint.index);
	/* 40 bytes since version 2: version 1's 24 are refused */
	EXPECT_EQ(40u, sizeof(r));
	stockade_wire_seal(&hdr, STOCKADE_MSG_APPEND_REPLY, 7, 2, &r, 24);
	EXPECT_EQ(STOCKADE_WIRE_BAD_LENGTH, stockade_wire_check_hdr(&hdr, &msg));
	/* a mismatch may come without a hint */
	r.conflict_term = 0;
	r.conflict_index = 0;
	EXPECT_EQ(STOCKADE_WIRE_OK, parse_reply(&r, &v));
	EXPECT_EQ(0u, v.hint.term);
}

TEST(append_reply_hint_that_cannot_be_is_refused)
{
	struct stockade_wire_append_reply r;
	struct stockade_wire_append_reply_view v;
	u32 verdict;

	/* a hint with any other verdict */
	for (verdict = 0; verdict <= STOCKADE_APPEND_NEEDS_RESYNC; verdict++) {
		if (verdict == STOCKADE_APPEND_MISMATCH)
			continue;
		r = hinted_reply();
		r.verdict = cpu_to_le32(verdict);
		EXPECT_EQ(STOCKADE_WIRE_BAD_HINT, parse_reply(&r, &v));
		r.conflict_term = 0;
		EXPECT_EQ(STOCKADE_WIRE_BAD_HINT, parse_reply(&r, &v));
		r.conflict_index = 0;
		EXPECT_EQ(STOCKADE_WIRE_OK, parse_reply(&r, &v));
	}
	/* half a hint */
	r = hinted_reply();
	r.conflict_term = 0;
	EXPECT_EQ(STOCKADE_WIRE_BAD_HINT, parse_reply(&r, &v));
	r = hinted_reply();
	r.conflict_index = 0;
	EXPECT_EQ(STOCKADE_WIRE_BAD_HINT, parse_reply(&r, &v));
	/* beyond the follower's log, or a term newer than its own */
	r = hinted_reply();
	r.conflict_index = cpu_to_le64(41);
	EXPECT_EQ(STOCKADE_WIRE_BAD_HINT, parse_reply(&r, &v));
	r.conflict_index = cpu_to_le64(UINT64_MAX);
	EXPECT_EQ(STOCKADE_WIRE_BAD_HINT, parse_reply(&r, &v));
	r = hinted_reply();
	r.conflict_term = cpu_to_le64(8);
	EXPECT_EQ(STOCKADE_WIRE_BAD_HINT, parse_reply(&r, &v));
	r.conflict_term = cpu_to_le64(UINT64_MAX);
	EXPECT_EQ(STOCKADE_WIRE_BAD_HINT, parse_reply(&r, &v));
	/* the rest of the body */
	r = hinted_reply();
	r.verdict = cpu_to_le32(STOCKADE_APPEND_NEEDS_RESYNC + 1);
	EXPECT_EQ(STOCKADE_WIRE_BAD_VERDICT, parse_reply(&r, &v));
	r = hinted_reply();
	r.reserved = cpu_to_le32(1);
	EXPECT_EQ(STOCKADE_WIRE_RESERVED_SET, parse_reply(&r, &v));
}

TEST(random_append_replies_pass_only_when_sound)
{
	struct stockade_wire_append_reply r;
	struct stockade_wire_append_reply_view v;
	unsigned int seed = 20261124, round, passed = 0;

	for (round = 0; round < 20000; round++) {
		u8 *p = (u8 *)&r;
		size_t i;

		r = hinted_reply();
		for (i = 0; i < 1 + rand_r(&seed) % 4; i++)
			p[rand_r(&seed) % sizeof(r)] = rand_r(&seed) %
				(rand_r(&seed) % 2 ? 256 : 8);
		if (parse_reply(&r, &v) != STOCKADE_WIRE_OK)
			continue;
		passed++;
		ASSERT_LE(v.verdict, STOCKADE_APPEND_NEEDS_RESYNC);
		if (v.verdict != STOCKADE_APPEND_MISMATCH || !v.hint.term) {
			ASSERT_EQ(0u, v.hint.term);
			ASSERT_EQ(0u, v.hint.index);
		} else {
			ASSERT_LE(1u, v.hint.index);
			ASSERT_LE(v.hint.index, v.last_index);
			ASSERT_LE(v.hint.term, 7u);
		}
	}
	/* the damage is small enough that some replies stay sound */
	EXPECT_LT(0u, passed);
}

TEST_HARNESS_MAIN
