/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's use of bpf/hb.bpf.c: the tc programs that stamp its UDP
 * datagrams where they enter and leave the host (docs/bpf.md, "Heartbeat
 * timestamps").
 *
 * They go on the clsact hooks (ingress and egress) of each interface
 * that carries traffic to a peer: the interface that holds the local
 * address the kernel picks to reach it.  clsact, through libbpf's
 * bpf_tc_* calls, because TCX links need 6.6 and the nodes run 6.1.
 * Each agent's filter has its own handle, its UDP port, at a fixed
 * priority: a start replaces what an agent on the same port left behind
 * when it was killed (a tc filter, unlike a bpf_link, outlives its
 * process), and two agents on one host never touch each other's.  On
 * exit the filters are detached, and the clsact qdisc destroyed only if
 * this agent created it and no other filter is left on it.  Nothing is
 * pinned.
 *
 * Any failure leaves the programs off, with the reason kept for the
 * status; the socket's own timestamps (SO_TIMESTAMPNS) stand in.
 */
#ifndef STOCKADE_AGENT_BPFHB_H
#define STOCKADE_AGENT_BPFHB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>
#include <netinet/in.h>

#include "config.h"

#define AGENT_HB_MAX_IFACES	4
/* The tc priority of every agent's filters; the handle is its port. */
#define AGENT_HB_TC_PRIORITY	0x5354

struct hb_bpf;

struct agent_hb_iface {
	int ifindex;
	char name[IF_NAMESIZE];
	bool created;			/* we created its clsact qdisc */
	bool in, out;			/* our filter is attached there */
};

struct agent_hbts {
	struct hb_bpf *skel;		/* NULL: off */
	char why[192];
	uint16_t port;
	struct agent_hb_iface ifaces[AGENT_HB_MAX_IFACES];
	unsigned int n_ifaces;
	/* Lookups of our datagrams: found a stamp, or not. */
	uint64_t found_in, missed_in, found_out, missed_out;
};

/* Load and attach for @cfg's port and peers; false with h->why if off. */
bool agent_hbts_open(struct agent_hbts *h, const struct stockade_config *cfg);

/* Detach, destroy what we created, unload; safe on one that is off. */
void agent_hbts_close(struct agent_hbts *h);

static inline bool agent_hbts_active(const struct agent_hbts *h)
{
	return h->skel != NULL;
}

/*
 * The ingress (@egress false) or egress stamp of the datagram numbered
 * @seq from or to @peer, taken out of the map: true with *@ns
 * (CLOCK_MONOTONIC), false if there is none.
 */
bool agent_hbts_take(struct agent_hbts *h, bool egress,
		     const struct sockaddr_in *peer, uint64_t seq,
		     uint64_t *ns);

/* "tc" in the status: active where, or off and why. */
void agent_hbts_status(const struct agent_hbts *h, bool json, FILE *out);

#endif /* STOCKADE_AGENT_BPFHB_H */
