/*
 * check_strategy.c -- the signal aggregation (trade-signal.c) and the three
 * strategies (strat-volarb.c, strat-meanrev.c, strat-termstruct.c).
 *
 * References, independent of the code under test:
 *   aggregation -- the rule of trade-signal.h worked by hand on small cases;
 *   meanrev     -- an OU spread simulated exactly (models/ou.h) with fixed
 *                  normals, fed as quotes of the two legs through a real
 *                  market state; the expected signals come from a state
 *                  machine in this file driven by the levels of
 *                  leungli_solve_sl / bertram_optimal_return called
 *                  directly, and the size from GSL's standard deviation;
 *   volarb      -- a chain priced by Heston (models/heston.h) so market
 *                  vols equal the model's, the SABR book fitted to it by
 *                  models/sabr-calib.h; the hedge compared with
 *                  bs_greeks' delta at the bumped vol;
 *   termstruct  -- a smooth ATM curve of another functional form than the
 *                  strategy's fit, and vegas from bs_black76_greeks.
 * The parameter book is built by hand (struct calib_book is public), so
 * the tests need nothing of calib.c.
 */
#include "config.h"

#include <check.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bertram.h"
#include "bs.h"
#include "conf.h"
#include "heston.h"
#include "iv.h"
#include "leungli.h"
#include "market-state.h"
#include "ou.h"
#include "qm-status.h"
#include "sabr-calib.h"
#include "trade-signal.h"
#include "strategy.h"
#include "util.h"
#include "validate.h"

/* ---- helpers -------------------------------------------------------- */

/* A configuration with the defaults and the given "key=value" overrides
 * (NULL-terminated). */
static struct conf *mkconf(const char *const *kv)
{
	struct conf *c = conf_new();
	char *cause = NULL;

	ck_assert_ptr_nonnull(c);
	for (; kv != NULL && *kv != NULL; kv += 2)
		ck_assert_msg(conf_set(c, kv[0], kv[1], &cause) == 0, "%s", cause);
	return c;
}

/* A configured strategy. */
struct strat {
	const struct strategy_ops *ops;
	void *st;
};

/* Creates and configures the strategy name. */
static struct strat mkstrat(const char *name, struct conf *conf)
{
	struct strat s;
	char *cause = NULL;

	s.ops = strategy_find(name);
	ck_assert_ptr_nonnull(s.ops);
	s.st = s.ops->create();
	ck_assert_ptr_nonnull(s.st);
	ck_assert_msg(s.ops->configure(s.st, conf, &cause) == 0, "%s", cause);
	return s;
}

/* Runs a strategy once; asserts success. */
static void runstrat(struct strat *s, const struct mstate_snap *snap,
    const struct calib_book *book, double now, const char *const *pairs, size_t npairs,
    struct signal_list *out)
{
	struct strategy_env env;
	char *cause = NULL;

	memset(&env, 0, sizeof env);
	env.snap = snap;
	env.book = book;
	env.now = now;
	env.pairs = pairs;
	env.npairs = npairs;
	ck_assert_msg(s->ops->run(s->st, &env, out, &cause) == 0, "%s", cause);
}

/* A signal for the aggregation tests. */
static struct signal mksig(const char *instr, int side, double conf, double expires)
{
	struct signal s;

	signal_init(&s, "t", instr, instr, side == SIGNAL_EXIT ? "exit" : "entry", side, 0,
	    expires);
	s.confidence = conf;
	return s;
}

/* ---- aggregation ---------------------------------------------------- */

START_TEST(test_aggregate_agreement)
{
	struct signal s[3];

	s[0] = mksig("A", SIGNAL_BUY, 0.6, 100);
	s[1] = mksig("A", SIGNAL_BUY, 0.7, 100);
	s[2] = mksig("B", SIGNAL_SELL, 0.1, 100);
	ck_assert_uint_eq(signal_aggregate(s, 3, 1.5, 50), 3);
	ck_assert_int_eq(s[0].state, SIGNAL_PENDING);
	ck_assert_int_eq(s[1].state, SIGNAL_PENDING);
	ck_assert_int_eq(s[2].state, SIGNAL_PENDING);
	ck_assert_str_eq(s[0].reason, "");
	ck_assert_uint_eq(signal_aggregate(NULL, 0, 1.5, 50), 0);
}
END_TEST

START_TEST(test_aggregate_conflict_ratio)
{
	struct signal s[4];

	/* buy 0.9 + 0.8 = 1.7 >= 1.5 x 0.6 = 0.9: buy wins */
	s[0] = mksig("A", SIGNAL_BUY, 0.9, 100);
	s[1] = mksig("A", SIGNAL_SELL, 0.6, 100);
	s[2] = mksig("A", SIGNAL_BUY, 0.8, 100);
	/* on B exactly at the ratio: 0.75 + 0.75 = 1.5 = 1.5 x 1.0 wins */
	s[3] = mksig("B", SIGNAL_SELL, 1.0, 100);
	ck_assert_uint_eq(signal_aggregate(s, 4, 1.5, 50), 3);
	ck_assert_int_eq(s[0].state, SIGNAL_PENDING);
	ck_assert_int_eq(s[2].state, SIGNAL_PENDING);
	ck_assert_int_eq(s[1].state, SIGNAL_LOST);
	ck_assert_msg(strstr(s[1].reason, "buy wins 1.700") != NULL &&
	    strstr(s[1].reason, "sell 0.600") != NULL, "reason '%s'", s[1].reason);
	ck_assert_int_eq(s[3].state, SIGNAL_PENDING);
	{
		struct signal t[3];

		t[0] = mksig("B", SIGNAL_BUY, 0.75, 100);
		t[1] = mksig("B", SIGNAL_BUY, 0.75, 100);
		t[2] = mksig("B", SIGNAL_SELL, 1.0, 100);
		ck_assert_uint_eq(signal_aggregate(t, 3, 1.5, 50), 2);
		ck_assert_int_eq(t[2].state, SIGNAL_LOST);
		/* just below the ratio: nobody wins */
		t[2].confidence = 1.0000001;
		ck_assert_uint_eq(signal_aggregate(t, 3, 1.5, 50), 0);
	}
}
END_TEST

START_TEST(test_aggregate_undecided)
{
	struct signal s[2];

	/* 0.8 < 1.5 x 0.7: conflict, both lose with the weights named */
	s[0] = mksig("A", SIGNAL_BUY, 0.8, 100);
	s[1] = mksig("A", SIGNAL_SELL, 0.7, 100);
	ck_assert_uint_eq(signal_aggregate(s, 2, 1.5, 50), 0);
	ck_assert_int_eq(s[0].state, SIGNAL_LOST);
	ck_assert_int_eq(s[1].state, SIGNAL_LOST);
	ck_assert_msg(strstr(s[0].reason, "conflict: buy 0.800 vs sell 0.700 below ratio 1.5")
	    != NULL, "reason '%s'", s[0].reason);
	ck_assert_str_eq(s[0].reason, s[1].reason);
	/* with ratio 1 the larger wins; a tie never does */
	ck_assert_uint_eq(signal_aggregate(s, 2, 1, 50), 1);
	ck_assert_int_eq(s[0].state, SIGNAL_PENDING);
	s[1].confidence = 0.8;
	ck_assert_uint_eq(signal_aggregate(s, 2, 1, 50), 0);
}
END_TEST

START_TEST(test_aggregate_expiry)
{
	struct signal s[3];

	/* the expired buy does not vote: the sell stands alone */
	s[0] = mksig("A", SIGNAL_BUY, 0.9, 49);
	s[1] = mksig("A", SIGNAL_SELL, 0.4, 50);
	s[2] = mksig("A", SIGNAL_BUY, 0.9, 10);
	ck_assert_uint_eq(signal_aggregate(s, 3, 1.5, 50), 1);
	ck_assert_int_eq(s[0].state, SIGNAL_EXPIRED);
	ck_assert_int_eq(s[2].state, SIGNAL_EXPIRED);
	ck_assert_int_eq(s[1].state, SIGNAL_PENDING);
	ck_assert_str_ne(s[0].reason, "");
	/* later everything has expired */
	ck_assert_uint_eq(signal_aggregate(s, 3, 1.5, 51), 0);
	ck_assert_int_eq(s[1].state, SIGNAL_EXPIRED);
}
END_TEST

START_TEST(test_aggregate_exits_and_decided)
{
	struct signal s[5];

	/* exit 1.0 >= 1.5 x 0.5: the exit wins over the entry */
	s[0] = mksig("P", SIGNAL_EXIT, 1.0, 100);
	s[1] = mksig("P", SIGNAL_BUY, 0.5, 100);
	/* exit 0.9 vs sell 0.8: conflict */
	s[2] = mksig("Q", SIGNAL_EXIT, 0.9, 100);
	s[3] = mksig("Q", SIGNAL_SELL, 0.8, 100);
	/* an approved signal is left alone and does not vote */
	s[4] = mksig("Q", SIGNAL_BUY, 5, 10);
	s[4].state = SIGNAL_APPROVED;
	ck_assert_uint_eq(signal_aggregate(s, 5, 1.5, 50), 1);
	ck_assert_int_eq(s[0].state, SIGNAL_PENDING);
	ck_assert_int_eq(s[1].state, SIGNAL_LOST);
	ck_assert_msg(strstr(s[1].reason, "exit wins 1.000 vs buy 0.500") != NULL, "'%s'",
	    s[1].reason);
	ck_assert_int_eq(s[2].state, SIGNAL_LOST);
	ck_assert_int_eq(s[3].state, SIGNAL_LOST);
	ck_assert_msg(strstr(s[3].reason, "conflict: exit 0.900 vs sell 0.800") != NULL, "'%s'",
	    s[3].reason);
	ck_assert_int_eq(s[4].state, SIGNAL_APPROVED);
	ck_assert_str_eq(s[4].reason, "");
	s[4].state = SIGNAL_REJECTED;
	signal_aggregate(s, 5, 1.5, 50);
	ck_assert_int_eq(s[4].state, SIGNAL_REJECTED);
}
END_TEST

/* An uneconomic signal does not vote (the buy stands alone) and keeps its
 * state and reason; it only expires. */
START_TEST(test_aggregate_uneconomic)
{
	struct signal s[3];

	s[0] = mksig("A", SIGNAL_BUY, 0.5, 100);
	s[1] = mksig("A", SIGNAL_SELL, 0.9, 100);
	s[1].state = SIGNAL_UNECONOMIC;
	snprintf(s[1].reason, sizeof s[1].reason, "uneconomic: test");
	s[2] = mksig("B", SIGNAL_SELL, 0.9, 60);
	s[2].state = SIGNAL_UNECONOMIC;
	ck_assert_uint_eq(signal_aggregate(s, 3, 1.5, 50), 1);
	ck_assert_int_eq(s[0].state, SIGNAL_PENDING);
	ck_assert_int_eq(s[1].state, SIGNAL_UNECONOMIC);
	ck_assert_str_eq(s[1].reason, "uneconomic: test");
	ck_assert_int_eq(s[2].state, SIGNAL_UNECONOMIC);
	ck_assert_str_eq(signal_state_name(SIGNAL_UNECONOMIC), "uneconomic");
	ck_assert_uint_eq(signal_aggregate(s, 3, 1.5, 70), 1);
	ck_assert_int_eq(s[2].state, SIGNAL_EXPIRED);
}
END_TEST

START_TEST(test_signal_fields)
{
	struct signal s;
	struct signal_list l;
	char big[2000];
	int i;

	signal_init(&s, "volarb", "X", "U", "k", SIGNAL_SELL, 10, 20);
	ck_assert_str_eq(s.inputs, "{}");
	ck_assert_double_eq(s.time, 10);
	ck_assert_double_eq(s.expires, 20);
	for (i = 0; i < SIGNAL_LEGS_MAX; i++)
		ck_assert_int_eq(signal_add_leg(&s, "L", i), 0);
	ck_assert_int_eq(signal_add_leg(&s, "L", 9), -1);
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	signal_inputs(&s, "{\"a\":\"%s\"}", big);
	ck_assert_str_eq(s.inputs, "{\"truncated\":true}");
	signal_rationale(&s, "%s", big);
	ck_assert_uint_eq(strlen(s.rationale), SIGNAL_RATIONALE_MAX - 1);
	ck_assert_str_eq(signal_side_name(SIGNAL_EXIT), "exit");
	ck_assert_str_eq(signal_state_name(SIGNAL_LOST), "lost");
	signal_list_init(&l);
	for (i = 0; i < 100; i++)
		ck_assert_ptr_nonnull(signal_list_push(&l, &s));
	ck_assert_uint_eq(l.n, 100);
	signal_list_clear(&l);
	ck_assert_uint_eq(l.n, 0);
	signal_list_free(&l);
	ck_assert_ptr_null(strategy_find("nope"));
	ck_assert_uint_eq(strategy_count, 3);
}
END_TEST

/* ---- meanrev -------------------------------------------------------- */

#define MR_THETA 5.0
#define MR_MU 20.0
#define MR_SIGMA 2.0
#define MR_HR 1.5
#define MR_LEG2 50.0
#define MR_T0 1709305200.0      /* 2024-03-01 15:00 UTC */

/* The pair's book entry. */
static void mr_book(struct calib_book *b, struct calib_result *r, double pvalue)
{
	memset(r, 0, sizeof *r);
	r->model = CALIB_OU;
	snprintf(r->symbol, sizeof r->symbol, "PRA/PRB");
	r->status = CALIB_OK;
	r->ou.p.theta = MR_THETA;
	r->ou.p.mu = MR_MU;
	r->ou.p.sigma = MR_SIGMA;
	r->ou.se_mu = 2.0;
	r->ou.hedge_ratio = MR_HR;
	r->ou.coint_pvalue = pvalue;
	r->ou.n = 500;
	b->n = b->cap = 1;
	b->v = r;
}

/* Puts the two legs' quotes for spread X at time t; returns the spread
 * the quotes actually carry (mid1 - hr mid2 from the bid and ask). */
static double mr_quotes(struct mstate *ms, double X, double t)
{
	struct quote q;
	double m1 = X + MR_HR * MR_LEG2;

	memset(&q, 0, sizeof q);
	snprintf(q.symbol, sizeof q.symbol, "PRA");
	q.bid = m1 - 0.005;
	q.ask = m1 + 0.005;
	q.last = NAN;
	q.volume = NAN;
	q.exch_time = q.recv_time = t;
	ck_assert_int_eq(mstate_put_quote(ms, "t", &q), 0);
	snprintf(q.symbol, sizeof q.symbol, "PRB");
	q.bid = MR_LEG2 - 0.005;
	q.ask = MR_LEG2 + 0.005;
	ck_assert_int_eq(mstate_put_quote(ms, "t", &q), 0);
	return 0.5 * (m1 - 0.005 + m1 + 0.005) - MR_HR * 0.5 * (MR_LEG2 - 0.005 + MR_LEG2 + 0.005);
}

/* Levels of the reference state machine: long side, and short side in
 * units of X (from the long problem of -X). */
struct mr_ref {
	double lo, hi, take, stop;
	double slo, shi, stake, sstop;
	int entry;
};

/* Drives the strategy along path[0..n-1]; checks every step against the
 * reference state machine; returns the counts of entries and exits. */
static void mr_drive(struct strat *s, const struct calib_book *book, const struct mr_ref *ref,
    const double *path, size_t n, int gated, int *entries, int *exits, int *stops)
{
	struct mstate *ms = mstate_new(100);
	struct signal_list out;
	const char *pairs[] = { "PRA/PRB" };
	int pos = 0;
	double take = 0, stop = 0;
	size_t k;

	signal_list_init(&out);
	*entries = *exits = *stops = 0;
	for (k = 0; k < n; k++) {
		double t = MR_T0 + 60.0 * (double)k, X = mr_quotes(ms, path[k], t);
		const struct mstate_snap *snap = mstate_snapshot(ms);
		const char *want = NULL;
		int wside = 0;

		signal_list_clear(&out);
		runstrat(s, snap, book, t, pairs, 1, &out);
		mstate_snap_release(snap);
		/* the reference */
		if (pos == 1 && X <= stop) {
			want = "stop_loss";
			pos = 0;
		} else if (pos == 1 && X >= take) {
			want = "exit";
			pos = 0;
		} else if (pos == -1 && X >= stop) {
			want = "stop_loss";
			pos = 0;
		} else if (pos == -1 && X <= take) {
			want = "exit";
			pos = 0;
		} else if (pos == 0 && !gated && ref->entry && X > ref->lo && X < ref->hi) {
			want = "entry_long";
			wside = SIGNAL_BUY;
			pos = 1;
			take = ref->take;
			stop = ref->stop;
		} else if (pos == 0 && !gated && ref->entry && X > ref->slo && X < ref->shi) {
			want = "entry_short";
			wside = SIGNAL_SELL;
			pos = -1;
			take = ref->stake;
			stop = ref->sstop;
		}
		if (want == NULL) {
			ck_assert_msg(out.n == 0, "step %zu: X %.6f: unexpected %s", k, X,
			    out.n ? out.v[0].kind : "");
			continue;
		}
		ck_assert_msg(out.n == 1, "step %zu: X %.6f: expected %s, got %zu signals", k, X,
		    want, out.n);
		ck_assert_str_eq(out.v[0].kind, want);
		ck_assert_str_eq(out.v[0].instrument, "PRA/PRB");
		ck_assert_str_eq(out.v[0].strategy, "meanrev");
		ck_assert_double_eq(out.v[0].time, t);
		ck_assert_double_eq_tol(out.v[0].expires, t + 390 * 60, 1e-6);
		ck_assert_uint_eq(out.v[0].nlegs, 2);
		ck_assert(out.v[0].confidence > 0 && out.v[0].confidence <= 1);
		ck_assert(out.v[0].size_hint > 0 && out.v[0].size_hint <= 1);
		ck_assert(out.v[0].rationale[0] != '\0');
		ck_assert(out.v[0].inputs[0] == '{');
		if (wside != 0) {
			ck_assert_int_eq(out.v[0].side, wside);
			ck_assert_str_eq(out.v[0].legs[0].symbol, "PRA");
			ck_assert_double_eq(out.v[0].legs[0].qty, wside);
			ck_assert_str_eq(out.v[0].legs[1].symbol, "PRB");
			ck_assert_double_eq(out.v[0].legs[1].qty, -wside * MR_HR);
			(*entries)++;
		} else {
			ck_assert_int_eq(out.v[0].side, SIGNAL_EXIT);
			if (strcmp(want, "exit") == 0)
				(*exits)++;
			else
				(*stops)++;
		}
	}
	signal_list_free(&out);
	mstate_free(ms);
}

/* An OU path of n points from fixed normals: dt of one 30-minute step. */
static double *mr_path(size_t n, uint64_t key)
{
	struct ou_params p = { MR_THETA, MR_MU, MR_SIGMA };
	double *z = xmalloc(n * sizeof *z), *x = xmalloc((n + 1) * sizeof *x);

	ck_assert_int_eq(ou_normals(key, 0, z, n), QM_OK);
	ck_assert_int_eq(ou_simulate(&p, MR_THETA, 1.0 / (252 * 13), z, n, x), QM_OK);
	free(z);
	return x;
}

START_TEST(test_meanrev_leungli)
{
	struct conf *conf = mkconf(NULL);
	struct strat s = mkstrat("meanrev", conf);
	struct calib_book book;
	struct calib_result r;
	struct leungli_params lp = { { MR_THETA, MR_MU, MR_SIGMA }, 0.05, 0.02, 0.05, 0.02 };
	struct leungli_params ln = { { -MR_THETA, MR_MU, MR_SIGMA }, 0.05, 0.02, 0.05, 0.02 };
	struct leungli_sl_levels sl, ss;
	struct mr_ref ref;
	double L = MR_THETA - 2.5 * MR_SIGMA / sqrt(2 * MR_MU), *path;
	size_t n = 6000;
	int e, x, st;

	ck_assert_int_eq(leungli_solve_sl(&lp, L, &sl), QM_OK);
	ck_assert_int_eq(sl.entry, 1);
	/* the short side: Leung-Li on -X, stop 2.5 sd above theta */
	ck_assert_int_eq(leungli_solve_sl(&ln, -MR_THETA - 2.5 * MR_SIGMA / sqrt(2 * MR_MU),
	    &ss), QM_OK);
	ck_assert_int_eq(ss.entry, 1);
	ref.entry = 1;
	ref.lo = sl.a;
	ref.hi = sl.d;
	ref.take = sl.b;
	ref.stop = L;
	ref.slo = -ss.d;
	ref.shi = -ss.a;
	ref.stake = -ss.b;
	ref.sstop = -ss.L;
	path = mr_path(n, 42);
	mr_book(&book, &r, 0.01);
	mr_drive(&s, &book, &ref, path, n, 0, &e, &x, &st);
	ck_assert_msg(e >= 2 && x >= 1, "entries %d exits %d stops %d", e, x, st);
	s.ops->destroy(s.st);

	/* a forced stop: into the long region, then below L; then the
	 * mirrored short trade stopped above 2 theta - L */
	{
		double p2[] = { MR_THETA, 0.5 * (sl.a + sl.d), L - 0.01, MR_THETA,
		    -0.5 * (ss.a + ss.d), -ss.L + 0.01, MR_THETA };

		s = mkstrat("meanrev", conf);
		mr_drive(&s, &book, &ref, p2, 7, 0, &e, &x, &st);
		ck_assert_int_eq(e, 2);
		ck_assert_int_eq(st, 2);
		s.ops->destroy(s.st);
	}
	/* above the p-value gate: no entry at all */
	s = mkstrat("meanrev", conf);
	mr_book(&book, &r, 0.2);
	mr_drive(&s, &book, &ref, path, n, 1, &e, &x, &st);
	ck_assert_int_eq(e, 0);
	s.ops->destroy(s.st);
	free(path);
	conf_free(conf);
}
END_TEST


/* A refused entry (a trader's reject, or the order manager's) leaves the
 * pair flat: the next run in the entry region enters again; without the
 * refusal it would not (the strategy believes it is already long). */
START_TEST(test_meanrev_refused)
{
	struct conf *conf = mkconf(NULL);
	struct strat s = mkstrat("meanrev", conf);
	struct leungli_params lp = { { MR_THETA, MR_MU, MR_SIGMA }, 0.05, 0.02, 0.05, 0.02 };
	double L = MR_THETA - 2.5 * MR_SIGMA / sqrt(2 * MR_MU), x;
	struct leungli_sl_levels sl;
	struct calib_book book;
	struct calib_result r;
	struct mstate *ms = mstate_new(100);
	const struct mstate_snap *snap;
	const char *pairs[] = { "PRA/PRB" };
	struct signal_list out;
	struct signal entry;

	ck_assert_int_eq(leungli_solve_sl(&lp, L, &sl), QM_OK);
	mr_book(&book, &r, 0.01);
	signal_list_init(&out);
	x = 0.5 * (sl.a + sl.d);
	mr_quotes(ms, x, MR_T0);
	snap = mstate_snapshot(ms);
	runstrat(&s, snap, &book, MR_T0, pairs, 1, &out);
	mstate_snap_release(snap);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].kind, "entry_long");
	entry = out.v[0];
	/* Still in the region: no second entry while it believes it is long. */
	signal_list_clear(&out);
	mr_quotes(ms, x, MR_T0 + 60);
	snap = mstate_snapshot(ms);
	runstrat(&s, snap, &book, MR_T0 + 60, pairs, 1, &out);
	mstate_snap_release(snap);
	ck_assert_uint_eq(out.n, 0);
	/* Refused: flat again, so it enters again. */
	ck_assert_ptr_nonnull(s.ops->on_refused);
	s.ops->on_refused(s.st, &entry);
	mr_quotes(ms, x, MR_T0 + 120);
	snap = mstate_snapshot(ms);
	runstrat(&s, snap, &book, MR_T0 + 120, pairs, 1, &out);
	mstate_snap_release(snap);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].kind, "entry_long");
	signal_list_free(&out);
	mstate_free(ms);
	s.ops->destroy(s.st);
	conf_free(conf);
}
END_TEST

START_TEST(test_meanrev_gate_allows_exits)
{
	struct conf *conf = mkconf(NULL);
	struct strat s = mkstrat("meanrev", conf);
	struct calib_book book;
	struct calib_result r;
	struct leungli_params lp = { { MR_THETA, MR_MU, MR_SIGMA }, 0.05, 0.02, 0.05, 0.02 };
	struct leungli_sl_levels sl;
	struct mstate *ms = mstate_new(100);
	struct signal_list out;
	const char *pairs[] = { "PRA/PRB" };
	const struct mstate_snap *snap;
	double L = MR_THETA - 2.5 * MR_SIGMA / sqrt(2 * MR_MU);

	ck_assert_int_eq(leungli_solve_sl(&lp, L, &sl), QM_OK);
	signal_list_init(&out);
	mr_book(&book, &r, 0.01);
	mr_quotes(ms, 0.5 * (sl.a + sl.d), MR_T0);
	snap = mstate_snapshot(ms);
	runstrat(&s, snap, &book, MR_T0, pairs, 1, &out);
	mstate_snap_release(snap);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].kind, "entry_long");
	/* the pair breaks down, the spread reverts: the exit still comes */
	r.ou.coint_pvalue = 0.9;
	signal_list_clear(&out);
	mr_quotes(ms, sl.b + 0.01, MR_T0 + 60);
	snap = mstate_snapshot(ms);
	runstrat(&s, snap, &book, MR_T0 + 60, pairs, 1, &out);
	mstate_snap_release(snap);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].kind, "exit");
	ck_assert_double_eq(out.v[0].legs[0].qty, -1);
	ck_assert_double_eq(out.v[0].legs[1].qty, MR_HR);
	signal_list_free(&out);
	mstate_free(ms);
	s.ops->destroy(s.st);
	conf_free(conf);
}
END_TEST

START_TEST(test_meanrev_bertram)
{
	static const char *const kv[] = { "meanrev.method", "bertram", NULL };
	struct conf *conf = mkconf(kv);
	struct strat s = mkstrat("meanrev", conf);
	struct calib_book book;
	struct calib_result r;
	struct ou_params p = { MR_THETA, MR_MU, MR_SIGMA };
	struct bertram_levels bl;
	struct mr_ref ref;
	double *path;
	size_t n = 6000;
	int e, x, st;

	ck_assert_int_eq(bertram_optimal_return(&p, 2 * 0.02, &bl), QM_OK);
	ref.entry = 1;
	ref.stop = MR_THETA - 2.5 * MR_SIGMA / sqrt(2 * MR_MU);
	ref.lo = ref.stop;
	ref.hi = bl.a;
	ref.take = bl.m;
	/* Bertram is symmetric: short at X >= m, cover at a, stop above */
	ck_assert_double_eq_tol(bl.m, 2 * MR_THETA - bl.a, 1e-12);
	ref.slo = bl.m;
	ref.shi = 2 * MR_THETA - ref.stop;
	ref.stake = bl.a;
	ref.sstop = 2 * MR_THETA - ref.stop;
	path = mr_path(n, 7);
	mr_book(&book, &r, 0.01);
	mr_drive(&s, &book, &ref, path, n, 0, &e, &x, &st);
	ck_assert_msg(e >= 2 && x >= 1, "entries %d exits %d stops %d", e, x, st);
	free(path);
	s.ops->destroy(s.st);
	conf_free(conf);
}
END_TEST

START_TEST(test_meanrev_size)
{
	struct conf *conf = mkconf(NULL);
	struct strat s = mkstrat("meanrev", conf);
	struct calib_book book;
	struct calib_result r;
	struct leungli_params lp = { { MR_THETA, MR_MU, MR_SIGMA }, 0.05, 0.02, 0.05, 0.02 };
	struct leungli_sl_levels sl;
	struct mstate *ms = mstate_new(100);
	struct signal_list out;
	const char *pairs[] = { "PRA/PRB" };
	const struct mstate_snap *snap;
	double L = MR_THETA - 2.5 * MR_SIGMA / sqrt(2 * MR_MU), xs[30], dx[29], rv;
	int k, date = 20240102;

	/* 30 daily closes (the window uses the last 22): spread changes of
	 * +-0.3 and +-0.1, far more volatile than sigma = 2 per sqrt(year) */
	for (k = 0; k < 30; k++) {
		struct bar b;
		double X = MR_THETA + (k % 2 ? 0.3 : -0.3) + (k % 3 ? 0.1 : 0);
		double c2 = MR_LEG2 + 0.01 * k;

		xs[k] = X;
		memset(&b, 0, sizeof b);
		b.time = market_date_epoch(date);
		snprintf(b.symbol, sizeof b.symbol, "PRA");
		b.open = b.high = b.low = b.close = X + MR_HR * c2;
		b.volume = 1000;
		ck_assert_int_eq(mstate_put_bar(ms, "t", &b), 0);
		snprintf(b.symbol, sizeof b.symbol, "PRB");
		b.open = b.high = b.low = b.close = c2;
		ck_assert_int_eq(mstate_put_bar(ms, "t", &b), 0);
		date = market_next_business_day(date);
	}
	for (k = 0; k < 21; k++)
		dx[k] = xs[9 + k] - xs[8 + k];
	rv = gsl_stats_sd(dx, 1, 21) * sqrt(252);
	ck_assert_int_eq(leungli_solve_sl(&lp, L, &sl), QM_OK);
	signal_list_init(&out);
	mr_book(&book, &r, 0.01);
	mr_quotes(ms, 0.5 * (sl.a + sl.d), MR_T0);
	snap = mstate_snapshot(ms);
	runstrat(&s, snap, &book, MR_T0, pairs, 1, &out);
	mstate_snap_release(snap);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].kind, "entry_long");
	ck_assert(rv > MR_SIGMA);
	/* tolerance: closes are sums of doubles, rounding ~1e-14 relative */
	ck_assert_double_eq_tol(out.v[0].size_hint, MR_SIGMA / rv, 1e-9);
	signal_list_free(&out);
	mstate_free(ms);
	s.ops->destroy(s.st);
	conf_free(conf);
}
END_TEST

/* ---- volarb --------------------------------------------------------- */

#define VA_S 100.0
#define VA_R 0.03
#define VA_Q 0.01
static const int va_expiries[] = { 20240315, 20240419, 20240517, 20240621 };
#define VA_NEXP 4
static const heston_params va_hp = { 0.04, 2.0, 0.05, 0.5, -0.7 };

/* A bump of one strike: vol multiplied by f, relative half spread h
 * (0: the default half spread). */
struct va_bump {
	int expiry;
	double K, f, h;
};

/* The Heston vol of one option (the market before bumps). */
static double va_heston_iv(double T, double K, int call, heston_workspace *w)
{
	double price, iv;

	ck_assert_int_eq(heston_price(&va_hp, VA_S, T, K, VA_R, VA_Q,
	    call ? HESTON_CALL : HESTON_PUT, &price, w), QM_OK);
	ck_assert_int_eq(iv_bs(call ? BS_CALL : BS_PUT, VA_S, K, T, VA_R, VA_Q, price, &iv),
	    QM_OK);
	return iv;
}

/* Puts a chain of Heston-priced options (strikes 80..120) with bumps. */
static void va_chain(struct mstate *ms, const struct va_bump *bumps, size_t nb)
{
	struct option_chain c;
	heston_workspace *w = heston_workspace_alloc(HESTON_DEFAULT_NODES);
	struct validate_cfg vc;
	int e, k, call;
	size_t b;

	/* the bumps break no-arbitrage rules a little: loosen them */
	validate_cfg_default(&vc);
	vc.arb_tol = 10;
	vc.calendar_tol = 1;
	mstate_set_validate(ms, &vc);
	market_chain_init(&c, "TSTA");
	c.time = MR_T0;
	c.spot = VA_S;
	c.rate = VA_R;
	c.dividend = VA_Q;
	for (e = 0; e < VA_NEXP; e++) {
		double T = market_year_fraction(c.time, va_expiries[e]);

		for (k = 80; k <= 120; k += 5) {
			for (call = 1; call >= 0; call--) {
				struct option_quote oq;
				double iv = va_heston_iv(T, k, call, w), price, h = 0.01;

				for (b = 0; b < nb; b++)
					if (bumps[b].expiry == va_expiries[e] && bumps[b].K == k) {
						iv *= bumps[b].f;
						if (bumps[b].h > 0)
							h = bumps[b].h;
					}
				ck_assert_int_eq(bs_price(call ? BS_CALL : BS_PUT, VA_S, k, T, iv,
				    VA_R, VA_Q, &price), QM_OK);
				market_option_init(&oq);
				oq.opt.kind = INSTR_OPTION;
				snprintf(oq.opt.underlying, sizeof oq.opt.underlying, "TSTA");
				oq.opt.expiry = va_expiries[e];
				oq.opt.strike = k;
				oq.opt.right = call ? OPT_RIGHT_CALL : OPT_RIGHT_PUT;
				oq.opt.multiplier = 100;
				market_occ_format(&oq.opt, oq.opt.symbol, sizeof oq.opt.symbol);
				snprintf(oq.q.symbol, sizeof oq.q.symbol, "%s", oq.opt.symbol);
				oq.q.bid = price * (1 - h);
				oq.q.ask = price * (1 + h);
				oq.q.exch_time = oq.q.recv_time = c.time;
				market_chain_add(&c, &oq);
			}
		}
	}
	ck_assert_uint_eq(mstate_put_chain(ms, "t", NULL, &c, NULL), 0);
	market_chain_free(&c);
	heston_workspace_free(w);
}

/* The book: Heston with its true parameters, SABR (beta 0.5) fitted to
 * the Heston smiles of each expiry. */
static void va_book(struct calib_book *b, struct calib_result r[2], double rmse_bp)
{
	heston_workspace *w = heston_workspace_alloc(HESTON_DEFAULT_NODES);
	sabr_calib_workspace *sw = sabr_calib_workspace_alloc(16);
	sabr_calib_opts o;
	int e, k;

	memset(r, 0, 2 * sizeof *r);
	r[0].model = CALIB_HESTON;
	snprintf(r[0].symbol, sizeof r[0].symbol, "TSTA");
	r[0].heston = va_hp;
	r[0].rmse_iv_bp = rmse_bp;
	r[1].model = CALIB_SABR;
	snprintf(r[1].symbol, sizeof r[1].symbol, "TSTA");
	sabr_calib_opts_init(&o, 0.5);
	for (e = 0; e < VA_NEXP; e++) {
		double T = market_year_fraction(MR_T0, va_expiries[e]);
		double F = VA_S * exp((VA_R - VA_Q) * T), K[9], v[9];
		sabr_slice s;
		sabr_calib_result cr;
		int n = 0;

		for (k = 80; k <= 120; k += 5) {
			K[n] = k;
			v[n] = va_heston_iv(T, k, k >= F, w);
			n++;
		}
		memset(&s, 0, sizeof s);
		s.T = T;
		s.F = F;
		s.n = (size_t)n;
		s.K = K;
		s.vol = v;
		ck_assert_int_le(sabr_calib_smile(sw, &s, &o, &cr), QM_EMAXITER);
		r[1].sabr[e].expiry = va_expiries[e];
		r[1].sabr[e].T = T;
		r[1].sabr[e].forward = F;
		r[1].sabr[e].p = cr.p;
		r[1].sabr[e].rmse_iv_bp = rmse_bp;
		r[1].sabr[e].n = (size_t)n;
		r[1].sabr[e].atm_vol = va_heston_iv(T, F, 1, w);
	}
	r[1].nslices = VA_NEXP;
	b->n = b->cap = 2;
	b->v = r;
	sabr_calib_workspace_free(sw);
	heston_workspace_free(w);
}

/* Runs volarb on a chain with bumps; returns its signals in out. */
static void va_run(const struct va_bump *bumps, size_t nb, double rmse_bp,
    const char *const *kv, struct signal_list *out)
{
	struct conf *conf = mkconf(kv);
	struct strat s = mkstrat("volarb", conf);
	struct mstate *ms = mstate_new(100);
	struct calib_book book;
	struct calib_result r[2];
	const struct mstate_snap *snap;

	va_book(&book, r, rmse_bp);
	va_chain(ms, bumps, nb);
	snap = mstate_snapshot(ms);
	ck_assert_uint_eq(mstate_snap_nchains(snap), 1);
	runstrat(&s, snap, &book, MR_T0, NULL, 0, out);
	mstate_snap_release(snap);
	mstate_free(ms);
	s.ops->destroy(s.st);
	conf_free(conf);
}

/* The signal on an instrument, or NULL. */
static const struct signal *find_sig(const struct signal_list *l, const char *instr)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].instrument, instr) == 0)
			return &l->v[i];
	return NULL;
}

/* The OCC symbol of a test option. */
static void va_occ(int expiry, double K, int call, char *out, size_t len)
{
	struct instrument in;

	memset(&in, 0, sizeof in);
	in.kind = INSTR_OPTION;
	snprintf(in.underlying, sizeof in.underlying, "TSTA");
	in.expiry = expiry;
	in.strike = K;
	in.right = call ? OPT_RIGHT_CALL : OPT_RIGHT_PUT;
	market_occ_format(&in, out, len);
}

START_TEST(test_volarb_fair_chain)
{
	struct signal_list out;
	static const char *const kv[] = { "volarb.min_confidence", "0", NULL };

	signal_list_init(&out);
	va_run(NULL, 0, 20, kv, &out);
	ck_assert_msg(out.n == 0, "%zu signals, first: %s", out.n, out.n ? out.v[0].rationale : "");
	signal_list_free(&out);
}
END_TEST

START_TEST(test_volarb_bumped)
{
	struct va_bump b[] = { { 20240517, 110, 1.10, 0 }, { 20240517, 90, 0.90, 0 } };
	struct signal_list out;
	const struct signal *s;
	char occ[32];
	double T = market_year_fraction(MR_T0, 20240517), iv;
	heston_workspace *w = heston_workspace_alloc(HESTON_DEFAULT_NODES);
	struct bs_greeks g;

	signal_list_init(&out);
	va_run(b, 2, 20, NULL, &out);
	ck_assert_msg(out.n == 2, "%zu signals", out.n);
	/* the rich OTM call: sell it, buy delta x 100 shares */
	va_occ(20240517, 110, 1, occ, sizeof occ);
	s = find_sig(&out, occ);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->side, SIGNAL_SELL);
	ck_assert_str_eq(s->kind, "vol_rich");
	ck_assert_str_eq(s->underlying, "TSTA");
	ck_assert_uint_eq(s->nlegs, 2);
	ck_assert_str_eq(s->legs[0].symbol, occ);
	ck_assert_double_eq(s->legs[0].qty, -1);
	ck_assert_str_eq(s->legs[1].symbol, "TSTA");
	iv = 1.10 * va_heston_iv(T, 110, 1, w);
	ck_assert_int_eq(bs_greeks(BS_CALL, VA_S, 110, T, iv, VA_R, VA_Q, &g), QM_OK);
	/* tolerance: the strategy's vol is implied back from the quote mid
	 * (a few ulps) and its carry from the forward: 1e-9 of the delta */
	ck_assert_double_eq_tol(s->legs[1].qty, 100 * g.delta, 1e-7);
	ck_assert(s->legs[1].qty > 0);
	ck_assert_msg(strstr(s->rationale, "rich: sell") != NULL, "'%s'", s->rationale);
	ck_assert(strstr(s->rationale, "TSTA 20240517 C 110") == s->rationale);
	ck_assert(strstr(s->inputs, "\"market_iv\":") != NULL);
	ck_assert(s->confidence >= 0.6 && s->confidence <= 1);
	ck_assert_double_eq_tol(s->expires - s->time, 390 * 60, 1e-6);
	/* the cheap OTM put: buy it; its delta is negative, so buy shares */
	va_occ(20240517, 90, 0, occ, sizeof occ);
	s = find_sig(&out, occ);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->side, SIGNAL_BUY);
	ck_assert_double_eq(s->legs[0].qty, 1);
	iv = 0.90 * va_heston_iv(T, 90, 0, w);
	ck_assert_int_eq(bs_greeks(BS_PUT, VA_S, 90, T, iv, VA_R, VA_Q, &g), QM_OK);
	ck_assert_double_eq_tol(s->legs[1].qty, -100 * g.delta, 1e-7);
	ck_assert(s->legs[1].qty > 0);
	/* below the threshold: nothing */
	signal_list_clear(&out);
	b[0].f = 1.03;
	va_run(b, 1, 20, NULL, &out);
	ck_assert_uint_eq(out.n, 0);
	signal_list_free(&out);
	heston_workspace_free(w);
}
END_TEST

START_TEST(test_volarb_confidence)
{
	/* the same +10% on the 110 call of each expiry (relative spread 1%),
	 * and on the 105 call of the 77-day expiry with a 10% spread */
	struct va_bump b[] = { { 20240315, 110, 1.1, 0.01 }, { 20240419, 110, 1.1, 0.01 },
	    { 20240517, 110, 1.1, 0.01 }, { 20240621, 110, 1.1, 0.01 },
	    { 20240517, 105, 1.1, 0.10 } };
	static const char *const kv[] = { "volarb.min_confidence", "0", NULL };
	struct signal_list out;
	const struct signal *s14, *s49, *s77, *s112, *wide;
	char occ[32];

	signal_list_init(&out);
	va_run(b, 5, 0, kv, &out);
	va_occ(20240315, 110, 1, occ, sizeof occ);
	ck_assert_ptr_nonnull(s14 = find_sig(&out, occ));
	va_occ(20240419, 110, 1, occ, sizeof occ);
	ck_assert_ptr_nonnull(s49 = find_sig(&out, occ));
	va_occ(20240517, 110, 1, occ, sizeof occ);
	ck_assert_ptr_nonnull(s77 = find_sig(&out, occ));
	va_occ(20240621, 110, 1, occ, sizeof occ);
	ck_assert_ptr_nonnull(s112 = find_sig(&out, occ));
	va_occ(20240517, 105, 1, occ, sizeof occ);
	ck_assert_ptr_nonnull(wide = find_sig(&out, occ));
	/* 49 and 77 days are both in the preferred 30..90-day band */
	ck_assert_double_eq_tol(s49->confidence, s77->confidence, 1e-12);
	ck_assert(s14->confidence < s49->confidence - 0.05);
	ck_assert(s112->confidence < s77->confidence - 0.005);
	ck_assert(wide->confidence < s77->confidence - 0.05);
	signal_list_free(&out);
}
END_TEST

/* ---- termstruct ----------------------------------------------------- */

static const int ts_expiries[] = { 20240315, 20240419, 20240517, 20240621, 20240719,
    20240816, 20240920, 20241220 };
#define TS_NEXP 8

/* A smooth ATM curve (not of the strategy's family). */
static double ts_curve(double T)
{
	return 0.18 + 0.06 * exp(-T / 0.3) + 0.01 * T;
}

/* Puts a flat-smile chain (strikes 85..115, r = q = 0, so F = S = 100)
 * with vols vol[e] per expiry, and fills the book's slices. */
static void ts_setup(struct mstate *ms, const double *vol, struct calib_book *b,
    struct calib_result *r)
{
	struct option_chain c;
	int e, k, call;

	market_chain_init(&c, "TSTB");
	c.time = MR_T0;
	c.spot = 100;
	c.rate = 0;
	c.dividend = 0;
	memset(r, 0, sizeof *r);
	r->model = CALIB_SABR;
	snprintf(r->symbol, sizeof r->symbol, "TSTB");
	for (e = 0; e < TS_NEXP; e++) {
		double T = market_year_fraction(c.time, ts_expiries[e]);

		for (k = 85; k <= 115; k += 5) {
			for (call = 1; call >= 0; call--) {
				struct option_quote oq;
				double price;

				ck_assert_int_eq(bs_price(call ? BS_CALL : BS_PUT, 100, k, T, vol[e], 0,
				    0, &price), QM_OK);
				market_option_init(&oq);
				oq.opt.kind = INSTR_OPTION;
				snprintf(oq.opt.underlying, sizeof oq.opt.underlying, "TSTB");
				oq.opt.expiry = ts_expiries[e];
				oq.opt.strike = k;
				oq.opt.right = call ? OPT_RIGHT_CALL : OPT_RIGHT_PUT;
				oq.opt.multiplier = 100;
				market_occ_format(&oq.opt, oq.opt.symbol, sizeof oq.opt.symbol);
				snprintf(oq.q.symbol, sizeof oq.q.symbol, "%s", oq.opt.symbol);
				oq.q.bid = price * 0.99;
				oq.q.ask = price * 1.01;
				oq.q.exch_time = oq.q.recv_time = c.time;
				market_chain_add(&c, &oq);
			}
		}
		r->sabr[e].expiry = ts_expiries[e];
		r->sabr[e].T = T;
		r->sabr[e].forward = 100;
		r->sabr[e].atm_vol = vol[e];
		r->sabr[e].p.alpha = vol[e];
		r->sabr[e].p.beta = 1;
		r->sabr[e].rmse_iv_bp = 5;
		r->sabr[e].n = 14;
	}
	r->nslices = TS_NEXP;
	{
		struct validate_cfg vc;

		validate_cfg_default(&vc);
		vc.calendar_tol = 1;
		mstate_set_validate(ms, &vc);
	}
	ck_assert_uint_eq(mstate_put_chain(ms, "t", NULL, &c, NULL), 0);
	market_chain_free(&c);
	b->n = b->cap = 1;
	b->v = r;
}

/* Runs termstruct on ATM vols vol[]. */
static void ts_run(const double *vol, struct signal_list *out)
{
	struct conf *conf = mkconf(NULL);
	struct strat s = mkstrat("termstruct", conf);
	struct mstate *ms = mstate_new(100);
	struct calib_book book;
	struct calib_result r;
	const struct mstate_snap *snap;

	ts_setup(ms, vol, &book, &r);
	snap = mstate_snapshot(ms);
	runstrat(&s, snap, &book, MR_T0, NULL, 0, out);
	mstate_snap_release(snap);
	mstate_free(ms);
	s.ops->destroy(s.st);
	conf_free(conf);
}

/* Checks a calendar around the kinked expiry ek: its leg has the sign
 * want (-1 sold: it was rich), the legs are vega neutral. */
static void ts_check(const struct signal *s, const double *vol, int ek, int want)
{
	double vega = 0;
	size_t i;
	int e, found = 0;

	ck_assert_str_eq(s->kind, "calendar");
	ck_assert_str_eq(s->strategy, "termstruct");
	ck_assert_str_eq(s->underlying, "TSTB");
	ck_assert_uint_eq(s->nlegs, 2);
	for (i = 0; i < s->nlegs; i++) {
		struct instrument in;
		struct bs_greeks g;
		char *cause = NULL;
		double T;

		ck_assert_int_eq(market_occ_parse(s->legs[i].symbol, &in, &cause), 0);
		ck_assert_int_eq(in.strike, 100);       /* ATM */
		for (e = 0; e < TS_NEXP && ts_expiries[e] != in.expiry; e++)
			;
		ck_assert_int_lt(e, TS_NEXP);
		T = market_year_fraction(MR_T0, in.expiry);
		ck_assert_int_eq(bs_black76_greeks(BS_CALL, 100, 100, T, vol[e], 0, &g), QM_OK);
		vega += s->legs[i].qty * g.vega;
		if (e == ek) {
			found = 1;
			ck_assert_msg(s->legs[i].qty * want > 0, "leg %s qty %g", s->legs[i].symbol,
			    s->legs[i].qty);
		} else
			ck_assert_msg(abs(e - ek) == 1 && s->legs[i].qty * want < 0,
			    "partner %d qty %g", e, s->legs[i].qty);
	}
	ck_assert(found);
	/* tolerance: vega is ~20 per unit; implied vols differ by ulps */
	ck_assert_double_eq_tol(vega, 0, 1e-8);
	/* a long calendar (buy) is long the far expiry */
	ck_assert_double_eq(fabs(s->legs[0].qty), 1);
	ck_assert_int_eq(s->side > 0, s->legs[0].qty > 0);
}

START_TEST(test_termstruct)
{
	double vol[TS_NEXP];
	struct signal_list out;
	int e;

	for (e = 0; e < TS_NEXP; e++)
		vol[e] = ts_curve(market_year_fraction(MR_T0, ts_expiries[e]));
	signal_list_init(&out);
	ts_run(vol, &out);
	ck_assert_msg(out.n == 0, "%zu signals: %s", out.n, out.n ? out.v[0].rationale : "");
	/* one expiry 7% rich: sell it against a neighbour */
	vol[3] *= 1.07;
	ts_run(vol, &out);
	ck_assert_msg(out.n == 1, "%zu signals: %s | %s", out.n, out.v[0].rationale,
	    out.n > 1 ? out.v[1].rationale : "");
	ts_check(&out.v[0], vol, 3, -1);
	ck_assert(out.v[0].confidence > 0.5);
	ck_assert(strstr(out.v[0].inputs, "\"vega_ratio\":") != NULL);
	/* 10% cheap: buy it */
	signal_list_clear(&out);
	vol[3] /= 1.07;
	vol[5] *= 0.90;
	ts_run(vol, &out);
	ck_assert_msg(out.n == 1, "%zu signals", out.n);
	ts_check(&out.v[0], vol, 5, 1);
	signal_list_free(&out);
}
END_TEST

/* A negative forward variance is signalled, near expiry sold. */
START_TEST(test_termstruct_negative_forward)
{
	double vol[TS_NEXP];
	struct signal_list out;
	int e;

	for (e = 0; e < TS_NEXP; e++)
		vol[e] = ts_curve(market_year_fraction(MR_T0, ts_expiries[e]));
	/* total variance falls from expiry 1 to 2 */
	vol[1] = vol[2] * sqrt(market_year_fraction(MR_T0, ts_expiries[2]) /
	    market_year_fraction(MR_T0, ts_expiries[1])) * 1.02;
	signal_list_init(&out);
	ts_run(vol, &out);
	ck_assert_uint_ge(out.n, 1);
	ck_assert(strstr(out.v[0].rationale, "negative forward variance") != NULL);
	ck_assert_int_eq(out.v[0].side, SIGNAL_BUY);
	ts_check(&out.v[0], vol, 1, -1);
	signal_list_free(&out);
}
END_TEST

/* ---- order updates (on_order_update) --------------------------------- */

/* Tells strategy s what happened to the order cid on leg `leg` of signal
 * sig (side from the leg; qty the ordered quantity, filled the total so
 * far, last this fill), as the engine would after the OMS's post.  sig
 * NULL: an order of no signal (a flatten) on symbol sym. */
static void upd(struct strat *s, const struct signal *sig, size_t leg, const char *sym,
    int side, const char *cid, double qty, double filled, double last, int state)
{
	struct order_update u;

	memset(&u, 0, sizeof u);
	snprintf(u.strategy, sizeof u.strategy, "%s", s->ops->name);
	if (sig != NULL) {
		u.signal_id = 7;
		snprintf(u.instrument, sizeof u.instrument, "%s", sig->instrument);
		snprintf(u.kind, sizeof u.kind, "%s", sig->kind);
		u.signal_side = sig->side;
		sym = sig->legs[leg].symbol;
		if (side == 0)
			side = sig->legs[leg].qty > 0 ? 1 : -1;
	}
	snprintf(u.symbol, sizeof u.symbol, "%s", sym);
	snprintf(u.client_id, sizeof u.client_id, "%s", cid);
	u.side = side;
	u.qty = qty;
	u.filled = filled;
	u.avg_price = filled > 0 ? 1.5 : NAN;
	u.last_qty = last;
	u.last_price = last > 0 ? 1.5 : NAN;
	u.state = state;
	u.time = MR_T0;
	ck_assert_ptr_nonnull(s->ops->on_order_update);
	s->ops->on_order_update(s->st, &u);
}

/* Runs meanrev once at spread x and time t. */
static void mr_step(struct strat *s, struct mstate *ms, const struct calib_book *book, double x,
    double t, struct signal_list *out)
{
	const char *pairs[] = { "PRA/PRB" };
	const struct mstate_snap *snap;

	signal_list_clear(out);
	mr_quotes(ms, x, t);
	snap = mstate_snapshot(ms);
	runstrat(s, snap, book, t, pairs, 1, out);
	mstate_snap_release(snap);
}

/* meanrev's position follows the fills: an unfilled entry leaves the pair
 * flat (it enters again); a part-filled entry is exited for what was
 * filled (not one unit); an exit that expires unfilled leaves the pair in
 * the trade (it exits again); a filled exit leaves it flat. */
START_TEST(test_meanrev_follows_fills)
{
	struct conf *conf = mkconf(NULL);
	struct strat s = mkstrat("meanrev", conf);
	struct leungli_params lp = { { MR_THETA, MR_MU, MR_SIGMA }, 0.05, 0.02, 0.05, 0.02 };
	double L = MR_THETA - 2.5 * MR_SIGMA / sqrt(2 * MR_MU), x, xt, t = MR_T0;
	struct leungli_sl_levels sl;
	struct calib_book book;
	struct calib_result r;
	struct mstate *ms = mstate_new(100);
	struct signal_list out;
	struct signal e;

	ck_assert_int_eq(leungli_solve_sl(&lp, L, &sl), QM_OK);
	mr_book(&book, &r, 0.01);
	signal_list_init(&out);
	x = 0.5 * (sl.a + sl.d);
	xt = sl.b + 0.01;               /* beyond the take-profit level */
	mr_step(&s, ms, &book, x, t += 60, &out);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].kind, "entry_long");
	e = out.v[0];
	/* sent (3 spreads: buy 3 PRA, sell 5 PRB), working: no second entry */
	upd(&s, &e, 0, NULL, 0, "A1", 3, 0, 0, ORDER_PENDING);
	upd(&s, &e, 1, NULL, 0, "B1", 5, 0, 0, ORDER_PENDING);
	mr_step(&s, ms, &book, x, t += 60, &out);
	ck_assert_uint_eq(out.n, 0);
	/* both cancelled unfilled: flat, so it enters again */
	upd(&s, &e, 0, NULL, 0, "A1", 3, 0, 0, ORDER_CANCELLED);
	mr_step(&s, ms, &book, x, t += 60, &out);
	ck_assert_uint_eq(out.n, 0);    /* leg 2 still working */
	upd(&s, &e, 1, NULL, 0, "B1", 5, 0, 0, ORDER_CANCELLED);
	mr_step(&s, ms, &book, x, t += 60, &out);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].kind, "entry_long");
	e = out.v[0];
	/* this time 2 of 3 PRA and 3 of 5 PRB fill, the rest is cancelled */
	upd(&s, &e, 0, NULL, 0, "A2", 3, 0, 0, ORDER_PENDING);
	upd(&s, &e, 1, NULL, 0, "B2", 5, 0, 0, ORDER_PENDING);
	upd(&s, &e, 0, NULL, 0, "A2", 3, 2, 2, ORDER_PARTIAL);
	upd(&s, &e, 1, NULL, 0, "B2", 5, 3, 3, ORDER_PARTIAL);
	upd(&s, &e, 0, NULL, 0, "A2", 3, 2, 0, ORDER_CANCELLED);
	upd(&s, &e, 1, NULL, 0, "B2", 5, 3, 0, ORDER_CANCELLED);
	mr_step(&s, ms, &book, x, t += 60, &out);
	ck_assert_uint_eq(out.n, 0);    /* long: no entry */
	/* take profit: the exit closes what is held, sell 2 PRA, buy 3 PRB */
	mr_step(&s, ms, &book, xt, t += 60, &out);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].kind, "exit");
	ck_assert_uint_eq(out.v[0].nlegs, 2);
	ck_assert_str_eq(out.v[0].legs[0].symbol, "PRA");
	ck_assert_double_eq(out.v[0].legs[0].qty, -2);
	ck_assert_str_eq(out.v[0].legs[1].symbol, "PRB");
	ck_assert_double_eq(out.v[0].legs[1].qty, 3);
	e = out.v[0];
	/* the exit's orders expire unfilled: still long, so it exits again */
	upd(&s, &e, 0, NULL, 0, "A3", 2, 0, 0, ORDER_PENDING);
	upd(&s, &e, 1, NULL, 0, "B3", 3, 0, 0, ORDER_PENDING);
	mr_step(&s, ms, &book, xt, t += 60, &out);
	ck_assert_uint_eq(out.n, 0);    /* working */
	upd(&s, &e, 0, NULL, 0, "A3", 2, 0, 0, ORDER_EXPIRED);
	upd(&s, &e, 1, NULL, 0, "B3", 3, 0, 0, ORDER_EXPIRED);
	mr_step(&s, ms, &book, xt, t += 60, &out);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].kind, "exit");
	ck_assert_double_eq(out.v[0].legs[0].qty, -2);
	ck_assert_double_eq(out.v[0].legs[1].qty, 3);
	e = out.v[0];
	/* filled: flat, and in the entry region it enters again */
	upd(&s, &e, 0, NULL, 0, "A4", 2, 2, 2, ORDER_FILLED);
	upd(&s, &e, 1, NULL, 0, "B4", 3, 3, 3, ORDER_FILLED);
	mr_step(&s, ms, &book, xt, t += 60, &out);
	ck_assert_uint_eq(out.n, 0);
	mr_step(&s, ms, &book, x, t += 60, &out);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].kind, "entry_long");
	signal_list_free(&out);
	mstate_free(ms);
	s.ops->destroy(s.st);
	conf_free(conf);
}
END_TEST

/* volarb does not enter again an option it has orders working for or
 * holds in the signal's direction; an unfilled (cancelled) trade, or a
 * position closed by a flatten, lets the opportunity be signalled again. */
START_TEST(test_volarb_holdings)
{
	struct va_bump b[] = { { 20240517, 110, 1.10, 0 }, { 20240517, 90, 0.90, 0 } };
	struct conf *conf = mkconf(NULL);
	struct strat s = mkstrat("volarb", conf);
	struct mstate *ms = mstate_new(100);
	struct calib_book book;
	struct calib_result r[2];
	const struct mstate_snap *snap;
	struct signal_list out;
	struct signal call, put;
	char occ_c[32], occ_p[32];
	int k;

	va_book(&book, r, 20);
	va_chain(ms, b, 2);
	snap = mstate_snapshot(ms);
	signal_list_init(&out);
	va_occ(20240517, 110, 1, occ_c, sizeof occ_c);
	va_occ(20240517, 90, 0, occ_p, sizeof occ_p);
#define VA_RUN() do { signal_list_clear(&out); \
	runstrat(&s, snap, &book, MR_T0, NULL, 0, &out); } while (0)
	VA_RUN();
	ck_assert_uint_eq(out.n, 2);
	call = *find_sig(&out, occ_c);
	put = *find_sig(&out, occ_p);
	ck_assert_int_eq(call.side, SIGNAL_SELL);
	/* the call's orders are out (sell 2 calls, buy the hedge) */
	upd(&s, &call, 0, NULL, 0, "C1", 2, 0, 0, ORDER_PENDING);
	upd(&s, &call, 1, NULL, 0, "H1", 80, 0, 0, ORDER_PENDING);
	VA_RUN();
	ck_assert_uint_eq(out.n, 1);
	ck_assert_ptr_nonnull(find_sig(&out, occ_p));
	/* the put's orders are cancelled unfilled: the put comes back */
	upd(&s, &put, 0, NULL, 0, "P1", 1, 0, 0, ORDER_PENDING);
	VA_RUN();
	ck_assert_uint_eq(out.n, 0);
	upd(&s, &put, 0, NULL, 0, "P1", 1, 0, 0, ORDER_CANCELLED);
	VA_RUN();
	ck_assert_uint_eq(out.n, 1);
	ck_assert_ptr_nonnull(find_sig(&out, occ_p));
	/* the call fills: held short, still no new call signal (several runs:
	 * a signal that expired would otherwise be born again) */
	upd(&s, &call, 0, NULL, 0, "C1", 2, 2, 2, ORDER_FILLED);
	upd(&s, &call, 1, NULL, 0, "H1", 80, 80, 80, ORDER_FILLED);
	for (k = 0; k < 3; k++) {
		VA_RUN();
		ck_assert_ptr_null(find_sig(&out, occ_c));
	}
	/* a flatten buys the 2 calls back (no signal): free to trade again */
	upd(&s, NULL, 0, occ_c, 1, "F1", 2, 0, 0, ORDER_PENDING);
	upd(&s, NULL, 0, occ_c, 1, "F1", 2, 2, 2, ORDER_FILLED);
	VA_RUN();
	ck_assert_ptr_nonnull(find_sig(&out, occ_c));
#undef VA_RUN
	signal_list_free(&out);
	mstate_snap_release(snap);
	mstate_free(ms);
	s.ops->destroy(s.st);
	conf_free(conf);
}
END_TEST

/* termstruct does not enter again a calendar it holds or has working. */
START_TEST(test_termstruct_holdings)
{
	struct conf *conf = mkconf(NULL);
	struct strat s = mkstrat("termstruct", conf);
	struct mstate *ms = mstate_new(100);
	const struct mstate_snap *snap;
	struct calib_book book;
	struct calib_result r;
	struct signal_list out;
	struct signal cal;
	double vol[TS_NEXP];
	int e;

	for (e = 0; e < TS_NEXP; e++)
		vol[e] = ts_curve(market_year_fraction(MR_T0, ts_expiries[e]));
	vol[3] *= 1.07;
	ts_setup(ms, vol, &book, &r);
	snap = mstate_snapshot(ms);
	signal_list_init(&out);
#define TS_RUN() do { signal_list_clear(&out); \
	runstrat(&s, snap, &book, MR_T0, NULL, 0, &out); } while (0)
	TS_RUN();
	ck_assert_uint_eq(out.n, 1);
	cal = out.v[0];
	upd(&s, &cal, 0, NULL, 0, "N1", 1, 0, 0, ORDER_PENDING);
	upd(&s, &cal, 1, NULL, 0, "F1", 2, 0, 0, ORDER_PENDING);
	TS_RUN();
	ck_assert_uint_eq(out.n, 0);
	/* one leg cancelled, the other still working: still nothing */
	upd(&s, &cal, 0, NULL, 0, "N1", 1, 0, 0, ORDER_CANCELLED);
	TS_RUN();
	ck_assert_uint_eq(out.n, 0);
	/* both done unfilled: signalled again */
	upd(&s, &cal, 1, NULL, 0, "F1", 2, 0, 0, ORDER_CANCELLED);
	TS_RUN();
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].instrument, cal.instrument);
	/* filled: held in the signal's direction, not entered again */
	upd(&s, &cal, 0, NULL, 0, "N2", 1, 1, 1, ORDER_FILLED);
	upd(&s, &cal, 1, NULL, 0, "F2", 2, 2, 2, ORDER_FILLED);
	TS_RUN();
	ck_assert_uint_eq(out.n, 0);
#undef TS_RUN
	signal_list_free(&out);
	mstate_snap_release(snap);
	mstate_free(ms);
	s.ops->destroy(s.st);
	conf_free(conf);
}
END_TEST

/* ---- restore at an engine start (on_restore) --------------------------- */

/* Hands strategy s a restore of npos positions and nw working orders. */
static void restore(struct strat *s, const struct strat_restore_pos *pos, size_t npos,
    const struct order_update *w, size_t nw)
{
	struct strat_restore r;

	r.pos = pos;
	r.npos = npos;
	r.working = w;
	r.nworking = nw;
	ck_assert_ptr_nonnull(s->ops->on_restore);
	s->ops->on_restore(s->st, &r);
}

/* A working order as the OMS restores it (no signal the engine knows). */
static struct order_update wk(const char *strategy, const char *cid, const char *sym, int side,
    double qty, double filled)
{
	struct order_update u;

	memset(&u, 0, sizeof u);
	snprintf(u.strategy, sizeof u.strategy, "%s", strategy);
	snprintf(u.client_id, sizeof u.client_id, "%s", cid);
	snprintf(u.symbol, sizeof u.symbol, "%s", sym);
	u.side = side;
	u.qty = qty;
	u.filled = filled;
	u.avg_price = NAN;
	u.last_price = NAN;
	u.state = filled > 0 ? ORDER_PARTIAL : ORDER_ACCEPTED;
	u.time = MR_T0;
	return u;
}

/* meanrev told at a restart that it holds +3 PRA and -5 PRB (a long
 * spread, its legs matched by symbol) does not enter again in the entry
 * region, and at the take-profit level exits exactly what the positions
 * say; told it holds the mirror, it is short (no short entry) and exits
 * that.  A restore replaces what it believed: told nothing, it is flat
 * and enters.  Positions of symbols that are no leg of its pairs stay
 * unmatched. */
START_TEST(test_meanrev_restore)
{
	struct conf *conf = mkconf(NULL);
	struct strat s = mkstrat("meanrev", conf);
	struct leungli_params lp = { { MR_THETA, MR_MU, MR_SIGMA }, 0.05, 0.02, 0.05, 0.02 };
	double L = MR_THETA - 2.5 * MR_SIGMA / sqrt(2 * MR_MU), x, xt, t = MR_T0;
	struct strat_restore_pos pos[3] = { { "PRA", 3 }, { "PRB", -5 }, { "ZZZ", 7 } };
	struct leungli_sl_levels sl, ssl;
	struct leungli_params np = lp;
	struct calib_book book;
	struct calib_result r;
	struct mstate *ms = mstate_new(100);
	struct signal_list out;
	char hold[512];
	int k;

	ck_assert_int_eq(leungli_solve_sl(&lp, L, &sl), QM_OK);
	/* the short side: the long problem of -X (theta -> -theta) */
	np.ou.theta = -MR_THETA;
	ck_assert_int_eq(leungli_solve_sl(&np, -MR_THETA - 2.5 * MR_SIGMA / sqrt(2 * MR_MU),
	    &ssl), QM_OK);
	mr_book(&book, &r, 0.01);
	signal_list_init(&out);
	x = 0.5 * (sl.a + sl.d);        /* in the long entry region */
	xt = sl.b + 0.01;               /* beyond the long take-profit level */
	restore(&s, pos, 3, NULL, 0);
	for (k = 0; k < 3; k++) {
		mr_step(&s, ms, &book, x, t += 60, &out);
		ck_assert_uint_eq(out.n, 0);
	}
	s.ops->holdings(s.st, hold, sizeof hold);
	ck_assert_msg(strstr(hold, "PRA/PRB long leg1 3 leg2 -5") != NULL, "'%s'", hold);
	ck_assert_msg(strstr(hold, "unmatched ZZZ 7") != NULL, "'%s'", hold);
	mr_step(&s, ms, &book, xt, t += 60, &out);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].kind, "exit");
	ck_assert_str_eq(out.v[0].legs[0].symbol, "PRA");
	ck_assert_double_eq(out.v[0].legs[0].qty, -3);
	ck_assert_str_eq(out.v[0].legs[1].symbol, "PRB");
	ck_assert_double_eq(out.v[0].legs[1].qty, 5);
	/* short: no short entry where one would be made, exits at -b* */
	pos[0].qty = -4;
	pos[1].qty = 6;
	restore(&s, pos, 2, NULL, 0);
	mr_step(&s, ms, &book, -0.5 * (ssl.a + ssl.d), t += 60, &out);
	ck_assert_uint_eq(out.n, 0);
	mr_step(&s, ms, &book, -ssl.b - 0.01, t += 60, &out);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].kind, "exit");
	ck_assert_double_eq(out.v[0].legs[0].qty, 4);
	ck_assert_double_eq(out.v[0].legs[1].qty, -6);
	/* the reference: with the same restore a fresh strategy at the
	 * short entry level would have entered short -- shown by a restore
	 * of nothing, which leaves it flat */
	restore(&s, NULL, 0, NULL, 0);
	mr_step(&s, ms, &book, -0.5 * (ssl.a + ssl.d), t += 60, &out);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].kind, "entry_short");
	restore(&s, NULL, 0, NULL, 0);
	mr_step(&s, ms, &book, x, t += 60, &out);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].kind, "entry_long");
	signal_list_free(&out);
	mstate_free(ms);
	s.ops->destroy(s.st);
	conf_free(conf);
}
END_TEST

/* meanrev restored with an entry's orders still working (nothing held
 * yet, signal unknown) does not enter again; the orders' later updates,
 * which name no signal, are matched by client ID: once they fill and are
 * done the pair is long and exits what filled. */
START_TEST(test_meanrev_restore_working)
{
	struct conf *conf = mkconf(NULL);
	struct strat s = mkstrat("meanrev", conf);
	struct leungli_params lp = { { MR_THETA, MR_MU, MR_SIGMA }, 0.05, 0.02, 0.05, 0.02 };
	double L = MR_THETA - 2.5 * MR_SIGMA / sqrt(2 * MR_MU), x, xt, t = MR_T0;
	struct order_update w[2];
	struct leungli_sl_levels sl;
	struct calib_book book;
	struct calib_result r;
	struct mstate *ms = mstate_new(100);
	struct signal_list out;

	ck_assert_int_eq(leungli_solve_sl(&lp, L, &sl), QM_OK);
	mr_book(&book, &r, 0.01);
	signal_list_init(&out);
	x = 0.5 * (sl.a + sl.d);
	xt = sl.b + 0.01;
	w[0] = wk("meanrev", "A9", "PRA", 1, 2, 0);
	w[1] = wk("meanrev", "B9", "PRB", -1, 3, 0);
	restore(&s, NULL, 0, w, 2);
	mr_step(&s, ms, &book, x, t += 60, &out);
	ck_assert_uint_eq(out.n, 0);
	/* fills of the restored orders (no instrument: the signal is gone) */
	upd(&s, NULL, 0, "PRA", 1, "A9", 2, 2, 2, ORDER_FILLED);
	mr_step(&s, ms, &book, x, t += 60, &out);
	ck_assert_uint_eq(out.n, 0);
	upd(&s, NULL, 0, "PRB", -1, "B9", 3, 3, 3, ORDER_FILLED);
	mr_step(&s, ms, &book, x, t += 60, &out);
	ck_assert_uint_eq(out.n, 0);    /* long now: no entry */
	mr_step(&s, ms, &book, xt, t += 60, &out);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].kind, "exit");
	ck_assert_double_eq(out.v[0].legs[0].qty, -2);
	ck_assert_double_eq(out.v[0].legs[1].qty, 3);
	/* the same orders restored and then cancelled unfilled: flat, enters */
	restore(&s, NULL, 0, w, 2);
	mr_step(&s, ms, &book, x, t += 60, &out);
	ck_assert_uint_eq(out.n, 0);
	upd(&s, NULL, 0, "PRA", 1, "A9", 2, 0, 0, ORDER_CANCELLED);
	upd(&s, NULL, 0, "PRB", -1, "B9", 3, 0, 0, ORDER_CANCELLED);
	mr_step(&s, ms, &book, x, t += 60, &out);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].kind, "entry_long");
	signal_list_free(&out);
	mstate_free(ms);
	s.ops->destroy(s.st);
	conf_free(conf);
}
END_TEST

/* volarb told at a restart that it holds the call short does not signal
 * it again; an order working for the put blocks the put; a restore with
 * nothing lets both be signalled. */
START_TEST(test_volarb_restore)
{
	struct va_bump b[] = { { 20240517, 110, 1.10, 0 }, { 20240517, 90, 0.90, 0 } };
	struct conf *conf = mkconf(NULL);
	struct strat s = mkstrat("volarb", conf);
	struct mstate *ms = mstate_new(100);
	struct strat_restore_pos pos[2];
	struct order_update w;
	struct calib_book book;
	struct calib_result r[2];
	const struct mstate_snap *snap;
	struct signal_list out;
	char occ_c[32], occ_p[32];

	va_book(&book, r, 20);
	va_chain(ms, b, 2);
	snap = mstate_snapshot(ms);
	signal_list_init(&out);
	va_occ(20240517, 110, 1, occ_c, sizeof occ_c);
	va_occ(20240517, 90, 0, occ_p, sizeof occ_p);
#define VA_RUN() do { signal_list_clear(&out); \
	runstrat(&s, snap, &book, MR_T0, NULL, 0, &out); } while (0)
	VA_RUN();
	ck_assert_uint_eq(out.n, 2);
	ck_assert_int_eq(find_sig(&out, occ_c)->side, SIGNAL_SELL);
	memset(pos, 0, sizeof pos);
	snprintf(pos[0].symbol, sizeof pos[0].symbol, "%s", occ_c);
	pos[0].qty = -2;
	snprintf(pos[1].symbol, sizeof pos[1].symbol, "SPX");
	pos[1].qty = 80;
	restore(&s, pos, 2, NULL, 0);
	VA_RUN();
	ck_assert_uint_eq(out.n, 1);
	ck_assert_ptr_nonnull(find_sig(&out, occ_p));
	w = wk("volarb", "P7", occ_p, 1, 1, 0);
	restore(&s, pos, 2, &w, 1);
	VA_RUN();
	ck_assert_uint_eq(out.n, 0);
	/* held long the call (the other way): a sell reduces it, so it goes out */
	pos[0].qty = 2;
	restore(&s, pos, 1, NULL, 0);
	VA_RUN();
	ck_assert_ptr_nonnull(find_sig(&out, occ_c));
	restore(&s, NULL, 0, NULL, 0);
	VA_RUN();
	ck_assert_uint_eq(out.n, 2);
#undef VA_RUN
	signal_list_free(&out);
	mstate_snap_release(snap);
	mstate_free(ms);
	s.ops->destroy(s.st);
	conf_free(conf);
}
END_TEST

/* termstruct told at a restart that it holds the far option of a calendar
 * in the calendar's direction (positions are per symbol), or the near
 * option the other way, does not enter the calendar again. */
START_TEST(test_termstruct_restore)
{
	struct conf *conf = mkconf(NULL);
	struct strat s = mkstrat("termstruct", conf);
	struct mstate *ms = mstate_new(100);
	const struct mstate_snap *snap;
	struct strat_restore_pos pos;
	struct calib_book book;
	struct calib_result r;
	struct signal_list out;
	struct signal cal;
	double vol[TS_NEXP];
	int e;

	for (e = 0; e < TS_NEXP; e++)
		vol[e] = ts_curve(market_year_fraction(MR_T0, ts_expiries[e]));
	vol[3] *= 1.07;
	ts_setup(ms, vol, &book, &r);
	snap = mstate_snapshot(ms);
	signal_list_init(&out);
#define TS_RUN() do { signal_list_clear(&out); \
	runstrat(&s, snap, &book, MR_T0, NULL, 0, &out); } while (0)
	TS_RUN();
	ck_assert_uint_eq(out.n, 1);
	cal = out.v[0];
	ck_assert_uint_eq(cal.nlegs, 2);
	memset(&pos, 0, sizeof pos);
	/* the far (lead) leg held as the calendar would hold it */
	snprintf(pos.symbol, sizeof pos.symbol, "%s", cal.legs[0].symbol);
	pos.qty = cal.legs[0].qty > 0 ? 1 : -1;
	restore(&s, &pos, 1, NULL, 0);
	TS_RUN();
	ck_assert_uint_eq(out.n, 0);
	/* the near leg held as the calendar would hold it */
	snprintf(pos.symbol, sizeof pos.symbol, "%s", cal.legs[1].symbol);
	pos.qty = cal.legs[1].qty > 0 ? 2 : -2;
	restore(&s, &pos, 1, NULL, 0);
	TS_RUN();
	ck_assert_uint_eq(out.n, 0);
	/* nothing held: signalled again */
	restore(&s, NULL, 0, NULL, 0);
	TS_RUN();
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].instrument, cal.instrument);
#undef TS_RUN
	signal_list_free(&out);
	mstate_snap_release(snap);
	mstate_free(ms);
	s.ops->destroy(s.st);
	conf_free(conf);
}
END_TEST

/* Configuration errors name the keys; the example's keys exist. */
START_TEST(test_configure_errors)
{
	static const char *const kv[] = { "volarb.min_days", "400", NULL };
	static const char *const kv2[] = { "termstruct.max_days", "5", NULL };
	struct conf *conf = mkconf(kv), *conf2 = mkconf(kv2);
	const struct strategy_ops *o = strategy_find("volarb");
	void *st = o->create();
	char *cause = NULL, buf[512];

	ck_assert_int_eq(o->configure(st, conf, &cause), -1);
	ck_assert_msg(strstr(cause, "volarb.min_days") != NULL, "%s", cause);
	free(cause);
	cause = NULL;
	o->describe(st, buf, sizeof buf);
	ck_assert_msg(strstr(buf, "min_days=7 ") != NULL, "%s", buf);   /* old settings stay */
	o->destroy(st);
	o = strategy_find("termstruct");
	st = o->create();
	ck_assert_int_eq(o->configure(st, conf2, &cause), -1);
	ck_assert_msg(strstr(cause, "termstruct.min_days") != NULL, "%s", cause);
	free(cause);
	o->destroy(st);
	conf_free(conf);
	conf_free(conf2);
}
END_TEST


/* Bad parameters and missing data: no signal, no crash. */
START_TEST(test_bad_inputs)
{
	struct conf *conf = mkconf(NULL);
	struct calib_result r[5];
	struct calib_book book = { 5, 5, r };
	struct mstate *ms = mstate_new(100);
	const struct mstate_snap *snap;
	struct signal_list out;
	const char *pairs[] = { "PRA/PRB", "NOSLASH", "PRC/PRD" };
	const char *names[] = { "volarb", "meanrev", "termstruct" };
	int i;

	memset(r, 0, sizeof r);
	r[0].model = CALIB_HESTON;
	snprintf(r[0].symbol, sizeof r[0].symbol, "TSTA");
	r[0].heston.v0 = NAN;
	r[1].model = CALIB_SABR;
	snprintf(r[1].symbol, sizeof r[1].symbol, "TSTA");
	r[1].nslices = 3;
	r[1].sabr[0].T = NAN;
	r[1].sabr[1].atm_vol = -1;
	r[1].sabr[2].p.alpha = NAN;
	r[1].sabr[2].T = 0.5;
	r[1].sabr[2].atm_vol = 0.2;
	r[2].model = CALIB_OU;
	snprintf(r[2].symbol, sizeof r[2].symbol, "PRA/PRB");
	r[2].ou.p.mu = NAN;
	r[3].model = CALIB_OU;
	snprintf(r[3].symbol, sizeof r[3].symbol, "NOSLASH");
	r[3].ou.p.mu = 1;
	r[3].ou.p.sigma = 1;
	r[4].model = CALIB_OU;
	snprintf(r[4].symbol, sizeof r[4].symbol, "PRC/PRD");      /* no quotes */
	r[4].ou.p.mu = 10;
	r[4].ou.p.sigma = 1;
	r[4].ou.hedge_ratio = 1;
	mr_quotes(ms, 1, MR_T0);
	va_chain(ms, NULL, 0);
	snap = mstate_snapshot(ms);
	signal_list_init(&out);
	for (i = 0; i < 3; i++) {
		struct strat s = mkstrat(names[i], conf);
		struct strategy_env env;
		char *cause = NULL;

		runstrat(&s, snap, &book, MR_T0, pairs, 3, &out);
		runstrat(&s, snap, &book, MR_T0, NULL, 0, &out);
		memset(&env, 0, sizeof env);
		env.now = MR_T0;
		ck_assert_int_eq(s.ops->run(s.st, &env, &out, &cause), 0);
		s.ops->destroy(s.st);
	}
	ck_assert_uint_eq(out.n, 0);
	signal_list_free(&out);
	mstate_snap_release(snap);
	mstate_free(ms);
	conf_free(conf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("strategy");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_aggregate_agreement);
	tcase_add_test(tc, test_aggregate_conflict_ratio);
	tcase_add_test(tc, test_aggregate_undecided);
	tcase_add_test(tc, test_aggregate_expiry);
	tcase_add_test(tc, test_aggregate_exits_and_decided);
	tcase_add_test(tc, test_aggregate_uneconomic);
	tcase_add_test(tc, test_signal_fields);
	tcase_add_test(tc, test_meanrev_leungli);
	tcase_add_test(tc, test_meanrev_refused);
	tcase_add_test(tc, test_meanrev_gate_allows_exits);
	tcase_add_test(tc, test_meanrev_bertram);
	tcase_add_test(tc, test_meanrev_size);
	tcase_add_test(tc, test_volarb_fair_chain);
	tcase_add_test(tc, test_volarb_bumped);
	tcase_add_test(tc, test_volarb_confidence);
	tcase_add_test(tc, test_termstruct);
	tcase_add_test(tc, test_termstruct_negative_forward);
	tcase_add_test(tc, test_meanrev_follows_fills);
	tcase_add_test(tc, test_volarb_holdings);
	tcase_add_test(tc, test_termstruct_holdings);
	tcase_add_test(tc, test_meanrev_restore);
	tcase_add_test(tc, test_meanrev_restore_working);
	tcase_add_test(tc, test_volarb_restore);
	tcase_add_test(tc, test_termstruct_restore);
	tcase_add_test(tc, test_configure_errors);
	tcase_add_test(tc, test_bad_inputs);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
