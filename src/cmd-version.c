/*
 * cmd-version.c -- `version`: the program's version and build features.
 */
#include "config.h"

#include "bs-batch.h"
#include "cmd.h"

/* version */
static int cmd_version_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	(void)args;
	out_begin(ctx->out);
	out_str(ctx->out, "name", PACKAGE_NAME);
	out_str(ctx->out, "version", PACKAGE_VERSION);
#ifdef HAVE_CUDA
	out_bool(ctx->out, "cuda", 1);
#else
	out_bool(ctx->out, "cuda", 0);
#endif
	/* Where batch pricing runs now: cuda, or the CPU and why. */
	out_str(ctx->out, "batch_backend", bs_batch_backend_name());
	out_end(ctx->out);
	return 0;
}

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.min_pos = 0,
	.max_pos = 0,
	.topic = "version",
	.flags = CMD_READONLY_OK,
	.summary = "show the version and build features",
	.exec = cmd_version_exec,
};
