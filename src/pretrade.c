/*
 * pretrade.c -- the pre-trade checks of pretrade.h, in the order listed
 * there, and the restricted list.
 *
 * Why it exists: ARCHITECTURE.md requires that no order reaches a broker
 * without passing the same gate; the OMS calls pretrade_check() on every
 * path, and the checks live here as one pure function so that the OMS,
 * the tests and the benchmark run exactly the same code.
 *
 * DESIGN
 * Single-threaded by contract: the caller (the OMS thread) owns the limits
 * and the history.  No allocation, no I/O, no locks; each check is a few
 * comparisons, the duplicate and rate checks a backwards walk of the ring
 * that stops at the edge of their window (the rate walk also stops after
 * max_orders entries).  A failing check writes its reason text with
 * snprintf into the caller's buffer and returns at once.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "pretrade.h"
#include "util.h"

/* Writes a reason text into why (if any) and returns reason. */
static int pretrade_fail(char *why, size_t len, int reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int pretrade_fail(char *why, size_t len, int reason, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && len > 0) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return reason;
}

/* Reads the pretrade.* keys into lim. */
int pretrade_limits_from_conf(struct conf *conf, struct pretrade_limits *lim, char **cause)
{
	char *why = NULL;

	memset(lim, 0, sizeof *lim);
	lim->stale_seconds = conf_get_double(conf, "pretrade.stale_seconds");
	lim->collar = conf_get_double(conf, "pretrade.collar");
	lim->max_qty = conf_get_double(conf, "pretrade.max_qty");
	lim->max_notional = conf_get_double(conf, "pretrade.max_notional");
	lim->max_position = conf_get_double(conf, "pretrade.max_position");
	lim->dup_window = conf_get_double(conf, "pretrade.dup_window");
	lim->max_orders = conf_get_int(conf, "pretrade.max_orders");
	lim->rate_window = conf_get_double(conf, "pretrade.rate_window");
	if (lim->max_orders < 1 || lim->max_orders > PRETRADE_HISTORY_MAX) {
		if (cause != NULL)
			*cause = xasprintf("pretrade.max_orders: %ld is outside 1..%d",
			    lim->max_orders, PRETRADE_HISTORY_MAX);
		return -1;
	}
	if (pretrade_restricted_parse(lim, conf_get_str(conf, "pretrade.restricted"),
	    &why) != 0) {
		if (cause != NULL)
			*cause = xasprintf("pretrade.restricted: %s", why);
		free(why);
		return -1;
	}
	return 0;
}

/* Parses "SYM1, SYM2,..." into lim->restricted. */
int pretrade_restricted_parse(struct pretrade_limits *lim, const char *list, char **cause)
{
	const char *p = list != NULL ? list : "", *start, *end;
	size_t n = 0, k = 1, w;

	lim->nrestricted = 0;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		return 0;
	for (;;) {
		start = p;
		while (*p != ',' && *p != '\0')
			p++;
		end = p;
		while (start < end && isspace((unsigned char)*start))
			start++;
		while (end > start && isspace((unsigned char)end[-1]))
			end--;
		w = (size_t)(end - start);
		if (w == 0) {
			if (cause != NULL)
				*cause = xasprintf("entry %zu is empty", k);
			return -1;
		}
		if (w >= MARKET_SYMBOL_MAX) {
			if (cause != NULL)
				*cause = xasprintf("entry %zu '%.*s' is longer than %d characters",
				    k, (int)w, start, MARKET_SYMBOL_MAX - 1);
			return -1;
		}
		if (n == PRETRADE_RESTRICTED_MAX) {
			if (cause != NULL)
				*cause = xasprintf("more than %d symbols", PRETRADE_RESTRICTED_MAX);
			return -1;
		}
		memcpy(lim->restricted[n], start, w);
		lim->restricted[n][w] = '\0';
		n++;
		k++;
		if (*p == '\0')
			break;
		p++;
	}
	lim->nrestricted = n;
	return 0;
}

/* 1 when the w bytes at s name a restricted symbol (case-insensitive). */
static int pretrade_listed(const struct pretrade_limits *lim, const char *s, size_t w)
{
	size_t i;

	if (w == 0 || w >= MARKET_SYMBOL_MAX)
		return 0;
	for (i = 0; i < lim->nrestricted; i++) {
		if (strncasecmp(lim->restricted[i], s, w) == 0 && lim->restricted[i][w] == '\0')
			return 1;
	}
	return 0;
}

/*
 * Length of the root of an OCC option symbol ("AAPL  240119C00190000",
 * padding optional): the text before YYMMDD C|P 8 digits, without the
 * padding; 0 when symbol is not one.
 */
static size_t pretrade_occ_root(const char *symbol, size_t len)
{
	const char *t;
	size_t i, root;

	if (len < 16)
		return 0;
	t = symbol + len - 15;
	for (i = 0; i < 15; i++) {
		if (i == 6) {
			if (t[i] != 'C' && t[i] != 'P')
				return 0;
		} else if (!isdigit((unsigned char)t[i]))
			return 0;
	}
	root = len - 15;
	while (root > 0 && symbol[root - 1] == ' ')
		root--;
	return root;
}

/* 1 when symbol, its OCC underlying or a leg of a pair "A/B" is restricted. */
int pretrade_restricted(const struct pretrade_limits *lim, const char *symbol)
{
	size_t len, root;
	const char *slash;

	if (lim->nrestricted == 0 || symbol == NULL)
		return 0;
	len = strnlen(symbol, MARKET_SYMBOL_MAX);
	if (pretrade_listed(lim, symbol, len))
		return 1;
	root = pretrade_occ_root(symbol, len);
	if (root > 0 && pretrade_listed(lim, symbol, root))
		return 1;
	slash = memchr(symbol, '/', len);
	if (slash != NULL) {
		if (pretrade_listed(lim, symbol, (size_t)(slash - symbol)))
			return 1;
		if (pretrade_listed(lim, slash + 1, len - (size_t)(slash - symbol) - 1))
			return 1;
	}
	return 0;
}

/* Empties a history. */
void pretrade_history_init(struct pretrade_history *h)
{
	h->head = 0;
	h->n = 0;
}

/* Appends a passed order at time t, overwriting the oldest when full. */
static void pretrade_history_add(struct pretrade_history *h, const struct order *o, double t)
{
	struct pretrade_entry *e = &h->v[h->head];

	memcpy(e->symbol, o->symbol, sizeof e->symbol);
	memcpy(e->strategy, o->strategy, sizeof e->strategy);
	e->side = o->side;
	e->qty = o->qty;
	e->time = t;
	h->head = (h->head + 1) % PRETRADE_HISTORY_MAX;
	if (h->n < PRETRADE_HISTORY_MAX)
		h->n++;
}

/* The i-th newest entry of h (i = 0: the newest), i < h->n. */
static const struct pretrade_entry *pretrade_history_at(const struct pretrade_history *h,
    size_t i)
{
	return &h->v[(h->head + PRETRADE_HISTORY_MAX - 1 - i) % PRETRADE_HISTORY_MAX];
}

/* Check 1: the kill switch, with its risk-reducing exception. */
static int pretrade_kill(const struct order *o, const struct pretrade_ctx *ctx, char *why,
    size_t len)
{
	if (!ctx->kill_switch)
		return OR_NONE;
	if (!o->risk_reducing)
		return pretrade_fail(why, len, OR_KILL_SWITCH, "kill switch engaged");
	if (!ctx->allow_risk_reducing)
		return pretrade_fail(why, len, OR_KILL_SWITCH,
		    "kill switch engaged: risk-reducing orders are not allowed now");
	/* It must really reduce: opposite side to the position, no larger. */
	if (!(isfinite(ctx->position) && ctx->position != 0 &&
	    (double)o->side * ctx->position < 0 && o->qty <= fabs(ctx->position)))
		return pretrade_fail(why, len, OR_KILL_SWITCH,
		    "kill switch engaged: %s %g %s does not reduce the position %g",
		    o->side > 0 ? "buy" : "sell", o->qty, o->symbol, ctx->position);
	return OR_NONE;
}

/* Check 2: a malformed order. */
static int pretrade_malformed(const struct order *o, char *why, size_t len)
{
	if (memchr(o->symbol, '\0', sizeof o->symbol) == NULL)
		return pretrade_fail(why, len, OR_BAD_ORDER, "symbol is not terminated");
	if (o->symbol[0] == '\0')
		return pretrade_fail(why, len, OR_BAD_ORDER, "no symbol");
	if (memchr(o->strategy, '\0', sizeof o->strategy) == NULL)
		return pretrade_fail(why, len, OR_BAD_ORDER, "%s: strategy is not terminated",
		    o->symbol);
	if (o->side != 1 && o->side != -1)
		return pretrade_fail(why, len, OR_BAD_ORDER, "%s: side %d is not +1 or -1",
		    o->symbol, o->side);
	if (o->type != ORDER_LIMIT && o->type != ORDER_MARKET)
		return pretrade_fail(why, len, OR_BAD_ORDER, "%s: unknown order type %d",
		    o->symbol, o->type);
	if (!isfinite(o->qty) || o->qty <= 0 || o->qty != floor(o->qty))
		return pretrade_fail(why, len, OR_BAD_ORDER,
		    "%s: quantity %g is not a whole number > 0", o->symbol, o->qty);
	if (o->type == ORDER_LIMIT && (!isfinite(o->limit) || o->limit <= 0))
		return pretrade_fail(why, len, OR_BAD_ORDER, "%s: limit price %g is not > 0",
		    o->symbol, o->limit);
	if (!isfinite(o->multiplier) || o->multiplier <= 0)
		return pretrade_fail(why, len, OR_BAD_ORDER, "%s: multiplier %g is not > 0",
		    o->symbol, o->multiplier);
	return OR_NONE;
}

/* Check 4: a quote for the symbol, with a bid and an ask, recent enough. */
static int pretrade_stale(const struct pretrade_limits *lim, const struct order *o,
    const struct pretrade_ctx *ctx, char *why, size_t len)
{
	const struct quote *q = ctx->quote;
	double age;

	if (q == NULL || strncmp(q->symbol, o->symbol, MARKET_SYMBOL_MAX) != 0)
		return pretrade_fail(why, len, OR_STALE_DATA, "%s: no quote", o->symbol);
	if (!isfinite(q->bid) || !isfinite(q->ask) || q->bid <= 0 || q->ask < q->bid)
		return pretrade_fail(why, len, OR_STALE_DATA,
		    "%s: no valid bid and ask (bid %g, ask %g)", o->symbol, q->bid, q->ask);
	age = ctx->now - q->exch_time;
	if (!(age <= lim->stale_seconds && age >= -lim->stale_seconds))
		return pretrade_fail(why, len, OR_STALE_DATA,
		    "%s: quote is %.3f s old (limit %g s)", o->symbol, age, lim->stale_seconds);
	return OR_NONE;
}

/* Runs the checks of pretrade.h in order; records o in h when all pass. */
int pretrade_check(const struct pretrade_limits *lim, struct pretrade_history *h,
    const struct order *o, const struct pretrade_ctx *ctx, char *why, size_t len)
{
	const struct quote *q;
	const struct pretrade_entry *e;
	double mid, price, notional, after, reduce, need, age;
	size_t i;
	long count;
	int r;

	if (why != NULL && len > 0)
		why[0] = '\0';
	if ((r = pretrade_kill(o, ctx, why, len)) != OR_NONE)
		return r;
	if ((r = pretrade_malformed(o, why, len)) != OR_NONE)
		return r;
	if (pretrade_restricted(lim, o->symbol))
		return pretrade_fail(why, len, OR_RESTRICTED, "%s is on the restricted list",
		    o->symbol);
	if ((r = pretrade_stale(lim, o, ctx, why, len)) != OR_NONE)
		return r;
	q = ctx->quote;
	mid = 0.5 * (q->bid + q->ask);
	if (o->type == ORDER_LIMIT) {
		price = o->limit;
		if (fabs(price - mid) > lim->collar * mid)
			return pretrade_fail(why, len, OR_PRICE_COLLAR,
			    "%s: limit %g is %.2f%% from the mid %g (collar %.2f%%)", o->symbol,
			    price, 100 * fabs(price - mid) / mid, mid, 100 * lim->collar);
	} else
		price = o->side > 0 ? q->ask : q->bid;
	if (o->qty > lim->max_qty)
		return pretrade_fail(why, len, OR_MAX_QTY, "%s: quantity %g above the maximum %g",
		    o->symbol, o->qty, lim->max_qty);
	notional = o->qty * price * o->multiplier;
	if (notional > lim->max_notional)
		return pretrade_fail(why, len, OR_MAX_NOTIONAL,
		    "%s: notional %.2f above the maximum %.2f", o->symbol, notional,
		    lim->max_notional);
	if (!isfinite(ctx->position))
		return pretrade_fail(why, len, OR_MAX_POSITION, "%s: position unknown", o->symbol);
	after = ctx->position + o->side * o->qty;
	if (fabs(after) > lim->max_position && fabs(after) > fabs(ctx->position))
		return pretrade_fail(why, len, OR_MAX_POSITION,
		    "%s: resulting position %g above the maximum %g", o->symbol, after,
		    lim->max_position);
	reduce = (double)o->side * ctx->position < 0 ? fmin(o->qty, fabs(ctx->position)) : 0;
	need = (o->qty - reduce) * price * o->multiplier;
	if (!(need <= ctx->buying_power))
		return pretrade_fail(why, len, OR_BUYING_POWER,
		    "%s: needs %.2f, buying power %.2f", o->symbol, need, ctx->buying_power);
	if (lim->dup_window > 0) {
		for (i = 0; i < h->n; i++) {
			e = pretrade_history_at(h, i);
			age = ctx->now - e->time;
			if (age >= lim->dup_window)
				break;
			if (e->side == o->side && e->qty == o->qty &&
			    strncmp(e->symbol, o->symbol, sizeof e->symbol) == 0 &&
			    strncmp(e->strategy, o->strategy, sizeof e->strategy) == 0)
				return pretrade_fail(why, len, OR_DUPLICATE,
				    "%s: same order (%s %g, strategy '%s') %.3f s ago (window %g s)",
				    o->symbol, o->side > 0 ? "buy" : "sell", o->qty, o->strategy,
				    age, lim->dup_window);
		}
	}
	count = 0;
	for (i = 0; i < h->n && count < lim->max_orders; i++) {
		if (ctx->now - pretrade_history_at(h, i)->time >= lim->rate_window)
			break;
		count++;
	}
	if (count >= lim->max_orders)
		return pretrade_fail(why, len, OR_RATE_LIMIT,
		    "%s: %ld orders already in the last %g s (limit %ld)", o->symbol, count,
		    lim->rate_window, lim->max_orders);
	pretrade_history_add(h, o, ctx->now);
	return OR_NONE;
}
