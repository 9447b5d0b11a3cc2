/*
 * broker-paper.c -- the paper broker, qdesk's default broker (broker.h):
 * it fills orders against the current quotes of the market state, with
 * latency, slippage, partial fills and fees, and keeps its own books in
 * its own SQLite file the way a real broker keeps its own.
 *
 * DESIGN
 * Threads: none of its own.  The OMS thread owns the broker object and is
 * its only caller (broker.h); the market state is read through immutable
 * snapshots (market-state.h), so no lock is held across a call.
 *
 * The model, all in the caller's time (`now`, epoch seconds), so a run is
 * deterministic given its inputs -- the orders, the times of the calls and
 * the quotes; there are no random numbers:
 *   - an order sent at t becomes live at t + paper.latency_ms (ACK, or a
 *     REJECT when the symbol has no quote); a cancel asked at t takes
 *     effect at t + latency (fills may race it until then);
 *   - a live order that is marketable when it first becomes live (a buy
 *     limit at or above the ask, a sell at or below the bid, any market
 *     order) takes liquidity: it fills at the touch (ask for a buy, bid for
 *     a sell) moved against it by paper.slippage_bp, never beyond its
 *     limit;
 *   - otherwise it rests, and fills at its limit once the market trades
 *     through it: the opposite touch crosses the limit, or the last trade
 *     is strictly beyond it;
 *   - each poll fills at most paper.participation of the displayed size on
 *     the side it takes (at least 1 unit; the whole remainder when the
 *     size is unknown), so large orders fill in parts;
 *   - fees: paper.fee_per_unit per unit with a minimum of paper.fee_min per
 *     order (the first fill pays at least the minimum, later fills the
 *     per-unit fee);
 *   - expiry at order.expires, or when NaN at the end of the trading day
 *     (paper.eod_hour_utc, the first such hour after the order was sent).
 *
 * Durability: every change (an order received, acknowledged, filled,
 * cancelled, expired; a fill; a position) is committed to the file
 * (paper.path) BEFORE the event that reports it is delivered, and an
 * order is committed before send() returns.  So after a kill -9 the file
 * holds at least everything that was delivered, snapshot() tells the
 * truth, and a reopened broker reloads its working orders and continues
 * them.  The file is in WAL mode with synchronous=NORMAL: safe against a
 * process crash; a power cut may lose the last commits (like the store).
 * When a poll's commit fails, nothing of it is delivered, the in-memory
 * books are reloaded from the file and the poll reports the error.  A
 * poll opens its transaction at its first write, so one that changes
 * nothing writes nothing.
 *
 * Identifiers: broker ids "P<stamp>-<n>" and fill ids "P<stamp>-F<n>",
 * where stamp is the file's creation time (base 36 microseconds) and n
 * counts up within the file, so a new file never reuses an id a store
 * may still hold.
 */
#include "config.h"

#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker-paper.h"
#include "broker.h"
#include "conf.h"
#include "log.h"
#include "market-state.h"
#include "paths.h"
#include "util.h"

#define PAPER_BUSY_MS 5000

/* An order the broker knows of (the working ones are kept in memory). */
struct paper_order {
	long long seq;
	char client_id[ORDER_ID_MAX];
	char broker_id[ORDER_ID_MAX];
	char symbol[MARKET_SYMBOL_MAX];
	char strategy[24];
	int side, type;
	double qty, limit, filled, fees, multiplier, arrival_mid;
	double sent, live_at, expires, cancel_at;       /* cancel_at: NaN = none asked */
	int state;                                      /* enum order_state, the broker's view */
	int resting;                                    /* was not marketable when it became live */
};

struct broker {
	sqlite3 *db;
	char *path;
	struct mstate *ms;              /* NULL: mstate_global() */
	double latency;                 /* seconds */
	double slippage_bp, participation, fee_per_unit, fee_min, eod_hour;
	char stamp[16];                 /* base 36, at most 13 digits */
	long long next_order, next_fill;
	struct paper_order *w;          /* working orders, by seq */
	size_t nw, capw;
	int polling;                    /* in paper_poll: writes join its transaction */
	int in_tx;                      /* that transaction is open */
};

/* Sets *cause to "paper broker PATH: MESSAGE" and returns -1. */
static int paper_fail(struct broker *b, char **cause, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int paper_fail(struct broker *b, char **cause, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (cause != NULL)
		*cause = xasprintf("paper broker %s: %s", b->path, msg);
	free(msg);
	return -1;
}

/* Reports the database's last error after what. */
static int paper_dbfail(struct broker *b, char **cause, const char *what)
{
	return paper_fail(b, cause, "%s: %s", what, sqlite3_errmsg(b->db));
}

/* Runs fixed SQL without parameters. */
static int paper_exec(struct broker *b, const char *sql, char **cause)
{
	if (sqlite3_exec(b->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return paper_dbfail(b, cause, sql);
	return 0;
}

/* Binds a double, or NULL for NaN. */
static void paper_bind(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

/* Reads a REAL column, NaN for NULL. */
static double paper_col(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

/* Copies a TEXT column into a fixed buffer. */
static void paper_text(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(out, len, "%s", t != NULL ? (const char *)t : "");
}

/* Whether a state is final. */
static int paper_final(int state)
{
	return state == ORDER_FILLED || state == ORDER_CANCELLED || state == ORDER_REJECTED ||
	    state == ORDER_EXPIRED;
}

static const char *const paper_schema =
	"CREATE TABLE IF NOT EXISTS paper_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS paper_orders ("
	" seq INTEGER PRIMARY KEY, client_id TEXT NOT NULL UNIQUE,"
	" broker_id TEXT NOT NULL UNIQUE, symbol TEXT NOT NULL, strategy TEXT NOT NULL,"
	" side INTEGER NOT NULL, type INTEGER NOT NULL, qty REAL NOT NULL, limit_price REAL,"
	" filled REAL NOT NULL, fees REAL NOT NULL, multiplier REAL NOT NULL, arrival_mid REAL,"
	" sent REAL NOT NULL, live_at REAL NOT NULL, expires REAL NOT NULL, cancel_at REAL,"
	" state INTEGER NOT NULL, resting INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS paper_orders_state ON paper_orders (state);"
	"CREATE TABLE IF NOT EXISTS paper_fills ("
	" seq INTEGER PRIMARY KEY, fill_id TEXT NOT NULL UNIQUE, client_id TEXT NOT NULL,"
	" symbol TEXT NOT NULL, strategy TEXT NOT NULL, side INTEGER NOT NULL, qty REAL NOT NULL,"
	" price REAL NOT NULL, fee REAL NOT NULL, multiplier REAL NOT NULL, time REAL NOT NULL,"
	" arrival_mid REAL, slippage_bp REAL);"
	"CREATE TABLE IF NOT EXISTS paper_positions (symbol TEXT PRIMARY KEY, qty REAL NOT NULL);";

#define PAPER_ORDER_COLS "seq, client_id, broker_id, symbol, strategy, side, type, qty," \
	" limit_price, filled, fees, multiplier, arrival_mid, sent, live_at, expires, cancel_at," \
	" state, resting"

/* Reads the current row of a paper_orders query. */
static void paper_col_order(sqlite3_stmt *st, struct paper_order *o)
{
	memset(o, 0, sizeof *o);
	o->seq = sqlite3_column_int64(st, 0);
	paper_text(st, 1, o->client_id, sizeof o->client_id);
	paper_text(st, 2, o->broker_id, sizeof o->broker_id);
	paper_text(st, 3, o->symbol, sizeof o->symbol);
	paper_text(st, 4, o->strategy, sizeof o->strategy);
	o->side = sqlite3_column_int(st, 5);
	o->type = sqlite3_column_int(st, 6);
	o->qty = paper_col(st, 7);
	o->limit = paper_col(st, 8);
	o->filled = paper_col(st, 9);
	o->fees = paper_col(st, 10);
	o->multiplier = paper_col(st, 11);
	o->arrival_mid = paper_col(st, 12);
	o->sent = paper_col(st, 13);
	o->live_at = paper_col(st, 14);
	o->expires = paper_col(st, 15);
	o->cancel_at = paper_col(st, 16);
	o->state = sqlite3_column_int(st, 17);
	o->resting = sqlite3_column_int(st, 18);
}

/* Opens the poll's transaction before its first write: a poll that
 * changes nothing (orders resting, nothing due) writes nothing, so it
 * costs no transaction and holds no write lock. */
static int paper_write_begin(struct broker *b, char **cause)
{
	if (!b->polling || b->in_tx)
		return 0;
	if (paper_exec(b, "BEGIN IMMEDIATE", cause) != 0)
		return -1;
	b->in_tx = 1;
	return 0;
}

/* Writes an order's row (insert or replace by seq). */
static int paper_save_order(struct broker *b, const struct paper_order *o, char **cause)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (paper_write_begin(b, cause) != 0)
		return -1;
	if (sqlite3_prepare_v2(b->db, "INSERT OR REPLACE INTO paper_orders (" PAPER_ORDER_COLS
	    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
	    " ?18, ?19)", -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return paper_dbfail(b, cause, "preparing an order write");
	}
	sqlite3_bind_int64(st, 1, o->seq);
	sqlite3_bind_text(st, 2, o->client_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, o->broker_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, o->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, o->strategy, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, o->side);
	sqlite3_bind_int(st, 7, o->type);
	paper_bind(st, 8, o->qty);
	paper_bind(st, 9, o->limit);
	paper_bind(st, 10, o->filled);
	paper_bind(st, 11, o->fees);
	paper_bind(st, 12, o->multiplier);
	paper_bind(st, 13, o->arrival_mid);
	paper_bind(st, 14, o->sent);
	paper_bind(st, 15, o->live_at);
	paper_bind(st, 16, o->expires);
	paper_bind(st, 17, o->cancel_at);
	sqlite3_bind_int(st, 18, o->state);
	sqlite3_bind_int(st, 19, o->resting);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return paper_dbfail(b, cause, "writing an order");
	return 0;
}

/* Writes a fill and moves the position of its symbol. */
static int paper_save_fill(struct broker *b, long long seq, const struct fill *f,
    char **cause)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (paper_write_begin(b, cause) != 0)
		return -1;
	if (sqlite3_prepare_v2(b->db, "INSERT INTO paper_fills (seq, fill_id, client_id, symbol,"
	    " strategy, side, qty, price, fee, multiplier, time, arrival_mid, slippage_bp)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)", -1, &st,
	    NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return paper_dbfail(b, cause, "preparing a fill write");
	}
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, f->fill_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->client_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, f->strategy, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, f->side);
	paper_bind(st, 7, f->qty);
	paper_bind(st, 8, f->price);
	paper_bind(st, 9, f->fee);
	paper_bind(st, 10, f->multiplier);
	paper_bind(st, 11, f->time);
	paper_bind(st, 12, f->arrival_mid);
	paper_bind(st, 13, f->slippage_bp);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return paper_dbfail(b, cause, "writing a fill");
	st = NULL;
	if (sqlite3_prepare_v2(b->db, "INSERT INTO paper_positions (symbol, qty) VALUES (?1, ?2)"
	    " ON CONFLICT (symbol) DO UPDATE SET qty = qty + excluded.qty", -1, &st,
	    NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return paper_dbfail(b, cause, "preparing a position write");
	}
	sqlite3_bind_text(st, 1, f->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, f->side * f->qty);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return paper_dbfail(b, cause, "writing a position");
	return 0;
}

/* Reads one integer of a query without parameters (0 when NULL). */
static int paper_query_int(struct broker *b, const char *sql, long long *out, char **cause)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(b->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return paper_dbfail(b, cause, "reading the books");
	}
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return paper_dbfail(b, cause, "reading the books");
	return 0;
}

/* (Re)loads the working orders and the counters from the file. */
static int paper_load(struct broker *b, char **cause)
{
	sqlite3_stmt *st = NULL;
	int rc;

	b->nw = 0;
	if (paper_query_int(b, "SELECT max(seq) FROM paper_orders", &b->next_order, cause) != 0 ||
	    paper_query_int(b, "SELECT max(seq) FROM paper_fills", &b->next_fill, cause) != 0)
		return -1;
	b->next_order++;
	b->next_fill++;
	if (sqlite3_prepare_v2(b->db, "SELECT " PAPER_ORDER_COLS " FROM paper_orders WHERE"
	    " state NOT IN (4, 6, 7, 8) ORDER BY seq", -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return paper_dbfail(b, cause, "reading the working orders");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (b->nw == b->capw) {
			b->capw = b->capw ? b->capw * 2 : 16;
			b->w = xrealloc(b->w, b->capw * sizeof *b->w);
		}
		paper_col_order(st, &b->w[b->nw++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return paper_dbfail(b, cause, "reading the working orders");
	return 0;
}

/* Writes v in base 36. */
static void paper_base36(unsigned long long v, char *out, size_t len)
{
	char tmp[32];
	size_t n = 0, i;

	do {
		tmp[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
		v /= 36;
	} while (v > 0 && n < sizeof tmp);
	for (i = 0; i < n && i + 1 < len; i++)
		out[i] = tmp[n - 1 - i];
	out[i] = '\0';
}

/* Reads the file's stamp, creating it with a new file. */
static int paper_stamp(struct broker *b, char **cause)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(b->db, "SELECT value FROM paper_meta WHERE key = 'stamp'", -1, &st,
	    NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return paper_dbfail(b, cause, "reading paper_meta");
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		paper_text(st, 0, b->stamp, sizeof b->stamp);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return paper_dbfail(b, cause, "reading paper_meta");
	paper_base36((unsigned long long)(now_wall() * 1e6), b->stamp, sizeof b->stamp);
	st = NULL;
	if (sqlite3_prepare_v2(b->db, "INSERT INTO paper_meta (key, value) VALUES ('stamp', ?1)",
	    -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return paper_dbfail(b, cause, "writing paper_meta");
	}
	sqlite3_bind_text(st, 1, b->stamp, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return paper_dbfail(b, cause, "writing paper_meta");
	return 0;
}

/* Closes the broker (its file stays). */
static void paper_close(struct broker *b)
{
	if (b == NULL)
		return;
	if (b->db != NULL && sqlite3_close(b->db) != SQLITE_OK)
		log_warn("paper broker %s: close: %s", b->path, sqlite3_errmsg(b->db));
	free(b->path);
	free(b->w);
	free(b);
}

/* Opens the paper broker of the configuration (its file created when
 * missing, its working orders reloaded when present). */
static struct broker *paper_open(struct conf *conf, char **cause)
{
	const char *path = conf != NULL ? conf_get_str(conf, "paper.path") : NULL;
	struct broker *b = xcalloc(1, sizeof *b);
	char *err = NULL;

	b->latency = (conf ? conf_get_double(conf, "paper.latency_ms") : 50) / 1000;
	b->slippage_bp = conf ? conf_get_double(conf, "paper.slippage_bp") : 1;
	b->participation = conf ? conf_get_double(conf, "paper.participation") : 0.1;
	b->fee_per_unit = conf ? conf_get_double(conf, "paper.fee_per_unit") : 0.005;
	b->fee_min = conf ? conf_get_double(conf, "paper.fee_min") : 1;
	b->eod_hour = conf ? conf_get_double(conf, "paper.eod_hour_utc") : 21;
	if (path == NULL || *path == '\0') {
		if ((b->path = paths_file(PATHS_DATA, "paper-broker.db", 1, &err)) == NULL) {
			*cause = xasprintf("paper broker: %s", err);
			free(err);
			free(b);
			return NULL;
		}
	} else
		b->path = xstrdup(path);
	if (sqlite3_open_v2(b->path, &b->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		if (b->db != NULL)
			paper_dbfail(b, cause, "cannot open");
		else
			paper_fail(b, cause, "cannot open: out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(b->db, PAPER_BUSY_MS);
	if (paper_exec(b, "PRAGMA journal_mode = WAL", cause) != 0 ||
	    paper_exec(b, "PRAGMA synchronous = NORMAL", cause) != 0 ||
	    paper_exec(b, paper_schema, cause) != 0 || paper_stamp(b, cause) != 0 ||
	    paper_load(b, cause) != 0) {
		char *m = *cause;

		*cause = xasprintf("%s (is it a paper broker file?)", m);
		free(m);
		goto fail;
	}
	return b;
fail:
	paper_close(b);
	return NULL;
}

/* Makes the broker fill against ms (NULL: the process's state). */
void broker_paper_set_market(struct broker *b, struct mstate *ms)
{
	b->ms = ms;
}

/* The end of the trading day after t: the next paper.eod_hour_utc. */
static double paper_eod(struct broker *b, double t)
{
	double day = floor(t / 86400) * 86400, eod = day + b->eod_hour * 3600;

	return eod > t ? eod : eod + 86400;
}

/* Finds a working order by client id; its index or -1. */
static long paper_find(struct broker *b, const char *client_id)
{
	size_t i;

	for (i = 0; i < b->nw; i++) {
		if (strcmp(b->w[i].client_id, client_id) == 0)
			return (long)i;
	}
	return -1;
}

/* Reads the state of any order the file knows: 1 found, 0 none, -1. */
static int paper_lookup(struct broker *b, const char *client_id, int *state, char **cause)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(b->db, "SELECT state FROM paper_orders WHERE client_id = ?1", -1,
	    &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return paper_dbfail(b, cause, "reading an order");
	}
	sqlite3_bind_text(st, 1, client_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*state = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return paper_dbfail(b, cause, "reading an order");
	return rc == SQLITE_ROW;
}

/* Checks a text field of an order: non-empty (unless may_be_empty),
 * NUL-terminated, printable. */
static int paper_name_ok(const char *s, size_t max, int may_be_empty)
{
	size_t n = strnlen(s, max), i;

	if (n == max || (n == 0 && !may_be_empty) || !utf8_valid(s, n))
		return 0;
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	}
	return 1;
}

/* Receives an order: checked, written to the file, live after the latency. */
static int paper_send(struct broker *b, const struct order *o, double now, char **cause)
{
	struct paper_order p;
	const char *bad = NULL;
	char num[16];
	int state, found;

	if (!paper_name_ok(o->client_id, sizeof o->client_id, 0))
		return paper_fail(b, cause, "an order without a valid client_id");
	if (!paper_name_ok(o->symbol, sizeof o->symbol, 0))
		bad = "symbol is empty or not printable text";
	else if (!paper_name_ok(o->strategy, sizeof o->strategy, 1))
		bad = "strategy is not printable text";
	else if (o->side != 1 && o->side != -1)
		bad = "side is not +1 or -1";
	else if (o->type != ORDER_LIMIT && o->type != ORDER_MARKET)
		bad = "type is not limit or market";
	else if (!(o->qty > 0) || !isfinite(o->qty))
		bad = "qty is not a positive number";
	else if (o->type == ORDER_LIMIT && (!(o->limit > 0) || !isfinite(o->limit)))
		bad = "limit is not a positive number";
	else if (!isnan(o->multiplier) && (!(o->multiplier > 0) || !isfinite(o->multiplier)))
		bad = "multiplier is not a positive number";
	else if (!isfinite(now))
		bad = "the time of sending is not a number";
	if (bad != NULL)
		return paper_fail(b, cause, "order %s: %s", o->client_id, bad);
	if ((found = paper_lookup(b, o->client_id, &state, cause)) < 0)
		return -1;
	if (found)
		return paper_fail(b, cause, "order %s was received already: a duplicate client "
		    "order id is refused", o->client_id);
	memset(&p, 0, sizeof p);
	p.seq = b->next_order;
	snprintf(p.client_id, sizeof p.client_id, "%s", o->client_id);
	paper_base36((unsigned long long)p.seq, num, sizeof num);
	snprintf(p.broker_id, sizeof p.broker_id, "P%s-%s", b->stamp, num);
	snprintf(p.symbol, sizeof p.symbol, "%s", o->symbol);
	snprintf(p.strategy, sizeof p.strategy, "%s", o->strategy);
	p.side = o->side;
	p.type = o->type;
	p.qty = o->qty;
	p.limit = o->type == ORDER_LIMIT ? o->limit : NAN;
	p.multiplier = isnan(o->multiplier) ? 1 : o->multiplier;
	p.arrival_mid = o->arrival_mid;
	p.sent = now;
	p.live_at = now + b->latency;
	p.expires = isfinite(o->expires) ? o->expires : paper_eod(b, now);
	p.cancel_at = NAN;
	p.state = ORDER_PENDING;
	if (paper_save_order(b, &p, cause) != 0)
		return -1;
	if (b->nw == b->capw) {
		b->capw = b->capw ? b->capw * 2 : 16;
		b->w = xrealloc(b->w, b->capw * sizeof *b->w);
	}
	b->w[b->nw++] = p;
	b->next_order++;
	return 0;
}

/* Asks to cancel an order: effective after the latency. */
static int paper_cancel(struct broker *b, const char *client_id, double now, char **cause)
{
	struct paper_order *p;
	long i = paper_find(b, client_id);
	int state, found;

	if (i < 0) {
		if ((found = paper_lookup(b, client_id, &state, cause)) < 0)
			return -1;
		if (found)
			return paper_fail(b, cause, "cancel of order %s: it is already final "
			    "(state %d)", client_id, state);
		return paper_fail(b, cause, "cancel of order %s: no such order", client_id);
	}
	p = &b->w[i];
	if (!isnan(p->cancel_at))
		return 0;
	/* In memory only, like a cancel message on its way: the poll that
	 * carries it out commits the cancellation before delivering it.  A
	 * crash before that loses the request, not an order: the OMS keeps
	 * it cancel_pending and sends it again when it reconciles.  This
	 * keeps a kill switch's mass cancel to microseconds per order. */
	(void)cause;
	p->cancel_at = now + b->latency;
	return 0;
}

/* FNV-1a hash of a client id (paper_cancel_many's table). */
static size_t paper_hash(const char *s)
{
	size_t h = (size_t)14695981039346656037ULL;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * (size_t)1099511628211ULL;
	return h;
}

/* Asks to cancel n orders at once: a table of the ids, one pass over the
 * working orders (so a kill switch's mass cancel is linear, not n
 * lookups); an id the pass did not find goes through paper_cancel, which
 * says why it is refused.  The number refused. */
static size_t paper_cancel_many(struct broker *b, const char *const *ids, size_t n, double now,
    unsigned char *refused, char **cause)
{
	size_t cap = 16, mask, i, k, nref = 0;
	long *slot;
	unsigned char *hit;

	if (n == 0)
		return 0;
	while (cap < 2 * n)
		cap *= 2;
	mask = cap - 1;
	slot = xmalloc(cap * sizeof *slot);
	for (k = 0; k < cap; k++)
		slot[k] = -1;
	hit = xcalloc(n, 1);
	for (i = 0; i < n; i++) {
		for (k = paper_hash(ids[i]) & mask; slot[k] >= 0; k = (k + 1) & mask)
			if (strcmp(ids[slot[k]], ids[i]) == 0)
				break;
		if (slot[k] < 0)
			slot[k] = (long)i;      /* a repeated id is left to paper_cancel */
	}
	for (i = 0; i < b->nw; i++) {
		struct paper_order *p = &b->w[i];

		for (k = paper_hash(p->client_id) & mask; slot[k] >= 0; k = (k + 1) & mask)
			if (strcmp(ids[slot[k]], p->client_id) == 0)
				break;
		if (slot[k] < 0)
			continue;
		hit[slot[k]] = 1;
		/* As paper_cancel: in memory, carried out (and committed) by
		 * the poll after the latency. */
		if (isnan(p->cancel_at))
			p->cancel_at = now + b->latency;
	}
	for (i = 0; i < n; i++) {
		char *why = NULL;

		refused[i] = !hit[i] && paper_cancel(b, ids[i], now, &why) != 0;
		if (refused[i] && nref++ == 0 && cause != NULL)
			*cause = why;
		else
			free(why);
	}
	free(hit);
	free(slot);
	return nref;
}

/* The quote of a symbol in a snapshot: a quote, or an option of a chain. */
static const struct quote *paper_quote(const struct mstate_snap *snap, const char *symbol)
{
	return mstate_snap_quote_any(snap, symbol, NULL, NULL);
}

/* Events of one poll, delivered after the commit. */
struct paper_events {
	struct broker_event *ev;
	size_t n, cap;
};

/* Adds an event about order p. */
static struct broker_event *paper_event(struct paper_events *e, const struct paper_order *p,
    int kind, double t)
{
	struct broker_event *ev;

	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 16;
		e->ev = xrealloc(e->ev, e->cap * sizeof *e->ev);
	}
	ev = &e->ev[e->n++];
	memset(ev, 0, sizeof *ev);
	ev->kind = kind;
	snprintf(ev->client_id, sizeof ev->client_id, "%s", p->client_id);
	snprintf(ev->broker_id, sizeof ev->broker_id, "%s", p->broker_id);
	ev->time = t;
	return ev;
}

/* Tries to fill a live order against its quote at now; 1 filled (event
 * added), 0 not, -1 error. */
static int paper_try_fill(struct broker *b, struct paper_order *p, const struct quote *q,
    double now, struct paper_events *e, char **cause)
{
	double touch = p->side > 0 ? q->ask : q->bid;
	double size = p->side > 0 ? q->ask_size : q->bid_size;
	double price, qty, remaining, cap, fee_total;
	int marketable, through;
	struct broker_event *ev;
	struct fill *f;
	char num[16];

	if (!(touch > 0) || !isfinite(touch))
		return 0;
	marketable = p->type == ORDER_MARKET ||
	    (p->side > 0 ? touch <= p->limit : touch >= p->limit);
	through = p->type == ORDER_LIMIT && isfinite(q->last) &&
	    (p->side > 0 ? q->last < p->limit : q->last > p->limit);
	if (!p->resting && marketable) {
		price = touch * (1 + p->side * b->slippage_bp / 1e4);
		if (p->type == ORDER_LIMIT)
			price = p->side > 0 ? fmin(price, p->limit) : fmax(price, p->limit);
	} else if (p->resting && (marketable || through))
		price = p->limit;
	else {
		p->resting = 1;
		return 0;
	}
	remaining = p->qty - p->filled;
	cap = isfinite(size) && size > 0 ? fmax(1, floor(b->participation * size)) : remaining;
	qty = fmin(remaining, cap);
	fee_total = fmax(b->fee_min, b->fee_per_unit * (p->filled + qty));
	ev = paper_event(e, p, BROKER_FILL, now);
	f = &ev->fill;
	snprintf(f->client_id, sizeof f->client_id, "%s", p->client_id);
	paper_base36((unsigned long long)b->next_fill, num, sizeof num);
	snprintf(f->fill_id, sizeof f->fill_id, "P%s-F%s", b->stamp, num);
	snprintf(f->symbol, sizeof f->symbol, "%s", p->symbol);
	snprintf(f->strategy, sizeof f->strategy, "%s", p->strategy);
	f->side = p->side;
	f->qty = qty;
	f->price = price;
	f->fee = fmax(0, fee_total - p->fees);
	f->multiplier = p->multiplier;
	f->time = now;
	f->arrival_mid = p->arrival_mid;
	f->slippage_bp = isfinite(p->arrival_mid) && p->arrival_mid > 0 ?
	    p->side * (price - p->arrival_mid) / p->arrival_mid * 1e4 : NAN;
	if (paper_save_fill(b, b->next_fill, f, cause) != 0)
		return -1;
	b->next_fill++;
	p->filled += qty;
	p->fees += f->fee;
	if (p->filled >= p->qty) {
		p->filled = p->qty;
		p->state = ORDER_FILLED;
	} else
		p->state = ORDER_PARTIAL;
	return 1;
}

/* Moves one working order forward to now; events added; -1 on error. */
static int paper_step(struct broker *b, struct paper_order *p, const struct mstate_snap *snap,
    double now, struct paper_events *e, char **cause)
{
	const struct quote *q = snap != NULL ? paper_quote(snap, p->symbol) : NULL;
	int changed = 0, rc = 0;

	if (p->state == ORDER_PENDING) {
		if (now < p->live_at)
			return 0;
		changed = 1;
		if (q == NULL) {
			struct broker_event *ev = paper_event(e, p, BROKER_REJECT, p->live_at);

			snprintf(ev->reason, sizeof ev->reason, "no market: the paper broker has no "
			    "quote for %s", p->symbol);
			p->state = ORDER_REJECTED;
			return paper_save_order(b, p, cause);
		}
		p->state = ORDER_ACCEPTED;
		paper_event(e, p, BROKER_ACK, p->live_at);
	}
	if (!isnan(p->cancel_at) && now >= p->cancel_at) {
		p->state = ORDER_CANCELLED;
		paper_event(e, p, BROKER_CANCELLED, p->cancel_at);
		return paper_save_order(b, p, cause);
	}
	if (now >= p->expires) {
		p->state = ORDER_EXPIRED;
		paper_event(e, p, BROKER_EXPIRED, p->expires);
		return paper_save_order(b, p, cause);
	}
	if (q != NULL) {
		int was_resting = p->resting;

		if ((rc = paper_try_fill(b, p, q, now, e, cause)) < 0)
			return -1;
		changed |= rc > 0 || p->resting != was_resting;
	}
	return changed ? paper_save_order(b, p, cause) : 0;
}

/* Delivers what happened up to now: every change committed first. */
static int paper_poll(struct broker *b, const struct broker_sink *sink, double now,
    char **cause)
{
	struct mstate *ms = b->ms != NULL ? b->ms : mstate_global();
	const struct mstate_snap *snap;
	struct paper_events e = { NULL, 0, 0 };
	size_t i, j;

	if (b->nw == 0)
		return 0;
	if (!isfinite(now))
		return paper_fail(b, cause, "poll: the time is not a number");
	snap = mstate_snapshot(ms);
	/* One transaction for every change of this poll, opened by the
	 * first write (paper_write_begin), committed before any event is
	 * delivered. */
	b->polling = 1;
	b->in_tx = 0;
	for (i = 0; i < b->nw; i++) {
		if (paper_step(b, &b->w[i], snap, now, &e, cause) != 0)
			goto fail;
	}
	mstate_snap_release(snap);
	snap = NULL;
	b->polling = 0;
	if (b->in_tx && paper_exec(b, "COMMIT", cause) != 0)
		goto fail;
	b->in_tx = 0;
	for (i = j = 0; i < b->nw; i++) {
		if (!paper_final(b->w[i].state))
			b->w[j++] = b->w[i];
	}
	b->nw = j;
	for (i = 0; i < e.n; i++) {
		if (sink != NULL && sink->on_event != NULL)
			sink->on_event(sink->arg, &e.ev[i]);
	}
	free(e.ev);
	return 0;
fail:
	b->polling = b->in_tx = 0;
	if (snap != NULL)
		mstate_snap_release(snap);
	if (!sqlite3_get_autocommit(b->db))
		sqlite3_exec(b->db, "ROLLBACK", NULL, NULL, NULL);
	free(e.ev);
	/* Nothing was delivered: go back to what the file holds. */
	if (paper_load(b, NULL) != 0)
		log_warn("paper broker %s: reloading after a failed poll failed", b->path);
	return -1;
}

/* The broker's own view, read from its file. */
static int paper_snapshot(struct broker *b, struct broker_state *out, char **cause)
{
	sqlite3_stmt *st = NULL;
	size_t cap;
	int rc;

	memset(out, 0, sizeof *out);
	if (sqlite3_prepare_v2(b->db, "SELECT " PAPER_ORDER_COLS " FROM paper_orders ORDER BY"
	    " seq", -1, &st, NULL) != SQLITE_OK)
		goto dbfail;
	cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct paper_order p;
		struct broker_order_view *v;

		if (out->norders == cap) {
			cap = cap ? cap * 2 : 16;
			out->orders = xrealloc(out->orders, cap * sizeof *out->orders);
		}
		paper_col_order(st, &p);
		v = &out->orders[out->norders++];
		memset(v, 0, sizeof *v);
		memcpy(v->client_id, p.client_id, sizeof v->client_id);
		memcpy(v->broker_id, p.broker_id, sizeof v->broker_id);
		memcpy(v->symbol, p.symbol, sizeof v->symbol);
		v->side = p.side;
		v->qty = p.qty;
		v->filled = p.filled;
		v->state = p.state;
	}
	if (rc != SQLITE_DONE)
		goto dbfail;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(b->db, "SELECT fill_id, client_id, symbol, strategy, side, qty,"
	    " price, fee, multiplier, time, arrival_mid, slippage_bp FROM paper_fills ORDER BY seq",
	    -1, &st, NULL) != SQLITE_OK)
		goto dbfail;
	cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct fill *f;

		if (out->nfills == cap) {
			cap = cap ? cap * 2 : 16;
			out->fills = xrealloc(out->fills, cap * sizeof *out->fills);
		}
		f = &out->fills[out->nfills++];
		memset(f, 0, sizeof *f);
		paper_text(st, 0, f->fill_id, sizeof f->fill_id);
		paper_text(st, 1, f->client_id, sizeof f->client_id);
		paper_text(st, 2, f->symbol, sizeof f->symbol);
		paper_text(st, 3, f->strategy, sizeof f->strategy);
		f->side = sqlite3_column_int(st, 4);
		f->qty = paper_col(st, 5);
		f->price = paper_col(st, 6);
		f->fee = paper_col(st, 7);
		f->multiplier = paper_col(st, 8);
		f->time = paper_col(st, 9);
		f->arrival_mid = paper_col(st, 10);
		f->slippage_bp = paper_col(st, 11);
	}
	if (rc != SQLITE_DONE)
		goto dbfail;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(b->db, "SELECT symbol, qty FROM paper_positions ORDER BY symbol",
	    -1, &st, NULL) != SQLITE_OK)
		goto dbfail;
	cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct broker_position_view *v;

		if (out->npositions == cap) {
			cap = cap ? cap * 2 : 16;
			out->positions = xrealloc(out->positions, cap * sizeof *out->positions);
		}
		v = &out->positions[out->npositions++];
		memset(v, 0, sizeof *v);
		paper_text(st, 0, v->symbol, sizeof v->symbol);
		v->qty = sqlite3_column_double(st, 1);
	}
	if (rc != SQLITE_DONE)
		goto dbfail;
	sqlite3_finalize(st);
	return 0;
dbfail:
	paper_dbfail(b, cause, "reading the books");
	sqlite3_finalize(st);
	broker_state_free(out);
	return -1;
}

const struct broker_ops broker_paper_ops = {
	.name = "paper",
	.open = paper_open,
	.send = paper_send,
	.cancel = paper_cancel,
	.cancel_many = paper_cancel_many,
	.poll = paper_poll,
	.snapshot = paper_snapshot,
	.close = paper_close,
};
