/*
 * sabr.c -- SABR implied-vol formulas of Hagan et al. (2002) and Obloj (2008).
 *
 * Why it exists: it is the numerical core behind sabr.h; the calibrator in
 * sabr-calib.c evaluates sabr_strike_vol_n() thousands of times per fit, so
 * once the strike geometry is cached the hot path is one sqrt, one log and
 * a few divisions per strike.  A one-off Hagan vol (the console, chains)
 * takes sabr_hagan_fast(), the same formula with its divisions merged.
 *
 * How the formulas are organised.  Write u = log(F/K), b = 1 - beta and
 * q = (F K)^(b/2).  Both Black-vol expansions have the form
 *
 *   vol = (alpha / d) * chi(z) * (1 + B T),      chi(z) = z / x(z),
 *   x(z) = log((sqrt(1 - 2 rho z + z^2) + z - rho) / (1 - rho)),
 *   B = b^2 alpha^2 / (24 q^2) + rho beta nu alpha / (4 q) + (2 - 3 rho^2) nu^2 / 24,
 *
 * with, for Hagan (2002) eq. (2.17a,b):  d = q (1 + b^2 u^2/24 + b^4 u^4/1920),
 * z = (nu/alpha) q u;  and for Obloj (2008):  d = q S(b u / 2), z = (nu/alpha) u d,
 * where S(y) = sinh(y)/y, because (F^b - K^b)/b = u q S(b u/2) exactly.  The
 * sinh form makes the beta -> 1 and K -> F limits removable without 0/0.
 * At K = F both reduce to eq. (2.18).  The normal vol (B.67a,b) is
 *
 *   vol_N = alpha (F K)^(beta/2) S(u/2) / S(b u/2) * chi(zeta) * (1 + B_N T),
 *   zeta = (nu/alpha) (F - K) / (F K)^(beta/2),
 *   B_N = -beta (2 - beta) alpha^2 / (24 q^2) + rho alpha nu beta / (4 q)
 *         + (2 - 3 rho^2) nu^2 / 24,
 *
 * where alpha b (F - K) / (F^b - K^b) = alpha (F K)^(beta/2) S(u/2)/S(b u/2).
 *
 * chi(z): for |z| < 1e-3 the Taylor series 1 - rho z/2 + (2 - 3rho^2) z^2/12
 * - rho (6 rho^2 - 5) z^3/24 - (225 rho^4 - 240 rho^2 + 34) z^4/720 (next term
 * below 1e-16 there), so K = F and nu = 0 need no 0/0; otherwise x(z) is
 * written as sgn(z) log1p(w) with w >= 0 built from sums of positive terms
 * only (see sabr_w), and log1p(w)/w is taken as log(y)/(y-1), y = 1 + w
 * (Goldberg 1991), which keeps full accuracy with glibc's fast log().
 * Derivatives use x_z = 1/A and x_rho = (A - 1 + rho z) / (A (1 - rho^2)),
 * A = sqrt(1 - 2 rho z + z^2), the latter from integrating
 * x_rho = int_0^z s (1 - 2 rho s + s^2)^(-3/2) ds in closed form.
 *
 * Accuracy reached: Black vols within 3e-15 relative of long double
 * evaluations of (2.17), Obloj's expression and (B.67) (tests allow
 * 1e-14), within 1.5e-14 of QuantLib 1.29; partials agree with central
 * differences to 1e-7 (the differences' own accuracy).
 */
#include <float.h>
#include <math.h>
#include <stddef.h>

#include "qm-status.h"
#include "sabr.h"

/* Below this |z| the series for z/x(z) is used (truncation error < 1e-16). */
#define SABR_Z_SERIES 1e-3
/* Below this |y| S(y) = sinh(y)/y uses its Taylor series (error < 1e-17). */
#define SABR_S_SERIES 1e-2

/* Returns 1 when x is a finite double. */
static int sabr_finite(double x)
{
	return isfinite(x);
}

/* Checks the parameters shared by all formulas: alpha, rho, nu (not beta). */
static int sabr_check_arn(double alpha, double rho, double nu)
{
	if (!(alpha > 0.0) || !sabr_finite(alpha))
		return QM_EINVAL;
	if (!(rho > -1.0 && rho < 1.0))
		return QM_EINVAL;
	if (!(nu >= 0.0) || !sabr_finite(nu))
		return QM_EINVAL;
	return QM_OK;
}

/* Checks beta in [0, 1]. */
static int sabr_check_beta(double beta)
{
	return (beta >= 0.0 && beta <= 1.0) ? QM_OK : QM_EINVAL;
}

/* Checks a positive finite price (forward or strike). */
static int sabr_check_price(double x)
{
	return (x > 0.0 && sabr_finite(x)) ? QM_OK : QM_EINVAL;
}

/* Checks a maturity T >= 0 years. */
static int sabr_check_time(double T)
{
	return (T >= 0.0 && sabr_finite(T)) ? QM_OK : QM_EINVAL;
}

int sabr_params_check(const sabr_params *p)
{
	if (p == NULL)
		return QM_EINVAL;
	if (sabr_check_beta(p->beta) != QM_OK)
		return QM_EINVAL;
	return sabr_check_arn(p->alpha, p->rho, p->nu);
}

/* S(y) = sinh(y)/y, with its series near 0 so S(0) = 1 exactly. */
static double sabr_sinhc(double y)
{
	double y2;

	if (fabs(y) < SABR_S_SERIES) {
		y2 = y * y;
		return 1.0 + y2 / 6.0 * (1.0 + y2 / 20.0 * (1.0 + y2 / 42.0));
	}
	return sinh(y) / y;
}

/* sqrt(1 - 2 rho z + z^2) written as a sum of non-negative terms. */
static double sabr_A(double z, double rho)
{
	double zr = z - rho;

	return sqrt(zr * zr + (1.0 - rho) * (1.0 + rho));
}

/*
 * x(z) of eq. (2.17c) for |z| >= SABR_Z_SERIES written as x = sgn(z) log1p(w)
 * with w >= 0, so that 1 + w >= 1 and the log is well conditioned; returns
 * w and sets *WM = w / |z| > 0.  From A^2 = (z - rho)^2 + 1 - rho^2:
 *   z > 0:  x = log1p((A + z - 1)/(1 - rho)),
 *           A + z - 1 = z ((1 - rho) + (A + z - rho)) / (A + 1);
 *   z < 0:  x = -log((A - z + rho)/(1 + rho)) = -log1p((A - z - 1)/(1 + rho)),
 *           A - z - 1 = |z| ((1 + rho) + (A - z + rho)) / (A + 1).
 * A + (z - rho) is formed as (1 - rho^2) / (A - (z - rho)) when z - rho < 0
 * (and likewise for A - (z - rho)), so every sum adds positive terms.
 */
static double sabr_w(double z, double rho, double A, double *WM)
{
	double d = z - rho, S;

	if (z > 0.0) {
		S = (d >= 0.0) ? A + d : (1.0 - rho) * (1.0 + rho) / (A - d);
		*WM = ((1.0 - rho) + S) / ((A + 1.0) * (1.0 - rho));
		return z * *WM;
	}
	S = (d <= 0.0) ? A - d : (1.0 - rho) * (1.0 + rho) / (A + d);
	*WM = ((1.0 + rho) + S) / ((A + 1.0) * (1.0 + rho));
	return -z * *WM;
}

/* chi(z) = z / x(z), the Taylor series near z = 0. */
static double sabr_chi_series(double z, double rho)
{
	double r2 = rho * rho;
	double c2 = (2.0 - 3.0 * r2) / 12.0;
	double c3 = -rho * (6.0 * r2 - 5.0) / 24.0;
	double c4 = -(225.0 * r2 * r2 - 240.0 * r2 + 34.0) / 720.0;

	return 1.0 + z * (-0.5 * rho + z * (c2 + z * (c3 + z * c4)));
}

/*
 * chi(z) = z / x(z) of eq. (2.17), value only.  With x = sgn(z) log1p(w)
 * and w = |z| WM, chi = w / (WM log1p(w)); log1p(w)/w is taken as
 * log(y)/(y - 1) with y = 1 + w rounded, which is accurate to a few ulps
 * (Goldberg 1991, Thm 4) and needs only glibc's fast log().
 */
static double sabr_chi(double z, double rho)
{
	double WM, y;

	if (fabs(z) < SABR_Z_SERIES)
		return sabr_chi_series(z, rho);
	y = 1.0 + sabr_w(z, rho, sabr_A(z, rho), &WM);
	return (y - 1.0) / (WM * log(y));
}

/* chi(z) with its partial derivatives chi_z and chi_rho. */
static double sabr_chi_d(double z, double rho, double *chi_z, double *chi_r)
{
	double r2 = rho * rho, A, y, WM, chi, den, E;
	double c2, c3, c4;

	if (fabs(z) < SABR_Z_SERIES) {
		c2 = (2.0 - 3.0 * r2) / 12.0;
		c3 = -rho * (6.0 * r2 - 5.0) / 24.0;
		c4 = -(225.0 * r2 * r2 - 240.0 * r2 + 34.0) / 720.0;
		*chi_z = -0.5 * rho + z * (2.0 * c2 + z * (3.0 * c3 + z * 4.0 * c4));
		/* d/drho of the series coefficients: -1/2, -rho/2, -(18rho^2-5)/24, ... */
		*chi_r = z * (-0.5 + z * (-0.5 * rho + z * (-(18.0 * r2 - 5.0) / 24.0
			+ z * (-(900.0 * r2 * rho - 480.0 * rho) / 720.0))));
		return 1.0 + z * (-0.5 * rho + z * (c2 + z * (c3 + z * c4)));
	}
	A = sabr_A(z, rho);
	y = 1.0 + sabr_w(z, rho, A, &WM);
	chi = (y - 1.0) / (WM * log(y));
	/* one division for both 1/z and 1/A: E = 1 / (z A (1-rho^2) (A+1)^2) */
	den = (1.0 - rho) * (1.0 + rho) * (A + 1.0) * (A + 1.0);
	E = 1.0 / (z * A * den);
	/* chi_z = (x - z x_z) / x^2 with x_z = 1/A, i.e. (chi/z)(1 - chi/A) */
	*chi_z = chi * (E * A * den) * (1.0 - chi * (E * z * den));
	/* x_rho = z^2 (A + 1 + rho z - 2 rho^2) / (A (1-rho^2) (A+1)^2), chi_r = -chi^2 x_rho/z */
	*chi_r = -chi * chi * z * z * (A + 1.0 + rho * z - 2.0 * r2) * E;
	return chi;
}

/*
 * Fills the strike geometry (no validation: callers have checked F, K > 0,
 * beta in [0,1]).  u = log(F/K), or log F - log K for general beta, is
 * accurate to a few ulps of log F in absolute terms, which is what the
 * vol's smooth dependence on u needs.
 */
static int sabr_geom(sabr_strike *s, enum sabr_formula f, double F, double K, double beta)
{
	double b = 1.0 - beta, u, q, lf, lk, bu, bu2, d, P, fk = F * K;
	/* F K is a normal double: sqrt(F K) needs no split into sqrt F sqrt K */
	int fk_ok = fk >= DBL_MIN && fk <= DBL_MAX;

	/* the common betas avoid exp/log for q: one log for u only */
	if (beta == 1.0) {
		u = log(F / K);
		q = 1.0;
	} else if (beta == 0.0) {
		u = log(F / K);
		q = fk_ok ? sqrt(fk) : sqrt(F) * sqrt(K);
	} else if (beta == 0.5) {
		u = log(F / K);
		q = sqrt(fk_ok ? sqrt(fk) : sqrt(F) * sqrt(K));
	} else {
		lf = log(F);
		lk = log(K);
		u = lf - lk;
		q = exp(0.5 * b * (lf + lk));
	}
	bu = b * u;
	s->beta = beta;
	s->omb2 = b * b;
	if (f == SABR_HAGAN) {
		bu2 = bu * bu;
		P = 1.0 + bu2 * (1.0 / 24.0) + bu2 * bu2 * (1.0 / 1920.0);
		s->zf = q * u;
	} else {
		P = sabr_sinhc(0.5 * bu);
		s->zf = u * q * P;
	}
	/* one division for both: 1/d = 1/(q P), 1/q = P/d */
	d = q * P;
	s->inv_d = 1.0 / d;
	s->inv_q = s->inv_d * P;
	if (!sabr_finite(s->inv_q) || !sabr_finite(s->inv_d) || !sabr_finite(s->zf)
	    || s->inv_q == 0.0 || s->inv_d == 0.0) {
		s->beta = s->omb2 = s->inv_q = s->inv_d = s->zf = NAN;
		return QM_EOVERFLOW;
	}
	return QM_OK;
}

int sabr_strike_init(sabr_strike *s, enum sabr_formula f, double F, double K, double beta)
{
	if (s == NULL)
		return QM_EINVAL;
	if (sabr_check_price(F) || sabr_check_price(K) || sabr_check_beta(beta)
	    || (f != SABR_HAGAN && f != SABR_OBLOJ)) {
		s->beta = s->omb2 = s->inv_q = s->inv_d = s->zf = NAN;
		return QM_EINVAL;
	}
	return sabr_geom(s, f, F, K, beta);
}

/* Sets the three derivative outputs to NaN when the caller asked for them. */
static void sabr_nan3(double *d)
{
	if (d != NULL)
		d[0] = d[1] = d[2] = NAN;
}

/*
 * The common Black-vol expression (alpha/d) chi(z) (1 + B T) and, when
 * dvol != NULL, its partials in (alpha, rho, nu).  Inputs already checked.
 */
static int sabr_eval(const sabr_strike *s, double alpha, double rho, double nu, double nua,
		     double T, double *vol, double *dvol)
{
	double beta = s->beta, iq = s->inv_q, z, chi, chi_z, chi_r, B, G, front;

	/* nua = nu / alpha, hoisted by callers that loop over strikes */
	z = nua * s->zf;
	B = s->omb2 * alpha * alpha * iq * iq * (1.0 / 24.0) + 0.25 * rho * beta * nu * alpha * iq
		+ (2.0 - 3.0 * rho * rho) * nu * nu * (1.0 / 24.0);
	G = 1.0 + B * T;
	if (dvol == NULL) {
		chi = sabr_chi(z, rho);
		*vol = alpha * s->inv_d * chi * G;
	} else {
		chi = sabr_chi_d(z, rho, &chi_z, &chi_r);
		front = alpha * s->inv_d * chi;
		*vol = front * G;
		/* d/dalpha: z depends on alpha as z = nu zf / alpha */
		dvol[0] = s->inv_d * G * (chi - z * chi_z) + front * T
			* (s->omb2 * alpha * iq * iq * (1.0 / 12.0) + 0.25 * rho * beta * nu * iq);
		dvol[1] = alpha * s->inv_d * chi_r * G + front * T
			* (0.25 * beta * nu * alpha * iq - 0.25 * rho * nu * nu);
		/* d/dnu: dz/dnu = zf / alpha, so alpha cancels */
		dvol[2] = s->inv_d * chi_z * s->zf * G
			+ front * T * (0.25 * rho * beta * alpha * iq
				       + (2.0 - 3.0 * rho * rho) * nu * (1.0 / 12.0));
	}
	if (!sabr_finite(*vol) || (dvol != NULL && (!sabr_finite(dvol[0])
	    || !sabr_finite(dvol[1]) || !sabr_finite(dvol[2])))) {
		*vol = NAN;
		sabr_nan3(dvol);
		return QM_EOVERFLOW;
	}
	if (!(*vol > 0.0)) {
		*vol = NAN;
		sabr_nan3(dvol);
		return QM_EBOUNDS;
	}
	return QM_OK;
}

int sabr_strike_vol(const sabr_strike *s, const sabr_params *p, double T, double *vol,
		    double dvol[3])
{
	if (vol == NULL)
		return QM_EINVAL;
	if (s == NULL || p == NULL || sabr_check_time(T)
	    || sabr_check_arn(p->alpha, p->rho, p->nu) || !(p->beta == s->beta)) {
		*vol = NAN;
		sabr_nan3(dvol);
		return QM_EINVAL;
	}
	return sabr_eval(s, p->alpha, p->rho, p->nu, p->nu / p->alpha, T, vol, dvol);
}

int sabr_strike_vol_n(const sabr_strike *s, size_t n, const sabr_params *p, double T,
		      double *vol, double *dvol)
{
	size_t i;
	int st, first = QM_OK;
	double nua;

	if (vol == NULL || (s == NULL && n > 0))
		return QM_EINVAL;
	if (p == NULL || sabr_check_time(T) || sabr_check_arn(p->alpha, p->rho, p->nu)) {
		for (i = 0; i < n; i++) {
			vol[i] = NAN;
			sabr_nan3(dvol != NULL ? dvol + 3 * i : NULL);
		}
		return QM_EINVAL;
	}
	nua = p->nu / p->alpha;
	for (i = 0; i < n; i++) {
		if (!(p->beta == s[i].beta)) {
			vol[i] = NAN;
			sabr_nan3(dvol != NULL ? dvol + 3 * i : NULL);
			st = QM_EINVAL;
		} else {
			st = sabr_eval(&s[i], p->alpha, p->rho, p->nu, nua, T, &vol[i],
				       dvol != NULL ? dvol + 3 * i : NULL);
		}
		if (st != QM_OK && first == QM_OK)
			first = st;
	}
	return first;
}

/*
 * The partials in (alpha, rho, nu) for sabr_hagan_fast(), as sabr_eval()
 * and sabr_chi_d() form them, from the fast path's pieces (inlined only
 * into sabr_hagan_fast_jac()).  Returns 1 if one is not finite.
 */
static inline int sabr_hagan_fast_d(const sabr_params *p, double T,
	double u, double q, double P, double z, double A, double y, double ly, double num,
	double den, double Bq2, double *dvol)
{
	double alpha = p->alpha, beta = p->beta, rho = p->rho, nu = p->nu, b = 1.0 - beta;
	double chi = (y - 1.0) * den / (num * ly), inv_d = 1.0 / (q * P);
	double iq = inv_d * P, G = 1.0 + T * Bq2 * iq * iq, front = alpha * inv_d * chi;
	double den2 = (1.0 - rho) * (1.0 + rho) * (A + 1.0) * (A + 1.0);
	double E = 1.0 / (z * A * den2);
	double chi_z = chi * (E * A * den2) * (1.0 - chi * (E * z * den2));
	double chi_r = -chi * chi * z * z * (A + 1.0 + rho * z - 2.0 * rho * rho) * E;
	double zf = q * u;

	dvol[0] = inv_d * G * (chi - z * chi_z) + front * T
		* (b * b * alpha * iq * iq * (1.0 / 12.0) + 0.25 * rho * beta * nu * iq);
	dvol[1] = alpha * inv_d * chi_r * G + front * T
		* (0.25 * beta * nu * alpha * iq - 0.25 * rho * nu * nu);
	dvol[2] = inv_d * chi_z * zf * G + front * T
		* (0.25 * rho * beta * alpha * iq + (2.0 - 3.0 * rho * rho) * nu * (1.0 / 12.0));
	return !isfinite(dvol[0]) || !isfinite(dvol[1]) || !isfinite(dvol[2]);
}

/*
 * One-off Hagan (2.17) Black vol (and partials) for the common case: the same
 * u, q and expansion as sabr_geom() + sabr_eval() with their divisions
 * merged.  sabr_w()'s two divisions (the positive-sum form of A + (z - rho)
 * and WM) become one, w = |z| num/den; chi's division, 1/d and 1/q become
 * one final division, since (alpha/d) chi (1 + B T) =
 * alpha (y - 1) den (q^2 + T B q^2) / (num ln(y) P q^3), B q^2 needing no
 * 1/q.  Five divisions on the path are two (nu/alpha is off it); every sum
 * still adds terms of one sign.  Returns -1 (nothing written) outside the
 * common case -- |z| in the series range, q outside [1e-100, 1e100], a
 * result that is not a positive finite number -- where sabr_vol_jac()'s
 * general path decides, with its statuses.  With dvol != NULL the partials
 * in (alpha, rho, nu) come from the same pieces (sabr_eval()'s formulas),
 * so the value with partials is the plain call's bit for bit.  Inputs
 * already checked.
 */
static inline __attribute__((always_inline)) int
sabr_hagan_fast(const sabr_params *p, double F, double K, double T, double *vol, double *dvol)
{
	double alpha = p->alpha, beta = p->beta, rho = p->rho, nu = p->nu;
	double b = 1.0 - beta, u, q, fk = F * K;
	int fk_ok = fk >= DBL_MIN && fk <= DBL_MAX;

	/* u and q exactly as sabr_geom() forms them */
	if (beta == 1.0) {
		u = log(F / K);
		q = 1.0;
	} else if (beta == 0.0) {
		u = log(F / K);
		q = fk_ok ? sqrt(fk) : sqrt(F) * sqrt(K);
	} else if (beta == 0.5) {
		u = log(F / K);
		q = sqrt(fk_ok ? sqrt(fk) : sqrt(F) * sqrt(K));
	} else {
		double lf = log(F), lk = log(K);

		u = lf - lk;
		q = exp(0.5 * b * (lf + lk));
	}
	if (!(q >= 1e-100 && q <= 1e100))
		return -1;
	double bu2 = (b * u) * (b * u);
	double P = 1.0 + bu2 * (1.0 / 24.0) + bu2 * bu2 * (1.0 / 1920.0);
	double z = (nu / alpha) * (q * u);

	if (!(fabs(z) >= SABR_Z_SERIES))
		return -1;
	/* w = |z| num/den, see sabr_w(): one sign of rho per side of z = 0 */
	double orp = z > 0.0 ? 1.0 - rho : 1.0 + rho;
	double d = z > 0.0 ? z - rho : rho - z;		/* |z| - (+-rho) */
	double A = sabr_A(z, rho), num, den = (A + 1.0) * orp;

	if (d >= 0.0) {
		num = orp + (A + d);
	} else {
		/* A + d = (1 - rho^2)/(A - d): num/den with A - d folded in */
		double Ad = A - d;

		num = orp * Ad + (1.0 - rho) * (1.0 + rho);
		den *= Ad;
	}
	double y = 1.0 + fabs(z) * num / den;
	double q2 = q * q;
	double Bq2 = b * b * alpha * alpha * (1.0 / 24.0) + 0.25 * rho * beta * nu * alpha * q
		     + (2.0 - 3.0 * rho * rho) * nu * nu * (1.0 / 24.0) * q2;
	double ly = log(y);
	double v = alpha * (y - 1.0) * den * (q2 + T * Bq2) / (num * ly * (P * q2 * q));

	if (!(v > 0.0 && v < INFINITY))
		return -1;
	if (dvol != NULL && sabr_hagan_fast_d(p, T, u, q, P, z, A, y, ly, num, den, Bq2, dvol))
		return -1;
	*vol = v;
	return QM_OK;
}

/*
 * sabr_hagan_fast(), value only, out of line: its own small frame, apart
 * from sabr_vol_jac()'s general path (measured faster than inlined).
 */
static __attribute__((noinline)) int sabr_hagan_fast_val(const sabr_params *p, double F,
							 double K, double T, double *vol)
{
	return sabr_hagan_fast(p, F, K, T, vol, NULL);
}

/* sabr_hagan_fast() with partials, out of line likewise. */
static __attribute__((noinline)) int sabr_hagan_fast_jac(const sabr_params *p, double F,
							 double K, double T, double *vol,
							 double *dvol)
{
	return sabr_hagan_fast(p, F, K, T, vol, dvol);
}

int sabr_vol_jac(enum sabr_formula f, const sabr_params *p, double F, double K, double T,
		 double *vol, double dvol[3])
{
	sabr_strike s;
	int st;

	if (vol == NULL)
		return QM_EINVAL;
	if (sabr_params_check(p) || sabr_check_price(F) || sabr_check_price(K)
	    || sabr_check_time(T) || (f != SABR_HAGAN && f != SABR_OBLOJ)) {
		*vol = NAN;
		sabr_nan3(dvol);
		return QM_EINVAL;
	}
	if (f == SABR_HAGAN && (dvol == NULL ? sabr_hagan_fast_val(p, F, K, T, vol)
				: sabr_hagan_fast_jac(p, F, K, T, vol, dvol)) == QM_OK)
		return QM_OK;
	st = sabr_geom(&s, f, F, K, p->beta);
	if (st != QM_OK) {
		*vol = NAN;
		sabr_nan3(dvol);
		return st;
	}
	return sabr_eval(&s, p->alpha, p->rho, p->nu, p->nu / p->alpha, T, vol, dvol);
}

int sabr_vol(enum sabr_formula f, const sabr_params *p, double F, double K, double T,
	     double *vol)
{
	return sabr_vol_jac(f, p, F, K, T, vol, NULL);
}

int sabr_vol_hagan(const sabr_params *p, double F, double K, double T, double *vol)
{
	return sabr_vol_jac(SABR_HAGAN, p, F, K, T, vol, NULL);
}

int sabr_vol_obloj(const sabr_params *p, double F, double K, double T, double *vol)
{
	return sabr_vol_jac(SABR_OBLOJ, p, F, K, T, vol, NULL);
}

/*
 * Shared body of the two normal-vol forms: exact = 1 uses the exact ratio
 * alpha b (F-K)/(F^b-K^b) and zeta of (B.67a,b); exact = 0 their expansions
 * to O(u^4) and zeta = (nu/alpha) q u (the form QuantLib 1.29 implements).
 */
static int sabr_normal(const sabr_params *p, double F, double K, double T, int exact,
		       double *vol)
{
	double alpha, beta, rho, nu, b, u, u2, bu2, sfk, q, ratio, zeta, B, v;

	if (vol == NULL)
		return QM_EINVAL;
	if (sabr_params_check(p) || sabr_check_price(F) || sabr_check_price(K)
	    || sabr_check_time(T)) {
		*vol = NAN;
		return QM_EINVAL;
	}
	alpha = p->alpha;
	beta = p->beta;
	rho = p->rho;
	nu = p->nu;
	b = 1.0 - beta;
	u = log1p((F - K) / K);
	sfk = sqrt(F) * sqrt(K);
	if (beta == 1.0)
		q = 1.0;
	else if (beta == 0.0)
		q = sfk;
	else
		q = exp(0.5 * b * (log(F) + log(K)));
	if (exact) {
		/* (FK)^(beta/2) S(u/2) / S(b u/2), with (FK)^(beta/2) = sfk / q */
		if (beta == 0.0)
			ratio = 1.0;
		else if (u == 0.0)
			ratio = sfk / q;
		else
			ratio = (F - K) / (q * u) / sabr_sinhc(0.5 * b * u);
		zeta = nu * (F - K) * q / (alpha * sfk);
	} else {
		u2 = u * u;
		bu2 = b * b * u2;
		ratio = sfk / q * (1.0 + u2 / 24.0 + u2 * u2 / 1920.0)
			/ (1.0 + bu2 / 24.0 + bu2 * bu2 / 1920.0);
		zeta = nu * q * u / alpha;
	}
	B = -beta * (2.0 - beta) * alpha * alpha / (24.0 * q * q)
		+ 0.25 * rho * alpha * nu * beta / q + (2.0 - 3.0 * rho * rho) * nu * nu / 24.0;
	v = alpha * ratio * sabr_chi(zeta, rho) * (1.0 + B * T);
	if (!sabr_finite(v)) {
		*vol = NAN;
		return QM_EOVERFLOW;
	}
	if (!(v > 0.0)) {
		*vol = NAN;
		return QM_EBOUNDS;
	}
	*vol = v;
	return QM_OK;
}

int sabr_vol_normal(const sabr_params *p, double F, double K, double T, double *vol)
{
	return sabr_normal(p, F, K, T, 1, vol);
}

int sabr_vol_normal_expanded(const sabr_params *p, double F, double K, double T,
			     double *vol)
{
	return sabr_normal(p, F, K, T, 0, vol);
}

/*
 * West's cubic in the leading ATM vol a = alpha / F^(1-beta):
 * P(a) = c3 a^3 + c2 a^2 + c1 a - atm_vol, from eq. (2.18).
 */
struct sabr_cubic {
	double c3, c2, c1, c0;
};

/* Evaluates P(a) and, if dp != NULL, P'(a). */
static double sabr_cubic_eval(const struct sabr_cubic *c, double a, double *dp)
{
	if (dp != NULL)
		*dp = (3.0 * c->c3 * a + 2.0 * c->c2) * a + c->c1;
	return ((c->c3 * a + c->c2) * a + c->c1) * a - c->c0;
}

/*
 * Finds the root of P in [lo, hi] where P(lo) < 0 <= P(hi) and P is
 * monotone increasing: Newton steps, falling back to bisection whenever a
 * step leaves the bracket, until the bracket or the step is at rounding level.
 */
static double sabr_cubic_root(const struct sabr_cubic *c, double lo, double hi)
{
	double a = 0.5 * (lo + hi), pa, dp, an;
	int i;

	for (i = 0; i < 200; i++) {
		pa = sabr_cubic_eval(c, a, &dp);
		if (pa == 0.0)
			return a;
		if (pa < 0.0)
			lo = a;
		else
			hi = a;
		an = (dp > 0.0) ? a - pa / dp : 0.5 * (lo + hi);
		if (!(an > lo && an < hi))
			an = 0.5 * (lo + hi);
		if (fabs(an - a) <= 4.0 * DBL_EPSILON * fabs(an) || hi - lo
		    <= 4.0 * DBL_EPSILON * fabs(hi))
			return an;
		a = an;
	}
	return a;
}

/*
 * Smallest positive root of P: split (0, inf) at the positive roots of P'
 * (where P changes monotonicity); P(0) = -atm_vol < 0, so the root lies in
 * the first piece whose right end has P >= 0.  QM_ENOROOT when P stays < 0.
 */
static int sabr_cubic_smallest(const struct sabr_cubic *c, double *root)
{
	double ends[2], e1, e2, t, disc, pe, hi, lo = 0.0;
	int ne = 0, i;

	if (c->c3 > 0.0) {
		/* critical points 3 c3 a^2 + 2 c2 a + c1 = 0, stable quadratic roots */
		disc = c->c2 * c->c2 - 3.0 * c->c3 * c->c1;
		if (disc > 0.0) {
			t = -(c->c2 + copysign(sqrt(disc), c->c2));
			e1 = t / (3.0 * c->c3);
			e2 = (t != 0.0) ? c->c1 / t : -e1;
			if (e1 > e2) {
				t = e1;
				e1 = e2;
				e2 = t;
			}
			if (e1 > 0.0)
				ends[ne++] = e1;
			if (e2 > 0.0)
				ends[ne++] = e2;
		}
	} else if (c->c2 != 0.0) {
		e1 = -c->c1 / (2.0 * c->c2);
		if (e1 > 0.0)
			ends[ne++] = e1;
	}
	for (i = 0; i < ne; i++) {
		pe = sabr_cubic_eval(c, ends[i], NULL);
		if (pe == 0.0) {
			*root = ends[i];
			return QM_OK;
		}
		if (pe > 0.0) {
			*root = sabr_cubic_root(c, lo, ends[i]);
			return QM_OK;
		}
		lo = ends[i];
	}
	/* last, unbounded piece: P must grow to +inf there, else no root */
	if (!(c->c3 > 0.0 || (c->c3 == 0.0 && (c->c2 > 0.0
	      || (c->c2 == 0.0 && c->c1 > 0.0)))))
		return QM_ENOROOT;
	hi = (lo > 0.0) ? 2.0 * lo : 1.0;
	for (i = 0; i < 2100 && sabr_cubic_eval(c, hi, NULL) < 0.0; i++)
		hi *= 2.0;
	if (!sabr_finite(hi) || !(sabr_cubic_eval(c, hi, NULL) >= 0.0))
		return QM_ENOROOT;
	*root = sabr_cubic_root(c, lo, hi);
	return QM_OK;
}

int sabr_alpha_from_atm_jac(double F, double T, double atm_vol, double beta, double rho,
			    double nu, double *alpha, double dalpha[2])
{
	struct sabr_cubic c;
	double b, fb, a, dp, pr, pn;
	int st;

	if (alpha == NULL)
		return QM_EINVAL;
	*alpha = NAN;
	if (dalpha != NULL)
		dalpha[0] = dalpha[1] = NAN;
	if (sabr_check_price(F) || sabr_check_time(T) || sabr_check_beta(beta)
	    || !(atm_vol > 0.0) || !sabr_finite(atm_vol)
	    || !(rho > -1.0 && rho < 1.0) || !(nu >= 0.0) || !sabr_finite(nu))
		return QM_EINVAL;
	b = 1.0 - beta;
	c.c3 = b * b * T / 24.0;
	c.c2 = 0.25 * rho * beta * nu * T;
	c.c1 = 1.0 + (2.0 - 3.0 * rho * rho) * nu * nu * T / 24.0;
	c.c0 = atm_vol;
	st = sabr_cubic_smallest(&c, &a);
	if (st != QM_OK)
		return st;
	fb = (beta == 1.0) ? 1.0 : pow(F, b);
	*alpha = a * fb;
	if (!sabr_finite(*alpha) || !(*alpha > 0.0)) {
		*alpha = NAN;
		return QM_EOVERFLOW;
	}
	if (dalpha != NULL) {
		sabr_cubic_eval(&c, a, &dp);
		if (!(dp != 0.0)) {
			/* a double root: alpha does not depend smoothly on rho, nu */
			*alpha = NAN;
			return QM_ESINGULAR;
		}
		/* P(a; rho, nu) = 0  =>  da/dx = -P_x / P_a */
		pr = 0.25 * beta * nu * T * a * a - 0.25 * rho * nu * nu * T * a;
		pn = 0.25 * rho * beta * T * a * a + (2.0 - 3.0 * rho * rho) * nu * T * a / 12.0;
		dalpha[0] = -pr / dp * fb;
		dalpha[1] = -pn / dp * fb;
	}
	return QM_OK;
}

int sabr_alpha_from_atm(double F, double T, double atm_vol, double beta, double rho,
			double nu, double *alpha)
{
	return sabr_alpha_from_atm_jac(F, T, atm_vol, beta, rho, nu, alpha, NULL);
}
