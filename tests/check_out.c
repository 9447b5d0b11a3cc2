/*
 * check_out.c -- result formatting: numbers that read back exactly, JSON
 * escapes, CSV tables and aligned text.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "util.h"

/* Collects lines into one buffer separated by '\n'. */
static void collect(void *arg, const char *line)
{
	buf_adds(arg, line);
	buf_addc(arg, '\n');
}

START_TEST(test_double_round_trip)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	int i;

	for (i = 0; i < 100000; i++) {
		double v;
		struct buf b;

		/* xorshift over raw bit patterns covers every exponent */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(&v, &x, sizeof v);
		if (!isfinite(v))
			continue;
		buf_init(&b);
		buf_add_double(&b, v, 1);
		ck_assert_msg(strtod(b.data, NULL) == v, "%s does not read back", b.data);
		ck_assert_int_le(strlen(b.data), 24);
		buf_free(&b);
	}
}
END_TEST

START_TEST(test_double_shortest)
{
	struct buf b;

	buf_init(&b);
	buf_add_double(&b, 0.1, 1);
	buf_addc(&b, ' ');
	buf_add_double(&b, 100, 1);
	buf_addc(&b, ' ');
	buf_add_double(&b, NAN, 1);
	buf_addc(&b, ' ');
	buf_add_double(&b, -INFINITY, 0);
	ck_assert_str_eq(b.data, "0.1 100 null -inf");
	buf_free(&b);
}
END_TEST

START_TEST(test_json_record)
{
	struct buf b;
	struct out o;

	buf_init(&b);
	out_init(&o, collect, &b);
	o.json = 1;
	out_begin(&o);
	out_str(&o, "name", "a \"q\" \\ \n\t\x01");
	out_num(&o, "price", 10.450583572185565);
	out_int(&o, "n", -3);
	out_bool(&o, "ok", 1);
	out_num(&o, "bad", NAN);
	out_end(&o);
	ck_assert_str_eq(b.data, "{\"name\":\"a \\\"q\\\" \\\\ \\n\\t\\u0001\","
	    "\"price\":10.450583572185565,\"n\":-3,\"ok\":true,\"bad\":null}\n");
	out_free(&o);
	buf_free(&b);
}
END_TEST

START_TEST(test_csv_table)
{
	struct buf b;
	struct out o;

	buf_init(&b);
	out_init(&o, collect, &b);
	out_table(&o);
	out_begin(&o);
	out_str(&o, "key", "a,b");
	out_str(&o, "value", "say \"x\"");
	out_end(&o);
	out_begin(&o);
	out_str(&o, "key", "c");
	out_num(&o, "value", 2.5);
	out_end(&o);
	ck_assert_str_eq(b.data, "key,value\n\"a,b\",\"say \"\"x\"\"\"\nc,2.5\n");
	out_free(&o);
	buf_free(&b);
}
END_TEST

START_TEST(test_text_record)
{
	struct buf b;
	struct out o;

	buf_init(&b);
	out_init(&o, collect, &b);
	out_begin(&o);
	out_num(&o, "price", 1.5);
	out_num(&o, "implied_vol", 0.2);
	out_end(&o);
	out_begin(&o);
	out_int(&o, "n", 1);
	out_end(&o);
	out_text(&o, "done %d", 7);
	ck_assert_str_eq(b.data, "price        1.5\nimplied_vol  0.2\n\nn  1\ndone 7\n");
	out_free(&o);
	buf_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("out");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_double_round_trip);
	tcase_add_test(tc, test_double_shortest);
	tcase_add_test(tc, test_json_record);
	tcase_add_test(tc, test_csv_table);
	tcase_add_test(tc, test_text_record);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
