/*
 * check_store.c -- the store: one conformance suite run against SQLite
 * (a temporary file) and, when QDESK_TEST_PG_DSN names a server, against
 * PostgreSQL (a fresh database per test, dropped afterwards).
 * tests/store-pg.test starts a throwaway server and runs this program
 * again with that variable set.
 *
 * References are independent of the code under test: the values written
 * (read back exactly), FIPS 180-2's SHA-256 examples, glibc's gmtime_r and
 * strtod for times and number text, and SQL run through the databases'
 * own client libraries to inject failures and tamper with rows.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <float.h>
#include <libpq-fe.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "sha256.h"
#include "store-int.h"
#include "store.h"
#include "util.h"

/* --- the backend under test ------------------------------------------------ */

static int is_pg;               /* this test case runs against PostgreSQL */
static char tmpdir[256];        /* this process's scratch directory */
static char *db_path;           /* SQLite: the test's file */
static char *pg_admin;          /* QDESK_TEST_PG_DSN */
static char *pg_dsn;            /* PostgreSQL: the test's database */
static char pg_dbname[64];
static int test_counter;

/* Rebuilds a DSN with another database name (key=value form). */
static char *dsn_with_db(const char *dsn, const char *dbname)
{
	PQconninfoOption *opts = PQconninfoParse(dsn, NULL), *o;
	struct buf b;

	ck_assert_ptr_nonnull(opts);
	buf_init(&b);
	for (o = opts; o->keyword != NULL; o++) {
		const char *v = strcmp(o->keyword, "dbname") == 0 ? dbname : o->val;
		const char *p;

		if (v == NULL || *v == '\0')
			continue;
		buf_printf(&b, "%s%s='", b.len ? " " : "", o->keyword);
		for (p = v; *p != '\0'; p++) {
			if (*p == '\'' || *p == '\\')
				buf_addc(&b, '\\');
			buf_addc(&b, *p);
		}
		buf_addc(&b, '\'');
	}
	if (strstr(b.data, "dbname=") == NULL)
		buf_printf(&b, " dbname='%s'", dbname);
	PQconninfoFree(opts);
	return b.data;
}

/* Runs SQL on PostgreSQL through libpq; returns 0 when it succeeded. */
static int pg_raw(const char *dsn, const char *sql, char *err, size_t errlen)
{
	PGconn *c = PQconnectdb(dsn);
	PGresult *r;
	int ok;

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "raw connect: %s", PQerrorMessage(c));
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok && err != NULL)
		snprintf(err, errlen, "%s", PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}

/* Runs SQL on the test's database with the backend's own client library:
 * pg_sql on PostgreSQL, sq_sql on SQLite.  0 when it succeeded. */
static int raw_sql(const char *sq_sql, const char *pg_sql, char *err, size_t errlen)
{
	sqlite3 *db;
	char *msg = NULL;
	int rc;

	if (is_pg)
		return pg_raw(pg_dsn, pg_sql, err, errlen);
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	rc = sqlite3_exec(db, sq_sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK && err != NULL)
		snprintf(err, errlen, "%s", msg ? msg : "?");
	sqlite3_free(msg);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

/* Fixture: a fresh SQLite file. */
static void setup_sqlite(void)
{
	is_pg = 0;
	db_path = xasprintf("%s/t%d-%d.db", tmpdir, (int)getpid(), ++test_counter);
}

/* Fixture: removes the SQLite file and its WAL. */
static void teardown_sqlite(void)
{
	char *p;

	unlink(db_path);
	p = xasprintf("%s-wal", db_path);
	unlink(p);
	free(p);
	p = xasprintf("%s-shm", db_path);
	unlink(p);
	free(p);
	free(db_path);
	db_path = NULL;
}

/* Fixture: a fresh PostgreSQL database. */
static void setup_pg(void)
{
	char sql[128], err[512];

	is_pg = 1;
	snprintf(pg_dbname, sizeof pg_dbname, "qdesk_check_%d_%d", (int)getpid(), ++test_counter);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", pg_dbname);
	ck_assert_msg(pg_raw(pg_admin, sql, err, sizeof err) == 0, "%s", err);
	pg_dsn = dsn_with_db(pg_admin, pg_dbname);
}

/* Fixture: drops the test's database. */
static void teardown_pg(void)
{
	char sql[128];

	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", pg_dbname);
	pg_raw(pg_admin, sql, NULL, 0);
	free(pg_dsn);
	pg_dsn = NULL;
}

/* Opens the test's store (not migrated). */
static struct store *open_raw(void)
{
	char *cause = NULL;
	struct store *s = is_pg ? store_open_pg(pg_dsn, &cause) : store_open_sqlite(db_path, &cause);

	ck_assert_msg(s != NULL, "open: %s", cause);
	return s;
}

/* Opens the test's store, migrated to the latest version. */
static struct store *open_store(void)
{
	struct store *s = open_raw();
	char *cause = NULL;

	ck_assert_msg(store_migrate(s, -1, NULL, &cause) == 0, "migrate: %s", cause);
	return s;
}

/* Counts rows, asserting success. */
static long long count(struct store *s, const char *table)
{
	char *cause = NULL;
	long long n = store_count(s, table, &cause);

	ck_assert_msg(n >= 0, "count %s: %s", table, cause);
	return n;
}

/* Asserts that a call failed with a message containing needle. */
#define ck_fails(call, needle) do {						\
	char *cause_ = NULL;							\
	ck_assert_msg((call) == -1, "%s succeeded", #call);			\
	ck_assert_ptr_nonnull(cause_ = (cause));				\
	ck_assert_msg(strstr(cause_, (needle)) != NULL, "'%s' lacks '%s'",	\
	    cause_, (needle));							\
	free(cause_);								\
	cause = NULL;								\
} while (0)

/* True when two doubles are the same value (both NaN counts). */
static int same(double a, double b)
{
	return (isnan(a) && isnan(b)) || (a == b && memcmp(&a, &b, sizeof a) == 0) ||
	    (a == 0 && b == 0);
}

/* --- builders ---------------------------------------------------------------- */

/* An option quote with distinct, awkward values. */
static struct option_quote make_oq(const char *und, int expiry, double strike, char right,
    double t, int k)
{
	struct option_quote oq;

	memset(&oq, 0, sizeof oq);
	oq.opt.kind = INSTR_OPTION;
	snprintf(oq.opt.underlying, sizeof oq.opt.underlying, "%s", und);
	snprintf(oq.opt.symbol, sizeof oq.opt.symbol, "%-6s%06d%c%08d", und, expiry % 1000000,
	    right, (int)llround(strike * 1000));
	oq.opt.expiry = expiry;
	oq.opt.strike = strike;
	oq.opt.right = right == 'C' ? OPT_RIGHT_CALL : OPT_RIGHT_PUT;
	oq.opt.multiplier = 100;
	snprintf(oq.q.symbol, sizeof oq.q.symbol, "%s", oq.opt.symbol);
	oq.q.exch_time = t;
	oq.q.recv_time = t + 0.000731;
	oq.q.bid = 1.05 + k * 0.01;
	oq.q.ask = 1.15 + k * 0.01;
	oq.q.last = k % 3 == 0 ? NAN : 1.1 + k / 3.0;
	oq.q.bid_size = 10 + k;
	oq.q.ask_size = k % 2 ? NAN : 12.5;
	oq.q.volume = 123456789012345.0 + k;
	oq.implied_vol = 0.2 + k / 7.0;
	oq.delta = right == 'C' ? 1.0 / 3.0 : -2.0 / 3.0 * (1 + k * 1e-9);
	oq.gamma = k == 0 ? 4.9406564584124654e-324 : 1e-300 * k;
	oq.vega = k == 1 ? DBL_MAX : 0.1 * k;
	oq.theta = k % 4 == 0 ? NAN : -0.0123456789012345678 * k;
	oq.open_interest = k % 5 == 0 ? NAN : 1000 + k;
	return oq;
}

/* Compares two option quotes field by field. */
static void check_oq(const struct option_quote *got, const struct option_quote *want)
{
	ck_assert_str_eq(got->opt.symbol, want->opt.symbol);
	ck_assert_str_eq(got->opt.underlying, want->opt.underlying);
	ck_assert_int_eq(got->opt.expiry, want->opt.expiry);
	ck_assert_int_eq(got->opt.right, want->opt.right);
#define F(f) ck_assert_msg(same(got->f, want->f), "%s %s: got %.17g want %.17g", \
	want->opt.symbol, #f, got->f, want->f)
	F(opt.strike); F(opt.multiplier); F(q.exch_time); F(q.recv_time); F(q.bid); F(q.ask);
	F(q.last); F(q.bid_size); F(q.ask_size); F(q.volume); F(implied_vol); F(delta);
	F(gamma); F(vega); F(theta); F(open_interest);
#undef F
}

/* Orders option quotes by expiry, strike, right, symbol (the chain's order). */
static int cmp_oq(const void *a, const void *b)
{
	const struct option_quote *x = a, *y = b;

	if (x->opt.expiry != y->opt.expiry)
		return x->opt.expiry < y->opt.expiry ? -1 : 1;
	if (x->opt.strike != y->opt.strike)
		return x->opt.strike < y->opt.strike ? -1 : 1;
	if (x->opt.right != y->opt.right)
		return x->opt.right < y->opt.right ? -1 : 1;
	return strcmp(x->opt.symbol, y->opt.symbol);
}

/* A bar. */
static struct bar make_bar(const char *sym, double t, double close)
{
	struct bar b;

	memset(&b, 0, sizeof b);
	snprintf(b.symbol, sizeof b.symbol, "%s", sym);
	b.time = t;
	b.open = close - 0.5;
	b.high = close + 1.25;
	b.low = close - 1.0 / 3.0;
	b.close = close;
	b.volume = 1e6 + close;
	return b;
}

/* A quote. */
static struct quote make_quote(const char *sym, double t, double bid, double ask)
{
	struct quote q;

	memset(&q, 0, sizeof q);
	snprintf(q.symbol, sizeof q.symbol, "%s", sym);
	q.exch_time = t;
	q.recv_time = NAN;
	q.bid = bid;
	q.ask = ask;
	q.last = NAN;
	q.bid_size = 100;
	q.ask_size = NAN;
	q.volume = 5e6;
	return q;
}

#define T0 1700000000.123456    /* 2023-11-14 22:13:20.123456 UTC */

/* --- unit tests of the common parts --------------------------------------- */

/* FIPS 180-2 appendix B examples. */
START_TEST(test_sha256)
{
	char hex[65];
	struct sha256 c;
	int i;

	sha256_hex("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	sha256_init(&c);
	for (i = 0; i < 1000000 / 40; i++)
		sha256_update(&c, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 40);
	sha256_final_hex(&c, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

/* Every double printed for COPY reads back (strtod) to the same bits. */
START_TEST(test_add_double)
{
	static const double fixed[] = { 0.1, 12.35, -7.5, 1e-9, 123456789.12345678, 1.0 / 3,
		100, 0.01, 1e15, 9e15, 4.9406564584124654e-324, DBL_MAX, -DBL_MIN, 2.5e-8, 1e300 };
	struct buf b;
	unsigned long long bits = 0x9e3779b97f4a7c15ULL;
	size_t i;

	buf_init(&b);
	for (i = 0; i < sizeof fixed / sizeof fixed[0] + 200000; i++) {
		double v;

		if (i < sizeof fixed / sizeof fixed[0])
			v = fixed[i];
		else if (i % 2) {
			/* random bit patterns */
			bits ^= bits << 13;
			bits ^= bits >> 7;
			bits ^= bits << 17;
			memcpy(&v, &bits, sizeof v);
			if (!isfinite(v))
				continue;
		} else
			v = (double)(bits % 10000000) / 100.0;  /* prices in cents */
		buf_reset(&b);
		store_add_double(&b, v);
		ck_assert_msg(strtod(b.data, NULL) == v, "%.17g printed as %s", v, b.data);
	}
	buf_reset(&b);
	store_add_double(&b, 12.35);
	ck_assert_str_eq(b.data, "12.35");
	buf_reset(&b);
	store_add_double(&b, -0.5);
	ck_assert_str_eq(b.data, "-0.5");
	buf_free(&b);
}
END_TEST

/* Timestamps agree with gmtime_r, before and after 1970. */
START_TEST(test_timestamp)
{
	unsigned long long r = 88172645463325252ULL;
	int i;

	for (i = 0; i < 100000; i++) {
		int64_t us;
		time_t secs;
		struct tm tm;
		char want[64], got[40];

		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		/* 1900 .. 2199 in microseconds */
		us = (int64_t)(r % 9467107200000000ULL) - 2208988800000000LL;
		secs = (time_t)(us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000));
		gmtime_r(&secs, &tm);
		snprintf(want, sizeof want, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		    (int)(us - (int64_t)secs * 1000000));
		store_format_timestamp(us, got);
		ck_assert_str_eq(got, want);
	}
	/* Microsecond times round-trip through integer microseconds. */
	ck_assert(store_time_from_us(store_time_us(T0)) == T0);
	ck_assert(store_time_from_us(store_time_us(-1.5)) == -1.5);
}
END_TEST

/* The JSON checker accepts RFC 8259 and refuses the rest. */
START_TEST(test_json)
{
	static const char *const good[] = { "{}", "[]", "0", "-0.5e+10", "\"a\\u00e9\\ud83d\\ude00\"",
		" {\"a\": [1, 2, {\"b\": null}], \"c\": true}\n", "{\"\\\\\\\"\": false}", "\"\xc3\xa9\"",
		NULL };
	static const char *const bad[] = { "", "{", "{\"a\":}", "[1,]", "01", "1.", ".5", "+1",
		"NaN", "{'a': 1}", "\"\\ud800\"", "\"\\x\"", "\"a\tb\"", "[] []", "\"\xff\"", "tru",
		NULL };
	char msg[128], deep[600];
	int i;

	for (i = 0; good[i] != NULL; i++)
		ck_assert_msg(store_json_check(good[i], msg, sizeof msg) == 0, "'%s': %s", good[i], msg);
	for (i = 0; bad[i] != NULL; i++)
		ck_assert_msg(store_json_check(bad[i], msg, sizeof msg) == -1, "'%s' accepted", bad[i]);
	memset(deep, '[', 300);
	memset(deep + 300, ']', 300);
	deep[599] = '\0';
	ck_assert_int_eq(store_json_check(deep, msg, sizeof msg), -1);
	ck_assert_ptr_nonnull(strstr(msg, "nested too deeply"));
}
END_TEST

/* A server that is not there: a clear error naming host and port, never
 * the password; a malformed DSN: a clear error. */
START_TEST(test_pg_unreachable)
{
	char *cause = NULL, dsn[160], where[32];
	struct store *s;
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	/* A port nothing listens on: bind one, note it, close it. */
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	snprintf(dsn, sizeof dsn, "host=127.0.0.1 port=%d user=trader password=hunter2secret "
	    "dbname=x connect_timeout=5", port);
	snprintf(where, sizeof where, "trader@127.0.0.1:%d/x", port);
	s = store_open_pg(dsn, &cause);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, where) != NULL, "'%s' lacks '%s'", cause, where);
	ck_assert_msg(strstr(cause, "cannot connect") != NULL, "%s", cause);
	ck_assert_msg(strstr(cause, "hunter2") == NULL, "password leaked: %s", cause);
	free(cause);
	cause = NULL;
	s = store_open_pg("host=127.0.0.1 password=hunter2 secret", &cause);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(cause, "not a valid libpq connection string") != NULL, "%s", cause);
	ck_assert_msg(strstr(cause, "secret") == NULL && strstr(cause, "hunter2") == NULL,
	    "password leaked: %s", cause);
	free(cause);
	cause = NULL;
	snprintf(dsn, sizeof dsn, "postgresql://trader:hunter2@127.0.0.1:%d/db?connect_timeout=5",
	    port);
	s = store_open_pg(dsn, &cause);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(cause, "hunter2") == NULL, "password leaked: %s", cause);
	free(cause);
}
END_TEST

/* --- conformance: both backends -------------------------------------------- */

/* Migrations: versions, pending lists, idempotence, refusal to go back. */
START_TEST(test_migrate)
{
	struct store *s = open_raw();
	struct store_status st;
	char *cause = NULL;
	int applied;

	ck_assert_int_eq(store_status(s, &st, &cause), 0);
	ck_assert_int_eq(st.version, 0);
	ck_assert_int_eq(st.latest, 6);
	ck_assert_int_eq(st.npending, 6);
	ck_assert_int_eq(st.pending[0], 1);
	ck_assert_str_eq(st.backend, is_pg ? "postgresql" : "sqlite");
	ck_assert_int_eq(store_migrate(s, 1, &applied, &cause), 0);
	ck_assert_int_eq(applied, 1);
	ck_assert_int_eq(store_status(s, &st, &cause), 0);
	ck_assert_int_eq(st.version, 1);
	ck_assert_int_eq(st.npending, 5);
	ck_assert_int_eq(st.pending[0], 2);
	ck_assert_int_eq(st.pending[1], 3);
	ck_assert_int_eq(st.pending[2], 4);
	ck_assert_int_eq(st.pending[3], 5);
	ck_assert_int_eq(st.pending[4], 6);
	ck_assert_str_eq(st.layout, is_pg ? "partitioned" : "wal");
	ck_assert_int_eq(count(s, "option_quotes"), 0);
	ck_assert_int_eq(store_migrate(s, -1, &applied, &cause), 0);
	ck_assert_int_eq(applied, 5);
	ck_assert_int_eq(store_migrate(s, -1, &applied, &cause), 0);
	ck_assert_int_eq(applied, 0);
	ck_assert_int_eq(count(s, "schema_migrations"), 6);
	ck_assert_int_eq(count(s, "audit_log"), 0);
	ck_fails(store_migrate(s, 1, NULL, &cause), "going back");
	ck_fails(store_migrate(s, 99, NULL, &cause), "no schema version 99");
	ck_fails(store_count(s, "sqlite_master; DROP TABLE quotes", &cause), "no table");
	store_close(s);
	/* A second handle sees the migrated schema and applies nothing. */
	s = open_raw();
	ck_assert_int_eq(store_migrate(s, -1, &applied, &cause), 0);
	ck_assert_int_eq(applied, 0);
	store_close(s);
}
END_TEST

/* A database written by a newer qdesk is refused, not touched. */
START_TEST(test_newer_schema)
{
	struct store *s = open_store();
	char *cause = NULL, err[256];

	ck_assert_msg(raw_sql("INSERT INTO schema_migrations VALUES (9, 'future', 0)",
	    "INSERT INTO schema_migrations (version, name) VALUES (9, 'future')", err,
	    sizeof err) == 0, "%s", err);
	ck_fails(store_migrate(s, -1, NULL, &cause), "newer than this qdesk");
	store_close(s);
}
END_TEST

/* Option quotes round-trip exactly; the chain is the latest snapshot. */
START_TEST(test_option_quotes)
{
	struct store *s = open_store();
	struct option_quote old[4], cur[12], want[12];
	struct option_chain ch;
	struct quote uq[2];
	char *cause = NULL;
	int i, k = 0;

	for (i = 0; i < 4; i++)
		old[i] = make_oq("SPY", 20240119, 400 + i, 'C', T0 - 86400, 50 + i);
	for (i = 0; i < 12; i++) {
		int exp = i < 6 ? 20240216 : 20240119;

		cur[i] = make_oq("SPY", exp, 395 + (i % 3) * 2.5, i % 2 ? 'P' : 'C', T0, k++);
	}
	ck_assert_msg(store_put_option_quotes(s, old, 4, &cause) == 0, "%s", cause);
	ck_assert_msg(store_put_option_quotes(s, cur, 12, &cause) == 0, "%s", cause);
	ck_assert_int_eq(count(s, "option_quotes"), 16);
	/* The underlying's quotes: the one at or before the chain's time counts. */
	uq[0] = make_quote("SPY", T0 - 1, 401.25, 401.27);
	uq[1] = make_quote("SPY", T0 + 60, 500, 501);
	ck_assert_msg(store_put_quotes(s, uq, 2, &cause) == 0, "%s", cause);
	ck_assert_msg(store_latest_chain(s, "SPY", &ch, &cause) == 1, "%s", cause);
	ck_assert_uint_eq(ch.n, 12);
	ck_assert(ch.time == T0);
	ck_assert_str_eq(ch.underlying, "SPY");
	ck_assert(ch.spot == (401.25 + 401.27) / 2);
	ck_assert(isnan(ch.rate) && isnan(ch.dividend));
	memcpy(want, cur, sizeof want);
	qsort(want, 12, sizeof want[0], cmp_oq);
	for (i = 0; i < 12; i++)
		check_oq(&ch.opts[i], &want[i]);
	free(ch.opts);
	ck_assert_int_eq(store_latest_chain(s, "QQQ", &ch, &cause), 0);
	ck_assert_uint_eq(ch.n, 0);
	free(ch.opts);
	store_close(s);
}
END_TEST

/* Bars and quotes: ranges, latest, replacement of a stored row, and the
 * last of two rows with one key in a batch winning. */
static void check_bars_quotes(void)
{
	struct store *s = open_store();
	struct bar b[5], *got;
	struct quote q[3], lq;
	char *cause = NULL;
	size_t n;
	int i;

	for (i = 0; i < 5; i++)
		b[i] = make_bar("GLD", T0 + 86400.0 * i, 180 + i / 4.0);
	ck_assert_msg(store_put_bars(s, b, 5, &cause) == 0, "%s", cause);
	ck_assert_msg(store_get_bars(s, "GLD", T0 + 86400, T0 + 3 * 86400, &got, &n, &cause) == 0,
	    "%s", cause);
	ck_assert_uint_eq(n, 3);
	for (i = 0; i < 3; i++) {
		ck_assert(got[i].time == b[i + 1].time);
		ck_assert(got[i].open == b[i + 1].open && got[i].high == b[i + 1].high);
		ck_assert(got[i].low == b[i + 1].low && got[i].close == b[i + 1].close);
		ck_assert(got[i].volume == b[i + 1].volume);
		ck_assert_str_eq(got[i].symbol, "GLD");
	}
	free(got);
	/* Rewrite bar 2 (stored) with a new close; twice in one batch. */
	b[0] = make_bar("GLD", T0 + 86400.0 * 2, 111.5);
	b[1] = make_bar("GLD", T0 + 86400.0 * 2, 222.75);
	b[2] = make_bar("GDX", T0, 30);
	ck_assert_msg(store_put_bars(s, b, 3, &cause) == 0, "%s", cause);
	ck_assert_int_eq(count(s, "market_prices"), 6);
	ck_assert_int_eq(store_get_bars(s, "GLD", T0 + 2 * 86400, T0 + 2 * 86400, &got, &n, &cause),
	    0);
	ck_assert_uint_eq(n, 1);
	ck_assert(got[0].close == 222.75);
	free(got);
	ck_assert_int_eq(store_get_bars(s, "NONE", T0, T0 + 1e6, &got, &n, &cause), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(got);

	q[0] = make_quote("VIX", T0, NAN, NAN);
	q[0].last = 13.25;
	q[1] = make_quote("VIX", T0 + 1, NAN, NAN);
	q[1].last = 13.5;
	q[1].recv_time = T0 + 1.000002;
	q[2] = make_quote("SPY", T0 + 5, 450.01, 450.02);
	ck_assert_msg(store_put_quotes(s, q, 3, &cause) == 0, "%s", cause);
	ck_assert_int_eq(store_latest_quote(s, "VIX", &lq, &cause), 1);
	ck_assert(lq.exch_time == T0 + 1 && lq.last == 13.5 && isnan(lq.bid) && isnan(lq.ask));
	ck_assert(lq.recv_time == store_time_from_us(store_time_us(T0 + 1.000002)));
	ck_assert(lq.bid_size == 100 && isnan(lq.ask_size) && lq.volume == 5e6);
	ck_assert_int_eq(store_latest_quote(s, "NONE", &lq, &cause), 0);
	/* Replace the stored VIX quote. */
	q[1].last = 14;
	ck_assert_msg(store_put_quotes(s, &q[1], 1, &cause) == 0, "%s", cause);
	ck_assert_int_eq(count(s, "quotes"), 3);
	ck_assert_int_eq(store_latest_quote(s, "VIX", &lq, &cause), 1);
	ck_assert(lq.last == 14);
	store_close(s);
}

START_TEST(test_bars_quotes)
{
	check_bars_quotes();
}
END_TEST

/* Bad rows are refused before anything is written, naming the row. */
START_TEST(test_bad_rows)
{
	struct store *s = open_store();
	struct option_quote oq[5];
	struct bar b[2];
	struct quote q;
	char *cause = NULL;
	int i;

	for (i = 0; i < 5; i++)
		oq[i] = make_oq("SPY", 20240119, 400 + i, 'C', T0, i);
	oq[2].q.bid = NAN;
	ck_fails(store_put_option_quotes(s, oq, 5, &cause),
	    "option quotes row 3 of 5 (SPY   240119C00402000): bid is NaN");
	oq[2].q.bid = 1;
	oq[4].opt.strike = INFINITY;
	ck_fails(store_put_option_quotes(s, oq, 5, &cause), "row 5 of 5");
	oq[4].opt.strike = 404;
	oq[0].opt.expiry = 20230230;
	ck_fails(store_put_option_quotes(s, oq, 5, &cause), "expiry is not a valid calendar date");
	oq[0].opt.expiry = 20240119;
	oq[1].q.exch_time = NAN;
	ck_fails(store_put_option_quotes(s, oq, 5, &cause), "exch_time is NaN");
	oq[1].q.exch_time = T0;
	oq[3].opt.underlying[0] = '\0';
	ck_fails(store_put_option_quotes(s, oq, 5, &cause), "underlying empty");
	snprintf(oq[3].opt.underlying, sizeof oq[3].opt.underlying, "SPY");
	memset(oq[3].opt.symbol, 'A', sizeof oq[3].opt.symbol);
	ck_fails(store_put_option_quotes(s, oq, 5, &cause), "row 4 of 5: symbol not NUL-terminated");
	snprintf(oq[3].opt.symbol, sizeof oq[3].opt.symbol, "BAD\nSYM");
	ck_fails(store_put_option_quotes(s, oq, 5, &cause), "control character");
	snprintf(oq[3].opt.symbol, sizeof oq[3].opt.symbol, "BAD\xff");
	ck_fails(store_put_option_quotes(s, oq, 5, &cause), "not valid UTF-8");
	snprintf(oq[3].opt.symbol, sizeof oq[3].opt.symbol, "OK");
	oq[3].q.exch_time = 1e12;
	ck_fails(store_put_option_quotes(s, oq, 5, &cause), "outside 1900-2199");
	oq[3].q.exch_time = T0;
	oq[0].implied_vol = -0.2;
	ck_fails(store_put_option_quotes(s, oq, 5, &cause), "implied_vol is negative");
	oq[0].implied_vol = NAN;
	oq[0].opt.right = 'X';
	ck_fails(store_put_option_quotes(s, oq, 5, &cause), "neither C nor P");
	ck_assert_int_eq(count(s, "option_quotes"), 0);

	b[0] = make_bar("GLD", T0, 180);
	b[1] = make_bar("GLD", T0 + 86400, 181);
	b[1].close = NAN;
	ck_fails(store_put_bars(s, b, 2, &cause), "bars row 2 of 2 (GLD): close is NaN");
	b[1].close = 181;
	b[1].high = b[1].low - 1;
	ck_fails(store_put_bars(s, b, 2, &cause), "high is below low");
	ck_assert_int_eq(count(s, "market_prices"), 0);

	q = make_quote("SPY", T0, NAN, NAN);
	ck_fails(store_put_quotes(s, &q, 1, &cause), "bid, ask and last are all NaN");
	q.bid = -INFINITY;
	ck_fails(store_put_quotes(s, &q, 1, &cause), "bid is infinite");
	ck_assert_int_eq(count(s, "quotes"), 0);
	/* Nothing to store is fine; NULL with rows is not. */
	ck_assert_int_eq(store_put_quotes(s, NULL, 0, &cause), 0);
	ck_fails(store_put_quotes(s, NULL, 3, &cause), "no rows");
	ck_fails(store_latest_quote(s, "", &q, &cause), "symbol empty");
	store_close(s);
}
END_TEST

/* A batch that fails in the database midway (a trigger raising on one row)
 * leaves nothing of itself behind, on the plain path and the merge path;
 * the store stays usable. */
START_TEST(test_midway_failure)
{
	struct store *s = open_store();
	struct option_quote oq[300];
	struct option_chain ch;
	char *cause = NULL, err[512];
	int i;

	ck_assert_msg(raw_sql(
	    "CREATE TRIGGER boom BEFORE INSERT ON option_quotes WHEN NEW.symbol = 'BOOM'"
	    " BEGIN SELECT RAISE(ABORT, 'boom row refused'); END",
	    "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN"
	    " IF (SELECT symbol FROM option_contracts WHERE id = NEW.contract) = 'BOOM' THEN"
	    " RAISE EXCEPTION 'boom row refused'; END IF;"
	    " RETURN NEW; END$$; CREATE TRIGGER boom BEFORE INSERT ON option_quotes"
	    " FOR EACH ROW EXECUTE FUNCTION boom()", err, sizeof err) == 0, "%s", err);
	for (i = 0; i < 300; i++)
		oq[i] = make_oq("IWM", 20240315, 150 + i * 0.5, 'P', T0, i);
	snprintf(oq[200].opt.symbol, sizeof oq[200].opt.symbol, "BOOM");
	ck_fails(store_put_option_quotes(s, oq, 300, &cause), "boom row refused");
	ck_assert_int_eq(count(s, "option_quotes"), 0);
	/* The error names the row. */
	ck_fails(store_put_option_quotes(s, oq, 300, &cause), "row 201 of 300 (BOOM)");
	/* Store the first 100, then a batch overlapping them (merge path) that
	 * fails at row 201: the first 100 keep their values. */
	ck_assert_msg(store_put_option_quotes(s, oq, 100, &cause) == 0, "%s", cause);
	for (i = 0; i < 300; i++)
		oq[i].q.bid += 1000;
	ck_fails(store_put_option_quotes(s, oq, 300, &cause), "boom row refused");
	ck_assert_int_eq(count(s, "option_quotes"), 100);
	ck_assert_int_eq(store_latest_chain(s, "IWM", &ch, &cause), 1);
	ck_assert_uint_eq(ch.n, 100);
	for (i = 0; i < 100; i++)
		ck_assert_msg(ch.opts[i].q.bid < 1000, "row %d was overwritten", i);
	free(ch.opts);
	/* Still usable. */
	snprintf(oq[200].opt.symbol, sizeof oq[200].opt.symbol, "FINE");
	ck_assert_msg(store_put_option_quotes(s, oq, 300, &cause) == 0, "%s", cause);
	ck_assert_int_eq(count(s, "option_quotes"), 300);
	store_close(s);
}
END_TEST

/* Symbols that need escaping in COPY's text format. */
START_TEST(test_escaping)
{
	static const char *const syms[] = { "A\\B", "\\N", "X Y", "\xc3\x84\xc3\x96/\xc3\x9c", "\\",
		"'; DROP TABLE quotes; --", NULL };
	struct store *s = open_store();
	struct quote q, got;
	char *cause = NULL;
	int i;

	for (i = 0; syms[i] != NULL; i++) {
		q = make_quote(syms[i], T0 + i, 1 + i, 2 + i);
		ck_assert_msg(store_put_quotes(s, &q, 1, &cause) == 0, "%s: %s", syms[i], cause);
	}
	for (i = 0; syms[i] != NULL; i++) {
		ck_assert_int_eq(store_latest_quote(s, syms[i], &got, &cause), 1);
		ck_assert_str_eq(got.symbol, syms[i]);
		ck_assert(got.bid == 1 + i && got.exch_time == T0 + i);
	}
	ck_assert_int_eq(count(s, "quotes"), i);
	store_close(s);
}
END_TEST

/* Model parameters: exact JSON text, maturities, history order, bad input. */
START_TEST(test_params)
{
	struct store *s = open_store();
	struct store_params p, *h;
	char *cause = NULL;
	size_t n;

	memset(&p, 0, sizeof p);
	snprintf(p.model, sizeof p.model, "ou");
	snprintf(p.underlying, sizeof p.underlying, "GLD/GDX");
	p.time = T0;
	p.params = "{\"theta\": 4.2, \"mu\":-0.013,\n\t\"sigma\":0.19999999999999998, "
	    "\"name\":\"caf\\u00e9\"}";
	p.fit = "{\"loglik\": 1234.5, \"n\": 252}";
	snprintf(p.fingerprint, sizeof p.fingerprint, "%s",
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ck_assert_msg(store_put_params(s, &p, &cause) == 0, "%s", cause);
	p.time = T0 + 3600;
	snprintf(p.model, sizeof p.model, "sabr");
	snprintf(p.underlying, sizeof p.underlying, "SPY");
	p.maturity = 20240216;
	p.params = "{\"alpha\":0.2,\"beta\":0.5,\"rho\":-0.3,\"nu\":0.4}";
	p.fit = "{\"rmse\":0.0012}";
	snprintf(p.fingerprint, sizeof p.fingerprint, "00ff");
	ck_assert_msg(store_put_params(s, &p, &cause) == 0, "%s", cause);
	p.time = T0 + 7200;
	p.params = "{\"alpha\":0.21}";
	ck_assert_msg(store_put_params(s, &p, &cause) == 0, "%s", cause);

	ck_assert_int_eq(store_params_history(s, "sabr", "SPY", 0, &h, &n, &cause), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(h[0].params, "{\"alpha\":0.21}");
	ck_assert(h[0].time == T0 + 7200 && h[1].time == T0 + 3600);
	ck_assert_int_eq(h[0].maturity, 20240216);
	ck_assert_str_eq(h[1].fit, "{\"rmse\":0.0012}");
	ck_assert_str_eq(h[1].fingerprint, "00ff");
	ck_assert(h[0].id != h[1].id);
	store_params_free(h, n);
	ck_assert_int_eq(store_params_history(s, "sabr", NULL, 1, &h, &n, &cause), 0);
	ck_assert_uint_eq(n, 1);
	store_params_free(h, n);
	ck_assert_int_eq(store_params_history(s, "ou", NULL, 0, &h, &n, &cause), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(h[0].params, "{\"theta\": 4.2, \"mu\":-0.013,\n\t\"sigma\":"
	    "0.19999999999999998, \"name\":\"caf\\u00e9\"}");
	ck_assert_str_eq(h[0].underlying, "GLD/GDX");
	ck_assert_int_eq(h[0].maturity, 0);
	ck_assert(h[0].time == T0);
	store_params_free(h, n);
	ck_assert_int_eq(store_params_history(s, "heston", NULL, 0, &h, &n, &cause), 0);
	ck_assert_uint_eq(n, 0);

	p.params = "{\"alpha\":NaN}";
	ck_fails(store_put_params(s, &p, &cause), "params not valid JSON");
	p.params = "[1,2]";
	ck_fails(store_put_params(s, &p, &cause), "params is not a JSON object");
	p.params = "{}";
	p.fit = NULL;
	ck_fails(store_put_params(s, &p, &cause), "fit quality is missing");
	p.fit = "{}";
	snprintf(p.fingerprint, sizeof p.fingerprint, "XYZ");
	ck_fails(store_put_params(s, &p, &cause), "fingerprint not lowercase hexadecimal");
	snprintf(p.fingerprint, sizeof p.fingerprint, "ab");
	p.maturity = 20241301;
	ck_fails(store_put_params(s, &p, &cause), "maturity is not a YYYYMMDD date");
	ck_assert_int_eq(count(s, "model_params"), 3);
	store_close(s);
}
END_TEST

/* Signals: insert and read back, newest first. */
START_TEST(test_signals)
{
	struct store *s = open_store();
	struct store_signal g, *got;
	long long id1, id2;
	char *cause = NULL;
	size_t n;

	memset(&g, 0, sizeof g);
	g.time = T0;
	snprintf(g.strategy, sizeof g.strategy, "ou-pairs");
	snprintf(g.symbol, sizeof g.symbol, "GLD/GDX");
	snprintf(g.kind, sizeof g.kind, "entry_long");
	g.strength = 0.75;
	g.payload = "{\"z\": -2.1}";
	ck_assert_msg(store_put_signal(s, &g, &id1, &cause) == 0, "%s", cause);
	g.time = T0 + 60;
	snprintf(g.kind, sizeof g.kind, "exit");
	g.strength = NAN;
	g.payload = NULL;
	ck_assert_msg(store_put_signal(s, &g, &id2, &cause) == 0, "%s", cause);
	ck_assert(id2 > id1);
	ck_assert_int_eq(store_get_signals(s, "ou-pairs", 0, &got, &n, &cause), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(got[0].kind, "exit");
	ck_assert(isnan(got[0].strength) && got[0].payload == NULL && got[0].id == id2);
	ck_assert_str_eq(got[1].payload, "{\"z\": -2.1}");
	ck_assert(got[1].strength == 0.75 && got[1].time == T0);
	store_signals_free(got, n);
	ck_assert_int_eq(store_get_signals(s, "other", 0, &got, &n, &cause), 0);
	ck_assert_uint_eq(n, 0);
	g.payload = "{";
	ck_fails(store_put_signal(s, &g, NULL, &cause), "payload not valid JSON");
	store_close(s);
}
END_TEST

/* The audit hash, computed here from its documented definition. */
static void reference_hash(const struct store_audit *a, char out[65])
{
	char *text = xasprintf("%s\n%lld\n%lld\n%s\n%s", a->prev_hash, a->seq,
	    (long long)llround(a->time * 1e6), a->kind, a->payload);

	sha256_hex(text, strlen(text), out);
	free(text);
}

/* The audit log: chained hashes, append-only, tampering detected. */
START_TEST(test_audit)
{
	struct store *s = open_store();
	struct store_audit e, *a;
	char *cause = NULL, h[65], err[512];
	long long bad;
	size_t n, i;

	for (i = 0; i < 5; i++) {
		char payload[64];

		snprintf(payload, sizeof payload, "{\"i\": %zu, \"note\": \"a\\tb\"}", i);
		ck_assert_msg(store_audit_append(s, T0 + i * 0.5, i % 2 ? "order" : "calibration",
		    payload, &e, &cause) == 0, "%s", cause);
		ck_assert_int_eq(e.seq, (long long)i + 1);
	}
	ck_assert_int_eq(store_audit_read(s, 1, 0, &a, &n, &cause), 0);
	ck_assert_uint_eq(n, 5);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(a[i].seq, (long long)i + 1);
		if (i == 0)
			ck_assert_str_eq(a[i].prev_hash, "0000000000000000000000000000000000000000"
			    "000000000000000000000000");
		else
			ck_assert_str_eq(a[i].prev_hash, a[i - 1].hash);
		reference_hash(&a[i], h);
		ck_assert_str_eq(a[i].hash, h);
		ck_assert(a[i].time == T0 + i * 0.5);
	}
	ck_assert_str_eq(a[1].payload, "{\"i\": 1, \"note\": \"a\\tb\"}");
	store_audit_free(a, n);
	ck_assert_int_eq(store_audit_read(s, 4, 1, &a, &n, &cause), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(a[0].seq, 4);
	store_audit_free(a, n);
	ck_assert_msg(store_audit_verify(s, &bad, &cause) == 0, "%s", cause);
	ck_fails(store_audit_append(s, T0, "x", "not json", NULL, &cause), "payload not valid JSON");

	/* Append-only: the database refuses changes. */
	ck_assert_int_eq(raw_sql("UPDATE audit_log SET payload = '{}' WHERE seq = 2",
	    "UPDATE audit_log SET payload = '{}' WHERE seq = 2", err, sizeof err), -1);
	ck_assert_msg(strstr(err, "append-only") != NULL, "%s", err);
	ck_assert_int_eq(raw_sql("DELETE FROM audit_log", "DELETE FROM audit_log", err,
	    sizeof err), -1);
	ck_assert_int_eq(count(s, "audit_log"), 5);
	/* Tampering past the trigger is detected by the chain. */
	ck_assert_msg(raw_sql("DROP TRIGGER audit_log_no_update;"
	    " UPDATE audit_log SET payload = '{\"i\": 9}' WHERE seq = 2",
	    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;"
	    " UPDATE audit_log SET payload = '{\"i\": 9}' WHERE seq = 2", err, sizeof err) == 0,
	    "%s", err);
	ck_assert_int_eq(store_audit_verify(s, &bad, &cause), -1);
	ck_assert_int_eq(bad, 2);
	ck_assert_msg(strstr(cause, "seq 2") != NULL, "%s", cause);
	free(cause);
	store_close(s);
}
END_TEST

/* Two processes appending at once keep one unbroken chain. */
START_TEST(test_audit_concurrent)
{
	struct store *s = open_store();
	char *cause = NULL;
	long long bad;
	pid_t pid[2];
	int i, j, st;

	store_close(s);
	for (i = 0; i < 2; i++) {
		if ((pid[i] = fork()) == 0) {
			struct store *c = open_store();

			for (j = 0; j < 40; j++) {
				if (store_audit_append(c, T0 + j, i ? "b" : "a", "{}", NULL, &cause) != 0) {
					fprintf(stderr, "child %d: %s\n", i, cause);
					_exit(1);
				}
			}
			store_close(c);
			_exit(0);
		}
		ck_assert_int_gt(pid[i], 0);
	}
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(waitpid(pid[i], &st, 0), pid[i]);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d failed", i);
	}
	s = open_store();
	ck_assert_int_eq(count(s, "audit_log"), 80);
	ck_assert_msg(store_audit_verify(s, &bad, &cause) == 0, "%s", cause);
	store_close(s);
}
END_TEST

/* A larger batch across three months (three partitions on PostgreSQL),
 * written twice: the second time replaces rather than duplicates. */
START_TEST(test_large_batch)
{
	struct store *s = open_store();
	size_t n = 20000, i;
	struct option_quote *oq = xcalloc(n, sizeof *oq);
	struct option_chain ch;
	char *cause = NULL;

	for (i = 0; i < n; i++) {
		double t = 1704067200.0 + (double)(i / 100) * 86400.0 * 0.45;  /* Jan..Mar 2024 */

		oq[i] = make_oq(i % 2 ? "QQQ" : "SPY", 20240621, 300 + (double)(i % 100), 'C', t,
		    (int)(i % 97));
	}
	ck_assert_msg(store_put_option_quotes(s, oq, n, &cause) == 0, "%s", cause);
	ck_assert_int_eq(count(s, "option_quotes"), (long long)n);
	for (i = 0; i < n; i++)
		oq[i].q.ask += 0.5;
	ck_assert_msg(store_put_option_quotes(s, oq, n, &cause) == 0, "%s", cause);
	ck_assert_int_eq(count(s, "option_quotes"), (long long)n);
	ck_assert_int_eq(store_latest_chain(s, "QQQ", &ch, &cause), 1);
	ck_assert_uint_eq(ch.n, 50);
	ck_assert(ch.time == oq[n - 1].q.exch_time);
	for (i = 0; i < ch.n; i++)
		ck_assert(fabs(ch.opts[i].q.ask - ch.opts[i].q.bid - 0.6) < 1e-12);
	free(ch.opts);
	if (is_pg) {
		char err[256];

		ck_assert_msg(pg_raw(pg_dsn, "SELECT 1 FROM option_quotes_p202403 LIMIT 1", err,
		    sizeof err) == 0, "no March partition: %s", err);
	}
	free(oq);
	store_close(s);
}
END_TEST

/* store_open from the configuration, migrating on the way. */
START_TEST(test_open_conf)
{
	struct conf *c = conf_new();
	struct store_status st;
	struct store *s;
	char *cause = NULL;

	if (is_pg) {
		ck_assert_int_eq(conf_set(c, "store.backend", "postgresql", &cause), 0);
		ck_assert_ptr_null(store_open(c, STORE_MIGRATE, &cause));
		ck_assert_ptr_nonnull(strstr(cause, "store.dsn is empty"));
		free(cause);
		cause = NULL;
		ck_assert_int_eq(conf_set(c, "store.dsn", pg_dsn, &cause), 0);
	} else
		ck_assert_int_eq(conf_set(c, "store.path", db_path, &cause), 0);
	s = store_open(c, STORE_MIGRATE, &cause);
	ck_assert_msg(s != NULL, "%s", cause);
	ck_assert_int_eq(store_status(s, &st, &cause), 0);
	ck_assert_int_eq(st.version, store_latest_version());
	ck_assert_int_eq(st.npending, 0);
	if (!is_pg)
		ck_assert_str_eq(st.location, db_path);
	else
		ck_assert_ptr_nonnull(strstr(st.location, pg_dbname));
	store_close(s);
	conf_free(c);
}
END_TEST

/* --- SQLite only ------------------------------------------------------------- */

/* Writes n bytes of garbage into path at offset. */
static void scribble(const char *path, off_t offset, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT, 0600);
	char junk[4096];
	size_t i;

	ck_assert_int_ge(fd, 0);
	for (i = 0; i < sizeof junk; i++)
		junk[i] = (char)(i * 7 + 3);
	ck_assert_int_eq(lseek(fd, offset, SEEK_SET), offset);
	while (n > 0) {
		size_t k = n < sizeof junk ? n : sizeof junk;

		ck_assert_int_eq(write(fd, junk, k), (ssize_t)k);
		n -= k;
	}
	close(fd);
}

/* A file of garbage, a damaged store and an unusable path: clear errors
 * naming the file, no crash. */
START_TEST(test_sqlite_corrupt)
{
	struct store *s;
	struct option_quote oq[2000];
	struct option_chain ch;
	char *cause = NULL, *copy, *dir;
	int i, rc;

	scribble(db_path, 0, 8192);
	ck_assert_ptr_null(store_open_sqlite(db_path, &cause));
	ck_assert_msg(strstr(cause, db_path) != NULL && strstr(cause, "not a database") != NULL,
	    "%s", cause);
	free(cause);
	cause = NULL;
	unlink(db_path);

	/* A real store, then garbage written over its data pages. */
	s = open_store();
	for (i = 0; i < 2000; i++)
		oq[i] = make_oq("SPY", 20240119, 100 + i, 'C', T0, i);
	ck_assert_msg(store_put_option_quotes(s, oq, 2000, &cause) == 0, "%s", cause);
	store_close(s);
	copy = xasprintf("%s.copy", db_path);
	{
		sqlite3 *db;

		/* Fold the WAL into the file so the copy is the whole store. */
		ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
		ck_assert_int_eq(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE);"
		    " PRAGMA journal_mode = DELETE", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	{
		FILE *in = fopen(db_path, "rb"), *out = fopen(copy, "wb");
		char buf[8192];
		size_t k;

		ck_assert(in != NULL && out != NULL);
		while ((k = fread(buf, 1, sizeof buf, in)) > 0)
			ck_assert_uint_eq(fwrite(buf, 1, k, out), k);
		fclose(in);
		fclose(out);
	}
	scribble(copy, 8192, 65536);
	s = store_open_sqlite(copy, &cause);
	if (s == NULL) {
		ck_assert_ptr_nonnull(strstr(cause, copy));
		free(cause);
	} else {
		rc = store_latest_chain(s, "SPY", &ch, &cause);
		if (rc < 0) {
			ck_assert_msg(strstr(cause, copy) != NULL, "%s", cause);
			ck_assert_msg(strstr(cause, "malformed") != NULL ||
			    strstr(cause, "not a database") != NULL, "%s", cause);
			free(cause);
		} else
			free(ch.opts);
		cause = NULL;
		/* Writing must fail cleanly too, or succeed; never crash. */
		if (store_put_option_quotes(s, oq, 10, &cause) != 0)
			free(cause);
		cause = NULL;
		store_close(s);
	}
	unlink(copy);
	free(copy);

	/* A directory that does not exist. */
	dir = xasprintf("%s/no/such/dir/q.db", tmpdir);
	ck_assert_ptr_null(store_open_sqlite(dir, &cause));
	ck_assert_msg(strstr(cause, dir) != NULL && strstr(cause, "cannot open") != NULL, "%s",
	    cause);
	free(cause);
	free(dir);
}
END_TEST

/* The default file lives under $XDG_DATA_HOME/qdesk/. */
START_TEST(test_sqlite_default_path)
{
	char *xdg = xasprintf("%s/xdg%d", tmpdir, (int)getpid()), *file, *cause = NULL;
	struct store *s;
	struct stat sb;

	setenv("XDG_DATA_HOME", xdg, 1);
	s = store_open_sqlite(NULL, &cause);
	ck_assert_msg(s != NULL, "%s", cause);
	file = xasprintf("%s/qdesk/qdesk.db", xdg);
	ck_assert_str_eq(store_location(s), file);
	ck_assert_int_eq(stat(file, &sb), 0);
	store_close(s);
	unlink(file);
	free(file);
	free(xdg);
}
END_TEST

/* --- PostgreSQL only -------------------------------------------------------- */

/* The server ends the store's session: the next call reconnects once. */
START_TEST(test_pg_reconnect)
{
	struct store *s = open_store();
	struct bar b[3];
	struct quote lq;
	char *cause = NULL, sql[256], err[256];
	int i;

	for (i = 0; i < 3; i++)
		b[i] = make_bar("TLT", T0 + 86400.0 * i, 95 + i);
	ck_assert_msg(store_put_bars(s, b, 1, &cause) == 0, "%s", cause);
	snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
	    " WHERE datname = '%s' AND application_name = 'qdesk'", pg_dbname);
	ck_assert_msg(pg_raw(pg_dsn, sql, err, sizeof err) == 0, "%s", err);
	usleep(200000);
	ck_assert_msg(store_put_bars(s, b + 1, 2, &cause) == 0, "after termination: %s", cause);
	ck_assert_int_eq(count(s, "market_prices"), 3);
	ck_assert_msg(pg_raw(pg_dsn, sql, err, sizeof err) == 0, "%s", err);
	usleep(200000);
	ck_assert_int_eq(store_latest_quote(s, "TLT", &lq, &cause), 0);
	store_close(s);
}
END_TEST

/* Prints the first value a query returns on the test's database into out
 * ("" for NULL or no row). */
static void pg_val(const char *sql, char *out, size_t len)
{
	PGconn *c = PQconnectdb(pg_dsn);
	PGresult *r;

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "raw connect: %s", PQerrorMessage(c));
	r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql,
	    PQresultErrorMessage(r));
	snprintf(out, len, "%s", PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	PQfinish(c);
}

/* The key columns of a table's primary key, in order ("a,b,c"). */
#define PG_PKEY_SQL(rel) "SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM pg_index i," \
	" unnest(i.indkey) WITH ORDINALITY AS k (attnum, n) JOIN pg_attribute a" \
	" ON a.attnum = k.attnum WHERE a.attrelid = i.indrelid AND i.indisprimary" \
	" AND i.indrelid = '" rel "'::regclass"

/* Migration 6 on a database holding option quotes written under version
 * 5 (by SQL, as the old schema took them): the rows move to the table
 * keyed (time, contract), in partitions of the same months, the
 * contracts and the stored chains are listed, and every row reads back
 * with the values the SQL wrote; writing afterwards replaces and adds
 * rows as before. */
START_TEST(test_pg_migrate_v6)
{
	struct store *s = open_raw();
	struct option_quote oq[2];
	struct option_chain ch;
	char *cause = NULL, err[512], val[256];
	int applied;

	ck_assert_msg(store_migrate(s, 5, NULL, &cause) == 0, "%s", cause);
	pg_val(PG_PKEY_SQL("option_quotes"), val, sizeof val);
	ck_assert_str_eq(val, "underlying,time,symbol");
	ck_assert_msg(pg_raw(pg_dsn,
	    "CREATE TABLE option_quotes_p202310 PARTITION OF option_quotes FOR VALUES"
	    " FROM ('2023-10-01 00:00:00+00') TO ('2023-11-01 00:00:00+00');"
	    "CREATE TABLE option_quotes_p202311 PARTITION OF option_quotes FOR VALUES"
	    " FROM ('2023-11-01 00:00:00+00') TO ('2023-12-01 00:00:00+00');"
	    "INSERT INTO option_quotes (underlying, time, symbol, expiry, strike, put_call,"
	    " multiplier, bid, ask, last, bid_size, ask_size, volume, implied_vol, delta, gamma,"
	    " vega, theta, open_interest, recv_time) VALUES"
	    " ('SPY', '2023-10-15 22:13:20.123456+00', 'SPY   231215C00400000', '2023-12-15',"
	    "  400, 'C', 100, 9.5, 9.75, NULL, 10, 11, 12, 0.25, 0.5, 0.01, 0.2, -0.05, NULL,"
	    "  NULL),"
	    " ('SPY', '2023-11-14 22:13:20.123456+00', 'SPY   231215P00405000', '2023-12-15',"
	    "  405, 'P', 100, 1.25, 1.5, 1.375, 20, 21, 22, 0.3125, -0.25, 0.02, 0.3, -0.0625,"
	    "  1500, '2023-11-14 22:13:20.124+00'),"
	    " ('SPY', '2023-11-14 22:13:20.123456+00', 'SPY   231215C00400000', '2023-12-15',"
	    "  400, 'C', 100, 2.25, 2.5, NULL, 30, 31, 32, 0.1875, 0.625, 0.03, 0.4, -0.125,"
	    "  NULL, NULL),"
	    " ('QQQ', '2023-11-14 22:12:20.123456+00', 'QQQ   231215C00380000', '2023-12-15',"
	    "  380, 'C', 10, 3.5, 3.625, 3.5, 1, 2, 3, 0.5, 0.75, 0.04, 0.5, -0.25, 7, NULL)",
	    err, sizeof err) == 0, "%s", err);
	ck_assert_msg(store_migrate(s, -1, &applied, &cause) == 0, "%s", cause);
	ck_assert_int_eq(applied, 1);
	pg_val(PG_PKEY_SQL("option_quotes"), val, sizeof val);
	ck_assert_str_eq(val, "time,contract");
	pg_val(PG_PKEY_SQL("option_quotes_p202310"), val, sizeof val);
	ck_assert_str_eq(val, "time,contract");
	pg_val("SELECT string_agg(c.relname || ' ' || pg_get_expr(c.relpartbound, c.oid), ','"
	    " ORDER BY c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
	    " WHERE i.inhparent = 'option_quotes'::regclass", val, sizeof val);
	ck_assert_str_eq(val, "option_quotes_p202310 FOR VALUES FROM ('2023-10-01 00:00:00+00') TO"
	    " ('2023-11-01 00:00:00+00'),option_quotes_p202311 FOR VALUES FROM"
	    " ('2023-11-01 00:00:00+00') TO ('2023-12-01 00:00:00+00')");
	pg_val("SELECT count(*) FROM pg_class WHERE relname LIKE '%v5%'", val, sizeof val);
	ck_assert_str_eq(val, "0");
	pg_val("SELECT string_agg(underlying || ' ' || symbol, ',' ORDER BY underlying, symbol)"
	    " FROM option_contracts", val, sizeof val);
	ck_assert_str_eq(val, "QQQ QQQ   231215C00380000,SPY SPY   231215C00400000,"
	    "SPY SPY   231215P00405000");
	pg_val("SELECT string_agg(underlying || ' ' || to_char(time AT TIME ZONE 'UTC',"
	    " 'YYYY-MM-DD HH24:MI:SS.US'), ',' ORDER BY underlying, time) FROM option_chains",
	    val, sizeof val);
	ck_assert_str_eq(val, "QQQ 2023-11-14 22:12:20.123456,SPY 2023-10-15 22:13:20.123456,"
	    "SPY 2023-11-14 22:13:20.123456");
	ck_assert_int_eq(count(s, "option_quotes"), 4);

	/* The rows as the SQL wrote them. */
	ck_assert_msg(store_latest_chain(s, "SPY", &ch, &cause) == 1, "%s", cause);
	ck_assert_uint_eq(ch.n, 2);
	ck_assert(ch.time == T0);
	ck_assert_str_eq(ch.opts[0].opt.symbol, "SPY   231215C00400000");
	ck_assert(ch.opts[0].opt.strike == 400 && ch.opts[0].opt.right == OPT_RIGHT_CALL);
	ck_assert_int_eq(ch.opts[0].opt.expiry, 20231215);
	ck_assert(ch.opts[0].q.bid == 2.25 && ch.opts[0].q.ask == 2.5 && isnan(ch.opts[0].q.last));
	ck_assert(ch.opts[0].implied_vol == 0.1875 && ch.opts[0].theta == -0.125);
	ck_assert(isnan(ch.opts[0].open_interest) && isnan(ch.opts[0].q.recv_time));
	ck_assert_str_eq(ch.opts[1].opt.symbol, "SPY   231215P00405000");
	ck_assert(ch.opts[1].opt.right == OPT_RIGHT_PUT && ch.opts[1].q.last == 1.375);
	ck_assert(ch.opts[1].open_interest == 1500 && ch.opts[1].q.recv_time == 1700000000.124);
	free(ch.opts);
	ck_assert_msg(store_latest_chain(s, "QQQ", &ch, &cause) == 1, "%s", cause);
	ck_assert_uint_eq(ch.n, 1);
	ck_assert(ch.time == T0 - 60 && ch.opts[0].opt.multiplier == 10);
	ck_assert(ch.opts[0].q.bid == 3.5 && ch.opts[0].q.ask == 3.625);
	free(ch.opts);

	/* Writing after the migration: one stored row replaced, one added. */
	oq[0] = make_oq("SPY", 20231215, 400, 'C', T0, 3);
	oq[1] = make_oq("SPY", 20231215, 410, 'C', T0, 4);
	ck_assert_msg(store_put_option_quotes(s, oq, 2, &cause) == 0, "%s", cause);
	ck_assert_int_eq(count(s, "option_quotes"), 5);
	ck_assert_msg(store_latest_chain(s, "SPY", &ch, &cause) == 1, "%s", cause);
	ck_assert_uint_eq(ch.n, 3);
	ck_assert_str_eq(ch.opts[0].opt.symbol, "SPY   231215C00400000");
	check_oq(&ch.opts[0], &oq[0]);
	check_oq(&ch.opts[2], &oq[1]);
	free(ch.opts);
	pg_val("SELECT count(*) FROM option_chains", val, sizeof val);
	ck_assert_str_eq(val, "3");
	pg_val("SELECT count(*) FROM option_contracts", val, sizeof val);
	ck_assert_str_eq(val, "4");
	store_close(s);
}
END_TEST

/* The latest chain of an underlying is the latest with rows, whatever
 * else is stored: later chains of other underlyings, and a listed chain
 * whose rows are gone (a partition dropped by hand). */
START_TEST(test_pg_latest_chain)
{
	struct store *s = open_store();
	struct option_quote oq[3];
	struct option_chain ch;
	char *cause = NULL, err[256];

	oq[0] = make_oq("IWM", 20240119, 200, 'C', T0, 1);
	oq[1] = make_oq("IWM", 20240119, 200, 'C', T0 + 86400.0 * 31, 2);      /* December */
	oq[2] = make_oq("TLT", 20240119, 90, 'P', T0 + 86400.0 * 40, 3);
	ck_assert_msg(store_put_option_quotes(s, oq, 3, &cause) == 0, "%s", cause);
	ck_assert_msg(store_latest_chain(s, "IWM", &ch, &cause) == 1, "%s", cause);
	ck_assert_uint_eq(ch.n, 1);
	ck_assert(ch.time == oq[1].q.exch_time);
	check_oq(&ch.opts[0], &oq[1]);
	free(ch.opts);
	ck_assert_msg(pg_raw(pg_dsn, "DROP TABLE option_quotes_p202312", err, sizeof err) == 0,
	    "%s", err);
	ck_assert_msg(store_latest_chain(s, "IWM", &ch, &cause) == 1, "%s", cause);
	ck_assert_uint_eq(ch.n, 1);
	ck_assert(ch.time == T0);
	check_oq(&ch.opts[0], &oq[0]);
	free(ch.opts);
	ck_assert_int_eq(store_latest_chain(s, "TLT", &ch, &cause), 0);
	free(ch.opts);
	store_close(s);
}
END_TEST

/* Adds the conformance tests to a test case. */
static void add_conformance(TCase *tc)
{
	tcase_add_test(tc, test_migrate);
	tcase_add_test(tc, test_newer_schema);
	tcase_add_test(tc, test_option_quotes);
	tcase_add_test(tc, test_bars_quotes);
	tcase_add_test(tc, test_bad_rows);
	tcase_add_test(tc, test_midway_failure);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_params);
	tcase_add_test(tc, test_signals);
	tcase_add_test(tc, test_audit);
	tcase_add_test(tc, test_audit_concurrent);
	tcase_add_test(tc, test_large_batch);
	tcase_add_test(tc, test_open_conf);
}

/* Runs the unit tests, the SQLite suite and, with QDESK_TEST_PG_DSN, the
 * PostgreSQL suite. */
int main(void)
{
	Suite *s = suite_create("store");
	TCase *unit = tcase_create("unit"), *sq = tcase_create("sqlite"), *pg;
	SRunner *sr;
	int failed;
	char cmd[300];

	snprintf(tmpdir, sizeof tmpdir, "%s/qdesk-store-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	tcase_add_test(unit, test_sha256);
	tcase_add_test(unit, test_add_double);
	tcase_add_test(unit, test_timestamp);
	tcase_add_test(unit, test_json);
	tcase_add_test(unit, test_pg_unreachable);
	suite_add_tcase(s, unit);

	tcase_add_checked_fixture(sq, setup_sqlite, teardown_sqlite);
	tcase_set_timeout(sq, 120);
	add_conformance(sq);
	tcase_add_test(sq, test_sqlite_corrupt);
	tcase_add_test(sq, test_sqlite_default_path);
	suite_add_tcase(s, sq);

	pg_admin = getenv("QDESK_TEST_PG_DSN");
	if (pg_admin != NULL && *pg_admin != '\0') {
		pg = tcase_create("postgresql");
		tcase_add_checked_fixture(pg, setup_pg, teardown_pg);
		tcase_set_timeout(pg, 120);
		add_conformance(pg);
		tcase_add_test(pg, test_pg_reconnect);
		tcase_add_test(pg, test_pg_migrate_v6);
		tcase_add_test(pg, test_pg_latest_chain);
		suite_add_tcase(s, pg);
	} else
		printf("check_store: QDESK_TEST_PG_DSN is not set: PostgreSQL runs in "
		    "tests/store-pg.test\n");

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "check_store: could not remove %s\n", tmpdir);
	return failed == 0 ? 0 : 1;
}
