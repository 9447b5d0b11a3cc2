/*
 * bench-engine.c -- time from a market update to a signal, calibration
 * included, for 1, 10 and 100 underlyings (issue 6's measure).
 *
 * A market update is a new option chain of an underlying (8 expiries x 15
 * strikes, from the simulator).  The path timed is what the engine does
 * with it: validation into the market state, a warm-started Heston
 * calibration and a SABR calibration of every expiry (calib.c, as the
 * engine's workers run them), then the strategies over the new snapshot
 * and parameter book, up to the signals.  Two measures:
 *   update_to_signal_N    one core: N underlyings updated at once, handled
 *                         one after the other in this thread (the time of
 *                         the last signal, divided by nothing: per round);
 *   per_underlying_N      the same divided by N.
 * For more than one underlying the simulator's six are cloned under new
 * names (B000, B001, ...), each with its own chain sequence.  volarb's
 * threshold is lowered to 1% so that updates do end in signals.
 *
 * Usage: bench-engine [ROUNDS]   (default 5)
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calib.h"
#include "conf.h"
#include "feed.h"
#include "market-state.h"
#include "sim.h"
#include "strategy.h"
#include "trade-signal.h"
#include "util.h"

#define BENCH_MAX_CHAINS 64

/* Chains collected from the simulator, per underlying, in time order. */
static struct option_chain bench_chains[SIM_MAX_UNDERLYINGS][BENCH_MAX_CHAINS];
static size_t bench_nchains[SIM_MAX_UNDERLYINGS];
static struct sim *bench_sim;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sink: keeps every chain of the simulator. */
static void bench_on_chain(void *arg, const struct option_chain *c)
{
	size_t i;

	(void)arg;
	for (i = 0; i < sim_nunderlyings(bench_sim); i++) {
		if (strcmp(sim_underlying(bench_sim, i)->symbol, c->underlying) == 0 &&
		    bench_nchains[i] < BENCH_MAX_CHAINS)
			market_chain_copy(&bench_chains[i][bench_nchains[i]++], c);
	}
}

/* Handles one underlying's update: put, calibrate, run strategies. */
static void bench_update(struct mstate *ms, struct calib_book *book, const struct calib_cfg *cfg,
    void *const *strat, const char *name, const struct option_chain *src, double *nsig)
{
	static const enum calib_model models[] = { CALIB_HESTON, CALIB_SABR };
	const struct mstate_snap *snap;
	struct option_chain c;
	struct strategy_env env;
	struct signal_list out;
	const char *und[1] = { name };
	size_t k;

	market_chain_copy(&c, src);
	snprintf(c.underlying, sizeof c.underlying, "%s", name);
	for (k = 0; k < c.n; k++)
		snprintf(c.opts[k].opt.underlying, sizeof c.opts[k].opt.underlying, "%s", name);
	mstate_put_chain(ms, "bench", NULL, &c, NULL);
	market_chain_free(&c);
	snap = mstate_snapshot(ms);
	for (k = 0; k < 2; k++) {
		struct calib_input *in = NULL;
		struct calib_result r;
		char *cause = NULL;

		if (calib_input_from_snap(models[k], name, snap, cfg, &in, &cause) != 0) {
			fprintf(stderr, "bench-engine: %s: %s\n", name, cause);
			exit(1);
		}
		if (calib_run(in, calib_book_find(book, models[k], name), cfg, &r, &cause) != 0) {
			fprintf(stderr, "bench-engine: %s: %s\n", name, cause);
			exit(1);
		}
		if (r.status == CALIB_OK || r.kept_previous)
			calib_book_put(book, &r);
		calib_input_free(in);
	}
	memset(&env, 0, sizeof env);
	env.snap = snap;
	env.book = book;
	env.now = src->time;
	env.underlyings = und;
	env.nunderlyings = 1;
	signal_list_init(&out);
	for (k = 0; k < strategy_count; k++) {
		char *cause = NULL;

		if (strategy_table[k]->needs & ((1u << CALIB_HESTON) | (1u << CALIB_SABR)))
			if (strategy_table[k]->run(strat[k], &env, &out, &cause) != 0)
				free(cause);
	}
	*nsig += (double)out.n;
	signal_list_free(&out);
	mstate_snap_release(snap);
}

/* The name of underlying i of n: the simulator's own for one, clones else. */
static void bench_name(size_t n, size_t i, char *buf, size_t len)
{
	if (n == 1)
		snprintf(buf, len, "%s", sim_underlying(bench_sim, 0)->symbol);
	else
		snprintf(buf, len, "B%03zu", i);
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 1, 10, 100 };
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	struct sim_config sc;
	struct feed_sink sink;
	struct calib_cfg cfg;
	struct conf *conf = conf_new();
	void *strat[32];
	char *cause = NULL;
	size_t z, i, nund;

	if (rounds < 1 || rounds > BENCH_MAX_CHAINS - 2)
		rounds = 5;
	sim_config_default(&sc);
	sc.history_days = 5;
	if ((bench_sim = sim_new(&sc, &cause)) == NULL) {
		fprintf(stderr, "bench-engine: %s\n", cause);
		return 1;
	}
	memset(&sink, 0, sizeof sink);
	sink.on_chain = bench_on_chain;
	nund = sim_nunderlyings(bench_sim);
	while (bench_nchains[nund - 1] < (size_t)rounds + 2)
		sim_step(bench_sim, &sink);
	calib_cfg_default(&cfg);
	/* A 1% divergence threshold, so that the path ends in signals (the
	 * simulator's noise stays below the default 5%). */
	if (conf_set(conf, "volarb.threshold", "0.01", &cause) != 0) {
		fprintf(stderr, "bench-engine: %s\n", cause);
		return 1;
	}
	for (i = 0; i < strategy_count; i++) {
		strat[i] = strategy_table[i]->create();
		if (strategy_table[i]->configure(strat[i], conf, &cause) != 0) {
			fprintf(stderr, "bench-engine: %s\n", cause);
			return 1;
		}
	}
	printf("# market update (a new %zu-option chain) -> validation, warm Heston + SABR "
	    "calibration, strategies -> signals; one core\n", bench_chains[0][0].n);
	for (z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
		size_t n = sizes[z];
		struct mstate *ms = mstate_new(16);
		struct calib_book book;
		char name[MARKET_SYMBOL_MAX];
		double t0, best = INFINITY, nsig = 0;
		int r;

		calib_book_init(&book);
		/* Round 0: cold calibrations (first sight), not timed. */
		for (i = 0; i < n; i++) {
			bench_name(n, i, name, sizeof name);
			bench_update(ms, &book, &cfg, strat, name, &bench_chains[i % nund][0], &nsig);
		}
		nsig = 0;
		for (r = 1; r <= rounds; r++) {
			t0 = now_s();
			for (i = 0; i < n; i++) {
				bench_name(n, i, name, sizeof name);
				bench_update(ms, &book, &cfg, strat, name,
				    &bench_chains[i % nund][r], &nsig);
			}
			t0 = now_s() - t0;
			if (t0 < best)
				best = t0;
		}
		printf("bench update_to_signal_%zu %.0f ns/op (%.2f ms for %zu underlyings; "
		    "%.1f signals per round)\n", n, best * 1e9, best * 1e3, n, nsig / rounds);
		printf("bench per_underlying_%zu %.0f ns/op (%.2f ms)\n", n, best / (double)n * 1e9,
		    best / (double)n * 1e3);
		calib_book_free(&book);
		mstate_free(ms);
	}
	for (i = 0; i < strategy_count; i++)
		strategy_table[i]->destroy(strat[i]);
	for (i = 0; i < nund; i++)
		for (z = 0; z < bench_nchains[i]; z++)
			market_chain_free(&bench_chains[i][z]);
	sim_free(bench_sim);
	conf_free(conf);
	return 0;
}
