/*
 * layout.h -- the console's screens and panels: what each frame reads
 * (snapshots, and the store and Greeks refreshed at most once a second),
 * the screen manager that lays panels out for the terminal's size, and the
 * panels' entry points (panel-*.c).
 *
 * Everything here runs on the UI thread.  Panels read only the frame's
 * data (struct ui_data), never the engine's locks for long, and a panel
 * whose source failed draws its error text.
 */
#ifndef QD_UI_LAYOUT_H
#define QD_UI_LAYOUT_H

#include <stddef.h>

#include "risk.h"
#include "widget.h"

struct conf;
struct engine_snap;
struct calib_book;
struct mstate_snap;
struct store;
struct store_position;
struct order;

/* Screens, switched with F1..F6 (or 1..6 on an empty command line). */
enum ui_screen {
	UI_SCR_SURFACE = 0, UI_SCR_SPREADS, UI_SCR_GREEKS, UI_SCR_BLOTTER, UI_SCR_SIGNALS,
	UI_SCR_LOG, UI_NSCREENS
};

/* Panels (each screen shows one or two). */
enum ui_panel {
	UI_P_HEATMAP = 0, UI_P_SMILE, UI_P_SPREADS, UI_P_SPREAD_CHART, UI_P_GREEKS,
	UI_P_POSITIONS, UI_P_ORDERS, UI_P_SIGNALS, UI_P_ALERTS, UI_P_LOG, UI_NPANELS
};

#define UI_LOG_LINES 1000
#define UI_ERR_MAX 256

/* What one frame reads. */
struct ui_data {
	/* every frame (immutable snapshots; released after the frame) */
	const struct engine_snap *esnap;
	const struct calib_book *book;          /* NULL when the engine never published */
	const struct mstate_snap *msnap;
	double now;                             /* wall clock, epoch seconds */
	/* at most once a second */
	double slow_at;                         /* when the slow sources were read */
	struct store *store;                    /* the UI's own connection */
	char store_err[UI_ERR_MAX];
	struct store_position *pos;
	size_t npos;
	struct order *orders;
	size_t norders;
	struct risk_greeks greeks;
	int greeks_ok;
	char greeks_err[UI_ERR_MAX];
	int kill_persisted;                     /* the store says killed (OMS not running) */
	double pnl;                             /* realized - fees + unrealized */
	int pnl_ok;
};

/* The console's UI state shared by the layout and the panels. */
struct ui_ctx {
	WINDOW *win;
	struct conf *conf;
	struct ui_data d;
	int screen;                             /* enum ui_screen */
	int focus;                              /* index of the focused panel on the screen */
	struct widget_table tab[UI_NPANELS];
	int und_sel;                            /* surface: the underlying */
	int exp_sel;                            /* surface: the expiry */
	int heat_mode;                          /* surface: what the heatmap shows */
	unsigned long sig_sel_id;               /* signals: the selected signal (by id) */
	struct widget_text log_view, alert_view;
	int log_view_h, alert_view_h;           /* their heights at the last frame */
	char search[64];                        /* highlighted in the log views */
	/* the log pane's copy of the log ring */
	char log_lines[UI_LOG_LINES][160];
	unsigned long log_first, log_n, log_after;
	/* runs a command line through the command table (approve, reject) */
	void (*run)(void *arg, const char *line);
	void *run_arg;
	int killed_local;                       /* the kill key ran `kill` (no OMS) */
	int show_hint;                          /* the first screen's kill hint */
};

/* Data (ui/data.c). */
void ui_data_init(struct ui_ctx *c);
/* Takes the frame's snapshots; the slow sources when a second has passed. */
void ui_data_frame(struct ui_ctx *c, double now);
/* Releases the frame's snapshots. */
void ui_data_release(struct ui_ctx *c);
/* Forces the slow sources to be read on the next frame. */
void ui_data_invalidate(struct ui_ctx *c);
void ui_data_free(struct ui_ctx *c);

/* Layout (ui/layout.c). */
/* Draws the status bar and the current screen's panels into r. */
void layout_draw_status(struct ui_ctx *c, int y, int w);
void layout_draw_screen(struct ui_ctx *c, struct ui_rect r);
/* Keys for the screens and panels (command line empty); 1 when used. */
int layout_key(struct ui_ctx *c, int key);
/* The screen names for the tab line. */
const char *layout_screen_name(int screen);
/* The panels of the current screen (n <= 2). */
int layout_panels(const struct ui_ctx *c, enum ui_panel *out);
/* 1 when the kill switch shows as engaged. */
int layout_killed(const struct ui_ctx *c);

/* Panels (ui/panel-*.c): draw into r; key returns 1 when used. */
void panel_surface_heatmap_draw(struct ui_ctx *c, struct ui_rect r, int focused);
void panel_surface_smile_draw(struct ui_ctx *c, struct ui_rect r, int focused);
int panel_surface_key(struct ui_ctx *c, int key);
void panel_surface_free(void);
/* Makes the next surface frame recompute its model vols, as a new chain
 * or new parameters do (the bench times that frame). */
void panel_surface_invalidate(void);
void panel_spreads_table_draw(struct ui_ctx *c, struct ui_rect r, int focused);
void panel_spreads_chart_draw(struct ui_ctx *c, struct ui_rect r, int focused);
int panel_spreads_key(struct ui_ctx *c, int key);
void panel_greeks_draw(struct ui_ctx *c, struct ui_rect r, int focused);
void panel_blotter_positions_draw(struct ui_ctx *c, struct ui_rect r, int focused);
void panel_blotter_orders_draw(struct ui_ctx *c, struct ui_rect r, int focused);
void panel_signals_draw(struct ui_ctx *c, struct ui_rect r, int focused);
int panel_signals_key(struct ui_ctx *c, int key);
void panel_log_alerts_draw(struct ui_ctx *c, struct ui_rect r, int focused);
void panel_log_draw(struct ui_ctx *c, struct ui_rect r, int focused);
int panel_log_key(struct ui_ctx *c, int key, int panel);
/* Copies new log records into the log pane (every frame). */
void panel_log_poll(struct ui_ctx *c);

#endif
