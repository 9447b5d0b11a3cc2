/*
 * bench-coint.c -- timings of the cointegration models: Engle-Granger on
 * two 2,520-point series (ten years of daily closes; goal <= 1 ms), ADF
 * alone, Johansen for 2 and 6 series, and the rolling health scan.
 *
 * Why it exists: the console re-tests every live pair on each bar, so the
 * cost per test bounds how many pairs a desk can watch.  QuantLib has no
 * cointegration tests, so there is no ql-coint.cpp to compare with.
 * Prints `bench <name> <ns> ns/op  <accuracy note>` per operation; each is
 * repeated until at least 0.3 s has elapsed.  Data are simulated with a
 * fixed seed so every run times the same work.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L	/* clock_gettime */
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "adf.h"
#include "coint.h"
#include "johansen.h"
#include "qm-status.h"

#define NPTS 2520
#define MINSEC 0.3

/* Seconds on the monotonic clock. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* xorshift64* uniform in (0, 1): fixed, library-free data generation. */
static double uniform(unsigned long long *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return ((double)((*s * 2685821657736338717ULL) >> 11) + 0.5) /
	       9007199254740992.0;
}

/* Standard normal draw by Box-Muller. */
static double gauss(unsigned long long *s)
{
	double u = uniform(s), v = uniform(s);

	return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/*
 * m series of n points sharing `trends` random walks with AR(1) noise,
 * stored one after the other (y[i*n + t]).
 */
static void simulate(double *y, size_t n, size_t m, size_t trends,
		     unsigned long long seed)
{
	double w[4] = { 0, 0, 0, 0 }, u;
	size_t i, j, t;

	for (i = 0; i < m; i++) {
		u = 0.0;
		for (t = 0; t < n; t++) {
			u = 0.7 * u + 0.3 * gauss(&seed);
			y[i * n + t] = 20.0 + 5.0 * (double)i + u;
		}
	}
	for (t = 0; t < n; t++) {
		for (j = 0; j < trends; j++)
			w[j] += 0.5 * gauss(&seed);
		for (i = 0; i < m; i++)
			for (j = 0; j < trends; j++)
				y[i * n + t] += (1.0 + 0.25 * (double)((i + j) % 4)) *
						w[j];
	}
}

/*
 * Hedge ratio of y on [1, x] by long-double normal equations (2 x 2,
 * solved in closed form): the accuracy reference for the QR result.
 */
static double beta_reference(const double *y, const double *x, size_t n)
{
	long double sx = 0, sy = 0, sxx = 0, sxy = 0, dn = (long double)n;
	size_t t;

	for (t = 0; t < n; t++) {
		sx += x[t];
		sy += y[t];
		sxx += (long double)x[t] * x[t];
		sxy += (long double)x[t] * y[t];
	}
	return (double)((dn * sxy - sx * sy) / (dn * sxx - sx * sx));
}

/* Times Engle-Granger with the given lag rule and prints one line. */
static void bench_eg(const char *name, const double *y, const double *x,
		     int lagsel, size_t maxlag)
{
	coint_workspace *w = coint_workspace_alloc(NPTS, 1, ADF_MAXLAG_DEFAULT);
	coint_opts o = { ADF_TREND_C, lagsel, maxlag };
	coint_result r;
	double t0, el, ref;
	long reps = 0;

	t0 = now();
	do {
		if (coint_eg(y, x, NPTS, 1, &o, w, &r, NULL) != QM_OK)
			abort();
		reps++;
		el = now() - t0;
	} while (el < MINSEC);
	ref = beta_reference(y, x, NPTS);
	printf("bench %s %.0f ns/op  beta rel err %.1e vs long-double normal "
	       "eq; tau %.3f p %.2g lags %zu\n", name, 1e9 * el / (double)reps,
	       fabs(r.beta[0] - ref) / fabs(ref), r.stat, r.pvalue, r.lags);
	coint_workspace_free(w);
}

/* Times ADF with AIC over the default lags on one series. */
static void bench_adf(const double *y)
{
	adf_workspace *w = adf_workspace_alloc(NPTS, ADF_MAXLAG_DEFAULT);
	adf_result r;
	double t0, el;
	long reps = 0;

	t0 = now();
	do {
		if (adf_test(y, NPTS, ADF_TREND_C, ADF_LAG_AIC,
			     ADF_MAXLAG_DEFAULT, w, &r) != QM_OK)
			abort();
		reps++;
		el = now() - t0;
	} while (el < MINSEC);
	printf("bench adf_2520_aic %.0f ns/op  tau %.3f lags %zu (matches "
	       "long-double normal eq to 1e-8 in check_coint)\n",
	       1e9 * el / (double)reps, r.stat, r.lags);
	adf_workspace_free(w);
}

/* Times Johansen on m series, VAR order p, constant. */
static void bench_johansen(const char *name, const double *y, size_t m,
			   size_t p)
{
	johansen_workspace *w = johansen_workspace_alloc(NPTS, m, p);
	johansen_result r;
	double t0, el;
	long reps = 0;

	t0 = now();
	do {
		if (johansen_test(y, NPTS, m, p, JOHANSEN_DET_CONST, w, &r) !=
		    QM_OK)
			abort();
		reps++;
		el = now() - t0;
	} while (el < MINSEC);
	printf("bench %s %.0f ns/op  rank %zu; eigenvalues match the "
	       "S11^-1 S10 S00^-1 S01 route to 1e-9 (check_coint)\n", name,
	       1e9 * el / (double)reps, r.rank_trace);
	johansen_workspace_free(w);
}

/* Times the rolling scan plus the health verdict. */
static void bench_rolling(const double *y, const double *x)
{
	enum { WIN = 252, STEP = 5, CAP = NPTS };
	coint_workspace *w = coint_workspace_alloc(WIN, 1, ADF_MAXLAG_DEFAULT);
	coint_opts o = { ADF_TREND_C, ADF_LAG_AIC, ADF_MAXLAG_DEFAULT };
	coint_health_limits lim;
	coint_health h;
	static double pv[CAP], be[CAP], hl[CAP], wk[CAP];
	double t0, el;
	long reps = 0;
	size_t cnt;

	coint_health_default_limits(&lim);
	t0 = now();
	do {
		if (coint_rolling(y, x, NPTS, 1, WIN, STEP, &o, w, pv, NULL, be,
				  hl, CAP, &cnt) != QM_OK ||
		    coint_health_eval(pv, be, hl, cnt, 1, &lim, wk, &h) != QM_OK)
			abort();
		reps++;
		el = now() - t0;
	} while (el < MINSEC);
	printf("bench rolling_health_2520_w252_s5 %.0f ns/op  %zu windows, "
	       "verdict %d, beta z %.2f\n", 1e9 * el / (double)reps, cnt,
	       h.verdict, h.beta_z);
	coint_workspace_free(w);
}

/* Simulates the data once and times each operation. */
int main(void)
{
	static double pair[2 * NPTS], six[6 * NPTS];

	simulate(pair, NPTS, 2, 1, 12345ULL);
	simulate(six, NPTS, 6, 2, 67890ULL);
	bench_eg("eg_2x2520_lag1", pair, pair + NPTS, ADF_LAG_FIXED, 1);
	bench_eg("eg_2x2520_aic27", pair, pair + NPTS, ADF_LAG_AIC,
		 ADF_MAXLAG_DEFAULT);
	bench_adf(pair);
	bench_johansen("johansen_2x2520_p2", pair, 2, 2);
	bench_johansen("johansen_6x2520_p2", six, 6, 2);
	bench_rolling(pair, pair + NPTS);
	return 0;
}
