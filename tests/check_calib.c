/*
 * check_calib.c -- the calibration core (calib.c, calib-input.c,
 * calib-store.c) against the simulator's true parameters.
 *
 * The simulator (src/sim.h) is driven directly with a fixed seed into a
 * private market state (no threads), so every test sees one known market:
 * Heston underlyings whose true parameters are sim_underlying.p (v0: the
 * current variance u->v) and OU pairs whose true hedge ratio and spread
 * parameters are struct sim_pair.  References are those truths (with
 * tolerances from the estimators' own standard errors), the inputs'
 * encoding read back, and SQL through SQLite's own library.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calib-input.h"
#include "calib-store.h"
#include "calib.h"
#include "cmd.h"
#include "conf.h"
#include "log.h"
#include "market-state.h"
#include "qd.h"
#include "sim.h"
#include "store.h"
#include "util.h"

static char tmpdir[256];

/* A simulated market in a private state. */
struct market {
	struct sim *sim;
	struct mstate *ms;
	struct mstate_source src;
	struct feed_sink sink;
};

/* Starts a market of one underlying CAL (chains) and npairs pairs with
 * history days of daily bars, and runs steps steps. */
static void market_open(struct market *m, int npairs, int history, int expiries, int steps)
{
	struct sim_config cfg;
	char *cause = NULL;
	int i;

	sim_config_default(&cfg);
	ck_assert_int_eq(sim_config_universe(&cfg, "CAL", &cause), 0);
	cfg.seed = 1;
	cfg.npairs = npairs;
	cfg.history_days = history;
	cfg.nexpiries = expiries;
	cfg.bad_tick_rate = 0;
	m->ms = mstate_new(1000);
	mstate_sink_init(&m->sink, &m->src, m->ms, "sim");
	m->sim = sim_new(&cfg, &cause);
	ck_assert_msg(m->sim != NULL, "%s", cause);
	for (i = 0; i < steps; i++)
		sim_step(m->sim, &m->sink);
}

/* Advances the market. */
static void market_step(struct market *m, int steps)
{
	while (steps-- > 0)
		sim_step(m->sim, &m->sink);
}

/* Frees the market. */
static void market_close(struct market *m)
{
	sim_free(m->sim);
	mstate_free(m->ms);
}

/* Captures the inputs of model for symbol from the market's snapshot. */
static struct calib_input *capture(struct market *m, enum calib_model model, const char *sym,
    const struct calib_cfg *cfg)
{
	const struct mstate_snap *snap = mstate_snapshot(m->ms);
	struct calib_input *in = NULL;
	char *cause = NULL;

	ck_assert_msg(calib_input_from_snap(model, sym, snap, cfg, &in, &cause) == 0, "%s", cause);
	mstate_snap_release(snap);
	return in;
}

/* Runs a calibration that must run. */
static void run(const struct calib_input *in, const struct calib_result *prev,
    const struct calib_cfg *cfg, struct calib_result *r)
{
	char *cause = NULL;

	ck_assert_msg(calib_run(in, prev, cfg, r, &cause) == 0, "%s", cause);
}

/* 1 when two doubles have the same bits. */
static int same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

/* 1 when the Heston parameters of two results have the same bits. */
static int same_heston(const struct calib_result *a, const struct calib_result *b)
{
	return same_bits(a->heston.kappa, b->heston.kappa) &&
	    same_bits(a->heston.theta, b->heston.theta) &&
	    same_bits(a->heston.sigma, b->heston.sigma) &&
	    same_bits(a->heston.rho, b->heston.rho) && same_bits(a->heston.v0, b->heston.v0);
}

/* --- Heston ------------------------------------------------------------------------- */

/* The fit of the first chain finds the simulator's truth, deterministically. */
START_TEST(test_heston_truth)
{
	struct market m;
	struct calib_cfg cfg;
	struct calib_input *in;
	struct calib_result r, r2;
	const struct sim_underlying *u;

	calib_cfg_default(&cfg);
	market_open(&m, 0, 0, 8, 1);
	in = capture(&m, CALIB_HESTON, "CAL", &cfg);
	ck_assert(in->n > 50);
	run(in, NULL, &cfg, &r);
	u = sim_underlying(m.sim, 0);
	ck_assert_int_eq(r.status, CALIB_OK);
	ck_assert_int_eq(r.global_stage, 1);
	ck_assert_int_eq(r.warm, 0);
	ck_assert_int_eq(r.kept_previous, 0);
	ck_assert_str_eq(r.alert, "");
	ck_assert_str_eq(r.symbol, "CAL");
	ck_assert(r.data_time == calib_input_time(in));
	/* The quotes carry 20 bp of vol noise (sim.iv_noise) plus cent
	 * rounding, so the fit reaches about 20 bp; the parameters come back as
	 * closely as one chain identifies them (tests/check_sim.c measured the
	 * same quotes: v0, rho and the long-run vol closely, kappa and sigma
	 * within 25% and 15%). */
	ck_assert_msg(r.rmse_iv_bp < 30, "rmse %g bp", r.rmse_iv_bp);
	ck_assert_msg(fabs(sqrt(r.heston.v0) - sqrt(u->v)) < 0.005, "vol0 %g vs %g",
	    sqrt(r.heston.v0), sqrt(u->v));
	ck_assert_msg(fabs(r.heston.rho - u->p.rho) < 0.05, "rho %g vs %g", r.heston.rho,
	    u->p.rho);
	ck_assert_msg(fabs(sqrt(r.heston.theta) - sqrt(u->p.theta)) < 0.01, "vol_inf %g vs %g",
	    sqrt(r.heston.theta), sqrt(u->p.theta));
	ck_assert_msg(r.heston.kappa / u->p.kappa < 1.25 && u->p.kappa / r.heston.kappa < 1.25,
	    "kappa %g vs %g", r.heston.kappa, u->p.kappa);
	ck_assert_msg(r.heston.sigma / u->p.sigma < 1.15 && u->p.sigma / r.heston.sigma < 1.15,
	    "sigma %g vs %g", r.heston.sigma, u->p.sigma);
	/* The spot is the chain's, the ATM vol near the current vol. */
	ck_assert(fabs(r.spot / u->S - 1) < 0.01);
	ck_assert_msg(fabs(r.atm_vol - sqrt(u->v)) < 0.1, "atm %g", r.atm_vol);
	/* Deterministic: the same inputs give the same bits. */
	run(in, NULL, &cfg, &r2);
	ck_assert(same_heston(&r, &r2));
	ck_assert_int_eq(r.evaluations, r2.evaluations);
	ck_assert_str_eq(r.fingerprint, r2.fingerprint);
	calib_input_free(in);
	market_close(&m);
}
END_TEST

/* A warm start converges in fewer evaluations without the global stage; a
 * large move of the spot or the ATM vol forces it. */
START_TEST(test_heston_warm)
{
	struct market m;
	struct calib_cfg cfg;
	struct calib_input *in, *in2;
	struct calib_result r0, r1, moved, r2;

	calib_cfg_default(&cfg);
	market_open(&m, 0, 0, 8, 1);
	in = capture(&m, CALIB_HESTON, "CAL", &cfg);
	run(in, NULL, &cfg, &r0);
	ck_assert_int_eq(r0.status, CALIB_OK);
	market_step(&m, 13);            /* the next chain (sim.chain_every) */
	in2 = capture(&m, CALIB_HESTON, "CAL", &cfg);
	ck_assert(calib_input_time(in2) > calib_input_time(in));
	run(in2, &r0, &cfg, &r1);
	ck_assert_int_eq(r1.status, CALIB_OK);
	ck_assert_int_eq(r1.warm, 1);
	ck_assert_int_eq(r1.global_stage, 0);
	ck_assert_msg(r1.evaluations < r0.evaluations, "warm %d evaluations, cold %d",
	    r1.evaluations, r0.evaluations);
	ck_assert(r1.rmse_iv_bp < 30);
	/* The spot moved 20% since the previous fit: the global stage runs. */
	moved = r0;
	moved.spot *= 1.2;
	run(in2, &moved, &cfg, &r2);
	ck_assert_int_eq(r2.global_stage, 1);
	ck_assert_int_eq(r2.status, CALIB_OK);
	/* The ATM vol moved 10 vol points: likewise. */
	moved = r0;
	moved.atm_vol += 0.10;
	run(in2, &moved, &cfg, &r2);
	ck_assert_int_eq(r2.global_stage, 1);
	/* A previous result of another symbol or model is not a warm start. */
	moved = r0;
	snprintf(moved.symbol, sizeof moved.symbol, "OTHER");
	run(in2, &moved, &cfg, &r2);
	ck_assert_int_eq(r2.warm, 0);
	ck_assert_int_eq(r2.global_stage, 1);
	calib_input_free(in);
	calib_input_free(in2);
	market_close(&m);
}
END_TEST

/* Garbage implied vols and too few quotes keep the previous parameters
 * bit for bit, with an alert naming the symbol and why. */
START_TEST(test_heston_bad_data)
{
	struct market m;
	struct calib_cfg cfg;
	struct calib_input *in;
	struct calib_result r0, r;
	size_t i, n;

	calib_cfg_default(&cfg);
	market_open(&m, 0, 0, 8, 1);
	in = capture(&m, CALIB_HESTON, "CAL", &cfg);
	run(in, NULL, &cfg, &r0);
	ck_assert_int_eq(r0.status, CALIB_OK);
	/* Replace the vols by garbage between 5% and 205% (a broken vendor
	 * feed that still passes as numbers). */
	for (i = 0; i < in->n; i++) {
		double u = fmod(fabs(sin(12.9898 * (double)(i + 1)) * 43758.5453), 1.0);

		in->iv[i] = 0.05 + 2.0 * u;
	}
	run(in, &r0, &cfg, &r);
	ck_assert_msg(r.status == CALIB_POOR || r.status == CALIB_FAILED, "status %d rmse %g",
	    r.status, r.rmse_iv_bp);
	ck_assert_int_eq(r.kept_previous, 1);
	ck_assert(same_heston(&r, &r0));
	ck_assert(same_bits(r.spot, r0.spot) && same_bits(r.atm_vol, r0.atm_vol));
	ck_assert_msg(strstr(r.alert, "CAL") != NULL && strstr(r.alert, "poor") != NULL &&
	    strstr(r.alert, "previous parameters kept") != NULL, "alert: %s", r.alert);
	ck_assert(r.rmse_iv_bp > cfg.heston_poor_bp);
	/* Too few quotes. */
	n = in->n;
	in->n = 3;
	run(in, &r0, &cfg, &r);
	ck_assert_int_eq(r.status, CALIB_FAILED);
	ck_assert_int_eq(r.kept_previous, 1);
	ck_assert(same_heston(&r, &r0));
	ck_assert_msg(strstr(r.alert, "CAL") != NULL && strstr(r.alert, "only 3 usable quotes"),
	    "alert: %s", r.alert);
	/* And with no previous fit: nothing in force, said so. */
	run(in, NULL, &cfg, &r);
	ck_assert_int_eq(r.status, CALIB_FAILED);
	ck_assert_int_eq(r.kept_previous, 0);
	ck_assert(isnan(r.heston.kappa));
	ck_assert_msg(strstr(r.alert, "no parameters in force") != NULL, "alert: %s", r.alert);
	in->n = n;
	calib_input_free(in);
	market_close(&m);
}
END_TEST

/* A parameter that moved more than shift_alert raises an alert. */
START_TEST(test_heston_shift_alert)
{
	struct market m;
	struct calib_cfg cfg;
	struct calib_input *in;
	struct calib_result r0, prev, r;

	calib_cfg_default(&cfg);
	market_open(&m, 0, 0, 8, 1);
	in = capture(&m, CALIB_HESTON, "CAL", &cfg);
	run(in, NULL, &cfg, &r0);
	/* A previous fit whose v0 was four times today's: the new v0 is 75%
	 * lower than it. */
	prev = r0;
	prev.heston.v0 *= 4;
	run(in, &prev, &cfg, &r);
	ck_assert_int_eq(r.status, CALIB_OK);
	ck_assert_int_eq(r.kept_previous, 0);
	ck_assert_msg(strstr(r.alert, "CAL: heston v0 shifted") != NULL, "alert: %s", r.alert);
	ck_assert(fabs(r.heston.v0 - r0.heston.v0) < 0.01 * r0.heston.v0);
	/* Below the threshold: no alert. */
	run(in, &r0, &cfg, &r);
	ck_assert_str_eq(r.alert, "");
	calib_input_free(in);
	market_close(&m);
}
END_TEST

/* --- inputs ------------------------------------------------------------------------- */

/* encode -> decode -> encode is the same text, and the decoded inputs
 * calibrate to the same bits; bad texts are refused with the field named. */
START_TEST(test_encode_roundtrip)
{
	static const struct {
		const char *from, *to, *msg;
	} bad[] = {
		{ "\"format\":1", "\"format\":2", "format 2" },
		{ "\"model\":\"heston\"", "\"model\":\"black\"", "model 'black'" },
		{ "\"spot\":", "\"spot\":-", "spot" },
		{ "\"cfg\":{\"heston_poor_bp\":", "\"cfg\":{\"heston_poor_bp\":-", "heston_poor_bp" },
		{ ",\"C\",", ",\"X\",", "quotes[" },
		{ "]]}", "],7]}", "quotes[" },
	};
	struct market m;
	struct calib_cfg cfg;
	struct calib_input *in, *in2;
	struct calib_result r, r2;
	char *t1, *t2, *cause = NULL, fp1[65], fp2[65];
	size_t i;

	calib_cfg_default(&cfg);
	cfg.global_evals = 150;         /* captured with the inputs */
	market_open(&m, 1, 100, 8, 1);
	in = capture(&m, CALIB_HESTON, "CAL", &cfg);
	t1 = calib_input_encode(in);
	ck_assert_msg(calib_input_decode(t1, &in2, &cause) == 0, "%s", cause);
	t2 = calib_input_encode(in2);
	ck_assert_str_eq(t1, t2);
	ck_assert_int_eq(calib_input_cfg(in2)->global_evals, 150);
	calib_input_fingerprint(in, fp1);
	calib_input_fingerprint(in2, fp2);
	ck_assert_str_eq(fp1, fp2);
	ck_assert_int_eq((int)strlen(fp1), 64);
	run(in, NULL, &cfg, &r);
	run(in2, NULL, calib_input_cfg(in2), &r2);
	ck_assert(same_heston(&r, &r2));
	ck_assert_str_eq(r.fingerprint, fp1);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *p = strstr(t1, bad[i].from), *text;
		struct calib_input *x = NULL;

		ck_assert_msg(p != NULL, "%s", bad[i].from);
		text = xasprintf("%.*s%s%s", (int)(p - t1), t1, bad[i].to, p + strlen(bad[i].from));
		ck_assert_int_eq(calib_input_decode(text, &x, &cause), -1);
		ck_assert_ptr_null(x);
		ck_assert_msg(strstr(cause, bad[i].msg) != NULL, "%s: %s", bad[i].msg, cause);
		free(cause);
		cause = NULL;
		free(text);
	}
	calib_input_free(in2);
	ck_assert_int_eq(calib_input_decode("{\"format\":1", &in2, &cause), -1);
	ck_assert(strstr(cause, "JSON") != NULL);
	free(cause);
	free(t1);
	free(t2);
	calib_input_free(in);
	/* An OU input too. */
	in = capture(&m, CALIB_OU, "PR1A/PR1B", &cfg);
	ck_assert_uint_eq(in->nobs, 100);
	t1 = calib_input_encode(in);
	ck_assert_msg(calib_input_decode(t1, &in2, &cause) == 0, "%s", cause);
	t2 = calib_input_encode(in2);
	ck_assert_str_eq(t1, t2);
	free(t1);
	free(t2);
	calib_input_free(in2);
	calib_input_free(in);
	market_close(&m);
}
END_TEST

/* What cannot be captured is named. */
START_TEST(test_capture_errors)
{
	struct market m;
	struct calib_cfg cfg;
	const struct mstate_snap *snap;
	struct calib_input *in = NULL;
	char *cause = NULL;

	calib_cfg_default(&cfg);
	market_open(&m, 1, 5, 8, 1);
	snap = mstate_snapshot(m.ms);
	ck_assert_int_eq(calib_input_from_snap(CALIB_HESTON, "NOSUCH", snap, &cfg, &in, &cause), -1);
	ck_assert(strstr(cause, "no option chain for 'NOSUCH'") != NULL);
	free(cause);
	ck_assert_int_eq(calib_input_from_snap(CALIB_OU, "PR1A", snap, &cfg, &in, &cause), -1);
	ck_assert(strstr(cause, "not a pair") != NULL);
	free(cause);
	ck_assert_int_eq(calib_input_from_snap(CALIB_OU, "PR1A/NOPE", snap, &cfg, &in, &cause), -1);
	ck_assert_msg(strstr(cause, "no daily bars of 'NOPE'") != NULL, "%s", cause);
	free(cause);
	ck_assert_ptr_null(in);
	mstate_snap_release(snap);
	market_close(&m);
}
END_TEST

/* --- SABR ----------------------------------------------------------------------------- */

/* Every expiry is fitted to about the noise level; a warm start keeps it. */
START_TEST(test_sabr)
{
	struct market m;
	struct calib_cfg cfg;
	struct calib_input *in;
	struct calib_result r, r2;
	size_t i;

	calib_cfg_default(&cfg);
	market_open(&m, 0, 0, 8, 1);
	in = capture(&m, CALIB_SABR, "CAL", &cfg);
	run(in, NULL, &cfg, &r);
	ck_assert_int_eq(r.status, CALIB_OK);
	ck_assert_uint_eq(r.nslices, 8);
	/* The smiles are Heston's (not SABR's) with 20 bp of noise: with the
	 * default beta 1 a three-parameter SABR smile per expiry leaves the
	 * noise plus a small model difference (measured 12-22 bp with seed 1).
	 * 30 bp is 1.5 times the noise. */
	for (i = 0; i < r.nslices; i++) {
		ck_assert_msg(r.sabr[i].rmse_iv_bp < 30, "expiry %d rmse %g", r.sabr[i].expiry,
		    r.sabr[i].rmse_iv_bp);
		ck_assert(r.sabr[i].p.beta == cfg.sabr_beta);
		ck_assert(r.sabr[i].n >= CALIB_SABR_MIN_QUOTES);
		ck_assert(i == 0 || r.sabr[i].expiry > r.sabr[i - 1].expiry);
	}
	run(in, &r, &cfg, &r2);
	ck_assert_int_eq(r2.status, CALIB_OK);
	ck_assert_int_eq(r2.warm, 1);
	ck_assert_int_eq(r2.global_stage, 0);
	ck_assert(r2.rmse_iv_bp <= r.rmse_iv_bp + 1e-6);
	calib_input_free(in);
	market_close(&m);
}
END_TEST

/* --- OU pairs ------------------------------------------------------------------------- */

/* Ten years of daily closes give back the pair's hedge ratio and OU
 * parameters within their estimation error. */
START_TEST(test_ou_truth)
{
	struct market m;
	struct calib_cfg cfg;
	struct calib_input *in;
	struct calib_result r;
	const struct sim_pair *p;
	double years, se_sigma, se_theta, maxleg2 = 0;
	size_t i;

	calib_cfg_default(&cfg);
	cfg.ou_window = 0;              /* all of the history */
	market_open(&m, 1, 2520, 0, 1);
	p = sim_pair(m.sim, 0);
	in = capture(&m, CALIB_OU, p->inst.symbol, &cfg);
	ck_assert_uint_ge(in->nobs, 2520);
	for (i = 0; i < in->nobs; i++)
		maxleg2 = fmax(maxleg2, in->close2[i]);
	run(in, NULL, &cfg, &r);
	ck_assert_int_eq(r.status, CALIB_OK);
	ck_assert_str_eq(r.alert, "");
	years = (double)(in->nobs - 1) / 252;
	/* The OLS hedge ratio is super-consistent (error ~ 1/n). */
	ck_assert_msg(fabs(r.ou.hedge_ratio / p->inst.hedge_ratio - 1) < 0.01, "hedge %g vs %g",
	    r.ou.hedge_ratio, p->inst.hedge_ratio);
	/* mu: within four of the fit's own standard errors. */
	ck_assert_msg(fabs(r.ou.p.mu - p->ou.mu) < 4 * r.ou.se_mu, "mu %g vs %g (se %g)",
	    r.ou.p.mu, p->ou.mu, r.ou.se_mu);
	/* sigma: se = sigma / sqrt(2 n) for the exact OU likelihood. */
	se_sigma = p->ou.sigma / sqrt(2.0 * (double)in->nobs);
	ck_assert_msg(fabs(r.ou.p.sigma - p->ou.sigma) < 4 * se_sigma + 0.01 * p->ou.sigma,
	    "sigma %g vs %g", r.ou.p.sigma, p->ou.sigma);
	/* theta: the OU mean's standard error sigma / (mu sqrt(T)), plus what
	 * the hedge ratio's error moves the spread by. */
	se_theta = p->ou.sigma / (p->ou.mu * sqrt(years));
	ck_assert_msg(fabs(r.ou.p.theta - p->ou.theta) < 4 * se_theta +
	    fabs(r.ou.hedge_ratio - p->inst.hedge_ratio) * maxleg2, "theta %g vs %g",
	    r.ou.p.theta, p->ou.theta);
	ck_assert(r.ou.coint_pvalue < 0.01);
	ck_assert(fabs(r.ou.half_life_days - log(2) / r.ou.p.mu * 252) < 1e-9);
	ck_assert_uint_eq(r.ou.n, in->nobs);
	ck_assert(same_bits(r.ou.last_spread, in->close1[in->nobs - 1] -
	    r.ou.hedge_ratio * in->close2[in->nobs - 1]));
	calib_input_free(in);
	/* The default window takes the latest three years. */
	calib_cfg_default(&cfg);
	in = capture(&m, CALIB_OU, p->inst.symbol, &cfg);
	ck_assert_uint_eq(in->nobs, 756);
	calib_input_free(in);
	market_close(&m);
}
END_TEST

/* Too few closes fail and keep the previous parameters; a pair that is not
 * cointegrated is poor. */
START_TEST(test_ou_bad)
{
	struct market m;
	struct calib_cfg cfg;
	struct calib_input *in;
	struct calib_result r0, r;
	size_t i;

	calib_cfg_default(&cfg);
	market_open(&m, 1, 300, 0, 1);
	in = capture(&m, CALIB_OU, "PR1A/PR1B", &cfg);
	run(in, NULL, &cfg, &r0);
	ck_assert_int_eq(r0.status, CALIB_OK);
	in->nobs = 30;
	run(in, &r0, &cfg, &r);
	ck_assert_int_eq(r.status, CALIB_FAILED);
	ck_assert_int_eq(r.kept_previous, 1);
	ck_assert(memcmp(&r.ou, &r0.ou, sizeof r.ou) == 0);
	ck_assert_msg(strstr(r.alert, "PR1A/PR1B") != NULL && strstr(r.alert, "only 30 daily "
	    "closes") != NULL, "alert: %s", r.alert);
	/* leg1 replaced by a random walk: no cointegration. */
	in->nobs = 252;
	for (i = 1; i < in->nobs; i++)
		in->close1[i] = in->close1[i - 1] * exp(0.02 * sin(1e4 * (double)i));
	run(in, &r0, &cfg, &r);
	ck_assert_msg(r.status != CALIB_OK, "p-value %g", r.ou.coint_pvalue);
	ck_assert_int_eq(r.kept_previous, 1);
	ck_assert(memcmp(&r.ou, &r0.ou, sizeof r.ou) == 0);
	ck_assert_msg(strstr(r.alert, "PR1A/PR1B") != NULL, "alert: %s", r.alert);
	calib_input_free(in);
	market_close(&m);
}
END_TEST

/* --- the store and replay ------------------------------------------------------------- */

struct capture_out {
	struct buf b;
};

/* Collects a command's output lines. */
static void collect(void *arg, const char *line)
{
	struct capture_out *c = arg;

	buf_adds(&c->b, line);
	buf_addc(&c->b, '\n');
}

/* Keeps command errors out of the test log. */
static void quiet(struct qd *qd, const char *msg)
{
	(void)qd;
	(void)msg;
}

/* Stores calibrations of every model in SQLite, reads them back and
 * replays them bit for bit; `calibrate replay` and `calibrations` agree. */
START_TEST(test_store_replay)
{
	struct market m;
	struct calib_cfg cfg;
	struct calib_input *in[4];
	struct calib_result r[4], stored, again;
	struct store_calibration c, *list = NULL;
	struct store *s;
	struct capture_out co;
	struct qd qd;
	sqlite3 *db;
	char *path, *cause = NULL, *pj;
	size_t n, i;
	int identical;

	path = xasprintf("%s/calib-%d.db", tmpdir, (int)getpid());
	unlink(path);
	calib_cfg_default(&cfg);
	market_open(&m, 1, 300, 8, 1);
	s = store_open_sqlite(path, &cause);
	ck_assert_msg(s != NULL, "%s", cause);
	ck_assert_int_eq(store_migrate(s, -1, NULL, &cause), 0);
	in[0] = capture(&m, CALIB_HESTON, "CAL", &cfg);
	run(in[0], NULL, &cfg, &r[0]);
	ck_assert_int_eq(calib_store_put(s, in[0], NULL, &r[0], &cause), 0);
	market_step(&m, 13);
	in[1] = capture(&m, CALIB_HESTON, "CAL", &cfg);
	run(in[1], &r[0], &cfg, &r[1]);
	ck_assert_int_eq(r[1].warm, 1);
	ck_assert_int_eq(calib_store_put(s, in[1], &r[0], &r[1], &cause), 0);
	in[2] = capture(&m, CALIB_SABR, "CAL", &cfg);
	run(in[2], NULL, &cfg, &r[2]);
	ck_assert_int_eq(calib_store_put(s, in[2], NULL, &r[2], &cause), 0);
	in[3] = capture(&m, CALIB_OU, "PR1A/PR1B", &cfg);
	run(in[3], NULL, &cfg, &r[3]);
	ck_assert_int_eq(calib_store_put(s, in[3], NULL, &r[3], &cause), 0);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(r[i].id, (long long)i + 1);
	/* Read back exactly. */
	ck_assert_int_eq(store_get_calibration(s, 2, &c, &cause), 1);
	ck_assert_str_eq(c.model, "heston");
	ck_assert_str_eq(c.symbol, "CAL");
	ck_assert_str_eq(c.status, "ok");
	ck_assert_str_eq(c.fingerprint, r[1].fingerprint);
	ck_assert_ptr_nonnull(c.prev);
	pj = calib_params_json(&r[1]);
	ck_assert_str_eq(c.params, pj);
	free(pj);
	pj = calib_input_encode(in[1]);
	ck_assert_str_eq(c.input, pj);
	free(pj);
	ck_assert(fabs(c.data_time - r[1].data_time) < 1e-6);
	store_calibration_clear(&c);
	ck_assert_int_eq(store_get_calibration(s, 99, &c, &cause), 0);
	ck_assert_int_eq(store_list_calibrations(s, NULL, 0, &list, &n, &cause), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert(list[0].id > list[3].id);
	store_calibrations_free(list, n);
	ck_assert_int_eq(store_list_calibrations(s, "CAL", 2, &list, &n, &cause), 0);
	ck_assert_uint_eq(n, 2);
	store_calibrations_free(list, n);
	/* Every stored calibration replays bit for bit. */
	for (i = 0; i < 4; i++) {
		ck_assert_msg(calib_replay(s, (long long)i + 1, &stored, &again, &identical,
		    &cause) == 0, "%s", cause);
		ck_assert_msg(identical, "calibration %zu did not replay", i + 1);
		ck_assert_int_eq(again.model, r[i].model);
	}
	/* A row whose inputs were altered is refused. */
	ck_assert_int_eq(calib_replay(s, 99, &stored, &again, &identical, &cause), -1);
	ck_assert(strstr(cause, "no calibration 99") != NULL);
	free(cause);
	cause = NULL;
	store_close(s);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE calibrations SET input = replace(input, "
	    "'\"time\":', '\"time\":1') WHERE id = 1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	s = store_open_sqlite(path, &cause);
	ck_assert_int_eq(calib_replay(s, 1, &stored, &again, &identical, &cause), -1);
	ck_assert_msg(strstr(cause, "fingerprint") != NULL, "%s", cause);
	free(cause);
	store_close(s);
	/* The commands, through the configured store. */
	qd_init(&qd);
	qd.report = quiet;
	memset(&co, 0, sizeof co);
	buf_init(&co.b);
	qd.out.write = collect;
	qd.out.arg = &co;
	ck_assert_int_eq(conf_set(qd.conf, "store.path", path, &cause), 0);
	ck_assert_int_eq(qd_run_line(&qd, "calibrate replay 2", NULL, 0), CMD_OK);
	ck_assert_msg(strstr(co.b.data, "identical") != NULL && strstr(co.b.data, "yes"), "%s",
	    co.b.data);
	buf_reset(&co.b);
	ck_assert_int_eq(qd_run_line(&qd, "calibrate replay 1", NULL, 0), CMD_FAILED);
	ck_assert_int_eq(qd_run_line(&qd, "calibrate replay x", NULL, 0), CMD_FAILED);
	buf_reset(&co.b);
	ck_assert_int_eq(qd_run_line(&qd, "calibrations CAL --model sabr", NULL, 0), CMD_OK);
	ck_assert_msg(strstr(co.b.data, "sabr") != NULL && strstr(co.b.data, "heston") == NULL,
	    "%s", co.b.data);
	buf_reset(&co.b);
	ck_assert_int_eq(qd_run_line(&qd, "calibrations --limit 1", NULL, 0), CMD_OK);
	ck_assert_msg(strstr(co.b.data, "PR1A/PR1B") != NULL, "%s", co.b.data);
	buf_free(&co.b);
	qd_free(&qd);
	for (i = 0; i < 4; i++)
		calib_input_free(in[i]);
	market_close(&m);
	unlink(path);
	free(path);
}
END_TEST

/* The same round trip and replay on PostgreSQL, when QDESK_TEST_PG_DSN
 * names a server (tests/calib-pg.test starts one). */
START_TEST(test_store_replay_pg)
{
	const char *dsn = getenv("QDESK_TEST_PG_DSN");
	struct market m;
	struct calib_cfg cfg;
	struct calib_input *in[3];
	struct calib_result r[3], stored, again;
	struct store_calibration *list = NULL;
	struct store *s;
	char *cause = NULL;
	long long first;
	size_t n, i;
	int identical;

	calib_cfg_default(&cfg);
	market_open(&m, 1, 300, 8, 1);
	s = store_open_pg(dsn, &cause);
	ck_assert_msg(s != NULL, "%s", cause);
	ck_assert_msg(store_migrate(s, -1, NULL, &cause) == 0, "%s", cause);
	in[0] = capture(&m, CALIB_HESTON, "CAL", &cfg);
	in[1] = capture(&m, CALIB_SABR, "CAL", &cfg);
	in[2] = capture(&m, CALIB_OU, "PR1A/PR1B", &cfg);
	for (i = 0; i < 3; i++) {
		run(in[i], NULL, &cfg, &r[i]);
		ck_assert_msg(calib_store_put(s, in[i], NULL, &r[i], &cause) == 0, "%s", cause);
	}
	/* a warm one, with its previous parameters stored */
	market_step(&m, 13);
	calib_input_free(in[0]);
	in[0] = capture(&m, CALIB_HESTON, "CAL", &cfg);
	stored = r[0];
	run(in[0], &stored, &cfg, &r[0]);
	ck_assert_int_eq(r[0].warm, 1);
	ck_assert_msg(calib_store_put(s, in[0], &stored, &r[0], &cause) == 0, "%s", cause);
	ck_assert_int_eq(store_list_calibrations(s, NULL, 0, &list, &n, &cause), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(list[0].id, r[0].id);
	first = list[3].id;
	store_calibrations_free(list, n);
	for (i = 0; i < 4; i++) {
		ck_assert_msg(calib_replay(s, first + (long long)i, &stored, &again, &identical,
		    &cause) == 0, "%s", cause);
		ck_assert_msg(identical, "calibration %lld did not replay", first + (long long)i);
	}
	store_close(s);
	for (i = 0; i < 3; i++)
		calib_input_free(in[i]);
	market_close(&m);
}
END_TEST

/* The parameter book keeps the latest result per model and symbol. */
START_TEST(test_book)
{
	struct calib_book b;
	struct calib_result r;
	int i;

	calib_book_init(&b);
	memset(&r, 0, sizeof r);
	for (i = 0; i < 40; i++) {
		r.model = (enum calib_model)(i % 3);
		snprintf(r.symbol, sizeof r.symbol, "S%d", i % 20);
		r.id = i;
		calib_book_put(&b, &r);
	}
	/* (i mod 3, i mod 20) repeats only with i mod 60: 40 entries */
	ck_assert_uint_eq(b.n, 40);
	ck_assert_ptr_nonnull(calib_book_find(&b, CALIB_HESTON, "S0"));
	ck_assert_ptr_null(calib_book_find(&b, CALIB_SABR, "S0"));
	r.model = CALIB_HESTON;
	snprintf(r.symbol, sizeof r.symbol, "S0");
	r.id = 100;
	calib_book_put(&b, &r);
	ck_assert_uint_eq(b.n, 40);
	ck_assert_int_eq(calib_book_find(&b, CALIB_HESTON, "S0")->id, 100);
	calib_book_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("calib");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;
	const char *t = getenv("TMPDIR");

	log_set_stderr(0);
	snprintf(tmpdir, sizeof tmpdir, "%s", t != NULL && *t != '\0' ? t : "/tmp");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_heston_truth);
	tcase_add_test(tc, test_heston_warm);
	tcase_add_test(tc, test_heston_bad_data);
	tcase_add_test(tc, test_heston_shift_alert);
	tcase_add_test(tc, test_encode_roundtrip);
	tcase_add_test(tc, test_capture_errors);
	tcase_add_test(tc, test_sabr);
	tcase_add_test(tc, test_ou_truth);
	tcase_add_test(tc, test_ou_bad);
	tcase_add_test(tc, test_store_replay);
	tcase_add_test(tc, test_book);
	if (getenv("QDESK_TEST_PG_DSN") != NULL)
		tcase_add_test(tc, test_store_replay_pg);
	else
		printf("check_calib: QDESK_TEST_PG_DSN is not set: PostgreSQL case not run "
		    "(tests/calib-pg.test runs it)\n");
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
