/*
 * cmd-orders.c -- what the store says about trading: `orders`, `fills`,
 * `positions`, `pnl`.  They read the store through their own connection,
 * so they work from a separate process while the engine trades (`qdesk
 * orders --json` after `qdesk -b day.qd`), and after a crash.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "market-state.h"
#include "market.h"
#include "order.h"
#include "qd.h"
#include "store.h"
#include "util.h"

/* Opens the store for a reader. */
static struct store *cmd_orders_store(struct cmd_ctx *ctx, const char *what)
{
	struct store *s;
	char *cause = NULL;

	if ((s = store_open(ctx->qd->conf, STORE_MIGRATE, &cause)) == NULL) {
		cmd_error(ctx, "%s: %s", what, cause);
		free(cause);
	}
	return s;
}

/* Prints one order. */
static void cmd_order_record(struct out *o, const struct order *r)
{
	char t[32];

	market_format_time(r->created, t, sizeof t);
	out_begin(o);
	out_str(o, "client_id", r->client_id);
	out_str(o, "state", order_state_name(r->state));
	out_str(o, "strategy", r->strategy);
	out_int(o, "signal", (long long)r->signal_id);
	out_str(o, "symbol", r->symbol);
	out_str(o, "side", r->side > 0 ? "buy" : "sell");
	out_num(o, "qty", r->qty);
	out_num(o, "limit", r->limit);
	out_num(o, "filled", r->filled);
	out_num(o, "avg_price", r->avg_price);
	out_num(o, "arrival_mid", r->arrival_mid);
	out_str(o, "created", t);
	out_str(o, "broker_id", r->broker_id);
	out_str(o, "reason", r->state == ORDER_REJECTED ? order_reason_name(r->reason) : "");
	out_str(o, "detail", r->reason_text);
	out_end(o);
}

static const struct cmd_opt cmd_orders_opts[] = {
	{ "open", OPT_FLAG, NULL, 0, "only orders not in a final state" },
	{ "limit", OPT_INT, "N", 0, "the latest N (default 100; 0 = all)" },
	{ NULL, 0, NULL, 0, NULL }
};

/* orders [--open] [--limit N] */
static int cmd_orders_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct store *s = cmd_orders_store(ctx, "orders");
	struct order *v = NULL;
	char *cause = NULL;
	size_t n = 0, i;

	if (s == NULL)
		return -1;
	if (store_get_orders(s, cmd_arg_has(a, "open"), (size_t)cmd_arg_int(a, "limit", 100), &v,
	    &n, &cause) != 0) {
		cmd_error(ctx, "orders: %s", cause);
		free(cause);
		store_close(s);
		return -1;
	}
	out_table(ctx->out);
	for (i = 0; i < n; i++)
		cmd_order_record(ctx->out, &v[i]);
	free(v);
	store_close(s);
	return 0;
}

static const struct cmd_opt cmd_fills_opts[] = {
	{ "order", OPT_STRING, "CLIENT_ID", 0, "the fills of one order" },
	{ "limit", OPT_INT, "N", 0, "the latest N (default 100; 0 = all)" },
	{ NULL, 0, NULL, 0, NULL }
};

/* fills [--order ID] [--limit N] */
static int cmd_fills_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct store *s = cmd_orders_store(ctx, "fills");
	struct fill *f = NULL;
	char *cause = NULL, t[32];
	size_t n = 0, i;

	if (s == NULL)
		return -1;
	if (store_get_fills(s, cmd_arg_str(a, "order", NULL), (size_t)cmd_arg_int(a, "limit", 100),
	    &f, &n, &cause) != 0) {
		cmd_error(ctx, "fills: %s", cause);
		free(cause);
		store_close(s);
		return -1;
	}
	out_table(ctx->out);
	for (i = 0; i < n; i++) {
		market_format_time(f[i].time, t, sizeof t);
		out_begin(ctx->out);
		out_str(ctx->out, "fill_id", f[i].fill_id);
		out_str(ctx->out, "client_id", f[i].client_id);
		out_str(ctx->out, "strategy", f[i].strategy);
		out_str(ctx->out, "symbol", f[i].symbol);
		out_str(ctx->out, "side", f[i].side > 0 ? "buy" : "sell");
		out_num(ctx->out, "qty", f[i].qty);
		out_num(ctx->out, "price", f[i].price);
		out_num(ctx->out, "fee", f[i].fee);
		out_num(ctx->out, "multiplier", f[i].multiplier);
		out_num(ctx->out, "arrival_mid", f[i].arrival_mid);
		out_num(ctx->out, "slippage_bp", f[i].slippage_bp);
		out_str(ctx->out, "time", t);
		out_end(ctx->out);
	}
	free(f);
	store_close(s);
	return 0;
}

/* The mid of a symbol now (an option's from its chain); NaN when none. */
static double cmd_mark(const struct mstate_snap *ms, const char *symbol)
{
	const struct quote *q = mstate_snap_quote_any(ms, symbol, NULL, NULL);

	return q != NULL ? market_mid(q) : NAN;
}

/* The chain last read from the store, kept while one listing runs
 * (positions often hold several options of one underlying). */
struct cmd_mark_cache {
	char und[MARKET_SYMBOL_MAX];
	int have;
	struct option_chain chain;
};

/* A symbol's mark from the store, for a listing run where this process
 * has no market data (a command from a shell while the engine runs in
 * another process): an option's mid in the latest stored chain of its
 * underlying, else the latest stored quote's mid, else the latest stored
 * daily close.  NaN when the store has none of them. */
static double cmd_mark_stored(struct store *s, struct cmd_mark_cache *mc, const char *symbol)
{
	struct instrument inst;
	struct quote q;
	struct bar *bars = NULL;
	char *cause = NULL;
	double mark = NAN;
	size_t i, n = 0;

	if (market_occ_parse(symbol, &inst, &cause) == 0) {
		if (strcmp(mc->und, inst.underlying) != 0) {
			if (mc->have)
				market_chain_free(&mc->chain);
			snprintf(mc->und, sizeof mc->und, "%s", inst.underlying);
			mc->have = store_latest_chain(s, inst.underlying, &mc->chain, &cause) == 1;
		}
		for (i = 0; mc->have && i < mc->chain.n; i++)
			if (strcmp(mc->chain.opts[i].opt.symbol, symbol) == 0)
				mark = market_mid(&mc->chain.opts[i].q);
		free(cause);
		return mark > 0 ? mark : NAN;
	}
	free(cause);
	cause = NULL;
	if (store_latest_quote(s, symbol, &q, &cause) == 1 && market_mid(&q) > 0) {
		free(cause);
		return market_mid(&q);
	}
	free(cause);
	cause = NULL;
	if (store_get_bars(s, symbol, -INFINITY, INFINITY, &bars, &n, &cause) == 0 && n > 0)
		mark = bars[n - 1].close;
	free(bars);
	free(cause);
	return mark > 0 ? mark : NAN;
}

static const struct cmd_opt cmd_positions_opts[] = {
	{ "all", OPT_FLAG, NULL, 0, "flat positions too" },
	{ NULL, 0, NULL, 0, NULL }
};

/* positions [--all] and pnl: one listing, pnl adds the total. */
static int cmd_positions_common(struct cmd_ctx *ctx, const struct cmd_args *a, int pnl)
{
	struct store *s = cmd_orders_store(ctx, pnl ? "pnl" : "positions");
	const struct mstate_snap *ms;
	struct store_position *p = NULL;
	struct cmd_mark_cache mc;
	char *cause = NULL;
	double treal = 0, tunreal = 0, tfees = 0;
	size_t n = 0, i;

	if (s == NULL)
		return -1;
	if (store_get_positions(s, &p, &n, &cause) != 0) {
		cmd_error(ctx, "%s: %s", pnl ? "pnl" : "positions", cause);
		free(cause);
		store_close(s);
		return -1;
	}
	ms = mstate_snapshot(mstate_global());
	memset(&mc, 0, sizeof mc);
	out_table(ctx->out);
	for (i = 0; i < n; i++) {
		double mark = cmd_mark(ms, p[i].symbol);
		const char *source = "market";
		double m = p[i].multiplier > 0 ? p[i].multiplier : 1;

		if (!isfinite(mark) && p[i].qty != 0) {
			mark = cmd_mark_stored(s, &mc, p[i].symbol);
			source = isfinite(mark) ? "store" : "none";
		} else if (p[i].qty == 0 && !isfinite(mark))
			source = "none";
		double unreal = p[i].qty != 0 && isfinite(mark) ? p[i].qty * (mark - p[i].avg_price) * m :
		    p[i].qty == 0 ? 0 : NAN;

		treal += p[i].realized_pnl;
		tfees += p[i].fees;
		if (isfinite(unreal))
			tunreal += unreal;
		if (p[i].qty == 0 && !cmd_arg_has(a, "all") && !pnl)
			continue;
		out_begin(ctx->out);
		out_str(ctx->out, "strategy", p[i].strategy);
		out_str(ctx->out, "symbol", p[i].symbol);
		out_num(ctx->out, "qty", p[i].qty);
		out_num(ctx->out, "avg_price", p[i].avg_price);
		out_num(ctx->out, "mark", mark);
		out_str(ctx->out, "mark_source", source);
		out_num(ctx->out, "unrealized_pnl", unreal);
		out_num(ctx->out, "realized_pnl", p[i].realized_pnl);
		out_num(ctx->out, "fees", p[i].fees);
		out_end(ctx->out);
	}
	if (pnl) {
		out_begin(ctx->out);
		out_str(ctx->out, "strategy", "TOTAL");
		out_str(ctx->out, "symbol", "");
		out_num(ctx->out, "qty", NAN);
		out_num(ctx->out, "avg_price", NAN);
		out_num(ctx->out, "mark", NAN);
		out_str(ctx->out, "mark_source", "");
		out_num(ctx->out, "unrealized_pnl", tunreal);
		out_num(ctx->out, "realized_pnl", treal);
		out_num(ctx->out, "fees", tfees);
		out_end(ctx->out);
	}
	mstate_snap_release(ms);
	if (mc.have)
		market_chain_free(&mc.chain);
	free(p);
	store_close(s);
	return 0;
}

static int cmd_positions_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return cmd_positions_common(ctx, a, 0);
}

static int cmd_pnl_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return cmd_positions_common(ctx, a, 1);
}

const struct cmd_entry cmd_orders_entry = {
	.name = "orders",
	.opts = cmd_orders_opts,
	.topic = "orders",
	.flags = CMD_READONLY_OK,
	.summary = "orders from the store, newest first",
	.exec = cmd_orders_exec,
};

const struct cmd_entry cmd_fills_entry = {
	.name = "fills",
	.opts = cmd_fills_opts,
	.topic = "orders",
	.flags = CMD_READONLY_OK,
	.summary = "fills from the store, with slippage against the arrival mid",
	.exec = cmd_fills_exec,
};

const struct cmd_entry cmd_positions_entry = {
	.name = "positions",
	.opts = cmd_positions_opts,
	.topic = "orders",
	.flags = CMD_READONLY_OK,
	.summary = "positions (the sum of the fills), marked to the market",
	.exec = cmd_positions_exec,
};

const struct cmd_entry cmd_pnl_entry = {
	.name = "pnl",
	.topic = "orders",
	.flags = CMD_READONLY_OK,
	.summary = "realised and unrealised P&L per position and in total",
	.exec = cmd_pnl_exec,
};
