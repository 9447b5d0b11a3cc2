/*
 * volest.h -- volatility estimators: realized volatility, RiskMetrics EWMA,
 * GARCH(1,1) by Gaussian quasi-maximum likelihood, and the volatility-managed
 * weight of Moreira & Muir (2017).
 *
 * Why it exists: sizing (src/risk) scales exposure by a volatility estimate,
 * strategies compare implied with realized volatility, and the console shows
 * all of them.  These are the estimators; they see plain arrays of returns
 * and know nothing about where the returns came from.
 *
 * References:
 *  - RiskMetrics Technical Document, 4th ed. (J.P. Morgan/Reuters 1996),
 *    sec. 5.2: sigma^2_t = lambda sigma^2_(t-1) + (1 - lambda) r^2_(t-1),
 *    lambda = 0.94 for daily data.
 *  - T. Bollerslev (1986), "Generalized autoregressive conditional
 *    heteroskedasticity", J. Econometrics 31:307-327, eq. (1) with p = q = 1;
 *    Gaussian log-likelihood as in Fiorentini, Calzolari & Panattoni (1996),
 *    J. Applied Econometrics 11:399-417, with their start-up
 *    h_0 = e_0^2 = (1/n) sum e_t^2; robust errors of Bollerslev & Wooldridge
 *    (1992), Econometric Reviews 11:143-172.
 *  - A. Moreira & T. Muir (2017), "Volatility-managed portfolios", J. Finance
 *    72(4):1611-1644, eq. (1): f^sigma_(t+1) = (c / sigma^2_t) f_(t+1).
 *
 * Units: returns are log returns per period (decimal, 0.01 = 1%); variances
 * are per period unless a name says annualised; periods_per_year (252 for
 * daily data) converts: annualised vol = sqrt(variance * periods_per_year).
 */
#ifndef QM_VOLEST_H
#define QM_VOLEST_H

#include <stddef.h>

#define VOLEST_EWMA_LAMBDA	0.94	/* RiskMetrics daily decay */
#define VOLEST_EWMA_SEED	25	/* returns averaged for the default seed */
#define VOLEST_MM_CAP		2.0	/* default largest Moreira-Muir weight */
#define VOLEST_MM_FLOOR		0.2	/* default smallest Moreira-Muir weight */
#define VOLEST_GARCH_MIN_N	30	/* shortest series volest_garch_fit takes */

/*
 * How realized volatility treats the mean.  VOLEST_DEMEAN (the default, 0):
 * the sample standard deviation, sum (r - rbar)^2 / (n - 1).
 * VOLEST_ZERO_MEAN: sum r^2 / n, the usual realized-variance convention,
 * which does not let a trend masquerade as low volatility.
 */
enum volest_mean {
	VOLEST_DEMEAN = 0,
	VOLEST_ZERO_MEAN = 1
};

/* Flags of volest_garch_fit. */
enum volest_garch_flags {
	VOLEST_GARCH_MEAN = 1	/* estimate a constant mean mu (else mu = 0) */
};

/*
 * Log returns ret[i] = ln(price[i+1] / price[i]) of n > 1 prices (n - 1 of
 * them).  Prices must be finite and positive.  ret must hold n - 1 values.
 */
int volest_log_returns(const double *price, size_t n, double *ret);

/*
 * Realized volatility of n returns (per period), annualised:
 * vol = sqrt(var * periods_per_year), var as chosen by mean_mode (enum
 * volest_mean).  Needs n >= 2 (VOLEST_DEMEAN) or n >= 1 (VOLEST_ZERO_MEAN),
 * else QM_ETOOSHORT.  A series with zero variance gives vol = 0 and
 * QM_ECONST.
 */
int volest_realized(const double *ret, size_t n, double periods_per_year,
		    int mean_mode, double *vol);

/*
 * Rolling realized volatility (annualised) over windows of `window` returns:
 * vol[i] uses ret[i - window + 1 .. i] for i >= window - 1; vol[i] = NaN
 * before.  vol must hold n values.  Each window is summed afresh (two-pass,
 * O(n window)), so no rounding drifts along the series.  Windows with zero
 * variance give 0 there and QM_ECONST overall.
 */
int volest_realized_rolling(const double *ret, size_t n, size_t window,
			    double periods_per_year, int mean_mode, double *vol);

/*
 * RiskMetrics EWMA variance: var[0] = seed, var[t+1] = lambda var[t] +
 * (1 - lambda) ret[t]^2, t = 0..n-1, so var[t] (per period) is the forecast
 * for ret[t] made before seeing it and var[n] the forecast for the next
 * period.  lambda in (0, 1); VOLEST_EWMA_LAMBDA = 0.94 is the daily value.
 * Seed: init_var > 0 is used as is; init_var == 0 asks for the default, the
 * mean of the squares of the first min(n, VOLEST_EWMA_SEED) returns (so the
 * earliest forecasts see a little of their own future).  var (n + 1 values)
 * may be NULL; vol, if not NULL, receives sqrt(var[n] * periods_per_year).
 * A final variance of zero gives QM_ECONST.
 */
int volest_ewma(const double *ret, size_t n, double lambda, double init_var,
		double periods_per_year, double *var, double *vol);

/* Scratch and output space for fitting a series of up to n returns. */
typedef struct volest_garch_workspace volest_garch_workspace;

/* Allocates a workspace for series of up to n returns (NULL on failure). */
volest_garch_workspace *volest_garch_workspace_alloc(size_t n);

/* Frees a workspace (NULL is fine). */
void volest_garch_workspace_free(volest_garch_workspace *w);

/*
 * A fitted GARCH(1,1): r_t = mu + e_t, e_t = sqrt(h_t) z_t,
 * h_t = omega + alpha e_(t-1)^2 + beta h_(t-1), h_0 = e_0^2 = (1/n) sum e_t^2.
 * Parameter order in cov: mu, omega, alpha, beta (mu's row and column are 0
 * when the mean is not estimated).
 */
struct volest_garch {
	double mu;		/* mean return per period (0 unless estimated) */
	double omega;		/* per-period variance units */
	double alpha;		/* ARCH coefficient, dimensionless */
	double beta;		/* GARCH coefficient, dimensionless */
	double se_mu, se_omega, se_alpha, se_beta;	/* from the inverse Hessian */
	double rse_mu, rse_omega, rse_alpha, rse_beta;	/* robust (sandwich) */
	double cov[4][4];	/* inverse of minus the Hessian of the log-lik */
	double loglik;		/* Gaussian log-likelihood at the estimate */
	double persistence;	/* alpha + beta */
	double longrun_var;	/* omega / (1 - alpha - beta), per period */
	double longrun_vol;	/* sqrt(longrun_var * periods_per_year) */
	int iterations;		/* quasi-Newton iterations used */
	int se_status;		/* QM_OK, or QM_ESINGULAR: errors are NaN */
	const double *h;	/* conditional variances h_1..h_n (per period),
				 * inside the workspace: valid until its next use */
	size_t n;		/* number of returns fitted */
};

/*
 * Fits GARCH(1,1) to n returns (per period) by maximising the Gaussian
 * log-likelihood -1/2 sum [ln 2 pi + ln h_t + e_t^2 / h_t] over omega > 0,
 * alpha, beta >= 0, alpha + beta < 1 (and mu if flags has VOLEST_GARCH_MEAN).
 * The constraints hold by construction: omega = v e^x1 and (alpha, beta,
 * 1 - alpha - beta) a softmax of (x2, x3, 0); BFGS with analytic gradients
 * and a backtracking Armijo line search runs in those coordinates, from
 * alpha = 0.05, beta = 0.90, and from 0.15, 0.60 if that does not converge.
 * Standard errors: central differences of the analytic gradient give the
 * Hessian H; cov = (-H)^-1, and the robust form
 * (-H)^-1 G (-H)^-1 with G the outer product of the per-period scores.
 * Needs n >= VOLEST_GARCH_MIN_N (QM_ETOOSHORT), w sized for n (QM_ENOMEM),
 * a non-constant series (QM_ECONST).  QM_EMAXITER when the iteration limit
 * came first (fit still filled).  A maximum on the boundary (alpha -> 0)
 * has no meaningful standard errors.
 */
int volest_garch_fit(const double *ret, size_t n, unsigned flags,
		     double periods_per_year, volest_garch_workspace *w,
		     struct volest_garch *fit);

/*
 * Gaussian GARCH(1,1) log-likelihood of n >= 1 returns for given mu, omega
 * (> 0), alpha, beta (>= 0, alpha + beta < 1), with the start-up above; h,
 * if not NULL, receives the n conditional variances.
 */
int volest_garch_loglik(const double *ret, size_t n, double mu, double omega,
			double alpha, double beta, double *loglik, double *h);

/*
 * Moreira-Muir weight for an annualised volatility estimate vol > 0 and a
 * target volatility (same units): w = target^2 / vol^2, i.e. c / sigma^2
 * with c chosen so that w = 1 when vol equals the target, then clipped to
 * [floor, cap] (defaults VOLEST_MM_FLOOR, VOLEST_MM_CAP; 0 <= floor <= cap).
 */
int volest_mm_weight(double vol, double target, double cap, double floor,
		     double *weight);

/*
 * Moreira-Muir weights for n volatility estimates (as volest_mm_weight).
 * Any non-finite or non-positive vol is QM_EINVAL: skip a rolling
 * estimator's warm-up (pass vol + window - 1).
 */
int volest_mm_weights(const double *vol, size_t n, double target, double cap,
		      double floor, double *weight);

/*
 * The paper's own scale c (eq. 1): the c for which the managed returns
 * c f_t / var_prev[t] have the same sample standard deviation as f_t, where
 * var_prev[t] is the variance estimate known before f_t (e.g. last month's
 * realized variance).  n >= 2 returns f (per period), var_prev > 0.
 */
int volest_mm_scale(const double *f, const double *var_prev, size_t n, double *c);

#endif
