/*
 * feed-http.h -- what the HTTP feeds (feed-alpaca.c, feed-tradier.c) share:
 * reading their configuration, fetching and parsing a JSON response, typed
 * field access whose errors name the provider, the endpoint, the field and
 * its byte offset, and the date and time formats the providers use.
 *
 * Nothing here logs or returns a key: secrets are read from the
 * configuration into the feed and go only into request headers.
 */
#ifndef QD_FEED_HTTP_H
#define QD_FEED_HTTP_H

#include <stddef.h>

#include "http.h"
#include "json.h"

struct conf;

/* The settings every HTTP feed reads from [feed]. */
struct feed_http_conf {
	struct http_opts http;
	char *base;             /* provider URL without a trailing '/' */
	char **symbols;         /* feed.symbols, validated */
	size_t nsymbols;
	char *symbols_csv;      /* the same joined with ',' for query strings */
};

/* Reads feed.symbols, feed.timeout_seconds, feed.retries,
 * feed.allow_insecure and the provider's URL key; 0 or -1 with *cause
 * naming the key. */
int feed_http_conf_read(struct conf *conf, const char *provider, const char *url_key,
    struct feed_http_conf *fc, char **cause);
void feed_http_conf_free(struct feed_http_conf *fc);

/* Reads a secret key into *out (a copy); an empty value is an error
 * naming the key and its environment variable.  The value itself never
 * appears in a message. */
int feed_http_secret(struct conf *conf, const char *provider, const char *key,
    char **out, char **cause);

/* GETs url and parses the body as JSON; NULL with *cause ("PROVIDER: GET
 * ENDPOINT: ...", including the JSON error offset) on any failure.
 * *retry_after (may be NULL) receives the server's Retry-After, if any. */
struct json_doc *feed_http_fetch(struct http_client *c, const char *provider, const char *url,
    const struct http_header *hdrs, size_t nhdrs, double deadline, double *retry_after,
    char **cause);

/* Names the request a field error belongs to. */
struct feed_http_ctx {
	const char *provider;
	char *endpoint;         /* owned */
	char *err;              /* first error, owned */
};

void feed_http_ctx_init(struct feed_http_ctx *x, const char *provider, const char *url);
void feed_http_ctx_free(struct feed_http_ctx *x);
/* Records an error about value v found at path (e.g. "quotes.AAPL.ap"). */
int feed_http_bad(struct feed_http_ctx *x, const struct json *v, const char *path,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define FH_REQUIRED 0x0
#define FH_OPTIONAL 0x1         /* a missing field gives NaN / NULL */
#define FH_NULLABLE 0x2         /* a null field gives NaN / NULL */

/* Reads obj.key as a finite number into *out; -1 after recording an error
 * (path names obj for messages). */
int feed_http_number(struct feed_http_ctx *x, const struct json *obj, const char *path,
    const char *key, int flags, double *out);
/* Reads obj.key as a string into *out (valid while the document lives). */
int feed_http_string(struct feed_http_ctx *x, const struct json *obj, const char *path,
    const char *key, int flags, const char **out);

/* Parses an RFC 3339 time ("2022-08-17T10:07:40.286587431Z", offsets
 * allowed) into epoch seconds; 0 or -1. */
int feed_http_rfc3339(const char *s, double *out);
/* Parses "YYYY-MM-DD" into YYYYMMDD; 0 or -1 (the date must exist). */
int feed_http_date(const char *s, int *yyyymmdd);
/* Days since 1970-01-01 of a proleptic Gregorian date. */
long feed_http_days(int y, int m, int d);

#endif
