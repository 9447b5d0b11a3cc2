/*
 * market-csv.c -- bars and option chains from CSV files (see
 * market-csv.h): column lookup with aliases, strict cells, and the
 * conversion into struct bar and struct option_chain.
 *
 * Built on the strict reader of csv.h, which has already refused binary
 * data, invalid UTF-8, unterminated quotes and ragged rows with FILE:LINE;
 * this file adds the column and cell rules of the two formats.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chain.h"
#include "csv.h"
#include "market-csv.h"
#include "util.h"

#define SECONDS_PER_YEAR (365.0 * 86400.0)
#define CLOSE_UTC (21.0 * 3600.0)

/* Index of the first of several column names present, or -1. */
static int mcsv_col(const struct csv *c, const char *const *names)
{
	int i, k;

	for (k = 0; names[k] != NULL; k++) {
		if ((i = csv_col(c, names[k])) >= 0)
			return i;
	}
	return -1;
}

/* Reads an optional numeric cell: NaN when the column is absent or the cell
 * empty (a missing value), an error when it is not a number. */
static int mcsv_num(const struct csv *c, size_t r, int col, double *v, char **cause)
{
	*v = NAN;
	if (col < 0 || csv_cell(c, r, col)[0] == '\0')
		return 0;
	return csv_number(c, r, col, v, cause);
}

/* An error naming the row and column. */
static int mcsv_bad(const struct csv *c, size_t r, int col, const char *what, char **cause)
{
	*cause = xasprintf("%s:%d: column '%s': %s, got '%s'", c->path, c->lineno[r],
	    c->cols[col], what, csv_cell(c, r, col));
	return -1;
}

/* The capitalised stem of a path if it is a symbol. */
void market_csv_stem(const char *path, char *out, size_t len)
{
	const char *base = strrchr(path, '/'), *dot;
	size_t n, i;

	base = base != NULL ? base + 1 : path;
	dot = strrchr(base, '.');
	n = dot != NULL && dot > base ? (size_t)(dot - base) : strlen(base);
	if (len == 0)
		return;
	out[0] = '\0';
	if (n == 0 || n >= len || n >= MARKET_SYMBOL_MAX)
		return;
	for (i = 0; i < n; i++)
		out[i] = (char)toupper((unsigned char)base[i]);
	out[n] = '\0';
	if (!market_symbol_valid(out))
		out[0] = '\0';
}

/* Compares two strings through pointers, for qsort. */
static int mcsv_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Reads bars. */
int market_csv_read_bars(const char *path, const char *symbol, struct market_csv_bars *out,
    char **cause)
{
	static const char *const n_date[] = { "date", "time", "timestamp", "datetime", NULL };
	static const char *const n_close[] = { "close", "price", "last", NULL };
	static const char *const n_open[] = { "open", NULL };
	static const char *const n_high[] = { "high", NULL };
	static const char *const n_low[] = { "low", NULL };
	static const char *const n_vol[] = { "volume", NULL };
	static const char *const n_sym[] = { "symbol", "ticker", NULL };
	struct csv c;
	int cd, cc, co, ch, cl, cv, cs;
	char stem[MARKET_SYMBOL_MAX];
	size_t r;

	memset(out, 0, sizeof *out);
	if (csv_read(path, &c, cause) != 0)
		return -1;
	cd = mcsv_col(&c, n_date);
	cc = mcsv_col(&c, n_close);
	co = mcsv_col(&c, n_open);
	ch = mcsv_col(&c, n_high);
	cl = mcsv_col(&c, n_low);
	cv = mcsv_col(&c, n_vol);
	cs = mcsv_col(&c, n_sym);
	if (cd < 0) {
		*cause = xasprintf("%s: no date column (date, time, timestamp or datetime)", path);
		goto fail;
	}
	if (cc < 0) {
		*cause = xasprintf("%s: no close column (close, price or last)", path);
		goto fail;
	}
	if ((co >= 0 || ch >= 0 || cl >= 0) && (co < 0 || ch < 0 || cl < 0)) {
		*cause = xasprintf("%s: open, high and low come together (the file has %s%s%s)",
		    path, co >= 0 ? "open " : "", ch >= 0 ? "high " : "", cl >= 0 ? "low" : "");
		goto fail;
	}
	stem[0] = '\0';
	if (cs < 0) {
		if (symbol != NULL)
			snprintf(stem, sizeof stem, "%s", symbol);
		else
			market_csv_stem(path, stem, sizeof stem);
		if (!market_symbol_valid(stem)) {
			*cause = symbol != NULL ?
			    xasprintf("%s: '%s' is not a valid symbol", path, symbol) :
			    xasprintf("%s: no symbol column and the file name is not a symbol: "
			    "give --symbol", path);
			goto fail;
		}
	} else if (symbol != NULL && !market_symbol_valid(symbol)) {
		*cause = xasprintf("%s: '%s' is not a valid symbol", path, symbol);
		goto fail;
	}
	if (c.nrows == 0) {
		*cause = xasprintf("%s: no rows after the header", path);
		goto fail;
	}
	out->bars = xcalloc(c.nrows, sizeof *out->bars);
	out->lines = xcalloc(c.nrows, sizeof *out->lines);
	for (r = 0; r < c.nrows; r++) {
		struct bar *b = &out->bars[out->n];
		const char *sym = stem;

		if (cs >= 0) {
			sym = csv_cell(&c, r, cs);
			if (!market_symbol_valid(sym)) {
				mcsv_bad(&c, r, cs, "expected a symbol", cause);
				goto fail;
			}
			if (symbol != NULL && strcasecmp(sym, symbol) != 0)
				continue;
		}
		memset(b, 0, sizeof *b);
		snprintf(b->symbol, sizeof b->symbol, "%s", sym);
		if (market_parse_time(csv_cell(&c, r, cd), &b->time) != 0) {
			mcsv_bad(&c, r, cd, "expected a date YYYY-MM-DD[ HH:MM[:SS]]", cause);
			goto fail;
		}
		if (mcsv_num(&c, r, cc, &b->close, cause) != 0 ||
		    mcsv_num(&c, r, co, &b->open, cause) != 0 ||
		    mcsv_num(&c, r, ch, &b->high, cause) != 0 ||
		    mcsv_num(&c, r, cl, &b->low, cause) != 0 ||
		    mcsv_num(&c, r, cv, &b->volume, cause) != 0)
			goto fail;
		if (co < 0)
			b->open = b->high = b->low = b->close;
		out->lines[out->n++] = c.lineno[r];
	}
	if (out->n == 0) {
		*cause = xasprintf("%s: no rows for symbol '%s'", path, symbol);
		goto fail;
	}
	/* distinct symbols: sort their names */
	{
		const char **names = xmalloc(out->n * sizeof *names);

		for (r = 0; r < out->n; r++)
			names[r] = out->bars[r].symbol;
		qsort(names, out->n, sizeof *names, mcsv_strcmp);
		for (r = 0; r < out->n; r++)
			out->nsymbols += r == 0 || strcmp(names[r - 1], names[r]) != 0;
		free(names);
	}
	csv_free(&c);
	return 0;
fail:
	csv_free(&c);
	market_csv_bars_free(out);
	return -1;
}

/* Frees bars. */
void market_csv_bars_free(struct market_csv_bars *b)
{
	free(b->bars);
	free(b->lines);
	memset(b, 0, sizeof *b);
}

/* Finds or adds the chain of an underlying. */
static struct market_csv_chain *mcsv_chain_for(struct market_csv_chain **v, size_t *n,
    const char *und, double time)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (strcmp((*v)[i].chain.underlying, und) == 0)
			return &(*v)[i];
	}
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	memset(&(*v)[*n], 0, sizeof **v);
	market_chain_init(&(*v)[*n].chain, und);
	(*v)[*n].chain.time = time;
	return &(*v)[(*n)++];
}

/* Parses an option type cell. */
static int mcsv_type(const char *s, enum option_right *right)
{
	if (strcasecmp(s, "call") == 0 || strcasecmp(s, "c") == 0)
		*right = OPT_RIGHT_CALL;
	else if (strcasecmp(s, "put") == 0 || strcasecmp(s, "p") == 0)
		*right = OPT_RIGHT_PUT;
	else
		return -1;
	return 0;
}

/* Sets a chain-wide value when every row agrees, else NaN. */
static double mcsv_common(const struct option_chain *c, size_t off)
{
	double v = NAN;
	size_t i;

	for (i = 0; i < c->n; i++) {
		double x = *(const double *)((const char *)&c->opts[i] + off);

		if (isnan(x))
			return NAN;
		if (i > 0 && x != v)
			return NAN;
		v = x;
	}
	return v;
}

/* Reads a chain file. */
int market_csv_read_chains(const char *path, const char *underlying, int date,
    struct market_csv_chain **out, size_t *nout, char **cause)
{
	static const char *const n_qdate[] = { "quote_date", "date", NULL };
	static const char *const n_occ[] = { "contract_symbol", "contractsymbol", "option_symbol",
	    "occ", NULL };
	struct csv c;
	struct market_csv_chain *v = NULL;
	size_t n = 0, r, i;
	int cm, cdays, ce, ck, ct, cp, cb, ca, civ, cs, cf, cr, cq, cw, cu, cdate, cocc;
	char stem[MARKET_SYMBOL_MAX];
	double time = date != 0 ? market_date_epoch(date) + CLOSE_UTC : now_wall();

	*out = NULL;
	*nout = 0;
	if (csv_read(path, &c, cause) != 0)
		return -1;
	cm = chain_column(&c, CHAIN_C_MATURITY);
	cdays = chain_column(&c, CHAIN_C_DAYS);
	ce = chain_column(&c, CHAIN_C_EXPIRY);
	ck = chain_column(&c, CHAIN_C_STRIKE);
	ct = chain_column(&c, CHAIN_C_TYPE);
	cp = chain_column(&c, CHAIN_C_PRICE);
	cb = chain_column(&c, CHAIN_C_BID);
	ca = chain_column(&c, CHAIN_C_ASK);
	civ = chain_column(&c, CHAIN_C_IV);
	cs = chain_column(&c, CHAIN_C_SPOT);
	cf = chain_column(&c, CHAIN_C_FORWARD);
	cr = chain_column(&c, CHAIN_C_RATE);
	cq = chain_column(&c, CHAIN_C_DIVIDEND);
	cw = chain_column(&c, CHAIN_C_WEIGHT);
	cu = chain_column(&c, CHAIN_C_UNDERLYING);
	cdate = mcsv_col(&c, n_qdate);
	cocc = mcsv_col(&c, n_occ);
	if (date == 0 && cdate >= 0 && c.nrows > 0) {
		/* the file's own quote date, the same on every row */
		for (r = 0; r < c.nrows; r++) {
			int d;

			if (market_parse_date(csv_cell(&c, r, cdate), &d) != 0) {
				mcsv_bad(&c, r, cdate, "expected a date YYYY-MM-DD", cause);
				goto fail;
			}
			if (r > 0 && d != date) {
				mcsv_bad(&c, r, cdate, "one quote date per file expected", cause);
				goto fail;
			}
			date = d;
		}
		time = market_date_epoch(date) + CLOSE_UTC;
	}
	if (cm < 0 && cdays < 0 && ce < 0) {
		*cause = xasprintf("%s: no maturity column (maturity in years, maturity_days or "
		    "expiry)", path);
		goto fail;
	}
	if (ck < 0) {
		*cause = xasprintf("%s: no strike column", path);
		goto fail;
	}
	if ((cb >= 0) != (ca >= 0)) {
		*cause = xasprintf("%s: a bid column needs an ask column and vice versa", path);
		goto fail;
	}
	if (cp < 0 && cb < 0 && civ < 0) {
		*cause = xasprintf("%s: no quote column (price, bid and ask, or implied_vol)", path);
		goto fail;
	}
	if (ct < 0 && cs < 0 && cf < 0) {
		*cause = xasprintf("%s: no type column (call, put, C or P), and no spot or "
		    "forward to take out-of-the-money types from", path);
		goto fail;
	}
	stem[0] = '\0';
	if (cu < 0) {
		if (underlying != NULL)
			snprintf(stem, sizeof stem, "%s", underlying);
		else
			market_csv_stem(path, stem, sizeof stem);
		if (!market_symbol_valid(stem)) {
			*cause = underlying != NULL ?
			    xasprintf("%s: '%s' is not a valid symbol", path, underlying) :
			    xasprintf("%s: no underlying column and the file name is not a "
			    "symbol: give --underlying", path);
			goto fail;
		}
	} else if (underlying != NULL && !market_symbol_valid(underlying)) {
		*cause = xasprintf("%s: '%s' is not a valid symbol", path, underlying);
		goto fail;
	}
	if (c.nrows == 0) {
		*cause = xasprintf("%s: no rows after the header", path);
		goto fail;
	}
	for (r = 0; r < c.nrows; r++) {
		struct option_quote oq;
		struct market_csv_chain *mc;
		const char *und = stem;
		double mat = NAN, spot, ref;

		if (cu >= 0) {
			und = csv_cell(&c, r, cu);
			if (!market_symbol_valid(und)) {
				mcsv_bad(&c, r, cu, "expected a symbol", cause);
				goto fail;
			}
			if (underlying != NULL && strcasecmp(und, underlying) != 0)
				continue;
		}
		market_option_init(&oq);
		snprintf(oq.opt.underlying, sizeof oq.opt.underlying, "%s", und);
		if (cm >= 0) {
			if (csv_number(&c, r, cm, &mat, cause) != 0)
				goto fail;
			oq.maturity = mat;
		} else if (cdays >= 0) {
			if (csv_number(&c, r, cdays, &mat, cause) != 0)
				goto fail;
			oq.maturity = mat = mat / 365.0;
		}
		if (ce >= 0 && csv_cell(&c, r, ce)[0] != '\0') {
			if (market_parse_date(csv_cell(&c, r, ce), &oq.opt.expiry) != 0) {
				mcsv_bad(&c, r, ce, "expected a date YYYY-MM-DD", cause);
				goto fail;
			}
		} else if (ce >= 0 && isnan(mat)) {
			mcsv_bad(&c, r, ce, "expected a date YYYY-MM-DD", cause);
			goto fail;
		} else if (fabs(mat) < 200)
			oq.opt.expiry = market_date_from_epoch(time + mat * SECONDS_PER_YEAR);
		if (csv_number(&c, r, ck, &oq.opt.strike, cause) != 0)
			goto fail;
		if (mcsv_num(&c, r, cp, &oq.q.last, cause) != 0 ||
		    mcsv_num(&c, r, cb, &oq.q.bid, cause) != 0 ||
		    mcsv_num(&c, r, ca, &oq.q.ask, cause) != 0 ||
		    mcsv_num(&c, r, civ, &oq.implied_vol, cause) != 0 ||
		    mcsv_num(&c, r, cs, &spot, cause) != 0 ||
		    mcsv_num(&c, r, cf, &oq.forward, cause) != 0 ||
		    mcsv_num(&c, r, cr, &oq.rate, cause) != 0 ||
		    mcsv_num(&c, r, cq, &oq.dividend, cause) != 0 ||
		    mcsv_num(&c, r, cw, &oq.weight, cause) != 0)
			goto fail;
		if (isnan(oq.weight))
			oq.weight = 1;
		if (ct >= 0 && csv_cell(&c, r, ct)[0] != '\0') {
			if (mcsv_type(csv_cell(&c, r, ct), &oq.opt.right) != 0) {
				mcsv_bad(&c, r, ct, "expected call, put, C or P", cause);
				goto fail;
			}
		} else {
			ref = isfinite(oq.forward) ? oq.forward : spot;
			if (!isfinite(ref)) {
				*cause = xasprintf("%s:%d: no option type, and no spot or forward to "
				    "take the out-of-the-money type from", path, c.lineno[r]);
				goto fail;
			}
			oq.opt.right = oq.opt.strike >= ref ? OPT_RIGHT_CALL : OPT_RIGHT_PUT;
		}
		if (cocc >= 0 && csv_cell(&c, r, cocc)[0] != '\0') {
			/* the contract's own symbol: its root (SPX or SPXW) */
			struct instrument in;
			char *why = NULL;

			if (market_occ_parse(csv_cell(&c, r, cocc), &in, &why) != 0) {
				free(why);
				mcsv_bad(&c, r, cocc, "expected an OCC option symbol", cause);
				goto fail;
			}
			if (in.strike != oq.opt.strike || in.right != oq.opt.right ||
			    (oq.opt.expiry != 0 && in.expiry != oq.opt.expiry)) {
				mcsv_bad(&c, r, cocc, "the symbol disagrees with the strike, type or "
				    "expiry of the row", cause);
				goto fail;
			}
			snprintf(oq.opt.underlying, sizeof oq.opt.underlying, "%s", in.underlying);
			oq.opt.expiry = in.expiry;
		}
		market_occ_format(&oq.opt, oq.opt.symbol, sizeof oq.opt.symbol);
		if (oq.opt.symbol[0] == '\0') {
			/* not representable as OCC: a readable name, cut to fit */
			char name[96];

			snprintf(name, sizeof name, "%s %08d %c %g", und, oq.opt.expiry,
			    (char)oq.opt.right, oq.opt.strike);
			memcpy(oq.opt.symbol, name, sizeof oq.opt.symbol - 1);
			oq.opt.symbol[sizeof oq.opt.symbol - 1] = '\0';
		}
		snprintf(oq.q.symbol, sizeof oq.q.symbol, "%s", oq.opt.symbol);
		oq.q.exch_time = oq.q.recv_time = time;
		mc = mcsv_chain_for(&v, &n, und, time);
		if (isnan(mc->chain.spot) && isfinite(spot))
			mc->chain.spot = spot;
		market_chain_add(&mc->chain, &oq);
		mc->lines = xrealloc(mc->lines, mc->chain.n * sizeof *mc->lines);
		mc->lines[mc->chain.n - 1] = c.lineno[r];
	}
	if (n == 0) {
		*cause = xasprintf("%s: no rows for underlying '%s'", path, underlying);
		goto fail;
	}
	for (i = 0; i < n; i++) {
		v[i].chain.rate = mcsv_common(&v[i].chain, offsetof(struct option_quote, rate));
		v[i].chain.dividend = mcsv_common(&v[i].chain,
		    offsetof(struct option_quote, dividend));
	}
	csv_free(&c);
	*out = v;
	*nout = n;
	return 0;
fail:
	csv_free(&c);
	market_csv_chains_free(v, n);
	return -1;
}

/* Frees chains read from a file. */
void market_csv_chains_free(struct market_csv_chain *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		market_chain_free(&c[i].chain);
		free(c[i].lines);
	}
	free(c);
}
