/*
 * sim.h -- the market simulator: the embedded default feed, so the console
 * is alive on a fresh machine with nothing configured, and a market whose
 * true parameters are known, so tests can check that calibration and
 * estimation find them.
 *
 * The universe: a list of underlyings under Heston (1993) dynamics, each
 * with option chains (expiries x strikes) priced from the true Heston
 * surface with noise on the implied vol, bid/ask spreads that widen with
 * moneyness and occasional bad ticks; and pairs whose leg2 follows a
 * geometric Brownian motion and leg1 = hedge_ratio x leg2 + X with X an
 * Ornstein-Uhlenbeck spread dX = mu (theta - X) dt + sigma dB.
 *
 * Paths: Heston by Andersen's quadratic-exponential (QE) scheme with the
 * martingale correction (L. Andersen, "Efficient simulation of the Heston
 * stochastic volatility model", J. Comput. Finance 11(3), 2008: variance
 * eqs. (23)-(27) with psi_c = 1.5, log-price eq. (33) with
 * gamma1 = gamma2 = 1/2, martingale correction sec. 4.2 / eq. (37)-(39)),
 * so E[S(t+dt) | S(t), v(t)] = S(t) e^((r-q) dt) exactly; the GBM leg and
 * the OU spread are simulated exactly.
 *
 * Time: trading days of sim.steps_per_day steps between 09:30 and 16:00
 * New York (14:30..21:00 UTC, daylight saving ignored) on Monday..Friday
 * (holidays ignored).  Model time runs only during trading hours: one
 * trading day is 1/252 year, so a step is dt = 1/(252 steps_per_day)
 * years; option maturities are calendar (ACT/365F, market.h).  Days
 * before sim.start (sim.history_days of them) are simulated first and
 * delivered as daily bars only, so models have history at once.
 *
 * Determinism: the simulator is a pure function of its configuration.
 * Every instrument draws from its own xoshiro256** streams seeded from
 * (seed, symbol) by splitmix64: separate streams for its parameters, its
 * path, its quote noise and for bad ticks, so changing the bad-tick rate
 * or the noise level never changes a path, and adding an underlying never
 * changes another's.  Normals by Box-Muller on 53-bit uniforms.
 */
#ifndef QD_SIM_H
#define QD_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "feed.h"
#include "heston.h"
#include "market.h"
#include "ou.h"

struct conf;

#define SIM_MAX_UNDERLYINGS 32
#define SIM_MAX_PAIRS 16
#define SIM_MAX_EXPIRIES 24
#define SIM_MAX_STRIKES 101

/* A xoshiro256** generator with a cached Box-Muller normal. */
struct sim_rng {
	uint64_t s[4];
	int has_spare;
	double spare;
};

/* Seeds a generator from one 64-bit value through splitmix64. */
void sim_rng_seed(struct sim_rng *r, uint64_t seed);
/* The next 64 random bits. */
uint64_t sim_rng_next(struct sim_rng *r);
/* A uniform draw in (0, 1), never 0 or 1. */
double sim_rng_uniform(struct sim_rng *r);
/* A standard normal draw. */
double sim_rng_normal(struct sim_rng *r);

/*
 * One QE step of the Heston model over dt years: updates the log price
 * *lnS (drift mu = r - q per year) and the variance *v (1/year).  p->sigma
 * must be > 0.  Uses two or three draws from r.
 */
void sim_qe_step(const heston_params *p, double mu, double dt, double *lnS, double *v,
    struct sim_rng *r);

/* Kinds of bad tick the simulator injects. */
enum sim_bad {
	SIM_BAD_CROSSED,        /* bid above ask */
	SIM_BAD_ZERO,           /* bid = ask = last = 0 */
	SIM_BAD_NAN,            /* bid = ask = last = NaN */
	SIM_BAD_STALE,          /* exchange time one day old */
	SIM_BAD_N
};

/* The simulator's configuration (the sim.* keys). */
struct sim_config {
	uint64_t seed;
	double speed;           /* trading days per real minute (the feed's clock) */
	int nunderlyings;
	char underlyings[SIM_MAX_UNDERLYINGS][8];      /* OCC roots */
	int npairs;
	int nexpiries, nstrikes;        /* nexpiries 0: no option chains */
	int steps_per_day;
	int chain_every;        /* steps between chains */
	int history_days;
	int start;              /* first live trading day, YYYYMMDD */
	double rate;            /* risk-free rate, continuous per year */
	double iv_noise;        /* sd of the noise on implied vols */
	double spread;          /* at-the-money half spread, vol units */
	double bad_tick_rate;   /* probability that a quote is bad */
};

/* True parameters and current state of an underlying. */
struct sim_underlying {
	char symbol[MARKET_SYMBOL_MAX];
	heston_params p;        /* p.v0 is the variance the path started from */
	double dividend;        /* continuous yield per year */
	double spot0;           /* price at the start of the history */
	double S, v;            /* current price and variance */
};

/* True parameters and current state of a pair. */
struct sim_pair {
	struct instrument inst; /* symbol "LEG1/LEG2", legs, hedge ratio */
	struct ou_params ou;    /* of X = leg1 - hedge_ratio x leg2, per year */
	double leg2_vol;        /* GBM vol of leg2, per sqrt(year) */
	double leg2_drift;      /* GBM drift of leg2, per year */
	double S2, X;           /* current leg2 price and spread */
};

/* What the simulator has done. */
struct sim_stats {
	unsigned long steps, days, quotes, chains, options, bars;
	unsigned long bad[SIM_BAD_N];
};

struct sim;

/* The defaults (equal to the conf-keys.c rows). */
void sim_config_default(struct sim_config *cfg);
/* Reads the sim.* keys; 0 or -1 with cause. */
int sim_config_from_conf(struct sim_config *cfg, struct conf *conf, char **cause);
/* Parses a comma-separated list of OCC roots into cfg; 0 or -1 with cause. */
int sim_config_universe(struct sim_config *cfg, const char *list, char **cause);
/* Short name of a bad-tick kind. */
const char *sim_bad_name(enum sim_bad b);

/* Creates a simulator positioned before its history; NULL with cause. */
struct sim *sim_new(const struct sim_config *cfg, char **cause);
void sim_free(struct sim *s);
const struct sim_config *sim_get_config(const struct sim *s);
/* Changes what may change while running: bad-tick rate, noise, spread. */
void sim_set_live(struct sim *s, double bad_tick_rate, double iv_noise, double spread);

/*
 * Advances one step and delivers its quotes (and chains and daily bars
 * when due) to sink.  The first call first runs the history days,
 * delivering their daily bars.  sink callbacks may be NULL.
 */
void sim_step(struct sim *s, const struct feed_sink *sink);
/* Runs only the history (if not yet run). */
void sim_history(struct sim *s, const struct feed_sink *sink);

/* Epoch time of the last step (NaN before the first), and its date. */
double sim_time(const struct sim *s);
int sim_date(const struct sim *s);
/* 1 once the history has run. */
int sim_is_live(const struct sim *s);
void sim_get_stats(const struct sim *s, struct sim_stats *st);

size_t sim_nunderlyings(const struct sim *s);
const struct sim_underlying *sim_underlying(const struct sim *s, size_t i);
size_t sim_npairs(const struct sim *s);
const struct sim_pair *sim_pair(const struct sim *s, size_t i);

/* The true (noise-free) price now of a European option on underlying i:
 * Heston with the current variance as v0; T years, strike K. */
int sim_true_price(struct sim *s, size_t i, double T, double K, int call, double *price);

/* --- the running simulator feed (feed-sim.c) --------------------------- */

/* Copies the running sim feed's configuration, stats, time, underlyings
 * and pairs (arrays of SIM_MAX_*); 0, or -1 when no sim feed runs. */
struct sim_info {
	struct sim_config cfg;
	struct sim_stats stats;
	double time;
	int date;
	int live;
	double lag_days;        /* how far the clock is behind real time x speed */
	size_t nund, npairs;
	struct sim_underlying und[SIM_MAX_UNDERLYINGS];
	struct sim_pair pairs[SIM_MAX_PAIRS];
};
int feed_sim_info(struct sim_info *info);
/* Applies a live setting (speed, bad_tick_rate, iv_noise, spread) to the
 * running sim feed; 1 when applied, 0 when no sim feed runs or the key
 * takes effect only at the next start. */
int feed_sim_apply(const char *key, double value);

#endif
