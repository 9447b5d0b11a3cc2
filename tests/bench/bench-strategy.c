/*
 * bench-strategy.c -- time of one run of each strategy (strat-*.c) and of
 * the aggregation (trade-signal.c) over the default simulated market.
 *
 * Why it exists: the engine runs every enabled strategy after each change
 * of the market or the parameters, so one run of all of them must stay
 * well inside the notes' 5-second calibration-to-signal budget.  The
 * market is the simulator's default (6 underlyings x 8 expiries x 15
 * strikes, calls and puts, and 4 pairs) run through a real market state;
 * the parameter book holds the simulator's true Heston parameters, SABR
 * smiles fitted to each expiry (models/sabr-calib.h) and the true OU
 * parameters of the pairs.  Run by `make bench`, never by `make check`;
 * it asserts nothing.  Lines read `bench <name> <ns> ns/op  <note>`.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "market-state.h"
#include "qm-status.h"
#include "sabr-calib.h"
#include "trade-signal.h"
#include "sim.h"
#include "strategy.h"
#include "util.h"

/* Returns a monotonic time in seconds. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The SABR smiles of a chain: one slice per expiry fitted (beta 0.5) to
 * its out-of-the-money implied vols. */
static void fit_sabr(const struct option_chain *c, struct calib_result *r)
{
	sabr_calib_workspace *w = sabr_calib_workspace_alloc(256);
	double K[256], v[256];
	sabr_calib_opts o;
	size_t i = 0;

	sabr_calib_opts_init(&o, 0.5);
	r->nslices = 0;
	while (i < c->n && r->nslices < CALIB_MAX_SLICES) {
		int e = c->opts[i].opt.expiry;
		double F = NAN, T = market_option_maturity(c, &c->opts[i]);
		size_t n = 0;
		sabr_slice s;
		sabr_calib_result cr;

		for (; i < c->n && c->opts[i].opt.expiry == e; i++) {
			const struct option_quote *oq = &c->opts[i];
			int call = oq->opt.right == OPT_RIGHT_CALL;

			F = oq->forward;
			if (!(oq->implied_vol > 0) || !(F > 0) || (call ? oq->opt.strike < F :
			    oq->opt.strike >= F) || n >= 256)
				continue;
			K[n] = oq->opt.strike;
			v[n++] = oq->implied_vol;
		}
		if (n < 4)
			continue;
		memset(&s, 0, sizeof s);
		s.T = T;
		s.F = F;
		s.n = n;
		s.K = K;
		s.vol = v;
		if (sabr_calib_smile(w, &s, &o, &cr) > QM_EMAXITER)
			continue;
		r->sabr[r->nslices].expiry = e;
		r->sabr[r->nslices].T = T;
		r->sabr[r->nslices].forward = F;
		r->sabr[r->nslices].p = cr.p;
		r->sabr[r->nslices].rmse_iv_bp = cr.rmse_bp;
		r->sabr[r->nslices].n = n;
		sabr_vol(SABR_HAGAN, &cr.p, F, F, T, &r->sabr[r->nslices].atm_vol);
		r->nslices++;
	}
	sabr_calib_workspace_free(w);
}

/* Times run() of one strategy: mean over reps runs on one object (warm:
 * its caches filled by a first run that is not counted). */
static void bench_run(const char *name, struct conf *conf, const struct strategy_env *env,
    int reps)
{
	const struct strategy_ops *ops = strategy_find(name);
	void *st = ops->create();
	struct signal_list out;
	char *cause = NULL;
	double t0, cold, warm;
	int i;

	signal_list_init(&out);
	ops->configure(st, conf, &cause);
	t0 = now();
	if (ops->run(st, env, &out, &cause) != 0) {
		fprintf(stderr, "bench-strategy: %s: %s\n", name, cause);
		free(cause);
		cause = NULL;
	}
	cold = now() - t0;
	printf("bench strategy_%s_first %.0f ns/op  first run, %zu signals\n", name, 1e9 * cold,
	    out.n);
	t0 = now();
	for (i = 0; i < reps; i++) {
		signal_list_clear(&out);
		if (ops->run(st, env, &out, &cause) != 0) {
			free(cause);
			cause = NULL;
		}
	}
	warm = (now() - t0) / reps;
	printf("bench strategy_%s %.0f ns/op  one run over the snapshot (mean of %d)\n", name,
	    1e9 * warm, reps);
	signal_list_free(&out);
	ops->destroy(st);
}

int main(void)
{
	struct sim_config cfg;
	struct sim *sim;
	struct mstate *ms = mstate_new(100000);
	struct mstate_source src;
	struct feed_sink sink;
	struct conf *conf = conf_new();
	struct calib_book book;
	struct strategy_env env;
	const struct mstate_snap *snap;
	const char *und[SIM_MAX_UNDERLYINGS], *pairs[SIM_MAX_PAIRS];
	char *cause = NULL;
	size_t i, nb = 0;
	int k;

	sim_config_default(&cfg);
	if ((sim = sim_new(&cfg, &cause)) == NULL) {
		fprintf(stderr, "bench-strategy: %s\n", cause);
		return 1;
	}
	mstate_sink_init(&sink, &src, ms, "sim");
	for (k = 0; k < cfg.chain_every + 1; k++)
		sim_step(sim, &sink);
	snap = mstate_snapshot(ms);
	book.cap = sim_nunderlyings(sim) * 2 + sim_npairs(sim);
	book.v = xcalloc(book.cap, sizeof *book.v);
	for (i = 0; i < sim_nunderlyings(sim); i++) {
		const struct sim_underlying *u = sim_underlying(sim, i);
		const struct option_chain *c = mstate_snap_chain(snap, u->symbol);
		struct calib_result *h = &book.v[nb++], *s = &book.v[nb++];

		und[i] = u->symbol;
		h->model = CALIB_HESTON;
		snprintf(h->symbol, sizeof h->symbol, "%s", u->symbol);
		h->heston = u->p;
		h->heston.v0 = u->v;
		h->rmse_iv_bp = 20;
		s->model = CALIB_SABR;
		snprintf(s->symbol, sizeof s->symbol, "%s", u->symbol);
		if (c != NULL)
			fit_sabr(c, s);
	}
	for (i = 0; i < sim_npairs(sim); i++) {
		const struct sim_pair *p = sim_pair(sim, i);
		struct calib_result *o = &book.v[nb++];

		pairs[i] = p->inst.symbol;
		o->model = CALIB_OU;
		snprintf(o->symbol, sizeof o->symbol, "%s", p->inst.symbol);
		o->ou.p = p->ou;
		o->ou.hedge_ratio = p->inst.hedge_ratio;
		o->ou.coint_pvalue = 0.01;
		o->ou.se_mu = 0.2 * p->ou.mu;
	}
	book.n = nb;
	memset(&env, 0, sizeof env);
	env.snap = snap;
	env.book = &book;
	env.now = sim_time(sim);
	env.underlyings = und;
	env.nunderlyings = sim_nunderlyings(sim);
	env.pairs = pairs;
	env.npairs = sim_npairs(sim);
	{
		size_t nopt = 0;

		for (i = 0; i < mstate_snap_nchains(snap); i++)
			nopt += mstate_snap_chain_at(snap, i)->n;
		printf("# market: %zu chains, %zu options, %zu pairs, %zu book entries\n",
		    mstate_snap_nchains(snap), nopt, env.npairs, book.n);
	}
	bench_run("volarb", conf, &env, 20);
	bench_run("meanrev", conf, &env, 2000);
	bench_run("termstruct", conf, &env, 2000);
	{
		/* aggregation of 2048 signals over 512 instruments, 3 sides */
		struct signal *s = xmalloc(2048 * sizeof *s), *w = xmalloc(2048 * sizeof *w);
		double t0, dt;
		int reps = 200, r;

		for (k = 0; k < 2048; k++) {
			char instr[32];

			snprintf(instr, sizeof instr, "I%03d", (k * 7919) % 512);
			signal_init(&s[k], "b", instr, instr, "k", k % 3 - 1, 0, 1e9);
			s[k].confidence = 0.1 + (k % 10) * 0.09;
		}
		t0 = now();
		for (r = 0; r < reps; r++) {
			memcpy(w, s, 2048 * sizeof *s);
			signal_aggregate(w, 2048, 1.5, 1);
		}
		dt = (now() - t0) / reps;
		printf("bench signal_aggregate_2048 %.0f ns/op  2048 signals, 512 instruments "
		    "(copy included)\n", 1e9 * dt);
		free(s);
		free(w);
	}
	mstate_snap_release(snap);
	free(book.v);
	sim_free(sim);
	mstate_free(ms);
	conf_free(conf);
	return 0;
}
