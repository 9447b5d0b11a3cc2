/*
 * csv.c -- a strict CSV reader (see csv.h).
 *
 * Strictness is the point: a chain or series that is silently misread
 * would feed a model garbage.  Rows with the wrong number of cells,
 * unterminated quotes, NUL bytes and invalid UTF-8 are errors with their
 * line numbers.  Blank lines are skipped.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "util.h"

#define CSV_MAX_BYTES (512u << 20)

/* Strips blanks around an unquoted cell in place. */
static char *csv_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* Splits the record starting at *pos into cells; advances *pos past it and
 * counts the lines it spans.  Returns the cells (caller frees) or NULL. */
static char **csv_record(const char *name, const char *t, size_t len, size_t *pos,
    int *line, int *ncells, char **cause)
{
	char **cells = NULL;
	int n = 0, cap = 0, start_line = *line;
	struct buf cell;
	size_t i = *pos;
	int quoted = 0, was_quoted = 0;

	buf_init(&cell);
	for (;;) {
		char c = i < len ? t[i] : '\n';
		int end = i >= len;

		if (quoted) {
			if (end) {
				*cause = xasprintf("%s:%d: unterminated quoted field", name, start_line);
				goto fail;
			}
			if (c == '"' && i + 1 < len && t[i + 1] == '"') {
				buf_addc(&cell, '"');
				i += 2;
				continue;
			}
			if (c == '"')
				quoted = 0;
			else {
				if (c == '\n')
					(*line)++;
				buf_addc(&cell, c);
			}
			i++;
			continue;
		}
		if (c == '"' && cell.len == 0 && !was_quoted) {
			quoted = was_quoted = 1;
			i++;
			continue;
		}
		if (c == ',' || c == '\n' || (c == '\r' && (i + 1 >= len || t[i + 1] == '\n'))) {
			if (n + 1 >= cap) {
				cap = cap ? cap * 2 : 16;
				cells = xrealloc(cells, (size_t)cap * sizeof *cells);
			}
			buf_adds(&cell, "");
			cells[n++] = xstrdup(was_quoted ? cell.data : csv_trim(cell.data));
			buf_reset(&cell);
			was_quoted = 0;
			if (c == '\r')
				i++;
			i++;
			if (c != ',')
				break;
			continue;
		}
		if (was_quoted && c != ' ' && c != '\t') {
			*cause = xasprintf("%s:%d: text after a closing quote", name, *line);
			goto fail;
		}
		if (!was_quoted)
			buf_addc(&cell, c);
		i++;
	}
	(*line)++;
	*pos = i;
	*ncells = n;
	buf_free(&cell);
	return cells;
fail:
	while (n > 0)
		free(cells[--n]);
	free(cells);
	buf_free(&cell);
	return NULL;
}

/* Returns 1 when the record holds only empty cells (a blank line). */
static int csv_blank(char **cells, int n)
{
	return n == 1 && cells[0][0] == '\0';
}

/* Parses CSV text. */
int csv_parse(const char *name, const char *text, size_t len, struct csv *out, char **cause)
{
	size_t pos = 0, cap = 0;
	int line = 1, n, i;
	char **cells;

	memset(out, 0, sizeof *out);
	out->path = xstrdup(name);
	if (memchr(text, '\0', len) != NULL) {
		const char *z = memchr(text, '\0', len);
		int l = 1;

		for (const char *p = text; p < z; p++)
			l += *p == '\n';
		*cause = xasprintf("%s:%d: binary data (NUL byte)", name, l);
		goto fail;
	}
	if (!utf8_valid(text, len)) {
		*cause = xasprintf("%s: invalid UTF-8", name);
		goto fail;
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;        /* a byte-order mark */
	while (pos < len) {
		int at = line;

		if ((cells = csv_record(name, text, len, &pos, &line, &n, cause)) == NULL)
			goto fail;
		if (csv_blank(cells, n)) {
			free(cells[0]);
			free(cells);
			continue;
		}
		if (out->cols == NULL) {
			for (i = 0; i < n; i++) {
				if (cells[i][0] == '\0') {
					*cause = xasprintf("%s:%d: empty column name in the header",
					    name, at);
					out->cols = cells;
					out->ncols = n;
					goto fail;
				}
			}
			out->cols = cells;
			out->ncols = n;
			continue;
		}
		if (n != out->ncols) {
			*cause = xasprintf("%s:%d: %d fields, the header has %d", name, at, n,
			    out->ncols);
			for (i = 0; i < n; i++)
				free(cells[i]);
			free(cells);
			goto fail;
		}
		if (out->nrows == cap) {
			cap = cap ? cap * 2 : 64;
			out->cells = xrealloc(out->cells, cap * sizeof *out->cells);
			out->lineno = xrealloc(out->lineno, cap * sizeof *out->lineno);
		}
		out->cells[out->nrows] = cells;
		out->lineno[out->nrows++] = at;
	}
	if (out->cols == NULL) {
		*cause = xasprintf("%s: empty file (no header)", name);
		goto fail;
	}
	return 0;
fail:
	csv_free(out);
	return -1;
}

/* Reads and parses a file. */
int csv_read(const char *path, struct csv *out, char **cause)
{
	struct buf b;
	char chunk[65536];
	FILE *f;
	size_t n;
	int rc;

	memset(out, 0, sizeof *out);
	if ((f = fopen(path, "rb")) == NULL) {
		*cause = xasprintf("%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	buf_init(&b);
	buf_adds(&b, "");
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf_add(&b, chunk, n);
		if (b.len > CSV_MAX_BYTES) {
			*cause = xasprintf("%s: larger than %u MiB", path, CSV_MAX_BYTES >> 20);
			fclose(f);
			buf_free(&b);
			return -1;
		}
	}
	if (ferror(f)) {
		*cause = xasprintf("%s: read error: %s", path, strerror(errno));
		fclose(f);
		buf_free(&b);
		return -1;
	}
	fclose(f);
	rc = csv_parse(path, b.data, b.len, out, cause);
	buf_free(&b);
	return rc;
}

/* Frees a parsed file. */
void csv_free(struct csv *c)
{
	size_t r;
	int i;

	for (r = 0; r < c->nrows; r++) {
		for (i = 0; i < c->ncols; i++)
			free(c->cells[r][i]);
		free(c->cells[r]);
	}
	for (i = 0; i < c->ncols && c->cols != NULL; i++)
		free(c->cols[i]);
	free(c->cols);
	free(c->cells);
	free(c->lineno);
	free(c->path);
	memset(c, 0, sizeof *c);
}

/* Finds a column by name. */
int csv_col(const struct csv *c, const char *name)
{
	int i;

	for (i = 0; i < c->ncols; i++) {
		if (strcasecmp(c->cols[i], name) == 0)
			return i;
	}
	return -1;
}

/* Returns a cell's text. */
const char *csv_cell(const struct csv *c, size_t row, int col)
{
	if (row >= c->nrows || col < 0 || col >= c->ncols)
		return "";
	return c->cells[row][col];
}

/* Parses a numeric cell. */
int csv_number(const struct csv *c, size_t row, int col, double *out, char **cause)
{
	const char *s = csv_cell(c, row, col);

	if (parse_double(s, out) != 0) {
		*cause = xasprintf("%s:%d: column '%s': expected a number, got '%s'", c->path,
		    c->lineno[row], c->cols[col], s);
		return -1;
	}
	return 0;
}
