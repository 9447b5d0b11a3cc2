/*
 * cmd-quotes.c -- `quotes [SYMBOL] [--bars N]` and `chain SYMBOL [--expiry
 * DATE] [--right call|put]`: what the market state holds, read from one
 * immutable snapshot (market-state.h), so the output is consistent even
 * while a feed writes.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "market-state.h"
#include "util.h"

/* Prints one quote as a record. */
static void cmd_quotes_one(struct out *o, const struct quote *q)
{
	char when[32];

	market_format_time(q->exch_time, when, sizeof when);
	out_begin(o);
	out_str(o, "symbol", q->symbol);
	out_num(o, "bid", q->bid);
	out_num(o, "ask", q->ask);
	out_num(o, "mid", market_mid(q));
	out_num(o, "last", q->last);
	out_num(o, "bid_size", q->bid_size);
	out_num(o, "ask_size", q->ask_size);
	out_str(o, "time", isfinite(q->exch_time) ? when : "");
	out_end(o);
}

/* quotes [SYMBOL] [--bars N] */
static int cmd_quotes_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const char *sym = cmd_arg_pos(args, 0);
	const struct mstate_snap *snap = mstate_snapshot(mstate_global());
	const struct quote *q;
	const struct bar *bars;
	size_t n, i, first;
	long want = cmd_arg_int(args, "bars", -1);

	if (want < -1 || (want == -1 && cmd_arg_has(args, "bars"))) {
		mstate_snap_release(snap);
		return cmd_error(ctx, "quotes: --bars must be 0 (all) or more");
	}
	if (sym == NULL) {
		if (want >= 0) {
			mstate_snap_release(snap);
			return cmd_error(ctx, "quotes: --bars needs a SYMBOL");
		}
		out_table(ctx->out);
		for (i = 0; i < mstate_snap_nquotes(snap); i++)
			cmd_quotes_one(ctx->out, mstate_snap_quote_at(snap, i));
		mstate_snap_release(snap);
		return 0;
	}
	q = mstate_snap_quote(snap, sym);
	bars = mstate_snap_bars(snap, sym, &n);
	if (want >= 0) {
		if (bars == NULL) {
			mstate_snap_release(snap);
			return cmd_error(ctx, "quotes: no bars for '%s' (import bars FILE, or "
			    "feed start)", sym);
		}
		first = want == 0 || (size_t)want >= n ? 0 : n - (size_t)want;
		out_table(ctx->out);
		for (i = first; i < n; i++) {
			char when[32];

			market_format_time(bars[i].time, when, sizeof when);
			out_begin(ctx->out);
			out_str(ctx->out, "symbol", bars[i].symbol);
			out_str(ctx->out, "time", when);
			out_num(ctx->out, "open", bars[i].open);
			out_num(ctx->out, "high", bars[i].high);
			out_num(ctx->out, "low", bars[i].low);
			out_num(ctx->out, "close", bars[i].close);
			out_num(ctx->out, "volume", bars[i].volume);
			out_end(ctx->out);
		}
		mstate_snap_release(snap);
		return 0;
	}
	if (q == NULL && bars == NULL) {
		/* an option: its quote in the chain of its underlying */
		const struct option_quote *oq = mstate_snap_option(snap, sym, NULL);

		if (oq != NULL) {
			cmd_quotes_one(ctx->out, &oq->q);
			mstate_snap_release(snap);
			return 0;
		}
	}
	if (q == NULL) {
		mstate_snap_release(snap);
		if (bars != NULL)
			return cmd_error(ctx, "quotes: no quote for '%s', only %zu bars "
			    "(quotes %s --bars N)", sym, n, sym);
		return cmd_error(ctx, "quotes: no quote for '%s' (is a feed running? feed "
		    "status)", sym);
	}
	cmd_quotes_one(ctx->out, q);
	mstate_snap_release(snap);
	return 0;
}

/* chain SYMBOL [--expiry DATE] [--right call|put] */
static int cmd_chain_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const char *und = cmd_arg_pos(args, 0), *expiry = cmd_arg_str(args, "expiry", NULL);
	const char *right = cmd_arg_str(args, "right", NULL);
	const struct mstate_snap *snap = mstate_snapshot(mstate_global());
	const struct option_chain *c = mstate_snap_chain(snap, und);
	int ymd = 0;
	size_t i, shown = 0;

	if (expiry != NULL && market_parse_date(expiry, &ymd) != 0) {
		mstate_snap_release(snap);
		return cmd_error(ctx, "chain: --expiry: expected a date YYYY-MM-DD, got '%s'", expiry);
	}
	if (c == NULL) {
		mstate_snap_release(snap);
		return cmd_error(ctx, "chain: no option chain for '%s' (import chain FILE, or "
		    "feed start)", und);
	}
	out_table(ctx->out);
	for (i = 0; i < c->n; i++) {
		const struct option_quote *oq = &c->opts[i];
		char day[16];

		if (ymd != 0 && oq->opt.expiry != ymd)
			continue;
		if (right != NULL && (right[0] == 'c') != (oq->opt.right == OPT_RIGHT_CALL))
			continue;
		market_format_date(oq->opt.expiry, day, sizeof day);
		out_begin(ctx->out);
		out_str(ctx->out, "symbol", oq->opt.symbol);
		out_str(ctx->out, "expiry", day);
		out_num(ctx->out, "maturity", market_option_maturity(c, oq));
		out_num(ctx->out, "strike", oq->opt.strike);
		out_str(ctx->out, "right", oq->opt.right == OPT_RIGHT_CALL ? "C" : "P");
		out_num(ctx->out, "bid", oq->q.bid);
		out_num(ctx->out, "ask", oq->q.ask);
		out_num(ctx->out, "last", oq->q.last);
		out_num(ctx->out, "iv", oq->implied_vol);
		out_num(ctx->out, "forward", oq->forward);
		out_end(ctx->out);
		shown++;
	}
	if (shown == 0 && ymd != 0) {
		struct buf b;
		int last = 0;
		char day[16];

		buf_init(&b);
		buf_adds(&b, "");
		for (i = 0; i < c->n; i++) {
			if (c->opts[i].opt.expiry == last)
				continue;
			last = c->opts[i].opt.expiry;
			market_format_date(last, day, sizeof day);
			buf_printf(&b, "%s%s", b.len ? " " : "", day);
		}
		cmd_error(ctx, "chain: %s has no options expiring %s (expiries: %s)", und, expiry,
		    b.data);
		buf_free(&b);
		mstate_snap_release(snap);
		return -1;
	}
	mstate_snap_release(snap);
	return 0;
}

static const struct cmd_opt cmd_quotes_opts[] = {
	{ "bars", OPT_INT, "N", 0, "print the last N daily bars instead (0: all)" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct cmd_opt cmd_chain_opts[] = {
	{ "expiry", OPT_STRING, "YYYY-MM-DD", 0, "only this expiry" },
	{ "right", OPT_CHOICE, "call|put", 0, "only calls or only puts" },
	{ NULL, 0, NULL, 0, NULL },
};

const struct cmd_entry cmd_quotes_entry = {
	.name = "quotes",
	.positional = "[SYMBOL]",
	.min_pos = 0,
	.max_pos = 1,
	.opts = cmd_quotes_opts,
	.topic = "quotes",
	.flags = CMD_READONLY_OK,
	.summary = "show the latest clean quote of a symbol (or all), or its bars",
	.exec = cmd_quotes_exec,
};

const struct cmd_entry cmd_chain_entry = {
	.name = "chain",
	.positional = "SYMBOL",
	.min_pos = 1,
	.max_pos = 1,
	.opts = cmd_chain_opts,
	.topic = "chain",
	.flags = CMD_READONLY_OK,
	.summary = "show the latest clean option chain of an underlying",
	.exec = cmd_chain_exec,
};
