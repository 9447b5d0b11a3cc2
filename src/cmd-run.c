/*
 * cmd-run.c -- `run --headless [--for DURATION] [--control FILE]`: the
 * whole engine without the console (headless.c), as a command, so that a
 * command file can prepare a session (`auto on`, settings) and then run
 * it: `qdesk -b day.qd` with `run --headless --for 30s` in it trades a
 * simulated day unattended.  From a shell (`qdesk run --headless`) the
 * control input is stdin; from a command file it is --control FILE only.
 */
#include "config.h"

#include <stdlib.h>

#include "cmd.h"
#include "headless.h"
#include "qd.h"

static const struct cmd_opt cmd_run_opts[] = {
	{ "headless", OPT_FLAG, NULL, 1, "without the console (the only mode of this command)" },
	{ "for", OPT_STRING, "DURATION", 0, "stop after DURATION: 90, 90s, 5m, 2h, 1d" },
	{ "control", OPT_STRING, "FILE", 0, "read commands from FILE (a FIFO, or followed as it grows)" },
	{ NULL, 0, NULL, 0, NULL }
};

/* run --headless */
static int cmd_run_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *control = cmd_arg_str(a, "control", NULL);
	double duration = -1;
	int keep = ctx->qd->keep_going;

	if (ctx->qd->console)
		return cmd_error(ctx, "run: the console already runs the engine (engine status)");
	if (cmd_arg_has(a, "for") &&
	    headless_parse_duration(cmd_arg_str(a, "for", ""), &duration) != 0)
		return cmd_usage_error(ctx, "run: --for: expected a duration such as 90, 90s, 5m, "
		    "2h or 1d, got '%s'", cmd_arg_str(a, "for", ""));
	if (control == NULL && ctx->file == NULL)
		control = "-";          /* from a shell: stdin */
	if (control == NULL && duration < 0)
		return cmd_usage_error(ctx, "run: in a command file, give --for DURATION or "
		    "--control FILE (else it would never end)");
	ctx->qd->keep_going = 1;        /* a bad control line never stops the engine */
	if (headless_run(ctx->qd, duration, control) != 0) {
		ctx->qd->keep_going = keep;
		return cmd_error(ctx, "run: the engine did not start (see the log)");
	}
	ctx->qd->keep_going = keep;
	ctx->qd->quit = 0;              /* `quit` ends the run, not the command file */
	return 0;
}

const struct cmd_entry cmd_run_cmd_entry = {
	.name = "run",
	.positional = "",
	.opts = cmd_run_opts,
	.topic = "engine",
	.flags = CMD_ASYNC,
	.summary = "run the engine without the console (--headless) for a time or until quit",
	.exec = cmd_run_exec,
};
