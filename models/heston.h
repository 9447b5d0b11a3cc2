/*
 * heston.h -- Heston (1993) stochastic-volatility model: characteristic
 * function, European prices, Greeks and parameter gradients.
 *
 * Why it exists: the surface panel, the mispricing signals and the
 * calibrator (heston-calib.h) all need Heston prices for whole option
 * chains, fast and to near machine accuracy.  One call prices every option
 * of a chain; options of the same maturity share their characteristic-
 * function evaluations.
 *
 * Model (risk neutral), S spot, v instantaneous variance:
 *   dS = (r - q) S dt + sqrt(v) S dW1,
 *   dv = kappa (theta - v) dt + sigma sqrt(v) dW2,   d<W1,W2> = rho dt.
 *
 * Units everywhere: times in years, rates and dividend yields continuously
 * compounded per year, variances (v0, theta) in 1/year (0.04 = 20% vol),
 * kappa in 1/year, sigma (vol of variance) in 1/sqrt(year), prices in the
 * currency of S and K.
 *
 * Method and accuracy: see heston.c (Lewis 2000 single integral with a
 * Black-Scholes control variate, the "little Heston trap" form of
 * Albrecher et al. 2007 rewritten without divisions by sigma, trapezoidal
 * rule whose aliasing error is bounded a priori by Chernoff bounds).
 * Absolute price error <= 1e-10 for S = 100 over the tested range
 * (T from 1 day to 30 years, sigma 1e-9..3, |rho| <= 0.999, kappa from
 * 0.01, tiny v0, strikes 20%..300%), measured <= 1.4e-11 against
 * QuantLib; prices never go below the no-arbitrage floor.
 */
#ifndef QM_HESTON_H
#define QM_HESTON_H

#include <stddef.h>
#include <complex.h>

/* Model parameters; see the units above. */
typedef struct {
	double v0;	/* initial variance, >= 0, 1/year */
	double kappa;	/* mean-reversion speed, >= 0, 1/year */
	double theta;	/* long-run variance, >= 0, 1/year */
	double sigma;	/* volatility of variance, >= 0, 1/sqrt(year) */
	double rho;	/* correlation of the two Brownian motions, [-1, 1] */
} heston_params;

/* Option types used in the type arrays. */
enum { HESTON_PUT = 0, HESTON_CALL = 1 };

/* Number of model parameters, in the order v0, kappa, theta, sigma, rho. */
#define HESTON_NPARAMS 5

/*
 * Greeks of one option.  Sensitivities are per unit of the input:
 *   delta  dV/dS;  gamma  d2V/dS2 (per currency unit squared);
 *   vega_v0  dV/dv0 (per unit of variance);
 *   vega_theta  dV/dtheta (per unit of variance);
 *   vega_level  dV/de for the parallel volatility shift
 *     v0 -> (sqrt(v0) + e)^2, theta -> (sqrt(theta) + e)^2, i.e.
 *     2 sqrt(v0) dV/dv0 + 2 sqrt(theta) dV/dtheta, per unit of volatility
 *     (1.0 = 100 vol points); with sigma -> 0 and v0 = theta it equals the
 *     Black-Scholes vega;
 *   theta  dV/dt, calendar time passing with S fixed (= -dV/dT), per year.
 */
typedef struct {
	double price;
	double delta;
	double gamma;
	double vega_v0;
	double vega_theta;
	double vega_level;
	double theta;
} heston_greeks;

typedef struct heston_workspace heston_workspace;

/*
 * Default quadrature capacity (nodes per maturity).  Usual parameters use
 * 15-90 nodes; corners such as sigma = 3 with |rho| = 0.999 and kappa 0.01
 * over 30 years use ~1.2e5.  Corners combining kappa ~ 0.01 with
 * |rho| ~ 0.999 and v0 ~ 1e-4, or with sigma = 3 at 30 years, need from
 * 1.5e5 to over 1e6: give them a larger workspace or get QM_ENOMEM.
 * Memory is ~250 bytes per node, touched only as used.
 */
#define HESTON_DEFAULT_NODES (1 << 17)

/*
 * Allocates a workspace able to hold max_nodes quadrature nodes per
 * maturity (HESTON_DEFAULT_NODES is a good choice); NULL on failure or
 * max_nodes < 16.  Functions needing more nodes return QM_ENOMEM.
 */
heston_workspace *heston_workspace_alloc(size_t max_nodes);

/* Frees a workspace (NULL is fine). */
void heston_workspace_free(heston_workspace *w);

/*
 * Sets the accuracy target of the quadrature, relative to the forward
 * (default 1e-13, allowed 1e-15..1e-3): aliasing and truncation errors are
 * each bounded by it.  Looser targets use fewer nodes (the calibrator's
 * local stage uses 1e-11, its global stage 1e-4).  QM_EINVAL otherwise.
 */
int heston_workspace_set_tolerance(heston_workspace *w, double tol);

/* Number of quadrature nodes used for the last maturity priced. */
size_t heston_workspace_nodes(const heston_workspace *w);

/*
 * Characteristic function of X = ln(S_T / F_T) (F_T the forward) at a
 * complex argument u: *phi = E[exp(i u X)], maturity T > 0 years.
 * Valid wherever the moment E[exp(-Im(u) X)] is finite.
 */
int heston_cf(const heston_params *p, double T, double complex u,
	      double complex *phi);

/*
 * Prices n European options on one underlying: spot S, and per option i
 * maturity T[i] > 0 (years), strike K[i] > 0, zero rate r[i] and dividend
 * yield q[i] to T[i], type[i] HESTON_CALL or HESTON_PUT.  Options with equal
 * T share characteristic-function evaluations.  Returns QM_OK, QM_EINVAL
 * (bad input), QM_ENOMEM (a maturity needs more quadrature nodes than the
 * workspace holds) or QM_EOVERFLOW (a strike so far from the forward that
 * rounding would leave fewer than 8 correct digits, which only happens
 * when moments explode just above E S_T); on error every price is NaN.
 */
int heston_price_surface(const heston_params *p, double S, size_t n,
			 const double *T, const double *K, const double *r,
			 const double *q, const int *type, double *price,
			 heston_workspace *w);

/* Prices one European option (same arguments as heston_price_surface). */
int heston_price(const heston_params *p, double S, double T, double K,
		 double r, double q, int type, double *price,
		 heston_workspace *w);

/* Price and Greeks (see heston_greeks) of n options, arguments as in
 * heston_price_surface; on error every field is NaN. */
int heston_greeks_surface(const heston_params *p, double S, size_t n,
			  const double *T, const double *K, const double *r,
			  const double *q, const int *type, heston_greeks *out,
			  heston_workspace *w);

/*
 * Prices and gradients with respect to the parameters (v0, kappa, theta,
 * sigma, rho) of n options: grad[i * HESTON_NPARAMS + k] = dprice_i/dp_k,
 * obtained by integrating the analytic derivative of the characteristic
 * function (Cui, del Bano Rollin & Germano 2017) with the price quadrature.
 */
int heston_price_gradient(const heston_params *p, double S, size_t n,
			  const double *T, const double *K, const double *r,
			  const double *q, const int *type, double *price,
			  double *grad, heston_workspace *w);

/* Checks parameter validity: QM_OK or QM_EINVAL (NaN, inf, v0, kappa,
 * theta or sigma negative, |rho| > 1). */
int heston_params_check(const heston_params *p);

#endif
