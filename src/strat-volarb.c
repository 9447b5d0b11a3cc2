/*
 * strat-volarb.c -- volatility-surface arbitrage: trade the options whose
 * market implied vol departs from what the calibrated models say, delta
 * hedged (client's notes, sec. 1.2 strategy 1 and sec. 7.1).
 *
 * For every out-of-the-money option of the latest chain of each
 * underlying (the quotes the calibrations fit too), the model vols are
 *   Heston -- the book's CALIB_HESTON parameters priced on the option's
 *             forward (models/heston.h, undiscounted, r = q = 0 around
 *             the forward, which is exact for Heston) and inverted to a
 *             Black vol (models/iv.h);
 *   SABR   -- the book's CALIB_SABR smile of the option's expiry
 *             (Hagan et al. 2002, models/sabr.h) at the current forward.
 * The model vol is their mean (or the one configured by volarb.model);
 * with both, they must agree on the direction.  The relative divergence
 * d = market / model - 1 beyond volarb.threshold gives a signal: sell the
 * option when the market vol is rich (d > 0), buy it when cheap, with a
 * delta-hedge leg of -side x delta x multiplier shares (Black-Scholes
 * delta at the market vol, models/bs.h).
 *
 * Confidence (the weights of the notes' _compute_confidence):
 *   0.4 fit       1 - rmse / |market - model| (the calibration's RMSE in
 *                 vol, the worse of the models used, against the size of
 *                 the divergence: a divergence within the fit error is
 *                 noise);
 *   0.4 liquidity (1 - 0.5 spread / volarb.max_spread) x a volume score
 *                 rising from 0.5 at no volume to 1 at 100 x
 *                 max(volarb.min_volume, 1) (1 when the feed gives none);
 *   0.2 maturity  1 on 30..90 days, falling to 0.3 at volarb.min_days and
 *                 to 0.5 at volarb.max_days;
 * times 0.8 when the book's parameters are kept from an older fit.  Below
 * volarb.min_confidence nothing is emitted.  size_hint = |d| / (4 x
 * threshold), at most 1.  A persisting opportunity is signalled on every
 * run; the engine refreshes the live signal rather than repeating it.
 * Once its orders are out the strategy knows it (on_order_update): an
 * option it holds in the signal's direction, or has orders working for,
 * gets no new signal, so a trade is not entered again when its signal
 * expires while the opportunity persists (a signal the other way, which
 * reduces the position, still goes out).  At each engine start the order
 * manager's restored positions and working orders replace those beliefs
 * (on_restore), so a restart does not enter again an option it holds.
 * A run returns -1 (with the cause of the first failure) only when it
 * appended no signal, so the engine, which drops what a failed run
 * appended, never loses a signal to another underlying's failure.
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
#include "market-state.h"
#include "qm-status.h"
#include "sabr.h"
#include "strat-common.h"
#include "strategy.h"
#include "util.h"

enum volarb_model { VOLARB_BOTH, VOLARB_HESTON, VOLARB_SABR };

/* Settings (the volarb.* keys) and scratch memory. */
struct volarb {
	int enabled;
	double threshold;       /* relative divergence */
	int model;              /* enum volarb_model */
	double min_days, max_days;
	double min_volume;      /* contracts; 0: no minimum */
	double max_spread;      /* (ask - bid) / mid */
	double min_confidence;
	double ttl;             /* seconds */
	struct strat_holdings hold;     /* options held or working, from order updates */
	heston_workspace *hw;
	struct buf js;
	/* per-chain scratch */
	size_t cap;
	size_t *idx;
	double *T, *K, *F, *r, *q, *price;
	int *type;
};

/* Allocates a strategy with the defaults of conf-keys.c. */
static void *volarb_create(void)
{
	struct volarb *v = xcalloc(1, sizeof *v);

	v->enabled = 1;
	v->threshold = 0.05;
	v->model = VOLARB_BOTH;
	v->min_days = 7;
	v->max_days = 365;
	v->min_volume = 0;
	v->max_spread = 0.25;
	v->min_confidence = 0.6;
	v->ttl = 390 * 60;
	v->hw = heston_workspace_alloc(HESTON_DEFAULT_NODES);
	if (v->hw == NULL) {
		free(v);
		return NULL;
	}
	buf_init(&v->js);
	return v;
}

/* Frees a strategy. */
static void volarb_destroy(void *st)
{
	struct volarb *v = st;

	if (v == NULL)
		return;
	heston_workspace_free(v->hw);
	strat_holdings_free(&v->hold);
	buf_free(&v->js);
	free(v->idx);
	free(v->T);
	free(v->K);
	free(v->F);
	free(v->r);
	free(v->q);
	free(v->price);
	free(v->type);
	free(v);
}

/* Reads the volarb.* keys (and signals.ttl_minutes). */
static int volarb_configure(void *st, struct conf *conf, char **cause)
{
	struct volarb *v = st;
	const char *m = conf_get_str(conf, "volarb.model");
	double min_days = conf_get_double(conf, "volarb.min_days");
	double max_days = conf_get_double(conf, "volarb.max_days");

	if (!(min_days < max_days)) {
		*cause = xasprintf("volarb.min_days (%g) must be below volarb.max_days (%g)",
		    min_days, max_days);
		return -1;
	}
	v->enabled = conf_get_bool(conf, "volarb.enabled");
	v->threshold = conf_get_double(conf, "volarb.threshold");
	v->model = strcmp(m, "heston") == 0 ? VOLARB_HESTON :
	    strcmp(m, "sabr") == 0 ? VOLARB_SABR : VOLARB_BOTH;
	v->min_days = min_days;
	v->max_days = max_days;
	v->min_volume = conf_get_double(conf, "volarb.min_volume");
	v->max_spread = conf_get_double(conf, "volarb.max_spread");
	v->min_confidence = conf_get_double(conf, "volarb.min_confidence");
	v->ttl = strat_ttl_seconds(conf);
	return 0;
}

/* Describes the settings for `strategy list`. */
static void volarb_describe(void *st, char *buf, size_t len)
{
	struct volarb *v = st;
	static const char *const models[] = { "both", "heston", "sabr" };

	snprintf(buf, len, "enabled=%s threshold=%g model=%s min_days=%g max_days=%g "
	    "min_volume=%g max_spread=%g min_confidence=%g ttl_minutes=%g",
	    v->enabled ? "yes" : "no", v->threshold, models[v->model], v->min_days, v->max_days,
	    v->min_volume, v->max_spread, v->min_confidence, v->ttl / 60);
}

/* Grows the per-chain scratch arrays to n options. */
static void volarb_scratch(struct volarb *v, size_t n)
{
	if (n <= v->cap)
		return;
	v->cap = n;
	v->idx = xrealloc(v->idx, n * sizeof *v->idx);
	v->T = xrealloc(v->T, n * sizeof *v->T);
	v->K = xrealloc(v->K, n * sizeof *v->K);
	v->F = xrealloc(v->F, n * sizeof *v->F);
	v->r = xrealloc(v->r, n * sizeof *v->r);
	v->q = xrealloc(v->q, n * sizeof *v->q);
	v->price = xrealloc(v->price, n * sizeof *v->price);
	v->type = xrealloc(v->type, n * sizeof *v->type);
}

/* Maturity score: 1 on 30..90 days, down to 0.3 at min_days and 0.5 at
 * max_days. */
static double volarb_maturity_score(const struct volarb *v, double days)
{
	if (days < 30)
		return v->min_days >= 30 ? 1 :
		    strat_clamp(0.3 + 0.7 * (days - v->min_days) / (30 - v->min_days), 0.3, 1);
	if (days > 90)
		return v->max_days <= 90 ? 1 :
		    strat_clamp(1 - 0.5 * (days - 90) / (v->max_days - 90), 0.5, 1);
	return 1;
}

/* Volume score: 0.5 with no volume, 1 at 100 x max(min_volume, 1); 1 when
 * the feed gives no volume. */
static double volarb_volume_score(const struct volarb *v, double volume)
{
	double ref = 100 * fmax(v->min_volume, 1);

	if (!isfinite(volume))
		return 1;
	return strat_clamp(0.5 + 0.5 * log1p(fmax(volume, 0)) / log1p(ref), 0.5, 1);
}

/* The SABR slice of an expiry, or NULL. */
static const struct calib_sabr_slice *volarb_slice(const struct calib_result *s, int expiry)
{
	size_t i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < s->nslices && i < CALIB_MAX_SLICES; i++)
		if (s->sabr[i].expiry == expiry)
			return &s->sabr[i];
	return NULL;
}

/* Looks at one chain; appends its signals. */
static int volarb_chain(struct volarb *v, const struct strategy_env *env,
    const struct option_chain *c, struct signal_list *out, char **cause)
{
	const struct calib_result *h = NULL, *sb = NULL;
	heston_params hp;
	double Sref = NAN;
	size_t i, n = 0;
	int st = QM_OK;

	if (v->model != VOLARB_SABR) {
		h = strat_book_find(env->book, CALIB_HESTON, c->underlying);
		if (h != NULL && heston_params_check(&h->heston) != QM_OK)
			h = NULL;
	}
	if (v->model != VOLARB_HESTON)
		sb = strat_book_find(env->book, CALIB_SABR, c->underlying);
	if ((v->model == VOLARB_BOTH && h == NULL && sb == NULL) ||
	    (v->model == VOLARB_HESTON && h == NULL) || (v->model == VOLARB_SABR && sb == NULL))
		return 0;       /* not calibrated yet */
	volarb_scratch(v, c->n);
	/* the candidates: OTM, priced, liquid enough, maturity in range */
	for (i = 0; i < c->n; i++) {
		const struct option_quote *oq = &c->opts[i];
		double T = market_option_maturity(c, oq), F = oq->forward, K = oq->opt.strike;
		double r = isfinite(oq->rate) ? oq->rate : c->rate;
		double qd = isfinite(oq->dividend) ? oq->dividend : c->dividend;
		double mid = market_mid(&oq->q), days = T * 365;
		int call = oq->opt.right == OPT_RIGHT_CALL;

		if (!(T > 0) || days < v->min_days || days > v->max_days || !(K > 0))
			continue;
		if (!(F > 0) || !isfinite(F)) {
			if (!(c->spot > 0) || !isfinite(r) || !isfinite(qd))
				continue;
			F = c->spot * exp((r - qd) * T);
		}
		if (!(oq->implied_vol > 0) || !isfinite(oq->implied_vol) || !(mid > 0))
			continue;
		if (call ? K < F : K >= F)
			continue;       /* in the money: its OTM twin speaks for the strike */
		if ((oq->q.ask - oq->q.bid) / mid > v->max_spread)
			continue;
		if (v->min_volume > 0 && isfinite(oq->q.volume) && oq->q.volume < v->min_volume)
			continue;
		if (isnan(Sref))
			Sref = c->spot > 0 && isfinite(c->spot) ? c->spot : F;
		v->idx[n] = i;
		v->T[n] = T;
		v->K[n] = K;
		v->F[n] = F;
		/* price around the forward: no discounting, carry -ln(F/S)/T */
		v->r[n] = 0;
		v->q[n] = -log(F / Sref) / T;
		v->type[n] = call ? HESTON_CALL : HESTON_PUT;
		n++;
	}
	if (n == 0)
		return 0;
	if (h != NULL) {
		hp = h->heston;
		st = heston_price_surface(&hp, Sref, n, v->T, v->K, v->r, v->q, v->type,
		    v->price, v->hw);
		if (st != QM_OK) {
			*cause = xasprintf("volarb: Heston pricing of %s's chain failed (status %d)",
			    c->underlying, st);
			if (v->model == VOLARB_HESTON)
				return -1;
			h = NULL;       /* go on with SABR alone */
		}
	}
	for (i = 0; i < n; i++) {
		const struct option_quote *oq = &c->opts[v->idx[i]];
		const struct calib_sabr_slice *sl = volarb_slice(sb, oq->opt.expiry);
		double T = v->T[i], K = v->K[i], F = v->F[i], mkt = oq->implied_vol;
		double hv = NAN, sv = NAN, model, d, dh = NAN, ds = NAN, rmse = 0, fit, liq, mat;
		double conf, mid = market_mid(&oq->q), spread = (oq->q.ask - oq->q.bid) / mid;
		double r, qd, S, mult, days = T * 365;
		int side, used = 0, bt = v->type[i] == HESTON_CALL ? BS_CALL : BS_PUT;
		struct bs_greeks g;
		struct signal s;
		char expbuf[16];

		if (h != NULL && iv_black76(bt, F, K, T, v->price[i], &hv) == QM_OK) {
			dh = mkt / hv - 1;
			rmse = fmax(rmse, isfinite(h->rmse_iv_bp) ? h->rmse_iv_bp : 0);
			used++;
		} else
			hv = NAN;
		if (sl != NULL && sabr_vol(SABR_HAGAN, &sl->p, F, K, T, &sv) == QM_OK && sv > 0) {
			ds = mkt / sv - 1;
			rmse = fmax(rmse, isfinite(sl->rmse_iv_bp) ? sl->rmse_iv_bp : 0);
			used++;
		} else
			sv = NAN;
		if (used == 0)
			continue;
		if (used == 2 && (dh > 0) != (ds > 0))
			continue;       /* the models disagree on the direction */
		model = used == 2 ? 0.5 * (hv + sv) : isfinite(hv) ? hv : sv;
		d = mkt / model - 1;
		if (!(fabs(d) > v->threshold))
			continue;
		side = d > 0 ? SIGNAL_SELL : SIGNAL_BUY;
		/* Held already in this direction, or orders out for it: a
		 * persisting opportunity is not entered twice. */
		if (strat_holdings_blocks(&v->hold, oq->opt.symbol, side))
			continue;
		fit = 1 - strat_clamp(rmse * 1e-4 / fabs(mkt - model), 0, 1);
		liq = (1 - 0.5 * strat_clamp(spread / v->max_spread, 0, 1)) *
		    volarb_volume_score(v, oq->q.volume);
		mat = volarb_maturity_score(v, days);
		conf = 0.4 * fit + 0.4 * liq + 0.2 * mat;
		if ((h != NULL && h->kept_previous) || (sb != NULL && sb->kept_previous))
			conf *= 0.8;
		if (conf < v->min_confidence)
			continue;
		/* the hedge: Black-Scholes delta at the market vol */
		r = isfinite(oq->rate) ? oq->rate : isfinite(c->rate) ? c->rate : 0;
		S = c->spot > 0 && isfinite(c->spot) ? c->spot : F;
		qd = c->spot > 0 && isfinite(c->spot) ? r - log(F / S) / T : r;
		if (bs_greeks(bt, S, K, T, mkt, r, qd, &g) != QM_OK)
			continue;
		mult = oq->opt.multiplier > 0 && isfinite(oq->opt.multiplier) ?
		    oq->opt.multiplier : 100;
		signal_init(&s, "volarb", oq->opt.symbol, c->underlying, side > 0 ? "vol_cheap" :
		    "vol_rich", side, env->now, env->now + v->ttl);
		signal_add_leg(&s, oq->opt.symbol, side);
		signal_add_leg(&s, c->underlying, -side * g.delta * mult);
		s.confidence = conf;
		s.size_hint = strat_clamp(fabs(d) / (4 * v->threshold), 0, 1);
		/* The edge: the vol gap priced by vega, per unit of premium. */
		if (market_mid(&oq->q) > 0)
			s.edge_bp = fabs(mkt - model) * g.vega / market_mid(&oq->q) * 1e4;
		snprintf(expbuf, sizeof expbuf, "%d", oq->opt.expiry);
		if (used == 2)
			signal_rationale(&s, "%s %s %c %g: market vol %.1f%% vs Heston %.1f%% / "
			    "SABR %.1f%% (%+.0f%%), %s: %s", c->underlying, expbuf, (char)oq->opt.right,
			    K, 100 * mkt, 100 * hv, 100 * sv, 100 * d, side < 0 ? "rich" : "cheap",
			    side < 0 ? "sell" : "buy");
		else
			signal_rationale(&s, "%s %s %c %g: market vol %.1f%% vs %s %.1f%% "
			    "(%+.0f%%), %s: %s", c->underlying, expbuf, (char)oq->opt.right, K,
			    100 * mkt, isfinite(hv) ? "Heston" : "SABR", 100 * model, 100 * d,
			    side < 0 ? "rich" : "cheap", side < 0 ? "sell" : "buy");
		strat_json_begin(&v->js);
		strat_json_num(&v->js, "expiry", oq->opt.expiry);
		strat_json_num(&v->js, "strike", K);
		strat_json_str(&v->js, "right", oq->opt.right == OPT_RIGHT_CALL ? "C" : "P");
		strat_json_num(&v->js, "T", T);
		strat_json_num(&v->js, "forward", F);
		strat_json_num(&v->js, "spot", S);
		strat_json_num(&v->js, "market_iv", mkt);
		strat_json_num(&v->js, "heston_iv", hv);
		strat_json_num(&v->js, "sabr_iv", sv);
		strat_json_num(&v->js, "divergence", d);
		strat_json_num(&v->js, "threshold", v->threshold);
		strat_json_num(&v->js, "rmse_iv_bp", rmse);
		strat_json_num(&v->js, "rel_spread", spread);
		strat_json_num(&v->js, "volume", oq->q.volume);
		strat_json_num(&v->js, "fit_score", fit);
		strat_json_num(&v->js, "liquidity_score", liq);
		strat_json_num(&v->js, "maturity_score", mat);
		strat_json_num(&v->js, "delta", g.delta);
		strat_json_num(&v->js, "multiplier", mult);
		if (h != NULL) {
			strat_json_num(&v->js, "v0", hp.v0);
			strat_json_num(&v->js, "kappa", hp.kappa);
			strat_json_num(&v->js, "theta", hp.theta);
			strat_json_num(&v->js, "sigma", hp.sigma);
			strat_json_num(&v->js, "rho", hp.rho);
		}
		if (sl != NULL) {
			strat_json_num(&v->js, "sabr_alpha", sl->p.alpha);
			strat_json_num(&v->js, "sabr_beta", sl->p.beta);
			strat_json_num(&v->js, "sabr_rho", sl->p.rho);
			strat_json_num(&v->js, "sabr_nu", sl->p.nu);
		}
		strat_json_end(&v->js);
		signal_inputs(&s, "%s", v->js.data);
		strat_holdings_note(&v->hold, &s);
		signal_list_push(out, &s);
	}
	return st == QM_OK ? 0 : -1;
}

/* 1 when the engine's universe lists sym (an empty universe lists all). */
static int volarb_in_universe(const struct strategy_env *env, const char *sym)
{
	size_t i;

	if (env->nunderlyings == 0 || env->underlyings == NULL)
		return 1;
	for (i = 0; i < env->nunderlyings; i++)
		if (strcmp(env->underlyings[i], sym) == 0)
			return 1;
	return 0;
}

/* One run over every chain of the snapshot; the first error is reported
 * only when no chain gave a signal (see the header comment). */
static int volarb_run(void *st, const struct strategy_env *env, struct signal_list *out,
    char **cause)
{
	struct volarb *v = st;
	size_t i, nc, before = out->n;
	int rc = 0;

	if (env->snap == NULL)
		return 0;
	nc = mstate_snap_nchains(env->snap);
	for (i = 0; i < nc; i++) {
		const struct option_chain *c = mstate_snap_chain_at(env->snap, i);
		char *why = NULL;

		if (c == NULL || !volarb_in_universe(env, c->underlying))
			continue;
		if (volarb_chain(v, env, c, out, &why) != 0 || why != NULL) {
			if (rc == 0 && why != NULL) {
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

/* What happened to one of its orders: the holdings follow. */
static void volarb_order_update(void *st, const struct order_update *u)
{
	struct volarb *v = st;

	strat_holdings_update(&v->hold, u);
}

/* At an engine start: the options held and working, from the order
 * manager (each option is its own instrument and lead leg, so the
 * restored entries are exactly those its order updates would build). */
static void volarb_restore(void *st, const struct strat_restore *r)
{
	struct volarb *v = st;

	strat_holdings_restore(&v->hold, r);
}

/* What it holds, for `strategy list`. */
static void volarb_holdings(void *st, char *buf, size_t len)
{
	struct volarb *v = st;

	strat_holdings_describe(&v->hold, buf, len);
}

const struct strategy_ops strat_volarb_ops = {
	"volarb",
	"volatility-surface arbitrage: options whose market vol departs from Heston/SABR, "
	"delta hedged",
	(1u << CALIB_HESTON) | (1u << CALIB_SABR),
	volarb_create,
	volarb_destroy,
	volarb_configure,
	volarb_run,
	volarb_describe,
	NULL,           /* on_refused: it assumes nothing of a signal until its orders are sent */
	volarb_order_update,
	volarb_restore,
	volarb_holdings,
};
