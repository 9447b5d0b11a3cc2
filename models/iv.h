/*
 * iv.h -- implied Black volatility from an option price, after P. Jaeckel,
 * "Let's be rational" (Wilmott, January 2015).
 *
 * Why it exists: every quote that enters qdesk as a price (chains from the
 * feeds, fills, model prices) is compared and stored as an implied
 * volatility; surfaces, smile fits and the vol-arbitrage signals all start
 * here.  The solver reaches the exact inverse to a few ulps in two
 * Householder(3) iterations from a rational initial guess, over the whole
 * domain of prices (down to 1e-300 of the forward).
 *
 * Units: F, S, K and prices in currency units; T in years; r and q
 * continuously compounded per year; the result sigma is annualised
 * (0.2 = 20%).  Status codes from qm-status.h: QM_EINVAL for NaN, infinite,
 * negative or zero F/S/K/T, negative prices, or |ln(F/K)| > 700;
 * QM_EBOUNDS for a price below the intrinsic value or at/above the upper
 * bound (the forward for a call, the strike for a put, both discounted in
 * iv_bs).  On any error *sigma is NaN.  A price equal to the intrinsic value
 * gives sigma = 0.
 */
#ifndef QD_IV_H
#define QD_IV_H

#include "bs.h"		/* enum bs_type: BS_CALL, BS_PUT */

/*
 * Black-76 implied volatility: type BS_CALL or BS_PUT, forward F, strike K,
 * expiry T > 0 (years), undiscounted price (currency units, i.e. the premium
 * divided by the discount factor).
 */
int iv_black76(int type, double F, double K, double T, double price,
	       double *sigma);

/*
 * Black-Scholes-Merton implied volatility from a discounted (spot) premium:
 * spot S, strike K, expiry T > 0, rate r and dividend yield q.  A price
 * within 4 ulps of max(S e^(-qT), K e^(-rT)) of the discounted intrinsic
 * value gives sigma = 0 (its time value is lost in the discounting).
 */
int iv_bs(int type, double S, double K, double T, double r, double q,
	  double price, double *sigma);

/*
 * Normalised form: x = ln(F/K), beta = B/sqrt(F K) (undiscounted price over
 * the geometric mean of forward and strike); returns the total standard
 * deviation s = sigma sqrt(T), dimensionless.
 */
int iv_normalised(int type, double x, double beta, double *s);

#endif
