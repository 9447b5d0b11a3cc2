/*
 * widget.h -- the console's small drawing widgets (htop's model): a table,
 * a heatmap, a line chart and a scrollable text view.  Each draws into a
 * rectangle of a curses window and keeps no pointer to the data it shows;
 * panels (panel-*.c) compose them.
 */
#ifndef QD_UI_WIDGET_H
#define QD_UI_WIDGET_H

#include <curses.h>
#include <stddef.h>

#include "theme.h"

/* A rectangle of the screen. */
struct ui_rect {
	int y, x, h, w;
};

/* Writes at most w columns of s at (y, x) with attributes a; UTF-8 aware
 * (counts characters, not bytes). */
void widget_put(WINDOW *win, int y, int x, int w, const char *s, attr_t a);
/* Draws a title line "[title]" across r's first row; focused titles use
 * the focus role.  Returns the rectangle below it. */
struct ui_rect widget_title(WINDOW *win, struct ui_rect r, const char *title, int focused);

/* --- table ----------------------------------------------------------------- */
struct widget_col {
	const char *title;
	int width;              /* columns; the last column takes what is left when 0 */
	int right;              /* right-aligned (numbers) */
};
/* Selection and scrolling of a table (kept by its panel). */
struct widget_table {
	int sel;                /* selected row, -1 none */
	int top;                /* first row shown */
};
/* Fills buf (len bytes) with the text of (row, col); may set *role. */
typedef void (*widget_cell_fn)(void *arg, int row, int col, char *buf, size_t len,
    enum ui_role *role);
/* Draws a header and nrows rows, keeping the selection visible. */
void widget_table_draw(WINDOW *win, struct ui_rect r, struct widget_table *t,
    const struct widget_col *cols, int ncols, int nrows, widget_cell_fn cell, void *arg,
    int focused);
/* Moves the selection by delta rows within 0..nrows-1. */
void widget_table_move(struct widget_table *t, int delta, int nrows);

/* --- heatmap --------------------------------------------------------------- */
struct widget_heatmap {
	int nrows, ncols;
	const double *v;                /* nrows x ncols, row-major; NaN: empty */
	const char *const *rowlab;      /* nrows labels */
	const char *const *collab;      /* ncols labels */
	double lo, hi;                  /* colour range (lo == hi: from the data) */
	double scale;                   /* values are shown multiplied by it */
	int sel_row, sel_col;           /* highlighted cell (-1 none) */
};
void widget_heatmap_draw(WINDOW *win, struct ui_rect r, const struct widget_heatmap *h);

/* --- chart ----------------------------------------------------------------- */
struct widget_series {
	const double *x, *y;    /* n points (NaN skipped) */
	size_t n;
	enum ui_role role;
	int points;             /* 1: markers only, 0: joined by lines */
	char mark;              /* ASCII mark (fallback and legend) */
	const char *label;      /* legend */
};
/* Draws the series in one frame with y labels on the left: braille dots
 * in a UTF-8 locale, ASCII marks otherwise. */
void widget_chart_draw(WINDOW *win, struct ui_rect r, const struct widget_series *s,
    size_t ns);

/* --- text view --------------------------------------------------------- */
/* A view over a growing list of lines numbered by sequence: it follows the
 * newest lines until the user scrolls up, then keeps the same lines in
 * place while more arrive, until scrolled back to the bottom. */
struct widget_text {
	int follow;             /* 1: show the newest lines */
	unsigned long top;      /* sequence of the first line shown when not following */
};
/* Line seq (first <= seq < first + n) or NULL. */
typedef const char *(*widget_line_fn)(void *arg, unsigned long seq);
void widget_text_init(struct widget_text *t);
/* Draws lines first .. first+n-1; lines containing match (when non-empty)
 * are highlighted. */
void widget_text_draw(WINDOW *win, struct ui_rect r, struct widget_text *t,
    unsigned long first, unsigned long n, widget_line_fn line, void *arg, const char *match);
/* Scrolls by delta lines (negative: up) for a view of h rows. */
void widget_text_scroll(struct widget_text *t, long delta, unsigned long first,
    unsigned long n, int h);
/* Scrolls up to the last line before the top containing s; 0 found, -1 not. */
int widget_text_search(struct widget_text *t, const char *s, unsigned long first,
    unsigned long n, int h, widget_line_fn line, void *arg);

#endif
