/*
 * layout.c -- the screen manager: the status bar, the tab line of screens
 * and the panels of the current screen laid out for the terminal's size
 * (one panel above the other from 80x24, side by side when wide), plus
 * the keys that switch screens and move the focus (layout.h).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "engine.h"
#include "feed.h"
#include "layout.h"
#include "oms.h"
#include "strategy.h"

/* The panels of each screen, in focus order. */
static const struct {
	const char *name;
	int n;
	enum ui_panel p[2];
} layout_screens[UI_NSCREENS] = {
	[UI_SCR_SURFACE] = { "surface", 2, { UI_P_HEATMAP, UI_P_SMILE } },
	[UI_SCR_SPREADS] = { "spreads", 2, { UI_P_SPREADS, UI_P_SPREAD_CHART } },
	[UI_SCR_GREEKS] = { "greeks", 1, { UI_P_GREEKS, UI_P_GREEKS } },
	[UI_SCR_BLOTTER] = { "blotter", 2, { UI_P_POSITIONS, UI_P_ORDERS } },
	[UI_SCR_SIGNALS] = { "signals", 1, { UI_P_SIGNALS, UI_P_SIGNALS } },
	[UI_SCR_LOG] = { "log", 2, { UI_P_ALERTS, UI_P_LOG } },
};

/* The name of a screen. */
const char *layout_screen_name(int screen)
{
	return screen >= 0 && screen < UI_NSCREENS ? layout_screens[screen].name : "?";
}

/* The panels of the current screen. */
int layout_panels(const struct ui_ctx *c, enum ui_panel *out)
{
	int i;

	for (i = 0; i < layout_screens[c->screen].n; i++)
		out[i] = layout_screens[c->screen].p[i];
	return layout_screens[c->screen].n;
}

/* 1 when the kill switch is engaged (the OMS's flag, or persisted). */
int layout_killed(const struct ui_ctx *c)
{
	return oms_killed() || c->killed_local || c->d.kill_persisted;
}

/* MANUAL, AUTO or AUTO(part) from the strategies' NAME.auto keys. */
static const char *layout_mode(struct ui_ctx *c)
{
	size_t i, on = 0;

	for (i = 0; i < strategy_count; i++) {
		char key[64];

		snprintf(key, sizeof key, "%s.auto", strategy_table[i]->name);
		on += conf_get_bool(c->conf, key) == 1;
	}
	return on == 0 ? "MANUAL" : on == strategy_count ? "AUTO" : "AUTO(part)";
}

/* Draws the status bar on row y. */
void layout_draw_status(struct ui_ctx *c, int y, int w)
{
	struct feed_status fs;
	char left[256], clock[16], feed[96], pnl[48];
	time_t t = (time_t)c->d.now;
	struct tm tm;
	int x;

	localtime_r(&t, &tm);
	strftime(clock, sizeof clock, "%H:%M:%S", &tm);
	memset(&fs, 0, sizeof fs);
	if (feed_global_status(&fs)) {
		double age = fs.last_event > 0 ? c->d.now - fs.last_event : NAN;

		if (isfinite(age))
			snprintf(feed, sizeof feed, "feed %s %s %.0fs", fs.name,
			    fs.ok ? "ok" : "ERR", age < 0 ? 0 : age);
		else
			snprintf(feed, sizeof feed, "feed %s %s no data", fs.name,
			    fs.ok ? "ok" : "ERR");
	} else
		snprintf(feed, sizeof feed, "feed off");
	if (c->d.pnl_ok)
		snprintf(pnl, sizeof pnl, "P&L %s%.2f", c->d.pnl > 0 ? "+" : "", c->d.pnl);
	else
		snprintf(pnl, sizeof pnl, "P&L ?");
	snprintf(left, sizeof left, " qdesk %s %s | %s | engine %s | %s | %s ", PACKAGE_VERSION,
	    clock, feed, engine_running() ? "on" : "off", layout_mode(c), pnl);
	wattrset(c->win, theme_attr(UI_STATUS));
	mvwhline(c->win, y, 0, ' ', w);
	widget_put(c->win, y, 0, w, left, theme_attr(UI_STATUS));
	x = (int)strlen(left);
	if (layout_killed(c)) {
		/* Never truncated: placed at the right edge when the line is full. */
		if (x + 8 > w)
			x = w > 8 ? w - 8 : 0;
		widget_put(c->win, y, x, w - x, " KILLED ", theme_attr(UI_KILLED) | A_REVERSE);
	} else if (x + 8 <= w)
		widget_put(c->win, y, x, w - x, " armed ", theme_attr(UI_STATUS));
	wattrset(c->win, A_NORMAL);
}

/* Draws one panel. */
static void layout_draw_panel(struct ui_ctx *c, enum ui_panel p, struct ui_rect r, int f)
{
	switch (p) {
	case UI_P_HEATMAP: panel_surface_heatmap_draw(c, r, f); break;
	case UI_P_SMILE: panel_surface_smile_draw(c, r, f); break;
	case UI_P_SPREADS: panel_spreads_table_draw(c, r, f); break;
	case UI_P_SPREAD_CHART: panel_spreads_chart_draw(c, r, f); break;
	case UI_P_GREEKS: panel_greeks_draw(c, r, f); break;
	case UI_P_POSITIONS: panel_blotter_positions_draw(c, r, f); break;
	case UI_P_ORDERS: panel_blotter_orders_draw(c, r, f); break;
	case UI_P_SIGNALS: panel_signals_draw(c, r, f); break;
	case UI_P_ALERTS: panel_log_alerts_draw(c, r, f); break;
	case UI_P_LOG: panel_log_draw(c, r, f); break;
	default: break;
	}
}

/* Draws the tab line and the current screen's panels into r. */
void layout_draw_screen(struct ui_ctx *c, struct ui_rect r)
{
	enum ui_panel p[2];
	int n = layout_panels(c, p), i, x = 0;

	if (r.h < 1)
		return;
	/* the tab line: screens and the kill hint */
	mvwhline(c->win, r.y, r.x, ' ', r.w);
	for (i = 0; i < UI_NSCREENS && x < r.w; i++) {
		char tab[32];

		snprintf(tab, sizeof tab, " F%d %s ", i + 1, layout_screens[i].name);
		widget_put(c->win, r.y, r.x + x, r.w - x, tab,
		    theme_attr(i == c->screen ? UI_FOCUS : UI_DIM));
		x += (int)strlen(tab);
	}
	if (c->show_hint && x + 22 < r.w)
		widget_put(c->win, r.y, r.x + r.w - 20, 20, "F12 / Ctrl-\\ : KILL",
		    theme_attr(UI_ALERT));
	else if (c->show_hint && r.h > 1) {
		/* narrow: the hint gets its own line */
		r.y++;
		r.h--;
		mvwhline(c->win, r.y, r.x, ' ', r.w);
		widget_put(c->win, r.y, r.x, r.w, "F12 / Ctrl-\\ : KILL", theme_attr(UI_ALERT));
	}
	r.y++;
	r.h--;
	if (r.h <= 0)
		return;
	if (c->focus >= n)
		c->focus = -1;
	if (n == 1 || r.h < 6) {
		layout_draw_panel(c, p[c->focus > 0 ? c->focus : 0], r, c->focus >= 0);
		return;
	}
	if (r.w >= 160) {
		struct ui_rect a = r, b = r;

		a.w = r.w / 2;
		b.x = r.x + a.w + 1;
		b.w = r.w - a.w - 1;
		layout_draw_panel(c, p[0], a, c->focus == 0);
		layout_draw_panel(c, p[1], b, c->focus == 1);
	} else {
		struct ui_rect a = r, b = r;

		a.h = r.h / 2;
		b.y = r.y + a.h;
		b.h = r.h - a.h;
		layout_draw_panel(c, p[0], a, c->focus == 0);
		layout_draw_panel(c, p[1], b, c->focus == 1);
	}
}

/* Screen and focus keys (the command line is empty), and the focused
 * panel's keys.  Focus -1 is the command line: keys then go to readline,
 * so typing a command never triggers a panel key. */
int layout_key(struct ui_ctx *c, int key)
{
	enum ui_panel p[2];
	int n = layout_panels(c, p), used = 0;

	if (key >= '1' && key <= '0' + UI_NSCREENS) {
		c->screen = key - '1';
		c->focus = -1;
		c->show_hint = 0;
		return 1;
	}
	if (key == '\t') {
		c->focus = c->focus + 1 >= n ? -1 : c->focus + 1;
		return 1;
	}
	if (c->focus < 0 || c->focus >= n)
		return 0;
	switch (p[c->focus]) {
	case UI_P_HEATMAP:
	case UI_P_SMILE:
		used = panel_surface_key(c, key);
		break;
	case UI_P_SPREADS:
	case UI_P_SPREAD_CHART:
		used = panel_spreads_key(c, key);
		break;
	case UI_P_SIGNALS:
		used = panel_signals_key(c, key);
		break;
	case UI_P_ALERTS:
	case UI_P_LOG:
		used = panel_log_key(c, key, p[c->focus]);
		break;
	case UI_P_POSITIONS:
	case UI_P_ORDERS:
	case UI_P_GREEKS:
		if (key == 'j' || key == 'k') {
			enum ui_panel q = p[c->focus];
			int rows = q == UI_P_POSITIONS ? (int)c->d.npos : q == UI_P_ORDERS ?
			    (int)c->d.norders : (int)c->d.greeks.nund + 1;

			widget_table_move(&c->tab[q], key == 'j' ? 1 : -1, rows);
			used = 1;
		}
		break;
	default:
		break;
	}
	return used;
}
