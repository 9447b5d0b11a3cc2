/*
 * chain.c -- loading option chain files (see chain.h and help chain-format).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chain.h"
#include "market.h"
#include "out.h"
#include "util.h"

/* The names of each chain column, first the canonical one. */
static const char *const chain_names[CHAIN_NCOLUMNS][6] = {
	[CHAIN_C_MATURITY] = { "maturity", "maturity_years", "t", NULL },
	[CHAIN_C_DAYS] = { "maturity_days", "days", NULL },
	[CHAIN_C_EXPIRY] = { "expiry", "expiration", NULL },
	[CHAIN_C_STRIKE] = { "strike", "k", NULL },
	[CHAIN_C_TYPE] = { "type", "option_type", "right", "cp", NULL },
	[CHAIN_C_PRICE] = { "price", "mid", NULL },
	[CHAIN_C_BID] = { "bid", NULL },
	[CHAIN_C_ASK] = { "ask", NULL },
	[CHAIN_C_IV] = { "implied_vol", "iv", NULL },
	[CHAIN_C_SPOT] = { "spot", "s", NULL },
	[CHAIN_C_FORWARD] = { "forward", "f", NULL },
	[CHAIN_C_RATE] = { "rate", "r", "zero_rate", "zero_rate_act365", NULL },
	[CHAIN_C_DIVIDEND] = { "dividend", "dividend_yield", "q", NULL },
	[CHAIN_C_WEIGHT] = { "weight", NULL },
	[CHAIN_C_UNDERLYING] = { "underlying", "symbol", NULL },
};

/* Finds a chain column under any of its names. */
int chain_column(const struct csv *c, enum chain_column id)
{
	int i, k;

	for (k = 0; chain_names[id][k] != NULL; k++) {
		if ((i = csv_col(c, chain_names[id][k])) >= 0)
			return i;
	}
	return -1;
}

/* Reads a cell that must be a number when the column exists; NaN when the
 * column is absent or (optional cells) empty. */
static int chain_num(const struct csv *c, size_t r, int col, int required, double *v,
    char **cause)
{
	*v = NAN;
	if (col < 0)
		return 0;
	if (!required && csv_cell(c, r, col)[0] == '\0')
		return 0;
	return csv_number(c, r, col, v, cause);
}

/* Parses a type cell: call/put/C/P in any case. */
static int chain_type(const struct csv *c, size_t r, int col, int *type, char **cause)
{
	const char *s = csv_cell(c, r, col);

	if (strcasecmp(s, "call") == 0 || strcasecmp(s, "c") == 0)
		*type = 'C';
	else if (strcasecmp(s, "put") == 0 || strcasecmp(s, "p") == 0)
		*type = 'P';
	else {
		*cause = xasprintf("%s:%d: column '%s': expected call, put, C or P, got '%s'",
		    c->path, c->lineno[r], c->cols[col], s);
		return -1;
	}
	return 0;
}

/* Returns an error naming the row and column. */
static int chain_bad(const struct csv *c, size_t r, int col, const char *what, char **cause)
{
	*cause = xasprintf("%s:%d: column '%s': %s (got '%s')", c->path, c->lineno[r],
	    c->cols[col], what, csv_cell(c, r, col));
	return -1;
}

/* Loads a chain file. */
int chain_load(const char *path, int date, int need, struct chain_file *out, char **cause)
{
	struct csv *c = &out->csv;
	int cm, cd, ce, ck, ct, cp, cb, ca, cv, cs, cf, cr, cq, cw, cu;
	size_t r;

	memset(out, 0, sizeof *out);
	if (csv_read(path, c, cause) != 0)
		return -1;
	cm = chain_column(c, CHAIN_C_MATURITY);
	cd = chain_column(c, CHAIN_C_DAYS);
	ce = chain_column(c, CHAIN_C_EXPIRY);
	ck = chain_column(c, CHAIN_C_STRIKE);
	ct = chain_column(c, CHAIN_C_TYPE);
	cp = chain_column(c, CHAIN_C_PRICE);
	cb = chain_column(c, CHAIN_C_BID);
	ca = chain_column(c, CHAIN_C_ASK);
	cv = chain_column(c, CHAIN_C_IV);
	cs = chain_column(c, CHAIN_C_SPOT);
	cf = chain_column(c, CHAIN_C_FORWARD);
	cr = chain_column(c, CHAIN_C_RATE);
	cq = chain_column(c, CHAIN_C_DIVIDEND);
	cw = chain_column(c, CHAIN_C_WEIGHT);
	cu = chain_column(c, CHAIN_C_UNDERLYING);
	if (cm < 0 && cd < 0 && ce < 0) {
		*cause = xasprintf("%s: no maturity column (maturity in years, maturity_days, or "
		    "expiry with --date)", path);
		goto fail;
	}
	if (cm < 0 && cd < 0 && date == 0) {
		*cause = xasprintf("%s: the chain gives expiry dates: --date YYYY-MM-DD is needed "
		    "to turn them into maturities", path);
		goto fail;
	}
	if (ck < 0) {
		*cause = xasprintf("%s: no strike column", path);
		goto fail;
	}
	if ((need & CHAIN_NEED_TYPE) && ct < 0) {
		*cause = xasprintf("%s: no type column (call, put, C or P)", path);
		goto fail;
	}
	if ((cb >= 0) != (ca >= 0)) {
		*cause = xasprintf("%s: a bid column needs an ask column and vice versa", path);
		goto fail;
	}
	if ((need & CHAIN_NEED_PRICE) && cp < 0 && cb < 0) {
		*cause = xasprintf("%s: no price column (price, or bid and ask)", path);
		goto fail;
	}
	if ((need & CHAIN_NEED_QUOTE) && cp < 0 && cb < 0 && cv < 0) {
		*cause = xasprintf("%s: no quote column (price, bid and ask, or implied_vol)", path);
		goto fail;
	}
	if (c->nrows == 0) {
		*cause = xasprintf("%s: no rows after the header", path);
		goto fail;
	}
	out->rows = xcalloc(c->nrows, sizeof *out->rows);
	out->n = c->nrows;
	for (r = 0; r < c->nrows; r++) {
		struct chain_row *row = &out->rows[r];

		row->line = c->lineno[r];
		row->type = 0;
		if (cm >= 0) {
			if (chain_num(c, r, cm, 1, &row->maturity, cause) != 0)
				goto fail;
		} else if (cd >= 0) {
			if (chain_num(c, r, cd, 1, &row->maturity, cause) != 0)
				goto fail;
			row->maturity /= 365.0;
		} else {
			int ymd;

			if (market_parse_date(csv_cell(c, r, ce), &ymd) != 0)
				return chain_bad(c, r, ce, "expected a date YYYY-MM-DD", cause),
				    chain_free(out), -1;
			row->maturity = (market_date_epoch(ymd) - market_date_epoch(date)) /
			    (365.0 * 86400.0);
		}
		if (!(row->maturity > 0)) {
			chain_bad(c, r, cm >= 0 ? cm : cd >= 0 ? cd : ce,
			    "maturity must be positive", cause);
			goto fail;
		}
		if (chain_num(c, r, ck, 1, &row->strike, cause) != 0)
			goto fail;
		if (!(row->strike > 0)) {
			chain_bad(c, r, ck, "strike must be positive", cause);
			goto fail;
		}
		if (ct >= 0 && chain_type(c, r, ct, &row->type, cause) != 0)
			goto fail;
		if (chain_num(c, r, cp, 0, &row->price, cause) != 0 ||
		    chain_num(c, r, cb, 0, &row->bid, cause) != 0 ||
		    chain_num(c, r, ca, 0, &row->ask, cause) != 0 ||
		    chain_num(c, r, cv, 0, &row->implied_vol, cause) != 0 ||
		    chain_num(c, r, cs, 0, &row->spot, cause) != 0 ||
		    chain_num(c, r, cf, 0, &row->forward, cause) != 0 ||
		    chain_num(c, r, cr, 0, &row->rate, cause) != 0 ||
		    chain_num(c, r, cq, 0, &row->dividend, cause) != 0 ||
		    chain_num(c, r, cw, 0, &row->weight, cause) != 0)
			goto fail;
		if (isnan(row->price) && !isnan(row->bid) && !isnan(row->ask)) {
			if (row->bid > row->ask) {
				chain_bad(c, r, cb, "bid above ask", cause);
				goto fail;
			}
			row->price = 0.5 * (row->bid + row->ask);
		}
		if (!isnan(row->price) && row->price < 0) {
			chain_bad(c, r, cp >= 0 ? cp : cb, "price must not be negative", cause);
			goto fail;
		}
		if (!isnan(row->implied_vol) && !(row->implied_vol > 0)) {
			chain_bad(c, r, cv, "implied vol must be positive", cause);
			goto fail;
		}
		if (!isnan(row->spot) && !(row->spot > 0)) {
			chain_bad(c, r, cs, "spot must be positive", cause);
			goto fail;
		}
		if (!isnan(row->forward) && !(row->forward > 0)) {
			chain_bad(c, r, cf, "forward must be positive", cause);
			goto fail;
		}
		if (isnan(row->weight))
			row->weight = 1.0;
		else if (!(row->weight >= 0)) {
			chain_bad(c, r, cw, "weight must not be negative", cause);
			goto fail;
		}
		if ((need & CHAIN_NEED_QUOTE) && isnan(row->price) && isnan(row->implied_vol)) {
			*cause = xasprintf("%s:%d: no quote in this row (price, bid/ask or "
			    "implied_vol)", path, row->line);
			goto fail;
		}
		if ((need & CHAIN_NEED_PRICE) && isnan(row->price)) {
			*cause = xasprintf("%s:%d: no price in this row", path, row->line);
			goto fail;
		}
		row->underlying = cu >= 0 ? csv_cell(c, r, cu) : "";
	}
	return 0;
fail:
	chain_free(out);
	return -1;
}

/* Frees a chain file. */
void chain_free(struct chain_file *c)
{
	free(c->rows);
	csv_free(&c->csv);
	memset(c, 0, sizeof *c);
}

/* Reads an optional numeric column of a row. */
int chain_row_number(const struct chain_file *c, size_t row, const char *col, double *v,
    char **cause)
{
	int i = csv_col(&c->csv, col);

	if (i < 0 || csv_cell(&c->csv, row, i)[0] == '\0')
		return 0;
	return csv_number(&c->csv, row, i, v, cause) == 0 ? 1 : -1;
}

/* Prints a row with its results. */
void chain_out_row(struct out *o, const struct chain_file *c, size_t row,
    const char *const *names, const double *values, int nres)
{
	char *used = xcalloc((size_t)nres + 1, 1);
	int i, k;

	out_begin(o);
	for (i = 0; i < c->csv.ncols; i++) {
		for (k = 0; k < nres; k++) {
			if (strcasecmp(names[k], c->csv.cols[i]) == 0)
				break;
		}
		if (k < nres) {
			out_num(o, c->csv.cols[i], values[k]);
			used[k] = 1;
		} else {
			const char *cell = csv_cell(&c->csv, row, i);
			double v;

			/* Input text is kept as written; in JSON numbers are numbers. */
			if (o->json && parse_double(cell, &v) == 0)
				out_num(o, c->csv.cols[i], v);
			else
				out_str(o, c->csv.cols[i], cell);
		}
	}
	for (k = 0; k < nres; k++) {
		if (!used[k])
			out_num(o, names[k], values[k]);
	}
	out_end(o);
	free(used);
}
