/*
 * util.h -- small helpers used everywhere in src/: allocation that never
 * returns NULL, a growable string buffer, and strict number parsing.
 *
 * Allocation failure is treated as fatal (like tmux's xmalloc): a trading
 * program that cannot allocate a few bytes cannot continue safely, and
 * checking every small allocation would bury the real logic.
 */
#ifndef QD_UTIL_H
#define QD_UTIL_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* A growable NUL-terminated byte buffer. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const char *s, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
void buf_add_json_string(struct buf *b, const char *s);
/* Appends a double so that it reads back to the same value (shortest of
 * %.15g..%.17g that round-trips); non-finite values become "null" when
 * json is set, "nan"/"inf"/"-inf" otherwise. */
void buf_add_double(struct buf *b, double v, int json);

/* Parses a whole string as a finite double; 0 on success, -1 otherwise. */
int parse_double(const char *s, double *out);
/* Parses a whole string as a base-10 long within [min, max]; 0 or -1. */
int parse_long(const char *s, long min, long max, long *out);
/* Parses yes/no/true/false/on/off/1/0; 0 on success, -1 otherwise. */
int parse_bool(const char *s, int *out);
/* Returns 1 when the n bytes at s are valid UTF-8, 0 otherwise. */
int utf8_valid(const char *s, size_t n);

/* Monotonic time in seconds. */
double now_monotonic(void);
/* Wall-clock time in seconds since the epoch. */
double now_wall(void);
/* The absolute time `seconds` (>= 0) from now on clock clk, for
 * pthread_cond_timedwait (a condition variable set to that clock). */
struct timespec;
void deadline_in(struct timespec *ts, int clk, double seconds);

/* Prints "qdesk: MSG" to stderr, restores the terminal through the hook the
 * console installs, and exits with status 3. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Set by the console so that fatal() can leave the terminal usable. */
extern void (*fatal_restore_hook)(void);

#endif
