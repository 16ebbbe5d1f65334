// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's UDP socket (udp.h).  Datagrams are authenticated before
 * anything in them is believed; what fails is counted, never logged per
 * datagram, so a flood cannot fill the journal.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
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
	/*
	 * The kernel's receive time of each datagram: what it waited in
	 * our socket is our own delay (core/hbdelay.h).  Without it the
	 * split is unknown, which is no reason not to run.
	 */
	u->timestamps = !setsockopt(u->fd, SOL_SOCKET, SO_TIMESTAMPNS,
				    &(int){ 1 }, sizeof(int));
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

/* The SO_TIMESTAMPNS control message, as ns, or 0. */
static uint64_t rx_stamp(struct msghdr *mh)
{
	struct cmsghdr *cm;
	struct timespec ts;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_TIMESTAMPNS ||
		    cm->cmsg_len < CMSG_LEN(sizeof(ts)))
			continue;
		memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
		return (uint64_t)ts.tv_sec * 1000000000ULL +
		       (uint64_t)ts.tv_nsec;
	}
	return 0;
}

int agent_udp_recv(struct agent_udp *u, struct stockade_pw_msg *m,
		   struct agent_udp_rx *rx)
{
	uint8_t buf[STOCKADE_PW_LEN + 1];
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh = {
		.msg_name = &rx->from, .msg_namelen = sizeof(rx->from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	enum stockade_pw_error err;
	ssize_t n;

	n = recvmsg(u->fd, &mh, 0);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	rx->stamp_real = rx_stamp(&mh);
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
