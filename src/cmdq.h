/*
 * cmdq.h -- the command queue: command lines run one at a time, in the
 * order they were queued, on a thread of their own.
 *
 * The console queues what the trader types (and what its panel keys
 * mean) here instead of running it on the UI thread, so a slow command --
 * a calibration of the whole universe, an import -- never freezes the
 * screen or the kill key (ARCHITECTURE.md: "ui/ submits commands to a
 * queue").  One worker, so commands still run strictly in order and never
 * side by side, exactly as in a command file.  The queue is bounded: a
 * full queue refuses the line and says so.
 *
 * While a command runs, cmdq_status() tells what runs, for how long, how
 * many lines wait and the command's last progress report (cmd_progress);
 * cmdq_cancel() asks it to stop waiting (cmd_cancelled).  Output and
 * errors go through the session's out sink and report hook, called on the
 * worker thread: the front door that installs them makes them safe for
 * that (the console copies them into an inbox under a lock).
 */
#ifndef QD_CMDQ_H
#define QD_CMDQ_H

struct qd;
struct cmdq;

#define CMDQ_LINE_MAX 256       /* shown part of a running line */
#define CMDQ_PROGRESS_MAX 160   /* shown part of a progress report */

struct cmdq_status {
	int busy;                       /* a command runs */
	unsigned long job;              /* its number (1, 2, ...) */
	int tag;                        /* the tag it was queued with */
	char line[CMDQ_LINE_MAX];       /* its line */
	double elapsed;                 /* seconds since it started */
	int queued;                     /* lines waiting behind it */
	int cancelling;                 /* cmdq_cancel() was asked */
	char progress[CMDQ_PROGRESS_MAX];       /* its last progress report, or "" */
	unsigned long done;             /* jobs finished so far */
	int last_status;                /* CMD_OK/CMD_FAILED/CMD_USAGE of the last one */
};

/* Starts the worker for session qd with room for cap waiting lines.
 * Installs qd's progress hook; qd must outlive the queue.  NULL with
 * cause when the thread cannot start. */
struct cmdq *cmdq_new(struct qd *qd, int cap, char **cause);
/* Queues a line (run as by qd_run_line; "source FILE" runs a file) with a
 * caller's tag that cmdq_tag() reports while it runs.  *job gets its
 * number.  0, or -1 with cause when the queue is full or stopping. */
int cmdq_push(struct cmdq *q, const char *line, int tag, unsigned long *job, char **cause);
/* Queues a command file (as `source FILE`, without quoting the path). */
int cmdq_push_file(struct cmdq *q, const char *path, int tag, unsigned long *job, char **cause);
/* What runs now and what waits. */
void cmdq_status(struct cmdq *q, struct cmdq_status *st);
/* The tag of the running command: for the session's out sink and report
 * hook, which run on the worker.  -1 when none runs. */
int cmdq_tag(struct cmdq *q);
/* Asks the running command to stop (cmd_cancelled becomes true) and drops
 * the lines waiting; returns how many were dropped. */
int cmdq_cancel(struct cmdq *q);
/* Drops the waiting lines, asks the running command to stop, waits for
 * it, and frees the queue.  NULL is a no-op. */
void cmdq_free(struct cmdq *q);

#endif
