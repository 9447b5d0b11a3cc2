/*
 * cmdq.c -- the command queue: one worker thread runs queued command lines
 * in order (see cmdq.h for why).
 *
 * DESIGN
 * One mutex guards the ring of waiting lines and the status of the
 * running one; the worker holds it only to take a line and to publish its
 * status, never while a command runs.  The running command reaches the
 * queue only through the session's progress hook (cmd_progress), which
 * copies the text under the same mutex, and through qd->cancel, an atomic
 * flag cleared when each job starts.  cmdq_free() raises the stop flag,
 * drops what waits, sets qd->cancel and joins: a command that honours
 * cmd_cancelled() returns promptly; one that does not is waited for, as it
 * would be in a command file.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmdq.h"
#include "log.h"
#include "qd.h"
#include "util.h"

struct cmdq_item {
	char *line;             /* a command line, or a file's path */
	int is_file;
	int tag;
	unsigned long job;
};

struct cmdq {
	struct qd *qd;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct cmdq_item *ring;
	int cap, head, n;
	int stopping;
	unsigned long next_job;
	struct cmdq_status st;          /* the running command, under lock */
	double started;                 /* its start, monotonic seconds */
};

/* The session's progress hook: the running command's last report. */
static void cmdq_on_progress(void *arg, const char *msg)
{
	struct cmdq *q = arg;

	pthread_mutex_lock(&q->lock);
	snprintf(q->st.progress, sizeof q->st.progress, "%s", msg);
	pthread_mutex_unlock(&q->lock);
}

/* The worker: takes lines in order and runs each to its end. */
static void *cmdq_main(void *arg)
{
	struct cmdq *q = arg;

	for (;;) {
		struct cmdq_item it;
		int rc;

		pthread_mutex_lock(&q->lock);
		while (q->n == 0 && !q->stopping)
			pthread_cond_wait(&q->wake, &q->lock);
		if (q->n == 0) {
			pthread_mutex_unlock(&q->lock);
			break;
		}
		it = q->ring[q->head];
		q->head = (q->head + 1) % q->cap;
		q->n--;
		q->st.busy = 1;
		q->st.job = it.job;
		q->st.tag = it.tag;
		snprintf(q->st.line, sizeof q->st.line, "%s%s", it.is_file ? "source " : "", it.line);
		q->st.progress[0] = '\0';
		q->st.cancelling = 0;
		q->started = now_monotonic();
		q->qd->cancel = 0;
		pthread_mutex_unlock(&q->lock);

		rc = it.is_file ? qd_run_file(q->qd, it.line) : qd_run_line(q->qd, it.line, NULL, 0);
		free(it.line);

		pthread_mutex_lock(&q->lock);
		q->st.busy = 0;
		q->st.tag = -1;
		q->st.done++;
		q->st.last_status = rc;
		q->st.progress[0] = '\0';
		pthread_mutex_unlock(&q->lock);
	}
	return NULL;
}

/* Starts the worker. */
struct cmdq *cmdq_new(struct qd *qd, int cap, char **cause)
{
	struct cmdq *q = xcalloc(1, sizeof *q);
	int e;

	q->qd = qd;
	q->cap = cap > 0 ? cap : 1;
	q->ring = xcalloc((size_t)q->cap, sizeof *q->ring);
	q->st.tag = -1;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->wake, NULL);
	qd->progress = cmdq_on_progress;
	qd->progress_arg = q;
	if ((e = pthread_create(&q->thread, NULL, cmdq_main, q)) != 0) {
		*cause = xasprintf("cannot start the command thread: %s", strerror(e));
		qd->progress = NULL;
		qd->progress_arg = NULL;
		pthread_cond_destroy(&q->wake);
		pthread_mutex_destroy(&q->lock);
		free(q->ring);
		free(q);
		return NULL;
	}
	return q;
}

/* Queues a line or a file. */
static int cmdq_push_item(struct cmdq *q, const char *line, int is_file, int tag,
    unsigned long *job, char **cause)
{
	pthread_mutex_lock(&q->lock);
	if (q->stopping) {
		pthread_mutex_unlock(&q->lock);
		*cause = xstrdup("the command queue is stopping");
		return -1;
	}
	if (q->n == q->cap) {
		pthread_mutex_unlock(&q->lock);
		*cause = xasprintf("the command queue is full (%d commands wait behind '%s'); "
		    "Ctrl-C drops them", q->cap, q->st.busy ? q->st.line : "?");
		return -1;
	}
	q->ring[(q->head + q->n) % q->cap] =
	    (struct cmdq_item){ xstrdup(line), is_file, tag, ++q->next_job };
	q->n++;
	if (job != NULL)
		*job = q->next_job;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

/* Queues a line. */
int cmdq_push(struct cmdq *q, const char *line, int tag, unsigned long *job, char **cause)
{
	return cmdq_push_item(q, line, 0, tag, job, cause);
}

/* Queues a command file. */
int cmdq_push_file(struct cmdq *q, const char *path, int tag, unsigned long *job, char **cause)
{
	return cmdq_push_item(q, path, 1, tag, job, cause);
}

/* What runs and what waits. */
void cmdq_status(struct cmdq *q, struct cmdq_status *st)
{
	pthread_mutex_lock(&q->lock);
	*st = q->st;
	st->queued = q->n;
	st->elapsed = q->st.busy ? now_monotonic() - q->started : 0;
	pthread_mutex_unlock(&q->lock);
}

/* The running command's tag. */
int cmdq_tag(struct cmdq *q)
{
	int tag;

	pthread_mutex_lock(&q->lock);
	tag = q->st.busy ? q->st.tag : -1;
	pthread_mutex_unlock(&q->lock);
	return tag;
}

/* Drops the waiting lines; the caller holds the lock. */
static int cmdq_drop_locked(struct cmdq *q)
{
	int dropped = q->n;

	while (q->n > 0) {
		free(q->ring[q->head].line);
		q->head = (q->head + 1) % q->cap;
		q->n--;
	}
	return dropped;
}

/* Asks the running command to stop and drops the waiting ones. */
int cmdq_cancel(struct cmdq *q)
{
	int dropped;

	pthread_mutex_lock(&q->lock);
	dropped = cmdq_drop_locked(q);
	if (q->st.busy) {
		q->st.cancelling = 1;
		q->qd->cancel = 1;
	}
	pthread_mutex_unlock(&q->lock);
	if (dropped > 0)
		log_info("command queue: %d waiting command(s) dropped", dropped);
	return dropped;
}

/* Stops the worker and frees the queue. */
void cmdq_free(struct cmdq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	q->stopping = 1;
	cmdq_drop_locked(q);
	if (q->st.busy)
		q->qd->cancel = 1;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	q->qd->progress = NULL;
	q->qd->progress_arg = NULL;
	q->qd->cancel = 0;
	pthread_cond_destroy(&q->wake);
	pthread_mutex_destroy(&q->lock);
	free(q->ring);
	free(q);
}
