/*
 * coint.h -- Engle-Granger cointegration test, hedge ratio, spread
 * half-life, and a rolling health check for live pair/basket strategies.
 *
 * Why it exists: a mean-reversion book trades spreads y - b'x that must
 * stay stationary.  Engle and Granger (1987, sec. 4) estimate b by OLS in
 * levels and test the residual for a unit root; MacKinnon (1994, 2010)
 * supply the N-variable null distribution (models/adf.h).  Strategies then
 * need to know, every day, whether the relation still holds: the rolling
 * health check re-runs the test on a moving window and compares the latest
 * p-value, hedge ratio and half-life with their own history.
 *
 * The procedure (statsmodels' coint reproduces it):
 *   1. y_t = [a + d t] + b'x_t + u_t by OLS (Householder QR);
 *   2. ADF regression without deterministic terms on u_t (the cointegrating
 *      regression already removed them), lag order fixed or by AIC/BIC;
 *   3. tau compared with the MacKinnon tables for N = 1 + k variables and
 *      the deterministic case of step 1, at T = the ADF regression's
 *      observation count (statsmodels uses n - 1, equal when no lags);
 *   4. half-life of the spread from the AR(1) u_t = c + phi u_{t-1} + e:
 *      h = -ln 2 / ln|phi| periods (INFINITY when |phi| >= 1), the exact
 *      decay time of the AR(1); Chan's -ln 2 / (phi - 1) is its
 *      first-order approximation (6.93 instead of 6.58 for phi = 0.9).
 *
 * Units: y and x in price units (any, the hedge ratio is y-units per
 * x-unit); times and half-lives in sampling periods (days for daily
 * closes); statistics and p-values dimensionless.
 */
#ifndef QM_COINT_H
#define QM_COINT_H

#include <stddef.h>

#include "adf.h"

/* Most regressors in the cointegrating regression (N = 1 + k <= 12). */
#define COINT_MAXREG (ADF_MAXVARS - 1)

/* Options of an Engle-Granger test. */
typedef struct {
	int trend;	/* ADF_TREND_N (no intercept), _C or _CT in step 1 */
	int lagsel;	/* ADF_LAG_FIXED, _AIC or _BIC for the residual ADF */
	size_t maxlag;	/* fixed order or search bound; ADF_MAXLAG_DEFAULT */
} coint_opts;

/* Result of one Engle-Granger test. */
typedef struct {
	size_t k;			/* regressors */
	size_t nobs;			/* observations in the ADF regression */
	size_t lags;			/* lagged differences chosen */
	double stat;			/* ADF tau of the residual */
	double pvalue;			/* MacKinnon (1994), NaN when N > 6 */
	double crit[3];			/* MacKinnon (2010) 1%, 5%, 10% */
	double alpha;			/* intercept, y units (NaN if none) */
	double delta;			/* trend slope, y units per period (NaN if none) */
	double beta[COINT_MAXREG];	/* hedge ratios, y units per x unit */
	double resid_sd;		/* standard deviation of the spread, y units */
	double phi;			/* AR(1) coefficient of the spread */
	double half_life;		/* periods; INFINITY if not mean-reverting */
} coint_result;

typedef struct coint_workspace coint_workspace;

/*
 * Allocates scratch for up to nmax points, kmax regressors (1..11) and
 * residual ADF lags up to maxlag (ADF_MAXLAG_DEFAULT: the default for
 * nmax).  NULL on bad sizes or out of memory.
 */
coint_workspace *coint_workspace_alloc(size_t nmax, size_t kmax, size_t maxlag);

/* Frees a workspace (NULL is fine). */
void coint_workspace_free(coint_workspace *w);

/*
 * Engle-Granger test of y[0..n-1] on k regressor series stored one after
 * the other, x[j*n + t] (for a pair k = 1 and x is the plain series).
 * resid, if not NULL, receives the n spread values u_t.  QM_EINVAL for NaN/inf or bad
 * options, QM_ETOOSHORT for too few points, QM_ECONST for a constant
 * series, QM_ESINGULAR for collinear regressors or an exact fit, QM_ENOMEM
 * when w is too small.  On error res is NaN.
 */
int coint_eg(const double *y, const double *x, size_t n, size_t k,
	     const coint_opts *opt, coint_workspace *w, coint_result *res,
	     double *resid);

/*
 * Half-life of a spread u[0..n-1] (any units): OLS u_t = c + phi u_{t-1},
 * *half_life = -ln 2 / ln|phi| periods.  QM_ENOTMR with *half_life =
 * INFINITY when |phi| >= 1; QM_EINVAL (NaN outputs) for NaN/inf;
 * QM_ETOOSHORT for n < 4; QM_ECONST for a constant spread.
 */
int coint_half_life(const double *u, size_t n, double *half_life, double *phi);

/* --- rolling health ---------------------------------------------------- */

/* Number of windows coint_rolling produces for n points. */
int coint_rolling_count(size_t n, size_t window, size_t step, size_t *count);

/*
 * Re-runs coint_eg on windows of `window` points advanced by `step`,
 * aligned so the last window ends at the last point (the live one).  For
 * window j (0 = oldest) it stores pvalue[j], stat[j], half_life[j]
 * (periods) and beta[j*k .. j*k+k-1]; any output pointer may be NULL.
 * cap is the length of the arrays in windows; *count receives the number
 * written.  A degenerate window (flat prices, collinear) gets NaN entries
 * rather than stopping the scan.  Errors as coint_eg, QM_ENOMEM when cap
 * is too small.
 */
int coint_rolling(const double *y, const double *x, size_t n, size_t k,
		  size_t window, size_t step, const coint_opts *opt,
		  coint_workspace *w, double *pvalue, double *stat,
		  double *beta, double *half_life, size_t cap, size_t *count);

/* Verdicts of the health check. */
enum coint_verdict {
	COINT_PASS = 0,
	COINT_WARN = 1,
	COINT_FAIL = 2
};

/* Reason bits: which check raised the verdict. */
enum coint_reason {
	COINT_R_PVALUE = 1,	/* latest p-value above p_warn / p_fail */
	COINT_R_BETA = 2,	/* hedge ratio drifted (|z| above z_warn / z_fail) */
	COINT_R_HALFLIFE = 4,	/* half-life grew or exceeds hl_max */
	COINT_R_DEGENERATE = 8	/* the latest window could not be tested */
};

/* Thresholds of the health check (all are arguments, none hidden). */
typedef struct {
	double p_warn, p_fail;		/* p-value limits, 0 < warn <= fail <= 1 */
	double z_warn, z_fail;		/* |z| limits of the hedge ratio drift */
	double hl_warn, hl_fail;	/* limits of half-life / median history, >= 1 */
	double hl_max;			/* half-life limit, periods (INFINITY: none) */
} coint_health_limits;

/* Health of the latest window against the earlier ones. */
typedef struct {
	int verdict;		/* enum coint_verdict */
	unsigned reasons;	/* enum coint_reason bits */
	size_t history;		/* valid earlier windows used */
	double pvalue;		/* latest p-value */
	double pass_frac;	/* share of earlier windows with p < p_warn */
	size_t beta_index;	/* regressor with the largest |z| */
	double beta;		/* its latest hedge ratio */
	double beta_mean;	/* its mean over the history */
	double beta_sd;		/* its sample standard deviation over the history */
	double beta_z;		/* (latest - mean) / sd */
	double half_life;	/* latest half-life, periods */
	double half_life_median;	/* median over the history, periods */
	double half_life_ratio;	/* latest / median */
} coint_health;

/* Fills conservative default limits: p .05/.20, z 2/3, half-life x2/x4. */
int coint_health_default_limits(coint_health_limits *lim);

/*
 * Judges the latest of count rolling windows (arrays as coint_rolling
 * writes them, k regressors) against the earlier ones: FAIL when a fail
 * limit is crossed or the latest window is degenerate, WARN when a warn
 * limit is, PASS otherwise.  A window is valid when its hedge ratio is not
 * NaN; with N > 6 variables there are no p-values and the p-value check is
 * skipped (pass_frac NaN).  Overlapping windows are strongly correlated,
 * so beta_z is a drift gauge with operator-chosen limits, not a formal
 * test.  work needs count doubles.  QM_ETOOSHORT with fewer than two valid
 * earlier windows; QM_EINVAL for inconsistent limits.
 */
int coint_health_eval(const double *pvalue, const double *beta,
		      const double *half_life, size_t count, size_t k,
		      const coint_health_limits *lim, double *work,
		      coint_health *h);

#endif
