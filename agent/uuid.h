/* SPDX-License-Identifier: GPL-2.0 */
#ifndef STOCKADE_AGENT_UUID_H
#define STOCKADE_AGENT_UUID_H

#include <stdint.h>

#define STOCKADE_UUID_STR_LEN	37	/* 36 characters and the NUL */

/* Parse the canonical 8-4-4-4-12 hex form; 0 or -EINVAL. */
int stockade_uuid_parse(const char *s, uint8_t uuid[16]);
void stockade_uuid_format(const uint8_t uuid[16],
			  char out[STOCKADE_UUID_STR_LEN]);
/* A random (version 4) UUID; 0 or -errno. */
int stockade_uuid_generate(uint8_t uuid[16]);

#endif /* STOCKADE_AGENT_UUID_H */
