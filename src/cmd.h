/*
 * cmd.h -- the one command language.
 *
 * Every action in qdesk is a command declared by a `struct cmd_entry`
 * (tmux's design): its name (one word, or two for families such as
 * "price bs"), alias, typed options, positional arguments, help topic,
 * flags and handler.  All entries are listed in one table (cmd-table.c);
 * dispatch, `help`, tab completion and the man page are built from it.
 * The console's command line, `qdesk -b FILE` and `qdesk COMMAND ARGS`
 * all end in cmd_run_argv().
 *
 * A handler reads its parsed arguments through cmd_arg_*(), prints only
 * through the out_*() record API on ctx->out, and on failure returns
 * cmd_error(ctx, ...) -- the one path by which errors reach the status
 * line, the log, or stderr with a non-zero exit.
 */
#ifndef QD_CMD_H
#define QD_CMD_H

#include "out.h"

struct qd;

enum cmd_opt_type {
	OPT_FLAG,       /* --name, no value */
	OPT_STRING,     /* --name TEXT */
	OPT_DOUBLE,     /* --name NUMBER (finite) */
	OPT_INT,        /* --name INTEGER */
	OPT_CHOICE,     /* --name one|of|these */
};

struct cmd_opt {
	const char *name;       /* long name without the leading "--" */
	enum cmd_opt_type type;
	const char *arg;        /* value placeholder in usage, or the choices "a|b" */
	int required;
	const char *help;       /* one line for usage and the man page */
};

/* Command flags (STYLE.md: trading semantics live on the entry). */
#define CMD_TRADES      0x01    /* can create risk: passes the pre-trade gate */
#define CMD_CONFIRM     0x02    /* asks for confirmation in the console */
#define CMD_ASYNC       0x04    /* starts worker jobs */
#define CMD_READONLY_OK 0x08    /* allowed while the kill switch is engaged */
#define CMD_HIDDEN      0x10    /* not listed by help (still documented) */

/* Exit statuses of commands and of the program. */
#define CMD_OK 0
#define CMD_FAILED 1            /* the command ran and failed, or bad values */
#define CMD_USAGE 2             /* the command line itself is wrong */

struct cmd_args;
struct cmd_ctx;

struct cmd_entry {
	const char *name;       /* "help", or "price bs" */
	const char *alias;      /* or NULL */
	const char *positional; /* usage of positional arguments, e.g. "[TOPIC]" */
	int min_pos, max_pos;   /* positional argument count; max -1 = any */
	const struct cmd_opt *opts;     /* terminated by a {NULL} row, or NULL */
	const char *topic;      /* help topic (a file in help/) */
	int flags;
	const char *summary;    /* one line for the command list */
	int (*exec)(struct cmd_ctx *ctx, const struct cmd_args *args);
};

struct cmd_ctx {
	struct qd *qd;
	struct out *out;
	const struct cmd_entry *entry;
	const char *file;       /* command file the command came from, or NULL */
	int line;               /* its line number */
	char *cause;            /* set by cmd_error */
	int status;             /* CMD_FAILED or CMD_USAGE after an error */
};

extern const struct cmd_entry *const cmd_table[];
extern const int cmd_table_size;

/* Finds the entry for argv (one or two words); sets *used to the number of
 * words the name took.  NULL with cause when unknown. */
const struct cmd_entry *cmd_find(int argc, char **argv, int *used, char **cause);
/* Parses, validates and runs one command; returns CMD_OK, CMD_FAILED or
 * CMD_USAGE.  Errors are routed through cmd_report(). */
int cmd_run_argv(struct cmd_ctx *ctx, int argc, char **argv);
/* Parses argv (the words after the name) for entry e and runs it. */
int cmd_run_entry(struct cmd_ctx *ctx, const struct cmd_entry *e, int argc, char **argv);
/* Records an error message; returns -1 so handlers can `return cmd_error()`. */
int cmd_error(struct cmd_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like cmd_error, but marks a usage error (exit status 2). */
int cmd_usage_error(struct cmd_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The one path by which errors reach the user (status line or stderr). */
void cmd_report_error(struct qd *qd, struct out *out, const char *file, int line,
    const char *cause, int status);
/* Reports the progress of a slow command ("calibrate heston all: 3 of 6
 * done"): the console shows the last report beside the running command
 * while it runs; elsewhere it goes to the log at debug level. */
void cmd_progress(struct cmd_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 1 when the trader asked the running command to stop (Ctrl-C in the
 * console): a command that waits checks it and returns early, saying
 * what goes on without it. */
int cmd_cancelled(const struct cmd_ctx *ctx);
/* Writes the usage line of an entry into a new string. */
char *cmd_usage(const struct cmd_entry *e);

/* Argument access for handlers. */
int cmd_arg_has(const struct cmd_args *a, const char *name);
const char *cmd_arg_str(const struct cmd_args *a, const char *name, const char *def);
double cmd_arg_double(const struct cmd_args *a, const char *name, double def);
long cmd_arg_int(const struct cmd_args *a, const char *name, long def);
int cmd_arg_npos(const struct cmd_args *a);
const char *cmd_arg_pos(const struct cmd_args *a, int i);

#endif
