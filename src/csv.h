/*
 * csv.h -- reading CSV files with a header: chains, series, bars.
 *
 * RFC 4180 quoting, comma separator, CRLF or LF line ends, a header row
 * whose names are matched case-insensitively.  The whole file is read and
 * checked up front (size limit, NUL bytes, UTF-8, ragged rows), so every
 * later error can name FILE:LINE and the column.
 */
#ifndef QD_CSV_H
#define QD_CSV_H

#include <stddef.h>

struct csv {
	char *path;
	int ncols;
	char **cols;            /* header names as written */
	size_t nrows;
	char ***cells;          /* nrows x ncols strings (trimmed) */
	int *lineno;            /* the file line of each row */
};

/* Reads a whole CSV file; 0 or -1 with cause naming FILE:LINE. */
int csv_read(const char *path, struct csv *out, char **cause);
/* Parses CSV text held in memory (name is used in messages). */
int csv_parse(const char *name, const char *text, size_t len, struct csv *out, char **cause);
void csv_free(struct csv *c);
/* Returns the index of a column (case-insensitive), or -1. */
int csv_col(const struct csv *c, const char *name);
/* Returns the cell text of a row (empty string when missing). */
const char *csv_cell(const struct csv *c, size_t row, int col);
/* Parses a cell as a finite number; -1 with cause "FILE:LINE: column
 * 'NAME': expected a number, got 'TEXT'" otherwise. */
int csv_number(const struct csv *c, size_t row, int col, double *out, char **cause);

#endif
