/*
 * pretrade.h -- the pre-trade checks every order passes before it is sent:
 * kill switch, malformed order, restricted list, stale market data, price
 * collar, maximum quantity, notional and position, buying power, duplicate
 * order and order rate.
 *
 * DESIGN
 * The OMS thread calls pretrade_check() for every order on every path
 * (strategy, manual, flatten, re-hedge) just before storing it as PENDING;
 * the function is pure apart from the caller-owned history it reads and,
 * when the order passes, appends to.  No locks and no allocation: limits
 * and history are caller-owned fixed-size structs, so a check costs a few
 * hundred nanoseconds and cannot fail for lack of memory.  One thread owns
 * a history (the OMS); it is not safe to share one between threads.
 *
 * The checks run in this fixed order and the first that fails decides the
 * reason (enum order_reason in order.h):
 *
 *   1. OR_KILL_SWITCH  the kill switch is engaged; a risk-reducing order
 *                      passes only when ctx->allow_risk_reducing is set and
 *                      it really reduces the position (opposite side, qty
 *                      <= |position|)
 *   2. OR_BAD_ORDER    malformed: empty or unterminated symbol, side not
 *                      +1/-1, unknown type, quantity not a whole number > 0,
 *                      NaN/non-positive limit or multiplier
 *   3. OR_RESTRICTED   the symbol, an option's underlying (OCC symbol) or a
 *                      leg of a pair "A/B" is on pretrade.restricted
 *   4. OR_STALE_DATA   no quote for the symbol, no valid bid/ask, or the
 *                      quote's exchange time more than pretrade.stale_seconds
 *                      before ctx->now (or that far after it: a bad clock)
 *   5. OR_PRICE_COLLAR a limit more than pretrade.collar (relative) from the
 *                      mid; market orders have no limit to check
 *   6. OR_MAX_QTY      qty > pretrade.max_qty
 *   7. OR_MAX_NOTIONAL qty x price x multiplier > pretrade.max_notional
 *                      (price: the limit, or the far side for a market order)
 *   8. OR_MAX_POSITION |position + side x qty| > pretrade.max_position, unless
 *                      the order shrinks |position|
 *   9. OR_BUYING_POWER the cash the order needs > ctx->buying_power; the part
 *                      of an order that closes a held position needs none,
 *                      the rest needs its notional
 *  10. OR_DUPLICATE    an order with the same symbol, side, qty and strategy
 *                      passed less than pretrade.dup_window seconds ago
 *  11. OR_RATE_LIMIT   pretrade.max_orders orders already passed in the last
 *                      pretrade.rate_window seconds
 *
 * Limits are inclusive: a value equal to its limit passes.  Only orders
 * that pass are recorded in the history, at ctx->now.
 */
#ifndef QD_PRETRADE_H
#define QD_PRETRADE_H

#include <stddef.h>

#include "market.h"
#include "order.h"

struct conf;

#define PRETRADE_RESTRICTED_MAX 64      /* symbols on the restricted list */
#define PRETRADE_HISTORY_MAX 1024       /* passed orders remembered (>= max_orders) */

/* The limits, from the pretrade.* keys (pretrade_limits_from_conf). */
struct pretrade_limits {
	double stale_seconds;   /* oldest quote accepted, seconds */
	double collar;          /* largest |limit - mid| / mid */
	double max_qty;         /* units (shares, contracts) */
	double max_notional;    /* currency */
	double max_position;    /* largest absolute resulting position, units */
	double dup_window;      /* seconds; 0: no duplicate check */
	long max_orders;        /* per rate_window, 1..PRETRADE_HISTORY_MAX */
	double rate_window;     /* seconds */
	size_t nrestricted;
	char restricted[PRETRADE_RESTRICTED_MAX][MARKET_SYMBOL_MAX];
};

/* One passed order, as the duplicate and rate checks need it. */
struct pretrade_entry {
	char symbol[MARKET_SYMBOL_MAX];
	char strategy[24];
	int side;
	double qty;
	double time;
};

/* The last passed orders, a ring of fixed size owned by the caller. */
struct pretrade_history {
	struct pretrade_entry v[PRETRADE_HISTORY_MAX];
	size_t head;            /* where the next entry goes */
	size_t n;               /* entries held, <= PRETRADE_HISTORY_MAX */
};

/* What the checks need to know besides the order. */
struct pretrade_ctx {
	double now;                     /* epoch seconds, same clock as quote exch_time */
	const struct quote *quote;      /* the order symbol's quote, or NULL */
	double position;                /* current signed position in the symbol, units */
	double buying_power;            /* cash available for new exposure, currency */
	int kill_switch;                /* engaged */
	int allow_risk_reducing;        /* risk-reducing orders pass a kill switch */
};

/* Reads the pretrade.* keys; 0, or -1 with cause naming the key (a bad
 * restricted list). */
int pretrade_limits_from_conf(struct conf *conf, struct pretrade_limits *lim, char **cause);
/* Parses a comma-separated symbol list into lim's restricted list; 0, or
 * -1 with cause (empty entry, symbol too long, too many). */
int pretrade_restricted_parse(struct pretrade_limits *lim, const char *list, char **cause);
/* 1 when symbol, its OCC underlying or a leg of a pair is restricted. */
int pretrade_restricted(const struct pretrade_limits *lim, const char *symbol);

/* Empties a history. */
void pretrade_history_init(struct pretrade_history *h);

/*
 * Runs the checks above on o.  Returns OR_NONE and records o in h when it
 * passes; otherwise the reason, with why (len bytes, may be NULL) saying
 * what failed and by how much.
 */
int pretrade_check(const struct pretrade_limits *lim, struct pretrade_history *h,
    const struct order *o, const struct pretrade_ctx *ctx, char *why, size_t len);

#endif
