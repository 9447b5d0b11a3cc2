/*
 * engine-calib.c -- the calibration orchestrator: the worker pool, the
 * schedule (first sight, pre-market, every N minutes, post-market, market
 * moves, new daily bars) and calibration on command.  How one calibration
 * is done (inputs, warm start, thresholds, alerts) is calib.c's business;
 * this file decides when, runs it on a worker, and publishes the result
 * into the parameter book, the alerts and the store writer's queue.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "engine-int.h"
#include "exchtime.h"
#include "log.h"
#include "market-state.h"
#include "sim.h"
#include "util.h"

/* Parses "HH:MM" into minutes after midnight; 0 or -1 with cause. */
static int ecal_hhmm(struct conf *conf, const char *key, int *out, char **cause)
{
	const char *s = conf_get_str(conf, key);
	int h, m, n = 0;

	if (sscanf(s, "%d:%d%n", &h, &m, &n) != 2 || s[n] != '\0' || h < 0 || h > 23 ||
	    m < 0 || m > 59) {
		*cause = xasprintf("%s: expected a local time HH:MM, got '%s'", key, s);
		return -1;
	}
	*out = h * 60 + m;
	return 0;
}

/* Reads the engine.* keys. */
int engine_cfg_read(struct engine_cfg *cfg, struct conf *conf, char **cause)
{
	long ncpu;

	memset(cfg, 0, sizeof *cfg);
	cfg->workers = (int)conf_get_int(conf, "engine.workers");
	if (cfg->workers == 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		cfg->workers = ncpu > 0 ? (int)(ncpu < 64 ? ncpu : 64) : 1;
	}
	cfg->tick_ms = conf_get_double(conf, "engine.tick_ms");
	cfg->feed = conf_get_bool(conf, "engine.feed");
	cfg->auto_calibrate = conf_get_bool(conf, "engine.auto_calibrate");
	snprintf(cfg->underlyings, sizeof cfg->underlyings, "%s",
	    conf_get_str(conf, "engine.underlyings"));
	snprintf(cfg->pairs, sizeof cfg->pairs, "%s", conf_get_str(conf, "engine.pairs"));
	snprintf(cfg->timezone, sizeof cfg->timezone, "%s", conf_get_str(conf, "engine.timezone"));
	cfg->every_minutes = conf_get_double(conf, "engine.every_minutes");
	cfg->move = conf_get_double(conf, "engine.move");
	cfg->retry_seconds = conf_get_double(conf, "engine.retry_seconds");
	cfg->calib_queue = (int)conf_get_int(conf, "engine.calib_queue");
	cfg->store_queue = (int)conf_get_int(conf, "engine.store_queue");
	cfg->store_market = conf_get_bool(conf, "engine.store_market");
	cfg->store_chain_minutes = conf_get_double(conf, "engine.store_chain_minutes");
	if (ecal_hhmm(conf, "engine.premarket", &cfg->premarket, cause) != 0 ||
	    ecal_hhmm(conf, "engine.postmarket", &cfg->postmarket, cause) != 0 ||
	    ecal_hhmm(conf, "engine.session_open", &cfg->session_open, cause) != 0 ||
	    ecal_hhmm(conf, "engine.session_close", &cfg->session_close, cause) != 0)
		return -1;
	if (cfg->session_close <= cfg->session_open) {
		*cause = xasprintf("engine.session_close must be after engine.session_open");
		return -1;
	}
	return 0;
}

/* --- the universe -------------------------------------------------------- */

/* Splits a comma-separated list into rows of out (at most max); returns
 * the count.  Blank items are skipped. */
static size_t ecal_split(const char *list, char out[][MARKET_SYMBOL_MAX], size_t max)
{
	size_t n = 0;
	const char *p = list;

	while (*p != '\0' && n < max) {
		const char *e = strchr(p, ',');
		size_t len = e != NULL ? (size_t)(e - p) : strlen(p);

		while (len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len > 0 && len < MARKET_SYMBOL_MAX) {
			memcpy(out[n], p, len);
			out[n][len] = '\0';
			n++;
		}
		if (e == NULL)
			break;
		p = e + 1;
	}
	return n;
}

/* Resolves the universe: "auto" underlyings are those with a chain in the
 * market state; "auto" pairs are the simulator's when it is the feed.
 * Takes the engine lock itself, and asks the feed before taking it: the
 * feed thread holds its own lock while it delivers into the market state,
 * whose listener takes the engine lock, so the engine must never call the
 * feed with its lock held. */
void engine_universe_resolve(const struct mstate_snap *ms)
{
	struct sim_info *info = xmalloc(sizeof *info);
	char (*und)[MARKET_SYMBOL_MAX] = xcalloc(ENGINE_UNIVERSE_MAX, MARKET_SYMBOL_MAX);
	char (*pairs)[MARKET_SYMBOL_MAX] = xcalloc(ENGINE_UNIVERSE_MAX, MARKET_SYMBOL_MAX);
	char ulist[sizeof engine_g.cfg.underlyings], plist[sizeof engine_g.cfg.pairs];
	size_t i, nund = 0, npairs = 0;

	pthread_mutex_lock(&engine_g.lock);
	memcpy(ulist, engine_g.cfg.underlyings, sizeof ulist);
	memcpy(plist, engine_g.cfg.pairs, sizeof plist);
	pthread_mutex_unlock(&engine_g.lock);
	if (strcmp(ulist, "auto") == 0) {
		for (i = 0; i < mstate_snap_nchains(ms) && nund < ENGINE_UNIVERSE_MAX; i++)
			snprintf(und[nund++], MARKET_SYMBOL_MAX, "%s",
			    mstate_snap_chain_at(ms, i)->underlying);
	} else
		nund = ecal_split(ulist, und, ENGINE_UNIVERSE_MAX);
	if (strcmp(plist, "auto") == 0) {
		if (feed_sim_info(info) == 0)
			for (i = 0; i < info->npairs && i < ENGINE_UNIVERSE_MAX; i++)
				snprintf(pairs[npairs++], MARKET_SYMBOL_MAX, "%s",
				    info->pairs[i].inst.symbol);
	} else
		npairs = ecal_split(plist, pairs, ENGINE_UNIVERSE_MAX);
	pthread_mutex_lock(&engine_g.lock);
	memcpy(engine_g.universe_und, und, nund * MARKET_SYMBOL_MAX);
	memcpy(engine_g.universe_pairs, pairs, npairs * MARKET_SYMBOL_MAX);
	engine_g.nund = nund;
	engine_g.npairs = npairs;
	pthread_mutex_unlock(&engine_g.lock);
	free(info);
	free(und);
	free(pairs);
}

/* --- one calibration ----------------------------------------------------- */

/* The scheduler's entry of (model, symbol), created when missing (lock held). */
static struct engine_sched *ecal_sched_locked(enum calib_model m, const char *symbol)
{
	struct engine_sched *s;
	size_t i;

	for (i = 0; i < engine_g.nsched; i++)
		if (engine_g.sched[i].model == m && strcmp(engine_g.sched[i].symbol, symbol) == 0)
			return &engine_g.sched[i];
	if (engine_g.nsched == engine_g.capsched) {
		engine_g.capsched = engine_g.capsched ? 2 * engine_g.capsched : 32;
		engine_g.sched = xrealloc(engine_g.sched, engine_g.capsched * sizeof *engine_g.sched);
	}
	s = &engine_g.sched[engine_g.nsched++];
	memset(s, 0, sizeof *s);
	s->model = m;
	snprintf(s->symbol, sizeof s->symbol, "%s", symbol);
	return s;
}

/* Runs one calibration in the calling thread and publishes its result. */
void engine_calibrate_one(enum calib_model model, const char *symbol, const char *reason,
    struct calib_result *r)
{
	const struct mstate_snap *ms = mstate_snapshot(mstate_global());
	struct calib_result prev;
	const struct calib_result *b;
	struct calib_input *in = NULL;
	struct calib_cfg ccfg;
	struct engine_sched *s;
	char *cause = NULL;
	int have_prev, ran = 0;

	pthread_mutex_lock(&engine_g.lock);
	if ((have_prev = (b = calib_book_find(&engine_g.book, model, symbol)) != NULL))
		prev = *b;
	ccfg = engine_g.ccfg;
	pthread_mutex_unlock(&engine_g.lock);

	if (calib_input_from_snap(model, symbol, ms, &ccfg, &in, &cause) == 0 &&
	    calib_run(in, have_prev ? &prev : NULL, &ccfg, r, &cause) == 0)
		ran = 1;
	mstate_snap_release(ms);
	if (!ran) {
		/* Nothing to fit: the previous parameters stay in force. */
		if (have_prev)
			*r = prev;
		else
			memset(r, 0, sizeof *r);
		r->model = model;
		snprintf(r->symbol, sizeof r->symbol, "%s", symbol);
		r->status = CALIB_FAILED;
		r->kept_previous = have_prev;
		r->id = 0;
		snprintf(r->alert, sizeof r->alert, "%s calibration failed: %s%s", calib_model_name(model),
		    cause != NULL ? cause : "unknown error",
		    have_prev ? " (previous parameters kept)" : "");
	}
	free(cause);
	r->wall_time = now_wall();

	pthread_mutex_lock(&engine_g.lock);
	if (r->status == CALIB_OK || r->kept_previous)
		calib_book_put(&engine_g.book, r);
	if (r->alert[0] != '\0')
		engine_alert_locked("calibrate", symbol, r->alert);
	engine_g.st.calibrations++;
	if (r->status != CALIB_OK)
		engine_g.st.calib_failed++;
	s = ecal_sched_locked(model, symbol);
	s->in_flight = 0;
	s->last_wall = r->wall_time;
	s->last_failed = r->status == CALIB_FAILED;
	engine_bump_locked();
	pthread_cond_broadcast(&engine_g.wake);
	pthread_mutex_unlock(&engine_g.lock);
	log_info("calibrate %s %s (%s): %s%s", calib_model_name(model), symbol, reason,
	    calib_status_name(r->status), r->kept_previous ? ", previous kept" : "");
	if (in != NULL)
		engine_store_calibration(in, have_prev ? &prev : NULL, r);
}

/* --- the pool ------------------------------------------------------------ */

/* Hands a finished job's result to its waiter, if any (lock not held). */
static void ecal_deliver(const struct engine_job *job, const struct calib_result *r)
{
	struct engine_wait *w = job->wait;
	int last;

	if (w == NULL)
		return;
	pthread_mutex_lock(&engine_g.lock);
	w->res[job->slot] = *r;
	w->done++;
	last = --w->refs == 0;
	pthread_cond_broadcast(&engine_g.wake);
	pthread_mutex_unlock(&engine_g.lock);
	if (last) {
		free(w->res);
		free(w);
	}
}

/* A worker: pops jobs until the queue closes. */
static void *ecal_worker(void *arg)
{
	struct engine_job job;
	struct calib_result *r = xmalloc(sizeof *r);

	(void)arg;
	while (bqueue_pop(engine_g.calib_q, &job, -1) == 1) {
		int stopping;

		pthread_mutex_lock(&engine_g.lock);
		stopping = engine_g.stopping;
		pthread_mutex_unlock(&engine_g.lock);
		if (stopping) {
			/* Stopping: what is still queued is answered, not run. */
			memset(r, 0, sizeof *r);
			r->model = job.model;
			snprintf(r->symbol, sizeof r->symbol, "%s", job.symbol);
			r->status = CALIB_FAILED;
			snprintf(r->alert, sizeof r->alert, "not run: the engine stopped");
			pthread_mutex_lock(&engine_g.lock);
			ecal_sched_locked(job.model, job.symbol)->in_flight = 0;
			pthread_mutex_unlock(&engine_g.lock);
		} else
			engine_calibrate_one(job.model, job.symbol, job.reason, r);
		ecal_deliver(&job, r);
	}
	free(r);
	return NULL;
}

/* Starts the pool. */
int engine_pool_start(char **cause)
{
	struct bqueue *q = bqueue_new((size_t)engine_g.cfg.calib_queue, sizeof(struct engine_job));
	int i, rc;

	if (q == NULL) {
		*cause = xasprintf("engine: bad engine.calib_queue %d", engine_g.cfg.calib_queue);
		return -1;
	}
	pthread_mutex_lock(&engine_g.lock);
	engine_g.calib_q = q;
	pthread_mutex_unlock(&engine_g.lock);
	engine_g.workers = xcalloc((size_t)engine_g.cfg.workers, sizeof *engine_g.workers);
	for (i = 0; i < engine_g.cfg.workers; i++) {
		if ((rc = pthread_create(&engine_g.workers[i], NULL, ecal_worker, NULL)) != 0) {
			*cause = xasprintf("engine: cannot start calibration worker %d: %s", i + 1,
			    strerror(rc));
			engine_g.nworkers = i;
			engine_pool_stop();
			return -1;
		}
	}
	engine_g.nworkers = engine_g.cfg.workers;
	return 0;
}

/* Stops the pool: queued jobs are answered as not run. */
void engine_pool_stop(void)
{
	struct bqueue *q = engine_g.calib_q;
	int i;

	if (q == NULL)
		return;
	bqueue_close(q);
	for (i = 0; i < engine_g.nworkers; i++)
		pthread_join(engine_g.workers[i], NULL);
	free(engine_g.workers);
	engine_g.workers = NULL;
	engine_g.nworkers = 0;
	pthread_mutex_lock(&engine_g.lock);
	engine_g.calib_q = NULL;
	pthread_mutex_unlock(&engine_g.lock);
	bqueue_free(q);
}

/* Queues a job. */
int engine_pool_submit(const struct engine_job *job)
{
	if (engine_g.calib_q == NULL || bqueue_push(engine_g.calib_q, job) != 0) {
		log_warn("engine: calibration queue full, %s %s dropped",
		    calib_model_name(job->model), job->symbol);
		return -1;
	}
	return 0;
}

/* --- the schedule -------------------------------------------------------- */

/* The engine thread's memory of the schedule. */
static struct engine_clock ecal_clock;

/* Whether a schedule event (pre-market, intraday slot, post-market) fell
 * between the last pass (in *clk) and market time mt; names it in *what
 * and advances *clk.  Pure: the engine thread and the tests call it. */
int engine_schedule_due(const struct engine_cfg *c, struct engine_clock *clk, double mt,
    const char **what)
{
	double min;
	int date, wd, due = 0;
	long slot = -1;

	if (exch_local(c->timezone, mt, &date, &min, &wd) != 0)
		return 0;
	if (min >= c->session_open && min < c->session_close && c->every_minutes > 0)
		slot = (long)floor((min - c->session_open) / c->every_minutes);
	if (clk->date != 0) {
		if (date != clk->date) {
			/* A new day: the rounds missed overnight collapse into one
			 * (the post-market of the day before, the pre-market of
			 * this one). */
			if (min >= c->premarket || clk->minutes < c->postmarket) {
				*what = min >= c->premarket ? "pre-market" : "post-market";
				due = 1;
			}
		} else if (clk->minutes < c->premarket && min >= c->premarket) {
			*what = "pre-market";
			due = 1;
		} else if (clk->minutes < c->postmarket && min >= c->postmarket) {
			*what = "post-market";
			due = 1;
		} else if (slot >= 0 && slot != clk->slot) {
			*what = "schedule";
			due = 1;
		}
	}
	clk->date = date;
	clk->minutes = min;
	clk->slot = slot;
	return due;
}

/* The spot of an underlying in a snapshot: its chain's, else its quote's mid. */
static double ecal_spot(const struct mstate_snap *ms, const char *symbol)
{
	const struct option_chain *c = mstate_snap_chain(ms, symbol);
	const struct quote *q;

	if (c != NULL && c->spot > 0)
		return c->spot;
	q = mstate_snap_quote(ms, symbol);
	return q != NULL ? market_mid(q) : NAN;
}

/* The number of daily bars of a pair's first leg. */
static size_t ecal_nbars(const struct mstate_snap *ms, const char *pair)
{
	char leg[MARKET_SYMBOL_MAX];
	const char *slash = strchr(pair, '/');
	size_t n = 0;

	if (slash == NULL || (size_t)(slash - pair) >= sizeof leg)
		return 0;
	memcpy(leg, pair, (size_t)(slash - pair));
	leg[slash - pair] = '\0';
	mstate_snap_bars(ms, leg, &n);
	return n;
}

/* Considers one (model, symbol) for calibration (lock held). */
static void ecal_consider_locked(const struct mstate_snap *ms, enum calib_model m,
    const char *symbol, const char *due, double now)
{
	struct engine_sched *s = ecal_sched_locked(m, symbol);
	const char *reason = NULL;
	struct engine_job job;
	double spot = NAN;
	size_t nbars = 0;

	if (s->in_flight)
		return;
	if (m == CALIB_OU)
		nbars = ecal_nbars(ms, symbol);
	else
		spot = ecal_spot(ms, symbol);
	if (s->last_wall == 0 && calib_book_find(&engine_g.book, m, symbol) == NULL)
		reason = "first";
	else if (s->last_failed && now - s->last_wall < engine_g.cfg.retry_seconds)
		return;
	else if (s->last_failed)
		reason = "retry";
	else if (due != NULL)
		reason = due;
	else if (m != CALIB_OU && spot > 0 && s->last_spot > 0 &&
	    fabs(spot / s->last_spot - 1) > engine_g.cfg.move)
		reason = "move";
	else if (m == CALIB_OU && s->last_nbars > 0 && nbars != s->last_nbars)
		reason = "bar";
	else if (s->last_wall == 0)
		reason = "restart";     /* parameters from the store: refresh once */
	if (reason == NULL)
		return;
	memset(&job, 0, sizeof job);
	job.model = m;
	snprintf(job.symbol, sizeof job.symbol, "%s", symbol);
	snprintf(job.reason, sizeof job.reason, "%s", reason);
	if (engine_pool_submit(&job) == 0) {
		s->in_flight = 1;
		s->last_spot = spot;
		s->last_nbars = nbars;
		s->last_wall = now;     /* no resubmission before it finishes */
	}
}

/* The engine thread's scheduling pass. */
void engine_schedule(const struct mstate_snap *ms, double market_time, double now)
{
	const char *due = NULL;
	size_t i;

	pthread_mutex_lock(&engine_g.lock);
	if (!engine_schedule_due(&engine_g.cfg, &ecal_clock, market_time, &due))
		due = NULL;
	for (i = 0; i < engine_g.nund; i++) {
		ecal_consider_locked(ms, CALIB_HESTON, engine_g.universe_und[i], due, now);
		ecal_consider_locked(ms, CALIB_SABR, engine_g.universe_und[i], due, now);
	}
	for (i = 0; i < engine_g.npairs; i++)
		ecal_consider_locked(ms, CALIB_OU, engine_g.universe_pairs[i], due, now);
	pthread_mutex_unlock(&engine_g.lock);
	if (due != NULL)
		log_info("engine: %s calibration round", due);
}

/* --- calibration on command ---------------------------------------------- */

/* Calibrates on command (engine.h). */
int engine_calibrate(struct conf *conf, enum calib_model model, const char *symbol,
    double timeout, int (*progress)(void *arg, size_t done, size_t n), void *arg,
    struct calib_result **out, size_t *n, char **cause)
{
	char syms[ENGINE_UNIVERSE_MAX][MARKET_SYMBOL_MAX];
	struct engine_wait *w;
	struct timespec until, tick;
	size_t i, k = 0;
	int running, last, stopped = 0;
	double end;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&engine_g.lock);
	running = engine_g.running && engine_g.calib_q != NULL;
	pthread_mutex_unlock(&engine_g.lock);
	if (!running) {
		/* Calibrate in this thread with the configuration as it is now. */
		struct engine_cfg cfg;

		if (engine_cfg_read(&cfg, conf, cause) != 0)
			return -1;
		pthread_mutex_lock(&engine_g.lock);
		engine_g.cfg = cfg;
		engine_g.conf = conf;
		if (calib_cfg_from_conf(&engine_g.ccfg, conf, cause) != 0) {
			pthread_mutex_unlock(&engine_g.lock);
			return -1;
		}
		pthread_mutex_unlock(&engine_g.lock);
	}
	if (strcmp(symbol, "all") == 0) {
		const struct mstate_snap *ms = mstate_snapshot(mstate_global());

		engine_universe_resolve(ms);
		pthread_mutex_lock(&engine_g.lock);
		if (model == CALIB_OU)
			for (i = 0; i < engine_g.npairs; i++)
				memcpy(syms[k++], engine_g.universe_pairs[i], MARKET_SYMBOL_MAX);
		else
			for (i = 0; i < engine_g.nund; i++)
				memcpy(syms[k++], engine_g.universe_und[i], MARKET_SYMBOL_MAX);
		pthread_mutex_unlock(&engine_g.lock);
		mstate_snap_release(ms);
		if (k == 0) {
			*cause = xasprintf("calibrate %s all: the universe is empty (no %s in the "
			    "market state; start a feed, or set engine.%s)", calib_model_name(model),
			    model == CALIB_OU ? "pairs" : "option chains",
			    model == CALIB_OU ? "pairs" : "underlyings");
			return -1;
		}
	} else {
		snprintf(syms[0], MARKET_SYMBOL_MAX, "%s", symbol);
		k = 1;
	}
	*out = xcalloc(k, sizeof **out);
	*n = k;
	if (!running) {
		for (i = 0; i < k && !stopped; i++) {
			engine_calibrate_one(model, syms[i], "command", &(*out)[i]);
			stopped = progress != NULL && progress(arg, i + 1, k) != 0;
		}
		for (; i < k; i++) {
			(*out)[i].model = model;
			snprintf((*out)[i].symbol, MARKET_SYMBOL_MAX, "%s", syms[i]);
			(*out)[i].status = CALIB_FAILED;
			snprintf((*out)[i].alert, CALIB_ALERT_MAX, "not calibrated: stopped before it");
		}
		return 0;
	}
	w = xcalloc(1, sizeof *w);
	w->n = k;
	w->refs = 1;
	w->res = xcalloc(k, sizeof *w->res);
	for (i = 0; i < k; i++) {
		struct engine_job job;

		memset(&job, 0, sizeof job);
		job.model = model;
		snprintf(job.symbol, sizeof job.symbol, "%s", syms[i]);
		snprintf(job.reason, sizeof job.reason, "command");
		job.wait = w;
		job.slot = i;
		pthread_mutex_lock(&engine_g.lock);
		w->refs++;
		pthread_mutex_unlock(&engine_g.lock);
		if (engine_pool_submit(&job) != 0) {
			pthread_mutex_lock(&engine_g.lock);
			w->refs--;
			w->res[i].model = model;
			snprintf(w->res[i].symbol, MARKET_SYMBOL_MAX, "%s", syms[i]);
			w->res[i].status = CALIB_FAILED;
			snprintf(w->res[i].alert, CALIB_ALERT_MAX, "the calibration queue is full");
			w->done++;
			pthread_mutex_unlock(&engine_g.lock);
		}
	}
	/* Wait in ticks of at most 0.2 s: each tick, or each result, gives
	 * the progress callback its turn (outside the lock) to report or stop. */
	end = now_monotonic() + timeout;
	pthread_mutex_lock(&engine_g.lock);
	while (w->done < w->n && !stopped) {
		double left = end - now_monotonic();

		if (left <= 0)
			break;
		deadline_in(&until, CLOCK_MONOTONIC, left);
		deadline_in(&tick, CLOCK_MONOTONIC, left < 0.2 ? left : 0.2);
		pthread_cond_timedwait(&engine_g.wake, &engine_g.lock,
		    progress != NULL ? &tick : &until);
		if (progress != NULL) {
			size_t done = w->done;

			pthread_mutex_unlock(&engine_g.lock);
			stopped = progress(arg, done, k) != 0;
			pthread_mutex_lock(&engine_g.lock);
		}
	}
	for (i = 0; i < k; i++) {
		(*out)[i] = w->res[i];
		if ((*out)[i].symbol[0] == '\0') {
			(*out)[i].model = model;
			snprintf((*out)[i].symbol, MARKET_SYMBOL_MAX, "%s", syms[i]);
			(*out)[i].status = CALIB_FAILED;
			if (stopped)
				snprintf((*out)[i].alert, CALIB_ALERT_MAX, "still running: the wait "
				    "was stopped (the result is stored when it comes; see "
				    "`calibrations`)");
			else
				snprintf((*out)[i].alert, CALIB_ALERT_MAX, "no result within %g s "
				    "(still running; see `calibrations`)", timeout);
		}
	}
	last = --w->refs == 0;
	pthread_mutex_unlock(&engine_g.lock);
	if (last) {
		free(w->res);
		free(w);
	}
	return 0;
}
