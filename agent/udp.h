/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's UDP socket: bind to this node's address, send a sealed
 * datagram to a peer, and receive one, checked and attributed to the
 * peer that sent it (replays included, which the peer's window drops).
 */
#ifndef STOCKADE_AGENT_UDP_H
#define STOCKADE_AGENT_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "peerwire.h"

struct agent_udp {
	int fd;
	bool timestamps;		/* SO_TIMESTAMPNS is on */
	const uint8_t *secret;
	size_t secret_len;
	uint32_t node_id;
	uint64_t seq;			/* of the next datagram we send */
	/* Datagrams dropped before they reached a peer, by reason. */
	uint64_t bad_mac, malformed, misaddressed;
};

/* Bind to @addr; 0 or a negative errno. */
int agent_udp_open(struct agent_udp *u, const struct sockaddr_in *addr,
		   uint32_t node_id, const uint8_t *secret, size_t secret_len,
		   uint64_t first_seq);
void agent_udp_close(struct agent_udp *u);

/* Number @m (from, seq), seal and send it; 0 or a negative errno. */
int agent_udp_send(struct agent_udp *u, struct stockade_pw_msg *m,
		   const struct sockaddr_in *to);

/* Where a datagram came from, and when the kernel had it. */
struct agent_udp_rx {
	struct sockaddr_in from;
	/* SO_TIMESTAMPNS: CLOCK_REALTIME at its arrival, or 0 if none. */
	uint64_t stamp_real;
};

/*
 * Receive one datagram without blocking: 1 with @m and @rx filled, 0
 * when none is waiting or the one read was dropped (counted), or a
 * negative errno.
 */
int agent_udp_recv(struct agent_udp *u, struct stockade_pw_msg *m,
		   struct agent_udp_rx *rx);

#endif /* STOCKADE_AGENT_UDP_H */
