/*
 * calib.c -- one calibration of one model to one symbol (calib.h): the
 * warm start, the decision to run the global stage, the judgement of the
 * fit against the calibrate.* thresholds, keeping the previous parameters
 * when the new fit is poor or failed, the alerts, and the parameters as
 * JSON.  The numerics are in models/ (heston-calib, sabr-calib, coint,
 * ou); the capture and encoding of the inputs in calib-input.c.
 *
 * No I/O, no threads, no globals: calib_run() is a pure function of
 * (inputs, previous parameters, configuration) -- no time budget is
 * given to the optimisers, and NLopt's DIRECT-L global stage is
 * deterministic -- so `calibrate replay` reproduces a fit bit for bit.
 * Only wall_time and elapsed_ms read clocks, and they are not parameters.
 *
 * Heston: warm start from the previous parameters by Levenberg-Marquardt
 * alone; the global stage (DIRECT-L screen of cfg->global_evals points) runs
 * when there is no previous fit, when the spot moved more than
 * cfg->move_spot (relative) or the 30-day ATM vol more than cfg->move_vol
 * (absolute) since it, or when the warm fit's RMSE exceeds
 * cfg->global_bp; the better of the warm and the global fit is kept.
 * SABR: the same per expiry, the "global stage" being the fit from the
 * automatic start point of sabr-calib.c instead of the previous slice's
 * parameters.  OU: closed form (Engle-Granger OLS, exact OU MLE), no
 * start point.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib-input.h"
#include "calib.h"
#include "coint.h"
#include "conf.h"
#include "heston-calib.h"
#include "json.h"
#include "qm-status.h"
#include "sabr-calib.h"
#include "util.h"

#define TRADING_DAYS 252.0
#define ATM_TENOR (30.0 / 365.0)        /* the tenor of calib_result.atm_vol */
#define RHO_FLOOR 0.1                   /* shifts of rho are relative to at least this */

static const char *const calib_model_names[CALIB_NMODELS] = { "heston", "sabr", "ou" };

/* The name of a model. */
const char *calib_model_name(enum calib_model m)
{
	return (int)m >= 0 && m < CALIB_NMODELS ? calib_model_names[m] : "unknown";
}

/* Parses a model name; 0 or -1. */
int calib_model_parse(const char *s, enum calib_model *m)
{
	int i;

	for (i = 0; s != NULL && i < CALIB_NMODELS; i++) {
		if (strcmp(s, calib_model_names[i]) == 0) {
			*m = (enum calib_model)i;
			return 0;
		}
	}
	return -1;
}

/* The name of a status: "ok", "poor", "failed". */
const char *calib_status_name(int st)
{
	return st == CALIB_OK ? "ok" : st == CALIB_POOR ? "poor" : st == CALIB_FAILED ?
	    "failed" : "unknown";
}

/* --- configuration ------------------------------------------------------------- */

/* Fills the defaults (equal to the conf-keys.c rows). */
void calib_cfg_default(struct calib_cfg *cfg)
{
	cfg->heston_poor_bp = 150;
	cfg->sabr_poor_bp = 100;
	cfg->global_bp = 60;
	cfg->move_spot = 0.05;
	cfg->move_vol = 0.03;
	cfg->shift_alert = 0.5;
	cfg->sabr_beta = 1;
	cfg->global_evals = 24;
	cfg->ou_min_obs = 60;
	cfg->ou_max_pvalue = 0.10;
	cfg->ou_window = 756;
}

/* Reads the calibrate.* keys (their ranges are checked by the conf table). */
int calib_cfg_from_conf(struct calib_cfg *cfg, struct conf *conf, char **cause)
{
	calib_cfg_default(cfg);
	cfg->heston_poor_bp = conf_get_double(conf, "calibrate.heston_poor_bp");
	cfg->sabr_poor_bp = conf_get_double(conf, "calibrate.sabr_poor_bp");
	cfg->global_bp = conf_get_double(conf, "calibrate.global_bp");
	cfg->move_spot = conf_get_double(conf, "calibrate.move_spot");
	cfg->move_vol = conf_get_double(conf, "calibrate.move_vol");
	cfg->shift_alert = conf_get_double(conf, "calibrate.shift_alert");
	cfg->sabr_beta = conf_get_double(conf, "calibrate.sabr_beta");
	cfg->global_evals = (int)conf_get_int(conf, "calibrate.global_evals");
	cfg->ou_min_obs = (int)conf_get_int(conf, "calibrate.ou_min_obs");
	cfg->ou_max_pvalue = conf_get_double(conf, "calibrate.ou_max_pvalue");
	cfg->ou_window = (int)conf_get_int(conf, "calibrate.ou_window");
	if (cfg->ou_window != 0 && cfg->ou_window < cfg->ou_min_obs) {
		*cause = xasprintf("calibrate.ou_window %d is below calibrate.ou_min_obs %d: no "
		    "pair could ever be fitted", cfg->ou_window, cfg->ou_min_obs);
		return -1;
	}
	return 0;
}

/* --- market measures --------------------------------------------------------------- */

/* The ATM vol of quotes [i, j) of one expiry (sorted by strike): linear in
 * strike at the forward, flat beyond the outer strikes. */
static double calib_slice_atm(const struct calib_input *in, size_t i, size_t j)
{
	double F = in->fwd[i];
	size_t k;

	if (F <= in->K[i])
		return in->iv[i];
	for (k = i + 1; k < j; k++) {
		if (in->K[k] >= F) {
			double t = (F - in->K[k - 1]) / (in->K[k] - in->K[k - 1]);

			return in->iv[k - 1] + t * (in->iv[k] - in->iv[k - 1]);
		}
	}
	return in->iv[j - 1];
}

/* The end of the expiry group starting at quote i. */
static size_t calib_group_end(const struct calib_input *in, size_t i)
{
	size_t j = i + 1;

	while (j < in->n && in->expiry[j] == in->expiry[i])
		j++;
	return j;
}

/* The 30-day ATM vol of a chain: each expiry's ATM vol, total variance
 * interpolated linearly in maturity (flat vol outside the expiries). */
static double calib_atm_vol(const struct calib_input *in)
{
	double T0 = NAN, v0 = NAN;
	size_t i, j;

	for (i = 0; i < in->n; i = j) {
		double T = in->T[i], v;

		j = calib_group_end(in, i);
		v = calib_slice_atm(in, i, j);
		if (T >= ATM_TENOR) {
			double w;

			if (isnan(T0) || T == ATM_TENOR)
				return v;
			w = v0 * v0 * T0 + (v * v * T - v0 * v0 * T0) * (ATM_TENOR - T0) / (T - T0);
			return w > 0 ? sqrt(w / ATM_TENOR) : v;
		}
		T0 = T;
		v0 = v;
	}
	return v0;
}

/* --- judging ------------------------------------------------------------------------ */

/* Relative change of a parameter (against at least floor). */
static double calib_rel(double now, double before, double floor)
{
	return fabs(now - before) / fmax(fabs(before), floor);
}

/* Appends to an alert (separated by "; "). */
static void calib_alert(struct calib_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void calib_alert(struct calib_result *r, const char *fmt, ...)
{
	size_t len = strlen(r->alert);
	va_list ap;

	if (len > 0 && len + 2 < sizeof r->alert) {
		memcpy(r->alert + len, "; ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(r->alert + len, sizeof r->alert - len, fmt, ap);
	va_end(ap);
}

/* Tracks the largest shift: name, before, after, relative. */
struct calib_shift {
	const char *name;
	int expiry;
	double before, after, rel;
};

/* Records a shift when it is the largest so far. */
static void calib_shift_see(struct calib_shift *s, const char *name, int expiry, double before,
    double after, double floor)
{
	double rel = calib_rel(after, before, floor);

	if (isfinite(rel) && rel > s->rel) {
		s->name = name;
		s->expiry = expiry;
		s->before = before;
		s->after = after;
		s->rel = rel;
	}
}

/* 1 when r holds usable parameters of its model. */
static int calib_has_params(const struct calib_result *r)
{
	switch (r->model) {
	case CALIB_HESTON:
		return heston_params_check(&r->heston) == QM_OK;
	case CALIB_SABR:
		return r->nslices > 0 && r->nslices <= CALIB_MAX_SLICES;
	case CALIB_OU:
		return r->ou.p.mu > 0 && r->ou.p.sigma > 0 && isfinite(r->ou.p.theta) &&
		    isfinite(r->ou.hedge_ratio);
	default:
		return 0;
	}
}

/* The previous slice of an expiry, or NULL. */
static const struct calib_sabr_slice *calib_prev_slice(const struct calib_result *prev,
    int expiry)
{
	size_t i;

	for (i = 0; prev != NULL && i < prev->nslices && i < CALIB_MAX_SLICES; i++) {
		if (prev->sabr[i].expiry == expiry && prev->sabr[i].p.alpha > 0 &&
		    isfinite(prev->sabr[i].p.nu) && isfinite(prev->sabr[i].p.rho))
			return &prev->sabr[i];
	}
	return NULL;
}

/* Records a shift measured in units of scale (not relative). */
static void calib_shift_scaled(struct calib_shift *s, const char *name, double before,
    double after, double scale)
{
	double rel = fabs(after - before) / scale;

	if (isfinite(rel) && rel > s->rel) {
		s->name = name;
		s->expiry = 0;
		s->before = before;
		s->after = after;
		s->rel = rel;
	}
}

/* Raises an alert when a parameter moved more than cfg->shift_alert. */
static void calib_check_shift(const struct calib_result *prev, const struct calib_cfg *cfg,
    struct calib_result *r)
{
	struct calib_shift s = { NULL, 0, 0, 0, 0 };
	size_t i;

	switch (r->model) {
	case CALIB_HESTON:
		calib_shift_see(&s, "kappa", 0, prev->heston.kappa, r->heston.kappa, 0);
		calib_shift_see(&s, "theta", 0, prev->heston.theta, r->heston.theta, 0);
		calib_shift_see(&s, "sigma", 0, prev->heston.sigma, r->heston.sigma, 0);
		calib_shift_see(&s, "rho", 0, prev->heston.rho, r->heston.rho, RHO_FLOOR);
		calib_shift_see(&s, "v0", 0, prev->heston.v0, r->heston.v0, 0);
		break;
	case CALIB_SABR:
		for (i = 0; i < r->nslices; i++) {
			const struct calib_sabr_slice *p = calib_prev_slice(prev, r->sabr[i].expiry);

			if (p == NULL)
				continue;
			calib_shift_see(&s, "alpha", p->expiry, p->p.alpha, r->sabr[i].p.alpha, 0);
			calib_shift_see(&s, "rho", p->expiry, p->p.rho, r->sabr[i].p.rho, RHO_FLOOR);
			calib_shift_see(&s, "nu", p->expiry, p->p.nu, r->sabr[i].p.nu, 0);
		}
		break;
	case CALIB_OU:
		calib_shift_see(&s, "mu", 0, prev->ou.p.mu, r->ou.p.mu, 0);
		calib_shift_see(&s, "sigma", 0, prev->ou.p.sigma, r->ou.p.sigma, 0);
		calib_shift_see(&s, "hedge_ratio", 0, prev->ou.hedge_ratio, r->ou.hedge_ratio, 0);
		/* theta in stationary standard deviations of the spread */
		calib_shift_scaled(&s, "theta", prev->ou.p.theta, r->ou.p.theta,
		    prev->ou.p.sigma / sqrt(2 * prev->ou.p.mu));
		break;
	default:
		break;
	}
	if (s.name == NULL || !(s.rel > cfg->shift_alert))
		return;
	if (s.expiry != 0)
		calib_alert(r, "%s: %s %s of expiry %d shifted %.4g -> %.4g (%.0f%%) since the "
		    "previous fit (alert above %.0f%%)", r->symbol, calib_model_name(r->model),
		    s.name, s.expiry, s.before, s.after, 100 * s.rel, 100 * cfg->shift_alert);
	else
		calib_alert(r, "%s: %s %s shifted %.4g -> %.4g (%.0f%%) since the previous fit "
		    "(alert above %.0f%%)", r->symbol, calib_model_name(r->model), s.name,
		    s.before, s.after, 100 * s.rel, 100 * cfg->shift_alert);
}

/* Copies the parameters (and the market they were fitted to) of src. */
static void calib_copy_params(struct calib_result *dst, const struct calib_result *src)
{
	dst->heston = src->heston;
	dst->nslices = src->nslices;
	memcpy(dst->sabr, src->sabr, sizeof dst->sabr);
	dst->ou = src->ou;
	dst->spot = src->spot;
	dst->atm_vol = src->atm_vol;
}

/* Sets every parameter to "none". */
static void calib_clear_params(struct calib_result *r)
{
	r->heston.kappa = r->heston.theta = r->heston.sigma = r->heston.rho = r->heston.v0 = NAN;
	r->nslices = 0;
	memset(r->sabr, 0, sizeof r->sabr);
	r->ou.p.theta = r->ou.p.mu = r->ou.p.sigma = NAN;
	r->ou.se_mu = r->ou.hedge_ratio = r->ou.coint_stat = r->ou.coint_pvalue = NAN;
	r->ou.half_life_days = r->ou.last_spread = NAN;
	r->ou.n = 0;
	r->spot = r->atm_vol = NAN;
}

/* --- the fits ------------------------------------------------------------------------ */

/* 1 when a model status left a usable best point. */
static int calib_qm_ok(int st)
{
	return st == QM_OK || st == QM_EMAXITER;
}

/* Fits Heston; returns the calib status with why set for a bad one, or -1
 * when out of memory. */
static int calib_fit_heston(const struct calib_input *in, const struct calib_result *prev,
    const struct calib_cfg *cfg, struct calib_result *r, char *why, size_t len)
{
	heston_calib_workspace *w;
	heston_calib_opts o;
	heston_calib_result r1, r2, *best = NULL;
	heston_chain hc;
	int st1 = -1, st2 = -1, moved;

	memset(&r1, 0, sizeof r1);
	memset(&r2, 0, sizeof r2);
	r->spot = in->spot;
	r->atm_vol = calib_atm_vol(in);
	r->nquotes = in->n;
	if (in->n < CALIB_HESTON_MIN_QUOTES) {
		snprintf(why, len, "only %zu usable quotes (a Heston fit needs %d)", in->n,
		    CALIB_HESTON_MIN_QUOTES);
		return CALIB_FAILED;
	}
	if ((w = heston_calib_alloc(in->n)) == NULL)
		return -1;
	hc.n = in->n;
	hc.S = in->spot;
	hc.T = in->T;
	hc.K = in->K;
	hc.r = in->r;
	hc.q = in->q;
	hc.type = in->type;
	hc.price = NULL;
	hc.iv = in->iv;
	hc.spread = in->spread;
	heston_calib_defaults(&o);
	o.target = HESTON_FIT_IV;
	o.weighting = HESTON_W_UNIFORM;
	o.budget_ms = 0;                /* a budget would make the fit irreproducible */
	moved = prev == NULL || !(fabs(r->spot / prev->spot - 1) <= cfg->move_spot) ||
	    !(fabs(r->atm_vol - prev->atm_vol) <= cfg->move_vol);
	if (prev != NULL) {
		o.warm = &prev->heston;
		r->warm = 1;
	}
	if (prev != NULL && !moved) {
		o.global_evals = 0;
		st1 = heston_calibrate(&hc, &o, w, &r1);
		r->iterations += r1.iterations;
		r->evaluations += r1.evaluations;
		if (calib_qm_ok(st1))
			best = &r1;
	}
	if (best == NULL || !(r1.rmse_iv_bp <= cfg->global_bp)) {
		o.global_evals = cfg->global_evals;
		o.warm_tol_bp = 0;      /* the decision is ours: always run the global stage */
		st2 = heston_calibrate(&hc, &o, w, &r2);
		r->iterations += r2.iterations;
		r->evaluations += r2.evaluations;
		r->global_stage = r2.global_used;
		if (calib_qm_ok(st2) && (best == NULL || r2.rmse_iv_bp < best->rmse_iv_bp))
			best = &r2;
	}
	heston_calib_free(w);
	if (best == NULL || !isfinite(best->rmse_iv_bp)) {
		int st = st2 != -1 ? st2 : st1;

		snprintf(why, len, "the Heston fit failed: %s", st == QM_EBOUNDS ?
		    "a quote lies outside the no-arbitrage bounds" : qm_strerror(st));
		return CALIB_FAILED;
	}
	r->heston = best->params;
	r->rmse_iv_bp = best->rmse_iv_bp;
	r->max_err_iv_bp = best->max_iv_err_bp;
	if (!(best->rmse_iv_bp <= cfg->heston_poor_bp)) {
		snprintf(why, len, "the Heston fit is poor: RMSE %.1f bp above %.1f bp "
		    "(calibrate.heston_poor_bp)", best->rmse_iv_bp, cfg->heston_poor_bp);
		return CALIB_POOR;
	}
	return CALIB_OK;
}

/* Fits one SABR expiry (quotes [i, j)) into sl; the qm status. */
static int calib_fit_slice(const struct calib_input *in, size_t i, size_t j,
    const struct calib_result *prev, const struct calib_cfg *cfg, sabr_calib_workspace *w,
    struct calib_sabr_slice *sl, struct calib_result *r)
{
	const struct calib_sabr_slice *ps = calib_prev_slice(prev, in->expiry[i]);
	sabr_calib_opts o;
	sabr_calib_result r1, r2, *best = NULL;
	sabr_slice s;
	int st1 = -1, st2 = -1;
	size_t k;

	memset(&r1, 0, sizeof r1);
	memset(&r2, 0, sizeof r2);
	memset(sl, 0, sizeof *sl);
	sl->expiry = in->expiry[i];
	sl->T = in->T[i];
	sl->forward = in->fwd[i];
	sl->atm_vol = calib_slice_atm(in, i, j);
	sl->n = j - i;
	s.T = sl->T;
	s.F = sl->forward;
	s.n = j - i;
	s.K = in->K + i;
	s.vol = in->iv + i;
	s.w = in->weight + i;
	s.atm_vol = 0;
	sabr_calib_opts_init(&o, cfg->sabr_beta);
	if (ps != NULL && fabs(sl->forward / ps->forward - 1) <= cfg->move_spot &&
	    fabs(sl->atm_vol - ps->atm_vol) <= cfg->move_vol) {
		o.guess = &ps->p;
		r->warm = 1;
		st1 = sabr_calib_smile(w, &s, &o, &r1);
		r->iterations += r1.iter;
		if (calib_qm_ok(st1))
			best = &r1;
	}
	if (best == NULL || !(r1.rmse_bp <= cfg->global_bp)) {
		o.guess = NULL;
		r->global_stage = 1;
		st2 = sabr_calib_smile(w, &s, &o, &r2);
		r->iterations += r2.iter;
		if (calib_qm_ok(st2) && (best == NULL || r2.rmse_bp < best->rmse_bp))
			best = &r2;
	}
	if (best == NULL)
		return st2 != -1 ? st2 : st1;
	sl->p = best->p;
	sl->p.beta = cfg->sabr_beta;
	sl->rmse_iv_bp = best->rmse_bp;
	sl->max_err_iv_bp = 0;
	for (k = i; k < j; k++) {
		double v;

		if (sabr_vol(SABR_HAGAN, &sl->p, sl->forward, in->K[k], sl->T, &v) != QM_OK) {
			sl->max_err_iv_bp = NAN;
			break;
		}
		sl->max_err_iv_bp = fmax(sl->max_err_iv_bp, 1e4 * fabs(v - in->iv[k]));
	}
	return QM_OK;
}

/* Fits SABR to every expiry with enough quotes. */
static int calib_fit_sabr(const struct calib_input *in, const struct calib_result *prev,
    const struct calib_cfg *cfg, struct calib_result *r, char *why, size_t len)
{
	sabr_calib_workspace *w;
	size_t i, j;
	int st;

	r->spot = in->spot;
	r->atm_vol = calib_atm_vol(in);
	r->rmse_iv_bp = r->max_err_iv_bp = 0;
	if ((w = sabr_calib_workspace_alloc(in->n)) == NULL)
		return -1;
	for (i = 0; i < in->n && r->nslices < CALIB_MAX_SLICES; i = j) {
		struct calib_sabr_slice *sl = &r->sabr[r->nslices];

		j = calib_group_end(in, i);
		if (j - i < CALIB_SABR_MIN_QUOTES)
			continue;
		if ((st = calib_fit_slice(in, i, j, prev, cfg, w, sl, r)) != QM_OK) {
			snprintf(why, len, "the SABR fit of expiry %d failed: %s", in->expiry[i],
			    qm_strerror(st));
			sabr_calib_workspace_free(w);
			r->nslices = 0;
			return CALIB_FAILED;
		}
		r->nquotes += sl->n;
		r->rmse_iv_bp = fmax(r->rmse_iv_bp, sl->rmse_iv_bp);
		r->max_err_iv_bp = fmax(r->max_err_iv_bp, sl->max_err_iv_bp);
		r->nslices++;
	}
	sabr_calib_workspace_free(w);
	r->evaluations = r->iterations;
	if (r->nslices == 0) {
		snprintf(why, len, "no expiry has %d usable quotes (of %zu)", CALIB_SABR_MIN_QUOTES,
		    in->n);
		r->rmse_iv_bp = r->max_err_iv_bp = NAN;
		return CALIB_FAILED;
	}
	for (i = 0; i < r->nslices; i++) {
		if (!(r->sabr[i].rmse_iv_bp <= cfg->sabr_poor_bp)) {
			snprintf(why, len, "the SABR fit of expiry %d is poor: RMSE %.1f bp above "
			    "%.1f bp (calibrate.sabr_poor_bp)", r->sabr[i].expiry,
			    r->sabr[i].rmse_iv_bp, cfg->sabr_poor_bp);
			return CALIB_POOR;
		}
	}
	return CALIB_OK;
}

/* Fits a pair: Engle-Granger hedge ratio and test, then OU on the spread. */
static int calib_fit_ou(const struct calib_input *in, const struct calib_cfg *cfg,
    struct calib_result *r, char *why, size_t len)
{
	coint_workspace *w;
	coint_opts o;
	coint_result cr;
	struct ou_fit f;
	double *x;
	size_t i, n = in->nobs;
	int st;

	r->nquotes = n;
	r->rmse_iv_bp = r->max_err_iv_bp = NAN;
	r->evaluations = 1;
	if (n < (size_t)cfg->ou_min_obs) {
		snprintf(why, len, "only %zu daily closes of both legs (calibrate.ou_min_obs "
		    "is %d)", n, cfg->ou_min_obs);
		return CALIB_FAILED;
	}
	for (i = 0; i < n; i++) {
		if (!(in->close1[i] > 0) || !(in->close2[i] > 0) || !isfinite(in->close1[i]) ||
		    !isfinite(in->close2[i])) {
			snprintf(why, len, "bar %zu has a close that is not a positive number", i);
			return CALIB_FAILED;
		}
	}
	o.trend = ADF_TREND_C;
	o.lagsel = ADF_LAG_AIC;
	o.maxlag = ADF_MAXLAG_DEFAULT;
	if ((w = coint_workspace_alloc(n, 1, ADF_MAXLAG_DEFAULT)) == NULL)
		return -1;
	st = coint_eg(in->close1, in->close2, n, 1, &o, w, &cr, NULL);
	coint_workspace_free(w);
	if (st != QM_OK) {
		snprintf(why, len, "the Engle-Granger regression failed: %s", qm_strerror(st));
		return CALIB_FAILED;
	}
	x = xcalloc(n, sizeof *x);
	for (i = 0; i < n; i++)
		x[i] = in->close1[i] - cr.beta[0] * in->close2[i];
	st = ou_mle(x, n, 1.0 / TRADING_DAYS, &f);
	r->ou.last_spread = x[n - 1];
	free(x);
	if (st != QM_OK) {
		snprintf(why, len, "the OU fit of the spread failed: %s", qm_strerror(st));
		return CALIB_FAILED;
	}
	r->ou.p = f.p;
	r->ou.se_mu = f.se_mu;
	r->ou.hedge_ratio = cr.beta[0];
	r->ou.coint_stat = cr.stat;
	r->ou.coint_pvalue = cr.pvalue;
	r->ou.half_life_days = log(2.0) / f.p.mu * TRADING_DAYS;
	r->ou.n = n;
	if (!(cr.pvalue <= cfg->ou_max_pvalue)) {
		snprintf(why, len, "not cointegrated: Engle-Granger p-value %.3g above %.3g "
		    "(calibrate.ou_max_pvalue)", cr.pvalue, cfg->ou_max_pvalue);
		return CALIB_POOR;
	}
	return CALIB_OK;
}

/* Runs one calibration. */
int calib_run(const struct calib_input *in, const struct calib_result *prev,
    const struct calib_cfg *cfg, struct calib_result *out, char **cause)
{
	struct calib_result fit;
	double t0 = now_monotonic();
	char why[CALIB_ALERT_MAX] = "";
	int st;

	memset(&fit, 0, sizeof fit);
	fit.model = in->model;
	snprintf(fit.symbol, sizeof fit.symbol, "%s", in->symbol);
	fit.data_time = in->time;
	fit.wall_time = now_wall();
	calib_input_fingerprint(in, fit.fingerprint);
	calib_clear_params(&fit);
	fit.rmse_iv_bp = fit.max_err_iv_bp = NAN;
	/* The previous result counts only with usable parameters of the same
	 * model and symbol. */
	if (prev != NULL && (prev->model != in->model || strcmp(prev->symbol, in->symbol) != 0 ||
	    !calib_has_params(prev)))
		prev = NULL;
	switch (in->model) {
	case CALIB_HESTON:
		st = calib_fit_heston(in, prev, cfg, &fit, why, sizeof why);
		break;
	case CALIB_SABR:
		st = calib_fit_sabr(in, prev, cfg, &fit, why, sizeof why);
		break;
	case CALIB_OU:
		st = calib_fit_ou(in, cfg, &fit, why, sizeof why);
		break;
	default:
		*cause = xasprintf("%s: unknown model %d", in->symbol, (int)in->model);
		return -1;
	}
	if (st < 0) {
		*cause = xasprintf("%s: %s: out of memory for the fit", in->symbol,
		    calib_model_name(in->model));
		return -1;
	}
	fit.status = st;
	if (st == CALIB_OK) {
		if (prev != NULL)
			calib_check_shift(prev, cfg, &fit);
	} else if (prev != NULL) {
		calib_copy_params(&fit, prev);
		fit.kept_previous = 1;
		calib_alert(&fit, "%s: %s: %s; previous parameters kept", fit.symbol,
		    calib_model_name(fit.model), why);
	} else {
		calib_clear_params(&fit);
		calib_alert(&fit, "%s: %s: %s; no parameters in force", fit.symbol,
		    calib_model_name(fit.model), why);
	}
	fit.elapsed_ms = (now_monotonic() - t0) * 1e3;
	*out = fit;
	return 0;
}

/* --- parameters as JSON ---------------------------------------------------------------- */

/* Appends "key":v with a leading comma unless first. */
static void calib_num(struct buf *b, const char *key, double v, int first)
{
	buf_printf(b, "%s\"%s\":", first ? "" : ",", key);
	buf_add_double(b, v, 1);
}

/* The parameters in force as a JSON object. */
char *calib_params_json(const struct calib_result *r)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	buf_addc(&b, '{');
	switch (r->model) {
	case CALIB_HESTON:
		calib_num(&b, "kappa", r->heston.kappa, 1);
		calib_num(&b, "theta", r->heston.theta, 0);
		calib_num(&b, "sigma", r->heston.sigma, 0);
		calib_num(&b, "rho", r->heston.rho, 0);
		calib_num(&b, "v0", r->heston.v0, 0);
		calib_num(&b, "spot", r->spot, 0);
		calib_num(&b, "atm_vol", r->atm_vol, 0);
		break;
	case CALIB_SABR:
		calib_num(&b, "spot", r->spot, 1);
		calib_num(&b, "atm_vol", r->atm_vol, 0);
		buf_adds(&b, ",\"slices\":[");
		for (i = 0; i < r->nslices && i < CALIB_MAX_SLICES; i++) {
			const struct calib_sabr_slice *s = &r->sabr[i];

			buf_printf(&b, "%s{\"expiry\":%d", i > 0 ? "," : "", s->expiry);
			calib_num(&b, "T", s->T, 0);
			calib_num(&b, "forward", s->forward, 0);
			calib_num(&b, "atm_vol", s->atm_vol, 0);
			calib_num(&b, "alpha", s->p.alpha, 0);
			calib_num(&b, "beta", s->p.beta, 0);
			calib_num(&b, "rho", s->p.rho, 0);
			calib_num(&b, "nu", s->p.nu, 0);
			calib_num(&b, "rmse_iv_bp", s->rmse_iv_bp, 0);
			calib_num(&b, "max_err_iv_bp", s->max_err_iv_bp, 0);
			buf_printf(&b, ",\"n\":%zu}", s->n);
		}
		buf_addc(&b, ']');
		break;
	case CALIB_OU:
		calib_num(&b, "theta", r->ou.p.theta, 1);
		calib_num(&b, "mu", r->ou.p.mu, 0);
		calib_num(&b, "sigma", r->ou.p.sigma, 0);
		calib_num(&b, "se_mu", r->ou.se_mu, 0);
		calib_num(&b, "hedge_ratio", r->ou.hedge_ratio, 0);
		calib_num(&b, "coint_stat", r->ou.coint_stat, 0);
		calib_num(&b, "coint_pvalue", r->ou.coint_pvalue, 0);
		calib_num(&b, "half_life_days", r->ou.half_life_days, 0);
		calib_num(&b, "last_spread", r->ou.last_spread, 0);
		buf_printf(&b, ",\"n\":%zu", r->ou.n);
		break;
	default:
		break;
	}
	buf_addc(&b, '}');
	return b.data;
}

/* The fit quality (of the new fit) as a JSON object. */
char *calib_fit_json(const struct calib_result *r)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "{\"status\":");
	buf_add_json_string(&b, calib_status_name(r->status));
	buf_printf(&b, ",\"kept_previous\":%s,\"warm\":%s,\"global_stage\":%s",
	    r->kept_previous ? "true" : "false", r->warm ? "true" : "false",
	    r->global_stage ? "true" : "false");
	calib_num(&b, "rmse_iv_bp", r->rmse_iv_bp, 0);
	calib_num(&b, "max_err_iv_bp", r->max_err_iv_bp, 0);
	buf_printf(&b, ",\"nquotes\":%zu,\"iterations\":%d,\"evaluations\":%d", r->nquotes,
	    r->iterations, r->evaluations);
	buf_adds(&b, ",\"alert\":");
	buf_add_json_string(&b, r->alert);
	buf_addc(&b, '}');
	return b.data;
}

/* Reads a number member (null: NaN); -1 with cause when missing or not a
 * number. */
static int calib_get(const struct json *o, const char *key, double *v, char **cause)
{
	const struct json *m = json_get(o, key);

	if (m != NULL && m->type == JSON_NUMBER) {
		*v = m->u.number;
		return 0;
	}
	if (m != NULL && m->type == JSON_NULL) {
		*v = NAN;
		return 0;
	}
	*cause = xasprintf("calibration parameters: '%s' %s", key, m == NULL ? "is missing" :
	    "is not a number");
	return -1;
}

/* Reads a count member. */
static int calib_get_count(const struct json *o, const char *key, size_t max, size_t *v,
    char **cause)
{
	double d;

	if (calib_get(o, key, &d, cause) != 0)
		return -1;
	if (!(d >= 0 && d <= (double)max) || d != floor(d)) {
		*cause = xasprintf("calibration parameters: '%s' is not a count", key);
		return -1;
	}
	*v = (size_t)d;
	return 0;
}

/* Reads the SABR slices. */
static int calib_get_slices(const struct json *root, struct calib_result *r, char **cause)
{
	const struct json *a = json_get(root, "slices");
	size_t i;

	if (a == NULL || a->type != JSON_ARRAY || a->u.array.n > CALIB_MAX_SLICES) {
		*cause = xasprintf("calibration parameters: 'slices' is not an array of at most "
		    "%d slices", CALIB_MAX_SLICES);
		return -1;
	}
	r->nslices = a->u.array.n;
	memset(r->sabr, 0, sizeof r->sabr);
	for (i = 0; i < r->nslices; i++) {
		const struct json *o = json_at(a, i);
		struct calib_sabr_slice *s = &r->sabr[i];
		double e;

		if (o->type != JSON_OBJECT) {
			*cause = xasprintf("calibration parameters: slices[%zu] is not an object", i);
			return -1;
		}
		if (calib_get(o, "expiry", &e, cause) != 0 || calib_get(o, "T", &s->T, cause) != 0 ||
		    calib_get(o, "forward", &s->forward, cause) != 0 ||
		    calib_get(o, "atm_vol", &s->atm_vol, cause) != 0 ||
		    calib_get(o, "alpha", &s->p.alpha, cause) != 0 ||
		    calib_get(o, "beta", &s->p.beta, cause) != 0 ||
		    calib_get(o, "rho", &s->p.rho, cause) != 0 ||
		    calib_get(o, "nu", &s->p.nu, cause) != 0 ||
		    calib_get(o, "rmse_iv_bp", &s->rmse_iv_bp, cause) != 0 ||
		    calib_get(o, "max_err_iv_bp", &s->max_err_iv_bp, cause) != 0 ||
		    calib_get_count(o, "n", (size_t)1 << 40, &s->n, cause) != 0)
			return -1;
		if (!(e >= 19000101 && e <= 21991231) || e != floor(e)) {
			*cause = xasprintf("calibration parameters: slices[%zu]: expiry is not a "
			    "YYYYMMDD date", i);
			return -1;
		}
		s->expiry = (int)e;
	}
	return 0;
}

/* Reads the parameters of a model back from calib_params_json's text. */
int calib_params_decode(const char *text, enum calib_model model, struct calib_result *r,
    char **cause)
{
	struct json_doc *d;
	const struct json *o;
	int rc = -1;

	if (text == NULL) {
		*cause = xstrdup("calibration parameters: missing");
		return -1;
	}
	if ((d = json_parse(text, strlen(text), cause)) == NULL) {
		char *msg = *cause;

		*cause = xasprintf("calibration parameters: %s", msg);
		free(msg);
		return -1;
	}
	o = json_root(d);
	calib_clear_params(r);
	r->model = model;
	if (o->type != JSON_OBJECT) {
		*cause = xstrdup("calibration parameters: not a JSON object");
		goto out;
	}
	switch (model) {
	case CALIB_HESTON:
		if (calib_get(o, "kappa", &r->heston.kappa, cause) != 0 ||
		    calib_get(o, "theta", &r->heston.theta, cause) != 0 ||
		    calib_get(o, "sigma", &r->heston.sigma, cause) != 0 ||
		    calib_get(o, "rho", &r->heston.rho, cause) != 0 ||
		    calib_get(o, "v0", &r->heston.v0, cause) != 0 ||
		    calib_get(o, "spot", &r->spot, cause) != 0 ||
		    calib_get(o, "atm_vol", &r->atm_vol, cause) != 0)
			goto out;
		break;
	case CALIB_SABR:
		if (calib_get(o, "spot", &r->spot, cause) != 0 ||
		    calib_get(o, "atm_vol", &r->atm_vol, cause) != 0 ||
		    calib_get_slices(o, r, cause) != 0)
			goto out;
		break;
	case CALIB_OU:
		if (calib_get(o, "theta", &r->ou.p.theta, cause) != 0 ||
		    calib_get(o, "mu", &r->ou.p.mu, cause) != 0 ||
		    calib_get(o, "sigma", &r->ou.p.sigma, cause) != 0 ||
		    calib_get(o, "se_mu", &r->ou.se_mu, cause) != 0 ||
		    calib_get(o, "hedge_ratio", &r->ou.hedge_ratio, cause) != 0 ||
		    calib_get(o, "coint_stat", &r->ou.coint_stat, cause) != 0 ||
		    calib_get(o, "coint_pvalue", &r->ou.coint_pvalue, cause) != 0 ||
		    calib_get(o, "half_life_days", &r->ou.half_life_days, cause) != 0 ||
		    calib_get(o, "last_spread", &r->ou.last_spread, cause) != 0 ||
		    calib_get_count(o, "n", (size_t)1 << 40, &r->ou.n, cause) != 0)
			goto out;
		break;
	default:
		*cause = xasprintf("calibration parameters: unknown model %d", (int)model);
		goto out;
	}
	rc = 0;
out:
	json_free(d);
	return rc;
}

/* --- the parameter book ------------------------------------------------------------------- */

/* Prepares an empty book. */
void calib_book_init(struct calib_book *b)
{
	memset(b, 0, sizeof *b);
}

/* Frees a book's entries. */
void calib_book_free(struct calib_book *b)
{
	free(b->v);
	memset(b, 0, sizeof *b);
}

/* Finds the entry of a model and symbol. */
const struct calib_result *calib_book_find(const struct calib_book *b, enum calib_model m,
    const char *symbol)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		if (b->v[i].model == m && strcmp(b->v[i].symbol, symbol) == 0)
			return &b->v[i];
	}
	return NULL;
}

/* Replaces (or adds) the entry of r's model and symbol. */
void calib_book_put(struct calib_book *b, const struct calib_result *r)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		if (b->v[i].model == r->model && strcmp(b->v[i].symbol, r->symbol) == 0) {
			b->v[i] = *r;
			return;
		}
	}
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 16;
		b->v = xrealloc(b->v, b->cap * sizeof *b->v);
	}
	b->v[b->n++] = *r;
}
