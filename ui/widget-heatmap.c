/*
 * widget-heatmap.c -- a heatmap: a grid of values (strikes x expiries),
 * each cell printed as a number over a colour band of five levels, so the
 * grid reads without colour too (widget.h).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "widget.h"

/* Draws the heatmap: row labels on the left, column labels on top. */
void widget_heatmap_draw(WINDOW *win, struct ui_rect r, const struct widget_heatmap *h)
{
	double lo = h->lo, hi = h->hi;
	int labw = 8, cellw, ncols, nrows, i, j, c0 = 0, r0 = 0;

	if (r.h < 2 || r.w < labw + 4 || h->nrows <= 0 || h->ncols <= 0)
		return;
	if (!(hi > lo)) {
		lo = INFINITY;
		hi = -INFINITY;
		for (i = 0; i < h->nrows * h->ncols; i++)
			if (isfinite(h->v[i])) {
				lo = fmin(lo, h->v[i]);
				hi = fmax(hi, h->v[i]);
			}
		if (!(hi > lo)) {
			lo = isfinite(lo) ? lo - 1 : 0;
			hi = lo + 2;
		}
	}
	cellw = (r.w - labw) / h->ncols;
	if (cellw > 9)
		cellw = 9;
	if (cellw < 6)
		cellw = 6;
	ncols = (r.w - labw) / cellw;
	if (ncols > h->ncols)
		ncols = h->ncols;
	nrows = r.h - 1;
	if (nrows > h->nrows)
		nrows = h->nrows;
	/* Keep the selected cell in view. */
	if (h->sel_col >= ncols)
		c0 = h->sel_col - ncols + 1;
	if (h->sel_row >= nrows)
		r0 = h->sel_row - nrows + 1;
	for (j = 0; j < ncols; j++)
		widget_put(win, r.y, r.x + labw + j * cellw, cellw - 1, h->collab[c0 + j],
		    theme_attr(j + c0 == h->sel_col ? UI_FOCUS : UI_TITLE));
	for (i = 0; i < nrows; i++) {
		int row = r0 + i;

		widget_put(win, r.y + 1 + i, r.x, labw - 1, h->rowlab[row],
		    theme_attr(row == h->sel_row ? UI_FOCUS : UI_DIM));
		for (j = 0; j < ncols; j++) {
			double v = h->v[row * h->ncols + c0 + j];
			char buf[32];
			int lvl;

			if (!isfinite(v)) {
				widget_put(win, r.y + 1 + i, r.x + labw + j * cellw, cellw - 1,
				    "   .", theme_attr(UI_DIM));
				continue;
			}
			lvl = (int)floor((v - lo) / (hi - lo) * 5);
			lvl = lvl < 0 ? 0 : lvl > 4 ? 4 : lvl;
			snprintf(buf, sizeof buf, "%*.*f", cellw - 1, h->scale >= 100 ? 1 : 3,
			    v * (h->scale != 0 ? h->scale : 1));
			widget_put(win, r.y + 1 + i, r.x + labw + j * cellw, cellw - 1, buf,
			    theme_attr((enum ui_role)(UI_HEAT0 + lvl)) |
			    (row == h->sel_row && c0 + j == h->sel_col ? A_UNDERLINE : 0));
		}
	}
}
