/*
 * bench-pretrade.c -- time of one pre-trade check (pretrade.c) per order:
 * an order that passes all eleven checks, one refused at the last check
 * (the rate limit, with max_orders orders in the window to walk), and one
 * refused at the first (the kill switch, the burst case).
 *
 * Why it exists: the OMS runs the checks on every order on its single
 * thread, so their cost bounds the order rate and the kill switch's
 * reaction; issue 7 asks for the figure.  Run by `make bench`, never by
 * `make check`; it asserts only that each case gives the reason it is
 * meant to (else it exits 1).  Lines read `bench <name> <ns> ns/op  <note>`.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "pretrade.h"
#include "util.h"

#define N 2000000

/* Returns a monotonic time in seconds. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Limits from the defaults plus a restricted list of 20 symbols. */
static void limits(struct pretrade_limits *lim)
{
	struct conf *c = conf_new();
	char *cause = NULL;

	if (conf_set(c, "pretrade.restricted", "GME, AMC, BBBY, KOSS, NOK, BB, EXPR, "
	    "NAKD, SNDL, TLRY, CLOV, WISH, MVIS, SPCE, PLTR, RKT, UWMC, WKHS, RIDE, NKLA",
	    &cause) != 0 || pretrade_limits_from_conf(c, lim, &cause) != 0) {
		fprintf(stderr, "bench-pretrade: %s\n", cause);
		exit(1);
	}
	conf_free(c);
}

/* Times n checks of the order with the clock stepping by dt; every one
 * must give reason want.  Returns ns per check. */
static double run(const char *name, const struct pretrade_limits *lim,
    struct pretrade_history *h, struct order *o, struct pretrade_ctx *ctx,
    struct quote *q, double dt, int want, long n)
{
	double t0, t1;
	long i;
	int r, bad = 0;

	t0 = now();
	for (i = 0; i < n; i++) {
		ctx->now += dt;
		q->exch_time = ctx->now;
		o->qty = (double)(100 + (i & 63));
		r = pretrade_check(lim, h, o, ctx, NULL, 0);
		bad |= r != want;
	}
	t1 = now();
	if (bad) {
		fprintf(stderr, "bench-pretrade: %s: a check did not give %s\n", name,
		    order_reason_name(want));
		exit(1);
	}
	return 1e9 * (t1 - t0) / (double)n;
}

int main(void)
{
	static struct pretrade_history h;
	struct pretrade_limits lim;
	struct pretrade_ctx ctx;
	struct quote q;
	struct order o;
	double ns;
	long i;

	limits(&lim);
	memset(&q, 0, sizeof q);
	snprintf(q.symbol, sizeof q.symbol, "SPY   250117C00450000");
	q.bid = 4.40;
	q.ask = 4.60;
	memset(&ctx, 0, sizeof ctx);
	ctx.now = 1700000000.0;
	ctx.quote = &q;
	ctx.buying_power = 1e9;
	memset(&o, 0, sizeof o);
	snprintf(o.symbol, sizeof o.symbol, "%s", q.symbol);
	snprintf(o.strategy, sizeof o.strategy, "volarb");
	o.side = 1;
	o.type = ORDER_LIMIT;
	o.limit = 4.46;
	o.multiplier = 100;

	/* All pass: orders 2 s apart (default window 60 s, 50 orders: the
	 * rate walk sees the 30 orders of the last minute, the duplicate walk
	 * the 3 of the last 5 s). */
	pretrade_history_init(&h);
	ns = run("pass", &lim, &h, &o, &ctx, &q, 2.0, OR_NONE, N);
	printf("bench pretrade_pass %.1f ns/op  all 11 checks pass (OCC option, 20 restricted, "
	    "30 orders in the rate window)\n", ns);

	/* Refused at the last check: 50 orders in the window to count. */
	pretrade_history_init(&h);
	for (i = 0; i < lim.max_orders; i++) {
		ctx.now += 0.01;
		q.exch_time = ctx.now;
		o.qty = (double)(1000 + i);
		if (pretrade_check(&lim, &h, &o, &ctx, NULL, 0) != OR_NONE) {
			fprintf(stderr, "bench-pretrade: could not fill the window\n");
			return 1;
		}
	}
	ns = run("rate_limit", &lim, &h, &o, &ctx, &q, 1e-9, OR_RATE_LIMIT, N);
	printf("bench pretrade_reject_last %.1f ns/op  refused by the rate limit, "
	    "the 11th check (%ld orders counted)\n", ns, lim.max_orders);

	/* With the reason text formatted too, as the OMS does. */
	{
		char why[ORDER_REASON_MAX];
		double t0 = now(), t1;

		for (i = 0; i < N / 4; i++) {
			ctx.now += 1e-9;
			q.exch_time = ctx.now;
			if (pretrade_check(&lim, &h, &o, &ctx, why, sizeof why) != OR_RATE_LIMIT)
				return 1;
		}
		t1 = now();
		printf("bench pretrade_reject_last_text %.1f ns/op  the same with the reason "
		    "text formatted\n", 1e9 * (t1 - t0) / (N / 4));
	}

	/* The kill-switch burst: refused at the first check. */
	ctx.kill_switch = 1;
	ns = run("kill", &lim, &h, &o, &ctx, &q, 1e-3, OR_KILL_SWITCH, N);
	printf("bench pretrade_reject_kill %.1f ns/op  refused by the kill switch, the 1st "
	    "check\n", ns);
	return 0;
}
