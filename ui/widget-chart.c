/*
 * widget-chart.c -- a line chart: series of (x, y) points scaled into a
 * rectangle, drawn with Unicode braille dots (U+2800..U+28FF: 2x4 dots per
 * cell) in a UTF-8 locale and with ASCII marks otherwise (widget.h).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "widget.h"

#define CHART_MAXW 400
#define CHART_MAXH 200

/* One drawing surface: per cell the braille dots (or ASCII mark) and the
 * series that drew last. */
struct chart_canvas {
	int w, h;                       /* cells */
	int dots;                       /* 1 braille (2x4 per cell), 0 ASCII (1x1) */
	unsigned char bits[CHART_MAXH][CHART_MAXW];
	char pt[CHART_MAXH][CHART_MAXW];        /* a markers-only series' mark, over the dots */
	signed char who[CHART_MAXH][CHART_MAXW];
	char mark[CHART_MAXH][CHART_MAXW];
};

/* Sets one dot at (px, py) in dot units (py = 0 at the top). */
static void chart_dot(struct chart_canvas *c, int px, int py, int series, char mark)
{
	static const unsigned char bit[4][2] = {
		{ 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 }, { 0x40, 0x80 }
	};
	int cx, cy;

	if (c->dots) {
		if (px < 0 || py < 0 || px >= c->w * 2 || py >= c->h * 4)
			return;
		cx = px / 2;
		cy = py / 4;
		c->bits[cy][cx] |= bit[py % 4][px % 2];
	} else {
		if (px < 0 || py < 0 || px >= c->w || py >= c->h)
			return;
		cx = px;
		cy = py;
		c->mark[cy][cx] = mark;
	}
	c->who[cy][cx] = (signed char)series;
}

/* Draws a line of dots from (x0, y0) to (x1, y1) (Bresenham). */
static void chart_line(struct chart_canvas *c, int x0, int y0, int x1, int y1, int series,
    char mark)
{
	int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
	int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
	int err = dx + dy, guard = 0;

	for (;;) {
		int e2;

		chart_dot(c, x0, y0, series, mark);
		if ((x0 == x1 && y0 == y1) || ++guard > 4 * (CHART_MAXW + CHART_MAXH))
			break;
		e2 = 2 * err;
		if (e2 >= dy) {
			err += dy;
			x0 += sx;
		}
		if (e2 <= dx) {
			err += dx;
			y0 += sy;
		}
	}
}

/* Draws the chart. */
void widget_chart_draw(WINDOW *win, struct ui_rect r, const struct widget_series *s,
    size_t ns)
{
	static struct chart_canvas cv;  /* UI thread only */
	double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
	int labw = 9, pw, ph, i, j, any = 0, pass;
	size_t k, p;
	char buf[32];

	if (r.h < 3 || r.w < labw + 8)
		return;
	for (k = 0; k < ns; k++)
		for (p = 0; p < s[k].n; p++) {
			double x = s[k].x[p], y = s[k].y[p];

			if (!isfinite(x) || !isfinite(y))
				continue;
			xlo = fmin(xlo, x);
			xhi = fmax(xhi, x);
			ylo = fmin(ylo, y);
			yhi = fmax(yhi, y);
			any = 1;
		}
	if (!any) {
		widget_put(win, r.y, r.x, r.w, "(no data)", theme_attr(UI_DIM));
		return;
	}
	if (!(xhi > xlo)) {
		xlo -= 1;
		xhi += 1;
	}
	if (!(yhi > ylo)) {
		double d = fabs(ylo) * 0.01 + 1e-9;

		ylo -= d;
		yhi += d;
	}
	cv.w = r.w - labw;
	cv.h = r.h - 1;                         /* the legend row */
	if (cv.w > CHART_MAXW)
		cv.w = CHART_MAXW;
	if (cv.h > CHART_MAXH)
		cv.h = CHART_MAXH;
	cv.dots = theme_utf8();
	for (i = 0; i < cv.h; i++) {
		memset(cv.bits[i], 0, (size_t)cv.w);
		memset(cv.who[i], -1, (size_t)cv.w);
		memset(cv.mark[i], 0, (size_t)cv.w);
		memset(cv.pt[i], 0, (size_t)cv.w);
	}
	pw = cv.dots ? cv.w * 2 : cv.w;
	ph = cv.dots ? cv.h * 4 : cv.h;
	/* lines first, then the markers-only series, so points stay visible */
	for (pass = 0; pass < 2; pass++)
	for (k = 0; k < ns; k++) {
		int have = 0, lx = 0, ly = 0;

		if (s[k].points != pass)
			continue;

		for (p = 0; p < s[k].n; p++) {
			double x = s[k].x[p], y = s[k].y[p];
			int px, py;

			if (!isfinite(x) || !isfinite(y)) {
				have = 0;
				continue;
			}
			px = (int)lround((x - xlo) / (xhi - xlo) * (pw - 1));
			py = (int)lround((yhi - y) / (yhi - ylo) * (ph - 1));
			if (have && !s[k].points)
				chart_line(&cv, lx, ly, px, py, (int)k, s[k].mark);
			else
				chart_dot(&cv, px, py, (int)k, s[k].mark);
			if (s[k].points && cv.dots)
				cv.pt[py / 4 < cv.h ? py / 4 : cv.h - 1][px / 2 < cv.w ? px / 2 : cv.w - 1] =
				    s[k].mark ? s[k].mark : 'o';
			lx = px;
			ly = py;
			have = 1;
		}
	}
	/* y labels: top, middle, bottom */
	snprintf(buf, sizeof buf, "%8.4g", yhi);
	widget_put(win, r.y, r.x, labw - 1, buf, theme_attr(UI_DIM));
	snprintf(buf, sizeof buf, "%8.4g", (ylo + yhi) / 2);
	widget_put(win, r.y + (cv.h - 1) / 2, r.x, labw - 1, buf, theme_attr(UI_DIM));
	snprintf(buf, sizeof buf, "%8.4g", ylo);
	widget_put(win, r.y + cv.h - 1, r.x, labw - 1, buf, theme_attr(UI_DIM));
	for (i = 0; i < cv.h; i++) {
		wattrset(win, theme_attr(UI_DIM));
		mvwaddch(win, r.y + i, r.x + labw - 1, '|');
		for (j = 0; j < cv.w; j++) {
			int who = cv.who[i][j];
			char cell[8];

			if (who < 0)
				continue;
			if (cv.dots && cv.pt[i][j]) {
				/* market points stay points: their mark, not dots */
				cell[0] = cv.pt[i][j];
				cell[1] = '\0';
			} else if (cv.dots) {
				unsigned int cp = 0x2800u + cv.bits[i][j];

				cell[0] = (char)(0xe0 | (cp >> 12));
				cell[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
				cell[2] = (char)(0x80 | (cp & 0x3f));
				cell[3] = '\0';
			} else {
				cell[0] = cv.mark[i][j] ? cv.mark[i][j] : '*';
				cell[1] = '\0';
			}
			widget_put(win, r.y + i, r.x + labw + j, 1, cell, theme_attr(s[who].role));
		}
	}
	/* legend, with the ASCII marks so series differ without colour */
	{
		int x = r.x + labw;

		for (k = 0; k < ns && x < r.x + r.w; k++) {
			if (s[k].label == NULL)
				continue;
			snprintf(buf, sizeof buf, "%c %s  ", s[k].mark ? s[k].mark : '*', s[k].label);
			widget_put(win, r.y + cv.h, x, r.x + r.w - x, buf, theme_attr(s[k].role));
			x += (int)strlen(buf);
		}
	}
	wattrset(win, A_NORMAL);
}
