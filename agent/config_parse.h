/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the files that parse stockaded's configuration: config.c
 * (the reader, [node], [peer.N], [timing]) and config_sections.c
 * ([cluster], [device.N], [detector]).  Not for other users.
 */
#ifndef STOCKADE_AGENT_CONFIG_PARSE_H
#define STOCKADE_AGENT_CONFIG_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct parse_state {
	struct stockade_config *cfg;
	const char *name;
	char *err;
	size_t err_size;
	const char *text;	/* the rest of the input */
	int line;		/* number of the line inih is parsing */
	bool failed;
	bool have_node_id, have_listen;
	unsigned int timing_seen;	/* bit i: timing_keys[i] was set */
	unsigned int cluster_seen;	/* the same for [cluster] */
	unsigned int detector_seen;	/* and [detector] */
};

/* Record the first error (line 0: the file as a whole); returns 0. */
int __attribute__((format(printf, 3, 4)))
config_reject(struct parse_state *st, int line, const char *fmt, ...);
int config_parse_u32(const char *s, uint32_t min, uint32_t max,
		     uint32_t *out);

/* inih handlers of the sections in config_sections.c: 1 goes on. */
int config_cluster_key(struct parse_state *st, const char *key,
		       const char *value);
int config_device_key(struct parse_state *st, const char *section,
		      const char *key, const char *value);
int config_detector_key(struct parse_state *st, const char *key,
			const char *value);
/* A [device.N] header: adds device N. */
void config_add_device(struct parse_state *st, const char *section);
void config_section_defaults(struct stockade_config *cfg);
/* Rules across keys of those sections; 0, or an error recorded. */
int config_check_sections(struct parse_state *st);

#endif /* STOCKADE_AGENT_CONFIG_PARSE_H */
