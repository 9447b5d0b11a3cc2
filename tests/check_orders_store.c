/*
 * check_orders_store.c -- orders, fills, positions and meta in the store
 * (issue 7): one suite run against SQLite (a temporary file) and, when
 * QDESK_TEST_PG_DSN names a server, against PostgreSQL (a fresh database,
 * dropped afterwards; tests/orders-pg.test starts a throwaway server and
 * runs this program again with that variable set).
 *
 * References are independent of the code under test: the structs written
 * (read back bit for bit), positions and realised P&L worked by hand for
 * a documented sequence of trades, the sum of the fills read back for a
 * generated sequence, and the row counts of the tables.
 */
#include "config.h"

#include <check.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "util.h"

static int is_pg;
static char tmpdir[256];
static char pg_db[64];

/* Runs one SQL statement on the admin connection of QDESK_TEST_PG_DSN. */
static void pg_admin(const char *sql)
{
	PGconn *c = PQconnectdb(getenv("QDESK_TEST_PG_DSN"));
	PGresult *r;

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
	r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

/* Opens a fresh, migrated store of the backend under test. */
static struct store *open_fresh(void)
{
	static int counter;
	struct store *s;
	char *cause = NULL, path[400];

	counter++;
	if (is_pg) {
		char *sql, *dsn;

		snprintf(pg_db, sizeof pg_db, "qd_orders_%d_%d", (int)getpid(), counter);
		sql = xasprintf("CREATE DATABASE %s", pg_db);
		pg_admin(sql);
		free(sql);
		dsn = xasprintf("%s dbname=%s", getenv("QDESK_TEST_PG_DSN"), pg_db);
		s = store_open_pg(dsn, &cause);
		free(dsn);
	} else {
		snprintf(path, sizeof path, "%s/orders-%d.db", tmpdir, counter);
		s = store_open_sqlite(path, &cause);
	}
	ck_assert_msg(s != NULL, "%s", cause);
	ck_assert_msg(store_migrate(s, -1, NULL, &cause) == 0, "%s", cause);
	return s;
}

/* Closes the store (and drops the PostgreSQL database). */
static void close_fresh(struct store *s)
{
	store_close(s);
	if (is_pg) {
		char *sql = xasprintf("DROP DATABASE %s", pg_db);

		pg_admin(sql);
		free(sql);
	}
}

/* A limit order in state PENDING. */
static void make_order(struct order *o, const char *id, const char *strategy,
    const char *symbol, int side, double qty, double limit)
{
	memset(o, 0, sizeof *o);
	snprintf(o->client_id, sizeof o->client_id, "%s", id);
	snprintf(o->strategy, sizeof o->strategy, "%s", strategy);
	snprintf(o->symbol, sizeof o->symbol, "%s", symbol);
	o->side = side;
	o->type = ORDER_LIMIT;
	o->qty = qty;
	o->limit = limit;
	o->filled = 0;
	o->avg_price = NAN;
	o->multiplier = 1;
	o->arrival_mid = limit;
	o->created = o->updated = 1700000000.25;
	o->expires = NAN;
	o->state = ORDER_PENDING;
}

/* A fill of order o; o is updated as the OMS would (filled, average, state). */
static void make_fill(struct fill *f, struct order *o, const char *fill_id, double qty,
    double price, double fee, double t)
{
	double was = o->filled;

	memset(f, 0, sizeof *f);
	snprintf(f->client_id, sizeof f->client_id, "%s", o->client_id);
	snprintf(f->fill_id, sizeof f->fill_id, "%s", fill_id);
	snprintf(f->symbol, sizeof f->symbol, "%s", o->symbol);
	snprintf(f->strategy, sizeof f->strategy, "%s", o->strategy);
	f->side = o->side;
	f->qty = qty;
	f->price = price;
	f->fee = fee;
	f->multiplier = o->multiplier;
	f->time = t;
	f->arrival_mid = o->arrival_mid;
	f->slippage_bp = NAN;
	o->filled = was + qty;
	o->avg_price = was == 0 ? price : (o->avg_price * was + price * qty) / o->filled;
	o->state = o->filled >= o->qty ? ORDER_FILLED : ORDER_PARTIAL;
	o->updated = t;
}

/* Bitwise equality of two doubles (NaN equals NaN). */
static int same(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b));
}

/* Asserts that two orders are equal field by field, doubles bit for bit. */
static void assert_order_eq(const struct order *a, const struct order *b)
{
	ck_assert_str_eq(a->client_id, b->client_id);
	ck_assert_str_eq(a->broker_id, b->broker_id);
	ck_assert(a->signal_id == b->signal_id);
	ck_assert_str_eq(a->strategy, b->strategy);
	ck_assert_str_eq(a->symbol, b->symbol);
	ck_assert_int_eq(a->side, b->side);
	ck_assert_int_eq(a->type, b->type);
	ck_assert(same(a->qty, b->qty));
	ck_assert(same(a->limit, b->limit));
	ck_assert(same(a->filled, b->filled));
	ck_assert(same(a->avg_price, b->avg_price));
	ck_assert(same(a->multiplier, b->multiplier));
	ck_assert(same(a->arrival_mid, b->arrival_mid));
	ck_assert(same(a->created, b->created));
	ck_assert(same(a->updated, b->updated));
	ck_assert(same(a->expires, b->expires));
	ck_assert_int_eq(a->state, b->state);
	ck_assert_int_eq(a->reason, b->reason);
	ck_assert_str_eq(a->reason_text, b->reason_text);
	ck_assert_int_eq(a->risk_reducing, b->risk_reducing);
}

/* Asserts that a call failed with a cause containing want. */
#define ASSERT_FAILS(call, want) do {						\
	char *cause_ = NULL;							\
	int rc_ = (call);							\
	ck_assert_msg(rc_ != 0, "expected a failure: %s", #call);		\
	ck_assert_msg(cause_ != NULL && strstr(cause_, want) != NULL,		\
	    "cause '%s' lacks '%s'", cause_ ? cause_ : "(null)", want);	\
	free(cause_);								\
} while (0)

/* Several orders in one transaction (the kill switch's cancel_pending
 * marks): all stored, or -- when one of them is refused -- none. */
static void run_orders_batch(struct store *s)
{
	struct order v[3], back;
	char *cause = NULL;
	long long ids[3], audits = store_count(s, "audit_log", &cause);
	size_t i;

	make_order(&v[0], "QDb1", "volarb", "AAA", 1, 5, 10.5);
	make_order(&v[1], "QDb2", "volarb", "AAA", -1, 7, 11.5);
	make_order(&v[2], "QDb3", "", "BBB", 1, 1, 20.25);
	for (i = 0; i < 3; i++)
		v[i].state = ORDER_ACCEPTED;
	ck_assert_msg(store_put_orders(s, v, 3, ids, &cause) == 0, "%s", cause);
	for (i = 0; i < 3; i++) {
		ck_assert(ids[i] > 0);
		ck_assert_int_eq(store_get_order(s, v[i].client_id, &back, &cause), 1);
		ck_assert(back.id == ids[i]);
		assert_order_eq(&v[i], &back);
	}
	ck_assert_int_eq(store_count(s, "audit_log", &cause), audits + 3);
	/* the second changes its quantity (refused): the first and third
	 * are not stored either */
	for (i = 0; i < 3; i++) {
		v[i].state = ORDER_CANCEL_PENDING;
		v[i].updated += 1;
	}
	v[1].qty = 8;
	ASSERT_FAILS(store_put_orders(s, v, 3, NULL, &cause_), "qty differs");
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(store_get_order(s, v[i].client_id, &back, &cause), 1);
		ck_assert_int_eq(back.state, ORDER_ACCEPTED);
	}
	ck_assert_int_eq(store_count(s, "audit_log", &cause), audits + 3);
	/* validation names the order before anything is written */
	v[1].qty = 7;
	v[2].side = 0;
	ASSERT_FAILS(store_put_orders(s, v, 3, NULL, &cause_), "order QDb3 (3 of 3): side");
	v[2].side = 1;
	ck_assert_msg(store_put_orders(s, v, 3, NULL, &cause) == 0, "%s", cause);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(store_get_order(s, v[i].client_id, &back, &cause), 1);
		assert_order_eq(&v[i], &back);
	}
	ck_assert_int_eq(store_count(s, "audit_log", &cause), audits + 6);
	ck_assert_int_eq(store_put_orders(s, v, 0, NULL, &cause), 0);
	/* leave them final so the open-order counts of the callers hold */
	for (i = 0; i < 3; i++) {
		v[i].state = ORDER_CANCELLED;
		v[i].updated += 1;
	}
	ck_assert_msg(store_put_orders(s, v, 3, NULL, &cause) == 0, "%s", cause);
}

/* Orders read back bit for bit; updates; identity and final states kept. */
static void run_orders(struct store *s)
{
	struct order o, back, *list;
	char *cause = NULL;
	long long id, id2;
	size_t n;

	make_order(&o, "QDtest1", "volarb", "SPY   240119C00470000", 1, 3, 0.1 + 0.2);
	o.signal_id = 18446744073709551615UL;
	o.multiplier = 100;
	o.arrival_mid = 1.0 / 3.0;
	o.created = o.updated = 1700000000.1234567;     /* below the microsecond */
	o.expires = 1700003600.5;
	snprintf(o.reason_text, sizeof o.reason_text, "say \"hi\"\tnaïve\n");
	o.risk_reducing = 1;
	ck_assert_msg(store_put_order(s, &o, &id, &cause) == 0, "%s", cause);
	ck_assert(id > 0);
	ck_assert_int_eq(store_get_order(s, "QDtest1", &back, &cause), 1);
	ck_assert(back.id == id);
	assert_order_eq(&o, &back);
	ck_assert_int_eq(store_get_order(s, "QDnone", &back, &cause), 0);

	/* accepted, then the same again: one row, its id kept */
	o.state = ORDER_ACCEPTED;
	snprintf(o.broker_id, sizeof o.broker_id, "B-77");
	o.updated += 1.5;
	ck_assert_msg(store_put_order(s, &o, &id2, &cause) == 0, "%s", cause);
	ck_assert(id2 == id);
	ck_assert_int_eq(store_get_order(s, "QDtest1", &back, &cause), 1);
	assert_order_eq(&o, &back);
	ck_assert_int_eq(store_count(s, "orders", &cause), 1);

	/* the identity of an order never changes */
	back = o;
	back.qty = 4;
	ASSERT_FAILS(store_put_order(s, &back, NULL, &cause_), "qty differs");
	back = o;
	back.side = -1;
	ASSERT_FAILS(store_put_order(s, &back, NULL, &cause_), "side differs");
	back = o;
	back.limit = 0.31;
	ASSERT_FAILS(store_put_order(s, &back, NULL, &cause_), "limit differs");

	/* validation names the order and the field */
	back = o;
	back.qty = NAN;
	ASSERT_FAILS(store_put_order(s, &back, NULL, &cause_), "order QDtest1: qty is NaN");
	back = o;
	back.side = 0;
	ASSERT_FAILS(store_put_order(s, &back, NULL, &cause_), "order QDtest1: side");
	back = o;
	back.limit = -1;
	ASSERT_FAILS(store_put_order(s, &back, NULL, &cause_), "limit is negative");
	back = o;
	back.filled = 5;
	ASSERT_FAILS(store_put_order(s, &back, NULL, &cause_), "filled is above qty");
	back = o;
	back.state = 99;
	ASSERT_FAILS(store_put_order(s, &back, NULL, &cause_), "state");
	back = o;
	back.client_id[0] = '\0';
	ASSERT_FAILS(store_put_order(s, &back, NULL, &cause_), "client_id empty");
	back = o;
	back.updated = INFINITY;
	ASSERT_FAILS(store_put_order(s, &back, NULL, &cause_), "updated is infinite");

	/* a final state is final */
	o.state = ORDER_CANCELLED;
	o.updated += 1;
	ck_assert_msg(store_put_order(s, &o, NULL, &cause) == 0, "%s", cause);
	back = o;
	back.state = ORDER_ACCEPTED;
	ASSERT_FAILS(store_put_order(s, &back, NULL, &cause_), "final state");

	/* open orders only */
	make_order(&o, "QDtest2", "", "AAPL", -1, 10, 190.25);
	ck_assert_msg(store_put_order(s, &o, NULL, &cause) == 0, "%s", cause);
	ck_assert_int_eq(store_get_orders(s, 1, 0, &list, &n, &cause), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(list[0].client_id, "QDtest2");
	free(list);
	ck_assert_int_eq(store_get_orders(s, 0, 0, &list, &n, &cause), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0].client_id, "QDtest2");        /* newest first */
	ck_assert_str_eq(list[1].client_id, "QDtest1");
	free(list);
	ck_assert_int_eq(store_get_orders(s, 0, 1, &list, &n, &cause), 0);
	ck_assert_uint_eq(n, 1);
	free(list);
	/* 4 order writes audited */
	ck_assert_int_eq(store_count(s, "audit_log", &cause), 4);
	run_orders_batch(s);
}

/* Fills: one transaction with the order and position; duplicates refused. */
static void run_fills(struct store *s)
{
	struct order o, bad, back;
	struct fill f1, f2, f3, *fl;
	struct store_position *p;
	char *cause = NULL;
	long long fid, audits;
	size_t n;

	make_order(&o, "QDf1", "meanrev", "GLD", 1, 3, 180.5);
	ck_assert_msg(store_put_order(s, &o, NULL, &cause) == 0, "%s", cause);
	make_fill(&f1, &o, "F-1", 1, 180.4, 1.25, 1700000100.000001);
	ck_assert_msg(store_put_fill(s, &f1, &o, &fid, &cause) == 0, "%s", cause);
	ck_assert(fid > 0);
	ck_assert_int_eq(store_get_order(s, "QDf1", &back, &cause), 1);
	ck_assert_int_eq(back.state, ORDER_PARTIAL);
	ck_assert(back.filled == 1 && back.avg_price == 180.4);

	/* the same fill again: refused, nothing written */
	audits = store_count(s, "audit_log", &cause);
	ck_assert_int_eq(store_put_fill(s, &f1, &o, NULL, &cause), 1);
	ck_assert_msg(strstr(cause, "F-1") != NULL && strstr(cause, "duplicate") != NULL, "%s",
	    cause);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(store_count(s, "fills", &cause), 1);
	ck_assert_int_eq(store_count(s, "audit_log", &cause), audits);

	/* an order that does not add up: refused, nothing written */
	bad = o;
	make_fill(&f2, &bad, "F-2", 2, 180.6, 0.5, 1700000200);
	bad.filled = 2.5;
	ASSERT_FAILS(store_put_fill(s, &f2, &bad, NULL, &cause_), "plus the fill");
	ck_assert_int_eq(store_count(s, "fills", &cause), 1);
	ck_assert_int_eq(store_count(s, "audit_log", &cause), audits);
	/* a fill of an order never stored */
	bad = o;
	snprintf(bad.client_id, sizeof bad.client_id, "QDnever");
	make_fill(&f3, &bad, "F-9", 1, 180, 0, 1700000200);
	ASSERT_FAILS(store_put_fill(s, &f3, &bad, NULL, &cause_), "is not stored");
	/* bad fields */
	f3 = f2;
	f3.price = NAN;
	ASSERT_FAILS(store_put_fill(s, &f3, &o, NULL, &cause_), "fill F-2 of order QDf1: price");
	f3 = f2;
	f3.fee = -1;
	ASSERT_FAILS(store_put_fill(s, &f3, &o, NULL, &cause_), "fee is negative");
	f3 = f2;
	f3.side = -1;
	ASSERT_FAILS(store_put_fill(s, &f3, &o, NULL, &cause_), "differ from the order");
	/* an overfill */
	bad = o;
	make_fill(&f3, &bad, "F-3", 3, 180, 0, 1700000200);
	bad.state = ORDER_PARTIAL;
	ASSERT_FAILS(store_put_fill(s, &f3, &bad, NULL, &cause_), "filled is above qty");

	make_fill(&f2, &o, "F-2", 2, 180.6, 0.5, 1700000200);
	ck_assert_msg(store_put_fill(s, &f2, &o, NULL, &cause) == 0, "%s", cause);
	ck_assert_int_eq(store_get_order(s, "QDf1", &back, &cause), 1);
	assert_order_eq(&o, &back);
	ck_assert_int_eq(back.state, ORDER_FILLED);
	/* a fill is audited twice: the order's new state, and the fill */
	ck_assert_int_eq(store_count(s, "audit_log", &cause), audits + 2);

	ck_assert_int_eq(store_get_fills(s, "QDf1", 0, &fl, &n, &cause), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(fl[0].fill_id, "F-2");        /* newest first */
	ck_assert(same(fl[0].time, f2.time) && same(fl[1].time, f1.time));
	ck_assert(same(fl[1].price, 180.4) && same(fl[1].fee, 1.25));
	ck_assert(isnan(fl[1].slippage_bp));
	ck_assert_str_eq(fl[1].strategy, "meanrev");
	free(fl);
	ck_assert_int_eq(store_get_positions(s, &p, &n, &cause), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(p[0].strategy, "meanrev");
	ck_assert_str_eq(p[0].symbol, "GLD");
	ck_assert(p[0].qty == 3);
	/* (1 x 180.4 + 2 x 180.6) / 3, by hand: 541.6 / 3 */
	ck_assert(fabs(p[0].avg_price - 541.6 / 3) < 1e-12);
	ck_assert(p[0].realized_pnl == 0);
	ck_assert(fabs(p[0].fees - 1.75) < 1e-12);
	ck_assert(same(p[0].opened, (double)llround(f1.time * 1e6) / 1e6));
	free(p);
}

/* Trades one fill as its own order. */
static void trade(struct store *s, const char *id, const char *strategy, const char *symbol,
    int side, double qty, double price, double mult, double t)
{
	struct order o;
	struct fill f;
	char *cause = NULL, fid[48];

	make_order(&o, id, strategy, symbol, side, qty, price);
	o.multiplier = mult;
	ck_assert_msg(store_put_order(s, &o, NULL, &cause) == 0, "%s", cause);
	snprintf(fid, sizeof fid, "X%s", id);
	make_fill(&f, &o, fid, qty, price, 1, t);
	ck_assert_msg(store_put_fill(s, &f, &o, NULL, &cause) == 0, "%s", cause);
}

/* Positions against a sequence worked by hand. */
static void run_positions(struct store *s)
{
	struct store_position *p;
	char *cause = NULL;
	size_t n;

	/* buy 10 @ 100, buy 10 @ 110: long 20 @ 105 */
	trade(s, "h1", "s1", "XYZ", 1, 10, 100, 1, 1700000001);
	trade(s, "h2", "s1", "XYZ", 1, 10, 110, 1, 1700000002);
	/* sell 15 @ 120: realise 15 x (120 - 105) = 225; long 5 @ 105 */
	trade(s, "h3", "s1", "XYZ", -1, 15, 120, 1, 1700000003);
	/* sell 10 @ 90: realise 5 x (90 - 105) = -75 (150); short 5 @ 90 */
	trade(s, "h4", "s1", "XYZ", -1, 10, 90, 1, 1700000004);
	ck_assert_int_eq(store_get_positions(s, &p, &n, &cause), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(p[0].qty == -5 && p[0].avg_price == 90 && p[0].realized_pnl == 150);
	ck_assert(p[0].opened == 1700000004 && p[0].updated == 1700000004);
	ck_assert(p[0].fees == 4);
	free(p);
	/* buy 5 @ 80: realise 5 x (90 - 80) = 50 (200); flat */
	trade(s, "h5", "s1", "XYZ", 1, 5, 80, 1, 1700000005);
	/* an option in another strategy, multiplier 100: buy 2 @ 1.5, sell 2 @ 2.25:
	 * 2 x 0.75 x 100 = 150 */
	trade(s, "h6", "s2", "XYZ   240119C00100000", 1, 2, 1.5, 100, 1700000006);
	trade(s, "h7", "s2", "XYZ   240119C00100000", -1, 2, 2.25, 100, 1700000007);
	ck_assert_int_eq(store_get_positions(s, &p, &n, &cause), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(p[0].strategy, "s1");
	ck_assert(p[0].qty == 0 && p[0].realized_pnl == 200 && p[0].fees == 5);
	ck_assert_str_eq(p[1].strategy, "s2");
	ck_assert(p[1].qty == 0 && p[1].multiplier == 100);
	ck_assert(fabs(p[1].realized_pnl - 150) < 1e-9);
	free(p);
}

/* Positions equal the sum of the fills of a generated sequence. */
static void run_sum_of_fills(struct store *s)
{
	static const char *const syms[] = { "AAA", "BBB", "CCC" };
	static const char *const strats[] = { "", "volarb" };
	struct store_position *p;
	struct fill *fl;
	unsigned long long x = 88172645463325252ULL;
	char *cause = NULL, id[32];
	size_t n, nf, i, j;
	int k;

	for (k = 0; k < 120; k++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		snprintf(id, sizeof id, "g%d", k);
		trade(s, id, strats[x % 2], syms[(x >> 8) % 3], (x >> 16) % 2 ? 1 : -1,
		    (double)(1 + (x >> 20) % 50), 10 + (double)((x >> 30) % 1000) / 100, 1,
		    1700000000 + k);
	}
	ck_assert_int_eq(store_get_fills(s, NULL, 0, &fl, &nf, &cause), 0);
	ck_assert_uint_eq(nf, 120);
	ck_assert_int_eq(store_get_positions(s, &p, &n, &cause), 0);
	ck_assert_uint_eq(n, 6);
	for (i = 0; i < n; i++) {
		double q = 0, fees = 0;

		for (j = 0; j < nf; j++) {
			if (strcmp(fl[j].symbol, p[i].symbol) == 0 &&
			    strcmp(fl[j].strategy, p[i].strategy) == 0) {
				q += fl[j].side * fl[j].qty;
				fees += fl[j].fee;
			}
		}
		ck_assert_msg(p[i].qty == q, "%s %s: position %g, fills sum to %g",
		    p[i].strategy, p[i].symbol, p[i].qty, q);
		ck_assert(p[i].fees == fees);
	}
	free(p);
	free(fl);
	{
		long long bad;

		ck_assert_msg(store_audit_verify(s, &bad, &cause) == 0, "%s", cause);
		/* per trade: the order, its update by the fill, the fill */
		ck_assert_int_eq(store_count(s, "audit_log", &cause), 360);
	}
}

/* Meta values. */
static void run_meta(struct store *s)
{
	char *cause = NULL, *v;

	ck_assert_int_eq(store_meta_get(s, "kill_switch", &v, &cause), 0);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(store_meta_set(s, "kill_switch", "engaged 1700000000 by kill", &cause),
	    0);
	ck_assert_int_eq(store_meta_get(s, "kill_switch", &v, &cause), 1);
	ck_assert_str_eq(v, "engaged 1700000000 by kill");
	free(v);
	ck_assert_int_eq(store_meta_set(s, "kill_switch", "off", &cause), 0);
	ck_assert_int_eq(store_meta_get(s, "kill_switch", &v, &cause), 1);
	ck_assert_str_eq(v, "off");
	free(v);
	ASSERT_FAILS(store_meta_set(s, "", "x", &cause_), "meta key empty");
	ASSERT_FAILS(store_meta_set(s, "k", "a\nb", &cause_), "control character");
}

/* The whole suite against one backend, each part on a fresh store. */
static void run_all(void)
{
	struct store *s;

	s = open_fresh();
	run_orders(s);
	close_fresh(s);
	s = open_fresh();
	run_fills(s);
	close_fresh(s);
	s = open_fresh();
	run_positions(s);
	close_fresh(s);
	s = open_fresh();
	run_sum_of_fills(s);
	run_meta(s);
	close_fresh(s);
}

START_TEST(test_sqlite)
{
	is_pg = 0;
	run_all();
}
END_TEST

START_TEST(test_pg)
{
	is_pg = 1;
	run_all();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("orders_store");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;
	char cmd[300];

	snprintf(tmpdir, sizeof tmpdir, "%s/qd-orders-XXXXXX", getenv("TMPDIR") ?
	    getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_sqlite);
	if (getenv("QDESK_TEST_PG_DSN") != NULL)
		tcase_add_test(tc, test_pg);
	else
		printf("check_orders_store: QDESK_TEST_PG_DSN is not set: PostgreSQL case not run "
		    "(tests/orders-pg.test runs it)\n");
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
