/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's own events (elections, the failure detector, clock health,
 * its own pauses, reloads), streamed to the control socket's watchers:
 * one text line per event, "SUBJECT EVENT key=value...", where SUBJECT is
 * "agent" or "stockadeN" and no value contains a blank.
 *
 * The agent is one loop that must never wait for a reader, so every
 * write is non-blocking: a watcher whose socket buffer is full (it reads
 * too slowly, or not at all) is disconnected rather than waited for.
 */
#ifndef STOCKADE_AGENT_EVENTS_H
#define STOCKADE_AGENT_EVENTS_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#define AGENT_EVENTS_MAX_WATCHERS	8
#define AGENT_EVENT_LINE_MAX		256

struct agent_events {
	int fd[AGENT_EVENTS_MAX_WATCHERS];
	unsigned int n;
	uint64_t sent;			/* events emitted */
	uint64_t dropped;		/* watchers disconnected for lagging */
};

void agent_events_init(struct agent_events *ev);
/* Disconnect every watcher. */
void agent_events_close(struct agent_events *ev);

/*
 * Take over @fd, a connected control socket client, as a watcher; it is
 * made non-blocking.  -ENOSPC when there are already as many watchers
 * as allowed (the caller still owns @fd then).
 */
int agent_events_add(struct agent_events *ev, int fd);

/*
 * Send one line (a newline is added) to the watcher on @fd only: the
 * initial state a new watcher gets.  False if it could not take the
 * whole line, in which case it has been disconnected.
 */
bool __attribute__((format(printf, 3, 4)))
agent_events_send_to(struct agent_events *ev, int fd, const char *fmt, ...);

/* One event to every watcher. */
void __attribute__((format(printf, 2, 3)))
agent_events_emit(struct agent_events *ev, const char *fmt, ...);

/* The watchers' pollfds, for hangups; returns how many were filled. */
unsigned int agent_events_pollfds(const struct agent_events *ev,
				  struct pollfd *fds);
/*
 * After poll(): a watcher whose socket is readable has hung up or talks
 * out of turn (it has nothing to say after "watch"): disconnect it.
 */
void agent_events_check(struct agent_events *ev, const struct pollfd *fds,
			unsigned int n);

#endif /* STOCKADE_AGENT_EVENTS_H */
