/*
 * feed-tradier.c -- the Tradier market data feed: underlying quotes and
 * option chains with ORATS greeks and implied volatilities.
 *
 * Formats, from Tradier's documentation (header Authorization: Bearer
 * TOKEN, and Accept: application/json -- the default answer is XML):
 *   https://documentation.tradier.com/brokerage-api/markets/get-quotes
 *     GET /v1/markets/quotes?symbols=SPY
 *     {"quotes": {"quote": {"symbol": "AAPL", "last": 208.21, "bid": 208.19,
 *      "ask": 208.21, "bidsize": 12, "asksize": 1, "volume": 25288395,
 *      "trade_date": 1557168406000, "bid_date": ..., "ask_date": ...}}}
 *     (an array for several symbols; unknown ones are listed under
 *     "unmatched_symbols")
 *   https://documentation.tradier.com/brokerage-api/markets/get-options-expirations
 *     GET /v1/markets/options/expirations?symbol=SPY
 *     {"expirations": {"date": ["2019-05-17", "2019-05-24"]}}
 *     (a single date is a string, none is "expirations": null)
 *   https://documentation.tradier.com/brokerage-api/markets/get-options-chains
 *     GET /v1/markets/options/chains?symbol=VXX&expiration=2019-05-17&greeks=true
 *     {"options": {"option": [{"symbol": "VXX190517P00016000", "bid": 0.0,
 *      "ask": 0.01, "underlying": "VXX", "strike": 16.0, "bidsize": 0,
 *      "asksize": 611, "bid_date": 1557171657000, "open_interest": 10,
 *      "contract_size": 100, "expiration_date": "2019-05-17",
 *      "option_type": "put", "root_symbol": "VXX", "greeks": {"delta": 1.0,
 *      "gamma": 1.95546E-10, "theta": -0.00204837, "vega": 3.54672E-9,
 *      "rho": 0.106077, "phi": -0.28801, "bid_iv": 0.0, "mid_iv": 0.0,
 *      "ask_iv": 0.0, "smv_vol": 0.380002, "updated_at": "2019-08-29 14:59:08"}},
 *      ...]}}
 *     (a single option is an object, not an array; none is "options": null;
 *     "greeks" is null when ORATS has none.)
 *   Times (trade_date, bid_date, ask_date) are epoch milliseconds; 0 means
 *   none.  Rate limits: https://documentation.tradier.com/brokerage-api/overview/rate-limiting
 *
 * Mapping: implied_vol is mid_iv (the market's IV at the mid) when it is
 * positive, NaN otherwise -- smv_vol is ORATS's smoothed model value and is
 * not passed off as a market quote.  delta/gamma/theta/vega are ORATS's as
 * sent (theta per day, vega per volatility point, as vendors quote them).
 * The option's OCC symbol is cross-checked against its fields (root,
 * expiry, right, strike): a disagreement is a garbled response.
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

#define TRADIER_EXP_REFRESH 3600.0      /* seconds between expiration lists */
#define FH_ANY (FH_OPTIONAL | FH_NULLABLE)      /* Tradier sends null for "none" */

struct tradier_underlying {
	int *expirations;               /* nearest first, YYYYMMDD */
	size_t nexp;
	double fetched;                 /* monotonic time of the list, or 0 */
};

struct feed {
	struct feed_http_conf fc;
	struct http_client *http;
	char *token, *auth;             /* auth = "Bearer TOKEN" */
	int nexp;                       /* feed.chain_expirations */
	double poll_seconds;            /* feed.poll_seconds */
	double next_due;                /* monotonic time of the next fetch */
	double retry_after;             /* of the last failed request, or 0 */
	struct tradier_underlying *u;   /* per symbol */
};

/* Frees a feed. */
static void tradier_close(struct feed *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; f->u != NULL && i < f->fc.nsymbols; i++)
		free(f->u[i].expirations);
	free(f->u);
	http_client_free(f->http);
	feed_http_conf_free(&f->fc);
	free(f->token);
	free(f->auth);
	free(f);
}

/* Creates the feed from [feed] keys. */
static int tradier_open(struct feed **out, struct conf *conf, char **cause)
{
	struct feed *f = xcalloc(1, sizeof *f);

	if (feed_http_conf_read(conf, "tradier", "feed.tradier_url", &f->fc, cause) != 0 ||
	    feed_http_secret(conf, "tradier", "feed.tradier_token", &f->token, cause) != 0) {
		tradier_close(f);
		return -1;
	}
	f->auth = xasprintf("Bearer %s", f->token);
	f->nexp = (int)conf_get_int(conf, "feed.chain_expirations");
	f->poll_seconds = conf_get_double(conf, "feed.poll_seconds");
	f->http = http_client_new(&f->fc.http);
	f->u = xcalloc(f->fc.nsymbols, sizeof *f->u);
	log_info("tradier: feed opened on %s for %zu underlyings", f->fc.base, f->fc.nsymbols);
	*out = f;
	return 0;
}

/* GETs one Tradier URL with the token header. */
static struct json_doc *tradier_fetch(struct feed *f, const char *url, double deadline,
    char **cause)
{
	const struct http_header hdrs[] = {
		{ "Authorization", f->auth, 1 },
		{ "Accept", "application/json", 0 },
	};

	return feed_http_fetch(f->http, "tradier", url, hdrs, sizeof hdrs / sizeof hdrs[0],
	    deadline, &f->retry_after, cause);
}

/* Returns the list under outer.inner as n values: an array's items, a
 * single object/string as one, or none for null/absent outer.  -1 on a
 * wrong shape. */
static int tradier_list(struct feed_http_ctx *x, const struct json *root, const char *outer,
    const char *inner, const struct json *const **items, size_t *n, const struct json **one)
{
	const struct json *o = json_get(root, outer), *v;
	char path[64];

	*items = NULL;
	*n = 0;
	snprintf(path, sizeof path, "%s.%s", outer, inner);
	if (root == NULL || root->type != JSON_OBJECT)
		return feed_http_bad(x, root, "response", "expected an object, got %s",
		    root != NULL ? json_type_name(root->type) : "nothing");
	if (o == NULL)
		return feed_http_bad(x, root, "response", "no '%s' field", outer);
	if (o->type == JSON_NULL)
		return 0;
	if (o->type != JSON_OBJECT)
		return feed_http_bad(x, o, outer, "expected an object or null, got %s",
		    json_type_name(o->type));
	if ((v = json_get(o, inner)) == NULL || v->type == JSON_NULL)
		return 0;
	if (v->type == JSON_ARRAY) {
		*items = (const struct json *const *)v->u.array.items;
		*n = v->u.array.n;
	} else {
		*one = v;
		*items = one;
		*n = 1;
	}
	return 0;
}

/* Converts a Tradier millisecond time (0 = none) to epoch seconds or NaN. */
static double tradier_ms(double ms)
{
	return isfinite(ms) && ms > 0 ? ms / 1000.0 : NAN;
}

/* Maps one quote object. */
static int tradier_parse_quote(struct feed_http_ctx *x, const struct json *o, size_t k,
    double recv, struct quote *q)
{
	const char *sym;
	double bd, ad, td;
	char path[48];

	snprintf(path, sizeof path, "quotes.quote[%zu]", k);
	memset(q, 0, sizeof *q);
	if (feed_http_string(x, o, path, "symbol", FH_REQUIRED, &sym) != 0 ||
	    feed_http_number(x, o, path, "bid", FH_ANY, &q->bid) != 0 ||
	    feed_http_number(x, o, path, "ask", FH_ANY, &q->ask) != 0 ||
	    feed_http_number(x, o, path, "last", FH_ANY, &q->last) != 0 ||
	    feed_http_number(x, o, path, "bidsize", FH_ANY, &q->bid_size) != 0 ||
	    feed_http_number(x, o, path, "asksize", FH_ANY, &q->ask_size) != 0 ||
	    feed_http_number(x, o, path, "volume", FH_ANY, &q->volume) != 0 ||
	    feed_http_number(x, o, path, "bid_date", FH_ANY, &bd) != 0 ||
	    feed_http_number(x, o, path, "ask_date", FH_ANY, &ad) != 0 ||
	    feed_http_number(x, o, path, "trade_date", FH_ANY, &td) != 0)
		return -1;
	if (strlen(sym) >= sizeof q->symbol)
		return feed_http_bad(x, json_get(o, "symbol"), path, "symbol longer than %zu bytes",
		    sizeof q->symbol - 1);
	snprintf(q->symbol, sizeof q->symbol, "%s", sym);
	q->exch_time = fmax(tradier_ms(bd), fmax(tradier_ms(ad), tradier_ms(td)));
	q->recv_time = recv;
	return 0;
}

/* Fetches the quotes of every underlying; delivers them and writes each
 * one's spot (mid, else last, else NaN) into spot[]. */
static int tradier_quotes(struct feed *f, const struct feed_sink *sink, double deadline,
    double *spot, char **cause)
{
	struct buf url;
	struct json_doc *d;
	struct feed_http_ctx x;
	const struct json *const *items, *one = NULL;
	struct quote *qs = NULL;
	size_t i, k, n = 0;
	double recv = now_wall();
	int rc;

	for (i = 0; i < f->fc.nsymbols; i++)
		spot[i] = NAN;
	buf_init(&url);
	buf_printf(&url, "%s/v1/markets/quotes?symbols=", f->fc.base);
	http_add_query_value(&url, f->fc.symbols_csv);
	if ((d = tradier_fetch(f, url.data, deadline, cause)) == NULL) {
		buf_free(&url);
		return -1;
	}
	feed_http_ctx_init(&x, "tradier", url.data);
	rc = tradier_list(&x, json_root(d), "quotes", "quote", &items, &n, &one);
	if (rc == 0) {
		qs = xcalloc(n + 1, sizeof *qs);
		for (k = 0; k < n && rc == 0; k++)
			rc = tradier_parse_quote(&x, items[k], k, recv, &qs[k]);
	}
	if (rc == 0) {
		for (k = 0; k < n; k++) {
			for (i = 0; i < f->fc.nsymbols; i++) {
				if (strcmp(f->fc.symbols[i], qs[k].symbol) == 0)
					break;
			}
			if (i == f->fc.nsymbols)
				continue;       /* not asked for */
			if (qs[k].bid > 0 && qs[k].ask >= qs[k].bid)
				spot[i] = (qs[k].bid + qs[k].ask) / 2;
			else if (qs[k].last > 0)
				spot[i] = qs[k].last;
			if (sink->on_quote != NULL)
				sink->on_quote(sink->arg, &qs[k]);
		}
	} else
		*cause = xstrdup(x.err);
	feed_http_ctx_free(&x);
	free(qs);
	json_free(d);
	buf_free(&url);
	return rc;
}

/* Compares two YYYYMMDD ints for qsort. */
static int tradier_cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Refreshes the expiration list of underlying i when it is due. */
static int tradier_expirations(struct feed *f, size_t i, double deadline, char **cause)
{
	struct tradier_underlying *u = &f->u[i];
	struct buf url;
	struct json_doc *d;
	struct feed_http_ctx x;
	const struct json *const *items, *one = NULL;
	size_t k, n = 0;
	int rc, today = market_date_from_epoch(now_wall());

	if (u->fetched != 0 && now_monotonic() - u->fetched < TRADIER_EXP_REFRESH)
		return 0;
	buf_init(&url);
	buf_printf(&url, "%s/v1/markets/options/expirations?symbol=", f->fc.base);
	http_add_query_value(&url, f->fc.symbols[i]);
	if ((d = tradier_fetch(f, url.data, deadline, cause)) == NULL) {
		buf_free(&url);
		return -1;
	}
	feed_http_ctx_init(&x, "tradier", url.data);
	rc = tradier_list(&x, json_root(d), "expirations", "date", &items, &n, &one);
	free(u->expirations);
	u->expirations = xcalloc(n + 1, sizeof *u->expirations);
	u->nexp = 0;
	for (k = 0; k < n && rc == 0; k++) {
		int date;
		char path[48];

		snprintf(path, sizeof path, "expirations.date[%zu]", k);
		if (items[k]->type != JSON_STRING)
			rc = feed_http_bad(&x, items[k], path, "expected a date string, got %s",
			    json_type_name(items[k]->type));
		else if (feed_http_date(items[k]->u.string.s, &date) != 0)
			rc = feed_http_bad(&x, items[k], path, "'%.20s' is not a YYYY-MM-DD date",
			    items[k]->u.string.s);
		else if (date >= today)
			u->expirations[u->nexp++] = date;
	}
	if (rc == 0) {
		qsort(u->expirations, u->nexp, sizeof *u->expirations, tradier_cmp_int);
		u->fetched = now_monotonic();
	} else {
		u->nexp = 0;
		*cause = xstrdup(x.err);
	}
	feed_http_ctx_free(&x);
	json_free(d);
	buf_free(&url);
	return rc;
}

/* Maps one option object of a chain response. */
static int tradier_parse_option(struct feed_http_ctx *x, const char *underlying,
    const struct json *o, size_t k, double recv, struct option_quote *oq)
{
	const char *sym, *und, *type, *exp, *rootsym;
	const struct json *g;
	struct instrument occ;
	double bd, ad, td, mid_iv = NAN, csize, strike;
	char path[48], root[MARKET_SYMBOL_MAX], *why = NULL;
	int expiry;

	snprintf(path, sizeof path, "options.option[%zu]", k);
	market_option_init(oq);
	if (feed_http_string(x, o, path, "symbol", FH_REQUIRED, &sym) != 0 ||
	    feed_http_string(x, o, path, "underlying", FH_REQUIRED, &und) != 0 ||
	    feed_http_string(x, o, path, "option_type", FH_REQUIRED, &type) != 0 ||
	    feed_http_string(x, o, path, "expiration_date", FH_REQUIRED, &exp) != 0 ||
	    feed_http_string(x, o, path, "root_symbol", FH_ANY, &rootsym) != 0 ||
	    feed_http_number(x, o, path, "strike", FH_REQUIRED, &strike) != 0 ||
	    feed_http_number(x, o, path, "contract_size", FH_ANY, &csize) != 0 ||
	    feed_http_number(x, o, path, "bid", FH_ANY, &oq->q.bid) != 0 ||
	    feed_http_number(x, o, path, "ask", FH_ANY, &oq->q.ask) != 0 ||
	    feed_http_number(x, o, path, "last", FH_ANY, &oq->q.last) != 0 ||
	    feed_http_number(x, o, path, "bidsize", FH_ANY, &oq->q.bid_size) != 0 ||
	    feed_http_number(x, o, path, "asksize", FH_ANY, &oq->q.ask_size) != 0 ||
	    feed_http_number(x, o, path, "volume", FH_ANY, &oq->q.volume) != 0 ||
	    feed_http_number(x, o, path, "open_interest", FH_ANY,
		&oq->open_interest) != 0 ||
	    feed_http_number(x, o, path, "bid_date", FH_ANY, &bd) != 0 ||
	    feed_http_number(x, o, path, "ask_date", FH_ANY, &ad) != 0 ||
	    feed_http_number(x, o, path, "trade_date", FH_ANY, &td) != 0)
		return -1;
	if (strcmp(und, underlying) != 0)
		return feed_http_bad(x, json_get(o, "underlying"), path,
		    "underlying '%.20s' in the chain of %s", und, underlying);
	if (strcmp(type, "call") != 0 && strcmp(type, "put") != 0)
		return feed_http_bad(x, json_get(o, "option_type"), path,
		    "option_type '%.20s' is neither call nor put", type);
	if (feed_http_date(exp, &expiry) != 0)
		return feed_http_bad(x, json_get(o, "expiration_date"), path,
		    "expiration_date '%.20s' is not a YYYY-MM-DD date", exp);
	if (!(strike > 0))
		return feed_http_bad(x, json_get(o, "strike"), path, "strike %g is not positive",
		    strike);
	if (market_occ_parse(sym, &occ, &why) != 0) {
		feed_http_bad(x, json_get(o, "symbol"), path, "%s", why);
		free(why);
		return -1;
	}
	/* market_occ_parse puts the OCC root in .underlying. */
	snprintf(root, sizeof root, "%s", occ.underlying);
	if (occ.expiry != expiry || (char)occ.right != (type[0] == 'c' ? 'C' : 'P') ||
	    fabs(occ.strike - strike) > 5e-4 || (rootsym != NULL && strcmp(rootsym, root) != 0))
		return feed_http_bad(x, json_get(o, "symbol"), path,
		    "symbol %s disagrees with root_symbol/expiration_date/option_type/strike", sym);
	g = json_get(o, "greeks");
	if (g != NULL && g->type != JSON_NULL) {
		char gpath[64];

		snprintf(gpath, sizeof gpath, "%s.greeks", path);
		if (feed_http_number(x, g, gpath, "delta", FH_ANY, &oq->delta) != 0 ||
		    feed_http_number(x, g, gpath, "gamma", FH_ANY, &oq->gamma) != 0 ||
		    feed_http_number(x, g, gpath, "theta", FH_ANY, &oq->theta) != 0 ||
		    feed_http_number(x, g, gpath, "vega", FH_ANY, &oq->vega) != 0 ||
		    feed_http_number(x, g, gpath, "mid_iv", FH_ANY, &mid_iv) != 0)
			return -1;
		if (mid_iv > 0)
			oq->implied_vol = mid_iv;
	}
	oq->opt.kind = INSTR_OPTION;
	oq->opt.expiry = expiry;
	oq->opt.right = occ.right;
	oq->opt.strike = occ.strike;
	oq->opt.multiplier = csize > 0 ? csize : 100;
	/* The padded 21-character OCC form, built from the root (SPXW, not SPX). */
	memcpy(oq->opt.symbol, occ.symbol, sizeof oq->opt.symbol);
	snprintf(oq->opt.underlying, sizeof oq->opt.underlying, "%s", und);
	memcpy(oq->q.symbol, oq->opt.symbol, sizeof oq->q.symbol);
	oq->q.exch_time = fmax(tradier_ms(bd), fmax(tradier_ms(ad), tradier_ms(td)));
	oq->q.recv_time = recv;
	return 0;
}

/* Fetches one expiration's chain of underlying i into c. */
static int tradier_chain(struct feed *f, size_t i, int expiry, struct option_chain *c,
    double deadline, char **cause)
{
	struct buf url;
	struct json_doc *d;
	struct feed_http_ctx x;
	const struct json *const *items, *one = NULL;
	size_t k, n = 0;
	double recv = now_wall();
	int rc;

	buf_init(&url);
	buf_printf(&url, "%s/v1/markets/options/chains?symbol=", f->fc.base);
	http_add_query_value(&url, f->fc.symbols[i]);
	buf_printf(&url, "&expiration=%04d-%02d-%02d&greeks=true", expiry / 10000,
	    expiry / 100 % 100, expiry % 100);
	if ((d = tradier_fetch(f, url.data, deadline, cause)) == NULL) {
		buf_free(&url);
		return -1;
	}
	feed_http_ctx_init(&x, "tradier", url.data);
	rc = tradier_list(&x, json_root(d), "options", "option", &items, &n, &one);
	for (k = 0; k < n && rc == 0; k++) {
		struct option_quote oq;

		rc = tradier_parse_option(&x, f->fc.symbols[i], items[k], k, recv, &oq);
		if (rc == 0 && oq.opt.expiry != expiry)
			rc = feed_http_bad(&x, items[k], "options.option", "expiry %d in the chain "
			    "for %d", oq.opt.expiry, expiry);
		if (rc == 0)
			market_chain_add(c, &oq);
	}
	if (rc != 0)
		*cause = xstrdup(x.err);
	feed_http_ctx_free(&x);
	json_free(d);
	buf_free(&url);
	return rc;
}

/* One poll: quotes of the underlyings, then each one's nearest chains. */
static int tradier_poll(struct feed *f, const struct feed_sink *sink, double deadline,
    char **cause)
{
	double *spot, start = now_monotonic(), ra = 0;
	char *first = NULL, *why = NULL;
	size_t i, e, nchains = 0;

	if (start < f->next_due)
		return 0;
	f->retry_after = 0;
	spot = xcalloc(f->fc.nsymbols, sizeof *spot);
	if (tradier_quotes(f, sink, deadline, spot, cause) != 0) {
		if (f->retry_after > 0)
			f->next_due = now_monotonic() + f->retry_after;
		free(spot);
		return -1;
	}
	for (i = 0; i < f->fc.nsymbols; i++) {
		struct option_chain c;
		int rc = 0;

		market_chain_init(&c, f->fc.symbols[i]);
		c.time = now_wall();
		c.spot = spot[i];
		if (tradier_expirations(f, i, deadline, &why) != 0)
			rc = -1;
		for (e = 0; rc == 0 && e < f->u[i].nexp && (int)e < f->nexp; e++)
			rc = tradier_chain(f, i, f->u[i].expirations[e], &c, deadline, &why);
		/* One underlying failing does not hold back the others. */
		if (rc == 0 && c.n > 0 && sink->on_chain != NULL) {
			sink->on_chain(sink->arg, &c);
			nchains++;
		}
		if (f->retry_after > ra)
			ra = f->retry_after;
		if (rc != 0 && first == NULL)
			first = why;
		else
			free(why);
		why = NULL;
		market_chain_free(&c);
		if (ra > 0)
			break;          /* rate limited: the rest waits for the next poll */
	}
	free(spot);
	if (first != NULL) {
		if (ra > 0)
			f->next_due = now_monotonic() + ra;
		*cause = first;
		return -1;
	}
	f->next_due = start + f->poll_seconds;
	log_debug("tradier: %zu chains", nchains);
	return 0;
}

const struct feed_ops feed_tradier_ops = {
	.name = "tradier",
	.open = tradier_open,
	.poll = tradier_poll,
	.close = tradier_close,
};
