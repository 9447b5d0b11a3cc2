/*
 * feed.h -- the one interface every market-data source implements.
 *
 * DESIGN
 * A feed (the simulator, CSV replay, an HTTP provider) is a small object
 * behind `struct feed_ops`.  feed_start() runs it on its own thread: the
 * thread calls ops->poll() in a loop, and poll() delivers what it has
 * through the sink's callbacks (quotes, bars, chains, status changes) and
 * returns.  The sink (the market state) must be thread-safe; a feed never
 * blocks longer than until the deadline it is given, so feed_stop() takes
 * effect within one poll.  A poll error is reported through on_status and
 * the runner retries with backoff: a dead provider never kills the thread
 * or the program.
 */
#ifndef QD_FEED_H
#define QD_FEED_H

#include "market.h"

struct conf;

struct feed_sink {
	void (*on_quote)(void *arg, const struct quote *q);
	void (*on_bar)(void *arg, const struct bar *b);
	void (*on_chain)(void *arg, const struct option_chain *c);
	/* ok = 0 when the feed is failing; msg says why (never a secret). */
	void (*on_status)(void *arg, const char *feed, int ok, const char *msg);
	void *arg;
};

struct feed;    /* private to each implementation */

struct feed_ops {
	const char *name;       /* "sim", "csv", "alpaca", "tradier" */
	/* Creates the feed from the configuration; 0 or -1 with cause. */
	int (*open)(struct feed **out, struct conf *conf, char **cause);
	/* Delivers available data to sink, returning by deadline (monotonic
	 * seconds); 0, or -1 with cause on a (retryable) failure. */
	int (*poll)(struct feed *f, const struct feed_sink *sink, double deadline, char **cause);
	void (*close)(struct feed *f);
};

/* Returns the ops of a feed by name, or NULL. */
const struct feed_ops *feed_find(const char *name);

struct feed_runner;

/* Opens the named feed and starts its thread; NULL with cause. */
struct feed_runner *feed_start(const char *name, struct conf *conf,
    const struct feed_sink *sink, char **cause);
/* Stops the thread (within one poll) and closes the feed. */
void feed_stop(struct feed_runner *r);
/* Current state for `feed status`: name, running, ok, last message,
 * events delivered, last event time (epoch seconds). */
struct feed_status {
	char name[32];
	int running, ok;
	char message[256];
	unsigned long events, errors;
	double last_event;
};
void feed_get_status(struct feed_runner *r, struct feed_status *st);

/* --- added by issue 5 (market data) ------------------------------------- */

/* Like feed_start, for a feed that is not in the table (tests, plugins). */
struct feed_runner *feed_start_ops(const struct feed_ops *ops, struct conf *conf,
    const struct feed_sink *sink, char **cause);

/* Seconds of work a computing feed (sim, csv) does per poll at most, so
 * that feed_stop() takes effect quickly whatever the deadline. */
#define FEED_WORK_BUDGET 0.2

/* The process's one running feed, delivering into the market state
 * (mstate_global(), through validation).  Used by `feed start|stop|status`
 * and by the engine to start the configured feed; stopped at exit.
 * name NULL: feed.source (http: feed.http_provider).  0 or -1 with cause
 * (also when a feed is already running). */
int feed_global_start(const char *name, struct conf *conf, char **cause);
/* Stops it; 0, or -1 when no feed was running. */
int feed_global_stop(void);
/* 1 and the status when a feed runs; 0 when none (st then holds the
 * final status of the last one, or zeros). */
int feed_global_status(struct feed_status *st);

#endif
