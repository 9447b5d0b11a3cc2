/*
 * log.c -- the levelled log: file, ring buffer and stderr behind one mutex.
 *
 * See log.h for the design.  Timestamps have microsecond resolution so
 * that the order of events across threads can be read from the file.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "util.h"

volatile int log_threshold = LOG_INFO;

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_file;
static int log_console;
static int log_to_stderr = 1;
static struct log_record log_ring[LOG_RING_SIZE];
static unsigned long log_seq;

static const char *const log_names[] = { "error", "warn", "info", "debug" };

/* Returns the name of a level. */
const char *log_level_name(enum log_level level)
{
	if ((int)level < 0 || level > LOG_DEBUG)
		return "?";
	return log_names[level];
}

/* Parses a level name. */
int log_level_parse(const char *s, enum log_level *out)
{
	int i;

	for (i = 0; i <= LOG_DEBUG; i++) {
		if (strcasecmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

/* Formats "YYYY-MM-DD HH:MM:SS.uuuuuu" in UTC. */
static void log_stamp(double t, char *out, size_t len)
{
	time_t secs = (time_t)t;
	struct tm tm;
	char tmp[32];

	gmtime_r(&secs, &tm);
	strftime(tmp, sizeof tmp, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(out, len, "%s.%06ld", tmp, (long)((t - (double)secs) * 1e6));
}

/* Writes one record to the ring, the file and perhaps stderr. */
void log_write(enum log_level level, const char *fmt, ...)
{
	struct log_record *r;
	char stamp[40];
	va_list ap;

	pthread_mutex_lock(&log_lock);
	r = &log_ring[log_seq % LOG_RING_SIZE];
	r->seq = ++log_seq;
	r->time = now_wall();
	r->level = level;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof r->msg, fmt, ap);
	va_end(ap);

	if (log_file != NULL) {
		log_stamp(r->time, stamp, sizeof stamp);
		fprintf(log_file, "%s %-5s %s\n", stamp, log_names[level], r->msg);
		fflush(log_file);
	}
	if (!log_console && log_to_stderr && level <= LOG_WARN)
		fprintf(stderr, "qdesk: %s: %s\n", log_names[level], r->msg);
	pthread_mutex_unlock(&log_lock);
}

/* Opens the log file for appending. */
int log_open_file(const char *path, char **cause)
{
	FILE *f = NULL;

	if (path != NULL) {
		f = fopen(path, "a");
		if (f == NULL) {
			*cause = xasprintf("cannot open log file %s: %m", path);
			return -1;
		}
	}
	pthread_mutex_lock(&log_lock);
	if (log_file != NULL)
		fclose(log_file);
	log_file = f;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

/* Turns the console mode on or off. */
void log_set_console(int on)
{
	pthread_mutex_lock(&log_lock);
	log_console = on;
	pthread_mutex_unlock(&log_lock);
}

/* Turns the stderr echo on or off. */
void log_set_stderr(int on)
{
	pthread_mutex_lock(&log_lock);
	log_to_stderr = on;
	pthread_mutex_unlock(&log_lock);
}

/* Copies the records newer than `after` into out, oldest first. */
size_t log_ring_read(unsigned long after, struct log_record *out, size_t max)
{
	unsigned long first, s;
	size_t n = 0;

	pthread_mutex_lock(&log_lock);
	first = log_seq > LOG_RING_SIZE ? log_seq - LOG_RING_SIZE + 1 : 1;
	if (after + 1 > first)
		first = after + 1;
	if (log_seq >= first && log_seq - first + 1 > max)
		first = log_seq - max + 1;
	for (s = first; s <= log_seq && n < max; s++)
		out[n++] = log_ring[(s - 1) % LOG_RING_SIZE];
	pthread_mutex_unlock(&log_lock);
	return n;
}

/* Closes the log file and forgets the ring. */
void log_shutdown(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
	log_seq = 0;
	pthread_mutex_unlock(&log_lock);
}
