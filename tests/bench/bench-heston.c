/*
 * bench-heston.c -- speed of models/heston.c and models/heston-calib.c.
 *
 * Why it exists: HACKING.md's benchmark convention.  Prints one line per
 * operation, `bench <name> <ns> ns/op  <accuracy note>`; names shared with
 * tests/bench/ql-heston.cpp (QuantLib doing the same work) let the lead
 * print ratios:
 *   heston_surface_5x42     price of one option of a 5-maturity x 42-option
 *                           surface (S 100, r 5%, q 2%, T 1m..2y, strikes
 *                           60..160 step 5, call and put), whole surface per
 *                           call; error vs an adaptive GSL oracle;
 *   heston_greeks_5x42      price + delta, gamma, vegas, theta, per option;
 *   heston_gradient_5x42    price + 5 parameter derivatives, per option;
 *   heston_calib_synthetic  recovery of (v0 .04, kappa 2, theta .04,
 *                           sigma .3, rho -.7) from noise-free prices, 20
 *                           strikes 90..110 x 30/60/90 days, LM from the
 *                           ATM-vol start, no global stage;
 *   heston_calib_synthetic_cold  the same with the NLopt global stage;
 *   heston_calib_dax        Sepp's DAX surface (weeks-rounded maturities as
 *                           in QuantLib's test), LM from QuantLib's start
 *                           (the work ql-heston.cpp times);
 *   heston_calib_dax_atm    LM from the default start (ATM vol), no global;
 *   heston_calib_dax_cold   defaults: global stage, then LM.
 * Not a test: nothing here asserts on time.
 *
 * Build (from the repository root):
 *   gcc -std=c11 -D_GNU_SOURCE -O2 -Imodels models/qm-status.c \
 *       models/heston.c models/heston-calib.c tests/bench/bench-heston.c \
 *       $(pkg-config --cflags --libs gsl nlopt) -lm -o /tmp/bench-heston
 * The DAX lines need ../shared/market-data/options (or the folder named by
 * QDESK_MARKET_DATA) and are skipped without it.
 */
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L	/* clock_gettime, CLOCK_MONOTONIC */
#endif
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>

#include "heston.h"
#include "heston-calib.h"
#include "qm-status.h"
#include "dax-surface.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_SQRT2
#define M_SQRT2 1.41421356237309504880
#endif

#define NSURF 210

/* Returns seconds on the monotonic clock. */
static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* The benchmark surface (same grid as ql-heston.cpp). */
struct surface {
	double T[NSURF], K[NSURF], r[NSURF], q[NSURF];
	int type[NSURF];
};

/* Fills the 5 x 42 surface. */
static void make_surface(struct surface *s)
{
	static const int days[5] = { 30, 91, 182, 365, 730 };
	int m, k, t, n = 0;

	for (m = 0; m < 5; m++)
		for (k = 0; k < 21; k++)
			for (t = 0; t < 2; t++) {
				s->T[n] = days[m] / 365.0;
				s->K[n] = 60.0 + 5.0 * k;
				s->r[n] = 0.05;
				s->q[n] = 0.02;
				s->type[n] = t;
				n++;
			}
}

struct oracle_arg {
	const heston_params *p;
	double T, x;
};

/* Lewis integrand without control variate (oracle). */
static double oracle_integrand(double u, void *vp)
{
	const struct oracle_arg *o = vp;
	double complex phi;

	heston_cf(o->p, o->T, CMPLX(u, -0.5), &phi);
	return creal(cexp(I * u * o->x) * phi) / (u * u + 0.25);
}

/* Oracle price by GSL qagiu at relative 1e-13. */
static double oracle_price(const heston_params *p, double S, double T,
			   double K, double r, double q, int type)
{
	gsl_integration_workspace *w = gsl_integration_workspace_alloc(20000);
	struct oracle_arg o = { p, T, 0 };
	gsl_function f = { oracle_integrand, &o };
	double F = S * exp((r - q) * T), res = NAN, err, c;

	o.x = log(F / K);
	gsl_integration_qagiu(&f, 0, 1e-15, 1e-13, 20000, w, &res, &err);
	gsl_integration_workspace_free(w);
	c = exp(-r * T) * (F - sqrt(F * K) / M_PI * res);
	return type == HESTON_CALL ? c : c - exp(-r * T) * (F - K);
}

/* Benchmarks prices, Greeks and gradients on the surface. */
static void bench_surface(void)
{
	heston_params p = { 0.04, 2.0, 0.04, 0.3, -0.7 };
	heston_workspace *w = heston_workspace_alloc(HESTON_DEFAULT_NODES);
	static struct surface s;
	static heston_greeks g[NSURF];
	static double pr[NSURF], grad[NSURF * HESTON_NPARAMS];
	double t0, t1, maxerr = 0;
	long reps;
	int i;

	make_surface(&s);
	heston_price_surface(&p, 100, NSURF, s.T, s.K, s.r, s.q, s.type, pr, w);
	for (i = 0; i < NSURF; i++)
		maxerr = fmax(maxerr, fabs(pr[i] - oracle_price(&p, 100, s.T[i],
					s.K[i], s.r[i], s.q[i], s.type[i])));
	for (reps = 0, t0 = t1 = now(); t1 - t0 < 0.5; reps++, t1 = now())
		heston_price_surface(&p, 100, NSURF, s.T, s.K, s.r, s.q, s.type,
				     pr, w);
	printf("bench heston_surface_5x42 %.1f ns/op  max abs err %.1e vs GSL "
	       "qagiu 1e-13 oracle (S=100)\n", (t1 - t0) / reps / NSURF * 1e9,
	       maxerr);
	for (reps = 0, t0 = t1 = now(); t1 - t0 < 0.5; reps++, t1 = now())
		heston_greeks_surface(&p, 100, NSURF, s.T, s.K, s.r, s.q, s.type,
				      g, w);
	printf("bench heston_greeks_5x42 %.1f ns/op  price+delta+gamma+vegas+"
	       "theta, analytic\n", (t1 - t0) / reps / NSURF * 1e9);
	for (reps = 0, t0 = t1 = now(); t1 - t0 < 0.5; reps++, t1 = now())
		heston_price_gradient(&p, 100, NSURF, s.T, s.K, s.r, s.q, s.type,
				      pr, grad, w);
	printf("bench heston_gradient_5x42 %.1f ns/op  price+5 parameter "
	       "derivatives, analytic\n", (t1 - t0) / reps / NSURF * 1e9);
	heston_workspace_free(w);
}

/* Times one calibration setting and prints its line. */
static void bench_calib(const char *name, const heston_chain *c,
			const heston_calib_opts *o, const heston_params *truth,
			double ql_sse)
{
	heston_calib_workspace *w = heston_calib_alloc(c->n);
	heston_calib_result res;
	double t0, t1, relerr = 0;
	const double *a = &res.params.v0;
	long reps;
	int k, st = QM_OK;

	for (reps = 0, t0 = t1 = now(); t1 - t0 < 1.0; reps++, t1 = now())
		st = heston_calibrate(c, o, w, &res);
	if (truth) {
		for (k = 0; k < HESTON_NPARAMS; k++)
			relerr = fmax(relerr, fabs(a[k] / (&truth->v0)[k] - 1));
		printf("bench %s %.0f ns/op  status %d, %d iterations, %d "
		       "pricings, max rel param err %.1e\n", name,
		       (t1 - t0) / reps * 1e9, st, res.iterations,
		       res.evaluations, relerr);
	} else {
		printf("bench %s %.0f ns/op  status %d, %d iterations, %d "
		       "pricings, SSE %.4f vol pts^2 (QuantLib %.4f), IV RMSE "
		       "%.1f bp, max %.1f bp\n", name, (t1 - t0) / reps * 1e9, st,
		       res.iterations, res.evaluations, res.sse_iv_pts, ql_sse,
		       res.rmse_iv_bp, res.max_iv_err_bp);
	}
	heston_calib_free(w);
}

/* Benchmarks the synthetic recovery. */
static void bench_synthetic(void)
{
	heston_params truth = { 0.04, 2.0, 0.04, 0.3, -0.7 };
	heston_workspace *hw = heston_workspace_alloc(HESTON_DEFAULT_NODES);
	double T[60], K[60], r[60], q[60], pr[60];
	int ty[60], n = 0, m, k;
	heston_chain c;
	heston_calib_opts o;

	for (m = 0; m < 3; m++)
		for (k = 0; k < 20; k++) {
			T[n] = 30.0 * (m + 1) / 365;
			K[n] = 90 + 20.0 * k / 19;
			r[n] = 0.05;
			q[n] = 0.02;
			ty[n] = K[n] >= 100;
			n++;
		}
	heston_price_surface(&truth, 100, n, T, K, r, q, ty, pr, hw);
	heston_workspace_free(hw);
	memset(&c, 0, sizeof(c));
	c.n = n;
	c.S = 100;
	c.T = T;
	c.K = K;
	c.r = r;
	c.q = q;
	c.type = ty;
	c.price = pr;
	heston_calib_defaults(&o);
	o.global_evals = 0;
	bench_calib("heston_calib_synthetic", &c, &o, &truth, 0);
	heston_calib_defaults(&o);	/* the default path: global stage on */
	bench_calib("heston_calib_synthetic_cold", &c, &o, &truth, 0);
}

/* Benchmarks the DAX calibration, warm (QuantLib's start) and cold. */
static void bench_dax(void)
{
	static struct dax d;
	heston_params ql_start = { 0.1, 1.0, 0.1, 0.5, -0.5 };
	heston_chain c;
	heston_calib_opts o;

	if (!dax_load(&d)) {
		printf("# DAX market data not found: heston_calib_dax skipped\n");
		return;
	}
	memset(&c, 0, sizeof(c));
	c.n = d.n;
	c.S = d.S;
	c.T = d.T;
	c.K = d.K;
	c.r = d.r;
	c.q = d.q;
	c.type = d.type;
	c.iv = d.iv;
	heston_calib_defaults(&o);
	o.warm = &ql_start;
	o.global_evals = 0;
	/* QuantLib 1.29 reaches 177.2347 (tests/bench/ql-heston.cpp) */
	bench_calib("heston_calib_dax", &c, &o, NULL, 177.2347);
	o.warm = NULL;
	bench_calib("heston_calib_dax_atm", &c, &o, NULL, 177.2347);
	heston_calib_defaults(&o);	/* the default path: global stage on */
	bench_calib("heston_calib_dax_cold", &c, &o, NULL, 177.2347);
}

/* Runs every benchmark. */
int main(void)
{
	gsl_set_error_handler_off();
	bench_surface();
	bench_synthetic();
	bench_dax();
	return 0;
}
