/*
 * heston.c -- Heston (1993) European prices, Greeks and parameter gradients
 * through one Fourier integral per maturity.
 *
 * Why it exists: see heston.h.  This file is the numerical core; the
 * calibrator in heston-calib.c calls heston_price_gradient() in its loop.
 *
 * Mathematics
 * -----------
 * Characteristic function.  X = ln(S_T/F_T), w complex, phi(w) = E e^{iwX}
 * = exp(C + v0 D) (Heston 1993, eq. 17; Albrecher, Mayer, Schoutens &
 * Tistaert 2007, "The little Heston trap", second formulation, eq. 2.4).
 * With A = w^2 + iw, beta = kappa - i rho sigma w, d = sqrt(beta^2 +
 * sigma^2 A) (principal root), P = beta + d, y = dT, E1(y) = (1-e^-y)/y:
 *     D = -A T E1 / (P T E1 + 2 e^-y),
 *     z = -sigma^2 A T E1 / (2P) = g2 (1 - e^-y) / (1 - g2),
 *     C = -kappa theta A T (1 - E1(y) log1p(z)/z) / P.
 * These are the trap formulas rewritten so that nothing is divided by
 * sigma: (beta - d)/sigma^2 = -A/P and g2/sigma^2 = -A/P^2, so sigma -> 0
 * (down to exactly 0) is the deterministic-variance limit with no
 * cancellation; P is computed as sigma^2 A/(d - beta) when Re beta < 0 so
 * that it never cancels either.  log(1+z) is the principal branch: it is
 * continuous along the contours used here (Albrecher et al., Prop. 3.1
 * and Lord & Kahl 2010).  The parameter derivatives of log phi are the
 * chain rule through the same quantities (the analytic-gradient idea of
 * Cui, del Bano Rollin & Germano 2017, eqs. 22-30, applied to this stable
 * form); d log phi/dT follows from the Riccati equations
 * dD/dT = -A/2 - beta D + sigma^2 D^2/2, dC/dT = kappa theta D.
 *
 * Price.  Lewis (2000, eq. 2.10; also Andersen & Piterbarg 2010, sec.
 * 9.3.4) with a Black-Scholes control variate of total variance V =
 * E int_0^T v dt = theta T + (v0 - theta)(1 - e^{-kappa T})/kappa, written
 * on a contour w = u - i alpha:
 *     C = C_BS(V) - e^{-rT} K/pi int_0^inf Re[e^{-iwk} g(w)] du,
 *     g(w) = (phi(w) - e^{-V A(w)/2}) / A(w),   k = ln(K/F).
 * With alpha = 1/2 this is Lewis' formula (K e^{-iwk} = sqrt(FK) e^{iux}).
 * The control variate cancels the poles of 1/A at w = 0 and w = -i, so g
 * is analytic in the whole moment strip and alpha may be moved inside it
 * (Cauchy) with no residue terms.  The same correction applies to puts
 * (parity holds for both models), so puts and calls use their own
 * Black-Scholes term and no large numbers are ever subtracted.
 *
 * Quadrature.  Trapezoidal rule u_j = j h.  By Poisson summation its
 * error at strike k is exactly sum_{n != 0} F e^{(alpha-1)nL} D(k + nL),
 * L = 2 pi/h, D the normalised price difference of the two models.
 * Chernoff bounds with both models' moments M(p) = E (S_T/F)^p give
 * D(k) <= M(p) e^{-(p-1)k} (p > 1, k > 0) and M(q) e^{(1-q)k} (q < 0,
 * k < 0); finiteness of M is checked with the moment-explosion time of
 * Andersen & Piterbarg (2007, prop. 3.1).  Strikes where these bounds are
 * below tol need no integral (their price is the control variate's to
 * tol F); for the others alpha balances the two aliasing terms and L is
 * the smallest value keeping both below tol (choose_contour()).  The sum
 * is truncated once the envelope |phi| + |phi_BS| has decayed below tol
 * with a geometric tail estimate.  Each strike costs one sin/cos pair and
 * a Horner evaluation of sum c_j z^j, z = e^{-ihk}.  Nodes per maturity:
 * 15-90 for usual parameters; 10^4..10^5 for corners such as sigma = 3
 * with |rho| = 0.999, or kappa = 0.01 with tiny v0 (see heston.h).
 *
 * Accuracy reached (tests/check_heston.c, default tol 1e-13): Lewis'
 * published reference values to 5e-13; QuantLib 1.29 AnalyticHestonEngine
 * (Gauss-Lobatto 1e-14) to 1.4e-11 over 160 options from 1 day to 30
 * years (sigma 1e-9..3, |rho| 0.999, kappa 0.01, Feller violated, tiny
 * v0, strikes 20..300 at S = 100) and 20 corner options; an adaptive GSL
 * oracle to 1e-10 on the hard cases.  Where QuantLib and the oracle fail
 * (1-day deep out-of-the-money options) the result is the exact forward
 * intrinsic value.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "heston.h"
#include "heston-bs.h"
#include "qm-status.h"

/* Coefficient arrays kept per node (which ones are filled depends on the
 * request: price only, Greeks, or parameter gradient). */
enum {
	ARR_G,		/* g(w): price */
	ARR_DEL,	/* i w g = (alpha + iu) g: delta */
	ARR_GAM,	/* phi_H - phi_BS = A g: gamma */
	ARR_V0,		/* d phi/d v0 / A(w) */
	ARR_KA,		/* d phi/d kappa / A(w) */
	ARR_TH,		/* d phi/d theta / A(w) */
	ARR_SI,		/* d phi/d sigma / A(w) */
	ARR_RH,		/* d phi/d rho / A(w) */
	ARR_T,		/* d phi/d T / A(w) */
	NARR
};

enum { MODE_PRICE = 0, MODE_GREEKS = 1, MODE_GRAD = 2 };

struct heston_workspace {
	size_t cap;		/* nodes per array */
	size_t nodes;		/* nodes used for the last maturity */
	double tol;		/* accuracy target relative to the forward */
	double *seen;		/* maturities already priced in this call */
	double complex *pack;	/* node-major copy of the multi-mode arrays */
	double complex *arr[NARR];
};

/* Quadrature grid of one maturity. */
struct grid {
	double h;		/* step in u */
	double alpha;		/* contour Im w = -alpha */
	size_t n;		/* nodes used (0: no strike needs the integral) */
	double klo, khi;	/* strikes k = ln(K/F) outside need no integral */
	double cabs;		/* sum of |c_j| of the price array */
};

/* Control variances below this are deterministic to double precision
 * (standard deviation 1e-100): no integral is attempted. */
#define V_MIN 1e-200

/* Largest rounding error accepted, relative to the forward, before a
 * result is refused with QM_EOVERFLOW (see opt_finish). */
#define NOISE_MAX 1e-8

/* Intermediate quantities of one characteristic-function evaluation. */
struct cf_base {
	double complex A, beta, d, P, y, e, E1, z, L, H, D, Cth, phi;
	double complex iP, iDn;	/* 1/P and 1/(P T E1 + 2 e^-y) */
};

/* Pieces shared by the three derivative directions of one node. */
struct cf_deriv {
	double complex e1p, lzp, id, idmb;	/* E1', L', 1/d, 1/(d - beta) */
};

/* ---------------------------------------------------------------------
 * Small complex helpers.  Division is written out so that no libgcc
 * __divdc3 call sits in the hot loop; magnitudes here stay far below the
 * 1e150 where the textbook formula could overflow.
 */

/* Returns a / b. */
static inline double complex cdiv(double complex a, double complex b)
{
	double br = creal(b), bi = cimag(b);
	double s = 1.0 / (br * br + bi * bi);

	return CMPLX((creal(a) * br + cimag(a) * bi) * s,
		     (cimag(a) * br - creal(a) * bi) * s);
}

/* Returns a * b without the NaN-recovery branch of C99 Annex G. */
static inline double complex cmul(double complex a, double complex b)
{
	return CMPLX(creal(a) * creal(b) - cimag(a) * cimag(b),
		     creal(a) * cimag(b) + cimag(a) * creal(b));
}

/* Returns the 1-norm |Re| + |Im|, a cheap bound used to pick series. */
static inline double cnorm1(double complex a)
{
	return fabs(creal(a)) + fabs(cimag(a));
}

/* 1/(k+1)! for k = 0..17: Taylor coefficients of E1'. */
static const double inv_fact1[18] = {
	1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040,
	1.0 / 40320, 1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800,
	1.0 / 479001600, 1.0 / 6227020800.0, 1.0 / 87178291200.0,
	1.0 / 1307674368000.0, 1.0 / 20922789888000.0,
	1.0 / 355687428096000.0, 1.0 / 6402373705728000.0
};

/* Returns e^a - 1 for complex a without cancellation near 0
 * (cos y - 1 = -2 sin^2(y/2), sin y = 2 sin(y/2) cos(y/2)). */
static inline double complex cexpm1(double complex a)
{
	double em = expm1(creal(a)), t = 0.5 * cimag(a);
	double sh = sin(t), ch = cos(t), c1 = -2.0 * sh * sh;

	return CMPLX(em * (1.0 + c1) + c1, (1.0 + em) * 2.0 * sh * ch);
}

/* Returns e^a (plain formula: no special-value handling needed here). */
static inline double complex cexp_fast(double complex a)
{
	double m = exp(creal(a));

	return CMPLX(m * cos(cimag(a)), m * sin(cimag(a)));
}

/* Returns the principal square root (Re >= 0); |a| stays far below the
 * 1e150 where squaring could overflow. */
static inline double complex csqrt_fast(double complex a)
{
	double x = creal(a), y = cimag(a), r = sqrt(x * x + y * y), t;

	if (r == 0)
		return 0;
	if (x >= 0) {
		t = sqrt(0.5 * (r + x));
		return CMPLX(t, 0.5 * y / t);
	}
	t = sqrt(0.5 * (r - x));
	return CMPLX(0.5 * fabs(y) / t, copysign(t, y));
}

/* Returns E1(y) = (1 - e^{-y})/y given em = e^{-y} - 1 (1 at y = 0). */
static inline double complex e1(double complex y, double complex em)
{
	if (y == 0)
		return 1.0;
	return cdiv(-em, y);
}

/* Returns E1'(y) = (e^{-y} - E1(y))/y, by its Taylor series near 0. */
static double complex e1p(double complex y, double complex ey,
			  double complex E1)
{
	double complex s = 0;
	int m;

	/* the formula loses ~eps/|y| relative: series below 0.05 only */
	if (cnorm1(y) >= 0.05)
		return cdiv(ey - E1, y);
	/* sum_m (m+1)(-1)^(m+1) y^m/(m+2)!, m = 0..9: error < 0.05^10/12! */
	for (m = 9; m >= 0; m--)
		s = ((m % 2) ? 1.0 : -1.0) * (m + 1) * inv_fact1[m + 1] +
		    cmul(y, s);
	return s;
}

/* Returns log1p(z), accurate for small |z| (real part via real log1p). */
static inline double complex clog1p(double complex z)
{
	double a = creal(z), b = cimag(z);

	return CMPLX(0.5 * log1p(a * (2.0 + a) + b * b), atan2(b, 1.0 + a));
}

/* Returns L(z) = log1p(z)/z (1 at z = 0). */
static double complex lz(double complex z)
{
	double complex s = 0;
	int k;

	/* clog1p is accurate for small z, so only z ~ 0 needs the series */
	if (cnorm1(z) >= 1e-4)
		return cdiv(clog1p(z), z);
	/* sum_k (-z)^k/(k+1), 5 terms: error < 1e-20 */
	for (k = 4; k >= 0; k--)
		s = 1.0 / (k + 1) - cmul(z, s);
	return s;
}

/* Returns L'(z) given L = L(z). */
static double complex lzp(double complex z, double complex L)
{
	double complex s = 0;
	int k;

	/* the formula loses ~eps/|z| relative: series below 0.02 only */
	if (cnorm1(z) >= 0.02)
		return cdiv(cdiv(1.0, 1.0 + z) - L, z);
	/* sum_k (-1)^k k z^(k-1)/(k+1), k = 1..12: error < 0.02^12 */
	for (k = 12; k >= 1; k--)
		s = ((k % 2) ? -1.0 : 1.0) * k / (k + 1) + cmul(z, s);
	return s;
}

/* ---------------------------------------------------------------------
 * Characteristic function and its derivatives.
 */

/* Evaluates the stable Albrecher et al. form at w; fills b. */
static void cf_eval(const heston_params *p, double T, double complex w,
		    struct cf_base *b)
{
	double s2 = p->sigma * p->sigma;
	double complex s2A, em, TE1;

	b->A = cmul(w, w) + CMPLX(-cimag(w), creal(w));
	b->beta = p->kappa - cmul(CMPLX(0, p->rho * p->sigma), w);
	s2A = s2 * b->A;
	b->d = csqrt_fast(cmul(b->beta, b->beta) + s2A);
	if (creal(b->beta) >= 0)
		b->P = b->beta + b->d;
	else
		b->P = cdiv(s2A, b->d - b->beta);
	b->iP = (b->P != 0) ? cdiv(1.0, b->P) : 0;
	b->y = b->d * T;
	em = cexpm1(-b->y);
	b->e = 1.0 + em;
	b->E1 = e1(b->y, em);
	TE1 = T * b->E1;
	b->iDn = cdiv(1.0, cmul(b->P, TE1) + 2.0 * b->e);
	b->D = -cmul(cmul(b->A, TE1), b->iDn);
	b->z = -0.5 * cmul(cmul(s2A, TE1), b->iP);
	b->L = lz(b->z);
	b->H = 1.0 - cmul(b->E1, b->L);
	if (p->kappa == 0 || b->A == 0)
		b->Cth = 0;
	else
		b->Cth = -p->kappa * T * cmul(cmul(b->A, b->H), b->iP);
	b->phi = cexp_fast(p->theta * b->Cth + p->v0 * b->D);
}

/* Computes the direction-independent derivative pieces of node b. */
static void cf_prep(const struct cf_base *b, struct cf_deriv *q)
{
	q->e1p = e1p(b->y, b->e, b->E1);
	q->lzp = lzp(b->z, b->L);
	q->id = (b->d != 0) ? cdiv(1.0, b->d) : 0;
	q->idmb = (creal(b->beta) < 0) ? cdiv(1.0, b->d - b->beta) : 0;
}

/*
 * Returns d log phi along one parameter direction: dbeta = d beta,
 * ds = d sigma, dk = d kappa (the explicit kappa of C); v0 and theta
 * directions are D and Cth and are not handled here.
 */
static double complex cf_dir(const heston_params *p, double T,
			     const struct cf_base *b, const struct cf_deriv *q,
			     double complex dbeta, double ds, double dk)
{
	double s = p->sigma, s2 = s * s;
	double complex dd, dP, dE1, de, dDn, dD, dz, dL, dH, dC;

	if (b->A == 0)
		return 0;	/* phi = 1 for every parameter set */
	dd = (b->d != 0) ? cmul(cmul(b->beta, dbeta) + s * ds * b->A, q->id)
			 : dbeta;
	if (creal(b->beta) >= 0)
		dP = dbeta + dd;
	else
		dP = cmul(2.0 * s * ds * b->A - cmul(b->P, dd - dbeta),
			  q->idmb);
	dE1 = T * cmul(q->e1p, dd);
	de = -T * cmul(b->e, dd);
	dDn = T * (cmul(dP, b->E1) + cmul(b->P, dE1)) + 2.0 * de;
	dD = cmul(-T * cmul(b->A, dE1) - cmul(b->D, dDn), b->iDn);
	dz = -0.5 * T * cmul(cmul(b->A, 2.0 * s * ds * b->E1 + s2 * dE1 -
			     s2 * cmul(cmul(b->E1, dP), b->iP)), b->iP);
	dL = cmul(q->lzp, dz);
	dH = -(cmul(dE1, b->L) + cmul(b->E1, dL));
	dC = -p->theta * T * cmul(cmul(b->A, dk * b->H + p->kappa *
		  (dH - cmul(cmul(b->H, dP), b->iP))), b->iP);
	if (p->kappa == 0 && dk == 0)
		dC = 0;
	return dC + p->v0 * dD;
}

/* Returns d log phi / dT from the Riccati equations. */
static double complex cf_dT(const heston_params *p, const struct cf_base *b)
{
	double complex D = b->D;

	return p->kappa * p->theta * D + p->v0 * (0.5 * p->sigma * p->sigma *
		cmul(D, D) - cmul(b->beta, D) - 0.5 * b->A);
}

/* Checks parameter validity. */
int heston_params_check(const heston_params *p)
{
	if (p == NULL || !isfinite(p->v0) || !isfinite(p->kappa) ||
	    !isfinite(p->theta) || !isfinite(p->sigma) || !isfinite(p->rho))
		return QM_EINVAL;
	if (p->v0 < 0 || p->kappa < 0 || p->theta < 0 || p->sigma < 0 ||
	    fabs(p->rho) > 1)
		return QM_EINVAL;
	return QM_OK;
}

/* Characteristic function of ln(S_T/F_T) at complex u. */
int heston_cf(const heston_params *p, double T, double complex u,
	      double complex *phi)
{
	struct cf_base b;

	if (phi == NULL)
		return QM_EINVAL;
	*phi = CMPLX(NAN, NAN);
	if (heston_params_check(p) != QM_OK || !(T > 0) || !isfinite(T) ||
	    !isfinite(creal(u)) || !isfinite(cimag(u)))
		return QM_EINVAL;
	cf_eval(p, T, u, &b);
	if (!isfinite(creal(b.phi)) || !isfinite(cimag(b.phi)))
		return QM_EOVERFLOW;
	*phi = b.phi;
	return QM_OK;
}

/* ---------------------------------------------------------------------
 * Black-Scholes pieces (private: the control variate and its Greeks).
 */

/* Black-Scholes values of one option with total variance V (frozen). */
struct bs_val {
	double price, dF, d1;	/* dF: d undiscounted price / dF */
};

/* Undiscounted Black price on the forward, total variance V >= 0,
 * x = ln(F/K). */
static struct bs_val black(double F, double K, double x, double V,
			   int type)
{
	struct bs_val o;
	double sv = sqrt(V);

	if (V <= 0) {
		o.d1 = (F > K) ? INFINITY : -INFINITY;
		o.price = (type == HESTON_CALL) ? fmax(F - K, 0) : fmax(K - F, 0);
		o.dF = (type == HESTON_CALL) ? (F > K) : -(F < K);
		return o;
	}
	o.d1 = x / sv + 0.5 * sv;
	if (type == HESTON_CALL) {
		o.price = F * hbs_ncdf(o.d1) - K * hbs_ncdf(o.d1 - sv);
		o.dF = hbs_ncdf(o.d1);
	} else {
		o.price = K * hbs_ncdf(sv - o.d1) - F * hbs_ncdf(-o.d1);
		o.dF = -hbs_ncdf(-o.d1);
	}
	return o;
}

/* Expected integrated variance E int_0^T v dt (the control's variance). */
static double cv_variance(const heston_params *p, double T)
{
	double y = p->kappa * T;
	double e1r = (y < 1e-8) ? 1.0 - 0.5 * y : -expm1(-y) / y;

	return p->theta * T + (p->v0 - p->theta) * T * e1r;
}

/* ---------------------------------------------------------------------
 * A priori widths of the price-difference function G (aliasing bound).
 */

/* Returns 1 when E (S_T/F)^pw is finite (explosion time beyond T). */
static int moment_finite(const heston_params *hp, double T, double pw)
{
	double s = hp->sigma, beta, d2, tstar;

	if (s == 0)
		return 1;
	beta = hp->kappa - hp->rho * s * pw;
	d2 = beta * beta - s * s * pw * (pw - 1.0);
	if (d2 >= 0) {
		double d = sqrt(d2);

		if (beta >= 0)
			return 1;
		tstar = (d > 0) ? log((beta - d) / (beta + d)) / d : -2.0 / beta;
	} else {
		double del = sqrt(-d2);

		tstar = 2.0 * (HBS_PI - atan2(del, beta)) / del;
	}
	return isnan(tstar) || tstar > T * (1.0 + 1e-6);
}

/* Candidate moments per side: p with a = ln(max(M_H, M_BS, 1)/tol). */
#define NCAND 48

struct tails {
	int n[2];		/* [0]: p >= 1 (high strikes), [1]: p <= 0 */
	double p[2][NCAND], a[2][NCAND];
};

/*
 * Collects moment candidates on one side (side 0: p = 1/2 + t >= 1,
 * side 1: p = 1/2 - t <= 0) with a = ln(M(p)/tol), M the larger of the
 * two models' E (S_T/F)^p.  t is scanned down from twice the Gaussian
 * optimum by factors sqrt(2) and stops two steps after the one-sided
 * width a/t stops improving; p = 1 (or 0), where M = 1, is always there.
 */
static void tail_scan(const heston_params *hp, double T, double V,
		      double lneps, int side, struct tails *tl)
{
	double bf = INFINITY, t = fmin(2.0 * sqrt(2.0 * lneps / V), 1e100);
	int m = 0, extra = 2;

	tl->p[side][m] = side ? 0.0 : 1.0;
	tl->a[side][m++] = lneps;
	for (; t > 0.5 + 1e-9 && m < NCAND && extra > 0; t *= HBS_SQRT1_2) {
		double pw = side ? 0.5 - t : 0.5 + t, mh, mb, a;
		struct cf_base b;

		if (!moment_finite(hp, T, pw))
			continue;
		cf_eval(hp, T, CMPLX(0, -pw), &b);
		mh = cabs(b.phi);
		mb = exp(0.5 * V * pw * (pw - 1.0));
		if (!isfinite(mh) || !isfinite(mb))
			continue;
		a = log(fmax(fmax(mh, mb), 1.0)) + lneps;
		tl->p[side][m] = pw;
		tl->a[side][m++] = a;
		if (a / t >= bf)
			extra--;
		bf = fmin(bf, a / t);
	}
	tl->n[side] = m;
}

/*
 * Sets the strike window outside which the two models' prices differ by
 * less than tol F: with D(k) the normalised price difference at
 * k = ln(K/F), D(k) <= M(p) e^{-(p-1)k} for p > 1 and k > 0,
 * D(k) <= M(p) e^{(1-p)k} for p < 0 and k < 0 (Chernoff).
 */
static void skip_window(const struct tails *tl, struct grid *gr)
{
	int i;

	gr->khi = INFINITY;
	gr->klo = -INFINITY;
	for (i = 0; i < tl->n[0]; i++)
		if (tl->p[0][i] > 1)
			gr->khi = fmin(gr->khi, tl->a[0][i] / (tl->p[0][i] - 1));
	for (i = 0; i < tl->n[1]; i++)
		if (tl->p[1][i] < 0)
			gr->klo = fmax(gr->klo, -tl->a[1][i] / (1 - tl->p[1][i]));
}

/* Contour limits: near alpha = 0 or 1 the node at u = 0 divides two small
 * numbers, so alpha stays in [0.1, 0.9]. */
#define ALPHA_LO 0.1
#define ALPHA_HI 0.9

/*
 * Chooses the contour Im w = -alpha and the period L = 2 pi/h for strikes
 * k in [kmin, kmax].  The trapezoidal error at strike k is the sum of
 * F e^{(alpha-1)nL} D(k + nL) over n != 0; with the bounds above the
 * n = +1 and n = -1 terms stay below tol F when
 *   L >= A1/(p - alpha), A1 = a_p - (p-1) kmin   (p >= 1),
 *   L >= A2/(alpha - q), A2 = a_q + (1-q) kmax   (q <= 0).
 * For each candidate pair alpha balances the two, L = (A1 + A2)/(p - q);
 * the pair with the smallest L wins.
 */
static void choose_contour(const struct tails *tl, double kmin, double kmax,
			   struct grid *gr)
{
	double best = INFINITY, al_best = 0.5;
	int i, j;

	for (i = 0; i < tl->n[0]; i++)
		for (j = 0; j < tl->n[1]; j++) {
			double p = tl->p[0][i], q = tl->p[1][j];
			double A1 = fmax(tl->a[0][i] - (p - 1) * kmin, 1e-3);
			double A2 = fmax(tl->a[1][j] + (1 - q) * kmax, 1e-3);
			double al = (A2 * p + A1 * q) / (A1 + A2), L;

			al = fmin(fmax(al, ALPHA_LO), ALPHA_HI);
			L = fmax(A1 / (p - al), A2 / (al - q));
			if (L < best) {
				best = L;
				al_best = al;
			}
		}
	gr->alpha = al_best;
	gr->h = 2.0 * HBS_PI / best;
}

/* ---------------------------------------------------------------------
 * Nodes of one maturity.
 */

/* Fills node j (w = u - i alpha) of the arrays requested by mode. */
static void node_fill(const heston_params *p, double T, double complex pbs,
		      double u, double alpha, int mode,
		      double complex *const *arr, size_t j, double *env)
{
	struct cf_base b;
	double complex w = CMPLX(u, -alpha), A, iA, dphi, g, ph, pa;
	double aA;

	cf_eval(p, T, w, &b);
	A = b.A;
	iA = cdiv(1.0, A);
	aA = sqrt(creal(A) * creal(A) + cimag(A) * cimag(A));
	ph = b.phi;
	dphi = ph - pbs;
	g = cmul(dphi, iA);
	pa = cmul(ph, iA);
	arr[ARR_G][j] = g;
	*env = sqrt(creal(ph) * creal(ph) + cimag(ph) * cimag(ph)) +
	       sqrt(creal(pbs) * creal(pbs) + cimag(pbs) * cimag(pbs));
	if (mode == MODE_GREEKS) {
		arr[ARR_DEL][j] = cmul(CMPLX(alpha, u), g);	/* i w g */
		arr[ARR_GAM][j] = dphi;
		arr[ARR_V0][j] = cmul(b.D, pa);
		arr[ARR_TH][j] = cmul(b.Cth, pa);
		arr[ARR_T][j] = cmul(cf_dT(p, &b), pa);
		*env *= 1.0 + u;
	} else if (mode == MODE_GRAD) {
		struct cf_deriv q;

		cf_prep(&b, &q);
		arr[ARR_V0][j] = cmul(b.D, pa);
		arr[ARR_TH][j] = cmul(b.Cth, pa);
		arr[ARR_KA][j] = cmul(cf_dir(p, T, &b, &q, 1.0, 0, 1.0), pa);
		arr[ARR_SI][j] = cmul(cf_dir(p, T, &b, &q,
				 cmul(CMPLX(0, -p->rho), w), 1.0, 0), pa);
		arr[ARR_RH][j] = cmul(cf_dir(p, T, &b, &q,
				 cmul(CMPLX(0, -p->sigma), w), 0, 0), pa);
		*env *= (1.0 + u) / aA;	/* d log phi grows like u */
	} else {
		*env /= aA;
	}
}

/* Halves node 0 of every filled array (trapezoidal end weight). */
static void halve_first(double complex *const *arr, int mode)
{
	static const int used[3][NARR] = {
		{ 1 },
		{ 1, 1, 1, 1, 0, 1, 0, 0, 1 },
		{ 1, 0, 0, 1, 1, 1, 1, 1, 0 },
	};
	int k;

	for (k = 0; k < NARR; k++)
		if (used[mode][k])
			arr[k][0] *= 0.5;
}

/*
 * Marches u_j = j h until the envelope and its geometric tail estimate
 * are below tol; sets gr->n.  QM_ENOMEM when the capacity is too small.
 */
static int build_nodes(const heston_params *p, double T, double V, int mode,
		       heston_workspace *w, struct grid *gr)
{
	double env, prev = INFINITY, tol = w->tol, al = gr->alpha;
	/* phi_BS(w) = exp(-V A/2), A = u^2 + al(1 - al) + i u (1 - 2 al): the
	 * phase is geometric in j, so it is stepped (and reset every 256) */
	double c = -0.5 * V * gr->h * (1.0 - 2.0 * al);
	double complex ph = 1, step = CMPLX(cos(c), sin(c));
	size_t j;

	for (j = 0; j < w->cap; j++) {
		double u = j * gr->h;
		double m = exp(-0.5 * V * (u * u + al * (1.0 - al)));

		if (j > 0 && (j & 255) == 0)
			ph = CMPLX(cos(c * j), sin(c * j));
		node_fill(p, T, m * ph, u, al, mode, w->arr, j, &env);
		ph = cmul(ph, step);
		if (!isfinite(env))
			return QM_EOVERFLOW;
		if (j >= 2 && env < tol) {
			double rr = env / prev;

			if (rr < 1.0 && gr->h * env / (1.0 - rr) < tol)
				break;
		}
		prev = env;
	}
	if (j == w->cap)
		return QM_ENOMEM;
	gr->n = j + 1;
	halve_first(w->arr, mode);
	return QM_OK;
}

/* ---------------------------------------------------------------------
 * Per-strike sums.
 */

/* Returns Re sum_j c_j z^j by four interleaved Horner chains. */
static double horner_re(const double complex *c, size_t n, double complex z)
{
	double complex z2 = cmul(z, z), z4 = cmul(z2, z2);
	double zr = creal(z4), zi = cimag(z4);
	double ar[4] = { 0, 0, 0, 0 }, ai[4] = { 0, 0, 0, 0 };
	size_t m = n / 4, j;
	int k;
	double complex s;

	for (j = m; j-- > 0;) {
		const double complex *cc = c + 4 * j;

		for (k = 0; k < 4; k++) {
			double tr = ar[k] * zr - ai[k] * zi + creal(cc[k]);
			double ti = ar[k] * zi + ai[k] * zr + cimag(cc[k]);

			ar[k] = tr;
			ai[k] = ti;
		}
	}
	/* combine the chains: Q0 + z (Q1 + z (Q2 + z Q3)) */
	s = CMPLX(ar[3], ai[3]);
	s = cmul(s, z) + CMPLX(ar[2], ai[2]);
	s = cmul(s, z) + CMPLX(ar[1], ai[1]);
	s = cmul(s, z) + CMPLX(ar[0], ai[0]);
	/* leftover high-order terms c_{4m..n-1}, times z^{4m} */
	if (n > 4 * m) {
		double complex t = 0;

		for (j = n; j-- > 4 * m;)
			t = cmul(t, z) + c[j];
		for (j = 0; j < m; j++)
			t = cmul(t, z4);
		s += t;
	}
	return creal(s);
}

/* Number of arrays summed per strike in the Greeks and gradient modes. */
#define NMULTI 6

/*
 * Sets out[k] = Re sum_j c_k[j] z^j, z = e^{i theta}, k < NMULTI, from the
 * node-major packed coefficients pk[j * NMULTI + k], in one pass over the
 * powers of z; the powers are recomputed exactly every 256 nodes so that
 * rounding cannot build up over long grids.
 */
static void dots_re(const double complex *pk, size_t n, double theta,
		    double *out)
{
	double complex z = CMPLX(cos(theta), sin(theta)), zp = 1;
	double acc[NMULTI] = { 0 };
	size_t j;
	int k;

	for (j = 0; j < n; j++) {
		const double *c = (const double *)(pk + j * NMULTI);
		double zr, zi;

		if (j > 0 && (j & 255) == 0)
			zp = CMPLX(cos(j * theta), sin(j * theta));
		zr = creal(zp);
		zi = cimag(zp);
		for (k = 0; k < NMULTI; k++)
			acc[k] += c[2 * k] * zr - c[2 * k + 1] * zi;
		zp = cmul(zp, z);
	}
	for (k = 0; k < NMULTI; k++)
		out[k] = acc[k];
}

/* Per-option inputs after validation. */
struct opt {
	double S, T, K, r, q, F, DF, x;
	int type;
};

/* Validates option i and returns its log-moneyness x = ln(F/K) in *x
 * without forming F (the first pass over a maturity needs only x). */
static int opt_check(double lnS, size_t i, const double *T, const double *K,
		     const double *r, const double *q, const int *type,
		     double *x)
{
	double lnF;

	if (!(T[i] > 0) || !isfinite(T[i]) || !(K[i] > 0) || !isfinite(K[i]) ||
	    !isfinite(r[i]) || !isfinite(q[i]) ||
	    (type[i] != HESTON_CALL && type[i] != HESTON_PUT))
		return QM_EINVAL;
	lnF = lnS + (r[i] - q[i]) * T[i];
	/* forward and discount factor must be finite, positive doubles */
	if (!(fabs(lnF) < 700) || !(fabs(r[i] * T[i]) < 700))
		return QM_EINVAL;
	*x = lnF - log(K[i]);
	return QM_OK;
}

/* Fills o for option i (already checked by opt_check). */
static void opt_load(struct opt *o, double S, size_t i, const double *T,
		     const double *K, const double *r, const double *q,
		     const int *type)
{
	o->S = S;
	o->T = T[i];
	o->K = K[i];
	o->r = r[i];
	o->q = q[i];
	o->type = type[i];
	o->DF = exp(-o->r * o->T);
	o->F = S * exp((o->r - o->q) * o->T);
	o->x = log(o->F / o->K);
}

/* Output sink of one evaluation: exactly one of the pointers is used. */
struct sink {
	int mode;
	double *price;
	heston_greeks *greeks;
	double *grad;
};

/* Arrays summed per strike in each mode (the first is always ARR_G). */
static const int mode_arrays[3][NMULTI] = {
	{ ARR_G },
	{ ARR_G, ARR_DEL, ARR_GAM, ARR_V0, ARR_TH, ARR_T },
	{ ARR_G, ARR_V0, ARR_KA, ARR_TH, ARR_SI, ARR_RH },
};

/* Writes the Greeks of option i from its sums sm (indexed by ARR_*). */
static void greeks_finish(const struct opt *o, const heston_params *p,
			  double V, double pref, const struct bs_val *b,
			  const double *sm, double price, heston_greeks *G)
{
	double sv = sqrt(V), dTbs;

	G->price = price;
	G->delta = o->DF * o->F / o->S * b->dF - pref / o->S * sm[ARR_DEL];
	G->gamma = (V > 0 ? o->DF * o->F / (o->S * o->S) *
		    hbs_npdf(b->d1) / sv : 0) + pref / (o->S * o->S) * sm[ARR_GAM];
	G->vega_v0 = -pref * sm[ARR_V0];
	G->vega_theta = -pref * sm[ARR_TH];
	G->vega_level = 2.0 * sqrt(p->v0) * G->vega_v0 +
			2.0 * sqrt(p->theta) * G->vega_theta;
	/* d/dT of DF Black(F(T)) with the control's variance frozen, and of
	 * the correction DF K e^{-iwk} through DF, k(T) and phi */
	dTbs = -o->r * o->DF * b->price + o->DF * b->dF * o->F * (o->r - o->q);
	G->theta = -(dTbs - pref * (-o->r * sm[ARR_G] +
		     (o->r - o->q) * sm[ARR_DEL] + sm[ARR_T]));
}

/* Writes the results of option i given its integrals (or none). */
static int opt_finish(const struct opt *o, const heston_params *p, double V,
		      const struct grid *gr, const heston_workspace *w,
		      int integrate, const struct sink *out, size_t i)
{
	struct bs_val b = black(o->F, o->K, o->x, V, o->type);
	/* DF K e^{-alpha k} h/pi with k = ln(K/F) = -x */
	double pref = o->DF * o->F * exp(-(1.0 - gr->alpha) * o->x) / HBS_PI *
		      gr->h;
	double sm[NARR] = { 0 }, s[NARR], price;
	const int *ix = mode_arrays[out->mode];
	int k;

	if (integrate && out->mode == MODE_PRICE) {
		sm[ARR_G] = horner_re(w->arr[ARR_G], gr->n,
				     CMPLX(cos(gr->h * o->x), sin(gr->h * o->x)));
	} else if (integrate) {
		dots_re(w->pack, gr->n, gr->h * o->x, s);
		for (k = 0; k < NMULTI; k++)
			sm[ix[k]] = s[k];
	}
	/* e^{(1-alpha)k} amplifies the sum's rounding for strikes far above
	 * the forward; when moments explode just above p = 1 that can leave
	 * no digits at all, and a refusal beats a wrong number */
	if (integrate && pref * 1e-15 * gr->cabs > NOISE_MAX * o->DF * o->F)
		return QM_EOVERFLOW;
	price = o->DF * b.price - pref * sm[ARR_G];
	/* no-arbitrage bounds: remove rounding noise of ~0 prices */
	price = fmax(price, o->DF * fmax((o->type == HESTON_CALL) ?
		     o->F - o->K : o->K - o->F, 0.0));
	price = fmin(price, o->DF * (o->type == HESTON_CALL ? o->F : o->K));
	if (out->mode == MODE_GREEKS) {
		greeks_finish(o, p, V, pref, &b, sm, price, &out->greeks[i]);
		return QM_OK;
	}
	out->price[i] = price;
	if (out->mode == MODE_GRAD)
		for (k = 1; k < NMULTI; k++)	/* ix[1..5]: v0 .. rho */
			out->grad[i * HESTON_NPARAMS + k - 1] = -pref * sm[ix[k]];
	return QM_OK;
}

/* Sets the outputs of n options to NaN. */
static void sink_nan(const struct sink *out, size_t n)
{
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		if (out->mode == MODE_GREEKS) {
			heston_greeks *G = &out->greeks[i];

			G->price = G->delta = G->gamma = G->vega_v0 = NAN;
			G->vega_theta = G->vega_level = G->theta = NAN;
			continue;
		}
		out->price[i] = NAN;
		if (out->mode == MODE_GRAD)
			for (k = 0; k < HESTON_NPARAMS; k++)
				out->grad[i * HESTON_NPARAMS + k] = NAN;
	}
}

/* Surface inputs passed between the drivers. */
struct surf {
	const heston_params *p;
	double S;
	size_t n;
	const double *T, *K, *r, *q;
	const int *type;
};

/* Returns sum_j |c_j| (scale of the rounding error of the node sums). */
static double abs_sum(const double complex *c, size_t n)
{
	double s = 0;
	size_t j;

	for (j = 0; j < n; j++)
		s += fabs(creal(c[j])) + fabs(cimag(c[j]));
	return s;
}

/* Copies the NMULTI arrays listed in ix into node-major order. */
static void pack_nodes(heston_workspace *w, size_t n, const int *ix)
{
	size_t j;
	int k;

	for (j = 0; j < n; j++)
		for (k = 0; k < NMULTI; k++)
			w->pack[j * NMULTI + k] = w->arr[ix[k]][j];
}

/* Prices every option whose maturity equals s->T[i0]. */
static int do_maturity(const struct surf *s, size_t i0, heston_workspace *w,
		       const struct sink *out)
{
	double T = s->T[i0], V = cv_variance(s->p, T);
	double lneps = -log(w->tol), kmin = INFINITY, kmax = -INFINITY;
	struct grid gr = { 0, 0.5, 0, 0, 0, 0 };
	struct tails tl;
	struct opt o;
	size_t i;
	int st, integ;

	if (!(T > 0) || !isfinite(T))	/* NaN would never match itself */
		return QM_EINVAL;
	if (V > V_MIN) {
		tail_scan(s->p, T, V, lneps, 0, &tl);
		tail_scan(s->p, T, V, lneps, 1, &tl);
		skip_window(&tl, &gr);
	}
	for (i = i0; i < s->n; i++) {
		double x;

		if (s->T[i] != T)
			continue;
		if ((st = opt_check(log(s->S), i, s->T, s->K, s->r, s->q,
				    s->type, &x)) != QM_OK)
			return st;
		if (V > V_MIN && -x >= gr.klo && -x <= gr.khi) {
			kmin = fmin(kmin, -x);
			kmax = fmax(kmax, -x);
		}
	}
	if (kmin <= kmax) {
		choose_contour(&tl, kmin, kmax, &gr);
		if ((st = build_nodes(s->p, T, V, out->mode, w, &gr)) != QM_OK)
			return st;
		gr.cabs = abs_sum(w->arr[ARR_G], gr.n);
		if (out->mode != MODE_PRICE)
			pack_nodes(w, gr.n, mode_arrays[out->mode]);
	}
	w->nodes = gr.n;
	for (i = i0; i < s->n; i++) {
		if (s->T[i] != T)
			continue;
		opt_load(&o, s->S, i, s->T, s->K, s->r, s->q, s->type);
		integ = V > V_MIN && -o.x >= gr.klo && -o.x <= gr.khi &&
			gr.n > 0;
		if ((st = opt_finish(&o, s->p, V, &gr, w, integ, out, i)) !=
		    QM_OK)
			return st;
	}
	return QM_OK;
}

/* Returns 1 when maturity T[i] was already priced (an earlier option). */
static int seen_before(const struct surf *s, size_t i, const double *seen,
		       size_t ng, size_t cap)
{
	size_t j;

	if (ng <= cap) {
		for (j = 0; j < ng; j++)
			if (seen[j] == s->T[i])
				return 1;
		return 0;
	}
	for (j = 0; j < i; j++)	/* more maturities than the list holds */
		if (s->T[j] == s->T[i])
			return 1;
	return 0;
}

/*
 * Drives a whole surface: groups options by maturity (first occurrence
 * order) and prices each group with shared nodes.  Maturities already done
 * are remembered in the workspace, so nothing is allocated here.
 */
static int run_surface(const struct surf *s, heston_workspace *w,
		       const struct sink *out)
{
	size_t i, ng = 0;
	int st = QM_OK;

	if (s->n == 0)
		return QM_OK;
	if (w == NULL || s->T == NULL || s->K == NULL || s->r == NULL ||
	    s->q == NULL || s->type == NULL ||
	    heston_params_check(s->p) != QM_OK || !(s->S > 0) ||
	    !isfinite(s->S)) {
		sink_nan(out, s->n);
		return QM_EINVAL;
	}
	for (i = 0; i < s->n && st == QM_OK; i++) {
		if (seen_before(s, i, w->seen, ng, w->cap))
			continue;
		st = do_maturity(s, i, w, out);
		if (ng < w->cap)
			w->seen[ng] = s->T[i];
		ng++;
	}
	if (st != QM_OK)
		sink_nan(out, s->n);
	return st;
}

/* ---------------------------------------------------------------------
 * Public entry points.
 */

/* Allocates a workspace of max_nodes nodes per maturity. */
heston_workspace *heston_workspace_alloc(size_t max_nodes)
{
	heston_workspace *w;
	int k;

	if (max_nodes < 16 || max_nodes > ((size_t)1 << 24))
		return NULL;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->cap = max_nodes;
	w->tol = 1e-13;
	w->seen = malloc(max_nodes * sizeof(double));
	w->pack = malloc(max_nodes * NMULTI * sizeof(double complex));
	if (w->seen == NULL || w->pack == NULL) {
		free(w->seen);
		free(w->pack);
		free(w);
		return NULL;
	}
	for (k = 0; k < NARR; k++) {
		w->arr[k] = malloc(max_nodes * sizeof(double complex));
		if (w->arr[k] == NULL) {
			heston_workspace_free(w);
			return NULL;
		}
	}
	return w;
}

/* Frees a workspace. */
void heston_workspace_free(heston_workspace *w)
{
	int k;

	if (w == NULL)
		return;
	for (k = 0; k < NARR; k++)
		free(w->arr[k]);
	free(w->seen);
	free(w->pack);
	free(w);
}

/* Sets the quadrature's relative accuracy target. */
int heston_workspace_set_tolerance(heston_workspace *w, double tol)
{
	if (w == NULL || !(tol >= 1e-15 && tol <= 1e-3))
		return QM_EINVAL;
	w->tol = tol;
	return QM_OK;
}

/* Number of nodes used for the last maturity. */
size_t heston_workspace_nodes(const heston_workspace *w)
{
	return w ? w->nodes : 0;
}

/* Prices a surface of European options. */
int heston_price_surface(const heston_params *p, double S, size_t n,
			 const double *T, const double *K, const double *r,
			 const double *q, const int *type, double *price,
			 heston_workspace *w)
{
	struct surf s = { p, S, n, T, K, r, q, type };
	struct sink out = { MODE_PRICE, price, NULL, NULL };

	if (price == NULL)
		return QM_EINVAL;
	return run_surface(&s, w, &out);
}

/* Prices one European option. */
int heston_price(const heston_params *p, double S, double T, double K,
		 double r, double q, int type, double *price,
		 heston_workspace *w)
{
	return heston_price_surface(p, S, 1, &T, &K, &r, &q, &type, price, w);
}

/* Prices and Greeks of a surface. */
int heston_greeks_surface(const heston_params *p, double S, size_t n,
			  const double *T, const double *K, const double *r,
			  const double *q, const int *type, heston_greeks *g,
			  heston_workspace *w)
{
	struct surf s = { p, S, n, T, K, r, q, type };
	struct sink out = { MODE_GREEKS, NULL, g, NULL };

	if (g == NULL)
		return QM_EINVAL;
	return run_surface(&s, w, &out);
}

/* Prices and parameter gradients of a surface. */
int heston_price_gradient(const heston_params *p, double S, size_t n,
			  const double *T, const double *K, const double *r,
			  const double *q, const int *type, double *price,
			  double *grad, heston_workspace *w)
{
	struct surf s = { p, S, n, T, K, r, q, type };
	struct sink out = { MODE_GRAD, price, NULL, grad };

	if (price == NULL || grad == NULL)
		return QM_EINVAL;
	return run_surface(&s, w, &out);
}
