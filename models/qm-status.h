/*
 * qm-status.h -- status codes shared by every module of the models library.
 *
 * Why it exists: models/ is a pure numerics library in the GSL tradition.
 * No function in it aborts, prints or logs; each returns one of these codes
 * and the caller decides what to say.  Keeping the codes in one header lets
 * src/ turn any model failure into a readable message with qm_strerror().
 */
#ifndef QM_STATUS_H
#define QM_STATUS_H

enum qm_status {
	QM_OK = 0,        /* success */
	QM_EINVAL,        /* an argument is NaN, infinite, negative or out of domain */
	QM_EBOUNDS,       /* a price lies outside its no-arbitrage bounds */
	QM_ENOCONV,       /* an iteration failed to converge */
	QM_EMAXITER,      /* iteration limit reached before the tolerance */
	QM_ETIMEOUT,      /* the caller's time budget ran out */
	QM_ENOMEM,        /* a caller-provided workspace is too small */
	QM_ETOOSHORT,     /* a series is too short for the estimator */
	QM_ECONST,        /* a series is constant (zero variance) */
	QM_ENOTMR,        /* a series is not mean-reverting (AR coefficient >= 1) */
	QM_ESINGULAR,     /* a matrix is singular or not positive definite */
	QM_ENOROOT,       /* no root in the searched bracket */
	QM_EOVERFLOW,     /* the result cannot be represented */
	QM_ENODEV,        /* no usable GPU device (none, no CUDA build, or a CUDA failure) */
	QM_NSTATUS
};

/* Returns a short English description of a status code (never NULL). */
const char *qm_strerror(int status);

#endif
