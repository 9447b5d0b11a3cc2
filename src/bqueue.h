/*
 * bqueue.h -- a bounded queue of fixed-size items between threads.
 *
 * DESIGN
 * The engine's threads hand work to each other through these queues
 * (calibration jobs to the worker pool, rows to the store writer).  A
 * queue holds at most `cap` items: a full queue refuses the item
 * (bqueue_push returns -1 and counts it) instead of growing, so a stalled
 * consumer shows up as a reported overflow, never as unbounded memory.
 * Consumers sleep on a condition variable and wake when an item arrives or
 * the queue is closed; after bqueue_close() pushes fail and pops drain
 * what is left, then return 0.  Items are copied in and out by value.
 */
#ifndef QD_BQUEUE_H
#define QD_BQUEUE_H

#include <stddef.h>

struct bqueue;

/* Creates a queue of cap items of size bytes each; NULL on bad sizes. */
struct bqueue *bqueue_new(size_t cap, size_t size);
void bqueue_free(struct bqueue *q);
/* Copies item in; 0, or -1 when the queue is full or closed. */
int bqueue_push(struct bqueue *q, const void *item);
/* Copies the oldest item out, waiting up to timeout seconds (< 0: for
 * ever, 0: not at all).  1 when an item was taken, 0 on timeout or when
 * the queue is closed and empty. */
int bqueue_pop(struct bqueue *q, void *item, double timeout);
/* Wakes every waiter; later pushes fail, pops drain then return 0. */
void bqueue_close(struct bqueue *q);
/* Counters for `engine status`. */
struct bqueue_stats {
	size_t depth, cap, high_water;
	unsigned long pushed, popped, refused;
};
void bqueue_get_stats(struct bqueue *q, struct bqueue_stats *st);

#endif
