/*
 * qd.c -- the session: configuration, logging, and the command queue that
 * every front door feeds.
 *
 * DESIGN
 * Commands arrive as lines (console, -b files, `source`) or as an argv
 * (one-shot).  A line is split by the tokenizer into commands, which run
 * in order on the calling thread; the first failure ends the line.  A
 * command file stops at its first failing line unless keep_going is set.
 * Errors always leave through cmd_report() with FILE:LINE when known.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conf.h"
#include "log.h"
#include "paths.h"
#include "qd.h"
#include "tokenize.h"
#include "util.h"

#define QD_SOURCE_MAX_DEPTH 16

/* Prepares a session writing to stdout with default settings. */
void qd_init(struct qd *qd)
{
	memset(qd, 0, sizeof *qd);
	qd->conf = conf_new();
	out_init(&qd->out, out_write_file, stdout);
}

/* Frees a session. */
void qd_free(struct qd *qd)
{
	out_free(&qd->out);
	conf_free(qd->conf);
	qd->conf = NULL;
}

/* Applies configuration values that take effect immediately. */
static void qd_apply_config(struct qd *qd)
{
	enum log_level lvl;

	if (log_level_parse(conf_get_str(qd->conf, "log.level"), &lvl) == 0)
		log_threshold = (int)lvl;
}

/* Loads the configuration file, if any. */
int qd_load_config(struct qd *qd, const char *explicit_path, char **cause)
{
	char *path = conf_locate(explicit_path);
	int rc = 0;

	if (path != NULL)
		rc = conf_load_file(qd->conf, path, cause);
	free(path);
	qd_apply_config(qd);
	return rc;
}

/* Opens the log file under the state directory (or log.file). */
int qd_open_log(struct qd *qd, char **cause)
{
	const char *file = conf_get_str(qd->conf, "log.file");
	char *path;
	int rc;

	if (file != NULL && *file != '\0')
		path = xstrdup(file);
	else if ((path = paths_file(PATHS_STATE, "qdesk.log", 1, cause)) == NULL)
		return -1;
	rc = log_open_file(path, cause);
	free(path);
	return rc;
}

/* Runs every command on one line. */
int qd_run_line(struct qd *qd, const char *line, const char *file, int lineno)
{
	struct tok_list list;
	struct cmd_ctx ctx;
	char *cause = NULL;
	size_t i;
	int rc = CMD_OK;

	memset(&ctx, 0, sizeof ctx);
	ctx.qd = qd;
	ctx.out = &qd->out;
	ctx.file = file;
	ctx.line = lineno;
	if (tok_parse(line, &list, &cause) != 0) {
		cmd_report_error(qd, &qd->out, file, lineno, cause, CMD_USAGE);
		free(cause);
		return CMD_USAGE;
	}
	for (i = 0; i < list.n && !qd->quit; i++) {
		rc = cmd_run_argv(&ctx, list.cmds[i].argc, list.cmds[i].argv);
		if (rc != CMD_OK)
			break;
	}
	free(ctx.cause);
	tok_list_free(&list);
	return rc;
}

/* Runs a command file line by line. */
int qd_run_file(struct qd *qd, const char *path)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0, worst = CMD_OK, rc;
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;

	if (qd->source_depth >= QD_SOURCE_MAX_DEPTH) {
		char *msg = xasprintf("%s: command files nested deeper than %d", name,
		    QD_SOURCE_MAX_DEPTH);

		cmd_report_error(qd, &qd->out, NULL, 0, msg, CMD_FAILED);
		free(msg);
		return CMD_FAILED;
	}
	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "r")) == NULL) {
		char *msg = xasprintf("%s: cannot open: %s", path, strerror(errno));

		cmd_report_error(qd, &qd->out, NULL, 0, msg, CMD_FAILED);
		free(msg);
		return CMD_FAILED;
	}
	qd->source_depth++;
	while (!qd->quit && (n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (memchr(line, '\0', (size_t)n) != NULL || !utf8_valid(line, (size_t)n)) {
			cmd_report_error(qd, &qd->out, name, lineno,
			    memchr(line, '\0', (size_t)n) ? "binary data (NUL byte)" : "invalid UTF-8",
			    CMD_FAILED);
			rc = CMD_FAILED;
		} else
			rc = qd_run_line(qd, line, name, lineno);
		if (rc > worst)
			worst = rc;
		if (rc != CMD_OK && !qd->keep_going)
			break;
	}
	qd->source_depth--;
	free(line);
	if (f != stdin)
		fclose(f);
	/* In a script a usage error is a failed line: the script ran. */
	return worst == CMD_OK ? CMD_OK : CMD_FAILED;
}
