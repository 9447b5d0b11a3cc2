/*
 * check_bertram.c -- tests of models/bertram (Bertram 2010 trade-cycle moments
 * and optimal levels).
 *
 * Why it exists: the closed forms in bertram.c rest on a rewriting of
 * Bertram's eqs. (9), (10) and (13) (Dawson's integral instead of Erfi,
 * scaled series); every number here comes from somewhere else:
 *  - a second method: the first-passage moment integrals of the OU process
 *    (Karlin & Taylor's scale/speed formulas) evaluated by GSL adaptive
 *    quadrature, and Erfi by quadrature of e^(t^2);
 *  - Monte Carlo of the trading rule on an exact OU grid with a Brownian-
 *    bridge crossing test, checked within four standard errors;
 *  - a peer library: the test values of arbitragelab (Hudson & Thames),
 *    tests/test_ou_optimal_threshold_bertram.py, for Bertram's example
 *    parameters alpha = 180.9670, eta = 0.1538, c = 0.001, rf = 0.01;
 *  - the large-level limit V[T] / E[T]^2 -> 1/2 (each leg becomes
 *    exponential with mean E[T]/2);
 *  - optimality: neighbouring levels, symmetric or not, earn less.
 * Bertram's paper text was not available to this author, so its own printed
 * figures are not quoted; the arbitragelab values use its example inputs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <check.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_erf.h>

#include "bertram.h"
#include "qm-status.h"

/* Bertram's example: alpha = 180.9670 per year, eta = 0.1538. */
static const struct ou_params ex = { 0.0, 180.9670, 0.1538 };

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

/* ---- second method: first-passage moments by quadrature ------------------ */

/*
 * In units y = (x - theta) / sd and time mu t the spread has generator
 * f'' - y f', scale density s(y) = e^(y^2/2) and speed density e^(-y^2/2).
 * For the passage up from x to S (natural boundary at -inf):
 *   t1(x) = int_x^S s(y) G(y) dy,   G(y) = int_-inf^y e^(-z^2/2) dz,
 *   t2(x) = 2 int_x^S s(y) int_-inf^y e^(-z^2/2) t1(z) dz dy
 *         = 2 int_x^S s(y) [ int_-inf^y s(w) G(w)^2 dw + G(y) t1(y) ] dy
 * (the inner order swapped).  The leg down from m to a is the leg up from -m
 * to -a by symmetry.
 */
struct quad {
	gsl_integration_workspace *w1, *w2, *w3;
	double top;
};

/* Returns log G(y), computed from log erfc so it never underflows. */
static double q_log_g(double y)
{
	return 0.5 * log(M_PI / 2.0) + gsl_sf_log_erfc(-y / M_SQRT2);
}

/* Integrand s(y) G(y). */
static double q_phi(double y, void *unused)
{
	(void)unused;
	return exp(0.5 * y * y + q_log_g(y));
}

/* Integrand s(w) G(w)^2. */
static double q_sg2(double w, void *unused)
{
	(void)unused;
	return exp(0.5 * w * w + 2.0 * q_log_g(w));
}

/* Returns t1(x) for the passage up to q->top. */
static double q_t1(struct quad *q, double x)
{
	gsl_function f = { q_phi, NULL };
	double r, e;

	gsl_integration_qag(&f, x, q->top, 0.0, 1e-13, 1000, 6, q->w3, &r, &e);
	return r;
}

/* Outer integrand of t2: s(y) [ int_-inf^y s G^2 + G(y) t1(y) ]. */
static double q_outer(double y, void *vq)
{
	struct quad *q = vq;
	gsl_function f = { q_sg2, NULL };
	double r, e;

	gsl_integration_qagil(&f, y, 0.0, 1e-12, 1000, q->w2, &r, &e);
	return exp(0.5 * y * y) * (r + exp(q_log_g(y)) * q_t1(q, y));
}

/* Fills mean and variance of the passage time up from x to top (units 1/mu). */
static void q_leg(struct quad *q, double x, double top, double *mean, double *var)
{
	gsl_function f = { q_outer, q };
	double r, e, m1;

	q->top = top;
	gsl_integration_qag(&f, x, top, 0.0, 1e-12, 1000, 6, q->w1, &r, &e);
	m1 = q_t1(q, x);
	*mean = m1;
	*var = 2.0 * r - m1 * m1;
}

/* Computes E[T] (years) and V[T] (years^2) of the cycle za -> zm -> za. */
static void quad_cycle(const struct ou_params *p, double za, double zm,
		       double *mean, double *var)
{
	struct quad q;
	double m1, v1, m2, v2;

	q.w1 = gsl_integration_workspace_alloc(1000);
	q.w2 = gsl_integration_workspace_alloc(1000);
	q.w3 = gsl_integration_workspace_alloc(1000);
	q_leg(&q, za, zm, &m1, &v1);
	q_leg(&q, -zm, -za, &m2, &v2);
	gsl_integration_workspace_free(q.w1);
	gsl_integration_workspace_free(q.w2);
	gsl_integration_workspace_free(q.w3);
	*mean = (m1 + m2) / p->mu;
	*var = (v1 + v2) / (p->mu * p->mu);
}

/* Returns the stationary standard deviation of the example process. */
static double sd_of(const struct ou_params *p)
{
	return p->sigma / sqrt(2.0 * p->mu);
}

/* E[T] and V[T] agree with quadrature of the passage-time integrals. */
START_TEST(test_moments_vs_quadrature)
{
	/* Symmetric, asymmetric, same-side and tiny levels, stationary sd. */
	static const double lv[][2] = {
		{ -0.58, 0.58 }, { -1.39, 1.39 }, { -0.3, 1.2 }, { 0.5, 2.5 },
		{ -3.0, -1.0 }, { -0.01, 0.02 }, { -4.0, 4.0 }, { -2.0, 0.1 },
	};
	double s = sd_of(&ex);
	size_t i;

	for (i = 0; i < sizeof lv / sizeof lv[0]; i++) {
		double qe, qv, e, v;

		quad_cycle(&ex, lv[i][0], lv[i][1], &qe, &qv);
		ck_assert_int_eq(bertram_trade_length(&ex, lv[i][0] * s,
						      lv[i][1] * s, &e, &v), QM_OK);
		/* Quadrature is asked for 1e-12..1e-13; the closed forms
		 * carry ~1e-15, so 1e-10 leaves room for the nesting. */
		ASSERT_REL(e, qe, 1e-10);
		ASSERT_REL(v, qv, 1e-10);
	}
}
END_TEST

/* A nonzero theta and another time scale only shift and stretch. */
START_TEST(test_moments_theta_and_units)
{
	struct ou_params p = { 0.37, 2.5, 0.3 };
	double s = sd_of(&p), qe, qv, e, v;

	quad_cycle(&p, -0.8, 1.1, &qe, &qv);
	ck_assert_int_eq(bertram_trade_length(&p, p.theta - 0.8 * s,
					      p.theta + 1.1 * s, &e, &v), QM_OK);
	ASSERT_REL(e, qe, 1e-10);
	ASSERT_REL(v, qv, 1e-10);
}
END_TEST

/* ---- Monte Carlo of the trading rule -------------------------------------- */

/*
 * Simulates n cycles a -> m -> a of dY = -Y dt + sqrt2 dW (time mu t, y in
 * sd units) with the exact AR(1) step of size h and a Brownian-bridge test
 * for a crossing inside each step (probability exp(-(b - y0)(b - y1) / h)
 * for local variance 2); a crossing in a step is dated at its middle.
 * Both leave an O(h) error, here h = 0.004 against cycles of length > 1.
 * Returns sample mean, variance and fourth central moment of T (units 1/mu).
 */
static void mc_cycles(double za, double zm, int n, unsigned long seed,
		      double *mean, double *var, double *m4)
{
	const double h = 0.004;
	const double decay = exp(-h), vol = sqrt(1.0 - exp(-2.0 * h));
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double *t = malloc((size_t)n * sizeof *t);
	double sum = 0.0, s2 = 0.0, s4 = 0.0, mbar;
	int i;

	gsl_rng_set(rng, seed);
	for (i = 0; i < n; i++) {
		double y = za, time = 0.0;
		int leg;

		for (leg = 0; leg < 2; leg++) {
			double b = leg == 0 ? zm : za;

			for (;;) {
				double y1 = y * decay + vol * gsl_ran_gaussian_ziggurat(rng, 1.0);
				int hit = leg == 0 ? y1 >= b : y1 <= b;

				if (!hit && gsl_rng_uniform(rng) <
				    exp(-(b - y) * (b - y1) / h)) {
					hit = 1;
				}
				if (hit) {
					time += 0.5 * h;
					y = b;
					break;
				}
				time += h;
				y = y1;
			}
		}
		t[i] = time;
		sum += time;
	}
	mbar = sum / n;
	for (i = 0; i < n; i++) {
		double d = t[i] - mbar;

		s2 += d * d;
		s4 += d * d * d * d;
	}
	*mean = mbar;
	*var = s2 / (n - 1);
	*m4 = s4 / n;
	free(t);
	gsl_rng_free(rng);
}

/* Monte Carlo trade lengths agree with E[T], V[T] within 4 standard errors. */
START_TEST(test_moments_vs_monte_carlo)
{
	static const double lv[][2] = { { -0.5833, 0.5833 }, { -1.0, 0.5 } };
	const int n = 20000;
	double s = sd_of(&ex);
	size_t i;

	for (i = 0; i < sizeof lv / sizeof lv[0]; i++) {
		double e, v, me, mv, m4, se_mean, se_var;

		ck_assert_int_eq(bertram_trade_length(&ex, lv[i][0] * s,
						      lv[i][1] * s, &e, &v), QM_OK);
		mc_cycles(lv[i][0], lv[i][1], n, 20100 + i, &me, &mv, &m4);
		me /= ex.mu;
		mv /= ex.mu * ex.mu;
		m4 /= pow(ex.mu, 4.0);
		se_mean = sqrt(mv / n);
		se_var = sqrt((m4 - mv * mv) / n);
		ck_assert_msg(fabs(me - e) < 4.0 * se_mean,
			      "MC mean %.6g vs E[T] %.6g (se %.3g)", me, e, se_mean);
		ck_assert_msg(fabs(mv - v) < 4.0 * se_var,
			      "MC var %.6g vs V[T] %.6g (se %.3g)", mv, v, se_var);
	}
}
END_TEST

/* ---- peer library and the optimum ------------------------------------------ */

/*
 * arbitragelab's test asserts, at its return-optimal levels for c = 0.001,
 * E[T] = 0.017122 (4 places), V[T] = 0.00015438 (6 places), sigma_r^2 =
 * 0.0021857 (5 places), mu_r = 0.492358 (3 places); and at its Sharpe-optimal
 * levels for rf = 0.01 (a per-trade hurdle there) S = 3.86293 (2 places).
 * The tolerances below are those decimal places; quadrature agrees with our
 * V[T] to 1e-15 and differs from arbitragelab's by 2.4e-4 relative, inside them.
 */
START_TEST(test_peer_arbitragelab)
{
	struct bertram_levels L;

	ck_assert_int_eq(bertram_optimal_return(&ex, 0.001, &L), QM_OK);
	ASSERT_ABS(L.trade_mean, 0.017122, 0.5e-4);
	ASSERT_ABS(L.trade_var, 0.00015438, 0.5e-6);
	ASSERT_ABS(L.ret_sd * L.ret_sd, 0.0021857, 0.5e-5);
	ASSERT_ABS(L.ret_mean, 0.492358, 0.5e-3);
	ck_assert(L.a < 0.0 && L.m == -L.a);
	ck_assert_int_eq(bertram_optimal_sharpe(&ex, 0.001, 0.01, BERTRAM_RF_PER_TRADE,
						&L), QM_OK);
	ASSERT_ABS(L.sharpe, 3.86293, 0.5e-2);
	/* arbitragelab prints a = -0.01125... from a Nelder-Mead search. */
	ASSERT_ABS(L.a, -0.01125, 2e-5);
}
END_TEST

/* Integrand e^(t^2) of Erfi. */
static double exp_sq(double t, void *unused)
{
	(void)unused;
	return exp(t * t);
}

/* Returns Erfi(u) = 2/sqrt(pi) int_0^u e^(t^2) dt by quadrature. */
static double quad_erfi(double u)
{
	gsl_integration_workspace *w = gsl_integration_workspace_alloc(100);
	gsl_function f = { exp_sq, NULL };
	double r, e;

	/* Erfi is odd; GSL wants a lower limit below the upper one. */
	gsl_integration_qag(&f, 0.0, fabs(u), 0.0, 1e-13, 100, 6, w, &r, &e);
	gsl_integration_workspace_free(w);
	return copysign(2.0 / sqrt(M_PI) * r, u);
}

/* The return-optimal levels satisfy Bertram's eq. (13) in its Erfi form. */
START_TEST(test_return_optimum_eq13)
{
	static const double costs[] = { 1e-5, 1e-4, 0.001, 0.004, 0.02, 0.1 };
	size_t i;

	for (i = 0; i < sizeof costs / sizeof costs[0]; i++) {
		struct bertram_levels L;
		double c = costs[i], a, u, lhs, rhs;

		ck_assert_int_eq(bertram_optimal_return(&ex, c, &L), QM_OK);
		a = L.a - ex.theta;
		u = a * sqrt(ex.mu) / ex.sigma;
		/* e^(alpha a^2 / eta^2) (2a + c) = eta sqrt(pi/alpha) Erfi(u) */
		lhs = exp(u * u) * (2.0 * a + c);
		rhs = ex.sigma * sqrt(M_PI / ex.mu) * quad_erfi(u);
		/* lhs is a difference 2a + c: its error is ~eps |a| / |2a + c|. */
		ASSERT_REL(lhs, rhs, 1e-9);
		/* At the root mu_r = sigma sqrt(mu) e^(-u^2) / (2 sqrt(pi)). */
		ASSERT_REL(L.ret_mean, ex.sigma * sqrt(ex.mu) * exp(-u * u) /
			   (2.0 * sqrt(M_PI)), 1e-12);
	}
}
END_TEST

/* Returns mu_r for levels a, m and cost c, failing the test on a bad status. */
static double ret_at(double a, double m, double c)
{
	double r;

	ck_assert_int_eq(bertram_return(&ex, a, m, c, &r, NULL), QM_OK);
	return r;
}

/* Returns the Sharpe ratio for levels a, m, failing on a bad status. */
static double sharpe_at(double a, double m, double c, double rf, int mode)
{
	double s;

	ck_assert_int_eq(bertram_sharpe(&ex, a, m, c, rf, mode, &s), QM_OK);
	return s;
}

/* Neighbouring levels, symmetric or one-sided, earn a lower mu_r. */
START_TEST(test_return_optimum_is_max)
{
	struct bertram_levels L;
	double c = 0.001, f0, d;

	ck_assert_int_eq(bertram_optimal_return(&ex, c, &L), QM_OK);
	f0 = ret_at(L.a, L.m, c);
	ASSERT_REL(f0, L.ret_mean, 1e-15);
	/* A step of 1e-3 |a| lowers f by ~1e-6 relative, far above rounding. */
	d = 1e-3 * fabs(L.a);
	ck_assert(ret_at(L.a - d, L.m + d, c) < f0);
	ck_assert(ret_at(L.a + d, L.m - d, c) < f0);
	ck_assert(ret_at(L.a - d, L.m, c) < f0);
	ck_assert(ret_at(L.a + d, L.m, c) < f0);
	ck_assert(ret_at(L.a, L.m - d, c) < f0);
	ck_assert(ret_at(L.a, L.m + d, c) < f0);
	/* Central difference of the symmetric objective vanishes at d*. */
	ck_assert(fabs(ret_at(L.a - d, L.m + d, c) - ret_at(L.a + d, L.m - d, c)) /
		  (2.0 * d) < 1e-6 * f0 / fabs(L.a));
}
END_TEST

/* Neighbouring levels give a lower Sharpe ratio, in both rf conventions. */
START_TEST(test_sharpe_optimum_is_max)
{
	static const struct { double c, rf; int mode; } cs[] = {
		{ 0.001, 0.01, BERTRAM_RF_PER_TRADE },
		{ 0.001, 0.02, BERTRAM_RF_RATE },
		{ 0.004, 0.05, BERTRAM_RF_RATE },
		{ 0.0, 0.001, BERTRAM_RF_PER_TRADE },
	};
	size_t i;

	for (i = 0; i < sizeof cs / sizeof cs[0]; i++) {
		struct bertram_levels L;
		double c = cs[i].c, rf = cs[i].rf, f0, d;
		int mode = cs[i].mode;

		ck_assert_int_eq(bertram_optimal_sharpe(&ex, c, rf, mode, &L), QM_OK);
		f0 = sharpe_at(L.a, L.m, c, rf, mode);
		ASSERT_REL(f0, L.sharpe, 1e-15);
		ck_assert(L.m - L.a - c > 0.0);
		d = 1e-3 * fabs(L.a);
		ck_assert(sharpe_at(L.a - d, L.m + d, c, rf, mode) < f0);
		ck_assert(sharpe_at(L.a + d, L.m - d, c, rf, mode) < f0);
		ck_assert(sharpe_at(L.a - d, L.m, c, rf, mode) < f0);
		ck_assert(sharpe_at(L.a, L.m + d, c, rf, mode) < f0);
		/* The reported fields agree with the one-off functions. */
		ASSERT_REL(L.ret_mean, ret_at(L.a, L.m, c), 1e-15);
	}
}
END_TEST

/* With rf = 0 in rate form S = sqrt(E[T]/V[T]) peaks as the levels close in. */
START_TEST(test_sharpe_rate_zero_edge)
{
	struct bertram_levels L;
	double s = sd_of(&ex), e1, v1, e2, v2;

	ck_assert_int_eq(bertram_optimal_sharpe(&ex, 0.001, 0.0, BERTRAM_RF_RATE, &L),
			 QM_ENOCONV);
	/* The claim behind that status: E/V falls as the band widens. */
	bertram_trade_length(&ex, -0.1 * s, 0.1 * s, &e1, &v1);
	bertram_trade_length(&ex, -0.2 * s, 0.2 * s, &e2, &v2);
	ck_assert(e1 / v1 > e2 / v2);
	/* ...and does not depend on c: */
	ASSERT_REL(sharpe_at(-0.2 * s, 0.2 * s, 0.0, 0.0, BERTRAM_RF_RATE),
		   sharpe_at(-0.2 * s, 0.2 * s, 0.002, 0.0, BERTRAM_RF_RATE), 1e-15);
	ASSERT_REL(sharpe_at(-0.2 * s, 0.2 * s, 0.0, 0.0, BERTRAM_RF_RATE),
		   sqrt(e2 / v2), 1e-14);
}
END_TEST

/* A hurdle the rule can never clear gives QM_ENOROOT. */
START_TEST(test_sharpe_no_positive)
{
	struct bertram_levels L;

	/* Levels up to 12 sd out give m - a < 0.2; a per-trade hurdle of 1
	 * makes every Sharpe ratio negative. */
	ck_assert_int_eq(bertram_optimal_sharpe(&ex, 0.001, 1.0, BERTRAM_RF_PER_TRADE,
						&L), QM_ENOROOT);
	ck_assert(isnan(L.a) && isnan(L.sharpe));
}
END_TEST

/* Far levels: V/E^2 -> 1/2, overflow is reported, returns stay finite. */
START_TEST(test_far_levels)
{
	double s = sd_of(&ex), e, v, r, rv, sh;
	double z;

	/* Each leg tends to an exponential law with mean E[T]/2, so
	 * V[T] / E[T]^2 = 1/2 up to O(1/z^2) corrections in the means' ratio;
	 * with symmetric levels the legs are equal and the limit is reached
	 * to e^(-z^2/2) accuracy. */
	for (z = 8.0; z <= 26.0; z += 6.0) {
		ck_assert_int_eq(bertram_trade_length(&ex, -z * s, z * s, &e, &v), QM_OK);
		ASSERT_REL(v / (e * e), 0.5, 1e-12);
	}
	/* z = 30: E[T] ~ 1e192 years is finite, V[T] is not. */
	ck_assert_int_eq(bertram_trade_length(&ex, -30 * s, 30 * s, &e, &v), QM_EOVERFLOW);
	ck_assert(isfinite(e) && e > 1e190);
	ck_assert(isinf(v));
	ck_assert_int_eq(bertram_trade_length(&ex, -40 * s, 40 * s, &e, &v), QM_EOVERFLOW);
	ck_assert(isinf(e) && isinf(v));
	/* Returns are formed before scaling: tiny, finite, positive. */
	ck_assert_int_eq(bertram_return(&ex, -40 * s, 40 * s, 0.001, &r, &rv), QM_OK);
	ck_assert(r >= 0.0 && r < 1e-300 && rv >= 0.0 && rv < 1e-300);
	ck_assert_int_eq(bertram_return(&ex, -25 * s, 25 * s, 0.001, &r, &rv), QM_OK);
	/* mu_r = r / E[T] and sigma_r^2 -> r^2 / (2 E[T]) in the limit. */
	bertram_trade_length(&ex, -25 * s, 25 * s, &e, &v);
	/* E[T] ~ e^(z^2/2): its condition number in z is z^2 = 625, so the
	 * rounding of z alone moves it by ~1e-13 relative. */
	ASSERT_REL(r, (50 * s - 0.001) / e, 1e-12);
	ASSERT_REL(rv, (50 * s - 0.001) * (50 * s - 0.001) * (v / (e * e)) / e, 1e-12);
	/* rate-form Sharpe with rf > 0 far out: hugely negative, or overflow */
	ck_assert_int_eq(bertram_sharpe(&ex, -20 * s, 20 * s, 0.001, 0.01,
					BERTRAM_RF_RATE, &sh), QM_OK);
	ck_assert(sh < -1e30);
	ck_assert_int_eq(bertram_sharpe(&ex, -60 * s, 60 * s, 0.001, 0.01,
					BERTRAM_RF_RATE, &sh), QM_EOVERFLOW);
}
END_TEST

/* Small levels: E[T] and V[T] are linear in the band width (Ricciardi-Sato). */
START_TEST(test_tiny_levels)
{
	double s = sd_of(&ex), e, v, z = 1e-6;

	ck_assert_int_eq(bertram_trade_length(&ex, -z * s, z * s, &e, &v), QM_OK);
	/* First series terms: mu E = 2 sqrt(2 pi) z, mu^2 V = 4 sqrt(2 pi) ln2 z. */
	ASSERT_REL(e, 2.0 * sqrt(2.0 * M_PI) * z / ex.mu, 1e-9);
	ASSERT_REL(v, 4.0 * sqrt(2.0 * M_PI) * M_LN2 * z / (ex.mu * ex.mu), 1e-9);
}
END_TEST

/* ---- bad input ------------------------------------------------------------- */

/* Every kind of bad input gives a status and NaN outputs, never a crash. */
START_TEST(test_bad_input)
{
	struct ou_params bad[] = {
		{ NAN, 1.0, 0.1 }, { INFINITY, 1.0, 0.1 }, { 0.0, 0.0, 0.1 },
		{ 0.0, -1.0, 0.1 }, { 0.0, NAN, 0.1 }, { 0.0, INFINITY, 0.1 },
		{ 0.0, 1.0, 0.0 }, { 0.0, 1.0, -0.1 }, { 0.0, 1.0, NAN },
	};
	struct bertram_levels L;
	double e, v, r, rv, sh;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(bertram_trade_length(&bad[i], -0.1, 0.1, &e, &v), QM_EINVAL);
		ck_assert(isnan(e) && isnan(v));
		ck_assert_int_eq(bertram_return(&bad[i], -0.1, 0.1, 0.0, &r, &rv), QM_EINVAL);
		ck_assert(isnan(r) && isnan(rv));
		ck_assert_int_eq(bertram_optimal_return(&bad[i], 0.001, &L), QM_EINVAL);
		ck_assert(isnan(L.a) && isnan(L.m) && isnan(L.ret_mean));
		ck_assert_int_eq(bertram_optimal_sharpe(&bad[i], 0.001, 0.0, 0, &L),
				 QM_EINVAL);
		ck_assert(isnan(L.a));
	}
	/* levels: a >= m, NaN, inf */
	ck_assert_int_eq(bertram_trade_length(&ex, 0.1, 0.1, &e, &v), QM_EINVAL);
	ck_assert_int_eq(bertram_trade_length(&ex, 0.1, -0.1, &e, &v), QM_EINVAL);
	ck_assert_int_eq(bertram_trade_length(&ex, NAN, 0.1, &e, &v), QM_EINVAL);
	ck_assert_int_eq(bertram_trade_length(&ex, -0.1, INFINITY, &e, &v), QM_EINVAL);
	ck_assert_int_eq(bertram_trade_length(&ex, -INFINITY, 0.1, &e, NULL), QM_EINVAL);
	ck_assert(isnan(e));
	ck_assert_int_eq(bertram_trade_length(&ex, -0.1, 0.1, NULL, &v), QM_EINVAL);
	ck_assert_int_eq(bertram_trade_length(NULL, -0.1, 0.1, &e, &v), QM_EINVAL);
	/* levels one ulp apart: a tiny, positive cycle */
	ck_assert_int_eq(bertram_trade_length(&ex, 1e-3, nextafter(1e-3, 1.0), &e, &v),
			 QM_OK);
	ck_assert(e > 0.0 && e < 1e-15 && v > 0.0 && v < 1e-15);
	/* cost: negative, NaN, inf; zero cost has no return optimum */
	ck_assert_int_eq(bertram_return(&ex, -0.1, 0.1, -0.001, &r, &rv), QM_EINVAL);
	ck_assert_int_eq(bertram_return(&ex, -0.1, 0.1, NAN, &r, &rv), QM_EINVAL);
	ck_assert_int_eq(bertram_return(&ex, -0.1, 0.1, 0.0, NULL, &rv), QM_EINVAL);
	ck_assert_int_eq(bertram_optimal_return(&ex, 0.0, &L), QM_EINVAL);
	ck_assert_int_eq(bertram_optimal_return(&ex, -1.0, &L), QM_EINVAL);
	ck_assert_int_eq(bertram_optimal_return(&ex, INFINITY, &L), QM_EINVAL);
	ck_assert_int_eq(bertram_optimal_return(&ex, 0.001, NULL), QM_EINVAL);
	/* Sharpe: bad rf, bad mode, zero net return, NULL */
	ck_assert_int_eq(bertram_sharpe(&ex, -0.1, 0.1, 0.0, NAN, 0, &sh), QM_EINVAL);
	ck_assert(isnan(sh));
	ck_assert_int_eq(bertram_sharpe(&ex, -0.1, 0.1, 0.0, 0.0, 7, &sh), QM_EINVAL);
	ck_assert_int_eq(bertram_sharpe(&ex, -0.1, 0.1, 0.2, 0.0, 0, &sh), QM_EINVAL);
	ck_assert_int_eq(bertram_sharpe(&ex, -0.1, 0.1, 0.0, 0.0, 0, NULL), QM_EINVAL);
	ck_assert_int_eq(bertram_optimal_sharpe(&ex, -0.001, 0.0, 0, &L), QM_EINVAL);
	ck_assert_int_eq(bertram_optimal_sharpe(&ex, 0.001, INFINITY, 0, &L), QM_EINVAL);
	ck_assert_int_eq(bertram_optimal_sharpe(&ex, 0.001, 0.0, -1, &L), QM_EINVAL);
	ck_assert_int_eq(bertram_optimal_sharpe(&ex, 0.001, 0.0, 0, NULL), QM_EINVAL);
	/* a cost so large that the scan would run past 1000 sd */
	ck_assert_int_eq(bertram_optimal_sharpe(&ex, 100.0, 0.0, 0, &L), QM_EOVERFLOW);
	/* levels beyond 1000 sd */
	ck_assert_int_eq(bertram_trade_length(&ex, -9.0, 9.0, &e, &v), QM_EOVERFLOW);
}
END_TEST

/* Collects the cases. */
static Suite *bertram_suite(void)
{
	Suite *s = suite_create("bertram");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_moments_vs_quadrature);
	tcase_add_test(tc, test_moments_theta_and_units);
	tcase_add_test(tc, test_moments_vs_monte_carlo);
	tcase_add_test(tc, test_peer_arbitragelab);
	tcase_add_test(tc, test_return_optimum_eq13);
	tcase_add_test(tc, test_return_optimum_is_max);
	tcase_add_test(tc, test_sharpe_optimum_is_max);
	tcase_add_test(tc, test_sharpe_rate_zero_edge);
	tcase_add_test(tc, test_sharpe_no_positive);
	tcase_add_test(tc, test_far_levels);
	tcase_add_test(tc, test_tiny_levels);
	tcase_add_test(tc, test_bad_input);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(bertram_suite());
	int failed;

	gsl_set_error_handler_off();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
