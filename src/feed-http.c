/*
 * feed-http.c -- shared pieces of the HTTP feeds: configuration, fetching
 * JSON, typed field access with precise errors, and provider time formats.
 *
 * Alpaca and Tradier differ in paths and shapes but fail the same ways
 * (timeouts, rate limits, garbage, a field of the wrong type); keeping the
 * error wording here makes every provider's messages name the provider,
 * the endpoint (never a key), the field path and the JSON byte offset.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "feed-http.h"
#include "market.h"
#include "util.h"

#define FEED_HTTP_SYMBOLS_MAX 500
#define FEED_HTTP_WAIT_MAX 5.0          /* longest Retry-After waited for inside a poll */

/* Returns 1 when s is a plausible ticker: letters, digits, '.', '/', '-'. */
static int feed_http_symbol_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n >= MARKET_SYMBOL_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '.' && c != '/' && c != '-')
			return 0;
	}
	return 1;
}

/* Reads the shared [feed] keys and the provider's URL. */
int feed_http_conf_read(struct conf *conf, const char *provider, const char *url_key,
    struct feed_http_conf *fc, char **cause)
{
	const char *syms = conf_get_str(conf, "feed.symbols");
	const char *url = conf_get_str(conf, url_key), *p, *q;
	struct buf csv;
	char *why = NULL;
	size_t n;

	memset(fc, 0, sizeof *fc);
	http_opts_default(&fc->http, provider);
	fc->http.timeout = conf_get_double(conf, "feed.timeout_seconds");
	fc->http.retries = (int)conf_get_int(conf, "feed.retries");
	fc->http.allow_insecure = conf_get_bool(conf, "feed.allow_insecure");
	/* A longer Retry-After ends the poll; the feed then stays quiet until
	 * that time (its next_due), and the runner's wait between polls can be
	 * interrupted by feed_stop() where a sleep inside a poll cannot. */
	fc->http.retry_after_max = FEED_HTTP_WAIT_MAX;
	if (http_check_url(url, fc->http.allow_insecure, &why) != 0) {
		*cause = xasprintf("%s: %s: %s%s", provider, url_key, why,
		    strstr(why, "allow_insecure") != NULL ? " (feed.allow_insecure)" : "");
		free(why);
		return -1;
	}
	fc->base = xstrdup(url);
	n = strlen(fc->base);
	while (n > 0 && fc->base[n - 1] == '/')
		fc->base[--n] = '\0';
	buf_init(&csv);
	for (p = syms; p != NULL && *p != '\0'; p = *q == ',' ? q + 1 : q) {
		const char *s, *e;

		q = strchr(p, ',');
		if (q == NULL)
			q = p + strlen(p);
		for (s = p; s < q && isspace((unsigned char)*s); s++)
			;
		for (e = q; e > s && isspace((unsigned char)e[-1]); e--)
			;
		if (!feed_http_symbol_ok(s, (size_t)(e - s))) {
			*cause = xasprintf("%s: feed.symbols: '%.*s' is not a symbol (letters, "
			    "digits, '.', '/', '-', at most %d characters)", provider,
			    (int)(q - p), p, MARKET_SYMBOL_MAX - 1);
			buf_free(&csv);
			feed_http_conf_free(fc);
			return -1;
		}
		if (fc->nsymbols == FEED_HTTP_SYMBOLS_MAX) {
			*cause = xasprintf("%s: feed.symbols: more than %d symbols", provider,
			    FEED_HTTP_SYMBOLS_MAX);
			buf_free(&csv);
			feed_http_conf_free(fc);
			return -1;
		}
		fc->symbols = xrealloc(fc->symbols, (fc->nsymbols + 1) * sizeof *fc->symbols);
		fc->symbols[fc->nsymbols++] = xasprintf("%.*s", (int)(e - s), s);
		if (csv.len > 0)
			buf_addc(&csv, ',');
		buf_add(&csv, s, (size_t)(e - s));
	}
	if (fc->nsymbols == 0) {
		*cause = xasprintf("%s: feed.symbols is empty", provider);
		feed_http_conf_free(fc);
		return -1;
	}
	fc->symbols_csv = csv.data;
	return 0;
}

/* Frees what feed_http_conf_read allocated. */
void feed_http_conf_free(struct feed_http_conf *fc)
{
	size_t i;

	for (i = 0; i < fc->nsymbols; i++)
		free(fc->symbols[i]);
	free(fc->symbols);
	free(fc->symbols_csv);
	free(fc->base);
	memset(fc, 0, sizeof *fc);
}

/* Reads a secret, refusing empty values and header-breaking bytes. */
int feed_http_secret(struct conf *conf, const char *provider, const char *key,
    char **out, char **cause)
{
	const char *v = conf_get_str(conf, key), *p;
	int i = conf_find(key);
	const char *env = i >= 0 ? conf_keys[i].env : NULL;

	if (v == NULL || *v == '\0') {
		if (env != NULL)
			*cause = xasprintf("%s: %s is not set (or set $%s)", provider, key, env);
		else
			*cause = xasprintf("%s: %s is not set", provider, key);
		return -1;
	}
	for (p = v; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f) {
			*cause = xasprintf("%s: %s contains a blank or control character", provider,
			    key);
			return -1;
		}
	}
	*out = xstrdup(v);
	return 0;
}

/* Fetches and parses one JSON response. */
struct json_doc *feed_http_fetch(struct http_client *c, const char *provider, const char *url,
    const struct http_header *hdrs, size_t nhdrs, double deadline, double *retry_after,
    char **cause)
{
	struct http_response r;
	struct json_doc *d;
	char *why = NULL, *ep;

	http_response_init(&r);
	if (http_get(c, url, hdrs, nhdrs, deadline, &r, cause) != 0) {
		if (retry_after != NULL)
			*retry_after = r.retry_after;
		http_response_free(&r);
		return NULL;
	}
	if (retry_after != NULL)
		*retry_after = 0;
	if ((d = json_parse(r.body.data, r.body.len, &why)) == NULL) {
		ep = http_endpoint(url);
		*cause = xasprintf("%s: GET %s: the response is not valid JSON (%zu bytes): %s",
		    provider, ep, r.body.len, why);
		free(ep);
		free(why);
	}
	http_response_free(&r);
	return d;
}

/* Prepares a field-error context for one request. */
void feed_http_ctx_init(struct feed_http_ctx *x, const char *provider, const char *url)
{
	x->provider = provider;
	x->endpoint = http_endpoint(url);
	x->err = NULL;
}

/* Frees a field-error context. */
void feed_http_ctx_free(struct feed_http_ctx *x)
{
	free(x->endpoint);
	free(x->err);
	x->endpoint = x->err = NULL;
}

/* Records the first field error: "PROVIDER: GET ENDPOINT: PATH at offset
 * N: MESSAGE". */
int feed_http_bad(struct feed_http_ctx *x, const struct json *v, const char *path,
    const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (x->err != NULL)
		return -1;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (v != NULL)
		x->err = xasprintf("%s: GET %s: %s at offset %zu: %s", x->provider, x->endpoint,
		    path, v->offset, msg);
	else
		x->err = xasprintf("%s: GET %s: %s: %s", x->provider, x->endpoint, path, msg);
	free(msg);
	return -1;
}

/* Looks up obj.key applying the optional/nullable flags; 1 when a value
 * is there, 0 when absent-and-allowed, -1 on error. */
static int feed_http_lookup(struct feed_http_ctx *x, const struct json *obj, const char *path,
    const char *key, int flags, const struct json **out)
{
	const struct json *v;

	if (obj == NULL || obj->type != JSON_OBJECT)
		return feed_http_bad(x, obj, path, "expected an object, got %s",
		    obj != NULL ? json_type_name(obj->type) : "nothing");
	v = json_get(obj, key);
	if (v == NULL) {
		if (flags & FH_OPTIONAL)
			return 0;
		return feed_http_bad(x, obj, path, "the object lacks the field '%s'", key);
	}
	if (v->type == JSON_NULL) {
		if (flags & FH_NULLABLE)
			return 0;
		return feed_http_bad(x, v, path, "field '%s' is null", key);
	}
	*out = v;
	return 1;
}

/* Reads a number field. */
int feed_http_number(struct feed_http_ctx *x, const struct json *obj, const char *path,
    const char *key, int flags, double *out)
{
	const struct json *v = NULL;
	int rc = feed_http_lookup(x, obj, path, key, flags, &v);

	*out = NAN;
	if (rc <= 0)
		return rc;
	if (v->type != JSON_NUMBER)
		return feed_http_bad(x, v, path, "field '%s': expected a number, got %s", key,
		    json_type_name(v->type));
	*out = v->u.number;
	return 0;
}

/* Reads a string field. */
int feed_http_string(struct feed_http_ctx *x, const struct json *obj, const char *path,
    const char *key, int flags, const char **out)
{
	const struct json *v = NULL;
	int rc = feed_http_lookup(x, obj, path, key, flags, &v);

	*out = NULL;
	if (rc <= 0)
		return rc;
	if (v->type != JSON_STRING)
		return feed_http_bad(x, v, path, "field '%s': expected a string, got %s", key,
		    json_type_name(v->type));
	*out = v->u.string.s;
	return 0;
}

/* Days from 1970-01-01 (Howard Hinnant's days_from_civil). */
long feed_http_days(int y, int m, int d)
{
	long yy = y - (m <= 2);
	long era = (yy >= 0 ? yy : yy - 399) / 400;
	long yoe = yy - era * 400;
	long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

/* Returns 1 when y-m-d is a real calendar date. */
static int feed_http_valid_date(int y, int m, int d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

/* Reads exactly n digits at s into *v. */
static int feed_http_digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* Parses YYYY-MM-DD. */
int feed_http_date(const char *s, int *yyyymmdd)
{
	int y, m, d;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    feed_http_digits(s, 4, &y) != 0 || feed_http_digits(s + 5, 2, &m) != 0 ||
	    feed_http_digits(s + 8, 2, &d) != 0 || !feed_http_valid_date(y, m, d))
		return -1;
	*yyyymmdd = y * 10000 + m * 100 + d;
	return 0;
}

/* Parses an RFC 3339 date-time into epoch seconds. */
int feed_http_rfc3339(const char *s, double *out)
{
	int y, mo, d, h, mi, sec, oh, om, date;
	double frac = 0, scale = 0.1;
	const char *p;
	char ds[11];

	if (s == NULL || strlen(s) < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return -1;
	memcpy(ds, s, 10);
	ds[10] = '\0';
	if (feed_http_date(ds, &date) != 0)
		return -1;
	y = date / 10000;
	mo = date / 100 % 100;
	d = date % 100;
	if (feed_http_digits(s + 11, 2, &h) != 0 || feed_http_digits(s + 14, 2, &mi) != 0 ||
	    feed_http_digits(s + 17, 2, &sec) != 0 || h > 23 || mi > 59 || sec > 60)
		return -1;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9') {
			frac += (*p - '0') * scale;
			scale /= 10;
			p++;
		}
	}
	*out = (double)feed_http_days(y, mo, d) * 86400.0 + h * 3600.0 + mi * 60.0 + sec + frac;
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		return 0;
	if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' &&
	    feed_http_digits(p + 1, 2, &oh) == 0 && feed_http_digits(p + 4, 2, &om) == 0 &&
	    oh <= 23 && om <= 59) {
		double off = oh * 3600.0 + om * 60.0;

		*out += *p == '+' ? -off : off;
		return 0;
	}
	return -1;
}
