// SPDX-License-Identifier: GPL-2.0
/*
 * Connections to peers.  Each peer has one thread that owns its
 * connection: if we have the lower id it connects (with backoff) and then
 * receives; otherwise the listener authenticates an incoming socket and
 * hands it to a fresh receive thread.  Threads only exit through
 * kthread_stop(); a dead connection is noticed by a receive timeout, since
 * every node sends a keepalive to every peer several times per timeout.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/sock.h>

#include "netlink.h"
#include "stockade.h"

#define KEEPALIVE_MS		200
#define RECV_TIMEOUT		(3 * HZ)	/* 15 keepalives */
#define ACCEPT_POLL		(HZ / 5)
#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		2000

static void set_timeouts(struct socket *sock, long rcv, long snd)
{
	sock->sk->sk_rcvtimeo = rcv;
	sock->sk->sk_sndtimeo = snd;
}

int stockade_peer_send(struct stockade_peer *peer, u8 type, u64 term,
		       const void *body, u32 len)
{
	int err = -ENOTCONN;

	mutex_lock(&peer->lock);
	if (peer->sock && READ_ONCE(peer->state) == STOCKADE_PEER_UP)
		err = stockade_net_send_msg(peer->sock, peer->net->node_id,
					    type, term, body, len);
	mutex_unlock(&peer->lock);
	return err;
}

static void peer_attach(struct stockade_peer *peer, struct socket *sock)
{
	mutex_lock(&peer->lock);
	peer->sock = sock;
	WRITE_ONCE(peer->state, STOCKADE_PEER_UP);
	mutex_unlock(&peer->lock);
	pr_info("stockade%d: peer %u (%pISpc) connected\n",
		peer->net->dev->index, peer->id, &peer->addr);
	stockade_event(peer->net->dev, STOCKADE_EVENT_PEER_UP, peer->id);
	stockade_repl_peer_up(peer);
}

static void peer_detach(struct stockade_peer *peer)
{
	mutex_lock(&peer->lock);
	peer->sock = NULL;
	WRITE_ONCE(peer->state, STOCKADE_PEER_DOWN);
	mutex_unlock(&peer->lock);
	pr_info("stockade%d: peer %u disconnected\n", peer->net->dev->index,
		peer->id);
	stockade_event(peer->net->dev, STOCKADE_EVENT_PEER_DOWN, peer->id);
}

static int on_keepalive(struct stockade_peer *peer,
			const struct stockade_wire_msg *msg, const void *body)
{
	const struct stockade_wire_keepalive *ka = body;
	int err;

	if (ka->reserved || le32_to_cpu(ka->role) >= __STOCKADE_ROLE_MAX)
		return -EBADMSG;
	/* Only a claimed leader's term is a fencing token to check. */
	if (le32_to_cpu(ka->role) != STOCKADE_ROLE_LEADER)
		return stockade_dev_observe_term(peer->net->dev, msg->term, false);
	err = stockade_dev_observe_term(peer->net->dev, msg->term, true);
	if (!err)
		stockade_repl_on_leader_keepalive(peer->net->dev, msg->term,
						  le64_to_cpu(ka->commit_index));
	return err;
}

static int dispatch(struct stockade_peer *peer,
		    const struct stockade_wire_msg *msg, const void *body)
{
	if (msg->from_node != peer->id)
		return -EBADMSG;
	switch (msg->type) {
	case STOCKADE_MSG_KEEPALIVE:
		return on_keepalive(peer, msg, body);
	case STOCKADE_MSG_APPEND:
		return stockade_repl_on_append(peer, msg, body);
	case STOCKADE_MSG_APPEND_REPLY:
		return stockade_repl_on_append_reply(peer, msg, body);
	case STOCKADE_MSG_READ_PROBE:
		return stockade_readq_on_probe(peer, msg, body);
	case STOCKADE_MSG_READ_ACK:
		return stockade_readq_on_ack(peer, msg, body);
	case STOCKADE_MSG_RESYNC_START:
		return stockade_resync_on_start(peer, msg, body);
	case STOCKADE_MSG_RESYNC_CHUNK:
		return stockade_resync_on_chunk(peer, msg, body);
	case STOCKADE_MSG_RESYNC_ACK:
		return stockade_resync_on_ack(peer, msg, body);
	case STOCKADE_MSG_RESYNC_DONE:
		return stockade_resync_on_done(peer, msg, body);
	default:
		/* Handshake messages after the handshake, or not yet handled. */
		return -EBADMSG;
	}
}

static void receive_loop(struct stockade_peer *peer, struct socket *sock)
{
	struct stockade_net *net = peer->net;
	struct stockade_wire_msg msg;
	void *body;
	int err;

	while (!kthread_should_stop()) {
		err = stockade_net_recv_msg(sock, &msg, &body);
		if (!err) {
			err = dispatch(peer, &msg, body);
			kvfree(body);
		}
		if (err == -ESTALE) {
			atomic64_inc(&net->stale_term_msgs);
			continue;
		}
		if (err == -EBADMSG) {
			atomic64_inc(&net->malformed_msgs);
			pr_warn_ratelimited("stockade%d: malformed message from peer %u: dropping the connection\n",
					    net->dev->index, peer->id);
		}
		if (err)
			return;
	}
}

static struct socket *peer_connect(struct stockade_peer *peer)
{
	struct socket *sock;
	int err;

	err = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &sock);
	if (err)
		return ERR_PTR(err);
	set_timeouts(sock, RECV_TIMEOUT, RECV_TIMEOUT);
	tcp_sock_set_nodelay(sock->sk);
	err = kernel_connect(sock, (struct sockaddr *)&peer->addr,
			     sizeof(peer->addr), 0);
	if (!err)
		err = stockade_handshake_connect(peer, sock);
	if (err) {
		if (err == -EACCES || err == -EBADMSG) {
			atomic64_inc(&peer->net->handshake_failures);
			pr_warn_ratelimited("stockade%d: peer %u refused: %s\n",
					    peer->net->dev->index, peer->id,
					    err == -EACCES ?
					    "authentication failed" :
					    "malformed handshake");
		}
		sock_release(sock);
		return ERR_PTR(err);
	}
	return sock;
}

static int connect_thread(void *data)
{
	struct stockade_peer *peer = data;
	unsigned int backoff = BACKOFF_MIN_MS;
	struct socket *sock;

	while (!kthread_should_stop()) {
		sock = peer_connect(peer);
		if (!IS_ERR(sock)) {
			backoff = BACKOFF_MIN_MS;
			peer_attach(peer, sock);
			receive_loop(peer, sock);
			peer_detach(peer);
			sock_release(sock);
		}
		msleep_interruptible(backoff);
		backoff = min(backoff * 2, BACKOFF_MAX_MS);
	}
	return 0;
}

/* Waits for kthread_stop() after its connection is gone. */
static int receive_thread(void *data)
{
	struct stockade_peer *peer = data;
	struct socket *sock = peer->incoming;

	peer->incoming = NULL;
	peer_attach(peer, sock);
	receive_loop(peer, sock);
	peer_detach(peer);
	sock_release(sock);
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

/* Shut the connection down so its thread wakes up, then stop it. */
static void peer_stop(struct stockade_peer *peer)
{
	if (!peer->thread)
		return;
	mutex_lock(&peer->lock);
	if (peer->sock)
		kernel_sock_shutdown(peer->sock, SHUT_RDWR);
	mutex_unlock(&peer->lock);
	kthread_stop(peer->thread);
	peer->thread = NULL;
}

/* A newer connection from a peer replaces the old one. */
static void hand_over(struct stockade_peer *peer, struct socket *sock)
{
	struct task_struct *t;

	peer_stop(peer);
	peer->incoming = sock;
	t = kthread_run(receive_thread, peer, "stockade%d-p%u",
			peer->net->dev->index, peer->id);
	if (IS_ERR(t)) {
		peer->incoming = NULL;
		sock_release(sock);
		return;
	}
	peer->thread = t;
}

static void accept_one(struct stockade_net *net)
{
	struct stockade_peer *peer;
	struct socket *sock;

	if (kernel_accept(net->listener, &sock, 0))
		return;		/* timeout: look at kthread_should_stop() */
	set_timeouts(sock, RECV_TIMEOUT, RECV_TIMEOUT);
	tcp_sock_set_nodelay(sock->sk);
	peer = stockade_handshake_accept(net, sock);
	if (IS_ERR(peer)) {
		if (PTR_ERR(peer) == -EACCES || PTR_ERR(peer) == -EBADMSG) {
			atomic64_inc(&net->handshake_failures);
			pr_warn_ratelimited("stockade%d: refused a connection: %s\n",
					    net->dev->index,
					    PTR_ERR(peer) == -EACCES ?
					    "authentication failed" :
					    "malformed handshake");
		}
		sock_release(sock);
		return;
	}
	hand_over(peer, sock);
}

static int listen_thread(void *data)
{
	struct stockade_net *net = data;

	while (!kthread_should_stop())
		accept_one(net);
	return 0;
}

static void keepalive_work(struct work_struct *work)
{
	struct stockade_net *net = container_of(to_delayed_work(work),
						struct stockade_net, keepalive);
	struct stockade_dev *dev = net->dev;
	struct stockade_wire_keepalive ka = {
		.commit_index = cpu_to_le64(READ_ONCE(dev->commit_index)),
		.last_index = cpu_to_le64(READ_ONCE(dev->last_index)),
		.role = cpu_to_le32(READ_ONCE(dev->role)),
	};
	u64 term = READ_ONCE(dev->sb.current_term);
	u32 i;

	for (i = 0; i < net->n_peers; i++)
		stockade_peer_send(&net->peers[i], STOCKADE_MSG_KEEPALIVE, term,
				   &ka, sizeof(ka));
	schedule_delayed_work(&net->keepalive, msecs_to_jiffies(KEEPALIVE_MS));
}

static int open_listener(struct stockade_net *net)
{
	int err;

	err = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &net->listener);
	if (err)
		return err;
	sock_set_reuseaddr(net->listener->sk);
	set_timeouts(net->listener, ACCEPT_POLL, ACCEPT_POLL);
	err = kernel_bind(net->listener, (struct sockaddr *)&net->listen_addr,
			  sizeof(net->listen_addr));
	if (!err)
		err = kernel_listen(net->listener, STOCKADE_MAX_NODES);
	return err;
}

static int open_hmac(struct stockade_net *net)
{
	net->hmac = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(net->hmac)) {
		int err = PTR_ERR(net->hmac);

		net->hmac = NULL;
		return err;
	}
	return crypto_shash_setkey(net->hmac, net->secret, net->secret_len);
}

static int start_threads(struct stockade_net *net)
{
	struct task_struct *t;
	u32 i;

	t = kthread_run(listen_thread, net, "stockade%d-listen",
			net->dev->index);
	if (IS_ERR(t))
		return PTR_ERR(t);
	net->listen_thread = t;
	for (i = 0; i < net->n_peers; i++) {
		struct stockade_peer *peer = &net->peers[i];

		if (peer->id < net->node_id)
			continue;	/* it connects to us */
		t = kthread_run(connect_thread, peer, "stockade%d-p%u",
				net->dev->index, peer->id);
		if (IS_ERR(t))
			return PTR_ERR(t);
		peer->thread = t;
	}
	return 0;
}

static void copy_config(struct stockade_net *net,
			const struct stockade_net_config *cfg)
{
	u32 i;

	net->node_id = cfg->node_id;
	net->listen_addr = cfg->listen_addr;
	memcpy(net->secret, cfg->secret, cfg->secret_len);
	net->secret_len = cfg->secret_len;
	net->n_peers = cfg->n_peers;
	for (i = 0; i < cfg->n_peers; i++) {
		net->peers[i].net = net;
		net->peers[i].id = cfg->peers[i].id;
		net->peers[i].addr = cfg->peers[i].addr;
		mutex_init(&net->peers[i].lock);
	}
}

struct stockade_net *stockade_net_start(struct stockade_dev *dev,
					const struct stockade_net_config *cfg)
{
	struct stockade_net *net = kzalloc(sizeof(*net), GFP_KERNEL);
	int err;

	if (!net)
		return ERR_PTR(-ENOMEM);
	net->dev = dev;
	copy_config(net, cfg);
	INIT_DELAYED_WORK(&net->keepalive, keepalive_work);
	err = open_hmac(net) ?: open_listener(net) ?: start_threads(net);
	if (err) {
		stockade_net_stop(net);
		return ERR_PTR(err);
	}
	schedule_delayed_work(&net->keepalive, 0);
	return net;
}

void stockade_net_shutdown(struct stockade_net *net)
{
	u32 i;

	/* The work re-arms itself; cancel_..._sync() waits and stops that. */
	cancel_delayed_work_sync(&net->keepalive);
	if (net->listen_thread)
		kthread_stop(net->listen_thread);
	net->listen_thread = NULL;
	for (i = 0; i < net->n_peers; i++)
		peer_stop(&net->peers[i]);
}

void stockade_net_free(struct stockade_net *net)
{
	u32 i;

	for (i = 0; i < net->n_peers; i++)
		stockade_resync_peer_free(&net->peers[i]);
	if (net->listener)
		sock_release(net->listener);
	crypto_free_shash(net->hmac);
	memzero_explicit(net->secret, sizeof(net->secret));
	kfree(net);
}

void stockade_net_stop(struct stockade_net *net)
{
	stockade_net_shutdown(net);
	stockade_net_free(net);
}
