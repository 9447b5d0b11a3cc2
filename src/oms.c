/*
 * oms.c -- the order manager thread (oms.h): requests, the kill switch,
 * signals into orders, broker events, restore and reconciliation.
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bqueue.h"
#include "broker.h"
#include "conf.h"
#include "engine.h"
#include "feed.h"
#include "log.h"
#include "market-state.h"
#include "oms.h"
#include "order-legs.h"
#include "oms-int.h"
#include "store.h"
#include "util.h"

enum oms_req_kind { REQ_SIGNAL, REQ_FLATTEN, REQ_CANCEL, REQ_CANCEL_ALL, REQ_KILL_NOTE,
	REQ_RESUME_NOTE, REQ_HOLDINGS };

/* A caller waiting for the orders of a request. */
struct oms_wait {
	int done, refs;
	struct order *orders;
	size_t n;
	char error[256];
};

struct oms_req {
	int kind;
	struct signal sig;
	char user[32];
	char client_id[ORDER_ID_MAX];
	char text[160];
	int allow_killed;
	int confirmed;
	oms_holdings_fn hfn;            /* REQ_HOLDINGS */
	void *harg;
	struct oms_wait *wait;
};

/* A position as the OMS keeps it in memory (summed over strategies per
 * symbol for the checks, per strategy for flattening). */
struct oms_pos {
	char strategy[24];
	char symbol[MARKET_SYMBOL_MAX];
	double qty, avg_price, multiplier, realized;
};

static struct {
	pthread_mutex_t lock;           /* status, waits */
	pthread_cond_t done;            /* waits completed */
	atomic_int killed;
	int running, stopping;
	pthread_t thread;
	struct bqueue *q;
	struct conf *conf;
	const struct broker_ops *bops;
	struct broker *broker;
	struct store *db;               /* the OMS thread's own connection */
	struct order *work;             /* working orders (OMS thread only) */
	size_t nwork, capwork;
	struct oms_pos *pos;            /* positions (OMS thread only) */
	size_t npos, cappos;
	struct order_ids ids;
	struct oms_checks checks;       /* pre-trade state (OMS thread only) */
	struct order_legs legs;         /* multi-leg signals followed (OMS thread only) */
	double kill_mono;               /* when the switch was engaged (monotonic) */
	double day_pnl_start;           /* P&L at the start of the UTC day */
	int day;                        /* that day, YYYYMMDD */
	struct oms_status st;
} oms_g = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
};

static pthread_mutex_t oms_life = PTHREAD_MUTEX_INITIALIZER;

/* The listener of order updates (oms_set_update_sink), under its own lock
 * so it can be set whether or not the OMS runs. */
static pthread_mutex_t oms_sink_lock = PTHREAD_MUTEX_INITIALIZER;
static oms_update_fn oms_sink_fn;
static void *oms_sink_arg;

/* Sets the listener of order updates. */
void oms_set_update_sink(oms_update_fn fn, void *arg)
{
	pthread_mutex_lock(&oms_sink_lock);
	oms_sink_fn = fn;
	oms_sink_arg = arg;
	pthread_mutex_unlock(&oms_sink_lock);
}

/* Tells the listener what happened to o (f: the fill, or NULL).  Orders
 * without a strategy (manual) are nobody's to learn from; the engine
 * passes the others to the strategy of that name, if there is one. */
static void oms_update_of(const struct order *o, const struct fill *f, struct order_update *u);
static void oms_notify(const struct order *o, const struct fill *f)
{
	struct order_update u;
	oms_update_fn fn;
	void *arg;

	if (o->strategy[0] == '\0')
		return;
	oms_update_of(o, f, &u);
	/* Called under the sink's lock, so a listener being removed is not
	 * called after oms_set_update_sink returns (lock order: this lock,
	 * then whatever the listener takes -- the engine's). */
	pthread_mutex_lock(&oms_sink_lock);
	fn = oms_sink_fn;
	arg = oms_sink_arg;
	if (fn != NULL)
		fn(arg, &u);
	pthread_mutex_unlock(&oms_sink_lock);
}

/* The update that tells what happened to o (f: the fill, or NULL). */
static void oms_update_of(const struct order *o, const struct fill *f, struct order_update *up)
{
	struct order_update u;

	memset(&u, 0, sizeof u);
	u.signal_id = o->signal_id;
	snprintf(u.strategy, sizeof u.strategy, "%s", o->strategy);
	snprintf(u.client_id, sizeof u.client_id, "%s", o->client_id);
	snprintf(u.symbol, sizeof u.symbol, "%s", o->symbol);
	u.side = o->side;
	u.qty = o->qty;
	u.filled = o->filled;
	u.avg_price = o->filled > 0 ? o->avg_price : NAN;
	u.last_qty = f != NULL ? f->qty : 0;
	u.last_price = f != NULL ? f->price : NAN;
	u.state = o->state;
	u.time = f != NULL ? f->time : o->updated;
	*up = u;
}

/* Hands the strategies' positions and working orders to fn (the OMS
 * thread, between two events: see oms_holdings). */
static void oms_holdings_give(oms_holdings_fn fn, void *arg)
{
	struct oms_holding *pos = xcalloc(oms_g.npos + 1, sizeof *pos);
	struct order_update *work = xcalloc(oms_g.nwork + 1, sizeof *work);
	size_t i, np = 0, nw = 0;

	for (i = 0; i < oms_g.npos; i++) {
		if (oms_g.pos[i].strategy[0] == '\0' || oms_g.pos[i].qty == 0)
			continue;
		snprintf(pos[np].strategy, sizeof pos[np].strategy, "%s", oms_g.pos[i].strategy);
		snprintf(pos[np].symbol, sizeof pos[np].symbol, "%s", oms_g.pos[i].symbol);
		pos[np++].qty = oms_g.pos[i].qty;
	}
	for (i = 0; i < oms_g.nwork; i++)
		if (oms_g.work[i].strategy[0] != '\0' && !order_state_final(oms_g.work[i].state))
			oms_update_of(&oms_g.work[i], NULL, &work[nw++]);
	fn(arg, pos, np, work, nw);
	free(pos);
	free(work);
}

/* Records the last error for `engine status` (orders_error) and logs it. */
static void oms_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void oms_error(const char *fmt, ...)
{
	va_list ap;
	char msg[256];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&oms_g.lock);
	snprintf(oms_g.st.last_error, sizeof oms_g.st.last_error, "%s", msg);
	pthread_mutex_unlock(&oms_g.lock);
	log_error("oms: %s", msg);
}

/* --- working orders and positions (OMS thread) -------------------------- */

/* The working order of a client ID, or NULL. */
static struct order *oms_work_find(const char *client_id)
{
	size_t i;

	for (i = 0; i < oms_g.nwork; i++)
		if (strcmp(oms_g.work[i].client_id, client_id) == 0)
			return &oms_g.work[i];
	return NULL;
}

/* Adds a working order. */
static struct order *oms_work_add(const struct order *o)
{
	if (oms_g.nwork == oms_g.capwork) {
		oms_g.capwork = oms_g.capwork ? 2 * oms_g.capwork : 64;
		oms_g.work = xrealloc(oms_g.work, oms_g.capwork * sizeof *oms_g.work);
	}
	oms_g.work[oms_g.nwork] = *o;
	return &oms_g.work[oms_g.nwork++];
}

/* Drops the orders that reached a final state. */
static void oms_work_prune(void)
{
	size_t i, k = 0;

	for (i = 0; i < oms_g.nwork; i++)
		if (!order_state_final(oms_g.work[i].state))
			oms_g.work[k++] = oms_g.work[i];
	oms_g.nwork = k;
	pthread_mutex_lock(&oms_g.lock);
	oms_g.st.working = k;
	pthread_mutex_unlock(&oms_g.lock);
}

/* The position of (strategy, symbol), created flat when missing. */
static struct oms_pos *oms_pos_get(const char *strategy, const char *symbol)
{
	struct oms_pos *p;
	size_t i;

	for (i = 0; i < oms_g.npos; i++)
		if (strcmp(oms_g.pos[i].strategy, strategy) == 0 &&
		    strcmp(oms_g.pos[i].symbol, symbol) == 0)
			return &oms_g.pos[i];
	if (oms_g.npos == oms_g.cappos) {
		oms_g.cappos = oms_g.cappos ? 2 * oms_g.cappos : 64;
		oms_g.pos = xrealloc(oms_g.pos, oms_g.cappos * sizeof *oms_g.pos);
	}
	p = &oms_g.pos[oms_g.npos++];
	memset(p, 0, sizeof *p);
	snprintf(p->strategy, sizeof p->strategy, "%s", strategy);
	snprintf(p->symbol, sizeof p->symbol, "%s", symbol);
	p->multiplier = 1;
	return p;
}

/* The net position in a symbol over every strategy. */
double oms_net_position(const char *symbol)
{
	double q = 0;
	size_t i;

	for (i = 0; i < oms_g.npos; i++)
		if (strcmp(oms_g.pos[i].symbol, symbol) == 0)
			q += oms_g.pos[i].qty;
	return q;
}

/* The signed remaining quantity of the working orders in a symbol. */
double oms_working_qty(const char *symbol, int *hedging)
{
	double q = 0;
	size_t i;

	*hedging = 0;
	for (i = 0; i < oms_g.nwork; i++) {
		const struct order *o = &oms_g.work[i];

		if (order_state_final(o->state) || strcmp(o->symbol, symbol) != 0)
			continue;
		q += o->side * (o->qty - o->filled);
		*hedging |= strcmp(o->strategy, "hedge") == 0;
	}
	return q;
}

/* Gross exposure at average prices, currency. */
double oms_gross_exposure(void)
{
	double g = 0;
	size_t i;

	for (i = 0; i < oms_g.npos; i++)
		g += fabs(oms_g.pos[i].qty * oms_g.pos[i].avg_price * oms_g.pos[i].multiplier);
	return g;
}

/* Applies a fill to the in-memory position (the store keeps its own, in
 * the same transaction as the fill). */
static void oms_pos_apply(const struct fill *f)
{
	struct oms_pos *p = oms_pos_get(f->strategy, f->symbol);
	double q = f->side * f->qty, m = f->multiplier > 0 ? f->multiplier : 1;

	p->multiplier = m;
	if (p->qty == 0 || (p->qty > 0) == (q > 0)) {
		p->avg_price = (p->avg_price * fabs(p->qty) + f->price * fabs(q)) /
		    (fabs(p->qty) + fabs(q));
		p->qty += q;
	} else {
		double closed = fabs(q) < fabs(p->qty) ? fabs(q) : fabs(p->qty);

		p->realized += closed * (f->price - p->avg_price) * (p->qty > 0 ? 1 : -1) * m;
		p->qty += q;
		if (fabs(p->qty) < 1e-12)
			p->qty = 0, p->avg_price = 0;
		else if ((p->qty > 0) == (q > 0))
			p->avg_price = f->price;        /* flipped through zero */
	}
}

/* --- storing and sending ------------------------------------------------- */

/* Stores an order; -1 (logged) when the store refused it. */
static int oms_store_order(struct order *o)
{
	char *cause = NULL;

	if (store_put_order(oms_g.db, o, &o->id, &cause) != 0) {
		oms_error("order %s not stored: %s", o->client_id, cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* Moves o to a state, stores it; -1 when the move is illegal or the store
 * failed (both reported). */
static int oms_move(struct order *o, int to, const char *why)
{
	char *cause = NULL;
	int from = o->state;

	if (order_transition(o, to, now_wall(), &cause) != 0) {
		oms_error("%s", cause);
		free(cause);
		return -1;
	}
	if (why != NULL && *why)
		snprintf(o->reason_text, sizeof o->reason_text, "%s", why);
	if (oms_store_order(o) != 0)
		return -1;
	/* A final state of a sent order reached other than by a fill
	 * (fills notify with the fill): cancelled, expired, rejected.  An
	 * order refused before it was sent reaches its strategy as the
	 * signal's refusal (engine_signal_refused). */
	if (order_state_final(to) && from != ORDER_NEW)
		oms_notify(o, NULL);
	return 0;
}

/* Checks, stores and sends one new order; returns its final copy in out. */
static void oms_place(struct order *o, int allow_killed)
{
	char why[ORDER_REASON_MAX], *cause = NULL;
	int reason;

	o->created = o->updated = now_wall();
	order_ids_next(&oms_g.ids, o->client_id);
	/* The kill switch first: one atomic read before anything else. */
	if (atomic_load(&oms_g.killed) && !(allow_killed && o->risk_reducing))
		reason = OR_KILL_SWITCH, snprintf(why, sizeof why, "the kill switch is engaged");
	else
		reason = oms_pretrade(&oms_g.checks, o, allow_killed, why, sizeof why);
	if (reason != OR_NONE) {
		o->reason = reason;
		oms_move(o, ORDER_REJECTED, why);
		pthread_mutex_lock(&oms_g.lock);
		oms_g.st.rejected++;
		pthread_mutex_unlock(&oms_g.lock);
		return;
	}
	/* Durable before it is sent. */
	if (oms_move(o, ORDER_PENDING, NULL) != 0) {
		o->state = ORDER_REJECTED;
		o->reason = OR_BAD_ORDER;
		snprintf(o->reason_text, sizeof o->reason_text, "not stored, so not sent");
		return;
	}
	/* Read the switch again: it may have been engaged meanwhile. */
	if (atomic_load(&oms_g.killed) && !(allow_killed && o->risk_reducing)) {
		o->reason = OR_KILL_SWITCH;
		oms_move(o, ORDER_REJECTED, "the kill switch is engaged");
		return;
	}
	if (oms_g.bops->send(oms_g.broker, o, now_wall(), &cause) != 0) {
		o->reason = OR_BROKER;
		oms_move(o, ORDER_REJECTED, cause);
		free(cause);
		return;
	}
	oms_work_add(o);
	oms_notify(o, NULL);            /* sent: working */
	pthread_mutex_lock(&oms_g.lock);
	oms_g.st.sent++;
	oms_g.st.working = oms_g.nwork;
	pthread_mutex_unlock(&oms_g.lock);
}

/* --- broker events -------------------------------------------------------- */

/* The legs of a signal filled unevenly: said in the log, the alerts and
 * the audit trail (the trader decides: flatten, or complete by hand). */
static void oms_legging(const char *msg)
{
	char *cause = NULL;
	struct buf b;

	log_warn("oms: %s", msg);
	engine_alert("legging", NULL, "%s", msg);
	buf_init(&b);
	buf_adds(&b, "{\"legging\":");
	buf_add_json_string(&b, msg);
	buf_addc(&b, '}');
	if (store_audit_append(oms_g.db, now_wall(), "legging", b.data, NULL, &cause) != 0) {
		log_error("oms: legging audit: %s", cause);
		free(cause);
	}
	buf_free(&b);
}

/* Applies one broker event to its order (and the store). */
static void oms_on_event(void *arg, const struct broker_event *ev)
{
	struct order *o = oms_work_find(ev->client_id);
	struct order tmp;
	char *cause = NULL;
	int rc;

	(void)arg;
	if (o == NULL) {
		/* Not working: a late event for a final order, or one that
		 * recovery has not seen; the store decides. */
		if (store_get_order(oms_g.db, ev->client_id, &tmp, &cause) != 1) {
			oms_error("broker event for unknown order %s%s%s", ev->client_id,
			    cause ? ": " : "", cause ? cause : "");
			free(cause);
			return;
		}
		o = oms_work_add(&tmp);
	}
	switch (ev->kind) {
	case BROKER_ACK:
		snprintf(o->broker_id, sizeof o->broker_id, "%s", ev->broker_id);
		if (o->state == ORDER_PENDING)
			oms_move(o, ORDER_ACCEPTED, NULL);
		break;
	case BROKER_REJECT:
		o->reason = OR_BROKER;
		oms_move(o, ORDER_REJECTED, ev->reason);
		pthread_mutex_lock(&oms_g.lock);
		oms_g.st.rejected++;
		pthread_mutex_unlock(&oms_g.lock);
		break;
	case BROKER_FILL: {
		struct fill f = ev->fill;
		struct order after = *o;

		snprintf(f.client_id, sizeof f.client_id, "%s", o->client_id);
		snprintf(f.strategy, sizeof f.strategy, "%s", o->strategy);
		f.arrival_mid = o->arrival_mid;
		oms_tca(&f);
		if (order_apply_fill(&after, &f, &cause) != 0) {
			oms_error("fill %s: %s", f.fill_id, cause);
			free(cause);
			break;
		}
		rc = store_put_fill(oms_g.db, &f, &after, &f.id, &cause);
		if (rc < 0) {
			oms_error("fill %s of %s not stored: %s", f.fill_id, o->client_id, cause);
			free(cause);
			break;
		}
		free(cause);
		cause = NULL;
		if (rc == 1)
			break;          /* seen before: nothing doubles */
		*o = after;
		oms_pos_apply(&f);
		oms_notify(o, &f);
		pthread_mutex_lock(&oms_g.lock);
		oms_g.st.filled++;
		pthread_mutex_unlock(&oms_g.lock);
		break;
	}
	case BROKER_CANCELLED:
		oms_move(o, ORDER_CANCELLED, ev->reason[0] ? ev->reason : NULL);
		pthread_mutex_lock(&oms_g.lock);
		oms_g.st.cancelled++;
		pthread_mutex_unlock(&oms_g.lock);
		break;
	case BROKER_EXPIRED:
		oms_move(o, ORDER_EXPIRED, NULL);
		break;
	}
	{
		char msg[512];

		if (order_legs_update(&oms_g.legs, o, msg, sizeof msg) == 1)
			oms_legging(msg);
	}
	oms_work_prune();
}

/* --- requests ---------------------------------------------------------------- */

/* Finishes a wait with the orders of a request. */
static void oms_wait_finish(struct oms_wait *w, const struct order *o, size_t n, const char *err)
{
	int last;

	if (w == NULL)
		return;
	pthread_mutex_lock(&oms_g.lock);
	if (n > 0) {
		w->orders = xcalloc(n, sizeof *w->orders);
		memcpy(w->orders, o, n * sizeof *o);
		w->n = n;
	}
	if (err != NULL)
		snprintf(w->error, sizeof w->error, "%s", err);
	w->done = 1;
	last = --w->refs == 0;
	pthread_cond_broadcast(&oms_g.done);
	pthread_mutex_unlock(&oms_g.lock);
	if (last) {
		free(w->orders);
		free(w);
	}
}

/* Cancels every working order (the kill switch), timing the last send.
 * The cancels go to the broker first, in one batch (cancel_many; one call
 * per order for a broker without it); then every order the broker took
 * the cancel of is marked cancel_pending in ONE store transaction (all or
 * none).  A crash in between is reconciled: the broker's cancellation
 * arrives for an order stored as accepted, a legal move; and an OMS that
 * restarts killed cancels its working orders again.  An order still
 * pending (not yet acknowledged) is cancelled at the broker but keeps its
 * state here until the broker answers (pending -> cancel_pending is not a
 * legal move; pending -> cancelled is). */
static void oms_cancel_all(void)
{
	const char **ids;
	size_t *at;                     /* ids[i] is the order oms_g.work[at[i]] */
	unsigned char *refused;
	struct order *marked;
	char *cause = NULL;
	size_t i, n = 0, nref = 0, nm = 0;
	double now = now_wall();

	if (oms_g.nwork == 0)
		goto timed;
	ids = xmalloc(oms_g.nwork * sizeof *ids);
	at = xmalloc(oms_g.nwork * sizeof *at);
	refused = xcalloc(oms_g.nwork, 1);
	for (i = 0; i < oms_g.nwork; i++) {
		struct order *o = &oms_g.work[i];

		if (!order_state_final(o->state) && o->state != ORDER_CANCEL_PENDING) {
			at[n] = i;
			ids[n++] = o->client_id;
		}
	}
	if (oms_g.bops->cancel_many != NULL && n > 0)
		nref = oms_g.bops->cancel_many(oms_g.broker, ids, n, now, refused, &cause);
	else {
		for (i = 0; i < n; i++) {
			char *why = NULL;

			if (oms_g.bops->cancel(oms_g.broker, ids[i], now, &why) == 0)
				continue;
			refused[i] = 1;
			if (nref++ == 0)
				cause = why;
			else
				free(why);
		}
	}
	pthread_mutex_lock(&oms_g.lock);
	if (oms_g.kill_mono > 0)
		oms_g.st.kill_cancel_ms = (now_monotonic() - oms_g.kill_mono) * 1e3;
	pthread_mutex_unlock(&oms_g.lock);
	if (nref > 0)
		oms_error("kill switch: the broker refused %zu of %zu cancels (first: %s)", nref, n,
		    cause != NULL ? cause : "no reason given");
	free(cause);
	cause = NULL;
	/* The states, in one transaction: copies first, so a failed write
	 * leaves memory as the store has it. */
	marked = xmalloc((n > 0 ? n : 1) * sizeof *marked);
	for (i = 0; i < n; i++) {
		struct order *o = &oms_g.work[at[i]];

		if (refused[i] || o->state == ORDER_PENDING)
			continue;
		marked[nm] = *o;
		if (order_transition(&marked[nm], ORDER_CANCEL_PENDING, now, &cause) != 0) {
			oms_error("%s", cause);
			free(cause);
			cause = NULL;
			continue;
		}
		snprintf(marked[nm].reason_text, sizeof marked[nm].reason_text, "kill switch");
		at[nm++] = at[i];
	}
	if (nm > 0 && store_put_orders(oms_g.db, marked, nm, NULL, &cause) != 0) {
		oms_error("kill switch: %zu cancel_pending states not stored (the broker's "
		    "cancellations will still be applied): %s", nm, cause);
		free(cause);
	} else {
		for (i = 0; i < nm; i++)
			oms_g.work[at[i]] = marked[i];
	}
	free(marked);
	free(refused);
	free(at);
	free(ids);
	return;
timed:
	pthread_mutex_lock(&oms_g.lock);
	if (oms_g.kill_mono > 0)
		oms_g.st.kill_cancel_ms = (now_monotonic() - oms_g.kill_mono) * 1e3;
	pthread_mutex_unlock(&oms_g.lock);
}

/* Handles one request. */
static void oms_handle(struct oms_req *r)
{
	struct order orders[SIGNAL_LEGS_MAX + 64];
	size_t n = 0, i;
	char *cause = NULL, err[256] = "";

	switch (r->kind) {
	case REQ_SIGNAL: {
		double notional = 0, limit = conf_get_double(oms_g.conf, "orders.confirm_notional");

		n = oms_orders_from_signal(&r->sig, orders, SIGNAL_LEGS_MAX, err, sizeof err);
		for (i = 0; i < n; i++)
			notional += orders[i].qty * orders[i].limit * orders[i].multiplier;
		if (n > 0 && !r->confirmed && limit > 0 && notional > limit) {
			snprintf(err, sizeof err, "signal %lu: notional %.0f above "
			    "orders.confirm_notional %.0f: confirm with approve %lu --yes",
			    r->sig.id, notional, limit, r->sig.id);
			n = 0;
			break;
		}
		/* All legs or none: when a leg is refused, the legs already
		 * sent are cancelled and the rest are not sent. */
		for (i = 0; i < n; i++) {
			oms_place(&orders[i], 0);
			if (orders[i].state == ORDER_REJECTED)
				break;
		}
		if (i < n) {
			size_t k;

			for (k = 0; k < i; k++) {
				struct order *w = oms_work_find(orders[k].client_id);

				if (w != NULL && !order_state_final(w->state)) {
					if (w->state != ORDER_PENDING)
						oms_move(w, ORDER_CANCEL_PENDING, "another leg was refused");
					if (oms_g.bops->cancel(oms_g.broker, w->client_id, now_wall(),
					    &cause) != 0) {
						free(cause);
						cause = NULL;
					}
				}
			}
			for (k = i + 1; k < n; k++) {
				orders[k].state = ORDER_REJECTED;
				orders[k].reason = orders[i].reason;
				snprintf(orders[k].reason_text, sizeof orders[k].reason_text,
				    "not sent: leg %s was refused", orders[i].symbol);
			}
			log_warn("oms: signal %lu: leg %s refused (%s): the other legs are "
			    "cancelled", r->sig.id, orders[i].symbol, orders[i].reason_text);
		}
		if (n >= 2 && r->sig.id != 0) {
			/* Follow the legs to their end (a sent leg's state lives in
			 * the working list). */
			struct order cur[SIGNAL_LEGS_MAX];
			char msg[512];

			for (i = 0; i < n && i < SIGNAL_LEGS_MAX; i++) {
				struct order *w = orders[i].client_id[0] ?
				    oms_work_find(orders[i].client_id) : NULL;

				cur[i] = w != NULL ? *w : orders[i];
			}
			if (order_legs_add(&oms_g.legs, cur, i, msg, sizeof msg) == 1)
				oms_legging(msg);
		}
		if (n == 0 && err[0] != '\0')
			log_warn("oms: %s", err);
		/* Nothing of the signal reached the broker: its strategy must
		 * not believe it traded. */
		if (r->sig.id != 0 && (n == 0 || orders[0].state == ORDER_REJECTED))
			engine_signal_refused(r->sig.id, n == 0 ? err : orders[0].reason_text);
		break;
	}
	case REQ_FLATTEN:
		for (i = 0; i < oms_g.npos && n < sizeof orders / sizeof orders[0]; i++) {
			struct oms_pos *p = &oms_g.pos[i];

			if (p->qty == 0)
				continue;
			if (oms_order_close(p->strategy, p->symbol, p->qty, p->multiplier,
			    &orders[n], err, sizeof err) == 0)
				oms_place(&orders[n++], r->allow_killed);
		}
		break;
	case REQ_CANCEL: {
		struct order *o = oms_work_find(r->client_id);

		if (o == NULL)
			snprintf(err, sizeof err, "no working order %s", r->client_id);
		else if (o->state != ORDER_PENDING && oms_move(o, ORDER_CANCEL_PENDING, NULL) != 0)
			snprintf(err, sizeof err, "order %s cannot be cancelled in state %s",
			    r->client_id, order_state_name(o->state));
		else if (oms_g.bops->cancel(oms_g.broker, o->client_id, now_wall(), &cause) != 0) {
			snprintf(err, sizeof err, "%s", cause);
			free(cause);
		}
		break;
	}
	case REQ_CANCEL_ALL:
		oms_cancel_all();
		break;
	case REQ_HOLDINGS:
		if (r->hfn != NULL)
			oms_holdings_give(r->hfn, r->harg);
		break;
	case REQ_KILL_NOTE:
	case REQ_RESUME_NOTE:
		/* Persist the switch and audit it from the thread that owns
		 * the store connection. */
		if (store_meta_set(oms_g.db, "kill_switch", r->kind == REQ_KILL_NOTE ? "1" : "0",
		    &cause) != 0 ||
		    store_meta_set(oms_g.db, "kill_reason", r->text[0] ? r->text : "-", &cause) != 0) {
			oms_error("kill switch not persisted: %s", cause);
			free(cause);
		}
		break;
	}
	oms_wait_finish(r->wait, orders, n, err[0] ? err : NULL);
}

/* --- checks on the clock ------------------------------------------------- */

/* The daily loss limit and the loss of market data engage the switch. */
static void oms_watch(void)
{
	struct feed_status fs;
	double now = now_wall(), pnl, limit, timeout;
	int day = market_date_from_epoch(now);

	if (atomic_load(&oms_g.killed))
		return;
	pnl = oms_mark_to_market();
	if (day != oms_g.day || isnan(oms_g.day_pnl_start)) {
		oms_g.day = day;
		oms_g.day_pnl_start = pnl;
	}
	limit = conf_get_double(oms_g.conf, "orders.max_daily_loss");
	if (limit > 0 && oms_g.day_pnl_start - pnl > limit) {
		char why[160];

		snprintf(why, sizeof why, "daily loss %.2f above orders.max_daily_loss %.2f",
		    oms_g.day_pnl_start - pnl, limit);
		oms_kill(why, 0);
		return;
	}
	/* Delta hedges (risk.auto_hedge), damped by oms_hedge_orders: the
	 * band, the working orders, one hedge at a time per underlying, the
	 * minimum interval. */
	{
		struct order h[32];
		size_t nh = oms_hedge_orders(h, sizeof h / sizeof h[0]), k;

		for (k = 0; k < nh; k++)
			oms_place(&h[k], 0);
	}
	timeout = conf_get_double(oms_g.conf, "orders.data_timeout");
	if (timeout > 0 && feed_global_status(&fs) && fs.last_event > 0 &&
	    now - fs.last_event > timeout) {
		char why[160];

		snprintf(why, sizeof why, "market data lost: no event from feed %s for %.0f s",
		    fs.name, now - fs.last_event);
		oms_kill(why, 0);
	}
}

/* --- the thread ---------------------------------------------------------- */

static void *oms_main(void *arg)
{
	struct broker_sink sink = { .on_event = oms_on_event, .arg = NULL };
	struct oms_req r;
	double next_watch = 0, poll_s = conf_get_double(oms_g.conf, "orders.poll_ms") / 1e3;
	char *cause = NULL;
	int stopping;

	(void)arg;
	for (;;) {
		int got = bqueue_pop(oms_g.q, &r, poll_s);

		if (got == 1)
			oms_handle(&r);
		if (oms_g.bops->poll(oms_g.broker, &sink, now_wall(), &cause) != 0) {
			oms_error("broker %s: %s", oms_g.bops->name, cause);
			free(cause);
			cause = NULL;
		}
		if (now_monotonic() >= next_watch) {
			oms_watch();
			next_watch = now_monotonic() + 1;
		}
		pthread_mutex_lock(&oms_g.lock);
		stopping = oms_g.stopping;
		pthread_mutex_unlock(&oms_g.lock);
		if (stopping && got == 0)
			break;
	}
	return NULL;
}

/* --- restore and reconcile ----------------------------------------------- */

/* Reports one reconciliation difference (log, alert, audit). */
static void oms_difference(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void oms_difference(const char *fmt, ...)
{
	char msg[256], *p, *cause = NULL;
	struct buf b;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	engine_alert("reconcile", NULL, "%s", msg);
	buf_init(&b);
	buf_adds(&b, "{\"difference\":");
	buf_add_json_string(&b, msg);
	buf_addc(&b, '}');
	p = b.data;
	if (store_audit_append(oms_g.db, now_wall(), "reconcile", p, NULL, &cause) != 0) {
		log_error("oms: reconcile audit: %s", cause);
		free(cause);
	}
	buf_free(&b);
	pthread_mutex_lock(&oms_g.lock);
	oms_g.st.differences++;
	pthread_mutex_unlock(&oms_g.lock);
}

/* Follows again the legs of the multi-leg signals that still have a
 * working order after a restart (the process that sent them is gone): the
 * signal's orders are those of the same strategy and signal id created
 * within a minute of the working one (signal ids continue across restarts,
 * but a store written before they did may repeat an id across processes). */
static void oms_legs_restore(void)
{
	struct order *all = NULL, grp[ORDER_LEGS_MAX];
	char *cause = NULL, msg[512];
	size_t n = 0, i, j, k, ng;

	if (oms_g.nwork == 0)
		return;
	if (store_get_orders(oms_g.db, 0, 0, &all, &n, &cause) != 0) {
		log_warn("oms: the legs of working signals are not followed after the restart: %s",
		    cause);
		free(cause);
		return;
	}
	for (i = 0; i < oms_g.nwork; i++) {
		const struct order *w = &oms_g.work[i];

		if (w->signal_id == 0)
			continue;
		for (j = 0; j < i && oms_g.work[j].signal_id != w->signal_id; j++)
			;
		if (j < i)
			continue;       /* the signal is followed already */
		for (k = 0, ng = 0; k < n && ng < ORDER_LEGS_MAX; k++) {
			struct order *cur;

			if (all[k].signal_id != w->signal_id ||
			    strcmp(all[k].strategy, w->strategy) != 0 ||
			    fabs(all[k].created - w->created) > 60)
				continue;
			cur = oms_work_find(all[k].client_id);
			grp[ng++] = cur != NULL ? *cur : all[k];
		}
		if (ng >= 2 && order_legs_add(&oms_g.legs, grp, ng, msg, sizeof msg) == 1)
			oms_legging(msg);
	}
	free(all);
}

/* Compares two strings through pointers to them (qsort, bsearch). */
static int oms_strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Restores the working orders and positions from the store and reconciles
 * them with the broker's own view. */
static int oms_restore(char **cause)
{
	struct store_position *sp = NULL;
	struct broker_state bs;
	struct order *open = NULL;
	char *v = NULL, **stored = NULL;
	size_t i, j, nopen = 0, nsp = 0, nstored = 0;
	int rc;

	if ((rc = store_meta_get(oms_g.db, "kill_switch", &v, cause)) < 0)
		return -1;
	if (rc == 1 && strcmp(v, "1") == 0) {
		char *why = NULL;

		atomic_store(&oms_g.killed, 1);
		if (store_meta_get(oms_g.db, "kill_reason", &why, cause) == 1)
			snprintf(oms_g.st.kill_reason, sizeof oms_g.st.kill_reason, "%s", why);
		free(why);
		oms_g.st.killed = 1;
		log_warn("oms: starting with the kill switch engaged (%s); `resume` releases it",
		    oms_g.st.kill_reason);
	}
	free(v);
	if (store_get_positions(oms_g.db, &sp, &nsp, cause) != 0)
		return -1;
	for (i = 0; i < nsp; i++) {
		struct oms_pos *p = oms_pos_get(sp[i].strategy, sp[i].symbol);

		p->qty = sp[i].qty;
		p->avg_price = sp[i].avg_price;
		p->multiplier = sp[i].multiplier > 0 ? sp[i].multiplier : 1;
		p->realized = sp[i].realized_pnl;
	}
	free(sp);
	if (store_get_orders(oms_g.db, 1, 0, &open, &nopen, cause) != 0)
		return -1;
	for (i = 0; i < nopen; i++)
		oms_work_add(&open[i]);
	free(open);
	memset(&bs, 0, sizeof bs);
	if (oms_g.bops->snapshot(oms_g.broker, &bs, cause) != 0)
		return -1;
	/* The fills the store holds, by broker fill id: the broker's others
	 * are the ones it missed. */
	{
		struct fill *sf = NULL;
		size_t k;

		if (store_get_fills(oms_g.db, NULL, 0, &sf, &nstored, cause) != 0) {
			broker_state_free(&bs);
			return -1;
		}
		stored = xcalloc(nstored + 1, sizeof *stored);
		for (k = 0; k < nstored; k++)
			stored[k] = xstrdup(sf[k].fill_id);
		free(sf);
		qsort(stored, nstored, sizeof *stored, oms_strcmp_p);
	}
	/* Fills the broker made that the store missed (a crash between the
	 * broker's fill and our write): applied now, in broker order.  Those
	 * the store holds are skipped (applying one again would be refused
	 * anyway -- a fill of a final order, or a duplicate -- but as a
	 * false alarm at every start). */
	for (i = 0; i < bs.nfills; i++) {
		struct broker_event ev;
		struct order o;
		char *why = NULL;
		const char *key = bs.fills[i].fill_id;

		if (bsearch(&key, stored, nstored, sizeof *stored, oms_strcmp_p) != NULL)
			continue;

		if (store_get_order(oms_g.db, bs.fills[i].client_id, &o, &why) != 1) {
			oms_difference("broker fill %s of unknown order %s", bs.fills[i].fill_id,
			    bs.fills[i].client_id);
			free(why);
			continue;
		}
		memset(&ev, 0, sizeof ev);
		ev.kind = BROKER_FILL;
		snprintf(ev.client_id, sizeof ev.client_id, "%s", bs.fills[i].client_id);
		ev.fill = bs.fills[i];
		{
			unsigned long before = oms_g.st.filled;

			oms_on_event(NULL, &ev);
			if (oms_g.st.filled > before) {
				oms_g.st.reconciled_fills++;
				oms_difference("fill %s of %s (%g @ %g) was missing from the store: "
				    "applied", bs.fills[i].fill_id, bs.fills[i].client_id,
				    bs.fills[i].qty, bs.fills[i].price);
			}
		}
	}
	/* Orders: ours against the broker's states. */
	for (i = 0; i < oms_g.nwork; i++) {
		struct order *o = &oms_g.work[i];
		const struct broker_order_view *bv = NULL;

		for (j = 0; j < bs.norders; j++)
			if (strcmp(bs.orders[j].client_id, o->client_id) == 0)
				bv = &bs.orders[j];
		if (bv == NULL) {
			o->reason = OR_BROKER;
			oms_move(o, ORDER_REJECTED, "never reached the broker (stopped before "
			    "sending)");
			oms_difference("order %s was stored but never reached the broker: marked "
			    "rejected", o->client_id);
			continue;
		}
		if (bv->broker_id[0] && !o->broker_id[0])
			snprintf(o->broker_id, sizeof o->broker_id, "%s", bv->broker_id);
		/* A cancel we asked for and the broker never carried out (it
		 * stopped first): asked again. */
		if (o->state == ORDER_CANCEL_PENDING && !order_state_final(bv->state)) {
			char *why = NULL;

			if (oms_g.bops->cancel(oms_g.broker, o->client_id, now_wall(), &why) != 0) {
				oms_error("cancel %s again: %s", o->client_id, why);
				free(why);
			}
		}
		if (o->state == ORDER_PENDING && !order_state_final(bv->state) &&
		    bv->state != ORDER_PENDING)
			oms_move(o, ORDER_ACCEPTED, NULL);
		if (order_state_final(bv->state) && !order_state_final(o->state) &&
		    bv->state != ORDER_FILLED) {
			oms_difference("order %s is %s at the broker but was %s here: adopted",
			    o->client_id, order_state_name(bv->state), order_state_name(o->state));
			if (o->state != ORDER_CANCEL_PENDING && bv->state == ORDER_CANCELLED &&
			    !order_transition_ok(o->state, ORDER_CANCELLED))
				oms_move(o, ORDER_CANCEL_PENDING, NULL);
			oms_move(o, bv->state, "reconciled with the broker");
		}
	}
	for (i = 0; i < nstored; i++)
		free(stored[i]);
	free(stored);
	oms_work_prune();
	/* Started killed: the working orders are cancelled now, as if the
	 * switch had just been engaged. */
	if (atomic_load(&oms_g.killed) && oms_g.nwork > 0) {
		oms_g.kill_mono = now_monotonic();
		oms_cancel_all();
	}
	/* Positions: the sum of our fills against the broker's. */
	for (i = 0; i < bs.npositions; i++) {
		double ours = oms_net_position(bs.positions[i].symbol);

		if (fabs(ours - bs.positions[i].qty) > 1e-9)
			oms_difference("position %s: %g here, %g at the broker", bs.positions[i].symbol,
			    ours, bs.positions[i].qty);
	}
	for (i = 0; i < oms_g.npos; i++) {
		double theirs = 0;

		for (j = 0; j < bs.npositions; j++)
			if (strcmp(bs.positions[j].symbol, oms_g.pos[i].symbol) == 0)
				theirs = bs.positions[j].qty;
		if (theirs == 0 && fabs(oms_net_position(oms_g.pos[i].symbol)) > 1e-9)
			oms_difference("position %s: %g here, none at the broker", oms_g.pos[i].symbol,
			    oms_net_position(oms_g.pos[i].symbol));
	}
	broker_state_free(&bs);
	return 0;
}

/* --- the public side ----------------------------------------------------- */

/* Starts the OMS. */
int oms_start(struct conf *conf, char **cause)
{
	const char *bname = conf_get_str(conf, "orders.broker");
	int rc;

	pthread_mutex_lock(&oms_life);
	if (oms_g.running) {
		pthread_mutex_unlock(&oms_life);
		*cause = xasprintf("oms: already running");
		return -1;
	}
	if ((oms_g.bops = broker_find(bname)) == NULL) {
		pthread_mutex_unlock(&oms_life);
		*cause = xasprintf("orders.broker: no broker '%s' (paper)", bname);
		return -1;
	}
	oms_g.conf = conf;
	memset(&oms_g.st, 0, sizeof oms_g.st);
	snprintf(oms_g.st.broker, sizeof oms_g.st.broker, "%s", bname);
	atomic_store(&oms_g.killed, 0);
	oms_g.kill_mono = 0;
	oms_g.day = 0;
	oms_g.day_pnl_start = NAN;
	oms_g.nwork = oms_g.npos = 0;
	order_ids_init(&oms_g.ids, now_wall());
	if (oms_checks_init(&oms_g.checks, conf, cause) != 0)
		goto fail;
	if ((oms_g.db = store_open(conf, STORE_MIGRATE, cause)) == NULL)
		goto fail;
	if ((oms_g.broker = oms_g.bops->open(conf, cause)) == NULL)
		goto fail;
	if (oms_restore(cause) != 0)
		goto fail;
	oms_legs_restore();
	oms_g.q = bqueue_new((size_t)conf_get_int(conf, "orders.queue"), sizeof(struct oms_req));
	oms_g.stopping = 0;
	if ((rc = pthread_create(&oms_g.thread, NULL, oms_main, NULL)) != 0) {
		*cause = xasprintf("oms: cannot start its thread: %s", strerror(rc));
		goto fail;
	}
	pthread_mutex_lock(&oms_g.lock);
	oms_g.running = 1;
	oms_g.st.running = 1;
	oms_g.st.killed = atomic_load(&oms_g.killed);
	pthread_mutex_unlock(&oms_g.lock);
	pthread_mutex_unlock(&oms_life);
	return 0;
fail:
	if (oms_g.broker != NULL)
		oms_g.bops->close(oms_g.broker);
	oms_g.broker = NULL;
	if (oms_g.db != NULL)
		store_close(oms_g.db);
	oms_g.db = NULL;
	bqueue_free(oms_g.q);
	oms_g.q = NULL;
	oms_checks_free(&oms_g.checks);
	pthread_mutex_unlock(&oms_life);
	return -1;
}

/* Stops the OMS: requests already queued are handled first. */
void oms_stop(void)
{
	pthread_mutex_lock(&oms_life);
	if (!oms_g.running) {
		pthread_mutex_unlock(&oms_life);
		return;
	}
	pthread_mutex_lock(&oms_g.lock);
	oms_g.stopping = 1;
	pthread_mutex_unlock(&oms_g.lock);
	bqueue_close(oms_g.q);
	pthread_join(oms_g.thread, NULL);
	pthread_mutex_lock(&oms_g.lock);
	oms_g.running = 0;
	oms_g.st.running = 0;
	pthread_mutex_unlock(&oms_g.lock);
	oms_g.bops->close(oms_g.broker);
	oms_g.broker = NULL;
	store_close(oms_g.db);
	oms_g.db = NULL;
	bqueue_free(oms_g.q);
	oms_g.q = NULL;
	oms_checks_free(&oms_g.checks);
	free(oms_g.work);
	order_legs_free(&oms_g.legs);
	oms_g.work = NULL;
	oms_g.nwork = oms_g.capwork = 0;
	free(oms_g.pos);
	oms_g.pos = NULL;
	oms_g.npos = oms_g.cappos = 0;
	pthread_mutex_unlock(&oms_life);
}

int oms_running(void)
{
	int r;

	pthread_mutex_lock(&oms_g.lock);
	r = oms_g.running;
	pthread_mutex_unlock(&oms_g.lock);
	return r;
}

void oms_get_status(struct oms_status *st)
{
	pthread_mutex_lock(&oms_g.lock);
	*st = oms_g.st;
	st->killed = atomic_load(&oms_g.killed);
	pthread_mutex_unlock(&oms_g.lock);
}

int oms_killed(void)
{
	return atomic_load(&oms_g.killed);
}

/* Queues a request (with an optional wait); 0 or -1 with cause. */
static int oms_push(struct oms_req *r, char **cause)
{
	int rc;

	pthread_mutex_lock(&oms_g.lock);
	rc = oms_g.running && oms_g.q != NULL && bqueue_push(oms_g.q, r) == 0 ? 0 : -1;
	if (rc != 0)
		*cause = xasprintf(oms_g.running ? "the order queue is full (orders.queue)" :
		    "the order manager is not running (engine start)");
	pthread_mutex_unlock(&oms_g.lock);
	return rc;
}

/* Engages the kill switch. */
void oms_kill(const char *reason, int flatten)
{
	struct oms_req r;
	char *cause = NULL;
	int was = atomic_exchange(&oms_g.killed, 1);

	pthread_mutex_lock(&oms_g.lock);
	if (!was) {
		oms_g.kill_mono = now_monotonic();
		oms_g.st.kill_time = now_wall();
		snprintf(oms_g.st.kill_reason, sizeof oms_g.st.kill_reason, "%s", reason);
	}
	oms_g.st.killed = 1;
	pthread_mutex_unlock(&oms_g.lock);
	/* The cancels first, the alert (the engine's lock, the log) after. */
	memset(&r, 0, sizeof r);
	r.kind = REQ_CANCEL_ALL;
	if (oms_push(&r, &cause) != 0) {
		free(cause);
		cause = NULL;
	}
	if (!was)
		engine_alert("kill", NULL, "kill switch engaged: %s", reason);
	r.kind = REQ_KILL_NOTE;
	snprintf(r.text, sizeof r.text, "%s", reason);
	if (oms_push(&r, &cause) != 0) {
		free(cause);
		cause = NULL;
	}
	if (flatten) {
		r.kind = REQ_FLATTEN;
		r.allow_killed = 1;
		if (oms_push(&r, &cause) != 0)
			free(cause);
	}
}

/* Releases the kill switch. */
int oms_resume(const char *user, char **cause)
{
	struct oms_req r;

	if (!atomic_load(&oms_g.killed)) {
		*cause = xasprintf("the kill switch is not engaged");
		return -1;
	}
	memset(&r, 0, sizeof r);
	r.kind = REQ_RESUME_NOTE;
	snprintf(r.text, sizeof r.text, "resumed by %s", user);
	if (oms_push(&r, cause) != 0)
		return -1;
	atomic_store(&oms_g.killed, 0);
	pthread_mutex_lock(&oms_g.lock);
	oms_g.st.killed = 0;
	oms_g.st.kill_reason[0] = '\0';
	pthread_mutex_unlock(&oms_g.lock);
	engine_alert("kill", NULL, "kill switch released by %s", user);
	return 0;
}

/* Submits and waits. */
static int oms_submit_wait(struct oms_req *r, double timeout, struct order **out, size_t *n,
    char **cause)
{
	struct oms_wait *w = xcalloc(1, sizeof *w);
	struct timespec until;
	int last, rc = 0;

	*out = NULL;
	*n = 0;
	w->refs = 2;
	r->wait = w;
	if (oms_push(r, cause) != 0) {
		free(w);
		return -1;
	}
	deadline_in(&until, CLOCK_REALTIME, timeout);
	pthread_mutex_lock(&oms_g.lock);
	while (!w->done)
		if (pthread_cond_timedwait(&oms_g.done, &oms_g.lock, &until) != 0)
			break;
	if (!w->done) {
		*cause = xasprintf("no answer from the order manager within %g s", timeout);
		rc = -1;
	} else {
		*out = w->orders;
		*n = w->n;
		w->orders = NULL;
		if (w->error[0] != '\0' && w->n == 0) {
			*cause = xstrdup(w->error);
			rc = -1;
		}
	}
	last = --w->refs == 0;
	pthread_mutex_unlock(&oms_g.lock);
	if (last) {
		free(w->orders);
		free(w);
	}
	return rc;
}

int oms_submit_signal(const struct signal *s, const char *user, int confirmed, double timeout,
    struct order **out, size_t *n, char **cause)
{
	struct oms_req r;

	memset(&r, 0, sizeof r);
	r.kind = REQ_SIGNAL;
	r.sig = *s;
	r.confirmed = confirmed;
	snprintf(r.user, sizeof r.user, "%s", user);
	return oms_submit_wait(&r, timeout, out, n, cause);
}

int oms_post_signal(const struct signal *s, const char *user)
{
	struct oms_req r;
	char *cause = NULL;

	memset(&r, 0, sizeof r);
	r.kind = REQ_SIGNAL;
	r.sig = *s;
	r.confirmed = 1;
	snprintf(r.user, sizeof r.user, "%s", user);
	if (oms_push(&r, &cause) != 0) {
		log_warn("oms: signal %lu not queued: %s", s->id, cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* Has the OMS thread hand the holdings to fn, and waits for it. */
int oms_holdings(oms_holdings_fn fn, void *arg, double timeout, char **cause)
{
	struct oms_req r;
	struct order *o = NULL;
	size_t n = 0;
	int rc;

	memset(&r, 0, sizeof r);
	r.kind = REQ_HOLDINGS;
	r.hfn = fn;
	r.harg = arg;
	rc = oms_submit_wait(&r, timeout, &o, &n, cause);
	free(o);
	return rc;
}

int oms_flatten(int allow_killed, double timeout, struct order **out, size_t *n, char **cause)
{
	struct oms_req r;

	memset(&r, 0, sizeof r);
	r.kind = REQ_FLATTEN;
	r.allow_killed = allow_killed;
	return oms_submit_wait(&r, timeout, out, n, cause);
}

int oms_cancel(const char *client_id, char **cause)
{
	struct oms_req r;
	struct order *o = NULL;
	size_t n = 0;
	int rc;

	memset(&r, 0, sizeof r);
	r.kind = REQ_CANCEL;
	snprintf(r.client_id, sizeof r.client_id, "%s", client_id);
	rc = oms_submit_wait(&r, 10, &o, &n, cause);
	free(o);
	return rc;
}

/* --- positions for oms-orders.c ------------------------------------------ */

struct oms_checks *oms_checks_get(void)
{
	return &oms_g.checks;
}

const char *oms_position_strategy(size_t i)
{
	return oms_g.pos[i].strategy;
}

size_t oms_positions_count(void)
{
	return oms_g.npos;
}

void oms_position_at(size_t i, char *symbol, size_t len, double *qty, double *avg_price,
    double *multiplier, double *realized)
{
	snprintf(symbol, len, "%s", oms_g.pos[i].symbol);
	*qty = oms_g.pos[i].qty;
	*avg_price = oms_g.pos[i].avg_price;
	*multiplier = oms_g.pos[i].multiplier;
	*realized = oms_g.pos[i].realized;
}
