/*
 * feed-csv.c -- CSV replay: bars and an option chain from files, played
 * back through the same feed interface as the simulator.
 *
 * DESIGN
 * open() reads and checks the files named by feed.csv_bars and
 * feed.csv_chain (market-csv.h), so a bad file is reported by `feed start`
 * with its FILE:LINE, and sorts the bars by time.  The replay walks the
 * distinct bar times in order, feed.csv_speed of them per real second (0:
 * everything in the first poll); at each time it delivers every bar of
 * that time and a quote (last = close) per bar.  The chain, whose time is
 * feed.csv_date at the close (or now), is delivered once, when the replay
 * reaches its time (or at the end if it is later than every bar).  When
 * everything is delivered the feed reports "finished" and stays idle.
 * Only the runner's thread touches the feed after open().
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "feed.h"
#include "market-csv.h"
#include "util.h"

struct feed {
	struct market_csv_bars bars;
	struct market_csv_chain *chains;
	size_t nchains;
	int chains_sent;
	double speed;           /* distinct bar times per real second; 0 = at once */
	size_t next;            /* next bar to deliver */
	unsigned long steps;    /* distinct times delivered */
	double start;           /* monotonic time of the first poll */
	int started, finished;
};

/* A bar's place in the file, for a stable sort. */
struct feed_csv_key {
	double time;
	size_t pos;
};

/* Orders bars by time, keeping the file order among equal times. */
static int feed_csv_cmp(const void *a, const void *b)
{
	const struct feed_csv_key *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Sorts the bars (and their lines) by time, stably. */
static void feed_csv_sort(struct market_csv_bars *b)
{
	struct feed_csv_key *k = xmalloc((b->n ? b->n : 1) * sizeof *k);
	struct bar *bars = xmalloc((b->n ? b->n : 1) * sizeof *bars);
	int *lines = xmalloc((b->n ? b->n : 1) * sizeof *lines);
	size_t i;

	for (i = 0; i < b->n; i++) {
		k[i].time = b->bars[i].time;
		k[i].pos = i;
	}
	qsort(k, b->n, sizeof *k, feed_csv_cmp);
	for (i = 0; i < b->n; i++) {
		bars[i] = b->bars[k[i].pos];
		lines[i] = b->lines[k[i].pos];
	}
	free(b->bars);
	free(b->lines);
	free(k);
	b->bars = bars;
	b->lines = lines;
}

/* Reads the files. */
static int feed_csv_open(struct feed **out, struct conf *conf, char **cause)
{
	const char *bars = conf_get_str(conf, "feed.csv_bars");
	const char *chain = conf_get_str(conf, "feed.csv_chain");
	const char *symbol = conf_get_str(conf, "feed.csv_symbol");
	const char *date = conf_get_str(conf, "feed.csv_date");
	struct feed *f;
	int ymd = 0;

	if ((bars == NULL || *bars == '\0') && (chain == NULL || *chain == '\0')) {
		*cause = xasprintf("feed csv: nothing to replay: set feed.csv_bars and/or "
		    "feed.csv_chain");
		return -1;
	}
	if (date != NULL && *date != '\0' && market_parse_date(date, &ymd) != 0) {
		*cause = xasprintf("feed csv: feed.csv_date: expected YYYY-MM-DD, got '%s'", date);
		return -1;
	}
	if (symbol != NULL && *symbol == '\0')
		symbol = NULL;
	f = xcalloc(1, sizeof *f);
	f->speed = conf_get_double(conf, "feed.csv_speed");
	if (bars != NULL && *bars != '\0') {
		if (market_csv_read_bars(bars, symbol, &f->bars, cause) != 0) {
			free(f);
			return -1;
		}
		feed_csv_sort(&f->bars);
	}
	if (chain != NULL && *chain != '\0' &&
	    market_csv_read_chains(chain, symbol, ymd, &f->chains, &f->nchains, cause) != 0) {
		market_csv_bars_free(&f->bars);
		free(f);
		return -1;
	}
	*out = f;
	return 0;
}

/* Delivers the chains. */
static void feed_csv_send_chains(struct feed *f, const struct feed_sink *sink)
{
	size_t i;

	for (i = 0; i < f->nchains; i++) {
		if (sink->on_chain != NULL)
			sink->on_chain(sink->arg, &f->chains[i].chain);
	}
	f->chains_sent = 1;
}

/* Delivers what is due. */
static int feed_csv_poll(struct feed *f, const struct feed_sink *sink, double deadline,
    char **cause)
{
	double now = now_monotonic(), due;
	double chain_time = f->nchains > 0 ? f->chains[0].chain.time : INFINITY;

	(void)cause;
	if (f->finished)
		return 0;
	if (!f->started) {
		f->started = 1;
		f->start = now;
	}
	deadline = fmin(deadline, now + FEED_WORK_BUDGET);
	due = f->speed > 0 ? floor((now - f->start) * f->speed) + 1 : INFINITY;
	while (f->next < f->bars.n && (double)f->steps < due && now_monotonic() < deadline) {
		double t = f->bars.bars[f->next].time;

		if (!f->chains_sent && chain_time <= t)
			feed_csv_send_chains(f, sink);
		for (; f->next < f->bars.n && f->bars.bars[f->next].time == t; f->next++) {
			const struct bar *b = &f->bars.bars[f->next];
			struct quote q;

			if (sink->on_bar != NULL)
				sink->on_bar(sink->arg, b);
			memset(&q, 0, sizeof q);
			memcpy(q.symbol, b->symbol, sizeof q.symbol);
			q.bid = q.ask = NAN;
			q.last = b->close;
			q.bid_size = q.ask_size = NAN;
			q.volume = b->volume;
			q.exch_time = q.recv_time = t;
			if (sink->on_quote != NULL)
				sink->on_quote(sink->arg, &q);
		}
		f->steps++;
	}
	if (f->next == f->bars.n) {
		char msg[128];

		if (!f->chains_sent)
			feed_csv_send_chains(f, sink);
		f->finished = 1;
		snprintf(msg, sizeof msg, "replay finished: %zu bars, %zu chains", f->bars.n,
		    f->nchains);
		if (sink->on_status != NULL)
			sink->on_status(sink->arg, "csv", 1, msg);
	}
	return 0;
}

/* Frees the feed. */
static void feed_csv_close(struct feed *f)
{
	market_csv_bars_free(&f->bars);
	market_csv_chains_free(f->chains, f->nchains);
	free(f);
}

const struct feed_ops feed_csv_ops = {
	.name = "csv",
	.open = feed_csv_open,
	.poll = feed_csv_poll,
	.close = feed_csv_close,
};
