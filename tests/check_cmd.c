/*
 * check_cmd.c -- the command table and the option parser.
 *
 * The table checks keep the one-table design honest: every command has a
 * help topic, names and aliases are unique, usage lines are generated.
 * The parser checks use a test entry with one option of every type.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "help.h"
#include "qd.h"
#include "util.h"

START_TEST(test_every_command_has_help)
{
	int i;

	ck_assert_int_gt(cmd_table_size, 0);
	for (i = 0; i < cmd_table_size; i++) {
		const struct cmd_entry *e = cmd_table[i];

		ck_assert_ptr_nonnull(e->topic);
		ck_assert_msg(help_find(e->topic) != NULL, "command '%s' has no help topic '%s'"
		    " (write help/%s.txt)", e->name, e->topic, e->topic);
		ck_assert_msg(e->summary != NULL && *e->summary != '\0', "%s lacks a summary",
		    e->name);
		ck_assert_ptr_nonnull(e->exec);
	}
}
END_TEST

START_TEST(test_names_unique)
{
	int i, j;

	for (i = 0; i < cmd_table_size; i++) {
		for (j = i + 1; j < cmd_table_size; j++) {
			const struct cmd_entry *a = cmd_table[i], *b = cmd_table[j];

			ck_assert_msg(strcmp(a->name, b->name) != 0, "duplicate %s", a->name);
			ck_assert_msg(a->alias == NULL || strcmp(a->alias, b->name) != 0,
			    "alias %s shadows a command", a->alias);
			ck_assert_msg(a->alias == NULL || b->alias == NULL ||
			    strcmp(a->alias, b->alias) != 0, "duplicate alias %s", a->alias);
		}
	}
}
END_TEST

START_TEST(test_find)
{
	char *argv1[] = { "help", NULL }, *argv2[] = { "?", NULL }, *argv3[] = { "nope", NULL };
	char *cause = NULL;
	int used;

	ck_assert_str_eq(cmd_find(1, argv1, &used, &cause)->name, "help");
	ck_assert_int_eq(used, 1);
	ck_assert_str_eq(cmd_find(1, argv2, &used, &cause)->name, "help");
	ck_assert_ptr_null(cmd_find(1, argv3, &used, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "unknown command 'nope'"));
	free(cause);
}
END_TEST

/* --- the parser, through a test entry ---------------------------------- */

static struct {
	int ran;
	double spot;
	long n;
	char type[16], name[16];
	int flag, npos;
} seen;

static const struct cmd_opt test_opts[] = {
	{ "spot", OPT_DOUBLE, "S", 1, "spot price" },
	{ "n", OPT_INT, "N", 0, "a count" },
	{ "type", OPT_CHOICE, "call|put", 0, "option type" },
	{ "name", OPT_STRING, "TEXT", 0, "a name" },
	{ "greeks", OPT_FLAG, NULL, 0, "a flag" },
	{ NULL, 0, NULL, 0, NULL }
};

/* Records what the parser handed over. */
static int test_exec(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	seen.ran = 1;
	seen.spot = cmd_arg_double(a, "spot", NAN);
	seen.n = cmd_arg_int(a, "n", -1);
	/* Copies: the words are freed when run() returns. */
	snprintf(seen.type, sizeof seen.type, "%s", cmd_arg_str(a, "type", "call"));
	snprintf(seen.name, sizeof seen.name, "%s", cmd_arg_str(a, "name", ""));
	seen.flag = cmd_arg_has(a, "greeks");
	seen.npos = cmd_arg_npos(a);
	if (seen.spot < 0)
		return cmd_error(ctx, "negative spot");
	return 0;
}

static const struct cmd_entry test_entry = {
	.name = "test", .positional = "[ARG...]", .min_pos = 0, .max_pos = 2,
	.opts = test_opts, .topic = "help", .summary = "test", .exec = test_exec,
};

static void null_write(void *arg, const char *line) { (void)arg; (void)line; }
static void report_quiet(struct qd *qd, const char *msg) { (void)qd; (void)msg; }

/* Runs the test entry on a space-separated argument string. */
static int run(const char *argstr, char **cause_out)
{
	static struct qd qd;
	struct out out;
	struct cmd_ctx ctx;
	char *copy = xstrdup(argstr), *argv[32], *save = NULL, *w;
	int argc = 0, rc;

	memset(&seen, 0, sizeof seen);
	memset(&qd, 0, sizeof qd);
	out_init(&out, null_write, NULL);
	memset(&ctx, 0, sizeof ctx);
	ctx.qd = &qd;
	ctx.out = &out;
	/* Errors go to a report hook so the test output stays clean. */
	qd.report = report_quiet;
	for (w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	rc = cmd_run_entry(&ctx, &test_entry, argc, argv);
	*cause_out = ctx.cause ? xstrdup(ctx.cause) : NULL;
	free(ctx.cause);
	out_free(&out);
	free(copy);
	return rc;
}

START_TEST(test_parse_good)
{
	char *cause;

	ck_assert_int_eq(run("--spot 100.5 --n 3 --type put --name x --greeks a b", &cause), 0);
	ck_assert(seen.ran);
	ck_assert_double_eq(seen.spot, 100.5);
	ck_assert_int_eq(seen.n, 3);
	ck_assert_str_eq(seen.type, "put");
	ck_assert_str_eq(seen.name, "x");
	ck_assert_int_eq(seen.flag, 1);
	ck_assert_int_eq(seen.npos, 2);
	ck_assert_int_eq(run("--spot=-1e-3", &cause), CMD_FAILED);   /* handler refuses */
	ck_assert_str_eq(cause, "negative spot");
	free(cause);
	ck_assert_int_eq(run("--spot=7 -- --n", &cause), 0);
	ck_assert_int_eq(seen.npos, 1);
	ck_assert_int_eq(seen.n, -1);
	ck_assert_str_eq(seen.type, "call");
}
END_TEST

/* Expects run(args) to fail with status and a cause containing needle. */
static void bad(const char *args, int status, const char *needle)
{
	char *cause = NULL;

	ck_assert_int_eq(run(args, &cause), status);
	ck_assert_int_eq(seen.ran, 0);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, needle) != NULL, "'%s' lacks '%s'", cause, needle);
	free(cause);
}

START_TEST(test_parse_bad)
{
	bad("", CMD_USAGE, "missing option --spot");
	bad("--spot", CMD_USAGE, "option --spot needs a value");
	bad("--spot 1 --bogus 2", CMD_USAGE, "unknown option '--bogus'");
	bad("--spot 1 --greeks=1", CMD_USAGE, "takes no value");
	bad("--spot 1 a b c", CMD_USAGE, "usage: test --spot S");
	bad("--spot abc", CMD_FAILED, "--spot: expected a finite number, got 'abc'");
	bad("--spot nan", CMD_FAILED, "expected a finite number, got 'nan'");
	bad("--spot inf", CMD_FAILED, "expected a finite number");
	bad("--spot 1e999", CMD_FAILED, "expected a finite number");
	bad("--spot 1 --n 2.5", CMD_FAILED, "--n: expected an integer");
	bad("--spot 1 --type straddle", CMD_FAILED, "expected one of call|put, got 'straddle'");
}
END_TEST

START_TEST(test_usage_line)
{
	char *u = cmd_usage(&test_entry);

	ck_assert_str_eq(u, "test --spot S [--n N] [--type call|put] [--name TEXT] [--greeks] [ARG...]");
	free(u);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cmd");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_every_command_has_help);
	tcase_add_test(tc, test_names_unique);
	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_parse_good);
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_usage_line);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
