/*
 * oms-orders.c -- from an approved signal to orders, on the OMS thread:
 * the quote of each leg (an option's from its chain), the size
 * (volatility-managed, sizing.h), the limit price rule of the client's
 * notes (order.h), the cost filter (tcost.h: an entry whose expected edge
 * does not cover its round-trip cost is dropped), and the pre-trade
 * checks' context (pretrade.h).  Market time, not wall time, judges
 * staleness: under the simulator quotes carry the simulated clock.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "engine.h"
#include "market-state.h"
#include "oms-int.h"
#include "oms.h"
#include "util.h"

#define OMS_RETURNS_MAX 252

/* Reads the settings. */
int oms_checks_init(struct oms_checks *c, struct conf *conf, char **cause)
{
	memset(c, 0, sizeof *c);
	if (pretrade_limits_from_conf(conf, &c->lim, cause) != 0 ||
	    risk_cfg_from_conf(&c->risk, conf, cause) != 0 ||
	    sizing_params_from_conf(conf, &c->sizing, cause) != 0 ||
	    tcost_params_from_conf(conf, &c->costs, cause) != 0)
		return -1;
	pretrade_history_init(&c->hist);
	c->limit_fraction = conf_get_double(conf, "orders.limit_fraction");
	c->tick = conf_get_double(conf, "orders.tick");
	c->capital = conf_get_double(conf, "orders.buying_power");
	/* a position's Greeks are reused while its inputs stand and its
	 * maturity moved less than a minute */
	c->greeks = risk_cache_new(60);
	return 0;
}

void oms_checks_free(struct oms_checks *c)
{
	risk_cache_free(c->greeks);
	c->greeks = NULL;
}

/* The quote of a symbol: its own, or an option's in its chain.  Copies it
 * into *q, with the option's multiplier and underlying (the symbol's own
 * for a plain quote); 0, or -1 when there is none. */
static int oms_quote(const struct mstate_snap *ms, const char *symbol, struct quote *q,
    double *multiplier, char *underlying, size_t ulen)
{
	const struct option_quote *oq;
	const struct option_chain *c = NULL;
	const struct quote *p = mstate_snap_quote_any(ms, symbol, &oq, &c);

	if (p == NULL)
		return -1;
	*q = *p;
	*multiplier = 1;
	snprintf(underlying, ulen, "%s", symbol);
	if (oq != NULL) {
		snprintf(underlying, ulen, "%s", c->underlying);
		if (!isfinite(q->exch_time) || q->exch_time <= 0)
			q->exch_time = c->time;
		*multiplier = oq->opt.multiplier > 0 ? oq->opt.multiplier : 100;
	}
	return 0;
}

/* Daily log returns of a symbol's closes (the latest OMS_RETURNS_MAX);
 * their count. */
static size_t oms_returns(const struct mstate_snap *ms, const char *symbol, double *ret)
{
	const struct bar *b;
	size_t n = 0, i, k = 0;

	b = mstate_snap_bars(ms, symbol, &n);
	if (b == NULL || n < 2)
		return 0;
	i = n > OMS_RETURNS_MAX + 1 ? n - OMS_RETURNS_MAX - 1 : 0;
	for (i = i + 1; i < n; i++)
		if (b[i].close > 0 && b[i - 1].close > 0)
			ret[k++] = log(b[i].close / b[i - 1].close);
	return k;
}

/* Daily vol (standard deviation) of n >= 2 returns. */
static double oms_daily_vol(const double *r, size_t n)
{
	double m = 0, v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		m += r[i];
	m /= (double)n;
	for (i = 0; i < n; i++)
		v += (r[i] - m) * (r[i] - m);
	return sqrt(v / (double)(n - 1));
}

/* The market time: the engine's latest, else the quote's own. */
static double oms_market_now(const struct quote *q)
{
	struct engine_status st;

	engine_get_status(&st);
	return st.market_time > 0 ? st.market_time : q != NULL ? q->exch_time : 0;
}

/* The OMS's open positions as risk.h takes them; their count (*out
 * allocated, free it). */
static size_t oms_risk_book(struct risk_position **out)
{
	size_t i, n = 0, np = oms_positions_count();
	struct risk_position *pos = xcalloc(np + 1, sizeof *pos);
	char sym[MARKET_SYMBOL_MAX];
	double qty, avg, mult, real;

	for (i = 0; i < np; i++) {
		oms_position_at(i, sym, sizeof sym, &qty, &avg, &mult, &real);
		if (qty == 0)
			continue;
		snprintf(pos[n].strategy, sizeof pos[n].strategy, "%s", oms_position_strategy(i));
		snprintf(pos[n].symbol, sizeof pos[n].symbol, "%s", sym);
		pos[n].qty = qty;
		pos[n].avg_price = avg;
		pos[n].multiplier = mult > 0 ? mult : 1;
		n++;
	}
	*out = pos;
	return n;
}

/* The portfolio limits for a prospective order: OR_NONE, or
 * OR_RISK_LIMIT naming the first breach. */
static int oms_risk_limits(struct oms_checks *c, const struct order *o,
    const struct mstate_snap *ms, double now, char *why, size_t len)
{
	const struct engine_snap *es = engine_snapshot();
	struct risk_position *pos;
	struct risk_breaches br;
	struct risk_greeks g;
	struct risk_order ro;
	char *cause = NULL;
	size_t n = oms_risk_book(&pos);
	int rc, r = OR_NONE;

	memset(&ro, 0, sizeof ro);
	snprintf(ro.strategy, sizeof ro.strategy, "%s", o->strategy);
	snprintf(ro.symbol, sizeof ro.symbol, "%s", o->symbol);
	ro.side = o->side;
	ro.qty = o->qty;
	ro.multiplier = o->multiplier > 0 ? o->multiplier : 1;
	risk_breaches_init(&br);
	/* The book's Greeks from the cache: only what changed is revalued,
	 * then the order itself by risk_check_order. */
	rc = risk_cache_greeks(c->greeks, pos, n, ms, engine_snap_book(es), now, &g, NULL,
	    &cause);
	if (rc == 0) {
		rc = risk_check_order(&c->risk, pos, n, &g, &ro, ms, engine_snap_book(es), now, NAN,
		    &br, &cause);
		risk_greeks_free(&g);
	}
	if (rc < 0) {
		snprintf(why, len, "risk: %s", cause);
		free(cause);
		r = OR_RISK_LIMIT;
	} else if (rc > 0) {
		snprintf(why, len, "risk limit %s%s%s: %.0f above %.0f", risk_limit_name(br.v[0].limit),
		    br.v[0].subject[0] ? " of " : "", br.v[0].subject, br.v[0].value,
		    br.v[0].limit_value);
		r = OR_RISK_LIMIT;
	}
	risk_breaches_free(&br);
	free(pos);
	engine_snap_release(es);
	return r;
}

/* Pre-trade checks with the context of the moment. */
int oms_pretrade(struct oms_checks *c, const struct order *o, int allow_killed, char *why,
    size_t len)
{
	const struct mstate_snap *ms = mstate_snapshot(mstate_global());
	struct pretrade_ctx ctx;
	struct quote q;
	double mult;
	char und[MARKET_SYMBOL_MAX];
	int have = oms_quote(ms, o->symbol, &q, &mult, und, sizeof und) == 0, r;

	memset(&ctx, 0, sizeof ctx);
	/* Market now: the engine's latest pass, or the quote's own time when
	 * the quote is newer (the feed may run ahead of the engine's pass). */
	ctx.now = oms_market_now(have ? &q : NULL);
	if (have && q.exch_time > ctx.now)
		ctx.now = q.exch_time;
	ctx.quote = have ? &q : NULL;
	ctx.position = oms_net_position(o->symbol);
	ctx.buying_power = c->capital - oms_gross_exposure();
	ctx.kill_switch = oms_killed();
	ctx.allow_risk_reducing = allow_killed;
	r = pretrade_check(&c->lim, &c->hist, o, &ctx, why, len);
	/* Then the portfolio limits (risk.*), for orders that add risk: the
	 * book revalued with and without the order. */
	if (r == OR_NONE && !o->risk_reducing)
		r = oms_risk_limits(c, o, ms, ctx.now, why, len);
	mstate_snap_release(ms);
	return r;
}

/* TCA of a fill. */
void oms_tca(struct fill *f)
{
	char *cause = NULL;

	if (tcost_fill_tca(f, &cause) != 0) {
		f->slippage_bp = NAN;
		free(cause);
	}
}

/* Builds one order for symbol (signed qty) at the limit rule. */
static int oms_order_make(const struct mstate_snap *ms, const char *strategy,
    unsigned long signal_id, const char *symbol, double qty, struct order *o, char *err,
    size_t len)
{
	struct oms_checks *c = oms_checks_get();
	struct quote q;
	double mult, pos;
	char und[MARKET_SYMBOL_MAX];

	memset(o, 0, sizeof *o);
	if (oms_quote(ms, symbol, &q, &mult, und, sizeof und) != 0) {
		snprintf(err, len, "no quote for %s", symbol);
		return -1;
	}
	snprintf(o->symbol, sizeof o->symbol, "%s", symbol);
	snprintf(o->strategy, sizeof o->strategy, "%s", strategy);
	o->signal_id = signal_id;
	o->side = qty > 0 ? 1 : -1;
	o->qty = fabs(qty);
	o->type = ORDER_LIMIT;
	o->multiplier = mult;
	o->arrival_mid = market_mid(&q);
	o->avg_price = NAN;
	o->expires = NAN;
	o->state = ORDER_NEW;
	if (order_limit_price(o->side, q.bid, q.ask, c->limit_fraction, c->tick, &o->limit) != 0) {
		snprintf(err, len, "%s: no valid bid and ask to price the order", symbol);
		return -1;
	}
	pos = oms_net_position(symbol);
	o->risk_reducing = pos != 0 && (pos > 0) != (o->side > 0) && o->qty <= fabs(pos) + 1e-9;
	return 0;
}

/* The orders of an approved signal. */
size_t oms_orders_from_signal(const struct signal *s, struct order *out, size_t max, char *err,
    size_t len)
{
	const struct mstate_snap *ms = mstate_snapshot(mstate_global());
	struct oms_checks *c = oms_checks_get();
	double ret[OMS_RETURNS_MAX], mult, units = 1, price;
	struct sizing_result sr;
	struct quote q;
	char und[MARKET_SYMBOL_MAX], *cause = NULL;
	size_t i, n = 0, nret;

	if (s->nlegs == 0) {
		snprintf(err, len, "signal %lu has no legs", s->id);
		goto out;
	}
	if (oms_quote(ms, s->legs[0].symbol, &q, &mult, und, sizeof und) != 0) {
		snprintf(err, len, "signal %lu: no quote for %s", s->id, s->legs[0].symbol);
		goto out;
	}
	if (s->side != SIGNAL_EXIT) {
		struct tcost_estimate est;

		/* Size in units of the first leg: Moreira-Muir on the daily
		 * returns of its underlying. */
		/* An option is sized on the notional it controls (the
		 * underlying's price x the multiplier), not on its premium:
		 * a budget spent on premium would buy absurd contract counts. */
		nret = oms_returns(ms, und, ret);
		price = market_mid(&q);
		if (strcmp(und, s->legs[0].symbol) != 0) {
			struct quote uq;
			double um;
			char uu[MARKET_SYMBOL_MAX];

			if (oms_quote(ms, und, &uq, &um, uu, sizeof uu) == 0 && market_mid(&uq) > 0)
				price = market_mid(&uq);
		}
		if (sizing_qty(&c->sizing, s->strategy, ret, nret, s->size_hint, price,
		    mult, &sr, &cause) != 0) {
			snprintf(err, len, "signal %lu: sizing: %s", s->id, cause);
			free(cause);
			goto out;
		}
		units = sr.qty / fabs(s->legs[0].qty);
		if (!(units >= 1)) {
			snprintf(err, len, "signal %lu: the budget buys less than one unit of %s",
			    s->id, s->legs[0].symbol);
			goto out;
		}
		units = floor(units);
		/* The cost filter: the edge must cover a round trip. */
		if (!isnan(s->edge_bp) && tcost_estimate(&c->costs, q.bid, q.ask,
		    units * fabs(s->legs[0].qty), mult, nret > 1 ? oms_daily_vol(ret, nret) : 0.02,
		    q.volume > 0 ? q.volume : mult > 1 ? 1000 : 1e6, &est, &cause) == 0 &&
		    !tcost_edge_ok(&c->costs, s->edge_bp, &est, 1)) {
			snprintf(err, len, "signal %lu: edge %.1f bp below the round-trip cost %.1f bp "
			    "(costs.edge_margin)", s->id, s->edge_bp, 2 * est.total_bp);
			goto out;
		}
		free(cause);
		cause = NULL;
	}
	for (i = 0; i < s->nlegs && n < max; i++) {
		double qty = s->side == SIGNAL_EXIT ? s->legs[i].qty : s->legs[i].qty * units;

		/* Whole units: shares and contracts; a hedge rounds to nearest. */
		qty = qty > 0 ? floor(qty + 0.5) : -floor(-qty + 0.5);
		if (qty == 0)
			continue;
		if (oms_order_make(ms, s->strategy, s->id, s->legs[i].symbol, qty, &out[n], err,
		    len) == 0)
			n++;
		else
			break;
	}
	if (i < s->nlegs && n < s->nlegs && err[0] != '\0')
		n = 0;          /* all legs or none */
out:
	mstate_snap_release(ms);
	return n;
}

/* An order closing a position. */
int oms_order_close(const char *strategy, const char *symbol, double qty, double multiplier,
    struct order *o, char *err, size_t len)
{
	const struct mstate_snap *ms = mstate_snapshot(mstate_global());
	int rc = oms_order_make(ms, strategy, 0, symbol, -qty, o, err, len);

	(void)multiplier;
	if (rc == 0)
		o->risk_reducing = 1;
	mstate_snap_release(ms);
	return rc;
}

/* The delta hedges due (risk.auto_hedge): one order per underlying whose
 * delta (working orders included) passes risk.hedge_threshold, sized by
 * risk_hedge() to the band's target, unless the underlying has a hedge
 * working or was hedged within risk.hedge_interval; their count (at most
 * max). */
size_t oms_hedge_orders(struct order *out, size_t max)
{
	struct oms_checks *c = oms_checks_get();
	const struct mstate_snap *ms;
	const struct engine_snap *es;
	struct risk_position *pos;
	struct risk_hedge h[32];
	struct risk_greeks g;
	char err[ORDER_REASON_MAX], *cause = NULL;
	double now;
	size_t i, n, nh, k = 0;

	if (!c->risk.auto_hedge || oms_positions_count() == 0)
		return 0;
	n = oms_risk_book(&pos);
	ms = mstate_snapshot(mstate_global());
	es = engine_snapshot();
	now = oms_market_now(NULL);
	if (n > 0 && risk_cache_greeks(c->greeks, pos, n, ms, engine_snap_book(es), now, &g, NULL,
	    &cause) == 0) {
		int *skip = xcalloc(g.nund + 1, sizeof *skip);
		double *tnow = xcalloc(g.nund + 1, sizeof *tnow);

		/* The book's delta as if its working orders in each underlying
		 * had filled; an underlying with a hedge working, or hedged less
		 * than risk.hedge_interval market seconds ago, waits. */
		for (i = 0; i < g.nund; i++) {
			struct risk_und_greeks *u = &g.und[i];
			const struct quote *uq = mstate_snap_quote(ms, u->underlying);
			double w = oms_working_qty(u->underlying, &skip[i]);
			size_t j;

			u->delta_sh += w;
			u->delta_cash += w * u->spot;
			tnow[i] = oms_market_now(uq);
			for (j = 0; j < c->nhedge_last; j++)
				if (strcmp(c->hedge_last[j].symbol, u->underlying) == 0 &&
				    tnow[i] - c->hedge_last[j].time < c->risk.hedge_interval)
					skip[i] = 1;
		}
		nh = risk_hedge(&c->risk, &g, h, sizeof h / sizeof h[0]);
		for (i = 0; i < nh && i < sizeof h / sizeof h[0] && k < max; i++) {
			size_t u, j, o;

			for (u = 0; u < g.nund && strcmp(g.und[u].underlying, h[i].symbol) != 0; u++)
				;
			if (u < g.nund && skip[u])
				continue;
			if (oms_order_make(ms, "hedge", 0, h[i].symbol, h[i].side * h[i].qty, &out[k],
			    err, sizeof err) != 0)
				continue;
			k++;
			/* remembered now: the caller places it (a refused hedge
			 * also waits the interval rather than retrying each
			 * second) */
			for (j = 0; j < c->nhedge_last; j++)
				if (strcmp(c->hedge_last[j].symbol, h[i].symbol) == 0)
					break;
			if (j == sizeof c->hedge_last / sizeof c->hedge_last[0]) {
				/* full: the oldest entry makes room */
				for (j = 0, o = 1; o < c->nhedge_last; o++)
					if (c->hedge_last[o].time < c->hedge_last[j].time)
						j = o;
			} else if (j == c->nhedge_last)
				c->nhedge_last++;
			memcpy(c->hedge_last[j].symbol, h[i].symbol, sizeof c->hedge_last[j].symbol);
			c->hedge_last[j].time = u < g.nund ? tnow[u] : now;
		}
		free(skip);
		free(tnow);
		risk_greeks_free(&g);
	}
	free(cause);
	engine_snap_release(es);
	mstate_snap_release(ms);
	free(pos);
	return k;
}

/* Realised plus unrealised P&L at the latest mids. */
double oms_mark_to_market(void)
{
	const struct mstate_snap *ms = mstate_snapshot(mstate_global());
	double pnl = 0, qty, avg, mult, real, m;
	char sym[MARKET_SYMBOL_MAX], und[MARKET_SYMBOL_MAX];
	struct quote q;
	size_t i;

	for (i = 0; i < oms_positions_count(); i++) {
		oms_position_at(i, sym, sizeof sym, &qty, &avg, &mult, &real);
		pnl += real;
		if (qty != 0 && oms_quote(ms, sym, &q, &m, und, sizeof und) == 0 &&
		    market_mid(&q) > 0)
			pnl += qty * (market_mid(&q) - avg) * mult;
	}
	mstate_snap_release(ms);
	return pnl;
}
