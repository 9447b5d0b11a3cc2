/*
 * cmd-feed.c -- `feed start [SOURCE]`, `feed stop`, `feed status`: the
 * process's market data feed (feed_global_* in feed.c).
 *
 * The feed delivers into the market state through validation, so `quotes`,
 * `chain` and `quarantine` show what it brought.  In a one-shot process
 * the feed runs only while the process lives (`sleep` keeps a command
 * file alive); the console and the engine keep it running.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "cmd.h"
#include "feed.h"
#include "market-state.h"
#include "qd.h"

/* feed start [SOURCE] */
static int cmd_feed_start_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct feed_status st;
	char *cause = NULL;

	if (feed_global_start(cmd_arg_pos(args, 0), ctx->qd->conf, &cause) != 0) {
		cmd_error(ctx, "feed start: %s", cause);
		free(cause);
		return -1;
	}
	feed_global_status(&st);
	out_begin(ctx->out);
	out_str(ctx->out, "feed", st.name);
	out_bool(ctx->out, "running", 1);
	out_end(ctx->out);
	return 0;
}

/* feed stop */
static int cmd_feed_stop_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct feed_status st;

	(void)args;
	if (feed_global_stop() != 0)
		return cmd_error(ctx, "feed stop: no feed is running");
	feed_global_status(&st);
	out_begin(ctx->out);
	out_str(ctx->out, "feed", st.name);
	out_bool(ctx->out, "running", 0);
	out_int(ctx->out, "events", (long long)st.events);
	out_int(ctx->out, "errors", (long long)st.errors);
	out_end(ctx->out);
	return 0;
}

/* feed status */
static int cmd_feed_status_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct feed_status st;
	struct mstate *ms = mstate_global();
	struct mstate_counts n;
	const struct mstate_snap *snap;
	char when[32];
	int running = feed_global_status(&st);

	(void)args;
	mstate_get_counts(ms, &n);
	snap = mstate_snapshot(ms);
	market_format_time(st.last_event, when, sizeof when);
	out_begin(ctx->out);
	out_str(ctx->out, "feed", st.name[0] != '\0' ? st.name : "none");
	out_bool(ctx->out, "running", running);
	out_bool(ctx->out, "ok", running && st.ok);
	out_str(ctx->out, "message", st.message);
	out_int(ctx->out, "events", (long long)st.events);
	out_int(ctx->out, "errors", (long long)st.errors);
	out_str(ctx->out, "last_event", isfinite(st.last_event) && st.last_event > 0 ? when : "");
	out_int(ctx->out, "symbols", (long long)mstate_snap_nquotes(snap));
	out_int(ctx->out, "series", (long long)mstate_snap_nseries(snap));
	out_int(ctx->out, "chains", (long long)mstate_snap_nchains(snap));
	out_int(ctx->out, "accepted_quotes", (long long)n.quotes);
	out_int(ctx->out, "accepted_bars", (long long)n.bars);
	out_int(ctx->out, "accepted_options", (long long)n.options);
	out_int(ctx->out, "quarantined", (long long)n.quarantined_total);
	out_end(ctx->out);
	mstate_snap_release(snap);
	return 0;
}

const struct cmd_entry cmd_feed_start_entry = {
	.name = "feed start",
	.positional = "[sim|csv|http|alpaca|tradier]",
	.min_pos = 0,
	.max_pos = 1,
	.topic = "feed",
	.flags = CMD_READONLY_OK,
	.summary = "start the market data feed (feed.source by default)",
	.exec = cmd_feed_start_exec,
};

const struct cmd_entry cmd_feed_stop_entry = {
	.name = "feed stop",
	.min_pos = 0,
	.max_pos = 0,
	.topic = "feed",
	.flags = CMD_READONLY_OK,
	.summary = "stop the market data feed",
	.exec = cmd_feed_stop_exec,
};

const struct cmd_entry cmd_feed_status_entry = {
	.name = "feed status",
	.min_pos = 0,
	.max_pos = 0,
	.topic = "feed",
	.flags = CMD_READONLY_OK,
	.summary = "show the feed and what the market state holds",
	.exec = cmd_feed_status_exec,
};
