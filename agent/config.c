// SPDX-License-Identifier: GPL-2.0
/*
 * libinih splits the file into sections and "key = value" pairs; this file
 * gives them meaning.  Debian builds libinih without INI_HANDLER_LINENO and
 * without stopping at the first error, so the text reaches inih through
 * our own line reader: it counts lines (every message names one), checks
 * section headers as they come, and ends the stream at the first error, so
 * the first mistake is the one reported and nothing after it is applied.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ini.h>

#include "config.h"
#include "config_parse.h"

/* Record the first error (line 0: the file as a whole); returns 0. */
int config_reject(struct parse_state *st, int line, const char *fmt, ...)
{
	char msg[192];
	va_list ap;

	if (st->failed)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		snprintf(st->err, st->err_size, "%s:%d: %s", st->name, line,
			 msg);
	else
		snprintf(st->err, st->err_size, "%s: %s", st->name, msg);
	st->failed = true;
	return 0;
}

int config_parse_u32(const char *s, uint32_t min, uint32_t max,
		     uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* "a.b.c.d:port" */
static int parse_endpoint(const char *s, struct stockade_endpoint *ep)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	uint32_t port;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	if (inet_pton(AF_INET, host, &ep->addr) != 1 ||
	    config_parse_u32(colon + 1, 1, 65535, &port))
		return -1;
	ep->port = (uint16_t)port;
	return 0;
}

/* Keys seen twice are refused: a silent "last one wins" hides typos. */
static int node_key(struct parse_state *st, const char *key,
		    const char *value)
{
	if (!strcmp(key, "id")) {
		if (st->have_node_id)
			return config_reject(st, st->line, "[node] id given twice");
		if (config_parse_u32(value, 1, 255, &st->cfg->node_id))
			return config_reject(st, st->line,
				      "[node] id: '%s' is not 1 to 255", value);
		st->have_node_id = true;
		return 1;
	}
	if (!strcmp(key, "address")) {
		if (st->have_listen)
			return config_reject(st, st->line,
				      "[node] address given twice");
		if (parse_endpoint(value, &st->cfg->listen))
			return config_reject(st, st->line,
				      "[node] address: '%s' is not IPV4:PORT",
				      value);
		st->have_listen = true;
		return 1;
	}
	return config_reject(st, st->line, "unknown key '%s' in [node]", key);
}

/* The peer of a [peer.N] section; the header already checked N. */
static struct stockade_peer *find_peer(struct stockade_config *cfg,
				       uint32_t id)
{
	unsigned int i;

	for (i = 0; i < cfg->n_peers; i++)
		if (cfg->peers[i].id == id)
			return &cfg->peers[i];
	return NULL;
}

static int peer_key(struct parse_state *st, const char *section,
		    const char *key, const char *value)
{
	struct stockade_peer *peer;
	uint32_t id;

	if (config_parse_u32(section + strlen("peer."), 1, 255, &id))
		return config_reject(st, st->line, "bad section [%s]", section);
	peer = find_peer(st->cfg, id);
	if (!peer)
		return config_reject(st, st->line, "bad section [%s]", section);
	if (strcmp(key, "address"))
		return config_reject(st, st->line, "unknown key '%s' in [%s]", key,
			      section);
	if (peer->ep.port)
		return config_reject(st, st->line, "[%s] address given twice",
			      section);
	if (parse_endpoint(value, &peer->ep))
		return config_reject(st, st->line,
			      "[%s] address: '%s' is not IPV4:PORT", section,
			      value);
	return 1;
}

static const struct timing_key {
	const char *name;
	size_t offset;
	uint32_t min, max;
} timing_keys[] = {
	{ "heartbeat_ms", offsetof(struct stockade_config, heartbeat_ms),
	  10, 10000 },
	{ "election_timeout_ms",
	  offsetof(struct stockade_config, election_timeout_ms), 50, 60000 },
	{ "fixed_timeout_ms",
	  offsetof(struct stockade_config, fixed_timeout_ms), 0, 60000 },
	{ "lease_ms", offsetof(struct stockade_config, lease_ms), 50, 60000 },
	{ "max_drift_ppm", offsetof(struct stockade_config, max_drift_ppm),
	  0, 100000 },
	{ "max_clock_offset_ms",
	  offsetof(struct stockade_config, max_clock_offset_ms), 1, 60000 },
};

static int timing_key(struct parse_state *st, const char *key,
		      const char *value)
{
	const struct timing_key *k;
	size_t i;

	for (i = 0; i < sizeof(timing_keys) / sizeof(timing_keys[0]); i++) {
		k = &timing_keys[i];
		if (strcmp(key, k->name))
			continue;
		if (st->timing_seen & (1u << i))
			return config_reject(st, st->line, "[timing] %s given twice",
				      key);
		st->timing_seen |= 1u << i;
		if (!config_parse_u32(value, k->min, k->max,
			       (uint32_t *)((char *)st->cfg + k->offset)))
			return 1;
		return config_reject(st, st->line,
			      "[timing] %s: '%s' is out of range (%u to %u)",
			      key, value, k->min, k->max);
	}
	return config_reject(st, st->line, "unknown key '%s' in [timing]", key);
}

/* inih's handler: one "key = value" of @section; 1 goes on, 0 stops. */
static int on_key(void *user, const char *section, const char *key,
		  const char *value)
{
	struct parse_state *st = user;

	if (!section[0])
		return config_reject(st, st->line, "key '%s' outside any section",
			      key);
	if (!strcmp(section, "node"))
		return node_key(st, key, value);
	if (!strncmp(section, "peer.", 5))
		return peer_key(st, section, key, value);
	if (!strcmp(section, "timing"))
		return timing_key(st, key, value);
	if (!strcmp(section, "cluster"))
		return config_cluster_key(st, key, value);
	if (!strncmp(section, "device.", 7))
		return config_device_key(st, section, key, value);
	if (!strcmp(section, "detector"))
		return config_detector_key(st, key, value);
	/* The reader refuses unknown headers; this is only a backstop. */
	return config_reject(st, st->line, "unknown section [%s]", section);
}

static void set_defaults(struct stockade_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->heartbeat_ms = 100;
	cfg->election_timeout_ms = 1000;
	cfg->lease_ms = 800;
	cfg->max_drift_ppm = 500;
	config_section_defaults(cfg);
}

static bool same_endpoint(const struct stockade_endpoint *a,
			  const struct stockade_endpoint *b)
{
	return a->addr.s_addr == b->addr.s_addr && a->port == b->port;
}

/* Every node has its own address. */
static int check_addresses(struct parse_state *st)
{
	const struct stockade_config *cfg = st->cfg;
	unsigned int i, j;

	for (i = 0; i < cfg->n_peers; i++) {
		if (same_endpoint(&cfg->peers[i].ep, &cfg->listen))
			return config_reject(st, 0, "[peer.%u] has this node's address",
				      cfg->peers[i].id);
		for (j = i + 1; j < cfg->n_peers; j++)
			if (same_endpoint(&cfg->peers[i].ep, &cfg->peers[j].ep))
				return config_reject(st, 0, "[peer.%u] and [peer.%u] have the same address",
					      cfg->peers[i].id, cfg->peers[j].id);
	}
	return 0;
}

static int check_peers(struct parse_state *st)
{
	const struct stockade_config *cfg = st->cfg;
	unsigned int i;

	for (i = 0; i < cfg->n_peers; i++) {
		if (!cfg->peers[i].ep.port)
			return config_reject(st, 0, "[peer.%u] address is required",
				      cfg->peers[i].id);
		if (cfg->peers[i].id == cfg->node_id)
			return config_reject(st, 0, "[peer.%u] has this node's own id",
				      cfg->peers[i].id);
	}
	return check_addresses(st);
}

/* Rules across keys, once every key is known. */
static int check_whole(struct parse_state *st)
{
	struct stockade_config *cfg = st->cfg;

	if (!st->have_node_id)
		return config_reject(st, 0, "[node] id is required");
	if (!st->have_listen)
		return config_reject(st, 0, "[node] address is required");
	if (check_peers(st))
		return 0;
	if (cfg->election_timeout_ms < 3 * cfg->heartbeat_ms)
		return config_reject(st, 0, "[timing] election_timeout_ms must be at least 3 heartbeats");
	/* A lease is renewed by heartbeats: one must fit in it. */
	if (cfg->heartbeat_ms >= cfg->lease_ms)
		return config_reject(st, 0, "[timing] heartbeat_ms must be below lease_ms");
	/* An old lease must run out before anyone else can be elected. */
	if (cfg->lease_ms >= cfg->election_timeout_ms)
		return config_reject(st, 0, "[timing] lease_ms must be below election_timeout_ms");
	if (cfg->fixed_timeout_ms &&
	    (cfg->fixed_timeout_ms < 3 * cfg->heartbeat_ms ||
	     cfg->fixed_timeout_ms > cfg->election_timeout_ms))
		return config_reject(st, 0, "[timing] fixed_timeout_ms must be 0, or from 3 heartbeats to election_timeout_ms");
	return config_check_sections(st);
}

/* A [peer.N] header adds peer N, so that one without an address shows. */
static void add_peer(struct parse_state *st, const char *section)
{
	struct stockade_config *cfg = st->cfg;
	uint32_t id;

	if (config_parse_u32(section + 5, 1, 255, &id)) {
		config_reject(st, st->line, "bad section [%s]: peer ids are 1 to 255",
		       section);
		return;
	}
	if (find_peer(cfg, id)) {
		config_reject(st, st->line, "[%s] given twice", section);
		return;
	}
	if (cfg->n_peers == STOCKADE_CONFIG_MAX_PEERS) {
		config_reject(st, st->line, "too many peers at [%s] (at most %d)",
		       section, STOCKADE_CONFIG_MAX_PEERS);
		return;
	}
	cfg->peers[cfg->n_peers++].id = id;
}

/*
 * "[name]" with nothing after it.  Checked here rather than in on_key so
 * that an unknown or malformed header is refused on its own line, even
 * when no key follows it.
 */
static void check_section(struct parse_state *st, const char *s, size_t len)
{
	char section[64];

	if (len < 3 || s[len - 1] != ']' || len - 2 >= sizeof(section) ||
	    memchr(s + 1, ']', len - 2)) {
		config_reject(st, st->line, "bad section header");
		return;
	}
	memcpy(section, s + 1, len - 2);
	section[len - 2] = '\0';
	if (!strcmp(section, "node") || !strcmp(section, "timing") ||
	    !strcmp(section, "cluster") || !strcmp(section, "detector"))
		return;
	if (!strncmp(section, "peer.", 5))
		add_peer(st, section);
	else if (!strncmp(section, "device.", 7))
		config_add_device(st, section);
	else
		config_reject(st, st->line, "unknown section [%s]", section);
}

/* A line as the reader hands it to inih: blank, comment, header or key. */
static void check_line(struct parse_state *st, const char *s, size_t len)
{
	if (!len || *s == '#' || *s == ';')
		return;
	if (*s == '[')
		check_section(st, s, len);
	else if (!memchr(s, '=', len) && !memchr(s, ':', len))
		config_reject(st, st->line, "expected 'key = value'");
}

/*
 * inih's reader: the next line of st->text into @buf, without its leading
 * blanks (inih would take an indented line for the continuation of the
 * previous value) and its trailing ones.  NULL ends the stream: at the end
 * of the text, or at the first error.
 */
static char *read_line(char *buf, int size, void *stream)
{
	struct parse_state *st = stream;
	size_t len = strcspn(st->text, "\n");
	const char *s = st->text;

	if (st->failed || !*s)
		return NULL;
	st->text += len + (s[len] == '\n');
	/* Editors on other systems may start the file with a UTF-8 BOM. */
	if (!st->line++ && len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
		s += 3;
		len -= 3;
	}
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len >= (size_t)size) {
		config_reject(st, st->line, "line too long (at most %d characters)",
		       size - 1);
		return NULL;
	}
	check_line(st, s, len);
	if (st->failed)
		return NULL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return buf;
}

int stockade_config_parse(const char *text, const char *name,
			  struct stockade_config *cfg, char *err,
			  size_t err_size)
{
	struct parse_state st = {
		.cfg = cfg, .name = name, .err = err, .err_size = err_size,
		.text = text,
	};
	int line;

	set_defaults(cfg);
	line = ini_parse_stream(read_line, &st, on_key, &st);
	/* Every error should be ours; inih's own would have no message. */
	if (line && !st.failed)
		config_reject(&st, line > 0 ? line : 0, "cannot parse (inih error %d)",
		       line);
	if (!st.failed)
		check_whole(&st);
	return st.failed ? -1 : 0;
}

/* Config files are small: read the whole file, at most 64 KiB. */
int stockade_config_load(const char *path, struct stockade_config *cfg,
			 char *err, size_t err_size)
{
	static char text[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f) {
		snprintf(err, err_size, "%s: cannot read: %s", path,
			 strerror(errno));
		return -1;
	}
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	if (ferror(f) || !feof(f) || strlen(text) != n) {
		fclose(f);
		snprintf(err, err_size, "%s: unreadable, too large or binary",
			 path);
		return -1;
	}
	fclose(f);
	return stockade_config_parse(text, path, cfg, err, err_size);
}
