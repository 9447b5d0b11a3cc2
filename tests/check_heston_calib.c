/*
 * check_heston_calib.c -- tests of models/heston-calib.c.
 *
 * Why it exists: the calibrator must recover known parameters, report
 * honest statistics and statuses, and reject bad input.  References:
 *   - recovery of the parameters that generated noise-free prices (the
 *     prices come from heston_price_surface, whose own accuracy is checked
 *     against independent references in check_heston.c);
 *   - QuantLib 1.29's calibration of Sepp's DAX surface (sum of squared
 *     vol errors 177.2347 vol points^2 with weeks-rounded maturities,
 *     printed by tests/bench/ql-heston.cpp; QuantLib's own test suite
 *     expects 177.2 +- 1): runs only when ../shared/market-data is present.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heston.h"
#include "heston-calib.h"
#include "qm-status.h"
#include "dax-surface.h"

#define NQ 60

/* A synthetic chain: 20 strikes 90..110 x 30/60/90 days, S 100, r 5%,
 * q 2%, out-of-the-money side; prices from the true parameters. */
struct synth {
	double T[NQ], K[NQ], r[NQ], q[NQ], price[NQ], spread[NQ];
	int type[NQ];
	heston_chain c;
};

/* Builds the synthetic chain priced with parameters p. */
static void make_synth(struct synth *s, const heston_params *p)
{
	heston_workspace *w = heston_workspace_alloc(HESTON_DEFAULT_NODES);
	int m, k, n = 0;

	for (m = 0; m < 3; m++)
		for (k = 0; k < 20; k++) {
			s->T[n] = 30.0 * (m + 1) / 365;
			s->K[n] = 90 + 20.0 * k / 19;
			s->r[n] = 0.05;
			s->q[n] = 0.02;
			s->type[n] = s->K[n] >= 100;
			s->spread[n] = 0.01 + 0.001 * k;
			n++;
		}
	ck_assert_int_eq(heston_price_surface(p, 100, n, s->T, s->K, s->r,
			 s->q, s->type, s->price, w), QM_OK);
	heston_workspace_free(w);
	memset(&s->c, 0, sizeof(s->c));
	s->c.n = n;
	s->c.S = 100;
	s->c.T = s->T;
	s->c.K = s->K;
	s->c.r = s->r;
	s->c.q = s->q;
	s->c.type = s->type;
	s->c.price = s->price;
	s->c.spread = s->spread;
}

/* Asserts every parameter within rel of the truth. */
static void assert_recovered(const heston_params *got,
			     const heston_params *truth, double rel)
{
	const double *a = &got->v0, *b = &truth->v0;
	int k;

	for (k = 0; k < HESTON_NPARAMS; k++)
		ck_assert_msg(fabs(a[k] / b[k] - 1) <= rel,
			      "param %d: %.15g vs %.15g", k, a[k], b[k]);
}

static const heston_params truth = { 0.04, 2.0, 0.04, 0.3, -0.7 };

START_TEST(test_recover_local)
{
	/* noise-free data: the least-squares minimum is the truth; goal 1e-8
	 * relative in every parameter (prices good to ~1e-12) */
	static struct synth s;
	heston_calib_workspace *w = heston_calib_alloc(NQ);
	heston_calib_opts o;
	heston_calib_result res;
	int tgt;

	make_synth(&s, &truth);
	heston_calib_defaults(&o);
	o.global_evals = 0;
	for (tgt = 0; tgt < 2; tgt++) {
		o.target = tgt;
		ck_assert_int_eq(heston_calibrate(&s.c, &o, w, &res), QM_OK);
		assert_recovered(&res.params, &truth, 1e-8);
		ck_assert(res.rmse_iv_bp < 1e-4);
		ck_assert(res.rmse_price < 1e-8);
		ck_assert(res.iterations > 0 && res.evaluations > 0);
		ck_assert(res.elapsed_ms > 0);
		ck_assert_int_eq(res.global_used, 0);
	}
	heston_calib_free(w);
}
END_TEST

START_TEST(test_recover_global)
{
	/* cold start through the NLopt stage, then LM: same recovery */
	static struct synth s;
	heston_calib_workspace *w = heston_calib_alloc(NQ);
	heston_calib_opts o;
	heston_calib_result res;

	make_synth(&s, &truth);
	heston_calib_defaults(&o);
	ck_assert_int_eq(heston_calibrate(&s.c, &o, w, &res), QM_OK);
	ck_assert_int_eq(res.global_used, 1);
	ck_assert(res.evaluations > o.global_evals);
	assert_recovered(&res.params, &truth, 1e-8);
	heston_calib_free(w);
}
END_TEST

START_TEST(test_weightings)
{
	/* any positive weights share the zero-residual minimum */
	static struct synth s;
	heston_params other = { 0.09, 0.8, 0.06, 0.9, -0.4 };
	heston_calib_workspace *w = heston_calib_alloc(NQ);
	heston_calib_opts o;
	heston_calib_result res;
	int wt, tgt;

	make_synth(&s, &other);
	heston_calib_defaults(&o);
	o.global_evals = 0;
	for (tgt = 0; tgt < 2; tgt++)
		for (wt = 0; wt < 3; wt++) {
			o.target = tgt;
			o.weighting = wt;
			ck_assert_int_eq(heston_calibrate(&s.c, &o, w, &res),
					 QM_OK);
			assert_recovered(&res.params, &other, 1e-7);
		}
	heston_calib_free(w);
}
END_TEST

START_TEST(test_warm_start_skips_global)
{
	/* a warm start at the truth fits within warm_tol_bp: no global stage,
	 * a handful of pricings */
	static struct synth s;
	heston_params near = { 0.0401, 1.98, 0.0399, 0.301, -0.699 };
	heston_params far = { 0.2, 8.0, 0.2, 2.0, 0.5 };
	heston_calib_workspace *w = heston_calib_alloc(NQ);
	heston_calib_opts o;
	heston_calib_result res;

	make_synth(&s, &truth);
	heston_calib_defaults(&o);
	o.warm = &near;
	ck_assert_int_eq(heston_calibrate(&s.c, &o, w, &res), QM_OK);
	ck_assert_int_eq(res.global_used, 0);
	ck_assert(res.evaluations < 30);
	assert_recovered(&res.params, &truth, 1e-8);
	o.warm = &far;	/* does not fit: the global stage must run */
	ck_assert_int_eq(heston_calibrate(&s.c, &o, w, &res), QM_OK);
	ck_assert_int_eq(res.global_used, 1);
	assert_recovered(&res.params, &truth, 1e-8);
	heston_calib_free(w);
}
END_TEST

START_TEST(test_bad_start_global)
{
	/* a deliberately bad warm start (positive rho, vol-of-vol 4, kappa
	 * 0.05, variances 25x the truth): Levenberg-Marquardt alone from it
	 * stops in another basin (printed); the global stage must still
	 * recover the truth to 1e-8 */
	static struct synth s;
	heston_params bad = { 1.0, 0.05, 1.0, 4.0, 0.9 };
	heston_calib_workspace *w = heston_calib_alloc(NQ);
	heston_calib_opts o;
	heston_calib_result res;
	const double *a = &res.params.v0, *b = &truth.v0;
	double e = 0;
	int k;

	make_synth(&s, &truth);
	heston_calib_defaults(&o);
	o.warm = &bad;
	o.global_evals = 0;
	heston_calibrate(&s.c, &o, w, &res);
	for (k = 0; k < HESTON_NPARAMS; k++)
		e = fmax(e, fabs(a[k] / b[k] - 1));
	printf("check_heston_calib: from the bad start, LM alone: max rel "
	       "param err %.2g\n", e);
	heston_calib_defaults(&o);
	o.warm = &bad;
	ck_assert_int_eq(heston_calibrate(&s.c, &o, w, &res), QM_OK);
	ck_assert_int_eq(res.global_used, 1);
	assert_recovered(&res.params, &truth, 1e-8);
	heston_calib_free(w);
}
END_TEST

START_TEST(test_feller_penalty)
{
	/* truth violates Feller (sigma^2 = 0.36 > 2 kappa theta = 0.08); a
	 * heavy penalty must pull the fit close to the Feller boundary */
	static struct synth s;
	heston_params viol = { 0.04, 1.0, 0.04, 0.6, -0.6 };
	heston_calib_workspace *w = heston_calib_alloc(NQ);
	heston_calib_opts o;
	heston_calib_result res;
	double gap;

	make_synth(&s, &viol);
	heston_calib_defaults(&o);
	o.global_evals = 0;
	ck_assert_int_eq(heston_calibrate(&s.c, &o, w, &res), QM_OK);
	assert_recovered(&res.params, &viol, 1e-7);	/* off: truth */
	o.feller_weight = 100.0;
	heston_calibrate(&s.c, &o, w, &res);
	gap = res.params.sigma * res.params.sigma -
	      2 * res.params.kappa * res.params.theta;
	ck_assert_msg(gap < 0.1 * 0.28, "Feller gap %g", gap);
	ck_assert(res.rmse_iv_bp > 0.01);	/* the price of the constraint */
	heston_calib_free(w);
}
END_TEST

START_TEST(test_limits_reported)
{
	/* iteration limit and time budget: honest status, usable result */
	static struct synth s;
	heston_calib_workspace *w = heston_calib_alloc(NQ);
	heston_calib_opts o;
	heston_calib_result res;

	make_synth(&s, &truth);
	heston_calib_defaults(&o);
	o.global_evals = 0;
	o.max_iter = 1;
	ck_assert_int_eq(heston_calibrate(&s.c, &o, w, &res), QM_EMAXITER);
	ck_assert_int_eq(res.status, QM_EMAXITER);
	ck_assert(isfinite(res.params.v0) && isfinite(res.rmse_iv_bp));
	o.max_iter = 100;
	o.global_evals = 200;
	o.budget_ms = 1e-6;
	ck_assert_int_eq(heston_calibrate(&s.c, &o, w, &res), QM_ETIMEOUT);
	ck_assert(isfinite(res.params.kappa) && isfinite(res.rmse_price));
	heston_calib_free(w);
}
END_TEST

START_TEST(test_bad_input)
{
	static struct synth s;
	heston_calib_workspace *w = heston_calib_alloc(NQ), *small;
	heston_calib_opts o;
	heston_calib_result res;
	heston_chain c;
	double saved;

	make_synth(&s, &truth);
	heston_calib_defaults(&o);
	o.global_evals = 0;
	ck_assert_int_eq(heston_calibrate(NULL, &o, w, &res), QM_EINVAL);
	ck_assert(isnan(res.params.v0) && isnan(res.rmse_iv_bp));
	ck_assert_int_eq(heston_calibrate(&s.c, NULL, w, &res), QM_EINVAL);
	ck_assert_int_eq(heston_calibrate(&s.c, &o, NULL, &res), QM_EINVAL);
	ck_assert_int_eq(heston_calibrate(&s.c, &o, w, NULL), QM_EINVAL);
	c = s.c;
	c.n = 0;
	ck_assert_int_eq(heston_calibrate(&c, &o, w, &res), QM_EINVAL);
	c = s.c;
	c.price = NULL;
	ck_assert_int_eq(heston_calibrate(&c, &o, w, &res), QM_EINVAL);
	c = s.c;
	c.S = NAN;
	ck_assert_int_eq(heston_calibrate(&c, &o, w, &res), QM_EINVAL);
	saved = s.K[5];
	s.K[5] = -1;
	ck_assert_int_eq(heston_calibrate(&s.c, &o, w, &res), QM_EINVAL);
	s.K[5] = saved;
	saved = s.T[7];
	s.T[7] = INFINITY;
	ck_assert_int_eq(heston_calibrate(&s.c, &o, w, &res), QM_EINVAL);
	s.T[7] = saved;
	saved = s.price[3];
	s.price[3] = NAN;
	ck_assert_int_eq(heston_calibrate(&s.c, &o, w, &res), QM_EINVAL);
	s.price[3] = 1e6;	/* above the spot: no implied vol */
	ck_assert_int_eq(heston_calibrate(&s.c, &o, w, &res), QM_EBOUNDS);
	ck_assert(isnan(res.params.theta));
	s.price[3] = saved;
	o.lower.kappa = 30;	/* lower bound above upper */
	ck_assert_int_eq(heston_calibrate(&s.c, &o, w, &res), QM_EINVAL);
	heston_calib_defaults(&o);
	o.upper.rho = 2;
	ck_assert_int_eq(heston_calibrate(&s.c, &o, w, &res), QM_EINVAL);
	heston_calib_defaults(&o);
	o.weighting = HESTON_W_SPREAD;
	c = s.c;
	c.spread = NULL;
	ck_assert_int_eq(heston_calibrate(&c, &o, w, &res), QM_EINVAL);
	heston_calib_defaults(&o);
	o.budget_ms = NAN;
	ck_assert_int_eq(heston_calibrate(&s.c, &o, w, &res), QM_EINVAL);
	heston_calib_defaults(&o);
	small = heston_calib_alloc(10);
	ck_assert_int_eq(heston_calibrate(&s.c, &o, small, &res), QM_ENOMEM);
	ck_assert_ptr_null(heston_calib_alloc(0));
	heston_calib_free(small);
	heston_calib_free(w);
}
END_TEST

/* ---- DAX validation (only with the shared market data) ---- */

START_TEST(test_dax_validation)
{
	/* Sepp's DAX surface: fit at least as good as QuantLib 1.29's
	 * LevenbergMarquardt (SSE 177.2347 vol pts^2, same data, maturities
	 * and curve), from QuantLib's start and from a cold start */
	static struct dax d;
	heston_params ql_start = { 0.1, 1.0, 0.1, 0.5, -0.5 };
	static const heston_params bad[] = {
		{ 1.0, 0.05, 1.0, 4.0, 0.9 }, { 1e-4, 0.01, 1e-4, 0.01, 0.0 },
		{ 3.0, 19.0, 3.0, 4.5, 0.99 }
	};
	size_t i;
	heston_calib_workspace *w;
	heston_calib_opts o;
	heston_calib_result res;
	heston_chain c;

	if (!dax_load(&d)) {
		printf("check_heston_calib: DAX market data absent, "
		       "validation skipped\n");
		return;
	}
	ck_assert_int_eq(d.n, 104);
	memset(&c, 0, sizeof(c));
	c.n = d.n;
	c.S = d.S;
	c.T = d.T;
	c.K = d.K;
	c.r = d.r;
	c.q = d.q;
	c.type = d.type;
	c.iv = d.iv;
	w = heston_calib_alloc(d.n);
	heston_calib_defaults(&o);
	o.warm = &ql_start;
	o.global_evals = 0;
	ck_assert_int_eq(heston_calibrate(&c, &o, w, &res), QM_OK);
	ck_assert_msg(res.sse_iv_pts <= 177.2347, "SSE %g", res.sse_iv_pts);
	ck_assert(res.sse_iv_pts > 170);	/* same problem, not a typo */
	heston_calib_defaults(&o);	/* cold: the default global stage */
	ck_assert_int_eq(heston_calibrate(&c, &o, w, &res), QM_OK);
	ck_assert_int_eq(res.global_used, 1);
	ck_assert_msg(res.sse_iv_pts <= 177.2347, "SSE %g", res.sse_iv_pts);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* deliberately bad starts: the global stage still finds it */
		o.warm = &bad[i];
		ck_assert_int_eq(heston_calibrate(&c, &o, w, &res), QM_OK);
		ck_assert_int_eq(res.global_used, 1);
		ck_assert_msg(res.sse_iv_pts <= 177.2347, "bad start %zu: SSE %g",
			      i, res.sse_iv_pts);
	}
	heston_calib_free(w);
}
END_TEST

/* Builds the suite. */
static Suite *calib_suite(void)
{
	Suite *s = suite_create("heston_calib");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_recover_local);
	tcase_add_test(tc, test_recover_global);
	tcase_add_test(tc, test_weightings);
	tcase_add_test(tc, test_warm_start_skips_global);
	tcase_add_test(tc, test_bad_start_global);
	tcase_add_test(tc, test_feller_penalty);
	tcase_add_test(tc, test_limits_reported);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_dax_validation);
	suite_add_tcase(s, tc);
	return s;
}

/* Runs the suite; exit status 0 when every test passed. */
int main(void)
{
	SRunner *sr = srunner_create(calib_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
