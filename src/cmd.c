/*
 * cmd.c -- finding, parsing and running commands, and reporting errors.
 *
 * The parser turns argv into a `struct cmd_args` according to the entry's
 * option table: "--name value", "--name=value", flags, and positional
 * arguments; "--" ends the options; "--json" is accepted anywhere.  Values
 * are validated by type here, so handlers only see finite numbers and
 * valid choices.  A malformed command line is a usage error (status 2); a
 * well-formed one with an invalid value (NaN, a negative maturity) is a
 * failed command (status 1), like any other failure of the handler.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "qd.h"
#include "util.h"

struct cmd_val {
	int set;
	const char *str;
	double d;
	long l;
};

struct cmd_args {
	const struct cmd_entry *entry;
	int nopts;
	struct cmd_val *vals;   /* one per entry option */
	int npos;
	char **pos;
};

/* Returns the number of rows in an option table. */
static int cmd_nopts(const struct cmd_opt *opts)
{
	int n = 0;

	while (opts != NULL && opts[n].name != NULL)
		n++;
	return n;
}

/* Finds the entry named by the first one or two words. */
const struct cmd_entry *cmd_find(int argc, char **argv, int *used, char **cause)
{
	const struct cmd_entry *e;
	struct buf subs;
	size_t n0;
	int i, family = 0;

	if (argc < 1) {
		*cause = xstrdup("no command");
		return NULL;
	}
	n0 = strlen(argv[0]);
	for (i = 0; i < cmd_table_size; i++) {
		e = cmd_table[i];
		if (strchr(e->name, ' ') == NULL) {
			if (strcmp(e->name, argv[0]) == 0 ||
			    (e->alias != NULL && strcmp(e->alias, argv[0]) == 0)) {
				*used = 1;
				return e;
			}
			continue;
		}
		if (strncmp(e->name, argv[0], n0) != 0 || e->name[n0] != ' ')
			continue;
		family = 1;
		if (argc >= 2 && strcmp(e->name + n0 + 1, argv[1]) == 0) {
			*used = 2;
			return e;
		}
	}
	if (!family) {
		*cause = xasprintf("unknown command '%s' (try 'help')", argv[0]);
		return NULL;
	}
	buf_init(&subs);
	for (i = 0; i < cmd_table_size; i++) {
		e = cmd_table[i];
		if (strncmp(e->name, argv[0], n0) == 0 && e->name[n0] == ' ') {
			if (subs.len > 0)
				buf_adds(&subs, ", ");
			buf_adds(&subs, e->name + n0 + 1);
		}
	}
	if (argc < 2)
		*cause = xasprintf("%s: missing subcommand (one of: %s)", argv[0], subs.data);
	else
		*cause = xasprintf("%s: unknown subcommand '%s' (one of: %s)", argv[0],
		    argv[1], subs.data);
	buf_free(&subs);
	return NULL;
}

/* Records an error with a status. */
static int cmd_verror(struct cmd_ctx *ctx, int status, const char *fmt, va_list ap)
{
	free(ctx->cause);
	ctx->cause = xvasprintf(fmt, ap);
	ctx->status = status;
	return -1;
}

/* Records a failure of the command. */
int cmd_error(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cmd_verror(ctx, CMD_FAILED, fmt, ap);
	va_end(ap);
	return -1;
}

/* Records a usage error. */
int cmd_usage_error(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cmd_verror(ctx, CMD_USAGE, fmt, ap);
	va_end(ap);
	return -1;
}

/* Builds "name --opt ARG [--flag] POSITIONAL". */
char *cmd_usage(const struct cmd_entry *e)
{
	struct buf b;
	int i;

	buf_init(&b);
	buf_adds(&b, e->name);
	for (i = 0; e->opts != NULL && e->opts[i].name != NULL; i++) {
		const struct cmd_opt *o = &e->opts[i];

		buf_addc(&b, ' ');
		if (!o->required)
			buf_addc(&b, '[');
		buf_printf(&b, "--%s", o->name);
		if (o->type != OPT_FLAG)
			buf_printf(&b, " %s", o->arg != NULL ? o->arg : "VALUE");
		if (!o->required)
			buf_addc(&b, ']');
	}
	if (e->positional != NULL && *e->positional != '\0')
		buf_printf(&b, " %s", e->positional);
	return b.data;
}

/* Stores one option value after checking its type. */
static int cmd_set_opt(struct cmd_ctx *ctx, const struct cmd_opt *o, struct cmd_val *v,
    const char *value)
{
	v->set = 1;
	v->str = value;
	switch (o->type) {
	case OPT_FLAG:
	case OPT_STRING:
		return 0;
	case OPT_DOUBLE:
		if (parse_double(value, &v->d) != 0)
			return cmd_error(ctx, "--%s: expected a finite number, got '%s'",
			    o->name, value);
		return 0;
	case OPT_INT:
		if (parse_long(value, -1000000000L, 1000000000L, &v->l) != 0)
			return cmd_error(ctx, "--%s: expected an integer, got '%s'", o->name, value);
		return 0;
	case OPT_CHOICE: {
		const char *p = o->arg;
		size_t n = strlen(value);

		while (p != NULL && *p != '\0') {
			const char *bar = strchr(p, '|');
			size_t len = bar ? (size_t)(bar - p) : strlen(p);

			if (len == n && strncmp(p, value, n) == 0)
				return 0;
			p = bar ? bar + 1 : NULL;
		}
		return cmd_error(ctx, "--%s: expected one of %s, got '%s'", o->name, o->arg,
		    value);
	}
	}
	return 0;
}

/* Parses argv (after the command name) into args. */
static int cmd_parse(struct cmd_ctx *ctx, const struct cmd_entry *e, int argc, char **argv,
    struct cmd_args *args)
{
	int i, j, nopts = cmd_nopts(e->opts), only_pos = 0;

	args->entry = e;
	args->nopts = nopts;
	args->vals = xcalloc((size_t)nopts + 1, sizeof *args->vals);
	args->pos = xcalloc((size_t)argc + 1, sizeof *args->pos);
	args->npos = 0;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *eq, *value;
		size_t len;

		if (only_pos || a[0] != '-' || a[1] != '-') {
			args->pos[args->npos++] = argv[i];
			continue;
		}
		if (a[2] == '\0') {
			only_pos = 1;
			continue;
		}
		if (strcmp(a, "--json") == 0) {
			ctx->out->json = 1;
			continue;
		}
		eq = strchr(a + 2, '=');
		len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		for (j = 0; j < nopts; j++) {
			if (strlen(e->opts[j].name) == len && strncmp(e->opts[j].name, a + 2, len) == 0)
				break;
		}
		if (j == nopts)
			return cmd_usage_error(ctx, "%s: unknown option '%.*s'", e->name,
			    (int)len + 2, a);
		if (e->opts[j].type == OPT_FLAG) {
			if (eq != NULL)
				return cmd_usage_error(ctx, "%s: option --%s takes no value",
				    e->name, e->opts[j].name);
			value = "";
		} else if (eq != NULL)
			value = eq + 1;
		else if (i + 1 < argc)
			value = argv[++i];
		else
			return cmd_usage_error(ctx, "%s: option --%s needs a value (%s)", e->name,
			    e->opts[j].name, e->opts[j].arg ? e->opts[j].arg : "VALUE");
		if (cmd_set_opt(ctx, &e->opts[j], &args->vals[j], value) != 0)
			return -1;
	}
	for (j = 0; j < nopts; j++) {
		if (e->opts[j].required && !args->vals[j].set)
			return cmd_usage_error(ctx, "%s: missing option --%s %s", e->name,
			    e->opts[j].name, e->opts[j].arg ? e->opts[j].arg : "");
	}
	if (args->npos < e->min_pos || (e->max_pos >= 0 && args->npos > e->max_pos)) {
		char *u = cmd_usage(e);

		cmd_usage_error(ctx, "usage: %s", u);
		free(u);
		return -1;
	}
	return 0;
}

/* The one path for errors: to the console's status line, or to stderr
 * (and to stdout as a JSON object with --json), with FILE:LINE when known. */
void cmd_report_error(struct qd *qd, struct out *out, const char *file, int line,
    const char *cause, int status)
{
	char *msg;

	if (file != NULL)
		msg = xasprintf("%s:%d: %s", file, line, cause);
	else
		msg = xstrdup(cause);
	log_debug("command error: %s", msg);
	if (qd->report != NULL)
		qd->report(qd, msg);
	else {
		fprintf(stderr, "qdesk: %s\n", msg);
		if (out->json) {
			struct buf b;

			buf_init(&b);
			buf_adds(&b, "{\"error\":");
			buf_add_json_string(&b, msg);
			buf_printf(&b, ",\"status\":%d}", status);
			out->write(out->arg, b.data);
			buf_free(&b);
		}
	}
	free(msg);
}

/* A slow command's progress: to the session's hook, or the log. */
void cmd_progress(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (ctx->qd->progress != NULL)
		ctx->qd->progress(ctx->qd->progress_arg, msg);
	else
		log_debug("%s", msg);
	free(msg);
}

/* 1 when the running command was asked to stop. */
int cmd_cancelled(const struct cmd_ctx *ctx)
{
	return ctx->qd->cancel != 0;
}

/* Reports the error recorded in a command context. */
static void cmd_report(struct cmd_ctx *ctx)
{
	cmd_report_error(ctx->qd, ctx->out, ctx->file, ctx->line, ctx->cause, ctx->status);
}

/* Frees parsed arguments. */
static void cmd_args_free(struct cmd_args *args)
{
	free(args->vals);
	free(args->pos);
}

/* Parses argv for a known entry and runs its handler. */
int cmd_run_entry(struct cmd_ctx *ctx, const struct cmd_entry *e, int argc, char **argv)
{
	struct cmd_args args;
	int rc;

	memset(&args, 0, sizeof args);
	ctx->entry = e;
	if (cmd_parse(ctx, e, argc, argv, &args) == 0) {
		log_debug("run %s", e->name);
		rc = e->exec(ctx, &args);
		if (rc != 0 && ctx->status == CMD_OK) {
			ctx->status = CMD_FAILED;
			if (ctx->cause == NULL)
				ctx->cause = xasprintf("%s failed", e->name);
		}
	}
	if (ctx->status != CMD_OK)
		cmd_report(ctx);
	cmd_args_free(&args);
	return ctx->status;
}

/* Finds, parses and runs one command. */
int cmd_run_argv(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct cmd_entry *e;
	int used = 0, json_before = ctx->out->json;
	char *cause = NULL;

	ctx->status = CMD_OK;
	free(ctx->cause);
	ctx->cause = NULL;
	out_reset(ctx->out);
	/* --json may also come before the command name. */
	while (argc > 0 && strcmp(argv[0], "--json") == 0) {
		ctx->out->json = 1;
		argc--;
		argv++;
	}
	if ((e = cmd_find(argc, argv, &used, &cause)) == NULL) {
		ctx->cause = cause;
		ctx->status = CMD_USAGE;
		cmd_report(ctx);
	} else
		cmd_run_entry(ctx, e, argc - used, argv + used);
	ctx->out->json = json_before;
	return ctx->status;
}

/* Returns the index of an option by name; aborts the program on a typo in
 * a handler (a programming error, caught by any test of the command). */
static int cmd_arg_index(const struct cmd_args *a, const char *name)
{
	int j;

	for (j = 0; j < a->nopts; j++) {
		if (strcmp(a->entry->opts[j].name, name) == 0)
			return j;
	}
	fatal("internal error: command %s has no option --%s", a->entry->name, name);
}

/* Returns whether an option was given. */
int cmd_arg_has(const struct cmd_args *a, const char *name)
{
	return a->vals[cmd_arg_index(a, name)].set;
}

/* Returns a string option or def. */
const char *cmd_arg_str(const struct cmd_args *a, const char *name, const char *def)
{
	const struct cmd_val *v = &a->vals[cmd_arg_index(a, name)];

	return v->set ? v->str : def;
}

/* Returns a numeric option or def. */
double cmd_arg_double(const struct cmd_args *a, const char *name, double def)
{
	const struct cmd_val *v = &a->vals[cmd_arg_index(a, name)];

	return v->set ? v->d : def;
}

/* Returns an integer option or def. */
long cmd_arg_int(const struct cmd_args *a, const char *name, long def)
{
	const struct cmd_val *v = &a->vals[cmd_arg_index(a, name)];

	return v->set ? v->l : def;
}

/* Returns the number of positional arguments. */
int cmd_arg_npos(const struct cmd_args *a)
{
	return a->npos;
}

/* Returns positional argument i, or NULL. */
const char *cmd_arg_pos(const struct cmd_args *a, int i)
{
	return i >= 0 && i < a->npos ? a->pos[i] : NULL;
}
