/*
 * bqueue.c -- the bounded queue of bqueue.h: a ring buffer under one mutex
 * with one condition variable for consumers.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bqueue.h"
#include "util.h"

struct bqueue {
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	unsigned char *buf;
	size_t cap, size, head, depth, high_water;
	unsigned long pushed, popped, refused;
	int closed;
};

/* Creates a queue. */
struct bqueue *bqueue_new(size_t cap, size_t size)
{
	struct bqueue *q;
	pthread_condattr_t ca;

	if (cap == 0 || size == 0 || cap > ((size_t)-1) / size)
		return NULL;
	q = xcalloc(1, sizeof *q);
	q->buf = xcalloc(cap, size);
	q->cap = cap;
	q->size = size;
	pthread_mutex_init(&q->lock, NULL);
	/* Timed waits measure the monotonic clock: a wall-clock jump must not
	 * stall or spin a worker. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->nonempty, &ca);
	pthread_condattr_destroy(&ca);
	return q;
}

/* Frees a queue nobody waits on any more. */
void bqueue_free(struct bqueue *q)
{
	if (q == NULL)
		return;
	pthread_cond_destroy(&q->nonempty);
	pthread_mutex_destroy(&q->lock);
	free(q->buf);
	free(q);
}

/* Copies an item in. */
int bqueue_push(struct bqueue *q, const void *item)
{
	int rc = -1;

	pthread_mutex_lock(&q->lock);
	if (!q->closed && q->depth < q->cap) {
		memcpy(q->buf + ((q->head + q->depth) % q->cap) * q->size, item, q->size);
		q->depth++;
		q->pushed++;
		if (q->depth > q->high_water)
			q->high_water = q->depth;
		pthread_cond_signal(&q->nonempty);
		rc = 0;
	} else
		q->refused++;
	pthread_mutex_unlock(&q->lock);
	return rc;
}

/* Copies the oldest item out, waiting up to timeout seconds. */
int bqueue_pop(struct bqueue *q, void *item, double timeout)
{
	struct timespec until;
	int got = 0;

	if (timeout > 0) {
		deadline_in(&until, CLOCK_MONOTONIC, timeout);
	}
	pthread_mutex_lock(&q->lock);
	while (q->depth == 0 && !q->closed && timeout != 0) {
		if (timeout < 0)
			pthread_cond_wait(&q->nonempty, &q->lock);
		else if (pthread_cond_timedwait(&q->nonempty, &q->lock, &until) == ETIMEDOUT)
			break;
	}
	if (q->depth > 0) {
		memcpy(item, q->buf + q->head * q->size, q->size);
		q->head = (q->head + 1) % q->cap;
		q->depth--;
		q->popped++;
		got = 1;
	}
	pthread_mutex_unlock(&q->lock);
	return got;
}

/* Closes the queue and wakes every waiter. */
void bqueue_close(struct bqueue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = 1;
	pthread_cond_broadcast(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
}

/* Copies the counters. */
void bqueue_get_stats(struct bqueue *q, struct bqueue_stats *st)
{
	pthread_mutex_lock(&q->lock);
	st->depth = q->depth;
	st->cap = q->cap;
	st->high_water = q->high_water;
	st->pushed = q->pushed;
	st->popped = q->popped;
	st->refused = q->refused;
	pthread_mutex_unlock(&q->lock);
}
