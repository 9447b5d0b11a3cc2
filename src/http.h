/*
 * http.h -- the HTTP client every network feed uses (libcurl underneath).
 *
 * DESIGN
 * One `struct http_client` belongs to one feed and is used by one thread
 * at a time (the feed's runner); it keeps a libcurl easy handle so
 * connections are reused between polls.  http_get() performs one logical
 * GET: it retries transient failures (connection errors, timeouts,
 * truncated bodies, HTTP 5xx) with exponential backoff and full jitter,
 * honours HTTP 429 (and 503) Retry-After by waiting when the wait fits
 * before the caller's deadline -- otherwise it returns at once with
 * resp->retry_after set so the runner can come back later -- and never
 * runs past the deadline.  TLS peer and host verification are always on;
 * plain http:// is refused for hosts other than loopback unless the client
 * was created with allow_insecure.  Redirects are not followed (they could
 * carry the key headers to another host).  Bodies larger than max_body are
 * refused.  Header values marked secret are sent but never logged, and if
 * a server echoes one back it is replaced by "(hidden)" in every message
 * this module produces.
 */
#ifndef QD_HTTP_H
#define QD_HTTP_H

#include <stddef.h>

#include "util.h"

struct http_opts {
	const char *provider;   /* names the service in messages: "alpaca" */
	double timeout;         /* seconds per attempt (connect + transfer) */
	int retries;            /* extra attempts after the first, for 5xx and transport errors */
	double backoff_base;    /* first backoff in seconds; doubles per attempt */
	double backoff_max;     /* cap of one backoff, seconds */
	double retry_after_max; /* a Retry-After longer than this is not waited for */
	size_t max_body;        /* bytes */
	int allow_insecure;     /* allow http:// to hosts other than loopback */
	unsigned seed;          /* jitter seed; 0 picks one from the clock */
};

/* Fills opts with the defaults: 10 s timeout, 3 retries, 0.25 s base,
 * 8 s cap, 120 s Retry-After cap, 16 MiB bodies. */
void http_opts_default(struct http_opts *o, const char *provider);

struct http_header {
	const char *name;
	const char *value;
	int secret;             /* never logged; hidden if echoed in an error */
};

struct http_response {
	long status;            /* last HTTP status, 0 when none was received */
	struct buf body;        /* the last response's body */
	double retry_after;     /* seconds the server asked to wait, or 0 */
	int attempts;           /* requests made */
};

struct http_client;

/* Creates a client; never fails (libcurl is initialised once per process). */
struct http_client *http_client_new(const struct http_opts *o);
void http_client_free(struct http_client *c);

void http_response_init(struct http_response *r);
void http_response_free(struct http_response *r);

/* GETs url with the given headers, returning by deadline (monotonic
 * seconds).  0 when a 2xx response was received (body in resp); -1 with
 * *cause otherwise: "PROVIDER: GET ENDPOINT: WHAT" where ENDPOINT is the
 * URL without query or credentials.  resp->status tells HTTP errors from
 * transport errors (0). */
int http_get(struct http_client *c, const char *url, const struct http_header *hdrs,
    size_t nhdrs, double deadline, struct http_response *resp, char **cause);

/* Checks that url is http:// or https:// with a host, and that http:// is
 * used only for loopback unless allow_insecure; 0 or -1 with *cause. */
int http_check_url(const char *url, int allow_insecure, char **cause);
/* Returns the URL without its query, fragment or user:password, for messages. */
char *http_endpoint(const char *url);
/* Appends s to b percent-encoded for a query string (RFC 3986 unreserved
 * characters and ',' pass through). */
void http_add_query_value(struct buf *b, const char *s);
/* Parses a Retry-After value (delta-seconds or an HTTP-date) into seconds
 * from now (>= 0); -1 when it is neither. */
double http_parse_retry_after(const char *value, double now_epoch);

#endif
