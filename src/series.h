/*
 * series.h -- time series from CSV files, for `ou fit`, `coint` and `vol`.
 *
 * A series file is CSV with a header: a `date` column (or `time`) and one
 * or more numeric columns.  The caller names the columns it wants; a row
 * whose wanted cells are all present is kept, a row with an empty wanted
 * cell is skipped and counted (markets have holidays), and a cell that is
 * present but not a finite number is an error naming FILE:LINE and the
 * column.
 */
#ifndef QD_SERIES_H
#define QD_SERIES_H

#include <stddef.h>

struct series {
	size_t n;               /* rows kept */
	size_t skipped;         /* rows skipped for an empty wanted cell */
	int ncols;
	char **names;           /* the wanted column names as in the header */
	double **cols;          /* ncols arrays of n values */
	char **dates;           /* n date strings ("" when there is no date column) */
};

/* Reads the wanted columns (ncols names; ncols 0 = every numeric column
 * other than date) from a CSV file; 0 or -1 with cause. */
int series_read(const char *path, const char *const *want, int ncols, struct series *out,
    char **cause);
/* Splits "A,B,C" into a NULL-terminated array (free with series_names_free). */
char **series_split_names(const char *list, int *n);
void series_names_free(char **names);
void series_free(struct series *s);

#endif
