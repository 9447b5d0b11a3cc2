/*
 * check_cmdq.c -- the command queue (src/cmdq.c): lines run in the order
 * queued on their own thread, a full queue refuses with a reason, progress
 * and the running line are visible, cancel stops a waiting command and
 * drops the queued ones, and freeing the queue stops what runs.
 *
 * The commands are real ones from the table (echo, sleep) run through the
 * same qd_run_line as every front door; output is caught by the session's
 * out sink, which the queue calls on its worker thread.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmdq.h"
#include "qd.h"
#include "util.h"

static pthread_mutex_t lines_lock = PTHREAD_MUTEX_INITIALIZER;
static struct buf lines;
static struct cmdq *cur_q;
static int tags_seen[4];
static char reported[256];

/* The out sink: every line, and the tag of the command that wrote it. */
static void catch_line(void *arg, const char *line)
{
	int tag = cmdq_tag(cur_q);

	(void)arg;
	pthread_mutex_lock(&lines_lock);
	buf_adds(&lines, line);
	buf_addc(&lines, '\n');
	if (tag >= 0 && tag < 4)
		tags_seen[tag]++;
	pthread_mutex_unlock(&lines_lock);
}

/* The error path: the last error. */
static void catch_report(struct qd *qd, const char *msg)
{
	(void)qd;
	pthread_mutex_lock(&lines_lock);
	snprintf(reported, sizeof reported, "%s", msg);
	pthread_mutex_unlock(&lines_lock);
}

static struct qd qd;

static void setup(void)
{
	qd_init(&qd);
	out_free(&qd.out);
	out_init(&qd.out, catch_line, NULL);
	qd.report = catch_report;
	buf_init(&lines);
	buf_adds(&lines, "");
	memset(tags_seen, 0, sizeof tags_seen);
	reported[0] = '\0';
}

static void teardown(void)
{
	buf_free(&lines);
	qd_free(&qd);
}

/* Waits up to 20 s until n jobs are done; the status then. */
static struct cmdq_status wait_done(struct cmdq *q, unsigned long n)
{
	struct cmdq_status st;
	int i;

	for (i = 0; i < 2000; i++) {
		cmdq_status(q, &st);
		if (st.done >= n && !st.busy)
			break;
		usleep(10000);
	}
	return st;
}

/* Waits up to 20 s until a command runs. */
static struct cmdq_status wait_busy(struct cmdq *q)
{
	struct cmdq_status st;
	int i;

	for (i = 0; i < 2000; i++) {
		cmdq_status(q, &st);
		if (st.busy)
			break;
		usleep(10000);
	}
	return st;
}

START_TEST(test_order_and_tags)
{
	char *cause = NULL;
	unsigned long job = 0;
	struct cmdq_status st;

	cur_q = cmdq_new(&qd, 8, &cause);
	ck_assert_ptr_nonnull(cur_q);
	ck_assert_int_eq(cmdq_push(cur_q, "sleep 0.2; echo one", 1, &job, &cause), 0);
	ck_assert_uint_eq(job, 1);
	ck_assert_int_eq(cmdq_push(cur_q, "echo two", 2, &job, &cause), 0);
	ck_assert_int_eq(cmdq_push(cur_q, "echo three", 2, &job, &cause), 0);
	ck_assert_uint_eq(job, 3);
	st = wait_done(cur_q, 3);
	ck_assert_uint_eq(st.done, 3);
	ck_assert_int_eq(st.last_status, CMD_OK);
	ck_assert_int_eq(cmdq_tag(cur_q), -1);
	cmdq_free(cur_q);
	ck_assert_str_eq(lines.data, "one\ntwo\nthree\n");
	ck_assert_int_eq(tags_seen[1], 1);
	ck_assert_int_eq(tags_seen[2], 2);
	ck_assert_ptr_null(qd.progress);
}
END_TEST

START_TEST(test_errors_and_full)
{
	char *cause = NULL;
	struct cmdq_status st;

	cur_q = cmdq_new(&qd, 2, &cause);
	ck_assert_int_eq(cmdq_push(cur_q, "sleep 30", 0, NULL, &cause), 0);
	st = wait_busy(cur_q);
	ck_assert_int_eq(st.busy, 1);
	ck_assert_str_eq(st.line, "sleep 30");
	ck_assert_int_eq(cmdq_push(cur_q, "echo a", 0, NULL, &cause), 0);
	ck_assert_int_eq(cmdq_push(cur_q, "echo b", 0, NULL, &cause), 0);
	/* two wait behind the sleep: the third is refused, naming why */
	ck_assert_int_eq(cmdq_push(cur_q, "echo c", 0, NULL, &cause), -1);
	ck_assert_msg(strstr(cause, "full") != NULL && strstr(cause, "sleep 30") != NULL,
	    "cause: %s", cause);
	free(cause);
	cmdq_status(cur_q, &st);
	ck_assert_int_eq(st.queued, 2);
	/* cancel: the sleep stops with an error, the waiting lines are dropped */
	ck_assert_int_eq(cmdq_cancel(cur_q), 2);
	st = wait_done(cur_q, 1);
	ck_assert_uint_eq(st.done, 1);
	ck_assert_int_eq(st.last_status, CMD_FAILED);
	ck_assert_msg(strstr(reported, "sleep: stopped after") != NULL, "reported: %s", reported);
	/* the queue goes on after a cancel; a failing line reports its error */
	ck_assert_int_eq(cmdq_push(cur_q, "nosuchcommand", 0, NULL, &cause), 0);
	ck_assert_int_eq(cmdq_push(cur_q, "echo after", 0, NULL, &cause), 0);
	st = wait_done(cur_q, 3);
	ck_assert_int_eq(st.last_status, CMD_OK);
	ck_assert_msg(strstr(reported, "unknown command 'nosuchcommand'") != NULL, "%s", reported);
	cmdq_free(cur_q);
	ck_assert_str_eq(lines.data, "after\n");
}
END_TEST

START_TEST(test_progress_and_free_stops)
{
	char *cause = NULL;
	struct cmdq_status st;
	int i;

	cur_q = cmdq_new(&qd, 4, &cause);
	ck_assert_int_eq(cmdq_push(cur_q, "sleep 60", 0, NULL, &cause), 0);
	ck_assert_int_eq(cmdq_push(cur_q, "echo never", 0, NULL, &cause), 0);
	for (i = 0; i < 1000; i++) {
		cmdq_status(cur_q, &st);
		if (strstr(st.progress, "of 60 s") != NULL)
			break;
		usleep(10000);
	}
	ck_assert_msg(strstr(st.progress, "1 of 60 s") != NULL, "progress: '%s'", st.progress);
	ck_assert_double_ge(st.elapsed, 1.0);
	/* freeing stops the sleep (it honours the cancel flag) and drops the
	 * echo; a sleep that ran on would hold this test to its timeout */
	cmdq_free(cur_q);
	ck_assert_str_eq(lines.data, "");
	ck_assert_int_eq(qd.cancel, 0);
}
END_TEST

START_TEST(test_file_job)
{
	char path[] = "/tmp/qdesk-cmdq-XXXXXX", *cause = NULL;
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs("echo from file\necho 'second line'\n", f);
	fclose(f);
	cur_q = cmdq_new(&qd, 4, &cause);
	ck_assert_int_eq(cmdq_push_file(cur_q, path, 3, NULL, &cause), 0);
	wait_done(cur_q, 1);
	cmdq_free(cur_q);
	unlink(path);
	ck_assert_str_eq(lines.data, "from file\nsecond line\n");
	ck_assert_int_eq(tags_seen[3], 2);
}
END_TEST

static Suite *cmdq_suite(void)
{
	Suite *s = suite_create("cmdq");
	TCase *tc = tcase_create("queue");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_order_and_tags);
	tcase_add_test(tc, test_errors_and_full);
	tcase_add_test(tc, test_progress_and_free_stops);
	tcase_add_test(tc, test_file_job);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cmdq_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
