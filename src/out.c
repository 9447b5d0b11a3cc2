/*
 * out.c -- record formatting for text, CSV tables and JSON Lines.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"

/* Prepares a sink. */
void out_init(struct out *o, void (*fn)(void *, const char *), void *arg)
{
	memset(o, 0, sizeof *o);
	o->write = fn;
	o->arg = arg;
}

/* Drops the fields of the record under construction. */
static void out_clear_fields(struct out *o)
{
	int i;

	for (i = 0; i < o->nfields; i++) {
		free(o->fields[i].key);
		free(o->fields[i].val);
	}
	o->nfields = 0;
}

/* Releases a sink's memory. */
void out_free(struct out *o)
{
	out_clear_fields(o);
	free(o->fields);
	o->fields = NULL;
	o->capfields = 0;
}

/* Forgets per-command state. */
void out_reset(struct out *o)
{
	out_clear_fields(o);
	o->table = 0;
	o->header_done = 0;
	o->nrecords = 0;
}

/* Prints a line to a FILE *. */
void out_write_file(void *arg, const char *line)
{
	FILE *f = arg;

	fputs(line, f);
	fputc('\n', f);
}

/* Declares a table. */
void out_table(struct out *o)
{
	o->table = 1;
}

/* Starts a record. */
void out_begin(struct out *o)
{
	out_clear_fields(o);
}

/* Adds a formatted field. */
static void out_add(struct out *o, const char *key, char *val, int quoted)
{
	if (o->nfields == o->capfields) {
		o->capfields = o->capfields ? o->capfields * 2 : 16;
		o->fields = xrealloc(o->fields, (size_t)o->capfields * sizeof *o->fields);
	}
	o->fields[o->nfields].key = xstrdup(key);
	o->fields[o->nfields].val = val;
	o->fields[o->nfields].quoted = quoted;
	o->nfields++;
}

/* Adds a string field. */
void out_str(struct out *o, const char *key, const char *val)
{
	out_add(o, key, xstrdup(val != NULL ? val : ""), 1);
}

/* Adds a number field that reads back exactly. */
void out_num(struct out *o, const char *key, double val)
{
	struct buf b;

	buf_init(&b);
	buf_add_double(&b, val, o->json);
	out_add(o, key, b.data, 0);
}

/* Adds an integer field. */
void out_int(struct out *o, const char *key, long long val)
{
	out_add(o, key, xasprintf("%lld", val), 0);
}

/* Adds a boolean field. */
void out_bool(struct out *o, const char *key, int val)
{
	out_add(o, key, xstrdup(val ? "true" : "false"), 0);
}

/* Appends a CSV cell, quoting it when it holds a separator or quote. */
static void out_csv_cell(struct buf *b, const char *s)
{
	const char *p;

	if (strpbrk(s, ",\"\n\r") == NULL) {
		buf_adds(b, s);
		return;
	}
	buf_addc(b, '"');
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			buf_addc(b, '"');
		buf_addc(b, *p);
	}
	buf_addc(b, '"');
}

/* Finishes a record and writes it. */
void out_end(struct out *o)
{
	struct buf b;
	int i, w = 0;

	buf_init(&b);
	if (o->json) {
		buf_addc(&b, '{');
		for (i = 0; i < o->nfields; i++) {
			if (i > 0)
				buf_addc(&b, ',');
			buf_add_json_string(&b, o->fields[i].key);
			buf_addc(&b, ':');
			if (o->fields[i].quoted)
				buf_add_json_string(&b, o->fields[i].val);
			else
				buf_adds(&b, o->fields[i].val);
		}
		buf_addc(&b, '}');
		o->write(o->arg, b.data);
	} else if (o->table) {
		if (!o->header_done) {
			for (i = 0; i < o->nfields; i++) {
				if (i > 0)
					buf_addc(&b, ',');
				out_csv_cell(&b, o->fields[i].key);
			}
			o->write(o->arg, b.data);
			buf_reset(&b);
			o->header_done = 1;
		}
		for (i = 0; i < o->nfields; i++) {
			if (i > 0)
				buf_addc(&b, ',');
			out_csv_cell(&b, o->fields[i].val);
		}
		o->write(o->arg, b.data != NULL ? b.data : "");
	} else {
		if (o->nrecords > 0)
			o->write(o->arg, "");
		for (i = 0; i < o->nfields; i++) {
			int n = (int)strlen(o->fields[i].key);

			if (n > w)
				w = n;
		}
		for (i = 0; i < o->nfields; i++) {
			buf_reset(&b);
			buf_printf(&b, "%-*s  %s", w, o->fields[i].key, o->fields[i].val);
			o->write(o->arg, b.data);
		}
	}
	o->nrecords++;
	buf_free(&b);
	out_clear_fields(o);
}

/* Prints a line of free text. */
void out_text(struct out *o, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	if (o->json) {
		struct buf b;

		buf_init(&b);
		buf_adds(&b, "{\"text\":");
		buf_add_json_string(&b, s);
		buf_addc(&b, '}');
		o->write(o->arg, b.data);
		buf_free(&b);
	} else
		o->write(o->arg, s);
	free(s);
}
