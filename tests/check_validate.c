/*
 * check_validate.c -- the validation rules (validate.c), the market state
 * with its quarantine and snapshots (market-state.c), and the feed runner
 * (feed.c).
 *
 * Every rule gets a case it must catch and clean data it must pass.  The
 * clean option chains are priced by Black-Scholes-Merton (models/bs.h)
 * from a smooth smile whose total variance grows with maturity: such a
 * surface is free of static arbitrage by construction, so any rejection
 * of a clean row is a false positive.  Implied vols filled in by the
 * validation are compared with the vols the prices were made from (a
 * second method: Jaeckel's inversion against the forward formula).
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bs.h"
#include "conf.h"
#include "feed.h"
#include "log.h"
#include "market-state.h"
#include "market.h"
#include "util.h"
#include "validate.h"

#define S0 100.0
#define RATE 0.03
#define DIV 0.01
#define T0 1704229200.0         /* 2024-01-02 21:00 UTC */

/* The smile of the clean chains. */
static double smile(double K, double T)
{
	double k = log(K / (S0 * exp((RATE - DIV) * T)));

	return 0.2 + 0.1 * k * k;
}

/* A clean chain: nexp expiries from 0.25 years, strikes 80..120 by 5,
 * calls and (when puts) puts, bid/ask 0.05 around the BSM price. */
static void clean_chain(struct option_chain *c, int nexp, int puts, double half)
{
	int e, k, right;

	market_chain_init(c, "TEST");
	c->time = T0;
	c->spot = S0;
	c->rate = RATE;
	c->dividend = DIV;
	for (e = 0; e < nexp; e++) {
		double T = 0.25 * (e + 1);

		for (k = 80; k <= 120; k += 5) {
			for (right = 0; right <= puts; right++) {
				struct option_quote oq;
				double p;

				market_option_init(&oq);
				strcpy(oq.opt.underlying, "TEST");
				oq.opt.strike = k;
				oq.opt.right = right ? OPT_RIGHT_PUT : OPT_RIGHT_CALL;
				oq.opt.expiry = market_date_from_epoch(T0 + T * 365 * 86400);
				oq.maturity = T;
				ck_assert_int_eq(bs_price(right ? BS_PUT : BS_CALL, S0, k, T, smile(k, T),
				    RATE, DIV, &p), 0);
				/* the mid is the price: cheap options get a
				 * narrower spread */
				oq.q.bid = p - fmin(half, 0.5 * p);
				oq.q.ask = p + fmin(half, 0.5 * p);
				oq.q.exch_time = oq.q.recv_time = T0;
				market_occ_format(&oq.opt, oq.opt.symbol, sizeof oq.opt.symbol);
				market_chain_add(c, &oq);
			}
		}
	}
}

/* Finds an option of a chain. */
static struct option_quote *find(struct option_chain *c, double T, double K, int call)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (fabs(c->opts[i].maturity - T) < 1e-12 && c->opts[i].opt.strike == K &&
		    (c->opts[i].opt.right == OPT_RIGHT_CALL) == call)
			return &c->opts[i];
	}
	ck_abort_msg("no option T %g K %g", T, K);
	return NULL;
}

/* Runs validate_chain with a calendar tolerance; returns the verdicts
 * (caller frees). */
static struct validate_verdict *run_cal(struct option_chain *c, size_t *bad, double cal_tol)
{
	struct validate_cfg cfg;
	struct validate_verdict *v = xcalloc(c->n, sizeof *v);

	validate_cfg_default(&cfg);
	cfg.calendar_tol = cal_tol;
	*bad = validate_chain(&cfg, c, v);
	return v;
}

/* Runs validate_chain with the default thresholds. */
static struct validate_verdict *run(struct option_chain *c, size_t *bad)
{
	return run_cal(c, bad, 0.01);
}

/* Asserts that exactly the options at indexes want[0..n) were rejected,
 * each for reason. */
static void expect_rejected(struct option_chain *c, struct validate_verdict *v, size_t bad,
    const struct option_quote *const *want, size_t n, enum vreason reason)
{
	size_t i, j;

	ck_assert_msg(bad == n, "%zu rejected, expected %zu", bad, n);
	for (i = 0; i < c->n; i++) {
		int wanted = 0;

		for (j = 0; j < n; j++)
			wanted |= &c->opts[i] == want[j];
		if (wanted)
			ck_assert_msg(v[i].reason == reason, "row %zu: %s (%s), expected %s", i,
			    validate_reason_name(v[i].reason), v[i].detail,
			    validate_reason_name(reason));
		else
			ck_assert_msg(v[i].reason == VR_OK, "clean row %zu K %g T %g rejected: %s",
			    i, c->opts[i].opt.strike, c->opts[i].maturity, v[i].detail);
	}
}

START_TEST(test_quote_rules)
{
	struct validate_cfg cfg;
	struct quote q;
	char d[VALIDATE_DETAIL_MAX];

	validate_cfg_default(&cfg);
	memset(&q, 0, sizeof q);
	strcpy(q.symbol, "X");
	q.bid = 10;
	q.ask = 10.02;
	q.last = 10.01;
	q.exch_time = 1000;
	q.recv_time = 1000.5;
	ck_assert_int_eq(validate_quote(&cfg, &q, 999, d, sizeof d), VR_OK);
	/* a last-only quote and a zero bid are fine */
	q.bid = q.ask = NAN;
	ck_assert_int_eq(validate_quote(&cfg, &q, NAN, d, sizeof d), VR_OK);
	q.bid = 0;
	q.ask = 0.05;
	ck_assert_int_eq(validate_quote(&cfg, &q, NAN, d, sizeof d), VR_OK);
	q.bid = 10;
	q.ask = 10.02;
	q.last = NAN;
	q.bid = NAN;
	ck_assert_int_eq(validate_quote_prices(&q, d, sizeof d), VR_MISSING);
	ck_assert_ptr_nonnull(strstr(d, "one-sided"));
	q.bid = q.ask = q.last = NAN;
	ck_assert_int_eq(validate_quote_prices(&q, d, sizeof d), VR_MISSING);
	q.bid = 10;
	q.ask = INFINITY;
	ck_assert_int_eq(validate_quote_prices(&q, d, sizeof d), VR_MISSING);
	q.ask = 0;
	q.bid = 0;
	ck_assert_int_eq(validate_quote_prices(&q, d, sizeof d), VR_NONPOSITIVE);
	q.ask = 1;
	q.bid = -0.01;
	ck_assert_int_eq(validate_quote_prices(&q, d, sizeof d), VR_NONPOSITIVE);
	q.bid = 0.5;
	q.last = -1;
	ck_assert_int_eq(validate_quote_prices(&q, d, sizeof d), VR_NONPOSITIVE);
	q.last = NAN;
	q.bid = 1.25;
	q.ask = 1.2;
	ck_assert_int_eq(validate_quote_prices(&q, d, sizeof d), VR_CROSSED);
	ck_assert_str_eq(d, "bid 1.25 > ask 1.2");
	/* width: 0.5 x mid or 0.25, whichever is larger */
	q.bid = 1;
	q.ask = 2;
	ck_assert_int_eq(validate_quote_width(&cfg, &q, d, sizeof d), VR_WIDE);
	q.ask = 1.6;
	ck_assert_int_eq(validate_quote_width(&cfg, &q, d, sizeof d), VR_OK);
	q.bid = 0.01;
	q.ask = 0.26;
	ck_assert_int_eq(validate_quote_width(&cfg, &q, d, sizeof d), VR_OK);
	q.ask = 0.27;
	ck_assert_int_eq(validate_quote_width(&cfg, &q, d, sizeof d), VR_WIDE);
	/* time */
	q.exch_time = 1000;
	q.recv_time = 1000 + 1201;
	ck_assert_int_eq(validate_quote_time(&cfg, &q, NAN, d, sizeof d), VR_STALE);
	q.recv_time = 1000 + 1199;
	ck_assert_int_eq(validate_quote_time(&cfg, &q, NAN, d, sizeof d), VR_OK);
	q.recv_time = 1000 - 6;
	ck_assert_int_eq(validate_quote_time(&cfg, &q, NAN, d, sizeof d), VR_STALE);
	ck_assert_ptr_nonnull(strstr(d, "after receipt"));
	q.recv_time = 1000;
	ck_assert_int_eq(validate_quote_time(&cfg, &q, 1000.5, d, sizeof d), VR_STALE);
	ck_assert_int_eq(validate_quote_time(&cfg, &q, 1000, d, sizeof d), VR_OK);
	q.exch_time = INFINITY;
	ck_assert_int_eq(validate_quote_time(&cfg, &q, NAN, d, sizeof d), VR_STALE);
	/* iv range */
	ck_assert_int_eq(validate_iv_range(&cfg, 0.2, d, sizeof d), VR_OK);
	ck_assert_int_eq(validate_iv_range(&cfg, 2.5, d, sizeof d), VR_IV);
	ck_assert_int_eq(validate_iv_range(&cfg, 0.001, d, sizeof d), VR_IV);
	ck_assert_int_eq(validate_iv_range(&cfg, NAN, d, sizeof d), VR_IV);
	/* names */
	ck_assert_int_eq(validate_reason_parse("butterfly"), VR_BUTTERFLY);
	ck_assert_int_eq(validate_reason_parse("nope"), -1);
	ck_assert_str_eq(validate_reason_name(VR_CROSSED), "crossed");
}
END_TEST

START_TEST(test_bar_rules)
{
	struct bar b = { "X", 1000, 10, 11, 9, 10.5, 100 };
	char d[VALIDATE_DETAIL_MAX];

	ck_assert_int_eq(validate_bar(&b, d, sizeof d), VR_OK);
	b.volume = NAN;
	ck_assert_int_eq(validate_bar(&b, d, sizeof d), VR_OK);
	b.volume = -1;
	ck_assert_int_eq(validate_bar(&b, d, sizeof d), VR_BAR);
	b.volume = 1;
	b.high = 8.9;
	ck_assert_int_eq(validate_bar(&b, d, sizeof d), VR_BAR);
	b.high = 11;
	b.close = 11.5;
	ck_assert_int_eq(validate_bar(&b, d, sizeof d), VR_BAR);
	b.close = NAN;
	ck_assert_int_eq(validate_bar(&b, d, sizeof d), VR_MISSING);
	b.close = 10;
	b.low = 0;
	ck_assert_int_eq(validate_bar(&b, d, sizeof d), VR_NONPOSITIVE);
	b.low = 9;
	b.time = NAN;
	ck_assert_int_eq(validate_bar(&b, d, sizeof d), VR_MISSING);
}
END_TEST

START_TEST(test_chain_clean)
{
	struct option_chain c;
	struct validate_verdict *v;
	size_t bad, i;

	clean_chain(&c, 4, 1, 0.05);
	v = run(&c, &bad);
	expect_rejected(&c, v, bad, NULL, 0, VR_OK);
	/* the vols validation filled in are the ones the prices came from */
	for (i = 0; i < c.n; i++) {
		double T = c.opts[i].maturity, K = c.opts[i].opt.strike;

		ck_assert_double_eq_tol(c.opts[i].implied_vol, smile(K, T), 1e-9);
		ck_assert_double_eq_tol(c.opts[i].forward, S0 * exp((RATE - DIV) * T), 1e-12);
	}
	free(v);
	/* the same without rate, dividend and spot: the forward from parity */
	for (i = 0; i < c.n; i++)
		c.opts[i].implied_vol = c.opts[i].forward = NAN;
	c.rate = c.dividend = c.spot = NAN;
	v = run(&c, &bad);
	expect_rejected(&c, v, bad, NULL, 0, VR_OK);
	for (i = 0; i < c.n; i++) {
		double T = c.opts[i].maturity;

		ck_assert_double_eq_tol(c.opts[i].forward, S0 * exp((RATE - DIV) * T), 1e-9);
		ck_assert_double_eq_tol(c.opts[i].implied_vol, smile(c.opts[i].opt.strike, T), 1e-7);
	}
	free(v);
	market_chain_free(&c);
}
END_TEST

START_TEST(test_chain_row_rules)
{
	struct option_chain c;
	struct validate_verdict *v;
	const struct option_quote *want[2];
	struct option_quote *o;
	size_t bad;

	clean_chain(&c, 2, 1, 0.05);
	o = find(&c, 0.25, 100, 1);
	o->q.bid = o->q.ask + 0.1;
	want[0] = o;
	v = run(&c, &bad);
	expect_rejected(&c, v, bad, want, 1, VR_CROSSED);
	free(v);
	market_chain_free(&c);

	clean_chain(&c, 2, 1, 0.05);
	o = find(&c, 0.5, 90, 0);
	o->q.bid = o->q.ask = 0;
	want[0] = o;
	v = run(&c, &bad);
	expect_rejected(&c, v, bad, want, 1, VR_NONPOSITIVE);
	free(v);
	market_chain_free(&c);

	clean_chain(&c, 2, 1, 0.05);
	o = find(&c, 0.5, 90, 0);
	o->q.bid = o->q.ask = NAN;
	want[0] = o;
	v = run(&c, &bad);
	expect_rejected(&c, v, bad, want, 1, VR_MISSING);
	free(v);
	market_chain_free(&c);

	clean_chain(&c, 2, 1, 0.05);
	o = find(&c, 0.25, 110, 1);
	o->q.bid = 0.5;
	o->q.ask = 3;
	want[0] = o;
	v = run(&c, &bad);
	expect_rejected(&c, v, bad, want, 1, VR_WIDE);
	free(v);
	market_chain_free(&c);

	clean_chain(&c, 2, 1, 0.05);
	o = find(&c, 0.25, 110, 1);
	o->q.exch_time = T0 - 86400;
	want[0] = o;
	v = run(&c, &bad);
	expect_rejected(&c, v, bad, want, 1, VR_STALE);
	free(v);
	market_chain_free(&c);

	/* an expired option */
	clean_chain(&c, 2, 1, 0.05);
	o = find(&c, 0.25, 110, 1);
	o->maturity = -0.01;
	want[0] = o;
	v = run(&c, &bad);
	expect_rejected(&c, v, bad, want, 1, VR_STALE);
	free(v);
	market_chain_free(&c);
}
END_TEST

START_TEST(test_chain_iv_rules)
{
	struct option_chain c;
	struct validate_verdict *v;
	const struct option_quote *want[1];
	struct option_quote *o;
	size_t bad;
	double p, D = exp(-RATE * 0.5), F = S0 * exp((RATE - DIV) * 0.5);

	/* a deep in-the-money call quoted below its intrinsic value */
	clean_chain(&c, 2, 1, 0.05);
	o = find(&c, 0.5, 80, 1);
	o->q.bid = D * (F - 80) - 0.6;
	o->q.ask = D * (F - 80) - 0.5;
	want[0] = o;
	v = run(&c, &bad);
	expect_rejected(&c, v, bad, want, 1, VR_IV);
	ck_assert_ptr_nonnull(strstr(v[o - c.opts].detail, "below intrinsic"));
	free(v);
	market_chain_free(&c);

	/* an implied vol of 300% (iv_max is 200%) */
	clean_chain(&c, 2, 1, 0.05);
	o = find(&c, 0.5, 100, 0);
	ck_assert_int_eq(bs_price(BS_PUT, S0, 100, 0.5, 3.0, RATE, DIV, &p), 0);
	o->q.bid = p - 0.05;
	o->q.ask = p + 0.05;
	want[0] = o;
	v = run(&c, &bad);
	expect_rejected(&c, v, bad, want, 1, VR_IV);
	free(v);
	market_chain_free(&c);

	/* vol-only rows: a vol out of range */
	clean_chain(&c, 2, 1, 0.05);
	o = find(&c, 0.5, 100, 0);
	o->q.bid = o->q.ask = NAN;
	o->implied_vol = 0.001;
	want[0] = o;
	v = run(&c, &bad);
	expect_rejected(&c, v, bad, want, 1, VR_IV);
	free(v);
	market_chain_free(&c);
}
END_TEST

START_TEST(test_chain_parity)
{
	struct option_chain c;
	struct validate_verdict *v;
	const struct option_quote *want[2];
	struct option_quote *o;
	size_t bad;
	int pass;

	/* with a known forward, then with the forward from the pairs */
	for (pass = 0; pass < 2; pass++) {
		clean_chain(&c, 3, 1, 0.05);
		if (pass == 1)
			c.rate = c.dividend = c.spot = NAN;
		o = find(&c, 0.5, 105, 0);
		o->q.bid += 0.5;
		o->q.ask += 0.5;
		want[0] = o;
		want[1] = find(&c, 0.5, 105, 1);
		v = run(&c, &bad);
		expect_rejected(&c, v, bad, want, 2, VR_PARITY);
		free(v);
		/* within the spread plus parity_tol it passes */
		o->q.bid -= 0.5 - 0.14;
		o->q.ask -= 0.5 - 0.14;
		v = run(&c, &bad);
		expect_rejected(&c, v, bad, NULL, 0, VR_OK);
		free(v);
		market_chain_free(&c);
	}
}
END_TEST

START_TEST(test_chain_butterfly)
{
	struct option_chain c;
	struct validate_verdict *v;
	const struct option_quote *want[1];
	struct option_quote *o;
	size_t bad;

	/* one expiry of calls: the middle one made expensive */
	clean_chain(&c, 1, 0, 0.05);
	o = find(&c, 0.25, 100, 1);
	o->q.bid += 1.2;
	o->q.ask += 1.2;
	want[0] = o;
	v = run(&c, &bad);
	expect_rejected(&c, v, bad, want, 1, VR_BUTTERFLY);
	ck_assert_ptr_nonnull(strstr(v[o - c.opts].detail, "convex"));
	free(v);
	market_chain_free(&c);

	/* a call above the next lower strike's: not monotone */
	clean_chain(&c, 1, 0, 0.05);
	o = find(&c, 0.25, 115, 1);
	o->q.bid = find(&c, 0.25, 110, 1)->q.ask + 0.5;
	o->q.ask = o->q.bid + 0.1;
	want[0] = o;
	v = run(&c, &bad);
	expect_rejected(&c, v, bad, want, 1, VR_BUTTERFLY);
	free(v);
	market_chain_free(&c);

	/* the same bump hidden inside a wide spread is not an arbitrage */
	clean_chain(&c, 1, 0, 0.05);
	o = find(&c, 0.25, 100, 1);
	o->q.bid -= 0.1;
	o->q.ask += 0.1;
	v = run(&c, &bad);
	expect_rejected(&c, v, bad, NULL, 0, VR_OK);
	free(v);
	market_chain_free(&c);
}
END_TEST

START_TEST(test_chain_calendar)
{
	struct option_chain c;
	struct validate_verdict *v;
	const struct option_quote *want[1];
	struct option_quote oq;
	size_t bad, i;
	int e, k;

	/* vol-only calls, flat 40% at T = 0.5 and 28.3% at T = 1 (total
	 * variance 0.08 then 0.0801), forward given; a calendar tolerance of
	 * 0.1 vol point */
	market_chain_init(&c, "TEST");
	c.time = T0;
	for (e = 1; e <= 2; e++) {
		for (k = 80; k <= 120; k += 5) {
			market_option_init(&oq);
			strcpy(oq.opt.underlying, "TEST");
			oq.opt.strike = k;
			oq.maturity = 0.5 * e;
			oq.opt.expiry = market_date_from_epoch(T0 + oq.maturity * 365 * 86400);
			oq.forward = 100;
			oq.rate = 0;
			oq.implied_vol = e == 1 ? 0.40 : 0.283;
			market_chain_add(&c, &oq);
		}
	}
	v = run_cal(&c, &bad, 0.001);
	expect_rejected(&c, v, bad, NULL, 0, VR_OK);
	free(v);
	/* at K = 100 the one-year vol drops to 27.5%: total variance 0.0756,
	 * less than at half a year by more than the tolerance (a drop small
	 * enough to leave the strikes free of arbitrage) */
	for (i = 0; i < c.n; i++) {
		if (c.opts[i].maturity == 1 && c.opts[i].opt.strike == 100)
			break;
	}
	c.opts[i].implied_vol = 0.275;
	want[0] = &c.opts[i];
	v = run_cal(&c, &bad, 0.001);
	expect_rejected(&c, v, bad, want, 1, VR_CALENDAR);
	free(v);
	/* 28.25% (0.0798) is within the tolerance */
	c.opts[i].implied_vol = 0.2825;
	v = run_cal(&c, &bad, 0.001);
	expect_rejected(&c, v, bad, NULL, 0, VR_OK);
	free(v);
	/* and 27.5% is within the default tolerance of 1 vol point */
	c.opts[i].implied_vol = 0.275;
	v = run(&c, &bad);
	expect_rejected(&c, v, bad, NULL, 0, VR_OK);
	free(v);
	market_chain_free(&c);
}
END_TEST

/* A quote for the market-state tests. */
static struct quote mkquote(const char *sym, double bid, double ask, double t)
{
	struct quote q;

	memset(&q, 0, sizeof q);
	snprintf(q.symbol, sizeof q.symbol, "%s", sym);
	q.bid = bid;
	q.ask = ask;
	q.last = NAN;
	q.bid_size = q.ask_size = q.volume = NAN;
	q.exch_time = q.recv_time = t;
	return q;
}

START_TEST(test_state_quotes_and_snapshots)
{
	struct mstate *ms = mstate_new(100);
	const struct mstate_snap *s1, *s2, *s3;
	struct quote q;
	struct mstate_counts n;

	q = mkquote("BBB", 10, 10.1, 100);
	ck_assert_int_eq(mstate_put_quote(ms, "t", &q), 0);
	q = mkquote("AAA", 20, 20.1, 100);
	ck_assert_int_eq(mstate_put_quote(ms, "t", &q), 0);
	s1 = mstate_snapshot(ms);
	ck_assert_uint_eq(mstate_snap_nquotes(s1), 2);
	ck_assert_str_eq(mstate_snap_quote_at(s1, 0)->symbol, "AAA");
	/* nothing changed: the same snapshot */
	s2 = mstate_snapshot(ms);
	ck_assert_ptr_eq(s1, s2);
	mstate_snap_release(s2);
	/* a newer quote replaces; an older one is stale; a crossed one is
	 * quarantined; the old snapshot does not change */
	q = mkquote("AAA", 21, 21.1, 101);
	ck_assert_int_eq(mstate_put_quote(ms, "t", &q), 0);
	q = mkquote("AAA", 22, 22.1, 99);
	ck_assert_int_eq(mstate_put_quote(ms, "t", &q), 1);
	q = mkquote("CCC", 5, 4, 100);
	ck_assert_int_eq(mstate_put_quote(ms, "t", &q), 1);
	ck_assert_double_eq(mstate_snap_quote(s1, "AAA")->bid, 20);
	ck_assert_ptr_null(mstate_snap_quote(s1, "CCC"));
	s3 = mstate_snapshot(ms);
	ck_assert_ptr_ne(s1, s3);
	ck_assert(mstate_snap_version(s3) > mstate_snap_version(s1));
	ck_assert_double_eq(mstate_snap_quote(s3, "AAA")->bid, 21);
	ck_assert_ptr_null(mstate_snap_quote(s3, "CCC"));
	mstate_get_counts(ms, &n);
	ck_assert_uint_eq(n.quotes, 3);
	ck_assert_uint_eq(n.quarantined[VR_STALE], 1);
	ck_assert_uint_eq(n.quarantined[VR_CROSSED], 1);
	ck_assert_uint_eq(n.quarantined_total, 2);
	mstate_free(ms);                /* snapshots outlive the state */
	ck_assert_double_eq(mstate_snap_quote(s3, "BBB")->ask, 10.1);
	mstate_snap_release(s1);
	mstate_snap_release(s3);
}
END_TEST

START_TEST(test_state_quarantine_ring)
{
	struct mstate *ms = mstate_new(16);
	struct quarantine_entry e[64];
	struct mstate_counts n;
	struct quote q;
	size_t got, i;
	char src[32];

	for (i = 0; i < 40; i++) {
		q = mkquote("X", i % 2 ? 2 : 0, i % 2 ? 1 : 0, 100);
		snprintf(src, sizeof src, "f.csv:%zu", i + 2);
		ck_assert_int_eq(mstate_put_quote(ms, src, &q), 1);
	}
	mstate_get_counts(ms, &n);
	ck_assert_uint_eq(n.quarantined_total, 40);
	ck_assert_uint_eq(n.quarantined[VR_CROSSED], 20);
	ck_assert_uint_eq(n.quarantined[VR_NONPOSITIVE], 20);
	ck_assert_uint_eq(n.ring_dropped, 24);
	got = mstate_quarantine_read(ms, 0, -INFINITY, -1, e, 64);
	ck_assert_uint_eq(got, 16);
	ck_assert_uint_eq(e[0].seq, 25);
	ck_assert_uint_eq(e[15].seq, 40);
	ck_assert_str_eq(e[15].source, "f.csv:41");
	ck_assert_str_eq(e[15].symbol, "X");
	got = mstate_quarantine_read(ms, 30, -INFINITY, VR_CROSSED, e, 64);
	ck_assert_uint_eq(got, 5);         /* 31 33 35 37 39: odd i, crossed */
	for (i = 0; i < got; i++)
		ck_assert_int_eq(e[i].reason, VR_CROSSED);
	got = mstate_quarantine_read(ms, 0, now_wall() + 60, -1, e, 64);
	ck_assert_uint_eq(got, 0);
	got = mstate_quarantine_read(ms, 0, -INFINITY, -1, e, 3);
	ck_assert_uint_eq(got, 3);
	mstate_free(ms);
}
END_TEST

START_TEST(test_state_bars)
{
	struct mstate *ms = mstate_new(100);
	const struct mstate_snap *s;
	const struct bar *b;
	struct bar in[5] = {
		{ "AAA", 200, 1, 1, 1, 1, 1 },
		{ "AAA", 100, 2, 2, 2, 2, 2 },
		{ "BBB", 100, 3, 3, 3, 3, 3 },
		{ "AAA", 300, 4, 3, 5, 4, 4 },          /* high < low: quarantined */
		{ "AAA", 100, 5, 5, 5, 5, 5 },          /* same time again: last wins */
	};
	unsigned char ok[5];
	size_t n;

	ck_assert_uint_eq(mstate_put_bars(ms, "t", NULL, in, 5, ok), 1);
	ck_assert(ok[0] && ok[1] && ok[2] && !ok[3] && ok[4]);
	s = mstate_snapshot(ms);
	b = mstate_snap_bars(s, "AAA", &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_double_eq(b[0].time, 100);
	ck_assert_double_eq(b[0].close, 5);
	ck_assert_double_eq(b[1].time, 200);
	mstate_snap_release(s);
	/* merging: a newer bar for 200 and a new one for 400 */
	in[0].close = in[0].open = in[0].high = in[0].low = 9;
	in[1] = (struct bar){ "AAA", 400, 7, 7, 7, 7, 7 };
	ck_assert_uint_eq(mstate_put_bars(ms, "t", NULL, in, 2, NULL), 0);
	s = mstate_snapshot(ms);
	b = mstate_snap_bars(s, "AAA", &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_double_eq(b[0].close, 5);
	ck_assert_double_eq(b[1].close, 9);
	ck_assert_double_eq(b[2].time, 400);
	ck_assert_uint_eq(mstate_snap_nseries(s), 2);
	ck_assert_str_eq(mstate_snap_series_symbol(s, 1), "BBB");
	ck_assert_ptr_null(mstate_snap_bars(s, "CCC", &n));
	ck_assert_uint_eq(n, 0);
	mstate_snap_release(s);
	mstate_free(ms);
}
END_TEST

START_TEST(test_state_chains_merge)
{
	struct mstate *ms = mstate_new(100);
	const struct mstate_snap *s;
	const struct option_chain *c;
	struct option_chain a, b, only;
	unsigned char *ok;
	size_t i, n1 = 0, n2 = 0;
	double shift = 3600 / (365.0 * 86400);
	int exp05;

	clean_chain(&a, 3, 1, 0.05);            /* T 0.25, 0.5, 0.75 */
	ok = xcalloc(a.n, 1);
	ck_assert_uint_eq(mstate_put_chain(ms, "t", NULL, &a, ok), 0);
	for (i = 0; i < a.n; i++)
		ck_assert(ok[i]);
	free(ok);
	exp05 = find(&a, 0.5, 100, 1)->opt.expiry;
	/* an hour later, a chain of the 0.5 expiry only, its quotes a cent
	 * higher, one of them crossed */
	clean_chain(&b, 2, 1, 0.05);
	market_chain_init(&only, "TEST");
	only.time = T0 + 3600;
	only.spot = S0;
	only.rate = RATE;
	only.dividend = DIV;
	for (i = 0; i < b.n; i++) {
		struct option_quote oq = b.opts[i];

		if (oq.opt.expiry != exp05)
			continue;
		oq.maturity -= shift;
		oq.q.bid += 0.01;
		oq.q.ask += 0.01;
		market_chain_add(&only, &oq);
	}
	ck_assert_uint_eq(only.n, 18);
	only.opts[0].q.bid = only.opts[0].q.ask + 1;
	ck_assert_uint_eq(mstate_put_chain(ms, "t", NULL, &only, NULL), 1);
	s = mstate_snapshot(ms);
	c = mstate_snap_chain(s, "TEST");
	ck_assert_ptr_nonnull(c);
	ck_assert_double_eq(c->time, T0 + 3600);
	for (i = 0; i < c->n; i++) {
		const struct option_quote *o = &c->opts[i];
		const struct option_quote *old = find(&a, o->opt.expiry == exp05 ? 0.5 :
		    round((o->maturity + shift) * 4) / 4, o->opt.strike,
		    o->opt.right == OPT_RIGHT_CALL);

		if (o->opt.expiry == exp05) {
			n2++;
			ck_assert_double_eq_tol(o->q.bid, old->q.bid + 0.01, 1e-12);
		} else {
			n1++;
			ck_assert_double_eq(o->q.bid, old->q.bid);
			/* kept rows' maturities moved with the clock */
			ck_assert_double_eq_tol(o->maturity, old->maturity - shift, 1e-12);
		}
		if (i > 0)
			ck_assert(c->opts[i - 1].opt.expiry <= o->opt.expiry);
	}
	ck_assert_uint_eq(n2, 17);              /* 18 minus the crossed one */
	ck_assert_uint_eq(n1, 36);              /* 0.25 and 0.75 kept */
	ck_assert_ptr_null(mstate_snap_chain(s, "NONE"));
	mstate_snap_release(s);
	market_chain_free(&a);
	market_chain_free(&b);
	market_chain_free(&only);
	mstate_free(ms);
}
END_TEST

struct thread_arg {
	struct mstate *ms;
	int id;
	int stop;
	unsigned long checks;
};

/* Writes quotes and bars for its own symbols. */
static void *writer(void *p)
{
	struct thread_arg *a = p;
	int i;

	for (i = 0; i < 3000; i++) {
		char sym[16];
		struct quote q;
		struct bar b;

		snprintf(sym, sizeof sym, "W%dS%d", a->id, i % 7);
		q = mkquote(sym, 100 + i, 100.5 + i, i);
		mstate_put_quote(a->ms, "w", &q);
		memset(&b, 0, sizeof b);
		strcpy(b.symbol, sym);
		b.time = i;
		b.open = b.high = b.low = b.close = 1 + i;
		b.volume = 1;
		mstate_put_bar(a->ms, "w", &b);
		if (i % 100 == 0) {
			q.bid = q.ask + 1;      /* crossed */
			mstate_put_quote(a->ms, "w", &q);
		}
	}
	return NULL;
}

/* Takes snapshots and checks what every snapshot must satisfy. */
static void *reader(void *p)
{
	struct thread_arg *a = p;

	while (!__atomic_load_n(&a->stop, __ATOMIC_SEQ_CST)) {
		const struct mstate_snap *s = mstate_snapshot(a->ms);
		size_t i, n, k;

		for (i = 0; i < mstate_snap_nquotes(s); i++) {
			const struct quote *q = mstate_snap_quote_at(s, i);

			ck_assert(q->bid <= q->ask);
			if (i > 0)
				ck_assert(strcmp(mstate_snap_quote_at(s, i - 1)->symbol, q->symbol) < 0);
		}
		for (i = 0; i < mstate_snap_nseries(s); i++) {
			const struct bar *b = mstate_snap_bars(s, mstate_snap_series_symbol(s, i), &n);

			for (k = 1; k < n; k++)
				ck_assert(b[k - 1].time < b[k].time);
		}
		mstate_snap_release(s);
		a->checks++;
	}
	return NULL;
}

START_TEST(test_state_threads)
{
	struct mstate *ms = mstate_new(1000);
	pthread_t w[4], r[2];
	struct thread_arg wa[4], ra[2];
	struct mstate_counts n;
	int i;

	for (i = 0; i < 2; i++) {
		ra[i] = (struct thread_arg){ ms, i, 0, 0 };
		pthread_create(&r[i], NULL, reader, &ra[i]);
	}
	for (i = 0; i < 4; i++) {
		wa[i] = (struct thread_arg){ ms, i, 0, 0 };
		pthread_create(&w[i], NULL, writer, &wa[i]);
	}
	for (i = 0; i < 4; i++)
		pthread_join(w[i], NULL);
	for (i = 0; i < 2; i++) {
		__atomic_store_n(&ra[i].stop, 1, __ATOMIC_SEQ_CST);
		pthread_join(r[i], NULL);
		ck_assert(ra[i].checks > 0);
	}
	mstate_get_counts(ms, &n);
	ck_assert_uint_eq(n.quotes, 4 * 3000);
	ck_assert_uint_eq(n.bars, 4 * 3000);
	ck_assert_uint_eq(n.quarantined[VR_CROSSED], 4 * 30);
	mstate_free(ms);
}
END_TEST

/* --- the feed runner ---------------------------------------------------- */

struct fake {
	int polls, fail_first;
	double first_fail, retry;
};
static struct fake fake_state;

/* Opens the fake feed (one static state). */
static int fake_open(struct feed **out, struct conf *conf, char **cause)
{
	(void)conf;
	(void)cause;
	memset(&fake_state, 0, sizeof fake_state);
	fake_state.fail_first = 2;
	*out = (struct feed *)&fake_state;
	return 0;
}

/* Fails twice, then delivers one quote per poll. */
static int fake_poll(struct feed *f, const struct feed_sink *sink, double deadline,
    char **cause)
{
	struct fake *s = (struct fake *)f;
	struct quote q = mkquote("FAKE", 1, 1.1, 0);

	(void)deadline;
	s->polls++;
	if (s->polls <= s->fail_first) {
		if (s->polls == 1)
			s->first_fail = now_monotonic();
		else
			s->retry = now_monotonic() - s->first_fail;
		*cause = xstrdup("provider down");
		return -1;
	}
	q.exch_time = q.recv_time = s->polls;
	sink->on_quote(sink->arg, &q);
	return 0;
}

/* Closes the fake feed (nothing to free). */
static void fake_close(struct feed *f)
{
	(void)f;
}

static const struct feed_ops fake_ops = { "fake", fake_open, fake_poll, fake_close };

START_TEST(test_runner_backoff)
{
	struct mstate *ms = mstate_new(100);
	struct mstate_source src;
	struct feed_sink sink;
	struct feed_runner *r;
	struct feed_status st;
	char *cause = NULL;
	int i;

	mstate_sink_init(&sink, &src, ms, "fake");
	r = feed_start_ops(&fake_ops, NULL, &sink, &cause);
	ck_assert_msg(r != NULL, "%s", cause);
	feed_get_status(r, &st);
	ck_assert_int_eq(st.running, 1);
	for (i = 0; i < 400; i++) {
		struct timespec ts = { 0, 10000000 };

		feed_get_status(r, &st);
		if (st.events >= 3)
			break;
		nanosleep(&ts, NULL);
	}
	ck_assert_uint_eq(st.errors, 2);
	ck_assert_uint_ge(st.events, 3);
	ck_assert_int_eq(st.ok, 1);
	/* the first retry waited the minimum backoff (0.5 s) */
	ck_assert(fake_state.retry >= 0.45);
	feed_stop(r);
	{
		const struct mstate_snap *s = mstate_snapshot(ms);

		ck_assert_ptr_nonnull(mstate_snap_quote(s, "FAKE"));
		mstate_snap_release(s);
	}
	ck_assert_ptr_null(feed_start("nosuch", NULL, &sink, &cause));
	ck_assert_str_eq(cause, "unknown feed 'nosuch'");
	free(cause);
	mstate_free(ms);
}
END_TEST

START_TEST(test_runner_sim_and_csv)
{
	struct conf *conf = conf_new();
	struct mstate *ms = mstate_new(1000);
	struct mstate_source src;
	struct feed_sink sink;
	struct feed_runner *r;
	struct feed_status st;
	const struct mstate_snap *s;
	char *cause = NULL;
	double t0;
	int i;

	ck_assert_int_eq(conf_set(conf, "sim.history_days", "5", &cause), 0);
	ck_assert_int_eq(conf_set(conf, "sim.speed", "600", &cause), 0);
	ck_assert_int_eq(conf_set(conf, "sim.bad_tick_rate", "0", &cause), 0);
	mstate_sink_init(&sink, &src, ms, "sim");
	r = feed_start("sim", conf, &sink, &cause);
	ck_assert_msg(r != NULL, "%s", cause);
	for (i = 0; i < 1000; i++) {
		struct timespec ts = { 0, 10000000 };

		s = mstate_snapshot(ms);
		if (mstate_snap_nchains(s) == 6 && mstate_snap_nquotes(s) == 14) {
			mstate_snap_release(s);
			break;
		}
		mstate_snap_release(s);
		nanosleep(&ts, NULL);
	}
	feed_get_status(r, &st);
	ck_assert_int_eq(st.ok, 1);
	ck_assert_uint_eq(st.errors, 0);
	/* stop takes effect within one poll */
	t0 = now_monotonic();
	feed_stop(r);
	ck_assert(now_monotonic() - t0 < 1.0);
	s = mstate_snapshot(ms);
	ck_assert_uint_eq(mstate_snap_nchains(s), 6);
	ck_assert_ptr_nonnull(mstate_snap_quote(s, "SIMA"));
	ck_assert_ptr_nonnull(mstate_snap_quote(s, "PR4B"));
	mstate_snap_release(s);
	/* a second sim feed while one runs is refused */
	r = feed_start("sim", conf, &sink, &cause);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_null(feed_start("sim", conf, &sink, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "already running"));
	free(cause);
	cause = NULL;
	feed_stop(r);
	/* csv with nothing configured, and with a missing file */
	ck_assert_ptr_null(feed_start("csv", conf, &sink, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "nothing to replay"));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(conf_set(conf, "feed.csv_bars", "/nonexistent/bars.csv", &cause), 0);
	ck_assert_ptr_null(feed_start("csv", conf, &sink, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "/nonexistent/bars.csv: cannot open"));
	free(cause);
	mstate_free(ms);
	conf_free(conf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	log_set_stderr(0);              /* the runner's retries warn */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_quote_rules);
	tcase_add_test(tc, test_bar_rules);
	tcase_add_test(tc, test_chain_clean);
	tcase_add_test(tc, test_chain_row_rules);
	tcase_add_test(tc, test_chain_iv_rules);
	tcase_add_test(tc, test_chain_parity);
	tcase_add_test(tc, test_chain_butterfly);
	tcase_add_test(tc, test_chain_calendar);
	tcase_add_test(tc, test_state_quotes_and_snapshots);
	tcase_add_test(tc, test_state_quarantine_ring);
	tcase_add_test(tc, test_state_bars);
	tcase_add_test(tc, test_state_chains_merge);
	tcase_add_test(tc, test_state_threads);
	tcase_add_test(tc, test_runner_backoff);
	tcase_add_test(tc, test_runner_sim_and_csv);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
