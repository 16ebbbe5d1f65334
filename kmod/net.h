/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A device's connections to its peers: one TCP connection per pair (the
 * node with the lower id connects), authenticated by a mutual HMAC-SHA256
 * challenge, carrying the messages of include/stockade/wire_format.h.
 */
#ifndef _STOCKADE_KMOD_NET_H
#define _STOCKADE_KMOD_NET_H

#include <linux/in.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/workqueue.h>
#include <uapi/linux/stockade.h>
#include <stockade/wire_format.h>

#include "../core/limits.h"
#include "../core/progress.h"
#include "../core/resync.h"
#include "../core/wire.h"

struct stockade_dev;
struct crypto_shash;

#define STOCKADE_SECRET_MIN	16
#define STOCKADE_SECRET_MAX	64

struct stockade_peer {
	struct stockade_net *net;
	u32 id;
	struct sockaddr_in addr;
	enum stockade_peer_state state;		/* READ_ONCE: for status */
	/* The live connection; senders and its owner thread take lock. */
	struct mutex lock;
	struct socket *sock;
	/* Connects (we have the lower id) or receives an accepted socket. */
	struct task_struct *thread;
	struct socket *incoming;	/* handed from the listener */
	/* The leader's view of this follower, under the device's lock. */
	struct stockade_progress progress;
	u64 sent_last;
	/* The leader's full resync of this follower, under the device's lock. */
	struct stockade_resync_src resync;
	/* One chunk message; only the device's resync work touches it. */
	void *resync_msg;
};

struct stockade_net {
	struct stockade_dev *dev;
	u32 node_id;
	struct sockaddr_in listen_addr;
	u8 secret[STOCKADE_SECRET_MAX];
	u32 secret_len;
	struct crypto_shash *hmac;
	struct socket *listener;
	struct task_struct *listen_thread;
	struct stockade_peer peers[STOCKADE_MAX_NODES - 1];
	u32 n_peers;
	struct delayed_work keepalive;
	atomic64_t handshake_failures;
	atomic64_t malformed_msgs;
	atomic64_t stale_term_msgs;
};

/* What SET_PEERS asks for, checked by netlink.c. */
struct stockade_net_config {
	u32 node_id;
	struct sockaddr_in listen_addr;
	u32 n_peers;
	struct {
		u32 id;
		struct sockaddr_in addr;
	} peers[STOCKADE_MAX_NODES - 1];
	u8 secret[STOCKADE_SECRET_MAX];
	u32 secret_len;
};

/* net.c */
struct stockade_net *stockade_net_start(struct stockade_dev *dev,
					const struct stockade_net_config *cfg);
/* Stop receiving and sending: the threads and the keepalive are gone. */
void stockade_net_shutdown(struct stockade_net *net);
/* After shutdown, once nothing can reach @net any more. */
void stockade_net_free(struct stockade_net *net);
void stockade_net_stop(struct stockade_net *net);
int stockade_peer_send(struct stockade_peer *peer, u8 type, u64 term,
		       const void *body, u32 len);

/* handshake.c */
int stockade_handshake_connect(struct stockade_peer *peer,
			       struct socket *sock);
struct stockade_peer *stockade_handshake_accept(struct stockade_net *net,
						struct socket *sock);
int stockade_net_recv_msg(struct socket *sock, struct stockade_wire_msg *msg,
			  void **body);
int stockade_net_send_msg(struct socket *sock, u32 from, u8 type, u64 term,
			  const void *body, u32 len);

#endif /* _STOCKADE_KMOD_NET_H */
