/*
 * heston-calib.h -- calibration of the Heston model to an option chain.
 *
 * Why it exists: the engine refits Heston parameters whenever the option
 * chain moves (surface panel, mispricing signals, parameter cache).  A fit
 * must be fast (milliseconds), honest about its quality and never return
 * silent garbage: every call reports the fit errors and a status.
 *
 * Method (heston-calib.c): an optional global stage (a screen of the box by
 * NLopt GN_DIRECT_L on a sub-chain's vega-scaled price errors, loose
 * quadrature, then Levenberg-Marquardt on the sub-chain from the best
 * screened points), then a bounded
 * Levenberg-Marquardt with the analytic parameter gradient of the prices
 * (heston_price_gradient, after Cui, del Bano Rollin & Germano 2017).
 *
 * Units: as heston.h -- T in years, rates continuously compounded, prices
 * in currency, implied vols annualised decimals (0.2 = 20%); error
 * statistics in implied vol are given in basis points (1 bp = 0.0001).
 */
#ifndef QM_HESTON_CALIB_H
#define QM_HESTON_CALIB_H

#include <stddef.h>

#include "heston.h"

/* An option chain on one underlying.  Give price or iv (or both; iv wins
 * for the market vol, price for the market price). */
typedef struct {
	size_t n;		/* number of quotes */
	double S;		/* spot, currency, > 0 */
	const double *T;	/* maturities, years, > 0 */
	const double *K;	/* strikes, currency, > 0 */
	const double *r;	/* zero rates to T, continuous */
	const double *q;	/* dividend yields to T, continuous */
	const int *type;	/* HESTON_CALL or HESTON_PUT */
	const double *price;	/* market (mid) prices, currency, or NULL */
	const double *iv;	/* market implied vols, or NULL */
	const double *spread;	/* bid-ask spreads, currency (HESTON_W_SPREAD) */
} heston_chain;

/* What is fitted: prices (currency) or implied vols. */
enum { HESTON_FIT_PRICE = 0, HESTON_FIT_IV = 1 };

/*
 * Weights multiplying each residual (model - market, in the fitted units):
 * uniform 1; vega: Black vega at the market vol over the largest vega
 * (down-weights far wings); spread: 1/spread, with the spread turned into
 * vol units (spread/vega) when fitting vols.
 */
enum { HESTON_W_UNIFORM = 0, HESTON_W_VEGA = 1, HESTON_W_SPREAD = 2 };

/* Calibration settings; heston_calib_defaults() fills sensible values. */
typedef struct {
	int target;		/* HESTON_FIT_PRICE or HESTON_FIT_IV */
	int weighting;		/* HESTON_W_* */
	heston_params lower;	/* box bounds on the parameters */
	heston_params upper;
	double feller_weight;	/* > 0 adds residual w*max(0, sigma^2 - 2 kappa
				 * theta) (units of the fitted quantity) */
	const heston_params *warm;	/* warm start, or NULL */
	double warm_tol_bp;	/* skip the global stage when the warm start's
				 * implied-vol RMSE is below this (bp) */
	int global_evals;	/* NLopt DIRECT-L screening evaluations of the
				 * global stage (0: no global stage) */
	int max_iter;		/* Levenberg-Marquardt iterations */
	double budget_ms;	/* wall-clock budget in ms (0: none) */
	double xtol;		/* relative step tolerance (default 1e-10) */
	double ftol;		/* relative SSE decrease tolerance (1e-8) */
} heston_calib_opts;

/* Outcome of one calibration. */
typedef struct {
	heston_params params;	/* best parameters found */
	double rmse_price;	/* RMS of model - market price, currency */
	double rmse_iv_bp;	/* RMS of model - market implied vol, bp */
	double max_iv_err_bp;	/* largest |model - market| implied vol, bp */
	double sse_iv_pts;	/* sum of squared vol errors in vol points
				 * (100 x decimal), QuantLib's DAX measure */
	double objective;	/* final weighted sum of squared residuals */
	int iterations;		/* Levenberg-Marquardt iterations */
	int evaluations;	/* chain pricings (global + local) */
	int global_used;	/* 1 when the global stage ran */
	double elapsed_ms;	/* wall-clock time */
	int status;		/* same as the return value */
} heston_calib_result;

typedef struct heston_calib_workspace heston_calib_workspace;

/* Fills opts with defaults: fit IV, uniform weights, bounds v0, theta in
 * [1e-4, 4], kappa [1e-3, 20], sigma [1e-3, 5], rho [-0.999, 0.999],
 * no Feller penalty, 24 global screening evaluations, 100 iterations,
 * no budget. */
void heston_calib_defaults(heston_calib_opts *opts);

/* Allocates scratch for chains of up to max_quotes quotes (NULL on
 * failure or max_quotes == 0). */
heston_calib_workspace *heston_calib_alloc(size_t max_quotes);

/* Frees a calibration workspace (NULL is fine). */
void heston_calib_free(heston_calib_workspace *w);

/*
 * Calibrates the Heston parameters to the chain.  Returns (and stores in
 * res->status) QM_OK when converged, QM_EMAXITER when the iteration limit
 * stopped it, QM_ETIMEOUT when the budget did, QM_ENOCONV when no
 * parameter set could be priced; res then holds the best point found and
 * its errors.  QM_EINVAL for bad input (res fields NaN), QM_EBOUNDS when a
 * market price violates the no-arbitrage bounds, QM_ENOMEM when the chain
 * exceeds the workspace.
 */
int heston_calibrate(const heston_chain *chain, const heston_calib_opts *opts,
		     heston_calib_workspace *w, heston_calib_result *res);

#endif
