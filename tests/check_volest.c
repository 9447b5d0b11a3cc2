/*
 * check_volest.c -- tests of models/volest (realized volatility, EWMA,
 * GARCH(1,1) quasi-maximum likelihood, Moreira-Muir weights).
 *
 * Why it exists: every estimator is checked against a second computation
 * written here plainly and independently of volest.c:
 *  - realized volatility and log returns against long-double loops;
 *  - EWMA against its recursion spelled out;
 *  - the GARCH log-likelihood against a direct implementation of
 *    Fiorentini, Calzolari & Panattoni's (1996) formula; the GARCH estimate
 *    against a Nelder-Mead maximisation (GSL nmsimplex2, another
 *    parametrisation) of that likelihood; the standard errors against
 *    second differences of it (Hessian) and finite-difference per-period
 *    scores (robust form); recovery of known parameters from long
 *    simulated series within three standard errors;
 *  - real data (SPY daily, 2001-2007) when ../shared/market-data is there.
 * The DEM/GBP benchmark series of Bollerslev & Ghysels is not available
 * here, so its published estimates are not used.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "qm-status.h"
#include "volest.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Asserts |got - want| <= tol * |want| with a readable message. */
#define ASSERT_REL(got, want, tol) do {					\
	double g_ = (got), w_ = (want);					\
	ck_assert_msg(fabs(g_ - w_) <= (tol) * fabs(w_),		\
		      "%s = %.17g, want %.17g (rel err %.3g > %.3g)",	\
		      #got, g_, w_, fabs(g_ - w_) / fabs(w_), (double)(tol)); \
} while (0)

/* ---- data ----------------------------------------------------------------- */

/* Fills r with n GARCH(1,1) returns; df > 0 gives unit-variance Student t. */
static void simulate_garch(double *r, size_t n, double mu, double om, double al,
			   double be, double df, unsigned long seed)
{
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	double h = om / (1.0 - al - be);
	size_t t;

	gsl_rng_set(g, seed);
	for (t = 0; t < 500 + n; t++) {	/* 500 steps of burn-in */
		double z = df > 0.0 ? gsl_ran_tdist(g, df) * sqrt((df - 2.0) / df)
				    : gsl_ran_gaussian(g, 1.0);
		double e = sqrt(h) * z;

		if (t >= 500)
			r[t - 500] = mu + e;
		h = om + al * e * e + be * h;
	}
	gsl_rng_free(g);
}

/*
 * Reads up to cap adjusted closes of SPY from $QDESK_MARKET_DATA, or from
 * ../shared/market-data beside the source tree; returns the count, 0 if absent.
 */
static size_t read_spy(double *px, size_t cap)
{
	const char *file = "chan/qt_spy_daily.csv";
	const char *env = getenv("QDESK_MARKET_DATA");
	const char *dirs[] = { getenv("srcdir"), ".", ".." };
	char path[1024], line[512];
	FILE *fp = NULL;
	size_t i, n = 0;

	if (env != NULL) {
		snprintf(path, sizeof path, "%s/%s", env, file);
		fp = fopen(path, "r");
	}
	for (i = 0; i < sizeof dirs / sizeof dirs[0] && fp == NULL; i++) {
		if (dirs[i] == NULL)
			continue;
		snprintf(path, sizeof path, "%s/../shared/market-data/%s", dirs[i], file);
		fp = fopen(path, "r");
	}
	if (fp == NULL)
		return 0;
	if (fgets(line, sizeof line, fp) == NULL) {	/* header */
		fclose(fp);
		return 0;
	}
	while (n < cap && fgets(line, sizeof line, fp) != NULL) {
		char *c = strrchr(line, ',');	/* adj_close is the last column */

		if (c != NULL)
			px[n++] = strtod(c + 1, NULL);
	}
	fclose(fp);
	return n;
}

/* ---- realized, log returns, EWMA ------------------------------------------ */

/* Log returns are ln(p1) - ln(p0) to rounding. */
START_TEST(test_log_returns)
{
	double p[] = { 100.0, 101.5, 99.25, 99.25, 120.0, 0.5 }, r[5];
	size_t i;

	ck_assert_int_eq(volest_log_returns(p, 6, r), QM_OK);
	for (i = 0; i < 5; i++) {
		long double want = logl((long double)p[i + 1]) - logl((long double)p[i]);

		/* the reference subtracts logs of size ~5: 2e-15 absolute covers
		 * its cancellation even where long double is only double (valgrind) */
		ck_assert(fabs(r[i] - (double)want) <= 1e-15 * fabs((double)want) + 2e-15);
	}
}
END_TEST

/* Returns the annualised vol of r[0..n) by long-double loops. */
static double plain_vol(const double *r, size_t n, double ppy, int zero_mean)
{
	long double m = 0.0L, ss = 0.0L;
	size_t i;

	if (!zero_mean) {
		for (i = 0; i < n; i++)
			m += r[i];
		m /= n;
	}
	for (i = 0; i < n; i++)
		ss += (r[i] - m) * (r[i] - m);
	return (double)sqrtl(ss / (zero_mean ? n : n - 1) * ppy);
}

/* Realized vol matches the direct computation in both mean conventions. */
START_TEST(test_realized)
{
	double r[500], v;
	size_t n = 500;

	simulate_garch(r, n, 0.0004, 2e-6, 0.08, 0.9, 0.0, 11);
	ck_assert_int_eq(volest_realized(r, n, 252.0, VOLEST_DEMEAN, &v), QM_OK);
	ASSERT_REL(v, plain_vol(r, n, 252.0, 0), 1e-13);
	/* the default (0) is the demeaned sample sd */
	ck_assert_int_eq(volest_realized(r, n, 252.0, 0, &v), QM_OK);
	ASSERT_REL(v, plain_vol(r, n, 252.0, 0), 1e-13);
	ck_assert_int_eq(volest_realized(r, n, 252.0, VOLEST_ZERO_MEAN, &v), QM_OK);
	ASSERT_REL(v, plain_vol(r, n, 252.0, 1), 1e-13);
	/* a big common offset: the two-pass sum keeps the demeaned sd */
	{
		double s[4] = { 1e8 + 1.0, 1e8 - 1.0, 1e8 + 1.0, 1e8 - 1.0 };

		ck_assert_int_eq(volest_realized(s, 4, 1.0, VOLEST_DEMEAN, &v), QM_OK);
		ASSERT_REL(v, sqrt(4.0 / 3.0), 1e-15);
	}
}
END_TEST

/* Rolling vol is the realized vol of each window; NaN before the first. */
START_TEST(test_realized_rolling)
{
	double r[300], v[300];
	size_t i, w = 21;

	simulate_garch(r, 300, 0.0, 2e-6, 0.1, 0.85, 5.0, 12);
	ck_assert_int_eq(volest_realized_rolling(r, 300, w, 252.0, VOLEST_ZERO_MEAN, v),
			 QM_OK);
	for (i = 0; i < 300; i++) {
		if (i + 1 < w)
			ck_assert(isnan(v[i]));
		else
			ASSERT_REL(v[i], plain_vol(r + i + 1 - w, w, 252.0, 1), 1e-13);
	}
	ck_assert_int_eq(volest_realized_rolling(r, 300, w, 252.0, VOLEST_DEMEAN, v),
			 QM_OK);
	ASSERT_REL(v[299], plain_vol(r + 300 - w, w, 252.0, 0), 1e-13);
}
END_TEST

/* EWMA follows sigma^2_t = lambda sigma^2_(t-1) + (1 - lambda) r^2_(t-1). */
START_TEST(test_ewma)
{
	double r[400], var[401], vol, s;
	size_t t, n = 400, k;

	simulate_garch(r, n, 0.0, 2e-6, 0.08, 0.9, 0.0, 13);
	/* explicit seed */
	ck_assert_int_eq(volest_ewma(r, n, 0.94, 1e-4, 252.0, var, &vol), QM_OK);
	s = 1e-4;
	for (t = 0; t < n; t++) {
		ASSERT_REL(var[t], s, 1e-14);
		s = 0.94 * s + 0.06 * r[t] * r[t];
	}
	ASSERT_REL(var[n], s, 1e-14);
	ASSERT_REL(vol, sqrt(s * 252.0), 1e-14);
	/* default seed: mean square of the first 25 returns */
	ck_assert_int_eq(volest_ewma(r, n, VOLEST_EWMA_LAMBDA, 0.0, 252.0, var, &vol),
			 QM_OK);
	for (s = 0.0, k = 0; k < 25; k++)
		s += r[k] * r[k];
	ASSERT_REL(var[0], s / 25.0, 1e-14);
	/* a short series seeds from all it has; var may be NULL */
	ck_assert_int_eq(volest_ewma(r, 3, 0.9, 0.0, 252.0, NULL, &vol), QM_OK);
	s = (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]) / 3.0;
	for (t = 0; t < 3; t++)
		s = 0.9 * s + 0.1 * r[t] * r[t];
	ASSERT_REL(vol, sqrt(s * 252.0), 1e-14);
}
END_TEST

/* ---- GARCH: the likelihood written out plainly ----------------------------- */

/*
 * Gaussian GARCH(1,1) log-likelihood as Fiorentini, Calzolari & Panattoni
 * state it; lt, if not NULL, receives the per-period terms and h the
 * variances.  Returns -HUGE_VAL where h is not positive.
 */
static double plain_loglik(const double *r, size_t n, const double th[4],
			   double *lt, double *hs)
{
	double mu = th[0], om = th[1], al = th[2], be = th[3];
	double e2bar = 0.0, h, eprev2, ll = 0.0;
	size_t t;

	for (t = 0; t < n; t++)
		e2bar += (r[t] - mu) * (r[t] - mu);
	e2bar /= n;
	h = e2bar;		/* h_0 */
	eprev2 = e2bar;		/* e_0^2 */
	for (t = 0; t < n; t++) {
		double e = r[t] - mu, l;

		h = om + al * eprev2 + be * h;
		if (!(h > 0.0))
			return -HUGE_VAL;
		l = -0.5 * (log(2.0 * M_PI) + log(h) + e * e / h);
		if (lt != NULL)
			lt[t] = l;
		if (hs != NULL)
			hs[t] = h;
		ll += l;
		eprev2 = e * e;
	}
	return ll;
}

/* The library's likelihood and variances equal the plain ones. */
START_TEST(test_garch_loglik)
{
	static const double pts[][4] = {
		{ 0.0, 0.02, 0.08, 0.9 }, { 0.05, 0.1, 0.2, 0.5 },
		{ -0.03, 1.0, 0.0, 0.0 }, { 0.0, 0.001, 0.01, 0.989 },
	};
	double r[1000], h1[1000], h2[1000], ll;
	size_t i, t;

	simulate_garch(r, 1000, 0.02, 0.02, 0.08, 0.9, 0.0, 14);
	for (i = 0; i < sizeof pts / sizeof pts[0]; i++) {
		double want = plain_loglik(r, 1000, pts[i], NULL, h2);

		ck_assert_int_eq(volest_garch_loglik(r, 1000, pts[i][0], pts[i][1],
						     pts[i][2], pts[i][3], &ll, h1), QM_OK);
		/* a sum of 1000 terms: 1e-12 leaves room for the ordering */
		ASSERT_REL(ll, want, 1e-12);
		for (t = 0; t < 1000; t++)
			ASSERT_REL(h1[t], h2[t], 1e-13);
	}
}
END_TEST

/* Context of the Nelder-Mead objective. */
struct nm_ctx {
	const double *r;
	size_t n;
	int mean;
};

/* Maps the simplex coordinates to theta (squares keep alpha, beta >= 0). */
static void nm_theta(const gsl_vector *y, const struct nm_ctx *cx, double th[4])
{
	int o = cx->mean;

	th[0] = o ? gsl_vector_get(y, 0) : 0.0;
	th[1] = exp(gsl_vector_get(y, o));
	th[2] = gsl_vector_get(y, o + 1) * gsl_vector_get(y, o + 1);
	th[3] = gsl_vector_get(y, o + 2) * gsl_vector_get(y, o + 2);
}

/* Minus the plain log-likelihood per observation; outside the model, big. */
static double nm_f(const gsl_vector *y, void *vcx)
{
	const struct nm_ctx *cx = vcx;
	double th[4], ll;

	nm_theta(y, cx, th);
	if (th[2] + th[3] >= 1.0)
		return 1e30;
	ll = plain_loglik(cx->r, cx->n, th, NULL, NULL);
	return isfinite(ll) ? -ll / (double)cx->n : 1e30;
}

/* Maximises the plain likelihood by Nelder-Mead; returns theta and l. */
static double nm_fit(const double *r, size_t n, int mean, double th[4])
{
	struct nm_ctx cx = { r, n, mean };
	const int k = 3 + mean;
	gsl_multimin_fminimizer *s = gsl_multimin_fminimizer_alloc(
		gsl_multimin_fminimizer_nmsimplex2, k);
	gsl_vector *y = gsl_vector_alloc(k), *step = gsl_vector_alloc(k);
	gsl_multimin_function f = { nm_f, (size_t)k, &cx };
	double var = 0.0, m = 0.0;
	size_t t;
	int it, round;

	for (t = 0; t < n; t++)
		m += r[t];
	m /= n;
	for (t = 0; t < n; t++)
		var += (r[t] - m) * (r[t] - m);
	var /= n;
	if (mean)
		gsl_vector_set(y, 0, m);
	gsl_vector_set(y, mean, log(0.1 * var));
	gsl_vector_set(y, mean + 1, sqrt(0.1));
	gsl_vector_set(y, mean + 2, sqrt(0.8));
	/* restarts shake a simplex that collapsed early */
	for (round = 0; round < 4; round++) {
		gsl_vector_set_all(step, 0.05);
		if (mean)
			gsl_vector_set(step, 0, 0.1 * sqrt(var));
		gsl_multimin_fminimizer_set(s, &f, y, step);
		for (it = 0; it < 20000; it++) {
			if (gsl_multimin_fminimizer_iterate(s) != GSL_SUCCESS)
				break;
			if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(s),
						   1e-11) == GSL_SUCCESS)
				break;
		}
		gsl_vector_memcpy(y, s->x);
	}
	nm_theta(y, &cx, th);
	gsl_vector_free(y);
	gsl_vector_free(step);
	gsl_multimin_fminimizer_free(s);
	return plain_loglik(r, n, th, NULL, NULL);
}

/* Returns the fit's parameter j in theta order. */
static double fit_par(const struct volest_garch *f, int j)
{
	const double v[4] = { f->mu, f->omega, f->alpha, f->beta };

	return v[j];
}

/* Returns the fit's Hessian standard error of parameter j. */
static double fit_se(const struct volest_garch *f, int j)
{
	const double v[4] = { f->se_mu, f->se_omega, f->se_alpha, f->se_beta };

	return v[j];
}

/* Returns the fit's robust standard error of parameter j. */
static double fit_rse(const struct volest_garch *f, int j)
{
	const double v[4] = { f->rse_mu, f->rse_omega, f->rse_alpha, f->rse_beta };

	return v[j];
}

/* The BFGS estimate is the Nelder-Mead maximum of the plain likelihood. */
static void check_against_nm(const double *r, size_t n, int mean)
{
	volest_garch_workspace *w = volest_garch_workspace_alloc(n);
	struct volest_garch f;
	double th[4], llnm, fitth[4], hs[4000];
	int j;

	ck_assert_int_eq(volest_garch_fit(r, n, mean ? VOLEST_GARCH_MEAN : 0, 252.0,
					  w, &f), QM_OK);
	llnm = nm_fit(r, n, mean, th);
	for (j = 0; j < 4; j++)
		fitth[j] = fit_par(&f, j);
	/* the same likelihood at the same point */
	ASSERT_REL(f.loglik, plain_loglik(r, n, fitth, NULL, hs), 1e-12);
	/* the BFGS point is at least as good as the simplex's... */
	ck_assert_msg(f.loglik >= llnm - 1e-8 * fabs(llnm),
		      "BFGS l %.12g below Nelder-Mead %.12g", f.loglik, llnm);
	/* ...and the same point: within 1e-3 of a standard error, far below
	 * the statistical noise, well above the simplex's own resolution. */
	for (j = mean ? 0 : 1; j < 4; j++)
		ck_assert_msg(fabs(fitth[j] - th[j]) < 1e-3 * fit_se(&f, j),
			      "param %d: BFGS %.10g NM %.10g se %.3g", j, fitth[j],
			      th[j], fit_se(&f, j));
	/* the variance series handed back is the plain recursion */
	for (j = 0; j < 4; j++)
		ck_assert(f.h != NULL);
	ASSERT_REL(f.h[0], hs[0], 1e-13);
	ASSERT_REL(f.h[n - 1], hs[n - 1], 1e-13);
	ASSERT_REL(f.persistence, f.alpha + f.beta, 1e-15);
	ASSERT_REL(f.longrun_var, f.omega / (1.0 - f.alpha - f.beta), 1e-15);
	ASSERT_REL(f.longrun_vol, sqrt(f.longrun_var * 252.0), 1e-15);
	volest_garch_workspace_free(w);
}

/* GARCH estimates agree with Nelder-Mead on the plain likelihood. */
START_TEST(test_garch_vs_nelder_mead)
{
	double r[4000];

	simulate_garch(r, 3000, 0.0, 0.05, 0.1, 0.85, 0.0, 21);
	check_against_nm(r, 3000, 0);
	simulate_garch(r, 4000, 0.05, 0.02, 0.06, 0.92, 6.0, 22);
	check_against_nm(r, 4000, 1);
}
END_TEST

/*
 * Standard errors: the Hessian by second differences of the plain
 * likelihood, the robust form with finite-difference per-period scores.
 */
START_TEST(test_garch_standard_errors)
{
	enum { N = 3000, K = 4 };
	static double r[N], lp[N], lm[N], sc[K][N];
	volest_garch_workspace *w = volest_garch_workspace_alloc(N);
	struct volest_garch f;
	gsl_matrix *a = gsl_matrix_alloc(K, K), *ai = gsl_matrix_alloc(K, K);
	gsl_matrix *g = gsl_matrix_alloc(K, K), *tmp = gsl_matrix_alloc(K, K);
	gsl_matrix *rob = gsl_matrix_alloc(K, K);
	gsl_permutation *perm = gsl_permutation_alloc(K);
	double th[K], stp[K];
	int i, j, sgn;
	size_t t;

	simulate_garch(r, N, 0.04, 0.03, 0.09, 0.88, 5.0, 31);
	ck_assert_int_eq(volest_garch_fit(r, N, VOLEST_GARCH_MEAN, 252.0, w, &f), QM_OK);
	ck_assert_int_eq(f.se_status, QM_OK);
	for (j = 0; j < K; j++) {
		th[j] = fit_par(&f, j);
		stp[j] = 1e-3 * fit_se(&f, j);	/* steps small against the curvature */
	}
	for (i = 0; i < K; i++)
		for (j = 0; j < K; j++) {
			double tpp[K], tpm[K], tmp_[K], tmm[K], h;

			memcpy(tpp, th, sizeof th);
			memcpy(tpm, th, sizeof th);
			memcpy(tmp_, th, sizeof th);
			memcpy(tmm, th, sizeof th);
			tpp[i] += stp[i]; tpp[j] += stp[j];
			tpm[i] += stp[i]; tpm[j] -= stp[j];
			tmp_[i] -= stp[i]; tmp_[j] += stp[j];
			tmm[i] -= stp[i]; tmm[j] -= stp[j];
			h = (plain_loglik(r, N, tpp, NULL, NULL) -
			     plain_loglik(r, N, tpm, NULL, NULL) -
			     plain_loglik(r, N, tmp_, NULL, NULL) +
			     plain_loglik(r, N, tmm, NULL, NULL)) / (4.0 * stp[i] * stp[j]);
			gsl_matrix_set(a, i, j, -h);
		}
	gsl_linalg_LU_decomp(a, perm, &sgn);
	gsl_linalg_LU_invert(a, perm, ai);
	/* per-period scores by central differences of each l_t */
	for (j = 0; j < K; j++) {
		double tp[K], tm[K];

		memcpy(tp, th, sizeof th);
		memcpy(tm, th, sizeof th);
		tp[j] += stp[j];
		tm[j] -= stp[j];
		plain_loglik(r, N, tp, lp, NULL);
		plain_loglik(r, N, tm, lm, NULL);
		for (t = 0; t < N; t++)
			sc[j][t] = (lp[t] - lm[t]) / (2.0 * stp[j]);
	}
	for (i = 0; i < K; i++)
		for (j = 0; j < K; j++) {
			double s = 0.0;

			for (t = 0; t < N; t++)
				s += sc[i][t] * sc[j][t];
			gsl_matrix_set(g, i, j, s);
		}
	gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, ai, g, 0.0, tmp);
	gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, tmp, ai, 0.0, rob);
	for (j = 0; j < K; j++) {
		/* second differences with steps 1e-3 se: error ~1e-6 relative of
		 * the curvature, plus rounding of l (~1e-12 l / step^2 ~ 1e-5) */
		ASSERT_REL(fit_se(&f, j), sqrt(gsl_matrix_get(ai, j, j)), 2e-4);
		ASSERT_REL(fit_rse(&f, j), sqrt(gsl_matrix_get(rob, j, j)), 2e-4);
		ASSERT_REL(f.cov[j][j], gsl_matrix_get(ai, j, j), 4e-4);
	}
	/* fat tails (t5): the robust errors of alpha exceed the Hessian's */
	ck_assert(f.rse_alpha > f.se_alpha);
	gsl_matrix_free(a);
	gsl_matrix_free(ai);
	gsl_matrix_free(g);
	gsl_matrix_free(tmp);
	gsl_matrix_free(rob);
	gsl_permutation_free(perm);
	volest_garch_workspace_free(w);
}
END_TEST

/* Known parameters come back within three standard errors. */
START_TEST(test_garch_recovery)
{
	enum { N = 20000 };
	static double r[N];
	static const struct { double mu, om, al, be; unsigned flags; } cs[] = {
		{ 0.0, 0.02, 0.08, 0.90, 0 },
		{ 0.03, 0.05, 0.12, 0.80, VOLEST_GARCH_MEAN },
		{ 0.0, 1e-6, 0.05, 0.94, 0 },	/* daily-return scale */
	};
	volest_garch_workspace *w = volest_garch_workspace_alloc(N);
	size_t i;

	for (i = 0; i < sizeof cs / sizeof cs[0]; i++) {
		struct volest_garch f;
		const double want[4] = { cs[i].mu, cs[i].om, cs[i].al, cs[i].be };
		int j;

		simulate_garch(r, N, cs[i].mu, cs[i].om, cs[i].al, cs[i].be, 0.0, 40 + i);
		ck_assert_int_eq(volest_garch_fit(r, N, cs[i].flags, 252.0, w, &f), QM_OK);
		ck_assert_int_eq(f.se_status, QM_OK);
		for (j = (cs[i].flags ? 0 : 1); j < 4; j++) {
			ck_assert_msg(fabs(fit_par(&f, j) - want[j]) < 3.0 * fit_se(&f, j),
				      "case %zu param %d: %.6g vs true %.6g, se %.3g", i, j,
				      fit_par(&f, j), want[j], fit_se(&f, j));
			ck_assert(fabs(fit_par(&f, j) - want[j]) < 3.0 * fit_rse(&f, j));
		}
		if (!cs[i].flags)
			ck_assert(f.mu == 0.0 && f.se_mu == 0.0);
	}
	volest_garch_workspace_free(w);
}
END_TEST

/* White noise: alpha near 0, likelihood at least the homoskedastic one. */
START_TEST(test_garch_white_noise)
{
	enum { N = 2000 };
	static double r[N];
	volest_garch_workspace *w = volest_garch_workspace_alloc(N);
	struct volest_garch f;
	double th[4] = { 0.0, 0.0, 0.0, 0.0 }, ll0;
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	size_t t;
	int st;

	gsl_rng_set(g, 51);
	for (t = 0; t < N; t++)
		r[t] = gsl_ran_gaussian(g, 0.01);
	for (t = 0; t < N; t++)
		th[1] += r[t] * r[t] / N;
	ll0 = plain_loglik(r, N, th, NULL, NULL);	/* alpha = beta = 0 */
	st = volest_garch_fit(r, N, 0, 252.0, w, &f);
	ck_assert(st == QM_OK || st == QM_EMAXITER || st == QM_ENOCONV);
	ck_assert(isfinite(f.loglik) && f.loglik >= ll0 - 1e-9 * fabs(ll0));
	ck_assert(f.alpha >= 0.0 && f.beta >= 0.0 && f.persistence < 1.0);
	gsl_rng_free(g);
	volest_garch_workspace_free(w);
}
END_TEST

/* Real SPY returns: the fit is the simplex maximum, persistence high. */
START_TEST(test_garch_spy)
{
	static double px[2000], r[2000];
	volest_garch_workspace *w;
	struct volest_garch f;
	size_t n = read_spy(px, 2000);
	double th[4], llnm;

	if (n < 1000) {
		fprintf(stderr, "check_volest: SPY data not found, real-data check skipped\n");
		return;
	}
	ck_assert_int_eq(volest_log_returns(px, n, r), QM_OK);
	w = volest_garch_workspace_alloc(n - 1);
	ck_assert_int_eq(volest_garch_fit(r, n - 1, VOLEST_GARCH_MEAN, 252.0, w, &f),
			 QM_OK);
	llnm = nm_fit(r, n - 1, 1, th);
	ck_assert(f.loglik >= llnm - 1e-8 * fabs(llnm));
	ck_assert(fabs(f.alpha - th[2]) < 1e-3 * f.se_alpha);
	ck_assert(fabs(f.beta - th[3]) < 1e-3 * f.se_beta);
	/* equity index volatility clusters: persistence near one */
	ck_assert(f.persistence > 0.9 && f.persistence < 1.0);
	ck_assert(f.longrun_vol > 0.05 && f.longrun_vol < 0.40);
	volest_garch_workspace_free(w);
}
END_TEST

/* ---- Moreira & Muir -------------------------------------------------------- */

/* Weights are target^2 / vol^2 clipped to [floor, cap]. */
START_TEST(test_mm_weights)
{
	double w, vols[5] = { 0.15, 0.075, 0.45, 0.18, 0.3 }, ws[5];
	size_t i;

	ck_assert_int_eq(volest_mm_weight(0.15, 0.15, VOLEST_MM_CAP, VOLEST_MM_FLOOR, &w),
			 QM_OK);
	ck_assert(w == 1.0);
	ck_assert_int_eq(volest_mm_weight(0.18, 0.15, 2.0, 0.2, &w), QM_OK);
	ASSERT_REL(w, (0.15 * 0.15) / (0.18 * 0.18), 1e-15);
	ck_assert_int_eq(volest_mm_weight(0.075, 0.15, 2.0, 0.2, &w), QM_OK);
	ck_assert(w == 2.0);		/* 4 capped */
	ck_assert_int_eq(volest_mm_weight(0.45, 0.15, 2.0, 0.2, &w), QM_OK);
	ck_assert(w == 0.2);		/* 1/9 floored */
	ck_assert_int_eq(volest_mm_weight(0.075, 0.15, 5.0, 0.0, &w), QM_OK);
	ASSERT_REL(w, 4.0, 1e-15);
	ck_assert_int_eq(volest_mm_weights(vols, 5, 0.15, 2.0, 0.2, ws), QM_OK);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(volest_mm_weight(vols[i], 0.15, 2.0, 0.2, &w), QM_OK);
		ck_assert(ws[i] == w);
	}
}
END_TEST

/* The paper's c equalises the sample sd of the managed and plain returns. */
START_TEST(test_mm_scale)
{
	enum { N = 240 };
	double f[N], v[N], c, m1 = 0.0, m2 = 0.0, s1 = 0.0, s2 = 0.0;
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	size_t t;

	gsl_rng_set(g, 61);
	for (t = 0; t < N; t++) {
		v[t] = 0.001 + 0.004 * gsl_rng_uniform(g);
		f[t] = 0.005 + sqrt(v[t]) * gsl_ran_gaussian(g, 1.0);
	}
	ck_assert_int_eq(volest_mm_scale(f, v, N, &c), QM_OK);
	for (t = 0; t < N; t++) {
		m1 += f[t] / N;
		m2 += c * f[t] / v[t] / N;
	}
	for (t = 0; t < N; t++) {
		s1 += (f[t] - m1) * (f[t] - m1);
		s2 += (c * f[t] / v[t] - m2) * (c * f[t] / v[t] - m2);
	}
	ASSERT_REL(sqrt(s2), sqrt(s1), 1e-12);
	gsl_rng_free(g);
}
END_TEST

/* ---- bad input ------------------------------------------------------------- */

/* Every kind of bad input gives a status, never a crash. */
START_TEST(test_bad_input)
{
	double r[64], c64[64], v, var[65], w, out[64];
	double nanr[5] = { 0.01, NAN, 0.02, -0.01, 0.0 };
	double infr[5] = { 0.01, 0.0, INFINITY, -0.01, 0.0 };
	double px[4] = { 1.0, 2.0, -1.0, 3.0 }, px0[3] = { 1.0, 0.0, 1.0 };
	volest_garch_workspace *ws = volest_garch_workspace_alloc(64);
	volest_garch_workspace *small = volest_garch_workspace_alloc(40);
	struct volest_garch f;
	size_t i;

	simulate_garch(r, 64, 0.0, 0.02, 0.08, 0.9, 0.0, 71);
	for (i = 0; i < 64; i++)
		c64[i] = 0.003;
	/* log returns */
	ck_assert_int_eq(volest_log_returns(px, 4, out), QM_EINVAL);
	ck_assert(isnan(out[0]));
	ck_assert_int_eq(volest_log_returns(px0, 3, out), QM_EINVAL);
	ck_assert_int_eq(volest_log_returns(px, 1, out), QM_ETOOSHORT);
	ck_assert_int_eq(volest_log_returns(NULL, 4, out), QM_EINVAL);
	/* realized */
	ck_assert_int_eq(volest_realized(nanr, 5, 252.0, 0, &v), QM_EINVAL);
	ck_assert(isnan(v));
	ck_assert_int_eq(volest_realized(infr, 5, 252.0, 0, &v), QM_EINVAL);
	ck_assert_int_eq(volest_realized(r, 1, 252.0, VOLEST_DEMEAN, &v), QM_ETOOSHORT);
	ck_assert_int_eq(volest_realized(r, 1, 252.0, VOLEST_ZERO_MEAN, &v), QM_OK);
	ck_assert_int_eq(volest_realized(r, 0, 252.0, VOLEST_ZERO_MEAN, &v), QM_ETOOSHORT);
	ck_assert_int_eq(volest_realized(r, 10, 0.0, 0, &v), QM_EINVAL);
	ck_assert_int_eq(volest_realized(r, 10, -252.0, 0, &v), QM_EINVAL);
	ck_assert_int_eq(volest_realized(r, 10, NAN, 0, &v), QM_EINVAL);
	ck_assert_int_eq(volest_realized(r, 10, 252.0, 5, &v), QM_EINVAL);
	ck_assert_int_eq(volest_realized(r, 10, 252.0, 0, NULL), QM_EINVAL);
	ck_assert_int_eq(volest_realized(NULL, 10, 252.0, 0, &v), QM_EINVAL);
	ck_assert_int_eq(volest_realized(c64, 64, 252.0, VOLEST_DEMEAN, &v), QM_ECONST);
	ck_assert(v == 0.0);
	ck_assert_int_eq(volest_realized_rolling(r, 10, 11, 252.0, 0, out), QM_ETOOSHORT);
	ck_assert_int_eq(volest_realized_rolling(r, 10, 1, 252.0, 0, out), QM_ETOOSHORT);
	ck_assert_int_eq(volest_realized_rolling(nanr, 5, 2, 252.0, 0, out), QM_EINVAL);
	ck_assert(isnan(out[4]));
	ck_assert_int_eq(volest_realized_rolling(c64, 64, 5, 252.0, 0, out), QM_ECONST);
	/* EWMA */
	ck_assert_int_eq(volest_ewma(r, 64, 1.0, 0.0, 252.0, var, &v), QM_EINVAL);
	ck_assert(isnan(v) && isnan(var[0]) && isnan(var[64]));
	ck_assert_int_eq(volest_ewma(r, 64, 0.0, 0.0, 252.0, var, &v), QM_EINVAL);
	ck_assert_int_eq(volest_ewma(r, 64, NAN, 0.0, 252.0, var, &v), QM_EINVAL);
	ck_assert_int_eq(volest_ewma(r, 64, 0.94, -1e-4, 252.0, var, &v), QM_EINVAL);
	ck_assert_int_eq(volest_ewma(r, 64, 0.94, NAN, 252.0, var, &v), QM_EINVAL);
	ck_assert_int_eq(volest_ewma(r, 64, 0.94, 0.0, 0.0, var, &v), QM_EINVAL);
	ck_assert_int_eq(volest_ewma(nanr, 5, 0.94, 0.0, 252.0, var, &v), QM_EINVAL);
	ck_assert_int_eq(volest_ewma(r, 0, 0.94, 0.0, 252.0, var, &v), QM_ETOOSHORT);
	ck_assert_int_eq(volest_ewma(NULL, 5, 0.94, 0.0, 252.0, var, &v), QM_EINVAL);
	{
		double z[8] = { 0.0 };

		ck_assert_int_eq(volest_ewma(z, 8, 0.94, 0.0, 252.0, NULL, &v), QM_ECONST);
		ck_assert(v == 0.0);
	}
	/* GARCH */
	ck_assert_int_eq(volest_garch_fit(r, 29, 0, 252.0, ws, &f), QM_ETOOSHORT);
	ck_assert(isnan(f.omega) && isnan(f.loglik) && f.h == NULL);
	ck_assert_int_eq(volest_garch_fit(r, 64, 0, 252.0, small, &f), QM_ENOMEM);
	ck_assert_int_eq(volest_garch_fit(c64, 64, 0, 252.0, ws, &f), QM_ECONST);
	ck_assert_int_eq(volest_garch_fit(c64, 64, VOLEST_GARCH_MEAN, 252.0, ws, &f),
			 QM_ECONST);
	r[7] = NAN;
	ck_assert_int_eq(volest_garch_fit(r, 64, 0, 252.0, ws, &f), QM_EINVAL);
	r[7] = INFINITY;
	ck_assert_int_eq(volest_garch_fit(r, 64, 0, 252.0, ws, &f), QM_EINVAL);
	r[7] = 0.01;
	ck_assert_int_eq(volest_garch_fit(r, 64, 8u, 252.0, ws, &f), QM_EINVAL);
	ck_assert_int_eq(volest_garch_fit(r, 64, 0, -1.0, ws, &f), QM_EINVAL);
	ck_assert_int_eq(volest_garch_fit(r, 64, 0, 252.0, NULL, &f), QM_EINVAL);
	ck_assert_int_eq(volest_garch_fit(NULL, 64, 0, 252.0, ws, &f), QM_EINVAL);
	ck_assert_int_eq(volest_garch_fit(r, 64, 0, 252.0, ws, NULL), QM_EINVAL);
	ck_assert(volest_garch_workspace_alloc(0) == NULL);
	volest_garch_workspace_free(NULL);
	/* likelihood */
	ck_assert_int_eq(volest_garch_loglik(r, 64, 0.0, 0.0, 0.1, 0.8, &v, NULL),
			 QM_EINVAL);
	ck_assert(isnan(v));
	ck_assert_int_eq(volest_garch_loglik(r, 64, 0.0, 0.1, 0.3, 0.7, &v, NULL),
			 QM_EINVAL);
	ck_assert_int_eq(volest_garch_loglik(r, 64, 0.0, 0.1, -0.1, 0.7, &v, NULL),
			 QM_EINVAL);
	ck_assert_int_eq(volest_garch_loglik(r, 64, NAN, 0.1, 0.1, 0.7, &v, NULL),
			 QM_EINVAL);
	ck_assert_int_eq(volest_garch_loglik(r, 0, 0.0, 0.1, 0.1, 0.7, &v, NULL),
			 QM_ETOOSHORT);
	ck_assert_int_eq(volest_garch_loglik(nanr, 5, 0.0, 0.1, 0.1, 0.7, &v, NULL),
			 QM_EINVAL);
	/* Moreira-Muir */
	ck_assert_int_eq(volest_mm_weight(0.0, 0.15, 2.0, 0.2, &w), QM_EINVAL);
	ck_assert(isnan(w));
	ck_assert_int_eq(volest_mm_weight(-0.1, 0.15, 2.0, 0.2, &w), QM_EINVAL);
	ck_assert_int_eq(volest_mm_weight(NAN, 0.15, 2.0, 0.2, &w), QM_EINVAL);
	ck_assert_int_eq(volest_mm_weight(0.1, 0.0, 2.0, 0.2, &w), QM_EINVAL);
	ck_assert_int_eq(volest_mm_weight(0.1, 0.15, 0.1, 0.2, &w), QM_EINVAL);
	ck_assert_int_eq(volest_mm_weight(0.1, 0.15, 2.0, -0.2, &w), QM_EINVAL);
	ck_assert_int_eq(volest_mm_weight(0.1, 0.15, INFINITY, 0.2, &w), QM_EINVAL);
	ck_assert_int_eq(volest_mm_weight(0.1, 0.15, 2.0, 0.2, NULL), QM_EINVAL);
	ck_assert_int_eq(volest_mm_weights(nanr, 5, 0.15, 2.0, 0.2, out), QM_EINVAL);
	ck_assert(isnan(out[0]));
	ck_assert_int_eq(volest_mm_weights(r, 0, 0.15, 2.0, 0.2, out), QM_ETOOSHORT);
	ck_assert_int_eq(volest_mm_scale(r, c64, 1, &v), QM_ETOOSHORT);
	ck_assert_int_eq(volest_mm_scale(r, r, 10, &v), QM_EINVAL);	/* var <= 0 */
	ck_assert_int_eq(volest_mm_scale(c64, c64, 10, &v), QM_ECONST);
	ck_assert_int_eq(volest_mm_scale(NULL, c64, 10, &v), QM_EINVAL);
	volest_garch_workspace_free(ws);
	volest_garch_workspace_free(small);
}
END_TEST

/* Collects the cases. */
static Suite *volest_suite(void)
{
	Suite *s = suite_create("volest");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_log_returns);
	tcase_add_test(tc, test_realized);
	tcase_add_test(tc, test_realized_rolling);
	tcase_add_test(tc, test_ewma);
	tcase_add_test(tc, test_garch_loglik);
	tcase_add_test(tc, test_garch_vs_nelder_mead);
	tcase_add_test(tc, test_garch_standard_errors);
	tcase_add_test(tc, test_garch_recovery);
	tcase_add_test(tc, test_garch_white_noise);
	tcase_add_test(tc, test_garch_spy);
	tcase_add_test(tc, test_mm_weights);
	tcase_add_test(tc, test_mm_scale);
	tcase_add_test(tc, test_bad_input);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(volest_suite());
	int failed;

	gsl_set_error_handler_off();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
