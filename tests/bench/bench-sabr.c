/*
 * bench-sabr.c -- timings of the SABR formulas and calibration.
 *
 * Why it exists: the desk re-fits every smile on each market update, so the
 * cost of one formula call and of one 15-strike fit matter (goals: 20 ns per
 * formula call, 5 us per fit).  Each operation is run in chunks of about
 * 0.05 s, five chunks (0.25 s or more per operation), and the fastest chunk
 * is reported, which filters out other processes on a shared machine.
 * tests/bench/ql-sabr.cpp does the same work with QuantLib under the same
 * names, so ratios can be printed.  Output, one line per operation:
 *   bench <name> <ns> ns/op <accuracy note>
 * Not a test: nothing here asserts on time.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "qm-status.h"
#include "sabr-calib.h"
#include "sabr.h"

#define NSTRIKE 15
#define NGRID 1024

/* Sink that keeps the compiler from discarding the timed work. */
static volatile double bench_sink;

/* Monotonic wall time in seconds. */
static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* The work to time: runs n operations (index i selects the input). */
typedef double (*bench_fn)(long n, void *ctx);

/*
 * Times fn: grows the chunk until it takes ~0.05 s, then runs five chunks
 * and returns the fastest per-operation time in ns.
 */
static double bench_time(bench_fn fn, void *ctx)
{
	long n = 16;
	double t, best = INFINITY;
	int k;

	for (;;) {
		t = bench_now();
		bench_sink = fn(n, ctx);
		t = bench_now() - t;
		if (t >= 0.05)
			break;
		n *= 2;
	}
	for (k = 0; k < 5; k++) {
		t = bench_now();
		bench_sink = fn(n, ctx);
		t = bench_now() - t;
		if (t / n < best)
			best = t / n;
	}
	return best * 1e9;
}

/* Inputs shared by the formula benchmarks: one smile's parameters and a strike grid. */
struct bench_formula {
	sabr_params p;
	double F, T, K[NGRID];
	sabr_strike s[NGRID];
};

/* n calls of sabr_vol_hagan over the strike grid. */
static double run_hagan(long n, void *ctx)
{
	struct bench_formula *b = ctx;
	double v, acc = 0.0;
	long i;

	for (i = 0; i < n; i++) {
		sabr_vol_hagan(&b->p, b->F, b->K[i & (NGRID - 1)], b->T, &v);
		acc += v;
	}
	return acc;
}

/* n calls of sabr_vol_obloj over the strike grid. */
static double run_obloj(long n, void *ctx)
{
	struct bench_formula *b = ctx;
	double v, acc = 0.0;
	long i;

	for (i = 0; i < n; i++) {
		sabr_vol_obloj(&b->p, b->F, b->K[i & (NGRID - 1)], b->T, &v);
		acc += v;
	}
	return acc;
}

/* n calls of sabr_vol_normal over the strike grid. */
static double run_normal(long n, void *ctx)
{
	struct bench_formula *b = ctx;
	double v, acc = 0.0;
	long i;

	for (i = 0; i < n; i++) {
		sabr_vol_normal(&b->p, b->F, b->K[i & (NGRID - 1)], b->T, &v);
		acc += v;
	}
	return acc;
}

/* n calls of sabr_vol_normal_expanded over the strike grid. */
static double run_normal_exp(long n, void *ctx)
{
	struct bench_formula *b = ctx;
	double v, acc = 0.0;
	long i;

	for (i = 0; i < n; i++) {
		sabr_vol_normal_expanded(&b->p, b->F, b->K[i & (NGRID - 1)], b->T, &v);
		acc += v;
	}
	return acc;
}

/* n calls of sabr_vol_jac (value and 3 partials). */
static double run_jac(long n, void *ctx)
{
	struct bench_formula *b = ctx;
	double v, d[3], acc = 0.0;
	long i;

	for (i = 0; i < n; i++) {
		sabr_vol_jac(SABR_HAGAN, &b->p, b->F, b->K[i & (NGRID - 1)], b->T, &v, d);
		acc += v + d[0];
	}
	return acc;
}

/* n calls of sabr_strike_vol on cached strike geometry. */
static double run_strike(long n, void *ctx)
{
	struct bench_formula *b = ctx;
	double v, acc = 0.0;
	long i;

	for (i = 0; i < n; i++) {
		sabr_strike_vol(&b->s[i & (NGRID - 1)], &b->p, b->T, &v, NULL);
		acc += v;
	}
	return acc;
}

/* n calls of sabr_alpha_from_atm (West's cubic). */
static double run_atm_alpha(long n, void *ctx)
{
	struct bench_formula *b = ctx;
	double a, acc = 0.0;
	long i;

	for (i = 0; i < n; i++) {
		sabr_alpha_from_atm(b->F, b->T, 0.18 + 1e-5 * (i & 1023), b->p.beta, b->p.rho,
				    b->p.nu, &a);
		acc += a;
	}
	return acc;
}

/* Inputs of the fit benchmarks: a 15-strike smile and its true parameters. */
struct bench_fit {
	sabr_calib_workspace *w;
	sabr_slice s;
	sabr_calib_opts o;
	sabr_params truth;
	double K[NSTRIKE], v[NSTRIKE];
	double err;     /* worst relative parameter error of the last fit */
	int iter;
};

/* n fits of the same smile; records the accuracy of the last one. */
static double run_fit(long n, void *ctx)
{
	struct bench_fit *b = ctx;
	sabr_calib_result r = { { NAN, NAN, NAN, NAN }, NAN, 0, QM_EINVAL };
	double acc = 0.0;
	long i;

	for (i = 0; i < n; i++) {
		sabr_calib_smile(b->w, &b->s, &b->o, &r);
		acc += r.p.alpha;
	}
	b->err = fmax(fabs(r.p.alpha / b->truth.alpha - 1.0),
		      fmax(fabs(r.p.rho - b->truth.rho), fabs(r.p.nu / b->truth.nu - 1.0)));
	b->iter = r.iter;
	return acc;
}

/* The formula operations: name (as in ql-sabr.cpp), timed loop, accuracy note. */
static const struct bench_op {
	const char *name;
	bench_fn fn;
	const char *note;
} formula_ops[] = {
	{ "sabr_vol_hagan", run_hagan, "beta=0.5, K in [60,150]; QuantLib agreement 1.5e-14" },
	{ "sabr_vol_obloj", run_obloj, "beta=0.5; long double reference 3e-15" },
	{ "sabr_vol_normal", run_normal, "B.67 exact ratio; long double reference 3e-15" },
	{ "sabr_vol_normal_expanded", run_normal_exp, "QuantLib normal agreement 1.5e-14" },
	{ "sabr_vol_jac", run_jac, "value + 3 analytic partials; FD agreement 1e-7" },
	{ "sabr_strike_vol", run_strike, "cached strike geometry (calibration hot path)" },
	{ "sabr_alpha_from_atm", run_atm_alpha, "West cubic, round trip 1e-13" },
};

int main(void)
{
	struct bench_formula bf;
	struct bench_fit fit;
	double t, atm;
	int i;

	/* equity-like smile: F = 100, T = 0.5, beta = 0.5, ATM vol about 20% */
	bf.p = (sabr_params){ 2.0, 0.5, -0.4, 0.6 };
	bf.F = 100.0;
	bf.T = 0.5;
	for (i = 0; i < NGRID; i++) {
		bf.K[i] = 60.0 + 90.0 * i / NGRID;
		sabr_strike_init(&bf.s[i], SABR_HAGAN, bf.F, bf.K[i], bf.p.beta);
	}
	for (i = 0; i < (int)(sizeof(formula_ops) / sizeof(formula_ops[0])); i++) {
		t = bench_time(formula_ops[i].fn, &bf);
		printf("bench %s %.1f ns/op %s\n", formula_ops[i].name, t, formula_ops[i].note);
	}

	/* the 15-strike fit: noise-free smile from the formula, automatic start */
	fit.w = sabr_calib_workspace_alloc(NSTRIKE);
	if (fit.w == NULL)
		return EXIT_FAILURE;
	fit.truth = (sabr_params){ 2.0, 0.5, -0.4, 0.6 };
	for (i = 0; i < NSTRIKE; i++) {
		fit.K[i] = 70.0 + 5.0 * i;
		sabr_vol_hagan(&fit.truth, 100.0, fit.K[i], 0.5, &fit.v[i]);
	}
	fit.s = (sabr_slice){ 0.5, 100.0, NSTRIKE, fit.K, fit.v, NULL, 0.0 };
	sabr_calib_opts_init(&fit.o, 0.5);
	t = bench_time(run_fit, &fit);
	printf("bench sabr_calib_smile_15 %.1f ns/op 3-param LM fit, %d iterations, "
	       "max param err %.1e\n", t, fit.iter, fit.err);
	sabr_vol_hagan(&fit.truth, 100.0, 100.0, 0.5, &atm);
	fit.s.atm_vol = atm;
	t = bench_time(run_fit, &fit);
	printf("bench sabr_calib_smile_15_atm %.1f ns/op alpha from ATM cubic + 2-param fit, "
	       "%d iterations, max param err %.1e\n", t, fit.iter, fit.err);
	sabr_calib_workspace_free(fit.w);
	return EXIT_SUCCESS;
}
