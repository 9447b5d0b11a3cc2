/*
 * order-legs.h -- the legs of a multi-leg signal (a pair, a calendar, an
 * option and its hedge) followed to the end: when every leg's order is
 * final and they filled unevenly, the book holds an unhedged leg.
 *
 * The order manager registers the orders it made from one signal and
 * hands every change of those orders here; when the last one becomes
 * final, order_legs_update() says whether the legs filled in the same
 * proportion and, if not, writes what is left unhedged, for an alert and
 * the audit trail.  It does not trade: chasing or unwinding a leg is the
 * trader's decision (flatten, or an order by hand).
 *
 * Plain data, no locks: the order manager's thread owns the set.
 */
#ifndef QD_ORDER_LEGS_H
#define QD_ORDER_LEGS_H

#include <stddef.h>

#include "order.h"

#define ORDER_LEGS_MAX 8        /* orders of one signal that are followed */

struct order_leg {
	char client_id[ORDER_ID_MAX];
	char symbol[MARKET_SYMBOL_MAX];
	int side;                       /* +1 buy, -1 sell */
	double qty, filled;             /* shares or contracts */
	int final;
};

struct order_leg_group {
	unsigned long signal_id;
	char strategy[24];
	size_t n;
	struct order_leg leg[ORDER_LEGS_MAX];
};

struct order_legs {
	struct order_leg_group *g;
	size_t n, cap;
};

/* Follows the n orders made from one signal (n >= 2; fewer, or a
 * signal id of 0, are not followed).  Orders already final count as they
 * are.  Returns what order_legs_update returns for the group. */
int order_legs_add(struct order_legs *s, const struct order *o, size_t n, char *msg, size_t len);
/* Takes the new state of an order (its filled quantity and whether it is
 * final).  When it completes its group, the group is dropped and the
 * return is 1 with msg describing the uneven fill ("signal 12 (meanrev)
 * legs filled unevenly: PR3B buy 600 of 600, PR3A sell 0 of 300"), or 0
 * when the legs filled in the same proportion.  0 too for an order that
 * is not followed or a group still working. */
int order_legs_update(struct order_legs *s, const struct order *o, char *msg, size_t len);
/* Groups followed. */
size_t order_legs_count(const struct order_legs *s);
void order_legs_free(struct order_legs *s);

#endif
