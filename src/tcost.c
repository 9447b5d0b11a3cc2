/*
 * tcost.c -- the transaction cost model, the edge filter and TCA of
 * tcost.h.
 *
 * Why it exists: the OMS must drop signals whose expected edge does not
 * pay for trading them, and after each fill record how far the price was
 * from where the order started; both use the formulas documented in
 * tcost.h, kept here as pure functions over plain values.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "conf.h"
#include "tcost.h"
#include "util.h"

/* Reads the costs.* keys into p. */
int tcost_params_from_conf(struct conf *conf, struct tcost_params *p, char **cause)
{
	(void)cause;
	p->impact_k = conf_get_double(conf, "costs.impact_k");
	p->commission_per_share = conf_get_double(conf, "costs.commission_per_share");
	p->commission_per_contract = conf_get_double(conf, "costs.commission_per_contract");
	p->commission_min = conf_get_double(conf, "costs.commission_min");
	p->edge_margin = conf_get_double(conf, "costs.edge_margin");
	return 0;
}

/* Sets every field of an estimate to NaN. */
static void tcost_estimate_nan(struct tcost_estimate *e)
{
	e->mid = e->notional = e->participation = NAN;
	e->spread = e->impact = e->commission = e->total = NAN;
	e->spread_bp = e->impact_bp = e->commission_bp = e->total_bp = NAN;
}

/* Estimates half-spread, square-root impact and commission of one trade. */
int tcost_estimate(const struct tcost_params *p, double bid, double ask, double qty,
    double multiplier, double daily_vol, double adv, struct tcost_estimate *out,
    char **cause)
{
	double units, rate;

	tcost_estimate_nan(out);
	if (!isfinite(bid) || !isfinite(ask) || bid <= 0 || ask < bid) {
		if (cause != NULL)
			*cause = xasprintf("cost: no valid quote (bid %g, ask %g)", bid, ask);
		return -1;
	}
	if (!isfinite(qty) || qty <= 0 || !isfinite(multiplier) || multiplier <= 0) {
		if (cause != NULL)
			*cause = xasprintf("cost: quantity %g and multiplier %g must be > 0", qty,
			    multiplier);
		return -1;
	}
	if (!isfinite(daily_vol) || daily_vol < 0) {
		if (cause != NULL)
			*cause = xasprintf("cost: daily volatility %g is not a number >= 0",
			    daily_vol);
		return -1;
	}
	if (!isfinite(adv) || adv <= 0) {
		if (cause != NULL)
			*cause = xasprintf("cost: average daily volume %g is not > 0", adv);
		return -1;
	}
	out->mid = 0.5 * (bid + ask);
	units = qty * multiplier;
	out->notional = units * out->mid;
	out->participation = qty / adv;
	out->spread = 0.5 * (ask - bid) * units;
	out->impact = p->impact_k * daily_vol * sqrt(out->participation) * out->mid * units;
	rate = multiplier == 1 ? p->commission_per_share : p->commission_per_contract;
	out->commission = fmax(p->commission_min, rate * qty);
	out->total = out->spread + out->impact + out->commission;
	out->spread_bp = 1e4 * out->spread / out->notional;
	out->impact_bp = 1e4 * out->impact / out->notional;
	out->commission_bp = 1e4 * out->commission / out->notional;
	out->total_bp = 1e4 * out->total / out->notional;
	return 0;
}

/* 1 when edge_bp >= edge_margin x cost (one way or round trip). */
int tcost_edge_ok(const struct tcost_params *p, double edge_bp, const struct tcost_estimate *c,
    int round_trip)
{
	double cost = c->total_bp * (round_trip ? 2 : 1);

	if (!isfinite(edge_bp) || !isfinite(cost))
		return 0;
	return edge_bp >= p->edge_margin * cost;
}

/* Whether an edge covers edge_margin x the quoted spread (the round-trip
 * cost's floor); -1 when it cannot tell. */
int tcost_spread_ok(const struct tcost_params *p, double edge_bp, double bid, double ask,
    double *spread_bp)
{
	double sbp;

	if (spread_bp != NULL)
		*spread_bp = NAN;
	if (!isfinite(bid) || !isfinite(ask) || bid <= 0 || ask < bid || !isfinite(edge_bp))
		return -1;
	sbp = (ask - bid) / (0.5 * (bid + ask)) * 1e4;
	if (spread_bp != NULL)
		*spread_bp = sbp;
	return edge_bp >= p->edge_margin * sbp;
}

/* Signed slippage of a fill against the arrival mid, bp and currency. */
int tcost_slippage(int side, double price, double arrival_mid, double qty, double multiplier,
    double *bp, double *currency)
{
	double d;

	if (bp != NULL)
		*bp = NAN;
	if (currency != NULL)
		*currency = NAN;
	if ((side != 1 && side != -1) || !isfinite(price) || !isfinite(arrival_mid) ||
	    arrival_mid <= 0 || !isfinite(qty) || !isfinite(multiplier))
		return -1;
	d = side * (price - arrival_mid);
	if (bp != NULL)
		*bp = 1e4 * d / arrival_mid;
	if (currency != NULL)
		*currency = d * qty * multiplier;
	return 0;
}

/* Sets a fill's slippage_bp against its arrival mid. */
int tcost_fill_tca(struct fill *f, char **cause)
{
	if (tcost_slippage(f->side, f->price, f->arrival_mid, f->qty,
	    isfinite(f->multiplier) ? f->multiplier : 1, &f->slippage_bp, NULL) != 0) {
		if (cause != NULL)
			*cause = xasprintf("fill %s of %s: no slippage without an arrival mid "
			    "(price %g, arrival %g)", f->fill_id, f->client_id, f->price,
			    f->arrival_mid);
		return -1;
	}
	return 0;
}

/* Implementation shortfall of an order over its fills. */
int tcost_shortfall(const struct order *o, const struct fill *fills, size_t n,
    double final_mid, struct tcost_shortfall *out, char **cause)
{
	double d = o->arrival_mid, m = o->multiplier, value = 0;
	size_t i;

	memset(out, 0, sizeof *out);
	out->avg_price = out->total = out->total_bp = NAN;
	if (!isfinite(d) || d <= 0 || !isfinite(m) || m <= 0 || !isfinite(o->qty) ||
	    o->qty <= 0 || (o->side != 1 && o->side != -1)) {
		if (cause != NULL)
			*cause = xasprintf("shortfall of %s: needs an arrival mid, a side, a "
			    "quantity and a multiplier", o->client_id);
		return -1;
	}
	out->arrival_mid = d;
	out->paper_notional = o->qty * d * m;
	for (i = 0; i < n; i++) {
		const struct fill *f = &fills[i];

		if (strncmp(f->client_id, o->client_id, ORDER_ID_MAX) != 0 || f->side != o->side ||
		    !isfinite(f->qty) || f->qty <= 0 || !isfinite(f->price) ||
		    !(f->fee >= 0) || !isfinite(f->fee)) {
			if (cause != NULL)
				*cause = xasprintf("shortfall of %s: fill %zu (%s) does not belong "
				    "to it or is invalid", o->client_id, i + 1, f->fill_id);
			return -1;
		}
		out->filled += f->qty;
		value += f->qty * f->price;
		out->execution += o->side * (f->price - d) * f->qty * m;
		out->fees += f->fee;
	}
	if (out->filled > o->qty * (1 + 1e-9)) {
		if (cause != NULL)
			*cause = xasprintf("shortfall of %s: fills total %g, above the order's %g",
			    o->client_id, out->filled, o->qty);
		return -1;
	}
	out->unfilled = fmax(0, o->qty - out->filled);
	if (out->unfilled <= o->qty * 1e-9)
		out->unfilled = 0;
	if (out->filled > 0)
		out->avg_price = value / out->filled;
	if (out->unfilled > 0) {
		if (!isfinite(final_mid) || final_mid <= 0) {
			if (cause != NULL)
				*cause = xasprintf("shortfall of %s: %g unfilled needs a final mid",
				    o->client_id, out->unfilled);
			return -1;
		}
		out->opportunity = o->side * (final_mid - d) * out->unfilled * m;
	}
	out->total = out->execution + out->fees + out->opportunity;
	out->total_bp = 1e4 * out->total / out->paper_notional;
	return 0;
}
