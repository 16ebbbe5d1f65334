/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stockaded's control socket (/run/stockade/stockaded.sock, root only):
 * one request line per connection ("status", "status json", "events"...),
 * one answer, then the agent closes it.  stockadectl is the client.
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

/* Serve one waiting connection, if any; never blocks for long. */
void agent_control_serve(int fd, agent_control_fn fn, void *ctx);

/*
 * The client side: send @request to @path and copy the answer to @out.
 * 0, or a negative errno (-ENOENT or -ECONNREFUSED: no agent running).
 */
int agent_control_ask(const char *path, const char *request, FILE *out);

#endif /* STOCKADE_AGENT_CONTROL_H */
