// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's UDP socket (udp.h).  Datagrams are authenticated before
 * anything in them is believed; what fails is counted, never logged per
 * datagram, so a flood cannot fill the journal.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "udp.h"

int agent_udp_open(struct agent_udp *u, const struct sockaddr_in *addr,
		   uint32_t node_id, const uint8_t *secret, size_t secret_len,
		   uint64_t first_seq)
{
	memset(u, 0, sizeof(*u));
	u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (u->fd < 0)
		return -errno;
	if (bind(u->fd, (const struct sockaddr *)addr, sizeof(*addr))) {
		int err = -errno;

		close(u->fd);
		u->fd = -1;
		return err;
	}
	u->secret = secret;
	u->secret_len = secret_len;
	u->node_id = node_id;
	u->seq = first_seq;
	return 0;
}

void agent_udp_close(struct agent_udp *u)
{
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
}

int agent_udp_send(struct agent_udp *u, struct stockade_pw_msg *m,
		   const struct sockaddr_in *to)
{
	uint8_t buf[STOCKADE_PW_LEN];
	ssize_t n;

	m->from = u->node_id;
	m->seq = u->seq++;
	stockade_pw_seal(m, u->secret, u->secret_len, buf);
	n = sendto(u->fd, buf, sizeof(buf), 0, (const struct sockaddr *)to,
		   sizeof(*to));
	if (n < 0)
		return -errno;
	return n == sizeof(buf) ? 0 : -EMSGSIZE;
}

int agent_udp_recv(struct agent_udp *u, struct stockade_pw_msg *m)
{
	uint8_t buf[STOCKADE_PW_LEN + 1];
	enum stockade_pw_error err;
	ssize_t n;

	n = recv(u->fd, buf, sizeof(buf), 0);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	err = stockade_pw_open(buf, (size_t)n, u->secret, u->secret_len, m);
	if (err == STOCKADE_PW_BAD_MAC || err == STOCKADE_PW_BAD_LENGTH) {
		u->bad_mac++;
		return 0;
	}
	if (err) {
		u->malformed++;
		return 0;
	}
	if (m->to != u->node_id) {
		u->misaddressed++;
		return 0;
	}
	return 1;
}
