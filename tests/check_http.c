/*
 * check_http.c -- the HTTP client and the Alpaca and Tradier feeds
 * against a real HTTP server on loopback (tests/httpd.py, started here on
 * a free port and stopped at the end) that answers in the providers'
 * documented formats and misbehaves on request.
 *
 * What is proven: documented responses map to the documented numbers;
 * keys travel in the documented headers and never appear in the log or in
 * any error message (even when the server echoes them); 429 Retry-After
 * is honoured (the server's own clock shows the gap); 5xx answers are
 * retried with growing backoff; slow answers, truncated bodies, garbage
 * and wrongly typed fields give clear errors naming the provider, the
 * endpoint and the JSON offset, and deliver nothing.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "feed-http.h"
#include "feed.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "market.h"
#include "util.h"

#define KEY_ID "PKTESTKEYID0123456789"
#define SECRET "sEcReT-alpaca-9f8e7d6c5b4a3921"
#define TOKEN "tRaDiEr-token-0a1b2c3d4e5f6789"

extern const struct feed_ops feed_alpaca_ops, feed_tradier_ops;

static pid_t srv_pid;
static int srv_port;
static char srv_dir[64];

/* --- the server ------------------------------------------------------------ */

/* Starts tests/httpd.py and waits for its port; 0 or -1 (with a message). */
static int server_start(void)
{
	char pf[128];
	double until;
	FILE *f;
	int status;

	snprintf(srv_dir, sizeof srv_dir, "/tmp/qdesk-http-XXXXXX");
	if (mkdtemp(srv_dir) == NULL) {
		perror("check_http: mkdtemp");
		return -1;
	}
	snprintf(pf, sizeof pf, "%s/port", srv_dir);
	if ((srv_pid = fork()) == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execlp("python3", "python3", SRCDIR "/tests/httpd.py", "--port-file", pf,
		    "--alpaca-key", KEY_ID, "--alpaca-secret", SECRET, "--tradier-token", TOKEN,
		    (char *)NULL);
		_exit(127);
	}
	until = now_monotonic() + 60;
	while (now_monotonic() < until) {
		if ((f = fopen(pf, "r")) != NULL) {
			int ok = fscanf(f, "%d", &srv_port) == 1;

			fclose(f);
			if (ok)
				return 0;
		}
		if (waitpid(srv_pid, &status, WNOHANG) == srv_pid) {
			fprintf(stderr, "check_http: the test server (python3 %s/tests/httpd.py) "
			    "exited with status %d; python3 is required\n", SRCDIR,
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			srv_pid = 0;
			return -1;
		}
		usleep(50000);
	}
	fprintf(stderr, "check_http: the test server did not start within 60 s\n");
	return -1;
}

/* Stops the server and removes its directory. */
static void server_stop(void)
{
	char pf[128];

	if (srv_pid > 0) {
		kill(srv_pid, SIGTERM);
		waitpid(srv_pid, NULL, 0);
	}
	snprintf(pf, sizeof pf, "%s/port", srv_dir);
	unlink(pf);
	snprintf(pf, sizeof pf, "%s/feed.log", srv_dir);
	unlink(pf);             /* left behind when test_secrets_never_logged fails */
	rmdir(srv_dir);
}

/* Returns "http://127.0.0.1:PORT/MODE" (static storage). */
static const char *url(const char *mode)
{
	static char u[128];

	snprintf(u, sizeof u, "http://127.0.0.1:%d/%s", srv_port, mode);
	return u;
}

/* GETs a control endpoint and returns its JSON. */
static struct json_doc *control(const char *what)
{
	struct http_opts o;
	struct http_client *c;
	struct http_response r;
	struct json_doc *d;
	char *cause = NULL, u[128];

	http_opts_default(&o, "control");
	c = http_client_new(&o);
	http_response_init(&r);
	snprintf(u, sizeof u, "http://127.0.0.1:%d/_control/%s", srv_port, what);
	ck_assert_msg(http_get(c, u, NULL, 0, now_monotonic() + 10, &r, &cause) == 0, "%s", cause);
	d = json_parse(r.body.data, r.body.len, &cause);
	ck_assert_msg(d != NULL, "%s", cause);
	http_response_free(&r);
	http_client_free(c);
	return d;
}

/* Clears the server's request log and counters. */
static void server_reset(void)
{
	json_free(control("reset"));
}

/* Collects the server's receive times of requests whose path contains
 * needle; returns how many (at most max). */
static int server_times(const char *needle, double *t, int max, const struct json **last_headers,
    struct json_doc **keep)
{
	struct json_doc *d = control("log");
	const struct json *log = json_root(d);
	size_t i;
	int n = 0;

	for (i = 0; i < json_count(log); i++) {
		const struct json *e = json_at(log, i);

		if (strstr(json_get(e, "path")->u.string.s, needle) == NULL)
			continue;
		if (n < max)
			t[n] = json_get(e, "t")->u.number;
		n++;
		if (last_headers != NULL)
			*last_headers = json_get(e, "headers");
	}
	if (keep != NULL)
		*keep = d;
	else
		json_free(d);
	return n;
}

/* --- a recording sink -------------------------------------------------------- */

#define REC_MAX 64

static struct {
	struct quote q[REC_MAX];
	struct bar b[REC_MAX];
	struct option_chain c[8];
	int nq, nb, nc;
} rec;

/* Records a delivered quote. */
static void rec_quote(void *arg, const struct quote *q)
{
	(void)arg;
	ck_assert_int_lt(rec.nq, REC_MAX);
	rec.q[rec.nq++] = *q;
}

/* Records a delivered bar. */
static void rec_bar(void *arg, const struct bar *b)
{
	(void)arg;
	ck_assert_int_lt(rec.nb, REC_MAX);
	rec.b[rec.nb++] = *b;
}

/* Records a delivered chain (a deep copy). */
static void rec_chain(void *arg, const struct option_chain *c)
{
	(void)arg;
	ck_assert_int_lt(rec.nc, 8);
	market_chain_copy(&rec.c[rec.nc++], c);
}

static const struct feed_sink sink = { rec_quote, rec_bar, rec_chain, NULL, NULL };

/* Empties the recorder. */
static void rec_clear(void)
{
	int i;

	for (i = 0; i < rec.nc; i++)
		market_chain_free(&rec.c[i]);
	memset(&rec, 0, sizeof rec);
}

/* Finds a recorded quote by symbol. */
static const struct quote *rec_find_quote(const char *sym)
{
	int i;

	for (i = 0; i < rec.nq; i++) {
		if (strcmp(rec.q[i].symbol, sym) == 0)
			return &rec.q[i];
	}
	ck_abort_msg("no quote for %s", sym);
	return NULL;
}

/* --- configuration ------------------------------------------------------------- */

/* Sets a key or fails the test. */
static void set(struct conf *c, const char *key, const char *value)
{
	char *cause = NULL;

	ck_assert_msg(conf_set(c, key, value, &cause) == 0, "%s", cause);
}

/* A configuration pointing both feeds at the server in a mode. */
static struct conf *test_conf(const char *mode, const char *symbols)
{
	struct conf *c = conf_new();

	set(c, "feed.alpaca_url", url(mode));
	set(c, "feed.tradier_url", url(mode));
	set(c, "feed.alpaca_key_id", KEY_ID);
	set(c, "feed.alpaca_secret", SECRET);
	set(c, "feed.tradier_token", TOKEN);
	set(c, "feed.symbols", symbols);
	set(c, "feed.timeout_seconds", "5");
	set(c, "feed.retries", "2");
	set(c, "feed.poll_seconds", "0.5");
	return c;
}

/* Opens a feed on a configuration or fails. */
static struct feed *open_feed(const struct feed_ops *ops, struct conf *c)
{
	struct feed *f = NULL;
	char *cause = NULL;

	ck_assert_msg(ops->open(&f, c, &cause) == 0, "%s", cause);
	return f;
}

/* Polls once with a deadline secs away; returns the status and *cause. */
static int poll_once(const struct feed_ops *ops, struct feed *f, double secs, char **cause)
{
	*cause = NULL;
	return ops->poll(f, &sink, now_monotonic() + secs, cause);
}

/* Asserts that s contains every needle. */
static void has(const char *s, const char *n1, const char *n2, const char *n3)
{
	const char *n[] = { n1, n2, n3 };
	int i;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < 3; i++) {
		if (n[i] != NULL)
			ck_assert_msg(strstr(s, n[i]) != NULL, "'%s' lacks '%s'", s, n[i]);
	}
}

/* Asserts that no secret appears in s. */
static void no_secret(const char *s)
{
	ck_assert_msg(strstr(s, KEY_ID) == NULL, "key id leaked: %s", s);
	ck_assert_msg(strstr(s, SECRET) == NULL, "secret leaked: %s", s);
	ck_assert_msg(strstr(s, TOKEN) == NULL, "token leaked: %s", s);
}

/* --- tests without the server ----------------------------------------------- */

/* URL rules: schemes, TLS, the loopback exception, and endpoints. */
START_TEST(test_url_rules)
{
	char *cause = NULL, *ep;

	ck_assert_int_eq(http_check_url("https://data.alpaca.markets", 0, &cause), 0);
	ck_assert_int_eq(http_check_url("http://127.0.0.1:8080/x", 0, &cause), 0);
	ck_assert_int_eq(http_check_url("http://127.1.2.3/", 0, &cause), 0);
	ck_assert_int_eq(http_check_url("http://localhost:1", 0, &cause), 0);
	ck_assert_int_eq(http_check_url("http://[::1]:80/", 0, &cause), 0);
	ck_assert_int_eq(http_check_url("http://api.tradier.com", 0, &cause), -1);
	has(cause, "plain http:// to api.tradier.com refused", "allow_insecure", NULL);
	free(cause);
	ck_assert_int_eq(http_check_url("http://api.tradier.com", 1, &cause), 0);
	ck_assert_int_eq(http_check_url("http://127.0.0.1.evil.com/", 0, &cause), -1);
	free(cause);
	ck_assert_int_eq(http_check_url("ftp://example.com/", 1, &cause), -1);
	has(cause, "unsupported scheme 'ftp'", NULL, NULL);
	free(cause);
	ck_assert_int_eq(http_check_url("not a url", 1, &cause), -1);
	free(cause);
	ck_assert_int_eq(http_check_url("", 1, &cause), -1);
	free(cause);
	ep = http_endpoint("https://user:pw@host.example:8443/v2/stocks/bars?symbols=A&x=1#f");
	ck_assert_str_eq(ep, "https://host.example:8443/v2/stocks/bars");
	free(ep);
	ep = http_endpoint("https://api.tradier.com/v1/markets/quotes?symbols=SPY");
	ck_assert_str_eq(ep, "https://api.tradier.com/v1/markets/quotes");
	free(ep);
}
END_TEST

/* Retry-After: delta-seconds and the HTTP-date of RFC 9110's example. */
START_TEST(test_retry_after)
{
	/* Wed, 21 Oct 2015 07:28:00 GMT = 1445412480. */
	ck_assert_double_eq(http_parse_retry_after("120", 0), 120);
	ck_assert_double_eq(http_parse_retry_after("0", 0), 0);
	ck_assert_double_eq(http_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470),
	    10);
	ck_assert_double_eq(http_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490),
	    0);
	ck_assert_double_eq(http_parse_retry_after("soon", 0), -1);
	ck_assert_double_eq(http_parse_retry_after("-5", 0), -1);
	ck_assert_double_eq(http_parse_retry_after("5s", 0), -1);
	ck_assert_double_eq(http_parse_retry_after("", 0), -1);
}
END_TEST

/* Query encoding keeps unreserved characters and commas. */
START_TEST(test_query)
{
	struct buf b;

	buf_init(&b);
	http_add_query_value(&b, "AAPL,BRK.B,a b&c=d/é");
	ck_assert_str_eq(b.data, "AAPL,BRK.B,a%20b%26c%3Dd%2F%C3%A9");
	buf_free(&b);
}
END_TEST

/* RFC 3339 times as Alpaca sends them; epochs from Python's datetime. */
START_TEST(test_times)
{
	double t;
	int d;

	ck_assert_int_eq(feed_http_rfc3339("2022-08-17T10:07:40.286587431Z", &t), 0);
	ck_assert_double_eq_tol(t, 1660730860.286587431, 1e-6);
	ck_assert_int_eq(feed_http_rfc3339("2022-02-28T05:00:00Z", &t), 0);
	ck_assert_double_eq(t, 1646024400);
	ck_assert_int_eq(feed_http_rfc3339("2022-02-28T00:00:00-05:00", &t), 0);
	ck_assert_double_eq(t, 1646024400);
	ck_assert_int_eq(feed_http_rfc3339("2024-02-29T23:59:59+01:30", &t), 0);
	ck_assert_double_eq(t, 1709251199 - 5400);
	ck_assert_int_eq(feed_http_rfc3339("2022-02-30T00:00:00Z", &t), -1);
	ck_assert_int_eq(feed_http_rfc3339("2022-02-28 05:00:00Z", &t), -1);
	ck_assert_int_eq(feed_http_rfc3339("2022-02-28T05:00:00", &t), -1);
	ck_assert_int_eq(feed_http_rfc3339("2022-02-28T05:00:00.Z", &t), -1);
	ck_assert_int_eq(feed_http_rfc3339("2022-02-28T25:00:00Z", &t), -1);
	ck_assert_int_eq(feed_http_date("2019-05-17", &d), 0);
	ck_assert_int_eq(d, 20190517);
	ck_assert_int_eq(feed_http_date("2019-13-01", &d), -1);
	ck_assert_int_eq(feed_http_date("2019-5-17", &d), -1);
}
END_TEST

/* Configuration errors name the key; secrets are never echoed. */
START_TEST(test_config_errors)
{
	struct conf *c = conf_new();
	struct feed *f = NULL;
	char *cause = NULL;

	set(c, "feed.alpaca_key_id", "");
	set(c, "feed.alpaca_secret", "");
	set(c, "feed.tradier_token", "");
	ck_assert_int_eq(feed_alpaca_ops.open(&f, c, &cause), -1);
	has(cause, "alpaca: feed.alpaca_key_id is not set (or set $APCA_API_KEY_ID)", NULL, NULL);
	free(cause);
	ck_assert_int_eq(feed_tradier_ops.open(&f, c, &cause), -1);
	has(cause, "feed.tradier_token is not set (or set $TRADIER_TOKEN)", NULL, NULL);
	free(cause);
	set(c, "feed.alpaca_key_id", KEY_ID);
	set(c, "feed.alpaca_secret", SECRET "\r\nX-Evil: 1");
	ck_assert_int_eq(feed_alpaca_ops.open(&f, c, &cause), -1);
	has(cause, "feed.alpaca_secret contains a blank or control character", NULL, NULL);
	no_secret(cause);
	free(cause);
	set(c, "feed.alpaca_secret", SECRET);
	set(c, "feed.alpaca_url", "http://data.alpaca.markets");
	ck_assert_int_eq(feed_alpaca_ops.open(&f, c, &cause), -1);
	has(cause, "feed.alpaca_url", "plain http://", "feed.allow_insecure");
	free(cause);
	set(c, "feed.allow_insecure", "yes");
	ck_assert_int_eq(feed_alpaca_ops.open(&f, c, &cause), 0);
	feed_alpaca_ops.close(f);
	set(c, "feed.symbols", "AAPL,,TSLA");
	ck_assert_int_eq(feed_alpaca_ops.open(&f, c, &cause), -1);
	has(cause, "feed.symbols: '' is not a symbol", NULL, NULL);
	free(cause);
	set(c, "feed.symbols", "AA PL");
	ck_assert_int_eq(feed_alpaca_ops.open(&f, c, &cause), -1);
	has(cause, "'AA PL' is not a symbol", NULL, NULL);
	free(cause);
	set(c, "feed.symbols", " AAPL , TSLA ");
	ck_assert_int_eq(feed_alpaca_ops.open(&f, c, &cause), 0);
	feed_alpaca_ops.close(f);
	conf_free(c);
}
END_TEST

/* --- tests against the server ------------------------------------------------- */

/* Alpaca's documented quotes and bars (two pages) map to their numbers,
 * with the keys in the documented headers. */
START_TEST(test_alpaca_documented)
{
	struct conf *c = test_conf("ok", "AAPL,TSLA");
	struct feed *f = open_feed(&feed_alpaca_ops, c);
	const struct json *hdrs = NULL;
	struct json_doc *keep = NULL;
	const struct quote *q;
	char *cause;
	double t[8];
	int i;

	server_reset();
	rec_clear();
	ck_assert_msg(poll_once(&feed_alpaca_ops, f, 20, &cause) == 0, "%s", cause);
	ck_assert_int_eq(rec.nq, 2);
	q = rec_find_quote("AAPL");
	ck_assert_double_eq(q->bid, 172.62);
	ck_assert_double_eq(q->ask, 172.7);
	ck_assert_double_eq(q->bid_size, 2);
	ck_assert_double_eq(q->ask_size, 1);
	ck_assert_double_eq_tol(q->exch_time, 1660730860.286587, 1e-5);
	ck_assert(isnan(q->last));
	ck_assert(q->recv_time > 1.6e9);
	q = rec_find_quote("TSLA");
	ck_assert_double_eq(q->ask, 911.6);
	ck_assert_double_eq(q->bid, 911.3);
	ck_assert_int_eq(rec.nb, 2);
	for (i = 0; i < 2; i++) {
		const struct bar *b = &rec.b[i];

		ck_assert_double_eq(b->time, 1646024400);
		if (strcmp(b->symbol, "AAPL") == 0) {
			ck_assert_double_eq(b->open, 163.02);
			ck_assert_double_eq(b->high, 165.42);
			ck_assert_double_eq(b->low, 162.43);
			ck_assert_double_eq(b->close, 165.12);
			ck_assert_double_eq(b->volume, 90552883);
		} else {
			ck_assert_str_eq(b->symbol, "TSLA");
			ck_assert_double_eq(b->low, 814.7075);
			ck_assert_double_eq(b->close, 870.43);
		}
	}
	/* One quotes request and two bars pages, the second with the token. */
	ck_assert_int_eq(server_times("/ok/v2/stocks/quotes/latest?symbols=AAPL,TSLA", t, 8, NULL,
	    NULL), 1);
	ck_assert_int_eq(server_times("/ok/v2/stocks/bars?", t, 8, NULL, NULL), 2);
	ck_assert_int_eq(server_times("page_token=VFNMQQ%3D%3D", t, 8, &hdrs, &keep), 1);
	ck_assert_str_eq(json_get(hdrs, "APCA-API-KEY-ID")->u.string.s, KEY_ID);
	ck_assert_str_eq(json_get(hdrs, "APCA-API-SECRET-KEY")->u.string.s, SECRET);
	ck_assert_str_eq(json_get(hdrs, "Accept")->u.string.s, "application/json");
	ck_assert(strncmp(json_get(hdrs, "User-Agent")->u.string.s, "qdesk/", 6) == 0);
	json_free(keep);
	/* Within feed.poll_seconds nothing is fetched; after it, quotes only
	 * (bars are hourly) and no bar is delivered twice. */
	ck_assert_int_eq(poll_once(&feed_alpaca_ops, f, 20, &cause), 0);
	ck_assert_int_eq(server_times("/ok/v2/", t, 8, NULL, NULL), 3);
	usleep(600000);
	ck_assert_int_eq(poll_once(&feed_alpaca_ops, f, 20, &cause), 0);
	ck_assert_int_eq(server_times("/ok/v2/", t, 8, NULL, NULL), 4);
	ck_assert_int_eq(rec.nq, 4);
	ck_assert_int_eq(rec.nb, 2);
	feed_alpaca_ops.close(f);
	conf_free(c);
	rec_clear();
}
END_TEST

/* Tradier's documented chain (with greeks) and quote map to their
 * numbers; implied_vol is mid_iv when positive. */
START_TEST(test_tradier_documented)
{
	struct conf *c = test_conf("ok", "VXX");
	struct feed *f;
	const struct json *hdrs = NULL;
	struct json_doc *keep = NULL;
	const struct option_chain *ch;
	int e1 = market_date_add_days(market_date_from_epoch(now_wall()), 7), found = 0;
	char *cause, sym[32];
	double t[8];
	size_t i;

	set(c, "feed.chain_expirations", "2");
	f = open_feed(&feed_tradier_ops, c);
	server_reset();
	rec_clear();
	ck_assert_msg(poll_once(&feed_tradier_ops, f, 20, &cause) == 0, "%s", cause);
	ck_assert_int_eq(rec.nq, 1);
	ck_assert_str_eq(rec.q[0].symbol, "VXX");
	ck_assert_double_eq(rec.q[0].bid, 26.98);
	ck_assert_double_eq(rec.q[0].ask, 27.02);
	ck_assert_double_eq(rec.q[0].last, 27.0);
	ck_assert_double_eq(rec.q[0].exch_time, 1557168407.0);
	ck_assert_int_eq(rec.nc, 1);
	ch = &rec.c[0];
	ck_assert_str_eq(ch->underlying, "VXX");
	ck_assert_double_eq_tol(ch->spot, 27.0, 1e-12);
	ck_assert_uint_eq(ch->n, 8);    /* 2 expirations x 4 options */
	snprintf(sym, sizeof sym, "VXX   %02d%02d%02dP00016000", e1 / 10000 % 100, e1 / 100 % 100,
	    e1 % 100);
	for (i = 0; i < ch->n; i++) {
		const struct option_quote *o = &ch->opts[i];

		ck_assert_str_eq(o->opt.underlying, "VXX");
		ck_assert_double_eq(o->opt.multiplier, 100);
		if (strcmp(o->opt.symbol, sym) == 0) {
			found++;
			ck_assert_int_eq(o->opt.expiry, e1);
			ck_assert_double_eq(o->opt.strike, 16);
			ck_assert_int_eq(o->opt.right, OPT_RIGHT_PUT);
			ck_assert_str_eq(o->q.symbol, sym);
			ck_assert_double_eq(o->q.bid, 0);
			ck_assert_double_eq(o->q.ask, 0.01);
			ck_assert_double_eq(o->q.bid_size, 0);
			ck_assert_double_eq(o->q.ask_size, 611);
			ck_assert(isnan(o->q.last));
			ck_assert_double_eq(o->q.exch_time, 1557172096.0);
			ck_assert_double_eq(o->open_interest, 10);
			ck_assert_double_eq(o->delta, 1.0);
			ck_assert_double_eq(o->gamma, 1.95546e-10);
			ck_assert_double_eq(o->theta, -0.00204837);
			ck_assert_double_eq(o->vega, 3.54672e-9);
			ck_assert(isnan(o->implied_vol));       /* mid_iv 0.0 */
			ck_assert_double_eq(o->weight, 1);
		}
		if (o->opt.strike == 30 && o->opt.expiry == e1) {
			found++;
			ck_assert_int_eq(o->opt.right, OPT_RIGHT_CALL);
			ck_assert_double_eq(o->implied_vol, 0.5432);
			ck_assert_double_eq(o->delta, 0.31);
			ck_assert_double_eq(o->q.bid, 1.2);
			ck_assert_double_eq(o->q.ask, 1.3);
			ck_assert_double_eq(o->open_interest, 250);
		}
	}
	ck_assert_int_eq(found, 2);
	ck_assert_int_eq(server_times("/ok/v1/markets/quotes?symbols=VXX", t, 8, NULL, NULL), 1);
	ck_assert_int_eq(server_times("/ok/v1/markets/options/expirations?symbol=VXX", t, 8, NULL,
	    NULL), 1);
	ck_assert_int_eq(server_times("greeks=true", t, 8, &hdrs, &keep), 2);
	ck_assert_str_eq(json_get(hdrs, "Authorization")->u.string.s, "Bearer " TOKEN);
	ck_assert_str_eq(json_get(hdrs, "Accept")->u.string.s, "application/json");
	json_free(keep);
	feed_tradier_ops.close(f);
	conf_free(c);
	rec_clear();
}
END_TEST

/* Tradier's other documented shapes: one option as an object, one date
 * as a string, "options": null; and an option contradicting its symbol. */
START_TEST(test_tradier_shapes)
{
	struct conf *c;
	struct feed *f;
	char *cause;

	c = test_conf("single", "VXX");
	f = open_feed(&feed_tradier_ops, c);
	rec_clear();
	ck_assert_msg(poll_once(&feed_tradier_ops, f, 20, &cause) == 0, "%s", cause);
	ck_assert_int_eq(rec.nc, 1);
	ck_assert_uint_eq(rec.c[0].n, 1);
	ck_assert_double_eq(rec.c[0].opts[0].opt.strike, 16);
	feed_tradier_ops.close(f);
	conf_free(c);

	c = test_conf("nullchain", "VXX,AAPL");
	f = open_feed(&feed_tradier_ops, c);
	rec_clear();
	ck_assert_msg(poll_once(&feed_tradier_ops, f, 20, &cause) == 0, "%s", cause);
	ck_assert_int_eq(rec.nq, 2);
	ck_assert_double_eq(rec_find_quote("AAPL")->last, 208.21);
	ck_assert_int_eq(rec.nc, 0);
	feed_tradier_ops.close(f);
	conf_free(c);

	c = test_conf("badocc", "VXX");
	f = open_feed(&feed_tradier_ops, c);
	rec_clear();
	ck_assert_int_eq(poll_once(&feed_tradier_ops, f, 20, &cause), -1);
	has(cause, "tradier: GET ", "/badocc/v1/markets/options/chains: options.option[0] at offset",
	    "disagrees with root_symbol/expiration_date/option_type/strike");
	ck_assert_int_eq(rec.nc, 0);
	free(cause);
	feed_tradier_ops.close(f);
	conf_free(c);
	rec_clear();
}
END_TEST

/* 429 with Retry-After (seconds, then an HTTP-date): the feed waits at
 * least that long before asking again, as the server's clock shows. */
START_TEST(test_429_retry_after)
{
	struct conf *c = test_conf("r429-1", "AAPL");
	struct feed *f = open_feed(&feed_alpaca_ops, c);
	char *cause;
	double t[8];

	server_reset();
	rec_clear();
	ck_assert_msg(poll_once(&feed_alpaca_ops, f, 30, &cause) == 0, "%s", cause);
	ck_assert_int_eq(rec.nq, 1);
	ck_assert_int_eq(server_times("/r429-1/v2/stocks/quotes/latest", t, 8, NULL, NULL), 2);
	ck_assert_msg(t[1] - t[0] >= 1.0, "second request %.3f s after a Retry-After of 1 s",
	    t[1] - t[0]);
	feed_alpaca_ops.close(f);
	conf_free(c);

	c = test_conf("r429date-2", "AAPL");
	f = open_feed(&feed_alpaca_ops, c);
	ck_assert_msg(poll_once(&feed_alpaca_ops, f, 30, &cause) == 0, "%s", cause);
	ck_assert_int_eq(server_times("/r429date-2/v2/stocks/quotes/latest", t, 8, NULL, NULL), 2);
	/* The date has whole seconds: at least 1 s of the 2 remain. */
	ck_assert_msg(t[1] - t[0] >= 1.0, "second request %.3f s after the Retry-After date",
	    t[1] - t[0]);
	feed_alpaca_ops.close(f);
	conf_free(c);
	rec_clear();
}
END_TEST

/* A Retry-After beyond the deadline: the poll returns at once with a
 * clear error, and the feed asks nothing more until that time. */
START_TEST(test_429_beyond_deadline)
{
	struct conf *c = test_conf("r429forever-30", "AAPL");
	struct feed *f = open_feed(&feed_alpaca_ops, c);
	double t[8], start = now_monotonic();
	char *cause;

	server_reset();
	ck_assert_int_eq(poll_once(&feed_alpaca_ops, f, 3, &cause), -1);
	ck_assert(now_monotonic() - start < 3);
	has(cause, "alpaca: GET ", "/r429forever-30/v2/stocks/quotes/latest: HTTP 429",
	    "retry after 30 s");
	free(cause);
	ck_assert_int_eq(poll_once(&feed_alpaca_ops, f, 3, &cause), 0);
	ck_assert_int_eq(server_times("/r429forever-30/", t, 8, NULL, NULL), 1);
	feed_alpaca_ops.close(f);
	conf_free(c);
	{
		/* The client alone: a short Retry-After past the deadline is not
		 * waited for either, and the caller learns how long to wait. */
		const struct http_header h[] = { { "Authorization", "Bearer " TOKEN, 1 } };
		struct http_opts o;
		struct http_client *hc;
		struct http_response r;
		char u[160];

		http_opts_default(&o, "tradier");
		hc = http_client_new(&o);
		http_response_init(&r);
		snprintf(u, sizeof u, "%s/v1/markets/quotes?symbols=VXX", url("r429forever-2"));
		ck_assert_int_eq(http_get(hc, u, h, 1, now_monotonic() + 1, &r, &cause), -1);
		has(cause, "HTTP 429", "retry after 2 s (beyond the deadline)", "(1 request)");
		ck_assert_int_eq(r.status, 429);
		ck_assert_double_eq(r.retry_after, 2);
		free(cause);
		http_response_free(&r);
		http_client_free(hc);
	}
}
END_TEST

/* 500, 500, then success: retried with backoff growing at least as the
 * jitter's lower bounds (base/2, then base). */
START_TEST(test_5xx_backoff)
{
	struct conf *c = test_conf("e500x2", "AAPL");
	struct feed *f = open_feed(&feed_alpaca_ops, c);
	double t[8];
	char *cause;

	server_reset();
	rec_clear();
	ck_assert_msg(poll_once(&feed_alpaca_ops, f, 30, &cause) == 0, "%s", cause);
	ck_assert_int_eq(rec.nq, 1);
	ck_assert_int_eq(server_times("/e500x2/v2/stocks/quotes/latest", t, 8, NULL, NULL), 3);
	ck_assert_msg(t[1] - t[0] >= 0.125, "first retry after %.3f s", t[1] - t[0]);
	ck_assert_msg(t[2] - t[1] >= 0.25, "second retry after %.3f s", t[2] - t[1]);
	feed_alpaca_ops.close(f);
	conf_free(c);

	c = test_conf("e503", "AAPL");
	set(c, "feed.retries", "1");
	f = open_feed(&feed_alpaca_ops, c);
	ck_assert_int_eq(poll_once(&feed_alpaca_ops, f, 30, &cause), -1);
	has(cause, "/e503/v2/stocks/quotes/latest: HTTP 503: Service Unavailable", "(2 requests)",
	    NULL);
	free(cause);
	feed_alpaca_ops.close(f);
	conf_free(c);
	rec_clear();
}
END_TEST

/* A slow answer times out with a clear error. */
START_TEST(test_timeout)
{
	struct conf *c = test_conf("slow-3", "AAPL");
	struct feed *f;
	char *cause;

	set(c, "feed.timeout_seconds", "0.5");
	set(c, "feed.retries", "0");
	f = open_feed(&feed_alpaca_ops, c);
	rec_clear();
	ck_assert_int_eq(poll_once(&feed_alpaca_ops, f, 20, &cause), -1);
	has(cause, "alpaca: GET http://127.0.0.1:", "/slow-3/v2/stocks/quotes/latest: timed out "
	    "after 0.5 s", "(1 request)");
	ck_assert_int_eq(rec.nq, 0);
	free(cause);
	feed_alpaca_ops.close(f);
	conf_free(c);
	/* The deadline bounds the attempt even when the timeout is longer. */
	c = test_conf("slow-3", "VXX");
	set(c, "feed.timeout_seconds", "30");
	f = open_feed(&feed_tradier_ops, c);
	ck_assert_int_eq(poll_once(&feed_tradier_ops, f, 1, &cause), -1);
	has(cause, "tradier: GET ", "/slow-3/v1/markets/quotes: timed out after ",
	    "no time left to retry before the deadline");
	ck_assert_ptr_null(strstr(cause, "timed out after 30"));
	free(cause);
	feed_tradier_ops.close(f);
	conf_free(c);
}
END_TEST

/* A truncated body, a body cut inside the JSON, binary garbage, an HTML
 * page and a wrongly typed field: clear errors, nothing delivered. */
START_TEST(test_bad_bodies)
{
	static const struct { const char *mode, *n1, *n2; } cases[] = {
		{ "trunc", "truncated response body: connection closed after",
		  "(3 requests)" },
		{ "cutjson", "the response is not valid JSON", "unexpected end of input" },
		{ "garbage", "not valid JSON (300 bytes): JSON error at offset 0 (line 1, column 1)",
		  "expected a value, got byte 0x" },
		{ "html", "JSON error at offset 0", "expected a value, got '<'" },
		{ "badtype", "quotes.AAPL at offset ", "field 'ap': expected a number, got string" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct conf *c = test_conf(cases[i].mode, "AAPL,TSLA");
		struct feed *f = open_feed(&feed_alpaca_ops, c);
		char *cause, ep[96];

		rec_clear();
		ck_assert_int_eq(poll_once(&feed_alpaca_ops, f, 20, &cause), -1);
		snprintf(ep, sizeof ep, "alpaca: GET http://127.0.0.1:%d/%s/v2/stocks/quotes/latest: ",
		    srv_port, cases[i].mode);
		has(cause, ep, cases[i].n1, cases[i].n2);
		ck_assert_int_eq(rec.nq, 0);
		ck_assert_int_eq(rec.nb, 0);
		free(cause);
		feed_alpaca_ops.close(f);
		conf_free(c);
	}
}
END_TEST

/* The body limit refuses an oversized answer. */
START_TEST(test_body_limit)
{
	struct http_opts o;
	struct http_client *c;
	struct http_response r;
	const struct http_header h[] = { { "Authorization", "Bearer " TOKEN, 1 } };
	char *cause = NULL, u[160];

	http_opts_default(&o, "tradier");
	o.max_body = 200;
	c = http_client_new(&o);
	http_response_init(&r);
	snprintf(u, sizeof u, "%s/v1/markets/quotes?symbols=VXX", url("ok"));
	ck_assert_int_eq(http_get(c, u, h, 1, now_monotonic() + 10, &r, &cause), -1);
	has(cause, "tradier: GET ", "/ok/v1/markets/quotes: response body larger than the limit "
	    "of 200 bytes", NULL);
	free(cause);
	o.max_body = 1 << 20;
	http_client_free(c);
	c = http_client_new(&o);
	ck_assert_int_eq(http_get(c, u, h, 1, now_monotonic() + 10, &r, &cause), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert(r.body.len > 200);
	http_response_free(&r);
	http_client_free(c);
}
END_TEST

/* Keys go only into headers: with debug logging on and every failure
 * mode exercised (including a server that echoes the credentials and a
 * refusal of a wrong key), neither the log file nor any message holds a
 * key, a secret or a token. */
START_TEST(test_secrets_never_logged)
{
	static const char *const modes[] = { "echo401", "r429forever-30", "e500x9", "garbage",
	    "slow-3", "trunc", "badtype" };
	char logpath[160], *cause = NULL, *text;
	size_t i;
	FILE *fp;
	long n;

	snprintf(logpath, sizeof logpath, "%s/feed.log", srv_dir);
	ck_assert_int_eq(log_open_file(logpath, &cause), 0);
	log_threshold = LOG_DEBUG;
	for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		const struct feed_ops *ops[] = { &feed_alpaca_ops, &feed_tradier_ops };
		int k;

		for (k = 0; k < 2; k++) {
			struct conf *c = test_conf(modes[i], k == 0 ? "AAPL" : "VXX");
			struct feed *f;

			set(c, "feed.timeout_seconds", "0.3");
			set(c, "feed.retries", "1");
			f = open_feed(ops[k], c);
			ck_assert_int_eq(poll_once(ops[k], f, 3, &cause), -1);
			no_secret(cause);
			if (strcmp(modes[i], "echo401") == 0)
				has(cause, "HTTP 401: Invalid Access Token (got", "(hidden)", NULL);
			free(cause);
			ops[k]->close(f);
			conf_free(c);
		}
	}
	{
		/* A wrong key is refused by the server; its message names no key. */
		struct conf *c = test_conf("ok", "AAPL");
		struct feed *f;

		set(c, "feed.alpaca_secret", "wrong-secret-value");
		f = open_feed(&feed_alpaca_ops, c);
		ck_assert_int_eq(poll_once(&feed_alpaca_ops, f, 5, &cause), -1);
		has(cause, "HTTP 403", "forbidden", NULL);
		no_secret(cause);
		ck_assert_ptr_null(strstr(cause, "wrong-secret-value"));
		free(cause);
		feed_alpaca_ops.close(f);
		conf_free(c);
	}
	log_open_file(NULL, &cause);
	fp = fopen(logpath, "r");
	ck_assert_ptr_nonnull(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	text = xcalloc(1, (size_t)n + 1);
	ck_assert_int_eq(fread(text, 1, (size_t)n, fp), n);
	fclose(fp);
	/* The log did record the requests and the retries... */
	has(text, "alpaca: GET http://127.0.0.1:", "retrying in", "tradier: GET http://127.0.0.1:");
	/* ...and no secret. */
	no_secret(text);
	free(text);
	unlink(logpath);
}
END_TEST

static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;
static int run_quotes, run_bars;

/* Counts a quote delivered on the runner's thread. */
static void run_quote(void *arg, const struct quote *q)
{
	(void)arg;
	pthread_mutex_lock(&run_lock);
	if (strcmp(q->symbol, "AAPL") == 0 && q->ask == 172.7)
		run_quotes++;
	pthread_mutex_unlock(&run_lock);
}

/* Counts a bar delivered on the runner's thread. */
static void run_bar(void *arg, const struct bar *b)
{
	(void)arg;
	pthread_mutex_lock(&run_lock);
	run_bars += b->close == 165.12;
	pthread_mutex_unlock(&run_lock);
}

/* Under the feed runner (its own thread, polling every feed.poll_interval
 * with a deadline of feed.poll_timeout) the feed fetches only every
 * feed.poll_seconds, and stops when told. */
START_TEST(test_runner)
{
	struct feed_sink s = { run_quote, run_bar, NULL, NULL, NULL };
	struct conf *c = test_conf("ok", "AAPL");
	struct feed_runner *r;
	struct feed_status st;
	double t[16], until;
	char *cause = NULL;
	int n, i, q = 0;

	set(c, "feed.poll_seconds", "0.5");
	server_reset();
	r = feed_start_ops(&feed_alpaca_ops, c, &s, &cause);
	ck_assert_msg(r != NULL, "%s", cause);
	for (until = now_monotonic() + 30; now_monotonic() < until && q < 3; usleep(50000)) {
		pthread_mutex_lock(&run_lock);
		q = run_quotes;
		pthread_mutex_unlock(&run_lock);
	}
	feed_get_status(r, &st);
	feed_stop(r);
	ck_assert_int_ge(q, 3);
	ck_assert_int_eq(run_bars, 1);          /* bars once, not every poll */
	ck_assert_int_eq(st.ok, 1);
	ck_assert_uint_eq(st.errors, 0);
	n = server_times("/ok/v2/stocks/quotes/latest", t, 16, NULL, NULL);
	ck_assert_int_ge(n, 3);
	for (i = 1; i < n && i < 16; i++)
		ck_assert_msg(t[i] - t[i - 1] >= 0.45, "fetch %d came %.3f s after the one before",
		    i, t[i] - t[i - 1]);
	conf_free(c);
}
END_TEST

/* Starts the server, runs the tests, stops the server. */
int main(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	/* The server is on loopback: no proxy from the environment in between. */
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	if (server_start() != 0)
		return 1;
	log_set_stderr(0);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_url_rules);
	tcase_add_test(tc, test_retry_after);
	tcase_add_test(tc, test_query);
	tcase_add_test(tc, test_times);
	tcase_add_test(tc, test_config_errors);
	tcase_add_test(tc, test_alpaca_documented);
	tcase_add_test(tc, test_tradier_documented);
	tcase_add_test(tc, test_tradier_shapes);
	tcase_add_test(tc, test_429_retry_after);
	tcase_add_test(tc, test_429_beyond_deadline);
	tcase_add_test(tc, test_5xx_backoff);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_bad_bodies);
	tcase_add_test(tc, test_body_limit);
	tcase_add_test(tc, test_secrets_never_logged);
	tcase_add_test(tc, test_runner);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	server_stop();
	return failed == 0 ? 0 : 1;
}
