/*
 * trade-signal.c -- the signal value (trade-signal.h): building one, lists of them,
 * and the confidence-weighted vote that aggregates many strategies'
 * signals into one decision per instrument.
 *
 * Every strategy (strat-*.c) fills its signals through signal_init(),
 * signal_add_leg(), signal_rationale() and signal_inputs(); the engine
 * keeps them in a signal_list and runs signal_aggregate() over it after
 * each strategy run.  No threads, no globals: the caller owns the lists.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trade-signal.h"
#include "util.h"

/* Makes a list empty with no storage. */
void signal_list_init(struct signal_list *l)
{
	l->v = NULL;
	l->n = l->cap = 0;
}

/* Frees a list's storage and leaves it empty. */
void signal_list_free(struct signal_list *l)
{
	free(l->v);
	signal_list_init(l);
}

/* Empties a list, keeping its storage. */
void signal_list_clear(struct signal_list *l)
{
	l->n = 0;
}

/* Appends a copy of s and returns the stored copy. */
struct signal *signal_list_push(struct signal_list *l, const struct signal *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap != 0 ? 2 * l->cap : 16;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n] = *s;
	return &l->v[l->n++];
}

/* Copies src into a fixed buffer, truncating, always terminated. */
static void signal_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "");
}

/* Starts a signal: zeroed, with its identity, side and times set. */
void signal_init(struct signal *s, const char *strategy, const char *instrument,
    const char *underlying, const char *kind, int side, double time, double expires)
{
	memset(s, 0, sizeof *s);
	signal_copy(s->strategy, sizeof s->strategy, strategy);
	signal_copy(s->instrument, sizeof s->instrument, instrument);
	signal_copy(s->underlying, sizeof s->underlying, underlying);
	signal_copy(s->kind, sizeof s->kind, kind);
	s->side = side;
	s->edge_bp = NAN;
	s->time = isfinite(time) ? time : 0;
	s->expires = isfinite(expires) ? expires : s->time;
	s->state = SIGNAL_PENDING;
	signal_copy(s->inputs, sizeof s->inputs, "{}");
}

/* Adds a leg; -1 when the signal already has SIGNAL_LEGS_MAX legs. */
int signal_add_leg(struct signal *s, const char *symbol, double qty)
{
	if (s->nlegs >= SIGNAL_LEGS_MAX)
		return -1;
	signal_copy(s->legs[s->nlegs].symbol, sizeof s->legs[s->nlegs].symbol, symbol);
	s->legs[s->nlegs].qty = qty;
	s->nlegs++;
	return 0;
}

/* Writes the rationale (truncated to fit). */
void signal_rationale(struct signal *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->rationale, sizeof s->rationale, fmt, ap);
	va_end(ap);
}

/* Writes the inputs; a JSON object that does not fit is replaced by
 * {"truncated":true} so the field is always valid JSON. */
void signal_inputs(struct signal *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->inputs, sizeof s->inputs, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof s->inputs)
		signal_copy(s->inputs, sizeof s->inputs, "{\"truncated\":true}");
}

/* "buy", "sell" or "exit". */
const char *signal_side_name(int side)
{
	switch (side) {
	case SIGNAL_BUY:
		return "buy";
	case SIGNAL_SELL:
		return "sell";
	case SIGNAL_EXIT:
		return "exit";
	}
	return "?";
}

/* "pending", "lost", "expired", "approved" or "rejected". */
const char *signal_state_name(int state)
{
	switch (state) {
	case SIGNAL_PENDING:
		return "pending";
	case SIGNAL_LOST:
		return "lost";
	case SIGNAL_EXPIRED:
		return "expired";
	case SIGNAL_APPROVED:
		return "approved";
	case SIGNAL_REJECTED:
		return "rejected";
	case SIGNAL_UNECONOMIC:
		return "uneconomic";
	}
	return "?";
}

/* Index 0..2 of a side in the vote (exit is a side of its own). */
static int signal_vote_slot(int side)
{
	return side == SIGNAL_SELL ? 0 : side == SIGNAL_EXIT ? 1 : 2;
}

/* Side of a vote slot. */
static int signal_slot_side(int k)
{
	return k == 0 ? SIGNAL_SELL : k == 1 ? SIGNAL_EXIT : SIGNAL_BUY;
}

/* Runs the vote among the n signals p[0..n-1] of one instrument; returns
 * how many stay pending. */
static size_t signal_vote(struct signal **p, size_t n, double ratio)
{
	double w[3] = { 0, 0, 0 };
	int present[3] = { 0, 0, 0 }, k, first = -1, second = -1, win;
	size_t i, pending = 0;

	for (i = 0; i < n; i++) {
		double c = isfinite(p[i]->confidence) && p[i]->confidence > 0 ?
		    p[i]->confidence : 0;

		k = signal_vote_slot(p[i]->side);
		w[k] += c;
		present[k] = 1;
	}
	for (k = 0; k < 3; k++) {
		if (!present[k])
			continue;
		if (first < 0 || w[k] > w[first]) {
			second = first;
			first = k;
		} else if (second < 0 || w[k] > w[second])
			second = k;
	}
	/* a lone side wins; otherwise the largest sum must be strictly the
	 * largest and at least ratio times the runner-up's */
	win = second < 0 || (w[first] > w[second] && w[first] >= ratio * w[second]);
	for (i = 0; i < n; i++) {
		struct signal *x = p[i];

		if (win && signal_vote_slot(x->side) == first) {
			x->state = SIGNAL_PENDING;
			x->reason[0] = '\0';
			pending++;
		} else if (win) {
			x->state = SIGNAL_LOST;
			snprintf(x->reason, sizeof x->reason,
			    "outvoted: %s wins %.3f vs %s %.3f (ratio %.3g)",
			    signal_side_name(signal_slot_side(first)), w[first],
			    signal_side_name(signal_slot_side(second)), w[second], ratio);
		} else {
			x->state = SIGNAL_LOST;
			snprintf(x->reason, sizeof x->reason,
			    "conflict: %s %.3f vs %s %.3f below ratio %.3g",
			    signal_side_name(signal_slot_side(first)), w[first],
			    signal_side_name(signal_slot_side(second)), w[second], ratio);
		}
	}
	return pending;
}

/* Orders signal pointers by instrument, then by address (their order in
 * the caller's array), so each instrument's signals end up together. */
static int signal_cmp_ptr(const void *a, const void *b)
{
	const struct signal *x = *(struct signal *const *)a, *y = *(struct signal *const *)b;
	int c = strcmp(x->instrument, y->instrument);

	if (c != 0)
		return c;
	return x < y ? -1 : x > y;
}

/* 1 when a signal takes part in votes (not decided by a human or risk). */
static int signal_votes(const struct signal *x)
{
	return x->state != SIGNAL_APPROVED && x->state != SIGNAL_REJECTED;
}

/* Aggregates n signals in place (see trade-signal.h); returns how many are
 * left pending.  O(n log n): the voters are sorted by instrument. */
size_t signal_aggregate(struct signal *s, size_t n, double ratio, double now)
{
	struct signal **p;
	size_t m = 0, i, j, pending = 0;

	if (!(ratio >= 1))
		ratio = 1;      /* NaN or below 1: a plain majority by weight */
	if (n == 0)
		return 0;
	p = xmalloc(n * sizeof *p);
	for (i = 0; i < n; i++) {
		if (!signal_votes(&s[i]))
			continue;
		if (!(s[i].expires >= now)) {
			s[i].state = SIGNAL_EXPIRED;
			snprintf(s[i].reason, sizeof s[i].reason, "expired");
			continue;
		}
		if (s[i].state != SIGNAL_UNECONOMIC)
			p[m++] = &s[i];
	}
	qsort(p, m, sizeof *p, signal_cmp_ptr);
	for (i = 0; i < m; i = j) {
		for (j = i + 1; j < m && strcmp(p[j]->instrument, p[i]->instrument) == 0; j++)
			;
		pending += signal_vote(p + i, j - i, ratio);
	}
	free(p);
	return pending;
}
