/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _STOCKADE_CORE_CRC32C_H
#define _STOCKADE_CORE_CRC32C_H

#include "compat.h"

/*
 * CRC-32C (Castagnoli), the checksum on every log record and every message
 * that crosses a wire.  Chain calls by passing the previous result as @crc;
 * start with 0.  The result is already inverted (RFC 3720 convention).
 */
u32 stockade_crc32c(u32 crc, const void *buf, size_t len);

#endif /* _STOCKADE_CORE_CRC32C_H */
