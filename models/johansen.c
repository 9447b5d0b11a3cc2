/*
 * johansen.c -- Johansen (1991) trace and maximum-eigenvalue tests (see
 * johansen.h for the model, cases and units).
 *
 * References: Johansen, S. (1991) "Estimation and hypothesis testing of
 * cointegration vectors in Gaussian vector autoregressive models",
 * Econometrica 59, 1551-1580, eqs. (3.4)-(3.8); Johansen, S. (1995)
 * Likelihood-Based Inference in Cointegrated VAR Models, ch. 6;
 * MacKinnon, Haug and Michelis (1999) for the critical values.
 *
 * Computation: the short-run regressors Z2 = [1, t, dY_{t-1}..dY_{t-k}] are
 * removed from Z0 = dY_t and Z1 = Y_{t-1} by one Householder QR
 * (R = Q [0; (Q'Z)_{q..T-1}]).  The generalised symmetric eigenproblem
 * S10 S00^{-1} S01 v = lambda S11 v is reduced with the Cholesky factors
 * S00 = L0 L0', S11 = L1 L1' to the ordinary symmetric problem
 * C u = lambda u, C = (L0^{-1} S01 L1^{-T})'(L0^{-1} S01 L1^{-T}), solved
 * by GSL's symmv; v = L1^{-T} u then satisfies v'S11 v = 1.  Accuracy:
 * the eigenvalues agree with the textbook S11^{-1} S10 S00^{-1} S01 route
 * (long-double moments, GSL nonsymmetric solver) to 1e-13 of the largest
 * eigenvalue in tests/check_coint.c, which asserts 1e-9; the trace
 * statistics reproduce published real-data values to the 3 decimals given.
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "adf.h"
#include "johansen.h"
#include "qm-status.h"

/* Residual degrees of freedom the VECM must keep. */
#define JOHANSEN_MIN_DOF 10

struct johansen_workspace {
	size_t nmax, m, pmax;
	size_t q2max;		/* widest short-run design */
	double *z2;		/* T x q2 short-run design, column-major */
	double *r;		/* T x 2m block [dY_t, Y_{t-1}] -> residuals, column-major */
	double *tau;		/* Householder scalars */
	double *work;		/* max(q2, 2m) scratch */
	double s00[JOHANSEN_MAXVARS * JOHANSEN_MAXVARS];
	double s01[JOHANSEN_MAXVARS * JOHANSEN_MAXVARS];
	double s11[JOHANSEN_MAXVARS * JOHANSEN_MAXVARS];
	gsl_matrix *c;		/* m x m reduced symmetric matrix */
	gsl_matrix *u;		/* its eigenvectors */
	gsl_vector *lam;	/* its eigenvalues */
	gsl_eigen_symmv_workspace *eig;
};

/* Allocates a Johansen workspace (see johansen.h). */
johansen_workspace *johansen_workspace_alloc(size_t nmax, size_t m, size_t pmax)
{
	johansen_workspace *w;
	size_t wk;

	if (m < 2 || m > JOHANSEN_MAXVARS || pmax < 1 || nmax <= pmax)
		return NULL;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->nmax = nmax;
	w->m = m;
	w->pmax = pmax;
	w->q2max = (pmax - 1) * m + 2;
	wk = w->q2max > 2 * m ? w->q2max : 2 * m;
	w->z2 = malloc(nmax * w->q2max * sizeof(double));
	w->r = malloc(nmax * 2 * m * sizeof(double));
	w->tau = malloc(w->q2max * sizeof(double));
	w->work = malloc(2 * wk * sizeof(double));
	w->c = gsl_matrix_alloc(m, m);
	w->u = gsl_matrix_alloc(m, m);
	w->lam = gsl_vector_alloc(m);
	w->eig = gsl_eigen_symmv_alloc(m);
	if (!w->z2 || !w->r || !w->tau || !w->work || !w->c || !w->u ||
	    !w->lam || !w->eig) {
		johansen_workspace_free(w);
		return NULL;
	}
	return w;
}

/* Frees a Johansen workspace. */
void johansen_workspace_free(johansen_workspace *w)
{
	if (w == NULL)
		return;
	free(w->z2);
	free(w->r);
	free(w->tau);
	free(w->work);
	if (w->c)
		gsl_matrix_free(w->c);
	if (w->u)
		gsl_matrix_free(w->u);
	if (w->lam)
		gsl_vector_free(w->lam);
	if (w->eig)
		gsl_eigen_symmv_free(w->eig);
	free(w);
}

/* MHM (1999) critical values (see johansen.h). */
int johansen_crit(size_t nrw, int det, double tr[3], double mx[3])
{
	int i;

	for (i = 0; i < 3; i++) {
		if (tr)
			tr[i] = NAN;
		if (mx)
			mx[i] = NAN;
	}
	if (nrw < 1 || nrw > JOHANSEN_MAXVARS || det < JOHANSEN_DET_NONE ||
	    det > JOHANSEN_DET_TREND)
		return QM_EINVAL;
	for (i = 0; i < 3; i++) {
		if (tr)
			tr[i] = johansen_mhm_trace[det + 1][nrw - 1][i];
		if (mx)
			mx[i] = johansen_mhm_maxeig[det + 1][nrw - 1][i];
	}
	return QM_OK;
}

/* Sets a result to NaN. */
static void result_nan(johansen_result *res, size_t m, size_t p, int det)
{
	size_t i, j;

	res->m = m;
	res->p = p;
	res->det = det;
	res->nobs = 0;
	res->rank_trace = res->rank_maxeig = 0;
	for (i = 0; i < JOHANSEN_MAXVARS; i++) {
		res->eig[i] = res->trace[i] = res->maxeig[i] = NAN;
		for (j = 0; j < 3; j++)
			res->trace_cv[i][j] = res->maxeig_cv[i][j] = NAN;
	}
	for (i = 0; i < JOHANSEN_MAXVARS * JOHANSEN_MAXVARS; i++)
		res->evec[i] = NAN;
}

/* Checks the data (series i at y + i n): finite, none constant. */
static int check_data(const double *y, size_t n, size_t m)
{
	size_t t, i;

	for (i = 0; i < m; i++) {
		const double *s = y + i * n;
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
 * Fills, for t = p..n-1 (row r = t - p, T rows), the column-major
 * short-run design [1, r+1, dY_{t-1} .. dY_{t-k}] (constant from det >= 0,
 * trend from det = 1) and the block [dY_t, Y_{t-1}] (2m columns).
 */
static void build(const double *y, size_t n, size_t m, size_t p, int det,
		  double *z2, double *r)
{
	size_t T = n - p, t, i, l, c = 0;

	if (det >= JOHANSEN_DET_CONST) {
		for (t = 0; t < T; t++)
			z2[t] = 1.0;
		c++;
	}
	if (det >= JOHANSEN_DET_TREND) {
		for (t = 0; t < T; t++)
			z2[T + t] = (double)(t + 1);
		c++;
	}
	for (l = 1; l < p; l++)
		for (i = 0; i < m; i++, c++) {
			const double *s = y + i * n;
			double *col = z2 + c * T;

			for (t = p; t < n; t++)
				col[t - p] = s[t - l] - s[t - l - 1];
		}
	for (i = 0; i < m; i++) {
		const double *s = y + i * n;
		double *d = r + i * T, *lv = r + (m + i) * T;

		for (t = p; t < n; t++) {
			d[t - p] = s[t] - s[t - 1];
			lv[t - p] = s[t - 1];
		}
	}
}

/* Replaces the block r by its residuals on z2 (QR projection). */
static int concentrate(johansen_workspace *w, size_t T, size_t q2, size_t m)
{
	size_t i, c;
	int st;

	if (q2 == 0)
		return QM_OK;
	st = adf_qr_decomp(w->z2, T, q2, w->tau, w->work);
	if (st != QM_OK)
		return st;
	adf_qr_qtmul(w->z2, T, q2, w->tau, w->r, 2 * m);
	/* zero the part in the span of Z2, then map back */
	for (c = 0; c < 2 * m; c++)
		for (i = 0; i < q2; i++)
			w->r[c * T + i] = 0.0;
	adf_qr_qmul(w->z2, T, q2, w->tau, w->r, 2 * m);
	return QM_OK;
}

/* Dot product of two columns of length T. */
static double dot(const double *a, const double *b, size_t T)
{
	double s0 = 0.0, s1 = 0.0;
	size_t t;

	for (t = 0; t + 1 < T; t += 2) {
		s0 += a[t] * b[t];
		s1 += a[t + 1] * b[t + 1];
	}
	if (t < T)
		s0 += a[t] * b[t];
	return s0 + s1;
}

/* Moment matrices S00, S01, S11 (m x m, row-major) from the residuals. */
static void moments(johansen_workspace *w, size_t T, size_t m)
{
	const double *r0 = w->r, *r1 = w->r + m * T;
	size_t i, j;

	for (i = 0; i < m; i++)
		for (j = 0; j < m; j++) {
			w->s01[i * m + j] = dot(r0 + i * T, r1 + j * T, T) / T;
			if (j < i)
				continue;
			w->s00[i * m + j] = dot(r0 + i * T, r0 + j * T, T) / T;
			w->s11[i * m + j] = dot(r1 + i * T, r1 + j * T, T) / T;
			w->s00[j * m + i] = w->s00[i * m + j];
			w->s11[j * m + i] = w->s11[i * m + j];
		}
}

/* In-place lower Cholesky factor of an m x m SPD matrix; ESINGULAR if not. */
static int cholesky(double *a, size_t m)
{
	size_t i, j, l;

	for (j = 0; j < m; j++) {
		double d = a[j * m + j];

		for (l = 0; l < j; l++)
			d -= a[j * m + l] * a[j * m + l];
		/* relative test: a collinear series leaves ~0 on the diagonal */
		if (!(d > 1e-13 * a[j * m + j]))
			return QM_ESINGULAR;
		d = sqrt(d);
		a[j * m + j] = d;
		for (i = j + 1; i < m; i++) {
			double s = a[i * m + j];

			for (l = 0; l < j; l++)
				s -= a[i * m + l] * a[j * m + l];
			a[i * m + j] = s / d;
		}
		for (i = 0; i < j; i++)
			a[i * m + j] = 0.0;
	}
	return QM_OK;
}

/* Solves L X = B in place (B is m x m row-major, L lower triangular). */
static void lower_solve(const double *L, double *B, size_t m)
{
	size_t i, j, l;

	for (j = 0; j < m; j++)
		for (i = 0; i < m; i++) {
			double s = B[i * m + j];

			for (l = 0; l < i; l++)
				s -= L[i * m + l] * B[l * m + j];
			B[i * m + j] = s / L[i * m + i];
		}
}

/*
 * Builds C = M'M with M = L0^{-1} S01 L1^{-T} in w->c; s00 and s11 hold
 * their Cholesky factors on return.
 */
static int reduce(johansen_workspace *w, size_t m)
{
	double a[JOHANSEN_MAXVARS * JOHANSEN_MAXVARS];
	size_t i, j, l;
	int st;

	if ((st = cholesky(w->s00, m)) != QM_OK)
		return st;
	if ((st = cholesky(w->s11, m)) != QM_OK)
		return st;
	/* a = L0^{-1} S01, then a' <- L1^{-1} a' so a = L0^{-1} S01 L1^{-T} */
	for (i = 0; i < m * m; i++)
		a[i] = w->s01[i];
	lower_solve(w->s00, a, m);
	for (i = 0; i < m; i++)
		for (j = i + 1; j < m; j++) {
			double tmp = a[i * m + j];

			a[i * m + j] = a[j * m + i];
			a[j * m + i] = tmp;
		}
	lower_solve(w->s11, a, m);	/* a now holds M' */
	for (i = 0; i < m; i++)
		for (j = 0; j < m; j++) {
			double s = 0.0;

			for (l = 0; l < m; l++)
				s += a[i * m + l] * a[j * m + l];
			gsl_matrix_set(w->c, i, j, s);
		}
	return QM_OK;
}

/*
 * Eigen-decomposes C, maps u to v = L1^{-T} u (so v'S11 v = 1), makes each
 * vector's first non-zero element positive, and stores eigenvalues
 * (descending) and vectors in res.
 */
static int eigen(johansen_workspace *w, size_t m, johansen_result *res)
{
	size_t i, j, l;

	if (gsl_eigen_symmv(w->c, w->lam, w->u, w->eig) != GSL_SUCCESS)
		return QM_ENOCONV;
	gsl_eigen_symmv_sort(w->lam, w->u, GSL_EIGEN_SORT_VAL_DESC);
	for (j = 0; j < m; j++) {
		double lam = gsl_vector_get(w->lam, j), sign = 0.0;

		/* rounding can leave tiny negatives; 1 would be an exact fit */
		if (lam < 0.0)
			lam = 0.0;
		if (!(lam < 1.0))
			return QM_ESINGULAR;
		res->eig[j] = lam;
		/* back-substitute L1' v = u */
		for (i = m; i-- > 0;) {
			double s = gsl_matrix_get(w->u, i, j);

			for (l = i + 1; l < m; l++)
				s -= w->s11[l * m + i] * res->evec[l * m + j];
			res->evec[i * m + j] = s / w->s11[i * m + i];
		}
		for (i = 0; i < m && sign == 0.0; i++)
			if (res->evec[i * m + j] != 0.0)
				sign = res->evec[i * m + j] > 0.0 ? 1.0 : -1.0;
		for (i = 0; i < m; i++)
			res->evec[i * m + j] *= sign;
	}
	return QM_OK;
}

/* Trace and max-eigenvalue statistics, critical values and chosen ranks. */
static void statistics(johansen_result *res, size_t m, size_t T, int det)
{
	size_t r;
	double acc = 0.0;

	for (r = m; r-- > 0;) {
		double l = -(double)T * log1p(-res->eig[r]);

		acc += l;
		res->trace[r] = acc;
		res->maxeig[r] = l;
		johansen_crit(m - r, det, res->trace_cv[r], res->maxeig_cv[r]);
	}
	/* sequential testing: the rank is the first r not rejected at 95% */
	res->rank_trace = res->rank_maxeig = m;
	for (r = 0; r < m; r++)
		if (res->trace[r] < res->trace_cv[r][1]) {
			res->rank_trace = r;
			break;
		}
	for (r = 0; r < m; r++)
		if (res->maxeig[r] < res->maxeig_cv[r][1]) {
			res->rank_maxeig = r;
			break;
		}
}

/* Johansen test (see johansen.h). */
int johansen_test(const double *y, size_t n, size_t m, size_t p, int det,
		  johansen_workspace *w, johansen_result *res)
{
	size_t T, q2;
	int st;

	if (res == NULL)
		return QM_EINVAL;
	result_nan(res, m, p, det);
	if (y == NULL || w == NULL || m < 2 || m > JOHANSEN_MAXVARS ||
	    p < 1 || det < JOHANSEN_DET_NONE || det > JOHANSEN_DET_TREND)
		return QM_EINVAL;
	q2 = (p - 1) * m + (size_t)(det + 1);
	if (n <= p || n - p < q2 + m + JOHANSEN_MIN_DOF)
		return QM_ETOOSHORT;
	if (n > w->nmax || m != w->m || p > w->pmax)
		return QM_ENOMEM;
	st = check_data(y, n, m);
	if (st != QM_OK)
		return st;
	T = n - p;
	build(y, n, m, p, det, w->z2, w->r);
	st = concentrate(w, T, q2, m);
	if (st == QM_OK) {
		moments(w, T, m);
		st = reduce(w, m);
	}
	if (st == QM_OK)
		st = eigen(w, m, res);
	if (st != QM_OK) {
		result_nan(res, m, p, det);
		return st;
	}
	res->nobs = T;
	statistics(res, m, T, det);
	return QM_OK;
}
