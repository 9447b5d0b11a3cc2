/*
 * check_pretrade.c -- the pre-trade checks (pretrade.c): each check
 * refuses with its own reason and passes an order just inside its limit;
 * the documented order of the checks; the kill switch with risk-reducing
 * orders allowed or not; a burst of 1,000 orders refused in full with the
 * kill switch engaged; the rate limit against a naive sliding-window count
 * written here; the restricted list and the pretrade.* defaults.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "pretrade.h"
#include "util.h"

#define T0 1700000000.0         /* "now" of the tests */

static struct pretrade_limits lim;
static struct pretrade_history *hist;
static struct quote quote;
static struct pretrade_ctx ctx;
static struct order ord;
static char why[256];

/* Wide limits that a plain order passes, an empty history, a fresh
 * quote 449.95/450.05 for SPY and a buy of 100 SPY at 450. */
static void setup(void)
{
	memset(&lim, 0, sizeof lim);
	lim.stale_seconds = 10;
	lim.collar = 0.0625;            /* 1/16: 25 on a mid of 400, exactly */
	lim.max_qty = 1000;
	lim.max_notional = 1e7;
	lim.max_position = 10000;
	lim.dup_window = 5;
	lim.max_orders = 100;
	lim.rate_window = 60;
	hist = xcalloc(1, sizeof *hist);
	pretrade_history_init(hist);

	memset(&quote, 0, sizeof quote);
	snprintf(quote.symbol, sizeof quote.symbol, "SPY");
	quote.bid = 399.95;
	quote.ask = 400.05;
	quote.exch_time = T0 - 1;
	quote.recv_time = T0 - 1;

	memset(&ctx, 0, sizeof ctx);
	ctx.now = T0;
	ctx.quote = &quote;
	ctx.position = 0;
	ctx.buying_power = 1e9;

	memset(&ord, 0, sizeof ord);
	snprintf(ord.symbol, sizeof ord.symbol, "SPY");
	snprintf(ord.strategy, sizeof ord.strategy, "volarb");
	ord.side = 1;
	ord.type = ORDER_LIMIT;
	ord.qty = 100;
	ord.limit = 400;
	ord.multiplier = 1;
	ord.avg_price = NAN;
}

/* Frees the history. */
static void teardown(void)
{
	free(hist);
}

/* Runs the checks on ord and returns the reason. */
static int check(void)
{
	return pretrade_check(&lim, hist, &ord, &ctx, why, sizeof why);
}

/* Asserts the checks give reason r (and a reason text when refused). */
#define EXPECT(r) do { \
	int got_ = check(); \
	ck_assert_msg(got_ == (r), "line %d: got %s (%s), want %s", __LINE__, \
	    order_reason_name(got_), why, order_reason_name(r)); \
	if ((r) != OR_NONE) \
		ck_assert_msg(why[0] != '\0', "line %d: no reason text", __LINE__); \
} while (0)

/* Empties the history, so that duplicates and rate do not interfere. */
static void forget(void)
{
	pretrade_history_init(hist);
}

START_TEST(test_plain_passes)
{
	EXPECT(OR_NONE);
	ck_assert_uint_eq(hist->n, 1);
	/* A market order has no limit to collar and is priced at the far side. */
	ord.type = ORDER_MARKET;
	ord.limit = NAN;
	ord.qty = 101;
	EXPECT(OR_NONE);
}
END_TEST

START_TEST(test_malformed)
{
	ord.qty = NAN;
	EXPECT(OR_BAD_ORDER);
	ord.qty = 0;
	EXPECT(OR_BAD_ORDER);
	ord.qty = -100;
	EXPECT(OR_BAD_ORDER);
	ord.qty = 1.5;
	EXPECT(OR_BAD_ORDER);
	ord.qty = INFINITY;
	EXPECT(OR_BAD_ORDER);
	ord.qty = 100;
	ord.limit = NAN;
	EXPECT(OR_BAD_ORDER);
	ord.limit = -1;
	EXPECT(OR_BAD_ORDER);
	ord.limit = 400;
	ord.side = 0;
	EXPECT(OR_BAD_ORDER);
	ord.side = 2;
	EXPECT(OR_BAD_ORDER);
	ord.side = 1;
	ord.type = 7;
	EXPECT(OR_BAD_ORDER);
	ord.type = ORDER_LIMIT;
	ord.multiplier = 0;
	EXPECT(OR_BAD_ORDER);
	ord.multiplier = NAN;
	EXPECT(OR_BAD_ORDER);
	ord.multiplier = 1;
	ord.symbol[0] = '\0';
	EXPECT(OR_BAD_ORDER);
	memset(ord.symbol, 'A', sizeof ord.symbol);
	EXPECT(OR_BAD_ORDER);
	snprintf(ord.symbol, sizeof ord.symbol, "SPY");
	memset(ord.strategy, 'x', sizeof ord.strategy);
	EXPECT(OR_BAD_ORDER);
	snprintf(ord.strategy, sizeof ord.strategy, "volarb");
	EXPECT(OR_NONE);
	ck_assert_uint_eq(hist->n, 1);
}
END_TEST

START_TEST(test_restricted)
{
	char *cause = NULL;

	ck_assert_int_eq(pretrade_restricted_parse(&lim, " GME, amc ,SPY ", &cause), 0);
	ck_assert_uint_eq(lim.nrestricted, 3);
	EXPECT(OR_RESTRICTED);
	ck_assert(strstr(why, "SPY") != NULL);
	ck_assert_int_eq(pretrade_restricted(&lim, "AMC"), 1);
	ck_assert_int_eq(pretrade_restricted(&lim, "gme"), 1);
	ck_assert_int_eq(pretrade_restricted(&lim, "GME   250117C00020000"), 1);
	ck_assert_int_eq(pretrade_restricted(&lim, "GME250117P00020000"), 1);
	ck_assert_int_eq(pretrade_restricted(&lim, "GLD/GME"), 1);
	ck_assert_int_eq(pretrade_restricted(&lim, "GME/GLD"), 1);
	ck_assert_int_eq(pretrade_restricted(&lim, "GMEX"), 0);
	ck_assert_int_eq(pretrade_restricted(&lim, "GM"), 0);
	ck_assert_int_eq(pretrade_restricted(&lim, "GMEX  250117C00020000"), 0);
	ck_assert_int_eq(pretrade_restricted(&lim, "QQQ   250117C00020000"), 0);
	ck_assert_int_eq(pretrade_restricted(&lim, "GLD/GDX"), 0);
	/* Just inside: a symbol not on the list passes. */
	ck_assert_int_eq(pretrade_restricted_parse(&lim, "GME,AMC", &cause), 0);
	EXPECT(OR_NONE);
	ck_assert_int_eq(pretrade_restricted_parse(&lim, "", &cause), 0);
	ck_assert_uint_eq(lim.nrestricted, 0);
	ck_assert_int_eq(pretrade_restricted_parse(&lim, NULL, &cause), 0);

	/* Bad lists say which entry. */
	ck_assert_int_eq(pretrade_restricted_parse(&lim, "GME,,AMC", &cause), -1);
	ck_assert_msg(strstr(cause, "entry 2") != NULL, "%s", cause);
	free(cause);
	ck_assert_int_eq(pretrade_restricted_parse(&lim, "GME,", &cause), -1);
	free(cause);
	ck_assert_int_eq(pretrade_restricted_parse(&lim,
	    "A,BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", &cause), -1);
	ck_assert_msg(strstr(cause, "entry 2") != NULL, "%s", cause);
	free(cause);
	{
		struct buf b;
		int i;

		buf_init(&b);
		for (i = 0; i <= PRETRADE_RESTRICTED_MAX; i++)
			buf_printf(&b, "%sS%d", i ? "," : "", i);
		ck_assert_int_eq(pretrade_restricted_parse(&lim, b.data, &cause), -1);
		free(cause);
		buf_free(&b);
	}
}
END_TEST

START_TEST(test_stale)
{
	/* Exactly stale_seconds old passes; a millisecond older is refused. */
	quote.exch_time = T0 - 10;
	EXPECT(OR_NONE);
	forget();
	quote.exch_time = T0 - 10.001;
	EXPECT(OR_STALE_DATA);
	/* A quote from the future beyond the limit: a bad clock. */
	quote.exch_time = T0 + 60;
	EXPECT(OR_STALE_DATA);
	quote.exch_time = NAN;
	EXPECT(OR_STALE_DATA);
	quote.exch_time = T0;
	ctx.quote = NULL;
	EXPECT(OR_STALE_DATA);
	ctx.quote = &quote;
	snprintf(quote.symbol, sizeof quote.symbol, "QQQ");
	EXPECT(OR_STALE_DATA);
	snprintf(quote.symbol, sizeof quote.symbol, "SPY");
	quote.bid = NAN;
	EXPECT(OR_STALE_DATA);
	quote.bid = 400.10;     /* crossed */
	EXPECT(OR_STALE_DATA);
	quote.bid = 399.95;
	ctx.now = NAN;
	EXPECT(OR_STALE_DATA);
	ck_assert_uint_eq(hist->n, 0);
}
END_TEST

START_TEST(test_collar)
{
	/* Mid 400, collar 1/16: 375..425 pass, a cent beyond does not. */
	ord.limit = 425;
	EXPECT(OR_NONE);
	forget();
	ord.limit = 425.01;
	EXPECT(OR_PRICE_COLLAR);
	ord.side = -1;
	ord.limit = 375;
	EXPECT(OR_NONE);
	forget();
	ord.limit = 374.99;
	EXPECT(OR_PRICE_COLLAR);
	ck_assert(strstr(why, "374.99") != NULL);
}
END_TEST

START_TEST(test_max_qty)
{
	ord.qty = 1000;
	EXPECT(OR_NONE);
	forget();
	ord.qty = 1001;
	EXPECT(OR_MAX_QTY);
}
END_TEST

START_TEST(test_max_notional)
{
	/* 100 x 400 x 1 = 40,000. */
	lim.max_notional = 40000;
	EXPECT(OR_NONE);
	forget();
	ord.limit = 400.01;
	EXPECT(OR_MAX_NOTIONAL);
	/* A market buy is priced at the ask: 100 x 400.05 = 40,005. */
	ord.type = ORDER_MARKET;
	ord.limit = NAN;
	EXPECT(OR_MAX_NOTIONAL);
	lim.max_notional = 40005;
	EXPECT(OR_NONE);
	forget();
	/* Options: 3 contracts at 4.00 x 100 = 1,200. */
	snprintf(ord.symbol, sizeof ord.symbol, "SPY   250117C00400000");
	snprintf(quote.symbol, sizeof quote.symbol, "%s", ord.symbol);
	quote.bid = 3.90;
	quote.ask = 4.10;
	ord.type = ORDER_LIMIT;
	ord.limit = 4.00;
	ord.qty = 3;
	ord.multiplier = 100;
	lim.max_notional = 1200;
	EXPECT(OR_NONE);
	forget();
	ord.qty = 4;
	EXPECT(OR_MAX_NOTIONAL);
}
END_TEST

START_TEST(test_max_position)
{
	ctx.position = 9900;
	EXPECT(OR_NONE);
	forget();
	ord.qty = 101;
	EXPECT(OR_MAX_POSITION);
	/* Short side. */
	ctx.position = -9900;
	ord.side = -1;
	ord.qty = 100;
	EXPECT(OR_NONE);
	forget();
	ord.qty = 101;
	EXPECT(OR_MAX_POSITION);
	/* Above the maximum already: an order that shrinks it passes, one that
	 * flips it beyond the maximum the other way does not. */
	ctx.position = 10500;
	ord.side = -1;
	ord.qty = 100;
	EXPECT(OR_NONE);
	forget();
	ord.side = 1;
	ord.qty = 1;
	EXPECT(OR_MAX_POSITION);
	ctx.position = NAN;
	EXPECT(OR_MAX_POSITION);
}
END_TEST

START_TEST(test_buying_power)
{
	/* 100 x 400 = 40,000 needed. */
	ctx.buying_power = 40000;
	EXPECT(OR_NONE);
	forget();
	ctx.buying_power = 39999.99;
	EXPECT(OR_BUYING_POWER);
	ctx.buying_power = NAN;
	EXPECT(OR_BUYING_POWER);
	/* Selling a held position needs none. */
	ctx.buying_power = 0;
	ctx.position = 100;
	ord.side = -1;
	EXPECT(OR_NONE);
	forget();
	/* Selling 100 of 40 held: the 60 going short need 60 x 400 = 24,000. */
	ctx.position = 40;
	ctx.buying_power = 24000;
	EXPECT(OR_NONE);
	forget();
	ctx.buying_power = 23999;
	EXPECT(OR_BUYING_POWER);
	/* Buying back a short of 100 needs none. */
	ctx.position = -100;
	ord.side = 1;
	ctx.buying_power = 0;
	EXPECT(OR_NONE);
}
END_TEST

START_TEST(test_duplicate)
{
	EXPECT(OR_NONE);
	ctx.now = T0 + 4.999;
	quote.exch_time = ctx.now;
	EXPECT(OR_DUPLICATE);
	/* A different strategy, quantity, side or symbol is no duplicate. */
	snprintf(ord.strategy, sizeof ord.strategy, "meanrev");
	EXPECT(OR_NONE);
	snprintf(ord.strategy, sizeof ord.strategy, "volarb");
	ord.qty = 99;
	EXPECT(OR_NONE);
	ord.qty = 100;
	ord.side = -1;
	EXPECT(OR_NONE);
	ord.side = 1;
	/* The first volarb buy of 100 (at T0) is exactly dup_window old at
	 * T0 + 5: outside the window; the later ones differ from it. */
	ctx.now = T0 + 5;
	EXPECT(OR_NONE);
	ck_assert_uint_eq(hist->n, 5);
}
END_TEST

START_TEST(test_duplicate_window_edge)
{
	EXPECT(OR_NONE);
	ctx.now = T0 + 5;       /* exactly dup_window later: outside */
	quote.exch_time = ctx.now;
	EXPECT(OR_NONE);
	ctx.now = T0 + 5.5;
	quote.exch_time = ctx.now;
	EXPECT(OR_DUPLICATE);   /* the one at T0 + 5 is 0.5 s old */
	lim.dup_window = 0;     /* off */
	EXPECT(OR_NONE);
}
END_TEST

START_TEST(test_rate_limit)
{
	int i;

	lim.max_orders = 5;
	lim.rate_window = 10;
	for (i = 0; i < 5; i++) {
		ord.qty = 100 + i;      /* no duplicates */
		ctx.now = T0 + i;
		quote.exch_time = ctx.now;
		EXPECT(OR_NONE);
	}
	ord.qty = 200;
	ctx.now = T0 + 9.999;
	quote.exch_time = ctx.now;
	EXPECT(OR_RATE_LIMIT);
	ctx.now = T0 + 10;      /* the first has left the window */
	quote.exch_time = ctx.now;
	EXPECT(OR_NONE);
	ord.qty = 201;
	EXPECT(OR_RATE_LIMIT);
}
END_TEST

/*
 * 5,000 orders arriving every 7 ms against 100 per second: which pass is
 * compared with a naive count written here (every passed order kept, the
 * window counted from scratch each time); the history ring (1,024) wraps
 * several times on the way.
 */
START_TEST(test_rate_naive)
{
	double *passed = xcalloc(5000, sizeof *passed);
	size_t np = 0, i, j, cnt;
	int want, got;

	lim.max_orders = 100;
	lim.rate_window = 1;
	lim.dup_window = 0;
	for (i = 0; i < 5000; i++) {
		double t = T0 + 0.007 * (double)i + (i % 3 == 0 ? 0.0 : 0.001 * (double)(i % 7));

		if (t < ctx.now)
			t = ctx.now;
		ctx.now = t;
		quote.exch_time = t;
		cnt = 0;
		for (j = 0; j < np; j++)
			cnt += t - passed[j] < 1;
		want = cnt >= 100 ? OR_RATE_LIMIT : OR_NONE;
		got = check();
		ck_assert_msg(got == want, "order %zu at +%.3f: got %s want %s (%zu in window)",
		    i, t - T0, order_reason_name(got), order_reason_name(want), cnt);
		if (got == OR_NONE)
			passed[np++] = t;
	}
	ck_assert_uint_gt(np, 1024);
	free(passed);
}
END_TEST

START_TEST(test_kill_switch)
{
	ctx.kill_switch = 1;
	EXPECT(OR_KILL_SWITCH);
	/* Risk-reducing: sell 50 of a long 100. */
	ctx.position = 100;
	ord.side = -1;
	ord.qty = 50;
	ord.limit = 400;
	ord.risk_reducing = 1;
	EXPECT(OR_KILL_SWITCH);         /* not allowed now */
	ctx.allow_risk_reducing = 1;
	EXPECT(OR_NONE);
	forget();
	ord.qty = 100;                  /* closing it all still reduces */
	EXPECT(OR_NONE);
	forget();
	ord.qty = 101;                  /* would flip it short */
	EXPECT(OR_KILL_SWITCH);
	ord.qty = 50;
	ord.side = 1;                   /* claims to reduce, adds */
	EXPECT(OR_KILL_SWITCH);
	ctx.position = 0;
	ord.side = -1;
	EXPECT(OR_KILL_SWITCH);
	/* Allowed but not flagged as risk-reducing: refused. */
	ctx.position = 100;
	ord.risk_reducing = 0;
	EXPECT(OR_KILL_SWITCH);
	/* A risk-reducing order still goes through the other checks. */
	ord.risk_reducing = 1;
	ctx.quote = NULL;
	EXPECT(OR_STALE_DATA);
}
END_TEST

/* 1,000 orders of every kind with the kill switch engaged, risk-reducing
 * orders not allowed: all refused for the kill switch, none recorded. */
START_TEST(test_kill_burst)
{
	int i, r;

	ctx.kill_switch = 1;
	ctx.allow_risk_reducing = 0;
	for (i = 0; i < 1000; i++) {
		snprintf(ord.symbol, sizeof ord.symbol, "S%d", i % 37);
		snprintf(ord.strategy, sizeof ord.strategy, "%s",
		    i % 3 == 0 ? "volarb" : i % 3 == 1 ? "meanrev" : "");
		ord.side = i % 2 ? 1 : -1;
		ord.qty = 1 + i % 250;
		ord.type = i % 5 == 0 ? ORDER_MARKET : ORDER_LIMIT;
		ord.risk_reducing = i % 4 == 0;
		ctx.position = (i % 3 - 1) * 500.0;
		ctx.now = T0 + 0.0001 * i;
		r = check();
		ck_assert_msg(r == OR_KILL_SWITCH, "order %d: %s", i, order_reason_name(r));
	}
	ck_assert_uint_eq(hist->n, 0);
	/* Released, the same stream passes again (for the symbols with a quote). */
	ctx.kill_switch = 0;
	snprintf(ord.symbol, sizeof ord.symbol, "SPY");
	ord.qty = 10;
	ord.type = ORDER_LIMIT;
	ctx.position = 0;
	EXPECT(OR_NONE);
}
END_TEST

/*
 * The order of the checks: an order that breaks all eleven is refused for
 * the first; repairing each in turn reveals the next, in the documented
 * order, until it passes.
 */
START_TEST(test_order_of_checks)
{
	static const int want[] = {
		OR_KILL_SWITCH, OR_BAD_ORDER, OR_RESTRICTED, OR_STALE_DATA, OR_PRICE_COLLAR,
		OR_MAX_QTY, OR_MAX_NOTIONAL, OR_MAX_POSITION, OR_BUYING_POWER, OR_DUPLICATE,
		OR_RATE_LIMIT, OR_NONE
	};
	char *cause = NULL;
	size_t k;

	/* The same order passed once already with max_orders 1: the next is
	 * both a duplicate and over the rate. */
	lim.max_orders = 1;
	ord.limit = 430;        /* 7.5% from the mid: outside the collar below */
	lim.collar = 0.1;
	EXPECT(OR_NONE);
	lim.collar = 0.0625;
	ctx.now = T0 + 1;
	/* Break everything else. */
	ctx.kill_switch = 1;
	ord.multiplier = 0;
	ck_assert_int_eq(pretrade_restricted_parse(&lim, "SPY", &cause), 0);
	ctx.quote = NULL;
	lim.max_qty = 99;
	lim.max_notional = 100 * 430 - 1;
	lim.max_position = 99;
	ctx.buying_power = 100;
	for (k = 0; k < sizeof want / sizeof want[0]; k++) {
		int got = check();

		ck_assert_msg(got == want[k], "step %zu: got %s (%s), want %s", k,
		    order_reason_name(got), why, order_reason_name(want[k]));
		switch (want[k]) {
		case OR_KILL_SWITCH: ctx.kill_switch = 0; break;
		case OR_BAD_ORDER: ord.multiplier = 1; break;
		case OR_RESTRICTED: lim.nrestricted = 0; break;
		case OR_STALE_DATA: ctx.quote = &quote; break;
		case OR_PRICE_COLLAR: lim.collar = 0.1; break;
		case OR_MAX_QTY: lim.max_qty = 100; break;
		case OR_MAX_NOTIONAL: lim.max_notional = 100 * 430; break;
		case OR_MAX_POSITION: lim.max_position = 100; break;
		case OR_BUYING_POWER: ctx.buying_power = 100 * 430; break;
		case OR_DUPLICATE: lim.dup_window = 0; break;
		case OR_RATE_LIMIT: lim.max_orders = 2; break;
		}
	}
	ck_assert_uint_eq(hist->n, 2);
}
END_TEST

/* pretrade_limits_from_conf reads the documented defaults and set values;
 * a bad restricted list is an error naming the key. */
START_TEST(test_from_conf)
{
	struct conf *c = conf_new();
	struct pretrade_limits l;
	char *cause = NULL;

	ck_assert_int_eq(pretrade_limits_from_conf(c, &l, &cause), 0);
	ck_assert(l.stale_seconds == 60 && l.collar == 0.10 && l.max_qty == 5000);
	ck_assert(l.max_notional == 500000 && l.max_position == 10000);
	ck_assert(l.dup_window == 5 && l.max_orders == 50 && l.rate_window == 60);
	ck_assert_uint_eq(l.nrestricted, 0);
	ck_assert_int_eq(conf_set(c, "pretrade.restricted", "GME, AMC", &cause), 0);
	ck_assert_int_eq(conf_set(c, "pretrade.max_orders", "7", &cause), 0);
	ck_assert_int_eq(pretrade_limits_from_conf(c, &l, &cause), 0);
	ck_assert_uint_eq(l.nrestricted, 2);
	ck_assert_str_eq(l.restricted[1], "AMC");
	ck_assert_int_eq(l.max_orders, 7);
	ck_assert_int_eq(conf_set(c, "pretrade.restricted", "GME,,AMC", &cause), 0);
	ck_assert_int_eq(pretrade_limits_from_conf(c, &l, &cause), -1);
	ck_assert_msg(strstr(cause, "pretrade.restricted") != NULL, "%s", cause);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(conf_set(c, "pretrade.max_orders", "1025", &cause), -1);
	free(cause);
	conf_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pretrade");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_plain_passes);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_restricted);
	tcase_add_test(tc, test_stale);
	tcase_add_test(tc, test_collar);
	tcase_add_test(tc, test_max_qty);
	tcase_add_test(tc, test_max_notional);
	tcase_add_test(tc, test_max_position);
	tcase_add_test(tc, test_buying_power);
	tcase_add_test(tc, test_duplicate);
	tcase_add_test(tc, test_duplicate_window_edge);
	tcase_add_test(tc, test_rate_limit);
	tcase_add_test(tc, test_rate_naive);
	tcase_add_test(tc, test_kill_switch);
	tcase_add_test(tc, test_kill_burst);
	tcase_add_test(tc, test_order_of_checks);
	tcase_add_test(tc, test_from_conf);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
