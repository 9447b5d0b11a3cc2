/*
 * risk.c -- portfolio risk: valuation and Greeks of every position, the
 * portfolio limits (whole book and a prospective order), delta re-hedge
 * suggestions and the health of open pairs.
 *
 * DESIGN
 * Pure functions, no threads and no globals (see risk.h): the OMS thread
 * and the commands each call them on their own snapshot, and every call
 * owns the scratch it allocates.  Valuation rules, units and the meaning
 * of each limit are documented in risk.h; the position valuation itself
 * (risk_val_*) is shared with scenario.c so that the Greeks and the
 * scenarios never disagree on a model or an input.  A position that
 * cannot be valued is never guessed at: it carries its error, counts in no
 * aggregate, and risk_check() reports it as an "unvalued" breach.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs.h"
#include "calib.h"
#include "coint.h"
#include "conf.h"
#include "heston.h"
#include "market-state.h"
#include "qm-status.h"
#include "risk-val.h"
#include "risk.h"
#include "util.h"

#define RISK_RHO_BUMP 1e-4      /* rate bump of the Heston rho, absolute */
#define RISK_MIN_PAIR_OBS 30    /* fewest common closes for a pair health test */

/* The name of a valuation model. */
const char *risk_model_name(int model)
{
	switch (model) {
	case RISK_MODEL_LINEAR:
		return "linear";
	case RISK_MODEL_BS:
		return "bs";
	case RISK_MODEL_HESTON:
		return "heston";
	default:
		return "none";
	}
}

/* The name of a limit. */
const char *risk_limit_name(int lim)
{
	static const char *const names[RISK_LIM_N] = {
		"name", "gross", "net", "strategy", "notional", "daily_loss", "unvalued"
	};

	return lim >= 0 && lim < RISK_LIM_N ? names[lim] : "unknown";
}

/* --- configuration ------------------------------------------------------ */

/* Fills cfg with the defaults of the risk.* keys (conf-keys.c agrees). */
void risk_cfg_default(struct risk_cfg *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->max_name_notional = 250000;
	cfg->max_gross = 1000000;
	cfg->max_net = 500000;
	cfg->max_strategy_notional = 500000;
	cfg->max_notional = 2000000;
	cfg->max_daily_loss = 20000;
	cfg->hedge_threshold = 500;
	cfg->hedge_cash = 0;
	cfg->auto_hedge = 0;
	cfg->hedge_target = 0.5;
	cfg->hedge_interval = 300;
	cfg->pair_window = 252;
	cfg->pair_max_pvalue = 0.10;
	cfg->pair_min_corr = 0.5;
	cfg->nbetas = 0;
}

/* Parses "SYM:BETA,SYM:BETA" (blanks allowed around items) into cfg. */
int risk_parse_betas(struct risk_cfg *cfg, const char *text, char **cause)
{
	char *copy = xstrdup(text != NULL ? text : ""), *item, *save = NULL;
	size_t n = 0;

	for (item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		char *colon, *sym, *num, *e;
		double beta;

		while (*item == ' ' || *item == '\t')
			item++;
		e = item + strlen(item);
		while (e > item && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*item == '\0')
			continue;
		if ((colon = strchr(item, ':')) == NULL) {
			*cause = xasprintf("risk.betas: '%s' is not SYMBOL:BETA", item);
			free(copy);
			return -1;
		}
		*colon = '\0';
		sym = item;
		num = colon + 1;
		while (*num == ' ')
			num++;
		e = sym + strlen(sym);
		while (e > sym && e[-1] == ' ')
			*--e = '\0';
		if (!market_symbol_valid(sym)) {
			*cause = xasprintf("risk.betas: '%s' is not a valid symbol", sym);
			free(copy);
			return -1;
		}
		if (parse_double(num, &beta) != 0 || fabs(beta) > 20) {
			*cause = xasprintf("risk.betas: beta of %s '%s' is not a number in -20..20",
			    sym, num);
			free(copy);
			return -1;
		}
		if (n == RISK_BETAS_MAX) {
			*cause = xasprintf("risk.betas: more than %d symbols", RISK_BETAS_MAX);
			free(copy);
			return -1;
		}
		snprintf(cfg->beta_sym[n], sizeof cfg->beta_sym[n], "%s", sym);
		cfg->beta[n++] = beta;
	}
	cfg->nbetas = n;
	free(copy);
	return 0;
}

/* Reads the risk.* keys into cfg. */
int risk_cfg_from_conf(struct risk_cfg *cfg, struct conf *conf, char **cause)
{
	const char *unit;

	risk_cfg_default(cfg);
	cfg->max_name_notional = conf_get_double(conf, "risk.max_name_notional");
	cfg->max_gross = conf_get_double(conf, "risk.max_gross");
	cfg->max_net = conf_get_double(conf, "risk.max_net");
	cfg->max_strategy_notional = conf_get_double(conf, "risk.max_strategy_notional");
	cfg->max_notional = conf_get_double(conf, "risk.max_notional");
	cfg->max_daily_loss = conf_get_double(conf, "risk.max_daily_loss");
	cfg->hedge_threshold = conf_get_double(conf, "risk.hedge_threshold");
	unit = conf_get_str(conf, "risk.hedge_unit");
	cfg->hedge_cash = unit != NULL && strcmp(unit, "currency") == 0;
	cfg->auto_hedge = conf_get_bool(conf, "risk.auto_hedge");
	cfg->hedge_target = conf_get_double(conf, "risk.hedge_target");
	cfg->hedge_interval = conf_get_double(conf, "risk.hedge_interval");
	cfg->pair_window = (int)conf_get_int(conf, "risk.pair_window");
	cfg->pair_max_pvalue = conf_get_double(conf, "risk.pair_max_pvalue");
	cfg->pair_min_corr = conf_get_double(conf, "risk.pair_min_corr");
	return risk_parse_betas(cfg, conf_get_str(conf, "risk.betas"), cause);
}

/* The configured beta of symbol, 1 when none. */
double risk_beta(const struct risk_cfg *cfg, const char *symbol)
{
	size_t i;

	for (i = 0; i < cfg->nbetas; i++)
		if (strcmp(cfg->beta_sym[i], symbol) == 0)
			return cfg->beta[i];
	return 1.0;
}

/* --- valuation ----------------------------------------------------------- */

/* The price of an equity: quote mid, else last trade, else last close. */
static double risk_equity_price(const struct mstate_snap *snap, const char *sym)
{
	const struct quote *q = mstate_snap_quote(snap, sym);
	const struct bar *b;
	size_t n;

	if (q != NULL) {
		double m = market_mid(q);

		if (isfinite(m) && m > 0)
			return m;
		if (isfinite(q->last) && q->last > 0)
			return q->last;
	}
	b = mstate_snap_bars(snap, sym, &n);
	if (b != NULL && n > 0 && isfinite(b[n - 1].close) && b[n - 1].close > 0)
		return b[n - 1].close;
	return NAN;
}

/* Sets v's error text and marks it not valued. */
static void risk_val_fail(struct risk_val *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void risk_val_fail(struct risk_val *v, const char *fmt, ...)
{
	va_list ap;

	v->ok = 0;
	v->model = RISK_MODEL_NONE;
	va_start(ap, fmt);
	vsnprintf(v->err, sizeof v->err, fmt, ap);
	va_end(ap);
}

/* Finds the chain and option of inst: the chain of its root, else any
 * chain holding an option with the same OCC symbol. */
static const struct option_quote *risk_find_option(const struct mstate_snap *snap,
    const struct instrument *inst, const struct option_chain **chain)
{
	const struct option_chain *c = mstate_snap_chain(snap, inst->underlying);
	size_t i, j, nc;

	*chain = c;
	if (c != NULL) {
		for (i = 0; i < c->n; i++) {
			const struct instrument *o = &c->opts[i].opt;

			if (o->expiry == inst->expiry && o->right == inst->right &&
			    fabs(o->strike - inst->strike) < 1e-6)
				return &c->opts[i];
		}
		return NULL;
	}
	nc = mstate_snap_nchains(snap);
	for (j = 0; j < nc; j++) {
		c = mstate_snap_chain_at(snap, j);
		for (i = 0; i < c->n; i++)
			if (strcmp(c->opts[i].opt.symbol, inst->symbol) == 0) {
				*chain = c;
				return &c->opts[i];
			}
	}
	return NULL;
}

/* Resolves an option position (instrument already parsed). */
static void risk_val_option(struct risk_val *v, const struct instrument *inst,
    const struct mstate_snap *snap, const struct calib_book *book, double now)
{
	const struct option_chain *c = NULL;
	const struct option_quote *oq = risk_find_option(snap, inst, &c);
	const struct calib_result *h;
	const char *und = c != NULL ? c->underlying : inst->underlying;
	double S;

	v->kind = INSTR_OPTION;
	v->nlegs = 1;
	v->w[0] = 1;
	snprintf(v->und[0], sizeof v->und[0], "%s", und);
	S = risk_equity_price(snap, und);
	if (!(S > 0) && c != NULL && isfinite(c->spot) && c->spot > 0)
		S = c->spot;
	if (!(S > 0)) {
		risk_val_fail(v, "%s: no price for the underlying %s", inst->symbol, und);
		return;
	}
	v->spot[0] = S;
	v->K = inst->strike;
	v->call = inst->right == OPT_RIGHT_CALL;
	v->T = market_year_fraction(now, inst->expiry);
	if (!(v->T > 0)) {
		risk_val_fail(v, "%s: expired (expiry before the valuation time)",
		    inst->symbol);
		return;
	}
	v->r = 0;
	v->q = 0;
	if (oq != NULL && isfinite(oq->rate))
		v->r = oq->rate;
	else if (c != NULL && isfinite(c->rate))
		v->r = c->rate;
	if (oq != NULL && isfinite(oq->dividend))
		v->q = oq->dividend;
	else if (c != NULL && isfinite(c->dividend))
		v->q = c->dividend;
	else if (oq != NULL && isfinite(oq->forward) && oq->forward > 0)
		v->q = v->r - log(oq->forward / S) / v->T;
	h = book != NULL ? calib_book_find(book, CALIB_HESTON, und) : NULL;
	if (h != NULL && heston_params_check(&h->heston) == QM_OK &&
	    (h->heston.v0 > 0 || h->heston.theta > 0)) {
		v->model = RISK_MODEL_HESTON;
		v->hp = h->heston;
		v->iv = sqrt(h->heston.v0);
		v->ok = 1;
		return;
	}
	if (oq == NULL) {
		risk_val_fail(v, "%s: not in the %s option chain and no Heston parameters",
		    inst->symbol, und);
		return;
	}
	if (!(isfinite(oq->implied_vol) && oq->implied_vol > 0)) {
		risk_val_fail(v, "%s: no implied vol in the chain and no Heston parameters "
		    "for %s", inst->symbol, und);
		return;
	}
	v->model = RISK_MODEL_BS;
	v->iv = oq->implied_vol;
	v->ok = 1;
}

/* Resolves position p for valuation (see risk-val.h). */
void risk_val_resolve(struct risk_val *v, const struct risk_position *p,
    const struct mstate_snap *snap, const struct calib_book *book, double now)
{
	struct instrument inst;
	char *cause = NULL;
	const char *slash;

	memset(v, 0, sizeof *v);
	v->iv = NAN;
	v->spot[0] = v->spot[1] = NAN;
	v->qm = p->qty * p->multiplier;
	if (!isfinite(p->qty) || !(p->multiplier > 0) || !isfinite(p->multiplier)) {
		risk_val_fail(v, "%s: bad quantity or multiplier", p->symbol);
		return;
	}
	if (strlen(p->symbol) >= 16 && market_occ_parse(p->symbol, &inst, &cause) == 0) {
		risk_val_option(v, &inst, snap, book, now);
		return;
	}
	free(cause);
	cause = NULL;
	if ((slash = strchr(p->symbol, '/')) != NULL) {
		const struct calib_result *ou = book != NULL ?
		    calib_book_find(book, CALIB_OU, p->symbol) : NULL;
		char l1[MARKET_SYMBOL_MAX], l2[MARKET_SYMBOL_MAX];

		v->kind = INSTR_PAIR;
		snprintf(l1, sizeof l1, "%.*s", (int)(slash - p->symbol), p->symbol);
		snprintf(l2, sizeof l2, "%s", slash + 1);
		if (market_pair_init(&inst, l1, l2, 1.0, &cause) != 0) {
			risk_val_fail(v, "%s: %s", p->symbol, cause);
			free(cause);
			return;
		}
		if (ou == NULL || !isfinite(ou->ou.hedge_ratio)) {
			risk_val_fail(v, "%s: no hedge ratio (no OU calibration of the pair)",
			    p->symbol);
			return;
		}
		v->nlegs = 2;
		snprintf(v->und[0], sizeof v->und[0], "%s", l1);
		snprintf(v->und[1], sizeof v->und[1], "%s", l2);
		v->w[0] = 1;
		v->w[1] = -ou->ou.hedge_ratio;
		v->spot[0] = risk_equity_price(snap, l1);
		v->spot[1] = risk_equity_price(snap, l2);
		if (!(v->spot[0] > 0) || !(v->spot[1] > 0)) {
			risk_val_fail(v, "%s: no price for the leg %s", p->symbol,
			    v->spot[0] > 0 ? l2 : l1);
			return;
		}
		v->model = RISK_MODEL_LINEAR;
		v->ok = 1;
		return;
	}
	if (!market_symbol_valid(p->symbol)) {
		risk_val_fail(v, "'%s': not an equity, OCC option or pair symbol", p->symbol);
		return;
	}
	v->kind = INSTR_EQUITY;
	v->nlegs = 1;
	v->w[0] = 1;
	snprintf(v->und[0], sizeof v->und[0], "%s", p->symbol);
	v->spot[0] = risk_equity_price(snap, p->symbol);
	if (!(v->spot[0] > 0)) {
		risk_val_fail(v, "%s: no price (no quote, no daily close)", p->symbol);
		return;
	}
	v->model = RISK_MODEL_LINEAR;
	v->ok = 1;
}

/* Unit price of a resolved position under spot and vol multipliers. */
int risk_val_price(const struct risk_val *v, const double smul[2], double vmul,
    heston_workspace *w, double *price)
{
	double S;
	int st;

	*price = NAN;
	if (!v->ok)
		return -1;
	if (v->model == RISK_MODEL_LINEAR) {
		*price = v->w[0] * v->spot[0] * smul[0];
		if (v->nlegs == 2)
			*price += v->w[1] * v->spot[1] * smul[1];
		return 0;
	}
	S = v->spot[0] * smul[0];
	if (v->model == RISK_MODEL_BS) {
		st = bs_price(v->call ? BS_CALL : BS_PUT, S, v->K, v->T, v->iv * vmul, v->r, v->q,
		    price);
	} else {
		heston_params hp = v->hp;

		hp.v0 *= vmul * vmul;
		hp.theta *= vmul * vmul;
		st = heston_price(&hp, S, v->T, v->K, v->r, v->q,
		    v->call ? HESTON_CALL : HESTON_PUT, price, w);
	}
	if (st != QM_OK || !isfinite(*price)) {
		*price = NAN;
		return -1;
	}
	return 0;
}

/* Values one position and fills its Greeks from a resolved valuation. */
static void risk_pos_fill(struct risk_pos_greeks *pg, const struct risk_val *v,
    heston_workspace *w)
{
	double qm = v->qm, S = v->spot[0], one[2] = { 1, 1 };
	size_t l;

	pg->ok = 0;
	pg->kind = v->kind;
	pg->model = v->model;
	pg->vol = v->iv;
	pg->T = v->model == RISK_MODEL_LINEAR ? NAN : v->T;
	pg->price = pg->value = pg->delta_sh = pg->delta_cash = NAN;
	pg->gamma_sh = pg->gamma_cash = pg->vega = pg->theta = pg->rho = pg->notional = NAN;
	pg->nlegs = 0;
	if (!v->ok) {
		snprintf(pg->err, sizeof pg->err, "%s", v->err);
		return;
	}
	if (v->model == RISK_MODEL_LINEAR) {
		risk_val_price(v, one, 1, w, &pg->price);
		pg->nlegs = v->nlegs;
		pg->delta_sh = pg->delta_cash = pg->notional = 0;
		for (l = 0; l < v->nlegs; l++) {
			struct risk_leg *lg = &pg->leg[l];

			snprintf(lg->underlying, sizeof lg->underlying, "%s", v->und[l]);
			lg->spot = v->spot[l];
			lg->delta_sh = qm * v->w[l];
			lg->delta_cash = lg->delta_sh * v->spot[l];
			lg->notional = fabs(lg->delta_cash);
			pg->delta_cash += lg->delta_cash;
			pg->notional += lg->notional;
		}
		/* delta in shares of the first leg (the pair's leg1) */
		pg->delta_sh = pg->leg[0].delta_sh;
		pg->gamma_sh = pg->gamma_cash = pg->vega = pg->theta = pg->rho = 0;
	} else if (v->model == RISK_MODEL_BS) {
		struct bs_greeks g;

		if (bs_greeks(v->call ? BS_CALL : BS_PUT, S, v->K, v->T, v->iv, v->r, v->q, &g) !=
		    QM_OK || !isfinite(g.price) || !isfinite(g.delta) || !isfinite(g.gamma)) {
			snprintf(pg->err, sizeof pg->err, "Black-Scholes failed (S %g K %g T %g "
			    "vol %g)", S, v->K, v->T, v->iv);
			return;
		}
		pg->price = g.price;
		pg->delta_sh = qm * g.delta;
		pg->gamma_sh = qm * g.gamma;
		pg->vega = qm * g.vega * 0.01;
		pg->theta = qm * g.theta / 365.0;
		pg->rho = qm * g.rho * 0.01;
	} else {
		heston_greeks hg;
		double r_up, r_dn, T = v->T, K = v->K, r = v->r, q = v->q;
		double ru = v->r + RISK_RHO_BUMP, rd = v->r - RISK_RHO_BUMP;
		int type = v->call ? HESTON_CALL : HESTON_PUT;

		if (heston_greeks_surface(&v->hp, S, 1, &T, &K, &r, &q, &type, &hg, w) != QM_OK ||
		    heston_price(&v->hp, S, T, K, ru, q, type, &r_up, w) != QM_OK ||
		    heston_price(&v->hp, S, T, K, rd, q, type, &r_dn, w) != QM_OK ||
		    !isfinite(hg.price) || !isfinite(hg.delta) || !isfinite(hg.gamma)) {
			snprintf(pg->err, sizeof pg->err, "Heston pricing failed (S %g K %g T %g)",
			    S, v->K, v->T);
			return;
		}
		pg->price = hg.price;
		pg->delta_sh = qm * hg.delta;
		pg->gamma_sh = qm * hg.gamma;
		pg->vega = qm * hg.vega_level * 0.01;
		pg->theta = qm * hg.theta / 365.0;
		pg->rho = qm * (r_up - r_dn) / (2 * RISK_RHO_BUMP) * 0.01;
	}
	if (v->model != RISK_MODEL_LINEAR) {
		pg->delta_cash = pg->delta_sh * S;
		pg->gamma_cash = pg->gamma_sh * S * S * 0.01;
		pg->notional = fabs(qm) * S;
		pg->nlegs = 1;
		snprintf(pg->leg[0].underlying, sizeof pg->leg[0].underlying, "%s", v->und[0]);
		pg->leg[0].spot = S;
		pg->leg[0].delta_sh = pg->delta_sh;
		pg->leg[0].delta_cash = pg->delta_cash;
		pg->leg[0].notional = pg->notional;
	}
	pg->value = qm * pg->price;
	pg->ok = 1;
	pg->err[0] = '\0';
}

/* Orders underlyings by symbol. */
static int risk_und_cmp(const void *a, const void *b)
{
	return strcmp(((const struct risk_und_greeks *)a)->underlying,
	    ((const struct risk_und_greeks *)b)->underlying);
}

/* The aggregate of underlying sym in g, added when absent. */
static struct risk_und_greeks *risk_und_get(struct risk_greeks *g, size_t *cap, const char *sym)
{
	size_t i;
	struct risk_und_greeks *u;

	for (i = 0; i < g->nund; i++)
		if (strcmp(g->und[i].underlying, sym) == 0)
			return &g->und[i];
	if (g->nund == *cap) {
		*cap = *cap ? 2 * *cap : 8;
		g->und = xrealloc(g->und, *cap * sizeof *g->und);
	}
	u = &g->und[g->nund++];
	memset(u, 0, sizeof *u);
	snprintf(u->underlying, sizeof u->underlying, "%s", sym);
	return u;
}

/* Recomputes g's per-underlying and total aggregates from g->pos. */
static void risk_aggregate(struct risk_greeks *g)
{
	size_t i, l, cap = g->nund;
	double net = 0;

	g->nund = 0;
	g->nbad = 0;
	g->value = g->delta_cash = g->gamma_cash = g->vega = g->theta = g->rho = 0;
	g->gross = g->notional = 0;
	for (i = 0; i < g->npos; i++) {
		const struct risk_pos_greeks *p = &g->pos[i];

		if (!p->ok) {
			g->nbad++;
			continue;
		}
		g->value += p->value;
		g->gamma_cash += p->gamma_cash;
		g->vega += p->vega;
		g->theta += p->theta;
		g->rho += p->rho;
		g->notional += p->notional;
		for (l = 0; l < p->nlegs; l++) {
			struct risk_und_greeks *u = risk_und_get(g, &cap, p->leg[l].underlying);

			u->spot = p->leg[l].spot;
			u->delta_sh += p->leg[l].delta_sh;
			u->delta_cash += p->leg[l].delta_cash;
			u->gross += fabs(p->leg[l].delta_cash);
			u->notional += p->leg[l].notional;
			u->npos++;
			g->gross += fabs(p->leg[l].delta_cash);
			net += p->leg[l].delta_cash;
			if (l == 0) {
				/* the option Greeks belong to the single underlying */
				u->gamma_sh += p->kind == INSTR_OPTION ? p->gamma_sh : 0;
				u->gamma_cash += p->gamma_cash;
				u->vega += p->vega;
				u->theta += p->theta;
				u->rho += p->rho;
				u->value += p->value;
			}
		}
	}
	g->delta_cash = net;
	g->net = fabs(net);
	if (g->nund > 1)
		qsort(g->und, g->nund, sizeof *g->und, risk_und_cmp);
}

/* Values every position of a book and aggregates (risk.h). */
int risk_greeks(const struct risk_position *pos, size_t n, const struct mstate_snap *snap,
    const struct calib_book *book, double now, struct risk_greeks *out, char **cause)
{
	heston_workspace *w = NULL;
	size_t i;

	memset(out, 0, sizeof *out);
	if ((n > 0 && pos == NULL) || snap == NULL || !isfinite(now)) {
		*cause = xasprintf("risk: no positions, snapshot or valuation time");
		return -1;
	}
	out->npos = n;
	out->pos = xcalloc(n ? n : 1, sizeof *out->pos);
	for (i = 0; i < n; i++) {
		struct risk_val v;

		risk_val_resolve(&v, &pos[i], snap, book, now);
		if (v.ok && v.model == RISK_MODEL_HESTON && w == NULL &&
		    (w = heston_workspace_alloc(HESTON_DEFAULT_NODES)) == NULL)
			fatal("out of memory (Heston workspace)");
		out->pos[i].index = i;
		risk_pos_fill(&out->pos[i], &v, w);
	}
	heston_workspace_free(w);
	risk_aggregate(out);
	return 0;
}

/* --- the cache of a book's Greeks ----------------------------------------- */

/* One position as last valued: its inputs and its Greeks. */
struct risk_cache_entry {
	struct risk_position p;
	struct risk_val v;
	struct risk_pos_greeks g;
	double valued;                  /* the valuation time */
	int seen;                       /* in the latest call's book */
};

struct risk_cache {
	double max_age;                 /* seconds */
	struct risk_cache_entry *e;
	size_t n, cap;
};

/* A new cache: maturities may move by max_age seconds before a revaluation. */
struct risk_cache *risk_cache_new(double max_age)
{
	struct risk_cache *c = xcalloc(1, sizeof *c);

	c->max_age = max_age >= 0 ? max_age : 0;
	return c;
}

/* Frees a cache. */
void risk_cache_free(struct risk_cache *c)
{
	if (c == NULL)
		return;
	free(c->e);
	free(c);
}

/* Whether two resolved positions have the same inputs (the maturity
 * within dT years). */
static int risk_val_same(const struct risk_val *a, const struct risk_val *b, double dT)
{
	size_t i;

	if (a->ok != b->ok || a->kind != b->kind || a->model != b->model || a->qm != b->qm ||
	    a->nlegs != b->nlegs || strcmp(a->err, b->err) != 0)
		return 0;
	for (i = 0; i < a->nlegs && i < 2; i++)
		if (strcmp(a->und[i], b->und[i]) != 0 || a->spot[i] != b->spot[i] ||
		    a->w[i] != b->w[i])
			return 0;
	if (a->kind != INSTR_OPTION)
		return 1;
	return a->K == b->K && a->r == b->r && a->q == b->q && a->call == b->call &&
	    fabs(a->T - b->T) <= dT && (a->model != RISK_MODEL_BS || a->iv == b->iv) &&
	    (a->model != RISK_MODEL_HESTON || (a->hp.v0 == b->hp.v0 &&
	    a->hp.kappa == b->hp.kappa && a->hp.theta == b->hp.theta &&
	    a->hp.sigma == b->hp.sigma && a->hp.rho == b->hp.rho));
}

/* The Greeks of a book, revaluing only what changed. */
int risk_cache_greeks(struct risk_cache *c, const struct risk_position *pos, size_t n,
    const struct mstate_snap *snap, const struct calib_book *book, double now,
    struct risk_greeks *out, size_t *revalued, char **cause)
{
	heston_workspace *w = NULL;
	size_t i, j, k, fresh = 0;

	memset(out, 0, sizeof *out);
	if (revalued != NULL)
		*revalued = 0;
	if ((n > 0 && pos == NULL) || snap == NULL || !isfinite(now)) {
		*cause = xasprintf("risk: no positions, snapshot or valuation time");
		return -1;
	}
	out->npos = n;
	out->pos = xcalloc(n ? n : 1, sizeof *out->pos);
	for (j = 0; j < c->n; j++)
		c->e[j].seen = 0;
	for (i = 0; i < n; i++) {
		struct risk_cache_entry *e = NULL;
		struct risk_val v;

		memset(&v, 0, sizeof v);
		risk_val_resolve(&v, &pos[i], snap, book, now);
		for (j = 0; j < c->n && e == NULL; j++)
			if (!c->e[j].seen && strcmp(c->e[j].p.symbol, pos[i].symbol) == 0 &&
			    strcmp(c->e[j].p.strategy, pos[i].strategy) == 0)
				e = &c->e[j];
		if (e != NULL && e->p.qty == pos[i].qty && e->p.multiplier == pos[i].multiplier &&
		    risk_val_same(&e->v, &v, c->max_age / (365.0 * 86400))) {
			e->seen = 1;
			out->pos[i] = e->g;
			out->pos[i].index = i;
			continue;
		}
		if (e == NULL) {
			if (c->n == c->cap) {
				c->cap = c->cap ? 2 * c->cap : 64;
				c->e = xrealloc(c->e, c->cap * sizeof *c->e);
			}
			e = &c->e[c->n++];
		}
		if (v.ok && v.model == RISK_MODEL_HESTON && w == NULL &&
		    (w = heston_workspace_alloc(HESTON_DEFAULT_NODES)) == NULL)
			fatal("out of memory (Heston workspace)");
		memset(e, 0, sizeof *e);
		e->p = pos[i];
		e->v = v;
		e->valued = now;
		e->seen = 1;
		out->pos[i].index = i;
		risk_pos_fill(&out->pos[i], &v, w);
		e->g = out->pos[i];
		fresh++;
	}
	heston_workspace_free(w);
	/* positions no longer in the book leave the cache */
	for (j = k = 0; j < c->n; j++)
		if (c->e[j].seen)
			c->e[k++] = c->e[j];
	c->n = k;
	risk_aggregate(out);
	if (revalued != NULL)
		*revalued = fresh;
	return 0;
}

/* Frees what risk_greeks allocated. */
void risk_greeks_free(struct risk_greeks *g)
{
	free(g->pos);
	free(g->und);
	memset(g, 0, sizeof *g);
}

/* --- limits -------------------------------------------------------------- */

/* Empties a breach list. */
void risk_breaches_init(struct risk_breaches *b)
{
	memset(b, 0, sizeof *b);
}

/* Frees a breach list. */
void risk_breaches_free(struct risk_breaches *b)
{
	free(b->v);
	memset(b, 0, sizeof *b);
}

/* Appends one breach. */
static void risk_breach_add(struct risk_breaches *b, int lim, const char *subject, double value,
    double limit)
{
	struct risk_breach *x;

	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 8;
		b->v = xrealloc(b->v, b->cap * sizeof *b->v);
	}
	x = &b->v[b->n++];
	x->limit = lim;
	snprintf(x->subject, sizeof x->subject, "%s", subject != NULL ? subject : "");
	x->value = value;
	x->limit_value = limit;
}

/* One named measure (an underlying's |net delta| or a strategy's gross). */
struct risk_named {
	char name[MARKET_SYMBOL_MAX];
	double sum;             /* signed sum (names) or sum of |.| (strategies) */
};

/* The measures every limit looks at. */
struct risk_measures {
	size_t nnames, nstrats;
	struct risk_named *names, *strats;
	double gross, net, notional;
};

/* Adds x to the entry of name in a list (appending it). */
static void risk_named_add(struct risk_named **v, size_t *n, const char *name, double x)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].name, name) == 0) {
			(*v)[i].sum += x;
			return;
		}
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	snprintf((*v)[*n].name, sizeof (*v)[*n].name, "%s", name);
	(*v)[*n].sum = x;
	(*n)++;
}

/* The value of name in a list, 0 when absent. */
static double risk_named_get(const struct risk_named *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return v[i].sum;
	return 0;
}

/* Computes the limit measures of positions pos[] valued as pg[] (n each;
 * pos_strategy(i) names each position's strategy). */
static void risk_measure(struct risk_measures *m, const struct risk_position *pos,
    const struct risk_pos_greeks *pg, size_t n)
{
	size_t i, l;
	double net = 0;

	memset(m, 0, sizeof *m);
	for (i = 0; i < n; i++) {
		double sg = 0;

		if (!pg[i].ok)
			continue;
		for (l = 0; l < pg[i].nlegs; l++) {
			risk_named_add(&m->names, &m->nnames, pg[i].leg[l].underlying,
			    pg[i].leg[l].delta_cash);
			sg += fabs(pg[i].leg[l].delta_cash);
			net += pg[i].leg[l].delta_cash;
		}
		risk_named_add(&m->strats, &m->nstrats, pos[i].strategy, sg);
		m->gross += sg;
		m->notional += pg[i].notional;
	}
	m->net = fabs(net);
	for (i = 0; i < m->nnames; i++)
		m->names[i].sum = fabs(m->names[i].sum);
}

/* Frees the measures' lists. */
static void risk_measures_free(struct risk_measures *m)
{
	free(m->names);
	free(m->strats);
}

/* Whether a limit is set and value is above it. */
static int risk_over(double value, double limit)
{
	return limit > 0 && value > limit;
}

/* Every limit the book breaches (risk.h). */
size_t risk_check(const struct risk_cfg *cfg, const struct risk_position *pos, size_t n,
    const struct risk_greeks *g, double pnl_today, struct risk_breaches *out)
{
	struct risk_measures m;
	size_t before = out->n, i;

	risk_measure(&m, pos, g->pos, n < g->npos ? n : g->npos);
	for (i = 0; i < m.nnames; i++)
		if (risk_over(m.names[i].sum, cfg->max_name_notional))
			risk_breach_add(out, RISK_LIM_NAME, m.names[i].name, m.names[i].sum,
			    cfg->max_name_notional);
	if (risk_over(m.gross, cfg->max_gross))
		risk_breach_add(out, RISK_LIM_GROSS, "", m.gross, cfg->max_gross);
	if (risk_over(m.net, cfg->max_net))
		risk_breach_add(out, RISK_LIM_NET, "", m.net, cfg->max_net);
	for (i = 0; i < m.nstrats; i++)
		if (risk_over(m.strats[i].sum, cfg->max_strategy_notional))
			risk_breach_add(out, RISK_LIM_STRATEGY, m.strats[i].name, m.strats[i].sum,
			    cfg->max_strategy_notional);
	if (risk_over(m.notional, cfg->max_notional))
		risk_breach_add(out, RISK_LIM_NOTIONAL, "", m.notional, cfg->max_notional);
	if (isfinite(pnl_today) && risk_over(-pnl_today, cfg->max_daily_loss))
		risk_breach_add(out, RISK_LIM_DAILY_LOSS, "", -pnl_today, cfg->max_daily_loss);
	for (i = 0; i < g->npos && i < n; i++)
		if (!g->pos[i].ok)
			risk_breach_add(out, RISK_LIM_UNVALUED, pos[i].symbol, 1, 0);
	risk_measures_free(&m);
	return out->n - before;
}

/* Whether after is worse than before (beyond rounding). */
static int risk_worse(double after, double before)
{
	return after > before + 1e-9 * (1 + fabs(before));
}

/* Would a prospective order breach a limit? (risk.h) */
int risk_check_order(const struct risk_cfg *cfg, const struct risk_position *pos, size_t n,
    const struct risk_greeks *before, const struct risk_order *o, const struct mstate_snap *snap,
    const struct calib_book *book, double now, double pnl_today, struct risk_breaches *out,
    char **cause)
{
	struct risk_greeks g;
	struct risk_position *after_pos;
	struct risk_pos_greeks *after_pg;
	struct risk_measures m0, m1;
	struct risk_val v;
	heston_workspace *w = NULL;
	size_t i, k = n, nout0 = out->n;

	if (o == NULL || (o->side != 1 && o->side != -1) || !(o->qty > 0) || !isfinite(o->qty) ||
	    !(o->multiplier > 0) || !isfinite(o->multiplier)) {
		*cause = xasprintf("risk: bad order (side, quantity or multiplier) for %s",
		    o != NULL ? o->symbol : "?");
		return -1;
	}
	for (i = 0; i < n; i++)
		if (strcmp(pos[i].symbol, o->symbol) == 0 &&
		    strcmp(pos[i].strategy, o->strategy) == 0) {
			k = i;
			break;
		}
	if (k < n && fabs(pos[k].multiplier - o->multiplier) > 1e-12 * o->multiplier) {
		*cause = xasprintf("risk: order multiplier %g of %s differs from the "
		    "position's %g", o->multiplier, o->symbol, pos[k].multiplier);
		return -1;
	}
	if (before != NULL && before->npos != n) {
		*cause = xasprintf("risk: the Greeks given are of %zu positions, not %zu",
		    before->npos, n);
		return -1;
	}
	if (before != NULL) {
		memset(&g, 0, sizeof g);
		g.npos = n;
		g.pos = xcalloc(n ? n : 1, sizeof *g.pos);
		if (n > 0)
			memcpy(g.pos, before->pos, n * sizeof *g.pos);
	} else if (risk_greeks(pos, n, snap, book, now, &g, cause) != 0)
		return -1;
	after_pos = xcalloc(n + 1, sizeof *after_pos);
	after_pg = xcalloc(n + 1, sizeof *after_pg);
	if (n > 0) {
		memcpy(after_pos, pos, n * sizeof *pos);
		memcpy(after_pg, g.pos, n * sizeof *g.pos);
	}
	if (k == n) {
		snprintf(after_pos[n].strategy, sizeof after_pos[n].strategy, "%s", o->strategy);
		snprintf(after_pos[n].symbol, sizeof after_pos[n].symbol, "%s", o->symbol);
		after_pos[n].qty = 0;
		after_pos[n].avg_price = NAN;
		after_pos[n].multiplier = o->multiplier;
	}
	after_pos[k].qty += o->side * o->qty;
	risk_val_resolve(&v, &after_pos[k], snap, book, now);
	if (v.ok && v.model == RISK_MODEL_HESTON &&
	    (w = heston_workspace_alloc(HESTON_DEFAULT_NODES)) == NULL)
		fatal("out of memory (Heston workspace)");
	after_pg[k].index = k;
	risk_pos_fill(&after_pg[k], &v, w);
	heston_workspace_free(w);
	if (!after_pg[k].ok && after_pos[k].qty != 0) {
		*cause = xasprintf("risk: cannot value the order: %s", after_pg[k].err);
		free(after_pos);
		free(after_pg);
		risk_greeks_free(&g);
		return -1;
	}
	risk_measure(&m0, pos, g.pos, n);
	risk_measure(&m1, after_pos, after_pg, k == n ? n + 1 : n);
	for (i = 0; i < m1.nnames; i++) {
		double b = risk_named_get(m0.names, m0.nnames, m1.names[i].name);

		if (risk_over(m1.names[i].sum, cfg->max_name_notional) &&
		    risk_worse(m1.names[i].sum, b))
			risk_breach_add(out, RISK_LIM_NAME, m1.names[i].name, m1.names[i].sum,
			    cfg->max_name_notional);
	}
	if (risk_over(m1.gross, cfg->max_gross) && risk_worse(m1.gross, m0.gross))
		risk_breach_add(out, RISK_LIM_GROSS, "", m1.gross, cfg->max_gross);
	if (risk_over(m1.net, cfg->max_net) && risk_worse(m1.net, m0.net))
		risk_breach_add(out, RISK_LIM_NET, "", m1.net, cfg->max_net);
	for (i = 0; i < m1.nstrats; i++) {
		double b = risk_named_get(m0.strats, m0.nstrats, m1.strats[i].name);

		if (risk_over(m1.strats[i].sum, cfg->max_strategy_notional) &&
		    risk_worse(m1.strats[i].sum, b))
			risk_breach_add(out, RISK_LIM_STRATEGY, m1.strats[i].name, m1.strats[i].sum,
			    cfg->max_strategy_notional);
	}
	if (risk_over(m1.notional, cfg->max_notional) && risk_worse(m1.notional, m0.notional))
		risk_breach_add(out, RISK_LIM_NOTIONAL, "", m1.notional, cfg->max_notional);
	if (isfinite(pnl_today) && risk_over(-pnl_today, cfg->max_daily_loss) &&
	    risk_worse(m1.gross, m0.gross))
		risk_breach_add(out, RISK_LIM_DAILY_LOSS, "", -pnl_today, cfg->max_daily_loss);
	risk_measures_free(&m0);
	risk_measures_free(&m1);
	free(after_pos);
	free(after_pg);
	risk_greeks_free(&g);
	return (int)(out->n - nout0);
}

/* --- delta re-hedge ------------------------------------------------------ */

/* Hedge orders zeroing every underlying's delta beyond the threshold. */
/* x limited to [0, 1] (NaN gives 0). */
static double risk_clamp01(double x)
{
	return x >= 0 ? (x > 1 ? 1 : x) : 0;
}

size_t risk_hedge(const struct risk_cfg *cfg, const struct risk_greeks *g,
    struct risk_hedge *out, size_t max)
{
	size_t i, k = 0;

	if (!(cfg->hedge_threshold > 0))
		return 0;
	for (i = 0; i < g->nund; i++) {
		const struct risk_und_greeks *u = &g->und[i];
		double d = cfg->hedge_cash ? u->delta_cash : u->delta_sh, q, target;

		if (!isfinite(d) || !(fabs(d) > cfg->hedge_threshold) || !(u->spot > 0))
			continue;
		/* the target inside the band, in shares, on the delta's side */
		target = risk_clamp01(cfg->hedge_target) * cfg->hedge_threshold;
		if (cfg->hedge_cash)
			target /= u->spot;
		q = nearbyint(fabs(u->delta_sh) - target);
		if (q < 1)
			continue;
		if (k < max) {
			snprintf(out[k].symbol, sizeof out[k].symbol, "%s", u->underlying);
			out[k].side = u->delta_sh > 0 ? -1 : 1;
			out[k].qty = q;
			out[k].delta_before = u->delta_sh;
			out[k].delta_after = u->delta_sh + out[k].side * q;
		}
		k++;
	}
	return k;
}

/* --- pair health --------------------------------------------------------- */

/* Splits "LEG1/LEG2" into its legs; 0 or -1 with cause. */
static int risk_pair_legs(const char *pair, char l1[MARKET_SYMBOL_MAX],
    char l2[MARKET_SYMBOL_MAX], char **cause)
{
	const char *slash = pair != NULL ? strchr(pair, '/') : NULL;
	struct instrument inst;

	if (slash == NULL || slash == pair || slash[1] == '\0' || strchr(slash + 1, '/') != NULL ||
	    (size_t)(slash - pair) >= MARKET_SYMBOL_MAX) {
		*cause = xasprintf("'%s': a pair is LEG1/LEG2", pair != NULL ? pair : "");
		return -1;
	}
	snprintf(l1, MARKET_SYMBOL_MAX, "%.*s", (int)(slash - pair), pair);
	snprintf(l2, MARKET_SYMBOL_MAX, "%s", slash + 1);
	return market_pair_init(&inst, l1, l2, 1.0, cause);
}

/* Health of one pair over the latest common daily closes (risk.h). */
int risk_pair_health(const struct risk_cfg *cfg, const struct mstate_snap *snap,
    const char *pair, struct risk_pair_health *out, char **cause)
{
	char l1[MARKET_SYMBOL_MAX], l2[MARKET_SYMBOL_MAX];
	const struct bar *b1, *b2;
	size_t n1, n2, i, j, n = 0, win, t;
	double *y, *x, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
	coint_workspace *w;
	coint_opts opt;
	coint_result cr;
	int st;

	memset(out, 0, sizeof *out);
	out->pvalue = out->stat = out->hedge_ratio = out->corr = NAN;
	if (risk_pair_legs(pair, l1, l2, cause) != 0)
		return -1;
	snprintf(out->pair, sizeof out->pair, "%s", pair);
	b1 = mstate_snap_bars(snap, l1, &n1);
	b2 = mstate_snap_bars(snap, l2, &n2);
	if (b1 == NULL || b2 == NULL) {
		snprintf(out->err, sizeof out->err, "%s: no daily closes of %s", pair,
		    b1 == NULL ? l1 : l2);
		return 0;
	}
	y = xmalloc((n1 < n2 ? n1 : n2) * sizeof *y + 1);
	x = xmalloc((n1 < n2 ? n1 : n2) * sizeof *x + 1);
	/* closes matched by UTC date, both series oldest first */
	for (i = 0, j = 0; i < n1 && j < n2;) {
		int d1 = market_date_from_epoch(b1[i].time), d2 = market_date_from_epoch(b2[j].time);

		if (d1 < d2) {
			i++;
		} else if (d2 < d1) {
			j++;
		} else {
			/* several bars of one date (intraday): the last is the close */
			while (i + 1 < n1 && market_date_from_epoch(b1[i + 1].time) == d1)
				i++;
			while (j + 1 < n2 && market_date_from_epoch(b2[j + 1].time) == d2)
				j++;
			if (b1[i].close > 0 && b2[j].close > 0 && isfinite(b1[i].close) &&
			    isfinite(b2[j].close)) {
				y[n] = b1[i].close;
				x[n] = b2[j].close;
				n++;
			}
			i++;
			j++;
		}
	}
	win = cfg->pair_window > 0 && (size_t)cfg->pair_window < n ? (size_t)cfg->pair_window : n;
	if (win < RISK_MIN_PAIR_OBS) {
		snprintf(out->err, sizeof out->err, "%s: %zu common daily closes, %d needed",
		    pair, win, RISK_MIN_PAIR_OBS);
		free(y);
		free(x);
		return 0;
	}
	out->n = win;
	memmove(y, y + (n - win), win * sizeof *y);
	memmove(x, x + (n - win), win * sizeof *x);
	/* correlation of daily log returns */
	for (t = 1; t < win; t++) {
		double ry = log(y[t] / y[t - 1]), rx = log(x[t] / x[t - 1]);

		sx += rx;
		sy += ry;
		sxx += rx * rx;
		syy += ry * ry;
		sxy += rx * ry;
	}
	{
		double m = (double)(win - 1);
		double vx = sxx - sx * sx / m, vy = syy - sy * sy / m, cxy = sxy - sx * sy / m;

		out->corr = vx > 0 && vy > 0 ? cxy / sqrt(vx * vy) : NAN;
	}
	opt.trend = ADF_TREND_C;
	opt.lagsel = ADF_LAG_AIC;
	opt.maxlag = ADF_MAXLAG_DEFAULT;
	if ((w = coint_workspace_alloc(win, 1, ADF_MAXLAG_DEFAULT)) == NULL)
		fatal("out of memory (cointegration workspace)");
	st = coint_eg(y, x, win, 1, &opt, w, &cr, NULL);
	coint_workspace_free(w);
	free(y);
	free(x);
	if (st != QM_OK || !isfinite(cr.pvalue)) {
		snprintf(out->err, sizeof out->err, "%s: Engle-Granger test failed (%s)", pair,
		    qm_strerror(st));
		return 0;
	}
	if (!isfinite(out->corr)) {
		snprintf(out->err, sizeof out->err, "%s: a leg's closes are constant", pair);
		return 0;
	}
	out->pvalue = cr.pvalue;
	out->stat = cr.stat;
	out->hedge_ratio = cr.beta[0];
	out->bad_pvalue = out->pvalue > cfg->pair_max_pvalue;
	out->bad_corr = out->corr < cfg->pair_min_corr;
	out->healthy = !out->bad_pvalue && !out->bad_corr;
	out->ok = 1;
	return 0;
}

/* Whether some position of the book holds symbol with a non-zero quantity. */
static int risk_held(const struct risk_position *pos, size_t n, const char *sym)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pos[i].qty != 0 && strcmp(pos[i].symbol, sym) == 0)
			return 1;
	return 0;
}

/* Adds name to a list of pair names unless it is there; returns the count. */
static size_t risk_pair_add(char (*out)[MARKET_SYMBOL_MAX], size_t k, size_t max,
    const char *name, int *seen)
{
	size_t i;

	for (i = 0; i < k && i < max; i++)
		if (strcmp(out[i], name) == 0) {
			*seen = 1;
			return k;
		}
	*seen = 0;
	if (k < max)
		snprintf(out[k], MARKET_SYMBOL_MAX, "%s", name);
	return k + 1;
}

/* The open pairs of a book (risk.h). */
size_t risk_open_pairs(const struct risk_position *pos, size_t n, const struct calib_book *book,
    char (*out)[MARKET_SYMBOL_MAX], size_t max)
{
	size_t i, k = 0;
	int seen;

	for (i = 0; i < n; i++)
		if (pos[i].qty != 0 && strchr(pos[i].symbol, '/') != NULL)
			k = risk_pair_add(out, k, max, pos[i].symbol, &seen);
	for (i = 0; book != NULL && i < book->n; i++) {
		char l1[MARKET_SYMBOL_MAX], l2[MARKET_SYMBOL_MAX], *why = NULL;

		if (book->v[i].model != CALIB_OU)
			continue;
		if (risk_pair_legs(book->v[i].symbol, l1, l2, &why) != 0) {
			free(why);
			continue;
		}
		if (risk_held(pos, n, l1) && risk_held(pos, n, l2))
			k = risk_pair_add(out, k, max, book->v[i].symbol, &seen);
	}
	return k;
}
