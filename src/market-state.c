/*
 * market-state.c -- the thread-safe market state and its quarantine (see
 * the DESIGN block in market-state.h).
 *
 * DESIGN (implementation)
 * One mutex guards the tables (quotes in a sorted array, pointers to
 * immutable bar series and chains, each sorted by symbol), the quarantine
 * ring and the counters.  Validation, which may price and invert options,
 * runs before the lock is taken; under the lock a writer only merges and
 * swaps pointers.  Series, chains and snapshots carry atomic reference
 * counts: the state holds one reference to each current object, every
 * snapshot one more, and the last release frees.  Readers therefore need
 * no lock once they hold a snapshot.
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "market-state.h"
#include "util.h"

/* An immutable bar series. */
struct mseries {
	atomic_long ref;
	char symbol[MARKET_SYMBOL_MAX];
	size_t n;
	struct bar *bars;
};

/* An immutable chain. */
struct mchain {
	atomic_long ref;
	struct option_chain c;
};

struct mstate_snap {
	atomic_long ref;
	unsigned long version;
	size_t nq, ns, nc;
	struct quote *quotes;
	struct mseries **series;
	struct mchain **chains;
};

struct mstate {
	pthread_mutex_t lock;
	struct validate_cfg cfg;
	unsigned long version;
	void (*notify)(void *arg);      /* called after each accepted write */
	void *notify_arg;
	struct quote *quotes;
	size_t nq, capq;
	struct mseries **series;
	size_t ns, caps;
	struct mchain **chains;
	size_t nc, capc;
	struct mstate_snap *snap;       /* cached latest snapshot (one reference) */
	struct quarantine_entry *ring;
	size_t ring_cap, ring_n;        /* capacity and entries held */
	unsigned long seq;              /* last sequence number given */
	struct mstate_counts counts;
};

/* Drops a reference to a series. */
static void mseries_release(struct mseries *s)
{
	if (s != NULL && atomic_fetch_sub(&s->ref, 1) == 1) {
		free(s->bars);
		free(s);
	}
}

/* Drops a reference to a chain. */
static void mchain_release(struct mchain *c)
{
	if (c != NULL && atomic_fetch_sub(&c->ref, 1) == 1) {
		market_chain_free(&c->c);
		free(c);
	}
}

/* Creates an empty state. */
struct mstate *mstate_new(size_t quarantine_cap)
{
	struct mstate *ms = xcalloc(1, sizeof *ms);

	pthread_mutex_init(&ms->lock, NULL);
	validate_cfg_default(&ms->cfg);
	ms->ring_cap = quarantine_cap > 0 ? quarantine_cap : 1;
	ms->ring = xcalloc(ms->ring_cap, sizeof *ms->ring);
	ms->version = 1;
	return ms;
}

/* Frees a state (no feed may still write to it). */
void mstate_free(struct mstate *ms)
{
	size_t i;

	if (ms == NULL)
		return;
	if (ms->snap != NULL)
		mstate_snap_release(ms->snap);
	for (i = 0; i < ms->ns; i++)
		mseries_release(ms->series[i]);
	for (i = 0; i < ms->nc; i++)
		mchain_release(ms->chains[i]);
	free(ms->series);
	free(ms->chains);
	free(ms->quotes);
	free(ms->ring);
	pthread_mutex_destroy(&ms->lock);
	free(ms);
}

static struct mstate *mstate_the_global;
static pthread_once_t mstate_once = PTHREAD_ONCE_INIT;

/* Frees the process's state at exit. */
static void mstate_global_free(void)
{
	mstate_free(mstate_the_global);
	mstate_the_global = NULL;
}

/* Creates the process's state. */
static void mstate_global_init(void)
{
	mstate_the_global = mstate_new(10000);
	atexit(mstate_global_free);
}

/* Returns the process's state. */
struct mstate *mstate_global(void)
{
	pthread_once(&mstate_once, mstate_global_init);
	return mstate_the_global;
}

/* Resizes the quarantine ring keeping the newest entries (lock held). */
static void mstate_ring_resize(struct mstate *ms, size_t cap)
{
	struct quarantine_entry *ring;
	size_t keep, i;

	if (cap == ms->ring_cap || cap == 0)
		return;
	ring = xcalloc(cap, sizeof *ring);
	keep = ms->ring_n < cap ? ms->ring_n : cap;
	for (i = 0; i < keep; i++) {
		unsigned long seq = ms->seq - keep + 1 + i;

		ring[(seq - 1) % cap] = ms->ring[(seq - 1) % ms->ring_cap];
	}
	free(ms->ring);
	ms->ring = ring;
	ms->ring_cap = cap;
	ms->ring_n = keep;
}

/* Applies the validate.* keys. */
void mstate_configure(struct mstate *ms, struct conf *conf)
{
	struct validate_cfg cfg;

	validate_cfg_from_conf(&cfg, conf);
	pthread_mutex_lock(&ms->lock);
	ms->cfg = cfg;
	mstate_ring_resize(ms, (size_t)conf_get_int(conf, "validate.quarantine_size"));
	pthread_mutex_unlock(&ms->lock);
}

/* Sets the thresholds. */
void mstate_set_validate(struct mstate *ms, const struct validate_cfg *cfg)
{
	pthread_mutex_lock(&ms->lock);
	ms->cfg = *cfg;
	pthread_mutex_unlock(&ms->lock);
}

/* Returns a copy of the thresholds. */
static struct validate_cfg mstate_cfg(struct mstate *ms)
{
	struct validate_cfg cfg;

	pthread_mutex_lock(&ms->lock);
	cfg = ms->cfg;
	pthread_mutex_unlock(&ms->lock);
	return cfg;
}

/* Copies s into out, keeping its end ("...h/file.csv:123") when too long. */
static void mstate_copy_tail(char *out, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (n < len)
		memcpy(out, s, n + 1);
	else
		snprintf(out, len, "...%s", s + n - (len - 4));
}

/* Adds a quarantine entry (lock held). */
static void mstate_quarantine_locked(struct mstate *ms, const char *source, const char *symbol,
    enum vreason reason, double data_time, const char *detail)
{
	struct quarantine_entry *e;

	ms->seq++;
	e = &ms->ring[(ms->seq - 1) % ms->ring_cap];
	if (ms->ring_n == ms->ring_cap)
		ms->counts.ring_dropped++;
	else
		ms->ring_n++;
	memset(e, 0, sizeof *e);
	e->seq = ms->seq;
	e->time = now_wall();
	e->data_time = data_time;
	mstate_copy_tail(e->source, sizeof e->source, source != NULL ? source : "");
	snprintf(e->symbol, sizeof e->symbol, "%s", symbol != NULL ? symbol : "");
	e->reason = reason;
	snprintf(e->detail, sizeof e->detail, "%s", detail != NULL ? detail : "");
	if ((unsigned)reason < VR_NREASONS)
		ms->counts.quarantined[reason]++;
	ms->counts.quarantined_total++;
	log_debug("quarantine: %s %s %s: %s", e->source, e->symbol,
	    validate_reason_name(reason), e->detail);
}

/* Quarantines a row. */
void mstate_quarantine(struct mstate *ms, const char *source, const char *symbol,
    enum vreason reason, double data_time, const char *detail)
{
	pthread_mutex_lock(&ms->lock);
	mstate_quarantine_locked(ms, source, symbol, reason, data_time, detail);
	pthread_mutex_unlock(&ms->lock);
}

/* Finds a quote slot by binary search over the sorted quotes. */
static size_t mstate_find_quote(struct mstate *ms, const char *symbol, int *found)
{
	size_t lo = 0, hi = ms->nq;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(ms->quotes[mid].symbol, symbol);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

/* Finds a series slot. */
static size_t mstate_find_series(struct mseries *const *v, size_t n, const char *symbol,
    int *found)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(v[mid]->symbol, symbol);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

/* Finds a chain slot. */
static size_t mstate_find_chain(struct mchain *const *v, size_t n, const char *und, int *found)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(v[mid]->c.underlying, und);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

/* Validates and stores a quote. */
/* Unlocks after a write and tells the listener (outside the lock, so it
 * may take its own locks and read a snapshot). */
static void mstate_unlock_notify(struct mstate *ms)
{
	void (*fn)(void *) = ms->notify;
	void *arg = ms->notify_arg;

	pthread_mutex_unlock(&ms->lock);
	if (fn != NULL)
		fn(arg);
}

/* Sets the listener. */
void mstate_set_notify(struct mstate *ms, void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&ms->lock);
	ms->notify = fn;
	ms->notify_arg = arg;
	pthread_mutex_unlock(&ms->lock);
}

int mstate_put_quote(struct mstate *ms, const char *source, const struct quote *in)
{
	char detail[VALIDATE_DETAIL_MAX];
	struct quote copy = *in, *q = &copy;
	enum vreason why;
	size_t i;
	int found;

	copy.symbol[MARKET_SYMBOL_MAX - 1] = '\0';
	pthread_mutex_lock(&ms->lock);
	if (q->symbol[0] == '\0') {
		mstate_quarantine_locked(ms, source, q->symbol, VR_MISSING, q->exch_time,
		    "quote without a symbol");
		pthread_mutex_unlock(&ms->lock);
		return 1;
	}
	i = mstate_find_quote(ms, q->symbol, &found);
	why = validate_quote(&ms->cfg, q, found ? ms->quotes[i].exch_time : NAN, detail,
	    sizeof detail);
	if (why != VR_OK) {
		mstate_quarantine_locked(ms, source, q->symbol, why, q->exch_time, detail);
		pthread_mutex_unlock(&ms->lock);
		return 1;
	}
	if (!found) {
		if (ms->nq == ms->capq) {
			ms->capq = ms->capq ? ms->capq * 2 : 64;
			ms->quotes = xrealloc(ms->quotes, ms->capq * sizeof *ms->quotes);
		}
		memmove(&ms->quotes[i + 1], &ms->quotes[i], (ms->nq - i) * sizeof *ms->quotes);
		ms->nq++;
	}
	ms->quotes[i] = *q;
	ms->counts.quotes++;
	ms->version++;
	mstate_unlock_notify(ms);
	return 0;
}

/* A bar with its input position, for a stable sort. */
struct mbar {
	struct bar b;
	size_t pos;
};

/* Orders bars by symbol, time, then input position. */
static int mstate_bar_cmp(const void *a, const void *b)
{
	const struct mbar *x = a, *y = b;
	int c = strcmp(x->b.symbol, y->b.symbol);

	if (c != 0)
		return c;
	if (x->b.time != y->b.time)
		return x->b.time < y->b.time ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Merges sorted new bars of one symbol into its series (lock held): a new
 * bar replaces an old one of the same time. */
static void mstate_merge_series(struct mstate *ms, const struct bar *nb, size_t n)
{
	struct mseries *old, *s;
	size_t i, j, k, pos;
	int found;

	pos = mstate_find_series(ms->series, ms->ns, nb[0].symbol, &found);
	old = found ? ms->series[pos] : NULL;
	s = xcalloc(1, sizeof *s);
	atomic_init(&s->ref, 1);
	snprintf(s->symbol, sizeof s->symbol, "%s", nb[0].symbol);
	s->bars = xmalloc(((old ? old->n : 0) + n) * sizeof *s->bars);
	for (i = j = k = 0; (old && i < old->n) || j < n;) {
		if (j >= n || (old && i < old->n && old->bars[i].time < nb[j].time))
			s->bars[k++] = old->bars[i++];
		else if (old && i < old->n && old->bars[i].time == nb[j].time)
			i++;            /* replaced by the new bar */
		else {
			/* several new bars of one time: the last one wins */
			if (k > 0 && s->bars[k - 1].time == nb[j].time)
				k--;
			s->bars[k++] = nb[j++];
		}
	}
	if (k > MSTATE_MAX_BARS) {
		memmove(s->bars, s->bars + (k - MSTATE_MAX_BARS),
		    MSTATE_MAX_BARS * sizeof *s->bars);
		k = MSTATE_MAX_BARS;
	}
	s->n = k;
	if (found) {
		ms->series[pos] = s;
		mseries_release(old);
	} else {
		if (ms->ns == ms->caps) {
			ms->caps = ms->caps ? ms->caps * 2 : 16;
			ms->series = xrealloc(ms->series, ms->caps * sizeof *ms->series);
		}
		memmove(&ms->series[pos + 1], &ms->series[pos],
		    (ms->ns - pos) * sizeof *ms->series);
		ms->series[pos] = s;
		ms->ns++;
	}
}

/* Validates and stores many bars. */
size_t mstate_put_bars(struct mstate *ms, const char *source, const char *const *sources,
    const struct bar *b, size_t n, unsigned char *accepted)
{
	struct mbar *clean = xmalloc((n ? n : 1) * sizeof *clean);
	struct bar *run = xmalloc((n ? n : 1) * sizeof *run);
	size_t i, j, nc = 0, bad = 0, start;
	char detail[VALIDATE_DETAIL_MAX];

	pthread_mutex_lock(&ms->lock);
	for (i = 0; i < n; i++) {
		enum vreason why = validate_bar(&b[i], detail, sizeof detail);

		if (why == VR_OK && b[i].symbol[0] == '\0') {
			why = VR_MISSING;
			snprintf(detail, sizeof detail, "bar without a symbol");
		}
		if (accepted != NULL)
			accepted[i] = why == VR_OK;
		if (why != VR_OK) {
			mstate_quarantine_locked(ms, sources ? sources[i] : source, b[i].symbol, why,
			    b[i].time, detail);
			bad++;
			continue;
		}
		clean[nc].b = b[i];
		clean[nc].b.symbol[MARKET_SYMBOL_MAX - 1] = '\0';
		clean[nc].pos = i;
		nc++;
	}
	qsort(clean, nc, sizeof *clean, mstate_bar_cmp);
	for (start = 0; start < nc; start = i) {
		for (i = start + 1; i < nc && strcmp(clean[i].b.symbol, clean[start].b.symbol) == 0;
		    i++)
			;
		for (j = start; j < i; j++)
			run[j - start] = clean[j].b;
		mstate_merge_series(ms, run, i - start);
	}
	ms->counts.bars += nc;
	if (nc > 0)
		ms->version++;
	mstate_unlock_notify(ms);
	free(clean);
	free(run);
	return bad;
}

/* Validates and stores one bar. */
int mstate_put_bar(struct mstate *ms, const char *source, const struct bar *b)
{
	return mstate_put_bars(ms, source, NULL, b, 1, NULL) > 0;
}

/* Returns 1 when expiry group of option o appears in chain c. */
static int mstate_chain_has_expiry(const struct option_chain *c, const struct option_quote *o)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (c->opts[i].opt.expiry == o->opt.expiry)
			return 1;
	}
	return 0;
}

/* Validates a chain and merges its clean rows. */
size_t mstate_put_chain(struct mstate *ms, const char *source, const char *const *sources,
    struct option_chain *c, unsigned char *accepted)
{
	struct validate_cfg cfg = mstate_cfg(ms);
	struct validate_verdict *v = xcalloc(c->n ? c->n : 1, sizeof *v);
	struct mchain *nc, *old;
	size_t bad, i, pos;
	int found;

	c->underlying[MARKET_SYMBOL_MAX - 1] = '\0';
	bad = validate_chain(&cfg, c, v);
	nc = xcalloc(1, sizeof *nc);
	atomic_init(&nc->ref, 1);
	market_chain_init(&nc->c, c->underlying);
	nc->c.time = c->time;
	nc->c.spot = c->spot;
	nc->c.rate = c->rate;
	nc->c.dividend = c->dividend;
	for (i = 0; i < c->n; i++) {
		if (accepted != NULL)
			accepted[i] = v[i].reason == VR_OK;
		if (v[i].reason == VR_OK)
			market_chain_add(&nc->c, &c->opts[i]);
	}
	pthread_mutex_lock(&ms->lock);
	for (i = 0; i < c->n; i++) {
		if (v[i].reason != VR_OK) {
			const struct option_quote *oq = &c->opts[i];
			char sym[MARKET_SYMBOL_MAX];

			market_occ_format(&oq->opt, sym, sizeof sym);
			mstate_quarantine_locked(ms, sources ? sources[i] : source,
			    oq->opt.symbol[0] ? oq->opt.symbol : sym[0] ? sym : c->underlying,
			    v[i].reason, isfinite(oq->q.exch_time) ? oq->q.exch_time : c->time,
			    v[i].detail);
		}
	}
	pos = mstate_find_chain(ms->chains, ms->nc, c->underlying, &found);
	old = found ? ms->chains[pos] : NULL;
	if (old != NULL) {
		double shift = (c->time - old->c.time) / (365.0 * 86400.0);

		if (!isfinite(nc->c.spot))
			nc->c.spot = old->c.spot;
		for (i = 0; i < old->c.n; i++) {
			struct option_quote oq = old->c.opts[i];

			if (mstate_chain_has_expiry(c, &oq))
				continue;
			if (isfinite(oq.maturity) && isfinite(shift))
				oq.maturity -= shift;
			if (!(market_option_maturity(&nc->c, &oq) > 0))
				continue;
			market_chain_add(&nc->c, &oq);
		}
	}
	market_chain_sort(&nc->c);
	if (found) {
		ms->chains[pos] = nc;
		mchain_release(old);
	} else {
		if (ms->nc == ms->capc) {
			ms->capc = ms->capc ? ms->capc * 2 : 16;
			ms->chains = xrealloc(ms->chains, ms->capc * sizeof *ms->chains);
		}
		memmove(&ms->chains[pos + 1], &ms->chains[pos], (ms->nc - pos) * sizeof *ms->chains);
		ms->chains[pos] = nc;
		ms->nc++;
	}
	ms->counts.chains++;
	ms->counts.options += c->n - bad;
	ms->version++;
	mstate_unlock_notify(ms);
	free(v);
	return bad;
}

/* Sink callbacks: the feed thread's writes. */
static void mstate_sink_quote(void *arg, const struct quote *q)
{
	struct mstate_source *src = arg;

	mstate_put_quote(src->ms, src->name, q);
}

/* Sink callback: validates and stores a bar. */
static void mstate_sink_bar(void *arg, const struct bar *b)
{
	struct mstate_source *src = arg;

	mstate_put_bar(src->ms, src->name, b);
}

/* Sink callback: validates a copy of a chain (validation fills in vols) and merges it. */
static void mstate_sink_chain(void *arg, const struct option_chain *c)
{
	struct mstate_source *src = arg;
	struct option_chain copy;

	market_chain_copy(&copy, c);
	mstate_put_chain(src->ms, src->name, NULL, &copy, NULL);
	market_chain_free(&copy);
}

/* Sink callback: logs the feed's status changes. */
static void mstate_sink_status(void *arg, const char *feed, int ok, const char *msg)
{
	struct mstate_source *src = arg;

	if (ok)
		log_info("feed %s (%s): %s", feed, src->name, msg);
	else
		log_warn("feed %s (%s): %s", feed, src->name, msg);
}

/* Prepares a sink that writes into ms. */
void mstate_sink_init(struct feed_sink *sink, struct mstate_source *src, struct mstate *ms,
    const char *name)
{
	memset(src, 0, sizeof *src);
	src->ms = ms;
	mstate_copy_tail(src->name, sizeof src->name, name);
	sink->on_quote = mstate_sink_quote;
	sink->on_bar = mstate_sink_bar;
	sink->on_chain = mstate_sink_chain;
	sink->on_status = mstate_sink_status;
	sink->arg = src;
}

/* Copies quarantine entries. */
size_t mstate_quarantine_read(struct mstate *ms, unsigned long after, double since,
    int reason, struct quarantine_entry *out, size_t max)
{
	unsigned long seq, first;
	size_t n = 0;

	pthread_mutex_lock(&ms->lock);
	first = ms->seq - ms->ring_n + 1;
	if (first <= after)
		first = after + 1;
	for (seq = first; seq <= ms->seq && n < max; seq++) {
		const struct quarantine_entry *e = &ms->ring[(seq - 1) % ms->ring_cap];

		if (e->time < since || (reason >= 0 && (int)e->reason != reason))
			continue;
		out[n++] = *e;
	}
	pthread_mutex_unlock(&ms->lock);
	return n;
}

/* Copies the counters. */
void mstate_get_counts(struct mstate *ms, struct mstate_counts *out)
{
	pthread_mutex_lock(&ms->lock);
	*out = ms->counts;
	pthread_mutex_unlock(&ms->lock);
}

/* Returns the current snapshot, building it when the state changed. */
const struct mstate_snap *mstate_snapshot(struct mstate *ms)
{
	struct mstate_snap *s;
	size_t i;

	pthread_mutex_lock(&ms->lock);
	if (ms->snap != NULL && ms->snap->version == ms->version) {
		atomic_fetch_add(&ms->snap->ref, 1);
		s = ms->snap;
		pthread_mutex_unlock(&ms->lock);
		return s;
	}
	s = xcalloc(1, sizeof *s);
	atomic_init(&s->ref, 2);        /* the cache's and the caller's */
	s->version = ms->version;
	s->nq = ms->nq;
	s->quotes = xmalloc((ms->nq ? ms->nq : 1) * sizeof *s->quotes);
	if (ms->nq > 0)
		memcpy(s->quotes, ms->quotes, ms->nq * sizeof *s->quotes);
	s->ns = ms->ns;
	s->series = xmalloc((ms->ns ? ms->ns : 1) * sizeof *s->series);
	for (i = 0; i < ms->ns; i++) {
		s->series[i] = ms->series[i];
		atomic_fetch_add(&s->series[i]->ref, 1);
	}
	s->nc = ms->nc;
	s->chains = xmalloc((ms->nc ? ms->nc : 1) * sizeof *s->chains);
	for (i = 0; i < ms->nc; i++) {
		s->chains[i] = ms->chains[i];
		atomic_fetch_add(&s->chains[i]->ref, 1);
	}
	if (ms->snap != NULL)
		mstate_snap_release(ms->snap);
	ms->snap = s;
	pthread_mutex_unlock(&ms->lock);
	return s;
}

/* Releases a snapshot. */
void mstate_snap_release(const struct mstate_snap *cs)
{
	struct mstate_snap *s = (struct mstate_snap *)cs;
	size_t i;

	if (s == NULL || atomic_fetch_sub(&s->ref, 1) != 1)
		return;
	for (i = 0; i < s->ns; i++)
		mseries_release(s->series[i]);
	for (i = 0; i < s->nc; i++)
		mchain_release(s->chains[i]);
	free(s->series);
	free(s->chains);
	free(s->quotes);
	free(s);
}

/* Version of the state the snapshot shows. */
unsigned long mstate_snap_version(const struct mstate_snap *s)
{
	return s->version;
}

/* Number of quotes. */
size_t mstate_snap_nquotes(const struct mstate_snap *s)
{
	return s->nq;
}

/* Quote i. */
const struct quote *mstate_snap_quote_at(const struct mstate_snap *s, size_t i)
{
	return i < s->nq ? &s->quotes[i] : NULL;
}

/* Quote of a symbol, or NULL. */
const struct quote *mstate_snap_quote(const struct mstate_snap *s, const char *symbol)
{
	size_t lo = 0, hi = s->nq;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(s->quotes[mid].symbol, symbol);

		if (c == 0)
			return &s->quotes[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Number of bar series. */
size_t mstate_snap_nseries(const struct mstate_snap *s)
{
	return s->ns;
}

/* Symbol of series i. */
const char *mstate_snap_series_symbol(const struct mstate_snap *s, size_t i)
{
	return i < s->ns ? s->series[i]->symbol : NULL;
}

/* Bars of a symbol. */
const struct bar *mstate_snap_bars(const struct mstate_snap *s, const char *symbol, size_t *n)
{
	int found;
	size_t i = mstate_find_series(s->series, s->ns, symbol, &found);

	*n = found ? s->series[i]->n : 0;
	return found ? s->series[i]->bars : NULL;
}

/* Number of chains. */
size_t mstate_snap_nchains(const struct mstate_snap *s)
{
	return s->nc;
}

/* Chain i. */
const struct option_chain *mstate_snap_chain_at(const struct mstate_snap *s, size_t i)
{
	return i < s->nc ? &s->chains[i]->c : NULL;
}

/* Chain of an underlying, or NULL. */
const struct option_chain *mstate_snap_chain(const struct mstate_snap *s, const char *und)
{
	int found;
	size_t i = mstate_find_chain(s->chains, s->nc, und, &found);

	return found ? &s->chains[i]->c : NULL;
}

/* An option of the latest chain of its underlying, by OCC symbol (in any
 * padding: both sides are compared in canonical form). */
const struct option_quote *mstate_snap_option(const struct mstate_snap *s, const char *occ,
    const struct option_chain **chain)
{
	const struct option_chain *c;
	struct instrument in;
	char want[MARKET_SYMBOL_MAX], have[MARKET_SYMBOL_MAX], *cause = NULL;
	size_t i;

	if (market_occ_parse(occ, &in, &cause) != 0) {
		free(cause);
		return NULL;
	}
	if ((c = mstate_snap_chain(s, in.underlying)) == NULL)
		return NULL;
	market_occ_format(&in, want, sizeof want);
	for (i = 0; i < c->n; i++) {
		market_occ_format(&c->opts[i].opt, have, sizeof have);
		if (strcmp(want, have) == 0) {
			if (chain != NULL)
				*chain = c;
			return &c->opts[i];
		}
	}
	return NULL;
}

/* A symbol's quote: its own, else an option's in its chain. */
const struct quote *mstate_snap_quote_any(const struct mstate_snap *s, const char *symbol,
    const struct option_quote **opt, const struct option_chain **chain)
{
	const struct quote *q = mstate_snap_quote(s, symbol);
	const struct option_quote *oq;

	if (opt != NULL)
		*opt = NULL;
	if (q != NULL)
		return q;
	if ((oq = mstate_snap_option(s, symbol, chain)) == NULL)
		return NULL;
	if (opt != NULL)
		*opt = oq;
	return &oq->q;
}
