/*
 * adf.h -- augmented Dickey-Fuller unit-root test, MacKinnon critical values
 * and p-values, and the Householder least-squares kernel they run on.
 *
 * Why it exists: every mean-reversion strategy starts with the question "is
 * this spread stationary?".  The ADF regression answers it for one series,
 * and the same regression on a cointegrating residual is the Engle-Granger
 * test (models/coint.h).  The MacKinnon (1994, 2010) response surfaces turn
 * the t-statistic into critical values and p-values; their published
 * coefficients live in models/mackinnon-tables.c.
 *
 * The regression (Said and Dickey 1984; Fuller 1996, sec. 10.1):
 *
 *	dy_t = [alpha + delta t] + gamma y_{t-1} + sum_{i=1..k} b_i dy_{t-i} + e_t
 *
 * the statistic is the OLS t-ratio of gamma.  Times are in sampling periods
 * (the series' own step); the statistic is dimensionless.
 *
 * Lag selection (ADF_LAG_AIC / ADF_LAG_BIC) follows statsmodels' adfuller:
 * every lag order 0..maxlag is fitted on the common sample that maxlag
 * leaves (t = maxlag+1 .. n-1), the order minimising
 *	AIC = m ln(SSR/m) + 2 q     or     BIC = m ln(SSR/m) + q ln m
 * (m observations, q regressors; the reported value adds statsmodels'
 * constant m (ln 2 pi + 1)) is kept, ties going to the smaller order,
 * and the chosen order is then re-estimated on its own longest sample
 * (t = k+1 .. n-1).  One QR of the maxlag design gives all nested SSRs.
 *
 * Least squares use Householder QR (Golub and Van Loan, Matrix
 * Computations, 4th ed., alg. 5.1.1 and 5.2.1) on column-major matrices
 * held in caller workspaces, so tests in hot loops never allocate.
 */
#ifndef QM_ADF_H
#define QM_ADF_H

#include <stddef.h>

/* Deterministic terms in a Dickey-Fuller or cointegrating regression. */
enum adf_trend {
	ADF_TREND_N = 0,	/* none */
	ADF_TREND_C = 1,	/* constant */
	ADF_TREND_CT = 2	/* constant and linear trend */
};

/* How the number of lagged differences is chosen. */
enum adf_lagsel {
	ADF_LAG_FIXED = 0,	/* use maxlag lags */
	ADF_LAG_AIC = 1,	/* Akaike over 0..maxlag on a common sample */
	ADF_LAG_BIC = 2		/* Schwarz over 0..maxlag on a common sample */
};

/* Pass as maxlag to use the default bound (adf_default_maxlag). */
#define ADF_MAXLAG_DEFAULT ((size_t)-1)

/* Largest number of variables N covered by the MacKinnon tables. */
#define ADF_MAXVARS 12

/* Result of one (augmented) Dickey-Fuller regression. */
typedef struct {
	double stat;		/* t-ratio of gamma (dimensionless) */
	double gamma;		/* coefficient of y_{t-1}, per period */
	double gamma_se;	/* its OLS standard error */
	double sigma;		/* residual standard deviation, units of y */
	double ic;		/* AIC/BIC of the chosen order, NaN if fixed */
	size_t lags;		/* lagged differences used */
	size_t nobs;		/* observations in the final regression */
	double pvalue;		/* MacKinnon (1994) asymptotic p-value */
	double crit[3];		/* MacKinnon (2010) 1%, 5%, 10% at T = nobs */
} adf_result;

typedef struct adf_workspace adf_workspace;

/*
 * Allocates scratch for series of up to nmax points and up to maxlag lags
 * (ADF_MAXLAG_DEFAULT: the default for nmax).  NULL when out of memory.
 */
adf_workspace *adf_workspace_alloc(size_t nmax, size_t maxlag);

/* Frees a workspace (NULL is fine). */
void adf_workspace_free(adf_workspace *w);

/* Default maximum lag ceil(12 (n/100)^(1/4)) (Schwert 1989, rounded up as
 * statsmodels does) for n points. */
int adf_default_maxlag(size_t n, size_t *maxlag);

/*
 * Runs the ADF regression on y[0..n-1] (any units) with the given
 * deterministic terms and lag rule, and fills res including the N = 1
 * p-value and critical values.  maxlag is the fixed order or the search
 * bound.  QM_EINVAL for NaN/inf or bad enums, QM_ETOOSHORT when fewer than
 * ten degrees of freedom remain, QM_ECONST for a constant series,
 * QM_ESINGULAR for a collinear design or an exact fit, QM_ENOMEM when the
 * workspace is too small.
 */
int adf_test(const double *y, size_t n, int trend, int lagsel, size_t maxlag,
	     adf_workspace *w, adf_result *res);

/*
 * As adf_test but stops after the regression: pvalue and crit are left NaN
 * so that a caller (Engle-Granger) can attach the tables for its own N.
 */
int adf_regress(const double *y, size_t n, int trend, int lagsel,
		size_t maxlag, adf_workspace *w, adf_result *res);

/*
 * MacKinnon (2010) finite-sample critical values tau(T) = b_inf + b1/T +
 * b2/T^2 + b3/T^3 at 1%, 5%, 10% for nvars = N = 1..12 I(1) variables and
 * deterministic case trend; nobs = T (pass INFINITY for asymptotic values).
 * For ADF_TREND_N with N >= 2 (not in the 2010 tables) the asymptotic
 * quantiles of the MacKinnon (1994) distribution function are returned
 * (N <= 6; QM_EINVAL above).  crit[] is left NaN on error.
 */
int adf_mackinnon_crit(size_t nvars, int trend, double nobs, double crit[3]);

/*
 * MacKinnon (1994) approximate asymptotic p-value of a Dickey-Fuller or
 * Engle-Granger tau statistic, p = Phi(sum_i c_i tau^i), for nvars = N =
 * 1..6; *p is NaN with QM_EINVAL for N > 6 or a NaN statistic.
 */
int adf_mackinnon_pvalue(double stat, size_t nvars, int trend, double *p);

/* --- least squares kernel (shared by coint.c and johansen.c) ---------- */

/*
 * In-place Householder QR of the column-major n x p matrix a (n >= p,
 * column j at a + j n): R on and above the diagonal, the reflectors below,
 * their scalars in tau[p].  work needs p doubles.  QM_ESINGULAR when a
 * column is (numerically) a combination of the ones before it.
 */
int adf_qr_decomp(double *a, size_t n, size_t p, double *tau, double *work);

/*
 * b <- Q^T b for the column-major n x nrhs block b (column c at b + c n),
 * with Q from adf_qr_decomp.
 */
int adf_qr_qtmul(const double *qr, size_t n, size_t p, const double *tau,
		 double *b, size_t nrhs);

/* b <- Q b (the inverse of adf_qr_qtmul). */
int adf_qr_qmul(const double *qr, size_t n, size_t p, const double *tau,
		double *b, size_t nrhs);

/* Solves R x = c for the leading q x q block of R (qr has n rows). */
int adf_qr_rsolve(const double *qr, size_t n, size_t q, const double *c,
		  double *x);

/* --- published constant tables (models/mackinnon-tables.c) ----------- */

/* MacKinnon (2010) response surfaces [N-1][1%,5%,10%][b_inf,b1,b2,b3]. */
extern const double adf_mk2010_nc[3][4];
extern const double adf_mk2010_c[ADF_MAXVARS][3][4];
extern const double adf_mk2010_ct[ADF_MAXVARS][3][4];

/* MacKinnon (1994) tau distribution functions, [trend][N-1] (N <= 6). */
extern const double adf_mk1994_tau_max[3][6];
extern const double adf_mk1994_tau_min[3][6];
extern const double adf_mk1994_tau_star[3][6];
extern const double adf_mk1994_smallp[3][6][3];
extern const double adf_mk1994_largep[3][6][4];

#endif
