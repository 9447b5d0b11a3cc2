/*
 * store.c -- the store's front: opening by configuration, migrations,
 * validation of every row, and dispatch to the backend (store-sqlite.c,
 * store-pg.c).
 *
 * Validation lives here, not in the backends, so that a bad row is named
 * the same way whichever database is configured ("option quotes row 3 of
 * 10 (SPY   240119C00470000): bid is NaN") and so that nothing reaches a
 * database before the whole batch has been checked.  Also here: the time
 * and date conversions, exact double formatting for COPY, a strict JSON
 * checker, and the audit hash.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "json.h"
#include "log.h"
#include "sha256.h"
#include "store-int.h"
#include "util.h"

/* Times outside [1900-01-01, 2200-01-01) are refused as garbage. */
#define STORE_TIME_MIN (-2208988800.0)
#define STORE_TIME_MAX (7258118400.0)
/* Largest JSON text accepted in one field. */
#define STORE_JSON_MAX (1024 * 1024)
#define STORE_JSON_DEPTH 128

/* Sets *cause (when cause is not NULL) to a new "BACKEND LOCATION:
 * MESSAGE"; like every function here it does not free an old *cause. */
int store_fail(struct store *s, char **cause, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (cause != NULL)
		*cause = xasprintf("%s %s: %s", s->ops->name, s->location, msg);
	free(msg);
	return -1;
}

/* Rounds epoch seconds to integer microseconds. */
int64_t store_time_us(double t)
{
	return (int64_t)llround(t * 1e6);
}

/* Converts integer microseconds to the nearest double of epoch seconds. */
double store_time_from_us(int64_t us)
{
	return (double)us / 1e6;
}

/* Days since 1970-01-01 (H. Hinnant's days_from_civil). */
int64_t store_days_from_civil(int y, int m, int d)
{
	int64_t yy = y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

/* The date of a day number (H. Hinnant's civil_from_days). */
void store_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp, yy;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

/* Writes n decimal digits of v (zero-padded) at p; returns p + n. */
static char *store_digits(char *p, int64_t v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

/* Writes a microsecond time as a PostgreSQL timestamptz literal in UTC
 * (hand-formatted: COPY writes one per row). */
int store_format_timestamp(int64_t us, char *out)
{
	int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
	int64_t frac = us - secs * 1000000;
	int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	int64_t sod = secs - days * 86400;
	char *p = out;
	int y, m, d;

	store_civil_from_days(days, &y, &m, &d);
	p = store_digits(p, y, 4);
	*p++ = '-';
	p = store_digits(p, m, 2);
	*p++ = '-';
	p = store_digits(p, d, 2);
	*p++ = ' ';
	p = store_digits(p, sod / 3600, 2);
	*p++ = ':';
	p = store_digits(p, sod / 60 % 60, 2);
	*p++ = ':';
	p = store_digits(p, sod % 60, 2);
	*p++ = '.';
	p = store_digits(p, frac, 6);
	memcpy(p, "+00", 4);
	return (int)(p + 3 - out);
}

/* Appends a double exactly: prices with up to 8 decimals take a fast
 * path (m / 10^k correctly rounded equals v, so the decimal m*10^-k reads
 * back to v); anything else is printed with 17 significant digits. */
void store_add_double(struct buf *b, double v)
{
	static const double p10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8 };
	char tmp[40], *p;
	int k;

	if (v == 0) {
		buf_adds(b, signbit(v) ? "-0" : "0");
		return;
	}
	for (k = 0; k <= 8; k++) {
		double x = v * p10[k], ax = fabs(x);
		unsigned long long m;
		int i;

		if (ax >= 9e15)
			break;
		if (x != floor(x))
			continue;
		if ((double)(long long)x / p10[k] != v)
			break;
		m = (unsigned long long)ax;
		p = tmp + sizeof tmp;
		*--p = '\0';
		for (i = 0; i < k; i++) {
			*--p = (char)('0' + m % 10);
			m /= 10;
		}
		if (k > 0)
			*--p = '.';
		do {
			*--p = (char)('0' + m % 10);
			m /= 10;
		} while (m > 0);
		if (v < 0)
			*--p = '-';
		buf_adds(b, p);
		return;
	}
	snprintf(tmp, sizeof tmp, "%.17g", v);
	buf_adds(b, tmp);
}

/* --- JSON checking (RFC 8259) --------------------------------------------- */

struct json_check {
	const char *p;
	const char *start;
	const char *err;
};

/* Skips JSON whitespace. */
static void json_ws(struct json_check *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
		j->p++;
}

/* Reads four hex digits of a \u escape. */
static int json_hex4(struct json_check *j, unsigned *u)
{
	int i;

	*u = 0;
	for (i = 0; i < 4; i++) {
		char c = j->p[i];

		*u <<= 4;
		if (c >= '0' && c <= '9')
			*u |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*u |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*u |= (unsigned)(c - 'A' + 10);
		else {
			j->err = "bad \\u escape";
			return -1;
		}
	}
	j->p += 4;
	return 0;
}

/* Checks a string literal (the opening quote is at j->p). */
static int json_string(struct json_check *j)
{
	unsigned u, lo;

	j->p++;
	for (;;) {
		unsigned char c = (unsigned char)*j->p;

		if (c == '"') {
			j->p++;
			return 0;
		}
		if (c == '\0') {
			j->err = "unterminated string";
			return -1;
		}
		if (c < 0x20) {
			j->err = "control character in a string";
			return -1;
		}
		j->p++;
		if (c != '\\')
			continue;
		c = (unsigned char)*j->p++;
		if (strchr("\"\\/bfnrt", c) != NULL && c != '\0')
			continue;
		if (c != 'u') {
			j->p--;
			j->err = "bad escape in a string";
			return -1;
		}
		if (json_hex4(j, &u) != 0)
			return -1;
		if (u >= 0xdc00 && u <= 0xdfff) {
			j->err = "unpaired surrogate in a \\u escape";
			return -1;
		}
		if (u >= 0xd800 && u <= 0xdbff) {
			if (j->p[0] != '\\' || j->p[1] != 'u') {
				j->err = "unpaired surrogate in a \\u escape";
				return -1;
			}
			j->p += 2;
			if (json_hex4(j, &lo) != 0)
				return -1;
			if (lo < 0xdc00 || lo > 0xdfff) {
				j->err = "unpaired surrogate in a \\u escape";
				return -1;
			}
		}
	}
}

/* Checks a number literal. */
static int json_number(struct json_check *j)
{
	if (*j->p == '-')
		j->p++;
	if (*j->p == '0')
		j->p++;
	else if (*j->p >= '1' && *j->p <= '9') {
		while (*j->p >= '0' && *j->p <= '9')
			j->p++;
	} else {
		j->err = "bad number";
		return -1;
	}
	if (*j->p == '.') {
		j->p++;
		if (*j->p < '0' || *j->p > '9') {
			j->err = "bad number";
			return -1;
		}
		while (*j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (*j->p == 'e' || *j->p == 'E') {
		j->p++;
		if (*j->p == '+' || *j->p == '-')
			j->p++;
		if (*j->p < '0' || *j->p > '9') {
			j->err = "bad number";
			return -1;
		}
		while (*j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	return 0;
}

/* Checks one value, recursing into arrays and objects. */
static int json_value(struct json_check *j, int depth)
{
	json_ws(j);
	if (depth > STORE_JSON_DEPTH) {
		j->err = "nested too deeply";
		return -1;
	}
	switch (*j->p) {
	case '"':
		return json_string(j);
	case '{':
	case '[': {
		char close = *j->p == '{' ? '}' : ']';
		int obj = close == '}';

		j->p++;
		json_ws(j);
		if (*j->p == close) {
			j->p++;
			return 0;
		}
		for (;;) {
			if (obj) {
				json_ws(j);
				if (*j->p != '"') {
					j->err = "expected a string key";
					return -1;
				}
				if (json_string(j) != 0)
					return -1;
				json_ws(j);
				if (*j->p != ':') {
					j->err = "expected ':'";
					return -1;
				}
				j->p++;
			}
			if (json_value(j, depth + 1) != 0)
				return -1;
			json_ws(j);
			if (*j->p == ',') {
				j->p++;
				continue;
			}
			if (*j->p == close) {
				j->p++;
				return 0;
			}
			j->err = obj ? "expected ',' or '}'" : "expected ',' or ']'";
			return -1;
		}
	}
	case 't':
		if (strncmp(j->p, "true", 4) == 0) {
			j->p += 4;
			return 0;
		}
		break;
	case 'f':
		if (strncmp(j->p, "false", 5) == 0) {
			j->p += 5;
			return 0;
		}
		break;
	case 'n':
		if (strncmp(j->p, "null", 4) == 0) {
			j->p += 4;
			return 0;
		}
		break;
	default:
		if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
			return json_number(j);
		break;
	}
	j->err = *j->p == '\0' ? "unexpected end" : "unexpected character";
	return -1;
}

/* Checks that text is one JSON value (RFC 8259) in valid UTF-8. */
int store_json_check(const char *text, char *msg, size_t len)
{
	struct json_check j;
	size_t n = strlen(text);

	if (n > STORE_JSON_MAX) {
		snprintf(msg, len, "longer than %d bytes", STORE_JSON_MAX);
		return -1;
	}
	if (!utf8_valid(text, n)) {
		snprintf(msg, len, "not valid UTF-8");
		return -1;
	}
	j.p = j.start = text;
	j.err = NULL;
	if (json_value(&j, 0) == 0) {
		json_ws(&j);
		if (*j.p == '\0')
			return 0;
		j.err = "text after the value";
	}
	snprintf(msg, len, "not valid JSON: %s at byte %zu", j.err, (size_t)(j.p - j.start) + 1);
	return -1;
}

/* --- validation ------------------------------------------------------------ */

/* Checks a fixed-size text field: NUL-terminated within max, not empty,
 * valid UTF-8 without control characters.  Returns NULL or a message. */
static const char *store_check_name(const char *s, size_t max)
{
	size_t n = strnlen(s, max), i;

	if (n == max)
		return "not NUL-terminated (too long)";
	if (n == 0)
		return "empty";
	if (!utf8_valid(s, n))
		return "not valid UTF-8";
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return "contains a control character";
	}
	return NULL;
}

/* Checks a time in epoch seconds; NULL or a message. */
static const char *store_check_time(double t)
{
	if (isnan(t))
		return "is NaN";
	if (!isfinite(t))
		return "is infinite";
	if (t < STORE_TIME_MIN || t >= STORE_TIME_MAX)
		return "is outside 1900-2199";
	return NULL;
}

/* Checks a YYYYMMDD date; NULL or a message. */
static const char *store_check_date(int ymd)
{
	int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100, yy, mm, dd;

	if (ymd < 19000101 || ymd > 21991231 || m < 1 || m > 12 || d < 1)
		return "is not a YYYYMMDD date in 1900-2199";
	store_civil_from_days(store_days_from_civil(y, m, d), &yy, &mm, &dd);
	if (yy != y || mm != m || dd != d)
		return "is not a valid calendar date";
	return NULL;
}

/* Checks a required number: finite, and >= 0 when nonneg. */
static const char *store_check_num(double v, int nonneg)
{
	if (isnan(v))
		return "is NaN (must be a finite number)";
	if (!isfinite(v))
		return "is infinite";
	if (nonneg && v < 0)
		return "is negative";
	return NULL;
}

/* Checks an optional number: NaN (unknown) or finite (and >= 0). */
static const char *store_check_opt(double v, int nonneg)
{
	if (isnan(v))
		return NULL;
	return store_check_num(v, nonneg);
}

/* Checks a lowercase hex fingerprint; NULL or a message. */
static const char *store_check_hex(const char *s)
{
	size_t n = strnlen(s, STORE_FINGERPRINT_MAX), i;

	if (n == STORE_FINGERPRINT_MAX)
		return "longer than 128 hex digits";
	if (n == 0)
		return "empty";
	for (i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return "not lowercase hexadecimal";
	}
	return NULL;
}

/* Reports a bad field of row i (0-based) of a batch of n rows. */
static int store_bad_row(struct store *s, char **cause, const char *what, size_t i, size_t n,
    const char *sym, size_t symmax, const char *field, const char *msg)
{
	if (store_check_name(sym, symmax) == NULL)
		return store_fail(s, cause, "%s row %zu of %zu (%s): %s %s; nothing stored", what,
		    i + 1, n, sym, field, msg);
	return store_fail(s, cause, "%s row %zu of %zu: %s %s; nothing stored", what, i + 1, n,
	    field, msg);
}

#define BAD(field, msg) store_bad_row(s, cause, what, i, n, sym, MARKET_SYMBOL_MAX, field, msg)

/* Validates a batch of bars. */
static int store_check_bars(struct store *s, const struct bar *b, size_t n, char **cause)
{
	const char *what = "bars", *m, *sym;
	size_t i;

	for (i = 0; i < n; i++) {
		sym = b[i].symbol;
		if ((m = store_check_name(sym, MARKET_SYMBOL_MAX)) != NULL)
			return BAD("symbol", m);
		if ((m = store_check_time(b[i].time)) != NULL)
			return BAD("time", m);
		if ((m = store_check_num(b[i].open, 0)) != NULL)
			return BAD("open", m);
		if ((m = store_check_num(b[i].high, 0)) != NULL)
			return BAD("high", m);
		if ((m = store_check_num(b[i].low, 0)) != NULL)
			return BAD("low", m);
		if ((m = store_check_num(b[i].close, 0)) != NULL)
			return BAD("close", m);
		if ((m = store_check_opt(b[i].volume, 1)) != NULL)
			return BAD("volume", m);
		if (b[i].high < b[i].low)
			return BAD("high", "is below low");
	}
	return 0;
}

/* Validates a batch of quotes. */
static int store_check_quotes(struct store *s, const struct quote *q, size_t n, char **cause)
{
	const char *what = "quotes", *m, *sym;
	size_t i;

	for (i = 0; i < n; i++) {
		sym = q[i].symbol;
		if ((m = store_check_name(sym, MARKET_SYMBOL_MAX)) != NULL)
			return BAD("symbol", m);
		if ((m = store_check_time(q[i].exch_time)) != NULL)
			return BAD("exch_time", m);
		if (!isnan(q[i].recv_time) && (m = store_check_time(q[i].recv_time)) != NULL)
			return BAD("recv_time", m);
		if ((m = store_check_opt(q[i].bid, 0)) != NULL)
			return BAD("bid", m);
		if ((m = store_check_opt(q[i].ask, 0)) != NULL)
			return BAD("ask", m);
		if ((m = store_check_opt(q[i].last, 0)) != NULL)
			return BAD("last", m);
		if (isnan(q[i].bid) && isnan(q[i].ask) && isnan(q[i].last))
			return BAD("price", "is missing (bid, ask and last are all NaN)");
		if ((m = store_check_opt(q[i].bid_size, 1)) != NULL)
			return BAD("bid_size", m);
		if ((m = store_check_opt(q[i].ask_size, 1)) != NULL)
			return BAD("ask_size", m);
		if ((m = store_check_opt(q[i].volume, 1)) != NULL)
			return BAD("volume", m);
	}
	return 0;
}

/* Validates a batch of option quotes. */
static int store_check_option_quotes(struct store *s, const struct option_quote *oq, size_t n,
    char **cause)
{
	const char *what = "option quotes", *m, *sym;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct instrument *o = &oq[i].opt;
		const struct quote *q = &oq[i].q;

		sym = o->symbol;
		if ((m = store_check_name(sym, MARKET_SYMBOL_MAX)) != NULL)
			return BAD("symbol", m);
		if (o->kind != INSTR_OPTION)
			return BAD("kind", "is not an option");
		if ((m = store_check_name(o->underlying, MARKET_SYMBOL_MAX)) != NULL)
			return BAD("underlying", m);
		if ((m = store_check_date(o->expiry)) != NULL)
			return BAD("expiry", m);
		if ((m = store_check_num(o->strike, 1)) != NULL)
			return BAD("strike", m);
		if (o->strike == 0)
			return BAD("strike", "is zero");
		if (o->right != OPT_RIGHT_CALL && o->right != OPT_RIGHT_PUT)
			return BAD("right", "is neither C nor P");
		if ((m = store_check_num(o->multiplier, 1)) != NULL)
			return BAD("multiplier", m);
		if (o->multiplier == 0)
			return BAD("multiplier", "is zero");
		if ((m = store_check_time(q->exch_time)) != NULL)
			return BAD("exch_time", m);
		if (!isnan(q->recv_time) && (m = store_check_time(q->recv_time)) != NULL)
			return BAD("recv_time", m);
		if ((m = store_check_num(q->bid, 1)) != NULL)
			return BAD("bid", m);
		if ((m = store_check_num(q->ask, 1)) != NULL)
			return BAD("ask", m);
		if ((m = store_check_opt(q->last, 1)) != NULL)
			return BAD("last", m);
		if ((m = store_check_opt(q->bid_size, 1)) != NULL)
			return BAD("bid_size", m);
		if ((m = store_check_opt(q->ask_size, 1)) != NULL)
			return BAD("ask_size", m);
		if ((m = store_check_opt(q->volume, 1)) != NULL)
			return BAD("volume", m);
		if ((m = store_check_opt(oq[i].implied_vol, 1)) != NULL)
			return BAD("implied_vol", m);
		if ((m = store_check_opt(oq[i].delta, 0)) != NULL)
			return BAD("delta", m);
		if ((m = store_check_opt(oq[i].gamma, 0)) != NULL)
			return BAD("gamma", m);
		if ((m = store_check_opt(oq[i].vega, 0)) != NULL)
			return BAD("vega", m);
		if ((m = store_check_opt(oq[i].theta, 0)) != NULL)
			return BAD("theta", m);
		if ((m = store_check_opt(oq[i].open_interest, 1)) != NULL)
			return BAD("open_interest", m);
	}
	return 0;
}

#undef BAD

/* Checks a JSON field; NULL or a message in buf. */
static const char *store_check_json(const char *text, int object, char *buf, size_t len)
{
	const char *p = text;

	if (text == NULL)
		return "is missing";
	if (store_json_check(text, buf, len) != 0)
		return buf;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (object && *p != '{')
		return "is not a JSON object";
	return NULL;
}

/* --- opening ----------------------------------------------------------------- */

/* Opens the configured store and migrates it when asked. */
struct store *store_open(struct conf *conf, int flags, char **cause)
{
	const char *backend = conf_get_str(conf, "store.backend");
	struct store *s;

	if (backend != NULL && strcmp(backend, "postgresql") == 0) {
		const char *dsn = conf_get_str(conf, "store.dsn");

		if (dsn == NULL || *dsn == '\0') {
			*cause = xstrdup("store.backend is postgresql but store.dsn is empty "
			    "(set it in [store] or in QDESK_STORE_DSN)");
			return NULL;
		}
		s = store_open_pg(dsn, cause);
	} else
		s = store_open_sqlite(conf_get_str(conf, "store.path"), cause);
	if (s == NULL)
		return NULL;
	if ((flags & STORE_MIGRATE) && store_migrate(s, -1, NULL, cause) != 0) {
		store_close(s);
		return NULL;
	}
	return s;
}

/* Closes a store (NULL is fine). */
void store_close(struct store *s)
{
	if (s != NULL)
		s->ops->close(s);
}

/* Returns the backend name. */
const char *store_backend(const struct store *s)
{
	return s->ops->name;
}

/* Returns the location for messages. */
const char *store_location(const struct store *s)
{
	return s->location;
}

/* --- migrations ---------------------------------------------------------------- */

/* Returns the latest schema version. */
int store_latest_version(void)
{
	return store_migrations[store_nmigrations - 1].version;
}

/* Returns the name of a migration. */
const char *store_migration_name(int v)
{
	int i;

	for (i = 0; i < store_nmigrations; i++) {
		if (store_migrations[i].version == v)
			return store_migrations[i].name;
	}
	return NULL;
}

/* Applies pending migrations up to target. */
int store_migrate(struct store *s, int target, int *applied, char **cause)
{
	int version, latest = store_latest_version(), i, done, count = 0;

	if (applied != NULL)
		*applied = 0;
	if (target < 0)
		target = latest;
	if (target > latest)
		return store_fail(s, cause, "no schema version %d (this qdesk knows up to %d)",
		    target, latest);
	if (s->ops->version(s, &version, cause) != 0)
		return -1;
	if (version > latest)
		return store_fail(s, cause, "the database has schema version %d, newer than "
		    "this qdesk knows (%d): upgrade qdesk", version, latest);
	if (target < version)
		return store_fail(s, cause, "the database is at schema version %d; going back "
		    "to %d is not supported", version, target);
	for (i = 0; i < store_nmigrations; i++) {
		const struct store_migration *m = &store_migrations[i];

		if (m->version <= version || m->version > target)
			continue;
		if (s->ops->migrate(s, m, &done, cause) != 0)
			return -1;
		if (done) {
			log_info("store: %s %s: applied migration %d (%s)", s->ops->name,
			    s->location, m->version, m->name);
			count++;
		}
	}
	if (applied != NULL)
		*applied = count;
	return 0;
}

/* Fills a status report. */
int store_status(struct store *s, struct store_status *st, char **cause)
{
	int i;

	memset(st, 0, sizeof *st);
	if (s->ops->version(s, &st->version, cause) != 0)
		return -1;
	snprintf(st->backend, sizeof st->backend, "%s", s->ops->name);
	snprintf(st->location, sizeof st->location, "%s", s->location);
	snprintf(st->layout, sizeof st->layout, "%s", s->layout);
	st->latest = store_latest_version();
	for (i = 0; i < store_nmigrations; i++) {
		if (store_migrations[i].version <= st->version)
			continue;
		if (st->npending < (int)(sizeof st->pending / sizeof st->pending[0]))
			st->pending[st->npending] = store_migrations[i].version;
		st->npending++;
	}
	return 0;
}

/* --- writers ----------------------------------------------------------------------- */

/* Stores bars after validating them all. */
int store_put_bars(struct store *s, const struct bar *b, size_t n, char **cause)
{
	if (n == 0)
		return 0;
	if (b == NULL)
		return store_fail(s, cause, "bars: no rows given");
	if (store_check_bars(s, b, n, cause) != 0)
		return -1;
	return s->ops->put_bars(s, b, n, cause);
}

/* Stores quotes after validating them all. */
int store_put_quotes(struct store *s, const struct quote *q, size_t n, char **cause)
{
	if (n == 0)
		return 0;
	if (q == NULL)
		return store_fail(s, cause, "quotes: no rows given");
	if (store_check_quotes(s, q, n, cause) != 0)
		return -1;
	return s->ops->put_quotes(s, q, n, cause);
}

/* Stores option quotes after validating them all. */
int store_put_option_quotes(struct store *s, const struct option_quote *oq, size_t n,
    char **cause)
{
	if (n == 0)
		return 0;
	if (oq == NULL)
		return store_fail(s, cause, "option quotes: no rows given");
	if (store_check_option_quotes(s, oq, n, cause) != 0)
		return -1;
	return s->ops->put_option_quotes(s, oq, n, cause);
}

/* Stores one calibration result. */
int store_put_params(struct store *s, const struct store_params *p, char **cause)
{
	char buf[160];
	const char *m;

	if ((m = store_check_name(p->model, sizeof p->model)) != NULL)
		return store_fail(s, cause, "model parameters: model %s", m);
	if ((m = store_check_name(p->underlying, sizeof p->underlying)) != NULL)
		return store_fail(s, cause, "model parameters (%s): underlying %s", p->model, m);
	if ((m = store_check_time(p->time)) != NULL)
		return store_fail(s, cause, "model parameters (%s %s): time %s", p->model,
		    p->underlying, m);
	if (p->maturity != 0 && (m = store_check_date(p->maturity)) != NULL)
		return store_fail(s, cause, "model parameters (%s %s): maturity %s", p->model,
		    p->underlying, m);
	if ((m = store_check_json(p->params, 1, buf, sizeof buf)) != NULL)
		return store_fail(s, cause, "model parameters (%s %s): params %s", p->model,
		    p->underlying, m);
	if ((m = store_check_json(p->fit, 1, buf, sizeof buf)) != NULL)
		return store_fail(s, cause, "model parameters (%s %s): fit quality %s", p->model,
		    p->underlying, m);
	if ((m = store_check_hex(p->fingerprint)) != NULL)
		return store_fail(s, cause, "model parameters (%s %s): fingerprint %s", p->model,
		    p->underlying, m);
	return s->ops->put_params(s, p, cause);
}

/* Stores one signal. */
int store_put_signal(struct store *s, const struct store_signal *sig, long long *id,
    char **cause)
{
	char buf[160];
	const char *m;

	if ((m = store_check_name(sig->strategy, sizeof sig->strategy)) != NULL)
		return store_fail(s, cause, "signal: strategy %s", m);
	if ((m = store_check_name(sig->symbol, sizeof sig->symbol)) != NULL)
		return store_fail(s, cause, "signal (%s): symbol %s", sig->strategy, m);
	if ((m = store_check_name(sig->kind, sizeof sig->kind)) != NULL)
		return store_fail(s, cause, "signal (%s %s): kind %s", sig->strategy, sig->symbol, m);
	if ((m = store_check_time(sig->time)) != NULL)
		return store_fail(s, cause, "signal (%s %s): time %s", sig->strategy, sig->symbol, m);
	if (!isnan(sig->strength) && !isfinite(sig->strength))
		return store_fail(s, cause, "signal (%s %s): strength is infinite", sig->strategy,
		    sig->symbol);
	if (sig->payload != NULL && (m = store_check_json(sig->payload, 0, buf, sizeof buf)) != NULL)
		return store_fail(s, cause, "signal (%s %s): payload %s", sig->strategy,
		    sig->symbol, m);
	return s->ops->put_signal(s, sig, id, cause);
}

/* Stores one calibration with its inputs (issue 6). */
int store_put_calibration(struct store *s, const struct store_calibration *c, long long *id,
    char **cause)
{
	char buf[160];
	const char *m;

	if ((m = store_check_name(c->model, sizeof c->model)) != NULL)
		return store_fail(s, cause, "calibration: model %s", m);
	if ((m = store_check_name(c->symbol, sizeof c->symbol)) != NULL)
		return store_fail(s, cause, "calibration (%s): symbol %s", c->model, m);
	if (strcmp(c->status, "ok") != 0 && strcmp(c->status, "poor") != 0 &&
	    strcmp(c->status, "failed") != 0)
		return store_fail(s, cause, "calibration (%s %s): status is not ok, poor or failed",
		    c->model, c->symbol);
	if (c->kept_previous != 0 && c->kept_previous != 1)
		return store_fail(s, cause, "calibration (%s %s): kept_previous is not 0 or 1",
		    c->model, c->symbol);
	if ((m = store_check_time(c->data_time)) != NULL)
		return store_fail(s, cause, "calibration (%s %s): data time %s", c->model,
		    c->symbol, m);
	if ((m = store_check_time(c->wall_time)) != NULL)
		return store_fail(s, cause, "calibration (%s %s): wall time %s", c->model,
		    c->symbol, m);
	if ((m = store_check_json(c->params, 1, buf, sizeof buf)) != NULL)
		return store_fail(s, cause, "calibration (%s %s): params %s", c->model, c->symbol, m);
	if ((m = store_check_json(c->fit, 1, buf, sizeof buf)) != NULL)
		return store_fail(s, cause, "calibration (%s %s): fit %s", c->model, c->symbol, m);
	if (c->prev != NULL && (m = store_check_json(c->prev, 1, buf, sizeof buf)) != NULL)
		return store_fail(s, cause, "calibration (%s %s): prev %s", c->model, c->symbol, m);
	if (c->input == NULL || *c->input == '\0' || !utf8_valid(c->input, strlen(c->input)))
		return store_fail(s, cause, "calibration (%s %s): input %s", c->model, c->symbol,
		    c->input == NULL || *c->input == '\0' ? "is missing" : "is not valid UTF-8");
	if ((m = store_check_hex(c->fingerprint)) != NULL)
		return store_fail(s, cause, "calibration (%s %s): fingerprint %s", c->model,
		    c->symbol, m);
	if (strnlen(c->alert, sizeof c->alert) == sizeof c->alert ||
	    !utf8_valid(c->alert, strlen(c->alert)))
		return store_fail(s, cause, "calibration (%s %s): alert is not NUL-terminated "
		    "UTF-8", c->model, c->symbol);
	if (!isnan(c->elapsed_ms) && !(c->elapsed_ms >= 0 && isfinite(c->elapsed_ms)))
		return store_fail(s, cause, "calibration (%s %s): elapsed_ms is not a non-negative "
		    "number", c->model, c->symbol);
	return s->ops->put_calibration(s, c, id, cause);
}

/* Appends one audit entry. */
int store_audit_append(struct store *s, double time, const char *kind, const char *payload,
    struct store_audit *out, char **cause)
{
	struct store_audit a;
	char buf[160];
	const char *m;

	memset(&a, 0, sizeof a);
	if (kind == NULL || (m = store_check_name(kind, sizeof a.kind)) != NULL)
		return store_fail(s, cause, "audit: kind %s", kind == NULL ? "is missing" : m);
	if ((m = store_check_time(time)) != NULL)
		return store_fail(s, cause, "audit (%s): time %s", kind, m);
	if ((m = store_check_json(payload, 0, buf, sizeof buf)) != NULL)
		return store_fail(s, cause, "audit (%s): payload %s", kind, m);
	/* The stored time is the microsecond; hash what is stored. */
	a.time = store_time_from_us(store_time_us(time));
	snprintf(a.kind, sizeof a.kind, "%s", kind);
	a.payload = (char *)payload;
	if (s->ops->audit_append(s, &a, cause) != 0)
		return -1;
	if (out != NULL) {
		*out = a;
		out->payload = NULL;
	}
	return 0;
}

/* Hashes an audit entry. */
void store_audit_hash(const struct store_audit *a, char out[65])
{
	struct sha256 c;
	char num[64];
	int n;

	sha256_init(&c);
	sha256_update(&c, a->prev_hash, strlen(a->prev_hash));
	n = snprintf(num, sizeof num, "\n%lld\n%lld\n", a->seq, (long long)store_time_us(a->time));
	sha256_update(&c, num, (size_t)n);
	sha256_update(&c, a->kind, strlen(a->kind));
	sha256_update(&c, "\n", 1);
	sha256_update(&c, a->payload, strlen(a->payload));
	sha256_final_hex(&c, out);
}

/* --- readers ------------------------------------------------------------------- */

/* Checks a symbol argument of a reader. */
static int store_check_arg(struct store *s, const char *what, const char *v, size_t max,
    char **cause)
{
	const char *m;

	if (v == NULL)
		return store_fail(s, cause, "%s is missing", what);
	if ((m = store_check_name(v, max)) != NULL)
		return store_fail(s, cause, "%s %s", what, m);
	return 0;
}

/* Reads the latest quote of a symbol. */
int store_latest_quote(struct store *s, const char *symbol, struct quote *out, char **cause)
{
	if (store_check_arg(s, "symbol", symbol, MARKET_SYMBOL_MAX, cause) != 0)
		return -1;
	return s->ops->latest_quote(s, symbol, out, cause);
}

/* Reads bars of a symbol in a time range. */
int store_get_bars(struct store *s, const char *symbol, double from, double to,
    struct bar **out, size_t *n, char **cause)
{
	*out = NULL;
	*n = 0;
	if (store_check_arg(s, "symbol", symbol, MARKET_SYMBOL_MAX, cause) != 0)
		return -1;
	if (isnan(from) || isnan(to))
		return store_fail(s, cause, "bars of %s: time range is NaN", symbol);
	if (from < STORE_TIME_MIN)
		from = STORE_TIME_MIN;
	if (to > STORE_TIME_MAX)
		to = STORE_TIME_MAX;
	return s->ops->get_bars(s, symbol, store_time_us(from), store_time_us(to), out, n, cause);
}

/* Reads the latest chain of an underlying. */
int store_latest_chain(struct store *s, const char *underlying, struct option_chain *chain,
    char **cause)
{
	memset(chain, 0, sizeof *chain);
	chain->spot = chain->rate = chain->dividend = NAN;
	if (store_check_arg(s, "underlying", underlying, MARKET_SYMBOL_MAX, cause) != 0)
		return -1;
	snprintf(chain->underlying, sizeof chain->underlying, "%s", underlying);
	return s->ops->latest_chain(s, underlying, chain, cause);
}

/* Reads calibration history. */
int store_params_history(struct store *s, const char *model, const char *underlying,
    size_t limit, struct store_params **out, size_t *n, char **cause)
{
	*out = NULL;
	*n = 0;
	if (store_check_arg(s, "model", model, STORE_MODEL_MAX, cause) != 0)
		return -1;
	if (underlying != NULL &&
	    store_check_arg(s, "underlying", underlying, MARKET_SYMBOL_MAX, cause) != 0)
		return -1;
	return s->ops->params_history(s, model, underlying, limit, out, n, cause);
}

/* Frees what store_params_history returned. */
void store_params_free(struct store_params *p, size_t n)
{
	size_t i;

	for (i = 0; p != NULL && i < n; i++) {
		free(p[i].params);
		free(p[i].fit);
	}
	free(p);
}

/* Reads one calibration by id. */
int store_get_calibration(struct store *s, long long id, struct store_calibration *out,
    char **cause)
{
	memset(out, 0, sizeof *out);
	if (id <= 0)
		return store_fail(s, cause, "calibration id %lld is not positive", id);
	return s->ops->get_calibration(s, id, out, cause);
}

/* Reads calibrations, newest first. */
int store_list_calibrations(struct store *s, const char *symbol, size_t limit,
    struct store_calibration **out, size_t *n, char **cause)
{
	*out = NULL;
	*n = 0;
	if (symbol != NULL &&
	    store_check_arg(s, "symbol", symbol, MARKET_SYMBOL_MAX, cause) != 0)
		return -1;
	return s->ops->list_calibrations(s, symbol, limit, out, n, cause);
}

/* Frees the text fields of one calibration. */
void store_calibration_clear(struct store_calibration *c)
{
	free(c->params);
	free(c->fit);
	free(c->prev);
	free(c->input);
	c->params = c->fit = c->prev = c->input = NULL;
}

/* Frees what store_list_calibrations returned. */
void store_calibrations_free(struct store_calibration *c, size_t n)
{
	size_t i;

	for (i = 0; c != NULL && i < n; i++)
		store_calibration_clear(&c[i]);
	free(c);
}

/* Reads signals. */
int store_get_signals(struct store *s, const char *strategy, size_t limit,
    struct store_signal **out, size_t *n, char **cause)
{
	*out = NULL;
	*n = 0;
	if (strategy != NULL &&
	    store_check_arg(s, "strategy", strategy, STORE_NAME_MAX, cause) != 0)
		return -1;
	return s->ops->get_signals(s, strategy, limit, out, n, cause);
}

/* Frees what store_get_signals returned. */
void store_signals_free(struct store_signal *sig, size_t n)
{
	size_t i;

	for (i = 0; sig != NULL && i < n; i++)
		free(sig[i].payload);
	free(sig);
}

/* Reads audit entries. */
int store_audit_read(struct store *s, long long from, size_t limit, struct store_audit **out,
    size_t *n, char **cause)
{
	*out = NULL;
	*n = 0;
	return s->ops->audit_read(s, from, limit, out, n, cause);
}

/* Frees what store_audit_read returned. */
void store_audit_free(struct store_audit *a, size_t n)
{
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		free(a[i].payload);
	free(a);
}

/* Walks the audit chain in pages and recomputes every hash. */
int store_audit_verify(struct store *s, long long *bad_seq, char **cause)
{
	struct store_audit *a;
	char prev[65], h[65];
	long long next = 1;
	size_t n, i;

	*bad_seq = 0;
	memset(prev, '0', 64);
	prev[64] = '\0';
	for (;;) {
		if (store_audit_read(s, next, 10000, &a, &n, cause) != 0)
			return -1;
		for (i = 0; i < n; i++) {
			const char *why = NULL;

			store_audit_hash(&a[i], h);
			if (a[i].seq != next)
				why = "a sequence number is missing";
			else if (strcmp(a[i].prev_hash, prev) != 0)
				why = "prev_hash does not match the previous entry";
			else if (strcmp(a[i].hash, h) != 0)
				why = "hash does not match the entry's contents";
			if (why != NULL) {
				*bad_seq = next;
				store_audit_free(a, n);
				return store_fail(s, cause, "audit log broken at seq %lld: %s",
				    next, why);
			}
			memcpy(prev, a[i].hash, sizeof prev);
			next++;
		}
		store_audit_free(a, n);
		if (n < 10000)
			return 0;
	}
}

/* Counts the rows of one of the store's tables. */
long long store_count(struct store *s, const char *table, char **cause)
{
	int i;

	for (i = 0; store_tables[i] != NULL; i++) {
		if (strcmp(store_tables[i], table) == 0)
			return s->ops->count(s, store_tables[i], cause);
	}
	store_fail(s, cause, "no table '%s' in the store", table);
	return -1;
}

/* --- orders, fills, positions and meta (issue 7) ------------------------------ */

/* Status names of the orders.status column, by enum order_state. */
static const char *const store_status_names[ORDER_NSTATES] = {
	"new", "pending", "accepted", "partial", "filled", "cancel_pending", "cancelled",
	"rejected", "expired"
};

/* Returns the status column's name of a state. */
const char *store_order_status(int state)
{
	if (state < 0 || state >= ORDER_NSTATES)
		return "unknown";
	return store_status_names[state];
}

/* Whether a state is final (FILLED, CANCELLED, REJECTED, EXPIRED). */
int store_state_final(int state)
{
	return state == ORDER_FILLED || state == ORDER_CANCELLED || state == ORDER_REJECTED ||
	    state == ORDER_EXPIRED;
}

/* Appends ,"key":number (NaN as null). */
static void store_json_num(struct buf *b, const char *key, double v)
{
	buf_printf(b, ",\"%s\":", key);
	buf_add_double(b, v, 1);
}

/* Appends ,"key":"text". */
static void store_json_str(struct buf *b, const char *key, const char *v)
{
	buf_printf(b, ",\"%s\":", key);
	buf_add_json_string(b, v);
}

/* Encodes an order as its payload JSON. */
char *store_order_json(const struct order *o)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "{\"client_id\":");
	buf_add_json_string(&b, o->client_id);
	store_json_str(&b, "broker_id", o->broker_id);
	buf_printf(&b, ",\"signal_id\":%lu", o->signal_id);
	store_json_str(&b, "strategy", o->strategy);
	store_json_str(&b, "symbol", o->symbol);
	buf_printf(&b, ",\"side\":%d,\"type\":%d", o->side, o->type);
	store_json_num(&b, "qty", o->qty);
	store_json_num(&b, "limit", o->limit);
	store_json_num(&b, "filled", o->filled);
	store_json_num(&b, "avg_price", o->avg_price);
	store_json_num(&b, "multiplier", o->multiplier);
	store_json_num(&b, "arrival_mid", o->arrival_mid);
	store_json_num(&b, "created", o->created);
	store_json_num(&b, "updated", o->updated);
	store_json_num(&b, "expires", o->expires);
	buf_printf(&b, ",\"state\":%d", o->state);
	store_json_str(&b, "status", store_order_status(o->state));
	buf_printf(&b, ",\"reason\":%d", o->reason);
	store_json_str(&b, "reason_text", o->reason_text);
	buf_printf(&b, ",\"risk_reducing\":%d}", o->risk_reducing);
	return b.data;
}

/* Encodes a fill as JSON, with the order's state after it when given. */
char *store_fill_json(const struct fill *f, const struct order *o_after)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "{\"client_id\":");
	buf_add_json_string(&b, f->client_id);
	store_json_str(&b, "fill_id", f->fill_id);
	store_json_str(&b, "symbol", f->symbol);
	store_json_str(&b, "strategy", f->strategy);
	buf_printf(&b, ",\"side\":%d", f->side);
	store_json_num(&b, "qty", f->qty);
	store_json_num(&b, "price", f->price);
	store_json_num(&b, "fee", f->fee);
	store_json_num(&b, "multiplier", f->multiplier);
	store_json_num(&b, "time", f->time);
	store_json_num(&b, "arrival_mid", f->arrival_mid);
	store_json_num(&b, "slippage_bp", f->slippage_bp);
	if (o_after != NULL) {
		store_json_str(&b, "order_status", store_order_status(o_after->state));
		store_json_num(&b, "order_filled", o_after->filled);
		store_json_num(&b, "order_avg_price", o_after->avg_price);
	}
	buf_addc(&b, '}');
	return b.data;
}

/* A reader of the members of one JSON object, keeping the first error. */
struct store_jr {
	const struct json *obj;
	const char *text;
	char *msg;
	size_t len;
	int bad;
};

/* Reads a number member (null = NaN); required. */
static double store_jr_num(struct store_jr *r, const char *key)
{
	const struct json *v = json_get(r->obj, key);

	if (v != NULL && v->type == JSON_NUMBER)
		return v->u.number;
	if (v != NULL && v->type == JSON_NULL)
		return NAN;
	if (!r->bad)
		snprintf(r->msg, r->len, "member %s %s", key, v == NULL ? "is missing" :
		    "is not a number");
	r->bad = 1;
	return NAN;
}

/* Reads an integer member. */
static long long store_jr_int(struct store_jr *r, const char *key)
{
	double v = store_jr_num(r, key);

	if (!r->bad && (isnan(v) || v != floor(v) || fabs(v) > 9e15)) {
		snprintf(r->msg, r->len, "member %s is not an integer", key);
		r->bad = 1;
	}
	return r->bad ? 0 : (long long)v;
}

/* Reads a string member into a fixed buffer. */
static void store_jr_str(struct store_jr *r, const char *key, char *out, size_t len)
{
	const struct json *v = json_get(r->obj, key);

	*out = '\0';
	if (v != NULL && v->type == JSON_STRING && v->u.string.len < len) {
		memcpy(out, v->u.string.s, v->u.string.len + 1);
		return;
	}
	if (!r->bad)
		snprintf(r->msg, r->len, "member %s %s", key, v == NULL ? "is missing" :
		    v->type != JSON_STRING ? "is not a string" : "is too long");
	r->bad = 1;
}

/* Parses text as an object for a reader; 0 or -1 (msg set). */
static struct json_doc *store_jr_open(struct store_jr *r, const char *text, char *msg,
    size_t len)
{
	struct json_doc *d;
	char *err = NULL;

	memset(r, 0, sizeof *r);
	r->msg = msg;
	r->len = len;
	r->text = text;
	if (text == NULL) {
		snprintf(msg, len, "payload is missing");
		return NULL;
	}
	if ((d = json_parse(text, strlen(text), &err)) == NULL) {
		snprintf(msg, len, "payload: %s", err);
		free(err);
		return NULL;
	}
	r->obj = json_root(d);
	if (r->obj->type != JSON_OBJECT) {
		snprintf(msg, len, "payload is not a JSON object");
		json_free(d);
		return NULL;
	}
	return d;
}

/* Decodes an order from its payload JSON. */
int store_order_from_json(const char *text, struct order *o, char *msg, size_t len)
{
	const struct json *sig;
	struct json_doc *d;
	struct store_jr r;

	memset(o, 0, sizeof *o);
	if ((d = store_jr_open(&r, text, msg, len)) == NULL)
		return -1;
	store_jr_str(&r, "client_id", o->client_id, sizeof o->client_id);
	store_jr_str(&r, "broker_id", o->broker_id, sizeof o->broker_id);
	/* signal_id is an unsigned long: read its digits, not a double. */
	sig = json_get(r.obj, "signal_id");
	if (sig != NULL && sig->type == JSON_NUMBER && text[sig->offset] != '-')
		o->signal_id = strtoul(text + sig->offset, NULL, 10);
	else if (!r.bad) {
		snprintf(msg, len, "member signal_id is missing or not a number");
		r.bad = 1;
	}
	store_jr_str(&r, "strategy", o->strategy, sizeof o->strategy);
	store_jr_str(&r, "symbol", o->symbol, sizeof o->symbol);
	o->side = (int)store_jr_int(&r, "side");
	o->type = (int)store_jr_int(&r, "type");
	o->qty = store_jr_num(&r, "qty");
	o->limit = store_jr_num(&r, "limit");
	o->filled = store_jr_num(&r, "filled");
	o->avg_price = store_jr_num(&r, "avg_price");
	o->multiplier = store_jr_num(&r, "multiplier");
	o->arrival_mid = store_jr_num(&r, "arrival_mid");
	o->created = store_jr_num(&r, "created");
	o->updated = store_jr_num(&r, "updated");
	o->expires = store_jr_num(&r, "expires");
	o->state = (int)store_jr_int(&r, "state");
	o->reason = (int)store_jr_int(&r, "reason");
	store_jr_str(&r, "reason_text", o->reason_text, sizeof o->reason_text);
	o->risk_reducing = (int)store_jr_int(&r, "risk_reducing");
	json_free(d);
	if (!r.bad && (o->state < 0 || o->state >= ORDER_NSTATES)) {
		snprintf(msg, len, "member state %d is not a state", o->state);
		r.bad = 1;
	}
	return r.bad ? -1 : 0;
}

/* Decodes a fill from its payload JSON. */
int store_fill_from_json(const char *text, struct fill *f, char *msg, size_t len)
{
	struct json_doc *d;
	struct store_jr r;

	memset(f, 0, sizeof *f);
	if ((d = store_jr_open(&r, text, msg, len)) == NULL)
		return -1;
	store_jr_str(&r, "client_id", f->client_id, sizeof f->client_id);
	store_jr_str(&r, "fill_id", f->fill_id, sizeof f->fill_id);
	store_jr_str(&r, "symbol", f->symbol, sizeof f->symbol);
	store_jr_str(&r, "strategy", f->strategy, sizeof f->strategy);
	f->side = (int)store_jr_int(&r, "side");
	f->qty = store_jr_num(&r, "qty");
	f->price = store_jr_num(&r, "price");
	f->fee = store_jr_num(&r, "fee");
	f->multiplier = store_jr_num(&r, "multiplier");
	f->time = store_jr_num(&r, "time");
	f->arrival_mid = store_jr_num(&r, "arrival_mid");
	f->slippage_bp = store_jr_num(&r, "slippage_bp");
	json_free(d);
	return r.bad ? -1 : 0;
}

/* Whether two doubles are the same value (NaN equals NaN). */
static int store_same(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

/* Checks an update of a stored order. */
int store_order_check_update(struct store *s, const struct order *old, const struct order *o,
    char **cause)
{
	const char *field = NULL;

	if (strcmp(old->symbol, o->symbol) != 0)
		field = "symbol";
	else if (old->side != o->side)
		field = "side";
	else if (old->qty != o->qty)
		field = "qty";
	else if (old->type != o->type)
		field = "type";
	else if (!store_same(old->limit, o->limit))
		field = "limit";
	else if (strcmp(old->strategy, o->strategy) != 0)
		field = "strategy";
	else if (old->created != o->created)
		field = "created";
	else if (old->multiplier != o->multiplier)
		field = "multiplier";
	if (field != NULL)
		return store_fail(s, cause, "order %s: %s differs from the stored order's; "
		    "an order's identity never changes (nothing stored)", o->client_id, field);
	if (store_state_final(old->state) && o->state != old->state)
		return store_fail(s, cause, "order %s: the stored order is %s, a final state; "
		    "refusing %s (nothing stored)", o->client_id, store_order_status(old->state),
		    store_order_status(o->state));
	if (o->filled < old->filled)
		return store_fail(s, cause, "order %s: filled %.17g is below the stored %.17g "
		    "(nothing stored)", o->client_id, o->filled, old->filled);
	return 0;
}

/* Checks that o_after is the stored order plus one fill. */
int store_fill_check_order(struct store *s, const struct order *old, const struct fill *f,
    const struct order *o_after, char **cause)
{
	double want = old->filled + f->qty;

	if (store_order_check_update(s, old, o_after, cause) != 0)
		return -1;
	if (fabs(o_after->filled - want) > 1e-9 * (fabs(want) + 1))
		return store_fail(s, cause, "fill %s of order %s: the order's filled %.17g is not "
		    "the stored %.17g plus the fill's %.17g (nothing stored)", f->fill_id,
		    f->client_id, o_after->filled, old->filled, f->qty);
	if (want > old->qty * (1 + 1e-9))
		return store_fail(s, cause, "fill %s of order %s: overfill: %.17g filled of %.17g "
		    "(nothing stored)", f->fill_id, f->client_id, want, old->qty);
	return 0;
}

/* Applies one fill to a position: adds to it at a volume-weighted
 * average price, or reduces it realising (price - avg) x qty x multiplier
 * of the reduced quantity; a fill through zero opens the rest at its
 * price. */
void store_position_apply(struct store_position *p, int found, const struct fill *f)
{
	double q = f->side * f->qty, closing;

	if (!found) {
		memset(p, 0, sizeof *p);
		snprintf(p->strategy, sizeof p->strategy, "%s", f->strategy);
		snprintf(p->symbol, sizeof p->symbol, "%s", f->symbol);
		p->opened = f->time;
	}
	p->fees += f->fee;
	p->multiplier = f->multiplier;
	p->updated = f->time;
	if (p->qty == 0) {
		p->qty = q;
		p->avg_price = f->price;
		p->opened = f->time;
		return;
	}
	if ((p->qty > 0) == (q > 0)) {
		p->avg_price = (fabs(p->qty) * p->avg_price + fabs(q) * f->price) /
		    (fabs(p->qty) + fabs(q));
		p->qty += q;
		return;
	}
	closing = fmin(fabs(q), fabs(p->qty));
	p->realized_pnl += closing * (f->price - p->avg_price) * (p->qty > 0 ? 1 : -1) *
	    f->multiplier;
	if (fabs(q) > fabs(p->qty)) {
		p->qty += q;
		p->avg_price = f->price;
		p->opened = f->time;
	} else {
		p->qty += q;
		/* Quantities are whole units in practice; treat dust as flat. */
		if (fabs(p->qty) <= 1e-9 * fabs(q))
			p->qty = 0;
		if (p->qty == 0)
			p->avg_price = 0;
	}
}

/* Checks an optional text field: NUL-terminated within max, UTF-8,
 * no control characters (empty is fine). */
static const char *store_check_opt_name(const char *s, size_t max)
{
	if (strnlen(s, max) == 0)
		return NULL;
	return store_check_name(s, max);
}

/* Validates an order; NULL or a message naming the field in buf. */
static const char *store_check_order(const struct order *o, char *buf, size_t len)
{
	const char *m;

#define OBAD(field, msg) (snprintf(buf, len, "%s %s", field, msg), buf)
	if ((m = store_check_opt_name(o->broker_id, sizeof o->broker_id)) != NULL)
		return OBAD("broker_id", m);
	if ((m = store_check_opt_name(o->strategy, sizeof o->strategy)) != NULL)
		return OBAD("strategy", m);
	if ((m = store_check_name(o->symbol, sizeof o->symbol)) != NULL)
		return OBAD("symbol", m);
	if (o->side != 1 && o->side != -1)
		return OBAD("side", "is not +1 (buy) or -1 (sell)");
	if (o->type != ORDER_LIMIT && o->type != ORDER_MARKET)
		return OBAD("type", "is not limit or market");
	if ((m = store_check_num(o->qty, 1)) != NULL || o->qty == 0)
		return OBAD("qty", m != NULL ? m : "is zero");
	if (o->type == ORDER_LIMIT && ((m = store_check_num(o->limit, 1)) != NULL ||
	    o->limit == 0))
		return OBAD("limit", m != NULL ? m : "is zero");
	if (o->type == ORDER_MARKET && (m = store_check_opt(o->limit, 1)) != NULL)
		return OBAD("limit", m);
	if ((m = store_check_num(o->filled, 1)) != NULL)
		return OBAD("filled", m);
	if (o->filled > o->qty * (1 + 1e-9))
		return OBAD("filled", "is above qty (overfill)");
	if (o->filled > 0 && ((m = store_check_num(o->avg_price, 1)) != NULL))
		return OBAD("avg_price", m);
	if (o->filled == 0 && !isnan(o->avg_price) && !isfinite(o->avg_price))
		return OBAD("avg_price", "is infinite");
	if ((m = store_check_num(o->multiplier, 1)) != NULL || o->multiplier == 0)
		return OBAD("multiplier", m != NULL ? m : "is zero");
	if ((m = store_check_opt(o->arrival_mid, 1)) != NULL)
		return OBAD("arrival_mid", m);
	if ((m = store_check_time(o->created)) != NULL)
		return OBAD("created", m);
	if ((m = store_check_time(o->updated)) != NULL)
		return OBAD("updated", m);
	if (!isnan(o->expires) && (m = store_check_time(o->expires)) != NULL)
		return OBAD("expires", m);
	if (o->state < 0 || o->state >= ORDER_NSTATES)
		return OBAD("state", "is not an order state");
	if (o->reason < 0 || o->reason >= OR_NREASONS)
		return OBAD("reason", "is not a reason code");
	if (strnlen(o->reason_text, sizeof o->reason_text) == sizeof o->reason_text ||
	    !utf8_valid(o->reason_text, strlen(o->reason_text)))
		return OBAD("reason_text", "is not NUL-terminated UTF-8");
	if (o->risk_reducing != 0 && o->risk_reducing != 1)
		return OBAD("risk_reducing", "is not 0 or 1");
	return NULL;
#undef OBAD
}

/* Validates a fill; NULL or a message naming the field in buf. */
static const char *store_check_fill(const struct fill *f, char *buf, size_t len)
{
	const char *m;

#define FBAD(field, msg) (snprintf(buf, len, "%s %s", field, msg), buf)
	if ((m = store_check_name(f->symbol, sizeof f->symbol)) != NULL)
		return FBAD("symbol", m);
	if ((m = store_check_opt_name(f->strategy, sizeof f->strategy)) != NULL)
		return FBAD("strategy", m);
	if (f->side != 1 && f->side != -1)
		return FBAD("side", "is not +1 (buy) or -1 (sell)");
	if ((m = store_check_num(f->qty, 1)) != NULL || f->qty == 0)
		return FBAD("qty", m != NULL ? m : "is zero");
	if ((m = store_check_num(f->price, 1)) != NULL || f->price == 0)
		return FBAD("price", m != NULL ? m : "is zero");
	if ((m = store_check_num(f->fee, 1)) != NULL)
		return FBAD("fee", m);
	if ((m = store_check_num(f->multiplier, 1)) != NULL || f->multiplier == 0)
		return FBAD("multiplier", m != NULL ? m : "is zero");
	if ((m = store_check_time(f->time)) != NULL)
		return FBAD("time", m);
	if ((m = store_check_opt(f->arrival_mid, 1)) != NULL)
		return FBAD("arrival_mid", m);
	if ((m = store_check_opt(f->slippage_bp, 0)) != NULL)
		return FBAD("slippage_bp", m);
	return NULL;
#undef FBAD
}

/* Stores an order (insert or update by client_id). */
int store_put_order(struct store *s, const struct order *o, long long *id, char **cause)
{
	char buf[200];
	const char *m;

	if ((m = store_check_name(o->client_id, sizeof o->client_id)) != NULL)
		return store_fail(s, cause, "order: client_id %s; nothing stored", m);
	if ((m = store_check_order(o, buf, sizeof buf)) != NULL)
		return store_fail(s, cause, "order %s: %s; nothing stored", o->client_id, m);
	return s->ops->put_order(s, o, id, cause);
}

/* Stores several orders in one transaction. */
int store_put_orders(struct store *s, const struct order *o, size_t n, long long *ids,
    char **cause)
{
	char buf[200];
	const char *m;
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if ((m = store_check_name(o[i].client_id, sizeof o[i].client_id)) != NULL)
			return store_fail(s, cause, "order %zu of %zu: client_id %s; nothing stored",
			    i + 1, n, m);
		if ((m = store_check_order(&o[i], buf, sizeof buf)) != NULL)
			return store_fail(s, cause, "order %s (%zu of %zu): %s; nothing stored",
			    o[i].client_id, i + 1, n, m);
	}
	return s->ops->put_orders(s, o, n, ids, cause);
}

/* Stores a fill with its order and position. */
int store_put_fill(struct store *s, const struct fill *f, const struct order *o_after,
    long long *id, char **cause)
{
	char buf[200];
	const char *m;

	if ((m = store_check_name(f->fill_id, sizeof f->fill_id)) != NULL)
		return store_fail(s, cause, "fill: fill_id %s; nothing stored", m);
	if ((m = store_check_name(f->client_id, sizeof f->client_id)) != NULL)
		return store_fail(s, cause, "fill %s: client_id %s; nothing stored", f->fill_id, m);
	if ((m = store_check_fill(f, buf, sizeof buf)) != NULL)
		return store_fail(s, cause, "fill %s of order %s: %s; nothing stored", f->fill_id,
		    f->client_id, m);
	if (strcmp(o_after->client_id, f->client_id) != 0)
		return store_fail(s, cause, "fill %s: it belongs to order %s, not %s; nothing "
		    "stored", f->fill_id, f->client_id, o_after->client_id);
	if ((m = store_check_order(o_after, buf, sizeof buf)) != NULL)
		return store_fail(s, cause, "fill %s: order %s after it: %s; nothing stored",
		    f->fill_id, f->client_id, m);
	if (strcmp(o_after->symbol, f->symbol) != 0 || o_after->side != f->side ||
	    strcmp(o_after->strategy, f->strategy) != 0)
		return store_fail(s, cause, "fill %s of order %s: symbol, side or strategy differ "
		    "from the order's; nothing stored", f->fill_id, f->client_id);
	return s->ops->put_fill(s, f, o_after, id, cause);
}

/* Reads orders. */
int store_get_orders(struct store *s, int open_only, size_t limit, struct order **out,
    size_t *n, char **cause)
{
	*out = NULL;
	*n = 0;
	return s->ops->get_orders(s, open_only, limit, out, n, cause);
}

/* Reads one order. */
int store_get_order(struct store *s, const char *client_id, struct order *out, char **cause)
{
	memset(out, 0, sizeof *out);
	if (store_check_arg(s, "client_id", client_id, ORDER_ID_MAX, cause) != 0)
		return -1;
	return s->ops->get_order(s, client_id, out, cause);
}

/* Reads fills. */
int store_get_fills(struct store *s, const char *client_id, size_t limit, struct fill **out,
    size_t *n, char **cause)
{
	*out = NULL;
	*n = 0;
	if (client_id != NULL &&
	    store_check_arg(s, "client_id", client_id, ORDER_ID_MAX, cause) != 0)
		return -1;
	return s->ops->get_fills(s, client_id, limit, out, n, cause);
}

/* Reads positions. */
int store_get_positions(struct store *s, struct store_position **out, size_t *n,
    char **cause)
{
	*out = NULL;
	*n = 0;
	return s->ops->get_positions(s, out, n, cause);
}

/* Reads a meta value. */
int store_meta_get(struct store *s, const char *key, char **value, char **cause)
{
	*value = NULL;
	if (store_check_arg(s, "meta key", key, 256, cause) != 0)
		return -1;
	return s->ops->meta_get(s, key, value, cause);
}

/* Writes a meta value. */
int store_meta_set(struct store *s, const char *key, const char *value, char **cause)
{
	const char *m;

	if (store_check_arg(s, "meta key", key, 256, cause) != 0)
		return -1;
	if (value == NULL || (m = store_check_name(value, 65536)) != NULL)
		return store_fail(s, cause, "meta %s: value %s", key, value == NULL ?
		    "is missing" : m);
	return s->ops->meta_set(s, key, value, cause);
}

/* Encodes the payload of a position row. */
char *store_position_json(const struct store_position *p)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "{\"fees\":");
	buf_add_double(&b, p->fees, 1);
	store_json_num(&b, "multiplier", p->multiplier);
	buf_addc(&b, '}');
	return b.data;
}

/* Decodes the payload of a position row into p's fees and multiplier. */
int store_position_from_json(const char *text, struct store_position *p, char *msg,
    size_t len)
{
	struct json_doc *d;
	struct store_jr r;

	if ((d = store_jr_open(&r, text, msg, len)) == NULL)
		return -1;
	p->fees = store_jr_num(&r, "fees");
	p->multiplier = store_jr_num(&r, "multiplier");
	json_free(d);
	return r.bad ? -1 : 0;
}
