/*
 * oms-int.h -- what oms.c (the thread, the store, the broker) and
 * oms-orders.c (turning signals into checked, sized, priced orders) share.
 * Everything here runs on the OMS thread only.
 */
#ifndef QD_OMS_INT_H
#define QD_OMS_INT_H

#include <stddef.h>

#include "order.h"
#include "pretrade.h"
#include "risk.h"
#include "sizing.h"
#include "tcost.h"
#include "trade-signal.h"

struct conf;

/* The OMS's settings and pre-trade state. */
struct oms_checks {
	struct pretrade_limits lim;
	struct pretrade_history hist;
	struct sizing_params sizing;
	struct tcost_params costs;
	double limit_fraction, tick, capital;
	struct risk_cfg risk;           /* the portfolio limits checked after pretrade */
	struct risk_cache *greeks;      /* the book's Greeks, revalued where they changed */
	/* the last automatic hedge per underlying, market time (risk.hedge_interval) */
	struct {
		char symbol[MARKET_SYMBOL_MAX];
		double time;
	} hedge_last[64];
	size_t nhedge_last;
};

int oms_checks_init(struct oms_checks *c, struct conf *conf, char **cause);
void oms_checks_free(struct oms_checks *c);
/* Runs the pre-trade checks on o (quote, position, buying power from the
 * market state and the OMS); the reason (OR_NONE: passed), why says more. */
int oms_pretrade(struct oms_checks *c, const struct order *o, int allow_killed, char *why,
    size_t len);
/* Transaction cost analysis of a fill (slippage against arrival). */
void oms_tca(struct fill *f);
/* The orders of an approved signal, sized, priced and marked (not yet
 * checked); their count, or 0 with err set (nothing to trade, edge below
 * cost, no quote). */
size_t oms_orders_from_signal(const struct signal *s, struct order *out, size_t max, char *err,
    size_t len);
/* An order closing qty (signed, the position) of symbol; 0 or -1 with err. */
int oms_order_close(const char *strategy, const char *symbol, double qty, double multiplier,
    struct order *o, char *err, size_t len);
/* The delta hedge orders due when risk.auto_hedge is on (not yet
 * checked), with the damping a risk manager expects: the band of
 * risk_hedge (hedge_threshold, hedge_target), the book's delta counting
 * the working orders in each underlying as filled, none for an underlying
 * with a hedge working, and at most one per risk.hedge_interval market
 * seconds per underlying (the time is recorded: the caller places them);
 * their count. */
size_t oms_hedge_orders(struct order *out, size_t max);
/* Realised plus unrealised P&L at the latest mids, currency. */
double oms_mark_to_market(void);

/* oms.c: the signed remaining quantity of the working orders in symbol;
 * *hedging set when one of them is a hedge (strategy "hedge"). */
double oms_working_qty(const char *symbol, int *hedging);
/* oms.c: the positions it keeps */
double oms_net_position(const char *symbol);
double oms_gross_exposure(void);
struct oms_checks *oms_checks_get(void);
/* Realised P&L of every position and the unrealised at the given marks:
 * iterates the positions for oms_mark_to_market. */
size_t oms_positions_count(void);
/* The strategy of position i (for the risk check's book). */
const char *oms_position_strategy(size_t i);
void oms_position_at(size_t i, char *symbol, size_t len, double *qty, double *avg_price,
    double *multiplier, double *realized);

#endif
