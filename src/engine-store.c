/*
 * engine-store.c -- the engine's store writer: one thread, one store
 * connection, the only writer of the engine's rows (calibrations with
 * their inputs, signals, audit entries).
 *
 * DESIGN
 * Producers (the pool's workers, the engine thread) hand items over
 * through a bounded queue and never wait for the database.  The writer
 * opens the store when it starts; when the store is unreachable (a dead
 * PostgreSQL, a read-only disk) it keeps the item in hand and retries
 * every ENGINE_STORE_RETRY seconds, so the queue fills and further items
 * are refused and counted -- reported in `engine status` and as an alert,
 * never grown.  At stop the queue is drained; items that still cannot be
 * written are counted as failed and logged by kind and symbol.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calib-store.h"
#include "conf.h"
#include "engine-int.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define ENGINE_STORE_RETRY 2.0  /* seconds between attempts to reopen the store */

enum estore_kind { ES_CALIB, ES_SIGNAL, ES_AUDIT, ES_MARKET };

/* One item for the writer (heap-allocated; the queue carries pointers). */
struct estore_item {
	enum estore_kind kind;
	struct calib_input *in;         /* ES_CALIB */
	int have_prev;
	struct calib_result prev, r;
	struct signal sig;              /* ES_SIGNAL */
	char akind[STORE_NAME_MAX];     /* ES_AUDIT */
	char *payload;
	struct bar *bars;               /* ES_MARKET: daily bars */
	size_t nbars;
	struct option_quote *opts;      /* ES_MARKET: a chain's options */
	size_t nopts;
};

static struct store *estore_db;
static unsigned long estore_refused_seen;
/* The queue producers push to, under its own lock: producers may hold no
 * engine lock when they submit, and start/stop swap it. */
static pthread_mutex_t estore_qlock = PTHREAD_MUTEX_INITIALIZER;
static struct bqueue *estore_q;

/* Frees an item. */
static void estore_item_free(struct estore_item *it)
{
	if (it == NULL)
		return;
	calib_input_free(it->in);
	free(it->payload);
	free(it->bars);
	free(it->opts);
	free(it);
}

/* A signal as the JSON payload stored with it. */
static char *estore_signal_json(const struct signal *s)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	buf_printf(&b, "{\"id\":%lu,\"strategy\":", s->id);
	buf_add_json_string(&b, s->strategy);
	buf_adds(&b, ",\"instrument\":");
	buf_add_json_string(&b, s->instrument);
	buf_adds(&b, ",\"underlying\":");
	buf_add_json_string(&b, s->underlying);
	buf_adds(&b, ",\"kind\":");
	buf_add_json_string(&b, s->kind);
	buf_adds(&b, ",\"side\":");
	buf_add_json_string(&b, signal_side_name(s->side));
	buf_adds(&b, ",\"legs\":[");
	for (i = 0; i < s->nlegs; i++) {
		buf_adds(&b, i ? ",{\"symbol\":" : "{\"symbol\":");
		buf_add_json_string(&b, s->legs[i].symbol);
		buf_adds(&b, ",\"qty\":");
		buf_add_double(&b, s->legs[i].qty, 1);
		buf_addc(&b, '}');
	}
	buf_adds(&b, "],\"size_hint\":");
	buf_add_double(&b, s->size_hint, 1);
	buf_adds(&b, ",\"confidence\":");
	buf_add_double(&b, s->confidence, 1);
	buf_adds(&b, ",\"time\":");
	buf_add_double(&b, s->time, 1);
	buf_adds(&b, ",\"expires\":");
	buf_add_double(&b, s->expires, 1);
	buf_adds(&b, ",\"rationale\":");
	buf_add_json_string(&b, s->rationale);
	buf_adds(&b, ",\"inputs\":");
	buf_adds(&b, s->inputs[0] == '{' ? s->inputs : "{}");
	buf_addc(&b, '}');
	return b.data;
}

/* Opens the store if it is not open; 0 or -1 (the error recorded). */
static int estore_open(void)
{
	char *cause = NULL;

	if (estore_db != NULL)
		return 0;
	if ((estore_db = store_open(engine_g.conf, STORE_MIGRATE, &cause)) != NULL) {
		pthread_mutex_lock(&engine_g.lock);
		if (engine_g.st.store_error[0] != '\0')
			log_info("engine: store reachable again");
		engine_g.st.store_error[0] = '\0';
		pthread_mutex_unlock(&engine_g.lock);
		return 0;
	}
	pthread_mutex_lock(&engine_g.lock);
	if (strcmp(engine_g.st.store_error, cause) != 0) {
		snprintf(engine_g.st.store_error, sizeof engine_g.st.store_error, "%s", cause);
		engine_alert_locked("store", NULL, cause);
	}
	pthread_mutex_unlock(&engine_g.lock);
	free(cause);
	return -1;
}

/* Writes one item; 0, or -1 when the store failed (the connection is then
 * dropped so that the next attempt reopens it). */
static int estore_write(struct estore_item *it)
{
	char *cause = NULL, *p = NULL;
	long long id = 0;
	int rc = 0;

	switch (it->kind) {
	case ES_CALIB:
		rc = calib_store_put(estore_db, it->in, it->have_prev ? &it->prev : NULL, &it->r,
		    &cause);
		if (rc == 0) {
			p = xasprintf("{\"id\":%lld,\"model\":\"%s\",\"symbol\":\"%s\","
			    "\"status\":\"%s\",\"fingerprint\":\"%s\"}", it->r.id,
			    calib_model_name(it->r.model), it->r.symbol,
			    calib_status_name(it->r.status), it->r.fingerprint);
			rc = store_audit_append(estore_db, it->r.wall_time, "calibration", p, NULL,
			    &cause);
			free(p);
			/* The book learns the row id of its entry. */
			pthread_mutex_lock(&engine_g.lock);
			{
				const struct calib_result *b = calib_book_find(&engine_g.book,
				    it->r.model, it->r.symbol);

				if (b != NULL && strcmp(b->fingerprint, it->r.fingerprint) == 0 &&
				    b->wall_time == it->r.wall_time)
					((struct calib_result *)b)->id = it->r.id;
				engine_bump_locked();
			}
			pthread_mutex_unlock(&engine_g.lock);
		}
		break;
	case ES_SIGNAL: {
		struct store_signal ss;

		memset(&ss, 0, sizeof ss);
		ss.time = it->sig.time;
		snprintf(ss.strategy, sizeof ss.strategy, "%s", it->sig.strategy);
		snprintf(ss.symbol, sizeof ss.symbol, "%s", it->sig.instrument);
		snprintf(ss.kind, sizeof ss.kind, "%s", it->sig.kind);
		ss.strength = it->sig.side * it->sig.confidence;
		ss.payload = p = estore_signal_json(&it->sig);
		rc = store_put_signal(estore_db, &ss, &id, &cause);
		if (rc == 0)
			rc = store_audit_append(estore_db, now_wall(), "signal", p, NULL, &cause);
		free(p);
		break;
	}
	case ES_AUDIT:
		rc = store_audit_append(estore_db, now_wall(), it->akind, it->payload, NULL, &cause);
		break;
	case ES_MARKET:
		rc = it->nbars > 0 ? store_put_bars(estore_db, it->bars, it->nbars, &cause) : 0;
		if (rc == 0 && it->nopts > 0)
			rc = store_put_option_quotes(estore_db, it->opts, it->nopts, &cause);
		break;
	}
	if (rc != 0) {
		pthread_mutex_lock(&engine_g.lock);
		snprintf(engine_g.st.store_error, sizeof engine_g.st.store_error, "%s", cause);
		engine_alert_locked("store", NULL, cause);
		pthread_mutex_unlock(&engine_g.lock);
		free(cause);
		store_close(estore_db);
		estore_db = NULL;
		return -1;
	}
	pthread_mutex_lock(&engine_g.lock);
	engine_g.st.store_written++;
	pthread_mutex_unlock(&engine_g.lock);
	return 0;
}

/* Names an item for the log. */
static void estore_describe(const struct estore_item *it, char *buf, size_t len)
{
	if (it->kind == ES_CALIB)
		snprintf(buf, len, "calibration %s %s", calib_model_name(it->r.model), it->r.symbol);
	else if (it->kind == ES_SIGNAL)
		snprintf(buf, len, "signal %lu %s %s", it->sig.id, it->sig.strategy,
		    it->sig.instrument);
	else if (it->kind == ES_MARKET)
		snprintf(buf, len, "market data (%zu bars, %zu options)", it->nbars, it->nopts);
	else
		snprintf(buf, len, "audit %s", it->akind);
}

/* The writer thread. */
static void *estore_main(void *arg)
{
	struct estore_item *it;
	struct bqueue_stats qs;
	int giving_up = 0;

	(void)arg;
	estore_open();

	while (bqueue_pop(engine_g.store_q, &it, -1) == 1) {
		int stopping;

		for (;;) {
			if (!giving_up && estore_open() == 0 && estore_write(it) == 0)
				break;
			pthread_mutex_lock(&engine_g.lock);
			stopping = engine_g.stopping;
			pthread_mutex_unlock(&engine_g.lock);
			/* Stopping with the store down: one more try, then the
			 * rest is logged item by item, not waited for. */
			if (stopping && giving_up++ > 0) {
				char what[128];

				estore_describe(it, what, sizeof what);
				log_error("engine: store: %s not written (store unavailable at stop)",
				    what);
				pthread_mutex_lock(&engine_g.lock);
				engine_g.st.store_failed++;
				pthread_mutex_unlock(&engine_g.lock);
				break;
			}
			nanosleep(&(struct timespec){ (time_t)ENGINE_STORE_RETRY, 0 }, NULL);
		}
		estore_item_free(it);
		/* Report refusals (a full queue) once per new batch of them. */
		bqueue_get_stats(engine_g.store_q, &qs);
		if (qs.refused > estore_refused_seen) {
			engine_alert("store", NULL, "store queue full: %lu items refused so far",
			    qs.refused);
			estore_refused_seen = qs.refused;
		}
	}
	if (estore_db != NULL)
		store_close(estore_db);
	estore_db = NULL;
	return NULL;
}

/* Starts the writer. */
int engine_store_start(char **cause)
{
	int rc;

	if ((engine_g.store_q = bqueue_new((size_t)engine_g.cfg.store_queue,
	    sizeof(struct estore_item *))) == NULL) {
		*cause = xasprintf("engine: bad engine.store_queue %d", engine_g.cfg.store_queue);
		return -1;
	}
	estore_refused_seen = 0;
	if ((rc = pthread_create(&engine_g.store_thread, NULL, estore_main, NULL)) != 0) {
		bqueue_free(engine_g.store_q);
		engine_g.store_q = NULL;
		*cause = xasprintf("engine: cannot start the store writer: %s", strerror(rc));
		return -1;
	}
	pthread_mutex_lock(&estore_qlock);
	estore_q = engine_g.store_q;
	pthread_mutex_unlock(&estore_qlock);
	return 0;
}

/* Drains and stops the writer. */
void engine_store_stop(void)
{
	struct bqueue *q = engine_g.store_q;

	if (q == NULL)
		return;
	pthread_mutex_lock(&estore_qlock);
	estore_q = NULL;
	pthread_mutex_unlock(&estore_qlock);
	bqueue_close(q);
	pthread_join(engine_g.store_thread, NULL);
	pthread_mutex_lock(&engine_g.lock);
	engine_g.store_q = NULL;
	pthread_mutex_unlock(&engine_g.lock);
	bqueue_free(q);
}

/* Queues an item, or writes it at once when no writer runs (calibrations
 * on command with the engine stopped).  The caller must not hold the
 * engine lock. */
static void estore_submit(struct estore_item *it)
{
	struct bqueue *q;
	char what[128];

	pthread_mutex_lock(&estore_qlock);
	q = estore_q;
	if (q != NULL && bqueue_push(q, &it) == 0) {
		pthread_mutex_unlock(&estore_qlock);
		return;
	}
	pthread_mutex_unlock(&estore_qlock);
	if (q == NULL && engine_g.conf != NULL) {
		if (estore_open() == 0 && estore_write(it) == 0) {
			store_close(estore_db);
			estore_db = NULL;
			estore_item_free(it);
			return;
		}
	}
	estore_describe(it, what, sizeof what);
	log_warn("engine: store: %s not written (%s)", what,
	    q != NULL ? "store queue full" : "store unavailable");
	pthread_mutex_lock(&engine_g.lock);
	engine_g.st.store_failed++;
	pthread_mutex_unlock(&engine_g.lock);
	estore_item_free(it);
}

void engine_store_calibration(struct calib_input *in, const struct calib_result *prev,
    const struct calib_result *r)
{
	struct estore_item *it = xcalloc(1, sizeof *it);

	it->kind = ES_CALIB;
	it->in = in;
	if ((it->have_prev = prev != NULL))
		it->prev = *prev;
	it->r = *r;
	estore_submit(it);
}

void engine_store_signal(const struct signal *s)
{
	struct estore_item *it = xcalloc(1, sizeof *it);

	it->kind = ES_SIGNAL;
	it->sig = *s;
	estore_submit(it);
}

void engine_store_audit(const char *kind, const char *payload)
{
	struct estore_item *it = xcalloc(1, sizeof *it);

	it->kind = ES_AUDIT;
	snprintf(it->akind, sizeof it->akind, "%s", kind);
	it->payload = xstrdup(payload);
	estore_submit(it);
}

/* Loads the latest accepted parameters per (model, symbol) from the store. */
void engine_store_load_book(struct conf *conf)
{
	struct store_calibration *c = NULL;
	struct store *db;
	char *cause = NULL;
	size_t i, n = 0, loaded = 0;

	if ((db = store_open(conf, STORE_MIGRATE, &cause)) == NULL ||
	    store_list_calibrations(db, NULL, 1000, &c, &n, &cause) != 0) {
		log_warn("engine: parameters not reloaded from the store: %s", cause);
		free(cause);
		if (db != NULL)
			store_close(db);
		return;
	}
	pthread_mutex_lock(&engine_g.lock);
	for (i = 0; i < n; i++) {       /* newest first: the first of each wins */
		struct calib_result r;
		enum calib_model m;
		char *why = NULL;

		if (strcmp(c[i].status, calib_status_name(CALIB_OK)) != 0 ||
		    calib_model_parse(c[i].model, &m) != 0 ||
		    calib_book_find(&engine_g.book, m, c[i].symbol) != NULL)
			continue;
		if (calib_store_result(&c[i], &r, &why) != 0) {
			log_warn("engine: stored calibration %lld unreadable: %s", c[i].id, why);
			free(why);
			continue;
		}
		calib_book_put(&engine_g.book, &r);
		loaded++;
	}
	engine_bump_locked();
	pthread_mutex_unlock(&engine_g.lock);
	store_calibrations_free(c, n);
	store_close(db);
	if (loaded > 0)
		log_info("engine: %zu calibrations reloaded from the store", loaded);
}

/* Market data for the store: copies of daily bars and of a chain's
 * options (the engine samples them; see engine_store_market_pass). */
void engine_store_market(const struct bar *b, size_t nb, const struct option_chain *c)
{
	struct estore_item *it;
	size_t i;

	if (nb == 0 && (c == NULL || c->n == 0))
		return;
	it = xcalloc(1, sizeof *it);
	it->kind = ES_MARKET;
	if (nb > 0) {
		it->bars = xcalloc(nb, sizeof *it->bars);
		memcpy(it->bars, b, nb * sizeof *b);
		it->nbars = nb;
	}
	if (c != NULL && c->n > 0) {
		it->opts = xcalloc(c->n, sizeof *it->opts);
		memcpy(it->opts, c->opts, c->n * sizeof *c->opts);
		it->nopts = c->n;
		/* Each row carries its chain's time and underlying. */
		for (i = 0; i < c->n; i++)
			if (!(it->opts[i].q.exch_time > 0))
				it->opts[i].q.exch_time = c->time;
	}
	estore_submit(it);
}
