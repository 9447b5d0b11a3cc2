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

#endif
