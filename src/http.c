/*
 * http.c -- the libcurl client of http.h: one logical GET with timeouts,
 * retries with exponential backoff and jitter, Retry-After, a body limit,
 * TLS verification and messages that never carry a secret.
 *
 * DESIGN
 * A client is owned by one feed and used by one thread at a time; it holds
 * a curl easy handle (connection reuse) and a small xorshift generator for
 * the jitter, so no global random state is shared between feeds.
 * libcurl's global initialisation runs once per process (pthread_once)
 * before any handle exists.  CURLOPT_NOSIGNAL is set, so timeouts do not
 * use signals and the client is safe on any thread.  Waits (backoff and
 * Retry-After) are sleeps on the calling thread and never end later than
 * the caller's deadline: a wait that would is not started, and the error
 * is returned instead so the feed runner can retry on its own schedule.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http.h"
#include "log.h"

#define HTTP_EXCERPT_MAX 200    /* bytes of an error body quoted in messages */
#define HTTP_RATE_WAITS_MAX 8   /* Retry-After waits inside one http_get */

struct http_client {
	CURL *curl;
	struct http_opts o;
	char *provider;
	unsigned rng;                   /* xorshift32 state for the jitter */
	char errbuf[CURL_ERROR_SIZE];
	/* Per-attempt state filled by the callbacks. */
	struct buf *body;
	int too_big;
	char retry_after[64];
};

static pthread_once_t http_once = PTHREAD_ONCE_INIT;

/* Initialises libcurl once per process. */
static void http_global_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatal("http: libcurl initialisation failed");
}

/* Fills the default options. */
void http_opts_default(struct http_opts *o, const char *provider)
{
	memset(o, 0, sizeof *o);
	o->provider = provider;
	o->timeout = 10;
	o->retries = 3;
	o->backoff_base = 0.25;
	o->backoff_max = 8;
	o->retry_after_max = 120;
	o->max_body = 16u << 20;
}

/* Receives body bytes, refusing more than max_body. */
static size_t http_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct http_client *c = arg;
	size_t len = size * n;

	if (c->body->len + len > c->o.max_body) {
		c->too_big = 1;
		return 0;
	}
	buf_add(c->body, data, len);
	return len;
}

/* Receives header lines, keeping Retry-After of the last response. */
static size_t http_header_cb(char *data, size_t size, size_t n, void *arg)
{
	struct http_client *c = arg;
	size_t len = size * n, k;
	static const char name[] = "retry-after:";

	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0)
		c->retry_after[0] = '\0';       /* a new response begins */
	if (len > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
		const char *v = data + sizeof name - 1, *e = data + len;

		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		k = (size_t)(e - v);
		if (k >= sizeof c->retry_after)
			k = sizeof c->retry_after - 1;
		memcpy(c->retry_after, v, k);
		c->retry_after[k] = '\0';
	}
	return len;
}

/* Creates a client with its curl handle configured once. */
struct http_client *http_client_new(const struct http_opts *o)
{
	struct http_client *c = xcalloc(1, sizeof *c);

	pthread_once(&http_once, http_global_init);
	c->o = *o;
	c->provider = xstrdup(o->provider != NULL ? o->provider : "http");
	c->o.provider = c->provider;
	c->rng = o->seed != 0 ? o->seed :
	    (unsigned)(now_wall() * 1e6) ^ ((unsigned)getpid() << 16) ^ (unsigned)(size_t)c;
	if (c->rng == 0)
		c->rng = 0x9e3779b9u;
	if ((c->curl = curl_easy_init()) == NULL)
		fatal("http: cannot create a libcurl handle");
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	curl_easy_setopt(c->curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->o.max_body);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf);
	return c;
}

/* Frees a client. */
void http_client_free(struct http_client *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->curl);
	free(c->provider);
	free(c);
}

/* Prepares an empty response. */
void http_response_init(struct http_response *r)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->body);
}

/* Frees a response's body. */
void http_response_free(struct http_response *r)
{
	buf_free(&r->body);
}

/* Returns a uniform double in [0, 1) from the client's generator. */
static double http_random(struct http_client *c)
{
	unsigned x = c->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	c->rng = x;
	return (double)(x >> 8) / (double)(1u << 24);
}

/* Sleeps for secs seconds (resuming after signals). */
static void http_sleep(double secs)
{
	struct timespec ts;

	if (!(secs > 0))
		return;
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Replaces every occurrence of a secret header value in s (a heap string)
 * by "(hidden)"; returns the new string. */
static char *http_redact(char *s, const struct http_header *hdrs, size_t nhdrs)
{
	size_t i;

	for (i = 0; i < nhdrs; i++) {
		const char *v = hdrs[i].value, *hit;
		size_t vl;

		if (!hdrs[i].secret || v == NULL || (vl = strlen(v)) < 4)
			continue;
		while ((hit = strstr(s, v)) != NULL) {
			char *t = xasprintf("%.*s(hidden)%s", (int)(hit - s), s, hit + vl);

			free(s);
			s = t;
		}
	}
	return s;
}

/* Returns a one-line, printable excerpt of an error body. */
static char *http_excerpt(const struct buf *b)
{
	struct buf out;
	size_t i, n = b->len < HTTP_EXCERPT_MAX ? b->len : HTTP_EXCERPT_MAX;

	buf_init(&out);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)b->data[i];

		buf_addc(&out, (ch >= 0x20 && ch < 0x7f) ? (char)ch : ' ');
	}
	if (b->len > n)
		buf_adds(&out, "...");
	if (out.data == NULL)
		buf_adds(&out, "");
	return out.data;
}

/* Parses a Retry-After value: delta-seconds or an HTTP-date. */
double http_parse_retry_after(const char *value, double now_epoch)
{
	const char *p = value;
	double secs = 0;
	time_t t;

	if (value == NULL || *value == '\0')
		return -1;
	if (isdigit((unsigned char)*p)) {
		while (isdigit((unsigned char)*p)) {
			secs = secs * 10 + (*p - '0');
			if (secs > 1e9)
				return -1;
			p++;
		}
		return *p == '\0' ? secs : -1;
	}
	if ((t = curl_getdate(value, NULL)) == -1)
		return -1;
	return (double)t > now_epoch ? (double)t - now_epoch : 0;
}

/* Returns 1 when host names the loopback interface. */
static int http_is_loopback(const char *host)
{
	unsigned a, b, c2, d;
	char extra;

	if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
	    strcmp(host, "::1") == 0)
		return 1;
	return sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c2, &d, &extra) == 4 && a == 127 &&
	    b < 256 && c2 < 256 && d < 256;
}

/* Checks scheme, host and the loopback rule for plain http. */
int http_check_url(const char *url, int allow_insecure, char **cause)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rc = -1;

	pthread_once(&http_once, http_global_init);
	if (u == NULL)
		fatal("http: out of memory");
	if (url == NULL || *url == '\0')
		*cause = xstrdup("empty URL");
	else if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || *host == '\0')
		*cause = xstrdup("not a valid http:// or https:// URL with a host");
	else if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0)
		*cause = xasprintf("unsupported scheme '%s' (use https://)", scheme);
	else if (strcmp(scheme, "http") == 0 && !allow_insecure && !http_is_loopback(host))
		*cause = xasprintf("plain http:// to %s refused: use https:// (http:// is allowed "
		    "for loopback, or everywhere with allow_insecure)", host);
	else
		rc = 0;
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/* Returns scheme://host[:port]/path of a URL, for messages. */
char *http_endpoint(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *out;

	pthread_once(&http_once, http_global_init);
	if (u == NULL)
		fatal("http: out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		out = xstrdup("(invalid URL)");
	else {
		curl_url_get(u, CURLUPART_PORT, &port, CURLU_NO_DEFAULT_PORT);
		curl_url_get(u, CURLUPART_PATH, &path, 0);
		out = xasprintf("%s://%s%s%s%s", scheme, host, port != NULL ? ":" : "",
		    port != NULL ? port : "", path != NULL ? path : "/");
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return out;
}

/* Appends s percent-encoded for a query value. */
void http_add_query_value(struct buf *b, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~' || *p == ',')
			buf_addc(b, (char)*p);
		else
			buf_printf(b, "%%%02X", *p);
	}
}

/* Returns 1 when a curl error is worth retrying. */
static int http_transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/* Describes a failed transfer in words. */
static char *http_describe(struct http_client *c, CURLcode rc, double tmo, size_t got)
{
	curl_off_t expect = -1;

	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return xasprintf("timed out after %.3g s (%zu bytes received)", tmo, got);
	case CURLE_PARTIAL_FILE:
		curl_easy_getinfo(c->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &expect);
		if (expect >= 0)
			return xasprintf("truncated response body: connection closed after %zu "
			    "of %lld bytes", got, (long long)expect);
		return xasprintf("truncated response body: connection closed after %zu bytes",
		    got);
	case CURLE_FILESIZE_EXCEEDED:
		return xasprintf("response body larger than the limit of %zu bytes",
		    c->o.max_body);
	case CURLE_WRITE_ERROR:
		if (c->too_big)
			return xasprintf("response body larger than the limit of %zu bytes",
			    c->o.max_body);
		break;
	case CURLE_GOT_NOTHING:
		return xstrdup("the server closed the connection without a response");
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		return xasprintf("TLS verification failed: %s",
		    c->errbuf[0] != '\0' ? c->errbuf : curl_easy_strerror(rc));
	default:
		break;
	}
	return xstrdup(c->errbuf[0] != '\0' ? c->errbuf : curl_easy_strerror(rc));
}

/* Performs one request; returns the curl code, status in *status. */
static CURLcode http_attempt(struct http_client *c, const char *url, struct curl_slist *hl,
    double tmo, struct http_response *resp)
{
	long ms = (long)ceil(tmo * 1000);
	CURLcode rc;

	if (ms < 1)
		ms = 1;
	buf_reset(&resp->body);
	c->body = &resp->body;
	c->too_big = 0;
	c->retry_after[0] = '\0';
	c->errbuf[0] = '\0';
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, ms);
	rc = curl_easy_perform(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	resp->status = 0;
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &resp->status);
	resp->attempts++;
	return rc;
}

/* GETs a URL with retries, backoff and Retry-After, within the deadline. */
int http_get(struct http_client *c, const char *url, const struct http_header *hdrs,
    size_t nhdrs, double deadline, struct http_response *resp, char **cause)
{
	struct curl_slist *hl = NULL, *tmp;
	char *endpoint, *why = NULL, *msg;
	int failures = 0, waits = 0, rc = -1;
	size_t i;

	resp->status = 0;
	resp->retry_after = 0;
	resp->attempts = 0;
	if (http_check_url(url, c->o.allow_insecure, &why) != 0) {
		*cause = xasprintf("%s: %s", c->provider, why);
		free(why);
		return -1;
	}
	endpoint = http_endpoint(url);
	for (i = 0; i < nhdrs; i++) {
		char *line = xasprintf("%s: %s", hdrs[i].name, hdrs[i].value);

		if ((tmp = curl_slist_append(hl, line)) == NULL)
			fatal("http: out of memory");
		hl = tmp;
		free(line);
	}
	for (;;) {
		double now = now_monotonic(), left = deadline - now, tmo, delay, ra = -1;
		int retryable = 0;
		CURLcode cc;

		if (left <= 0.001) {
			if (why == NULL)
				why = xstrdup("deadline reached before the request was sent");
			break;
		}
		tmo = c->o.timeout < left ? c->o.timeout : left;
		log_debug("%s: GET %s (attempt %d)", c->provider, endpoint, resp->attempts + 1);
		cc = http_attempt(c, url, hl, tmo, resp);
		free(why);
		why = NULL;
		if (cc == CURLE_OK && resp->status >= 200 && resp->status < 300) {
			rc = 0;
			break;
		}
		if (cc != CURLE_OK) {
			why = http_describe(c, cc, tmo, resp->body.len);
			retryable = http_transient(cc);
		} else {
			char *ex = http_excerpt(&resp->body);

			why = xasprintf("HTTP %ld%s%s", resp->status, *ex != '\0' ? ": " : "", ex);
			free(ex);
			retryable = resp->status >= 500 || resp->status == 429 ||
			    resp->status == 408;
			if ((resp->status == 429 || resp->status == 503) &&
			    c->retry_after[0] != '\0')
				ra = http_parse_retry_after(c->retry_after, now_wall());
		}
		if (ra >= 0) {
			/* The server said when to come back: wait exactly that long
			 * (plus a little jitter, never less) if it fits. */
			resp->retry_after = ra;
			delay = ra + 0.05 * http_random(c);
			if (ra > c->o.retry_after_max || waits >= HTTP_RATE_WAITS_MAX ||
			    now_monotonic() + delay >= deadline) {
				msg = xasprintf("%s; the server asks to retry after %.0f s (%s)",
				    why, ra, ra > c->o.retry_after_max ? "longer than this client waits "
				    "within one request" : waits >= HTTP_RATE_WAITS_MAX ?
				    "too many waits in one request" : "beyond the deadline");
				free(why);
				why = msg;
				break;
			}
			waits++;
			log_info("%s: GET %s: HTTP %ld, waiting %.2f s as Retry-After asks",
			    c->provider, endpoint, resp->status, delay);
			http_sleep(delay);
			continue;
		}
		if (!retryable || failures >= c->o.retries)
			break;
		failures++;
		/* Exponential backoff with jitter: uniform in [d/2, d). */
		delay = c->o.backoff_base * pow(2, failures - 1);
		if (delay > c->o.backoff_max)
			delay = c->o.backoff_max;
		delay = delay / 2 + delay / 2 * http_random(c);
		if (now_monotonic() + delay >= deadline) {
			msg = xasprintf("%s; no time left to retry before the deadline", why);
			free(why);
			why = msg;
			break;
		}
		msg = http_redact(xstrdup(why), hdrs, nhdrs);
		log_warn("%s: GET %s: %s; retrying in %.2f s (retry %d of %d)", c->provider,
		    endpoint, msg, delay, failures, c->o.retries);
		free(msg);
		http_sleep(delay);
	}
	if (rc != 0) {
		msg = xasprintf("%s: GET %s: %s (%d request%s)", c->provider, endpoint,
		    why != NULL ? why : "failed", resp->attempts, resp->attempts == 1 ? "" : "s");
		*cause = http_redact(msg, hdrs, nhdrs);
	}
	free(why);
	free(endpoint);
	curl_slist_free_all(hl);
	return rc;
}
