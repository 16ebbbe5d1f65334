// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define MAX_LINE	512

struct parse_state {
	struct stockade_config *cfg;
	const char *name;
	char *err;
	size_t err_size;
	bool failed;
	bool have_node_id, have_listen;
};

/* Record the first error (line 0: the file as a whole); returns 0. */
static int __attribute__((format(printf, 3, 4)))
reject(struct parse_state *st, int line, const char *fmt, ...)
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

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
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
	    parse_u32(colon + 1, 1, 65535, &port))
		return -1;
	ep->port = (uint16_t)port;
	return 0;
}

static int node_key(struct parse_state *st, int line, const char *key,
		    const char *value)
{
	if (!strcmp(key, "id")) {
		if (parse_u32(value, 1, 255, &st->cfg->node_id))
			return reject(st, line, "[node] id: '%s' is not 1 to 255",
				      value);
		st->have_node_id = true;
		return 1;
	}
	if (!strcmp(key, "address")) {
		if (parse_endpoint(value, &st->cfg->listen))
			return reject(st, line, "[node] address: '%s' is not IPV4:PORT",
				      value);
		st->have_listen = true;
		return 1;
	}
	return reject(st, line, "unknown key '%s' in [node]", key);
}

static struct stockade_peer *peer_for(struct parse_state *st, uint32_t id)
{
	struct stockade_config *cfg = st->cfg;
	unsigned int i;

	for (i = 0; i < cfg->n_peers; i++)
		if (cfg->peers[i].id == id)
			return &cfg->peers[i];
	if (cfg->n_peers == STOCKADE_CONFIG_MAX_PEERS)
		return NULL;
	cfg->peers[cfg->n_peers].id = id;
	return &cfg->peers[cfg->n_peers++];
}

static int peer_key(struct parse_state *st, int line, const char *section,
		    const char *key, const char *value)
{
	struct stockade_peer *peer;
	uint32_t id;

	if (parse_u32(section + strlen("peer."), 1, 255, &id))
		return reject(st, line, "bad section [%s]: peer ids are 1 to 255",
			      section);
	if (strcmp(key, "address"))
		return reject(st, line, "unknown key '%s' in [%s]", key, section);
	peer = peer_for(st, id);
	if (!peer)
		return reject(st, line, "too many peers at [%s] (at most 6)",
			      section);
	if (peer->ep.port)
		return reject(st, line, "[%s] address given twice", section);
	if (parse_endpoint(value, &peer->ep))
		return reject(st, line, "[%s] address: '%s' is not IPV4:PORT",
			      section, value);
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
	{ "lease_ms", offsetof(struct stockade_config, lease_ms), 50, 60000 },
	{ "max_drift_ppm", offsetof(struct stockade_config, max_drift_ppm),
	  0, 100000 },
};

static int timing_key(struct parse_state *st, int line, const char *key,
		      const char *value)
{
	const struct timing_key *k;
	char range[48];
	size_t i;

	for (i = 0; i < sizeof(timing_keys) / sizeof(timing_keys[0]); i++) {
		k = &timing_keys[i];
		if (strcmp(key, k->name))
			continue;
		if (!parse_u32(value, k->min, k->max,
			       (uint32_t *)((char *)st->cfg + k->offset)))
			return 1;
		snprintf(range, sizeof(range), "%u to %u", k->min, k->max);
		return reject(st, line, "[timing] %s: out of range (%s)", key,
			      range);
	}
	return reject(st, line, "unknown key '%s' in [timing]", key);
}

static int on_key(void *user, const char *section, const char *key,
		  const char *value, int line)
{
	struct parse_state *st = user;

	if (!strcmp(section, "node"))
		return node_key(st, line, key, value);
	if (!strncmp(section, "peer.", 5))
		return peer_key(st, line, section, key, value);
	if (!strcmp(section, "timing"))
		return timing_key(st, line, key, value);
	return reject(st, line, "unknown section [%s]", section);
}

static void set_defaults(struct stockade_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->heartbeat_ms = 100;
	cfg->election_timeout_ms = 1000;
	cfg->lease_ms = 800;
	cfg->max_drift_ppm = 500;
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
			return reject(st, 0, "[peer.%u] has this node's address",
				      cfg->peers[i].id);
		for (j = i + 1; j < cfg->n_peers; j++)
			if (same_endpoint(&cfg->peers[i].ep, &cfg->peers[j].ep))
				return reject(st, 0, "[peer.%u] and [peer.%u] have the same address",
					      cfg->peers[i].id, cfg->peers[j].id);
	}
	return 0;
}

/* Rules across keys, once every key is known. */
static int check_whole(struct parse_state *st)
{
	struct stockade_config *cfg = st->cfg;
	unsigned int i;

	if (!st->have_node_id)
		return reject(st, 0, "[node] id is required");
	if (!st->have_listen)
		return reject(st, 0, "[node] address is required");
	for (i = 0; i < cfg->n_peers; i++)
		if (cfg->peers[i].id == cfg->node_id)
			return reject(st, 0, "a peer has this node's own id");
	if (check_addresses(st))
		return 0;
	if (cfg->election_timeout_ms < 3 * cfg->heartbeat_ms)
		return reject(st, 0, "[timing] election_timeout_ms must be at least 3 heartbeats");
	/* An old lease must run out before anyone else can be elected. */
	if (cfg->lease_ms >= cfg->election_timeout_ms)
		return reject(st, 0, "[timing] lease_ms must be below election_timeout_ms");
	return 0;
}

/* Refuse an unknown section at its header, not at its first key. */
static void check_section(struct parse_state *st, const char *section,
			  int lineno)
{
	uint32_t id;

	if (!strcmp(section, "node") || !strcmp(section, "timing"))
		return;
	if (strncmp(section, "peer.", 5)) {
		reject(st, lineno, "unknown section [%s]", section);
		return;
	}
	if (parse_u32(section + 5, 1, 255, &id))
		reject(st, lineno, "bad section [%s]: peer ids are 1 to 255",
		       section);
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* One line: blank, a comment, "[section]" or "key = value". */
static void parse_line(struct parse_state *st, char *line, int lineno,
		       char *section, size_t section_size)
{
	char *s = trim(line), *eq;

	if (!*s || *s == '#' || *s == ';')
		return;
	if (*s == '[') {
		char *close = strchr(s, ']');

		if (!close || close[1] || close == s + 1 ||
		    (size_t)(close - s) > section_size) {
			reject(st, lineno, "bad section header");
			return;
		}
		*close = '\0';
		snprintf(section, section_size, "%s", trim(s + 1));
		check_section(st, section, lineno);
		return;
	}
	eq = strchr(s, '=');
	if (!eq) {
		reject(st, lineno, "expected 'key = value'");
		return;
	}
	*eq = '\0';
	if (!section[0]) {
		reject(st, lineno, "key '%s' outside any section", trim(s));
		return;
	}
	on_key(st, section, trim(s), trim(eq + 1), lineno);
}

/* Feed @text line by line; lines longer than MAX_LINE are an error. */
static void parse_text(struct parse_state *st, const char *text)
{
	char line[MAX_LINE], section[64] = "";
	int lineno = 0;
	size_t len;

	while (*text && !st->failed) {
		lineno++;
		len = strcspn(text, "\n");
		if (len >= sizeof(line)) {
			reject(st, lineno, "line too long");
			return;
		}
		memcpy(line, text, len);
		line[len] = '\0';
		parse_line(st, line, lineno, section, sizeof(section));
		text += len + (text[len] == '\n');
	}
	if (!st->failed)
		check_whole(st);
}

int stockade_config_parse(const char *text, const char *name,
			  struct stockade_config *cfg, char *err,
			  size_t err_size)
{
	struct parse_state st = {
		.cfg = cfg, .name = name, .err = err, .err_size = err_size,
	};

	set_defaults(cfg);
	parse_text(&st, text);
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
