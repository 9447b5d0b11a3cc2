/*
 * engine.c -- the engine's lifecycle, its own thread (schedule, strategies,
 * aggregation) and the snapshots readers see.  See engine.h for the design;
 * the calibration pool is in engine-calib.c, the store writer in
 * engine-store.c.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "engine-int.h"
#include "feed.h"
#include "log.h"
#include "market-state.h"
#include "oms.h"
#include "store.h"
#include "util.h"

struct engine engine_g = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.strat_lock = PTHREAD_MUTEX_INITIALIZER,
};

/* The lifecycle lock: start and stop from several threads serialise here
 * (never taken by the engine's own threads). */
static pthread_mutex_t engine_life = PTHREAD_MUTEX_INITIALIZER;
static int engine_cond_ready;

/* An immutable view (engine.h). */
struct engine_snap {
	int refs;                       /* under engine_g.lock */
	unsigned long version;
	struct calib_book book;
	struct signal *signals;
	size_t nsignals;
	struct engine_alert *alerts;
	size_t nalerts;
};

/* Marks a change readers should see (lock held). */
void engine_bump_locked(void)
{
	engine_g.version++;
}

/* Records an alert (lock held); also logs it. */
void engine_alert_locked(const char *source, const char *symbol, const char *msg)
{
	struct engine_alert *a;
	size_t i, k;

	/* The same alert again for the same symbol (a pair that stays
	 * uncointegrated, a store that stays down) is counted, not repeated:
	 * a screen of identical lines would hide the new ones. */
	for (k = engine_g.nalerts; k-- > 0;) {
		a = &engine_g.alerts[(engine_g.alert_head + k) % ENGINE_ALERTS_MAX];
		if (strcmp(a->source, source) != 0 ||
		    strcmp(a->symbol, symbol != NULL ? symbol : "") != 0)
			continue;
		if (strcmp(a->msg, msg) == 0) {
			a->repeats++;
			a->time = now_wall();
			engine_bump_locked();
			return;
		}
		break;
	}
	i = (engine_g.alert_head + engine_g.nalerts) % ENGINE_ALERTS_MAX;
	if (engine_g.nalerts == ENGINE_ALERTS_MAX)
		engine_g.alert_head = (engine_g.alert_head + 1) % ENGINE_ALERTS_MAX;
	else
		engine_g.nalerts++;
	a = &engine_g.alerts[i];
	a->seq = ++engine_g.alert_seq;
	a->time = now_wall();
	snprintf(a->source, sizeof a->source, "%s", source);
	snprintf(a->symbol, sizeof a->symbol, "%s", symbol != NULL ? symbol : "");
	snprintf(a->msg, sizeof a->msg, "%s", msg);
	a->repeats = 0;
	engine_bump_locked();
	log_warn("alert: %s%s%s: %s", source, symbol != NULL && *symbol ? " " : "",
	    symbol != NULL ? symbol : "", msg);
}

/* Raises an alert from any thread. */
void engine_alert(const char *source, const char *symbol, const char *fmt, ...)
{
	char msg[CALIB_ALERT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&engine_g.lock);
	engine_alert_locked(source, symbol, msg);
	pthread_mutex_unlock(&engine_g.lock);
}

/* Audits through the store writer. */
void engine_audit(struct conf *conf, const char *kind, const char *payload)
{
	pthread_mutex_lock(&engine_g.lock);
	if (engine_g.conf == NULL)
		engine_g.conf = conf;
	pthread_mutex_unlock(&engine_g.lock);
	engine_store_audit(kind, payload);
}

/* --- snapshots ----------------------------------------------------------- */

/* Frees a view nobody holds. */
static void engine_snap_free(struct engine_snap *s)
{
	if (s == NULL)
		return;
	calib_book_free(&s->book);
	free(s->signals);
	free(s->alerts);
	free(s);
}

/* Builds the view of the current state (lock held). */
static struct engine_snap *engine_snap_build_locked(void)
{
	struct engine_snap *s = xcalloc(1, sizeof *s);
	size_t i;

	s->refs = 1;                    /* the cache's reference */
	s->version = engine_g.version;
	calib_book_init(&s->book);
	for (i = 0; i < engine_g.book.n; i++)
		calib_book_put(&s->book, &engine_g.book.v[i]);
	if (engine_g.nsignals > 0) {
		s->signals = xcalloc(engine_g.nsignals, sizeof *s->signals);
		memcpy(s->signals, engine_g.signals, engine_g.nsignals * sizeof *s->signals);
		s->nsignals = engine_g.nsignals;
	}
	if (engine_g.nalerts > 0) {
		s->alerts = xcalloc(engine_g.nalerts, sizeof *s->alerts);
		for (i = 0; i < engine_g.nalerts; i++)
			s->alerts[i] = engine_g.alerts[(engine_g.alert_head + i) % ENGINE_ALERTS_MAX];
		s->nalerts = engine_g.nalerts;
	}
	return s;
}

/* The current view (rebuilt only when something changed). */
const struct engine_snap *engine_snapshot(void)
{
	struct engine_snap *s;

	pthread_mutex_lock(&engine_g.lock);
	if (engine_g.snap == NULL || engine_g.snap->version != engine_g.version) {
		if (engine_g.snap != NULL && --engine_g.snap->refs == 0)
			engine_snap_free(engine_g.snap);
		engine_g.snap = engine_snap_build_locked();
	}
	s = engine_g.snap;
	s->refs++;
	pthread_mutex_unlock(&engine_g.lock);
	return s;
}

/* Drops a reference. */
void engine_snap_release(const struct engine_snap *cs)
{
	struct engine_snap *s = (struct engine_snap *)cs;
	int last;

	if (s == NULL)
		return;
	pthread_mutex_lock(&engine_g.lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&engine_g.lock);
	if (last)
		engine_snap_free(s);
}

const struct calib_book *engine_snap_book(const struct engine_snap *s)
{
	return &s->book;
}

const struct signal *engine_snap_signals(const struct engine_snap *s, size_t *n)
{
	*n = s->nsignals;
	return s->signals;
}

const struct engine_alert *engine_snap_alerts(const struct engine_snap *s, size_t *n)
{
	*n = s->nalerts;
	return s->alerts;
}

/* --- strategies ---------------------------------------------------------- */

/* Creates the strategy objects once per process. */
static int engine_strategies_create(char **cause)
{
	size_t i;

	if (engine_g.strat_ready)
		return 0;
	if (strategy_count > ENGINE_STRATEGIES_MAX) {
		*cause = xasprintf("engine: %zu strategies, at most %d", strategy_count,
		    ENGINE_STRATEGIES_MAX);
		return -1;
	}
	for (i = 0; i < strategy_count; i++) {
		if ((engine_g.strat[i] = strategy_table[i]->create()) == NULL) {
			*cause = xasprintf("strategy %s: out of memory", strategy_table[i]->name);
			return -1;
		}
	}
	engine_g.strat_ready = 1;
	return 0;
}

/* Frees the strategy objects at exit. */
static void engine_strategies_destroy(void)
{
	size_t i;

	pthread_mutex_lock(&engine_g.strat_lock);
	for (i = 0; i < strategy_count && engine_g.strat_ready; i++) {
		strategy_table[i]->destroy(engine_g.strat[i]);
		engine_g.strat[i] = NULL;
	}
	engine_g.strat_ready = 0;
	pthread_mutex_unlock(&engine_g.strat_lock);
}

/* Reconfigures every strategy from the NAME.* keys. */
int engine_reconfigure(struct conf *conf, char **cause)
{
	char key[64];
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&engine_g.strat_lock);
	if (engine_strategies_create(cause) != 0) {
		pthread_mutex_unlock(&engine_g.strat_lock);
		return -1;
	}
	for (i = 0; i < strategy_count; i++) {
		const struct strategy_ops *ops = strategy_table[i];
		char *why = NULL;

		snprintf(key, sizeof key, "%s.enabled", ops->name);
		engine_g.strat_enabled[i] = conf_find(key) >= 0 ? conf_get_bool(conf, key) : 1;
		snprintf(key, sizeof key, "%s.auto", ops->name);
		__atomic_store_n(&engine_g.strat_auto[i], conf_find(key) >= 0 ?
		    conf_get_bool(conf, key) : 0, __ATOMIC_RELAXED);
		if (ops->configure(engine_g.strat[i], conf, &why) != 0) {
			if (rc == 0)
				*cause = xasprintf("strategy %s: %s", ops->name, why);
			free(why);
			rc = -1;
		}
	}
	pthread_mutex_unlock(&engine_g.strat_lock);
	pthread_mutex_lock(&engine_g.lock);
	engine_bump_locked();
	pthread_cond_broadcast(&engine_g.wake);
	pthread_mutex_unlock(&engine_g.lock);
	return rc;
}

/* Describes what one strategy believes it holds. */
void engine_strategy_holdings(size_t i, char *buf, size_t len)
{
	if (len > 0)
		buf[0] = '\0';
	pthread_mutex_lock(&engine_g.strat_lock);
	if (engine_g.strat_ready && i < strategy_count && strategy_table[i]->holdings != NULL)
		strategy_table[i]->holdings(engine_g.strat[i], buf, len);
	pthread_mutex_unlock(&engine_g.strat_lock);
}

/* Describes one strategy's settings. */
void engine_strategy_describe(size_t i, char *buf, size_t len)
{
	pthread_mutex_lock(&engine_g.strat_lock);
	if (engine_g.strat_ready && i < strategy_count && strategy_table[i]->describe != NULL)
		strategy_table[i]->describe(engine_g.strat[i], buf, len);
	pthread_mutex_unlock(&engine_g.strat_lock);
}

/* Whether a strategy's signals are approved automatically. */
static int engine_strategy_auto(const char *name)
{
	size_t i;

	for (i = 0; i < strategy_count; i++)
		if (strcmp(strategy_table[i]->name, name) == 0)
			return __atomic_load_n(&engine_g.strat_auto[i], __ATOMIC_RELAXED);
	return 0;
}

/* Tells the signal's strategy that it will not be traded. */
static void engine_tell_refused(const struct signal *sg)
{
	size_t i;

	pthread_mutex_lock(&engine_g.strat_lock);
	for (i = 0; i < strategy_count && engine_g.strat_ready; i++)
		if (strcmp(strategy_table[i]->name, sg->strategy) == 0 &&
		    strategy_table[i]->on_refused != NULL)
			strategy_table[i]->on_refused(engine_g.strat[i], sg);
	pthread_mutex_unlock(&engine_g.strat_lock);
}

/* Queues an item for the strategies and wakes the engine thread; any
 * thread (the OMS's).  A full queue is counted in an alert; 0 queued, -1
 * not. */
static int engine_post_update(const struct engine_update *e)
{
	int full;

	if (engine_g.update_q == NULL)
		return -1;              /* the engine was never set up: nobody to tell */
	full = bqueue_push(engine_g.update_q, e) != 0;
	pthread_mutex_lock(&engine_g.lock);
	if (full)
		engine_alert_locked("strategy", e->u.strategy, "the order update queue is full: "
		    "the strategy misses what happened to some of its orders");
	else
		engine_g.updates_pending = 1;
	pthread_cond_broadcast(&engine_g.wake);
	pthread_mutex_unlock(&engine_g.lock);
	return full ? -1 : 0;
}

/* Frees a restore item's copy. */
static void engine_restore_free(struct engine_restore *r)
{
	if (r == NULL)
		return;
	free(r->pos);
	free(r->working);
	free(r);
}

/* The OMS's answer to oms_holdings at an engine start (the OMS thread):
 * copied and queued behind the updates posted before it, so the engine
 * thread replaces the strategies' beliefs with it, then applies what
 * comes after. */
static void engine_on_holdings(void *arg, const struct oms_holding *pos, size_t npos,
    const struct order_update *working, size_t nworking)
{
	struct engine_update e;
	struct engine_restore *r = xcalloc(1, sizeof *r);

	(void)arg;
	r->pos = xcalloc(npos + 1, sizeof *r->pos);
	if (npos > 0)
		memcpy(r->pos, pos, npos * sizeof *pos);
	r->npos = npos;
	r->working = xcalloc(nworking + 1, sizeof *r->working);
	if (nworking > 0)
		memcpy(r->working, working, nworking * sizeof *working);
	r->nworking = nworking;
	memset(&e, 0, sizeof e);
	e.kind = ENGINE_UPD_RESTORE;
	e.restore = r;
	if (engine_post_update(&e) != 0)
		engine_restore_free(r);
}

/* Hands each strategy its part of the restored holdings (the engine
 * thread, no lock held): the working orders get their signal's
 * instrument, kind and side when the engine still holds the signal. */
static void engine_deliver_restore(struct engine_restore *r)
{
	struct strat_restore_pos *pos = xcalloc(r->npos + 1, sizeof *pos);
	struct order_update *work = xcalloc(r->nworking + 1, sizeof *work);
	size_t i, k, s;

	pthread_mutex_lock(&engine_g.lock);
	for (k = 0; k < r->nworking; k++) {
		struct order_update *u = &r->working[k];

		for (i = engine_g.nsignals; u->signal_id != 0 && i-- > 0;) {
			if (engine_g.signals[i].id == u->signal_id &&
			    strcmp(engine_g.signals[i].strategy, u->strategy) == 0) {
				snprintf(u->instrument, sizeof u->instrument, "%s",
				    engine_g.signals[i].instrument);
				snprintf(u->kind, sizeof u->kind, "%s", engine_g.signals[i].kind);
				u->signal_side = engine_g.signals[i].side;
				break;
			}
		}
	}
	pthread_mutex_unlock(&engine_g.lock);
	pthread_mutex_lock(&engine_g.strat_lock);
	for (s = 0; s < strategy_count && engine_g.strat_ready; s++) {
		const struct strategy_ops *ops = strategy_table[s];
		struct strat_restore sr;

		if (ops->on_restore == NULL)
			continue;
		memset(&sr, 0, sizeof sr);
		for (i = 0; i < r->npos; i++) {
			if (strcmp(r->pos[i].strategy, ops->name) != 0)
				continue;
			snprintf(pos[sr.npos].symbol, sizeof pos[sr.npos].symbol, "%s", r->pos[i].symbol);
			pos[sr.npos++].qty = r->pos[i].qty;
		}
		for (i = 0; i < r->nworking; i++)
			if (strcmp(r->working[i].strategy, ops->name) == 0)
				work[sr.nworking++] = r->working[i];
		sr.pos = pos;
		sr.working = work;
		ops->on_restore(engine_g.strat[s], &sr);
		if (sr.npos > 0 || sr.nworking > 0)
			log_info("engine: strategy %s restored: %zu positions, %zu working orders",
			    ops->name, sr.npos, sr.nworking);
	}
	pthread_mutex_unlock(&engine_g.strat_lock);
	free(pos);
	free(work);
}

/* The OMS's listener (oms_set_update_sink): runs on the OMS thread, so it
 * only queues; the engine thread tells the strategy. */
static void engine_on_order_update(void *arg, const struct order_update *u)
{
	struct engine_update e;

	(void)arg;
	memset(&e, 0, sizeof e);
	e.kind = ENGINE_UPD_ORDER;
	e.u = *u;
	engine_post_update(&e);
}

/* Delivers the queued order updates and refusals to their strategies (the
 * engine thread; no lock held).  The signal's instrument, kind and side
 * are added from the engine's list when it still holds the signal. */
static void engine_deliver_updates(void)
{
	struct engine_update e;
	struct signal copy;
	size_t i;

	while (engine_g.update_q != NULL && bqueue_pop(engine_g.update_q, &e, 0) == 1) {
		int found = 0;

		if (e.kind == ENGINE_UPD_RESTORE) {
			engine_deliver_restore(e.restore);
			engine_restore_free(e.restore);
			continue;
		}
		pthread_mutex_lock(&engine_g.lock);
		for (i = engine_g.nsignals; e.u.signal_id != 0 && i-- > 0;) {
			if (engine_g.signals[i].id == e.u.signal_id) {
				if (e.kind == ENGINE_UPD_REFUSED)
					copy = engine_g.signals[i];
				snprintf(e.u.instrument, sizeof e.u.instrument, "%s",
				    engine_g.signals[i].instrument);
				snprintf(e.u.kind, sizeof e.u.kind, "%s", engine_g.signals[i].kind);
				e.u.signal_side = engine_g.signals[i].side;
				found = 1;
				break;
			}
		}
		pthread_mutex_unlock(&engine_g.lock);
		if (e.kind == ENGINE_UPD_REFUSED) {
			if (found)
				engine_tell_refused(&copy);
			continue;
		}
		pthread_mutex_lock(&engine_g.strat_lock);
		for (i = 0; i < strategy_count && engine_g.strat_ready; i++)
			if (strcmp(strategy_table[i]->name, e.u.strategy) == 0 &&
			    strategy_table[i]->on_order_update != NULL)
				strategy_table[i]->on_order_update(engine_g.strat[i], &e.u);
		pthread_mutex_unlock(&engine_g.strat_lock);
	}
}

/* The order manager refused an approved signal's orders (the OMS thread:
 * the strategy is told by the engine thread). */
void engine_signal_refused(unsigned long id, const char *why)
{
	struct engine_update e;
	size_t i;
	int found = 0;

	pthread_mutex_lock(&engine_g.lock);
	for (i = 0; i < engine_g.nsignals; i++) {
		struct signal *sg = &engine_g.signals[i];

		if (sg->id == id && sg->state == SIGNAL_APPROVED) {
			sg->state = SIGNAL_REJECTED;
			snprintf(sg->reason, sizeof sg->reason, "order manager: %s", why);
			memset(&e, 0, sizeof e);
			e.kind = ENGINE_UPD_REFUSED;
			e.u.signal_id = id;
			snprintf(e.u.strategy, sizeof e.u.strategy, "%s", sg->strategy);
			found = 1;
			engine_bump_locked();
		}
	}
	pthread_mutex_unlock(&engine_g.lock);
	if (found)
		engine_post_update(&e);
}

/* A trader's decision on a pending signal. */
int engine_signal_decide(struct conf *conf, unsigned long id, int approve, const char *user,
    const char *reason, struct signal *out, char **cause)
{
	struct signal *sg = NULL;
	struct buf b;
	size_t i;

	pthread_mutex_lock(&engine_g.lock);
	for (i = 0; i < engine_g.nsignals; i++)
		if (engine_g.signals[i].id == id)
			sg = &engine_g.signals[i];
	if (sg == NULL || sg->state != SIGNAL_PENDING) {
		*cause = sg == NULL ? xasprintf("no signal %lu (signals --all)", id) :
		    xasprintf("signal %lu is %s, not pending%s%s", id, signal_state_name(sg->state),
		    sg->reason[0] ? ": " : "", sg->reason);
		pthread_mutex_unlock(&engine_g.lock);
		return -1;
	}
	sg->state = approve ? SIGNAL_APPROVED : SIGNAL_REJECTED;
	snprintf(sg->reason, sizeof sg->reason, "%s by %s%s%s", approve ? "approved" : "rejected",
	    user, reason != NULL && *reason ? ": " : "", reason != NULL ? reason : "");
	*out = *sg;
	engine_bump_locked();
	pthread_mutex_unlock(&engine_g.lock);
	buf_init(&b);
	buf_printf(&b, "{\"signal\":%lu,\"decision\":\"%s\",\"user\":", id,
	    approve ? "approve" : "reject");
	buf_add_json_string(&b, user);
	buf_adds(&b, ",\"reason\":");
	buf_add_json_string(&b, reason != NULL ? reason : "");
	buf_addc(&b, '}');
	engine_audit(conf, "approval", b.data);
	buf_free(&b);
	if (!approve)
		engine_tell_refused(out);
	return 0;
}

/* Merges one new signal into the engine's list (lock held): a signal of
 * the same strategy, instrument, kind and side that is still live is
 * refreshed in place rather than repeated.  s->state says whether it is
 * actionable (PENDING) or not (UNECONOMIC, with its reason); a live one
 * still undecided takes the new verdict, a decided one keeps its own.
 * Returns the stored signal; *prev gets its state before (-1 when it is
 * new, to be written to the store). */
static struct signal *engine_signal_merge_locked(const struct signal *s, int *prev)
{
	struct signal *t;
	size_t i;

	for (i = engine_g.nsignals; i-- > 0;) {
		t = &engine_g.signals[i];
		/* A decided signal (approved, rejected) still live also absorbs
		 * its repeats: an opportunity is traded once per signal
		 * lifetime, not once per strategy run. */
		if (t->state == SIGNAL_EXPIRED || t->expires < s->time)
			continue;
		if (t->side == s->side && strcmp(t->strategy, s->strategy) == 0 &&
		    strcmp(t->instrument, s->instrument) == 0 && strcmp(t->kind, s->kind) == 0) {
			unsigned long id = t->id;
			int state = t->state;

			char reason[SIGNAL_REASON_MAX];

			memcpy(reason, t->reason, sizeof reason);
			*t = *s;
			t->id = id;
			t->state = state;
			if (state == SIGNAL_APPROVED || state == SIGNAL_REJECTED)
				memcpy(t->reason, reason, sizeof reason);
			else if (s->state == SIGNAL_UNECONOMIC)
				t->state = SIGNAL_UNECONOMIC;
			else if (state == SIGNAL_UNECONOMIC)
				t->state = SIGNAL_PENDING;      /* the vote decides */
			*prev = state;
			return t;
		}
	}
	if (engine_g.nsignals == ENGINE_SIGNALS_MAX) {
		/* Drop the oldest signal that is no longer live, else the oldest. */
		for (i = 0; i < engine_g.nsignals; i++)
			if (engine_g.signals[i].state != SIGNAL_PENDING &&
			    engine_g.signals[i].state != SIGNAL_APPROVED)
				break;
		if (i == engine_g.nsignals)
			i = 0;
		memmove(&engine_g.signals[i], &engine_g.signals[i + 1],
		    (engine_g.nsignals - i - 1) * sizeof *engine_g.signals);
		engine_g.nsignals--;
	}
	t = &engine_g.signals[engine_g.nsignals++];
	*t = *s;
	t->id = ++engine_g.next_signal_id;
	if (t->state != SIGNAL_UNECONOMIC) {
		t->state = SIGNAL_PENDING;
		t->reason[0] = '\0';
	}
	*prev = -1;
	return t;
}

/* The spread floor of the cost filter (tcost_spread_ok) on a new signal
 * (no lock needed: the market snapshot is immutable): an entry whose
 * edge cannot pay costs.edge_margin x the quoted spread of its lead leg
 * -- the leg the order manager sizes and costs -- becomes UNECONOMIC
 * with the reason; the OMS's full filter (spread, impact, commission at
 * the traded size) would refuse it at approval anyway.  Exits (which
 * carry no edge), signals without an edge and legs without a valid quote
 * are left to the OMS. */
static void engine_signal_screen(const struct mstate_snap *ms, struct signal *s)
{
	const struct option_quote *oq;
	const struct option_chain *c;
	const struct quote *q;
	double sbp;

	s->state = SIGNAL_PENDING;
	s->reason[0] = '\0';
	if (s->side == SIGNAL_EXIT || s->nlegs == 0 || !isfinite(s->edge_bp))
		return;
	if ((q = mstate_snap_quote_any(ms, s->legs[0].symbol, &oq, &c)) == NULL)
		return;
	if (tcost_spread_ok(&engine_g.costs, s->edge_bp, q->bid, q->ask, &sbp) != 0)
		return;
	s->state = SIGNAL_UNECONOMIC;
	snprintf(s->reason, sizeof s->reason, "uneconomic: edge %.0f bp below costs.edge_margin "
	    "%g x the round-trip spread %.0f bp of %s (bid %g, ask %g)", s->edge_bp,
	    engine_g.costs.edge_margin, sbp, s->legs[0].symbol, q->bid, q->ask);
}

/* Runs the enabled strategies over a market snapshot and the published
 * parameters, then merges and aggregates the signals. */
static void engine_run_strategies(const struct mstate_snap *ms, double market_time,
    double ratio)
{
	const struct engine_snap *es = engine_snapshot();
	const char *und[ENGINE_UNIVERSE_MAX], *pairs[ENGINE_UNIVERSE_MAX];
	struct strategy_env env;
	struct signal_list out, born, approved, refused;
	double t0 = now_monotonic();
	size_t i, k, nnew = 0, nuneco = 0;
	struct signal *fresh;
	int prev;

	memset(&env, 0, sizeof env);
	env.snap = ms;
	env.book = engine_snap_book(es);
	env.now = market_time;
	pthread_mutex_lock(&engine_g.lock);
	for (i = 0; i < engine_g.nund; i++)
		und[i] = engine_g.universe_und[i];
	for (i = 0; i < engine_g.npairs; i++)
		pairs[i] = engine_g.universe_pairs[i];
	env.nunderlyings = engine_g.nund;
	env.npairs = engine_g.npairs;
	pthread_mutex_unlock(&engine_g.lock);
	env.underlyings = und;
	env.pairs = pairs;
	signal_list_init(&out);
	pthread_mutex_lock(&engine_g.strat_lock);
	for (i = 0; i < strategy_count && engine_g.strat_ready; i++) {
		char *why = NULL;

		if (!engine_g.strat_enabled[i])
			continue;
		/* A failure on one symbol keeps the signals of the others (and
		 * the strategy's state agrees with what it emitted). */
		if (strategy_table[i]->run(engine_g.strat[i], &env, &out, &why) != 0) {
			engine_alert("strategy", strategy_table[i]->name, "%s", why);
			free(why);
		}
	}
	pthread_mutex_unlock(&engine_g.strat_lock);
	for (k = 0; k < out.n; k++)
		engine_signal_screen(ms, &out.v[k]);
	signal_list_init(&born);
	signal_list_init(&refused);
	pthread_mutex_lock(&engine_g.lock);
	for (k = 0; k < out.n; k++) {
		fresh = engine_signal_merge_locked(&out.v[k], &prev);
		if (prev < 0) {
			nnew++;
			signal_list_push(&born, fresh);
		}
		/* Not actionable: counted when it becomes so, and its strategy
		 * told each time it says it again (it assumed a trade). */
		if (fresh->state == SIGNAL_UNECONOMIC) {
			if (prev != SIGNAL_UNECONOMIC)
				nuneco++;
			signal_list_push(&refused, fresh);
		}
	}
	/* Every live signal votes again: the set of rivals changed. */
	for (k = 0; k < engine_g.nsignals; k++) {
		if (engine_g.signals[k].state == SIGNAL_LOST) {
			engine_g.signals[k].state = SIGNAL_PENDING;
			engine_g.signals[k].reason[0] = '\0';
		}
	}
	signal_aggregate(engine_g.signals, engine_g.nsignals, ratio, market_time);
	/* Automatic approval: the winners of strategies set to auto go to
	 * the order manager as if a trader had approved them. */
	signal_list_init(&approved);
	for (k = 0; k < engine_g.nsignals; k++) {
		struct signal *sg = &engine_g.signals[k];

		if (sg->state == SIGNAL_PENDING && engine_strategy_auto(sg->strategy)) {
			sg->state = SIGNAL_APPROVED;
			snprintf(sg->reason, sizeof sg->reason, "approved automatically (%s.auto)",
			    sg->strategy);
			signal_list_push(&approved, sg);
		}
	}
	engine_g.st.strategy_runs++;
	engine_g.st.signals += nnew;
	engine_g.st.signals_uneconomic += nuneco;
	engine_g.st.last_run_ms = (now_monotonic() - t0) * 1e3;
	engine_bump_locked();
	pthread_mutex_unlock(&engine_g.lock);
	/* New signals go to the store outside the lock (the writer's
	 * queue has its own). */
	for (k = 0; k < born.n; k++)
		engine_store_signal(&born.v[k]);
	signal_list_free(&born);
	for (k = 0; k < refused.n; k++)
		engine_tell_refused(&refused.v[k]);
	signal_list_free(&refused);
	for (k = 0; k < approved.n; k++) {
		char payload[256];

		snprintf(payload, sizeof payload, "{\"signal\":%lu,\"decision\":\"approve\","
		    "\"user\":\"auto\",\"strategy\":\"%s\"}", approved.v[k].id,
		    approved.v[k].strategy);
		engine_store_audit("approval", payload);
		oms_post_signal(&approved.v[k], "auto");
	}
	signal_list_free(&approved);
	signal_list_free(&out);
	engine_snap_release(es);
}

/* The latest market time in a snapshot: the newest quote or chain. */
static double engine_market_time(const struct mstate_snap *ms)
{
	double t = -INFINITY;
	size_t i;

	for (i = 0; i < mstate_snap_nquotes(ms); i++) {
		const struct quote *q = mstate_snap_quote_at(ms, i);

		if (q->exch_time > t)
			t = q->exch_time;
	}
	for (i = 0; i < mstate_snap_nchains(ms); i++) {
		const struct option_chain *c = mstate_snap_chain_at(ms, i);

		if (c->time > t)
			t = c->time;
	}
	return t;
}

/* What the engine thread has stored of the market: per symbol, the bars
 * already written and the time of the last chain written. */
struct engine_mstore {
	char symbol[MARKET_SYMBOL_MAX];
	size_t nbars;
	double last_bar, chain_time;
};
static struct engine_mstore *engine_ms;
static size_t engine_nms, engine_capms;

/* The entry of a symbol (created). */
static struct engine_mstore *engine_mstore_get(const char *symbol)
{
	size_t i;

	for (i = 0; i < engine_nms; i++)
		if (strcmp(engine_ms[i].symbol, symbol) == 0)
			return &engine_ms[i];
	if (engine_nms == engine_capms) {
		engine_capms = engine_capms ? 2 * engine_capms : 64;
		engine_ms = xrealloc(engine_ms, engine_capms * sizeof *engine_ms);
	}
	memset(&engine_ms[engine_nms], 0, sizeof *engine_ms);
	snprintf(engine_ms[engine_nms].symbol, MARKET_SYMBOL_MAX, "%s", symbol);
	engine_ms[engine_nms].chain_time = -INFINITY;
	engine_ms[engine_nms].last_bar = -INFINITY;
	return &engine_ms[engine_nms++];
}

/* Sends the market data the store has not seen: every new daily bar, and
 * a chain per underlying at most every engine.store_chain_minutes of
 * market time (a chain every step would be ~1,300 rows a step). */
static void engine_store_market_pass(const struct mstate_snap *ms, double every)
{
	size_t i, n;

	for (i = 0; i < mstate_snap_nseries(ms); i++) {
		const char *sym = mstate_snap_series_symbol(ms, i);
		const struct bar *b = mstate_snap_bars(ms, sym, &n);
		struct engine_mstore *e = engine_mstore_get(sym);
		size_t k = 0;

		/* The series may have dropped its oldest bars: find the first
		 * bar after the last one stored, by time. */
		while (k < n && b[k].time <= e->last_bar)
			k++;
		if (k < n) {
			engine_store_market(b + k, n - k, NULL);
			e->last_bar = b[n - 1].time;
			e->nbars = n;
		}
	}
	if (every < 0)
		return;
	for (i = 0; i < mstate_snap_nchains(ms); i++) {
		const struct option_chain *c = mstate_snap_chain_at(ms, i);
		struct engine_mstore *e = engine_mstore_get(c->underlying);

		if (c->time >= e->chain_time + every * 60) {
			engine_store_market(NULL, 0, c);
			e->chain_time = c->time;
		}
	}
}

/* The market state's listener: wakes the engine thread. */
static void engine_on_market(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&engine_g.lock);
	engine_g.market_dirty = 1;
	pthread_cond_broadcast(&engine_g.wake);
	pthread_mutex_unlock(&engine_g.lock);
}

/* The engine thread: schedule, strategies, publication. */
static void *engine_main(void *arg)
{
	unsigned long seen_market = 0, seen_version = (unsigned long)-1;
	struct timespec until;
	double ratio = *(double *)arg;

	free(arg);
	pthread_mutex_lock(&engine_g.lock);
	while (!engine_g.stopping) {
		const struct mstate_snap *ms;
		double mt, now = now_wall();
		unsigned long v;

		engine_g.updates_pending = 0;
		pthread_mutex_unlock(&engine_g.lock);
		/* What happened to the strategies' orders, before they run. */
		engine_deliver_updates();
		ms = mstate_snapshot(mstate_global());
		mt = engine_market_time(ms);
		engine_universe_resolve(ms);
		pthread_mutex_lock(&engine_g.lock);
		engine_g.st.ticks++;
		if (isfinite(mt))
			engine_g.st.market_time = mt;
		v = engine_g.version;
		pthread_mutex_unlock(&engine_g.lock);
		if (isfinite(mt)) {
			if (engine_g.cfg.auto_calibrate)
				engine_schedule(ms, mt, now);
			if (engine_g.cfg.store_market)
				engine_store_market_pass(ms, engine_g.cfg.store_chain_minutes);
			/* Strategies run when the market or the parameters
			 * (or the settings) changed since their last run. */
			if (mstate_snap_version(ms) != seen_market || v != seen_version) {
				seen_market = mstate_snap_version(ms);
				engine_run_strategies(ms, mt, ratio);
				pthread_mutex_lock(&engine_g.lock);
				seen_version = engine_g.version;
				pthread_mutex_unlock(&engine_g.lock);
			}
		}
		mstate_snap_release(ms);
		deadline_in(&until, CLOCK_MONOTONIC, engine_g.cfg.tick_ms / 1e3);
		pthread_mutex_lock(&engine_g.lock);
		if (!engine_g.stopping && engine_g.version == seen_version && !engine_g.market_dirty &&
		    !engine_g.updates_pending)
			pthread_cond_timedwait(&engine_g.wake, &engine_g.lock, &until);
		engine_g.market_dirty = 0;
	}
	pthread_mutex_unlock(&engine_g.lock);
	return NULL;
}

/* Frees the book and signals at exit. */
static void engine_atexit(void)
{
	engine_stop();
	oms_set_update_sink(NULL, NULL);
	if (engine_g.update_q != NULL) {
		struct engine_update e;

		while (bqueue_pop(engine_g.update_q, &e, 0) == 1)
			if (e.kind == ENGINE_UPD_RESTORE)
				engine_restore_free(e.restore);
	}
	bqueue_free(engine_g.update_q);
	engine_g.update_q = NULL;
	engine_strategies_destroy();
	pthread_mutex_lock(&engine_g.lock);
	calib_book_free(&engine_g.book);
	free(engine_g.signals);
	engine_g.signals = NULL;
	engine_g.nsignals = 0;
	free(engine_g.sched);
	engine_g.sched = NULL;
	free(engine_ms);
	engine_ms = NULL;
	engine_nms = engine_capms = 0;
	engine_g.nsched = engine_g.capsched = 0;
	if (engine_g.snap != NULL && --engine_g.snap->refs == 0)
		engine_snap_free(engine_g.snap);
	engine_g.snap = NULL;
	pthread_mutex_unlock(&engine_g.lock);
}

/* Prepares the process-wide parts once. */
static void engine_once(void)
{
	pthread_condattr_t ca;

	if (engine_cond_ready)
		return;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&engine_g.wake, &ca);
	pthread_condattr_destroy(&ca);
	calib_book_init(&engine_g.book);
	engine_g.signals = xcalloc(ENGINE_SIGNALS_MAX, sizeof *engine_g.signals);
	/* The strategies learn what happened to their orders through the
	 * engine thread, whichever thread the OMS reports from. */
	engine_g.update_q = bqueue_new(ENGINE_UPDATES_MAX, sizeof(struct engine_update));
	oms_set_update_sink(engine_on_order_update, NULL);
	engine_cond_ready = 1;
	atexit(engine_atexit);
}

/* Loads the book from the store once. */
void engine_load_book(struct conf *conf)
{
	int load;

	pthread_mutex_lock(&engine_life);
	engine_once();
	pthread_mutex_lock(&engine_g.lock);
	load = !engine_g.book_loaded;
	engine_g.book_loaded = 1;
	pthread_mutex_unlock(&engine_g.lock);
	if (load)
		engine_store_load_book(conf);
	pthread_mutex_unlock(&engine_life);
}

/* Numbers this process's signals after those of earlier runs (the newest
 * stored signal, the signals of the newest orders), so that the signal id
 * an order carries names one signal across restarts and the updates of a
 * restored order are never taken for a new signal's.  Read by the thread
 * starting the engine, before the engine thread runs. */
static void engine_seed_signal_ids(struct conf *conf)
{
	struct store_signal *sig = NULL;
	struct order *o = NULL;
	struct store *db;
	char *cause = NULL;
	unsigned long top = 0;
	size_t i, n = 0;

	if ((db = store_open(conf, STORE_MIGRATE, &cause)) == NULL) {
		log_warn("engine: signal ids not continued from the store: %s", cause);
		free(cause);
		return;
	}
	if (store_get_signals(db, NULL, 1, &sig, &n, &cause) == 0) {
		const char *p = n > 0 && sig[0].payload != NULL ? strstr(sig[0].payload, "\"id\":") :
		    NULL;

		if (p != NULL)
			top = strtoul(p + 5, NULL, 10);
		store_signals_free(sig, n);
	} else {
		log_warn("engine: signal ids: %s", cause);
		free(cause);
		cause = NULL;
	}
	if (store_get_orders(db, 0, 256, &o, &n, &cause) == 0) {
		for (i = 0; i < n; i++)
			if (o[i].signal_id > top)
				top = o[i].signal_id;
		free(o);
	} else {
		log_warn("engine: signal ids: %s", cause);
		free(cause);
	}
	store_close(db);
	pthread_mutex_lock(&engine_g.lock);
	if (top > engine_g.next_signal_id)
		engine_g.next_signal_id = top;
	pthread_mutex_unlock(&engine_g.lock);
}

/* Starts the engine. */
int engine_start(struct conf *conf, char **cause)
{
	struct engine_cfg cfg;
	struct calib_cfg ccfg;
	double *ratio;
	int rc, load;

	pthread_mutex_lock(&engine_life);
	engine_once();
	if (engine_g.running) {
		pthread_mutex_unlock(&engine_life);
		*cause = xasprintf("engine: already running (engine stop first)");
		return -1;
	}
	if (engine_cfg_read(&cfg, conf, cause) != 0 || calib_cfg_from_conf(&ccfg, conf, cause) != 0 ||
	    engine_reconfigure(conf, cause) != 0) {
		pthread_mutex_unlock(&engine_life);
		return -1;
	}
	pthread_mutex_lock(&engine_g.lock);
	engine_g.cfg = cfg;
	engine_g.ccfg = ccfg;
	tcost_params_from_conf(conf, &engine_g.costs, NULL);
	engine_g.conf = conf;
	engine_g.stopping = 0;
	memset(&engine_g.st, 0, sizeof engine_g.st);
	engine_g.started = now_wall();
	engine_g.nsched = 0;
	pthread_mutex_unlock(&engine_g.lock);
	pthread_mutex_lock(&engine_g.lock);
	load = !engine_g.book_loaded;
	engine_g.book_loaded = 1;
	pthread_mutex_unlock(&engine_g.lock);
	if (load)
		engine_store_load_book(conf);
	engine_seed_signal_ids(conf);
	if (engine_store_start(cause) != 0) {
		pthread_mutex_unlock(&engine_life);
		return -1;
	}
	if (engine_pool_start(cause) != 0) {
		engine_store_stop();
		pthread_mutex_unlock(&engine_life);
		return -1;
	}
	/* The order manager: without it the engine still calibrates and
	 * signals, but nothing trades (an alert says why). */
	engine_g.oms_owned = 0;
	if (conf_get_bool(conf, "engine.orders") && !oms_running()) {
		char *why = NULL;

		if (oms_start(conf, &why) == 0)
			engine_g.oms_owned = 1;
		else {
			engine_alert("oms", NULL, "order manager not started, nothing will trade: %s",
			    why);
			free(why);
		}
	}
	/* The strategies' holdings, after the OMS's restore and
	 * reconciliation, queued before the engine thread's first run. */
	if (oms_running()) {
		char *why = NULL;

		if (oms_holdings(engine_on_holdings, NULL, 10, &why) != 0) {
			engine_alert("strategy", NULL, "the strategies start without their holdings "
			    "(they may enter again what they hold): %s", why);
			free(why);
		}
	}
	engine_g.feed_owned = 0;
	if (cfg.feed) {
		struct feed_status fs;
		char *why = NULL;

		if (!feed_global_status(&fs)) {
			if (feed_global_start(NULL, conf, &why) == 0)
				engine_g.feed_owned = 1;
			else {
				engine_alert("feed", NULL, "%s", why);
				free(why);
			}
		}
	}
	ratio = xmalloc(sizeof *ratio);
	*ratio = conf_find("signals.ratio") >= 0 ? conf_get_double(conf, "signals.ratio") : 1.5;
	pthread_mutex_lock(&engine_g.lock);
	engine_g.running = 1;
	pthread_mutex_unlock(&engine_g.lock);
	mstate_set_notify(mstate_global(), engine_on_market, NULL);
	if ((rc = pthread_create(&engine_g.thread, NULL, engine_main, ratio)) != 0) {
		mstate_set_notify(mstate_global(), NULL, NULL);
		free(ratio);
		pthread_mutex_lock(&engine_g.lock);
		engine_g.running = 0;
		pthread_mutex_unlock(&engine_g.lock);
		if (engine_g.feed_owned)
			feed_global_stop();
		engine_pool_stop();
		engine_store_stop();
		pthread_mutex_unlock(&engine_life);
		*cause = xasprintf("engine: cannot start its thread: %s", strerror(rc));
		return -1;
	}
	engine_store_audit("engine", "{\"event\":\"start\"}");
	log_info("engine: started (%d calibration workers)", engine_g.nworkers);
	pthread_mutex_unlock(&engine_life);
	return 0;
}

/* Stops the engine. */
int engine_stop(void)
{
	pthread_mutex_lock(&engine_life);
	if (!engine_cond_ready || !engine_g.running) {
		pthread_mutex_unlock(&engine_life);
		return -1;
	}
	pthread_mutex_lock(&engine_g.lock);
	engine_g.stopping = 1;
	pthread_cond_broadcast(&engine_g.wake);
	pthread_mutex_unlock(&engine_g.lock);
	pthread_join(engine_g.thread, NULL);
	mstate_set_notify(mstate_global(), NULL, NULL);
	if (engine_g.oms_owned) {
		oms_stop();
		engine_g.oms_owned = 0;
	}
	if (engine_g.feed_owned) {
		feed_global_stop();
		engine_g.feed_owned = 0;
	}
	engine_pool_stop();
	engine_store_audit("engine", "{\"event\":\"stop\"}");
	engine_store_stop();
	pthread_mutex_lock(&engine_g.lock);
	engine_g.running = 0;
	engine_bump_locked();
	pthread_mutex_unlock(&engine_g.lock);
	log_info("engine: stopped");
	pthread_mutex_unlock(&engine_life);
	return 0;
}

/* Whether the engine runs. */
int engine_running(void)
{
	int r;

	pthread_mutex_lock(&engine_g.lock);
	r = engine_g.running;
	pthread_mutex_unlock(&engine_g.lock);
	return r;
}

/* Copies the status. */
void engine_get_status(struct engine_status *st)
{
	pthread_mutex_lock(&engine_g.lock);
	*st = engine_g.st;
	st->running = engine_g.running;
	st->started = engine_g.started;
	st->workers = engine_g.nworkers;
	st->feed_owned = engine_g.feed_owned;
	st->nunderlyings = engine_g.nund;
	st->npairs = engine_g.npairs;
	pthread_mutex_unlock(&engine_g.lock);
	if (engine_g.calib_q != NULL && st->running)
		bqueue_get_stats(engine_g.calib_q, &st->calib_q);
	if (engine_g.store_q != NULL && st->running)
		bqueue_get_stats(engine_g.store_q, &st->store_q);
}
