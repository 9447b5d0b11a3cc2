/*
 * bs-batch.cu -- CUDA kernels of the batch pricer (models/bs-batch.h):
 * Black-Scholes-Merton price and Greeks, and implied volatility, one
 * option per thread.
 *
 * Why it exists: bs-batch.c sends large batches here when the build has
 * CUDA (configure --enable-cuda, mk/cuda.am) and a device is present.  The
 * file is compiled by nvcc only; the host functions at the end have C
 * linkage and are the whole interface (declared in bs-batch.h).  Every CUDA
 * call is checked; a failure returns QM_ENODEV and bs-batch.c falls back to
 * the CPU or reports it.
 *
 * Price.  As in models/bs.c, after P. Jaeckel, "Let's be rational"
 * (Wilmott, January 2015, pp. 40-53): with F = S e^((r-q)T), x = ln(F/K),
 * s = sigma sqrt(T), h = x/s, t = s/2, the undiscounted price is the
 * intrinsic value plus sqrt(FK) b(-|x|, s), b the out-of-the-money
 * normalised call
 *
 *   b(x,s) = e^(x/2) N(h+t) - e^(-x/2) N(h-t)
 *          = n(h, t) [Y(h+t) - Y(h-t)],   n(h, t) = exp(-(h^2+t^2)/2)/sqrt(2 pi),
 *
 * Y(z) = N(z)/n(z) = sqrt(pi/2) erfcx(-z/sqrt 2) (Jaeckel eq. (2.4); erfcx
 * is CUDA's, <= 4 ulps).  The regions are those of the paper:
 *   I   h < -10, h+t < -9.79: asymptotic series of the Y difference
 *       (Abramowitz & Stegun 26.2.12 subtracted term by term);
 *   II  t < 0.21: Taylor series in t to t^15 around h, with the
 *       derivatives from Y' = 1 + hY, Y^(n+1) = h Y^(n) + n Y^(n-1);
 *       Y'(h) for h <= -3 from Laplace's continued fraction (A&S 26.2.14)
 *       so that 1 + hY does not cancel;
 *   III h+t > 1: b = e^(x/2) - n(h,t) [Y(-h-t) + Y(h-t)];
 *   IV  otherwise the Y difference directly.
 * The Gaussian factor is evaluated from an exact (fma) split of h^2 + t^2
 * with h's rounding error folded in, so b keeps its relative precision
 * down to ~1e-300; below 2^-960 the price goes through ln b.
 *
 * Greeks.  Haug, "The Complete Guide to Option Pricing Formulas" (2nd ed.
 * 2007), ch. 2, in the conventions of bs.h (theta per calendar year, vega
 * per unit of vol), with N from CUDA's normcdf (<= 5 ulps) and n(d1) from
 * the same exact split.  T = 0 and sigma = 0 give the limits bs.c gives.
 *
 * Implied volatility.  The price is reduced as iv_bs() does it (intrinsic
 * value removed with an exact TwoSum, discounted bounds, a 4-ulp noise band
 * around the intrinsic value) to an OTM call: x <= 0, beta in
 * (0, e^(x/2)), gap = e^(x/2) - beta.  b(s) is increasing with one
 * inflection at s_c = sqrt(2|x|), which gives the first bracket: (0, s_c)
 * when beta < b(s_c), else (s_c, inf).  The objective follows the smaller
 * of beta and gap, which holds the information:
 *   f(s) = ln b(s) - ln beta, or
 *   f(s) = ln gap - ln(e^(x/2) - b(s)),
 * both nearly linear in s where they are used.  The first guess inverts
 * Jaeckel's lower asymptote b ~ (2 pi |x|/sqrt 27) N(-|x|/(sqrt 3 s))^3
 * below s_c, the upper one e^(x/2) - b ~ (e^(x/2) + e^(-x/2)) N(-s/2)
 * above it (normcdfinv).  Halley's method (f' = b'/b or b'/(e^(x/2) - b),
 * b''/b' = x^2/s^3 - s/4) runs inside the bracket, which every evaluation
 * tightens; a step that leaves it is replaced by bisection (geometric when
 * the bracket spans more than a factor 2).  The logarithms come from the Y
 * brackets, so nothing underflows.  It stops when a step is below 4 eps s
 * (2 to 6 iterations, at most 100); one last Newton step on b - beta
 * itself removes the eps |ln b| absolute error of the logarithmic
 * objective.  Accuracy: sigma reprices to the accuracy of b (a few ulps,
 * ~20 near the money where the Y difference amplifies erfcx's error), so
 * its relative error is that times price/(vega sigma), plus eps |delta| S/
 * (vega sigma) from the device's rounding of the forward.  Measured on an
 * H100 (tests/check_bs_batch.c, 1.1e5 options): <= 15.4 eps (1 + (price +
 * |delta| S)/(vega sigma)) against the true sigma; the test allows 32.
 *
 * Greeks measured on an H100 against the CPU: <= 2.1e-15 relative on
 * moneyness 0.8-1.25, T 0.25-2 y, sigma 15-60%; <= 1.4 eps kappa over the
 * extreme grid and 1e5 random options, kappa = (1 + |d1| + |d2|)^2
 * (1 + 1/s) the condition number under an ulp of F, e^(-rT), e^(-qT).
 */
#include <cuda_runtime.h>
#include <math.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern "C" {
#include "../qm-status.h"
#include "../bs.h"
#include "../bs-batch.h"
}

#define HD static __host__ __device__ __forceinline__

#define INV_SQRT2PI 0.398942280401432677939946059934	/* 1/sqrt(2 pi) */
#define LN_SQRT2PI 0.918938533204672741780329736406	/* ln sqrt(2 pi) */
#define SQRT_PI_2 1.25331413731550025120788264241	/* sqrt(pi/2) */
#define SQRT1_2 0.707106781186547524400844362105	/* 1/sqrt(2) */
#define SQRT3 1.73205080756887729352744634151		/* sqrt(3) */
#define SQRT27_2PI 0.826993343132688066940004963786	/* sqrt(27)/(2 pi) */

#define NB_H_ASYM (-10.0)	/* region I: h below this */
#define NB_TAU 0.2102241038134286	/* regions I/II limit in t */
#define NB_HT_BIG 1.0		/* region III: h + t above this */
#define NB_X_MAX 1400.0		/* pricing domain |ln(F/K)| */
#define IV_X_MAX 700.0		/* implied-vol domain |ln(F/K)| */
#define IV_MAXIT 100		/* iteration cap (bisection included) */
#define CF_U_MIN 3.0		/* continued fraction for Y' below h = -3 */
#define CF_DEPTH 48		/* its depth: error < 1e-16 for u >= 3 */

#define BLOCK 256		/* threads per block */

/* ------------------------------------------------------------------------ */
/* The normalised Black function                                            */
/* ------------------------------------------------------------------------ */

/* Y(z) = N(z)/n(z) for z <= 1, through the scaled complementary erf. */
HD double mills(double z)
{
	return SQRT_PI_2 * erfcx(-z * SQRT1_2);
}

/*
 * Y'(z) = 1 + z Y(z) for z <= 0.  Below z = -3 the sum cancels (it is
 * ~1/z^2), so there Y' = Y D with D = 1/(u + 2/(u + 3/(u + ...))), u = -z,
 * the tail of Laplace's continued fraction for Y(-u), evaluated backwards.
 */
HD double mills_d(double z, double y)
{
	double u = -z;

	if (u < CF_U_MIN)
		return fma(z, y, 1.0);
	double d = 0.0;

	for (int k = CF_DEPTH; k >= 2; k--)
		d = k / (u + d);
	return y / (u + d);
}

/* Y(z + dz) to first order in the tiny dz: Y' = 1 + zY. */
HD double mills_at(double z, double dz)
{
	double y = mills(z);

	return y + dz * fma(z, y, 1.0);
}

/* exp(-z^2/2) with z^2 split exactly (fma), so tails keep their precision. */
HD double exp_mhsq(double z)
{
	if (!(fabs(z) < 40.0))
		return fabs(z) >= 40.0 ? 0.0 : z;	/* underflow; NaN stays */
	double hi = z * z, lo = fma(z, z, -hi);

	return exp(-0.5 * hi) * (1.0 - 0.5 * lo);
}

/*
 * Region I: Y(h+t) - Y(h-t) = (t/r) A, r = (h+t)(h-t),
 * A = 2 sum_k (-1)^k (2k-1)!! q^k P_k(e), q = h^2/r^2, e = t^2/h^2, where
 * P_k(e) = sum_m C(2k+1, 2m+1) e^m and Q_k = sum_m C(2k+1, 2m) e^m are
 * advanced together from (1 + sqrt e)^(2k+1) +- (1 - sqrt e)^(2k+1).
 */
HD double nb_asymptotic(double hpt, double hmt, double h, double t)
{
	double r = hpt * hmt, e = (t / h) * (t / h), q = (h / r) * (h / r);
	double P = 1.0, Q = 1.0, g = 1.0, sum = 1.0;

	for (int k = 1; k < 60; k++) {
		double Pn = (1.0 + e) * P + 2.0 * Q;

		Q = (1.0 + e) * Q + 2.0 * e * P;
		P = Pn;
		g *= -(2 * k - 1) * q;
		double term = g * P;

		sum += term;
		if (fabs(term) <= 0x1p-57 * fabs(sum))
			break;
	}
	return 2.0 * (t / r) * sum;
}

/*
 * Region II: Y(h+t) - Y(h-t) = 2 sum_j t^(2j+1) Y^(2j+1)(h)/(2j+1)!, j <= 7,
 * at h + dh.  Writing Y^(n) = A_n Y' + B_n Y, the polynomials A_n, B_n obey
 * Y's recurrence from A_0 = 0, A_1 = 1, B_0 = 1, B_1 = 0, so Y and Y' are
 * needed only once.
 */
HD double nb_small_t(double h, double dh, double t)
{
	double y0 = mills(h), y1 = mills_d(h, y0);
	double y0c = y0 + dh * y1, y1c = y1 + dh * (y0 + h * y1);
	double a0 = 0.0, a1 = 1.0, b0 = 1.0, b1 = 0.0;
	double w = 1.0, sa = 0.0, sb = 0.0, t2 = t * t;

	for (int n = 1; n <= 15; n++) {
		if (n & 1) {
			/* w = t^(n-1)/n! */
			sa += w * a1;
			sb += w * b1;
			w *= t2 / ((n + 1) * (n + 2));
		}
		double a2 = h * a1 + n * a0, b2 = h * b1 + n * b0;

		a0 = a1;
		a1 = a2;
		b0 = b1;
		b1 = b2;
	}
	return 2.0 * t * (y1c * sa + y0c * sb);
}

/*
 * What one evaluation of the OTM normalised call gives: b and its vega,
 * and both as brackets over the Gaussian factor (br = b/vega,
 * gbr = (e^(x/2) - b)/vega) with ln vega, so that logarithms never
 * underflow.
 */
struct nb_val {
	double b;	/* normalised price */
	double vega;	/* db/ds */
	double lnv;	/* ln vega, finite where vega underflows */
	double br;	/* b / vega */
	double gbr;	/* (e^(x/2) - b) / vega, where asked */
	double lnb;	/* ln b */
};

/*
 * The OTM normalised call for x <= 0, 0 < s < inf: the Gaussian factor
 * from the exact split of h^2 + t^2, then the bracket of the region.
 * want_gap asks for gbr too (for h + t >= -1, where it is accurate).
 */
HD void nb_eval(double x, double s, int want_gap, struct nb_val *v)
{
	double t = 0.5 * s, is = 1.0 / s, h = x * is, dh = 0.0, lo = 0.0;
	double big = h * h + t * t;

	if (big > 1.0 && big < 3000.0) {
		double p = h * s, pe = fma(h, s, -p);
		double hh = h * h, hl = fma(h, h, -hh);
		double tt = t * t, tl = fma(t, t, -tt);

		dh = ((x - p) - pe) * is;
		big = hh + tt;
		double bb = big - hh;

		lo = ((hh - (big - bb)) + (tt - bb)) + hl + tl + 2.0 * h * dh;
	}
	double lnv = -(0.5 * (big + lo) + LN_SQRT2PI);
	double vega = big < 1490.0 ? exp(-0.5 * big) * (1.0 - 0.5 * lo) * INV_SQRT2PI
		      : 0.0;
	double hpt = h + t, hmt = h - t;

	v->vega = vega;
	v->lnv = lnv;
	v->gbr = NAN;
	if (hpt > NB_HT_BIG) {
		double g = mills_at(-hpt, -dh) + mills_at(hmt, dh);

		v->b = exp(0.5 * x) - vega * g;
		v->br = v->b / vega;	/* b is not small here; inf if vega is 0 */
		v->gbr = g;
		v->lnb = log(v->b);
		return;
	}
	double br;

	if (h < NB_H_ASYM && hpt < NB_H_ASYM + NB_TAU)
		br = nb_asymptotic(hpt + dh, hmt + dh, h + dh, t);
	else if (t < NB_TAU)
		br = nb_small_t(h, dh, t);
	else
		br = mills_at(hpt, dh) - mills_at(hmt, dh);
	v->b = vega * br;
	v->br = br;
	v->lnb = log(br) + lnv;
	if (want_gap && hpt >= -1.0)
		v->gbr = mills_at(-hpt, -dh) + mills_at(hmt, dh);
}

/*
 * nb_eval() out of line, for the implied-vol solver: it evaluates b from
 * three places, and three inlined copies of nb_eval overflow the
 * instruction cache (4x slower kernel on an H100).
 */
static __host__ __device__ __noinline__ void nb_eval_call(double x, double s,
							  int want_gap,
							  struct nb_val *v)
{
	nb_eval(x, s, want_gap, v);
}

/* ------------------------------------------------------------------------ */
/* Prices and Greeks                                                        */
/* ------------------------------------------------------------------------ */

/* ln(F/K) without the rounding of F/K near the money. */
HD double log_ratio(double F, double K)
{
	double q = F / K;

	if (q > 0.5 && q < 2.0)
		return log1p((F - K) / K);	/* F - K is exact (Sterbenz) */
	if (q > DBL_MIN && q < DBL_MAX)
		return log(q);
	return log(F) - log(K);
}

/* sqrt(F K) without overflow or underflow of the product. */
HD double sqrt_prod(double F, double K)
{
	double p = F * K;

	if (p > DBL_MIN && p < DBL_MAX)
		return sqrt(p);
	return sqrt(F) * sqrt(K);
}

/*
 * Undiscounted Black price for s = sigma sqrt(T) > 0: intrinsic value plus
 * sqrt(FK) b(-|x|, s); through ln b where b is below 2^-960.
 */
HD int black_undiscounted(int type, double F, double K, double s, double *v)
{
	double x = log_ratio(F, K), otm;

	if (!(fabs(x) <= NB_X_MAX))
		return QM_EINVAL;
	double rt = sqrt_prod(F, K);

	if (isinf(s)) {
		otm = rt * exp(-0.5 * fabs(x));
	} else {
		struct nb_val nb;

		nb_eval(-fabs(x), s, 0, &nb);
		otm = nb.b < 0x1p-960 ? exp(nb.lnb + log(rt)) : rt * nb.b;
	}
	double intr = type * (F - K);

	*v = (intr > 0.0 ? intr : 0.0) + otm;
	return QM_OK;
}

/* True when every argument of a pricing call is in the domain of bs.h. */
HD int args_ok(int type, double U, double K, double T, double sigma, double r,
	       double q)
{
	return (type == BS_CALL || type == BS_PUT) && U > 0.0 && U < INFINITY
	       && K > 0.0 && K < INFINITY && T >= 0.0 && T < INFINITY
	       && sigma >= 0.0 && sigma < INFINITY && isfinite(r) && isfinite(q);
}

/* Sets every field of g to NaN. */
HD void greeks_nan(struct bs_greeks *g)
{
	g->price = g->delta = g->gamma = g->vega = g->theta = NAN;
	g->rho = g->rho_q = g->vanna = g->volga = NAN;
}

/* Greeks at expiry: those of the payoff, limits as in bs.c. */
HD void greeks_expiry(int type, double S, double K, double sigma, double r,
		      double q, struct bs_greeks *g)
{
	double iv = type * (S - K);

	g->price = iv > 0.0 ? iv : 0.0;
	g->vega = g->rho = g->rho_q = g->vanna = g->volga = 0.0;
	if (iv > 0.0) {
		g->delta = type;
		g->gamma = 0.0;
		g->theta = type * (q * S - r * K);
	} else if (iv < 0.0) {
		g->delta = g->gamma = g->theta = 0.0;
	} else {
		double c = type * (r - q);

		g->delta = 0.5 * type;
		g->gamma = INFINITY;
		g->theta = sigma > 0.0 ? -INFINITY : -K * (c > 0.0 ? c : 0.0);
	}
}

/* Greeks for sigma = 0, T > 0: the deterministic forward (limits at F = K). */
HD void greeks_zero_vol(int type, double S, double K, double T, double r,
			double q, double F, double DQ, double DR,
			struct bs_greeks *g)
{
	double iv = type * (F - K);
	double w = iv > 0.0 ? 1.0 : (iv < 0.0 ? 0.0 : 0.5);

	g->price = DR * (iv > 0.0 ? iv : 0.0);
	g->delta = type * DQ * w;
	g->theta = type * w * (q * S * DQ - r * K * DR);
	g->rho = type * K * T * DR * w;
	g->rho_q = -type * S * T * DQ * w;
	g->volga = 0.0;
	if (iv == 0.0) {
		g->gamma = INFINITY;
		g->vega = S * DQ * sqrt(T) * INV_SQRT2PI;
		g->vanna = 0.5 * DQ * sqrt(T) * INV_SQRT2PI;
	} else {
		g->gamma = g->vega = g->vanna = 0.0;
	}
}

/* The general Greeks (T > 0, sigma > 0), Haug (2007) ch. 2. */
HD int greeks_general(int type, double U, double K, double T, double sigma,
		      double r, double q, double F, double DQ, double DR,
		      struct bs_greeks *g)
{
	double sqT = sqrt(T), s = sigma * sqT, x = log_ratio(F, K), v;
	int st = black_undiscounted(type, F, K, s, &v);

	if (st != QM_OK)
		return st;
	double d1 = x / s + 0.5 * s, d2 = d1 - s;
	double nd1 = exp_mhsq(d1) * INV_SQRT2PI;
	double N1 = normcdf(type * d1), N2 = normcdf(type * d2);
	double vega = U * DQ * nd1 * sqT;

	g->price = DR * v;
	g->delta = type * DQ * N1;
	g->gamma = DQ * nd1 / (U * s);
	g->vega = vega;
	g->theta = -U * DQ * nd1 * sigma / (2.0 * sqT)
		   - type * r * K * DR * N2 + type * q * U * DQ * N1;
	g->rho = type * K * T * DR * N2;
	g->rho_q = -type * U * T * DQ * N1;
	g->vanna = -DQ * nd1 * d2 / sigma;
	g->volga = vega * d1 * d2 / sigma;
	return QM_OK;
}

/* Price and Greeks of one option with bs_greeks()'s statuses. */
HD int greeks_one(int type, double S, double K, double T, double sigma,
		  double r, double q, struct bs_greeks *g)
{
	int st = QM_OK;

	greeks_nan(g);
	if (!args_ok(type, S, K, T, sigma, r, q))
		return QM_EINVAL;
	if (T == 0.0) {
		greeks_expiry(type, S, K, sigma, r, q, g);
		return QM_OK;
	}
	double DQ = exp(-q * T), DR = exp(-r * T), F = S * exp((r - q) * T);

	if (!(F > 0.0 && F < INFINITY && DQ < INFINITY && DR < INFINITY))
		return QM_EOVERFLOW;
	if (sigma == 0.0)
		greeks_zero_vol(type, S, K, T, r, q, F, DQ, DR, g);
	else
		st = greeks_general(type, S, K, T, sigma, r, q, F, DQ, DR, g);
	if (st == QM_OK && !isfinite(g->price))
		st = QM_EOVERFLOW;
	if (st != QM_OK)
		greeks_nan(g);
	return st;
}

/* ------------------------------------------------------------------------ */
/* Implied volatility                                                       */
/* ------------------------------------------------------------------------ */

/* The reduced problem and the state of its bracket. */
struct iv_prob {
	double x;	/* -|ln(F/K)| <= 0 */
	double beta;	/* the OTM normalised price (0 where it underflows) */
	double gap;	/* e^(x/2) - beta (likewise) */
	double lnbeta;	/* ln beta */
	double lngap;	/* ln gap */
	int upper;	/* 1: beta >= b(s_c), the concave side */
	int use_gap;	/* 1: on the gap objective (gap < beta there) */
	double lo, hi;	/* bracket of s */
};

/* The objective of the branch at s with its first two derivatives. */
HD void iv_objective(const struct iv_prob *p, double s, double *f, double *f1,
		     double *f2)
{
	struct nb_val nb;
	double c = p->x * p->x / (s * s * s) - 0.25 * s;	/* b''/b' */

	nb_eval_call(p->x, s, p->use_gap, &nb);
	if (p->use_gap) {
		/* f = ln gap - ln(e^(x/2) - b); b' / (e^(x/2) - b) = 1/gbr */
		*f = p->lngap - (log(nb.gbr) + nb.lnv);
		*f1 = 1.0 / nb.gbr;
		*f2 = *f1 * c + *f1 * *f1;
	} else {
		*f = nb.lnb - p->lnbeta;
		*f1 = 1.0 / nb.br;
		*f2 = *f1 * c - *f1 * *f1;
	}
}

/* Midpoint of the bracket: geometric when it spans more than a factor 2. */
HD double iv_bisect(double lo, double hi, double s)
{
	if (isinf(hi))
		return 2.0 * (s > lo ? s : lo);
	if (lo <= 0.0)
		return 0.25 * hi;
	if (hi > 2.0 * lo)
		return sqrt(lo) * sqrt(hi);
	return 0.5 * (lo + hi);
}

/* First guess from the asymptote of the branch, clamped into the bracket. */
HD double iv_guess(const struct iv_prob *p)
{
	double ax = -p->x, s;

	if (p->upper) {
		double e = exp(-0.5 * ax);

		s = -2.0 * normcdfinv(exp(p->lngap) / (e + 1.0 / e));
	} else {
		double lnp = (p->lnbeta + log(SQRT27_2PI / ax)) / 3.0;

		s = ax / (SQRT3 * -normcdfinv(exp(lnp)));
	}
	if (!(s > p->lo && s < p->hi))
		s = iv_bisect(p->lo, p->hi, p->lo);
	return s;
}

/*
 * One Newton step on b - beta (or gap - (e^(x/2) - b)) itself at the
 * converged s.  The logarithmic objectives carry an absolute error of
 * eps |ln b|, i.e. a relative error of b of that size (~10 eps near the
 * money); this step brings s to the accuracy of b's evaluation.  Skipped
 * where beta, gap or vega leave the normal range: there |ln b| is large
 * but so is d ln b/d ln s, and the logarithmic answer is already exact.
 */
HD double iv_polish(const struct iv_prob *p, double s)
{
	struct nb_val nb;
	double ds;

	nb_eval_call(p->x, s, p->use_gap, &nb);
	if (!(nb.vega >= 0x1p-960))
		return s;
	if (p->use_gap) {
		if (!(p->gap >= 0x1p-960))
			return s;
		ds = nb.gbr - p->gap / nb.vega;	/* (G(s) - gap)/b' */
	} else {
		if (!(p->beta >= 0x1p-960))
			return s;
		ds = p->beta / nb.vega - nb.br;	/* (beta - b(s))/b' */
	}
	return fabs(ds) <= 1e-8 * s ? s + ds : s;
}

/*
 * Safeguarded Halley on the reduced problem: x <= 0, ln beta and
 * ln(e^(x/2) - beta) finite (beta and gap themselves where they are
 * normal numbers, else 0).  Returns s = sigma sqrt(T).
 */
HD double iv_solve(double x, double beta, double lnbeta, double gap,
		   double lngap)
{
	struct iv_prob p = { x, beta, gap, lnbeta, lngap, 1, 0, 0.0, INFINITY };
	double sc = sqrt(-2.0 * x);

	if (sc > 0.0) {
		struct nb_val nb;

		nb_eval_call(x, sc, 0, &nb);
		p.upper = lnbeta >= nb.lnb;
		if (p.upper)
			p.lo = sc;
		else
			p.hi = sc;
	}
	/* the objective follows the smaller of beta and gap, which holds the
	 * information: ln b would lose it near the upper bound, ln gap near
	 * the money for small s */
	p.use_gap = p.upper && lngap < lnbeta;
	double s = iv_guess(&p);
	int done = 0;

	for (int it = 0; it < IV_MAXIT; it++) {
		double f, f1, f2;

		iv_objective(&p, s, &f, &f1, &f2);
		if (f == 0.0)
			break;
		if (f < 0.0)
			p.lo = s;
		else if (f > 0.0)
			p.hi = s;	/* NaN (rounding at an extreme) moves neither */
		double dn = -f / f1, hal = 1.0 + 0.5 * dn * f2 / f1;
		double ds = hal > 0.5 && hal < 2.0 ? dn / hal : dn;

		double sn = s + ds;

		/* converged: the step is at the rounding of s */
		if (fabs(ds) <= 4.0 * DBL_EPSILON * s) {
			s = sn;
			break;
		}
		if (!(sn > p.lo && sn < p.hi))
			sn = iv_bisect(p.lo, p.hi, s);
		/* a bracket narrower than the rounding of s: done */
		done = fabs(sn - s) <= 4.0 * DBL_EPSILON * s;
		s = sn;
		if (done)
			break;
	}
	/* one call site: each inlined nb_eval costs instruction cache */
	return iv_polish(&p, s);
}

/* True for a finite, strictly positive number. */
HD int positive(double v)
{
	return v > 0.0 && v < INFINITY;
}

/* price - max(theta (F - K), 0) with F - K split exactly (TwoSum). */
HD double time_value(int type, double F, double K, double price)
{
	double a = type * F, b = -type * K;
	double d = a + b, bb = d - a;
	double e = (a - (d - bb)) + (b - bb);

	if (d < 0.0 || (d == 0.0 && e <= 0.0))
		return price;
	return (price - d) - e;
}

/* Black-76 reduction of an undiscounted price to s, iv.c's statuses. */
HD int implied_s(int type, double F, double K, double price, double *s)
{
	double tv = time_value(type, F, K, price);
	double ub = type == BS_CALL ? F : K;

	if (tv < 0.0 || price >= ub)
		return QM_EBOUNDS;
	if (tv == 0.0) {
		*s = 0.0;
		return QM_OK;
	}
	double x = log_ratio(F, K);

	if (!(fabs(x) <= IV_X_MAX))
		return QM_EINVAL;
	double rt = sqrt_prod(F, K), beta = tv / rt, g = (ub - price) / rt;
	double lnbeta = beta >= 0x1p-960 ? log(beta) : log(tv) - log(rt);
	double lngap = g >= 0x1p-960 ? log(g) : log(ub - price) - log(rt);

	*s = iv_solve(-fabs(x), beta >= 0x1p-960 ? beta : 0.0, lnbeta,
		      g >= 0x1p-960 ? g : 0.0, lngap);
	return QM_OK;
}

/* Implied volatility of one discounted price, iv_bs()'s checks and statuses. */
HD int iv_one(int type, double S, double K, double T, double r, double q,
	      double price, double *sigma)
{
	double s;

	*sigma = NAN;
	if ((type != BS_CALL && type != BS_PUT) || !positive(S) || !positive(K)
	    || !positive(T) || !isfinite(r) || !isfinite(q)
	    || !(price >= 0.0 && price < INFINITY))
		return QM_EINVAL;
	double F = S * exp((r - q) * T), pu = price * exp(r * T);
	double SQ = S * exp(-q * T), KR = K * exp(-r * T);

	if (!positive(F) || !(pu < INFINITY))
		return QM_EINVAL;
	if (price >= (type == BS_CALL ? SQ : KR))
		return QM_EBOUNDS;
	double diff = type * (F - K), ddiff = type * (SQ - KR);
	double noise = 4.0 * DBL_EPSILON * (SQ > KR ? SQ : KR);

	if (ddiff > 0.0 && price < ddiff - noise)
		return QM_EBOUNDS;
	if (ddiff > 0.0 && price <= ddiff + noise) {
		*sigma = 0.0;
		return QM_OK;
	}
	if (diff > 0.0 && pu < diff)
		pu = diff;
	int st = implied_s(type, F, K, pu, &s);

	if (st == QM_OK)
		*sigma = s / sqrt(T);
	return st;
}

/* ------------------------------------------------------------------------ */
/* Kernels                                                                  */
/* ------------------------------------------------------------------------ */

/* The device copies of one chunk: inputs (SoA) and outputs. */
struct dev_arrays {
	int *type;
	double *S, *K, *T, *sigma, *r, *q, *price;
	struct bs_greeks *g;
	double *iv;
	unsigned long long *bad;
};

/* Records a failed element: the lowest (index << 8 | status) wins. */
static __device__ void note_bad(unsigned long long *bad, size_t i, int st)
{
	atomicMin(bad, ((unsigned long long)i << 8) | (unsigned)st);
}

/* One thread per option (grid-stride): price and Greeks. */
static __global__ void __launch_bounds__(BLOCK)
k_greeks(struct dev_arrays a, size_t n)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x) {
		struct bs_greeks g;
		int st = greeks_one(a.type[i], a.S[i], a.K[i], a.T[i], a.sigma[i],
				    a.r[i], a.q[i], &g);

		a.g[i] = g;
		if (st != QM_OK)
			note_bad(a.bad, i, st);
	}
}

/*
 * One thread per option (grid-stride): implied volatility.  At most 85
 * registers, so that three blocks fit on an SM.
 */
static __global__ void __launch_bounds__(BLOCK, 3)
k_iv(struct dev_arrays a, size_t n)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x) {
		double v;
		int st = iv_one(a.type[i], a.S[i], a.K[i], a.T[i], a.r[i], a.q[i],
				a.price[i], &v);

		a.iv[i] = v;
		if (st != QM_OK)
			note_bad(a.bad, i, st);
	}
}

/* ------------------------------------------------------------------------ */
/* Host side                                                                */
/* ------------------------------------------------------------------------ */

/* Device buffers of one workspace and the events that time the stages. */
struct bs_cuda_buf {
	size_t chunk;		/* elements per pass */
	int blocks;		/* grid size: enough to fill the device */
	void *mem;		/* one allocation holding every array */
	struct dev_arrays d;
	cudaEvent_t ev[4];	/* start, uploaded, computed, downloaded */
	int nev;		/* events created so far */
};

/* Number of CUDA devices; 0 when the driver or the device is missing. */
extern "C" int bs_cuda_device_count(void)
{
	int n = 0;

	if (cudaGetDeviceCount(&n) != cudaSuccess) {
		cudaGetLastError();	/* clear it: not a sticky error */
		return 0;
	}
	return n > 0 ? n : 0;
}

/* Name, compute capability, SM count and memory of the current device. */
extern "C" int bs_cuda_info(char *buf, size_t len)
{
	struct cudaDeviceProp p;
	int dev = 0;

	if (len > 0)
		buf[0] = '\0';
	if (bs_cuda_device_count() == 0 || cudaGetDevice(&dev) != cudaSuccess
	    || cudaGetDeviceProperties(&p, dev) != cudaSuccess)
		return QM_ENODEV;
	if (len > 0)
		snprintf(buf, len, "%s, sm_%d%d, %d SMs, %.1f GiB", p.name, p.major,
			 p.minor, p.multiProcessorCount,
			 (double)p.totalGlobalMem / (1024.0 * 1024.0 * 1024.0));
	return QM_OK;
}

/* Releases what bs_cuda_alloc took, whatever stage it reached. */
extern "C" void bs_cuda_free(struct bs_cuda_buf *b)
{
	if (b == NULL)
		return;
	for (int i = 0; i < b->nev; i++)
		cudaEventDestroy(b->ev[i]);
	if (b->mem != NULL)
		cudaFree(b->mem);
	free(b);
}

/* Carves the arrays of one chunk out of a single device allocation. */
static void carve(struct bs_cuda_buf *b)
{
	size_t c = b->chunk;
	char *m = (char *)b->mem;
	double *dp = (double *)m;

	b->d.S = dp;
	b->d.K = dp + c;
	b->d.T = dp + 2 * c;
	b->d.sigma = dp + 3 * c;
	b->d.r = dp + 4 * c;
	b->d.q = dp + 5 * c;
	b->d.price = dp + 6 * c;
	b->d.g = (struct bs_greeks *)(dp + 7 * c);
	b->d.iv = (double *)b->d.g;	/* the two outputs never coexist */
	b->d.bad = (unsigned long long *)(dp + 16 * c);
	b->d.type = (int *)(dp + 16 * c + 1);
}

/* Allocates the device buffers of chunk elements and the timing events. */
extern "C" int bs_cuda_alloc(struct bs_cuda_buf **out, size_t chunk)
{
	struct bs_cuda_buf *b;
	struct cudaDeviceProp p;
	int dev = 0;

	*out = NULL;
	if (chunk == 0 || chunk > ((size_t)1 << 40) / 136)
		return QM_EINVAL;
	if (bs_cuda_device_count() == 0 || cudaGetDevice(&dev) != cudaSuccess
	    || cudaGetDeviceProperties(&p, dev) != cudaSuccess)
		return QM_ENODEV;
	b = (struct bs_cuda_buf *)calloc(1, sizeof(*b));
	if (b == NULL)
		return QM_ENOMEM;
	b->chunk = chunk;
	/* several resident blocks per SM hide the latency of the FP64 units */
	b->blocks = p.multiProcessorCount * 8;
	/* 7 input + 9 output doubles, the failure key, 1 int per element */
	size_t bytes = (16 * chunk + 1) * sizeof(double) + chunk * sizeof(int);

	if (cudaMalloc(&b->mem, bytes) != cudaSuccess) {
		b->mem = NULL;
		bs_cuda_free(b);
		return QM_ENODEV;
	}
	for (; b->nev < 4; b->nev++) {
		if (cudaEventCreate(&b->ev[b->nev]) != cudaSuccess) {
			bs_cuda_free(b);
			return QM_ENODEV;
		}
	}
	carve(b);
	*out = b;
	return QM_OK;
}

/* Copies count doubles from host src + off to the device. */
static int up(double *dst, const double *src, size_t off, size_t n)
{
	return cudaMemcpy(dst, src + off, n * sizeof(double),
			  cudaMemcpyHostToDevice) == cudaSuccess;
}

/* Uploads the common inputs of a chunk (types, S, K, T, r, q). */
static int upload_common(struct bs_cuda_buf *b, const struct bs_batch *in,
			 size_t off, size_t n)
{
	return cudaMemcpy(b->d.type, in->type + off, n * sizeof(int),
			  cudaMemcpyHostToDevice) == cudaSuccess
	       && up(b->d.S, in->S, off, n) && up(b->d.K, in->K, off, n)
	       && up(b->d.T, in->T, off, n) && up(b->d.r, in->r, off, n)
	       && up(b->d.q, in->q, off, n);
}

/* Resets the failure key to "none" (all ones). */
static int reset_bad(struct bs_cuda_buf *b)
{
	return cudaMemset(b->d.bad, 0xff, sizeof(*b->d.bad)) == cudaSuccess;
}

/* Adds the three stage times of the chunk just finished to t[] (ns). */
static int add_times(struct bs_cuda_buf *b, double t[3])
{
	for (int i = 0; i < 3; i++) {
		float ms = 0.0f;

		if (cudaEventElapsedTime(&ms, b->ev[i], b->ev[i + 1]) != cudaSuccess)
			return 0;
		t[i] += 1e6 * ms;
	}
	return 1;
}

/* Launches kernel k on n elements and checks the launch. */
static int launch(struct bs_cuda_buf *b, int iv, size_t n)
{
	size_t need = (n + BLOCK - 1) / BLOCK;
	int blocks = need < (size_t)b->blocks ? (int)need : b->blocks;

	if (iv)
		k_iv<<<blocks, BLOCK>>>(b->d, n);
	else
		k_greeks<<<blocks, BLOCK>>>(b->d, n);
	return cudaGetLastError() == cudaSuccess;
}

/*
 * Runs one chunk (n <= chunk elements from off): upload, kernel, download
 * of the output and the failure key, each stage between two events.
 */
static int run_chunk(struct bs_cuda_buf *b, const struct bs_batch *in,
		     const double *price, size_t off, size_t n, void *out,
		     unsigned long long *bad, double t[3])
{
	int iv = price != NULL;
	size_t osz = iv ? sizeof(double) : sizeof(struct bs_greeks);
	int ok = cudaEventRecord(b->ev[0]) == cudaSuccess
		 && upload_common(b, in, off, n)
		 && (iv ? up(b->d.price, price, off, n)
		     : up(b->d.sigma, in->sigma, off, n))
		 && reset_bad(b)
		 && cudaEventRecord(b->ev[1]) == cudaSuccess
		 && launch(b, iv, n)
		 && cudaEventRecord(b->ev[2]) == cudaSuccess
		 && cudaMemcpy((char *)out + off * osz, iv ? (void *)b->d.iv
			       : (void *)b->d.g, n * osz,
			       cudaMemcpyDeviceToHost) == cudaSuccess
		 && cudaMemcpy(bad, b->d.bad, sizeof(*bad),
			       cudaMemcpyDeviceToHost) == cudaSuccess
		 && cudaEventRecord(b->ev[3]) == cudaSuccess
		 && cudaEventSynchronize(b->ev[3]) == cudaSuccess
		 && add_times(b, t);

	if (!ok)
		cudaGetLastError();	/* clear a non-sticky error for the fallback */
	return ok ? QM_OK : QM_ENODEV;
}

/* Greeks of elements off .. off+n-1 (n <= chunk) on the device. */
extern "C" int bs_cuda_greeks(struct bs_cuda_buf *b, const struct bs_batch *in,
			      size_t off, size_t n, struct bs_greeks *out,
			      unsigned long long *bad, double t[3])
{
	if (n > b->chunk)
		return QM_EINVAL;
	return run_chunk(b, in, NULL, off, n, out, bad, t);
}

/* Implied vols of elements off .. off+n-1 (n <= chunk) on the device. */
extern "C" int bs_cuda_iv(struct bs_cuda_buf *b, const struct bs_batch *in,
			  const double *price, size_t off, size_t n,
			  double *sigma, unsigned long long *bad, double t[3])
{
	if (n > b->chunk || price == NULL)
		return QM_EINVAL;
	return run_chunk(b, in, price, off, n, sigma, bad, t);
}
