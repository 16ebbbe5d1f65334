// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "uuid.h"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int is_dash_position(int i)
{
	return i == 8 || i == 13 || i == 18 || i == 23;
}

int stockade_uuid_parse(const char *s, uint8_t uuid[16])
{
	int i, n = 0, hi = -1, v;

	if (strlen(s) != 36)
		return -EINVAL;
	for (i = 0; i < 36; i++) {
		if (is_dash_position(i)) {
			if (s[i] != '-')
				return -EINVAL;
			continue;
		}
		v = hex_value(s[i]);
		if (v < 0)
			return -EINVAL;
		if (hi < 0) {
			hi = v;
		} else {
			uuid[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return 0;
}

void stockade_uuid_format(const uint8_t uuid[16],
			  char out[STOCKADE_UUID_STR_LEN])
{
	int i, pos = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[pos++] = '-';
		snprintf(out + pos, 3, "%02x", uuid[i]);
		pos += 2;
	}
	out[pos] = '\0';
}

int stockade_uuid_generate(uint8_t uuid[16])
{
	if (getrandom(uuid, 16, 0) != 16)
		return -errno;
	uuid[6] = (uuid[6] & 0x0f) | 0x40;	/* version 4 */
	uuid[8] = (uuid[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	return 0;
}
