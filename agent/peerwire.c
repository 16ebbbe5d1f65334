// SPDX-License-Identifier: GPL-2.0
/*
 * Encoding, signing and checking of the agents' datagrams.  The layout is
 * fixed (docs/wire-format.md); fields are copied one by one in
 * little-endian order rather than through a packed struct, so that the
 * format does not depend on the compiler.
 */
#include <endian.h>
#include <string.h>
#include <sodium.h>

#include "peerwire.h"

/* Offsets in the body. */
enum {
	OFF_MAGIC = 0, OFF_VERSION = 4, OFF_TYPE = 5, OFF_FLAGS = 6,
	OFF_VERDICT = 7, OFF_DEVICE = 8, OFF_PAD16 = 10, OFF_FROM = 12,
	OFF_TO = 16, OFF_PAD32 = 20, OFF_SEQ = 24, OFF_TERM = 32,
	OFF_LAST_INDEX = 40, OFF_LAST_TERM = 48, OFF_LEASE_SENT = 56,
	OFF_T_SEND = 64, OFF_ECHO_SEND = 72, OFF_ECHO_RECV = 80,
	OFF_MONO_SEND = 88, OFF_COMMIT = 96, OFF_RESERVED = 104,
};

_Static_assert(OFF_RESERVED + 16 == STOCKADE_PW_BODY_LEN,
	       "the body layout and its length disagree");

static void put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, sizeof(v));
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, sizeof(v));
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return le16toh(v);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

int stockade_pw_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

static void mac(const uint8_t *body, const uint8_t *secret,
		size_t secret_len, uint8_t *out)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, secret, secret_len);
	crypto_auth_hmacsha256_update(&st, body, STOCKADE_PW_BODY_LEN);
	crypto_auth_hmacsha256_final(&st, out);
}

void stockade_pw_seal(const struct stockade_pw_msg *m, const uint8_t *secret,
		      size_t secret_len, uint8_t *buf)
{
	memset(buf, 0, STOCKADE_PW_BODY_LEN);
	put32(buf + OFF_MAGIC, STOCKADE_PW_MAGIC);
	buf[OFF_VERSION] = STOCKADE_PW_VERSION;
	buf[OFF_TYPE] = m->type;
	buf[OFF_FLAGS] = m->flags;
	buf[OFF_VERDICT] = m->verdict;
	put16(buf + OFF_DEVICE, m->device);
	put32(buf + OFF_FROM, m->from);
	put32(buf + OFF_TO, m->to);
	put64(buf + OFF_SEQ, m->seq);
	put64(buf + OFF_TERM, m->term);
	put64(buf + OFF_LAST_INDEX, m->last_index);
	put64(buf + OFF_LAST_TERM, m->last_term);
	put64(buf + OFF_LEASE_SENT, m->lease_sent);
	put64(buf + OFF_T_SEND, m->t_send);
	put64(buf + OFF_ECHO_SEND, m->echo_send);
	put64(buf + OFF_ECHO_RECV, m->echo_recv);
	put64(buf + OFF_MONO_SEND, m->mono_send);
	put64(buf + OFF_COMMIT, m->commit_index);
	mac(buf, secret, secret_len, buf + STOCKADE_PW_BODY_LEN);
}

static bool zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static enum stockade_pw_error check_header(const uint8_t *buf)
{
	if (get32(buf + OFF_MAGIC) != STOCKADE_PW_MAGIC)
		return STOCKADE_PW_BAD_MAGIC;
	if (buf[OFF_VERSION] != STOCKADE_PW_VERSION)
		return STOCKADE_PW_BAD_VERSION;
	if (!buf[OFF_TYPE] || buf[OFF_TYPE] >= __STOCKADE_PW_TYPE_MAX ||
	    buf[OFF_FLAGS] & ~STOCKADE_PW_FLAGS_KNOWN ||
	    buf[OFF_VERDICT] > STOCKADE_PW_VERDICT_MAX || get16(buf + OFF_PAD16) || get32(buf + OFF_PAD32) ||
	    !zero(buf + OFF_RESERVED, 16))
		return STOCKADE_PW_BAD_FIELD;
	/* Node ids are 1 to 255, and nobody talks to itself. */
	if (!get32(buf + OFF_FROM) || get32(buf + OFF_FROM) > 255 ||
	    !get32(buf + OFF_TO) || get32(buf + OFF_TO) > 255 ||
	    get32(buf + OFF_FROM) == get32(buf + OFF_TO))
		return STOCKADE_PW_BAD_FIELD;
	return STOCKADE_PW_OK;
}

enum stockade_pw_error stockade_pw_open(const uint8_t *buf, size_t len,
					const uint8_t *secret,
					size_t secret_len,
					struct stockade_pw_msg *m)
{
	uint8_t want[STOCKADE_PW_MAC_LEN];
	enum stockade_pw_error err;

	if (len != STOCKADE_PW_LEN)
		return STOCKADE_PW_BAD_LENGTH;
	mac(buf, secret, secret_len, want);
	if (sodium_memcmp(want, buf + STOCKADE_PW_BODY_LEN, sizeof(want)))
		return STOCKADE_PW_BAD_MAC;
	err = check_header(buf);
	if (err)
		return err;
	*m = (struct stockade_pw_msg) {
		.type = buf[OFF_TYPE],
		.flags = buf[OFF_FLAGS],
		.verdict = buf[OFF_VERDICT],
		.device = get16(buf + OFF_DEVICE),
		.from = get32(buf + OFF_FROM),
		.to = get32(buf + OFF_TO),
		.seq = get64(buf + OFF_SEQ),
		.term = get64(buf + OFF_TERM),
		.last_index = get64(buf + OFF_LAST_INDEX),
		.last_term = get64(buf + OFF_LAST_TERM),
		.lease_sent = get64(buf + OFF_LEASE_SENT),
		.t_send = get64(buf + OFF_T_SEND),
		.echo_send = get64(buf + OFF_ECHO_SEND),
		.echo_recv = get64(buf + OFF_ECHO_RECV),
		.mono_send = get64(buf + OFF_MONO_SEND),
		.commit_index = get64(buf + OFF_COMMIT),
	};
	return STOCKADE_PW_OK;
}

bool stockade_pw_window_accept(struct stockade_pw_window *w, uint64_t seq)
{
	uint64_t age;

	if (seq > w->highest) {
		age = seq - w->highest;
		w->seen = age >= 64 ? 0 : w->seen << age;
		w->seen |= 1;
		w->highest = seq;
		return true;
	}
	age = w->highest - seq;
	if (age >= 64 || (w->seen & (1ULL << age)))
		return false;
	w->seen |= 1ULL << age;
	return true;
}

const char *stockade_pw_error_name(enum stockade_pw_error e)
{
	switch (e) {
	case STOCKADE_PW_OK:
		return "ok";
	case STOCKADE_PW_BAD_LENGTH:
		return "wrong length";
	case STOCKADE_PW_BAD_MAC:
		return "bad MAC (forged, or another secret)";
	case STOCKADE_PW_BAD_MAGIC:
		return "not a stockade datagram";
	case STOCKADE_PW_BAD_VERSION:
		return "another protocol version";
	case STOCKADE_PW_BAD_FIELD:
		return "invalid field";
	case STOCKADE_PW_REPLAY:
		return "replayed or too old";
	case STOCKADE_PW_NOT_FOR_US:
		return "addressed to another node";
	}
	return "unknown";
}
