/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _STOCKADE_TORTURE_BLOCK_H
#define _STOCKADE_TORTURE_BLOCK_H

#include <stdbool.h>
#include <stdint.h>

/*
 * What the torture client writes: one 4 KiB block that names its writer
 * (session, sequence number) and its own block number, filled from them,
 * under a CRC-32C.  Which block a write goes to is a function of
 * (seed, session, seq) that the checker (checker.py) computes the same
 * way, so the checker can tell a block that was written by the workload
 * from one that was never written, even when the write's report was lost
 * in a crash.
 */
#define TORTURE_BLOCK_SIZE	4096
#define TORTURE_MAGIC		0x5354544f52543031ULL	/* "STTORT01" */

struct torture_header {
	uint64_t magic;
	uint32_t session;
	uint32_t seq;
	uint32_t block;
	uint32_t crc;		/* CRC-32C of the block with crc = 0 */
};

uint32_t torture_block_of(uint32_t seed, uint32_t session, uint32_t seq,
			  uint32_t blocks);
void torture_fill(void *buf, uint32_t session, uint32_t seq, uint32_t block);

enum torture_verdict { TORTURE_ZERO, TORTURE_VALID, TORTURE_JUNK };
enum torture_verdict torture_parse(const void *buf, uint32_t block,
				   struct torture_header *out);

#endif /* _STOCKADE_TORTURE_BLOCK_H */
