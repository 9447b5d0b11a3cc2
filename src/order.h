/*
 * order.h -- an order and its life: the state machine every order follows,
 * client order IDs that stay unique across restarts, and fills.
 *
 * DESIGN
 * The OMS thread (oms.c) is the only writer of order state; everything here
 * is plain data and pure functions, so the same rules hold in the OMS, the
 * paper broker, recovery and the tests.  order_transition() is the one way
 * an order's state changes: it refuses every transition the table below
 * does not allow, so no path can, say, fill a cancelled order.
 *
 *   NEW -> PENDING (stored, about to be sent) | REJECTED (pre-trade)
 *   PENDING -> ACCEPTED | REJECTED | PARTIAL | FILLED | CANCELLED | EXPIRED
 *   ACCEPTED -> PARTIAL | FILLED | CANCEL_PENDING | CANCELLED | EXPIRED | REJECTED
 *   PARTIAL -> PARTIAL | FILLED | CANCEL_PENDING | CANCELLED | EXPIRED
 *   CANCEL_PENDING -> CANCELLED | PARTIAL | FILLED (a fill raced the cancel) | EXPIRED
 *   FILLED, CANCELLED, REJECTED, EXPIRED: final
 *
 * Quantities are positive (the side says the direction), in units of the
 * instrument (shares, contracts); prices in the instrument's currency per
 * unit; times epoch seconds.
 */
#ifndef QD_ORDER_H
#define QD_ORDER_H

#include <stddef.h>

#include "market.h"

#define ORDER_ID_MAX 48
#define ORDER_REASON_MAX 160

enum order_state {
	ORDER_NEW = 0,
	ORDER_PENDING,
	ORDER_ACCEPTED,
	ORDER_PARTIAL,
	ORDER_FILLED,
	ORDER_CANCEL_PENDING,
	ORDER_CANCELLED,
	ORDER_REJECTED,
	ORDER_EXPIRED,
	ORDER_NSTATES
};

enum order_type { ORDER_LIMIT = 0, ORDER_MARKET };

/* Why an order was refused before it was sent (pretrade.h) or by the
 * broker. */
enum order_reason {
	OR_NONE = 0,
	OR_KILL_SWITCH,         /* the kill switch is engaged */
	OR_STALE_DATA,          /* no quote, or the quote is older than the limit */
	OR_PRICE_COLLAR,        /* limit too far from the market */
	OR_MAX_QTY,             /* order quantity above the maximum */
	OR_MAX_NOTIONAL,        /* order notional above the maximum */
	OR_MAX_POSITION,        /* the resulting position above the maximum */
	OR_DUPLICATE,           /* the same order within the duplicate window */
	OR_RATE_LIMIT,          /* too many orders in the rate window */
	OR_RESTRICTED,          /* the symbol is on the restricted list */
	OR_BUYING_POWER,        /* not enough buying power */
	OR_RISK_LIMIT,          /* a portfolio limit (gross, net, per name, daily loss) */
	OR_BAD_ORDER,           /* malformed: NaN, non-positive quantity, unknown symbol */
	OR_BROKER,              /* the broker refused it */
	OR_NREASONS
};

struct order {
	long long id;                   /* store row id (0 before it is stored) */
	char client_id[ORDER_ID_MAX];   /* ours, unique across restarts */
	char broker_id[ORDER_ID_MAX];   /* the broker's, once accepted */
	unsigned long signal_id;        /* the signal it came from (0: by hand) */
	char strategy[24];              /* "" for a manual order */
	char symbol[MARKET_SYMBOL_MAX];
	int side;                       /* +1 buy, -1 sell */
	int type;                       /* enum order_type */
	double qty;                     /* > 0 */
	double limit;                   /* limit price (NaN for market) */
	double filled;                  /* quantity filled so far */
	double avg_price;               /* average fill price (NaN before a fill) */
	double multiplier;              /* contract size (1 for shares, 100 for US options) */
	double arrival_mid;             /* mid when the order was created (for TCA) */
	double created, updated;        /* epoch seconds */
	double expires;                 /* epoch seconds; NaN = good for the day */
	int state;                      /* enum order_state */
	int reason;                     /* enum order_reason when rejected */
	char reason_text[ORDER_REASON_MAX];
	int risk_reducing;              /* it reduces an open position (passes a kill switch
					 * only when explicitly allowed) */
};

struct fill {
	long long id;                   /* store row id */
	char client_id[ORDER_ID_MAX];   /* the order's */
	char fill_id[ORDER_ID_MAX];     /* the broker's, unique per fill */
	char symbol[MARKET_SYMBOL_MAX];
	char strategy[24];
	int side;                       /* +1 buy, -1 sell */
	double qty, price, fee;         /* qty > 0; fee in currency, >= 0 */
	double multiplier;
	double time;
	double arrival_mid;             /* for TCA */
	double slippage_bp;             /* signed: positive = paid more than arrival (buy) */
};

/* What happened to one order, as the OMS tells its listener (oms.h,
 * oms_set_update_sink) and the engine tells the order's strategy
 * (strategy.h, on_order_update): sent to the broker (state PENDING), a
 * (partial) fill (last_qty > 0), a final state.  The engine adds what it
 * knows of the signal (instrument, kind, side) on its own thread. */
struct order_update {
	unsigned long signal_id;        /* 0: not from a signal (flatten, by hand) */
	char strategy[24];              /* the order's ("" for a manual order) */
	char instrument[MARKET_SYMBOL_MAX];     /* the signal's; "" when unknown */
	char kind[24];                  /* the signal's ("entry_long", ...); "" when unknown */
	int signal_side;                /* the signal's (SIGNAL_BUY...); 0 when unknown */
	char client_id[ORDER_ID_MAX];
	char symbol[MARKET_SYMBOL_MAX];
	int side;                       /* +1 buy, -1 sell */
	double qty;                     /* ordered, > 0 */
	double filled;                  /* filled so far */
	double avg_price;               /* of the filled quantity; NaN before a fill */
	double last_qty, last_price;    /* this fill; 0 and NaN when the update is no fill */
	int state;                      /* enum order_state after the change */
	double time;                    /* epoch seconds */
};

/* Names: "new", "pending", ..., and the reason codes ("kill_switch", ...). */
const char *order_state_name(int state);
int order_state_parse(const char *s, int *state);
const char *order_reason_name(int reason);
/* Whether a state is final. */
int order_state_final(int state);
/* Whether from -> to is allowed. */
int order_transition_ok(int from, int to);
/* Moves o to state to at time t; 0, or -1 with cause naming the order and
 * both states (o unchanged). */
int order_transition(struct order *o, int to, double t, char **cause);
/* Applies a fill to its order (filled, avg_price, state PARTIAL/FILLED);
 * 0, or -1 with cause (overfill, wrong order, final state). */
int order_apply_fill(struct order *o, const struct fill *f, char **cause);

/*
 * Client order IDs: "QD" + the session prefix + a sequence number.  The
 * session prefix comes from the wall clock in microseconds when the OMS
 * starts (base 36), and the sequence restarts at 1, so IDs of different
 * runs cannot collide while the clock moves forward; the OMS also checks
 * the store, which refuses a duplicate (UNIQUE), before first use.
 */
struct order_ids {
	char prefix[24];
	unsigned long seq;
};
void order_ids_init(struct order_ids *ids, double wall_time);
void order_ids_next(struct order_ids *ids, char out[ORDER_ID_MAX]);

/*
 * The limit price rule of the client's notes: a buy at bid + f x spread, a
 * sell at ask - f x spread (f = orders.limit_fraction, default 0.3),
 * rounded to the tick (buys down, sells up, so the rule never crosses
 * more than it says).  0, or -1 when the quote has no valid bid and ask.
 */
int order_limit_price(int side, double bid, double ask, double fraction, double tick,
    double *price);

#endif
