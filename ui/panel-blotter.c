/*
 * panel-blotter.c -- the blotter screen: positions (with realized P&L and
 * fees) and the latest orders, from the UI's own store connection read at
 * most once a second (data.c).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "layout.h"
#include "order.h"
#include "store.h"

static const struct widget_col pos_cols[] = {
	{ "strategy", 10, 0 }, { "symbol", 22, 0 }, { "qty", 9, 1 }, { "avg", 10, 1 },
	{ "realized", 11, 1 }, { "fees", 8, 1 }, { "mult", 5, 1 },
};

/* One position cell. */
static void pos_cell(void *arg, int row, int col, char *buf, size_t len, enum ui_role *role)
{
	const struct store_position *p = &((struct ui_ctx *)arg)->d.pos[row];

	switch (col) {
	case 0: snprintf(buf, len, "%s", p->strategy[0] ? p->strategy : "manual"); break;
	case 1: snprintf(buf, len, "%s", p->symbol); break;
	case 2: snprintf(buf, len, "%+.0f", p->qty); break;
	case 3: snprintf(buf, len, "%.2f", p->avg_price); break;
	case 4:
		snprintf(buf, len, "%+.2f", p->realized_pnl);
		*role = p->realized_pnl > 0 ? UI_GAIN : p->realized_pnl < 0 ? UI_LOSS : UI_NORMAL;
		break;
	case 5: snprintf(buf, len, "%.2f", p->fees); break;
	default: snprintf(buf, len, "%.0f", p->multiplier); break;
	}
}

/* Draws the positions. */
void panel_blotter_positions_draw(struct ui_ctx *c, struct ui_rect r, int focused)
{
	char title[96];

	snprintf(title, sizeof title, "positions (%zu)  P&L %s%.2f", c->d.npos,
	    c->d.pnl > 0 ? "+" : "", c->d.pnl);
	r = widget_title(c->win, r, title, focused);
	if (c->d.store_err[0] != '\0') {
		widget_put(c->win, r.y, r.x, r.w, c->d.store_err, theme_attr(UI_ALERT));
		return;
	}
	if (c->d.npos == 0) {
		widget_put(c->win, r.y, r.x, r.w, "no positions", theme_attr(UI_DIM));
		return;
	}
	widget_table_draw(c->win, r, &c->tab[UI_P_POSITIONS], pos_cols,
	    (int)(sizeof pos_cols / sizeof pos_cols[0]), (int)c->d.npos, pos_cell, c, focused);
}

static const struct widget_col ord_cols[] = {
	{ "client_id", 16, 0 }, { "symbol", 22, 0 }, { "side", 4, 0 }, { "qty", 7, 1 },
	{ "limit", 9, 1 }, { "filled", 7, 1 }, { "avg", 9, 1 }, { "state", 9, 0 },
	{ "reason", 0, 0 },
};

/* One order cell. */
static void ord_cell(void *arg, int row, int col, char *buf, size_t len, enum ui_role *role)
{
	const struct order *o = &((struct ui_ctx *)arg)->d.orders[row];

	switch (col) {
	case 0: snprintf(buf, len, "%s", o->client_id); break;
	case 1: snprintf(buf, len, "%s", o->symbol); break;
	case 2:
		snprintf(buf, len, "%s", o->side > 0 ? "BUY" : "SELL");
		*role = o->side > 0 ? UI_BID : UI_ASK;
		break;
	case 3: snprintf(buf, len, "%.0f", o->qty); break;
	case 4:
		if (isfinite(o->limit))
			snprintf(buf, len, "%.2f", o->limit);
		else
			snprintf(buf, len, "MKT");
		break;
	case 5: snprintf(buf, len, "%.0f", o->filled); break;
	case 6:
		if (isfinite(o->avg_price))
			snprintf(buf, len, "%.2f", o->avg_price);
		break;
	case 7:
		snprintf(buf, len, "%s", order_state_name(o->state));
		break;
	default:
		snprintf(buf, len, "%s", o->reason_text);
		if (o->reason_text[0] != '\0')
			*role = UI_ALERT;
		break;
	}
}

/* Draws the orders, newest first. */
void panel_blotter_orders_draw(struct ui_ctx *c, struct ui_rect r, int focused)
{
	char title[64];

	snprintf(title, sizeof title, "orders (latest %zu)", c->d.norders);
	r = widget_title(c->win, r, title, focused);
	if (c->d.store_err[0] != '\0') {
		widget_put(c->win, r.y, r.x, r.w, c->d.store_err, theme_attr(UI_ALERT));
		return;
	}
	if (c->d.norders == 0) {
		widget_put(c->win, r.y, r.x, r.w, "no orders", theme_attr(UI_DIM));
		return;
	}
	widget_table_draw(c->win, r, &c->tab[UI_P_ORDERS], ord_cols,
	    (int)(sizeof ord_cols / sizeof ord_cols[0]), (int)c->d.norders, ord_cell, c, focused);
}
