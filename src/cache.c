/*
 * cache.c -- the parameter cache of cache.h: Redis through hiredis, with
 * an in-process table that is the whole cache when no Redis is configured
 * and a fallback for what this process wrote while Redis is down.
 *
 * DESIGN
 * Threads: any thread may call; c->lock serialises the hiredis context
 * (hiredis contexts are not thread-safe) and the table.  Connection state:
 * c->ctx is NULL while disconnected; every call that needs Redis connects
 * first (redisConnectWithTimeout, then redisSetTimeout for commands, then
 * AUTH and SELECT when configured).  An I/O error, EOF or timeout frees the
 * context; a command that failed on a connection made by an earlier call
 * is retried once on a fresh one (GET, PTTL, SET and PING are idempotent).
 * Failure semantics: a put that cannot reach Redis returns -1 but the value
 * stays in process; a get that cannot reach Redis answers from the
 * in-process copy when there is one, else returns -1.  Values are checked
 * to be JSON both ways, so a foreign or damaged value in Redis is reported
 * (with the key and the JSON error offset), never handed to a model.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "cache.h"
#include "conf.h"
#include "json.h"
#include "log.h"
#include "util.h"

#define CACHE_BUCKETS 256
#define CACHE_NAME_MAX 64               /* model and underlying names */
#define CACHE_VALUE_MAX (1u << 20)      /* bytes of one entry */
#define CACHE_KEY_PREFIX "qdesk:params:"

struct cache_entry {
	struct cache_entry *next;
	char *key;
	char *value;
	double expires;                 /* monotonic seconds */
};

struct cache {
	pthread_mutex_t lock;
	/* Redis, when configured */
	int redis;
	char *url;                      /* as configured (never has a password) */
	char *host;
	int port;
	long db;
	char *password;
	double timeout;
	redisContext *ctx;
	char error[256];                /* why the last Redis call failed, or "" */
	int fallback_warned;            /* a fallback was logged in this outage */
	/* in process */
	struct cache_entry *buckets[CACHE_BUCKETS];
	unsigned long entries;
};

/* A Redis command as argv. */
struct cache_cmd {
	int argc;
	const char *argv[6];
	size_t argvlen[6];
};

/* Parses "redis://HOST[:PORT][/DB]" into the cache's fields. */
static int cache_parse_url(struct cache *c, const char *url, char **cause)
{
	const char *p, *h, *he, *slash;
	long port = 6379, db = 0;
	char *end;

	if (strncmp(url, "redis://", 8) != 0) {
		*cause = xasprintf("cache.redis: '%.60s' is not a redis://HOST:PORT/DB URL%s", url,
		    strncmp(url, "rediss://", 9) == 0 ? " (TLS to Redis is not supported)" : "");
		return -1;
	}
	p = url + 8;
	slash = strchr(p, '/');
	if (memchr(p, '@', slash != NULL ? (size_t)(slash - p) : strlen(p)) != NULL) {
		*cause = xstrdup("cache.redis: credentials in the URL are refused; put the "
		    "password in cache.redis_password (or $QDESK_REDIS_PASSWORD)");
		return -1;
	}
	if (*p == '[') {
		h = p + 1;
		if ((he = strchr(h, ']')) == NULL) {
			*cause = xstrdup("cache.redis: unterminated [IPv6] host");
			return -1;
		}
		p = he + 1;
	} else {
		h = p;
		for (he = h; *he != '\0' && *he != ':' && *he != '/'; he++)
			;
		p = he;
	}
	if (he == h) {
		*cause = xstrdup("cache.redis: the URL has no host");
		return -1;
	}
	if (*p == ':') {
		errno = 0;
		port = strtol(p + 1, &end, 10);
		if (end == p + 1 || errno != 0 || port < 1 || port > 65535 ||
		    (*end != '\0' && *end != '/')) {
			*cause = xasprintf("cache.redis: bad port in '%.60s' (1..65535)", url);
			return -1;
		}
		p = end;
	}
	if (*p == '/' && p[1] != '\0') {
		errno = 0;
		db = strtol(p + 1, &end, 10);
		if (end == p + 1 || errno != 0 || db < 0 || db > 1000000 || *end != '\0') {
			*cause = xasprintf("cache.redis: bad database number in '%.60s'", url);
			return -1;
		}
	} else if (*p != '\0' && strcmp(p, "/") != 0) {
		*cause = xasprintf("cache.redis: unexpected '%.20s' in the URL", p);
		return -1;
	}
	c->host = xasprintf("%.*s", (int)(he - h), h);
	c->port = (int)port;
	c->db = db;
	c->url = xasprintf("redis://%s%s%s:%d/%ld", strchr(c->host, ':') ? "[" : "", c->host,
	    strchr(c->host, ':') ? "]" : "", c->port, c->db);
	return 0;
}

/* Forgets the Redis settings and connection. */
static void cache_unconfigure(struct cache *c)
{
	if (c->ctx != NULL)
		redisFree(c->ctx);
	c->ctx = NULL;
	free(c->url);
	free(c->host);
	if (c->password != NULL)
		memset(c->password, 0, strlen(c->password));
	free(c->password);
	c->url = c->host = c->password = NULL;
	c->redis = 0;
	c->error[0] = '\0';
}

/* Applies a URL/password/timeout to an existing cache. */
static int cache_configure(struct cache *c, const char *url, const char *password,
    double timeout, char **cause)
{
	struct cache tmp;

	memset(&tmp, 0, sizeof tmp);
	if (url != NULL && *url != '\0' && cache_parse_url(&tmp, url, cause) != 0)
		return -1;
	cache_unconfigure(c);
	c->timeout = timeout > 0 ? timeout : 1;
	if (tmp.url != NULL) {
		c->redis = 1;
		c->url = tmp.url;
		c->host = tmp.host;
		c->port = tmp.port;
		c->db = tmp.db;
		c->password = password != NULL && *password != '\0' ? xstrdup(password) : NULL;
	}
	return 0;
}

/* Creates a cache. */
struct cache *cache_open(const char *url, const char *password, double timeout, char **cause)
{
	struct cache *c = xcalloc(1, sizeof *c);

	pthread_mutex_init(&c->lock, NULL);
	if (cache_configure(c, url, password, timeout, cause) != 0) {
		pthread_mutex_destroy(&c->lock);
		free(c);
		return NULL;
	}
	return c;
}

/* Frees a cache and its table. */
void cache_close(struct cache *c)
{
	struct cache_entry *e, *next;
	int i;

	if (c == NULL)
		return;
	cache_unconfigure(c);
	for (i = 0; i < CACHE_BUCKETS; i++) {
		for (e = c->buckets[i]; e != NULL; e = next) {
			next = e->next;
			free(e->key);
			free(e->value);
			free(e);
		}
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Checks a model or underlying name: 1..64 of [A-Za-z0-9._/-]. */
static int cache_name_ok(const char *what, const char *s, char **cause)
{
	size_t i, n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > CACHE_NAME_MAX) {
		*cause = xasprintf("cache: %s must be 1 to %d characters", what, CACHE_NAME_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!isalnum(ch) && ch != '.' && ch != '_' && ch != '/' && ch != '-') {
			*cause = xasprintf("cache: %s '%.64s' may hold only letters, digits and "
			    ". _ / -", what, s);
			return -1;
		}
	}
	return 0;
}

/* Hashes a key (FNV-1a). */
static unsigned cache_hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % CACHE_BUCKETS;
}

/* Finds a live in-process entry, dropping it when expired. */
static struct cache_entry *cache_find(struct cache *c, const char *key)
{
	struct cache_entry **pp = &c->buckets[cache_hash(key)], *e;

	while ((e = *pp) != NULL) {
		if (strcmp(e->key, key) == 0) {
			if (now_monotonic() < e->expires)
				return e;
			*pp = e->next;
			free(e->key);
			free(e->value);
			free(e);
			c->entries--;
			return NULL;
		}
		pp = &e->next;
	}
	return NULL;
}

/* Stores an entry in process. */
static void cache_store_local(struct cache *c, const char *key, const char *value, long ttl)
{
	struct cache_entry *e = cache_find(c, key);

	if (e == NULL) {
		unsigned h = cache_hash(key);

		e = xcalloc(1, sizeof *e);
		e->key = xstrdup(key);
		e->next = c->buckets[h];
		c->buckets[h] = e;
		c->entries++;
	} else
		free(e->value);
	e->value = xstrdup(value);
	e->expires = now_monotonic() + (double)ttl;
}

/* Records why Redis failed, in words. */
static void cache_set_error(struct cache *c, const char *what, const redisContext *ctx)
{
	const char *why = ctx != NULL ? ctx->errstr : "cannot allocate a context";

	if (ctx != NULL && ctx->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK))
		snprintf(c->error, sizeof c->error, "%s: timed out after %.3g s", what, c->timeout);
	else if (ctx != NULL && ctx->err == REDIS_ERR_EOF)
		snprintf(c->error, sizeof c->error, "%s: the server closed the connection", what);
	else
		snprintf(c->error, sizeof c->error, "%s: %s", what, why);
}

/* Connects (with AUTH and SELECT); 0 or -1 with c->error set. */
static int cache_connect(struct cache *c)
{
	struct timeval tv;
	redisContext *ctx;
	redisReply *r;
	char dbs[24];

	tv.tv_sec = (time_t)c->timeout;
	tv.tv_usec = (suseconds_t)((c->timeout - (double)tv.tv_sec) * 1e6);
	ctx = redisConnectWithTimeout(c->host, c->port, tv);
	if (ctx == NULL || ctx->err) {
		cache_set_error(c, "connect", ctx);
		if (ctx != NULL)
			redisFree(ctx);
		return -1;
	}
	redisSetTimeout(ctx, tv);
	if (c->password != NULL) {
		const char *argv[] = { "AUTH", c->password };
		size_t len[] = { 4, strlen(c->password) };

		r = redisCommandArgv(ctx, 2, argv, len);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			if (r == NULL)
				cache_set_error(c, "AUTH", ctx);
			else
				snprintf(c->error, sizeof c->error, "AUTH refused: %.200s", r->str);
			freeReplyObject(r);
			redisFree(ctx);
			return -1;
		}
		freeReplyObject(r);
	}
	if (c->db != 0) {
		const char *argv[] = { "SELECT", dbs };
		size_t len[2];

		snprintf(dbs, sizeof dbs, "%ld", c->db);
		len[0] = 6;
		len[1] = strlen(dbs);
		r = redisCommandArgv(ctx, 2, argv, len);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			if (r == NULL)
				cache_set_error(c, "SELECT", ctx);
			else
				snprintf(c->error, sizeof c->error, "SELECT %ld refused: %.200s",
				    c->db, r->str);
			freeReplyObject(r);
			redisFree(ctx);
			return -1;
		}
		freeReplyObject(r);
	}
	if (c->error[0] != '\0')
		log_info("cache: connected to %s again", c->url);
	c->ctx = ctx;
	c->error[0] = '\0';
	c->fallback_warned = 0;
	return 0;
}

/* Runs n pipelined commands, reconnecting as needed; fills replies (free
 * them) and returns 0, or -1 with c->error set. */
static int cache_run(struct cache *c, const struct cache_cmd *cmds, int n, redisReply **replies)
{
	int attempt, i, fresh;

	for (attempt = 0; attempt < 2; attempt++) {
		fresh = c->ctx == NULL;
		if (fresh && cache_connect(c) != 0)
			return -1;
		for (i = 0; i < n; i++)
			redisAppendCommandArgv(c->ctx, cmds[i].argc, (const char **)cmds[i].argv,
			    cmds[i].argvlen);
		for (i = 0; i < n; i++) {
			void *r = NULL;

			if (redisGetReply(c->ctx, &r) != REDIS_OK) {
				cache_set_error(c, cmds[i].argv[0], c->ctx);
				while (--i >= 0)
					freeReplyObject(replies[i]);
				redisFree(c->ctx);
				c->ctx = NULL;
				break;
			}
			replies[i] = r;
		}
		if (i == n)
			return 0;
		if (fresh)
			return -1;      /* a new connection failing is an outage */
		log_info("cache: %s: %s; reconnecting", c->url, c->error);
	}
	return -1;
}

/* Builds the key of (model, underlying) into a new string. */
static char *cache_key(const char *model, const char *underlying)
{
	return xasprintf(CACHE_KEY_PREFIX "%s:%s", model, underlying);
}

/* Stores parameters. */
int cache_put_params(struct cache *c, const char *model, const char *underlying,
    const char *json, long ttl, char **cause)
{
	struct cache_cmd cmd;
	redisReply *r = NULL;
	struct json_doc *d;
	char *key, *why = NULL, ttls[24];
	size_t len = json != NULL ? strlen(json) : 0;
	int rc = 0;

	if (cache_name_ok("model", model, cause) != 0 ||
	    cache_name_ok("underlying", underlying, cause) != 0)
		return -1;
	if (ttl < 1) {
		*cause = xasprintf("cache: TTL must be at least 1 second, got %ld", ttl);
		return -1;
	}
	if (len > CACHE_VALUE_MAX) {
		*cause = xasprintf("cache: %s/%s: value of %zu bytes exceeds %u", model, underlying,
		    len, CACHE_VALUE_MAX);
		return -1;
	}
	if ((d = json_parse(json, len, &why)) == NULL) {
		*cause = xasprintf("cache: %s/%s: the value is not valid JSON: %s", model,
		    underlying, why);
		free(why);
		return -1;
	}
	json_free(d);
	key = cache_key(model, underlying);
	snprintf(ttls, sizeof ttls, "%ld", ttl);
	pthread_mutex_lock(&c->lock);
	cache_store_local(c, key, json, ttl);
	if (c->redis) {
		cmd = (struct cache_cmd){ 5, { "SET", key, json, "EX", ttls },
		    { 3, strlen(key), len, 2, strlen(ttls) } };
		if (cache_run(c, &cmd, 1, &r) != 0) {
			*cause = xasprintf("cache: %s: SET %s: %s (kept in process)", c->url, key,
			    c->error);
			rc = -1;
		} else if (r->type != REDIS_REPLY_STATUS) {
			*cause = xasprintf("cache: %s: SET %s: %.200s", c->url, key,
			    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
			rc = -1;
		}
		freeReplyObject(r);
	}
	pthread_mutex_unlock(&c->lock);
	free(key);
	return rc;
}

/* Answers a get from the in-process table. */
static int cache_get_local(struct cache *c, const char *key, char **json, double *ttl_left)
{
	struct cache_entry *e = cache_find(c, key);

	if (e == NULL)
		return 0;
	*json = xstrdup(e->value);
	if (ttl_left != NULL)
		*ttl_left = e->expires - now_monotonic();
	return 1;
}

/* Reads parameters. */
int cache_get_params(struct cache *c, const char *model, const char *underlying,
    char **json, double *ttl_left, char **cause)
{
	struct cache_cmd cmds[2];
	redisReply *r[2] = { NULL, NULL };
	struct json_doc *d;
	char *key, *why = NULL;
	int rc;

	*json = NULL;
	if (cache_name_ok("model", model, cause) != 0 ||
	    cache_name_ok("underlying", underlying, cause) != 0)
		return -1;
	key = cache_key(model, underlying);
	pthread_mutex_lock(&c->lock);
	if (!c->redis) {
		rc = cache_get_local(c, key, json, ttl_left);
		goto out;
	}
	cmds[0] = (struct cache_cmd){ 2, { "GET", key }, { 3, strlen(key) } };
	cmds[1] = (struct cache_cmd){ 2, { "PTTL", key }, { 4, strlen(key) } };
	if (cache_run(c, cmds, 2, r) != 0) {
		if ((rc = cache_get_local(c, key, json, ttl_left)) == 1) {
			if (!c->fallback_warned)
				log_warn("cache: %s is down (%s); answering from this process's "
				    "copy", c->url, c->error);
			c->fallback_warned = 1;
			goto out;
		}
		*cause = xasprintf("cache: %s: GET %s: %s", c->url, key, c->error);
		rc = -1;
		goto out;
	}
	if (r[0]->type == REDIS_REPLY_NIL)
		rc = 0;
	else if (r[0]->type != REDIS_REPLY_STRING) {
		*cause = xasprintf("cache: %s: GET %s: %.200s", c->url, key,
		    r[0]->type == REDIS_REPLY_ERROR ? r[0]->str : "not a string value");
		rc = -1;
	} else if ((d = json_parse(r[0]->str, r[0]->len, &why)) == NULL) {
		*cause = xasprintf("cache: %s: %s holds a value that is not valid JSON: %s", c->url,
		    key, why);
		free(why);
		rc = -1;
	} else {
		json_free(d);
		*json = xstrdup(r[0]->str);
		if (ttl_left != NULL)
			*ttl_left = r[1]->type == REDIS_REPLY_INTEGER && r[1]->integer >= 0 ?
			    (double)r[1]->integer / 1000.0 : NAN;
		rc = 1;
	}
	freeReplyObject(r[0]);
	freeReplyObject(r[1]);
out:
	pthread_mutex_unlock(&c->lock);
	free(key);
	return rc;
}

/* Reports where the cache is and whether Redis answers. */
void cache_status(struct cache *c, int probe, struct cache_status *st)
{
	memset(st, 0, sizeof *st);
	pthread_mutex_lock(&c->lock);
	st->entries = c->entries;
	if (!c->redis) {
		snprintf(st->where, sizeof st->where, "in-process");
		st->state = "in-process";
		pthread_mutex_unlock(&c->lock);
		return;
	}
	snprintf(st->where, sizeof st->where, "%s", c->url);
	if (probe) {
		struct cache_cmd cmd = { 1, { "PING" }, { 4 } };
		redisReply *r = NULL;

		if (cache_run(c, &cmd, 1, &r) == 0)
			freeReplyObject(r);
	}
	st->state = c->ctx != NULL ? "connected" : "down";
	if (c->ctx == NULL)
		snprintf(st->error, sizeof st->error, "%s",
		    c->error[0] != '\0' ? c->error : "not connected yet");
	pthread_mutex_unlock(&c->lock);
}

static pthread_mutex_t cache_shared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cache *cache_shared_c;
static char *cache_shared_conf;         /* the settings it was built from */

/* Frees the shared cache at exit. */
static void cache_shared_free(void)
{
	pthread_mutex_lock(&cache_shared_lock);
	cache_close(cache_shared_c);
	cache_shared_c = NULL;
	free(cache_shared_conf);
	cache_shared_conf = NULL;
	pthread_mutex_unlock(&cache_shared_lock);
}

/* Returns the process's cache, (re)configured from [cache]. */
struct cache *cache_shared(struct conf *conf, char **cause)
{
	const char *url = conf_get_str(conf, "cache.redis");
	const char *pw = conf_get_str(conf, "cache.redis_password");
	double timeout = conf_get_double(conf, "cache.timeout_seconds");
	struct cache *c = NULL;
	char *settings;

	settings = xasprintf("%s\n%s\n%.17g", url, pw, timeout);
	pthread_mutex_lock(&cache_shared_lock);
	if (cache_shared_c == NULL) {
		if ((cache_shared_c = cache_open(url, pw, timeout, cause)) != NULL) {
			atexit(cache_shared_free);
			cache_shared_conf = settings;
			settings = NULL;
		}
	} else if (strcmp(settings, cache_shared_conf) != 0) {
		pthread_mutex_lock(&cache_shared_c->lock);
		if (cache_configure(cache_shared_c, url, pw, timeout, cause) == 0) {
			free(cache_shared_conf);
			cache_shared_conf = settings;
			settings = NULL;
		} else {
			pthread_mutex_unlock(&cache_shared_c->lock);
			goto out;
		}
		pthread_mutex_unlock(&cache_shared_c->lock);
	}
	c = cache_shared_c;
out:
	pthread_mutex_unlock(&cache_shared_lock);
	if (settings != NULL) {
		memset(settings, 0, strlen(settings));
		free(settings);
	}
	return c;
}
