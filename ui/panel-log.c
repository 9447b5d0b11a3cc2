/*
 * panel-log.c -- the log and alerts screen: the engine's alerts and the
 * program's log (copied from the log ring each frame), in text views that
 * stay where the user scrolled while new lines arrive.  Typing /TEXT on
 * the command line sets the search text (highlighted); `n` finds its
 * previous occurrence, j/k and PgUp/PgDn scroll, G goes back to following.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "layout.h"
#include "log.h"

/* Copies new log records into the pane's ring. */
void panel_log_poll(struct ui_ctx *c)
{
	struct log_record rec[64];
	size_t n, i;

	while ((n = log_ring_read(c->log_after, rec, 64)) > 0) {
		for (i = 0; i < n; i++) {
			unsigned long seq = c->log_first + c->log_n;
			time_t t = (time_t)rec[i].time;
			struct tm tm;
			char ts[16];

			localtime_r(&t, &tm);
			strftime(ts, sizeof ts, "%H:%M:%S", &tm);
			snprintf(c->log_lines[seq % UI_LOG_LINES], sizeof c->log_lines[0],
			    "%s %-5s %s", ts, log_level_name(rec[i].level), rec[i].msg);
			if (c->log_n == UI_LOG_LINES)
				c->log_first++;
			else
				c->log_n++;
			c->log_after = rec[i].seq;
		}
		if (n < 64)
			break;
	}
}

/* A log line by sequence. */
static const char *log_line(void *arg, unsigned long seq)
{
	struct ui_ctx *c = arg;

	return seq >= c->log_first && seq < c->log_first + c->log_n ?
	    c->log_lines[seq % UI_LOG_LINES] : NULL;
}

/* The alerts of the frame as text, built on demand. */
static const char *alert_line(void *arg, unsigned long seq)
{
	static char buf[CALIB_ALERT_MAX + 128];
	struct ui_ctx *c = arg;
	const struct engine_alert *a;
	size_t n = 0;
	time_t t;
	struct tm tm;
	char ts[16];

	if (c->d.esnap == NULL)
		return NULL;
	a = engine_snap_alerts(c->d.esnap, &n);
	if (seq >= n)
		return NULL;
	a += seq;
	t = (time_t)a->time;
	localtime_r(&t, &tm);
	strftime(ts, sizeof ts, "%H:%M:%S", &tm);
	/* the message usually names its symbol already */
	snprintf(buf, sizeof buf, "%s %s: %s%s%s", ts, a->source,
	    a->symbol[0] != '\0' && strncmp(a->msg, a->symbol, strlen(a->symbol)) != 0 ?
	    a->symbol : "", a->symbol[0] != '\0' && strncmp(a->msg, a->symbol,
	    strlen(a->symbol)) != 0 ? ": " : "", a->msg);
	if (a->repeats > 0) {
		size_t l = strlen(buf);

		snprintf(buf + l, sizeof buf - l, " (x%lu)", a->repeats + 1);
	}
	return buf;
}

/* The number of alerts. */
static unsigned long alert_count(struct ui_ctx *c)
{
	size_t n = 0;

	if (c->d.esnap != NULL)
		engine_snap_alerts(c->d.esnap, &n);
	return n;
}

/* Draws the alerts. */
void panel_log_alerts_draw(struct ui_ctx *c, struct ui_rect r, int focused)
{
	char title[64];

	snprintf(title, sizeof title, "alerts (%lu)", alert_count(c));
	r = widget_title(c->win, r, title, focused);
	if (c->d.esnap == NULL) {
		widget_put(c->win, r.y, r.x, r.w, "engine: no snapshot", theme_attr(UI_ALERT));
		return;
	}
	widget_text_draw(c->win, r, &c->alert_view, 0, alert_count(c), alert_line, c, c->search);
	c->alert_view_h = r.h;
}

/* Draws the log. */
void panel_log_draw(struct ui_ctx *c, struct ui_rect r, int focused)
{
	char title[128];

	snprintf(title, sizeof title, "log  j/k PgUp/PgDn:scroll  G:bottom  n:find '%s'",
	    c->search);
	r = widget_title(c->win, r, title, focused);
	widget_text_draw(c->win, r, &c->log_view, c->log_first, c->log_n, log_line, c,
	    c->search);
	c->log_view_h = r.h;
}

/* Log keys: scroll, bottom, find the search text upwards. */
int panel_log_key(struct ui_ctx *c, int key, int panel)
{
	int alerts = panel == UI_P_ALERTS;
	struct widget_text *t = alerts ? &c->alert_view : &c->log_view;
	unsigned long first = alerts ? 0 : c->log_first;
	unsigned long n = alerts ? alert_count(c) : c->log_n;
	int h = alerts ? c->alert_view_h : c->log_view_h;

	switch (key) {
	case 'k': widget_text_scroll(t, -1, first, n, h); return 1;
	case 'j': widget_text_scroll(t, 1, first, n, h); return 1;
	case KEY_PPAGE: widget_text_scroll(t, -(h > 2 ? h - 1 : 1), first, n, h); return 1;
	case KEY_NPAGE: widget_text_scroll(t, h > 2 ? h - 1 : 1, first, n, h); return 1;
	case 'G': t->follow = 1; return 1;
	case 'n':
		widget_text_search(t, c->search, first, n, h, alerts ? alert_line : log_line, c);
		return 1;
	default:
		return 0;
	}
}
