/*
 * johansen.h -- Johansen (1991) reduced-rank test of the cointegration rank
 * of 2..12 series (trace and maximum-eigenvalue statistics).
 *
 * Why it exists: Engle-Granger (models/coint.h) tests one relation and
 * depends on which series is put on the left; a basket of ETFs or a
 * futures strip needs the number of independent stationary combinations
 * and the combinations themselves.  Johansen's VECM
 *
 *	dY_t = Pi Y_{t-1} + sum_{i=1..k} G_i dY_{t-i} + D_t + e_t,  k = p - 1,
 *
 * has rank(Pi) = r cointegrating vectors.  Concentrating out the short-run
 * terms leaves residuals R0 (of dY_t) and R1 (of Y_{t-1}), moments
 * S_ij = R_i'R_j / T and the eigenproblem (Johansen 1991, eq. 3.4;
 * Johansen 1995, Theorem 6.1)
 *
 *	| lambda S11 - S10 S00^{-1} S01 | = 0,
 *
 * whose ordered eigenvalues give trace(r) = -T sum_{i>r} ln(1 - lambda_i)
 * and maxeig(r) = -T ln(1 - lambda_{r+1}) (Johansen 1995, eqs. 6.18, 6.19),
 * and whose eigenvectors, normalised v'S11 v = 1, are the cointegrating
 * vectors.
 *
 * Deterministic cases follow the det_order convention of statsmodels'
 * coint_johansen and LeSage's johansen.m, with the matching MacKinnon, Haug
 * and Michelis (1999) critical values:
 *	-1  no deterministic terms                   (MHM/Johansen case 1)
 *	 0  unrestricted constant                    (case 3)
 *	 1  unrestricted constant and linear trend   (case 5)
 * For det 0 and -1 the statistics equal statsmodels' to rounding.  For det 1
 * the trend enters the concentrating regressions (Johansen 1995, sec. 6.2),
 * whereas statsmodels detrends the levels beforehand; the two differ in
 * finite samples.
 *
 * Caveat (Johansen 1995, ch. 11): the case 3 and case 5 quantiles assume
 * the data really carry the deterministic trend the model allows -- a
 * linear trend in the levels for det 0, a quadratic one for det 1.  On
 * driftless prices those tests over-reject (a simulation with two
 * driftless random walks puts the det 0 trace's 95% quantile near 18.5,
 * not 15.49).  The restricted-constant case 2, which fits trendless
 * spreads, is not part of the det_order convention and is not offered.
 *
 * Units: series in any (common or not) units; T in observations; the
 * statistics are dimensionless likelihood ratios.
 */
#ifndef QM_JOHANSEN_H
#define QM_JOHANSEN_H

#include <stddef.h>

/* Largest number of series (the size of the critical-value tables). */
#define JOHANSEN_MAXVARS 12

/* Deterministic terms (statsmodels coint_johansen det_order). */
enum johansen_det {
	JOHANSEN_DET_NONE = -1,
	JOHANSEN_DET_CONST = 0,
	JOHANSEN_DET_TREND = 1
};

/* Result of one Johansen test on m series. */
typedef struct {
	size_t m;			/* number of series */
	size_t p;			/* VAR order in levels (k = p - 1 lagged differences) */
	int det;			/* enum johansen_det */
	size_t nobs;			/* T, observations in the concentrated regressions */
	double eig[JOHANSEN_MAXVARS];	/* eigenvalues, descending, in [0, 1) */
	/* eigenvectors: evec[i*m + j] = element i of vector j (column j pairs
	 * with eig[j]); v'S11 v = 1, first non-zero element positive */
	double evec[JOHANSEN_MAXVARS * JOHANSEN_MAXVARS];
	double trace[JOHANSEN_MAXVARS];		/* trace statistic for H0: rank <= r */
	double maxeig[JOHANSEN_MAXVARS];	/* max-eigenvalue statistic, H0: rank = r */
	double trace_cv[JOHANSEN_MAXVARS][3];	/* 90%, 95%, 99% critical values */
	double maxeig_cv[JOHANSEN_MAXVARS][3];	/* 90%, 95%, 99% critical values */
	size_t rank_trace;		/* rank chosen by the trace test at 95% */
	size_t rank_maxeig;		/* rank chosen by the max-eig test at 95% */
} johansen_result;

typedef struct johansen_workspace johansen_workspace;

/*
 * Allocates scratch for up to nmax observations of m series (2..12) and a
 * VAR order up to pmax (>= 1).  NULL on bad sizes or out of memory.
 */
johansen_workspace *johansen_workspace_alloc(size_t nmax, size_t m, size_t pmax);

/* Frees a workspace (NULL is fine). */
void johansen_workspace_free(johansen_workspace *w);

/*
 * Johansen test of m level series of n points stored one after the other
 * (y[i*n + t] = series i at time t) for VAR order p >= 1 and deterministic
 * case det.
 * QM_EINVAL for NaN/inf, m outside 2..12 or a bad det; QM_ETOOSHORT when
 * T = n - p leaves fewer than ten degrees of freedom; QM_ECONST for a
 * constant series; QM_ESINGULAR for collinear series (S00 or S11 not
 * positive definite); QM_ENOMEM when w is too small or was allocated for
 * another m.
 */
int johansen_test(const double *y, size_t n, size_t m, size_t p, int det,
		  johansen_workspace *w, johansen_result *res);

/*
 * MacKinnon-Haug-Michelis (1999) 90/95/99% critical values for nrw = m - r
 * random-walk dimensions (1..12): trace in tr[3], max-eigenvalue in mx[3]
 * (either may be NULL).
 */
int johansen_crit(size_t nrw, int det, double tr[3], double mx[3]);

/* MHM (1999) tables [case -1,0,1][m-r-1][90,95,99%], mackinnon-tables.c. */
extern const double johansen_mhm_trace[3][JOHANSEN_MAXVARS][3];
extern const double johansen_mhm_maxeig[3][JOHANSEN_MAXVARS][3];

#endif
