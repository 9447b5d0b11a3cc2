/*
 * order-legs.c -- follows the orders of multi-leg signals to their end
 * and says when the legs filled unevenly (see order-legs.h for why).
 *
 * A group per signal, in a small array searched linearly: a book has a
 * handful of multi-leg signals working at once, and a group leaves the
 * array as soon as its last order is final.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "order-legs.h"
#include "util.h"

/* The group and leg of a client ID, or NULL. */
static struct order_leg_group *order_legs_find(struct order_legs *s, const struct order *o,
    size_t *gi, size_t *li)
{
	size_t i, k;

	for (i = 0; i < s->n; i++) {
		if (s->g[i].signal_id != o->signal_id)
			continue;
		for (k = 0; k < s->g[i].n; k++)
			if (strcmp(s->g[i].leg[k].client_id, o->client_id) == 0) {
				*gi = i;
				*li = k;
				return &s->g[i];
			}
	}
	return NULL;
}

/* When every leg is final: drops the group; 1 with msg when the legs
 * filled in different proportions, else 0.  0 while a leg works. */
static int order_legs_check(struct order_legs *s, size_t gi, char *msg, size_t len)
{
	struct order_leg_group *g = &s->g[gi];
	double lo = INFINITY, hi = -INFINITY;
	size_t k, used;
	int uneven;

	for (k = 0; k < g->n; k++) {
		double f = g->leg[k].qty > 0 ? g->leg[k].filled / g->leg[k].qty : 0;

		if (!g->leg[k].final)
			return 0;
		lo = fmin(lo, f);
		hi = fmax(hi, f);
	}
	/* Same proportion to a part in a million: whole shares of legs sized
	 * from one unit count cannot differ less without being equal. */
	uneven = hi - lo > 1e-6;
	if (uneven && msg != NULL && len > 0) {
		used = (size_t)snprintf(msg, len, "signal %lu (%s) legs filled unevenly:",
		    g->signal_id, g->strategy[0] ? g->strategy : "manual");
		for (k = 0; k < g->n && used < len; k++)
			used += (size_t)snprintf(msg + used, len - used, "%s %s %s %g of %g",
			    k ? "," : "", g->leg[k].symbol, g->leg[k].side > 0 ? "buy" : "sell",
			    g->leg[k].filled, g->leg[k].qty);
		if (used < len)
			snprintf(msg + used, len - used, " -- the book holds an unhedged leg "
			    "(flatten, or complete it by hand)");
	}
	s->g[gi] = s->g[--s->n];
	return uneven;
}

/* Follows a signal's orders. */
int order_legs_add(struct order_legs *s, const struct order *o, size_t n, char *msg, size_t len)
{
	struct order_leg_group *g;
	size_t k;

	if (n < 2 || o[0].signal_id == 0)
		return 0;
	if (n > ORDER_LEGS_MAX)
		n = ORDER_LEGS_MAX;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->g = xrealloc(s->g, s->cap * sizeof *s->g);
	}
	g = &s->g[s->n++];
	memset(g, 0, sizeof *g);
	g->signal_id = o[0].signal_id;
	snprintf(g->strategy, sizeof g->strategy, "%s", o[0].strategy);
	g->n = n;
	for (k = 0; k < n; k++) {
		struct order_leg *l = &g->leg[k];

		snprintf(l->client_id, sizeof l->client_id, "%s", o[k].client_id);
		snprintf(l->symbol, sizeof l->symbol, "%s", o[k].symbol);
		l->side = o[k].side;
		l->qty = o[k].qty;
		l->filled = o[k].filled;
		/* a leg that never got a client ID was never sent */
		l->final = order_state_final(o[k].state) || o[k].client_id[0] == '\0';
	}
	return order_legs_check(s, s->n - 1, msg, len);
}

/* Takes an order's new state. */
int order_legs_update(struct order_legs *s, const struct order *o, char *msg, size_t len)
{
	struct order_leg_group *g;
	size_t gi, li;

	if (o->signal_id == 0 || (g = order_legs_find(s, o, &gi, &li)) == NULL)
		return 0;
	g->leg[li].filled = o->filled;
	g->leg[li].final = order_state_final(o->state);
	return order_legs_check(s, gi, msg, len);
}

/* Groups followed. */
size_t order_legs_count(const struct order_legs *s)
{
	return s->n;
}

/* Frees the set. */
void order_legs_free(struct order_legs *s)
{
	free(s->g);
	memset(s, 0, sizeof *s);
}
