/*
 * fuzz-json.c -- fuzz harness for the JSON parser (src/json.c).
 *
 * Built two ways.  As a check program (the default, run by `make check`)
 * main() feeds a bounded number of inputs -- the providers' documented
 * responses and edge cases, mutated (bit flips, random bytes, inserted
 * JSON tokens, deletions, duplications, truncations, splices) plus pure
 * random bytes -- from a fixed seed, so a run is reproducible.  With
 * -DQD_LIBFUZZER it is a libFuzzer target (clang -fsanitize=fuzzer).
 *
 * Every input is copied into a buffer of exactly its size, so
 * AddressSanitizer catches any read past the end.  Properties checked:
 * a refusal names an offset within the input; an accepted tree has
 * offsets inside the input, finite numbers, valid UTF-8 strings without
 * NUL, depth within JSON_MAX_DEPTH; and printing the tree back as JSON
 * gives text that parses to an equal tree and prints identically (a
 * second method: the printer is independent of the parser).
 *
 * Usage: fuzz-json [ITERATIONS [SEED]]   (default 30000, 20240601)
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *fuzz_input;
static size_t fuzz_size;
static unsigned long fuzz_accepted, fuzz_rejected;

/* Reports a broken property with the input in hex, then aborts. */
#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		size_t i_;						\
		fprintf(stderr, "fuzz-json: property failed: " __VA_ARGS__);	\
		fprintf(stderr, "\ninput (%zu bytes):", fuzz_size);	\
		for (i_ = 0; i_ < fuzz_size; i_++)			\
			fprintf(stderr, " %02x", fuzz_input[i_]);	\
		fprintf(stderr, "\n");					\
		abort();						\
	}								\
} while (0)

/* Checks the invariants of an accepted tree. */
static void fuzz_check_tree(const struct json *v, int depth)
{
	size_t i;

	FUZZ_CHECK(v != NULL, "NULL node");
	FUZZ_CHECK(v->offset < fuzz_size, "offset %zu beyond %zu", v->offset, fuzz_size);
	FUZZ_CHECK(depth <= JSON_MAX_DEPTH + 1, "depth %d", depth);
	switch (v->type) {
	case JSON_NUMBER:
		FUZZ_CHECK(v->u.number - v->u.number == 0, "non-finite number");
		break;
	case JSON_STRING:
		FUZZ_CHECK(strlen(v->u.string.s) == v->u.string.len, "string length");
		FUZZ_CHECK(utf8_valid(v->u.string.s, v->u.string.len), "invalid UTF-8 string");
		break;
	case JSON_ARRAY:
		for (i = 0; i < v->u.array.n; i++)
			fuzz_check_tree(v->u.array.items[i], depth + 1);
		break;
	case JSON_OBJECT:
		for (i = 0; i < v->u.object.n; i++) {
			const struct json_member *m = &v->u.object.members[i];

			FUZZ_CHECK(strlen(m->key) == m->keylen, "key length");
			FUZZ_CHECK(utf8_valid(m->key, m->keylen), "invalid UTF-8 key");
			fuzz_check_tree(m->value, depth + 1);
		}
		break;
	case JSON_NULL:
	case JSON_BOOL:
		break;
	default:
		FUZZ_CHECK(0, "bad type %d", (int)v->type);
	}
}

/* Prints a string as a JSON literal (escaping what RFC 8259 requires). */
static void fuzz_print_string(struct buf *b, const char *s, size_t n)
{
	size_t i;

	buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			buf_printf(b, "\\u%04x", c);
		else
			buf_addc(b, (char)c);
	}
	buf_addc(b, '"');
}

/* Prints a tree as compact JSON. */
static void fuzz_print(struct buf *b, const struct json *v)
{
	size_t i;

	switch (v->type) {
	case JSON_NULL: buf_adds(b, "null"); break;
	case JSON_BOOL: buf_adds(b, v->u.boolean ? "true" : "false"); break;
	case JSON_NUMBER: buf_printf(b, "%.17g", v->u.number); break;
	case JSON_STRING: fuzz_print_string(b, v->u.string.s, v->u.string.len); break;
	case JSON_ARRAY:
		buf_addc(b, '[');
		for (i = 0; i < v->u.array.n; i++) {
			if (i > 0)
				buf_addc(b, ',');
			fuzz_print(b, v->u.array.items[i]);
		}
		buf_addc(b, ']');
		break;
	case JSON_OBJECT:
		buf_addc(b, '{');
		for (i = 0; i < v->u.object.n; i++) {
			if (i > 0)
				buf_addc(b, ',');
			fuzz_print_string(b, v->u.object.members[i].key, v->u.object.members[i].keylen);
			buf_addc(b, ':');
			fuzz_print(b, v->u.object.members[i].value);
		}
		buf_addc(b, '}');
		break;
	}
}

/* Compares two trees by value. */
static int fuzz_equal(const struct json *a, const struct json *b)
{
	size_t i;

	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case JSON_NULL: return 1;
	case JSON_BOOL: return a->u.boolean == b->u.boolean;
	case JSON_NUMBER: return a->u.number == b->u.number;
	case JSON_STRING:
		return a->u.string.len == b->u.string.len &&
		    memcmp(a->u.string.s, b->u.string.s, a->u.string.len) == 0;
	case JSON_ARRAY:
		if (a->u.array.n != b->u.array.n)
			return 0;
		for (i = 0; i < a->u.array.n; i++) {
			if (!fuzz_equal(a->u.array.items[i], b->u.array.items[i]))
				return 0;
		}
		return 1;
	case JSON_OBJECT:
		if (a->u.object.n != b->u.object.n)
			return 0;
		for (i = 0; i < a->u.object.n; i++) {
			const struct json_member *x = &a->u.object.members[i];
			const struct json_member *y = &b->u.object.members[i];

			if (x->keylen != y->keylen || memcmp(x->key, y->key, x->keylen) != 0 ||
			    !fuzz_equal(x->value, y->value))
				return 0;
		}
		return 1;
	}
	return 0;
}

/* The fuzz target: parse, check, print, re-parse, compare. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *cause = NULL, *copy = NULL;
	struct json_doc *d, *d2;
	struct buf b1, b2;
	size_t off;

	fuzz_input = data;
	fuzz_size = size;
	d = json_parse((const char *)data, size, &cause);
	if (d == NULL) {
		FUZZ_CHECK(cause != NULL && sscanf(cause, "JSON error at offset %zu", &off) == 1,
		    "refusal without an offset: %s", cause != NULL ? cause : "(null)");
		FUZZ_CHECK(off <= size, "error offset %zu beyond %zu", off, size);
		free(cause);
		fuzz_rejected++;
		return 0;
	}
	fuzz_accepted++;
	fuzz_check_tree(json_root(d), 0);
	buf_init(&b1);
	buf_init(&b2);
	fuzz_print(&b1, json_root(d));
	copy = xmalloc(b1.len);
	memcpy(copy, b1.data, b1.len);
	d2 = json_parse(copy, b1.len, &cause);
	FUZZ_CHECK(d2 != NULL, "printed tree does not parse: %s\nprinted: %s", cause, b1.data);
	FUZZ_CHECK(fuzz_equal(json_root(d), json_root(d2)), "round trip changed the tree: %s",
	    b1.data);
	fuzz_print(&b2, json_root(d2));
	FUZZ_CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0,
	    "printing is not stable: %s vs %s", b1.data, b2.data);
	json_free(d2);
	json_free(d);
	free(copy);
	buf_free(&b1);
	buf_free(&b2);
	return 0;
}

#ifndef QD_LIBFUZZER

/* Seeds: the providers' documented shapes and the grammar's corners. */
static const char *const fuzz_seeds[] = {
	"{\"quotes\":{\"AAPL\":{\"t\":\"2022-08-17T10:07:40.286587431Z\",\"ax\":\"Q\","
	"\"ap\":172.7,\"as\":1,\"bx\":\"Q\",\"bp\":172.62,\"bs\":2,\"c\":[\"R\"],\"z\":\"C\"}}}",
	"{\"bars\":{\"AAPL\":[{\"t\":\"2022-02-28T05:00:00Z\",\"o\":163.02,\"h\":165.42,"
	"\"l\":162.43,\"c\":165.12,\"v\":90552883,\"n\":743379,\"vw\":164.274348}]},"
	"\"next_page_token\":null}",
	"{\"options\":{\"option\":[{\"symbol\":\"VXX190517P00016000\",\"last\":null,"
	"\"bid\":0.0,\"ask\":0.01,\"strike\":16.0,\"bid_date\":1557171657000,"
	"\"greeks\":{\"delta\":1.0,\"gamma\":1.95546E-10,\"theta\":-0.00204837,"
	"\"updated_at\":\"2019-08-29 14:59:08\"}}]}}",
	"{\"expirations\":{\"date\":[\"2019-05-17\",\"2019-05-24\"]}}",
	"{\"options\":null}",
	"[1,-0,0.5e-3,1E+2,-12.75e10,1e308,4.9e-324]",
	"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00caf\xc3\xa9\xe2\x82\xac\"",
	"{\"a\":[true,false,null,{},[],\"\"],\"b\":{\"c\":{\"d\":[[[]]]}}}",
	"  [ 1 , 2 ]  ",
	"{\"code\":40010001,\"message\":\"invalid symbol\"}",
};

static const char *const fuzz_tokens[] = {
	"{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "\\udc00", "\\u0000",
	"true", "false", "null", "-", "+", ".", "e", "E", "0", "1e999", "-1e-999", "01",
	"\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff", " ", "\n", "\t",
	"\x01", "\xef\xbb\xbf", "[[[[[[[[", "]]]]]]]]", "{\"k\":", "1.5",
};

static uint64_t fuzz_rng;              /* xorshift64* state, from the fixed seed */

/* Returns the next xorshift64* random number. */
static uint64_t fuzz_next(void)
{
	fuzz_rng ^= fuzz_rng >> 12;
	fuzz_rng ^= fuzz_rng << 25;
	fuzz_rng ^= fuzz_rng >> 27;
	return fuzz_rng * 2685821657736338717ULL;
}

/* Returns a uniform-ish integer in [0, n). */
static size_t fuzz_below(size_t n)
{
	return n == 0 ? 0 : (size_t)(fuzz_next() % n);
}

/* Applies one random mutation to b. */
static void fuzz_mutate(struct buf *b)
{
	size_t pos = fuzz_below(b->len + 1), n, k;
	struct buf t;
	const char *s;

	buf_init(&t);
	switch (fuzz_below(8)) {
	case 0:         /* flip a bit */
		if (b->len > 0)
			b->data[fuzz_below(b->len)] ^= (char)(1u << fuzz_below(8));
		break;
	case 1:         /* overwrite a byte */
		if (b->len > 0)
			b->data[fuzz_below(b->len)] = (char)fuzz_below(256);
		break;
	case 2:         /* insert a token */
	case 3:
		s = fuzz_tokens[fuzz_below(sizeof fuzz_tokens / sizeof fuzz_tokens[0])];
		buf_add(&t, b->data, pos);
		buf_adds(&t, s);
		buf_add(&t, b->data + pos, b->len - pos);
		buf_reset(b);
		buf_add(b, t.data, t.len);
		break;
	case 4:         /* delete a range */
		n = fuzz_below(b->len - pos + 1);
		memmove(b->data + pos, b->data + pos + n, b->len - pos - n);
		b->len -= n;
		break;
	case 5:         /* duplicate a range */
		n = fuzz_below(b->len - pos + 1);
		buf_add(&t, b->data, pos + n);
		buf_add(&t, b->data + pos, b->len - pos);
		buf_reset(b);
		buf_add(b, t.data, t.len);
		break;
	case 6:         /* truncate */
		b->len = pos;
		break;
	default:        /* splice another seed in */
		s = fuzz_seeds[fuzz_below(sizeof fuzz_seeds / sizeof fuzz_seeds[0])];
		n = strlen(s);
		k = fuzz_below(n);
		buf_add(&t, b->data, pos);
		buf_add(&t, s + k, n - k);
		buf_reset(b);
		buf_add(b, t.data, t.len);
		break;
	}
	buf_free(&t);
}

/* Runs one input from an exactly-sized copy. */
static void fuzz_run(const char *data, size_t len)
{
	uint8_t *copy = xmalloc(len > 0 ? len : 1);

	memcpy(copy, data, len);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
}

/* Runs the seeds, then the mutated and random inputs. */
int main(int argc, char **argv)
{
	unsigned long iterations = argc > 1 ? strtoul(argv[1], NULL, 10) : 30000, i;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 20240601;
	size_t nseeds = sizeof fuzz_seeds / sizeof fuzz_seeds[0], k;
	struct buf b;

	fuzz_rng = seed != 0 ? seed : 1;
	buf_init(&b);
	for (k = 0; k < nseeds; k++)
		fuzz_run(fuzz_seeds[k], strlen(fuzz_seeds[k]));
	if (fuzz_accepted != nseeds) {
		fprintf(stderr, "fuzz-json: only %lu of %zu seeds parse\n", fuzz_accepted, nseeds);
		return 1;
	}
	for (i = 0; i < iterations; i++) {
		int m, nm;

		buf_reset(&b);
		if (i % 16 == 15) {
			size_t len = fuzz_below(64);

			for (k = 0; k < len; k++)
				buf_addc(&b, (char)fuzz_below(256));
		} else {
			buf_adds(&b, fuzz_seeds[fuzz_below(nseeds)]);
			nm = 1 + (int)fuzz_below(6);
			for (m = 0; m < nm; m++)
				fuzz_mutate(&b);
		}
		fuzz_run(b.data != NULL ? b.data : "", b.len);
	}
	buf_free(&b);
	printf("fuzz-json: %lu inputs from seed %" PRIu64 ": %lu accepted, %lu refused\n",
	    iterations + nseeds, seed, fuzz_accepted, fuzz_rejected);
	/* Both paths must have been exercised, or the mutations are too weak. */
	return fuzz_accepted > nseeds && fuzz_rejected > iterations / 4 ? 0 : 1;
}

#endif
