/*
 * strat-termstruct.c -- volatility term structure: calendar spreads where
 * one expiry's at-the-money vol is out of line with the others (client's
 * notes, sec. 1.2 strategy 3: time-dependent SABR).
 *
 * Per underlying, the book's SABR calibration (CALIB_SABR) gives one
 * slice per expiry with its maturity T_i and market ATM vol s_i.  The
 * smooth term structure is the mean-reverting-variance curve
 *
 *	s^2(T) = theta + (v0 - theta) (1 - e^(-kappa T)) / (kappa T),
 *
 * the average expected variance to T of a variance reverting from v0 to
 * theta at speed kappa (the ATM term structure of Heston to leading
 * order; it is smooth, monotone and flat at both ends): linear least
 * squares in (theta, v0) for each kappa of a log grid on [0.05, 50], the
 * best kappa kept.  Each expiry is judged against the curve fitted to the
 * OTHER expiries (leave one out), so an outlier cannot hide by pulling the
 * fit: dev_i = s_i / fit_{-i}(T_i) - 1; the worst outlier is taken first
 * and then left out of every later fit (so it cannot make its neighbours
 * look out of line), and so on while 4 expiries remain.  An expiry with
 * |dev_i| beyond
 * termstruct.threshold is rich (dev > 0) or cheap; it is paired with the
 * neighbouring expiry that is the most out of line the other way, and the
 * calendar "SYM NEAR/FAR" is bought (long the far expiry, short the near)
 * when the near one is the rich one, sold otherwise.  A negative forward
 * variance (s_j^2 T_j - s_i^2 T_i) / (T_j - T_i) < 0 between consecutive
 * expiries is a calendar arbitrage and signalled the same way (near rich).
 *
 * Legs: the ATM call (strike nearest the forward) of each expiry from the
 * latest chain, vega neutral: +-1 far contract and -+ vega_far / vega_near
 * near contracts (Black vegas at the options' market vols, models/bs.h).
 * Confidence: (1 - 1/(1 + excess)) with excess = |dev| / threshold (0.5
 * at the threshold, rising), times (1 - min(1, rmse / |s - fit|) / 2) for
 * the worse SABR fit error of the two slices; 0.9 for a negative forward
 * variance.  size_hint = min(1, |dev| / (4 threshold)).  Each expiry takes
 * part in one calendar per run; a persisting calendar is signalled on
 * every run (the engine refreshes the live signal) -- until its orders
 * are out: a calendar held in the signal's direction, or with orders
 * working, gets no new signal (on_order_update), so it is not entered
 * again when its signal expires.  At each engine start the order
 * manager's restored positions and working orders replace those beliefs
 * (on_restore).  Positions are kept per symbol, not per calendar, so a
 * restored position is an entry per option: a calendar whose far option
 * is held in the calendar's direction (or its near option the other way),
 * or has orders working, is not entered again either.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs.h"
#include "conf.h"
#include "market-state.h"
#include "qm-status.h"
#include "strat-common.h"
#include "strategy.h"
#include "util.h"

#define TS_NKAPPA 40

/* Settings (the termstruct.* keys). */
struct termstruct {
	int enabled;
	double threshold;       /* relative deviation from the fitted curve */
	double min_days, max_days;
	double ttl;
	struct strat_holdings hold;     /* calendars held or working, from order updates */
	struct buf js;
};

/* Allocates a strategy with the defaults of conf-keys.c. */
static void *termstruct_create(void)
{
	struct termstruct *t = xcalloc(1, sizeof *t);

	t->enabled = 1;
	t->threshold = 0.05;
	t->min_days = 7;
	t->max_days = 730;
	t->ttl = 390 * 60;
	buf_init(&t->js);
	return t;
}

/* Frees a strategy. */
static void termstruct_destroy(void *st)
{
	struct termstruct *t = st;

	if (t == NULL)
		return;
	strat_holdings_free(&t->hold);
	buf_free(&t->js);
	free(t);
}

/* Reads the termstruct.* keys (and signals.ttl_minutes). */
static int termstruct_configure(void *st, struct conf *conf, char **cause)
{
	struct termstruct *t = st;
	double min_days = conf_get_double(conf, "termstruct.min_days");
	double max_days = conf_get_double(conf, "termstruct.max_days");

	if (!(min_days < max_days)) {
		*cause = xasprintf("termstruct.min_days (%g) must be below termstruct.max_days "
		    "(%g)", min_days, max_days);
		return -1;
	}
	t->enabled = conf_get_bool(conf, "termstruct.enabled");
	t->threshold = conf_get_double(conf, "termstruct.threshold");
	t->min_days = min_days;
	t->max_days = max_days;
	t->ttl = strat_ttl_seconds(conf);
	return 0;
}

/* Describes the settings for `strategy list`. */
static void termstruct_describe(void *st, char *buf, size_t len)
{
	struct termstruct *t = st;

	snprintf(buf, len, "enabled=%s threshold=%g min_days=%g max_days=%g ttl_minutes=%g",
	    t->enabled ? "yes" : "no", t->threshold, t->min_days, t->max_days, t->ttl / 60);
}

/* The curve's basis at T for speed kappa: s^2 = theta (1 - g) + v0 g. */
static double ts_g(double kappa, double T)
{
	double x = kappa * T;

	return x < 1e-8 ? 1 - 0.5 * x : -expm1(-x) / x;
}

/* A fitted curve. */
struct ts_curve {
	double theta, v0, kappa;
};

/* Fits the curve to the n points (T[i], var[i]) except skip (-1: none)
 * and those with excl[i] set, by least squares in variance; 0, or -1 with
 * fewer than 3 points. */
static int ts_fit(const double *T, const double *var, const int *excl, size_t n, long skip,
    struct ts_curve *c)
{
	double best = INFINITY;
	size_t i, m = 0;
	int k;

	c->theta = c->v0 = c->kappa = NAN;
	for (i = 0; i < n; i++)
		if ((long)i != skip && !excl[i])
			m++;
	if (m < 3)
		return -1;
	for (k = 0; k < TS_NKAPPA; k++) {
		double kappa = 0.05 * pow(1000.0, (double)k / (TS_NKAPPA - 1));
		double saa = 0, sab = 0, sbb = 0, sya = 0, syb = 0, det, th, v0, sse = 0;

		/* var = theta a + v0 b with a = 1 - g, b = g */
		for (i = 0; i < n; i++) {
			double g, a, b;

			if ((long)i == skip || excl[i])
				continue;
			g = ts_g(kappa, T[i]);
			a = 1 - g;
			b = g;
			saa += a * a;
			sab += a * b;
			sbb += b * b;
			sya += var[i] * a;
			syb += var[i] * b;
		}
		det = saa * sbb - sab * sab;
		if (!(fabs(det) > 1e-14 * saa * sbb))
			continue;
		th = (sya * sbb - syb * sab) / det;
		v0 = (saa * syb - sab * sya) / det;
		for (i = 0; i < n; i++) {
			double e;

			if ((long)i == skip || excl[i])
				continue;
			e = th + (v0 - th) * ts_g(kappa, T[i]) - var[i];
			sse += e * e;
		}
		if (sse < best) {
			best = sse;
			c->theta = th;
			c->v0 = v0;
			c->kappa = kappa;
		}
	}
	return isfinite(best) ? 0 : -1;
}

/* The curve's vol at T (NaN where its variance is not positive). */
static double ts_vol(const struct ts_curve *c, double T)
{
	double v = c->theta + (c->v0 - c->theta) * ts_g(c->kappa, T);

	return v > 0 ? sqrt(v) : NAN;
}

/* The ATM call of an expiry in a chain (strike nearest the forward). */
static const struct option_quote *ts_atm(const struct option_chain *c, int expiry, double F)
{
	const struct option_quote *best = NULL;
	size_t i;

	for (i = 0; c != NULL && i < c->n; i++) {
		const struct option_quote *oq = &c->opts[i];
		double f = isfinite(oq->forward) && oq->forward > 0 ? oq->forward : F;

		if (oq->opt.expiry != expiry || oq->opt.right != OPT_RIGHT_CALL ||
		    !(oq->implied_vol > 0))
			continue;
		if (best == NULL || fabs(oq->opt.strike - f) < fabs(best->opt.strike - f))
			best = oq;
	}
	return best;
}

/* Black vega (per unit vol, undiscounted) of an option of chain c. */
static double ts_vega(const struct option_chain *c, const struct option_quote *oq, double F)
{
	struct bs_greeks g;
	double T = market_option_maturity(c, oq);
	double f = isfinite(oq->forward) && oq->forward > 0 ? oq->forward : F;

	if (bs_black76_greeks(BS_CALL, f, oq->opt.strike, T, oq->implied_vol, 0, &g) != QM_OK)
		return NAN;
	return g.vega;
}

/* Emits the calendar on slices i < j (near, far); side BUY when the near
 * expiry is the rich one.  0, or -1 when the chain lacks the options. */
static int ts_emit(struct termstruct *t, const struct strategy_env *env,
    const struct option_chain *c, const struct calib_result *r, const size_t *sl,
    size_t i, size_t j, int side, const double *dev, const double *fit, double conf,
    double size, const char *why, struct signal_list *out)
{
	const struct calib_sabr_slice *a = &r->sabr[sl[i]], *b = &r->sabr[sl[j]];
	const struct option_quote *on = ts_atm(c, a->expiry, a->forward);
	const struct option_quote *of = ts_atm(c, b->expiry, b->forward);
	double vn, vf, ratio;
	char instr[3 * MARKET_SYMBOL_MAX];
	struct signal s;

	if (on == NULL || of == NULL)
		return -1;
	vn = ts_vega(c, on, a->forward);
	vf = ts_vega(c, of, b->forward);
	if (!(vn > 0) || !(vf > 0))
		return -1;
	ratio = vf / vn;
	snprintf(instr, sizeof instr, "%s %d/%d", r->symbol, a->expiry, b->expiry);
	/* Held in this direction or working: not entered again (the
	 * expiries count as taken, as if signalled). */
	if (strat_holdings_blocks(&t->hold, instr, side) ||
	    strat_holdings_blocks(&t->hold, of->opt.symbol, side) ||
	    strat_holdings_blocks(&t->hold, on->opt.symbol, -side))
		return 0;
	signal_init(&s, "termstruct", instr, r->symbol, "calendar", side, env->now,
	    env->now + t->ttl);
	/* a long calendar (BUY) is long the far expiry, short the near */
	signal_add_leg(&s, of->opt.symbol, side);
	signal_add_leg(&s, on->opt.symbol, -side * ratio);
	s.confidence = strat_clamp(conf, 0, 1);
	s.size_hint = strat_clamp(size, 0, 1);
	signal_rationale(&s, "%s: ATM vol %d %.1f%% (curve %.1f%%, %+.1f%%) vs %d %.1f%% "
	    "(curve %.1f%%, %+.1f%%)%s: %s %d, %s %d", r->symbol, a->expiry, 100 * a->atm_vol,
	    100 * fit[i], 100 * dev[i], b->expiry, 100 * b->atm_vol, 100 * fit[j], 100 * dev[j],
	    why, side > 0 ? "sell" : "buy", a->expiry, side > 0 ? "buy" : "sell", b->expiry);
	strat_json_begin(&t->js);
	strat_json_num(&t->js, "near_expiry", a->expiry);
	strat_json_num(&t->js, "far_expiry", b->expiry);
	strat_json_num(&t->js, "near_T", a->T);
	strat_json_num(&t->js, "far_T", b->T);
	strat_json_num(&t->js, "near_atm_vol", a->atm_vol);
	strat_json_num(&t->js, "far_atm_vol", b->atm_vol);
	strat_json_num(&t->js, "near_fit_vol", fit[i]);
	strat_json_num(&t->js, "far_fit_vol", fit[j]);
	strat_json_num(&t->js, "near_dev", dev[i]);
	strat_json_num(&t->js, "far_dev", dev[j]);
	strat_json_num(&t->js, "fwd_var", (b->atm_vol * b->atm_vol * b->T -
	    a->atm_vol * a->atm_vol * a->T) / (b->T - a->T));
	strat_json_num(&t->js, "threshold", t->threshold);
	strat_json_num(&t->js, "near_rmse_bp", a->rmse_iv_bp);
	strat_json_num(&t->js, "far_rmse_bp", b->rmse_iv_bp);
	strat_json_num(&t->js, "near_sabr_rho", a->p.rho);
	strat_json_num(&t->js, "near_sabr_nu", a->p.nu);
	strat_json_num(&t->js, "far_sabr_rho", b->p.rho);
	strat_json_num(&t->js, "far_sabr_nu", b->p.nu);
	strat_json_num(&t->js, "vega_near", vn);
	strat_json_num(&t->js, "vega_far", vf);
	strat_json_num(&t->js, "vega_ratio", ratio);
	strat_json_end(&t->js);
	signal_inputs(&s, "%s", t->js.data);
	strat_holdings_note(&t->hold, &s);
	signal_list_push(out, &s);
	return 0;
}

/* Looks at one underlying's term structure. */
static void ts_underlying(struct termstruct *t, const struct strategy_env *env,
    const struct calib_result *r, struct signal_list *out)
{
	const struct option_chain *c = mstate_snap_chain(env->snap, r->symbol);
	size_t sl[CALIB_MAX_SLICES], n = 0, i, j, k;
	double T[CALIB_MAX_SLICES], var[CALIB_MAX_SLICES], dev[CALIB_MAX_SLICES];
	double fit[CALIB_MAX_SLICES], rmse[CALIB_MAX_SLICES];
	int used[CALIB_MAX_SLICES], excl[CALIB_MAX_SLICES];

	if (c == NULL)
		return;
	/* the usable slices, in maturity order */
	for (k = 0; k < r->nslices && k < CALIB_MAX_SLICES; k++) {
		const struct calib_sabr_slice *x = &r->sabr[k];
		double days = x->T * 365;

		if (!(x->T > 0) || !(x->atm_vol > 0) || !isfinite(x->atm_vol) ||
		    days < t->min_days || days > t->max_days)
			continue;
		for (i = n; i > 0 && r->sabr[sl[i - 1]].T > x->T; i--)
			sl[i] = sl[i - 1];
		sl[i] = k;
		n++;
	}
	for (i = 0; i < n; i++) {
		const struct calib_sabr_slice *x = &r->sabr[sl[i]];

		T[i] = x->T;
		var[i] = x->atm_vol * x->atm_vol;
		rmse[i] = isfinite(x->rmse_iv_bp) ? x->rmse_iv_bp * 1e-4 : 0;
		used[i] = excl[i] = 0;
	}
	/* negative forward variance: near rich, a calendar arbitrage */
	for (i = 0; i < n; i++)
		fit[i] = dev[i] = NAN;
	for (i = 0; i + 1 < n; i++) {
		double w0 = var[i] * T[i], w1 = var[i + 1] * T[i + 1];

		if (T[i + 1] > T[i] && w1 < w0 && !used[i] && !used[i + 1] &&
		    ts_emit(t, env, c, r, sl, i, i + 1, SIGNAL_BUY, dev, fit, 0.9, 1,
		    ", negative forward variance", out) == 0)
			used[i] = used[i + 1] = 1;
	}
	/* outliers one at a time, the worst first; each is then left out of
	 * the fits of the others so it cannot drag them */
	for (;;) {
		long worst = -1, partner = -1;
		double excess, conf, fitq;
		int rich, side;
		size_t m = 0;

		for (i = 0; i < n; i++)
			m += !excl[i];
		if (m < 4)
			break;          /* leave-one-out needs 3 other expiries */
		for (i = 0; i < n; i++) {
			struct ts_curve cv;

			if (excl[i])
				continue;
			fit[i] = dev[i] = NAN;
			if (ts_fit(T, var, excl, n, (long)i, &cv) == 0) {
				fit[i] = ts_vol(&cv, T[i]);
				dev[i] = sqrt(var[i]) / fit[i] - 1;
			}
		}
		for (i = 0; i < n; i++)
			if (!excl[i] && fabs(dev[i]) > t->threshold &&
			    (worst < 0 || fabs(dev[i]) > fabs(dev[worst])))
				worst = (long)i;
		if (worst < 0)
			break;
		i = (size_t)worst;
		excl[i] = 1;
		if (used[i])
			continue;       /* already in a calendar */
		used[i] = 1;
		rich = dev[i] > 0;
		/* the neighbour most out of line the other way */
		for (j = i > 0 ? i - 1 : i + 1; j <= i + 1 && j < n; j += 2) {
			if (used[j] || !isfinite(dev[j]))
				continue;
			if (partner < 0 || (rich ? dev[j] < dev[partner] : dev[j] > dev[partner]))
				partner = (long)j;
		}
		if (partner < 0)
			continue;
		j = (size_t)partner;
		excess = fabs(dev[i]) / t->threshold;
		fitq = 1 - 0.5 * strat_clamp(fmax(rmse[i], rmse[j]) /
		    fabs(sqrt(var[i]) - fit[i]), 0, 1);
		conf = (1 - 1 / (1 + excess)) * fitq;
		/* near rich (or far cheap): buy the calendar */
		side = (i < j) == rich ? SIGNAL_BUY : SIGNAL_SELL;
		if (ts_emit(t, env, c, r, sl, i < j ? i : j, i < j ? j : i, side, dev, fit, conf,
		    fabs(dev[i]) / (4 * t->threshold), "", out) == 0)
			used[j] = 1;
	}
}

/* One run over the underlyings (the engine's list, else every SABR
 * calibration in the book). */
static int termstruct_run(void *st, const struct strategy_env *env, struct signal_list *out,
    char **cause)
{
	struct termstruct *t = st;
	size_t i, n;

	(void)cause;
	if (env->snap == NULL || env->book == NULL)
		return 0;
	n = env->nunderlyings > 0 && env->underlyings != NULL ? env->nunderlyings : env->book->n;
	for (i = 0; i < n; i++) {
		const struct calib_result *r;

		if (env->nunderlyings > 0 && env->underlyings != NULL)
			r = strat_book_find(env->book, CALIB_SABR, env->underlyings[i]);
		else
			r = env->book->v[i].model == CALIB_SABR ? &env->book->v[i] : NULL;
		if (r != NULL)
			ts_underlying(t, env, r, out);
	}
	return 0;
}

/* What happened to one of its orders: the holdings follow. */
static void termstruct_order_update(void *st, const struct order_update *u)
{
	struct termstruct *t = st;

	strat_holdings_update(&t->hold, u);
}

/* At an engine start: the options held and working, from the order
 * manager (per option symbol; see the header comment). */
static void termstruct_restore(void *st, const struct strat_restore *r)
{
	struct termstruct *t = st;

	strat_holdings_restore(&t->hold, r);
}

/* What it holds, for `strategy list`. */
static void termstruct_holdings(void *st, char *buf, size_t len)
{
	struct termstruct *t = st;

	strat_holdings_describe(&t->hold, buf, len);
}

const struct strategy_ops strat_termstruct_ops = {
	"termstruct",
	"volatility term structure: calendar spreads on ATM vols off a smooth curve",
	1u << CALIB_SABR,
	termstruct_create,
	termstruct_destroy,
	termstruct_configure,
	termstruct_run,
	termstruct_describe,
	NULL,           /* on_refused: it assumes nothing of a signal until its orders are sent */
	termstruct_order_update,
	termstruct_restore,
	termstruct_holdings,
};
