/*
 * check_csv.c -- the CSV reader: quoting, line ends, blank lines, and
 * every malformed input naming FILE:LINE.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

/* Parses text and expects success. */
static void parse_ok(const char *text, struct csv *c)
{
	char *cause = NULL;

	ck_assert_msg(csv_parse("t.csv", text, strlen(text), c, &cause) == 0, "%s", cause);
}

/* Parses len bytes and expects an error starting with prefix. */
static void parse_bad(const char *text, size_t len, const char *prefix)
{
	struct csv c;
	char *cause = NULL;

	ck_assert_int_eq(csv_parse("t.csv", text, len, &c, &cause), -1);
	ck_assert_msg(strncmp(cause, prefix, strlen(prefix)) == 0, "'%s' is not '%s...'",
	    cause, prefix);
	free(cause);
}

START_TEST(test_basic)
{
	struct csv c;
	double v;
	char *cause = NULL;

	parse_ok("Strike, Maturity ,type\r\n100,0.5,call\r\n\r\n  110 ,1,\"put\"\r\n", &c);
	ck_assert_int_eq(c.ncols, 3);
	ck_assert_uint_eq(c.nrows, 2);
	ck_assert_int_eq(csv_col(&c, "strike"), 0);
	ck_assert_int_eq(csv_col(&c, "MATURITY"), 1);
	ck_assert_int_eq(csv_col(&c, "price"), -1);
	ck_assert_str_eq(csv_cell(&c, 1, 0), "110");
	ck_assert_str_eq(csv_cell(&c, 1, 2), "put");
	ck_assert_int_eq(c.lineno[0], 2);
	ck_assert_int_eq(c.lineno[1], 4);
	ck_assert_int_eq(csv_number(&c, 1, 0, &v, &cause), 0);
	ck_assert_double_eq(v, 110);
	csv_free(&c);
}
END_TEST

START_TEST(test_quotes)
{
	struct csv c;

	parse_ok("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n\"multi\nline\",2\nlast,3", &c);
	ck_assert_uint_eq(c.nrows, 3);
	ck_assert_str_eq(csv_cell(&c, 0, 0), "x,y");
	ck_assert_str_eq(csv_cell(&c, 0, 1), "say \"hi\"");
	ck_assert_str_eq(csv_cell(&c, 1, 0), "multi\nline");
	ck_assert_int_eq(c.lineno[2], 5);
	ck_assert_str_eq(csv_cell(&c, 2, 1), "3");
	csv_free(&c);
}
END_TEST

START_TEST(test_bad)
{
	struct csv c;
	double v;
	char *cause = NULL;

	parse_bad("", 0, "t.csv: empty file");
	parse_bad("\n\n", 2, "t.csv: empty file");
	parse_bad("a,b\n1,2\n3\n", 10, "t.csv:3: 1 fields, the header has 2");
	parse_bad("a,b\n1,\"2\n", 9, "t.csv:2: unterminated quoted field");
	parse_bad("a,b\n1,\"2\"x\n", 11, "t.csv:2: text after a closing quote");
	parse_bad("a,,b\n", 5, "t.csv:1: empty column name");
	parse_bad("a,b\n1,2\n\0\0\n", 11, "t.csv:3: binary data");
	parse_bad("a,b\n1,caf\xc3\x28\n", 12, "t.csv: invalid UTF-8");
	parse_ok("strike\nabc\nnan\n1e999\n\n", &c);
	ck_assert_int_eq(csv_number(&c, 0, 0, &v, &cause), -1);
	ck_assert_str_eq(cause, "t.csv:2: column 'strike': expected a number, got 'abc'");
	free(cause);
	ck_assert_int_eq(csv_number(&c, 1, 0, &v, &cause), -1);
	free(cause);
	ck_assert_int_eq(csv_number(&c, 2, 0, &v, &cause), -1);
	free(cause);
	csv_free(&c);
}
END_TEST

START_TEST(test_missing_file)
{
	struct csv c;
	char *cause = NULL;

	ck_assert_int_eq(csv_read("/nonexistent/x.csv", &c, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "/nonexistent/x.csv: cannot open"));
	free(cause);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("csv");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_quotes);
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_missing_file);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
