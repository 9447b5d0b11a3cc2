/*
 * cmd-sleep.c -- `sleep SECONDS`: wait, so that a command file can let a
 * feed or a background job run before it looks at the result.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <time.h>

#include "cmd.h"

/* sleep SECONDS */
static int cmd_sleep_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const char *arg = cmd_arg_pos(args, 0);
	struct timespec ts;
	double s;

	if (parse_double(arg, &s) != 0 || s < 0 || s > 86400)
		return cmd_error(ctx, "sleep: expected seconds from 0 to 86400, got '%s'", arg);
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - floor(s)) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	return 0;
}

const struct cmd_entry cmd_sleep_entry = {
	.name = "sleep",
	.positional = "SECONDS",
	.min_pos = 1,
	.max_pos = 1,
	.topic = "sleep",
	.flags = CMD_READONLY_OK,
	.summary = "wait a number of seconds (fractions allowed)",
	.exec = cmd_sleep_exec,
};
