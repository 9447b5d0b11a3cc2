/*
 * strategy.h -- the one interface every trading strategy implements.
 *
 * DESIGN
 * A strategy is a small object behind `struct strategy_ops`, listed in the
 * table of strategy.c.  The engine's strategy thread owns every strategy
 * object: it calls configure() when the configuration changes (its keys
 * are NAME.* in the configuration, e.g. volarb.threshold) and run() after
 * each change of the market or of the parameters.  run() reads an
 * immutable market snapshot and the parameter book and appends signals;
 * it must not block, do I/O or keep pointers into the snapshot.  A
 * strategy may keep state between runs (which pairs it is in, say); the
 * same thread tells it what became of its signals (on_refused) and of
 * their orders (on_order_update), so that state follows the book.  At
 * each engine start, after the order manager has restored and reconciled
 * its book, the same thread hands every strategy what it holds and has
 * working (on_restore), so a restart (or a crash) does not make it
 * forget a position and enter it again.
 */
#ifndef QD_STRATEGY_H
#define QD_STRATEGY_H

#include <stddef.h>

#include "calib.h"
#include "order.h"
#include "trade-signal.h"

struct conf;
struct mstate_snap;

/* What a strategy sees on each run. */
struct strategy_env {
	const struct mstate_snap *snap;         /* market data */
	const struct calib_book *book;          /* latest parameters per model and symbol */
	double now;                             /* market time, epoch seconds */
	/* the universe the engine calibrates */
	const char *const *underlyings;         /* optionable underlyings */
	size_t nunderlyings;
	const char *const *pairs;               /* pairs "LEG1/LEG2" */
	size_t npairs;
};

/* What a strategy holds and has working when the engine starts (after the
 * order manager's restore and reconciliation): its positions per symbol,
 * as the OMS keeps them per strategy and symbol (non-zero only), and its
 * orders not yet final, as order updates (state, quantity, filled so far;
 * instrument, kind and signal_side filled in when the engine still knows
 * the order's signal, else ""/0). */
struct strat_restore_pos {
	char symbol[MARKET_SYMBOL_MAX];
	double qty;                     /* signed */
};
struct strat_restore {
	const struct strat_restore_pos *pos;
	size_t npos;
	const struct order_update *working;
	size_t nworking;
};

struct strategy_ops {
	const char *name;               /* "volarb", "meanrev", "termstruct" */
	const char *summary;            /* one line for `strategy list` */
	unsigned needs;                 /* bit (1u << CALIB_x) per model it reads */
	/* NULL on out of memory. */
	void *(*create)(void);
	void (*destroy)(void *st);
	/* Reads NAME.* keys; 0, or -1 with cause (the old settings stay). */
	int (*configure)(void *st, struct conf *conf, char **cause);
	/* Appends signals to out; 0, or -1 with cause (logged, not fatal). */
	int (*run)(void *st, const struct strategy_env *env, struct signal_list *out,
	    char **cause);
	/* Describes the current settings as "key=value ..." for `strategy list`
	 * into buf (size len). */
	void (*describe)(void *st, char *buf, size_t len);
	/* Optional (NULL): one of its signals will not be traded (a trader
	 * rejected it, or the order manager refused its orders), so a strategy
	 * that assumed it would be can undo that assumption. */
	void (*on_refused)(void *st, const struct signal *s);
	/* Optional (NULL): what happened to one of its orders (order.h):
	 * sent, each (partial) fill, the final state (filled, cancelled,
	 * expired, rejected by the broker).  Called on the engine thread (the
	 * OMS posts, the engine delivers), never concurrently with run(), so a
	 * strategy's beliefs about its positions and working trades can
	 * follow the book. */
	void (*on_order_update)(void *st, const struct order_update *u);
	/* Optional (NULL): replaces what the strategy believes it holds and
	 * has working with r (see struct strat_restore), at each engine
	 * start; order updates that follow apply on top of it.  Called on
	 * the engine thread before its first run() of that start. */
	void (*on_restore)(void *st, const struct strat_restore *r);
	/* Optional (NULL): what it believes it holds, one line for
	 * `strategy list` ("" when nothing), into buf (size len). */
	void (*holdings)(void *st, char *buf, size_t len);
};

extern const struct strategy_ops *const strategy_table[];
extern const size_t strategy_count;
/* The ops of a strategy by name, or NULL. */
const struct strategy_ops *strategy_find(const char *name);

#endif
