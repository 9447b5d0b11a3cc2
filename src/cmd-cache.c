/*
 * cmd-cache.c -- `cache get` and `cache put`: read and write the parameter
 * cache (cache.h) by hand.
 *
 * The calibration jobs are the cache's real writers; these commands let an
 * operator inspect what the workers share ("what does Redis hold for
 * heston/SPY and for how long?") and seed or override an entry from a
 * script.  Values are JSON texts and are validated before they are stored.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "cache.h"
#include "cmd.h"
#include "conf.h"
#include "qd.h"

static const struct cmd_opt cmd_cache_put_opts[] = {
	{ "ttl", OPT_INT, "SECONDS", 0, "time to live (default cache.ttl_seconds)" },
	{ NULL, 0, NULL, 0, NULL },
};

/* Returns the shared cache or reports why there is none. */
static struct cache *cmd_cache_get_cache(struct cmd_ctx *ctx)
{
	struct cache *c;
	char *cause = NULL;

	if ((c = cache_shared(ctx->qd->conf, &cause)) == NULL) {
		cmd_error(ctx, "%s", cause);
		free(cause);
	}
	return c;
}

/* cache get MODEL UNDERLYING */
static int cmd_cache_get_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const char *model = cmd_arg_pos(args, 0), *und = cmd_arg_pos(args, 1);
	struct cache *c;
	char *json = NULL, *cause = NULL;
	double ttl = NAN;
	int rc;

	if ((c = cmd_cache_get_cache(ctx)) == NULL)
		return -1;
	if ((rc = cache_get_params(c, model, und, &json, &ttl, &cause)) < 0) {
		cmd_error(ctx, "%s", cause);
		free(cause);
		return -1;
	}
	if (rc == 0)
		return cmd_error(ctx, "cache get: no parameters for model %s, underlying %s", model,
		    und);
	out_begin(ctx->out);
	out_str(ctx->out, "model", model);
	out_str(ctx->out, "underlying", und);
	out_str(ctx->out, "params", json);
	out_num(ctx->out, "ttl_seconds", ttl);
	out_end(ctx->out);
	free(json);
	return 0;
}

/* cache put MODEL UNDERLYING JSON [--ttl SECONDS] */
static int cmd_cache_put_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const char *model = cmd_arg_pos(args, 0), *und = cmd_arg_pos(args, 1);
	long ttl = cmd_arg_int(args, "ttl", conf_get_int(ctx->qd->conf, "cache.ttl_seconds"));
	struct cache *c;
	char *cause = NULL;

	if ((c = cmd_cache_get_cache(ctx)) == NULL)
		return -1;
	if (cache_put_params(c, model, und, cmd_arg_pos(args, 2), ttl, &cause) != 0) {
		cmd_error(ctx, "%s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

const struct cmd_entry cmd_cache_get_entry = {
	.name = "cache get",
	.positional = "MODEL UNDERLYING",
	.min_pos = 2,
	.max_pos = 2,
	.topic = "cache",
	.flags = CMD_READONLY_OK,
	.summary = "show the cached parameters of a model for an underlying",
	.exec = cmd_cache_get_exec,
};

const struct cmd_entry cmd_cache_put_entry = {
	.name = "cache put",
	.positional = "MODEL UNDERLYING JSON",
	.min_pos = 3,
	.max_pos = 3,
	.opts = cmd_cache_put_opts,
	.topic = "cache",
	.flags = CMD_READONLY_OK,
	.summary = "store parameters of a model for an underlying in the cache",
	.exec = cmd_cache_put_exec,
};
