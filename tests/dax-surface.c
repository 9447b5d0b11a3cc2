/*
 * dax-surface.c -- loading the DAX validation surface (see dax-surface.h),
 * shared by tests/check_heston_calib.c and tests/bench/bench-heston.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heston.h"
#include "dax-surface.h"

/* Opens a market-data file under QDESK_MARKET_DATA or ../shared. */
static FILE *dax_open(const char *name)
{
	static const char *dirs[] = { "../shared/market-data",
				      "../../shared/market-data" };
	char path[1024];
	const char *env = getenv("QDESK_MARKET_DATA");
	FILE *f = NULL;
	size_t i;

	if (env) {
		snprintf(path, sizeof(path), "%s/%s", env, name);
		if ((f = fopen(path, "r")) != NULL)
			return f;
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && f == NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		f = fopen(path, "r");
	}
	return f;
}

/* Reads the zero curve (days, rate) pairs; returns their count. */
static int dax_read_curve(double *days, double *rate, int max)
{
	FILE *f = dax_open("options/dax_sepp_2002-07-05_zero_curve.csv");
	char line[256];
	int n = 0;

	if (f == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) == NULL)
		n = 0;
	while (n < max && fgets(line, sizeof(line), f) &&
	       sscanf(line, "%*[^,],%lf,%lf", &days[n], &rate[n]) == 2)
		n++;
	fclose(f);
	return n;
}

/* Zero rate at t days by linear interpolation (QuantLib's ZeroCurve). */
static double dax_curve_at(const double *days, const double *rate, int n,
		       double t)
{
	int j = 1;

	while (j < n - 1 && days[j] < t)
		j++;
	return rate[j - 1] + (t - days[j - 1]) / (days[j] - days[j - 1]) *
	       (rate[j] - rate[j - 1]);
}

/* Loads the DAX surface with maturities rounded to weeks; 0 if absent. */
int dax_load(struct dax *d)
{
	FILE *f = dax_open("options/dax_sepp_2002-07-05_ivol.csv");
	double days[32], rate[32];
	char line[512];
	int nc = dax_read_curve(days, rate, 32);

	d->n = 0;
	if (f == NULL || nc < 2) {
		if (f)
			fclose(f);
		return 0;
	}
	if (fgets(line, sizeof(line), f) == NULL)
		nc = 0;
	while (d->n < 128 && fgets(line, sizeof(line), f)) {
		double S, dd, wk, K, iv, z, q, t;
		size_t i = d->n;

		if (sscanf(line, "%*[^,],%*[^,],%lf,%lf,%lf,%lf,%lf,%lf,%lf",
			   &S, &dd, &wk, &K, &iv, &z, &q) != 7)
			continue;
		t = 7.0 * wk;
		d->S = S;
		d->T[i] = t / 365.0;
		d->K[i] = K;
		d->iv[i] = iv;
		d->q[i] = q;
		d->r[i] = dax_curve_at(days, rate, nc, t);
		d->type[i] = K >= S * exp((d->r[i] - q) * d->T[i]);
		d->n++;
	}
	fclose(f);
	return d->n > 0;
}

