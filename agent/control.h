/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stockaded's control socket (/run/stockade/stockaded.sock, root only):
 * one request line per connection ("status", "status json", "promote 0"...),
 * one answer, then the agent closes it.  "watch" is the exception: the
 * connection stays open and gets the agent's events, one line each
 * (events.h).  stockadectl is the client.
 */
#ifndef STOCKADE_AGENT_CONTROL_H
#define STOCKADE_AGENT_CONTROL_H

#include <stddef.h>
#include <stdio.h>

#define STOCKADE_CONTROL_PATH	"/run/stockade/stockaded.sock"

/* Writes the answer to @request on @out; returns 0, or -1 if unknown. */
typedef int (*agent_control_fn)(const char *request, FILE *out, void *ctx);

/* Listen on @path (replacing a stale socket); the fd, or -errno. */
int agent_control_open(const char *path);

/*
 * Serve one waiting connection, if any; never blocks for long.  Returns
 * the client's fd if it asked to "watch" (the caller owns it now), or -1.
 */
int agent_control_serve(int fd, agent_control_fn fn, void *ctx);

/*
 * The client side: send @request to @path and copy the answer to @out.
 * 0, or a negative errno (-ENOENT or -ECONNREFUSED: no agent running).
 */
int agent_control_ask(const char *path, const char *request, FILE *out);

/* Called with each event line (no newline); non-zero stops watching. */
typedef int (*agent_control_line_fn)(const char *line, void *ctx);

/*
 * The client side of "watch": feed every line from the agent to @fn.
 * 0 when @fn stopped it, -ECONNRESET when the agent closed the
 * connection (it stopped, or dropped a watcher that lagged), or another
 * negative errno if it could not connect.
 */
int agent_control_watch(const char *path, agent_control_line_fn fn,
			void *ctx);

#endif /* STOCKADE_AGENT_CONTROL_H */
