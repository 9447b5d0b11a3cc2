/*
 * cache.h -- the parameter cache: the latest calibrated parameters per
 * model and underlying, with a time to live, shared between processes
 * through Redis (hiredis) or kept in process when no Redis is configured.
 *
 * DESIGN
 * A `struct cache` is safe to use from any thread: one mutex serialises
 * the hiredis connection and the in-process table.  Entries are JSON
 * texts (validated on the way in and on the way out) under the Redis keys
 * "qdesk:params:MODEL:UNDERLYING", written with SET ... EX TTL.  When a
 * Redis command fails the connection is dropped; the next call reconnects
 * (connect and command timeouts bounded by the configured timeout) and a
 * command that failed on a connection that went stale is retried once on
 * the new one, so a Redis restart costs no error at all.  Every put is
 * also kept in process: while Redis is down a get falls back to what this
 * process wrote itself (a warning is logged once per outage), and an entry
 * it never wrote is an error naming the server and the reason.
 */
#ifndef QD_CACHE_H
#define QD_CACHE_H

struct conf;
struct cache;

/* Opens a cache: Redis at url ("redis://HOST[:PORT][/DB]") with an
 * optional password, or in process when url is NULL or empty.  A Redis
 * that is down is not an error here (the cache reconnects on use); a
 * malformed URL is.  timeout bounds connecting and each command. */
struct cache *cache_open(const char *url, const char *password, double timeout, char **cause);
void cache_close(struct cache *c);

/* Stores json for (model, underlying) for ttl seconds (>= 1); 0, or -1
 * with *cause (the in-process copy is kept either way). */
int cache_put_params(struct cache *c, const char *model, const char *underlying,
    const char *json, long ttl, char **cause);
/* Reads the entry for (model, underlying): 1 with *json (free it) and
 * *ttl_left (seconds, may be NULL), 0 when there is none, -1 with *cause. */
int cache_get_params(struct cache *c, const char *model, const char *underlying,
    char **json, double *ttl_left, char **cause);

struct cache_status {
	char where[160];        /* "redis://HOST:PORT/DB" (no password) or "in-process" */
	const char *state;      /* "connected", "down" or "in-process" */
	char error[256];        /* why it is down, or "" */
	unsigned long entries;  /* entries held in process */
};

/* Fills st; with probe set, a Redis cache pings (or reconnects) first so
 * the state is current. */
void cache_status(struct cache *c, int probe, struct cache_status *st);

/* The process's cache, opened from [cache] keys on first use and
 * reconfigured in place when those keys change; NULL with *cause when the
 * configuration is invalid. */
struct cache *cache_shared(struct conf *conf, char **cause);

#endif
