// SPDX-License-Identifier: GPL-2.0
/*
 * Portable CRC-32C.  It processes a nibble at a time from a 16-entry table:
 * small enough to read and check by hand, and the reference the faster
 * implementations are held to.  In the kernel the same function uses the
 * kernel's slice-by-8 __crc32c_le(), several times faster on the 1 MiB
 * payloads of the write path; both sides of every disk and wire format
 * agree, or attach and the handshake tests in the VMs would fail.
 */
#include "crc32c.h"

#ifdef __KERNEL__
#include <linux/crc32.h>

u32 stockade_crc32c(u32 crc, const void *buf, size_t len)
{
	return ~__crc32c_le(~crc, buf, len);
}
#else

/* Reflected polynomial 0x82F63B78 applied to each 4-bit value. */
static const u32 crc32c_nibble[16] = {
	0x00000000, 0x105ec76f, 0x20bd8ede, 0x30e349b1,
	0x417b1dbc, 0x5125dad3, 0x61c69362, 0x7198540d,
	0x82f63b78, 0x92a8fc17, 0xa24bb5a6, 0xb21572c9,
	0xc38d26c4, 0xd3d3e1ab, 0xe330a81a, 0xf36e6f75,
};

u32 stockade_crc32c(u32 crc, const void *buf, size_t len)
{
	const u8 *p = buf;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		crc = (crc >> 4) ^ crc32c_nibble[crc & 0xf];
		crc = (crc >> 4) ^ crc32c_nibble[crc & 0xf];
	}
	return ~crc;
}
#endif /* __KERNEL__ */
