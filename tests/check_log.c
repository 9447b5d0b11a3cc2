/*
 * check_log.c -- the levelled log: level filtering before formatting, the
 * ring the console reads, the log file, and concurrent writers.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static int formatted;

/* Counts how often its value is formatted. */
static const char *counted(void)
{
	formatted++;
	return "x";
}

START_TEST(test_levels)
{
	struct log_record r[4];

	log_shutdown();
	log_set_stderr(0);
	log_threshold = LOG_INFO;
	formatted = 0;
	log_debug("hidden %s", counted());
	ck_assert_int_eq(formatted, 0);         /* not even evaluated */
	log_info("shown %d", 1);
	log_warn("warned %d", 2);
	ck_assert_uint_eq(log_ring_read(0, r, 4), 2);
	ck_assert_str_eq(r[0].msg, "shown 1");
	ck_assert_int_eq(r[0].level, LOG_INFO);
	ck_assert_str_eq(r[1].msg, "warned 2");
	ck_assert_uint_eq(log_ring_read(r[0].seq, r, 4), 1);
	ck_assert_str_eq(r[0].msg, "warned 2");
}
END_TEST

START_TEST(test_ring_wraps)
{
	static struct log_record r[LOG_RING_SIZE];
	size_t n;
	int i;

	log_shutdown();
	log_set_stderr(0);
	for (i = 0; i < LOG_RING_SIZE + 10; i++)
		log_info("line %d", i);
	n = log_ring_read(0, r, LOG_RING_SIZE);
	ck_assert_uint_eq(n, LOG_RING_SIZE);
	ck_assert_str_eq(r[0].msg, "line 10");
	ck_assert_str_eq(r[n - 1].msg, "line 2057");
	/* Asking for fewer gives the newest. */
	ck_assert_uint_eq(log_ring_read(0, r, 3), 3);
	ck_assert_str_eq(r[2].msg, "line 2057");
	ck_assert_str_eq(r[0].msg, "line 2055");
}
END_TEST

START_TEST(test_file)
{
	char path[] = "/tmp/qdesk-log-XXXXXX", line[256], *cause = NULL;
	int fd = mkstemp(path);
	FILE *f;

	close(fd);
	log_shutdown();
	log_set_stderr(0);
	ck_assert_int_eq(log_open_file(path, &cause), 0);
	log_error("to the file %d", 42);
	log_shutdown();
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	fclose(f);
	unlink(path);
	/* "YYYY-MM-DD HH:MM:SS.uuuuuu error to the file 42" */
	ck_assert_int_eq(line[4], '-');
	ck_assert_int_eq(line[19], '.');
	ck_assert_ptr_nonnull(strstr(line, " error to the file 42"));
	ck_assert_int_eq(log_open_file("/nonexistent/dir/x.log", &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "cannot open log file /nonexistent/dir/x.log"));
	free(cause);
}
END_TEST

/* Writes 1000 records. */
static void *writer(void *arg)
{
	int i;

	for (i = 0; i < 1000; i++)
		log_info("thread %ld record %d", (long)(size_t)arg, i);
	return NULL;
}

START_TEST(test_threads)
{
	static struct log_record r[LOG_RING_SIZE];
	pthread_t t[4];
	size_t n, i;
	long k;

	log_shutdown();
	log_set_stderr(0);
	for (k = 0; k < 4; k++)
		pthread_create(&t[k], NULL, writer, (void *)(size_t)k);
	for (k = 0; k < 4; k++)
		pthread_join(t[k], NULL);
	n = log_ring_read(0, r, LOG_RING_SIZE);
	ck_assert_uint_eq(n, LOG_RING_SIZE);
	for (i = 1; i < n; i++)
		ck_assert_uint_eq(r[i].seq, r[i - 1].seq + 1);
	ck_assert_uint_eq(r[n - 1].seq, 4000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_levels);
	tcase_add_test(tc, test_ring_wraps);
	tcase_add_test(tc, test_file);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
