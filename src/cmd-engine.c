/*
 * cmd-engine.c -- `engine start`, `engine stop`, `engine status`: the
 * background engine of engine.h (feed, calibration pool, strategies,
 * store writer).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "cmd.h"
#include "engine.h"
#include "market.h"
#include "oms.h"
#include "qd.h"

/* engine start */
static int cmd_engine_start_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct engine_status st;
	char *cause = NULL;

	(void)args;
	if (engine_start(ctx->qd->conf, &cause) != 0) {
		cmd_error(ctx, "engine start: %s", cause);
		free(cause);
		return -1;
	}
	engine_get_status(&st);
	out_begin(ctx->out);
	out_bool(ctx->out, "running", 1);
	out_int(ctx->out, "workers", st.workers);
	out_bool(ctx->out, "feed_started", st.feed_owned);
	out_end(ctx->out);
	return 0;
}

/* engine stop */
static int cmd_engine_stop_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct engine_status st;

	(void)args;
	if (engine_stop() != 0)
		return cmd_error(ctx, "engine stop: the engine is not running");
	engine_get_status(&st);
	out_begin(ctx->out);
	out_bool(ctx->out, "running", 0);
	out_int(ctx->out, "calibrations", (long long)st.calibrations);
	out_int(ctx->out, "signals", (long long)st.signals);
	out_int(ctx->out, "store_written", (long long)st.store_written);
	out_int(ctx->out, "store_failed", (long long)st.store_failed);
	out_end(ctx->out);
	return 0;
}

/* engine status */
static int cmd_engine_status_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct engine_status st;
	struct oms_status os;
	const struct engine_snap *es;
	size_t nsig, nal, i, pending = 0;
	const struct signal *sig;
	char when[32];

	(void)args;
	engine_get_status(&st);
	es = engine_snapshot();
	sig = engine_snap_signals(es, &nsig);
	engine_snap_alerts(es, &nal);
	for (i = 0; i < nsig; i++)
		pending += sig[i].state == SIGNAL_PENDING;
	market_format_time(st.market_time, when, sizeof when);
	out_begin(ctx->out);
	out_bool(ctx->out, "running", st.running);
	out_int(ctx->out, "workers", st.workers);
	out_str(ctx->out, "market_time", st.market_time > 0 ? when : "");
	out_int(ctx->out, "underlyings", (long long)st.nunderlyings);
	out_int(ctx->out, "pairs", (long long)st.npairs);
	out_int(ctx->out, "parameters", (long long)engine_snap_book(es)->n);
	out_int(ctx->out, "calibrations", (long long)st.calibrations);
	out_int(ctx->out, "calibrations_failed", (long long)st.calib_failed);
	out_int(ctx->out, "strategy_runs", (long long)st.strategy_runs);
	out_num(ctx->out, "last_run_ms", st.last_run_ms);
	out_int(ctx->out, "signals", (long long)st.signals);
	out_int(ctx->out, "signals_pending", (long long)pending);
	out_int(ctx->out, "signals_uneconomic", (long long)st.signals_uneconomic);
	out_int(ctx->out, "alerts", (long long)nal);
	out_int(ctx->out, "calib_queue", (long long)st.calib_q.depth);
	out_int(ctx->out, "calib_queue_refused", (long long)st.calib_q.refused);
	out_int(ctx->out, "store_queue", (long long)st.store_q.depth);
	out_int(ctx->out, "store_queue_refused", (long long)st.store_q.refused);
	out_int(ctx->out, "store_written", (long long)st.store_written);
	out_int(ctx->out, "store_failed", (long long)st.store_failed);
	out_str(ctx->out, "store_error", st.store_error);
	oms_get_status(&os);
	out_bool(ctx->out, "orders", os.running);
	out_bool(ctx->out, "killed", os.killed);
	out_str(ctx->out, "kill_reason", os.kill_reason);
	out_num(ctx->out, "kill_cancel_ms", os.kill_cancel_ms);
	out_int(ctx->out, "working_orders", (long long)os.working);
	out_int(ctx->out, "orders_sent", (long long)os.sent);
	out_int(ctx->out, "orders_rejected", (long long)os.rejected);
	out_int(ctx->out, "fills", (long long)os.filled);
	out_int(ctx->out, "reconcile_differences", (long long)os.differences);
	out_str(ctx->out, "orders_error", os.last_error);
	out_end(ctx->out);
	engine_snap_release(es);
	return 0;
}

/* alerts [--limit N] */
static int cmd_alerts_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const struct engine_snap *es = engine_snapshot();
	const struct engine_alert *al;
	size_t n, i, limit = (size_t)cmd_arg_int(args, "limit", 50);
	char when[32];

	al = engine_snap_alerts(es, &n);
	out_table(ctx->out);
	for (i = n > limit ? n - limit : 0; i < n; i++) {
		market_format_time(al[i].time, when, sizeof when);
		out_begin(ctx->out);
		out_int(ctx->out, "seq", (long long)al[i].seq);
		out_str(ctx->out, "time", when);
		out_str(ctx->out, "source", al[i].source);
		out_str(ctx->out, "symbol", al[i].symbol);
		out_str(ctx->out, "message", al[i].msg);
		out_int(ctx->out, "repeats", (long long)al[i].repeats);
		out_end(ctx->out);
	}
	engine_snap_release(es);
	return 0;
}

static const struct cmd_opt cmd_alerts_opts[] = {
	{ "limit", OPT_INT, "N", 0, "the latest N alerts (default 50)" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct cmd_entry cmd_engine_start_entry = {
	.name = "engine start",
	.topic = "engine",
	.flags = CMD_ASYNC,
	.summary = "start the engine: feed, calibration pool, strategies, store writer",
	.exec = cmd_engine_start_exec,
};

const struct cmd_entry cmd_engine_stop_entry = {
	.name = "engine stop",
	.topic = "engine",
	.flags = CMD_READONLY_OK,
	.summary = "stop the engine (the store queue is drained first)",
	.exec = cmd_engine_stop_exec,
};

const struct cmd_entry cmd_engine_status_entry = {
	.name = "engine status",
	.topic = "engine",
	.flags = CMD_READONLY_OK,
	.summary = "threads, queues, calibrations, signals and the store writer",
	.exec = cmd_engine_status_exec,
};

const struct cmd_entry cmd_alerts_entry = {
	.name = "alerts",
	.opts = cmd_alerts_opts,
	.topic = "engine",
	.flags = CMD_READONLY_OK,
	.summary = "the latest alerts: failed or poor calibrations, shifts, store errors",
	.exec = cmd_alerts_exec,
};
