/*
 * main.c -- qdesk's entry point: global options and the three front doors.
 *
 *   qdesk                      the console (stdin and stdout are terminals)
 *   qdesk -b FILE              run a command file ("-" for stdin)
 *   qdesk COMMAND [ARGS...]    run one command from a shell
 *   qdesk run --headless ...   the engine without the console (headless.c)
 *
 * All three feed the same command table.  Exit status: 0 success, 1 a
 * command failed, 2 usage error.
 */
#include "config.h"

#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "conf.h"
#include "engine.h"
#include "feed.h"
#include "help.h"
#include "log.h"
#include "qd.h"
#include "ui.h"
#include "util.h"

/* Prints the global usage to f. */
static void usage(FILE *f)
{
	fputs("usage: qdesk [--config FILE] [--json] [--quiet] [-x FILE]\n"
	    "       qdesk [options] -b FILE [--keep-going]\n"
	    "       qdesk [options] COMMAND [ARGS...]\n"
	    "       qdesk [options] run --headless [--for DURATION] [--control FILE]\n"
	    "       qdesk --help | --version\n"
	    "\n"
	    "Without a command, qdesk starts the console when stdin and stdout are\n"
	    "terminals, and reads commands from stdin otherwise.  'qdesk help' lists\n"
	    "the commands; 'man qdesk' has everything.\n", f);
}

int main(int argc, char **argv)
{
	struct qd qd;
	const char *config = NULL, *batch = NULL, *startup = NULL;
	char *cause = NULL;
	int i, rc, man = 0, json = 0, quiet = 0, keep = 0;

	/* Models check statuses; GSL must never abort the process. */
	gsl_set_error_handler_off();
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			printf("qdesk %s\n", PACKAGE_VERSION);
			return 0;
		} else if (strcmp(a, "--json") == 0) {
			json = 1;
		} else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			quiet = 1;
		} else if (strcmp(a, "--keep-going") == 0 || strcmp(a, "-k") == 0) {
			keep = 1;
		} else if (strcmp(a, "--man") == 0) {
			man = 1;
		} else if ((strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0 ||
		    strcmp(a, "-b") == 0 || strcmp(a, "-x") == 0) && i + 1 < argc) {
			if (a[1] == 'b')
				batch = argv[++i];
			else if (a[1] == 'x')
				startup = argv[++i];
			else
				config = argv[++i];
		} else {
			fprintf(stderr, "qdesk: unknown or incomplete option '%s'\n", a);
			usage(stderr);
			return CMD_USAGE;
		}
	}
	qd_init(&qd);
	qd.json = qd.out.json = json;
	qd.quiet = quiet;
	qd.keep_going = keep;
	if (man) {
		help_write_man(&qd.out);
		qd_free(&qd);
		return 0;
	}
	if (qd.quiet)
		log_set_stderr(0);
	if (qd_load_config(&qd, config, &cause) != 0) {
		fprintf(stderr, "qdesk: %s\n", cause);
		free(cause);
		qd_free(&qd);
		return CMD_USAGE;
	}
	if (qd_open_log(&qd, &cause) != 0) {
		/* Not fatal: the ring and stderr still work. */
		log_warn("%s", cause);
		free(cause);
		cause = NULL;
	}
	if (batch != NULL && i < argc) {
		fprintf(stderr, "qdesk: -b FILE and a COMMAND cannot be combined\n");
		rc = CMD_USAGE;
	} else if (batch != NULL)
		rc = qd_run_file(&qd, batch);
	else if (i < argc) {
		struct cmd_ctx ctx;

		memset(&ctx, 0, sizeof ctx);
		ctx.qd = &qd;
		ctx.out = &qd.out;
		rc = cmd_run_argv(&ctx, argc - i, argv + i);
		free(ctx.cause);
	} else if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		/* The console is alive on the embedded defaults: the engine
		 * (with the configured feed, the simulator unless set
		 * otherwise) runs while it is up. */
		if (conf_get_bool(qd.conf, "engine.autostart")) {
			if (engine_start(qd.conf, &cause) != 0) {
				log_warn("engine: %s", cause);
				free(cause);
				cause = NULL;
			}
		} else if (feed_global_start(NULL, qd.conf, &cause) != 0) {
			log_warn("feed: %s", cause);
			free(cause);
			cause = NULL;
		}
		rc = ui_console_run(&qd, startup);
		engine_stop();
		feed_global_stop();
	}
	else
		rc = qd_run_file(&qd, "-");
	fflush(stdout);
	log_shutdown();
	qd_free(&qd);
	return rc;
}
