/*
 * engine.h -- the engine: the background threads that turn market data
 * into calibrated parameters and signals (ARCHITECTURE.md, "Threads and
 * the way data flows").
 *
 * DESIGN
 * The process has one engine.  engine_start() starts, in this order:
 *   - the store writer (engine-store.c): one thread, the only one writing
 *     the engine's rows (calibrations, signals, audit entries) through its
 *     own store connection, fed by a bounded queue;
 *   - the calibration pool (engine-calib.c): engine.workers threads (0 =
 *     one per core) popping calibration jobs from a bounded queue and
 *     running calib_run() (calib.h);
 *   - the configured feed (feed_global_start), unless one already runs;
 *   - the engine thread (engine.c): wakes on a timer (engine.tick_ms) and
 *     when the pool delivers, reads a market snapshot, decides what to
 *     calibrate (first sight of a symbol, the schedule in the exchange's
 *     time zone, a move of the market, a new daily bar of a pair), runs
 *     the enabled strategies when the market or the parameters changed,
 *     aggregates their signals and publishes an engine snapshot.  A
 *     signal whose edge cannot pay even costs.edge_margin x the quoted
 *     spread of its lead leg (tcost_spread_ok) is kept as uneconomic,
 *     out of the vote and of the pending list, and counted.
 * engine_stop() stops them in the reverse order, draining the store
 * queue, so nothing accepted is lost; start after stop starts afresh.
 *
 * Shared state (the parameter book, the signals, the alerts) lives under
 * one mutex and is only ever read by others through engine_snapshot(): an
 * immutable, reference-counted copy rebuilt when something changed.  The
 * parameter book survives engine restarts within the process, and is
 * reloaded from the store at start (latest accepted calibrations).
 *
 * Commands (the UI thread or the batch reader) never block on the engine
 * for long: calibration requests are queued and waited for with a time
 * limit; configuration changes are applied under the strategies' mutex.
 */
#ifndef QD_ENGINE_H
#define QD_ENGINE_H

#include <stddef.h>

#include "bqueue.h"
#include "calib.h"
#include "trade-signal.h"

struct conf;

#define ENGINE_ALERTS_MAX 256           /* the latest alerts kept */

/* One alert for a human: a failed or poor calibration, a parameter
 * shift, an overflowing queue, a dead store. */
struct engine_alert {
	unsigned long seq;
	double time;                    /* wall clock, epoch seconds */
	char source[32];                /* "calibrate", "store", "strategy volarb", ... */
	char symbol[MARKET_SYMBOL_MAX];
	char msg[CALIB_ALERT_MAX];
	unsigned long repeats;          /* the same alert again since (time: the latest) */
};

/* What `engine status` shows. */
struct engine_status {
	int running;
	double started;                 /* wall clock, epoch seconds */
	double market_time;             /* the latest market time seen */
	int workers;
	int feed_owned;                 /* the engine started the feed */
	unsigned long ticks, strategy_runs, signals, calibrations, calib_failed;
	unsigned long signals_uneconomic;       /* signals found unable to pay the
						 * quoted spread (state uneconomic) */
	unsigned long store_written, store_failed;
	char store_error[256];          /* the store writer's last error, or "" */
	struct bqueue_stats calib_q, store_q;
	double last_run_ms;             /* time of the last strategy run */
	size_t nunderlyings, npairs;    /* the universe calibrated */
};

/* Starts the engine (see above); 0, or -1 with cause (also when it runs). */
int engine_start(struct conf *conf, char **cause);
/* Stops it; 0, or -1 when it was not running. */
int engine_stop(void);
int engine_running(void);
void engine_get_status(struct engine_status *st);

/* Immutable view for readers. */
struct engine_snap;
const struct engine_snap *engine_snapshot(void);
void engine_snap_release(const struct engine_snap *s);
const struct calib_book *engine_snap_book(const struct engine_snap *s);
/* Signals, newest last (the latest ENGINE_SIGNALS_MAX). */
const struct signal *engine_snap_signals(const struct engine_snap *s, size_t *n);
const struct engine_alert *engine_snap_alerts(const struct engine_snap *s, size_t *n);

#define ENGINE_SIGNALS_MAX 2048

/*
 * Calibrates model for symbol ("all": the whole universe of that model) and
 * waits up to timeout seconds.  On the engine's pool when it runs, else in
 * the calling thread (with the market state and store of the process).
 * *out receives n results (the caller frees *out); symbols that could not
 * be captured or timed out are reported in *out with status CALIB_FAILED
 * and the reason in alert.  0, or -1 with cause (unknown symbol, empty
 * universe).
 * progress (or NULL) is called from the calling thread, without locks,
 * after each calibration that finishes and at least every 0.2 s with
 * (done, n); when it returns non-zero the wait ends at once: what has not
 * finished keeps running on the pool (stored when done) and is reported
 * as CALIB_FAILED "still running".
 */
int engine_calibrate(struct conf *conf, enum calib_model model, const char *symbol,
    double timeout, int (*progress)(void *arg, size_t done, size_t n), void *arg,
    struct calib_result **out, size_t *n, char **cause);

/* A trader's decision on a pending signal: approve (APPROVED, handed to
 * the OMS by the caller) or reject (REJECTED with reason); recorded in the
 * audit trail with the user and the time.  *out gets the signal as
 * decided.  0, or -1 with cause (no such signal, not pending). */
int engine_signal_decide(struct conf *conf, unsigned long id, int approve, const char *user,
    const char *reason, struct signal *out, char **cause);

/* The order manager refused every order of approved signal id (why says
 * which check): the signal becomes rejected and its strategy is told. */
void engine_signal_refused(unsigned long id, const char *why);

/* Loads the parameter book from the store once per process (engine_start
 * does it; readers such as `params` call it when the engine never ran). */
void engine_load_book(struct conf *conf);

/* Strategies: the configuration (NAME.* keys) changed; reconfigures every
 * strategy.  0, or -1 with cause naming the strategy and key. */
int engine_reconfigure(struct conf *conf, char **cause);

/* The settings of strategy_table[i] as "key=value ..." (strategy list). */
void engine_strategy_describe(size_t i, char *buf, size_t len);
/* What strategy_table[i] believes it holds and has working, one line
 * ("" when nothing, or when it cannot say). */
void engine_strategy_holdings(size_t i, char *buf, size_t len);

/* Appends an entry to the audit trail through the store writer (written
 * at once when the engine is stopped); payload is a JSON object. */
void engine_audit(struct conf *conf, const char *kind, const char *payload);

/* Raises an alert (any thread). */
void engine_alert(const char *source, const char *symbol, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
