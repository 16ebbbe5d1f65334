/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Log entries as they lie on disk and travel on the wire: the checksum
 * and the checks every entry passes before it is written, sent or
 * replayed.
 */
#ifndef _STOCKADE_CORE_LOGENTRY_H
#define _STOCKADE_CORE_LOGENTRY_H

#include "compat.h"
#include <stockade/disk_format.h>

/*
 * CRC-32C of the entry header (crc = 0) followed by its payload.  A payload
 * in pieces: start from stockade_entry_crc_header() and chain
 * stockade_crc32c() over each piece.
 */
u32 stockade_entry_crc_header(const struct stockade_log_entry *e);
u32 stockade_entry_crc(const struct stockade_log_entry *e,
		       const void *payload, u32 payload_len);

/* Payload bytes the entry carries: its length for writes, else 0. */
u32 stockade_entry_payload_len(const struct stockade_log_entry *e);

/*
 * The header alone is sane: known flags, a length that is a whole number
 * of sectors and at most STOCKADE_WIRE_MAX_ENTRY_LEN, a range that fits in
 * @data_sectors (0: skip that check), at most one of flush, discard and
 * write-zeroes, and nonzero term and index.
 */
bool stockade_entry_header_valid(const struct stockade_log_entry *e,
				 u64 data_sectors);

/* Seal @e: fill its crc for @payload (NULL when it carries none). */
void stockade_entry_seal(struct stockade_log_entry *e, const void *payload);

/* The crc matches: header and payload are what the sender sealed. */
bool stockade_entry_intact(const struct stockade_log_entry *e,
			   const void *payload);

#endif /* _STOCKADE_CORE_LOGENTRY_H */
