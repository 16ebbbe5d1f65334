// SPDX-License-Identifier: GPL-2.0
/*
 * Framing and the handshake.  Every message is checked (header, then a
 * bounded body, then the CRC) before anything looks at it.  The handshake
 * is a mutual challenge: each side sends a fresh nonce and proves it knows
 * the shared secret by returning HMAC-SHA256(secret, label, nonce, ids) of
 * the other's nonce, so the secret never crosses the wire and a recorded
 * answer is useless next time.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <crypto/algapi.h>
#include <linux/net.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "stockade.h"

int stockade_net_send_msg(struct socket *sock, u32 from, u8 type, u64 term,
			  const void *body, u32 len)
{
	struct stockade_wire_hdr hdr;
	struct kvec vec[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)body, .iov_len = len },
	};
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	int ret;

	stockade_wire_seal(&hdr, type, term, from, body, len);
	ret = kernel_sendmsg(sock, &msg, vec, len ? 2 : 1, sizeof(hdr) + len);
	if (ret < 0)
		return ret;
	return ret == sizeof(hdr) + len ? 0 : -EIO;
}

static int recv_exact(struct socket *sock, void *buf, size_t len)
{
	struct kvec vec = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_WAITALL | MSG_NOSIGNAL };
	int ret;

	ret = kernel_recvmsg(sock, &msg, &vec, 1, len, msg.msg_flags);
	if (ret == 0)
		return -ECONNRESET;
	if (ret < 0)
		return ret;
	return ret == len ? 0 : -EIO;
}

/*
 * Receive one message.  -EBADMSG: the peer sent something malformed
 * (the caller counts it and drops the connection); other errors are the
 * connection's.  *body is kvfree()d by the caller.
 */
int stockade_net_recv_msg(struct socket *sock, struct stockade_wire_msg *msg,
			  void **body)
{
	struct stockade_wire_hdr hdr;
	int err;

	*body = NULL;
	err = recv_exact(sock, &hdr, sizeof(hdr));
	if (err)
		return err;
	if (stockade_wire_check_hdr(&hdr, msg))
		return -EBADMSG;
	*body = kvmalloc(msg->body_len, GFP_KERNEL);
	if (!*body)
		return -ENOMEM;
	err = recv_exact(sock, *body, msg->body_len);
	if (!err && stockade_wire_verify(&hdr, *body))
		err = -EBADMSG;
	if (err) {
		kvfree(*body);
		*body = NULL;
	}
	return err;
}

/* HMAC(secret, label || nonce || connector || acceptor). */
static int hello_mac(struct stockade_net *net, char label, const u8 *nonce,
		     u32 connector, u32 acceptor, u8 *out)
{
	SHASH_DESC_ON_STACK(desc, net->hmac);
	__le32 ids[2] = { cpu_to_le32(connector), cpu_to_le32(acceptor) };
	int err;

	desc->tfm = net->hmac;
	err = crypto_shash_init(desc) ?:
	      crypto_shash_update(desc, &label, 1) ?:
	      crypto_shash_update(desc, nonce, STOCKADE_WIRE_NONCE_LEN) ?:
	      crypto_shash_update(desc, (u8 *)ids, sizeof(ids)) ?:
	      crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	return err;
}

static void hello_fill(struct stockade_net *net,
		       struct stockade_wire_hello *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->cluster_uuid, net->dev->sb.cluster_uuid, 16);
	memcpy(h->device_uuid, net->dev->sb.device_uuid, 16);
	get_random_bytes(h->nonce, sizeof(h->nonce));
}

static bool same_volume(struct stockade_net *net,
			const struct stockade_wire_hello *h)
{
	return !memcmp(h->cluster_uuid, net->dev->sb.cluster_uuid, 16) &&
	       !memcmp(h->device_uuid, net->dev->sb.device_uuid, 16);
}

/* Receive a hello-type message of @type; -EBADMSG if it is anything else. */
static int recv_hello(struct socket *sock, u8 type,
		      struct stockade_wire_msg *msg,
		      struct stockade_wire_hello *h)
{
	void *body;
	int err = stockade_net_recv_msg(sock, msg, &body);

	if (err)
		return err;
	if (msg->type != type)
		err = -EBADMSG;
	else
		memcpy(h, body, sizeof(*h));
	kvfree(body);
	return err;
}

static bool mac_ok(struct stockade_net *net, const u8 *got, char label,
		   const u8 *nonce, u32 connector, u32 acceptor)
{
	u8 want[STOCKADE_WIRE_MAC_LEN];

	if (hello_mac(net, label, nonce, connector, acceptor, want))
		return false;
	return !crypto_memneq(want, got, sizeof(want));
}

static u64 current_term(struct stockade_net *net)
{
	return READ_ONCE(net->dev->sb.current_term);
}

int stockade_handshake_connect(struct stockade_peer *peer,
			       struct socket *sock)
{
	struct stockade_net *net = peer->net;
	struct stockade_wire_hello mine, theirs;
	struct stockade_wire_msg msg;
	int err;

	hello_fill(net, &mine);
	err = stockade_net_send_msg(sock, net->node_id, STOCKADE_MSG_HELLO,
				    current_term(net), &mine, sizeof(mine));
	if (!err)
		err = recv_hello(sock, STOCKADE_MSG_HELLO_REPLY, &msg, &theirs);
	if (err)
		return err;
	if (msg.from_node != peer->id || !same_volume(net, &theirs) ||
	    !mac_ok(net, theirs.mac, 'A', mine.nonce, net->node_id, peer->id))
		return -EACCES;
	memset(mine.mac, 0, sizeof(mine.mac));
	err = hello_mac(net, 'C', theirs.nonce, net->node_id, peer->id,
			mine.mac);
	if (err)
		return err;
	return stockade_net_send_msg(sock, net->node_id, STOCKADE_MSG_HELLO_DONE,
				     current_term(net), &mine, sizeof(mine));
}

/* The configured peer that may connect to us as @id, or NULL. */
static struct stockade_peer *connecting_peer(struct stockade_net *net, u32 id)
{
	u32 i;

	for (i = 0; i < net->n_peers; i++)
		if (net->peers[i].id == id && id < net->node_id)
			return &net->peers[i];
	return NULL;
}

/* Returns the authenticated peer, or an ERR_PTR (-EACCES: refused). */
struct stockade_peer *stockade_handshake_accept(struct stockade_net *net,
						struct socket *sock)
{
	struct stockade_wire_hello theirs, mine;
	struct stockade_wire_msg msg;
	struct stockade_peer *peer;
	int err;

	err = recv_hello(sock, STOCKADE_MSG_HELLO, &msg, &theirs);
	if (err)
		return ERR_PTR(err);
	peer = connecting_peer(net, msg.from_node);
	if (!peer || !same_volume(net, &theirs))
		return ERR_PTR(-EACCES);
	hello_fill(net, &mine);
	err = hello_mac(net, 'A', theirs.nonce, peer->id, net->node_id,
			mine.mac) ?:
	      stockade_net_send_msg(sock, net->node_id,
				    STOCKADE_MSG_HELLO_REPLY, current_term(net),
				    &mine, sizeof(mine)) ?:
	      recv_hello(sock, STOCKADE_MSG_HELLO_DONE, &msg, &theirs);
	if (err)
		return ERR_PTR(err);
	if (msg.from_node != peer->id ||
	    !mac_ok(net, theirs.mac, 'C', mine.nonce, peer->id, net->node_id))
		return ERR_PTR(-EACCES);
	return peer;
}
