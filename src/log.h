/*
 * log.h -- the levelled log.
 *
 * DESIGN
 * Every thread may log.  A record goes to three places: a file under
 * $XDG_STATE_HOME/qdesk/, an in-memory ring of the last LOG_RING_SIZE
 * records that the console's log pane reads, and -- only while no console
 * is up -- stderr for warnings and errors.  One mutex serialises all three;
 * the level test happens in the macro, before any formatting, so disabled
 * debug logging costs one comparison.  Secrets must never be passed here.
 */
#ifndef QD_LOG_H
#define QD_LOG_H

#include <stddef.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

#define LOG_RING_SIZE 2048
#define LOG_MSG_MAX 512

struct log_record {
	double time;            /* wall clock, seconds since the epoch */
	enum log_level level;
	unsigned long seq;      /* increasing record number */
	char msg[LOG_MSG_MAX];
};

extern volatile int log_threshold;

#define log_at(lvl, ...) do {					\
	if ((int)(lvl) <= log_threshold)			\
		log_write((lvl), __VA_ARGS__);			\
} while (0)
#define log_error(...) log_at(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_at(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_at(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_at(LOG_DEBUG, __VA_ARGS__)

void log_write(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Opens (appends to) the log file; NULL closes it.  0 or -1 with cause. */
int log_open_file(const char *path, char **cause);
/* While set, nothing is written to stderr (the console owns the terminal). */
void log_set_console(int on);
/* Echo warnings and errors to stderr (default on; --quiet turns it off). */
void log_set_stderr(int on);
/* Parses "error|warn|info|debug". */
int log_level_parse(const char *s, enum log_level *out);
const char *log_level_name(enum log_level level);
/* Copies up to max records with seq > after into out, oldest first;
 * returns the number copied. */
size_t log_ring_read(unsigned long after, struct log_record *out, size_t max);
/* Closes the file and resets the ring (tests and shutdown). */
void log_shutdown(void);

#endif
