/*
 * ou.c -- Ornstein-Uhlenbeck maximum likelihood, transition law and exact
 * simulation (see ou.h for the model, units and accuracy).
 *
 * Why it exists: every mean-reversion signal in qdesk starts from (theta, mu,
 * sigma) of a spread; this file turns a sampled series into those numbers
 * with their standard errors, and turns the numbers back into exact sample
 * paths for the simulator and for Monte Carlo checks.
 *
 * How: the sampled OU is exactly the Gaussian AR(1) X_{i+1} = a + b X_i + eps,
 * b = e^(-mu dt), var(eps) = sigma^2 (1 - b^2) / (2 mu), so the conditional
 * MLE is OLS (centred two-pass sums; residuals recomputed rather than taken
 * from Syy - b Sxy, which cancels when b is near 1) followed by the map
 * (a, b, var) -> (theta, mu, sigma).  The covariance of the estimates is the
 * inverse Fisher information of the conditional likelihood with the
 * regressors fixed: diag(v/n, v/Sxx, 2 v^2/n) in the parametrisation
 * (fitted value at the regressor mean, b, v), carried to (theta, mu, sigma)
 * by the exact Jacobian of the map.
 */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "ou.h"
#include "qm-status.h"

/* Smallest series ou_mle() accepts: three transitions for three parameters. */
#define OU_MIN_OBS 4

/* Sets every field of a fit to NaN, as the error contract requires. */
static void ou_fit_nan(struct ou_fit *fit)
{
	int i, j;

	fit->p.theta = fit->p.mu = fit->p.sigma = NAN;
	fit->se_theta = fit->se_mu = fit->se_sigma = NAN;
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
			fit->cov[i][j] = NAN;
	fit->half_life = fit->loglik = fit->aic = fit->bic = NAN;
	fit->ar_a = fit->ar_b = fit->ar_var = NAN;
	fit->n = 0;
}

/* Returns 1 when every value of x[0..n-1] is finite. */
static int ou_all_finite(const double *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return 0;
	return 1;
}

/* Returns 1 when *p holds a usable OU parameter set. */
static int ou_params_ok(const struct ou_params *p)
{
	return p != NULL && isfinite(p->theta) && isfinite(p->mu) &&
	       isfinite(p->sigma) && p->mu > 0.0 && p->sigma > 0.0;
}

/*
 * Returns q(w) = 1 - (1 + w) e^(-w) for w >= 0 without cancellation: the
 * Taylor series sum_{k>=2} (-1)^k (k - 1) w^k / k! below w = 0.5.
 */
static double ou_q(double w)
{
	double term, sum;
	int k;

	if (w >= 0.5)
		return 1.0 - (1.0 + w) * exp(-w);
	term = w * w / 2.0;	/* w^k / k! at k = 2 */
	sum = term;
	for (k = 3; k < 40; k++) {
		double t;

		term *= w / k;
		t = (k - 1) * term;
		sum += (k % 2 == 0) ? t : -t;
		if (t < 1e-18 * sum)
			break;
	}
	return sum;
}

/*
 * Fills the covariance of (theta, mu, sigma): J diag(v/n, v/sxx, 2v^2/n) J'
 * with J the Jacobian of (ybar_fit, b, v) -> (theta, mu, sigma) at the MLE.
 */
static void ou_covariance(struct ou_fit *fit, double xbar, double sxx, double dt)
{
	double b = fit->ar_b, v = fit->ar_var, m = (double)fit->n;
	double th = fit->p.theta, sg = fit->p.sigma;
	double lam = -log(b);
	double var_c = v / m, var_b = v / sxx, var_v = 2.0 * v * v / m;
	/* d theta / d(c, b); d mu / d b; d sigma / d(b, v) */
	double t_c = 1.0 / (1.0 - b), t_b = (th - xbar) / (1.0 - b);
	double m_b = -1.0 / (b * dt);
	double s_b = -0.5 * sg * ou_q(2.0 * lam) /
		     (b * lam * (1.0 - b) * (1.0 + b));
	double s_v = sg / (2.0 * v);

	fit->cov[0][0] = t_c * t_c * var_c + t_b * t_b * var_b;
	fit->cov[1][1] = m_b * m_b * var_b;
	fit->cov[2][2] = s_b * s_b * var_b + s_v * s_v * var_v;
	fit->cov[0][1] = fit->cov[1][0] = t_b * m_b * var_b;
	fit->cov[0][2] = fit->cov[2][0] = t_b * s_b * var_b;
	fit->cov[1][2] = fit->cov[2][1] = m_b * s_b * var_b;
	fit->se_theta = sqrt(fit->cov[0][0]);
	fit->se_mu = sqrt(fit->cov[1][1]);
	fit->se_sigma = sqrt(fit->cov[2][2]);
}

/*
 * Centred sums of the regression of x[i+1] on x[i], i < nt: the means
 * (*xbar, *ybar) and Sxx, Sxy, Syy.  Four accumulators per sum break the
 * chain of dependent additions (the loop is latency-bound otherwise).
 */
static void ou_sums(const double *x, size_t nt, double *xbar, double *ybar,
		    double *sxx, double *sxy, double *syy)
{
	double s[4] = { 0.0, 0.0, 0.0, 0.0 }, a[4] = { 0.0, 0.0, 0.0, 0.0 };
	double b[4] = { 0.0, 0.0, 0.0, 0.0 }, c[4] = { 0.0, 0.0, 0.0, 0.0 };
	double inner, xm, ym, m = (double)nt;
	size_t i, k;

	/* sum of x[1..nt-1], shared by both means */
	for (i = 1; i + 3 < nt; i += 4)
		for (k = 0; k < 4; k++)
			s[k] += x[i + k];
	for (; i < nt; i++)
		s[0] += x[i];
	inner = (s[0] + s[1]) + (s[2] + s[3]);
	xm = (x[0] + inner) / m;
	ym = (inner + x[nt]) / m;
	for (i = 0; i + 3 < nt; i += 4) {
		for (k = 0; k < 4; k++) {
			double dx = x[i + k] - xm, dy = x[i + k + 1] - ym;

			a[k] += dx * dx;
			b[k] += dx * dy;
			c[k] += dy * dy;
		}
	}
	for (; i < nt; i++) {
		double dx = x[i] - xm, dy = x[i + 1] - ym;

		a[0] += dx * dx;
		b[0] += dx * dy;
		c[0] += dy * dy;
	}
	*xbar = xm;
	*ybar = ym;
	*sxx = (a[0] + a[1]) + (a[2] + a[3]);
	*sxy = (b[0] + b[1]) + (b[2] + b[3]);
	*syy = (c[0] + c[1]) + (c[2] + c[3]);
}

/* Sum of squared residuals of the fitted regression (recomputed, no cancel). */
static double ou_sse(const double *x, size_t nt, double xbar, double ybar,
		     double b)
{
	double s[4] = { 0.0, 0.0, 0.0, 0.0 };
	size_t i, k;

	for (i = 0; i + 3 < nt; i += 4) {
		for (k = 0; k < 4; k++) {
			double e = (x[i + k + 1] - ybar) - b * (x[i + k] - xbar);

			s[k] += e * e;
		}
	}
	for (; i < nt; i++) {
		double e = (x[i + 1] - ybar) - b * (x[i] - xbar);

		s[0] += e * e;
	}
	return (s[0] + s[1]) + (s[2] + s[3]);
}

/* Exact conditional MLE of (theta, mu, sigma); see ou.h for the contract. */
int ou_mle(const double *x, size_t n, double dt, struct ou_fit *fit)
{
	double xbar, ybar, sxx, sxy, syy, sse, b, v, m, lam;
	size_t nt;

	if (fit == NULL)
		return QM_EINVAL;
	ou_fit_nan(fit);
	if (x == NULL || !isfinite(dt) || dt <= 0.0)
		return QM_EINVAL;
	if (n < OU_MIN_OBS)
		return ou_all_finite(x, n) ? QM_ETOOSHORT : QM_EINVAL;
	nt = n - 1;
	m = (double)nt;
	ou_sums(x, nt, &xbar, &ybar, &sxx, &sxy, &syy);
	/* a NaN or infinity anywhere in x reaches the sums: no separate pass */
	if (!isfinite(xbar + ybar + sxx + sxy + syy))
		return ou_all_finite(x, n) ? QM_EOVERFLOW : QM_EINVAL;
	if (sxx == 0.0)
		return QM_ECONST;
	b = sxy / sxx;
	if (!isfinite(b))
		return QM_EINVAL;
	if (b >= 1.0)
		return QM_ENOTMR;
	if (b <= 0.0)
		return QM_EINVAL;
	sse = ou_sse(x, nt, xbar, ybar, b);
	v = sse / m;
	/* residuals at the rounding level of the data: no innovations at all */
	if (!(sse > 64.0 * DBL_EPSILON * DBL_EPSILON * syy))
		return QM_ESINGULAR;
	lam = -log(b);
	fit->n = nt;
	fit->ar_b = b;
	fit->ar_a = ybar - b * xbar;
	fit->ar_var = v;
	fit->p.mu = lam / dt;
	/* theta = a / (1 - b), written so a large mean level does not cancel */
	fit->p.theta = xbar + (ybar - xbar) / (1.0 - b);
	fit->p.sigma = sqrt(2.0 * fit->p.mu * v / ((1.0 - b) * (1.0 + b)));
	fit->half_life = M_LN2 / fit->p.mu;
	fit->loglik = -0.5 * m * (log(2.0 * M_PI * v) + 1.0);
	fit->aic = 6.0 - 2.0 * fit->loglik;
	fit->bic = 3.0 * log(m) - 2.0 * fit->loglik;
	ou_covariance(fit, xbar, sxx, dt);
	return QM_OK;
}

/* Exact transition mean and variance after time t; see ou.h. */
int ou_transition(const struct ou_params *p, double x0, double t, double *mean,
		  double *var)
{
	if (mean != NULL)
		*mean = NAN;
	if (var != NULL)
		*var = NAN;
	if (!ou_params_ok(p) || !isfinite(x0) || !isfinite(t) || t < 0.0 ||
	    mean == NULL || var == NULL)
		return QM_EINVAL;
	*mean = p->theta + (x0 - p->theta) * exp(-p->mu * t);
	/* 1 - e^(-2 mu t) by expm1 so short steps keep full precision */
	*var = p->sigma * p->sigma * (-expm1(-2.0 * p->mu * t)) / (2.0 * p->mu);
	return QM_OK;
}

/* Exact conditional log-likelihood of a series under *p; see ou.h. */
int ou_loglik(const struct ou_params *p, const double *x, size_t n, double dt,
	      double *ll)
{
	double b, v, sum = 0.0;
	size_t i;

	if (ll == NULL)
		return QM_EINVAL;
	*ll = NAN;
	if (!ou_params_ok(p) || x == NULL || !isfinite(dt) || dt <= 0.0 ||
	    !ou_all_finite(x, n))
		return QM_EINVAL;
	if (n < 2)
		return QM_ETOOSHORT;
	b = exp(-p->mu * dt);
	v = p->sigma * p->sigma * (-expm1(-2.0 * p->mu * dt)) / (2.0 * p->mu);
	if (!(v > 0.0))
		return QM_EINVAL;
	for (i = 0; i + 1 < n; i++) {
		double e = x[i + 1] - p->theta - (x[i] - p->theta) * b;

		sum += e * e;
	}
	*ll = -0.5 * (double)(n - 1) * log(2.0 * M_PI * v) - sum / (2.0 * v);
	return QM_OK;
}

/* Exact OU path from caller-supplied standard normals; see ou.h. */
int ou_simulate(const struct ou_params *p, double x0, double dt, const double *z,
		size_t n, double *path)
{
	double b, s, y;
	size_t i;

	if (!ou_params_ok(p) || !isfinite(x0) || !isfinite(dt) || dt <= 0.0 ||
	    path == NULL || (n > 0 && z == NULL))
		return QM_EINVAL;
	if (!ou_all_finite(z, n)) {
		for (i = 0; i <= n; i++)
			path[i] = NAN;
		return QM_EINVAL;
	}
	b = exp(-p->mu * dt);
	s = p->sigma * sqrt(-expm1(-2.0 * p->mu * dt) / (2.0 * p->mu));
	/* carry y = x - theta so the loop-carried chain is one multiply-add */
	y = x0 - p->theta;
	path[0] = x0;
	for (i = 0; i < n; i++) {
		y = b * y + s * z[i];
		path[i + 1] = p->theta + y;
	}
	return QM_OK;
}

/* SplitMix64 finaliser: a bijective 64-bit mix with full avalanche. */
static uint64_t ou_mix64(uint64_t h)
{
	h = (h ^ (h >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	h = (h ^ (h >> 27)) * UINT64_C(0x94d049bb133111eb);
	return h ^ (h >> 31);
}

/* Maps 64 random bits to a uniform in (0, 1) with 53 bits, never 0. */
static double ou_unit(uint64_t h)
{
	return ((double)(h >> 11) + 0.5) * 0x1.0p-53;
}

/* Counter-based standard normals, z[i] a function of (key, counter + i). */
int ou_normals(uint64_t key, uint64_t counter, double *z, size_t n)
{
	const uint64_t golden = UINT64_C(0x9e3779b97f4a7c15);
	uint64_t k = ou_mix64(key ^ UINT64_C(0x6a09e667f3bcc909));
	size_t i;

	if (z == NULL && n > 0)
		return QM_EINVAL;
	for (i = 0; i < n; i++) {
		uint64_t c = counter + (uint64_t)i;
		uint64_t h1 = ou_mix64(k + golden * (2 * c + 1));
		uint64_t h2 = ou_mix64(h1 ^ (k + golden * (2 * c + 2)));
		double u1 = ou_unit(h1), u2 = ou_unit(h2);

		z[i] = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
	}
	return QM_OK;
}
