/*
 * sabr-calib.c -- Levenberg-Marquardt calibration of SABR smiles, surfaces
 * and the maturity interpolation of the fitted parameters.
 *
 * Why it exists: see sabr-calib.h for the method, the references and the
 * accuracy reached.  Layout: a fit evaluator (residuals, gradient J^T r and
 * Gauss-Newton matrix J^T J in one pass over the quotes, using the cached
 * strike geometry of sabr.h), a small dense LM loop for 2 or 3 unknowns, the
 * start-point heuristic from the smile's level, slope and curvature, and
 * the surface / term-structure helpers.  After the workspace is allocated
 * nothing here allocates: everything else lives on the stack.
 */
#include <math.h>
#include <stdlib.h>

#include "qm-status.h"
#include "sabr-calib.h"

#define SABR_CALIB_MAX_THETA 700 /* exp() of larger log-parameters overflows */
/* Box for rho, as QuantLib's SABR fit: the formula needs 1 - |rho| > 0. */
#define SABR_CALIB_RHO_MAX 0.9999
/* MINPACK's ftol: an accepted step with actual and predicted decrease below it ends the fit. */
#define SABR_CALIB_FTOL 1e-14

struct sabr_calib_workspace {
	size_t nmax;       /* capacity in quotes */
	sabr_strike *geo;  /* cached strike geometry of the current slice */
	double *sw;        /* square roots of the weights */
	double *mv;        /* market vols */
	double *v;         /* model vols at the current trial */
	double *dv;        /* their partials in (alpha, rho, nu), 3 per quote */
};

/* What one fit needs besides the workspace arrays. */
struct sabr_fit {
	const sabr_calib_workspace *w;
	size_t n;          /* quotes */
	int np;            /* 3: (alpha, rho, nu); 2: (rho, nu), alpha from ATM */
	double T, F, beta, atm_vol, sumw;
};

sabr_calib_workspace *sabr_calib_workspace_alloc(size_t nmax)
{
	sabr_calib_workspace *w;

	if (nmax == 0 || nmax > ((size_t)-1) / (4 * sizeof(sabr_strike)))
		return NULL;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->nmax = nmax;
	w->geo = malloc(nmax * sizeof(*w->geo));
	w->sw = malloc(nmax * sizeof(*w->sw));
	w->mv = malloc(nmax * sizeof(*w->mv));
	w->v = malloc(nmax * sizeof(*w->v));
	w->dv = malloc(3 * nmax * sizeof(*w->dv));
	if (w->geo == NULL || w->sw == NULL || w->mv == NULL || w->v == NULL
	    || w->dv == NULL) {
		sabr_calib_workspace_free(w);
		return NULL;
	}
	return w;
}

void sabr_calib_workspace_free(sabr_calib_workspace *w)
{
	if (w == NULL)
		return;
	free(w->geo);
	free(w->sw);
	free(w->mv);
	free(w->v);
	free(w->dv);
	free(w);
}

void sabr_calib_opts_init(sabr_calib_opts *o, double beta)
{
	if (o == NULL)
		return;
	o->beta = beta;
	o->formula = SABR_HAGAN;
	o->guess = NULL;
	o->max_iter = 100;
	o->xtol = 1e-10;
}

/*
 * Maps theta to SABR parameters and fills M (3 x np, row-major with stride
 * 3) with d(alpha, rho, nu)/d theta, including d alpha/d(rho, nu) of the
 * ATM cubic in the 2-parameter mode.  theta = (log alpha, rho, log nu) or
 * (rho, log nu).  Non-OK when theta is unusable.
 */
static int sabr_fit_params(const struct sabr_fit *f, const double *th, sabr_params *p,
			   double M[3][3])
{
	double tn, da[2];
	int st, j, k;

	for (j = 0; j < 3; j++)
		for (k = 0; k < 3; k++)
			M[j][k] = 0.0;
	tn = th[f->np - 1];
	p->beta = f->beta;
	p->rho = th[f->np - 2];
	if (!(fabs(tn) < SABR_CALIB_MAX_THETA) || !(fabs(p->rho) <= SABR_CALIB_RHO_MAX))
		return QM_EOVERFLOW;
	p->nu = exp(tn);
	if (f->np == 3) {
		if (!(fabs(th[0]) < SABR_CALIB_MAX_THETA))
			return QM_EOVERFLOW;
		p->alpha = exp(th[0]);
		M[0][0] = p->alpha;
		M[1][1] = 1.0;
		M[2][2] = p->nu;
		return QM_OK;
	}
	st = sabr_alpha_from_atm_jac(f->F, f->T, f->atm_vol, f->beta, p->rho, p->nu,
				     &p->alpha, da);
	if (st != QM_OK)
		return st;
	/* alpha = alpha(rho, nu(tn)) */
	M[0][0] = da[0];
	M[0][1] = da[1] * p->nu;
	M[1][0] = 1.0;
	M[2][1] = p->nu;
	return QM_OK;
}

/*
 * Evaluates the fit at theta: cost = 1/2 sum r_i^2 with
 * r_i = sqrt(w_i) (vol_i - mkt_i), g = J^T r and the upper triangle of
 * H = J^T J (np x np, stride 3).  Non-OK if any model vol is unusable.
 */
static int sabr_fit_eval(const struct sabr_fit *f, const double *th, double *cost, double *g,
			 double H[3][3])
{
	const sabr_calib_workspace *w = f->w;
	double M[3][3], gs[3] = { 0, 0, 0 }, Hs[3][3] = { { 0 } }, r, c = 0.0;
	sabr_params p;
	size_t i;
	int st, j, k;

	st = sabr_fit_params(f, th, &p, M);
	if (st != QM_OK)
		return st;
	/* zero-weight quotes are evaluated too: they must stay inside the domain */
	st = sabr_strike_vol_n(w->geo, f->n, &p, f->T, w->v, w->dv);
	if (st != QM_OK)
		return st;
	/*
	 * Written out for 3 columns (the loops are not unrolled at -O2): in the
	 * 2-parameter mode M's third column is zero and those sums are unused.
	 */
	for (i = 0; i < f->n; i++) {
		const double *dv = w->dv + 3 * i;
		double s = w->sw[i], J0, J1, J2;

		r = s * (w->v[i] - w->mv[i]);
		c += r * r;
		J0 = s * (dv[0] * M[0][0] + dv[1] * M[1][0] + dv[2] * M[2][0]);
		J1 = s * (dv[0] * M[0][1] + dv[1] * M[1][1] + dv[2] * M[2][1]);
		J2 = s * (dv[0] * M[0][2] + dv[1] * M[1][2] + dv[2] * M[2][2]);
		gs[0] += J0 * r;
		gs[1] += J1 * r;
		gs[2] += J2 * r;
		Hs[0][0] += J0 * J0;
		Hs[0][1] += J0 * J1;
		Hs[0][2] += J0 * J2;
		Hs[1][1] += J1 * J1;
		Hs[1][2] += J1 * J2;
		Hs[2][2] += J2 * J2;
	}
	for (j = 0; j < f->np; j++) {
		g[j] = gs[j];
		for (k = j; k < f->np; k++)
			H[j][k] = Hs[j][k];
	}
	*cost = 0.5 * c;
	return isfinite(c) ? QM_OK : QM_EOVERFLOW;
}

/*
 * Solves (H + mu I) h = -g for np <= 3 by Cholesky (H's upper triangle).
 * Non-OK if the damped matrix is not numerically positive definite.
 */
static int sabr_lm_solve(int np, double H[3][3], const double *g, double mu, double *h)
{
	double L[3][3], y[3], s;
	int i, j, k;

	for (i = 0; i < np; i++) {
		for (j = 0; j <= i; j++) {
			s = H[j][i] + (i == j ? mu : 0.0);
			for (k = 0; k < j; k++)
				s -= L[i][k] * L[j][k];
			if (i == j) {
				if (!(s > 0.0))
					return QM_ESINGULAR;
				L[i][i] = sqrt(s);
			} else {
				L[i][j] = s / L[j][j];
			}
		}
	}
	for (i = 0; i < np; i++) {
		s = -g[i];
		for (k = 0; k < i; k++)
			s -= L[i][k] * y[k];
		y[i] = s / L[i][i];
	}
	for (i = np - 1; i >= 0; i--) {
		s = y[i];
		for (k = i + 1; k < np; k++)
			s -= L[k][i] * h[k];
		h[i] = s / L[i][i];
	}
	return QM_OK;
}

/*
 * Which coordinates are held at their bound this iteration: rho on the box
 * edge with the descent direction -g pointing out of the box.
 */
static void sabr_lm_active(const struct sabr_fit *f, const double *th, const double *g,
			   int *act)
{
	int j, jr = f->np - 2;

	for (j = 0; j < f->np; j++)
		act[j] = 0;
	act[jr] = (th[jr] >= SABR_CALIB_RHO_MAX && g[jr] < 0.0)
		  || (th[jr] <= -SABR_CALIB_RHO_MAX && g[jr] > 0.0);
}

/*
 * MINPACK-style gradient test on the free coordinates: each column of J
 * is nearly orthogonal to the residual (|g_j| <= 1e-10 ||J_j|| ||r||), or
 * the residual is at rounding level (RMS below 1e-14 in vol).
 */
static int sabr_lm_stationary(const struct sabr_fit *f, double cost, const double *g,
			      double H[3][3], const int *act)
{
	int j;

	if (2.0 * cost <= 1e-28 * f->sumw)
		return 1;
	for (j = 0; j < f->np; j++)
		if (!act[j] && fabs(g[j]) > 1e-10 * sqrt(H[j][j] * 2.0 * cost))
			return 0;
	return 1;
}

/*
 * Decrease of the Gauss-Newton model for the step d: -(g.d + d.H.d / 2),
 * with H given by its upper triangle.
 */
static double sabr_lm_pred(int np, const double *g, double H[3][3], const double *d)
{
	double s = 0.0, q = 0.0;
	int j, k;

	for (j = 0; j < np; j++) {
		s += g[j] * d[j];
		for (k = 0; k < np; k++)
			q += d[j] * (j <= k ? H[j][k] : H[k][j]) * d[k];
	}
	return -(s + 0.5 * q);
}

/*
 * Levenberg-Marquardt from theta (updated in place) with Nielsen's damping
 * update; rho is kept in [-SABR_CALIB_RHO_MAX, SABR_CALIB_RHO_MAX] by
 * projecting each trial point and freezing rho while it sits on the bound
 * with the gradient pushing outwards (a projected LM step).  *iters
 * receives the iterations used, *cost the final cost.
 */
static int sabr_lm(const struct sabr_fit *f, double *th, int max_iter, double xtol,
		   int *iters, double *cost)
{
	double g[3], H[3][3], gn[3], Hn[3][3], Hr[3][3], gr[3], h[3], thn[3], d[3];
	double cn, mu, nu2 = 2.0, pred, gain, dn, tn, dmax = 0.0;
	int np = f->np, jr = f->np - 2, act[3], j, k, it, st, flat;

	*iters = 0;
	st = sabr_fit_eval(f, th, cost, g, H);
	if (st != QM_OK)
		return st;
	for (j = 0; j < np; j++)
		dmax = fmax(dmax, H[j][j]);
	mu = 1e-3 * (dmax > 0.0 ? dmax : 1.0);
	for (it = 1; it <= max_iter; it++) {
		*iters = it;
		sabr_lm_active(f, th, g, act);
		if (sabr_lm_stationary(f, *cost, g, H, act))
			return QM_OK;
		/* reduced system: frozen coordinates get h_j = 0 */
		for (j = 0; j < np; j++) {
			gr[j] = act[j] ? 0.0 : g[j];
			for (k = j; k < np; k++)
				Hr[j][k] = (act[j] || act[k]) ? (j == k ? 1.0 : 0.0) : H[j][k];
		}
		if (sabr_lm_solve(np, Hr, gr, mu, h) != QM_OK) {
			mu *= nu2;
			nu2 *= 2.0;
			continue;
		}
		dn = tn = 0.0;
		for (j = 0; j < np; j++) {
			thn[j] = th[j] + h[j];
			if (j == jr && fabs(thn[j]) > SABR_CALIB_RHO_MAX)
				thn[j] = copysign(SABR_CALIB_RHO_MAX, thn[j]);
			d[j] = thn[j] - th[j];
			dn += d[j] * d[j];
			tn += th[j] * th[j];
		}
		if (sqrt(dn) <= xtol * (sqrt(tn) + xtol))
			return QM_OK;
		pred = sabr_lm_pred(np, g, H, d);
		gain = -1.0;
		if (sabr_fit_eval(f, thn, &cn, gn, Hn) == QM_OK && pred > 0.0)
			gain = (*cost - cn) / pred;
		if (gain > 0.0) {
			/* MINPACK's ftol test: actual and predicted relative decrease tiny */
			flat = (*cost - cn <= SABR_CALIB_FTOL * *cost
				&& pred <= SABR_CALIB_FTOL * *cost);
			for (j = 0; j < np; j++) {
				th[j] = thn[j];
				g[j] = gn[j];
				for (k = j; k < np; k++)
					H[j][k] = Hn[j][k];
			}
			*cost = cn;
			if (flat)
				return QM_OK;
			gain = 2.0 * gain - 1.0;
			mu *= fmax(1.0 / 3.0, 1.0 - gain * gain * gain);
			nu2 = 2.0;
		} else {
			mu *= nu2;
			nu2 *= 2.0;
			if (!isfinite(mu))
				return QM_ENOCONV;
		}
	}
	sabr_lm_active(f, th, g, act);
	return sabr_lm_stationary(f, *cost, g, H, act) ? QM_OK : QM_EMAXITER;
}

/*
 * Weighted least-squares fit vol ~ c0 + c1 k + c2 k^2 in k = log(K/F);
 * falls back to the weighted mean (c1 = c2 = 0) with fewer than 3 distinct k.
 */
static void sabr_quad_fit(const sabr_slice *s, const sabr_calib_workspace *w, double c[3])
{
	double A[3][3] = { { 0 } }, b[3] = { 0 }, nb[3], k, pw[5], sw2, mean = 0.0, sumw = 0.0;
	size_t i;
	int j, l;

	for (i = 0; i < s->n; i++) {
		sw2 = w->sw[i] * w->sw[i];
		k = log(s->K[i] / s->F);
		pw[0] = 1.0;
		for (j = 1; j < 5; j++)
			pw[j] = pw[j - 1] * k;
		for (j = 0; j < 3; j++) {
			b[j] += sw2 * pw[j] * s->vol[i];
			for (l = j; l < 3; l++)
				A[j][l] += sw2 * pw[j + l];
		}
		mean += sw2 * s->vol[i];
		sumw += sw2;
	}
	for (j = 0; j < 3; j++)
		nb[j] = -b[j];
	/* a tiny ridge keeps a 2-strike or flat design from failing outright */
	if (sabr_lm_solve(3, A, nb, 1e-14 * A[0][0], c) != QM_OK || !isfinite(c[0])
	    || !isfinite(c[1]) || !isfinite(c[2]) || !(c[0] > 0.0)) {
		c[0] = mean / sumw;
		c[1] = c[2] = 0.0;
	}
}

/*
 * Start point from the smile's level s0, slope c1 and curvature c2 in
 * log-moneyness: the small-z expansion of (2.17) gives
 * vol ~ s0 (1 + (rho nu/(2 s0) - b/2) k + (b^2/12 + (2 - 3 rho^2) nu^2/(12 s0^2)) k^2)
 * with b = 1 - beta, so rho nu = 2 c1 + b s0 and
 * (2 - 3 rho^2) nu^2 = 12 s0 c2 - b^2 s0^2.  Clamped to |rho| <= 0.9 and
 * 0.05 <= nu <= 10; alpha from the ATM cubic.
 */
static void sabr_start(const struct sabr_fit *f, const sabr_slice *s, double p[3])
{
	double c[3], s0, b = 1.0 - f->beta, P, Q, nu2, nu, rho, alpha;

	sabr_quad_fit(s, f->w, c);
	s0 = (f->atm_vol > 0.0) ? f->atm_vol : c[0];
	P = 2.0 * c[1] + b * s0;
	Q = 12.0 * s0 * c[2] - b * b * s0 * s0;
	nu2 = 0.5 * (Q + 3.0 * P * P);
	nu = (nu2 > 0.0) ? sqrt(nu2) : 0.0;
	if (nu < fabs(P) / 0.9)
		nu = fabs(P) / 0.9;
	nu = fmin(fmax(nu, 0.05), 10.0);
	rho = fmin(fmax(P / nu, -0.9), 0.9);
	if (sabr_alpha_from_atm(f->F, f->T, s0, f->beta, rho, nu, &alpha) != QM_OK)
		alpha = s0 * pow(f->F, b);
	p[0] = alpha;
	p[1] = rho;
	p[2] = nu;
}

/* Checks the slice and options and fills the workspace; counts usable quotes. */
static int sabr_fit_setup(sabr_calib_workspace *w, const sabr_slice *s,
			  const sabr_calib_opts *o, struct sabr_fit *f)
{
	size_t i, npos = 0;
	double wi;
	int st;

	if (w == NULL || s == NULL || o == NULL)
		return QM_EINVAL;
	if (!(o->beta >= 0.0 && o->beta <= 1.0) || o->max_iter < 1 || !(o->xtol > 0.0)
	    || (o->formula != SABR_HAGAN && o->formula != SABR_OBLOJ))
		return QM_EINVAL;
	if (o->guess != NULL && (!(o->guess->alpha > 0.0) || !isfinite(o->guess->alpha)
	    || !(fabs(o->guess->rho) < 1.0) || !(o->guess->nu >= 0.0)
	    || !isfinite(o->guess->nu)))
		return QM_EINVAL;
	if (!(s->T >= 0.0) || !isfinite(s->T) || !(s->F > 0.0) || !isfinite(s->F)
	    || !(s->atm_vol >= 0.0) || !isfinite(s->atm_vol) || s->n == 0
	    || s->K == NULL || s->vol == NULL)
		return QM_EINVAL;
	if (s->n > w->nmax)
		return QM_ENOMEM;
	f->w = w;
	f->n = s->n;
	f->np = (s->atm_vol > 0.0) ? 2 : 3;
	f->T = s->T;
	f->F = s->F;
	f->beta = o->beta;
	f->atm_vol = s->atm_vol;
	f->sumw = 0.0;
	for (i = 0; i < s->n; i++) {
		wi = (s->w != NULL) ? s->w[i] : 1.0;
		if (!(wi >= 0.0) || !isfinite(wi) || !(s->vol[i] > 0.0) || !isfinite(s->vol[i]))
			return QM_EINVAL;
		st = sabr_strike_init(&w->geo[i], o->formula, s->F, s->K[i], o->beta);
		if (st != QM_OK)
			return st;
		w->sw[i] = sqrt(wi);
		w->mv[i] = s->vol[i];
		f->sumw += wi;
		npos += (wi > 0.0);
	}
	if (!(f->sumw > 0.0) || !isfinite(f->sumw))
		return QM_EINVAL;
	if (npos < (size_t)f->np)
		return QM_ETOOSHORT;
	return QM_OK;
}

/* Converts a start point (alpha, rho, nu) to theta for the fit's mode. */
static void sabr_theta_of(const struct sabr_fit *f, const double p[3], double *th)
{
	double rho = fmin(fmax(p[1], -SABR_CALIB_RHO_MAX), SABR_CALIB_RHO_MAX);

	if (f->np == 3)
		th[0] = log(p[0]);
	th[f->np - 2] = rho;
	th[f->np - 1] = log(fmax(p[2], 1e-6));
}

/* Sets a result to NaN parameters and the given status. */
static int sabr_result_fail(sabr_calib_result *r, double beta, int st)
{
	r->p.alpha = r->p.rho = r->p.nu = NAN;
	r->p.beta = beta;
	r->rmse_bp = NAN;
	r->iter = 0;
	r->status = st;
	return st;
}

int sabr_calib_smile(sabr_calib_workspace *w, const sabr_slice *s, const sabr_calib_opts *o,
		     sabr_calib_result *r)
{
	struct sabr_fit f;
	double p0[3], th[3], cost, M[3][3];
	int st, it, tries;

	if (r == NULL)
		return QM_EINVAL;
	st = sabr_fit_setup(w, s, o, &f);
	if (st != QM_OK)
		return sabr_result_fail(r, (o != NULL) ? o->beta : NAN, st);
	if (o->guess != NULL) {
		p0[0] = o->guess->alpha;
		p0[1] = o->guess->rho;
		p0[2] = o->guess->nu;
	} else {
		sabr_start(&f, s, p0);
	}
	/* second try from a plain start if the first start is unusable */
	for (tries = 0; tries < 2; tries++) {
		sabr_theta_of(&f, p0, th);
		st = sabr_lm(&f, th, o->max_iter, o->xtol, &it, &cost);
		if (st == QM_OK || st == QM_EMAXITER)
			break;
		p0[1] = 0.0;
		p0[2] = 0.1;
	}
	if (st != QM_OK && st != QM_EMAXITER)
		return sabr_result_fail(r, o->beta, QM_ENOCONV);
	/* cost is already the one at theta: only the parameters are mapped back */
	if (sabr_fit_params(&f, th, &r->p, M) != QM_OK)
		return sabr_result_fail(r, o->beta, QM_ENOCONV);
	r->rmse_bp = 1e4 * sqrt(2.0 * cost / f.sumw);
	r->iter = it;
	r->status = st;
	return st;
}

int sabr_calib_surface(sabr_calib_workspace *w, size_t m, const sabr_slice *s,
		       const sabr_calib_opts *o, sabr_calib_result *r)
{
	size_t j;
	int st, first = QM_OK;

	if (r == NULL)
		return QM_EINVAL;
	if (w == NULL || s == NULL || o == NULL || m == 0) {
		for (j = 0; j < m; j++)
			sabr_result_fail(&r[j], (o != NULL) ? o->beta : NAN, QM_EINVAL);
		return QM_EINVAL;
	}
	for (j = 0; j < m; j++) {
		st = sabr_calib_smile(w, &s[j], o, &r[j]);
		if (st != QM_OK && first == QM_OK)
			first = st;
	}
	return first;
}

/* Validates term-structure nodes: increasing positive maturities, one beta. */
static int sabr_term_check(size_t m, const double *T, const sabr_params *p)
{
	size_t j;

	if (m == 0 || T == NULL || p == NULL)
		return QM_EINVAL;
	for (j = 0; j < m; j++) {
		if (!(T[j] > 0.0) || !isfinite(T[j]) || sabr_params_check(&p[j]) != QM_OK)
			return QM_EINVAL;
		if (j > 0 && (!(T[j] > T[j - 1]) || p[j].beta != p[0].beta))
			return QM_EINVAL;
	}
	return QM_OK;
}

int sabr_term_eval(size_t m, const double *T, const sabr_params *p, double t,
		   sabr_params *out)
{
	size_t lo, hi, mid;
	double l, wv;

	if (out == NULL)
		return QM_EINVAL;
	if (sabr_term_check(m, T, p) != QM_OK || !(t >= 0.0) || !isfinite(t)) {
		out->alpha = out->beta = out->rho = out->nu = NAN;
		return QM_EINVAL;
	}
	if (t <= T[0]) {
		*out = p[0];
		return QM_OK;
	}
	if (t >= T[m - 1]) {
		*out = p[m - 1];
		return QM_OK;
	}
	/* bisection for T[lo] <= t < T[hi] */
	lo = 0;
	hi = m - 1;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (T[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	l = (t - T[lo]) / (T[hi] - T[lo]);
	out->beta = p[lo].beta;
	out->rho = (1.0 - l) * p[lo].rho + l * p[hi].rho;
	out->nu = (1.0 - l) * p[lo].nu + l * p[hi].nu;
	wv = (1.0 - l) * p[lo].alpha * p[lo].alpha * T[lo]
		+ l * p[hi].alpha * p[hi].alpha * T[hi];
	out->alpha = sqrt(wv / t);
	return QM_OK;
}

int sabr_term_vol(size_t m, const double *T, const sabr_params *p, enum sabr_formula f,
		  double F, double K, double t, double *vol)
{
	sabr_params q;
	int st;

	if (vol == NULL)
		return QM_EINVAL;
	if (!(t > 0.0)) {
		*vol = NAN;
		return QM_EINVAL;
	}
	st = sabr_term_eval(m, T, p, t, &q);
	if (st != QM_OK) {
		*vol = NAN;
		return st;
	}
	return sabr_vol(f, &q, F, K, t, vol);
}
