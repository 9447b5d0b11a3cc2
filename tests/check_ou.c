/*
 * check_ou.c -- tests of models/ou (Ornstein-Uhlenbeck maximum likelihood,
 * transition law, exact simulation, counter-based normals).
 *
 * Why it exists: ou.c computes the exact conditional MLE through the AR(1)
 * regression and its standard errors from a Jacobian written by hand.
 * Every number here comes from somewhere else:
 *  - an independent AR(1) OLS by GSL (gsl_fit_linear), mapped to
 *    (theta, mu, sigma) in the test;
 *  - a direct numerical maximisation of the exact likelihood (NLopt,
 *    derivative-free) and the inverse of its Hessian by central finite
 *    differences, for the estimates and their covariance;
 *  - GSL's Gaussian density for the log-likelihood, GSL quadrature of
 *    sigma^2 e^(-2 mu (t - s)) for the transition variance;
 *  - Monte Carlo: recovery of known parameters from simulated paths within
 *    three standard errors, the spread of estimates over many paths against
 *    the reported standard errors, and the law of simulated paths against
 *    the exact transition;
 *  - real data when ../shared/market-data is present (GLD/GDX spread, VIX):
 *    the fit against the GSL regression; skipped otherwise.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort_double.h>
#include <gsl/gsl_statistics_double.h>
#include <nlopt.h>

#include "leungli.h"
#include "ou.h"
#include "qm-status.h"

/* Asserts |got - want| <= tol * |want| with a readable message. */
#define ASSERT_REL(got, want, tol) do {					\
	double g_ = (got), w_ = (want);					\
	ck_assert_msg(fabs(g_ - w_) <= (tol) * fabs(w_),		\
		      "%s = %.17g, want %.17g (rel err %.3g > %.3g)",	\
		      #got, g_, w_, fabs(g_ - w_) / fabs(w_), (double)(tol)); \
} while (0)

/* Asserts |got - want| <= tol with a readable message. */
#define ASSERT_ABS(got, want, tol) do {					\
	double g_ = (got), w_ = (want);					\
	ck_assert_msg(fabs(g_ - w_) <= (tol),				\
		      "%s = %.17g, want %.17g (abs err %.3g > %.3g)",	\
		      #got, g_, w_, fabs(g_ - w_), (double)(tol));	\
} while (0)

/* Daily sampling of annualised parameters. */
#define DT (1.0 / 252.0)

/*
 * Simulates n points of an OU path with GSL normals by the exact recursion,
 * written here independently of ou_simulate().
 */
static void sim_path(const struct ou_params *p, double x0, double dt,
		     unsigned long seed, double *x, size_t n)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double b = exp(-p->mu * dt);
	double sd = p->sigma * sqrt((1.0 - exp(-2.0 * p->mu * dt)) / (2.0 * p->mu));
	size_t i;

	gsl_rng_set(rng, seed);
	x[0] = x0;
	for (i = 1; i < n; i++)
		x[i] = p->theta + (x[i - 1] - p->theta) * b +
		       gsl_ran_gaussian(rng, sd);
	gsl_rng_free(rng);
}

/* The AR(1) regression by GSL and its map to OU parameters. */
struct ols {
	double a, b, v, theta, mu, sigma, cov11;
};

/* Fits x[i+1] = a + b x[i] by gsl_fit_linear; v = SSE / (n - 1). */
static void ols_fit(const double *x, size_t n, double dt, struct ols *o)
{
	double c00, c01, sumsq;
	size_t m = n - 1;

	gsl_fit_linear(x, 1, x + 1, 1, m, &o->a, &o->b, &c00, &c01, &o->cov11,
		       &sumsq);
	o->v = sumsq / m;
	o->mu = -log(o->b) / dt;
	o->theta = o->a / (1.0 - o->b);
	o->sigma = sqrt(2.0 * o->mu * o->v / (1.0 - o->b * o->b));
}

/* ---- maximum likelihood ---------------------------------------------------- */

/* The MLE equals the independent OLS regression mapped to (theta, mu, sigma). */
START_TEST(test_mle_vs_gsl_ols)
{
	const struct ou_params truth[] = {
		{ 0.5388, 16.6677, 0.1599 }, { 100.0, 2.0, 5.0 }, { -0.3, 40.0, 1.2 },
		{ 0.0, 0.5, 0.2 },
	};
	static double x[2520];
	unsigned i;

	for (i = 0; i < sizeof truth / sizeof *truth; i++) {
		struct ou_fit fit;
		struct ols o;
		size_t m = 2519;

		sim_path(&truth[i], truth[i].theta, DT, 100 + i, x, 2520);
		ck_assert_int_eq(ou_mle(x, 2520, DT, &fit), QM_OK);
		ols_fit(x, 2520, DT, &o);
		ck_assert_uint_eq(fit.n, m);
		ASSERT_REL(fit.ar_b, o.b, 1e-11);
		ASSERT_REL(fit.ar_a, o.a, 1e-9);
		ASSERT_REL(fit.ar_var, o.v, 1e-11);
		ASSERT_REL(fit.p.mu, o.mu, 1e-9);
		ASSERT_REL(fit.p.theta, o.theta, 1e-10);
		ASSERT_REL(fit.p.sigma, o.sigma, 1e-10);
		/* GSL scales cov(b) by SSE/(m-2), the MLE by SSE/m */
		ASSERT_REL(fit.se_mu, sqrt(o.cov11 * (m - 2.0) / m) / (o.b * DT), 1e-9);
		ASSERT_REL(fit.half_life, M_LN2 / o.mu, 1e-9);
		ASSERT_REL(fit.loglik, -0.5 * m * (log(2 * M_PI * o.v) + 1.0), 1e-12);
		ASSERT_REL(fit.aic, 6.0 - 2.0 * fit.loglik, 1e-15);
		ASSERT_REL(fit.bic, 3.0 * log((double)m) - 2.0 * fit.loglik, 1e-15);
	}
}
END_TEST

/* Data for the NLopt objective. */
struct nl_data {
	const double *x;
	size_t n;
};

/* Minus the exact log-likelihood in (theta, ln mu, ln sigma). */
static double nl_obj(unsigned n, const double *q, double *grad, void *vp)
{
	const struct nl_data *d = vp;
	struct ou_params p = { q[0], exp(q[1]), exp(q[2]) };
	double ll;

	(void)n;
	(void)grad;
	if (ou_loglik(&p, d->x, d->n, DT, &ll) != QM_OK)
		return HUGE_VAL;
	return -ll;
}

/* A derivative-free maximiser of ou_loglik finds the closed-form MLE. */
START_TEST(test_mle_numerical_max)
{
	const struct ou_params truth = { 1.0, 6.0, 0.4 };
	static double x[1500];
	struct nl_data d = { x, 1500 };
	struct ou_fit fit;
	nlopt_opt opt = nlopt_create(NLOPT_LN_NELDERMEAD, 3);
	double q[3], minf, ll;

	sim_path(&truth, 1.0, DT, 7, x, 1500);
	ck_assert_int_eq(ou_mle(x, 1500, DT, &fit), QM_OK);
	ck_assert_int_eq(ou_loglik(&fit.p, x, 1500, DT, &ll), QM_OK);
	ASSERT_REL(ll, fit.loglik, 1e-12);
	q[0] = fit.p.theta + 0.1;
	q[1] = log(fit.p.mu * 1.3);
	q[2] = log(fit.p.sigma * 0.8);
	nlopt_set_min_objective(opt, nl_obj, &d);
	nlopt_set_xtol_rel(opt, 1e-12);
	nlopt_set_maxeval(opt, 20000);
	ck_assert(nlopt_optimize(opt, q, &minf) > 0);
	nlopt_destroy(opt);
	/* the likelihood is flat at its maximum: compare on the scale of the SEs */
	ASSERT_ABS(q[0], fit.p.theta, 1e-3 * fit.se_theta);
	ASSERT_ABS(exp(q[1]), fit.p.mu, 1e-3 * fit.se_mu);
	ASSERT_ABS(exp(q[2]), fit.p.sigma, 1e-3 * fit.se_sigma);
	ck_assert(-minf <= fit.loglik + 1e-9);	/* nothing beats the closed form */
	ASSERT_REL(-minf, fit.loglik, 1e-12);
}
END_TEST

/*
 * The covariance is the inverse observed information: minus the inverse of
 * the Hessian of the exact log-likelihood in (theta, mu, sigma), here by
 * central finite differences.
 */
START_TEST(test_mle_cov_vs_hessian)
{
	const struct ou_params truth = { 0.2, 3.0, 0.5 };
	static double x[600];
	struct ou_fit fit;
	gsl_matrix *h = gsl_matrix_alloc(3, 3), *hinv = gsl_matrix_alloc(3, 3);
	gsl_permutation *perm = gsl_permutation_alloc(3);
	double step[3];
	int i, j, sg;

	/* started 7 stationary sd away, so the sample mean is far from theta
	 * and every term of the Jacobian matters */
	sim_path(&truth, 1.6, DT, 3, x, 600);
	ck_assert_int_eq(ou_mle(x, 600, DT, &fit), QM_OK);
	step[0] = 0.02 * fit.se_theta;
	step[1] = 0.02 * fit.se_mu;
	step[2] = 0.02 * fit.se_sigma;
	for (i = 0; i < 3; i++) {
		for (j = 0; j < 3; j++) {
			double f[4];
			int k;

			for (k = 0; k < 4; k++) {
				double q[3] = { fit.p.theta, fit.p.mu, fit.p.sigma };
				struct ou_params p;

				q[i] += (k & 1 ? -1 : 1) * step[i];
				q[j] += (k & 2 ? -1 : 1) * step[j];
				p.theta = q[0];
				p.mu = q[1];
				p.sigma = q[2];
				ou_loglik(&p, x, 600, DT, &f[k]);
			}
			gsl_matrix_set(h, i, j, (f[0] - f[1] - f[2] + f[3]) /
				       (4.0 * step[i] * step[j]));
		}
	}
	gsl_linalg_LU_decomp(h, perm, &sg);
	gsl_linalg_LU_invert(h, perm, hinv);
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++) {
			double want = -gsl_matrix_get(hinv, i, j);
			double scale = sqrt(fit.cov[i][i] * fit.cov[j][j]);

			/* FD error O(step^2) ~ 1e-4 of the scale */
			ASSERT_ABS(fit.cov[i][j], want, 1e-3 * scale);
		}
	ASSERT_REL(fit.se_theta, sqrt(fit.cov[0][0]), 1e-15);
	gsl_matrix_free(h);
	gsl_matrix_free(hinv);
	gsl_permutation_free(perm);
}
END_TEST

/* Known parameters are recovered within three standard errors (2,520 days). */
START_TEST(test_mle_recovery)
{
	const struct ou_params truth = { 0.5, 8.0, 0.3 };
	static double x[2520];
	unsigned long seed;

	for (seed = 1; seed <= 10; seed++) {
		struct ou_fit fit;

		sim_path(&truth, 0.5, DT, seed, x, 2520);
		ck_assert_int_eq(ou_mle(x, 2520, DT, &fit), QM_OK);
		ASSERT_ABS(fit.p.theta, truth.theta, 3.0 * fit.se_theta);
		ASSERT_ABS(fit.p.mu, truth.mu, 3.0 * fit.se_mu);
		ASSERT_ABS(fit.p.sigma, truth.sigma, 3.0 * fit.se_sigma);
	}
}
END_TEST

/*
 * Over 400 simulated paths the spread of the estimates matches the mean
 * reported standard error (to 12%: the sample sd of 400 draws is itself
 * uncertain by 3.5%, and the asymptotic SE is a little optimistic for mu),
 * and about 95% of the intervals +-1.96 SE cover the truth.
 */
START_TEST(test_mle_se_monte_carlo)
{
	enum { R = 400, N = 1000 };
	const struct ou_params truth = { -0.2, 12.0, 0.25 };
	static double x[N], est[3][R];
	double se[3] = { 0.0, 0.0, 0.0 };
	int cover[3] = { 0, 0, 0 }, r, k;

	for (r = 0; r < R; r++) {
		struct ou_fit fit;
		double e[3], s[3], t[3] = { truth.theta, truth.mu, truth.sigma };

		sim_path(&truth, truth.theta, DT, 1000 + r, x, N);
		ck_assert_int_eq(ou_mle(x, N, DT, &fit), QM_OK);
		e[0] = fit.p.theta;
		e[1] = fit.p.mu;
		e[2] = fit.p.sigma;
		s[0] = fit.se_theta;
		s[1] = fit.se_mu;
		s[2] = fit.se_sigma;
		for (k = 0; k < 3; k++) {
			est[k][r] = e[k];
			se[k] += s[k] / R;
			cover[k] += fabs(e[k] - t[k]) <= 1.96 * s[k];
		}
	}
	for (k = 0; k < 3; k++) {
		double sd = gsl_stats_sd(est[k], 1, R);

		ASSERT_REL(se[k], sd, 0.12);
		ck_assert_msg(cover[k] >= 0.91 * R && cover[k] <= 0.99 * R,
			      "coverage of parameter %d: %d of %d", k, cover[k], R);
	}
}
END_TEST

/* ou_loglik is the sum of GSL Gaussian log-densities of the transitions. */
START_TEST(test_loglik_vs_gsl)
{
	const struct ou_params p = { 1.5, 4.0, 0.7 };
	static double x[300];
	double ll, want = 0.0, dt = 0.1;
	double m = exp(-p.mu * dt), v = p.sigma * p.sigma *
		   (1.0 - exp(-2.0 * p.mu * dt)) / (2.0 * p.mu);
	int i;

	sim_path(&p, 0.0, dt, 5, x, 300);
	for (i = 0; i + 1 < 300; i++)
		want += log(gsl_ran_gaussian_pdf(x[i + 1] - p.theta - (x[i] - p.theta) * m,
						 sqrt(v)));
	ck_assert_int_eq(ou_loglik(&p, x, 300, dt, &ll), QM_OK);
	ASSERT_REL(ll, want, 1e-12);
}
END_TEST

/* ---- transition and simulation ----------------------------------------------- */

/* Integrand sigma^2 e^(-2 mu (t - s)) of the transition variance. */
static double var_integrand(double s, void *vp)
{
	const double *q = vp;	/* sigma, mu, t */

	return q[0] * q[0] * exp(-2.0 * q[1] * (q[2] - s));
}

/* The transition law: variance by quadrature, mean by the ODE solution. */
START_TEST(test_transition)
{
	const struct ou_params p = { 2.0, 3.0, 0.6 };
	const double ts[] = { 1e-12, 1e-6, 0.01, 0.3, 1.0, 10.0 };
	gsl_integration_workspace *w = gsl_integration_workspace_alloc(200);
	unsigned i;

	for (i = 0; i < sizeof ts / sizeof *ts; i++) {
		double q[3] = { p.sigma, p.mu, ts[i] }, mean, var, want, err;
		gsl_function f = { var_integrand, q };

		ck_assert_int_eq(ou_transition(&p, 0.5, ts[i], &mean, &var), QM_OK);
		gsl_integration_qag(&f, 0.0, ts[i], 0.0, 1e-13, 200, GSL_INTEG_GAUSS61,
				    w, &want, &err);
		ASSERT_REL(var, want, 1e-12);
		ASSERT_REL(mean, 2.0 - 1.5 * exp(-3.0 * ts[i]), 1e-15);
	}
	gsl_integration_workspace_free(w);
}
END_TEST

/*
 * Exact simulation: after one step of length 1/mu the sample mean and
 * variance over 200,000 paths match the transition law (within 4 SE), and
 * ten steps of dt/10 give the same law as one step of dt.
 */
START_TEST(test_simulate_law)
{
	enum { M = 200000 };
	const struct ou_params p = { 1.0, 2.0, 0.8 };
	static double z[11 * M], one[M], ten[M];
	double path[11], mean, var;
	int i;

	ck_assert_int_eq(ou_normals(42, 0, z, 11 * M), QM_OK);
	for (i = 0; i < M; i++) {
		ck_assert_int_eq(ou_simulate(&p, 3.0, 0.5, z + i, 1, path), QM_OK);
		ck_assert(path[0] == 3.0);
		one[i] = path[1];
		ck_assert_int_eq(ou_simulate(&p, 3.0, 0.05, z + M + 10 * i, 10, path),
				 QM_OK);
		ten[i] = path[10];
	}
	ou_transition(&p, 3.0, 0.5, &mean, &var);
	ASSERT_ABS(gsl_stats_mean(one, 1, M), mean, 4.0 * sqrt(var / M));
	ASSERT_ABS(gsl_stats_variance(one, 1, M), var, 4.0 * var * sqrt(2.0 / M));
	ASSERT_ABS(gsl_stats_mean(ten, 1, M), mean, 4.0 * sqrt(var / M));
	ASSERT_ABS(gsl_stats_variance(ten, 1, M), var, 4.0 * var * sqrt(2.0 / M));
}
END_TEST

/*
 * The counter-based normals: moments, a Kolmogorov-Smirnov test against
 * GSL's normal CDF, and reproducibility by (key, counter).
 */
START_TEST(test_normals)
{
	enum { M = 1000000 };
	static double z[M], w[16];
	double mean, var, skew, kurt, dmax = 0.0;
	int i;

	ck_assert_int_eq(ou_normals(7, 0, z, M), QM_OK);
	mean = gsl_stats_mean(z, 1, M);
	var = gsl_stats_variance(z, 1, M);
	skew = gsl_stats_skew(z, 1, M);
	kurt = gsl_stats_kurtosis(z, 1, M);
	/* standard errors: 1/sqrt(M), sqrt(2/M), sqrt(6/M), sqrt(24/M) */
	ASSERT_ABS(mean, 0.0, 4.0 / sqrt(M));
	ASSERT_ABS(var, 1.0, 4.0 * sqrt(2.0 / M));
	ASSERT_ABS(skew, 0.0, 4.0 * sqrt(6.0 / M));
	ASSERT_ABS(kurt, 0.0, 4.0 * sqrt(24.0 / M));
	gsl_sort(z, 1, M);
	for (i = 0; i < M; i++) {
		double c = gsl_cdf_ugaussian_P(z[i]);

		dmax = fmax(dmax, fmax(fabs(c - (double)i / M), fabs(c - (i + 1.0) / M)));
	}
	/* the 0.1% critical value of sqrt(M) D is 1.95 */
	ck_assert_msg(sqrt((double)M) * dmax < 1.95, "KS statistic %g", sqrt((double)M) * dmax);
	/* a block from counter 10 equals elements 10.. of the block from 0 */
	ou_normals(7, 0, z, 26);
	ou_normals(7, 10, w, 16);
	for (i = 0; i < 16; i++)
		ck_assert(w[i] == z[10 + i]);
	ou_normals(8, 10, w, 16);
	ck_assert(w[0] != z[10]);
}
END_TEST

/* ---- real data ------------------------------------------------------------------ */

/* Opens ../shared/market-data/<name> from $SRCDIR or the working directory. */
static FILE *open_market(const char *name)
{
	const char *roots[] = { getenv("SRCDIR"), ".", "..", "../.." };
	char path[1024];
	unsigned i;

	for (i = 0; i < sizeof roots / sizeof *roots; i++) {
		FILE *f;

		if (roots[i] == NULL)
			continue;
		snprintf(path, sizeof path, "%s/../shared/market-data/%s", roots[i], name);
		f = fopen(path, "r");
		if (f != NULL)
			return f;
	}
	return NULL;
}

/* Reads up to max rows of two numeric columns after a header; returns rows. */
static size_t read_two(FILE *f, int col1, int col2, double *a, double *b,
		       size_t max)
{
	char line[512];
	size_t n = 0;

	if (fgets(line, sizeof line, f) == NULL)
		return 0;
	while (n < max && fgets(line, sizeof line, f) != NULL) {
		char *tok, *save = NULL;
		int col = 0, got = 0;

		for (tok = strtok_r(line, ",\n", &save); tok != NULL;
		     tok = strtok_r(NULL, ",\n", &save), col++) {
			if (col == col1) {
				a[n] = strtod(tok, NULL);
				got++;
			}
			if (col == col2) {
				b[n] = strtod(tok, NULL);
				got++;
			}
		}
		if (got == 2)
			n++;
	}
	return n;
}

/*
 * GLD/GDX adjusted closes 2006-2013 (E. P. Chan's data, read in place and
 * never copied): the spread GLD - beta GDX fitted by ou_mle agrees with the
 * GSL regression, reverts (b < 1), and its Leung & Li levels solve; the log
 * of VIX 1990-2012 reverts with a half-life of weeks, not years.
 */
START_TEST(test_market_data)
{
	static double gld[6000], gdx[6000], s[6000];
	FILE *f = open_market("chan/qt_gld_gdx_adjclose_2006_2013.csv");
	struct ou_fit fit;
	struct ols o;
	double c0, beta, cov00, cov01, cov11, sumsq;
	size_t n, i;

	if (f == NULL) {
		fprintf(stderr, "check_ou: market data not found, skipping\n");
		return;
	}
	n = read_two(f, 1, 2, gld, gdx, 4000);
	fclose(f);
	ck_assert(n > 1700);
	gsl_fit_linear(gdx, 1, gld, 1, n, &c0, &beta, &cov00, &cov01, &cov11, &sumsq);
	for (i = 0; i < n; i++)
		s[i] = gld[i] - beta * gdx[i];
	ck_assert_int_eq(ou_mle(s, n, DT, &fit), QM_OK);
	ols_fit(s, n, DT, &o);
	ASSERT_REL(fit.p.mu, o.mu, 1e-9);
	ASSERT_REL(fit.p.theta, o.theta, 1e-9);
	ASSERT_REL(fit.p.sigma, o.sigma, 1e-9);
	ck_assert(fit.ar_b < 1.0 && fit.half_life > 0.0);
	fprintf(stderr, "check_ou: GLD - %.4f GDX 2006-2013: theta %.3f mu %.3f/y "
		"sigma %.3f half-life %.1f days\n", beta, fit.p.theta, fit.p.mu,
		fit.p.sigma, fit.half_life * 252);
	{
		struct leungli_params lp = { fit.p, 0.05, 0.5, 0.05, 0.5 };
		struct leungli_levels lv;

		ck_assert_int_eq(leungli_solve(&lp, &lv), QM_OK);
		ck_assert(lv.d < fit.p.theta && lv.b > lv.d);
	}
	f = open_market("chan/vix_daily_1990_2012.csv");
	if (f == NULL)
		return;
	n = read_two(f, 4, 4, gld, gdx, 6000);	/* the close, twice */
	fclose(f);
	ck_assert(n > 5000);
	for (i = 0; i < n; i++)
		s[i] = log(gld[i]);
	ck_assert_int_eq(ou_mle(s, n, DT, &fit), QM_OK);
	ols_fit(s, n, DT, &o);
	ASSERT_REL(fit.p.mu, o.mu, 1e-9);
	fprintf(stderr, "check_ou: log VIX 1990-2012: theta %.4f mu %.3f/y sigma %.3f "
		"half-life %.1f days\n", fit.p.theta, fit.p.mu, fit.p.sigma,
		fit.half_life * 252);
	ck_assert(fit.half_life > 5.0 / 252 && fit.half_life < 1.0);
}
END_TEST

/* ---- bad input ----------------------------------------------------------------------- */

/* Every kind of bad series or parameter gives a status, never a crash. */
START_TEST(test_bad_input)
{
	double x[64], path[8], z[8] = { 0 }, ll, mean, var;
	struct ou_fit fit;
	struct ou_params p = { 0.0, 1.0, 0.5 }, bad;
	int i;

	for (i = 0; i < 64; i++)
		x[i] = sin(0.3 * i) + 0.01 * i * (i % 3);
	ck_assert_int_eq(ou_mle(x, 64, DT, &fit), QM_OK);
	ck_assert_int_eq(ou_mle(NULL, 64, DT, &fit), QM_EINVAL);
	ck_assert(isnan(fit.p.mu) && isnan(fit.se_sigma) && isnan(fit.cov[1][2]));
	ck_assert_int_eq(ou_mle(x, 64, DT, NULL), QM_EINVAL);
	ck_assert_int_eq(ou_mle(x, 64, 0.0, &fit), QM_EINVAL);
	ck_assert_int_eq(ou_mle(x, 64, -DT, &fit), QM_EINVAL);
	ck_assert_int_eq(ou_mle(x, 64, NAN, &fit), QM_EINVAL);
	ck_assert_int_eq(ou_mle(x, 64, INFINITY, &fit), QM_EINVAL);
	ck_assert_int_eq(ou_mle(x, 0, DT, &fit), QM_ETOOSHORT);
	ck_assert_int_eq(ou_mle(x, 3, DT, &fit), QM_ETOOSHORT);
	x[1] = NAN;		/* bad data wins over a short series */
	ck_assert_int_eq(ou_mle(x, 3, DT, &fit), QM_EINVAL);
	x[1] = sin(0.3) + 0.01;
	ck_assert_int_eq(ou_mle(x, 4, DT, &fit), QM_OK);
	x[17] = NAN;
	ck_assert_int_eq(ou_mle(x, 64, DT, &fit), QM_EINVAL);
	ck_assert(isnan(fit.p.theta) && fit.n == 0);
	x[17] = INFINITY;
	ck_assert_int_eq(ou_mle(x, 64, DT, &fit), QM_EINVAL);
	x[17] = -INFINITY;
	ck_assert_int_eq(ou_mle(x, 64, DT, &fit), QM_EINVAL);
	for (i = 0; i < 64; i++)
		x[i] = 3.25;
	ck_assert_int_eq(ou_mle(x, 64, DT, &fit), QM_ECONST);
	for (i = 0; i < 64; i++)	/* finite, but the squares overflow */
		x[i] = 1e200 * (1.0 + 0.5 * sin(0.3 * i));
	ck_assert_int_eq(ou_mle(x, 64, DT, &fit), QM_EOVERFLOW);
	ck_assert(isnan(fit.p.sigma));
	for (i = 0; i < 64; i++)
		x[i] = 0.1 * i;		/* a noiseless trend: slope 1, no innovations */
	i = ou_mle(x, 64, DT, &fit);
	ck_assert(i == QM_ENOTMR || i == QM_ESINGULAR);
	ck_assert(isnan(fit.p.mu));
	x[0] = 1.0;
	for (i = 1; i < 64; i++)	/* explosive with noise */
		x[i] = 1.05 * x[i - 1] + 0.01 * ((i * 7) % 5 - 2);
	ck_assert_int_eq(ou_mle(x, 64, DT, &fit), QM_ENOTMR);
	for (i = 0; i < 64; i++)	/* alternating: slope < 0 */
		x[i] = (i % 2 ? 1.0 : -1.0) + 0.01 * ((i * 7) % 5);
	ck_assert_int_eq(ou_mle(x, 64, DT, &fit), QM_EINVAL);
	for (i = 0; i < 64; i++)	/* deterministic decay: no innovations */
		x[i] = 2.0 + pow(0.5, i);
	ck_assert_int_eq(ou_mle(x, 40, DT, &fit), QM_ESINGULAR);

	ck_assert_int_eq(ou_loglik(&p, x, 64, DT, NULL), QM_EINVAL);
	ck_assert_int_eq(ou_loglik(&p, x, 1, DT, &ll), QM_ETOOSHORT);
	ck_assert_int_eq(ou_loglik(&p, NULL, 64, DT, &ll), QM_EINVAL);
	ck_assert(isnan(ll));
	bad = p;
	bad.mu = 0.0;
	ck_assert_int_eq(ou_loglik(&bad, x, 64, DT, &ll), QM_EINVAL);
	bad = p;
	bad.sigma = -1.0;
	ck_assert_int_eq(ou_transition(&bad, 0.0, 1.0, &mean, &var), QM_EINVAL);
	ck_assert(isnan(mean) && isnan(var));
	ck_assert_int_eq(ou_transition(&p, 0.0, -1.0, &mean, &var), QM_EINVAL);
	ck_assert_int_eq(ou_transition(&p, NAN, 1.0, &mean, &var), QM_EINVAL);
	ck_assert_int_eq(ou_transition(&p, 0.0, 1.0, NULL, &var), QM_EINVAL);
	bad = p;
	bad.theta = INFINITY;
	ck_assert_int_eq(ou_simulate(&bad, 0.0, 0.1, z, 7, path), QM_EINVAL);
	ck_assert_int_eq(ou_simulate(&p, 0.0, 0.0, z, 7, path), QM_EINVAL);
	ck_assert_int_eq(ou_simulate(&p, 0.0, 0.1, NULL, 7, path), QM_EINVAL);
	ck_assert_int_eq(ou_simulate(&p, 0.0, 0.1, z, 7, NULL), QM_EINVAL);
	z[3] = NAN;
	ck_assert_int_eq(ou_simulate(&p, 0.0, 0.1, z, 7, path), QM_EINVAL);
	ck_assert(isnan(path[7]));
	ck_assert_int_eq(ou_simulate(&p, 0.0, 0.1, z, 0, path), QM_OK);
	ck_assert(path[0] == 0.0);
	ck_assert_int_eq(ou_normals(1, 0, NULL, 5), QM_EINVAL);
	ck_assert_int_eq(ou_normals(1, 0, NULL, 0), QM_OK);
}
END_TEST

/* Builds the suite. */
static Suite *ou_suite(void)
{
	Suite *s = suite_create("ou");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_mle_vs_gsl_ols);
	tcase_add_test(tc, test_mle_numerical_max);
	tcase_add_test(tc, test_mle_cov_vs_hessian);
	tcase_add_test(tc, test_mle_recovery);
	tcase_add_test(tc, test_mle_se_monte_carlo);
	tcase_add_test(tc, test_loglik_vs_gsl);
	tcase_add_test(tc, test_transition);
	tcase_add_test(tc, test_simulate_law);
	tcase_add_test(tc, test_normals);
	tcase_add_test(tc, test_market_data);
	tcase_add_test(tc, test_bad_input);
	suite_add_tcase(s, tc);
	return s;
}

/* Runs the suite with GSL's aborting error handler off. */
int main(void)
{
	SRunner *sr = srunner_create(ou_suite());
	int failed;

	gsl_set_error_handler_off();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
