/*
 * risk.h -- portfolio risk of the book: Greeks per position and in
 * aggregate, the portfolio limits, delta re-hedge suggestions and the
 * health of open pairs.
 *
 * DESIGN
 * Pure functions of (positions, market snapshot, parameter book,
 * configuration, time): no threads, no I/O, no globals, nothing logged.
 * The `greeks` and `risk` commands call them on a snapshot; the OMS thread
 * calls risk_check_order() from its pre-trade path (a breach becomes
 * OR_RISK_LIMIT) and risk_hedge() when risk.auto_hedge is on.  Each call
 * allocates its own scratch (a Heston workspace) and frees it, so calls
 * from different threads never share state.
 *
 * Valuation (one model per option, the same in Greeks and scenarios):
 *   - an option (OCC symbol) on an underlying with a CALIB_HESTON entry in
 *     the book is valued with those Heston parameters (models/heston.h);
 *     otherwise with Black-Scholes at the option's implied vol from the
 *     snapshot's chain (models/bs.h).  Spot: the underlying's quote mid,
 *     else the chain's spot, else the last daily close.  Rate and dividend
 *     yield: the option's own (term structure), else the chain's, else 0.
 *     Maturity: market_year_fraction(now, expiry); an expired option
 *     (T <= 0) is an error, not a silent zero;
 *   - an equity is worth its mid (else last trade, else last close);
 *   - a pair "LEG1/LEG2" is qty x (leg1 - h x leg2), h the hedge ratio of
 *     its CALIB_OU book entry; its exposure is split over both legs.
 * A position that cannot be valued (no price, no vol, bad symbol) keeps
 * its error text and counts in no aggregate; the risk checks report it.
 *
 * Units of the Greeks (all per position, i.e. already x qty x multiplier):
 *   delta_sh   underlying-share equivalents (dV/dS);
 *   delta_cash currency: delta_sh x spot (P&L of a +100% move, linearised);
 *   gamma_sh   shares per currency unit of spot (d2V/dS2);
 *   gamma_cash currency: change of delta_cash for a +1% spot move
 *              (gamma_sh x spot^2 / 100);
 *   vega       currency per vol point (+0.01 absolute vol; Heston: the
 *              parallel shift vega_level of models/heston.h);
 *   theta      currency per calendar day (dV/dt / 365);
 *   rho        currency per +1% of the rate (+0.01; Heston: a central
 *              finite difference of the price, bump 1e-4).
 *
 * Exposure (what the limits measure): a position's delta_cash (signed;
 * an equity's market value).  Notional: |qty| x multiplier x the
 * underlying's spot for options, |qty| x multiplier x price for equities
 * and each pair leg.
 */
#ifndef QD_RISK_H
#define QD_RISK_H

#include <stddef.h>

#include "market.h"

struct conf;
struct calib_book;
struct mstate_snap;

#define RISK_ERR_MAX 160
#define RISK_STRATEGY_MAX 24

/* One position as the OMS holds it. */
struct risk_position {
	char strategy[RISK_STRATEGY_MAX];
	char symbol[MARKET_SYMBOL_MAX];
	double qty;             /* signed: > 0 long, < 0 short */
	double avg_price;       /* average entry price, currency per unit */
	double multiplier;      /* contract size (1 shares, 100 US options) */
};

enum risk_model {
	RISK_MODEL_NONE = 0,    /* not valued */
	RISK_MODEL_LINEAR,      /* equity or pair: value = price */
	RISK_MODEL_BS,          /* Black-Scholes at the market implied vol */
	RISK_MODEL_HESTON       /* Heston with the book's parameters */
};
/* "none", "linear", "bs", "heston". */
const char *risk_model_name(int model);

/* An underlying a position is exposed to (pairs have two). */
struct risk_leg {
	char underlying[MARKET_SYMBOL_MAX];
	double spot;            /* its price */
	double delta_sh, delta_cash;
	double notional;
};

/* The valuation and Greeks of one position. */
struct risk_pos_greeks {
	size_t index;                   /* into the positions given */
	int ok;                         /* 1 valued; 0 see err */
	char err[RISK_ERR_MAX];
	int kind;                       /* enum instrument_kind */
	int model;                      /* enum risk_model */
	double price;                   /* model value per unit (per share / per option) */
	double vol;                     /* vol used (BS implied vol; Heston sqrt(v0)); NaN for linear */
	double T;                       /* years to expiry (options) */
	double value;                   /* price x qty x multiplier, currency */
	double delta_sh, delta_cash, gamma_sh, gamma_cash, vega, theta, rho;
	double notional;                /* see above, >= 0 */
	size_t nlegs;                   /* 1, or 2 for a pair */
	struct risk_leg leg[2];
};

/* Aggregate over the positions of one underlying. */
struct risk_und_greeks {
	char underlying[MARKET_SYMBOL_MAX];
	double spot;
	double value;
	double delta_sh, delta_cash, gamma_sh, gamma_cash, vega, theta, rho;
	double gross, notional;         /* sum |delta_cash| of its legs, sum notional */
	size_t npos;
};

/* Greeks of a book. */
struct risk_greeks {
	size_t npos;
	struct risk_pos_greeks *pos;    /* one per position, in the order given */
	size_t nund;
	struct risk_und_greeks *und;    /* per underlying, in symbol order */
	size_t nbad;                    /* positions that could not be valued */
	/* totals over valued positions (delta in shares is not additive) */
	double value, delta_cash, gamma_cash, vega, theta, rho;
	double gross;                   /* sum |delta_cash| over legs */
	double net;                     /* |sum delta_cash| */
	double notional;
};

/*
 * The Greeks of a book kept between calls (the OMS checks every order
 * against its book): a position is revalued only when its valuation
 * inputs changed -- its quantity, the resolved spot, vol or Heston
 * parameters, rates, strike, model -- or when its maturity moved by more
 * than max_age seconds since it was valued; otherwise its Greeks are
 * reused.  Resolving a position is a few lookups; valuing an option is
 * the cost (a Heston price and its finite differences), so a pre-trade
 * check then costs the revaluation of what changed and of the order.
 * Not thread-safe: one cache per thread (the OMS's).
 */
struct risk_cache;
struct risk_cache *risk_cache_new(double max_age);
void risk_cache_free(struct risk_cache *c);
/* As risk_greeks (out freed with risk_greeks_free), reusing the cached
 * Greeks of unchanged positions; *revalued (may be NULL) gets how many
 * positions were valued afresh.  0, or -1 with cause. */
int risk_cache_greeks(struct risk_cache *c, const struct risk_position *pos, size_t n,
    const struct mstate_snap *snap, const struct calib_book *book, double now,
    struct risk_greeks *out, size_t *revalued, char **cause);

/* The risk.* keys. */
#define RISK_BETAS_MAX 64
struct risk_cfg {
	/* limits, currency; 0 = no limit */
	double max_name_notional;       /* |net delta_cash| of one underlying */
	double max_gross;               /* sum |delta_cash| */
	double max_net;                 /* |sum delta_cash| */
	double max_strategy_notional;   /* sum |delta_cash| of one strategy's positions */
	double max_notional;            /* sum notional */
	double max_daily_loss;          /* -today's P&L */
	/* delta re-hedge */
	double hedge_threshold;         /* |delta| of an underlying beyond which to hedge */
	int hedge_cash;                 /* 1: threshold in currency (delta_cash); 0: shares */
	int auto_hedge;                 /* the OMS sends the hedges (lead's side) */
	double hedge_target;            /* hedge to this fraction of the threshold (0..1),
					 * keeping the delta's sign: a band, not zero */
	double hedge_interval;          /* market seconds between two automatic hedges of
					 * one underlying (the OMS) */
	/* pair health */
	int pair_window;                /* daily closes */
	double pair_max_pvalue;
	double pair_min_corr;
	/* betas to the S&P 500 for the historical scenarios */
	size_t nbetas;
	char beta_sym[RISK_BETAS_MAX][MARKET_SYMBOL_MAX];
	double beta[RISK_BETAS_MAX];
};
void risk_cfg_default(struct risk_cfg *cfg);
/* Reads the risk.* keys (risk.betas parsed: "SPY:1,QQQ:1.15"); 0, or -1
 * with cause naming the key and the bad entry. */
int risk_cfg_from_conf(struct risk_cfg *cfg, struct conf *conf, char **cause);
/* Parses a betas list "SYM:BETA,..." into cfg; 0 or -1 with cause. */
int risk_parse_betas(struct risk_cfg *cfg, const char *text, char **cause);
/* The beta of a symbol (1 when not configured). */
double risk_beta(const struct risk_cfg *cfg, const char *symbol);

/*
 * Values every position and aggregates by underlying and in total.  now
 * (epoch seconds) sets the options' time to expiry.  Returns 0 (positions
 * that could not be valued are flagged in out->pos[i] and counted in
 * out->nbad), or -1 with cause for bad arguments (NaN quantity or
 * multiplier <= 0 are per-position errors, not -1).  Free with
 * risk_greeks_free.
 */
int risk_greeks(const struct risk_position *pos, size_t n, const struct mstate_snap *snap,
    const struct calib_book *book, double now, struct risk_greeks *out, char **cause);
void risk_greeks_free(struct risk_greeks *g);

/* --- limits ------------------------------------------------------------ */

enum risk_limit {
	RISK_LIM_NAME = 0,      /* per underlying */
	RISK_LIM_GROSS,
	RISK_LIM_NET,
	RISK_LIM_STRATEGY,      /* per strategy */
	RISK_LIM_NOTIONAL,      /* total */
	RISK_LIM_DAILY_LOSS,
	RISK_LIM_UNVALUED,      /* a position could not be valued (value = count) */
	RISK_LIM_N
};
/* "name", "gross", "net", "strategy", "notional", "daily_loss", "unvalued". */
const char *risk_limit_name(int lim);

struct risk_breach {
	int limit;                      /* enum risk_limit */
	char subject[MARKET_SYMBOL_MAX];/* the underlying, strategy or position symbol; "" */
	double value;                   /* the measure, currency (count for unvalued) */
	double limit_value;             /* the configured limit (0 for unvalued) */
};

struct risk_breaches {
	size_t n, cap;
	struct risk_breach *v;
};
void risk_breaches_init(struct risk_breaches *b);
void risk_breaches_free(struct risk_breaches *b);

/*
 * Every limit g breaches under cfg given today's P&L (currency, NaN when
 * unknown: no daily-loss check): appended to out (which the caller
 * initialised).  A measure breaches when it is strictly above its limit.
 * Returns the number appended.
 */
size_t risk_check(const struct risk_cfg *cfg, const struct risk_position *pos, size_t n,
    const struct risk_greeks *g, double pnl_today, struct risk_breaches *out);

/* A prospective order. */
struct risk_order {
	char strategy[RISK_STRATEGY_MAX];
	char symbol[MARKET_SYMBOL_MAX];
	int side;               /* +1 buy, -1 sell */
	double qty;             /* > 0 */
	double multiplier;      /* > 0 */
};

/*
 * Would the order breach a limit?  Values the book with and without the
 * order (filled in full, merged into the position of the same strategy and
 * symbol) and appends to out each limit that is above its limit after the
 * order AND that the order makes worse (so an order that reduces a
 * breached measure passes).  When today's loss is beyond the daily limit,
 * any order that raises gross exposure breaches RISK_LIM_DAILY_LOSS.  An
 * order whose own instrument cannot be valued is refused (-1 with cause).
 * before: the Greeks of pos[0..n-1] on this snapshot (risk_greeks), kept by
 * the caller between orders so that only the order's own position is
 * revalued (~100 times faster on an option book); NULL computes them.
 * Returns the number of breaches (0: the order may go), or -1 with cause.
 */
int risk_check_order(const struct risk_cfg *cfg, const struct risk_position *pos, size_t n,
    const struct risk_greeks *before, const struct risk_order *o, const struct mstate_snap *snap,
    const struct calib_book *book, double now, double pnl_today, struct risk_breaches *out,
    char **cause);

/* --- delta re-hedge ---------------------------------------------------- */

struct risk_hedge {
	char symbol[MARKET_SYMBOL_MAX]; /* the underlying to trade */
	int side;                       /* +1 buy, -1 sell */
	double qty;                     /* whole shares, > 0 */
	double delta_before;            /* delta_sh of the underlying */
	double delta_after;             /* after the hedge fills (|.| < 0.5 share) */
};

/*
 * The hedge orders of every underlying whose |delta| exceeds
 * cfg->hedge_threshold (in shares, or in currency when cfg->hedge_cash) --
 * suggestions, in underlying order.  A hedge brings the delta back inside
 * the band, to cfg->hedge_target x the threshold with the delta's own sign
 * (0: to zero), so a book that drifts around the threshold is not hedged
 * back and forth across zero.  Quantities are whole shares (rounded to the
 * nearest share).  out has room for max; returns the number of hedges (may
 * exceed max: only max written).  A threshold of 0 means no hedging.
 */
size_t risk_hedge(const struct risk_cfg *cfg, const struct risk_greeks *g,
    struct risk_hedge *out, size_t max);

/* --- pair health ------------------------------------------------------- */

struct risk_pair_health {
	char pair[MARKET_SYMBOL_MAX];   /* "LEG1/LEG2" */
	int ok;                         /* 1 computed; 0 see err */
	char err[RISK_ERR_MAX];
	size_t n;                       /* common closes used */
	double pvalue;                  /* Engle-Granger (constant), MacKinnon p-value */
	double stat;                    /* its ADF tau */
	double hedge_ratio;             /* of the window */
	double corr;                    /* of daily log returns */
	int healthy;                    /* p <= max_pvalue and corr >= min_corr */
	int bad_pvalue, bad_corr;       /* which condition failed */
};

/*
 * Health of pair "LEG1/LEG2" over the latest cfg->pair_window daily closes
 * common to both legs (bars matched by UTC date): the Engle-Granger
 * p-value of leg1 on leg2 with a constant (AIC lags, as the OU
 * calibration runs it) and the correlation of daily log returns.  Returns
 * 0 (out->ok says whether it could be computed; an unhealthy verdict is
 * not an error), or -1 for a malformed pair name.
 */
int risk_pair_health(const struct risk_cfg *cfg, const struct mstate_snap *snap,
    const char *pair, struct risk_pair_health *out, char **cause);

/*
 * Open pairs of a book: the pairs of the book's CALIB_OU entries both of
 * whose legs are held, and positions whose symbol is itself a pair.  Writes
 * up to max names; returns how many there are.
 */
size_t risk_open_pairs(const struct risk_position *pos, size_t n, const struct calib_book *book,
    char (*out)[MARKET_SYMBOL_MAX], size_t max);

#endif
