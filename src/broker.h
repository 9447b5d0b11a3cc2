/*
 * broker.h -- the one interface every broker implements: the paper broker
 * (broker-paper.c, the default) and HTTP broker plugins.
 *
 * DESIGN
 * The OMS thread owns the broker object and is the only caller.  It sends
 * an order only after storing it (ARCHITECTURE.md), then learns what
 * happened through events delivered by poll(): acknowledgements, fills,
 * rejections, cancellations, expiries.  A broker keeps its own state the
 * way a real one does -- the paper broker in its own SQLite file -- so that
 * after a crash the OMS can reconcile its store against the broker's view
 * (snapshot()) and report every difference.  Every call returns within
 * its deadline; a failing broker reports errors, never blocks the OMS.
 */
#ifndef QD_BROKER_H
#define QD_BROKER_H

#include <stddef.h>

#include "order.h"

struct conf;
struct broker;

enum broker_event_kind {
	BROKER_ACK = 0,         /* accepted: broker_id set */
	BROKER_REJECT,          /* refused: reason set */
	BROKER_FILL,            /* a (partial) fill: fill set */
	BROKER_CANCELLED,       /* cancelled (remaining quantity) */
	BROKER_EXPIRED          /* expired unfilled (remaining quantity) */
};

struct broker_event {
	int kind;                       /* enum broker_event_kind */
	char client_id[ORDER_ID_MAX];
	char broker_id[ORDER_ID_MAX];
	struct fill fill;               /* BROKER_FILL */
	char reason[ORDER_REASON_MAX];  /* BROKER_REJECT */
	double time;                    /* epoch seconds */
};

struct broker_sink {
	void (*on_event)(void *arg, const struct broker_event *ev);
	void *arg;
};

/* The broker's own view, for reconciliation. */
struct broker_order_view {
	char client_id[ORDER_ID_MAX];
	char broker_id[ORDER_ID_MAX];
	char symbol[MARKET_SYMBOL_MAX];
	int side;
	double qty, filled;
	int state;                      /* enum order_state, as the broker sees it */
};
struct broker_position_view {
	char symbol[MARKET_SYMBOL_MAX];
	double qty;                     /* signed */
};
struct broker_state {
	struct broker_order_view *orders;       /* every order it knows of */
	size_t norders;
	struct fill *fills;                     /* every fill it made */
	size_t nfills;
	struct broker_position_view *positions;
	size_t npositions;
};
void broker_state_free(struct broker_state *st);

struct broker_ops {
	const char *name;               /* "paper", ... */
	/* Creates the broker from the configuration; NULL with cause. */
	struct broker *(*open)(struct conf *conf, char **cause);
	/* Sends an order (stored, state PENDING).  0, or -1 with cause: the
	 * OMS then treats it as rejected by the broker. */
	int (*send)(struct broker *b, const struct order *o, double now, char **cause);
	/* Asks to cancel an order; the outcome comes as an event.  0 or -1. */
	int (*cancel)(struct broker *b, const char *client_id, double now, char **cause);
	/* Optional (NULL: the OMS calls cancel once per order): asks to cancel
	 * n orders at once, as cancel does each (the kill switch's mass
	 * cancel, so it costs one pass, not n lookups).  refused[i] is set to
	 * 1 for an order it refused (not known, already final), 0 otherwise;
	 * returns the number refused, *cause naming the first of them. */
	size_t (*cancel_many)(struct broker *b, const char *const *client_ids, size_t n,
	    double now, unsigned char *refused, char **cause);
	/* Delivers the events due at time now (epoch seconds) to sink. */
	int (*poll)(struct broker *b, const struct broker_sink *sink, double now, char **cause);
	/* Its own view of orders, fills and positions. */
	int (*snapshot)(struct broker *b, struct broker_state *st, char **cause);
	void (*close)(struct broker *b);
};

/* The broker of a name ("paper"), or NULL. */
const struct broker_ops *broker_find(const char *name);

#endif
