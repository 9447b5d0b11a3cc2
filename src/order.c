/*
 * order.c -- the order state machine, fills, client order IDs and the limit
 * price rule declared in order.h.
 *
 * Why it exists: every component that touches an order (the OMS thread,
 * the paper broker, recovery, the commands) must agree on which state
 * changes are legal and on how a fill changes an order; keeping those
 * rules as pure functions over plain structs in one file means there is
 * exactly one copy of them.
 *
 * DESIGN
 * Nothing here allocates except the cause strings of the two functions
 * that return one, and nothing keeps state except one atomic in
 * order_ids_init(): the last session stamp handed out in this process, so
 * two OMS starts within the same microsecond (tests, a fast restart in
 * the same process) still get different prefixes.  IDs of different
 * processes differ by the wall clock in microseconds; the OMS checks the
 * store's UNIQUE constraint before first use of a prefix for the case
 * where the clock stepped back.
 */
#include "config.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "order.h"
#include "util.h"

/* State names, indexed by enum order_state. */
static const char *const order_state_names[ORDER_NSTATES] = {
	"new", "pending", "accepted", "partial", "filled", "cancel_pending",
	"cancelled", "rejected", "expired"
};

/* Reason names, indexed by enum order_reason. */
static const char *const order_reason_names[OR_NREASONS] = {
	"none", "kill_switch", "stale_data", "price_collar", "max_qty", "max_notional",
	"max_position", "duplicate", "rate_limit", "restricted", "buying_power",
	"risk_limit", "bad_order", "broker"
};

/*
 * The transition table of order.h: order_next[from] is a bit set of the
 * states from may move to.
 */
#define B(s) (1u << (s))
static const unsigned order_next[ORDER_NSTATES] = {
	[ORDER_NEW] = B(ORDER_PENDING) | B(ORDER_REJECTED),
	[ORDER_PENDING] = B(ORDER_ACCEPTED) | B(ORDER_REJECTED) | B(ORDER_PARTIAL) |
	    B(ORDER_FILLED) | B(ORDER_CANCELLED) | B(ORDER_EXPIRED),
	[ORDER_ACCEPTED] = B(ORDER_PARTIAL) | B(ORDER_FILLED) | B(ORDER_CANCEL_PENDING) |
	    B(ORDER_CANCELLED) | B(ORDER_EXPIRED) | B(ORDER_REJECTED),
	[ORDER_PARTIAL] = B(ORDER_PARTIAL) | B(ORDER_FILLED) | B(ORDER_CANCEL_PENDING) |
	    B(ORDER_CANCELLED) | B(ORDER_EXPIRED),
	[ORDER_CANCEL_PENDING] = B(ORDER_CANCELLED) | B(ORDER_PARTIAL) | B(ORDER_FILLED) |
	    B(ORDER_EXPIRED),
	[ORDER_FILLED] = 0,
	[ORDER_CANCELLED] = 0,
	[ORDER_REJECTED] = 0,
	[ORDER_EXPIRED] = 0,
};
#undef B

/* Relative slack when comparing summed fill quantities with the order's. */
#define ORDER_QTY_EPS 1e-9

/* Returns the name of a state, or "?" for a value out of range. */
const char *order_state_name(int state)
{
	if (state < 0 || state >= ORDER_NSTATES)
		return "?";
	return order_state_names[state];
}

/* Parses a state name into *state; 0, or -1 when the name is unknown. */
int order_state_parse(const char *s, int *state)
{
	int i;

	if (s == NULL)
		return -1;
	for (i = 0; i < ORDER_NSTATES; i++) {
		if (strcmp(s, order_state_names[i]) == 0) {
			*state = i;
			return 0;
		}
	}
	return -1;
}

/* Returns the name of a reason code, or "?" for a value out of range. */
const char *order_reason_name(int reason)
{
	if (reason < 0 || reason >= OR_NREASONS)
		return "?";
	return order_reason_names[reason];
}

/* Returns 1 when a state is final (no transition leaves it). */
int order_state_final(int state)
{
	return state == ORDER_FILLED || state == ORDER_CANCELLED ||
	    state == ORDER_REJECTED || state == ORDER_EXPIRED;
}

/* Returns 1 when the table allows from -> to, 0 otherwise. */
int order_transition_ok(int from, int to)
{
	if (from < 0 || from >= ORDER_NSTATES || to < 0 || to >= ORDER_NSTATES)
		return 0;
	return (order_next[from] & (1u << to)) != 0;
}

/* Moves o to state to at time t, refusing what the table does not allow. */
int order_transition(struct order *o, int to, double t, char **cause)
{
	if (!order_transition_ok(o->state, to)) {
		if (cause != NULL)
			*cause = xasprintf("order %s (%s): illegal transition from %s to %s",
			    o->client_id[0] != '\0' ? o->client_id : "(no id)", o->symbol,
			    order_state_name(o->state), order_state_name(to));
		return -1;
	}
	o->state = to;
	if (isfinite(t))
		o->updated = t;
	return 0;
}

/* Sets *cause (when wanted) to a message about fill f on order o. */
static int order_fill_fail(const struct order *o, const struct fill *f, char **cause,
    const char *what)
{
	if (cause != NULL)
		*cause = xasprintf("fill %s of order %s (%s %s): %s",
		    f->fill_id[0] != '\0' ? f->fill_id : "(no id)",
		    o->client_id[0] != '\0' ? o->client_id : "(no id)", o->symbol,
		    order_state_name(o->state), what);
	return -1;
}

/* Applies fill f to order o: quantity, average price and state. */
int order_apply_fill(struct order *o, const struct fill *f, char **cause)
{
	double total, next_avg;
	int to;
	char msg[160];

	if (strncmp(f->client_id, o->client_id, ORDER_ID_MAX) != 0)
		return order_fill_fail(o, f, cause, "it belongs to another order");
	if (strncmp(f->symbol, o->symbol, MARKET_SYMBOL_MAX) != 0)
		return order_fill_fail(o, f, cause, "symbol differs from the order's");
	if (f->side != o->side)
		return order_fill_fail(o, f, cause, "side differs from the order's");
	if (!isfinite(f->qty) || f->qty <= 0)
		return order_fill_fail(o, f, cause, "quantity is not a positive number");
	if (!isfinite(f->price) || f->price <= 0)
		return order_fill_fail(o, f, cause, "price is not a positive number");
	if (isfinite(f->multiplier) && isfinite(o->multiplier) && f->multiplier != o->multiplier)
		return order_fill_fail(o, f, cause, "multiplier differs from the order's");
	if (order_state_final(o->state))
		return order_fill_fail(o, f, cause, "the order is already final");
	if (!isfinite(o->qty) || o->qty <= 0 || !isfinite(o->filled) || o->filled < 0)
		return order_fill_fail(o, f, cause, "the order's quantities are invalid");
	total = o->filled + f->qty;
	if (total > o->qty * (1 + ORDER_QTY_EPS)) {
		snprintf(msg, sizeof msg, "overfill: %.17g filled + %.17g > %.17g ordered",
		    o->filled, f->qty, o->qty);
		return order_fill_fail(o, f, cause, msg);
	}
	to = total >= o->qty * (1 - ORDER_QTY_EPS) ? ORDER_FILLED : ORDER_PARTIAL;
	if (!order_transition_ok(o->state, to)) {
		snprintf(msg, sizeof msg, "a fill is not allowed in state %s",
		    order_state_name(o->state));
		return order_fill_fail(o, f, cause, msg);
	}
	if (o->filled > 0 && isfinite(o->avg_price))
		next_avg = (o->avg_price * o->filled + f->price * f->qty) / total;
	else
		next_avg = f->price;
	o->filled = to == ORDER_FILLED ? o->qty : total;
	o->avg_price = next_avg;
	o->state = to;
	if (isfinite(f->time))
		o->updated = f->time;
	return 0;
}

/* The last session stamp (microseconds) given out in this process. */
static _Atomic long long order_ids_last;

/* Writes v in base 36, upper case, zero-padded to width digits. */
static void order_base36(unsigned long long v, char *out, int width)
{
	static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	int i;

	out[width] = '\0';
	for (i = width - 1; i >= 0; i--) {
		out[i] = digits[v % 36];
		v /= 36;
	}
}

/*
 * Starts a session of client order IDs from the wall clock: the prefix is
 * "QD" and the time in microseconds in 10 base-36 digits (enough until
 * 2085), at least one microsecond after any prefix this process made.
 */
void order_ids_init(struct order_ids *ids, double wall_time)
{
	long long us, last;

	if (!isfinite(wall_time) || wall_time <= 0 || wall_time > 3e9)
		wall_time = now_wall();
	us = (long long)floor(wall_time * 1e6);
	last = atomic_load(&order_ids_last);
	do {
		if (us <= last)
			us = last + 1;
	} while (!atomic_compare_exchange_weak(&order_ids_last, &last, us));
	memcpy(ids->prefix, "QD", 2);
	order_base36((unsigned long long)us, ids->prefix + 2, 10);
	ids->seq = 0;
}

/* Writes the next client order ID, PREFIX-SEQ, sequence from 1. */
void order_ids_next(struct order_ids *ids, char out[ORDER_ID_MAX])
{
	ids->seq++;
	snprintf(out, ORDER_ID_MAX, "%s-%lu", ids->prefix, ids->seq);
}

/*
 * The limit price rule: bid + f x spread for a buy (rounded down to the
 * tick), ask - f x spread for a sell (rounded up).  A tick whose inverse
 * is a whole number (0.01, 0.05, 0.25) gives n / (1 / tick), the double
 * nearest the decimal price; the 1e-9 slack stops a price already on the
 * tick (100.03 / 0.01 = 10002.999...) from moving a tick.
 */
int order_limit_price(int side, double bid, double ask, double fraction, double tick,
    double *price)
{
	double p, n, inv;

	if (!isfinite(bid) || !isfinite(ask) || bid <= 0 || ask < bid)
		return -1;
	if (!isfinite(fraction) || fraction < 0 || fraction > 1)
		return -1;
	if (!isfinite(tick) || tick <= 0 || (side != 1 && side != -1))
		return -1;
	if (side == 1) {
		p = bid + fraction * (ask - bid);
		n = floor(p / tick + 1e-9);
	} else {
		p = ask - fraction * (ask - bid);
		n = ceil(p / tick - 1e-9);
	}
	inv = 1 / tick;
	if (fabs(inv - nearbyint(inv)) < 1e-9 * inv)
		p = n / nearbyint(inv);
	else
		p = n * tick;
	if (!(p > 0))
		return -1;
	*price = p;
	return 0;
}
