/*
 * panel-surface.c -- the volatility surface screen: a heatmap over strikes
 * x expiries of the selected underlying's market implied vol, the model's
 * (Heston from the parameter book, or SABR per expiry) or their
 * difference, and the smile of the selected expiry: the market's points
 * with the Heston and SABR curves, with fit quality and calibration age.
 *
 * Model vols are computed only when the chain or the book's entries
 * change (a cache keyed by both), never per frame: a Heston price is tens
 * of microseconds and a frame must stay far below a millisecond or two.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "heston-bs.h"
#include "heston.h"
#include "layout.h"
#include "market-state.h"
#include "qm-status.h"
#include "sabr.h"
#include "util.h"

#define SURF_MAX_EXP CALIB_MAX_SLICES
#define SURF_MAX_K 120
#define SURF_CURVE 48                   /* points of each smile curve */

/* Heatmap modes. */
enum { SURF_MARKET, SURF_HESTON, SURF_SABR, SURF_HESTON_DIFF, SURF_SABR_DIFF, SURF_NMODES };
static const char *const surf_mode_names[SURF_NMODES] = {
	"market IV %", "Heston IV %", "SABR IV %", "Heston - market, vol pts", "SABR - market, vol pts"
};

/* The grids of one underlying (UI thread only). */
static struct surf_cache {
	char und[MARKET_SYMBOL_MAX];
	const struct option_chain *chain;
	double chain_time, heston_time, sabr_time;
	size_t chain_n;
	int nexp, nk;
	int exp[SURF_MAX_EXP];
	char exp_lab[SURF_MAX_EXP][24];
	double T[SURF_MAX_EXP], F[SURF_MAX_EXP];
	double K[SURF_MAX_K];
	char k_lab[SURF_MAX_K][24];
	double iv[3][SURF_MAX_K * SURF_MAX_EXP];       /* market, heston, sabr; [k][e] */
	double grid[SURF_MAX_K * SURF_MAX_EXP];        /* what the heatmap shows */
	int grid_mode;
	/* the smile of one expiry */
	int smile_exp;
	double pk[SURF_MAX_K], piv[SURF_MAX_K];
	int np;
	double ck[SURF_CURVE], ch[SURF_CURVE], cs[SURF_CURVE];
	int valid;
	heston_workspace *hw;
} surf;

/* The chain of the selected underlying, clamping the selection. */
static const struct option_chain *surf_chain(struct ui_ctx *c)
{
	size_t n = c->d.msnap != NULL ? mstate_snap_nchains(c->d.msnap) : 0;

	if (n == 0)
		return NULL;
	if (c->und_sel < 0)
		c->und_sel = (int)n - 1;
	if ((size_t)c->und_sel >= n)
		c->und_sel = 0;
	return mstate_snap_chain_at(c->d.msnap, (size_t)c->und_sel);
}


#define SURF_NMAX (SURF_MAX_K * SURF_MAX_EXP > SURF_CURVE ? SURF_MAX_K * SURF_MAX_EXP : SURF_CURVE)

/* Heston implied vols of n options (maturity T[i] years, forward F[i],
 * strike K[i]) in one surface call, so that the characteristic function
 * is shared by the strikes of each maturity (an option at a time cost the
 * first frame after a new chain several milliseconds).  Forward prices:
 * r = 0 and the dividend yield that puts each forward where the chain has
 * it.  NaN where a price or vol cannot be had. */
static void surf_heston_ivs(const heston_params *p, size_t n, const double *T,
    const double *F, const double *K, double *iv)
{
	static double r[SURF_NMAX], q[SURF_NMAX], price[SURF_NMAX];
	static int type[SURF_NMAX];
	size_t i;

	for (i = 0; i < n; i++) {
		iv[i] = NAN;
		r[i] = 0;
		q[i] = T[i] > 0 && F[i] > 0 ? -log(F[i] / F[0]) / T[i] : 0;
		type[i] = K[i] >= F[i] ? HESTON_CALL : HESTON_PUT;
	}
	if (n == 0 || n > SURF_NMAX || !(F[0] > 0))
		return;
	if (surf.hw == NULL && (surf.hw = heston_workspace_alloc(HESTON_DEFAULT_NODES)) == NULL)
		return;
	if (heston_price_surface(p, F[0], n, T, K, r, q, type, price, surf.hw) != QM_OK)
		return;
	for (i = 0; i < n; i++)
		iv[i] = hbs_implied_vol(price[i], F[i], K[i], T[i], type[i] == HESTON_CALL, 0.2);
}

/* The Heston vols of every cell that has a market vol. */
static void surf_heston_grid(const heston_params *p)
{
	static double T[SURF_NMAX], F[SURF_NMAX], K[SURF_NMAX], iv[SURF_NMAX];
	static int cell[SURF_NMAX];
	size_t n = 0, i;
	int e, k;

	for (e = 0; e < surf.nexp; e++) {
		if (!(surf.T[e] > 0) || !(surf.F[e] > 0))
			continue;
		for (k = 0; k < surf.nk; k++) {
			if (!isfinite(surf.iv[0][k * surf.nexp + e]))
				continue;
			T[n] = surf.T[e];
			F[n] = surf.F[e];
			K[n] = surf.K[k];
			cell[n++] = k * surf.nexp + e;
		}
	}
	surf_heston_ivs(p, n, T, F, K, iv);
	for (i = 0; i < n; i++)
		surf.iv[1][cell[i]] = iv[i];
}

/* The SABR slice of an expiry or NULL. */
static const struct calib_sabr_slice *surf_slice(const struct calib_result *s, int expiry)
{
	size_t i;

	for (i = 0; s != NULL && i < s->nslices; i++)
		if (s->sabr[i].expiry == expiry)
			return &s->sabr[i];
	return NULL;
}

/* Index of x in the sorted array v (n), or -1. */
static int surf_find(const double *v, int n, double x)
{
	int lo = 0, hi = n - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (v[mid] == x)
			return mid;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* Compares doubles for qsort. */
static int surf_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Rebuilds the grids when the chain or the parameters changed. */
static void surf_update(struct ui_ctx *c, const struct option_chain *ch)
{
	const struct calib_result *h = calib_book_find(c->d.book, CALIB_HESTON, ch->underlying);
	const struct calib_result *s = calib_book_find(c->d.book, CALIB_SABR, ch->underlying);
	double ht = h != NULL ? h->wall_time : -1, st = s != NULL ? s->wall_time : -1;
	size_t i;
	int e, k;

	if (surf.valid && surf.chain == ch && surf.chain_time == ch->time &&
	    surf.chain_n == ch->n && surf.heston_time == ht && surf.sabr_time == st &&
	    strcmp(surf.und, ch->underlying) == 0)
		return;
	snprintf(surf.und, sizeof surf.und, "%s", ch->underlying);
	surf.chain = ch;
	surf.chain_time = ch->time;
	surf.chain_n = ch->n;
	surf.heston_time = ht;
	surf.sabr_time = st;
	surf.nexp = surf.nk = 0;
	surf.grid_mode = -1;
	surf.smile_exp = -1;
	for (i = 0; i < ch->n; i++) {
		const struct option_quote *oq = &ch->opts[i];

		if (surf.nexp == 0 || surf.exp[surf.nexp - 1] != oq->opt.expiry) {
			if (surf.nexp == SURF_MAX_EXP)
				break;
			surf.exp[surf.nexp] = oq->opt.expiry;
			surf.T[surf.nexp] = market_option_maturity(ch, oq);
			surf.F[surf.nexp] = isfinite(oq->forward) ? oq->forward : ch->spot;
			snprintf(surf.exp_lab[surf.nexp], sizeof surf.exp_lab[0], "%02d-%02d",
			    oq->opt.expiry / 100 % 100, oq->opt.expiry % 100);
			surf.nexp++;
		}
		if (surf_find(surf.K, surf.nk, oq->opt.strike) < 0 && surf.nk < SURF_MAX_K) {
			surf.K[surf.nk++] = oq->opt.strike;
			qsort(surf.K, (size_t)surf.nk, sizeof surf.K[0], surf_cmp);
		}
	}
	for (k = 0; k < surf.nk; k++)
		snprintf(surf.k_lab[k], sizeof surf.k_lab[0], "%.6g", surf.K[k]);
	for (k = 0; k < 3; k++)
		for (e = 0; e < SURF_MAX_K * SURF_MAX_EXP; e++)
			surf.iv[k][e] = NAN;
	for (i = 0; i < ch->n; i++) {
		const struct option_quote *oq = &ch->opts[i];
		double F;
		int ki = surf_find(surf.K, surf.nk, oq->opt.strike), call;

		for (e = 0; e < surf.nexp && surf.exp[e] != oq->opt.expiry; e++)
			;
		if (ki < 0 || e == surf.nexp)
			continue;
		F = surf.F[e];
		call = oq->opt.strike >= F;
		/* out of the money only: calls above the forward, puts below */
		if ((oq->opt.right == OPT_RIGHT_CALL) != call || !isfinite(oq->implied_vol))
			continue;
		surf.iv[0][ki * surf.nexp + e] = oq->implied_vol;
	}
	for (e = 0; e < surf.nexp; e++) {
		const struct calib_sabr_slice *sl = surf_slice(s, surf.exp[e]);

		for (k = 0; k < surf.nk; k++) {
			double v;

			if (!isfinite(surf.iv[0][k * surf.nexp + e]))
				continue;       /* model vols where the market has one */
			if (sl != NULL && sabr_vol(SABR_HAGAN, &sl->p, sl->forward, surf.K[k], sl->T,
			    &v) == QM_OK)
				surf.iv[2][k * surf.nexp + e] = v;
		}
	}
	if (h != NULL)
		surf_heston_grid(&h->heston);
	surf.valid = 1;
}

/* Fills the heatmap grid for the mode. */
static void surf_grid(int mode)
{
	int i, n = surf.nk * surf.nexp;

	if (surf.grid_mode == mode)
		return;
	for (i = 0; i < n; i++) {
		double m = surf.iv[0][i];

		switch (mode) {
		case SURF_MARKET: surf.grid[i] = m; break;
		case SURF_HESTON: surf.grid[i] = surf.iv[1][i]; break;
		case SURF_SABR: surf.grid[i] = surf.iv[2][i]; break;
		case SURF_HESTON_DIFF: surf.grid[i] = surf.iv[1][i] - m; break;
		default: surf.grid[i] = surf.iv[2][i] - m; break;
		}
	}
	surf.grid_mode = mode;
}

/* Draws an error or an empty state in a panel. */
static void surf_msg(struct ui_ctx *c, struct ui_rect r, const char *msg, int alert)
{
	if (r.h > 0)
		widget_put(c->win, r.y, r.x, r.w, msg, theme_attr(alert ? UI_ALERT : UI_DIM));
}

/* Draws the heatmap panel. */
void panel_surface_heatmap_draw(struct ui_ctx *c, struct ui_rect r, int focused)
{
	const struct option_chain *ch = surf_chain(c);
	const struct calib_result *h;
	struct widget_heatmap hm;
	char title[160], age[40];
	const char *rl[SURF_MAX_K], *cl[SURF_MAX_EXP];
	int i;

	if (ch == NULL) {
		r = widget_title(c->win, r, "surface", focused);
		surf_msg(c, r, c->d.msnap == NULL ? "market data: no snapshot" :
		    "no option chain yet (feed status; import a chain)", c->d.msnap == NULL);
		return;
	}
	surf_update(c, ch);
	if (c->heat_mode < 0 || c->heat_mode >= SURF_NMODES)
		c->heat_mode = 0;
	surf_grid(c->heat_mode);
	h = calib_book_find(c->d.book, CALIB_HESTON, ch->underlying);
	if (h != NULL)
		snprintf(age, sizeof age, "heston %.0fbp %.0fs ago", h->rmse_iv_bp,
		    fmax(0, c->d.now - h->wall_time));  /* clocks a hair apart */
	else
		snprintf(age, sizeof age, "no heston fit");
	snprintf(title, sizeof title, "%s spot %.2f  %s  (%s)  u:next m:mode h/l:expiry",
	    ch->underlying, ch->spot, surf_mode_names[c->heat_mode], age);
	r = widget_title(c->win, r, title, focused);
	if (c->exp_sel >= surf.nexp)
		c->exp_sel = surf.nexp - 1;
	if (c->exp_sel < 0)
		c->exp_sel = 0;
	for (i = 0; i < surf.nk; i++)
		rl[i] = surf.k_lab[i];
	for (i = 0; i < surf.nexp; i++)
		cl[i] = surf.exp_lab[i];
	memset(&hm, 0, sizeof hm);
	hm.nrows = surf.nk;
	hm.ncols = surf.nexp;
	hm.v = surf.grid;
	hm.rowlab = rl;
	hm.collab = cl;
	hm.scale = 100;
	hm.sel_row = -1;
	hm.sel_col = c->exp_sel;
	if (c->heat_mode >= SURF_HESTON && c->heat_mode != SURF_MARKET &&
	    ((c->heat_mode == SURF_HESTON || c->heat_mode == SURF_HESTON_DIFF) ? h == NULL :
	    calib_book_find(c->d.book, CALIB_SABR, ch->underlying) == NULL)) {
		surf_msg(c, r, "no calibration of this model yet (calibrate heston|sabr SYMBOL)", 0);
		return;
	}
	/* Show the strikes around the money first: start the rows so the
	 * forward of the selected expiry is in view. */
	if (surf.nk > r.h - 1 && surf.nexp > 0) {
		int atm = 0, first;

		while (atm < surf.nk && surf.K[atm] < surf.F[c->exp_sel])
			atm++;
		first = atm - (r.h - 1) / 2;
		if (first > surf.nk - (r.h - 1))
			first = surf.nk - (r.h - 1);
		if (first < 0)
			first = 0;
		hm.nrows = surf.nk - first;
		hm.v = surf.grid + first * surf.nexp;
		hm.rowlab = rl + first;
	}
	widget_heatmap_draw(c->win, r, &hm);
}

/* Draws the smile panel of the selected expiry. */
void panel_surface_smile_draw(struct ui_ctx *c, struct ui_rect r, int focused)
{
	const struct option_chain *ch = surf_chain(c);
	const struct calib_result *h, *s;
	const struct calib_sabr_slice *sl;
	struct widget_series ser[3];
	char title[200];
	int e, k, ns = 0;

	if (ch == NULL || (surf_update(c, ch), surf.nexp == 0)) {
		r = widget_title(c->win, r, "smile", focused);
		surf_msg(c, r, "no option chain yet", 0);
		return;
	}
	e = c->exp_sel < surf.nexp ? (c->exp_sel < 0 ? 0 : c->exp_sel) : surf.nexp - 1;
	h = calib_book_find(c->d.book, CALIB_HESTON, ch->underlying);
	s = calib_book_find(c->d.book, CALIB_SABR, ch->underlying);
	sl = surf_slice(s, surf.exp[e]);
	if (surf.smile_exp != e) {
		double lo = INFINITY, hi = -INFINITY;

		surf.np = 0;
		for (k = 0; k < surf.nk; k++) {
			double v = surf.iv[0][k * surf.nexp + e];

			if (!isfinite(v))
				continue;
			surf.pk[surf.np] = surf.K[k];
			surf.piv[surf.np++] = v * 100;
			lo = fmin(lo, surf.K[k]);
			hi = fmax(hi, surf.K[k]);
		}
		for (k = 0; k < SURF_CURVE; k++) {
			double K = surf.np > 1 ? lo + (hi - lo) * k / (SURF_CURVE - 1) : NAN, v;

			surf.ck[k] = K;
			surf.ch[k] = NAN;
			surf.cs[k] = sl != NULL && isfinite(K) &&
			    sabr_vol(SABR_HAGAN, &sl->p, sl->forward, K, sl->T, &v) == QM_OK ?
			    100 * v : NAN;
		}
		if (h != NULL && surf.np > 1 && surf.T[e] > 0) {
			double T[SURF_CURVE], F[SURF_CURVE];

			for (k = 0; k < SURF_CURVE; k++) {
				T[k] = surf.T[e];
				F[k] = surf.F[e];
			}
			surf_heston_ivs(&h->heston, SURF_CURVE, T, F, surf.ck, surf.ch);
			for (k = 0; k < SURF_CURVE; k++)
				surf.ch[k] *= 100;
		}
		surf.smile_exp = e;
	}
	snprintf(title, sizeof title, "smile %s %s T=%.3fy F=%.2f  heston rmse %s  sabr rmse %s",
	    ch->underlying, surf.exp_lab[e], surf.T[e], surf.F[e],
	    h != NULL ? "" : "-", sl != NULL ? "" : "-");
	if (h != NULL || sl != NULL) {
		char hb[24] = "-", sb[24] = "-";

		if (h != NULL)
			snprintf(hb, sizeof hb, "%.0fbp", h->rmse_iv_bp);
		if (sl != NULL)
			snprintf(sb, sizeof sb, "%.0fbp", sl->rmse_iv_bp);
		snprintf(title, sizeof title, "smile %s %s T=%.3fy F=%.2f  IV %%  heston rmse %s  "
		    "sabr rmse %s", ch->underlying, surf.exp_lab[e], surf.T[e], surf.F[e], hb, sb);
	}
	r = widget_title(c->win, r, title, focused);
	memset(ser, 0, sizeof ser);
	ser[ns++] = (struct widget_series){ surf.pk, surf.piv, (size_t)surf.np, UI_SERIES1, 1, 'o',
	    "market" };
	if (h != NULL)
		ser[ns++] = (struct widget_series){ surf.ck, surf.ch, SURF_CURVE, UI_SERIES2, 0, 'h',
		    "heston" };
	if (sl != NULL)
		ser[ns++] = (struct widget_series){ surf.ck, surf.cs, SURF_CURVE, UI_SERIES3, 0, 's',
		    "sabr" };
	widget_chart_draw(c->win, r, ser, (size_t)ns);
}

/* Surface keys: u next underlying, m heatmap mode, h/l expiry. */
int panel_surface_key(struct ui_ctx *c, int key)
{
	switch (key) {
	case 'u': c->und_sel++; c->exp_sel = 0; return 1;
	case 'U': c->und_sel--; c->exp_sel = 0; return 1;
	case 'm': c->heat_mode = (c->heat_mode + 1) % SURF_NMODES; return 1;
	case 'h': if (c->exp_sel > 0) c->exp_sel--; return 1;
	case 'l': c->exp_sel++; return 1;
	default: return 0;
	}
}

/* Drops the cached model vols: the next frame recomputes them. */
void panel_surface_invalidate(void)
{
	surf.valid = 0;
}

/* Frees the surface's cache (at the console's exit). */
void panel_surface_free(void)
{
	if (surf.hw != NULL)
		heston_workspace_free(surf.hw);
	memset(&surf, 0, sizeof surf);
}
