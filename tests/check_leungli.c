/*
 * check_leungli.c -- tests of models/leungli (Leung & Li 2015 optimal entry
 * and exit levels for an OU spread, with costs and stop-loss).
 *
 * Why it exists: leungli.c evaluates F and G by its own scaled quadrature
 * (Hermite series near u = 0, graded Gauss-Legendre panels) and solves the
 * paper's smooth-fit equations in rewritten, overflow-free forms.  Every
 * number here comes from somewhere else:
 *  - a second method for F, G and their derivatives: GSL adaptive quadrature
 *    (QAGS / QAGIU at relative 2e-14, with the singular part
 *    int_0^A u^(nu-1) du = A^nu/nu split off analytically);
 *  - closed forms: I_1(z) = sqrt(pi/2) e^(z^2/2) erfc(-z/sqrt 2) (GSL's
 *    log_erfc), I_2 = 1 + z I_1, I_s(0) = 2^(s/2-1) Gamma(s/2);
 *  - the ODE (sigma^2/2) F'' + mu (theta - x) F' = r F, i.e. the recurrence
 *    I_{s+2} = z I_{s+1} + s I_s, and finite differences of ln F;
 *  - the paper's equations in their original, unscaled form, solved with
 *    GSL's Brent solver on quadrature values of F and G;
 *  - the smooth-pasting and majorant properties of the value functions,
 *    checked by finite differences on a grid;
 *  - Monte Carlo of the stopping rules on exact OU paths with a
 *    Brownian-bridge crossing test, with common random numbers across
 *    neighbouring levels: the analytic values must match within four
 *    standard errors and the optimal level must beat its neighbours.
 * The paper's own printed figures were not available to this author (only
 * its parameter set theta = 0.5388, mu = 16.6677, sigma = 0.1599, estimated
 * on GLD-GDX, which is used below); no published level is quoted.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <check.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_sf_gamma.h>

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

/* The GLD-GDX parameters of Leung & Li (2015), per year. */
static const struct leungli_params gld = {
	{ 0.5388, 16.6677, 0.1599 }, 0.05, 0.05, 0.05, 0.05
};

/* A well-scaled problem for Monte Carlo: nu = r/mu = 0.5. */
static const struct leungli_params mcp = {
	{ 0.0, 1.0, 0.5 }, 0.5, 0.05, 0.5, 0.05
};

/* ---- second method: GSL quadrature of I_s(z) -------------------------------- */

/* Parameters of one reference integrand. */
struct qprm {
	double s, z, e;	/* I_{s+j}(z) e^(-e) */
	int j;
	int sub;	/* 1: the j = 0 integrand minus u^(s-1) (split off) */
};

/* u^(s+j-1) e^(z u - u^2/2 - e), or u^(s-1) (e^(z u - u^2/2) - 1) e^(-e). */
static double q_integrand(double u, void *vp)
{
	const struct qprm *p = vp;

	if (p->sub)
		return exp((p->s - 1.0) * log(u) - p->e) * expm1(p->z * u - 0.5 * u * u);
	return exp((p->s + p->j - 1.0) * log(u) + p->z * u - 0.5 * u * u - p->e);
}

/*
 * Returns e^(-e) I_{s+j}(z) by GSL: the u^(s-1) singularity split off
 * analytically (int_0^A u^(s-1) du = A^s/s), QAGS on [0, A], and QAGS/QAGIU
 * on [A, inf) split around the peak near u = z.
 */
static double q_ref(double s, double z, int j, double e)
{
	struct qprm p = { s, z, e, j, 0 };
	gsl_integration_workspace *w = gsl_integration_workspace_alloc(4000);
	gsl_function f = { q_integrand, &p };
	double a = fabs(z) > 2.0 ? 1.0 / fabs(z) : 0.5, r, err, sum = 0.0;
	double u1 = z >= 0 ? 0.5 * (z + sqrt(z * z + 4 * s)) :
		    2 * s / (sqrt(z * z + 4 * s) - z);

	if (j == 0) {
		sum += exp(s * log(a) - e) / s;
		p.sub = 1;
	}
	gsl_integration_qags(&f, 0.0, a, 0.0, 2e-14, 4000, w, &r, &err);
	sum += r;
	p.sub = 0;
	if (u1 > a + 15.0) {
		gsl_integration_qags(&f, a, u1 - 15.0, 0.0, 2e-14, 4000, w, &r, &err);
		sum += r;
		gsl_integration_qags(&f, u1 - 15.0, u1 + 15.0, 0.0, 2e-14, 4000, w,
				     &r, &err);
		sum += r;
		gsl_integration_qagiu(&f, u1 + 15.0, 0.0, 2e-14, 4000, w, &r, &err);
		sum += r;
	} else {
		gsl_integration_qagiu(&f, a, 0.0, 2e-14, 4000, w, &r, &err);
		sum += r;
	}
	gsl_integration_workspace_free(w);
	return sum;
}

/* F (sign +1) or G (sign -1) and first derivative by GSL quadrature. */
static void q_fg(const struct ou_params *ou, double r, double x, int sign,
		 double *val, double *der)
{
	double k = sqrt(2.0 * ou->mu) / ou->sigma, z = sign * k * (x - ou->theta);

	*val = q_ref(r / ou->mu, z, 0, 0.0);
	*der = sign * k * q_ref(r / ou->mu, z, 1, 0.0);
}

/* ---- the integral ------------------------------------------------------------ */

/* I_s(z), I_{s+1}/I_s, I_{s+2}/I_s against GSL quadrature on a grid. */
START_TEST(test_integral_vs_quadrature)
{
	const double ss[] = { 1e-4, 0.003, 0.1, 0.5, 1.0, 2.5, 10.0 };
	unsigned i;

	for (i = 0; i < sizeof ss / sizeof *ss; i++) {
		double z;

		for (z = -12.0; z <= 12.01; z += 0.75) {
			double li, r1, r2, i0, i1, i2;

			ck_assert_int_eq(leungli_integral(ss[i], z, &li, &r1, &r2), QM_OK);
			i0 = q_ref(ss[i], z, 0, li);
			i1 = q_ref(ss[i], z, 1, li);
			i2 = q_ref(ss[i], z, 2, li);
			/* GSL reaches about 2e-14; 2e-13 leaves room for both */
			ASSERT_ABS(li + log(i0), li, 2e-13);
			ASSERT_REL(r1, i1 / i0, 2e-13);
			ASSERT_REL(r2, i2 / i0, 2e-13);
		}
	}
}
END_TEST

/* Closed forms at s = 1, 2 and at z = 0, far into both tails. */
START_TEST(test_integral_closed_forms)
{
	const double ss[] = { 1e-8, 1e-4, 0.01, 0.5, 1.0, 3.3, 10.0, 50.0 };
	double z;
	unsigned i;

	for (z = -60.0; z <= 60.0; z += 0.61) {
		double li, r1, r2, ex;

		ck_assert_int_eq(leungli_integral(1.0, z, &li, &r1, &r2), QM_OK);
		ex = 0.5 * log(M_PI / 2.0) + 0.5 * z * z + gsl_sf_log_erfc(-z / M_SQRT2);
		/* the reference loses eps * z^2 / 2 to cancellation for z < 0 */
		ASSERT_ABS(li, ex, 4e-15 * fmax(1.0, z * z));
		if (z > -2.0) {
			/* I_2 = 1 + z I_1: r1 = 1/I_1 + z, no cancellation for z > -2 */
			ASSERT_REL(r1, exp(-ex) + z, 1e-13);
		}
	}
	for (i = 0; i < sizeof ss / sizeof *ss; i++) {
		double s = ss[i], li, r1, r2;
		double l0 = (0.5 * s - 1.0) * M_LN2 + gsl_sf_lngamma(0.5 * s);
		double l1 = (0.5 * s - 0.5) * M_LN2 + gsl_sf_lngamma(0.5 * s + 0.5);
		double l2 = 0.5 * s * M_LN2 + gsl_sf_lngamma(0.5 * s + 1.0);

		ck_assert_int_eq(leungli_integral(s, 0.0, &li, &r1, &r2), QM_OK);
		ASSERT_ABS(li, l0, 1e-14 * fmax(1.0, fabs(l0)));
		ASSERT_REL(r1, exp(l1 - l0), 1e-13);
		ASSERT_REL(r2, exp(l2 - l0), 1e-13);
	}
}
END_TEST

/*
 * The recurrence I_{s+2} = z I_{s+1} + s I_s (integration by parts: the ODE
 * of F and G) for z >= 0, where no term cancels, up to |z| = 40.
 */
START_TEST(test_integral_recurrence)
{
	const double ss[] = { 1e-4, 0.003, 0.3, 1.0, 4.0, 10.0, 20.0 };
	unsigned i;

	for (i = 0; i < sizeof ss / sizeof *ss; i++) {
		double z;

		for (z = 0.0; z <= 40.0; z += 0.37) {
			double li, r1, r2;

			ck_assert_int_eq(leungli_integral(ss[i], z, &li, &r1, &r2), QM_OK);
			ASSERT_REL(r2, z * r1 + ss[i], 3e-14);
		}
	}
}
END_TEST

/* Very large |z| stays finite and consistent: I_1 is exact in both tails. */
START_TEST(test_integral_far_tails)
{
	const double zs[] = { -1e6, -1e4, -300.0, 300.0, 1e4, 1e6 };
	unsigned i;

	for (i = 0; i < sizeof zs / sizeof *zs; i++) {
		double z = zs[i], li, r1, r2;

		ck_assert_int_eq(leungli_integral(1.0, z, &li, &r1, &r2), QM_OK);
		if (z > 0) {	/* ln I_1 = z^2/2 + ln sqrt(2 pi) up to e^(-z^2/2) */
			ASSERT_REL(li, 0.5 * z * z + 0.5 * log(2.0 * M_PI), 1e-15);
			ASSERT_REL(r1, z + exp(-li), 1e-14);
		} else {	/* Mills ratio: I_1 = 1/y (1 - 1/y^2 + 3/y^4 - 15/y^6 + 105/y^8) */
			double q = 1.0 / (z * z);

			ASSERT_ABS(li, -log(-z) + log1p(q * (-1.0 + q * (3.0 + q * (-15.0 +
				   105.0 * q)))), 1e-14);
		}
		/* the ratio for small s: I_{s+1}/I_s -> s/|z| as z -> -inf */
		ck_assert_int_eq(leungli_integral(0.003, z, &li, &r1, &r2), QM_OK);
		ck_assert(isfinite(li) && isfinite(r1) && isfinite(r2));
		if (z < 0)
			ASSERT_REL(r1, 0.003 / -z, 0.01);
	}
}
END_TEST

/* ---- F and G -------------------------------------------------------------------- */

/* F'/F, F''/F (and for G) against finite differences of ln F and F'/F. */
START_TEST(test_fg_derivatives)
{
	const double rs[] = { 1.6677e-3, 0.05, 1.0, 16.6677 * 10.0 };
	const struct ou_params *ou = &gld.ou;
	double sd = ou->sigma / sqrt(2.0 * ou->mu), h = 1e-4 * sd;
	unsigned i;

	for (i = 0; i < sizeof rs / sizeof *rs; i++) {
		double x;

		for (x = ou->theta - 6 * sd; x <= ou->theta + 6 * sd; x += 0.7 * sd) {
			struct leungli_fg f, fp, fm, g, gp, gm;

			ck_assert_int_eq(leungli_f(ou, rs[i], x, &f), QM_OK);
			ck_assert_int_eq(leungli_f(ou, rs[i], x + h, &fp), QM_OK);
			ck_assert_int_eq(leungli_f(ou, rs[i], x - h, &fm), QM_OK);
			ck_assert_int_eq(leungli_g(ou, rs[i], x, &g), QM_OK);
			ck_assert_int_eq(leungli_g(ou, rs[i], x + h, &gp), QM_OK);
			ck_assert_int_eq(leungli_g(ou, rs[i], x - h, &gm), QM_OK);
			/* central differences: error O(h^2) ~ 1e-8 relative */
			ASSERT_REL((fp.ln - fm.ln) / (2 * h), f.d1, 1e-6);
			ASSERT_REL((gp.ln - gm.ln) / (2 * h), g.d1, 1e-6);
			ASSERT_REL((fp.d1 - fm.d1) / (2 * h), f.d2 - f.d1 * f.d1, 1e-5);
			ASSERT_REL((gp.d1 - gm.d1) / (2 * h), g.d2 - g.d1 * g.d1, 1e-5);
			/* the ODE (sigma^2/2) F'' + mu (theta - x) F' - r F = 0 */
			ASSERT_ABS(0.5 * ou->sigma * ou->sigma * f.d2 +
				   ou->mu * (ou->theta - x) * f.d1, rs[i], 1e-12 * (rs[i] + 1.0) *
				   (1.0 + fabs(ou->mu * (ou->theta - x) * f.d1)));
			ck_assert(f.d1 > 0.0 && g.d1 < 0.0 && f.d2 > 0.0 && g.d2 > 0.0);
		}
	}
}
END_TEST

/* F, G and F'/F against quadrature through the public wrappers. */
START_TEST(test_fg_vs_quadrature)
{
	const struct ou_params ou = { 1.25, 3.0, 0.4 };
	double x;

	for (x = 0.6; x <= 1.9; x += 0.13) {
		struct leungli_fg f, g;
		double fv, fd, gv, gd;

		ck_assert_int_eq(leungli_f(&ou, 0.09, x, &f), QM_OK);
		ck_assert_int_eq(leungli_g(&ou, 0.09, x, &g), QM_OK);
		q_fg(&ou, 0.09, x, 1, &fv, &fd);
		q_fg(&ou, 0.09, x, -1, &gv, &gd);
		ASSERT_REL(exp(f.ln), fv, 3e-13);
		ASSERT_REL(exp(g.ln), gv, 3e-13);
		ASSERT_REL(f.d1, fd / fv, 3e-13);
		ASSERT_REL(g.d1, gd / gv, 3e-13);
	}
}
END_TEST

/* r/mu from 1e-4 to 10, x out to 40 sd: finite, monotone, never overflows. */
START_TEST(test_fg_range)
{
	const double nus[] = { 1e-4, 1e-3, 0.01, 0.1, 1.0, 10.0 };
	const struct ou_params ou = { 0.0, 2.0, 1.0 };
	double sd = 1.0 / 2.0;
	unsigned i;

	for (i = 0; i < sizeof nus / sizeof *nus; i++) {
		double x, lf_prev = -INFINITY, lg_prev = INFINITY;

		for (x = -40 * sd; x <= 40 * sd; x += 0.5 * sd) {
			struct leungli_fg f, g;

			ck_assert_int_eq(leungli_f(&ou, nus[i] * ou.mu, x, &f), QM_OK);
			ck_assert_int_eq(leungli_g(&ou, nus[i] * ou.mu, x, &g), QM_OK);
			ck_assert(isfinite(f.ln) && isfinite(f.d1) && isfinite(f.d2));
			ck_assert(isfinite(g.ln) && isfinite(g.d1) && isfinite(g.d2));
			ck_assert(f.ln > lf_prev && g.ln < lg_prev);
			/* G(x) = F(2 theta - x): the reflection symmetry */
			lf_prev = f.ln;
			lg_prev = g.ln;
		}
		for (x = -40 * sd; x <= 40 * sd; x += 3.1 * sd) {
			struct leungli_fg f, g;

			leungli_f(&ou, nus[i] * ou.mu, x, &f);
			leungli_g(&ou, nus[i] * ou.mu, -x, &g);
			ASSERT_ABS(f.ln, g.ln, 1e-15 * fmax(1.0, fabs(f.ln)));
			ASSERT_REL(f.d1, -g.d1, 1e-15);
		}
	}
}
END_TEST

/* ---- levels without stop-loss ----------------------------------------------- */

/* Context of the reference exit equation F(b) - (b - c) F'(b) = 0. */
struct q_exit {
	const struct ou_params *ou;
	double r, c;
};

/* (F(b) - (b - c) F'(b)) / F(b) by quadrature. */
static double q_exit_eq(double b, void *vp)
{
	const struct q_exit *q = vp;
	double f, d;

	q_fg(q->ou, q->r, b, 1, &f, &d);
	return (f - (b - q->c) * d) / f;
}

/* Context of the reference entry equation with V built from quadrature. */
struct q_entry {
	const struct leungli_params *p;
	double b, fb;	/* b* and F(b*) by quadrature */
};

/* G_hat(d) (V'(d) - 1) - G_hat'(d) (V(d) - d - c_hat), scaled by 1/G_hat. */
static double q_entry_eq(double d, void *vp)
{
	const struct q_entry *q = vp;
	const struct leungli_params *p = q->p;
	double f, fd, g, gd, v, dv;

	q_fg(&p->ou, p->r, d, 1, &f, &fd);
	q_fg(&p->ou, p->r_hat, d, -1, &g, &gd);
	v = (q->b - p->c) * f / q->fb;
	dv = (q->b - p->c) * fd / q->fb;
	return (g * (dv - 1.0) - gd * (v - d - p->c_hat)) / g;
}

/* Root of f on [lo, hi] by GSL's Brent solver. */
static double q_root(double (*fn)(double, void *), void *ctx, double lo,
		     double hi)
{
	gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
	gsl_function f = { fn, ctx };
	double x = NAN;
	int it;

	gsl_root_fsolver_set(s, &f, lo, hi);
	for (it = 0; it < 200; it++) {
		gsl_root_fsolver_iterate(s);
		x = gsl_root_fsolver_root(s);
		lo = gsl_root_fsolver_x_lower(s);
		hi = gsl_root_fsolver_x_upper(s);
		if (gsl_root_test_interval(lo, hi, 0.0, 1e-13) == GSL_SUCCESS)
			break;
	}
	gsl_root_fsolver_free(s);
	return x;
}

/* b* and d* against the paper's equations solved on quadrature values. */
START_TEST(test_levels_vs_quadrature)
{
	const struct leungli_params cases[] = {
		{ { 0.5388, 16.6677, 0.1599 }, 0.05, 0.05, 0.05, 0.05 },
		{ { 0.5388, 16.6677, 0.1599 }, 0.05, 0.02, 0.08, 0.01 },
		{ { 0.0, 1.0, 0.5 }, 0.5, 0.05, 0.5, 0.05 },
		{ { 10.0, 4.0, 2.0 }, 0.3, 0.1, 0.2, 0.15 },
		{ { 0.0, 1.0, 1.0 }, 5.0, 0.2, 5.0, 0.2 },	/* r/mu = 5 */
	};
	unsigned i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		const struct leungli_params *p = &cases[i];
		struct leungli_levels lv;
		struct q_exit qe = { &p->ou, p->r, p->c };
		struct q_entry qn;
		double sd = p->ou.sigma / sqrt(2.0 * p->ou.mu), b, d, fd;

		ck_assert_int_eq(leungli_solve(p, &lv), QM_OK);
		b = q_root(q_exit_eq, &qe, lv.b - 0.5 * sd, lv.b + 0.5 * sd);
		ASSERT_ABS(lv.b, b, 1e-10 * sd);
		ck_assert(lv.b > p->c && lv.b > lv.exit_floor);
		qn.p = p;
		qn.b = b;
		q_fg(&p->ou, p->r, b, 1, &qn.fb, &fd);
		d = q_root(q_entry_eq, &qn, lv.d - 0.5 * sd, lv.d + 0.5 * sd);
		ASSERT_ABS(lv.d, d, 1e-9 * sd);
		ck_assert(lv.d < lv.b);
		ck_assert(lv.jd > 0.0);
	}
}
END_TEST

/*
 * Smooth pasting and majorants: V is C^1 at b* with V' = 1, V >= x - c,
 * V solves the ODE below b*; J is C^1 at d*, J >= V - x - c_hat, J > 0.
 */
START_TEST(test_value_functions)
{
	const struct leungli_params *cases[] = { &gld, &mcp };
	unsigned i;

	for (i = 0; i < 2; i++) {
		const struct leungli_params *p = cases[i];
		const struct ou_params *ou = &p->ou;
		struct leungli_levels lv;
		/* h for first differences; h2 for the second difference, where
		 * rounding (eps V / h2^2) must stay below the O(h2^2) error */
		double sd = ou->sigma / sqrt(2.0 * ou->mu), h = 1e-5 * sd, x;
		double h2 = 2e-3 * sd, vl, vr, vm, dv, jl, jr, jm, dj;

		ck_assert_int_eq(leungli_solve(p, &lv), QM_OK);
		/* value matching and smooth fit at b*: one-sided differences */
		leungli_exit_value(&lv, lv.b - h, &vl, NULL);
		leungli_exit_value(&lv, lv.b, &vm, &dv);
		leungli_exit_value(&lv, lv.b + h, &vr, NULL);
		ASSERT_ABS(vm, lv.b - p->c, 1e-14);
		ASSERT_ABS((vm - vl) / h, 1.0, 1e-4);
		ASSERT_ABS((vr - vm) / h, 1.0, 1e-9);
		/* and at d*: J = V - x - c_hat to the left, the G_hat part right */
		leungli_entry_value(&lv, lv.d - h, &jl, NULL);
		leungli_entry_value(&lv, lv.d, &jm, &dj);
		leungli_entry_value(&lv, lv.d + h, &jr, NULL);
		ASSERT_REL(jm, lv.jd, 1e-13);
		ASSERT_REL((jm - jl) / h, (jr - jm) / h, 1e-4);
		for (x = lv.d - 4 * sd; x <= lv.b + 2 * sd; x += 0.173 * sd) {
			double v, d1, j, jd, vp, vmm, v2, drift;

			ck_assert_int_eq(leungli_exit_value(&lv, x, &v, &d1), QM_OK);
			ck_assert_int_eq(leungli_entry_value(&lv, x, &j, &jd), QM_OK);
			ck_assert(v >= x - p->c - 1e-14);
			ck_assert(j >= v - x - p->c_hat - 1e-14);
			ck_assert(j > 0.0);
			if (x < lv.b - 2 * h2) {
				/* (sigma^2/2) V'' + mu (theta - x) V' - r V = 0 */
				leungli_exit_value(&lv, x + h2, &vp, NULL);
				leungli_exit_value(&lv, x - h2, &vmm, NULL);
				drift = ou->mu * (ou->theta - x) * d1;
				v2 = (vp - 2 * v + vmm) / (h2 * h2);
				ASSERT_ABS(0.5 * ou->sigma * ou->sigma * v2 + drift - p->r * v,
					   0.0, 1e-4 * (p->r * fabs(v) + fabs(drift)) + 1e-7);
			} else if (x > lv.b) {
				/* stopping region: waiting has a negative drift */
				ck_assert(ou->mu * (ou->theta - x) - p->r * (x - p->c) <= 0.0);
			}
		}
	}
}
END_TEST

/* Comparative statics of the paper: b* rises with c, d* falls with c_hat. */
START_TEST(test_levels_monotone)
{
	struct leungli_params p = gld;
	double bprev = -INFINITY, dprev = INFINITY;
	int i;

	for (i = 1; i <= 10; i++) {
		struct leungli_levels lv;

		p.c = p.c_hat = 0.01 * i;
		ck_assert_int_eq(leungli_solve(&p, &lv), QM_OK);
		ck_assert(lv.b > bprev && lv.d < dprev);
		bprev = lv.b;
		dprev = lv.d;
	}
}
END_TEST

/* ---- Monte Carlo ------------------------------------------------------------------ */

/* Simulation settings shared by the Monte Carlo tests. */
#define MC_PATHS 12000
#define MC_DT 2e-3

/* Accumulates a sample of values and of their differences to column 0. */
struct mc_stat {
	double sum[5], sum2[5], dsum[5], dsum2[5];
	int k, n;
};

/* Adds one path's values v[0..k-1]. */
static void mc_add(struct mc_stat *m, const double *v)
{
	int i;

	for (i = 0; i < m->k; i++) {
		double d = v[i] - v[0];

		m->sum[i] += v[i];
		m->sum2[i] += v[i] * v[i];
		m->dsum[i] += d;
		m->dsum2[i] += d * d;
	}
	m->n++;
}

/* Mean of column i. */
static double mc_mean(const struct mc_stat *m, int i)
{
	return m->sum[i] / m->n;
}

/* Standard error of the mean of column i. */
static double mc_se(const struct mc_stat *m, int i)
{
	double mu = m->sum[i] / m->n;

	return sqrt((m->sum2[i] / m->n - mu * mu) / (m->n - 1));
}

/* Mean and standard error of column i minus column 0 (common numbers). */
static void mc_diff(const struct mc_stat *m, int i, double *mean, double *se)
{
	double mu = m->dsum[i] / m->n;

	*mean = mu;
	*se = sqrt((m->dsum2[i] / m->n - mu * mu) / (m->n - 1));
}

/*
 * Runs MC_PATHS exact OU paths from x0 and records, per path, the payoff
 * e^(-r tau) pay_k of k two-sided rules: rule i stops at the first passage
 * above up[i] (paying up[i] - c) or below lo[i] (paying lo[i] - c_low, with
 * lo[i] = -inf for none).  Crossings between grid points are detected by the
 * Brownian-bridge probability exp(-2 (b - x0)(b - x1) / (sigma^2 dt)), one
 * uniform per step shared by all rules (common random numbers); the
 * stopping time is taken mid-step.  Paths stop at time tmax.
 */
static void mc_run(const struct ou_params *ou, double r, double x0,
		   const double *up, const double *lo, const double *pay_up,
		   const double *pay_lo, int k, double tmax, unsigned long seed,
		   struct mc_stat *m)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double b = exp(-ou->mu * MC_DT);
	double s = ou->sigma * sqrt(-expm1(-2.0 * ou->mu * MC_DT) / (2.0 * ou->mu));
	double s2 = ou->sigma * ou->sigma * MC_DT;
	int path, i;

	gsl_rng_set(rng, seed);
	for (i = 0; i < 5; i++)
		m->sum[i] = m->sum2[i] = m->dsum[i] = m->dsum2[i] = 0.0;
	m->k = k;
	m->n = 0;
	for (path = 0; path < MC_PATHS; path++) {
		double x = x0, t = 0.0, v[5];
		int done[5] = { 0, 0, 0, 0, 0 }, left = k;

		for (i = 0; i < k; i++)
			v[i] = 0.0;
		while (left > 0 && t < tmax) {
			double xn = ou->theta + (x - ou->theta) * b +
				    s * gsl_ran_gaussian_ziggurat(rng, 1.0);
			double u = gsl_rng_uniform_pos(rng);

			for (i = 0; i < k; i++) {
				int hit_up, hit_lo;

				if (done[i])
					continue;
				hit_up = xn >= up[i] ||
					 u < exp(-2.0 * (up[i] - x) * (up[i] - xn) / s2);
				hit_lo = isfinite(lo[i]) &&
					 (xn <= lo[i] ||
					  u < exp(-2.0 * (x - lo[i]) * (xn - lo[i]) / s2));
				if (hit_up || hit_lo) {
					double pay = hit_up ? pay_up[i] : pay_lo[i];

					if (hit_up && hit_lo)	/* both in one step */
						pay = (up[i] - x < x - lo[i]) ? pay_up[i] :
						      pay_lo[i];
					v[i] = exp(-r * (t + 0.5 * MC_DT)) * pay;
					done[i] = 1;
					left--;
				}
			}
			x = xn;
			t += MC_DT;
		}
		mc_add(m, v);
	}
	gsl_rng_free(rng);
}

/*
 * Exit at b*: the MC value of (b - c) E[e^(-r tau_b)] from theta matches
 * (b - c) F(x0)/F(b) for b = b*, b* +- 0.3 sd, and b* is the best of the
 * three (differences with common random numbers).
 */
START_TEST(test_mc_exit)
{
	const struct leungli_params *p = &mcp;
	struct leungli_levels lv;
	struct mc_stat m;
	double sd = p->ou.sigma / sqrt(2.0 * p->ou.mu), up[3], lo[3], pu[3], v[3];
	double x0 = p->ou.theta, an0;
	int i;

	ck_assert_int_eq(leungli_solve(p, &lv), QM_OK);
	for (i = 0; i < 3; i++) {
		struct leungli_fg f0, fb;

		up[i] = lv.b + (i == 0 ? 0.0 : (i == 1 ? -0.3 : 0.3) * sd);
		lo[i] = -INFINITY;
		pu[i] = up[i] - p->c;
		leungli_f(&p->ou, p->r, x0, &f0);
		leungli_f(&p->ou, p->r, up[i], &fb);
		v[i] = pu[i] * exp(f0.ln - fb.ln);
	}
	leungli_exit_value(&lv, x0, &an0, NULL);
	ASSERT_REL(an0, v[0], 1e-13);
	mc_run(&p->ou, p->r, x0, up, lo, pu, pu, 3, 40.0 / p->r, 11, &m);
	for (i = 0; i < 3; i++) {
		double dm, dse;

		ASSERT_ABS(mc_mean(&m, i), v[i], 4.0 * mc_se(&m, i));
		if (i == 0)
			continue;
		mc_diff(&m, i, &dm, &dse);
		ck_assert_msg(dm < 0.0, "level %d beats b* in MC: diff %g (se %g)", i, dm, dse);
		ASSERT_ABS(dm, v[i] - v[0], 4.0 * dse);
	}
}
END_TEST

/*
 * Entry at d* (no stop-loss): from x0 = theta above d*, the MC of
 * h(d) E[e^(-r_hat tau_d)] matches J and d* beats d* +- 0.3 sd.
 */
START_TEST(test_mc_entry)
{
	const struct leungli_params *p = &mcp;
	struct leungli_levels lv;
	struct mc_stat m;
	double sd = p->ou.sigma / sqrt(2.0 * p->ou.mu), up[3], lo[3], pl[3], v[3];
	double x0 = p->ou.theta, j0;
	int i;

	ck_assert_int_eq(leungli_solve(p, &lv), QM_OK);
	for (i = 0; i < 3; i++) {
		struct leungli_fg g0, gd;
		double vd;

		lo[i] = lv.d + (i == 0 ? 0.0 : (i == 1 ? -0.3 : 0.3) * sd);
		up[i] = INFINITY;
		leungli_exit_value(&lv, lo[i], &vd, NULL);
		pl[i] = vd - lo[i] - p->c_hat;
		leungli_g(&p->ou, p->r_hat, x0, &g0);
		leungli_g(&p->ou, p->r_hat, lo[i], &gd);
		v[i] = pl[i] * exp(g0.ln - gd.ln);
	}
	leungli_entry_value(&lv, x0, &j0, NULL);
	ASSERT_REL(j0, v[0], 1e-13);
	mc_run(&p->ou, p->r_hat, x0, up, lo, pl, pl, 3, 40.0 / p->r_hat, 23, &m);
	for (i = 0; i < 3; i++) {
		double dm, dse;

		ASSERT_ABS(mc_mean(&m, i), v[i], 4.0 * mc_se(&m, i));
		if (i == 0)
			continue;
		mc_diff(&m, i, &dm, &dse);
		ck_assert_msg(dm < 0.0, "level %d beats d* in MC: diff %g (se %g)", i, dm, dse);
		ASSERT_ABS(dm, v[i] - v[0], 4.0 * dse);
	}
}
END_TEST

/*
 * Exit with stop-loss L: the MC value of the rule "sell at b or at L"
 * matches V_L(x0) at b = b*_L, and b*_L beats b*_L +- 0.3 sd.
 */
START_TEST(test_mc_stoploss_exit)
{
	const struct leungli_params *p = &mcp;
	struct leungli_sl_levels sl;
	struct mc_stat m;
	double sd = p->ou.sigma / sqrt(2.0 * p->ou.mu), up[3], lo[3], pu[3], pl[3];
	double x0 = p->ou.theta, L = -0.6, vl0;
	int i;

	ck_assert_int_eq(leungli_solve_sl(p, L, &sl), QM_OK);
	ck_assert(!sl.sell_now);
	leungli_exit_value_sl(&sl, x0, &vl0, NULL);
	for (i = 0; i < 3; i++) {
		up[i] = sl.b + (i == 0 ? 0.0 : (i == 1 ? -0.3 : 0.3) * sd);
		lo[i] = L;
		pu[i] = up[i] - p->c;
		pl[i] = L - p->c;
	}
	mc_run(&p->ou, p->r, x0, up, lo, pu, pl, 3, 40.0 / p->r, 37, &m);
	ASSERT_ABS(mc_mean(&m, 0), vl0, 4.0 * mc_se(&m, 0));
	for (i = 1; i < 3; i++) {
		double dm, dse;

		mc_diff(&m, i, &dm, &dse);
		ck_assert_msg(dm < 0.0, "level %d beats b*_L in MC: diff %g (se %g)", i, dm, dse);
	}
}
END_TEST

/* ---- levels with stop-loss ---------------------------------------------------- */

/* Context of the paper's b*_L equation, unscaled, on quadrature values. */
struct q_sl {
	const struct leungli_params *p;
	double L, fl, gl;
};

/*
 * F'(b)[(L-c)G(b) - (b-c)G(L)] + G'(b)[(b-c)F(L) - (L-c)F(b)]
 * - [F(L)G(b) - G(L)F(b)], divided by F(b) G(L) for scale.
 */
static double q_sl_eq(double b, void *vp)
{
	const struct q_sl *q = vp;
	double c = q->p->c, L = q->L, f, fd, g, gd;

	q_fg(&q->p->ou, q->p->r, b, 1, &f, &fd);
	q_fg(&q->p->ou, q->p->r, b, -1, &g, &gd);
	return (fd * ((L - c) * g - (b - c) * q->gl) +
		gd * ((b - c) * q->fl - (L - c) * f) -
		(q->fl * g - q->gl * f)) / (f * q->gl);
}

/* b*_L against the paper's unscaled equation solved on quadrature values. */
START_TEST(test_sl_exit_vs_quadrature)
{
	const double Ls[] = { -1.0, -0.6, -0.3, -0.1 };
	const struct leungli_params *p = &mcp;
	double sd = p->ou.sigma / sqrt(2.0 * p->ou.mu);
	unsigned i;

	for (i = 0; i < sizeof Ls / sizeof *Ls; i++) {
		struct leungli_sl_levels sl;
		struct q_sl q = { p, Ls[i], 0.0, 0.0 };
		double d, b;

		ck_assert_int_eq(leungli_solve_sl(p, Ls[i], &sl), QM_OK);
		q_fg(&p->ou, p->r, Ls[i], 1, &q.fl, &d);
		q_fg(&p->ou, p->r, Ls[i], -1, &q.gl, &d);
		/* the equation also vanishes at b = L: bracket away from it */
		b = q_root(q_sl_eq, &q, sl.b - 0.2 * sd, sl.b + 0.2 * sd);
		ASSERT_ABS(sl.b, b, 1e-9 * sd);
		ASSERT_ABS(q_sl_eq(Ls[i] + 1e-9, &q), 0.0, 1e-6);
	}
}
END_TEST

/*
 * The paper's qualitative results: b*_L < b* and decreasing in L; sell at
 * once for L above (mu theta + r c)/(mu + r); L -> -inf recovers b*, d*;
 * the entry interval lies strictly inside (L, b*_L).
 */
START_TEST(test_sl_structure)
{
	const struct leungli_params *p = &mcp;
	struct leungli_levels lv;
	struct leungli_sl_levels sl;
	double floor_ = (p->ou.mu * p->ou.theta + p->r * p->c) / (p->ou.mu + p->r);
	double L, bprev = INFINITY;

	ck_assert_int_eq(leungli_solve(p, &lv), QM_OK);
	for (L = -1.4; L < floor_; L += 0.1) {
		ck_assert_int_eq(leungli_solve_sl(p, L, &sl), QM_OK);
		ck_assert(!sl.sell_now);
		ck_assert(sl.b < lv.b && sl.b < bprev && sl.b >= floor_);
		bprev = sl.b;
		if (sl.entry)
			ck_assert(L < sl.a && sl.a < sl.d && sl.d < sl.b);
	}
	ck_assert_int_eq(leungli_solve_sl(p, floor_ + 1e-9, &sl), QM_OK);
	ck_assert(sl.sell_now && !sl.entry);
	ck_assert_int_eq(leungli_solve_sl(p, -30.0, &sl), QM_OK);
	ASSERT_ABS(sl.b, lv.b, 1e-9);
	ck_assert(sl.entry);
	ASSERT_ABS(sl.d, lv.d, 1e-9);
}
END_TEST

/* Smooth pasting of V_L at b*_L and of J_L at a*_L and d*_L; majorants. */
START_TEST(test_sl_value_functions)
{
	const struct leungli_params *p = &mcp;
	struct leungli_sl_levels sl;
	double sd = p->ou.sigma / sqrt(2.0 * p->ou.mu), h = 1e-5 * sd, x, L = -0.6;
	double vl, vm, vr, jl, jm, jr;

	ck_assert_int_eq(leungli_solve_sl(p, L, &sl), QM_OK);
	ck_assert(sl.entry);
	leungli_exit_value_sl(&sl, sl.b - h, &vl, NULL);
	leungli_exit_value_sl(&sl, sl.b, &vm, NULL);
	ASSERT_ABS(vm, sl.b - p->c, 1e-14);
	ASSERT_ABS((vm - vl) / h, 1.0, 1e-4);
	/* continuity at L: V_L(L+) = L - c */
	leungli_exit_value_sl(&sl, L + h, &vr, NULL);
	ASSERT_ABS(vr, L - p->c, 1e-4 * sd);
	/* J_L is C^1 at both ends of the entry interval */
	leungli_entry_value_sl(&sl, sl.a - h, &jl, NULL);
	leungli_entry_value_sl(&sl, sl.a, &jm, NULL);
	leungli_entry_value_sl(&sl, sl.a + h, &jr, NULL);
	ASSERT_REL(jm, sl.ha, 1e-12);
	ASSERT_REL((jm - jl) / h, (jr - jm) / h, 2e-4);
	leungli_entry_value_sl(&sl, sl.d - h, &jl, NULL);
	leungli_entry_value_sl(&sl, sl.d, &jm, NULL);
	leungli_entry_value_sl(&sl, sl.d + h, &jr, NULL);
	ASSERT_REL(jm, sl.hd, 1e-12);
	ASSERT_REL((jm - jl) / h, (jr - jm) / h, 2e-4);
	for (x = L - 1.0; x <= sl.b + 0.5; x += 0.0371) {
		double v, j;

		ck_assert_int_eq(leungli_exit_value_sl(&sl, x, &v, NULL), QM_OK);
		ck_assert_int_eq(leungli_entry_value_sl(&sl, x, &j, NULL), QM_OK);
		ck_assert(v >= x - p->c - 1e-13);
		ck_assert(j >= v - x - p->c_hat - 1e-13);
		ck_assert(j > 0.0);
	}
}
END_TEST

/*
 * GLD-GDX with c = c_hat = 0.05 and a stop-loss 2 sd below theta: costs of
 * 3.6 stationary sd per round trip make entering never optimal; a dense
 * grid confirms max (V_L - x - c_hat) < 0, and J_L = 0.
 */
START_TEST(test_sl_entry_never)
{
	struct leungli_sl_levels sl;
	double x, best = -INFINITY, j;

	ck_assert_int_eq(leungli_solve_sl(&gld, 0.4834, &sl), QM_OK);
	ck_assert(!sl.sell_now && !sl.entry);
	ck_assert(isnan(sl.a) && isnan(sl.d));
	for (x = 0.4834; x <= sl.b; x += 1e-4) {
		double v;

		leungli_exit_value_sl(&sl, x, &v, NULL);
		best = fmax(best, v - x - gld.c_hat);
	}
	ck_assert(best < 0.0);
	ck_assert_int_eq(leungli_entry_value_sl(&sl, 0.5, &j, NULL), QM_OK);
	ASSERT_ABS(j, 0.0, 0.0);
	/* with a cost of 0.001 the entry region reappears above L */
	{
		struct leungli_params p = gld;

		p.c = p.c_hat = 0.001;
		ck_assert_int_eq(leungli_solve_sl(&p, 0.4834, &sl), QM_OK);
		ck_assert(sl.entry && sl.a > 0.4834 && sl.d < sl.b);
	}
}
END_TEST

/* Extreme discounting: r/mu = 1e-4 and 10 still solve with smooth fit. */
START_TEST(test_extreme_rates)
{
	const double nus[] = { 1e-4, 10.0 };
	unsigned i;

	for (i = 0; i < 2; i++) {
		struct leungli_params p = mcp;
		struct leungli_levels lv;
		struct leungli_sl_levels sl;
		double sd = p.ou.sigma / sqrt(2.0 * p.ou.mu), h = 1e-5 * sd, vl, vm;
		struct q_exit qe;
		double b;

		p.r = p.r_hat = nus[i] * p.ou.mu;
		ck_assert_int_eq(leungli_solve(&p, &lv), QM_OK);
		qe.ou = &p.ou;
		qe.r = p.r;
		qe.c = p.c;
		b = q_root(q_exit_eq, &qe, lv.b - 0.5 * sd, lv.b + 0.5 * sd);
		ASSERT_ABS(lv.b, b, 1e-9 * sd);
		leungli_exit_value(&lv, lv.b - h, &vl, NULL);
		leungli_exit_value(&lv, lv.b, &vm, NULL);
		ASSERT_ABS((vm - vl) / h, 1.0, 1e-4);
		ck_assert_int_eq(leungli_solve_sl(&p, p.ou.theta - 2 * sd, &sl), QM_OK);
		ck_assert(sl.sell_now || sl.b <= lv.b);
	}
}
END_TEST


/* ---- optimality by direct search ------------------------------------------- */

/* e^(ln f(x)) for f = F (sign +1) or G (sign -1) at discount r. */
static double fg_val(const struct ou_params *ou, double r, double x, int sign)
{
	struct leungli_fg f;

	if (sign > 0)
		leungli_f(ou, r, x, &f);
	else
		leungli_g(ou, r, x, &f);
	return exp(f.ln);
}

/*
 * Value at x0 of the threshold rule "stop at the first passage of lo or up"
 * (lo = -inf: one-sided) paying pay_lo or pay_up: the two-barrier Laplace
 * transforms of the first passage, from F and G.
 */
static double rule_value(const struct ou_params *ou, double r, double x0,
			 double lo, double up, double pay_lo, double pay_up)
{
	double f0 = fg_val(ou, r, x0, 1), g0 = fg_val(ou, r, x0, -1);
	double fu = fg_val(ou, r, up, 1), gu = fg_val(ou, r, up, -1);
	double fl, gl, det;

	if (!isfinite(lo))
		return pay_up * f0 / fu;
	if (!isfinite(up))
		return pay_lo * g0 / fg_val(ou, r, lo, -1);
	fl = fg_val(ou, r, lo, 1);
	gl = fg_val(ou, r, lo, -1);
	det = fu * gl - fl * gu;
	return (pay_up * (f0 * gl - fl * g0) + pay_lo * (fu * g0 - f0 * gu)) / det;
}

/*
 * The levels maximise the value of threshold rules found by brute force on a
 * grid of 0.01 sd (independent of the smooth-fit equations the solver uses):
 * b* over exit levels, d* over entry levels from above, b*_L over take-profit
 * levels with the stop-loss fixed, d*_L and a*_L over entry levels from
 * above and from below.
 */
START_TEST(test_levels_maximise_value)
{
	const struct leungli_params *p = &mcp;
	const struct ou_params *ou = &p->ou;
	double sd = ou->sigma / sqrt(2.0 * ou->mu), L = -0.6, x0, best, arg, y;
	struct leungli_levels lv;
	struct leungli_sl_levels sl;
	int i;

	ck_assert_int_eq(leungli_solve(p, &lv), QM_OK);
	ck_assert_int_eq(leungli_solve_sl(p, L, &sl), QM_OK);
	ck_assert(sl.entry);

	/* exit from x0 = theta - 1 sd: maximise (b - c) F(x0)/F(b) */
	x0 = ou->theta - sd;
	best = -INFINITY;
	arg = NAN;
	for (i = -200; i <= 200; i++) {
		double b = lv.b + 0.01 * sd * i;

		y = rule_value(ou, p->r, x0, -INFINITY, b, 0.0, b - p->c);
		if (y > best) {
			best = y;
			arg = b;
		}
	}
	ASSERT_ABS(arg, lv.b, 0.011 * sd);
	/* entry from x0 = theta + 1 sd: maximise (V(d) - d - c_hat) G(x0)/G(d) */
	x0 = ou->theta + sd;
	best = -INFINITY;
	for (i = -200; i <= 200; i++) {
		double d = lv.d + 0.01 * sd * i, v;

		leungli_exit_value(&lv, d, &v, NULL);
		y = rule_value(ou, p->r_hat, x0, d, INFINITY, v - d - p->c_hat, 0.0);
		if (y > best) {
			best = y;
			arg = d;
		}
	}
	ASSERT_ABS(arg, lv.d, 0.011 * sd);
	/* take-profit with the stop at L, from x0 = theta */
	x0 = ou->theta;
	best = -INFINITY;
	for (i = -100; i <= 100; i++) {
		double b = sl.b + 0.01 * sd * i;

		y = rule_value(ou, p->r, x0, L, b, L - p->c, b - p->c);
		if (y > best) {
			best = y;
			arg = b;
		}
	}
	ASSERT_ABS(arg, sl.b, 0.011 * sd);
	/* d*_L from x0 = theta above, a*_L from x0 = L - 1 sd below */
	x0 = ou->theta;
	best = -INFINITY;
	for (i = -50; i <= 50; i++) {
		double d = sl.d + 0.01 * sd * i, v;

		leungli_exit_value_sl(&sl, d, &v, NULL);
		y = rule_value(ou, p->r_hat, x0, d, INFINITY, v - d - p->c_hat, 0.0);
		if (y > best) {
			best = y;
			arg = d;
		}
	}
	ASSERT_ABS(arg, sl.d, 0.011 * sd);
	x0 = L - sd;
	best = -INFINITY;
	for (i = -50; i <= 50; i++) {
		double a = sl.a + 0.01 * sd * i, v;

		if (a <= L)
			continue;
		leungli_exit_value_sl(&sl, a, &v, NULL);
		y = rule_value(ou, p->r_hat, x0, -INFINITY, a, 0.0, v - a - p->c_hat);
		if (y > best) {
			best = y;
			arg = a;
		}
	}
	ASSERT_ABS(arg, sl.a, 0.011 * sd);
}
END_TEST


/*
 * 400 random problems (r/mu and r_hat/mu from 1e-4 to 10, costs up to 3 sd,
 * theta within 10 sd of c, stop-loss up to 5 sd below theta): every solve
 * succeeds and the levels keep the order the paper proves; the values stay
 * above their payoffs.
 */
START_TEST(test_random_problems)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	int it;

	gsl_rng_set(rng, 2015);
	for (it = 0; it < 400; it++) {
		struct leungli_params p;
		struct leungli_levels lv;
		struct leungli_sl_levels sl;
		double sd, L, x;

		p.ou.mu = exp(log(0.1) + gsl_rng_uniform(rng) * log(1000.0));
		p.ou.sigma = exp(log(0.01) + gsl_rng_uniform(rng) * log(1000.0));
		sd = p.ou.sigma / sqrt(2.0 * p.ou.mu);
		p.c = 3.0 * sd * gsl_rng_uniform(rng);
		p.c_hat = 3.0 * sd * gsl_rng_uniform(rng) + 1e-3 * sd;
		p.ou.theta = p.c + 20.0 * sd * (gsl_rng_uniform(rng) - 0.5);
		p.r = p.ou.mu * exp(log(1e-4) + gsl_rng_uniform(rng) * log(1e5));
		p.r_hat = gsl_rng_uniform(rng) < 0.5 ? p.r :
			  p.ou.mu * exp(log(1e-4) + gsl_rng_uniform(rng) * log(1e5));
		L = p.ou.theta - 5.0 * sd * gsl_rng_uniform(rng);
		ck_assert_int_eq(leungli_solve(&p, &lv), QM_OK);
		ck_assert_int_eq(leungli_solve_sl(&p, L, &sl), QM_OK);
		ck_assert(lv.b > p.c && lv.b >= lv.exit_floor && lv.d < lv.b && lv.jd > 0.0);
		if (!sl.sell_now)
			ck_assert(sl.b <= lv.b + 1e-9 * sd && sl.b >= lv.exit_floor - 1e-9 * sd);
		if (sl.entry)
			ck_assert(L < sl.a && sl.a <= sl.d && sl.d < sl.b);
		for (x = L - sd; x <= lv.b + sd; x += 0.37 * sd) {
			double v, j;

			ck_assert_int_eq(leungli_exit_value(&lv, x, &v, NULL), QM_OK);
			ck_assert(v >= x - p.c - 1e-12 * (fabs(x) + sd));
			ck_assert_int_eq(leungli_entry_value(&lv, x, &j, NULL), QM_OK);
			ck_assert(j >= v - x - p.c_hat - 1e-12 * (fabs(x) + sd) && j >= 0.0);
			ck_assert_int_eq(leungli_exit_value_sl(&sl, x, &v, NULL), QM_OK);
			ck_assert(v >= x - p.c - 1e-12 * (fabs(x) + sd));
			ck_assert_int_eq(leungli_entry_value_sl(&sl, x, &j, NULL), QM_OK);
			ck_assert(j >= -1e-15 && (j >= v - x - p.c_hat - 1e-12 * (fabs(x) + sd)));
		}
	}
	gsl_rng_free(rng);
}
END_TEST

/* ---- bad input ----------------------------------------------------------------------- */

/* Every kind of bad argument gives a status and NaN outputs, never a crash. */
START_TEST(test_bad_input)
{
	struct leungli_params p;
	struct leungli_levels lv, bad;
	struct leungli_sl_levels sl;
	struct leungli_fg f;
	double li, r1, r2, v, b;
	const double nan = NAN, inf = INFINITY;

	ck_assert_int_eq(leungli_integral(0.0, 1.0, &li, &r1, &r2), QM_EINVAL);
	ck_assert(isnan(li) && isnan(r1) && isnan(r2));
	ck_assert_int_eq(leungli_integral(-1.0, 1.0, &li, &r1, &r2), QM_EINVAL);
	ck_assert_int_eq(leungli_integral(201.0, 1.0, &li, &r1, &r2), QM_EINVAL);
	ck_assert_int_eq(leungli_integral(nan, 1.0, &li, &r1, &r2), QM_EINVAL);
	ck_assert_int_eq(leungli_integral(1.0, nan, &li, &r1, &r2), QM_EINVAL);
	ck_assert_int_eq(leungli_integral(1.0, inf, &li, &r1, &r2), QM_EINVAL);
	ck_assert_int_eq(leungli_integral(1.0, 2e6, &li, &r1, &r2), QM_EOVERFLOW);
	ck_assert_int_eq(leungli_integral(1.0, 1.0, NULL, &r1, &r2), QM_EINVAL);

	ck_assert_int_eq(leungli_f(&gld.ou, 0.0, 0.5, &f), QM_EINVAL);
	ck_assert(isnan(f.ln) && isnan(f.d1) && isnan(f.d2));
	ck_assert_int_eq(leungli_f(&gld.ou, -0.05, 0.5, &f), QM_EINVAL);
	ck_assert_int_eq(leungli_f(&gld.ou, 0.05, nan, &f), QM_EINVAL);
	ck_assert_int_eq(leungli_g(&gld.ou, 0.05, -inf, &f), QM_EINVAL);
	ck_assert_int_eq(leungli_f(NULL, 0.05, 0.5, &f), QM_EINVAL);
	ck_assert_int_eq(leungli_f(&gld.ou, 0.05, 0.5, NULL), QM_EINVAL);
	ck_assert_int_eq(leungli_f(&gld.ou, 0.05, 1e6, &f), QM_EOVERFLOW);
	{
		struct ou_params o = gld.ou;

		o.mu = -1.0;
		ck_assert_int_eq(leungli_f(&o, 0.05, 0.5, &f), QM_EINVAL);
		o = gld.ou;
		o.sigma = 0.0;
		ck_assert_int_eq(leungli_g(&o, 0.05, 0.5, &f), QM_EINVAL);
		o = gld.ou;
		o.theta = nan;
		ck_assert_int_eq(leungli_g(&o, 0.05, 0.5, &f), QM_EINVAL);
		o = gld.ou;
		ck_assert_int_eq(leungli_f(&o, 1e-12, 0.5, &f), QM_EINVAL);	/* r/mu < 1e-8 */
		ck_assert_int_eq(leungli_f(&o, 1e4, 0.5, &f), QM_EINVAL);	/* r/mu > 200 */
	}

	ck_assert_int_eq(leungli_exit_level(&gld.ou, 0.05, -0.1, &b, NULL), QM_EINVAL);
	ck_assert(isnan(b));
	ck_assert_int_eq(leungli_exit_level(&gld.ou, 0.05, nan, &b, NULL), QM_EINVAL);
	ck_assert_int_eq(leungli_exit_level(&gld.ou, 0.05, 0.0, &b, &v), QM_OK);
	ck_assert(b > 0.0 && isfinite(v));	/* c = 0 is fine for exit alone */

	ck_assert_int_eq(leungli_solve(NULL, &lv), QM_EINVAL);
	ck_assert_int_eq(leungli_solve(&gld, NULL), QM_EINVAL);
	p = gld;
	p.c = p.c_hat = 0.0;	/* no cost: the entry problem degenerates */
	ck_assert_int_eq(leungli_solve(&p, &lv), QM_EINVAL);
	ck_assert(isnan(lv.b) && isnan(lv.d));
	p = gld;
	p.c_hat = -0.01;
	ck_assert_int_eq(leungli_solve(&p, &lv), QM_EINVAL);
	p = gld;
	p.r_hat = nan;
	ck_assert_int_eq(leungli_solve(&p, &lv), QM_EINVAL);
	p = gld;
	p.r = inf;
	ck_assert_int_eq(leungli_solve(&p, &lv), QM_EINVAL);
	p = gld;
	p.ou.sigma = -0.1;
	ck_assert_int_eq(leungli_solve_sl(&p, 0.4, &sl), QM_EINVAL);
	ck_assert(isnan(sl.b) && !sl.entry && !sl.sell_now);
	ck_assert_int_eq(leungli_solve_sl(&gld, nan, &sl), QM_EINVAL);
	ck_assert_int_eq(leungli_solve_sl(&gld, -inf, &sl), QM_EINVAL);
	ck_assert_int_eq(leungli_solve_sl(&gld, 0.4, NULL), QM_EINVAL);

	/* values from unsolved or failed results */
	ck_assert_int_eq(leungli_solve(&p, &bad), QM_EINVAL);
	ck_assert_int_eq(leungli_exit_value(&bad, 0.5, &v, NULL), QM_EINVAL);
	ck_assert(isnan(v));
	ck_assert_int_eq(leungli_entry_value(&bad, 0.5, &v, NULL), QM_EINVAL);
	ck_assert_int_eq(leungli_exit_value(NULL, 0.5, &v, NULL), QM_EINVAL);
	ck_assert_int_eq(leungli_solve(&gld, &lv), QM_OK);
	ck_assert_int_eq(leungli_exit_value(&lv, nan, &v, NULL), QM_EINVAL);
	ck_assert_int_eq(leungli_entry_value(&lv, 0.5, NULL, NULL), QM_EINVAL);
	ck_assert_int_eq(leungli_exit_value_sl(&sl, 0.5, &v, NULL), QM_EINVAL);
	ck_assert_int_eq(leungli_entry_value_sl(NULL, 0.5, &v, NULL), QM_EINVAL);
}
END_TEST

/* Builds the suite. */
static Suite *leungli_suite(void)
{
	Suite *s = suite_create("leungli");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_integral_vs_quadrature);
	tcase_add_test(tc, test_integral_closed_forms);
	tcase_add_test(tc, test_integral_recurrence);
	tcase_add_test(tc, test_integral_far_tails);
	tcase_add_test(tc, test_fg_derivatives);
	tcase_add_test(tc, test_fg_vs_quadrature);
	tcase_add_test(tc, test_fg_range);
	tcase_add_test(tc, test_levels_vs_quadrature);
	tcase_add_test(tc, test_value_functions);
	tcase_add_test(tc, test_levels_monotone);
	tcase_add_test(tc, test_mc_exit);
	tcase_add_test(tc, test_mc_entry);
	tcase_add_test(tc, test_mc_stoploss_exit);
	tcase_add_test(tc, test_sl_exit_vs_quadrature);
	tcase_add_test(tc, test_sl_structure);
	tcase_add_test(tc, test_sl_value_functions);
	tcase_add_test(tc, test_sl_entry_never);
	tcase_add_test(tc, test_extreme_rates);
	tcase_add_test(tc, test_levels_maximise_value);
	tcase_add_test(tc, test_random_problems);
	tcase_add_test(tc, test_bad_input);
	suite_add_tcase(s, tc);
	return s;
}

/* Runs the suite; GSL's aborting error handler is off for the references. */
int main(void)
{
	SRunner *sr = srunner_create(leungli_suite());
	int failed;

	gsl_set_error_handler_off();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
