/*
 * headless.c -- the engine without the console (headless.h).
 *
 * The commands arrive on a descriptor polled with a short timeout, so the
 * process notices the end of its time, a signal or `quit` within a tenth
 * of a second.  End of input is not the end of the run: a server started
 * with stdin on /dev/null runs until its time is up or it is signalled; a
 * regular control file is followed as it grows (like tail -f) and a FIFO
 * is reopened for the next writer.  Errors go through the one error path
 * (cmd_report_error) with FILE:LINE, and never stop the engine.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "engine.h"
#include "headless.h"
#include "log.h"
#include "oms.h"
#include "qd.h"
#include "util.h"

static volatile sig_atomic_t headless_signalled;

/* SIGINT / SIGTERM / SIGHUP: stop at the next poll. */
static void headless_on_signal(int sig)
{
	headless_signalled = sig;
}

/* Parses a duration. */
int headless_parse_duration(const char *s, double *out)
{
	char *end;
	double v, unit = 1;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v) || v < 0)
		return -1;
	if (*end != '\0') {
		if (end[1] != '\0')
			return -1;
		switch (*end) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		default: return -1;
		}
	}
	*out = v * unit;
	return 0;
}

/* Opens the control input; -1 with a message when it cannot. */
static int headless_open(const char *control, int *is_fifo)
{
	struct stat st;
	int fd;

	*is_fifo = 0;
	if (control == NULL)
		return -1;
	if (strcmp(control, "-") == 0)
		return STDIN_FILENO;
	if ((fd = open(control, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		log_error("run: cannot open control file %s: %s", control, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0)
		*is_fifo = S_ISFIFO(st.st_mode);
	return fd;
}

/* Runs the complete lines of buf, keeping an unfinished tail; returns 1
 * after `quit`. */
static int headless_lines(struct qd *qd, struct buf *in, const char *name, int *lineno)
{
	char *start = in->data, *nl;
	size_t rest;

	while ((nl = memchr(start, '\n', in->len - (size_t)(start - in->data))) != NULL) {
		*nl = '\0';
		(*lineno)++;
		qd_run_line(qd, start, name, *lineno);
		fflush(stdout);
		start = nl + 1;
		if (qd->quit)
			return 1;
	}
	rest = in->len - (size_t)(start - in->data);
	memmove(in->data, start, rest);
	in->len = rest;
	in->data[rest] = '\0';
	return 0;
}

/* The headless run. */
int headless_run(struct qd *qd, double duration, const char *control)
{
	struct sigaction sa, old_int, old_term, old_hup;
	const char *name = control != NULL && strcmp(control, "-") != 0 ? control : "stdin";
	double end = duration >= 0 ? now_monotonic() + duration : INFINITY;
	char *cause = NULL, chunk[4096];
	struct buf in;
	int fd, is_fifo, lineno = 0, reading = 1, own;

	/* An engine started earlier (engine start in a command file) is used
	 * and left running; one started here stops at the end. */
	if (!(own = !engine_running()) || engine_start(qd->conf, &cause) == 0)
		;
	else {
		log_error("run: %s", cause);
		free(cause);
		return 1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = headless_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	headless_signalled = 0;
	log_info("run: headless%s%s", duration >= 0 ? " for " : "",
	    duration >= 0 ? "a set time" : "");
	buf_init(&in);
	buf_add(&in, "", 0);
	fd = headless_open(control, &is_fifo);
	reading = fd >= 0;
	while (!headless_signalled && !qd->quit) {
		double left = end - now_monotonic();
		int wait = left <= 0 ? 0 : left > 0.1 ? 100 : (int)(left * 1000) + 1;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (left <= 0)
			break;
		if (!reading || poll(&p, 1, wait) <= 0) {
			if (!reading)
				nanosleep(&(struct timespec){ 0, (long)wait * 1000000L }, NULL);
			continue;
		}
		n = read(fd, chunk, sizeof chunk);
		if (n > 0) {
			buf_add(&in, chunk, (size_t)n);
			if (headless_lines(qd, &in, name, &lineno))
				break;
		} else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			/* End of input: stdin stops being read; a FIFO waits for
			 * its next writer; a regular file is followed. */
			if (in.len > 0) {
				buf_addc(&in, '\n');
				if (headless_lines(qd, &in, name, &lineno))
					break;
			}
			if (fd == STDIN_FILENO)
				reading = 0;
			else if (is_fifo) {
				close(fd);
				fd = headless_open(control, &is_fifo);
				reading = fd >= 0;
			} else
				nanosleep(&(struct timespec){ 0, (long)wait * 1000000L }, NULL);
		}
	}
	if (headless_signalled) {
		log_info("run: stopping on signal %d", (int)headless_signalled);
		/* The configured policy: a supervisor's SIGTERM (or a lost
		 * terminal's SIGHUP) stops trading before the engine stops. */
		if (headless_signalled != SIGINT &&
		    strcmp(conf_get_str(qd->conf, "orders.on_sigterm"), "kill") == 0 && oms_running())
			oms_kill(headless_signalled == SIGHUP ? "SIGHUP (orders.on_sigterm = kill)" :
			    "SIGTERM (orders.on_sigterm = kill)", 0);
	}
	if (fd > STDIN_FILENO)
		close(fd);
	buf_free(&in);
	if (own)
		engine_stop();
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	return 0;
}
