/*
 * ui.h -- the console's one entry point.
 *
 * Everything in ui/ runs on the UI thread and is the only code that calls
 * curses or readline.  The rest of the program sees the console only
 * through ui_console_run().
 */
#ifndef QD_UI_H
#define QD_UI_H

struct qd;

/* Runs the full-screen console until `quit`; runs the command file
 * startup (or NULL) first.  Returns the program's exit status. */
int ui_console_run(struct qd *qd, const char *startup);

#endif
