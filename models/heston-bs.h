/*
 * heston-bs.h -- private Black-Scholes helpers of the Heston module.
 *
 * Why it exists: heston.c needs the Black formula as its control variate
 * and heston-calib.c needs Black prices, vegas and implied volatilities.
 * models/bs.h is written separately; until the two are merged these small
 * static inline functions keep the Heston files self-contained.  Not a
 * public header: only models/heston*.c include it.
 *
 * Units: forward F and strike K in currency, total variance V = vol^2 T
 * (dimensionless), vol annualised (0.2 = 20%), T in years.  Prices here are
 * undiscounted (multiply by the discount factor).
 */
#ifndef QM_HESTON_BS_H
#define QM_HESTON_BS_H

#include <math.h>

/* ISO C has no M_PI; these keep the header independent of _GNU_SOURCE. */
#define HBS_PI 3.14159265358979323846
#define HBS_SQRT1_2 0.70710678118654752440

/* Standard normal distribution function (erfc keeps tails relative). */
static inline double hbs_ncdf(double x)
{
	return 0.5 * erfc(-x * HBS_SQRT1_2);
}

/* Standard normal density. */
static inline double hbs_npdf(double x)
{
	return 0.39894228040143267794 * exp(-0.5 * x * x);
}

/* Undiscounted Black price, vol s >= 0, maturity T > 0; call if is_call. */
static inline double hbs_price(double F, double K, double s, double T,
			       int is_call)
{
	double sv = s * sqrt(T), d1, d2;

	if (!(sv > 0))
		return is_call ? fmax(F - K, 0) : fmax(K - F, 0);
	d1 = log(F / K) / sv + 0.5 * sv;
	d2 = d1 - sv;
	if (is_call)
		return F * hbs_ncdf(d1) - K * hbs_ncdf(d2);
	return K * hbs_ncdf(-d2) - F * hbs_ncdf(-d1);
}

/* Undiscounted Black vega d price / d vol (per unit vol). */
static inline double hbs_vega(double F, double K, double s, double T)
{
	double sv = s * sqrt(T), d1;

	if (!(sv > 0))
		return 0;
	d1 = log(F / K) / sv + 0.5 * sv;
	return F * hbs_npdf(d1) * sqrt(T);
}

/*
 * Implied vol of an undiscounted price c: Newton steps on the vol with a
 * bisection safeguard on the bracket [0, 20]; guess > 0 seeds Newton.
 * Returns NaN when c is outside the no-arbitrage bounds
 * (intrinsic, F or K) or nothing converged.  Accuracy ~1e-14 in price.
 */
static inline double hbs_implied_vol(double c, double F, double K, double T,
				     int is_call, double guess)
{
	double lo = 0, hi = 20, s, intr, top;
	int it;

	intr = is_call ? fmax(F - K, 0) : fmax(K - F, 0);
	top = is_call ? F : K;
	if (!(c >= intr) || !(c < top) || !(T > 0))
		return NAN;
	if (c == intr)
		return 0;
	s = (guess > 0 && guess < hi) ? guess :
	    sqrt(2.0 * HBS_PI / T) * c / (0.5 * (F + K)) + 0.05;
	for (it = 0; it < 200; it++) {
		double f = hbs_price(F, K, s, T, is_call) - c;
		double v = hbs_vega(F, K, s, T), sn;

		if (f > 0)
			hi = s;
		else
			lo = s;
		if (fabs(f) <= 1e-15 * c || hi - lo < 1e-15 * hi)
			return s;
		sn = (v > 0) ? s - f / v : -1;
		if (!(sn > lo && sn < hi))
			sn = 0.5 * (lo + hi);
		if (fabs(sn - s) < 1e-15 * s)
			return sn;
		s = sn;
	}
	return s;
}

#endif
