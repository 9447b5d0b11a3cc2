/*
 * bench-oms.c -- the order manager's figures (issue 7's measure), on the
 * paper broker with durable storage (SQLite, WAL):
 *   oms_orders_per_s     approved one-leg signals through sizing, the
 *                        pre-trade checks, the store (pending) and the
 *                        broker, waiting for each answer;
 *   kill_to_last_cancel  engage the kill switch with N working orders
 *                        resting at the broker: time to the last cancel
 *                        sent (the OMS's own measure);
 *   kill_flag            the engage call itself (the flag every send reads).
 * Usage: bench-oms [ORDERS]   (default 2000)
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

int main(int argc, char **argv)
{
	static const char *const kv[][2] = {
		{ "paper.latency_ms", "0" }, { "pretrade.max_orders", "1024" },
		{ "pretrade.rate_window", "0.001" }, { "pretrade.dup_window", "0" },
		{ "pretrade.max_position", "1e12" }, { "orders.data_timeout", "0" },
		{ "orders.max_daily_loss", "0" }, { "orders.buying_power", "1e15" },
		{ "orders.poll_ms", "1" },
	};
	int norders = argc > 1 ? atoi(argv[1]) : 2000, i;
	char dir[] = "/tmp/qdesk-bench-oms-XXXXXX", path[600], *cause = NULL, cmd[700];
	struct conf *conf = conf_new();
	struct oms_status st;
	struct signal s;
	struct order *o;
	size_t n, k;
	double t0, t;

	log_set_stderr(0);
	if (norders < 10)
		norders = 2000;
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/qdesk.db", dir);
	conf_set(conf, "store.path", path, &cause);
	snprintf(path, sizeof path, "%s/paper.db", dir);
	conf_set(conf, "paper.path", path, &cause);
	for (k = 0; k < sizeof kv / sizeof kv[0]; k++)
		if (conf_set(conf, kv[k][0], kv[k][1], &cause) != 0) {
			fprintf(stderr, "bench-oms: %s\n", cause);
			return 1;
		}
	put_bars("AAA");
	put_quote("AAA", 99.9, 100.1);  /* buys rest at bid + 30% of the spread */
	if (oms_start(conf, &cause) != 0) {
		fprintf(stderr, "bench-oms: %s\n", cause);
		return 1;
	}
	t0 = mono();
	for (i = 0; i < norders; i++) {
		signal_init(&s, "volarb", "AAA", "AAA", "bench", SIGNAL_BUY, wall(), wall() + 3600);
		s.id = (unsigned long)i + 1;
		s.size_hint = 0.01;
		signal_add_leg(&s, "AAA", 1);
		if (oms_submit_signal(&s, "bench", 1, 10, &o, &n, &cause) != 0 || n != 1 ||
		    o[0].state == ORDER_REJECTED) {
			fprintf(stderr, "bench-oms: order %d: %s\n", i, cause != NULL ? cause :
			    n == 1 ? o[0].reason_text : "no order");
			return 1;
		}
		free(o);
	}
	t = mono() - t0;
	printf("# %d one-leg orders: sizing, pre-trade checks, stored pending, sent to the "
	    "paper broker (SQLite WAL, synchronous=NORMAL), answered\n", norders);
	printf("bench oms_order %.0f ns/op (%.0f orders/s)\n", t / norders * 1e9, norders / t);
	/* The orders rest (limit below the ask): kill and cancel them all. */
	for (k = 0; k < 200; k++) {
		oms_get_status(&st);
		if (st.working >= (size_t)norders)
			break;
		usleep(5000);
	}
	t0 = mono();
	oms_kill("bench", 0);
	t = mono() - t0;
	for (k = 0; k < 1000; k++) {
		oms_get_status(&st);
		if (st.kill_cancel_ms > 0)
			break;
		usleep(1000);
	}
	printf("bench kill_flag %.0f ns/op (the engage call; no order is sent after it)\n",
	    t * 1e9);
	printf("bench kill_to_last_cancel %.0f ns/op (%.3f ms for %zu working orders)\n",
	    st.kill_cancel_ms * 1e6, st.kill_cancel_ms, st.working);
	oms_stop();
	conf_free(conf);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
