/*
 * scenario.h -- scenario analysis with full revaluation: the P&L of every
 * position under shocks of spot and volatility, on a grid and under named
 * historical scenarios.
 *
 * DESIGN
 * Pure functions (no threads, no I/O, no globals) over the same inputs as
 * risk.h, used by the `scenario NAME|grid` command.  Every position is
 * valued by the model risk.h documents and then REPRICED under each shock
 * (no Greeks expansion):
 *   - equities and pair legs: price x (1 + spot shock); their P&L is
 *     computed as qty x multiplier x price x shock, exactly;
 *   - options valued with Black-Scholes: spot x (1 + spot shock), implied
 *     vol x (1 + vol shock) (the vol shock is relative to the current vol);
 *   - options valued with Heston: spot x (1 + spot shock), v0 and theta
 *     (the long-run variance) x (1 + vol shock)^2, i.e. both the current
 *     and the long-run volatility scaled by (1 + vol shock); kappa, sigma
 *     and rho unchanged.
 * P&L = qty x multiplier x (shocked price - base price), the base price
 * from the same model, so a zero shock gives exactly zero.  Shocks are
 * fractions (-0.2 = -20%); a shocked spot or vol is floored at 1% of its
 * current value (a shock below -99% is applied as -99%).
 *
 * Grid shocks apply to each underlying's own spot.  Named historical
 * scenarios are S&P 500 moves: each underlying's spot shock is its beta
 * (risk.betas, default 1) times the index move; their vol shock is the
 * relative change of the VIX over the same period, applied to the current
 * vols of every underlying.  Their parameters and sources are in
 * scenario.c.
 */
#ifndef QD_SCENARIO_H
#define QD_SCENARIO_H

#include <stddef.h>

#include "risk.h"

struct conf;
struct calib_book;
struct mstate_snap;

#define SCENARIO_MAX_SHOCKS 32
#define SCENARIO_NAME_MAX 24

/* A named historical scenario. */
struct scenario_def {
	const char *name;       /* "crisis2008", ... */
	const char *title;      /* one line */
	double index_move;      /* S&P 500 relative move (-0.40 = -40%) */
	double vol_shock;       /* relative change of vols (VIX end / VIX start - 1) */
	const char *source;     /* where the figures come from */
};

/* The named scenarios, and one by name (NULL when unknown). */
size_t scenario_named_count(void);
const struct scenario_def *scenario_named_at(size_t i);
const struct scenario_def *scenario_find(const char *name);

/* The scenario.* keys: grid shocks as fractions. */
struct scenario_cfg {
	size_t nspot, nvol;
	double spot[SCENARIO_MAX_SHOCKS];
	double vol[SCENARIO_MAX_SHOCKS];
};
/* Defaults: spot -20,-10,-5,0,5,10,20 %, vol -30,0,30,60 % relative. */
void scenario_cfg_default(struct scenario_cfg *cfg);
/* Parses a list of percentages "-20,-10,0,10" into fractions; 0, or -1
 * with cause naming key and the bad item (each in -99..1000 %). */
int scenario_parse_shocks(const char *key, const char *text, double *out, size_t *n,
    char **cause);
/* Reads scenario.spot_shocks and scenario.vol_shocks; 0 or -1 with cause. */
int scenario_cfg_from_conf(struct scenario_cfg *cfg, struct conf *conf, char **cause);

/* One shock: a spot move per underlying (index move x beta, or the grid's
 * move) and a relative vol move. */
struct scenario_point {
	double spot_shock;      /* grid: the move; named: the index move */
	double vol_shock;
	double pnl;             /* total over valued positions, currency */
};

/* P&L of every position at every point. */
struct scenario_result {
	size_t npos, npoints;
	size_t nspot, nvol;             /* grid shape (nspot x nvol = npoints); 0 for named */
	struct scenario_point *pt;      /* npoints */
	double *pnl;                    /* pnl[p * npos + i]: point p, position i; NaN unvalued */
	int *ok;                        /* per position: 1 valued */
	char (*err)[RISK_ERR_MAX];      /* per position: why not valued */
	int *model;                     /* per position: enum risk_model */
	size_t nbad;                    /* positions not valued (or failed under a shock) */
};
void scenario_result_free(struct scenario_result *r);

/*
 * Revalues the book under npoints shocks: spot_shock[p] (applied as
 * risk_beta(cfg, underlying) x spot_shock[p] when use_beta, else as is)
 * and vol_shock[p].  0, or -1 with cause for bad arguments.  A position
 * that cannot be valued (or whose repricing fails under some shock) gets
 * NaN P&L, ok = 0 and its error, and is left out of every total.
 */
int scenario_run(const struct risk_position *pos, size_t n, const struct mstate_snap *snap,
    const struct calib_book *book, const struct risk_cfg *cfg, double now,
    const double *spot_shock, const double *vol_shock, size_t npoints, int use_beta,
    struct scenario_result *out, char **cause);

/* The grid: point (i, j) = spot sc->spot[i], vol sc->vol[j] at index
 * i * nvol + j; no beta. */
int scenario_grid(const struct risk_position *pos, size_t n, const struct mstate_snap *snap,
    const struct calib_book *book, const struct risk_cfg *cfg, const struct scenario_cfg *sc,
    double now, struct scenario_result *out, char **cause);

/* One named scenario (a single point, through the betas). */
int scenario_named(const struct risk_position *pos, size_t n, const struct mstate_snap *snap,
    const struct calib_book *book, const struct risk_cfg *cfg, const struct scenario_def *d,
    double now, struct scenario_result *out, char **cause);

#endif
