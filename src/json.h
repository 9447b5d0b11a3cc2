/*
 * json.h -- a small strict JSON (RFC 8259) parser for provider responses
 * and cached parameters.
 *
 * The HTTP feeds (feed-alpaca.c, feed-tradier.c) and the parameter cache
 * (cache.c) receive JSON from outside the process; this module turns it
 * into a read-only tree (a DOM) or refuses it with an error that names the
 * byte offset, line and column and says what was expected.  It accepts
 * exactly RFC 8259: no comments, no trailing commas, no single quotes, no
 * NaN/Infinity, no leading zeros, no raw control characters in strings, no
 * invalid UTF-8, no lone surrogates, no byte-order mark, nothing after the
 * value.  Limits keep hostile input cheap: nesting depth JSON_MAX_DEPTH,
 * numbers that overflow a double are refused.  The parser never reads past
 * the given length and does not need a terminating NUL.
 *
 * Every node lives in one arena owned by the document, so a parse is a
 * handful of allocations and json_free() releases everything at once --
 * except that each thread keeps its largest arena chunk (at most 8 MiB)
 * for its next parse, since a feed parses responses of much the same size
 * every poll; that memory is freed when the thread ends.
 * Strings are decoded to NUL-terminated UTF-8 (a "\u0000" escape is
 * refused, since every consumer here uses C strings).  Duplicate object
 * keys are kept; json_get() returns the first.
 */
#ifndef QD_JSON_H
#define QD_JSON_H

#include <stddef.h>

#define JSON_MAX_DEPTH 128

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_member;

/* One value of the tree. */
struct json {
	enum json_type type;
	size_t offset;                  /* byte offset of the value in the text */
	union {
		int boolean;
		double number;
		struct {
			const char *s;  /* NUL-terminated, valid UTF-8 */
			size_t len;
		} string;
		struct {
			struct json **items;
			size_t n;
		} array;
		struct {
			struct json_member *members;
			size_t n;
		} object;
	} u;
};

struct json_member {
	const char *key;                /* NUL-terminated */
	size_t keylen;
	struct json *value;
};

struct json_doc;

/* Parses len bytes of text; returns the document, or NULL with *cause set
 * to "JSON error at offset N (line L, column C): ...". */
struct json_doc *json_parse(const char *text, size_t len, char **cause);
/* The root value of a document. */
const struct json *json_root(const struct json_doc *d);
/* Frees a document and every value in it (NULL is fine). */
void json_free(struct json_doc *d);

/* Returns the member of an object by key, or NULL (also when v is not an
 * object). */
const struct json *json_get(const struct json *v, const char *key);
/* Number of items of an array or members of an object; 0 otherwise. */
size_t json_count(const struct json *v);
/* Item i of an array, or NULL. */
const struct json *json_at(const struct json *v, size_t i);
/* The type's name for error messages ("null", "number", "object"...). */
const char *json_type_name(enum json_type t);

#endif
