/*
 * check_coint.c -- tests for models/adf, models/coint and models/johansen.
 *
 * Why it exists: a wrong critical value or a silently mis-specified
 * regression makes a pair look cointegrated when it is not, and a
 * strategy trades it.  Every check compares against something the code
 * did not produce:
 *   - published tables: Fuller (1996) Dickey-Fuller quantiles and Enders
 *     (2014) Table C Engle-Granger quantiles against the MacKinnon (2010)
 *     response surfaces; EViews' printed MacKinnon-Haug-Michelis values,
 *     Osterwald-Lenum (1992) and Johansen (1995) Johansen quantiles; the
 *     MacKinnon (1994) p-value functions at the 2010 quantiles;
 *   - second methods: least squares by long-double normal equations; lag
 *     choice by fitting every order separately; Johansen eigenvalues from
 *     S11^{-1} S10 S00^{-1} S01 and GSL's nonsymmetric solver;
 *   - Monte Carlo with order-statistic confidence bands (fixed seeds);
 *   - the real-data facts of ../shared/market-data/README.md, read only
 *     when that folder is present (skipped otherwise).
 * Bad input of every kind must give a status code, never a crash.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "adf.h"
#include "coint.h"
#include "johansen.h"
#include "qm-status.h"

/* --- helpers ----------------------------------------------------------- */

/* A fresh Mersenne-Twister with a fixed seed. */
static gsl_rng *rng_new(unsigned long seed)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

	gsl_rng_set(r, seed);
	return r;
}

/* Random walk x_t = x_{t-1} + drift + sd e_t starting at x0. */
static void random_walk(gsl_rng *r, double *x, size_t n, double x0,
			double drift, double sd)
{
	size_t t;

	x[0] = x0;
	for (t = 1; t < n; t++)
		x[t] = x[t - 1] + drift + sd * gsl_ran_gaussian_ziggurat(r, 1.0);
}

/* Stationary AR(1) u_t = phi u_{t-1} + sd e_t. */
static void ar1(gsl_rng *r, double *u, size_t n, double phi, double sd)
{
	size_t t;

	u[0] = sd * gsl_ran_gaussian_ziggurat(r, 1.0) / sqrt(1.0 - phi * phi);
	for (t = 1; t < n; t++)
		u[t] = phi * u[t - 1] + sd * gsl_ran_gaussian_ziggurat(r, 1.0);
}

/* Ascending comparison for qsort. */
static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Checks that q lies in the 99.9% distribution-free confidence band of the
 * alpha-quantile of the sample s[0..R-1] (sorted here): the number of draws
 * below the true quantile is Binomial(R, alpha), so the band is the order
 * statistics R alpha -+ 3.29 sqrt(R alpha (1 - alpha)), widened by slack.
 */
static void check_quantile(double *s, size_t R, double alpha, double q,
			   double slack, const char *what)
{
	double sd = sqrt((double)R * alpha * (1.0 - alpha));
	long lo = (long)floor((double)R * alpha - 3.29 * sd);
	long hi = (long)ceil((double)R * alpha + 3.29 * sd);

	qsort(s, R, sizeof(double), cmp_dbl);
	if (lo < 0)
		lo = 0;
	if (hi > (long)R - 1)
		hi = (long)R - 1;
	ck_assert_msg(q >= s[lo] - slack && q <= s[hi] + slack,
		      "%s: reference %.4f outside MC band [%.4f, %.4f] "
		      "(+-%.3f)", what, q, s[lo], s[hi], slack);
}

/*
 * Least squares by normal equations in long double with partial pivoting:
 * X is row-major n x p, the solution goes to b[p].  The second method the
 * QR results are compared with.
 */
static void ls_normal(const long double *X, const long double *y, size_t n,
		      size_t p, long double *b)
{
	long double A[40][41];
	size_t i, j, k, t;

	ck_assert(p <= 40);
	for (i = 0; i < p; i++) {
		for (j = 0; j <= p; j++)
			A[i][j] = 0.0L;
		for (t = 0; t < n; t++) {
			for (j = 0; j < p; j++)
				A[i][j] += X[t * p + i] * X[t * p + j];
			A[i][p] += X[t * p + i] * y[t];
		}
	}
	for (k = 0; k < p; k++) {
		size_t piv = k;

		for (i = k + 1; i < p; i++)
			if (fabsl(A[i][k]) > fabsl(A[piv][k]))
				piv = i;
		for (j = 0; j <= p; j++) {
			long double tmp = A[k][j];

			A[k][j] = A[piv][j];
			A[piv][j] = tmp;
		}
		for (i = k + 1; i < p; i++) {
			long double f = A[i][k] / A[k][k];

			for (j = k; j <= p; j++)
				A[i][j] -= f * A[k][j];
		}
	}
	for (i = p; i-- > 0;) {
		long double s = A[i][p];

		for (j = i + 1; j < p; j++)
			s -= A[i][j] * b[j];
		b[i] = s / A[i][i];
	}
}

/* Inverse of a small p x p matrix in long double (Gauss-Jordan). */
static void inv_ld(const long double *a, size_t p, long double *out)
{
	long double m[12][24];
	size_t i, j, k;

	for (i = 0; i < p; i++)
		for (j = 0; j < 2 * p; j++)
			m[i][j] = j < p ? a[i * p + j] : (j - p == i ? 1.0L : 0.0L);
	for (k = 0; k < p; k++) {
		size_t piv = k;

		for (i = k + 1; i < p; i++)
			if (fabsl(m[i][k]) > fabsl(m[piv][k]))
				piv = i;
		for (j = 0; j < 2 * p; j++) {
			long double tmp = m[k][j];

			m[k][j] = m[piv][j];
			m[piv][j] = tmp;
		}
		for (i = 0; i < p; i++) {
			long double f;

			if (i == k)
				continue;
			f = m[i][k] / m[k][k];
			for (j = 0; j < 2 * p; j++)
				m[i][j] -= f * m[k][j];
		}
	}
	for (i = 0; i < p; i++)
		for (j = 0; j < p; j++)
			out[i * p + j] = m[i][p + j] / m[i][i];
}

/* --- published tables -------------------------------------------------- */

/*
 * Fuller (1996) Dickey-Fuller quantiles as printed by Enders (2014),
 * Statistical Tables, Table A.  Fuller's tables come from older, smaller
 * simulations rounded to 0.01; MacKinnon (1991, 2010) found them off by up
 * to about 0.02-0.03 in the 1% tail and 0.01 elsewhere, hence the bands.
 */
START_TEST(test_fuller_df)
{
	static const double T[6] = { 25, 50, 100, 250, 500, INFINITY };
	static const double tau_n[6][3] = {
		{ -2.65, -1.95, -1.60 }, { -2.62, -1.95, -1.61 },
		{ -2.60, -1.95, -1.61 }, { -2.58, -1.95, -1.62 },
		{ -2.58, -1.95, -1.62 }, { -2.58, -1.95, -1.62 } };
	static const double tau_c[6][3] = {
		{ -3.75, -2.99, -2.62 }, { -3.59, -2.93, -2.60 },
		{ -3.50, -2.89, -2.59 }, { -3.45, -2.88, -2.58 },
		{ -3.44, -2.87, -2.57 }, { -3.42, -2.86, -2.57 } };
	static const double tau_ct[6][3] = {
		{ -4.38, -3.60, -3.24 }, { -4.15, -3.50, -3.18 },
		{ -4.05, -3.45, -3.15 }, { -3.99, -3.43, -3.13 },
		{ -3.97, -3.42, -3.13 }, { -3.96, -3.41, -3.12 } };
	static const double tol[3] = { 0.03, 0.015, 0.015 };
	int i, l;

	for (i = 0; i < 6; i++) {
		double cn[3], cc[3], cct[3];

		ck_assert_int_eq(adf_mackinnon_crit(1, ADF_TREND_N, T[i], cn),
				 QM_OK);
		ck_assert_int_eq(adf_mackinnon_crit(1, ADF_TREND_C, T[i], cc),
				 QM_OK);
		ck_assert_int_eq(adf_mackinnon_crit(1, ADF_TREND_CT, T[i], cct),
				 QM_OK);
		for (l = 0; l < 3; l++) {
			ck_assert_double_eq_tol(cn[l], tau_n[i][l], tol[l]);
			ck_assert_double_eq_tol(cc[l], tau_c[i][l], tol[l]);
			ck_assert_double_eq_tol(cct[l], tau_ct[i][l], tol[l]);
		}
	}
}
END_TEST

/*
 * Engle-Granger quantiles printed by Enders (2014) Table C (MacKinnon's
 * 1991 response surfaces evaluated at T): the 2010 re-estimates move them
 * by less than 0.01 at these sample sizes.
 */
START_TEST(test_enders_eg)
{
	static const struct {
		size_t N;
		double T, q[3];
	} ref[] = {
		{ 2, 50, { -4.123, -3.461, -3.130 } },
		{ 2, 100, { -4.008, -3.398, -3.087 } },
		{ 3, 50, { -4.592, -3.915, -3.578 } },
	};
	size_t i, l;

	for (i = 0; i < sizeof(ref) / sizeof(ref[0]); i++) {
		double c[3];

		ck_assert_int_eq(adf_mackinnon_crit(ref[i].N, ADF_TREND_C,
						    ref[i].T, c), QM_OK);
		for (l = 0; l < 3; l++)
			ck_assert_double_eq_tol(c[l], ref[i].q[l], 0.01);
	}
}
END_TEST

/*
 * The MacKinnon (1994) p-value functions and the MacKinnon (2010)
 * asymptotic quantiles are independent estimates of the same
 * distributions: at the 2010 1/5/10% quantiles the 1994 function must give
 * 0.01/0.05/0.10.  Both come from simulations with millions of draws and
 * agree to better than 0.5% of alpha (+ 0.0002); a slipped digit in either
 * table's leading coefficients moves p by more than that.
 */
START_TEST(test_pvalue_at_crit)
{
	static const double alpha[3] = { 0.01, 0.05, 0.10 };
	int trend;
	size_t N;
	int l;

	for (trend = ADF_TREND_N; trend <= ADF_TREND_CT; trend++)
		for (N = 1; N <= 6; N++) {
			double c[3], p;

			if (trend == ADF_TREND_N && N > 1)
				continue;	/* no 2010 table to compare with */
			adf_mackinnon_crit(N, trend, INFINITY, c);
			for (l = 0; l < 3; l++) {
				ck_assert_int_eq(adf_mackinnon_pvalue(
					c[l], N, trend, &p), QM_OK);
				ck_assert_double_eq_tol(p, alpha[l],
					0.005 * alpha[l] + 0.0002);
			}
		}
}
END_TEST

/* p-values are monotone, bounded, and saturate beyond tau_min / tau_max. */
START_TEST(test_pvalue_shape)
{
	double prev = -1.0, p;
	double s;

	for (s = -25.0; s <= 4.0; s += 0.01) {
		ck_assert_int_eq(adf_mackinnon_pvalue(s, 2, ADF_TREND_C, &p),
				 QM_OK);
		ck_assert(p >= 0.0 && p <= 1.0);
		ck_assert(p >= prev - 1e-3);	/* pieces join within 1e-3 */
		prev = p;
	}
	adf_mackinnon_pvalue(-30.0, 1, ADF_TREND_C, &p);
	ck_assert(p == 0.0);
	adf_mackinnon_pvalue(5.0, 1, ADF_TREND_C, &p);
	ck_assert(p == 1.0);
}
END_TEST

/*
 * MacKinnon-Haug-Michelis values as printed by EViews (case 3, 95%):
 * checks the transcription of the Johansen tables.  EViews evaluates the
 * MHM response surfaces itself and its figures differ from those of
 * MacKinnon's johdist run by up to 3e-5 relative, hence 5e-5 + 0.001.
 */
START_TEST(test_mhm_eviews)
{
	static const double tr[7] = { 3.841466, 15.49471, 29.79707, 47.85613,
				      69.81889, 95.754, 125.615 };
	static const double mx[7] = { 3.841466, 14.26460, 21.13162, 27.58434,
				      33.87687, 40.078, 46.231 };
	size_t i;

	for (i = 0; i < 7; i++) {
		double t[3], m[3];

		ck_assert_int_eq(johansen_crit(i + 1, JOHANSEN_DET_CONST, t, m),
				 QM_OK);
		ck_assert_double_eq_tol(t[1], tr[i], 5e-5 * tr[i] + 0.001);
		ck_assert_double_eq_tol(m[1], mx[i], 5e-5 * mx[i] + 0.001);
	}
}
END_TEST

/*
 * Independent simulations of the same asymptotic quantiles: Osterwald-
 * Lenum (1992) Table 1 (case 3, as printed by Stata) and Johansen (1995)
 * Table 15.1 (case 1).  Both used finite T (400) and fewer replications
 * and run 1-2% low for large m - r, so the band is 2% relative plus 0.1
 * for their absolute simulation error (OL's m - r = 1 value is 3.76, the
 * exact chi-square(1) quantile 3.84).
 */
START_TEST(test_mhm_independent)
{
	static const double ol_tr[7] = { 3.76, 15.41, 29.68, 47.21, 68.52,
					 94.15, 124.24 };
	static const double ol_mx[7] = { 3.76, 14.07, 20.97, 27.07, 33.46,
					 39.37, 45.28 };
	static const double j95[5][3] = {
		{ 2.98, 4.14, 7.02 }, { 10.35, 12.21, 16.16 },
		{ 21.58, 24.08, 29.19 }, { 36.58, 39.71, 46.00 },
		{ 55.54, 59.24, 66.71 } };
	size_t i, l;

	for (i = 0; i < 7; i++) {
		double t[3], m[3];

		johansen_crit(i + 1, JOHANSEN_DET_CONST, t, m);
		ck_assert_double_eq_tol(t[1], ol_tr[i], 0.02 * ol_tr[i] + 0.1);
		ck_assert_double_eq_tol(m[1], ol_mx[i], 0.02 * ol_mx[i] + 0.1);
	}
	for (i = 0; i < 5; i++) {
		double t[3];

		johansen_crit(i + 1, JOHANSEN_DET_NONE, t, NULL);
		for (l = 0; l < 3; l++)
			ck_assert_double_eq_tol(t[l], j95[i][l],
						0.02 * j95[i][l] + 0.1);
	}
}
END_TEST

/*
 * Structural facts of the tables: critical values move outward with N and
 * with smaller T, 1% < 5% < 10%, and Johansen quantiles increase with m - r
 * and with the level.  For m - r = 1 the case 3 and case 5 statistics are
 * asymptotically chi-square(1) (Johansen 1995, Theorem 6.2), whose
 * quantiles are known exactly.  Smoothness in N catches slipped digits in
 * rows no other source covers: the MacKinnon (2010) asymptotic quantiles
 * are convex in N with shrinking curvature (second differences positive
 * and decreasing), the Johansen trace quantiles grow like 2 (m - r)^2
 * (second differences near 4) and the max-eigenvalue ones almost linearly;
 * the bands allow for the tables' simulation noise (about 0.3 in the
 * trace second differences).
 */
START_TEST(test_table_shape)
{
	int trend, det;
	size_t N, i;

	for (trend = ADF_TREND_C; trend <= ADF_TREND_CT; trend++)
		for (N = 1; N <= ADF_MAXVARS; N++) {
			double a[3], b[3], c[3];

			adf_mackinnon_crit(N, trend, INFINITY, a);
			adf_mackinnon_crit(N, trend, 50.0, b);
			ck_assert(a[0] < a[1] && a[1] < a[2]);
			ck_assert(b[0] < a[0] && b[1] < a[1] && b[2] < a[2]);
			if (N > 1) {
				adf_mackinnon_crit(N - 1, trend, INFINITY, c);
				ck_assert(a[1] < c[1]);
			}
		}
	for (trend = ADF_TREND_C; trend <= ADF_TREND_CT; trend++) {
		double q[ADF_MAXVARS + 1][3], prev[3] = { 1, 1, 1 };
		int l;

		for (N = 1; N <= ADF_MAXVARS; N++)
			adf_mackinnon_crit(N, trend, INFINITY, q[N]);
		for (N = 2; N < ADF_MAXVARS; N++)
			for (l = 0; l < 3; l++) {
				double d2 = q[N + 1][l] - 2 * q[N][l] + q[N - 1][l];

				ck_assert_msg(d2 > 0.0 && d2 < prev[l] + 0.002,
					      "trend %d N %zu level %d", trend, N, l);
				prev[l] = d2;
			}
	}
	for (det = JOHANSEN_DET_NONE; det <= JOHANSEN_DET_TREND; det++) {
		double t[JOHANSEN_MAXVARS + 1][3], m[JOHANSEN_MAXVARS + 1][3];
		int l;

		for (i = 1; i <= JOHANSEN_MAXVARS; i++)
			johansen_crit(i, det, t[i], m[i]);
		for (i = 3; i < JOHANSEN_MAXVARS; i++)
			for (l = 0; l < 3; l++) {
				double dt = t[i + 1][l] - 2 * t[i][l] + t[i - 1][l];
				double dm = m[i + 1][l] - 2 * m[i][l] + m[i - 1][l];

				ck_assert_msg(dt > 3.3 && dt < 4.7, "det %d m-r %zu", det, i);
				ck_assert_msg(dm > -0.8 && dm < 0.2, "det %d m-r %zu", det, i);
			}
		if (det >= JOHANSEN_DET_CONST)
			for (l = 0; l < 3; l++) {
				static const double lev[3] = { 0.90, 0.95, 0.99 };
				double chi = gsl_cdf_chisq_Pinv(lev[l], 1.0);

				ck_assert_double_eq_tol(t[1][l], chi, 1e-4);
				ck_assert_double_eq_tol(m[1][l], chi, 1e-4);
			}
	}
	for (det = JOHANSEN_DET_NONE; det <= JOHANSEN_DET_TREND; det++)
		for (i = 1; i <= JOHANSEN_MAXVARS; i++) {
			double t[3], m[3], t0[3];

			johansen_crit(i, det, t, m);
			ck_assert(t[0] < t[1] && t[1] < t[2]);
			ck_assert(m[0] < m[1] && m[1] < m[2]);
			ck_assert(m[1] <= t[1]);
			if (i > 1) {
				johansen_crit(i - 1, det, t0, NULL);
				ck_assert(t[1] > t0[1]);
			}
		}
}
END_TEST

/*
 * The empirical CDF of the sorted draws s[0..R-1] at the points x[] against
 * the MacKinnon (1994) asymptotic p-values: |F_R - p| within 3.29 binomial
 * standard errors (99.9%) plus `bias` for the finite-sample distance.
 * This exercises the large-p branch of the p-value functions.
 */
static void check_ecdf(const double *s, size_t R, const double *x, size_t nx,
		       size_t nvars, int trend, double bias)
{
	size_t i, k;

	for (i = 0; i < nx; i++) {
		double p, F;

		for (k = 0; k < R && s[k] <= x[i]; k++)
			;
		F = (double)k / (double)R;
		adf_mackinnon_pvalue(x[i], nvars, trend, &p);
		ck_assert_msg(fabs(F - p) < 3.29 * sqrt(p * (1 - p) / R) + bias,
			      "N %zu at %.2f: ECDF %.4f, MacKinnon %.4f",
			      nvars, x[i], F, p);
	}
}

/* --- least squares against normal equations ---------------------------- */

/*
 * QR least squares on a price-like design (large means, so X'X is badly
 * conditioned) against long-double normal equations.  Long double carries
 * 64 bits of mantissa, enough to make its error negligible here; the QR is
 * backward stable, so 1e-9 relative covers cond(X) ~ 1e4 comfortably.
 */
START_TEST(test_qr_vs_normal)
{
	enum { N = 400, P = 4 };
	gsl_rng *r = rng_new(11);
	double *a = malloc(N * P * sizeof(double)), b[N], tau[P], work[P];
	double x[P];
	long double X[N * P], y[N], ref[P];
	size_t t, j;

	for (t = 0; t < N; t++) {
		X[t * P + 0] = 1.0L;
		X[t * P + 1] = 100.0 + 5.0 * gsl_ran_gaussian(r, 1.0);
		X[t * P + 2] = 50.0 + (double)t * 0.01;
		X[t * P + 3] = gsl_ran_gaussian(r, 1.0);
		y[t] = 3.0L + 1.7L * X[t * P + 1] - 0.4L * X[t * P + 2] +
		       2.0L * X[t * P + 3] + gsl_ran_gaussian(r, 0.5);
		for (j = 0; j < P; j++)
			a[j * N + t] = (double)X[t * P + j];
		b[t] = (double)y[t];
	}
	ck_assert_int_eq(adf_qr_decomp(a, N, P, tau, work), QM_OK);
	ck_assert_int_eq(adf_qr_qtmul(a, N, P, tau, b, 1), QM_OK);
	ck_assert_int_eq(adf_qr_rsolve(a, N, P, b, x), QM_OK);
	ls_normal(X, y, N, P, ref);
	for (j = 0; j < P; j++)
		ck_assert_double_eq_tol(x[j], (double)ref[j],
					1e-9 * fabs((double)ref[j]) + 1e-12);
	/* Q is orthogonal: Q Q' b = b */
	for (t = 0; t < N; t++)
		b[t] = (double)y[t];
	adf_qr_qtmul(a, N, P, tau, b, 1);
	adf_qr_qmul(a, N, P, tau, b, 1);
	for (t = 0; t < N; t++)
		ck_assert_double_eq_tol(b[t], (double)y[t], 1e-9);
	free(a);
	gsl_rng_free(r);
}
END_TEST

/*
 * The ADF t-ratio from an independently built design solved by long-double
 * normal equations, for each deterministic case and a fixed lag of 2.
 */
static void adf_reference(const double *y, size_t n, int trend, size_t L,
			  double *stat, double *gamma)
{
	size_t nt = (size_t)trend, q = nt + 1 + L, m = n - L - 1, t, i, g = nt;
	long double *X = malloc(m * q * sizeof(long double));
	long double *d = malloc(m * sizeof(long double)), b[40], A[1600];
	long double Ainv[1600], ssr = 0.0L;

	for (t = L + 1; t < n; t++) {
		long double *row = X + (t - L - 1) * q;
		size_t c = 0;

		if (nt >= 1)
			row[c++] = 1.0L;
		if (nt >= 2)
			row[c++] = (long double)(t - L);
		row[c++] = y[t - 1];
		for (i = 1; i <= L; i++)
			row[c++] = (long double)y[t - i] - y[t - i - 1];
		d[t - L - 1] = (long double)y[t] - y[t - 1];
	}
	ls_normal(X, d, m, q, b);
	for (t = 0; t < m; t++) {
		long double f = 0.0L;

		for (i = 0; i < q; i++)
			f += X[t * q + i] * b[i];
		ssr += (d[t] - f) * (d[t] - f);
	}
	for (i = 0; i < q * q; i++)
		A[i] = 0.0L;
	for (t = 0; t < m; t++)
		for (i = 0; i < q; i++) {
			size_t j;

			for (j = 0; j < q; j++)
				A[i * q + j] += X[t * q + i] * X[t * q + j];
		}
	ck_assert(q <= 12);
	inv_ld(A, q, Ainv);
	*gamma = (double)b[g];
	*stat = (double)(b[g] / sqrtl(ssr / (m - q) * Ainv[g * q + g]));
	free(X);
	free(d);
}

/* ADF statistic and gamma for each deterministic case, lag 2, vs the reference. */
START_TEST(test_adf_vs_normal)
{
	enum { N = 300 };
	gsl_rng *r = rng_new(21);
	adf_workspace *w = adf_workspace_alloc(N, 10);
	double y[N], u[N];
	int trend;
	size_t t;

	ar1(r, u, N, 0.7, 1.0);
	random_walk(r, y, N, 80.0, 0.02, 1.0);
	for (t = 0; t < N; t++)
		y[t] = 0.5 * y[t] + u[t];
	for (trend = ADF_TREND_N; trend <= ADF_TREND_CT; trend++) {
		adf_result res;
		double st, gm;

		ck_assert_int_eq(adf_test(y, N, trend, ADF_LAG_FIXED, 2, w,
					  &res), QM_OK);
		adf_reference(y, N, trend, 2, &st, &gm);
		ck_assert_double_eq_tol(res.stat, st, 1e-8 * fabs(st));
		ck_assert_double_eq_tol(res.gamma, gm, 1e-8 * fabs(gm));
		ck_assert_uint_eq(res.nobs, N - 3);
		ck_assert_uint_eq(res.lags, 2);
	}
	adf_workspace_free(w);
	gsl_rng_free(r);
}
END_TEST

/*
 * Lag choice against brute force: every order fitted separately on the
 * common sample by long-double normal equations, criterion as statsmodels
 * (m ln(2 pi SSR/m) + m + penalty), ties to the smaller order.
 */
static size_t brute_lag(const double *y, size_t n, int trend, size_t maxlag,
			int bic, double *icbest)
{
	size_t nt = (size_t)trend, m = n - maxlag - 1, L, best = 0, t, i;
	double bestic = INFINITY;

	for (L = 0; L <= maxlag; L++) {
		size_t q = nt + 1 + L;
		long double *X = malloc(m * q * sizeof(long double));
		long double *d = malloc(m * sizeof(long double)), b[40];
		long double ssr = 0.0L;
		double ic;

		for (t = maxlag + 1; t < n; t++) {
			long double *row = X + (t - maxlag - 1) * q;
			size_t c = 0;

			if (nt >= 1)
				row[c++] = 1.0L;
			if (nt >= 2)
				row[c++] = (long double)(t - maxlag);
			row[c++] = y[t - 1];
			for (i = 1; i <= L; i++)
				row[c++] = (long double)y[t - i] - y[t - i - 1];
			d[t - maxlag - 1] = (long double)y[t] - y[t - 1];
		}
		ls_normal(X, d, m, q, b);
		for (t = 0; t < m; t++) {
			long double f = 0.0L;

			for (i = 0; i < q; i++)
				f += X[t * q + i] * b[i];
			ssr += (d[t] - f) * (d[t] - f);
		}
		ic = (double)m * (log(2.0 * 3.14159265358979323846 *
				      (double)ssr / (double)m) + 1.0) +
		     (bic ? (double)q * log((double)m) : 2.0 * (double)q);
		if (ic < bestic) {
			bestic = ic;
			best = L;
		}
		free(X);
		free(d);
	}
	*icbest = bestic;
	return best;
}

/* AIC and BIC choices on ARIMA(2,1,0) paths equal the brute-force ones. */
START_TEST(test_autolag_bruteforce)
{
	enum { N = 400 };
	gsl_rng *r = rng_new(31);
	adf_workspace *w = adf_workspace_alloc(N, ADF_MAXLAG_DEFAULT);
	double y[N], e[N];
	int trend, sel, rep;
	size_t t;

	for (rep = 0; rep < 3; rep++) {
		/* an ARIMA(2,1,0): the true lag order is 2 */
		e[0] = e[1] = 0.0;
		for (t = 2; t < N; t++)
			e[t] = 0.5 * e[t - 1] - 0.3 * e[t - 2] +
			       gsl_ran_gaussian(r, 1.0);
		y[0] = 20.0;
		for (t = 1; t < N; t++)
			y[t] = y[t - 1] + e[t];
		for (trend = ADF_TREND_N; trend <= ADF_TREND_CT; trend++)
			for (sel = ADF_LAG_AIC; sel <= ADF_LAG_BIC; sel++) {
				adf_result res;
				double ic;
				size_t L = brute_lag(y, N, trend, 12,
						     sel == ADF_LAG_BIC, &ic);

				ck_assert_int_eq(adf_test(y, N, trend, sel, 12,
							  w, &res), QM_OK);
				ck_assert_uint_eq(res.lags, L);
				ck_assert_double_eq_tol(res.ic, ic, 1e-7 * fabs(ic));
				ck_assert_uint_eq(res.nobs, N - 1 - L);
			}
	}
	adf_workspace_free(w);
	gsl_rng_free(r);
}
END_TEST

/* statsmodels' default bound ceil(12 (n/100)^(1/4)), checked by hand. */
START_TEST(test_default_maxlag)
{
	size_t L;

	adf_default_maxlag(100, &L);
	ck_assert_uint_eq(L, 12);
	adf_default_maxlag(2520, &L);
	ck_assert_uint_eq(L, 27);	/* 12 * 25.2^0.25 = 26.8 */
	adf_default_maxlag(252, &L);
	ck_assert_uint_eq(L, 16);	/* 12 * 2.52^0.25 = 15.2 */
}
END_TEST

/* --- Monte Carlo checks of the null distributions ---------------------- */

/*
 * Dickey-Fuller with constant, no lags, on Gaussian random walks of 251
 * points (T = 250): the empirical 5% and 1% quantiles of 20000 draws must
 * bracket MacKinnon's finite-sample values within the 99.9% band.
 */
START_TEST(test_mc_df)
{
	enum { R = 20000, N = 251 };
	gsl_rng *r = rng_new(101);
	adf_workspace *w = adf_workspace_alloc(N, 0);
	double *s = malloc(R * sizeof(double)), y[N], c[3];
	size_t i;

	for (i = 0; i < R; i++) {
		adf_result res;

		random_walk(r, y, N, 0.0, 0.0, 1.0);
		ck_assert_int_eq(adf_regress(y, N, ADF_TREND_C, ADF_LAG_FIXED,
					     0, w, &res), QM_OK);
		s[i] = res.stat;
	}
	adf_mackinnon_crit(1, ADF_TREND_C, 250.0, c);
	check_quantile(s, R, 0.05, c[1], 0.0, "DF c 5%");
	check_quantile(s, R, 0.01, c[0], 0.0, "DF c 1%");
	{
		/* p from 0.1 to 0.9; 0.01 allows for T = 250 vs asymptotics */
		static const double at[5] = { -2.5, -2.0, -1.5, -0.8, 0.0 };

		check_ecdf(s, R, at, 5, 1, ADF_TREND_C, 0.01);
	}
	free(s);
	adf_workspace_free(w);
	gsl_rng_free(r);
}
END_TEST

/*
 * Engle-Granger with intercept on two independent random walks (N = 2,
 * T = 250): the 5% quantile of 10000 draws against MacKinnon (2010).
 */
START_TEST(test_mc_eg)
{
	enum { R = 10000, N = 251 };
	gsl_rng *r = rng_new(202);
	coint_workspace *w = coint_workspace_alloc(N, 1, 0);
	coint_opts o = { ADF_TREND_C, ADF_LAG_FIXED, 0 };
	double *s = malloc(R * sizeof(double)), y[N], x[N];
	coint_result res;
	size_t i;

	for (i = 0; i < R; i++) {
		random_walk(r, y, N, 0.0, 0.0, 1.0);
		random_walk(r, x, N, 0.0, 0.0, 1.0);
		ck_assert_int_eq(coint_eg(y, x, N, 1, &o, w, &res, NULL), QM_OK);
		s[i] = res.stat;
	}
	ck_assert_uint_eq(res.nobs, 250);
	check_quantile(s, R, 0.05, res.crit[1], 0.0, "EG c N=2 5%");
	{
		static const double at[4] = { -3.0, -2.5, -2.0, -1.2 };

		check_ecdf(s, R, at, 4, 2, ADF_TREND_C, 0.01);
	}
	free(s);
	coint_workspace_free(w);
	gsl_rng_free(r);
}
END_TEST

/*
 * Engle-Granger without intercept (N = 2): the asymptotic quantiles come
 * from inverting MacKinnon (1994); at T = 500 the finite-sample shift is
 * about -b1/T ~ 0.01, allowed as slack 0.02.
 */
START_TEST(test_mc_eg_nc)
{
	enum { R = 10000, N = 501 };
	gsl_rng *r = rng_new(303);
	coint_workspace *w = coint_workspace_alloc(N, 1, 0);
	coint_opts o = { ADF_TREND_N, ADF_LAG_FIXED, 0 };
	double *s = malloc(R * sizeof(double)), y[N], x[N];
	coint_result res;
	size_t i;

	for (i = 0; i < R; i++) {
		random_walk(r, y, N, 0.0, 0.0, 1.0);
		random_walk(r, x, N, 0.0, 0.0, 1.0);
		ck_assert_int_eq(coint_eg(y, x, N, 1, &o, w, &res, NULL), QM_OK);
		s[i] = res.stat;
	}
	check_quantile(s, R, 0.05, res.crit[1], 0.02, "EG nc N=2 5%");
	free(s);
	coint_workspace_free(w);
	gsl_rng_free(r);
}
END_TEST

/*
 * Johansen trace statistic for r = 0 on two independent random walks,
 * T = 500, 5000 draws, against the MHM asymptotic 95% quantile.  Each
 * case's table assumes its own deterministic trend in the data: none for
 * case 1 (det -1), a drift (linear trend) for case 3 (det 0), a linearly
 * growing drift (quadratic trend) for case 5 (det 1).  Slack 2% covers
 * the finite-sample bias MHM tabulate (about 1% at T = 500).
 */
static void mc_johansen(int det, double drift, double accel,
			unsigned long seed)
{
	enum { R = 5000, N = 501 };
	gsl_rng *r = rng_new(seed);
	johansen_workspace *w = johansen_workspace_alloc(N, 2, 1);
	double *s = malloc(R * sizeof(double)), y[2 * N], cv[3];
	johansen_result res;
	size_t i, j, t;

	for (i = 0; i < R; i++) {
		for (j = 0; j < 2; j++) {
			double *x = y + j * N;

			x[0] = 0.0;
			for (t = 1; t < N; t++)
				x[t] = x[t - 1] + drift + accel * (double)t +
				       gsl_ran_gaussian_ziggurat(r, 1.0);
		}
		ck_assert_int_eq(johansen_test(y, N, 2, 1, det, w, &res), QM_OK);
		s[i] = res.trace[0];
	}
	johansen_crit(2, det, cv, NULL);
	check_quantile(s, R, 0.95, cv[1], 0.02 * cv[1], "Johansen trace 95%");
	free(s);
	johansen_workspace_free(w);
	gsl_rng_free(r);
}

/* The three deterministic cases, each with the trend its table assumes. */
START_TEST(test_mc_johansen)
{
	mc_johansen(JOHANSEN_DET_NONE, 0.0, 0.0, 404);
	mc_johansen(JOHANSEN_DET_CONST, 0.5, 0.0, 405);
	mc_johansen(JOHANSEN_DET_TREND, 0.5, 0.01, 406);
}
END_TEST

/* --- Engle-Granger ----------------------------------------------------- */

/* Hedge ratios against long-double normal equations, one and two legs. */
START_TEST(test_eg_beta)
{
	enum { N = 600 };
	gsl_rng *r = rng_new(41);
	coint_workspace *w = coint_workspace_alloc(N, 2, ADF_MAXLAG_DEFAULT);
	double y[N], x[2 * N], u[N], resid[N];
	long double X[4 * N], Y[N], ref[4];
	int trend;
	size_t t, k;

	random_walk(r, x, N, 40.0, 0.01, 0.5);
	random_walk(r, x + N, N, 90.0, -0.01, 0.8);
	ar1(r, u, N, 0.8, 0.3);
	for (t = 0; t < N; t++)
		y[t] = 5.0 + 1.6 * x[t] - 0.3 * x[N + t] + u[t];
	for (k = 1; k <= 2; k++)
		for (trend = ADF_TREND_N; trend <= ADF_TREND_CT; trend++) {
			coint_opts o = { trend, ADF_LAG_AIC, ADF_MAXLAG_DEFAULT };
			coint_result res;
			size_t q = (size_t)trend + k, j;

			for (t = 0; t < N; t++) {
				size_t c = 0;

				if (trend >= 1)
					X[t * q + c++] = 1.0L;
				if (trend >= 2)
					X[t * q + c++] = (long double)t;
				for (j = 0; j < k; j++)
					X[t * q + c++] = x[j * N + t];
				Y[t] = y[t];
			}
			ls_normal(X, Y, N, q, ref);
			ck_assert_int_eq(coint_eg(y, x, N, k, &o, w, &res, resid),
					 QM_OK);
			for (j = 0; j < k; j++)
				ck_assert_double_eq_tol(res.beta[j],
					(double)ref[trend + j],
					1e-9 * fabs((double)ref[trend + j]));
			if (trend >= 1)
				ck_assert_double_eq_tol(res.alpha, (double)ref[0],
					1e-8 * fabs((double)ref[0]) + 1e-10);
			else
				ck_assert(isnan(res.alpha));
			/* the returned spread is y - fit */
			ck_assert_double_eq_tol(resid[7], y[7] - (trend ? res.alpha : 0) -
				(trend == 2 ? res.delta * 7 : 0) - res.beta[0] * x[7] -
				(k == 2 ? res.beta[1] * x[N + 7] : 0), 1e-9);
		}
	coint_workspace_free(w);
	gsl_rng_free(r);
}
END_TEST

/*
 * Power and size: pairs built as y = 1.5 x + AR(1) spread (phi 0.8) are
 * all detected at 1%; for independent random walks the 5% test rejects
 * 20 of 400 on average, and the count must lie in the 99.9% binomial band
 * [6, 34].
 */
START_TEST(test_eg_detection)
{
	enum { N = 500 };
	coint_workspace *w = coint_workspace_alloc(N, 1, ADF_MAXLAG_DEFAULT);
	coint_opts o = { ADF_TREND_C, ADF_LAG_AIC, ADF_MAXLAG_DEFAULT };
	double y[N], x[N], u[N];
	coint_result res;
	int seed, rejected = 0;
	size_t t;

	for (seed = 1; seed <= 20; seed++) {
		gsl_rng *r = rng_new(1000 + seed);

		random_walk(r, x, N, 30.0, 0.0, 0.4);
		ar1(r, u, N, 0.8, 0.3);
		for (t = 0; t < N; t++)
			y[t] = 2.0 + 1.5 * x[t] + u[t];
		ck_assert_int_eq(coint_eg(y, x, N, 1, &o, w, &res, NULL), QM_OK);
		ck_assert_msg(res.pvalue < 0.01, "seed %d p %g", seed, res.pvalue);
		ck_assert(res.stat < res.crit[0]);
		ck_assert_double_eq_tol(res.beta[0], 1.5, 0.05);
		gsl_rng_free(r);
	}
	for (seed = 1; seed <= 400; seed++) {
		gsl_rng *r = rng_new(5000 + seed);

		random_walk(r, x, N, 30.0, 0.0, 0.4);
		random_walk(r, y, N, 50.0, 0.0, 0.6);
		ck_assert_int_eq(coint_eg(y, x, N, 1, &o, w, &res, NULL), QM_OK);
		rejected += res.pvalue < 0.05;
		gsl_rng_free(r);
	}
	ck_assert_msg(rejected >= 6 && rejected <= 34, "rejected %d", rejected);
	coint_workspace_free(w);
}
END_TEST

/*
 * Half-life: an exact geometric decay u_t = c + 0.9^t fits the AR(1)
 * exactly, so h = ln 2 / -ln 0.9 to rounding; a simulated AR(1) with
 * phi = 0.9 and 20000 points gives h within 4 standard errors (the delta
 * method: sd(h) = ln 2 / (phi ln^2 phi) sqrt((1 - phi^2)/n) = 0.21).
 */
START_TEST(test_half_life)
{
	enum { N = 20000 };
	gsl_rng *r = rng_new(51);
	double *u = malloc(N * sizeof(double)), h, phi;
	double exact = log(2.0) / -log(0.9);
	size_t t;

	for (t = 0; t < 200; t++)
		u[t] = 3.0 + pow(0.9, (double)t);
	ck_assert_int_eq(coint_half_life(u, 200, &h, &phi), QM_OK);
	ck_assert_double_eq_tol(phi, 0.9, 1e-9);
	ck_assert_double_eq_tol(h, exact, 1e-7);
	ar1(r, u, N, 0.9, 1.0);
	ck_assert_int_eq(coint_half_life(u, N, &h, &phi), QM_OK);
	ck_assert_double_eq_tol(h, exact, 4 * 0.21);
	/* a random walk is not mean-reverting enough to have a finite
	 * half-life in most samples; an explosive path never has one */
	for (t = 0; t < 100; t++)
		u[t] = pow(1.05, (double)t);
	ck_assert_int_eq(coint_half_life(u, 100, &h, &phi), QM_ENOTMR);
	ck_assert(isinf(h) && phi > 1.0);
	free(u);
	gsl_rng_free(r);
}
END_TEST

/*
 * Rolling health: a stable pair passes; the same pair whose hedge ratio
 * jumps from 1.5 to 2.2 over the last 60 days fails on the drift of beta;
 * a pair whose spread turns into a random walk fails on the p-value.
 */
START_TEST(test_rolling_health)
{
	enum { N = 1000, W = 250, STEP = 5, CAP = 200 };
	gsl_rng *r = rng_new(61);
	coint_workspace *w = coint_workspace_alloc(W, 1, ADF_MAXLAG_DEFAULT);
	coint_opts o = { ADF_TREND_C, ADF_LAG_AIC, ADF_MAXLAG_DEFAULT };
	coint_health_limits lim;
	coint_health h;
	double y[N], x[N], u[N], rw[N];
	double pv[CAP], st[CAP], be[CAP], hl[CAP], work[CAP];
	size_t t, count, expect;

	coint_health_default_limits(&lim);
	random_walk(r, x, N, 40.0, 0.0, 0.5);
	ar1(r, u, N, 0.7, 0.3);
	random_walk(r, rw, N, 0.0, 0.0, 0.3);
	for (t = 0; t < N; t++)
		y[t] = 1.0 + 1.5 * x[t] + u[t];
	ck_assert_int_eq(coint_rolling_count(N, W, STEP, &expect), QM_OK);
	ck_assert_uint_eq(expect, (N - W) / STEP + 1);
	ck_assert_int_eq(coint_rolling(y, x, N, 1, W, STEP, &o, w, pv, st, be,
				       hl, CAP, &count), QM_OK);
	ck_assert_uint_eq(count, expect);
	/* the last window is the latest data: compare with a direct test */
	{
		coint_workspace *w2 = coint_workspace_alloc(W, 1,
							    ADF_MAXLAG_DEFAULT);
		coint_result res;

		coint_eg(y + N - W, x + N - W, W, 1, &o, w2, &res, NULL);
		ck_assert_double_eq_tol(be[count - 1], res.beta[0], 1e-12);
		ck_assert_double_eq_tol(pv[count - 1], res.pvalue, 1e-12);
		coint_workspace_free(w2);
	}
	ck_assert_int_eq(coint_health_eval(pv, be, hl, count, 1, &lim, work, &h),
			 QM_OK);
	ck_assert_int_eq(h.verdict, COINT_PASS);
	ck_assert(h.history == count - 1);
	ck_assert(fabs(h.beta_z) < lim.z_warn);

	/* hedge ratio drifts to 2.2 over the last 60 points */
	for (t = N - 60; t < N; t++)
		y[t] = 1.0 + (1.5 + 0.7 * (double)(t - (N - 60)) / 59.0) * x[t] +
		       u[t];
	coint_rolling(y, x, N, 1, W, STEP, &o, w, pv, st, be, hl, CAP, &count);
	coint_health_eval(pv, be, hl, count, 1, &lim, work, &h);
	ck_assert_int_eq(h.verdict, COINT_FAIL);
	ck_assert(h.reasons & COINT_R_BETA);
	ck_assert(fabs(h.beta_z) > lim.z_fail);

	/* the spread becomes a random walk for the last 250 points */
	for (t = 0; t < N; t++)
		y[t] = 1.0 + 1.5 * x[t] + (t >= N - W ? 5.0 * rw[t] : u[t]);
	coint_rolling(y, x, N, 1, W, STEP, &o, w, pv, st, be, hl, CAP, &count);
	coint_health_eval(pv, be, hl, count, 1, &lim, work, &h);
	ck_assert_int_eq(h.verdict, COINT_FAIL);
	ck_assert(h.reasons & COINT_R_PVALUE);
	ck_assert(h.pvalue > lim.p_fail);
	coint_workspace_free(w);
	gsl_rng_free(r);
}
END_TEST

/* --- Johansen ---------------------------------------------------------- */

/*
 * Second method: residuals by long-double normal equations on a design
 * built here row by row, S matrices in long double, then the eigenvalues
 * of S11^{-1} S10 S00^{-1} S01 by GSL's nonsymmetric solver.  Checks the
 * eigenvalues (1e-9 of the largest), trace statistics, v'S11 v = 1 and the
 * generalised eigen equation for every vector.
 */
static void johansen_second(const double *y, size_t n, size_t m, size_t p,
			    int det)
{
	size_t T = n - p, q2 = (p - 1) * m + (size_t)(det + 1), t, i, j, l;
	long double *Z = malloc(T * (q2 ? q2 : 1) * sizeof(long double));
	long double *R = malloc(2 * m * T * sizeof(long double));
	long double *col = malloc(T * sizeof(long double)), b[80];
	long double S00[144], S01[144], S11[144], S10[144], I00[144], I11[144];
	long double A[144], B[144];
	double ev[12];
	johansen_workspace *w = johansen_workspace_alloc(n, m, p);
	johansen_result res;
	gsl_matrix *M = gsl_matrix_alloc(m, m);
	gsl_vector_complex *eval = gsl_vector_complex_alloc(m);
	gsl_eigen_nonsymm_workspace *ew = gsl_eigen_nonsymm_alloc(m);

	ck_assert_int_eq(johansen_test(y, n, m, p, det, w, &res), QM_OK);
	ck_assert_uint_eq(res.nobs, T);
	for (t = p; t < n; t++) {
		long double *z = Z + (t - p) * q2;
		size_t c = 0;

		if (det >= 0)
			z[c++] = 1.0L;
		if (det >= 1)
			z[c++] = (long double)(t - p + 1);
		for (l = 1; l < p; l++)
			for (i = 0; i < m; i++)
				z[c++] = (long double)y[i * n + t - l] -
					 y[i * n + t - l - 1];
	}
	for (j = 0; j < 2 * m; j++) {
		size_t s = j % m;

		for (t = p; t < n; t++)
			col[t - p] = j < m ? (long double)y[s * n + t] -
					     y[s * n + t - 1]
					   : (long double)y[s * n + t - 1];
		if (q2 > 0)
			ls_normal(Z, col, T, q2, b);
		for (t = 0; t < T; t++) {
			long double f = 0.0L;

			for (l = 0; l < q2; l++)
				f += Z[t * q2 + l] * b[l];
			R[j * T + t] = col[t] - f;
		}
	}
	for (i = 0; i < m; i++)
		for (j = 0; j < m; j++) {
			long double a = 0, c = 0, d = 0;

			for (t = 0; t < T; t++) {
				a += R[i * T + t] * R[j * T + t];
				c += R[i * T + t] * R[(m + j) * T + t];
				d += R[(m + i) * T + t] * R[(m + j) * T + t];
			}
			S00[i * m + j] = a / T;
			S01[i * m + j] = c / T;
			S11[i * m + j] = d / T;
		}
	for (i = 0; i < m; i++)
		for (j = 0; j < m; j++)
			S10[i * m + j] = S01[j * m + i];
	inv_ld(S00, m, I00);
	inv_ld(S11, m, I11);
	/* A = S10 S00^-1 S01, B = S11^-1 A */
	for (i = 0; i < m; i++)
		for (j = 0; j < m; j++) {
			long double s = 0;

			for (l = 0; l < m; l++) {
				size_t k2;

				for (k2 = 0; k2 < m; k2++)
					s += S10[i * m + l] * I00[l * m + k2] *
					     S01[k2 * m + j];
			}
			A[i * m + j] = s;
		}
	for (i = 0; i < m; i++)
		for (j = 0; j < m; j++) {
			long double s = 0;

			for (l = 0; l < m; l++)
				s += I11[i * m + l] * A[l * m + j];
			B[i * m + j] = s;
			gsl_matrix_set(M, i, j, (double)s);
		}
	ck_assert_int_eq(gsl_eigen_nonsymm(M, eval, ew), GSL_SUCCESS);
	for (i = 0; i < m; i++) {
		ck_assert(fabs(GSL_IMAG(gsl_vector_complex_get(eval, i))) < 1e-10);
		ev[i] = GSL_REAL(gsl_vector_complex_get(eval, i));
	}
	qsort(ev, m, sizeof(double), cmp_dbl);
	for (i = 0; i < m; i++) {
		double ref = ev[m - 1 - i], tr = 0.0;

		ck_assert_double_eq_tol(res.eig[i], ref, 1e-9 * ev[m - 1]);
		for (j = i; j < m; j++)
			tr += -(double)T * log(1.0 - ev[m - 1 - j]);
		ck_assert_double_eq_tol(res.trace[i], tr, 1e-7 * tr + 1e-9);
	}
	/* each vector: A v = lambda S11 v and v'S11 v = 1 */
	for (j = 0; j < m; j++) {
		long double quad = 0, norm = 0, resid = 0;

		for (i = 0; i < m; i++) {
			long double av = 0, sv = 0;

			for (l = 0; l < m; l++) {
				av += A[i * m + l] * res.evec[l * m + j];
				sv += S11[i * m + l] * res.evec[l * m + j];
			}
			quad += res.evec[i * m + j] * sv;
			norm += sv * sv;
			resid += (av - res.eig[j] * sv) * (av - res.eig[j] * sv);
		}
		ck_assert_double_eq_tol((double)quad, 1.0, 1e-9);
		ck_assert((double)sqrtl(resid) <= 1e-9 * (double)sqrtl(norm) + 1e-15);
	}
	(void)B;
	gsl_eigen_nonsymm_free(ew);
	gsl_vector_complex_free(eval);
	gsl_matrix_free(M);
	johansen_workspace_free(w);
	free(Z);
	free(R);
	free(col);
}

/*
 * A system of m series driven by `trends` common random walks with drift
 * 0.05 plus AR(1) noise: m - trends cointegrating relations, and linear
 * trends in the levels as the det 0 (case 3) model assumes.
 */
static void make_system(gsl_rng *r, double *y, size_t n, size_t m,
			size_t trends)
{
	double *w = malloc(trends * n * sizeof(double));
	double *u = malloc(n * sizeof(double));
	size_t i, j, t;

	for (j = 0; j < trends; j++)
		random_walk(r, w + j * n, n, 0.0, 0.05, 1.0);
	for (i = 0; i < m; i++) {
		ar1(r, u, n, 0.5, 0.5);
		for (t = 0; t < n; t++) {
			double v = 10.0 * (double)(i + 1) + u[t];

			for (j = 0; j < trends; j++)
				v += (1.0 + 0.3 * (double)((i + 2 * j) % 5) -
				      0.5 * (double)j) * w[j * n + t];
			y[i * n + t] = v;
		}
	}
	free(w);
	free(u);
}

/* Two and six series, every deterministic case, VAR orders 1 to 3. */
START_TEST(test_johansen_second_method)
{
	enum { N = 800 };
	gsl_rng *r = rng_new(71);
	double *y = malloc(6 * N * sizeof(double));
	int det;

	make_system(r, y, N, 2, 1);
	for (det = JOHANSEN_DET_NONE; det <= JOHANSEN_DET_TREND; det++) {
		johansen_second(y, N, 2, 1, det);
		johansen_second(y, N, 2, 2, det);
	}
	make_system(r, y, N, 6, 2);
	for (det = JOHANSEN_DET_NONE; det <= JOHANSEN_DET_TREND; det++)
		johansen_second(y, N, 6, 3, det);
	free(y);
	gsl_rng_free(r);
}
END_TEST

/*
 * Rank detection on simulated systems (fixed seeds): 3 series with one
 * common trend have rank 2; 6 series with two common trends have rank 4;
 * 3 independent random walks have rank 0.
 */
START_TEST(test_johansen_rank)
{
	enum { N = 1000 };
	gsl_rng *r = rng_new(81);
	double *y = malloc(6 * N * sizeof(double));
	johansen_workspace *w3 = johansen_workspace_alloc(N, 3, 2);
	johansen_workspace *w6 = johansen_workspace_alloc(N, 6, 2);
	johansen_result res;
	size_t i;

	make_system(r, y, N, 3, 1);
	ck_assert_int_eq(johansen_test(y, N, 3, 2, JOHANSEN_DET_CONST, w3, &res),
			 QM_OK);
	ck_assert_uint_eq(res.rank_trace, 2);
	ck_assert_uint_eq(res.rank_maxeig, 2);
	make_system(r, y, N, 6, 2);
	ck_assert_int_eq(johansen_test(y, N, 6, 2, JOHANSEN_DET_CONST, w6, &res),
			 QM_OK);
	ck_assert_uint_eq(res.rank_trace, 4);
	for (i = 0; i < 3; i++)
		random_walk(r, y + i * N, N, 0.0, 0.0, 1.0);
	ck_assert_int_eq(johansen_test(y, N, 3, 2, JOHANSEN_DET_NONE, w3, &res),
			 QM_OK);
	ck_assert_uint_eq(res.rank_trace, 0);
	/* eigenvalues descending in [0, 1), statistics consistent */
	for (i = 0; i < 3; i++) {
		ck_assert(res.eig[i] >= 0.0 && res.eig[i] < 1.0);
		if (i)
			ck_assert(res.eig[i] <= res.eig[i - 1]);
		ck_assert_double_eq_tol(res.maxeig[i],
			-(double)res.nobs * log(1.0 - res.eig[i]), 1e-9);
	}
	johansen_workspace_free(w3);
	johansen_workspace_free(w6);
	free(y);
	gsl_rng_free(r);
}
END_TEST

/* --- bad input ---------------------------------------------------------- */

/* ADF and the tables on bad input: every case gives a status and NaN. */
START_TEST(test_bad_adf)
{
	enum { N = 200 };
	gsl_rng *r = rng_new(97);
	adf_workspace *w = adf_workspace_alloc(N, 8), *small;
	double y[N], c[3], p;
	adf_result res;
	size_t t;

	random_walk(r, y, N, 10.0, 0.0, 1.0);
	ck_assert_int_eq(adf_test(y, N, ADF_TREND_C, ADF_LAG_AIC, 8, w, &res),
			 QM_OK);
	ck_assert_int_eq(adf_test(NULL, N, 1, 0, 1, w, &res), QM_EINVAL);
	ck_assert_int_eq(adf_test(y, N, 1, 0, 1, NULL, &res), QM_EINVAL);
	ck_assert_int_eq(adf_test(y, N, 1, 0, 1, w, NULL), QM_EINVAL);
	ck_assert_int_eq(adf_test(y, N, 3, 0, 1, w, &res), QM_EINVAL);
	ck_assert_int_eq(adf_test(y, N, -1, 0, 1, w, &res), QM_EINVAL);
	ck_assert_int_eq(adf_test(y, N, 1, 7, 1, w, &res), QM_EINVAL);
	ck_assert(isnan(res.stat) && isnan(res.pvalue) && isnan(res.crit[1]));
	y[17] = NAN;
	ck_assert_int_eq(adf_test(y, N, 1, 0, 1, w, &res), QM_EINVAL);
	y[17] = INFINITY;
	ck_assert_int_eq(adf_test(y, N, 1, 0, 1, w, &res), QM_EINVAL);
	y[17] = -INFINITY;
	ck_assert_int_eq(adf_test(y, N, 1, 0, 1, w, &res), QM_EINVAL);
	y[17] = 10.0;
	ck_assert_int_eq(adf_test(y, 0, 1, 0, 1, w, &res), QM_ETOOSHORT);
	ck_assert_int_eq(adf_test(y, 2, 1, 0, 1, w, &res), QM_ETOOSHORT);
	ck_assert_int_eq(adf_test(y, 12, 1, 0, 1, w, &res), QM_ETOOSHORT);
	ck_assert_int_eq(adf_test(y, 30, 1, 0, 12, w, &res), QM_ETOOSHORT);
	ck_assert_int_eq(adf_test(y, 20, 1, ADF_LAG_AIC, ADF_MAXLAG_DEFAULT,
				  w, &res), QM_OK);	/* bound shrinks */
	ck_assert_int_eq(adf_test(y, N, 1, 0, 10, w, &res), QM_ENOMEM);
	small = adf_workspace_alloc(50, 2);
	ck_assert_int_eq(adf_test(y, N, 1, 0, 1, small, &res), QM_ENOMEM);
	adf_workspace_free(small);
	for (t = 0; t < N; t++)
		y[t] = 4.2;
	ck_assert_int_eq(adf_test(y, N, 1, 0, 1, w, &res), QM_ECONST);
	/* a straight line: y_{t-1} is collinear with [1, t] */
	for (t = 0; t < N; t++)
		y[t] = 1.0 + 0.5 * (double)t;
	ck_assert_int_eq(adf_test(y, N, ADF_TREND_CT, 0, 1, w, &res),
			 QM_ESINGULAR);
	ck_assert_int_eq(adf_test(y, N, ADF_TREND_C, 0, 0, w, &res),
			 QM_ESINGULAR);
	/* tables */
	ck_assert_int_eq(adf_mackinnon_crit(0, 1, 100, c), QM_EINVAL);
	ck_assert(isnan(c[0]) && isnan(c[1]) && isnan(c[2]));
	ck_assert_int_eq(adf_mackinnon_crit(13, 1, 100, c), QM_EINVAL);
	ck_assert_int_eq(adf_mackinnon_crit(2, 1, NAN, c), QM_EINVAL);
	ck_assert_int_eq(adf_mackinnon_crit(2, 1, 0.0, c), QM_EINVAL);
	ck_assert_int_eq(adf_mackinnon_crit(2, 1, -5.0, c), QM_EINVAL);
	ck_assert_int_eq(adf_mackinnon_crit(2, 5, 100, c), QM_EINVAL);
	ck_assert_int_eq(adf_mackinnon_crit(7, ADF_TREND_N, 100, c), QM_EINVAL);
	ck_assert_int_eq(adf_mackinnon_crit(2, 1, 100, NULL), QM_EINVAL);
	ck_assert_int_eq(adf_mackinnon_pvalue(NAN, 1, 1, &p), QM_EINVAL);
	ck_assert(isnan(p));
	ck_assert_int_eq(adf_mackinnon_pvalue(-3.0, 7, 1, &p), QM_EINVAL);
	ck_assert_int_eq(adf_mackinnon_pvalue(-3.0, 0, 1, &p), QM_EINVAL);
	ck_assert_int_eq(adf_mackinnon_pvalue(-3.0, 1, 9, &p), QM_EINVAL);
	ck_assert_int_eq(adf_mackinnon_pvalue(-3.0, 1, 1, NULL), QM_EINVAL);
	ck_assert_int_eq(adf_mackinnon_pvalue(-INFINITY, 1, 1, &p), QM_OK);
	ck_assert(p == 0.0);
	ck_assert_int_eq(adf_default_maxlag(10, NULL), QM_EINVAL);
	/* a deterministic recursion (a sampled sine) is fitted exactly */
	for (t = 0; t < N; t++)
		y[t] = 10.0 + sin(0.1 * (double)t);
	ck_assert_int_eq(adf_test(y, N, ADF_TREND_C, ADF_LAG_FIXED, 2, w, &res),
			 QM_ESINGULAR);
	ck_assert_ptr_null(adf_workspace_alloc(2, 0));
	adf_workspace_free(NULL);
	adf_workspace_free(w);
	gsl_rng_free(r);
}
END_TEST

/* The QR kernel rejects collinear, overflowing and malformed input. */
START_TEST(test_bad_qr)
{
	double a[6] = { 1, 2, 3, 2, 4, 6 }, tau[2], work[2], b[3], x[2];

	/* second column = 2 x first: collinear */
	ck_assert_int_eq(adf_qr_decomp(a, 3, 2, tau, work), QM_ESINGULAR);
	ck_assert_int_eq(adf_qr_decomp(a, 1, 2, tau, work), QM_EINVAL);
	ck_assert_int_eq(adf_qr_decomp(NULL, 3, 2, tau, work), QM_EINVAL);
	ck_assert_int_eq(adf_qr_decomp(a, 3, 0, tau, work), QM_EINVAL);
	a[0] = 1e300;
	a[1] = 1e300;
	ck_assert_int_eq(adf_qr_decomp(a, 3, 2, tau, work), QM_EOVERFLOW);
	ck_assert_int_eq(adf_qr_qtmul(NULL, 3, 2, tau, b, 1), QM_EINVAL);
	ck_assert_int_eq(adf_qr_qmul(a, 1, 2, tau, b, 1), QM_EINVAL);
	ck_assert_int_eq(adf_qr_rsolve(a, 3, 4, b, x), QM_EINVAL);
}
END_TEST

/* Engle-Granger, half-life, rolling scan and health check on bad input. */
START_TEST(test_bad_coint)
{
	enum { N = 300 };
	gsl_rng *r = rng_new(91);
	coint_workspace *w = coint_workspace_alloc(N, 2, ADF_MAXLAG_DEFAULT);
	coint_workspace *small = coint_workspace_alloc(100, 1, 2);
	coint_opts o = { ADF_TREND_C, ADF_LAG_AIC, ADF_MAXLAG_DEFAULT }, bad;
	double y[N], x[2 * N], hl, phi, pv[10], be[10], hh[10], wk[10];
	coint_health_limits lim;
	coint_health h;
	coint_result res;
	size_t cnt, t;

	random_walk(r, x, N, 20.0, 0.0, 0.5);
	random_walk(r, x + N, N, 30.0, 0.0, 0.5);
	for (t = 0; t < N; t++)
		y[t] = 1.2 * x[t] + 0.3 * gsl_ran_gaussian(r, 1.0);
	ck_assert_int_eq(coint_eg(y, x, N, 1, &o, w, &res, NULL), QM_OK);
	ck_assert_int_eq(coint_eg(NULL, x, N, 1, &o, w, &res, NULL), QM_EINVAL);
	ck_assert_int_eq(coint_eg(y, NULL, N, 1, &o, w, &res, NULL), QM_EINVAL);
	ck_assert_int_eq(coint_eg(y, x, N, 1, NULL, w, &res, NULL), QM_EINVAL);
	ck_assert_int_eq(coint_eg(y, x, N, 1, &o, NULL, &res, NULL), QM_EINVAL);
	ck_assert_int_eq(coint_eg(y, x, N, 1, &o, w, NULL, NULL), QM_EINVAL);
	ck_assert_int_eq(coint_eg(y, x, N, 0, &o, w, &res, NULL), QM_EINVAL);
	ck_assert_int_eq(coint_eg(y, x, N, 12, &o, w, &res, NULL), QM_EINVAL);
	bad = o;
	bad.trend = 3;
	ck_assert_int_eq(coint_eg(y, x, N, 1, &bad, w, &res, NULL), QM_EINVAL);
	bad = o;
	bad.lagsel = -1;
	ck_assert_int_eq(coint_eg(y, x, N, 1, &bad, w, &res, NULL), QM_EINVAL);
	ck_assert(isnan(res.stat) && isnan(res.beta[0]) && isnan(res.pvalue));
	x[5] = NAN;
	ck_assert_int_eq(coint_eg(y, x, N, 1, &o, w, &res, NULL), QM_EINVAL);
	x[5] = INFINITY;
	ck_assert_int_eq(coint_eg(y, x, N, 1, &o, w, &res, NULL), QM_EINVAL);
	x[5] = x[4];
	y[9] = -INFINITY;
	ck_assert_int_eq(coint_eg(y, x, N, 1, &o, w, &res, NULL), QM_EINVAL);
	y[9] = y[8];
	ck_assert_int_eq(coint_eg(y, x, 10, 1, &o, w, &res, NULL), QM_ETOOSHORT);
	ck_assert_int_eq(coint_eg(y, x, 0, 1, &o, w, &res, NULL), QM_ETOOSHORT);
	ck_assert_int_eq(coint_eg(y, x, N, 1, &o, small, &res, NULL), QM_ENOMEM);
	ck_assert_int_eq(coint_eg(y, x, 100, 2, &o, small, &res, NULL), QM_ENOMEM);
	/* a flat leg */
	for (t = 0; t < N; t++)
		x[N + t] = 7.0;
	ck_assert_int_eq(coint_eg(y, x, N, 2, &o, w, &res, NULL), QM_ECONST);
	/* collinear legs: x2 = 2 x1 + 3 */
	for (t = 0; t < N; t++)
		x[N + t] = 2.0 * x[t] + 3.0;
	ck_assert_int_eq(coint_eg(y, x, N, 2, &o, w, &res, NULL), QM_ESINGULAR);
	/* exact fit: y = 2 x */
	for (t = 0; t < N; t++)
		y[t] = 2.0 * x[t];
	bad = o;
	bad.trend = ADF_TREND_N;
	ck_assert_int_eq(coint_eg(y, x, N, 1, &bad, w, &res, NULL), QM_ESINGULAR);
	/* half-life */
	ck_assert_int_eq(coint_half_life(NULL, 10, &hl, &phi), QM_EINVAL);
	ck_assert_int_eq(coint_half_life(y, 10, NULL, &phi), QM_EINVAL);
	ck_assert_int_eq(coint_half_life(y, 3, &hl, &phi), QM_ETOOSHORT);
	y[2] = NAN;
	ck_assert_int_eq(coint_half_life(y, 10, &hl, &phi), QM_EINVAL);
	ck_assert(isnan(hl) && isnan(phi));
	for (t = 0; t < 10; t++)
		y[t] = 1.0;
	ck_assert_int_eq(coint_half_life(y, 10, &hl, &phi), QM_ECONST);
	/* rolling and health */
	ck_assert_int_eq(coint_rolling_count(N, 2, 1, &cnt), QM_EINVAL);
	ck_assert_int_eq(coint_rolling_count(N, 50, 0, &cnt), QM_EINVAL);
	ck_assert_int_eq(coint_rolling_count(10, 50, 1, &cnt), QM_ETOOSHORT);
	ck_assert_int_eq(coint_rolling_count(N, 50, 1, NULL), QM_EINVAL);
	random_walk(r, x, N, 20.0, 0.0, 0.5);
	for (t = 0; t < N; t++)
		y[t] = 1.2 * x[t] + 0.3 * gsl_ran_gaussian(r, 1.0);
	ck_assert_int_eq(coint_rolling(y, x, N, 1, 100, 50, &o, w, pv, NULL, be,
				       hh, 3, &cnt), QM_ENOMEM);
	ck_assert_int_eq(coint_rolling(y, x, N, 1, 100, 1000, &o, w, pv, NULL,
				       be, hh, 10, &cnt), QM_OK);
	ck_assert_uint_eq(cnt, 1);
	ck_assert_int_eq(coint_rolling(y, x, N, 1, 12, 50, &o, w, pv, NULL, be,
				       hh, 10, &cnt), QM_ETOOSHORT);
	ck_assert_int_eq(coint_rolling(y, x, N, 1, 100, 50, NULL, w, pv, NULL,
				       be, hh, 10, &cnt), QM_EINVAL);
	ck_assert_int_eq(coint_rolling(y, x, N, 1, 100, 50, &o, w, pv, NULL, be,
				       hh, 10, &cnt), QM_OK);
	ck_assert_uint_eq(cnt, 5);
	/* a flat stretch inside one window: that window is NaN, not an error */
	for (t = 0; t < 100; t++)
		y[t] = 3.0;
	ck_assert_int_eq(coint_rolling(y, x, N, 1, 100, 50, &o, w, pv, NULL, be,
				       hh, 10, &cnt), QM_OK);
	ck_assert(isnan(pv[0]) && isnan(be[0]) && !isnan(be[4]));
	coint_health_default_limits(&lim);
	ck_assert_int_eq(coint_health_eval(pv, be, hh, cnt, 1, &lim, wk, &h),
			 QM_OK);
	ck_assert_uint_eq(h.history, 3);
	ck_assert_int_eq(coint_health_eval(pv, be, hh, 2, 1, &lim, wk, &h),
			 QM_ETOOSHORT);
	ck_assert_int_eq(coint_health_eval(pv, be, hh, cnt, 1, NULL, wk, &h),
			 QM_EINVAL);
	ck_assert_int_eq(coint_health_eval(pv, be, hh, cnt, 1, &lim, NULL, &h),
			 QM_EINVAL);
	lim.p_warn = 0.3;	/* warn above fail */
	ck_assert_int_eq(coint_health_eval(pv, be, hh, cnt, 1, &lim, wk, &h),
			 QM_EINVAL);
	coint_health_default_limits(&lim);
	lim.z_fail = NAN;
	ck_assert_int_eq(coint_health_eval(pv, be, hh, cnt, 1, &lim, wk, &h),
			 QM_EINVAL);
	coint_health_default_limits(&lim);
	lim.hl_max = -1.0;
	ck_assert_int_eq(coint_health_eval(pv, be, hh, cnt, 1, &lim, wk, &h),
			 QM_EINVAL);
	/* a degenerate latest window fails */
	coint_health_default_limits(&lim);
	be[cnt - 1] = NAN;
	ck_assert_int_eq(coint_health_eval(pv, be, hh, cnt, 1, &lim, wk, &h),
			 QM_OK);
	ck_assert_int_eq(h.verdict, COINT_FAIL);
	ck_assert(h.reasons & COINT_R_DEGENERATE);
	ck_assert_ptr_null(coint_workspace_alloc(100, 0, 2));
	ck_assert_ptr_null(coint_workspace_alloc(100, 12, 2));
	coint_workspace_free(NULL);
	coint_workspace_free(small);
	coint_workspace_free(w);
	gsl_rng_free(r);
}
END_TEST

/* Johansen on bad input: NaN, short, constant, collinear, wrong sizes. */
START_TEST(test_bad_johansen)
{
	enum { N = 200 };
	gsl_rng *r = rng_new(99);
	johansen_workspace *w = johansen_workspace_alloc(N, 2, 3);
	johansen_workspace *w3 = johansen_workspace_alloc(N, 3, 2);
	double y[3 * N], t3[3];
	johansen_result res;
	size_t t;

	make_system(r, y, N, 2, 1);
	ck_assert_int_eq(johansen_test(y, N, 2, 2, 0, w, &res), QM_OK);
	ck_assert_int_eq(johansen_test(NULL, N, 2, 2, 0, w, &res), QM_EINVAL);
	ck_assert_int_eq(johansen_test(y, N, 2, 2, 0, NULL, &res), QM_EINVAL);
	ck_assert_int_eq(johansen_test(y, N, 2, 2, 0, w, NULL), QM_EINVAL);
	ck_assert_int_eq(johansen_test(y, N, 1, 2, 0, w, &res), QM_EINVAL);
	ck_assert_int_eq(johansen_test(y, N, 13, 2, 0, w, &res), QM_EINVAL);
	ck_assert_int_eq(johansen_test(y, N, 2, 0, 0, w, &res), QM_EINVAL);
	ck_assert_int_eq(johansen_test(y, N, 2, 2, 2, w, &res), QM_EINVAL);
	ck_assert_int_eq(johansen_test(y, N, 2, 2, -2, w, &res), QM_EINVAL);
	ck_assert(isnan(res.eig[0]) && isnan(res.trace[0]));
	ck_assert_int_eq(johansen_test(y, N, 2, 4, 0, w, &res), QM_ENOMEM);
	for (t = 0; t < N; t++)
		y[2 * N + t] = y[t] + (double)(t % 3);
	ck_assert_int_eq(johansen_test(y, N, 3, 2, 0, w, &res), QM_ENOMEM);
	ck_assert_int_eq(johansen_test(y, 15, 2, 2, 0, w, &res), QM_ETOOSHORT);
	ck_assert_int_eq(johansen_test(y, 2, 2, 2, 0, w, &res), QM_ETOOSHORT);
	y[N + 3] = NAN;
	ck_assert_int_eq(johansen_test(y, N, 2, 2, 0, w, &res), QM_EINVAL);
	y[N + 3] = INFINITY;
	ck_assert_int_eq(johansen_test(y, N, 2, 2, 0, w, &res), QM_EINVAL);
	for (t = 0; t < N; t++)
		y[N + t] = 5.0;
	ck_assert_int_eq(johansen_test(y, N, 2, 2, 0, w, &res), QM_ECONST);
	/* collinear: series 2 = 3 x series 1 */
	for (t = 0; t < N; t++)
		y[N + t] = 3.0 * y[t];
	ck_assert_int_eq(johansen_test(y, N, 2, 2, 0, w, &res), QM_ESINGULAR);
	/* series 3 = series 1 + series 2 */
	make_system(r, y, N, 2, 1);
	for (t = 0; t < N; t++)
		y[2 * N + t] = y[t] + y[N + t];
	ck_assert_int_eq(johansen_test(y, N, 3, 2, 0, w3, &res), QM_ESINGULAR);
	ck_assert_int_eq(johansen_crit(0, 0, t3, NULL), QM_EINVAL);
	ck_assert(isnan(t3[0]));
	ck_assert_int_eq(johansen_crit(13, 0, t3, NULL), QM_EINVAL);
	ck_assert_int_eq(johansen_crit(2, 3, t3, NULL), QM_EINVAL);
	ck_assert_ptr_null(johansen_workspace_alloc(N, 1, 2));
	ck_assert_ptr_null(johansen_workspace_alloc(N, 13, 2));
	ck_assert_ptr_null(johansen_workspace_alloc(N, 2, 0));
	johansen_workspace_free(NULL);
	johansen_workspace_free(w);
	johansen_workspace_free(w3);
	gsl_rng_free(r);
}
END_TEST

/* --- real market data (validation, skipped when absent) --------------- */

/* Opens a file of ../shared/market-data from the usual places, or NULL. */
static FILE *open_market(const char *rel)
{
	static const char *const roots[] = { "../shared/market-data",
		"../../shared/market-data", "../../../shared/market-data" };
	char path[1024];
	const char *env = getenv("QDESK_MARKET_DATA");
	const char *srcdir = getenv("srcdir");
	FILE *f;
	size_t i;

	if (env) {
		snprintf(path, sizeof path, "%s/%s", env, rel);
		if ((f = fopen(path, "r")) != NULL)
			return f;
	}
	if (srcdir) {
		snprintf(path, sizeof path, "%s/../shared/market-data/%s",
			 srcdir, rel);
		if ((f = fopen(path, "r")) != NULL)
			return f;
	}
	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(path, sizeof path, "%s/%s", roots[i], rel);
		if ((f = fopen(path, "r")) != NULL)
			return f;
	}
	return NULL;
}

/*
 * EWA/EWC closes 2006-04-26..2012-04-09, VAR order 2: trace 19.983 (r = 0)
 * and 3.983 (r <= 1).  These figures (Chan, Algorithmic Trading, ex. 2.7)
 * are reproduced with det_order 0 -- an unrestricted constant, as in
 * statsmodels' coint_johansen(y, 0, 1) -- although the data README calls
 * the case "no deterministic terms"; with det -1 the trace is 11.10.
 */
START_TEST(test_market_ewa_ewc)
{
	FILE *f = open_market("chan/at_etf_pairs_ohlcv_daily_2006_2012.csv");
	static double y[2 * 2000];
	double a[2000], c[2000];
	char line[512], da[2000][11], dc[2000][11];
	size_t na = 0, nc = 0, t;
	johansen_workspace *w;
	johansen_result res;

	if (f == NULL) {
		fprintf(stderr, "check_coint: market data absent, EWA/EWC "
			"validation skipped\n");
		return;
	}
	if (fgets(line, sizeof line, f) == NULL)
		ck_abort_msg("empty file");
	while (fgets(line, sizeof line, f)) {
		char d[16], s[16];
		double o, h, l, cl;

		if (sscanf(line, "%15[^,],%15[^,],%lf,%lf,%lf,%lf", d, s, &o,
			   &h, &l, &cl) != 6)
			continue;
		if (strcmp(s, "EWA") == 0 && na < 2000) {
			snprintf(da[na], sizeof da[na], "%.10s", d);
			a[na++] = cl;
		} else if (strcmp(s, "EWC") == 0 && nc < 2000) {
			snprintf(dc[nc], sizeof dc[nc], "%.10s", d);
			c[nc++] = cl;
		}
	}
	fclose(f);
	ck_assert_uint_eq(na, nc);
	ck_assert_str_eq(da[0], "2006-04-26");
	ck_assert_str_eq(da[na - 1], "2012-04-09");
	for (t = 0; t < na; t++) {
		ck_assert_str_eq(da[t], dc[t]);
		y[t] = a[t];
		y[na + t] = c[t];
	}
	w = johansen_workspace_alloc(na, 2, 2);
	ck_assert_int_eq(johansen_test(y, na, 2, 2, JOHANSEN_DET_CONST, w, &res),
			 QM_OK);
	ck_assert_double_eq_tol(res.trace[0], 19.983, 0.0006);
	ck_assert_double_eq_tol(res.trace[1], 3.983, 0.0006);
	ck_assert(res.trace[0] > res.trace_cv[0][1]);
	johansen_workspace_free(w);
}
END_TEST

/* Reads date,adj_close pairs (last column) of an OHLCV file. */
static size_t read_adj(FILE *f, char (*d)[11], double *v, size_t cap)
{
	char line[512];
	size_t n = 0;

	if (fgets(line, sizeof line, f) == NULL)
		return 0;
	while (n < cap && fgets(line, sizeof line, f)) {
		char *last = strrchr(line, ',');

		if (last == NULL || last[1] == '\n' || last[1] == '\0')
			continue;
		snprintf(d[n], sizeof d[n], "%.10s", line);
		v[n++] = strtod(last + 1, NULL);
	}
	return n;
}

/*
 * GLD/GDX adjusted closes joined on date, first 252 common days: the
 * no-intercept OLS hedge ratio is 1.631 (Chan, Quantitative Trading,
 * ex. 3.6).
 */
START_TEST(test_market_gld_gdx)
{
	FILE *fg = open_market("chan/qt_gld_daily.csv");
	FILE *fx = open_market("chan/qt_gdx_daily.csv");
	static char dg[1000][11], dx[1000][11];
	static double g[1000], x[1000], y[252], z[252];
	coint_workspace *w;
	coint_opts o = { ADF_TREND_N, ADF_LAG_FIXED, 1 };
	coint_result res;
	size_t ng, nx, i, j, n = 0;

	if (fg == NULL || fx == NULL) {
		if (fg)
			fclose(fg);
		if (fx)
			fclose(fx);
		fprintf(stderr, "check_coint: market data absent, GLD/GDX "
			"validation skipped\n");
		return;
	}
	ng = read_adj(fg, dg, g, 1000);
	nx = read_adj(fx, dx, x, 1000);
	fclose(fg);
	fclose(fx);
	for (i = 0, j = 0; i < ng && j < nx && n < 252;) {
		int c = strcmp(dg[i], dx[j]);

		if (c == 0) {
			y[n] = g[i++];
			z[n++] = x[j++];
		} else if (c < 0) {
			i++;
		} else {
			j++;
		}
	}
	ck_assert_uint_eq(n, 252);
	w = coint_workspace_alloc(252, 1, 1);
	ck_assert_int_eq(coint_eg(y, z, 252, 1, &o, w, &res, NULL), QM_OK);
	ck_assert_double_eq_tol(res.beta[0], 1.631, 0.0006);
	coint_workspace_free(w);
}
END_TEST

/* --- suite ------------------------------------------------------------- */

/* Groups the checks into test cases with timeouts fit for valgrind. */
static Suite *coint_suite(void)
{
	Suite *s = suite_create("coint");
	TCase *tc;

	tc = tcase_create("tables");
	tcase_add_test(tc, test_fuller_df);
	tcase_add_test(tc, test_enders_eg);
	tcase_add_test(tc, test_pvalue_at_crit);
	tcase_add_test(tc, test_pvalue_shape);
	tcase_add_test(tc, test_mhm_eviews);
	tcase_add_test(tc, test_mhm_independent);
	tcase_add_test(tc, test_table_shape);
	suite_add_tcase(s, tc);

	tc = tcase_create("least-squares");
	tcase_add_test(tc, test_qr_vs_normal);
	tcase_add_test(tc, test_adf_vs_normal);
	tcase_add_test(tc, test_autolag_bruteforce);
	tcase_add_test(tc, test_default_maxlag);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("monte-carlo");
	tcase_add_test(tc, test_mc_df);
	tcase_add_test(tc, test_mc_eg);
	tcase_add_test(tc, test_mc_eg_nc);
	tcase_add_test(tc, test_mc_johansen);
	tcase_set_timeout(tc, 600);
	suite_add_tcase(s, tc);

	tc = tcase_create("engle-granger");
	tcase_add_test(tc, test_eg_beta);
	tcase_add_test(tc, test_eg_detection);
	tcase_add_test(tc, test_half_life);
	tcase_add_test(tc, test_rolling_health);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);

	tc = tcase_create("johansen");
	tcase_add_test(tc, test_johansen_second_method);
	tcase_add_test(tc, test_johansen_rank);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad-input");
	tcase_add_test(tc, test_bad_adf);
	tcase_add_test(tc, test_bad_qr);
	tcase_add_test(tc, test_bad_coint);
	tcase_add_test(tc, test_bad_johansen);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("market-data");
	tcase_add_test(tc, test_market_ewa_ewc);
	tcase_add_test(tc, test_market_gld_gdx);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

/* Runs the suite; exit status 0 when every check passes. */
int main(void)
{
	SRunner *sr = srunner_create(coint_suite());
	int failed;

	/* models/ never relies on GSL's aborting handler; neither do tests */
	gsl_set_error_handler_off();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
