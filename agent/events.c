// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's event stream (events.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#include "events.h"

void agent_events_init(struct agent_events *ev)
{
	memset(ev, 0, sizeof(*ev));
}

static void drop(struct agent_events *ev, unsigned int i)
{
	close(ev->fd[i]);
	ev->fd[i] = ev->fd[--ev->n];
}

void agent_events_close(struct agent_events *ev)
{
	while (ev->n)
		drop(ev, ev->n - 1);
}

int agent_events_add(struct agent_events *ev, int fd)
{
	int flags;

	if (ev->n == AGENT_EVENTS_MAX_WATCHERS)
		return -ENOSPC;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK))
		return -errno;
	ev->fd[ev->n++] = fd;
	return 0;
}

static int find(const struct agent_events *ev, int fd)
{
	unsigned int i;

	for (i = 0; i < ev->n; i++)
		if (ev->fd[i] == fd)
			return (int)i;
	return -1;
}

/*
 * The whole line at once, or the watcher goes: a partial line means its
 * buffer is full, and waiting for it would stall the agent.
 */
static bool send_line(struct agent_events *ev, unsigned int i,
		      const char *line, size_t len)
{
	ssize_t n = send(ev->fd[i], line, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n == (ssize_t)len)
		return true;
	if (n >= 0 || errno == EAGAIN || errno == EWOULDBLOCK) {
		ev->dropped++;
		fprintf(stderr, SD_WARNING "dropping an event watcher that does not keep up\n");
	}
	drop(ev, i);
	return false;
}

/* The line with its newline; a line too long is cut, never split. */
static size_t format_line(char *buf, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, AGENT_EVENT_LINE_MAX - 1, fmt, ap);
	size_t len = n < 0 ? 0 : (size_t)n;

	if (len > AGENT_EVENT_LINE_MAX - 2)
		len = AGENT_EVENT_LINE_MAX - 2;
	buf[len++] = '\n';
	buf[len] = '\0';
	return len;
}

bool agent_events_send_to(struct agent_events *ev, int fd, const char *fmt,
			  ...)
{
	char line[AGENT_EVENT_LINE_MAX];
	int i = find(ev, fd);
	va_list ap;
	size_t len;

	if (i < 0)
		return false;
	va_start(ap, fmt);
	len = format_line(line, fmt, ap);
	va_end(ap);
	return send_line(ev, (unsigned int)i, line, len);
}

void agent_events_emit(struct agent_events *ev, const char *fmt, ...)
{
	char line[AGENT_EVENT_LINE_MAX];
	unsigned int i;
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	len = format_line(line, fmt, ap);
	va_end(ap);
	ev->sent++;
	/* Backwards: dropping moves the last watcher into the hole. */
	for (i = ev->n; i-- > 0;)
		send_line(ev, i, line, len);
}

unsigned int agent_events_pollfds(const struct agent_events *ev,
				  struct pollfd *fds)
{
	unsigned int i;

	for (i = 0; i < ev->n; i++)
		fds[i] = (struct pollfd) { .fd = ev->fd[i], .events = POLLIN };
	return ev->n;
}

void agent_events_check(struct agent_events *ev, const struct pollfd *fds,
			unsigned int n)
{
	unsigned int i;
	int j;

	for (i = 0; i < n; i++) {
		if (!fds[i].revents)
			continue;
		j = find(ev, fds[i].fd);
		if (j >= 0)
			drop(ev, (unsigned int)j);
	}
}
