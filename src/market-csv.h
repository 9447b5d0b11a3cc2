/*
 * market-csv.h -- reading bars and option chains from CSV files into the
 * domain types of market.h, for `import` and the CSV replay feed.
 *
 * Two kinds of problem are told apart.  A file that cannot be read as
 * intended -- binary data, a ragged row, a missing column, a cell that is
 * not a number or a date, an unknown option type -- is an error naming
 * FILE:LINE and the column, and nothing of the file is used.  A row that
 * reads fine but holds a bad value -- an empty (missing) price, a zero or
 * negative one, a crossed quote, an expired option -- is returned as read
 * and left to validation (validate.h), which quarantines it with its
 * reason while the rest of the file is used.
 *
 * Bars: a header with date (aliases time, timestamp, datetime) and close
 * (aliases price, last), optionally open, high and low (all three or
 * none; without them the bar is the close) and volume; one file per
 * symbol, or a long file with a symbol column (alias ticker).  Dates are
 * YYYY-MM-DD or YYYYMMDD, optionally with a time HH:MM[:SS] (UTC).
 *
 * Chains: the chain format of `help chain-format` (the same columns and
 * aliases as src/chain.c), and optionally quote_date (or date) and the
 * contract's OCC symbol (contract_symbol, option_symbol, occ), whose root
 * tells apart the classes of one underlying (SPX and SPXW).
 */
#ifndef QD_MARKET_CSV_H
#define QD_MARKET_CSV_H

#include <stddef.h>

#include "market.h"

/* Bars read from a file, with the file line of each. */
struct market_csv_bars {
	size_t n;
	struct bar *bars;
	int *lines;
	size_t nsymbols;        /* distinct symbols */
};

/* One chain per underlying, with the file line of each option. */
struct market_csv_chain {
	struct option_chain chain;
	int *lines;             /* chain.n of them */
};

/*
 * Reads bars.  symbol: with a symbol column, keep only that symbol's rows;
 * without one, the symbol of every row (NULL: the file name's stem in
 * capitals).  0 or -1 with cause.
 */
int market_csv_read_bars(const char *path, const char *symbol, struct market_csv_bars *out,
    char **cause);
void market_csv_bars_free(struct market_csv_bars *b);

/*
 * Reads a chain file.  underlying: with an underlying column, keep only its
 * rows; without one, the underlying of every row (NULL: the file name's
 * stem in capitals).  date: the quote date (YYYYMMDD) -- the chain's time
 * is 16:00 New York (21:00 UTC) that day, so that an expiry n days later
 * is n/365 years away; 0 means the file's quote_date (or date) column,
 * which must be the same on every row, else now.  Returns the chains in
 * *out (*n of them); 0 or -1 with cause.
 */
int market_csv_read_chains(const char *path, const char *underlying, int date,
    struct market_csv_chain **out, size_t *n, char **cause);
void market_csv_chains_free(struct market_csv_chain *c, size_t n);

/* The capitalised stem of a path ("data/spy.csv" -> "SPY") if it is a
 * valid symbol, else "" (out >= MARKET_SYMBOL_MAX bytes). */
void market_csv_stem(const char *path, char *out, size_t len);

#endif
