/*
 * dax-surface.h -- Sepp's DAX implied-vol surface of 2002-07-05, read from
 * ../shared/market-data (or $QDESK_MARKET_DATA) for the Heston calibration
 * validation test and benchmark, set up as QuantLib's own Heston test does
 * (maturities rounded to weeks, zero rates linear in time).  The data is
 * never copied into the repository; without it dax_load returns 0.
 */
#ifndef QD_TEST_DAX_SURFACE_H
#define QD_TEST_DAX_SURFACE_H

#include <stddef.h>

struct dax {
	size_t n;
	double S, T[128], K[128], r[128], q[128], iv[128];
	int type[128];
};

/* Loads the surface into d; 1 when loaded, 0 when the files are absent. */
int dax_load(struct dax *d);

#endif
