/*
 * panel-greeks.c -- the Greeks screen: per underlying and for the whole
 * book (from risk_greeks() on the positions, refreshed at most once a
 * second by data.c), with the risk.* limits and their breaches.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "conf.h"
#include "layout.h"

static const struct widget_col greeks_cols[] = {
	{ "underlying", 12, 0 }, { "spot", 9, 1 }, { "value", 12, 1 }, { "delta$", 11, 1 },
	{ "gamma$", 10, 1 }, { "vega", 9, 1 }, { "theta", 9, 1 }, { "notional", 12, 1 },
	{ "pos", 4, 1 },
};

/* One cell: the underlying rows, then the total. */
static void greeks_cell(void *arg, int row, int col, char *buf, size_t len, enum ui_role *role)
{
	struct ui_ctx *c = arg;
	const struct risk_greeks *g = &c->d.greeks;
	double max_name = conf_get_double(c->conf, "risk.max_name_notional");

	if ((size_t)row < g->nund) {
		const struct risk_und_greeks *u = &g->und[row];

		switch (col) {
		case 0: snprintf(buf, len, "%s", u->underlying); break;
		case 1: snprintf(buf, len, "%.2f", u->spot); break;
		case 2: snprintf(buf, len, "%+.0f", u->value); break;
		case 3:
			snprintf(buf, len, "%+.0f%s", u->delta_cash,
			    max_name > 0 && fabs(u->delta_cash) > max_name ? "!" : "");
			if (max_name > 0 && fabs(u->delta_cash) > max_name)
				*role = UI_ALERT;
			break;
		case 4: snprintf(buf, len, "%+.0f", u->gamma_cash); break;
		case 5: snprintf(buf, len, "%+.0f", u->vega); break;
		case 6: snprintf(buf, len, "%+.0f", u->theta); break;
		case 7: snprintf(buf, len, "%.0f", u->notional); break;
		default: snprintf(buf, len, "%zu", u->npos); break;
		}
		return;
	}
	*role = UI_TITLE;
	switch (col) {
	case 0: snprintf(buf, len, "TOTAL"); break;
	case 2: snprintf(buf, len, "%+.0f", g->value); break;
	case 3: snprintf(buf, len, "%+.0f", g->delta_cash); break;
	case 4: snprintf(buf, len, "%+.0f", g->gamma_cash); break;
	case 5: snprintf(buf, len, "%+.0f", g->vega); break;
	case 6: snprintf(buf, len, "%+.0f", g->theta); break;
	case 7: snprintf(buf, len, "%.0f", g->notional); break;
	case 8: snprintf(buf, len, "%zu", g->npos); break;
	default: break;
	}
}

/* Writes one limit line "name value / limit" with BREACH when passed. */
static void greeks_limit(struct ui_ctx *c, int y, int x, int w, const char *name, double v,
    const char *key)
{
	double lim = conf_get_double(c->conf, key);
	int breach = lim > 0 && v > lim;
	char buf[128];

	if (lim > 0)
		snprintf(buf, sizeof buf, "%-9s %12.0f / %-12.0f %s", name, v, lim,
		    breach ? "BREACH" : "ok");
	else
		snprintf(buf, sizeof buf, "%-9s %12.0f / no limit", name, v);
	widget_put(c->win, y, x, w, buf, theme_attr(breach ? UI_ALERT : UI_NORMAL));
}

/* Draws the Greeks panel. */
void panel_greeks_draw(struct ui_ctx *c, struct ui_rect r, int focused)
{
	const struct risk_greeks *g = &c->d.greeks;
	struct ui_rect t;
	char title[128];

	snprintf(title, sizeof title, "greeks (%zu positions%s)", g->npos,
	    g->nbad > 0 ? ", some not valued" : "");
	r = widget_title(c->win, r, title, focused);
	if (!c->d.greeks_ok) {
		widget_put(c->win, r.y, r.x, r.w, c->d.greeks_err, theme_attr(UI_ALERT));
		return;
	}
	t = r;
	t.h = r.h - 4;
	if (t.h < 2)
		t.h = r.h;
	widget_table_draw(c->win, t, &c->tab[UI_P_GREEKS], greeks_cols,
	    (int)(sizeof greeks_cols / sizeof greeks_cols[0]), (int)g->nund + 1, greeks_cell, c,
	    focused);
	if (t.h == r.h)
		return;
	widget_put(c->win, r.y + t.h, r.x, r.w, "limits (risk.*)", theme_attr(UI_TITLE));
	greeks_limit(c, r.y + t.h + 1, r.x, r.w, "gross", g->gross, "risk.max_gross");
	greeks_limit(c, r.y + t.h + 2, r.x, r.w, "net", g->net, "risk.max_net");
	greeks_limit(c, r.y + t.h + 3, r.x, r.w, "notional", g->notional, "risk.max_notional");
}
