/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stockaded's configuration (/etc/stockade/stockade.conf, ini format; see
 * stockade.conf.example).  It is parsed and validated completely before
 * anything is applied: a bad file changes nothing.
 */
#ifndef STOCKADE_AGENT_CONFIG_H
#define STOCKADE_AGENT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#define STOCKADE_CONFIG_MAX_PEERS	6

struct stockade_endpoint {
	struct in_addr addr;
	uint16_t port;
};

struct stockade_peer {
	uint32_t id;
	struct stockade_endpoint ep;
};

struct stockade_config {
	uint32_t node_id;
	struct stockade_endpoint listen;
	struct stockade_peer peers[STOCKADE_CONFIG_MAX_PEERS];
	unsigned int n_peers;
	uint32_t heartbeat_ms;
	uint32_t election_timeout_ms;
	uint32_t lease_ms;
	uint32_t max_drift_ppm;
};

/*
 * Parse @path into @cfg.  On error returns -1 and writes a message naming
 * the file, line and key to @err.
 */
int stockade_config_load(const char *path, struct stockade_config *cfg,
			 char *err, size_t err_size);
/* The same for a string, for tests; @name stands for the file name. */
int stockade_config_parse(const char *text, const char *name,
			  struct stockade_config *cfg, char *err,
			  size_t err_size);

#endif /* STOCKADE_AGENT_CONFIG_H */
