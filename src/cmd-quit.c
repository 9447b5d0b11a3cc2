/*
 * cmd-quit.c -- `quit`: leave the console, or stop reading a command file.
 */
#include "config.h"

#include "cmd.h"
#include "qd.h"

/* quit */
static int cmd_quit_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	(void)args;
	ctx->qd->quit = 1;
	return 0;
}

const struct cmd_entry cmd_quit_entry = {
	.name = "quit",
	.alias = "q",
	.min_pos = 0,
	.max_pos = 0,
	.topic = "quit",
	.flags = CMD_READONLY_OK,
	.summary = "leave qdesk (the console) or stop the command file",
	.exec = cmd_quit_exec,
};
