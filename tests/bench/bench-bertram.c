/*
 * bench-bertram.c -- timings of models/bertram (optimal OU trading levels)
 * and models/volest (realized, EWMA, GARCH(1,1)).
 *
 * Why it exists: the strategy layer recomputes levels for every spread on
 * every calibration, and sizing refits volatility for every instrument, so
 * their cost per call decides how many instruments one core can follow.
 * Run by `make bench`, never by `make check`; it asserts nothing.  Each line
 * reads `bench <name> <ns> ns/op  <accuracy note>`; the notes quote the
 * accuracy the tests establish (tests/check_bertram.c, check_volest.c).
 * QuantLib has no Bertram levels; its Garch11 uses another start-up and
 * likelihood scaling, so no QuantLib twin is timed here.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bertram.h"
#include "qm-status.h"
#include "volest.h"

#define BENCH_N	2520	/* ten years of daily returns */

/* Returns a monotonic time in seconds. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One timed operation: runs it on iteration i and returns a value to keep. */
typedef double (*bench_fn)(long i);

/* Times fn over enough repetitions for ~0.3 s and prints the line. */
static void bench(const char *name, bench_fn fn, const char *note)
{
	volatile double sink = 0.0;
	long reps = 1, i;
	double t0, dt;

	for (;;) {
		t0 = now();
		for (i = 0; i < reps; i++)
			sink += fn(i);
		dt = now() - t0;
		if (dt > 0.3 || reps > (1L << 30))
			break;
		reps = dt > 0.01 ? (long)(reps * 0.35 / dt) + 1 : reps * 10;
	}
	printf("bench %s %.1f ns/op  %s\n", name, 1e9 * dt / (double)reps, note);
	(void)sink;
}

/* Bertram's example spread, per year. */
static const struct ou_params ex = { 0.0, 180.9670, 0.1538 };

static double returns[BENCH_N], scratch[BENCH_N + 1];
static volest_garch_workspace *gw;

/* E[T] and V[T] at levels near the return optimum. */
static double op_trade_length(long i)
{
	double e, v;

	bertram_trade_length(&ex, -0.0047 - 1e-9 * (double)(i & 1023), 0.0047, &e, &v);
	return e + v;
}

/* Return-maximising levels (eq. 13 root). */
static double op_optimal_return(long i)
{
	struct bertram_levels L;

	bertram_optimal_return(&ex, 0.001 + 1e-9 * (double)(i & 1023), &L);
	return L.a;
}

/* Sharpe-maximising levels, rf a rate per year. */
static double op_optimal_sharpe_rate(long i)
{
	struct bertram_levels L;

	bertram_optimal_sharpe(&ex, 0.001 + 1e-9 * (double)(i & 1023), 0.02,
			       BERTRAM_RF_RATE, &L);
	return L.a;
}

/* Sharpe-maximising levels, rf a hurdle per trade. */
static double op_optimal_sharpe_trade(long i)
{
	struct bertram_levels L;

	bertram_optimal_sharpe(&ex, 0.001 + 1e-9 * (double)(i & 1023), 0.01,
			       BERTRAM_RF_PER_TRADE, &L);
	return L.a;
}

/* Realized vol of the whole series. */
static double op_realized(long i)
{
	double v;

	(void)i;
	volest_realized(returns, BENCH_N, 252.0, VOLEST_DEMEAN, &v);
	return v;
}

/* 21-day rolling realized vol along the series. */
static double op_rolling(long i)
{
	(void)i;
	volest_realized_rolling(returns, BENCH_N, 21, 252.0, VOLEST_ZERO_MEAN, scratch);
	return scratch[BENCH_N - 1];
}

/* EWMA variance path of the series. */
static double op_ewma(long i)
{
	double v;

	(void)i;
	volest_ewma(returns, BENCH_N, VOLEST_EWMA_LAMBDA, 0.0, 252.0, scratch, &v);
	return v;
}

/* GARCH(1,1) fit with mean and standard errors. */
static double op_garch(long i)
{
	struct volest_garch f;

	(void)i;
	volest_garch_fit(returns, BENCH_N, VOLEST_GARCH_MEAN, 252.0, gw, &f);
	return f.beta;
}

/* Fills the returns with a GARCH(1,1) path at daily scale (fixed seed). */
static void make_returns(void)
{
	unsigned long long s = 0x9e3779b97f4a7c15ULL;
	double h = 1e-6 / (1.0 - 0.08 - 0.9);
	size_t t;

	for (t = 0; t < BENCH_N; t++) {
		double u1, u2, z, e;

		/* xorshift64* uniforms and Box-Muller normals */
		s ^= s >> 12; s ^= s << 25; s ^= s >> 27;
		u1 = ((s * 0x2545F4914F6CDD1DULL) >> 11) * 0x1.0p-53 + 0x1.0p-54;
		s ^= s >> 12; s ^= s << 25; s ^= s >> 27;
		u2 = ((s * 0x2545F4914F6CDD1DULL) >> 11) * 0x1.0p-53;
		z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
		e = sqrt(h) * z;
		returns[t] = 0.0003 + e;
		h = 1e-6 + 0.08 * e * e + 0.9 * h;
	}
}

int main(void)
{
	make_returns();
	gw = volest_garch_workspace_alloc(BENCH_N);
	if (gw == NULL)
		return EXIT_FAILURE;
	bench("bertram_trade_length", op_trade_length,
	      "E[T],V[T] = quadrature to ~1e-15 (tested 1e-10)");
	bench("bertram_optimal_return", op_optimal_return,
	      "eq.13 root to 1e-15 in u; goal <=1 ms");
	bench("bertram_optimal_sharpe_rate", op_optimal_sharpe_rate,
	      "48-pt scan + Brent, level ~1e-8 rel; goal <=1 ms");
	bench("bertram_optimal_sharpe_per_trade", op_optimal_sharpe_trade,
	      "same, arbitragelab convention");
	bench("volest_realized_2520", op_realized, "two-pass, rel err ~1e-15");
	bench("volest_realized_rolling_2520x21", op_rolling, "two-pass per window");
	bench("volest_ewma_2520", op_ewma, "recursion, rel err ~1e-15");
	bench("volest_garch_fit_2520", op_garch,
	      "BFGS grad<1e-9, = Nelder-Mead optimum to <1e-3 se; with SEs");
	volest_garch_workspace_free(gw);
	return EXIT_SUCCESS;
}
