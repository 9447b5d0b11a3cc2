/*
 * check_paper.c -- the paper broker (broker-paper.c): fills at the touch
 * plus slippage, partial fills by participation, latency, resting orders
 * filled when the market trades through them, cancels, expiry, refusals,
 * determinism, and the restart after a kill -9: a child process trades
 * and kills itself while an event is being delivered; the parent reopens
 * the file and checks that snapshot() holds everything delivered, and
 * that the working orders go on.
 *
 * References: prices, quantities and fees worked by hand from the quotes
 * and the configuration (written next to each assertion); the end of the
 * day from gmtime_r; the events the child delivered, read from a pipe.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "broker-paper.h"
#include "broker.h"
#include "conf.h"
#include "log.h"
#include "market-state.h"
#include "util.h"

static char tmpdir[256];
static double T0;               /* a recent whole second */
static const struct broker_ops *P;

/* Events delivered by a poll, collected. */
struct sink_log {
	struct broker_event ev[256];
	size_t n;
	int fd;                 /* also written here when >= 0 */
	int total;              /* events over every poll */
	int kill_at;            /* the child kills itself at this total (1-based), 0 never */
};

/* Collects one event (and, in the child, writes it to the pipe). */
static void sink_event(void *arg, const struct broker_event *ev)
{
	struct sink_log *l = arg;

	ck_assert(l->n < 256);
	l->ev[l->n++] = *ev;
	if (l->fd >= 0 && write(l->fd, ev, sizeof *ev) != (ssize_t)sizeof *ev)
		_exit(3);
	l->total++;
	if (l->kill_at > 0 && l->total == l->kill_at)
		raise(SIGKILL);
}

/* A configuration for a broker file of the given name. */
static struct conf *make_conf(const char *name, const char *latency_ms, const char *slip,
    const char *part, const char *fpu, const char *fmin)
{
	struct conf *c = conf_new();
	char *cause = NULL, path[400];

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	ck_assert_msg(conf_set(c, "paper.path", path, &cause) == 0, "%s", cause);
	ck_assert(conf_set(c, "paper.latency_ms", latency_ms, &cause) == 0);
	ck_assert(conf_set(c, "paper.slippage_bp", slip, &cause) == 0);
	ck_assert(conf_set(c, "paper.participation", part, &cause) == 0);
	ck_assert(conf_set(c, "paper.fee_per_unit", fpu, &cause) == 0);
	ck_assert(conf_set(c, "paper.fee_min", fmin, &cause) == 0);
	return c;
}

/* Opens a broker filling against ms. */
static struct broker *open_broker(struct conf *c, struct mstate *ms)
{
	char *cause = NULL;
	struct broker *b = P->open(c, &cause);

	ck_assert_msg(b != NULL, "%s", cause);
	broker_paper_set_market(b, ms);
	return b;
}

/* Puts a quote into the market state (it must be accepted). */
static void quote(struct mstate *ms, const char *sym, double bid, double ask, double bsize,
    double asize, double last, double t)
{
	struct quote q;

	memset(&q, 0, sizeof q);
	snprintf(q.symbol, sizeof q.symbol, "%s", sym);
	q.bid = bid;
	q.ask = ask;
	q.bid_size = bsize;
	q.ask_size = asize;
	q.last = last;
	q.volume = NAN;
	q.exch_time = q.recv_time = t;
	ck_assert_int_eq(mstate_put_quote(ms, "test", &q), 0);
}

/* An order to send. */
static struct order mk(const char *id, const char *sym, int side, int type, double qty,
    double limit)
{
	struct order o;

	memset(&o, 0, sizeof o);
	snprintf(o.client_id, sizeof o.client_id, "%s", id);
	snprintf(o.symbol, sizeof o.symbol, "%s", sym);
	snprintf(o.strategy, sizeof o.strategy, "test");
	o.side = side;
	o.type = type;
	o.qty = qty;
	o.limit = type == ORDER_LIMIT ? limit : NAN;
	o.avg_price = NAN;
	o.multiplier = 1;
	o.arrival_mid = 100;
	o.created = o.updated = T0;
	o.expires = NAN;
	o.state = ORDER_PENDING;
	return o;
}

/* Sends an order (it must be accepted for sending). */
static void send_ok(struct broker *b, const struct order *o, double now)
{
	char *cause = NULL;

	ck_assert_msg(P->send(b, o, now, &cause) == 0, "%s", cause);
}

/* Polls at now into a fresh log. */
static void poll_at(struct broker *b, struct sink_log *l, double now)
{
	struct broker_sink sink = { sink_event, l };
	char *cause = NULL;

	l->n = 0;
	l->fd = -1;
	l->kill_at = 0;
	ck_assert_msg(P->poll(b, &sink, now, &cause) == 0, "%s", cause);
}

#define NEAR(a, b) ck_assert_msg(fabs((a) - (b)) <= 1e-9 * (fabs(b) + 1), "%.17g != %.17g", \
	(double)(a), (double)(b))

/* Marketable orders fill at the touch plus slippage, never beyond the
 * limit, after the latency. */
START_TEST(test_touch_slippage)
{
	struct conf *c = make_conf("touch.db", "100", "10", "1", "0.01", "1");
	struct mstate *ms = mstate_new(16);
	struct broker *b = open_broker(c, ms);
	struct order o1 = mk("c1", "XYZ", 1, ORDER_LIMIT, 10, 101);
	struct order o2 = mk("c2", "XYZ", -1, ORDER_MARKET, 10, NAN);
	struct order o3 = mk("c3", "XYZ", 1, ORDER_LIMIT, 10, 100.15);
	struct sink_log l;

	quote(ms, "XYZ", 99.9, 100.1, 500, 500, 100, T0);
	send_ok(b, &o1, T0);
	send_ok(b, &o2, T0);
	send_ok(b, &o3, T0);
	poll_at(b, &l, T0 + 0.05);      /* before the 100 ms latency */
	ck_assert_uint_eq(l.n, 0);
	poll_at(b, &l, T0 + 0.1);
	ck_assert_uint_eq(l.n, 6);
	ck_assert_int_eq(l.ev[0].kind, BROKER_ACK);
	NEAR(l.ev[0].time, T0 + 0.1);
	ck_assert(l.ev[0].broker_id[0] == 'P');
	ck_assert_int_eq(l.ev[1].kind, BROKER_FILL);
	/* buy: ask 100.1 x (1 + 10 bp) = 100.2001; fee max(1, 10 x 0.01) = 1 */
	NEAR(l.ev[1].fill.price, 100.2001);
	ck_assert(l.ev[1].fill.qty == 10);
	ck_assert(l.ev[1].fill.fee == 1);
	ck_assert_str_eq(l.ev[1].fill.client_id, "c1");
	/* slippage against the arrival mid 100: +20.01 bp */
	NEAR(l.ev[1].fill.slippage_bp, 20.01);
	/* market sell: bid 99.9 x (1 - 10 bp) = 99.8001 */
	ck_assert_int_eq(l.ev[3].kind, BROKER_FILL);
	NEAR(l.ev[3].fill.price, 99.8001);
	ck_assert(l.ev[3].fill.side == -1);
	/* limit 100.15 caps 100.2001 */
	ck_assert(l.ev[5].fill.price == 100.15);
	poll_at(b, &l, T0 + 1);
	ck_assert_uint_eq(l.n, 0);
	P->close(b);
	mstate_free(ms);
	conf_free(c);
}
END_TEST

/* At most participation x displayed size per poll, at least 1 unit; the
 * fee minimum is per order. */
START_TEST(test_partial)
{
	struct conf *c = make_conf("partial.db", "0", "0", "0.1", "0.5", "2");
	struct mstate *ms = mstate_new(16);
	struct broker *b = open_broker(c, ms);
	struct order o = mk("p1", "XYZ", 1, ORDER_LIMIT, 10, 101);
	struct order o2 = mk("p2", "ABC", -1, ORDER_LIMIT, 2, 49);
	static const double want_qty[] = { 3, 3, 3, 1 };
	static const double want_fee[] = { 2, 1, 1.5, 0.5 };  /* totals 2, 3, 4.5, 5 */
	struct broker_state st;
	struct sink_log l;
	char *cause = NULL;
	double filled = 0;
	int k;

	quote(ms, "XYZ", 99.9, 100.1, 35, 35, 100, T0);         /* 10% of 35: 3 */
	quote(ms, "ABC", 50, 50.1, 5, 5, 50, T0);               /* 10% of 5: 0, so 1 */
	send_ok(b, &o, T0);
	send_ok(b, &o2, T0);
	for (k = 0; k < 4; k++) {
		size_t i, nf = 0;

		poll_at(b, &l, T0 + k);
		for (i = 0; i < l.n; i++) {
			if (l.ev[i].kind != BROKER_FILL || strcmp(l.ev[i].client_id, "p1") != 0)
				continue;
			ck_assert(l.ev[i].fill.qty == want_qty[k]);
			ck_assert(l.ev[i].fill.fee == want_fee[k]);
			ck_assert(l.ev[i].fill.price == 100.1);
			filled += l.ev[i].fill.qty;
			nf++;
		}
		ck_assert_uint_eq(nf, 1);
	}
	ck_assert(filled == 10);
	ck_assert_int_eq(P->snapshot(b, &st, &cause), 0);
	ck_assert_uint_eq(st.norders, 2);
	ck_assert_int_eq(st.orders[0].state, ORDER_FILLED);
	ck_assert(st.orders[1].filled == 2);            /* 1 unit per poll */
	ck_assert_int_eq(st.orders[1].state, ORDER_FILLED);
	ck_assert_uint_eq(st.nfills, 6);
	ck_assert_uint_eq(st.npositions, 2);
	ck_assert_str_eq(st.positions[0].symbol, "ABC");
	ck_assert(st.positions[0].qty == -2 && st.positions[1].qty == 10);
	broker_state_free(&st);
	P->close(b);
	mstate_free(ms);
	conf_free(c);
}
END_TEST

/* A resting limit fills at its limit when the market trades through it. */
START_TEST(test_resting)
{
	struct conf *c = make_conf("rest.db", "0", "5", "1", "0", "0");
	struct mstate *ms = mstate_new(16);
	struct broker *b = open_broker(c, ms);
	struct order buy = mk("r1", "XYZ", 1, ORDER_LIMIT, 5, 99);
	struct order sell = mk("r2", "XYZ", -1, ORDER_LIMIT, 5, 101);
	struct sink_log l;

	quote(ms, "XYZ", 99.9, 100.1, 100, 100, 100, T0);
	send_ok(b, &buy, T0);
	send_ok(b, &sell, T0);
	poll_at(b, &l, T0 + 1);
	ck_assert_uint_eq(l.n, 2);                      /* two acks, no fill */
	ck_assert(l.ev[0].kind == BROKER_ACK && l.ev[1].kind == BROKER_ACK);
	quote(ms, "XYZ", 99.2, 99.4, 100, 100, 99.3, T0 + 2);  /* not through 99 yet */
	poll_at(b, &l, T0 + 2);
	ck_assert_uint_eq(l.n, 0);
	/* the ask crosses the buy's limit: filled at 99, no slippage */
	quote(ms, "XYZ", 98.8, 98.9, 100, 100, 98.85, T0 + 3);
	poll_at(b, &l, T0 + 3);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.ev[0].client_id, "r1");
	ck_assert(l.ev[0].fill.price == 99 && l.ev[0].fill.qty == 5);
	/* a trade through the sell's 101 while the bid stays below it */
	quote(ms, "XYZ", 100.9, 101.3, 100, 100, 101.2, T0 + 4);
	poll_at(b, &l, T0 + 4);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.ev[0].client_id, "r2");
	ck_assert(l.ev[0].fill.price == 101 && l.ev[0].fill.fee == 0);
	P->close(b);
	mstate_free(ms);
	conf_free(c);
}
END_TEST

/* Cancels take effect after the latency; refused for unknown or final
 * orders; no quote means a rejection; bad orders and duplicates refused. */
START_TEST(test_cancel_reject)
{
	struct conf *c = make_conf("cancel.db", "100", "0", "1", "0", "0");
	struct mstate *ms = mstate_new(16);
	struct broker *b = open_broker(c, ms);
	struct order o = mk("k1", "XYZ", 1, ORDER_LIMIT, 5, 90);
	struct order nq = mk("k2", "NOQ", 1, ORDER_LIMIT, 5, 90);
	struct order bad;
	struct sink_log l;
	char *cause = NULL;

	quote(ms, "XYZ", 99.9, 100.1, 100, 100, 100, T0);
	send_ok(b, &o, T0);
	send_ok(b, &nq, T0);
	poll_at(b, &l, T0 + 0.5);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_int_eq(l.ev[0].kind, BROKER_ACK);
	ck_assert_int_eq(l.ev[1].kind, BROKER_REJECT);
	ck_assert_msg(strstr(l.ev[1].reason, "no quote for NOQ") != NULL, "%s", l.ev[1].reason);
	ck_assert_int_eq(P->cancel(b, "k1", T0 + 1, &cause), 0);
	poll_at(b, &l, T0 + 1.05);
	ck_assert_uint_eq(l.n, 0);
	poll_at(b, &l, T0 + 1.1);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.ev[0].kind, BROKER_CANCELLED);
	NEAR(l.ev[0].time, T0 + 1.1);
	ck_assert_int_eq(P->cancel(b, "k1", T0 + 2, &cause), -1);
	ck_assert_msg(strstr(cause, "already final") != NULL, "%s", cause);
	free(cause);
	ck_assert_int_eq(P->cancel(b, "nosuch", T0 + 2, &cause), -1);
	ck_assert_msg(strstr(cause, "no such order") != NULL, "%s", cause);
	free(cause);
	ck_assert_int_eq(P->send(b, &o, T0 + 2, &cause), -1);
	ck_assert_msg(strstr(cause, "duplicate") != NULL, "%s", cause);
	free(cause);
	bad = mk("k3", "XYZ", 1, ORDER_LIMIT, NAN, 90);
	ck_assert_int_eq(P->send(b, &bad, T0 + 2, &cause), -1);
	ck_assert_msg(strstr(cause, "order k3: qty") != NULL, "%s", cause);
	free(cause);
	bad = mk("k4", "XYZ", 0, ORDER_LIMIT, 1, 90);
	ck_assert_int_eq(P->send(b, &bad, T0 + 2, &cause), -1);
	free(cause);
	bad = mk("k5", "XYZ", 1, ORDER_LIMIT, 1, -5);
	ck_assert_int_eq(P->send(b, &bad, T0 + 2, &cause), -1);
	ck_assert_msg(strstr(cause, "limit") != NULL, "%s", cause);
	free(cause);
	P->close(b);
	mstate_free(ms);
	conf_free(c);
}
END_TEST

/* cancel_many (the kill switch's batch): every working order is cancelled
 * after the latency as one cancel each would; an unknown order, a final
 * one and a repeated id are handled as cancel handles them; the file
 * says cancelled for each one, and a poll with nothing due writes nothing. */
START_TEST(test_cancel_many)
{
	struct conf *c = make_conf("many.db", "100", "0", "1", "0", "0");
	struct mstate *ms = mstate_new(16);
	struct broker *b = open_broker(c, ms);
	const char *ids[64];
	char names[40][16], *cause = NULL;
	unsigned char refused[64];
	struct sink_log l;
	struct order o;
	size_t i, n = 0, nref, cancelled = 0;

	quote(ms, "XYZ", 99.9, 100.1, 100, 100, 100, T0);
	for (i = 0; i < 40; i++) {
		snprintf(names[i], sizeof names[i], "m%zu", i);
		o = mk(names[i], "XYZ", 1, ORDER_LIMIT, 5, 90);        /* rests */
		send_ok(b, &o, T0);
	}
	poll_at(b, &l, T0 + 0.5);
	ck_assert_uint_eq(l.n, 40);
	/* m0 is cancelled alone first, so it is final when the batch comes */
	ck_assert_int_eq(P->cancel(b, "m0", T0 + 0.6, &cause), 0);
	poll_at(b, &l, T0 + 0.8);
	ck_assert_uint_eq(l.n, 1);
	poll_at(b, &l, T0 + 0.9);      /* nothing due: no event */
	ck_assert_uint_eq(l.n, 0);
	ck_assert_ptr_nonnull(P->cancel_many);
	for (i = 0; i < 40; i++)
		ids[n++] = names[i];
	ids[n++] = "nosuch";
	ids[n++] = "m7";                /* repeated */
	memset(refused, 0xff, sizeof refused);
	nref = P->cancel_many(b, ids, n, T0 + 1, refused, &cause);
	ck_assert_uint_eq(nref, 2);     /* m0 (final) and nosuch */
	ck_assert_msg(strstr(cause, "m0") != NULL && strstr(cause, "already final") != NULL,
	    "%s", cause);
	free(cause);
	ck_assert_int_eq(refused[0], 1);
	for (i = 1; i < 40; i++)
		ck_assert_int_eq(refused[i], 0);
	ck_assert_int_eq(refused[40], 1);
	ck_assert_int_eq(refused[41], 0);
	poll_at(b, &l, T0 + 1.05);     /* within the latency: nothing yet */
	ck_assert_uint_eq(l.n, 0);
	poll_at(b, &l, T0 + 1.1);
	ck_assert_uint_eq(l.n, 39);
	for (i = 0; i < l.n; i++) {
		ck_assert_int_eq(l.ev[i].kind, BROKER_CANCELLED);
		NEAR(l.ev[i].time, T0 + 1.1);
	}
	/* the broker's own view: all 40 cancelled */
	{
		struct broker_state st;

		ck_assert_msg(P->snapshot(b, &st, &cause) == 0, "%s", cause);
		ck_assert_uint_eq(st.norders, 40);
		for (i = 0; i < st.norders; i++)
			cancelled += st.orders[i].state == ORDER_CANCELLED;
		broker_state_free(&st);
	}
	ck_assert_uint_eq(cancelled, 40);
	ck_assert_uint_eq(P->cancel_many(b, ids, 0, T0 + 2, refused, &cause), 0);
	P->close(b);
	mstate_free(ms);
	conf_free(c);
}
END_TEST

/* Orders expire at order.expires, or at the end of the day (21:00 UTC). */
START_TEST(test_expiry)
{
	struct conf *c = make_conf("expiry.db", "0", "0", "1", "0", "0");
	struct mstate *ms = mstate_new(16);
	struct broker *b = open_broker(c, ms);
	struct order o = mk("e1", "XYZ", 1, ORDER_LIMIT, 5, 90);
	struct order day = mk("e2", "XYZ", 1, ORDER_LIMIT, 5, 90);
	struct sink_log l;
	struct tm tm;
	time_t t = (time_t)T0;
	double eod;

	o.expires = T0 + 5;
	/* the next 21:00:00 UTC after T0, by gmtime_r */
	gmtime_r(&t, &tm);
	eod = T0 - (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) + 21 * 3600;
	if (eod <= T0)
		eod += 86400;
	quote(ms, "XYZ", 99.9, 100.1, 100, 100, 100, T0);
	send_ok(b, &o, T0);
	send_ok(b, &day, T0);
	poll_at(b, &l, T0 + 4.9);
	ck_assert_uint_eq(l.n, 2);
	poll_at(b, &l, T0 + 5);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.ev[0].kind, BROKER_EXPIRED);
	ck_assert_str_eq(l.ev[0].client_id, "e1");
	ck_assert(l.ev[0].time == T0 + 5);
	poll_at(b, &l, eod - 0.001);
	ck_assert_uint_eq(l.n, 0);
	poll_at(b, &l, eod + 60);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.ev[0].kind, BROKER_EXPIRED);
	ck_assert(l.ev[0].time == eod);
	P->close(b);
	mstate_free(ms);
	conf_free(c);
}
END_TEST

/* The scenario of the restart test: two working orders that fill in
 * parts, one that rests, a cancel; polls each second.  kill_at > 0: the
 * process kills itself while delivering that event. */
static void scenario(struct broker *b, struct mstate *ms, int fd, int kill_at, int polls)
{
	struct order a = mk("s1", "XYZ", 1, ORDER_LIMIT, 20, 101);
	struct order s = mk("s2", "ABC", -1, ORDER_LIMIT, 12, 49);
	struct order r = mk("s3", "XYZ", 1, ORDER_LIMIT, 4, 95);
	struct order x = mk("s4", "ABC", 1, ORDER_LIMIT, 3, 40);
	struct broker_sink sink;
	struct sink_log *l = xcalloc(1, sizeof *l);
	char *cause = NULL;
	int k;

	l->fd = fd;
	l->kill_at = kill_at;
	sink.on_event = sink_event;
	sink.arg = l;
	send_ok(b, &a, T0);
	send_ok(b, &s, T0);
	send_ok(b, &r, T0);
	send_ok(b, &x, T0);
	for (k = 1; k <= polls; k++) {
		quote(ms, "XYZ", 99.9 - 0.5 * k, 100.1 - 0.5 * k, 30, 30, 100 - 0.5 * k, T0 + k);
		quote(ms, "ABC", 50, 50.1, 40, 40, 50, T0 + k);
		if (k == 2)
			ck_assert_int_eq(P->cancel(b, "s4", T0 + k, &cause), 0);
		l->n = 0;
		ck_assert_msg(P->poll(b, &sink, T0 + k, &cause) == 0, "%s", cause);
	}
	free(l);
}

/* Reads the events a child wrote to the pipe. */
static size_t read_events(int fd, struct broker_event *ev, size_t max)
{
	size_t n = 0;

	while (n < max && read(fd, &ev[n], sizeof *ev) == (ssize_t)sizeof *ev)
		n++;
	return n;
}

/* After a kill -9 while an event was being delivered, a reopened broker's
 * snapshot holds every delivered fill and state, and the working orders
 * go on filling without a fill id used twice. */
START_TEST(test_restart)
{
	static struct broker_event ev[512];
	struct conf *c = make_conf("restart.db", "0", "2", "0.1", "0.01", "1");
	struct mstate *ms;
	struct broker *b;
	struct broker_state st, st2;
	struct sink_log l;
	char *cause = NULL;
	int fds[2], status;
	size_t n, i, j;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		ms = mstate_new(16);
		b = open_broker(c, ms);
		scenario(b, ms, fds[1], 9, 6);
		_exit(4);               /* not reached: killed at event 9 */
	}
	close(fds[1]);
	n = read_events(fds[0], ev, 512);
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child status %d",
	    status);
	ck_assert_uint_eq(n, 9);

	ms = mstate_new(16);
	b = open_broker(c, ms);
	ck_assert_int_eq(P->snapshot(b, &st, &cause), 0);
	/* every delivered fill is in the books, field for field */
	for (i = 0; i < n; i++) {
		int found = 0;

		if (ev[i].kind != BROKER_FILL)
			continue;
		for (j = 0; j < st.nfills; j++) {
			if (strcmp(st.fills[j].fill_id, ev[i].fill.fill_id) != 0)
				continue;
			found++;
			ck_assert_str_eq(st.fills[j].client_id, ev[i].fill.client_id);
			ck_assert(st.fills[j].qty == ev[i].fill.qty);
			ck_assert(st.fills[j].price == ev[i].fill.price);
			ck_assert(st.fills[j].fee == ev[i].fill.fee);
			ck_assert(st.fills[j].time == ev[i].fill.time);
		}
		ck_assert_int_eq(found, 1);
	}
	/* each order's filled is the sum of its fills; positions the sum of all */
	for (i = 0; i < st.norders; i++) {
		double sum = 0;

		for (j = 0; j < st.nfills; j++) {
			if (strcmp(st.fills[j].client_id, st.orders[i].client_id) == 0)
				sum += st.fills[j].qty;
		}
		ck_assert(st.orders[i].filled == sum);
	}
	for (i = 0; i < st.npositions; i++) {
		double sum = 0;

		for (j = 0; j < st.nfills; j++) {
			if (strcmp(st.fills[j].symbol, st.positions[i].symbol) == 0)
				sum += st.fills[j].side * st.fills[j].qty;
		}
		ck_assert(st.positions[i].qty == sum);
	}
	/* s1 (20 XYZ at 3 a poll) is still working: it goes on */
	ck_assert_str_eq(st.orders[0].client_id, "s1");
	ck_assert(st.orders[0].state == ORDER_PARTIAL && st.orders[0].filled < 20);
	for (i = 0; i < 10; i++) {
		quote(ms, "XYZ", 99, 99.2, 30, 30, 99.1, T0 + 10 + (double)i);
		quote(ms, "ABC", 50, 50.1, 40, 40, 50, T0 + 10 + (double)i);
		poll_at(b, &l, T0 + 10 + (double)i);
	}
	ck_assert_int_eq(P->snapshot(b, &st2, &cause), 0);
	ck_assert_int_eq(st2.orders[0].state, ORDER_FILLED);
	ck_assert(st2.orders[0].filled == 20);
	ck_assert_int_eq(st2.orders[1].state, ORDER_FILLED);    /* s2: 12 ABC */
	for (i = 0; i < st2.nfills; i++) {
		for (j = i + 1; j < st2.nfills; j++)
			ck_assert_str_ne(st2.fills[i].fill_id, st2.fills[j].fill_id);
	}
	broker_state_free(&st);
	broker_state_free(&st2);
	P->close(b);
	mstate_free(ms);
	conf_free(c);
}
END_TEST

/* The same inputs give the same events (ids aside: they carry the file's
 * creation stamp). */
START_TEST(test_deterministic)
{
	struct conf *c1 = make_conf("det1.db", "0", "2", "0.1", "0.01", "1");
	struct conf *c2 = make_conf("det2.db", "0", "2", "0.1", "0.01", "1");
	struct mstate *m1 = mstate_new(16), *m2 = mstate_new(16);
	struct broker *b1 = open_broker(c1, m1), *b2 = open_broker(c2, m2);
	struct broker_state s1, s2;
	char *cause = NULL;
	size_t i;

	scenario(b1, m1, -1, 0, 8);
	scenario(b2, m2, -1, 0, 8);
	ck_assert_int_eq(P->snapshot(b1, &s1, &cause), 0);
	ck_assert_int_eq(P->snapshot(b2, &s2, &cause), 0);
	ck_assert_uint_eq(s1.nfills, s2.nfills);
	ck_assert(s1.nfills > 5);
	for (i = 0; i < s1.nfills; i++) {
		ck_assert_str_eq(s1.fills[i].client_id, s2.fills[i].client_id);
		ck_assert(s1.fills[i].qty == s2.fills[i].qty);
		ck_assert(s1.fills[i].price == s2.fills[i].price);
		ck_assert(s1.fills[i].fee == s2.fills[i].fee);
		ck_assert(s1.fills[i].time == s2.fills[i].time);
	}
	for (i = 0; i < s1.norders; i++)
		ck_assert_int_eq(s1.orders[i].state, s2.orders[i].state);
	broker_state_free(&s1);
	broker_state_free(&s2);
	P->close(b1);
	P->close(b2);
	mstate_free(m1);
	mstate_free(m2);
	conf_free(c1);
	conf_free(c2);
}
END_TEST

/* The broker table. */
START_TEST(test_find)
{
	ck_assert_ptr_eq(broker_find("paper"), P);
	ck_assert_ptr_null(broker_find("nosuch"));
	ck_assert_ptr_null(broker_find(NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("paper");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;
	char cmd[300];

	log_threshold = LOG_ERROR;
	snprintf(tmpdir, sizeof tmpdir, "%s/qd-paper-XXXXXX", getenv("TMPDIR") ?
	    getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	T0 = floor(now_wall());
	P = broker_find("paper");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_touch_slippage);
	tcase_add_test(tc, test_partial);
	tcase_add_test(tc, test_resting);
	tcase_add_test(tc, test_cancel_reject);
	tcase_add_test(tc, test_cancel_many);
	tcase_add_test(tc, test_expiry);
	tcase_add_test(tc, test_restart);
	tcase_add_test(tc, test_deterministic);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
