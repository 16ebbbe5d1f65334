// SPDX-License-Identifier: GPL-2.0
/* The torture workload's block format; see block.h. */
#include <string.h>

#include "block.h"
#include "crc32c.h"

/* splitmix32-style mixing: checker.py has the same function. */
static uint32_t mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

uint32_t torture_block_of(uint32_t seed, uint32_t session, uint32_t seq,
			  uint32_t blocks)
{
	return mix(seed ^ mix(session ^ mix(seq))) % blocks;
}

void torture_fill(void *buf, uint32_t session, uint32_t seq, uint32_t block)
{
	struct torture_header h = {
		.magic = TORTURE_MAGIC, .session = session, .seq = seq,
		.block = block,
	};
	uint32_t *word = buf;
	size_t i;

	for (i = sizeof(h) / 4; i < TORTURE_BLOCK_SIZE / 4; i++)
		word[i] = mix(session * 0x9e3779b9U + seq + (uint32_t)i);
	memcpy(buf, &h, sizeof(h));
	h.crc = stockade_crc32c(0, buf, TORTURE_BLOCK_SIZE);
	memcpy(buf, &h, sizeof(h));
}

static bool all_zero(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

enum torture_verdict torture_parse(const void *buf, uint32_t block,
				   struct torture_header *out)
{
	unsigned char copy[TORTURE_BLOCK_SIZE];
	struct torture_header h;

	if (all_zero(buf, TORTURE_BLOCK_SIZE))
		return TORTURE_ZERO;
	memcpy(copy, buf, sizeof(copy));
	memcpy(&h, copy, sizeof(h));
	((struct torture_header *)copy)->crc = 0;
	if (h.magic != TORTURE_MAGIC || h.block != block ||
	    stockade_crc32c(0, copy, sizeof(copy)) != h.crc)
		return TORTURE_JUNK;
	*out = h;
	return TORTURE_VALID;
}
