/*
 * cmd-risk.c -- `greeks`, `risk` and `scenario NAME|grid|list`: the
 * portfolio's exposure from the positions in the store, valued on the
 * market state with the calibrated parameters (risk.h, scenario.h).  A
 * position that cannot be valued (no quote in this process: start a feed)
 * is listed with the reason and left out of the totals.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "engine.h"
#include "market-state.h"
#include "qd.h"
#include "risk.h"
#include "scenario.h"
#include "store.h"
#include "util.h"

/* What every risk command starts from: the open positions, the market,
 * the parameters and the clock. */
struct cmd_book {
	struct risk_position *pos;
	size_t n;
	const struct mstate_snap *ms;
	const struct engine_snap *es;
	double now;
	double pnl_today;
};

/* Loads the book; 0 or -1 (error reported). */
static int cmd_book_load(struct cmd_ctx *ctx, const char *what, struct cmd_book *b)
{
	struct store_position *sp = NULL;
	struct engine_status st;
	struct store *s;
	char *cause = NULL;
	size_t i, n = 0;

	memset(b, 0, sizeof *b);
	if ((s = store_open(ctx->qd->conf, STORE_MIGRATE, &cause)) == NULL ||
	    store_get_positions(s, &sp, &n, &cause) != 0) {
		cmd_error(ctx, "%s: %s", what, cause);
		free(cause);
		if (s != NULL)
			store_close(s);
		return -1;
	}
	store_close(s);
	b->pos = xcalloc(n + 1, sizeof *b->pos);
	for (i = 0; i < n; i++) {
		if (sp[i].qty == 0)
			continue;
		snprintf(b->pos[b->n].strategy, sizeof b->pos[b->n].strategy, "%s", sp[i].strategy);
		snprintf(b->pos[b->n].symbol, sizeof b->pos[b->n].symbol, "%s", sp[i].symbol);
		b->pos[b->n].qty = sp[i].qty;
		b->pos[b->n].avg_price = sp[i].avg_price;
		b->pos[b->n].multiplier = sp[i].multiplier > 0 ? sp[i].multiplier : 1;
		b->n++;
	}
	free(sp);
	engine_load_book(ctx->qd->conf);
	b->es = engine_snapshot();
	b->ms = mstate_snapshot(mstate_global());
	engine_get_status(&st);
	b->now = st.market_time > 0 ? st.market_time : (double)time(NULL);
	b->pnl_today = NAN;
	return 0;
}

static void cmd_book_free(struct cmd_book *b)
{
	free(b->pos);
	if (b->ms != NULL)
		mstate_snap_release(b->ms);
	if (b->es != NULL)
		engine_snap_release(b->es);
}

/* greeks: per position, per underlying, total */
static int cmd_greeks_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct cmd_book b;
	struct risk_greeks g;
	char *cause = NULL;
	size_t i;

	(void)a;
	if (cmd_book_load(ctx, "greeks", &b) != 0)
		return -1;
	if (risk_greeks(b.pos, b.n, b.ms, engine_snap_book(b.es), b.now, &g, &cause) != 0) {
		cmd_error(ctx, "greeks: %s", cause);
		free(cause);
		cmd_book_free(&b);
		return -1;
	}
	out_table(ctx->out);
	for (i = 0; i < g.npos; i++) {
		const struct risk_pos_greeks *p = &g.pos[i];

		out_begin(ctx->out);
		out_str(ctx->out, "level", "position");
		out_str(ctx->out, "symbol", b.pos[p->index].symbol);
		out_str(ctx->out, "strategy", b.pos[p->index].strategy);
		out_num(ctx->out, "qty", b.pos[p->index].qty);
		out_str(ctx->out, "model", risk_model_name(p->model));
		out_num(ctx->out, "value", p->value);
		out_num(ctx->out, "delta_sh", p->delta_sh);
		out_num(ctx->out, "delta_cash", p->delta_cash);
		out_num(ctx->out, "gamma_cash", p->gamma_cash);
		out_num(ctx->out, "vega", p->vega);
		out_num(ctx->out, "theta", p->theta);
		out_num(ctx->out, "rho", p->rho);
		out_str(ctx->out, "error", p->ok ? "" : p->err);
		out_end(ctx->out);
	}
	for (i = 0; i < g.nund; i++) {
		const struct risk_und_greeks *u = &g.und[i];

		out_begin(ctx->out);
		out_str(ctx->out, "level", "underlying");
		out_str(ctx->out, "symbol", u->underlying);
		out_str(ctx->out, "strategy", "");
		out_num(ctx->out, "qty", NAN);
		out_str(ctx->out, "model", "");
		out_num(ctx->out, "value", u->value);
		out_num(ctx->out, "delta_sh", u->delta_sh);
		out_num(ctx->out, "delta_cash", u->delta_cash);
		out_num(ctx->out, "gamma_cash", u->gamma_cash);
		out_num(ctx->out, "vega", u->vega);
		out_num(ctx->out, "theta", u->theta);
		out_num(ctx->out, "rho", u->rho);
		out_str(ctx->out, "error", "");
		out_end(ctx->out);
	}
	out_begin(ctx->out);
	out_str(ctx->out, "level", "total");
	out_str(ctx->out, "symbol", "");
	out_str(ctx->out, "strategy", "");
	out_num(ctx->out, "qty", NAN);
	out_str(ctx->out, "model", "");
	out_num(ctx->out, "value", g.value);
	out_num(ctx->out, "delta_sh", NAN);
	out_num(ctx->out, "delta_cash", g.delta_cash);
	out_num(ctx->out, "gamma_cash", g.gamma_cash);
	out_num(ctx->out, "vega", g.vega);
	out_num(ctx->out, "theta", g.theta);
	out_num(ctx->out, "rho", g.rho);
	out_str(ctx->out, "error", g.nbad ? "some positions could not be valued" : "");
	out_end(ctx->out);
	risk_greeks_free(&g);
	cmd_book_free(&b);
	return 0;
}

/* risk: limits, hedges, pair health */
static int cmd_risk_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	char pairs[64][MARKET_SYMBOL_MAX], *cause = NULL;
	struct risk_hedge hedges[64];
	struct risk_breaches br;
	struct risk_greeks g;
	struct risk_cfg cfg;
	struct cmd_book b;
	size_t i, nh, np;

	(void)a;
	if (risk_cfg_from_conf(&cfg, ctx->qd->conf, &cause) != 0) {
		cmd_error(ctx, "risk: %s", cause);
		free(cause);
		return -1;
	}
	if (cmd_book_load(ctx, "risk", &b) != 0)
		return -1;
	if (risk_greeks(b.pos, b.n, b.ms, engine_snap_book(b.es), b.now, &g, &cause) != 0) {
		cmd_error(ctx, "risk: %s", cause);
		free(cause);
		cmd_book_free(&b);
		return -1;
	}
	risk_breaches_init(&br);
	risk_check(&cfg, b.pos, b.n, &g, b.pnl_today, &br);
	out_table(ctx->out);
	out_begin(ctx->out);
	out_str(ctx->out, "kind", "summary");
	out_str(ctx->out, "subject", "");
	out_num(ctx->out, "value", g.gross);
	out_num(ctx->out, "limit", cfg.max_gross);
	out_str(ctx->out, "detail", "gross delta exposure, currency");
	out_end(ctx->out);
	for (i = 0; i < br.n; i++) {
		out_begin(ctx->out);
		out_str(ctx->out, "kind", "breach");
		out_str(ctx->out, "subject", br.v[i].subject);
		out_num(ctx->out, "value", br.v[i].value);
		out_num(ctx->out, "limit", br.v[i].limit_value);
		out_str(ctx->out, "detail", risk_limit_name(br.v[i].limit));
		out_end(ctx->out);
	}
	nh = risk_hedge(&cfg, &g, hedges, sizeof hedges / sizeof hedges[0]);
	for (i = 0; i < nh && i < sizeof hedges / sizeof hedges[0]; i++) {
		char d[192];

		snprintf(d, sizeof d, "%s %.0f %.32s: delta %.1f -> %.1f shares",
		    hedges[i].side > 0 ? "buy" : "sell", hedges[i].qty, hedges[i].symbol,
		    hedges[i].delta_before, hedges[i].delta_after);
		out_begin(ctx->out);
		out_str(ctx->out, "kind", "hedge");
		out_str(ctx->out, "subject", hedges[i].symbol);
		out_num(ctx->out, "value", hedges[i].delta_before);
		out_num(ctx->out, "limit", cfg.hedge_threshold);
		out_str(ctx->out, "detail", d);
		out_end(ctx->out);
	}
	np = risk_open_pairs(b.pos, b.n, engine_snap_book(b.es), pairs, 64);
	for (i = 0; i < np && i < 64; i++) {
		struct risk_pair_health h;
		char d[320];

		if (risk_pair_health(&cfg, b.ms, pairs[i], &h, &cause) != 0) {
			free(cause);
			cause = NULL;
			continue;
		}
		if (h.ok)
			snprintf(d, sizeof d, "%s: Engle-Granger p %.3f, return correlation %.2f over "
			    "%zu closes", h.healthy ? "healthy" : "UNHEALTHY", h.pvalue, h.corr, h.n);
		else
			snprintf(d, sizeof d, "not computed: %.300s", h.err);
		out_begin(ctx->out);
		out_str(ctx->out, "kind", "pair");
		out_str(ctx->out, "subject", pairs[i]);
		out_num(ctx->out, "value", h.ok ? h.pvalue : NAN);
		out_num(ctx->out, "limit", cfg.pair_max_pvalue);
		out_str(ctx->out, "detail", d);
		out_end(ctx->out);
	}
	risk_breaches_free(&br);
	risk_greeks_free(&g);
	cmd_book_free(&b);
	return 0;
}

/* scenario NAME|grid|list */
static int cmd_scenario_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *name = cmd_arg_pos(a, 0);
	const struct scenario_def *d = NULL;
	struct scenario_result r;
	struct scenario_cfg sc;
	struct risk_cfg cfg;
	struct cmd_book b;
	char *cause = NULL;
	size_t i;
	int rc;

	if (strcmp(name, "list") == 0) {
		out_table(ctx->out);
		for (i = 0; i < scenario_named_count(); i++) {
			d = scenario_named_at(i);
			out_begin(ctx->out);
			out_str(ctx->out, "name", d->name);
			out_str(ctx->out, "title", d->title);
			out_num(ctx->out, "index_move", d->index_move);
			out_num(ctx->out, "vol_shock", d->vol_shock);
			out_str(ctx->out, "source", d->source);
			out_end(ctx->out);
		}
		return 0;
	}
	if (strcmp(name, "grid") != 0 && (d = scenario_find(name)) == NULL)
		return cmd_error(ctx, "scenario: no scenario '%s' (scenario list; or grid)", name);
	if (risk_cfg_from_conf(&cfg, ctx->qd->conf, &cause) != 0 ||
	    scenario_cfg_from_conf(&sc, ctx->qd->conf, &cause) != 0) {
		cmd_error(ctx, "scenario: %s", cause);
		free(cause);
		return -1;
	}
	if (cmd_book_load(ctx, "scenario", &b) != 0)
		return -1;
	rc = d != NULL ? scenario_named(b.pos, b.n, b.ms, engine_snap_book(b.es), &cfg, d, b.now,
	    &r, &cause) : scenario_grid(b.pos, b.n, b.ms, engine_snap_book(b.es), &cfg, &sc, b.now,
	    &r, &cause);
	if (rc != 0) {
		cmd_error(ctx, "scenario: %s", cause);
		free(cause);
		cmd_book_free(&b);
		return -1;
	}
	out_table(ctx->out);
	for (i = 0; i < r.npoints; i++) {
		out_begin(ctx->out);
		out_str(ctx->out, "scenario", d != NULL ? d->name : "grid");
		out_num(ctx->out, "spot_shock", r.pt[i].spot_shock);
		out_num(ctx->out, "vol_shock", r.pt[i].vol_shock);
		out_num(ctx->out, "pnl", r.pt[i].pnl);
		out_int(ctx->out, "positions", (long long)r.npos);
		out_int(ctx->out, "unvalued", (long long)r.nbad);
		out_end(ctx->out);
	}
	scenario_result_free(&r);
	cmd_book_free(&b);
	return 0;
}

const struct cmd_entry cmd_greeks_entry = {
	.name = "greeks", .topic = "risk", .flags = CMD_READONLY_OK,
	.summary = "Greeks per position, per underlying and in total", .exec = cmd_greeks_exec,
};
const struct cmd_entry cmd_risk_entry = {
	.name = "risk", .topic = "risk", .flags = CMD_READONLY_OK,
	.summary = "limits, breaches, delta hedges and pair health", .exec = cmd_risk_exec,
};
const struct cmd_entry cmd_scenario_entry = {
	.name = "scenario", .positional = "NAME|grid|list", .min_pos = 1, .max_pos = 1,
	.topic = "risk", .flags = CMD_READONLY_OK,
	.summary = "full-revaluation P&L under a named scenario or the spot x vol grid",
	.exec = cmd_scenario_exec,
};
