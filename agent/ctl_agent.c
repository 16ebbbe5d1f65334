// SPDX-License-Identifier: GPL-2.0
/*
 * stockadectl monitor --agent: the agent's own events, from its control
 * socket ("watch").  Each line is "SUBJECT EVENT key=value..." (events.h);
 * with --json it becomes one object, numbers as numbers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "ctl.h"

struct watch {
	uint64_t left;		/* events still to print; 0: no limit */
	bool synced;		/* past the initial state */
};

static void json_word(const char *s, size_t len)
{
	char *end;
	char num[32];

	if (len && len < sizeof(num)) {
		memcpy(num, s, len);
		num[len] = '\0';
		strtod(num, &end);
		if (!*end && (num[0] == '-' || (num[0] >= '0' && num[0] <= '9'))) {
			fputs(num, stdout);
			return;
		}
	}
	putchar('"');
	for (; len--; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		if ((unsigned char)*s >= 0x20)
			putchar(*s);
	}
	putchar('"');
}

/* "stockade0 role role=leader" -> {"device":0,"event":"role","role":"leader"} */
static void print_json(const char *line)
{
	const char *sp = strchr(line, ' '), *p, *eq, *end;
	unsigned int minor;

	if (!sp)
		return;
	if (sscanf(line, "stockade%u ", &minor) == 1)
		printf("{\"device\":%u,\"event\":", minor);
	else
		printf("{\"source\":\"agent\",\"event\":");
	p = sp + 1;
	end = p + strcspn(p, " ");
	json_word(p, (size_t)(end - p));
	for (p = end; *p == ' '; p = end) {
		p++;
		end = p + strcspn(p, " ");
		eq = memchr(p, '=', (size_t)(end - p));
		if (!eq)
			continue;
		putchar(',');
		json_word(p, (size_t)(eq - p));
		putchar(':');
		json_word(eq + 1, (size_t)(end - eq - 1));
	}
	printf("}\n");
}

static int print_line(const char *line, void *ctx)
{
	struct watch *w = ctx;

	if (!strncmp(line, "error: ", 7)) {
		fprintf(stderr, "stockadectl: monitor: the agent says: %s\n",
			line + 7);
		return -1;
	}
	if (json)
		print_json(line);
	else
		printf("%s\n", line);
	fflush(stdout);
	/* The initial state is not counted: --count is about what happens. */
	if (!w->synced) {
		w->synced = !strcmp(line, "agent synced");
		return 0;
	}
	return w->left && !--w->left;
}

int ctl_monitor_agent(uint64_t count)
{
	const char *path = getenv("STOCKADE_CONTROL");
	struct watch w = { .left = count };
	int err;

	err = agent_control_watch(path ? path : STOCKADE_CONTROL_PATH,
				  print_line, &w);
	if (!err)
		return w.synced ? 0 : EXIT_FAILED;
	if (err == -ECONNRESET)
		fprintf(stderr, "stockadectl: monitor: the agent closed the connection (it stopped, or this monitor lagged)\n");
	else
		fprintf(stderr, "stockadectl: monitor: the agent does not answer: %s\n",
			strerror(-err));
	return EXIT_FAILED;
}
