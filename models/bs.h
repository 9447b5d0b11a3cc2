/*
 * bs.h -- Black-Scholes-Merton and Black-76 prices and Greeks of European
 * options, and the normalised Black function used by the implied-volatility
 * solver (models/iv.h).
 *
 * Why it exists: every option quote, Greek and volatility surface in qdesk
 * starts from these formulas.  The price is computed from Jaeckel's
 * normalised Black function b(x, s) ("Let's be rational", Wilmott 2015),
 * which keeps its relative precision in the wings where the textbook
 * difference S N(d1) - K N(d2) cancels (see bs.c for the accuracy reached).
 *
 * Units: S, F, K and prices in currency units; T in years; sigma annualised
 * (0.2 = 20%); r and q continuously compounded per year.  All functions
 * return a status from qm-status.h; on any error the outputs are NaN:
 * QM_EINVAL for NaN, infinite, negative (or zero S, F, K) arguments, an
 * option type other than BS_CALL/BS_PUT, or |ln(F/K)| > 1400; QM_EOVERFLOW
 * when the forward or the price is not representable.
 */
#ifndef QD_BS_H
#define QD_BS_H

/* Option type; the values are Jaeckel's theta: +1 for a call, -1 for a put. */
enum bs_type {
	BS_PUT = -1,
	BS_CALL = 1
};

/*
 * Price and sensitivities of one European option.  Derivatives are with
 * respect to the spot S for bs_greeks() and to the forward F for
 * bs_black76_greeks().
 */
struct bs_greeks {
	double price;	/* option value, currency units */
	double delta;	/* dV/dS or dV/dF, dimensionless */
	double gamma;	/* d2V/dS2 or d2V/dF2, per currency unit */
	double vega;	/* dV/dsigma per unit of vol (1.0 = 100 vol points) */
	double theta;	/* dV/dt per year of calendar time (= -dV/dT); decay < 0 */
	double rho;	/* dV/dr per unit of rate (1.0 = 100%) */
	double rho_q;	/* dV/dq per unit of dividend yield; 0 for Black-76 */
	double vanna;	/* d2V/dS dsigma (or d2V/dF dsigma), per unit of vol */
	double volga;	/* d2V/dsigma2 (vomma), per unit of vol squared */
};

/*
 * Normalised Black call for x <= 0 (out of the money) with what the
 * implied-volatility iteration needs.  b = B/sqrt(F K) with x = ln(F/K) and
 * s = sigma sqrt(T).
 */
struct bs_nblack {
	double b;	/* e^(x/2) N(x/s + s/2) - e^(-x/2) N(x/s - s/2) */
	double vega;	/* db/ds = exp(-(x^2/s^2 + s^2/4)/2) / sqrt(2 pi) */
	double ratio;	/* b / vega, finite where both underflow (s > 0) */
	double lnb;	/* ln b, finite where b underflows (with BS_NB_LOG) */
	double gap;	/* e^(x/2) - b, free of cancellation (with BS_NB_GAP) */
};

/* Flags for bs_nblack(): which optional fields to compute. */
enum {
	BS_NB_LOG = 1,
	BS_NB_GAP = 2
};

/*
 * Black-Scholes-Merton price of a European option on a spot S with
 * continuous dividend yield q.  T = 0 gives the intrinsic value max(+-(S-K),0);
 * sigma = 0 gives the discounted intrinsic value of the forward.
 */
int bs_price(int type, double S, double K, double T, double sigma, double r,
	     double q, double *price);

/*
 * Black-Scholes-Merton price and all Greeks.  At T = 0 or sigma = 0 the
 * Greeks are the one-sided limits (see bs.c); theta is -infinity and gamma
 * +infinity only where the limit truly diverges (at the money).
 */
int bs_greeks(int type, double S, double K, double T, double sigma, double r,
	      double q, struct bs_greeks *g);

/*
 * Black-76 price of an option on a forward or future F, discounted at the
 * continuously compounded rate r (discount factor exp(-r T)).
 */
int bs_black76_price(int type, double F, double K, double T, double sigma,
		     double r, double *price);

/*
 * Black-76 price and Greeks; delta, gamma and vanna are with respect to F,
 * theta is -dV/dT at fixed F and r, rho = dV/dr = -T V, rho_q = 0.
 */
int bs_black76_greeks(int type, double F, double K, double T, double sigma,
		      double r, struct bs_greeks *g);

/*
 * Normalised Black function b(x, s) = B / sqrt(F K) of Jaeckel (2015) for a
 * call (BS_CALL) or put (BS_PUT); x = ln(F/K), s = sigma sqrt(T) >= 0,
 * both dimensionless; relative accuracy a few ulps (see bs.c), also for
 * prices down to 1e-300.
 */
int bs_normalised_black(int type, double x, double s, double *b);

/*
 * The out-of-the-money call kernel b(x, s) for x <= 0, s >= 0, with vega,
 * b/vega and, as asked by flags, ln b and e^(x/2) - b.  |x| <= 1400.
 */
int bs_nblack(double x, double s, unsigned flags, struct bs_nblack *nb);

/* Standard normal distribution function N(z), relative accuracy ~2 ulps. */
int bs_norm_cdf(double z, double *p);

/*
 * Y(z) = N(z)/n(z), the Mills-ratio form of erfcx (Y(z) = sqrt(pi/2)
 * erfcx(-z/sqrt(2))), for z <= 1; ~1 ulp, no underflow for z -> -infinity.
 */
int bs_mills(double z, double *y);

#endif
