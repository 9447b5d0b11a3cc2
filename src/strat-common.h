/*
 * strat-common.h -- small helpers shared by the strategies (strat-*.c)
 * and the strategy table (strategy.c); not part of the engine's interface.
 *
 * The parameter book lookup is a plain scan of struct calib_book (whose
 * layout calib.h makes public) so the strategies depend on nothing but the
 * book's contents; the JSON builders write the signals' inputs.
 */
#ifndef QD_STRAT_COMMON_H
#define QD_STRAT_COMMON_H

#include <stddef.h>

#include "calib.h"
#include "order.h"
#include "trade-signal.h"

struct conf;

/* The book entry of (model, symbol), or NULL. */
const struct calib_result *strat_book_find(const struct calib_book *b, enum calib_model m,
    const char *symbol);

/* x limited to [lo, hi] (NaN gives lo). */
double strat_clamp(double x, double lo, double hi);

/* Signal lifetime in seconds from signals.ttl_minutes. */
double strat_ttl_seconds(struct conf *conf);

/* Builders of the inputs JSON object into a struct buf (util.h): begin
 * writes "{", each field appends "key":value (numbers with 6 significant
 * digits, non-finite ones as null), end closes it. */
struct buf;
void strat_json_begin(struct buf *b);
void strat_json_num(struct buf *b, const char *key, double v);
void strat_json_str(struct buf *b, const char *key, const char *v);
void strat_json_end(struct buf *b);

/*
 * What a strategy holds and has working per instrument, from the updates
 * of its orders (strategy.h, on_order_update), so it does not enter again
 * a trade it already holds or has orders out for.  An instrument's lead
 * leg (the first leg of its signals: the option of volarb, the far expiry
 * of a termstruct calendar) carries the position: held is the signed
 * filled quantity of that leg; working lists the instrument's orders (any
 * leg) sent and not yet final.  An update without an instrument (a
 * flatten, a signal the engine no longer holds) is matched by its symbol
 * against the lead legs.
 */
struct strat_hold {
	char instrument[MARKET_SYMBOL_MAX];
	char lead[MARKET_SYMBOL_MAX];
	double held;
	char (*working)[ORDER_ID_MAX];
	size_t nworking, capworking;
};
struct strat_holdings {
	struct strat_hold *v;
	size_t n, cap;
};
void strat_holdings_free(struct strat_holdings *h);
/* Notes a signal about to be emitted: its instrument's lead leg. */
void strat_holdings_note(struct strat_holdings *h, const struct signal *s);
/* Applies an order update. */
void strat_holdings_update(struct strat_holdings *h, const struct order_update *u);
/* The entry of an instrument, or NULL. */
const struct strat_hold *strat_holdings_find(const struct strat_holdings *h,
    const char *instrument);
/* 1 when a new signal of side on instrument would repeat a trade already
 * held (held in the same direction) or working. */
int strat_holdings_blocks(const struct strat_holdings *h, const char *instrument, int side);
/*
 * Replaces the holdings with what the order manager restored (strategy.h,
 * struct strat_restore).  Positions are kept per symbol, so each held
 * symbol becomes an entry of its own (instrument = lead = the symbol):
 * exact for an instrument that is its own lead leg (a volarb option); a
 * strategy whose instruments are not symbols (termstruct's calendars)
 * also asks strat_holdings_blocks about its legs' symbols.  A working
 * order goes to its signal's instrument when the engine knew it, else to
 * its symbol's entry; its later updates find it there.
 */
struct strat_restore;
/* Sets the lead leg and the held quantity of an instrument's entry
 * (created). */
void strat_holdings_hold(struct strat_holdings *h, const char *instrument, const char *lead,
    double held);
/* Adds a working order to an instrument's entry (created). */
void strat_holdings_work(struct strat_holdings *h, const char *instrument,
    const char *client_id);
/* The entry that lists client_id as working, or NULL. */
const struct strat_hold *strat_holdings_find_order(const struct strat_holdings *h,
    const char *client_id);
void strat_holdings_restore(struct strat_holdings *h, const struct strat_restore *r);
/* Describes the non-empty entries as "INSTRUMENT held Q [working N]; ..."
 * into buf (size len). */
void strat_holdings_describe(const struct strat_holdings *h, char *buf, size_t len);

#endif
