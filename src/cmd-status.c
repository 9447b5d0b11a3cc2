/*
 * cmd-status.c -- `status`: which parameter cache and which market data
 * feed this process uses, in one record.
 *
 * The cache line is the one an operator needs during an outage:
 * "redis://HOST:PORT/DB (connected)", "... (down)" with the reason, or
 * "in-process".  The feed part names the configured source and, for
 * source = http, the provider, its URL and whether its keys are set --
 * never the keys.  Other parts of the engine add their fields here.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "cmd.h"
#include "conf.h"
#include "feed.h"
#include "qd.h"
#include "util.h"

/* Returns "set" when every listed secret key has a value, else "not set". */
static const char *cmd_status_keys(struct conf *conf, const char *k1, const char *k2)
{
	const char *v1 = conf_get_str(conf, k1), *v2 = k2 != NULL ? conf_get_str(conf, k2) : "x";

	return (v1 != NULL && *v1 != '\0' && v2 != NULL && *v2 != '\0') ? "set" : "not set";
}

/* status */
static int cmd_status_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct conf *conf = ctx->qd->conf;
	struct cache_status st;
	struct feed_status fs;
	struct cache *c;
	const char *source = conf_get_str(conf, "feed.source");
	const char *provider = conf_get_str(conf, "feed.http_provider");
	char *cause = NULL, *line;

	(void)args;
	if ((c = cache_shared(conf, &cause)) == NULL) {
		cmd_error(ctx, "status: %s", cause);
		free(cause);
		return -1;
	}
	cache_status(c, 1, &st);
	out_begin(ctx->out);
	if (strcmp(st.state, "in-process") == 0)
		out_str(ctx->out, "cache", "in-process");
	else {
		line = xasprintf("%s (%s)", st.where, st.state);
		out_str(ctx->out, "cache", line);
		free(line);
	}
	out_str(ctx->out, "cache_state", st.state);
	if (st.error[0] != '\0')
		out_str(ctx->out, "cache_error", st.error);
	out_str(ctx->out, "feed", source != NULL ? source : "sim");
	if (source != NULL && strcmp(source, "http") == 0 && provider != NULL) {
		int alpaca = strcmp(provider, "alpaca") == 0;

		out_str(ctx->out, "feed_provider", provider);
		out_str(ctx->out, "feed_url",
		    conf_get_str(conf, alpaca ? "feed.alpaca_url" : "feed.tradier_url"));
		out_str(ctx->out, "feed_keys", alpaca ?
		    cmd_status_keys(conf, "feed.alpaca_key_id", "feed.alpaca_secret") :
		    cmd_status_keys(conf, "feed.tradier_token", NULL));
		out_str(ctx->out, "feed_symbols", conf_get_str(conf, "feed.symbols"));
	}
	/* The feed this process runs now, if any (`feed start`). */
	memset(&fs, 0, sizeof fs);
	if (feed_global_status(&fs)) {
		out_str(ctx->out, "feed_running", fs.name);
		out_str(ctx->out, "feed_message", fs.message);
	} else
		out_str(ctx->out, "feed_running", "none");
	out_end(ctx->out);
	return 0;
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.min_pos = 0,
	.max_pos = 0,
	.topic = "status",
	.flags = CMD_READONLY_OK,
	.summary = "show which cache and market data feed are in use",
	.exec = cmd_status_exec,
};
