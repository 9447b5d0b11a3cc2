/*
 * cmd-sleep.c -- `sleep SECONDS`: wait, so that a command file can let a
 * feed, the engine or the market move before it looks at the result
 * ("feed start sim; sleep 1.5; quotes SIMA").
 *
 * It is a slow command like a calibration of the whole universe: it
 * reports its progress every second (cmd_progress) and stops early when
 * the trader asks (cmd_cancelled, Ctrl-C in the console), so the console's
 * command queue can be seen and tested doing both.
 */
#include "config.h"

#include <math.h>
#include <time.h>

#include "cmd.h"
#include "util.h"

#define SLEEP_MAX 86400.0       /* one day: longer is a typo */
#define SLEEP_TICK 0.05         /* seconds between looks at cancellation */

/* sleep SECONDS */
static int cmd_sleep_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const char *arg = cmd_arg_pos(args, 0);
	double secs, start, left, reported = 0;

	if (parse_double(arg, &secs) != 0 || secs < 0 || secs > SLEEP_MAX)
		return cmd_error(ctx, "sleep: expected seconds from 0 to %g, got '%s'", SLEEP_MAX, arg);
	start = now_monotonic();
	while ((left = start + secs - now_monotonic()) > 0) {
		struct timespec ts;
		double step = left < SLEEP_TICK ? left : SLEEP_TICK;

		if (cmd_cancelled(ctx))
			return cmd_error(ctx, "sleep: stopped after %.1f of %g s",
			    now_monotonic() - start, secs);
		ts.tv_sec = (time_t)step;
		ts.tv_nsec = (long)((step - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
		if (now_monotonic() - start >= reported + 1) {
			reported = floor(now_monotonic() - start);
			cmd_progress(ctx, "%.0f of %g s", reported, secs);
		}
	}
	return 0;
}

const struct cmd_entry cmd_sleep_entry = {
	.name = "sleep",
	.positional = "SECONDS",
	.min_pos = 1,
	.max_pos = 1,
	.topic = "sleep",
	.flags = CMD_READONLY_OK,
	.summary = "wait a number of seconds (fractions allowed; Ctrl-C stops it in the console)",
	.exec = cmd_sleep_exec,
};
