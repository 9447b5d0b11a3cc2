/*
 * market-state.h -- the latest clean market data per symbol, shared by the
 * feeds (writers) and everything that reads prices (readers).
 *
 * DESIGN
 * Writers are the feed threads (through the feed_sink from
 * mstate_sink_init) and commands such as `import`.  Every write passes
 * validate.h first; a row that fails goes to the quarantine (a bounded
 * ring of the latest rejected rows with their reasons, plus counters per
 * reason) and never into the clean data.  One mutex serialises writers.
 *
 * Readers never see a half-written state and never block writers for
 * long: mstate_snapshot() returns an immutable, reference-counted view
 * (the latest quotes, every bar series and the latest chain per
 * underlying).  Bar series and chains are themselves immutable and shared
 * between snapshots; a writer that changes one publishes a new copy.  A
 * snapshot is rebuilt only when something changed since the last one,
 * and stays valid until mstate_snap_release(), whatever happens to the
 * state meanwhile.
 *
 * Chains merge by expiry: a new chain of an underlying replaces the
 * options of the expiries it contains and keeps the other, unexpired,
 * expiries of the previous chain (providers deliver one expiry at a time).
 * A quote older than the symbol's last accepted one is stale.
 *
 * The process has one state, mstate_global(), created on first use and
 * freed at exit.
 */
#ifndef QD_MARKET_STATE_H
#define QD_MARKET_STATE_H

#include <stddef.h>

#include "feed.h"
#include "market.h"
#include "validate.h"

struct conf;
struct mstate;
struct mstate_snap;

#define MSTATE_SOURCE_MAX 160   /* longer sources keep their tail (FILE:LINE) */
#define MSTATE_MAX_BARS 200000  /* per symbol; the oldest are dropped beyond */

/* One quarantined row. */
struct quarantine_entry {
	unsigned long seq;              /* increasing, from 1 */
	double time;                    /* wall clock when quarantined */
	double data_time;               /* the row's own time (exchange/bar/chain), or NaN */
	char source[MSTATE_SOURCE_MAX]; /* "sim", "csv", "FILE:LINE" */
	char symbol[MARKET_SYMBOL_MAX];
	enum vreason reason;
	char detail[VALIDATE_DETAIL_MAX];
};

/* Counters of what the state accepted and rejected. */
struct mstate_counts {
	unsigned long quotes, bars, chains, options;    /* accepted */
	unsigned long quarantined[VR_NREASONS];         /* rejected, per reason */
	unsigned long quarantined_total;
	unsigned long ring_dropped;     /* entries pushed out of the ring */
};

/* Creates an empty state keeping the last quarantine_cap rejected rows. */
struct mstate *mstate_new(size_t quarantine_cap);
void mstate_free(struct mstate *ms);
/* The process's state (created on first use with the default thresholds). */
struct mstate *mstate_global(void);
/* Applies the validate.* keys (thresholds, quarantine size). */
void mstate_configure(struct mstate *ms, struct conf *conf);
void mstate_set_validate(struct mstate *ms, const struct validate_cfg *cfg);

/* Writers.  source names where the data came from (a feed, FILE:LINE).
 * Each returns 0 when accepted, 1 when quarantined. */
int mstate_put_quote(struct mstate *ms, const char *source, const struct quote *q);
int mstate_put_bar(struct mstate *ms, const char *source, const struct bar *b);
/* Validates and stores n bars at once (one copy per symbol); sources[i]
 * (or source when sources is NULL) names each; accepted[i] (when not
 * NULL) is set to 1 for a stored bar, 0 for a quarantined one.  Returns
 * the number quarantined. */
size_t mstate_put_bars(struct mstate *ms, const char *source, const char *const *sources,
    const struct bar *b, size_t n, unsigned char *accepted);
/* Validates a chain (filling implied vols and forwards), quarantines the
 * rows that fail and merges the clean rows.  sources and accepted as
 * above, per row.  Returns the number of rows quarantined. */
size_t mstate_put_chain(struct mstate *ms, const char *source, const char *const *sources,
    struct option_chain *c, unsigned char *accepted);
/* Quarantines a row rejected before it could be built (an import's own
 * checks). */
void mstate_quarantine(struct mstate *ms, const char *source, const char *symbol,
    enum vreason reason, double data_time, const char *detail);

/* The listener told after every accepted write (the engine's wake-up),
 * from the writer's thread and outside the state's lock; NULL for none.
 * It must be cheap and must not write to the state. */
void mstate_set_notify(struct mstate *ms, void (*fn)(void *arg), void *arg);

/* A feed sink writing into ms; src must outlive the feed. */
struct mstate_source {
	struct mstate *ms;
	char name[MSTATE_SOURCE_MAX];
};
void mstate_sink_init(struct feed_sink *sink, struct mstate_source *src, struct mstate *ms,
    const char *name);

/* Quarantine readers: entries with seq > after and time >= since (wall
 * clock; -INFINITY for all), optionally of one reason (-1 for all),
 * oldest first, at most max.  Returns the number copied. */
size_t mstate_quarantine_read(struct mstate *ms, unsigned long after, double since,
    int reason, struct quarantine_entry *out, size_t max);
void mstate_get_counts(struct mstate *ms, struct mstate_counts *out);

/* Snapshots (immutable; release each one). */
const struct mstate_snap *mstate_snapshot(struct mstate *ms);
void mstate_snap_release(const struct mstate_snap *s);
unsigned long mstate_snap_version(const struct mstate_snap *s);
size_t mstate_snap_nquotes(const struct mstate_snap *s);
/* Quotes are in symbol order. */
const struct quote *mstate_snap_quote_at(const struct mstate_snap *s, size_t i);
const struct quote *mstate_snap_quote(const struct mstate_snap *s, const char *symbol);
/* Bar series, oldest first; NULL (and *n = 0) when none. */
size_t mstate_snap_nseries(const struct mstate_snap *s);
const char *mstate_snap_series_symbol(const struct mstate_snap *s, size_t i);
const struct bar *mstate_snap_bars(const struct mstate_snap *s, const char *symbol, size_t *n);
/* Chains in underlying order; sorted by expiry, strike, right. */
size_t mstate_snap_nchains(const struct mstate_snap *s);
const struct option_chain *mstate_snap_chain_at(const struct mstate_snap *s, size_t i);
const struct option_chain *mstate_snap_chain(const struct mstate_snap *s, const char *underlying);
/* An option of its underlying's latest chain by OCC symbol (any padding),
 * or NULL; *chain (may be NULL) gets the chain. */
const struct option_quote *mstate_snap_option(const struct mstate_snap *s, const char *occ,
    const struct option_chain **chain);
/* The quote of any symbol: its own quote, else (an OCC option) its quote in
 * the chain, with *opt and *chain (may be NULL) set to the option and the
 * chain then (NULL for a plain quote); NULL when there is none.  The one
 * lookup every reader of prices uses (orders, marks, the paper broker). */
const struct quote *mstate_snap_quote_any(const struct mstate_snap *s, const char *symbol,
    const struct option_quote **opt, const struct option_chain **chain);

#endif
