/*
 * oms.h -- the order manager: the one thread that owns order state.
 *
 * DESIGN
 * Everything that changes an order goes through the OMS thread's request
 * queue (submit, cancel, flatten, kill), and the OMS thread is the only
 * writer of orders, fills and positions (ARCHITECTURE.md).  Before every
 * send it reads the kill switch (one atomic flag) and runs the pre-trade
 * checks (pretrade.h); an order is stored (state PENDING) before it is
 * sent, so a crash never loses one.  Broker events (acks, fills, cancels)
 * are applied in one store transaction each: the fill, the order, the
 * position and the audit entry together, and a fill the store has already
 * seen is refused, so replaying the broker after a crash never doubles.
 *
 * At start the OMS restores the open orders from the store, asks the
 * broker for its own view and reconciles: fills the store missed are
 * applied, orders the broker never received are marked rejected, and every
 * difference is reported (log, alert, audit).
 *
 * The kill switch is engaged by oms_kill() from any thread (the console's
 * key, `kill`, the daily loss limit, the loss of market data, a signal
 * policy): the flag is set at once, so no order is sent after the call
 * returns; the OMS thread then cancels every working order and, with
 * flatten, closes the positions.  The state persists in the store: an OMS
 * that stopped killed starts killed.
 */
#ifndef QD_OMS_H
#define QD_OMS_H

#include <stddef.h>

#include "order.h"
#include "trade-signal.h"

struct conf;

struct oms_status {
	int running;
	int killed;
	char kill_reason[160];
	double kill_time;               /* epoch seconds of the last engagement */
	double kill_cancel_ms;          /* engage -> last cancel sent, milliseconds */
	size_t working;                 /* orders not final */
	unsigned long sent, filled, rejected, cancelled;
	unsigned long reconciled_fills; /* fills applied from the broker at start */
	unsigned long differences;      /* reconciliation differences reported */
	char broker[32];
	char last_error[256];
};

/* Starts the OMS thread with the configured broker (orders.broker);
 * restores and reconciles.  0, or -1 with cause. */
int oms_start(struct conf *conf, char **cause);
void oms_stop(void);
int oms_running(void);
void oms_get_status(struct oms_status *st);

/* The kill switch (any thread; never blocks on the OMS). */
void oms_kill(const char *reason, int flatten);
int oms_killed(void);
/* Engages it in the store when no OMS runs (the next one starts killed):
 * the `kill` command's and the kill key's path with the engine stopped.
 * 0, or -1 with cause (the store cannot be opened or written). */
int oms_kill_stored(struct conf *conf, const char *why, char **cause);
/* Releases it; 0, or -1 with cause (not engaged, OMS not running). */
int oms_resume(const char *user, char **cause);

/*
 * Turns an approved signal into orders (one per leg: sized, priced by the
 * limit rule, checked, stored, sent) and waits up to timeout seconds for
 * them to be sent or refused.  *out gets the orders (the caller frees it).
 * Orders whose notional together passes orders.confirm_notional are
 * placed only when confirmed is set (the trader said --yes).
 * 0, or -1 with cause (OMS not running, queue full, not confirmed).
 */
int oms_submit_signal(const struct signal *s, const char *user, int confirmed, double timeout,
    struct order **out, size_t *n, char **cause);
/* Queues an approved signal without waiting (the engine's automatic
 * approvals); 0, or -1 with cause. */
int oms_post_signal(const struct signal *s, const char *user);

/* Closes every position with orders (risk-reducing, allowed while killed
 * when allow_killed is set); waits as above. */
int oms_flatten(int allow_killed, double timeout, struct order **out, size_t *n, char **cause);
/* Cancels one working order; 0, or -1 with cause. */
int oms_cancel(const char *client_id, char **cause);

/*
 * The listener of order updates (struct order_update, order.h): called on
 * the OMS thread for every order that has a strategy, when it is sent
 * (PENDING), at each fill and at its final state -- so it must only copy
 * and queue (the engine's posts to its own queue; strategy code never runs
 * on the OMS thread).  It must not call into the OMS.  NULL: none.
 */
typedef void (*oms_update_fn)(void *arg, const struct order_update *u);
void oms_set_update_sink(oms_update_fn fn, void *arg);

/*
 * What the strategies hold and have working, as the OMS keeps it (after
 * its restore and reconciliation at start): the non-zero positions of
 * every strategy per symbol, and the orders of a strategy not yet final
 * as order updates (no fill: last_qty 0).  oms_holdings() has the OMS
 * thread call fn with them between two of its events, so every update
 * posted before the call is included and every later one is news -- fn
 * must only copy and queue (strategy code never runs on the OMS thread),
 * and not call into the OMS.  It waits up to timeout seconds for the
 * call; 0, or -1 with cause (OMS not running, no answer).
 */
struct oms_holding {
	char strategy[24];
	char symbol[MARKET_SYMBOL_MAX];
	double qty;                     /* signed */
};
typedef void (*oms_holdings_fn)(void *arg, const struct oms_holding *pos, size_t npos,
    const struct order_update *working, size_t nworking);
int oms_holdings(oms_holdings_fn fn, void *arg, double timeout, char **cause);

#endif
