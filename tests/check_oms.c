/*
 * check_oms.c -- the order manager with the paper broker on a market state
 * of its own: with the kill switch engaged a burst of 1,000 approved
 * signals is refused in full while another thread floods the market state
 * (as a busy feed and strategy thread would); after resume an order is
 * stored before it is sent, fills, and its position is the sum of its
 * fills; the switch persists across a restart; a restart reconciles.
 * Engaging the switch with many working orders leaves every one of them
 * cancelled at the broker -- read from the paper broker's own ledger (its
 * SQLite file, not through the OMS) -- and in the store.  The OMS's order
 * updates (what the engine passes to the strategies) say each order was
 * sent and then filled or cancelled, matching the fills the store holds.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <sqlite3.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "market-state.h"
#include "oms.h"
#include "store.h"
#include "trade-signal.h"
#include "util.h"

static char dir[] = "/tmp/qdesk-oms-XXXXXX";
static struct conf *conf;
static atomic_int flooding;

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A quote of a symbol now. */
static void put_quote_of(const char *sym, double bid, double ask)
{
	struct quote q;

	memset(&q, 0, sizeof q);
	snprintf(q.symbol, sizeof q.symbol, "%s", sym);
	q.bid = bid;
	q.ask = ask;
	q.last = 0.5 * (bid + ask);
	q.bid_size = q.ask_size = 1000;
	q.volume = NAN;
	q.exch_time = q.recv_time = wall();
	mstate_put_quote(mstate_global(), "test", &q);
}

/* A quote of AAA around 100 now. */
static void put_quote(double bid, double ask)
{
	put_quote_of("AAA", bid, ask);
}

/* Daily bars for the sizing's realised vol. */
static void put_bars(void)
{
	struct bar b;
	int i;

	for (i = 0; i < 40; i++) {
		memset(&b, 0, sizeof b);
		snprintf(b.symbol, sizeof b.symbol, "AAA");
		b.time = floor(wall() / 86400 - 60 + i) * 86400;
		b.close = 100 * (1 + 0.01 * ((i % 2) ? 1 : -1));
		b.open = b.high = b.low = b.close;
		b.high *= 1.001;
		b.low *= 0.999;
		b.volume = 1e6;
		mstate_put_bar(mstate_global(), "test", &b);
	}
}

/* Floods the market state, as a busy feed would. */
static void *flood(void *arg)
{
	(void)arg;
	while (atomic_load(&flooding))
		put_quote(99.95, 100.05);
	return NULL;
}

/* A buy signal of one unit of AAA. */
static void make_signal(struct signal *s, unsigned long id)
{
	signal_init(s, "volarb", "AAA", "AAA", "test", SIGNAL_BUY, wall(), wall() + 3600);
	s->id = id;
	s->size_hint = 0.01;
	s->confidence = 1;
	signal_add_leg(s, "AAA", 1);
}

static void setup(void)
{
	static const char *const kv[][2] = {
		{ "paper.latency_ms", "0" }, { "pretrade.max_orders", "1024" },
		{ "pretrade.rate_window", "0.001" }, { "pretrade.dup_window", "0" },
		{ "orders.data_timeout", "0" }, { "orders.max_daily_loss", "0" },
	};
	char path[600], *cause = NULL;
	size_t i;

	log_set_stderr(0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	conf = conf_new();
	snprintf(path, sizeof path, "%s/qdesk.db", dir);
	ck_assert_msg(conf_set(conf, "store.path", path, &cause) == 0, "%s", cause);
	snprintf(path, sizeof path, "%s/paper.db", dir);
	ck_assert_msg(conf_set(conf, "paper.path", path, &cause) == 0, "%s", cause);
	for (i = 0; i < sizeof kv / sizeof kv[0]; i++)
		ck_assert_msg(conf_set(conf, kv[i][0], kv[i][1], &cause) == 0, "%s", cause);
	put_bars();
	put_quote(99.9, 100.1);
}

/* The order updates the OMS posted (its listener, oms_set_update_sink):
 * collected on the OMS thread, read by the test after oms_stop. */
static pthread_mutex_t ups_lock = PTHREAD_MUTEX_INITIALIZER;
static struct order_update *ups;
static size_t nups, capups;

static void collect(void *arg, const struct order_update *u)
{
	(void)arg;
	pthread_mutex_lock(&ups_lock);
	if (nups == capups) {
		capups = capups ? 2 * capups : 256;
		ups = xrealloc(ups, capups * sizeof *ups);
	}
	ups[nups++] = *u;
	pthread_mutex_unlock(&ups_lock);
}

/* Counts rows of a table. */
static long long count(const char *table)
{
	char *cause = NULL;
	struct store *s = store_open(conf, STORE_MIGRATE, &cause);
	long long n;

	ck_assert_msg(s != NULL, "%s", cause);
	n = store_count(s, table, &cause);
	store_close(s);
	return n;
}

START_TEST(test_kill_burst)
{
	struct signal s;
	struct order *o = NULL;
	struct oms_status st;
	pthread_t t;
	char *cause = NULL;
	size_t n = 0, i, refused = 0;

	setup();
	ck_assert_msg(oms_start(conf, &cause) == 0, "%s", cause);
	oms_kill("test", 0);
	ck_assert(oms_killed());
	atomic_store(&flooding, 1);
	ck_assert_int_eq(pthread_create(&t, NULL, flood, NULL), 0);
	for (i = 0; i < 1000; i++) {
		make_signal(&s, i + 1);
		ck_assert_msg(oms_submit_signal(&s, "test", 1, 10, &o, &n, &cause) == 0, "%s", cause);
		ck_assert_uint_eq(n, 1);
		if (o[0].state == ORDER_REJECTED && o[0].reason == OR_KILL_SWITCH)
			refused++;
		free(o);
	}
	atomic_store(&flooding, 0);
	pthread_join(t, NULL);
	ck_assert_uint_eq(refused, 1000);
	oms_get_status(&st);
	ck_assert_uint_eq(st.sent, 0);
	ck_assert_uint_eq(st.filled, 0);
	oms_stop();
	ck_assert_int_eq(count("fills"), 0);
	ck_assert_int_eq(count("orders"), 1000);

	/* The switch persists: a new OMS starts killed. */
	oms_set_update_sink(collect, NULL);
	nups = 0;
	ck_assert_msg(oms_start(conf, &cause) == 0, "%s", cause);
	ck_assert(oms_killed());
	ck_assert_int_eq(oms_resume("test", &cause), 0);
	ck_assert(!oms_killed());
	/* After resume: stored, sent, filled (a marketable quote). */
	put_quote(99.0, 99.2);
	make_signal(&s, 5000);
	ck_assert_msg(oms_submit_signal(&s, "test", 1, 10, &o, &n, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(n, 1);
	ck_assert_msg(o[0].state != ORDER_REJECTED, "refused: %s", o[0].reason_text);
	free(o);
	put_quote(98.0, 98.2);          /* the ask crosses the resting buy */
	for (i = 0; i < 200; i++) {
		oms_get_status(&st);
		if (st.filled > 0 && st.working == 0)
			break;
		usleep(10000);
	}
	ck_assert_msg(st.filled > 0, "no fill");
	oms_stop();
	ck_assert_int_ge(count("fills"), 1);
	/* The strategy's updates of signal 5000's order: sent, then its
	 * fills, the last one FILLED -- against the fills the store holds. */
	{
		struct store *db = store_open(conf, STORE_MIGRATE, &cause);
		struct fill *fl = NULL;
		double sum = 0, val = 0, qty = 0;
		size_t nf = 0, k, nfill = 0;

		ck_assert_msg(db != NULL, "%s", cause);
		ck_assert_msg(store_get_fills(db, NULL, 0, &fl, &nf, &cause) == 0, "%s", cause);
		store_close(db);
		ck_assert_uint_ge(nups, 2);
		ck_assert_int_eq(ups[0].state, ORDER_PENDING);
		for (k = 0; k < nups; k++) {
			ck_assert_uint_eq(ups[k].signal_id, 5000);
			ck_assert_str_eq(ups[k].strategy, "volarb");
			ck_assert_str_eq(ups[k].symbol, "AAA");
			ck_assert_str_eq(ups[k].client_id, ups[0].client_id);
			ck_assert_int_eq(ups[k].side, 1);
			ck_assert(ups[k].instrument[0] == '\0');        /* the engine adds it */
			if (ups[k].last_qty > 0)
				nfill++, sum += ups[k].last_qty;
		}
		ck_assert_int_eq(ups[nups - 1].state, ORDER_FILLED);
		ck_assert_uint_eq(nfill, nf);
		for (k = 0; k < nf; k++) {
			ck_assert_str_eq(fl[k].client_id, ups[0].client_id);
			val += fl[k].qty * fl[k].price;
			qty += fl[k].qty;
		}
		ck_assert_double_eq_tol(sum, qty, 1e-9);
		ck_assert_double_eq_tol(ups[nups - 1].filled, qty, 1e-9);
		ck_assert_double_eq_tol(ups[nups - 1].qty, qty, 1e-9);
		ck_assert_double_eq_tol(ups[nups - 1].avg_price, val / qty, 1e-9 * val / qty);
		free(fl);
	}
	nups = 0;
	/* A restart finds nothing to reconcile. */
	ck_assert_msg(oms_start(conf, &cause) == 0, "%s", cause);
	oms_get_status(&st);
	ck_assert_uint_eq(st.differences, 0);
	oms_stop();
	conf_free(conf);
}
END_TEST

/* Rows of the paper broker's own ledger (its file) in a state. */
static long long paper_count(const char *path, int state)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long n = -1;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM paper_orders WHERE state = ?1",
	    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int(st, 1, state);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

START_TEST(test_kill_many)
{
	static const char *const kv[][2] = {
		{ "paper.latency_ms", "0" }, { "pretrade.max_orders", "1024" },
		{ "pretrade.rate_window", "0.001" }, { "pretrade.dup_window", "0" },
		{ "pretrade.max_position", "1e12" }, { "orders.buying_power", "1e15" },
		{ "orders.data_timeout", "0" }, { "orders.max_daily_loss", "0" },
	};
	enum { N = 600 };
	char kdir[] = "/tmp/qdesk-oms-kill-XXXXXX", path[600], paper[600], *cause = NULL;
	struct conf *kc;
	struct store *db;
	struct order *o = NULL, *all = NULL;
	struct oms_status st;
	struct signal s;
	size_t n = 0, i, cancelled = 0;

	log_set_stderr(0);
	ck_assert_ptr_nonnull(mkdtemp(kdir));
	kc = conf_new();
	snprintf(path, sizeof path, "%s/qdesk.db", kdir);
	ck_assert_msg(conf_set(kc, "store.path", path, &cause) == 0, "%s", cause);
	snprintf(paper, sizeof paper, "%s/paper.db", kdir);
	ck_assert_msg(conf_set(kc, "paper.path", paper, &cause) == 0, "%s", cause);
	for (i = 0; i < sizeof kv / sizeof kv[0]; i++)
		ck_assert_msg(conf_set(kc, kv[i][0], kv[i][1], &cause) == 0, "%s", cause);
	put_bars();
	oms_set_update_sink(collect, NULL);
	nups = 0;
	ck_assert_msg(oms_start(kc, &cause) == 0, "%s", cause);
	/* N buys resting below the ask (bid + 30% of the spread). */
	for (i = 0; i < N; i++) {
		if (i % 100 == 0)
			put_quote(99.9, 100.1);
		make_signal(&s, 10000 + i);
		ck_assert_msg(oms_submit_signal(&s, "test", 1, 10, &o, &n, &cause) == 0, "%s", cause);
		ck_assert_uint_eq(n, 1);
		ck_assert_msg(o[0].state != ORDER_REJECTED, "order %zu refused: %s", i,
		    o[0].reason_text);
		free(o);
	}
	/* Every one acknowledged (the broker's file says so) and working. */
	for (i = 0; i < 500; i++) {
		oms_get_status(&st);
		if (st.working == N && paper_count(paper, ORDER_ACCEPTED) == N)
			break;
		usleep(10000);
	}
	ck_assert_uint_eq(st.working, N);
	ck_assert_int_eq(paper_count(paper, ORDER_ACCEPTED), N);
	oms_kill("test: many working orders", 0);
	for (i = 0; i < 1000; i++) {
		oms_get_status(&st);
		if (st.working == 0 && st.kill_cancel_ms > 0)
			break;
		usleep(10000);
	}
	ck_assert_uint_eq(st.working, 0);
	ck_assert_uint_eq(st.cancelled, N);
	ck_assert_uint_eq(st.filled, 0);
	ck_assert(st.kill_cancel_ms > 0);
	/* No refused cancel, no state the store would not take. */
	ck_assert_msg(st.last_error[0] == '\0', "%s", st.last_error);
	oms_stop();
	/* Each order's strategy heard of it twice: sent, then cancelled
	 * (signal ids 10000..10000+N-1, each once per state). */
	{
		unsigned char *seen = xcalloc(N, 1);

		ck_assert_uint_eq(nups, 2 * N);
		for (i = 0; i < nups; i++) {
			unsigned long k = ups[i].signal_id - 10000;

			ck_assert_uint_lt(k, N);
			ck_assert(ups[i].state == ORDER_PENDING || ups[i].state == ORDER_CANCELLED);
			ck_assert(ups[i].filled == 0 && ups[i].last_qty == 0);
			seen[k] |= ups[i].state == ORDER_PENDING ? 1 : 2;
		}
		for (i = 0; i < N; i++)
			ck_assert_int_eq(seen[i], 3);
		free(seen);
	}
	oms_set_update_sink(NULL, NULL);
	free(ups);
	ups = NULL;
	nups = capups = 0;
	/* The broker's own ledger: every order cancelled, none other. */
	ck_assert_int_eq(paper_count(paper, ORDER_CANCELLED), N);
	ck_assert_int_eq(paper_count(paper, ORDER_ACCEPTED), 0);
	ck_assert_int_eq(paper_count(paper, ORDER_FILLED), 0);
	/* The store: the same orders, every one cancelled. */
	db = store_open(kc, STORE_MIGRATE, &cause);
	ck_assert_msg(db != NULL, "%s", cause);
	ck_assert_msg(store_get_orders(db, 0, 0, &all, &n, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(n, N);
	for (i = 0; i < n; i++)
		cancelled += all[i].state == ORDER_CANCELLED;
	ck_assert_uint_eq(cancelled, N);
	free(all);
	ck_assert_int_eq(store_count(db, "fills", &cause), 0);
	store_close(db);
	/* A restart finds nothing to reconcile, and starts killed. */
	ck_assert_msg(oms_start(kc, &cause) == 0, "%s", cause);
	oms_get_status(&st);
	ck_assert_uint_eq(st.differences, 0);
	ck_assert_uint_eq(st.working, 0);
	ck_assert(oms_killed());
	oms_stop();
	conf_free(kc);
	snprintf(path, sizeof path, "rm -rf '%s'", kdir);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

/* Sums the fills of one order in the store (the reference for the
 * position the hedge is sized from). */
static double filled_of(struct conf *c, const char *client_id)
{
	struct store *db;
	struct fill *fl = NULL;
	char *cause = NULL;
	size_t n = 0, i;
	double q = 0;

	db = store_open(c, STORE_MIGRATE, &cause);
	ck_assert_msg(db != NULL, "%s", cause);
	ck_assert_msg(store_get_fills(db, client_id, 0, &fl, &n, &cause) == 0, "%s", cause);
	for (i = 0; i < n; i++)
		q += fl[i].side * fl[i].qty;
	free(fl);
	store_close(db);
	return q;
}

/* The orders of strategy "hedge" in the store (*out, newest first). */
static size_t hedges_of(struct conf *c, struct order *out, size_t max)
{
	struct store *db;
	struct order *all = NULL;
	char *cause = NULL;
	size_t n = 0, i, k = 0;

	db = store_open(c, STORE_MIGRATE, &cause);
	ck_assert_msg(db != NULL, "%s", cause);
	ck_assert_msg(store_get_orders(db, 0, 0, &all, &n, &cause) == 0, "%s", cause);
	for (i = 0; i < n; i++)
		if (strcmp(all[i].strategy, "hedge") == 0 && k < max)
			out[k++] = all[i];
	free(all);
	store_close(db);
	return k;
}

/* Waits until the OMS has no working order (at most ~5 s). */
static void wait_idle(struct oms_status *st)
{
	int i;

	for (i = 0; i < 500; i++) {
		oms_get_status(st);
		if (st->working == 0)
			return;
		usleep(10000);
	}
	ck_abort_msg("orders still working: %zu", st->working);
}

/*
 * Auto-hedge damping (risk.auto_hedge): threshold 100 shares, target 0.5.
 * A book long P shares of AAA (P > 100, from a filled buy) gets exactly
 * one hedge, a sell of P - 50 (back to +50, inside the band, not to zero),
 * and no second one while it rests; once filled, none for several watch
 * passes.  A second buy left resting brings the delta past the threshold
 * again: within risk.hedge_interval no hedge; restarted with no interval,
 * the hedge sells the resting buy's quantity -- the working order counts
 * in the delta.  Expected sizes are worked from the store's fills.
 */
START_TEST(test_auto_hedge)
{
	static const char *const kv[][2] = {
		{ "paper.latency_ms", "0" }, { "pretrade.max_orders", "1024" },
		{ "pretrade.rate_window", "0.001" }, { "pretrade.dup_window", "0" },
		{ "pretrade.max_position", "1e12" }, { "orders.buying_power", "1e15" },
		{ "orders.data_timeout", "0" }, { "orders.max_daily_loss", "0" },
		{ "risk.max_name_notional", "0" }, { "risk.max_gross", "0" },
		{ "risk.max_net", "0" }, { "risk.max_strategy_notional", "0" },
		{ "risk.max_notional", "0" }, { "risk.max_daily_loss", "0" },
		{ "risk.auto_hedge", "yes" }, { "risk.hedge_threshold", "100" },
		{ "risk.hedge_target", "0.5" }, { "risk.hedge_interval", "300" },
	};
	char hdir[] = "/tmp/qdesk-oms-hedge-XXXXXX", path[600], *cause = NULL;
	struct conf *hc;
	struct order *o = NULL, h[8], buy1, buy2;
	struct oms_status st;
	struct signal s;
	size_t n = 0, i;
	double P;

	log_set_stderr(0);
	ck_assert_ptr_nonnull(mkdtemp(hdir));
	hc = conf_new();
	snprintf(path, sizeof path, "%s/qdesk.db", hdir);
	ck_assert_msg(conf_set(hc, "store.path", path, &cause) == 0, "%s", cause);
	snprintf(path, sizeof path, "%s/paper.db", hdir);
	ck_assert_msg(conf_set(hc, "paper.path", path, &cause) == 0, "%s", cause);
	for (i = 0; i < sizeof kv / sizeof kv[0]; i++)
		ck_assert_msg(conf_set(hc, kv[i][0], kv[i][1], &cause) == 0, "%s", cause);
	put_bars();
	put_quote(99.9, 100.1);
	ck_assert_msg(oms_start(hc, &cause) == 0, "%s", cause);
	/* a buy of more than 100 shares, filled (the ask drops through it) */
	make_signal(&s, 20001);
	s.size_hint = 1;
	ck_assert_msg(oms_submit_signal(&s, "test", 1, 10, &o, &n, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(n, 1);
	ck_assert_msg(o[0].state != ORDER_REJECTED, "%s", o[0].reason_text);
	buy1 = o[0];
	free(o);
	ck_assert_msg(buy1.qty > 150, "the buy is %g shares: too few to breach 100", buy1.qty);
	put_quote(98.0, 98.2);
	/* (the hedge may go out before the last part fills: the working
	 * remainder counts in the delta, so its size is the same) */
	for (i = 0; i < 500 && filled_of(hc, buy1.client_id) < buy1.qty; i++)
		usleep(10000);
	P = filled_of(hc, buy1.client_id);
	ck_assert_double_eq(P, buy1.qty);
	/* the watch (once a second) sends the hedge; it rests (sell limit
	 * above the bid): no second hedge while it works */
	for (i = 0; i < 300 && hedges_of(hc, h, 8) == 0; i++)
		usleep(10000);
	sleep(3);
	ck_assert_uint_eq(hedges_of(hc, h, 8), 1);
	ck_assert_int_eq(h[0].side, -1);
	ck_assert_double_eq(h[0].qty, P - 50);
	ck_assert_str_eq(h[0].symbol, "AAA");
	/* it fills (the bid rises through its limit): +50 shares, inside */
	put_quote(h[0].limit + 0.1, h[0].limit + 0.3);
	wait_idle(&st);
	ck_assert_double_eq(filled_of(hc, h[0].client_id), -(P - 50));
	sleep(3);
	ck_assert_uint_eq(hedges_of(hc, h, 8), 1);
	/* a second buy that rests: +50 + its qty > 100, but the last hedge
	 * was less than risk.hedge_interval ago */
	make_signal(&s, 20002);
	s.size_hint = 1;
	ck_assert_msg(oms_submit_signal(&s, "test", 1, 10, &o, &n, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(n, 1);
	ck_assert_msg(o[0].state != ORDER_REJECTED, "%s", o[0].reason_text);
	buy2 = o[0];
	free(o);
	ck_assert(buy2.qty > 50);
	sleep(3);
	ck_assert_uint_eq(hedges_of(hc, h, 8), 1);
	oms_get_status(&st);
	ck_assert_uint_eq(st.working, 1);       /* the resting buy */
	oms_stop();
	/* No interval: the hedge is due now, sized with the working buy as
	 * if filled -- a sell of exactly its quantity (back to +50). */
	ck_assert_msg(conf_set(hc, "risk.hedge_interval", "0", &cause) == 0, "%s", cause);
	ck_assert_msg(oms_start(hc, &cause) == 0, "%s", cause);
	for (i = 0; i < 300 && hedges_of(hc, h, 8) < 2; i++)
		usleep(10000);
	sleep(2);
	ck_assert_uint_eq(hedges_of(hc, h, 8), 2);
	ck_assert_int_eq(h[0].side, -1);
	ck_assert_double_eq(h[0].qty, buy2.qty);
	oms_get_status(&st);
	ck_assert_uint_eq(st.differences, 0);
	oms_stop();
	conf_free(hc);
	snprintf(path, sizeof path, "rm -rf '%s'", hdir);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

/* The payload of the last audit entry of a kind, or NULL (caller frees). */
static char *audit_last(struct conf *c, const char *kind)
{
	struct store *db;
	struct store_audit *a = NULL;
	char *cause = NULL, *p = NULL;
	size_t n = 0, i;

	db = store_open(c, STORE_MIGRATE, &cause);
	ck_assert_msg(db != NULL, "%s", cause);
	ck_assert_msg(store_audit_read(db, 0, 0, &a, &n, &cause) == 0, "%s", cause);
	for (i = 0; i < n; i++)
		if (strcmp(a[i].kind, kind) == 0) {
			free(p);
			p = xstrdup(a[i].payload);
		}
	store_audit_free(a, n);
	store_close(db);
	return p;
}

/*
 * Legging: a two-leg signal (buy AAA, sell BBB, both resting at the
 * passive side with orders.limit_fraction 0) whose AAA leg fills when the
 * market trades through it, and whose BBB leg is then cancelled unfilled:
 * the OMS says the book holds an unhedged leg, in the audit trail (kind
 * legging) with both legs' fills.  A signal whose two legs both fill is
 * not legging.
 */
START_TEST(test_legging)
{
	static const char *const kv[][2] = {
		{ "paper.latency_ms", "0" }, { "pretrade.max_orders", "1024" },
		{ "pretrade.rate_window", "0.001" }, { "pretrade.dup_window", "0" },
		{ "pretrade.max_position", "1e12" }, { "orders.buying_power", "1e15" },
		{ "orders.data_timeout", "0" }, { "orders.max_daily_loss", "0" },
		{ "risk.max_name_notional", "0" }, { "risk.max_gross", "0" },
		{ "risk.max_net", "0" }, { "risk.max_strategy_notional", "0" },
		{ "risk.max_notional", "0" }, { "risk.max_daily_loss", "0" },
		{ "orders.limit_fraction", "0" },
	};
	char ldir[] = "/tmp/qdesk-oms-legs-XXXXXX", path[600], *cause = NULL, *p, want[160];
	struct conf *lc;
	struct order *o = NULL, a, b;
	struct oms_status st;
	struct signal s;
	size_t n = 0, i;

	log_set_stderr(0);
	ck_assert_ptr_nonnull(mkdtemp(ldir));
	lc = conf_new();
	snprintf(path, sizeof path, "%s/qdesk.db", ldir);
	ck_assert_msg(conf_set(lc, "store.path", path, &cause) == 0, "%s", cause);
	snprintf(path, sizeof path, "%s/paper.db", ldir);
	ck_assert_msg(conf_set(lc, "paper.path", path, &cause) == 0, "%s", cause);
	for (i = 0; i < sizeof kv / sizeof kv[0]; i++)
		ck_assert_msg(conf_set(lc, kv[i][0], kv[i][1], &cause) == 0, "%s", cause);
	put_bars();
	put_quote_of("AAA", 99.9, 100.1);
	put_quote_of("BBB", 49.9, 50.1);
	ck_assert_msg(oms_start(lc, &cause) == 0, "%s", cause);
	signal_init(&s, "meanrev", "AAA/BBB", "AAA", "test", SIGNAL_BUY, wall(), wall() + 3600);
	s.id = 30001;
	s.size_hint = 0.05;
	s.confidence = 1;
	signal_add_leg(&s, "AAA", 1);
	signal_add_leg(&s, "BBB", -2);
	ck_assert_msg(oms_submit_signal(&s, "test", 1, 10, &o, &n, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(n, 2);
	ck_assert_msg(o[0].state != ORDER_REJECTED && o[1].state != ORDER_REJECTED, "%s / %s",
	    o[0].reason_text, o[1].reason_text);
	a = o[0];
	b = o[1];
	free(o);
	ck_assert_str_eq(a.symbol, "AAA");
	ck_assert_double_eq(b.qty, 2 * a.qty);
	/* the AAA bid-side buy fills when the ask drops through it */
	put_quote_of("AAA", 98.0, 98.2);
	for (i = 0; i < 500 && filled_of(lc, a.client_id) < a.qty; i++)
		usleep(10000);
	ck_assert_double_eq(filled_of(lc, a.client_id), a.qty);
	p = audit_last(lc, "legging");
	ck_assert_msg(p == NULL, "legging said while BBB still works: %s", p);
	ck_assert_msg(oms_cancel(b.client_id, &cause) == 0, "%s", cause);
	wait_idle(&st);
	p = audit_last(lc, "legging");
	ck_assert_msg(p != NULL, "no legging entry after the BBB leg was cancelled unfilled");
	snprintf(want, sizeof want, "AAA buy %g of %g, BBB sell 0 of %g", a.qty, a.qty, b.qty);
	ck_assert_msg(strstr(p, "signal 30001 (meanrev) legs filled unevenly") != NULL &&
	    strstr(p, want) != NULL, "%s (want '%s')", p, want);
	free(p);
	/* Across a restart: the first leg fills, the order manager restarts
	 * (the paper broker keeps the second leg working), then the second
	 * leg is cancelled: the restarted OMS follows the legs again. */
	put_quote_of("AAA", 99.9, 100.1);
	s.id = 30002;
	ck_assert_msg(oms_submit_signal(&s, "test", 1, 10, &o, &n, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(n, 2);
	a = o[0];
	b = o[1];
	free(o);
	put_quote_of("AAA", 98.0, 98.2);
	for (i = 0; i < 500 && filled_of(lc, a.client_id) < a.qty; i++)
		usleep(10000);
	ck_assert_double_eq(filled_of(lc, a.client_id), a.qty);
	oms_stop();
	ck_assert_msg(oms_start(lc, &cause) == 0, "%s", cause);
	ck_assert_msg(oms_cancel(b.client_id, &cause) == 0, "%s", cause);
	wait_idle(&st);
	p = audit_last(lc, "legging");
	ck_assert_msg(p != NULL && strstr(p, "signal 30002 (meanrev) legs filled unevenly") != NULL,
	    "after a restart: %s", p != NULL ? p : "no legging entry");
	free(p);
	oms_stop();
	conf_free(lc);
	snprintf(path, sizeof path, "rm -rf '%s'", ldir);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("oms");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;
	char cmd[600];

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_kill_burst);
	tcase_add_test(tc, test_kill_many);
	tcase_add_test(tc, test_auto_hedge);
	tcase_add_test(tc, test_legging);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		failed++;
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
