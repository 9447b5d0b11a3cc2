/*
 * sim.c -- the market simulator of sim.h: the universe, the paths, the
 * quotes, the option chains and the bad ticks.
 *
 * Option quotes come from the TRUE surface: models/heston.h prices every
 * option of an underlying (one heston_price_surface call per chain, the
 * current variance as v0), models/iv.h turns the price into the true
 * implied vol, the noise is added to that vol, and models/bs.h prices the
 * noisy vol back and gives the vega that sets the spread.  Everything
 * here is deterministic for a configuration (see sim.h).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs.h"
#include "conf.h"
#include "heston.h"
#include "iv.h"
#include "qm-status.h"
#include "sim.h"
#include "util.h"

#define SIM_DAY_OPEN (14.5 * 3600.0)    /* 09:30 New York as UTC */
#define SIM_DAY_LEN (6.5 * 3600.0)
#define SIM_LATENCY 0.05                /* seconds from exchange to receipt */
#define SIM_YEAR_DAYS 252.0
#define SIM_PSI_C 1.5                   /* Andersen's switching level */

/* A quoted instrument: an underlying or a pair leg. */
struct sim_inst {
	char symbol[MARKET_SYMBOL_MAX];
	double price;
	double half_rel;        /* relative half spread */
	double open, high, low; /* of the current day */
	struct sim_rng noise;   /* sizes and volumes */
};

struct sim {
	struct sim_config cfg;
	size_t nund, npairs, ninst;
	struct sim_underlying und[SIM_MAX_UNDERLYINGS];
	struct sim_rng path[SIM_MAX_UNDERLYINGS], noise[SIM_MAX_UNDERLYINGS];
	struct sim_pair pairs[SIM_MAX_PAIRS];
	struct sim_rng pair_path[SIM_MAX_PAIRS];
	struct sim_inst inst[SIM_MAX_UNDERLYINGS + 2 * SIM_MAX_PAIRS];
	struct sim_rng bad;
	heston_workspace *hw;
	int date;               /* current trading day */
	int step;               /* next step within the day */
	int history_left;       /* history days still to run */
	int live;
	double time;
	struct sim_stats stats;
	/* chain scratch */
	size_t cap;
	double *T, *K, *r, *q, *price;
	int *type;
};

/* splitmix64: seeds the xoshiro state. */
static uint64_t sim_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Seeds a generator. */
void sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = sim_splitmix(&x);
	r->has_spare = 0;
	r->spare = 0;
}

/* Rotates left. */
static inline uint64_t sim_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman and Vigna 2018). */
uint64_t sim_rng_next(struct sim_rng *r)
{
	uint64_t *s = r->s, res = sim_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = sim_rotl(s[3], 45);
	return res;
}

/* A uniform in (0, 1): 53 random bits, offset by half an ulp. */
double sim_rng_uniform(struct sim_rng *r)
{
	return ((double)(sim_rng_next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* A standard normal by Box-Muller, caching the second draw. */
double sim_rng_normal(struct sim_rng *r)
{
	double u1, u2, rad;

	if (r->has_spare) {
		r->has_spare = 0;
		return r->spare;
	}
	u1 = sim_rng_uniform(r);
	u2 = sim_rng_uniform(r);
	rad = sqrt(-2.0 * log(u1));
	r->spare = rad * sin(2 * M_PI * u2);
	r->has_spare = 1;
	return rad * cos(2 * M_PI * u2);
}

/* Andersen's QE step with the martingale correction (see sim.h). */
void sim_qe_step(const heston_params *p, double mu, double dt, double *lnS, double *v,
    struct sim_rng *r)
{
	double k = p->kappa, th = p->theta, sg = p->sigma, rho = p->rho, v0 = *v, v1;
	double e = exp(-k * dt), m, s2, psi, K0, K1, K2, K3, K4, A, M = NAN;

	m = th + (v0 - th) * e;
	s2 = v0 * sg * sg * e * (1 - e) / k + th * sg * sg * (1 - e) * (1 - e) / (2 * k);
	psi = m > 0 ? s2 / (m * m) : INFINITY;
	K1 = 0.5 * dt * (k * rho / sg - 0.5) - rho / sg;
	K2 = 0.5 * dt * (k * rho / sg - 0.5) + rho / sg;
	K3 = 0.5 * dt * (1 - rho * rho);
	K4 = K3;
	A = K2 + 0.5 * K4;
	if (psi <= SIM_PSI_C) {
		double ip = 2 / psi, b2 = ip - 1 + sqrt(ip) * sqrt(ip - 1), b = sqrt(b2);
		double a = m / (1 + b2), z = sim_rng_normal(r);

		v1 = a * (b + z) * (b + z);
		if (A < 1 / (2 * a))
			M = exp(A * b2 * a / (1 - 2 * A * a)) / sqrt(1 - 2 * A * a);
	} else {
		double pp = (psi - 1) / (psi + 1), beta = (1 - pp) / m, u = sim_rng_uniform(r);

		v1 = u <= pp ? 0 : log((1 - pp) / (1 - u)) / beta;
		if (A < beta)
			M = pp + beta * (1 - pp) / (beta - A);
	}
	if (isfinite(M) && M > 0)
		K0 = -log(M) - (K1 + 0.5 * K3) * v0;
	else
		K0 = -rho * k * th * dt / sg;   /* no correction possible: eq. (33) */
	*lnS += mu * dt + K0 + K1 * v0 + K2 * v1 + sqrt(K3 * v0 + K4 * v1) * sim_rng_normal(r);
	*v = v1;
}

/* Short name of a bad-tick kind. */
const char *sim_bad_name(enum sim_bad b)
{
	static const char *const names[SIM_BAD_N] = { "crossed", "zero", "nan", "stale" };

	return (unsigned)b < SIM_BAD_N ? names[b] : "?";
}

/* The defaults. */
void sim_config_default(struct sim_config *cfg)
{
	char *cause = NULL;

	memset(cfg, 0, sizeof *cfg);
	cfg->seed = 1;
	cfg->speed = 1;
	sim_config_universe(cfg, "SIMA,SIMB,SIMC,SIMD,SIME,SIMF", &cause);
	free(cause);
	cfg->npairs = 4;
	cfg->nexpiries = 8;
	cfg->nstrikes = 15;
	cfg->steps_per_day = 78;
	cfg->chain_every = 1;
	cfg->history_days = 756;
	cfg->start = 20240102;
	cfg->rate = 0.04;
	cfg->iv_noise = 0.002;
	cfg->spread = 0.005;
	cfg->bad_tick_rate = 0.001;
}

/* Parses the universe list. */
int sim_config_universe(struct sim_config *cfg, const char *list, char **cause)
{
	char *copy = xstrdup(list), *p, *tok, *save = NULL;
	int n = 0, i;

	for (p = copy; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		size_t len, j;

		while (*tok == ' ')
			tok++;
		len = strlen(tok);
		while (len > 0 && tok[len - 1] == ' ')
			tok[--len] = '\0';
		for (j = 0; j < len; j++) {
			if (!((tok[j] >= 'A' && tok[j] <= 'Z') || (tok[j] >= '0' && tok[j] <= '9')))
				break;
		}
		if (len == 0 || len > 6 || j < len) {
			*cause = xasprintf("sim.universe: '%s' is not an option root (1 to 6 of "
			    "A-Z and 0-9)", tok);
			free(copy);
			return -1;
		}
		if (n == SIM_MAX_UNDERLYINGS) {
			*cause = xasprintf("sim.universe: more than %d underlyings",
			    SIM_MAX_UNDERLYINGS);
			free(copy);
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (strcmp(cfg->underlyings[i], tok) == 0) {
				*cause = xasprintf("sim.universe: '%s' is listed twice", tok);
				free(copy);
				return -1;
			}
		}
		snprintf(cfg->underlyings[n++], sizeof cfg->underlyings[0], "%s", tok);
	}
	free(copy);
	if (n == 0 && strspn(list, " ") != strlen(list)) {
		*cause = xasprintf("sim.universe: expected a comma-separated list of symbols");
		return -1;
	}
	cfg->nunderlyings = n;
	return 0;
}

/* Reads the sim.* keys. */
int sim_config_from_conf(struct sim_config *cfg, struct conf *conf, char **cause)
{
	sim_config_default(cfg);
	cfg->seed = (uint64_t)conf_get_int(conf, "sim.seed");
	cfg->speed = conf_get_double(conf, "sim.speed");
	if (sim_config_universe(cfg, conf_get_str(conf, "sim.universe"), cause) != 0)
		return -1;
	cfg->npairs = (int)conf_get_int(conf, "sim.pairs");
	cfg->nexpiries = (int)conf_get_int(conf, "sim.expiries");
	cfg->nstrikes = (int)conf_get_int(conf, "sim.strikes");
	cfg->steps_per_day = (int)conf_get_int(conf, "sim.steps_per_day");
	cfg->chain_every = (int)conf_get_int(conf, "sim.chain_every");
	cfg->history_days = (int)conf_get_int(conf, "sim.history_days");
	if (market_parse_date(conf_get_str(conf, "sim.start"), &cfg->start) != 0) {
		*cause = xasprintf("sim.start: expected a date YYYY-MM-DD, got '%s'",
		    conf_get_str(conf, "sim.start"));
		return -1;
	}
	cfg->rate = conf_get_double(conf, "sim.rate");
	cfg->iv_noise = conf_get_double(conf, "sim.iv_noise");
	cfg->spread = conf_get_double(conf, "sim.spread");
	cfg->bad_tick_rate = conf_get_double(conf, "sim.bad_tick_rate");
	return 0;
}

/* FNV-1a hash of a symbol, to seed its streams. */
static uint64_t sim_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Seeds stream `which` of an instrument. */
static void sim_stream(struct sim_rng *r, uint64_t seed, const char *symbol, uint64_t which)
{
	uint64_t x = seed ^ sim_hash(symbol), h = sim_splitmix(&x);

	sim_rng_seed(r, h ^ (which * 0xd1b54a32d192ed03ULL));
}

/* A uniform in [lo, hi). */
static double sim_between(struct sim_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * sim_rng_uniform(r);
}

/* Creates a simulator. */
struct sim *sim_new(const struct sim_config *cfg, char **cause)
{
	struct sim *s;
	size_t i;
	int d;

	if (cfg->nunderlyings < 0 || cfg->nunderlyings > SIM_MAX_UNDERLYINGS ||
	    cfg->npairs < 0 || cfg->npairs > SIM_MAX_PAIRS ||
	    cfg->nexpiries < 0 || cfg->nexpiries > SIM_MAX_EXPIRIES ||
	    cfg->nstrikes < 1 || cfg->nstrikes > SIM_MAX_STRIKES || cfg->steps_per_day < 1 ||
	    cfg->chain_every < 1 || cfg->history_days < 0 || !market_date_valid(cfg->start) ||
	    !(cfg->rate > -1 && cfg->rate < 1) || !(cfg->iv_noise >= 0 && cfg->iv_noise < 1) ||
	    !(cfg->spread >= 0 && cfg->spread < 1) ||
	    !(cfg->bad_tick_rate >= 0 && cfg->bad_tick_rate <= 1)) {
		*cause = xasprintf("sim: configuration out of range");
		return NULL;
	}
	if (cfg->nunderlyings + cfg->npairs == 0) {
		*cause = xasprintf("sim: the universe is empty (no underlyings and no pairs)");
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->cfg = *cfg;
	s->nund = (size_t)cfg->nunderlyings;
	s->npairs = (size_t)cfg->npairs;
	if ((s->hw = heston_workspace_alloc(HESTON_DEFAULT_NODES)) == NULL) {
		*cause = xasprintf("sim: cannot allocate the Heston workspace");
		free(s);
		return NULL;
	}
	heston_workspace_set_tolerance(s->hw, 1e-10);
	for (i = 0; i < s->nund; i++) {
		struct sim_underlying *u = &s->und[i];
		struct sim_inst *in = &s->inst[s->ninst++];
		struct sim_rng pr;
		double vol;

		snprintf(u->symbol, sizeof u->symbol, "%s", cfg->underlyings[i]);
		sim_stream(&pr, cfg->seed, u->symbol, 1);
		sim_stream(&s->path[i], cfg->seed, u->symbol, 2);
		sim_stream(&s->noise[i], cfg->seed, u->symbol, 3);
		u->spot0 = round(exp(sim_between(&pr, log(20), log(500))) * 100) / 100;
		vol = sim_between(&pr, 0.15, 0.45);
		u->p.theta = vol * vol;
		u->p.v0 = u->p.theta * sim_between(&pr, 0.6, 1.5);
		u->p.kappa = sim_between(&pr, 1, 5);
		u->p.sigma = sim_between(&pr, 0.3, 0.9);
		u->p.rho = sim_between(&pr, -0.85, -0.3);
		u->dividend = sim_between(&pr, 0, 0.025);
		u->S = u->spot0;
		u->v = u->p.v0;
		snprintf(in->symbol, sizeof in->symbol, "%s", u->symbol);
		in->price = u->S;
		in->half_rel = 1e-4;
		sim_stream(&in->noise, cfg->seed, u->symbol, 4);
	}
	for (i = 0; i < s->npairs; i++) {
		struct sim_pair *p = &s->pairs[i];
		struct sim_rng pr;
		char leg1[16], leg2[16], *cause2 = NULL;
		double sd;
		int k;

		snprintf(leg1, sizeof leg1, "PR%dA", (int)i + 1);
		snprintf(leg2, sizeof leg2, "PR%dB", (int)i + 1);
		sim_stream(&pr, cfg->seed, leg1, 1);
		sim_stream(&s->pair_path[i], cfg->seed, leg1, 2);
		market_pair_init(&p->inst, leg1, leg2, round(sim_between(&pr, 0.5, 2.0) * 1000) / 1000,
		    &cause2);
		free(cause2);
		p->S2 = round(exp(sim_between(&pr, log(20), log(200))) * 100) / 100;
		p->leg2_vol = sim_between(&pr, 0.15, 0.35);
		p->leg2_drift = cfg->rate;
		p->ou.theta = sim_between(&pr, 2, 10);
		p->ou.mu = sim_between(&pr, 10, 40);
		p->ou.sigma = sim_between(&pr, 1.5, 4);
		sd = p->ou.sigma / sqrt(2 * p->ou.mu);
		p->X = p->ou.theta + sd * sim_rng_normal(&pr);
		for (k = 0; k < 2; k++) {
			struct sim_inst *in = &s->inst[s->ninst++];

			snprintf(in->symbol, sizeof in->symbol, "%s", k == 0 ? leg1 : leg2);
			in->price = k == 0 ? p->inst.hedge_ratio * p->S2 + p->X : p->S2;
			in->half_rel = 1e-4;
			sim_stream(&in->noise, cfg->seed, in->symbol, 4);
		}
	}
	sim_stream(&s->bad, cfg->seed, "bad ticks", 5);
	/* the history ends on the business day before the first live day */
	s->date = cfg->start;
	if (market_weekday(s->date) == 0 || market_weekday(s->date) == 6)
		s->date = market_next_business_day(s->date);
	s->cfg.start = s->date;
	for (d = 0; d < cfg->history_days; d++) {
		do
			s->date = market_date_add_days(s->date, -1);
		while (market_weekday(s->date) == 0 || market_weekday(s->date) == 6);
	}
	s->history_left = cfg->history_days;
	s->live = cfg->history_days == 0;
	s->time = NAN;
	return s;
}

/* Frees a simulator. */
void sim_free(struct sim *s)
{
	if (s == NULL)
		return;
	heston_workspace_free(s->hw);
	free(s->T);
	free(s->K);
	free(s->r);
	free(s->q);
	free(s->price);
	free(s->type);
	free(s);
}

/* The configuration in force. */
const struct sim_config *sim_get_config(const struct sim *s)
{
	return &s->cfg;
}

/* Changes the live settings. */
void sim_set_live(struct sim *s, double bad_tick_rate, double iv_noise, double spread)
{
	if (bad_tick_rate >= 0 && bad_tick_rate <= 1)
		s->cfg.bad_tick_rate = bad_tick_rate;
	if (iv_noise >= 0 && iv_noise < 1)
		s->cfg.iv_noise = iv_noise;
	if (spread >= 0 && spread < 1)
		s->cfg.spread = spread;
}

/* Rounds down to a cent. */
static double sim_floor_cent(double x)
{
	return floor(x * 100 + 1e-9) / 100;
}

/* Rounds up to a cent. */
static double sim_ceil_cent(double x)
{
	return ceil(x * 100 - 1e-9) / 100;
}

/* Maybe turns a quote into a bad tick; one uniform draw always, one more
 * when bad, so the rate never shifts the other streams. */
static void sim_maybe_bad(struct sim *s, struct quote *q)
{
	double u = sim_rng_uniform(&s->bad);
	int kind;

	if (u >= s->cfg.bad_tick_rate)
		return;
	kind = (int)(sim_rng_uniform(&s->bad) * SIM_BAD_N);
	if (kind >= SIM_BAD_N)
		kind = SIM_BAD_N - 1;
	switch (kind) {
	case SIM_BAD_CROSSED:
		q->bid = q->ask + fmax(0.01, q->ask - q->bid);
		break;
	case SIM_BAD_ZERO:
		q->bid = q->ask = q->last = 0;
		break;
	case SIM_BAD_NAN:
		q->bid = q->ask = q->last = NAN;
		break;
	case SIM_BAD_STALE:
		q->exch_time -= 86400;
		break;
	}
	s->stats.bad[kind]++;
}

/* Emits the quote of a quoted instrument. */
static void sim_quote_inst(struct sim *s, struct sim_inst *in, const struct feed_sink *sink)
{
	struct quote q;
	double half = fmax(in->price * in->half_rel, 0.005);

	memset(&q, 0, sizeof q);
	snprintf(q.symbol, sizeof q.symbol, "%s", in->symbol);
	q.bid = sim_floor_cent(in->price - half);
	q.ask = sim_ceil_cent(in->price + half);
	if (q.ask <= q.bid)
		q.ask = q.bid + 0.01;
	q.last = round(in->price * 100) / 100;
	q.bid_size = 100 * (1 + floor(sim_rng_uniform(&in->noise) * 20));
	q.ask_size = 100 * (1 + floor(sim_rng_uniform(&in->noise) * 20));
	q.volume = NAN;
	q.exch_time = s->time;
	q.recv_time = s->time + SIM_LATENCY;
	sim_maybe_bad(s, &q);
	s->stats.quotes++;
	if (sink != NULL && sink->on_quote != NULL)
		sink->on_quote(sink->arg, &q);
}

/* A "nice" strike step: 1, 2, 2.5 or 5 times a power of ten, >= x. */
static double sim_nice_step(double x)
{
	double p = pow(10, floor(log10(x))), m = x / p;

	if (m <= 1)
		return p;
	if (m <= 2)
		return 2 * p;
	if (m <= 2.5)
		return 2.5 * p;
	if (m <= 5)
		return 5 * p;
	return 10 * p;
}

/* The listed expiries on a date: monthly third Fridays at least two days
 * away (up to four), then quarterly ones. */
static int sim_expiries(int date, int want, int *out)
{
	int y = date / 10000, m = date / 100 % 100, n = 0, monthly = 0, guard;
	int limit = market_date_add_days(date, 1);

	for (guard = 0; n < want && guard < 240; guard++) {
		int e = market_third_friday(y, m);

		if (e > limit && (monthly < 4 || m % 3 == 0)) {
			out[n++] = e;
			monthly++;
		}
		if (++m > 12) {
			m = 1;
			y++;
		}
	}
	return n;
}

/* Grows the chain scratch arrays. */
static void sim_scratch(struct sim *s, size_t n)
{
	if (n <= s->cap)
		return;
	s->cap = n;
	s->T = xrealloc(s->T, n * sizeof *s->T);
	s->K = xrealloc(s->K, n * sizeof *s->K);
	s->r = xrealloc(s->r, n * sizeof *s->r);
	s->q = xrealloc(s->q, n * sizeof *s->q);
	s->price = xrealloc(s->price, n * sizeof *s->price);
	s->type = xrealloc(s->type, n * sizeof *s->type);
}

/* Builds and emits the chain of underlying i. */
static void sim_chain(struct sim *s, size_t i, const struct feed_sink *sink)
{
	struct sim_underlying *u = &s->und[i];
	struct option_chain c;
	int expd[SIM_MAX_EXPIRIES], ne, e, k, nk = s->cfg.nstrikes;
	size_t n = 0, j;
	heston_params hp = u->p;
	double r = s->cfg.rate, q = u->dividend;

	ne = sim_expiries(sim_date(s), s->cfg.nexpiries, expd);
	sim_scratch(s, (size_t)(ne * nk * 2));
	for (e = 0; e < ne; e++) {
		double T = market_year_fraction(s->time, expd[e]), sd, F, step, center;

		if (!(T > 0))
			continue;
		sd = sqrt(u->p.theta * T);
		F = u->S * exp((r - q) * T);
		step = sim_nice_step(u->S * sd * 4.0 / (nk > 1 ? nk - 1 : 1));
		center = round(F / step) * step;
		for (k = 0; k < nk; k++) {
			double K = center + (k - nk / 2) * step;
			int t;

			if (K <= 0 || K * 1000 >= 99999999.5)
				continue;
			for (t = 0; t < 2; t++) {
				s->T[n] = T;
				s->K[n] = round(K * 1000) / 1000;
				s->r[n] = r;
				s->q[n] = q;
				s->type[n] = t == 0 ? HESTON_CALL : HESTON_PUT;
				n++;
			}
		}
	}
	hp.v0 = u->v;
	if (n == 0 || heston_price_surface(&hp, u->S, n, s->T, s->K, s->r, s->q, s->type,
	    s->price, s->hw) != QM_OK)
		return;
	market_chain_init(&c, u->symbol);
	c.time = s->time;
	c.spot = u->S;
	c.rate = r;
	c.dividend = q;
	for (j = 0; j < n; j++) {
		struct option_quote oq;
		struct bs_greeks g;
		int bt = s->type[j] == HESTON_CALL ? BS_CALL : BS_PUT;
		double ivt, ivo, z, F, sd, hs, half;

		/* the listing depends on the path only: one noise draw per
		 * listed option, whatever the noise level */
		if (!(s->price[j] >= 0.01) ||
		    iv_bs(bt, u->S, s->K[j], s->T[j], r, q, s->price[j], &ivt) != QM_OK)
			continue;
		z = sim_rng_normal(&s->noise[i]);
		ivo = ivt + s->cfg.iv_noise * z;
		if (ivo < 0.5 * ivt)
			ivo = 0.5 * ivt;
		if (bs_greeks(bt, u->S, s->K[j], s->T[j], ivo, r, q, &g) != QM_OK)
			continue;
		F = u->S * exp((r - q) * s->T[j]);
		sd = sqrt(u->p.theta * s->T[j]);
		hs = s->cfg.spread * (1 + fabs(log(s->K[j] / F)) / sd);
		/* spreads widen with moneyness, within what validation accepts
		 * (spread <= max(0.4 mid, 0.2) + rounding) */
		half = fmin(fmax(0.01, hs * g.vega), fmax(0.2 * g.price, 0.1));
		market_option_init(&oq);
		snprintf(oq.opt.underlying, sizeof oq.opt.underlying, "%s", u->symbol);
		oq.opt.expiry = market_date_from_epoch(s->time + s->T[j] * 365 * 86400 + 3600);
		oq.opt.strike = s->K[j];
		oq.opt.right = bt == BS_CALL ? OPT_RIGHT_CALL : OPT_RIGHT_PUT;
		market_occ_format(&oq.opt, oq.opt.symbol, sizeof oq.opt.symbol);
		snprintf(oq.q.symbol, sizeof oq.q.symbol, "%s", oq.opt.symbol);
		oq.q.bid = fmax(0, sim_floor_cent(g.price - half));
		oq.q.ask = sim_ceil_cent(g.price + half);
		oq.q.last = NAN;
		oq.q.bid_size = 1 + floor(sim_rng_uniform(&s->noise[i]) * 50);
		oq.q.ask_size = 1 + floor(sim_rng_uniform(&s->noise[i]) * 50);
		oq.q.exch_time = s->time;
		oq.q.recv_time = s->time + SIM_LATENCY;
		sim_maybe_bad(s, &oq.q);
		market_chain_add(&c, &oq);
	}
	s->stats.chains++;
	s->stats.options += c.n;
	if (sink != NULL && sink->on_chain != NULL)
		sink->on_chain(sink->arg, &c);
	market_chain_free(&c);
}

/* Emits the daily bars of every instrument. */
static void sim_bars(struct sim *s, const struct feed_sink *sink)
{
	size_t i;

	for (i = 0; i < s->ninst; i++) {
		struct sim_inst *in = &s->inst[i];
		struct bar b;

		memset(&b, 0, sizeof b);
		snprintf(b.symbol, sizeof b.symbol, "%s", in->symbol);
		b.time = market_date_epoch(s->date);
		b.open = in->open;
		b.high = in->high;
		b.low = in->low;
		b.close = in->price;
		b.volume = round(1e6 * (0.5 + sim_rng_uniform(&in->noise)));
		s->stats.bars++;
		if (sink != NULL && sink->on_bar != NULL)
			sink->on_bar(sink->arg, &b);
	}
}

/* One step of every path; quotes and chains when emit is set. */
static void sim_advance(struct sim *s, const struct feed_sink *sink, int emit)
{
	double dt = 1.0 / (SIM_YEAR_DAYS * s->cfg.steps_per_day);
	size_t i, n = 0;

	if (s->step == 0) {
		for (i = 0; i < s->ninst; i++)
			s->inst[i].open = s->inst[i].high = s->inst[i].low = s->inst[i].price;
	}
	s->time = market_date_epoch(s->date) + SIM_DAY_OPEN +
	    SIM_DAY_LEN * (s->step + 1) / s->cfg.steps_per_day;
	for (i = 0; i < s->nund; i++) {
		struct sim_underlying *u = &s->und[i];
		double lnS = log(u->S);

		sim_qe_step(&u->p, s->cfg.rate - u->dividend, dt, &lnS, &u->v, &s->path[i]);
		u->S = exp(lnS);
		s->inst[n++].price = u->S;
	}
	for (i = 0; i < s->npairs; i++) {
		struct sim_pair *p = &s->pairs[i];
		double b = exp(-p->ou.mu * dt);
		double sd = p->ou.sigma * sqrt((1 - b * b) / (2 * p->ou.mu));
		double z1 = sim_rng_normal(&s->pair_path[i]), z2 = sim_rng_normal(&s->pair_path[i]);

		p->S2 *= exp((p->leg2_drift - 0.5 * p->leg2_vol * p->leg2_vol) * dt +
		    p->leg2_vol * sqrt(dt) * z1);
		p->X = p->ou.theta + (p->X - p->ou.theta) * b + sd * z2;
		s->inst[n++].price = p->inst.hedge_ratio * p->S2 + p->X;
		s->inst[n++].price = p->S2;
	}
	for (i = 0; i < s->ninst; i++) {
		struct sim_inst *in = &s->inst[i];

		in->high = fmax(in->high, in->price);
		in->low = fmin(in->low, in->price);
		if (emit)
			sim_quote_inst(s, in, sink);
	}
	if (emit && s->cfg.nexpiries > 0 &&
	    (s->stats.chains == 0 || (s->step + 1) % s->cfg.chain_every == 0)) {
		for (i = 0; i < s->nund; i++)
			sim_chain(s, i, sink);
	}
	s->stats.steps++;
	if (++s->step == s->cfg.steps_per_day) {
		sim_bars(s, sink);
		s->stats.days++;
		s->step = 0;
		s->date = market_next_business_day(s->date);
	}
}

/* Runs the history days. */
void sim_history(struct sim *s, const struct feed_sink *sink)
{
	while (s->history_left > 0) {
		int k;

		for (k = 0; k < s->cfg.steps_per_day; k++)
			sim_advance(s, sink, 0);
		s->history_left--;
	}
	s->live = 1;
}

/* One live step. */
void sim_step(struct sim *s, const struct feed_sink *sink)
{
	if (!s->live)
		sim_history(s, sink);
	sim_advance(s, sink, 1);
}

/* Time of the last step. */
double sim_time(const struct sim *s)
{
	return s->time;
}

/* The trading day of the last step (or of the next one before any). */
int sim_date(const struct sim *s)
{
	if (isfinite(s->time))
		return market_date_from_epoch(s->time);
	return s->date;
}

/* 1 once live. */
int sim_is_live(const struct sim *s)
{
	return s->live;
}

/* Copies the stats. */
void sim_get_stats(const struct sim *s, struct sim_stats *st)
{
	*st = s->stats;
}

/* Number of underlyings. */
size_t sim_nunderlyings(const struct sim *s)
{
	return s->nund;
}

/* Underlying i (truth and state), or NULL. */
const struct sim_underlying *sim_underlying(const struct sim *s, size_t i)
{
	return i < s->nund ? &s->und[i] : NULL;
}

/* Number of pairs. */
size_t sim_npairs(const struct sim *s)
{
	return s->npairs;
}

/* Pair i (truth and state), or NULL. */
const struct sim_pair *sim_pair(const struct sim *s, size_t i)
{
	return i < s->npairs ? &s->pairs[i] : NULL;
}

/* The true price of an option now. */
int sim_true_price(struct sim *s, size_t i, double T, double K, int call, double *price)
{
	heston_params hp;

	if (i >= s->nund) {
		*price = NAN;
		return QM_EINVAL;
	}
	hp = s->und[i].p;
	hp.v0 = s->und[i].v;
	return heston_price(&hp, s->und[i].S, T, K, s->cfg.rate, s->und[i].dividend,
	    call ? HESTON_CALL : HESTON_PUT, price, s->hw);
}
