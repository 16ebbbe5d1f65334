// SPDX-License-Identifier: GPL-2.0
/*
 * Full resync (core/resync.c, and its parts of core/superblock.c and
 * core/wire.c): the leader's copy from start to catch-up, resumed after a
 * reconnection from where the follower is (never from 0), restarted for
 * a lost session, given up on a refusal; answers that cannot be right;
 * the pacer's rate over a whole copy, however late the sender wakes; the
 * follower's checks; the superblock's resync record and the chunk parser.
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "resync.h"
#include "crc32c.h"
#include "superblock.h"
#include "wire.h"

#define DATA_BLOCKS	1000	/* 15 chunks of 64 and one of 40 */
#define SESSION		0x5eed
#define SNAP		500
#define SNAP_TERM	3
#define MS		1000000ULL
#define S		1000000000ULL

static void started(struct __test_metadata *_metadata,
		    struct stockade_resync_src *s)
{
	struct stockade_resync_pacer p = { 0 };
	struct stockade_resync_step step;

	stockade_resync_src_begin(s, 4, SESSION, SNAP, SNAP_TERM, DATA_BLOCKS);
	ASSERT_EQ(STOCKADE_RSRC_SEND_START,
		  stockade_resync_src_next(s, &p, 0, 64, &step));
}

static void ack_ok(struct __test_metadata *_metadata,
		   struct stockade_resync_src *s, u64 next)
{
	ASSERT_EQ(STOCKADE_RSRC_ACK_PROGRESS,
		  stockade_resync_src_on_ack(s, SESSION, next,
					     STOCKADE_RESYNC_ACK_OK));
}

TEST(a_copy_from_start_to_catch_up)
{
	struct stockade_resync_pacer p = { 0 };
	struct stockade_resync_step step;
	struct stockade_resync_src s;
	u64 expect = 0;
	u32 chunks = 0;

	started(_metadata, &s);
	/* one message in flight */
	EXPECT_EQ(STOCKADE_RSRC_IDLE, stockade_resync_src_next(&s, &p, 0, 64,
							       &step));
	EXPECT_EQ(SNAP, stockade_resync_src_pin(&s, 0));
	ack_ok(_metadata, &s, 0);
	for (;;) {
		enum stockade_resync_action a;

		a = stockade_resync_src_next(&s, &p, 0, 64, &step);
		if (a == STOCKADE_RSRC_SEND_DONE)
			break;
		ASSERT_EQ(STOCKADE_RSRC_SEND_CHUNK, a);
		EXPECT_EQ(expect, step.offset);
		EXPECT_EQ(chunks < 15 ? 64u : 40u, step.n);
		expect += step.n;
		chunks++;
		ack_ok(_metadata, &s, expect);
	}
	EXPECT_EQ(16u, chunks);
	EXPECT_EQ(STOCKADE_RSRC_FINISHING, s.phase);
	s.catch_up_index = 700;
	ASSERT_EQ(STOCKADE_RSRC_ACK_COMPLETED,
		  stockade_resync_src_on_ack(&s, SESSION, DATA_BLOCKS,
					     STOCKADE_RESYNC_ACK_DONE));
	/* the log keeps what the follower still has to replay */
	EXPECT_EQ(SNAP, stockade_resync_src_pin(&s, 0));
	EXPECT_EQ(650u, stockade_resync_src_pin(&s, 650));
	EXPECT_FALSE(stockade_resync_src_caught_up(&s, 699));
	EXPECT_TRUE(stockade_resync_src_caught_up(&s, 700));
	EXPECT_EQ(U64_MAX, stockade_resync_src_pin(&s, 700));
	EXPECT_EQ(STOCKADE_RSRC_DONE, s.phase);
}

TEST(a_reconnection_resumes_where_the_follower_is)
{
	struct stockade_resync_pacer p = { 0 };
	struct stockade_resync_step step;
	struct stockade_resync_src s;

	started(_metadata, &s);
	ack_ok(_metadata, &s, 0);
	ASSERT_EQ(STOCKADE_RSRC_SEND_CHUNK,
		  stockade_resync_src_next(&s, &p, 0, 64, &step));
	ack_ok(_metadata, &s, 64);
	ASSERT_EQ(STOCKADE_RSRC_SEND_CHUNK,
		  stockade_resync_src_next(&s, &p, 0, 64, &step));
	EXPECT_EQ(64u, step.offset);
	/* the connection breaks with the chunk in flight */
	stockade_resync_src_reconnect(&s);
	EXPECT_EQ(STOCKADE_RSRC_STARTING, s.phase);
	EXPECT_EQ(SNAP, stockade_resync_src_pin(&s, 0));
	ASSERT_EQ(STOCKADE_RSRC_SEND_START,
		  stockade_resync_src_next(&s, &p, 0, 64, &step));
	/* it had written the chunk: the copy goes on after it, not at 0 */
	ack_ok(_metadata, &s, 128);
	ASSERT_EQ(STOCKADE_RSRC_SEND_CHUNK,
		  stockade_resync_src_next(&s, &p, 0, 64, &step));
	EXPECT_EQ(128u, step.offset);
}

TEST(a_lost_session_starts_again)
{
	struct stockade_resync_pacer p = { 0 };
	struct stockade_resync_step step;
	struct stockade_resync_src s;

	started(_metadata, &s);
	ack_ok(_metadata, &s, 0);
	ASSERT_EQ(STOCKADE_RSRC_SEND_CHUNK,
		  stockade_resync_src_next(&s, &p, 0, 64, &step));
	EXPECT_EQ(STOCKADE_RSRC_ACK_RESTART,
		  stockade_resync_src_on_ack(&s, SESSION, 0,
					     STOCKADE_RESYNC_ACK_UNKNOWN_SESSION));
	EXPECT_EQ(STOCKADE_RSRC_SEND_START,
		  stockade_resync_src_next(&s, &p, 0, 64, &step));
}

TEST(a_refusal_gives_the_copy_up)
{
	struct stockade_resync_src s;

	started(_metadata, &s);
	EXPECT_EQ(STOCKADE_RSRC_ACK_REFUSED,
		  stockade_resync_src_on_ack(&s, SESSION, 0,
					     STOCKADE_RESYNC_ACK_REFUSED));
	stockade_resync_src_abort(&s, 5 * S);
	EXPECT_FALSE(stockade_resync_src_copying(&s));
	EXPECT_EQ(U64_MAX, stockade_resync_src_pin(&s, 0));
	EXPECT_EQ(5 * S, s.retry_ns);
}

TEST(answers_that_cannot_be_right)
{
	struct stockade_resync_pacer p = { 0 };
	struct stockade_resync_step step;
	struct stockade_resync_src s;

	started(_metadata, &s);
	/* beyond the data region */
	EXPECT_EQ(STOCKADE_RSRC_ACK_INVALID,
		  stockade_resync_src_on_ack(&s, SESSION, DATA_BLOCKS + 1,
					     STOCKADE_RESYNC_ACK_OK));
	ack_ok(_metadata, &s, 10);
	ASSERT_EQ(STOCKADE_RSRC_SEND_CHUNK,
		  stockade_resync_src_next(&s, &p, 0, 64, &step));
	/* beyond what was sent */
	EXPECT_EQ(STOCKADE_RSRC_ACK_INVALID,
		  stockade_resync_src_on_ack(&s, SESSION, 75,
					     STOCKADE_RESYNC_ACK_OK));
	/* "done" while blocks are missing */
	EXPECT_EQ(STOCKADE_RSRC_ACK_INVALID,
		  stockade_resync_src_on_ack(&s, SESSION, DATA_BLOCKS,
					     STOCKADE_RESYNC_ACK_DONE));
	/* an unknown status */
	EXPECT_EQ(STOCKADE_RSRC_ACK_INVALID,
		  stockade_resync_src_on_ack(&s, SESSION, 0, 99));
	/* another session's answer changes nothing */
	EXPECT_EQ(STOCKADE_RSRC_ACK_IGNORED,
		  stockade_resync_src_on_ack(&s, SESSION + 1, 0,
					     STOCKADE_RESYNC_ACK_REFUSED));
	ack_ok(_metadata, &s, 74);
	/* nothing in flight: an answer from an older connection */
	EXPECT_EQ(STOCKADE_RSRC_ACK_IGNORED,
		  stockade_resync_src_on_ack(&s, SESSION, 74,
					     STOCKADE_RESYNC_ACK_OK));
}

TEST(an_accepted_append_ends_a_copy_whose_end_was_lost)
{
	struct stockade_resync_src s;

	started(_metadata, &s);
	EXPECT_TRUE(stockade_resync_src_append_ok(&s));
	EXPECT_EQ(STOCKADE_RSRC_CATCHING_UP, s.phase);
	EXPECT_EQ(SNAP, stockade_resync_src_pin(&s, 0));
	EXPECT_TRUE(stockade_resync_src_caught_up(&s, SNAP));
	EXPECT_FALSE(stockade_resync_src_append_ok(&s));
}

/*
 * A whole copy under a rate limit, answered at once, with the sender
 * waking @late_ns after each deadline: when does the end go out?
 */
static u64 paced_copy(u32 rate_kbps, u64 late_ns, u32 *waits)
{
	struct stockade_resync_pacer p = { 0 };
	struct stockade_resync_step step;
	struct stockade_resync_src s;
	u64 now = 10 * S;

	stockade_resync_src_begin(&s, 4, SESSION, SNAP, SNAP_TERM, DATA_BLOCKS);
	*waits = 0;
	for (;;) {
		switch (stockade_resync_src_next(&s, &p, now, 64, &step)) {
		case STOCKADE_RSRC_SEND_START:
			stockade_resync_src_on_ack(&s, SESSION, 0,
						   STOCKADE_RESYNC_ACK_OK);
			break;
		case STOCKADE_RSRC_SEND_CHUNK:
			stockade_resync_pace(&p, (u64)step.n * 4096, rate_kbps,
					     now);
			stockade_resync_src_on_ack(&s, SESSION,
						   step.offset + step.n,
						   STOCKADE_RESYNC_ACK_OK);
			break;
		case STOCKADE_RSRC_WAIT:
			now = step.until + late_ns;
			(*waits)++;
			break;
		case STOCKADE_RSRC_SEND_DONE:
			return now - 10 * S;
		default:
			return U64_MAX;
		}
	}
}

TEST(the_rate_limit_holds_over_a_copy)
{
	/* 1000 blocks = 4000 KiB at 1000 KiB/s: 4 s */
	u64 want = 4 * S - STOCKADE_RESYNC_PACE_SLACK_NS;
	u32 waits;
	u64 took;

	took = paced_copy(1000, 0, &waits);
	EXPECT_GE(took, want);
	EXPECT_LE(took, 4 * S);
	EXPECT_EQ(16u, waits);
	/* a sender that always wakes 4 ms late still keeps the rate */
	took = paced_copy(1000, 4 * MS, &waits);
	EXPECT_GE(took, want);
	EXPECT_LE(took, 4 * S + 4 * MS);
	/* unlimited: never waits */
	took = paced_copy(0, 0, &waits);
	EXPECT_EQ(0u, took);
	EXPECT_EQ(0u, waits);
}

/* --- follower --------------------------------------------------------- */

static struct stockade_resync_start_req start_req(u64 session)
{
	return (struct stockade_resync_start_req) {
		.term = 4, .session = session, .snap_index = SNAP,
		.snap_term = SNAP_TERM, .data_blocks = DATA_BLOCKS,
	};
}

static struct stockade_resync_dst copying(u64 next)
{
	struct stockade_resync_dst d = {
		.needed = true,
		.rec = { .session = SESSION, .snap_index = SNAP,
			 .snap_term = SNAP_TERM, .next_block = next & ~1023ULL },
		.next_block = next,
		.data_blocks = DATA_BLOCKS,
	};

	return d;
}

TEST(follower_start)
{
	struct stockade_resync_start_req req = start_req(SESSION);
	struct stockade_resync_dst d = { .data_blocks = DATA_BLOCKS };
	struct stockade_super_resync rec;

	/* in sync, or a disk formatted to join: a new copy from 0 */
	EXPECT_EQ(STOCKADE_RDST_NEW, stockade_resync_dst_start(&d, &req, &rec));
	EXPECT_EQ(SESSION, rec.session);
	EXPECT_EQ(SNAP, rec.snap_index);
	EXPECT_EQ(0u, rec.next_block);
	d.needed = true;
	EXPECT_TRUE(stockade_resync_dst_copying(&d));
	EXPECT_EQ(STOCKADE_RDST_NEW, stockade_resync_dst_start(&d, &req, &rec));
	/* the same session resumes; another starts over */
	d = copying(300);
	EXPECT_EQ(STOCKADE_RDST_RESUME,
		  stockade_resync_dst_start(&d, &req, &rec));
	req.session = SESSION + 1;
	EXPECT_EQ(STOCKADE_RDST_NEW, stockade_resync_dst_start(&d, &req, &rec));
	/* one session, one snapshot */
	req = start_req(SESSION);
	req.snap_index++;
	EXPECT_EQ(STOCKADE_RDST_INVALID,
		  stockade_resync_dst_start(&d, &req, &rec));
	/* no session id, a snapshot from a future term, index 0 with a term */
	req = start_req(0);
	EXPECT_EQ(STOCKADE_RDST_INVALID,
		  stockade_resync_dst_start(&d, &req, &rec));
	req = start_req(SESSION);
	req.snap_term = 5;
	EXPECT_EQ(STOCKADE_RDST_INVALID,
		  stockade_resync_dst_start(&d, &req, &rec));
	req = start_req(SESSION + 1);
	req.snap_index = 0;
	EXPECT_EQ(STOCKADE_RDST_INVALID,
		  stockade_resync_dst_start(&d, &req, &rec));
	/* another geometry */
	req = start_req(SESSION);
	req.data_blocks++;
	EXPECT_EQ(STOCKADE_RDST_REFUSE,
		  stockade_resync_dst_start(&d, &req, &rec));
	/* already copied: catching up */
	req = start_req(SESSION);
	d.rec.catch_up_index = 800;
	EXPECT_FALSE(stockade_resync_dst_copying(&d));
	EXPECT_EQ(STOCKADE_RDST_ALREADY_DONE,
		  stockade_resync_dst_start(&d, &req, &rec));
}

TEST(follower_chunks)
{
	struct stockade_resync_dst d = copying(128);

	EXPECT_EQ(STOCKADE_RDST_WRITE,
		  stockade_resync_dst_chunk(&d, SESSION, 128, 64));
	/* out of order: say where it is */
	EXPECT_EQ(STOCKADE_RDST_RESUME,
		  stockade_resync_dst_chunk(&d, SESSION, 192, 64));
	EXPECT_EQ(STOCKADE_RDST_RESUME,
		  stockade_resync_dst_chunk(&d, SESSION, 64, 64));
	/* past the data region */
	EXPECT_EQ(STOCKADE_RDST_INVALID,
		  stockade_resync_dst_chunk(&d, SESSION, 960, 41));
	EXPECT_EQ(STOCKADE_RDST_INVALID,
		  stockade_resync_dst_chunk(&d, SESSION, U64_MAX - 2, 64));
	EXPECT_EQ(STOCKADE_RDST_UNKNOWN_SESSION,
		  stockade_resync_dst_chunk(&d, SESSION + 1, 128, 64));
	d.rec.catch_up_index = 800;
	EXPECT_EQ(STOCKADE_RDST_UNKNOWN_SESSION,
		  stockade_resync_dst_chunk(&d, SESSION, 128, 64));
}

TEST(follower_persists_every_few_mib_and_at_the_end)
{
	struct stockade_resync_dst d = copying(0);

	d.data_blocks = 5000;
	d.next_block = 1023;
	EXPECT_FALSE(stockade_resync_dst_persist_due(&d));
	d.next_block = 1024;
	EXPECT_TRUE(stockade_resync_dst_persist_due(&d));
	d.rec.next_block = 1024;
	d.next_block = 2000;
	EXPECT_FALSE(stockade_resync_dst_persist_due(&d));
	d.next_block = 5000;
	EXPECT_TRUE(stockade_resync_dst_persist_due(&d));
}

static struct stockade_wire_resync_done done_msg(u64 session, u64 catch_up)
{
	return (struct stockade_wire_resync_done) {
		.session = cpu_to_le64(session),
		.snap_index = cpu_to_le64(SNAP),
		.snap_term = cpu_to_le64(SNAP_TERM),
		.catch_up_index = cpu_to_le64(catch_up),
	};
}

TEST(follower_done)
{
	struct stockade_wire_resync_done m = done_msg(SESSION, 700);
	struct stockade_resync_dst d = copying(DATA_BLOCKS);

	EXPECT_EQ(STOCKADE_RDST_FINISH, stockade_resync_dst_done(&d, &m));
	m = done_msg(SESSION + 1, 700);
	EXPECT_EQ(STOCKADE_RDST_UNKNOWN_SESSION,
		  stockade_resync_dst_done(&d, &m));
	/* a catch-up target before the snapshot is nonsense */
	m = done_msg(SESSION, SNAP - 1);
	EXPECT_EQ(STOCKADE_RDST_INVALID, stockade_resync_dst_done(&d, &m));
	m = done_msg(SESSION, 700);
	m.snap_term = cpu_to_le64(SNAP_TERM + 1);
	EXPECT_EQ(STOCKADE_RDST_INVALID, stockade_resync_dst_done(&d, &m));
	/* blocks missing (a restart lost the unpersisted tail) */
	m = done_msg(SESSION, 700);
	d = copying(900);
	EXPECT_EQ(STOCKADE_RDST_RESUME, stockade_resync_dst_done(&d, &m));
	/* already done: say so again */
	d = copying(DATA_BLOCKS);
	d.rec.catch_up_index = 700;
	EXPECT_EQ(STOCKADE_RDST_ALREADY_DONE, stockade_resync_dst_done(&d, &m));
	EXPECT_FALSE(stockade_resync_dst_caught_up(&d, 699));
	EXPECT_TRUE(stockade_resync_dst_caught_up(&d, 700));
	d.needed = false;
	EXPECT_FALSE(stockade_resync_dst_caught_up(&d, 700));
}

/* --- the superblock's resync record ---------------------------------- */

#define DISK_BLOCKS	(128 * 1024)

static struct stockade_super flagged_super(void)
{
	struct stockade_super sb;

	memset(&sb, 0, sizeof(sb));
	stockade_super_layout(&sb, DISK_BLOCKS, 1024);
	memcpy(sb.cluster_uuid, "cluster-uuid-01", 16);
	memcpy(sb.device_uuid, "device-uuid-001", 16);
	sb.node_id = 3;
	sb.current_term = 4;
	sb.log_id = 77;
	sb.generation = 9;
	sb.flags = STOCKADE_SUPER_NEEDS_RESYNC;
	sb.resync = (struct stockade_super_resync) {
		.session = SESSION, .snap_index = SNAP, .snap_term = SNAP_TERM,
		.next_block = 4096,
	};
	return sb;
}

static void reseal(struct stockade_disk_super *raw, u32 size)
{
	raw->size = cpu_to_le32(size);
	raw->crc = 0;
	raw->crc = cpu_to_le32(stockade_crc32c(0, raw, size));
}

TEST(the_resync_record_round_trips)
{
	struct stockade_super sb = flagged_super(), back;
	struct stockade_disk_super raw;

	stockade_super_encode(&sb, &raw);
	EXPECT_EQ(STOCKADE_SUPER_SIZE_RESYNC, le32_to_cpu(raw.size));
	ASSERT_EQ(STOCKADE_SUPER_OK,
		  stockade_super_decode(&raw, DISK_BLOCKS, &back));
	EXPECT_EQ(0, memcmp(&sb, &back, sizeof(sb)));
	/* in sync: the record is gone and the superblock is the short one */
	sb.flags = 0;
	memset(&sb.resync, 0, sizeof(sb.resync));
	stockade_super_encode(&sb, &raw);
	EXPECT_EQ(STOCKADE_SUPER_SIZE_PLAIN, le32_to_cpu(raw.size));
	EXPECT_EQ(152u, STOCKADE_SUPER_SIZE_PLAIN);
	ASSERT_EQ(STOCKADE_SUPER_OK,
		  stockade_super_decode(&raw, DISK_BLOCKS, &back));
	EXPECT_EQ(0, memcmp(&sb, &back, sizeof(sb)));
}

TEST(a_record_that_does_not_add_up_is_refused)
{
	struct stockade_super sb = flagged_super(), back;
	struct stockade_disk_super raw;

	/* the flag in a short superblock; a record without the flag */
	stockade_super_encode(&sb, &raw);
	reseal(&raw, STOCKADE_SUPER_SIZE_PLAIN);
	EXPECT_EQ(STOCKADE_SUPER_BAD_FIELD,
		  stockade_super_decode(&raw, DISK_BLOCKS, &back));
	raw.flags = 0;
	reseal(&raw, STOCKADE_SUPER_SIZE_RESYNC);
	EXPECT_EQ(STOCKADE_SUPER_BAD_FIELD,
		  stockade_super_decode(&raw, DISK_BLOCKS, &back));
	/* a flag no release knows */
	sb = flagged_super();
	sb.flags |= 0x4;
	stockade_super_encode(&sb, &raw);
	EXPECT_EQ(STOCKADE_SUPER_BAD_FIELD,
		  stockade_super_decode(&raw, DISK_BLOCKS, &back));
	/* copied beyond the data region; a snapshot from a future term */
	sb = flagged_super();
	sb.resync.next_block = sb.data_blocks + 1;
	stockade_super_encode(&sb, &raw);
	EXPECT_EQ(STOCKADE_SUPER_BAD_FIELD,
		  stockade_super_decode(&raw, DISK_BLOCKS, &back));
	sb = flagged_super();
	sb.resync.snap_term = sb.current_term + 1;
	stockade_super_encode(&sb, &raw);
	EXPECT_EQ(STOCKADE_SUPER_BAD_FIELD,
		  stockade_super_decode(&raw, DISK_BLOCKS, &back));
	/* progress without a session */
	sb = flagged_super();
	sb.resync.session = 0;
	stockade_super_encode(&sb, &raw);
	EXPECT_EQ(STOCKADE_SUPER_BAD_FIELD,
		  stockade_super_decode(&raw, DISK_BLOCKS, &back));
	/* a disk formatted to join: flag, no session, nothing copied */
	sb = flagged_super();
	memset(&sb.resync, 0, sizeof(sb.resync));
	stockade_super_encode(&sb, &raw);
	EXPECT_EQ(STOCKADE_SUPER_OK,
		  stockade_super_decode(&raw, DISK_BLOCKS, &back));
}

TEST(every_flipped_bit_of_a_record_is_caught)
{
	struct stockade_super sb = flagged_super(), back;
	struct stockade_disk_super raw;
	unsigned char *p = (unsigned char *)&raw;

	stockade_super_encode(&sb, &raw);
	for (size_t bit = 0; bit < sizeof(raw) * 8; bit++) {
		p[bit / 8] ^= 1u << (bit % 8);
		EXPECT_NE(STOCKADE_SUPER_OK,
			  stockade_super_decode(&raw, DISK_BLOCKS, &back));
		p[bit / 8] ^= 1u << (bit % 8);
	}
	EXPECT_EQ(STOCKADE_SUPER_OK,
		  stockade_super_decode(&raw, DISK_BLOCKS, &back));
}

/* --- RESYNC_* on the wire --------------------------------------------- */

struct chunk_msg {
	struct stockade_wire_hdr hdr;
	struct stockade_wire_resync_chunk c;
	u8 data[3 * 4096];
};

static u32 build_chunk(struct chunk_msg *m, u32 n)
{
	u32 len = sizeof(m->c) + n * 4096;

	memset(m, 0, sizeof(*m));
	memset(m->data, 0xa5, sizeof(m->data));
	m->c.session = cpu_to_le64(SESSION);
	m->c.offset_block = cpu_to_le64(64);
	m->c.n_blocks = cpu_to_le32(n);
	m->c.data_crc = cpu_to_le32(stockade_crc32c(0, m->data, n * 4096));
	stockade_wire_seal(&m->hdr, STOCKADE_MSG_RESYNC_CHUNK, 4, 1, &m->c,
			   len);
	return len;
}

TEST(chunks_are_checked)
{
	struct stockade_wire_chunk_view v;
	struct stockade_wire_msg msg;
	struct chunk_msg m;
	u32 len;

	len = build_chunk(&m, 3);
	ASSERT_EQ(STOCKADE_WIRE_OK, stockade_wire_check_hdr(&m.hdr, &msg));
	ASSERT_EQ(STOCKADE_WIRE_OK, stockade_wire_verify(&m.hdr, &m.c));
	ASSERT_EQ(STOCKADE_WIRE_OK,
		  stockade_wire_parse_resync_chunk(&m.c, len, &v));
	EXPECT_EQ(SESSION, v.session);
	EXPECT_EQ(64u, v.offset_block);
	EXPECT_EQ(3u, v.n_blocks);
	EXPECT_TRUE(v.data == m.data);
	/* the data crc, on its own */
	m.data[5000] ^= 1;
	EXPECT_EQ(STOCKADE_WIRE_DATA_CORRUPT,
		  stockade_wire_parse_resync_chunk(&m.c, len, &v));
	/* a count that lies about the length */
	len = build_chunk(&m, 3);
	m.c.n_blocks = cpu_to_le32(2);
	EXPECT_EQ(STOCKADE_WIRE_BAD_LENGTH,
		  stockade_wire_parse_resync_chunk(&m.c, len, &v));
	m.c.n_blocks = 0;
	EXPECT_EQ(STOCKADE_WIRE_BAD_LENGTH,
		  stockade_wire_parse_resync_chunk(&m.c, len, &v));
	EXPECT_EQ(STOCKADE_WIRE_BAD_LENGTH,
		  stockade_wire_parse_resync_chunk(&m.c, 10, &v));
	/* a range that wraps */
	len = build_chunk(&m, 1);
	m.c.offset_block = cpu_to_le64(U64_MAX);
	EXPECT_EQ(STOCKADE_WIRE_BAD_LENGTH,
		  stockade_wire_parse_resync_chunk(&m.c, len, &v));
}

TEST(resync_message_lengths)
{
	struct stockade_wire_resync_start start = { 0 };
	struct stockade_wire_resync_ack ack = { 0 };
	struct stockade_wire_hdr hdr;
	struct stockade_wire_msg msg;
	static u8 big[sizeof(struct stockade_wire_resync_chunk) +
		      (STOCKADE_RESYNC_MAX_CHUNK_BLOCKS + 1) * 4096];

	stockade_wire_seal(&hdr, STOCKADE_MSG_RESYNC_START, 4, 1, &start,
			   sizeof(start));
	EXPECT_EQ(STOCKADE_WIRE_OK, stockade_wire_check_hdr(&hdr, &msg));
	stockade_wire_seal(&hdr, STOCKADE_MSG_RESYNC_START, 4, 1, &start,
			   sizeof(start) - 8);
	EXPECT_EQ(STOCKADE_WIRE_BAD_LENGTH, stockade_wire_check_hdr(&hdr, &msg));
	stockade_wire_seal(&hdr, STOCKADE_MSG_RESYNC_ACK, 4, 1, &ack,
			   sizeof(ack));
	EXPECT_EQ(STOCKADE_WIRE_OK, stockade_wire_check_hdr(&hdr, &msg));
	stockade_wire_seal(&hdr, STOCKADE_MSG_RESYNC_DONE, 4, 1, &start,
			   sizeof(struct stockade_wire_resync_done));
	EXPECT_EQ(STOCKADE_WIRE_OK, stockade_wire_check_hdr(&hdr, &msg));
	/* a chunk: one block to 1 MiB of data */
	stockade_wire_seal(&hdr, STOCKADE_MSG_RESYNC_CHUNK, 4, 1, big,
			   sizeof(struct stockade_wire_resync_chunk));
	EXPECT_EQ(STOCKADE_WIRE_BAD_LENGTH, stockade_wire_check_hdr(&hdr, &msg));
	stockade_wire_seal(&hdr, STOCKADE_MSG_RESYNC_CHUNK, 4, 1, big,
			   sizeof(big) - 4096);
	EXPECT_EQ(STOCKADE_WIRE_OK, stockade_wire_check_hdr(&hdr, &msg));
	stockade_wire_seal(&hdr, STOCKADE_MSG_RESYNC_CHUNK, 4, 1, big,
			   sizeof(big));
	EXPECT_EQ(STOCKADE_WIRE_BAD_LENGTH, stockade_wire_check_hdr(&hdr, &msg));
}

TEST(random_chunks_never_pass)
{
	unsigned int seed = 20261123, round;
	struct stockade_wire_chunk_view v;
	struct chunk_msg m;

	for (round = 0; round < 5000; round++) {
		u8 *p = (u8 *)&m.c;
		u32 len = build_chunk(&m, 1 + round % 3), i;

		for (i = 0; i < 1 + rand_r(&seed) % 4; i++)
			p[rand_r(&seed) % len] ^= 1 + rand_r(&seed) % 255;
		/* a flip may land in the session or offset, which no crc covers */
		if (stockade_wire_parse_resync_chunk(&m.c, len, &v) ==
		    STOCKADE_WIRE_OK) {
			EXPECT_EQ(1 + round % 3, v.n_blocks);
			EXPECT_EQ(STOCKADE_WIRE_BAD_CHECKSUM,
				  stockade_wire_verify(&m.hdr, &m.c));
		}
	}
}

TEST_HARNESS_MAIN
