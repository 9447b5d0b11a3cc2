/*
 * volest.c -- realized volatility, RiskMetrics EWMA, GARCH(1,1) quasi-maximum
 * likelihood and Moreira-Muir weights.
 *
 * Why it exists: see volest.h, which also lists the papers.
 *
 * GARCH(1,1) (Bollerslev 1986, eq. 1, p = q = 1), Gaussian log-likelihood
 * and start-up as in Fiorentini, Calzolari & Panattoni (1996):
 *
 *	e_t = r_t - mu,  h_0 = e_0^2 = s2 = (1/n) sum e_t^2,
 *	h_t = omega + alpha e_(t-1)^2 + beta h_(t-1),
 *	l = -1/2 sum_(t=1..n) [ln 2 pi + ln h_t + e_t^2 / h_t].
 *
 * The gradient comes from the recursions dh_t = d(omega + alpha e^2 +
 * beta h)/dtheta carried along the series, d/dmu including the start-up's
 * dependence on mu; per-period scores give the outer-product matrix G of
 * Bollerslev & Wooldridge's robust covariance.  The optimiser works in
 * x = (mu offset, ln omega, softmax logits of alpha and beta), where every x
 * is a valid model, so BFGS needs no constraint handling.
 *
 * Accuracy: the log-likelihood is a plain sum (relative error ~ n eps); the
 * optimum is reached to a gradient below 1e-9 (per observation, in x), i.e.
 * parameters to about 1e-6 relative of their standard errors, checked in
 * tests/check_volest.c against a Nelder-Mead maximisation of an independently
 * written likelihood.  Standard errors: central differences of the analytic
 * gradient, ~1e-6 relative.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qm-status.h"
#include "volest.h"

#define VE_LN_2PI	1.83787706640934548356065947281	/* ln(2 pi) */
#define VE_MAXITER	400	/* BFGS iterations per start */
#define VE_GTOL		1e-9	/* gradient tolerance, per observation */
#define VE_NP		4	/* parameters at most: mu, omega, alpha, beta */

struct volest_garch_workspace {
	size_t cap;
	double *h;
};

/* Tells whether n values are all finite. */
static int ve_all_finite(const double *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return 0;
	return 1;
}

/* Tells whether a periods-per-year argument is usable. */
static int ve_bad_ppy(double ppy)
{
	return !isfinite(ppy) || ppy <= 0.0;
}

int volest_log_returns(const double *price, size_t n, double *ret)
{
	size_t i;

	if (price == NULL || ret == NULL)
		return QM_EINVAL;
	if (n < 2)
		return QM_ETOOSHORT;
	for (i = 0; i < n; i++)
		if (!isfinite(price[i]) || price[i] <= 0.0)
			break;
	if (i < n) {
		for (i = 0; i + 1 < n; i++)
			ret[i] = NAN;
		return QM_EINVAL;
	}
	/* log of the ratio, not a difference of logs: exact for tiny moves */
	for (i = 0; i + 1 < n; i++)
		ret[i] = log(price[i + 1] / price[i]);
	return QM_OK;
}

/* Returns the per-period variance of n >= 1 (>= 2 demeaned) finite returns. */
static double ve_variance(const double *r, size_t n, int mean_mode)
{
	double mean = 0.0, ss = 0.0;
	size_t i;

	if (mean_mode == VOLEST_DEMEAN) {
		/* a constant series has variance 0 exactly, not rounding noise */
		for (i = 1; i < n && r[i] == r[0]; i++)
			;
		if (i == n)
			return 0.0;
		/* two passes: the textbook one-pass formula cancels badly */
		for (i = 0; i < n; i++)
			mean += r[i];
		mean /= (double)n;
	}
	for (i = 0; i < n; i++)
		ss += (r[i] - mean) * (r[i] - mean);
	return ss / (double)(mean_mode == VOLEST_DEMEAN ? n - 1 : n);
}

/* Checks the common arguments of the realized-volatility functions. */
static int ve_realized_args(const double *ret, size_t n, size_t window,
			    double ppy, int mean_mode, const double *out)
{
	if (ret == NULL || out == NULL || ve_bad_ppy(ppy) ||
	    (mean_mode != VOLEST_DEMEAN && mean_mode != VOLEST_ZERO_MEAN))
		return QM_EINVAL;
	if (window < (mean_mode == VOLEST_DEMEAN ? 2u : 1u) || n < window)
		return QM_ETOOSHORT;
	if (!ve_all_finite(ret, n))
		return QM_EINVAL;
	return QM_OK;
}

int volest_realized(const double *ret, size_t n, double periods_per_year,
		    int mean_mode, double *vol)
{
	double var;
	int st;

	if (vol != NULL)
		*vol = NAN;
	st = ve_realized_args(ret, n, n, periods_per_year, mean_mode, vol);
	if (st != QM_OK)
		return st;
	var = ve_variance(ret, n, mean_mode);
	*vol = sqrt(var * periods_per_year);
	return var > 0.0 ? QM_OK : QM_ECONST;
}

int volest_realized_rolling(const double *ret, size_t n, size_t window,
			    double periods_per_year, int mean_mode, double *vol)
{
	size_t i;
	int st, flat = 0;

	if (vol != NULL)
		for (i = 0; i < n; i++)
			vol[i] = NAN;
	st = ve_realized_args(ret, n, window, periods_per_year, mean_mode, vol);
	if (st != QM_OK)
		return st;
	for (i = window - 1; i < n; i++) {
		double var = ve_variance(ret + i + 1 - window, window, mean_mode);

		vol[i] = sqrt(var * periods_per_year);
		flat |= !(var > 0.0);
	}
	return flat ? QM_ECONST : QM_OK;
}

int volest_ewma(const double *ret, size_t n, double lambda, double init_var,
		double periods_per_year, double *var, double *vol)
{
	double v;
	size_t i;

	if (vol != NULL)
		*vol = NAN;
	if (var != NULL)
		for (i = 0; i <= n; i++)
			var[i] = NAN;
	if (ret == NULL || !isfinite(lambda) || lambda <= 0.0 || lambda >= 1.0 ||
	    !isfinite(init_var) || init_var < 0.0 || ve_bad_ppy(periods_per_year))
		return QM_EINVAL;
	if (n < 1)
		return QM_ETOOSHORT;
	if (!ve_all_finite(ret, n))
		return QM_EINVAL;
	v = init_var;
	if (v == 0.0)
		v = ve_variance(ret, n < VOLEST_EWMA_SEED ? n : VOLEST_EWMA_SEED,
				VOLEST_ZERO_MEAN);
	for (i = 0; i < n; i++) {
		if (var != NULL)
			var[i] = v;
		v = lambda * v + (1.0 - lambda) * ret[i] * ret[i];
	}
	if (var != NULL)
		var[n] = v;
	if (vol != NULL)
		*vol = sqrt(v * periods_per_year);
	return v > 0.0 ? QM_OK : QM_ECONST;
}

/* ---- GARCH(1,1) ----------------------------------------------------------- */

volest_garch_workspace *volest_garch_workspace_alloc(size_t n)
{
	volest_garch_workspace *w;

	if (n == 0 || n > SIZE_MAX / sizeof(double))
		return NULL;
	w = malloc(sizeof *w);
	if (w == NULL)
		return NULL;
	w->h = malloc(n * sizeof *w->h);
	if (w->h == NULL) {
		free(w);
		return NULL;
	}
	w->cap = n;
	return w;
}

void volest_garch_workspace_free(volest_garch_workspace *w)
{
	if (w == NULL)
		return;
	free(w->h);
	free(w);
}

/* Model parameters theta = (mu, omega, alpha, beta). */
enum { P_MU, P_OMEGA, P_ALPHA, P_BETA };

/*
 * Evaluates the log-likelihood at theta; optionally its gradient, the
 * outer product of per-period scores and the variances h.  Returns QM_OK,
 * or QM_EINVAL when some h_t is not positive and finite.
 */
static int ve_eval(const double *r, size_t n, const double th[VE_NP],
		   double *ll, double grad[VE_NP], double opg[VE_NP][VE_NP],
		   double *hout)
{
	const double mu = th[P_MU], om = th[P_OMEGA], al = th[P_ALPHA], be = th[P_BETA];
	double se = 0.0, s2 = 0.0, h, dh[VE_NP], sum = 0.0, e = 0.0;
	size_t t;
	int i, j;

	for (t = 0; t < n; t++) {
		double d = r[t] - mu;

		se += d;
		s2 += d * d;
	}
	s2 /= (double)n;
	/* h_1 = omega + alpha e_0^2 + beta h_0 with e_0^2 = h_0 = s2 */
	h = om + (al + be) * s2;
	dh[P_MU] = (al + be) * (-2.0 * se / (double)n);
	dh[P_OMEGA] = 1.0;
	dh[P_ALPHA] = s2;
	dh[P_BETA] = s2;
	if (grad != NULL)
		memset(grad, 0, VE_NP * sizeof grad[0]);
	if (opg != NULL)
		memset(opg, 0, VE_NP * VE_NP * sizeof opg[0][0]);
	for (t = 0; t < n; t++) {
		double q, sc[VE_NP];

		if (t > 0) {	/* step the recursion with e_(t-1), h_(t-1) */
			dh[P_MU] = -2.0 * al * e + be * dh[P_MU];
			dh[P_OMEGA] = 1.0 + be * dh[P_OMEGA];
			dh[P_ALPHA] = e * e + be * dh[P_ALPHA];
			dh[P_BETA] = h + be * dh[P_BETA];
			h = om + al * e * e + be * h;
		}
		if (!(h > 0.0) || !isfinite(h))
			return QM_EINVAL;
		e = r[t] - mu;
		if (hout != NULL)
			hout[t] = h;
		sum += log(h) + e * e / h;
		if (grad == NULL && opg == NULL)
			continue;
		/* d l_t / d h_t = -(h - e^2) / (2 h^2) */
		q = -0.5 * (h - e * e) / (h * h);
		for (i = 0; i < VE_NP; i++)
			sc[i] = q * dh[i];
		sc[P_MU] += e / h;
		for (i = 0; i < VE_NP; i++) {
			if (grad != NULL)
				grad[i] += sc[i];
			if (opg != NULL)
				for (j = 0; j < VE_NP; j++)
					opg[i][j] += sc[i] * sc[j];
		}
	}
	*ll = -0.5 * ((double)n * VE_LN_2PI + sum);
	return isfinite(*ll) ? QM_OK : QM_EINVAL;
}

int volest_garch_loglik(const double *ret, size_t n, double mu, double omega,
			double alpha, double beta, double *loglik, double *h)
{
	double th[VE_NP] = { mu, omega, alpha, beta };
	size_t t;
	int st;

	if (loglik == NULL)
		return QM_EINVAL;
	*loglik = NAN;
	if (h != NULL && ret != NULL)
		for (t = 0; t < n; t++)
			h[t] = NAN;
	if (ret == NULL || !isfinite(mu) || !isfinite(omega) || !isfinite(alpha) ||
	    !isfinite(beta) || omega <= 0.0 || alpha < 0.0 || beta < 0.0 ||
	    alpha + beta >= 1.0)
		return QM_EINVAL;
	if (n < 1)
		return QM_ETOOSHORT;
	if (!ve_all_finite(ret, n))
		return QM_EINVAL;
	st = ve_eval(ret, n, th, loglik, NULL, NULL, h);
	if (st != QM_OK)
		*loglik = NAN;
	return st;
}

/* The optimisation problem: data, which parameters move, and their scales. */
struct ve_prob {
	const double *r;
	size_t n;
	int k;		/* 3, or 4 with the mean */
	double rbar;	/* sample mean */
	double rsd;	/* sample standard deviation */
	double v0;	/* sample variance, the scale of omega */
};

/* Maps optimiser coordinates x to theta; fills d theta / d x if asked. */
static void ve_theta(const struct ve_prob *pb, const double *x, double th[VE_NP],
		     double jac[VE_NP][VE_NP])
{
	int o = pb->k - 3;	/* x[o] is ln(omega / v0) */
	double ea = exp(x[o + 1]), eb = exp(x[o + 2]), den = 1.0 + ea + eb;
	int i, j;

	th[P_MU] = o ? pb->rbar + pb->rsd * x[0] : 0.0;
	th[P_OMEGA] = pb->v0 * exp(x[o]);
	th[P_ALPHA] = ea / den;
	th[P_BETA] = eb / den;
	if (jac == NULL)
		return;
	for (i = 0; i < VE_NP; i++)
		for (j = 0; j < VE_NP; j++)
			jac[i][j] = 0.0;
	if (o)
		jac[P_MU][0] = pb->rsd;
	jac[P_OMEGA][o] = th[P_OMEGA];
	jac[P_ALPHA][o + 1] = th[P_ALPHA] * (1.0 - th[P_ALPHA]);
	jac[P_ALPHA][o + 2] = -th[P_ALPHA] * th[P_BETA];
	jac[P_BETA][o + 1] = -th[P_ALPHA] * th[P_BETA];
	jac[P_BETA][o + 2] = th[P_BETA] * (1.0 - th[P_BETA]);
}

/* Objective f(x) = -l / n and its gradient in x; returns +inf if invalid. */
static double ve_obj(const struct ve_prob *pb, const double *x, double *g)
{
	double th[VE_NP], jac[VE_NP][VE_NP], gt[VE_NP], ll;
	int i, j;

	for (i = 0; i < pb->k; i++)
		if (!isfinite(x[i]) || fabs(x[i]) > 700.0)
			return INFINITY;
	ve_theta(pb, x, th, jac);
	if (ve_eval(pb->r, pb->n, th, &ll, gt, NULL, NULL) != QM_OK)
		return INFINITY;
	/* chain rule: d f / d x_j = -(1/n) sum_i d l / d theta_i J_ij */
	for (j = 0; j < pb->k; j++) {
		double s = 0.0;

		for (i = 0; i < VE_NP; i++)
			s += gt[i] * jac[i][j];
		g[j] = -s / (double)pb->n;
	}
	return -ll / (double)pb->n;
}

/* Returns the largest absolute entry of a k-vector. */
static double ve_norm_inf(const double *v, int k)
{
	double m = 0.0;
	int i;

	for (i = 0; i < k; i++)
		m = fmax(m, fabs(v[i]));
	return m;
}

/*
 * Backtracking line search from x along p: finds t with f(x + t p) <=
 * f + 1e-4 t g.p, shrinking t by safeguarded quadratic interpolation.
 * Returns the accepted t (0 when none) and leaves the new point in xn, gn.
 */
static double ve_search(const struct ve_prob *pb, const double *x, double f,
			const double *g, const double *p, double *xn, double *fn,
			double *gn)
{
	double slope = 0.0, t = 1.0, pmax = ve_norm_inf(p, pb->k);
	int i, it;

	for (i = 0; i < pb->k; i++)
		slope += g[i] * p[i];
	if (pmax > 2.0)		/* no step longer than 2 in any coordinate */
		t = 2.0 / pmax;
	for (it = 0; it < 60; it++) {
		double ft, tn;

		for (i = 0; i < pb->k; i++)
			xn[i] = x[i] + t * p[i];
		ft = ve_obj(pb, xn, gn);
		if (ft <= f + 1e-4 * t * slope) {
			*fn = ft;
			return t;
		}
		/* minimiser of the parabola through f, slope and ft */
		tn = isfinite(ft) ? -0.5 * slope * t * t / (ft - f - slope * t) : 0.1 * t;
		t = fmin(fmax(tn, 0.1 * t), 0.5 * t);
	}
	return 0.0;
}

/* Updates the inverse Hessian approximation B with step s and change y. */
static void ve_bfgs_update(double b[VE_NP][VE_NP], const double *s,
			   const double *y, int k)
{
	double by[VE_NP], sy = 0.0, yby = 0.0;
	int i, j;

	for (i = 0; i < k; i++) {
		sy += s[i] * y[i];
		by[i] = 0.0;
		for (j = 0; j < k; j++)
			by[i] += b[i][j] * y[j];
	}
	for (i = 0; i < k; i++)
		yby += y[i] * by[i];
	/* skip when the curvature condition fails: B must stay positive */
	if (!(sy > 1e-14 * sqrt(yby * sy) && sy > 0.0))
		return;
	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++)
			b[i][j] += (sy + yby) * s[i] * s[j] / (sy * sy) -
				   (by[i] * s[j] + s[i] * by[j]) / sy;
}

/*
 * Minimises ve_obj from x by BFGS.  Returns QM_OK when the gradient falls
 * below VE_GTOL, QM_EMAXITER at the limit, QM_ENOCONV when the start is not
 * a valid model; *iters counts iterations, *fout the final objective.
 */
static int ve_bfgs(const struct ve_prob *pb, double *x, double *fout, int *iters)
{
	double b[VE_NP][VE_NP], g[VE_NP], gn[VE_NP], xn[VE_NP], p[VE_NP];
	double s[VE_NP], y[VE_NP], f, fn = 0.0;
	int i, j, it, k = pb->k, stalls = 0;

	f = ve_obj(pb, x, g);
	*iters = 0;
	*fout = f;
	if (!isfinite(f))
		return QM_ENOCONV;
	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++)
			b[i][j] = i == j;
	for (it = 0; it < VE_MAXITER; it++) {
		double t, slope = 0.0;

		*iters = it;
		if (ve_norm_inf(g, k) < VE_GTOL)
			break;
		for (i = 0; i < k; i++) {
			p[i] = 0.0;
			for (j = 0; j < k; j++)
				p[i] -= b[i][j] * g[j];
			slope += p[i] * g[i];
		}
		if (!(slope < 0.0)) {	/* not a descent direction: restart */
			for (i = 0; i < k; i++) {
				for (j = 0; j < k; j++)
					b[i][j] = i == j;
				p[i] = -g[i];
			}
		}
		t = ve_search(pb, x, f, g, p, xn, &fn, gn);
		if (t == 0.0 || f - fn <= 1e-16 * fabs(f)) {
			/* no progress left at double precision */
			if (++stalls >= 2 || t == 0.0)
				break;
		} else {
			stalls = 0;
		}
		if (t == 0.0)
			break;
		for (i = 0; i < k; i++) {
			s[i] = xn[i] - x[i];
			y[i] = gn[i] - g[i];
		}
		if (it == 0) {	/* scale the first guess (Nocedal & Wright 6.20) */
			double sy = 0.0, yy = 0.0;

			for (i = 0; i < k; i++) {
				sy += s[i] * y[i];
				yy += y[i] * y[i];
			}
			if (sy > 0.0 && yy > 0.0)
				for (i = 0; i < k; i++)
					b[i][i] = sy / yy;
		}
		ve_bfgs_update(b, s, y, k);
		memcpy(x, xn, (size_t)k * sizeof x[0]);
		memcpy(g, gn, (size_t)k * sizeof g[0]);
		f = fn;
	}
	*fout = f;
	if (ve_norm_inf(g, k) < VE_GTOL)
		return QM_OK;
	/* stalled short of the tolerance: fine if the gradient is tiny anyway */
	if (it < VE_MAXITER && ve_norm_inf(g, k) < 1e-6)
		return QM_OK;
	return it >= VE_MAXITER ? QM_EMAXITER : QM_ENOCONV;
}

/* Starting point x for alpha0, beta0 with omega matching the sample variance. */
static void ve_start(const struct ve_prob *pb, double alpha0, double beta0, double *x)
{
	int o = pb->k - 3;
	double gam = 1.0 - alpha0 - beta0;

	if (o)
		x[0] = 0.0;
	x[o] = log(gam);		/* omega = v0 (1 - alpha - beta) */
	x[o + 1] = log(alpha0 / gam);
	x[o + 2] = log(beta0 / gam);
}

/*
 * Inverts the symmetric positive definite k x k matrix a in place by
 * Cholesky factorisation.  Returns QM_ESINGULAR if a is not positive definite.
 */
static int ve_spd_inverse(double a[VE_NP][VE_NP], int k)
{
	double l[VE_NP][VE_NP] = { { 0.0 } }, li[VE_NP][VE_NP] = { { 0.0 } };
	int i, j, m;

	for (j = 0; j < k; j++) {
		double d = a[j][j];

		for (m = 0; m < j; m++)
			d -= l[j][m] * l[j][m];
		if (!(d > 0.0) || !isfinite(d))
			return QM_ESINGULAR;
		l[j][j] = sqrt(d);
		for (i = j + 1; i < k; i++) {
			double s = a[i][j];

			for (m = 0; m < j; m++)
				s -= l[i][m] * l[j][m];
			l[i][j] = s / l[j][j];
		}
	}
	/* L^-1 by forward substitution, then a^-1 = L^-T L^-1 */
	for (j = 0; j < k; j++) {
		li[j][j] = 1.0 / l[j][j];
		for (i = j + 1; i < k; i++) {
			double s = 0.0;

			for (m = j; m < i; m++)
				s -= l[i][m] * li[m][j];
			li[i][j] = s / l[i][i];
		}
	}
	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++) {
			double s = 0.0;

			for (m = (i > j ? i : j); m < k; m++)
				s += li[m][i] * li[m][j];
			a[i][j] = s;
		}
	return QM_OK;
}

/*
 * Fills the Hessian-based and robust covariances of the free parameters
 * (theta indices first..3) at th.  Returns QM_OK or QM_ESINGULAR.
 */
static int ve_covariance(const double *r, size_t n, const double th[VE_NP],
			 int first, double cov[VE_NP][VE_NP],
			 double rcov[VE_NP][VE_NP])
{
	double hess[VE_NP][VE_NP], opg[VE_NP][VE_NP], gp[VE_NP], gm[VE_NP], ll;
	double a[VE_NP][VE_NP], g[VE_NP][VE_NP], tmp[VE_NP][VE_NP];
	int i, j, m, k = VE_NP - first;

	if (ve_eval(r, n, th, &ll, gp, opg, NULL) != QM_OK)
		return QM_ESINGULAR;
	for (j = first; j < VE_NP; j++) {
		double tp[VE_NP], tm[VE_NP], step, llp, llm;
		int okp, okm;

		/* relative steps, with a floor for parameters near zero */
		step = 1e-5 * (j == P_MU ? sqrt(th[P_OMEGA] / (1.0 - th[P_ALPHA] -
				th[P_BETA])) : fmax(fabs(th[j]), j == P_OMEGA ? 0.0 : 1e-2));
		memcpy(tp, th, sizeof tp);
		memcpy(tm, th, sizeof tm);
		tp[j] += step;
		tm[j] -= step;
		okp = ve_eval(r, n, tp, &llp, gp, NULL, NULL) == QM_OK;
		okm = ve_eval(r, n, tm, &llm, gm, NULL, NULL) == QM_OK;
		if (!okp || !okm)
			return QM_ESINGULAR;
		for (i = first; i < VE_NP; i++)
			hess[i][j] = (gp[i] - gm[i]) / (2.0 * step);
	}
	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++) {
			/* minus the symmetrised Hessian, and the score products */
			a[i][j] = -0.5 * (hess[i + first][j + first] +
					  hess[j + first][i + first]);
			g[i][j] = opg[i + first][j + first];
		}
	if (ve_spd_inverse(a, k) != QM_OK)
		return QM_ESINGULAR;
	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++) {
			tmp[i][j] = 0.0;
			for (m = 0; m < k; m++)
				tmp[i][j] += a[i][m] * g[m][j];
		}
	for (i = 0; i < VE_NP; i++)
		for (j = 0; j < VE_NP; j++)
			cov[i][j] = rcov[i][j] = 0.0;
	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++) {
			double s = 0.0;

			for (m = 0; m < k; m++)
				s += tmp[i][m] * a[m][j];
			cov[i + first][j + first] = a[i][j];
			rcov[i + first][j + first] = s;
		}
	return QM_OK;
}

/* Sets every number in a fit record to NaN. */
static void ve_fit_nan(struct volest_garch *fit)
{
	int i, j;

	fit->mu = fit->omega = fit->alpha = fit->beta = NAN;
	fit->se_mu = fit->se_omega = fit->se_alpha = fit->se_beta = NAN;
	fit->rse_mu = fit->rse_omega = fit->rse_alpha = fit->rse_beta = NAN;
	for (i = 0; i < VE_NP; i++)
		for (j = 0; j < VE_NP; j++)
			fit->cov[i][j] = NAN;
	fit->loglik = fit->persistence = NAN;
	fit->longrun_var = fit->longrun_vol = NAN;
	fit->iterations = 0;
	fit->se_status = QM_EINVAL;
	fit->h = NULL;
	fit->n = 0;
}

/* Copies standard errors out of the two covariance matrices. */
static void ve_fill_se(struct volest_garch *fit, double cov[VE_NP][VE_NP],
		       double rcov[VE_NP][VE_NP], int first)
{
	double *se[VE_NP] = { &fit->se_mu, &fit->se_omega, &fit->se_alpha, &fit->se_beta };
	double *rse[VE_NP] = { &fit->rse_mu, &fit->rse_omega, &fit->rse_alpha,
			       &fit->rse_beta };
	int i, j;

	for (i = 0; i < VE_NP; i++) {
		for (j = 0; j < VE_NP; j++)
			fit->cov[i][j] = cov[i][j];
		*se[i] = i < first ? 0.0 : sqrt(cov[i][i]);
		*rse[i] = i < first ? 0.0 : sqrt(rcov[i][i]);
	}
}

/* Checks the arguments of volest_garch_fit. */
static int ve_fit_args(const double *ret, size_t n, unsigned flags, double ppy,
		       const volest_garch_workspace *w)
{
	if (ret == NULL || w == NULL || ve_bad_ppy(ppy) ||
	    (flags & ~(unsigned)VOLEST_GARCH_MEAN) != 0)
		return QM_EINVAL;
	if (n < VOLEST_GARCH_MIN_N)
		return QM_ETOOSHORT;
	if (n > w->cap)
		return QM_ENOMEM;
	if (!ve_all_finite(ret, n))
		return QM_EINVAL;
	return QM_OK;
}

int volest_garch_fit(const double *ret, size_t n, unsigned flags,
		     double periods_per_year, volest_garch_workspace *w,
		     struct volest_garch *fit)
{
	/* two starts: typical daily persistence, and a livelier short memory */
	static const double starts[][2] = { { 0.05, 0.90 }, { 0.15, 0.60 } };
	struct ve_prob pb;
	double xbest[VE_NP], fbest = INFINITY, th[VE_NP], cov[VE_NP][VE_NP];
	double rcov[VE_NP][VE_NP], mean = 0.0;
	int s, st, stbest = QM_ENOCONV, itbest = 0, first;
	size_t t;

	if (fit == NULL)
		return QM_EINVAL;
	ve_fit_nan(fit);
	st = ve_fit_args(ret, n, flags, periods_per_year, w);
	if (st != QM_OK)
		return st;
	for (t = 0; t < n; t++)
		mean += ret[t];
	mean /= (double)n;
	pb.r = ret;
	pb.n = n;
	pb.k = (flags & VOLEST_GARCH_MEAN) ? 4 : 3;
	pb.rbar = mean;
	/* omega's scale: the variance about the mean the model will use */
	pb.v0 = ve_variance(ret, n, pb.k == 4 ? VOLEST_DEMEAN : VOLEST_ZERO_MEAN);
	pb.rsd = sqrt(ve_variance(ret, n, VOLEST_DEMEAN));
	if (!(pb.v0 > 0.0) || !(pb.rsd > 0.0))
		return QM_ECONST;
	for (s = 0; s < 2; s++) {
		double x[VE_NP], f;
		int it;

		ve_start(&pb, starts[s][0], starts[s][1], x);
		st = ve_bfgs(&pb, x, &f, &it);
		if (isfinite(f) && (f < fbest || (stbest != QM_OK && st == QM_OK))) {
			fbest = f;
			stbest = st;
			itbest = it;
			memcpy(xbest, x, sizeof xbest);
		}
		if (stbest == QM_OK)	/* the second start is a fallback */
			break;
	}
	if (!isfinite(fbest))
		return QM_ENOCONV;
	ve_theta(&pb, xbest, th, NULL);
	if (ve_eval(ret, n, th, &fit->loglik, NULL, NULL, w->h) != QM_OK)
		return QM_ENOCONV;
	fit->mu = th[P_MU];
	fit->omega = th[P_OMEGA];
	fit->alpha = th[P_ALPHA];
	fit->beta = th[P_BETA];
	fit->persistence = th[P_ALPHA] + th[P_BETA];
	fit->longrun_var = th[P_OMEGA] / (1.0 - fit->persistence);
	fit->longrun_vol = sqrt(fit->longrun_var * periods_per_year);
	fit->iterations = itbest;
	fit->h = w->h;
	fit->n = n;
	first = pb.k == 4 ? P_MU : P_OMEGA;
	fit->se_status = ve_covariance(ret, n, th, first, cov, rcov);
	if (fit->se_status == QM_OK)
		ve_fill_se(fit, cov, rcov, first);
	return stbest;
}

/* ---- Moreira & Muir -------------------------------------------------------- */

/* Checks target, cap and floor of the Moreira-Muir weight. */
static int ve_mm_bad(double target, double cap, double floor)
{
	return !isfinite(target) || target <= 0.0 || !isfinite(cap) ||
	       !isfinite(floor) || floor < 0.0 || cap < floor || cap <= 0.0;
}

/* Returns the clipped weight target^2 / vol^2 (arguments already checked). */
static double ve_mm(double vol, double target, double cap, double floor)
{
	double ratio = target / vol, w = ratio * ratio;

	return fmin(fmax(w, floor), cap);
}

int volest_mm_weight(double vol, double target, double cap, double floor,
		     double *weight)
{
	if (weight == NULL)
		return QM_EINVAL;
	*weight = NAN;
	if (ve_mm_bad(target, cap, floor) || !isfinite(vol) || vol <= 0.0)
		return QM_EINVAL;
	*weight = ve_mm(vol, target, cap, floor);
	return QM_OK;
}

int volest_mm_weights(const double *vol, size_t n, double target, double cap,
		      double floor, double *weight)
{
	size_t i;

	if (vol == NULL || weight == NULL)
		return QM_EINVAL;
	for (i = 0; i < n; i++)
		weight[i] = NAN;
	if (ve_mm_bad(target, cap, floor))
		return QM_EINVAL;
	if (n == 0)
		return QM_ETOOSHORT;
	for (i = 0; i < n; i++)
		if (!isfinite(vol[i]) || vol[i] <= 0.0)
			return QM_EINVAL;
	for (i = 0; i < n; i++)
		weight[i] = ve_mm(vol[i], target, cap, floor);
	return QM_OK;
}

int volest_mm_scale(const double *f, const double *var_prev, size_t n, double *c)
{
	double mf = 0.0, mg = 0.0, sf = 0.0, sg = 0.0;
	size_t i;

	if (c == NULL)
		return QM_EINVAL;
	*c = NAN;
	if (f == NULL || var_prev == NULL)
		return QM_EINVAL;
	if (n < 2)
		return QM_ETOOSHORT;
	for (i = 0; i < n; i++) {
		if (!isfinite(f[i]) || !isfinite(var_prev[i]) || var_prev[i] <= 0.0)
			return QM_EINVAL;
		mf += f[i];
		mg += f[i] / var_prev[i];
	}
	mf /= (double)n;
	mg /= (double)n;
	for (i = 0; i < n; i++) {
		double g = f[i] / var_prev[i];

		sf += (f[i] - mf) * (f[i] - mf);
		sg += (g - mg) * (g - mg);
	}
	if (!(sf > 0.0) || !(sg > 0.0))
		return QM_ECONST;
	/* sd(c g) = sd(f)  =>  c = sd(f) / sd(g); the n - 1 cancels */
	*c = sqrt(sf / sg);
	return QM_OK;
}
