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
#define STOCKADE_CONFIG_MAX_DEVICES	4
#define STOCKADE_CONFIG_PATH_MAX	64

struct stockade_endpoint {
	struct in_addr addr;
	uint16_t port;
};

struct stockade_peer {
	uint32_t id;
	struct stockade_endpoint ep;
};

#define STOCKADE_CONFIG_CMD_MAX		192
#define STOCKADE_CONFIG_MAX_UNITS	8

/*
 * What runs on the node that becomes the device's leader, once the device
 * serves I/O, and is undone when it stops leading (docs/agent.md).  Empty
 * strings: not configured.
 */
struct stockade_actions {
	char mount_point[STOCKADE_CONFIG_PATH_MAX];
	char fs_type[16];
	char mount_options[128];
	char units[STOCKADE_CONFIG_CMD_MAX];	/* blank-separated unit names */
	char start[STOCKADE_CONFIG_CMD_MAX];	/* /bin/sh -c */
	char stop[STOCKADE_CONFIG_CMD_MAX];
	uint32_t timeout_ms;			/* per step */
	uint32_t retries;			/* 0: retry forever */
	uint32_t give_up_hold_ms;
};

/* A replicated device this node serves, [device.N]. */
struct stockade_device_config {
	uint32_t minor;			/* N of /dev/stockadeN */
	uint8_t uuid[16];
	char backing[STOCKADE_CONFIG_PATH_MAX];
	uint16_t port;			/* kernel replication, TCP */
	uint8_t io_policy;		/* enum stockade_io_policy_id */
	uint8_t read_policy;		/* enum stockade_read_policy */
	uint32_t suspend_timeout_ms;
	struct stockade_actions actions;
	unsigned int seen;		/* bit per key, against repeats */
};

struct stockade_config {
	uint32_t node_id;
	struct stockade_endpoint listen;
	struct stockade_peer peers[STOCKADE_CONFIG_MAX_PEERS];
	unsigned int n_peers;
	uint32_t heartbeat_ms;
	uint32_t election_timeout_ms;
	/* 0: the election timeout adapts; else it is this, always */
	uint32_t fixed_timeout_ms;
	uint32_t lease_ms;
	uint32_t max_drift_ppm;
	uint32_t max_clock_offset_ms;
	/* [cluster] */
	uint8_t cluster_uuid[16];
	char secret_file[STOCKADE_CONFIG_PATH_MAX];
	/* [device.N] */
	struct stockade_device_config devices[STOCKADE_CONFIG_MAX_DEVICES];
	unsigned int n_devices;
	/* [detector]: the phi-accrual failure detector */
	double phi_threshold;
	uint32_t phi_window;
	uint32_t phi_min_stddev_ms;
	uint32_t acceptable_pause_ms;
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
