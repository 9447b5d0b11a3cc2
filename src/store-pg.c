/*
 * store-pg.c -- the PostgreSQL store backend, through libpq.
 *
 * Layout.  The first migration checks pg_available_extensions for
 * timescaledb; when it is there and CREATE EXTENSION succeeds, the
 * market-data tables (the "series" of store-schema.c) become hypertables
 * on their time column.  Otherwise they are declaratively range-
 * partitioned by time, one partition per calendar month (UTC), created on
 * demand just before a batch that needs it, each in its own short
 * transaction so the batch itself never holds a lock on the parent table.
 * The choice is recorded in store_meta (key pg_layout).
 *
 * Option quotes (migration 6).  A row names its option by an integer id
 * from option_contracts (one row per underlying and symbol) and the table
 * is keyed (time, contract), so a batch's rows go to the right edge of
 * the index and compare as two integers; everything else a quote has
 * stays on its row.  A connection caches the ids it has seen; new
 * contracts are registered before the batch in their own transaction
 * (pg_contracts).  option_chains lists each (underlying, time) stored, in
 * the batch's transaction, for the latest-chain query.  The server's CPU
 * per option quote went from 4.0 to 2.8-2.9 us and the rows per second
 * from ~215k to ~270k (bench-store, BENCHMARKS.md).  Tried and not kept:
 * COPY straight into the month's partition instead of the parent (the
 * routing it saves, ~1% of the server's time, is paid back by the
 * partition-constraint check on every row).  Not possible: COPY FREEZE
 * (only into a table created or truncated in the same transaction, never
 * a partitioned one).  A DBA may add for bulk loads, outside qdesk (not
 * measured here): shared_buffers above the default 128MB (a profile shows
 * backends evicting dirty buffers and extending tables page by page),
 * max_wal_size of a few GB (fewer checkpoints and full-page images);
 * durability is never traded: a returned success means the rows are
 * committed (synchronous_commit stays on).
 *
 * Writes.  Values always travel as parameters (PQexecParams) or COPY data,
 * never inside SQL text; the only SQL built at run time holds identifiers
 * derived from integers (partition names and bounds) or fixed table
 * names.  A batch is COPY FROM STDIN inside one transaction, in binary
 * format: doubles travel as their IEEE bits (exact, nothing to format or
 * parse), times as microseconds, text as raw UTF-8 bytes (no escaping to
 * get wrong).  Measured with tests/bench/bench-store.c, the text format
 * cost the server 1.6 times the CPU per option quote (number and
 * timestamp parsing) and qdesk 5 times (number formatting), and halved
 * the rows per second.  Rows already stored (a unique violation) are
 * handled by a second pass in the same transaction: the batch is copied
 * into a temporary table and merged with INSERT .. ON CONFLICT DO
 * UPDATE, the last row of the batch winning, which is what SQLite's
 * INSERT OR REPLACE does.  Any other error rolls the whole batch back.
 *
 * Connections.  Messages name user@host:port/dbname, never the password
 * (libpq does not echo it; anything it returns is scrubbed of it anyway).
 * A connection found dead is reset (PQreset) once at the start of the
 * next call; when the very first statement of a call fails because the
 * connection died, the call is retried once after the reset, since
 * nothing of it can have been applied.  Notices go to the log, not to
 * stderr.
 */
#include "config.h"

#include <libpq-fe.h>
#include <math.h>
#include <pwd.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store-int.h"
#include "util.h"

/* Serialises concurrent `db migrate` runs (pg_advisory_xact_lock key). */
#define PG_MIGRATE_LOCK "7236417345"
/* COPY data is sent in pieces of about this size. */
#define PG_COPY_CHUNK (256 * 1024)

struct pg_month {
	const char *table;
	int month;                      /* year * 12 + month - 1 */
};

/* An option contract known to be in option_contracts, in a hash table. */
struct pg_contract {
	char underlying[MARKET_SYMBOL_MAX];
	char symbol[MARKET_SYMBOL_MAX];
	int id;                         /* 0: an empty slot (ids start at 1) */
};

struct store_pg {
	struct store base;
	PGconn *conn;
	char *password;                 /* only to scrub messages */
	int timescale;                  /* hypertables rather than partitions */
	struct pg_month *months;        /* partitions known to exist */
	size_t nmonths, capmonths;
	struct pg_contract *contracts;  /* open addressing; capacity a power of two */
	size_t ncontracts, capcontracts;
	int *ids;                       /* the contract of each row of a batch */
	size_t capids;
	struct buf copy;                /* COPY data being built */
};

/* How a series table is written: its columns in COPY order, its key, and
 * the update applied to a row already stored. */
struct pg_copy_table {
	const char *table;
	const char *cols;
	const char *key;
	const char *set;
};

static const struct pg_copy_table pg_bars_table = {
	"market_prices", "symbol, time, open, high, low, close, volume", "symbol, time",
	"open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low,"
	" close = EXCLUDED.close, volume = EXCLUDED.volume"
};

static const struct pg_copy_table pg_quotes_table = {
	"quotes", "symbol, time, bid, ask, last, bid_size, ask_size, volume, recv_time",
	"symbol, time",
	"bid = EXCLUDED.bid, ask = EXCLUDED.ask, last = EXCLUDED.last,"
	" bid_size = EXCLUDED.bid_size, ask_size = EXCLUDED.ask_size,"
	" volume = EXCLUDED.volume, recv_time = EXCLUDED.recv_time"
};

static const struct pg_copy_table pg_oq_table = {
	"option_quotes",
	"time, contract, expiry, strike, put_call, multiplier, bid, ask, last,"
	" bid_size, ask_size, volume, implied_vol, delta, gamma, vega, theta, open_interest,"
	" recv_time",
	"time, contract",
	"expiry = EXCLUDED.expiry, strike = EXCLUDED.strike, put_call = EXCLUDED.put_call,"
	" multiplier = EXCLUDED.multiplier, bid = EXCLUDED.bid, ask = EXCLUDED.ask,"
	" last = EXCLUDED.last, bid_size = EXCLUDED.bid_size, ask_size = EXCLUDED.ask_size,"
	" volume = EXCLUDED.volume, implied_vol = EXCLUDED.implied_vol,"
	" delta = EXCLUDED.delta, gamma = EXCLUDED.gamma, vega = EXCLUDED.vega,"
	" theta = EXCLUDED.theta, open_interest = EXCLUDED.open_interest,"
	" recv_time = EXCLUDED.recv_time"
};

/* A time column read back as integer microseconds since the epoch. */
#define US(col) "(extract(epoch from " col ") * 1000000)::int8"

#define PG(s) ((struct store_pg *)(s))

/* --- messages ------------------------------------------------------------- */

/* Makes a libpq message one line and removes the password from it. */
static char *pg_clean(struct store *s, const char *msg)
{
	const char *pw = PG(s)->password;
	struct buf b;
	const char *p;

	buf_init(&b);
	for (p = msg; *p != '\0'; p++) {
		if (pw != NULL && strlen(pw) >= 3 && strncmp(p, pw, strlen(pw)) == 0) {
			buf_adds(&b, "***");
			p += strlen(pw) - 1;
		} else if (*p == '\n' || *p == '\t' || *p == '\r') {
			if (b.len > 0 && b.data[b.len - 1] != ' ' && p[1] != '\0')
				buf_addc(&b, ' ');
		} else
			buf_addc(&b, *p);
	}
	while (b.len > 0 && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	if (b.data == NULL)
		buf_adds(&b, "");
	return b.data;
}

/* Reports a failed result (or the connection's error) after what. */
static int pg_fail(struct store *s, char **cause, const char *what, const PGresult *res)
{
	const char *prim = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	char *raw, *msg;

	if (prim != NULL)
		raw = xasprintf("%s%s%s", prim, detail ? " -- " : "", detail ? detail : "");
	else
		raw = xstrdup(PQerrorMessage(PG(s)->conn));
	msg = pg_clean(s, raw);
	store_fail(s, cause, "%s: %s%s", what, msg, strstr(msg, "does not exist") != NULL &&
	    strstr(msg, "relation") != NULL ? " (is the schema migrated? run 'db migrate')" : "");
	free(raw);
	free(msg);
	return -1;
}

/* Returns the SQLSTATE of a failed result, or "". */
static const char *pg_state(const PGresult *res)
{
	const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return st != NULL ? st : "";
}

/* Sends notices to the log instead of stderr. */
static void pg_notice(void *arg, const char *msg)
{
	(void)arg;
	log_debug("store: postgresql: %.*s", (int)strcspn(msg, "\n"), msg);
}

/* --- running statements ------------------------------------------------- */

/* Makes sure the connection is up, resetting a dead one once. */
static int pg_ready(struct store *s, char **cause)
{
	PGconn *c = PG(s)->conn;

	if (PQstatus(c) == CONNECTION_OK)
		return 0;
	log_warn("store: postgresql %s: connection lost; reconnecting", s->location);
	PQreset(c);
	if (PQstatus(c) != CONNECTION_OK)
		return pg_fail(s, cause, "connection lost and reconnecting failed", NULL);
	log_info("store: postgresql %s: reconnected", s->location);
	return 0;
}

/* Runs a statement with text parameters; returns the result when its
 * status is want, else NULL with cause.  retry: reset and run once more
 * when the connection turns out to be dead (only outside a transaction,
 * where nothing of the current call can have been applied). */
static PGresult *pg_run(struct store *s, const char *sql, int n, const char *const *vals,
    ExecStatusType want, const char *what, int retry, char **cause)
{
	PGresult *res;

	if (pg_ready(s, cause) != 0)
		return NULL;
	/* Inside a transaction a retry would run outside it: never. */
	if (PQtransactionStatus(PG(s)->conn) != PQTRANS_IDLE)
		retry = 0;
	res = PQexecParams(PG(s)->conn, sql, n, NULL, vals, NULL, NULL, 0);
	if (res != NULL && PQresultStatus(res) == want)
		return res;
	if (retry && PQstatus(PG(s)->conn) == CONNECTION_BAD) {
		PQclear(res);
		if (pg_ready(s, cause) != 0)
			return NULL;
		res = PQexecParams(PG(s)->conn, sql, n, NULL, vals, NULL, NULL, 0);
		if (res != NULL && PQresultStatus(res) == want)
			return res;
	}
	pg_fail(s, cause, what, res);
	PQclear(res);
	return NULL;
}

/* Runs a statement that returns no rows. */
static int pg_cmd(struct store *s, const char *sql, int n, const char *const *vals,
    const char *what, char **cause)
{
	PGresult *res = pg_run(s, sql, n, vals, PGRES_COMMAND_OK, what, 0, cause);

	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

/* Starts a transaction: the first statement of a writing call, retried
 * once on a dead connection. */
static int pg_begin(struct store *s, char **cause)
{
	PGresult *res = pg_run(s, "BEGIN", 0, NULL, PGRES_COMMAND_OK, "BEGIN", 1, cause);

	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

/* Rolls back after a failure; the first error is already in cause. */
static void pg_rollback(struct store *s)
{
	PGresult *res;

	if (PQstatus(PG(s)->conn) != CONNECTION_OK)
		return;
	if (PQtransactionStatus(PG(s)->conn) == PQTRANS_IDLE)
		return;
	res = PQexec(PG(s)->conn, "ROLLBACK");
	PQclear(res);
}

/* Commits; a failure here leaves the outcome with the server. */
static int pg_commit(struct store *s, char **cause)
{
	PGresult *res = PQexec(PG(s)->conn, "COMMIT");

	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_fail(s, cause, "COMMIT", res);
		PQclear(res);
		pg_rollback(s);
		return -1;
	}
	PQclear(res);
	return 0;
}

/* Reads a float8 cell, NaN for NULL. */
static double pg_double(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NAN;
	return strtod(PQgetvalue(res, row, col), NULL);
}

/* Reads an int8 cell of microseconds as epoch seconds, NaN for NULL. */
static double pg_time(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NAN;
	return store_time_from_us(strtoll(PQgetvalue(res, row, col), NULL, 10));
}

/* Copies a text cell into a fixed buffer. */
static void pg_text(const PGresult *res, int row, int col, char *out, size_t len)
{
	snprintf(out, len, "%s", PQgetvalue(res, row, col));
}

/* Duplicates a text cell, NULL for NULL. */
static char *pg_strdup(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : xstrdup(PQgetvalue(res, row, col));
}

/* --- schema ------------------------------------------------------------------ */

/* Returns 1 when a table exists (in the search path), 0 if not, -1 on error. */
static int pg_table_exists(struct store *s, const char *table, char **cause)
{
	const char *vals[1] = { table };
	PGresult *res = pg_run(s, "SELECT to_regclass($1) IS NOT NULL", 1, vals,
	    PGRES_TUPLES_OK, "looking up a table", 1, cause);
	int yes;

	if (res == NULL)
		return -1;
	yes = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return yes;
}

/* Reads the schema version. */
static int pg_version(struct store *s, int *version, char **cause)
{
	PGresult *res;
	int rc;

	*version = 0;
	if ((rc = pg_table_exists(s, "schema_migrations", cause)) <= 0)
		return rc;
	res = pg_run(s, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0, NULL,
	    PGRES_TUPLES_OK, "reading schema_migrations", 1, cause);
	if (res == NULL)
		return -1;
	*version = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

/* Reads the recorded layout (timescaledb or partitioned), if any. */
static int pg_read_layout(struct store *s, char **cause)
{
	const char *vals[1] = { "pg_layout" };
	PGresult *res;
	int rc;

	if ((rc = pg_table_exists(s, "store_meta", cause)) <= 0)
		return rc;
	res = pg_run(s, "SELECT value FROM store_meta WHERE key = $1", 1, vals, PGRES_TUPLES_OK,
	    "reading store_meta", 1, cause);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		pg_text(res, 0, 0, s->layout, sizeof s->layout);
		PG(s)->timescale = strcmp(s->layout, "timescaledb") == 0;
	}
	PQclear(res);
	return 0;
}

/* Decides the layout inside the first migration's transaction: TimescaleDB
 * when the extension is available and can be created, else partitions. */
static int pg_choose_layout(struct store *s, char **cause)
{
	PGresult *res;
	int avail;

	res = pg_run(s, "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'", 0,
	    NULL, PGRES_TUPLES_OK, "looking for timescaledb", 0, cause);
	if (res == NULL)
		return -1;
	avail = PQntuples(res) > 0;
	PQclear(res);
	PG(s)->timescale = 0;
	snprintf(s->layout, sizeof s->layout, "partitioned");
	if (!avail)
		return 0;
	if (pg_cmd(s, "SAVEPOINT qdesk_timescale", 0, NULL, "SAVEPOINT", cause) != 0)
		return -1;
	res = PQexec(PG(s)->conn, "CREATE EXTENSION IF NOT EXISTS timescaledb");
	if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK) {
		PQclear(res);
		PG(s)->timescale = 1;
		snprintf(s->layout, sizeof s->layout, "timescaledb");
		return pg_cmd(s, "RELEASE SAVEPOINT qdesk_timescale", 0, NULL, "RELEASE", cause);
	}
	{
		char *msg = pg_clean(s, res ? PQresultErrorMessage(res) : PQerrorMessage(PG(s)->conn));

		log_warn("store: postgresql %s: timescaledb is available but CREATE EXTENSION "
		    "failed (%s); using monthly partitions", s->location, msg);
		free(msg);
	}
	PQclear(res);
	return pg_cmd(s, "ROLLBACK TO SAVEPOINT qdesk_timescale", 0, NULL, "ROLLBACK TO SAVEPOINT",
	    cause);
}

/* Creates one series table, as a hypertable or partitioned by month.  A
 * hypertable gets no default (time DESC) index: the table's own key
 * serves every query, and each index costs every row an insert
 * (create_hypertable's create_default_indexes, documented since
 * TimescaleDB 1.0 in the interface that takes the time column's name). */
static int pg_create_series(struct store *s, const struct store_series *t, char **cause)
{
	char *sql;
	int rc;

	sql = xasprintf("CREATE TABLE %s (%s)%s", t->table, t->columns,
	    PG(s)->timescale ? "" : " PARTITION BY RANGE (time)");
	rc = pg_cmd(s, sql, 0, NULL, "creating a table", cause);
	free(sql);
	if (rc != 0 || !PG(s)->timescale)
		return rc;
	{
		const char *vals[1] = { t->table };
		PGresult *res = pg_run(s, "SELECT create_hypertable($1::regclass, 'time'::name,"
		    " create_default_indexes => false)", 1, vals, PGRES_TUPLES_OK,
		    "create_hypertable", 0, cause);

		if (res == NULL)
			return -1;
		PQclear(res);
	}
	return 0;
}

/* Applies one migration in a transaction under an advisory lock. */
static int pg_migrate(struct store *s, const struct store_migration *m, int *done,
    char **cause)
{
	char vbuf[16];
	const char *vals[2];
	PGresult *res;
	int i, version;

	*done = 0;
	if (pg_begin(s, cause) != 0)
		return -1;
	res = pg_run(s, "SELECT pg_advisory_xact_lock(" PG_MIGRATE_LOCK ")", 0, NULL,
	    PGRES_TUPLES_OK, "taking the migration lock", 0, cause);
	if (res == NULL)
		goto fail;
	PQclear(res);
	if (pg_cmd(s, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    " version integer PRIMARY KEY, name text NOT NULL,"
	    " applied_at timestamptz NOT NULL DEFAULT now())", 0, NULL,
	    "creating schema_migrations", cause) != 0)
		goto fail;
	if (pg_version(s, &version, cause) != 0)
		goto fail;
	if (version >= m->version)
		return pg_commit(s, cause);
	if (m->pg_series != NULL && m->pg_series[0].table != NULL && s->layout[0] == '\0' &&
	    pg_choose_layout(s, cause) != 0)
		goto fail;
	for (i = 0; m->pg_pre != NULL && m->pg_pre[i] != NULL; i++) {
		char *what = xasprintf("migration %d (%s)", m->version, m->name);
		int rc = pg_cmd(s, m->pg_pre[i], 0, NULL, what, cause);

		free(what);
		if (rc != 0)
			goto fail;
	}
	for (i = 0; m->pg_series != NULL && m->pg_series[i].table != NULL; i++) {
		if (pg_create_series(s, &m->pg_series[i], cause) != 0)
			goto fail;
	}
	for (i = 0; m->pg[i] != NULL; i++) {
		char *what = xasprintf("migration %d (%s)", m->version, m->name);
		int rc = pg_cmd(s, m->pg[i], 0, NULL, what, cause);

		free(what);
		if (rc != 0)
			goto fail;
	}
	if (s->layout[0] != '\0') {
		vals[0] = "pg_layout";
		vals[1] = s->layout;
		if (pg_cmd(s, "INSERT INTO store_meta (key, value) VALUES ($1, $2)"
		    " ON CONFLICT (key) DO NOTHING", 2, vals, "recording the layout", cause) != 0)
			goto fail;
	}
	snprintf(vbuf, sizeof vbuf, "%d", m->version);
	vals[0] = vbuf;
	vals[1] = m->name;
	if (pg_cmd(s, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2, vals,
	    "recording the migration", cause) != 0)
		goto fail;
	if (pg_commit(s, cause) != 0) {
		if (m->pg_series != NULL)
			pg_read_layout(s, NULL);
		return -1;
	}
	*done = 1;
	return 0;
fail:
	pg_rollback(s);
	/* The layout chosen inside the failed transaction is void. */
	if (m->version == 1)
		s->layout[0] = '\0';
	return -1;
}

/* --- partitions ---------------------------------------------------------------- */

/* Returns the month index (year * 12 + month - 1) of a microsecond time. */
static int pg_month_of(int64_t us)
{
	int64_t days = us >= 0 ? us / 86400000000LL : -((-us + 86399999999LL) / 86400000000LL);
	int y, m, d;

	store_civil_from_days(days, &y, &m, &d);
	return y * 12 + m - 1;
}

/* Returns 1 when the partition of a month is known to exist. */
static int pg_month_known(struct store_pg *p, const char *table, int month)
{
	size_t i;

	for (i = 0; i < p->nmonths; i++) {
		if (p->months[i].month == month && strcmp(p->months[i].table, table) == 0)
			return 1;
	}
	return 0;
}

/* Creates (if missing) the monthly partition of table holding month, in
 * its own transaction. */
static int pg_make_partition(struct store *s, const char *table, int month, char **cause)
{
	struct store_pg *p = PG(s);
	int y = month / 12, m = month % 12 + 1, ny = (month + 1) / 12, nm = (month + 1) % 12 + 1;
	char *sql;
	PGresult *res;

	sql = xasprintf("CREATE TABLE IF NOT EXISTS %s_p%04d%02d PARTITION OF %s FOR VALUES"
	    " FROM ('%04d-%02d-01 00:00:00+00') TO ('%04d-%02d-01 00:00:00+00')", table, y, m,
	    table, y, m, ny, nm);
	if (pg_ready(s, cause) != 0) {
		free(sql);
		return -1;
	}
	res = PQexec(p->conn, sql);
	if ((res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) &&
	    PQstatus(p->conn) == CONNECTION_BAD) {
		PQclear(res);
		if (pg_ready(s, cause) != 0) {
			free(sql);
			return -1;
		}
		res = PQexec(p->conn, sql);
	}
	free(sql);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		/* A concurrent writer may have created it first: the batch
		 * will tell if the partition is really missing. */
		char *msg = pg_clean(s, res ? PQresultErrorMessage(res) : PQerrorMessage(p->conn));

		log_warn("store: postgresql %s: partition %s_p%04d%02d: %s", s->location, table, y, m,
		    msg);
		free(msg);
		PQclear(res);
		return PQstatus(p->conn) == CONNECTION_OK ? 0 :
		    pg_fail(s, cause, "creating a partition", NULL);
	}
	PQclear(res);
	if (p->nmonths == p->capmonths) {
		p->capmonths = p->capmonths ? p->capmonths * 2 : 16;
		p->months = xrealloc(p->months, p->capmonths * sizeof *p->months);
	}
	p->months[p->nmonths].table = table;
	p->months[p->nmonths].month = month;
	p->nmonths++;
	return 0;
}

/* Ensures the partitions for every time of a batch exist. */
static int pg_partitions(struct store *s, const char *table, const void *rows, size_t n,
    size_t stride, size_t time_off, char **cause)
{
	int last = -1;
	size_t i;

	/* Hypertables make their own chunks; before the first migration
	 * there is no table to partition (the batch will say so). */
	if (PG(s)->timescale || s->layout[0] == '\0')
		return 0;
	for (i = 0; i < n; i++) {
		double t = *(const double *)((const char *)rows + i * stride + time_off);
		int month = pg_month_of(store_time_us(t));

		if (month == last)
			continue;
		last = month;
		if (!pg_month_known(PG(s), table, month) &&
		    pg_make_partition(s, table, month, cause) != 0)
			return -1;
	}
	return 0;
}

/* --- COPY ---------------------------------------------------------------------- */

/* Microseconds and days between the Unix epoch and PostgreSQL's
 * (2000-01-01), the origin of binary timestamptz and date values. */
#define PG_EPOCH_US 946684800000000LL
#define PG_EPOCH_DAYS 10957

/* Appends a big-endian 16-bit integer. */
static void pg_put16(struct buf *b, int v)
{
	char x[2] = { (char)((v >> 8) & 0xff), (char)(v & 0xff) };

	buf_add(b, x, 2);
}

/* Appends a big-endian 32-bit integer. */
static void pg_put32(struct buf *b, uint32_t v)
{
	char x[4] = { (char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v };

	buf_add(b, x, 4);
}

/* Appends a big-endian 64-bit integer. */
static void pg_put64(struct buf *b, uint64_t v)
{
	pg_put32(b, (uint32_t)(v >> 32));
	pg_put32(b, (uint32_t)v);
}

/* Appends a NULL field. */
static void pg_bin_null(struct buf *b)
{
	pg_put32(b, 0xffffffffu);
}

/* Appends a text field (the bytes as they are: binary COPY has no
 * escaping, and client_encoding is UTF8). */
static void pg_bin_text(struct buf *b, const char *t)
{
	size_t n = strlen(t);

	pg_put32(b, (uint32_t)n);
	buf_add(b, t, n);
}

/* Appends a float8 field (the IEEE bits, so the value is exact), or NULL
 * for NaN. */
static void pg_bin_num(struct buf *b, double v)
{
	uint64_t bits;

	if (isnan(v)) {
		pg_bin_null(b);
		return;
	}
	memcpy(&bits, &v, sizeof bits);
	pg_put32(b, 8);
	pg_put64(b, bits);
}

/* Appends a timestamptz field (microseconds since 2000-01-01 UTC), or
 * NULL for NaN. */
static void pg_bin_time(struct buf *b, double t)
{
	if (isnan(t)) {
		pg_bin_null(b);
		return;
	}
	pg_put32(b, 8);
	pg_put64(b, (uint64_t)(store_time_us(t) - PG_EPOCH_US));
}

/* Appends a date field (days since 2000-01-01) from YYYYMMDD. */
static void pg_bin_date(struct buf *b, int ymd)
{
	int64_t days = store_days_from_civil(ymd / 10000, ymd / 100 % 100, ymd % 100);

	pg_put32(b, 4);
	pg_put32(b, (uint32_t)(int32_t)(days - PG_EPOCH_DAYS));
}

struct pg_batch;

/* Appends bar i as a binary COPY tuple. */
static void pg_row_bar(struct buf *b, const struct pg_batch *bt, size_t i);
/* Appends quote i as a binary COPY tuple. */
static void pg_row_quote(struct buf *b, const struct pg_batch *bt, size_t i);
/* Appends option quote i as a binary COPY tuple (its contract id from
 * bt->ids). */
static void pg_row_oq(struct buf *b, const struct pg_batch *bt, size_t i);

struct pg_batch {
	const struct pg_copy_table *t;
	const char *what;               /* "option quotes" */
	const void *rows;
	size_t n;
	void (*row)(struct buf *, const struct pg_batch *, size_t);    /* one COPY tuple */
	const char *(*name)(const void *, size_t);
	/* Runs in the batch's transaction once its rows are in (NULL: none). */
	int (*after)(struct store *, const struct pg_batch *, char **);
	const int *ids;                 /* option quotes: the contract of each row */
};

static void pg_row_bar(struct buf *b, const struct pg_batch *bt, size_t i)
{
	const struct bar *r = (const struct bar *)bt->rows + i;

	pg_put16(b, 7);
	pg_bin_text(b, r->symbol);
	pg_bin_time(b, r->time);
	pg_bin_num(b, r->open);
	pg_bin_num(b, r->high);
	pg_bin_num(b, r->low);
	pg_bin_num(b, r->close);
	pg_bin_num(b, r->volume);
}

static void pg_row_quote(struct buf *b, const struct pg_batch *bt, size_t i)
{
	const struct quote *r = (const struct quote *)bt->rows + i;

	pg_put16(b, 9);
	pg_bin_text(b, r->symbol);
	pg_bin_time(b, r->exch_time);
	pg_bin_num(b, r->bid);
	pg_bin_num(b, r->ask);
	pg_bin_num(b, r->last);
	pg_bin_num(b, r->bid_size);
	pg_bin_num(b, r->ask_size);
	pg_bin_num(b, r->volume);
	pg_bin_time(b, r->recv_time);
}

static void pg_row_oq(struct buf *b, const struct pg_batch *bt, size_t i)
{
	const struct option_quote *r = (const struct option_quote *)bt->rows + i;

	pg_put16(b, 19);
	pg_bin_time(b, r->q.exch_time);
	pg_put32(b, 4);
	pg_put32(b, (uint32_t)bt->ids[i]);
	pg_bin_date(b, r->opt.expiry);
	pg_bin_num(b, r->opt.strike);
	pg_bin_text(b, r->opt.right == OPT_RIGHT_CALL ? "C" : "P");
	pg_bin_num(b, r->opt.multiplier);
	pg_bin_num(b, r->q.bid);
	pg_bin_num(b, r->q.ask);
	pg_bin_num(b, r->q.last);
	pg_bin_num(b, r->q.bid_size);
	pg_bin_num(b, r->q.ask_size);
	pg_bin_num(b, r->q.volume);
	pg_bin_num(b, r->implied_vol);
	pg_bin_num(b, r->delta);
	pg_bin_num(b, r->gamma);
	pg_bin_num(b, r->vega);
	pg_bin_num(b, r->theta);
	pg_bin_num(b, r->open_interest);
	pg_bin_time(b, r->q.recv_time);
}

/* Sends COPY data for all rows into target (a table); returns the COPY's
 * final result (the caller checks and clears it), or NULL when the
 * connection failed. */
static PGresult *pg_copy_rows(struct store *s, const struct pg_batch *bt, const char *target)
{
	struct store_pg *p = PG(s);
	char *sql = xasprintf("COPY %s (%s) FROM STDIN (FORMAT binary)", target, bt->t->cols);
	PGresult *res = PQexec(p->conn, sql);
	size_t i;
	int ok = 1;

	free(sql);
	if (res == NULL || PQresultStatus(res) != PGRES_COPY_IN)
		return res;
	PQclear(res);
	buf_reset(&p->copy);
	/* Signature, flags, header extension length. */
	buf_add(&p->copy, "PGCOPY\n\377\r\n\0", 11);
	pg_put32(&p->copy, 0);
	pg_put32(&p->copy, 0);
	for (i = 0; i < bt->n && ok; i++) {
		bt->row(&p->copy, bt, i);
		if (i + 1 == bt->n)
			pg_put16(&p->copy, -1);         /* trailer */
		if (p->copy.len >= PG_COPY_CHUNK || i + 1 == bt->n) {
			ok = PQputCopyData(p->conn, p->copy.data, (int)p->copy.len) == 1;
			buf_reset(&p->copy);
		}
	}
	PQputCopyEnd(p->conn, ok ? NULL : "qdesk: sending COPY data failed");
	res = PQgetResult(p->conn);
	/* Drain anything else so the connection is ready for the next command. */
	{
		PGresult *more;

		while ((more = PQgetResult(p->conn)) != NULL)
			PQclear(more);
	}
	return res;
}

/* Reports a failed COPY naming the batch row from the server's context
 * ("COPY option_quotes, line 3"). */
static int pg_copy_fail(struct store *s, const struct pg_batch *bt, const PGresult *res,
    char **cause)
{
	const char *ctx = res ? PQresultErrorField(res, PG_DIAG_CONTEXT) : NULL;
	const char *line = ctx ? strstr(ctx, ", line ") : NULL;
	unsigned long row = 0;
	char *what;

	if (line != NULL)
		row = strtoul(line + 7, NULL, 10);
	if (row >= 1 && row <= bt->n)
		what = xasprintf("%s row %lu of %zu (%s)", bt->what, row, bt->n,
		    bt->name(bt->rows, row - 1));
	else
		what = xasprintf("%s (%zu rows)", bt->what, bt->n);
	pg_fail(s, cause, what, res);
	free(what);
	what = *cause;
	*cause = xasprintf("%s; nothing stored", what);
	free(what);
	return -1;
}

/* Merges a batch with rows already stored: COPY into a temporary table,
 * then INSERT .. ON CONFLICT DO UPDATE with the batch's last row winning. */
static int pg_merge(struct store *s, const struct pg_batch *bt, char **cause)
{
	char *sql;
	PGresult *res;
	int rc;

	sql = xasprintf("CREATE TEMP TABLE qdesk_stage (LIKE %s) ON COMMIT DROP", bt->t->table);
	rc = pg_cmd(s, sql, 0, NULL, "creating a staging table", cause);
	free(sql);
	if (rc != 0)
		return -1;
	if (pg_cmd(s, "ALTER TABLE qdesk_stage ADD COLUMN qdesk_ord bigint"
	    " GENERATED ALWAYS AS IDENTITY", 0, NULL, "creating a staging table", cause) != 0)
		return -1;
	res = pg_copy_rows(s, bt, "qdesk_stage");
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_copy_fail(s, bt, res, cause);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	sql = xasprintf("INSERT INTO %s (%s) SELECT DISTINCT ON (%s) %s FROM qdesk_stage"
	    " ORDER BY %s, qdesk_ord DESC ON CONFLICT (%s) DO UPDATE SET %s", bt->t->table,
	    bt->t->cols, bt->t->key, bt->t->cols, bt->t->key, bt->t->key, bt->t->set);
	rc = pg_cmd(s, sql, 0, NULL, bt->what, cause);
	free(sql);
	if (rc != 0)
		return -1;
	return pg_cmd(s, "DROP TABLE qdesk_stage", 0, NULL, "dropping the staging table", cause);
}

/* Writes a batch through COPY in one transaction. */
static int pg_put_batch(struct store *s, const struct pg_batch *bt, char **cause)
{
	PGresult *res;

	if (pg_begin(s, cause) != 0)
		return -1;
	if (pg_cmd(s, "SAVEPOINT qdesk_copy", 0, NULL, "SAVEPOINT", cause) != 0)
		goto fail;
	res = pg_copy_rows(s, bt, bt->t->table);
	if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK) {
		PQclear(res);
		if (bt->after != NULL && bt->after(s, bt, cause) != 0)
			goto fail;
		return pg_commit(s, cause);
	}
	if (strcmp(pg_state(res), "23505") != 0) {
		pg_copy_fail(s, bt, res, cause);
		PQclear(res);
		goto fail;
	}
	/* Some rows are stored already: merge them instead. */
	PQclear(res);
	if (pg_cmd(s, "ROLLBACK TO SAVEPOINT qdesk_copy", 0, NULL, "ROLLBACK TO SAVEPOINT",
	    cause) != 0 || pg_merge(s, bt, cause) != 0)
		goto fail;
	if (bt->after != NULL && bt->after(s, bt, cause) != 0)
		goto fail;
	return pg_commit(s, cause);
fail:
	pg_rollback(s);
	return -1;
}

/* Names bar i. */
static const char *pg_name_bar(const void *rows, size_t i)
{
	return ((const struct bar *)rows)[i].symbol;
}

/* Names quote i. */
static const char *pg_name_quote(const void *rows, size_t i)
{
	return ((const struct quote *)rows)[i].symbol;
}

/* Names option quote i. */
static const char *pg_name_oq(const void *rows, size_t i)
{
	return ((const struct option_quote *)rows)[i].opt.symbol;
}

/* Appends an element to the text of an array literal that holds "{" and
 * the elements so far: double-quoted, a backslash before " and \. */
static void pg_array_elem(struct buf *b, const char *v)
{
	if (b->len > 1)
		buf_addc(b, ',');
	buf_addc(b, '"');
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *v);
	}
	buf_addc(b, '"');
}

/* Lists the chains of a batch of option quotes (each underlying and quote
 * time) in option_chains, in the batch's transaction: the latest chain of
 * an underlying is found there (pg_latest_chain).  Rows of one snapshot
 * come together, so a pair is sent when it differs from the row before;
 * the server removes the other repeats and inserts in key order, so two
 * writers of the same chains wait for each other rather than deadlock. */
static int pg_oq_chains(struct store *s, const struct pg_batch *bt, char **cause)
{
	const struct option_quote *oq = bt->rows;
	struct buf u, t;
	const char *vals[2];
	char ts[40];
	size_t i;
	int rc;

	buf_init(&u);
	buf_init(&t);
	buf_addc(&u, '{');
	buf_addc(&t, '{');
	for (i = 0; i < bt->n; i++) {
		if (i > 0 && oq[i].q.exch_time == oq[i - 1].q.exch_time &&
		    strcmp(oq[i].opt.underlying, oq[i - 1].opt.underlying) == 0)
			continue;
		pg_array_elem(&u, oq[i].opt.underlying);
		store_format_timestamp(store_time_us(oq[i].q.exch_time), ts);
		pg_array_elem(&t, ts);
	}
	buf_addc(&u, '}');
	buf_addc(&t, '}');
	vals[0] = u.data;
	vals[1] = t.data;
	rc = pg_cmd(s, "INSERT INTO option_chains (underlying, time) SELECT DISTINCT u, t"
	    " FROM unnest($1::text[], $2::timestamptz[]) AS c (u, t) ORDER BY u, t"
	    " ON CONFLICT DO NOTHING", 2, vals, "option quotes: listing their chains", cause);
	buf_free(&u);
	buf_free(&t);
	return rc;
}

/* --- option contracts ------------------------------------------------------ */

/* Hashes an underlying and a symbol (FNV-1a, the NUL between them too). */
static uint64_t pg_contract_hash(const char *und, const char *sym)
{
	uint64_t h = 14695981039346656037ULL;
	const char *p;

	for (p = und; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h *= 1099511628211ULL;
	for (p = sym; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

/* Returns the slot of a contract in the cache: its own, or the empty one
 * where it would go (the cache is never full). */
static struct pg_contract *pg_contract_slot(struct store_pg *p, const char *und,
    const char *sym)
{
	size_t mask = p->capcontracts - 1, i = (size_t)pg_contract_hash(und, sym) & mask;

	while (p->contracts[i].id != 0 && (strcmp(p->contracts[i].symbol, sym) != 0 ||
	    strcmp(p->contracts[i].underlying, und) != 0))
		i = (i + 1) & mask;
	return &p->contracts[i];
}

/* Adds a contract to the cache, growing it to stay at most half full. */
static void pg_contract_add(struct store_pg *p, const char *und, const char *sym, int id)
{
	struct pg_contract *c;

	if (2 * (p->ncontracts + 1) > p->capcontracts) {
		struct pg_contract *old = p->contracts;
		size_t oldcap = p->capcontracts, i;

		p->capcontracts = oldcap ? 2 * oldcap : 1024;
		p->contracts = xcalloc(p->capcontracts, sizeof *p->contracts);
		for (i = 0; i < oldcap; i++) {
			if (old[i].id != 0)
				*pg_contract_slot(p, old[i].underlying, old[i].symbol) = old[i];
		}
		free(old);
	}
	c = pg_contract_slot(p, und, sym);
	if (c->id == 0) {
		snprintf(c->underlying, sizeof c->underlying, "%s", und);
		snprintf(c->symbol, sizeof c->symbol, "%s", sym);
		p->ncontracts++;
	}
	c->id = id;
}

/* Returns the cached id of a contract, or 0. */
static int pg_contract_id(struct store_pg *p, const char *und, const char *sym)
{
	return p->capcontracts ? pg_contract_slot(p, und, sym)->id : 0;
}

/* Sets PG(s)->ids[i] to the contract id of every option quote, first
 * registering in option_contracts those this connection has not seen,
 * in their own transaction (ids of a rolled-back batch would be void):
 * a contract row is never removed, so a cached id stays valid, and the
 * inserts go in key order, so concurrent writers wait rather than
 * deadlock; the ids are then read back in a second statement, which
 * also sees contracts a concurrent writer registered meanwhile. */
static int pg_contracts(struct store *s, const struct option_quote *oq, size_t n,
    char **cause)
{
	struct store_pg *p = PG(s);
	const char *vals[2];
	struct buf u, y;
	PGresult *res;
	size_t i, nmiss = 0;
	int k, rows, rc = -1;

	if (p->capids < n) {
		p->capids = n;
		p->ids = xrealloc(p->ids, n * sizeof *p->ids);
	}
	buf_init(&u);
	buf_init(&y);
	buf_addc(&u, '{');
	buf_addc(&y, '{');
	for (i = 0; i < n; i++) {
		p->ids[i] = pg_contract_id(p, oq[i].opt.underlying, oq[i].opt.symbol);
		if (p->ids[i] != 0 || (i > 0 && p->ids[i - 1] == 0 &&
		    strcmp(oq[i].opt.symbol, oq[i - 1].opt.symbol) == 0 &&
		    strcmp(oq[i].opt.underlying, oq[i - 1].opt.underlying) == 0))
			continue;
		pg_array_elem(&u, oq[i].opt.underlying);
		pg_array_elem(&y, oq[i].opt.symbol);
		nmiss++;
	}
	if (nmiss == 0) {
		rc = 0;
		goto out;
	}
	buf_addc(&u, '}');
	buf_addc(&y, '}');
	vals[0] = u.data;
	vals[1] = y.data;
	res = pg_run(s, "INSERT INTO option_contracts (underlying, symbol) SELECT DISTINCT u, s"
	    " FROM unnest($1::text[], $2::text[]) AS c (u, s) ORDER BY u, s"
	    " ON CONFLICT DO NOTHING", 2, vals, PGRES_COMMAND_OK,
	    "option quotes: registering their contracts", 1, cause);
	if (res == NULL)
		goto out;
	PQclear(res);
	res = pg_run(s, "SELECT o.id, o.underlying, o.symbol FROM option_contracts o"
	    " JOIN (SELECT DISTINCT u, s FROM unnest($1::text[], $2::text[]) AS c (u, s)) w"
	    " ON o.underlying = w.u AND o.symbol = w.s", 2, vals, PGRES_TUPLES_OK,
	    "option quotes: reading their contracts", 1, cause);
	if (res == NULL)
		goto out;
	rows = PQntuples(res);
	for (k = 0; k < rows; k++)
		pg_contract_add(p, PQgetvalue(res, k, 1), PQgetvalue(res, k, 2),
		    atoi(PQgetvalue(res, k, 0)));
	PQclear(res);
	for (i = 0; i < n; i++) {
		if (p->ids[i] != 0)
			continue;
		if ((p->ids[i] = pg_contract_id(p, oq[i].opt.underlying, oq[i].opt.symbol)) <= 0) {
			store_fail(s, cause, "option quotes row %zu of %zu (%s): its contract is"
			    " not in option_contracts after registering it; nothing stored",
			    i + 1, n, oq[i].opt.symbol);
			goto out;
		}
	}
	rc = 0;
out:
	buf_free(&u);
	buf_free(&y);
	return rc;
}

/* Stores bars. */
static int pg_put_bars(struct store *s, const struct bar *b, size_t n, char **cause)
{
	struct pg_batch bt = { &pg_bars_table, "bars", b, n, pg_row_bar, pg_name_bar, NULL, NULL };

	if (pg_partitions(s, "market_prices", b, n, sizeof *b, offsetof(struct bar, time),
	    cause) != 0)
		return -1;
	return pg_put_batch(s, &bt, cause);
}

/* Stores quotes. */
static int pg_put_quotes(struct store *s, const struct quote *q, size_t n, char **cause)
{
	struct pg_batch bt = { &pg_quotes_table, "quotes", q, n, pg_row_quote, pg_name_quote,
		NULL, NULL };

	if (pg_partitions(s, "quotes", q, n, sizeof *q, offsetof(struct quote, exch_time),
	    cause) != 0)
		return -1;
	return pg_put_batch(s, &bt, cause);
}

/* Stores option quotes. */
static int pg_put_option_quotes(struct store *s, const struct option_quote *oq, size_t n,
    char **cause)
{
	struct pg_batch bt = { &pg_oq_table, "option quotes", oq, n, pg_row_oq, pg_name_oq,
		pg_oq_chains, NULL };

	if (pg_partitions(s, "option_quotes", oq, n, sizeof *oq,
	    offsetof(struct option_quote, q) + offsetof(struct quote, exch_time), cause) != 0)
		return -1;
	if (pg_contracts(s, oq, n, cause) != 0)
		return -1;
	bt.ids = PG(s)->ids;
	return pg_put_batch(s, &bt, cause);
}

/* --- single rows ------------------------------------------------------------- */

/* Formats a time parameter. */
static const char *pg_param_time(double t, char *buf)
{
	if (isnan(t))
		return NULL;
	store_format_timestamp(store_time_us(t), buf);
	return buf;
}

/* Formats a double parameter exactly. */
static const char *pg_param_double(double v, struct buf *b)
{
	if (isnan(v))
		return NULL;
	buf_reset(b);
	store_add_double(b, v);
	return b->data;
}

/* Stores a calibration. */
static int pg_put_params(struct store *s, const struct store_params *p, char **cause)
{
	char ts[40], mat[16];
	const char *vals[7];
	PGresult *res;

	vals[0] = pg_param_time(p->time, ts);
	vals[1] = p->model;
	vals[2] = p->underlying;
	if (p->maturity != 0) {
		snprintf(mat, sizeof mat, "%04d-%02d-%02d", p->maturity / 10000,
		    p->maturity / 100 % 100, p->maturity % 100);
		vals[3] = mat;
	} else
		vals[3] = NULL;
	vals[4] = p->params;
	vals[5] = p->fit;
	vals[6] = p->fingerprint;
	res = pg_run(s, "INSERT INTO model_params (time, model, underlying, maturity, params,"
	    " fit_quality, fingerprint) VALUES ($1, $2, $3, $4, $5, $6, $7)", 7, vals,
	    PGRES_COMMAND_OK, "storing model parameters", 1, cause);
	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

/* Stores a signal and returns its id. */
static int pg_put_signal(struct store *s, const struct store_signal *sig, long long *id,
    char **cause)
{
	char ts[40];
	const char *vals[6];
	struct buf b;
	PGresult *res;

	buf_init(&b);
	vals[0] = pg_param_time(sig->time, ts);
	vals[1] = sig->strategy;
	vals[2] = sig->symbol;
	vals[3] = sig->kind;
	vals[4] = pg_param_double(sig->strength, &b);
	vals[5] = sig->payload;
	res = pg_run(s, "INSERT INTO signals (time, strategy, symbol, kind, strength, payload)"
	    " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id", 6, vals, PGRES_TUPLES_OK,
	    "storing a signal", 1, cause);
	buf_free(&b);
	if (res == NULL)
		return -1;
	if (id != NULL)
		*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

/* Appends an audit entry in its own transaction (pg_audit_insert). */
static int pg_audit_insert(struct store *s, struct store_audit *a, char **cause);
static int pg_audit_append(struct store *s, struct store_audit *a, char **cause)
{
	if (pg_begin(s, cause) != 0)
		return -1;
	if (pg_audit_insert(s, a, cause) != 0 || pg_commit(s, cause) != 0) {
		pg_rollback(s);
		return -1;
	}
	return 0;
}

/* --- readers ------------------------------------------------------------------ */

/* Reads the latest quote of a symbol. */
static int pg_latest_quote(struct store *s, const char *symbol, struct quote *out,
    char **cause)
{
	const char *vals[1] = { symbol };
	PGresult *res = pg_run(s, "SELECT " US("time") ", bid, ask, last, bid_size, ask_size,"
	    " volume, " US("recv_time") " FROM quotes WHERE symbol = $1 ORDER BY time DESC LIMIT 1",
	    1, vals, PGRES_TUPLES_OK, "reading quotes", 1, cause);

	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	memset(out, 0, sizeof *out);
	snprintf(out->symbol, sizeof out->symbol, "%s", symbol);
	out->exch_time = pg_time(res, 0, 0);
	out->bid = pg_double(res, 0, 1);
	out->ask = pg_double(res, 0, 2);
	out->last = pg_double(res, 0, 3);
	out->bid_size = pg_double(res, 0, 4);
	out->ask_size = pg_double(res, 0, 5);
	out->volume = pg_double(res, 0, 6);
	out->recv_time = pg_time(res, 0, 7);
	PQclear(res);
	return 1;
}

/* Reads bars in a range. */
static int pg_get_bars(struct store *s, const char *symbol, int64_t from_us, int64_t to_us,
    struct bar **out, size_t *n, char **cause)
{
	char from[40], to[40];
	const char *vals[3] = { symbol, from, to };
	PGresult *res;
	int i, rows;

	store_format_timestamp(from_us, from);
	store_format_timestamp(to_us, to);
	res = pg_run(s, "SELECT " US("time") ", open, high, low, close, volume FROM market_prices"
	    " WHERE symbol = $1 AND time BETWEEN $2 AND $3 ORDER BY time", 3, vals,
	    PGRES_TUPLES_OK, "reading bars", 1, cause);
	if (res == NULL)
		return -1;
	rows = PQntuples(res);
	*out = rows > 0 ? xcalloc((size_t)rows, sizeof **out) : NULL;
	for (i = 0; i < rows; i++) {
		struct bar *b = &(*out)[i];

		snprintf(b->symbol, sizeof b->symbol, "%s", symbol);
		b->time = pg_time(res, i, 0);
		b->open = pg_double(res, i, 1);
		b->high = pg_double(res, i, 2);
		b->low = pg_double(res, i, 3);
		b->close = pg_double(res, i, 4);
		b->volume = pg_double(res, i, 5);
	}
	*n = (size_t)rows;
	PQclear(res);
	return 0;
}

/* Reads the chain at the latest time of an underlying, and its spot.  The
 * time comes from option_chains (one row per stored chain, keyed by
 * underlying first; option_quotes is keyed by time first): the latest
 * one that still has rows, in case a DBA dropped a partition. */
static int pg_latest_chain(struct store *s, const char *underlying, struct option_chain *c,
    char **cause)
{
	char ts[40];
	const char *vals[2] = { underlying, NULL };
	PGresult *res;
	int i, rows;

	res = pg_run(s, "SELECT " US("q.time") ", c.symbol, to_char(q.expiry, 'YYYYMMDD'),"
	    " q.strike, q.put_call, q.multiplier, q.bid, q.ask, q.last, q.bid_size, q.ask_size,"
	    " q.volume, q.implied_vol, q.delta, q.gamma, q.vega, q.theta, q.open_interest, "
	    US("q.recv_time") " FROM option_quotes q JOIN option_contracts c ON c.id = q.contract"
	    " WHERE q.time = (SELECT t.time FROM option_chains t WHERE t.underlying = $1"
	    " AND EXISTS (SELECT 1 FROM option_quotes x JOIN option_contracts y"
	    " ON y.id = x.contract WHERE x.time = t.time AND y.underlying = $1)"
	    " ORDER BY t.time DESC LIMIT 1) AND c.underlying = $1"
	    " ORDER BY q.expiry, q.strike, q.put_call, c.symbol", 1, vals,
	    PGRES_TUPLES_OK, "reading option quotes", 1, cause);
	if (res == NULL)
		return -1;
	rows = PQntuples(res);
	if (rows == 0) {
		PQclear(res);
		return 0;
	}
	c->opts = xcalloc((size_t)rows, sizeof *c->opts);
	c->n = c->cap = (size_t)rows;
	for (i = 0; i < rows; i++) {
		struct option_quote *oq = &c->opts[i];

		c->time = pg_time(res, i, 0);
		oq->opt.kind = INSTR_OPTION;
		pg_text(res, i, 1, oq->opt.symbol, sizeof oq->opt.symbol);
		snprintf(oq->opt.underlying, sizeof oq->opt.underlying, "%s", underlying);
		oq->opt.expiry = atoi(PQgetvalue(res, i, 2));
		oq->opt.strike = pg_double(res, i, 3);
		oq->opt.right = PQgetvalue(res, i, 4)[0] == 'P' ? OPT_RIGHT_PUT : OPT_RIGHT_CALL;
		oq->opt.multiplier = pg_double(res, i, 5);
		oq->opt.hedge_ratio = NAN;
		snprintf(oq->q.symbol, sizeof oq->q.symbol, "%s", oq->opt.symbol);
		oq->q.exch_time = c->time;
		oq->q.bid = pg_double(res, i, 6);
		oq->q.ask = pg_double(res, i, 7);
		oq->q.last = pg_double(res, i, 8);
		oq->q.bid_size = pg_double(res, i, 9);
		oq->q.ask_size = pg_double(res, i, 10);
		oq->q.volume = pg_double(res, i, 11);
		oq->implied_vol = pg_double(res, i, 12);
		oq->delta = pg_double(res, i, 13);
		oq->gamma = pg_double(res, i, 14);
		oq->vega = pg_double(res, i, 15);
		oq->theta = pg_double(res, i, 16);
		oq->open_interest = pg_double(res, i, 17);
		oq->q.recv_time = pg_time(res, i, 18);
	}
	PQclear(res);
	vals[1] = pg_param_time(c->time, ts);
	res = pg_run(s, "SELECT bid, ask, last FROM quotes WHERE symbol = $1 AND time <= $2"
	    " ORDER BY time DESC LIMIT 1", 2, vals, PGRES_TUPLES_OK, "reading the underlying's quote",
	    1, cause);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		double bid = pg_double(res, 0, 0), ask = pg_double(res, 0, 1);

		c->spot = !isnan(bid) && !isnan(ask) ? (bid + ask) / 2 : pg_double(res, 0, 2);
	}
	PQclear(res);
	return 1;
}

/* Reads calibration history, newest first. */
static int pg_params_history(struct store *s, const char *model, const char *underlying,
    size_t limit, struct store_params **out, size_t *n, char **cause)
{
	char lim[32];
	const char *vals[3] = { model, underlying, NULL };
	PGresult *res;
	int i, rows;

	if (limit > 0) {
		snprintf(lim, sizeof lim, "%zu", limit);
		vals[2] = lim;
	}
	res = pg_run(s, "SELECT id, " US("time") ", model, underlying,"
	    " coalesce(to_char(maturity, 'YYYYMMDD'), '0'), params, fit_quality, fingerprint"
	    " FROM model_params WHERE model = $1 AND ($2::text IS NULL OR underlying = $2)"
	    " ORDER BY time DESC, id DESC LIMIT $3::bigint", 3, vals, PGRES_TUPLES_OK,
	    "reading model parameters", 1, cause);
	if (res == NULL)
		return -1;
	rows = PQntuples(res);
	*out = rows > 0 ? xcalloc((size_t)rows, sizeof **out) : NULL;
	for (i = 0; i < rows; i++) {
		struct store_params *p = &(*out)[i];

		p->id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		p->time = pg_time(res, i, 1);
		pg_text(res, i, 2, p->model, sizeof p->model);
		pg_text(res, i, 3, p->underlying, sizeof p->underlying);
		p->maturity = atoi(PQgetvalue(res, i, 4));
		p->params = pg_strdup(res, i, 5);
		p->fit = pg_strdup(res, i, 6);
		pg_text(res, i, 7, p->fingerprint, sizeof p->fingerprint);
	}
	*n = (size_t)rows;
	PQclear(res);
	return 0;
}

/* Reads signals, newest first. */
static int pg_get_signals(struct store *s, const char *strategy, size_t limit,
    struct store_signal **out, size_t *n, char **cause)
{
	char lim[32];
	const char *vals[2] = { strategy, NULL };
	PGresult *res;
	int i, rows;

	if (limit > 0) {
		snprintf(lim, sizeof lim, "%zu", limit);
		vals[1] = lim;
	}
	res = pg_run(s, "SELECT id, " US("time") ", strategy, symbol, kind, strength, payload"
	    " FROM signals WHERE ($1::text IS NULL OR strategy = $1)"
	    " ORDER BY time DESC, id DESC LIMIT $2::bigint", 2, vals, PGRES_TUPLES_OK,
	    "reading signals", 1, cause);
	if (res == NULL)
		return -1;
	rows = PQntuples(res);
	*out = rows > 0 ? xcalloc((size_t)rows, sizeof **out) : NULL;
	for (i = 0; i < rows; i++) {
		struct store_signal *g = &(*out)[i];

		g->id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		g->time = pg_time(res, i, 1);
		pg_text(res, i, 2, g->strategy, sizeof g->strategy);
		pg_text(res, i, 3, g->symbol, sizeof g->symbol);
		pg_text(res, i, 4, g->kind, sizeof g->kind);
		g->strength = pg_double(res, i, 5);
		g->payload = pg_strdup(res, i, 6);
	}
	*n = (size_t)rows;
	PQclear(res);
	return 0;
}

/* Reads audit entries from a sequence number on. */
static int pg_audit_read(struct store *s, long long from, size_t limit,
    struct store_audit **out, size_t *n, char **cause)
{
	char fromb[32], lim[32];
	const char *vals[2] = { fromb, NULL };
	PGresult *res;
	int i, rows;

	snprintf(fromb, sizeof fromb, "%lld", from);
	if (limit > 0) {
		snprintf(lim, sizeof lim, "%zu", limit);
		vals[1] = lim;
	}
	res = pg_run(s, "SELECT seq, " US("time") ", kind, payload, prev_hash, hash FROM audit_log"
	    " WHERE seq >= $1 ORDER BY seq LIMIT $2::bigint", 2, vals, PGRES_TUPLES_OK,
	    "reading the audit log", 1, cause);
	if (res == NULL)
		return -1;
	rows = PQntuples(res);
	*out = rows > 0 ? xcalloc((size_t)rows, sizeof **out) : NULL;
	for (i = 0; i < rows; i++) {
		struct store_audit *a = &(*out)[i];

		a->seq = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		a->time = pg_time(res, i, 1);
		pg_text(res, i, 2, a->kind, sizeof a->kind);
		a->payload = xstrdup(PQgetvalue(res, i, 3));
		pg_text(res, i, 4, a->prev_hash, sizeof a->prev_hash);
		pg_text(res, i, 5, a->hash, sizeof a->hash);
	}
	*n = (size_t)rows;
	PQclear(res);
	return 0;
}

/* Counts rows of a table named by store.c's list. */
static long long pg_count(struct store *s, const char *table, char **cause)
{
	char *sql = xasprintf("SELECT count(*) FROM %s", table);
	PGresult *res = pg_run(s, sql, 0, NULL, PGRES_TUPLES_OK, "counting rows", 1, cause);
	long long n;

	free(sql);
	if (res == NULL)
		return -1;
	n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return n;
}

/* --- calibrations (issue 6) ------------------------------------------------------ */

#define PG_CALIB_COLS "id, " US("data_time") ", " US("wall_time") ", model, symbol, status," \
	" kept_previous::int, params, fit, prev, input, fingerprint, alert, elapsed_ms"

/* Stores a calibration and returns its id. */
static int pg_put_calibration(struct store *s, const struct store_calibration *c,
    long long *id, char **cause)
{
	char ts1[40], ts2[40];
	const char *vals[13];
	struct buf b;
	PGresult *res;

	buf_init(&b);
	vals[0] = pg_param_time(c->data_time, ts1);
	vals[1] = pg_param_time(c->wall_time, ts2);
	vals[2] = c->model;
	vals[3] = c->symbol;
	vals[4] = c->status;
	vals[5] = c->kept_previous ? "true" : "false";
	vals[6] = c->params;
	vals[7] = c->fit;
	vals[8] = c->prev;
	vals[9] = c->input;
	vals[10] = c->fingerprint;
	vals[11] = c->alert[0] != '\0' ? c->alert : NULL;
	vals[12] = pg_param_double(c->elapsed_ms, &b);
	res = pg_run(s, "INSERT INTO calibrations (data_time, wall_time, model, symbol, status,"
	    " kept_previous, params, fit, prev, input, fingerprint, alert, elapsed_ms)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id", 13,
	    vals, PGRES_TUPLES_OK, "storing a calibration", 1, cause);
	buf_free(&b);
	if (res == NULL)
		return -1;
	if (id != NULL)
		*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

/* Reads row i of a calibrations query. */
static void pg_row_calibration(const PGresult *res, int i, struct store_calibration *c)
{
	memset(c, 0, sizeof *c);
	c->id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
	c->data_time = pg_time(res, i, 1);
	c->wall_time = pg_time(res, i, 2);
	pg_text(res, i, 3, c->model, sizeof c->model);
	pg_text(res, i, 4, c->symbol, sizeof c->symbol);
	pg_text(res, i, 5, c->status, sizeof c->status);
	c->kept_previous = atoi(PQgetvalue(res, i, 6)) != 0;
	c->params = pg_strdup(res, i, 7);
	c->fit = pg_strdup(res, i, 8);
	c->prev = pg_strdup(res, i, 9);
	c->input = pg_strdup(res, i, 10);
	pg_text(res, i, 11, c->fingerprint, sizeof c->fingerprint);
	pg_text(res, i, 12, c->alert, sizeof c->alert);
	c->elapsed_ms = pg_double(res, i, 13);
}

/* Reads one calibration by id. */
static int pg_get_calibration(struct store *s, long long id, struct store_calibration *out,
    char **cause)
{
	char num[32];
	const char *vals[1] = { num };
	PGresult *res;
	int found;

	snprintf(num, sizeof num, "%lld", id);
	res = pg_run(s, "SELECT " PG_CALIB_COLS " FROM calibrations WHERE id = $1::bigint", 1,
	    vals, PGRES_TUPLES_OK, "reading a calibration", 1, cause);
	if (res == NULL)
		return -1;
	found = PQntuples(res) > 0;
	if (found)
		pg_row_calibration(res, 0, out);
	PQclear(res);
	return found;
}

/* Reads calibrations, newest first. */
static int pg_list_calibrations(struct store *s, const char *symbol, size_t limit,
    struct store_calibration **out, size_t *n, char **cause)
{
	char lim[32];
	const char *vals[2] = { symbol, NULL };
	PGresult *res;
	int i, rows;

	if (limit > 0) {
		snprintf(lim, sizeof lim, "%zu", limit);
		vals[1] = lim;
	}
	res = pg_run(s, "SELECT " PG_CALIB_COLS " FROM calibrations"
	    " WHERE ($1::text IS NULL OR symbol = $1)"
	    " ORDER BY wall_time DESC, id DESC LIMIT $2::bigint", 2, vals, PGRES_TUPLES_OK,
	    "reading calibrations", 1, cause);
	if (res == NULL)
		return -1;
	rows = PQntuples(res);
	*out = rows > 0 ? xcalloc((size_t)rows, sizeof **out) : NULL;
	for (i = 0; i < rows; i++)
		pg_row_calibration(res, i, &(*out)[i]);
	*n = (size_t)rows;
	PQclear(res);
	return 0;
}

/* --- orders, fills, positions, meta (issue 7) ---------------------------------- */

/* Appends the audit entry inside the caller's transaction, under a table
 * lock that serialises appenders. */
static int pg_audit_insert(struct store *s, struct store_audit *a, char **cause)
{
	char ts[40], seq[32];
	const char *vals[6];
	PGresult *res;

	if (pg_cmd(s, "LOCK TABLE audit_log IN EXCLUSIVE MODE", 0, NULL, "locking the audit log",
	    cause) != 0)
		return -1;
	res = pg_run(s, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", 0, NULL,
	    PGRES_TUPLES_OK, "reading the audit log", 0, cause);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		a->seq = strtoll(PQgetvalue(res, 0, 0), NULL, 10) + 1;
		pg_text(res, 0, 1, a->prev_hash, sizeof a->prev_hash);
	} else {
		a->seq = 1;
		memset(a->prev_hash, '0', 64);
		a->prev_hash[64] = '\0';
	}
	PQclear(res);
	store_audit_hash(a, a->hash);
	snprintf(seq, sizeof seq, "%lld", a->seq);
	vals[0] = seq;
	vals[1] = pg_param_time(a->time, ts);
	vals[2] = a->kind;
	vals[3] = a->payload;
	vals[4] = a->prev_hash;
	vals[5] = a->hash;
	return pg_cmd(s, "INSERT INTO audit_log (seq, time, kind, payload, prev_hash, hash)"
	    " VALUES ($1, $2, $3, $4, $5, $6)", 6, vals, "appending to the audit log", cause);
}

/* Appends an audit entry of kind for an order or fill write. */
static int pg_audit_event(struct store *s, double time, const char *kind, char *payload,
    char **cause)
{
	struct store_audit a;

	memset(&a, 0, sizeof a);
	a.time = store_time_from_us(store_time_us(time));
	snprintf(a.kind, sizeof a.kind, "%s", kind);
	a.payload = payload;
	return pg_audit_insert(s, &a, cause);
}

/* Reads (and, in a transaction, locks) the stored order of a client id:
 * 1 found (*id, *o), 0 none, -1. */
static int pg_read_order(struct store *s, const char *client_id, int lock, long long *id,
    struct order *o, char **cause)
{
	const char *vals[1] = { client_id };
	char msg[200];
	PGresult *res;
	int rc;

	res = pg_run(s, lock ? "SELECT id, payload FROM orders WHERE client_id = $1 FOR UPDATE" :
	    "SELECT id, payload FROM orders WHERE client_id = $1", 1, vals, PGRES_TUPLES_OK,
	    "reading an order", 1, cause);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	rc = 1;
	if (store_order_from_json(PQgetisnull(res, 0, 1) ? NULL : PQgetvalue(res, 0, 1), o, msg,
	    sizeof msg) != 0)
		rc = store_fail(s, cause, "order %s (row %lld): the stored %s", client_id, *id,
		    msg);
	else
		o->id = *id;
	PQclear(res);
	return rc;
}

/* Inserts an order (*id 0) or updates row *id, with its audit entry. */
static int pg_write_order(struct store *s, const struct order *o, long long *id,
    char **cause)
{
	char *json = store_order_json(o), ts1[40], ts2[40], num[32];
	const char *vals[12];
	struct buf b;
	PGresult *res;
	int rc = -1;

	buf_init(&b);
	if (*id == 0) {
		struct buf q;

		buf_init(&q);
		vals[0] = o->client_id;
		vals[1] = pg_param_time(o->created, ts1);
		vals[2] = pg_param_time(o->updated, ts2);
		vals[3] = o->strategy;
		vals[4] = o->symbol;
		vals[5] = o->side > 0 ? "buy" : "sell";
		store_add_double(&q, o->qty);
		vals[6] = q.data;
		vals[7] = o->type == ORDER_MARKET ? "market" : "limit";
		vals[8] = pg_param_double(o->limit, &b);
		vals[9] = store_order_status(o->state);
		vals[10] = o->broker_id;
		vals[11] = json;
		res = pg_run(s, "INSERT INTO orders (client_id, created_at, updated_at, strategy,"
		    " symbol, side, quantity, order_type, limit_price, status, broker_id, payload)"
		    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id", 12,
		    vals, PGRES_TUPLES_OK, "storing an order", 0, cause);
		buf_free(&q);
		if (res == NULL)
			goto out;
		*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
	} else {
		snprintf(num, sizeof num, "%lld", *id);
		vals[0] = pg_param_time(o->updated, ts1);
		vals[1] = store_order_status(o->state);
		vals[2] = o->broker_id;
		vals[3] = json;
		vals[4] = num;
		if (pg_cmd(s, "UPDATE orders SET updated_at = $1, status = $2, broker_id = $3,"
		    " payload = $4 WHERE id = $5::bigint", 5, vals, "storing an order", cause) != 0)
			goto out;
	}
	rc = pg_audit_event(s, o->updated, "order", json, cause);
out:
	buf_free(&b);
	free(json);
	return rc;
}

/* Stores an order: insert, or update of the stored one. */
static int pg_put_order(struct store *s, const struct order *o, long long *id, char **cause)
{
	struct order old;
	long long oid = 0;
	int found;

	if (pg_begin(s, cause) != 0)
		return -1;
	if ((found = pg_read_order(s, o->client_id, 1, &oid, &old, cause)) < 0)
		goto fail;
	if (found && store_order_check_update(s, &old, o, cause) != 0)
		goto fail;
	if (pg_write_order(s, o, &oid, cause) != 0 || pg_commit(s, cause) != 0)
		goto fail;
	if (id != NULL)
		*id = oid;
	return 0;
fail:
	pg_rollback(s);
	return -1;
}

/* Stores several orders in one transaction: all of them or none. */
static int pg_put_orders(struct store *s, const struct order *o, size_t n, long long *ids,
    char **cause)
{
	struct order old;
	long long oid;
	size_t i;
	int found;

	if (pg_begin(s, cause) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		oid = 0;
		if ((found = pg_read_order(s, o[i].client_id, 1, &oid, &old, cause)) < 0)
			goto fail;
		if (found && store_order_check_update(s, &old, &o[i], cause) != 0)
			goto fail;
		if (pg_write_order(s, &o[i], &oid, cause) != 0)
			goto fail;
		if (ids != NULL)
			ids[i] = oid;
	}
	if (pg_commit(s, cause) != 0)
		goto fail;
	return 0;
fail:
	pg_rollback(s);
	return -1;
}

#define PG_POS_COLS "strategy, symbol, quantity, avg_price, realized_pnl, " US("opened_at") \
	", " US("updated_at") ", payload"

/* Reads row i of a positions query; 0 or -1 with cause. */
static int pg_row_position(struct store *s, const PGresult *res, int i,
    struct store_position *p, char **cause)
{
	char msg[200];

	memset(p, 0, sizeof *p);
	pg_text(res, i, 0, p->strategy, sizeof p->strategy);
	pg_text(res, i, 1, p->symbol, sizeof p->symbol);
	p->qty = pg_double(res, i, 2);
	p->avg_price = pg_double(res, i, 3);
	p->realized_pnl = pg_double(res, i, 4);
	p->opened = pg_time(res, i, 5);
	p->updated = pg_time(res, i, 6);
	if (store_position_from_json(PQgetisnull(res, i, 7) ? NULL : PQgetvalue(res, i, 7), p,
	    msg, sizeof msg) != 0)
		return store_fail(s, cause, "position %s %s: the stored %s", p->strategy,
		    p->symbol, msg);
	return 0;
}

/* Stores a fill with the order after it and the position it changes. */
static int pg_put_fill(struct store *s, const struct fill *f, const struct order *o_after,
    long long *id, char **cause)
{
	char ts[40], ts2[40], num[32], *json = NULL, *pjson = NULL;
	struct buf bq, bp, bf, ba, br;
	struct store_position pos;
	const char *vals[8];
	struct order old;
	long long oid = 0;
	PGresult *res;
	int found, rc = -1;

	buf_init(&bq);
	buf_init(&bp);
	buf_init(&bf);
	buf_init(&ba);
	buf_init(&br);
	if (pg_begin(s, cause) != 0)
		return -1;
	/* The order row's lock serialises the fills of one order. */
	if ((found = pg_read_order(s, f->client_id, 1, &oid, &old, cause)) < 0)
		goto fail;
	if (found == 0) {
		store_fail(s, cause, "fill %s: order %s is not stored (an order is stored before "
		    "it is sent); nothing stored", f->fill_id, f->client_id);
		goto fail;
	}
	vals[0] = f->fill_id;
	res = pg_run(s, "SELECT count(*) FROM fills WHERE broker_fill_id = $1", 1, vals,
	    PGRES_TUPLES_OK, "looking up a fill", 0, cause);
	if (res == NULL)
		goto fail;
	found = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (found > 0) {
		pg_rollback(s);
		store_fail(s, cause, "fill %s of order %s is stored already: a duplicate, refused "
		    "(nothing stored)", f->fill_id, f->client_id);
		rc = 1;
		goto out;
	}
	if (store_fill_check_order(s, &old, f, o_after, cause) != 0)
		goto fail;
	json = store_fill_json(f, NULL);
	snprintf(num, sizeof num, "%lld", oid);
	vals[0] = num;
	vals[1] = pg_param_time(f->time, ts);
	store_add_double(&bq, f->qty);
	vals[2] = bq.data;
	store_add_double(&bp, f->price);
	vals[3] = bp.data;
	store_add_double(&bf, f->fee);
	vals[4] = bf.data;
	vals[5] = f->fill_id;
	vals[6] = json;
	res = pg_run(s, "INSERT INTO fills (order_id, time, quantity, price, fee, broker_fill_id,"
	    " payload) VALUES ($1::bigint, $2, $3, $4, $5, $6, $7) RETURNING id", 7, vals,
	    PGRES_TUPLES_OK, "storing a fill", 0, cause);
	if (res == NULL)
		goto fail;
	if (id != NULL)
		*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	if (pg_write_order(s, o_after, &oid, cause) != 0)
		goto fail;
	vals[0] = f->strategy;
	vals[1] = f->symbol;
	res = pg_run(s, "SELECT " PG_POS_COLS " FROM positions WHERE strategy = $1 AND"
	    " symbol = $2 FOR UPDATE", 2, vals, PGRES_TUPLES_OK, "reading a position", 0, cause);
	if (res == NULL)
		goto fail;
	found = PQntuples(res) > 0;
	if (found && pg_row_position(s, res, 0, &pos, cause) != 0) {
		PQclear(res);
		goto fail;
	}
	PQclear(res);
	store_position_apply(&pos, found, f);
	pjson = store_position_json(&pos);
	buf_reset(&bq);
	store_add_double(&bq, pos.qty);
	buf_reset(&bp);
	store_add_double(&bp, pos.avg_price);
	store_add_double(&br, pos.realized_pnl);
	vals[0] = pos.strategy;
	vals[1] = pos.symbol;
	vals[2] = bq.data;
	vals[3] = bp.data;
	vals[4] = br.data;
	vals[5] = pg_param_time(pos.opened, ts);
	vals[6] = pg_param_time(pos.updated, ts2);
	vals[7] = pjson;
	if (pg_cmd(s, "INSERT INTO positions (strategy, symbol, quantity, avg_price, realized_pnl,"
	    " opened_at, updated_at, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
	    " ON CONFLICT (strategy, symbol) DO UPDATE SET quantity = EXCLUDED.quantity,"
	    " avg_price = EXCLUDED.avg_price, realized_pnl = EXCLUDED.realized_pnl,"
	    " opened_at = EXCLUDED.opened_at, updated_at = EXCLUDED.updated_at,"
	    " payload = EXCLUDED.payload", 8, vals, "storing a position", cause) != 0)
		goto fail;
	free(json);
	json = store_fill_json(f, o_after);
	if (pg_audit_event(s, f->time, "fill", json, cause) != 0 || pg_commit(s, cause) != 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	pg_rollback(s);
out:
	free(json);
	free(pjson);
	buf_free(&bq);
	buf_free(&bp);
	buf_free(&bf);
	buf_free(&ba);
	buf_free(&br);
	return rc;
}

/* Reads orders, newest first. */
static int pg_get_orders(struct store *s, int open_only, size_t limit, struct order **out,
    size_t *n, char **cause)
{
	char lim[32], msg[200];
	const char *vals[2] = { open_only ? "1" : "0", NULL };
	PGresult *res;
	int i, rows;

	if (limit > 0) {
		snprintf(lim, sizeof lim, "%zu", limit);
		vals[1] = lim;
	}
	res = pg_run(s, "SELECT id, payload FROM orders WHERE $1::int = 0 OR status NOT IN"
	    " ('filled', 'cancelled', 'rejected', 'expired') ORDER BY id DESC LIMIT $2::bigint",
	    2, vals, PGRES_TUPLES_OK, "reading orders", 1, cause);
	if (res == NULL)
		return -1;
	rows = PQntuples(res);
	*out = rows > 0 ? xcalloc((size_t)rows, sizeof **out) : NULL;
	for (i = 0; i < rows; i++) {
		struct order *o = &(*out)[i];

		if (store_order_from_json(PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1), o,
		    msg, sizeof msg) != 0) {
			store_fail(s, cause, "order row %s: the stored %s", PQgetvalue(res, i, 0),
			    msg);
			PQclear(res);
			free(*out);
			*out = NULL;
			return -1;
		}
		o->id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
	}
	*n = (size_t)rows;
	PQclear(res);
	return 0;
}

/* Reads one order by client id. */
static int pg_get_order(struct store *s, const char *client_id, struct order *out,
    char **cause)
{
	long long id;

	return pg_read_order(s, client_id, 0, &id, out, cause);
}

/* Reads fills, newest first. */
static int pg_get_fills(struct store *s, const char *client_id, size_t limit,
    struct fill **out, size_t *n, char **cause)
{
	char lim[32], msg[200];
	const char *vals[2] = { client_id, NULL };
	PGresult *res;
	int i, rows;

	if (limit > 0) {
		snprintf(lim, sizeof lim, "%zu", limit);
		vals[1] = lim;
	}
	res = pg_run(s, "SELECT f.id, f.payload FROM fills f JOIN orders o ON o.id = f.order_id"
	    " WHERE ($1::text IS NULL OR o.client_id = $1) ORDER BY f.id DESC LIMIT $2::bigint",
	    2, vals, PGRES_TUPLES_OK, "reading fills", 1, cause);
	if (res == NULL)
		return -1;
	rows = PQntuples(res);
	*out = rows > 0 ? xcalloc((size_t)rows, sizeof **out) : NULL;
	for (i = 0; i < rows; i++) {
		struct fill *f = &(*out)[i];

		if (store_fill_from_json(PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1), f,
		    msg, sizeof msg) != 0) {
			store_fail(s, cause, "fill row %s: the stored %s", PQgetvalue(res, i, 0),
			    msg);
			PQclear(res);
			free(*out);
			*out = NULL;
			return -1;
		}
		f->id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
	}
	*n = (size_t)rows;
	PQclear(res);
	return 0;
}

/* Reads every position. */
static int pg_get_positions(struct store *s, struct store_position **out, size_t *n,
    char **cause)
{
	PGresult *res;
	int i, rows;

	res = pg_run(s, "SELECT " PG_POS_COLS " FROM positions ORDER BY strategy COLLATE \"C\","
	    " symbol COLLATE \"C\"", 0, NULL, PGRES_TUPLES_OK, "reading positions", 1, cause);
	if (res == NULL)
		return -1;
	rows = PQntuples(res);
	*out = rows > 0 ? xcalloc((size_t)rows, sizeof **out) : NULL;
	for (i = 0; i < rows; i++) {
		if (pg_row_position(s, res, i, &(*out)[i], cause) != 0) {
			PQclear(res);
			free(*out);
			*out = NULL;
			return -1;
		}
	}
	*n = (size_t)rows;
	PQclear(res);
	return 0;
}

/* Reads a meta value. */
static int pg_meta_get(struct store *s, const char *key, char **value, char **cause)
{
	const char *vals[1] = { key };
	PGresult *res;
	int found;

	res = pg_run(s, "SELECT value FROM store_meta WHERE key = $1", 1, vals, PGRES_TUPLES_OK,
	    "reading store_meta", 1, cause);
	if (res == NULL)
		return -1;
	found = PQntuples(res) > 0;
	if (found)
		*value = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return found;
}

/* Writes a meta value. */
static int pg_meta_set(struct store *s, const char *key, const char *value, char **cause)
{
	const char *vals[2] = { key, value };
	PGresult *res;

	res = pg_run(s, "INSERT INTO store_meta (key, value) VALUES ($1, $2)"
	    " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", 2, vals, PGRES_COMMAND_OK,
	    "writing store_meta", 1, cause);
	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

/* Closes the connection and frees the handle. */
static void pg_close(struct store *s)
{
	struct store_pg *p = PG(s);

	PQfinish(p->conn);
	if (p->password != NULL) {
		memset(p->password, 0, strlen(p->password));
		free(p->password);
	}
	free(p->months);
	free(p->contracts);
	free(p->ids);
	buf_free(&p->copy);
	free(s->location);
	free(p);
}

static const struct store_ops pg_ops = {
	.name = "postgresql",
	.close = pg_close,
	.version = pg_version,
	.migrate = pg_migrate,
	.put_bars = pg_put_bars,
	.put_quotes = pg_put_quotes,
	.put_option_quotes = pg_put_option_quotes,
	.put_params = pg_put_params,
	.put_signal = pg_put_signal,
	.audit_append = pg_audit_append,
	.latest_quote = pg_latest_quote,
	.get_bars = pg_get_bars,
	.latest_chain = pg_latest_chain,
	.params_history = pg_params_history,
	.get_signals = pg_get_signals,
	.audit_read = pg_audit_read,
	.count = pg_count,
	.put_calibration = pg_put_calibration,
	.get_calibration = pg_get_calibration,
	.list_calibrations = pg_list_calibrations,
	.put_order = pg_put_order,
	.put_orders = pg_put_orders,
	.put_fill = pg_put_fill,
	.get_orders = pg_get_orders,
	.get_order = pg_get_order,
	.get_fills = pg_get_fills,
	.get_positions = pg_get_positions,
	.meta_get = pg_meta_get,
	.meta_set = pg_meta_set,
};

/* Removes the contents of double-quoted fragments of a libpq parse error,
 * which may hold pieces of the connection string (a password). */
static char *pg_redact_quoted(const char *msg)
{
	struct buf b;
	const char *p;
	int in = 0;

	buf_init(&b);
	for (p = msg; *p != '\0'; p++) {
		if (*p == '"') {
			buf_addc(&b, '"');
			/* One character ("=") cannot leak anything; keep it. */
			if (!in && p[1] != '\0' && p[2] == '"') {
				buf_addc(&b, p[1]);
				buf_addc(&b, '"');
				p += 2;
				continue;
			}
			if (!in)
				buf_adds(&b, "...");
			in = !in;
		} else if (*p == '\n')
			;
		else if (!in)
			buf_addc(&b, *p);
	}
	if (b.data == NULL)
		buf_adds(&b, "");
	return b.data;
}

/* Returns the value of keyword in parsed connection options, or NULL. */
static const char *pg_opt(const PQconninfoOption *opts, const char *keyword)
{
	const PQconninfoOption *o;

	for (o = opts; o != NULL && o->keyword != NULL; o++) {
		if (strcmp(o->keyword, keyword) == 0)
			return o->val != NULL && *o->val != '\0' ? o->val : NULL;
	}
	return NULL;
}

/* Connects to PostgreSQL.  connect_timeout defaults to 10 s and
 * application_name to qdesk (the DSN may override both); client_encoding
 * is always UTF8, the encoding of every text qdesk stores. */
struct store *store_open_pg(const char *dsn, char **cause)
{
	static const char *const keys[] = { "connect_timeout", "application_name", "dbname",
		"client_encoding", NULL };
	const char *vals[5] = { "10", "qdesk", dsn, "UTF8", NULL };
	PQconninfoOption *opts;
	struct store_pg *p;
	struct store *s;
	struct passwd *pw;
	char *err = NULL;
	const char *host, *port, *db, *user;

	if (dsn == NULL || *dsn == '\0') {
		*cause = xstrdup("postgresql: no connection string (store.dsn or QDESK_STORE_DSN)");
		return NULL;
	}
	if ((opts = PQconninfoParse(dsn, &err)) == NULL) {
		char *msg = pg_redact_quoted(err != NULL ? err : "out of memory");

		*cause = xasprintf("postgresql: store.dsn is not a valid libpq connection string"
		    " (key=value pairs or a postgresql:// URI): %s", msg);
		free(msg);
		PQfreemem(err);
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	s = &p->base;
	s->ops = &pg_ops;
	buf_init(&p->copy);
	if (pg_opt(opts, "password") != NULL)
		p->password = xstrdup(pg_opt(opts, "password"));
	host = pg_opt(opts, "host");
	if (host == NULL)
		host = pg_opt(opts, "hostaddr");
	if (host == NULL)
		host = getenv("PGHOST");
	port = pg_opt(opts, "port");
	if (port == NULL)
		port = getenv("PGPORT");
	db = pg_opt(opts, "dbname");
	if (db == NULL)
		db = getenv("PGDATABASE");
	user = pg_opt(opts, "user");
	if (user == NULL)
		user = getenv("PGUSER");
	if (user == NULL && (pw = getpwuid(geteuid())) != NULL)
		user = pw->pw_name;         /* libpq's default */
	s->location = xasprintf("%s%s%s:%s/%s", user ? user : "", user ? "@" : "",
	    host ? host : "localhost", port ? port : "5432", db ? db : (user ? user : ""));
	PQconninfoFree(opts);

	p->conn = PQconnectdbParams(keys, vals, 1);
	if (p->conn == NULL) {
		store_fail(s, cause, "cannot connect: out of memory");
		goto fail;
	}
	PQsetNoticeProcessor(p->conn, pg_notice, NULL);
	if (PQstatus(p->conn) != CONNECTION_OK) {
		pg_fail(s, cause, "cannot connect", NULL);
		goto fail;
	}
	/* Now that libpq resolved defaults and the environment, say exactly
	 * where we are. */
	free(s->location);
	s->location = xasprintf("%s@%s:%s/%s", PQuser(p->conn), PQhost(p->conn), PQport(p->conn),
	    PQdb(p->conn));
	if (pg_read_layout(s, cause) != 0)
		goto fail;
	return s;
fail:
	pg_close(s);
	return NULL;
}
