/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's and the CLI's generic netlink client (libnl-genl-3).  Every
 * function returns 0 or a negative errno exactly as the kernel sent it;
 * the kernel's extended-ack message, if any, is kept in errmsg.
 */
#ifndef STOCKADE_AGENT_NL_H
#define STOCKADE_AGENT_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <linux/stockade.h>

struct stockade_nl {
	struct nl_sock *sk;
	int family;
	int error;		/* set by the error callback */
	bool done;		/* the request's ack or error arrived */
	char errmsg[256];	/* extended ack of the last error */
	struct nl_msg *reply;	/* the last reply, owned */
};

/* Fills a request with its attributes; returns 0 or -EMSGSIZE. */
typedef int (*stockade_nl_build_fn)(struct nl_msg *msg, const void *ctx);

/* -ENOENT: the family is not registered (module not loaded). */
int stockade_nl_open(struct stockade_nl *nl);
void stockade_nl_close(struct stockade_nl *nl);

/*
 * Send @cmd (attributes from @build, may be NULL) and wait for the answer.
 * @tb (STOCKADE_A_MAX + 1 entries, may be NULL) gets the reply's
 * attributes, valid until the next request or stockade_nl_close().
 */
int stockade_nl_request(struct stockade_nl *nl, uint8_t cmd,
			stockade_nl_build_fn build, const void *ctx,
			struct nlattr **tb);

/* Called for each event with its attributes; nonzero stops the monitor. */
typedef int (*stockade_nl_event_fn)(struct nlattr **tb, void *ctx);

/* Join the "events" group and hand every event to @fn until it says stop. */
int stockade_nl_monitor(struct stockade_nl *nl, stockade_nl_event_fn fn,
			void *ctx);

/* A message for an errno from the module, for a human. */
const char *stockade_nl_strerror(const struct stockade_nl *nl, int err);

#endif /* STOCKADE_AGENT_NL_H */
