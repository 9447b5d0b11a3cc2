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

#endif
