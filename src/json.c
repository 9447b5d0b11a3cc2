/*
 * json.c -- the strict JSON parser of json.h: a recursive-descent reader
 * over a byte range that builds the tree in an arena.
 *
 * It exists because the HTTP feeds and the Redis parameter cache take JSON
 * from outside the process, and no JSON library is a dependency of qdesk.
 * Recursion is bounded by JSON_MAX_DEPTH; children of arrays and objects
 * are collected on one scratch stack shared by all levels and copied into
 * the arena when their container closes.  Numbers are checked against the
 * RFC 8259 grammar first and converted with strtod_l() in the C locale
 * (the console sets LC_ALL from the environment, and a decimal comma must
 * not change what a price means).  Every byte is bounds-checked against
 * the end pointer: the text needs no terminating NUL.
 */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

#define JSON_ARENA_CHUNK 16384   /* first arena chunk; each next one doubles */
#define JSON_ARENA_MAX (1u << 20)  /* ...up to this size */
#define JSON_SPARE_MAX (8u << 20)  /* largest chunk a thread keeps for its next parse */
#define JSON_NUMBER_MAX 512     /* longest number literal accepted, in bytes */

struct json_chunk {
	struct json_chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct json_doc {
	struct json_chunk *chunks;
	struct json *root;
};

/* The parser's state while it walks one text. */
struct json_parser {
	const unsigned char *start, *p, *end;
	struct json_doc *doc;
	int depth;
	char *err;                      /* first error, with its position */
	struct json_member *stack;      /* children of open containers */
	size_t nstack, capstack;
};

static locale_t json_c_locale;
static pthread_once_t json_locale_once = PTHREAD_ONCE_INIT;
/* Each thread keeps the largest chunk of its last document for the next
 * parse: a feed parses a response of much the same size every poll, and
 * reusing the memory spares the page faults of fresh allocations (which
 * dominated the parse time in the benchmarks).  Freed at thread exit. */
static pthread_key_t json_spare_key;
static _Thread_local size_t json_size_hint;     /* arena bytes the last document used */

static struct json *json_value(struct json_parser *jp);

/* Creates the C locale used for number conversion and the spare-chunk
 * key, once per process. */
static void json_locale_init(void)
{
	json_c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (json_c_locale == (locale_t)0)
		fatal("json: cannot create the C locale");
	if (pthread_key_create(&json_spare_key, free) != 0)
		fatal("json: cannot create a thread key");
}

/* Returns a chunk of at least min bytes (preferably want), reusing the
 * thread's spare one when it is large enough. */
static struct json_chunk *json_chunk_new(size_t min, size_t want)
{
	struct json_chunk *c = pthread_getspecific(json_spare_key);

	if (want < min)
		want = min;
	if (c != NULL)
		pthread_setspecific(json_spare_key, NULL);
	if (c == NULL || c->size < want) {
		free(c);
		c = xmalloc(sizeof *c + want);
		c->size = want;
	}
	c->used = 0;
	return c;
}

/* Returns size bytes of zeroed memory from the document's arena, aligned
 * for the tree's structs (align 8) or not at all (align 1, for strings).
 * Chunks grow with the document, so a large response takes few mallocs. */
static void *json_alloc_aligned(struct json_doc *d, size_t size, size_t align)
{
	struct json_chunk *c = d->chunks;
	size_t start;
	void *p;

	start = c != NULL ? (c->used + align - 1) / align * align : 0;
	if (c == NULL || start > c->size || c->size - start < size) {
		size_t sz = c == NULL ? (json_size_hint > JSON_ARENA_CHUNK ? json_size_hint :
		    JSON_ARENA_CHUNK) : c->size < JSON_ARENA_MAX / 2 ? c->size * 2 : JSON_ARENA_MAX;

		c = json_chunk_new(size, sz);
		c->next = d->chunks;
		d->chunks = c;
		start = 0;
	}
	p = (char *)c->data + start;
	c->used = start + size;
	memset(p, 0, size);
	return p;
}

/* Returns zeroed memory for structs of the tree. */
static void *json_alloc(struct json_doc *d, size_t size)
{
	return json_alloc_aligned(d, size, 8);
}

/* Records the first error at position at as "JSON error at offset N (line
 * L, column C): MESSAGE" and returns NULL for the callers' convenience. */
static void *json_fail(struct json_parser *jp, const unsigned char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void *json_fail(struct json_parser *jp, const unsigned char *at, const char *fmt, ...)
{
	const unsigned char *q;
	size_t line = 1, col = 1;
	va_list ap;
	char *msg;

	if (jp->err != NULL)
		return NULL;
	for (q = jp->start; q < at; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else if ((*q & 0xc0) != 0x80)
			col++;
	}
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	jp->err = xasprintf("JSON error at offset %zu (line %zu, column %zu): %s",
	    (size_t)(at - jp->start), line, col, msg);
	free(msg);
	return NULL;
}

/* Describes the byte at p for an error message. */
static const char *json_what(struct json_parser *jp, const unsigned char *p, char *buf, size_t len)
{
	if (p >= jp->end)
		snprintf(buf, len, "end of input");
	else if (*p >= 0x21 && *p < 0x7f)
		snprintf(buf, len, "'%c'", *p);
	else if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		snprintf(buf, len, "whitespace");
	else
		snprintf(buf, len, "byte 0x%02x", *p);
	return buf;
}

/* Fails with "expected WHAT, got X" at the current position. */
static void *json_expected(struct json_parser *jp, const char *what)
{
	char got[32];

	return json_fail(jp, jp->p, "expected %s, got %s", what,
	    json_what(jp, jp->p, got, sizeof got));
}

/* Skips the four JSON whitespace characters. */
static void json_ws(struct json_parser *jp)
{
	while (jp->p < jp->end &&
	    (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r'))
		jp->p++;
}

/* Pushes one child of the innermost open container. */
static void json_push(struct json_parser *jp, const char *key, size_t keylen, struct json *v)
{
	if (jp->nstack == jp->capstack) {
		jp->capstack = jp->capstack == 0 ? 64 : jp->capstack * 2;
		jp->stack = xrealloc(jp->stack, jp->capstack * sizeof *jp->stack);
	}
	jp->stack[jp->nstack].key = key;
	jp->stack[jp->nstack].keylen = keylen;
	jp->stack[jp->nstack].value = v;
	jp->nstack++;
}

/* Returns a new node of type t at the current position. */
static struct json *json_node(struct json_parser *jp, enum json_type t, const unsigned char *at)
{
	struct json *v = json_alloc(jp->doc, sizeof *v);

	v->type = t;
	v->offset = (size_t)(at - jp->start);
	return v;
}

/* Reads 4 hex digits at p into *cp; 0 or -1. */
static int json_hex4(const unsigned char *p, const unsigned char *end, unsigned *cp)
{
	unsigned v = 0;
	int i;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		unsigned c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	*cp = v;
	return 0;
}

/* Writes code point cp as UTF-8 at out; returns the bytes written. */
static size_t json_utf8(unsigned cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Returns the length of the valid UTF-8 sequence at p, or 0 when it is
 * invalid (overlong, surrogate, beyond U+10FFFF or cut short). */
static size_t json_utf8_len(const unsigned char *p, const unsigned char *end)
{
	size_t len, k;
	unsigned cp, c = *p;

	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if ((size_t)(end - p) < len)
		return 0;
	for (k = 1; k < len; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[k] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* Parses a string at the opening quote; returns its decoded text in the
 * arena (and its length in *lenp), or NULL after an error. */
static char *json_string(struct json_parser *jp, size_t *lenp)
{
	const unsigned char *open = jp->p, *q = jp->p + 1;
	char *out, *o;

	/* First pass: find the closing quote so the output can be sized. */
	while (q < jp->end && *q != '"')
		q += (*q == '\\') ? 2 : 1;
	if (q >= jp->end)
		return json_fail(jp, jp->end,
		    "unexpected end of input in the string that starts at offset %zu",
		    (size_t)(open - jp->start));
	out = o = json_alloc_aligned(jp->doc, (size_t)(q - open), 1);
	jp->p = open + 1;
	while (*jp->p != '"') {
		const unsigned char *at = jp->p;
		unsigned c = *jp->p, cp, lo;
		size_t n;

		if (c < 0x20)
			return json_fail(jp, at, "control character 0x%02x in a string "
			    "(must be escaped)", c);
		if (c >= 0x80) {
			if ((n = json_utf8_len(jp->p, jp->end)) == 0)
				return json_fail(jp, at, "invalid UTF-8 in a string");
			memcpy(o, jp->p, n);
			o += n;
			jp->p += n;
			continue;
		}
		if (c != '\\') {
			*o++ = (char)c;
			jp->p++;
			continue;
		}
		jp->p++;
		switch (*jp->p) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (json_hex4(jp->p + 1, jp->end, &cp) != 0)
				return json_fail(jp, at, "\\u must be followed by 4 hex digits");
			jp->p += 4;
			if (cp == 0)
				return json_fail(jp, at, "\\u0000 (NUL) in a string is not "
				    "supported");
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return json_fail(jp, at, "lone low surrogate \\u%04x", cp);
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (jp->end - jp->p < 3 || jp->p[1] != '\\' || jp->p[2] != 'u' ||
				    json_hex4(jp->p + 3, jp->end, &lo) != 0 ||
				    lo < 0xdc00 || lo > 0xdfff)
					return json_fail(jp, at, "high surrogate \\u%04x not "
					    "followed by a low surrogate", cp);
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				jp->p += 6;
			}
			o += json_utf8(cp, o);
			break;
		default:
			return json_fail(jp, at, "invalid escape '\\%c' in a string",
			    (*jp->p >= 0x21 && *jp->p < 0x7f) ? *jp->p : '?');
		}
		jp->p++;
	}
	jp->p++;
	*o = '\0';
	*lenp = (size_t)(o - out);
	return out;
}

/* Parses a number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static struct json *json_number(struct json_parser *jp)
{
	const unsigned char *s = jp->p, *p = jp->p, *end = jp->end;
	char buf[JSON_NUMBER_MAX + 1];
	struct json *v;
	double d;

	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0') {
		p++;
		if (p < end && *p >= '0' && *p <= '9')
			return json_fail(jp, s, "number with a leading zero");
	} else if (p < end && *p >= '1' && *p <= '9') {
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	} else {
		jp->p = p;
		return json_expected(jp, "a digit");
	}
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9') {
			jp->p = p;
			return json_expected(jp, "a digit after the decimal point");
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9') {
			jp->p = p;
			return json_expected(jp, "a digit in the exponent");
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p - s > JSON_NUMBER_MAX)
		return json_fail(jp, s, "number longer than %d characters", JSON_NUMBER_MAX);
	memcpy(buf, s, (size_t)(p - s));
	buf[p - s] = '\0';
	d = strtod_l(buf, NULL, json_c_locale);
	if (!isfinite(d))
		return json_fail(jp, s, "number %.40s%s is out of the range of a double", buf,
		    p - s > 40 ? "..." : "");
	v = json_node(jp, JSON_NUMBER, s);
	v->u.number = d;
	jp->p = p;
	return v;
}

/* Parses one of the literals true, false and null. */
static struct json *json_literal(struct json_parser *jp)
{
	static const struct { const char *word; enum json_type t; int b; } lits[] = {
		{ "true", JSON_BOOL, 1 }, { "false", JSON_BOOL, 0 }, { "null", JSON_NULL, 0 },
	};
	size_t i, n, avail = (size_t)(jp->end - jp->p);
	struct json *v;

	for (i = 0; i < sizeof lits / sizeof lits[0]; i++) {
		n = strlen(lits[i].word);
		if (avail >= n && memcmp(jp->p, lits[i].word, n) == 0) {
			v = json_node(jp, lits[i].t, jp->p);
			v->u.boolean = lits[i].b;
			jp->p += n;
			return v;
		}
		if (avail < n && memcmp(jp->p, lits[i].word, avail) == 0)
			return json_fail(jp, jp->end, "unexpected end of input in '%s'",
			    lits[i].word);
	}
	return json_expected(jp, "a value");
}

/* Parses an array at '['. */
static struct json *json_array(struct json_parser *jp)
{
	struct json *v = json_node(jp, JSON_ARRAY, jp->p), *item;
	size_t base = jp->nstack, i;

	jp->p++;
	json_ws(jp);
	if (jp->p < jp->end && *jp->p == ']') {
		jp->p++;
		return v;
	}
	for (;;) {
		if ((item = json_value(jp)) == NULL)
			return NULL;
		json_push(jp, NULL, 0, item);
		json_ws(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jp->p++;
			json_ws(jp);
			if (jp->p < jp->end && *jp->p == ']')
				return json_fail(jp, jp->p, "trailing comma in an array");
			continue;
		}
		if (jp->p < jp->end && *jp->p == ']')
			break;
		return json_expected(jp, "',' or ']' in an array");
	}
	jp->p++;
	v->u.array.n = jp->nstack - base;
	v->u.array.items = json_alloc(jp->doc, v->u.array.n * sizeof *v->u.array.items);
	for (i = 0; i < v->u.array.n; i++)
		v->u.array.items[i] = jp->stack[base + i].value;
	jp->nstack = base;
	return v;
}

/* Parses an object at '{'. */
static struct json *json_object(struct json_parser *jp)
{
	struct json *v = json_node(jp, JSON_OBJECT, jp->p), *item;
	size_t base = jp->nstack, keylen;
	char *key;

	jp->p++;
	json_ws(jp);
	if (jp->p < jp->end && *jp->p == '}') {
		jp->p++;
		return v;
	}
	for (;;) {
		if (jp->p >= jp->end || *jp->p != '"')
			return json_expected(jp, "a string key in an object");
		if ((key = json_string(jp, &keylen)) == NULL)
			return NULL;
		json_ws(jp);
		if (jp->p >= jp->end || *jp->p != ':')
			return json_expected(jp, "':' after an object key");
		jp->p++;
		if ((item = json_value(jp)) == NULL)
			return NULL;
		json_push(jp, key, keylen, item);
		json_ws(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jp->p++;
			json_ws(jp);
			if (jp->p < jp->end && *jp->p == '}')
				return json_fail(jp, jp->p, "trailing comma in an object");
			continue;
		}
		if (jp->p < jp->end && *jp->p == '}')
			break;
		return json_expected(jp, "',' or '}' in an object");
	}
	jp->p++;
	v->u.object.n = jp->nstack - base;
	v->u.object.members = json_alloc(jp->doc, v->u.object.n * sizeof *v->u.object.members);
	memcpy(v->u.object.members, jp->stack + base, v->u.object.n * sizeof *jp->stack);
	jp->nstack = base;
	return v;
}

/* Parses any value after optional whitespace. */
static struct json *json_value(struct json_parser *jp)
{
	struct json *v;
	size_t len;

	json_ws(jp);
	if (jp->p >= jp->end)
		return json_fail(jp, jp->p, "unexpected end of input, expected a value");
	switch (*jp->p) {
	case '{':
	case '[':
		if (++jp->depth > JSON_MAX_DEPTH)
			return json_fail(jp, jp->p, "nesting deeper than %d levels",
			    JSON_MAX_DEPTH);
		v = *jp->p == '{' ? json_object(jp) : json_array(jp);
		jp->depth--;
		return v;
	case '"':
		v = json_node(jp, JSON_STRING, jp->p);
		if ((v->u.string.s = json_string(jp, &len)) == NULL)
			return NULL;
		v->u.string.len = len;
		return v;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return json_number(jp);
	default:
		return json_literal(jp);
	}
}

/* Parses a whole text into a document. */
struct json_doc *json_parse(const char *text, size_t len, char **cause)
{
	struct json_parser jp;
	struct json_doc *d = xcalloc(1, sizeof *d);

	pthread_once(&json_locale_once, json_locale_init);
	memset(&jp, 0, sizeof jp);
	jp.start = jp.p = (const unsigned char *)(text != NULL ? text : "");
	jp.end = jp.start + (text != NULL ? len : 0);
	jp.doc = d;
	if (len >= 3 && memcmp(jp.p, "\xef\xbb\xbf", 3) == 0)
		json_fail(&jp, jp.p, "byte-order mark before the value");
	else if ((d->root = json_value(&jp)) != NULL) {
		char got[32];

		json_ws(&jp);
		if (jp.p < jp.end)
			json_fail(&jp, jp.p, "unexpected %s after the value",
			    json_what(&jp, jp.p, got, sizeof got));
	}
	free(jp.stack);
	if (jp.err != NULL) {
		json_free(d);
		if (cause != NULL)
			*cause = jp.err;
		else
			free(jp.err);
		return NULL;
	}
	return d;
}

/* Returns the root value. */
const struct json *json_root(const struct json_doc *d)
{
	return d->root;
}

/* Frees a document's arena. */
void json_free(struct json_doc *d)
{
	struct json_chunk *c, *next;

	if (d == NULL)
		return;
	/* The next document of this thread starts with one chunk as large as
	 * this one needed (kept as the spare), instead of a chain of them. */
	json_size_hint = 0;
	for (c = d->chunks; c != NULL; c = c->next)
		json_size_hint += c->size;
	if (json_size_hint > JSON_SPARE_MAX)
		json_size_hint = JSON_SPARE_MAX;
	for (c = d->chunks; c != NULL; c = next) {
		struct json_chunk *spare = pthread_getspecific(json_spare_key);

		next = c->next;
		if (c->size <= JSON_SPARE_MAX && (spare == NULL || c->size > spare->size)) {
			pthread_setspecific(json_spare_key, c);
			c = spare;
		}
		free(c);
	}
	free(d);
}

/* Finds an object member by key (the first when keys repeat). */
const struct json *json_get(const struct json *v, const char *key)
{
	size_t i, n;

	if (v == NULL || v->type != JSON_OBJECT)
		return NULL;
	n = strlen(key);
	for (i = 0; i < v->u.object.n; i++) {
		const struct json_member *m = &v->u.object.members[i];

		if (m->keylen == n && memcmp(m->key, key, n) == 0)
			return m->value;
	}
	return NULL;
}

/* Counts the children of an array or object. */
size_t json_count(const struct json *v)
{
	if (v == NULL)
		return 0;
	if (v->type == JSON_ARRAY)
		return v->u.array.n;
	if (v->type == JSON_OBJECT)
		return v->u.object.n;
	return 0;
}

/* Returns array item i, or NULL. */
const struct json *json_at(const struct json *v, size_t i)
{
	if (v == NULL || v->type != JSON_ARRAY || i >= v->u.array.n)
		return NULL;
	return v->u.array.items[i];
}

/* Names a type for messages. */
const char *json_type_name(enum json_type t)
{
	switch (t) {
	case JSON_NULL: return "null";
	case JSON_BOOL: return "boolean";
	case JSON_NUMBER: return "number";
	case JSON_STRING: return "string";
	case JSON_ARRAY: return "array";
	case JSON_OBJECT: return "object";
	}
	return "?";
}
