// SPDX-License-Identifier: GPL-2.0
/*
 * Application step processes (apprun.h).  Everything a child needs is
 * prepared before fork(), so that the child only sets itself up and
 * execs.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "apprun.h"

#define MAX_ARGS	(STOCKADE_CONFIG_MAX_UNITS + 8)

/*
 * Unmount, and say so when only a lazy unmount worked: a mount point
 * still in use (a process that survived the stop) must not keep the
 * device mounted on a node that no longer leads it.  Not mounted at all
 * is success: the stop undoes a mount that may have failed.
 */
static const char umount_script[] =
	"mountpoint -q \"$1\" || exit 0\n"
	"umount \"$1\" && exit 0\n"
	"umount -l \"$1\" && exit " "10" "\n"
	"exit 1\n";

_Static_assert(STOCKADE_APP_LAZY_EXIT == 10, "umount_script's lazy exit");

struct argv_buf {
	char *argv[MAX_ARGS];
	unsigned int n;
	char path[96];			/* the program; "": argv[0] in PATH */
	char dev[32];
	char units[STOCKADE_CONFIG_CMD_MAX];
};

unsigned int agent_apprun_steps(const struct stockade_actions *act)
{
	unsigned int steps = 0;

	if (act->mount_point[0] && act->fs_type[0])
		steps |= 1u << STOCKADE_APP_FSCK;
	if (act->mount_point[0])
		steps |= 1u << STOCKADE_APP_MOUNT;
	if (act->units[0])
		steps |= 1u << STOCKADE_APP_UNITS;
	if (act->start[0] || act->stop[0])
		steps |= 1u << STOCKADE_APP_START;
	return steps;
}

static void arg(struct argv_buf *b, const char *s)
{
	if (b->n < MAX_ARGS - 1)
		b->argv[b->n++] = (char *)s;
	b->argv[b->n] = NULL;
}

static void shell(struct argv_buf *b, const char *cmd)
{
	snprintf(b->path, sizeof(b->path), "/bin/sh");
	arg(b, "sh");
	arg(b, "-c");
	arg(b, cmd);
}

/* "systemctl start a b", or "systemctl stop b a": the reverse order. */
static void units(struct argv_buf *b, const char *list, bool stop)
{
	char *words[STOCKADE_CONFIG_MAX_UNITS], *save = NULL, *w;
	unsigned int n = 0, i;

	snprintf(b->units, sizeof(b->units), "%s", list);
	arg(b, "systemctl");
	arg(b, stop ? "stop" : "start");
	for (w = strtok_r(b->units, " ", &save);
	     w && n < STOCKADE_CONFIG_MAX_UNITS; w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	for (i = 0; i < n; i++)
		arg(b, words[stop ? n - 1 - i : i]);
}

/* fsck.TYPE where Debian installs it; 1 if there is none. */
static int fsck(struct argv_buf *b, const struct stockade_actions *act)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin" };
	unsigned int i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(b->path, sizeof(b->path), "%s/fsck.%s", dirs[i],
			 act->fs_type);
		if (!access(b->path, X_OK)) {
			arg(b, b->path);
			arg(b, "-p");
			arg(b, b->dev);
			return 0;
		}
	}
	return 1;
}

static void mount_args(struct argv_buf *b, const struct stockade_actions *act)
{
	arg(b, "mount");
	if (act->fs_type[0]) {
		arg(b, "-t");
		arg(b, act->fs_type);
	}
	if (act->mount_options[0]) {
		arg(b, "-o");
		arg(b, act->mount_options);
	}
	arg(b, b->dev);
	arg(b, act->mount_point);
}

/* The program and arguments of @step; 1 if there is nothing to run. */
static int build(struct argv_buf *b, const struct stockade_actions *act,
		 uint32_t index, uint8_t step)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->dev, sizeof(b->dev), "/dev/stockade%u", index);
	switch (step) {
	case STOCKADE_APP_FSCK:
		return fsck(b, act);
	case STOCKADE_APP_MOUNT:
		mount_args(b, act);
		return 0;
	case STOCKADE_APP_UNITS:
	case STOCKADE_APP_UNITS_STOP:
		units(b, act->units, step == STOCKADE_APP_UNITS_STOP);
		return 0;
	case STOCKADE_APP_START:
	case STOCKADE_APP_STOP:
		if (!(step == STOCKADE_APP_START ? act->start : act->stop)[0])
			return 1;
		shell(b, step == STOCKADE_APP_START ? act->start : act->stop);
		return 0;
	case STOCKADE_APP_UMOUNT:
		shell(b, umount_script);
		arg(b, "stockade-umount");
		arg(b, act->mount_point);
		return 0;
	}
	return -EINVAL;
}

/*
 * In the child: a process group of its own (so that a kill reaches what
 * it started), the signals the agent blocks for its signalfd unblocked,
 * no descriptor of the agent's but the output.
 */
static void __attribute__((noreturn))
child(const struct argv_buf *b, const struct stockade_actions *act,
      uint8_t step, const char *device, const char *term)
{
	sigset_t none;
	int fd;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != STDIN_FILENO) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	close_range(3, ~0U, 0);
	if (step == STOCKADE_APP_MOUNT)
		mkdir(act->mount_point, 0755);	/* mount says if it is wrong */
	if (setenv("STOCKADE_DEVICE", device, 1) ||
	    setenv("STOCKADE_TERM", term, 1))
		_exit(127);
	/* mount and systemctl from PATH; fsck and sh by their path. */
	if (b->path[0])
		execv(b->path, b->argv);
	else
		execvp(b->argv[0], b->argv);
	fprintf(stderr, "<3>cannot run %s: %s\n", b->argv[0], strerror(errno));
	_exit(127);
}

int agent_apprun_start(const struct stockade_actions *act, uint32_t index,
		       uint64_t term, uint8_t step, pid_t *pid)
{
	char device[16], term_s[24];
	struct argv_buf b;
	int r = build(&b, act, index, step);

	if (r)
		return r;
	snprintf(device, sizeof(device), "%u", index);
	snprintf(term_s, sizeof(term_s), "%" PRIu64, term);
	fflush(stderr);
	*pid = fork();
	if (*pid < 0)
		return -errno;
	if (!*pid)
		child(&b, act, step, device, term_s);
	/* Also here: a kill right after fork must find the group. */
	setpgid(*pid, *pid);
	return 0;
}

void agent_apprun_kill(pid_t pid)
{
	if (pid > 0 && kill(-pid, SIGKILL) && errno == ESRCH)
		kill(pid, SIGKILL);
}

int agent_apprun_reap(pid_t pid, struct stockade_app_result *r)
{
	int status;
	pid_t got = waitpid(pid, &status, WNOHANG);

	if (got < 0)
		return -errno;
	if (!got)
		return 0;
	*r = (struct stockade_app_result) {
		.exited = WIFEXITED(status),
		.code = WIFEXITED(status) ? WEXITSTATUS(status) : 0,
		.signo = WIFSIGNALED(status) ? WTERMSIG(status) : 0,
	};
	return 1;
}
