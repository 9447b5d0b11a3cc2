/*
 * store.h -- the store: where qdesk keeps market data, model parameters,
 * signals, orders, fills, positions and the audit trail.
 *
 * One interface, two backends behind a table of functions chosen when the
 * store is opened:
 *   - SQLite (the embedded default): one file, by default
 *     $XDG_DATA_HOME/qdesk/qdesk.db, in WAL mode (store-sqlite.c);
 *   - PostgreSQL through libpq (store-pg.c): TimescaleDB hypertables when
 *     that extension can be created, native monthly range partitions
 *     otherwise; batches go through COPY.
 * The schema is a list of numbered migrations (store-schema.c) recorded in
 * the table schema_migrations; `db migrate` applies the pending ones and
 * `db status` shows them.  store.c validates every row the same way for
 * both backends before anything is written, so an error names the row and
 * the field whichever backend is in use.
 *
 * Every function returns 0 on success (readers of one row: 1 found, 0 not
 * found) or -1 and sets *cause to a new string naming the store (path, or
 * host:port/database -- never a password) and what failed.  A batch is one
 * transaction: it is stored whole or not at all.
 *
 * Values: times are epoch seconds (UTC) stored to the microsecond, so a
 * time read back is the double nearest to the stored microsecond (exactly
 * the value written when that had microsecond resolution); prices and
 * other numbers are stored as IEEE doubles and read back bit for bit
 * (but for the sign of a zero, which SQLite may drop); NaN
 * in an optional field (sizes, volume, implied vol, Greeks, open interest)
 * means unknown and is stored as NULL.  Dates are YYYYMMDD integers.
 * Quotes, option quotes and bars are keyed by (symbol or underlying, time,
 * [option symbol]): writing a row again replaces the stored one.
 *
 * A `struct store` is one connection: use it from one thread at a time.
 */
#ifndef QD_STORE_H
#define QD_STORE_H

#include <stddef.h>

#include "market.h"
#include "order.h"

struct conf;
struct store;

#define STORE_MODEL_MAX 32              /* "heston", "sabr", "ou" */
#define STORE_FINGERPRINT_MAX 129       /* up to 128 hex digits and a NUL */
#define STORE_NAME_MAX 64               /* strategies, audit kinds */

/* What `db status` shows. */
struct store_status {
	char backend[16];               /* "sqlite" or "postgresql" */
	char location[512];             /* file path, or host:port/dbname user=U */
	char layout[32];                /* "wal", "timescaledb", "partitioned" */
	int version;                    /* schema version of the database */
	int latest;                     /* latest version this program knows */
	int npending;                   /* migrations not applied yet */
	int pending[32];                /* their versions (first 32) */
};

/* A model calibration result: one row of model_params. */
struct store_params {
	long long id;                   /* assigned by the store (readers) */
	double time;                    /* calibration time, epoch seconds */
	char model[STORE_MODEL_MAX];
	char underlying[MARKET_SYMBOL_MAX];     /* or a pair "GLD/GDX" */
	int maturity;                   /* expiry date YYYYMMDD; 0 = none (OU, Heston) */
	char *params;                   /* JSON object text, stored verbatim */
	char *fit;                      /* JSON fit quality (rmse, r2, ...) */
	char fingerprint[STORE_FINGERPRINT_MAX];        /* hex digest of the inputs */
};

/* A strategy signal. */
struct store_signal {
	long long id;                   /* assigned by the store */
	double time;
	char strategy[STORE_NAME_MAX];
	char symbol[MARKET_SYMBOL_MAX];
	char kind[STORE_NAME_MAX];      /* "entry_long", "entry_short", "exit", ... */
	double strength;                /* finite; NaN = none */
	char *payload;                  /* JSON text or NULL */
};

/* One entry of the append-only audit trail, chained by SHA-256. */
struct store_audit {
	long long seq;                  /* 1, 2, 3, ... */
	double time;
	char kind[STORE_NAME_MAX];      /* "calibration", "order", "config", ... */
	char *payload;                  /* JSON text */
	char prev_hash[65];             /* hash of seq-1 (64 zeros for seq 1) */
	char hash[65];                  /* store_audit_hash() of this entry */
};

/* One calibration with everything needed to replay it (issue 6,
 * calib-store.c): a row of calibrations.  Text fields are JSON but input
 * (the canonical encoding of the inputs, stored verbatim). */
struct store_calibration {
	long long id;                   /* assigned by the store */
	double data_time;               /* market time of the inputs, epoch seconds */
	double wall_time;               /* when it ran, epoch seconds */
	char model[STORE_MODEL_MAX];    /* "heston", "sabr", "ou" */
	char symbol[MARKET_SYMBOL_MAX]; /* underlying or pair "LEG1/LEG2" */
	char status[16];                /* "ok", "poor", "failed" */
	int kept_previous;              /* 1: params are the previous ones */
	char *params;                   /* JSON object: the parameters in force */
	char *fit;                      /* JSON object: the new fit's quality */
	char *prev;                     /* JSON object: warm-start parameters, or NULL */
	char *input;                    /* the encoded inputs (TEXT) */
	char fingerprint[STORE_FINGERPRINT_MAX];        /* hex digest of input */
	char alert[256];                /* "" when none */
	double elapsed_ms;              /* NaN when unknown */
};

/* Opening and closing. */
#define STORE_MIGRATE 0x1       /* apply pending migrations when opening */

/* Opens the store the configuration names ([store] backend, path, dsn;
 * QDESK_STORE_DSN overrides dsn through the configuration), migrating it
 * to the latest version when flags has STORE_MIGRATE. */
struct store *store_open(struct conf *conf, int flags, char **cause);
/* Opens (creating when missing) a SQLite store; path NULL or "" means the
 * default file under $XDG_DATA_HOME/qdesk/. */
struct store *store_open_sqlite(const char *path, char **cause);
/* Connects to PostgreSQL with a libpq connection string. */
struct store *store_open_pg(const char *dsn, char **cause);
void store_close(struct store *s);
/* "sqlite" or "postgresql". */
const char *store_backend(const struct store *s);
/* Where the store is, for messages: the file, or host:port/dbname. */
const char *store_location(const struct store *s);

/* Schema. */
/* Returns the latest schema version this program knows. */
int store_latest_version(void);
/* Returns the name of migration v, or NULL. */
const char *store_migration_name(int v);
/* Applies the pending migrations up to target (-1 = latest), each in its
 * own transaction; *applied (may be NULL) gets the number applied.  A
 * target below the database's version, or a database newer than this
 * program, is an error. */
int store_migrate(struct store *s, int target, int *applied, char **cause);
int store_status(struct store *s, struct store_status *st, char **cause);

/* Batched writers: validate every row, then write all in one transaction
 * (prepared statements on SQLite, COPY on PostgreSQL). */
int store_put_bars(struct store *s, const struct bar *b, size_t n, char **cause);
int store_put_quotes(struct store *s, const struct quote *q, size_t n, char **cause);
int store_put_option_quotes(struct store *s, const struct option_quote *oq, size_t n,
    char **cause);
/* Stores one calibration; p->id is ignored (readers set it). */
int store_put_params(struct store *s, const struct store_params *p, char **cause);
int store_put_signal(struct store *s, const struct store_signal *sig, long long *id,
    char **cause);
/* Stores one calibration; *id (may be NULL) receives its id. */
int store_put_calibration(struct store *s, const struct store_calibration *c, long long *id,
    char **cause);
/* Appends an audit entry: the store assigns seq, prev_hash and hash.
 * out (may be NULL) receives the stored entry (payload not copied). */
int store_audit_append(struct store *s, double time, const char *kind, const char *payload,
    struct store_audit *out, char **cause);

/* Readers.  Arrays are allocated; free them with the matching _free. */
/* The latest quote of a symbol: 1 found, 0 none, -1 error. */
int store_latest_quote(struct store *s, const char *symbol, struct quote *out, char **cause);
/* Bars of a symbol with from <= time <= to, oldest first. */
int store_get_bars(struct store *s, const char *symbol, double from, double to,
    struct bar **out, size_t *n, char **cause);
/* The chain of an underlying at the latest time it was quoted (the options
 * stored with that time), ordered by expiry, strike, right; spot is the mid
 * of the underlying's latest quote at or before that time (NaN when none);
 * rate and dividend are NaN.  chain is initialised here; 1 found, 0 none. */
int store_latest_chain(struct store *s, const char *underlying, struct option_chain *chain,
    char **cause);
/* Calibrations of model on underlying (NULL = any), newest first, at most
 * limit (0 = all). */
int store_params_history(struct store *s, const char *model, const char *underlying,
    size_t limit, struct store_params **out, size_t *n, char **cause);
void store_params_free(struct store_params *p, size_t n);
/* One calibration by id: 1 found, 0 none, -1 error; free its text fields
 * with store_calibration_clear() when found. */
int store_get_calibration(struct store *s, long long id, struct store_calibration *out,
    char **cause);
/* Calibrations of a symbol (NULL = all), newest first (by wall time, then
 * id), at most limit (0 = all). */
int store_list_calibrations(struct store *s, const char *symbol, size_t limit,
    struct store_calibration **out, size_t *n, char **cause);
/* Frees the text fields of n calibrations and the array itself. */
void store_calibrations_free(struct store_calibration *c, size_t n);
/* Frees the text fields of one calibration (and sets them to NULL). */
void store_calibration_clear(struct store_calibration *c);
/* Signals of a strategy (NULL = all), newest first, at most limit. */
int store_get_signals(struct store *s, const char *strategy, size_t limit,
    struct store_signal **out, size_t *n, char **cause);
void store_signals_free(struct store_signal *sig, size_t n);
/* Audit entries with seq >= from, in order, at most limit (0 = all). */
int store_audit_read(struct store *s, long long from, size_t limit, struct store_audit **out,
    size_t *n, char **cause);
void store_audit_free(struct store_audit *a, size_t n);
/* Recomputes the hash chain; 0 when intact, -1 with *bad_seq (the first
 * entry that does not match) and cause otherwise. */
int store_audit_verify(struct store *s, long long *bad_seq, char **cause);
/* The hash of an entry: SHA-256 (hex) of
 * "prev_hash\nseq\ntime_in_microseconds\nkind\npayload". */
void store_audit_hash(const struct store_audit *a, char out[65]);

/* Counts the rows of a table (tests, `db status`); -1 on error. */
long long store_count(struct store *s, const char *table, char **cause);

/*
 * Orders, fills, positions (issue 7).  The OMS is the only writer.  Each
 * call is one transaction that also appends to the audit trail (kinds
 * "order" and "fill"), so a crash leaves either everything or nothing of
 * it.  An order is keyed by its client_id; the whole struct is kept as
 * JSON in the row's payload and reads back bit for bit (but id, which the
 * store assigns).  A stored order never changes its identity (symbol,
 * side, quantity, type, limit, strategy, created), never leaves a final
 * state for another one, and never has less filled than before.
 */
/* A position of a strategy ("" = manual) in a symbol, from its fills. */
struct store_position {
	char strategy[24];
	char symbol[MARKET_SYMBOL_MAX];
	double qty;                     /* signed: > 0 long, < 0 short */
	double avg_price;               /* average entry price of the open quantity (0 when flat) */
	double realized_pnl;            /* gross P&L of the reductions, currency (x multiplier) */
	double fees;                    /* every fee paid in this position, currency */
	double multiplier;              /* of the last fill */
	double opened, updated;         /* opened: when the current open quantity started */
};

/* Inserts an order, or updates the stored one of the same client_id
 * (state, filled, avg_price, broker_id, updated, reason).  *id (may be
 * NULL) receives its row id. */
int store_put_order(struct store *s, const struct order *o, long long *id, char **cause);
/* Stores n orders as store_put_order does each, in ONE transaction: all of
 * them or none (the kill switch marks every working order cancel_pending
 * at once).  ids (may be NULL) receives their row ids.  A bad order
 * anywhere stores nothing; the cause names it. */
int store_put_orders(struct store *s, const struct order *o, size_t n, long long *ids,
    char **cause);
/* Stores a fill, the order after it (o_after: its filled must be the
 * stored filled plus f->qty) and the position of (strategy, symbol) in
 * one transaction.  0 stored; 1 refused because a fill with the same
 * fill_id is stored already (nothing written, cause names it); -1 error. */
int store_put_fill(struct store *s, const struct fill *f, const struct order *o_after,
    long long *id, char **cause);
/* Orders, newest first (by row id), at most limit (0 = all); open_only:
 * those not in a final state. */
int store_get_orders(struct store *s, int open_only, size_t limit, struct order **out,
    size_t *n, char **cause);
/* One order by client_id: 1 found, 0 none, -1 error. */
int store_get_order(struct store *s, const char *client_id, struct order *out, char **cause);
/* Fills of an order (client_id NULL = all), newest first, at most limit
 * (0 = all). */
int store_get_fills(struct store *s, const char *client_id, size_t limit, struct fill **out,
    size_t *n, char **cause);
/* Every position row (flat ones included), by strategy and symbol. */
int store_get_positions(struct store *s, struct store_position **out, size_t *n,
    char **cause);
/* Small persistent state (the kill switch, ...): key and value are
 * non-empty UTF-8 text without control characters (value up to 64 KiB).
 * get: 1 found (*value allocated), 0 none (*value NULL), -1 error. */
int store_meta_get(struct store *s, const char *key, char **value, char **cause);
int store_meta_set(struct store *s, const char *key, const char *value, char **cause);
/* The name stored in the status column of an order state ("partial"...). */
const char *store_order_status(int state);

#endif
