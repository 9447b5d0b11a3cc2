/*
 * check_tokenize.c -- the command-line tokenizer: words, quotes, escapes,
 * comments, separators and syntax errors.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tokenize.h"
#include "util.h"

/* Parses line and checks it gives the expected commands, written as words
 * separated by '|' and commands separated by '/'. */
static void expect(const char *line, const char *want)
{
	struct tok_list l;
	struct buf b;
	char *cause = NULL;
	size_t i;
	int j;

	ck_assert_msg(tok_parse(line, &l, &cause) == 0, "parse failed: %s", cause);
	buf_init(&b);
	buf_adds(&b, "");
	for (i = 0; i < l.n; i++) {
		if (i > 0)
			buf_addc(&b, '/');
		for (j = 0; j < l.cmds[i].argc; j++) {
			if (j > 0)
				buf_addc(&b, '|');
			buf_adds(&b, l.cmds[i].argv[j]);
		}
		ck_assert_ptr_null(l.cmds[i].argv[l.cmds[i].argc]);
	}
	ck_assert_str_eq(b.data, want);
	buf_free(&b);
	tok_list_free(&l);
}

/* Checks that line is a syntax error whose message contains needle. */
static void expect_error(const char *line, const char *needle)
{
	struct tok_list l;
	char *cause = NULL;

	ck_assert_int_eq(tok_parse(line, &l, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, needle) != NULL, "'%s' lacks '%s'", cause, needle);
	ck_assert_uint_eq(l.n, 0);
	free(cause);
}

START_TEST(test_words)
{
	expect("help", "help");
	expect("  price   bs --spot 100\t--vol 0.2 ", "price|bs|--spot|100|--vol|0.2");
	expect("", "");
	expect("   \t ", "");
}
END_TEST

START_TEST(test_quotes)
{
	expect("echo 'a b' \"c d\"", "echo|a b|c d");
	expect("echo 'it''s'", "echo|its");
	expect("echo \"say \\\"hi\\\"\"", "echo|say \"hi\"");
	expect("echo \"a\\tb\"", "echo|a\tb");
	expect("echo '' x", "echo||x");
	expect("echo '\\n'", "echo|\\n");
	expect("echo a'b'\"c\"", "echo|abc");
}
END_TEST

START_TEST(test_escapes)
{
	expect("echo a\\ b", "echo|a b");
	expect("echo \\;", "echo|;");
	expect("echo \\#x", "echo|#x");
}
END_TEST

START_TEST(test_comments_and_separators)
{
	expect("# only a comment", "");
	expect("echo a # trailing", "echo|a");
	expect("echo a#b", "echo|a#b");
	expect("echo a; echo b", "echo|a/echo|b");
	expect("echo a;echo b;", "echo|a/echo|b");
	expect(";;; echo a ;;", "echo|a");
	expect("echo 'a;b' \"#c\"", "echo|a;b|#c");
}
END_TEST

START_TEST(test_errors)
{
	expect_error("echo 'abc", "unterminated single quote at column 6");
	expect_error("echo \"abc", "unterminated double quote");
	expect_error("echo abc\\", "trailing backslash");
}
END_TEST

START_TEST(test_quote_round_trip)
{
	static const char *const words[] = {
		"plain", "two words", "it's", "a;b", "#x", "back\\slash", "", "\"q\"", NULL
	};
	int i;

	for (i = 0; words[i] != NULL; i++) {
		struct tok_list l;
		struct buf b;
		char *cause = NULL;

		buf_init(&b);
		buf_adds(&b, "echo ");
		tok_quote(&b, words[i]);
		ck_assert_int_eq(tok_parse(b.data, &l, &cause), 0);
		ck_assert_uint_eq(l.n, 1);
		ck_assert_int_eq(l.cmds[0].argc, 2);
		ck_assert_str_eq(l.cmds[0].argv[1], words[i]);
		tok_list_free(&l);
		buf_free(&b);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tokenize");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_words);
	tcase_add_test(tc, test_quotes);
	tcase_add_test(tc, test_escapes);
	tcase_add_test(tc, test_comments_and_separators);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_quote_round_trip);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
