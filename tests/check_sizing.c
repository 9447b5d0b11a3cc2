/*
 * check_sizing.c -- volatility-managed sizing (sizing.c): the Moreira-Muir
 * weight against a hand computation over a generated return series (the
 * realised variance by the one-pass sum-of-squares formula in long double,
 * a different route from the code's two passes) and over a series whose
 * answer is exact in closed form; floor and cap; only the last window
 * counts; capital per strategy; whole-unit quantities.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "sizing.h"
#include "util.h"

/* Parameters as the documented defaults, capital table from text. */
static void params(struct sizing_params *p, int scaling)
{
	char *cause = NULL;

	memset(p, 0, sizeof *p);
	p->target_vol = 0.15;
	p->window = 21;
	p->floor = 0.2;
	p->cap = 2.0;
	p->min_vol = 0.01;
	p->scaling = scaling;
	ck_assert_int_eq(sizing_capital_parse(p, "volarb:100000, meanrev:50000, *:25000",
	    &cause), 0);
}

/* A reproducible series of n normal returns with daily sd sigma and drift
 * mu (64-bit LCG, Box-Muller). */
static void gen_returns(double *r, size_t n, double mu, double sigma, uint64_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		double u1, u2;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		u1 = ((double)(seed >> 11) + 0.5) / 9007199254740992.0;
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		u2 = ((double)(seed >> 11) + 0.5) / 9007199254740992.0;
		r[i] = mu + sigma * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
	}
}

/* Hand computation: sample variance of the last w of n returns by
 * (sum x^2 - (sum x)^2 / w) / (w - 1) in long double, x 252, square root. */
static double hand_vol(const double *r, size_t n, size_t w)
{
	long double s = 0, ss = 0;
	size_t i;

	for (i = n - w; i < n; i++) {
		s += r[i];
		ss += (long double)r[i] * r[i];
	}
	return (double)sqrtl((ss - s * s / w) / (w - 1) * 252);
}

/*
 * +1%, -1%, ... over a window of 20: mean 0, sum of squares 20 x 1e-4,
 * variance 20e-4 / 19, vol = 0.01 sqrt(252 x 20 / 19) = 0.16287...;
 * weight (0.15 / vol)^2 = 0.0225 x 19 / (1e-4 x 252 x 20) = 0.4275 / 0.504
 * = 0.848214285714...; vol-scaled: sqrt of that = 0.920985...
 */
START_TEST(test_exact_series)
{
	struct sizing_params p;
	double r[20], vol, w;
	int i;

	params(&p, SIZING_VARIANCE);
	p.window = 20;
	for (i = 0; i < 20; i++)
		r[i] = i % 2 ? -0.01 : 0.01;
	ck_assert_int_eq(sizing_realised_vol(&p, r, 20, &vol, NULL), 0);
	ck_assert_double_eq_tol(vol, 0.01 * sqrt(252.0 * 20 / 19), 1e-14);
	ck_assert_int_eq(sizing_weight(&p, vol, &w), 0);
	ck_assert_double_eq_tol(w, 0.4275 / 0.504, 1e-12);
	p.scaling = SIZING_VOL;
	ck_assert_int_eq(sizing_weight(&p, vol, &w), 0);
	ck_assert_double_eq_tol(w, sqrt(0.4275 / 0.504), 1e-12);
}
END_TEST

/*
 * Generated series with daily sd 0.6%, 0.9%, 1.2% and 3% (annualised
 * about 9.5%, 14%, 19%, 48%): the code's vol and weight equal the hand
 * computation to 1e-12 relative, whatever came before the last window.
 */
START_TEST(test_generated_series)
{
	static const double sds[] = { 0.006, 0.009, 0.012, 0.03 };
	struct sizing_params p;
	double r[300], vol, hv, w, want;
	size_t k;

	params(&p, SIZING_VARIANCE);
	for (k = 0; k < sizeof sds / sizeof sds[0]; k++) {
		gen_returns(r, 300, 0.0004, sds[k], 42 + k);
		/* A crash long before the window must not count. */
		r[10] = -0.25;
		ck_assert_int_eq(sizing_realised_vol(&p, r, 300, &vol, NULL), 0);
		hv = hand_vol(r, 300, 21);
		ck_assert_double_eq_tol(vol, hv, 1e-12 * hv);
		ck_assert_int_eq(sizing_weight(&p, vol, &w), 0);
		want = 0.15 * 0.15 / (hv * hv);
		want = want > 2 ? 2 : want < 0.2 ? 0.2 : want;
		ck_assert_double_eq_tol(w, want, 1e-12);
	}
	/* The 3% series is far above the target: floored at 0.2. */
	ck_assert_double_eq_tol(w, 0.2, 1e-15);
}
END_TEST

/* Floor and cap, and the realised-vol floor for a flat series. */
START_TEST(test_floor_cap)
{
	struct sizing_params p;
	double w, r[21], vol;
	int i;

	params(&p, SIZING_VARIANCE);
	/* vol 5%: (0.15 / 0.05)^2 = 9 -> cap 2. */
	ck_assert_int_eq(sizing_weight(&p, 0.05, &w), 0);
	ck_assert(w == 2.0);
	/* vol 60%: 0.0625 -> floor 0.2. */
	ck_assert_int_eq(sizing_weight(&p, 0.60, &w), 0);
	ck_assert(w == 0.2);
	/* Just inside: vol 0.15 / sqrt(2) gives exactly-ish 2; vol 0.15 /
	 * sqrt(0.2) gives 0.2. */
	ck_assert_int_eq(sizing_weight(&p, 0.15 / sqrt(1.9), &w), 0);
	ck_assert_double_eq_tol(w, 1.9, 1e-12);
	ck_assert_int_eq(sizing_weight(&p, 0.15 / sqrt(0.21), &w), 0);
	ck_assert_double_eq_tol(w, 0.21, 1e-12);
	/* vol scaling: 0.15 / 0.10 = 1.5; 0.15 / 0.05 = 3 -> 2. */
	p.scaling = SIZING_VOL;
	ck_assert_int_eq(sizing_weight(&p, 0.10, &w), 0);
	ck_assert_double_eq_tol(w, 1.5, 1e-12);
	ck_assert_int_eq(sizing_weight(&p, 0.05, &w), 0);
	ck_assert(w == 2.0);
	/* A flat series: vol 0, min_vol 1% used, weight capped. */
	p.scaling = SIZING_VARIANCE;
	for (i = 0; i < 21; i++)
		r[i] = 0.001;
	ck_assert_int_eq(sizing_realised_vol(&p, r, 21, &vol, NULL), 0);
	ck_assert_double_eq_tol(vol, 0, 1e-15);
	ck_assert_int_eq(sizing_weight(&p, vol, &w), 0);
	ck_assert(w == 2.0);
	/* Other floor and cap. */
	p.floor = 0.5;
	p.cap = 1.0;
	ck_assert_int_eq(sizing_weight(&p, 0.60, &w), 0);
	ck_assert(w == 0.5);
	ck_assert_int_eq(sizing_weight(&p, 0.05, &w), 0);
	ck_assert(w == 1.0);
	ck_assert_int_eq(sizing_weight(&p, NAN, &w), -1);
	ck_assert(isnan(w));
	ck_assert_int_eq(sizing_weight(&p, -0.1, &w), -1);
}
END_TEST

/* Capital per strategy: listed, "*", manual "", and bad lists. */
START_TEST(test_capital)
{
	struct sizing_params p;
	double c;
	char *cause = NULL;

	params(&p, SIZING_VARIANCE);
	ck_assert_int_eq(sizing_capital(&p, "meanrev", &c, NULL), 0);
	ck_assert(c == 50000);
	ck_assert_int_eq(sizing_capital(&p, "termstruct", &c, NULL), 0);
	ck_assert(c == 25000);
	ck_assert_int_eq(sizing_capital(&p, "", &c, NULL), 0);
	ck_assert(c == 25000);
	ck_assert_int_eq(sizing_capital_parse(&p, "volarb:1e5", &cause), 0);
	ck_assert_int_eq(sizing_capital(&p, "volarb", &c, NULL), 0);
	ck_assert(c == 100000);
	ck_assert_int_eq(sizing_capital(&p, "meanrev", &c, &cause), -1);
	ck_assert_msg(strstr(cause, "meanrev") != NULL, "%s", cause);
	free(cause);

	ck_assert_int_eq(sizing_capital_parse(&p, "volarb", &cause), -1);
	ck_assert(strstr(cause, "entry 1") != NULL);
	free(cause);
	ck_assert_int_eq(sizing_capital_parse(&p, "volarb:1,meanrev:abc", &cause), -1);
	ck_assert(strstr(cause, "entry 2") != NULL);
	free(cause);
	ck_assert_int_eq(sizing_capital_parse(&p, "volarb:-5", &cause), -1);
	free(cause);
	ck_assert_int_eq(sizing_capital_parse(&p, ":5", &cause), -1);
	free(cause);
	ck_assert_int_eq(sizing_capital_parse(&p, "a:1,a:2", &cause), -1);
	ck_assert(strstr(cause, "twice") != NULL);
	free(cause);
	ck_assert_int_eq(sizing_capital_parse(&p, "*:1,*:2", &cause), -1);
	free(cause);
	ck_assert_int_eq(sizing_capital_parse(&p, "a:1,,b:2", &cause), -1);
	free(cause);
	ck_assert_int_eq(sizing_capital_parse(&p, "volarb:nan", &cause), -1);
	free(cause);
}
END_TEST

/*
 * Quantities: the exact series (weight 0.848214285714), volarb capital
 * 100,000, hint 0.5: budget 42,410.714...; at 50.00 a share, 848 shares
 * (848.21 rounded down); an option at 2.10 x 100: 201 contracts (201.96);
 * an instrument dearer than the budget: 0.
 */
START_TEST(test_qty)
{
	struct sizing_params p;
	struct sizing_result s;
	double r[20];
	char *cause = NULL;
	int i;

	params(&p, SIZING_VARIANCE);
	p.window = 20;
	for (i = 0; i < 20; i++)
		r[i] = i % 2 ? -0.01 : 0.01;
	ck_assert_int_eq(sizing_qty(&p, "volarb", r, 20, 0.5, 50.00, 1, &s, &cause), 0);
	ck_assert_double_eq_tol(s.weight, 0.4275 / 0.504, 1e-12);
	ck_assert_double_eq_tol(s.budget, 100000 * 0.5 * 0.4275 / 0.504, 1e-7);
	ck_assert(s.capital == 100000 && s.qty == 848);
	ck_assert_int_eq(sizing_qty(&p, "volarb", r, 20, 0.5, 2.10, 100, &s, &cause), 0);
	ck_assert(s.qty == 201);
	ck_assert_int_eq(sizing_qty(&p, "volarb", r, 20, 0.5, 50000, 1, &s, &cause), 0);
	ck_assert(s.qty == 0);
	ck_assert_int_eq(sizing_qty(&p, "volarb", r, 20, 0, 50, 1, &s, &cause), 0);
	ck_assert(s.qty == 0);
	/* A budget that buys exactly 1000 units: 1000, not 999. */
	p.floor = p.cap = 1;
	ck_assert_int_eq(sizing_qty(&p, "volarb", r, 20, 0.3, 30, 1, &s, &cause), 0);
	ck_assert(s.qty == 1000);
	p.floor = 0.2;
	p.cap = 2;

	ck_assert_int_eq(sizing_qty(&p, "volarb", r, 20, 1.5, 50, 1, &s, &cause), -1);
	ck_assert(strstr(cause, "hint") != NULL);
	free(cause);
	ck_assert_int_eq(sizing_qty(&p, "volarb", r, 20, NAN, 50, 1, &s, &cause), -1);
	free(cause);
	ck_assert_int_eq(sizing_qty(&p, "volarb", r, 20, 0.5, 0, 1, &s, &cause), -1);
	free(cause);
	ck_assert_int_eq(sizing_qty(&p, "volarb", r, 19, 0.5, 50, 1, &s, &cause), -1);
	ck_assert(strstr(cause, "19 daily returns") != NULL);
	free(cause);
	r[19] = NAN;
	ck_assert_int_eq(sizing_qty(&p, "volarb", r, 20, 0.5, 50, 1, &s, &cause), -1);
	ck_assert(strstr(cause, "return 20") != NULL);
	free(cause);
	ck_assert(s.qty == 0);
}
END_TEST

/* sizing_params_from_conf: the documented defaults, and errors naming
 * the key. */
START_TEST(test_from_conf)
{
	struct conf *c = conf_new();
	struct sizing_params p;
	char *cause = NULL;
	double cap;

	ck_assert_int_eq(sizing_params_from_conf(c, &p, &cause), 0);
	ck_assert(p.target_vol == 0.15 && p.window == 21 && p.floor == 0.2 && p.cap == 2.0);
	ck_assert(p.min_vol == 0.01 && p.scaling == SIZING_VARIANCE);
	ck_assert_int_eq(sizing_capital(&p, "meanrev", &cap, NULL), 0);
	ck_assert(cap == 100000);
	ck_assert_int_eq(sizing_capital(&p, "", &cap, NULL), 0);
	ck_assert(cap == 25000);
	ck_assert_int_eq(conf_set(c, "sizing.scaling", "vol", &cause), 0);
	ck_assert_int_eq(sizing_params_from_conf(c, &p, &cause), 0);
	ck_assert_int_eq(p.scaling, SIZING_VOL);
	ck_assert_int_eq(conf_set(c, "sizing.capital", "volarb=5", &cause), 0);
	ck_assert_int_eq(sizing_params_from_conf(c, &p, &cause), -1);
	ck_assert_msg(strstr(cause, "sizing.capital") != NULL, "%s", cause);
	free(cause);
	ck_assert_int_eq(conf_set(c, "sizing.capital", "*:5", &cause), 0);
	ck_assert_int_eq(conf_set(c, "sizing.floor", "3", &cause), 0);
	ck_assert_int_eq(sizing_params_from_conf(c, &p, &cause), -1);
	ck_assert_msg(strstr(cause, "sizing.floor") != NULL, "%s", cause);
	free(cause);
	conf_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sizing");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_exact_series);
	tcase_add_test(tc, test_generated_series);
	tcase_add_test(tc, test_floor_cap);
	tcase_add_test(tc, test_capital);
	tcase_add_test(tc, test_qty);
	tcase_add_test(tc, test_from_conf);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
