/*
 * heston-calib.c -- Heston calibration: NLopt global stage, then bounded
 * Levenberg-Marquardt with the analytic gradient.
 *
 * Why it exists: see heston-calib.h.  The pricing and the gradient come
 * from heston.c; this file turns them into residuals, searches, and
 * reports the quality of the fit.
 *
 * Method.
 *  1. Market data: forwards, discount factors, market implied vols (Newton
 *     with bisection safeguard on the Black formula) and Black vegas.
 *  2. Global stage (optional), a multi-start on a sub-chain of at most 4
 *     maturities x 6 strikes (wings included), fitted on its vega-scaled
 *     price errors (first-order implied-vol errors, no inversion needed):
 *     a. screen: the start point, a term-structure start (v0 from the
 *        shortest maturity's ATM vol, theta from the longest's) and
 *        global_evals points of NLopt GN_DIRECT_L (Gablonsky & Kelley
 *        2001) over the box in the coordinates (sqrt v0, ln kappa,
 *        sqrt theta, ln sigma, rho), each priced with the quadrature
 *        loosened to 1e-4 and capped at 128 nodes; the GLOBAL_STARTS best
 *        distinct points are kept;
 *     b. a Levenberg-Marquardt run on the sub-chain (quadrature SUB_TOL,
 *        at most SUB_ITER iterations, loose stopping tolerances) from the
 *        best kept point, and from the next one when it lies SUB_APART
 *        away from it (in another basin, possibly);
 *     the best sub-chain optimum starts the local stage.  Sub-chain
 *     evaluations cost a fraction of a full-chain one, so the stage costs
 *     about as much as a few local iterations, and the full chain is then
 *     fitted from near its optimum.  It is skipped when a warm start
 *     already fits within warm_tol_bp.  (It was 200 DIRECT-L evaluations and
 *     a local run from the best: 3-5x slower, and DIRECT's best point was
 *     often a worse start than this one.)
 *  3. Local stage: Levenberg-Marquardt (Marquardt 1963, damping update of
 *     Madsen, Nielsen & Tingleff 2004, sec. 3.2) on the weighted residuals
 *     with the Jacobian d price/d(v0, kappa, theta, sigma, rho) integrated
 *     from the analytic derivative of the characteristic function (Cui,
 *     del Bano Rollin & Germano 2017, "Full and fast calibration of the
 *     Heston stochastic volatility model", EJOR 263, sec. 3); for implied-
 *     vol fitting each row is divided by the Black vega at the model vol.
 *     Steps are projected on the box.  It iterates at quadrature 1e-6
 *     (COARSE_TOL: a third of the nodes) until its steps are small, then
 *     finishes at 1e-11.
 * Accuracy reached (tests/check_heston_calib.c): noise-free synthetic
 * prices are recovered to ~1e-11 relative in every parameter (goal 1e-8);
 * on Sepp's DAX surface (weeks-rounded maturities) the sum of squared vol
 * errors is 177.2333 vol points^2 against QuantLib 1.29's 177.2347.
 */
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L	/* clock_gettime, CLOCK_MONOTONIC */
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nlopt.h>

#include "heston-calib.h"
#include "heston-bs.h"
#include "qm-status.h"

#define NP HESTON_NPARAMS

/* Quadrature accuracy of the local stage (relative to the forward): far
 * below any market error, and ~1e-9 relative in recovered parameters. */
#define LOCAL_TOL 1e-11

/* The global stage prices a sub-chain: up to GLOBAL_MAT maturities
 * (shortest, longest, evenly between) times GLOBAL_STR strikes each
 * (evenly spaced in strike order, wings included). */
#define GLOBAL_MAT 4
#define GLOBAL_STR 6
#define GLOBAL_SUB (GLOBAL_MAT * GLOBAL_STR)

/* Node cap of the global stage: parameter corners needing more nodes
 * (extreme vol-of-vol) are rejected as infeasible there, which keeps each
 * evaluation cheap; the local stage has no such cap. */
#define GLOBAL_NODES 128

/* Points of the screen that start a sub-chain Levenberg-Marquardt run. */
#define GLOBAL_STARTS 2

/* Quadrature accuracy, iteration cap and stopping tolerances of the
 * sub-chain runs: enough to land in the basin of the full chain's
 * optimum, not to finish there. */
#define SUB_TOL 1e-6
#define SUB_ITER 30
#define SUB_XTOL 1e-5
#define SUB_FTOL 1e-4

/* A second screened point starts its own sub-chain run only when it is
 * farther than this from the first in some global coordinate, relative
 * to the box's width there (a nearer one lies in the same basin). */
#define SUB_APART 0.15

/* The local stage iterates at this quadrature accuracy first (a third
 * to half the nodes of LOCAL_TOL) until its steps fall below COARSE_XTOL
 * or its decrease below COARSE_FTOL, then finishes at LOCAL_TOL. */
#define COARSE_TOL 1e-6
#define COARSE_XTOL 1e-6
#define COARSE_FTOL 1e-6

struct heston_calib_workspace {
	size_t cap;
	heston_workspace *hw;	/* pricing of the local stage and statistics */
	heston_workspace *hwg;	/* global stage: few nodes, loose accuracy */
	double *F, *DF;		/* forwards, discount factors */
	double *pmkt, *ivmkt;	/* market prices and implied vols */
	double *vmkt;		/* discounted Black vegas at the market vols */
	double *wt;		/* residual weights */
	double *pm, *grad;	/* model prices and gradients */
	double *res, *jac;	/* residuals and Jacobian, current point */
	double *res2, *jac2;	/* the same at a trial point */
	double *ivm;		/* model implied vols (Newton seeds) */
	size_t *order;		/* scratch: quote indices */
	size_t nsub, sub[GLOBAL_SUB];	/* the global stage's sub-chain */
	double sT[GLOBAL_SUB], sK[GLOBAL_SUB], sr[GLOBAL_SUB], sq[GLOBAL_SUB];
	double spm[GLOBAL_SUB];
	int stype[GLOBAL_SUB];
	int ncand;		/* screened points kept, best first */
	double cand[GLOBAL_STARTS][NP], fcand[GLOBAL_STARTS];
};

/* Everything one calibration run passes around. */
struct run {
	const heston_chain *c;
	const heston_calib_opts *o;
	heston_calib_workspace *w;
	size_t m;		/* residual rows (quotes, + 1 with Feller) */
	int sub;		/* 1: residuals of the global stage's sub-chain */
	struct timespec t0;
	int evals;
	int timed_out;
};

/* Returns milliseconds elapsed since the run started. */
static double elapsed_ms(const struct run *R)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - R->t0.tv_sec) * 1e3 +
	       (t.tv_nsec - R->t0.tv_nsec) * 1e-6;
}

/* Returns 1 when the time budget is spent (and remembers it). */
static int over_budget(struct run *R)
{
	if (R->o->budget_ms > 0 && elapsed_ms(R) > R->o->budget_ms)
		R->timed_out = 1;
	return R->timed_out;
}

/* Copies a parameter vector into the struct (same order). */
static heston_params to_params(const double *x)
{
	heston_params p = { x[0], x[1], x[2], x[3], x[4] };

	return p;
}

/* Copies the struct into a parameter vector. */
static void from_params(const heston_params *p, double *x)
{
	x[0] = p->v0;
	x[1] = p->kappa;
	x[2] = p->theta;
	x[3] = p->sigma;
	x[4] = p->rho;
}

/* Clamps x into the box of the options. */
static void clamp_box(const heston_calib_opts *o, double *x)
{
	double lo[NP], hi[NP];
	int k;

	from_params(&o->lower, lo);
	from_params(&o->upper, hi);
	for (k = 0; k < NP; k++)
		x[k] = fmin(fmax(x[k], lo[k]), hi[k]);
}

/* Fills opts with the defaults documented in the header. */
void heston_calib_defaults(heston_calib_opts *o)
{
	static const heston_params lo = { 1e-4, 1e-3, 1e-4, 1e-3, -0.999 };
	static const heston_params hi = { 4.0, 20.0, 4.0, 5.0, 0.999 };

	if (o == NULL)
		return;
	memset(o, 0, sizeof(*o));
	o->target = HESTON_FIT_IV;
	o->weighting = HESTON_W_UNIFORM;
	o->lower = lo;
	o->upper = hi;
	o->warm_tol_bp = 50.0;
	o->global_evals = 24;
	o->max_iter = 100;
	o->xtol = 1e-10;
	o->ftol = 1e-8;
}

/* Allocates the calibration scratch. */
heston_calib_workspace *heston_calib_alloc(size_t max_quotes)
{
	heston_calib_workspace *w;
	size_t m = max_quotes + 1;

	if (max_quotes == 0 || max_quotes > ((size_t)1 << 24))
		return NULL;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->cap = max_quotes;
	w->hw = heston_workspace_alloc(HESTON_DEFAULT_NODES);
	w->hwg = heston_workspace_alloc(GLOBAL_NODES);
	w->F = malloc(max_quotes * sizeof(double));
	w->DF = malloc(max_quotes * sizeof(double));
	w->pmkt = malloc(max_quotes * sizeof(double));
	w->ivmkt = malloc(max_quotes * sizeof(double));
	w->vmkt = malloc(max_quotes * sizeof(double));
	w->wt = malloc(max_quotes * sizeof(double));
	w->pm = malloc(max_quotes * sizeof(double));
	w->ivm = malloc(max_quotes * sizeof(double));
	w->order = malloc(max_quotes * sizeof(size_t));
	w->grad = malloc(max_quotes * NP * sizeof(double));
	w->res = malloc(m * sizeof(double));
	w->res2 = malloc(m * sizeof(double));
	w->jac = malloc(m * NP * sizeof(double));
	w->jac2 = malloc(m * NP * sizeof(double));
	if (!w->hw || !w->hwg || !w->F || !w->DF || !w->pmkt || !w->ivmkt || !w->vmkt ||
	    !w->wt || !w->pm || !w->ivm || !w->order || !w->grad || !w->res || !w->res2 ||
	    !w->jac || !w->jac2) {
		heston_calib_free(w);
		return NULL;
	}
	return w;
}

/* Frees the calibration scratch. */
void heston_calib_free(heston_calib_workspace *w)
{
	if (w == NULL)
		return;
	heston_workspace_free(w->hw);
	heston_workspace_free(w->hwg);
	free(w->F);
	free(w->DF);
	free(w->pmkt);
	free(w->ivmkt);
	free(w->vmkt);
	free(w->wt);
	free(w->pm);
	free(w->ivm);
	free(w->order);
	free(w->grad);
	free(w->res);
	free(w->res2);
	free(w->jac);
	free(w->jac2);
	free(w);
}

/* ---------------------------------------------------------------------
 * Input checks and market quantities.
 */

/* Checks the options (bounds inside the model's domain, sane numbers). */
static int opts_check(const heston_calib_opts *o)
{
	double lo[NP], hi[NP];
	int k;

	if (heston_params_check(&o->lower) != QM_OK ||
	    heston_params_check(&o->upper) != QM_OK)
		return QM_EINVAL;
	from_params(&o->lower, lo);
	from_params(&o->upper, hi);
	for (k = 0; k < NP; k++)
		if (!(lo[k] <= hi[k]))
			return QM_EINVAL;
	if ((o->target != HESTON_FIT_PRICE && o->target != HESTON_FIT_IV) ||
	    o->weighting < HESTON_W_UNIFORM || o->weighting > HESTON_W_SPREAD ||
	    !(o->feller_weight >= 0) || !isfinite(o->feller_weight) ||
	    o->global_evals < 0 || o->max_iter < 0 ||
	    !(o->budget_ms >= 0) || !(o->xtol >= 0) || !(o->ftol >= 0) ||
	    !(o->warm_tol_bp >= 0))
		return QM_EINVAL;
	if (o->warm != NULL && heston_params_check(o->warm) != QM_OK)
		return QM_EINVAL;
	return QM_OK;
}

/* Checks quote i of the chain. */
static int quote_check(const heston_chain *c, size_t i, int weighting)
{
	if (!(c->T[i] > 0) || !isfinite(c->T[i]) || !(c->K[i] > 0) ||
	    !isfinite(c->K[i]) || !isfinite(c->r[i]) || !isfinite(c->q[i]) ||
	    (c->type[i] != HESTON_CALL && c->type[i] != HESTON_PUT))
		return QM_EINVAL;
	if (c->price && (!(c->price[i] >= 0) || !isfinite(c->price[i])))
		return QM_EINVAL;
	if (c->iv && (!(c->iv[i] > 0) || !isfinite(c->iv[i])))
		return QM_EINVAL;
	if (weighting == HESTON_W_SPREAD &&
	    (c->spread == NULL || !(c->spread[i] > 0) ||
	     !isfinite(c->spread[i])))
		return QM_EINVAL;
	return QM_OK;
}

/* Computes forwards, market prices, vols, vegas and weights. */
static int market_setup(const heston_chain *c, const heston_calib_opts *o,
			heston_calib_workspace *w)
{
	double vmax = 0;
	size_t i;
	int st;

	for (i = 0; i < c->n; i++) {
		int call = c->type[i] == HESTON_CALL;

		if ((st = quote_check(c, i, o->weighting)) != QM_OK)
			return st;
		w->DF[i] = exp(-c->r[i] * c->T[i]);
		w->F[i] = c->S * exp((c->r[i] - c->q[i]) * c->T[i]);
		if (!(w->F[i] > 0) || !isfinite(w->F[i]) || !(w->DF[i] > 0))
			return QM_EINVAL;
		if (c->iv)
			w->ivmkt[i] = c->iv[i];
		else
			w->ivmkt[i] = hbs_implied_vol(c->price[i] / w->DF[i],
				w->F[i], c->K[i], c->T[i], call, 0);
		if (!(w->ivmkt[i] > 0))
			return QM_EBOUNDS;
		w->pmkt[i] = c->price ? c->price[i] : w->DF[i] *
			hbs_price(w->F[i], c->K[i], w->ivmkt[i], c->T[i], call);
		w->vmkt[i] = w->DF[i] * hbs_vega(w->F[i], c->K[i], w->ivmkt[i],
						 c->T[i]);
		vmax = fmax(vmax, w->vmkt[i]);
		w->ivm[i] = w->ivmkt[i];
	}
	for (i = 0; i < c->n; i++) {
		double v = fmax(w->vmkt[i], 1e-300);

		if (o->weighting == HESTON_W_UNIFORM)
			w->wt[i] = 1.0;
		else if (o->weighting == HESTON_W_VEGA)
			w->wt[i] = w->vmkt[i] / vmax;
		else
			w->wt[i] = (o->target == HESTON_FIT_IV) ?
				   v / c->spread[i] : 1.0 / c->spread[i];
	}
	return QM_OK;
}

/* ---------------------------------------------------------------------
 * Residuals.
 */

/* Prices the chain (or the sub-chain when R->sub) at x, gradients too
 * when grad; QM status. */
static int price_chain(struct run *R, const double *x, int grad)
{
	const heston_chain *c = R->c;
	heston_calib_workspace *w = R->w;
	heston_params p = to_params(x);

	R->evals++;
	if (R->sub)
		return heston_price_gradient(&p, c->S, w->nsub, w->sT, w->sK,
					     w->sr, w->sq, w->stype, w->pm,
					     w->grad, w->hw);
	if (grad)
		return heston_price_gradient(&p, c->S, c->n, c->T, c->K, c->r,
					     c->q, c->type, R->w->pm,
					     R->w->grad, R->w->hw);
	return heston_price_surface(&p, c->S, c->n, c->T, c->K, c->r, c->q,
				    c->type, R->w->pm, R->w->hw);
}

/* Residual of quote i in implied vol, from the model price; *dv gets the
 * discounted vega that converts price derivatives into vol derivatives. */
static double iv_residual(struct run *R, size_t i, double *dv)
{
	heston_calib_workspace *w = R->w;
	const heston_chain *c = R->c;
	int call = c->type[i] == HESTON_CALL;
	double s = hbs_implied_vol(w->pm[i] / w->DF[i], w->F[i], c->K[i],
				   c->T[i], call, w->ivm[i]);
	double v = (s > 0) ? w->DF[i] * hbs_vega(w->F[i], c->K[i], s, c->T[i])
			   : 0;

	if (v > 1e-8 * w->vmkt[i]) {
		w->ivm[i] = s;
		*dv = v;
		return s - w->ivmkt[i];
	}
	/* model price outside Black's range or flat vega: first order */
	*dv = w->vmkt[i];
	return (w->pm[i] - w->pmkt[i]) / w->vmkt[i];
}

/* Fills residuals (and Jacobian rows when jac) from the model prices;
 * returns the weighted sum of squares. */
static double fill_residuals(struct run *R, const double *x, double *res,
			     double *jac)
{
	heston_calib_workspace *w = R->w;
	const heston_chain *c = R->c;
	size_t nr = R->sub ? w->nsub : c->n;
	double f = 0;
	size_t i;
	int k;

	for (i = 0; i < nr; i++) {
		size_t qi = R->sub ? w->sub[i] : i;
		double dv = 1.0, ri, wi = w->wt[qi];

		if (R->sub) {
			/* sub-chain: vega-scaled price error, no inversion */
			ri = w->pm[i] - w->pmkt[qi];
			if (R->o->target == HESTON_FIT_IV) {
				dv = fmax(w->vmkt[qi], 1e-300);
				ri /= dv;
			}
		} else if (R->o->target == HESTON_FIT_IV) {
			ri = iv_residual(R, i, &dv);
		} else {
			ri = w->pm[i] - w->pmkt[i];
		}
		res[i] = wi * ri;
		f += res[i] * res[i];
		if (jac)
			for (k = 0; k < NP; k++)
				jac[i * NP + k] = wi * w->grad[i * NP + k] / dv;
	}
	if (R->m > nr) {	/* Feller penalty row */
		double fw = R->o->feller_weight;
		double gap = x[3] * x[3] - 2.0 * x[1] * x[2];
		int on = gap > 0;

		res[nr] = on ? fw * gap : 0;
		f += res[nr] * res[nr];
		if (jac) {
			double *J = jac + nr * NP;

			J[0] = 0;
			J[1] = on ? -2.0 * fw * x[2] : 0;
			J[2] = on ? -2.0 * fw * x[1] : 0;
			J[3] = on ? 2.0 * fw * x[3] : 0;
			J[4] = 0;
		}
	}
	return f;
}

/* Evaluates residuals (and Jacobian) at x; returns SSE or NaN. */
static double evaluate(struct run *R, const double *x, double *res,
		       double *jac)
{
	if (price_chain(R, x, jac != NULL) != QM_OK)
		return NAN;
	return fill_residuals(R, x, res, jac);
}

/* ---------------------------------------------------------------------
 * Global stage.
 */

/* The global stage searches y = (sqrt v0, ln kappa, sqrt theta, ln sigma,
 * rho), where the box is better proportioned for DIRECT's trisection. */
static void global_to_x(const double *y, double *x)
{
	x[0] = y[0] * y[0];
	x[1] = exp(y[1]);
	x[2] = y[2] * y[2];
	x[3] = exp(y[3]);
	x[4] = y[4];
}

/* Maps a parameter vector to the global stage's coordinates. */
static void global_from_x(const double *x, double *y)
{
	y[0] = sqrt(x[0]);
	y[1] = log(x[1]);
	y[2] = sqrt(x[2]);
	y[3] = log(x[3]);
	y[4] = x[4];
}

/* Sorts idx[0..n) by key[idx] (insertion sort: n is small here). */
static void sort_by(size_t *idx, size_t n, const double *key)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		size_t t = idx[i];

		for (j = i; j > 0 && key[idx[j - 1]] > key[t]; j--)
			idx[j] = idx[j - 1];
		idx[j] = t;
	}
}

/* Adds up to GLOBAL_STR quotes of maturity T, evenly spread in strike. */
static void pick_strikes(const heston_chain *c, heston_calib_workspace *w,
			 double T)
{
	size_t i, m = 0, j, last = (size_t)-1;

	for (i = 0; i < c->n; i++)
		if (c->T[i] == T)
			w->order[m++] = i;
	sort_by(w->order, m, c->K);
	for (j = 0; j < GLOBAL_STR && j < m; j++) {
		size_t k = (m <= GLOBAL_STR) ? j :
			   (j * (m - 1) + (GLOBAL_STR - 1) / 2) / (GLOBAL_STR - 1);
		size_t q = w->order[k], s = w->nsub;

		if (k == last)
			continue;
		last = k;
		w->sub[s] = q;
		w->sT[s] = c->T[q];
		w->sK[s] = c->K[q];
		w->sr[s] = c->r[q];
		w->sq[s] = c->q[q];
		w->stype[s] = c->type[q];
		w->nsub++;
	}
}

/* Chooses the global stage's sub-chain (see GLOBAL_MAT, GLOBAL_STR). */
static void pick_subchain(const heston_chain *c, heston_calib_workspace *w)
{
	size_t i, j, nm = 0;

	for (i = 0; i < c->n; i++) {	/* distinct maturities, first index */
		for (j = 0; j < nm; j++)
			if (c->T[w->order[j]] == c->T[i])
				break;
		if (j == nm)
			w->order[nm++] = i;
	}
	sort_by(w->order, nm, c->T);
	for (j = 0; j < nm; j++)
		w->pm[j] = c->T[w->order[j]];	/* pm is free until pricing */
	w->nsub = 0;
	for (j = 0; j < GLOBAL_MAT && j < nm; j++) {
		size_t k = (nm <= GLOBAL_MAT) ? j : j * (nm - 1) / (GLOBAL_MAT - 1);

		pick_strikes(c, w, w->pm[k]);
	}
}

/* Sum of squared vega-scaled price errors (IV target) or weighted price
 * errors of the sub-chain at x, at loose quadrature accuracy; HUGE_VAL
 * when unpriceable. */
static double global_value(struct run *R, const double *x)
{
	heston_calib_workspace *w = R->w;
	heston_params p = to_params(x);
	double f = 0;
	size_t i;

	R->evals++;
	if (heston_price_surface(&p, R->c->S, w->nsub, w->sT, w->sK, w->sr,
				 w->sq, w->stype, w->spm, w->hwg) != QM_OK)
		return HUGE_VAL;	/* includes corners beyond GLOBAL_NODES */
	for (i = 0; i < w->nsub; i++) {
		size_t q = w->sub[i];
		double e = w->wt[q] * (w->spm[i] - w->pmkt[q]);

		if (R->o->target == HESTON_FIT_IV)
			e /= fmax(w->vmkt[q], 1e-300);
		f += e * e;
	}
	if (R->o->feller_weight > 0) {
		double gap = fmax(x[3] * x[3] - 2.0 * x[1] * x[2], 0);

		f += R->o->feller_weight * R->o->feller_weight * gap * gap;
	}
	return f;
}

/* Keeps x among the GLOBAL_STARTS best screened points (best first);
 * a point equal to a kept one is not kept twice. */
static void keep_candidate(heston_calib_workspace *w, const double *x,
			   double f)
{
	int i, j;

	if (!(f < HUGE_VAL))
		return;
	for (i = 0; i < w->ncand; i++)
		if (memcmp(w->cand[i], x, sizeof(w->cand[i])) == 0)
			return;
	for (i = 0; i < w->ncand && w->fcand[i] <= f; i++)
		;
	if (i >= GLOBAL_STARTS)
		return;
	if (w->ncand < GLOBAL_STARTS)
		w->ncand++;
	for (j = w->ncand - 1; j > i; j--) {
		memcpy(w->cand[j], w->cand[j - 1], sizeof(w->cand[j]));
		w->fcand[j] = w->fcand[j - 1];
	}
	memcpy(w->cand[i], x, sizeof(w->cand[i]));
	w->fcand[i] = f;
}

/* Prices the sub-chain at x (clamped into the box) and keeps it. */
static void screen_point(struct run *R, const double *x0)
{
	double x[NP];

	memcpy(x, x0, sizeof(x));
	clamp_box(R->o, x);
	keep_candidate(R->w, x, global_value(R, x));
}

/* NLopt objective in the global coordinates y. */
static double global_obj(unsigned n, const double *y, double *g, void *data)
{
	struct run *R = data;
	double x[NP], f;

	(void)n;
	(void)g;
	if (over_budget(R))
		return HUGE_VAL;
	global_to_x(y, x);
	clamp_box(R->o, x);	/* y -> x rounding may step off the box */
	f = global_value(R, x);
	keep_candidate(R->w, x, f);
	return f;
}

/*
 * Screens the box with NLopt's DIRECT-L (global_evals evaluations) on
 * the sub-chain; every point priced is offered to keep_candidate().
 */
static void direct_screen(struct run *R, const double *x)
{
	double lo[NP], hi[NP], ylo[NP], yhi[NP], y[NP], fbest = HUGE_VAL;
	nlopt_opt opt = nlopt_create(NLOPT_GN_DIRECT_L, NP);

	if (opt == NULL)
		return;
	from_params(&R->o->lower, lo);
	from_params(&R->o->upper, hi);
	global_from_x(lo, ylo);
	global_from_x(hi, yhi);
	nlopt_set_lower_bounds(opt, ylo);
	nlopt_set_upper_bounds(opt, yhi);
	nlopt_set_min_objective(opt, global_obj, R);
	nlopt_set_maxeval(opt, R->o->global_evals);
	global_from_x(x, y);
	nlopt_optimize(opt, y, &fbest);
	nlopt_destroy(opt);
}

/*
 * A start from the ATM term structure: v0 from the shortest maturity's
 * quote nearest the money, theta from the longest's (variance mean-reverts
 * from the one to the other), the default kappa, sigma and rho.
 */
static void term_start(const struct run *R, const double *x0, double *x)
{
	const heston_chain *c = R->c;
	const heston_calib_workspace *w = R->w;
	double tlo = INFINITY, thi = -INFINITY, dlo = INFINITY, dhi = INFINITY;
	size_t i;

	memcpy(x, x0, NP * sizeof(double));
	x[1] = 1.5;
	x[3] = 0.5;
	x[4] = -0.5;
	for (i = 0; i < c->n; i++) {
		tlo = fmin(tlo, c->T[i]);
		thi = fmax(thi, c->T[i]);
	}
	for (i = 0; i < c->n; i++) {
		double d = fabs(log(c->K[i] / w->F[i]));

		if (c->T[i] == tlo && d < dlo) {
			dlo = d;
			x[0] = w->ivmkt[i] * w->ivmkt[i];
		}
		if (c->T[i] == thi && d < dhi) {
			dhi = d;
			x[2] = w->ivmkt[i] * w->ivmkt[i];
		}
	}
}

static int local_stage(struct run *R, double *x, int max_iter, double xtol,
		       double ftol, int *iters, double *fout);

/*
 * Levenberg-Marquardt on the sub-chain from x (updated in place) at
 * SUB_TOL; returns its final sum of squares (HUGE_VAL when unpriceable).
 */
static double sub_fit(struct run *R, double *x)
{
	double f = HUGE_VAL;
	size_t m = R->m;
	int it = 0, st;

	R->sub = 1;
	R->m = R->w->nsub + (R->o->feller_weight > 0);
	heston_workspace_set_tolerance(R->w->hw, SUB_TOL);
	st = local_stage(R, x, SUB_ITER, SUB_XTOL, SUB_FTOL, &it, &f);
	heston_workspace_set_tolerance(R->w->hw, LOCAL_TOL);
	R->sub = 0;
	R->m = m;
	return (st == QM_ENOCONV || !isfinite(f)) ? HUGE_VAL : f;
}

/* Returns 1 when a and b are SUB_APART apart in some global coordinate. */
static int apart(const heston_calib_opts *o, const double *a, const double *b)
{
	double lo[NP], hi[NP], ylo[NP], yhi[NP], ya[NP], yb[NP];
	int k;

	from_params(&o->lower, lo);
	from_params(&o->upper, hi);
	global_from_x(lo, ylo);
	global_from_x(hi, yhi);
	global_from_x(a, ya);
	global_from_x(b, yb);
	for (k = 0; k < NP; k++)
		if (fabs(ya[k] - yb[k]) > SUB_APART * (yhi[k] - ylo[k]))
			return 1;
	return 0;
}

/*
 * The global stage (see the top of the file): screens the start point,
 * the term-structure start and DIRECT-L's points on the sub-chain, fits
 * the sub-chain from the best GLOBAL_STARTS of them, and leaves in x the
 * best sub-chain optimum (x is unchanged when nothing could be priced).
 */
static void global_stage(struct run *R, double *x)
{
	heston_calib_workspace *w = R->w;
	double xt[NP], xs[NP], best[NP], fbest = HUGE_VAL, f;
	int i;

	pick_subchain(R->c, w);
	w->ncand = 0;
	screen_point(R, x);
	term_start(R, x, xt);
	screen_point(R, xt);
	direct_screen(R, x);
	for (i = 0; i < w->ncand && !over_budget(R); i++) {
		if (i > 0 && !apart(R->o, w->cand[0], w->cand[i]))
			continue;
		memcpy(xs, w->cand[i], sizeof(xs));
		f = sub_fit(R, xs);
		if (f < fbest) {
			fbest = f;
			memcpy(best, xs, sizeof(best));
		}
	}
	if (fbest < HUGE_VAL)
		memcpy(x, best, sizeof(best));
}

/* ---------------------------------------------------------------------
 * Local stage: bounded Levenberg-Marquardt.
 */

/* Solves the 5x5 SPD system A h = b by Cholesky; 0 if not positive. */
static int chol_solve(double A[NP][NP], const double *b, double *h)
{
	double L[NP][NP] = { { 0 } }, y[NP];
	int i, j, k;

	for (j = 0; j < NP; j++) {
		double s = A[j][j];

		for (k = 0; k < j; k++)
			s -= L[j][k] * L[j][k];
		if (!(s > 0))
			return 0;
		L[j][j] = sqrt(s);
		for (i = j + 1; i < NP; i++) {
			double t = A[i][j];

			for (k = 0; k < j; k++)
				t -= L[i][k] * L[j][k];
			L[i][j] = t / L[j][j];
		}
	}
	for (i = 0; i < NP; i++) {
		double s = b[i];

		for (k = 0; k < i; k++)
			s -= L[i][k] * y[k];
		y[i] = s / L[i][i];
	}
	for (i = NP - 1; i >= 0; i--) {
		double s = y[i];

		for (k = i + 1; k < NP; k++)
			s -= L[k][i] * h[k];
		h[i] = s / L[i][i];
	}
	return 1;
}

/* Forms A = J^T J and g = J^T r over m rows. */
static void normal_eq(const double *J, const double *r, size_t m,
		      double A[NP][NP], double *g)
{
	size_t i;
	int a, b;

	memset(A, 0, sizeof(double) * NP * NP);
	memset(g, 0, sizeof(double) * NP);
	for (i = 0; i < m; i++) {
		const double *Ji = J + i * NP;

		for (a = 0; a < NP; a++) {
			g[a] += Ji[a] * r[i];
			for (b = 0; b <= a; b++)
				A[a][b] += Ji[a] * Ji[b];
		}
	}
	for (a = 0; a < NP; a++)
		for (b = a + 1; b < NP; b++)
			A[a][b] = A[b][a];
}

/* Tries one damped step from x; returns the projected step in hp. */
static int lm_step(double A[NP][NP], const double *g, double mu,
		   const heston_calib_opts *o, const double *x, double *hp)
{
	double M[NP][NP], h[NP], b[NP], dmax = 0, xn[NP];
	int a;

	for (a = 0; a < NP; a++)
		dmax = fmax(dmax, A[a][a]);
	memcpy(M, A, sizeof(M));
	for (a = 0; a < NP; a++) {
		M[a][a] += mu * fmax(A[a][a], 1e-12 * dmax + 1e-300);
		b[a] = -g[a];
	}
	if (!chol_solve(M, b, h))
		return 0;
	for (a = 0; a < NP; a++)
		xn[a] = x[a] + h[a];
	clamp_box(o, xn);
	for (a = 0; a < NP; a++)
		hp[a] = xn[a] - x[a];
	return 1;
}

/* Returns the decrease of |r|^2 predicted by the linear model. */
static double predicted(double A[NP][NP], const double *g, const double *h)
{
	double s = 0;
	int a, b;

	for (a = 0; a < NP; a++) {
		s -= 2.0 * h[a] * g[a];
		for (b = 0; b < NP; b++)
			s -= h[a] * A[a][b] * h[b];
	}
	return s;
}

/* Returns 1 when the step is small relative to x (xtol test). */
static int small_step(const double *x, const double *h, double xtol)
{
	int a;

	for (a = 0; a < NP; a++)
		if (fabs(h[a]) > xtol * (fabs(x[a]) + xtol))
			return 0;
	return 1;
}

/* Swaps the current and trial residual/Jacobian buffers. */
static void swap_bufs(heston_calib_workspace *w)
{
	double *t = w->res;

	w->res = w->res2;
	w->res2 = t;
	t = w->jac;
	w->jac = w->jac2;
	w->jac2 = t;
}

/*
 * Levenberg-Marquardt from x (updated in place), at most max_iter
 * iterations, stopping on a relative step below xtol or a relative
 * decrease below ftol; *iters gets the iterations.  Returns QM_OK
 * (converged), QM_EMAXITER, QM_ETIMEOUT or QM_ENOCONV (x could not be
 * priced).
 */
static int local_stage(struct run *R, double *x, int max_iter, double xtol,
		       double ftol, int *iters, double *fout)
{
	heston_calib_workspace *w = R->w;
	double A[NP][NP], g[NP], h[NP], xn[NP], f, fn, mu, nu = 2;
	int it, a;

	f = evaluate(R, x, w->res, w->jac);
	if (!isfinite(f))
		return QM_ENOCONV;
	normal_eq(w->jac, w->res, R->m, A, g);
	mu = 1e-3;	/* relative to diag(A): Marquardt scaling in lm_step */
	for (it = 0; it < max_iter; it++) {
		*iters = it + 1;
		*fout = f;
		if (f < 1e-30)
			return QM_OK;
		if (over_budget(R))
			return QM_ETIMEOUT;
		if (!lm_step(A, g, mu, R->o, x, h)) {
			mu *= nu;
			nu *= 2;
			continue;
		}
		if (small_step(x, h, xtol))
			return QM_OK;
		for (a = 0; a < NP; a++)
			xn[a] = x[a] + h[a];
		fn = evaluate(R, xn, w->res2, w->jac2);
		if (isfinite(fn) && fn < f) {
			double rho = (f - fn) / fmax(predicted(A, g, h), 1e-300);
			double fold = f;

			memcpy(x, xn, sizeof(xn));
			swap_bufs(w);
			f = fn;
			*fout = f;
			normal_eq(w->jac, w->res, R->m, A, g);
			mu *= fmax(1.0 / 3, 1 - pow(2 * rho - 1, 3));
			nu = 2;
			if (fold - fn <= ftol * fold)
				return QM_OK;
		} else {
			/* no decrease although the model promised one: at the
			 * noise floor of f, i.e. converged */
			if (isfinite(fn) && fn - f <= 1e-12 * f)
				return QM_OK;
			mu *= nu;
			nu *= 2;
			if (mu > 1e30)
				return QM_OK;	/* no descent left: stationary */
		}
	}
	*fout = f;
	return QM_EMAXITER;
}

/*
 * The first part of the local stage: Levenberg-Marquardt from x at
 * COARSE_TOL until COARSE_XTOL or COARSE_FTOL (see there); returns its
 * status, *iters its iterations and *f its last sum of squares.
 */
static int coarse_stage(struct run *R, double *x, int *iters, double *f)
{
	int st;

	*iters = 0;
	heston_workspace_set_tolerance(R->w->hw, COARSE_TOL);
	st = local_stage(R, x, R->o->max_iter, COARSE_XTOL, COARSE_FTOL, iters,
			 f);
	heston_workspace_set_tolerance(R->w->hw, LOCAL_TOL);
	return st;
}

/* ---------------------------------------------------------------------
 * Driver.
 */

/* Computes the fit statistics of x into res (prices at full accuracy). */
static int fit_stats(struct run *R, const double *x, heston_calib_result *res)
{
	heston_calib_workspace *w = R->w;
	const heston_chain *c = R->c;
	double sp = 0, siv = 0, mx = 0;
	size_t i;
	int st;

	heston_workspace_set_tolerance(w->hw, 1e-13);
	st = price_chain(R, x, 0);
	heston_workspace_set_tolerance(w->hw, LOCAL_TOL);
	if (st != QM_OK)
		return QM_ENOCONV;
	for (i = 0; i < c->n; i++) {
		int call = c->type[i] == HESTON_CALL;
		double s = hbs_implied_vol(w->pm[i] / w->DF[i], w->F[i], c->K[i],
					   c->T[i], call, w->ivm[i]);
		double e = (s > 0) ? s - w->ivmkt[i] :
			   (w->pm[i] - w->pmkt[i]) / w->vmkt[i];

		sp += (w->pm[i] - w->pmkt[i]) * (w->pm[i] - w->pmkt[i]);
		siv += e * e;
		mx = fmax(mx, fabs(e));
	}
	res->params = to_params(x);
	res->rmse_price = sqrt(sp / c->n);
	res->rmse_iv_bp = 1e4 * sqrt(siv / c->n);
	res->max_iv_err_bp = 1e4 * mx;
	res->sse_iv_pts = 1e4 * siv;
	return QM_OK;
}

/* Sets every numeric result to NaN. */
static void result_nan(heston_calib_result *res, int status)
{
	res->params.v0 = res->params.kappa = res->params.theta = NAN;
	res->params.sigma = res->params.rho = NAN;
	res->rmse_price = res->rmse_iv_bp = res->max_iv_err_bp = NAN;
	res->sse_iv_pts = res->objective = res->elapsed_ms = NAN;
	res->iterations = res->evaluations = res->global_used = 0;
	res->status = status;
}

/* Picks the starting point: warm start, else a guess from the ATM vol. */
static void start_point(struct run *R, double *x)
{
	const heston_calib_workspace *w = R->w;
	double best = INFINITY, v = 0.04;
	size_t i;

	if (R->o->warm) {
		from_params(R->o->warm, x);
		clamp_box(R->o, x);
		return;
	}
	for (i = 0; i < R->c->n; i++) {	/* quote closest to the money */
		double d = fabs(log(R->c->K[i] / w->F[i]));

		if (d < best) {
			best = d;
			v = w->ivmkt[i] * w->ivmkt[i];
		}
	}
	x[0] = v;
	x[1] = 1.5;
	x[2] = v;
	x[3] = 0.5;
	x[4] = -0.5;
	clamp_box(R->o, x);
}

/* Returns 1 when the warm start already fits within warm_tol_bp. */
static int warm_fits(struct run *R, const double *x)
{
	heston_calib_result tmp;

	if (R->o->warm == NULL || fit_stats(R, x, &tmp) != QM_OK)
		return 0;
	return tmp.rmse_iv_bp <= R->o->warm_tol_bp;
}

/* Calibrates the Heston parameters to the chain. */
int heston_calibrate(const heston_chain *c, const heston_calib_opts *o,
		     heston_calib_workspace *w, heston_calib_result *res)
{
	struct run R;
	double x[NP], f = NAN;
	int st, iters = 0;

	if (res == NULL)
		return QM_EINVAL;
	result_nan(res, QM_EINVAL);
	if (c == NULL || o == NULL || w == NULL || c->n == 0 || c->T == NULL ||
	    c->K == NULL || c->r == NULL || c->q == NULL || c->type == NULL ||
	    (c->price == NULL && c->iv == NULL) || !(c->S > 0) ||
	    !isfinite(c->S) || opts_check(o) != QM_OK)
		return QM_EINVAL;
	if (c->n > w->cap) {
		res->status = QM_ENOMEM;
		return QM_ENOMEM;
	}
	memset(&R, 0, sizeof(R));
	R.c = c;
	R.o = o;
	R.w = w;
	R.m = c->n + (o->feller_weight > 0);
	clock_gettime(CLOCK_MONOTONIC, &R.t0);
	heston_workspace_set_tolerance(w->hw, LOCAL_TOL);
	heston_workspace_set_tolerance(w->hwg, 1e-4);
	if ((st = market_setup(c, o, w)) != QM_OK) {
		res->status = st;
		return st;
	}
	start_point(&R, x);
	if (o->global_evals > 0 && !warm_fits(&R, x)) {
		global_stage(&R, x);
		res->global_used = 1;
	}
	st = coarse_stage(&R, x, &iters, &f);
	if (st != QM_ENOCONV && !R.timed_out) {
		int it2 = 0;

		st = local_stage(&R, x, o->max_iter - iters, o->xtol, o->ftol,
				 &it2, &f);
		iters += it2;
	}
	if (R.timed_out)
		st = QM_ETIMEOUT;
	if (st != QM_ENOCONV && fit_stats(&R, x, res) != QM_OK)
		st = QM_ENOCONV;
	res->objective = f;
	res->iterations = iters;
	res->evaluations = R.evals;
	res->elapsed_ms = elapsed_ms(&R);
	res->status = st;
	return st;
}
