/*
 * check_engine.c -- the engine's plumbing: the bounded queue, exchange
 * time against the system's time-zone database, the headless front door's
 * durations, and starting and stopping the whole engine many times (run
 * under AddressSanitizer / ThreadSanitizer / valgrind for leaks and races).
 * A strategy survives a crash: a process trading automatically is killed
 * (SIGKILL) once meanrev holds a position, and a fresh engine started on
 * the same store rebuilds meanrev's holdings from the order manager's
 * restored positions -- compared with the positions the store holds --
 * and signals no entry for a pair it holds.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bqueue.h"
#include "conf.h"
#include "engine-int.h"
#include "engine.h"
#include "exchtime.h"
#include "headless.h"
#include "log.h"
#include "store.h"
#include "strategy.h"
#include "util.h"

/* A full queue refuses; items come out in order; close drains. */
START_TEST(test_bqueue_bounds)
{
	struct bqueue *q = bqueue_new(3, sizeof(int));
	struct bqueue_stats st;
	int i, v;

	ck_assert_ptr_nonnull(q);
	for (i = 1; i <= 3; i++)
		ck_assert_int_eq(bqueue_push(q, &i), 0);
	ck_assert_int_eq(bqueue_push(q, &i), -1);
	bqueue_get_stats(q, &st);
	ck_assert_uint_eq(st.depth, 3);
	ck_assert_uint_eq(st.refused, 1);
	ck_assert_uint_eq(st.high_water, 3);
	ck_assert_int_eq(bqueue_pop(q, &v, 0), 1);
	ck_assert_int_eq(v, 1);
	i = 4;
	ck_assert_int_eq(bqueue_push(q, &i), 0);     /* wraps around */
	bqueue_close(q);
	ck_assert_int_eq(bqueue_push(q, &i), -1);
	for (i = 2; i <= 4; i++) {
		ck_assert_int_eq(bqueue_pop(q, &v, -1), 1);
		ck_assert_int_eq(v, i);
	}
	ck_assert_int_eq(bqueue_pop(q, &v, -1), 0);  /* closed and empty */
	ck_assert_int_eq(bqueue_pop(q, &v, 0.01), 0);
	bqueue_free(q);
	ck_assert_ptr_null(bqueue_new(0, 4));
	ck_assert_ptr_null(bqueue_new(4, 0));
}
END_TEST

struct bq_producer {
	struct bqueue *q;
	int base, n;
};

/* Pushes n distinct values, retrying while the queue is full. */
static void *bq_produce(void *arg)
{
	struct bq_producer *p = arg;
	int i, v;

	for (i = 0; i < p->n; i++) {
		v = p->base + i;
		while (bqueue_push(p->q, &v) != 0)
			sched_yield();
	}
	return NULL;
}

/* Four producers, one consumer through a small queue: nothing lost or
 * duplicated. */
START_TEST(test_bqueue_threads)
{
	enum { NP = 4, N = 20000 };
	struct bqueue *q = bqueue_new(16, sizeof(int));
	struct bq_producer p[NP];
	pthread_t t[NP];
	unsigned char *seen = xcalloc(NP * N, 1);
	int i, v, got = 0;

	for (i = 0; i < NP; i++) {
		p[i].q = q;
		p[i].base = i * N;
		p[i].n = N;
		ck_assert_int_eq(pthread_create(&t[i], NULL, bq_produce, &p[i]), 0);
	}
	while (got < NP * N) {
		ck_assert_int_eq(bqueue_pop(q, &v, 5.0), 1);
		ck_assert(v >= 0 && v < NP * N);
		ck_assert_int_eq(seen[v], 0);
		seen[v] = 1;
		got++;
	}
	for (i = 0; i < NP; i++)
		pthread_join(t[i], NULL);
	free(seen);
	bqueue_free(q);
}
END_TEST

/* Offsets of every zone, hour by hour up to 2040 from when today's rules
 * began (US 2007, EU 1996), against glibc's
 * reading of the tz database (TZ set in this single-threaded test). */
START_TEST(test_exchtime_vs_tzdata)
{
	static const char *const zones[] = {
		"America/New_York", "America/Chicago", "Europe/London", "Europe/Berlin", "UTC"
	};
	size_t z;
	char *old = getenv("TZ") != NULL ? xstrdup(getenv("TZ")) : NULL;

	for (z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		char path[128];
		time_t t;
		long mismatches = 0;

		snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", zones[z]);
		ck_assert_msg(access(path, R_OK) == 0, "%s missing: install tzdata", path);
		setenv("TZ", zones[z], 1);
		tzset();
		/* The US rule applies from 2007, the EU's from 1996. */
		for (t = (z < 2 ? 1167609600 : 820454400); t < 2240524800; t += 3600) {
			struct tm tm;
			long off;
			int date, wd;
			double min;

			localtime_r(&t, &tm);
			ck_assert_int_eq(exch_utc_offset(zones[z], (double)t, &off), 0);
			ck_assert_int_eq(exch_local(zones[z], (double)t, &date, &min, &wd), 0);
			if (off != tm.tm_gmtoff || date != (tm.tm_year + 1900) * 10000 +
			    (tm.tm_mon + 1) * 100 + tm.tm_mday || wd != tm.tm_wday ||
			    fabs(min - (tm.tm_hour * 60 + tm.tm_min)) > 1e-9)
				mismatches++;
		}
		ck_assert_msg(mismatches == 0, "%s: %ld hours differ from tzdata", zones[z],
		    mismatches);
	}
	if (old != NULL) {
		setenv("TZ", old, 1);
		free(old);
	} else
		unsetenv("TZ");
	tzset();
	ck_assert_int_eq(exch_utc_offset("Mars/Olympus", 0, &(long){ 0 }), -1);
	ck_assert_int_eq(exch_local("UTC", NAN, NULL, NULL, NULL), -1);
}
END_TEST

/* Days from and to civil dates around the epoch and leap rules. */
START_TEST(test_exchtime_civil)
{
	int y, m, d;
	long z;

	ck_assert_int_eq(exch_days_from_civil(1970, 1, 1), 0);
	ck_assert_int_eq(exch_days_from_civil(2000, 3, 1), 11017);
	ck_assert_int_eq(exch_days_from_civil(1969, 12, 31), -1);
	for (z = -800000; z < 800000; z += 37) {
		exch_civil_from_days(z, &y, &m, &d);
		ck_assert_int_eq(exch_days_from_civil(y, m, d), z);
	}
}
END_TEST

/* Durations of run --for. */
START_TEST(test_duration)
{
	double s;

	ck_assert_int_eq(headless_parse_duration("90", &s), 0);
	ck_assert(s == 90);
	ck_assert_int_eq(headless_parse_duration("1.5m", &s), 0);
	ck_assert(s == 90);
	ck_assert_int_eq(headless_parse_duration("2h", &s), 0);
	ck_assert(s == 7200);
	ck_assert_int_eq(headless_parse_duration("1d", &s), 0);
	ck_assert(s == 86400);
	ck_assert_int_eq(headless_parse_duration("", &s), -1);
	ck_assert_int_eq(headless_parse_duration("-1", &s), -1);
	ck_assert_int_eq(headless_parse_duration("5x", &s), -1);
	ck_assert_int_eq(headless_parse_duration("5mm", &s), -1);
	ck_assert_int_eq(headless_parse_duration("nan", &s), -1);
}
END_TEST


/* Epoch of a New York local time through glibc's tz database (the
 * independent reference; TZ set in this single-threaded test). */
static double ny_epoch(int y, int mo, int d, int h, int mi)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	setenv("TZ", "America/New_York", 1);
	tzset();
	t = mktime(&tm);
	unsetenv("TZ");
	tzset();
	return (double)t;
}

/* The schedule over a trading day in daylight time, in 5-minute steps:
 * the pre-market round at 09:00, a round every 30 minutes of the session
 * 09:30..15:30, the post-market round at 16:30, each exactly once and at
 * the right local time; overnight, one round. */
START_TEST(test_schedule)
{
	struct conf *c = conf_new();
	struct engine_cfg cfg;
	struct engine_clock clk;
	const char *what = NULL;
	char *cause = NULL;
	double t, start = ny_epoch(2024, 3, 11, 8, 0), end = ny_epoch(2024, 3, 11, 17, 0);
	int n = 0, pre = 0, post = 0, slots = 0;

	ck_assert_msg(engine_cfg_read(&cfg, c, &cause) == 0, "%s", cause);
	memset(&clk, 0, sizeof clk);
	for (t = start; t <= end; t += 300) {
		if (!engine_schedule_due(&cfg, &clk, t, &what))
			continue;
		n++;
		if (strcmp(what, "pre-market") == 0) {
			pre++;
			ck_assert(t == ny_epoch(2024, 3, 11, 9, 0));
		} else if (strcmp(what, "post-market") == 0) {
			post++;
			ck_assert(t == ny_epoch(2024, 3, 11, 16, 30));
		} else {
			ck_assert_str_eq(what, "schedule");
			ck_assert(t == ny_epoch(2024, 3, 11, 9, 30) + 1800.0 * slots);
			slots++;
		}
	}
	ck_assert_int_eq(pre, 1);
	ck_assert_int_eq(post, 1);
	ck_assert_int_eq(slots, 13);
	ck_assert_int_eq(n, 15);
	/* From the close to the next open (the simulator's overnight jump):
	 * one round, not two. */
	memset(&clk, 0, sizeof clk);
	engine_schedule_due(&cfg, &clk, ny_epoch(2024, 3, 11, 16, 0), &what);
	ck_assert_int_eq(engine_schedule_due(&cfg, &clk, ny_epoch(2024, 3, 12, 9, 30), &what), 1);
	ck_assert_str_eq(what, "pre-market");
	ck_assert_int_eq(engine_schedule_due(&cfg, &clk, ny_epoch(2024, 3, 12, 9, 35), &what), 0);
	/* every_minutes = 0: no intraday rounds. */
	cfg.every_minutes = 0;
	memset(&clk, 0, sizeof clk);
	for (n = 0, t = start; t <= end; t += 300)
		n += engine_schedule_due(&cfg, &clk, t, &what);
	ck_assert_int_eq(n, 2);
	conf_free(c);
}
END_TEST

/* A small simulated market and a private store. */
static struct conf *engine_test_conf(char *dir)
{
	struct conf *c = conf_new();
	char path[512], *cause = NULL;
	static const char *const kv[][2] = {
		{ "sim.universe", "SIMA" }, { "sim.pairs", "1" }, { "sim.expiries", "3" },
		{ "sim.strikes", "7" }, { "sim.history_days", "80" }, { "sim.speed", "600" },
		{ "engine.workers", "2" }, { "engine.tick_ms", "5" }, { "log.level", "error" },
	};
	size_t i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/qdesk.db", dir);
	ck_assert_msg(conf_set(c, "store.path", path, &cause) == 0, "%s", cause);
	for (i = 0; i < sizeof kv / sizeof kv[0]; i++)
		if (conf_find(kv[i][0]) >= 0)
			ck_assert_msg(conf_set(c, kv[i][0], kv[i][1], &cause) == 0, "%s", cause);
	return c;
}

/* Start and stop the whole engine 100 times, some stops immediate, some
 * after it had time to calibrate; everything must come down cleanly. */
START_TEST(test_engine_restart)
{
	char dir[] = "/tmp/qdesk-engine-XXXXXX", cmd[600];
	struct conf *c = engine_test_conf(dir);
	struct engine_status st;
	char *cause = NULL;
	int i;

	for (i = 0; i < 100; i++) {
		ck_assert_msg(engine_start(c, &cause) == 0, "start %d: %s", i, cause);
		ck_assert_int_eq(engine_running(), 1);
		ck_assert_int_eq(engine_start(c, &cause), -1);  /* already running */
		free(cause);
		cause = NULL;
		if (i % 10 == 9)
			usleep(200000);
		ck_assert_int_eq(engine_stop(), 0);
		ck_assert_int_eq(engine_running(), 0);
	}
	ck_assert_int_eq(engine_stop(), -1);
	engine_get_status(&st);
	ck_assert_int_eq(st.running, 0);
	conf_free(c);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* The simulator's pairs, trading meanrev automatically on the paper
 * broker, with a private store and broker ledger. */
static struct conf *restore_test_conf(const char *dir)
{
	struct conf *c = conf_new();
	char path[512], *cause = NULL;
	static const char *const kv[][2] = {
		{ "sim.universe", "SIMA" }, { "sim.pairs", "4" }, { "sim.expiries", "2" },
		{ "sim.strikes", "5" }, { "sim.history_days", "60" }, { "sim.speed", "30" },
		{ "engine.workers", "2" }, { "log.level", "error" }, { "paper.latency_ms", "20" },
		{ "orders.max_daily_loss", "0" }, { "volarb.enabled", "no" },
		{ "termstruct.enabled", "no" }, { "meanrev.auto", "yes" },
	};
	size_t i;

	snprintf(path, sizeof path, "%s/qdesk.db", dir);
	ck_assert_msg(conf_set(c, "store.path", path, &cause) == 0, "%s", cause);
	snprintf(path, sizeof path, "%s/paper.db", dir);
	ck_assert_msg(conf_set(c, "paper.path", path, &cause) == 0, "%s", cause);
	for (i = 0; i < sizeof kv / sizeof kv[0]; i++)
		ck_assert_msg(conf_set(c, kv[i][0], kv[i][1], &cause) == 0, "%s: %s", kv[i][0], cause);
	return c;
}

/* meanrev's stored positions (symbol, qty) and its open orders; -1 when
 * the store cannot be read yet. */
static int restore_stored(struct conf *c, struct store_position **pos, size_t *npos,
    size_t *nopen)
{
	struct order *o = NULL;
	struct store *db;
	char *cause = NULL;
	size_t i, k = 0, n = 0;

	*pos = NULL;
	*npos = *nopen = 0;
	if ((db = store_open(c, STORE_MIGRATE, &cause)) == NULL) {
		free(cause);
		return -1;
	}
	if (store_get_positions(db, pos, npos, &cause) != 0 ||
	    store_get_orders(db, 1, 0, &o, &n, &cause) != 0) {
		free(cause);
		store_close(db);
		return -1;
	}
	store_close(db);
	for (i = 0; i < *npos; i++)
		if (strcmp((*pos)[i].strategy, "meanrev") == 0 && (*pos)[i].qty != 0)
			(*pos)[k++] = (*pos)[i];
	*npos = k;
	for (i = 0; i < n; i++)
		*nopen += strcmp(o[i].strategy, "meanrev") == 0;
	free(o);
	return 0;
}

/* The stored position of a symbol (0 when none). */
static double restore_qty(const struct store_position *pos, size_t n, const char *symbol)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(pos[i].symbol, symbol) == 0)
			return pos[i].qty;
	return 0;
}

START_TEST(test_engine_restore_after_kill)
{
	char dir[] = "/tmp/qdesk-restore-XXXXXX", cmd[600], hold[1024], want[256];
	struct store_position *pos = NULL;
	struct conf *c;
	size_t npos = 0, nopen = 0, i, mr = 0, nsig, held = 0;
	const struct engine_snap *es;
	const struct signal *sig;
	char *cause = NULL;
	int status, p, k;
	pid_t pid;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	c = restore_test_conf(dir);
	for (i = 0; i < strategy_count; i++)
		if (strcmp(strategy_table[i]->name, "meanrev") == 0)
			mr = i;
	/* The crash: a child trades until meanrev holds something with none
	 * of its orders working, then kills itself. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (engine_start(c, &cause) != 0)
			_exit(2);
		for (k = 0; k < 1200; k++) {
			usleep(100000);
			if (restore_stored(c, &pos, &npos, &nopen) == 0 && npos > 0 && nopen == 0)
				kill(getpid(), SIGKILL);
			free(pos);
		}
		_exit(3);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "the trading child did not reach a meanrev position in 120 s (status %d)", status);
	ck_assert_int_eq(restore_stored(c, &pos, &npos, &nopen), 0);
	ck_assert_uint_gt(npos, 0);
	/* A fresh engine (this process never ran one), trading off so the
	 * positions stay as stored. */
	ck_assert_msg(conf_set(c, "meanrev.auto", "no", &cause) == 0, "%s", cause);
	ck_assert_msg(engine_start(c, &cause) == 0, "%s", cause);
	for (k = 0; k < 600; k++) {
		engine_strategy_holdings(mr, hold, sizeof hold);
		if (hold[0] != '\0' && strstr(hold, "unmatched") == NULL)
			break;
		usleep(100000);
	}
	/* Every pair with a leg held, with the legs the store holds; the
	 * direction from the legs: long when leg 1 is long (or leg 1 flat
	 * and leg 2 short) -- or flat when it has already signalled the
	 * exit (it assumes its signals are acted on; trading is off). */
	es = engine_snapshot();
	sig = engine_snap_signals(es, &nsig);
	for (p = 1; p <= 4; p++) {
		char l1[16], l2[16], pair[40];
		const char *at, *way;
		double q1, q2;
		int exiting = 0;

		snprintf(l1, sizeof l1, "PR%dA", p);
		snprintf(l2, sizeof l2, "PR%dB", p);
		snprintf(pair, sizeof pair, "%s/%s ", l1, l2);
		q1 = restore_qty(pos, npos, l1);
		q2 = restore_qty(pos, npos, l2);
		if (q1 == 0 && q2 == 0)
			continue;
		held++;
		for (i = 0; i < nsig; i++)
			exiting |= strcmp(sig[i].strategy, "meanrev") == 0 &&
			    sig[i].side == SIGNAL_EXIT && strncmp(sig[i].instrument, pair,
			    strlen(pair) - 1) == 0 && sig[i].instrument[strlen(pair) - 1] == '\0';
		way = q1 > 0 || (q1 == 0 && q2 < 0) ? "long" : "short";
		ck_assert_msg((at = strstr(hold, pair)) != NULL, "meanrev holds '%s': no %s", hold,
		    pair);
		at += strlen(pair);
		ck_assert_msg(strncmp(at, way, strlen(way)) == 0 ||
		    (exiting && strncmp(at, "flat", 4) == 0), "meanrev holds '%s': %s not %s%s",
		    hold, pair, way, exiting ? " (or flat, exiting)" : "");
		snprintf(want, sizeof want, " leg1 %g leg2 %g working 0", q1, q2);
		ck_assert_msg(strncmp(strchr(at, ' '), want, strlen(want)) == 0,
		    "meanrev holds '%s', not '%s%s'", hold, pair, want + 1);
	}
	engine_snap_release(es);
	ck_assert_uint_gt(held, 0);
	/* Running on: no entry signal for a pair it holds. */
	usleep(3000000);
	es = engine_snapshot();
	sig = engine_snap_signals(es, &nsig);
	for (i = 0; i < nsig; i++) {
		char l1[16], l2[16];

		if (strcmp(sig[i].strategy, "meanrev") != 0 || sig[i].side == SIGNAL_EXIT ||
		    sscanf(sig[i].instrument, "%15[^/]/%15s", l1, l2) != 2)
			continue;
		ck_assert_msg(restore_qty(pos, npos, l1) == 0 && restore_qty(pos, npos, l2) == 0,
		    "signal %lu: %s on %s, which meanrev holds", sig[i].id, sig[i].kind,
		    sig[i].instrument);
	}
	engine_snap_release(es);
	ck_assert_int_eq(engine_stop(), 0);
	free(pos);
	conf_free(c);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	log_set_stderr(0);      /* the alerts of a small market are expected */
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_bqueue_bounds);
	tcase_add_test(tc, test_bqueue_threads);
	tcase_add_test(tc, test_exchtime_vs_tzdata);
	tcase_add_test(tc, test_exchtime_civil);
	tcase_add_test(tc, test_duration);
	tcase_add_test(tc, test_schedule);
	tcase_add_test(tc, test_engine_restart);
	tcase_add_test(tc, test_engine_restore_after_kill);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
