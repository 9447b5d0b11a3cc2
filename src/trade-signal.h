/*
 * trade-signal.h -- what a strategy says: a proposed trade with the reasons for
 * it, and the aggregation that turns many strategies' signals into one
 * decision per instrument.
 *
 * DESIGN
 * A signal is a plain value (no pointers), so it can be copied into
 * snapshots, queues and the store without ownership questions.  It names
 * the instrument it is about (the aggregation key: an option symbol, a pair
 * "LEG1/LEG2", a calendar "SYM 20240315/20240419"), its legs with signed
 * quantities per unit of size, a side, a size hint and a confidence, a
 * rationale a trader can read, when it expires, and the model inputs that
 * produced it (a JSON object), so that a decision can be traced back.
 *
 * Aggregation (signal_aggregate) groups signals by instrument and resolves
 * conflicts by a confidence-weighted vote: the side whose summed confidence
 * is at least `ratio` times the other side's wins; otherwise nobody wins.
 * Losing signals are kept with the reason they lost.
 */
#ifndef QD_TRADE_SIGNAL_H
#define QD_TRADE_SIGNAL_H

#include <stddef.h>

#include "market.h"

#define SIGNAL_STRATEGY_MAX 24
#define SIGNAL_KIND_MAX 24
#define SIGNAL_LEGS_MAX 4
#define SIGNAL_RATIONALE_MAX 256
#define SIGNAL_INPUTS_MAX 768
#define SIGNAL_REASON_MAX 160

/* Direction of a signal on its instrument. */
enum signal_side {
	SIGNAL_SELL = -1,       /* short the instrument (sell the spread, the option) */
	SIGNAL_EXIT = 0,        /* close what the strategy holds in it */
	SIGNAL_BUY = 1          /* long the instrument */
};

/* Where a signal stands after aggregation. */
enum signal_state {
	SIGNAL_PENDING = 0,     /* won its vote (or had no rival): awaiting approval */
	SIGNAL_LOST,            /* outvoted or in an undecided conflict (see reason) */
	SIGNAL_EXPIRED,         /* past its expiry time */
	SIGNAL_APPROVED,        /* approved (issue 7) */
	SIGNAL_REJECTED,        /* rejected by a trader or by risk (issue 7) */
	SIGNAL_UNECONOMIC       /* its edge cannot pay even the quoted spread: not
				 * actionable, kept out of the vote and of the pending
				 * list (see reason; engine.c) */
};

/* One leg: a quantity (signed, units of the instrument: shares or
 * contracts) per unit of the signal's size. */
struct signal_leg {
	char symbol[MARKET_SYMBOL_MAX];
	double qty;
};

struct signal {
	unsigned long id;                       /* assigned by the engine, from 1 */
	char strategy[SIGNAL_STRATEGY_MAX];     /* "volarb", "meanrev", "termstruct" */
	char instrument[MARKET_SYMBOL_MAX];     /* aggregation key */
	char underlying[MARKET_SYMBOL_MAX];     /* underlying or pair */
	char kind[SIGNAL_KIND_MAX];             /* "entry_long", "entry_short", "exit",
						 * "stop_loss", "calendar", ... */
	int side;                               /* enum signal_side */
	size_t nlegs;
	struct signal_leg legs[SIGNAL_LEGS_MAX];
	double size_hint;       /* fraction of the strategy's risk budget, [0, 1] */
	double confidence;      /* [0, 1] */
	double edge_bp;         /* expected edge before costs, bp of the notional traded
				 * (NaN: unknown; exits carry none) -- the OMS drops an
				 * entry whose edge does not cover its cost (tcost.h) */
	double time;            /* market time it was produced, epoch seconds */
	double expires;         /* epoch seconds; after it the signal is void */
	char rationale[SIGNAL_RATIONALE_MAX];   /* one line for a trader */
	char inputs[SIGNAL_INPUTS_MAX];         /* JSON object of the model inputs */
	int state;                              /* enum signal_state */
	char reason[SIGNAL_REASON_MAX];         /* why it lost / was rejected */
};

/* A growable list of signals owned by the caller. */
struct signal_list {
	struct signal *v;
	size_t n, cap;
};

void signal_list_init(struct signal_list *l);
void signal_list_free(struct signal_list *l);
void signal_list_clear(struct signal_list *l);
/* Appends a copy of s and returns the stored copy. */
struct signal *signal_list_push(struct signal_list *l, const struct signal *s);

/* Starts a signal: zeroes it and sets strategy, instrument, underlying,
 * kind, side, time and expires (NaN-free; confidence and size_hint 0). */
void signal_init(struct signal *s, const char *strategy, const char *instrument,
    const char *underlying, const char *kind, int side, double time, double expires);
/* Adds a leg; 0, or -1 when SIGNAL_LEGS_MAX legs are already there. */
int signal_add_leg(struct signal *s, const char *symbol, double qty);
/* printf into the rationale / the inputs (truncating safely). */
void signal_rationale(struct signal *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void signal_inputs(struct signal *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Short names: "buy"/"sell"/"exit", "pending"/"lost"/... */
const char *signal_side_name(int side);
const char *signal_state_name(int state);

/*
 * Aggregates n signals in place.  Signals whose expires < now become
 * SIGNAL_EXPIRED.  Among the rest, per instrument: exits and entries vote
 * by side (EXIT counts as its own side); the side with the largest summed
 * confidence W1 wins when W1 >= ratio * W2 (W2 the runner-up's sum, ratio
 * >= 1); its signals stay SIGNAL_PENDING, every other one becomes
 * SIGNAL_LOST with a reason naming the winner and both weights; when no
 * side wins, all become SIGNAL_LOST ("conflict: ... below ratio ...").
 * Signals already APPROVED or REJECTED are left alone; UNECONOMIC ones do
 * not vote (they only expire).  Returns the number of signals left
 * PENDING.
 */
size_t signal_aggregate(struct signal *s, size_t n, double ratio, double now);

#endif
