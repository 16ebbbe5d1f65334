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
#include <string.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;
#endif

#endif /* _STOCKADE_CORE_COMPAT_H */
