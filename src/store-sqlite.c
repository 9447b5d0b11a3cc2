/*
 * store-sqlite.c -- the embedded store backend: one SQLite file.
 *
 * The file is opened in WAL mode (readers never block the writer), with
 * synchronous=NORMAL (a power cut may lose the last commits but never
 * corrupts the file), foreign keys on, and a busy timeout so that two
 * qdesk processes on one file wait for each other instead of failing.
 * A batch is one BEGIN IMMEDIATE transaction driven through a cached
 * prepared statement; any failure rolls the whole batch back.  Every
 * statement binds its values: no SQL text is built from data.
 */
#include "config.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "paths.h"
#include "store-int.h"
#include "util.h"

#define SQLITE_BUSY_MS 5000

struct store_sqlite {
	struct store base;
	sqlite3 *db;
	sqlite3_stmt *ins_bar, *ins_quote, *ins_oq;
};

#define DB(s) (((struct store_sqlite *)(s))->db)

/* Reports the connection's last error after what. */
static int sq_fail(struct store *s, char **cause, const char *what)
{
	const char *msg = sqlite3_errmsg(DB(s));
	const char *hint = strstr(msg, "no such table") != NULL ?
	    " (is the schema migrated? run 'db migrate')" : "";

	return store_fail(s, cause, "%s: %s%s", what, msg, hint);
}

/* Runs SQL without results or parameters (fixed statements only). */
static int sq_exec(struct store *s, const char *sql, char **cause)
{
	if (sqlite3_exec(DB(s), sql, NULL, NULL, NULL) != SQLITE_OK)
		return sq_fail(s, cause, sql);
	return 0;
}

/* Rolls back an open transaction, keeping the first error. */
static void sq_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(DB(s)))
		sqlite3_exec(DB(s), "ROLLBACK", NULL, NULL, NULL);
}

/* Prepares a statement; NULL with cause on error. */
static sqlite3_stmt *sq_prepare(struct store *s, const char *sql, char **cause)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(DB(s), sql, -1, &st, NULL) != SQLITE_OK) {
		sq_fail(s, cause, "preparing a statement");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* Binds a double, or NULL for NaN. */
static void sq_bind_opt(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

/* Binds a time as integer microseconds, or NULL for NaN. */
static void sq_bind_time(sqlite3_stmt *st, int i, double t)
{
	if (isnan(t))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, store_time_us(t));
}

/* Reads a REAL column, NaN for NULL. */
static double sq_col_double(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

/* Reads a microsecond column as epoch seconds, NaN for NULL. */
static double sq_col_time(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NAN;
	return store_time_from_us(sqlite3_column_int64(st, i));
}

/* Copies a TEXT column into a fixed buffer. */
static void sq_col_text(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(out, len, "%s", t != NULL ? (const char *)t : "");
}

/* Duplicates a TEXT column, NULL for NULL. */
static char *sq_col_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? xstrdup((const char *)t) : NULL;
}

/* Closes the database and frees the handle. */
static void sq_close(struct store *s)
{
	struct store_sqlite *q = (struct store_sqlite *)s;

	sqlite3_finalize(q->ins_bar);
	sqlite3_finalize(q->ins_quote);
	sqlite3_finalize(q->ins_oq);
	if (sqlite3_close(q->db) != SQLITE_OK)
		log_warn("store: sqlite %s: close: %s", s->location, sqlite3_errmsg(q->db));
	free(s->location);
	free(q);
}

/* Reads the schema version (0 before the first migration). */
static int sq_version(struct store *s, int *version, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	*version = 0;
	st = sq_prepare(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
	    " AND name = 'schema_migrations'", cause);
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return sq_fail(s, cause, "reading the schema");
	}
	rc = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc == 0)
		return 0;
	if ((st = sq_prepare(s, "SELECT coalesce(max(version), 0) FROM schema_migrations",
	    cause)) == NULL)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return sq_fail(s, cause, "reading schema_migrations");
	}
	*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

/* Applies one migration in a transaction. */
static int sq_migrate(struct store *s, const struct store_migration *m, int *done,
    char **cause)
{
	sqlite3_stmt *st = NULL;
	int i, version;

	*done = 0;
	if (sq_exec(s, "BEGIN IMMEDIATE", cause) != 0)
		return -1;
	if (sq_exec(s, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_us INTEGER NOT NULL)",
	    cause) != 0)
		goto fail;
	if (sq_version(s, &version, cause) != 0)
		goto fail;
	if (version >= m->version)
		return sq_exec(s, "COMMIT", cause);
	for (i = 0; m->sqlite[i] != NULL; i++) {
		if (sqlite3_exec(DB(s), m->sqlite[i], NULL, NULL, NULL) != SQLITE_OK) {
			char *what = xasprintf("migration %d (%s)", m->version, m->name);

			sq_fail(s, cause, what);
			free(what);
			goto fail;
		}
	}
	st = sq_prepare(s, "INSERT INTO schema_migrations (version, name, applied_us)"
	    " VALUES (?1, ?2, ?3)", cause);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int(st, 1, m->version);
	sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, store_time_us(now_wall()));
	if (sqlite3_step(st) != SQLITE_DONE) {
		sq_fail(s, cause, "recording the migration");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sq_exec(s, "COMMIT", cause) != 0)
		goto fail;
	*done = 1;
	return 0;
fail:
	sqlite3_finalize(st);
	sq_rollback(s);
	return -1;
}

/* Runs a prepared insert for each row of a batch inside one transaction;
 * bind(st, rows, i) binds row i. */
static int sq_batch(struct store *s, sqlite3_stmt **cached, const char *sql, const char *what,
    const void *rows, size_t n, void (*bind)(sqlite3_stmt *, const void *, size_t),
    const char *(*name)(const void *, size_t), char **cause)
{
	sqlite3_stmt *st;
	size_t i;

	if (*cached == NULL && (*cached = sq_prepare(s, sql, cause)) == NULL)
		return -1;
	st = *cached;
	if (sq_exec(s, "BEGIN IMMEDIATE", cause) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		bind(st, rows, i);
		if (sqlite3_step(st) != SQLITE_DONE) {
			store_fail(s, cause, "%s row %zu of %zu (%s): %s; nothing stored", what,
			    i + 1, n, name(rows, i), sqlite3_errmsg(DB(s)));
			sqlite3_reset(st);
			sq_rollback(s);
			return -1;
		}
		sqlite3_reset(st);
	}
	if (sq_exec(s, "COMMIT", cause) != 0) {
		sq_rollback(s);
		return -1;
	}
	return 0;
}

/* Binds bar i. */
static void sq_bind_bar(sqlite3_stmt *st, const void *rows, size_t i)
{
	const struct bar *b = (const struct bar *)rows + i;

	sqlite3_bind_text(st, 1, b->symbol, -1, SQLITE_STATIC);
	sq_bind_time(st, 2, b->time);
	sqlite3_bind_double(st, 3, b->open);
	sqlite3_bind_double(st, 4, b->high);
	sqlite3_bind_double(st, 5, b->low);
	sqlite3_bind_double(st, 6, b->close);
	sq_bind_opt(st, 7, b->volume);
}

/* Names bar i. */
static const char *sq_name_bar(const void *rows, size_t i)
{
	return ((const struct bar *)rows)[i].symbol;
}

/* Stores bars. */
static int sq_put_bars(struct store *s, const struct bar *b, size_t n, char **cause)
{
	return sq_batch(s, &((struct store_sqlite *)s)->ins_bar,
	    "INSERT OR REPLACE INTO market_prices (symbol, time_us, open, high, low, close,"
	    " volume) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", "bars", b, n, sq_bind_bar,
	    sq_name_bar, cause);
}

/* Binds quote i. */
static void sq_bind_quote(sqlite3_stmt *st, const void *rows, size_t i)
{
	const struct quote *q = (const struct quote *)rows + i;

	sqlite3_bind_text(st, 1, q->symbol, -1, SQLITE_STATIC);
	sq_bind_time(st, 2, q->exch_time);
	sq_bind_opt(st, 3, q->bid);
	sq_bind_opt(st, 4, q->ask);
	sq_bind_opt(st, 5, q->last);
	sq_bind_opt(st, 6, q->bid_size);
	sq_bind_opt(st, 7, q->ask_size);
	sq_bind_opt(st, 8, q->volume);
	sq_bind_time(st, 9, q->recv_time);
}

/* Names quote i. */
static const char *sq_name_quote(const void *rows, size_t i)
{
	return ((const struct quote *)rows)[i].symbol;
}

/* Stores quotes. */
static int sq_put_quotes(struct store *s, const struct quote *q, size_t n, char **cause)
{
	return sq_batch(s, &((struct store_sqlite *)s)->ins_quote,
	    "INSERT OR REPLACE INTO quotes (symbol, time_us, bid, ask, last, bid_size, ask_size,"
	    " volume, recv_time_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", "quotes", q, n,
	    sq_bind_quote, sq_name_quote, cause);
}

/* Binds option quote i. */
static void sq_bind_oq(sqlite3_stmt *st, const void *rows, size_t i)
{
	const struct option_quote *oq = (const struct option_quote *)rows + i;

	sqlite3_bind_text(st, 1, oq->opt.underlying, -1, SQLITE_STATIC);
	sq_bind_time(st, 2, oq->q.exch_time);
	sqlite3_bind_text(st, 3, oq->opt.symbol, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, oq->opt.expiry);
	sqlite3_bind_double(st, 5, oq->opt.strike);
	sqlite3_bind_text(st, 6, oq->opt.right == OPT_RIGHT_CALL ? "C" : "P", 1, SQLITE_STATIC);
	sqlite3_bind_double(st, 7, oq->opt.multiplier);
	sqlite3_bind_double(st, 8, oq->q.bid);
	sqlite3_bind_double(st, 9, oq->q.ask);
	sq_bind_opt(st, 10, oq->q.last);
	sq_bind_opt(st, 11, oq->q.bid_size);
	sq_bind_opt(st, 12, oq->q.ask_size);
	sq_bind_opt(st, 13, oq->q.volume);
	sq_bind_opt(st, 14, oq->implied_vol);
	sq_bind_opt(st, 15, oq->delta);
	sq_bind_opt(st, 16, oq->gamma);
	sq_bind_opt(st, 17, oq->vega);
	sq_bind_opt(st, 18, oq->theta);
	sq_bind_opt(st, 19, oq->open_interest);
	sq_bind_time(st, 20, oq->q.recv_time);
}

/* Names option quote i. */
static const char *sq_name_oq(const void *rows, size_t i)
{
	return ((const struct option_quote *)rows)[i].opt.symbol;
}

/* Stores option quotes. */
static int sq_put_option_quotes(struct store *s, const struct option_quote *oq, size_t n,
    char **cause)
{
	return sq_batch(s, &((struct store_sqlite *)s)->ins_oq,
	    "INSERT OR REPLACE INTO option_quotes (underlying, time_us, symbol, expiry, strike,"
	    " put_call, multiplier, bid, ask, last, bid_size, ask_size, volume, implied_vol,"
	    " delta, gamma, vega, theta, open_interest, recv_time_us) VALUES (?1, ?2, ?3, ?4,"
	    " ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
	    "option quotes", oq, n, sq_bind_oq, sq_name_oq, cause);
}

/* Runs a one-row insert statement to completion and finalizes it. */
static int sq_step_done(struct store *s, sqlite3_stmt *st, const char *what, char **cause)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE) {
		sq_fail(s, cause, what);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

/* Stores a calibration. */
static int sq_put_params(struct store *s, const struct store_params *p, char **cause)
{
	sqlite3_stmt *st = sq_prepare(s, "INSERT INTO model_params (time_us, model, underlying,"
	    " maturity, params, fit_quality, fingerprint) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	    cause);

	if (st == NULL)
		return -1;
	sq_bind_time(st, 1, p->time);
	sqlite3_bind_text(st, 2, p->model, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->underlying, -1, SQLITE_STATIC);
	if (p->maturity != 0)
		sqlite3_bind_int(st, 4, p->maturity);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, p->params, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, p->fit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, p->fingerprint, -1, SQLITE_STATIC);
	return sq_step_done(s, st, "storing model parameters", cause);
}

/* Stores a signal. */
static int sq_put_signal(struct store *s, const struct store_signal *sig, long long *id,
    char **cause)
{
	sqlite3_stmt *st = sq_prepare(s, "INSERT INTO signals (time_us, strategy, symbol, kind,"
	    " strength, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", cause);

	if (st == NULL)
		return -1;
	sq_bind_time(st, 1, sig->time);
	sqlite3_bind_text(st, 2, sig->strategy, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, sig->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, sig->kind, -1, SQLITE_STATIC);
	sq_bind_opt(st, 5, sig->strength);
	if (sig->payload != NULL)
		sqlite3_bind_text(st, 6, sig->payload, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	if (sq_step_done(s, st, "storing a signal", cause) != 0)
		return -1;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(DB(s));
	return 0;
}

/* Appends an audit entry after the last one inside the caller's open
 * transaction (BEGIN IMMEDIATE holds the write lock, so seq and
 * prev_hash cannot race). */
static int sq_audit_insert(struct store *s, struct store_audit *a, char **cause)
{
	sqlite3_stmt *st = NULL;

	st = sq_prepare(s, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", cause);
	if (st == NULL)
		return -1;
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		a->seq = sqlite3_column_int64(st, 0) + 1;
		sq_col_text(st, 1, a->prev_hash, sizeof a->prev_hash);
		break;
	case SQLITE_DONE:
		a->seq = 1;
		memset(a->prev_hash, '0', 64);
		a->prev_hash[64] = '\0';
		break;
	default:
		sq_fail(s, cause, "reading the audit log");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	store_audit_hash(a, a->hash);
	st = sq_prepare(s, "INSERT INTO audit_log (seq, time_us, kind, payload, prev_hash, hash)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", cause);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, a->seq);
	sq_bind_time(st, 2, a->time);
	sqlite3_bind_text(st, 3, a->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->payload, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->prev_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, a->hash, -1, SQLITE_STATIC);
	return sq_step_done(s, st, "appending to the audit log", cause);
}

/* Appends an audit entry in its own transaction. */
static int sq_audit_append(struct store *s, struct store_audit *a, char **cause)
{
	if (sq_exec(s, "BEGIN IMMEDIATE", cause) != 0)
		return -1;
	if (sq_audit_insert(s, a, cause) != 0 || sq_exec(s, "COMMIT", cause) != 0) {
		sq_rollback(s);
		return -1;
	}
	return 0;
}

/* Reads the latest quote of a symbol. */
static int sq_latest_quote(struct store *s, const char *symbol, struct quote *out,
    char **cause)
{
	sqlite3_stmt *st = sq_prepare(s, "SELECT time_us, bid, ask, last, bid_size, ask_size,"
	    " volume, recv_time_us FROM quotes WHERE symbol = ?1 ORDER BY time_us DESC LIMIT 1",
	    cause);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, symbol, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof *out);
		snprintf(out->symbol, sizeof out->symbol, "%s", symbol);
		out->exch_time = sq_col_time(st, 0);
		out->bid = sq_col_double(st, 1);
		out->ask = sq_col_double(st, 2);
		out->last = sq_col_double(st, 3);
		out->bid_size = sq_col_double(st, 4);
		out->ask_size = sq_col_double(st, 5);
		out->volume = sq_col_double(st, 6);
		out->recv_time = sq_col_time(st, 7);
		sqlite3_finalize(st);
		return 1;
	}
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		return 0;
	}
	sq_fail(s, cause, "reading quotes");
	sqlite3_finalize(st);
	return -1;
}

/* Reads bars in a range. */
static int sq_get_bars(struct store *s, const char *symbol, int64_t from_us, int64_t to_us,
    struct bar **out, size_t *n, char **cause)
{
	sqlite3_stmt *st = sq_prepare(s, "SELECT time_us, open, high, low, close, volume"
	    " FROM market_prices WHERE symbol = ?1 AND time_us BETWEEN ?2 AND ?3"
	    " ORDER BY time_us", cause);
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, symbol, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from_us);
	sqlite3_bind_int64(st, 3, to_us);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct bar *b;

		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		b = &(*out)[(*n)++];
		memset(b, 0, sizeof *b);
		snprintf(b->symbol, sizeof b->symbol, "%s", symbol);
		b->time = sq_col_time(st, 0);
		b->open = sq_col_double(st, 1);
		b->high = sq_col_double(st, 2);
		b->low = sq_col_double(st, 3);
		b->close = sq_col_double(st, 4);
		b->volume = sq_col_double(st, 5);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return sq_fail(s, cause, "reading bars");
	}
	return 0;
}

/* Reads the chain at the latest time of an underlying, and its spot. */
static int sq_latest_chain(struct store *s, const char *underlying, struct option_chain *c,
    char **cause)
{
	sqlite3_stmt *st = sq_prepare(s, "SELECT time_us, symbol, expiry, strike, put_call,"
	    " multiplier, bid, ask, last, bid_size, ask_size, volume, implied_vol, delta, gamma,"
	    " vega, theta, open_interest, recv_time_us FROM option_quotes"
	    " WHERE underlying = ?1 AND time_us = (SELECT max(time_us) FROM option_quotes"
	    " WHERE underlying = ?1) ORDER BY expiry, strike, put_call, symbol", cause);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, underlying, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct option_quote *oq;
		const unsigned char *pc;

		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 64;
			c->opts = xrealloc(c->opts, c->cap * sizeof *c->opts);
		}
		oq = &c->opts[c->n++];
		memset(oq, 0, sizeof *oq);
		c->time = sq_col_time(st, 0);
		oq->opt.kind = INSTR_OPTION;
		sq_col_text(st, 1, oq->opt.symbol, sizeof oq->opt.symbol);
		snprintf(oq->opt.underlying, sizeof oq->opt.underlying, "%s", underlying);
		oq->opt.expiry = sqlite3_column_int(st, 2);
		oq->opt.strike = sq_col_double(st, 3);
		pc = sqlite3_column_text(st, 4);
		oq->opt.right = pc != NULL && pc[0] == 'P' ? OPT_RIGHT_PUT : OPT_RIGHT_CALL;
		oq->opt.multiplier = sq_col_double(st, 5);
		oq->opt.hedge_ratio = NAN;
		snprintf(oq->q.symbol, sizeof oq->q.symbol, "%s", oq->opt.symbol);
		oq->q.exch_time = c->time;
		oq->q.bid = sq_col_double(st, 6);
		oq->q.ask = sq_col_double(st, 7);
		oq->q.last = sq_col_double(st, 8);
		oq->q.bid_size = sq_col_double(st, 9);
		oq->q.ask_size = sq_col_double(st, 10);
		oq->q.volume = sq_col_double(st, 11);
		oq->implied_vol = sq_col_double(st, 12);
		oq->delta = sq_col_double(st, 13);
		oq->gamma = sq_col_double(st, 14);
		oq->vega = sq_col_double(st, 15);
		oq->theta = sq_col_double(st, 16);
		oq->open_interest = sq_col_double(st, 17);
		oq->q.recv_time = sq_col_time(st, 18);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(c->opts);
		c->opts = NULL;
		c->n = c->cap = 0;
		return sq_fail(s, cause, "reading option quotes");
	}
	if (c->n == 0)
		return 0;
	st = sq_prepare(s, "SELECT bid, ask, last FROM quotes WHERE symbol = ?1 AND time_us <= ?2"
	    " ORDER BY time_us DESC LIMIT 1", cause);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, underlying, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, store_time_us(c->time));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		double bid = sq_col_double(st, 0), ask = sq_col_double(st, 1);

		c->spot = !isnan(bid) && !isnan(ask) ? (bid + ask) / 2 : sq_col_double(st, 2);
	} else if (rc != SQLITE_DONE) {
		sqlite3_finalize(st);
		return sq_fail(s, cause, "reading the underlying's quote");
	}
	sqlite3_finalize(st);
	return 1;
}

/* Reads calibration history, newest first. */
static int sq_params_history(struct store *s, const char *model, const char *underlying,
    size_t limit, struct store_params **out, size_t *n, char **cause)
{
	sqlite3_stmt *st = sq_prepare(s, "SELECT id, time_us, model, underlying, maturity, params,"
	    " fit_quality, fingerprint FROM model_params WHERE model = ?1"
	    " AND (?2 IS NULL OR underlying = ?2) ORDER BY time_us DESC, id DESC LIMIT ?3", cause);
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, model, -1, SQLITE_STATIC);
	if (underlying != NULL)
		sqlite3_bind_text(st, 2, underlying, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, limit > 0 ? (sqlite3_int64)limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_params *p;

		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		p = &(*out)[(*n)++];
		memset(p, 0, sizeof *p);
		p->id = sqlite3_column_int64(st, 0);
		p->time = sq_col_time(st, 1);
		sq_col_text(st, 2, p->model, sizeof p->model);
		sq_col_text(st, 3, p->underlying, sizeof p->underlying);
		p->maturity = sqlite3_column_int(st, 4);
		p->params = sq_col_strdup(st, 5);
		p->fit = sq_col_strdup(st, 6);
		sq_col_text(st, 7, p->fingerprint, sizeof p->fingerprint);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_params_free(*out, *n);
		*out = NULL;
		*n = 0;
		return sq_fail(s, cause, "reading model parameters");
	}
	return 0;
}

/* Reads signals, newest first. */
static int sq_get_signals(struct store *s, const char *strategy, size_t limit,
    struct store_signal **out, size_t *n, char **cause)
{
	sqlite3_stmt *st = sq_prepare(s, "SELECT id, time_us, strategy, symbol, kind, strength,"
	    " payload FROM signals WHERE (?1 IS NULL OR strategy = ?1)"
	    " ORDER BY time_us DESC, id DESC LIMIT ?2", cause);
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return -1;
	if (strategy != NULL)
		sqlite3_bind_text(st, 1, strategy, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit > 0 ? (sqlite3_int64)limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_signal *g;

		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		g = &(*out)[(*n)++];
		memset(g, 0, sizeof *g);
		g->id = sqlite3_column_int64(st, 0);
		g->time = sq_col_time(st, 1);
		sq_col_text(st, 2, g->strategy, sizeof g->strategy);
		sq_col_text(st, 3, g->symbol, sizeof g->symbol);
		sq_col_text(st, 4, g->kind, sizeof g->kind);
		g->strength = sq_col_double(st, 5);
		g->payload = sq_col_strdup(st, 6);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_signals_free(*out, *n);
		*out = NULL;
		*n = 0;
		return sq_fail(s, cause, "reading signals");
	}
	return 0;
}

/* Reads audit entries from a sequence number on. */
static int sq_audit_read(struct store *s, long long from, size_t limit,
    struct store_audit **out, size_t *n, char **cause)
{
	sqlite3_stmt *st = sq_prepare(s, "SELECT seq, time_us, kind, payload, prev_hash, hash"
	    " FROM audit_log WHERE seq >= ?1 ORDER BY seq LIMIT ?2", cause);
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, limit > 0 ? (sqlite3_int64)limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_audit *a;

		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		a = &(*out)[(*n)++];
		memset(a, 0, sizeof *a);
		a->seq = sqlite3_column_int64(st, 0);
		a->time = sq_col_time(st, 1);
		sq_col_text(st, 2, a->kind, sizeof a->kind);
		a->payload = sq_col_strdup(st, 3);
		if (a->payload == NULL)
			a->payload = xstrdup("");
		sq_col_text(st, 4, a->prev_hash, sizeof a->prev_hash);
		sq_col_text(st, 5, a->hash, sizeof a->hash);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_audit_free(*out, *n);
		*out = NULL;
		*n = 0;
		return sq_fail(s, cause, "reading the audit log");
	}
	return 0;
}

/* Counts rows of a table named by store.c's list. */
static long long sq_count(struct store *s, const char *table, char **cause)
{
	char *sql = xasprintf("SELECT count(*) FROM %s", table);
	sqlite3_stmt *st = sq_prepare(s, sql, cause);
	long long n = -1;

	free(sql);
	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		sq_fail(s, cause, "counting rows");
	sqlite3_finalize(st);
	return n;
}

/* --- calibrations (issue 6) ------------------------------------------------------ */

#define SQ_CALIB_COLS "id, data_time_us, wall_time_us, model, symbol, status, kept_previous," \
	" params, fit, prev, input, fingerprint, alert, elapsed_ms"

/* Stores a calibration and returns its id. */
static int sq_put_calibration(struct store *s, const struct store_calibration *c,
    long long *id, char **cause)
{
	sqlite3_stmt *st = sq_prepare(s, "INSERT INTO calibrations (data_time_us, wall_time_us,"
	    " model, symbol, status, kept_previous, params, fit, prev, input, fingerprint, alert,"
	    " elapsed_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)", cause);

	if (st == NULL)
		return -1;
	sq_bind_time(st, 1, c->data_time);
	sq_bind_time(st, 2, c->wall_time);
	sqlite3_bind_text(st, 3, c->model, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->status, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, c->kept_previous);
	sqlite3_bind_text(st, 7, c->params, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, c->fit, -1, SQLITE_STATIC);
	if (c->prev != NULL)
		sqlite3_bind_text(st, 9, c->prev, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 9);
	sqlite3_bind_text(st, 10, c->input, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, c->fingerprint, -1, SQLITE_STATIC);
	if (c->alert[0] != '\0')
		sqlite3_bind_text(st, 12, c->alert, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 12);
	sq_bind_opt(st, 13, c->elapsed_ms);
	if (sq_step_done(s, st, "storing a calibration", cause) != 0)
		return -1;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(DB(s));
	return 0;
}

/* Reads the current row of a calibrations query. */
static void sq_col_calibration(sqlite3_stmt *st, struct store_calibration *c)
{
	memset(c, 0, sizeof *c);
	c->id = sqlite3_column_int64(st, 0);
	c->data_time = sq_col_time(st, 1);
	c->wall_time = sq_col_time(st, 2);
	sq_col_text(st, 3, c->model, sizeof c->model);
	sq_col_text(st, 4, c->symbol, sizeof c->symbol);
	sq_col_text(st, 5, c->status, sizeof c->status);
	c->kept_previous = sqlite3_column_int(st, 6) != 0;
	c->params = sq_col_strdup(st, 7);
	c->fit = sq_col_strdup(st, 8);
	c->prev = sq_col_strdup(st, 9);
	c->input = sq_col_strdup(st, 10);
	sq_col_text(st, 11, c->fingerprint, sizeof c->fingerprint);
	sq_col_text(st, 12, c->alert, sizeof c->alert);
	c->elapsed_ms = sq_col_double(st, 13);
}

/* Reads one calibration by id. */
static int sq_get_calibration(struct store *s, long long id, struct store_calibration *out,
    char **cause)
{
	sqlite3_stmt *st = sq_prepare(s, "SELECT " SQ_CALIB_COLS " FROM calibrations"
	    " WHERE id = ?1", cause);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		sq_col_calibration(st, out);
		sqlite3_finalize(st);
		return 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sq_fail(s, cause, "reading a calibration");
	return 0;
}

/* Reads calibrations, newest first. */
static int sq_list_calibrations(struct store *s, const char *symbol, size_t limit,
    struct store_calibration **out, size_t *n, char **cause)
{
	sqlite3_stmt *st = sq_prepare(s, "SELECT " SQ_CALIB_COLS " FROM calibrations"
	    " WHERE (?1 IS NULL OR symbol = ?1) ORDER BY wall_time_us DESC, id DESC LIMIT ?2",
	    cause);
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return -1;
	if (symbol != NULL)
		sqlite3_bind_text(st, 1, symbol, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit > 0 ? (sqlite3_int64)limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		sq_col_calibration(st, &(*out)[(*n)++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_calibrations_free(*out, *n);
		*out = NULL;
		*n = 0;
		return sq_fail(s, cause, "reading calibrations");
	}
	return 0;
}

/* --- orders, fills, positions, meta (issue 7) ---------------------------------- */

/* Appends an audit entry of kind for an order or fill write, inside the
 * caller's transaction. */
static int sq_audit_event(struct store *s, double time, const char *kind, char *payload,
    char **cause)
{
	struct store_audit a;

	memset(&a, 0, sizeof a);
	a.time = store_time_from_us(store_time_us(time));
	snprintf(a.kind, sizeof a.kind, "%s", kind);
	a.payload = payload;
	return sq_audit_insert(s, &a, cause);
}

/* Reads the stored order of a client id: 1 found (*id, *o), 0 none, -1. */
static int sq_read_order(struct store *s, const char *client_id, long long *id,
    struct order *o, char **cause)
{
	sqlite3_stmt *st = sq_prepare(s, "SELECT id, payload FROM orders WHERE client_id = ?1",
	    cause);
	char msg[200];
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, client_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		sq_fail(s, cause, "reading an order");
		sqlite3_finalize(st);
		return -1;
	}
	*id = sqlite3_column_int64(st, 0);
	if (store_order_from_json((const char *)sqlite3_column_text(st, 1), o, msg,
	    sizeof msg) != 0) {
		store_fail(s, cause, "order %s (row %lld): the stored %s", client_id, *id, msg);
		sqlite3_finalize(st);
		return -1;
	}
	o->id = *id;
	sqlite3_finalize(st);
	return 1;
}

/* Inserts an order (id 0) or updates row id, with its audit entry. */
static int sq_write_order(struct store *s, const struct order *o, long long *id,
    char **cause)
{
	char *json = store_order_json(o);
	sqlite3_stmt *st;
	int rc;

	if (*id == 0) {
		st = sq_prepare(s, "INSERT INTO orders (client_id, created_us, updated_us, strategy,"
		    " symbol, side, quantity, order_type, limit_price, status, broker_id, payload)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", cause);
		if (st == NULL)
			goto fail;
		sqlite3_bind_text(st, 1, o->client_id, -1, SQLITE_STATIC);
		sq_bind_time(st, 2, o->created);
		sq_bind_time(st, 3, o->updated);
		sqlite3_bind_text(st, 4, o->strategy, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, o->symbol, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, o->side > 0 ? "buy" : "sell", -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 7, o->qty);
		sqlite3_bind_text(st, 8, o->type == ORDER_MARKET ? "market" : "limit", -1,
		    SQLITE_STATIC);
		sq_bind_opt(st, 9, o->limit);
		sqlite3_bind_text(st, 10, store_order_status(o->state), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 11, o->broker_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 12, json, -1, SQLITE_STATIC);
	} else {
		st = sq_prepare(s, "UPDATE orders SET updated_us = ?1, status = ?2, broker_id = ?3,"
		    " payload = ?4 WHERE id = ?5", cause);
		if (st == NULL)
			goto fail;
		sq_bind_time(st, 1, o->updated);
		sqlite3_bind_text(st, 2, store_order_status(o->state), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, o->broker_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, json, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, *id);
	}
	rc = sq_step_done(s, st, "storing an order", cause);
	if (rc != 0)
		goto fail;
	if (*id == 0)
		*id = sqlite3_last_insert_rowid(DB(s));
	rc = sq_audit_event(s, o->updated, "order", json, cause);
	free(json);
	return rc;
fail:
	free(json);
	return -1;
}

/* Stores an order: insert, or update of the stored one. */
static int sq_put_order(struct store *s, const struct order *o, long long *id, char **cause)
{
	struct order old;
	long long oid = 0;
	int found;

	if (sq_exec(s, "BEGIN IMMEDIATE", cause) != 0)
		return -1;
	if ((found = sq_read_order(s, o->client_id, &oid, &old, cause)) < 0)
		goto fail;
	if (found && store_order_check_update(s, &old, o, cause) != 0)
		goto fail;
	if (sq_write_order(s, o, &oid, cause) != 0 || sq_exec(s, "COMMIT", cause) != 0)
		goto fail;
	if (id != NULL)
		*id = oid;
	return 0;
fail:
	sq_rollback(s);
	return -1;
}

/* Stores several orders in one transaction: all of them or none. */
static int sq_put_orders(struct store *s, const struct order *o, size_t n, long long *ids,
    char **cause)
{
	struct order old;
	long long oid;
	size_t i;
	int found;

	if (sq_exec(s, "BEGIN IMMEDIATE", cause) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		oid = 0;
		if ((found = sq_read_order(s, o[i].client_id, &oid, &old, cause)) < 0)
			goto fail;
		if (found && store_order_check_update(s, &old, &o[i], cause) != 0)
			goto fail;
		if (sq_write_order(s, &o[i], &oid, cause) != 0)
			goto fail;
		if (ids != NULL)
			ids[i] = oid;
	}
	if (sq_exec(s, "COMMIT", cause) != 0)
		goto fail;
	return 0;
fail:
	sq_rollback(s);
	return -1;
}

/* Reads the position of (strategy, symbol): 1 found, 0 none, -1. */
static int sq_read_position(struct store *s, const char *strategy, const char *symbol,
    struct store_position *p, char **cause)
{
	sqlite3_stmt *st = sq_prepare(s, "SELECT strategy, symbol, quantity, avg_price,"
	    " realized_pnl, opened_us, updated_us, payload FROM positions"
	    " WHERE strategy = ?1 AND symbol = ?2", cause);
	char msg[200];
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, strategy, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, symbol, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(p, 0, sizeof *p);
		sq_col_text(st, 0, p->strategy, sizeof p->strategy);
		sq_col_text(st, 1, p->symbol, sizeof p->symbol);
		p->qty = sqlite3_column_double(st, 2);
		p->avg_price = sqlite3_column_double(st, 3);
		p->realized_pnl = sqlite3_column_double(st, 4);
		p->opened = sq_col_time(st, 5);
		p->updated = sq_col_time(st, 6);
		if (store_position_from_json((const char *)sqlite3_column_text(st, 7), p, msg,
		    sizeof msg) != 0) {
			store_fail(s, cause, "position %s %s: the stored %s", strategy, symbol, msg);
			rc = -1;
		} else
			rc = 1;
	} else if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = sq_fail(s, cause, "reading a position");
	sqlite3_finalize(st);
	return rc;
}

/* Stores a fill with the order after it and the position it changes. */
static int sq_put_fill(struct store *s, const struct fill *f, const struct order *o_after,
    long long *id, char **cause)
{
	struct store_position pos;
	struct order old;
	sqlite3_stmt *st;
	char *json = NULL, *pjson = NULL;
	long long oid = 0;
	int found, rc;

	if (sq_exec(s, "BEGIN IMMEDIATE", cause) != 0)
		return -1;
	if ((found = sq_read_order(s, f->client_id, &oid, &old, cause)) < 0)
		goto fail;
	if (found == 0) {
		store_fail(s, cause, "fill %s: order %s is not stored (an order is stored before "
		    "it is sent); nothing stored", f->fill_id, f->client_id);
		goto fail;
	}
	if ((st = sq_prepare(s, "SELECT count(*) FROM fills WHERE broker_fill_id = ?1",
	    cause)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, f->fill_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	found = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (found < 0) {
		sq_fail(s, cause, "looking up a fill");
		goto fail;
	}
	if (found > 0) {
		sq_rollback(s);
		store_fail(s, cause, "fill %s of order %s is stored already: a duplicate, refused "
		    "(nothing stored)", f->fill_id, f->client_id);
		return 1;
	}
	if (store_fill_check_order(s, &old, f, o_after, cause) != 0)
		goto fail;
	json = store_fill_json(f, NULL);
	if ((st = sq_prepare(s, "INSERT INTO fills (order_id, time_us, quantity, price, fee,"
	    " broker_fill_id, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", cause)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, oid);
	sq_bind_time(st, 2, f->time);
	sqlite3_bind_double(st, 3, f->qty);
	sqlite3_bind_double(st, 4, f->price);
	sqlite3_bind_double(st, 5, f->fee);
	sqlite3_bind_text(st, 6, f->fill_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, json, -1, SQLITE_STATIC);
	if (sq_step_done(s, st, "storing a fill", cause) != 0)
		goto fail;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(DB(s));
	if (sq_write_order(s, o_after, &oid, cause) != 0)
		goto fail;
	if ((found = sq_read_position(s, f->strategy, f->symbol, &pos, cause)) < 0)
		goto fail;
	store_position_apply(&pos, found, f);
	pjson = store_position_json(&pos);
	if ((st = sq_prepare(s, "INSERT INTO positions (strategy, symbol, quantity, avg_price,"
	    " realized_pnl, opened_us, updated_us, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
	    " ON CONFLICT (strategy, symbol) DO UPDATE SET quantity = excluded.quantity,"
	    " avg_price = excluded.avg_price, realized_pnl = excluded.realized_pnl,"
	    " opened_us = excluded.opened_us, updated_us = excluded.updated_us,"
	    " payload = excluded.payload", cause)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, pos.strategy, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pos.symbol, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 3, pos.qty);
	sqlite3_bind_double(st, 4, pos.avg_price);
	sqlite3_bind_double(st, 5, pos.realized_pnl);
	sq_bind_time(st, 6, pos.opened);
	sq_bind_time(st, 7, pos.updated);
	sqlite3_bind_text(st, 8, pjson, -1, SQLITE_STATIC);
	if (sq_step_done(s, st, "storing a position", cause) != 0)
		goto fail;
	free(json);
	json = store_fill_json(f, o_after);
	if (sq_audit_event(s, f->time, "fill", json, cause) != 0 ||
	    sq_exec(s, "COMMIT", cause) != 0)
		goto fail;
	free(json);
	free(pjson);
	return 0;
fail:
	free(json);
	free(pjson);
	sq_rollback(s);
	return -1;
}

/* Reads orders, newest first. */
static int sq_get_orders(struct store *s, int open_only, size_t limit, struct order **out,
    size_t *n, char **cause)
{
	sqlite3_stmt *st = sq_prepare(s, "SELECT id, payload FROM orders WHERE ?1 = 0 OR status"
	    " NOT IN ('filled', 'cancelled', 'rejected', 'expired') ORDER BY id DESC LIMIT ?2",
	    cause);
	size_t cap = 0;
	char msg[200];
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, open_only != 0);
	sqlite3_bind_int64(st, 2, limit > 0 ? (sqlite3_int64)limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct order *o;

		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		o = &(*out)[*n];
		if (store_order_from_json((const char *)sqlite3_column_text(st, 1), o, msg,
		    sizeof msg) != 0) {
			store_fail(s, cause, "order row %lld: the stored %s",
			    (long long)sqlite3_column_int64(st, 0), msg);
			goto fail;
		}
		o->id = sqlite3_column_int64(st, 0);
		(*n)++;
	}
	if (rc != SQLITE_DONE) {
		sq_fail(s, cause, "reading orders");
		goto fail;
	}
	sqlite3_finalize(st);
	return 0;
fail:
	sqlite3_finalize(st);
	free(*out);
	*out = NULL;
	*n = 0;
	return -1;
}

/* Reads one order by client id. */
static int sq_get_order(struct store *s, const char *client_id, struct order *out,
    char **cause)
{
	long long id;

	return sq_read_order(s, client_id, &id, out, cause);
}

/* Reads fills, newest first. */
static int sq_get_fills(struct store *s, const char *client_id, size_t limit,
    struct fill **out, size_t *n, char **cause)
{
	sqlite3_stmt *st = sq_prepare(s, "SELECT f.id, f.payload FROM fills f"
	    " JOIN orders o ON o.id = f.order_id WHERE (?1 IS NULL OR o.client_id = ?1)"
	    " ORDER BY f.id DESC LIMIT ?2", cause);
	size_t cap = 0;
	char msg[200];
	int rc;

	if (st == NULL)
		return -1;
	if (client_id != NULL)
		sqlite3_bind_text(st, 1, client_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit > 0 ? (sqlite3_int64)limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct fill *f;

		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		f = &(*out)[*n];
		if (store_fill_from_json((const char *)sqlite3_column_text(st, 1), f, msg,
		    sizeof msg) != 0) {
			store_fail(s, cause, "fill row %lld: the stored %s",
			    (long long)sqlite3_column_int64(st, 0), msg);
			goto fail;
		}
		f->id = sqlite3_column_int64(st, 0);
		(*n)++;
	}
	if (rc != SQLITE_DONE) {
		sq_fail(s, cause, "reading fills");
		goto fail;
	}
	sqlite3_finalize(st);
	return 0;
fail:
	sqlite3_finalize(st);
	free(*out);
	*out = NULL;
	*n = 0;
	return -1;
}

/* Reads every position. */
static int sq_get_positions(struct store *s, struct store_position **out, size_t *n,
    char **cause)
{
	sqlite3_stmt *st = sq_prepare(s, "SELECT strategy, symbol, quantity, avg_price,"
	    " realized_pnl, opened_us, updated_us, payload FROM positions"
	    " ORDER BY strategy, symbol", cause);
	size_t cap = 0;
	char msg[200];
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_position *p;

		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		p = &(*out)[*n];
		memset(p, 0, sizeof *p);
		sq_col_text(st, 0, p->strategy, sizeof p->strategy);
		sq_col_text(st, 1, p->symbol, sizeof p->symbol);
		p->qty = sqlite3_column_double(st, 2);
		p->avg_price = sqlite3_column_double(st, 3);
		p->realized_pnl = sqlite3_column_double(st, 4);
		p->opened = sq_col_time(st, 5);
		p->updated = sq_col_time(st, 6);
		if (store_position_from_json((const char *)sqlite3_column_text(st, 7), p, msg,
		    sizeof msg) != 0) {
			store_fail(s, cause, "position %s %s: the stored %s", p->strategy, p->symbol,
			    msg);
			goto fail;
		}
		(*n)++;
	}
	if (rc != SQLITE_DONE) {
		sq_fail(s, cause, "reading positions");
		goto fail;
	}
	sqlite3_finalize(st);
	return 0;
fail:
	sqlite3_finalize(st);
	free(*out);
	*out = NULL;
	*n = 0;
	return -1;
}

/* Reads a meta value. */
static int sq_meta_get(struct store *s, const char *key, char **value, char **cause)
{
	sqlite3_stmt *st = sq_prepare(s, "SELECT value FROM store_meta WHERE key = ?1", cause);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*value = sq_col_strdup(st, 0);
		rc = 1;
	} else if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = sq_fail(s, cause, "reading store_meta");
	sqlite3_finalize(st);
	return rc;
}

/* Writes a meta value. */
static int sq_meta_set(struct store *s, const char *key, const char *value, char **cause)
{
	sqlite3_stmt *st = sq_prepare(s, "INSERT INTO store_meta (key, value) VALUES (?1, ?2)"
	    " ON CONFLICT (key) DO UPDATE SET value = excluded.value", cause);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return sq_step_done(s, st, "writing store_meta", cause);
}

static const struct store_ops sq_ops = {
	.name = "sqlite",
	.close = sq_close,
	.version = sq_version,
	.migrate = sq_migrate,
	.put_bars = sq_put_bars,
	.put_quotes = sq_put_quotes,
	.put_option_quotes = sq_put_option_quotes,
	.put_params = sq_put_params,
	.put_signal = sq_put_signal,
	.audit_append = sq_audit_append,
	.latest_quote = sq_latest_quote,
	.get_bars = sq_get_bars,
	.latest_chain = sq_latest_chain,
	.params_history = sq_params_history,
	.get_signals = sq_get_signals,
	.audit_read = sq_audit_read,
	.count = sq_count,
	.put_calibration = sq_put_calibration,
	.get_calibration = sq_get_calibration,
	.list_calibrations = sq_list_calibrations,
	.put_order = sq_put_order,
	.put_orders = sq_put_orders,
	.put_fill = sq_put_fill,
	.get_orders = sq_get_orders,
	.get_order = sq_get_order,
	.get_fills = sq_get_fills,
	.get_positions = sq_get_positions,
	.meta_get = sq_meta_get,
	.meta_set = sq_meta_set,
};

/* Runs a statement of the opening sequence, reading its first value into
 * out (when not NULL). */
static int sq_pragma(struct store *s, const char *sql, char *out, size_t len, char **cause)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(DB(s), sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return sq_fail(s, cause, "cannot open");
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sq_fail(s, cause, "cannot open");
		sqlite3_finalize(st);
		return -1;
	}
	if (out != NULL) {
		if (rc == SQLITE_ROW)
			sq_col_text(st, 0, out, len);
		else
			*out = '\0';
	}
	sqlite3_finalize(st);
	return 0;
}

/* Opens a SQLite store, creating the file (and, for the default path, its
 * directory) when missing. */
struct store *store_open_sqlite(const char *path, char **cause)
{
	struct store_sqlite *q;
	struct store *s;
	char mode[32], *msg;
	int rc;

	q = xcalloc(1, sizeof *q);
	s = &q->base;
	s->ops = &sq_ops;
	if (path == NULL || *path == '\0') {
		if ((s->location = paths_file(PATHS_DATA, "qdesk.db", 1, cause)) == NULL) {
			msg = *cause;
			*cause = xasprintf("sqlite store: %s", msg);
			free(msg);
			free(q);
			return NULL;
		}
	} else
		s->location = xstrdup(path);
	rc = sqlite3_open_v2(s->location, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		int err = q->db != NULL ? sqlite3_system_errno(q->db) : 0;

		if (q->db != NULL)
			store_fail(s, cause, "cannot open: %s%s%s", sqlite3_errmsg(q->db),
			    err != 0 ? ": " : "", err != 0 ? strerror(err) : "");
		else
			store_fail(s, cause, "cannot open: out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(q->db, 1);
	sqlite3_busy_timeout(q->db, SQLITE_BUSY_MS);
	/* The first read of the file: garbage shows up here. */
	if (sq_pragma(s, "PRAGMA journal_mode = WAL", mode, sizeof mode, cause) != 0)
		goto fail_open;
	if (strcmp(mode, "wal") != 0)
		log_warn("store: sqlite %s: WAL mode unavailable, journal mode is %s", s->location,
		    mode);
	snprintf(s->layout, sizeof s->layout, "%s", mode);
	if (sq_pragma(s, "PRAGMA synchronous = NORMAL", NULL, 0, cause) != 0 ||
	    sq_pragma(s, "PRAGMA foreign_keys = ON", NULL, 0, cause) != 0 ||
	    sq_pragma(s, "SELECT count(*) FROM sqlite_master", NULL, 0, cause) != 0)
		goto fail_open;
	return s;
fail_open:
	msg = *cause;
	*cause = xasprintf("%s (is it a qdesk SQLite store?)", msg);
	free(msg);
fail:
	sqlite3_close(q->db);
	free(s->location);
	free(q);
	return NULL;
}
