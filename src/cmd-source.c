/*
 * cmd-source.c -- `source FILE`: run a command file from the command line.
 *
 * The file goes through the same queue as `qdesk -b FILE`; its errors name
 * FILE:LINE.  Nesting is limited so a file that sources itself stops.
 */
#include "config.h"

#include "cmd.h"
#include "qd.h"

/* source FILE */
static int cmd_source_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const char *path = cmd_arg_pos(args, 0);

	if (qd_run_file(ctx->qd, path) != CMD_OK)
		return cmd_error(ctx, "source: %s failed", path);
	return 0;
}

const struct cmd_entry cmd_source_entry = {
	.name = "source",
	.alias = ".",
	.positional = "FILE",
	.min_pos = 1,
	.max_pos = 1,
	.topic = "source",
	.flags = CMD_READONLY_OK,
	.summary = "run the commands in a file",
	.exec = cmd_source_exec,
};
