/*
 * sizing.c -- volatility-managed sizing and capital per strategy of
 * sizing.h.
 *
 * Why it exists: the OMS turns an approved signal into an order quantity;
 * how much to trade is a risk decision (Moreira & Muir 2017 as in the
 * client's notes) kept here as pure functions so that the tests can check
 * it against a hand computation.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "sizing.h"
#include "util.h"

/* Reads the sizing.* keys into p. */
int sizing_params_from_conf(struct conf *conf, struct sizing_params *p, char **cause)
{
	const char *s;
	char *why = NULL;

	memset(p, 0, sizeof *p);
	p->target_vol = conf_get_double(conf, "sizing.target_vol");
	p->window = conf_get_int(conf, "sizing.window");
	p->floor = conf_get_double(conf, "sizing.floor");
	p->cap = conf_get_double(conf, "sizing.cap");
	p->min_vol = conf_get_double(conf, "sizing.min_vol");
	s = conf_get_str(conf, "sizing.scaling");
	p->scaling = s != NULL && strcmp(s, "vol") == 0 ? SIZING_VOL : SIZING_VARIANCE;
	if (p->floor > p->cap) {
		if (cause != NULL)
			*cause = xasprintf("sizing.floor %g is above sizing.cap %g", p->floor,
			    p->cap);
		return -1;
	}
	if (sizing_capital_parse(p, conf_get_str(conf, "sizing.capital"), &why) != 0) {
		if (cause != NULL)
			*cause = xasprintf("sizing.capital: %s", why);
		free(why);
		return -1;
	}
	return 0;
}

/* Parses "STRATEGY:AMOUNT, ..." into the capital table. */
int sizing_capital_parse(struct sizing_params *p, const char *list, char **cause)
{
	const char *s = list != NULL ? list : "", *start, *end, *colon;
	char amount[64];
	size_t k = 1, w, i;
	double v;

	p->ncapital = 0;
	p->default_capital = NAN;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return 0;
	for (;; k++) {
		start = s;
		while (*s != ',' && *s != '\0')
			s++;
		end = s;
		while (start < end && isspace((unsigned char)*start))
			start++;
		while (end > start && isspace((unsigned char)end[-1]))
			end--;
		colon = memchr(start, ':', (size_t)(end - start));
		if (colon == NULL) {
			if (cause != NULL)
				*cause = xasprintf("entry %zu '%.*s' is not STRATEGY:AMOUNT", k,
				    (int)(end - start), start);
			return -1;
		}
		w = (size_t)(colon - start);
		while (w > 0 && isspace((unsigned char)start[w - 1]))
			w--;
		if (w == 0 || w >= SIZING_STRATEGY_MAX) {
			if (cause != NULL)
				*cause = xasprintf("entry %zu: strategy name must have 1..%d characters",
				    k, SIZING_STRATEGY_MAX - 1);
			return -1;
		}
		colon++;
		while (colon < end && isspace((unsigned char)*colon))
			colon++;
		if ((size_t)(end - colon) >= sizeof amount) {
			if (cause != NULL)
				*cause = xasprintf("entry %zu: amount too long", k);
			return -1;
		}
		memcpy(amount, colon, (size_t)(end - colon));
		amount[end - colon] = '\0';
		if (parse_double(amount, &v) != 0 || v < 0) {
			if (cause != NULL)
				*cause = xasprintf("entry %zu: amount '%s' is not a number >= 0", k,
				    amount);
			return -1;
		}
		if (w == 1 && start[0] == '*') {
			if (!isnan(p->default_capital)) {
				if (cause != NULL)
					*cause = xasprintf("entry %zu: '*' given twice", k);
				return -1;
			}
			p->default_capital = v;
		} else {
			for (i = 0; i < p->ncapital; i++) {
				if (strlen(p->capital[i].strategy) == w &&
				    strncmp(p->capital[i].strategy, start, w) == 0) {
					if (cause != NULL)
						*cause = xasprintf("entry %zu: strategy '%.*s' given "
						    "twice", k, (int)w, start);
					return -1;
				}
			}
			if (p->ncapital == SIZING_CAPITAL_MAX) {
				if (cause != NULL)
					*cause = xasprintf("more than %d strategies",
					    SIZING_CAPITAL_MAX);
				return -1;
			}
			memcpy(p->capital[p->ncapital].strategy, start, w);
			p->capital[p->ncapital].strategy[w] = '\0';
			p->capital[p->ncapital].capital = v;
			p->ncapital++;
		}
		if (*s == '\0')
			break;
		s++;
	}
	return 0;
}

/* Looks up the capital of a strategy, falling back on the "*" entry. */
int sizing_capital(const struct sizing_params *p, const char *strategy, double *capital,
    char **cause)
{
	size_t i;

	for (i = 0; i < p->ncapital; i++) {
		if (strcmp(p->capital[i].strategy, strategy) == 0) {
			*capital = p->capital[i].capital;
			return 0;
		}
	}
	if (!isnan(p->default_capital)) {
		*capital = p->default_capital;
		return 0;
	}
	if (cause != NULL)
		*cause = xasprintf("sizing.capital has no entry for strategy '%s' and no '*'",
		    strategy);
	return -1;
}

/* Sample standard deviation of the last window returns, annualised. */
int sizing_realised_vol(const struct sizing_params *p, const double *ret, size_t n,
    double *vol, char **cause)
{
	size_t w, i;
	double mean = 0, ss = 0;

	*vol = NAN;
	if (p->window < 2 || n < (size_t)p->window) {
		if (cause != NULL)
			*cause = xasprintf("sizing: %zu daily returns, the realised vol needs "
			    "sizing.window = %ld (>= 2)", n, p->window);
		return -1;
	}
	w = (size_t)p->window;
	ret += n - w;
	for (i = 0; i < w; i++) {
		if (!isfinite(ret[i])) {
			if (cause != NULL)
				*cause = xasprintf("sizing: return %zu of %zu is not a number",
				    n - w + i + 1, n);
			return -1;
		}
		mean += ret[i];
	}
	mean /= (double)w;
	for (i = 0; i < w; i++)
		ss += (ret[i] - mean) * (ret[i] - mean);
	*vol = sqrt(ss / (double)(w - 1) * SIZING_DAYS_PER_YEAR);
	return 0;
}

/* The Moreira-Muir weight for a realised vol, clipped to [floor, cap]. */
int sizing_weight(const struct sizing_params *p, double vol, double *weight)
{
	double v, r;

	*weight = NAN;
	if (!isfinite(vol) || vol < 0 || !(p->target_vol > 0))
		return -1;
	v = fmax(vol, p->min_vol);
	if (!(v > 0))
		return -1;
	r = p->target_vol / v;
	*weight = fmin(p->cap, fmax(p->floor, p->scaling == SIZING_VOL ? r : r * r));
	return 0;
}

/* Sizes an order for a strategy and an instrument. */
int sizing_qty(const struct sizing_params *p, const char *strategy, const double *ret,
    size_t n, double size_hint, double price, double multiplier, struct sizing_result *out,
    char **cause)
{
	double rv;

	out->capital = out->vol = out->weight = out->budget = NAN;
	out->size_hint = size_hint;
	out->qty = 0;
	if (!isfinite(size_hint) || size_hint < 0 || size_hint > 1) {
		if (cause != NULL)
			*cause = xasprintf("sizing: size hint %g is outside [0, 1]", size_hint);
		return -1;
	}
	if (!isfinite(price) || price <= 0 || !isfinite(multiplier) || multiplier <= 0) {
		if (cause != NULL)
			*cause = xasprintf("sizing: price %g and multiplier %g must be > 0", price,
			    multiplier);
		return -1;
	}
	if (sizing_capital(p, strategy, &out->capital, cause) != 0)
		return -1;
	if (sizing_realised_vol(p, ret, n, &rv, cause) != 0)
		return -1;
	if (sizing_weight(p, rv, &out->weight) != 0) {
		if (cause != NULL)
			*cause = xasprintf("sizing: no weight for realised vol %g (target %g)", rv,
			    p->target_vol);
		return -1;
	}
	out->vol = fmax(rv, p->min_vol);
	out->budget = out->capital * out->weight * size_hint;
	out->qty = floor(out->budget / (price * multiplier) + 1e-9);
	if (out->qty < 0)
		out->qty = 0;
	return 0;
}
