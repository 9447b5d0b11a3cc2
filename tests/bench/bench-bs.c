/*
 * bench-bs.c -- timings of the Black-Scholes and implied-volatility models.
 *
 * Why it exists: option chains are repriced and re-implied on every quote,
 * so the cost per call of bs_price(), bs_greeks() and iv_black76() bounds
 * how large a surface the console can keep live.  tests/bench/ql-bs.cpp
 * does the same work with QuantLib so the lead can print ratios.
 *
 * Work sets (same generator in ql-bs.cpp): "typical" draws ln(F/K)/sqrt(T)
 * in [-3, 3], T in [1/365, 5] years (log-uniform), sigma in [0.05, 1]
 * (log-uniform), calls and puts; "wide" uses the test grid's domain,
 * ln(F/K)/sqrt(T) in [-10, 10], T in [1/365, 30], sigma in [0.01, 3].
 *
 * Output, one line per operation:
 *   bench <name> <ns> ns/op  <accuracy note>
 * Not a test: no timing is asserted anywhere.
 */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "qm-status.h"
#include "bs.h"
#include "iv.h"

#define NCASE 4096

/* One option of a work set; kappa = d ln(price)/d ln(sigma). */
struct bcase {
	int type;
	double F, K, T, sigma, price, kappa;
};

/* Monotonic wall clock in seconds. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Deterministic uniform [0, 1) from a 64-bit LCG (same as ql-bs.cpp). */
static double unif(unsigned long long *st)
{
	*st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*st >> 11) * 0x1p-53;
}

/* Fills a work set; wide selects the full test-grid domain. */
static int make_cases(struct bcase *c, int wide)
{
	unsigned long long st = wide ? 2024 : 42;
	double mmax = wide ? 10.0 : 3.0, tmax = wide ? 30.0 : 5.0;
	double smin = wide ? 0.01 : 0.05, smax = wide ? 3.0 : 1.0;
	int n = 0;

	while (n < NCASE) {
		double m = -mmax + 2.0 * mmax * unif(&st);
		double T = exp(log(1.0 / 365) + (log(tmax) - log(1.0 / 365)) * unif(&st));
		double sg = exp(log(smin) + (log(smax) - log(smin)) * unif(&st));
		int type = unif(&st) < 0.5 ? BS_CALL : BS_PUT;
		double F = 100.0, K = F * exp(-m * sqrt(T)), p;
		struct bs_greeks g;

		if (bs_black76_greeks(type, F, K, T, sg, 0.0, &g) != QM_OK)
			continue;
		p = g.price;
		/* keep prices that carry information about sigma */
		double intr = type * (F - K) > 0.0 ? type * (F - K) : 0.0;
		double ub = type == BS_CALL ? F : K;

		if (!(p - intr > 1e-300 * F) || !(p < ub))
			continue;
		c[n++] = (struct bcase){ type, F, K, T, sg, p, g.vega * sg / p };
	}
	return n;
}

/* One pass of an operation over a work set; returns a checksum. */
typedef double (*bench_pass)(const struct bcase *c, int n);

/*
 * Times a pass: 100 chunks of >= 4 ms each (~0.5 s in all) and returns
 * the fastest chunk's ns per call: on a shared machine most chunks are
 * stretched by other processes, the fastest is the undisturbed speed.
 */
static double time_op(bench_pass pass, const struct bcase *c, int n,
		      double *sink)
{
	double best = INFINITY;

	for (int chunk = 0; chunk < 100; chunk++) {
		long reps = 0;
		double t0 = now(), t1;

		do {
			*sink += pass(c, n);
			reps++;
			t1 = now();
		} while (t1 - t0 < 0.004);
		double ns = (t1 - t0) / (reps * (double)n) * 1e9;

		if (ns < best)
			best = ns;
	}
	return best;
}

/* bs_black76_price over a set (r = 3%). */
static double pass_price(const struct bcase *c, int n)
{
	double acc = 0.0, p;

	for (int i = 0; i < n; i++) {
		bs_black76_price(c[i].type, c[i].F, c[i].K, c[i].T, c[i].sigma,
				 0.03, &p);
		acc += p;
	}
	return acc;
}

/* bs_greeks (spot form, r = 3%, q = 1%) over a set. */
static double pass_greeks(const struct bcase *c, int n)
{
	double acc = 0.0;
	struct bs_greeks g;

	for (int i = 0; i < n; i++) {
		bs_greeks(c[i].type, c[i].F, c[i].K, c[i].T, c[i].sigma, 0.03,
			  0.01, &g);
		acc += g.price + g.delta + g.vega + g.theta + g.volga;
	}
	return acc;
}

/* iv_black76 over a set. */
static double pass_iv(const struct bcase *c, int n)
{
	double acc = 0.0, s;

	for (int i = 0; i < n; i++) {
		iv_black76(c[i].type, c[i].F, c[i].K, c[i].T, c[i].price, &s);
		acc += s;
	}
	return acc;
}

/*
 * Times iv_black76 over a set; reports the largest |sigma_hat/sigma - 1|
 * in units of DBL_EPSILON over the cases with kappa >= 1.  Where kappa is
 * small (deep in the money, or near the upper bound) the price's own
 * rounding moves sigma by eps/kappa and the round trip measures the
 * conditioning, not the solver (tests/check_iv.c compares every case with
 * the exact inverse instead).
 */
static double time_iv(const struct bcase *c, int n, double *sink,
		      double *maxerr, int *fails)
{
	double s;

	*maxerr = 0.0;
	*fails = 0;
	for (int i = 0; i < n; i++) {
		if (iv_black76(c[i].type, c[i].F, c[i].K, c[i].T, c[i].price,
			       &s) != QM_OK) {
			(*fails)++;
			continue;
		}
		double e = fabs(s / c[i].sigma - 1.0) / 2.220446049250313e-16;

		if (c[i].kappa >= 1.0 && e > *maxerr)
			*maxerr = e;
	}
	return time_op(pass_iv, c, n, sink);
}

/* Runs every benchmark and prints one line per operation. */
int main(void)
{
	static struct bcase typ[NCASE], wide[NCASE];
	double sink = 0.0, err;
	int fails, nt = make_cases(typ, 0), nw = make_cases(wide, 1);

	printf("bench bs_black76_price %.1f ns/op  typical set; QuantLib to 1e-12 "
	       "rel, wings to 8+3A ulps (check_bs)\n", time_op(pass_price, typ, nt, &sink));
	printf("bench bs_greeks %.1f ns/op  typical set, price + 8 Greeks; "
	       "QuantLib to 1e-12 rel (check_bs)\n", time_op(pass_greeks, typ, nt, &sink));
	double t = time_iv(typ, nt, &sink, &err, &fails);

	printf("bench iv_black76_typical %.1f ns/op  max |iv(price(s))/s-1| = "
	       "%.1f eps where kappa >= 1, %d failures\n", t, err, fails);
	t = time_iv(wide, nw, &sink, &err, &fails);
	printf("bench iv_black76_wide %.1f ns/op  max |iv(price(s))/s-1| = "
	       "%.1f eps where kappa >= 1, %d failures\n", t, err, fails);
	if (sink == 0.12345)
		printf("#\n");
	return 0;
}
