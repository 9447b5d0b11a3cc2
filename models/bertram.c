/*
 * bertram.c -- trade-cycle moments and optimal levels for an OU spread,
 * W.K. Bertram (2010), Physica A 389(11):2234-2243.
 *
 * Why it exists: see bertram.h.  This file holds the numerics.
 *
 * Method.  Work in the natural units of the process: z = (x - theta) / s with
 * s = sigma / sqrt(2 mu) the stationary standard deviation, and time mu t.
 * Then Bertram's eq. (9) and (10) read
 *
 *	mu   E[T] = O(z_m) - O(z_a),
 *	mu^2 V[T] = E(z_m) O(z_m) - E(z_a) O(z_a) - W(z_m) + W(z_a),
 *
 * with the series of his paper split by parity,
 *
 *	O(z) = sum_{j>=1} Gamma(j - 1/2) (sqrt2 z)^(2j-1) / (2j-1)!
 *	     = pi Erfi(z / sqrt2) = 2 sqrt(pi) e^(z^2/2) F(z / sqrt2),
 *	E(z) = sum_{j>=1} Gamma(j) (sqrt2 z)^(2j) / (2j)!,
 *	W(z) = sum_{j>=1} Gamma(j - 1/2) Psi(j - 1/2) (sqrt2 z)^(2j-1) / (2j-1)!,
 *
 * where F is Dawson's integral and Psi(x) = psi(x) - psi(1).  Bertram's
 * w1(z) = (sum/2)^2 - (alternating sum/2)^2 is exactly E(z) O(z), and his
 * w2 is W.  All three grow like e^(z^2/2), so each is computed scaled by
 * e^(-z^2/2): O from Dawson's integral (no Erfi, which overflows at z = 37.7),
 * E and W by summing outwards from the largest term, whose logarithm comes
 * from lgamma; terms then follow by exact ratios.  The moments are kept as
 * mantissa * e^(scale), and the return, its variance and the Sharpe ratio are
 * formed before the scale is applied, so none of them overflows.
 *
 * The expected-return optimum (Bertram's eq. 13, symmetric levels) becomes,
 * with Erfi(u) = 2/sqrt(pi) e^(u^2) F(u), the overflow-free equation
 * u - F(u) = -c sqrt(mu) / (2 sigma), u = (a - theta) sqrt(mu) / sigma.
 * Its left side has derivative 2 u F(u) >= 0, so the root on u < 0 is unique
 * and lies in [-(k + 0.55), 0] (k the right side's magnitude, |F| <= 0.5411).
 * At the root the return per unit time is mu_r = sigma sqrt(mu) e^(-u^2) /
 * (2 sqrt(pi)).
 *
 * Accuracy: E[T] and V[T] agree with nested adaptive quadrature of the
 * first-passage moment integrals to ~1e-15 relative (the tests demand 1e-10,
 * the quadrature's own tolerance) for levels within a few sd; far out the
 * rounding of z itself costs ~z^2 eps (E[T] ~ e^(z^2/2)).  The eq. (13)
 * root is found to 1e-15 in u.  The Sharpe optimum is found to ~1e-8
 * relative in the level: the objective is flat to second order there, so
 * double rounding of S limits any minimiser to about sqrt(eps).
 */
#include <float.h>
#include <math.h>
#include <stddef.h>

#include <gsl/gsl_sf_dawson.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

#include "bertram.h"
#include "qm-status.h"

#define BT_SQRT_PI	1.77245385090551602729816748334	/* sqrt(pi) */
#define BT_SQRT2	1.41421356237309504880168872421	/* sqrt(2) */
#define BT_LN2		0.69314718055994530941723212146	/* ln 2 */
#define BT_EULER	0.57721566490153286060651209008	/* -psi(1) */
#define BT_ZMAX		1000.0	/* furthest level, stationary sd */
#define BT_TINY		1e-100	/* below this |z| the series are one term */
#define BT_SCAN_N	48	/* points of the Sharpe scan */
#define BT_SCAN_WIDTH	12.0	/* width of the Sharpe scan, stationary sd */

/* Trade-cycle moments in scaled form: mu E[T] = es e^sc, mu^2 V[T] = vs e^2sc. */
struct bt_moments {
	double es;
	double vs;
	double sc;
};

/* Tells whether the OU parameters are finite with mu > 0 and sigma > 0. */
static int bt_bad_ou(const struct ou_params *p)
{
	return p == NULL || !isfinite(p->theta) || !isfinite(p->mu) ||
	       !isfinite(p->sigma) || p->mu <= 0.0 || p->sigma <= 0.0;
}

/* Returns the stationary standard deviation sigma / sqrt(2 mu). */
static double bt_sd(const struct ou_params *p)
{
	return p->sigma / sqrt(2.0 * p->mu);
}

/* Returns Dawson's integral F(x) = e^(-x^2) int_0^x e^(t^2) dt. */
static double bt_dawson(double x)
{
	gsl_sf_result r;

	/* Finite for every finite x: the _e form never reaches GSL's handler. */
	gsl_sf_dawson_e(x, &r);
	return r.val;
}

/* Returns O(z) e^(-z^2/2) = 2 sqrt(pi) F(z / sqrt2); odd in z. */
static double bt_odd_scaled(double z)
{
	return 2.0 * BT_SQRT_PI * bt_dawson(z / BT_SQRT2);
}

/* Returns E(z) e^(-z^2/2) for z >= 0, summing outwards from the peak term. */
static double bt_even_scaled(double z)
{
	double z2, t0, t, sum;
	long j, j0, jend;

	if (z < BT_TINY)
		return z * z;	/* first term Gamma(1) 2 z^2 / 2! */
	z2 = z * z;
	j0 = (long)(0.5 * z2);
	if (j0 < 1)
		j0 = 1;
	/* T_j = Gamma(j) 2^j z^2j / (2j)!; the ratio T_(j+1)/T_j is below 1
	 * once j > z^2/2, so the largest term sits near j0. */
	t0 = exp(gsl_sf_lngamma((double)j0) + (double)j0 * log(2.0 * z2) -
		 gsl_sf_lngamma(2.0 * (double)j0 + 1.0) - 0.5 * z2);
	sum = t0;
	jend = j0 + 40 * ((long)z + 10);
	for (j = j0, t = t0; j < jend; j++) {
		t *= (double)j * z2 / ((2.0 * j + 1.0) * (j + 1.0));
		sum += t;
		if (t < 1e-18 * sum)
			break;
	}
	for (j = j0, t = t0; j > 1; j--) {
		t *= (2.0 * j - 1.0) * (double)j / ((double)(j - 1) * z2);
		sum += t;
		if (t < 1e-18 * sum)
			break;
	}
	return sum;
}

/* Returns W(z) e^(-z^2/2) for z >= 0, summing outwards from the peak term. */
static double bt_w2_scaled(double z)
{
	double z2, b0, psi0, b, psi, sum, abs_sum;
	long j, j0, jend;

	if (z < BT_TINY)	/* Gamma(1/2) Psi(1/2) sqrt2 z, Psi(1/2) = -2 ln 2 */
		return -2.0 * BT_LN2 * BT_SQRT_PI * BT_SQRT2 * z;
	z2 = z * z;
	j0 = (long)(0.5 * z2);
	if (j0 < 1)
		j0 = 1;
	/* B_j = Gamma(j-1/2) (sqrt2 z)^(2j-1) / (2j-1)!, Psi_j = Psi(j-1/2). */
	b0 = exp(gsl_sf_lngamma(j0 - 0.5) + (2.0 * j0 - 1.0) * log(BT_SQRT2 * z) -
		 gsl_sf_lngamma(2.0 * (double)j0) - 0.5 * z2);
	psi0 = gsl_sf_psi(j0 - 0.5) + BT_EULER;
	sum = b0 * psi0;
	abs_sum = fabs(sum);
	jend = j0 + 40 * ((long)z + 10);
	for (j = j0, b = b0, psi = psi0; j < jend; j++) {
		b *= (2.0 * j - 1.0) * z2 / (2.0 * j * (2.0 * j + 1.0));
		psi += 1.0 / (j - 0.5);
		sum += b * psi;
		abs_sum += fabs(b * psi);
		if (b * (fabs(psi) + 1.0) < 1e-18 * abs_sum)
			break;
	}
	for (j = j0, b = b0, psi = psi0; j > 1; j--) {
		b *= 2.0 * (j - 1.0) * (2.0 * j - 1.0) / ((2.0 * j - 3.0) * z2);
		psi -= 1.0 / (j - 1.5);
		sum += b * psi;
		abs_sum += fabs(b * psi);
		if (b * (fabs(psi) + 1.0) < 1e-18 * abs_sum)
			break;
	}
	return sum;
}

/* Computes the scaled cycle moments for levels za < zm (stationary sd units). */
static void bt_moments_z(double za, double zm, struct bt_moments *mo)
{
	double ha = 0.5 * za * za, hm = 0.5 * zm * zm;
	double sc = fmax(ha, hm);
	double fa = exp(ha - sc), fm = exp(hm - sc);
	double oa = bt_odd_scaled(za), om = bt_odd_scaled(zm);
	double ea = bt_even_scaled(fabs(za)), em = bt_even_scaled(fabs(zm));
	/* W is odd; its sign for small |z| is negative, so no copysign. */
	double wa = (za < 0.0 ? -1.0 : 1.0) * bt_w2_scaled(fabs(za));
	double wm = (zm < 0.0 ? -1.0 : 1.0) * bt_w2_scaled(fabs(zm));

	mo->es = om * fm - oa * fa;
	/* E O is even times odd; under the common scale e^(2 sc) the W terms
	 * carry one more factor e^(-sc). */
	mo->vs = em * om * fm * fm - ea * oa * fa * fa -
		 (wm * fm - wa * fa) * exp(-sc);
	mo->sc = sc;
}

/* Checks levels a < m, converts them to z units and fills the moments. */
static int bt_moments(const struct ou_params *p, double a, double m,
		      struct bt_moments *mo)
{
	double s, za, zm;

	if (bt_bad_ou(p) || !isfinite(a) || !isfinite(m) || !(a < m))
		return QM_EINVAL;
	s = bt_sd(p);
	za = (a - p->theta) / s;
	zm = (m - p->theta) / s;
	if (!(za < zm))		/* levels closer than the resolution of s */
		return QM_EINVAL;
	if (fabs(za) > BT_ZMAX || fabs(zm) > BT_ZMAX)
		return QM_EOVERFLOW;
	bt_moments_z(za, zm, mo);
	return QM_OK;
}

/* Returns mantissa * e^(sc) / div, or +inf when it exceeds DBL_MAX. */
static double bt_unscale(double mant, double sc, double div)
{
	double lg = log(mant) - log(div) + sc;

	if (lg >= log(DBL_MAX))
		return INFINITY;
	if (sc < 700.0)		/* direct form: one rounding fewer */
		return mant / div * exp(sc);
	return exp(lg);
}

int bertram_trade_length(const struct ou_params *p, double a, double m,
			 double *mean, double *var)
{
	struct bt_moments mo;
	int st;

	if (mean == NULL)
		return QM_EINVAL;
	*mean = NAN;
	if (var != NULL)
		*var = NAN;
	st = bt_moments(p, a, m, &mo);
	if (st == QM_EOVERFLOW) {
		*mean = INFINITY;
		if (var != NULL)
			*var = INFINITY;
	}
	if (st != QM_OK)
		return st;
	*mean = bt_unscale(mo.es, mo.sc, p->mu);
	if (var != NULL)
		*var = bt_unscale(mo.vs, 2.0 * mo.sc, p->mu * p->mu);
	if (isinf(*mean) || (var != NULL && isinf(*var)))
		return QM_EOVERFLOW;
	return QM_OK;
}

/* Fills mu_r (per year) and sigma_r^2 (per year) from scaled moments. */
static void bt_return_from(const struct ou_params *p, const struct bt_moments *mo,
			   double r, double *ret_mean, double *ret_var)
{
	double damp = exp(-mo->sc);

	*ret_mean = r * p->mu / mo->es * damp;
	*ret_var = r * r * p->mu * mo->vs / (mo->es * mo->es * mo->es) * damp;
}

int bertram_return(const struct ou_params *p, double a, double m, double c,
		   double *ret_mean, double *ret_var)
{
	struct bt_moments mo;
	double rv;
	int st;

	if (ret_mean == NULL)
		return QM_EINVAL;
	*ret_mean = NAN;
	if (ret_var != NULL)
		*ret_var = NAN;
	if (!isfinite(c) || c < 0.0)
		return QM_EINVAL;
	st = bt_moments(p, a, m, &mo);
	if (st != QM_OK)
		return st;
	bt_return_from(p, &mo, m - a - c, ret_mean, &rv);
	if (ret_var != NULL)
		*ret_var = rv;
	return QM_OK;
}

/* Returns the Sharpe ratio from scaled moments; r = m - a - c != 0. */
static double bt_sharpe_from(const struct ou_params *p, const struct bt_moments *mo,
			     double r, double rf, int rf_mode)
{
	/* mu_r / sigma_r = sign(r) sqrt(mu E[T] / V[T]) needs no r at all. */
	double base = sqrt(p->mu * mo->es / mo->vs) * exp(-0.5 * mo->sc);
	double lg;

	if (rf_mode == BERTRAM_RF_PER_TRADE)
		return (r - rf) / fabs(r) * base;
	if (rf == 0.0)
		return copysign(base, r);
	/* rf / sigma_r = rf E[T]^1.5 / (|r| sqrt V[T]), formed in logs. */
	lg = 1.5 * log(mo->es) - log(fabs(r)) - 0.5 * log(p->mu * mo->vs) +
	     0.5 * mo->sc;
	if (lg >= log(DBL_MAX))
		return rf > 0.0 ? -INFINITY : INFINITY;
	return copysign(base, r) - rf * exp(lg);
}

int bertram_sharpe(const struct ou_params *p, double a, double m, double c,
		   double rf, int rf_mode, double *sharpe)
{
	struct bt_moments mo;
	int st;

	if (sharpe == NULL)
		return QM_EINVAL;
	*sharpe = NAN;
	if (!isfinite(c) || c < 0.0 || !isfinite(rf) ||
	    (rf_mode != BERTRAM_RF_RATE && rf_mode != BERTRAM_RF_PER_TRADE))
		return QM_EINVAL;
	if (m - a - c == 0.0)
		return QM_EINVAL;
	st = bt_moments(p, a, m, &mo);
	if (st != QM_OK)
		return st;
	*sharpe = bt_sharpe_from(p, &mo, m - a - c, rf, rf_mode);
	return isfinite(*sharpe) ? QM_OK : QM_EOVERFLOW;
}

/* Sets every field of a levels record to NaN. */
static void bt_levels_nan(struct bertram_levels *out)
{
	out->a = out->m = NAN;
	out->trade_mean = out->trade_var = NAN;
	out->ret_mean = out->ret_sd = out->sharpe = NAN;
}

/* Fills a levels record for a = theta - d, m = theta + d. */
static int bt_levels_fill(const struct ou_params *p, double d, double c,
			  double rf, int rf_mode, struct bertram_levels *out)
{
	struct bt_moments mo;
	double rv;
	int st;

	out->a = p->theta - d;
	out->m = p->theta + d;
	st = bt_moments(p, out->a, out->m, &mo);
	if (st != QM_OK)
		return st;
	bt_return_from(p, &mo, 2.0 * d - c, &out->ret_mean, &rv);
	out->ret_sd = sqrt(rv);
	out->sharpe = bt_sharpe_from(p, &mo, 2.0 * d - c, rf, rf_mode);
	out->trade_mean = bt_unscale(mo.es, mo.sc, p->mu);
	out->trade_var = bt_unscale(mo.vs, 2.0 * mo.sc, p->mu * p->mu);
	if (isinf(out->trade_mean) || isinf(out->trade_var))
		return QM_EOVERFLOW;
	return QM_OK;
}

/* Returns g(u) = u - F(u) + k, the eq. (13) residual in Dawson form. */
static double bt_eq13(double u, double k)
{
	return u - bt_dawson(u) + k;
}

/*
 * Finds the root of bt_eq13 in [lo, hi] where it changes sign, by Brent and
 * Dekker's method: inverse quadratic or secant steps kept inside the bracket,
 * bisection when they stall.  Returns the root to |x| * 4 eps + tol.
 */
static double bt_zero(double lo, double hi, double k, double tol)
{
	double a = lo, b = hi, c, d, e, fa, fb, fc, m, p, q, r, s, t;
	int it;

	fa = bt_eq13(a, k);
	fb = bt_eq13(b, k);
	c = a;
	fc = fa;
	d = e = b - a;
	for (it = 0; it < 200; it++) {
		if (fabs(fc) < fabs(fb)) {	/* keep b the best estimate */
			a = b; b = c; c = a;
			fa = fb; fb = fc; fc = fa;
		}
		t = 2.0 * DBL_EPSILON * fabs(b) + tol;
		m = 0.5 * (c - b);
		if (fabs(m) <= t || fb == 0.0)
			break;
		if (fabs(e) < t || fabs(fa) <= fabs(fb)) {
			d = e = m;	/* bisection */
		} else {
			s = fb / fa;
			if (a == c) {		/* secant */
				p = 2.0 * m * s;
				q = 1.0 - s;
			} else {		/* inverse quadratic */
				q = fa / fc;
				r = fb / fc;
				p = s * (2.0 * m * q * (q - r) - (b - a) * (r - 1.0));
				q = (q - 1.0) * (r - 1.0) * (s - 1.0);
			}
			if (p > 0.0)
				q = -q;
			else
				p = -p;
			if (2.0 * p < 3.0 * m * q - fabs(t * q) && p < fabs(0.5 * e * q)) {
				e = d;
				d = p / q;
			} else {
				d = e = m;
			}
		}
		a = b;
		fa = fb;
		b += fabs(d) > t ? d : (m > 0.0 ? t : -t);
		fb = bt_eq13(b, k);
		if ((fb > 0.0) == (fc > 0.0)) {	/* keep the root between b and c */
			c = a;
			fc = fa;
			d = e = b - a;
		}
	}
	return b;
}

int bertram_optimal_return(const struct ou_params *p, double c,
			   struct bertram_levels *out)
{
	double k, u, d;

	if (out == NULL)
		return QM_EINVAL;
	bt_levels_nan(out);
	if (bt_bad_ou(p) || !isfinite(c) || c <= 0.0)
		return QM_EINVAL;
	k = c * sqrt(p->mu) / (2.0 * p->sigma);
	/* g(0) = k > 0 and g(-(k + 0.55)) <= -0.55 + 0.5411 < 0. */
	u = bt_zero(-(k + 0.55), 0.0, k, 1e-15);
	d = -u * p->sigma / sqrt(p->mu);
	if (!(d > 0.5 * c))	/* unreachable for c > 0: F(u) < 0 on u < 0 */
		return QM_ENOROOT;
	return bt_levels_fill(p, d, c, 0.0, BERTRAM_RF_RATE, out);
}

/* What the Sharpe objective needs besides the level. */
struct bt_sharpe_ctx {
	const struct ou_params *p;
	double s, c, rf;
	int rf_mode;
};

/* Returns minus the Sharpe ratio for symmetric levels at z sd from theta. */
static double bt_neg_sharpe(double z, const struct bt_sharpe_ctx *cx)
{
	struct bt_moments mo;
	double r = 2.0 * z * cx->s - cx->c, sh;

	if (!(r > 0.0))
		return DBL_MAX;
	bt_moments_z(-z, z, &mo);
	sh = bt_sharpe_from(cx->p, &mo, r, cx->rf, cx->rf_mode);
	if (!(sh > -DBL_MAX))
		return DBL_MAX;
	return -sh;
}

/*
 * Minimises bt_neg_sharpe on [lo, hi] by Brent's method (golden section with
 * parabolic interpolation), starting from x inside, and returns the argmin.
 */
static double bt_fmin(double lo, double hi, double x0, const struct bt_sharpe_ctx *cx)
{
	const double cgold = 0.3819660112501051;	/* (3 - sqrt5) / 2 */
	double a = lo, b = hi, x = x0, w = x0, v = x0, fx, fw, fv;
	double d = 0.0, e = 0.0, xm, tol1, tol2, p, q, r, u, fu;
	int it;

	fx = fw = fv = bt_neg_sharpe(x, cx);
	for (it = 0; it < 200; it++) {
		xm = 0.5 * (a + b);
		tol1 = 1e-10 * fabs(x) + 1e-14;
		tol2 = 2.0 * tol1;
		if (fabs(x - xm) <= tol2 - 0.5 * (b - a))
			break;
		p = q = r = 0.0;
		if (fabs(e) > tol1) {	/* trial parabola through x, w, v */
			r = (x - w) * (fx - fv);
			q = (x - v) * (fx - fw);
			p = (x - v) * q - (x - w) * r;
			q = 2.0 * (q - r);
			if (q > 0.0)
				p = -p;
			q = fabs(q);
			r = e;
			e = d;
		}
		if (fabs(p) < fabs(0.5 * q * r) && p > q * (a - x) && p < q * (b - x)) {
			d = p / q;
			u = x + d;
			if (u - a < tol2 || b - u < tol2)
				d = xm > x ? tol1 : -tol1;
		} else {
			e = (x < xm) ? b - x : a - x;
			d = cgold * e;
		}
		u = x + (fabs(d) >= tol1 ? d : (d > 0.0 ? tol1 : -tol1));
		fu = bt_neg_sharpe(u, cx);
		if (fu <= fx) {
			if (u < x)
				b = x;
			else
				a = x;
			v = w; fv = fw;
			w = x; fw = fx;
			x = u; fx = fu;
		} else {
			if (u < x)
				a = u;
			else
				b = u;
			if (fu <= fw || w == x) {
				v = w; fv = fw;
				w = u; fw = fu;
			} else if (fu <= fv || v == x || v == w) {
				v = u; fv = fu;
			}
		}
	}
	return x;
}

int bertram_optimal_sharpe(const struct ou_params *p, double c, double rf,
			   int rf_mode, struct bertram_levels *out)
{
	struct bt_sharpe_ctx cx;
	double z[BT_SCAN_N], f, fbest = DBL_MAX, zlo, lo, hi, zs;
	int i, ibest = 0, st;

	if (out == NULL)
		return QM_EINVAL;
	bt_levels_nan(out);
	if (bt_bad_ou(p) || !isfinite(c) || c < 0.0 || !isfinite(rf) ||
	    (rf_mode != BERTRAM_RF_RATE && rf_mode != BERTRAM_RF_PER_TRADE))
		return QM_EINVAL;
	cx.p = p;
	cx.s = bt_sd(p);
	cx.c = c;
	cx.rf = rf;
	cx.rf_mode = rf_mode;
	zlo = 0.5 * c / cx.s;		/* below it m - a - c <= 0 */
	if (zlo + BT_SCAN_WIDTH > BT_ZMAX)
		return QM_EOVERFLOW;
	/* A scan denser near zlo, where the objective changes fastest. */
	for (i = 0; i < BT_SCAN_N; i++) {
		double t = (i + 1.0) / BT_SCAN_N;

		z[i] = zlo + BT_SCAN_WIDTH * t * t;
		f = bt_neg_sharpe(z[i], &cx);
		if (f < fbest) {
			fbest = f;
			ibest = i;
		}
	}
	if (!(fbest < 0.0))
		return QM_ENOROOT;
	if (ibest == BT_SCAN_N - 1) {	/* still rising at 12 sd: report the edge */
		st = bt_levels_fill(p, z[ibest] * cx.s, c, rf, rf_mode, out);
		return st == QM_OK ? QM_ENOCONV : st;
	}
	lo = ibest > 0 ? z[ibest - 1] : zlo;
	hi = z[ibest + 1];
	zs = bt_fmin(lo, hi, z[ibest], &cx);
	st = bt_levels_fill(p, zs * cx.s, c, rf, rf_mode, out);
	if (st != QM_OK)
		return st;
	/* A maximum squeezed against m - a - c = 0 is no interior optimum. */
	if (ibest == 0 && zs - zlo < 1e-6 * (z[1] - zlo))
		return QM_ENOCONV;
	return QM_OK;
}
