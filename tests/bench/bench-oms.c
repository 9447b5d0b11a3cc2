/*
 * bench-oms.c -- the order manager's figures (issue 7's measure), on the
 * paper broker with durable storage (SQLite, WAL):
 *   oms_orders_per_s     approved one-leg signals through sizing, the
 *                        pre-trade checks, the store (pending) and the
 *                        broker, waiting for each answer;
 *   kill_to_last_cancel  engage the kill switch with N working orders
 *                        resting at the broker (N = 100, 1,000, 5,000, each
 *                        on a fresh book): time to the last cancel sent
 *                        (the OMS's own measure), then the time until every
 *                        one is cancelled in the store;
 *   kill_flag            the engage call itself (the flag every send reads).
 * Usage: bench-oms [ORDERS [KILL_SIZES...]]   (default 2000; 100 1000 5000)
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "market-state.h"
#include "oms.h"
#include "trade-signal.h"
#include "util.h"

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void put_quote(const char *sym, double bid, double ask)
{
	struct quote q;

	memset(&q, 0, sizeof q);
	snprintf(q.symbol, sizeof q.symbol, "%s", sym);
	q.bid = bid;
	q.ask = ask;
	q.last = 0.5 * (bid + ask);
	q.bid_size = q.ask_size = 1e6;
	q.volume = NAN;
	q.exch_time = q.recv_time = wall();
	mstate_put_quote(mstate_global(), "bench", &q);
}

static void put_bars(const char *sym)
{
	struct bar b;
	int i;

	for (i = 0; i < 40; i++) {
		memset(&b, 0, sizeof b);
		snprintf(b.symbol, sizeof b.symbol, "%s", sym);
		b.time = floor(wall() / 86400 - 60 + i) * 86400;
		b.close = 100 * (1 + 0.01 * ((i % 2) ? 1 : -1));
		b.open = b.close;
		b.high = b.close * 1.001;
		b.low = b.close * 0.999;
		b.volume = 1e6;
		mstate_put_bar(mstate_global(), "bench", &b);
	}
}

static const char *const bench_kv[][2] = {
	{ "paper.latency_ms", "0" }, { "pretrade.max_orders", "1024" },
	{ "pretrade.rate_window", "0.001" }, { "pretrade.dup_window", "0" },
	{ "pretrade.max_position", "1e12" }, { "orders.data_timeout", "0" },
	{ "orders.max_daily_loss", "0" }, { "orders.buying_power", "1e15" },
	{ "orders.poll_ms", "1" },
};

/* A fresh store and paper broker in a temporary directory, the OMS
 * started on them; NULL on failure (reported). */
static struct conf *bench_open(char *dir)
{
	struct conf *conf = conf_new();
	char path[600], *cause = NULL;
	size_t k;

	if (mkdtemp(dir) == NULL) {
		perror("bench-oms: mkdtemp");
		return NULL;
	}
	snprintf(path, sizeof path, "%s/qdesk.db", dir);
	conf_set(conf, "store.path", path, &cause);
	snprintf(path, sizeof path, "%s/paper.db", dir);
	conf_set(conf, "paper.path", path, &cause);
	for (k = 0; k < sizeof bench_kv / sizeof bench_kv[0]; k++)
		if (conf_set(conf, bench_kv[k][0], bench_kv[k][1], &cause) != 0) {
			fprintf(stderr, "bench-oms: %s\n", cause);
			return NULL;
		}
	if (oms_start(conf, &cause) != 0) {
		fprintf(stderr, "bench-oms: %s\n", cause);
		return NULL;
	}
	return conf;
}

/* Stops the OMS and removes the directory. */
static int bench_close(struct conf *conf, const char *dir)
{
	char cmd[700];

	oms_stop();
	conf_free(conf);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Sends n one-leg buy orders (they rest: the limit is below the ask);
 * the seconds it took, or -1. */
static double bench_orders(int n)
{
	struct signal s;
	struct order *o;
	char *cause = NULL;
	size_t k;
	double t0 = mono();
	int i;

	for (i = 0; i < n; i++) {
		/* The market's clock moves (the rate limit counts in market
		 * time): a fresh quote every 100 orders. */
		if (i % 100 == 0)
			put_quote("AAA", 99.9, 100.1);
		signal_init(&s, "volarb", "AAA", "AAA", "bench", SIGNAL_BUY, wall(), wall() + 3600);
		s.id = (unsigned long)i + 1;
		s.size_hint = 0.01;
		signal_add_leg(&s, "AAA", 1);
		if (oms_submit_signal(&s, "bench", 1, 10, &o, &k, &cause) != 0 || k != 1 ||
		    o[0].state == ORDER_REJECTED) {
			fprintf(stderr, "bench-oms: order %d: %s\n", i, cause != NULL ? cause :
			    k == 1 ? o[0].reason_text : "no order");
			return -1;
		}
		free(o);
	}
	return mono() - t0;
}

int main(int argc, char **argv)
{
	static const int default_sizes[] = { 100, 1000, 5000 };
	int norders = argc > 1 ? atoi(argv[1]) : 2000, sizes[16], nsizes = 0, z;
	char dir[64];
	struct conf *conf;
	struct oms_status st;
	size_t k;
	double t0, t;

	log_set_stderr(0);
	if (norders < 10)
		norders = 2000;
	for (z = 2; z < argc && nsizes < 16; z++)
		if (atoi(argv[z]) > 0)
			sizes[nsizes++] = atoi(argv[z]);
	if (nsizes == 0)
		for (z = 0; z < 3; z++)
			sizes[nsizes++] = default_sizes[z];
	put_bars("AAA");
	put_quote("AAA", 99.9, 100.1);  /* buys rest at bid + 30% of the spread */

	snprintf(dir, sizeof dir, "/tmp/qdesk-bench-oms-XXXXXX");
	if ((conf = bench_open(dir)) == NULL)
		return 1;
	if ((t = bench_orders(norders)) < 0)
		return 1;
	printf("# %d one-leg orders: sizing, pre-trade checks, stored pending, sent to the "
	    "paper broker (SQLite WAL, synchronous=NORMAL), answered\n", norders);
	printf("bench oms_order %.0f ns/op (%.0f orders/s)\n", t / norders * 1e9, norders / t);
	if (bench_close(conf, dir) != 0)
		return 1;

	for (z = 0; z < nsizes; z++) {
		double flag, stored;

		snprintf(dir, sizeof dir, "/tmp/qdesk-bench-oms-XXXXXX");
		if ((conf = bench_open(dir)) == NULL || bench_orders(sizes[z]) < 0)
			return 1;
		for (k = 0; k < 2000; k++) {
			oms_get_status(&st);
			if (st.working >= (size_t)sizes[z])
				break;
			usleep(5000);
		}
		if (st.working < (size_t)sizes[z]) {
			fprintf(stderr, "bench-oms: %zu of %d orders working\n", st.working, sizes[z]);
			return 1;
		}
		t0 = mono();
		oms_kill("bench", 0);
		flag = mono() - t0;
		for (k = 0; k < 100000; k++) {
			oms_get_status(&st);
			if (st.kill_cancel_ms > 0 && st.working == 0)
				break;
			usleep(100);
		}
		stored = mono() - t0;
		if (st.working != 0 || st.cancelled < (unsigned long)sizes[z]) {
			fprintf(stderr, "bench-oms: after the kill %zu orders still work, %lu "
			    "cancelled of %d\n", st.working, st.cancelled, sizes[z]);
			return 1;
		}
		if (z == 0)
			printf("bench kill_flag %.0f ns/op (the engage call; no order is sent after "
			    "it)\n", flag * 1e9);
		printf("bench kill_to_last_cancel_%d %.0f ns/op (%.3f ms for %d working orders; "
		    "all %lu cancelled in the store after %.1f ms)\n", sizes[z],
		    st.kill_cancel_ms * 1e6, st.kill_cancel_ms, sizes[z], st.cancelled,
		    stored * 1e3);
		if (bench_close(conf, dir) != 0)
			return 1;
	}
	return 0;
}
