// SPDX-License-Identifier: GPL-2.0
#include "logring.h"
#include "crc32c.h"
#include "logentry.h"

#define BLOCK		STOCKADE_BLOCK_SIZE
#define SECTORS_PER_BLOCK (BLOCK / 512)

u64 stockade_log_place(const struct stockade_log_geom *g, u64 prev_end,
		       u32 n)
{
	u64 offset = prev_end % g->blocks;

	if (offset + n <= g->blocks)
		return prev_end;
	return prev_end - offset + g->blocks;
}

bool stockade_log_fits(const struct stockade_log_geom *g, u64 head,
		       u64 prev_end, u32 n)
{
	u64 at;

	if (n == 0 || n > g->blocks || prev_end < head)
		return false;
	at = stockade_log_place(g, prev_end, n);
	return at + n - head <= g->blocks;
}

bool stockade_log_joins_group(const struct stockade_log_geom *g,
			      u64 group_lsn, u64 prev_end, u32 n)
{
	return prev_end >= group_lsn &&
	       stockade_log_place(g, prev_end, n) == prev_end &&
	       prev_end / g->blocks == group_lsn / g->blocks;
}

static u32 batch_crc(const void *block)
{
	const struct stockade_log_batch *b = block;
	u32 zero = 0, crc;

	crc = stockade_crc32c(0, b, offsetof(struct stockade_log_batch, crc));
	crc = stockade_crc32c(crc, &zero, sizeof(zero));
	return stockade_crc32c(crc, &b->lsn,
			       BLOCK - offsetof(struct stockade_log_batch, lsn));
}

void stockade_batch_seal(void *block)
{
	struct stockade_log_batch *b = block;

	b->magic = cpu_to_le32(STOCKADE_LOG_MAGIC);
	b->crc = cpu_to_le32(batch_crc(block));
}

/* Payload blocks the entries need; U32_MAX when absurd. */
static u32 payload_blocks(const struct stockade_log_batch *b, u32 n)
{
	u64 bytes = 0;
	u32 i;

	for (i = 0; i < n; i++)
		bytes += stockade_entry_payload_len(&b->entries[i]);
	if (bytes % BLOCK || bytes / BLOCK >= STOCKADE_BATCH_MAX_BLOCKS)
		return U32_MAX;
	return bytes / BLOCK;
}

static enum stockade_batch_error
check_entries(const struct stockade_log_batch *b, u32 n, u64 first_index,
	      u64 prev_term, u64 data_sectors)
{
	u32 i;

	for (i = 0; i < n; i++) {
		const struct stockade_log_entry *e = &b->entries[i];
		u64 term = le64_to_cpu(e->term);

		if (!stockade_entry_header_valid(e, data_sectors))
			return STOCKADE_BATCH_BAD_ENTRY;
		if (term < prev_term)
			return STOCKADE_BATCH_BAD_SEQUENCE;
		if (le64_to_cpu(e->index) != first_index + i)
			return STOCKADE_BATCH_BAD_SEQUENCE;
		prev_term = term;
	}
	return STOCKADE_BATCH_OK;
}

enum stockade_batch_error
stockade_batch_check(const void *block, const struct stockade_batch_want *w)
{
	const struct stockade_log_batch *b = block;
	u32 n = le32_to_cpu(b->n_entries);
	u64 first_index = w->first_index;
	u32 payload;

	if (le32_to_cpu(b->magic) != STOCKADE_LOG_MAGIC)
		return STOCKADE_BATCH_NO_MAGIC;
	if (le32_to_cpu(b->crc) != batch_crc(block))
		return STOCKADE_BATCH_BAD_CHECKSUM;
	if (le64_to_cpu(b->lsn) != w->lsn ||
	    le64_to_cpu(b->prev_end) != w->prev_end ||
	    le64_to_cpu(b->log_id) != w->log_id ||
	    le32_to_cpu(b->epoch) < w->min_epoch ||
	    le32_to_cpu(b->epoch) > w->max_epoch)
		return STOCKADE_BATCH_STALE;
	if (b->reserved)
		return STOCKADE_BATCH_BAD_SHAPE;
	if (n == 0 || n > STOCKADE_BATCH_MAX_ENTRIES)
		return STOCKADE_BATCH_BAD_SHAPE;
	payload = payload_blocks(b, n);
	if (payload == U32_MAX || le32_to_cpu(b->blocks) != 1 + payload)
		return STOCKADE_BATCH_BAD_SHAPE;
	if (!first_index)
		first_index = le64_to_cpu(b->entries[0].index);
	return check_entries(b, n, first_index, w->min_term, w->data_sectors);
}

/* Every entry's crc against the payloads that follow the header. */
static bool payloads_intact(const struct stockade_log_batch *b,
			    const u8 *payload)
{
	u32 i, n = le32_to_cpu(b->n_entries);

	for (i = 0; i < n; i++) {
		if (!stockade_entry_intact(&b->entries[i], payload))
			return false;
		payload += stockade_entry_payload_len(&b->entries[i]);
	}
	return true;
}

/*
 * Find the batch after prev_end: at prev_end itself, or at the start of
 * the next pass if the writer jumped there.  Returns its lsn, or U64_MAX.
 */
static u64 find_batch(struct stockade_log_scan *s, u64 prev_end,
		      u64 first_index)
{
	u64 offset = prev_end % s->geom.blocks;
	u64 at[2] = { prev_end, prev_end - offset + s->geom.blocks };
	struct stockade_batch_want want = {
		.prev_end = prev_end,
		.log_id = s->log_id,
		.min_epoch = s->batches ? s->last_epoch : 0,
		.max_epoch = s->max_epoch,
		.first_index = first_index,
		/*
		 * Terms never fall along a log, across batches too: a batch
		 * left beyond a torn group write can follow a rewritten one
		 * by position, index and epoch, never by term.
		 */
		.min_term = s->batches ? s->last_term : 0,
		.data_sectors = s->data_sectors,
	};
	enum stockade_batch_error err;
	int i, tries = offset ? 2 : 1;

	for (i = 0; i < tries; i++) {
		s->io_error = s->read(s->ctx, stockade_log_block(&s->geom, at[i]),
				      1, s->buf);
		if (s->io_error)
			return U64_MAX;
		want.lsn = at[i];
		err = stockade_batch_check(s->buf, &want);
		if (err == STOCKADE_BATCH_OK)
			return at[i];
		/* Report why the log ends where it should have gone on. */
		if (i == 0)
			s->stop = err;
	}
	return U64_MAX;
}

/* Read and check the payloads of the batch at @lsn, already in buf. */
static bool read_payloads(struct stockade_log_scan *s, u64 lsn)
{
	const struct stockade_log_batch *b = s->buf;
	u32 n = le32_to_cpu(b->blocks) - 1;

	/* A batch never crosses the end, nor overwrites the scan's start. */
	if (lsn % s->geom.blocks + 1 + n > s->geom.blocks ||
	    lsn + 1 + n - s->start_lsn > s->geom.blocks) {
		s->stop = STOCKADE_BATCH_BAD_SHAPE;
		return false;
	}
	if (n) {
		s->io_error = s->read(s->ctx,
				      stockade_log_block(&s->geom, lsn + 1), n,
				      (u8 *)s->buf + BLOCK);
		if (s->io_error)
			return false;
	}
	if (!payloads_intact(b, (const u8 *)s->buf + BLOCK)) {
		s->stop = STOCKADE_BATCH_PAYLOAD_CORRUPT;
		return false;
	}
	return true;
}

static void note_batch(struct stockade_log_scan *s, u64 lsn)
{
	const struct stockade_log_batch *b = s->buf;
	const struct stockade_log_entry *last;

	last = &b->entries[le32_to_cpu(b->n_entries) - 1];
	s->last_index = le64_to_cpu(last->index);
	s->last_term = le64_to_cpu(last->term);
	s->last_epoch = le32_to_cpu(b->epoch);
	s->batches++;
	if (s->batch)
		s->batch(s->ctx, lsn, b, (const u8 *)s->buf + BLOCK);
	s->end_lsn = lsn + le32_to_cpu(b->blocks);
}

int stockade_log_scan(struct stockade_log_scan *s)
{
	u64 lsn;

	s->end_lsn = s->start_lsn;
	s->last_index = 0;
	s->last_term = 0;
	s->last_epoch = 0;
	s->batches = 0;
	s->io_error = 0;
	s->stop = STOCKADE_BATCH_OK;
	/* A full pass is the most a log can hold: stop there whatever. */
	while (s->end_lsn - s->start_lsn < s->geom.blocks) {
		lsn = find_batch(s, s->end_lsn,
				 s->batches ? s->last_index + 1 : s->first_index);
		if (lsn == U64_MAX)
			break;
		if (!read_payloads(s, lsn))
			break;
		note_batch(s, lsn);
	}
	return s->io_error;
}

const char *stockade_batch_error_name(enum stockade_batch_error err)
{
	switch (err) {
	case STOCKADE_BATCH_OK:
		return "ok";
	case STOCKADE_BATCH_NO_MAGIC:
		return "no batch here";
	case STOCKADE_BATCH_BAD_CHECKSUM:
		return "batch header checksum mismatch";
	case STOCKADE_BATCH_STALE:
		return "batch from an earlier pass or format";
	case STOCKADE_BATCH_BAD_SHAPE:
		return "batch sizes out of range";
	case STOCKADE_BATCH_BAD_ENTRY:
		return "malformed entry in batch";
	case STOCKADE_BATCH_BAD_SEQUENCE:
		return "entries out of sequence";
	case STOCKADE_BATCH_PAYLOAD_CORRUPT:
		return "payload checksum mismatch (torn write)";
	}
	return "unknown error";
}
