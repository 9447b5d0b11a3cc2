/*
 * check_json.c -- the strict JSON parser: the examples of RFC 8259 §13,
 * strings and numbers against their published encodings, and every kind
 * of malformed input, each refused with the right byte offset, line and
 * column.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

/* Parses text and expects success. */
static struct json_doc *parse_ok(const char *text)
{
	char *cause = NULL;
	struct json_doc *d = json_parse(text, strlen(text), &cause);

	ck_assert_msg(d != NULL, "'%s': %s", text, cause);
	return d;
}

/* Parses n bytes and expects an error that starts with the position
 * prefix and contains needle. */
static void parse_bad_n(const char *text, size_t n, size_t offset, size_t line, size_t col,
    const char *needle)
{
	char *cause = NULL, prefix[128];
	struct json_doc *d = json_parse(text, n, &cause);

	ck_assert_msg(d == NULL, "'%.*s' was accepted", (int)n, text);
	snprintf(prefix, sizeof prefix, "JSON error at offset %zu (line %zu, column %zu): ",
	    offset, line, col);
	ck_assert_msg(strncmp(cause, prefix, strlen(prefix)) == 0, "'%s' lacks '%s'", cause,
	    prefix);
	ck_assert_msg(strstr(cause, needle) != NULL, "'%s' lacks '%s'", cause, needle);
	free(cause);
}

/* Like parse_bad_n for a NUL-terminated text on line 1. */
static void parse_bad(const char *text, size_t offset, const char *needle)
{
	parse_bad_n(text, strlen(text), offset, 1, offset + 1, needle);
}

/* RFC 8259 section 13, first example: an object. */
START_TEST(test_rfc_object)
{
	static const char text[] =
	    "{\n"
	    "  \"Image\": {\n"
	    "    \"Width\":  800,\n"
	    "    \"Height\": 600,\n"
	    "    \"Title\":  \"View from 15th Floor\",\n"
	    "    \"Thumbnail\": {\n"
	    "      \"Url\":    \"http://www.example.com/image/481989943\",\n"
	    "      \"Height\": 125,\n"
	    "      \"Width\":  100\n"
	    "    },\n"
	    "    \"Animated\" : false,\n"
	    "    \"IDs\": [116, 943, 234, 38793]\n"
	    "  }\n"
	    "}\n";
	struct json_doc *d = parse_ok(text);
	const struct json *img = json_get(json_root(d), "Image"), *ids, *th;

	ck_assert_ptr_nonnull(img);
	ck_assert_int_eq(img->type, JSON_OBJECT);
	ck_assert_double_eq(json_get(img, "Width")->u.number, 800);
	ck_assert_double_eq(json_get(img, "Height")->u.number, 600);
	ck_assert_str_eq(json_get(img, "Title")->u.string.s, "View from 15th Floor");
	th = json_get(img, "Thumbnail");
	ck_assert_str_eq(json_get(th, "Url")->u.string.s, "http://www.example.com/image/481989943");
	ck_assert_double_eq(json_get(th, "Width")->u.number, 100);
	ck_assert_int_eq(json_get(img, "Animated")->type, JSON_BOOL);
	ck_assert_int_eq(json_get(img, "Animated")->u.boolean, 0);
	ids = json_get(img, "IDs");
	ck_assert_uint_eq(json_count(ids), 4);
	ck_assert_double_eq(json_at(ids, 3)->u.number, 38793);
	ck_assert_ptr_null(json_at(ids, 4));
	ck_assert_ptr_null(json_get(img, "Depth"));
	ck_assert_ptr_null(json_get(ids, "Width"));
	/* Offsets point at the values. */
	ck_assert_int_eq(text[json_get(img, "Width")->offset], '8');
	ck_assert_int_eq(text[ids->offset], '[');
	json_free(d);
}
END_TEST

/* RFC 8259 section 13, second example: an array of objects. */
START_TEST(test_rfc_array)
{
	struct json_doc *d = parse_ok(
	    "[\n"
	    "  {\n"
	    "     \"precision\": \"zip\",\n"
	    "     \"Latitude\":  37.7668,\n"
	    "     \"Longitude\": -122.3959,\n"
	    "     \"Address\":   \"\",\n"
	    "     \"City\":      \"SAN FRANCISCO\",\n"
	    "     \"State\":     \"CA\",\n"
	    "     \"Zip\":       \"94107\",\n"
	    "     \"Country\":   \"US\"\n"
	    "  },\n"
	    "  {\n"
	    "     \"precision\": \"zip\",\n"
	    "     \"Latitude\":  37.371991,\n"
	    "     \"Longitude\": -122.026020,\n"
	    "     \"Address\":   \"\",\n"
	    "     \"City\":      \"SUNNYVALE\",\n"
	    "     \"State\":     \"CA\",\n"
	    "     \"Zip\":       \"94085\",\n"
	    "     \"Country\":   \"US\"\n"
	    "  }\n"
	    "]");
	const struct json *r = json_root(d);

	ck_assert_uint_eq(json_count(r), 2);
	ck_assert_double_eq(json_get(json_at(r, 0), "Latitude")->u.number, 37.7668);
	ck_assert_double_eq(json_get(json_at(r, 1), "Longitude")->u.number, -122.026020);
	ck_assert_str_eq(json_get(json_at(r, 1), "City")->u.string.s, "SUNNYVALE");
	ck_assert_uint_eq(json_get(json_at(r, 0), "Address")->u.string.len, 0);
	ck_assert_uint_eq(json_count(json_at(r, 0)), 8);
	json_free(d);
}
END_TEST

/* RFC 8259 section 13: scalars are documents too. */
START_TEST(test_scalars)
{
	struct json_doc *d;

	d = parse_ok("3");
	ck_assert_double_eq(json_root(d)->u.number, 3);
	json_free(d);
	d = parse_ok(" \"Hello world!\" ");
	ck_assert_str_eq(json_root(d)->u.string.s, "Hello world!");
	json_free(d);
	d = parse_ok("true");
	ck_assert_int_eq(json_root(d)->u.boolean, 1);
	json_free(d);
	d = parse_ok("\tnull\r\n");
	ck_assert_int_eq(json_root(d)->type, JSON_NULL);
	json_free(d);
	d = parse_ok("[]");
	ck_assert_uint_eq(json_count(json_root(d)), 0);
	json_free(d);
	d = parse_ok("{ }");
	ck_assert_int_eq(json_root(d)->type, JSON_OBJECT);
	ck_assert_uint_eq(json_count(json_root(d)), 0);
	json_free(d);
}
END_TEST

/* Numbers: the grammar's corners and exact values of decimal literals. */
START_TEST(test_numbers)
{
	static const struct { const char *text; double v; } ok[] = {
		{ "0", 0 }, { "-0", -0.0 }, { "-0.5e+2", -50 }, { "1E3", 1000 },
		{ "2.5e-3", 0.0025 }, { "1557171657000", 1557171657000.0 },
		{ "1.95546E-10", 1.95546e-10 }, { "1e308", 1e308 },
		{ "4.9e-324", 4.9e-324 }, { "1e-400", 0 },
		{ "123456789012345678901234567890", 1.2345678901234568e29 },
	};
	size_t i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct json_doc *d = parse_ok(ok[i].text);

		ck_assert_int_eq(json_root(d)->type, JSON_NUMBER);
		ck_assert_msg(json_root(d)->u.number == ok[i].v, "%s gave %.17g", ok[i].text,
		    json_root(d)->u.number);
		json_free(d);
	}
	parse_bad("01", 0, "leading zero");
	parse_bad("-", 1, "expected a digit, got end of input");
	parse_bad("-a", 1, "expected a digit, got 'a'");
	parse_bad("1.", 2, "expected a digit after the decimal point");
	parse_bad("1.e5", 2, "digit after the decimal point");
	parse_bad("1e", 2, "expected a digit in the exponent");
	parse_bad("1e+", 3, "digit in the exponent");
	parse_bad(".5", 0, "expected a value, got '.'");
	parse_bad("+1", 0, "expected a value, got '+'");
	parse_bad("0x10", 1, "unexpected 'x' after the value");
	parse_bad("1e309", 0, "out of the range of a double");
	parse_bad("-1e400", 0, "out of the range");
	parse_bad("NaN", 0, "expected a value, got 'N'");
	parse_bad("Infinity", 0, "expected a value");
	parse_bad("[1,-]", 4, "expected a digit, got ']'");
}
END_TEST

/* Strings: every escape, \u with surrogate pairs, and raw UTF-8 against
 * the published encodings (U+00E9 = C3 A9, U+20AC = E2 82 AC, U+1F600 =
 * F0 9F 98 80). */
START_TEST(test_strings)
{
	struct json_doc *d;
	const struct json *r;

	d = parse_ok("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"");
	ck_assert_str_eq(json_root(d)->u.string.s, "\"\\/\b\f\n\r\t");
	ck_assert_uint_eq(json_root(d)->u.string.len, 8);
	json_free(d);
	d = parse_ok("[\"\\u00e9\", \"\\u20AC\", \"\\ud83d\\ude00\", \"caf\xc3\xa9\", \"\\u0041\"]");
	r = json_root(d);
	ck_assert_str_eq(json_at(r, 0)->u.string.s, "\xc3\xa9");
	ck_assert_str_eq(json_at(r, 1)->u.string.s, "\xe2\x82\xac");
	ck_assert_str_eq(json_at(r, 2)->u.string.s, "\xf0\x9f\x98\x80");
	ck_assert_uint_eq(json_at(r, 2)->u.string.len, 4);
	ck_assert_str_eq(json_at(r, 3)->u.string.s, "caf\xc3\xa9");
	ck_assert_str_eq(json_at(r, 4)->u.string.s, "A");
	json_free(d);
	parse_bad("\"abc", 4, "end of input in the string that starts at offset 0");
	parse_bad("[\"a\\\"]", 6, "end of input in the string that starts at offset 1");
	parse_bad("\"a\x01z\"", 2, "control character 0x01");
	parse_bad("\"tab\there\"", 4, "control character 0x09");
	parse_bad("\"\\x41\"", 1, "invalid escape '\\x'");
	parse_bad("\"\\u12\"", 1, "\\u must be followed by 4 hex digits");
	parse_bad("\"\\u00G0\"", 1, "4 hex digits");
	parse_bad("\"\\u0000\"", 1, "NUL");
	parse_bad("\"\\udc00\"", 1, "lone low surrogate");
	parse_bad("\"\\ud800\"", 1, "high surrogate \\ud800 not followed by a low surrogate");
	parse_bad("\"\\ud800\\u0041\"", 1, "not followed by a low surrogate");
	parse_bad("\"ab\xc3\x28\"", 3, "invalid UTF-8");
	parse_bad("\"\xc0\xaf\"", 1, "invalid UTF-8");          /* overlong '/' */
	parse_bad("\"\xed\xa0\x80\"", 1, "invalid UTF-8");      /* encoded surrogate */
	parse_bad("\"\xf4\x90\x80\x80\"", 1, "invalid UTF-8");  /* beyond U+10FFFF */
	parse_bad("'single'", 0, "expected a value, got '''");
}
END_TEST

/* Structure errors, each at its offset. */
START_TEST(test_structure)
{
	parse_bad("", 0, "unexpected end of input, expected a value");
	parse_bad("   ", 3, "unexpected end of input, expected a value");
	parse_bad("[1,2", 4, "expected ',' or ']' in an array, got end of input");
	parse_bad("[1 2]", 3, "expected ',' or ']' in an array, got '2'");
	parse_bad("[1,]", 3, "trailing comma in an array");
	parse_bad("{\"a\":1,}", 7, "trailing comma in an object");
	parse_bad("{\"a\" 1}", 5, "expected ':' after an object key, got '1'");
	parse_bad("{'a':1}", 1, "expected a string key in an object, got '''");
	parse_bad("{a:1}", 1, "expected a string key");
	parse_bad("{\"a\":1 \"b\":2}", 7, "expected ',' or '}' in an object, got '\"'");
	parse_bad("{\"a\":}", 5, "expected a value, got '}'");
	parse_bad("[1]]", 3, "unexpected ']' after the value");
	parse_bad("{} {}", 3, "unexpected '{' after the value");
	parse_bad("tru", 3, "unexpected end of input in 'true'");
	parse_bad("nul", 3, "in 'null'");
	parse_bad("nulx", 0, "expected a value, got 'n'");
	parse_bad("True", 0, "expected a value, got 'T'");
	parse_bad("[1] // comment", 4, "unexpected '/' after the value");
	parse_bad("\xef\xbb\xbf{}", 0, "byte-order mark");
	parse_bad("<html>", 0, "expected a value, got '<'");
	parse_bad_n("[1]\0", 4, 3, 1, 4, "unexpected byte 0x00 after the value");
	parse_bad_n("\x89PNG", 4, 0, 1, 1, "expected a value, got byte 0x89");
	/* Line and column count lines and UTF-8 characters. */
	parse_bad_n("{\n  \"a\": tru\n}", 14, 9, 2, 8, "expected a value, got 't'");
	parse_bad_n("[\"\xc3\xa9\", x]", 9, 7, 1, 7, "expected a value, got 'x'");
}
END_TEST

/* Only the given length is read, and NUL is an ordinary (bad) byte. */
START_TEST(test_length)
{
	static const char text[] = "[1,2]garbage";
	char *cause = NULL;
	struct json_doc *d = json_parse(text, 5, &cause);

	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(json_count(json_root(d)), 2);
	json_free(d);
	ck_assert_ptr_null(json_parse(text, 4, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "offset 4"));
	free(cause);
	ck_assert_ptr_null(json_parse(NULL, 0, NULL));
	json_free(NULL);
}
END_TEST

/* Nesting is bounded: JSON_MAX_DEPTH levels pass, one more is refused. */
START_TEST(test_depth)
{
	char buf[2 * JSON_MAX_DEPTH + 8];
	struct json_doc *d;
	int i;

	for (i = 0; i < JSON_MAX_DEPTH; i++) {
		buf[i] = '[';
		buf[JSON_MAX_DEPTH + i] = ']';
	}
	d = json_parse(buf, 2 * JSON_MAX_DEPTH, NULL);
	ck_assert_ptr_nonnull(d);
	json_free(d);
	memmove(buf + 1, buf, 2 * JSON_MAX_DEPTH);
	buf[0] = '[';
	buf[2 * JSON_MAX_DEPTH + 1] = ']';
	parse_bad_n(buf, 2 * JSON_MAX_DEPTH + 2, JSON_MAX_DEPTH, 1, JSON_MAX_DEPTH + 1,
	    "nesting deeper than 128 levels");
	/* Objects count too. */
	{
		struct buf b;

		buf_init(&b);
		for (i = 0; i <= JSON_MAX_DEPTH; i++)
			buf_adds(&b, "{\"a\":");
		buf_adds(&b, "1");
		for (i = 0; i <= JSON_MAX_DEPTH; i++)
			buf_addc(&b, '}');
		ck_assert_ptr_null(json_parse(b.data, b.len, NULL));
		buf_free(&b);
	}
}
END_TEST

/* Duplicate keys are kept; json_get returns the first. */
START_TEST(test_duplicates_and_types)
{
	struct json_doc *d = parse_ok("{\"k\":1,\"k\":2,\"n\":null}");

	ck_assert_uint_eq(json_count(json_root(d)), 3);
	ck_assert_double_eq(json_get(json_root(d), "k")->u.number, 1);
	ck_assert_str_eq(json_type_name(json_get(json_root(d), "n")->type), "null");
	ck_assert_str_eq(json_type_name(JSON_OBJECT), "object");
	ck_assert_str_eq(json_type_name(JSON_STRING), "string");
	ck_assert_ptr_null(json_get(NULL, "k"));
	ck_assert_uint_eq(json_count(NULL), 0);
	json_free(d);
}
END_TEST

/* A large document (many nodes over several arena chunks) parses and
 * keeps every value. */
START_TEST(test_large)
{
	struct buf b;
	struct json_doc *d;
	const struct json *r;
	int i;

	buf_init(&b);
	buf_addc(&b, '[');
	for (i = 0; i < 20000; i++)
		buf_printf(&b, "%s{\"i\":%d,\"s\":\"v%d\"}", i ? "," : "", i, i);
	buf_addc(&b, ']');
	d = json_parse(b.data, b.len, NULL);
	ck_assert_ptr_nonnull(d);
	r = json_root(d);
	ck_assert_uint_eq(json_count(r), 20000);
	ck_assert_double_eq(json_get(json_at(r, 19999), "i")->u.number, 19999);
	ck_assert_str_eq(json_get(json_at(r, 12345), "s")->u.string.s, "v12345");
	json_free(d);
	buf_free(&b);
}
END_TEST

/* Parses a thread's own document many times and checks it each time. */
static void *parse_worker(void *arg)
{
	long id = (long)arg, bad = 0;
	struct buf b;
	int i, k;

	buf_init(&b);
	buf_addc(&b, '[');
	for (k = 0; k < 500 + 300 * id; k++)
		buf_printf(&b, "%s{\"id\":%ld,\"k\":%d}", k ? "," : "", id, k);
	buf_addc(&b, ']');
	for (i = 0; i < 50; i++) {
		struct json_doc *d = json_parse(b.data, b.len, NULL);
		const struct json *last;

		if (d == NULL) {
			bad++;
			continue;
		}
		last = json_at(json_root(d), json_count(json_root(d)) - 1);
		if (json_get(last, "id")->u.number != (double)id ||
		    json_get(last, "k")->u.number != 499 + 300 * id)
			bad++;
		json_free(d);
	}
	buf_free(&b);
	return (void *)bad;
}

/* Threads parse at the same time; each reuses its own arena memory, which
 * is freed when the thread ends (valgrind and ASan see no leak). */
START_TEST(test_threads)
{
	pthread_t th[4];
	void *bad;
	long i;

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, parse_worker, (void *)i), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], &bad);
		ck_assert_int_eq((long)bad, 0);
	}
}
END_TEST

/* Runs the suite. */
int main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_rfc_object);
	tcase_add_test(tc, test_rfc_array);
	tcase_add_test(tc, test_scalars);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_structure);
	tcase_add_test(tc, test_length);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_duplicates_and_types);
	tcase_add_test(tc, test_large);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
