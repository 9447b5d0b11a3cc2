/*
 * adf.c -- augmented Dickey-Fuller regression with AIC/BIC lag choice,
 * MacKinnon (1994) p-values and MacKinnon (2010) critical values, and the
 * Householder QR least-squares kernel shared with coint.c and johansen.c.
 *
 * Mathematics: see adf.h.  The t-ratio uses the usual OLS variance
 * s^2 (X'X)^{-1}_gg with s^2 = SSR/(m - q) (Fuller 1996, eq. 10.1.7),
 * and (X'X)^{-1}_gg = |R^{-T} e_g|^2 from the QR factor, so X'X is never
 * formed.  Accuracy: the QR solution is backward stable; coefficients and
 * t-ratios agree with long-double normal equations to about 3e-14
 * relative on price-level data (tests assert 1e-9 and 1e-8), and the
 * critical values and p-values reproduce the published tables (the
 * response surfaces themselves carry simulation error of about 0.001-0.003
 * in tau; the 1994 p-values match the 2010 quantiles to 0.0003).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adf.h"
#include "qm-status.h"

/* Residual degrees of freedom every regression must keep. */
#define ADF_MIN_DOF 10

/* A column is collinear when its new component is this small relative to it. */
#define ADF_RANK_TOL 1e-10

/* A fit is exact when its residual norm is this small relative to |dy|. */
#define ADF_EXACT_TOL 1e-12

/* ln(2 pi) and sqrt(2), spelled out because M_PI is not in ISO C. */
#define ADF_LN_2PI 1.8378770664093454836
#define ADF_SQRT2 1.4142135623730950488

struct adf_workspace {
	size_t nmax;		/* longest series */
	size_t qmax;		/* widest design: 2 trend + y_{t-1} + lags */
	double *x;		/* nmax x qmax design, column-major */
	double *b;		/* right-hand side / Q^T b */
	double *tau;		/* Householder scalars */
	double *work;		/* qmax scratch */
	double *coef;		/* qmax coefficients */
	double *dy;		/* first differences */
};

/* Returns ceil(12 (n/100)^(1/4)), statsmodels' default ADF lag bound. */
static size_t default_maxlag(size_t n)
{
	return (size_t)ceil(12.0 * pow((double)n / 100.0, 0.25));
}

/* Allocates an ADF workspace for series of up to nmax points. */
adf_workspace *adf_workspace_alloc(size_t nmax, size_t maxlag)
{
	adf_workspace *w;

	if (nmax < 3)
		return NULL;
	if (maxlag == ADF_MAXLAG_DEFAULT)
		maxlag = default_maxlag(nmax);
	if (maxlag > nmax)
		return NULL;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->nmax = nmax;
	w->qmax = maxlag + 3;
	w->x = malloc(nmax * w->qmax * sizeof(double));
	w->b = malloc(nmax * sizeof(double));
	w->tau = malloc(w->qmax * sizeof(double));
	w->work = malloc(w->qmax * sizeof(double));
	w->coef = malloc(w->qmax * sizeof(double));
	w->dy = malloc(nmax * sizeof(double));
	if (!w->x || !w->b || !w->tau || !w->work || !w->coef || !w->dy) {
		adf_workspace_free(w);
		return NULL;
	}
	return w;
}

/* Frees an ADF workspace. */
void adf_workspace_free(adf_workspace *w)
{
	if (w == NULL)
		return;
	free(w->x);
	free(w->b);
	free(w->tau);
	free(w->work);
	free(w->coef);
	free(w->dy);
	free(w);
}

/* Default maximum lag for n points (see adf.h). */
int adf_default_maxlag(size_t n, size_t *maxlag)
{
	if (maxlag == NULL)
		return QM_EINVAL;
	*maxlag = default_maxlag(n);
	return QM_OK;
}

/* --- Householder QR ---------------------------------------------------- */

/*
 * Storage is column-major (column j of an n-row matrix at a + j n), so
 * every inner loop runs down a contiguous column.  Reflectors are applied
 * in pairs to four columns at a time, so each load of v and b feeds
 * several multiply-adds (no SIMD intrinsics: plain C that -O2 turns into
 * independent multiply-add chains).
 */

/* Builds the reflector for rows j..n-1 of column col; returns R_jj. */
static double qr_reflector(double *col, size_t n, size_t j, double *tau)
{
	double alpha = col[j], xnorm2 = 0.0, beta, scale;
	size_t i;

	for (i = j + 1; i < n; i++)
		xnorm2 += col[i] * col[i];
	if (xnorm2 == 0.0) {
		*tau = 0.0;
		return alpha;
	}
	beta = -copysign(sqrt(alpha * alpha + xnorm2), alpha);
	*tau = (beta - alpha) / beta;
	scale = 1.0 / (alpha - beta);
	for (i = j + 1; i < n; i++)
		col[i] *= scale;
	col[j] = beta;
	return beta;
}

/* Applies H = I - tau v v' (v_j = 1, v_i below) to rows j..n-1 of column b. */
static void reflect1(const double *restrict v, size_t n, size_t j, double tau,
		     double *restrict b)
{
	double s = b[j];
	size_t i;

	for (i = j + 1; i < n; i++)
		s += v[i] * b[i];
	s *= tau;
	b[j] -= s;
	for (i = j + 1; i < n; i++)
		b[i] -= s * v[i];
}

/* As reflect1 for four columns at once, sharing the loads of v. */
static void reflect4(const double *restrict v, size_t n, size_t j, double tau,
		     double *restrict b0, double *restrict b1,
		     double *restrict b2, double *restrict b3)
{
	double s0 = b0[j], s1 = b1[j], s2 = b2[j], s3 = b3[j];
	size_t i;

	for (i = j + 1; i < n; i++) {
		const double vi = v[i];

		s0 += vi * b0[i];
		s1 += vi * b1[i];
		s2 += vi * b2[i];
		s3 += vi * b3[i];
	}
	s0 *= tau;
	s1 *= tau;
	s2 *= tau;
	s3 *= tau;
	b0[j] -= s0;
	b1[j] -= s1;
	b2[j] -= s2;
	b3[j] -= s3;
	for (i = j + 1; i < n; i++) {
		const double vi = v[i];

		b0[i] -= s0 * vi;
		b1[i] -= s1 * vi;
		b2[i] -= s2 * vi;
		b3[i] -= s3 * vi;
	}
}

/* Applies reflector j of qr to columns c0..ncol-1 of the n-row block b. */
static void qr_apply(const double *qr, size_t n, size_t j, double tau,
		     double *b, size_t c0, size_t ncol)
{
	const double *v = qr + j * n;
	size_t c = c0;

	if (tau == 0.0)
		return;
	for (; c + 4 <= ncol; c += 4)
		reflect4(v, n, j, tau, b + c * n, b + (c + 1) * n,
			 b + (c + 2) * n, b + (c + 3) * n);
	for (; c < ncol; c++)
		reflect1(v, n, j, tau, b + c * n);
}

/*
 * Two consecutive reflectors H_j, H_{j+1} applied in one sweep: with
 * s1 = v1'b, s2 = v2'b and d = v2'v1, H_{j+1} H_j b = b - t1 v1 - t2 v2
 * where t1 = tau1 s1, t2 = tau2 (s2 - t1 d); in the reverse order (for
 * Q b) t2 = tau2 s2, t1 = tau1 (s1 - t2 d).  Half the passes over b.
 */
typedef struct {
	const double *v1, *v2;	/* columns j and j+1 of the factor */
	size_t j, n;
	double tau1, tau2, d;	/* scalars and v2'v1 */
	int reverse;		/* 0: H_j first (Q'b); 1: H_{j+1} first (Q b) */
} hpair;

/* Sets up the pair (j, j+1) of qr; needs j + 2 <= n. */
static void pair_init(hpair *h, const double *qr, size_t n, size_t j,
		      const double *tau, int reverse)
{
	size_t i;

	h->v1 = qr + j * n;
	h->v2 = qr + (j + 1) * n;
	h->j = j;
	h->n = n;
	h->tau1 = tau[j];
	h->tau2 = tau[j + 1];
	h->reverse = reverse;
	h->d = h->v1[j + 1];	/* v2 has an implicit 1 at row j+1 */
	for (i = j + 2; i < n; i++)
		h->d += h->v1[i] * h->v2[i];
}

/* Turns the raw products s1 = v1'b, s2 = v2'b into the update scalars. */
static void pair_scalars(const hpair *h, double *s1, double *s2)
{
	if (!h->reverse) {
		*s1 *= h->tau1;
		*s2 = h->tau2 * (*s2 - *s1 * h->d);
	} else {
		*s2 *= h->tau2;
		*s1 = h->tau1 * (*s1 - *s2 * h->d);
	}
}

/* Applies the pair to one column b. */
static void pair_apply1(const hpair *h, double *restrict b)
{
	const double *restrict v1 = h->v1, *restrict v2 = h->v2;
	size_t j = h->j, n = h->n, i;
	double s1 = b[j] + v1[j + 1] * b[j + 1], s2 = b[j + 1];

	for (i = j + 2; i < n; i++) {
		s1 += v1[i] * b[i];
		s2 += v2[i] * b[i];
	}
	pair_scalars(h, &s1, &s2);
	b[j] -= s1;
	b[j + 1] -= s1 * v1[j + 1] + s2;
	for (i = j + 2; i < n; i++)
		b[i] -= s1 * v1[i] + s2 * v2[i];
}

/* Applies the pair to four columns, sharing the loads of v1 and v2. */
static void pair_apply4(const hpair *h, double *restrict b0,
			double *restrict b1, double *restrict b2,
			double *restrict b3)
{
	const double *restrict v1 = h->v1, *restrict v2 = h->v2;
	size_t j = h->j, n = h->n, i;
	double w = v1[j + 1];
	double a0 = b0[j] + w * b0[j + 1], a1 = b1[j] + w * b1[j + 1];
	double a2 = b2[j] + w * b2[j + 1], a3 = b3[j] + w * b3[j + 1];
	double c0 = b0[j + 1], c1 = b1[j + 1], c2 = b2[j + 1], c3 = b3[j + 1];

	for (i = j + 2; i < n; i++) {
		const double x = v1[i], y = v2[i];

		a0 += x * b0[i];
		c0 += y * b0[i];
		a1 += x * b1[i];
		c1 += y * b1[i];
		a2 += x * b2[i];
		c2 += y * b2[i];
		a3 += x * b3[i];
		c3 += y * b3[i];
	}
	pair_scalars(h, &a0, &c0);
	pair_scalars(h, &a1, &c1);
	pair_scalars(h, &a2, &c2);
	pair_scalars(h, &a3, &c3);
	b0[j] -= a0;
	b1[j] -= a1;
	b2[j] -= a2;
	b3[j] -= a3;
	b0[j + 1] -= a0 * w + c0;
	b1[j + 1] -= a1 * w + c1;
	b2[j + 1] -= a2 * w + c2;
	b3[j + 1] -= a3 * w + c3;
	for (i = j + 2; i < n; i++) {
		const double x = v1[i], y = v2[i];

		b0[i] -= a0 * x + c0 * y;
		b1[i] -= a1 * x + c1 * y;
		b2[i] -= a2 * x + c2 * y;
		b3[i] -= a3 * x + c3 * y;
	}
}

/* Applies reflectors j, j+1 of qr to columns c0..ncol-1 of block b. */
static void qr_apply_pair(const double *qr, size_t n, size_t j,
			  const double *tau, double *b, size_t c0, size_t ncol,
			  int reverse)
{
	hpair h;
	size_t c = c0;

	pair_init(&h, qr, n, j, tau, reverse);
	for (; c + 4 <= ncol; c += 4)
		pair_apply4(&h, b + c * n, b + (c + 1) * n, b + (c + 2) * n,
			    b + (c + 3) * n);
	for (; c < ncol; c++)
		pair_apply1(&h, b + c * n);
}

/* Builds reflector j in place and checks the rank against norm[j]. */
static int qr_column(double *a, size_t n, size_t j, double *tau,
		     const double *norm)
{
	double rjj = qr_reflector(a + j * n, n, j, &tau[j]);

	/* rank test: the part of column j not explained by 0..j-1 */
	return fabs(rjj) > ADF_RANK_TOL * norm[j] ? QM_OK : QM_ESINGULAR;
}

/*
 * In-place Householder QR of a column-major n x p matrix (see adf.h).
 * Columns are reduced two at a time: H_j is applied to column j+1 alone,
 * H_{j+1} is built, and the pair sweeps the remaining columns together.
 */
int adf_qr_decomp(double *a, size_t n, size_t p, double *tau, double *work)
{
	size_t i, j;

	if (a == NULL || tau == NULL || work == NULL || p == 0 || n < p)
		return QM_EINVAL;
	for (j = 0; j < p; j++) {
		const double *col = a + j * n;
		double norm2 = 0.0;

		for (i = 0; i < n; i++)
			norm2 += col[i] * col[i];
		if (!isfinite(norm2))
			return QM_EOVERFLOW;
		work[j] = sqrt(norm2);
	}
	for (j = 0; j < p; j += 2) {
		if (qr_column(a, n, j, tau, work) != QM_OK)
			return QM_ESINGULAR;
		if (j + 1 == p)
			break;
		qr_apply(a, n, j, tau[j], a, j + 1, j + 2);
		if (qr_column(a, n, j + 1, tau, work) != QM_OK)
			return QM_ESINGULAR;
		qr_apply_pair(a, n, j, tau, a, j + 2, p, 0);
	}
	return QM_OK;
}

/* b <- Q^T b = H_{p-1} .. H_0 b for a column-major n x nrhs block. */
int adf_qr_qtmul(const double *qr, size_t n, size_t p, const double *tau,
		 double *b, size_t nrhs)
{
	size_t j;

	if (qr == NULL || tau == NULL || b == NULL || n < p)
		return QM_EINVAL;
	for (j = 0; j + 1 < p; j += 2)
		qr_apply_pair(qr, n, j, tau, b, 0, nrhs, 0);
	if (j < p)
		qr_apply(qr, n, j, tau[j], b, 0, nrhs);
	return QM_OK;
}

/* b <- Q b = H_0 .. H_{p-1} b for a column-major n x nrhs block. */
int adf_qr_qmul(const double *qr, size_t n, size_t p, const double *tau,
		double *b, size_t nrhs)
{
	size_t j;

	if (qr == NULL || tau == NULL || b == NULL || n < p)
		return QM_EINVAL;
	if (p % 2)
		qr_apply(qr, n, p - 1, tau[p - 1], b, 0, nrhs);
	for (j = p - p % 2; j >= 2; j -= 2)
		qr_apply_pair(qr, n, j - 2, tau, b, 0, nrhs, 1);
	return QM_OK;
}

/* Back-substitution R x = c on the leading q x q block (see adf.h). */
int adf_qr_rsolve(const double *qr, size_t n, size_t q, const double *c,
		  double *x)
{
	size_t i, j;

	if (qr == NULL || c == NULL || x == NULL || q > n)
		return QM_EINVAL;
	for (i = q; i-- > 0;) {
		double s = c[i];

		for (j = i + 1; j < q; j++)
			s -= qr[j * n + i] * x[j];
		if (qr[i * n + i] == 0.0)
			return QM_ESINGULAR;
		x[i] = s / qr[i * n + i];
	}
	return QM_OK;
}

/*
 * Returns [(X'X)^{-1}]_gg = |z|^2 where R' z = e_g, for the leading q x q
 * block of R (n rows); forward substitution from g since z_i = 0 for i < g.
 */
static double qr_inv_diag(const double *qr, size_t n, size_t q, size_t g,
			  double *z)
{
	double s2 = 0.0;
	size_t i, j;

	for (i = g; i < q; i++) {
		double s = (i == g) ? 1.0 : 0.0;

		for (j = g; j < i; j++)
			s -= qr[i * n + j] * z[j];
		z[i] = s / qr[i * n + i];
		s2 += z[i] * z[i];
	}
	return s2;
}

/* --- the ADF regression ------------------------------------------------ */

/* Number of deterministic columns for a trend code. */
static size_t trend_cols(int trend)
{
	return (size_t)trend;	/* N = 0, C = 1, CT = 2 */
}

/*
 * Fills the column-major design for lag order L on rows t = t0..n-1:
 * columns [1, trend,] y_{t-1}, dy_{t-1} .. dy_{t-L}; rhs b[r] = dy_t.
 * dy[t] holds y[t] - y[t-1], so each lag column is a shifted copy.
 */
static void build_design(const double *y, const double *dy, size_t n,
			 size_t nt, size_t t0, size_t L, double *x, double *b)
{
	size_t m = n - t0, r, i, c = 0;

	if (nt >= 1) {
		for (r = 0; r < m; r++)
			x[r] = 1.0;
		c++;
	}
	if (nt >= 2) {
		for (r = 0; r < m; r++)
			x[m + r] = (double)(r + 1);
		c++;
	}
	memcpy(x + c * m, y + t0 - 1, m * sizeof(double));
	for (i = 1; i <= L; i++)
		memcpy(x + (c + i) * m, dy + t0 - i, m * sizeof(double));
	memcpy(b, dy + t0, m * sizeof(double));
}

/* Information criterion of a fit with m observations, q regressors. */
static double info_crit(int lagsel, double ssr, size_t m, size_t q)
{
	/* -2 log-likelihood of the Gaussian regression, as statsmodels */
	double dm = (double)m;
	double m2ll = dm * (ADF_LN_2PI + log(ssr / dm) + 1.0);

	if (lagsel == ADF_LAG_BIC)
		return m2ll + (double)q * log(dm);
	return m2ll + 2.0 * (double)q;
}

/*
 * Fits every lag 0..maxlag on the common sample t = maxlag+1..n-1 with one
 * QR (the models are nested, so SSR_q = sum_{i>=q} (Q'b)_i^2) and returns
 * the order with the smallest criterion in *best, its value in *ic.
 */
static int select_lag(const double *y, size_t n, size_t nt, int lagsel,
		      size_t maxlag, adf_workspace *w, size_t *best, double *ic)
{
	size_t t0 = maxlag + 1, m = n - t0, qmax = nt + 1 + maxlag;
	double tail = 0.0, total = 0.0, ssr, crit;
	size_t i, L;
	int st;

	build_design(y, w->dy, n, nt, t0, maxlag, w->x, w->b);
	st = adf_qr_decomp(w->x, m, qmax, w->tau, w->work);
	if (st != QM_OK)
		return st;
	adf_qr_qtmul(w->x, m, qmax, w->tau, w->b, 1);
	for (i = 0; i < m; i++)
		total += w->b[i] * w->b[i];	/* |Q'b| = |b| */
	for (i = qmax; i < m; i++)
		tail += w->b[i] * w->b[i];
	*best = maxlag;
	*ic = INFINITY;
	/* walk down from the largest model, adding back one c_i^2 per step */
	ssr = tail;
	for (L = maxlag + 1; L-- > 0;) {
		size_t q = nt + 1 + L;

		if (L < maxlag)
			ssr += w->b[q] * w->b[q];
		if (!(ssr > ADF_EXACT_TOL * ADF_EXACT_TOL * total))
			return QM_ESINGULAR;
		crit = info_crit(lagsel, ssr, m, q);
		if (crit <= *ic) {	/* ties go to the smaller order */
			*ic = crit;
			*best = L;
		}
	}
	return QM_OK;
}

/* Runs the final regression for lag order L and fills res. */
static int final_regression(const double *y, size_t n, size_t nt, size_t L,
			    adf_workspace *w, adf_result *res)
{
	size_t t0 = L + 1, m = n - t0, q = nt + 1 + L, g = nt, i;
	double ssr = 0.0, total = 0.0, s2, inv;
	int st;

	build_design(y, w->dy, n, nt, t0, L, w->x, w->b);
	st = adf_qr_decomp(w->x, m, q, w->tau, w->work);
	if (st != QM_OK)
		return st;
	adf_qr_qtmul(w->x, m, q, w->tau, w->b, 1);
	st = adf_qr_rsolve(w->x, m, q, w->b, w->coef);
	if (st != QM_OK)
		return st;
	for (i = 0; i < m; i++)
		total += w->b[i] * w->b[i];
	for (i = q; i < m; i++)
		ssr += w->b[i] * w->b[i];
	/* an exact fit (rounding-level residuals) has no t-ratio */
	if (!(ssr > ADF_EXACT_TOL * ADF_EXACT_TOL * total) || !isfinite(ssr))
		return QM_ESINGULAR;
	s2 = ssr / (double)(m - q);
	inv = qr_inv_diag(w->x, m, q, g, w->work);
	res->gamma = w->coef[g];
	res->gamma_se = sqrt(s2 * inv);
	res->stat = res->gamma / res->gamma_se;
	res->sigma = sqrt(s2);
	res->lags = L;
	res->nobs = m;
	return QM_OK;
}

/* Sets every field of an ADF result to NaN / zero. */
static void result_nan(adf_result *res)
{
	res->stat = res->gamma = res->gamma_se = res->sigma = NAN;
	res->ic = res->pvalue = NAN;
	res->crit[0] = res->crit[1] = res->crit[2] = NAN;
	res->lags = 0;
	res->nobs = 0;
}

/* Checks the series: finite and not constant. */
static int check_series(const double *y, size_t n)
{
	size_t t;
	int varies = 0;

	for (t = 0; t < n; t++) {
		if (!isfinite(y[t]))
			return QM_EINVAL;
		if (y[t] != y[0])
			varies = 1;
	}
	return varies ? QM_OK : QM_ECONST;
}

/*
 * Resolves the lag bound: the default is capped (as statsmodels) at
 * n/2 - nt - 1 and further so that ADF_MIN_DOF residual degrees of
 * freedom remain; an explicit bound must fit as given.
 */
static int resolve_maxlag(size_t n, size_t nt, size_t *maxlag)
{
	size_t L = *maxlag;

	if (L == ADF_MAXLAG_DEFAULT) {
		L = default_maxlag(n);
		if (n / 2 < nt + 1)
			return QM_ETOOSHORT;
		if (L > n / 2 - nt - 1)
			L = n / 2 - nt - 1;
		while (L > 0 && n < 1 + L + nt + 1 + L + ADF_MIN_DOF)
			L--;
	}
	/* common sample n-1-L rows, nt+1+L columns */
	if (L >= n || n - 1 - L < nt + 1 + L + ADF_MIN_DOF)
		return QM_ETOOSHORT;
	*maxlag = L;
	return QM_OK;
}

/* ADF regression without the tables (see adf.h). */
int adf_regress(const double *y, size_t n, int trend, int lagsel,
		size_t maxlag, adf_workspace *w, adf_result *res)
{
	size_t nt, L, t;
	double ic = NAN;
	int st;

	if (res == NULL)
		return QM_EINVAL;
	result_nan(res);
	if (y == NULL || w == NULL || trend < ADF_TREND_N ||
	    trend > ADF_TREND_CT || lagsel < ADF_LAG_FIXED ||
	    lagsel > ADF_LAG_BIC)
		return QM_EINVAL;
	if (n < 3)
		return QM_ETOOSHORT;
	st = check_series(y, n);
	if (st != QM_OK)
		return st;
	nt = trend_cols(trend);
	st = resolve_maxlag(n, nt, &maxlag);
	if (st != QM_OK)
		return st;
	if (n > w->nmax || nt + 1 + maxlag > w->qmax)
		return QM_ENOMEM;
	w->dy[0] = 0.0;
	for (t = 1; t < n; t++)
		w->dy[t] = y[t] - y[t - 1];
	L = maxlag;
	if (lagsel != ADF_LAG_FIXED) {
		st = select_lag(y, n, nt, lagsel, maxlag, w, &L, &ic);
		if (st != QM_OK)
			return st;
	}
	st = final_regression(y, n, nt, L, w, res);
	if (st != QM_OK) {
		result_nan(res);
		return st;
	}
	res->ic = ic;
	return QM_OK;
}

/* ADF test with N = 1 p-value and critical values (see adf.h). */
int adf_test(const double *y, size_t n, int trend, int lagsel, size_t maxlag,
	     adf_workspace *w, adf_result *res)
{
	int st = adf_regress(y, n, trend, lagsel, maxlag, w, res);

	if (st != QM_OK)
		return st;
	adf_mackinnon_pvalue(res->stat, 1, trend, &res->pvalue);
	adf_mackinnon_crit(1, trend, (double)res->nobs, res->crit);
	return QM_OK;
}

/* --- MacKinnon tables -------------------------------------------------- */

/* MacKinnon (1994) p-value for a valid (trend, N <= 6) pair. */
static double mk1994_p(double stat, int trend, size_t nvars)
{
	size_t k = nvars - 1;
	double z;

	if (stat > adf_mk1994_tau_max[trend][k])
		return 1.0;
	if (stat < adf_mk1994_tau_min[trend][k])
		return 0.0;
	if (stat <= adf_mk1994_tau_star[trend][k]) {
		const double *c = adf_mk1994_smallp[trend][k];

		z = c[0] + stat * (c[1] + stat * c[2] * 1e-2);
	} else {
		const double *c = adf_mk1994_largep[trend][k];

		z = c[0] + stat * (c[1] * 1e-1 +
				   stat * (c[2] * 1e-1 + stat * c[3] * 1e-2));
	}
	return 0.5 * erfc(-z / ADF_SQRT2);
}

/* MacKinnon (1994) p-value (see adf.h). */
int adf_mackinnon_pvalue(double stat, size_t nvars, int trend, double *p)
{
	if (p == NULL)
		return QM_EINVAL;
	*p = NAN;
	if (isnan(stat) || nvars < 1 || nvars > 6 || trend < ADF_TREND_N ||
	    trend > ADF_TREND_CT)
		return QM_EINVAL;
	*p = mk1994_p(stat, trend, nvars);
	return QM_OK;
}

/*
 * Asymptotic alpha-quantile of the MacKinnon (1994) distribution function
 * by bisection (p(tau) is increasing), for the no-constant cases the 2010
 * tables lack.
 */
static double mk1994_quantile(double alpha, int trend, size_t nvars)
{
	double lo = adf_mk1994_tau_min[trend][nvars - 1];
	double hi = adf_mk1994_tau_max[trend][nvars - 1];
	int it;

	if (!isfinite(hi))
		hi = 10.0;
	for (it = 0; it < 200 && hi - lo > 1e-12; it++) {
		double mid = 0.5 * (lo + hi);

		if (mk1994_p(mid, trend, nvars) < alpha)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

/* MacKinnon (2010) critical values (see adf.h). */
int adf_mackinnon_crit(size_t nvars, int trend, double nobs, double crit[3])
{
	static const double alpha[3] = { 0.01, 0.05, 0.10 };
	const double (*tab)[4];
	double u;
	int i;

	if (crit == NULL)
		return QM_EINVAL;
	crit[0] = crit[1] = crit[2] = NAN;
	if (nvars < 1 || nvars > ADF_MAXVARS || trend < ADF_TREND_N ||
	    trend > ADF_TREND_CT || isnan(nobs) || !(nobs >= 1.0))
		return QM_EINVAL;
	if (trend == ADF_TREND_N && nvars > 1) {
		if (nvars > 6)
			return QM_EINVAL;
		for (i = 0; i < 3; i++)
			crit[i] = mk1994_quantile(alpha[i], trend, nvars);
		return QM_OK;
	}
	if (trend == ADF_TREND_N)
		tab = adf_mk2010_nc;
	else if (trend == ADF_TREND_C)
		tab = adf_mk2010_c[nvars - 1];
	else
		tab = adf_mk2010_ct[nvars - 1];
	u = isinf(nobs) ? 0.0 : 1.0 / nobs;
	for (i = 0; i < 3; i++)
		crit[i] = tab[i][0] + u * (tab[i][1] + u * (tab[i][2] +
							   u * tab[i][3]));
	return QM_OK;
}
