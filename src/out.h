/*
 * out.h -- how every command prints its results.
 *
 * A command never calls printf.  It emits records: out_begin(), one
 * out_str/out_num/out_int/out_bool per field, out_end().  The sink turns
 * each record into human text ("field  value" lines, or CSV rows when the
 * command declared a table) or, with --json, into one JSON object per line
 * (JSON Lines).  Numbers are printed so that they read back to the same
 * double.  Free text (help, echo) goes through out_text().
 */
#ifndef QD_OUT_H
#define QD_OUT_H

#include "util.h"

struct out_field {
	char *key;
	char *val;              /* formatted value */
	int quoted;             /* a JSON string rather than a number/literal */
};

struct out {
	int json;               /* JSON Lines instead of text */
	int table;              /* text mode: print records as CSV rows */
	int header_done;        /* table header printed */
	int nrecords;           /* records printed since out_reset */
	struct out_field *fields;
	int nfields, capfields;
	/* Receives each finished line without its newline. */
	void (*write)(void *arg, const char *line);
	void *arg;
};

/* Prepares a sink that writes lines through fn(arg, line). */
void out_init(struct out *o, void (*fn)(void *, const char *), void *arg);
void out_free(struct out *o);
/* Forgets table state between commands. */
void out_reset(struct out *o);
/* A write function that prints each line to the FILE * given as arg. */
void out_write_file(void *arg, const char *line);

/* Declares that the following records form a table (CSV in text mode). */
void out_table(struct out *o);
void out_begin(struct out *o);
void out_str(struct out *o, const char *key, const char *val);
void out_num(struct out *o, const char *key, double val);
void out_int(struct out *o, const char *key, long long val);
void out_bool(struct out *o, const char *key, int val);
void out_end(struct out *o);
/* Prints a line of free text ({"text": ...} in JSON mode). */
void out_text(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
