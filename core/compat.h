/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only place core/ looks at its surroundings.  Files in core/ are
 * compiled into stockade.ko, into stockaded and into the simulator, so they
 * use the kernel's fixed-width type names and nothing else from either side.
 */
#ifndef _STOCKADE_CORE_COMPAT_H
#define _STOCKADE_CORE_COMPAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#include <asm/byteorder.h>
#else
#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;

#define U32_MAX UINT32_MAX
#define U64_MAX UINT64_MAX

/* The kernel's names for the on-disk and on-wire conversions. */
static inline u16 le16_to_cpu(__le16 v) { return le16toh(v); }
static inline u32 le32_to_cpu(__le32 v) { return le32toh(v); }
static inline u64 le64_to_cpu(__le64 v) { return le64toh(v); }
static inline __le16 cpu_to_le16(u16 v) { return htole16(v); }
static inline __le32 cpu_to_le32(u32 v) { return htole32(v); }
static inline __le64 cpu_to_le64(u64 v) { return htole64(v); }
#endif

#endif /* _STOCKADE_CORE_COMPAT_H */
