/*
 * market.h -- the domain types: instruments, quotes, bars and option chains.
 *
 * Everything qdesk knows about the market travels in these structs, from
 * every feed (simulator, CSV replay, HTTP) through validation and the
 * market state to the models, strategies and the store.  They are plain
 * values (no pointers inside) so they can be copied into snapshots and
 * queues without ownership questions.
 *
 * Units: prices in the instrument's currency; times are seconds since the
 * Unix epoch (UTC) as doubles (microsecond resolution); option expiry is a
 * calendar date (YYYYMMDD as an int) and maturity in years is computed by
 * market_year_fraction() (ACT/365F to the expiry at 16:00 America/New_York
 * approximated as 21:00 UTC).
 */
#ifndef QD_MARKET_H
#define QD_MARKET_H

#include <stddef.h>

#define MARKET_SYMBOL_MAX 32     /* "SPY", "SPXW  240119C04700000", "GLD/GDX" */

enum instrument_kind {
	INSTR_EQUITY,           /* stock or ETF */
	INSTR_OPTION,           /* listed equity option */
	INSTR_PAIR,             /* a spread: leg1 - hedge_ratio * leg2 */
};

enum option_right { OPT_RIGHT_CALL = 'C', OPT_RIGHT_PUT = 'P' };

struct instrument {
	enum instrument_kind kind;
	char symbol[MARKET_SYMBOL_MAX];         /* the display/OCC symbol */
	/* options */
	char underlying[MARKET_SYMBOL_MAX];
	int expiry;                             /* YYYYMMDD */
	double strike;
	enum option_right right;
	double multiplier;                      /* contract size, 100 for US equity options */
	/* pairs */
	char leg1[MARKET_SYMBOL_MAX], leg2[MARKET_SYMBOL_MAX];
	double hedge_ratio;
};

/* A top-of-book quote. */
struct quote {
	char symbol[MARKET_SYMBOL_MAX];
	double bid, ask, last;
	double bid_size, ask_size, volume;
	double exch_time;       /* exchange timestamp, epoch seconds */
	double recv_time;       /* when qdesk received it, epoch seconds */
};

/* A daily (or intraday) OHLCV bar. */
struct bar {
	char symbol[MARKET_SYMBOL_MAX];
	double time;            /* bar start, epoch seconds */
	double open, high, low, close, volume;
};

/* One option of a chain, with the vendor's or our implied vol and Greeks
 * (NaN when unknown). */
struct option_quote {
	struct instrument opt;
	struct quote q;
	double implied_vol, delta, gamma, vega, theta;
	double open_interest;
	/* Added with the chain format (help chain-format); NaN when unknown.
	 * maturity: years as the source gave it (else from the expiry date,
	 * see market_option_maturity); forward: the underlying's forward to
	 * this expiry; rate, dividend: continuous, per year, to this expiry
	 * (a term structure); weight: calibration weight (1 when unknown). */
	double maturity, forward, rate, dividend, weight;
};

/* An option chain of one underlying at one quote time. */
struct option_chain {
	char underlying[MARKET_SYMBOL_MAX];
	double time;            /* quote time, epoch seconds */
	double spot;            /* underlying mid at that time */
	double rate, dividend;  /* continuous, per year, when known (else NaN) */
	size_t n, cap;
	struct option_quote *opts;
};

/* Parses an OCC option symbol ("AAPL  240119C00190000", the padding
 * optional) into inst; 0 or -1 with *cause. */
int market_occ_parse(const char *occ, struct instrument *inst, char **cause);
/* Formats an option as the 21-character OCC symbol into out (>= 22 bytes). */
void market_occ_format(const struct instrument *inst, char *out, size_t len);
/* Year fraction from time t (epoch seconds) to an expiry date, ACT/365F. */
double market_year_fraction(double t, int expiry);
/* Parses "YYYY-MM-DD" (or YYYYMMDD) into YYYYMMDD; 0 or -1. */
int market_parse_date(const char *s, int *yyyymmdd);
/* Epoch seconds of 00:00 UTC on a YYYYMMDD date. */
double market_date_epoch(int yyyymmdd);
/* Quote mid, or NaN when either side is missing. */
double market_mid(const struct quote *q);

/* Chains own their array of options. */
void market_chain_init(struct option_chain *c, const char *underlying);
void market_chain_add(struct option_chain *c, const struct option_quote *oq);
void market_chain_free(struct option_chain *c);

/* --- added by issue 5 (market data) ------------------------------------- */

/* Sets an option quote to "nothing known": NaN numbers, weight 1, empty
 * symbols, multiplier 100. */
void market_option_init(struct option_quote *oq);
/* Maturity of an option of chain c in years: oq->maturity when the source
 * gave it, else market_year_fraction(c->time, expiry). */
double market_option_maturity(const struct option_chain *c, const struct option_quote *oq);
/* Deep copy: dst gets its own array (dst must not be initialised). */
void market_chain_copy(struct option_chain *dst, const struct option_chain *src);
/* Sorts a chain by expiry, option root, strike, then calls before puts. */
void market_chain_sort(struct option_chain *c);
/* Empties a chain, keeping its array. */
void market_chain_clear(struct option_chain *c);

/* 1 when YYYYMMDD is a real calendar date in 1900..2199, else 0. */
int market_date_valid(int yyyymmdd);
/* The UTC calendar date (YYYYMMDD) of an epoch time. */
int market_date_from_epoch(double t);
/* The date n calendar days after (n < 0: before) a date. */
int market_date_add_days(int yyyymmdd, int n);
/* Day of the week of a date: 0 Sunday .. 6 Saturday. */
int market_weekday(int yyyymmdd);
/* The next weekday (Monday..Friday) strictly after a date. */
int market_next_business_day(int yyyymmdd);
/* The third Friday of a month (the standard monthly option expiry). */
int market_third_friday(int year, int month);
/* Writes "YYYY-MM-DD" (out >= 11 bytes). */
void market_format_date(int yyyymmdd, char *out, size_t len);
/* Writes an epoch time as "YYYY-MM-DDTHH:MM:SSZ" (out >= 21 bytes). */
void market_format_time(double t, char *out, size_t len);
/* Parses a time: "YYYY-MM-DD", "YYYYMMDD", "YYYY-MM-DD HH:MM[:SS[.f]]" or
 * with 'T' and an optional 'Z' (all UTC); 0 or -1. */
int market_parse_time(const char *s, double *t);
/* 1 when s is a usable equity/ETF/pair symbol: 1..31 characters of
 * A-Z a-z 0-9 . - _ ^ / (no blanks, no commas); else 0. */
int market_symbol_valid(const char *s);
/* Fills a pair instrument "LEG1/LEG2" with its hedge ratio; 0 or -1 with
 * cause when a leg is not a valid symbol or the ratio is not finite. */
int market_pair_init(struct instrument *inst, const char *leg1, const char *leg2,
    double hedge_ratio, char **cause);
/* The spread of a pair: leg1 - hedge_ratio * leg2. */
double market_pair_spread(const struct instrument *pair, double leg1, double leg2);

#endif
