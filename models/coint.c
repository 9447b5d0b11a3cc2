/*
 * coint.c -- Engle-Granger two-step cointegration test, spread half-life
 * and the rolling health check (see coint.h for the method and units).
 *
 * References: Engle, R.F. and Granger, C.W.J. (1987) "Co-integration and
 * error correction", Econometrica 55, 251-276, sec. 4 (test 3, the ADF on
 * the cointegrating residual); MacKinnon (1994, 2010) for its null
 * distribution (models/mackinnon-tables.c).
 *
 * Accuracy: the hedge ratio comes from a Householder QR and agrees with
 * long-double normal equations to about 5e-15 relative on price data; the
 * spread is recomputed from the original data (not from Q), so it carries
 * no accumulated orthogonalisation error.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "coint.h"
#include "qm-status.h"

struct coint_workspace {
	size_t nmax;		/* longest series */
	size_t kmax;		/* most regressors */
	double *x;		/* nmax x (kmax + 2) design, column-major */
	double *b;		/* right-hand side, then Q^T b */
	double *u;		/* spread */
	double *tau;		/* Householder scalars */
	double *work;		/* 2 (kmax + 2) scratch */
	double *coef;		/* kmax + 2 coefficients */
	adf_workspace *adf;	/* for the residual ADF */
};

/* Allocates an Engle-Granger workspace (see coint.h). */
coint_workspace *coint_workspace_alloc(size_t nmax, size_t kmax, size_t maxlag)
{
	coint_workspace *w;
	size_t q = kmax + 2;

	if (nmax < 3 || kmax < 1 || kmax > COINT_MAXREG)
		return NULL;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->nmax = nmax;
	w->kmax = kmax;
	w->x = malloc(nmax * q * sizeof(double));
	w->b = malloc(nmax * sizeof(double));
	w->u = malloc(nmax * sizeof(double));
	w->tau = malloc(q * sizeof(double));
	w->work = malloc(2 * q * sizeof(double));
	w->coef = malloc(q * sizeof(double));
	w->adf = adf_workspace_alloc(nmax, maxlag);
	if (!w->x || !w->b || !w->u || !w->tau || !w->work || !w->coef ||
	    !w->adf) {
		coint_workspace_free(w);
		return NULL;
	}
	return w;
}

/* Frees an Engle-Granger workspace. */
void coint_workspace_free(coint_workspace *w)
{
	if (w == NULL)
		return;
	free(w->x);
	free(w->b);
	free(w->u);
	free(w->tau);
	free(w->work);
	free(w->coef);
	adf_workspace_free(w->adf);
	free(w);
}

/* Sets an Engle-Granger result to NaN. */
static void result_nan(coint_result *res, size_t k)
{
	size_t j;

	res->k = k;
	res->nobs = res->lags = 0;
	res->stat = res->pvalue = NAN;
	res->crit[0] = res->crit[1] = res->crit[2] = NAN;
	res->alpha = res->delta = res->resid_sd = NAN;
	res->phi = res->half_life = NAN;
	for (j = 0; j < COINT_MAXREG; j++)
		res->beta[j] = NAN;
}

/* Checks options for validity. */
static int check_opts(const coint_opts *opt)
{
	if (opt == NULL || opt->trend < ADF_TREND_N ||
	    opt->trend > ADF_TREND_CT || opt->lagsel < ADF_LAG_FIXED ||
	    opt->lagsel > ADF_LAG_BIC)
		return QM_EINVAL;
	return QM_OK;
}

/*
 * Checks that y and every regressor (x + j ldx) are finite and not
 * constant; a flat leg makes the hedge ratio meaningless (or collinear
 * with the intercept).
 */
static int check_data(const double *y, const double *x, size_t ldx, size_t n,
		      size_t k)
{
	size_t t, j;

	for (j = 0; j <= k; j++) {
		const double *s = j < k ? x + j * ldx : y;
		int vary = 0;

		for (t = 0; t < n; t++) {
			if (!isfinite(s[t]))
				return QM_EINVAL;
			if (s[t] != s[0])
				vary = 1;
		}
		if (!vary)
			return QM_ECONST;
	}
	return QM_OK;
}

/*
 * Step 1: OLS of y on [1, t,] x by QR (column-major design); stores the
 * coefficients in w->coef (deterministic first) and the spread
 * u_t = y_t - fit_t in w->u.
 */
static int hedge_regression(const double *y, const double *x, size_t ldx,
			    size_t n, size_t k, size_t nt, coint_workspace *w)
{
	size_t q = nt + k, t, j;
	int st;

	for (t = 0; t < n; t++) {
		if (nt >= 1)
			w->x[t] = 1.0;
		if (nt >= 2)
			w->x[n + t] = (double)t;
	}
	for (j = 0; j < k; j++)
		memcpy(w->x + (nt + j) * n, x + j * ldx, n * sizeof(double));
	memcpy(w->b, y, n * sizeof(double));
	st = adf_qr_decomp(w->x, n, q, w->tau, w->work);
	if (st != QM_OK)
		return st;
	adf_qr_qtmul(w->x, n, q, w->tau, w->b, 1);
	st = adf_qr_rsolve(w->x, n, q, w->b, w->coef);
	if (st != QM_OK)
		return st;
	/* the spread from the original data, free of Q's rounding */
	for (t = 0; t < n; t++) {
		double fit = 0.0;

		if (nt >= 1)
			fit += w->coef[0];
		if (nt >= 2)
			fit += w->coef[1] * (double)t;
		w->u[t] = y[t] - fit;
	}
	for (j = 0; j < k; j++) {
		const double *xj = x + j * ldx;
		double bj = w->coef[nt + j];

		for (t = 0; t < n; t++)
			w->u[t] -= bj * xj[t];
	}
	return QM_OK;
}

/* AR(1) coefficient of u with intercept, by centred OLS moments. */
static int ar1_phi(const double *u, size_t n, double *phi)
{
	double m0 = 0.0, m1 = 0.0, sxy = 0.0, sxx = 0.0;
	size_t t;

	for (t = 1; t < n; t++) {
		m0 += u[t];
		m1 += u[t - 1];
	}
	m0 /= (double)(n - 1);
	m1 /= (double)(n - 1);
	for (t = 1; t < n; t++) {
		sxy += (u[t - 1] - m1) * (u[t] - m0);
		sxx += (u[t - 1] - m1) * (u[t - 1] - m1);
	}
	if (!(sxx > 0.0))
		return QM_ECONST;
	*phi = sxy / sxx;
	return QM_OK;
}

/* Half-life in periods for an AR(1) coefficient phi. */
static double phi_half_life(double phi)
{
	double a = fabs(phi);

	if (!(a < 1.0))
		return INFINITY;
	if (a == 0.0)
		return 0.0;
	return -log(2.0) / log(a);
}

/* Half-life of a spread (see coint.h). */
int coint_half_life(const double *u, size_t n, double *half_life, double *phi)
{
	double ph;
	size_t t;
	int st;

	if (half_life == NULL || phi == NULL)
		return QM_EINVAL;
	*half_life = *phi = NAN;
	if (u == NULL)
		return QM_EINVAL;
	for (t = 0; t < n; t++)
		if (!isfinite(u[t]))
			return QM_EINVAL;
	if (n < 4)
		return QM_ETOOSHORT;
	st = ar1_phi(u, n, &ph);
	if (st != QM_OK)
		return st;
	*phi = ph;
	*half_life = phi_half_life(ph);
	return isinf(*half_life) ? QM_ENOTMR : QM_OK;
}

/* Sample standard deviation of u (n - 1 denominator). */
static double series_sd(const double *u, size_t n)
{
	double m = 0.0, s = 0.0;
	size_t t;

	for (t = 0; t < n; t++)
		m += u[t];
	m /= (double)n;
	for (t = 0; t < n; t++)
		s += (u[t] - m) * (u[t] - m);
	return sqrt(s / (double)(n - 1));
}

/* Engle-Granger test on regressors x + j ldx, j < k (no argument checks). */
static int eg_core(const double *y, const double *x, size_t ldx, size_t n,
		   size_t k, const coint_opts *opt, coint_workspace *w,
		   coint_result *res)
{
	adf_result ar;
	size_t nt = (size_t)opt->trend, j;
	int st;

	result_nan(res, k);
	/* the residual ADF needs ten degrees of freedom beyond the fit */
	if (n < nt + k + 3 + 10)
		return QM_ETOOSHORT;
	if (n > w->nmax || k > w->kmax)
		return QM_ENOMEM;
	st = check_data(y, x, ldx, n, k);
	if (st != QM_OK)
		return st;
	st = hedge_regression(y, x, ldx, n, k, nt, w);
	if (st != QM_OK)
		return st;
	res->resid_sd = series_sd(w->u, n);
	/* a spread that is rounding noise means y is an exact combination */
	if (!(res->resid_sd > 1e-12 * series_sd(y, n)))
		return QM_ESINGULAR;
	st = adf_regress(w->u, n, ADF_TREND_N, opt->lagsel, opt->maxlag,
			 w->adf, &ar);
	/* a residual that is exactly constant means an exact fit */
	if (st == QM_ECONST)
		st = QM_ESINGULAR;
	if (st != QM_OK)
		return st;
	res->nobs = ar.nobs;
	res->lags = ar.lags;
	res->stat = ar.stat;
	adf_mackinnon_pvalue(ar.stat, k + 1, opt->trend, &res->pvalue);
	adf_mackinnon_crit(k + 1, opt->trend, (double)ar.nobs, res->crit);
	if (nt >= 1)
		res->alpha = w->coef[0];
	if (nt >= 2)
		res->delta = w->coef[1];
	for (j = 0; j < k; j++)
		res->beta[j] = w->coef[nt + j];
	if (ar1_phi(w->u, n, &res->phi) == QM_OK)
		res->half_life = phi_half_life(res->phi);
	return QM_OK;
}

/* Engle-Granger test (see coint.h). */
int coint_eg(const double *y, const double *x, size_t n, size_t k,
	     const coint_opts *opt, coint_workspace *w, coint_result *res,
	     double *resid)
{
	int st;

	if (res == NULL)
		return QM_EINVAL;
	result_nan(res, k);
	if (y == NULL || x == NULL || w == NULL || k < 1 || k > COINT_MAXREG ||
	    check_opts(opt) != QM_OK)
		return QM_EINVAL;
	st = eg_core(y, x, n, n, k, opt, w, res);
	if (st != QM_OK) {
		result_nan(res, k);
		return st;
	}
	if (resid != NULL)
		memcpy(resid, w->u, n * sizeof(double));
	return QM_OK;
}

/* --- rolling health ---------------------------------------------------- */

/* Number of rolling windows (see coint.h). */
int coint_rolling_count(size_t n, size_t window, size_t step, size_t *count)
{
	if (count == NULL)
		return QM_EINVAL;
	*count = 0;
	if (window < 3 || step < 1)
		return QM_EINVAL;
	if (n < window)
		return QM_ETOOSHORT;
	*count = (n - window) / step + 1;
	return QM_OK;
}

/* Stores NaN (or the values of r) for window j in the optional outputs. */
static void store_window(const coint_result *r, size_t j, size_t k,
			 double *pvalue, double *stat, double *beta,
			 double *half_life)
{
	size_t i;

	if (pvalue != NULL)
		pvalue[j] = r ? r->pvalue : NAN;
	if (stat != NULL)
		stat[j] = r ? r->stat : NAN;
	if (half_life != NULL)
		half_life[j] = r ? r->half_life : NAN;
	if (beta != NULL)
		for (i = 0; i < k; i++)
			beta[j * k + i] = r ? r->beta[i] : NAN;
}

/* Rolling Engle-Granger scan (see coint.h). */
int coint_rolling(const double *y, const double *x, size_t n, size_t k,
		  size_t window, size_t step, const coint_opts *opt,
		  coint_workspace *w, double *pvalue, double *stat,
		  double *beta, double *half_life, size_t cap, size_t *count)
{
	size_t m, j, t;
	int st;

	if (count == NULL)
		return QM_EINVAL;
	*count = 0;
	if (y == NULL || x == NULL || w == NULL || k < 1 || k > COINT_MAXREG ||
	    check_opts(opt) != QM_OK)
		return QM_EINVAL;
	for (t = 0; t < n * k; t++)	/* k series of n points */
		if (!isfinite(x[t]))
			return QM_EINVAL;
	for (t = 0; t < n; t++)
		if (!isfinite(y[t]))
			return QM_EINVAL;
	st = coint_rolling_count(n, window, step, &m);
	if (st != QM_OK)
		return st;
	if (m > cap)
		return QM_ENOMEM;
	if (window > w->nmax || k > w->kmax)
		return QM_ENOMEM;
	for (j = 0; j < m; j++) {
		/* window j ends at n-1 - (m-1-j) step */
		size_t end = n - 1 - (m - 1 - j) * step;
		size_t start = end + 1 - window;
		coint_result r;

		st = eg_core(y + start, x + start, n, window, k, opt, w, &r);
		if (st == QM_ENOMEM || st == QM_EINVAL || st == QM_ETOOSHORT)
			return st;
		store_window(st == QM_OK ? &r : NULL, j, k, pvalue, stat,
			     beta, half_life);
	}
	*count = m;
	return QM_OK;
}

/* Default health limits (see coint.h). */
int coint_health_default_limits(coint_health_limits *lim)
{
	if (lim == NULL)
		return QM_EINVAL;
	lim->p_warn = 0.05;
	lim->p_fail = 0.20;
	lim->z_warn = 2.0;
	lim->z_fail = 3.0;
	lim->hl_warn = 2.0;
	lim->hl_fail = 4.0;
	lim->hl_max = INFINITY;
	return QM_OK;
}

/* Checks that the limits are ordered and in range. */
static int check_limits(const coint_health_limits *l)
{
	if (l == NULL)
		return QM_EINVAL;
	if (!(l->p_warn > 0.0 && l->p_warn <= l->p_fail && l->p_fail <= 1.0))
		return QM_EINVAL;
	if (!(l->z_warn > 0.0 && l->z_warn <= l->z_fail) || isnan(l->z_fail))
		return QM_EINVAL;
	if (!(l->hl_warn >= 1.0 && l->hl_warn <= l->hl_fail) ||
	    isnan(l->hl_fail))
		return QM_EINVAL;
	if (!(l->hl_max > 0.0))
		return QM_EINVAL;
	return QM_OK;
}

/* Ascending order for qsort, infinities last. */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of the non-NaN values of v[0..n-1], sorted in work. */
static double median_of(const double *v, size_t n, double *work)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++)
		if (!isnan(v[i]))
			work[m++] = v[i];
	if (m == 0)
		return NAN;
	qsort(work, m, sizeof(double), cmp_double);
	if (m % 2)
		return work[m / 2];
	if (isinf(work[m / 2]))
		return work[m / 2];
	return 0.5 * (work[m / 2 - 1] + work[m / 2]);
}

/*
 * Mean, sample sd and z-score of the latest beta of regressor i against
 * the valid history windows (0..count-2, NaN entries skipped).
 */
static void beta_drift(const double *beta, size_t count, size_t k, size_t i,
		       double *mean, double *sd, double *z)
{
	double s = 0.0, ss = 0.0, latest = beta[(count - 1) * k + i];
	size_t j, m = 0;

	for (j = 0; j + 1 < count; j++) {
		if (isnan(beta[j * k + i]))
			continue;
		s += beta[j * k + i];
		m++;
	}
	*mean = s / (double)m;
	for (j = 0; j + 1 < count; j++) {
		double b = beta[j * k + i];

		if (!isnan(b))
			ss += (b - *mean) * (b - *mean);
	}
	*sd = sqrt(ss / (double)(m - 1));
	if (*sd > 0.0)
		*z = (latest - *mean) / *sd;
	else
		*z = (latest == *mean) ? 0.0 : copysign(INFINITY,
							latest - *mean);
}

/* Raises the verdict to v and records the reason bit. */
static void raise_verdict(coint_health *h, int v, unsigned reason)
{
	if (v > h->verdict)
		h->verdict = v;
	h->reasons |= reason;
}

/* Applies the limits to the computed drift measures. */
static void judge(coint_health *h, const coint_health_limits *l)
{
	if (h->pvalue > l->p_fail)
		raise_verdict(h, COINT_FAIL, COINT_R_PVALUE);
	else if (h->pvalue > l->p_warn)
		raise_verdict(h, COINT_WARN, COINT_R_PVALUE);
	if (fabs(h->beta_z) > l->z_fail)
		raise_verdict(h, COINT_FAIL, COINT_R_BETA);
	else if (fabs(h->beta_z) > l->z_warn)
		raise_verdict(h, COINT_WARN, COINT_R_BETA);
	if (h->half_life > l->hl_max || h->half_life_ratio > l->hl_fail)
		raise_verdict(h, COINT_FAIL, COINT_R_HALFLIFE);
	else if (h->half_life_ratio > l->hl_warn)
		raise_verdict(h, COINT_WARN, COINT_R_HALFLIFE);
}

/* Health of the latest window against its history (see coint.h). */
int coint_health_eval(const double *pvalue, const double *beta,
		      const double *half_life, size_t count, size_t k,
		      const coint_health_limits *lim, double *work,
		      coint_health *h)
{
	size_t j, i, last, valid = 0, withp = 0, pass = 0;

	if (h == NULL)
		return QM_EINVAL;
	h->verdict = COINT_FAIL;
	h->reasons = 0;
	h->history = h->beta_index = 0;
	h->pvalue = h->pass_frac = h->beta = h->beta_mean = NAN;
	h->beta_sd = h->beta_z = h->half_life = NAN;
	h->half_life_median = h->half_life_ratio = NAN;
	if (pvalue == NULL || beta == NULL || half_life == NULL ||
	    work == NULL || k < 1 || check_limits(lim) != QM_OK)
		return QM_EINVAL;
	if (count < 3)
		return QM_ETOOSHORT;
	last = count - 1;
	/* a window is valid when it was tested (its hedge ratio exists);
	 * N > 6 windows have no p-value and do not count toward pass_frac */
	for (j = 0; j < last; j++) {
		if (isnan(beta[j * k]))
			continue;
		valid++;
		if (!isnan(pvalue[j])) {
			withp++;
			pass += pvalue[j] < lim->p_warn;
		}
	}
	if (valid < 2)
		return QM_ETOOSHORT;
	h->history = valid;
	h->pass_frac = withp ? (double)pass / (double)withp : NAN;
	h->half_life_median = median_of(half_life, last, work);
	h->pvalue = pvalue[last];
	h->half_life = half_life[last];
	if (isnan(beta[last * k])) {
		raise_verdict(h, COINT_FAIL, COINT_R_DEGENERATE);
		return QM_OK;
	}
	h->verdict = COINT_PASS;
	for (i = 0; i < k; i++) {
		double mean, sd, z;

		beta_drift(beta, count, k, i, &mean, &sd, &z);
		if (i == 0 || fabs(z) > fabs(h->beta_z)) {
			h->beta_index = i;
			h->beta = beta[last * k + i];
			h->beta_mean = mean;
			h->beta_sd = sd;
			h->beta_z = z;
		}
	}
	if (isinf(h->half_life) && isinf(h->half_life_median))
		h->half_life_ratio = 1.0;
	else
		h->half_life_ratio = h->half_life / h->half_life_median;
	judge(h, lim);
	return QM_OK;
}
