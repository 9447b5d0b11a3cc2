/*
 * check_conf.c -- the configuration loader: good files, every kind of bad
 * file, all-or-nothing loading, run-time set, and the example file.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "util.h"

/* Writes n bytes to a new temporary file and returns its path. */
static char *write_tmp(const char *data, size_t n)
{
	char *path = xstrdup("/tmp/qdesk-conf-XXXXXX");
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
	close(fd);
	return path;
}

/* Loads text and expects success. */
static struct conf *load_ok(const char *text)
{
	struct conf *c = conf_new();
	char *path = write_tmp(text, strlen(text)), *cause = NULL;

	ck_assert_msg(conf_load_file(c, path, &cause) == 0, "load failed: %s", cause);
	unlink(path);
	free(path);
	return c;
}

/* Loads n bytes and expects an error containing needle and ":LINE:". */
static void load_bad(const char *data, size_t n, int line, const char *needle)
{
	struct conf *c = conf_new();
	char *path = write_tmp(data, n), *cause = NULL, where[64];

	ck_assert_int_eq(conf_load_file(c, path, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	snprintf(where, sizeof where, "%s:%d: ", path, line);
	ck_assert_msg(strncmp(cause, where, strlen(where)) == 0, "'%s' lacks '%s'", cause, where);
	ck_assert_msg(strstr(cause, needle) != NULL, "'%s' lacks '%s'", cause, needle);
	/* Nothing of a bad file is applied. */
	ck_assert_str_eq(conf_get_str(c, "log.level"), "info");
	ck_assert_int_eq(conf_get_int(c, "ui.refresh_hz"), 10);
	free(cause);
	unlink(path);
	free(path);
	conf_free(c);
}

START_TEST(test_defaults)
{
	struct conf *c = conf_new();

	ck_assert_str_eq(conf_get_str(c, "log.level"), "info");
	ck_assert_int_eq(conf_get_int(c, "ui.refresh_hz"), 10);
	ck_assert_ptr_null(conf_get_str(c, "no.such"));
	conf_free(c);
}
END_TEST

START_TEST(test_good_file)
{
	struct conf *c = load_ok("# comment\n; other comment\n\n[log]\nlevel = debug\n"
	    "  file = \" /tmp/x.log \"  \n[ui]\nrefresh_hz=25\ntheme = light\r\n");

	ck_assert_str_eq(conf_get_str(c, "log.level"), "debug");
	ck_assert_str_eq(conf_get_str(c, "log.file"), " /tmp/x.log ");
	ck_assert_int_eq(conf_get_int(c, "ui.refresh_hz"), 25);
	ck_assert_str_eq(conf_get_str(c, "ui.theme"), "light");
	conf_free(c);
}
END_TEST

START_TEST(test_empty_file)
{
	struct conf *c = load_ok("");

	ck_assert_str_eq(conf_get_str(c, "log.level"), "info");
	conf_free(c);
}
END_TEST

START_TEST(test_bad_files)
{
	char longline[6000];
	static const char bin[] = "[log]\nlevel = info\n\0\1\2garbage\n";
	static const char badutf[] = "[log]\nlevel = info\nfile = caf\xc3\x28\n";

	load_bad("[log]\nlevel = loud\n", 18, 2, "log.level: expected one of error|warn|info|debug");
	load_bad("[ui]\nrefresh_hz = fast\n", 22, 2, "expected an integer from 1 to 60, got 'fast'");
	load_bad("[ui]\nrefresh_hz = 0\n", 19, 2, "expected an integer from 1 to 60");
	load_bad("[ui]\nrefresh_hz = 1e400\n", 23, 2, "expected an integer");
	load_bad("[ui]\nrefresh_hz = 10\ncolour = red\n", 34, 3, "unknown key 'colour' in section [ui]");
	load_bad("[nosuch]\nkey = 1\n", 17, 2, "unknown key 'key' in section [nosuch]");
	load_bad("level = info\n", 13, 1, "before any [section]");
	load_bad("[log\nlevel = info\n", 18, 1, "expected [section]");
	load_bad("[log]\njust words\n", 17, 2, "expected 'key = value'");
	load_bad("[log]\nfile = \"open\n", 19, 2, "unterminated quoted value");
	load_bad(bin, sizeof bin - 1, 3, "binary data");
	load_bad(badutf, sizeof badutf - 1, 3, "invalid UTF-8");
	memset(longline, 'x', sizeof longline);
	memcpy(longline, "[log]\nfile = ", 13);
	longline[sizeof longline - 1] = '\n';
	load_bad(longline, sizeof longline, 2, "line longer than 4096 bytes");
}
END_TEST

START_TEST(test_missing_file)
{
	struct conf *c = conf_new();
	char *cause = NULL;

	ck_assert_int_eq(conf_load_file(c, "/nonexistent/qdesk.conf", &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "/nonexistent/qdesk.conf: cannot open"));
	free(cause);
	conf_free(c);
}
END_TEST

START_TEST(test_set)
{
	struct conf *c = conf_new();
	char *cause = NULL;
	const char *before;

	ck_assert_int_eq(conf_set(c, "ui.refresh_hz", "30", &cause), 0);
	ck_assert_int_eq(conf_get_int(c, "ui.refresh_hz"), 30);
	before = conf_get_str(c, "ui.refresh_hz");
	ck_assert_int_eq(conf_set(c, "ui.refresh_hz", "61", &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "ui.refresh_hz: expected an integer from 1 to 60"));
	free(cause);
	cause = NULL;
	/* The string handed out before stays valid and unchanged. */
	ck_assert_str_eq(before, "30");
	ck_assert_int_eq(conf_set(c, "ui.nope", "1", &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "unknown configuration key 'ui.nope'"));
	free(cause);
	conf_free(c);
}
END_TEST

/* The example file loads cleanly, names every key, and gives each its
 * default: it cannot drift from the key table. */
START_TEST(test_example_file)
{
	struct conf *c = conf_new();
	char *cause = NULL, *text;
	FILE *f;
	long n;
	int i;

	ck_assert_msg(conf_load_file(c, SRCDIR "/etc/qdesk.conf.example", &cause) == 0, "%s",
	    cause);
	f = fopen(SRCDIR "/etc/qdesk.conf.example", "r");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = xcalloc(1, (size_t)n + 1);
	ck_assert_int_eq(fread(text, 1, (size_t)n, f), n);
	fclose(f);
	for (i = 0; i < conf_nkeys; i++) {
		const char *dot = strchr(conf_keys[i].name, '.');
		char *section = xasprintf("[%.*s]", (int)(dot - conf_keys[i].name),
		    conf_keys[i].name);
		char *line = xasprintf("\n%s =", dot + 1);

		ck_assert_msg(strstr(text, section) != NULL, "example lacks %s", section);
		ck_assert_msg(strstr(text, line) != NULL, "example lacks key %s",
		    conf_keys[i].name);
		ck_assert_msg(strcmp(conf_get_str(c, conf_keys[i].name), conf_keys[i].def) == 0,
		    "example gives %s = '%s', default is '%s'", conf_keys[i].name,
		    conf_get_str(c, conf_keys[i].name), conf_keys[i].def);
		free(section);
		free(line);
	}
	free(text);
	conf_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_good_file);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_bad_files);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_set);
	tcase_add_test(tc, test_example_file);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
