/*
 * qd.h -- the program's session: what every command can reach.
 *
 * One `struct qd` exists per process.  It holds the configuration, the
 * output sink and the front door's settings (JSON, quiet, keep-going).
 * Later layers (the engine, the store, the order manager) hang off it.
 */
#ifndef QD_QD_H
#define QD_QD_H

#include "out.h"

struct conf;

struct qd {
	struct conf *conf;
	struct out out;
	int json;
	int quiet;
	int keep_going;         /* -b: continue after a failed command */
	/* set by `quit`: stop reading commands (atomic: in the console the
	 * command thread sets it and the UI thread reads it) */
	_Atomic int quit;
	int source_depth;       /* nesting of `source` */
	int console;            /* the console owns the terminal */
	/* Where errors go: the console installs its status-line writer here;
	 * NULL means stderr. */
	void (*report)(struct qd *qd, const char *msg);
	/* Where a slow command's progress reports go (cmd_progress): the
	 * command queue installs its hook; NULL means the log only. */
	void (*progress)(void *arg, const char *msg);
	void *progress_arg;
	/* Set when the trader asks the running command to stop (Ctrl-C in
	 * the console); read through cmd_cancelled(). */
	_Atomic int cancel;
};

/* Prepares a session with the default configuration writing to stdout. */
void qd_init(struct qd *qd);
void qd_free(struct qd *qd);
/* Loads the configuration file found by conf_locate(); 0 or -1 with cause. */
int qd_load_config(struct qd *qd, const char *explicit_path, char **cause);
/* Opens the log file named by the configuration. */
int qd_open_log(struct qd *qd, char **cause);

/* Runs every command of one line (from file:line when file is set).
 * Returns the worst status (CMD_OK, CMD_FAILED, CMD_USAGE). */
int qd_run_line(struct qd *qd, const char *line, const char *file, int lineno);
/* Runs a command file ("-" for stdin); stops at the first error unless
 * keep_going.  Returns the worst status. */
int qd_run_file(struct qd *qd, const char *path);

#endif
