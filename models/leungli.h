/*
 * leungli.h -- optimal entry and exit levels for trading an Ornstein-Uhlenbeck
 * spread with transaction costs and an optional stop-loss, after T. Leung and
 * X. Li (2015), "Optimal mean reversion trading with transaction costs and
 * stop-loss exit", International Journal of Theoretical and Applied Finance
 * 18(3), 1550020 (arXiv:1411.5062), and their 2016 book "Optimal Mean
 * Reversion Trading", ch. 2 (Theorem 2.6: exit; 2.10: entry; 2.13: exit with
 * stop-loss, and the entry theorem after it -- numbering as cited by
 * secondary sources; the texts were not available to this author, so the
 * equations were re-derived and checked, see tests/check_leungli.c).
 *
 * Why it exists: the mean-reversion strategy buys a spread X (long one leg,
 * short the other), pays c_hat to enter and c to exit, and discounts at
 * r_hat while waiting to enter and at r while holding.  Leung & Li solve the
 * two nested optimal stopping problems
 *
 *	V(x) = sup_tau E_x[ e^(-r tau) (X_tau - c) ]			(exit)
 *	J(x) = sup_nu  E_x[ e^(-r_hat nu) (V(X_nu) - X_nu - c_hat) ]	(entry)
 *
 * for dX = mu (theta - X) dt + sigma dB (struct ou_params, models/ou.h):
 * exit when X reaches b*, enter when X falls to d*; with a stop-loss L the
 * position is also sold at L (for L - c), the exit level drops to b*_L and
 * entry happens only inside an interval (a*_L, d*_L) above L.  The strategy
 * layer (src/) calls leungli_solve() or leungli_solve_sl() after fitting the
 * OU parameters with ou_mle(), and the console charts V, J on a grid with the
 * *_value() functions.
 *
 * The building blocks are the increasing and decreasing solutions of
 * (sigma^2/2) f'' + mu (theta - x) f' = r f,
 *
 *	F(x) = int_0^inf u^(nu-1) e^( k (x - theta) u - u^2/2) du,
 *	G(x) = int_0^inf u^(nu-1) e^(-k (x - theta) u - u^2/2) du,
 *
 * nu = r / mu, k = sqrt(2 mu) / sigma (F and G are
 * Gamma(nu) e^(z^2/4) D_{-nu}(-+z) with D the parabolic cylinder function and
 * z = k (x - theta) the distance from theta in stationary standard
 * deviations).  They grow like e^(z^2/2), so this module works with ln F and
 * the ratios F'/F, F''/F (derivatives under the integral sign), which never
 * overflow.
 *
 * Units: theta, x, levels and costs are in the units of X; mu, r and r_hat
 * are per unit of time (per year for annualised parameters), sigma is in
 * units of X per sqrt(unit of time); values V, J are in units of X.
 *
 * Accuracy: for r/mu from 1e-4 to 10 (1e-8 to 200 accepted) ln F, F'/F and
 * F''/F agree with GSL adaptive quadrature to 2e-14 (the reference's own
 * limit) for |z| <= 12, and with the closed forms at nu = 1 and z = 0 to the
 * rounding of ln F out to |z| = 60 (|z| up to 1e6 accepted); the ODE holds
 * to 3e-14.  Levels are solved to 1e-12 of sigma/sqrt(2 mu) and agree with
 * the paper's unscaled equations solved on quadrature values to 1e-10.
 * Timing (bench-ou, idle 16-core Xeon): F 3.5 us, b* and d* 0.12 ms, the
 * stop-loss levels 0.2-0.35 ms.
 */
#ifndef QM_LEUNGLI_H
#define QM_LEUNGLI_H

#include "ou.h"

/* The trading problem: the OU spread, discount rates and costs. */
struct leungli_params {
	struct ou_params ou;	/* spread dynamics (units: see ou.h) */
	double r;		/* discount rate while holding, per unit time (> 0) */
	double c;		/* cost paid on exit (sale), units of X (>= 0) */
	double r_hat;		/* discount rate while waiting to enter (> 0) */
	double c_hat;		/* cost paid on entry (purchase), units of X (>= 0) */
};

/* ln f(x), f'(x)/f(x) and f''(x)/f(x) for f = F or G. */
struct leungli_fg {
	double ln;		/* ln f(x), dimensionless */
	double d1;		/* f'(x)/f(x), per unit of X */
	double d2;		/* f''(x)/f(x), per unit of X squared */
};

/* Levels of the problem without stop-loss. */
struct leungli_levels {
	struct leungli_params p;	/* the problem solved */
	double b;		/* optimal exit (liquidation) level b*, units of X */
	double d;		/* optimal entry level d*, units of X */
	double exit_floor;	/* (mu theta + r c)/(mu + r): b* lies above it */
	double ln_fb;		/* ln F(b*) (discount r) */
	double jd;		/* V(d*) - d* - c_hat > 0, units of X */
	double ln_gd;		/* ln G_hat(d*) (discount r_hat) */
};

/* Levels of the problem with a stop-loss L. */
struct leungli_sl_levels {
	struct leungli_params p;	/* the problem solved */
	double L;		/* stop-loss level, units of X */
	double b;		/* optimal take-profit b*_L (= L when sell_now) */
	double a;		/* lower end a*_L of the entry interval (NaN if !entry) */
	double d;		/* upper end d*_L of the entry interval (NaN if !entry) */
	int sell_now;		/* 1: L >= (mu theta + r c)/(mu + r), so any held
				 * position is best sold at once: V_L(x) = x - c */
	int entry;		/* 1: entering is optimal on (a*_L, d*_L); 0: never
				 * enter, J_L = 0 (an answer, not an error) */
	double alpha;		/* V_L(x) = alpha F(x)/F(b) + beta G(x)/G(L) */
	double beta;		/*   on L < x < b*_L, units of X */
	double ln_fb;		/* ln F(b*_L) */
	double ln_gl;		/* ln G(L) */
	double ha;		/* V_L(a*_L) - a*_L - c_hat, units of X */
	double ln_fa;		/* ln F_hat(a*_L) */
	double hd;		/* V_L(d*_L) - d*_L - c_hat, units of X */
	double ln_gd;		/* ln G_hat(d*_L) */
};

/*
 * The integral I_s(z) = int_0^inf u^(s-1) e^(z u - u^2/2) du behind F and G
 * (F(x) = I_nu(z), G(x) = I_nu(-z)), for 0 < s <= 200 and |z| <= 1e6:
 * *ln_i = ln I_s(z), *r1 = I_{s+1}(z)/I_s(z), *r2 = I_{s+2}(z)/I_s(z).
 * The u^(s-1) singularity at 0 is integrated analytically (a Hermite series
 * on [0, a]), the rest by graded Gauss-Legendre panels in a scaled form.
 * Returns QM_EINVAL for a non-finite argument or s out of range and
 * QM_EOVERFLOW for |z| > 1e6 (ln I would carry no correct digits), with the
 * outputs NaN.
 */
int leungli_integral(double s, double z, double *ln_i, double *r1, double *r2);

/* F(x) for discount rate r (per unit time > 0) as ln F, F'/F, F''/F. */
int leungli_f(const struct ou_params *ou, double r, double x,
	      struct leungli_fg *f);

/* G(x) for discount rate r (per unit time > 0) as ln G, G'/G, G''/G. */
int leungli_g(const struct ou_params *ou, double r, double x,
	      struct leungli_fg *g);

/*
 * Optimal exit level b* alone (book Theorem 2.6): the unique root of
 * F(b) - (b - c) F'(b) = 0 on (c, inf), for discount r > 0 and exit cost
 * c >= 0 (units of X).  *ln_fb (may be NULL) receives ln F(b*).
 */
int leungli_exit_level(const struct ou_params *ou, double r, double c,
		       double *b, double *ln_fb);

/*
 * Solves the problem without stop-loss: b* as above and the entry level d*,
 * the root of G_hat(d) (V'(d) - 1) = G_hat'(d) (V(d) - d - c_hat) below the
 * zero of V(x) - x - c_hat (book Theorem 2.10).  Entering is always optimal
 * for x <= d* since V(x) - x - c_hat grows without bound as x falls.
 * Needs r, r_hat > 0, c, c_hat >= 0, c + c_hat > 0 and 1e-8 <= r/mu,
 * r_hat/mu <= 200.  Returns QM_EINVAL (levels NaN) otherwise, QM_ENOROOT if
 * a bracket cannot be found (not expected), and the status of a failed
 * evaluation of F or G.
 */
int leungli_solve(const struct leungli_params *p, struct leungli_levels *lv);

/*
 * Value of the exit problem V(x) = (b* - c) F(x)/F(b*) for x < b*, x - c
 * above, units of X; *dv (may be NULL) receives V'(x).
 */
int leungli_exit_value(const struct leungli_levels *lv, double x, double *v,
		       double *dv);

/*
 * Value of the entry problem J(x) = V(x) - x - c_hat for x <= d*,
 * (V(d*) - d* - c_hat) G_hat(x)/G_hat(d*) above, units of X; *dj may be NULL.
 */
int leungli_entry_value(const struct leungli_levels *lv, double x, double *j,
			double *dj);

/*
 * Solves the problem with stop-loss level L (units of X, book Theorem 2.13):
 * take-profit b*_L from the smooth-fit condition of
 * V_L = C F + D G through (L, L - c) and (b, b - c), found in
 * ((mu theta + r c)/(mu + r), b*) so the spurious root b = L is never
 * returned; then the entry interval (a*_L, d*_L) from the smooth-fit
 * conditions with F_hat at a and G_hat at d, around the maximum of
 * V_L(x) - x - c_hat, or entry = 0 when that maximum is <= 0 (entering is
 * never optimal).  Same parameter requirements as leungli_solve().
 */
int leungli_solve_sl(const struct leungli_params *p, double L,
		     struct leungli_sl_levels *lv);

/*
 * V_L(x): x - c for x <= L or x >= b*_L, alpha F(x)/F(b) + beta G(x)/G(L)
 * between; units of X.  *dv (may be NULL) receives V_L'(x) (one-sided at L
 * and b*_L).
 */
int leungli_exit_value_sl(const struct leungli_sl_levels *lv, double x,
			  double *v, double *dv);

/*
 * J_L(x): 0 when entry is never optimal; otherwise
 * (V_L(a*) - a* - c_hat) F_hat(x)/F_hat(a*) for x < a*_L, V_L(x) - x - c_hat
 * on [a*_L, d*_L], (V_L(d*) - d* - c_hat) G_hat(x)/G_hat(d*) above; units
 * of X.  *dj (may be NULL) receives J_L'(x).
 */
int leungli_entry_value_sl(const struct leungli_sl_levels *lv, double x,
			   double *j, double *dj);

#endif
