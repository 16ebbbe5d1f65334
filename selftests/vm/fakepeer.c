// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile or confused peer, for the VM tests: it connects to a node's
 * replication port as peer ID, runs the handshake (optionally with a wrong
 * answer), then misbehaves in the way MODE says:
 *
 *   stale    a keepalive claiming leadership at an old TERM
 *   garbage  64 random bytes after a correct handshake
 *   badmac   a wrong answer to the node's challenge
 *
 * It exits 0 when the node reacted as it must: it closed the connection
 * for garbage and badmac, or kept it for stale (which is refused and
 * counted, not fatal).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/stockade.h>

#include "wire.h"

static int die(const char *what)
{
	fprintf(stderr, "fakepeer: %s\n", what);
	exit(1);
}

static void send_all(int fd, const void *buf, size_t len)
{
	if (send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		die("send failed");
}

static void send_msg(int fd, u32 id, u8 type, u64 term, const void *body,
		     u32 len)
{
	struct stockade_wire_hdr hdr;

	stockade_wire_seal(&hdr, type, term, id, body, len);
	send_all(fd, &hdr, sizeof(hdr));
	send_all(fd, body, len);
}

static int recv_all(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, (char *)buf + got, len - got, 0);

		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

static void hello_mac(const u8 *key, size_t key_len, char label,
		      const u8 *nonce, u32 connector, u32 acceptor, u8 *out)
{
	crypto_auth_hmacsha256_state st;
	__le32 ids[2] = { cpu_to_le32(connector), cpu_to_le32(acceptor) };

	crypto_auth_hmacsha256_init(&st, key, key_len);
	crypto_auth_hmacsha256_update(&st, (const u8 *)&label, 1);
	crypto_auth_hmacsha256_update(&st, nonce, STOCKADE_WIRE_NONCE_LEN);
	crypto_auth_hmacsha256_update(&st, (const u8 *)ids, sizeof(ids));
	crypto_auth_hmacsha256_final(&st, out);
}

/* Wait until the node closes the connection: 0 if it did within 5 s. */
static int closed_by_node(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	while (poll(&p, 1, 5000) == 1) {
		if (recv(fd, &c, 1, 0) <= 0)
			return 0;
	}
	return -1;
}

struct opts {
	const char *addr, *mode;
	int port;
	u32 id;
	u8 secret[64];
	size_t secret_len;
	u8 cluster[16], device[16];
	u64 term;
};

static void parse_uuid(const char *s, u8 *out)
{
	unsigned int i, n = 0, v;

	for (i = 0; s[i] && n < 16; i++) {
		if (s[i] == '-')
			continue;
		if (sscanf(s + i, "%2x", &v) != 1)
			die("bad uuid");
		out[n++] = (u8)v;
		i++;
	}
	if (n != 16)
		die("bad uuid");
}

static void parse(int argc, char **argv, struct opts *o)
{
	FILE *f;

	if (argc != 9)
		die("usage: fakepeer ADDR PORT ID SECRET-FILE CLUSTER DEVICE MODE TERM");
	o->addr = argv[1];
	o->port = atoi(argv[2]);
	o->id = (u32)atoi(argv[3]);
	f = fopen(argv[4], "r");
	if (!f)
		die("cannot read the secret file");
	o->secret_len = fread(o->secret, 1, sizeof(o->secret), f);
	fclose(f);
	parse_uuid(argv[5], o->cluster);
	parse_uuid(argv[6], o->device);
	o->mode = argv[7];
	o->term = strtoull(argv[8], NULL, 0);
}

static int connect_to(const struct opts *o)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_port = htons(o->port);
	if (fd < 0 || inet_pton(AF_INET, o->addr, &sin.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("cannot connect");
	return fd;
}

/* The connector's side of the handshake; @wrong answers incorrectly. */
static void handshake(int fd, const struct opts *o, bool wrong)
{
	struct stockade_wire_hello mine = { 0 }, theirs;
	struct stockade_wire_hdr hdr;
	struct stockade_wire_msg msg;

	memcpy(mine.cluster_uuid, o->cluster, 16);
	memcpy(mine.device_uuid, o->device, 16);
	randombytes_buf(mine.nonce, sizeof(mine.nonce));
	send_msg(fd, o->id, STOCKADE_MSG_HELLO, o->term, &mine, sizeof(mine));
	if (recv_all(fd, &hdr, sizeof(hdr)) ||
	    stockade_wire_check_hdr(&hdr, &msg) ||
	    msg.type != STOCKADE_MSG_HELLO_REPLY ||
	    recv_all(fd, &theirs, sizeof(theirs)))
		die("no HELLO_REPLY: the node refused us");
	hello_mac(o->secret, o->secret_len, 'C', theirs.nonce, o->id,
		  msg.from_node, mine.mac);
	if (wrong)
		mine.mac[0] ^= 1;
	send_msg(fd, o->id, STOCKADE_MSG_HELLO_DONE, o->term, &mine,
		 sizeof(mine));
}

int main(int argc, char **argv)
{
	struct stockade_wire_keepalive ka = {
		.role = cpu_to_le32(STOCKADE_ROLE_LEADER),
	};
	struct opts o;
	u8 junk[64];
	int fd;

	if (sodium_init() < 0)
		die("libsodium");
	parse(argc, argv, &o);
	fd = connect_to(&o);
	handshake(fd, &o, !strcmp(o.mode, "badmac"));
	if (!strcmp(o.mode, "badmac"))
		return closed_by_node(fd) ? die("badmac: still connected") : 0;
	if (!strcmp(o.mode, "garbage")) {
		randombytes_buf(junk, sizeof(junk));
		send_all(fd, junk, sizeof(junk));
		return closed_by_node(fd) ? die("garbage: still connected") : 0;
	}
	if (!strcmp(o.mode, "stale")) {
		send_msg(fd, o.id, STOCKADE_MSG_KEEPALIVE, o.term, &ka,
			 sizeof(ka));
		usleep(500000);
		close(fd);
		return 0;
	}
	return die("unknown mode");
}
