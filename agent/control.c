// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket (control.h).  Requests are tiny and answers are a
 * few KiB, so the agent serves them in its loop: a client that does not
 * send its line within 100 ms is dropped, so it cannot stall elections.
 * A "watch" client stays connected and is handed to the caller
 * (events.c), which never blocks on it either.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "control.h"

#define REQUEST_MAX	64
#define CLIENT_WAIT_MS	100

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int agent_control_open(const char *path)
{
	struct sockaddr_un sa;
	int fd, err = fill_addr(&sa, path);
	mode_t old;

	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	old = umask(0077);	/* root only: status names the peers */
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	      listen(fd, 8) ? -errno : 0;
	umask(old);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* One line from @fd, waiting at most CLIENT_WAIT_MS in all. */
static int read_request(int fd, char *buf, size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t len = 0;
	ssize_t n;

	while (len < size - 1) {
		if (poll(&p, 1, CLIENT_WAIT_MS) <= 0)
			return -1;
		n = read(fd, buf + len, size - 1 - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		if (strchr(buf, '\n')) {
			*strchr(buf, '\n') = '\0';
			return 0;
		}
	}
	return -1;
}

int agent_control_serve(int fd, agent_control_fn fn, void *ctx)
{
	char request[REQUEST_MAX];
	int client;
	FILE *out;

	client = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (client < 0)
		return -1;
	if (read_request(client, request, sizeof(request))) {
		close(client);
		return -1;
	}
	/* The one request that keeps its connection: the caller owns it. */
	if (!strcmp(request, "watch"))
		return client;
	out = fdopen(client, "w");
	if (!out) {
		close(client);
		return -1;
	}
	if (fn(request, out, ctx))
		fprintf(out, "error: unknown request '%s'\n", request);
	fclose(out);
	return -1;
}

/* A connected client socket, or -errno. */
static int connect_to(const char *path)
{
	struct sockaddr_un sa;
	int fd, err = fill_addr(&sa, path);

	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int agent_control_ask(const char *path, const char *request, FILE *out)
{
	char buf[4096];
	ssize_t n;
	int fd = connect_to(path), err;

	if (fd < 0)
		return fd;
	if (dprintf(fd, "%s\n", request) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, out);
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

int agent_control_watch(const char *path, agent_control_line_fn fn,
			void *ctx)
{
	char line[512];
	FILE *in;
	int fd, err;

	fd = connect_to(path);
	if (fd < 0)
		return fd;
	if (dprintf(fd, "watch\n") < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	in = fdopen(fd, "r");
	if (!in) {
		close(fd);
		return -ENOMEM;
	}
	/* A line without its newline is one the agent cut when it let go. */
	while (fgets(line, sizeof(line), in) && strchr(line, '\n')) {
		*strchr(line, '\n') = '\0';
		if (fn(line, ctx)) {
			fclose(in);
			return 0;
		}
	}
	fclose(in);
	return -ECONNRESET;
}
