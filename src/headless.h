/*
 * headless.h -- `qdesk run --headless [--for DURATION] [--control FILE]`:
 * the whole engine without the console, for servers and tests, driven by
 * the same command language on a control file (a FIFO or a file that is
 * followed as it grows) or stdin.
 */
#ifndef QD_HEADLESS_H
#define QD_HEADLESS_H

struct qd;

/* Parses "90", "90s", "5m", "2h", "1d" into seconds; 0 or -1. */
int headless_parse_duration(const char *s, double *out);
/* Runs the engine until duration seconds passed (< 0: until `quit`,
 * SIGINT or SIGTERM), running the commands of control ("-": stdin; NULL:
 * none) as they arrive.  An engine already running is used and left
 * running.  Returns 0, or 1 when the engine did not start. */
int headless_run(struct qd *qd, double duration, const char *control);

#endif
