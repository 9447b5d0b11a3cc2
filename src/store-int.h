/*
 * store-int.h -- what the store's backends share with store.c: the table
 * of backend functions, the migrations, and helpers for times, dates,
 * messages and number formatting.  Nothing outside store*.c includes it.
 *
 * store.c validates arguments and rows before calling a backend, so the
 * backend functions may assume valid input (finite required numbers,
 * NUL-terminated printable symbols, valid JSON) and only have to store it.
 */
#ifndef QD_STORE_INT_H
#define QD_STORE_INT_H

#include <stdarg.h>
#include <stdint.h>

#include "store.h"
#include "util.h"

struct store_migration;

struct store_ops {
	const char *name;                       /* "sqlite", "postgresql" */
	void (*close)(struct store *s);
	/* Highest version in schema_migrations (0 when there is none). */
	int (*version)(struct store *s, int *version, char **cause);
	/* Applies migration m in one transaction, unless another process
	 * applied it meanwhile (*done = 0 then). */
	int (*migrate)(struct store *s, const struct store_migration *m, int *done,
	    char **cause);
	int (*put_bars)(struct store *s, const struct bar *b, size_t n, char **cause);
	int (*put_quotes)(struct store *s, const struct quote *q, size_t n, char **cause);
	int (*put_option_quotes)(struct store *s, const struct option_quote *oq, size_t n,
	    char **cause);
	int (*put_params)(struct store *s, const struct store_params *p, char **cause);
	int (*put_signal)(struct store *s, const struct store_signal *sig, long long *id,
	    char **cause);
	/* Fills a->seq, prev_hash and hash (with store_audit_hash) and stores a
	 * in one transaction that serialises appenders. */
	int (*audit_append)(struct store *s, struct store_audit *a, char **cause);
	int (*latest_quote)(struct store *s, const char *symbol, struct quote *out,
	    char **cause);
	int (*get_bars)(struct store *s, const char *symbol, int64_t from_us, int64_t to_us,
	    struct bar **out, size_t *n, char **cause);
	int (*latest_chain)(struct store *s, const char *underlying, struct option_chain *c,
	    char **cause);
	int (*params_history)(struct store *s, const char *model, const char *underlying,
	    size_t limit, struct store_params **out, size_t *n, char **cause);
	int (*get_signals)(struct store *s, const char *strategy, size_t limit,
	    struct store_signal **out, size_t *n, char **cause);
	int (*audit_read)(struct store *s, long long from, size_t limit,
	    struct store_audit **out, size_t *n, char **cause);
	long long (*count)(struct store *s, const char *table, char **cause);
	/* calibrations (issue 6) */
	int (*put_calibration)(struct store *s, const struct store_calibration *c,
	    long long *id, char **cause);
	int (*get_calibration)(struct store *s, long long id, struct store_calibration *out,
	    char **cause);
	int (*list_calibrations)(struct store *s, const char *symbol, size_t limit,
	    struct store_calibration **out, size_t *n, char **cause);
	/* orders, fills, positions, meta (issue 7); store.c has validated
	 * the rows, the backends run the checks below inside their
	 * transaction */
	int (*put_order)(struct store *s, const struct order *o, long long *id, char **cause);
	/* n orders in one transaction (all or none); ids[i] (may be NULL) */
	int (*put_orders)(struct store *s, const struct order *o, size_t n, long long *ids,
	    char **cause);
	int (*put_fill)(struct store *s, const struct fill *f, const struct order *o_after,
	    long long *id, char **cause);
	int (*get_orders)(struct store *s, int open_only, size_t limit, struct order **out,
	    size_t *n, char **cause);
	int (*get_order)(struct store *s, const char *client_id, struct order *out,
	    char **cause);
	int (*get_fills)(struct store *s, const char *client_id, size_t limit,
	    struct fill **out, size_t *n, char **cause);
	int (*get_positions)(struct store *s, struct store_position **out, size_t *n,
	    char **cause);
	int (*meta_get)(struct store *s, const char *key, char **value, char **cause);
	int (*meta_set)(struct store *s, const char *key, const char *value, char **cause);
};

/* The part of every backend's handle that store.c reads. */
struct store {
	const struct store_ops *ops;
	char *location;         /* file path, or host:port/dbname (no password) */
	char layout[32];        /* "wal", "timescaledb", "partitioned" */
};

/* A table partitioned by time on PostgreSQL (hypertable or monthly range
 * partitions); its time column is named "time". */
struct store_series {
	const char *table;
	const char *columns;    /* the column list with the PRIMARY KEY, no parentheses */
};

/* One schema version: the statements of each backend, run in order in
 * one transaction.  On PostgreSQL the pg_pre statements run first, then
 * the series tables are created (partitioned or as hypertables), then the
 * pg statements. */
struct store_migration {
	int version;
	const char *name;
	const char *const *sqlite;              /* NULL-terminated */
	const struct store_series *pg_series;   /* { NULL }-terminated, or NULL */
	const char *const *pg;                  /* NULL-terminated */
	/* Run before the series tables are created (renaming a table that
	 * one of them replaces); NULL-terminated, or NULL. */
	const char *const *pg_pre;
};

extern const struct store_migration store_migrations[];
extern const int store_nmigrations;
/* Tables whose rows store_count() may count (NULL-terminated). */
extern const char *const store_tables[];

/* Sets *cause to "BACKEND LOCATION: MESSAGE" and returns -1. */
int store_fail(struct store *s, char **cause, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Epoch seconds to integer microseconds (rounded) and back. */
int64_t store_time_us(double t);
double store_time_from_us(int64_t us);
/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t store_days_from_civil(int y, int m, int d);
void store_civil_from_days(int64_t z, int *y, int *m, int *d);
/* Writes "YYYY-MM-DD HH:MM:SS.ffffff+00" for a microsecond time; returns
 * the length (at most 32 bytes are written, a NUL included). */
int store_format_timestamp(int64_t us, char *out);
/* Appends v so that it reads back to the same double (fast for prices
 * with few decimals). */
void store_add_double(struct buf *b, double v);
/* Checks a NUL-terminated JSON text (RFC 8259); 0 or -1 with a message of
 * at most len bytes in msg. */
int store_json_check(const char *text, char *msg, size_t len);

/* --- orders and fills (issue 7), shared by both backends --- */

/* The order as the JSON object kept in orders.payload and the audit
 * trail (every field, doubles exact, NaN as null); allocated. */
char *store_order_json(const struct order *o);
/* Reads an order back from its JSON (id set to 0); 0, or -1 with a
 * message in msg. */
int store_order_from_json(const char *text, struct order *o, char *msg, size_t len);
/* The fill as JSON (fills.payload); with the order's state after it when
 * o_after is not NULL (the audit entry); allocated. */
char *store_fill_json(const struct fill *f, const struct order *o_after);
int store_fill_from_json(const char *text, struct fill *f, char *msg, size_t len);
/* Checks that an update of the stored order old by o keeps its identity
 * and moves forward; 0 or -1 with cause. */
int store_order_check_update(struct store *s, const struct order *old, const struct order *o,
    char **cause);
/* Checks that o_after is the stored order old plus fill f; 0 or -1. */
int store_fill_check_order(struct store *s, const struct order *old, const struct fill *f,
    const struct order *o_after, char **cause);
/* Applies fill f to position p (found: p holds the stored row; else p is
 * set up for the fill's strategy and symbol). */
void store_position_apply(struct store_position *p, int found, const struct fill *f);
/* The extra fields of a position row (fees, multiplier) as the JSON of
 * positions.payload, and back (0 or -1 with msg). */
char *store_position_json(const struct store_position *p);
int store_position_from_json(const char *text, struct store_position *p, char *msg,
    size_t len);
/* Whether a state is final (the store's own copy of order.h's table). */
int store_state_final(int state);

#endif
