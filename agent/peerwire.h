/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agents' UDP protocol (docs/wire-format.md, "Agent messages"):
 * heartbeats and their acknowledgements, pre-votes, votes, and leadership
 * transfer, one fixed-size datagram each, little-endian, authenticated
 * with HMAC-SHA256 under the cluster secret (libsodium).  Every datagram
 * also carries the four timestamps of an NTP exchange, so that each
 * heartbeat measures round-trip time and clock offset for free.
 *
 * Replays: each sender numbers its datagrams from the wall-clock time at
 * which it started (in ns) plus a counter, so numbers keep growing across
 * restarts; a receiver keeps the highest number seen per peer and a
 * 64-datagram window below it, and drops repeats and anything older.
 */
#ifndef STOCKADE_AGENT_PEERWIRE_H
#define STOCKADE_AGENT_PEERWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STOCKADE_PW_MAGIC	0x484b5453U	/* "STKH" */
#define STOCKADE_PW_VERSION	1
#define STOCKADE_PW_MAC_LEN	32
#define STOCKADE_PW_BODY_LEN	120
#define STOCKADE_PW_LEN		(STOCKADE_PW_BODY_LEN + STOCKADE_PW_MAC_LEN)
#define STOCKADE_PW_SECRET_MIN	16
#define STOCKADE_PW_SECRET_MAX	64

enum stockade_pw_type {
	STOCKADE_PW_HEARTBEAT = 1,	/* leader -> follower */
	STOCKADE_PW_HEARTBEAT_ACK,
	STOCKADE_PW_PRE_VOTE,		/* candidate -> all: could I win? */
	STOCKADE_PW_PRE_VOTE_REPLY,
	STOCKADE_PW_VOTE,
	STOCKADE_PW_VOTE_REPLY,
	STOCKADE_PW_TIMEOUT_NOW,	/* leader -> successor: run now */
	STOCKADE_PW_PROBE,		/* anyone -> anyone: clocks, liveness */
	STOCKADE_PW_PROBE_REPLY,
	__STOCKADE_PW_TYPE_MAX
};

#define STOCKADE_PW_GRANTED	0x1U	/* a reply that says yes */
#define STOCKADE_PW_TRANSFER	0x2U	/* a vote that overrides stickiness */
#define STOCKADE_PW_FLAGS_KNOWN	0x3U
#define STOCKADE_PW_VERDICT_MAX	15	/* vote replies: why, below this */

/* A datagram, decoded.  Times are nanoseconds. */
struct stockade_pw_msg {
	uint8_t type;
	uint8_t flags;
	uint8_t verdict;	/* vote replies: enum stockade_vote_verdict */
	uint16_t device;	/* the stockade device (minor) it is about */
	uint32_t from, to;	/* node ids */
	uint64_t seq;
	uint64_t term;
	uint64_t last_index, last_term;	/* votes: the candidate's log */
	/* Heartbeats: the leader's monotonic send time; acks echo it. */
	uint64_t lease_sent;
	/*
	 * The clock exchange.  t_send: the sender's CLOCK_REALTIME when it
	 * sent this; echo_send: the t_send of the last datagram it received
	 * from the recipient; echo_recv: its CLOCK_REALTIME when that
	 * arrived.  mono_send: its CLOCK_MONOTONIC at send, for drift.
	 */
	uint64_t t_send, echo_send, echo_recv, mono_send;
	uint64_t commit_index;	/* heartbeats: the leader's, for status */
};

enum stockade_pw_error {
	STOCKADE_PW_OK,
	STOCKADE_PW_BAD_LENGTH,
	STOCKADE_PW_BAD_MAC,		/* forged, or another secret */
	STOCKADE_PW_BAD_MAGIC,
	STOCKADE_PW_BAD_VERSION,
	STOCKADE_PW_BAD_FIELD,		/* type, flags, ids or reserved */
	STOCKADE_PW_REPLAY,		/* seen before, or too old */
	STOCKADE_PW_NOT_FOR_US,		/* addressed to another node */
};

const char *stockade_pw_error_name(enum stockade_pw_error e);

/* libsodium must be initialised once: 0, or -1 if it cannot be. */
int stockade_pw_init(void);

/* Encode and sign @m into @buf (STOCKADE_PW_LEN bytes). */
void stockade_pw_seal(const struct stockade_pw_msg *m, const uint8_t *secret,
		      size_t secret_len, uint8_t *buf);

/*
 * Check length, MAC (first, in constant time), then the fields.  Replays
 * are the caller's to check, per peer, with the window below.
 */
enum stockade_pw_error stockade_pw_open(const uint8_t *buf, size_t len,
					const uint8_t *secret,
					size_t secret_len,
					struct stockade_pw_msg *m);

struct stockade_pw_window {
	uint64_t highest;	/* highest sequence number accepted */
	uint64_t seen;		/* bit i: highest - i was accepted */
};

/* Accept @seq once; false for a repeat or one older than the window. */
bool stockade_pw_window_accept(struct stockade_pw_window *w, uint64_t seq);

#endif /* STOCKADE_AGENT_PEERWIRE_H */
