// SPDX-License-Identifier: GPL-2.0
/*
 * The torture workload, run in a VM on the node that leads:
 *
 *   torture_client write DEV SEED SESSION BLOCKS READ_EVERY HOST:PORT
 *	writes block after block (O_DIRECT, then fdatasync), one at a time,
 *	and every READ_EVERY writes reads one back; it reports each
 *	acknowledgement and each read to HOST:PORT as it happens, so that a
 *	power cut loses no report of what the application was told.  The
 *	first failed write ends the session (the node fenced).
 *   torture_client dump DEV BLOCKS
 *	prints what each of the first BLOCKS blocks holds.
 *   torture_client relay NODE HOST:PORT
 *	sends each line of its input (stockadectl monitor) to HOST:PORT,
 *	stamped with the time it arrived.
 *
 * Reports, one per line, times in CLOCK_MONOTONIC nanoseconds (the clock
 * the module's leases run on; a wall clock step does not move it):
 *   S session boot_id		the session began
 *   N node boot_id		the relay began
 *   M time line		the relay read a line
 *   W seq block t0 t1		a write was acknowledged
 *   R seq block t0 t1 what	a read returned what (see describe())
 *   E seq block errno		a write failed: the session ends
 *   X seq block errno		a read failed
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "block.h"

struct session {
	int fd;
	FILE *report;
	uint32_t seed, id, blocks, read_every;
	void *buf;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Which boot of the node the monotonic times belong to. */
static const char *boot_id(void)
{
	static char id[40];
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	if (!f || !fgets(id, sizeof(id), f))
		snprintf(id, sizeof(id), "unknown");
	if (f)
		fclose(f);
	id[strcspn(id, "\n")] = 0;
	return id;
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > UINT32_MAX)
		return -1;
	*out = v;
	return 0;
}

static FILE *connect_report(const char *hostport)
{
	char host[64];
	const char *colon = strrchr(hostport, ':');
	struct sockaddr_in sa = { .sin_family = AF_INET };
	uint32_t port;
	FILE *f;
	int s;

	if (!colon || colon - hostport >= (int)sizeof(host) ||
	    parse_u32(colon + 1, &port) || port > 65535)
		return NULL;
	memcpy(host, hostport, colon - hostport);
	host[colon - hostport] = 0;
	sa.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return NULL;
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return NULL;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		close(s);
		return NULL;
	}
	f = fdopen(s, "w");
	if (!f) {
		close(s);
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

/* "zero", "junk", or "SESSION:SEQ" of the write the block holds. */
static void describe(const void *buf, uint32_t block, char *out, size_t len)
{
	struct torture_header h;

	switch (torture_parse(buf, block, &h)) {
	case TORTURE_ZERO:
		snprintf(out, len, "zero");
		break;
	case TORTURE_JUNK:
		snprintf(out, len, "junk");
		break;
	default:
		snprintf(out, len, "%" PRIu32 ":%" PRIu32, h.session, h.seq);
	}
}

static int read_one(struct session *s, uint32_t seq, uint32_t block)
{
	uint64_t t0 = now_ns(), t1;
	char what[32];

	if (pread(s->fd, s->buf, TORTURE_BLOCK_SIZE,
		  (off_t)block * TORTURE_BLOCK_SIZE) != TORTURE_BLOCK_SIZE) {
		fprintf(s->report, "X %u %u %d\n", seq, block, errno);
		return -1;
	}
	t1 = now_ns();
	describe(s->buf, block, what, sizeof(what));
	fprintf(s->report, "R %u %u %" PRIu64 " %" PRIu64 " %s\n", seq, block,
		t0, t1, what);
	return 0;
}

static int write_one(struct session *s, uint32_t seq)
{
	uint32_t block = torture_block_of(s->seed, s->id, seq, s->blocks);
	uint64_t t0 = now_ns();

	torture_fill(s->buf, s->id, seq, block);
	if (pwrite(s->fd, s->buf, TORTURE_BLOCK_SIZE,
		   (off_t)block * TORTURE_BLOCK_SIZE) != TORTURE_BLOCK_SIZE ||
	    fdatasync(s->fd)) {
		fprintf(s->report, "E %u %u %d\n", seq, block, errno);
		return -1;
	}
	fprintf(s->report, "W %u %u %" PRIu64 " %" PRIu64 "\n", seq, block, t0,
		now_ns());
	return 0;
}

/*
 * Reads alternate between a block this session wrote (it must read back
 * its own write) and any block (it must not read a value older than the
 * last one acknowledged, whoever wrote it).
 */
static uint32_t read_target(const struct session *s, uint32_t seq)
{
	if ((seq / s->read_every) % 2)
		return torture_block_of(s->seed, ~s->id, seq, s->blocks);
	return torture_block_of(s->seed, s->id, seq / 2, s->blocks);
}

static int run_session(struct session *s)
{
	uint32_t seq;

	fprintf(s->report, "S %u %s\n", s->id, boot_id());
	for (seq = 0; seq < UINT32_MAX; seq++) {
		if (write_one(s, seq))
			return 0;
		if (s->read_every && seq % s->read_every == s->read_every - 1 &&
		    read_one(s, seq, read_target(s, seq)))
			return 0;
	}
	return 0;
}

static int open_device(const char *path, void **buf)
{
	int fd = open(path, O_RDWR | O_DIRECT);

	if (fd < 0) {
		perror(path);
		return -1;
	}
	if (posix_memalign(buf, TORTURE_BLOCK_SIZE, TORTURE_BLOCK_SIZE)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int cmd_write(char **argv)
{
	struct session s = { 0 };
	int ret;

	if (parse_u32(argv[1], &s.seed) || parse_u32(argv[2], &s.id) ||
	    parse_u32(argv[3], &s.blocks) || !s.blocks ||
	    parse_u32(argv[4], &s.read_every)) {
		fprintf(stderr, "torture_client: bad number\n");
		return 2;
	}
	s.report = connect_report(argv[5]);
	if (!s.report) {
		fprintf(stderr, "torture_client: cannot report to %s\n", argv[5]);
		return 1;
	}
	s.fd = open_device(argv[0], &s.buf);
	if (s.fd < 0) {
		fprintf(s.report, "E 0 0 %d\n", errno);
		fclose(s.report);
		return 1;
	}
	ret = run_session(&s);
	close(s.fd);
	free(s.buf);
	fclose(s.report);
	return ret;
}

static int cmd_dump(char **argv)
{
	uint32_t blocks, b;
	char what[32];
	void *buf;
	int fd;

	if (parse_u32(argv[1], &blocks)) {
		fprintf(stderr, "torture_client: bad number\n");
		return 2;
	}
	fd = open_device(argv[0], &buf);
	if (fd < 0)
		return 1;
	for (b = 0; b < blocks; b++) {
		if (pread(fd, buf, TORTURE_BLOCK_SIZE,
			  (off_t)b * TORTURE_BLOCK_SIZE) != TORTURE_BLOCK_SIZE) {
			perror("read");
			close(fd);
			free(buf);
			return 1;
		}
		describe(buf, b, what, sizeof(what));
		printf("%u %s\n", b, what);
	}
	close(fd);
	free(buf);
	return 0;
}

static int cmd_relay(char **argv)
{
	char line[1024];
	uint32_t node;
	FILE *report;

	if (parse_u32(argv[0], &node)) {
		fprintf(stderr, "torture_client: bad number\n");
		return 2;
	}
	report = connect_report(argv[1]);
	if (!report) {
		fprintf(stderr, "torture_client: cannot report to %s\n", argv[1]);
		return 1;
	}
	fprintf(report, "N %u %s\n", node, boot_id());
	while (fgets(line, sizeof(line), stdin))
		if (fprintf(report, "M %" PRIu64 " %s", now_ns(), line) < 0)
			break;
	fclose(report);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 8 && !strcmp(argv[1], "write"))
		return cmd_write(argv + 2);
	if (argc == 4 && !strcmp(argv[1], "dump"))
		return cmd_dump(argv + 2);
	if (argc == 4 && !strcmp(argv[1], "relay"))
		return cmd_relay(argv + 2);
	fprintf(stderr,
		"usage: torture_client write DEV SEED SESSION BLOCKS READ_EVERY HOST:PORT\n"
		"       torture_client dump DEV BLOCKS\n"
		"       torture_client relay NODE HOST:PORT\n");
	return 2;
}
