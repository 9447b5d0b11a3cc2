/*
 * console.c -- the full-screen console: status bar, output pane, message
 * line and a GNU readline command line inside curses.
 *
 * DESIGN
 * One thread (this one) owns the terminal.  Readline runs through its
 * callback interface: curses reads each key, hands it to readline through
 * rl_getc_function, and readline's line buffer is drawn by our own
 * redisplay function, so readline never writes to the terminal itself.
 * Command output is captured through the session's out sink into a
 * scrollback ring; errors arrive through qd->report and show on the
 * message line.  The screen is redrawn at ui.refresh_hz with one
 * doupdate() per frame; SIGWINCH is handled by curses (KEY_RESIZE).
 * stderr is redirected to the log while curses is up, because libraries
 * may write there.
 */
#include "config.h"

#include <curses.h>
#include <fcntl.h>
#include <locale.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "paths.h"
#include "qd.h"
#include "ui.h"
#include "util.h"

#define UI_SCROLLBACK 4000

struct ui {
	struct qd *qd;
	char *lines[UI_SCROLLBACK];     /* output ring */
	int nlines, head;
	int scroll;                     /* lines scrolled back from the bottom */
	char *message;                  /* message line text */
	int message_error;
	int pending_key;                /* the key readline reads next */
	int has_key;
	int dirty;
	char *history;
	int saved_stderr;
};

static struct ui *ui_current;   /* readline's callbacks carry no argument */

/* Appends one line to the output ring. */
static void ui_add_line(struct ui *u, const char *line)
{
	int slot = (u->head + u->nlines) % UI_SCROLLBACK;

	if (u->nlines == UI_SCROLLBACK) {
		free(u->lines[u->head]);
		u->head = (u->head + 1) % UI_SCROLLBACK;
		slot = (u->head + u->nlines - 1) % UI_SCROLLBACK;
	} else
		u->nlines++;
	u->lines[slot] = xstrdup(line);
	u->dirty = 1;
}

/* The out sink's writer: command output goes to the ring. */
static void ui_out_write(void *arg, const char *line)
{
	ui_add_line(arg, line);
}

/* The session's error path: shown on the message line and in the ring. */
static void ui_report(struct qd *qd, const char *msg)
{
	struct ui *u = ui_current;

	(void)qd;
	free(u->message);
	u->message = xstrdup(msg);
	u->message_error = 1;
	log_warn("%s", msg);
	u->dirty = 1;
}

/* Draws the status bar on the top line. */
static void ui_draw_status(struct ui *u)
{
	char clock[32];
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(clock, sizeof clock, "%H:%M:%S", &tm);
	attron(A_REVERSE);
	mvhline(0, 0, ' ', COLS);
	mvprintw(0, 1, "qdesk %s", PACKAGE_VERSION);
	mvprintw(0, COLS > 10 ? COLS - 9 : 0, "%s", clock);
	attroff(A_REVERSE);
	(void)u;
}

/* Draws the output pane between the status bar and the message line. */
static void ui_draw_output(struct ui *u)
{
	int rows = LINES - 3, r, first;

	if (rows < 1)
		return;
	if (u->scroll > u->nlines - rows)
		u->scroll = u->nlines > rows ? u->nlines - rows : 0;
	first = u->nlines - rows - u->scroll;
	for (r = 0; r < rows; r++) {
		int idx = first + r;

		move(1 + r, 0);
		clrtoeol();
		if (idx >= 0 && idx < u->nlines)
			addnstr(u->lines[(u->head + idx) % UI_SCROLLBACK], COLS);
	}
}

/* Draws the message line and readline's buffer with the cursor. */
static void ui_draw_prompt(struct ui *u)
{
	const char *prompt = rl_display_prompt && *rl_display_prompt ? rl_display_prompt :
	    rl_prompt ? rl_prompt : "";
	int y = LINES - 1, plen = (int)strlen(prompt), off = 0, cur;

	move(LINES - 2, 0);
	clrtoeol();
	if (u->message != NULL) {
		if (u->message_error)
			attron(A_BOLD);
		addnstr(u->message, COLS);
		attroff(A_BOLD);
	}
	move(y, 0);
	clrtoeol();
	cur = plen + rl_point;
	/* Scroll the line horizontally so the cursor stays visible. */
	if (cur >= COLS)
		off = cur - COLS + 1;
	if (off < plen)
		mvaddnstr(y, 0, prompt + off, COLS);
	if (rl_line_buffer != NULL && (int)strlen(rl_line_buffer) > off - plen)
		mvaddnstr(y, plen - off > 0 ? plen - off : 0,
		    rl_line_buffer + (off > plen ? off - plen : 0), COLS);
	move(y, cur - off);
}

/* Redraws the whole screen with one doupdate(). */
static void ui_draw(struct ui *u)
{
	erase();
	ui_draw_status(u);
	ui_draw_output(u);
	ui_draw_prompt(u);
	wnoutrefresh(stdscr);
	doupdate();
	u->dirty = 0;
}

/* readline's redisplay hook: we draw the line ourselves. */
static void ui_rl_redisplay(void)
{
	ui_current->dirty = 1;
}

/* readline's input hook: the key curses read for it. */
static int ui_rl_getc(FILE *f)
{
	(void)f;
	ui_current->has_key = 0;
	return ui_current->pending_key;
}

/* readline's input-available hook. */
static int ui_rl_input_available(void)
{
	return ui_current->has_key;
}

/* Called by readline with each finished line. */
static void ui_rl_line(char *line)
{
	struct ui *u = ui_current;

	if (line == NULL) {     /* Ctrl-D on an empty line */
		u->qd->quit = 1;
		return;
	}
	if (*line != '\0') {
		char *echo = xasprintf("> %s", line);

		add_history(line);
		ui_add_line(u, echo);
		free(echo);
		free(u->message);
		u->message = NULL;
		u->scroll = 0;
		qd_run_line(u->qd, line, NULL, 0);
	}
	free(line);
}

/* Feeds one byte to readline. */
static void ui_feed(struct ui *u, int c)
{
	u->pending_key = c;
	u->has_key = 1;
	rl_callback_read_char();
}

/* Feeds a byte sequence (an escape sequence for a curses key). */
static void ui_feed_seq(struct ui *u, const char *s)
{
	while (*s != '\0')
		ui_feed(u, (unsigned char)*s++);
}

/* Handles one key from curses. */
static void ui_key(struct ui *u, int ch)
{
	switch (ch) {
	case KEY_RESIZE:
		u->dirty = 1;
		return;
	case KEY_PPAGE:
		u->scroll += LINES / 2;
		u->dirty = 1;
		return;
	case KEY_NPAGE:
		u->scroll -= LINES / 2;
		if (u->scroll < 0)
			u->scroll = 0;
		u->dirty = 1;
		return;
	case KEY_LEFT: ui_feed_seq(u, "\033[D"); return;
	case KEY_RIGHT: ui_feed_seq(u, "\033[C"); return;
	case KEY_UP: ui_feed_seq(u, "\033[A"); return;
	case KEY_DOWN: ui_feed_seq(u, "\033[B"); return;
	case KEY_HOME: ui_feed_seq(u, "\001"); return;
	case KEY_END: ui_feed_seq(u, "\005"); return;
	case KEY_DC: ui_feed_seq(u, "\004"); return;
	case KEY_BACKSPACE: ui_feed(u, 127); return;
	case KEY_ENTER: ui_feed(u, '\n'); return;
	default:
		if (ch >= 0 && ch < 256)
			ui_feed(u, ch);
	}
}

/* Restores the terminal; installed as fatal()'s hook. */
static void ui_restore(void)
{
	if (!isendwin())
		endwin();
}

/* Sets up readline for the callback interface with our hooks. */
static void ui_readline_init(struct ui *u)
{
	char *cause = NULL;

	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_prep_term_function = NULL;
	rl_deprep_term_function = NULL;
	rl_getc_function = ui_rl_getc;
	rl_input_available_hook = ui_rl_input_available;
	rl_redisplay_function = ui_rl_redisplay;
	rl_readline_name = "qdesk";
	using_history();
	stifle_history((int)conf_get_int(u->qd->conf, "ui.history_size"));
	u->history = paths_file(PATHS_STATE, "history", 1, &cause);
	free(cause);
	if (u->history != NULL)
		read_history(u->history);
	rl_callback_handler_install("qdesk> ", ui_rl_line);
}

/* Points stderr at the log file's directory while curses is up. */
static void ui_hide_stderr(struct ui *u)
{
	char *cause = NULL, *path = paths_file(PATHS_STATE, "stderr.log", 1, &cause);
	int fd;

	free(cause);
	u->saved_stderr = dup(STDERR_FILENO);
	fd = path ? open(path, O_WRONLY | O_CREAT | O_APPEND, 0600) : -1;
	if (fd < 0)
		fd = open("/dev/null", O_WRONLY);
	if (fd >= 0) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	free(path);
}

/* Gives stderr back to the terminal. */
static void ui_restore_stderr(struct ui *u)
{
	if (u->saved_stderr >= 0) {
		dup2(u->saved_stderr, STDERR_FILENO);
		close(u->saved_stderr);
	}
}

/* Runs the console. */
int ui_console_run(struct qd *qd, const char *startup)
{
	struct ui u;
	struct out saved_out = qd->out;
	int hz, i;

	memset(&u, 0, sizeof u);
	u.qd = qd;
	u.saved_stderr = -1;
	ui_current = &u;
	setlocale(LC_ALL, "");
	/* Characters from the locale (UTF-8 or not), but numbers always with a
	 * decimal point: strtod and printf must read and write the same text
	 * in the console as in scripts. */
	setlocale(LC_NUMERIC, "C");
	out_init(&qd->out, ui_out_write, &u);
	qd->out.json = saved_out.json;
	qd->report = ui_report;
	qd->console = 1;
	log_set_console(1);
	ui_hide_stderr(&u);
	if (initscr() == NULL)
		fatal("cannot initialise the terminal");
	fatal_restore_hook = ui_restore;
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	hz = (int)conf_get_int(qd->conf, "ui.refresh_hz");
	timeout(1000 / (hz > 0 ? hz : 10));
	ui_readline_init(&u);
	ui_add_line(&u, "qdesk console -- type 'help' for commands, 'quit' to leave.");
	if (startup != NULL)
		qd_run_file(qd, startup);
	u.dirty = 1;
	while (!qd->quit) {
		int ch = getch();

		if (ch != ERR)
			ui_key(&u, ch);
		/* Redraw every frame: the clock and engine data move. */
		ui_draw(&u);
	}
	rl_callback_handler_remove();
	if (u.history != NULL)
		write_history(u.history);
	endwin();
	fatal_restore_hook = NULL;
	ui_restore_stderr(&u);
	log_set_console(0);
	out_free(&qd->out);
	qd->out = saved_out;
	qd->report = NULL;
	qd->console = 0;
	for (i = 0; i < u.nlines; i++)
		free(u.lines[(u.head + i) % UI_SCROLLBACK]);
	free(u.message);
	free(u.history);
	ui_current = NULL;
	return 0;
}
