/*
 * conf.c -- loading, validating and changing configuration values.
 *
 * The file format is INI: "[section]" lines, "key = value" lines, and
 * full-line comments starting with # or ;.  Values may be wrapped in
 * double quotes to keep leading or trailing blanks.  Loading is
 * all-or-nothing: the file is validated into a scratch copy first, so a
 * bad line never leaves half a configuration applied.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "paths.h"
#include "util.h"

#define CONF_LINE_MAX 4096

struct conf {
	pthread_mutex_t lock;
	char **values;          /* one per conf_keys row */
	char **retired;         /* replaced values, freed by conf_free */
	size_t nretired;
	char *source;
};

/* Returns the table index of key, or -1. */
int conf_find(const char *key)
{
	int i;

	for (i = 0; i < conf_nkeys; i++) {
		if (strcmp(conf_keys[i].name, key) == 0)
			return i;
	}
	return -1;
}

/* Checks value against the key's type; NULL when fine, else a message. */
static char *conf_validate(const struct conf_key *k, const char *value)
{
	double d;
	long l;
	int b;

	switch (k->type) {
	case CONF_STRING:
		return NULL;
	case CONF_INT:
		if (parse_long(value, (long)k->min, (long)k->max, &l) != 0)
			return xasprintf("expected an integer from %ld to %ld, got '%s'",
			    (long)k->min, (long)k->max, value);
		return NULL;
	case CONF_DOUBLE:
		if (parse_double(value, &d) != 0 || d < k->min || d > k->max)
			return xasprintf("expected a number from %g to %g, got '%s'",
			    k->min, k->max, value);
		return NULL;
	case CONF_BOOL:
		if (parse_bool(value, &b) != 0)
			return xasprintf("expected yes or no, got '%s'", value);
		return NULL;
	case CONF_CHOICE: {
		const char *p = k->choices;
		size_t n = strlen(value);

		while (p != NULL && *p != '\0') {
			const char *bar = strchr(p, '|');
			size_t len = bar ? (size_t)(bar - p) : strlen(p);

			if (len == n && strncmp(p, value, n) == 0)
				return NULL;
			p = bar ? bar + 1 : NULL;
		}
		return xasprintf("expected one of %s, got '%s'", k->choices, value);
	}
	}
	return xasprintf("unknown key type");
}

/* Returns a configuration with every key at its default. */
struct conf *conf_new(void)
{
	struct conf *c = xcalloc(1, sizeof *c);
	int i;

	pthread_mutex_init(&c->lock, NULL);
	c->values = xcalloc((size_t)conf_nkeys, sizeof *c->values);
	for (i = 0; i < conf_nkeys; i++) {
		const char *env = conf_keys[i].env ? getenv(conf_keys[i].env) : NULL;
		char *bad;

		if (env != NULL && (bad = conf_validate(&conf_keys[i], env)) == NULL) {
			c->values[i] = xstrdup(env);
			continue;
		}
		if (env != NULL)
			free(bad);
		c->values[i] = xstrdup(conf_keys[i].def);
	}
	return c;
}

/* Frees a configuration and every string it handed out. */
void conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < (size_t)conf_nkeys; i++)
		free(c->values[i]);
	for (i = 0; i < c->nretired; i++)
		free(c->retired[i]);
	free(c->values);
	free(c->retired);
	free(c->source);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Replaces value i, retiring the old string; caller holds the lock. */
static void conf_store(struct conf *c, int i, const char *value)
{
	c->retired = xrealloc(c->retired, (c->nretired + 1) * sizeof *c->retired);
	c->retired[c->nretired++] = c->values[i];
	c->values[i] = xstrdup(value);
}

/* Validates and sets one key. */
int conf_set(struct conf *c, const char *key, const char *value, char **cause)
{
	int i = conf_find(key);
	char *bad;

	if (i < 0) {
		*cause = xasprintf("unknown configuration key '%s'", key);
		return -1;
	}
	if ((bad = conf_validate(&conf_keys[i], value)) != NULL) {
		*cause = xasprintf("%s: %s", key, bad);
		free(bad);
		return -1;
	}
	pthread_mutex_lock(&c->lock);
	conf_store(c, i, value);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

/* Strips blanks from both ends in place. */
static char *conf_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Parses one non-comment line into section or key/value; 0 or -1. */
static int conf_parse_line(char *line, char *section, size_t seclen,
    const char **keyname_out, char **value_out, char **why)
{
	char *eq, *k, *v;

	if (*line == '[') {
		char *end = strchr(line, ']');

		if (end == NULL || *conf_trim(end + 1) != '\0') {
			*why = xasprintf("expected [section]");
			return -1;
		}
		*end = '\0';
		k = conf_trim(line + 1);
		if (*k == '\0' || strlen(k) >= seclen) {
			*why = xasprintf("bad section name");
			return -1;
		}
		strcpy(section, k);
		*keyname_out = NULL;
		return 0;
	}
	eq = strchr(line, '=');
	if (eq == NULL) {
		*why = xasprintf("expected 'key = value' or '[section]'");
		return -1;
	}
	*eq = '\0';
	k = conf_trim(line);
	v = conf_trim(eq + 1);
	if (*k == '\0') {
		*why = xasprintf("missing key before '='");
		return -1;
	}
	if (*section == '\0') {
		*why = xasprintf("key '%s' before any [section]", k);
		return -1;
	}
	if (v[0] == '"') {
		size_t n = strlen(v);

		if (n < 2 || v[n - 1] != '"') {
			*why = xasprintf("unterminated quoted value for '%s'", k);
			return -1;
		}
		v[n - 1] = '\0';
		v++;
	}
	*keyname_out = k;
	*value_out = v;
	return 0;
}

/* Reads a whole file (at most max bytes) into b; 0 or -1 with cause. */
static int conf_slurp(const char *path, size_t max, struct buf *b, char **cause)
{
	char chunk[8192];
	FILE *f;
	size_t n;

	if ((f = fopen(path, "rb")) == NULL) {
		*cause = xasprintf("%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf_add(b, chunk, n);
		if (b->len > max) {
			*cause = xasprintf("%s: larger than %zu bytes", path, max);
			fclose(f);
			return -1;
		}
	}
	if (ferror(f)) {
		*cause = xasprintf("%s: read error", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* Loads an INI file; nothing changes unless every line is valid. */
int conf_load_file(struct conf *c, const char *path, char **cause)
{
	char section[64] = "", line[CONF_LINE_MAX + 1], full[200];
	char **staged;
	struct buf text;
	size_t pos = 0;
	int lineno = 0, i, rc = -1;

	buf_init(&text);
	if (conf_slurp(path, 1 << 20, &text, cause) != 0) {
		buf_free(&text);
		return -1;
	}
	staged = xcalloc((size_t)conf_nkeys, sizeof *staged);
	while (pos < text.len) {
		const char *start = text.data + pos, *nl;
		const char *key;
		char *value, *why = NULL, *s, *bad;
		size_t n;

		nl = memchr(start, '\n', text.len - pos);
		n = nl ? (size_t)(nl - start) : text.len - pos;
		pos += n + (nl != NULL);
		lineno++;
		if (memchr(start, '\0', n) != NULL) {
			*cause = xasprintf("%s:%d: binary data (NUL byte)", path, lineno);
			goto out;
		}
		if (n > CONF_LINE_MAX) {
			*cause = xasprintf("%s:%d: line longer than %d bytes", path, lineno,
			    CONF_LINE_MAX);
			goto out;
		}
		if (!utf8_valid(start, n)) {
			*cause = xasprintf("%s:%d: invalid UTF-8", path, lineno);
			goto out;
		}
		memcpy(line, start, n);
		line[n] = '\0';
		s = conf_trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (conf_parse_line(s, section, sizeof section, &key, &value, &why) != 0) {
			*cause = xasprintf("%s:%d: %s", path, lineno, why);
			free(why);
			goto out;
		}
		if (key == NULL)
			continue;
		snprintf(full, sizeof full, "%s.%s", section, key);
		if ((i = conf_find(full)) < 0) {
			*cause = xasprintf("%s:%d: unknown key '%s' in section [%s]", path,
			    lineno, key, section);
			goto out;
		}
		if ((bad = conf_validate(&conf_keys[i], value)) != NULL) {
			*cause = xasprintf("%s:%d: %s: %s", path, lineno, full, bad);
			free(bad);
			goto out;
		}
		free(staged[i]);
		staged[i] = xstrdup(value);
	}
	pthread_mutex_lock(&c->lock);
	for (i = 0; i < conf_nkeys; i++) {
		/* The environment outranks the file for keys that name a variable. */
		if (staged[i] != NULL && !(conf_keys[i].env && getenv(conf_keys[i].env)))
			conf_store(c, i, staged[i]);
	}
	free(c->source);
	c->source = xstrdup(path);
	pthread_mutex_unlock(&c->lock);
	rc = 0;
out:
	for (i = 0; i < conf_nkeys; i++)
		free(staged[i]);
	free(staged);
	buf_free(&text);
	return rc;
}

/* Returns the text of a key. */
const char *conf_get_str(struct conf *c, const char *key)
{
	int i = conf_find(key);
	const char *v;

	if (i < 0)
		return NULL;
	pthread_mutex_lock(&c->lock);
	v = c->values[i];
	pthread_mutex_unlock(&c->lock);
	return v;
}

/* Returns an integer key (validated when set). */
long conf_get_int(struct conf *c, const char *key)
{
	const char *v = conf_get_str(c, key);

	return v ? strtol(v, NULL, 10) : 0;
}

/* Returns a numeric key (validated when set). */
double conf_get_double(struct conf *c, const char *key)
{
	const char *v = conf_get_str(c, key);

	return v ? strtod(v, NULL) : 0.0;
}

/* Returns a boolean key (validated when set). */
int conf_get_bool(struct conf *c, const char *key)
{
	const char *v = conf_get_str(c, key);
	int b = 0;

	if (v != NULL)
		parse_bool(v, &b);
	return b;
}

/* Returns the file the values came from. */
const char *conf_source(struct conf *c)
{
	return c->source;
}

/* Finds the configuration file to load. */
char *conf_locate(const char *explicit_path)
{
	char *p, *cause = NULL;

	if (explicit_path != NULL)
		return xstrdup(explicit_path);
	p = paths_file(PATHS_CONFIG, "qdesk.conf", 0, &cause);
	if (p != NULL && access(p, F_OK) == 0)
		return p;
	free(p);
	free(cause);
	p = xstrdup(SYSCONFDIR "/qdesk/qdesk.conf");
	if (access(p, F_OK) == 0)
		return p;
	free(p);
	return NULL;
}
