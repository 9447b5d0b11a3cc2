/*
 * cmd-echo.c -- `echo [WORDS...]`: print words, for scripts and tests.
 */
#include "config.h"

#include "cmd.h"
#include "util.h"

/* echo WORDS... */
static int cmd_echo_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct buf b;
	int i;

	buf_init(&b);
	buf_adds(&b, "");
	for (i = 0; i < cmd_arg_npos(args); i++) {
		if (i > 0)
			buf_addc(&b, ' ');
		buf_adds(&b, cmd_arg_pos(args, i));
	}
	out_text(ctx->out, "%s", b.data);
	buf_free(&b);
	return 0;
}

const struct cmd_entry cmd_echo_entry = {
	.name = "echo",
	.positional = "[WORD...]",
	.min_pos = 0,
	.max_pos = -1,
	.topic = "echo",
	.flags = CMD_READONLY_OK,
	.summary = "print the arguments",
	.exec = cmd_echo_exec,
};
