/*
 * panel-signals.c -- the pending signals, newest first, from the engine's
 * snapshot.  Keys act on the selected one through the command table, so a
 * key does exactly what the typed command does: `a` runs `approve ID`
 * (which refuses an order above orders.confirm_notional and says so), `A`
 * runs `approve ID --yes` (the confirm step), `r` runs `reject ID`.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "engine.h"
#include "layout.h"
#include "trade-signal.h"

#define SIG_MAX 512

/* The pending signals of the frame, newest first; returns n.  The
 * selection follows the selected signal's id as new signals arrive. */
static size_t sig_pending(struct ui_ctx *c, const struct signal **out)
{
	const struct signal *s;
	size_t n = 0, k = 0;

	if (c->d.esnap == NULL)
		return 0;
	s = engine_snap_signals(c->d.esnap, &n);
	while (n-- > 0 && k < SIG_MAX)
		if (s[n].state == SIGNAL_PENDING) {
			if (s[n].id == c->sig_sel_id)
				c->tab[UI_P_SIGNALS].sel = (int)k;
			out[k++] = &s[n];
		}
	return k;
}

/* Remembers the selected signal's id. */
static void sig_remember(struct ui_ctx *c, const struct signal **v, size_t n)
{
	int sel = c->tab[UI_P_SIGNALS].sel;

	c->sig_sel_id = sel >= 0 && (size_t)sel < n ? v[sel]->id : 0;
}

static const struct widget_col sig_cols[] = {
	{ "id", 6, 1 }, { "strategy", 10, 0 }, { "instrument", 22, 0 }, { "side", 5, 0 },
	{ "kind", 11, 0 }, { "conf", 5, 1 }, { "edge bp", 8, 1 }, { "rationale", 0, 0 },
};

/* One cell. */
static void sig_cell(void *arg, int row, int col, char *buf, size_t len, enum ui_role *role)
{
	const struct signal *s = ((const struct signal **)arg)[row];

	switch (col) {
	case 0: snprintf(buf, len, "%lu", s->id); break;
	case 1: snprintf(buf, len, "%s", s->strategy); break;
	case 2: snprintf(buf, len, "%s", s->instrument); break;
	case 3:
		snprintf(buf, len, "%s", signal_side_name(s->side));
		*role = s->side > 0 ? UI_BID : s->side < 0 ? UI_ASK : UI_NORMAL;
		break;
	case 4: snprintf(buf, len, "%s", s->kind); break;
	case 5: snprintf(buf, len, "%.2f", s->confidence); break;
	case 6:
		if (isfinite(s->edge_bp))
			snprintf(buf, len, "%+.0f", s->edge_bp);
		break;
	default: snprintf(buf, len, "%s", s->rationale); break;
	}
}

/* Draws the pending signals. */
void panel_signals_draw(struct ui_ctx *c, struct ui_rect r, int focused)
{
	static const struct signal *v[SIG_MAX];
	size_t n = sig_pending(c, v);
	char title[128];

	snprintf(title, sizeof title, "pending signals (%zu)  j/k:select a:approve "
	    "A:approve --yes r:reject", n);
	r = widget_title(c->win, r, title, focused);
	if (c->d.esnap == NULL) {
		widget_put(c->win, r.y, r.x, r.w, "engine: no snapshot", theme_attr(UI_ALERT));
		return;
	}
	if (n == 0) {
		widget_put(c->win, r.y, r.x, r.w, "no pending signal", theme_attr(UI_DIM));
		return;
	}
	widget_table_draw(c->win, r, &c->tab[UI_P_SIGNALS], sig_cols,
	    (int)(sizeof sig_cols / sizeof sig_cols[0]), (int)n, sig_cell, v, focused);
	sig_remember(c, v, n);
}

/* Signal keys. */
int panel_signals_key(struct ui_ctx *c, int key)
{
	static const struct signal *v[SIG_MAX];
	size_t n = sig_pending(c, v);
	struct widget_table *t = &c->tab[UI_P_SIGNALS];
	char line[96];

	switch (key) {
	case 'j':
	case 'k':
		widget_table_move(t, key == 'j' ? 1 : -1, (int)n);
		sig_remember(c, v, n);
		return 1;
	case 'a':
	case 'A':
	case 'r':
		if (t->sel < 0 || (size_t)t->sel >= n || c->run == NULL)
			return 1;
		if (key == 'r')
			snprintf(line, sizeof line, "reject %lu rejected in the console",
			    v[t->sel]->id);
		else
			snprintf(line, sizeof line, "approve %lu%s", v[t->sel]->id,
			    key == 'A' ? " --yes" : "");
		c->run(c->run_arg, line);
		ui_data_invalidate(c);
		return 1;
	default:
		return 0;
	}
}
