/*
 * bench-sim.c -- timings of the market simulator (sim.c) and of the
 * validation (validate.c, market-state.c).
 *
 * Why it exists: the simulator is the default feed and must run many
 * times faster than real time (a trading day per minute by default, far
 * faster in tests and backtests); validation runs on every quote and every
 * option of every chain that enters the program, so its cost per quote
 * bounds the data rate one core can accept.  Run by `make bench`, never by
 * `make check`; it asserts nothing.  Each line reads
 * `bench <name> <ns> ns/op  <note>`; the note gives the derived rate.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "market-state.h"
#include "sim.h"
#include "util.h"
#include "validate.h"

/* Returns a monotonic time in seconds. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Counts what a sink receives, keeping the last chain. */
struct count_sink {
	unsigned long quotes, options, bars;
	struct option_chain last;
	int have;
};

/* Sink: counts a quote. */
static void cs_quote(void *arg, const struct quote *q)
{
	(void)q;
	((struct count_sink *)arg)->quotes++;
}

/* Sink: counts a bar. */
static void cs_bar(void *arg, const struct bar *b)
{
	(void)b;
	((struct count_sink *)arg)->bars++;
}

/* Sink: counts options and keeps the last chain. */
static void cs_chain(void *arg, const struct option_chain *c)
{
	struct count_sink *s = arg;

	s->options += c->n;
	if (s->have)
		market_chain_free(&s->last);
	market_chain_copy(&s->last, c);
	s->have = 1;
}

/* Times simulator steps for ~1 s; prints ns/step and ticks per second. */
static void bench_steps(const char *name, const struct sim_config *cfg, struct count_sink *cs)
{
	struct feed_sink sink = { cs_quote, cs_bar, cs_chain, NULL, cs };
	char *cause = NULL;
	struct sim *s = sim_new(cfg, &cause);
	unsigned long steps = 0, ticks;
	double t0, dt;

	if (s == NULL) {
		fprintf(stderr, "bench-sim: %s\n", cause);
		exit(1);
	}
	sim_history(s, NULL);
	memset(cs, 0, sizeof *cs);
	t0 = now();
	do {
		sim_step(s, &sink);
		steps++;
		dt = now() - t0;
	} while (dt < 1.0 || steps % (unsigned long)cfg->steps_per_day != 0);
	ticks = cs->quotes + cs->options;
	printf("bench %s %.1f ns/op  %.0f steps/s, %.0f ticks/s (quotes + options), "
	    "%.0f trading days per real minute\n", name, 1e9 * dt / (double)steps,
	    (double)steps / dt, (double)ticks / dt,
	    (double)steps / cfg->steps_per_day / dt * 60);
	sim_free(s);
}

int main(void)
{
	struct sim_config cfg;
	struct count_sink cs;
	struct validate_cfg vc;
	struct validate_verdict *v;
	struct option_chain copy;
	struct mstate *ms;
	struct quote q;
	char syms[14][8];
	volatile unsigned sinkv = 0;
	long i, reps;
	double t0, dt;

	log_set_stderr(0);
	/* the default universe: 6 underlyings x 8 expiries x 15 strikes x 2,
	 * 4 pairs, a chain every 13 steps */
	sim_config_default(&cfg);
	cfg.bad_tick_rate = 0;
	bench_steps("sim_step_default", &cfg, &cs);
	/* chains at every step: the cost of one round of 6 chains */
	cfg.chain_every = 1;
	bench_steps("sim_step_chain_every_step", &cfg, &cs);
	/* paths and quotes only */
	cfg.nexpiries = 0;
	bench_steps("sim_step_no_options", &cfg, &cs);

	/* validation of one quote */
	validate_cfg_default(&vc);
	memset(&q, 0, sizeof q);
	strcpy(q.symbol, "SIMA");
	q.bid = 100;
	q.ask = 100.02;
	q.last = 100.01;
	q.exch_time = 1000;
	q.recv_time = 1000.05;
	reps = 20000000;
	t0 = now();
	for (i = 0; i < reps; i++) {
		q.bid = 100 + (double)(i & 7) * 0.01;
		sinkv += validate_quote(&vc, &q, 999, NULL, 0);
	}
	dt = now() - t0;
	printf("bench validate_quote %.2f ns/op  rules missing/nonpositive/crossed/wide/stale\n",
	    1e9 * dt / (double)reps);

	/* the market state's put: validation, lock, sorted insert (14 symbols) */
	ms = mstate_new(10000);
	reps = 5000000;
	for (i = 0; i < 14; i++)
		snprintf(syms[i], sizeof syms[i], "S%ld", i);
	q.bid = 100;
	t0 = now();
	for (i = 0; i < reps; i++) {
		memcpy(q.symbol, syms[i % 14], sizeof syms[i % 14]);
		q.exch_time = q.recv_time = 1000 + (double)i;
		sinkv += (unsigned)mstate_put_quote(ms, "bench", &q);
	}
	dt = now() - t0;
	printf("bench mstate_put_quote %.1f ns/op  validated and stored, uncontended\n",
	    1e9 * dt / (double)reps);
	/* a crossed quote: validated and quarantined */
	q.bid = q.ask + 0.01;
	reps = 2000000;
	t0 = now();
	for (i = 0; i < reps; i++)
		sinkv += (unsigned)mstate_put_quote(ms, "bench", &q);
	dt = now() - t0;
	printf("bench mstate_put_quote_quarantined %.1f ns/op  rejected: ring entry and "
	    "counters\n", 1e9 * dt / (double)reps);
	mstate_free(ms);

	/* validation of a whole simulated chain (8 x 15 x 2 options) */
	sim_config_default(&cfg);
	cfg.bad_tick_rate = 0;
	cfg.history_days = 0;
	memset(&cs, 0, sizeof cs);
	{
		struct feed_sink sink = { NULL, NULL, cs_chain, NULL, &cs };
		char *cause = NULL;
		struct sim *s = sim_new(&cfg, &cause);

		sim_step(s, &sink);
		sim_free(s);
	}
	validate_cfg_default(&vc);
	v = xcalloc(cs.last.n, sizeof *v);
	reps = 0;
	t0 = now();
	do {
		market_chain_copy(&copy, &cs.last);
		sinkv += (unsigned)validate_chain(&vc, &copy, v);
		market_chain_free(&copy);
		reps++;
		dt = now() - t0;
	} while (dt < 1.0);
	printf("bench validate_chain %.1f ns/op  per option (%zu options a chain: row rules, "
	    "implied vols of mid/bid/ask, parity, butterfly, calendar; %.0f us a chain)\n",
	    1e9 * dt / (double)reps / (double)cs.last.n, cs.last.n, 1e6 * dt / (double)reps);
	free(v);
	market_chain_free(&cs.last);
	(void)sinkv;
	return 0;
}
