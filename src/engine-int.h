/*
 * engine-int.h -- the engine's private state, shared by engine.c (the
 * lifecycle and the engine thread), engine-calib.c (the calibration pool
 * and schedule) and engine-store.c (the store writer).  Nothing outside
 * those files includes it.
 */
#ifndef QD_ENGINE_INT_H
#define QD_ENGINE_INT_H

#include <pthread.h>

#include "bqueue.h"
#include "calib.h"
#include "engine.h"
#include "oms.h"
#include "order.h"
#include "trade-signal.h"
#include "strategy.h"
#include "tcost.h"

struct conf;
struct mstate_snap;

#define ENGINE_UNIVERSE_MAX 256
#define ENGINE_STRATEGIES_MAX 16
#define ENGINE_UPDATES_MAX 8192         /* order updates waiting for the engine thread */

/* What the OMS said the strategies hold at an engine start (oms_holdings):
 * a copy owned by the update queue's item, freed by the engine thread. */
struct engine_restore {
	struct oms_holding *pos;
	size_t npos;
	struct order_update *working;
	size_t nworking;
};

/* An item of the update queue: an order update, the refusal of a signal
 * by the order manager (u.signal_id, u.strategy), or the holdings at an
 * engine start (restore). */
enum { ENGINE_UPD_ORDER, ENGINE_UPD_REFUSED, ENGINE_UPD_RESTORE };
struct engine_update {
	int kind;
	struct order_update u;
	struct engine_restore *restore; /* ENGINE_UPD_RESTORE */
};

/* A caller waiting for calibrations (engine_calibrate): the workers fill
 * res[] and count done; the last of the n jobs and the waiter to drop
 * their reference frees it. */
struct engine_wait {
	size_t n, done;
	int refs;
	struct calib_result *res;
};

/* One calibration job on the pool's queue. */
struct engine_job {
	enum calib_model model;
	char symbol[MARKET_SYMBOL_MAX];
	char reason[24];                /* "command", "first", "schedule", "move", "bar" */
	struct engine_wait *wait;       /* NULL for the engine's own jobs */
	size_t slot;                    /* index into wait->res */
};

/* The engine's settings (engine.* keys), read at start. */
struct engine_cfg {
	int workers;
	double tick_ms;
	int feed;                       /* start the configured feed */
	int auto_calibrate;             /* the engine schedules calibrations itself */
	char underlyings[1024];         /* "auto" or a list */
	char pairs[1024];               /* "auto" or a list of LEG1/LEG2 */
	char timezone[40];
	int premarket, postmarket;      /* minutes after local midnight */
	int session_open, session_close;
	double every_minutes;           /* 0: no intraday schedule */
	double move;                    /* relative spot move that recalibrates */
	double retry_seconds;           /* wall time before retrying a failed symbol */
	int calib_queue, store_queue;
	int store_market;               /* write daily bars and sampled chains to the store */
	double store_chain_minutes;     /* market minutes between stored chains; < 0: none */
};

/* What the scheduler remembers per (model, symbol). */
struct engine_sched {
	enum calib_model model;
	char symbol[MARKET_SYMBOL_MAX];
	int in_flight;
	double last_wall;               /* when the last calibration finished */
	double last_spot;               /* spot at the last accepted calibration */
	size_t last_nbars;              /* leg1 bars at the last OU calibration */
	int last_failed;
};

struct engine {
	pthread_mutex_t lock;           /* everything below unless noted */
	pthread_cond_t wake;            /* engine thread and calibration waiters */
	int running, stopping;
	int market_dirty;               /* the market state changed since the last pass */
	double started;
	struct engine_cfg cfg;
	struct calib_cfg ccfg;
	struct tcost_params costs;      /* costs.edge_margin for the spread floor, read at start */
	pthread_t thread;
	pthread_t *workers;
	int nworkers;
	int feed_owned;
	int oms_owned;                  /* the engine started the order manager */
	struct bqueue *calib_q;
	/* the parameter book: survives restarts */
	struct calib_book book;
	int book_loaded;
	/* scheduler state */
	struct engine_sched *sched;
	size_t nsched, capsched;
	/* signals (a ring of the latest, newest last) */
	struct signal *signals;
	size_t nsignals;
	unsigned long next_signal_id;
	/* alerts (a ring) */
	struct engine_alert alerts[ENGINE_ALERTS_MAX];
	size_t nalerts, alert_head;
	unsigned long alert_seq;
	/* published view */
	unsigned long version;          /* bumped by every change readers see */
	struct engine_snap *snap;       /* cached view of `version`, or NULL */
	/* counters */
	struct engine_status st;
	/* the universe, as last resolved by the engine thread */
	char universe_und[ENGINE_UNIVERSE_MAX][MARKET_SYMBOL_MAX];
	char universe_pairs[ENGINE_UNIVERSE_MAX][MARKET_SYMBOL_MAX];
	size_t nund, npairs;
	/* strategies: their objects and settings, under strat_lock */
	pthread_mutex_t strat_lock;
	void *strat[ENGINE_STRATEGIES_MAX];
	int strat_enabled[ENGINE_STRATEGIES_MAX];
	int strat_auto[ENGINE_STRATEGIES_MAX];  /* approve its signals automatically */
	int strat_ready;
	/* order updates and refusals for the strategies (engine_post_update):
	 * posted by the OMS thread, delivered by the engine thread */
	struct bqueue *update_q;
	int updates_pending;            /* under lock: the engine thread has some to deliver */
	/* the store writer */
	pthread_t store_thread;
	struct bqueue *store_q;
	struct conf *conf;              /* read only by engine_start's thread and the store opener */
};

extern struct engine engine_g;

/* engine.c */
void engine_bump_locked(void);
void engine_alert_locked(const char *source, const char *symbol, const char *msg);

/* engine-calib.c */
/* The schedule's memory of the last market time it saw. */
struct engine_clock {
	int date;                       /* exchange-local YYYYMMDD, 0 before the first */
	double minutes;                 /* after local midnight */
	long slot;                      /* intraday slot, -1 outside the session */
};
int engine_schedule_due(const struct engine_cfg *c, struct engine_clock *clk, double mt,
    const char **what);
int engine_cfg_read(struct engine_cfg *cfg, struct conf *conf, char **cause);
int engine_pool_start(char **cause);
void engine_pool_stop(void);
/* Queues a job; 0, or -1 when the queue is full (counted and alerted). */
int engine_pool_submit(const struct engine_job *job);
/* The engine thread's scheduling pass over a market snapshot. */
void engine_schedule(const struct mstate_snap *snap, double market_time, double now);
/* Runs one calibration in the calling thread (with the book and the
 * store writer), filling *r. */
void engine_calibrate_one(enum calib_model model, const char *symbol, const char *reason,
    struct calib_result *r);
/* Resolves the universe into engine_g (takes the lock; never call it
 * with the lock held). */
void engine_universe_resolve(const struct mstate_snap *snap);

/* engine-store.c: the store writer */
int engine_store_start(char **cause);
void engine_store_stop(void);
/* Hands a calibration (ownership of in) / a signal / an audit entry to the
 * writer; never blocks; a refused item is counted and alerted. */
void engine_store_calibration(struct calib_input *in, const struct calib_result *prev,
    const struct calib_result *r);
void engine_store_signal(const struct signal *s);
void engine_store_audit(const char *kind, const char *payload);
/* Hands market data to the writer (copies). */
void engine_store_market(const struct bar *b, size_t nb, const struct option_chain *c);
/* Loads the latest accepted parameters from the store into the book. */
void engine_store_load_book(struct conf *conf);

/* exchtime.c */
#endif
