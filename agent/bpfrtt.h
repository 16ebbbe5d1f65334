/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's use of bpf/rtt.bpf.c: load it (libbpf skeleton, CO-RE),
 * attach it to the root of the cgroup v2 hierarchy with the configured
 * devices' replication ports as its filter, and read each peer's RTT and
 * deviation from its map.
 *
 * Why the root cgroup: stockade.ko's replication sockets are made by the
 * kernel (sock_create_kern()), from the module's kernel threads or from a
 * netlink request, and a socket belongs to the cgroup of the task that
 * made it: the root for a kernel thread, whatever cgroup the agent or
 * stockadectl ran in otherwise.  Programs attached to the root apply to
 * every cgroup below, so the root sees them all; the port filter keeps
 * every other TCP connection of the host out of the map.
 *
 * The attachment is a bpf_link owned by this process and nothing is
 * pinned: it goes away when the agent exits, however it exits.  Any
 * failure leaves BPF off, with the reason kept for the status; the agent
 * then runs on the RTT it measures from its own datagrams.
 */
#ifndef STOCKADE_AGENT_BPFRTT_H
#define STOCKADE_AGENT_BPFRTT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "peer.h"

/* bpf/rtt.h's RTT_MAX_PORTS, without pulling BPF headers in here. */
#define AGENT_BPF_MAX_PORTS	8

struct rtt_bpf;

struct agent_bpf {
	struct rtt_bpf *skel;		/* NULL: BPF is off */
	char why[192];			/* why it is off */
	char cgroup[128];		/* where it is attached */
	uint16_t ports[AGENT_BPF_MAX_PORTS];
	unsigned int n_ports;
	uint64_t read_errors;
};

/*
 * Load and attach for @cfg's device ports.  Never fatal: false with
 * b->why set if BPF stays off (no device ports, no privilege, no BTF,
 * no cgroup v2, a load or attach error).
 */
bool agent_bpf_open(struct agent_bpf *b, const struct stockade_config *cfg);

/* A reload: the filter follows the devices' ports. */
void agent_bpf_set_ports(struct agent_bpf *b,
			 const struct stockade_config *cfg);

/* Detach and unload; safe on one that is off. */
void agent_bpf_close(struct agent_bpf *b);

static inline bool agent_bpf_active(const struct agent_bpf *b)
{
	return b->skel != NULL;
}

/*
 * Read the map once and give each of @peers its figure (core/netrtt.h),
 * at @now (CLOCK_MONOTONIC).  A peer without a fresh connection gets an
 * empty figure and falls back to the agent's own RTT.
 */
void agent_bpf_refresh(struct agent_bpf *b, struct agent_peer *peers,
		       unsigned int n, uint64_t now);

/* "bpf" in the status: active where, or off and why. */
void agent_bpf_status(const struct agent_bpf *b, bool json, FILE *out);

#endif /* STOCKADE_AGENT_BPFRTT_H */
