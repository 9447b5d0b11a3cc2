/*
 * tcost.h -- the transaction cost model (half-spread + square-root market
 * impact + commission), the edge filter that drops signals not worth their
 * cost, and transaction cost analysis (TCA) after fills.
 *
 * The model (client's notes section 9.2, after Frazzini, Israel & Moskowitz
 * 2012), for one trade of qty units at quote bid/ask, mid m = (bid+ask)/2:
 *
 *   half-spread  = (ask - bid) / 2 x qty x multiplier
 *   impact       = k x sigma_d x sqrt(qty / ADV) x m x qty x multiplier
 *   commission   = max(costs.commission_min, rate x qty)
 *
 * sigma_d the daily volatility of the instrument's returns (decimal), ADV
 * its average daily volume in the order's units, k = costs.impact_k.  The
 * impact per unit is the "square-root law" (Torre 1997; Almgren, Thum,
 * Hauptmann & Li 2005, "Direct estimation of equity market impact", Risk,
 * who fit an exponent of 0.6 for temporary impact; Toth et al. 2011 find
 * 1/2 with k of order 1).  Unlike the notes' sketch, impact is charged at
 * every participation rate (the law has no threshold), and the spread cost
 * is half the spread: a trade crosses from the mid to one side.  The rate
 * is costs.commission_per_share for multiplier 1, else
 * costs.commission_per_contract.  Every figure comes in currency and in
 * basis points of the notional qty x m x multiplier.
 *
 * TCA: slippage of a fill against the arrival mid (the mid when the order
 * was created), signed so that positive is worse -- a buy above or a sell
 * below the arrival mid; implementation shortfall of a whole order
 * (Perold 1988): execution cost of the fills + fees + the opportunity cost
 * of what was not filled, valued at the final mid.
 */
#ifndef QD_TCOST_H
#define QD_TCOST_H

#include <stddef.h>

#include "order.h"

struct conf;

struct tcost_params {
	double impact_k;                /* square-root law coefficient */
	double commission_per_share;    /* currency per share (multiplier 1) */
	double commission_per_contract; /* currency per contract (multiplier != 1) */
	double commission_min;          /* smallest commission of a trade */
	double edge_margin;             /* edge must be >= margin x cost */
};

/* A cost estimate: currency and basis points of the notional. */
struct tcost_estimate {
	double mid, notional, participation;    /* participation = qty / ADV */
	double spread, impact, commission, total;
	double spread_bp, impact_bp, commission_bp, total_bp;
};

/* Implementation shortfall of one order, currency (positive = cost). */
struct tcost_shortfall {
	double arrival_mid;     /* the decision price */
	double paper_notional;  /* qty x arrival_mid x multiplier */
	double filled, unfilled;
	double avg_price;       /* of the fills (NaN without any) */
	double execution;       /* sum of side x (price - arrival) x qty x multiplier */
	double fees;
	double opportunity;     /* side x (final_mid - arrival) x unfilled x multiplier */
	double total, total_bp; /* bp of paper_notional */
};

/* Reads the costs.* keys; 0 (the keys are validated by conf). */
int tcost_params_from_conf(struct conf *conf, struct tcost_params *p, char **cause);

/*
 * Estimates the cost of trading qty (> 0) units at bid/ask (0 < bid <=
 * ask) with the given multiplier (> 0), daily vol (>= 0) and ADV (> 0, the
 * order's units).  0, or -1 with cause naming the bad input.
 */
int tcost_estimate(const struct tcost_params *p, double bid, double ask, double qty,
    double multiplier, double daily_vol, double adv, struct tcost_estimate *out,
    char **cause);

/*
 * 1 when a signal's expected edge (bp of notional) is at least
 * edge_margin x the cost -- twice the one-way estimate c when round_trip
 * is set (entry and exit) -- else 0 (also for a NaN edge or cost).
 */
int tcost_edge_ok(const struct tcost_params *p, double edge_bp, const struct tcost_estimate *c,
    int round_trip);

/*
 * The floor of the cost filter, known before any size: a round trip
 * crosses the quoted spread at least once in total (half on the way in,
 * half on the way out), whatever the size and the impact, so the
 * round-trip cost in bp of the notional is at least
 *   spread_bp = (ask - bid) / mid x 1e4,  mid = (bid + ask) / 2,
 * and tcost_edge_ok (round trip) refuses every edge_bp below
 * edge_margin x spread_bp.  *spread_bp (may be NULL) gets it.  Returns 1
 * when edge_bp is at least edge_margin x spread_bp, 0 when it is below, -1
 * when it cannot tell (edge NaN, no valid quote: 0 < bid <= ask).
 */
int tcost_spread_ok(const struct tcost_params *p, double edge_bp, double bid, double ask,
    double *spread_bp);

/*
 * Slippage of a fill of qty at price against the arrival mid, signed
 * (positive = worse): bp = side x (price - arrival) / arrival x 1e4,
 * currency = side x (price - arrival) x qty x multiplier.  0, or -1 when an
 * input is not finite or arrival <= 0 (outputs NaN).
 */
int tcost_slippage(int side, double price, double arrival_mid, double qty, double multiplier,
    double *bp, double *currency);

/* Sets f->slippage_bp from its own price and arrival_mid; 0, or -1 with
 * cause (no arrival mid). */
int tcost_fill_tca(struct fill *f, char **cause);

/*
 * Implementation shortfall of order o (its qty, side, multiplier and
 * arrival_mid) over its n fills (each must carry o's client ID), the
 * unfilled rest valued at final_mid (needed only when something is
 * unfilled).  0, or -1 with cause.
 */
int tcost_shortfall(const struct order *o, const struct fill *fills, size_t n,
    double final_mid, struct tcost_shortfall *out, char **cause);

#endif
