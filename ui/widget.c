/*
 * widget.c -- what every widget shares: writing clipped UTF-8 text and a
 * panel's title line (widget.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "widget.h"

/* Writes at most w characters of s at (y, x). */
void widget_put(WINDOW *win, int y, int x, int w, const char *s, attr_t a)
{
	size_t bytes = 0;
	int chars = 0;

	if (w <= 0 || s == NULL)
		return;
	while (s[bytes] != '\0') {
		unsigned char c = (unsigned char)s[bytes];

		if ((c & 0xc0) != 0x80) {
			if (chars == w)
				break;
			chars++;
		}
		bytes++;
	}
	wattrset(win, a);
	mvwaddnstr(win, y, x, s, (int)bytes);
	wattrset(win, A_NORMAL);
}

/* Draws a panel's title line; returns the rectangle below it. */
struct ui_rect widget_title(WINDOW *win, struct ui_rect r, const char *title, int focused)
{
	char buf[256];
	attr_t a = theme_attr(focused ? UI_FOCUS : UI_TITLE);

	if (r.h <= 0 || r.w <= 0)
		return r;
	wattrset(win, theme_attr(UI_DIM));
	mvwhline(win, r.y, r.x, '-', r.w);
	snprintf(buf, sizeof buf, "%s %s ", focused ? "[*" : "[ ", title);
	widget_put(win, r.y, r.x, r.w, buf, a);
	if ((int)strlen(buf) < r.w)
		widget_put(win, r.y, r.x + (int)strlen(buf) - 1, 1, "]", a);
	r.y++;
	r.h--;
	return r;
}
