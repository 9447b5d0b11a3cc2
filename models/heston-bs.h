/*
 * heston-bs.h -- the Black-Scholes pieces the Heston module uses, as thin
 * adapters over models/bs.h and models/iv.h.
 *
 * Why it exists: heston.c needs the normal distribution for its control
 * variate and heston-calib.c needs undiscounted Black prices, vegas and
 * implied volatilities in the argument order it was written with.  The
 * mathematics lives once, in bs.c (erfc-accurate normal, exact limits) and
 * iv.c (Jaeckel's inversion, a few ulps); these inline functions only
 * adapt signatures and turn a failure status into NaN.  Not a public
 * header: only models/heston*.c include it.
 *
 * Units: forward F and strike K in currency, vol annualised (0.2 = 20%),
 * T in years.  Prices here are undiscounted (multiply by the discount
 * factor).
 */
#ifndef QM_HESTON_BS_H
#define QM_HESTON_BS_H

#include <math.h>

#include "bs.h"
#include "iv.h"
#include "qm-status.h"

/* ISO C has no M_PI; this keeps the header independent of _GNU_SOURCE. */
#define HBS_PI 3.14159265358979323846
#define HBS_SQRT1_2 0.70710678118654752440

/* Standard normal distribution function (bs.c's, accurate in the tails). */
static inline double hbs_ncdf(double x)
{
	double p;

	return bs_norm_cdf(x, &p) == QM_OK ? p : NAN;
}

/* Standard normal density. */
static inline double hbs_npdf(double x)
{
	return exp(-0.5 * x * x) / sqrt(2.0 * HBS_PI);
}

/* Undiscounted Black price of a call (is_call) or put with vol s. */
static inline double hbs_price(double F, double K, double s, double T, int is_call)
{
	double p;

	return bs_black76_price(is_call ? BS_CALL : BS_PUT, F, K, T, s, 0.0, &p) == QM_OK ?
	    p : NAN;
}

/* Undiscounted Black vega d price / d vol (per unit vol). */
static inline double hbs_vega(double F, double K, double s, double T)
{
	struct bs_greeks g;

	return bs_black76_greeks(BS_CALL, F, K, T, s, 0.0, &g) == QM_OK ? g.vega : NAN;
}

/* Implied vol of an undiscounted price c (Jaeckel's inversion); NaN when c
 * is outside the no-arbitrage bounds.  The guess is not needed: the
 * inversion converges in two steps from its own rational guess. */
static inline double hbs_implied_vol(double c, double F, double K, double T, int is_call,
    double guess)
{
	double s;

	(void)guess;
	return iv_black76(is_call ? BS_CALL : BS_PUT, F, K, T, c, &s) == QM_OK ? s : NAN;
}

#endif
