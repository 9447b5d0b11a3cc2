/*
 * panel-spreads.c -- the OU spreads screen: a table of the pairs in the
 * parameter book (CALIB_OU entries) with the live spread from the legs'
 * mids, its z-score against the stationary distribution, theta, mu,
 * sigma, half-life, entry/exit levels and the cointegration p-value; and
 * a chart of the selected pair's daily spread from the legs' bars with
 * theta and theta +/- one stationary sd.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "conf.h"
#include "layout.h"
#include "market-state.h"

#define SPREAD_MAX_PAIRS 128
#define SPREAD_MAX_PTS 400

/* One pair of the book, computed for this frame. */
struct spread_row {
	const struct calib_result *r;
	double spread, z, sd;
};

/* The stationary sd of an OU process: sigma / sqrt(2 mu). */
static double spread_sd(const struct calib_ou *o)
{
	return o->p.mu > 0 ? o->p.sigma / sqrt(2 * o->p.mu) : NAN;
}

/* Splits "A/B" into the legs; 0 or -1. */
static int spread_legs(const char *pair, char *a, char *b, size_t len)
{
	const char *slash = strchr(pair, '/');

	if (slash == NULL || (size_t)(slash - pair) >= len)
		return -1;
	memcpy(a, pair, (size_t)(slash - pair));
	a[slash - pair] = '\0';
	snprintf(b, len, "%s", slash + 1);
	return 0;
}

/* Collects the pairs of the book with their live spreads; returns n. */
static int spread_rows(struct ui_ctx *c, struct spread_row *rows)
{
	size_t i;
	int n = 0;

	for (i = 0; c->d.book != NULL && i < c->d.book->n && n < SPREAD_MAX_PAIRS; i++) {
		const struct calib_result *r = &c->d.book->v[i];
		char a[MARKET_SYMBOL_MAX], b[MARKET_SYMBOL_MAX];
		const struct quote *qa, *qb;

		if (r->model != CALIB_OU)
			continue;
		rows[n].r = r;
		rows[n].spread = r->ou.last_spread;
		rows[n].sd = spread_sd(&r->ou);
		if (c->d.msnap != NULL && spread_legs(r->symbol, a, b, sizeof a) == 0 &&
		    (qa = mstate_snap_quote(c->d.msnap, a)) != NULL &&
		    (qb = mstate_snap_quote(c->d.msnap, b)) != NULL &&
		    isfinite(market_mid(qa)) && isfinite(market_mid(qb)))
			rows[n].spread = market_mid(qa) - r->ou.hedge_ratio * market_mid(qb);
		rows[n].z = (rows[n].spread - r->ou.p.theta) / rows[n].sd;
		n++;
	}
	return n;
}

/* The table's columns. */
static const struct widget_col spread_cols[] = {
	{ "pair", 12, 0 }, { "spread", 9, 1 }, { "z", 7, 1 }, { "theta", 9, 1 },
	{ "mu", 7, 1 }, { "sigma", 8, 1 }, { "hl(d)", 6, 1 }, { "stop+-", 8, 1 },
	{ "p(coint)", 8, 1 }, { "state", 0, 0 },
};

struct spread_draw {
	struct ui_ctx *c;
	struct spread_row *rows;
	double stop_z;          /* meanrev.stop */
	double max_p;           /* meanrev.max_pvalue */
};

/* One cell of the table. */
static void spread_cell(void *arg, int row, int col, char *buf, size_t len, enum ui_role *role)
{
	struct spread_draw *sd = arg;
	const struct spread_row *s = &sd->rows[row];
	const struct calib_ou *o = &s->r->ou;

	switch (col) {
	case 0: snprintf(buf, len, "%s", s->r->symbol); break;
	case 1: snprintf(buf, len, "%.4g", s->spread); break;
	case 2:
		snprintf(buf, len, "%+.2f", s->z);
		if (fabs(s->z) >= 1)
			*role = s->z > 0 ? UI_GAIN : UI_LOSS;
		break;
	case 3: snprintf(buf, len, "%.4g", o->p.theta); break;
	case 4: snprintf(buf, len, "%.3g", o->p.mu); break;
	case 5: snprintf(buf, len, "%.3g", o->p.sigma); break;
	case 6: snprintf(buf, len, "%.1f", o->half_life_days); break;
	case 7:
		if (sd->stop_z > 0)
			snprintf(buf, len, "%.3g", sd->stop_z * s->sd);
		else
			snprintf(buf, len, "none");
		break;
	case 8:
		snprintf(buf, len, "%.3f", o->coint_pvalue);
		if (o->coint_pvalue > sd->max_p)
			*role = UI_ALERT;
		break;
	default:
		snprintf(buf, len, "%s%s", s->r->status == CALIB_OK ? "ok" : calib_status_name(s->r->status),
		    sd->stop_z > 0 && fabs(s->z) >= sd->stop_z ? " STOP" :
		    o->coint_pvalue > sd->max_p ? " no-entry" :
		    fabs(s->z) >= 1 ? (s->z > 0 ? " rich" : " cheap") : "");
		if (s->r->status != CALIB_OK)
			*role = UI_ALERT;
		break;
	}
}

/* The stop-loss distance in stationary sd (meanrev.stop). */
static double spread_stop_z(struct ui_ctx *c)
{
	return conf_get_double(c->conf, "meanrev.stop");
}

/* Draws the table of pairs. */
void panel_spreads_table_draw(struct ui_ctx *c, struct ui_rect r, int focused)
{
	static struct spread_row rows[SPREAD_MAX_PAIRS];
	struct spread_draw sd = { c, rows, spread_stop_z(c), conf_get_double(c->conf, "meanrev.max_pvalue") };
	int n = spread_rows(c, rows);
	char title[80];

	snprintf(title, sizeof title, "OU spreads (%d)  j/k:select  stop |z| >= %.2g", n,
	    sd.stop_z);
	r = widget_title(c->win, r, title, focused);
	if (n == 0) {
		widget_put(c->win, r.y, r.x, r.w, "no OU calibration in the book yet "
		    "(calibrate ou all)", theme_attr(UI_DIM));
		return;
	}
	widget_table_draw(c->win, r, &c->tab[UI_P_SPREADS], spread_cols,
	    (int)(sizeof spread_cols / sizeof spread_cols[0]), n, spread_cell, &sd, focused);
}

/* Draws the selected pair's daily spread with theta and +/-1 sd. */
void panel_spreads_chart_draw(struct ui_ctx *c, struct ui_rect r, int focused)
{
	static struct spread_row rows[SPREAD_MAX_PAIRS];
	static double x[SPREAD_MAX_PTS], y[SPREAD_MAX_PTS], lx[2], lt[2], lu[2], ld[2];
	const struct bar *ba, *bb;
	size_t na = 0, nb = 0, i, j;
	char a[MARKET_SYMBOL_MAX], b[MARKET_SYMBOL_MAX], title[160];
	int n = spread_rows(c, rows), sel = c->tab[UI_P_SPREADS].sel, np = 0;
	struct widget_series ser[4];
	const struct spread_row *s;

	if (n == 0 || c->d.msnap == NULL) {
		r = widget_title(c->win, r, "spread history", focused);
		widget_put(c->win, r.y, r.x, r.w, "no pair selected", theme_attr(UI_DIM));
		return;
	}
	s = &rows[sel >= 0 && sel < n ? sel : 0];
	spread_legs(s->r->symbol, a, b, sizeof a);
	ba = mstate_snap_bars(c->d.msnap, a, &na);
	bb = mstate_snap_bars(c->d.msnap, b, &nb);
	/* Merge the two series on equal bar times, keeping the latest. */
	i = na;
	j = nb;
	while (i > 0 && j > 0 && np < SPREAD_MAX_PTS) {
		if (ba[i - 1].time == bb[j - 1].time) {
			x[np] = ba[i - 1].time / 86400.0;
			y[np++] = ba[i - 1].close - s->r->ou.hedge_ratio * bb[j - 1].close;
			i--;
			j--;
		} else if (ba[i - 1].time > bb[j - 1].time)
			i--;
		else
			j--;
	}
	/* oldest first */
	for (i = 0; i < (size_t)np / 2; i++) {
		double t = x[i];

		x[i] = x[np - 1 - i];
		x[np - 1 - i] = t;
		t = y[i];
		y[i] = y[np - 1 - i];
		y[np - 1 - i] = t;
	}
	snprintf(title, sizeof title, "%s daily spread (%d bars)  theta %.4g  +/-1 sd %.3g",
	    s->r->symbol, np, s->r->ou.p.theta, s->sd);
	r = widget_title(c->win, r, title, focused);
	if (np < 2) {
		widget_put(c->win, r.y, r.x, r.w, "no common daily bars of the legs",
		    theme_attr(UI_DIM));
		return;
	}
	lx[0] = x[0];
	lx[1] = x[np - 1];
	lt[0] = lt[1] = s->r->ou.p.theta;
	lu[0] = lu[1] = s->r->ou.p.theta + s->sd;
	ld[0] = ld[1] = s->r->ou.p.theta - s->sd;
	ser[0] = (struct widget_series){ x, y, (size_t)np, UI_SERIES1, 0, '*', "spread" };
	ser[1] = (struct widget_series){ lx, lt, 2, UI_SERIES2, 0, '=', "theta" };
	ser[2] = (struct widget_series){ lx, lu, 2, UI_SERIES3, 0, '+', "+1 sd" };
	ser[3] = (struct widget_series){ lx, ld, 2, UI_SERIES3, 0, '-', "-1 sd" };
	widget_chart_draw(c->win, r, ser, 4);
}

/* Spreads keys: j/k move the selection. */
int panel_spreads_key(struct ui_ctx *c, int key)
{
	static struct spread_row rows[SPREAD_MAX_PAIRS];

	if (key != 'j' && key != 'k')
		return 0;
	widget_table_move(&c->tab[UI_P_SPREADS], key == 'j' ? 1 : -1, spread_rows(c, rows));
	return 1;
}
