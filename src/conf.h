/*
 * conf.h -- qdesk's configuration: a table of typed keys with defaults,
 * an INI-file loader that validates every value, and run-time `set`.
 *
 * Every key is declared once, in conf-keys.c, with its type, default,
 * range or choices and one line of help; `get`, the example file test and
 * the man page all read that table.  Values are kept as validated text.
 * DESIGN: set/get take a mutex, so the UI thread may `set` while engine
 * threads read; a replaced value's string is retired, not freed, until
 * conf_free(), so a pointer returned by conf_get_str() stays valid.
 */
#ifndef QD_CONF_H
#define QD_CONF_H

enum conf_type {
	CONF_STRING,
	CONF_INT,
	CONF_DOUBLE,
	CONF_BOOL,
	CONF_CHOICE,
};

#define CONF_SECRET 0x1     /* never printed by get or logged */

struct conf_key {
	const char *name;       /* "section.key" */
	enum conf_type type;
	const char *def;        /* default value as text */
	const char *choices;    /* "a|b|c" for CONF_CHOICE */
	double min, max;        /* inclusive range for CONF_INT and CONF_DOUBLE */
	const char *env;        /* environment variable that overrides, or NULL */
	int flags;
	const char *help;
};

extern const struct conf_key conf_keys[];
extern const int conf_nkeys;

struct conf;

/* Returns a configuration holding the defaults (and environment overrides). */
struct conf *conf_new(void);
void conf_free(struct conf *c);
/* Loads an INI file over the current values; on error *cause names
 * FILE:LINE and what was expected, and no value is changed. */
int conf_load_file(struct conf *c, const char *path, char **cause);
/* Sets key ("section.key") to value after validating it. */
int conf_set(struct conf *c, const char *key, const char *value, char **cause);
/* Returns the table index of a key name, or -1. */
int conf_find(const char *key);
/* Returns the current text of a key (valid until conf_free); NULL if unknown. */
const char *conf_get_str(struct conf *c, const char *key);
long conf_get_int(struct conf *c, const char *key);
double conf_get_double(struct conf *c, const char *key);
int conf_get_bool(struct conf *c, const char *key);
/* Returns the file the values were loaded from, or NULL. */
const char *conf_source(struct conf *c);
/* Finds the configuration file: explicit, then XDG, then sysconfdir.
 * Returns a new string or NULL when none exists. */
char *conf_locate(const char *explicit_path);

#endif
