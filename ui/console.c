/*
 * console.c -- the full-screen console: status bar, screens of panels
 * (layout.c), output pane, message line and a GNU readline command line
 * inside curses, and the kill key.
 *
 * DESIGN
 * One thread (this one) owns the terminal.  Readline runs through its
 * callback interface: curses reads each key, hands it to readline through
 * rl_getc_function, and readline's line buffer is drawn by our own
 * redisplay function, so readline never writes to the terminal itself.
 * Commands do not run here: each line (typed, from a panel key, or -x
 * FILE) is queued on the command queue (src/cmdq.c), whose own thread
 * runs them in order, so a slow calibration never freezes the screen or
 * the kill key.  Their output (the session's out sink) and errors
 * (qd->report) are called on that thread and only copied into an inbox
 * under a lock; each frame moves the inbox into the scrollback ring, or
 * into the help view for `help`, and shows on the message line what runs,
 * for how long and its last progress report.  Ctrl-C asks the running
 * command to stop and drops the waiting ones.  The screen is redrawn at ui.refresh_hz with one
 * doupdate() per frame; SIGWINCH is handled by curses (KEY_RESIZE).
 * stderr is redirected to the log while curses is up, because libraries
 * may write there.
 *
 * Each frame takes the engine's and the market's snapshots (data.c), reads
 * every key waiting, draws, and releases the snapshots: nothing here waits
 * on an engine lock beyond a pointer copy.
 *
 * The kill key (ui.kill_key, ui.kill_key2: F12 and Ctrl-\ by default) is
 * tested before anything else for every key, whatever is being typed:
 * oms_kill() sets the OMS's atomic flag at once (or, with no OMS running,
 * the `kill` command persists the switch), and the same frame draws
 * KILLED.  The terminal is in raw mode, so Ctrl-\ arrives as a key; a
 * SIGQUIT that arrives anyway (another process, a terminal not in raw
 * mode yet) only sets a flag that the loop turns into the same kill.
 */
#include "config.h"

#include <curses.h>
#include <fcntl.h>
#include <locale.h>
#include <pthread.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmdq.h"
#include "complete.h"
#include "conf.h"
#include "layout.h"
#include "log.h"
#include "oms.h"
#include "paths.h"
#include "qd.h"
#include "theme.h"
#include "ui.h"
#include "util.h"

#define UI_SCROLLBACK 4000
#define UI_QUEUE_MAX 64         /* command lines that may wait */

/* Where a queued command's output goes. */
enum { UI_TAG_OUTPUT, UI_TAG_HELP };

/* A line from the command thread, waiting for the next frame. */
struct ui_inline {
	char *text;
	int tag;
};

struct ui {
	struct qd *qd;
	struct ui_ctx ctx;              /* screens and panels (layout.h) */
	char *lines[UI_SCROLLBACK];     /* output ring */
	int nlines, head;
	unsigned long dropped;          /* lines pushed out of the ring */
	struct widget_text view;        /* the output pane's scrolling */
	int view_h;                     /* its height at the last frame */
	int expanded;                   /* output pane over the panels (after a command) */
	int kill_key[2];                /* curses key codes; -1 none */
	int repaint;                    /* the next frame clears and repaints all */
	char *message;                  /* message line text */
	int message_error;
	int pending_key;                /* the key readline reads next */
	int has_key;
	int dirty;
	char *history;
	int saved_stderr;
	struct cmdq *q;                 /* runs the commands, off this thread */
	struct cmdq_status run;         /* its state at this frame */
	/* what the command thread sends, under inbox_lock */
	pthread_mutex_t inbox_lock;
	struct ui_inline *inbox;
	int ninbox, capinbox;
	char *inbox_message;
	/* the help view: `help` output over the panels */
	char **help;
	int nhelp, caphelp, help_open, help_h;
	struct widget_text help_view;
};

static struct ui *ui_current;   /* readline's callbacks carry no argument */
static volatile sig_atomic_t ui_sigquit;        /* SIGQUIT arrived */
static volatile sig_atomic_t ui_sigend;         /* SIGHUP or SIGTERM arrived */

/* Appends one line to the output ring. */
static void ui_add_line(struct ui *u, const char *line)
{
	int slot = (u->head + u->nlines) % UI_SCROLLBACK;

	if (u->nlines == UI_SCROLLBACK) {
		free(u->lines[u->head]);
		u->head = (u->head + 1) % UI_SCROLLBACK;
		u->dropped++;
		slot = (u->head + u->nlines - 1) % UI_SCROLLBACK;
	} else
		u->nlines++;
	u->lines[slot] = xstrdup(line);
	u->dirty = 1;
}

/* The out sink's writer, called on the command thread: the line waits in
 * the inbox for the next frame, tagged with where it goes. */
static void ui_out_write(void *arg, const char *line)
{
	struct ui *u = arg;
	int tag = u->q != NULL ? cmdq_tag(u->q) : -1;

	pthread_mutex_lock(&u->inbox_lock);
	if (u->ninbox == u->capinbox) {
		u->capinbox = u->capinbox ? 2 * u->capinbox : 64;
		u->inbox = xrealloc(u->inbox, (size_t)u->capinbox * sizeof *u->inbox);
	}
	u->inbox[u->ninbox].text = xstrdup(line);
	u->inbox[u->ninbox++].tag = tag == UI_TAG_HELP ? UI_TAG_HELP : UI_TAG_OUTPUT;
	pthread_mutex_unlock(&u->inbox_lock);
}

/* The session's error path (the command thread): the message line at the
 * next frame. */
static void ui_report(struct qd *qd, const char *msg)
{
	struct ui *u = ui_current;

	(void)qd;
	log_warn("%s", msg);
	pthread_mutex_lock(&u->inbox_lock);
	free(u->inbox_message);
	u->inbox_message = xstrdup(msg);
	pthread_mutex_unlock(&u->inbox_lock);
}

/* Frees what the inbox still holds once the command thread is gone. */
static void ui_inbox_drain_free(struct ui *u)
{
	int i;

	for (i = 0; i < u->ninbox; i++)
		free(u->inbox[i].text);
	free(u->inbox);
	u->inbox = NULL;
	u->ninbox = u->capinbox = 0;
	free(u->inbox_message);
	u->inbox_message = NULL;
}

/* Shows an error on the message line (the UI thread's own errors). */
static void ui_message(struct ui *u, const char *msg, int error)
{
	free(u->message);
	u->message = xstrdup(msg);
	u->message_error = error;
	u->dirty = 1;
}

/* Appends a line to the help view. */
static void ui_help_add(struct ui *u, const char *line)
{
	if (u->nhelp == u->caphelp) {
		u->caphelp = u->caphelp ? 2 * u->caphelp : 128;
		u->help = xrealloc(u->help, (size_t)u->caphelp * sizeof *u->help);
	}
	u->help[u->nhelp++] = xstrdup(line);
}

/* Empties the help view. */
static void ui_help_clear(struct ui *u)
{
	int i;

	for (i = 0; i < u->nhelp; i++)
		free(u->help[i]);
	u->nhelp = 0;
	widget_text_init(&u->help_view);
	u->help_view.follow = 0;        /* a help text is read from its top */
}

/* A help line by number (widget_text's callback). */
static const char *ui_help_line(void *arg, unsigned long seq)
{
	struct ui *u = arg;

	return seq < (unsigned long)u->nhelp ? u->help[seq] : NULL;
}

/* Moves what the command thread sent into the ring, the help view and
 * the message line; notes a finished command. */
static void ui_inbox_drain(struct ui *u)
{
	struct ui_inline *in;
	char *msg;
	int i, n;
	unsigned long done = u->run.done;

	pthread_mutex_lock(&u->inbox_lock);
	in = u->inbox;
	n = u->ninbox;
	msg = u->inbox_message;
	u->inbox = NULL;
	u->ninbox = u->capinbox = 0;
	u->inbox_message = NULL;
	pthread_mutex_unlock(&u->inbox_lock);
	for (i = 0; i < n; i++) {
		if (in[i].tag == UI_TAG_HELP) {
			ui_help_add(u, in[i].text);
			u->help_open = 1;
		} else
			ui_add_line(u, in[i].text);
		free(in[i].text);
	}
	free(in);
	if (msg != NULL) {
		ui_add_line(u, msg);
		free(u->message);
		u->message = msg;
		u->message_error = 1;
	}
	cmdq_status(u->q, &u->run);
	if (u->run.done != done)
		ui_data_invalidate(&u->ctx);    /* a command may have changed orders */
	if (n > 0 || msg != NULL || u->run.busy)
		u->dirty = 1;
}

/* An output line by sequence number (widget_text's callback). */
static const char *ui_out_line(void *arg, unsigned long seq)
{
	struct ui *u = arg;

	if (seq < u->dropped || seq >= u->dropped + (unsigned long)u->nlines)
		return NULL;
	return u->lines[(u->head + (int)(seq - u->dropped)) % UI_SCROLLBACK];
}

/* Draws the output pane into r. */
static void ui_draw_output(struct ui *u, struct ui_rect r)
{
	if (r.h < 1)
		return;
	u->view_h = r.h;
	widget_text_draw(stdscr, r, &u->view, u->dropped, (unsigned long)u->nlines,
	    ui_out_line, u, NULL);
}

/* Draws the message line and readline's buffer with the cursor. */
static void ui_draw_prompt(struct ui *u)
{
	const char *prompt = rl_display_prompt && *rl_display_prompt ? rl_display_prompt :
	    rl_prompt ? rl_prompt : "";
	int y = LINES - 1, plen = (int)strlen(prompt), off = 0, cur;

	move(LINES - 2, 0);
	clrtoeol();
	if (u->run.busy) {
		/* what runs, for how long, its progress: the screen is alive */
		char buf[CMDQ_LINE_MAX + CMDQ_PROGRESS_MAX + 96];

		snprintf(buf, sizeof buf, "[%.1fs] %s%s%s%s", u->run.elapsed, u->run.line,
		    u->run.progress[0] ? " -- " : "", u->run.progress,
		    u->run.cancelling ? " -- stopping" : " -- Ctrl-C stops");
		if (u->run.queued > 0)
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " (%d queued)",
			    u->run.queued);
		attrset(theme_attr(UI_ALERT));
		addnstr(buf, COLS);
		attrset(A_NORMAL);
	} else if (u->message != NULL) {
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

/* The output pane's height when the panels are shown. */
static int ui_output_rows(int avail)
{
	int h = avail / 3;

	return h < 3 ? (avail < 3 ? avail : 3) : h;
}

/* Draws a frame (status bar, screen, output, prompt) into the current
 * screen's stdscr without updating the terminal. */
static void ui_compose(struct ui *u)
{
	int avail = LINES - 3;
	struct ui_rect scr = { 1, 0, 0, COLS }, out = { 0, 0, 0, COLS };

	erase();
	layout_draw_status(&u->ctx, 0, COLS);
	if (avail > 0 && u->help_open) {
		/* the help view over the panels and the output */
		struct ui_rect r = { 2, 0, avail - 1, COLS };

		attrset(theme_attr(UI_TITLE));
		mvhline(1, 0, ' ', COLS);
		mvaddnstr(1, 0, "help -- Up/Down PgUp/PgDn Home/End scroll, q or Esc closes "
		    "(F12 / Ctrl-\\ still kills)", COLS);
		attrset(A_NORMAL);
		u->help_h = r.h;
		widget_text_draw(stdscr, r, &u->help_view, 0, (unsigned long)u->nhelp,
		    ui_help_line, u, NULL);
	} else if (avail > 0) {
		if (u->expanded) {
			/* the output over the panels: only the tab line stays */
			scr.h = 1;
			out.h = avail - 1;
		} else {
			out.h = ui_output_rows(avail);
			scr.h = avail - out.h;
		}
		out.y = 1 + scr.h;
		layout_draw_screen(&u->ctx, scr);
		if (out.h > 0 && !u->expanded) {
			/* a rule between the panels and the output */
			attrset(theme_attr(UI_DIM));
			mvhline(out.y, 0, '-', COLS);
			attrset(A_NORMAL);
			out.y++;
			out.h--;
		}
		ui_draw_output(u, out);
	}
	ui_draw_prompt(u);
}

/* Redraws the whole screen with one doupdate(). */
static void ui_draw(struct ui *u)
{
	ui_compose(u);
	wnoutrefresh(stdscr);
	if (u->repaint) {
		clearok(curscr, TRUE);
		idlok(stdscr, FALSE);
		u->repaint = 0;
	}
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

/* 1 when a line asks for help (`help ...` or `? ...`): its output opens
 * the help view. */
static int ui_line_is_help(const char *line)
{
	size_t n;

	line += strspn(line, " \t");
	n = strcspn(line, " \t;");
	return (n == 4 && strncmp(line, "help", 4) == 0) || (n == 1 && line[0] == '?');
}

/* Queues a command line for the command thread, echoing it to the output
 * pane; a full queue is said on the message line. */
static void ui_run(struct ui *u, const char *line)
{
	char *echo = xasprintf("> %s", line), *cause = NULL;
	int help = ui_line_is_help(line);

	ui_add_line(u, echo);
	free(echo);
	free(u->message);
	u->message = NULL;
	u->view.follow = 1;
	if (help)
		ui_help_clear(u);
	else
		u->help_open = 0;
	if (cmdq_push(u->q, line, help ? UI_TAG_HELP : UI_TAG_OUTPUT, NULL, &cause) != 0) {
		ui_message(u, cause, 1);
		free(cause);
	}
}

/* The layout's hook to run a command (a panel key such as approve). */
static void ui_run_hook(void *arg, const char *line)
{
	ui_run(arg, line);
}

/* Called by readline with each finished line. */
static void ui_rl_line(char *line)
{
	struct ui *u = ui_current;

	if (line == NULL) {     /* Ctrl-D on an empty line */
		u->qd->quit = 1;
		return;
	}
	if (*line == '/') {
		/* a search of the log panes, not a command */
		snprintf(u->ctx.search, sizeof u->ctx.search, "%s", line + 1);
		u->ctx.screen = UI_SCR_LOG;
		u->expanded = 0;
	} else if (*line != '\0') {
		add_history(line);
		u->expanded = 1;
		ui_run(u, line);
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

/* Engages the kill switch: at once through the OMS's flag, or through
 * the `kill` command (persisted) when no OMS runs. */
static void ui_kill(struct ui *u, const char *why)
{
	char *cause = NULL;

	if (oms_running())
		oms_kill(why, 0);
	else {
		/* No order manager: persisted here and now, never behind a
		 * command that is running. */
		u->ctx.killed_local = 1;
		if (oms_kill_stored(u->qd->conf, why, &cause) != 0) {
			char *msg = xasprintf("KILL SWITCH ENGAGED for this session, but not "
			    "saved: %s", cause);

			log_error("%s", msg);
			ui_message(u, msg, 1);
			free(msg);
			free(cause);
			return;
		}
	}
	log_warn("kill switch engaged by the console (%s)", why);
	ui_message(u, "KILL SWITCH ENGAGED -- no order is sent; `resume --yes` releases it", 1);
}

/* 1 when readline's line is empty (keys then drive the panels). */
static int ui_line_empty(void)
{
	return rl_line_buffer == NULL || rl_end == 0;
}

/* The help view's keys; 1 when the key was one of them. */
static int ui_help_key(struct ui *u, int ch)
{
	int page = u->help_h > 2 ? u->help_h - 1 : 1;
	long d;

	switch (ch) {
	case KEY_UP: d = -1; break;
	case KEY_DOWN: d = 1; break;
	case KEY_PPAGE: d = -page; break;
	case KEY_NPAGE: d = page; break;
	case ' ': if (!ui_line_empty()) return 0; d = page; break;
	case KEY_HOME: d = -(long)u->nhelp; break;
	case KEY_END: d = u->nhelp; break;
	case 27:
		u->help_open = 0;
		return 1;
	case 'q':
		if (!ui_line_empty())
			return 0;
		u->help_open = 0;
		return 1;
	default:
		return 0;
	}
	widget_text_scroll(&u->help_view, d, 0, (unsigned long)u->nhelp, u->help_h);
	return 1;
}

/* Ctrl-C: stops the running command and drops the waiting ones, or,
 * with nothing running, abandons the line being typed. */
static void ui_interrupt(struct ui *u)
{
	cmdq_status(u->q, &u->run);
	if (u->run.busy || u->run.queued > 0) {
		int dropped = cmdq_cancel(u->q);
		char *msg = xasprintf("asked '%s' to stop%s", u->run.busy ? u->run.line : "",
		    dropped > 0 ? "; the commands waiting were dropped" : "");

		ui_message(u, msg, 0);
		free(msg);
		return;
	}
	rl_replace_line("", 0);
	rl_point = 0;
	u->dirty = 1;
}

/* Handles one key from curses. */
static void ui_key(struct ui *u, int ch)
{
	/* The kill key comes before everything else, in every mode. */
	if (ch != ERR && (ch == u->kill_key[0] || ch == u->kill_key[1])) {
		ui_kill(u, "kill key");
		return;
	}
	if (ch == 3) {
		ui_interrupt(u);
		return;
	}
	if (u->help_open && ui_help_key(u, ch)) {
		u->dirty = 1;
		return;
	}
	if (ch >= KEY_F(1) && ch < KEY_F(1) + UI_NSCREENS) {
		u->help_open = 0;
		u->ctx.screen = ch - KEY_F(1);
		u->ctx.focus = -1;
		u->ctx.show_hint = 0;
		u->expanded = 0;
		return;
	}
	if (ch == KEY_RESIZE) {
		/* curses has the new size; the next frame lays everything out */
		log_info("console: terminal resized to %dx%d", COLS, LINES);
		/* The next frame repaints every cell: a terminal that grows
		 * may fill the new rows from its own history, which curses
		 * cannot know. */
		u->repaint = 1;
		u->dirty = 1;
		return;
	}
	if (u->ctx.focus >= 0 && !u->expanded) {
		/* A panel has the keys: its own, Tab; Esc, Enter or ':' give
		 * them back to the command line, and any other key goes there
		 * too, so typing a command always works. */
		if (ch == 27 || ch == '\r' || ch == '\n' || ch == KEY_ENTER || ch == ':') {
			u->ctx.focus = -1;
			return;
		}
		if (layout_key(&u->ctx, ch))
			return;
		u->ctx.focus = -1;
	}
	if (ch == KEY_PPAGE || ch == KEY_NPAGE) {
		widget_text_scroll(&u->view, ch == KEY_PPAGE ? -(u->view_h > 2 ? u->view_h - 1 : 1) :
		    (u->view_h > 2 ? u->view_h - 1 : 1), u->dropped, (unsigned long)u->nlines,
		    u->view_h);
		u->dirty = 1;
		return;
	}
	if (ui_line_empty() && ((ch >= '1' && ch <= '0' + UI_NSCREENS) || ch == '\t')) {
		/* screens and the focus: from the output back to the panels */
		if (!(ch == '\t' && u->expanded))
			layout_key(&u->ctx, ch);
		u->expanded = 0;
		return;
	}
	switch (ch) {
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

/* Parses a key name: "F1".."F63", "C-x" (a control character), "none",
 * or one character; -2 when it is not a key name. */
static int ui_key_parse(const char *s)
{
	char *end;
	long n;

	if (s == NULL || *s == '\0' || strcmp(s, "none") == 0)
		return -1;
	if ((s[0] == 'F' || s[0] == 'f') && s[1] >= '1' && s[1] <= '9') {
		n = strtol(s + 1, &end, 10);
		return *end == '\0' && n >= 1 && n <= 63 ? KEY_F((int)n) : -2;
	}
	if ((s[0] == 'C' || s[0] == 'c') && s[1] == '-' && s[2] != '\0' && s[3] == '\0') {
		int c = (unsigned char)s[2];

		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		return c >= '@' && c <= '_' ? c & 0x1f : c == '?' ? 127 : -2;
	}
	if (s[0] == '^' && s[1] != '\0' && s[2] == '\0')
		return ui_key_parse((char[]){ 'C', '-', s[1], '\0' });
	if (s[1] == '\0')
		return (unsigned char)s[0];
	return -2;
}

/* Reads ui.kill_key and ui.kill_key2; a bad name keeps the default and
 * says so on the message line. */
static void ui_kill_keys(struct ui *u)
{
	static const char *const keys[2] = { "ui.kill_key", "ui.kill_key2" };
	static const int defaults[2] = { KEY_F(12), 0x1c };
	int i;

	for (i = 0; i < 2; i++) {
		const char *v = conf_get_str(u->qd->conf, keys[i]);
		int k = ui_key_parse(v);

		if (k == -2) {
			char *msg = xasprintf("%s: '%s' is not a key name (F1..F63, C-x, one "
			    "character or none); using the default", keys[i], v);

			ui_report(u->qd, msg);
			free(msg);
			k = defaults[i];
		}
		u->kill_key[i] = k;
	}
	if (u->kill_key[0] < 0 && u->kill_key[1] < 0) {
		ui_report(u->qd, "ui.kill_key and ui.kill_key2 are both none: "
		    "using F12 (a console always has a kill key)");
		u->kill_key[0] = KEY_F(12);
	}
}

/* SIGQUIT: only a flag; the loop engages the kill switch. */
static void ui_on_sigquit(int sig)
{
	(void)sig;
	ui_sigquit = 1;
}

/* SIGHUP (the terminal is gone) and SIGTERM: only a flag; the loop
 * follows orders.on_sigterm (engage the kill switch) and leaves cleanly,
 * saving the history. */
static void ui_on_sigend(int sig)
{
	ui_sigend = sig;
}

/* Restores the terminal; installed as fatal()'s hook. */
static void ui_restore(void)
{
	if (!isendwin())
		endwin();
}

/* Tab completion's candidates go to the output like any line. */
static void ui_show_candidates(const char *line)
{
	ui_add_line(ui_current, line);
	ui_current->dirty = 1;
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
	complete_install(ui_show_candidates);
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
	struct sigaction sa, old_quit, old_hup, old_term;
	int hz, i;

	memset(&u, 0, sizeof u);
	u.qd = qd;
	u.saved_stderr = -1;
	u.ctx.conf = qd->conf;
	u.ctx.run = ui_run_hook;
	u.ctx.run_arg = &u;
	u.ctx.show_hint = 1;
	u.ctx.focus = -1;       /* the keys start on the command line */
	widget_text_init(&u.view);
	widget_text_init(&u.ctx.log_view);
	widget_text_init(&u.ctx.alert_view);
	ui_data_init(&u.ctx);
	widget_text_init(&u.help_view);
	pthread_mutex_init(&u.inbox_lock, NULL);
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
	{
		char *cause = NULL;

		if ((u.q = cmdq_new(qd, UI_QUEUE_MAX, &cause)) == NULL)
			fatal("console: %s", cause);
	}
	log_set_console(1);
	ui_hide_stderr(&u);
	if (initscr() == NULL)
		fatal("cannot initialise the terminal");
	fatal_restore_hook = ui_restore;
	u.ctx.win = stdscr;
	theme_init(conf_get_str(qd->conf, "ui.theme"));
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ui_on_sigquit;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGQUIT, &sa, &old_quit);
	sa.sa_handler = ui_on_sigend;
	sigaction(SIGHUP, &sa, &old_hup);
	sigaction(SIGTERM, &sa, &old_term);
	ui_sigend = 0;
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);       /* Esc alone leaves a panel without a wait */
	/* No insert/delete-line scrolling: every frame is drawn whole, and a
	 * terminal whose scroll region outlived a resize (seen in tmux) would
	 * shift lines where curses does not expect them. */
	idlok(stdscr, FALSE);
	hz = (int)conf_get_int(qd->conf, "ui.refresh_hz");
	timeout(1000 / (hz > 0 ? hz : 10));
	ui_readline_init(&u);
	ui_kill_keys(&u);
	ui_add_line(&u, "qdesk console -- type 'help' for commands, 'quit' to leave; "
	    "F1..F6 (or 1..6) screens, Tab focus.");
	ui_add_line(&u, "F12 / Ctrl-\\ : KILL -- stops all trading at once (help kill).");
	if (startup != NULL) {
		char *cause = NULL, *echo = xasprintf("> source %s", startup);

		ui_add_line(&u, echo);
		free(echo);
		if (cmdq_push_file(u.q, startup, UI_TAG_OUTPUT, NULL, &cause) != 0) {
			ui_message(&u, cause, 1);
			free(cause);
		}
	}
	u.dirty = 1;
	while (!qd->quit) {
		int ch = getch(), nkeys = 0;

		ui_inbox_drain(&u);
		ui_data_frame(&u.ctx, now_wall());
		panel_log_poll(&u.ctx);
		/* Every key waiting is handled before the frame is drawn. */
		while (ch != ERR && !qd->quit) {
			ui_key(&u, ch);
			if (++nkeys == 256)
				break;
			timeout(0);
			ch = getch();
			timeout(1000 / (hz > 0 ? hz : 10));
		}
		if (ui_sigquit) {
			ui_sigquit = 0;
			ui_kill(&u, "SIGQUIT");
		}
		if (ui_sigend) {
			if (strcmp(conf_get_str(qd->conf, "orders.on_sigterm"), "kill") == 0)
				ui_kill(&u, ui_sigend == SIGHUP ? "SIGHUP: the terminal was lost" :
				    "SIGTERM");
			log_warn("console: %s: leaving", ui_sigend == SIGHUP ? "SIGHUP" : "SIGTERM");
			qd->quit = 1;
			break;
		}
		/* Redraw every frame: the clock and engine data move. */
		ui_draw(&u);
		ui_data_release(&u.ctx);
	}
	cmdq_status(u.q, &u.run);
	if (u.run.busy) {
		/* say what the exit waits for (a command that honours Ctrl-C
		 * stops at once) */
		char *msg = xasprintf("leaving: waiting for '%s' to stop", u.run.line);

		ui_message(&u, msg, 0);
		free(msg);
		u.run.busy = 0;
		ui_draw(&u);
	}
	cmdq_free(u.q);
	u.q = NULL;
	ui_inbox_drain_free(&u);
	rl_callback_handler_remove();
	complete_free();
	if (u.history != NULL)
		write_history(u.history);
	endwin();
	sigaction(SIGQUIT, &old_quit, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	fatal_restore_hook = NULL;
	ui_data_free(&u.ctx);
	panel_surface_free();
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
	ui_help_clear(&u);
	free(u.help);
	pthread_mutex_destroy(&u.inbox_lock);
	ui_current = NULL;
	return 0;
}
