// SPDX-License-Identifier: GPL-2.0
/*
 * The [cluster], [device.N] and [detector] sections of stockaded's
 * configuration.  Same rules as the rest: every key known, given once,
 * in range, with the line named in the message.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <linux/stockade.h>

#include "config_parse.h"
#include "uuid.h"

#define SEEN(st, set, bit, section, key)				\
	(((set) & (1u << (bit))) ?					\
	 config_reject((st), (st)->line, "[%s] %s given twice",	\
		       (section), (key)) : ((set) |= 1u << (bit), 1))

static int parse_path(const char *value, char *out)
{
	size_t len = strlen(value);

	if (value[0] != '/' || len >= STOCKADE_CONFIG_PATH_MAX)
		return -1;
	memcpy(out, value, len + 1);
	return 0;
}

int config_cluster_key(struct parse_state *st, const char *key,
		       const char *value)
{
	struct stockade_config *cfg = st->cfg;

	if (!strcmp(key, "uuid")) {
		if (!SEEN(st, st->cluster_seen, 0, "cluster", key))
			return 0;
		if (stockade_uuid_parse(value, cfg->cluster_uuid))
			return config_reject(st, st->line,
					     "[cluster] uuid: '%s' is not a UUID",
					     value);
		return 1;
	}
	if (!strcmp(key, "secret_file")) {
		if (!SEEN(st, st->cluster_seen, 1, "cluster", key))
			return 0;
		if (parse_path(value, cfg->secret_file))
			return config_reject(st, st->line,
					     "[cluster] secret_file: '%s' is not an absolute path of at most %d bytes",
					     value, STOCKADE_CONFIG_PATH_MAX - 1);
		return 1;
	}
	return config_reject(st, st->line, "unknown key '%s' in [cluster]",
			     key);
}

static struct stockade_device_config *find_device(struct stockade_config *cfg,
						  uint32_t minor)
{
	unsigned int i;

	for (i = 0; i < cfg->n_devices; i++)
		if (cfg->devices[i].minor == minor)
			return &cfg->devices[i];
	return NULL;
}

void config_add_device(struct parse_state *st, const char *section)
{
	struct stockade_config *cfg = st->cfg;
	struct stockade_device_config *d;
	uint32_t minor;

	if (config_parse_u32(section + strlen("device."), 0, 15, &minor)) {
		config_reject(st, st->line,
			      "bad section [%s]: devices are 0 to 15", section);
		return;
	}
	if (find_device(cfg, minor)) {
		config_reject(st, st->line, "[%s] given twice", section);
		return;
	}
	if (cfg->n_devices == STOCKADE_CONFIG_MAX_DEVICES) {
		config_reject(st, st->line, "too many devices at [%s] (at most %d)",
			      section, STOCKADE_CONFIG_MAX_DEVICES);
		return;
	}
	d = &cfg->devices[cfg->n_devices++];
	memset(d, 0, sizeof(*d));
	d->minor = minor;
	d->suspend_timeout_ms = 30000;
	d->actions.timeout_ms = 60000;
	d->actions.retries = 3;
	d->actions.give_up_hold_ms = 300000;
}

/* A word of @names: its index in @out, or -1. */
static int pick(const char *value, const char *const *names, int n,
		uint8_t *out)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!strcmp(value, names[i])) {
			*out = (uint8_t)i;
			return 0;
		}
	}
	return -1;
}

static const char *const io_names[] = { "error", "suspend" };
static const char *const read_names[] = { "lease", "quorum" };

/* A non-empty string that fits, every byte of it accepted by @ok. */
static int parse_str(const char *value, char *out, size_t size,
		     int (*ok)(int c))
{
	size_t len = strlen(value), i;

	if (!len || len >= size)
		return -1;
	for (i = 0; ok && i < len; i++)
		if (!ok((unsigned char)value[i]))
			return -1;
	memcpy(out, value, len + 1);
	return 0;
}

static int fs_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Passed to mount(8) as one argument: no blanks, no control characters. */
static int option_char(int c)
{
	return c > ' ' && c < 0x7f;
}

/* What systemd accepts in a unit name, and the blank between names. */
static int unit_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == ' ' || strchr(":_.@\\-", c);
}

static int parse_units(const char *value, char *out)
{
	unsigned int n = 0;
	const char *p;

	if (parse_str(value, out, STOCKADE_CONFIG_CMD_MAX, unit_char))
		return -1;
	for (p = value; *p; p += strcspn(p, " ")) {
		p += strspn(p, " ");
		if (*p && ++n > STOCKADE_CONFIG_MAX_UNITS)
			return -1;
	}
	return n ? 0 : -1;
}

/* The keys of the application's actions; 1 if @key is not one of them. */
static int actions_value(struct stockade_actions *a, const char *key,
			 const char *value)
{
	if (!strcmp(key, "mount_point"))
		return strcmp(value, "/") ? parse_path(value, a->mount_point) : -1;
	if (!strcmp(key, "fs_type"))
		return parse_str(value, a->fs_type, sizeof(a->fs_type), fs_char);
	if (!strcmp(key, "mount_options"))
		return parse_str(value, a->mount_options,
				 sizeof(a->mount_options), option_char);
	if (!strcmp(key, "units"))
		return parse_units(value, a->units);
	if (!strcmp(key, "start"))
		return parse_str(value, a->start, sizeof(a->start), NULL);
	if (!strcmp(key, "stop"))
		return parse_str(value, a->stop, sizeof(a->stop), NULL);
	if (!strcmp(key, "action_timeout_ms"))
		return config_parse_u32(value, 100, 3600000, &a->timeout_ms);
	if (!strcmp(key, "action_retries"))
		return config_parse_u32(value, 0, 1000, &a->retries);
	if (!strcmp(key, "give_up_hold_ms"))
		return config_parse_u32(value, 0, 86400000,
					&a->give_up_hold_ms);
	return 1;
}

static int device_value(struct parse_state *st, const char *section,
			struct stockade_device_config *d, const char *key,
			const char *value)
{
	uint32_t v;
	int r;

	if (!strcmp(key, "uuid"))
		return stockade_uuid_parse(value, d->uuid) ? -1 : 0;
	if (!strcmp(key, "backing"))
		return parse_path(value, d->backing);
	if (!strcmp(key, "port")) {
		if (config_parse_u32(value, 1, 65535, &v))
			return -1;
		d->port = (uint16_t)v;
		return 0;
	}
	if (!strcmp(key, "io_policy"))
		return pick(value, io_names, 2, &d->io_policy);
	if (!strcmp(key, "read_policy"))
		return pick(value, read_names, 2, &d->read_policy);
	if (!strcmp(key, "suspend_timeout_ms"))
		return config_parse_u32(value, 1, 3600000,
					&d->suspend_timeout_ms);
	r = actions_value(&d->actions, key, value);
	if (r <= 0)
		return r;
	config_reject(st, st->line, "unknown key '%s' in [%s]", key, section);
	return -2;
}

static const char *const device_keys[] = {
	"uuid", "backing", "port", "io_policy", "read_policy",
	"suspend_timeout_ms", "mount_point", "fs_type", "mount_options",
	"units", "start", "stop", "action_timeout_ms", "action_retries",
	"give_up_hold_ms",
};

int config_device_key(struct parse_state *st, const char *section,
		      const char *key, const char *value)
{
	struct stockade_device_config *d;
	uint32_t minor;
	unsigned int i;
	int r;

	if (config_parse_u32(section + strlen("device."), 0, 15, &minor) ||
	    !(d = find_device(st->cfg, minor)))
		return config_reject(st, st->line, "bad section [%s]", section);
	for (i = 0; i < sizeof(device_keys) / sizeof(device_keys[0]); i++)
		if (!strcmp(key, device_keys[i]) &&
		    !SEEN(st, d->seen, i, section, key))
			return 0;
	r = device_value(st, section, d, key, value);
	if (r == -1)
		return config_reject(st, st->line, "[%s] %s: bad value '%s'",
				     section, key, value);
	return r == 0;
}

static const struct detector_key {
	const char *name;
	size_t offset;
	uint32_t min, max;
} detector_keys[] = {
	{ "window", offsetof(struct stockade_config, phi_window), 2, 1000 },
	{ "min_stddev_ms", offsetof(struct stockade_config, phi_min_stddev_ms),
	  1, 10000 },
	{ "acceptable_pause_ms",
	  offsetof(struct stockade_config, acceptable_pause_ms), 0, 60000 },
};

static int phi_threshold(struct parse_state *st, const char *value)
{
	double *t = &st->cfg->phi_threshold;
	char *end;

	errno = 0;
	*t = strtod(value, &end);
	/* Written so that NaN fails too. */
	if (errno || end == value || *end || !(*t >= 1.0 && *t <= 30.0))
		return config_reject(st, st->line,
				     "[detector] phi_threshold: '%s' is out of range (1 to 30)",
				     value);
	return 1;
}

int config_detector_key(struct parse_state *st, const char *key,
			const char *value)
{
	const struct detector_key *k;
	size_t i;

	if (!strcmp(key, "phi_threshold"))
		return SEEN(st, st->detector_seen, 0, "detector", key) &&
		       phi_threshold(st, value);
	for (i = 0; i < sizeof(detector_keys) / sizeof(detector_keys[0]); i++) {
		k = &detector_keys[i];
		if (strcmp(key, k->name))
			continue;
		if (!SEEN(st, st->detector_seen, i + 1, "detector", key))
			return 0;
		if (!config_parse_u32(value, k->min, k->max,
				      (uint32_t *)((char *)st->cfg + k->offset)))
			return 1;
		return config_reject(st, st->line,
				     "[detector] %s: '%s' is out of range (%u to %u)",
				     key, value, k->min, k->max);
	}
	return config_reject(st, st->line, "unknown key '%s' in [detector]",
			     key);
}

void config_section_defaults(struct stockade_config *cfg)
{
	cfg->max_clock_offset_ms = 250;
	cfg->phi_threshold = 8.0;
	cfg->phi_window = 100;
	cfg->phi_min_stddev_ms = 10;
	cfg->acceptable_pause_ms = 0;
}

static int check_device(struct parse_state *st,
			const struct stockade_device_config *d)
{
	static const uint8_t nil[16];

	if (!memcmp(d->uuid, nil, sizeof(nil)))
		return config_reject(st, 0, "[device.%u] uuid is required",
				     d->minor);
	if (!d->backing[0])
		return config_reject(st, 0, "[device.%u] backing is required",
				     d->minor);
	if (!d->port)
		return config_reject(st, 0, "[device.%u] port is required",
				     d->minor);
	if (d->port == st->cfg->listen.port)
		return config_reject(st, 0, "[device.%u] port is the agent's own port",
				     d->minor);
	if ((d->actions.fs_type[0] || d->actions.mount_options[0]) &&
	    !d->actions.mount_point[0])
		return config_reject(st, 0, "[device.%u] fs_type and mount_options need mount_point",
				     d->minor);
	return 0;
}

int config_check_sections(struct parse_state *st)
{
	const struct stockade_config *cfg = st->cfg;
	unsigned int i, j;

	if (cfg->n_devices && !(st->cluster_seen & 1))
		return config_reject(st, 0, "[cluster] uuid is required with devices");
	if (cfg->n_devices && !(st->cluster_seen & 2))
		return config_reject(st, 0, "[cluster] secret_file is required with devices");
	for (i = 0; i < cfg->n_devices; i++) {
		if (check_device(st, &cfg->devices[i]))
			return -1;
		for (j = i + 1; j < cfg->n_devices; j++)
			if (cfg->devices[i].port == cfg->devices[j].port)
				return config_reject(st, 0, "[device.%u] and [device.%u] have the same port",
						     cfg->devices[i].minor,
						     cfg->devices[j].minor);
	}
	return 0;
}
