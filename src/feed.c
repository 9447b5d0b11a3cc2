/*
 * feed.c -- the feed runner of feed.h: one thread per running feed, its
 * stop flag, retry with backoff, and the status `feed status` shows; and
 * feed_find() over the table of every feed qdesk knows.
 *
 * DESIGN
 * feed_start() opens the feed on the caller's thread (so a bad
 * configuration is reported at once) and starts one thread that loops:
 * poll(deadline = now + feed.poll_timeout); a failed poll is counted,
 * reported through on_status, and retried after a backoff that doubles
 * from FEED_BACKOFF_MIN to FEED_BACKOFF_MAX seconds and resets on the
 * next success.  A poll that delivered nothing is followed by a wait of
 * feed.poll_interval from its start, so no feed can spin the CPU.  Feeds
 * that compute rather than fetch (sim, csv) bound their own work per poll
 * to FEED_WORK_BUDGET seconds, well inside any deadline.
 * Every wait is on a condition variable that feed_stop() signals: stop
 * takes effect within one poll.  The runner wraps the caller's sink to
 * count events; the counters and the status message live under the
 * runner's mutex.  Only the runner's thread calls the feed's poll; open
 * and close run on the thread that calls feed_start and feed_stop.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "feed.h"
#include "log.h"
#include "market-state.h"
#include "util.h"

#define FEED_BACKOFF_MIN 0.5
#define FEED_BACKOFF_MAX 30.0
#define FEED_POLL_DEFAULT 0.25
#define FEED_TIMEOUT_DEFAULT 60.0

extern const struct feed_ops feed_sim_ops;
extern const struct feed_ops feed_csv_ops;
/* HTTP feeds (issue 5b, feed-http*.c): add their extern declarations here,
 * e.g. extern const struct feed_ops feed_alpaca_ops, feed_tradier_ops; */
extern const struct feed_ops feed_alpaca_ops, feed_tradier_ops;

static const struct feed_ops *const feed_table[] = {
	&feed_sim_ops,
	&feed_csv_ops,
	/* HTTP feeds: &feed_alpaca_ops, &feed_tradier_ops rows go here */
	&feed_alpaca_ops,
	&feed_tradier_ops,
};

struct feed_runner {
	const struct feed_ops *ops;
	struct feed *f;
	struct feed_sink user;          /* where the data goes */
	struct feed_sink wrap;          /* counts, then forwards to user */
	double poll_interval;           /* idle wait after a poll that delivered nothing */
	double poll_timeout;            /* deadline of one poll */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stop;
	struct feed_status st;
};

/* Finds a feed by name. */
const struct feed_ops *feed_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof feed_table / sizeof feed_table[0]; i++) {
		if (strcmp(feed_table[i]->name, name) == 0)
			return feed_table[i];
	}
	return NULL;
}

/* Counts one delivered event. */
static void feed_count(struct feed_runner *r)
{
	pthread_mutex_lock(&r->lock);
	r->st.events++;
	r->st.last_event = now_wall();
	pthread_mutex_unlock(&r->lock);
}

/* Counts a quote and passes it on. */
static void feed_wrap_quote(void *arg, const struct quote *q)
{
	struct feed_runner *r = arg;

	feed_count(r);
	if (r->user.on_quote != NULL)
		r->user.on_quote(r->user.arg, q);
}

/* Counts a bar and passes it on. */
static void feed_wrap_bar(void *arg, const struct bar *b)
{
	struct feed_runner *r = arg;

	feed_count(r);
	if (r->user.on_bar != NULL)
		r->user.on_bar(r->user.arg, b);
}

/* Counts a chain and passes it on. */
static void feed_wrap_chain(void *arg, const struct option_chain *c)
{
	struct feed_runner *r = arg;

	feed_count(r);
	if (r->user.on_chain != NULL)
		r->user.on_chain(r->user.arg, c);
}

/* Records a status change and forwards it. */
static void feed_wrap_status(void *arg, const char *feed, int ok, const char *msg)
{
	struct feed_runner *r = arg;
	int changed;

	pthread_mutex_lock(&r->lock);
	changed = r->st.ok != ok || strcmp(r->st.message, msg) != 0;
	r->st.ok = ok;
	snprintf(r->st.message, sizeof r->st.message, "%s", msg);
	pthread_mutex_unlock(&r->lock);
	if (changed && r->user.on_status != NULL)
		r->user.on_status(r->user.arg, feed, ok, msg);
}

/* Waits until the monotonic time `until` or a stop; returns 1 on stop. */
static int feed_wait(struct feed_runner *r, double until)
{
	struct timespec ts;
	int stop;

	if (!(until < 1e15))
		until = now_monotonic() + FEED_BACKOFF_MAX;
	ts.tv_sec = (time_t)until;
	ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 0;
	pthread_mutex_lock(&r->lock);
	while (!r->stop && now_monotonic() < until) {
		if (pthread_cond_timedwait(&r->cond, &r->lock, &ts) == ETIMEDOUT)
			break;
	}
	stop = r->stop;
	pthread_mutex_unlock(&r->lock);
	return stop;
}

/* Returns the stop flag. */
static int feed_stopping(struct feed_runner *r)
{
	int stop;

	pthread_mutex_lock(&r->lock);
	stop = r->stop;
	pthread_mutex_unlock(&r->lock);
	return stop;
}

/* The feed thread. */
static void *feed_thread(void *arg)
{
	struct feed_runner *r = arg;
	double backoff = FEED_BACKOFF_MIN;

	while (!feed_stopping(r)) {
		double start = now_monotonic(), deadline = start + r->poll_timeout;
		unsigned long before;
		char *cause = NULL;
		int rc;

		pthread_mutex_lock(&r->lock);
		before = r->st.events;
		pthread_mutex_unlock(&r->lock);
		rc = r->ops->poll(r->f, &r->wrap, deadline, &cause);
		if (rc != 0) {
			char msg[256];

			snprintf(msg, sizeof msg, "%s (retrying in %.1f s)",
			    cause != NULL ? cause : "poll failed", backoff);
			free(cause);
			pthread_mutex_lock(&r->lock);
			r->st.errors++;
			pthread_mutex_unlock(&r->lock);
			feed_wrap_status(r, r->ops->name, 0, msg);
			if (feed_wait(r, now_monotonic() + backoff))
				break;
			backoff = fmin(backoff * 2, FEED_BACKOFF_MAX);
			continue;
		}
		free(cause);
		backoff = FEED_BACKOFF_MIN;
		pthread_mutex_lock(&r->lock);
		rc = r->st.ok;
		pthread_mutex_unlock(&r->lock);
		if (!rc)
			feed_wrap_status(r, r->ops->name, 1, "running");
		pthread_mutex_lock(&r->lock);
		rc = r->st.events == before;
		pthread_mutex_unlock(&r->lock);
		if (rc && feed_wait(r, start + r->poll_interval))
			break;
	}
	pthread_mutex_lock(&r->lock);
	r->st.running = 0;
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* Opens a feed by name and starts its thread. */
struct feed_runner *feed_start(const char *name, struct conf *conf,
    const struct feed_sink *sink, char **cause)
{
	const struct feed_ops *ops = feed_find(name);

	if (ops == NULL) {
		*cause = xasprintf("unknown feed '%s'", name);
		return NULL;
	}
	return feed_start_ops(ops, conf, sink, cause);
}

/* Opens the feed of ops and starts its thread. */
struct feed_runner *feed_start_ops(const struct feed_ops *ops, struct conf *conf,
    const struct feed_sink *sink, char **cause)
{
	const char *name = ops->name;
	struct feed_runner *r;
	pthread_condattr_t ca;

	r = xcalloc(1, sizeof *r);
	r->ops = ops;
	r->user = *sink;
	r->wrap.on_quote = feed_wrap_quote;
	r->wrap.on_bar = feed_wrap_bar;
	r->wrap.on_chain = feed_wrap_chain;
	r->wrap.on_status = feed_wrap_status;
	r->wrap.arg = r;
	r->poll_interval = FEED_POLL_DEFAULT;
	r->poll_timeout = FEED_TIMEOUT_DEFAULT;
	if (conf != NULL && conf_find("feed.poll_interval") >= 0)
		r->poll_interval = conf_get_double(conf, "feed.poll_interval");
	if (conf != NULL && conf_find("feed.poll_timeout") >= 0)
		r->poll_timeout = conf_get_double(conf, "feed.poll_timeout");
	snprintf(r->st.name, sizeof r->st.name, "%s", name);
	snprintf(r->st.message, sizeof r->st.message, "starting");
	r->st.last_event = NAN;
	if (ops->open(&r->f, conf, cause) != 0) {
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);  /* now_monotonic's clock */
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	r->st.running = 1;
	if (pthread_create(&r->thread, NULL, feed_thread, r) != 0) {
		*cause = xasprintf("feed %s: cannot start a thread", name);
		ops->close(r->f);
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->cond);
		free(r);
		return NULL;
	}
	log_info("feed %s started", name);
	return r;
}

/* Stops a feed and frees its runner. */
void feed_stop(struct feed_runner *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = 1;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	r->ops->close(r->f);
	log_info("feed %s stopped after %lu events, %lu errors", r->st.name, r->st.events,
	    r->st.errors);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r);
}

/* Copies the runner's status. */
void feed_get_status(struct feed_runner *r, struct feed_status *st)
{
	pthread_mutex_lock(&r->lock);
	*st = r->st;
	pthread_mutex_unlock(&r->lock);
}

/* The process's running feed (see feed_global_start in feed.h). */
static pthread_mutex_t feed_global_lock = PTHREAD_MUTEX_INITIALIZER;
static struct feed_runner *feed_global_runner;
static struct mstate_source feed_global_src;
static struct feed_status feed_global_last;
static int feed_global_atexit;

/* Stops the feed at exit, before the market state is freed. */
static void feed_global_exit(void)
{
	feed_global_stop();
}

/* Starts the process's feed. */
int feed_global_start(const char *name, struct conf *conf, char **cause)
{
	struct mstate *ms = mstate_global();
	struct feed_sink sink;
	struct feed_runner *r;

	if (name == NULL || *name == '\0')
		name = conf_get_str(conf, "feed.source");
	if (name != NULL && strcmp(name, "http") == 0) {
		if (conf_find("feed.http_provider") < 0) {
			*cause = xasprintf("feed http: no HTTP feed is built in");
			return -1;
		}
		name = conf_get_str(conf, "feed.http_provider");
	}
	if (name == NULL || feed_find(name) == NULL) {
		*cause = xasprintf("unknown feed '%s' (sim, csv or http)", name != NULL ? name : "");
		return -1;
	}
	pthread_mutex_lock(&feed_global_lock);
	if (feed_global_runner != NULL) {
		*cause = xasprintf("feed %s is already running (feed stop first)",
		    feed_global_last.name);
		pthread_mutex_unlock(&feed_global_lock);
		return -1;
	}
	mstate_configure(ms, conf);
	mstate_sink_init(&sink, &feed_global_src, ms, name);
	if ((r = feed_start(name, conf, &sink, cause)) == NULL) {
		pthread_mutex_unlock(&feed_global_lock);
		return -1;
	}
	feed_global_runner = r;
	memset(&feed_global_last, 0, sizeof feed_global_last);
	snprintf(feed_global_last.name, sizeof feed_global_last.name, "%s", name);
	if (!feed_global_atexit) {
		feed_global_atexit = 1;
		atexit(feed_global_exit);
	}
	pthread_mutex_unlock(&feed_global_lock);
	return 0;
}

/* Stops the process's feed. */
int feed_global_stop(void)
{
	struct feed_runner *r;

	pthread_mutex_lock(&feed_global_lock);
	if ((r = feed_global_runner) == NULL) {
		pthread_mutex_unlock(&feed_global_lock);
		return -1;
	}
	feed_get_status(r, &feed_global_last);
	feed_stop(r);
	feed_global_runner = NULL;
	feed_global_last.running = 0;
	pthread_mutex_unlock(&feed_global_lock);
	return 0;
}

/* Status of the process's feed. */
int feed_global_status(struct feed_status *st)
{
	int running;

	pthread_mutex_lock(&feed_global_lock);
	if ((running = feed_global_runner != NULL))
		feed_get_status(feed_global_runner, st);
	else
		*st = feed_global_last;
	pthread_mutex_unlock(&feed_global_lock);
	return running;
}
