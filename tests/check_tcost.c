/*
 * check_tcost.c -- the transaction cost model (tcost.c) against numbers
 * computed by hand from the formulas of tcost.h; the edge filter at its
 * boundary; TCA slippage signs for buys and sells; implementation
 * shortfall of a partly filled order worked by hand.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "tcost.h"
#include "util.h"

/* The documented defaults: k 1, $0.005/share, $0.65/contract, $1 minimum,
 * margin 1.5. */
static struct tcost_params P = { 1.0, 0.005, 0.65, 1.0, 1.5 };

/* Tolerance: the hand numbers are exact decimals or have 12+ digits. */
#define TOL 1e-9

/*
 * 10,000 shares at 99.95/100.05, daily vol 2%, ADV 1,000,000:
 * mid 100, notional 1,000,000, participation 0.01, sqrt 0.1;
 * half-spread 0.05 x 10,000 = 500 (5 bp); impact 1 x 0.02 x 0.1 x 100 =
 * 0.20 per share, 2,000 (20 bp); commission 0.005 x 10,000 = 50 (0.5 bp);
 * total 2,550 (25.5 bp).
 */
START_TEST(test_equity)
{
	struct tcost_estimate e;
	char *cause = NULL;

	ck_assert_int_eq(tcost_estimate(&P, 99.95, 100.05, 10000, 1, 0.02, 1e6, &e, &cause), 0);
	ck_assert_double_eq_tol(e.mid, 100, TOL);
	ck_assert_double_eq_tol(e.notional, 1e6, 1e-6);
	ck_assert_double_eq_tol(e.participation, 0.01, 1e-15);
	ck_assert_double_eq_tol(e.spread, 500, 1e-6);
	ck_assert_double_eq_tol(e.impact, 2000, 1e-6);
	ck_assert_double_eq_tol(e.commission, 50, 1e-9);
	ck_assert_double_eq_tol(e.total, 2550, 1e-6);
	ck_assert_double_eq_tol(e.spread_bp, 5, TOL);
	ck_assert_double_eq_tol(e.impact_bp, 20, TOL);
	ck_assert_double_eq_tol(e.commission_bp, 0.5, TOL);
	ck_assert_double_eq_tol(e.total_bp, 25.5, TOL);

	/* Quadrupling the size doubles the impact per share (square root):
	 * 40,000 shares: sqrt(0.04) = 0.2, 0.40 per share, 40 bp. */
	ck_assert_int_eq(tcost_estimate(&P, 99.95, 100.05, 40000, 1, 0.02, 1e6, &e, &cause), 0);
	ck_assert_double_eq_tol(e.impact_bp, 40, TOL);
	ck_assert_double_eq_tol(e.impact, 0.40 * 40000, 1e-6);

	/* 100 shares: 0.005 x 100 = 0.50, below the $1 minimum. */
	ck_assert_int_eq(tcost_estimate(&P, 99.95, 100.05, 100, 1, 0.02, 1e6, &e, &cause), 0);
	ck_assert_double_eq_tol(e.commission, 1.0, 1e-12);
	/* k = 0.5 halves the impact. */
	{
		struct tcost_params q = P;

		q.impact_k = 0.5;
		ck_assert_int_eq(tcost_estimate(&q, 99.95, 100.05, 10000, 1, 0.02, 1e6, &e,
		    &cause), 0);
		ck_assert_double_eq_tol(e.impact_bp, 10, TOL);
	}
}
END_TEST

/*
 * 10 option contracts (multiplier 100) at 2.00/2.20, daily vol 4%, ADV
 * 2,500 contracts: mid 2.10, notional 2,100; half-spread 0.10 x 1,000 =
 * 100 (476.190476 bp); participation 0.004, sqrt 0.0632455532034;
 * impact 0.04 x 0.0632455532034 x 2.10 x 1,000 = 5.31262646908
 * (25.2982212813 bp); commission 0.65 x 10 = 6.50 (30.9523809524 bp);
 * total 111.812626469 (532.441078424 bp).
 */
START_TEST(test_option)
{
	struct tcost_estimate e;

	ck_assert_int_eq(tcost_estimate(&P, 2.00, 2.20, 10, 100, 0.04, 2500, &e, NULL), 0);
	ck_assert_double_eq_tol(e.notional, 2100, 1e-9);
	ck_assert_double_eq_tol(e.spread, 100, 1e-9);
	ck_assert_double_eq_tol(e.spread_bp, 476.190476190476, 1e-8);
	ck_assert_double_eq_tol(e.impact, 5.31262646908, 1e-10);
	ck_assert_double_eq_tol(e.impact_bp, 25.2982212813, 1e-9);
	ck_assert_double_eq_tol(e.commission, 6.5, 1e-12);
	ck_assert_double_eq_tol(e.commission_bp, 30.9523809524, 1e-9);
	ck_assert_double_eq_tol(e.total, 111.812626469, 1e-8);
	ck_assert_double_eq_tol(e.total_bp, 532.441078424, 1e-8);
}
END_TEST

/* Bad inputs: -1, a cause naming the input, NaN outputs. */
START_TEST(test_bad_inputs)
{
	struct tcost_estimate e;
	char *cause = NULL;

	ck_assert_int_eq(tcost_estimate(&P, 100.05, 99.95, 100, 1, 0.02, 1e6, &e, &cause), -1);
	ck_assert(strstr(cause, "quote") != NULL && isnan(e.total));
	free(cause);
	ck_assert_int_eq(tcost_estimate(&P, NAN, 100, 100, 1, 0.02, 1e6, &e, &cause), -1);
	free(cause);
	ck_assert_int_eq(tcost_estimate(&P, 99, 100, 0, 1, 0.02, 1e6, &e, &cause), -1);
	ck_assert(strstr(cause, "quantity") != NULL);
	free(cause);
	ck_assert_int_eq(tcost_estimate(&P, 99, 100, 10, 0, 0.02, 1e6, &e, &cause), -1);
	free(cause);
	ck_assert_int_eq(tcost_estimate(&P, 99, 100, 10, 1, NAN, 1e6, &e, &cause), -1);
	ck_assert(strstr(cause, "volatility") != NULL);
	free(cause);
	ck_assert_int_eq(tcost_estimate(&P, 99, 100, 10, 1, -0.1, 1e6, &e, &cause), -1);
	free(cause);
	ck_assert_int_eq(tcost_estimate(&P, 99, 100, 10, 1, 0.02, 0, &e, &cause), -1);
	ck_assert(strstr(cause, "volume") != NULL);
	free(cause);
	ck_assert_int_eq(tcost_estimate(&P, 99, 100, 10, 1, 0.02, NAN, &e, NULL), -1);
}
END_TEST

/* The edge filter at its boundary: cost 25.5 bp, margin 1.5. */
START_TEST(test_edge)
{
	struct tcost_estimate e;

	ck_assert_int_eq(tcost_estimate(&P, 99.95, 100.05, 10000, 1, 0.02, 1e6, &e, NULL), 0);
	/* One way: 1.5 x 25.5 = 38.25 bp. */
	ck_assert_int_eq(tcost_edge_ok(&P, 38.25 + 1e-9, &e, 0), 1);
	ck_assert_int_eq(tcost_edge_ok(&P, 38.24, &e, 0), 0);
	/* Round trip: 1.5 x 51 = 76.5 bp. */
	ck_assert_int_eq(tcost_edge_ok(&P, 76.5 + 1e-9, &e, 1), 1);
	ck_assert_int_eq(tcost_edge_ok(&P, 76.4, &e, 1), 0);
	ck_assert_int_eq(tcost_edge_ok(&P, -5, &e, 0), 0);
	ck_assert_int_eq(tcost_edge_ok(&P, NAN, &e, 0), 0);
	e.total_bp = NAN;
	ck_assert_int_eq(tcost_edge_ok(&P, 1000, &e, 0), 0);
}
END_TEST

/* The spread floor: an option quoted 1.00 / 1.20 has a round-trip spread
 * of 0.20 / 1.10 = 1818.18 bp, so with margin 1.5 an edge needs 2727.27
 * bp; and (the second method) whenever the floor refuses an edge, the
 * full round-trip filter refuses it too, at every size, vol and volume. */
START_TEST(test_spread_floor)
{
	struct tcost_estimate e;
	double sbp, qty, vol, adv;

	ck_assert_int_eq(tcost_spread_ok(&P, 1030, 1.0, 1.2, &sbp), 0);
	ck_assert_double_eq_tol(sbp, 0.2 / 1.1 * 1e4, 1e-9);
	ck_assert_int_eq(tcost_spread_ok(&P, 2727.28, 1.0, 1.2, NULL), 1);
	ck_assert_int_eq(tcost_spread_ok(&P, 2727.27, 1.0, 1.2, NULL), 0);
	ck_assert_int_eq(tcost_spread_ok(&P, 3000, 1.0, 1.2, NULL), 1);
	/* cannot tell: no edge, no valid quote */
	ck_assert_int_eq(tcost_spread_ok(&P, NAN, 1.0, 1.2, &sbp), -1);
	ck_assert(isnan(sbp));
	ck_assert_int_eq(tcost_spread_ok(&P, 100, 0, 1.2, NULL), -1);
	ck_assert_int_eq(tcost_spread_ok(&P, 100, 1.3, 1.2, NULL), -1);
	ck_assert_int_eq(tcost_spread_ok(&P, 100, NAN, 1.2, NULL), -1);
	/* a zero spread: any edge >= 0 passes the floor */
	ck_assert_int_eq(tcost_spread_ok(&P, 0, 1.2, 1.2, NULL), 1);
	for (qty = 1; qty <= 1e5; qty *= 10)
		for (vol = 0; vol <= 0.05; vol += 0.025)
			for (adv = 10; adv <= 1e7; adv *= 100) {
				double edge;

				ck_assert_int_eq(tcost_estimate(&P, 1.0, 1.2, qty, 100, vol, adv, &e,
				    NULL), 0);
				for (edge = 0; edge < 4000; edge += 97)
					if (tcost_spread_ok(&P, edge, 1.0, 1.2, NULL) == 0)
						ck_assert_int_eq(tcost_edge_ok(&P, edge, &e, 1), 0);
			}
}
END_TEST

/* Slippage signs: positive = worse, for buys and sells. */
START_TEST(test_slippage_signs)
{
	double bp, cur;
	struct fill f;

	/* Buy at 100.03 against 100.00: paid 3 bp more, 0.03 x 200 = 6. */
	ck_assert_int_eq(tcost_slippage(1, 100.03, 100.00, 200, 1, &bp, &cur), 0);
	ck_assert_double_eq_tol(bp, 3, 1e-9);
	ck_assert_double_eq_tol(cur, 6, 1e-9);
	/* Buy at 99.98: 2 bp better. */
	ck_assert_int_eq(tcost_slippage(1, 99.98, 100.00, 200, 1, &bp, &cur), 0);
	ck_assert_double_eq_tol(bp, -2, 1e-9);
	ck_assert_double_eq_tol(cur, -4, 1e-9);
	/* Sell at 99.97: received 3 bp less: worse, positive. */
	ck_assert_int_eq(tcost_slippage(-1, 99.97, 100.00, 200, 1, &bp, &cur), 0);
	ck_assert_double_eq_tol(bp, 3, 1e-9);
	ck_assert_double_eq_tol(cur, 6, 1e-9);
	/* Sell at 100.02: better, negative. */
	ck_assert_int_eq(tcost_slippage(-1, 100.02, 100.00, 200, 1, &bp, &cur), 0);
	ck_assert_double_eq_tol(bp, -2, 1e-9);
	/* Options: 2 contracts sold at 4.90 against 5.00: 200 bp, 0.10 x 200 = 20. */
	ck_assert_int_eq(tcost_slippage(-1, 4.90, 5.00, 2, 100, &bp, &cur), 0);
	ck_assert_double_eq_tol(bp, 200, 1e-9);
	ck_assert_double_eq_tol(cur, 20, 1e-9);
	ck_assert_int_eq(tcost_slippage(1, 100, NAN, 1, 1, &bp, &cur), -1);
	ck_assert(isnan(bp) && isnan(cur));
	ck_assert_int_eq(tcost_slippage(0, 100, 100, 1, 1, &bp, &cur), -1);

	memset(&f, 0, sizeof f);
	f.side = 1;
	f.qty = 10;
	f.price = 50.05;
	f.multiplier = 1;
	f.arrival_mid = 50.00;
	ck_assert_int_eq(tcost_fill_tca(&f, NULL), 0);
	ck_assert_double_eq_tol(f.slippage_bp, 10, 1e-9);
	f.arrival_mid = NAN;
	{
		char *cause = NULL;

		ck_assert_int_eq(tcost_fill_tca(&f, &cause), -1);
		ck_assert_ptr_nonnull(cause);
		free(cause);
	}
}
END_TEST

/* Fills in an order and its fills for the shortfall tests. */
static void mk_shortfall(struct order *o, struct fill f[2], int side)
{
	memset(o, 0, sizeof *o);
	memset(f, 0, 2 * sizeof *f);
	strcpy(o->client_id, "QDX-1");
	o->side = side;
	o->qty = 1000;
	o->multiplier = 1;
	o->arrival_mid = 50.00;
	strcpy(f[0].client_id, "QDX-1");
	strcpy(f[1].client_id, "QDX-1");
	f[0].side = f[1].side = side;
	f[0].qty = 600;
	f[0].price = side > 0 ? 50.05 : 49.95;
	f[0].fee = 3;
	f[1].qty = 200;
	f[1].price = side > 0 ? 50.10 : 49.90;
	f[1].fee = 1;
}

/*
 * Buy 1,000 decided at 50.00; 600 at 50.05 and 200 at 50.10, fees 3 + 1;
 * 200 unfilled when the mid is 50.30.  Execution 600 x 0.05 + 200 x 0.10
 * = 50; fees 4; opportunity 200 x 0.30 = 60; total 114 on a paper
 * notional of 50,000: 22.8 bp.  The mirror-image sell gives the same; a
 * sell whose unfilled rest the market moved away from favourably has a
 * negative opportunity cost.
 */
START_TEST(test_shortfall)
{
	struct order o;
	struct fill f[2];
	struct tcost_shortfall s;
	char *cause = NULL;

	mk_shortfall(&o, f, 1);
	ck_assert_int_eq(tcost_shortfall(&o, f, 2, 50.30, &s, &cause), 0);
	ck_assert_double_eq_tol(s.filled, 800, 1e-12);
	ck_assert_double_eq_tol(s.unfilled, 200, 1e-12);
	ck_assert_double_eq_tol(s.avg_price, (600 * 50.05 + 200 * 50.10) / 800, 1e-12);
	ck_assert_double_eq_tol(s.execution, 50, 1e-8);
	ck_assert_double_eq_tol(s.fees, 4, 1e-12);
	ck_assert_double_eq_tol(s.opportunity, 60, 1e-8);
	ck_assert_double_eq_tol(s.total, 114, 1e-8);
	ck_assert_double_eq_tol(s.total_bp, 22.8, 1e-9);

	mk_shortfall(&o, f, -1);
	ck_assert_int_eq(tcost_shortfall(&o, f, 2, 49.70, &s, &cause), 0);
	ck_assert_double_eq_tol(s.total, 114, 1e-8);
	ck_assert_double_eq_tol(s.total_bp, 22.8, 1e-9);
	ck_assert_int_eq(tcost_shortfall(&o, f, 2, 50.30, &s, &cause), 0);
	ck_assert_double_eq_tol(s.opportunity, -60, 1e-8);
	ck_assert_double_eq_tol(s.total, -6, 1e-8);

	/* Fully filled: no final mid needed. */
	mk_shortfall(&o, f, 1);
	o.qty = 800;
	ck_assert_int_eq(tcost_shortfall(&o, f, 2, NAN, &s, &cause), 0);
	ck_assert_double_eq_tol(s.total, 54, 1e-8);
	/* Unfilled without a final mid, a fill of another order, an overfill. */
	o.qty = 1000;
	ck_assert_int_eq(tcost_shortfall(&o, f, 2, NAN, &s, &cause), -1);
	free(cause);
	strcpy(f[1].client_id, "QDX-2");
	ck_assert_int_eq(tcost_shortfall(&o, f, 2, 50.3, &s, &cause), -1);
	ck_assert(strstr(cause, "fill 2") != NULL);
	free(cause);
	strcpy(f[1].client_id, "QDX-1");
	o.qty = 700;
	ck_assert_int_eq(tcost_shortfall(&o, f, 2, 50.3, &s, &cause), -1);
	free(cause);
	o.qty = 1000;
	o.arrival_mid = NAN;
	ck_assert_int_eq(tcost_shortfall(&o, f, 2, 50.3, &s, &cause), -1);
	free(cause);
}
END_TEST

/* tcost_params_from_conf reads the documented defaults. */
START_TEST(test_from_conf)
{
	struct conf *c = conf_new();
	struct tcost_params p;

	ck_assert_int_eq(tcost_params_from_conf(c, &p, NULL), 0);
	ck_assert(p.impact_k == 1 && p.commission_per_share == 0.005);
	ck_assert(p.commission_per_contract == 0.65 && p.commission_min == 1);
	ck_assert(p.edge_margin == 1.5);
	conf_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tcost");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_equity);
	tcase_add_test(tc, test_option);
	tcase_add_test(tc, test_bad_inputs);
	tcase_add_test(tc, test_edge);
	tcase_add_test(tc, test_spread_floor);
	tcase_add_test(tc, test_slippage_signs);
	tcase_add_test(tc, test_shortfall);
	tcase_add_test(tc, test_from_conf);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
