/*
 * widget-text.c -- a scrollable text view over numbered lines (command
 * output, the log, alerts, help).  While the user reads older lines the
 * view stays on them however many lines arrive (widget.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "widget.h"

/* Starts a view that follows the newest lines. */
void widget_text_init(struct widget_text *t)
{
	t->follow = 1;
	t->top = 0;
}

/* The first line shown for h rows. */
static unsigned long widget_text_first(const struct widget_text *t, unsigned long first,
    unsigned long n, int h)
{
	unsigned long end = first + n, top;

	if (t->follow || h <= 0)
		return n > (unsigned long)h ? end - (unsigned long)h : first;
	top = t->top;
	if (top < first)
		top = first;    /* the lines read have been dropped from the ring */
	if (top + (unsigned long)h > end)
		top = n > (unsigned long)h ? end - (unsigned long)h : first;
	return top;
}

/* Draws the view. */
void widget_text_draw(WINDOW *win, struct ui_rect r, struct widget_text *t,
    unsigned long first, unsigned long n, widget_line_fn line, void *arg, const char *match)
{
	unsigned long top = widget_text_first(t, first, n, r.h);
	int i;

	for (i = 0; i < r.h; i++) {
		unsigned long seq = top + (unsigned long)i;
		const char *s;

		if (seq >= first + n)
			break;
		s = line(arg, seq);
		if (s == NULL)
			continue;
		widget_put(win, r.y + i, r.x, r.w, s,
		    match != NULL && *match != '\0' && strstr(s, match) != NULL ?
		    theme_attr(UI_SELECT) : A_NORMAL);
	}
	if (!t->follow && r.h > 0 && r.w > 12) {
		char more[40];
		unsigned long below = first + n - (top + (unsigned long)r.h);

		snprintf(more, sizeof more, "[%lu more v]", n > (unsigned long)r.h ? below : 0);
		widget_put(win, r.y + r.h - 1, r.x + r.w - (int)strlen(more), (int)strlen(more),
		    more, theme_attr(UI_ALERT));
	}
}

/* Scrolls the view. */
void widget_text_scroll(struct widget_text *t, long delta, unsigned long first,
    unsigned long n, int h)
{
	unsigned long top = widget_text_first(t, first, n, h), end = first + n;
	long nt = (long)top + delta;

	if (nt < (long)first)
		nt = (long)first;
	if (n <= (unsigned long)h || (unsigned long)nt + (unsigned long)h >= end) {
		t->follow = 1;
		return;
	}
	t->follow = 0;
	t->top = (unsigned long)nt;
}

/* Finds s above the current top. */
int widget_text_search(struct widget_text *t, const char *s, unsigned long first,
    unsigned long n, int h, widget_line_fn line, void *arg)
{
	unsigned long top = widget_text_first(t, first, n, h), seq;

	if (s == NULL || *s == '\0')
		return -1;
	for (seq = top; seq-- > first;) {
		const char *l = line(arg, seq);

		if (l != NULL && strstr(l, s) != NULL) {
			t->follow = 0;
			t->top = seq;
			if (seq + (unsigned long)h >= first + n)
				t->follow = 1;
			return 0;
		}
	}
	return -1;
}
