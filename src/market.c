/*
 * market.c -- the domain helpers of market.h: OCC option symbols, calendar
 * dates and times, year fractions, pairs and option chains.
 *
 * Every feed, the validation, the commands and the store describe the
 * market with the plain structs of market.h; this file holds the small
 * pieces of arithmetic they share so that an expiry, an OCC symbol or a
 * maturity means the same thing everywhere.  Dates are proleptic Gregorian
 * (Hinnant's days-from-civil algorithm), all times UTC.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "market.h"
#include "util.h"

#define DAY_SECONDS 86400.0
#define EXPIRY_UTC_SECONDS (21.0 * 3600.0)     /* 16:00 New York, as 21:00 UTC */

/* Days since 1970-01-01 of a civil date (Hinnant, "chrono-compatible
 * low-level date algorithms", days_from_civil). */
static long market_days_from_civil(long y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The civil date of a day count since 1970-01-01 (civil_from_days). */
static int market_civil_from_days(long z)
{
	long era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	return (int)(y * 10000 + m * 100 + d);
}

/* Number of days in a month. */
static int market_month_days(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* Checks a YYYYMMDD date. */
int market_date_valid(int ymd)
{
	int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;

	if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= market_month_days(y, m);
}

/* Epoch seconds of 00:00 UTC on a date. */
double market_date_epoch(int ymd)
{
	return (double)market_days_from_civil(ymd / 10000, ymd / 100 % 100, ymd % 100) *
	    DAY_SECONDS;
}

/* The UTC date of an epoch time. */
int market_date_from_epoch(double t)
{
	return market_civil_from_days((long)floor(t / DAY_SECONDS));
}

/* Adds n calendar days to a date. */
int market_date_add_days(int ymd, int n)
{
	return market_civil_from_days(market_days_from_civil(ymd / 10000, ymd / 100 % 100,
	    ymd % 100) + n);
}

/* Day of the week, 0 = Sunday (1970-01-01 was a Thursday). */
int market_weekday(int ymd)
{
	long days = market_days_from_civil(ymd / 10000, ymd / 100 % 100, ymd % 100);

	return (int)(((days % 7) + 7 + 4) % 7);
}

/* The next Monday..Friday after a date. */
int market_next_business_day(int ymd)
{
	do
		ymd = market_date_add_days(ymd, 1);
	while (market_weekday(ymd) == 0 || market_weekday(ymd) == 6);
	return ymd;
}

/* The third Friday of a month. */
int market_third_friday(int year, int month)
{
	int first = year * 10000 + month * 100 + 1;
	int wd = market_weekday(first);
	int offset = (5 - wd + 7) % 7;  /* days to the first Friday */

	return first + offset + 14;
}

/* Year fraction ACT/365F from t to 21:00 UTC on the expiry date. */
double market_year_fraction(double t, int expiry)
{
	return (market_date_epoch(expiry) + EXPIRY_UTC_SECONDS - t) / (365.0 * DAY_SECONDS);
}

/* Parses exactly n digits at s into *v. */
static int market_digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* Parses "YYYY-MM-DD" or "YYYYMMDD". */
int market_parse_date(const char *s, int *ymd)
{
	int y, m, d;
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 10 && s[4] == '-' && s[7] == '-') {
		if (market_digits(s, 4, &y) != 0 || market_digits(s + 5, 2, &m) != 0 ||
		    market_digits(s + 8, 2, &d) != 0)
			return -1;
	} else if (n == 8) {
		if (market_digits(s, 4, &y) != 0 || market_digits(s + 4, 2, &m) != 0 ||
		    market_digits(s + 6, 2, &d) != 0)
			return -1;
	} else
		return -1;
	if (!market_date_valid(y * 10000 + m * 100 + d))
		return -1;
	*ymd = y * 10000 + m * 100 + d;
	return 0;
}

/* Parses a date with an optional time of day (UTC). */
int market_parse_time(const char *s, double *t)
{
	char date[11];
	int ymd, hh = 0, mm = 0, ss = 0;
	double frac = 0;
	size_t n;
	const char *p;

	if (s == NULL)
		return -1;
	n = strlen(s);
	if (n == 8 || n == 10)
		return market_parse_date(s, &ymd) == 0 ? (*t = market_date_epoch(ymd), 0) : -1;
	if (n < 16 || (s[10] != ' ' && s[10] != 'T'))
		return -1;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (market_parse_date(date, &ymd) != 0 || s[13] != ':' ||
	    market_digits(s + 11, 2, &hh) != 0 || market_digits(s + 14, 2, &mm) != 0)
		return -1;
	p = s + 16;
	if (*p == ':') {
		if (market_digits(p + 1, 2, &ss) != 0)
			return -1;
		p += 3;
		if (*p == '.') {
			double scale = 0.1;

			if (p[1] < '0' || p[1] > '9')
				return -1;
			for (p++; *p >= '0' && *p <= '9'; p++) {
				frac += (*p - '0') * scale;
				scale /= 10;
			}
		}
	}
	if (*p == 'Z')
		p++;
	if (*p != '\0' || hh > 23 || mm > 59 || ss > 60)
		return -1;
	*t = market_date_epoch(ymd) + hh * 3600.0 + mm * 60.0 + ss + frac;
	return 0;
}

/* Formats a date as YYYY-MM-DD. */
void market_format_date(int ymd, char *out, size_t len)
{
	snprintf(out, len, "%04d-%02d-%02d", ymd / 10000, ymd / 100 % 100, ymd % 100);
}

/* Formats an epoch time as YYYY-MM-DDTHH:MM:SSZ (seconds rounded down). */
void market_format_time(double t, char *out, size_t len)
{
	int ymd;
	long s;

	if (!isfinite(t) || t < -2208988800.0 || t > 7258118400.0) {
		snprintf(out, len, "-");
		return;
	}
	ymd = market_date_from_epoch(t);
	s = (long)floor(t - market_date_epoch(ymd));
	snprintf(out, len, "%04d-%02d-%02dT%02ld:%02ld:%02ldZ", ymd / 10000, ymd / 100 % 100,
	    ymd % 100, s / 3600, s / 60 % 60, s % 60);
}

/* Parses an OCC symbol: root (1..6 of A-Z 0-9, padded with blanks or not),
 * YYMMDD, C or P, strike times 1000 in 8 digits. */
int market_occ_parse(const char *occ, struct instrument *inst, char **cause)
{
	size_t n = occ != NULL ? strlen(occ) : 0, rootlen, i;
	const char *tail;
	int yy, mm, dd, ymd;
	long strike = 0;
	char root[8];

	if (n < 16 || n > 21) {
		*cause = xasprintf("'%s': not an OCC option symbol (ROOT YYMMDD C|P "
		    "STRIKE*1000 in 8 digits)", occ != NULL ? occ : "");
		return -1;
	}
	tail = occ + n - 15;
	rootlen = (size_t)(tail - occ);
	while (rootlen > 0 && occ[rootlen - 1] == ' ')
		rootlen--;
	if (rootlen == 0 || rootlen > 6) {
		*cause = xasprintf("'%s': OCC root must be 1 to 6 characters", occ);
		return -1;
	}
	for (i = 0; i < rootlen; i++) {
		char c = occ[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
			*cause = xasprintf("'%s': OCC root may hold only A-Z and 0-9", occ);
			return -1;
		}
	}
	memcpy(root, occ, rootlen);
	root[rootlen] = '\0';
	if (market_digits(tail, 2, &yy) != 0 || market_digits(tail + 2, 2, &mm) != 0 ||
	    market_digits(tail + 4, 2, &dd) != 0 ||
	    !market_date_valid(ymd = (2000 + yy) * 10000 + mm * 100 + dd)) {
		*cause = xasprintf("'%s': bad OCC expiry '%.6s' (YYMMDD)", occ, tail);
		return -1;
	}
	if (tail[6] != 'C' && tail[6] != 'P') {
		*cause = xasprintf("'%s': OCC right must be C or P, got '%c'", occ, tail[6]);
		return -1;
	}
	for (i = 7; i < 15; i++) {
		if (tail[i] < '0' || tail[i] > '9') {
			*cause = xasprintf("'%s': OCC strike must be 8 digits", occ);
			return -1;
		}
		strike = strike * 10 + (tail[i] - '0');
	}
	if (strike == 0) {
		*cause = xasprintf("'%s': OCC strike is zero", occ);
		return -1;
	}
	memset(inst, 0, sizeof *inst);
	inst->kind = INSTR_OPTION;
	snprintf(inst->underlying, sizeof inst->underlying, "%s", root);
	inst->expiry = ymd;
	inst->strike = (double)strike / 1000.0;
	inst->right = tail[6] == 'C' ? OPT_RIGHT_CALL : OPT_RIGHT_PUT;
	inst->multiplier = 100;
	inst->hedge_ratio = NAN;
	market_occ_format(inst, inst->symbol, sizeof inst->symbol);
	return 0;
}

/* Formats the 21-character OCC symbol; writes "" when the option cannot be
 * written as one (root not 1..6 of A-Z 0-9, expiry outside 2000..2099,
 * strike not in (0, 99999.999]). */
void market_occ_format(const struct instrument *inst, char *out, size_t len)
{
	size_t rl = strlen(inst->underlying), i;
	double k = inst->strike * 1000.0;
	int y = inst->expiry / 10000;

	if (len == 0)
		return;
	out[0] = '\0';
	if (rl == 0 || rl > 6 || !market_date_valid(inst->expiry) || y < 2000 || y > 2099 ||
	    !(k >= 0.5 && k < 99999999.5) ||
	    (inst->right != OPT_RIGHT_CALL && inst->right != OPT_RIGHT_PUT))
		return;
	for (i = 0; i < rl; i++) {
		char c = inst->underlying[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return;
	}
	snprintf(out, len, "%-6s%02d%02d%02d%c%08ld", inst->underlying, y % 100,
	    inst->expiry / 100 % 100, inst->expiry % 100, (char)inst->right, lround(k));
}

/* Mid of a quote. */
double market_mid(const struct quote *q)
{
	if (!isfinite(q->bid) || !isfinite(q->ask))
		return NAN;
	return 0.5 * (q->bid + q->ask);
}

/* Checks an equity/pair symbol. */
int market_symbol_valid(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0, i;

	if (n == 0 || n >= MARKET_SYMBOL_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_' || c == '^' || c == '/'))
			return 0;
	}
	return 1;
}

/* Fills a pair instrument. */
int market_pair_init(struct instrument *inst, const char *leg1, const char *leg2,
    double hedge_ratio, char **cause)
{
	if (!market_symbol_valid(leg1) || !market_symbol_valid(leg2) ||
	    strchr(leg1, '/') != NULL || strchr(leg2, '/') != NULL ||
	    strlen(leg1) + strlen(leg2) + 1 >= MARKET_SYMBOL_MAX) {
		*cause = xasprintf("pair '%s/%s': legs must be symbols without '/' and the pair "
		    "under %d characters", leg1 != NULL ? leg1 : "", leg2 != NULL ? leg2 : "",
		    MARKET_SYMBOL_MAX);
		return -1;
	}
	if (!isfinite(hedge_ratio)) {
		*cause = xasprintf("pair '%s/%s': hedge ratio must be a finite number", leg1, leg2);
		return -1;
	}
	memset(inst, 0, sizeof *inst);
	inst->kind = INSTR_PAIR;
	snprintf(inst->symbol, sizeof inst->symbol, "%s/%s", leg1, leg2);
	snprintf(inst->leg1, sizeof inst->leg1, "%s", leg1);
	snprintf(inst->leg2, sizeof inst->leg2, "%s", leg2);
	inst->hedge_ratio = hedge_ratio;
	inst->strike = NAN;
	inst->multiplier = 1;
	return 0;
}

/* Spread of a pair. */
double market_pair_spread(const struct instrument *pair, double leg1, double leg2)
{
	return leg1 - pair->hedge_ratio * leg2;
}

/* Sets an option quote to unknown values. */
void market_option_init(struct option_quote *oq)
{
	memset(oq, 0, sizeof *oq);
	oq->opt.kind = INSTR_OPTION;
	oq->opt.right = OPT_RIGHT_CALL;
	oq->opt.multiplier = 100;
	oq->opt.strike = NAN;
	oq->opt.hedge_ratio = NAN;
	oq->q.bid = oq->q.ask = oq->q.last = NAN;
	oq->q.bid_size = oq->q.ask_size = oq->q.volume = NAN;
	oq->q.exch_time = oq->q.recv_time = NAN;
	oq->implied_vol = oq->delta = oq->gamma = oq->vega = oq->theta = NAN;
	oq->open_interest = NAN;
	oq->maturity = oq->forward = oq->rate = oq->dividend = NAN;
	oq->weight = 1;
}

/* Maturity of an option in years. */
double market_option_maturity(const struct option_chain *c, const struct option_quote *oq)
{
	if (isfinite(oq->maturity))
		return oq->maturity;
	return market_year_fraction(c->time, oq->opt.expiry);
}

/* Prepares an empty chain. */
void market_chain_init(struct option_chain *c, const char *underlying)
{
	memset(c, 0, sizeof *c);
	snprintf(c->underlying, sizeof c->underlying, "%s", underlying != NULL ? underlying : "");
	c->time = NAN;
	c->spot = NAN;
	c->rate = NAN;
	c->dividend = NAN;
}

/* Appends one option. */
void market_chain_add(struct option_chain *c, const struct option_quote *oq)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->opts = xrealloc(c->opts, c->cap * sizeof *c->opts);
	}
	c->opts[c->n++] = *oq;
}

/* Frees a chain's array. */
void market_chain_free(struct option_chain *c)
{
	free(c->opts);
	c->opts = NULL;
	c->n = c->cap = 0;
}

/* Empties a chain. */
void market_chain_clear(struct option_chain *c)
{
	c->n = 0;
}

/* Deep copy of a chain. */
void market_chain_copy(struct option_chain *dst, const struct option_chain *src)
{
	*dst = *src;
	dst->cap = src->n;
	dst->opts = xmalloc((src->n ? src->n : 1) * sizeof *dst->opts);
	if (src->n > 0)
		memcpy(dst->opts, src->opts, src->n * sizeof *dst->opts);
}

/* Orders options by expiry, root, strike, calls first. */
static int market_option_cmp(const void *a, const void *b)
{
	const struct option_quote *x = a, *y = b;
	int c;

	if (x->opt.expiry != y->opt.expiry)
		return x->opt.expiry < y->opt.expiry ? -1 : 1;
	if (x->maturity != y->maturity && isfinite(x->maturity) && isfinite(y->maturity))
		return x->maturity < y->maturity ? -1 : 1;
	if ((c = strcmp(x->opt.underlying, y->opt.underlying)) != 0)
		return c;
	if (x->opt.strike != y->opt.strike)
		return x->opt.strike < y->opt.strike ? -1 : 1;
	if (x->opt.right != y->opt.right)
		return x->opt.right == OPT_RIGHT_CALL ? -1 : 1;
	return 0;
}

/* Sorts a chain. */
void market_chain_sort(struct option_chain *c)
{
	if (c->n > 1)
		qsort(c->opts, c->n, sizeof *c->opts, market_option_cmp);
}
