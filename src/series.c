/*
 * series.c -- reading numeric time series from CSV (see series.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "series.h"
#include "util.h"

/* Splits a comma-separated list of names. */
char **series_split_names(const char *list, int *n)
{
	char *copy = xstrdup(list), *save = NULL, *w;
	char **names = xcalloc(strlen(list) + 2, sizeof *names);

	*n = 0;
	for (w = strtok_r(copy, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
		while (*w == ' ')
			w++;
		if (*w != '\0')
			names[(*n)++] = xstrdup(w);
	}
	free(copy);
	return names;
}

/* Frees what series_split_names returned. */
void series_names_free(char **names)
{
	int i;

	for (i = 0; names != NULL && names[i] != NULL; i++)
		free(names[i]);
	free(names);
}

/* Returns 1 when the column is a date/time column by name. */
static int series_is_date(const char *name)
{
	return strcasecmp(name, "date") == 0 || strcasecmp(name, "time") == 0 ||
	    strcasecmp(name, "timestamp") == 0 || strcasecmp(name, "datetime") == 0;
}

struct series_obs {
	const char *date;
	int sym;
	double v;
	size_t row;
};

/* Orders observations by date, then by symbol. */
static int series_obs_cmp(const void *pa, const void *pb)
{
	const struct series_obs *a = pa, *b = pb;
	int c = strcmp(a->date, b->date);

	return c != 0 ? c : a->sym - b->sym;
}

/* Pivots a long-format file (date, symbol, value columns) into one column
 * per wanted symbol, keeping the dates where every symbol has a value. */
static int series_pivot(struct csv *c, int datecol, int symcol, const char *const *want,
    int ncols, struct series *out, char **cause)
{
	int valcol = csv_col(c, "close"), i;
	struct series_obs *obs = xcalloc(c->nrows + 1, sizeof *obs);
	size_t r, nobs = 0, k;

	if (valcol < 0)
		valcol = csv_col(c, "price");
	if (valcol < 0 || datecol < 0) {
		free(obs);
		*cause = xasprintf("%s: long format needs date, symbol and close columns", c->path);
		return -1;
	}
	for (r = 0; r < c->nrows; r++) {
		const char *sym = csv_cell(c, r, symcol);

		for (i = 0; i < ncols && strcasecmp(sym, want[i]) != 0; i++)
			;
		if (i == ncols)
			continue;
		if (csv_cell(c, r, valcol)[0] == '\0') {
			out->skipped++;
			continue;
		}
		obs[nobs].date = csv_cell(c, r, datecol);
		obs[nobs].sym = i;
		obs[nobs].row = r;
		if (csv_number(c, r, valcol, &obs[nobs].v, cause) != 0) {
			free(obs);
			return -1;
		}
		nobs++;
	}
	qsort(obs, nobs, sizeof *obs, series_obs_cmp);
	out->ncols = ncols;
	out->names = xcalloc((size_t)ncols, sizeof *out->names);
	out->cols = xcalloc((size_t)ncols, sizeof *out->cols);
	for (i = 0; i < ncols; i++) {
		out->names[i] = xstrdup(want[i]);
		out->cols[i] = xcalloc(nobs + 1, sizeof **out->cols);
	}
	out->dates = xcalloc(nobs + 1, sizeof *out->dates);
	for (k = 0; k < nobs;) {
		size_t e = k;

		while (e < nobs && strcmp(obs[e].date, obs[k].date) == 0)
			e++;
		for (r = k; r + 1 < e; r++) {
			if (obs[r].sym == obs[r + 1].sym) {
				*cause = xasprintf("%s:%d: second %s row for date %s", c->path,
				    c->lineno[obs[r + 1].row], want[obs[r].sym], obs[r].date);
				free(obs);
				return -1;
			}
		}
		if (e - k == (size_t)ncols) {
			for (r = k; r < e; r++)
				out->cols[obs[r].sym][out->n] = obs[r].v;
			out->dates[out->n++] = xstrdup(obs[k].date);
		} else
			out->skipped += e - k;
		k = e;
	}
	free(obs);
	return 0;
}

/* Reads the wanted columns of a CSV file. */
int series_read(const char *path, const char *const *want, int ncols, struct series *out,
    char **cause)
{
	struct csv c;
	int *idx, i, datecol = -1;
	size_t r;

	memset(out, 0, sizeof *out);
	if (csv_read(path, &c, cause) != 0)
		return -1;
	for (i = 0; i < c.ncols; i++) {
		if (series_is_date(c.cols[i]) && datecol < 0)
			datecol = i;
	}
	if (ncols == 0) {
		/* every column but the date */
		idx = xcalloc((size_t)c.ncols + 1, sizeof *idx);
		for (i = 0; i < c.ncols; i++) {
			if (i != datecol && strcasecmp(c.cols[i], "symbol") != 0)
				idx[ncols++] = i;
		}
	} else {
		int symcol = csv_col(&c, "symbol");

		idx = xcalloc((size_t)ncols, sizeof *idx);
		for (i = 0; i < ncols; i++) {
			if ((idx[i] = csv_col(&c, want[i])) < 0 && symcol >= 0) {
				/* Long format: the names are symbols, not columns. */
				free(idx);
				if (series_pivot(&c, datecol, symcol, want, ncols, out, cause) != 0) {
					csv_free(&c);
					series_free(out);
					return -1;
				}
				csv_free(&c);
				if (out->n == 0) {
					*cause = xasprintf("%s: no date has all of the symbols", path);
					series_free(out);
					return -1;
				}
				return 0;
			}
			if (idx[i] < 0) {
				*cause = xasprintf("%s: no column '%s' (columns: %d in the header)",
				    path, want[i], c.ncols);
				goto fail;
			}
		}
	}
	if (ncols == 0) {
		*cause = xasprintf("%s: no numeric column", path);
		goto fail;
	}
	out->ncols = ncols;
	out->names = xcalloc((size_t)ncols, sizeof *out->names);
	out->cols = xcalloc((size_t)ncols, sizeof *out->cols);
	for (i = 0; i < ncols; i++) {
		out->names[i] = xstrdup(c.cols[idx[i]]);
		out->cols[i] = xcalloc(c.nrows + 1, sizeof **out->cols);
	}
	out->dates = xcalloc(c.nrows + 1, sizeof *out->dates);
	for (r = 0; r < c.nrows; r++) {
		int empty = 0;

		for (i = 0; i < ncols; i++)
			empty |= csv_cell(&c, r, idx[i])[0] == '\0';
		if (empty) {
			out->skipped++;
			continue;
		}
		for (i = 0; i < ncols; i++) {
			if (csv_number(&c, r, idx[i], &out->cols[i][out->n], cause) != 0)
				goto fail;
		}
		out->dates[out->n] = xstrdup(datecol >= 0 ? csv_cell(&c, r, datecol) : "");
		out->n++;
	}
	free(idx);
	csv_free(&c);
	return 0;
fail:
	free(idx);
	csv_free(&c);
	series_free(out);
	return -1;
}

/* Frees a series. */
void series_free(struct series *s)
{
	size_t r;
	int i;

	for (i = 0; i < s->ncols; i++) {
		free(s->names[i]);
		free(s->cols[i]);
	}
	for (r = 0; r < s->n && s->dates != NULL; r++)
		free(s->dates[r]);
	free(s->names);
	free(s->cols);
	free(s->dates);
	memset(s, 0, sizeof *s);
}
