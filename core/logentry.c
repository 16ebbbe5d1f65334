// SPDX-License-Identifier: GPL-2.0
#include "logentry.h"
#include "crc32c.h"
#include <stockade/wire_format.h>

#define SECTOR_SIZE_BYTES	512U
#define PAYLOADLESS_OPS	(STOCKADE_ENTRY_FLUSH | STOCKADE_ENTRY_DISCARD | \
			 STOCKADE_ENTRY_WRITE_ZEROES)

u32 stockade_entry_payload_len(const struct stockade_log_entry *e)
{
	if (le32_to_cpu(e->flags) & PAYLOADLESS_OPS)
		return 0;
	return le32_to_cpu(e->len);
}

u32 stockade_entry_crc_header(const struct stockade_log_entry *e)
{
	struct stockade_log_entry copy = *e;

	copy.crc = 0;
	return stockade_crc32c(0, &copy, sizeof(copy));
}

u32 stockade_entry_crc(const struct stockade_log_entry *e,
		       const void *payload, u32 payload_len)
{
	u32 crc = stockade_entry_crc_header(e);

	return payload_len ? stockade_crc32c(crc, payload, payload_len) : crc;
}

static bool one_op_at_most(u32 flags)
{
	u32 ops = flags & PAYLOADLESS_OPS;

	return (ops & (ops - 1)) == 0;
}

bool stockade_entry_header_valid(const struct stockade_log_entry *e,
				 u64 data_sectors)
{
	u32 flags = le32_to_cpu(e->flags);
	u32 len = le32_to_cpu(e->len);
	u64 sector = le64_to_cpu(e->sector);
	u64 sectors = len / SECTOR_SIZE_BYTES;

	if (flags & ~STOCKADE_ENTRY_FLAGS_KNOWN || !one_op_at_most(flags))
		return false;
	if (e->reserved || len % SECTOR_SIZE_BYTES)
		return false;
	if (!(flags & STOCKADE_ENTRY_FLUSH) &&
	    (len == 0 || len > STOCKADE_WIRE_MAX_ENTRY_LEN))
		return false;
	if ((flags & STOCKADE_ENTRY_FLUSH) && (len || sector))
		return false;
	if (!le64_to_cpu(e->term) || !le64_to_cpu(e->index))
		return false;
	if (!data_sectors)
		return true;
	return sector <= data_sectors && sectors <= data_sectors - sector;
}

void stockade_entry_seal(struct stockade_log_entry *e, const void *payload)
{
	e->crc = cpu_to_le32(stockade_entry_crc(e, payload,
						stockade_entry_payload_len(e)));
}

bool stockade_entry_intact(const struct stockade_log_entry *e,
			   const void *payload)
{
	u32 len = stockade_entry_payload_len(e);

	if (len && !payload)
		return false;
	return le32_to_cpu(e->crc) == stockade_entry_crc(e, payload, len);
}
