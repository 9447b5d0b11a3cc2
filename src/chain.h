/*
 * chain.h -- option chain files: the CSV format every option command reads
 * (help chain-format).
 *
 * chain_load() reads the file with the strict CSV reader, finds the known
 * columns by name (case-insensitive, with a few common aliases), converts
 * each row into a `struct chain_row` and keeps the CSV so that commands can
 * read extra per-row columns (model parameters) and print every input
 * column back beside their results.  Any bad cell is an error naming
 * FILE:LINE and the column.
 */
#ifndef QD_CHAIN_H
#define QD_CHAIN_H

#include <stddef.h>

#include "csv.h"

struct chain_row {
	double maturity;        /* years */
	double strike;
	int type;               /* 'C', 'P', or 0 when the file has no type */
	double price;           /* quote: price, or the bid/ask mid; NaN if none */
	double bid, ask;        /* NaN when absent */
	double implied_vol;     /* NaN when absent */
	double spot, forward;   /* NaN when absent */
	double rate, dividend;  /* NaN when absent (the command's defaults apply) */
	double weight;          /* 1 when absent */
	const char *underlying; /* "" when absent (points into the CSV) */
	int line;               /* file line of the row */
};

struct chain_file {
	struct csv csv;
	size_t n;
	struct chain_row *rows;
};

/* The columns of the chain format; each has one or more names
 * (help chain-format).  Shared with the importer (market-csv.c) so the
 * format is defined once. */
enum chain_column {
	CHAIN_C_MATURITY, CHAIN_C_DAYS, CHAIN_C_EXPIRY, CHAIN_C_STRIKE, CHAIN_C_TYPE,
	CHAIN_C_PRICE, CHAIN_C_BID, CHAIN_C_ASK, CHAIN_C_IV, CHAIN_C_SPOT, CHAIN_C_FORWARD,
	CHAIN_C_RATE, CHAIN_C_DIVIDEND, CHAIN_C_WEIGHT, CHAIN_C_UNDERLYING,
	CHAIN_NCOLUMNS
};

/* Returns the index in c of a chain column under any of its names, or -1. */
int chain_column(const struct csv *c, enum chain_column id);

/* What a command needs from a chain. */
#define CHAIN_NEED_QUOTE 0x1    /* a price, bid/ask or implied_vol column */
#define CHAIN_NEED_TYPE  0x2    /* a type column */
#define CHAIN_NEED_PRICE 0x4    /* a price or bid/ask column */

/* Loads a chain file.  date (YYYYMMDD, or 0) converts an expiry column to
 * maturities; 0 or -1 with cause naming FILE:LINE. */
int chain_load(const char *path, int date, int need, struct chain_file *out, char **cause);
void chain_free(struct chain_file *c);
/* Reads an optional numeric per-row column: 1 and *v when the file has it,
 * 0 when it does not, -1 with cause when the cell is bad. */
int chain_row_number(const struct chain_file *c, size_t row, const char *col, double *v,
    char **cause);

struct out;
/* Prints row `row` of the chain: its input columns, then the results
 * (names[i] = values[i]); a result whose name matches an input column
 * replaces that column's value in place. */
void chain_out_row(struct out *o, const struct chain_file *c, size_t row,
    const char *const *names, const double *values, int nres);

#endif
