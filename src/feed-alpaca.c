/*
 * feed-alpaca.c -- the Alpaca Market Data API v2 feed: latest quotes on
 * every poll, daily bars on the first poll and then hourly.
 *
 * Formats, from Alpaca's documentation:
 *   https://docs.alpaca.markets/reference/stocklatestquotes
 *     GET /v2/stocks/quotes/latest?symbols=AAPL,TSLA
 *     {"quotes": {"AAPL": {"t": "2022-08-17T10:07:40.286587431Z", "ax": "Q",
 *      "ap": 172.7, "as": 1, "bx": "Q", "bp": 172.62, "bs": 2, "c": ["R"],
 *      "z": "C"}, ...}}
 *   https://docs.alpaca.markets/reference/stockbars
 *     GET /v2/stocks/bars?symbols=AAPL,TSLA&timeframe=1Day&start=...
 *     {"bars": {"AAPL": [{"t": "2022-02-28T05:00:00Z", "o": 163.02,
 *      "h": 165.42, "l": 162.43, "c": 165.12, "v": 90552883, "n": 743379,
 *      "vw": 164.274348}], ...}, "next_page_token": null}
 *     Results are sorted by symbol, then time; a non-null next_page_token
 *     is passed back as page_token for the next page.
 *   https://docs.alpaca.markets/docs/authentication
 *     headers APCA-API-KEY-ID and APCA-API-SECRET-KEY.
 *   Errors are {"code": 40010001, "message": "..."} with a 4xx status;
 *   rate limiting is HTTP 429.
 *
 * A response is parsed completely before anything is delivered, so a bad
 * field half-way never leaves half a poll in the market state.  Prices and
 * sizes are passed on as Alpaca sends them (validation is the market
 * state's job); a side without a quote comes as 0.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "feed-http.h"
#include "feed.h"
#include "log.h"
#include "market.h"
#include "util.h"

#define ALPACA_BARS_REFRESH 3600.0      /* seconds between bar fetches */
#define ALPACA_PAGES_MAX 100

struct feed {
	struct feed_http_conf fc;
	struct http_client *http;
	char *key_id, *secret;
	int bars_days;
	double poll_seconds;            /* feed.poll_seconds */
	double next_due;                /* monotonic time of the next fetch */
	double retry_after;             /* of the last failed request, or 0 */
	double bars_fetched;            /* monotonic time of the last bars fetch, or 0 */
	double *last_bar;               /* per symbol: start of the newest bar delivered */
};

/* Frees a feed. */
static void alpaca_close(struct feed *f)
{
	if (f == NULL)
		return;
	http_client_free(f->http);
	feed_http_conf_free(&f->fc);
	free(f->key_id);
	free(f->secret);
	free(f->last_bar);
	free(f);
}

/* Creates the feed from [feed] keys. */
static int alpaca_open(struct feed **out, struct conf *conf, char **cause)
{
	struct feed *f = xcalloc(1, sizeof *f);
	size_t i;

	if (feed_http_conf_read(conf, "alpaca", "feed.alpaca_url", &f->fc, cause) != 0 ||
	    feed_http_secret(conf, "alpaca", "feed.alpaca_key_id", &f->key_id, cause) != 0 ||
	    feed_http_secret(conf, "alpaca", "feed.alpaca_secret", &f->secret, cause) != 0) {
		alpaca_close(f);
		return -1;
	}
	f->bars_days = (int)conf_get_int(conf, "feed.bars_days");
	f->poll_seconds = conf_get_double(conf, "feed.poll_seconds");
	f->http = http_client_new(&f->fc.http);
	f->last_bar = xcalloc(f->fc.nsymbols, sizeof *f->last_bar);
	for (i = 0; i < f->fc.nsymbols; i++)
		f->last_bar[i] = -INFINITY;
	log_info("alpaca: feed opened on %s for %zu symbols", f->fc.base, f->fc.nsymbols);
	*out = f;
	return 0;
}

/* Returns the index of sym in the configured symbols, or -1. */
static int alpaca_symbol(const struct feed *f, const char *sym)
{
	size_t i;

	for (i = 0; i < f->fc.nsymbols; i++) {
		if (strcmp(f->fc.symbols[i], sym) == 0)
			return (int)i;
	}
	return -1;
}

/* GETs one Alpaca URL with the key headers. */
static struct json_doc *alpaca_fetch(struct feed *f, const char *url, double deadline,
    char **cause)
{
	const struct http_header hdrs[] = {
		{ "APCA-API-KEY-ID", f->key_id, 1 },
		{ "APCA-API-SECRET-KEY", f->secret, 1 },
		{ "Accept", "application/json", 0 },
	};

	return feed_http_fetch(f->http, "alpaca", url, hdrs, sizeof hdrs / sizeof hdrs[0],
	    deadline, &f->retry_after, cause);
}

/* Maps one quote object of the latest-quotes response. */
static int alpaca_parse_quote(struct feed_http_ctx *x, const char *sym, const struct json *o,
    double recv, struct quote *q)
{
	const char *t;
	char path[64];

	snprintf(path, sizeof path, "quotes.%s", sym);
	memset(q, 0, sizeof *q);
	snprintf(q->symbol, sizeof q->symbol, "%s", sym);
	if (feed_http_string(x, o, path, "t", FH_REQUIRED, &t) != 0 ||
	    feed_http_number(x, o, path, "bp", FH_REQUIRED, &q->bid) != 0 ||
	    feed_http_number(x, o, path, "ap", FH_REQUIRED, &q->ask) != 0 ||
	    feed_http_number(x, o, path, "bs", FH_REQUIRED, &q->bid_size) != 0 ||
	    feed_http_number(x, o, path, "as", FH_REQUIRED, &q->ask_size) != 0)
		return -1;
	if (feed_http_rfc3339(t, &q->exch_time) != 0)
		return feed_http_bad(x, json_get(o, "t"), path,
		    "field 't': '%.40s' is not an RFC 3339 time", t);
	q->last = NAN;
	q->volume = NAN;
	q->recv_time = recv;
	return 0;
}

/* Polls the latest quotes of every symbol. */
static int alpaca_quotes(struct feed *f, const struct feed_sink *sink, double deadline,
    char **cause)
{
	struct buf url;
	struct json_doc *d;
	struct feed_http_ctx x;
	const struct json *quotes;
	struct quote *qs = NULL;
	size_t i, n = 0;
	double recv = now_wall();
	int rc = 0;

	buf_init(&url);
	buf_printf(&url, "%s/v2/stocks/quotes/latest?symbols=", f->fc.base);
	http_add_query_value(&url, f->fc.symbols_csv);
	if ((d = alpaca_fetch(f, url.data, deadline, cause)) == NULL) {
		buf_free(&url);
		return -1;
	}
	feed_http_ctx_init(&x, "alpaca", url.data);
	quotes = json_get(json_root(d), "quotes");
	if (quotes == NULL || quotes->type != JSON_OBJECT)
		rc = feed_http_bad(&x, quotes != NULL ? quotes : json_root(d), "quotes",
		    "expected an object of quotes by symbol, got %s",
		    quotes != NULL ? json_type_name(quotes->type) : "no 'quotes' field");
	else {
		qs = xcalloc(quotes->u.object.n + 1, sizeof *qs);
		for (i = 0; i < quotes->u.object.n && rc == 0; i++) {
			const struct json_member *m = &quotes->u.object.members[i];

			if (alpaca_symbol(f, m->key) < 0)
				continue;       /* not asked for */
			rc = alpaca_parse_quote(&x, m->key, m->value, recv, &qs[n]);
			if (rc == 0)
				n++;
		}
	}
	if (rc == 0 && sink->on_quote != NULL) {
		for (i = 0; i < n; i++)
			sink->on_quote(sink->arg, &qs[i]);
	}
	if (rc != 0)
		*cause = xstrdup(x.err);
	else
		log_debug("alpaca: %zu quotes", n);
	feed_http_ctx_free(&x);
	free(qs);
	json_free(d);
	buf_free(&url);
	return rc;
}

/* Maps one bar object. */
static int alpaca_parse_bar(struct feed_http_ctx *x, const char *sym, size_t k,
    const struct json *o, struct bar *b)
{
	const char *t;
	double n, vw;
	char path[80];

	snprintf(path, sizeof path, "bars.%s[%zu]", sym, k);
	memset(b, 0, sizeof *b);
	snprintf(b->symbol, sizeof b->symbol, "%s", sym);
	if (feed_http_string(x, o, path, "t", FH_REQUIRED, &t) != 0 ||
	    feed_http_number(x, o, path, "o", FH_REQUIRED, &b->open) != 0 ||
	    feed_http_number(x, o, path, "h", FH_REQUIRED, &b->high) != 0 ||
	    feed_http_number(x, o, path, "l", FH_REQUIRED, &b->low) != 0 ||
	    feed_http_number(x, o, path, "c", FH_REQUIRED, &b->close) != 0 ||
	    feed_http_number(x, o, path, "v", FH_REQUIRED, &b->volume) != 0 ||
	    feed_http_number(x, o, path, "n", FH_OPTIONAL, &n) != 0 ||
	    feed_http_number(x, o, path, "vw", FH_OPTIONAL, &vw) != 0)
		return -1;
	if (feed_http_rfc3339(t, &b->time) != 0)
		return feed_http_bad(x, json_get(o, "t"), path,
		    "field 't': '%.40s' is not an RFC 3339 time", t);
	return 0;
}

/* Appends the bars of one page to *bars; sets *token to the next page's
 * token (a copy) or NULL. */
static int alpaca_parse_bars(struct feed *f, struct feed_http_ctx *x, const struct json *root,
    struct bar **bars, size_t *n, char **token)
{
	const struct json *all = json_get(root, "bars"), *tok;
	size_t i, k;

	*token = NULL;
	if (all == NULL || (all->type != JSON_OBJECT && all->type != JSON_NULL))
		return feed_http_bad(x, all != NULL ? all : root, "bars",
		    "expected an object of bars by symbol, got %s",
		    all != NULL ? json_type_name(all->type) : "no 'bars' field");
	for (i = 0; i < json_count(all); i++) {
		const struct json_member *m = &all->u.object.members[i];
		char path[64];

		if (alpaca_symbol(f, m->key) < 0)
			continue;
		snprintf(path, sizeof path, "bars.%s", m->key);
		if (m->value->type != JSON_ARRAY)
			return feed_http_bad(x, m->value, path, "expected an array of bars, got %s",
			    json_type_name(m->value->type));
		*bars = xrealloc(*bars, (*n + m->value->u.array.n + 1) * sizeof **bars);
		for (k = 0; k < m->value->u.array.n; k++) {
			if (alpaca_parse_bar(x, m->key, k, m->value->u.array.items[k],
			    &(*bars)[*n]) != 0)
				return -1;
			(*n)++;
		}
	}
	tok = json_get(root, "next_page_token");
	if (tok != NULL && tok->type == JSON_STRING && tok->u.string.len > 0)
		*token = xstrdup(tok->u.string.s);
	else if (tok != NULL && tok->type != JSON_NULL && tok->type != JSON_STRING)
		return feed_http_bad(x, tok, "next_page_token", "expected a string or null, got %s",
		    json_type_name(tok->type));
	return 0;
}

/* Fetches daily bars (all pages) and delivers the ones not seen yet. */
static int alpaca_bars(struct feed *f, const struct feed_sink *sink, double deadline,
    char **cause)
{
	struct bar *bars = NULL;
	size_t n = 0, i;
	char *token = NULL, start[16];
	int page, rc = 0, from = market_date_from_epoch(now_wall() - f->bars_days * 86400.0);

	snprintf(start, sizeof start, "%04d-%02d-%02d", from / 10000, from / 100 % 100, from % 100);
	for (page = 0; page < ALPACA_PAGES_MAX && rc == 0; page++) {
		struct buf url;
		struct json_doc *d;
		struct feed_http_ctx x;
		char *next = NULL;

		buf_init(&url);
		buf_printf(&url, "%s/v2/stocks/bars?symbols=", f->fc.base);
		http_add_query_value(&url, f->fc.symbols_csv);
		buf_printf(&url, "&timeframe=1Day&start=%s&limit=10000&adjustment=raw", start);
		if (token != NULL) {
			buf_adds(&url, "&page_token=");
			http_add_query_value(&url, token);
		}
		if ((d = alpaca_fetch(f, url.data, deadline, cause)) == NULL) {
			buf_free(&url);
			rc = -1;
			break;
		}
		feed_http_ctx_init(&x, "alpaca", url.data);
		if ((rc = alpaca_parse_bars(f, &x, json_root(d), &bars, &n, &next)) != 0)
			*cause = xstrdup(x.err);
		feed_http_ctx_free(&x);
		json_free(d);
		buf_free(&url);
		free(token);
		token = next;
		if (token == NULL)
			break;
	}
	if (rc == 0 && token != NULL) {
		*cause = xasprintf("alpaca: GET %s/v2/stocks/bars: more than %d pages", f->fc.base,
		    ALPACA_PAGES_MAX);
		rc = -1;
	}
	free(token);
	if (rc == 0) {
		for (i = 0; i < n; i++) {
			int s = alpaca_symbol(f, bars[i].symbol);

			/* The newest bar is re-sent: today's bar grows during the day. */
			if (s < 0 || bars[i].time < f->last_bar[s])
				continue;
			f->last_bar[s] = bars[i].time;
			if (sink->on_bar != NULL)
				sink->on_bar(sink->arg, &bars[i]);
		}
		f->bars_fetched = now_monotonic();
		log_debug("alpaca: %zu bars", n);
	}
	free(bars);
	return rc;
}

/* One poll: nothing until the next fetch is due (feed.poll_seconds, or a
 * Retry-After that did not fit the last deadline); then quotes, and bars
 * when they are due. */
static int alpaca_poll(struct feed *f, const struct feed_sink *sink, double deadline,
    char **cause)
{
	double start = now_monotonic();
	int rc;

	if (start < f->next_due)
		return 0;
	f->retry_after = 0;
	rc = alpaca_quotes(f, sink, deadline, cause);
	if (rc == 0 && (f->bars_fetched == 0 ||
	    now_monotonic() - f->bars_fetched >= ALPACA_BARS_REFRESH))
		rc = alpaca_bars(f, sink, deadline, cause);
	if (rc == 0)
		f->next_due = start + f->poll_seconds;
	else if (f->retry_after > 0)
		f->next_due = now_monotonic() + f->retry_after;
	return rc;
}

const struct feed_ops feed_alpaca_ops = {
	.name = "alpaca",
	.open = alpaca_open,
	.poll = alpaca_poll,
	.close = alpaca_close,
};
