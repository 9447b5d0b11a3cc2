/*
 * strat-meanrev.c -- optimal mean-reversion trading of cointegrated pairs
 * (client's notes, sec. 2.3-2.5 and 7.2).
 *
 * For each pair "LEG1/LEG2" with an OU fit in the book (CALIB_OU: the
 * spread X = leg1 - hedge_ratio x leg2, parameters per year), the spread
 * now is X = mid(leg1) - hedge_ratio x mid(leg2) from the snapshot's
 * latest quotes, and the levels come from
 *   leungli  -- Leung & Li (2015) with stop-loss (models/leungli.h,
 *               leungli_solve_sl): discount meanrev.r while waiting and
 *               while holding, cost meanrev.cost on entry and on exit,
 *               stop-loss L = theta - meanrev.stop x sigma / sqrt(2 mu)
 *               (stationary standard deviations below the long-run mean);
 *               enter long inside (a*_L, d*_L), take profit at b*_L, stop
 *               at L.  meanrev.stop = 0: no stop, leungli_solve (enter at
 *               X <= d*, exit at b*).
 *   bertram  -- Bertram (2010) symmetric levels (models/bertram.h) for the
 *               round-trip cost 2 x meanrev.cost, maximising the return
 *               per unit time or the Sharpe ratio (meanrev.bertram_target):
 *               enter long at X <= a, exit at X >= m; the same stop.
 * The short side mirrors the long one: a short spread is a long position
 * in Y = -X, an OU with mean -theta and the same mu and sigma, so its
 * levels are the long levels of that problem, negated (stop-loss
 * theta + meanrev.stop standard deviations).  Bertram's levels are
 * translation invariant, so there this is their reflection about theta;
 * Leung-Li's discount the spread's level, so their short levels differ
 * slightly from the reflection.
 *
 * State per pair: flat, long spread or short spread; the strategy assumes
 * its signals are acted on (the levels of a trade are fixed when it is
 * entered) until it learns otherwise: a refused signal undoes the
 * assumption (on_refused), and the updates of its orders (on_order_update)
 * make the state follow the fills once the pair's orders are done -- an
 * unfilled entry leaves it flat, an unfilled exit leaves it in the trade,
 * and an exit closes what the fills say is held (not one unit).
 * At each engine start the order manager's restored positions and working
 * orders replace all of that (on_restore).  Positions are kept per
 * strategy and symbol, so a pair's legs are matched back to the pair by
 * their symbols, at the next run, when the pairs are known: first every
 * pair both of whose legs hold something (or have orders working) takes
 * them, then every pair with one such leg; a symbol goes to one pair only
 * (so a leg shared by two pairs goes to the first in the engine's list
 * that holds its other leg too -- keep pairs' legs distinct to be exact).
 * A working order whose signal the engine still knows goes to that
 * signal's pair directly.  The pair's state is then what the legs say
 * (long when leg 1 is held long, or leg 1 flat and leg 2 short; short
 * the mirror; with nothing held but orders working, the direction of
 * those orders), and a restored trade exits at the take-profit and
 * stop-loss levels of the current fit (its entry levels are not stored).
 * Later updates of restored orders carry no known signal: they are
 * matched by client ID, else by leg symbol.
 * Signals, one per pair and run at most:
 *   entry_long  (buy)  when flat and X inside the long entry region:
 *               legs +1 leg1, -hedge_ratio leg2; entry_short (sell) the
 *               mirror, legs -1 leg1, +hedge_ratio leg2.  No entry while
 *               the pair's cointegration p-value is above meanrev.max_pvalue.
 *   exit       (exit) take profit: long at X >= b*, short at X <= -b*(-X);
 *   stop_loss  (exit) long at X <= L, short at X >= the mirrored stop;
 *               exits are allowed whatever the p-value; their legs undo
 *               the position.
 * Confidence of an entry: (1 - 0.5 p / max_pvalue) x (1 - se_mu / mu)
 * (cointegration strength times the precision of the speed, the weakest
 * link of an OU fit), at least 0.2 for the second factor; exits 0.9
 * (take profit) and 1 (stop loss), as in the notes, so they win votes.
 * Size of an entry, after Moreira & Muir (2017): scale exposure down when
 * the spread is more volatile than usual -- min(1, sigma / RV) with sigma
 * the OU diffusion (the long-run level) and RV the realised volatility of
 * the spread over the last meanrev.vol_window daily closes of both legs,
 * annualised (1 when there are too few closes).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bertram.h"
#include "conf.h"
#include "leungli.h"
#include "market-state.h"
#include "qm-status.h"
#include "strat-common.h"
#include "strategy.h"
#include "util.h"

enum meanrev_method { MEANREV_LEUNGLI, MEANREV_BERTRAM };

/* What determines a pair's levels (compared to reuse them). */
struct meanrev_key {
	struct ou_params ou;
	int method, bertram_sharpe;
	double r, cost, stop;
};

/* Levels of the long side in units of X; the short side is their mirror
 * about theta.  entry_lo < X < entry_hi enters (entry_lo may be -inf). */
struct meanrev_levels {
	int entry;              /* 0: entering is never optimal */
	double entry_lo, entry_hi;
	double take;            /* exit at X >= take */
	double stop;            /* stop at X <= stop (-inf: none) */
};

/* One pair's state. */
struct meanrev_pair {
	char pair[MARKET_SYMBOL_MAX];
	int pos;                /* 0 flat, 1 long spread, -1 short spread */
	double held2;           /* leg 2 filled for the pair's signals (leg 1: in hold) */
	double entry_x, take, stop;     /* of the open trade, units of X */
	int have_levels;
	int restored;           /* take and stop to set from the current levels */
	struct meanrev_key key;
	struct meanrev_levels lv, sv;   /* long side; short side in units of -X */
};

/* Settings (the meanrev.* keys) and the pairs' state. */
struct meanrev {
	int enabled;
	int method;             /* enum meanrev_method */
	int bertram_sharpe;     /* 1: maximise the Sharpe ratio */
	double r, cost, stop, max_pvalue;
	int vol_window;
	double ttl;
	struct meanrev_pair *pairs;
	size_t npairs, cap;
	struct strat_holdings hold;     /* per pair: leg 1 held, orders working */
	/* restored at an engine start, not yet matched to a pair */
	struct strat_restore_pos *rpos;
	size_t nrpos;
	struct order_update *rwork;
	size_t nrwork;
	struct buf js;
	double *xs;             /* scratch: spread closes */
	size_t xcap;
};

/* Allocates a strategy with the defaults of conf-keys.c. */
static void *meanrev_create(void)
{
	struct meanrev *m = xcalloc(1, sizeof *m);

	m->enabled = 1;
	m->method = MEANREV_LEUNGLI;
	m->r = 0.05;
	m->cost = 0.02;
	m->stop = 2.5;
	m->max_pvalue = 0.05;
	m->vol_window = 21;
	m->ttl = 390 * 60;
	buf_init(&m->js);
	return m;
}

/* Frees a strategy. */
static void meanrev_destroy(void *st)
{
	struct meanrev *m = st;

	if (m == NULL)
		return;
	free(m->pairs);
	free(m->xs);
	free(m->rpos);
	free(m->rwork);
	strat_holdings_free(&m->hold);
	buf_free(&m->js);
	free(m);
}

/* Reads the meanrev.* keys (and signals.ttl_minutes). */
static int meanrev_configure(void *st, struct conf *conf, char **cause)
{
	struct meanrev *m = st;
	const char *method = conf_get_str(conf, "meanrev.method");
	const char *target = conf_get_str(conf, "meanrev.bertram_target");
	double cost = conf_get_double(conf, "meanrev.cost");

	if (!(cost > 0)) {
		*cause = xasprintf("meanrev.cost must be above 0 (both Leung-Li and Bertram need a "
		    "transaction cost), got %g", cost);
		return -1;
	}
	m->enabled = conf_get_bool(conf, "meanrev.enabled");
	m->method = strcmp(method, "bertram") == 0 ? MEANREV_BERTRAM : MEANREV_LEUNGLI;
	m->bertram_sharpe = strcmp(target, "sharpe") == 0;
	m->r = conf_get_double(conf, "meanrev.r");
	m->cost = cost;
	m->stop = conf_get_double(conf, "meanrev.stop");
	m->max_pvalue = conf_get_double(conf, "meanrev.max_pvalue");
	m->vol_window = (int)conf_get_int(conf, "meanrev.vol_window");
	m->ttl = strat_ttl_seconds(conf);
	return 0;
}

/* Describes the settings for `strategy list`. */
static void meanrev_describe(void *st, char *buf, size_t len)
{
	struct meanrev *m = st;

	snprintf(buf, len, "enabled=%s method=%s bertram_target=%s r=%g cost=%g stop=%g "
	    "max_pvalue=%g vol_window=%d ttl_minutes=%g", m->enabled ? "yes" : "no",
	    m->method == MEANREV_BERTRAM ? "bertram" : "leungli",
	    m->bertram_sharpe ? "sharpe" : "return", m->r, m->cost, m->stop, m->max_pvalue,
	    m->vol_window, m->ttl / 60);
}

/* The state of a pair (created flat on first sight). */
static struct meanrev_pair *meanrev_pair(struct meanrev *m, const char *pair)
{
	size_t i;

	for (i = 0; i < m->npairs; i++)
		if (strcmp(m->pairs[i].pair, pair) == 0)
			return &m->pairs[i];
	if (m->npairs == m->cap) {
		m->cap = m->cap != 0 ? 2 * m->cap : 8;
		m->pairs = xrealloc(m->pairs, m->cap * sizeof *m->pairs);
	}
	memset(&m->pairs[m->npairs], 0, sizeof m->pairs[m->npairs]);
	snprintf(m->pairs[m->npairs].pair, sizeof m->pairs[m->npairs].pair, "%s", pair);
	return &m->pairs[m->npairs++];
}

/* Levels of the long side for OU parameters ou (the short side uses the
 * mirrored parameters); 0 or a QM_ status. */
static int meanrev_levels(const struct meanrev *m, const struct ou_params *ou,
    struct meanrev_levels *lv)
{
	double sd = ou->sigma / sqrt(2 * ou->mu);
	int st;

	lv->stop = m->stop > 0 ? ou->theta - m->stop * sd : -INFINITY;
	if (m->method == MEANREV_LEUNGLI) {
		struct leungli_params p = { *ou, m->r, m->cost, m->r, m->cost };

		if (m->stop > 0) {
			struct leungli_sl_levels sl;

			if ((st = leungli_solve_sl(&p, lv->stop, &sl)) != QM_OK)
				return st;
			lv->entry = sl.entry && !sl.sell_now;
			lv->entry_lo = sl.a;
			lv->entry_hi = sl.d;
			lv->take = sl.b;
		} else {
			struct leungli_levels l;

			if ((st = leungli_solve(&p, &l)) != QM_OK)
				return st;
			lv->entry = 1;
			lv->entry_lo = -INFINITY;
			lv->entry_hi = l.d;
			lv->take = l.b;
		}
	} else {
		struct bertram_levels b;

		st = m->bertram_sharpe ?
		    bertram_optimal_sharpe(ou, 2 * m->cost, m->r, BERTRAM_RF_RATE, &b) :
		    bertram_optimal_return(ou, 2 * m->cost, &b);
		if (st != QM_OK)
			return st;
		/* enter at X <= a, but above the stop */
		lv->entry = b.a > lv->stop;
		lv->entry_lo = lv->stop;
		lv->entry_hi = b.a;
		lv->take = b.m;
	}
	return QM_OK;
}

/* Annualised realised vol of the spread over the last window daily
 * closes of both legs (matched by bar time); NaN with too few. */
/* The gross notional of one spread unit at the latest mids: |leg1| +
 * |hedge ratio| x |leg2|; NaN without quotes. */
static double meanrev_gross(const struct mstate_snap *snap, const char *leg1, const char *leg2,
    double hr)
{
	const struct quote *q1 = mstate_snap_quote(snap, leg1), *q2 = mstate_snap_quote(snap, leg2);

	if (q1 == NULL || q2 == NULL)
		return NAN;
	return fabs(market_mid(q1)) + fabs(hr) * fabs(market_mid(q2));
}

static double meanrev_realised_vol(struct meanrev *m, const struct mstate_snap *snap,
    const char *leg1, const char *leg2, double hr)
{
	size_t n1, n2, i, j, k = 0, want = (size_t)m->vol_window + 1;
	const struct bar *b1 = mstate_snap_bars(snap, leg1, &n1);
	const struct bar *b2 = mstate_snap_bars(snap, leg2, &n2);
	double mean = 0, ss = 0;

	if (b1 == NULL || b2 == NULL)
		return NAN;
	if (m->xcap < want) {
		m->xcap = want;
		m->xs = xrealloc(m->xs, want * sizeof *m->xs);
	}
	/* walk back from the newest closes, matching times */
	i = n1;
	j = n2;
	while (i > 0 && j > 0 && k < want) {
		if (b1[i - 1].time > b2[j - 1].time)
			i--;
		else if (b2[j - 1].time > b1[i - 1].time)
			j--;
		else {
			m->xs[k++] = b1[i - 1].close - hr * b2[j - 1].close;
			i--;
			j--;
		}
	}
	if (k < 6)
		return NAN;
	for (i = 0; i + 1 < k; i++)
		mean += m->xs[i] - m->xs[i + 1];
	mean /= (double)(k - 1);
	for (i = 0; i + 1 < k; i++) {
		double d = m->xs[i] - m->xs[i + 1] - mean;

		ss += d * d;
	}
	return sqrt(ss / (double)(k - 2) * 252);
}

/* Looks at one pair; appends at most one signal. */
static int meanrev_pair_run(struct meanrev *m, const struct strategy_env *env,
    const struct calib_result *o, struct signal_list *out, char **cause)
{
	const struct calib_ou *fit = &o->ou;
	struct ou_params ou = fit->p;
	struct meanrev_pair *ps;
	struct meanrev_levels lo, sh;
	struct meanrev_key key;
	char leg1[MARKET_SYMBOL_MAX], leg2[MARKET_SYMBOL_MAX], *slash;
	const struct quote *q1, *q2;
	double hr = fit->hedge_ratio, m1, m2, X, sd, rv = NAN, size = 1, conf;
	const char *kind = NULL, *method;
	int side = 0, newpos, st;
	struct signal s;

	snprintf(leg1, sizeof leg1, "%s", o->symbol);
	if ((slash = strchr(leg1, '/')) == NULL)
		return 0;
	*slash = '\0';
	snprintf(leg2, sizeof leg2, "%s", slash + 1);
	if (!(ou.mu > 0) || !(ou.sigma > 0) || !isfinite(ou.theta) || !isfinite(ou.mu) ||
	    !isfinite(ou.sigma) || !isfinite(hr))
		return 0;
	q1 = mstate_snap_quote(env->snap, leg1);
	q2 = mstate_snap_quote(env->snap, leg2);
	if (q1 == NULL || q2 == NULL)
		return 0;
	m1 = market_mid(q1);
	m2 = market_mid(q2);
	if (!isfinite(m1) || !isfinite(m2))
		return 0;
	X = m1 - hr * m2;
	sd = ou.sigma / sqrt(2 * ou.mu);
	ps = meanrev_pair(m, o->symbol);

	/* the levels, recomputed only when the parameters or settings changed */
	memset(&key, 0, sizeof key);
	key.ou = ou;
	key.method = m->method;
	key.bertram_sharpe = m->bertram_sharpe;
	key.r = m->r;
	key.cost = m->cost;
	key.stop = m->stop;
	if (!ps->have_levels || memcmp(&key, &ps->key, sizeof key) != 0) {
		struct ou_params neg = { -ou.theta, ou.mu, ou.sigma };

		if ((st = meanrev_levels(m, &ou, &ps->lv)) != QM_OK ||
		    (st = meanrev_levels(m, &neg, &ps->sv)) != QM_OK) {
			*cause = xasprintf("meanrev: %s levels of %s failed (status %d; theta %g, "
			    "mu %g, sigma %g)", m->method == MEANREV_BERTRAM ? "Bertram" : "Leung-Li",
			    o->symbol, st, ou.theta, ou.mu, ou.sigma);
			ps->have_levels = 0;
			return -1;
		}
		ps->key = key;
		ps->have_levels = 1;
	}
	lo = ps->lv;
	/* the short side: the long problem for -X, back in units of X */
	sh.entry = ps->sv.entry;
	sh.entry_lo = -ps->sv.entry_hi;
	sh.entry_hi = -ps->sv.entry_lo;
	sh.take = -ps->sv.take;
	sh.stop = -ps->sv.stop;
	/* A trade restored at a restart exits at the current levels. */
	if (ps->restored) {
		ps->restored = 0;
		ps->entry_x = NAN;
		if (ps->pos != 0) {
			ps->take = ps->pos > 0 ? lo.take : sh.take;
			ps->stop = ps->pos > 0 ? lo.stop : sh.stop;
		}
	}

	newpos = ps->pos;
	if (ps->pos == 1) {
		if (X <= ps->stop) {
			kind = "stop_loss";
			side = SIGNAL_EXIT;
		} else if (X >= ps->take) {
			kind = "exit";
			side = SIGNAL_EXIT;
		}
		if (kind != NULL)
			newpos = 0;
	} else if (ps->pos == -1) {
		if (X >= ps->stop) {
			kind = "stop_loss";
			side = SIGNAL_EXIT;
		} else if (X <= ps->take) {
			kind = "exit";
			side = SIGNAL_EXIT;
		}
		if (kind != NULL)
			newpos = 0;
	} else if (fit->coint_pvalue <= m->max_pvalue) {
		if (lo.entry && X > lo.entry_lo && X < lo.entry_hi) {
			kind = "entry_long";
			side = SIGNAL_BUY;
			newpos = 1;
		} else if (sh.entry && X > sh.entry_lo && X < sh.entry_hi) {
			kind = "entry_short";
			side = SIGNAL_SELL;
			newpos = -1;
		}
	}
	if (kind == NULL)
		return 0;

	method = m->method == MEANREV_BERTRAM ? "Bertram" : "Leung-Li";
	signal_init(&s, "meanrev", o->symbol, o->symbol, kind, side, env->now, env->now + m->ttl);
	if (side == SIGNAL_EXIT) {
		const struct strat_hold *h = strat_holdings_find(&m->hold, o->symbol);

		/* undo the position: a long spread sells leg1 and buys leg2
		 * back -- what the fills say is held when the order manager
		 * told us, else one unit of the spread */
		if (h != NULL && (h->held != 0 || ps->held2 != 0)) {
			signal_add_leg(&s, leg1, -h->held);
			signal_add_leg(&s, leg2, -ps->held2);
		} else {
			signal_add_leg(&s, leg1, -ps->pos);
			signal_add_leg(&s, leg2, ps->pos * hr);
		}
		conf = strcmp(kind, "stop_loss") == 0 ? 1.0 : 0.9;
		size = 1;
		signal_rationale(&s, "%s: spread %.4g %s %.4g (%s, entered at %.4g): %s",
		    o->symbol, X, strcmp(kind, "stop_loss") == 0 ? (ps->pos > 0 ? "<=" : ">=") :
		    (ps->pos > 0 ? ">=" : "<="), strcmp(kind, "stop_loss") == 0 ? ps->stop : ps->take,
		    ps->pos > 0 ? "long spread" : "short spread", ps->entry_x,
		    strcmp(kind, "stop_loss") == 0 ? "stop-loss" : "take profit");
	} else {
		const struct meanrev_levels *l = side > 0 ? &lo : &sh;
		double pscore = 1 - 0.5 * strat_clamp(fit->coint_pvalue / m->max_pvalue, 0, 1);
		double prec = isfinite(fit->se_mu) ? strat_clamp(1 - fit->se_mu / ou.mu, 0.2, 1) : 0.7;

		if (m->max_pvalue <= 0)
			pscore = 1;
		signal_add_leg(&s, leg1, side);
		signal_add_leg(&s, leg2, -side * hr);
		conf = strat_clamp(pscore * prec, 0, 1);
		rv = meanrev_realised_vol(m, env->snap, leg1, leg2, hr);
		size = isfinite(rv) && rv > 0 ? strat_clamp(ou.sigma / rv, 0, 1) : 1;
		ps->entry_x = X;
		ps->take = l->take;
		ps->stop = l->stop;
		/* The edge: the way to the take-profit level, per unit of the
		 * gross notional of one spread (leg1 + hedge ratio x leg2). */
		{
			double gross = meanrev_gross(env->snap, leg1, leg2, hr);

			if (gross > 0)
				s.edge_bp = fabs(l->take - X) / gross * 1e4;
		}
		signal_rationale(&s, "%s: spread %.4g in %s entry (%.4g, %.4g), theta %.4g, "
		    "half-life %.1f d; take %.4g, stop %.4g; size %.2f = min(1, sigma %.3g / "
		    "RV %.3g)", o->symbol, X, method, l->entry_lo, l->entry_hi, ou.theta,
		    log(2) / ou.mu * 252, l->take, l->stop, size, ou.sigma, rv);
	}
	s.confidence = conf;
	s.size_hint = size;
	strat_json_begin(&m->js);
	strat_json_str(&m->js, "method", m->method == MEANREV_BERTRAM ? "bertram" : "leungli");
	strat_json_num(&m->js, "spread", X);
	strat_json_num(&m->js, "mid1", m1);
	strat_json_num(&m->js, "mid2", m2);
	strat_json_num(&m->js, "hedge_ratio", hr);
	strat_json_num(&m->js, "theta", ou.theta);
	strat_json_num(&m->js, "mu", ou.mu);
	strat_json_num(&m->js, "sigma", ou.sigma);
	strat_json_num(&m->js, "stationary_sd", sd);
	strat_json_num(&m->js, "se_mu", fit->se_mu);
	strat_json_num(&m->js, "coint_pvalue", fit->coint_pvalue);
	strat_json_num(&m->js, "max_pvalue", m->max_pvalue);
	strat_json_num(&m->js, "r", m->r);
	strat_json_num(&m->js, "cost", m->cost);
	strat_json_num(&m->js, "long_entry_lo", lo.entry_lo);
	strat_json_num(&m->js, "long_entry_hi", lo.entry_hi);
	strat_json_num(&m->js, "long_take", lo.take);
	strat_json_num(&m->js, "long_stop", lo.stop);
	strat_json_num(&m->js, "short_entry_lo", sh.entry_lo);
	strat_json_num(&m->js, "short_entry_hi", sh.entry_hi);
	strat_json_num(&m->js, "short_take", sh.take);
	strat_json_num(&m->js, "short_stop", sh.stop);
	strat_json_num(&m->js, "entry_spread", ps->entry_x);
	strat_json_num(&m->js, "trade_take", ps->take);
	strat_json_num(&m->js, "trade_stop", ps->stop);
	strat_json_num(&m->js, "realised_vol", rv);
	strat_json_num(&m->js, "size_mm", size);
	strat_json_end(&m->js);
	signal_inputs(&s, "%s", m->js.data);
	strat_holdings_note(&m->hold, &s);
	signal_list_push(out, &s);
	ps->pos = newpos;
	return 0;
}

/* The restored position of a symbol not yet matched to a pair (0: none). */
static double meanrev_rpos(const struct meanrev *m, const char *symbol)
{
	size_t i;

	for (i = 0; i < m->nrpos; i++)
		if (strcmp(m->rpos[i].symbol, symbol) == 0)
			return m->rpos[i].qty;
	return 0;
}

/* 1 when a symbol has a restored position or working order not yet
 * matched to a pair. */
static int meanrev_unmatched(const struct meanrev *m, const char *symbol)
{
	size_t i;

	if (meanrev_rpos(m, symbol) != 0)
		return 1;
	for (i = 0; i < m->nrwork; i++)
		if (strcmp(m->rwork[i].symbol, symbol) == 0)
			return 1;
	return 0;
}

/* Takes a symbol's unmatched position out of the restored list. */
static double meanrev_take_pos(struct meanrev *m, const char *symbol)
{
	size_t i;
	double q;

	for (i = 0; i < m->nrpos; i++) {
		if (strcmp(m->rpos[i].symbol, symbol) != 0)
			continue;
		q = m->rpos[i].qty;
		m->rpos[i] = m->rpos[--m->nrpos];
		return q;
	}
	return 0;
}

/* The state of a pair from what it holds: long when leg 1 is held long
 * (or, leg 1 flat, leg 2 short), short the mirror, else the direction of
 * its working orders (dir), else flat. */
static int meanrev_pos_of(double held1, double held2, int dir)
{
	return held1 > 0 ? 1 : held1 < 0 ? -1 : held2 < 0 ? 1 : held2 > 0 ? -1 : dir;
}

/* Matches restored legs to the pair "LEG1/LEG2" (see the header comment). */
static void meanrev_claim_pair(struct meanrev *m, const char *pair)
{
	char leg1[MARKET_SYMBOL_MAX], *leg2;
	struct meanrev_pair *ps = meanrev_pair(m, pair);
	const struct strat_hold *h;
	double q1, q2;
	int dir = 0;
	size_t i;

	snprintf(leg1, sizeof leg1, "%s", pair);
	if ((leg2 = strchr(leg1, '/')) == NULL)
		return;
	*leg2++ = '\0';
	q1 = meanrev_take_pos(m, leg1);
	q2 = meanrev_take_pos(m, leg2);
	h = strat_holdings_find(&m->hold, pair);
	strat_holdings_hold(&m->hold, pair, leg1, q1 + (h != NULL ? h->held : 0));
	ps->held2 += q2;
	for (i = 0; i < m->nrwork;) {
		const struct order_update *u = &m->rwork[i];
		int l1 = strcmp(u->symbol, leg1) == 0, l2 = strcmp(u->symbol, leg2) == 0;

		if (!l1 && !l2) {
			i++;
			continue;
		}
		if (dir == 0)
			dir = l1 ? u->side : -u->side;
		strat_holdings_work(&m->hold, pair, u->client_id);
		m->rwork[i] = m->rwork[--m->nrwork];
	}
	h = strat_holdings_find(&m->hold, pair);
	ps->pos = meanrev_pos_of(h != NULL ? h->held : 0, ps->held2, dir != 0 ? dir : ps->pos);
	ps->restored = 1;
}

/* Matches the restored positions and working orders to the pairs of this
 * run: pairs with both legs restored first, then those with one. */
static void meanrev_claim(struct meanrev *m, const struct strategy_env *env)
{
	size_t i, n = env->npairs > 0 && env->pairs != NULL ? env->npairs : env->book->n;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			char leg1[MARKET_SYMBOL_MAX], *leg2;
			const char *pair;
			int a, b;

			if (env->npairs > 0 && env->pairs != NULL)
				pair = env->pairs[i];
			else if (env->book->v[i].model == CALIB_OU)
				pair = env->book->v[i].symbol;
			else
				continue;
			snprintf(leg1, sizeof leg1, "%s", pair);
			if ((leg2 = strchr(leg1, '/')) == NULL)
				continue;
			*leg2++ = '\0';
			a = meanrev_unmatched(m, leg1);
			b = meanrev_unmatched(m, leg2);
			if (pass == 0 ? a && b : a || b)
				meanrev_claim_pair(m, pair);
		}
	}
}

/* One run over the pairs (the engine's list, else every OU fit in the
 * book).  A pair whose levels fail is skipped (its state unchanged); the
 * first failure is returned as -1 only when no other pair gave a signal,
 * because the engine drops what a failed run appended and the pairs'
 * states assume their signals were delivered. */
static int meanrev_run(void *st, const struct strategy_env *env, struct signal_list *out,
    char **cause)
{
	struct meanrev *m = st;
	size_t i, n, before = out->n;
	int rc = 0;

	if (env->snap == NULL || env->book == NULL)
		return 0;
	if (m->nrpos > 0 || m->nrwork > 0)
		meanrev_claim(m, env);
	n = env->npairs > 0 && env->pairs != NULL ? env->npairs : env->book->n;
	for (i = 0; i < n; i++) {
		const struct calib_result *o;
		char *why = NULL;

		if (env->npairs > 0 && env->pairs != NULL)
			o = strat_book_find(env->book, CALIB_OU, env->pairs[i]);
		else
			o = env->book->v[i].model == CALIB_OU ? &env->book->v[i] : NULL;
		if (o == NULL)
			continue;
		if (meanrev_pair_run(m, env, o, out, &why) != 0) {
			if (rc == 0) {
				*cause = why;
				why = NULL;
			}
			rc = -1;
		}
		free(why);
	}
	if (rc != 0 && out->n > before) {
		free(*cause);
		*cause = NULL;
		rc = 0;
	}
	return rc;
}

/* A signal of ours will not be traded: an entry leaves the pair flat, an
 * exit or stop leaves the position open as it was. */
static void meanrev_refused(void *st, const struct signal *s)
{
	struct meanrev *m = st;
	size_t i;

	for (i = 0; i < m->npairs; i++) {
		struct meanrev_pair *ps = &m->pairs[i];

		if (strcmp(ps->pair, s->instrument) != 0)
			continue;
		if ((strcmp(s->kind, "entry_long") == 0 && ps->pos == 1) ||
		    (strcmp(s->kind, "entry_short") == 0 && ps->pos == -1))
			ps->pos = 0;
		else if (s->side == SIGNAL_EXIT && ps->pos == 0 && s->nlegs > 0)
			ps->pos = s->legs[0].qty < 0 ? 1 : -1;  /* the exit sold leg1: was long */
		return;
	}
}

/* The pair an update belongs to: its signal's instrument; else (an order
 * restored at a restart, whose signal the engine no longer knows, or a
 * flatten) the pair whose working orders list it, else the pair holding
 * its symbol as a leg; NULL when none. */
static struct meanrev_pair *meanrev_pair_of(struct meanrev *m, const struct order_update *u)
{
	const struct strat_hold *h;
	size_t i;

	for (i = 0; i < m->npairs; i++)
		if (strcmp(m->pairs[i].pair, u->instrument) == 0)
			return &m->pairs[i];
	if ((h = strat_holdings_find_order(&m->hold, u->client_id)) != NULL) {
		for (i = 0; i < m->npairs; i++)
			if (strcmp(m->pairs[i].pair, h->instrument) == 0)
				return &m->pairs[i];
	}
	if (u->instrument[0] != '\0' && strchr(u->instrument, '/') != NULL)
		return NULL;    /* another pair's, not yet seen */
	for (i = 0; i < m->npairs; i++) {
		struct meanrev_pair *ps = &m->pairs[i];
		const char *slash = strchr(ps->pair, '/');
		size_t l1 = slash != NULL ? (size_t)(slash - ps->pair) : 0;

		if (slash == NULL || ps->pos == 0)
			continue;
		if ((strlen(u->symbol) == l1 && strncmp(ps->pair, u->symbol, l1) == 0) ||
		    strcmp(slash + 1, u->symbol) == 0)
			return ps;
	}
	return NULL;
}

/* An update of a restored order not yet matched to a pair: its fills
 * move the restored position of its symbol, its final state drops it. */
static int meanrev_unmatched_update(struct meanrev *m, const struct order_update *u)
{
	size_t i, k;

	for (i = 0; i < m->nrwork; i++)
		if (strcmp(m->rwork[i].client_id, u->client_id) == 0)
			break;
	if (i == m->nrwork)
		return 0;
	if (u->last_qty > 0) {
		for (k = 0; k < m->nrpos; k++)
			if (strcmp(m->rpos[k].symbol, u->symbol) == 0)
				break;
		if (k == m->nrpos) {
			m->rpos = xrealloc(m->rpos, (m->nrpos + 1) * sizeof *m->rpos);
			memset(&m->rpos[k], 0, sizeof m->rpos[k]);
			snprintf(m->rpos[k].symbol, sizeof m->rpos[k].symbol, "%s", u->symbol);
			m->nrpos++;
		}
		m->rpos[k].qty += u->side * u->last_qty;
		if (fabs(m->rpos[k].qty) < 1e-9)
			m->rpos[k] = m->rpos[--m->nrpos];
	}
	if (order_state_final(u->state))
		m->rwork[i] = m->rwork[--m->nrwork];
	return 1;
}

/* What happened to one of its orders: the pair's holdings follow the
 * fills, and once none of the pair's orders is working any more its
 * position state is what the fills say -- long when leg 1 is held long
 * (or, leg 1 flat, leg 2 held short), short the mirror, flat when both
 * are flat.  So an entry that was not filled leaves the pair flat (it may
 * enter again), an exit that was not filled leaves it in the trade (it
 * exits again, for what is actually held), and a part fill is exited for
 * the part.  While orders work, the belief set when the signal went out
 * stands (no second entry, no second exit). */
static void meanrev_order_update(void *st, const struct order_update *u)
{
	struct meanrev *m = st;
	const struct strat_hold *h;
	struct meanrev_pair *ps;
	struct order_update pu;
	const char *slash;

	if (meanrev_unmatched_update(m, u))
		return;
	if ((ps = meanrev_pair_of(m, u)) == NULL || (slash = strchr(ps->pair, '/')) == NULL)
		return;
	pu = *u;
	snprintf(pu.instrument, sizeof pu.instrument, "%s", ps->pair);
	strat_holdings_update(&m->hold, &pu);
	if (u->last_qty > 0 && strcmp(u->symbol, slash + 1) == 0) {
		ps->held2 += u->side * u->last_qty;
		if (fabs(ps->held2) < 1e-9)
			ps->held2 = 0;
	}
	if ((h = strat_holdings_find(&m->hold, ps->pair)) == NULL || h->nworking > 0)
		return;
	ps->pos = meanrev_pos_of(h->held, ps->held2, 0);
}

/* At an engine start: forgets what it believed of every pair and keeps
 * the restored positions and working orders until the next run matches
 * them to the pairs (working orders of a known signal go to its pair at
 * once). */
static void meanrev_restore(void *st, const struct strat_restore *r)
{
	struct meanrev *m = st;
	size_t i;

	for (i = 0; i < m->npairs; i++) {
		m->pairs[i].pos = 0;
		m->pairs[i].held2 = 0;
		m->pairs[i].restored = 0;
	}
	strat_holdings_free(&m->hold);
	free(m->rpos);
	free(m->rwork);
	m->rpos = xcalloc(r->npos + 1, sizeof *m->rpos);
	m->rwork = xcalloc(r->nworking + 1, sizeof *m->rwork);
	m->nrpos = m->nrwork = 0;
	for (i = 0; i < r->npos; i++)
		if (r->pos[i].qty != 0 && r->pos[i].symbol[0] != '\0')
			m->rpos[m->nrpos++] = r->pos[i];
	for (i = 0; i < r->nworking; i++) {
		const struct order_update *u = &r->working[i];

		if (order_state_final(u->state))
			continue;
		if (strchr(u->instrument, '/') != NULL) {
			struct meanrev_pair *ps = meanrev_pair(m, u->instrument);

			strat_holdings_work(&m->hold, u->instrument, u->client_id);
			if (ps->pos == 0)
				ps->pos = u->signal_side != 0 ? u->signal_side : ps->pos;
			ps->restored = 1;
		} else
			m->rwork[m->nrwork++] = *u;
	}
}

/* What it holds per pair, and what is not matched to a pair yet. */
static void meanrev_holdings(void *st, char *buf, size_t len)
{
	struct meanrev *m = st;
	size_t i, at = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < m->npairs && at < len; i++) {
		const struct meanrev_pair *ps = &m->pairs[i];
		const struct strat_hold *h = strat_holdings_find(&m->hold, ps->pair);

		if (ps->pos == 0 && (h == NULL || (h->held == 0 && h->nworking == 0)) &&
		    ps->held2 == 0)
			continue;
		at += (size_t)snprintf(buf + at, len - at, "%s%s %s leg1 %g leg2 %g working %zu",
		    at ? "; " : "", ps->pair, ps->pos > 0 ? "long" : ps->pos < 0 ? "short" : "flat",
		    h != NULL ? h->held : 0, ps->held2, h != NULL ? h->nworking : 0);
	}
	for (i = 0; i < m->nrpos && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%sunmatched %s %g", at ? "; " : "",
		    m->rpos[i].symbol, m->rpos[i].qty);
}

const struct strategy_ops strat_meanrev_ops = {
	"meanrev",
	"optimal mean reversion of cointegrated pairs: Leung-Li or Bertram levels, "
	"volatility-managed size",
	1u << CALIB_OU,
	meanrev_create,
	meanrev_destroy,
	meanrev_configure,
	meanrev_run,
	meanrev_describe,
	.on_refused = meanrev_refused,
	.on_order_update = meanrev_order_update,
	.on_restore = meanrev_restore,
	.holdings = meanrev_holdings,
};
