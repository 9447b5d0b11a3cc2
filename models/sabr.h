/*
 * sabr.h -- SABR implied volatilities: Hagan et al. (2002), Obloj (2008).
 *
 * Why it exists: the SABR model (dF = s F^beta dW1, ds = nu s dW2,
 * dW1 dW2 = rho dt, s(0) = alpha) is the desk's smile interpolator: a
 * maturity slice of implied vols is summarised by four numbers, and the
 * asymptotic formulas below turn them back into a Black (lognormal) or
 * Bachelier (normal) implied vol at any strike in tens of nanoseconds.  The
 * calibrator (sabr-calib.h) fits (alpha, rho, nu) for a fixed beta with
 * the analytic parameter derivatives exported here.
 *
 * Papers and equations:
 *   P. Hagan, D. Kumar, A. Lesniewski, D. Woodward, "Managing smile risk",
 *   Wilmott Magazine (Sept. 2002) 84-108: eq. (2.17a-c) lognormal vol,
 *   (2.18) its at-the-money limit, (B.67a,b) normal vol.
 *   J. Obloj, "Fine-tune your smile: correction to Hagan et al.", Wilmott
 *   Magazine (May 2008), arXiv:0708.0998: the corrected leading term
 *   nu log(F/K) / x(z) with z = nu (F^(1-beta) - K^(1-beta)) / (alpha (1-beta)).
 *   G. West, "Calibration of the SABR model in illiquid markets", Applied
 *   Mathematical Finance 12 (2005): alpha from the ATM vol as the smallest
 *   positive root of the cubic (2.18).
 *
 * Units: F and K in price units (both > 0), T in years, vols annualised
 * decimals (0.2 = 20%) for the Black vol and price units per sqrt(year) for
 * the normal vol; alpha in (price units)^(1-beta) per sqrt(year), beta,
 * rho dimensionless, nu per sqrt(year).
 *
 * Accuracy reached (of the implementation, not of the asymptotics): Black
 * vols within 3e-15 relative of long double evaluations of the papers'
 * expressions and within 1.5e-14 of QuantLib 1.29's sabrVolatility (whose
 * log(F/K) loses eps/|log(F/K)| near the money); z/x(z) uses a degree-4
 * series for |z| < 1e-3 (truncation below 1e-16), so the vol is smooth
 * through K = F; analytic partials match central differences to 1e-7.
 */
#ifndef QM_SABR_H
#define QM_SABR_H

#include <stddef.h>

/* SABR parameters; see the header comment for units and domains. */
typedef struct sabr_params {
	double alpha;   /* initial vol, > 0, (price units)^(1-beta) / sqrt(year) */
	double beta;    /* CEV exponent, in [0, 1] */
	double rho;     /* correlation, in (-1, 1) */
	double nu;      /* vol of vol, >= 0, per sqrt(year) */
} sabr_params;

/* Which Black-vol expansion to use. */
enum sabr_formula {
	SABR_HAGAN = 0,  /* Hagan et al. (2002) eq. (2.17) */
	SABR_OBLOJ = 1   /* Obloj (2008) leading term times Hagan's first-order factor */
};

/*
 * Strike geometry that depends on (F, K, beta, formula) only.  Fill it once
 * with sabr_strike_init() and evaluate many (alpha, rho, nu) quickly: this is
 * what the calibrator does.  Fields are read-only for callers.
 */
typedef struct sabr_strike {
	double beta;    /* CEV exponent the geometry was built for */
	double omb2;    /* (1 - beta)^2 */
	double inv_q;   /* (F K)^(-(1-beta)/2), (price units)^(beta-1) */
	double inv_d;   /* 1 / denominator of the leading term */
	double zf;      /* z = (nu / alpha) zf */
} sabr_strike;

/* Checks a parameter set: QM_OK or QM_EINVAL (NaN, inf or out of domain). */
int sabr_params_check(const sabr_params *p);

/*
 * Black implied vol by Hagan et al. (2002) eq. (2.17), (2.18) at K = F.
 * F, K > 0 price units, T >= 0 years; *vol annualised.  QM_EINVAL on bad
 * input, QM_EBOUNDS when the expansion itself gives a vol <= 0 (extreme
 * parameters), QM_EOVERFLOW if not representable; *vol is NaN on error.
 */
int sabr_vol_hagan(const sabr_params *p, double F, double K, double T, double *vol);

/*
 * Black implied vol with Obloj's (2008) corrected leading term, consistent
 * as beta -> 1 and at nu = 0; same units and statuses as sabr_vol_hagan.
 */
int sabr_vol_obloj(const sabr_params *p, double F, double K, double T, double *vol);

/* Black implied vol by the chosen formula; same units and statuses as above. */
int sabr_vol(enum sabr_formula f, const sabr_params *p, double F, double K, double T,
	     double *vol);

/*
 * Black implied vol and its analytic partial derivatives
 * dvol[0] = d vol / d alpha, dvol[1] = d vol / d rho, dvol[2] = d vol / d nu
 * (beta held fixed).  Units as above; outputs NaN on error.
 */
int sabr_vol_jac(enum sabr_formula f, const sabr_params *p, double F, double K, double T,
		 double *vol, double dvol[3]);

/*
 * Normal (Bachelier) implied vol by Hagan et al. (2002) eq. (B.67a,b),
 * including its beta = 0 and beta = 1 limits.  F, K > 0 price units,
 * T >= 0 years; *vol in price units per sqrt(year).  Statuses as
 * sabr_vol_hagan.
 */
int sabr_vol_normal(const sabr_params *p, double F, double K, double T, double *vol);

/*
 * Normal implied vol from (B.67) with the strike ratio expanded to
 * O(log^4(F/K)) and zeta = (nu/alpha) (FK)^((1-beta)/2) log(F/K): the
 * variant QuantLib 1.29 (sabrVolatility(..., Normal)) implements.  It
 * agrees with sabr_vol_normal at K = F and differs by O(log^2(F/K)) terms
 * of the asymptotic error elsewhere.  Units and statuses as sabr_vol_normal.
 */
int sabr_vol_normal_expanded(const sabr_params *p, double F, double K, double T,
			     double *vol);

/*
 * alpha that reproduces the at-the-money Black vol atm_vol (annualised) by
 * Hagan's eq. (2.18): the smallest positive root of West's (2005) cubic,
 * found by safeguarded Newton on the cubic's monotone pieces.  F > 0, T >= 0
 * years, beta in [0,1], rho in (-1,1), nu >= 0.  QM_EINVAL on bad input,
 * QM_ENOROOT when the cubic has no positive root; *alpha NaN on error.
 */
int sabr_alpha_from_atm(double F, double T, double atm_vol, double beta, double rho,
			double nu, double *alpha);

/*
 * Same as sabr_alpha_from_atm, also returning d alpha / d rho and
 * d alpha / d nu (dalpha[0], dalpha[1]) by implicit differentiation of the
 * cubic; used by the calibrator's 2-parameter fit.  dalpha may be NULL.
 */
int sabr_alpha_from_atm_jac(double F, double T, double atm_vol, double beta, double rho,
			    double nu, double *alpha, double dalpha[2]);

/*
 * Precomputes the strike geometry for (F, K, beta) and the chosen formula.
 * F, K > 0 price units.  QM_EINVAL on bad input.
 */
int sabr_strike_init(sabr_strike *s, enum sabr_formula f, double F, double K, double beta);

/*
 * Black implied vol at a precomputed strike for (alpha, rho, nu) and T >= 0
 * years; p->beta must equal the strike's beta.  dvol (NULL or 3 doubles)
 * receives the partials as in sabr_vol_jac.  Statuses as sabr_vol_hagan.
 */
int sabr_strike_vol(const sabr_strike *s, const sabr_params *p, double T, double *vol,
		    double dvol[3]);

/*
 * sabr_strike_vol over n precomputed strikes of one smile: vol[i] and, if
 * dvol != NULL, dvol[3 i .. 3 i + 2].  Every strike is evaluated; returns
 * QM_OK or the first failing strike's status (its outputs are NaN).
 */
int sabr_strike_vol_n(const sabr_strike *s, size_t n, const sabr_params *p, double T,
		      double *vol, double *dvol);

#endif
