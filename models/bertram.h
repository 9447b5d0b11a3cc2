/*
 * bertram.h -- entry and exit levels for trading an Ornstein-Uhlenbeck spread,
 * after W.K. Bertram (2010), "Analytic solutions for optimal statistical
 * arbitrage trading", Physica A 389(11):2234-2243.
 *
 * Why it exists: a mean-reverting spread (a cointegrated pair, an ETF against
 * its basket) is traded by buying it at a level a below its mean, selling at a
 * level m above, and waiting for it to come back to a.  Wide levels earn more
 * per trade but trade rarely; narrow levels trade often but the cost c eats
 * the edge.  Bertram frames one trade cycle a -> m -> a as a sum of two
 * first-passage times of the OU process and gets the mean and variance of its
 * length in closed form; from them the return per unit time and its variance,
 * and levels that maximise either the expected return or the Sharpe ratio.
 * The strategy layer (src/) calls these after fitting the OU parameters of a
 * spread (models/ou) and turns the levels into orders.
 *
 * Notation.  Bertram writes the demeaned log-price as dX = -alpha X dt +
 * eta dW.  Here the spread X (a log-price or log-price spread) follows
 *
 *	dX = mu (theta - X) dt + sigma dB,
 *
 * so alpha = mu, eta = sigma, and Bertram's levels are a - theta and
 * m - theta.  The stationary standard deviation is sigma / sqrt(2 mu).
 *
 * Units: theta, a, m and c are in the units of X (log-price, so a level
 * difference is a continuously compounded return); mu is per year, sigma per
 * square root of a year; trade lengths come out in years, returns per year
 * and return variances per year.  Any other time unit works if mu, sigma and
 * the risk-free rate use it consistently.
 */
#ifndef QM_BERTRAM_H
#define QM_BERTRAM_H

#include "ou.h"

/* The OU spread dX = mu (theta - X) dt + sigma dB is described by
 * struct ou_params (ou.h): theta in units of X (log-price), mu per year
 * (Bertram's alpha), sigma in units of X per sqrt(year) (Bertram's eta). */

/* A pair of levels and what the trading rule earns with them. */
struct bertram_levels {
	double a;		/* entry level (buy), units of X, a < theta */
	double m;		/* exit level (sell), units of X, m = 2 theta - a */
	double trade_mean;	/* E[T], expected cycle length, years */
	double trade_var;	/* V[T], variance of the cycle length, years^2 */
	double ret_mean;	/* mu_r = (m - a - c) / E[T], per year */
	double ret_sd;		/* sigma_r = sqrt((m-a-c)^2 V[T] / E[T]^3), per sqrt(year) */
	double sharpe;		/* (mu_r - rf) / sigma_r, per sqrt(year); rf = 0 for
				 * bertram_optimal_return */
};

/*
 * How the risk-free rate enters the Sharpe ratio.  BERTRAM_RF_RATE (the
 * default, 0): rf is a continuously compounded rate per year and
 * S = (mu_r - rf) / sigma_r.  BERTRAM_RF_PER_TRADE: rf is a hurdle return
 * per trade cycle, S = ((m - a - c - rf) / E[T]) / sigma_r; this is the form
 * used by the arbitragelab implementation of Bertram's eq. (15).
 */
enum bertram_rf_mode {
	BERTRAM_RF_RATE = 0,
	BERTRAM_RF_PER_TRADE = 1
};

/*
 * Mean (years) and variance (years^2) of the length T of one trade cycle
 * a -> m -> a, Bertram's eqs. (9) and (10), for any levels a < m (units of
 * X).  var may be NULL.  Returns QM_EOVERFLOW, with the unrepresentable
 * outputs set to +inf, when a level lies so far out (about 37.7 stationary
 * standard deviations for E[T], 26.6 for V[T], shifting a little with mu)
 * that the result exceeds DBL_MAX, or beyond 1000 sd; intermediate
 * quantities never overflow.
 */
int bertram_trade_length(const struct ou_params *p, double a, double m,
			 double *mean, double *var);

/*
 * Expected return per unit time mu_r = (m - a - c) / E[T] (per year) and its
 * variance sigma_r^2 = (m - a - c)^2 V[T] / E[T]^3 (per year), Bertram's
 * eqs. (5) and (6), for levels a < m and round-trip cost c >= 0 (units of X).
 * ret_var may be NULL.  Computed in scaled form, so far-out levels give
 * results that underflow towards 0 rather than overflow.
 */
int bertram_return(const struct ou_params *p, double a, double m, double c,
		   double *ret_mean, double *ret_var);

/*
 * Sharpe ratio of the trading rule (per sqrt(year)) for levels a < m, cost
 * c >= 0 and risk-free rate rf (per year, or per trade: see
 * enum bertram_rf_mode).  Returns QM_EINVAL when m - a - c == 0 (sigma_r = 0).
 */
int bertram_sharpe(const struct ou_params *p, double a, double m, double c,
		   double rf, int rf_mode, double *sharpe);

/*
 * Symmetric levels a = theta - d, m = theta + d that maximise the expected
 * return per unit time for round-trip cost c > 0 (units of X): the root of
 * Bertram's eq. (13), written with Dawson's integral F as
 * u - F(u) = -c sqrt(mu) / (2 sigma), u = (a - theta) sqrt(mu) / sigma,
 * found by a bracketed Brent-Dekker search (the left side is increasing, so
 * the root is unique).  Fills every field of out (sharpe with rf = 0).
 * c = 0 is QM_EINVAL: the supremum is then approached as a, m -> theta,
 * trading infinitely often.
 */
int bertram_optimal_return(const struct ou_params *p, double c,
			   struct bertram_levels *out);

/*
 * Symmetric levels a = theta - d, m = theta + d that maximise the Sharpe ratio
 * for cost c >= 0 (units of X) and risk-free rate rf (see enum
 * bertram_rf_mode), by a scan of d over (c/2, c/2 + 12 stationary sd] and
 * Brent minimisation of -S on the bracket around the best scan point.
 * Returns QM_ENOROOT when no level gives a positive Sharpe ratio, and
 * QM_ENOCONV when the maximum sits on the edge of the scanned range: with
 * rf = 0 in the rate convention S = sqrt(E[T] / V[T]) does not depend on c
 * and is largest as the levels close in on m - a = c (the fields then hold
 * the edge point).  The level is found to ~1e-8 relative.
 */
int bertram_optimal_sharpe(const struct ou_params *p, double c, double rf,
			   int rf_mode, struct bertram_levels *out);

#endif
