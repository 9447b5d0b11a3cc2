/*
 * iv.c -- implied Black volatility by P. Jaeckel's "Let's be rational"
 * (Wilmott, January 2015, pp. 40-53).
 *
 * Why it exists: see iv.h.  How it works, following the paper:
 *
 * 1. Reduction.  An in-the-money price minus its intrinsic value is the
 *    out-of-the-money price of the other type, and b(x,s) of a put at x
 *    equals that of a call at -x, so everything reduces to an OTM call with
 *    x = -|ln(F/K)| <= 0 and normalised price beta = p/sqrt(FK) in
 *    (0, e^(x/2)).  The intrinsic value is subtracted with F - K split
 *    exactly, and the distance to the upper bound, e^(x/2) - beta, is
 *    carried separately as (bound - price)/sqrt(FK), so that prices deep in
 *    the money or near the bound keep their information.  Where beta
 *    underflows, ln beta is carried instead.
 * 2. Initial guess.  The inflection point s_c = sqrt(2|x|) of b(s) and the
 *    tangent there give s_l = s_c - b_c/b'_c, s_u = s_c + (e^(x/2) - b_c)/b'_c
 *    and four branches of beta:
 *      [0, b_l)      f = (2 pi |x|/sqrt 27) N(-|x|/(sqrt 3 s))^3, which
 *                    tends to b as s -> 0, interpolated in beta with f(0) = 0,
 *                    f'(0) = 1 and f, f', f'' matched at b_l, then inverted;
 *      [b_l, b_c]    s(beta) interpolated directly, s''(b_c) = 0;
 *      [b_c, b_u]    likewise on the concave side;
 *      (b_u, e^(x/2)) f = N(-s/2), since e^(x/2) - b ~ 2 N(-s/2) for large s,
 *                    with f = 0 and f' = -1/2 at the bound, then inverted.
 *    The interpolant is the rational cubic of Delbourgo & Gregory (1985),
 *    its control parameter r chosen to match the second derivative at the
 *    inner end and raised where needed to the minimum that preserves
 *    monotonicity and convexity.  The guess is within ~5% of s.
 * 3. Iteration.  Householder's third-order method (convergence order four)
 *    on the objective of the branch: 1/ln b - 1/ln beta below b_l,
 *    b - beta in the middle, ln((e^(x/2) - beta)/(e^(x/2) - b)) above b_u,
 *    each nearly linear in s there.  The derivatives of b in s are
 *    b1 = db/ds = exp(-(h^2+t^2)/2)/sqrt(2 pi), b2/b1 = x^2/s^3 - s/4 and
 *    b3/b1 = (b2/b1)^2 - 3 x^2/s^4 - 1/4.  Two iterations reach machine
 *    precision; a third is taken only when the second step exceeds 1e-5 s.
 *    The iterates stay in the branch's bracket ([s_l, s_c] for example,
 *    widened by the rounding of b_l, b_c, b_u).  At a branch end the guess
 *    is that end (at beta = b_c it is s_c, the answer) and is kept; a step
 *    that leaves the bracket goes to an end not yet evaluated before any
 *    bisection, since near an end the convexity of b makes every step from
 *    the far side overshoot the root a little.  The lower objective's
 *    residual ln(beta/b) is summed from (beta - b)/(beta + b) near the
 *    root, not taken as a difference of two large logarithms.
 *
 * The normalised Black function and its vega come from bs_nblack() in bs.c
 * (accurate to a few ulps even for b ~ 1e-300).  The guess inverts N by
 * Abramowitz & Stegun 26.2.23 (error < 4.5e-4), well inside the guess's
 * own error, so the iterations are unaffected.
 *
 * Accuracy reached (tests/check_iv.c, against the exact inverse computed in
 * 113-bit precision): max 3.34 ulps of sigma over the grid ln(F/K)/sqrt(T)
 * in [-10, 10], T in [1/365, 30], sigma in [0.01, 3] and random points, for
 * every price that the double distinguishes from its bounds; max 4.15 ulps
 * (within 3 + 4/kappa, kappa = d ln b/d ln s, the excess over 3 being b's
 * own error in bs.c) at and around the branch boundaries s_l, s_c, s_u for
 * |ln(F/K)| in [1e-3, 700].
 */
#include <math.h>
#include <float.h>
#include <stddef.h>

#include "qm-status.h"
#include "bs.h"
#include "iv.h"

#define IV_INV_SQRT2PI 0.398942280401432677939946059934	/* 1/sqrt(2 pi) */
#define IV_SQRT3 1.73205080756887729352744634151	/* sqrt(3) */
#define IV_SQRT_PI_2 1.25331413731550025120788264241	/* sqrt(pi/2) */
#define IV_2PI_SQRT27 1.20919957615614523132819284304	/* 2 pi / sqrt(27) */
#define IV_LN2 0.693147180559945309417232121458	/* ln 2 */
#define IV_X_MAX 700.0		/* |ln(F/K)| above this is out of domain */
#define IV_MAXIT 8		/* safety limit; two or three are used */

/* The four branches of the initial guess and of the objective. */
enum iv_branch {
	IV_LOWER,
	IV_MID_LOW,
	IV_MID_HIGH,
	IV_UPPER
};

/* One Delbourgo-Gregory rational cubic on [0, h] in the local coordinate. */
struct iv_rcubic {
	double yl, yr;	/* values at the left and right end */
	double dl, dr;	/* first derivatives there */
	double h;	/* interval length */
	double r;	/* control parameter; 3 is the cubic Hermite */
};

/* The reduced problem and what the guess left for the iteration. */
struct iv_problem {
	double x;		/* ln(F/K) of the OTM call, <= 0 */
	double beta;		/* normalised OTM price (may underflow to 0) */
	double lnbeta;		/* ln beta, exact also where beta underflows */
	double gap;		/* e^(x/2) - beta, accurate */
	enum iv_branch br;	/* branch of the guess and the objective */
	double s_lo, s_hi;	/* bracket of the root */
	int lo_seen, hi_seen;	/* that end was an iterate (b evaluated) */
};

/*
 * Smallest control parameter that keeps the rational cubic monotone
 * (r >= (dl + dr)/delta) and, for convex or concave data, convex or concave
 * (r >= 1 + max(a, 1/a), a = (dr - delta)/(delta - dl)): Delbourgo and
 * Gregory (1985), checked numerically when this code was written.
 */
static double rc_min_r(double dl, double dr, double delta)
{
	double r = 0.0;

	if (delta != 0.0 && dl * delta >= 0.0 && dr * delta >= 0.0) {
		double m = (dl + dr) / delta;

		if (m > r)
			r = m;
	}
	if ((dr - delta) * (delta - dl) > 0.0) {
		double a = (dr - delta) / (delta - dl);
		double c = 1.0 + (a > 1.0 / a ? a : 1.0 / a);

		if (c > r)
			r = c;
	}
	return r;
}

/* Sets r to match the second derivative d2 at the left end (or r_min). */
static void rc_match_left(struct iv_rcubic *c, double d2)
{
	double delta = (c->yr - c->yl) / c->h;
	double r = (0.5 * c->h * d2 + c->dr - c->dl) / (delta - c->dl);
	double rmin = rc_min_r(c->dl, c->dr, delta);

	c->r = (isfinite(r) && r > rmin) ? r : rmin;
}

/* Sets r to match the second derivative d2 at the right end (or r_min). */
static void rc_match_right(struct iv_rcubic *c, double d2)
{
	double delta = (c->yr - c->yl) / c->h;
	double r = (0.5 * c->h * d2 - c->dl + c->dr) / (c->dr - delta);
	double rmin = rc_min_r(c->dl, c->dr, delta);

	c->r = (isfinite(r) && r > rmin) ? r : rmin;
}

/*
 * Evaluates the rational cubic at local coordinate u in [0, 1]; v = 1 - u is
 * passed separately so that it keeps its precision near the right end.
 */
static double rc_eval(const struct iv_rcubic *c, double u, double v)
{
	double num = c->yr * u * u * u
		     + (c->r * c->yr - c->h * c->dr) * u * u * v
		     + (c->r * c->yl + c->h * c->dl) * u * v * v
		     + c->yl * v * v * v;

	return num / (1.0 + (c->r - 3.0) * u * v);
}

/* Kernel call that cannot fail for the arguments used here. */
static void nblack(double x, double s, unsigned flags, struct bs_nblack *nb)
{
	(void)bs_nblack(x, s, flags, nb);
}

/* b2/b1 = x^2/s^3 - s/4, the relative second derivative of b in s. */
static double bpp_over_bp(double x, double s)
{
	double h = x / s;

	return h * h / s - 0.25 * s;
}

/*
 * Inverse normal N^-1(p) for 0 < p <= 1/2 from ln p, by Abramowitz & Stegun
 * 26.2.23 (Hastings): |error| < 4.5e-4 in z.  Only the initial guess uses
 * it, whose own error is ~1e-2; taking ln p spares the cube root of the
 * lower branch, and it costs a third of an AS241 call.
 */
static double inv_norm_lower(double lnp)
{
	double t = sqrt(-2.0 * lnp);
	double num = 2.515517 + t * (0.802853 + t * 0.010328);
	double den = 1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308));

	return num / den - t;
}

/*
 * Lower branch guess: rational cubic for f(beta) on [0, b_l] with f(0) = 0,
 * f'(0) = 1 and f, f', f'' matched at b_l, then s from f's inverse.
 */
static double guess_lower(double x, double beta, double lnbeta, double s_l,
			  const struct bs_nblack *nl)
{
	double ax = -x, kl = IV_2PI_SQRT27 * ax, is = 1.0 / s_l;
	double z = -ax * is * (1.0 / IV_SQRT3), y, n, N, zp, zpp;

	(void)bs_mills(z, &y);
	n = exp(-0.5 * z * z) * IV_INV_SQRT2PI;
	N = n * y;
	zp = -z * is;
	zpp = 2.0 * z * is * is;
	double f = kl * N * N * N;
	double fp = 3.0 * kl * N * N * n * zp;
	double fpp = 3.0 * kl * N * n * (zp * zp * (2.0 * n - z * N) + N * zpp);
	double v = nl->vega;
	struct iv_rcubic c = {
		.yl = 0.0, .yr = f, .dl = 1.0, .dr = fp / v, .h = nl->b, .r = 3.0
	};

	rc_match_right(&c, (fpp - fp * bpp_over_bp(x, s_l)) / (v * v));
	double u = beta / nl->b;
	double fb = rc_eval(&c, u, 1.0 - u);

	/* f(beta) = beta (1 + O(beta/b_l)): ln beta serves below 2^-960 */
	double lnf = beta < 0x1p-960 ? lnbeta : log(fb);

	if (!(fb > 0.0) && beta >= 0x1p-960)
		return 0.5 * s_l;
	/* N(z) = (f/kl)^(1/3), so ln N(z) = (ln f - ln kl)/3 */
	double lnp = (lnf - log(kl)) * (1.0 / 3.0);
	double zb = lnp < -IV_LN2 ? inv_norm_lower(lnp) : -0.0;

	if (!(zb < 0.0))
		return 0.5 * s_l;
	return -ax / (IV_SQRT3 * zb);
}

/*
 * Upper branch guess: rational cubic for f(beta) = N(-s/2) on
 * [b_u, e^(x/2)] with f = 0 and f' = -1/2 at the bound, then s = -2 N^-1(f).
 */
static double guess_upper(double x, double gap, double s_u,
			  const struct bs_nblack *nu)
{
	double N, n = exp(-0.125 * s_u * s_u) * IV_INV_SQRT2PI;
	double fp = -0.5 * n, fpp = 0.125 * s_u * n, v = nu->vega;

	(void)bs_norm_cdf(-0.5 * s_u, &N);
	struct iv_rcubic c = {
		.yl = N, .yr = 0.0, .dl = fp / v, .dr = -0.5, .h = nu->gap, .r = 3.0
	};

	rc_match_left(&c, (fpp - fp * bpp_over_bp(x, s_u)) / (v * v));
	double w = gap / nu->gap;	/* 1 - u, exact near the bound */
	double f = rc_eval(&c, 1.0 - w, w);

	if (!(f > 0.0 && f < 0.5))
		return 2.0 * s_u;
	return -2.0 * inv_norm_lower(log(f));
}

/* Middle branches: s(beta) by a rational cubic, s'' = 0 at b_c. */
static double guess_middle(double beta, double bl, double sl, double vl,
			   double br, double sr, double vr, int match_right)
{
	struct iv_rcubic c = {
		.yl = sl, .yr = sr, .dl = 1.0 / vl, .dr = 1.0 / vr,
		.h = br - bl, .r = 3.0
	};

	if (!(c.h > 0.0))
		return sl;
	if (match_right)
		rc_match_right(&c, 0.0);
	else
		rc_match_left(&c, 0.0);
	double u = (beta - bl) / c.h;

	return rc_eval(&c, u, (br - beta) / c.h);
}

/*
 * Locates beta among b_l < b_c < b_u, sets the branch and the
 * bracket, and returns the initial guess for s.
 */
static double initial_guess(struct iv_problem *pb)
{
	double x = pb->x, beta = pb->beta, ehalf = exp(0.5 * x);
	double s_c = sqrt(-2.0 * x), v_c = ehalf * IV_INV_SQRT2PI;
	double b_c, gap_c, s_l, s_u;
	struct bs_nblack ne;

	if (s_c >= 0.5) {
		/* at s_c, h = -t: b_c = e^(x/2) (1/2 - Y(-s_c)/sqrt(2 pi)) */
		double y;

		(void)bs_mills(-s_c, &y);
		b_c = ehalf * (0.5 - y * IV_INV_SQRT2PI);
		s_l = s_c - (IV_SQRT_PI_2 - y);
		s_u = s_c + (IV_SQRT_PI_2 + y);
		gap_c = ehalf - b_c;
	} else {
		b_c = 0.0;
		if (x < 0.0) {
			nblack(x, s_c, 0, &ne);
			b_c = ne.b;
		}
		gap_c = ehalf - b_c;
		s_l = s_c - b_c / v_c;
		s_u = s_c + gap_c / v_c;
	}
	if (beta < b_c) {
		nblack(x, s_l, 0, &ne);
		if (beta < ne.b) {
			pb->br = IV_LOWER;
			pb->s_lo = 0.0;
			pb->s_hi = s_l;
			return guess_lower(x, beta, pb->lnbeta, s_l, &ne);
		}
		pb->br = IV_MID_LOW;
		pb->s_lo = s_l;
		pb->s_hi = s_c;
		return guess_middle(beta, ne.b, s_l, ne.vega, b_c, s_c, v_c, 1);
	}
	nblack(x, s_u, BS_NB_GAP, &ne);
	if (beta <= ne.b) {
		pb->br = IV_MID_HIGH;
		pb->s_lo = s_c;
		pb->s_hi = s_u;
		return guess_middle(beta, b_c, s_c, v_c, ne.b, s_u, ne.vega, 0);
	}
	pb->br = IV_UPPER;
	pb->s_lo = s_u;
	pb->s_hi = INFINITY;
	return guess_upper(x, pb->gap, s_u, &ne);
}

/*
 * One Householder(3) step for the branch's objective at s (r = ln(beta/b)
 * in the lower branch, from lower_eval()):
 * returns ds = nu (1 + nu h2/2) / (1 + nu (h2 + nu h3/6)) with nu the
 * Newton step and h2, h3 the objective's g''/g' and g'''/g'.
 */
static double householder_step(const struct iv_problem *pb, double s,
			       const struct bs_nblack *nb, double r,
			       double ilnbeta)
{
	double is = 1.0 / s, h = pb->x * is, hs = h * is;
	double b2 = h * hs - 0.25 * s;			/* b2/b1 */
	double b3 = b2 * b2 - 3.0 * hs * hs - 0.25;	/* b3/b1 */
	double nu, h2, h3;

	if (pb->br == IV_LOWER) {
		/* one division: 1/(L ratio) gives both 1/L and 1/ratio */
		double L = nb->lnb, q = 1.0 / (L * nb->ratio);
		double iL = q * nb->ratio, ir = q * L, c = 1.0 + 2.0 * iL;

		nu = r * L * nb->ratio * ilnbeta;
		h2 = b2 - ir * c;
		h3 = b3 + ir * (-3.0 * c * b2
				+ 2.0 * (1.0 + 3.0 * iL * (1.0 + iL)) * ir);
	} else if (pb->br == IV_UPPER) {
		double ig = nb->vega / nb->gap;

		nu = log(nb->gap / pb->gap) / ig;
		h2 = b2 + ig;
		h3 = b3 + ig * (3.0 * b2 + 2.0 * ig);
	} else {
		nu = (pb->beta - nb->b) / nb->vega;
		h2 = b2;
		h3 = b3;
	}
	double den = 1.0 + nu * (h2 + nu * h3 * (1.0 / 6.0));
	double ds = nu * (1.0 + 0.5 * h2 * nu) / den;

	return (isfinite(ds) && den > 0.0) ? ds : nu;
}

/*
 * b at s for the lower objective 1/ln b - 1/ln beta; returns its residual
 * r = ln(beta/b) and leaves ln b in nb->lnb.  Taken as ln beta - ln b, r
 * would carry the rounding of two logarithms of size |ln beta| (up to
 * ~700): an absolute error of |ln beta| eps, which is all of the last
 * step and leaves s off by ~|ln beta| eps/kappa (up to 6 ulps of s near
 * x = -560, s = s_l).  Near the root r = 2 atanh(u), u = (beta - b)/(beta + b)
 * with beta - b exact (Sterbenz), is summed to an ulp by its series,
 * which costs less than the logarithm it replaces.  Farther out the
 * difference of logarithms is kept: its relative error (< 2e-11 there)
 * moves s by a fraction of a step that the next step corrects, or of a
 * last step below 1e-5 s.  Where beta or b is not a normal number only
 * the kernel's ln b is left.
 */
static double lower_eval(const struct iv_problem *pb, double s,
			 struct bs_nblack *nb)
{
	double beta = pb->beta;

	if (beta >= DBL_MIN) {
		nblack(pb->x, s, 0, nb);
		double b = nb->b, u = (beta - b) / (beta + b);

		if (fabs(u) <= 1.0 / 128) {
			/* truncation u^8/9 < 2e-18 relative */
			double u2 = u * u;
			double r = 2.0 * u * (1.0 + u2 * (1.0 / 3.0 + u2 * (0.2
					+ u2 * (1.0 / 7.0))));

			nb->lnb = pb->lnbeta - r;
			return r;
		}
		if (b >= DBL_MIN) {
			nb->lnb = log(b);
			return pb->lnbeta - nb->lnb;
		}
	}
	nblack(pb->x, s, BS_NB_LOG, nb);
	return pb->lnbeta - nb->lnb;
}

/*
 * Where to go when a Householder step from s leaves the bracket towards
 * sn.  An end of the bracket not yet evaluated is a branch boundary
 * (s_l, s_c or s_u, widened by their rounding), and the root can lie
 * within rounding of it: beta at b_c, say.  There b is convex below s_c
 * and concave above, so every step from the far side overshoots the root
 * by O(step^4) and leaves the bracket; bisecting would only halve the
 * distance per iteration.  The step says the root is at that end, so the
 * end is tried once; an end already evaluated is bisected towards (or s
 * doubled towards an infinite s_hi).
 */
static double outside_step(struct iv_problem *pb, double s, double sn)
{
	if (sn > pb->s_hi && !pb->hi_seen && isfinite(pb->s_hi)) {
		pb->hi_seen = 1;
		return pb->s_hi;
	}
	if (sn < pb->s_lo && !pb->lo_seen && pb->s_lo > 0.0) {
		pb->lo_seen = 1;
		return pb->s_lo;
	}
	return isfinite(pb->s_hi) ? 0.5 * (pb->s_lo + pb->s_hi) : 2.0 * s;
}

/*
 * Householder iterations from the guess, kept inside the bracket
 * (outside_step() if a step leaves it).  Stops after two steps when the
 * second was below 1e-5 relative (order four leaves ~1e-20), else
 * continues.
 */
static double iterate(struct iv_problem *pb, double s)
{
	unsigned flags = pb->br == IV_UPPER ? BS_NB_GAP : 0;
	double ilnbeta = pb->br == IV_LOWER ? 1.0 / pb->lnbeta : 1.0;
	struct bs_nblack nb;

	for (int it = 0; it < IV_MAXIT; it++) {
		double r = 0.0, above;

		if (pb->br == IV_LOWER) {
			r = lower_eval(pb, s, &nb);
			above = -r;
		} else {
			nblack(pb->x, s, flags, &nb);
			/* near the bound only the gaps resolve b against beta */
			above = pb->br == IV_UPPER ? pb->gap - nb.gap
				: nb.b - pb->beta;
		}

		if (above > 0.0 && s <= pb->s_hi) {
			pb->s_hi = s;
			pb->hi_seen = 1;
		} else if (above < 0.0 && s >= pb->s_lo) {
			pb->s_lo = s;
			pb->lo_seen = 1;
		}
		double ds = householder_step(pb, s, &nb, r, ilnbeta);
		double sn = s + ds;

		if (fabs(ds) <= DBL_EPSILON * s)
			return sn;
		if (!(sn >= pb->s_lo && sn <= pb->s_hi)) {
			sn = outside_step(pb, s, sn);
			if (!(pb->s_hi > pb->s_lo * (1.0 + 4.0 * DBL_EPSILON)))
				return sn;
		} else if (fabs(ds) <= 1e-5 * s && it >= 1) {
			return sn;
		}
		s = sn;
	}
	return s;
}

/*
 * Solves the reduced problem: x <= 0, beta >= 0 with ln beta finite,
 * gap = e^(x/2) - beta > 0.
 */
static double solve_otm(double x, double beta, double lnbeta, double gap)
{
	struct iv_problem pb = {
		.x = x, .beta = beta, .lnbeta = lnbeta, .gap = gap
	};
	double s = initial_guess(&pb);

	/* the bracket of the guess is exact up to the rounding of b_l, b_c, b_u */
	pb.s_lo *= 1.0 - 1e-12;
	pb.s_hi *= 1.0 + 1e-12;
	/*
	 * The middle cubics interpolate s exactly at the branch ends, so for
	 * beta at (or within rounding of) b_l, b_c or b_u the guess is that end
	 * give or take an ulp, the best start there is.  The outer maps'
	 * inversions may land a little beyond s_l or s_u when beta is near
	 * them: the nearest end is then the better start.  Only a NaN guess
	 * (degenerate rounding) starts from the middle of the bracket.
	 */
	if (s < pb.s_lo)
		s = pb.s_lo;
	else if (s > pb.s_hi)
		s = pb.s_hi;
	else if (isnan(s))
		s = isfinite(pb.s_hi) ? 0.5 * (pb.s_lo + pb.s_hi) : 2.0 * pb.s_lo;
	return iterate(&pb, s);
}

/* The rounding error of the product: a*b - fl(a*b) exactly (Dekker). */
static double mul_err(double a, double b, double p)
{
#ifdef FP_FAST_FMA
	return fma(a, b, -p);
#else
	double c = 134217729.0 * a, d = 134217729.0 * b;	/* 2^27 + 1 */
	double ah = c - (c - a), al = a - ah;
	double bh = d - (d - b), bl = b - bh;

	return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
#endif
}

/*
 * ln(F/K) without the rounding of F/K near the money: with q = fl(F/K),
 * F = q K (1 + d) and d = (F - q K)/F to first order, the residual
 * F - fl(q K) - err(q K) being exact (Sterbenz, Dekker); ln(F/K) =
 * ln q + d then costs one log, which is half a log1p's latency.
 */
static double log_ratio(double F, double K)
{
	double q = F / K;

	if (q > 0.5 && q < 2.0) {
		double p = q * K;

		return log(q) + ((F - p) - mul_err(q, K, p)) / F;
	}
	if (q > DBL_MIN && q < DBL_MAX)
		return log(q);
	return log(F) - log(K);
}

/*
 * price - max(theta (F - K), 0) with F - K split exactly (Knuth's TwoSum),
 * so a deep in-the-money time value is exact for the given F, K, price.
 */
static double time_value(int type, double F, double K, double price)
{
	double a = type * F, b = -type * K;
	double d = a + b, bb = d - a;
	double e = (a - (d - bb)) + (b - bb);	/* a + b = d + e exactly */

	if (d < 0.0 || (d == 0.0 && e <= 0.0))
		return price;	/* out of the money: no intrinsic value */
	return (price - d) - e;
}

/*
 * Black-76 core on validated input: reduces to the OTM call and
 * returns s = sigma sqrt(T), or a status.  price is undiscounted.
 */
static int implied_s(int type, double F, double K, double price, double *s)
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
	double fk = F * K;
	double rt = (fk > DBL_MIN && fk < DBL_MAX) ? sqrt(fk) : sqrt(F) * sqrt(K);
	double beta = tv / rt;
	/* beta itself may underflow (deep OTM, K >> F): keep its logarithm */
	double lnbeta = beta >= 0x1p-960 ? log(beta) : log(tv) - log(rt);

	*s = solve_otm(-fabs(x), beta, lnbeta, (ub - price) / rt);
	return QM_OK;
}

/* True for a finite, strictly positive number. */
static int positive(double v)
{
	return v > 0.0 && v < INFINITY;
}

/* Black-76 implied volatility from an undiscounted price. */
int iv_black76(int type, double F, double K, double T, double price,
	       double *sigma)
{
	double s;
	int st;

	if (sigma == NULL)
		return QM_EINVAL;
	*sigma = NAN;
	if ((type != BS_CALL && type != BS_PUT) || !positive(F) || !positive(K)
	    || !positive(T) || !(price >= 0.0 && price < INFINITY))
		return QM_EINVAL;
	st = implied_s(type, F, K, price, &s);
	if (st == QM_OK)
		*sigma = s / sqrt(T);
	return st;
}

/*
 * BSM implied volatility from a discounted price: checks the discounted
 * bounds (S e^(-qT) for a call, K e^(-rT) for a put, the discounted
 * intrinsic value), undiscounts with exp(rT) and solves the Black-76
 * problem on F = S exp((r-q)T).  A price within 4 ulps of max(S e^(-qT),
 * K e^(-rT)) of the discounted intrinsic value is intrinsic (sigma = 0):
 * the discounting's rounding leaves no time value to invert.
 */
int iv_bs(int type, double S, double K, double T, double r, double q,
	  double price, double *sigma)
{
	double s;
	int st;

	if (sigma == NULL)
		return QM_EINVAL;
	*sigma = NAN;
	if ((type != BS_CALL && type != BS_PUT) || !positive(S) || !positive(K)
	    || !positive(T) || !isfinite(r) || !isfinite(q)
	    || !(price >= 0.0 && price < INFINITY))
		return QM_EINVAL;
	double F = S * exp((r - q) * T), pu = price * exp(r * T);
	double SQ = S * exp(-q * T), KR = K * exp(-r * T);

	if (!positive(F) || !(pu < INFINITY))
		return QM_EINVAL;
	/* the bounds in discounted terms: S e^(-qT) for a call, K e^(-rT) for a put */
	if (price >= (type == BS_CALL ? SQ : KR))
		return QM_EBOUNDS;
	double diff = type * (F - K), ddiff = type * (SQ - KR);
	double noise = 4.0 * DBL_EPSILON * (SQ > KR ? SQ : KR);

	if (ddiff > 0.0 && price < ddiff - noise)
		return QM_EBOUNDS;
	if (ddiff > 0.0 && price <= ddiff + noise) {
		/* the time value is below the rounding of the discounting */
		*sigma = 0.0;
		return QM_OK;
	}
	if (diff > 0.0 && pu < diff)
		pu = diff;
	st = implied_s(type, F, K, pu, &s);
	if (st == QM_OK)
		*sigma = s / sqrt(T);
	return st;
}

/* Implied total standard deviation from a normalised price. */
int iv_normalised(int type, double x, double beta, double *s)
{
	if (s == NULL)
		return QM_EINVAL;
	*s = NAN;
	if ((type != BS_CALL && type != BS_PUT) || !(fabs(x) <= IV_X_MAX)
	    || !(beta >= 0.0 && beta < INFINITY))
		return QM_EINVAL;
	double eh = exp(0.5 * x), emh = exp(-0.5 * x);
	double intr = type * x > 0.0 ? 2.0 * sinh(0.5 * fabs(x)) : 0.0;
	double ub = type == BS_CALL ? eh : emh;

	if (beta < intr || beta >= ub)
		return QM_EBOUNDS;
	if (beta == intr) {
		*s = 0.0;
		return QM_OK;
	}
	*s = solve_otm(-fabs(x), beta - intr, log(beta - intr), ub - beta);
	return QM_OK;
}
