/*
 * sizing.h -- volatility-managed position sizing (Moreira & Muir 2017) and
 * capital per strategy: from a strategy's recent daily returns and a
 * signal's size hint to a whole number of units of an instrument.
 *
 * A. Moreira & T. Muir (2017), "Volatility-managed portfolios", J. Finance
 * 72(4):1611-1644, eq. (1): f^sigma_(t+1) = (c / sigma^2_t) f_(t+1).  With
 * c chosen so that the weight is 1 when the realised vol equals the
 * target, and as in the client's notes (section 8.1):
 *
 *   sigma  = sample standard deviation (n - 1) of the last sizing.window
 *            daily returns x sqrt(252), at least sizing.min_vol
 *   weight = (target / sigma)^2        sizing.scaling = variance (default:
 *                                      the paper, the notes, volest.h)
 *   weight = target / sigma            sizing.scaling = vol (plain vol
 *                                      targeting)
 *   weight clipped to [sizing.floor, sizing.cap] (0.2, 2.0)
 *
 *   budget = capital(strategy) x weight x size_hint      (currency)
 *   qty    = floor(budget / (price x multiplier))         (whole units)
 *
 * Capital per strategy is one key, sizing.capital, a comma-separated list
 * "STRATEGY:AMOUNT" (e.g. "volarb:100000, meanrev:50000, *:25000"); the
 * entry "*" is the capital of any strategy not listed (manual orders use
 * the strategy name ""); a strategy with neither gets an error, never a
 * silent size.
 */
#ifndef QD_SIZING_H
#define QD_SIZING_H

#include <stddef.h>

struct conf;

#define SIZING_CAPITAL_MAX 16
#define SIZING_STRATEGY_MAX 24
#define SIZING_DAYS_PER_YEAR 252

enum sizing_scaling { SIZING_VARIANCE = 0, SIZING_VOL };

struct sizing_capital_entry {
	char strategy[SIZING_STRATEGY_MAX];
	double capital;
};

struct sizing_params {
	double target_vol;      /* annualised, decimal */
	long window;            /* daily returns in the realised vol, >= 2 */
	double floor, cap;      /* weight bounds, 0 <= floor <= cap */
	double min_vol;         /* smallest realised vol used (annualised) */
	int scaling;            /* enum sizing_scaling */
	size_t ncapital;
	struct sizing_capital_entry capital[SIZING_CAPITAL_MAX];
	double default_capital; /* the "*" entry, NaN when there is none */
};

/* What a sizing decided, for the audit trail and the console. */
struct sizing_result {
	double capital;         /* the strategy's capital */
	double vol;             /* realised vol used (annualised, after min_vol) */
	double weight;          /* Moreira-Muir weight after the clip */
	double size_hint;
	double budget;          /* capital x weight x size_hint */
	double qty;             /* whole units */
};

/* Reads the sizing.* keys; 0, or -1 with cause naming the key. */
int sizing_params_from_conf(struct conf *conf, struct sizing_params *p, char **cause);
/* Parses "STRATEGY:AMOUNT, ..." into p's capital table; 0, or -1 with
 * cause naming the entry. */
int sizing_capital_parse(struct sizing_params *p, const char *list, char **cause);
/* The capital of a strategy ("" for manual); 0, or -1 with cause. */
int sizing_capital(const struct sizing_params *p, const char *strategy, double *capital,
    char **cause);
/* Realised vol (annualised) of the last p->window of n daily returns; 0, or
 * -1 with cause (too few returns, a non-finite return). */
int sizing_realised_vol(const struct sizing_params *p, const double *ret, size_t n,
    double *vol, char **cause);
/* The clipped weight for a realised vol (NaN or <= 0 is -1). */
int sizing_weight(const struct sizing_params *p, double vol, double *weight);
/*
 * Sizes an order: realised vol of the strategy's returns, weight, capital,
 * size_hint in [0, 1], price and multiplier (> 0) -> out->qty whole units
 * (0 when the budget buys less than one).  0, or -1 with cause.
 */
int sizing_qty(const struct sizing_params *p, const char *strategy, const double *ret,
    size_t n, double size_hint, double price, double multiplier, struct sizing_result *out,
    char **cause);

#endif
