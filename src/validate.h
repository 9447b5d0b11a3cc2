/*
 * validate.h -- the checks every piece of market data passes before use.
 *
 * Feeds and imports hand quotes, bars and option chains to the market
 * state (market-state.h), which runs these rules first: a row that fails
 * is quarantined with its reason and never reaches the clean data that
 * models read.  Each rule is a small function returning a reason code and
 * writing a one-line detail ("bid 1.25 > ask 1.20").  Nothing here
 * allocates per quote, locks or logs: the rules are pure functions of
 * their inputs and the thresholds in struct validate_cfg.
 *
 * Rules:
 *   missing      a NaN or infinite price, a one-sided quote, no quote at all
 *   nonpositive  a zero or negative price (a zero bid is allowed)
 *   crossed      bid above ask
 *   wide         ask - bid > max(max_spread x mid, max_spread_abs)
 *   iv           implied vol outside [iv_min, iv_max], or a price outside
 *                the no-arbitrage bounds (below intrinsic, above the
 *                forward/strike bound) where no vol exists
 *   stale        exchange time older than the receipt by more than
 *                max_age, later than it by more than max_future, or older
 *                than the symbol's last accepted quote
 *   parity       put-call parity C - P = D (F - K) violated beyond the
 *                bid-ask and parity_tol (European exercise assumed)
 *   calendar     total implied variance decreasing in maturity at a fixed
 *                log-moneyness beyond calendar_tol (vol units)
 *   butterfly    call/put prices not monotone, too steep, or not convex in
 *                strike at executable (bid/ask) prices beyond arb_tol (a
 *                quote given as a vol counts as the prices of iv -+ iv_tol)
 *   bar          an OHLC bar whose high is below its low, whose open or
 *                close lies outside [low, high], or with a negative volume
 */
#ifndef QD_VALIDATE_H
#define QD_VALIDATE_H

#include <stddef.h>

#include "market.h"

struct conf;

enum vreason {
	VR_OK = 0,
	VR_MISSING,
	VR_NONPOSITIVE,
	VR_CROSSED,
	VR_WIDE,
	VR_IV,
	VR_STALE,
	VR_PARITY,
	VR_CALENDAR,
	VR_BUTTERFLY,
	VR_BAR,
	VR_NREASONS
};

#define VALIDATE_DETAIL_MAX 128

/* Thresholds; see etc/qdesk.conf.example [validate] for the defaults. */
struct validate_cfg {
	double max_spread;      /* relative to the mid */
	double max_spread_abs;  /* currency units always allowed */
	double iv_min, iv_max;  /* annualised */
	double max_age;         /* seconds */
	double max_future;      /* seconds */
	int parity;             /* run the put-call parity rule */
	double parity_tol;      /* currency units beyond the bid-ask */
	double arb_tol;         /* currency units beyond the bid-ask */
	double calendar_tol;    /* vol units */
	double iv_tol;          /* precision of a quote given as a vol, vol units */
};

/* A rejected chain row: its reason (VR_OK when clean) and detail. */
struct validate_verdict {
	enum vreason reason;
	char detail[VALIDATE_DETAIL_MAX];
};

/* Short name ("crossed") and one-line description of a reason. */
const char *validate_reason_name(enum vreason r);
const char *validate_reason_text(enum vreason r);
/* Reason code of a name, or -1. */
int validate_reason_parse(const char *name);

/* The built-in thresholds (the configuration defaults). */
void validate_cfg_default(struct validate_cfg *cfg);
/* Reads the validate.* keys. */
void validate_cfg_from_conf(struct validate_cfg *cfg, struct conf *conf);

/* --- rules on one quote (each returns VR_OK or its reason) --------------- */
enum vreason validate_quote_prices(const struct quote *q, char *detail, size_t len);
enum vreason validate_quote_width(const struct validate_cfg *cfg, const struct quote *q,
    char *detail, size_t len);
/* last_exch: the exchange time of the symbol's last accepted quote, or NaN. */
enum vreason validate_quote_time(const struct validate_cfg *cfg, const struct quote *q,
    double last_exch, char *detail, size_t len);
/* All quote rules in order: prices, width, time. */
enum vreason validate_quote(const struct validate_cfg *cfg, const struct quote *q,
    double last_exch, char *detail, size_t len);

/* Rules on one bar: missing, nonpositive, bar. */
enum vreason validate_bar(const struct bar *b, char *detail, size_t len);

/* Checks the implied vol iv (annualised) against [iv_min, iv_max]. */
enum vreason validate_iv_range(const struct validate_cfg *cfg, double iv, char *detail,
    size_t len);

/*
 * Validates a whole chain: the quote rules and the implied-vol rule on
 * every row, then parity, butterfly and calendar across rows (a rule that
 * lacks what it needs -- a forward from the source, from spot, rate and
 * dividend, or from three strikes quoted on both sides; both rights --
 * is skipped).
 * v[i] receives the verdict of c->opts[i]; rows where the source left
 * implied_vol or forward unknown get the values computed here.  Returns
 * the number of rejected rows.
 */
size_t validate_chain(const struct validate_cfg *cfg, struct option_chain *c,
    struct validate_verdict *v);

#endif
