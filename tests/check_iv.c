/*
 * check_iv.c -- tests of models/iv.c, the implied Black volatility of
 * Jaeckel's "Let's be rational".
 *
 * Why it exists: implied volatility is computed for every quote qdesk sees;
 * the target is a few ulps of the exact inverse over the whole domain.
 * The checks, each against something independent of iv.c:
 *   - the exact inverse: for a double price, sigma* such that the Black
 *     price of sigma* equals that double exactly, found by a safeguarded
 *     Newton iteration in 113-bit quad precision (libquadmath's erfcq) on
 *     the textbook formula.  Over the grid ln(F/K)/sqrt(T) in [-10, 10],
 *     T in [1/365, 30], sigma in [0.01, 3], calls and puts, iv must be
 *     within 4 ulps of sigma*;
 *   - round trips through models/bs.c (itself checked against QuantLib in
 *     check_bs): iv(price(sigma)) against sigma and price(iv(p)) against p
 *     over the same grid, each within a few ulps times the conditioning of
 *     that direction (kappa = d ln p / d ln sigma): the maximum errors are
 *     printed;
 *   - QuantLib 1.29's blackFormulaImpliedStdDev (tests/ref/ref-bs-quantlib.cpp);
 *   - Jaeckel's extreme cases: prices down to 1e-300 of the forward (and
 *     below, where beta = p/sqrt(FK) underflows), T = 30y with sigma = 3,
 *     T = 1 day, strikes far from the forward;
 *   - the branch boundaries of the initial guess (the inflection point s_c
 *     and the tangent points s_l, s_u, computed in quad): prices at them,
 *     a few ulps either side and up to 1e-6 relative away, for |x| in
 *     [1e-3, 700], against the exact inverse (a regression: at s_c the
 *     solver once returned vols off by 1e-3);
 *   - the bounds: intrinsic value gives 0, below intrinsic and at or above
 *     the upper bound give QM_EBOUNDS; bad input gives QM_EINVAL and NaN;
 *   - the real DAX and Euro Stoxx 50 surfaces of ../shared/market-data,
 *     when present: every quote priced and implied back.
 *
 * Build (the check needs -lquadmath for the reference):
 *   gcc -std=c11 -D_GNU_SOURCE -O2 -Imodels models/qm-status.c models/bs.c \
 *     models/iv.c tests/check_iv.c $(pkg-config --cflags --libs check) \
 *     -lquadmath -lm
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <quadmath.h>

#include "qm-status.h"
#include "bs.h"
#include "iv.h"

#define EPS DBL_EPSILON

/* |a - b| <= tol * |b| (relative), b finite, with a message naming the case. */
#define ck_rel(a, b, tol, what)                                                 \
	ck_assert_msg(isfinite((double)(b)) && fabs((double)(a) - (double)(b))      \
		      <= (tol) * fabs((double)(b)),                                \
		      "%s: got %.17g want %.17g (rel %.3g > %.3g)", (what),      \
		      (double)(a), (double)(b),                                    \
		      fabs((double)(a) - (double)(b)) / fabs((double)(b)), (double)(tol))

typedef __float128 quad;

/* ------------------------------------------------------------------------ */
/* The quad-precision exact inverse                                          */
/* ------------------------------------------------------------------------ */

/* N(z) in 113-bit precision. */
static quad q_ncdf(quad z)
{
	return 0.5Q * erfcq(-z / M_SQRT2q);
}

/* Undiscounted Black price of a call (theta = 1) or put (-1), in quad. */
static quad q_black(int type, quad F, quad K, quad s)
{
	quad d1 = logq(F / K) / s + s / 2, d2 = d1 - s;

	return type * (F * q_ncdf(type * d1) - K * q_ncdf(type * d2));
}

/*
 * The exact inverse sigma* of a double price p (F, K, T doubles): Newton
 * on ln(price) - ln(p) in quad, kept inside a bisection bracket, from the
 * start s0, to 1e-30 relative.  The time value p - intrinsic is taken in
 * quad, exactly; both forms cancel by at most ~1e8 on the grids used,
 * which leaves > 25 digits.
 */
static double q_implied(int type, double F, double K, double T, double p, double s0)
{
	quad Fq = F, Kq = K, pq = p, lo = 0, hi = 1e3, s = s0 > 0 ? s0 * sqrtq(T) : 1;
	quad intr = type * (Fq - Kq) > 0 ? type * (Fq - Kq) : 0, tv = pq - intr;

	for (int i = 0; i < 400; i++) {
		quad v = q_black(type, Fq, Kq, s), d1 = logq(Fq / Kq) / s + s / 2;
		quad vega = Fq * expq(-d1 * d1 / 2) / sqrtq(2 * M_PIq);
		quad tvs = v - intr;

		if (tvs > tv)
			hi = s;
		else
			lo = s;
		/* Newton on ln(time value): robust for tiny prices */
		quad ds = tvs > 0 ? -(logq(tvs) - logq(tv)) * tvs / vega : -s / 2;

		if (!(s + ds > lo && s + ds < hi))
			ds = (lo + hi) / 2 - s;
		s += ds;
		if (fabsq(ds) <= 1e-30Q * s || hi - lo <= 1e-30Q * s)
			break;
	}
	return (double)(s / sqrtq(T));
}

/* |got - ref| / |ref| in units of DBL_EPSILON. */
static double ulps(double got, double ref)
{
	return fabs(got - ref) / fabs(ref) / EPS;
}

/* Deterministic uniform [0, 1) (64-bit LCG), so failures reproduce. */
static double unif(unsigned long long *st)
{
	*st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*st >> 11) * 0x1p-53;
}

/*
 * True when the double price p carries information about sigma: strictly
 * above the intrinsic value and below the bound (F for a call, K for a
 * put) in exact arithmetic, and a time value of at least 1e-300 F.
 */
static int informative(int type, double F, double K, double p)
{
	quad intr = type * ((quad)F - K) > 0 ? type * ((quad)F - K) : 0;
	quad ub = type == BS_CALL ? F : K;

	return (quad)p - intr > 1e-300Q * F && (quad)p < ub;
}

/* The test grid: point i of n from lo to hi, log-spaced if lg. */
static double grid(int i, int n, double lo, double hi, int lg)
{
	if (lg)
		return exp(log(lo) + (log(hi) - log(lo)) * i / (n - 1));
	return lo + (hi - lo) * i / (n - 1);
}

/* ------------------------------------------------------------------------ */
/* Exact inverse                                                             */
/* ------------------------------------------------------------------------ */

/*
 * iv_black76 against the quad exact inverse over the target grid:
 * m = ln(F/K)/sqrt(T) in [-10, 10], T in [1/365, 30], sigma in [0.01, 3],
 * calls and puts, prices computed in quad and rounded.  Within 4 ulps of
 * sigma* (1.5 of them are the rounding of s/sqrt(T)).
 */
START_TEST(test_exact_inverse)
{
	const int NM = 21, NT = 11, NS = 11;
	double worst = 0.0;
	int n = 0;

	for (int i = 0; i < NM; i++)
		for (int j = 0; j < NT; j++)
			for (int k = 0; k < NS; k++)
				for (int type = -1; type <= 1; type += 2) {
		double m = grid(i, NM, -10, 10, 0);
		double T = grid(j, NT, 1.0 / 365, 30, 1);
		double sg = grid(k, NS, 0.01, 3, 1);
		double F = 100.0, K = F * exp(-m * sqrt(T)), v;
		double p = (double)q_black(type, F, K, (quad)sg * sqrtq(T));

		if (!informative(type, F, K, p))
			continue;
		ck_assert_int_eq(iv_black76(type, F, K, T, p, &v), QM_OK);
		double ref = q_implied(type, F, K, T, p, v);
		double e = ulps(v, ref);

		ck_assert_msg(e <= 4.0, "type %d m %g T %.17g sigma %.17g: iv %.17g, "
			      "exact %.17g (%.2f ulps)", type, m, T, sg, v, ref, e);
		if (e > worst)
			worst = e;
		n++;
	}
	printf("check_iv: exact inverse, %d grid prices: max error %.2f ulps\n",
	       n, worst);
}
END_TEST

/*
 * Random points of the same domain (and a little beyond it in moneyness),
 * against the exact inverse: within 4 ulps.
 */
START_TEST(test_exact_inverse_random)
{
	unsigned long long st = 99;
	double worst = 0.0;

	for (int n = 0; n < 3000;) {
		int type = unif(&st) < 0.5 ? BS_CALL : BS_PUT;
		double m = -12 + 24 * unif(&st);
		double T = grid(0, 2, 1.0 / 365, 30, 1) * exp(log(30 * 365.0) * unif(&st));
		double sg = 0.01 * exp(log(300.0) * unif(&st));
		double F = exp(-5 + 10 * unif(&st)), K = F * exp(-m * sqrt(T)), v;
		double p = (double)q_black(type, F, K, (quad)sg * sqrtq(T));

		if (!informative(type, F, K, p))
			continue;
		n++;
		ck_assert_int_eq(iv_black76(type, F, K, T, p, &v), QM_OK);
		double ref = q_implied(type, F, K, T, p, v);
		double e = ulps(v, ref);

		ck_assert_msg(e <= 4.0, "type %d F %.17g K %.17g T %.17g sigma %.17g: "
			      "%.2f ulps", type, F, K, T, sg, e);
		if (e > worst)
			worst = e;
	}
	printf("check_iv: exact inverse, 3000 random prices: max error %.2f ulps\n",
	       worst);
}
END_TEST

/*
 * Jaeckel's extreme cases against the exact inverse: prices from 1e-300 of
 * the forward up, strikes far away, T = 30y with sigma = 3 (the price
 * within 1e-10 of its bound), T = 1 day with sigma = 1%.
 */
START_TEST(test_extremes)
{
	static const struct {
		int type;
		double F, K, T, sigma;
	} c[] = {
		{ BS_CALL, 1.0, 2.0, 1.0, 0.019 },	/* ~1e-294 */
		{ BS_CALL, 1.0, 1.1, 1.0, 0.0026 },	/* ~1e-298, near money */
		{ BS_PUT, 1.0, 0.5, 0.5, 0.0268 },	/* ~1e-296 put */
		{ BS_CALL, 1.0, 1e10, 1.0, 1.0 },	/* far strike, ~1e-120 */
		{ BS_CALL, 1.0, 1e100, 5.0, 5.0 },	/* x = -230 */
		{ BS_PUT, 1e100, 1.0, 5.0, 5.0 },	/* x = +230 */
		{ BS_CALL, 100, 100, 30, 3.0 },	/* s = 16.4, near bound */
		{ BS_PUT, 100, 120, 30, 3.0 },
		{ BS_CALL, 100, 300, 30, 3.0 },
		{ BS_CALL, 100, 101, 1.0 / 365, 0.01 },	/* one day */
		{ BS_PUT, 100, 99.9, 1.0 / 365, 0.01 },
		{ BS_CALL, 100, 100, 1.0 / 365, 0.01 },
		{ BS_CALL, 100, 99, 1.0 / 365, 0.05 },	/* ITM, tiny time value */
		{ BS_CALL, 100, 100 * (1 + 1e-12), 1.0, 0.2 },	/* x ~ -1e-12 */
		{ BS_CALL, 100, 100, 1.0, 1e-6 },	/* ATM, s = 1e-6 */
	};

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		double s = c[i].sigma * sqrt(c[i].T), v;
		double p = (double)q_black(c[i].type, c[i].F, c[i].K, (quad)s);

		ck_assert_msg(informative(c[i].type, c[i].F, c[i].K, p), "case %zu", i);
		ck_assert_int_eq(iv_black76(c[i].type, c[i].F, c[i].K, c[i].T, p, &v),
				 QM_OK);
		double ref = q_implied(c[i].type, c[i].F, c[i].K, c[i].T, p, v);

		ck_assert_msg(ulps(v, ref) <= 4.0, "extreme case %zu: iv %.17g exact "
			      "%.17g (%.2f ulps)", i, v, ref, ulps(v, ref));
	}
}
END_TEST

/*
 * Prices below 1e-300 of sqrt(FK): beta = p/sqrt(FK) underflows, the
 * solver works from ln beta.  K = F e^400 with a price of 1e-300 F.
 */
START_TEST(test_underflowing_beta)
{
	double F = 1.0, K = exp(400.0), T = 1.0, v;

	for (double p = 1e-300; p < 1e-200; p *= 1e10) {
		ck_assert_int_eq(iv_black76(BS_CALL, F, K, T, p, &v), QM_OK);
		double ref = q_implied(BS_CALL, F, K, T, p, v);

		ck_assert_msg(ulps(v, ref) <= 4.0, "p %g: iv %.17g exact %.17g", p, v, ref);
		/* and bs prices it back */
		double pb;

		ck_assert_int_eq(bs_black76_price(BS_CALL, F, K, T, v, 0.0, &pb), QM_OK);
		ck_rel(pb, p, 1e-11, "price of the implied vol");
	}
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Branch boundaries of the initial guess                                    */
/* ------------------------------------------------------------------------ */

/*
 * The points where the guess changes branch, for x = -|ln(F/K)| in quad
 * from Jaeckel's formulas (not from iv.c): which 0 is the inflection point
 * s_c = sqrt(2|x|) of b(s), 1 and 2 are s_l = s_c - b_c/b'_c and
 * s_u = s_c + (e^(x/2) - b_c)/b'_c, where the tangent at s_c meets 0 and
 * the bound; b_c = e^(x/2)/2 - e^(-x/2) N(-s_c), b'_c = e^(x/2)/sqrt(2 pi).
 */
static quad q_boundary(quad x, int which)
{
	quad sc = sqrtq(-2 * x), eh = expq(x / 2);
	quad bc = eh / 2 - expq(-x / 2) * q_ncdf(-sc), vc = eh / sqrtq(2 * M_PIq);

	if (which == 1)
		return sc - bc / vc;
	if (which == 2)
		return sc + (eh - bc) / vc;
	return sc;
}

/* Normalised out-of-the-money call b(x, s), x <= 0, in quad. */
static quad q_nblack(quad x, quad s)
{
	return expq(x / 2) * q_ncdf(x / s + s / 2) - expq(-x / 2) * q_ncdf(x / s - s / 2);
}

/*
 * The exact inverse of a normalised price beta at x <= 0: Newton on ln b
 * in quad inside a bisection bracket, as q_implied, to 1e-30 relative.
 */
static double q_implied_normalised(quad x, double beta, double s0)
{
	quad lo = 0, hi = 1e3, s = s0 > 0 ? s0 : 1;

	for (int i = 0; i < 400; i++) {
		quad b = q_nblack(x, s), h = x / s, t = s / 2;
		quad vega = expq(-(h * h + t * t) / 2) / sqrtq(2 * M_PIq);

		if (b > beta)
			hi = s;
		else
			lo = s;
		quad ds = b > 0 ? -(logq(b) - logq(beta)) * b / vega : -s / 2;

		if (!(s + ds > lo && s + ds < hi))
			ds = (lo + hi) / 2 - s;
		s += ds;
		if (fabsq(ds) <= 1e-30Q * s || hi - lo <= 1e-30Q * s)
			break;
	}
	return (double)s;
}

/* kappa = vega s / (p - intrinsic) in quad, T = 1: the reduced problem's. */
static double q_kappa(int type, double F, double K, double p, double s)
{
	quad Fq = F, Kq = K, d1 = logq(Fq / Kq) / s + (quad)s / 2;
	quad intr = type * (Fq - Kq) > 0 ? type * (Fq - Kq) : 0;

	return (double)(Fq * expq(-d1 * d1 / 2) / sqrtq(2 * M_PIq) * s / ((quad)p - intr));
}

/* Largest errors of a scan: in ulps, and as a fraction of the bound. */
struct bd_worst {
	double ulps, ratio;
	int n;
};

/* Checks e ulps against 3 + 4/kappa and records it. */
static void bd_record(struct bd_worst *w, double e, double kappa)
{
	double tol = 3.0 + 4.0 / kappa;

	w->ulps = fmax(w->ulps, e);
	w->ratio = fmax(w->ratio, e / tol);
	w->n++;
}

/*
 * One price (T = 1): iv_black76 and iv_bs (r = q = 0, the same problem)
 * against the exact inverse, within 3 + 4/kappa ulps.  Skips prices with
 * no information and in-the-money time values below 1e-8 p (q_implied
 * cancels by at most 1e8 then).
 */
static void bd_price(int type, double F, double K, double p, struct bd_worst *w)
{
	quad intr = type * ((quad)F - K) > 0 ? type * ((quad)F - K) : 0;
	double v, vb;

	if (!informative(type, F, K, p) || !((quad)p - intr > 1e-8Q * p))
		return;
	ck_assert_int_eq(iv_black76(type, F, K, 1.0, p, &v), QM_OK);
	ck_assert_int_eq(iv_bs(type, F, K, 1.0, 0.0, 0.0, p, &vb), QM_OK);
	double ref = q_implied(type, F, K, 1.0, p, v);
	double kappa = q_kappa(type, F, K, p, ref);
	double e = fmax(ulps(v, ref), ulps(vb, ref));

	ck_assert_msg(e <= 3.0 + 4.0 / kappa, "type %d F %.17g K %.17g p %.17g: "
		      "iv %.17g, iv_bs %.17g, exact %.17g (%.2f ulps, kappa %g)",
		      type, F, K, p, v, vb, ref, e, kappa);
	bd_record(w, e, kappa);
}

/* Relative offsets d of s = s_b (1 + d) around a boundary s_b. */
static const double bd_rel[] = { -1e-6, -1e-8, -1e-10, -1e-12, -1e-14, 0.0,
	1e-14, 1e-12, 1e-10, 1e-8, 1e-6 };

#define BD_NREL (sizeof bd_rel / sizeof bd_rel[0])

/*
 * The prices of s_b (1 + d) for every d, and the 6 doubles either side of
 * the price of s_b itself, for a call or put with F = 1, K = e^(+-|x|),
 * out of or in the money.
 */
static void bd_scan(int which, double ax, int type, int itm, struct bd_worst *w)
{
	double F = 1.0, K = exp((itm ? -type : type) * ax);
	quad sb = q_boundary(-fabsq(logq((quad)F / K)), which);

	for (size_t k = 0; k < BD_NREL; k++) {
		double p0 = (double)q_black(type, F, K, sb * (1 + (quad)bd_rel[k]));
		int um = bd_rel[k] == 0.0 ? 6 : 0;

		for (int u = -um; u <= um; u++) {
			double p = p0;

			for (int j = 0; j < abs(u); j++)
				p = nextafter(p, u > 0 ? INFINITY : 0.0);
			bd_price(type, F, K, p, w);
		}
	}
}

/*
 * The normalised form at x = -+ax exactly (out-of-the-money call and put)
 * for every offset d: iv_normalised against the quad exact inverse.
 */
static void bd_normalised(int which, double ax, struct bd_worst *w)
{
	for (int type = -1; type <= 1; type += 2)
		for (size_t k = 0; k < BD_NREL; k++) {
			quad s = q_boundary(-ax, which) * (1 + (quad)bd_rel[k]);
			double beta = (double)q_nblack(-ax, s), v;

			ck_assert_int_eq(iv_normalised(type, -type * ax, beta, &v), QM_OK);
			double ref = q_implied_normalised(-ax, beta, v);
			quad h = -ax / ref, t = (quad)ref / 2;
			double kappa = (double)(expq(-(h * h + t * t) / 2)
						/ sqrtq(2 * M_PIq) * ref / beta);
			double e = ulps(v, ref);

			ck_assert_msg(e <= 3.0 + 4.0 / kappa, "iv_normalised x %g beta "
				      "%.17g: %.17g, exact %.17g (%.2f ulps, kappa %g)",
				      -type * ax, beta, v, ref, e, kappa);
			bd_record(w, e, kappa);
		}
}

/*
 * Regression: at s = s_c (beta = b_c, where the two middle branches meet)
 * the guess is s_c itself, which was thrown away as "outside" the branch's
 * bracket [s_l, s_c]; from the bracket's middle every Householder step
 * overshot the bracket end by O(step^4), bisection halved the distance
 * once per iteration, and the iteration limit returned a vol off by up to
 * 1e-3 with QM_OK (x = -1: -9.9e-4).  The same happened at s_l and s_u.
 * Prices of the boundary s (1 + d), d = 0, +-1e-14 ... +-1e-6, and the
 * 6 doubles either side of the price at d = 0, for |x| log-spaced in
 * [1e-3, 700) (and 1, 2.41376, 11.86 of the report), calls and puts, out
 * of and in the money, and |x| = 1e-3 and 700 exactly in the normalised
 * form, must be within 3 + 4/kappa ulps of the exact inverse: 4/kappa
 * covers b's own error in bs.c (up to ~5 ulps of b near x = -0.15,
 * s = s_c, where kappa is 1.3).  The largest error is printed.
 */
START_TEST(test_branch_boundaries)
{
	static const double reported[] = { 1.0, 2.41376, 11.86 };
	const int NX = 64;
	struct bd_worst w = { 0.0, 0.0, 0 };

	for (int which = 0; which < 3; which++) {
		for (int i = 0; i < NX + 3; i++) {
			/* every x at s_c, every other one at s_l and s_u */
			if (i < NX && which > 0 && i % 2)
				continue;
			double ax = i < NX ? grid(i, NX, 1e-3, 699.999, 1)
				    : reported[i - NX];

			for (int itm = 0; itm < 2; itm++) {
				bd_scan(which, ax, BS_CALL, itm, &w);
				bd_scan(which, ax, BS_PUT, itm, &w);
			}
		}
		bd_normalised(which, 1e-3, &w);
		bd_normalised(which, 700.0, &w);
	}
	printf("check_iv: branch boundaries s_c, s_l, s_u, %d prices: max error "
	       "%.2f ulps, %.2f of the bound 3 + 4/kappa\n", w.n, w.ulps, w.ratio);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Round trips through bs.c                                                  */
/* ------------------------------------------------------------------------ */

/*
 * iv(price(sigma)) and price(iv(p)) over the target grid (41 x 25 x 25,
 * calls and puts), prices from bs_black76_price.  With kappa = vega sigma /
 * p, a price error of e_p ulps of p (bs.c: <= 8 + 3A for the OTM part plus
 * the rounding of the intrinsic value; taken as 40) moves sigma by
 * e_p/kappa ulps, so:
 *   |iv(price(sigma)) / sigma - 1| <= (4 + 40/kappa) eps,
 *   |price(iv(p)) - p|             <= (40 + 4 kappa) eps p.
 * In the money p includes the intrinsic value, whose rounding hides the
 * time value when that is tiny: kappa is small there and the bound says so.
 * The largest errors in ulps are printed for the record.
 */
START_TEST(test_round_trips)
{
	const int NM = 41, NT = 25, NS = 25;
	double w_sigma = 0.0, w_price = 0.0, w_sigma_k1 = 0.0;
	int n = 0;

	for (int i = 0; i < NM; i++)
		for (int j = 0; j < NT; j++)
			for (int k = 0; k < NS; k++)
				for (int type = -1; type <= 1; type += 2) {
		double m = grid(i, NM, -10, 10, 0);
		double T = grid(j, NT, 1.0 / 365, 30, 1);
		double sg = grid(k, NS, 0.01, 3, 1);
		double F = 100.0, K = F * exp(-m * sqrt(T)), v, pb;
		struct bs_greeks g;

		ck_assert_int_eq(bs_black76_greeks(type, F, K, T, sg, 0.0, &g), QM_OK);
		double p = g.price, tv = p - fmax(type * (F - K), 0.0);

		if (!informative(type, F, K, p) || !(tv > 1e-300 * F))
			continue;
		n++;
		ck_assert_int_eq(iv_black76(type, F, K, T, p, &v), QM_OK);
		double kappa = g.vega * sg / p;
		double es = fabs(v / sg - 1.0) / EPS;

		ck_assert_msg(es <= 4.0 + 40.0 / kappa, "iv(price) type %d m %g T %g "
			      "sigma %.17g: %.17g (%.1f ulps, kappa %g)", type, m, T, sg,
			      v, es, kappa);
		ck_assert_int_eq(bs_black76_price(type, F, K, T, v, 0.0, &pb), QM_OK);
		double ep = fabs(pb - p) / p / EPS;

		ck_assert_msg(ep <= 40.0 + 4.0 * kappa, "price(iv) type %d m %g T %g "
			      "sigma %g: %.1f ulps (kappa %g)", type, m, T, sg, ep, kappa);
		if (es > w_sigma)
			w_sigma = es;
		if (kappa >= 1.0 && es > w_sigma_k1)
			w_sigma_k1 = es;
		if (kappa <= 1.0 && ep > w_price)
			w_price = ep;
	}
	printf("check_iv: round trips, %d grid prices: |iv(price(s))/s-1| max %.3g "
	       "ulps (%.2f where kappa >= 1); |price(iv(p))/p-1| max %.2f ulps "
	       "where kappa <= 1\n", n, w_sigma, w_sigma_k1, w_price);
}
END_TEST

/*
 * Spot form: iv_bs(bs_price(sigma)) = sigma with rates and dividends,
 * within (8 + 40/kappa) ulps, kappa = vega sigma / price (the discounting
 * adds two roundings of the price).
 */
START_TEST(test_spot_form)
{
	unsigned long long st = 17;

	for (int n = 0; n < 5000;) {
		int type = unif(&st) < 0.5 ? BS_CALL : BS_PUT;
		double S = 100.0, m = -4 + 8 * unif(&st);
		double T = exp(log(1.0 / 365) + log(30 * 365.0) * unif(&st));
		double sg = 0.01 * exp(log(300.0) * unif(&st));
		double r = -0.01 + 0.1 * unif(&st), q = 0.05 * unif(&st);
		double K = S * exp(-m * sqrt(T)), v;
		struct bs_greeks g;

		ck_assert_int_eq(bs_greeks(type, S, K, T, sg, r, q, &g), QM_OK);
		double SQ = S * exp(-q * T), KR = K * exp(-r * T);
		double tv = g.price - fmax(type * (SQ - KR), 0.0);
		double room = (type == BS_CALL ? SQ : KR) - g.price;

		/* keep prices that the double distinguishes from both bounds */
		if (!(tv > 1e-12 * g.price) || !(tv > 1e-300)
		    || !(room > 1e-12 * g.price))
			continue;
		n++;
		ck_assert_int_eq(iv_bs(type, S, K, T, r, q, g.price, &v), QM_OK);
		double kappa = g.vega * sg / g.price;

		ck_assert_msg(fabs(v / sg - 1.0) <= (8.0 + 40.0 / kappa) * EPS,
			      "iv_bs type %d K %g T %g r %g q %g sigma %.17g: %.17g", type,
			      K, T, r, q, sg, v);
	}
}
END_TEST

/*
 * The normalised form: iv_normalised(b(x, s)) = s within
 * (8 + 40/kappa + 2 u/(s b')) ulps: the last term is the rounding of the
 * bound u = e^(+-x/2), which fixes e^(x/2) - beta only to eps u.
 */
START_TEST(test_normalised_form)
{
	for (double x = -30; x <= 30; x += 0.37)
		for (double s = 0.01; s < 8; s *= 1.3)
			for (int type = -1; type <= 1; type += 2) {
				double b, v, ub = exp(0.5 * type * x);
				struct bs_nblack nb;

				ck_assert_int_eq(bs_normalised_black(type, x, s, &b), QM_OK);
				ck_assert_int_eq(bs_nblack(-fabs(x), s, 0, &nb), QM_OK);
				double intr = type * x > 0 ? 2 * sinh(0.5 * fabs(x)) : 0.0;

				if (!(b - intr > 1e-300) || !(b < ub))
					continue;
				ck_assert_int_eq(iv_normalised(type, x, b, &v), QM_OK);
				double kappa = s * nb.vega / (b - intr);
				double tol = 8.0 + 40.0 / kappa + 2.0 * ub / (s * nb.vega);

				ck_assert_msg(ulps(v, s) <= tol, "iv_normalised x %g s %g: "
					      "%.17g (%.1f ulps > %.1f)", x, s, v,
					      ulps(v, s), tol);
			}
}
END_TEST

/* ------------------------------------------------------------------------ */
/* QuantLib                                                                  */
/* ------------------------------------------------------------------------ */

/* One implied-volatility case solved by QuantLib. */
struct ql_iv {
	int type;
	double F, K, T, price, sigma;
};

/*
 * tests/ref/ref-bs-quantlib.cpp, QuantLib 1.29: blackFormula price of
 * sigma, then blackFormulaImpliedStdDev (accuracy 1e-15) / sqrt(T).
 */
static const struct ql_iv ql_iv[] = {
	{ BS_CALL, 100, 100, 1,
	  7.9655674554058038, 0.20000000000000021 },
	{ BS_PUT, 100, 80, 0.5,
	  2.2060965526638814, 0.34999999999999992 },
	{ BS_CALL, 100, 130, 2,
	  5.31228941158761, 0.25 },
	{ BS_CALL, 50, 40, 0.10000000000000001,
	  10.498383580098917, 0.60000000000000353 },
	{ BS_PUT, 1.2, 1.5, 5,
	  0.34069633151499268, 0.12000000000000008 },
};

/* Agreement with QuantLib's implied volatility to 1e-13 relative. */
START_TEST(test_quantlib)
{
	for (size_t i = 0; i < sizeof ql_iv / sizeof ql_iv[0]; i++) {
		double v;
		char what[40];

		ck_assert_int_eq(iv_black76(ql_iv[i].type, ql_iv[i].F, ql_iv[i].K,
					    ql_iv[i].T, ql_iv[i].price, &v), QM_OK);
		snprintf(what, sizeof what, "QuantLib iv case %zu", i);
		ck_rel(v, ql_iv[i].sigma, 1e-13, what);
	}
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Bounds and bad input                                                      */
/* ------------------------------------------------------------------------ */

/*
 * Intrinsic value gives sigma = 0; below it, or at/above the bound (F for a
 * call, K for a put, discounted in the spot form) gives QM_EBOUNDS.
 */
START_TEST(test_bounds)
{
	double v, DR = exp(-0.05), DQ = exp(-0.02);

	ck_assert_int_eq(iv_black76(BS_CALL, 110, 100, 1, 10.0, &v), QM_OK);
	ck_assert(v == 0.0);
	ck_assert_int_eq(iv_black76(BS_PUT, 110, 100, 1, 0.0, &v), QM_OK);
	ck_assert(v == 0.0);
	ck_assert_int_eq(iv_black76(BS_CALL, 110, 100, 1, 9.999, &v), QM_EBOUNDS);
	ck_assert(isnan(v));
	ck_assert_int_eq(iv_black76(BS_CALL, 110, 100, 1, 110.0, &v), QM_EBOUNDS);
	ck_assert(isnan(v));
	ck_assert_int_eq(iv_black76(BS_CALL, 110, 100, 1, 111.0, &v), QM_EBOUNDS);
	ck_assert_int_eq(iv_black76(BS_PUT, 110, 100, 1, 100.0, &v), QM_EBOUNDS);
	ck_assert_int_eq(iv_black76(BS_PUT, 90, 100, 1, 9.5, &v), QM_EBOUNDS);
	/* just inside the bounds: finite, and large near the upper bound */
	ck_assert_int_eq(iv_black76(BS_CALL, 110, 100, 1, 110.0 * (1 - 1e-15), &v),
			 QM_OK);
	ck_assert(isfinite(v) && v > 10.0);
	ck_assert_int_eq(iv_black76(BS_PUT, 110, 100, 1, 1e-300, &v), QM_OK);
	ck_assert(v > 0.0 && v < 0.01);
	/* spot form: the bounds are discounted */
	ck_assert_int_eq(iv_bs(BS_CALL, 100, 90, 1, 0.05, 0.02, 100 * DQ, &v),
			 QM_EBOUNDS);
	ck_assert_int_eq(iv_bs(BS_PUT, 100, 90, 1, 0.05, 0.02, 90 * DR, &v), QM_EBOUNDS);
	ck_assert_int_eq(iv_bs(BS_CALL, 100, 90, 1, 0.05, 0.02,
			       100 * DQ - 90 * DR - 1e-9, &v), QM_EBOUNDS);
	/* the discounted intrinsic value as bs_price makes it: sigma = 0 */
	double p;

	ck_assert_int_eq(bs_price(BS_CALL, 100, 90, 1, 0.0, 0.05, 0.02, &p), QM_OK);
	ck_assert_int_eq(iv_bs(BS_CALL, 100, 90, 1, 0.05, 0.02, p, &v), QM_OK);
	ck_assert(v == 0.0);
	/* normalised form */
	ck_assert_int_eq(iv_normalised(BS_CALL, -1, exp(-0.5), &v), QM_EBOUNDS);
	ck_assert_int_eq(iv_normalised(BS_CALL, 1, 2 * sinh(0.5), &v), QM_OK);
	ck_assert(v == 0.0);
	ck_assert_int_eq(iv_normalised(BS_PUT, -1, 0.1, &v), QM_EBOUNDS);
}
END_TEST

/* NaN, infinities, zero and negative values of every argument. */
START_TEST(test_errors)
{
	const double bad[] = { NAN, INFINITY, -INFINITY, -1.0, 0.0 };
	double v;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		double b = bad[i];

		ck_assert_int_eq(iv_black76(BS_CALL, b, 100, 1, 5, &v), QM_EINVAL);
		ck_assert(isnan(v));
		ck_assert_int_eq(iv_black76(BS_CALL, 100, b, 1, 5, &v), QM_EINVAL);
		ck_assert(isnan(v));
		ck_assert_int_eq(iv_black76(BS_CALL, 100, 100, b, 5, &v), QM_EINVAL);
		ck_assert(isnan(v));
		ck_assert_int_eq(iv_bs(BS_PUT, b, 100, 1, 0.01, 0, 5, &v), QM_EINVAL);
		ck_assert_int_eq(iv_bs(BS_PUT, 100, b, 1, 0.01, 0, 5, &v), QM_EINVAL);
		ck_assert_int_eq(iv_bs(BS_PUT, 100, 100, b, 0.01, 0, 5, &v), QM_EINVAL);
		ck_assert(isnan(v));
		if (b != 0.0) {	/* a zero price is allowed (OTM: sigma = 0) */
			ck_assert_int_eq(iv_black76(BS_CALL, 100, 100, 1, b, &v), QM_EINVAL);
			ck_assert(isnan(v));
			ck_assert_int_eq(iv_bs(BS_CALL, 100, 100, 1, 0, 0, b, &v), QM_EINVAL);
			ck_assert_int_eq(iv_normalised(BS_CALL, -1, b, &v), QM_EINVAL);
			ck_assert(isnan(v));
		}
		if (!isfinite(b)) {	/* rates may be negative, not infinite */
			ck_assert_int_eq(iv_bs(BS_CALL, 100, 100, 1, b, 0, 5, &v), QM_EINVAL);
			ck_assert_int_eq(iv_bs(BS_CALL, 100, 100, 1, 0, b, 5, &v), QM_EINVAL);
			ck_assert_int_eq(iv_normalised(BS_CALL, b, 0.1, &v), QM_EINVAL);
		}
	}
	ck_assert_int_eq(iv_black76(0, 100, 100, 1, 5, &v), QM_EINVAL);
	ck_assert_int_eq(iv_bs(3, 100, 100, 1, 0, 0, 5, &v), QM_EINVAL);
	ck_assert_int_eq(iv_normalised(-2, -1, 0.1, &v), QM_EINVAL);
	/* |ln(F/K)| > 700 is out of the solver's domain */
	ck_assert_int_eq(iv_black76(BS_CALL, 1.0, 1e305, 1, 1e-300, &v), QM_EINVAL);
	ck_assert_int_eq(iv_normalised(BS_CALL, -701, 1e-300, &v), QM_EINVAL);
	ck_assert_int_eq(iv_black76(BS_CALL, 100, 100, 1, 5, NULL), QM_EINVAL);
	ck_assert_int_eq(iv_bs(BS_CALL, 100, 100, 1, 0, 0, 5, NULL), QM_EINVAL);
	ck_assert_int_eq(iv_normalised(BS_CALL, -1, 0.1, NULL), QM_EINVAL);
	/* a forward that overflows */
	ck_assert_int_eq(iv_bs(BS_CALL, 1e300, 100, 10, 100, 0, 5, &v), QM_EINVAL);
	ck_assert(isnan(v));
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Real surfaces (optional)                                                  */
/* ------------------------------------------------------------------------ */

/* Opens a file of ../shared/market-data from the usual places, or NULL. */
static FILE *open_market_data(const char *rel)
{
	static const char *const roots[] = { "../shared/market-data",
		"../../shared/market-data", "../../../shared/market-data" };
	char path[1024];
	const char *env = getenv("QDESK_MARKET_DATA");
	const char *srcdir = getenv("srcdir");
	FILE *f;

	if (env) {
		snprintf(path, sizeof path, "%s/%s", env, rel);
		if ((f = fopen(path, "r")) != NULL)
			return f;
	}
	if (srcdir) {
		snprintf(path, sizeof path, "%s/../shared/market-data/%s", srcdir, rel);
		if ((f = fopen(path, "r")) != NULL)
			return f;
	}
	for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", roots[i], rel);
		if ((f = fopen(path, "r")) != NULL)
			return f;
	}
	return NULL;
}

/*
 * Prices every quote of a surface with bs_price at its implied vol and
 * implies it back with iv_bs (calls and puts): 1e-12 relative.  Column
 * indices: spot, maturity (days or years), strike, vol, rate, dividend.
 */
static int surface_round_trip(FILE *f, int cspot, int cmat, double mat_unit,
			      int cK, int cvol, int cr, int cq)
{
	char line[512];
	int n = 0;

	if (fgets(line, sizeof line, f) == NULL)	/* header */
		return 0;
	while (fgets(line, sizeof line, f) != NULL) {
		double col[12] = { 0 };
		int nc = 0;

		for (char *tok = strtok(line, ","); tok && nc < 12; tok = strtok(NULL, ","))
			col[nc++] = strtod(tok, NULL);
		if (nc <= cq)
			continue;
		double S = col[cspot], T = col[cmat] * mat_unit, K = col[cK];
		double sg = col[cvol], r = col[cr], q = col[cq];

		for (int type = -1; type <= 1; type += 2) {
			double p, v;

			ck_assert_int_eq(bs_price(type, S, K, T, sg, r, q, &p), QM_OK);
			ck_assert_int_eq(iv_bs(type, S, K, T, r, q, p, &v), QM_OK);
			ck_rel(v, sg, 1e-12, "market surface round trip");
			n++;
		}
	}
	return n;
}

/* The DAX (Sepp) and Euro Stoxx 50 (Andreasen-Huge) surfaces, when present. */
START_TEST(test_market_surfaces)
{
	FILE *f = open_market_data("options/dax_sepp_2002-07-05_ivol.csv");
	int n = 0;

	if (f) {
		n += surface_round_trip(f, 2, 3, 1.0 / 365, 5, 6, 7, 8);
		fclose(f);
	}
	f = open_market_data("options/sx5e_andreasen_huge_2010-03-01_ivol.csv");
	if (f) {
		n += surface_round_trip(f, 2, 3, 1.0, 6, 7, 8, 9);
		fclose(f);
	}
	if (n == 0)
		printf("check_iv: ../shared/market-data not found, surfaces skipped\n");
	else
		printf("check_iv: %d real surface quotes implied back\n", n);
}
END_TEST

/* Builds the suite. */
static Suite *iv_suite(void)
{
	Suite *s = suite_create("iv");
	TCase *tx = tcase_create("exact-inverse");
	TCase *tr = tcase_create("round-trips");
	TCase *tb = tcase_create("bounds-errors");
	TCase *tm = tcase_create("market-data");

	tcase_add_test(tx, test_exact_inverse);
	tcase_add_test(tx, test_exact_inverse_random);
	tcase_add_test(tx, test_extremes);
	tcase_add_test(tx, test_underflowing_beta);
	tcase_add_test(tx, test_branch_boundaries);
	tcase_add_test(tr, test_round_trips);
	tcase_add_test(tr, test_spot_form);
	tcase_add_test(tr, test_normalised_form);
	tcase_add_test(tr, test_quantlib);
	tcase_add_test(tb, test_bounds);
	tcase_add_test(tb, test_errors);
	tcase_add_test(tm, test_market_surfaces);
	/* the quad references are slow under valgrind */
	tcase_set_timeout(tx, 900);
	tcase_set_timeout(tr, 600);
	suite_add_tcase(s, tx);
	suite_add_tcase(s, tr);
	suite_add_tcase(s, tb);
	suite_add_tcase(s, tm);
	return s;
}

/* Runs the suite; exit status 0 when every check passed. */
int main(void)
{
	SRunner *sr = srunner_create(iv_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
