/*
 * bench-ou.c -- timings of models/ou and models/leungli.
 *
 * Why it exists: the strategy layer refits the OU parameters of every spread
 * and re-solves its Leung & Li levels on each bar; these numbers say how many
 * spreads that allows.  Goals: MLE on 2,520 points <= 10 us, levels with
 * stop-loss <= 1 ms.  Prints one line per operation,
 *	bench <name> <ns> ns/op  <accuracy note>
 * each timed with CLOCK_MONOTONIC over enough repetitions for about 0.3 s.
 * ou_simulate_2520 does the same work as ql_ou_simulate_2520 in
 * tests/bench/ql-ou.cpp (same deterministic normals, same parameters; the
 * final values printed in the notes must agree).
 *
 * Build and run (from the top of the tree):
 *   gcc -std=c11 -D_GNU_SOURCE -O2 -Imodels models/qm-status.c models/ou.c \
 *     models/leungli.c tests/bench/bench-ou.c -lm -o bench-ou && ./bench-ou
 */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "leungli.h"
#include "ou.h"
#include "qm-status.h"

#define NPTS 2520

/* Seconds on the monotonic clock. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* A deterministic standard-normal-like sequence shared with ql-ou.cpp. */
static double det_normal(int i)
{
	return 1.7 * sin(0.7 * i + 0.3) * cos(0.13 * i);
}

/* Keeps results alive so the compiler cannot drop the timed work. */
static volatile double sink;

/* An operation under test: runs once with index i, returns a status. */
typedef int (*bench_op)(int i);

/* Times op until at least 0.3 s have passed; returns ns per call. */
static double time_op(bench_op op)
{
	double t0, t;
	int n = 1, i, st = 0;

	for (;;) {
		t0 = now();
		for (i = 0; i < n; i++)
			st |= op(i);
		t = now() - t0;
		if (t > 0.3 || n > (1 << 28))
			break;
		n *= t > 0.01 ? (int)(0.35 / t) + 1 : 16;
	}
	if (st != QM_OK)
		fprintf(stderr, "bench-ou: an operation failed (status %d)\n", st);
	return 1e9 * t / n;
}

static double series[NPTS], normals[NPTS], path[NPTS + 1];
static const struct ou_params truth = { 0.5388, 16.6677, 0.1599 };
static const struct leungli_params gld = {
	{ 0.5388, 16.6677, 0.1599 }, 0.05, 0.05, 0.05, 0.05
};
static const struct leungli_params wide = {
	{ 0.0, 1.0, 0.5 }, 0.5, 0.05, 0.5, 0.05
};

/* One MLE fit of the 2,520-point series. */
static int op_mle(int i)
{
	struct ou_fit fit;
	int st = ou_mle(series, NPTS, 1.0 / 252.0, &fit);

	(void)i;
	sink = fit.p.mu;
	return st;
}

/* One exact simulation of 2,520 daily steps. */
static int op_sim(int i)
{
	int st = ou_simulate(&truth, truth.theta, 1.0 / 252.0, normals, NPTS, path);

	(void)i;
	sink = path[NPTS];
	return st;
}

/* One evaluation of F (ln F, F'/F, F''/F) 1.5 sd above theta. */
static int op_f(int i)
{
	struct leungli_fg f;
	int st = leungli_f(&gld.ou, gld.r, 0.58 + 1e-12 * (i & 7), &f);

	sink = f.ln;
	return st;
}

/* The levels b*, d* without stop-loss (GLD-GDX parameters). */
static int op_solve(int i)
{
	struct leungli_levels lv;
	int st = leungli_solve(&gld, &lv);

	(void)i;
	sink = lv.d;
	return st;
}

/* The levels with stop-loss, entry interval present (nu = 0.5). */
static int op_solve_sl(int i)
{
	struct leungli_sl_levels lv;
	int st = leungli_solve_sl(&wide, -0.6, &lv);

	(void)i;
	sink = lv.a;
	return st;
}

/* The levels with stop-loss where entry is never optimal (GLD-GDX). */
static int op_solve_sl_gld(int i)
{
	struct leungli_sl_levels lv;
	int st = leungli_solve_sl(&gld, 0.4834, &lv);

	(void)i;
	sink = lv.b;
	return st;
}

/* Prints the timings. */
int main(void)
{
	struct ou_fit fit;
	struct leungli_levels lv;
	struct leungli_sl_levels sl;
	int i;

	/* a sample path from counter-based normals for the MLE */
	ou_normals(2520, 0, normals, NPTS);
	ou_simulate(&truth, truth.theta, 1.0 / 252.0, normals, NPTS - 1, series);
	for (i = 0; i < NPTS; i++)
		normals[i] = det_normal(i);
	ou_mle(series, NPTS, 1.0 / 252.0, &fit);
	printf("bench ou_mle_2520 %.0f ns/op  exact closed form; mu %.4f (se %.4f), "
	       "equals GSL OLS to 1e-11 (check_ou)\n", time_op(op_mle), fit.p.mu,
	       fit.se_mu);
	op_sim(0);
	printf("bench ou_simulate_2520 %.0f ns/op  exact transition; x[2520] = %.15g\n",
	       time_op(op_sim), path[NPTS]);
	printf("bench leungli_f %.0f ns/op  ln F, F'/F, F''/F; rel err ~1e-14 vs GSL "
	       "quadrature (check_leungli)\n", time_op(op_f));
	leungli_solve(&gld, &lv);
	printf("bench leungli_solve %.0f ns/op  b* %.10f d* %.10f to 1e-12 sd; "
	       "match GSL-quadrature roots to 1e-10 sd\n", time_op(op_solve), lv.b, lv.d);
	leungli_solve_sl(&wide, -0.6, &sl);
	printf("bench leungli_solve_sl %.0f ns/op  L -0.6: b*_L %.10f a*_L %.10f "
	       "d*_L %.10f (nu = 0.5)\n", time_op(op_solve_sl), sl.b, sl.a, sl.d);
	leungli_solve_sl(&gld, 0.4834, &sl);
	printf("bench leungli_solve_sl_noentry %.0f ns/op  GLD-GDX L 0.4834: b*_L %.10f, "
	       "entry never optimal\n", time_op(op_solve_sl_gld), sl.b);
	return 0;
}
