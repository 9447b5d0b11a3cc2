/*
 * check_oms.c -- the order manager with the paper broker on a market state
 * of its own: with the kill switch engaged a burst of 1,000 approved
 * signals is refused in full while another thread floods the market state
 * (as a busy feed and strategy thread would); after resume an order is
 * stored before it is sent, fills, and its position is the sum of its
 * fills; the switch persists across a restart; a restart reconciles.
 */
#include "config.h"

#include <check.h>
#include <math.h>
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

/* A quote of AAA around 100 now. */
static void put_quote(double bid, double ask)
{
	struct quote q;

	memset(&q, 0, sizeof q);
	snprintf(q.symbol, sizeof q.symbol, "AAA");
	q.bid = bid;
	q.ask = ask;
	q.last = 0.5 * (bid + ask);
	q.bid_size = q.ask_size = 1000;
	q.volume = NAN;
	q.exch_time = q.recv_time = wall();
	mstate_put_quote(mstate_global(), "test", &q);
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
	/* A restart finds nothing to reconcile. */
	ck_assert_msg(oms_start(conf, &cause) == 0, "%s", cause);
	oms_get_status(&st);
	ck_assert_uint_eq(st.differences, 0);
	oms_stop();
	conf_free(conf);
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
