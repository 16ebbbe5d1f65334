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
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;
#endif

#endif /* _STOCKADE_CORE_COMPAT_H */
