/*
 * widget-table.c -- a table: a header row and rows of cells fetched through
 * a callback, with aligned columns, a selected row and scrolling that keeps
 * the selection visible (widget.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "widget.h"

/* Keeps the selection within the rows and visible in h rows. */
static void widget_table_clamp(struct widget_table *t, int nrows, int h)
{
	if (t->sel >= nrows)
		t->sel = nrows - 1;
	if (t->sel < 0 && nrows > 0)
		t->sel = 0;
	if (t->sel >= 0 && t->sel < t->top)
		t->top = t->sel;
	if (h > 0 && t->sel >= t->top + h)
		t->top = t->sel - h + 1;
	if (t->top > nrows - h)
		t->top = nrows - h;
	if (t->top < 0)
		t->top = 0;
}

/* Draws one line of cells (texts already laid out) at row y. */
static void widget_table_line(WINDOW *win, struct ui_rect r, int y,
    const struct widget_col *cols, int ncols, char text[][128], const enum ui_role *roles,
    attr_t base)
{
	int c, x = r.x;

	if (base != A_NORMAL) {
		wattrset(win, base);
		mvwhline(win, y, r.x, ' ', r.w);
		wattrset(win, A_NORMAL);
	}
	for (c = 0; c < ncols && x < r.x + r.w; c++) {
		int w = cols[c].width > 0 ? cols[c].width : r.x + r.w - x;
		int len = (int)strlen(text[c]), pad;
		attr_t a = base != A_NORMAL ? base : theme_attr(roles[c]);

		if (w > r.x + r.w - x)
			w = r.x + r.w - x;
		pad = cols[c].right && len < w ? w - len : 0;
		widget_put(win, y, x + pad, w - pad, text[c], a);
		x += w + 1;
	}
}

/* Draws the table. */
void widget_table_draw(WINDOW *win, struct ui_rect r, struct widget_table *t,
    const struct widget_col *cols, int ncols, int nrows, widget_cell_fn cell, void *arg,
    int focused)
{
	char text[16][128];
	enum ui_role roles[16];
	int c, i;

	if (r.h <= 0 || r.w <= 0)
		return;
	if (ncols > 16)
		ncols = 16;
	for (c = 0; c < ncols; c++) {
		snprintf(text[c], sizeof text[c], "%s", cols[c].title);
		roles[c] = UI_TITLE;
	}
	widget_table_line(win, r, r.y, cols, ncols, text, roles, A_NORMAL);
	widget_table_clamp(t, nrows, r.h - 1);
	for (i = 0; i < r.h - 1 && t->top + i < nrows; i++) {
		int row = t->top + i;

		for (c = 0; c < ncols; c++) {
			text[c][0] = '\0';
			roles[c] = UI_NORMAL;
			cell(arg, row, c, text[c], sizeof text[c], &roles[c]);
		}
		widget_table_line(win, r, r.y + 1 + i, cols, ncols, text, roles,
		    row == t->sel && focused ? theme_attr(UI_SELECT) : A_NORMAL);
		if (row == t->sel && !focused)
			widget_put(win, r.y + 1 + i, r.x + r.w - 1, 1, "<", theme_attr(UI_DIM));
	}
	if (nrows > r.h - 1 && r.h > 1) {
		char more[32];

		snprintf(more, sizeof more, "%d/%d", t->sel + 1, nrows);
		widget_put(win, r.y, r.x + r.w - (int)strlen(more), (int)strlen(more), more,
		    theme_attr(UI_DIM));
	}
}

/* Moves the selection. */
void widget_table_move(struct widget_table *t, int delta, int nrows)
{
	t->sel += delta;
	if (t->sel >= nrows)
		t->sel = nrows - 1;
	if (t->sel < 0)
		t->sel = nrows > 0 ? 0 : -1;
}
